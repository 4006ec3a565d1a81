#!/usr/bin/env python3
"""bench-startup.py: time from exec to the first interactive screen, and the
idle resident set size, of agentos in a terminal.

agentos runs on a pseudo-terminal (80x24, TERM=xterm-256color) in the given
repository; the clock stops when the status bar's hint ("/help") has been
written, which happens in the first frame.  After that, agentos idles for a
second and VmRSS is read from /proc.  Prints one line per run and a summary
(median, min, max); the numbers are for the report, never an assertion.

usage: bench-startup.py AGENTOS REPO [RUNS]
"""
import fcntl
import os
import pty
import select
import signal
import statistics
import struct
import sys
import termios
import time


def run_once(agentos, repo):
    pid, fd = pty.fork()
    if pid == 0:
        os.chdir(repo)
        env = dict(os.environ, TERM="xterm-256color", LANG="C.UTF-8")
        os.execve(agentos, [agentos], env)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    t0 = time.monotonic()
    seen = b""
    first = None
    while first is None:
        r, _, _ = select.select([fd], [], [], 5)
        if not r:
            break
        try:
            data = os.read(fd, 65536)
        except OSError:
            break
        if not data:
            break
        seen += data
        if b"/help" in seen:
            first = time.monotonic() - t0
    # Idle, draining output so the child never blocks on the terminal.
    end = time.monotonic() + 1.0
    while time.monotonic() < end:
        r, _, _ = select.select([fd], [], [], 0.1)
        if r:
            try:
                os.read(fd, 65536)
            except OSError:
                break
    rss = None
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    rss = int(line.split()[1]) / 1024.0
    except OSError:
        pass
    os.kill(pid, signal.SIGTERM)
    os.waitpid(pid, 0)
    os.close(fd)
    return first, rss


def main():
    if len(sys.argv) < 3:
        sys.stderr.write(__doc__)
        return 2
    agentos, repo = os.path.abspath(sys.argv[1]), sys.argv[2]
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 20
    times, rsss = [], []
    for i in range(runs):
        t, rss = run_once(agentos, repo)
        if t is None:
            print("run %d: no first screen within 5 s" % i)
            return 1
        times.append(t * 1000)
        if rss is not None:
            rsss.append(rss)
        print("run %d: first screen %.1f ms, idle RSS %.1f MiB"
              % (i, t * 1000, rss or 0))
    print("first screen: median %.1f ms (min %.1f, max %.1f) over %d runs"
          % (statistics.median(times), min(times), max(times), runs))
    if rsss:
        print("idle RSS: median %.1f MiB (max %.1f)"
              % (statistics.median(rsss), max(rsss)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
