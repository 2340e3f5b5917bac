"""Audit the credits (R7, R8.4, R10.3, R11.3): did Partner Center credit what the rules say, on the invoice they name?

This package owns no rule: every expected credit is :func:`csp_rules.billing.refund_credit` of the
credit's purchase at its cancellation, by the version in force at the purchase (R11.2, R11.5).

:func:`audit` takes one or more reconciliation tables (several months' files: a credit often
lands on a later invoice than its purchase), in any form :func:`csp_rules.batch.evaluate` takes,
and returns an :class:`AuditReport`: one row per **credit row** (``ChargeType`` ``Cancel``,
``removeQuantity`` or ``cancelImmediate``), in the order of the inputs, never one lost.

**What a credit row says.** It credits the line of one order: the rows with the same ``OrderId``
and the same ``SubscriptionId`` (else the same ``ProductId`` + ``SkuId`` + ``AvailabilityId``).
The cancellation date is its ``ChargeStartDate`` (else its ``OrderDate``), read as Partner Center
writes it (UTC; a date is 00:00 that day, and a cancellation dated the day of its purchase is at the
purchase instant at the earliest). Its amount (``Subtotal``, else ``Total``: before tax) is the credit; Partner Center
writes credits negative, and the audit compares magnitudes. It covers the quantity it names
(``Quantity``, else ``BillableQuantity``; without one, the purchase's); several credits against one
purchase add up.

**Which purchase.** Among the purchase and renewal rows of the line (``New``, ``addQuantity``,
``renew``) in all the tables, the latest whose date (a renewal's ``ChargeStartDate``, its term's
start; else the ``OrderDate``) is on or before the cancellation. Its price is ``Subtotal`` (else
``Total``) for its quantity (``Quantity``, else ``BillableQuantity``, else 1).

**The expected credit** of ``q`` credited seats of a purchase of ``Q`` seats at price ``P``:
:func:`~csp_rules.billing.refund_credit` at the cancellation date says whether a credit is due
(R7: cancellable then? an R7.3 product? a reservation, not covered, R7.4?) and which share
(R8.4: 100% or the unused days); the amount is computed under **both** roundings of R8.4:
``line_half_up`` (``P × q / Q × unused / term``, rounded half up once) and ``unit_down`` (each seat's
``P / Q × unused / term`` rounded down, times ``q``). ``expected`` is the one the version in force
names (``line_half_up`` in every shipped version).

**Statuses** (:data:`STATUSES`), the first that applies:

====================  ==============================================================================
``unmatched_credit``  no purchase row of the credit's line in the tables given
``no_rule_stated``    the version in force states no credit rule (S2018): nothing is judged
``support_request``   the purchase could only be cancelled through a support request (R7.3 Windows
                      7 ESU, R10.3): the support team decides; the credit is reported, not judged
``credit_not_due``    the rules give no credit (window closed, not cancellable, not covered)
``over_credit``       the credits against the purchase add up to more than was paid
``wrong_amount``      the credit is neither rounding's amount (``difference`` = credited − expected)
``late_invoice``      the right amount, on a later invoice than R8.4's next one
``ok_rounding``       the amount of the *other* rounding (``rounding`` names the rules' own)
``ok``                the amount the rules give, on the invoice they name (or not checked)
====================  ==============================================================================

A credit that does not match inside an R11.3 uncertainty span but matches what the other version
would give carries ``rules.change_date_uncertain`` (and ``audit.matches_other_version``).

**The invoice.** The files carry an ``InvoiceNumber`` but no invoice date. An ``invoice_date``
column (``InvoiceDate``) gives it; else, with ``billing_day``, an invoice's date is the first
billing day strictly after the latest date of its rows (``ChargeStartDate``, else ``OrderDate``);
the expected one is :func:`~csp_rules.billing.next_invoice_date` after the cancellation. Without
either the check is skipped, and the row says so (``audit.invoice_not_checked``).

**What cannot be seen.** A purchase cancelled without any credit row is not in these files as a
cancellation: the audit cannot tell it from a purchase never cancelled, and does not guess.

**Bad rows.** A credit whose row or purchase row cannot be read (a date, an amount, a kind no
evidence tells...) gets the :class:`~csp_rules.errors.CspRulesError` code on its row, a null
status, and the other rows are audited. A table that lacks a required column raises
:class:`~csp_rules.errors.MissingColumnsError` before any row is read.

>>> import pyarrow as pa
>>> t = pa.table({
...     "CustomerCountry": ["FR", "FR"], "OrderId": ["O-1", "O-1"], "SubscriptionId": ["S-1", "S-1"],
...     "OrderDate": ["2022-11-01T10:00:00", "2022-11-01T10:00:00"],
...     "ProductName": ["Microsoft 365 E3", "Microsoft 365 E3"], "ChargeType": ["New", "Cancel"],
...     "Quantity": [10, -10], "Subtotal": ["100.80", "-94.20"], "Currency": ["EUR", "EUR"],
...     "ChargeStartDate": ["2022-11-01T00:00:00", "2022-11-03T00:00:00"],
...     "ChargeEndDate": ["2022-12-01T23:59:59", "2022-12-01T23:59:59"],
...     "TermAndBillingCycle": ["1 Month", "1 Month"],
... })
>>> report = audit(t)
>>> report.table.select(["status", "credited", "expected", "unit_down"]).to_pylist()
[{'status': 'ok_rounding', 'credited': Decimal('94.2000'), 'expected': Decimal('94.3000'), 'unit_down': Decimal('94.2000')}]
>>> print(report.table.column("explanation")[0])
Credit of €94.20 for order O-1 matches the rules only rounded unit_down (R8.4): under line_half_up, as S2022-07-11 rounds, the credit is €94.30. The invoice was not checked: give billing_day or an invoice_date column.
>>> report.counts
{'ok_rounding': 1}
"""

