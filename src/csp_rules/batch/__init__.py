"""Batch (R3, R4.1, R7, R8.4): evaluate a whole table of purchases at columnar speed.

This package owns no rule: it reads columns and indexes the rule modules' own tables (see
:mod:`csp_rules.batch._engine`).

:func:`evaluate` takes a table of purchases (a :class:`pyarrow.Table` or
:class:`~pyarrow.RecordBatch`, a pandas or a polars ``DataFrame``) and returns the same kind of
table, **same rows in the same order**, its columns kept, with these columns added
(:data:`RESULT_SCHEMA`; :data:`RESULT_DDL` is the same as a Spark DDL string):

==========================  ==========================================================================
column                      value (the scalar function it equals)
==========================  ==========================================================================
``market_code``             ISO 3166-1 alpha-2 code (:func:`csp_rules.markets.resolve`)
``reservations_available``  R3 (:func:`csp_rules.markets.reservations_available`)
``price_includes_tax``      R4.1 (:func:`csp_rules.tax.price_includes_tax`)
``cancellation_outcome``    R7: the :class:`~csp_rules.cancellation.Outcome` value, ``self_service``...
``cancel_deadline``         end of the window, exclusive, UTC (``CancellationDecision.deadline``)
``days_left``               whole days left at ``at`` (``CancellationDecision.days_left``)
``credit_amount``           R8.4: the credit **if the order is cancelled at** ``at``
                            (``refund_credit(purchase, cancelled_at=at).amount``)
``credit_currency``         the credit's currency
``rules_version``           the version applied (``S2018`` ... ``S2022-07-11``, or yours)
``reasons``                 the decision's reason codes, space-separated (``rules.unverified_after``...)
``error_code``              the :attr:`~csp_rules.errors.CspRulesError.code` of the row's error
``error_message``           that error's message, on one line
==========================  ==========================================================================

Every row is judged as the scalar functions judge it, at the instant ``at`` (the "now" of
``days_left`` and the outcome, and the cancellation instant of the credit), under ``rules`` (one
rule set) or the version of the chain (by default the shipped one) in force on the row's date: its
purchase date, or ``term_started_at`` for a renewed software subscription (R11.2, R11.5).
The computation is columnar (Arrow compute kernels and numpy, no Python call per row); markets,
product names, kinds and currencies go through the scalar code once per *distinct* value. The
result of a row depends on that row only, never on how a table is split into batches.

**Columns.** The canonical names are ``market``, ``order_id``, ``product_name``, ``sku_name``,
``kind`` (the :class:`~csp_rules.facts.ProductKind` value in lower case,
``software_subscription``...), ``purchased_at``, ``price``, ``currency``, ``term_start`` and
``term_end``; a table may instead
use the names of Partner Center's one-time purchase reconciliation files, 2019 or 2020 layout
(``CustomerCountry``/``Customer Country``, ``OrderId``/``Order ID``, ``ProductName``, ``SkuName``,
``OrderDate``, ``Subtotal``, ``Currency``, ``ChargeStartDate``, ``ChargeEndDate``,
``TermAndBillingCycle``, ``ReservationOrderId``...), where ``kind`` is derived from the row. The
mapping, and how ``kind`` is derived, is documented in ``docs/howto_batch.rst``. Required:
``market``, ``order_id``, ``product_name``, ``purchased_at`` and ``kind`` (or
``TermAndBillingCycle``); missing ones raise one :class:`~csp_rules.errors.MissingColumnsError`
naming them all, before any row is read. ``price`` (with ``currency``), the term columns (both)
and ``sku_name`` are optional: without them the credits that need them are null. Columns the
results do not read are kept as they are and not validated. Result columns already in the input
(a table evaluated before) are replaced.

**Values.** Instants are Arrow timestamps of any unit (with a time zone; without one only for
``OrderDate``, which Partner Center writes in UTC), dates (00:00 UTC) or ISO 8601 text; amounts
are decimals (any width, precision and scale), integers or text, read as
:class:`~csp_rules.facts.Money` reads them and with its range (``1E+31`` is refused on its row,
as ``Money`` refuses it); floats are refused, as ``Money`` refuses them; term dates are dates or
``YYYY-MM-DD`` text. Text is any string or binary type (binary is UTF-8); numbers in a text
column are read as their text. Dictionary-encoded and run-end encoded columns are read as their
values; a column without a single value is a column of nulls, whatever its type. A column of a
type its field cannot hold (a struct or a list anywhere, a number as a date, a date as a
price...) raises one :class:`~csp_rules.errors.InvalidInputError` naming the column (its
``field``), before any row is read.

**Bad rows.** A row the scalar path would refuse gets the code of the
:class:`~csp_rules.errors.CspRulesError` it would raise (``error.unknown_market``,
``error.invalid_date``, ``error.invalid_amount``...) and null results; the other rows are
evaluated. A value that cannot be read at all (binary that is not UTF-8) is reported first
(``error.invalid_field``; ``error.invalid_date``, ``error.invalid_amount`` in an instant or an
amount column); then the first problem is reported, looked for in the order of the scalar path: price
(``Money``), currency, order ID, product name, kind, purchase instant, negative price, term
dates, SKU name, term order (``Purchase``), market, rule set in force, ``at`` before the
purchase, the deadline past year 9999, then the credit (a price with more decimals than its
currency's minor unit). A null in a required column is
``error.missing_field``. A credit that would need a price or a term the row does not have is
null, not an error.

>>> from datetime import datetime, timezone
>>> import pyarrow as pa
>>> t = pa.table({
...     "market": ["FR", "AU", "Atlantis"],
...     "order_id": ["O-1", "O-2", "O-3"],
...     "product_name": ["Office 365 E3", "Windows Server 2019 Standard", "Visio"],
...     "kind": ["software_subscription", "perpetual_software", "perpetual_software"],
...     "purchased_at": ["2020-03-01", "2020-03-01", "2020-03-01"],
...     "price": ["120.00", "972.00", "10.00"],
...     "currency": ["EUR", "AUD", "USD"],
...     "term_start": ["2020-03-01", None, None],
...     "term_end": ["2020-03-31", None, None],
... })
>>> out = evaluate(t, at=datetime(2020, 3, 2, 15, tzinfo=timezone.utc))
>>> out.select(["market_code", "cancellation_outcome", "days_left", "credit_amount"]).to_pylist()[:2]
[{'market_code': 'FR', 'cancellation_outcome': 'self_service', 'days_left': 58, 'credit_amount': Decimal('116.0000')}, {'market_code': 'AU', 'cancellation_outcome': 'self_service', 'days_left': 58, 'credit_amount': Decimal('972.0000')}]
>>> out.column("price_includes_tax").to_pylist(), out.column("error_code").to_pylist()
([False, True, None], [None, None, 'error.unknown_market'])
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar, cast

try:
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
except ImportError as _exc:  # pragma: no cover - depends on the installation
    raise ImportError("csp_rules.batch needs pyarrow: pip install 'csp-rules[arrow]'") from _exc

from .. import _time
from ..errors import InvalidInputError
from ..rulesets import RuleChain, Rules, RuleSet
from . import _read
from ._columns import ColumnPlan, plan_columns
from ._engine import OUTCOMES, RESULT_COLUMNS, RESULT_DDL, RESULT_SCHEMA, SLICE_ROWS, results

__all__ = [
    "OUTCOMES",
    "RESULT_COLUMNS",
    "RESULT_DDL",
    "RESULT_SCHEMA",
    "SLICE_ROWS",
    "evaluate",
    "output_schema",
]

TableT = TypeVar("TableT")


def output_schema(schema: pa.Schema) -> pa.Schema:
    """The Arrow schema :func:`evaluate` returns for an input of ``schema``: its columns, then :data:`RESULT_SCHEMA`.

    Result columns already in ``schema`` are replaced (moved to the end). A non-schema raises
    ``TypeError``.

    >>> s = output_schema(pa.schema([("market", pa.string())]))
    >>> s.names[:3], len(s) == 1 + len(RESULT_COLUMNS)
    (['market', 'market_code', 'reservations_available'], True)
    """
    if not isinstance(schema, pa.Schema):
        raise TypeError(f"schema: expected a pyarrow Schema, got {type(schema).__name__}")
    kept = [f for f in schema if f.name not in RESULT_COLUMNS]
    return pa.schema(kept + list(RESULT_SCHEMA), metadata=schema.metadata)


def evaluate(table: TableT, *, at: datetime, rules: Rules | None = None) -> TableT:
    """Evaluate every row of ``table`` at the instant ``at`` (R3, R4.1, R7, R8.4); see the module docstring.

    :param table: a :class:`pyarrow.Table`, :class:`pyarrow.RecordBatch`, pandas ``DataFrame`` or
        polars ``DataFrame`` (pandas and polars are imported only for such inputs).
    :param at: an aware datetime: the "now" of the outcome and ``days_left``, and the cancellation
        instant of ``credit_amount``.
    :param rules: one rule set for every row, or a :class:`~csp_rules.rulesets.RuleChain` whose
        version in force on each row's date judges it (R11.5); by default the shipped chain. A row's
        date is its purchase date, or ``term_started_at`` for a renewed software subscription (R11.2).
    :returns: the same kind of table, same rows in the same order, with :data:`RESULT_COLUMNS`.
    :raises MissingColumnsError: a required column is missing (one error naming all of them).
    :raises NaiveDatetimeError: ``at`` has no time zone.
    :raises InvalidAmountError: the price column holds floats.
    :raises InvalidInputError: a column is of a type its field cannot hold (the error's ``field``
        is the column's name), or a pandas or polars column has no Arrow equivalent.
    :raises TypeError: ``table`` is not one of the kinds above, ``at`` not a datetime or ``rules``
        not a :class:`~csp_rules.rulesets.RuleSet` or :class:`~csp_rules.rulesets.RuleChain`.
    """
    at_utc = _time.require_aware(at, "at")
    if rules is not None and not isinstance(rules, (RuleSet, RuleChain)):
        raise TypeError(f"rules: expected a RuleSet or a RuleChain, got {type(rules).__name__}")
    result: Any
    module = type(table).__module__.split(".", 1)[0]
    name = type(table).__name__
    if isinstance(table, pa.Table):
        result = _evaluate_table(table, at_utc, rules)
    elif isinstance(table, pa.RecordBatch):
        result = _evaluate_batch(table, at_utc, rules)
    elif module == "pandas" and name == "DataFrame":
        result = _evaluate_pandas(table, at_utc, rules)
    elif module == "polars" and name == "DataFrame":
        result = _evaluate_polars(table, at_utc, rules)
    else:
        result = None
    if result is not None:
        return cast(TableT, result)
    hint = ""
    if module == "dask":
        hint = "; for Dask use ddf.map_partitions(batch.evaluate, at=..., meta=...)"
    elif module == "pyspark":
        hint = "; for Spark use df.mapInArrow (see docs/howto_batch.rst)"
    elif module == "polars":
        hint = "; collect a LazyFrame first"
    raise TypeError(
        "table: expected a pyarrow Table or RecordBatch, a pandas or a polars DataFrame, "
        f"got {module}.{name}{hint}"
    )


# --- adapters -------------------------------------------------------------------------------


def _results(
    columns: dict[str, pa.Array | pa.ChunkedArray],
    n: int,
    plan: ColumnPlan,
    at: datetime,
    rules: Rules | None,
    described: dict[str, str] | None = None,
) -> list[pa.ChunkedArray]:
    """The result columns: the columns' types checked and converted first, unreadable values reported on their rows."""
    prepared, unreadable = _read.prepare(columns, plan.columns, n, described)
    computed = results(prepared, n, plan, at, rules)
    if unreadable is None:
        return computed
    # a row with a value that cannot be read at all: that error, and null results (as any bad row)
    bad = ~unreadable.free()
    mask = _read.booleans(bad)
    entry = np.maximum(unreadable.idx, 0)
    out = []
    for field, column in zip(RESULT_SCHEMA, computed, strict=True):
        if field.name in ("error_code", "error_message"):
            texts = [code if field.name == "error_code" else message for code, message in unreadable.entries]
            value: Any = _read.strings(texts).take(_read.ints(entry, pa.int32()))
        else:
            value = pa.scalar(None, field.type)
        out.append(pa.chunked_array([pc.if_else(mask, value, _single(column))], type=field.type))
    return out


def _evaluate_table(table: pa.Table, at: datetime, rules: Rules | None) -> pa.Table:
    plan = plan_columns(table.column_names)
    columns = {field: table.column(name) for field, name in plan.columns.items()}
    computed = _results(columns, table.num_rows, plan, at, rules)
    base = table.drop_columns([c for c in RESULT_COLUMNS if c in table.column_names])
    for field, column in zip(RESULT_SCHEMA, computed, strict=True):
        base = base.append_column(field, column)
    return base


def _evaluate_batch(batch: pa.RecordBatch, at: datetime, rules: Rules | None) -> pa.RecordBatch:
    plan = plan_columns(batch.schema.names)
    columns: dict[str, pa.Array | pa.ChunkedArray] = {
        field: batch.column(name) for field, name in plan.columns.items()
    }
    computed = _results(columns, batch.num_rows, plan, at, rules)
    keep = [i for i, name in enumerate(batch.schema.names) if name not in RESULT_COLUMNS]
    arrays = [batch.column(i) for i in keep] + [_single(c) for c in computed]
    return pa.RecordBatch.from_arrays(arrays, schema=output_schema(batch.schema))


def _single(column: pa.ChunkedArray) -> pa.Array:
    return column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)


