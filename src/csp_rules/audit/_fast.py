"""The columnar path of :mod:`csp_rules.audit`: the credits that are due, judged from one batch evaluation.

Private. :func:`csp_rules.batch.evaluate` judges every matched purchase row once, at an instant
after every cancellation: its kind, the version in force, its R7 route and the end of its window
(``cancel_deadline``, which does not depend on the instant). A credit's cancellation is then
inside the window or not; the credit rule of the version (``rules.credits.by_kind``) and
:data:`csp_rules.billing.CREDIT` say what is due, and :func:`csp_rules.billing.proration_days` and
:func:`csp_rules.billing.prorate` compute it under both roundings, as the scalar path does.

Only the common case is judged here: a credit that is due (self-service, inside the window, a
credit rule stated), with every value readable. Every other credit (an error, a support request,
a credit not due, no rule stated, a wrong amount inside an R11.3 span...) is left to the scalar
path of :mod:`._expect` (``None``), so both paths give the same row: ``tests/test_audit_paths.py``
checks they agree.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any, Final, NamedTuple

import numpy as np
import pyarrow as pa

from .. import batch, billing, rulesets
from ..billing import CreditOutcome
from ..cancellation import Outcome
from ..errors import CspRulesError
from ..facts import Money, ProductKind, clean_text, currency_digits, to_decimal
from ..rulesets import CreditRounding, CreditRule, RuleChain, RuleSet
from . import _expect, _match

#: the instant the purchases are evaluated at: after any cancellation (``cancel_deadline`` does not
#: depend on it)
_LATE: Final = datetime(9999, 12, 1, tzinfo=timezone.utc)
_DAY_US: Final = 86_400_000_000
_ORDINAL_1970: Final = date(1970, 1, 1).toordinal()


class Judged:
    """What :func:`csp_rules.batch.evaluate` says of each matched purchase row (by row index)."""

    def __init__(self, arrow: list[tuple[str, pa.Table]], rows: _match.Rows, distinct: Any, rules: Any,
                 date_order: str) -> None:  # fmt: skip
        #: ``(kind, version, cancellation outcome, cancel deadline in µs)`` of each purchase row read
        #: without error
        self.row: dict[int, tuple[str | None, str | None, str | None, int | None]] = {}
        bounds = np.cumsum([0, *rows.sizes])
        table_of = np.searchsorted(bounds, distinct, side="right") - 1
        for t, (_, table) in enumerate(arrow):
            mine = distinct[table_of == t]
            if not len(mine):
                continue
            local = pa.array(mine - bounds[t], pa.int64())
            out = batch.evaluate(table.take(local), at=_LATE, rules=rules, date_order=date_order)
            cols = {
                name: out.column(name).to_pylist()
                for name in ("kind", "rules_version", "cancellation_outcome", "error_code")
            }
            keys = mine.tolist()
            deadlines = out.column("cancel_deadline").cast(pa.int64()).to_pylist()
            facts = zip(
                cols["kind"], cols["rules_version"], cols["cancellation_outcome"], deadlines, strict=True
            )
            self.row.update(
                (p, f) for p, f, e in zip(keys, facts, cols["error_code"], strict=True) if e is None
            )


def versions(rules: Any) -> dict[str, RuleSet]:
    """The rule sets by version name: the one given, the chain's, or the shipped chain's."""
    if isinstance(rules, RuleSet):
        return {rules.version: rules}
    chain = rules if isinstance(rules, RuleChain) else rulesets.shipped_chain()
    return {rs.version: rs for rs in chain}


def _quantity(value: Any) -> int | bool | None:
    """A quantity's magnitude; None when absent; False when it is no whole number from 1 to 10**9."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        number = abs(value)
        return number if 1 <= number <= 10**9 else False
    try:
        d = abs(to_decimal(value.strip() if isinstance(value, str) else value, "quantity"))
    except (TypeError, CspRulesError):
        return False
    return int(d) if d == d.to_integral_value() and 1 <= d <= 10**9 else False


