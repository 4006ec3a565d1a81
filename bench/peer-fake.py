#!/usr/bin/env python3
"""Logging fake model provider for bench/bench-peers.sh.

Serves just enough of three wire formats for one text-only turn:
  POST .../messages            Anthropic Messages, SSE (PROTOCOLS.md section 1)
  POST .../messages/count_tokens  {"input_tokens": N}
  POST .../responses           OpenAI Responses, SSE (PROTOCOLS.md section 3)
  POST .../chat/completions    OpenAI Chat Completions, SSE (section 2)
Anything else gets a small JSON answer (404 for unknown POSTs) and is logged.

Every request is appended to LOG as one JSON line:
  {"n", "t", "method", "path", "bytes", "encoding", "decoded_bytes",
   "model", "has_task"}
and its raw body is written to DIR/req-N.body (decoded when gzip/zstd-free).

usage: peer-fake.py PORTFILE LOG DIR [TASKWORD]
The chosen port (bound on 127.0.0.1, port 0 = any free one) is written to
PORTFILE once the server listens.

usage: peer-fake.py --summary LOG DIR
Prints one JSON object about the first logged model request (a POST to
.../messages or .../responses or .../chat/completions whose body holds
TASKWORD): bytes on the wire, decoded bytes, the number of requests logged
before and in all, and how the JSON body splits (bytes of tools, system or
instructions, messages or input, the rest; tool names).
Python 3 stdlib only.
"""

import gzip
import http.server
import json
import os
import sys
import threading
import time
import zlib

REPLY = "hello.txt says: hello from the benchmark"
lock = threading.Lock()
counter = [0]


def sse(event, obj):
    data = json.dumps(obj, separators=(",", ":"))
    if event is None:
        return ("data: %s\n\n" % data).encode()
    return ("event: %s\ndata: %s\n\n" % (event, data)).encode()


def anthropic_stream(model):
    usage = {"input_tokens": 100, "cache_creation_input_tokens": 0,
             "cache_read_input_tokens": 0, "output_tokens": 1}
    out = sse("message_start", {"type": "message_start", "message": {
        "id": "msg_bench0001", "type": "message", "role": "assistant",
        "model": model, "content": [], "stop_reason": None,
        "stop_sequence": None, "usage": usage}})
    out += sse("content_block_start", {"type": "content_block_start",
               "index": 0, "content_block": {"type": "text", "text": ""}})
    out += sse("content_block_delta", {"type": "content_block_delta",
               "index": 0, "delta": {"type": "text_delta", "text": REPLY}})
    out += sse("content_block_stop", {"type": "content_block_stop",
               "index": 0})
    out += sse("message_delta", {"type": "message_delta", "delta": {
        "stop_reason": "end_turn", "stop_sequence": None},
        "usage": {"output_tokens": 10}})
    out += sse("message_stop", {"type": "message_stop"})
    return out


def anthropic_message(model):
    return json.dumps({"id": "msg_bench0001", "type": "message",
                       "role": "assistant", "model": model,
                       "content": [{"type": "text", "text": REPLY}],
                       "stop_reason": "end_turn", "stop_sequence": None,
                       "usage": {"input_tokens": 100,
                                 "output_tokens": 10}}).encode()


def responses_stream(model):
    rid = "resp_bench0001"
    mid = "msg_bench0001"
    seq = [0]

    def ev(obj):
        obj["sequence_number"] = seq[0]
        seq[0] += 1
        return sse(obj["type"], obj)

    base = {"id": rid, "object": "response", "created_at": int(time.time()),
            "status": "in_progress", "model": model, "output": [],
            "usage": None, "error": None, "incomplete_details": None}
    item = {"id": mid, "type": "message", "status": "in_progress",
            "content": [], "role": "assistant"}
    part = {"type": "output_text", "annotations": [], "text": ""}
    out = ev({"type": "response.created", "response": dict(base)})
    out += ev({"type": "response.in_progress", "response": dict(base)})
    out += ev({"type": "response.output_item.added", "output_index": 0,
               "item": item})
    out += ev({"type": "response.content_part.added", "item_id": mid,
               "output_index": 0, "content_index": 0, "part": part})
    out += ev({"type": "response.output_text.delta", "item_id": mid,
               "output_index": 0, "content_index": 0, "delta": REPLY,
               "logprobs": []})
    out += ev({"type": "response.output_text.done", "item_id": mid,
               "output_index": 0, "content_index": 0, "text": REPLY,
               "logprobs": []})
    done_part = {"type": "output_text", "annotations": [], "text": REPLY}
    out += ev({"type": "response.content_part.done", "item_id": mid,
               "output_index": 0, "content_index": 0, "part": done_part})
    done_item = {"id": mid, "type": "message", "status": "completed",
                 "content": [done_part], "role": "assistant"}
    out += ev({"type": "response.output_item.done", "output_index": 0,
               "item": done_item})
    fin = dict(base)
    fin["status"] = "completed"
    fin["output"] = [done_item]
    fin["usage"] = {"input_tokens": 100,
                    "input_tokens_details": {"cached_tokens": 0},
                    "output_tokens": 10,
                    "output_tokens_details": {"reasoning_tokens": 0},
                    "total_tokens": 110}
    out += ev({"type": "response.completed", "response": fin})
    return out


