#!/bin/sh
# The memory tool, headless, in accept-edits: create, view, str_replace,
# insert and rename (across to the user's memory) run without asking and
# answer with the memory tool's texts; .agentos/memory is written although
# .agentos is protected, write_file there is still refused; "..", hidden
# names and a symlink out are refused; the next session's system prompt
# holds the index of memory files with their first lines.
. "$(dirname "$0")/lib.sh"
make_repo
ln -s /etc "$T_TMP/etc-link"
python3 -c 'import json
def m(**a):
    return {"tool_calls": [{"name": "memory", "input": a}]}
print(json.dumps([
    m(command="create", path="/memories/project/notes.md",
      file_text="cache: keep the prefix stable\n"),
    m(command="view", path="/memories/project/notes.md"),
    m(command="str_replace", path="/memories/project/notes.md",
      old_str="stable", new_str="byte-stable"),
    m(command="insert", path="/memories/project/notes.md", insert_line=0,
      insert_text="# Project notes"),
    m(command="create", path="/memories/project/old.md", file_text="x\n"),
    m(command="rename", old_path="/memories/project/old.md",
      new_path="/memories/user/moved.md"),
    m(command="view", path="/memories"),
    m(command="create", path="/memories/project/../../evil.md",
      file_text="x"),
    m(command="create", path="/memories/project/.hidden", file_text="x"),
    m(command="create", path="/etc/passwd", file_text="x"),
    m(command="view", path="/memories/project/link/passwd"),
    {"tool_calls": [{"name": "write_file", "input":
        {"path": ".agentos/memory/w.md", "content": "x"}}]},
    {"text": "done"}]))' > "$T_TMP/s.json" || hard "script"
mkdir -p .agentos/memory
ln -s /etc .agentos/memory/link
start_provider --script "$T_TMP/s.json"
"$AGENTOS" -p "remember" --provider openai -m test-model \
    --base-url "http://127.0.0.1:$T_PORT/v1" --permission-mode accept-edits \
    > "$T_TMP/out" 2> "$T_TMP/err" ||
    { cat "$T_TMP/err" >&2; fail "agentos exit status"; }
python3 -c 'import json, sys
reqs = [json.loads(l) for l in open(sys.argv[1])]
for m in reqs[-1]["messages"]:
    if m.get("role") == "tool":
        print("RESULT", m["content"])' "$T_PROVIDER_LOG" > "$T_TMP/results" ||
    fail "no tool results"
r() { grep -q -- "$1" "$T_TMP/results" || fail "no \"$1\": $(cat "$T_TMP/results")"; }
r "File created successfully at: /memories/project/notes.md"
r "Here's the content of /memories/project/notes.md with line numbers"
r "1	cache: keep the prefix stable"
r "The memory file has been edited."
r "The file /memories/project/notes.md has been edited."
r "Successfully renamed /memories/project/old.md to /memories/user/moved.md"
r "/memories/user/moved.md"
r "no \"..\""
r "is not under /memories"
r "symbolic links are not followed"
r "protected path"
[ "$(cat .agentos/memory/notes.md)" = "# Project notes
cache: keep the prefix byte-stable" ] ||
    fail "notes.md: $(cat .agentos/memory/notes.md)"
[ -f "$HOME/.local/share/agentos/memory/moved.md" ] ||
    fail "rename did not reach the user's memory"
[ ! -e .agentos/memory/old.md ] || fail "rename left the old file"
[ ! -e evil.md ] && [ ! -e .agentos/evil.md ] || fail "traversal wrote"
[ ! -e .agentos/memory/w.md ] || fail "write_file wrote .agentos/memory"
[ ! -e .agentos/memory/.hidden ] || fail "hidden name written"
# A later session's system prompt names the memory files and first lines.
echo '[{"text": "ok"}]' > "$T_TMP/s2.json"
rm -f "$T_TMP/port" "$T_TMP/requests.jsonl"
start_provider --script "$T_TMP/s2.json"
"$AGENTOS" -p "hello" --provider openai -m test-model \
    --base-url "http://127.0.0.1:$T_PORT/v1" > "$T_TMP/out" 2> "$T_TMP/err" ||
    { cat "$T_TMP/err" >&2; fail "agentos exit status (2)"; }
python3 -c 'import json, sys
reqs = [json.loads(l) for l in open(sys.argv[1])]
print(json.dumps(reqs[0]["messages"][0]))' "$T_PROVIDER_LOG" > "$T_TMP/sys" ||
    fail "no request"
grep -q "/memories/project/notes.md: # Project notes" "$T_TMP/sys" ||
    fail "no project memory index: $(cat "$T_TMP/sys")"
grep -q "/memories/user/moved.md: x" "$T_TMP/sys" ||
    fail "no user memory index"
exit 0
