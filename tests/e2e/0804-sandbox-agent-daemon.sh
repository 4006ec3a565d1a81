#!/bin/sh
# A daemon a command starts (setsid, in the background) does not outlive
# the command: the sandbox's pid namespace ends with it.
. "$(dirname "$0")/lib.sh"
need_bwrap
make_repo
# A sleep no other process has: its argument is unique.
tag="sleep 300.0804$$"
# A double fork; the wait lets setsid run before the command ends (unsandboxed
# the daemon then survives: the test can fail).
agent_bash "(setsid $tag >/dev/null 2>&1 &); sleep 1; echo started"
grep -q started "$T_TMP/result" ||
    fail "the command did not run: $(cat "$T_TMP/result")"
sleep 1
if pgrep -f "$tag" >/dev/null; then
	pkill -f "$tag"
	fail "the setsid daemon outlived the command"
fi
exit 0
