#!/bin/sh
# Headless: a connection cut in the middle of an Anthropic stream (inside an
# event, on a response without chunked encoding, so that the transfer itself
# ends cleanly) is said to have ended early, as on the OpenAI path, and is
# not reported as an event with invalid JSON.
. "$(dirname "$0")/lib.sh"
make_repo
cat > "$T_TMP/cut.py" <<'PY'
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0)); s.listen(8)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
ev = ('event: message_start\ndata: {"type":"message_start","message":'
      '{"id":"m1","model":"claude-sonnet-4-5","usage":{"input_tokens":1,'
      '"output_tokens":1}}}\n\n'
      'event: content_block_start\ndata: {"type":"content_block_start",'
      '"index":0,"content_block":{"type":"text","text":""}}\n\n'
      'event: content_block_delta\ndata: {"type":"content_block_delta",'
      '"index":0,"delta":{"type":"text_delta","text":"partial ans')
while True:
    c, _ = s.accept()
    data = b""
    while b"\r\n\r\n" not in data:
        data += c.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    n = 0
    for l in head.split(b"\r\n"):
        if l.lower().startswith(b"content-length:"):
            n = int(l.split(b":")[1])
    while len(body) < n:
        body += c.recv(65536)
    c.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
              b"Connection: close\r\n\r\n" + ev.encode())
    c.close()
PY
python3 "$T_TMP/cut.py" "$T_TMP/cutport" > "$T_TMP/cut.out" 2>&1 &
T_PIDS="$T_PIDS $!"
i=0
while [ ! -s "$T_TMP/cutport" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done
port=$(cat "$T_TMP/cutport") || hard "no server"
ANTHROPIC_API_KEY=k "$AGENTOS" -p 'hi' --base-url "http://127.0.0.1:$port" \
    > "$T_TMP/out" 2> "$T_TMP/err"
rc=$?
cat "$T_TMP/err" >&2
[ $rc -ne 0 ] || fail "exit 0 after a cut stream"
grep -q 'invalid JSON' "$T_TMP/err" && fail "said invalid JSON"
grep -q 'stream ended before the response was complete' "$T_TMP/err" ||
    fail "no early end said"
exit 0
