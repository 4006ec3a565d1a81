#!/bin/sh
# TUI: Shift-Tab cycles the permission mode shown in the status bar, and
# /mode sets it by name; with no provider the screen says how to set one up.
. "$(dirname "$0")/lib.sh"
make_repo
start_agentos
wait_for 'No provider is configured'
wait_for 'ANTHROPIC_API_KEY'
wait_for ' ask '
send_keys BTab
wait_for ' accept-edits '
send_keys BTab
wait_for ' plan '
# bypass is never reached by cycling: only by name.
send_keys BTab
wait_for ' ask '
send_keys '/mode bypass' Enter
wait_for 'Permission mode: bypass'
wait_for ' bypass '
# Typing a message still answers with the set-up help, not a crash.
send_keys 'hello' Enter
wait_for '> hello'
send_keys C-d
wait_for 'AGENTOS-EXITED 0'
exit 0
