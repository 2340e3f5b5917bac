"""Prices and tax (RULES.md R4, R4.1): whether a listed price includes tax, and its net and tax to the cent.

Source: S2020 ("Sell software subscriptions through CSP", 2020-01-21): "All commercial pricing
excludes tax, except in Australia and Brazil. For Australia and Brazil, the price includes tax."
Every parameter comes from the rule set (``rules.tax``); a tax question carries no date, so
``rules=None`` means the newest shipped rule set.

A listed price excludes tax in every market but AU and BR
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

>>> price_includes_tax("AU"), price_includes_tax("Brésil"), price_includes_tax("FR")
(True, True, False)
"""

from __future__ import annotations

import enum
from decimal import Decimal
from typing import Any, Final

import attrs

from ._frozen import FrozenMap
from ._lazy import Once
from .decision import Decision
from .errors import InvalidAmountError, InvalidFieldError
from .facts import Money, half_up, minor_units_money, to_decimal
from .markets import Market, markets, resolve
from .rulesets import Rules, RuleSet, TaxBasis, rules_or_newest

__all__ = [
    "REASON_CODES",
    "RULES",
    "PricePart",
    "PriceSplit",
    "TaxBasis",
    "TaxTreatment",
    "price_includes_tax",
    "split_price",
    "tax_treatment",
]

#: the RULES.md numbers this module owns
RULES: Final = ("R4", "R4.1")

#: every reason code this module emits (messages in ``data/messages/tax.json``)
REASON_CODES: Final[frozenset[str]] = frozenset({"billing.tax_inclusive", "billing.tax_exclusive"})

_BASIS_NAMES: Final[FrozenMap[str, FrozenMap[TaxBasis, str]]] = FrozenMap(
    {
        "en": FrozenMap({TaxBasis.NET: "the net price", TaxBasis.GROSS: "the gross price (tax included)"}),
        "fr": FrozenMap(
            {TaxBasis.NET: "le prix hors taxes", TaxBasis.GROSS: "le prix toutes taxes comprises"}
        ),
    }
)


def _market_code(market: Any) -> str:
    """The ISO code of a market given as a :class:`Market` or anything :func:`csp_rules.markets.resolve` reads."""
    if isinstance(market, Market):
        return market.code
    return resolve(market).code


def _load_fast() -> dict[Any, bool]:
    """Code (upper and lower case) or Market -> R4.1 answer under the newest shipped rule set."""
    inclusive = rules_or_newest(None).tax.inclusive_markets
    table: dict[Any, bool] = {}
    for market in markets():
        table[market.code] = table[market.code.lower()] = table[market] = market.code in inclusive
    return table


_FAST: Once[dict[Any, bool]] = Once(_load_fast)


def price_includes_tax(market: Market | str, *, rules: Rules | None = None) -> bool:
    """R4.1: whether a listed price in a market includes tax (AU and BR in every shipped version).

    :param market: a :class:`~csp_rules.markets.Market` or anything :func:`~csp_rules.markets.resolve` takes.
    :param rules: the rule set (``tax.inclusive_markets``); by default the newest shipped one.

    >>> price_includes_tax("AU"), price_includes_tax("bra"), price_includes_tax("Germany")
    (True, True, False)
    """
    if rules is None:
        answer = _FAST().get(market)
        if answer is not None:
            return answer
    return _market_code(market) in rules_or_newest(rules).tax.inclusive_markets


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


def tax_treatment(market: Market | str, *, rules: Rules | None = None) -> Decision:
    """Whether listed prices in a market include tax (R4.1), as a :class:`~csp_rules.decision.Decision`.

    ``allowed`` is True when the listed price includes tax (AU, BR). The facts name the default
    tax basis for the market (R4 convention). ``rules=None``: the newest shipped rule set.

    >>> tax_treatment("AU").explain("en")
    'Listed prices in Australia (AU) include tax (R4.1); by default a tax rate applies to the net price.'
    >>> tax_treatment("Brésil").explain("fr")
    "Les prix affichés pour le marché Brésil (BR) incluent les taxes (R4.1) ; par défaut, un taux de taxe s'applique sur le prix toutes taxes comprises."
    """
    rs = rules_or_newest(rules)
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
    rules: Rules | None = None,
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
    rs = rules_or_newest(rules)
    code = _market_code(market)
    r = _rate(rate)
    chosen = _basis(basis, rs, code)
    if price.amount < 0:
        raise InvalidAmountError(
            f"price: a price cannot be negative (got {price})", field="price", value=price
        )
    units = price.minor_units("price")
    num, den = r.as_integer_ratio()
    if code in rs.tax.inclusive_markets:
        listed = PricePart.GROSS
        tax = half_up(units * num, den if chosen is TaxBasis.GROSS else den + num)
        net, gross = units - tax, units
    else:
        listed = PricePart.NET
        tax = half_up(units * num, den if chosen is TaxBasis.NET else den - num)
        net, gross = units, units + tax
    currency = price.currency
    split = _NEW(PriceSplit)  # PriceSplit's fields, without attrs' keyword __init__ (a hot path)
    _SET_NET(split, price if listed is PricePart.NET else minor_units_money(net, currency))
    _SET_TAX(split, minor_units_money(tax, currency))
    _SET_GROSS(split, price if listed is PricePart.GROSS else minor_units_money(gross, currency))
    _SET_LISTED(split, listed)
    _SET_BASIS(split, chosen)
    _SET_RATE(split, r)
    _SET_MARKET(split, code)
    _SET_VERSION(split, rs.version)
    return split


_NEW: Final = object.__new__
_SET_NET, _SET_TAX, _SET_GROSS, _SET_LISTED, _SET_BASIS, _SET_RATE, _SET_MARKET, _SET_VERSION = (
    getattr(PriceSplit, field.name).__set__ for field in attrs.fields(PriceSplit)
)
