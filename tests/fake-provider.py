#!/usr/bin/env python3
"""fake-provider.py: a scripted fake model server for agentos tests.

Speaks both wire formats agentos uses, streamed as Server-Sent Events:

  POST /v1/messages          Anthropic Messages API
  POST /v1/chat/completions  OpenAI Chat Completions
  POST /v1/responses         OpenAI Responses API (responses_events below)

Point agentos at it with --base-url http://127.0.0.1:PORT (Anthropic) or
--base-url http://127.0.0.1:PORT/v1 (OpenAI).

/v1/responses streams the Responses events of PROTOCOLS.md section 3
(response.created ... response.completed, no [DONE]): "thinking" is a
reasoning item whose summary streams and whose encrypted_content is
"fake-enc-N"; "error_midstream" ends with response.failed of that code
(rate_limit_exceeded...); stop_reason max_tokens or refusal ends with
response.incomplete (max_output_tokens, content_filter).

The --script file is JSON: a list of turns (or {"turns": [...]}).  Each
request consumes the next turn, whichever endpoint it hits.  When the
script is exhausted the reply is the text "(script exhausted)", end_turn.

Turn keys (all optional; combine freely):
  "text": "..."                 assistant text
  "thinking": "..."             a thinking block (Anthropic, with signature
                                "fake-sig-N") / delta.reasoning_content (OpenAI)
  "tool_calls": [{"name": "edit_file", "input": {...}, "id": "..."}]
                                tool calls; id defaults to toolu_fake_N /
                                call_fake_N; input JSON is sent in fragments
  "stop_reason": "max_tokens"   override (default tool_use if tool_calls,
                                else end_turn; OpenAI words are mapped)
  "usage": {"input_tokens": 10, "output_tokens": 5,
            "cache_read_input_tokens": 0, "cache_creation_input_tokens": 0,
            "cache_creation": {"ephemeral_5m_input_tokens": 0,
                               "ephemeral_1h_input_tokens": 0}}
                                (cache_creation, the TTL split, is sent only
                                when given)
  "status": 429, "headers": {"retry-after-ms": "10"}, "body": {...}|"..."
                                an HTTP error instead of a stream; without
                                "body" a provider-shaped error is generated;
                                "error_type"/"error_message" shape it
  "error_midstream": "overloaded_error"
                                stream some text then an error event (Anthropic
                                event: error / OpenAI data: {"error": ...}),
                                then end the stream
  "truncate_after_bytes": N     cut the connection after N body bytes
                                (chunked encoding left unterminated)
  "hang": true                  send the start of the stream (the first
                                "hang_after_events" events, default 4: for
                                Anthropic message_start, ping,
                                content_block_start and one text delta),
                                then stall until the client disconnects
  "slow_ms": 50                 sleep between written chunks
  "delay_ms": 200               sleep before the response headers
  "replay": "anthropic-tooluse-2.sse"
                                send a wire capture unchanged (from
                                --wire-dir, default $WIRE_DIR or
                                ../shared/wire next to the source tree)
  "chunk": "events"|"whole"|"bytewise"|"random"
                                how the body is split into writes (default
                                "events": one write per SSE event)
  "expect": {"contains": "..." | [...], "not_contains": "..." | [...]}
                                the raw request body must (not) contain
                                these strings, else HTTP 400 naming what
                                was wrong (so e2e tests fail loudly)

With --context-window N a request whose estimated tokens (body bytes / 4)
exceed N is answered with the provider's real overflow error instead, and
consumes no turn: Anthropic HTTP 400 invalid_request_error "prompt is too
long: T tokens > N maximum", OpenAI HTTP 400 code context_length_exceeded.

A summary request of agentos (its last message holds the mark
"agentos-compaction-request") is answered with a scripted summary and
consumes no turn: the text of --summary (default: a structured summary
"FAKE-SUMMARY-K" naming the earlier one it updates, when the request holds
one), padded to --summary-bytes when given (to test a summary rejected as
too large).

With --cache the usage of a turn without "usage" reports a simulated
prompt cache: Anthropic's reads the longest prefix (tools, system, then
message blocks, cache_control markers ignored) that an earlier request
wrote at one of its cache_control breakpoints, looked up within 20 blocks
before each breakpoint of this one, and writes up to its last breakpoint;
OpenAI's reads the longest prefix shared with an earlier request, in steps
of 128 tokens from 1024.  Tokens are bytes / 4 of the canonical JSON.

With --server-window N --server-kind vllm|llamacpp|ollama the server also
answers as that local server does about its context window: vLLM
GET /v1/models (data[].max_model_len), llama.cpp GET /props
(default_generation_settings.n_ctx), Ollama POST /api/show (model_info
"llama.context_length" and "num_ctx" in "parameters"); the others are 404,
as they are on that server.  These queries are not logged to --log.

Every request body is appended to --log as one JSON line (the body as
sent, re-serialised on one line; a non-JSON body is logged as
{"_raw": "..."}).  Standard library only.
"""

