"""No import cycle in cms/, function-level imports included, and no module over 300 lines.

Every `import` and `from ... import` anywhere in a module (inside functions too) is an
edge; a cycle is a strongly connected group of two or more modules.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAX_LINES = 300


def _modules() -> dict[str, tuple[Path, bool]]:
    found = {}
    for path in (ROOT / "cms").rglob("*.py"):
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        package = name.endswith(".__init__")
        found[name.removesuffix(".__init__")] = (path, package)
    return found


def _graph(modules) -> dict[str, set[str]]:
    graph = {name: set() for name in modules}
    for name, (path, package) in modules.items():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                parts = name.split(".") if package else name.split(".")[:-1]
                if node.level > 1:
                    parts = parts[: len(parts) - (node.level - 1)]
                base = ".".join(parts + [node.module] if node.module else parts)
                base = base if node.level else node.module or ""
                for alias in node.names:
                    whole = f"{base}.{alias.name}"
                    target = whole if whole in modules else base if base in modules else None
                    if target and target != name:
                        graph[name].add(target)
            elif isinstance(node, ast.Import):
                graph[name] |= {a.name for a in node.names if a.name in modules} - {name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan)."""
    index, low, stack, on_stack, groups, counter = {}, {}, [], set(), [], [0]

    def visit(node):
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph[node]):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = []
            while True:
                other = stack.pop()
                on_stack.discard(other)
                group.append(other)
                if other == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


def test_cms_has_no_import_cycle():
    assert cycles(_graph(_modules())) == []


def test_the_check_sees_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_module_is_over_300_lines():
    long = {
        str(path.relative_to(ROOT)): n
        for path, _ in _modules().values()
        if (n := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert long == {}
