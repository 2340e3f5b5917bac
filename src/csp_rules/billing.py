"""Billing (RULES.md R2, R4, R8.4): money, tax-inclusive prices, refund credits and their invoice, Azure Hybrid Benefit.

Sources: S2020 ("Sell software subscriptions through CSP") for R2, R4 and R8.4; S2018 states no
credit rule (RULES.md, "Rule-set versions"). Every parameter comes from the rule set
(:class:`~csp_rules.rulesets.RuleSet`: ``tax``, ``credits``, ``cancellation``, ``hybrid_benefit``).

**R4 Prices and tax.** A listed price excludes tax in every market but AU and BR
(``rules.tax.inclusive_markets``), where it includes it (:func:`price_includes_tax`,
:func:`tax_treatment`). :func:`split_price` splits a price into net + tax + gross without losing
or inventing a minor unit: the *tax* is rounded ROUND_HALF_UP to the currency's minor unit (CLDR
digits via babel: JPY 0, EUR 2, KWD 3) and the other part is the difference, so
``net + tax == gross`` always. The rate ``r`` (a fraction in [0, 1), never a float) applies to a
basis, :class:`~csp_rules.rulesets.TaxBasis`, by default per market (``rules.tax.basis_for``:
AU net, BR gross, others net):

====================  ==============================  =====================================
listed price          basis ``net`` (e.g. AU GST)     basis ``gross`` (BR "por dentro")
====================  ==============================  =====================================
net (exclusive)       tax = round(net × r)            tax = round(net × r / (1 − r))
gross (inclusive)     tax = round(gross × r / (1+r))  tax = round(gross × r)
====================  ==============================  =====================================

The split is computed exactly in whole minor units (no decimal context, the caller's included,
can change it). The price must already be a whole number of minor units: ``Money("10.005",
"EUR")`` is refused with :class:`~csp_rules.errors.InvalidAmountError` rather than silently
changed (round it first with :meth:`Money.rounded`). *The split is the same whichever part was
listed*: splitting the gross of a tax-exclusive split as a tax-inclusive price, with the same rate
and basis, gives back the same net and tax (for every amount, currency and rate).

>>> from decimal import Decimal
>>> s = split_price(Money("110.00", "AUD"), "AU", Decimal("0.10"))
>>> s.net, s.tax, s.gross, s.listed, s.basis
(Money('100.00', 'AUD'), Money('10.00', 'AUD'), Money('110.00', 'AUD'), <PricePart.GROSS: 'gross'>, <TaxBasis.NET: 'net'>)
>>> s = split_price(Money("100.00", "BRL"), "BR", Decimal("0.18"))
>>> s.net, s.tax, s.basis
(Money('82.00', 'BRL'), Money('18.00', 'BRL'), <TaxBasis.GROSS: 'gross'>)
>>> split_price(Money("1005", "JPY"), "JP", Decimal("0.10")).gross
Money('1106', 'JPY')

**R8.4 Credits.** A cancelled order is credited on the next monthly invoice: perpetual software
100%, software subscriptions prorated (``rules.credits.by_kind``). :func:`refund_credit` answers
with a :class:`Credit` decision. Proration (R8.4 convention): calendar days in UTC, the term
``[term_start, term_end)``, the unused part ``[cancellation date, term_end)`` (the cancellation day
counts as unused when ``rules.credits.cancellation_day_credited``, else the unused part starts the
next day), ``fraction = unused / term`` as an exact :class:`~fractions.Fraction`, and
``amount = price × fraction`` rounded *once* ROUND_HALF_UP to the minor unit; so
``0 <= amount <= price``. There is a credit only if the purchase could be cancelled at that
instant (R7: the self-service route, inside the window, no exclusion): otherwise the outcome is
``NO_CREDIT`` with the reason (window closed, support request, not cancellable, a name that nearly
matches an exclusion) or ``NOT_COVERED`` (Azure reservations, R7.4). Under S2018 no credit rule is
stated: the outcome is ``NO_RULE_STATED``, never an invented 0% or 100%. By default the rule set
is the one in force at the purchase date. :func:`next_invoice_date` gives the invoice the credit
appears on, for a billing day of the month (clamped to the month's end).

>>> from datetime import date, datetime, timezone
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

**R2 Azure Hybrid Benefit.** Windows Server Datacenter and Standard licences
(``rules.hybrid_benefit.eligible_editions``) with Software Assurance are eligible: Windows Server
VMs in Azure then pay the lower base compute rate (the Linux VM rate). The savings claim,
"up to 40%" on VMs, is quoted from the rule set, never computed. Only Windows Server licences
count: "SQL Server 2019 Standard" is not one. With ``rules=None`` the newest shipped rule set
applies (the question has no date).

>>> hybrid_benefit("Windows Server 2019 Datacenter", software_assurance=True).allowed
True
>>> d = hybrid_benefit("SQL Server 2019 Standard", software_assurance=True)
>>> d.allowed, d.reasons
(False, ('billing.hybrid_not_windows_server',))
>>> hybrid_benefit_eligible("standard", software_assurance=False)
False
"""