def chat_stream(model):
    def chunk(delta, finish):
        return sse(None, {"id": "chatcmpl-bench", "object":
                          "chat.completion.chunk", "created":
                          int(time.time()), "model": model, "choices": [
                              {"index": 0, "delta": delta,
                               "finish_reason": finish}]})
    out = chunk({"role": "assistant", "content": ""}, None)
    out += chunk({"content": REPLY}, None)
    out += chunk({}, "stop")
    out += b"data: [DONE]\n\n"
    return out


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def record(self, body):
        enc = self.headers.get("Content-Encoding", "") or ""
        decoded = body
        try:
            if enc == "gzip":
                decoded = gzip.decompress(body)
            elif enc == "deflate":
                decoded = zlib.decompress(body)
        except Exception:
            decoded = body
        model = None
        try:
            model = json.loads(decoded).get("model")
        except Exception:
            pass
        with lock:
            counter[0] += 1
            n = counter[0]
            rec = {"n": n, "t": time.time(), "method": self.command,
                   "path": self.path, "bytes": len(body), "encoding": enc,
                   "decoded_bytes": len(decoded), "model": model,
                   "has_task": TASKWORD.encode() in decoded}
            with open(LOG, "a") as f:
                f.write(json.dumps(rec) + "\n")
            if body:
                with open(os.path.join(DIR, "req-%d.body" % n), "wb") as f:
                    f.write(decoded)
            hdrs = os.path.join(DIR, "req-%d.headers" % n)
            with open(hdrs, "w") as f:
                f.write("%s %s\n%s" % (self.command, self.path,
                                       str(self.headers)))
        return decoded, model

    def send(self, code, ctype, payload):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("request-id", "req_bench")
        self.send_header("x-request-id", "req_bench")
        self.end_headers()
        self.wfile.write(payload)

    def do_GET(self):
        self.record(b"")
        p = self.path.split("?")[0]
        if p.endswith("/models"):
            self.send(200, "application/json",
                      b'{"object":"list","data":[],"models":[]}')
        else:
            self.send(404, "application/json",
                      b'{"error":{"message":"not found"}}')

    def do_HEAD(self):
        self.record(b"")
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0") or 0)
        if n:
            body = self.rfile.read(n)
        elif self.headers.get("Transfer-Encoding", "") == "chunked":
            body = b""
            while True:
                size = int(self.rfile.readline().strip().split(b";")[0], 16)
                if size == 0:
                    self.rfile.readline()
                    break
                body += self.rfile.read(size)
                self.rfile.readline()
        else:
            body = b""
        decoded, model = self.record(body)
        model = model or "bench-model"
        p = self.path.split("?")[0]
        stream = True
        try:
            stream = bool(json.loads(decoded).get("stream", False))
        except Exception:
            pass
        if p.endswith("/messages/count_tokens"):
            self.send(200, "application/json", b'{"input_tokens":100}')
        elif p.endswith("/messages"):
            if stream:
                self.send(200, "text/event-stream; charset=utf-8",
                          anthropic_stream(model))
            else:
                self.send(200, "application/json", anthropic_message(model))
        elif p.endswith("/responses"):
            self.send(200, "text/event-stream; charset=utf-8",
                      responses_stream(model))
        elif p.endswith("/chat/completions"):
            self.send(200, "text/event-stream; charset=utf-8",
                      chat_stream(model))
        else:
            self.send(404, "application/json",
                      b'{"error":{"message":"not found"}}')


def summary(log, d):
    recs = []
    with open(log) as f:
        for line in f:
            if line.strip():
                recs.append(json.loads(line))
    res = {"requests": len(recs), "bytes": None}
    for i, r in enumerate(recs):
        p = r["path"].split("?")[0]
        if r["method"] != "POST" or not r["has_task"] or \
                not p.endswith(("/messages", "/responses",
                                "/chat/completions")):
            continue
        res.update({"path": r["path"], "bytes": r["bytes"],
                    "encoding": r["encoding"],
                    "decoded_bytes": r["decoded_bytes"],
                    "model": r["model"], "requests_before": i})
        try:
            with open(os.path.join(d, "req-%d.body" % r["n"]), "rb") as f:
                body = json.load(f)
        except (OSError, ValueError):
            break
        parts = {}
        size = lambda v: len(json.dumps(v, separators=(",", ":"),
                                        ensure_ascii=False).encode())
        for k, v in body.items():
            if k in ("tools",):
                parts["tools"] = size(v)
            elif k in ("system", "instructions"):
                parts["system"] = parts.get("system", 0) + size(v)
            elif k in ("messages", "input"):
                parts["messages"] = size(v)
            else:
                parts["other"] = parts.get("other", 0) + size(v)
        res["split"] = parts
        res["tools"] = [t.get("name") or t.get("type") or
                        t.get("function", {}).get("name")
                        for t in body.get("tools", []) or []]
        break
    json.dump(res, sys.stdout)
    sys.stdout.write("\n")


def main():
    global LOG, DIR, TASKWORD
    if len(sys.argv) == 4 and sys.argv[1] == "--summary":
        summary(sys.argv[2], sys.argv[3])
        return
    if len(sys.argv) < 4:
        sys.stderr.write(__doc__)
        sys.exit(2)
    portfile, LOG, DIR = sys.argv[1:4]
    TASKWORD = sys.argv[4] if len(sys.argv) > 4 else "hello.txt"
    os.makedirs(DIR, exist_ok=True)
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    tmp = portfile + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(tmp, portfile)
    srv.serve_forever()


if __name__ == "__main__":
    main()
