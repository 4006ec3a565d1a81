#!/bin/sh
# TUI: a command the sandbox refused (a write outside the worktree, a
# connect with the network off) is offered to run once more, outside the
# sandbox ("o") or with the network ("w"), or not ("n"); the model's result
# says it ran again.  Nothing is remembered: the next refusal asks again.
# Bypass mode is never asked.
. "$(dirname "$0")/lib.sh"
need_bwrap
make_repo
# Not under /tmp: the sandbox's private /tmp would hide it anyway.
out="/var/tmp/agentos-0824-outside.$$"
mkdir -p "$out" || hard "mkdir $out"
trap 'rm -rf "$out"; t_cleanup' EXIT
# A listener on this machine's own non-loopback address, for a connect
# the sandbox refuses (no route without the network) and "w" allows.
IP=$(hostname -I 2>/dev/null | tr ' ' '\n' | grep -E '^[0-9.]+$' |
    grep -v '^127\.' | head -1)
[ -n "$IP" ] || skip "no non-loopback IPv4 address for the network rerun"
python3 -c 'import socket, sys
s = socket.socket()
s.bind((sys.argv[1], 0))
s.listen(8)
open(sys.argv[2], "w").write(str(s.getsockname()[1]))
while True:
    s.accept()[0].close()' "$IP" "$T_TMP/lport" > /dev/null 2>&1 &
T_PIDS="$T_PIDS $!"
end=$(( $(date +%s) + T_WAIT ))
while [ ! -s "$T_TMP/lport" ] && [ "$(date +%s)" -le "$end" ]; do
	sleep 0.05
done
PORT=$(cat "$T_TMP/lport") || hard "the listener did not start"
cat > "$T_TMP/script.json" <<J
[{"tool_calls": [{"name": "bash", "input": {"command": "echo x > $out/a"}}]},
 {"text": "first done"},
 {"tool_calls": [{"name": "bash", "input": {"command": "echo y > $out/b"}}]},
 {"text": "second done"},
 {"tool_calls": [{"name": "bash", "input": {"command":
   "python3 -c 'import socket; socket.create_connection((\"$IP\", $PORT), timeout=5)' && touch net-ok"}}]},
 {"text": "third done"}]
J
start_provider --script "$T_TMP/script.json"

start_agentos --base-url "http://127.0.0.1:$T_PORT"
wait_for '/help'
send_keys 'write a' Enter
wait_for 'echo x'
send_keys y
wait_for 'Run it again\?'
wait_for 'o outside the sandbox'
[ -e "$out/a" ] && fail "the first, sandboxed run wrote outside"
send_keys o
wait_for 'first done'
[ -e "$out/a" ] || fail "o: the rerun outside the sandbox did not write"
grep -q "approved running it once more outside the sandbox" \
    "$T_PROVIDER_LOG" || fail "the model was not told it ran again"

send_keys 'write b' Enter
wait_for 'echo y'
send_keys y
wait_for 'Run it again\?'
send_keys n
wait_for 'second done'
[ -e "$out/b" ] && fail "n: the command ran again"

send_keys 'connect' Enter
wait_for 'socket'
send_keys y
wait_for 'Run it again\?'
send_keys w
wait_for 'third done'
[ -e net-ok ] || fail "w: the rerun with the network did not connect"

# Bypass: a refusal is reported, never offered.
cat > "$T_TMP/script2.json" <<J
[{"tool_calls": [{"name": "bash", "input": {"command": "echo z > $out/c"}}]},
 {"text": "bypass done"}]
J
kill $T_PIDS 2>/dev/null
rm -f "$T_TMP/port"
start_provider --script "$T_TMP/script2.json"
restart_agentos --base-url "http://127.0.0.1:$T_PORT" --permission-mode bypass
wait_for '/help'
send_keys 'write c' Enter
wait_for 'bypass done'
screen | grep -q 'Run it again' && fail "bypass: the rerun was offered"
[ -e "$out/c" ] && fail "bypass: the write outside happened"
exit 0