import argparse
import hashlib
import json
import os
import random
import select
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

STATUS_TYPES = {
    400: "invalid_request_error", 401: "authentication_error",
    402: "billing_error", 403: "permission_error", 404: "not_found_error",
    413: "request_too_large", 429: "rate_limit_error", 500: "api_error",
    504: "timeout_error", 529: "overloaded_error",
}
ERROR_MESSAGES = {
    "overloaded_error": "Overloaded",
    "api_error": "Internal server error",
    "rate_limit_error": "This request would exceed your organization's "
                        "rate limit of 30,000 input tokens per minute.",
}
OPENAI_FINISH = {"end_turn": "stop", "tool_use": "tool_calls",
                 "max_tokens": "length", "refusal": "content_filter",
                 "stop_sequence": "stop"}


class State:
    """The script and the request counter, shared by handler threads."""

    def __init__(self, turns, log, wire_dir, seed, window=0):
        self.window = window
        self.cache = None          # set(): the simulated prompt cache
        self.prefixes = []         # OpenAI: earlier canonical prompts
        self.summary = None
        self.server_window = 0
        self.server_kind = None
        self.summary_bytes = 0
        self.summaries = 0
        self.turns = turns
        self.log = log
        self.wire_dir = wire_dir
        self.lock = threading.Lock()
        self.n = 0
        self.rng = random.Random(seed)

    def log_body(self, body):
        if self.log:
            try:
                line = json.dumps(json.loads(body), ensure_ascii=False)
            except ValueError:
                line = json.dumps({"_raw": body})
            with open(self.log, "a", encoding="utf-8") as f:
                f.write(line + "\n")

    def overflow(self, body):
        """The estimated tokens of body when past the window, else 0."""
        if self.window <= 0 or estimate_tokens(body) <= self.window:
            return 0
        with self.lock:
            self.log_body(body)
        return estimate_tokens(body)

    def cache_usage(self, kind, body):
        """The simulated usage of body, or None without --cache."""
        if self.cache is None:
            return None
        try:
            req = json.loads(body)
        except ValueError:
            return None
        with self.lock:
            if kind == "anthropic":
                return self.anthropic_cache(req)
            return self.openai_cache(req)

    def anthropic_cache(self, req):
        blocks = []                # (canonical bytes, is a breakpoint)
        for t in req.get("tools") or []:
            blocks.append(t)
        system = req.get("system")
        if isinstance(system, str):
            blocks.append({"type": "text", "text": system})
        else:
            blocks.extend(system or [])
        for m in req.get("messages") or []:
            c = m.get("content")
            if isinstance(c, str):
                c = [{"type": "text", "text": c}]
            for k, b in enumerate(c or []):
                b = dict(b)
                b["_role"] = m.get("role") if k == 0 else None
                blocks.append(b)
        h = hashlib.sha256()
        cum, keys, marks = 0, [], []
        for b in blocks:
            mark = isinstance(b, dict) and "cache_control" in b
            if isinstance(b, dict):
                b = {k: v for k, v in b.items() if k != "cache_control"}
            data = json.dumps(b, sort_keys=True).encode()
            h.update(data)
            cum += len(data)
            keys.append((h.hexdigest(), cum // 4))
            marks.append(mark)
        total = max(1, cum // 4)
        read = 0
        for i, mark in enumerate(marks):
            if not mark:
                continue
            for j in range(i, max(-1, i - 20), -1):
                if keys[j][0] in self.cache:
                    read = max(read, keys[j][1])
                    break
        last = max([keys[i][1] for i, m in enumerate(marks) if m] or [0])
        for i, mark in enumerate(marks):
            if mark:
                self.cache.add(keys[i][0])
        write = max(0, last - read)
        return {"input_tokens": max(0, total - read - write),
                "cache_read_input_tokens": read,
                "cache_creation_input_tokens": write}

    def openai_cache(self, req):
        data = json.dumps([req.get("tools"),
                           req.get("messages", req.get("input"))],
                          sort_keys=True)
        best = 0
        for p in self.prefixes:
            lo, hi = 0, min(len(p), len(data))
            while lo < hi:         # the longest common prefix, by halves
                mid = (lo + hi + 1) // 2
                if p[:mid] == data[:mid]:
                    lo = mid
                else:
                    hi = mid - 1
            best = max(best, lo)
        self.prefixes = (self.prefixes + [data])[-50:]
        total = max(1, len(data) // 4)
        cached = best // 4
        cached = 0 if cached < 1024 else cached // 128 * 128
        return {"input_tokens": total - cached,
                "cache_read_input_tokens": cached}

    def summary_turn(self, body):
        """The scripted summary when body is a summary request, else
        None."""
        try:
            req = json.loads(body)
            msgs = req.get("messages") or req.get("input") or []
            last = json.dumps(msgs[-1]) if msgs else ""
        except (ValueError, AttributeError, TypeError):
            return None
        if "agentos-compaction-request" not in last:
            return None
        with self.lock:
            self.summaries += 1
            k = self.summaries
            self.log_body(body)
        if self.summary is not None:
            text = self.summary
        else:
            prev = [i for i in range(1, k) if "FAKE-SUMMARY-%d" % i in body]
            text = ("FAKE-SUMMARY-%d\n## Goal\nThe user's task.\n"
                    "## The user's instructions and constraints\nAs given.\n"
                    "## Decisions\nNone.\n## Files and their state\n"
                    "Read.\n## Errors and fixes\nNone.\n## Dead ends\n"
                    "None.\n## What is left\nThe rest.\n## Next step\n"
                    "Go on.\n" % k)
            if prev:
                text += "(updates FAKE-SUMMARY-%d)\n" % prev[-1]
        if self.summary_bytes > len(text):
            text += "x" * (self.summary_bytes - len(text))
        return k, {"text": text}

    def next_turn(self, body):
        with self.lock:
            n = self.n
            self.n += 1
            self.log_body(body)
            if n < len(self.turns):
                return n, self.turns[n]
            return n, {"text": "(script exhausted)"}


def pieces(s, size):
    """Split s into pieces of about size characters."""
    return [s[i:i + size] for i in range(0, len(s), size)] or [""]


def sse(event, data):
    """One SSE event as bytes (Anthropic style when event is set)."""
    head = "event: %s\n" % event if event else ""
    return (head + "data: " + json.dumps(data, ensure_ascii=False) +
            "\n\n").encode()


def estimate_tokens(body):
    return max(1, len(body) // 4)


def anthropic_events(turn, n, model, body, cut_error=None):
    """The SSE events (bytes each) of an Anthropic streamed message."""
    text = turn.get("text")
    calls = turn.get("tool_calls") or []
    u = turn.get("usage") or {}
    usage = {
        "input_tokens": u.get("input_tokens", estimate_tokens(body)),
        "cache_creation_input_tokens":
            u.get("cache_creation_input_tokens", 0),
        "cache_read_input_tokens": u.get("cache_read_input_tokens", 0),
        "output_tokens": 1,
    }
    if "cache_creation" in u:
        # The TTL split of the writes, as the API sends it.
        usage["cache_creation"] = u["cache_creation"]
    out = [sse("message_start", {"type": "message_start", "message": {
        "id": "msg_fake_%d" % n, "type": "message", "role": "assistant",
        "model": model, "content": [], "stop_reason": None,
        "stop_sequence": None, "usage": usage}}),
        sse("ping", {"type": "ping"})]
    idx = 0
    if turn.get("thinking") is not None:
        out.append(sse("content_block_start", {
            "type": "content_block_start", "index": idx,
            "content_block": {"type": "thinking", "thinking": "",
                              "signature": ""}}))
        for p in pieces(turn["thinking"], 20):
            out.append(sse("content_block_delta", {
                "type": "content_block_delta", "index": idx,
                "delta": {"type": "thinking_delta", "thinking": p}}))
        out.append(sse("content_block_delta", {
            "type": "content_block_delta", "index": idx,
            "delta": {"type": "signature_delta",
                      "signature": "fake-sig-%d" % n}}))
        out.append(sse("content_block_stop", {
            "type": "content_block_stop", "index": idx}))
        idx += 1
    if text is not None or cut_error:
        out.append(sse("content_block_start", {
            "type": "content_block_start", "index": idx,
            "content_block": {"type": "text", "text": ""}}))
        for p in pieces(text or "Partial answer", 16):
            out.append(sse("content_block_delta", {
                "type": "content_block_delta", "index": idx,
                "delta": {"type": "text_delta", "text": p}}))
        if cut_error:
            msg = turn.get("error_message",
                           ERROR_MESSAGES.get(cut_error, cut_error))
            out.append(sse("error", {"type": "error", "error": {
                "details": None, "type": cut_error, "message": msg}}))
            return out
        out.append(sse("content_block_stop", {
            "type": "content_block_stop", "index": idx}))
        idx += 1
    for k, c in enumerate(calls):
        cid = c.get("id", "toolu_fake_%d_%d" % (n, k))
        out.append(sse("content_block_start", {
            "type": "content_block_start", "index": idx,
            "content_block": {"type": "tool_use", "id": cid,
                              "name": c["name"], "input": {}}}))
        args = json.dumps(c.get("input", {}), ensure_ascii=False)
        for p in [""] + pieces(args, 7):
            out.append(sse("content_block_delta", {
                "type": "content_block_delta", "index": idx,
                "delta": {"type": "input_json_delta", "partial_json": p}}))
        out.append(sse("content_block_stop", {
            "type": "content_block_stop", "index": idx}))
        idx += 1
    stop = turn.get("stop_reason", "tool_use" if calls else "end_turn")
    final = dict(usage)
    final["output_tokens"] = u.get("output_tokens",
                                   estimate_tokens(json.dumps(turn)))
    out.append(sse("message_delta", {
        "type": "message_delta",
        "delta": {"stop_reason": stop, "stop_sequence": None},
        "usage": final}))
    out.append(sse("message_stop", {"type": "message_stop"}))
    return out


def openai_events(turn, n, model, body, cut_error=None):
    """The SSE events (bytes each) of an OpenAI streamed completion."""
    cid = "chatcmpl-fake%d" % n

    def chunk(delta, finish=None):
        return sse(None, {
            "id": cid, "object": "chat.completion.chunk",
            "created": int(time.time()), "model": model,
            "system_fingerprint": "fp_fake",
            "choices": [{"index": 0, "delta": delta, "logprobs": None,
                         "finish_reason": finish}], "usage": None})

    text = turn.get("text")
    calls = turn.get("tool_calls") or []
    u = turn.get("usage") or {}
    out = [chunk({"role": "assistant", "content": "", "refusal": None})]
    if turn.get("thinking") is not None:
        for p in pieces(turn["thinking"], 20):
            out.append(chunk({"reasoning_content": p}))
    if text is not None or cut_error:
        for p in pieces(text or "Partial answer", 16):
            out.append(chunk({"content": p}))
    if cut_error:
        msg = turn.get("error_message",
                       ERROR_MESSAGES.get(cut_error, cut_error))
        out.append(sse(None, {"error": {"message": msg, "type": cut_error,
                                        "param": None, "code": None}}))
        return out
    for k, c in enumerate(calls):
        out.append(chunk({"tool_calls": [{
            "index": k, "id": c.get("id", "call_fake_%d_%d" % (n, k)),
            "type": "function",
            "function": {"name": c["name"], "arguments": ""}}]}))
        args = json.dumps(c.get("input", {}), ensure_ascii=False)
        for p in pieces(args, 7):
            out.append(chunk({"tool_calls": [{
                "index": k, "function": {"arguments": p}}]}))
    stop = turn.get("stop_reason", "tool_use" if calls else "end_turn")
    out.append(chunk({}, OPENAI_FINISH.get(stop, stop)))
    inp = u.get("input_tokens", estimate_tokens(body))
    cached = u.get("cache_read_input_tokens", 0)
    outp = u.get("output_tokens", estimate_tokens(json.dumps(turn)))
    out.append(sse(None, {
        "id": cid, "object": "chat.completion.chunk",
        "created": int(time.time()), "model": model, "choices": [],
        "usage": {"prompt_tokens": inp + cached, "completion_tokens": outp,
                  "total_tokens": inp + cached + outp,
                  "prompt_tokens_details": {"cached_tokens": cached}}}))
    out.append(b"data: [DONE]\n\n")
    return out

def responses_events(turn, n, model, body, cut_error=None):
    """The SSE events (bytes each) of an OpenAI Responses stream
    (PROTOCOLS.md section 3).  "thinking" becomes a reasoning item (its
    summary streamed, encrypted_content "fake-enc-N"); "error_midstream"
    a response.failed with that code (rate_limit_exceeded...); stop_reason
    max_tokens or refusal a response.incomplete."""
    rid = "resp_fake%d" % n
    seq = [0]

    def ev(kind, data):
        data = dict(data, type=kind, sequence_number=seq[0])
        seq[0] += 1
        return sse(kind, data)

    def resp(status, output, usage=None, **extra):
        r = {"id": rid, "object": "response", "status": status,
             "model": model, "output": output, "usage": usage,
             "store": False, "error": None, "incomplete_details": None}
        r.update(extra)
        return r

    text = turn.get("text")
    calls = turn.get("tool_calls") or []
    u = turn.get("usage") or {}
    out = [ev("response.created", {"response": resp("in_progress", [])}),
           ev("response.in_progress", {"response": resp("in_progress", [])})]
    items = []
    if turn.get("thinking") is not None:
        k, iid = len(items), "rs_fake%d" % n
        item = {"id": iid, "type": "reasoning", "summary": []}
        out.append(ev("response.output_item.added",
                      {"output_index": k, "item": item}))
        part = {"type": "summary_text", "text": ""}
        out.append(ev("response.reasoning_summary_part.added", {
            "item_id": iid, "output_index": k, "summary_index": 0,
            "part": part}))
        for p in pieces(turn["thinking"], 20):
            out.append(ev("response.reasoning_summary_text.delta", {
                "item_id": iid, "output_index": k, "summary_index": 0,
                "delta": p}))
        done = {"id": iid, "type": "reasoning", "summary": [
            {"type": "summary_text", "text": turn["thinking"]}],
            "encrypted_content": "fake-enc-%d" % n}
        out.append(ev("response.reasoning_summary_part.done", {
            "item_id": iid, "output_index": k, "summary_index": 0,
            "part": {"type": "summary_text", "text": turn["thinking"]}}))
        out.append(ev("response.output_item.done",
                      {"output_index": k, "item": done}))
        items.append(done)
    if text is not None or cut_error:
        k, iid = len(items), "msg_fake%d" % n
        t = text or "Partial answer"
        item = {"id": iid, "type": "message", "status": "in_progress",
                "content": [], "role": "assistant"}
        out.append(ev("response.output_item.added",
                      {"output_index": k, "item": item}))
        out.append(ev("response.content_part.added", {
            "item_id": iid, "output_index": k, "content_index": 0,
            "part": {"type": "output_text", "annotations": [],
                     "text": ""}}))
        for p in pieces(t, 16):
            out.append(ev("response.output_text.delta", {
                "item_id": iid, "output_index": k, "content_index": 0,
                "delta": p, "logprobs": [], "obfuscation": "xyz"}))
        if cut_error:
            msg = turn.get("error_message",
                           ERROR_MESSAGES.get(cut_error, cut_error))
            out.append(ev("response.failed", {"response": resp(
                "failed", [], error={"code": cut_error, "message": msg})}))
            return out
        part = {"type": "output_text", "annotations": [], "text": t}
        out.append(ev("response.output_text.done", {
            "item_id": iid, "output_index": k, "content_index": 0,
            "text": t}))
        out.append(ev("response.content_part.done", {
            "item_id": iid, "output_index": k, "content_index": 0,
            "part": part}))
        done = dict(item, status="completed", content=[part])
        out.append(ev("response.output_item.done",
                      {"output_index": k, "item": done}))
        items.append(done)
    for j, c in enumerate(calls):
        k, iid = len(items), "fc_fake%d_%d" % (n, j)
        cid = c.get("id", "call_fake_%d_%d" % (n, j))
        args = json.dumps(c.get("input", {}), ensure_ascii=False)
        item = {"id": iid, "type": "function_call", "status": "in_progress",
                "arguments": "", "call_id": cid, "name": c["name"]}
        out.append(ev("response.output_item.added",
                      {"output_index": k, "item": item}))
        for p in pieces(args, 7):
            out.append(ev("response.function_call_arguments.delta", {
                "item_id": iid, "output_index": k, "delta": p,
                "obfuscation": "xyz"}))
        out.append(ev("response.function_call_arguments.done", {
            "item_id": iid, "output_index": k, "arguments": args}))
        done = dict(item, status="completed", arguments=args)
        out.append(ev("response.output_item.done",
                      {"output_index": k, "item": done}))
        items.append(done)
    inp = u.get("input_tokens", estimate_tokens(body))
    cached = u.get("cache_read_input_tokens", 0)
    outp = u.get("output_tokens", estimate_tokens(json.dumps(turn)))
    usage = {"input_tokens": inp + cached,
             "input_tokens_details": {"cached_tokens": cached},
             "output_tokens": outp,
             "output_tokens_details": {"reasoning_tokens": 0},
             "total_tokens": inp + cached + outp}
    stop = turn.get("stop_reason")
    if stop in ("max_tokens", "refusal", "content_filter"):
        why = "max_output_tokens" if stop == "max_tokens" else \
            "content_filter"
        out.append(ev("response.incomplete", {"response": resp(
            "incomplete", items, usage,
            incomplete_details={"reason": why})}))
    else:
        out.append(ev("response.completed", {
            "response": resp("completed", items, usage)}))
    return out


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-provider/1"

    def log_message(self, fmt, *args):
        sys.stderr.write("fake-provider: " + (fmt % args) + "\n")

    def probe(self, path):
        """Answer a local server's window query; False if path is none."""
        st = self.server.state
        kinds = {"/v1/models": "vllm", "/props": "llamacpp",
                 "/api/show": "ollama"}
        if path not in kinds:
            return False
        if st.server_kind != kinds[path] or st.server_window <= 0:
            self.send_json(404, {"error": "not found"})
            return True
        n = st.server_window
        if path == "/v1/models":
            obj = {"object": "list", "data": [
                {"id": "other-model", "object": "model",
                 "max_model_len": 999999},
                {"id": "test-model", "object": "model", "owned_by": "vllm",
                 "max_model_len": n}]}
        elif path == "/props":
            obj = {"default_generation_settings": {"n_ctx": n,
                                                   "n_predict": -1},
                   "total_slots": 1}
        else:
            obj = {"parameters": "num_ctx %d\nstop \"<|eot|>\"" % n,
                   "model_info": {"general.architecture": "llama",
                                  "llama.context_length": 131072}}
        self.send_json(200, obj)
        return True

    def do_GET(self):
        if not self.probe(self.path.split("?")[0].rstrip("/")):
            self.send_json(404, {"error": "no route"})

    def do_POST(self):
        st = self.server.state
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length).decode("utf-8", "replace")
        path = self.path.split("?")[0].rstrip("/")
        if self.probe(path):
            return
        if path.endswith("/messages"):
            kind = "anthropic"
        elif path.endswith("/chat/completions"):
            kind = "openai"
        elif path.endswith("/responses"):
            kind = "responses"
        else:
            self.send_json(404, {"error": {"message": "no route " + path,
                                           "type": "not_found_error"}})
            return
        over = st.overflow(body)
        if over:
            if kind == "anthropic":
                msg = "prompt is too long: %d tokens > %d maximum" % (
                    over, st.window)
                self.send_error_turn(kind, {
                    "status": 400, "error_type": "invalid_request_error",
                    "error_message": msg})
            elif kind == "responses":
                # What /v1/responses says (HTTP 400, param "input").
                self.send_json(400, {"error": {
                    "message": "Your input exceeds the context window of "
                    "this model. Please adjust your input and try again.",
                    "type": "invalid_request_error", "param": "input",
                    "code": "context_length_exceeded"}})
            else:
                msg = ("This model's maximum context length is %d tokens. "
                       "However, your messages resulted in %d tokens. "
                       "Please reduce the length of the messages." % (
                           st.window, over))
                self.send_json(400, {"error": {
                    "message": msg, "type": "invalid_request_error",
                    "param": "messages", "code": "context_length_exceeded"}})
            return
        summ = st.summary_turn(body)
        n, turn = summ if summ else st.next_turn(body)
        usage = st.cache_usage(kind, body)
        if usage is not None and "usage" not in turn:
            turn = dict(turn)
            turn["usage"] = usage
        try:
            model = json.loads(body).get("model", "fake-model")
        except (ValueError, AttributeError):
            model = "fake-model"
        if turn.get("delay_ms"):
            time.sleep(turn["delay_ms"] / 1000.0)
        bad = self.check_expect(turn.get("expect"), body)
        if bad:
            self.send_error_turn(kind, {"status": 400,
                                        "error_type": "invalid_request_error",
                                        "error_message": bad})
            return
        if "status" in turn:
            self.send_error_turn(kind, turn)
            return
        if "replay" in turn:
            path = os.path.join(st.wire_dir, turn["replay"])
            with open(path, "rb") as f:
                events = [f.read()]
        else:
            gen = {"anthropic": anthropic_events,
                   "responses": responses_events}.get(kind, openai_events)
            events = gen(turn, n, model, body, turn.get("error_midstream"))
        self.stream(turn, events)

    @staticmethod
    def check_expect(expect, body):
        """A message naming what the body lacks, or None."""
        if not expect:
            return None
        want = expect.get("contains", [])
        if isinstance(want, str):
            want = [want]
        for s in want:
            if s not in body:
                return "fake-provider: request does not contain %r" % s
        deny = expect.get("not_contains", [])
        if isinstance(deny, str):
            deny = [deny]
        for s in deny:
            if s in body:
                return "fake-provider: request contains %r" % s
        return None

    def send_json(self, status, obj, headers=None):
        data = obj if isinstance(obj, bytes) else json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, str(v))
        self.end_headers()
        self.wfile.write(data)

    def send_error_turn(self, kind, turn):
        status = turn.get("status", 500)
        etype = turn.get("error_type", STATUS_TYPES.get(status, "api_error"))
        msg = turn.get("error_message",
                       ERROR_MESSAGES.get(etype, "fake error %d" % status))
        body = turn.get("body")
        if body is None:
            if kind == "anthropic":
                body = {"type": "error", "error": {
                    "type": etype, "message": msg}, "request_id": "req_fake"}
            else:
                body = {"error": {"message": msg, "type": etype,
                                  "param": None, "code": etype}}
        if isinstance(body, str):
            body = body.encode()
        self.send_json(status, body, turn.get("headers"))

    def write_chunk(self, data):
        """One HTTP chunk (chunked transfer encoding)."""
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def stream(self, turn, events):
        st = self.server.state
        self.send_response(200)
        self.send_header("content-type", "text/event-stream; charset=utf-8")
        self.send_header("transfer-encoding", "chunked")
        self.send_header("cache-control", "no-cache")
        self.send_header("connection", "close")
        for k, v in (turn.get("headers") or {}).items():
            self.send_header(k, str(v))
        self.end_headers()
        self.close_connection = True
        mode = turn.get("chunk", "events")
        data = b"".join(events)
        if mode == "whole":
            writes = [data]
        elif mode == "bytewise":
            writes = [data[i:i + 1] for i in range(len(data))]
        elif mode == "random":
            writes, i = [], 0
            while i < len(data):
                k = st.rng.randint(1, 64)
                writes.append(data[i:i + k])
                i += k
        else:
            writes = list(events)
        if turn.get("hang"):
            k = turn.get("hang_after_events", 4)
            writes = writes[:k] if mode == "events" else \
                [data[:len(b"".join(events[:k]))]]
        limit = turn.get("truncate_after_bytes")
        sent = 0
        slow = turn.get("slow_ms", 0) / 1000.0
        try:
            for w in writes:
                if limit is not None and sent + len(w) > limit:
                    w = w[:max(0, limit - sent)]
                    if w:
                        self.write_chunk(w)
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                if w:
                    self.write_chunk(w)
                sent += len(w)
                if slow:
                    time.sleep(slow)
            if turn.get("hang"):
                self.wait_disconnect()
                return
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass

    def wait_disconnect(self):
        """Stall until the client closes the connection."""
        sock = self.connection
        while True:
            r, _, _ = select.select([sock], [], [], 0.2)
            if r:
                try:
                    if not sock.recv(4096, socket.MSG_PEEK):
                        return
                    sock.recv(4096)
                except OSError:
                    return


def main():
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--script", help="JSON script of turns (default: none, "
                    "every reply is \"(script exhausted)\")")
    ap.add_argument("--port", type=int, default=0,
                    help="port on 127.0.0.1 (0: a free one)")
    ap.add_argument("--port-file", help="write the port here when ready")
    ap.add_argument("--log", help="append each request body here "
                    "(one JSON line each)")
    ap.add_argument("--wire-dir", help="directory of captures for "
                    "\"replay\"")
    ap.add_argument("--seed", type=int, default=1,
                    help="seed for \"chunk\": \"random\"")
    ap.add_argument("--context-window", type=int, default=0,
                    help="answer requests of more estimated tokens "
                    "(bytes / 4) with the provider's overflow error")
    ap.add_argument("--summary", help="the text of every summary "
                    "(default: FAKE-SUMMARY-K, structured)")
    ap.add_argument("--summary-bytes", type=int, default=0,
                    help="pad summaries to this many bytes")
    ap.add_argument("--cache", action="store_true",
                    help="report a simulated prompt cache in the usage")
    ap.add_argument("--server-window", type=int, default=0,
                    help="the context window a local server names")
    ap.add_argument("--server-kind", choices=["vllm", "llamacpp", "ollama"],
                    help="which local server answers about its window")
    a = ap.parse_args()

    turns = []
    if a.script:
        with open(a.script, encoding="utf-8") as f:
            turns = json.load(f)
        if isinstance(turns, dict):
            turns = turns.get("turns", [])
    here = os.path.dirname(os.path.abspath(__file__))
    wire = a.wire_dir or os.environ.get("WIRE_DIR") or \
        os.path.join(here, "..", "..", "shared", "wire")

    srv = ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    srv.daemon_threads = True
    srv.state = State(turns, a.log, wire, a.seed, a.context_window)
    srv.state.summary = a.summary
    srv.state.server_window = a.server_window
    srv.state.server_kind = a.server_kind
    if a.cache:
        srv.state.cache = set()
    srv.state.summary_bytes = a.summary_bytes
    port = srv.server_address[1]
    if a.port_file:
        tmp = a.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % port)
        os.rename(tmp, a.port_file)
    else:
        print(port, flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
