"""Credits (RULES.md R8.4): what a cancellation credits, and on which invoice.

Source: S2020 ("Sell software subscriptions through CSP", 2020-01-21): "A credit for the cancelled
order appears on the next monthly invoice: perpetual software 100%, software subscriptions
prorated". S2018 states no credit rule (RULES.md, "Rule-set versions"). Every parameter comes from
the rule set (``rules.credits``).

:func:`refund_credit` answers with a :class:`Credit` decision. There is a credit only if the
purchase could be cancelled at that instant (R7, the :func:`csp_rules.cancellation.evaluate`
decision, which ``refund_credit`` takes instead of judging again when the caller has it): the
outcome, reasons and rule numbers are read from :data:`CREDIT`, keyed by that decision's outcome,
whether it suspects an R7.3 exclusion, and the kind's credit rule. So:

* ``NOT_COVERED`` for Azure reservations (R7.4);
* ``NO_CREDIT`` when the product cannot be cancelled (R7.3), its name nearly matches an exclusion
  (R7.3), the window is closed (R7.1), or the cancellation goes through a support request (R9, R10.3:
  the refund is requested there and decided by Microsoft);
* ``NO_RULE_STATED`` when the rule set states no credit rule for the kind (S2018): never an invented
  0% or 100%;
* ``FULL`` (perpetual software) or ``PRORATED`` (software subscriptions), per ``rules.credits.by_kind``.

**Proration** (R8.4 convention): calendar days in UTC, the term ``[term_start, term_end)``, the
unused part ``[cancellation date, term_end)`` (the cancellation day counts as unused when
``rules.credits.cancellation_day_credited``, else the unused part starts the next day):
:func:`proration_days`. The credit is ``price × unused / term``, rounded by
``rules.credits.rounding_method``: ``line_half_up`` (the line, once, ROUND_HALF_UP to the minor unit;
every shipped version) or ``unit_down`` (each unit's credit toward zero, times the quantity, as
Partner Center's own worked example: 10 seats at 10.08 with 29 of 31 days unused credit 9.42 a seat,
94.20 in all, where the line rounds to 94.30): :func:`prorate`, the one arithmetic of the scalar
and batch paths, on Python ints and numpy int64 arrays alike. So ``0 <= amount <= price``.

:func:`next_invoice_date` gives the invoice the credit appears on, for a billing day of the month
(clamped to the month's end).

>>> from datetime import date, datetime, timezone
>>> from csp_rules.facts import Money, Purchase
>>> p = Purchase(order_id="O-1", product_name="Office 365 E3", kind="software_subscription",
...              purchased_at=date(2020, 3, 1), price=Money("120.00", "EUR"),
...              term_start=date(2020, 3, 1), term_end=date(2020, 3, 31))
>>> c = refund_credit(p, cancelled_at=datetime(2020, 3, 2, 15, 0, tzinfo=timezone.utc), billing_day=5)
>>> c.outcome, c.amount, c.fraction, c.unused_days, c.term_days, c.invoice_date
(<CreditOutcome.PRORATED: 'prorated'>, Money('116.00', 'EUR'), Fraction(29, 30), 29, 30, datetime.date(2020, 3, 5))
>>> c.explain("en")
'Credit of €116.00 for order O-1: 29 unused days of a 30-day term (96.67% of the price €120.00), counted from March 2, 2020 (R8.4).'
>>> old = attrs.evolve(p, purchased_at=date(2019, 3, 1))  # judged by S2018
>>> c = refund_credit(old, cancelled_at=datetime(2019, 3, 2, tzinfo=timezone.utc))
>>> c.outcome, c.amount, c.ruleset_version
(<CreditOutcome.NO_RULE_STATED: 'no_rule_stated'>, None, 'S2018')
>>> next_invoice_date(datetime(2021, 1, 31, 23, 0, tzinfo=timezone.utc), 31)
datetime.date(2021, 2, 28)
>>> prorate(10080, 29, 31, quantity=10, method=CreditRounding.UNIT_DOWN), prorate(10080, 29, 31)
(9420, 9430)
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any, Final, NamedTuple, cast

import attrs
from dateutil.relativedelta import relativedelta

from . import _time
from ._frozen import FrozenMap
from .cancellation import Basis, CancellationDecision, Outcome, judge, judged_on
from .decision import Decision, build, slot_setter
from .errors import (
    InvalidAmountError,
    InvalidDateError,
    InvalidFieldError,
    InvalidInputError,
    MissingFieldError,
)
from .facts import Money, ProductKind, Purchase, half_up, minor_units_money
from .rulesets import CreditRounding, CreditRule, Dating, Rules, RuleSet, dating

__all__ = [
    "CREDIT",
    "REASON_CODES",
    "RULES",
    "Credit",
    "CreditOutcome",
    "CreditVerdict",
    "credit_due",
    "next_invoice_date",
    "refund_credit",
]

#: the RULES.md numbers this module owns
RULES: Final = ("R8.4",)

#: every reason code this module emits (messages in ``data/messages/billing.json``)
REASON_CODES: Final[frozenset[str]] = frozenset(
    {
        "billing.credit_full",
        "billing.credit_prorated",
        "billing.credit_nothing_unused",
        "billing.no_rule_stated",
        "billing.window_closed",
        "billing.support_request",
        "billing.not_cancellable",
        "billing.not_covered",
        "billing.near_miss",
        "billing.next_invoice",
        "billing.invoice_on",
    }
)

# how explanations name each product kind, (English, French)
_KIND_NAMES: Final[FrozenMap[ProductKind, tuple[str, str]]] = FrozenMap(
    {
        ProductKind.SOFTWARE_SUBSCRIPTION: ("software subscriptions", "les abonnements logiciels"),
        ProductKind.PERPETUAL_SOFTWARE: ("perpetual software", "les logiciels perpétuels"),
        ProductKind.AZURE_RESERVATION: ("Azure reservations", "les réservations Azure"),
        ProductKind.AZURE_SOFTWARE_PLAN: ("Azure software plans", "les plans logiciels Azure"),
    }
)


class CreditOutcome(enum.Enum):
    """Outcome of :func:`refund_credit` (R8.4)."""

    __hash__ = object.__hash__  # members are singletons: hashed by identity, in C (keys of rule tables)

    #: 100% of the price (perpetual software in S2020)
    FULL = "full"
    #: the unused part of the term (software subscriptions in S2020); may be 0 once the term is over
    PRORATED = "prorated"
    #: no credit: the purchase could not be cancelled (self-service) at that instant; see the reasons
    NO_CREDIT = "no_credit"
    #: the rule set states no credit rule for this kind (S2018): neither 0% nor 100% is assumed
    NO_RULE_STATED = "no_rule_stated"
    #: these rules do not cover the product (Azure reservations, R7.4)
    NOT_COVERED = "not_covered"


# how explanations name each credit outcome, (English, French)
_CREDIT_NAMES: Final[FrozenMap[CreditOutcome, tuple[str, str]]] = FrozenMap(
    {
        CreditOutcome.FULL: ("a 100% credit", "un crédit de 100 %"),
        CreditOutcome.PRORATED: ("a prorated credit", "un crédit au prorata"),
        CreditOutcome.NO_CREDIT: ("no credit", "aucun crédit"),
        CreditOutcome.NO_RULE_STATED: ("no credit rule stated", "aucune règle de crédit indiquée"),
        CreditOutcome.NOT_COVERED: ("not covered by these rules", "non couvert par ces règles"),
    }
)


class CreditVerdict(NamedTuple):
    """One entry of :data:`CREDIT`: the outcome, its first reasons and rule numbers."""

    outcome: CreditOutcome
    reasons: tuple[str, ...]
    rule_numbers: tuple[str, ...]


def _credit_verdict(outcome: Outcome, suspected: bool, rule: CreditRule) -> CreditVerdict:
    none_stated = rule is CreditRule.NONE_STATED
    no = CreditOutcome.NO_CREDIT
    if outcome is Outcome.NOT_COVERED:
        return CreditVerdict(CreditOutcome.NOT_COVERED, ("billing.not_covered",), ("R7.4", "R8.4"))
    if outcome is Outcome.NOT_CANCELLABLE:
        return CreditVerdict(no, ("billing.not_cancellable",), ("R7.3", "R8.4"))
    if outcome is Outcome.SUPPORT_REQUEST and suspected:
        return CreditVerdict(no, ("billing.near_miss",), ("R7.3", "R8.4"))
    if outcome is Outcome.WINDOW_CLOSED:
        extra = ("billing.no_rule_stated",) if none_stated else ()
        return CreditVerdict(no, ("billing.window_closed", *extra), ("R7.1", "R8.4"))
    if none_stated:
        extra = ("billing.support_request",) if outcome is Outcome.SUPPORT_REQUEST else ()
        return CreditVerdict(CreditOutcome.NO_RULE_STATED, ("billing.no_rule_stated", *extra), ("R8.4",))
    if outcome is Outcome.SUPPORT_REQUEST:
        return CreditVerdict(no, ("billing.support_request",), ("R9", "R8.4"))
    if rule is CreditRule.FULL:
        return CreditVerdict(CreditOutcome.FULL, ("billing.credit_full",), ("R8.4",))
    return CreditVerdict(CreditOutcome.PRORATED, ("billing.credit_prorated",), ("R8.4",))


#: the R8.4 table, keyed ``(R7 outcome, exclusion suspected, credit rule)`` (the R7 outcome of a
#: decision without roles: ``NOT_PERMITTED`` never keys it)
CREDIT: Final[FrozenMap[tuple[Outcome, bool, CreditRule], CreditVerdict]] = FrozenMap(
    {
        (outcome, suspected, rule): _credit_verdict(outcome, suspected, rule)
        for outcome in Outcome
        if outcome is not Outcome.NOT_PERMITTED
        for suspected in ((False, True) if outcome is Outcome.SUPPORT_REQUEST else (False,))
        for rule in CreditRule
    }
)


@attrs.frozen(kw_only=True)
class Credit(Decision):
    """The credit a cancellation brings on the next monthly invoice (R8.4), as a decision.

    ``allowed`` is True when a credit of a positive amount is due. ``amount`` is None when there
    is no credit (``NO_CREDIT``, ``NOT_COVERED``) or no rule says what it is (``NO_RULE_STATED``).
    ``fraction`` is the exact share of the price (1 for ``FULL``); ``unused_days`` and
    ``term_days`` are set for ``PRORATED``; ``invoice_date`` when a billing day was given and a
    credit is due.
    """

    amount: Money | None = None
    fraction: Fraction | None = None
    unused_days: int | None = None
    term_days: int | None = None
    invoice_date: date | None = None


# --- the arithmetic, shared with csp_rules.batch ----------------------------------------------


def proration_days(
    cancelled: Any, start: Any, end: Any, offset: Any, maximum: Any = max
) -> tuple[Any, Any, Any]:
    """``(unused_from, unused_days, term_days)`` of a term ``[start, end)`` cancelled on day ``cancelled``.

    Days are numbers (date ordinals, or day numbers in numpy int64 arrays, with ``maximum=np.maximum``);
    ``offset`` is 0 when the cancellation day is credited, else 1 (``rules.credits.cancellation_day_credited``).
    The unused part starts at ``max(cancelled + offset, start)`` and is never negative.

    >>> proration_days(date(2020, 3, 2).toordinal(), date(2020, 3, 1).toordinal(), date(2020, 3, 31).toordinal(), 0)[1:]
    (29, 30)
    """
    unused_from = maximum(cancelled + offset, start)
    return unused_from, maximum(end - unused_from, 0), end - start


def prorate(
    units: Any,
    unused: Any,
    term: Any,
    *,
    quantity: Any = 1,
    method: CreditRounding = CreditRounding.LINE_HALF_UP,
) -> Any:
    """The credit of ``units`` minor units for ``unused`` of ``term`` days, in minor units (R8.4).

    ``line_half_up``: ``units × unused / term`` rounded half up once. ``unit_down``: each of the
    ``quantity`` units (whose price ``units / quantity`` is whole) credits ``unit × unused / term``
    rounded toward zero. Python ints (exact, any size) or numpy int64 arrays alike; for
    non-negative ``units`` and ``0 <= unused <= term``, ``0 <= result <= units``.
    """
    if method is CreditRounding.UNIT_DOWN:
        return (units // quantity) * unused // term * quantity
    return half_up(units * unused, term)


_LAST_DAY: Final = date.max.toordinal()


def _billing_day(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"billing_day: expected an int from 1 to 31, got {type(value).__name__}")
    if not 1 <= value <= 31:
        raise InvalidFieldError(
            f"billing_day: a billing day of the month is from 1 to 31 (got {value})",
            field="billing_day",
            value=value,
        )
    return value


def next_invoice_date(after: datetime | date, billing_day: int) -> date:
    """The next monthly invoice date strictly after ``after``'s UTC date (R8.4 convention).

    Invoices are issued on ``billing_day`` (1–31) of each month, clamped to the month's last day
    (31 means the 30th in April, the 28th or 29th in February); month arithmetic is
    :class:`dateutil.relativedelta.relativedelta`. ``after`` is an aware datetime (naive:
    :class:`~csp_rules.errors.NaiveDatetimeError`) or a ``date`` (taken as a UTC date). A billing day
    outside 1–31 raises :class:`~csp_rules.errors.InvalidFieldError`; a non-int, ``TypeError``.

    >>> next_invoice_date(date(2020, 3, 5), 5), next_invoice_date(date(2020, 3, 4), 5)
    (datetime.date(2020, 4, 5), datetime.date(2020, 3, 5))
    >>> next_invoice_date(date(2020, 1, 31), 30)
    datetime.date(2020, 2, 29)
    """
    day = _time.as_date(after, "after")
    billing = _billing_day(billing_day)
    try:
        candidate: date = day + relativedelta(day=billing)
        if candidate <= day:
            candidate = day + relativedelta(months=1, day=billing)
    except (ValueError, OverflowError):
        raise InvalidDateError(
            f"after: no invoice date after {day.isoformat()} fits in the calendar", field="after", value=after
        ) from None
    return candidate


def _price_units(purchase: Purchase) -> tuple[Money, int]:
    price = purchase.price
    if price is None:
        raise MissingFieldError(
            "price: the purchase's price is required to compute its credit", field="price"
        )
    if price.amount < 0:  # pragma: no cover - Purchase refuses negative prices
        raise InvalidInputError("price: a price cannot be negative", field="price", value=price)
    return price, price.minor_units("price")


def _term(purchase: Purchase) -> tuple[date, date]:
    start, end = purchase.term_start, purchase.term_end
    if start is None or end is None:
        raise MissingFieldError(
            "term_start: a prorated credit needs the subscription's term_start and term_end",
            field="term_start",
        )
    return start, end


def _check_decision(decision: Any, purchase: Purchase, at: datetime, rules: RuleSet) -> CancellationDecision:
    if not isinstance(decision, CancellationDecision):
        raise TypeError(f"decision: expected a CancellationDecision, got {type(decision).__name__}")
    facts = decision.facts
    if (
        facts.get("order_id") != purchase.order_id
        or facts.get("at") != at
        or decision.ruleset_version != rules.version
        or decision.outcome is Outcome.NOT_PERMITTED
    ):
        raise InvalidInputError(
            f"decision: it is not evaluate(purchase, at=cancelled_at) for order {purchase.order_id} at "
            f"{at.isoformat()} under {rules.version} without roles",
            field="decision",
            value=decision,
        )
    return decision


def refund_credit(
    purchase: Purchase,
    *,
    cancelled_at: datetime,
    rules: Rules | None = None,
    billing_day: int | None = None,
    decision: CancellationDecision | None = None,
) -> Credit:
    """The credit for cancelling ``purchase`` at ``cancelled_at`` (R8.4; R7 for whether it could be).

    :param purchase: the :class:`~csp_rules.facts.Purchase`; its ``price`` is needed only when a
        credit is computed (missing: :class:`~csp_rules.errors.MissingFieldError` ``"price"``), and
        its ``term_start``/``term_end`` only for a prorated one (``"term_start"``, checked before
        the price). The price must be a whole number of minor units
        (:class:`~csp_rules.errors.InvalidAmountError`).
    :param cancelled_at: the aware instant of the cancellation (naive:
        :class:`~csp_rules.errors.NaiveDatetimeError`; before the purchase:
        :class:`~csp_rules.errors.InvalidDateError`). Its UTC date is the cancellation date.
    :param rules: the rule set; default the one in force at the purchase date.
    :param billing_day: the day of the month invoices are issued (1–31); when given, the credit's
        :attr:`Credit.invoice_date` is :func:`next_invoice_date` after the cancellation.
    :param decision: the R7 decision ``evaluate(purchase, at=cancelled_at, rules=...)`` (without
        roles), when the caller has it: it is not judged again (another decision raises
        :class:`~csp_rules.errors.InvalidInputError`).

    >>> from datetime import date, datetime, timezone
    >>> p = Purchase(order_id="O-2", product_name="Windows Server 2019 Standard", kind="perpetual_software",
    ...              purchased_at=date(2020, 6, 1), price=Money("972.00", "USD"))
    >>> c = refund_credit(p, cancelled_at=datetime(2020, 6, 20, tzinfo=timezone.utc))
    >>> c.outcome, c.amount, c.fraction, c.allowed
    (<CreditOutcome.FULL: 'full'>, Money('972.00', 'USD'), Fraction(1, 1), True)
    >>> c = refund_credit(p, cancelled_at=datetime(2020, 8, 1, tzinfo=timezone.utc))
    >>> c.outcome, c.reasons
    (<CreditOutcome.NO_CREDIT: 'no_credit'>, ('billing.window_closed',))
    """
    if not isinstance(purchase, Purchase):
        raise TypeError(f"purchase: expected a Purchase, got {type(purchase).__name__}")
    at = _time.require_aware(cancelled_at, "cancelled_at")
    when = dating(rules, judged_on(purchase))
    return credit_at(purchase, at, when, billing_day=billing_day, decision=decision, given=cancelled_at)


def credit_at(
    purchase: Purchase,
    at: datetime,
    when: Dating,
    *,
    billing_day: int | None = None,
    decision: CancellationDecision | None = None,
    given: Any = None,
) -> Credit:
    """:func:`refund_credit` at the UTC instant ``at`` under the :class:`~csp_rules.rulesets.Dating`
    already found (for :mod:`csp_rules.effects`, which resolves its rules once), with the reasons of
    R11.3 and R11.4: ``rules.change_date_uncertain`` when the other version would credit otherwise."""
    if billing_day is not None:
        _billing_day(billing_day)
    credit = _credit(purchase, at, when.rules, billing_day, decision, given)
    if when.other is None and not when.unverified:
        return credit
    differs = False
    other: Credit | None = None
    if when.other is not None:
        try:
            other = _credit(purchase, at, when.other, None, None, given)
        except (MissingFieldError, InvalidAmountError):  # it needs what this answer does not: it differs
            other = None
        differs = other is None or (other.outcome, other.amount) != (credit.outcome, credit.amount)
    extra = when.reasons(differs)
    if not extra:
        return credit
    cited = tuple(
        number
        for code, number in (("rules.change_date_uncertain", "R11.3"), ("rules.unverified_after", "R11.4"))
        if code in extra
    )
    return _new_credit(
        cast(CreditOutcome, credit.outcome), credit.allowed, (*credit.reasons, *extra),
        (*credit.rule_numbers, *cited), credit.ruleset_version,
        FrozenMap.lazy(_dated_facts, credit.facts, when, differs, other),
        credit.amount, credit.fraction, credit.unused_days, credit.term_days, credit.invoice_date,
    )  # fmt: skip


def _dated_facts(
    facts: FrozenMap[str, Any], when: Dating, differs: bool, other: Credit | None
) -> dict[str, Any]:
    """A credit's facts with those of its R11.3 and R11.4 reasons (the other version's credit in words)."""
    answers: dict[str, str] = {}
    if when.other is not None:
        for i, lang in enumerate(("en", "fr")):
            if other is None:
                answers[f"answer_{lang}"] = (
                    "a credit that needs the price and term",
                    "un crédit qui demande le prix et la durée",
                )[i]
            elif other.amount is not None:
                answers[f"answer_{lang}"] = (
                    f"{_CREDIT_NAMES[cast(CreditOutcome, other.outcome)][i]}, {other.amount.format(lang)}"
                )
            else:
                answers[f"answer_{lang}"] = _CREDIT_NAMES[cast(CreditOutcome, other.outcome)][i]
    return {**facts, **when.facts(differs, **answers)}


def _credit(
    purchase: Purchase,
    at: datetime,
    rs: RuleSet,
    billing_day: int | None,
    decision: CancellationDecision | None,
    given: Any,
) -> Credit:
    cancelled_at = at if given is None else given
    if decision is None:  # judge R7 by the same table as evaluate(), without building its decision
        plan, answer, deadline, _ = judge(purchase, at, rs, cancelled_at)
        judged = answer.verdict.outcome
        suspected = answer.routing.basis is Basis.NEAR_MISS
        window_days = plan.window_days
        exclusion = None if answer.routing.exclusion is None else answer.routing.exclusion.id
    else:
        _check_decision(decision, purchase, at, rs)
        judged = cast(Outcome, decision.outcome)
        suspected = "suspected_exclusion" in decision.facts
        deadline, window_days = decision.deadline, decision.facts.get("window_days")
        exclusion = decision.facts.get("suspected_exclusion", decision.facts.get("exclusion"))
    kind = purchase.kind
    credit_rule = rs.credits.by_kind.get(kind, CreditRule.NONE_STATED)
    verdict = CREDIT[judged, suspected, credit_rule]
    named = None
    if exclusion is not None and judged in (Outcome.NOT_CANCELLABLE, Outcome.SUPPORT_REQUEST):
        named = ("near_miss" if suspected else "exclusion", exclusion)
    head = (purchase, at, judged, credit_rule, rs.version, deadline, window_days, named)
    outcome = verdict.outcome
    if outcome is not CreditOutcome.FULL and outcome is not CreditOutcome.PRORATED:
        return _new_credit(
            verdict.outcome, False, verdict.reasons, verdict.rule_numbers, rs.version,
            FrozenMap.lazy(_facts_of, head, None), None, None, None, None, None,
        )  # fmt: skip
    unused_days = term_days = None
    reason = verdict.reasons[0]
    prorated = None
    if outcome is CreditOutcome.FULL:
        price, units = _price_units(purchase)
        amount_units, fraction = units, _ONE
    else:  # the term first: without it there is nothing to prorate, whatever the price
        start, end = _term(purchase)
        first, unused_days, term_days = proration_days(
            at.toordinal(),
            start.toordinal(),
            end.toordinal(),
            0 if rs.credits.cancellation_day_credited else 1,
        )
        price, units = _price_units(purchase)
        fraction = Fraction(unused_days, term_days)
        amount_units = prorate(
            units, unused_days, term_days, quantity=purchase.quantity, method=rs.credits.rounding_method
        )
        if not unused_days:
            reason = "billing.credit_nothing_unused"
        prorated = (first, unused_days, term_days, start, end)
    amount = price if amount_units == units else minor_units_money(amount_units, price.currency)
    invoice = None
    due = amount_units > 0
    extra: tuple[str, ...] = ()
    if due:
        if billing_day is not None:
            invoice = next_invoice_date(at, billing_day)
            extra = ("billing.invoice_on",)
        else:
            extra = ("billing.next_invoice",)
    return _new_credit(
        outcome, due, (reason, *extra), verdict.rule_numbers, rs.version,
        FrozenMap.lazy(_facts_of, head, (prorated, price, amount, fraction, invoice)),
        amount, fraction, unused_days, term_days, invoice,
    )  # fmt: skip


_ONE: Final = Fraction(1)
_SET_AMOUNT, _SET_FRACTION, _SET_UNUSED, _SET_TERM, _SET_INVOICE = (
    slot_setter(Credit, name) for name in ("amount", "fraction", "unused_days", "term_days", "invoice_date")
)


def _new_credit(
    outcome: CreditOutcome,
    allowed: bool,
    reasons: tuple[str, ...],
    rule_numbers: tuple[str, ...],
    version: str,
    facts: FrozenMap[str, Any],
    amount: Money | None,
    fraction: Fraction | None,
    unused_days: int | None,
    term_days: int | None,
    invoice: date | None,
) -> Credit:
    credit = build(Credit, outcome, allowed, reasons, rule_numbers, version, facts, _NO_TEXTS)
    _SET_AMOUNT(credit, amount)
    _SET_FRACTION(credit, fraction)
    _SET_UNUSED(credit, unused_days)
    _SET_TERM(credit, term_days)
    _SET_INVOICE(credit, invoice)
    return credit


_NO_TEXTS: Final[FrozenMap[str, FrozenMap[str, str]]] = FrozenMap()


def _facts_of(head: tuple[Any, ...], credit: tuple[Any, ...] | None) -> dict[str, Any]:
    """The facts of a :class:`Credit`, in their order (built when first read)."""
    purchase, at, judged, credit_rule, version, deadline, window_days, named = head
    kind = purchase.kind
    kind_en, kind_fr = _KIND_NAMES[kind]
    facts: dict[str, Any] = {
        "order_id": purchase.order_id,
        "product_name": purchase.product_name,
        "kind": kind,
        "kind_en": kind_en,
        "kind_fr": kind_fr,
        "cancelled_at": at,
        "cancelled_on": at.date(),
        "outcome": judged,
        "credit_rule": credit_rule,
        "ruleset": version,
    }
    if deadline is not None:
        facts["deadline"] = deadline
        facts["window_days"] = window_days
    if named is not None:
        facts[named[0]] = named[1]
    if credit is None:
        return facts
    prorated, price, amount, fraction, invoice = credit
    if prorated is not None:
        first, unused_days, term_days, start, end = prorated
        facts.update(
            unused_from=date.fromordinal(first) if first <= _LAST_DAY else end, unused_days=unused_days,
            term_days=term_days, term_start=start, term_end=end,
            percent=Decimal(f"{half_up(unused_days * 10_000, term_days)}E-2"),
        )  # fmt: skip
    facts["price"] = price
    facts["amount"] = amount
    facts["fraction"] = fraction
    if invoice is not None:
        facts["invoice_date"] = invoice
    return facts


def credit_due(
    purchase: Purchase,
    *,
    cancelled_at: datetime,
    rules: Rules | None = None,
) -> bool:
    """Whether cancelling ``purchase`` at ``cancelled_at`` brings a credit of a positive amount (R8.4).

    The boolean shorthand of :func:`refund_credit`: False for every other outcome, including
    ``NO_RULE_STATED`` (S2018), where the rules do not say; ask :func:`refund_credit` for why.
    """
    return refund_credit(purchase, cancelled_at=cancelled_at, rules=rules).allowed
