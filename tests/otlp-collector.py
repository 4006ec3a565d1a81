#!/usr/bin/env python3
"""otlp-collector.py: an OTLP/HTTP test receiver for agentos tests.

Accepts POST /v1/traces in both encodings (application/x-protobuf, decoded
by the minimal protobuf reader below after opentelemetry-proto's
trace.proto, common.proto and resource.proto field numbers; and
application/json, the OTLP JSON mapping) and appends one JSON line per span
to --out:
  {"traceId", "spanId", "parentSpanId", "name", "kind", "start", "end",
   "attributes": {key: value}, "status": {"code", "message"},
   "resource": {key: value}, "encoding": "protobuf"|"json", "headers": {...}}
--mode ok (200), 503 (always Service Unavailable), hang (never answers).
--port-file gets the port it listens on (0: a free one).
"""
import argparse, json, struct, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def varint(b, i):
    v = shift = 0
    while True:
        c = b[i]; i += 1
        v |= (c & 0x7f) << shift; shift += 7
        if not c & 0x80:
            return v, i


def fields(b):
    """(field, wiretype, value) of a message; LEN values are bytes."""
    i, out = 0, []
    while i < len(b):
        key, i = varint(b, i)
        f, wt = key >> 3, key & 7
        if wt == 0:
            v, i = varint(b, i)
        elif wt == 1:
            v = struct.unpack("<Q", b[i:i + 8])[0]; i += 8
        elif wt == 2:
            n, i = varint(b, i); v = b[i:i + n]; i += n
            if i > len(b):
                raise ValueError("truncated")
        elif wt == 5:
            v = struct.unpack("<I", b[i:i + 4])[0]; i += 4
        else:
            raise ValueError("wire type %d" % wt)
        out.append((f, wt, v))
    return out


def anyvalue(b):
    for f, wt, v in fields(b):
        if f == 1: return v.decode()
        if f == 2: return bool(v)
        if f == 3: return v - (1 << 64) if v >= 1 << 63 else v
        if f == 4: return struct.unpack("<d", struct.pack("<Q", v))[0]
        if f == 5: return [anyvalue(x) for g, _, x in fields(v) if g == 1]
    return None


def keyvalues(items):
    out = {}
    for b in items:
        k = val = None
        for f, wt, v in fields(b):
            if f == 1: k = v.decode()
            elif f == 2: val = anyvalue(v)
        out[k] = val
    return out


def decode_pb(body):
    spans = []
    for f, _, rs in fields(body):
        if f != 1: continue
        res = {}
        for g, _, v in fields(rs):
            if g == 1:
                res = keyvalues([x for h, _, x in fields(v) if h == 1])
        for g, _, ss in fields(rs):
            if g != 2: continue
            for h, _, sp in fields(ss):
                if h != 2: continue
                s = {"parentSpanId": "", "attributes": {}, "status": {"code": 0, "message": ""},
                     "resource": res, "encoding": "protobuf"}
                attrs = []
                for k, wt, v in fields(sp):
                    if k == 1: s["traceId"] = v.hex()
                    elif k == 2: s["spanId"] = v.hex()
                    elif k == 4: s["parentSpanId"] = v.hex()
                    elif k == 5: s["name"] = v.decode()
                    elif k == 6: s["kind"] = v
                    elif k == 7: s["start"] = v
                    elif k == 8: s["end"] = v
                    elif k == 9: attrs.append(v)
                    elif k == 15:
                        for m, _, x in fields(v):
                            if m == 2: s["status"]["message"] = x.decode()
                            elif m == 3: s["status"]["code"] = x
                s["attributes"] = keyvalues(attrs)
                spans.append(s)
    return spans


