"""Batch (R3, R4.1, R7, R8.4): evaluate a whole table of purchases at columnar speed.

:func:`evaluate` takes a table of purchases (a :class:`pyarrow.Table` or
:class:`~pyarrow.RecordBatch`, a pandas or a polars ``DataFrame``) and returns the same kind of
table, **same rows in the same order**, its columns kept, with these columns added
(:data:`RESULT_SCHEMA`; :data:`RESULT_DDL` is the same as a Spark DDL string):

==========================  ==========================================================================
column                      value (the scalar function it equals)
==========================  ==========================================================================
``market_code``             ISO 3166-1 alpha-2 code (:func:`csp_rules.markets.resolve`)
``reservations_available``  R3 (:func:`csp_rules.markets.reservations_available`)
``price_includes_tax``      R4.1 (:func:`csp_rules.markets.price_includes_tax`)
``cancellation_outcome``    R7: the :class:`~csp_rules.cancellation.Outcome` value, ``self_service``...
``cancel_deadline``         end of the window, exclusive, UTC (``CancellationDecision.deadline``)
``days_left``               whole days left at ``at`` (``CancellationDecision.days_left``)
``credit_amount``           R8.4: the credit **if the order is cancelled at** ``at``
                            (``refund_credit(purchase, cancelled_at=at).amount``)
``credit_currency``         the credit's currency
``rules_version``           the rule set applied (``S2018``, ``S2020``, or yours)
``error_code``              the :attr:`~csp_rules.errors.CspRulesError.code` of the row's error
``error_message``           that error's message, on one line
==========================  ==========================================================================

Every row is judged as the scalar functions judge it, at the instant ``at`` (the "now" of
``days_left`` and the outcome, and the cancellation instant of the credit), under ``rules`` or,
by default, the rule set in force at the row's purchase date (:func:`~csp_rules.rulesets.rules_in_force`).
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
and ``sku_name`` are optional: without them the credits that need them are null. Text columns of
another type (numbers) are read as their text. Columns the results do not read are
kept as they are and not validated. Result columns already in the input (a table evaluated
before) are replaced.

**Values.** Instants are Arrow timestamps (with a time zone; without one only for
``OrderDate``, which Partner Center writes in UTC), dates (00:00 UTC) or ISO 8601 text; amounts
are decimals, integers or text (floats are refused, as :class:`~csp_rules.facts.Money` refuses
them); term dates are dates or ``YYYY-MM-DD`` text.

**Bad rows.** A row the scalar path would refuse gets the code of the
:class:`~csp_rules.errors.CspRulesError` it would raise (``error.unknown_market``,
``error.invalid_date``, ``error.invalid_amount``...) and null results; the other rows are
evaluated. The first problem is reported, looked for in the order of the scalar path: price
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

from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final, TypeVar, cast

try:
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
except ImportError as _exc:  # pragma: no cover - depends on the installation
    raise ImportError("csp_rules.batch needs pyarrow: pip install 'csp-rules[arrow]'") from _exc

from . import _time, _vparse
from ._columns import ColumnPlan, is_software_plan_name, kind_from_term, plan_columns
from ._vparse import DAY_US, I64, MAX_US, B, Issues, Problem
from .errors import (
    CspRulesError,
    InvalidAmountError,
    InvalidDateError,
    InvalidFieldError,
    InvalidInputError,
    MissingFieldError,
    NaiveDatetimeError,
    NoRulesInForceError,
)
from .facts import ProductKind, currency_digits
from .rulesets import CreditRule, Route, RuleSet, shipped_rulesets

if TYPE_CHECKING:
    import numpy.typing as npt

__all__ = ["OUTCOMES", "RESULT_COLUMNS", "RESULT_DDL", "RESULT_SCHEMA", "evaluate", "output_schema"]

#: the columns :func:`evaluate` adds, with their Arrow types
RESULT_SCHEMA: Final[pa.Schema] = pa.schema(
    [
        pa.field("market_code", pa.string()),
        pa.field("reservations_available", pa.bool_()),
        pa.field("price_includes_tax", pa.bool_()),
        pa.field("cancellation_outcome", pa.string()),
        pa.field("cancel_deadline", pa.timestamp("us", tz="UTC")),
        pa.field("days_left", pa.int32()),
        pa.field("credit_amount", pa.decimal128(38, 4)),
        pa.field("credit_currency", pa.string()),
        pa.field("rules_version", pa.string()),
        pa.field("error_code", pa.string()),
        pa.field("error_message", pa.string()),
    ]
)

#: the same columns as a Spark DDL string (``StructType.fromDDL``, ``mapInArrow``)
RESULT_DDL: Final[str] = (
    "market_code STRING, reservations_available BOOLEAN, price_includes_tax BOOLEAN, "
    "cancellation_outcome STRING, cancel_deadline TIMESTAMP, days_left INT, credit_amount DECIMAL(38,4), "
    "credit_currency STRING, rules_version STRING, error_code STRING, error_message STRING"
)

#: names of the added columns, in order
RESULT_COLUMNS: Final[tuple[str, ...]] = tuple(RESULT_SCHEMA.names)

#: the values of ``cancellation_outcome`` (:class:`csp_rules.cancellation.Outcome` values)
OUTCOMES: Final[tuple[str, ...]] = (
    "self_service",
    "window_closed",
    "support_request",
    "not_cancellable",
    "not_covered",
    "not_permitted",
)
_SELF_SERVICE, _WINDOW_CLOSED, _SUPPORT_REQUEST, _NOT_CANCELLABLE, _NOT_COVERED = range(5)

#: rows evaluated at a time inside one call (bounds the working memory; results do not depend on it)
SLICE_ROWS: Final = 1 << 16

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_EPOCH_DAY = date(1970, 1, 1)
_KINDS: Final = tuple(ProductKind)
_ROUTES: Final = tuple(Route)
_R_WINDOW, _R_SUPPORT, _R_NOT_CANCELLABLE, _R_NOT_COVERED = (
    _ROUTES.index(Route.WINDOW),
    _ROUTES.index(Route.SUPPORT_REQUEST),
    _ROUTES.index(Route.NOT_CANCELLABLE),
    _ROUTES.index(Route.NOT_COVERED),
)
_C_NONE, _C_FULL, _C_PRORATED = 0, 1, 2
_POW10: Final = np.array([10**k for k in range(19)], dtype=np.int64)
_LIMIT: Final = 1 << 61
_AMOUNT_SCALE: Final = 4

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


def evaluate(table: TableT, *, at: datetime, rules: RuleSet | None = None) -> TableT:
    """Evaluate every row of ``table`` at the instant ``at`` (R3, R4.1, R7, R8.4); see the module docstring.

    :param table: a :class:`pyarrow.Table`, :class:`pyarrow.RecordBatch`, pandas ``DataFrame`` or
        polars ``DataFrame`` (pandas and polars are imported only for such inputs).
    :param at: an aware datetime: the "now" of the outcome and ``days_left``, and the cancellation
        instant of ``credit_amount``.
    :param rules: one rule set for every row; by default each row's purchase date picks the rule
        set in force then.
    :returns: the same kind of table, same rows in the same order, with :data:`RESULT_COLUMNS`.
    :raises MissingColumnsError: a required column is missing (one error naming all of them).
    :raises NaiveDatetimeError: ``at`` has no time zone.
    :raises InvalidAmountError: the price column holds floats.
    :raises TypeError: ``table`` is not one of the kinds above, ``at`` not a datetime or ``rules``
        not a :class:`~csp_rules.rulesets.RuleSet`.
    """
    at_utc = _time.require_aware(at, "at")
    if rules is not None and not isinstance(rules, RuleSet):
        raise TypeError(f"rules: expected a RuleSet, got {type(rules).__name__}")
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


def _evaluate_table(table: pa.Table, at: datetime, rules: RuleSet | None) -> pa.Table:
    plan = plan_columns(table.column_names)
    columns = {field: table.column(name) for field, name in plan.columns.items()}
    results = _results(columns, table.num_rows, plan, at, rules)
    base = table.drop_columns([c for c in RESULT_COLUMNS if c in table.column_names])
    for field, column in zip(RESULT_SCHEMA, results, strict=True):
        base = base.append_column(field, column)
    return base


def _evaluate_batch(batch: pa.RecordBatch, at: datetime, rules: RuleSet | None) -> pa.RecordBatch:
    plan = plan_columns(batch.schema.names)
    columns = {field: batch.column(name) for field, name in plan.columns.items()}
    results = _results(columns, batch.num_rows, plan, at, rules)
    keep = [i for i, name in enumerate(batch.schema.names) if name not in RESULT_COLUMNS]
    arrays = [batch.column(i) for i in keep] + [_single(c) for c in results]
    return pa.RecordBatch.from_arrays(arrays, schema=output_schema(batch.schema))


def _single(column: pa.ChunkedArray) -> pa.Array:
    return column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)


def _to_arrow(values: Any, name: str) -> pa.Array:
    try:
        return pa.array(values, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, TypeError, ValueError) as exc:
        raise InvalidInputError(
            f"{name}: cannot read this column as a table column ({' '.join(str(exc).split())[:200]})",
            field=name,
            value=name,
        ) from None


def _evaluate_pandas(df: Any, at: datetime, rules: RuleSet | None) -> Any:
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
    results = _results(columns, len(df), plan, at, rules)
    table = pa.Table.from_arrays(results, schema=RESULT_SCHEMA)
    mapper = {pa.int32(): pd.Int32Dtype(), pa.bool_(): pd.BooleanDtype()}
    frame = table.to_pandas(types_mapper=mapper.get)
    base = df.drop(columns=[c for c in RESULT_COLUMNS if c in df.columns])
    return base.assign(**{c: frame[c].array for c in RESULT_COLUMNS})


def _evaluate_polars(df: Any, at: datetime, rules: RuleSet | None) -> Any:
    import polars as pl

    plan = plan_columns(df.columns)
    columns = {field: df.get_column(name).to_arrow() for field, name in plan.columns.items()}
    results = _results(columns, df.height, plan, at, rules)
    frame = pl.from_arrow(pa.Table.from_arrays(results, schema=RESULT_SCHEMA))
    assert isinstance(frame, pl.DataFrame)
    base = df.drop([c for c in RESULT_COLUMNS if c in df.columns])
    return base.hstack(frame)


# --- the engine -----------------------------------------------------------------------------


def _results(
    columns: dict[str, pa.Array | pa.ChunkedArray],
    n: int,
    plan: ColumnPlan,
    at: datetime,
    rules: RuleSet | None,
) -> list[pa.ChunkedArray]:
    """The result columns for ``n`` rows, computed slice by slice."""
    ctx = _Context(plan, at, rules)
    chunks: list[list[pa.Array]] = [[] for _ in RESULT_SCHEMA]
    for start in range(0, n, SLICE_ROWS) if n else [0]:
        length = min(SLICE_ROWS, n - start)
        part = {f: _vparse.plain(c.slice(start, length)) for f, c in columns.items()}
        for acc, array in zip(chunks, _Slice(ctx, part, length).run(), strict=True):
            acc.append(array)
    return [pa.chunked_array(acc, type=f.type) for acc, f in zip(chunks, RESULT_SCHEMA, strict=True)]


def _route_index(route: Route) -> int:
    return _ROUTES.index(route)


class _Context:
    """What the slices of one call share: ``at``, the rule sets, and answers per distinct value."""

    def __init__(self, plan: ColumnPlan, at: datetime, rules: RuleSet | None) -> None:
        self.plan = plan
        self.at = at
        self.at_us = (at - _EPOCH) // timedelta(microseconds=1)
        self.fixed = rules is not None
        self.rulesets: tuple[RuleSet, ...] = (rules,) if rules is not None else shipped_rulesets()
        self.bounds = np.array([(rs.in_force_from - _EPOCH_DAY).days for rs in self.rulesets], dtype=np.int64)
        r, k = len(self.rulesets), len(_KINDS)
        self.route = np.empty((r, k), dtype=np.int64)
        self.kind_exclusion = np.full((r, k), -1, dtype=np.int64)
        self.window = np.full((r, k), -1, dtype=np.int64)
        self.credit = np.zeros((r, k), dtype=np.int8)
        self.has_exclusions = np.array([bool(rs.cancellation.exclusions) for rs in self.rulesets])
        for i, rs in enumerate(self.rulesets):
            c = rs.cancellation
            for j, kind in enumerate(_KINDS):
                self.route[i, j] = _route_index(c.routes.get(kind, Route.NOT_COVERED))
                days = c.window_days.get(kind)
                if days is not None:
                    self.window[i, j] = days
                for exclusion in c.exclusions:
                    if kind in exclusion.kinds:
                        self.kind_exclusion[i, j] = _route_index(exclusion.route)
                        break
                rule = rs.credits.by_kind.get(kind, CreditRule.NONE_STATED)
                self.credit[i, j] = {CreditRule.FULL: _C_FULL, CreditRule.PRORATED: _C_PRORATED}.get(
                    rule, _C_NONE
                )
        self.day_offset = np.array(
            [0 if rs.credits.cancellation_day_credited else 1 for rs in self.rulesets], dtype=np.int64
        )
        self.versions = _vparse.strings([rs.version for rs in self.rulesets])
        # answers per distinct value, shared by the slices
        self.markets: dict[str, int | Problem] = {}
        self.market_codes: list[str] = []
        self.market_flags: dict[tuple[int, int], tuple[bool, bool]] = {}
        self.names: dict[str, int | Problem] = {}
        self.name_texts: list[str] = []
        self.name_is_plan: list[bool] = []
        self.name_exclusions: dict[tuple[int, int, int], tuple[int, bool]] = {}
        self.skus: dict[str, int | Problem] = {}
        self.sku_texts: list[str] = []
        self.kinds: dict[str, int | Problem] = {}
        self.terms: dict[str, int | Problem] = {}
        self.currencies: dict[str, int | Problem] = {}

    def market(self, value: str) -> int | Problem:
        found = self.markets.get(value)
        if found is None:
            from .markets import resolve

            try:
                code = resolve(value).code
            except CspRulesError as exc:
                found = Problem(exc)
            else:
                if code not in self.market_codes:
                    self.market_codes.append(code)
                found = self.market_codes.index(code)
            self.markets[value] = found
        return found

    def market_flag(self, rs: int, code: int) -> tuple[bool, bool]:
        key = (rs, code)
        found = self.market_flags.get(key)
        if found is None:
            from . import markets

            market = markets.resolve(self.market_codes[code])
            ruleset = self.rulesets[rs]
            found = (
                markets.reservations_available(market, rules=ruleset),
                markets.price_includes_tax(market, rules=ruleset),
            )
            self.market_flags[key] = found
        return found

    def name(self, value: str) -> int | Problem:
        found = self.names.get(value)
        if found is None:
            try:
                text = _text("product_name", value)
            except CspRulesError as exc:
                found = Problem(exc)
            else:
                found = len(self.name_texts)
                self.name_texts.append(text)
                self.name_is_plan.append(is_software_plan_name(text))
            self.names[value] = found
        return found

    def name_exclusion(self, rs: int, name: int, sku: int) -> tuple[int, bool]:
        """``(route index of the exclusion the names match or -1, near miss)`` (R7.3).

        The text matched is the product name, then `` | `` and the SKU name when there is one, as
        :func:`csp_rules._window.assess` matches it.
        """
        key = (rs, name, sku)
        found = self.name_exclusions.get(key)
        if found is None:
            from ._window import match_exclusion

            text = self.name_texts[name] if sku < 0 else f"{self.name_texts[name]} | {self.sku_texts[sku]}"
            matched, near = match_exclusion(text, self.rulesets[rs])
            found = (_route_index(matched.route) if matched is not None else -1, near is not None)
            self.name_exclusions[key] = found
        return found

    def sku(self, value: str) -> int | Problem:
        """The index of a SKU name's text, -1 for a blank one (no SKU), or its error."""
        found = self.skus.get(value)
        if found is None:
            from .facts import clean_text

            try:
                text = clean_text(value, "sku_name", optional=True)
            except CspRulesError as exc:
                found = Problem(exc)
            else:
                if text is None:
                    found = -1
                else:
                    found = len(self.sku_texts)
                    self.sku_texts.append(text)
            self.skus[value] = found
        return found

    def kind(self, value: str) -> int | Problem:
        found = self.kinds.get(value)
        if found is None:
            try:
                found = _KINDS.index(ProductKind.parse(value, "kind"))
            except CspRulesError as exc:
                found = Problem(exc)
            self.kinds[value] = found
        return found

    def term(self, value: str) -> int | Problem:
        found = self.terms.get(value)
        if found is None:
            kind = kind_from_term(value)
            if kind is None:
                found = Problem(
                    InvalidFieldError(
                        f"kind: cannot tell the product kind from TermAndBillingCycle {value[:80]!r}",
                        field="kind",
                        value=value,
                    )
                )
            else:
                found = _KINDS.index(ProductKind(kind))
            self.terms[value] = found
        return found

    def currency(self, value: str) -> int | Problem:
        found = self.currencies.get(value)
        if found is None:
            try:
                found = currency_digits(value)
            except CspRulesError as exc:
                found = Problem(exc)
            self.currencies[value] = found
        return found


