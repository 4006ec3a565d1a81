#!/bin/sh
# TUI: the / popup lists the commands with their one-line help as soon as
# / is typed (Down and Tab pick one, Enter runs the selected one); C-r
# searches the history of sent messages; C-g edits the prompt in $EDITOR
# (the TUI gives the terminal up and takes it back).
. "$(dirname "$0")/lib.sh"
make_repo
mkdir -p "$T_TMP/bin"
cat > "$T_TMP/bin/fake-editor" <<'SH'
#!/bin/sh
# An editor that appends a line, as a user would type one.
echo "edited by the editor" >> "$1"
SH
chmod +x "$T_TMP/bin/fake-editor"
cat > "$T_TMP/script.json" <<'JSON'
[{"text": "One."}, {"text": "Two."}, {"text": "Three."}, {"text": "Four."}]
JSON
start_provider --script "$T_TMP/script.json"
T_CMD="env EDITOR=$T_TMP/bin/fake-editor VISUAL= $AGENTOS"
tmux -L "$T_SOCK" -f /dev/null new-session -d -s main -x 120 -y 40 \
    -c "$PWD" "$T_CMD --base-url http://127.0.0.1:$T_PORT; sleep 3600" ||
    hard "tmux"
T_SESSION=main
wait_for '/help for keys'

# The / popup.
send_keys -l '/'
wait_for '^  /help +show the keys and commands'
send_keys -l 'co'
wait_for '^  /cost +show tokens'
wait_for '^  /context +show what fills'
screen | grep -q '^  /help ' && fail "/help still listed for /co"
send_keys Down
send_keys Tab
wait_for '^> /context *$'
send_keys C-u
send_keys -l '/to'
wait_for '^  /todo +hide or show'
send_keys Enter
wait_for 'no todo list in this conversation'

# History search.
send_keys -l 'alpha first message'
send_keys Enter
wait_for 'One\.'
send_keys -l 'beta second message'
send_keys Enter
wait_for 'Two\.'
send_keys C-r
wait_for 'history search:'
wait_for '^  beta second message'
send_keys -l 'alp'
wait_for 'history search: alp'
wait_gone '^  beta second message' "the search did not filter"
send_keys Enter
wait_for '^> alpha first message *$'
send_keys C-u

# The external editor.
send_keys -l 'draft line'
send_keys C-g
wait_for '^  edited by the editor'
wait_for '^> draft line'
send_keys Enter
wait_for 'Three\.'
python3 - "$T_PROVIDER_LOG" <<'PY' || fail "the edited prompt"
import json, sys
req = json.loads(open(sys.argv[1]).readlines()[-1])
c = req["messages"][-1]["content"]
t = c if isinstance(c, str) else "".join(b.get("text", "") for b in c)
assert t.endswith("draft line\nedited by the editor"), repr(t)
PY
exit 0
