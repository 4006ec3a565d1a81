#!/bin/sh
# The private tmp directories of sessions that died (SIGKILL leaves them)
# are removed when the next agentos starts its sandbox; a live session's
# (its .lock held), and a lockless one touched within the hour, are kept.
# Both layouts: $XDG_RUNTIME_DIR/agentos-tmp-SESSION and
# /tmp/agentos-UID/SESSION.
. "$(dirname "$0")/lib.sh"
make_repo
"$AGENTOS" sandbox status > "$T_TMP/status" 2>&1 ||
    skip "no sandbox mechanism here: $(cat "$T_TMP/status")"

x="$T_TMP/xdg"
mkdir -m 0700 "$x"
XDG_RUNTIME_DIR=$x
export XDG_RUNTIME_DIR
# dead: its lock file is not held by anyone.
mkdir -p "$x/agentos-tmp-dead/sub" && echo junk > "$x/agentos-tmp-dead/sub/f"
: > "$x/agentos-tmp-dead.lock"
# live: a process holds its lock for the whole test.
mkdir "$x/agentos-tmp-live" && : > "$x/agentos-tmp-live.lock"
python3 -c 'import fcntl, sys, time
f = open(sys.argv[1], "w")
fcntl.flock(f, fcntl.LOCK_EX)
time.sleep(120)' "$x/agentos-tmp-live.lock" &
holder=$!
# old: from before the locks, untouched for two hours; fresh: one minute.
mkdir "$x/agentos-tmp-old" "$x/agentos-tmp-fresh"
touch -d '2 hours ago' "$x/agentos-tmp-old"
touch -d '1 minute ago' "$x/agentos-tmp-fresh"
# not ours: another program's directory in the runtime dir.
mkdir "$x/other-dead" && : > "$x/other-dead.lock"
sleep 0.5

agent_bash 'echo in-sandbox'
kill "$holder" 2>/dev/null
grep -q in-sandbox "$T_TMP/result" ||
    fail "the command did not run: $(cat "$T_TMP/result")"
[ -e "$x/agentos-tmp-dead" ] && fail "the dead session's tmp dir is left"
[ -e "$x/agentos-tmp-dead.lock" ] && fail "the dead session's lock is left"
[ -d "$x/agentos-tmp-live" ] || fail "a live session's tmp dir was removed"
[ -e "$x/agentos-tmp-old" ] && fail "a lockless two-hour-old dir is left"
[ -d "$x/agentos-tmp-fresh" ] || fail "a lockless fresh dir was removed"
[ -d "$x/other-dead" ] || fail "removed a directory agentos did not make"
# Our own session's directory and lock go with it.
left=$(ls "$x" | grep -v -e '^agentos-tmp-live' -e '^agentos-tmp-fresh$' \
    -e '^other-dead')
[ -z "$left" ] || fail "left behind in the runtime dir: $left"

# The /tmp layout: a dead session's directory under /tmp/agentos-UID.
unset XDG_RUNTIME_DIR
u="/tmp/agentos-$(id -u)"
mkdir -p "$u"
d="$u/dead-0842-$$"
mkdir -p "$d" && : > "$d.lock"
agent_bash 'echo again'
[ -e "$d" ] && { rm -rf "$d" "$d.lock"; fail "left $d"; }
[ -e "$d.lock" ] && { rm -f "$d.lock"; fail "left $d.lock"; }
exit 0