from __future__ import annotations

import decimal
from datetime import date
from decimal import Decimal
from typing import Any, Final

try:
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
except ImportError as _exc:  # pragma: no cover - depends on the installation
    raise ImportError("csp_rules.audit needs pyarrow: pip install 'csp-rules[arrow]'") from _exc

from .. import _l10n, billing
from ..batch import _read
from ..errors import CspRulesError, InvalidFieldError
from ..facts import currency_digits
from ..rulesets import RuleChain, RuleSet
from . import _expect, _fast, _match
from ._expect import STATUSES
from ._report import REPORT_COLUMNS, REPORT_SCHEMA, AuditReport

__all__ = ["REASON_CODES", "REPORT_COLUMNS", "REPORT_SCHEMA", "STATUSES", "AuditReport", "audit"]

#: the decimal context of the audit's arithmetic (exact: sums and differences of amounts never round)
_EXACT: Final = decimal.Context(prec=200, rounding=decimal.ROUND_HALF_UP, Emax=10**6, Emin=-(10**6),
                                traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow])  # fmt: skip

#: every reason code the audit emits (messages in ``data/messages/audit.json``)
REASON_CODES: Final[frozenset[str]] = frozenset(
    {
        *(f"audit.{s}" for s in STATUSES),
        "audit.matches_other_version",
        "audit.invoice_not_checked",
    }
)


def audit(
    tables: Any,
    *,
    rules: RuleSet | RuleChain | None = None,
    billing_day: int | None = None,
    lang: str = "en",
    date_order: str = "mdy",
) -> AuditReport:
    """Audit every credit row of ``tables`` against the rules (see the module docstring).

    :param tables: one table (a :class:`pyarrow.Table` or ``RecordBatch``, a pandas or polars
        ``DataFrame`` or ``LazyFrame``, a list of records), a list or tuple of tables (months'
        files), or a mapping of names to tables (the names fill the ``source`` columns).
    :param rules: one rule set for every purchase, or a chain of versions; by default the shipped
        chain, whose version in force at each purchase judges it.
    :param billing_day: the day of the month invoices are issued (1–31), for the invoice check.
    :param lang: the language of the ``explanation`` column (``"en"``, ``"fr"`` or a variant).
    :param date_order: how en-US dates are read: ``"mdy"`` (Partner Center's) or ``"dmy"``.
    :returns: an :class:`AuditReport`; its :attr:`~AuditReport.table` is of the kind of the first table.
    :raises MissingColumnsError: a table lacks a required column.
    :raises InvalidInputError: a column is of a type its field cannot hold.
    :raises TypeError: a table is of no kind above, or an argument of the wrong type.
    """
    return _audit(tables, rules=rules, billing_day=billing_day, lang=lang, date_order=date_order, fast=True)


