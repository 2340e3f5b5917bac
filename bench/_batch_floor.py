"""A hand-written floor of ``csp_rules.batch.evaluate`` (issue 18): bare Arrow and numpy kernels giving the
same result columns, for the clean tables the benchmarks time.

:func:`floor` takes a table in the canonical layout (typed columns, or text as read from a CSV file,
instants ending in ``Z``) or in the reconciliation layout (text, Partner Center's column names) and
returns the 18 result columns :func:`csp_rules.batch.evaluate` adds; ``bench/batch.py`` (before timing)
and ``tests/test_speed_floors.py`` check that they are equal to the library's. The ratio of
``evaluate`` to this floor is what the library adds to the bare computation: reading every form a
column may take, finding and explaining each row's first problem, the generality of rule sets and
layouts.

What the floor computes, honestly (the rule cannot do less):

* the columns parsed once, by one cast each (instants, dates, amounts: no check of their form);
* per **distinct** value: the market (``markets.resolve``), the kind, the currency's digits, the
  product's route (``cancellation.kind_route`` and ``name_route``, R7.3), the kind's evidence of a
  reconciliation row (``TermAndBillingCycle``, reservation and software-plan names), the R3 and R4.1
  flags per (list, market) and (version, market), the reasons, rule numbers and sentence templates per
  decision key (the templates filled from the scalar decision of one row, as the library fills them);
* per **row**, in int64 arrays: the version in force (bisection, R11.5), the R11.4 and R11.3 tests
  (the other version's answer inside an uncertainty span), the window and its deadline (R7), the
  outcome (``cancellation.OUTCOME``), the credit and its exact proration (R8.4, ``billing.CREDIT``);
  the text columns by one ``take`` from their distinct values, the sentence by one take of its head
  (per distinct template, days left and date) and one of its time of day, joined.

It assumes what the library checks: every row a purchase with valid values, the default chain.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any, NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from csp_rules import billing, cancellation, markets, tax
from csp_rules.batch import RESULT_SCHEMA, ROW_TYPES
from csp_rules.batch._columns import is_reservation_name, is_software_plan_name, kind_from_term, row_type
from csp_rules.batch._explain import DAY, DAYS, PLURAL, Sentences, _times_with, sentences
from csp_rules.cancellation import EXCLUSION_REASON, OUTCOME, Basis, Outcome
from csp_rules.facts import ProductKind, Purchase, currency_digits
from csp_rules.rulesets import CreditRounding, CreditRule, Route, WindowStart, shipped_chain

UTC = timezone.utc
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
EPOCH_DAY = date(1970, 1, 1)
DAY_US = 86_400_000_000
KINDS = tuple(ProductKind)
ROUTES = tuple(Route)
BASES = tuple(Basis)
OUTCOMES = tuple(Outcome)
CREDIT_RULES = tuple(CreditRule)
POW10 = np.array([10**k for k in range(19)], dtype=np.int64)

#: reconciliation names -> canonical fields (the columns this floor reads)
RECONCILIATION = {
    "CustomerCountry": "market",
    "OrderId": "order_id",
    "ProductName": "product_name",
    "OrderDate": "purchased_at",
    "ChargeType": "charge_type",
    "Subtotal": "price",
    "Currency": "currency",
    "ChargeStartDate": "term_start",
    "ChargeEndDate": "term_end",
    "TermAndBillingCycle": "term_and_billing_cycle",
    "ReservationOrderId": "reservation_order_id",
}


def _days(day: date) -> int:
    return (day - EPOCH_DAY).days


def _ints(values: Any, kind: pa.DataType | None = None, null: Any = None) -> pa.Array:
    kind = pa.int32() if kind is None else kind
    dtype = np.int32 if kind.bit_width == 32 else np.int64
    data = np.ascontiguousarray(values, dtype=dtype)
    validity = None
    nulls = 0
    if null is not None and null.any():
        validity = pa.py_buffer(np.packbits(~null, bitorder="little"))
        nulls = int(null.sum())
    return pa.Array.from_buffers(kind, len(data), [validity, pa.py_buffer(data)], null_count=nulls)


def _bools(values: Any) -> pa.Array:
    return pa.Array.from_buffers(
        pa.bool_(), len(values), [None, pa.py_buffer(np.packbits(values, bitorder="little"))]
    )


def _strings(values: list[str]) -> pa.Array:
    return pa.array(values, pa.string())


def _take(texts: list[str], index: Any, null: Any = None) -> pa.Array:
    return _strings(texts).take(_ints(index, pa.int32(), null))


def _dense(keys: Any, size: int) -> tuple[Any, Any, Any]:
    """The distinct values of ``keys`` (all in ``range(size)``), each row's index among them, and the
    first row of each: a lookup table, no sort."""
    first = np.full(size, -1, dtype=np.int64)
    first[keys[::-1]] = np.arange(len(keys) - 1, -1, -1)
    distinct = np.flatnonzero(first >= 0)
    position = np.zeros(size, dtype=np.int64)
    position[distinct] = np.arange(len(distinct))
    return distinct, position[keys], first[distinct]


def _distinct(arr: pa.Array, fn: Any) -> tuple[list[Any], Any]:
    """``fn`` of each distinct value, and each row's index among them."""
    encoded = pc.dictionary_encode(arr)
    return [fn(v) for v in encoded.dictionary.to_pylist()], np.asarray(encoded.indices, dtype=np.int64)


