"""Other layers reach a package only through its face.

Each package's `__init__.py` exports, with `__all__`, what other layers may use; the modules inside it are
its implementation. An import in `src/sparkfleet` whose target lies in a different top-level package than
the importing module (top-level packages: api, engine, controllers, cluster, cloud, runtime, server, cli,
sim, reconcile, and the single modules clock, config, home, platform, privatefiles) must name a face:

- a single module (`sparkfleet.clock`, `sparkfleet.config`, ...) is its own face;
- a target inside a subpackage directly below a top-level package (`sparkfleet.engine.scheduling`,
  `sparkfleet.cluster.embedded`, `sparkfleet.runtime.local`, `sparkfleet.api.wire`, ...) is reached
  through that subpackage, never through its modules (`sparkfleet.engine.scheduling.fit` is not a face);
- a module directly in a top-level package is reached through the top-level package
  (`sparkfleet.cluster.port` through `sparkfleet.cluster`), except in `api`, whose flat modules (models
  per kind and the rules every layer shares: `sparkfleet.api.sparkapplication`,
  `sparkfleet.api.quantity`, ...) are each a face of their own.

`from package import name` counts as an import of the module `package.name` when there is one and the
package's `__init__.py` does not bind `name` itself (`from sparkfleet.engine.scheduling import schedule`
is the face's function, not the module `schedule.py`).
Imports within one top-level package are free.
"""

from __future__ import annotations

import ast
from pathlib import Path

SOURCE = Path(__file__).resolve().parent.parent / "src" / "sparkfleet"
# Files Spark runs inside its containers, not modules of the package.
NOT_MODULES = ("runtime/local/image/",)
SINGLE_MODULES = frozenset({"clock", "config", "home", "platform", "privatefiles"})
FLAT_FACES = frozenset({"api"})


def module_name(path: Path) -> str:
    parts = path.relative_to(SOURCE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def location(module: str) -> Path:
    return SOURCE.parent.joinpath(*module.split("."))


def is_package(module: str) -> bool:
    return (location(module) / "__init__.py").is_file()


def is_module(module: str) -> bool:
    return is_package(module) or location(module).with_suffix(".py").is_file()


def bound(package: str) -> set[str]:
    """The names a package's `__init__.py` binds at its top level, and those its `__all__` exports (a
    face that imports its modules on first use binds them only then)."""
    init = location(package) / "__init__.py"
    if not init.is_file():
        return set()
    names: set[str] = set()
    for node in ast.parse(init.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.ImportFrom | ast.Import):
            names |= {(alias.asname or alias.name).split(".")[0] for alias in node.names}
        elif isinstance(node, ast.Assign | ast.AnnAssign | ast.FunctionDef | ast.ClassDef):
            targets = node.targets if isinstance(node, ast.Assign) else [node]
            names |= {t.id if isinstance(t, ast.Name) else getattr(t, "name", "") for t in targets}
            exported = node.value if isinstance(node, ast.Assign) and "__all__" in names else None
            if isinstance(exported, ast.List | ast.Tuple):
                names |= {
                    e.value for e in exported.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)
                }
    return names


def face(target: str) -> str:
    """The module through which other layers reach `target`."""
    parts = target.split(".")
    top = ".".join(parts[:2])
    if len(parts) <= 2 or parts[1] in SINGLE_MODULES:
        return top
    second = ".".join(parts[:3])
    if is_package(second) or parts[1] in FLAT_FACES:
        return second
    return top


def targets(tree: ast.Module, importer: str, package: bool) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [
                (node.lineno, alias.name) for alias in node.names if alias.name.startswith("sparkfleet")
            ]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = importer.split(".") if package else importer.split(".")[:-1]
                base = base[: len(base) - node.level + 1]
                source = ".".join([*base, node.module] if node.module else base)
            else:
                source = node.module or ""
            if source.split(".")[0] != "sparkfleet":
                continue
            for alias in node.names:
                sub = f"{source}.{alias.name}"
                module = is_module(sub) and alias.name not in bound(source)
                found.append((node.lineno, sub if module else source))
    return found


def top_level(module: str) -> str:
    return ".".join(module.split(".")[:2])


def violations() -> list[str]:
    found: list[str] = []
    for path in sorted(SOURCE.rglob("*.py")):
        relative = str(path.relative_to(SOURCE))
        if relative.startswith(NOT_MODULES):
            continue
        importer = module_name(path)
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for line, target in targets(tree, importer, path.name == "__init__.py"):
            if top_level(target) == top_level(importer) or top_level(target) == "sparkfleet":
                continue
            if target != face(target):
                found.append(f"src/sparkfleet/{relative}:{line}: {target} (use {face(target)})")
    return found


def test_imports_across_top_level_packages_name_a_face() -> None:
    assert violations() == []


def test_the_rule_tells_faces_from_implementation() -> None:
    assert face("sparkfleet.engine.scheduling.fit") == "sparkfleet.engine.scheduling"
    assert face("sparkfleet.cluster.port") == "sparkfleet.cluster"
    assert face("sparkfleet.cluster.embedded.store") == "sparkfleet.cluster.embedded"
    assert face("sparkfleet.api.quantity") == "sparkfleet.api.quantity"
    assert face("sparkfleet.api.yunikorn.validation") == "sparkfleet.api.yunikorn"
    assert face("sparkfleet.clock") == "sparkfleet.clock"


def exported(package: str) -> set[str]:
    init = location(package) / "__init__.py"
    for node in ast.parse(init.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "__all__" for t in node.targets):
            return set(ast.literal_eval(node.value))
    return set()


def unexported() -> list[str]:
    """Names other layers take from a package face that its `__all__` does not list."""
    found: list[str] = []
    for path in sorted(SOURCE.rglob("*.py")):
        relative = str(path.relative_to(SOURCE))
        if relative.startswith(NOT_MODULES):
            continue
        importer = module_name(path)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                not isinstance(node, ast.ImportFrom)
                or node.level
                or not (node.module or "").startswith("sparkfleet.")
            ):
                continue
            source = node.module or ""
            if top_level(source) == top_level(importer) or not is_package(source):
                continue
            missing = [alias.name for alias in node.names if alias.name not in exported(source)]
            missing = [name for name in missing if not is_module(f"{source}.{name}")]
            found += [f"src/sparkfleet/{relative}:{node.lineno}: {source}.{name}" for name in missing]
    return found


def test_what_other_layers_take_from_a_face_is_in_its_all() -> None:
    assert unexported() == []
