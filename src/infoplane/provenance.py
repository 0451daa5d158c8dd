"""Which source files decide a job's results: the import closure of the modules it runs.

Snakemake reruns a ``script:`` rule when its script changes, not when a library module it
imports does. The workflow therefore puts in each rule's ``params`` a hash of every file of
``infoplane`` that the rule's code can import (:func:`code_hash`), found by reading the import
statements (``import infoplane.x``, ``from . import x``, ``from .x import y``, at any depth,
inside functions too) of the modules it starts from, and of theirs, and so on, together with the
``__init__.py`` of every package on the way. A new module is covered as soon as something
imports it; an edit to a module reruns exactly the rules whose closure contains it. Imports made
by name at run time (the estimator registry's ``importlib``) are not followed: callers add
those modules as roots (``infoplane.estimators.module_names``).
"""

from __future__ import annotations

import ast
import functools
import hashlib
from collections.abc import Iterable
from pathlib import Path

__all__ = ["PACKAGE_DIR", "module_path", "import_closure", "code_hash"]

PACKAGE_DIR = Path(__file__).resolve().parent
_PACKAGE = "infoplane"


def module_path(module: str) -> Path:
    """The file of module ``infoplane.…`` (a package's ``__init__.py``).

    Raises
    ------
    ValueError
        If the module is not part of infoplane or has no file.
    """
    parts = module.split(".")
    if parts[0] != _PACKAGE:
        raise ValueError(f"{module!r} is not a module of {_PACKAGE}")
    base = PACKAGE_DIR.joinpath(*parts[1:])
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    raise ValueError(f"no source file for module {module!r}")


def _module_name(path: Path) -> str:
    relative = path.relative_to(PACKAGE_DIR).with_suffix("")
    parts = [_PACKAGE, *relative.parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _existing(module: str) -> str | None:
    try:
        module_path(module)
        return module
    except ValueError:
        return None


@functools.lru_cache(maxsize=None)
def _direct_imports(path: Path, mtime: float) -> tuple[str, ...]:
    """infoplane modules imported anywhere in one file."""
    tree = ast.parse(path.read_text(), filename=str(path))
    this = _module_name(path)
    package = this if path.name == "__init__.py" else this.rpartition(".")[0]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == _PACKAGE)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                stem = ".".join(base + ([node.module] if node.module else []))
            elif node.module and node.module.split(".")[0] == _PACKAGE:
                stem = node.module
            else:
                continue
            found.add(stem)
            found.update(f"{stem}.{a.name}" for a in node.names)  # `from . import x`: x may be a module
    return tuple(sorted(m for m in found if _existing(m)))


def import_closure(modules: Iterable[str]) -> list[Path]:
    """Source files of ``modules`` and of every infoplane module they import, transitively,
    with the ``__init__.py`` of each package on the way; sorted."""
    seen: set[Path] = set()
    todo = list(modules)
    while todo:
        module = todo.pop()
        parts = module.split(".")
        for depth in range(1, len(parts) + 1):  # importing a.b.c runs a and a.b first
            path = module_path(".".join(parts[:depth])) if _existing(".".join(parts[:depth])) else None
            if path is None or path in seen:
                continue
            seen.add(path)
            todo.extend(_direct_imports(path, path.stat().st_mtime))
    return sorted(seen)


def code_hash(*modules: str) -> str:
    """SHA-256 (16 hex digits) of the sources in the import closure of ``modules``: a rule
    param that changes exactly when code the rule runs changes."""
    digest = hashlib.sha256()
    for path in import_closure(modules):
        digest.update(str(path.relative_to(PACKAGE_DIR)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]
