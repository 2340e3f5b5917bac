"""Shared facts: the small immutable values every rule family reads.

This is the one module of shared types (money, products, purchases, customers, roles and
actions). Rule modules import from here and from :mod:`csp_rules.rulesets` and
:mod:`csp_rules.decision`; they never import each other in a circle.

Money is a :class:`~decimal.Decimal` with an ISO 4217 currency; floats are refused:

>>> from csp_rules.facts import Money
>>> Money("110.00", "AUD")
Money('110.00', 'AUD')
>>> Money("10.005", "EUR").rounded()
Money('10.01', 'EUR')
>>> Money(1500, "JPY").digits, Money("1.5", "KWD").digits
(0, 3)
>>> Money(0.1, "EUR")
Traceback (most recent call last):
...
csp_rules.errors.InvalidAmountError: amount: floats are refused, give a Decimal, int or str (got 0.1)

A purchase known only by its date was made at 00:00 UTC that day (RULES.md R7 convention):

>>> from datetime import date
>>> p = Purchase(order_id="O-1", product_name="SQL Server Standard", kind="perpetual_software",
...              purchased_at=date(2020, 3, 1), price=Money("100", "USD"))
>>> p.purchased_at.isoformat(), p.kind
('2020-03-01T00:00:00+00:00', <ProductKind.PERPETUAL_SOFTWARE: 'perpetual_software'>)
"""

from __future__ import annotations

import decimal
import enum
import re
import uuid
from datetime import date, datetime
from decimal import (
    ROUND_HALF_UP,
    Context,
    Decimal,
    DivisionByZero,
    Inexact,
    InvalidOperation,
    Overflow,
    localcontext,
)
from typing import Any

import attrs

from . import _time
from ._lazy import Once
from .errors import (
    CurrencyMismatchError,
    InvalidAmountError,
    InvalidDateError,
    InvalidFieldError,
    MissingFieldError,
    UnknownCurrencyError,
)

__all__ = [
    "Action",
    "Customer",
    "Money",
    "ProductKind",
    "Purchase",
    "Role",
    "clean_text",
    "currency_digits",
    "to_decimal",
]


# --- money ----------------------------------------------------------------------------------


def _load_currencies() -> frozenset[str]:
    from babel.core import get_global

    codes = set(get_global("all_currencies"))
    codes.update(get_global("currency_fractions"))
    codes.discard("DEFAULT")
    return frozenset(c for c in codes if len(c) == 3 and c.isalpha() and c.isupper())


_CURRENCIES: Once[frozenset[str]] = Once(_load_currencies)
# Money arithmetic is exact: amounts have at most 64 significant digits (see to_decimal), so a sum
# or product fits in 200 digits; anything inexact would be trapped rather than silently rounded.
_ROUNDINGS = frozenset(
    {
        decimal.ROUND_CEILING,
        decimal.ROUND_DOWN,
        decimal.ROUND_FLOOR,
        decimal.ROUND_HALF_DOWN,
        decimal.ROUND_HALF_EVEN,
        decimal.ROUND_HALF_UP,
        decimal.ROUND_UP,
        decimal.ROUND_05UP,
    }
)
_EXACT = Context(
    prec=200, rounding=ROUND_HALF_UP, traps=[InvalidOperation, DivisionByZero, Overflow, Inexact]
)
_WIDE = Context(prec=200, rounding=ROUND_HALF_UP, traps=[InvalidOperation, DivisionByZero, Overflow])


def _exact(op: str, a: Decimal, b: Decimal) -> Decimal:
    """``a op b`` computed exactly, or :class:`InvalidAmountError` (never a decimal signal)."""
    try:
        if op == "+":
            return _EXACT.add(a, b)
        if op == "-":
            return _EXACT.subtract(a, b)
        return _EXACT.multiply(a, b)
    except ArithmeticError:
        raise InvalidAmountError(
            f"amount: the result of {op!r} has too many digits to be exact", field="amount", value=(a, b)
        ) from None


