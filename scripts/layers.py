"""The import structure of hub, realtime and workers, checked: `python -m scripts.layers`.

Every module is parsed with `ast` (nothing is imported), and its imports become arrows of a
graph: eager ones (at module level, in a class body, in a `try`), lazy ones (inside a function)
and type-only ones (under `if TYPE_CHECKING:`). Exit status 1, one line per finding, when:

- circle: modules import each other, counting lazy arrows too (a lazy import that closes a
  circle only hides it); type-only arrows do not count, they never run;
- lazy: an import inside a function that breaks no circle, so it should be a plain top-level
  import, unless its line says why with a trailing `# lazy: <reason>` (a heavy optional library
  loaded only when needed, say);
- layer: an arrow the LAYERS rules below forbid (type-only arrows count: a type is a dependency);
- size: a module over MAX_LINES lines, unless listed in TOO_LONG (which should only shrink);
  a listed module that is short enough now is reported too, so the list is kept honest;
- emits: a module of the read side (READ_SIDE) that emits: a call of `.emit(`, or a `notify_*`
  called or imported (the read side answers questions; what changed is told by the actions).

On success one summary line: modules, arrows, lazy and type-only ones, layer rules.
"""

from __future__ import annotations

import argparse
import ast
import itertools
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

PACKAGES = ("hub", "realtime", "workers")
MAX_LINES = 400

# The layer rules, stated once: (importer, forbidden, why). A name covers the module and
# everything under it. "realtime's web-facing parts" are all of realtime except its bus, the
# publisher's half that the runtime installs.
REALTIME_WEB_FACING = (
    "realtime.channels",
    "realtime.manager",
    "realtime.partials",
    "realtime.presence",
    "realtime.service",
    "realtime.socket",
    "realtime.wire",
)
LAYERS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    (
        "hub.models",
        ("hub.actions", "hub.reads", "hub.web", "realtime", "workers"),
        "models are the floor: tables know no callers",
    ),
    (
        "hub.reads",
        ("hub.actions", "hub.web", "realtime", "workers"),
        "the read side is below the actions: it reads and never writes (see READ_SIDE_USES)",
    ),
    (
        "hub.actions",
        ("hub.web", "workers", *REALTIME_WEB_FACING),
        "actions are called by web, realtime and workers, never the other way",
    ),
    (
        "workers",
        ("hub.web", "realtime", "starlette"),
        "workers call actions and publish through the runtime; never the web, nor Starlette",
    ),
    ("realtime", ("hub.web", "workers"), "realtime calls actions, never the web"),
    ("hub.web", ("workers",), "the web runs no jobs itself: `hub serve` hands it the worker"),
)

# The pieces of hub.actions the read side may use, though a rule above forbids hub.actions to
# it: none of them writes. The Context it reads through, the errors it raises, the pure input
# checks, the proposals' table of states (which moves a reader is offered) and their text's
# fields and rules.
READ_SIDE_USES: dict[str, tuple[str, ...]] = {
    "hub.reads": (
        "hub.actions.context",
        "hub.actions.errors",
        "hub.actions.validate",
        "hub.actions.proposal_states",
        "hub.actions.proposal_text",
    ),
}
# The read side, checked to emit nothing: no `.emit(` and no `notify_*` called or imported.
READ_SIDE = "hub.reads"

# Modules longer than MAX_LINES, waiting to be split. Remove a line once its module is split;
# never add one for new code. None are left.
TOO_LONG: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Import:
    source: str  # the importing module
    target: str  # the imported name, resolved to a module of ours where it is one
    path: Path
    line: int
    kind: str  # "eager", "lazy" or "type"
    reason: str  # the text after "# lazy:", or ""

    def where(self, root: Path) -> str:
        return f"{self.path.relative_to(root)}:{self.line}"


def module_files(root: Path, packages: Iterable[str]) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if "migrations" in parts and "versions" in parts:
                continue  # Alembic revisions: run by Alembic, not imported
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _resolve(name: str, modules: dict[str, Path]) -> str:
    """The longest prefix of `name` that is a module of ours, or `name` itself."""
    parts = name.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in modules:
            return candidate
        parts.pop()
    return name