def _units(value: Any, digits: int) -> int | None:
    """An amount as whole minor units, None when it is not one (plain decimal text read without Decimal)."""
    if type(value) is str:
        text: str = value.strip()
        body = text[1:] if text[:1] == "-" else text
        whole, dot, frac = body.partition(".")
        if whole.isascii() and whole.isdigit() and (not dot or (frac.isascii() and frac.isdigit())):
            if len(frac) > digits:
                if frac[digits:].strip("0"):
                    return None
                frac = frac[:digits]
            number: int = int(whole) * 10**digits + (int(frac.ljust(digits, "0")) if digits else 0)
            return -number if body is not text else number
    if value is None or isinstance(value, float) or (isinstance(value, str) and not value.strip()):
        return None
    try:
        d = to_decimal(value.strip() if isinstance(value, str) else value, "amount")
    except (TypeError, CspRulesError):
        return None
    scaled = d.scaleb(digits)
    if scaled != scaled.to_integral_value():
        return None
    return int(scaled)


_SELF: Final = Outcome.SELF_SERVICE.value
_CLOSED: Final = Outcome.WINDOW_CLOSED.value
_SUBSCRIPTION: Final = ProductKind.SOFTWARE_SUBSCRIPTION.value
_FULL: Final = CreditOutcome.FULL
_PRORATED: Final = CreditOutcome.PRORATED
_LINE: Final = CreditRounding.LINE_HALF_UP
_UNIT: Final = CreditRounding.UNIT_DOWN
_VERDICTS: dict[tuple[int, str], Any] = {}
_DIGITS: dict[str, int] = {}
_CLEAN: dict[Any, str | None] = {}
_DATINGS: dict[tuple[int, int], tuple[Any, rulesets.Dating]] = {}


def _verdict(rs: RuleSet, kind: str) -> Any:
    """:data:`csp_rules.billing.CREDIT` of a self-service cancellation of ``kind`` under ``rs`` (cached)."""
    key = (id(rs), kind)
    found = _VERDICTS.get(key)
    if found is None:
        rule = rs.credits.by_kind.get(ProductKind(kind), CreditRule.NONE_STATED)
        found = billing.CREDIT[Outcome.SELF_SERVICE, False, rule]
        if len(_VERDICTS) < 4096:
            _VERDICTS[key] = found
    return found


def _digits(currency: str) -> int:
    found = _DIGITS.get(currency)
    if found is None:
        found = currency_digits(currency)
        if len(_DIGITS) < 4096:
            _DIGITS[currency] = found
    return found


def _clean(value: Any, field: str) -> str | None:
    """:func:`csp_rules.facts.clean_text` of a required text (cached for text values)."""
    if type(value) is not str:
        return clean_text(value, field)
    found = _CLEAN.get(value, _CLEAN)
    if found is _CLEAN:
        found = clean_text(value, field)
        if len(_CLEAN) < 1 << 16:
            _CLEAN[value] = found
    return found  # type: ignore[return-value]


def _dating(rules: Any, day: int) -> rulesets.Dating:
    """:func:`csp_rules.rulesets.dating` of a day number (kept per rules object and day)."""
    key = (id(rules), day)
    kept = _DATINGS.get(key)
    if kept is None or kept[0] is not rules:
        kept = (rules, rulesets.dating(rules, _expect.instant(day * _DAY_US).date()))
        if len(_DATINGS) >= 1 << 14:
            _DATINGS.clear()
        _DATINGS[key] = kept
    return kept[1]


class _Plan(NamedTuple):
    """What a version says of a self-service credit of one kind, read once."""

    rs: RuleSet
    due: bool
    prorated: bool
    offset: int
    line_mine: bool
    rounding: str
    other_rounding: str
    rule_numbers: tuple[str, ...]
    version: str


_PLANS: dict[tuple[int, str], _Plan] = {}


def _plan(rs: RuleSet, kind: str) -> _Plan:
    key = (id(rs), kind)
    found = _PLANS.get(key)
    if found is None or found.rs is not rs:
        verdict = _verdict(rs, kind)
        method = rs.credits.rounding_method
        found = _Plan(
            rs,
            verdict.outcome is _FULL or verdict.outcome is _PRORATED,
            verdict.outcome is _PRORATED,
            0 if rs.credits.cancellation_day_credited else 1,
            method is _LINE,
            method.value,
            _expect.OTHER_ROUNDING[method].value,
            tuple(verdict.rule_numbers),
            rs.version,
        )
        if len(_PLANS) >= 4096:
            _PLANS.clear()
        _PLANS[key] = found
    return found


