# lib-tui.sh: helpers for the TUI end-to-end tests (02xx); source after
# lib.sh.

# Skip while the binary does not run the TUI yet (main() not wired to
# ui_run): a capability check on the linked symbol, not a guess.
require_tui() {
	command -v nm >/dev/null 2>&1 || return 0
	nm "$AGENTOS" 2>/dev/null | grep -q ' T ui_run$' ||
	    skip "agentos does not link the TUI (ui_run) yet"
}
require_tui