class _Chain:
    """The parameters of the shipped chain, read once (as the library reads them once per call)."""

    def __init__(self) -> None:
        self.rulesets = shipped_chain().versions
        r, k = len(self.rulesets), len(KINDS)
        self.bounds = np.array([_days(rs.in_force_from) for rs in self.rulesets], dtype=np.int64)
        self.window = np.full((r, k), -1, dtype=np.int64)
        self.from_term = np.zeros((r, k), dtype=np.bool_)
        self.credit_rule = np.zeros((r, k), dtype=np.int64)
        for i, rs in enumerate(self.rulesets):
            for j, kind in enumerate(KINDS):
                self.window[i, j] = rs.cancellation.window_days.get(kind, -1)
                self.from_term[i, j] = rs.cancellation.window_start(kind) is WindowStart.TERM_START
                self.credit_rule[i, j] = CREDIT_RULES.index(
                    rs.credits.by_kind.get(kind, CreditRule.NONE_STATED)
                )
        self.fee = np.array([rs.cancellation.early_termination_fee for rs in self.rulesets], dtype=np.int64)
        self.day_offset = np.array(
            [0 if rs.credits.cancellation_day_credited else 1 for rs in self.rulesets], dtype=np.int64
        )
        self.unit_down = np.array(
            [rs.credits.rounding_method is CreditRounding.UNIT_DOWN for rs in self.rulesets], dtype=np.bool_
        )
        self.verified = np.array(
            [1 << 40 if rs.verified_until is None else _days(rs.verified_until) for rs in self.rulesets],
            dtype=np.int64,
        )
        self.spans = [
            (_days(rs.uncertainty.start), _days(rs.uncertainty.end), v)
            for v, rs in enumerate(self.rulesets)
            if rs.uncertainty is not None
        ]
        history = markets.market_lists("dashboard")
        self.list_bounds = np.array([_days(m.first_seen) for m in history], dtype=np.int64)
        self.lists = [m.codes for m in history]
        self.outcome = np.full(len(ROUTES) * len(BASES) * 8, -1, dtype=np.int64)
        for (route, basis, has_window, in_window, fee), verdict in OUTCOME.items():
            key = _okey(ROUTES.index(route), BASES.index(basis), has_window, in_window, fee)
            self.outcome[key] = OUTCOMES.index(verdict.outcome)
        self.verdicts = {
            _okey(ROUTES.index(route), BASES.index(basis), hw, iw, fee): verdict
            for (route, basis, hw, iw, fee), verdict in OUTCOME.items()
        }
        self.credit = np.zeros(len(OUTCOMES) * 2 * len(CREDIT_RULES), dtype=np.int64)
        computes = {billing.CreditOutcome.FULL: 1, billing.CreditOutcome.PRORATED: 2}
        for (outcome, suspected, rule), verdict in billing.CREDIT.items():
            key = (OUTCOMES.index(outcome) * 2 + suspected) * len(CREDIT_RULES) + CREDIT_RULES.index(rule)
            self.credit[key] = computes.get(verdict.outcome, 0)


def _okey(route: Any, basis: Any, has_window: Any, in_window: Any, fee: Any) -> Any:
    return ((route * len(BASES) + basis) * 2 + has_window) * 4 + in_window * 2 + fee


_CHAIN: _Chain | None = None


