#!/usr/bin/env bash
# Which feature folder of the web project uses which: one line a folder, then every loop (two folders that use each other,
# or a longer round such as A -> B -> C -> A); with no loop, the layers that order the folders.
# A folder's Pages/ counts as the folder itself. A use is a `using`/`@using`/`@inject`/fully-qualified Centrali.Console.*
# name; the project-wide imports (GlobalUsings.cs, the root _Imports.razor) are printed once, as "(everywhere)".
# Usage: bash tests/deps.sh   (exit status 1 while any loop exists)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../src/Centrali.Console"

python3 - <<'PY'
import os, re, sys

root = "."
files = []
for d, dirs, names in os.walk(root):
    dirs[:] = [x for x in dirs if x not in ("bin", "obj", "Migrations", "wwwroot", "Properties")]
    for n in names:
        if n.endswith((".cs", ".razor")):
            files.append(os.path.normpath(os.path.join(d, n)))

def folder_of(path):
    parts = os.path.dirname(path).split(os.sep)
    parts = [p for p in parts if p not in (".", "")]
    while parts and parts[-1] == "Pages":
        parts.pop()
    return "/".join(parts) or "(root)"

folders = sorted({folder_of(f) for f in files})
namespaces = {("Centrali.Console." + f.replace("/", ".")) if f != "(root)" else "Centrali.Console": f for f in folders}

def resolve(name):
    # The longest folder namespace that the name starts with (a namespace, or a namespace and a type).
    name = re.sub(r"\.Pages(?=\.|$)", "", name)
    best = None
    for ns, f in namespaces.items():
        if name == ns or name.startswith(ns + "."):
            if best is None or len(ns) > len(best[0]):
                best = (ns, f)
    return best[1] if best else None

ref = re.compile(r"\bCentrali\.Console(?:\.[A-Z]\w*)*")

# Top-level type names per folder, to catch a name written relative to an enclosing namespace ("Data.DatabaseSetup").
types = {f: set() for f in folders}
for path in files:
    if path.endswith(".razor"):
        types[folder_of(path)].add(os.path.basename(path)[:-len(".razor")])
        continue
    with open(path, encoding="utf-8") as fh:
        for m in re.finditer(r"^(?:(?:public|internal|static|sealed|abstract|partial|readonly)\s+)*(?:class|record|struct|interface|enum)\s+(\w+)", fh.read(), re.M):
            types[folder_of(path)].add(m.group(1))

def own_namespace(path):
    f = folder_of(path)
    return "Centrali.Console" + ("" if f == "(root)" else "." + f.replace("/", "."))

def relative_refs(path, line):
    own = own_namespace(path).split(".")
    found = set()
    for ns, f in namespaces.items():
        for i in range(2, len(own) + 1):
            parent = ".".join(own[:i])
            if not ns.startswith(parent + "."):
                continue
            rel = re.escape(ns[len(parent) + 1:])
            for m in re.finditer(r"(?<![\w.])" + rel + r"\.(?:Pages\.)?([A-Z]\w*)", line):
                if m.group(1) in types[f]:
                    found.add(f)
    return found
deps = {f: set() for f in folders}
everywhere = set()
for path in files:
    own = folder_of(path)
    project_wide = os.path.basename(path) == "GlobalUsings.cs" or path == "_Imports.razor"
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            s = line.strip()
            if s.startswith(("namespace ", "@namespace ", "//", "///", "*")):
                continue
            for m in ref.finditer(s):
                before = s[:m.start()]
                if before.endswith('"') or s.count('"', 0, m.start()) % 2 == 1:
                    continue  # inside a string literal (e.g. an application name)
                target = resolve(m.group(0))
                if target is None or target == own:
                    continue
                (everywhere if project_wide else deps[own]).add(target)
            code = re.sub(r'"(?:[^"\\]|\\.)*"', '""', s)
            for target in relative_refs(path, code):
                if target != own:
                    deps[own].add(target)

if everywhere:
    print(f"{'(everywhere)':24} -> {', '.join(sorted(everywhere))}   (project-wide imports: not counted per folder below)")
for f in folders:
    print(f"{f:24} -> {', '.join(sorted(deps[f])) or '-'}")

pairs = sorted({tuple(sorted((a, b))) for a in folders for b in deps[a] if a in deps.get(b, set())})

# Every loop, not only pairs: the strongly connected components of the graph (Tarjan), each shown as one concrete loop.
index, low, stack, on_stack, components = {}, {}, [], set(), []
def connect(v):
    index[v] = low[v] = len(index)
    stack.append(v); on_stack.add(v)
    for w in sorted(deps[v]):
        if w not in index:
            connect(w); low[v] = min(low[v], low[w])
        elif w in on_stack:
            low[v] = min(low[v], index[w])
    if low[v] == index[v]:
        component = set()
        while True:
            w = stack.pop(); on_stack.discard(w); component.add(w)
            if w == v: break
        if len(component) > 1: components.append(component)
for f in folders:
    if f not in index: connect(f)

def loop_through(component):
    # Breadth-first from the first folder back to itself, inside the component: the shortest loop through it.
    start = min(component)
    paths = {w: [start, w] for w in sorted(deps[start]) if w in component}
    queue = list(paths)
    while queue:
        v = queue.pop(0)
        if start in deps[v]: return paths[v] + [start]
        for w in sorted(deps[v]):
            if w in component and w not in paths:
                paths[w] = paths[v] + [w]; queue.append(w)
    return [start]

loops = [c for c in components if not (len(c) == 2 and tuple(sorted(c)) in pairs)]
print()
if pairs:
    print("Folders that use each other:")
    for a, b in pairs:
        print(f"  {a} <-> {b}")
if loops:
    print("Folders in a loop:")
    for c in loops:
        print(f"  {' -> '.join(loop_through(c))}   ({len(c)} folders: {', '.join(sorted(c))})")
if components:
    sys.exit(1)

# No loop: each folder's layer is one above the highest folder it uses, so a folder only ever uses lower layers.
layer = {}
def layer_of(f):
    if f not in layer: layer[f] = 1 + max((layer_of(d) for d in deps[f]), default=-1)
    return layer[f]
print("No loops: every dependency runs one way. Layers, lowest first (a folder uses only folders above it in this list):")
for n in range(max(map(layer_of, folders)) + 1):
    print(f"  {n}: {', '.join(f for f in folders if layer_of(f) == n)}")
PY