def _quantize(amount: Decimal, quantum: Decimal, rounding: str) -> Decimal:
    try:
        return amount.quantize(quantum, rounding=rounding, context=_WIDE)
    except ArithmeticError:
        raise InvalidAmountError(
            f"amount: cannot be rounded to {quantum}", field="amount", value=amount
        ) from None


_DIGITS_CACHE: dict[str, int] = {}
_QUANTUM_CACHE: dict[str, Decimal] = {}


def currency_digits(currency: str) -> int:
    """The number of minor-unit digits of a currency, from CLDR via babel (JPY 0, EUR 2, KWD 3)."""
    digits = _DIGITS_CACHE.get(currency)
    if digits is None:
        from babel.numbers import get_currency_precision

        _check_currency(currency, "currency")
        digits = int(get_currency_precision(currency))
        _DIGITS_CACHE[currency] = digits
        _QUANTUM_CACHE[currency] = Decimal(1).scaleb(-digits)
    return digits


def _quantum(currency: str) -> Decimal:
    q = _QUANTUM_CACHE.get(currency)
    if q is None:
        currency_digits(currency)
        q = _QUANTUM_CACHE[currency]
    return q


def _check_currency(value: Any, field: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{field}: a currency is a str such as 'EUR', got {type(value).__name__}")
    if value not in _CURRENCIES():
        raise UnknownCurrencyError(field=field, value=value)
    return value


def to_decimal(value: Any, field: str = "amount") -> Decimal:
    """A finite :class:`~decimal.Decimal` from a Decimal, int or str; floats, NaN and infinities are refused."""
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, bool):
        raise TypeError(f"{field}: expected a Decimal, int or str, got bool")
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, str):
        text = value.strip()
        if len(text) > 64:
            raise InvalidAmountError(
                f"{field}: amount text is too long ({len(text)} characters)", field=field, value=value
            )
        try:
            result = Decimal(text.replace("_", "!"))  # Decimal accepts '1_000'; amounts may not
        except (InvalidOperation, ValueError):
            raise InvalidAmountError(field=field, value=value) from None
    elif isinstance(value, float):
        raise InvalidAmountError(
            f"{field}: floats are refused, give a Decimal, int or str (got {value!r})",
            field=field,
            value=value,
        )
    else:
        raise TypeError(f"{field}: expected a Decimal, int or str, got {type(value).__name__}")
    if not result.is_finite():
        raise InvalidAmountError(f"{field}: amount must be finite, got {value!r}", field=field, value=value)
    if abs(result.adjusted()) > 30:
        raise InvalidAmountError(f"{field}: amount {value!r} is out of range", field=field, value=value)
    return result


def _money_amount(value: Any) -> Decimal:
    return to_decimal(value, "amount")


def _money_currency(value: Any) -> str:
    return _check_currency(value, "currency")


