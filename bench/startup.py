#!/usr/bin/env python3
"""Time from exec to the first interactive screen, and idle RSS, under tmux.

usage: startup.py [options] -- COMMAND [ARG...]

For each run a fresh tmux server (-L SOCKET -f /dev/null) is started with a
120x40 window whose pane blocks in `read` on a FIFO and then execs COMMAND
(`exec env ... COMMAND`, so the tool is the pane's process).  One persistent
tmux control-mode client (tmux -C) polls `capture-pane -p` every INTERVAL ms;
each poll costs one round trip on a socket instead of a fork+exec of a tmux
client, so polling steals little CPU from the tool being measured.  The
clock starts just before the harness writes the line that releases the
`read` (the tool's exec follows within microseconds) and stops at the first
capture in which every --ready regex matches.  That capture is kept in
OUTDIR/NAME.screen.txt so a reader can check what "ready" looked like.
Polling goes on until every --loaded regex matches too (a second milestone:
the session is configured, e.g. model and directory shown; with no --loaded
it equals the first screen).

IDLE seconds after that the resident set is read (screen kept in
OUTDIR/NAME.idle.txt):
VmRSS (and Pss from smaps_rollup) summed over the pane process and all its
descendants, plus any process whose /proc/PID/exe or argv[0] contains one
of the --also substrings (for tools that start a detached daemon).

With --cold the --also processes are stopped (by pid) before every run, so
that a tool with a daemon starts cold each time; --before (a shell command)
also runs before every run.  WARMUPS unmeasured runs come first (default
2); with --settle-file each is kept alive until that file exists, so that
a first-run install (Codex copies itself into ~/.codex/packages for its
daemon) is finished before anything is measured.

Prints one JSON object on stdout: name, runs, failures, first_screen_ms
(list), median_ms, min_ms, loaded_ms (list), median_loaded_ms,
min_loaded_ms, rss_kib (list), median_rss_kib, median_pss_kib, procs (the
processes counted in the last run).
Python 3 stdlib only.
"""

import argparse
import json
import os
import re
import select
import signal
import statistics
import subprocess
import sys
import tempfile
import time


def proc_table():
    """Return {pid: (ppid, exe, argv0)} for every process we can read."""
    table = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        pid = int(d)
        try:
            with open("/proc/%d/stat" % pid) as f:
                stat = f.read()
            ppid = int(stat[stat.rindex(")") + 2:].split()[1])
        except (OSError, ValueError):
            continue
        try:
            exe = os.readlink("/proc/%d/exe" % pid)
        except OSError:
            exe = ""
        try:
            with open("/proc/%d/cmdline" % pid, "rb") as f:
                argv0 = f.read().split(b"\0")[0].decode(errors="replace")
        except OSError:
            argv0 = ""
        table[pid] = (ppid, exe, argv0)
    return table


def tree_pids(root, also):
    """The pids of root and its descendants plus processes matching also."""
    table = proc_table()
    kids = {}
    for pid, (ppid, _, _) in table.items():
        kids.setdefault(ppid, []).append(pid)
    out = set()
    todo = [root]
    while todo:
        p = todo.pop()
        if p in out or p not in table:
            continue
        out.add(p)
        todo.extend(kids.get(p, []))
    for pid, (_, exe, argv0) in table.items():
        for s in also:
            if s and (s in exe or s in argv0):
                out.add(pid)
    return sorted(out)


def status_kib(pid, field):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def pss_kib(pid):
    try:
        with open("/proc/%d/smaps_rollup" % pid) as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def describe(pid):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            argv = f.read().split(b"\0")
        return " ".join(a.decode(errors="replace") for a in argv[:3])[:100]
    except OSError:
        return "?"


