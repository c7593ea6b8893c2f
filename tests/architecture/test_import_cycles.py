"""No import cycle among the runtime packages' modules, counting the imports inside functions too.

A cycle that only works because one side imports lazily is still a cycle: it decides which module may
be imported first and breaks the day someone moves the import to the top. Every `import` statement
counts, wherever it stands:

- `import a.b.c` imports `a`, `a.b` and `a.b.c` (each package's `__init__` runs first);
- `from a.b import c` imports `a`, `a.b`, and `a.b.c` when `c` is a submodule rather than a name;
- relative imports are resolved against the importing module's package.

A package passed through on the way to a sibling (`from messaging.models.trunk import Trunk` inside
messaging/models/) is left out when it is the importing module's own ancestor: it is always initialised
(or being initialised) before the module's body runs, so that edge never causes an import. A name taken
from the ancestor itself (`from messaging.models import Trunk` there) counts: it needs the package's
`__init__` to have run that far.

Migrations are included: `migrate` imports them at run time and they import project modules (fields,
encryption). Nothing imports a migration by name, so they can only add edges out, never a false cycle.
"""

import ast

from tests.architecture.sources import RUNTIME_PACKAGES, runtime_modules


def _named(module: str, is_package: bool, node: ast.Import | ast.ImportFrom, known: set[str]) -> set[str]:
    """The project modules the statement names itself: `import a.b` names a.b; `from a import b` names the
    submodule a.b when there is one, else a (whose `__init__` must have defined b)."""
    if isinstance(node, ast.Import):
        return {alias.name for alias in node.names} & known
    if node.level:
        package = module if is_package else module.rpartition(".")[0]
        for _ in range(node.level - 1):
            package = package.rpartition(".")[0]
        base = f"{package}.{node.module}" if node.module else package
    else:
        base = node.module or ""
    return {f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names} & known


def _imported(module: str, is_package: bool, node: ast.Import | ast.ImportFrom, known: set[str]) -> set[str]:
    """The named modules and every package above them: importing a.b.c first imports a and a.b."""
    found = set()
    for target in _named(module, is_package, node, known):
        parts = target.split(".")
        found.update(".".join(parts[:i]) for i in range(1, len(parts) + 1))
    return found & known


def import_graph() -> dict[str, set[str]]:
    """Module -> the project modules it imports (at module level or inside functions)."""
    parsed = [(name, path.name == "__init__.py", tree) for name, path, tree in runtime_modules()]
    known = {name for name, _, _ in parsed}
    graph: dict[str, set[str]] = {}
    for name, is_package, tree in parsed:
        edges: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                named = _named(name, is_package, node, known)
                # An ancestor package merely passed through (`from messaging.models.trunk import Trunk` inside
                # messaging/models/) is initialised before this module runs: no edge. Named itself
                # (`from messaging.models import Trunk` there), it must be initialised already: an edge.
                edges |= {target for target in _imported(name, is_package, node, known)
                          if target in named or not name.startswith(target + ".")}
        graph[name] = edges - {name}
    return graph


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle (as a closed path) for each strongly connected group of modules, by Tarjan's algorithm."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []

    def visit(node: str) -> None:  # recursion depth is bounded by the number of modules (a few hundred)
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.add(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(group)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return [_cycle_within(group, graph) for group in groups]


def _cycle_within(group: set[str], graph: dict[str, set[str]]) -> list[str]:
    """A shortest path from the group's first module back to itself, staying inside the group."""
    start = min(group)
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for target in sorted(graph[node] & group):
                if target == start:
                    return paths[node] + [start]
                if target not in paths:
                    paths[target] = paths[node] + [target]
                    following.append(target)
        frontier = following
    raise AssertionError(f"not a cycle: {sorted(group)}")


def test_the_graph_sees_the_runtime_packages():
    graph = import_graph()
    assert set(RUNTIME_PACKAGES) <= set(graph)
    # The API sends through idempotency.queue_message_once, which imports compose as a submodule.
    assert "messaging.services.outbound.compose" in (
        graph["messaging.tasks"] | graph["messaging.api.messages"] | graph["messaging.services.outbound.idempotency"])
    assert "messaging.dispatch" in graph["messaging.tasks"]


def test_relative_and_submodule_imports_are_resolved():
    known = {"a", "a.b", "a.b.c", "a.d"}
    assert _imported("a.b.x", False, ast.parse("from . import c").body[0], known) == {"a", "a.b", "a.b.c"}
    assert _imported("a.b", True, ast.parse("from ..d import name").body[0], known) == {"a", "a.d"}
    assert _imported("a.d", False, ast.parse("import a.b.c").body[0], known) == {"a", "a.b", "a.b.c"}
    assert _named("a.b.c", False, ast.parse("from a.b import c, name").body[0], known) == {"a.b.c", "a.b"}
    assert find_cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c", "a"]]


def test_no_import_cycle_among_runtime_modules():
    cycles = find_cycles(import_graph())
    assert not cycles, "import cycles (a -> b means a imports b):\n" + "\n".join(" -> ".join(c) for c in cycles)
