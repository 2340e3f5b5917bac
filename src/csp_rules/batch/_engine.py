"""The batch engine: the results of a slice of rows, columnar, from the rule modules' own tables.

Private; :mod:`csp_rules.batch` documents what it computes. Knowledge lives in the rule modules
and is indexed here, never restated: a product's route is :func:`csp_rules.cancellation.kind_route`
(per rule set and kind) refined by :func:`~csp_rules.cancellation.name_route` (per distinct name);
the outcome is :data:`csp_rules.cancellation.OUTCOME` at each row's key; the credit is
:data:`csp_rules.billing.CREDIT`, with :func:`csp_rules.billing.proration_days` and
:func:`csp_rules.billing.prorate` computed on int64 arrays; errors are built by the constructors
the scalar path raises. Only the reading of columns and the per-row arithmetic are columnar
(Arrow kernels and numpy); a rule is consulted once per distinct value or key.

Each slice first tells what its lines are (``ChargeType``: only purchases and renewals are judged;
the problems found on a line that is not are dropped at the end) and what kind each row is, from
evidence only (:mod:`._columns`); a renewal's ``ChargeStartDate`` is its ``term_started_at``
(R11.2). The reasons and rule numbers are built once per distinct :data:`OUTCOME` key, the
sentences once per distinct template (:mod:`._explain`), whose constants come from the scalar
decision of one row of that template.

The module is long (over 600 lines) because the engine is the columnar twin of the rule
modules' tables (R3, R4, R7, R8.4, R11): routing, windows, credits, versions by date and the
uncertainty re-judgement, each indexing the same tables; split, every part would pass the same
slice state around.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final, NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .. import _l10n, _time, billing, cancellation
from ..cancellation import EXCLUSION_REASON, OUTCOME, Basis, Outcome, Routing
from ..errors import (
    CspRulesError,
    InvalidDateError,
    MissingFieldError,
    NaiveDatetimeError,
    NoRulesInForceError,
    UnknownKindError,
    shorten,
)
from ..facts import (
    ProductKind,
    clean_text,
    currency_digits,
    decimals_error,
    negative_price_error,
    term_errors,
)
from ..rulesets import (
    CreditRounding,
    CreditRule,
    Exclusion,
    Route,
    Rules,
    RuleSet,
    WindowStart,
    shipped_chain,
)
from . import _read
from ._columns import (
    KIND_SOURCES,
    ROW_TYPES,
    ColumnPlan,
    is_reservation_name,
    is_software_plan_name,
    kind_from_term,
    row_type,
)
from ._explain import Sentences, Template, sentences
from ._read import DAY_US, I64, MAX_US, B, Issues, Problem

if TYPE_CHECKING:
    import numpy.typing as npt

__all__ = ["OUTCOMES", "RESULT_COLUMNS", "RESULT_DDL", "RESULT_SCHEMA", "SLICE_ROWS", "Options", "results"]

#: the columns :func:`csp_rules.batch.evaluate` adds, with their Arrow types
RESULT_SCHEMA: Final[pa.Schema] = pa.schema(
    [
        pa.field("row_type", pa.string()),
        pa.field("kind", pa.string()),
        pa.field("kind_source", pa.string()),
        pa.field("market_code", pa.string()),
        pa.field("reservations_available", pa.bool_()),
        pa.field("price_includes_tax", pa.bool_()),
        pa.field("cancellation_outcome", pa.string()),
        pa.field("cancel_deadline", pa.timestamp("us", tz="UTC")),
        pa.field("days_left", pa.int32()),
        pa.field("credit_amount", pa.decimal128(38, 4)),
        pa.field("credit_currency", pa.string()),
        pa.field("rules_version", pa.string()),
        pa.field("reasons", pa.string()),
        pa.field("rule_numbers", pa.string()),
        pa.field("explanation", pa.string()),
        pa.field("error_code", pa.string()),
        pa.field("error_message", pa.string()),
        pa.field("evaluated_at", pa.timestamp("us", tz="UTC")),
    ]
)

#: the same columns as a Spark DDL string (``StructType.fromDDL``, ``mapInArrow``)
RESULT_DDL: Final[str] = (
    "row_type STRING, kind STRING, kind_source STRING, "
    "market_code STRING, reservations_available BOOLEAN, price_includes_tax BOOLEAN, "
    "cancellation_outcome STRING, cancel_deadline TIMESTAMP, days_left INT, credit_amount DECIMAL(38,4), "
    "credit_currency STRING, rules_version STRING, reasons STRING, rule_numbers STRING, explanation STRING, "
    "error_code STRING, error_message STRING, evaluated_at TIMESTAMP"
)

#: names of the added columns, in order
RESULT_COLUMNS: Final[tuple[str, ...]] = tuple(RESULT_SCHEMA.names)

#: the values of ``cancellation_outcome``: those of :class:`csp_rules.cancellation.Outcome`
OUTCOMES: Final[tuple[str, ...]] = tuple(o.value for o in Outcome)

#: rows evaluated at a time inside one call (bounds the working memory; results do not depend on it)
SLICE_ROWS: Final = 1 << 16

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_EPOCH_DAY = date(1970, 1, 1)
_KINDS: Final = tuple(ProductKind)
_ROUTES: Final = tuple(Route)
_BASES: Final = tuple(Basis)
_OUTCOMES: Final = tuple(Outcome)
_CREDIT_RULES: Final = tuple(CreditRule)
_POW10: Final = np.array([10**k for k in range(19)], dtype=np.int64)
_LIMIT: Final = 1 << 61
_AMOUNT_SCALE: Final = 4


def _outcome_table() -> I64:
    """:data:`~csp_rules.cancellation.OUTCOME` as an array: key index -> outcome index (-1: no entry)."""
    table = np.full(len(_ROUTES) * len(_BASES) * 8, -1, dtype=np.int64)
    for (route, basis, has_window, in_window, fee), verdict in OUTCOME.items():
        table[_outcome_key(_ROUTES.index(route), _BASES.index(basis), has_window, in_window, fee)] = (
            _OUTCOMES.index(verdict.outcome)
        )
    return table


def _outcome_key(route: Any, basis: Any, has_window: Any, in_window: Any, fee: Any) -> Any:
    """The index of an :data:`~csp_rules.cancellation.OUTCOME` key (ints or int64 arrays alike)."""
    return ((route * len(_BASES) + basis) * 2 + has_window) * 4 + in_window * 2 + fee


_FULL, _PRORATED = 1, 2


def _credit_table() -> I64:
    """:data:`~csp_rules.billing.CREDIT` as an array: key index -> 0 (no amount), 1 (full), 2 (prorated)."""
    computes = {billing.CreditOutcome.FULL: _FULL, billing.CreditOutcome.PRORATED: _PRORATED}
    table = np.zeros(len(_OUTCOMES) * 2 * len(_CREDIT_RULES), dtype=np.int64)
    for (outcome, suspected, rule), verdict in billing.CREDIT.items():
        key = _credit_key(_OUTCOMES.index(outcome), suspected, _CREDIT_RULES.index(rule))
        table[key] = computes.get(verdict.outcome, 0)
    return table


def _credit_key(outcome: Any, suspected: Any, rule: Any) -> Any:
    return (outcome * 2 + suspected) * len(_CREDIT_RULES) + rule


_OUTCOME_TABLE: Final = _outcome_table()
#: outcome key index -> the OUTCOME entry (for the reasons column)
_VERDICTS: Final = {
    _outcome_key(_ROUTES.index(route), _BASES.index(basis), has_window, in_window, fee): verdict
    for (route, basis, has_window, in_window, fee), verdict in OUTCOME.items()
}
_CREDIT_TABLE: Final = _credit_table()


_NEVER: Final = 1 << 40  # a day no date reaches: a version without verified_until is never unverified
_BLANK, _UNTOLD = -1, -2  # what a TermAndBillingCycle says when it tells no kind (blank; other text)
_UNLISTED = len(ROW_TYPES)  # a ChargeType not listed: row type "other", reason batch.unknown_charge_type
#: the reason code of a row not judged, by its row kind (2 credit, 3 other, 4 a ChargeType not listed)
_NOT_JUDGED: Final = {2: "batch.credit_line", 3: "batch.not_a_purchase", 4: "batch.unknown_charge_type"}


def _days(day: date) -> int:
    """Days since 1970-01-01."""
    return (day - _EPOCH_DAY).days


class _Facts(NamedTuple):
    """The columns of a slice as :func:`_Slice._judge` reads them, for any version."""

    kind: I64
    name: I64
    sku: I64
    purchased: I64
    began: I64
    has_began: B
    amounts: _read.Amounts | None
    digits: I64
    has_price: B
    term_start: I64
    term_end: I64
    has_term: B


class _Judgement(NamedTuple):
    """What R7 and R8.4 answer for every row of a slice under some versions."""

    outcome: I64
    okey: I64
    slot: I64
    has_window: B
    deadline: I64
    days_left: I64
    credit_ok: B
    credit_units: I64
    big: dict[int, Decimal]


class Options(NamedTuple):
    """How a call reads its text and writes its sentences (the keyword arguments of ``evaluate``)."""

    lang: str = "en"
    date_order: str = "mdy"
    decimal_comma: bool = False
    slice_rows: int = SLICE_ROWS


_DEFAULT: Final = Options()


def results(
    columns: dict[str, pa.Array | pa.ChunkedArray],
    n: int,
    plan: ColumnPlan,
    at: datetime,
    rules: Rules | None,
    options: Options = _DEFAULT,
) -> list[pa.ChunkedArray]:
    """The result columns for ``n`` rows, computed slice by slice."""
    ctx = _Context(plan, at, rules, options)
    chunks: list[list[pa.Array]] = [[] for _ in RESULT_SCHEMA]
    step = max(1, options.slice_rows)
    for start in range(0, n, step) if n else [0]:
        length = min(step, n - start)
        part = {f: _read.plain(c.slice(start, length)) for f, c in columns.items()}
        for acc, array in zip(chunks, _Slice(ctx, part, length).run(), strict=True):
            acc.append(array)
    return [pa.chunked_array(acc, type=f.type) for acc, f in zip(chunks, RESULT_SCHEMA, strict=True)]


class _Context:
    """What the slices of one call share: ``at``, the rule sets, and answers per distinct value."""

    def __init__(self, plan: ColumnPlan, at: datetime, rules: Rules | None, options: Options) -> None:
        self.plan = plan
        self.at = at
        self.options = options
        self.sentences = Sentences(options.lang)
        self.at_us = (at - _EPOCH) // timedelta(microseconds=1)
        chain = None
        if isinstance(rules, RuleSet):  # judge every row by exactly this rule set
            self.fixed = True
            self.rulesets: tuple[RuleSet, ...] = (rules,)
        else:  # each row by the version of the chain its date selects (R11.5)
            chain = shipped_chain() if rules is None else rules
            self.fixed = False
            self.rulesets = chain.versions
        self.bounds = np.array([_days(rs.in_force_from) for rs in self.rulesets], dtype=np.int64)
        r, k = len(self.rulesets), len(_KINDS)
        # per (rule set, kind): the route before names, whether names matter, the window, the credit rule
        self.by_kind: list[list[Routing]] = []
        self.exclusions: list[Exclusion] = []  # the exclusions rows are decided by, in first-seen order
        self.route = np.empty((r, k), dtype=np.int64)
        self.basis = np.empty((r, k), dtype=np.int64)
        self.excluded_by = np.full((r, k), -1, dtype=np.int64)
        self.names_matter = np.zeros((r, k), dtype=np.bool_)
        self.window = np.full((r, k), -1, dtype=np.int64)
        self.window_term = np.zeros((r, k), dtype=np.bool_)
        self.credit_rule = np.zeros((r, k), dtype=np.int64)
        for i, rs in enumerate(self.rulesets):
            row = []
            for j, kind in enumerate(_KINDS):
                routing, matters = cancellation.kind_route(kind, rs)
                row.append(routing)
                self.route[i, j] = _ROUTES.index(routing.route)
                self.basis[i, j] = _BASES.index(routing.basis)
                self.excluded_by[i, j] = self.exclusion_slot(routing.exclusion)
                self.names_matter[i, j] = matters
                self.window[i, j] = rs.cancellation.window_days.get(kind, -1)
                self.window_term[i, j] = rs.cancellation.window_start(kind) is WindowStart.TERM_START
                self.credit_rule[i, j] = _CREDIT_RULES.index(
                    rs.credits.by_kind.get(kind, CreditRule.NONE_STATED)
                )
            self.by_kind.append(row)
        self.fee = np.array([rs.cancellation.early_termination_fee for rs in self.rulesets], dtype=np.int64)
        self.day_offset = np.array(
            [0 if rs.credits.cancellation_day_credited else 1 for rs in self.rulesets], dtype=np.int64
        )
        self.unit_down = np.array(
            [rs.credits.rounding_method is CreditRounding.UNIT_DOWN for rs in self.rulesets], dtype=np.bool_
        )
        self.versions = _read.strings([rs.version for rs in self.rulesets])
        self.row_type_texts = _read.strings(list(ROW_TYPES))
        self.kind_texts = _read.strings([k.value for k in _KINDS])
        self.source_texts = _read.strings(list(KIND_SOURCES))
        # R11.3: the uncertainty spans of a chain, (first day, last day, V, the version before V)
        self.spans: list[tuple[int, int, int, int]] = []
        if chain is not None:
            for v, rs in enumerate(self.rulesets):
                if rs.uncertainty is not None:
                    span = rs.uncertainty
                    self.spans.append((_days(span.start), _days(span.end), v, v - 1))
        # R11.4: the last day each version was checked (days since 1970; no date: never unverified)
        self.verified = np.array(
            [_NEVER if rs.verified_until is None else _days(rs.verified_until) for rs in self.rulesets],
            dtype=np.int64,
        )
        # R3.4: the published dashboard lists by first-seen date, then each version's own list
        from .. import markets

        history = markets.market_lists("dashboard")
        self.list_bounds = np.array([_days(m.first_seen) for m in history], dtype=np.int64)
        self.lists: list[frozenset[str]] = [m.codes for m in history] + [
            rs.reservations.unavailable_markets for rs in self.rulesets
        ]
        self.own_list = np.array([not rs.reservations.from_history for rs in self.rulesets], dtype=np.bool_)
        # answers per distinct value, shared by the slices
        self.markets: dict[str, int | Problem] = {}
        self.market_codes: list[str] = []
        self.reservation_flags: dict[tuple[int, int], bool] = {}
        self.tax_flags: dict[tuple[int, int], bool] = {}
        self.names: dict[str, int | Problem] = {}
        self.name_texts: list[str] = []
        self.name_is_plan: list[bool] = []
        self.name_is_reservation: list[bool] = []
        self.charge_types: dict[str, int | Problem] = {}
        self.templates: dict[int, int] = {}  # template key -> index in template_list
        self.template_list: list[Template] = []
        self.numbers_texts: dict[int, str] = {}
        self.other_texts: dict[tuple[int, str], str] = {}
        self.routings: dict[tuple[int, int, int, int], tuple[int, int, int]] = {}
        self.skus: dict[str, int | Problem] = {}
        self.sku_texts: list[str] = []
        self.kinds: dict[str, int | Problem] = {}
        self.terms: dict[str, int | Problem] = {}
        self.currencies: dict[str, int | Problem] = {}
        self.reason_texts: dict[tuple[int, int, bool, bool], str] = {}
        #: columns the same on every row (all null, one text, ``at``), once per length: the slices of a
        #: call hold the same buffers (an output's memory, not its values)
        self.shared: dict[Any, pa.Array] = {}

    def nulls(self, n: int) -> pa.Array:
        """``n`` null strings."""
        key = ("nulls", n)
        found = self.shared.get(key)
        if found is None:
            found = self.shared[key] = pa.nulls(n, pa.string())
        return found

    def evaluated(self, n: int) -> pa.Array:
        """``at`` on ``n`` rows."""
        key = ("at", n)
        found = self.shared.get(key)
        if found is None:
            found = _read.ints(np.full(n, self.at_us, dtype=np.int64), pa.timestamp("us", tz="UTC"))
            self.shared[key] = found
        return found

    def numbers(self, okey: int, differs: bool, unverified: bool) -> str:
        """The RULES.md numbers of a row, space-separated: its :data:`~csp_rules.cancellation.OUTCOME`
        entry's, then R11.3 and R11.4 when their reasons are given (as the scalar decision cites them)."""
        key = (okey * 2 + differs) * 2 + unverified
        found = self.numbers_texts.get(key)
        if found is None:
            numbers = list(_VERDICTS[okey].rule_numbers)
            if differs:
                numbers.append("R11.3")
            if unverified:
                numbers.append("R11.4")
            found = " ".join(numbers)
            self.numbers_texts[key] = found
        return found

    def other_version(self, rs: int) -> str:
        """The version the other side of an uncertainty span answers by (R11.3), for a row judged by ``rs``."""
        for _, _, v, before in self.spans:
            if rs == v and before >= 0:
                return self.rulesets[before].version
            if rs == before:
                return self.rulesets[v].version
        return self.rulesets[rs].version  # pragma: no cover - a row that differs is in a span

    def exclusion_slot(self, exclusion: Exclusion | None) -> int:
        """The index of an exclusion among those seen (-1 for none), for the reasons column."""
        if exclusion is None:
            return -1
        for i, seen in enumerate(self.exclusions):
            if seen is exclusion:
                return i
        self.exclusions.append(exclusion)
        return len(self.exclusions) - 1

    def market(self, value: str) -> int | Problem:
        found = self.markets.get(value)
        if found is None:
            from ..markets import resolve

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

    def reservations_available(self, listed: int, code: int) -> bool:
        """R3: whether reservations are available in a market under list ``listed`` (R3.4)."""
        key = (listed, code)
        found = self.reservation_flags.get(key)
        if found is None:
            found = self.market_codes[code] not in self.lists[listed]
            self.reservation_flags[key] = found
        return found

    def price_includes_tax(self, rs: int, code: int) -> bool:
        """R4.1 under the version ``rs``: :func:`csp_rules.tax.price_includes_tax`."""
        key = (rs, code)
        found = self.tax_flags.get(key)
        if found is None:
            from .. import markets, tax

            found = tax.price_includes_tax(markets.resolve(self.market_codes[code]), rules=self.rulesets[rs])
            self.tax_flags[key] = found
        return found

    def reasons(self, okey: int, slot: int, differs: bool, unverified: bool) -> str:
        """The reason codes of a row, space-separated: its :data:`~csp_rules.cancellation.OUTCOME` entry
        (with the code of the exclusion in ``slot``, -1 for none), then the R11.3 and R11.4 reasons."""
        key = (okey, slot, differs, unverified)
        found = self.reason_texts.get(key)
        if found is None:
            verdict = _VERDICTS[okey]
            codes = list(verdict.reasons)
            if slot >= 0:
                code = self.exclusions[slot].reason_code
                codes = [code if c == EXCLUSION_REASON else c for c in codes]
            if differs:
                codes.append("rules.change_date_uncertain")
            if unverified:
                codes.append("rules.unverified_after")
            found = " ".join(codes)
            self.reason_texts[key] = found
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
                self.name_is_reservation.append(is_reservation_name(text))
            self.names[value] = found
        return found

    def routing(self, rs: int, kind: int, name: int, sku: int) -> tuple[int, int, int]:
        """``(route index, basis index, exclusion slot)`` once the product and SKU names are read (R7.3).

        The text matched is :func:`csp_rules.cancellation.match_text` of the names, as the scalar
        path matches it.
        """
        key = (rs, kind, name, sku)
        found = self.routings.get(key)
        if found is None:
            text = cancellation.match_text(self.name_texts[name], None if sku < 0 else self.sku_texts[sku])
            routing = cancellation.name_route(self.by_kind[rs][kind], text, self.rulesets[rs])
            found = (
                _ROUTES.index(routing.route),
                _BASES.index(routing.basis),
                self.exclusion_slot(routing.exclusion),
            )
            self.routings[key] = found
        return found

    def sku(self, value: str) -> int | Problem:
        """The index of a SKU name's text, -1 for a blank one (no SKU), or its error."""
        found = self.skus.get(value)
        if found is None:
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

    def term(self, value: str) -> int:
        """What ``TermAndBillingCycle`` says: ``kind index * 8 + kind source index``, -1 for a blank
        term, -2 for a term that tells no kind."""
        found = self.terms.get(value)
        if found is None:
            if not value.strip():
                found = _BLANK
            else:
                told = kind_from_term(value)
                found = (
                    _UNTOLD
                    if told is None
                    else _KINDS.index(ProductKind(told[0])) * 8 + KIND_SOURCES.index(told[1])
                )
            self.terms[value] = found
        assert isinstance(found, int)
        return found

    def charge_type(self, value: str) -> int | Problem:
        """The row kind of a ``ChargeType``: 0 purchase, 1 renewal, 2 credit, 3 other, 4 a value not listed."""
        found = self.charge_types.get(value)
        if found is None:
            if not value.strip():
                found = Problem(MissingFieldError(field="charge_type", value=value))
            else:
                kind, known = row_type(value)
                found = ROW_TYPES.index(kind) if known else _UNLISTED
            self.charge_types[value] = found
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
    arr = _read.as_string(arr)
    nulls = ~_read.valid_mask(arr)
    answers, idx = _read.distinct_map(arr, answer)
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