def imports_of(module: str, path: Path, modules: dict[str, Path]) -> list[Import]:
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    tree = ast.parse(source, filename=str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: list[Import] = []

    def reason_at(node: ast.stmt) -> str:
        for text in lines[node.lineno - 1 : (node.end_lineno or node.lineno)]:
            _, hash_, comment = text.partition("#")
            if hash_ and comment.strip().startswith("lazy:"):
                return comment.strip().removeprefix("lazy:").strip()
        return ""

    def add(node: ast.stmt, target: str, kind: str) -> None:
        resolved = _resolve(target, modules)
        found.append(Import(module, resolved, path, node.lineno, kind, reason_at(node)))

    def visit(nodes: Sequence[ast.stmt], kind: str) -> None:
        for node in nodes:
            if isinstance(node, ast.Import):
                for alias in node.names:
                    add(node, alias.name, kind)
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")
                    base = base[: len(base) - (node.level - 1)]
                    prefix = ".".join([*base, node.module] if node.module else base)
                else:
                    prefix = node.module or ""
                for alias in node.names:
                    # `from a import b` imports the module a.b when there is one, else from a.
                    full = f"{prefix}.{alias.name}"
                    add(node, full if full in modules else prefix, kind)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                visit(node.body, "type" if kind == "type" else "lazy")
            elif isinstance(node, ast.If) and _is_type_checking(node.test):
                visit(node.body, "type")
                visit(node.orelse, kind)
            else:
                for field in ("body", "orelse", "finalbody", "handlers", "cases"):
                    children = getattr(node, field, None)
                    if isinstance(children, list):
                        stmts = [c for c in children if isinstance(c, ast.stmt)]
                        visit(stmts, kind)
                        for child in children:
                            if isinstance(child, (ast.ExceptHandler, ast.match_case)):
                                visit(child.body, kind)

    visit(tree.body, "eager")
    return found


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (or a module importing itself)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    counter = 0

    def connect(start: str) -> None:  # iterative Tarjan: no recursion limit to meet
        nonlocal counter
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1 or node in graph[node]:
                        components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return components


def _cycle_in(component: list[str], graph: dict[str, set[str]]) -> list[str]:
    """One circle through the component's first module, shortest first (breadth-first)."""
    members = set(component)
    start = component[0]
    previous: dict[str, str] = {}
    queue = [start]
    for node in queue:
        for child in sorted(graph[node] & members):
            if child == start:
                path = [node]
                while path[-1] != start:
                    path.append(previous[path[-1]])
                return [*reversed(path), start]
            if child not in previous:
                previous[child] = node
                queue.append(child)
    return [start, start]


def _covers(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def _notify_name(name: str) -> bool:
    return any(part.startswith("notify_") for part in name.split("."))


def emits_in(path: Path, root: Path) -> list[str]:
    """A line per `.emit(` call and per `notify_*` called or imported in the module."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    where = path.relative_to(root)
    found: list[str] = []
    for node in ast.walk(tree):
        said = ""
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name == "emit":
                said = "calls .emit("
            elif name.startswith("notify_"):
                said = f"calls {name}"
        elif isinstance(node, ast.ImportFrom):
            names = [a.name for a in node.names if a.name.startswith("notify_")]
            if _notify_name(node.module or ""):
                names.insert(0, node.module or "")
            said = f"imports {', '.join(names)}" if names else ""
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names if _notify_name(a.name)]
            said = f"imports {', '.join(names)}" if names else ""
        if said:
            found.append(
                f"emits: {where}:{getattr(node, 'lineno', 0)} {said} (the read side never emits: "
                "what changed is told by the action that changed it)"
            )
    return found


def check(root: Path, packages: Sequence[str] = PACKAGES) -> tuple[list[str], str]:
    """The findings (one line each) and the summary line."""
    modules = module_files(root, packages)
    imports = [imp for mod, path in modules.items() for imp in imports_of(mod, path, modules)]
    ours = [imp for imp in imports if imp.target in modules and imp.target != imp.source]
    findings: list[str] = []

    graph: dict[str, set[str]] = {mod: set() for mod in modules}
    for imp in ours:
        if imp.kind != "type":
            graph[imp.source].add(imp.target)
    by_arrow: dict[tuple[str, str], list[Import]] = {}
    for imp in ours:
        by_arrow.setdefault((imp.source, imp.target), []).append(imp)

    circle_of: dict[str, int] = {}
    for number, component in enumerate(_circles(graph)):
        circle_of.update(dict.fromkeys(component, number))
        cycle = _cycle_in(component, graph)
        steps = []
        for source, target in itertools.pairwise(cycle):
            arrow = [i for i in by_arrow[(source, target)] if i.kind != "type"]
            hidden = all(i.kind == "lazy" for i in arrow)
            steps.append(f"{arrow[0].where(root)}{' (lazy)' if hidden else ''}")
        more = f" [{len(component)} modules tangled]" if len(component) > len(cycle) - 1 else ""
        findings.append(f"circle: {' -> '.join(cycle)}{more}; via {', '.join(steps)}")

    # A lazy import breaks a circle only if its target reaches back to its source: those are in
    # a circle, reported above. Every other lazy import must say why it is lazy.
    said: set[tuple[Path, int, str]] = set()
    for imp in imports:
        if imp.kind != "lazy" or imp.reason or (imp.path, imp.line, imp.target) in said:
            continue
        said.add((imp.path, imp.line, imp.target))
        if imp.source in circle_of and circle_of.get(imp.target) == circle_of[imp.source]:
            continue
        findings.append(
            f"lazy: {imp.where(root)} imports {imp.target} inside a function; it breaks no "
            "circle: import it at the top, or say why with '# lazy: <reason>'"
        )

    for imp in imports:
        for importer, forbidden, why in LAYERS:
            if any(_covers(imp.target, a) for a in READ_SIDE_USES.get(importer, ())):
                continue
            if _covers(imp.source, importer) and any(_covers(imp.target, f) for f in forbidden):
                line = f"layer: {imp.where(root)} {imp.source} imports {imp.target} ({why})"
                if line not in findings:
                    findings.append(line)

    for mod, path in modules.items():
        if _covers(mod, READ_SIDE):
            findings.extend(emits_in(path, root))

    for mod, path in modules.items():
        count = len(path.read_text(encoding="utf-8").splitlines())
        if count > MAX_LINES and mod not in TOO_LONG:
            findings.append(f"size: {path.relative_to(root)} has {count} lines (max {MAX_LINES})")
        elif count <= MAX_LINES and mod in TOO_LONG and set(packages) == set(PACKAGES):
            findings.append(
                f"size: {path.relative_to(root)} has {count} lines now: remove it from TOO_LONG"
            )

    lazy = sum(1 for imp in ours if imp.kind == "lazy")
    typed = sum(1 for imp in ours if imp.kind == "type")
    arrows = len({(i.source, i.target) for i in ours})
    summary = (
        f"layers: {len(modules)} modules, {arrows} arrows between them ({lazy} lazy imports, "
        f"{typed} type-only), {len(LAYERS)} layer rules, {len(TOO_LONG)} modules over "
        f"{MAX_LINES} lines still listed: no circle, no unexplained lazy import, "
        "no forbidden arrow, no emit on the read side"
    )
    return findings, summary


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.layers", description=__doc__)
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="the project's folder")
    parser.add_argument("packages", nargs="*", default=list(PACKAGES), help="packages to check")
    args = parser.parse_args(argv)
    root = args.root.resolve()
    findings, summary = check(root, args.packages)
    for line in findings:
        print(line)
    if findings:
        print(f"layers: {len(findings)} findings", file=sys.stderr)
        return 1
    print(summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