def _chain() -> _Chain:
    global _CHAIN
    if _CHAIN is None:
        _CHAIN = _Chain()
    return _CHAIN


class Inputs(NamedTuple):
    """The columns of a clean table, parsed."""

    market: pa.Array
    name: pa.Array
    kind: Any  # index in KINDS per row
    source: list[str]  # kind_source texts and each row's index among them
    source_idx: Any
    row_types: list[str]
    row_type_idx: Any
    purchased: Any  # us since 1970
    units: Any  # price in 10**-4 units (int64)
    currency: pa.Array
    term_start: Any  # days since 1970
    term_end: Any


def _instants(arr: pa.Array) -> Any:
    if pa.types.is_timestamp(arr.type):
        return np.asarray(arr.cast(pa.timestamp("us", tz="UTC")).cast(pa.int64()), dtype=np.int64)
    target = pa.timestamp("us", tz="UTC") if arr[0].as_py().endswith("Z") else pa.timestamp("us")
    return np.asarray(pc.cast(arr, target).cast(pa.int64()), dtype=np.int64)


def _day_numbers(arr: pa.Array) -> Any:
    if pa.types.is_date(arr.type):
        return np.asarray(arr.cast(pa.int32()), dtype=np.int64)
    return np.floor_divide(_instants(arr), DAY_US)


def _units4(arr: pa.Array) -> Any:
    """Amounts in 10**-4 units (int64), by one cast."""
    words = pc.cast(arr, pa.decimal128(38, 4))
    low = np.frombuffer(words.buffers()[1], dtype=np.int64, count=2 * (words.offset + len(words)))
    return low[2 * words.offset :: 2].copy()


def _plain(column: Any) -> pa.Array:
    return column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column


def canonical(table: pa.Table) -> Inputs:
    c = {name: _plain(table.column(name)) for name in table.column_names}
    n = table.num_rows
    kinds, kind_idx = _distinct(c["kind"], lambda v: KINDS.index(ProductKind(v)))
    return Inputs(
        market=c["market"],
        name=c["product_name"],
        kind=np.array(kinds, dtype=np.int64)[kind_idx],
        source=["kind"],
        source_idx=np.zeros(n, dtype=np.int64),
        row_types=["purchase"],
        row_type_idx=np.zeros(n, dtype=np.int64),
        purchased=_instants(c["purchased_at"]),
        units=_units4(c["price"]),
        currency=c["currency"],
        term_start=_day_numbers(c["term_start"]),
        term_end=_day_numbers(c["term_end"]),
    )


def reconciliation(table: pa.Table) -> Inputs:
    c = {
        RECONCILIATION[name]: _plain(table.column(name))
        for name in table.column_names
        if name in RECONCILIATION
    }
    # the kind from evidence (docs/howto_batch.rst): a ReservationOrderId, names, then the term
    told, term_idx = _distinct(c["term_and_billing_cycle"], kind_from_term)
    term_kind = np.array([KINDS.index(ProductKind(t[0])) for t in told], dtype=np.int64)[term_idx]
    sources = ["term", "one_time_term", "software_plan_name", "reservation_name", "reservation_order_id"]
    term_source = np.array([sources.index(t[1]) for t in told], dtype=np.int64)[term_idx]
    flags, name_idx = _distinct(
        c["product_name"], lambda v: (is_software_plan_name(v), is_reservation_name(v))
    )
    plan = np.array([f[0] for f in flags], dtype=np.bool_)[name_idx]
    reserved = np.array([f[1] for f in flags], dtype=np.bool_)[name_idx]
    has_id = np.asarray(pc.fill_null(pc.greater(pc.binary_length(c["reservation_order_id"]), 0), False))
    kind = np.select(
        [has_id, reserved, plan],
        [KINDS.index(ProductKind.AZURE_RESERVATION)] * 2 + [KINDS.index(ProductKind.AZURE_SOFTWARE_PLAN)],
        term_kind,
    )
    source = np.select([has_id, reserved, plan], [4, 3, 2], term_source)
    types, type_idx = _distinct(c["charge_type"], lambda v: ROW_TYPES.index(row_type(v)[0]))
    return Inputs(
        market=c["market"],
        name=c["product_name"],
        kind=kind,
        source=sources,
        source_idx=source,
        row_types=list(ROW_TYPES),
        row_type_idx=np.array(types, dtype=np.int64)[type_idx],
        purchased=_instants(c["purchased_at"]),
        units=_units4(c["price"]),
        currency=c["currency"],
        term_start=_day_numbers(c["term_start"]),
        term_end=_day_numbers(c["term_end"]) + 1,
    )