@attrs.frozen(repr=False, order=False)
class Money:
    """An amount of money: an exact :class:`~decimal.Decimal` and an ISO 4217 currency.

    ``amount`` accepts a ``Decimal``, an ``int`` or a ``str``; floats, NaN and infinities raise
    :class:`~csp_rules.errors.InvalidAmountError`. The amount is kept exactly as given;
    :meth:`rounded` rounds it to the currency's minor unit (CLDR digits via babel) with
    ROUND_HALF_UP. Arithmetic and comparison between different currencies raise
    :class:`~csp_rules.errors.CurrencyMismatchError`.
    """

    amount: Decimal = attrs.field(converter=_money_amount)
    currency: str = attrs.field(converter=_money_currency)

    @classmethod
    def _trusted(cls, amount: Decimal, currency: str) -> Money:
        """Library-internal fast path: a finite Decimal and a currency already checked (no conversion)."""
        money = object.__new__(cls)
        object.__setattr__(money, "amount", amount)
        object.__setattr__(money, "currency", currency)
        return money

    @property
    def digits(self) -> int:
        """Minor-unit digits of the currency (CLDR)."""
        return currency_digits(self.currency)

    def rounded(self, rounding: str = ROUND_HALF_UP) -> Money:
        """This amount rounded to the currency's minor unit (ROUND_HALF_UP unless told otherwise).

        ``rounding`` is one of :mod:`decimal`'s rounding constants; anything else raises
        :class:`~csp_rules.errors.InvalidFieldError` (a non-str, ``TypeError``).
        """
        if not isinstance(rounding, str):
            raise TypeError(f"rounding: expected a decimal rounding constant, got {type(rounding).__name__}")
        if rounding not in _ROUNDINGS:
            raise InvalidFieldError(
                f"rounding: {rounding[:40]!r} is not a decimal rounding mode",
                field="rounding",
                value=rounding,
            )
        return Money(_quantize(self.amount, _quantum(self.currency), rounding), self.currency)

    def is_rounded(self) -> bool:
        """Whether the amount has no more decimals than the currency's minor unit."""
        return self.amount == _quantize(self.amount, _quantum(self.currency), ROUND_HALF_UP)

    def format(self, locale: str = "en") -> str:
        """The amount formatted for a locale by babel, e.g. ``'A$110.00'`` or ``'110,00 $AU'``."""
        from babel.numbers import format_currency

        from .decision import babel_locale

        loc = babel_locale(locale)
        with localcontext(_WIDE):  # never the caller's decimal context
            return str(format_currency(self.amount, self.currency, locale=loc))

    def _same(self, other: Money, op: str) -> None:
        if other.currency != self.currency:
            raise CurrencyMismatchError(field=op, value=(self.currency, other.currency))

    def __add__(self, other: object) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        self._same(other, "+")
        return Money(_exact("+", self.amount, other.amount), self.currency)

    def __sub__(self, other: object) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        self._same(other, "-")
        return Money(_exact("-", self.amount, other.amount), self.currency)

    def __mul__(self, factor: object) -> Money:
        if isinstance(factor, (Decimal, int)) and not isinstance(factor, bool):
            return Money(_exact("*", self.amount, to_decimal(factor, "factor")), self.currency)
        return NotImplemented

    __rmul__ = __mul__

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __lt__(self, other: Money) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        self._same(other, "<")
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        self._same(other, "<=")
        return self.amount <= other.amount

    def __gt__(self, other: Money) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        self._same(other, ">")
        return self.amount > other.amount

    def __ge__(self, other: Money) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        self._same(other, ">=")
        return self.amount >= other.amount

    def __repr__(self) -> str:
        return f"Money({str(self.amount)!r}, {self.currency!r})"

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"

    def _repr_html_(self) -> str:
        from html import escape

        return f"<span title='{escape(str(self))}'>{escape(self.format('en'))}</span>"


# --- products, roles, actions ---------------------------------------------------------------


class _ParseableEnum(enum.Enum):
    """An enum whose members parse from their name or value, case- and separator-insensitively."""

    @classmethod
    def parse(cls, value: Any, field: str = "value") -> Any:
        if isinstance(value, cls):
            return value
        if not isinstance(value, str):
            raise TypeError(f"{field}: expected a {cls.__name__} or str, got {type(value).__name__}")
        key = re.sub(r"[\s\-]+", "_", value.strip().lower())[:64]
        member = _enum_lookup(cls).get(key)
        if member is None:
            names = ", ".join(m.value for m in cls)
            raise InvalidFieldError(
                f"{field}: unknown {cls.__name__} {value[:80]!r}; expected one of {names}",
                field=field,
                value=value,
            )
        return member


def _enum_lookup(cls: type[enum.Enum]) -> dict[str, Any]:
    table: dict[str, Any] | None = cls.__dict__.get("_lookup_table")
    if table is None:
        table = {}
        for member in cls:
            table[member.name.lower()] = member
            table[str(member.value)] = member
        table.update(getattr(cls, "_aliases", dict)())
        type.__setattr__(cls, "_lookup_table", table)
    return table


