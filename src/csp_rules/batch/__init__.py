"""Batch (R3, R4.1, R7, R8.4): evaluate a whole table of purchases at columnar speed, every row explained.

This package owns no rule: it reads columns and indexes the rule modules' own tables (see
:mod:`csp_rules.batch._engine`).

:func:`evaluate` takes a table of purchases (a :class:`pyarrow.Table` or
:class:`~pyarrow.RecordBatch`, a pandas or a polars ``DataFrame``, a polars ``LazyFrame``, or a
list of records such as Partner Center API line items) and returns the same kind of table,
**same rows in the same order**, its columns kept, with these columns added
(:data:`RESULT_SCHEMA`; :data:`RESULT_DDL` is the same as a Spark DDL string):

==========================  ==========================================================================
column                      value (the scalar function it equals)
==========================  ==========================================================================
``row_type``                what the line is, from ``ChargeType``: ``purchase``, ``renewal``,
                            ``credit`` or ``other`` (only purchases and renewals are judged)
``kind``                    the :class:`~csp_rules.facts.ProductKind` value the row was taken to be
``kind_source``             the evidence that told the kind (:data:`KIND_SOURCES`), never a guess
``market_code``             ISO 3166-1 alpha-2 code (:func:`csp_rules.markets.resolve`)
``reservations_available``  R3 (:func:`csp_rules.markets.reservations_available`, ``on=`` the
                            purchase date: the dashboard list in force then, R3.4)
``price_includes_tax``      R4.1 (:func:`csp_rules.tax.price_includes_tax`)
``cancellation_outcome``    R7: the :class:`~csp_rules.cancellation.Outcome` value, ``self_service``...
``cancel_deadline``         end of the window, exclusive, UTC (``CancellationDecision.deadline``)
``days_left``               whole days left at ``at`` (``CancellationDecision.days_left``)
``credit_amount``           R8.4: the credit **if the order is cancelled at** ``at``
                            (``refund_credit(purchase, cancelled_at=at).amount``)
``credit_currency``         the credit's currency
``rules_version``           the rule set applied (``S2018``, ``S2020``... or yours)
``reasons``                 the decision's reason codes, space-separated (``CancellationDecision.reasons``;
                            a line not judged: ``batch.credit_line``, ``batch.not_a_purchase`` or
                            ``batch.unknown_charge_type``)
``rule_numbers``            the RULES.md numbers that decided, space-separated (``.rule_numbers``)
``explanation``             one sentence saying what was decided and why, in ``lang``
``error_code``              the :attr:`~csp_rules.errors.CspRulesError.code` of the row's error
``error_message``           that error's message, on one line
``evaluated_at``            the instant ``at`` the row was judged at (the same on every row; a
                            ``pyarrow.Table`` also has it in its schema metadata, :data:`EVALUATED_AT`)
==========================  ==========================================================================

Every purchase row is judged as the scalar functions judge it, at the instant ``at`` (the "now"
of ``days_left`` and the outcome, and the cancellation instant of the credit), under ``rules``
or, by default, the version of the shipped chain its date selects
(:func:`~csp_rules.rulesets.rules_in_force`; a renewed subscription's term start, R11.2). The
computation is columnar (Arrow compute kernels and numpy, no Python call per row); markets,
product names, kinds and currencies go through the scalar code once per *distinct* value, and
sentences once per distinct template. The result of a row depends on that row only, never on
how a table is split into batches.

**Columns.** The canonical names are ``market``, ``order_id``, ``product_name``, ``sku_name``,
``kind`` (the :class:`~csp_rules.facts.ProductKind` value in lower case,
``software_subscription``...), ``purchased_at``, ``price``, ``currency``, ``term_start``,
``term_end``, ``term_started_at`` and ``charge_type``; a table may instead use the names of
Partner Center's one-time purchase reconciliation files, 2019 or 2020 layout
(``CustomerCountry``/``Customer Country``, ``OrderId``/``Order ID``, ``ProductName``, ``SkuName``,
``OrderDate``, ``ChargeType``/``Charge Type``, ``Subtotal``, ``Currency``, ``ChargeStartDate``,
``ChargeEndDate``, ``TermAndBillingCycle``, ``ReservationOrderId``, ``MeterDescription``...) or of
the API's line items (``customerCountry``, ``orderId``...), where ``kind`` is told by evidence
only: a ``ReservationOrderId``, reservation or software-plan wording, then ``TermAndBillingCycle``
(``error.unknown_kind`` when nothing tells it). The mapping, the kind's evidence and the
``ChargeType`` values are documented in ``docs/howto_batch.rst``. Required: ``market``,
``order_id``, ``product_name``, ``purchased_at`` and ``kind`` (or ``TermAndBillingCycle``);
missing ones raise one :class:`~csp_rules.errors.MissingColumnsError` naming them all, before
any row is read. ``price`` (with ``currency``), the term columns (both) and ``sku_name`` are
optional: without them the credits that need them are null. Columns the results do not read are
kept as they are and not validated. Result columns already in the input (a table evaluated
before) are replaced.

**Values.** Instants are Arrow timestamps of any unit (with a time zone; without one only for
``OrderDate``, which Partner Center writes in UTC), dates (00:00 UTC) or ISO 8601 text; the
reconciliation dates may also be Partner Center's en-US text (``10/3/2020``,
``11/21/2019 2:05:00 PM``, in UTC), read month first unless ``date_order="dmy"``; a value that is
no valid date in that order is ``error.invalid_date``, never swapped. Amounts are decimals (any
width, precision and scale), integers or text, read as :class:`~csp_rules.facts.Money` reads
them and with its range (``1E+31`` is refused on its row, as ``Money`` refuses it), or, with
``decimal_comma=True``, text written with a decimal comma (``1.234,56``); floats are refused, as
``Money`` refuses them; term dates are dates or ``YYYY-MM-DD`` text. Text is any string or binary
type (binary is UTF-8); numbers in a text column are read as their text; ``NA`` is Namibia: only
a null is missing. Dictionary-encoded and run-end encoded columns are read as their values; a
column without a single value is a column of nulls, whatever its type. A column of a type its
field cannot hold (a struct or a list anywhere, a number as a date, a date as a price...) raises
one :class:`~csp_rules.errors.InvalidInputError` naming the column (its ``field``), before any
row is read.

**Bad rows.** A purchase row the scalar path would refuse gets the code of the
:class:`~csp_rules.errors.CspRulesError` it would raise (``error.unknown_market``,
``error.invalid_date``, ``error.invalid_amount``...) and null results; the other rows are
evaluated. A value that cannot be read at all (binary that is not UTF-8) is reported first
(``error.invalid_field``; ``error.invalid_date``, ``error.invalid_amount`` in an instant or an
amount column); then the first problem is reported, looked for in the order of the scalar path:
``ChargeType`` (a blank one), price (``Money``), currency, order ID, product name, kind, purchase
instant, negative price, term dates, SKU name, term order (``Purchase``), the term's start of a
renewal, market, rule set in force, ``at`` before the purchase, the deadline past year 9999, then
the credit (a price with more decimals than its currency's minor unit). A null in a required
column is ``error.missing_field``. A credit that would need a price or a term the row does not
have is null, not an error. A line that is not a purchase (a credit, a conversion...) is not
judged and is no error: its ``reasons`` and ``explanation`` say what it is.

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
>>> print(out.column("explanation")[0])
Self-service cancellation, no fee (R7.1): 58 full days left, until Apr 30, 2020, 12:00:00\u202fAM UTC.
>>> print(evaluate(t, at=datetime(2020, 3, 2, 15, tzinfo=timezone.utc), lang="fr").column("explanation")[1])
Annulation en libre-service, sans frais (R7.1) : il reste 58 jours entiers, jusqu'au 30 avr. 2020, 00:00:00 UTC.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, Final, TypeVar, cast

try:
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
except ImportError as _exc:  # pragma: no cover - depends on the installation
    raise ImportError("csp_rules.batch needs pyarrow: pip install 'csp-rules[arrow]'") from _exc

from .. import _l10n, _time
from ..errors import InvalidFieldError, InvalidInputError
from ..rulesets import RuleChain, Rules, RuleSet
from . import _frames, _read, _records
from ._columns import CHARGE_TYPES, KIND_SOURCES, ROW_TYPES, ColumnPlan, plan_columns
from ._engine import (
    OUTCOMES,
    RESULT_COLUMNS,
    RESULT_DDL,
    RESULT_SCHEMA,
    SLICE_ROWS,
    Options,
    results,
)
from ._read import DATE_ORDERS
from ._records import read_json
from ._summary import Summary, summarize

__all__ = [
    "CHARGE_TYPES",
    "DATE_ORDERS",
    "EVALUATED_AT",
    "KIND_SOURCES",
    "OUTCOMES",
    "REASON_CODES",
    "RESULT_COLUMNS",
    "RESULT_DDL",
    "RESULT_SCHEMA",
    "ROW_TYPES",
    "SLICE_ROWS",
    "Summary",
    "evaluate",
    "output_schema",
    "read_json",
    "summarize",
]

#: the reason codes of the lines that are not judged (messages in ``data/messages/batch.json``)
REASON_CODES: Final[frozenset[str]] = frozenset(
    {"batch.credit_line", "batch.not_a_purchase", "batch.unknown_charge_type"}
)

TableT = TypeVar("TableT")

#: the key of the instant ``at`` in the schema metadata of a table :func:`evaluate` returns (and of
#: the Parquet files written from it, ``csp-rules evaluate -o results.parquet`` too)
EVALUATED_AT: Final = b"csp_rules.evaluated_at"


def output_schema(schema: pa.Schema) -> pa.Schema:
    """The Arrow schema :func:`evaluate` returns for an input of ``schema``: its columns, then :data:`RESULT_SCHEMA`.

    Result columns already in ``schema`` are replaced (moved to the end). A non-schema raises
    ``TypeError``.

    >>> s = output_schema(pa.schema([("market", pa.string())]))
    >>> s.names[:3], len(s) == 1 + len(RESULT_COLUMNS)
    (['market', 'row_type', 'kind'], True)
    """
    if not isinstance(schema, pa.Schema):
        raise TypeError(f"schema: expected a pyarrow Schema, got {type(schema).__name__}")
    kept = [f for f in schema if f.name not in RESULT_COLUMNS]
    return pa.schema(kept + list(RESULT_SCHEMA), metadata=schema.metadata)


def evaluate(
    table: TableT,
    *,
    at: datetime,
    rules: RuleSet | RuleChain | None = None,
    lang: str = "en",
    date_order: str = "mdy",
    decimal_comma: bool = False,
) -> TableT:
    """Evaluate every row of ``table`` at the instant ``at`` (R3, R4.1, R7, R8.4); see the module docstring.

    :param table: a :class:`pyarrow.Table`, :class:`pyarrow.RecordBatch`, pandas ``DataFrame``,
        polars ``DataFrame`` or ``LazyFrame`` (pandas and polars are imported only for such
        inputs), or a list of records (mappings of column names to values, such as Partner Center
        API line items: :func:`read_json` reads them from a file).
    :param at: an aware datetime: the "now" of the outcome and ``days_left``, and the cancellation
        instant of ``credit_amount``.
    :param rules: one rule set for every row, or a chain of versions (a user's version added to the
        shipped ones, :meth:`~csp_rules.rulesets.RuleChain.with_version`) whose version in force at
        each row's date judges it; by default the shipped chain.
    :param lang: the language of the ``explanation`` column: ``"en"``, ``"fr"`` or a variant
        (``"fr_CA"``).
    :param date_order: how the en-US dates of reconciliation columns are read: ``"mdy"``
        (Partner Center's ``M/D/YYYY``) or ``"dmy"`` (a file re-saved in a day-first locale).
    :param decimal_comma: read text amounts written with a decimal comma (``1.234,56``), as a
        European re-save writes them; a decimal point there groups thousands.
    :returns: the same kind of table (a LazyFrame stays lazy: its batches are mapped, the output
        schema declared; a list of records gives a list of dicts), same rows in the same order,
        with :data:`RESULT_COLUMNS`.
    :raises MissingColumnsError: a required column is missing (one error naming all of them).
    :raises NaiveDatetimeError: ``at`` has no time zone.
    :raises InvalidAmountError: the price column holds floats.
    :raises InvalidInputError: a column is of a type its field cannot hold (the error's ``field``
        is the column's name), or a pandas or polars column has no Arrow equivalent.
    :raises UnsupportedLocaleError: ``lang`` is not English or French.
    :raises InvalidFieldError: ``date_order`` is neither ``"mdy"`` nor ``"dmy"``.
    :raises TypeError: ``table`` is not one of the kinds above, ``at`` not a datetime, ``rules``
        not a :class:`~csp_rules.rulesets.RuleSet` or chain, or another argument of the wrong type.
    """
    at_utc = _time.require_aware(at, "at")
    if rules is not None and not isinstance(rules, (RuleSet, RuleChain)):
        raise TypeError(f"rules: expected a RuleSet or a RuleChain, got {type(rules).__name__}")
    options = _options(lang, date_order, decimal_comma)
    result: Any
    module = type(table).__module__.split(".", 1)[0]
    name = type(table).__name__
    if isinstance(table, pa.Table):
        result = _evaluate_table(table, at_utc, rules, options)
    elif isinstance(table, pa.RecordBatch):
        result = _evaluate_batch(table, at_utc, rules, options)
    elif module == "pandas" and name == "DataFrame":
        result = _evaluate_pandas(table, at_utc, rules, options)
    elif module == "polars" and name == "DataFrame":
        result = _evaluate_polars(table, at_utc, rules, options)
    elif module == "polars" and name == "LazyFrame":
        result = _frames.evaluate_lazy(table, at_utc, rules, options)
    elif isinstance(table, Sequence) and not isinstance(table, (str, bytes, bytearray)):
        records = _records.to_table(table)
        result = _records.from_table(_evaluate_table(records, at_utc, rules, options), table, RESULT_COLUMNS)
    else:
        result = None
    if result is not None:
        return cast(TableT, result)
    hint = ""
    if module == "dask":
        hint = "; for Dask use ddf.map_partitions(batch.evaluate, at=..., meta=...)"
    elif module == "pyspark":
        hint = "; for Spark use df.mapInArrow (see docs/howto_batch.rst)"
    elif isinstance(table, Mapping):
        hint = "; for a page of API line items give its 'items' (or read the file with batch.read_json)"
    raise TypeError(
        "table: expected a pyarrow Table or RecordBatch, a pandas or a polars DataFrame or LazyFrame, "
        f"or a list of records, got {module}.{name}{hint}"
    )


def _options(lang: Any, date_order: Any, decimal_comma: Any) -> Options:
    _l10n.babel_locale(lang)  # TypeError or UnsupportedLocaleError, now
    if not isinstance(date_order, str):
        raise TypeError(f"date_order: expected 'mdy' or 'dmy', got {type(date_order).__name__}")
    if date_order not in DATE_ORDERS:
        raise InvalidFieldError(
            f"date_order: expected 'mdy' or 'dmy', got {date_order[:40]!r}",
            field="date_order",
            value=date_order,
        )
    if not isinstance(decimal_comma, bool):
        raise TypeError(f"decimal_comma: expected a bool, got {type(decimal_comma).__name__}")
    return Options(lang=lang, date_order=date_order, decimal_comma=decimal_comma, slice_rows=SLICE_ROWS)


# --- adapters -------------------------------------------------------------------------------


def _results(
    columns: dict[str, pa.Array | pa.ChunkedArray],
    n: int,
    plan: ColumnPlan,
    at: datetime,
    rules: Rules | None,
    options: Options,
    described: dict[str, str] | None = None,
) -> list[pa.ChunkedArray]:
    """The result columns: the columns' types checked and converted first, unreadable values reported on their rows."""
    prepared, unreadable = _read.prepare(columns, plan.columns, n, described)
    computed = results(prepared, n, plan, at, rules, options)
    if unreadable is None:
        return computed
    # a row with a value that cannot be read at all: that error, and null results (as any bad row)
    bad = ~unreadable.free()
    mask = _read.booleans(bad)
    entry = np.maximum(unreadable.idx, 0)
    out = []
    for field, column in zip(RESULT_SCHEMA, computed, strict=True):
        if field.name in ("row_type", "evaluated_at"):
            out.append(column)
            continue
        if field.name in ("error_code", "error_message"):
            texts = [code if field.name == "error_code" else message for code, message in unreadable.entries]
            value: Any = _read.strings(texts).take(_read.ints(entry, pa.int32()))
        else:
            value = _read.null_scalar(field.type)
        out.append(pa.chunked_array([pc.if_else(mask, value, _single(column))], type=field.type))
    return out


def _evaluate_table(table: pa.Table, at: datetime, rules: Rules | None, options: Options) -> pa.Table:
    plan = plan_columns(table.column_names)
    columns = {field: table.column(name) for field, name in plan.columns.items()}
    computed = _results(columns, table.num_rows, plan, at, rules, options)
    base = table.drop_columns([c for c in RESULT_COLUMNS if c in table.column_names])
    for field, column in zip(RESULT_SCHEMA, computed, strict=True):
        base = base.append_column(field, column)
    # the instant the rows were judged at, in the schema's metadata too (written into Parquet files)
    metadata = {**(table.schema.metadata or {}), EVALUATED_AT: at.isoformat().encode()}
    return base.replace_schema_metadata(metadata)


def _evaluate_batch(
    batch: pa.RecordBatch, at: datetime, rules: Rules | None, options: Options
) -> pa.RecordBatch:
    plan = plan_columns(batch.schema.names)
    columns: dict[str, pa.Array | pa.ChunkedArray] = {
        field: batch.column(name) for field, name in plan.columns.items()
    }
    computed = _results(columns, batch.num_rows, plan, at, rules, options)
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


def _evaluate_pandas(df: Any, at: datetime, rules: Rules | None, options: Options) -> Any:
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
    computed = _results(columns, len(df), plan, at, rules, options)
    table = pa.Table.from_arrays(computed, schema=RESULT_SCHEMA)
    # nullable ints and bools; exact decimals as Arrow's own (an object column of Decimal has no type
    # Dask or Parquet can infer from an empty frame: ddf.to_parquet would fail on it)
    credit = pa.decimal128(38, 4)
    mapper = {pa.int32(): pd.Int32Dtype(), pa.bool_(): pd.BooleanDtype(), credit: pd.ArrowDtype(credit)}
    frame = table.to_pandas(types_mapper=mapper.get)
    base = df.drop(columns=[c for c in RESULT_COLUMNS if c in df.columns])
    return base.assign(**{c: frame[c].array for c in RESULT_COLUMNS})


def _evaluate_polars(df: Any, at: datetime, rules: Rules | None, options: Options) -> Any:
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
    computed = _results(columns, df.height, plan, at, rules, options, described)
    frame = pl.from_arrow(pa.Table.from_arrays(computed, schema=RESULT_SCHEMA))
    assert isinstance(frame, pl.DataFrame)
    base = df.drop([c for c in RESULT_COLUMNS if c in df.columns])
    return base.hstack(frame)


_frames.register()  # df.csp.evaluate(...) for pandas and polars, without importing either