_ZERO: Final = Decimal(0)
_prorate: Final = billing.prorate
_Amount: Final = _expect.Amount


def judge(
    c: _expect.Credit,
    b: _expect.Bought,
    p: int,
    judged: Judged,
    by_version: dict[str, RuleSet],
    rules: Any,
    billing_day: int | None,
    running: dict[int, Decimal],
    selecting_us: int,
    lang: str,
) -> _expect.Finding | None:
    """The finding of a credit that is due, as :func:`._expect.judge` and :func:`._expect.written` give it,
    or None (the scalar path's)."""
    cancelled_us = c.cancelled_us
    known = judged.row.get(p)
    if cancelled_us is None or known is None:
        return None
    kind, version, far, deadline = known
    purchased_us = b.purchased_us
    if not (b.renewal and kind == _SUBSCRIPTION and b.term_start_us is not None):
        selecting_us = purchased_us if purchased_us is not None else selecting_us
    if cancelled_us < selecting_us:
        return None
    rs = by_version.get(version or "")
    if rs is None or kind is None:
        return None
    if far == _SELF:
        inside = deadline is None or cancelled_us < deadline
    elif far == _CLOSED:
        inside = deadline is not None and cancelled_us < deadline
    else:
        return None
    if not inside:
        return None
    plan = _PLANS.get((id(rs), kind))
    if plan is None or plan.rs is not rs:
        plan = _plan(rs, kind)
    if not plan.due:
        return None
    currency = b.currency.strip() if type(b.currency) is str else None
    if currency is None or currency != (c.currency.strip() if type(c.currency) is str else None):
        return None
    digits = _DIGITS.get(currency)
    if digits is None:
        try:
            digits = _digits(currency)
        except CspRulesError:
            return None
    units = _units(b.price, digits)
    got = _units(c.amount, digits)
    if units is None or got is None or units < 0:
        return None
    if got < 0:
        got = -got
    q_p = _quantity(b.quantity)
    q_c = _quantity(c.quantity)
    if q_p is False or q_c is False:
        return None
    q_p = q_p or 1
    q_c = q_c or q_p
    q = q_c if q_c < q_p else q_p
    if plan.prorated:
        if b.term_start_us is None or b.term_end_us is None:
            return None
        start, end = b.term_start_us // _DAY_US, b.term_end_us // _DAY_US + 1
        if end <= start:
            return None
        _, unused, term = billing.proration_days(cancelled_us // _DAY_US, start, end, plan.offset)
        reason = "billing.credit_prorated" if unused else "billing.credit_nothing_unused"
    else:
        unused, term = 1, 1
        reason = "billing.credit_full"
    line = int(_prorate(units * q, unused, term * q_p))
    unit = (
        int(_prorate(units // q_p * q, unused, term, quantity=q, method=_UNIT)) if units % q_p == 0 else None
    )
    mine: int | None
    other: int | None
    if plan.line_mine:
        mine, other = line, unit
    else:
        mine, other = unit, line
    if mine is None:
        return None
    order_id = b.order_id
    product_name = b.product_name
    if type(order_id) is not str or type(product_name) is not str:
        try:
            order_id = _clean(order_id, "order_id")
            product_name = _clean(product_name, "product_name")
        except (TypeError, CspRulesError):
            return None
    else:
        order_id = _CLEAN.get(order_id, _CLEAN)
        if order_id is _CLEAN:
            try:
                order_id = _clean(b.order_id, "order_id")
            except (TypeError, CspRulesError):
                return None
        product_name = _CLEAN.get(product_name, _CLEAN)
        if product_name is _CLEAN:
            try:
                product_name = _clean(b.product_name, "product_name")
            except (TypeError, CspRulesError):
                return None
    if order_id is None or product_name is None or purchased_us is None:
        return None
    paid = Decimal(units).scaleb(-digits)
    credited = Decimal(got).scaleb(-digits)
    mine_d = Decimal(mine).scaleb(-digits)
    other_d = None if other is None else (mine_d if other == mine else Decimal(other).scaleb(-digits))
    expected = mine_d
    before = running.get(p, _ZERO)
    total = before + credited
    if total > paid:
        status = "over_credit"
        left = paid - before
        if left < _ZERO:
            left = _ZERO
        if expected > left:
            expected = left  # left after earlier credits
    elif got == mine:
        status = "ok"
    elif got == other:
        status = "ok_rounding"
    else:
        when = _dating(rules, selecting_us // _DAY_US)
        if when.other is not None and _other_version_gives(
            when, b, cancelled_us, got, digits, currency, q_p, q
        ):
            return None  # the other version gives it: the scalar path says
        status = "wrong_amount"
    when = _dating(rules, selecting_us // _DAY_US)
    running[p] = total
    cancelled_on = date.fromordinal(_ORDINAL_1970 + cancelled_us // _DAY_US)
    difference = credited - expected
    invoice = c.invoice
    status, expected_invoice = _expect.invoice_check(status, cancelled_on, invoice, billing_day)
    code = _STATUS_CODES[status]
    # the facts of the status sentence (the only message of these facts: the invoice one names none)
    needs = _NEEDS.get((code, lang)) or _expect._needs(code, lang)
    facts: dict[str, Any] = {
        "order_id": order_id,
        "product_name": product_name,
        "ruleset": plan.version,
        "cancelled_on": cancelled_on,
        "quantity": q_c,
        "rounding": plan.rounding,
        "other_rounding": plan.other_rounding,
    }
    if "credited" in needs:
        facts["credited"] = _Amount(credited, currency)
    if "paid" in needs:
        facts["paid"] = _Amount(paid, currency)
    if "expected" in needs:
        facts["expected"] = _Amount(expected, currency)
    if other_d is not None and "other_expected" in needs:
        facts["other_expected"] = _Amount(other_d, currency)
    if "difference" in needs:
        facts["difference"] = _Amount(difference, currency)
    if status == "over_credit":
        facts["credited_total"] = _Amount(total, currency)
    if expected_invoice is not None:
        facts["expected_invoice"] = expected_invoice
        if invoice is not None:
            facts["invoice_date"] = invoice
    text = _expect._message(code, lang, facts)
    units4: tuple[int | None, ...] | None = None
    if digits <= 4:
        s4 = _TEN[4 - digits]
        expected4 = mine * s4 if expected is mine_d else int(expected.scaleb(4))
        units4 = (
            units * s4,
            got * s4,
            expected4,
            line * s4,
            None if unit is None else unit * s4,
            got * s4 - expected4,
        )
    numbers = plan.rule_numbers
    if when.unverified:
        reasons: tuple[str, ...] = (code, reason, "rules.unverified_after")
        numbers = (*numbers, "R11.4")
    else:
        reasons = (code, reason)
    if expected_invoice is None or invoice is None:
        reasons = (*reasons, "audit.invoice_not_checked")
        text = text + " " + _expect._message("audit.invoice_not_checked", lang, facts)
    return _expect.Finding(
        status,
        reasons,
        numbers,
        _expect.NO_FACTS,
        product_name,
        kind,
        date.fromordinal(_ORDINAL_1970 + purchased_us // _DAY_US),
        plan.version,
        paid,
        credited,
        currency,
        q_c,
        expected,
        mine_d if plan.line_mine else (other_d if other_d is not None else Decimal(line).scaleb(-digits)),
        None if unit is None else (mine_d if not plan.line_mine else other_d),
        plan.rounding,
        difference,
        expected_invoice,
        None,
        None,
        text,  # sentence_of(reasons, facts, None, lang): no other version, no decision
        units4,
    )


def _other_version_gives(
    when: rulesets.Dating, b: _expect.Bought, cancelled_us: int, got: int, digits: int, currency: str, q_p: int,
    q: int,
) -> bool:  # fmt: skip
    """Whether the other version of an R11.3 span may give the credit (then the scalar path writes the row)."""
    try:
        purchase, _ = _expect.purchase_of(b)
        credited = Money(Decimal(got).scaleb(-digits), currency)
        found = _expect._other_version(when, purchase, _expect.instant(cancelled_us), credited, q_p, q)
    except CspRulesError:
        return True
    return found is not None


_TEN: Final = (1, 10, 100, 1000, 10000)
_NEEDS: Final = _expect._NEEDS
_STATUS_CODES: Final = {s: f"audit.{s}" for s in _expect.STATUSES}