class ProductKind(_ParseableEnum):
    """What was bought. On-premises software is perpetual software (R10)."""

    SOFTWARE_SUBSCRIPTION = "software_subscription"
    PERPETUAL_SOFTWARE = "perpetual_software"
    AZURE_RESERVATION = "azure_reservation"
    AZURE_SOFTWARE_PLAN = "azure_software_plan"

    @classmethod
    def _aliases(cls) -> dict[str, ProductKind]:
        return {
            "on_premises": cls.PERPETUAL_SOFTWARE,
            "on_premises_software": cls.PERPETUAL_SOFTWARE,
            "perpetual": cls.PERPETUAL_SOFTWARE,
            "subscription": cls.SOFTWARE_SUBSCRIPTION,
            "reservation": cls.AZURE_RESERVATION,
            "software_plan": cls.AZURE_SOFTWARE_PLAN,
        }


class Role(_ParseableEnum):
    """Partner Center roles (R1). :func:`csp_rules.roles.parse_role` also reads English and French names."""

    ADMIN_AGENT = "admin_agent"
    GLOBAL_ADMIN = "global_admin"
    ACCOUNT_ADMIN = "account_admin"
    REFERRAL_ADMIN = "referral_admin"
    MARKETING_CONTENT_ADMIN = "marketing_content_admin"
    SALES_AGENT = "sales_agent"
    HELPDESK_AGENT = "helpdesk_agent"
    BILLING_ADMIN = "billing_admin"
    USER_MANAGEMENT_ADMIN = "user_management_admin"
    INCENTIVE_ADMIN = "incentive_admin"
    INCENTIVE_USER = "incentive_user"
    MPN_PARTNER_ADMIN = "mpn_partner_admin"
    EXECUTIVE_REPORTS_VIEWER = "executive_reports_viewer"


class Action(_ParseableEnum):
    """What a user wants to do (R1.1–R1.4)."""

    BUY = "buy"
    GET_KEYS_AND_DOWNLOADS = "get_keys_and_downloads"
    CANCEL = "cancel"
    VIEW_ACTIVITY_LOG = "view_activity_log"


# --- customers and purchases ----------------------------------------------------------------

_MAX_TEXT = 4096


def clean_text(value: Any, field: str, *, optional: bool = False) -> str | None:
    """White space folded; ``None`` or blank is missing (an error unless ``optional``); control
    characters and texts over 4096 characters are refused; non-strings raise ``TypeError``."""
    if value is None:
        if optional:
            return None
        raise MissingFieldError(field=field)
    if not isinstance(value, str):
        raise TypeError(f"{field}: expected str, got {type(value).__name__}")
    if len(value) > _MAX_TEXT * 4:
        raise InvalidFieldError(
            f"{field}: text is too long ({len(value)} characters)", field=field, value=value
        )
    text = " ".join(value.split())
    if not text:
        if optional:
            return None
        raise MissingFieldError(field=field, value=value)
    if len(text) > _MAX_TEXT or any(ord(c) < 32 or 0x7F <= ord(c) < 0xA0 for c in text):
        raise InvalidFieldError(
            f"{field}: text is too long or has control characters", field=field, value=value
        )
    return text


def _required_text(field: str, value: Any) -> str:
    text = clean_text(value, field)
    assert text is not None
    return text


def _order_id(value: Any) -> str:
    return _required_text("order_id", value)


def _product_name(value: Any) -> str:
    return _required_text("product_name", value)


def _customer_name(value: Any) -> str | None:
    return clean_text(value, "customer.name", optional=True)


def _customer_domain(value: Any) -> str | None:
    return clean_text(value, "customer.domain", optional=True)


def _subscription_id(value: Any) -> str | None:
    return clean_text(value, "subscription_id", optional=True)


def _sku_name(value: Any) -> str | None:
    return clean_text(value, "sku_name", optional=True)


