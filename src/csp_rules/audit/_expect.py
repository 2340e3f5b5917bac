"""The expected credit of one credit row and its finding, for :mod:`csp_rules.audit`.

Private; :mod:`csp_rules.audit` documents the statuses. Each matched credit is judged by the
scalar rules themselves: a :class:`~csp_rules.facts.Purchase` built from its purchase row,
:func:`csp_rules.billing.refund_credit` at the cancellation (R7 and R8.4, by the version in force
at the purchase), and :func:`csp_rules.billing.prorate` for the two roundings of the part credited.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from types import MappingProxyType
from typing import Any, Final, NamedTuple

from .. import _l10n, billing, decision, rulesets
from ..batch._columns import derive_kind
from ..billing import CreditOutcome
from ..cancellation import judged_on
from ..errors import (
    CspRulesError,
    CurrencyMismatchError,
    InvalidAmountError,
    InvalidDateError,
    MissingFieldError,
)
from ..facts import Money, Purchase, to_decimal
from ..rulesets import CreditRounding, Rules
from . import _text

_EPOCH: Final = datetime(1970, 1, 1, tzinfo=timezone.utc)

#: the statuses, in the order they are tried (the first that applies is the credit's)
STATUSES: Final = (
    "unmatched_credit",
    "no_rule_stated",
    "support_request",
    "credit_not_due",
    "over_credit",
    "wrong_amount",
    "late_invoice",
    "ok_rounding",
    "ok",
)

OTHER_ROUNDING: Final = {
    CreditRounding.LINE_HALF_UP: CreditRounding.UNIT_DOWN,
    CreditRounding.UNIT_DOWN: CreditRounding.LINE_HALF_UP,
}


def instant(us: int) -> datetime:
    return _EPOCH + timedelta(microseconds=us)


class Amount(NamedTuple):
    """An amount of a finding's facts (formatted when the explanation is written)."""

    amount: Decimal
    currency: str


class Credit(NamedTuple):
    """What a credit row says."""

    order_id: Any
    amount: Any
    currency: Any
    quantity: Any
    cancelled_us: int | None
    invoice: date | None
    field: str


class Bought(NamedTuple):
    """What the purchase row says (the values as read; ``None`` where the table has no such column)."""

    order_id: Any
    product_name: Any
    sku_name: Any
    kind: Any
    reservation_order_id: Any
    term_and_billing_cycle: Any
    meter_description: Any
    has_end_column: bool
    purchased_us: int | None
    term_start_us: int | None
    term_end_us: int | None
    term_end_raw: Any
    renewal: bool
    price: Any
    currency: Any
    quantity: Any
    subscription_id: Any


class Finding(NamedTuple):
    """One row of the report, past the matched facts."""

    status: str | None
    reasons: tuple[str, ...]
    rule_numbers: tuple[str, ...]
    facts: Mapping[str, Any]
    product_name: str | None = None
    kind: str | None = None
    purchased_on: date | None = None
    version: str | None = None
    paid: Decimal | None = None
    credited: Decimal | None = None
    currency: str | None = None
    quantity: int | None = None
    expected: Decimal | None = None
    line_half_up: Decimal | None = None
    unit_down: Decimal | None = None
    rounding: str | None = None
    difference: Decimal | None = None
    expected_invoice: date | None = None
    error: CspRulesError | None = None
    explain: Any = None  # a decision whose explanation follows the status sentence
    text: str | None = None  # the explanation, once written (the facts are then dropped)
    #: the six amounts (paid, credited, expected, line_half_up, unit_down, difference) in units of
    #: 0.0001 (None: no amount), when the columnar path knows them (the report's columns are built
    #: from them)
    units: tuple[int | None, ...] | None = None