def _text(field: str, value: str) -> str:
    """The text :class:`~csp_rules.facts.Purchase` keeps for a required text field, or its error."""
    from .facts import clean_text

    result = clean_text(value, field)
    assert result is not None
    return result


def _lookup(
    arr: pa.Array,
    issues: Issues,
    answer: Callable[[str], int | Problem],
    where: B | None = None,
) -> tuple[I64, B]:
    """Per row: the index ``answer`` gives the row's distinct value (-1 on a problem), and the null mask.

    ``answer`` is called once per distinct value; the errors it returns are marked in ``issues``
    (only on the rows of ``where``, if given).
    """
    n = len(arr)
    if pa.types.is_null(arr.type) or n == 0:
        return np.full(n, -1, dtype=np.int64), np.ones(n, dtype=np.bool_)
    arr = _vparse.as_string(arr)
    nulls = ~_vparse.valid_mask(arr)
    answers, idx = _vparse.distinct_map(arr, answer)
    values = np.array([a if isinstance(a, int) else -1 for a in answers] + [-1], dtype=np.int64)
    entries = np.array(
        [issues.entry(a) if isinstance(a, Problem) else -1 for a in answers] + [-1], dtype=np.int32
    )
    if entries.max() >= 0:
        per_row = entries.take(idx)
        if where is not None:
            per_row = np.where(where, per_row, -1).astype(np.int32)
        issues.mark_entries(per_row)
    return values.take(idx), nulls