def _tenant_id(value: Any) -> uuid.UUID | None:
    if value is None or isinstance(value, uuid.UUID):
        return value
    if not isinstance(value, str):
        raise TypeError(f"tenant_id: expected a UUID or str, got {type(value).__name__}")
    text = value.strip()
    if len(text) > 64:
        raise InvalidFieldError("tenant_id: not a GUID (too long)", field="tenant_id", value=value)
    try:
        return uuid.UUID(text)
    except ValueError:
        raise InvalidFieldError(
            f"tenant_id: {value[:80]!r} is not a GUID", field="tenant_id", value=value
        ) from None


@attrs.frozen(kw_only=True)
class Customer:
    """The customer a purchase was made for: any one of name, tenant GUID or domain name (R7.5)."""

    name: str | None = attrs.field(default=None, converter=_customer_name)
    tenant_id: uuid.UUID | None = attrs.field(default=None, converter=_tenant_id)
    domain: str | None = attrs.field(default=None, converter=_customer_domain)

    @property
    def identified(self) -> bool:
        """Whether at least one of name, tenant GUID and domain is known."""
        return self.name is not None or self.tenant_id is not None or self.domain is not None


def _kind(value: Any) -> ProductKind:
    result: ProductKind = ProductKind.parse(value, "kind")
    return result


def _purchased_at(value: Any) -> datetime:
    return _time.as_instant(value, "purchased_at")


def _term_date(value: Any, field: str) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        raise TypeError(
            f"{field}: give a calendar date (the term is [term_start, term_end) in UTC days), not a datetime"
        )
    if not isinstance(value, date):
        raise TypeError(f"{field}: expected a date, got {type(value).__name__}")
    return value


def _term_start(value: Any) -> date | None:
    return _term_date(value, "term_start")


def _term_end(value: Any) -> date | None:
    return _term_date(value, "term_end")


def _price(value: Any) -> Money | None:
    if value is None:
        return None
    if not isinstance(value, Money):
        raise TypeError(f"price: expected Money, got {type(value).__name__}")
    if value.amount < 0:
        raise InvalidAmountError("price: a price cannot be negative", field="price", value=value)
    return value


def _customer(value: Any) -> Customer | None:
    if value is None or isinstance(value, Customer):
        return value
    raise TypeError(f"customer: expected Customer, got {type(value).__name__}")


@attrs.frozen(kw_only=True)
class Purchase:
    """One software purchase (one order ID), the fact cancellation and billing rules judge.

    ``purchased_at`` is an aware datetime (stored in UTC) or a ``date`` (00:00 UTC that day).
    ``term_start``/``term_end`` are UTC calendar dates of a subscription's term, half-open:
    ``[term_start, term_end)``. ``price`` is what was paid for the order, in :class:`Money`.
    """

    order_id: str = attrs.field(converter=_order_id)
    product_name: str = attrs.field(converter=_product_name)
    kind: ProductKind = attrs.field(converter=_kind)
    purchased_at: datetime = attrs.field(converter=_purchased_at)
    price: Money | None = attrs.field(default=None, converter=_price)
    term_start: date | None = attrs.field(default=None, converter=_term_start)
    term_end: date | None = attrs.field(default=None, converter=_term_end)
    customer: Customer | None = attrs.field(default=None, converter=_customer)
    subscription_id: str | None = attrs.field(default=None, converter=_subscription_id)
    sku_name: str | None = attrs.field(default=None, converter=_sku_name)

    def __attrs_post_init__(self) -> None:
        if (self.term_start is None) != (self.term_end is None):
            missing = "term_end" if self.term_end is None else "term_start"
            raise MissingFieldError(
                f"{missing}: give both term_start and term_end, or neither", field=missing, value=None
            )
        if self.term_start is not None and self.term_end is not None and self.term_end <= self.term_start:
            raise InvalidDateError(
                f"term_end: the term [{self.term_start}, {self.term_end}) ends before it starts",
                field="term_end",
                value=self.term_end,
            )
