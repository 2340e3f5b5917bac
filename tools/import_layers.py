"""Print the import graph of csp_rules as layers: each module's depth (1 + the deepest module it imports).

    python tools/import_layers.py          # depth per module, and the number of layers
    python tools/import_layers.py --check  # exit 1 on an import cycle
    python tools/import_layers.py --module-level  # only the imports made when a module is imported

Only imports between csp_rules modules count: by default at any level of the code (lazy imports
inside functions too, since they are dependencies all the same; not those under ``if TYPE_CHECKING``,
which are for type hints); with ``--module-level`` only those run at import. Issue 16 asks for fewer layers than ten.
"""

from __future__ import annotations

import argparse
import ast
import functools
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "src" / "csp_rules"


def modules() -> dict[str, Path]:
    found = {}
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def dependencies(mods: dict[str, Path], module_level: bool = False) -> dict[str, set[str]]:
    deps: dict[str, set[str]] = {m: set() for m in mods}
    for name, path in mods.items():
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        tree = ast.parse(path.read_text("utf-8"))
        nodes = _module_level(tree.body) if module_level else _runtime(tree)
        for node in nodes:
            targets: list[str] = []
            if isinstance(node, ast.ImportFrom) and node.level:
                base = package.split(".")
                if node.level > 1:
                    base = base[: -(node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
                if node.module:
                    targets.append(target)
                targets.extend(f"{target}.{alias.name}" for alias in node.names)
            elif isinstance(node, ast.Import):
                targets.extend(alias.name for alias in node.names)
            deps[name].update(t for t in targets if t in mods and t != name)
    return deps


def _is_type_checking(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"


def _runtime(tree: ast.AST) -> list[ast.AST]:
    """Every node but those under ``if TYPE_CHECKING:`` (imports for type hints only)."""
    out: list[ast.AST] = []
    stack = [tree]
    while stack:
        node = stack.pop()
        out.append(node)
        if _is_type_checking(node):
            stack.extend(node.orelse)  # type: ignore[attr-defined]
            continue
        stack.extend(ast.iter_child_nodes(node))
    return out


def _module_level(body: list[ast.stmt]) -> list[ast.stmt]:
    """The statements run at import: the body, and the bodies of its try/if blocks (not functions)."""
    out: list[ast.stmt] = []
    for node in body:
        out.append(node)
        if isinstance(node, ast.Try):
            out.extend(_module_level(node.body))
        elif isinstance(node, ast.If) and not _is_type_checking(node):
            out.extend(_module_level(node.body + node.orelse))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check there is no cycle")
    parser.add_argument("--module-level", action="store_true", help="only the imports run at import time")
    args = parser.parse_args()
    mods = modules()
    deps = dependencies(mods, args.module_level)

    @functools.cache
    def depth(name: str, stack: tuple[str, ...] = ()) -> int:
        if name in stack:
            raise SystemExit(f"import cycle: {' -> '.join((*stack, name))}")
        return 1 + max((depth(d, (*stack, name)) for d in deps[name] if d != "csp_rules"), default=0)

    ordered = sorted(mods, key=lambda m: (depth(m), m))
    if not args.check:
        for name in ordered:
            print(f"{depth(name):3d}  {name}")
    print(f"{max(depth(m) for m in mods)} layers, {len(mods)} modules, no cycle", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
