#!/bin/sh
# agentos sessions, export (markdown, jsonl) and trace read a session log
# written by an older agentos (schema version 1, migrated on open).
. "$(dirname "$0")/lib.sh"
make_repo
mkdir -p .git/agentos
python3 - .git/agentos/sessions.db <<'PY' || hard "python3 sqlite3"
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.executescript("""
CREATE TABLE sessions (id TEXT PRIMARY KEY, created INTEGER NOT NULL);
CREATE TABLE events (session TEXT NOT NULL, seq INTEGER NOT NULL,
 time INTEGER NOT NULL, type TEXT NOT NULL, data TEXT NOT NULL,
 PRIMARY KEY (session, seq)) WITHOUT ROWID;
PRAGMA user_version = 1;
""")
sid = "20260101-120000-abcd"
t = 1767268800000
ev = [
 ("user", {"text": "add a line to notes.txt"}),
 ("request", {"provider": "anthropic", "model": "claude-test",
  "max_tokens": 1000, "body_sha256": "00", "body": "{}"}),
 ("response", {"message": {"role": "assistant", "content": [
   {"type": "text", "text": "Appending ```now```."},
   {"type": "tool_use", "id": "toolu_1", "name": "bash",
    "input": {"command": "echo hi >> notes.txt"}}]},
  "stop_reason": "tool_use", "usage": {"input_tokens": 1200,
  "output_tokens": 40, "cache_read_tokens": 0, "cache_write_tokens": 0},
  "first_token_ms": 400, "total_ms": 1300}),
 ("tool_call", {"id": "toolu_1", "name": "bash",
  "input": {"command": "echo hi >> notes.txt"}}),
 ("approval", {"id": "toolu_1", "decision": "approve_once", "by": "user"}),
 ("snapshot", {"id": "snap1", "commit": "ab" * 20, "action": "bash",
  "tool_use_id": "toolu_1"}),
 ("tool_start", {"id": "toolu_1"}),
 ("tool_result", {"id": "toolu_1", "content": "", "is_error": False,
  "exit_status": 0, "duration_ms": 12, "bytes": 0, "truncated": False}),
 ("request", {"provider": "anthropic", "model": "claude-test"}),
 ("response", {"message": {"role": "assistant", "content": [
   {"type": "text", "text": "Done."}]}, "stop_reason": "end_turn",
  "usage": {"input_tokens": 1300, "output_tokens": 5,
  "cache_read_tokens": 1000, "cache_write_tokens": 0},
  "first_token_ms": 300, "total_ms": 500}),
 ("turn_end", {"stop_reason": "end_turn"}),
 ("user", {"text": "now remove it"}),
 ("request", {"provider": "anthropic", "model": "claude-test"}),
]
db.execute("INSERT INTO sessions VALUES (?, ?)", (sid, t))
for i, (ty, d) in enumerate(ev):
    db.execute("INSERT INTO events VALUES (?, ?, ?, ?, ?)",
               (sid, i + 1, t + 1000 * i, ty, json.dumps(d)))
db.commit()
PY

out=$("$AGENTOS" sessions) || fail "sessions exited $?"
# SNAPS counts the session's snapshot chain (as agentos snapshots does):
# the logged snapshot's commit is not in this repository, so 0.
echo "$out" | grep -q '^20260101-120000-abcd .* 2 .* 3500/45 .* 0  add a line' ||
    fail "sessions row: $out"
v=$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("PRAGMA user_version").fetchone()[0])' .git/agentos/sessions.db)
[ "$v" -ge 2 ] || fail "not migrated: user_version $v"

"$AGENTOS" export 20260101 --format jsonl > out.jsonl || fail "export jsonl"
[ "$(wc -l < out.jsonl)" -eq 13 ] || fail "jsonl lines: $(wc -l < out.jsonl)"
python3 - out.jsonl <<'PY' || fail "jsonl content"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
assert [l["seq"] for l in lines] == list(range(1, 14))
assert lines[0]["type"] == "user" and lines[0]["data"]["text"].startswith("add")
assert lines[0]["session"] == "20260101-120000-abcd"
assert lines[1]["data"]["body"] == "{}"
assert all("time_ms" in l for l in lines)
PY

"$AGENTOS" export 20260101-120000-abcd --format markdown -o out.md ||
    fail "export markdown"
grep -q '^# Session 20260101-120000-abcd' out.md || fail "md title"
grep -q '^## User' out.md || fail "md user"
grep -q '^\*\*Tool call\*\* `bash`' out.md || fail "md tool call"
grep -q '^Snapshot \*\*snap1\*\*' out.md || fail "md snapshot"
grep -q '^- Turns: 2' out.md || fail "md header"
"$AGENTOS" export nosuch >/dev/null 2>err.txt && fail "export of nothing"
grep -q 'no session nosuch' err.txt || fail "error message"
"$AGENTOS" export --format html >/dev/null 2>&1
[ $? -eq 2 ] || fail "bad format should exit 2"

"$AGENTOS" trace 20260101 > trace.txt || fail "trace"
grep -q '^turn 1 .*tokens in 2500 (+1000 cached) out 45' trace.txt ||
    fail "trace turn line: $(cat trace.txt)"
grep -q 'model claude-test  1.3 s (first token 400 ms)' trace.txt ||
    fail "trace model span"
grep -q 'tool bash toolu_1' trace.txt || fail "trace tool span"
grep -q 'approval approve_once by user  after 1.0 s' trace.txt ||
    fail "trace approval"
grep -q 'run 12 ms  exit 0' trace.txt || fail "trace run"
grep -q 'model: no response' trace.txt || fail "trace half response"
exit 0
