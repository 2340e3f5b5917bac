"""pytest plugin for mutation runs (``-p mutation_plugin``, on the path through ``tools/mutation.py``).

mutmut forks one worker per mutant from a process that has already run the test suite once (to
learn which tests reach which function). Everything csp_rules loads lazily, once, is then already
loaded in that process: the market lists and name index, the role and language names, the
message catalogs, every cache of answers, the lookup tables of the enums. A worker would inherit
them, and a mutant in a loader or behind a cache would never run: it would "survive" although
the tests would catch it. This plugin makes every test session start cold: at session start it
empties every :class:`~csp_rules._lazy.Once` of the package, every module-level cache (a private
dict that is empty right after import, found when the plugin is first loaded) and the enums'
lookup tables.
"""

from __future__ import annotations

import enum
import importlib
import pkgutil
from types import ModuleType
from typing import Any

_CACHES: list[dict[Any, Any]] = []
_MODULES: list[ModuleType] = []


def _discover() -> None:
    """Import every module of csp_rules (import does no work) and note its caches while they are empty."""
    if _MODULES:
        return
    import csp_rules

    for info in pkgutil.walk_packages(csp_rules.__path__, "csp_rules."):
        if info.name.endswith("__main__"):
            continue
        module = importlib.import_module(info.name)
        _MODULES.append(module)
        for name, value in vars(module).items():
            if type(value) is dict and name.startswith("_") and not name.startswith("__") and not value:
                _CACHES.append(value)


def reset() -> int:
    """Make every lazy resource of csp_rules cold again; return how many were reset."""
    from csp_rules._lazy import Once

    _discover()
    count = 0
    for module in _MODULES:
        for value in vars(module).values():
            if isinstance(value, Once):
                value._box.clear()
                count += 1
            elif (
                isinstance(value, type) and issubclass(value, enum.Enum) and "_lookup_table" in value.__dict__
            ):
                type.__delattr__(value, "_lookup_table")
                count += 1
    for cache in _CACHES:
        cache.clear()
        count += 1
    return count


def pytest_configure(config: Any) -> None:
    _discover()


def pytest_sessionstart(session: Any) -> None:
    reset()