class Control:
    """A tmux control-mode client: send a command, read its output block."""

    def __init__(self, sock, target):
        self.p = subprocess.Popen(
            ["tmux", "-L", sock, "-C", "attach-session", "-t", target],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL, bufsize=0)
        self.buf = b""
        # tmux answers the attach itself with an output block first: read
        # blocks until the answer to a marker comes back, so that from here
        # on every cmd() gets its own command's output.
        marker = "sync-%d-%d" % (os.getpid(), time.monotonic_ns())
        self.p.stdin.write(("display-message -p %s\n" % marker).encode())
        while self.block().strip() != marker:
            pass
        self.cmd("refresh-client -C 120x40")

    def readline(self, deadline):
        while b"\n" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("tmux control client silent")
            r, _, _ = select.select([self.p.stdout], [], [], left)
            if r:
                chunk = os.read(self.p.stdout.fileno(), 65536)
                if not chunk:
                    raise EOFError("tmux control client exited")
                self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return line

    def cmd(self, command):
        self.p.stdin.write(command.encode() + b"\n")
        return self.block()

    def block(self):
        """Read the next %begin ... %end (or %error) output block."""
        deadline = time.monotonic() + 5
        out = []
        inblock = False
        while True:
            line = self.readline(deadline)
            if not inblock:
                if line.startswith(b"%begin"):
                    inblock = True
                continue
            if line.startswith(b"%end") or line.startswith(b"%error"):
                return b"\n".join(out).decode(errors="replace")
            out.append(line)

    def close(self):
        try:
            self.p.stdin.close()
        except OSError:
            pass
        try:
            self.p.wait(timeout=2)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()


def tmux(sock, *args, check=True):
    return subprocess.run(["tmux", "-L", sock] + list(args), check=check,
                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                          text=True).stdout


def shquote(s):
    return "'" + s.replace("'", "'\\''") + "'"


def kill_also(also):
    """Stop the processes matching also (by pid: TERM, then KILL after 3 s)."""
    me = os.getpid()
    pids = [p for p in tree_pids(-1, also) if p != me]
    for p in pids:
        try:
            os.kill(p, signal.SIGTERM)
        except OSError:
            pass
    deadline = time.monotonic() + 3
    while pids and time.monotonic() < deadline:
        pids = [p for p in pids if os.path.exists("/proc/%d" % p)
                and status_state(p) != "Z"]
        time.sleep(0.02)
    for p in pids:
        try:
            os.kill(p, signal.SIGKILL)
        except OSError:
            pass