from __future__ import annotations

import enum
from collections.abc import Collection
from datetime import date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any, Final

import attrs
from dateutil.relativedelta import relativedelta

from . import _time
from ._frozen import FrozenMap
from ._window import assess, normalize_name
from .decision import Decision
from .errors import InvalidAmountError, InvalidDateError, InvalidFieldError, MissingFieldError
from .facts import Money, ProductKind, Purchase, currency_digits, to_decimal
from .markets import Market, price_includes_tax, resolve
from .rulesets import CreditRule, Route, RuleSet, TaxBasis, resolve_rules, shipped_rulesets

__all__ = [
    "REASON_CODES",
    "Credit",
    "CreditOutcome",
    "HybridBenefitDecision",
    "HybridBenefitOutcome",
    "Money",
    "PricePart",
    "PriceSplit",
    "TaxBasis",
    "TaxTreatment",
    "credit_due",
    "hybrid_benefit",
    "hybrid_benefit_eligible",
    "next_invoice_date",
    "price_includes_tax",
    "refund_credit",
    "split_price",
    "tax_treatment",
]

#: every reason code this module emits (messages in ``data/messages/billing.json``)
REASON_CODES: Final[frozenset[str]] = frozenset(
    {
        "billing.tax_inclusive",
        "billing.tax_exclusive",
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
        "billing.hybrid_eligible",
        "billing.hybrid_no_software_assurance",
        "billing.hybrid_other_edition",
        "billing.hybrid_unknown_edition",
        "billing.hybrid_not_windows_server",
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
_BASIS_NAMES: Final[FrozenMap[str, FrozenMap[TaxBasis, str]]] = FrozenMap(
    {
        "en": FrozenMap({TaxBasis.NET: "the net price", TaxBasis.GROSS: "the gross price (tax included)"}),
        "fr": FrozenMap(
            {TaxBasis.NET: "le prix hors taxes", TaxBasis.GROSS: "le prix toutes taxes comprises"}
        ),
    }
)


def _newest() -> RuleSet:
    return shipped_rulesets()[-1]


def _rules_or_newest(rules: RuleSet | None) -> RuleSet:
    if rules is None:
        return _newest()
    if not isinstance(rules, RuleSet):
        raise TypeError(f"rules: expected a RuleSet, got {type(rules).__name__}")
    return rules


def _market_code(market: Any) -> str:
    """The ISO code of a market given as a :class:`Market` or anything :func:`csp_rules.markets.resolve` reads."""
    if isinstance(market, Market):
        return market.code
    return resolve(market).code


def _half_up(numerator: int, denominator: int) -> int:
    """``numerator / denominator`` rounded ROUND_HALF_UP to a whole number (both non-negative)."""
    return (2 * numerator + denominator) // (2 * denominator)


def _minor_units(money: Money, field: str) -> tuple[int, int]:
    """``(units, digits)``: a non-negative amount as whole minor units, else InvalidAmountError."""
    if money.amount < 0:
        raise InvalidAmountError(
            f"{field}: a price cannot be negative (got {money})", field=field, value=money
        )
    digits = currency_digits(money.currency)
    numerator, denominator = money.amount.as_integer_ratio()
    units, remainder = divmod(numerator * 10**digits, denominator)
    if remainder:
        raise InvalidAmountError(
            f"{field}: {money} has more decimals than the {money.currency} minor unit ({digits} digits); "
            "round it first with Money.rounded()",
            field=field,
            value=money,
        )
    return units, digits


def _money(units: int, digits: int, currency: str) -> Money:
    """Whole minor units back to Money, exactly (string construction ignores the decimal context)."""
    return Money._trusted(Decimal(f"{units}E-{digits}"), currency)


# --- R4: prices and tax -----------------------------------------------------------------------


class PricePart(enum.Enum):
    """Which part of a split price is the listed one (R4.1)."""

    #: the listed price excludes tax (every market but AU and BR)
    NET = "net"
    #: the listed price includes tax (AU, BR)
    GROSS = "gross"


class TaxTreatment(enum.Enum):
    """Outcome of :func:`tax_treatment` (R4.1)."""

    INCLUSIVE = "inclusive"
    EXCLUSIVE = "exclusive"


def tax_treatment(market: Market | str, *, rules: RuleSet | None = None) -> Decision:
    """Whether listed prices in a market include tax (R4.1), as a :class:`~csp_rules.decision.Decision`.

    ``allowed`` is True when the listed price includes tax (AU, BR). The facts name the default
    tax basis for the market (R4 convention). ``rules=None``: the newest shipped rule set.

    >>> tax_treatment("AU").explain("en")
    'Listed prices in Australia (AU) include tax (R4.1); by default a tax rate applies to the net price.'
    >>> tax_treatment("Brésil").explain("fr")
    "Les prix affichés pour le marché Brésil (BR) incluent les taxes (R4.1) ; par défaut, un taux de taxe s'applique sur le prix toutes taxes comprises."
    """
    rs = _rules_or_newest(rules)
    mk = market if isinstance(market, Market) else resolve(market)
    code = mk.code
    inclusive = code in rs.tax.inclusive_markets
    basis = rs.tax.basis_for(code)
    return Decision(
        outcome=TaxTreatment.INCLUSIVE if inclusive else TaxTreatment.EXCLUSIVE,
        allowed=inclusive,
        reasons=("billing.tax_inclusive" if inclusive else "billing.tax_exclusive",),
        rule_numbers=("R4.1", "R4"),
        ruleset_version=rs.version,
        facts={
            "market": code,
            "market_name_en": mk.name("en"),
            "market_name_fr": mk.name("fr"),
            "basis": basis,
            "basis_en": _BASIS_NAMES["en"][basis],
            "basis_fr": _BASIS_NAMES["fr"][basis],
        },
    )


@attrs.frozen(kw_only=True)
class PriceSplit:
    """A price split into net + tax = gross (R4), all in the price's currency and minor unit.

    ``listed`` says which part is the listed price (gross in tax-inclusive markets); ``basis``,
    ``rate``, ``market`` and ``ruleset_version`` record how it was split.
    """

    net: Money
    tax: Money
    gross: Money
    listed: PricePart
    basis: TaxBasis
    rate: Decimal
    market: str
    ruleset_version: str

    @property
    def listed_price(self) -> Money:
        """The listed price: :attr:`gross` if the market's prices include tax, else :attr:`net`."""
        return self.gross if self.listed is PricePart.GROSS else self.net

    @property
    def tax_included(self) -> bool:
        """Whether the listed price includes tax (R4.1)."""
        return self.listed is PricePart.GROSS

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able mapping (amounts as strings)."""
        return {
            "net": str(self.net.amount),
            "tax": str(self.tax.amount),
            "gross": str(self.gross.amount),
            "currency": self.net.currency,
            "listed": self.listed.value,
            "basis": self.basis.value,
            "rate": str(self.rate),
            "market": self.market,
            "ruleset_version": self.ruleset_version,
        }

    def _repr_html_(self) -> str:
        from html import escape

        rows = "".join(
            f"<tr><th>{name}{' (listed)' if name == self.listed.value else ''}</th>"
            f"<td style='text-align:right'>{escape(getattr(self, name).format('en'))}</td></tr>"
            for name in ("net", "tax", "gross")
        )
        return (
            f"<table><caption>{escape(self.market)}: rate {escape(str(self.rate))} on the "
            f"{escape(self.basis.value)} ({escape(self.ruleset_version)})</caption>{rows}</table>"
        )


def _rate(value: Any) -> Decimal:
    if isinstance(value, float):
        raise InvalidFieldError(
            f"rate: floats are refused, give a Decimal such as Decimal('0.10') (got {value!r})",
            field="rate",
            value=value,
        )
    try:
        rate = to_decimal(value, "rate")
    except InvalidAmountError as exc:
        raise InvalidFieldError(f"rate: not a number: {value!r:.80}", field="rate", value=value) from exc
    if not 0 <= rate < 1:
        raise InvalidFieldError(
            f"rate: a tax rate is a fraction in [0, 1), e.g. Decimal('0.10') for 10% (got {value!r:.80})",
            field="rate",
            value=value,
        )
    return rate


def _basis(value: Any, rules: RuleSet, market: str) -> TaxBasis:
    if value is None:
        return rules.tax.basis_for(market)
    if isinstance(value, TaxBasis):
        return value
    if not isinstance(value, str):
        raise TypeError(f"basis: expected a TaxBasis or 'net'/'gross', got {type(value).__name__}")
    key = value.strip().lower()
    for member in TaxBasis:
        if member.value == key:
            return member
    raise InvalidFieldError(
        f"basis: expected 'net' or 'gross', got {value!r:.80}", field="basis", value=value
    )


def split_price(
    price: Money,
    market: Market | str,
    rate: Decimal | int | str,
    *,
    basis: TaxBasis | str | None = None,
    rules: RuleSet | None = None,
) -> PriceSplit:
    """Split a listed ``price`` in ``market`` into net, tax and gross at ``rate`` (R4.1, R4 convention).

    :param price: the listed price, a non-negative :class:`Money` that is a whole number of the
        currency's minor units (else :class:`~csp_rules.errors.InvalidAmountError`, as for a
        float; it is never silently rounded; another type: ``TypeError``). Tax-exclusive markets
        list the net, AU and BR the gross.
    :param market: an ISO 3166-1 code, a name, or a :class:`~csp_rules.markets.Market`
        (:func:`csp_rules.markets.resolve`).
    :param rate: the tax rate as a fraction in [0, 1): a ``Decimal``, ``int`` or ``str``
        (``Decimal("0.10")`` for 10%); floats and rates outside [0, 1) raise
        :class:`~csp_rules.errors.InvalidFieldError`.
    :param basis: what the rate applies to, :class:`~csp_rules.rulesets.TaxBasis` or ``"net"`` /
        ``"gross"``; default ``rules.tax.basis_for(market)`` (AU net, BR gross, others net).
    :param rules: the rule set; default the newest shipped one (R4.1 is the same in S2018 and S2020).

    The tax is rounded ROUND_HALF_UP to the minor unit, the other part is the difference:
    ``net + tax == gross`` exactly (see the module docstring for the four formulas).

    >>> from decimal import Decimal
    >>> s = split_price(Money("19.95", "USD"), "US", Decimal("0.10"))
    >>> s.net, s.tax, s.gross, s.listed_price
    (Money('19.95', 'USD'), Money('2.00', 'USD'), Money('21.95', 'USD'), Money('19.95', 'USD'))
    >>> split_price(Money("100.00", "BRL"), "BR", Decimal("0.18"), basis="net").tax
    Money('15.25', 'BRL')
    >>> split_price(Money("10.005", "EUR"), "FR", Decimal("0.20"))
    Traceback (most recent call last):
    ...
    csp_rules.errors.InvalidAmountError: price: 10.005 EUR has more decimals than the EUR minor unit (2 digits); round it first with Money.rounded()
    """
    if not isinstance(price, Money):
        if isinstance(price, float):
            raise InvalidAmountError(
                f"price: floats are refused, give Money such as Money('110.00', 'AUD') (got {price!r})",
                field="price",
                value=price,
            )
        raise TypeError(f"price: expected Money, got {type(price).__name__}")
    rs = _rules_or_newest(rules)
    code = _market_code(market)
    r = _rate(rate)
    chosen = _basis(basis, rs, code)
    units, digits = _minor_units(price, "price")
    num, den = r.as_integer_ratio()
    if code in rs.tax.inclusive_markets:
        listed = PricePart.GROSS
        tax = _half_up(units * num, den if chosen is TaxBasis.GROSS else den + num)
        net, gross = units - tax, units
    else:
        listed = PricePart.NET
        tax = _half_up(units * num, den if chosen is TaxBasis.NET else den - num)
        net, gross = units, units + tax
    currency = price.currency
    return PriceSplit(
        net=price if listed is PricePart.NET else _money(net, digits, currency),
        tax=_money(tax, digits, currency),
        gross=price if listed is PricePart.GROSS else _money(gross, digits, currency),
        listed=listed,
        basis=chosen,
        rate=r,
        market=code,
        ruleset_version=rs.version,
    )


# --- R8.4: credits ----------------------------------------------------------------------------


class CreditOutcome(enum.Enum):
    """Outcome of :func:`refund_credit` (R8.4)."""

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

    >>> from datetime import date
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


def _price_units(purchase: Purchase) -> tuple[Money, int, int]:
    price = purchase.price
    if price is None:
        raise MissingFieldError(
            "price: the purchase's price is required to compute its credit", field="price"
        )
    units, digits = _minor_units(price, "price")
    return price, units, digits


def _proration(purchase: Purchase, cancelled_on: date, day_credited: bool) -> tuple[date, int, int]:
    """``(unused_from, unused_days, term_days)`` under the R8.4 convention."""
    start, end = purchase.term_start, purchase.term_end
    if start is None or end is None:
        raise MissingFieldError(
            "term_start: a prorated credit needs the subscription's term_start and term_end",
            field="term_start",
        )
    unused_from = cancelled_on
    if not day_credited:
        try:
            unused_from = cancelled_on + timedelta(days=1)
        except OverflowError:
            unused_from = end  # the day after date.max: nothing of any term is left
    unused_from = max(unused_from, start)
    term_days = (end - start).days
    unused_days = max(0, (end - unused_from).days)
    return unused_from, unused_days, term_days


def refund_credit(
    purchase: Purchase,
    *,
    cancelled_at: datetime,
    rules: RuleSet | None = None,
    billing_day: int | None = None,
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

    Outcomes, in the order they are decided: ``NOT_COVERED`` (R7.4); ``NO_CREDIT`` when the
    product cannot be cancelled (R7.3), its name nearly matches an exclusion (R7.3) or the window
    is closed (R7.1); ``NO_RULE_STATED`` when the rule set states no credit rule for the kind;
    ``NO_CREDIT`` when the cancellation goes through a support request (R9, R10.3: the refund is
    requested there and decided by Microsoft); else ``FULL`` or ``PRORATED`` per
    ``rules.credits.by_kind``.

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
    rs = resolve_rules(rules, purchase.purchased_at.date())
    if billing_day is not None:
        _billing_day(billing_day)
    assessment = assess(purchase, at, rs)
    kind = purchase.kind
    credit_rule = rs.credits.by_kind.get(kind, CreditRule.NONE_STATED)
    kind_en, kind_fr = _KIND_NAMES[kind]
    facts: dict[str, Any] = {
        "order_id": purchase.order_id,
        "product_name": purchase.product_name,
        "kind": kind,
        "kind_en": kind_en,
        "kind_fr": kind_fr,
        "cancelled_at": at,
        "cancelled_on": at.date(),
        "route": assessment.route,
        "credit_rule": credit_rule,
        "ruleset": rs.version,
    }
    if assessment.deadline is not None:
        facts["deadline"] = assessment.deadline
        facts["window_days"] = assessment.window_days

    def no(outcome: CreditOutcome, reasons: tuple[str, ...], rule_numbers: tuple[str, ...]) -> Credit:
        return Credit(
            outcome=outcome, allowed=False, reasons=reasons, rule_numbers=rule_numbers,
            ruleset_version=rs.version, facts=facts,
        )  # fmt: skip

    route = assessment.route
    if route is Route.NOT_COVERED:
        return no(CreditOutcome.NOT_COVERED, ("billing.not_covered",), ("R7.4", "R8.4"))
    if route is Route.NOT_CANCELLABLE:
        facts["exclusion"] = assessment.exclusion.id if assessment.exclusion is not None else None
        return no(CreditOutcome.NO_CREDIT, ("billing.not_cancellable",), ("R7.3", "R8.4"))
    if assessment.near_miss is not None:
        facts["near_miss"] = assessment.near_miss.id
        return no(CreditOutcome.NO_CREDIT, ("billing.near_miss",), ("R7.3", "R8.4"))
    if route is Route.WINDOW and not assessment.in_window:
        extra = ("billing.no_rule_stated",) if credit_rule is CreditRule.NONE_STATED else ()
        return no(CreditOutcome.NO_CREDIT, ("billing.window_closed", *extra), ("R7.1", "R8.4"))
    if credit_rule is CreditRule.NONE_STATED:
        extra = ("billing.support_request",) if route is Route.SUPPORT_REQUEST else ()
        return no(CreditOutcome.NO_RULE_STATED, ("billing.no_rule_stated", *extra), ("R8.4",))
    if route is not Route.WINDOW:  # a support request (R9, R10.3, R7.3 for Windows 7 ESU)
        if assessment.exclusion is not None:
            facts["exclusion"] = assessment.exclusion.id
        return no(CreditOutcome.NO_CREDIT, ("billing.support_request",), ("R9", "R8.4"))

    if credit_rule is CreditRule.FULL:
        price, units, digits = _price_units(purchase)
        outcome, amount_units, fraction = CreditOutcome.FULL, units, Fraction(1)
        unused_days = term_days = None
        reason = "billing.credit_full"
    else:  # the term first: without it there is nothing to prorate, whatever the price
        unused_from, unused_days, term_days = _proration(
            purchase, facts["cancelled_on"], rs.credits.cancellation_day_credited
        )
        price, units, digits = _price_units(purchase)
        fraction = Fraction(unused_days, term_days)
        amount_units = _half_up(units * unused_days, term_days)
        outcome = CreditOutcome.PRORATED
        reason = "billing.credit_prorated" if unused_days else "billing.credit_nothing_unused"
        facts.update(
            unused_from=unused_from, unused_days=unused_days, term_days=term_days,
            term_start=purchase.term_start, term_end=purchase.term_end,
            percent=Decimal(f"{_half_up(unused_days * 10_000, term_days)}E-2"),
        )  # fmt: skip
    amount = price if amount_units == units else _money(amount_units, digits, price.currency)
    facts["price"] = price
    facts["amount"] = amount
    facts["fraction"] = fraction
    invoice = None
    due = amount_units > 0
    if due:
        if billing_day is not None:
            invoice = next_invoice_date(at, billing_day)
            facts["invoice_date"] = invoice
            extra = ("billing.invoice_on",)
        else:
            extra = ("billing.next_invoice",)
    else:
        extra = ()
    return Credit(
        outcome=outcome, allowed=due, reasons=(reason, *extra), rule_numbers=("R8.4",),
        ruleset_version=rs.version, facts=facts, amount=amount, fraction=fraction,
        unused_days=unused_days, term_days=term_days, invoice_date=invoice,
    )  # fmt: skip


def credit_due(
    purchase: Purchase,
    *,
    cancelled_at: datetime,
    rules: RuleSet | None = None,
) -> bool:
    """Whether cancelling ``purchase`` at ``cancelled_at`` brings a credit of a positive amount (R8.4).

    The boolean shorthand of :func:`refund_credit`: False for every other outcome, including
    ``NO_RULE_STATED`` (S2018), where the rules do not say; ask :func:`refund_credit` for why.
    """
    return refund_credit(purchase, cancelled_at=cancelled_at, rules=rules).allowed


# --- R2: Azure Hybrid Benefit -----------------------------------------------------------------


class HybridBenefitOutcome(enum.Enum):
    """Outcome of :func:`hybrid_benefit` (R2)."""

    ELIGIBLE = "eligible"
    NOT_ELIGIBLE = "not_eligible"


@attrs.frozen(kw_only=True)
class HybridBenefitDecision(Decision):
    """Whether a Windows Server licence is eligible for Azure Hybrid Benefit (R2).

    ``edition`` is the Windows Server edition recognised (``"datacenter"``), or None;
    ``savings_claim`` is the documented claim, quoted ("up to 40%"), never computed.
    """

    edition: str | None = None
    savings_claim: str = ""


# words that may surround a Windows Server edition in a licence or SKU name ("2 Core License Pack")
_FILLER: Final[frozenset[str]] = frozenset(
    {"edition", "core", "cores", "license", "licence", "licenses", "licences", "pack", "r2"}
)
# Windows Server editions that exist but are not the eligible ones (recognised to say so)
_OTHER_EDITIONS: Final[frozenset[str]] = frozenset(
    {"essentials", "foundation", "web", "enterprise", "storage", "multipoint premium", "hyper v", "hpc"}
)
_MAX_EDITION = 256


def _edition_key(tokens: list[str]) -> str:
    return " ".join(t for t in tokens if not (t.isdigit() or t in _FILLER))


def _parse_edition(text: str, known: Collection[str]) -> tuple[str | None, bool]:
    """``(edition key, may be Windows Server)``: "Windows Server 2019 Datacenter" or a bare edition.

    Several words that neither start with "Windows Server" nor are a known edition name another
    product ("SQL Server 2019 Standard", "Windows 10 Enterprise").
    """
    tokens = normalize_name(text).split()
    if tokens[:1] == ["microsoft"]:
        tokens = tokens[1:]
    if tokens[:2] == ["windows", "server"]:
        return _edition_key(tokens[2:]) or None, True
    key = _edition_key(tokens)
    if not key:
        return None, True
    if " " in key and key not in known and key not in _OTHER_EDITIONS:
        return key, False
    return key, True


def hybrid_benefit(
    edition: str,
    *,
    software_assurance: bool,
    rules: RuleSet | None = None,
) -> HybridBenefitDecision:
    """Whether a Windows Server licence is eligible for Azure Hybrid Benefit (R2, S2020).

    :param edition: the licence's edition, ``"Datacenter"``, ``"Standard"``, ``"Windows Server
        2019 Datacenter"``, ``"Windows Server 2022 Standard - 16 Core License Pack"``... (case,
        accents and punctuation ignored). Only Windows Server licences count: another product's
        edition (``"SQL Server 2019 Standard"``) or another Windows Server edition
        (``"Essentials"``) is not eligible, with a reason saying which. Empty:
        :class:`~csp_rules.errors.MissingFieldError`; a non-str: ``TypeError``.
    :param software_assurance: whether the licence has Software Assurance (a bool).
    :param rules: the rule set; default the newest shipped one.

    Eligible: an edition of ``rules.hybrid_benefit.eligible_editions`` (Datacenter, Standard) with
    Software Assurance when ``requires_software_assurance``; such VMs pay the base (Linux) compute
    rate, and ``savings_claim`` ("up to 40%") is quoted.

    >>> d = hybrid_benefit("Windows Server 2019 Datacenter", software_assurance=False)
    >>> d.outcome, d.reasons
    (<HybridBenefitOutcome.NOT_ELIGIBLE: 'not_eligible'>, ('billing.hybrid_no_software_assurance',))
    >>> hybrid_benefit("Datacenter", software_assurance=True).explain("en")
    'Windows Server Datacenter with Software Assurance is eligible for Azure Hybrid Benefit: Windows Server VMs in Azure pay the lower base compute rate (the Linux VM rate); documented savings: "up to 40%" on VMs (R2).'
    """
    if not isinstance(edition, str):
        raise TypeError(f"edition: expected a str, got {type(edition).__name__}")
    if not isinstance(software_assurance, bool):
        raise TypeError(f"software_assurance: expected a bool, got {type(software_assurance).__name__}")
    if not edition.strip():
        raise MissingFieldError(field="edition", value=edition)
    if len(edition) > _MAX_EDITION:
        raise InvalidFieldError(
            f"edition: an edition name is at most {_MAX_EDITION} characters", field="edition", value=edition
        )
    rs = _rules_or_newest(rules)
    hb = rs.hybrid_benefit
    eligible_keys = {_edition_key(normalize_name(e).split()): e for e in hb.eligible_editions}
    key, windows_server = _parse_edition(edition, eligible_keys)
    shown = " ".join(edition.split())
    recognised: str | None = None
    reasons: list[str] = []
    if not windows_server:
        reasons.append("billing.hybrid_not_windows_server")
    elif key is not None and key in eligible_keys:
        recognised = eligible_keys[key]
    elif key is not None and key in _OTHER_EDITIONS:
        recognised = key
        reasons.append("billing.hybrid_other_edition")
    else:
        reasons.append("billing.hybrid_unknown_edition")
    if hb.requires_software_assurance and not software_assurance:
        reasons.append("billing.hybrid_no_software_assurance")
    eligible = not reasons
    if eligible:
        reasons.append("billing.hybrid_eligible")
    return HybridBenefitDecision(
        outcome=HybridBenefitOutcome.ELIGIBLE if eligible else HybridBenefitOutcome.NOT_ELIGIBLE,
        allowed=eligible,
        reasons=tuple(reasons),
        rule_numbers=("R2",),
        ruleset_version=rs.version,
        facts={
            "edition": shown,
            "edition_name": recognised.title() if recognised is not None else shown,
            "software_assurance": software_assurance,
            "eligible_editions": tuple(sorted(e.title() for e in hb.eligible_editions)),
            "savings_claim": hb.savings_claim,
        },
        edition=recognised,
        savings_claim=hb.savings_claim,
    )


def hybrid_benefit_eligible(edition: str, *, software_assurance: bool, rules: RuleSet | None = None) -> bool:
    """Whether the licence is eligible for Azure Hybrid Benefit (R2): the boolean of :func:`hybrid_benefit`."""
    return hybrid_benefit(edition, software_assurance=software_assurance, rules=rules).allowed