def _split_key(key: int, names: int, skus: int) -> tuple[int, int, int]:
    """``(rule set, name, sku)`` of a key ``(rs * names + name) * skus + sku + 1``."""
    rest, sku = divmod(key, skus)
    rs, name = divmod(rest, names)
    return rs, name, sku - 1


def _presence(keys: I64, mask: B, size: int) -> list[int]:
    """The distinct values of ``keys[mask]`` (all in ``range(size)``), in O(rows)."""
    seen = np.zeros(size, dtype=np.bool_)
    seen[keys[mask]] = True
    found: list[int] = np.flatnonzero(seen).tolist()
    return found


class _Slice:
    """One slice of rows: read the columns, find each row's first problem, compute the results."""

    def __init__(self, ctx: _Context, columns: dict[str, pa.Array], n: int) -> None:
        self.ctx = ctx
        self.cols = columns
        self.n = n
        self.issues = Issues(n)

    def _missing(self, mask: B, field: str) -> None:
        self.issues.mark(mask, MissingFieldError(field=field))

    def _raw(self, field: str, row: int) -> Any:
        return self.cols[field][row].as_py()

    def run(self) -> list[pa.Array]:
        ctx, cols, n, iss = self.ctx, self.cols, self.n, self.issues
        plan = ctx.plan

        # Money(price, currency)
        amounts = None
        has_price = np.zeros(n, dtype=np.bool_)
        digits = np.zeros(n, dtype=np.int64)
        if "price" in cols:
            amounts = _vparse.amounts(cols["price"], "price", iss)
            has_price = amounts.status == 0
            digits, cur_null = _lookup(cols["currency"], iss, ctx.currency, where=has_price)
            self._missing(has_price & cur_null, "currency")

        # Purchase(order_id, product_name, kind, purchased_at, price, term_start, term_end)
        self._check_text("order_id")
        name_idx, name_null = _lookup(cols["product_name"], iss, ctx.name)
        self._missing(name_null, "product_name")
        kind_idx = self._kinds(name_idx)
        purchased, status, _ = _vparse.instants(
            cols["purchased_at"], naive_is_utc="purchased_at" in plan.reconciliation
        )
        self._instant_problems(status, "purchased_at")
        if amounts is not None:
            field = plan.columns["price"]
            self.issues.mark(
                has_price & amounts.negative,
                InvalidAmountError(f"price: a price cannot be negative ({field})", field="price"),
            )
        term_start, term_end, has_start, has_end = self._terms()
        sku_idx = np.full(n, -1, dtype=np.int64)
        if "sku_name" in cols:
            sku_idx, _ = _lookup(cols["sku_name"], iss, ctx.sku)
        has_term = self._term_order(term_start, term_end, has_start, has_end)

        # markets (R3, R4.1)
        market_idx, market_null = _lookup(cols["market"], iss, ctx.market)
        self._missing(market_null, "market")

        # the rule set in force at the purchase date (or the one given)
        day = np.floor_divide(purchased, DAY_US)
        if ctx.fixed:
            rs_idx = np.zeros(n, dtype=np.int64)
        else:
            rs_idx = np.searchsorted(ctx.bounds, day, side="right") - 1
            iss.mark_by_key(
                rs_idx < 0,
                day,
                lambda d: NoRulesInForceError(field="on", value=_EPOCH_DAY + timedelta(days=int(d))),
            )
            rs_idx = np.maximum(rs_idx, 0)

        # R7: at before the purchase, the window
        before = purchased > ctx.at_us
        iss.mark(
            before,
            InvalidDateError(
                f"at: {ctx.at.isoformat()} is before the purchase ({plan.columns['purchased_at']})",
                field="at",
                value=ctx.at,
            ),
        )
        rk = rs_idx * len(_KINDS) + np.maximum(kind_idx, 0)  # (rule set, kind): index of the small tables
        window = ctx.window.ravel().take(rk)
        has_window = window >= 0
        deadline = purchased + np.where(has_window, window, 0) * DAY_US
        overflow = has_window & ((deadline > MAX_US) | (purchased > MAX_US - np.maximum(window, 0) * DAY_US))
        iss.mark_by_key(
            overflow,
            window,
            lambda days: InvalidDateError(
                f"deadline: the purchase + {days} days is past the end of the calendar", field="deadline"
            ),
        )

        ok = iss.free()
        route = ctx.route.ravel().take(rk)
        covered = route != _R_NOT_COVERED
        near = np.zeros(n, dtype=np.bool_)
        excluded = ctx.kind_exclusion.ravel().take(rk)
        needs_name = ok & covered & (excluded < 0) & ctx.has_exclusions.take(rs_idx)
        if needs_name.any():
            # one answer per distinct (rule set, product name, SKU name) among the rows that need one
            names, skus = len(ctx.name_texts) + 1, len(ctx.sku_texts) + 1
            keys = (rs_idx * names + np.maximum(name_idx, 0)) * skus + (sku_idx + 1)
            distinct, inverse = np.unique(keys[needs_name], return_inverse=True)
            answers = [ctx.name_exclusion(*_split_key(key, names, skus)) for key in distinct.tolist()]
            table_route = np.array([a[0] for a in answers], dtype=np.int64)
            table_near = np.array([a[1] for a in answers], dtype=np.bool_)
            excluded[needs_name] = table_route.take(inverse.reshape(-1))
            near[needs_name] = table_near.take(inverse.reshape(-1))
        route = np.where(covered & (excluded >= 0), excluded, route)

        in_window = has_window & (ctx.at_us < deadline)
        outcome = np.full(n, _SUPPORT_REQUEST, dtype=np.int64)
        window_route = (route == _R_WINDOW) & ~near
        outcome[window_route & in_window] = _SELF_SERVICE
        outcome[window_route & ~in_window] = _WINDOW_CLOSED
        outcome[route == _R_NOT_CANCELLABLE] = _NOT_CANCELLABLE
        outcome[route == _R_NOT_COVERED] = _NOT_COVERED
        days_left = np.where(in_window, (deadline - ctx.at_us) // DAY_US, 0)

        # R8.4: the credit if cancelled at `at`
        credit_rule = ctx.credit.ravel().take(rk)
        credit_ok = np.zeros(n, dtype=np.bool_)
        credit_units = np.zeros(n, dtype=np.int64)
        big: dict[int, Decimal] = {}
        if amounts is not None:
            credit_ok, credit_units, big = self._credits(
                amounts,
                digits,
                iss.free() & (outcome == _SELF_SERVICE) & (credit_rule != _C_NONE) & has_price,
                credit_rule == _C_PRORATED,
                ctx.day_offset.take(rs_idx),
                term_start,
                term_end,
                has_term,
            )

        # assemble (rows with a problem have null results)
        ok = iss.free()
        return self._assemble(
            ok,
            market_idx,
            rs_idx,
            outcome,
            has_window,
            deadline,
            days_left,
            credit_ok,
            credit_units,
            digits,
            big,
        )

    # -- fields ------------------------------------------------------------------------------

    def _check_text(self, field: str) -> None:
        arr = self.cols[field]
        if pa.types.is_null(arr.type):
            self._missing(np.ones(self.n, dtype=np.bool_), field)
            return
        if not _vparse.is_string(arr.type):
            arr = pc.cast(arr, pa.string())
        arr = _vparse.as_string(arr)
        valid = _vparse.valid_mask(arr)
        self._missing(~valid, field)
        length = np.asarray(pc.binary_length(arr).fill_null(0), dtype=np.int64)
        fast = (
            valid
            & _vparse.bools(pc.ascii_is_printable(arr))
            & ~_vparse.bools(pc.starts_with(arr, " "))
            & (length > 0)
            & (length <= 4096)
        )
        slow = valid & ~fast & self.issues.free()
        if slow.any():
            rows = np.flatnonzero(slow)

            def check(value: str) -> Problem | None:
                try:
                    _text(field, value)
                except CspRulesError as exc:
                    return Problem(exc)
                return None

            answers, idx = _vparse.distinct_map(_vparse.take_rows(arr, rows), check)
            for row, k in zip(rows.tolist(), idx.tolist(), strict=True):
                error = answers[k]
                if error is not None:
                    self.issues.mark_row(row, error)

    def _kinds(self, name_idx: I64) -> I64:
        ctx, cols, n = self.ctx, self.cols, self.n
        if not ctx.plan.derives_kind:
            kind_idx, nulls = _lookup(cols["kind"], self.issues, ctx.kind)
            self._missing(nulls, "kind")
            return kind_idx
        # a reconciliation row: ReservationOrderId, then a software-plan name, then TermAndBillingCycle
        kind_idx = np.full(n, -1, dtype=np.int64)
        if "reservation_order_id" in cols:
            rid = cols["reservation_order_id"]
            if pa.types.is_null(rid.type):
                reservation = np.zeros(n, dtype=np.bool_)
            else:
                rid = _vparse.as_string(rid if _vparse.is_string(rid.type) else pc.cast(rid, pa.string()))
                reservation = _vparse.bools(pc.greater(pc.utf8_length(pc.utf8_trim_whitespace(rid)), 0))
        else:
            reservation = np.zeros(n, dtype=np.bool_)
        plan_names = np.array([*ctx.name_is_plan, False], dtype=np.bool_)[name_idx]
        plan_names &= name_idx >= 0
        rest = ~reservation & ~plan_names
        term_kind = np.full(n, _KINDS.index(ProductKind.PERPETUAL_SOFTWARE), dtype=np.int64)
        if "term_and_billing_cycle" in cols and rest.any():
            term = cols["term_and_billing_cycle"]
            found, nulls = _lookup(term, self.issues, ctx.term, where=rest)
            term_kind = np.where(nulls, term_kind, found)
        kind_idx[:] = term_kind
        kind_idx[plan_names] = _KINDS.index(ProductKind.AZURE_SOFTWARE_PLAN)
        kind_idx[reservation] = _KINDS.index(ProductKind.AZURE_RESERVATION)
        return kind_idx

    def _instant_problems(self, status: npt.NDArray[np.int8], field: str) -> None:
        column = self.ctx.plan.columns[field]
        self._missing(status == _vparse.NULL, field)
        arr = self.cols[field]
        self.issues.mark_by_value(
            status == _vparse.INVALID,
            arr,
            lambda value: InvalidDateError(
                f"{field}: invalid date or time {_short(value)} in column {column!r}",
                field=field,
                value=value,
            ),
        )
        self.issues.mark(
            status == _vparse.NAIVE,
            NaiveDatetimeError(
                f"{field}: a timezone-aware date-time is required, column {column!r} has one without a UTC offset; "
                "give an offset such as 'Z' or '+01:00', or a date",
                field=field,
            ),
        )

    def _terms(self) -> tuple[I64, I64, B, B]:
        """Term days since 1970 ``[start, end)``, and whether the row has a start, an end (read, not checked)."""
        n, cols, plan = self.n, self.cols, self.ctx.plan
        if "term_start" not in cols:
            zeros = np.zeros(n, dtype=np.int64)
            return zeros, zeros, np.zeros(n, dtype=np.bool_), np.zeros(n, dtype=np.bool_)
        days = []
        present = []
        for field in ("term_start", "term_end"):
            recon = field in plan.reconciliation
            us, status, date_only = _vparse.instants(cols[field], naive_is_utc=True)
            if not recon and _vparse.is_string(cols[field].type):
                status = np.where((status == _vparse.OK) & ~date_only, _vparse.INVALID, status).astype(
                    np.int8
                )
            self.issues.mark_by_value(
                status == _vparse.INVALID, cols[field], _bad_term_date(field, plan.columns[field])
            )
            d = np.floor_divide(us, DAY_US)
            if field == "term_end" and recon:
                d = d + 1
                self.issues.mark(
                    (status == _vparse.OK) & (d * DAY_US > MAX_US),
                    InvalidDateError(
                        "term_end: the day after ChargeEndDate is past the end of the calendar",
                        field="term_end",
                    ),
                )
            days.append(d)
            present.append(status != _vparse.NULL)
        return days[0], days[1], present[0], present[1]

    def _term_order(self, start: I64, end: I64, has_start: B, has_end: B) -> B:
        """``Purchase``'s own check of the term (both or neither, end after start); whether the row has one."""
        self.issues.mark(
            has_start & ~has_end,
            MissingFieldError("term_end: give both term_start and term_end, or neither", field="term_end"),
        )
        self.issues.mark(
            has_end & ~has_start,
            MissingFieldError(
                "term_start: give both term_start and term_end, or neither", field="term_start"
            ),
        )
        both = has_start & has_end
        self.issues.mark(
            both & (end <= start),
            InvalidDateError(
                "term_end: the term [term_start, term_end) ends before it starts", field="term_end"
            ),
        )
        return both

    # -- R8.4 --------------------------------------------------------------------------------

    def _credits(
        self,
        amounts: _vparse.Amounts,
        digits: I64,
        due: B,
        prorated: B,
        offset: I64,
        start: I64,
        end: I64,
        has_term: B,
    ) -> tuple[B, I64, dict[int, Decimal]]:
        """R8.4 for the rows ``due`` a credit: ``(computed, amount in 10**-4 units, exact amounts too big for int64)``.

        ``units = price × 10**digits`` must be whole (else ``error.invalid_amount``, as
        :func:`csp_rules.billing.refund_credit`); a prorated amount is ``units × unused / term``
        rounded half up once, with ``unused = end − max(cancellation day + offset, start)``
        (``offset`` 1 when the cancellation day is not credited), never below 0.
        """
        n = self.n
        # a prorated credit needs the term: without it the credit is null (not an error)
        rows = np.flatnonzero(due & (~prorated | has_term))
        ok = np.zeros(n, dtype=np.bool_)
        value4 = np.zeros(n, dtype=np.int64)
        exact: dict[int, Decimal] = {}
        if not len(rows):
            return ok, value4, exact
        mant, scale, dig = amounts.mant[rows], amounts.scale[rows], digits[rows]
        pro = prorated[rows]
        is_big = scale > 18
        if amounts.big:
            is_big |= np.isin(rows, np.fromiter(amounts.big, dtype=np.int64))
        up = np.clip(dig - scale, 0, 18)
        down = np.clip(scale - dig, 0, 18)
        is_big |= np.abs(mant) > _LIMIT // _POW10[up]
        fractional = ~is_big & (mant % _POW10[down] != 0)
        self.issues.mark_rows(
            _scatter(n, rows[fractional]),
            lambda row: _decimals_error(amounts.decimal(row), self._currency(row)),
        )
        units = np.where(is_big | fractional, 0, mant // _POW10[down] * _POW10[up])
        unused_from = np.maximum(self.ctx.at_us // DAY_US + offset[rows], start[rows])
        term = np.where(pro, np.maximum(end[rows] - start[rows], 1), 1)
        unused = np.where(pro, np.maximum(0, end[rows] - unused_from), 1)
        is_big |= units > _LIMIT // np.maximum(unused, 1)
        amount = (2 * units * unused + term) // (2 * term)
        factor = _POW10[_AMOUNT_SCALE - np.minimum(dig, _AMOUNT_SCALE)]
        is_big |= amount > _LIMIT // factor
        good = ~is_big & ~fractional
        ok[rows[good]] = True
        value4[rows[good]] = amount[good] * factor[good]
        for k in np.flatnonzero(is_big).tolist():
            row = int(rows[k])
            result = self._credit_exact(
                row, amounts.decimal(row), int(dig[k]), bool(pro[k]), int(unused[k]), int(term[k])
            )
            if isinstance(result, CspRulesError):
                self.issues.mark_row(row, result)
            else:
                exact[row] = result
                ok[row] = True
        return ok, value4, exact

    def _currency(self, row: int) -> str:
        return str(self._raw("currency", row))

    def _credit_exact(
        self, row: int, price: Decimal, digits: int, prorated: bool, unused: int, term: int
    ) -> Decimal | CspRulesError:
        """The credit of one row in Python integers (amounts past the int64 path)."""
        numerator, denominator = price.as_integer_ratio()
        units, remainder = divmod(numerator * 10**digits, denominator)
        if remainder:
            return _decimals_error(price, self._currency(row))
        if prorated:
            units = (2 * units * unused + term) // (2 * term)
        return Decimal(f"{units}E-{digits}")

    # -- output ------------------------------------------------------------------------------

    def _assemble(
        self,
        ok: B,
        market_idx: I64,
        rs_idx: I64,
        outcome: I64,
        has_window: B,
        deadline: I64,
        days_left: I64,
        credit_ok: B,
        credit_value4: I64,
        digits: I64,
        exact: dict[int, Decimal],
    ) -> list[pa.Array]:
        ctx, n = self.ctx, self.n
        null = ~ok
        codes = ctx.market_codes
        width = len(codes) + 1
        available = np.zeros(len(ctx.rulesets) * width, dtype=np.bool_)
        inclusive = np.zeros(len(available), dtype=np.bool_)
        m_safe = np.where(ok, market_idx, len(codes))
        keys = rs_idx * width + m_safe
        for key in _presence(keys, ok, len(available)):
            available[key], inclusive[key] = ctx.market_flag(*divmod(key, width))
        market_code = _take(_vparse.strings([*codes, ""]), m_safe, null)
        reservations = _vparse.booleans(available.take(keys), null)
        tax = _vparse.booleans(inclusive.take(keys), null)
        outcome_arr = _take(_vparse.strings(list(OUTCOMES)), outcome, null)
        no_window = null | ~has_window
        deadline_arr = _vparse.ints(np.where(no_window, 0, deadline), pa.timestamp("us", tz="UTC"), no_window)
        days_arr = _vparse.ints(np.where(no_window, 0, days_left), pa.int32(), no_window)
        credit_null = null | ~credit_ok
        credit = _decimal_array(credit_value4, credit_null, exact)
        if "currency" in self.cols and (~credit_null).any():
            currency = pc.if_else(
                _vparse.booleans(~credit_null),
                _vparse.as_string(self.cols["currency"]),
                pa.scalar(None, pa.string()),
            )
        else:
            currency = pa.nulls(n, type=pa.string())
        versions = _take(ctx.versions, rs_idx, null)
        iss = self.issues
        if iss.entries:
            entry = np.maximum(iss.idx, 0)
            error_code = _take(_vparse.strings([c for c, _ in iss.entries]), entry, ok)
            error_message = _take(_vparse.strings([m for _, m in iss.entries]), entry, ok)
        else:
            error_code = error_message = pa.nulls(n, type=pa.string())
        return [
            market_code,
            reservations,
            tax,
            outcome_arr,
            deadline_arr,
            days_arr,
            credit,
            currency,
            versions,
            error_code,
            error_message,
        ]


def _scatter(n: int, rows: npt.NDArray[np.int64]) -> B:
    mask = np.zeros(n, dtype=np.bool_)
    mask[rows] = True
    return mask


def _take(dictionary: pa.Array, index: npt.NDArray[Any], null: B) -> pa.Array:
    indices = _vparse.ints(np.where(null, 0, index), pa.int32(), null)
    return dictionary.take(indices)


def _decimal_array(value4: I64, null: B, exact: dict[int, Decimal]) -> pa.Array:
    n = len(value4)
    kind = pa.decimal128(38, _AMOUNT_SCALE)
    if exact:
        values: list[Decimal | None] = [None] * n
        for row in np.flatnonzero(~null).tolist():
            values[row] = exact.get(row, Decimal(int(value4[row])).scaleb(-_AMOUNT_SCALE))
        return pa.array(values, type=kind)
    words = np.empty(2 * n, dtype=np.int64)
    words[0::2] = value4
    words[1::2] = np.where(value4 < 0, -1, 0)
    validity = pa.py_buffer(np.packbits(~null, bitorder="little")) if null.any() else None
    return pa.Array.from_buffers(
        kind, n, [validity, pa.py_buffer(words.tobytes())], null_count=int(null.sum())
    )


def _bad_term_date(field: str, column: str) -> Callable[[Any], CspRulesError]:
    def make(value: Any) -> CspRulesError:
        return InvalidDateError(
            f"{field}: invalid date {_short(value)} in column {column!r}; expected YYYY-MM-DD",
            field=field,
            value=value,
        )

    return make


def _decimals_error(price: Decimal, currency: str) -> InvalidAmountError:
    digits = currency_digits(currency)
    return InvalidAmountError(
        f"price: {price} {currency} has more decimals than the {currency} minor unit ({digits} digits); "
        "round it first with Money.rounded()",
        field="price",
        value=price,
    )


def _iso(us: int) -> str:
    return (_EPOCH + timedelta(microseconds=us)).isoformat()


def _day(days: int) -> str:
    return (_EPOCH_DAY + timedelta(days=days)).isoformat()


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:65] + f"...<{len(text)} chars>"
