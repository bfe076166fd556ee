"""The package's layers: every import points down, and no module imports itself back in a circle.

Layers, bottom to top (``docs/architecture`` in the README's Development section): ``problems``
(the errors every layer raises), ``uncertainty``, ``scenario``, ``model``, ``outputs``, ``runs``,
``analysis``, ``cli``. A module may import from its own layer or a lower one — also inside functions,
where imports are deferred for speed. The package root only re-exports (lazily); below it, modules
take nothing from the root but ``__version__``.
"""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "portfolio"
LAYERS = ["problems", "uncertainty", "scenario", "model", "outputs", "runs", "analysis", "cli"]


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _layer(module: str) -> int | None:
    """The layer of ``portfolio.<layer>...``; None for the package root."""
    parts = module.split(".")
    if len(parts) == 1:
        return None
    return LAYERS.index(parts[1])


def _imports(path: Path, module: str) -> list[tuple[str, list[str], bool, int]]:
    """(imported module, names, at module level, line) for every import of a portfolio module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top_level = set(map(id, tree.body))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            names = [a.name for a in node.names]
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "portfolio":
                    found.append((alias.name, [], id(node) in top_level, node.lineno))
            continue
        else:
            continue
        if target.split(".")[0] == "portfolio":
            found.append((target, names, id(node) in top_level, node.lineno))
    return found


def _resolve(target: str, names: list[str]) -> list[str]:
    """The portfolio modules an import statement loads (``from pkg import module`` loads the module)."""
    out = [target]
    for name in names:
        if f"{target}.{name}" in MODULES:
            out.append(f"{target}.{name}")
    return out


def test_every_import_points_down_to_the_same_or_a_lower_layer():
    wrong = []
    for module, path in MODULES.items():
        own = _layer(module)
        if own is None:
            continue                                   # the root re-exports the API of every layer
        for target, names, _, line in _imports(path, module):
            if target == "portfolio":
                if names != ["__version__"]:
                    wrong.append(f"{module}:{line} imports {names} from the package root (only __version__)")
                continue
            for loaded in _resolve(target, names):
                layer = _layer(loaded)
                if layer is not None and layer > own:
                    wrong.append(f"{module}:{line} ({LAYERS[own]}) imports {loaded} ({LAYERS[layer]})")
    assert not wrong, "imports pointing up:\n" + "\n".join(wrong)


def test_no_import_circle_at_module_level():
    graph: dict[str, set[str]] = {m: set() for m in MODULES}
    for module, path in MODULES.items():
        for target, names, top, _ in _imports(path, module):
            if not top:
                continue
            for loaded in _resolve(target, names):
                parts = loaded.split(".")
                for k in range(2, len(parts) + 1):          # importing a.b.c imports a.b first ...
                    name = ".".join(parts[:k])
                    if module.startswith(name + "."):        # ... unless a.b is this module's own package
                        continue
                    if name in graph and name != module:
                        graph[module].add(name)
    state: dict[str, int] = {}
    cycles = []

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append(" → ".join(stack[stack.index(nxt):] + [nxt]))
            elif nxt not in state:
                visit(nxt, stack + [nxt])
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert not cycles, "import circles:\n" + "\n".join(cycles)


@pytest.mark.parametrize("layer", LAYERS[1:])
def test_each_layer_imports_on_its_own_without_the_layers_above(layer):
    modules = sorted(m for m in MODULES if m.split(".")[1:2] == [layer] and not m.endswith("__main__"))
    above = LAYERS[LAYERS.index(layer) + 1:]
    code = ("import sys\n" + "".join(f"import {m}\n" for m in modules) +
            "print('\\n'.join(sorted(m for m in sys.modules if m.split('.')[0] == 'portfolio')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    loaded_above = [m for m in out.split() if m.split(".")[1:2] and m.split(".")[1] in above]
    assert not loaded_above, f"importing portfolio.{layer} loaded layers above it: {loaded_above}"


def test_the_tests_mirror_the_package():
    """Each layer's tests live in tests/<layer>/; only the cross-cutting ones sit at the top."""
    tests = PACKAGE.parent / "tests"
    folders = {p.name for p in tests.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))}
    assert folders == set(LAYERS[1:])
    assert {p.name for p in tests.glob("test_*.py")} == {"test_architecture.py", "test_readme.py"}