class _Judged(NamedTuple):
    outcome: Any
    okey: Any
    slot: Any
    has_window: Any
    deadline: Any
    days_left: Any
    credit_ok: Any
    credit4: Any


def _judge(
    ch: _Chain, at_us: int, rs: Any, kind: Any, name_route: Any, units: Any, digits: Any, start: Any, end: Any,
    purchased: Any,
) -> _Judged:  # fmt: skip
    window = ch.window[rs, kind]
    has_window = window >= 0
    deadline = purchased + np.where(has_window, window, 0) * DAY_US
    route, basis, slot = name_route
    in_window = has_window & (at_us < deadline)
    okey = _okey(route, basis, has_window.astype(np.int64), in_window.astype(np.int64), ch.fee[rs])
    outcome = ch.outcome[okey]
    days_left = np.where(in_window, (deadline - at_us) // DAY_US, 0)
    suspected = (basis == BASES.index(Basis.NEAR_MISS)).astype(np.int64)
    computes = ch.credit[
        (np.maximum(outcome, 0) * 2 + suspected) * len(CREDIT_RULES) + ch.credit_rule[rs, kind]
    ]
    minor = units // POW10[4 - digits]  # the price in minor units (whole on clean rows)
    _, unused, term = billing.proration_days(
        at_us // DAY_US, start, end, ch.day_offset[rs], maximum=np.maximum
    )
    prorated = computes == 2
    unused = np.where(prorated, unused, 1)
    term = np.where(prorated, np.maximum(term, 1), 1)
    amount = np.where(
        ch.unit_down[rs],
        billing.prorate(minor, unused, term, method=CreditRounding.UNIT_DOWN),
        billing.prorate(minor, unused, term),
    )
    return _Judged(
        outcome, okey, slot, has_window, deadline, days_left, computes > 0, amount * POW10[4 - digits]
    )


def floor(table: pa.Table, at: datetime) -> dict[str, pa.Array]:
    """The result columns of ``batch.evaluate(table, at=at)`` for a clean table (see the module docstring)."""
    inputs = reconciliation(table) if "OrderId" in table.column_names else canonical(table)
    return answers(inputs, at)


def answers(f: Inputs, at: datetime) -> dict[str, pa.Array]:
    ch = _chain()
    n = len(f.kind)
    at_us = (at - EPOCH) // timedelta(microseconds=1)
    day = np.floor_divide(f.purchased, DAY_US)
    rs = np.searchsorted(ch.bounds, day, side="right") - 1
    # per distinct market: its code; per distinct currency: its digits; per distinct name: its routes
    codes, market_idx = _distinct(f.market, lambda v: markets.resolve(v).code)
    digits_of, cur_idx = _distinct(f.currency, currency_digits)
    digits = np.array(digits_of, dtype=np.int64)[cur_idx]
    names, name_idx = _distinct(f.name, lambda v: v)
    k, m = len(KINDS), len(names)
    routes: dict[int, tuple[int, int, int, Any]] = {}
    exclusions: list[Any] = []

    def routing(key: int) -> tuple[int, int, int]:
        found = routes.get(key)
        if found is None:
            v, rest = divmod(key, k * m)
            kind, name = divmod(rest, m)
            rules = ch.rulesets[v]
            by_kind, matters = cancellation.kind_route(KINDS[kind], rules)
            r = (
                cancellation.name_route(by_kind, cancellation.match_text(names[name], None), rules)
                if matters
                else by_kind
            )
            if r.exclusion is not None and r.exclusion not in exclusions:
                exclusions.append(r.exclusion)
            slot = -1 if r.exclusion is None else exclusions.index(r.exclusion)
            found = (ROUTES.index(r.route), BASES.index(r.basis), slot, r.exclusion)
            routes[key] = found
        return found[:3]

    def routed(rs_rows: Any, kind_rows: Any, name_rows: Any) -> tuple[Any, Any, Any]:
        keys = (rs_rows * k + kind_rows) * m + name_rows
        distinct, inverse, _ = _dense(keys, len(ch.rulesets) * k * m)
        table = np.array([routing(int(key)) for key in distinct], dtype=np.int64).reshape(-1, 3)
        got = table[inverse]
        return got[:, 0], got[:, 1], got[:, 2]

    route = routed(rs, f.kind, name_idx)
    main = _judge(ch, at_us, rs, f.kind, route, f.units, digits, f.term_start, f.term_end, f.purchased)
    # R11.3: the other version's answer inside an uncertainty span; R11.4: after the last check
    differs = np.zeros(n, dtype=np.bool_)
    other_of = np.full(len(ch.rulesets), -1, dtype=np.int64)
    for lo, hi, v in ch.spans:
        other = np.where(day >= ch.bounds[v], v - 1, v)
        other_of[v], other_of[v - 1] = v - 1, v
        rows = np.flatnonzero((day >= lo) & (day <= hi))
        if not len(rows):
            continue
        o = _judge(
            ch, at_us, other[rows], f.kind[rows], routed(other[rows], f.kind[rows], name_idx[rows]),
            f.units[rows], digits[rows], f.term_start[rows], f.term_end[rows], f.purchased[rows],
        )  # fmt: skip
        differs[rows] = (
            (o.outcome != main.outcome[rows])
            | (o.has_window != main.has_window[rows])
            | (main.has_window[rows] & (o.deadline != main.deadline[rows]))
            | (o.credit_ok != main.credit_ok[rows])
            | (o.credit4 != main.credit4[rows])
        )
    unverified = day > ch.verified[rs]
    # R3 (the dashboard list in force on the purchase day) and R4.1, per (list or version, market)
    listed = np.searchsorted(ch.list_bounds, day, side="right") - 1
    w = len(codes)
    avail = [code not in lst for lst in ch.lists for code in codes]
    includes = [
        tax.price_includes_tax(markets.resolve(code), rules=rules) for rules in ch.rulesets for code in codes
    ]
    no_window = ~main.has_window
    credit_null = ~main.credit_ok
    words = np.empty(2 * n, dtype=np.int64)
    words[0::2] = main.credit4
    words[1::2] = np.where(main.credit4 < 0, -1, 0)
    credit = pa.Array.from_buffers(
        pa.decimal128(38, 4), n,
        [pa.py_buffer(np.packbits(~credit_null, bitorder="little")), pa.py_buffer(words)],
        null_count=int(credit_null.sum()),
    )  # fmt: skip
    # reasons and rule numbers per distinct (outcome key, exclusion, R11.3, R11.4)
    slots = len(exclusions) + 1
    rkey = ((main.okey * slots + main.slot + 1) * 2 + differs) * 2 + unverified
    rdistinct, rinverse, _ = _dense(rkey, len(ch.outcome) * slots * 4)
    reason_texts, number_texts = [], []
    for key in rdistinct.tolist():
        rest, unv = divmod(key, 2)
        rest, dif = divmod(rest, 2)
        okey, slot = divmod(rest, slots)
        verdict = ch.verdicts[okey]
        codes_ = [
            exclusions[slot - 1].reason_code if c == EXCLUSION_REASON and slot else c for c in verdict.reasons
        ]
        numbers = list(verdict.rule_numbers)
        if dif:
            codes_.append("rules.change_date_uncertain")
            numbers.append("R11.3")
        if unv:
            codes_.append("rules.unverified_after")
            numbers.append("R11.4")
        reason_texts.append(" ".join(codes_))
        number_texts.append(" ".join(numbers))
    # sentences: a template per (reasons, version, kind), then per row its head and its time of day
    text = Sentences("en")
    tkey = (rinverse * len(ch.rulesets) + rs) * k + f.kind
    _, tid, tfirst = _dense(tkey, len(rdistinct) * len(ch.rulesets) * k)
    templates = []
    for first in tfirst.tolist():
        templates.append(
            _template(ch, text, at, first, f, rs, main, differs, unverified, names, name_idx, other_of)
        )
    says_days = np.array([DAYS in t.head or PLURAL in t.head for t in templates], dtype=np.bool_)[tid]
    says_day = np.array([DAY in t.head for t in templates], dtype=np.bool_)[tid]
    day_key = np.where(says_day, np.floor_divide(main.deadline, DAY_US) + 719_163, 0)
    heads_key = (tid << 44) | (np.where(says_days, main.days_left, 0) << 22) | day_key
    encoded = pc.dictionary_encode(_ints(heads_key, pa.int64()))
    heads = [
        text._head(
            templates[key >> 44].head, (key >> 22) & ((1 << 22) - 1), (key & ((1 << 22) - 1)) - 719_163
        )
        for key in encoded.dictionary.to_pylist()
    ]
    head_col = _strings(heads).take(encoded.indices)
    tails = sorted({t.tail for t in templates if t.tail is not None})
    which = np.array([tails.index(t.tail) if t.tail is not None else -1 for t in templates], dtype=np.int64)[
        tid
    ]
    second = np.floor_divide(main.deadline, 1_000_000) % 86_400
    index = np.where(which < 0, len(tails) * 86_400, which * 86_400 + second)
    explanation = pc.binary_join_element_wise(
        head_col, _times_with("en", tuple(tails)).take(_ints(index)), ""
    )
    nulls = pa.nulls(n, pa.string())
    return {
        "row_type": _take(f.row_types, f.row_type_idx),
        "kind": _take([kd.value for kd in KINDS], f.kind),
        "kind_source": _take(f.source, f.source_idx),
        "market_code": _take(codes, market_idx),
        "reservations_available": _bools(np.array(avail, dtype=np.bool_)[listed * w + market_idx]),
        "price_includes_tax": _bools(np.array(includes, dtype=np.bool_)[rs * w + market_idx]),
        "cancellation_outcome": _take([o.value for o in OUTCOMES], main.outcome),
        "cancel_deadline": _ints(main.deadline, pa.timestamp("us", tz="UTC"), no_window),
        "days_left": _ints(main.days_left, pa.int32(), no_window),
        "credit_amount": credit,
        "credit_currency": pc.if_else(_bools(~credit_null), f.currency, pa.scalar(None, pa.string())),
        "rules_version": _take([r.version for r in ch.rulesets], rs),
        "reasons": _strings(reason_texts).take(_ints(rinverse)),
        "rule_numbers": _strings(number_texts).take(_ints(rinverse)),
        "explanation": explanation,
        "error_code": nulls,
        "error_message": nulls,
        "evaluated_at": _ints(np.full(n, at_us, dtype=np.int64), pa.timestamp("us", tz="UTC")),
    }


_OWN_CODE = {
    Outcome.SUPPORT_REQUEST: "cancellation.support_request_excluded",
    Outcome.NOT_CANCELLABLE: "cancellation.not_cancellable",
}


def _template(
    ch: _Chain, text: Sentences, at: datetime, r: int, f: Inputs, rs: Any, main: _Judged, differs: Any,
    unverified: Any, names: list[str], name_idx: Any, other_of: Any,
) -> Any:  # fmt: skip
    """The sentence template of row ``r``'s decision, its constants from the scalar decision of a purchase
    like it (as the library takes them)."""
    v = int(rs[r])
    purchase = Purchase(
        order_id="-",
        product_name=names[int(name_idx[r])],
        kind=KINDS[int(f.kind[r])],
        purchased_at=EPOCH + timedelta(microseconds=int(f.purchased[r])),
    )
    decision = cancellation.evaluate(purchase, at=at, rules=ch.rulesets[v])
    facts: dict[str, Any] = dict(decision.facts)
    verdict = ch.verdicts[int(main.okey[r])]
    code = decision.reasons[0]
    if code not in sentences()["main"]:
        code = _OWN_CODE.get(verdict.outcome, "cancellation.support_request_excluded")
    codes = [("main", code)] + [
        ("info", c) for c in verdict.reasons[1:] if c.startswith("cancellation.window_info")
    ]
    if differs[r]:
        facts["other_ruleset"] = ch.rulesets[int(other_of[v])].version
        codes.append(("dating", "rules.change_date_uncertain"))
    if unverified[r]:
        facts["verified_until"] = ch.rulesets[v].verified_until
        codes.append(("dating", "rules.unverified_after"))
    return text.template(codes, facts)


def differences(library: pa.Table, floor_columns: dict[str, pa.Array]) -> list[str]:
    """The result columns where the library and the floor differ (as values), empty when they agree."""
    out = []
    for field in RESULT_SCHEMA:
        got = library.column(field.name).combine_chunks()
        want = floor_columns[field.name]
        if got.type != want.type or not got.equals(want.cast(got.type)):
            out.append(field.name)
    return out


__all__ = ["Inputs", "answers", "canonical", "differences", "floor", "reconciliation"]