def _to_arrow(series: Any, name: str) -> pa.Array:
    """A pandas column as an Arrow array (Python ints past 64 bits as exact decimals), or an error naming it."""
    import pandas as pd

    if isinstance(series.dtype, pd.SparseDtype):
        series = series.sparse.to_dense()
    try:
        return pa.array(series, from_pandas=True)
    except OverflowError:  # Python ints past 64 bits in an object column: exact decimals instead
        series = series.map(lambda v: Decimal(v) if type(v) is int else v)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, TypeError, ValueError):
        raise _unreadable_series(series, name) from None
    try:
        return pa.array(series, from_pandas=True)
    except (
        pa.ArrowInvalid,
        pa.ArrowTypeError,
        pa.ArrowNotImplementedError,
        TypeError,
        ValueError,
        OverflowError,
    ):
        raise _unreadable_series(series, name) from None


def _unreadable_series(series: Any, name: str) -> InvalidInputError:
    """Why a pandas column is not a table column, in the library's words."""
    detail = f"its pandas dtype {series.dtype} has no table type"
    if series.dtype == object:
        kinds = sorted(
            {type(v).__name__ for v in series if v is not None and not (isinstance(v, float) and v != v)}
        )
        if len(kinds) > 1:
            shown = ", ".join(kinds[:6]) + (", ..." if len(kinds) > 6 else "")
            detail = f"it mixes values of several kinds ({shown}); give one kind per column"
        elif kinds:
            detail = f"its values ({kinds[0]}) have no table type; give text, numbers or dates"
    return InvalidInputError(
        f"{name}: cannot read this column: {detail}", field=name, value=str(series.dtype)
    )