def decode_metrics_pb(body):
    """{name: {"points": [{"attributes", "value"|"count","sum","buckets"}]}}"""
    out = {}
    for f, _, rm in fields(body):
        for g, _, sm in fields(rm):
            if g != 2: continue
            for h, _, m in fields(sm):
                if h != 2: continue
                name, pts = None, []
                for k, wt, v in fields(m):
                    if k == 1: name = v.decode()
                    elif k in (7, 9):
                        for q, _, dp in fields(v):
                            if q != 1: continue
                            p, attrs = {}, []
                            for r, wt2, x in fields(dp):
                                if k == 7 and r == 7 or k == 9 and r == 9: attrs.append(x)
                                elif k == 7 and r == 4: p["value"] = struct.unpack("<d", struct.pack("<Q", x))[0]
                                elif k == 7 and r == 6: p["value"] = x - (1 << 64) if x >= 1 << 63 else x
                                elif k == 9 and r == 4: p["count"] = x
                                elif k == 9 and r == 5: p["sum"] = struct.unpack("<d", struct.pack("<Q", x))[0]
                                elif k == 9 and r == 6: p["buckets"] = list(struct.unpack("<%dQ" % (len(x) // 8), x))
                            p["attributes"] = keyvalues(attrs)
                            pts.append(p)
                out[name] = {"points": pts}
    return out


def decode_metrics_json(body):
    out = {}
    for rm in json.loads(body)["resourceMetrics"]:
        for sm in rm["scopeMetrics"]:
            for m in sm["metrics"]:
                pts = []
                d = m.get("sum") or m.get("histogram")
                for dp in d["dataPoints"]:
                    p = {"attributes": {a["key"]: jvalue(a["value"]) for a in dp.get("attributes", [])}}
                    if "asInt" in dp: p["value"] = int(dp["asInt"])
                    if "asDouble" in dp: p["value"] = dp["asDouble"]
                    if "count" in dp:
                        p["count"] = int(dp["count"]); p["sum"] = dp["sum"]
                        p["buckets"] = [int(x) for x in dp["bucketCounts"]]
                    pts.append(p)
                out[m["name"]] = {"points": pts}
    return out


def jvalue(v):
    if "stringValue" in v: return v["stringValue"]
    if "intValue" in v: return int(v["intValue"])
    if "doubleValue" in v: return float(v["doubleValue"])
    if "boolValue" in v: return v["boolValue"]
    if "arrayValue" in v: return [jvalue(x) for x in v["arrayValue"].get("values", [])]
    return None


def decode_json(body):
    spans = []
    for rs in json.loads(body)["resourceSpans"]:
        res = {a["key"]: jvalue(a["value"]) for a in rs.get("resource", {}).get("attributes", [])}
        for ss in rs["scopeSpans"]:
            for sp in ss["spans"]:
                for k in ("startTimeUnixNano", "endTimeUnixNano"):
                    assert isinstance(sp[k], str), "int64 must be a string"
                st = sp.get("status", {})
                spans.append({"traceId": sp["traceId"], "spanId": sp["spanId"],
                              "parentSpanId": sp.get("parentSpanId", ""),
                              "name": sp["name"], "kind": sp.get("kind", 0),
                              "start": int(sp["startTimeUnixNano"]),
                              "end": int(sp["endTimeUnixNano"]),
                              "attributes": {a["key"]: jvalue(a["value"]) for a in sp.get("attributes", [])},
                              "status": {"code": st.get("code", 0), "message": st.get("message", "")},
                              "resource": res, "encoding": "json"})
    return spans


LOCK = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n)
        mode = self.server.mode
        if mode == "hang":
            time.sleep(3600)
            return
        if mode == "503":
            with LOCK:
                self.server.count503 += 1
                with open(self.server.out + ".503", "w") as f:
                    f.write("%d\n" % self.server.count503)
            self.send_response(503)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        ctype = self.headers.get("Content-Type", "")
        try:
            if self.path == "/v1/metrics":
                m = decode_metrics_json(body) if ctype == "application/json" else decode_metrics_pb(body)
                with LOCK, open(self.server.out + ".metrics", "a") as f:
                    f.write(json.dumps({"encoding": ctype, "metrics": m}) + "\n")
                spans = []
            elif self.path != "/v1/traces":
                raise ValueError("path " + self.path)
            else:
                spans = decode_json(body) if ctype == "application/json" else decode_pb(body)
        except Exception as e:
            sys.stderr.write("otlp-collector: bad request: %s\n" % e)
            self.send_response(400)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        hdrs = {k.lower(): v for k, v in self.headers.items()}
        with LOCK, open(self.server.out, "a") as f:
            for s in spans:
                s["headers"] = hdrs
                s["contentType"] = ctype
                f.write(json.dumps(s) + "\n")
        reply = b"{}" if ctype == "application/json" else b""
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--out", required=True)
    ap.add_argument("--mode", choices=["ok", "503", "hang"], default="ok")
    a = ap.parse_args()
    srv = ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    srv.daemon_threads = True
    srv.mode, srv.out, srv.count503 = a.mode, a.out, 0
    open(a.out, "a").close()
    if a.port_file:
        with open(a.port_file + ".tmp", "w") as f:
            f.write("%d\n" % srv.server_address[1])
        import os
        os.rename(a.port_file + ".tmp", a.port_file)
    srv.serve_forever()


if __name__ == "__main__":
    main()