def _audit(
    tables: Any, *, rules: Any, billing_day: int | None, lang: str, date_order: str, fast: bool
) -> AuditReport:
    """:func:`audit`; ``fast`` False judges every credit by the scalar path (the tests compare both)."""
    with decimal.localcontext(_EXACT):  # the caller's decimal context never changes an amount
        return _run(tables, rules=rules, billing_day=billing_day, lang=lang, date_order=date_order, fast=fast)


def _run(
    tables: Any, *, rules: Any, billing_day: int | None, lang: str, date_order: str, fast: bool
) -> AuditReport:
    if rules is not None and not isinstance(rules, (RuleSet, RuleChain)):
        raise TypeError(f"rules: expected a RuleSet or a RuleChain, got {type(rules).__name__}")
    if billing_day is not None:
        billing.next_invoice_date(date(2000, 1, 1), billing_day)  # TypeError or InvalidFieldError, now
    _l10n.babel_locale(lang)
    if date_order not in ("mdy", "dmy"):
        raise InvalidFieldError(
            f"date_order: expected 'mdy' or 'dmy', got {str(date_order)[:40]!r}",
            field="date_order",
            value=date_order,
        )
    items = _match.split_inputs(tables)
    kinds = [_match.kind_of(t) for _, t in items]
    arrow = [(name, _match.to_arrow(t, k)) for (name, t), k in zip(items, kinds, strict=True)]
    rows = _match.read_rows(arrow)
    types = _match.row_types(rows)
    credits, pair_p, pair_c = _match.match(rows, types)
    n = len(credits)
    # the cancellation: ChargeStartDate, else OrderDate
    c_us, c_ok = _match.instants(rows, "term_start", credits, date_order)
    o_us, o_ok = _match.instants(rows, "purchased_at", credits, date_order)
    has_start = _has(rows, "term_start", credits)
    cancel_us = np.where(c_ok, c_us, o_us)
    cancel_ok = c_ok | (~has_start & o_ok)  # a ChargeStartDate that cannot be read is the row's error
    # the purchase rows met: their selecting dates
    distinct_p = np.unique(pair_p)
    p_order, p_order_ok = _match.instants(rows, "purchased_at", distinct_p, date_order)
    p_start, p_start_ok = _match.instants(rows, "term_start", distinct_p, date_order)
    p_end, p_end_ok = _match.instants(rows, "term_end", distinct_p, date_order)
    p_renewal = types[distinct_p] == _match.RENEWAL
    p_sel = np.where(p_renewal & p_start_ok, p_start, p_order)
    p_sel_ok = np.where(p_renewal, p_start_ok, p_order_ok)
    at = np.searchsorted(distinct_p, pair_p)
    chosen = _match.choose(cancel_us, cancel_ok, pair_p, pair_c, p_sel[at], p_sel_ok[at], n)
    invoices = _invoices(rows, credits, billing_day, date_order)
    # python values of the credits and their purchases
    credit_values = {
        f: _match.take(rows, f, credits)
        for f in (
            "order_id",
            "charge_type",
            "price",
            "currency",
            "quantity",
            "billable_quantity",
            "invoice_number",
            "total",
        )
    }
    matched = chosen[chosen >= 0]
    where = np.searchsorted(distinct_p, matched)
    fields = ("order_id", "product_name", "sku_name", "kind", "reservation_order_id", "term_and_billing_cycle",
              "meter_description", "term_end", "price", "total", "currency", "quantity", "billable_quantity", "subscription_id")  # fmt: skip
    bought_values = {f: _match.take(rows, f, matched) for f in fields}
    has_end = "term_end" in rows.fields
    bought: dict[int, _expect.Bought] = {}
    po, pok = p_order.tolist(), p_order_ok.tolist()
    ps, psk = p_start.tolist(), p_start_ok.tolist()
    pe, pek = p_end.tolist(), p_end_ok.tolist()
    pr = p_renewal.tolist()
    Bought = _expect.Bought
    for p, i, values in zip(
        matched.tolist(), where.tolist(), zip(*(bought_values[f] for f in fields), strict=True), strict=True
    ):
        (
            order_id,
            product,
            sku,
            kind,
            roi,
            term,
            meter,
            end_raw,
            price,
            total,
            currency,
            qty,
            billable,
            sub,
        ) = values
        bought[p] = Bought(
            order_id, product, sku, kind, roi, term, meter, has_end,
            po[i] if pok[i] else None, ps[i] if psk[i] else None, pe[i] if pek[i] else None, end_raw, pr[i],
            price if price is not None and (type(price) is not str or price.strip()) else _first(price, total),
            currency,
            qty if qty is not None and (type(qty) is not str or qty.strip()) else _first(qty, billable),
            sub,
        )  # fmt: skip
    findings: list[_expect.Finding | None] = [None] * n
    running: dict[int, Decimal] = {}
    judged = (
        _fast.Judged(arrow, rows, np.unique(matched), rules, date_order) if fast and len(matched) else None
    )
    by_version = _fast.versions(rules)
    selecting = (
        p_sel[np.searchsorted(distinct_p, np.maximum(chosen, 0))].tolist() if len(distinct_p) else [0] * n
    )
    line = _match.lines(rows, credits)
    order_ids, currencies, invoice_list = credit_values["order_id"], credit_values["currency"], invoices
    amounts = [
        a if a is not None and (type(a) is not str or a.strip()) else _first(a, t)
        for a, t in zip(credit_values["price"], credit_values["total"], strict=True)
    ]
    quantities = [
        q if q is not None and (type(q) is not str or q.strip()) else _first(q, b)
        for q, b in zip(credit_values["quantity"], credit_values["billable_quantity"], strict=True)
    ]
    chosen_list, cancel_list, cancel_ok_list = chosen.tolist(), cancel_us.tolist(), cancel_ok.tolist()
    field_list = ["term_start" if h else "purchased_at" for h in has_start.tolist()]
    Credit, fast_judge, write = _expect.Credit, _fast.judge, _expect.written
    for c in np.lexsort((np.arange(n), np.where(cancel_ok, cancel_us, 0))).tolist():
        p = chosen_list[c]
        if p < 0:
            findings[c] = write(_unmatched(credit_values, c, line[c]), lang)
            continue
        b = bought[p]
        credit = Credit(
            order_ids[c],
            amounts[c],
            currencies[c],
            quantities[c],
            _same_day(cancel_list[c], b.purchased_us) if cancel_ok_list[c] else None,
            invoice_list[c],
            field_list[c],
        )
        if judged is not None:
            found = fast_judge(
                credit, b, p, judged, by_version, rules, billing_day, running, selecting[c], lang
            )
            if found is not None:
                findings[c] = found  # written
                continue
        try:
            findings[c] = write(_expect.judge(credit, b, rules, billing_day, running, p), lang)
        except CspRulesError as exc:
            findings[c] = _expect.Finding(None, (), (), {}, error=exc)
    credit_names, credit_rows = _match.locate(rows, credits)
    bought_names, bought_rows = _match.locate(rows, np.where(chosen >= 0, chosen, 0))
    return AuditReport._build(
        kind=kinds[0],
        first=items[0][1],
        findings=[f for f in findings if f is not None] if n else [],
        sources=credit_names,
        row_numbers=credit_rows,
        order_ids=credit_values["order_id"],
        lines=line,
        charge_types=credit_values["charge_type"],
        cancelled=[
            date.fromordinal(_ORDINAL_1970 + u // _DAY_US) if ok else None
            for u, ok in zip(cancel_list, cancel_ok_list, strict=True)
        ],
        invoice_numbers=credit_values["invoice_number"],
        invoices=invoices,
        purchase_sources=[s if p >= 0 else None for s, p in zip(bought_names, chosen.tolist(), strict=True)],
        purchase_rows=[r if p >= 0 else None for r, p in zip(bought_rows, chosen.tolist(), strict=True)],
        lang=lang,
        billing_day=billing_day,
    )


_ORDINAL_1970: Final = date(1970, 1, 1).toordinal()
_DAY_US: Final = 86_400_000_000


def _unmatched(values: dict[str, list[Any]], c: int, line: str | None) -> _expect.Finding:
    """The finding of a credit without a purchase row: its amount and currency when they can be read."""
    currency = values["currency"][c]
    currency = currency.strip() if isinstance(currency, str) and currency.strip() else None
    credited = None
    if currency is not None:
        try:
            units = _fast._units(_first(values["price"][c], values["total"][c]), currency_digits(currency))
        except CspRulesError:
            units, currency = None, None
        credited = None if units is None else Decimal(abs(units)).scaleb(-currency_digits(currency or "EUR"))
    facts = {"order_id": values["order_id"][c], "line": line or ""}
    return _expect.Finding("unmatched_credit", ("audit.unmatched_credit",), (), facts,
                           credited=credited, currency=currency if credited is not None else None)  # fmt: skip


def _same_day(cancelled: int, purchased: int | None) -> int:
    """A cancellation dated the purchase's day (a date: 00:00 UTC) is at the purchase instant at the earliest."""
    day = 86_400_000_000
    if purchased is not None and cancelled < purchased and cancelled // day == purchased // day:
        return purchased
    return cancelled


def _first(value: Any, fallback: Any) -> Any:
    if value is None or (isinstance(value, str) and not value.strip()):
        return fallback
    return value


def _has(rows: _match.Rows, field: str, where: Any) -> Any:
    """Where the rows have a non-blank value of ``field``."""
    column = rows.fields.get(field)
    if column is None:
        return np.zeros(len(where), np.bool_)
    arr = _read.plain(column).take(pa.array(where, pa.int64()))
    if _read.is_string(arr.type):
        arr = pc.utf8_trim_whitespace(_read.as_string(arr))
        return np.asarray(pc.fill_null(pc.not_equal(arr, ""), False))
    return _read.valid_mask(arr)


def _invoices(rows: _match.Rows, credits: Any, billing_day: int | None, date_order: str) -> list[date | None]:
    """The invoice date of each credit row: its ``invoice_date``, else, with a billing day, the first billing
    day after the latest date of the rows of its ``InvoiceNumber``; else None."""
    n = len(credits)
    out: list[date | None] = [None] * n
    if "invoice_date" in rows.fields:
        us, ok = _match.instants(rows, "invoice_date", credits, date_order)
        out = [
            _expect.instant(int(u)).date() if k else None
            for u, k in zip(us.tolist(), ok.tolist(), strict=True)
        ]
    if billing_day is None or "invoice_number" not in rows.fields or not n:
        return out
    numbers = _match._text(rows.fields["invoice_number"])
    mine = pc.unique(numbers.take(pa.array(credits, pa.int64())).drop_null())
    where = np.flatnonzero(np.asarray(pc.fill_null(pc.is_in(numbers, value_set=mine), False))).astype(
        np.int64
    )
    start, start_ok = _match.instants(rows, "term_start", where, date_order)
    order, order_ok = _match.instants(rows, "purchased_at", where, date_order)
    day = np.where(start_ok, start, order)
    ok = start_ok | order_ok
    t = pa.table({"n": numbers.take(pa.array(where[ok], pa.int64())), "d": pa.array(day[ok], pa.int64())})
    latest = t.group_by("n").aggregate([("d", "max")])
    dates = {
        name: billing.next_invoice_date(_expect.instant(int(us)), billing_day)
        for name, us in zip(latest.column("n").to_pylist(), latest.column("d_max").to_pylist(), strict=True)
    }
    mine_numbers = numbers.take(pa.array(credits, pa.int64())).to_pylist()
    return [out[i] if out[i] is not None else dates.get(v) for i, v in enumerate(mine_numbers)]
