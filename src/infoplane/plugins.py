"""A study's own model families, dataset sources and named choices, from Python files outside
the package: the config's ``plugins`` lists them, and each file registers what it declares
(:func:`infoplane.families.register`, :func:`infoplane.datasets.register`,
:func:`infoplane.choices.register`) when it is imported.

The config check imports them first (their names then enter the schema's enums and checks),
and every job that builds a network, a dataset or the report imports them again from its rule's
``plugins`` input (:func:`infoplane.runtime.job`), so an edited plugin file reruns exactly those
jobs (Snakemake's input-change trigger).
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType

__all__ = ["load", "module_name"]


def module_name(path: str | os.PathLike) -> str:
    """The module name a plugin file is imported under: its stem and a hash of its absolute path."""
    path = Path(path).resolve()
    return f"infoplane_plugin_{path.stem}_{hashlib.sha256(str(path).encode()).hexdigest()[:8]}"


def load(paths, *, key: str = "plugins") -> list[ModuleType]:
    """Import each plugin file once per process (a file already imported is not run again).

    Raises
    ------
    ValueError
        Naming ``key[i]`` and the file: a missing file, one that is not ``.py``, or one whose
        import fails (with the error it raised, e.g. a family registered twice).
    """
    modules = []
    for index, path in enumerate(paths or []):
        where = f"{key}[{index}]: {path}"
        path = Path(path)
        if path.suffix != ".py" or not path.is_file():
            raise ValueError(f"{where}: {'no such file' if not path.exists() else 'not a .py file'}")
        name = module_name(path)
        if name in sys.modules:
            modules.append(sys.modules[name])
            continue
        spec = importlib.util.spec_from_file_location(name, path.resolve())
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # registering by name finds it while it runs
        try:
            spec.loader.exec_module(module)
        except Exception as error:
            del sys.modules[name]
            raise ValueError(f"{where}: importing it failed: {type(error).__name__}: {error}") from error
        modules.append(module)
    return modules