def _quantity(value: Any, field: str) -> int | None:
    """A quantity as a whole positive number (its magnitude: credit rows write it negative), or None."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    try:
        number = to_decimal(value, field) if not isinstance(value, int) else Decimal(value)
    except (TypeError, CspRulesError):
        raise InvalidAmountError(f"{field}: {value!r} is not a quantity", field=field, value=value) from None
    number = abs(number)
    if number != number.to_integral_value() or number < 1 or number > 10**9:
        raise InvalidAmountError(
            f"{field}: a quantity is a whole number from 1 to 10**9 (got {value})", field=field, value=value
        )
    return int(number)


def _amount(value: Any, field: str) -> Decimal:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise MissingFieldError(f"{field}: the row has no amount", field=field)
    if isinstance(value, float):
        raise InvalidAmountError(
            f"{field}: a float is not an exact amount ({value!r})", field=field, value=value
        )
    return to_decimal(value.strip() if isinstance(value, str) else value, field)


def purchase_of(b: Bought) -> tuple[Purchase, int]:
    """The :class:`Purchase` of a purchase row (quantity 1: the audit prorates the seats itself), and its quantity."""
    kind = b.kind
    if kind is None or (isinstance(kind, str) and not kind.strip()):
        found = derive_kind(
            b.reservation_order_id,
            b.product_name,
            b.term_and_billing_cycle,
            charge_end=b.term_end_raw
            if isinstance(b.term_end_raw, str)
            else (None if b.term_end_raw is None else "x"),
            end_column=b.has_end_column,
            sku_name=b.sku_name,
            meter=b.meter_description,
        )
        if found is None:
            from ..errors import UnknownKindError

            raise UnknownKindError(
                "kind: the product kind of the purchase row cannot be told from its TermAndBillingCycle, "
                "ReservationOrderId or names; give a kind column to say it",
                field="kind",
                value=b.term_and_billing_cycle,
            )
        kind = found[0]
    if b.purchased_us is None:
        raise InvalidDateError(
            "purchased_at: the purchase row's OrderDate cannot be read", field="purchased_at"
        )
    if b.currency is None:
        raise MissingFieldError("currency: the purchase row has no currency", field="currency")
    price = Money(_amount(b.price, "price"), str(b.currency).strip())
    start = end = began = None
    if b.term_start_us is not None and b.term_end_us is not None:
        start = instant(b.term_start_us).date()
        end = instant(b.term_end_us).date() + timedelta(days=1)
        if b.renewal:
            began = instant(b.term_start_us)
    quantity = _quantity(b.quantity, "quantity") or 1
    purchase = Purchase(
        order_id=b.order_id,
        product_name=b.product_name,
        kind=kind,
        purchased_at=instant(b.purchased_us),
        price=price,
        term_start=start,
        term_end=end,
        sku_name=b.sku_name if isinstance(b.sku_name, str) and b.sku_name.strip() else None,
        term_started_at=began,
    )
    return purchase, quantity


def _money(units: int | None, currency: str, digits: int) -> Decimal | None:
    return None if units is None else Decimal(units).scaleb(-digits)


def _amounts(credit: billing.Credit, units: int, q_p: int, q: int) -> tuple[int, int | None]:
    """``(line_half_up, unit_down)`` minor units of ``q`` of the ``q_p`` seats (unit_down: None when the
    unit price is no whole number of minor units)."""
    if credit.outcome is CreditOutcome.FULL:
        unused, term = 1, 1
    else:
        unused, term = credit.unused_days or 0, max(credit.term_days or 1, 1)
    line = billing.prorate(units * q, unused, term * q_p)
    unit = None
    if units % q_p == 0:
        unit = billing.prorate(units // q_p * q, unused, term, quantity=q, method=CreditRounding.UNIT_DOWN)
    return int(line), None if unit is None else int(unit)


def invoice_billing_day(invoice: date) -> int:
    """The billing day an invoice date shows: its day, or 31 for a month's last day (a clamped day)."""
    last = (invoice.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    return 31 if invoice == last else invoice.day


def judge(
    c: Credit,
    b: Bought,
    rules: Rules | None,
    billing_day: int | None,
    credited_before: dict[int, Decimal],
    purchase_key: int,
) -> Finding:
    """The finding of one matched credit (see :mod:`csp_rules.audit` for the statuses)."""
    if c.cancelled_us is None:
        raise InvalidDateError(
            f"{c.field}: the credit row's cancellation date cannot be read", field=c.field, value=None
        )
    if c.currency is None:
        raise MissingFieldError("currency: the credit row has no currency", field="currency")
    credited_money = Money(abs(_amount(c.amount, "price")), str(c.currency).strip())
    purchase, q_p = purchase_of(b)
    price = purchase.price
    assert price is not None
    if credited_money.currency != price.currency:
        raise CurrencyMismatchError(
            f"currency: the credit is in {credited_money.currency}, its purchase in {price.currency}",
            field="currency",
            value=credited_money.currency,
        )
    q_c = _quantity(c.quantity, "quantity") or q_p
    q = min(q_c, q_p)
    cancelled = instant(c.cancelled_us)
    when = rulesets.dating(rules, judged_on(purchase))
    credit = billing.refund_credit(purchase, cancelled_at=cancelled, rules=rules)
    reasons = [r for r in credit.reasons if r != "rules.change_date_uncertain"]
    numbers = [n for n in credit.rule_numbers if n != "R11.3" or "rules.change_date_uncertain" in reasons]
    currency = price.currency
    digits = _digits(currency)
    base = {
        "order_id": purchase.order_id,
        "product_name": purchase.product_name,
        "credited": Amount(credited_money.amount, credited_money.currency),
        "paid": Amount(price.amount, price.currency),
        "ruleset": when.rules.version,
        "cancelled_on": cancelled.date(),
        "quantity": q_c,
    }
    common: dict[str, Any] = {
        "product_name": purchase.product_name,
        "kind": purchase.kind.value,
        "purchased_on": purchase.purchased_at.date(),
        "version": when.rules.version,
        "paid": price.amount,
        "credited": credited_money.amount,
        "currency": currency,
        "quantity": q_c,
    }
    outcome = credit.outcome
    if outcome is CreditOutcome.NO_RULE_STATED:
        return Finding("no_rule_stated", ("audit.no_rule_stated", *reasons), tuple(numbers), base, **common)
    if outcome is not CreditOutcome.FULL and outcome is not CreditOutcome.PRORATED:
        status = "support_request" if "billing.support_request" in credit.reasons else "credit_not_due"
        facts = dict(base)
        extra: tuple[str, ...] = ()
        found = _other_version(when, purchase, cancelled, credited_money, q_p, q)
        if found is not None and status == "credit_not_due":
            extra = ("rules.change_date_uncertain", "audit.matches_other_version")
            facts.update(found)
            numbers.append("R11.3")
        if status == "credit_not_due":  # the rules give nothing: all of it is the difference
            common.update(expected=Decimal(0), difference=credited_money.amount)
        return Finding(
            status, (f"audit.{status}", *reasons, *extra), tuple(numbers), facts, explain=credit, **common
        )
    units = price.minor_units("price")
    line, unit = _amounts(credit, units, q_p, q)
    method = when.rules.credits.rounding_method
    mine, other = (line, unit) if method is CreditRounding.LINE_HALF_UP else (unit, line)
    got = credited_money.minor_units("credited")
    expected = _money(mine, currency, digits)
    facts = dict(base)
    facts.update(rounding=method.value, other_rounding=OTHER_ROUNDING[method].value)
    if mine is not None:
        facts["expected"] = Amount(Decimal(mine).scaleb(-digits), currency)
    if other is not None:
        facts["other_expected"] = Amount(Decimal(other).scaleb(-digits), currency)
    difference = None if expected is None else credited_money.amount - expected
    if difference is not None:
        facts["difference"] = Amount(difference, currency)
    common.update(
        expected=expected,
        line_half_up=_money(line, currency, digits),
        unit_down=_money(unit, currency, digits),
        rounding=method.value,
        difference=difference,
    )
    before = credited_before.get(purchase_key, Decimal(0))
    total = before + credited_money.amount
    credited_before[purchase_key] = total
    extra = ()
    if total > price.amount:
        facts["credited_total"] = Amount(total, currency)
        status = "over_credit"
        # what was left to credit after the earlier credits: more than that is never due
        left = max(price.amount - before, Decimal(0))
        if expected is not None and expected > left:
            expected = left
            facts["expected"] = Amount(expected, currency)
            common["expected"] = expected
        common["difference"] = credited_money.amount - expected if expected is not None else None
        if expected is not None:
            facts["difference"] = Amount(credited_money.amount - expected, currency)
    elif got == mine:
        status = "ok"
    elif got == other:
        status = "ok_rounding"
    else:
        status = "wrong_amount"
        found = _other_version(when, purchase, cancelled, credited_money, q_p, q)
        if found is not None:
            extra = ("rules.change_date_uncertain", "audit.matches_other_version")
            facts.update(found)
            numbers.append("R11.3")
    status, expected_invoice = invoice_check(status, cancelled, c.invoice, billing_day)
    if expected_invoice is not None:
        facts["expected_invoice"] = expected_invoice
        if c.invoice is not None:
            facts["invoice_date"] = c.invoice
    checked = expected_invoice is not None and c.invoice is not None
    reasons = [r for r in reasons if r not in ("billing.next_invoice", "billing.invoice_on")]
    if not checked:
        extra = (*extra, "audit.invoice_not_checked")
    return Finding(
        status,
        (f"audit.{status}", *reasons, *extra),
        tuple(numbers),
        facts,
        expected_invoice=expected_invoice,
        **common,
    )


def invoice_check(
    status: str, cancelled: date, invoice: date | None, billing_day: int | None
) -> tuple[str, date | None]:
    """R8.4's invoice check of a credit: ``(status, the invoice the credit is due on)``. The billing
    day is ``billing_day``, else the day of the month of the credit's invoice date; with neither
    there is no check (``None``). A credit of the right amount on a later invoice is ``late_invoice``."""
    day = (
        billing_day
        if billing_day is not None
        else (None if invoice is None else invoice_billing_day(invoice))
    )
    if day is None:
        return status, None
    expected = billing.next_invoice_date(cancelled, day)
    if invoice is not None and status in ("ok", "ok_rounding") and invoice > expected:
        return "late_invoice", expected
    return status, expected


def _digits(currency: str) -> int:
    from ..facts import currency_digits

    return currency_digits(currency)


def _other_version(
    when: rulesets.Dating, purchase: Purchase, cancelled: datetime, credited: Money, q_p: int, q: int
) -> dict[str, Any] | None:
    """The facts saying the credit matches the answer of the other version of an R11.3 span, or None."""
    if when.other is None or when.span is None:
        return None
    try:
        other = billing.refund_credit(purchase, cancelled_at=cancelled, rules=when.other)
    except CspRulesError:
        return None
    if other.outcome is not CreditOutcome.FULL and other.outcome is not CreditOutcome.PRORATED:
        return None
    price = purchase.price
    assert price is not None
    line, unit = _amounts(other, price.minor_units("price"), q_p, q)
    if credited.minor_units("credited") not in (line, unit):
        return None
    return {
        "other_ruleset": when.other.version,
        "uncertain_from": when.span.start,
        "uncertain_to": when.span.end,
    }


_NEEDS: dict[tuple[str, str], frozenset[str]] = {}
_PLAIN: dict[tuple[str, str], str] = {}


def _needs(code: str, lang: str) -> frozenset[str]:
    """The facts a message names (its placeholders), read once per code and language."""
    key = (code, lang)
    found = _NEEDS.get(key)
    if found is None:
        texts = decision.messages()[code]
        template = texts.get(_l10n.language(lang), texts["en"])
        found = _NEEDS[key] = frozenset(re.findall(r"\{(\w+)", template))
    return found


class _Filled(dict[str, str]):
    """Formatted facts; a fact the finding does not have stays a ``{placeholder}``, as in decision.message."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


_TEMPLATES: dict[tuple[str, str], tuple[str, tuple[str, ...], tuple[str, ...]]] = {}
_PLURALED: dict[tuple[Any, ...], str] = {}
_FORMATTED: dict[tuple[type, Any, str], str] = {}


def _template(code: str, lang: str) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    """The template of a code, the facts it names and the facts its plural selections read (kept)."""
    key = (code, lang)
    found = _TEMPLATES.get(key)
    if found is None:
        texts = decision.messages()[code]
        template = texts[_l10n.language(lang)]
        parts = decision._selections(template) or ()
        plural = tuple(dict.fromkeys(p[0] for p in parts if not isinstance(p, str)))
        found = _TEMPLATES[key] = (template, tuple(sorted(_needs(code, lang))), plural)
    return found


def _format(v: Any, lang: str) -> str:
    """:func:`csp_rules.decision.format_value` of a fact (kept for whole numbers and dates)."""
    kind = type(v)
    if kind is int or kind is date:
        key = (kind, v, lang)
        text = _FORMATTED.get(key)
        if text is None:
            text = decision.format_value(v, lang)
            if len(_FORMATTED) < 1 << 14:
                _FORMATTED[key] = text
        return text
    return decision.format_value(v, lang)


def _message(code: str, lang: str, facts: Mapping[str, Any]) -> str:
    """:func:`csp_rules.decision.message` of a finding's facts, faster: the template and its plural
    selections as decision.message reads them, only the facts it names formatted (amounts here)."""
    key = (code, lang)
    needs = _needs(code, lang)
    if not needs:
        text = _PLAIN.get(key)
        if text is None:
            text = _PLAIN[key] = decision.message(code, lang, {})
        return text
    template, names, plural = _TEMPLATES.get(key) or _template(code, lang)
    if plural:
        pkey = (code, lang, *((type(v), v) for v in map(facts.get, plural)))
        chosen = _PLURALED.get(pkey)
        if chosen is None:
            chosen = decision._plurals(template, facts, lang)
            if len(_PLURALED) < 1 << 14:
                _PLURALED[pkey] = chosen
    else:
        chosen = template
    named = _Filled()
    money = _text.money
    for k in names:
        v = facts.get(k)
        if v is None:
            continue
        kind = type(v)
        if kind is str:
            named[k] = v
        elif kind is Amount:
            named[k] = money(v.amount, v.currency, lang)
        else:
            named[k] = _format(v, lang)
    return chosen.format_map(named)


def written(finding: Finding, lang: str) -> Finding:
    """The finding with its explanation written, its facts dropped (they are only for the sentence)."""
    if finding.error is not None:
        return finding
    return Finding._make(
        (*finding[:3], NO_FACTS, *finding[4:19], None, sentence(finding, lang), finding.units)
    )


NO_FACTS: Final[Mapping[str, Any]] = MappingProxyType({})


def sentence(finding: Finding, lang: str) -> str:
    """The explanation of a finding: its status sentence, then what the rules said, in ``lang``."""
    if finding.text is not None:
        return finding.text
    return sentence_of(finding.reasons, finding.facts, finding.explain, lang)


def sentence_of(reasons: tuple[str, ...], facts: Mapping[str, Any], explain: Any, lang: str) -> str:
    """:func:`sentence` of a finding's reasons, facts and decision."""
    parts = [_message(reasons[0], lang, facts)]
    if "audit.matches_other_version" in reasons:
        parts.append(_message("audit.matches_other_version", lang, facts))
    if explain is not None:
        parts.append(explain.explain(lang))
    if "audit.invoice_not_checked" in reasons:
        parts.append(_message("audit.invoice_not_checked", lang, facts))
    return " ".join(parts)
