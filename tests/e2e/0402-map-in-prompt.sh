#!/bin/sh
# The repository map is in the system prompt of a headless run, and the
# find_definition tool answers from the model.
. "$(dirname "$0")/lib.sh"
make_repo
mkdir -p src
cat > src/store.c <<'C'
#include "store.h"
int store_put(struct store *s, const char *key) { return s->n++; }
C
cat > src/store.h <<'C'
struct store { int n; };
int store_put(struct store *s, const char *key);
C
cat > src/main.c <<'C'
#include "store.h"
int main(void) { struct store s = {0}; return store_put(&s, "k"); }
C
git add -A && git commit -qm code
cat > "$T_TMP/script.json" <<'J'
[
 {"expect": {"contains": ["Repository map", "store_put"]},
  "tool_calls": [{"name": "find_definition", "input": {"name": "store_put"}}]},
 {"expect": {"contains": "src/store.c:2"}, "text": "It is in src/store.c."}
]
J
start_provider --script "$T_TMP/script.json"
"$AGENTOS" -p "where is store_put defined?" --base-url "http://127.0.0.1:$T_PORT" \
    > "$T_TMP/out.txt" 2> "$T_TMP/err.txt" ||
    { cat "$T_TMP/err.txt"; tail -c 600 "$T_PROVIDER_LOG"; fail "run"; }
grep -q "It is in src/store.c." "$T_TMP/out.txt" || fail "answer"
exit 0