def _evaluate_pandas(df: Any, at: datetime, rules: Rules | None) -> Any:
    import pandas as pd

    names = [c for c in df.columns if isinstance(c, str)]
    plan = plan_columns(names)
    columns: dict[str, pa.Array | pa.ChunkedArray] = {}
    for field, name in plan.columns.items():
        series = df[name]
        if isinstance(series, pd.DataFrame):
            raise InvalidInputError(
                f"{name}: the DataFrame has several columns of this name", field=name, value=name
            )
        columns[field] = _to_arrow(series, name)
    computed = _results(columns, len(df), plan, at, rules)
    table = pa.Table.from_arrays(computed, schema=RESULT_SCHEMA)
    mapper = {pa.int32(): pd.Int32Dtype(), pa.bool_(): pd.BooleanDtype()}
    frame = table.to_pandas(types_mapper=mapper.get)
    base = df.drop(columns=[c for c in RESULT_COLUMNS if c in df.columns])
    return base.assign(**{c: frame[c].array for c in RESULT_COLUMNS})


def _evaluate_polars(df: Any, at: datetime, rules: Rules | None) -> Any:
    import polars as pl

    plan = plan_columns(df.columns)
    columns: dict[str, pa.Array | pa.ChunkedArray] = {}
    described: dict[str, str] = {}
    wide = tuple(t for t in (getattr(pl, "Int128", None), getattr(pl, "UInt128", None)) if t is not None)
    for field, name in plan.columns.items():
        series = df.get_column(name)
        dtype = series.dtype
        if dtype in wide:
            # pyarrow cannot import polars' 128-bit integers (older versions saw decimal128(38, 0),
            # or failed): read them exactly, as decimals of 40 digits
            columns[field] = pc.cast(series.cast(pl.String).to_arrow(), pa.decimal256(40, 0))
            described[field] = f"{dtype} (polars)"
            continue
        if dtype == pl.Object:
            raise InvalidInputError(
                f"{name}: a column of Python objects (polars Object) cannot be read; give text, numbers or dates",
                field=name,
                value=str(dtype),
            )
        try:
            columns[field] = series.to_arrow()
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
            raise InvalidInputError(
                f"{name}: a column of polars type {dtype} cannot be read", field=name, value=str(dtype)
            ) from None
    computed = _results(columns, df.height, plan, at, rules, described)
    frame = pl.from_arrow(pa.Table.from_arrays(computed, schema=RESULT_SCHEMA))
    assert isinstance(frame, pl.DataFrame)
    base = df.drop([c for c in RESULT_COLUMNS if c in df.columns])
    return base.hstack(frame)
