#!/usr/bin/env python3
"""fake-lsp.py: a language server that behaves well or badly on purpose.

Usage: fake-lsp.py [--mode MODE] [--child] [--ignore-term]

Modes:
  good        answers initialize (incremental sync), publishes one error
              diagnostic per line containing "ERROR" on open/change, answers
              textDocument/* requests with an echo of the method and params
  interleave  like good, but holds "test/slow" requests and answers them in
              reverse order, with notifications in between, on "test/flush"
  noinit      never answers initialize
  crash       answers initialize, exits with status 3 on the first request
  flood       like good, plus an endless stream of notifications
  garbage     answers initialize, then writes a malformed header
  pull        offers pull diagnostics (textDocument/diagnostic) and never
              publishes
--child        also start a grandchild (sleep) that ignores SIGTERM
--ignore-term  ignore SIGTERM and end-of-file on stdin
"""
import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time

out = sys.stdout.buffer
MODE = "good"
lock = threading.Lock()


def send(msg):
    msg["jsonrpc"] = "2.0"
    body = json.dumps(msg).encode()
    with lock:
        out.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        out.flush()


def read_message(inp):
    length = None
    while True:
        line = inp.readline()
        if not line:
            return None
        line = line.strip()
        if not line:
            if length is None:
                continue
            break
        name, _, value = line.partition(b":")
        if name.lower() == b"content-length":
            length = int(value)
    return json.loads(inp.read(length))


def publish(uri, text, version):
    if MODE == "pull":
        return
    send({"method": "textDocument/publishDiagnostics",
          "params": {"uri": uri, "version": version,
                     "diagnostics": diagnose(text)}})


def diagnose(text):
    diags = []
    for i, line in enumerate(text.split("\n")):
        col = line.find("ERROR")
        if col >= 0:
            diags.append({
                "range": {"start": {"line": i, "character": col},
                          "end": {"line": i, "character": col + 5}},
                "severity": 1, "message": "fake error on line %d" % (i + 1),
            })
        col = line.find("WARN")
        if col >= 0:
            diags.append({
                "range": {"start": {"line": i, "character": col},
                          "end": {"line": i, "character": col + 4}},
                "severity": 2, "message": "fake warning",
            })
    return diags


def apply_change(text, change):
    if "range" not in change:
        return change["text"]
    # Positions are UTF-16 code units; the tests use ASCII.
    lines = text.split("\n")
    r = change["range"]

    def offset(pos):
        return sum(len(l) + 1 for l in lines[:pos["line"]]) + \
            pos["character"]
    s, e = offset(r["start"]), offset(r["end"])
    return text[:s] + change["text"] + text[e:]


def flood():
    n = 0
    while True:
        n += 1
        send({"method": "window/logMessage",
              "params": {"type": 4, "message": "flood %d " % n + "x" * 200}})
        send({"method": "textDocument/publishDiagnostics",
              "params": {"uri": "file:///flood/%d.fake" % n,
                         "diagnostics": []}})
        send({"method": "$/progress",
              "params": {"token": "t%d" % (n % 50),
                         "value": {"kind": "report", "message": "m"}}})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mode", default="good")
    ap.add_argument("--child", action="store_true")
    ap.add_argument("--ignore-term", action="store_true")
    args = ap.parse_args()
    global MODE
    MODE = args.mode
    if args.ignore_term:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if args.child:
        subprocess.Popen(["sh", "-c", "trap '' TERM; exec sleep 1000"],
                         stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL)
    inp = sys.stdin.buffer
    docs = {}
    held = []
    while True:
        msg = read_message(inp)
        if msg is None:
            if args.ignore_term:
                while True:
                    time.sleep(1000)
            return 0
        method = msg.get("method")
        mid = msg.get("id")
        if method == "initialize":
            if args.mode == "noinit":
                continue
            caps = {"textDocumentSync": {"openClose": True, "change": 2,
                                         "save": {"includeText": False}},
                    "hoverProvider": True, "definitionProvider": True}
            if args.mode == "pull":
                caps["textDocumentSync"]["change"] = 1
                caps["diagnosticProvider"] = {
                    "interFileDependencies": False,
                    "workspaceDiagnostics": False}
            send({"id": mid, "result": {"capabilities": caps}})
            # A server request the client must answer.
            send({"id": "cfg-1", "method": "workspace/configuration",
                  "params": {"items": [{"section": "fake"}]}})
            send({"id": 900, "method": "window/workDoneProgress/create",
                  "params": {"token": "idx"}})
            if args.mode == "flood":
                threading.Thread(target=flood, daemon=True).start()
            if args.mode == "garbage":
                with lock:
                    out.write(b"this is not a header\r\n\r\n{}")
                    out.flush()
            continue
        if mid is not None and method is None:
            continue            # a response to our request
        if args.mode == "crash" and mid is not None and \
                method != "shutdown":
            os._exit(3)
        if method == "textDocument/didOpen":
            td = msg["params"]["textDocument"]
            docs[td["uri"]] = td["text"]
            publish(td["uri"], td["text"], td["version"])
        elif method == "textDocument/didChange":
            td = msg["params"]["textDocument"]
            text = docs.get(td["uri"], "")
            for ch in msg["params"]["contentChanges"]:
                text = apply_change(text, ch)
            docs[td["uri"]] = text
            publish(td["uri"], text, td["version"])
        elif method == "shutdown":
            send({"id": mid, "result": None})
        elif method == "exit":
            if not args.ignore_term:
                return 0
        elif method == "test/slow":
            held.append(msg)
        elif method == "test/flush":
            for h in reversed(held):
                send({"method": "window/logMessage",
                      "params": {"type": 3, "message": "between"}})
                send({"id": h["id"], "result": {"echo": h["params"]}})
            held = []
            send({"id": mid, "result": {"flushed": True,
                                        "docs": sorted(docs)}})
        elif method == "textDocument/diagnostic":
            uri = msg["params"]["textDocument"]["uri"]
            send({"id": mid, "result": {
                "kind": "full", "items": diagnose(docs.get(uri, ""))}})
        elif method == "test/text":
            uri = msg["params"]["textDocument"]["uri"]
            send({"id": mid, "result": docs.get(uri)})
        elif mid is not None:
            send({"id": mid, "result": {"method": method,
                                        "params": msg.get("params")}})
    return 0


if __name__ == "__main__":
    sys.exit(main())