def _presence(keys: I64, mask: B, size: int) -> list[int]:
    """The distinct values of ``keys[mask]`` (all in ``range(size)``), in O(rows)."""
    seen = np.zeros(size, dtype=np.bool_)
    seen[keys[mask]] = True
    found: list[int] = np.flatnonzero(seen).tolist()
    return found


def _split_key(key: int, kinds: int, names: int, skus: int) -> tuple[int, int, int, int]:
    """``(rule set, kind, name, sku)`` of a key ``((rs * kinds + kind) * names + name) * skus + sku + 1``."""
    rest, sku = divmod(key, skus)
    rest, name = divmod(rest, names)
    rs, kind = divmod(rest, kinds)
    return rs, kind, name, sku - 1


class _Slice:
    """One slice of rows: read the columns, find each row's first problem, compute the results."""

    def __init__(self, ctx: _Context, columns: dict[str, pa.Array], n: int) -> None:
        self.ctx = ctx
        self.cols = columns
        self.n = n
        self.issues = Issues(n, _l10n.language(ctx.options.lang))

    def _missing(self, mask: B, field: str) -> None:
        self.issues.mark(mask, MissingFieldError(field=field))

    def _raw(self, field: str, row: int) -> Any:
        return self.cols[field][row].as_py()

    def run(self) -> list[pa.Array]:
        ctx, cols, n, iss = self.ctx, self.cols, self.n, self.issues
        plan = ctx.plan

        # ChargeType: what the line is (a missing column: every row is a purchase)
        line = np.zeros(n, dtype=np.int64)
        if "charge_type" in cols:
            line, line_null = _lookup(cols["charge_type"], iss, ctx.charge_type)
            self._missing(line_null, "charge_type")
        judged = line <= 1  # purchases and renewals (and rows whose ChargeType is in error)

        # Money(price, currency)
        amounts = None
        has_price = np.zeros(n, dtype=np.bool_)
        digits = np.zeros(n, dtype=np.int64)
        if "price" in cols:
            price = cols["price"]
            if ctx.options.decimal_comma:
                price = _read.comma_amounts(price, plan.columns["price"], iss)
            amounts = _read.amounts(price, "price", iss)
            has_price = amounts.status == 0
            digits, cur_null = _lookup(cols["currency"], iss, ctx.currency, where=has_price)
            self._missing(has_price & cur_null, "currency")

        # Purchase(order_id, product_name, kind, purchased_at, price, term_start, term_end, ...)
        self._check_text("order_id")
        name_idx, name_null = _lookup(cols["product_name"], iss, ctx.name)
        self._missing(name_null, "product_name")
        kind_idx, source = self._kinds(name_idx)
        us_dates = ctx.options.date_order
        purchased, status, _ = _read.instants(
            cols["purchased_at"],
            naive_is_utc="purchased_at" in plan.reconciliation,
            date_order=us_dates if "purchased_at" in plan.reconciliation else None,
        )
        self._instant_problems(status, "purchased_at")
        if amounts is not None:
            iss.mark(has_price & amounts.negative, negative_price_error(plan.columns["price"]))
        term_start, term_end, has_start, has_end = self._terms()
        if "term_start" in plan.reconciliation:
            # perpetual software with a ChargeStartDate and no ChargeEndDate: a charge date, not a term
            lone = (kind_idx == _KINDS.index(ProductKind.PERPETUAL_SOFTWARE)) & has_start & ~has_end
            has_start = has_start & ~lone
        sku_idx = np.full(n, -1, dtype=np.int64)
        if "sku_name" in cols:
            sku_idx, _ = _lookup(cols["sku_name"], iss, ctx.sku)
        has_term = self._term_order(term_start, term_end, has_start, has_end)
        began, has_began = self._term_began(purchased, term_start, term_end, has_start, has_term, line == 1)

        # markets (R3, R4.1)
        market_idx, market_null = _lookup(cols["market"], iss, ctx.market)
        self._missing(market_null, "market")

        # the version its date selects (R11.2: a renewed subscription's current term's start), or the one given
        kind_safe = np.maximum(kind_idx, 0)
        renewed = has_began & (kind_idx == _KINDS.index(ProductKind.SOFTWARE_SUBSCRIPTION))
        day = np.floor_divide(np.where(renewed, began, purchased), DAY_US)
        if ctx.fixed:
            rs_idx = np.zeros(n, dtype=np.int64)
        else:
            rs_idx = np.searchsorted(ctx.bounds, day, side="right") - 1
            iss.mark_by_key(rs_idx < 0, day, lambda d: _no_rules(int(d)))
            rs_idx = np.maximum(rs_idx, 0)

        # R7: at before the purchase, or before the current term began
        iss.mark(
            purchased > ctx.at_us, cancellation.before_purchase_error(ctx.at, plan.columns["purchased_at"])
        )
        if has_began.any():
            column = plan.columns.get("term_started_at") or plan.columns["term_start"]
            iss.mark(has_began & (began > ctx.at_us), cancellation.before_term_error(ctx.at, column))
        facts = _Facts(kind_safe, name_idx, sku_idx, purchased, began, has_began, amounts, digits, has_price,
                       term_start, term_end, has_term)  # fmt: skip
        main = self._judge(rs_idx, facts, iss, np.ones(n, dtype=np.bool_))

        # R11.3: inside an uncertainty span, the other version's answer; R11.4: after the last check
        differs = np.zeros(n, dtype=np.bool_)
        for lo, hi, v, before in ctx.spans:
            other_idx = np.where(day >= ctx.bounds[v], before, v)
            rows = np.flatnonzero(iss.free() & judged & (day >= lo) & (day <= hi) & (other_idx >= 0))
            if not len(rows):
                continue
            m = len(rows)
            other = self._judge(
                other_idx[rows], _subset(facts, rows), Issues(m), np.ones(m, dtype=np.bool_), rows
            )
            differs[rows] = (
                (other.outcome != main.outcome[rows])
                | (other.has_window != main.has_window[rows])
                | (main.has_window[rows] & (other.deadline != main.deadline[rows]))
                | (other.credit_ok != main.credit_ok[rows])
                | (other.credit_units != main.credit_units[rows])
            )
        unverified = day > ctx.verified[rs_idx]

        # R3.4: the dashboard list in force on the purchase date, or the version's own list
        listed = np.searchsorted(ctx.list_bounds, np.floor_divide(purchased, DAY_US), side="right") - 1
        own = ctx.own_list[rs_idx]
        listed = np.where(own, len(ctx.list_bounds) + rs_idx, listed)
        iss.mark_by_key(listed < 0, day, lambda d: _no_list(int(d)))
        listed = np.maximum(listed, 0)

        # a line that is not a purchase is not judged: whatever was found on it is no error
        iss.idx[~judged] = -1
        row = _Row(
            line, judged, kind_idx, source, rs_idx, market_idx, listed, main, differs, unverified, facts
        )
        return self._assemble(row)

    def _term_began(
        self, purchased: I64, start: I64, end: I64, has_start: B, has_term: B, renewal: B
    ) -> tuple[I64, B]:
        """The current term's start of a renewal (R11.2), read and checked as ``Purchase`` checks it:
        the ``term_started_at`` column, else, for a renewal line (``ChargeType`` renew), its term's
        start (``ChargeStartDate``)."""
        n, cols, plan = self.n, self.cols, self.ctx.plan
        began = np.zeros(n, dtype=np.int64)
        has_began = np.zeros(n, dtype=np.bool_)
        names = np.full(n, -1, dtype=np.int8)
        if "term_started_at" in cols:
            began, status, _ = _read.instants(
                cols["term_started_at"], naive_is_utc="term_started_at" in plan.reconciliation
            )
            self._instant_problems(status, "term_started_at", missing_ok=True)
            has_began = status == _read.OK
            names[has_began] = 0
        from_start = renewal & ~has_began & has_start
        if from_start.any():
            began = np.where(from_start, start * DAY_US, began)
            has_began = has_began | from_start
            names[from_start] = 1
        if not has_began.any():
            return began, has_began
        columns = [plan.columns.get("term_started_at", "term_started_at"), plan.columns.get("term_start", "")]
        for which, column in enumerate(columns):
            mine = names == which
            if not mine.any():
                continue
            self.issues.mark(
                mine & (began < purchased),
                InvalidDateError(
                    f"term_started_at: {column} is before the purchase", field="term_started_at"
                ),
            )
            began_day = np.floor_divide(began, DAY_US)
            self.issues.mark(
                mine & has_term & ((began_day < start) | (began_day >= end)),
                InvalidDateError(
                    f"term_started_at: {column} is not in the term [term_start, term_end)",
                    field="term_started_at",
                ),
            )
        return began, has_began

    def _judge(self, rs_idx: I64, f: _Facts, iss: Issues, free: B, where: I64 | None = None) -> _Judgement:
        """R7 and R8.4 for every row under the versions ``rs_idx``; problems found go to ``iss``.

        ``free`` holds the rows without a problem elsewhere; with ``where`` (the slice's row of each
        row given), ``f`` holds only those rows (an uncertainty span's other answer, R11.3)."""
        ctx, n = self.ctx, len(rs_idx)
        window = ctx.window[rs_idx, f.kind]
        has_window = window >= 0
        start = np.where(ctx.window_term[rs_idx, f.kind] & f.has_began, f.began, f.purchased)
        deadline = start + np.where(has_window, window, 0) * DAY_US
        overflow = has_window & ((deadline > MAX_US) | (start > MAX_US - np.maximum(window, 0) * DAY_US))
        iss.mark_by_key(
            overflow,
            window,
            lambda days: _time.past_calendar_error("deadline", "the window's start", int(days)),
        )

        # the route: by kind, then by name where names matter (R7.3), once per distinct key
        route = ctx.route[rs_idx, f.kind]
        basis = ctx.basis[rs_idx, f.kind]
        slot = ctx.excluded_by[rs_idx, f.kind]
        needs_name = iss.free() & free & ctx.names_matter[rs_idx, f.kind]
        if needs_name.any():
            kinds, names, skus = len(_KINDS), len(ctx.name_texts) + 1, len(ctx.sku_texts) + 1
            keys = ((rs_idx * kinds + f.kind) * names + np.maximum(f.name, 0)) * skus + (f.sku + 1)
            distinct, pick = _read.distinct_keys(keys[needs_name], len(ctx.rulesets) * kinds * names * skus)
            answers = [ctx.routing(*_split_key(key, kinds, names, skus)) for key in distinct]
            route[needs_name] = np.array([a[0] for a in answers], dtype=np.int64).take(pick)
            basis[needs_name] = np.array([a[1] for a in answers], dtype=np.int64).take(pick)
            slot[needs_name] = np.array([a[2] for a in answers], dtype=np.int64).take(pick)

        # the outcome: cancellation.OUTCOME at each row's key
        in_window = has_window & (ctx.at_us < deadline)
        okey = _outcome_key(
            route, basis, has_window.astype(np.int64), in_window.astype(np.int64), ctx.fee[rs_idx]
        )
        outcome = _OUTCOME_TABLE[okey]
        days_left = np.where(in_window, (deadline - ctx.at_us) // DAY_US, 0)

        # R8.4: the credit if cancelled at `at`, billing.CREDIT at each row's key
        suspected = (basis == _BASES.index(Basis.NEAR_MISS)).astype(np.int64)
        computes = _CREDIT_TABLE[
            _credit_key(np.maximum(outcome, 0), suspected, ctx.credit_rule[rs_idx, f.kind])
        ]
        credit_ok = np.zeros(n, dtype=np.bool_)
        credit_units = np.zeros(n, dtype=np.int64)
        big: dict[int, Decimal] = {}
        if f.amounts is not None:
            credit_ok, credit_units, big = self._credits(
                f.amounts, f.digits, iss.free() & free & (computes > 0) & f.has_price,
                computes == _PRORATED, rs_idx, f.term_start, f.term_end, f.has_term, iss, where,
            )  # fmt: skip
        return _Judgement(outcome, okey, slot, has_window, deadline, days_left, credit_ok, credit_units, big)

    # -- fields ------------------------------------------------------------------------------

    def _check_text(self, field: str) -> None:
        arr = self.cols[field]
        if pa.types.is_null(arr.type):
            self._missing(np.ones(self.n, dtype=np.bool_), field)
            return
        if not _read.is_string(arr.type):
            arr = pc.cast(arr, pa.string())
        arr = _read.as_string(arr)
        valid = _read.valid_mask(arr)
        self._missing(~valid, field)
        length = _read.numbers(pc.binary_length(arr))
        fast = (
            valid
            & _read.bools(pc.ascii_is_printable(arr))
            & ~_read.bools(pc.starts_with(arr, " "))
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

            answers, idx = _read.distinct_map(_read.take_rows(arr, rows), check)
            for row, k in zip(rows.tolist(), idx.tolist(), strict=True):
                error = answers[k]
                if error is not None:
                    self.issues.mark_row(row, error)

    def _kinds(self, name_idx: I64) -> tuple[I64, I64]:
        """Each row's kind and the evidence that told it (an index of :data:`KIND_SOURCES`), -1 where
        nothing tells it (``error.unknown_kind``), in the order of ``docs/howto_batch.rst``."""
        ctx, cols, n = self.ctx, self.cols, self.n
        if not ctx.plan.derives_kind:
            kind_idx, nulls = _lookup(cols["kind"], self.issues, ctx.kind)
            self._missing(nulls, "kind")
            return kind_idx, np.where(kind_idx >= 0, 0, -1)
        kind_idx = np.full(n, -1, dtype=np.int64)
        source = np.full(n, -1, dtype=np.int64)
        # 5, 6: TermAndBillingCycle (and, for a blank one, an empty ChargeEndDate)
        term = np.full(n, _BLANK, dtype=np.int64)
        if "term_and_billing_cycle" in cols:
            told, _ = _lookup(cols["term_and_billing_cycle"], self.issues, ctx.term)
            nulls = ~_read.valid_mask(cols["term_and_billing_cycle"])
            term = np.where(nulls, _BLANK, told)
        said = term >= 0
        kind_idx[said] = term[said] // 8
        source[said] = term[said] % 8
        if "term_end" in cols:
            blank = (term == _BLANK) & _blank(cols["term_end"])
            kind_idx[blank] = _KINDS.index(ProductKind.PERPETUAL_SOFTWARE)
            source[blank] = KIND_SOURCES.index("blank_term_no_end")
        # 4: a software-plan name; 3: reservation wording in a name; 2: a ReservationOrderId
        known = name_idx >= 0
        plan_names = np.array([*ctx.name_is_plan, False], dtype=np.bool_)[name_idx] & known
        kind_idx[plan_names] = _KINDS.index(ProductKind.AZURE_SOFTWARE_PLAN)
        source[plan_names] = KIND_SOURCES.index("software_plan_name")
        reserved = np.array([*ctx.name_is_reservation, False], dtype=np.bool_)[name_idx] & known
        for field in ("sku_name", "meter_description"):
            if field in cols:
                reserved |= _flags(cols[field], is_reservation_name)
        kind_idx[reserved] = _KINDS.index(ProductKind.AZURE_RESERVATION)
        source[reserved] = KIND_SOURCES.index("reservation_name")
        if "reservation_order_id" in cols:
            rid = cols["reservation_order_id"]
            if not pa.types.is_null(rid.type):
                rid = _read.as_string(rid if _read.is_string(rid.type) else pc.cast(rid, pa.string()))
                has_id = _read.numbers(pc.binary_length(pc.utf8_trim_whitespace(rid))) > 0
                kind_idx[has_id] = _KINDS.index(ProductKind.AZURE_RESERVATION)
                source[has_id] = KIND_SOURCES.index("reservation_order_id")
        untold = (kind_idx < 0) & known
        if untold.any():
            self.issues.mark_by_key(untold, term, self._unknown_kind)
        return kind_idx, source

    def _unknown_kind(self, term: int) -> CspRulesError:
        plan = self.ctx.plan
        column = plan.columns.get("term_and_billing_cycle", "TermAndBillingCycle")
        if term == _BLANK and "term_end" in plan.columns:
            why = f"{column} is blank but {plan.columns['term_end']} is not (perpetual software has neither)"
        elif term == _BLANK:
            why = f"{column} is blank and the table has no ChargeEndDate"
        else:
            why = f"{column} names no term (such as '1 Year, Monthly') and is not 'One-Time'"
        return UnknownKindError(
            f"kind: the product kind cannot be told: {why}, and no ReservationOrderId, reservation or "
            "software-plan name says it; give a kind column to say it",
            field="kind",
        )

    def _instant_problems(
        self, status: npt.NDArray[np.int8], field: str, *, missing_ok: bool = False
    ) -> None:
        column = self.ctx.plan.columns[field]
        if not missing_ok:
            self._missing(status == _read.NULL, field)
        arr = self.cols[field]
        self.issues.mark_by_value(
            status == _read.INVALID,
            arr,
            lambda value: InvalidDateError(
                f"{field}: invalid date or time {shorten(value)} in column {column!r}",
                field=field,
                value=value,
            ),
        )
        self.issues.mark(
            status == _read.NAIVE,
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
            us, status, date_only = _read.instants(
                cols[field], naive_is_utc=True, date_order=self.ctx.options.date_order if recon else None
            )
            if not recon and _read.is_string(cols[field].type):
                status = np.where((status == _read.OK) & ~date_only, _read.INVALID, status).astype(np.int8)
            self.issues.mark_by_value(
                status == _read.INVALID, cols[field], _bad_term_date(field, plan.columns[field])
            )
            d = np.floor_divide(us, DAY_US)
            if field == "term_end" and recon:
                d = d + 1
                self.issues.mark(
                    (status == _read.OK) & (d * DAY_US > MAX_US),
                    InvalidDateError(
                        "term_end: the day after ChargeEndDate is past the end of the calendar",
                        field="term_end",
                    ),
                )
            days.append(d)
            present.append(status != _read.NULL)
        return days[0], days[1], present[0], present[1]

    def _term_order(self, start: I64, end: I64, has_start: B, has_end: B) -> B:
        """``Purchase``'s own check of the term (both or neither, end after start); whether the row has one."""
        no_end, no_start, reversed_term = term_errors()
        self.issues.mark(has_start & ~has_end, no_end)
        self.issues.mark(has_end & ~has_start, no_start)
        both = has_start & has_end
        self.issues.mark(both & (end <= start), reversed_term)
        return both

    # -- R8.4 --------------------------------------------------------------------------------

    def _credits(
        self,
        amounts: _read.Amounts,
        digits: I64,
        due: B,
        prorated: B,
        rs_idx: I64,
        start: I64,
        end: I64,
        has_term: B,
        iss: Issues,
        where: I64 | None = None,
    ) -> tuple[B, I64, dict[int, Decimal]]:
        """R8.4 for the rows ``due`` a credit: ``(computed, amount in 10**-4 units, exact amounts too big for int64)``.

        ``units = price × 10**digits`` must be whole (else ``error.invalid_amount``, as
        :func:`csp_rules.billing.refund_credit`); a prorated amount is :func:`csp_rules.billing.prorate`
        of :func:`csp_rules.billing.proration_days`, in int64 where it fits, else in Python integers.
        """
        n = len(digits)

        def currency(row: int) -> str:
            return self._currency(row if where is None else int(where[row]))

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
        iss.mark_rows(
            _scatter(n, rows[fractional]),
            lambda row: decimals_error(amounts.decimal(row), currency(row)),
        )
        units = np.where(is_big | fractional, 0, mant // _POW10[down] * _POW10[up])
        offset = self.ctx.day_offset[rs_idx[rows]]
        _, unused, term = billing.proration_days(
            self.ctx.at_us // DAY_US, start[rows], end[rows], offset, maximum=np.maximum
        )
        # a full credit is the whole price: 1 of 1
        unused = np.where(pro, unused, 1)
        term = np.where(pro, np.maximum(term, 1), 1)
        is_big |= units > _LIMIT // np.maximum(unused, 1)
        unit_down = self.ctx.unit_down[rs_idx[rows]]
        safe = np.where(is_big, 0, units)
        amount = np.where(
            unit_down,
            billing.prorate(safe, unused, term, method=CreditRounding.UNIT_DOWN),
            billing.prorate(safe, unused, term),
        )
        factor = _POW10[_AMOUNT_SCALE - np.minimum(dig, _AMOUNT_SCALE)]
        is_big |= amount > _LIMIT // factor
        good = ~is_big & ~fractional
        ok[rows[good]] = True
        value4[rows[good]] = amount[good] * factor[good]
        for k in np.flatnonzero(is_big).tolist():
            row = int(rows[k])
            method = CreditRounding.UNIT_DOWN if unit_down[k] else CreditRounding.LINE_HALF_UP
            result = self._credit_exact(
                currency(row), amounts.decimal(row), int(unused[k]), int(term[k]), method
            )
            if isinstance(result, CspRulesError):
                iss.mark_row(row, result)
            else:
                exact[row] = result
                ok[row] = True
        return ok, value4, exact

    def _currency(self, row: int) -> str:
        return str(self._raw("currency", row))

    def _credit_exact(
        self, currency: str, price: Decimal, unused: int, term: int, method: CreditRounding
    ) -> Decimal | CspRulesError:
        """The credit of one row in Python integers (amounts past the int64 path), the same arithmetic."""
        digits = currency_digits(currency)
        numerator, denominator = price.as_integer_ratio()
        units, remainder = divmod(numerator * 10**digits, denominator)
        if remainder:
            return decimals_error(price, currency)
        return Decimal(f"{billing.prorate(units, unused, term, method=method)}E-{digits}")

    # -- output ------------------------------------------------------------------------------

    def _assemble(self, row: _Row) -> list[pa.Array]:
        ctx, n, iss = self.ctx, self.n, self.issues
        main = row.main
        free = iss.free()
        ok = free & row.judged
        null = ~ok
        codes = ctx.market_codes
        width = len(codes) + 1
        m_safe = np.where(ok, row.market, len(codes))
        # R3 per (list, market), R4.1 per (version, market): each answer once
        available = np.zeros(len(ctx.lists) * width, dtype=np.bool_)
        keys = row.listed * width + m_safe
        for key in _presence(keys, ok, len(available)):
            available[key] = ctx.reservations_available(*divmod(key, width))
        inclusive = np.zeros(len(ctx.rulesets) * width, dtype=np.bool_)
        tax_keys = row.rs * width + m_safe
        for key in _presence(tax_keys, ok, len(inclusive)):
            inclusive[key] = ctx.price_includes_tax(*divmod(key, width))
        market_code = _take(_read.strings([*codes, ""]), m_safe, null, ctx.shared)
        reservations = _read.booleans(available.take(keys), null)
        tax = _read.booleans(inclusive.take(tax_keys), null)
        outcome_arr = _take(_read.strings(list(OUTCOMES)), np.maximum(main.outcome, 0), null, ctx.shared)
        no_window = null | ~main.has_window
        deadline_arr = _read.ints(
            np.where(no_window, 0, main.deadline), pa.timestamp("us", tz="UTC"), no_window
        )
        days_arr = _read.ints(np.where(no_window, 0, main.days_left), pa.int32(), no_window)
        credit_null = null | ~main.credit_ok
        credit = _decimal_array(main.credit_units, credit_null, main.big)
        if "currency" in self.cols and (~credit_null).any():
            currency = pc.if_else(
                _read.booleans(~credit_null),
                _read.as_string(self.cols["currency"]),
                _read.null_scalar(pa.string()),
            )
        else:
            currency = ctx.nulls(n)
        versions = _take(ctx.versions, row.rs, null, ctx.shared)
        reasons, numbers, explanation = self._explained(ok, row)
        skip = free & ~row.judged
        if skip.any():
            reasons, explanation = self._not_judged(skip, row.line, reasons, explanation)
        if iss.entries:
            entry = np.maximum(iss.idx, 0)
            error_code = _take(_read.strings([c for c, _ in iss.entries]), entry, free)
            error_message = _take(_read.strings([m for _, m in iss.entries]), entry, free)
        else:
            error_code = error_message = ctx.nulls(n)
        line = np.where(row.line == _UNLISTED, ROW_TYPES.index("other"), row.line)
        row_type = _take(ctx.row_type_texts, np.maximum(line, 0), line < 0, ctx.shared)
        kind = _take(ctx.kind_texts, np.maximum(row.kind, 0), row.kind < 0, ctx.shared)
        source = _take(ctx.source_texts, np.maximum(row.source, 0), row.source < 0, ctx.shared)
        evaluated = ctx.evaluated(n)
        return [
            row_type, kind, source, market_code, reservations, tax, outcome_arr, deadline_arr, days_arr,
            credit, currency, versions, reasons, numbers, explanation, error_code, error_message, evaluated,
        ]  # fmt: skip

    def _explained(self, ok: B, row: _Row) -> tuple[pa.Array, pa.Array, pa.Array]:
        """The reason codes, rule numbers and sentence of each judged row, each built once per distinct
        combination (reasons, numbers) or per distinct template (sentences, see :mod:`._explain`)."""
        ctx, n, main = self.ctx, self.n, row.main
        if not ok.any():
            none = ctx.nulls(n)
            return none, none, none
        slots = len(ctx.exclusions) + 1
        rkey = ((main.okey * slots + (main.slot + 1)) * 2 + row.differs) * 2 + row.unverified
        size = len(_OUTCOME_TABLE) * slots * 4
        distinct = _presence(rkey, ok, size)
        lookup = np.zeros(size, dtype=np.int64)
        lookup[distinct] = np.arange(len(distinct))
        per_row = lookup[np.where(ok, rkey, 0)]
        reason_texts, number_texts = [], []
        for key in distinct:
            rest, unv = divmod(key, 2)
            rest, dif = divmod(rest, 2)
            okey, slot = divmod(rest, slots)
            reason_texts.append(ctx.reasons(okey, slot - 1, bool(dif), bool(unv)))
            number_texts.append(ctx.numbers(okey, bool(dif), bool(unv)))
        reasons = _take(_read.strings(reason_texts), per_row, ~ok, ctx.shared)
        numbers = _take(_read.strings(number_texts), per_row, ~ok, ctx.shared)
        # sentences: one template per (reasons, version, kind)
        r, k = len(ctx.rulesets), len(_KINDS)
        tkey = (rkey * r + row.rs) * k + row.facts.kind
        tsize = size * r * k
        tdistinct = _presence(tkey, ok, tsize)
        tlookup = np.full(tsize, -1, dtype=np.int64)
        for key in tdistinct:
            found = ctx.templates.get(key)
            if found is None:
                first = int(np.flatnonzero(ok & (tkey == key))[0])
                found = len(ctx.template_list)
                ctx.template_list.append(self._template(first, row))
                ctx.templates[key] = found
            tlookup[key] = found
        tid = np.where(ok, tlookup[np.where(ok, tkey, 0)], -1)
        explanation = ctx.sentences.rows(ctx.template_list, tid, main.days_left, main.deadline)
        return reasons, numbers, explanation

    def _template(self, r: int, row: _Row) -> Template:
        """The sentence template of row ``r``'s decision, its constants taken from the scalar decision of
        a purchase like it (the same names, kind, dates and rule set), so they read as the scalar ones."""
        from ..facts import Purchase

        ctx, f, main = self.ctx, row.facts, row.main
        rs = int(row.rs[r])
        sku = int(f.sku[r])
        purchase = Purchase(
            order_id="-",
            product_name=ctx.name_texts[int(f.name[r])],
            kind=_KINDS[int(f.kind[r])],
            purchased_at=_EPOCH + timedelta(microseconds=int(f.purchased[r])),
            sku_name=ctx.sku_texts[sku] if sku >= 0 else None,
            term_started_at=_EPOCH + timedelta(microseconds=int(f.began[r])) if f.has_began[r] else None,
        )
        decision = cancellation.evaluate(purchase, at=ctx.at, rules=ctx.rulesets[rs])
        facts: dict[str, Any] = dict(decision.facts)
        verdict = _VERDICTS[int(main.okey[r])]
        code = decision.reasons[0]
        if code not in sentences()["main"]:  # a user's exclusion with a code of its own
            code = _OWN_CODE.get(verdict.outcome, "cancellation.support_request_excluded")
        codes = [("main", code)]
        info = [c for c in verdict.reasons[1:] if c.startswith("cancellation.window_info")]
        codes += [("info", c) for c in info]
        if row.differs[r]:
            facts["other_ruleset"] = ctx.other_version(rs)
            codes.append(("dating", "rules.change_date_uncertain"))
        if row.unverified[r]:
            facts["verified_until"] = ctx.rulesets[rs].verified_until
            codes.append(("dating", "rules.unverified_after"))
        return ctx.sentences.template(codes, facts)

    def _not_judged(
        self, skip: B, line: I64, reasons: pa.Array, explanation: pa.Array
    ) -> tuple[pa.Array, pa.Array]:
        """Reasons and sentences of the lines that are not purchases (credits, other lines): per distinct
        ``ChargeType``, the ``batch.*`` reason and its message."""
        from ..decision import message

        ctx = self.ctx
        rows = np.flatnonzero(skip)
        values = _read.take_rows(_read.as_string(self.cols["charge_type"]), rows)

        def explain(value: str) -> tuple[str, str]:
            kind = ctx.charge_type(value)
            assert isinstance(kind, int)
            code = _NOT_JUDGED[kind]
            return code, message(code, ctx.options.lang, {"charge_type": value.strip()})

        answers, idx = _read.distinct_map(values, explain)
        spread = np.full(self.n, -1, dtype=np.int64)
        spread[rows] = idx
        missing = spread < 0
        codes = _take(_read.strings([a[0] for a in answers] + [""]), np.maximum(spread, 0), missing)
        texts = _take(_read.strings([a[1] for a in answers] + [""]), np.maximum(spread, 0), missing)
        return pc.coalesce(reasons, codes), pc.coalesce(explanation, texts)


class _Row(NamedTuple):
    """What :meth:`_Slice._assemble` puts together for each row of a slice."""

    line: I64  # -1 (ChargeType in error), else ROW_TYPES' index, or _UNLISTED
    judged: B
    kind: I64
    source: I64
    rs: I64
    market: I64
    listed: I64
    main: _Judgement
    differs: B
    unverified: B
    facts: _Facts


#: the main reason of a user's exclusion with a code of its own, by outcome, in the sentences
_OWN_CODE: Final = {
    Outcome.SUPPORT_REQUEST: "cancellation.support_request_excluded",
    Outcome.NOT_CANCELLABLE: "cancellation.not_cancellable",
}


def _subset(f: _Facts, rows: I64) -> _Facts:
    """The facts of some rows of a slice only."""
    amounts = None
    if f.amounts is not None:
        amounts = _read.Amounts(len(rows))
        amounts.mant, amounts.scale = f.amounts.mant[rows], f.amounts.scale[rows]
        amounts.status, amounts.negative = f.amounts.status[rows], f.amounts.negative[rows]
        if f.amounts.big:
            amounts.big = {i: f.amounts.big[r] for i, r in enumerate(rows.tolist()) if r in f.amounts.big}
    return _Facts(
        f.kind[rows], f.name[rows], f.sku[rows], f.purchased[rows], f.began[rows], f.has_began[rows], amounts,
        f.digits[rows], f.has_price[rows], f.term_start[rows], f.term_end[rows], f.has_term[rows],
    )  # fmt: skip


def _blank(arr: pa.Array) -> B:
    """Per row: whether a cell is empty (null, or text of white space only)."""
    if pa.types.is_null(arr.type):
        return np.ones(len(arr), dtype=np.bool_)
    empty = ~_read.valid_mask(arr)
    if _read.is_string(arr.type):
        empty |= _read.numbers(pc.binary_length(pc.utf8_trim_whitespace(_read.as_string(arr)))) == 0
    return empty


def _flags(arr: pa.Array, test: Callable[[str], bool]) -> B:
    """Per row: ``test`` of its text (once per distinct value), False for nulls and values that are not text."""
    n = len(arr)
    if pa.types.is_null(arr.type) or n == 0:
        return np.zeros(n, dtype=np.bool_)
    if not _read.is_string(arr.type):
        arr = pc.cast(arr, pa.string())
    answers, idx = _read.distinct_map(_read.as_string(arr), lambda v: bool(test(v)))
    return np.array([*answers, False], dtype=np.bool_)[idx]


def _scatter(n: int, rows: npt.NDArray[np.int64]) -> B:
    mask = np.zeros(n, dtype=np.bool_)
    mask[rows] = True
    return mask


def _take(
    dictionary: pa.Array, index: npt.NDArray[Any], null: B, shared: dict[Any, pa.Array] | None = None
) -> pa.Array:
    """``dictionary[index]`` per row, null where ``null``; one value on every row is built directly (once
    per length in ``shared``: the slices of a call then hold the same buffers)."""
    n = len(index)
    if n and not null.any() and pa.types.is_string(dictionary.type):
        first = index[0]
        if (index == first).all():  # the same text on every row (row_type, kind_source...): no take
            data = dictionary[int(first)].as_py().encode("utf-8")
            key = ("text", data, n)
            if shared is not None and key in shared:
                return shared[key]
            made = _constant_text(data, n)
            if shared is not None:
                shared[key] = made
            return made
    indices = _read.ints(np.where(null, 0, index), pa.int32(), null)
    return dictionary.take(indices)


def _constant_text(data: bytes, n: int) -> pa.Array:
    """The text ``data`` on each of ``n`` rows."""
    offsets = np.arange(0, (n + 1) * len(data), len(data) or 1, dtype=np.int32)[: n + 1]
    if not data:
        offsets = np.zeros(n + 1, dtype=np.int32)
    return pa.Array.from_buffers(pa.string(), n, [None, pa.py_buffer(offsets), pa.py_buffer(data * n)])


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
            f"{field}: invalid date {shorten(value)} in column {column!r}; expected YYYY-MM-DD",
            field=field,
            value=value,
        )

    return make


def _no_list(days: int) -> CspRulesError:
    day = _EPOCH_DAY + timedelta(days=days)
    return NoRulesInForceError(
        f"on: no dashboard list of unavailable markets is known on {day.isoformat()} (R3.4)",
        field="on",
        value=day,
    )


def _no_rules(days: int) -> CspRulesError:
    return NoRulesInForceError(field="on", value=_EPOCH_DAY + timedelta(days=days))
