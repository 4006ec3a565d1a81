#!/usr/bin/env python3
"""repomodel-ctags.py: compare agentos's definitions with universal-ctags.

usage: repomodel-ctags.py LANG DIR AGENTOS [MIN_RECALL]

Runs `agentos symbols --json` and `ctags -R` on the git worktree DIR and
reports, per kind group, how many of ctags's definitions agentos found
(recall) and how many of agentos's are also ctags's (precision).  Tags are
compared as (name, path) multisets: the two tools give different lines for
the same definition (ctags the name's line, agentos the definition's first
line).  Exits 1 when the function recall is below MIN_RECALL (percent).
"""
import collections
import json
import subprocess
import sys

# ctags kind -> group, agentos kind -> group.
KINDS = {
    "c": ({"function": "function", "struct": "struct"},
          {"function": "function", "struct": "struct"},
          ["--langmap=C:.c.h", "--kinds-C=fs", "--languages=C"]),
    "python": ({"function": "function", "member": "function",
                "class": "class"},
               {"function": "function", "method": "function",
                "class": "class"},
               ["--kinds-Python=cfm", "--languages=Python"]),
}


def main():
    lang, root, agentos = sys.argv[1:4]
    minimum = float(sys.argv[4]) if len(sys.argv) > 4 else 0.0
    ckinds, akinds, flags = KINDS[lang]
    out = subprocess.run(["ctags", "-R", "-f", "-", "--fields=+nK"] + flags
                         + ["."], cwd=root, capture_output=True, text=True,
                         errors="replace", check=True).stdout
    ctags = collections.defaultdict(collections.Counter)
    for line in out.splitlines():
        f = line.split("\t")
        kind = next((x for x in f[3:] if x in ckinds), None)
        if kind is None or f[0].startswith("__anon"):
            continue
        path = f[1][2:] if f[1].startswith("./") else f[1]
        ctags[ckinds[kind]][(f[0], path)] += 1
    out = subprocess.run([agentos, "symbols", "--json"], cwd=root,
                         capture_output=True, text=True, check=True).stdout
    ours = collections.defaultdict(collections.Counter)
    exts = {"c": (".c", ".h"), "python": (".py",)}[lang]
    for line in out.splitlines():
        t = json.loads(line)
        if t["kind"] in akinds and t["path"].endswith(exts):
            ours[akinds[t["kind"]]][(t["name"], t["path"])] += 1
    status = 0
    for group in sorted(set(ckinds.values())):
        c, o = ctags[group], ours[group]
        both = sum((c & o).values())
        recall = 100.0 * both / max(1, sum(c.values()))
        precision = 100.0 * both / max(1, sum(o.values()))
        print(f"{lang} {group}: ctags {sum(c.values())}, agentos "
              f"{sum(o.values())}, recall {recall:.2f}%, precision "
              f"{precision:.2f}%")
        missed = sorted((c - o).elements())[:8]
        if missed:
            print(f"  missed, e.g.: {missed}")
        if group == "function" and recall < minimum:
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
