#!/bin/sh
# The real @modelcontextprotocol/server-filesystem (pinned) over stdio in
# the TUI: its tools are offered as mcp__fs__*, a write_file through it is
# asked about (its annotations shown as claims), runs after y, changes the
# worktree, and Alt-z puts the file back from the snapshot taken before the
# call; a read_text_file it marks read-only is asked about all the same.
# The package is installed once into the build tree; without node and npm,
# or without the npm registry, the test skips saying so.
# test-timeout: 400
. "$(dirname "$0")/lib.sh"
FILESYSTEM_VERSION=2026.8.31
dir="$top_builddir/tests/npm-filesystem"
pkg="$dir/node_modules/@modelcontextprotocol/server-filesystem"
npm_install "$dir" "@modelcontextprotocol/server-filesystem@$FILESYSTEM_VERSION"
[ -f "$pkg/dist/index.js" ] || hard "no $pkg/dist/index.js"
make_repo
before=$(cat hello.txt)
mkdir -p "$XDG_CONFIG_HOME/agentos"
cat > "$XDG_CONFIG_HOME/agentos/config.json" <<J
{"mcp": {"servers": {"fs": {"command": "node",
 "args": ["$pkg/dist/index.js", "$PWD"]}}}}
J
python3 - "$PWD" > "$T_TMP/script.json" <<'P' || hard "script"
import json, sys
root = sys.argv[1]
print(json.dumps([
 {"tool_calls": [{"name": "mcp__fs__write_file", "input": {
   "path": root + "/hello.txt", "content": "from the filesystem server\n"}}]},
 {"expect": {"contains": "Successfully wrote"}, "text": "Wrote it."},
 {"tool_calls": [{"name": "mcp__fs__read_text_file", "input": {
   "path": root + "/hello.txt"}}]},
 {"text": "Read it."}]))
P
start_provider --script "$T_TMP/script.json"
start_agentos --base-url "http://127.0.0.1:$T_PORT"
wait_for '/help'
# The server starts in the background: look in /mcp until it is ready.
_end=$(( $(date +%s) + T_WAIT ))
until screen | grep -q 'fs: ready'; do
	[ "$(date +%s)" -le "$_end" ] || fail "fs never became ready"
	send_keys '/mcp' Enter
	sleep 1
done
send_keys Escape
send_keys 'write through the server' Enter
wait_for 'Allow this call\?'
wait_for 'mcp__fs__write_file'
[ "$(cat hello.txt)" = "$before" ] || fail "written before the approval"
send_keys y
wait_for 'Wrote it\.'
[ "$(cat hello.txt)" = "from the filesystem server" ] ||
    fail "the server did not write: $(cat hello.txt)"
python3 - "$T_PROVIDER_LOG" <<'P' || fail "tools offered"
import json, sys
reqs = [json.loads(l) for l in open(sys.argv[1])]
names = [t["name"] for t in reqs[0]["tools"]]
for n in ("mcp__fs__write_file", "mcp__fs__read_text_file",
          "mcp__fs__list_directory"):
    assert n in names, (n, names)
P
send_keys M-z
wait_for 'Restored the files to before the last agent change'
[ "$(cat hello.txt)" = "$before" ] ||
    fail "Alt-z did not restore hello.txt: $(cat hello.txt)"
send_keys 'read it back' Enter
wait_for 'Allow this call\?'
wait_for 'mcp__fs__read_text_file'
wait_for 'claimed by fs'
send_keys y
wait_for 'Read it\.'
python3 - "$T_PROVIDER_LOG" "$before" <<'P' || fail "read result"
import json, sys
reqs = [json.loads(l) for l in open(sys.argv[1])]
res = json.dumps(reqs[-1]["messages"][-1]["content"])
assert sys.argv[2].split("\n")[0] in res, res
P
exit 0
