"""DataFrame conventions for :mod:`csp_rules.batch`: a polars ``LazyFrame`` evaluated lazily, and the
``csp`` accessor of pandas and the ``csp`` namespace of polars.

Private; :mod:`csp_rules.batch` documents them. Importing :mod:`csp_rules.batch` registers the
accessor and the namespaces with pandas and polars **without importing either**: a library already
imported is registered at once; one imported later is registered right after its own import (a
one-shot import hook, removed once both are registered). ``import csp_rules`` alone does nothing.

>>> import pandas as pd
>>> from datetime import datetime, timezone
>>> df = pd.DataFrame({"market": ["FR"], "order_id": ["O-1"], "product_name": ["Visio"],
...                    "kind": ["perpetual_software"], "purchased_at": ["2020-03-01"]})
>>> df.csp.evaluate(at=datetime(2020, 3, 2, tzinfo=timezone.utc))["days_left"].tolist()
[59]
"""

from __future__ import annotations

import contextlib
import importlib.abc
import importlib.machinery
import sys
import threading
from collections.abc import Sequence
from datetime import datetime
from types import ModuleType
from typing import Any

from ..rulesets import Rules

__all__ = ["evaluate_lazy", "register"]


def evaluate_lazy(frame: Any, at: datetime, rules: Rules | None, options: Any) -> Any:
    """A polars ``LazyFrame`` of the results: its batches are evaluated as they come (each row alone, so
    ``streamable``), the output schema declared; missing columns are refused now, not at ``collect``."""
    import polars as pl
    import pyarrow as pa

    from . import evaluate, output_schema
    from ._columns import plan_columns

    schema = frame.collect_schema()
    plan_columns(list(schema.names()))  # missing or ambiguous columns: refused now
    empty = pl.DataFrame(schema=schema)
    arrow_in = empty.to_arrow().schema
    out = pl.from_arrow(pa.Table.from_pylist([], schema=output_schema(arrow_in)))
    assert isinstance(out, pl.DataFrame)
    declared = out.schema
    kwargs = {"lang": options.lang, "date_order": options.date_order, "decimal_comma": options.decimal_comma}

    def run(batch: Any) -> Any:
        result = evaluate(batch, at=at, rules=rules, **kwargs)
        return result.cast(dict(declared.items()))  # a batch with a null column keeps the declared types

    return frame.map_batches(run, schema=declared, streamable=True)


# --- accessors --------------------------------------------------------------------------------


class _Accessor:
    """``df.csp``: :func:`csp_rules.batch.evaluate` as a method of the frame."""

    def __init__(self, frame: Any) -> None:
        self._frame = frame

    def evaluate(
        self,
        *,
        at: datetime,
        rules: Rules | None = None,
        lang: str = "en",
        date_order: str = "mdy",
        decimal_comma: bool = False,
    ) -> Any:
        """Evaluate every row at ``at``: ``csp_rules.batch.evaluate(frame, at=at, ...)``."""
        from . import evaluate

        return evaluate(
            self._frame, at=at, rules=rules, lang=lang, date_order=date_order, decimal_comma=decimal_comma
        )


def _register_pandas(pandas: ModuleType) -> None:
    pandas.api.extensions.register_dataframe_accessor("csp")(_Accessor)


def _register_polars(polars: ModuleType) -> None:
    polars.api.register_dataframe_namespace("csp")(_Accessor)
    polars.api.register_lazyframe_namespace("csp")(_Accessor)


_REGISTER = {"pandas": _register_pandas, "polars": _register_polars}
_LOCK = threading.Lock()
_DONE: set[str] = set()


def _registered(name: str, module: ModuleType) -> None:
    with _LOCK:
        if name in _DONE:
            return
        _DONE.add(name)
    _REGISTER[name](module)


class _Loader(importlib.abc.Loader):
    """A library's own loader, then its registration."""

    def __init__(self, loader: Any, name: str, hook: _Hook) -> None:
        self._loader = loader
        self._name = name
        self._hook = hook

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        create = getattr(self._loader, "create_module", None)
        return None if create is None else create(spec)

    def exec_module(self, module: ModuleType) -> None:
        module.__loader__ = self._loader
        if module.__spec__ is not None:
            module.__spec__.loader = self._loader
        self._loader.exec_module(module)
        self._hook.done(self._name)
        _registered(self._name, module)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._loader, name)


class _Hook(importlib.abc.MetaPathFinder):
    """Finds pandas or polars as the other finders do, then registers it once it is imported."""

    def __init__(self, names: set[str]) -> None:
        self.pending = set(names)

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname not in self.pending:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None:
                break
        else:
            return None
        if spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        spec.loader = _Loader(spec.loader, fullname, self)
        return spec

    def done(self, name: str) -> None:
        self.pending.discard(name)
        if not self.pending:
            with contextlib.suppress(ValueError):  # removed already
                sys.meta_path.remove(self)


def register() -> None:
    """Register the accessor and namespaces with pandas and polars, now for those imported, else on import."""
    pending = set()
    for name in _REGISTER:
        module = sys.modules.get(name)
        if module is not None and getattr(module, "api", None) is not None:
            _registered(name, module)
        elif name not in _DONE:
            pending.add(name)
    if pending and not any(isinstance(f, _Hook) for f in sys.meta_path):
        sys.meta_path.insert(0, _Hook(pending))