def status_state(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            s = f.read()
        return s[s.rindex(")") + 2]
    except (OSError, ValueError, IndexError):
        return "Z"


def one_run(a, command, regexes, loaded_res, measure, outdir):
    if a.cold:
        kill_also(a.also)
    if a.before:
        subprocess.run(a.before, shell=True)
    sock = a.socket
    tmux(sock, "kill-server", check=False)
    fifo = os.path.join(tempfile.mkdtemp(prefix="startup."), "go")
    os.mkfifo(fifo)
    envs = " ".join(shquote(e) for e in a.env)
    inner = "read x < %s; exec env %s %s" % (
        shquote(fifo), ("-i " if a.clean_env else "") + envs,
        " ".join(shquote(c) for c in command))
    tmux(sock, "-f", "/dev/null", "new-session", "-d", "-s", "bench",
         "-x", "120", "-y", "40", "-c", a.cwd, "sh -c %s" % shquote(inner))
    tmux(sock, "set-option", "-g", "window-size", "manual")
    tmux(sock, "set-option", "-g", "remain-on-exit", "on")
    pane_pid = int(tmux(sock, "display-message", "-p", "-t", "bench",
                        "#{pane_pid}").strip())
    ctl = Control(sock, "bench")
    interval = a.interval / 1000.0
    screen = first = ""
    elapsed = loaded = None
    try:
        w = open(fifo, "w")
        t0 = time.monotonic()
        w.write("go\n")
        w.close()
        deadline = t0 + a.timeout
        nxt = t0
        loaded = None
        while True:
            screen = ctl.cmd("capture-pane -p -t bench")
            now = time.monotonic()
            if elapsed is None and all(r.search(screen) for r in regexes):
                elapsed = (now - t0) * 1000.0
                first = screen
            if elapsed is not None and \
                    all(r.search(screen) for r in loaded_res):
                loaded = (now - t0) * 1000.0
                break
            if now > deadline:
                break
            if status_state(pane_pid) == "Z":       # the tool exited
                time.sleep(0.1)
                st = ctl.cmd("display-message -p -t bench "
                             "'#{pane_dead_status}'").strip()
                screen = "[exited, status %s]\n" % st + "\n".join(
                    l for l in ctl.cmd("capture-pane -p -t bench")
                    .splitlines() if not l.startswith("Pane is dead"))
                break
            nxt += interval
            if nxt > now:
                time.sleep(nxt - now)
            else:
                nxt = now
        if not measure and a.settle_file:
            end = time.monotonic() + a.settle_timeout
            while not os.path.exists(a.settle_file) and \
                    time.monotonic() < end:
                time.sleep(0.1)
        rss = pss = 0
        procs = []
        if elapsed is not None and measure:
            time.sleep(a.idle)
            for pid in tree_pids(pane_pid, a.also):
                r = status_kib(pid, "VmRSS")
                rss += r
                pss += pss_kib(pid)
                procs.append("%d %d KiB %s" % (pid, r, describe(pid)))
            idle_screen = ctl.cmd("capture-pane -p -t bench")
    finally:
        ctl.close()
        tmux(sock, "kill-server", check=False)
        try:
            os.unlink(fifo)
            os.rmdir(os.path.dirname(fifo))
        except OSError:
            pass
    if outdir:
        with open(os.path.join(outdir, a.name + ".screen.txt"), "w") as f:
            f.write(first)
        if measure and elapsed is not None:
            with open(os.path.join(outdir, a.name + ".idle.txt"), "w") as f:
                f.write(idle_screen)
    return elapsed, loaded, rss, pss, procs, screen


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--name", required=True)
    ap.add_argument("--ready", action="append", required=True,
                    help="regex (multiline) that must match the screen")
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--interval", type=float, default=5.0, help="ms")
    ap.add_argument("--idle", type=float, default=3.0, help="s")
    ap.add_argument("--timeout", type=float, default=30.0, help="s")
    ap.add_argument("--cwd", default=os.getcwd())
    ap.add_argument("--env", action="append", default=[],
                    help="NAME=VALUE for the tool's environment")
    ap.add_argument("--clean-env", action="store_true",
                    help="start the tool with env -i plus --env only")
    ap.add_argument("--also", action="append", default=[],
                    help="count processes whose exe/argv0 contains this")
    ap.add_argument("--before", help="shell command run before each run")
    ap.add_argument("--cold", action="store_true",
                    help="stop the --also processes before each run")
    ap.add_argument("--kill-only", action="store_true",
                    help="just stop the --also processes and exit")
    ap.add_argument("--socket", default="benchX")
    ap.add_argument("--outdir")
    ap.add_argument("--warmups", type=int, default=2,
                    help="unmeasured runs first")
    ap.add_argument("--settle-file",
                    help="in warm-up runs, keep the tool running until this "
                    "file exists (a first-run install finished)")
    ap.add_argument("--settle-timeout", type=float, default=120.0, help="s")
    ap.add_argument("--loaded", action="append", default=[],
                    help="regex for a second milestone (session loaded)")
    ap.add_argument("command", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    if a.kill_only:
        kill_also(a.also)
        return
    command = a.command[1:] if a.command[:1] == ["--"] else a.command
    if not command:
        ap.error("no command")
    regexes = [re.compile(r, re.M) for r in a.ready]

    loaded_res = [re.compile(r, re.M) for r in a.loaded]
    for i in range(a.warmups):
        one_run(a, command, regexes, loaded_res, False, None)
    if a.settle_file and not os.path.exists(a.settle_file):
        sys.stderr.write("startup: %s did not appear\n" % a.settle_file)
    times, loads, rsss, psss = [], [], [], []
    procs = []
    nprocs = []
    failures = 0
    last = ""
    for i in range(a.runs):
        el, ld, rss, pss, pr, last = one_run(a, command, regexes, loaded_res,
                                             True,
                                             a.outdir if i == 0 else None)
        if el is None or ld is None:
            failures += 1
            continue
        times.append(round(el, 1))
        loads.append(round(ld, 1))
        rsss.append(rss)
        psss.append(pss)
        procs = pr
        nprocs.append(len(pr))
    res = {"name": a.name, "runs": a.runs, "failures": failures,
           "first_screen_ms": times,
           "median_ms": round(statistics.median(times), 1) if times else None,
           "min_ms": min(times) if times else None,
           "loaded_ms": loads,
           "median_loaded_ms": round(statistics.median(loads), 1)
           if loads else None,
           "min_loaded_ms": min(loads) if loads else None,
           "rss_kib": rsss,
           "median_rss_kib": int(statistics.median(rsss)) if rsss else None,
           "pss_kib": psss,
           "median_pss_kib": int(statistics.median(psss)) if psss else None,
           "procs_per_run": nprocs, "procs": procs}
    if failures and a.outdir:
        with open(os.path.join(a.outdir, a.name + ".fail.txt"), "w") as f:
            f.write(last)
    json.dump(res, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
