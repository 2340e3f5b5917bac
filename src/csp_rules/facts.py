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
import unicodedata
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
)
from functools import lru_cache
from typing import Any

import attrs

from . import _l10n, _time
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
    return _l10n.locked(_read_currencies)


def _read_currencies() -> frozenset[str]:
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


@lru_cache(maxsize=1024)
def _currency_info(currency: str) -> tuple[int, Decimal]:
    """``(minor-unit digits, quantum)`` of a known currency (CLDR via babel), computed once per currency."""
    from babel.numbers import get_currency_precision

    digits = int(_l10n.locked(lambda: get_currency_precision(currency)))
    return digits, Decimal(1).scaleb(-digits)


def currency_digits(currency: str) -> int:
    """The number of minor-unit digits of a currency, from CLDR via babel (JPY 0, EUR 2, KWD 3)."""
    return _currency_info(_check_currency(currency, "currency"))[0]


def _quantum(currency: str) -> Decimal:
    return _currency_info(_check_currency(currency, "currency"))[1]


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

    def minor_units(self, field: str = "amount") -> int:
        """The amount as a whole number of minor units (``Money("1.50", "EUR")`` is 150).

        :raises InvalidAmountError: the amount has more decimals than the currency's minor unit
            (round it first with :meth:`rounded`); ``field`` names it in the message.
        """
        numerator, denominator = self.amount.as_integer_ratio()
        units, remainder = divmod(numerator * 10 ** _currency_info(self.currency)[0], denominator)
        if remainder:
            error = decimals_error(self.amount, self.currency, field)
            error.value = self
            raise error
        return int(units)

    @classmethod
    def from_minor_units(cls, units: int, currency: str) -> Money:
        """The amount of ``units`` minor units of ``currency``, exactly (no decimal context applies)."""
        if isinstance(units, bool) or not isinstance(units, int):
            raise TypeError(f"units: expected an int, got {type(units).__name__}")
        digits = currency_digits(currency)
        if abs(units) >= 10**64:
            raise InvalidAmountError(
                f"units: {units} minor units is out of range", field="units", value=units
            )
        return cls._trusted(Decimal(f"{units}E-{digits}"), currency)

    def format(self, locale: str = "en") -> str:
        """The amount formatted for a locale by babel, e.g. ``'A$110.00'`` or ``'110,00 $AU'``."""
        return _l10n.format_money(self.amount, self.currency, locale)

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


def minor_units_money(units: int, currency: str) -> Money:
    """:meth:`Money.from_minor_units` for a whole number of units a rule computed, in the currency of a
    :class:`Money` (already checked): the same amount, without the checks."""
    return Money._trusted(Decimal(f"{units}E-{_currency_info(currency)[0]}"), currency)


def half_up(numerator: int, denominator: int) -> Any:
    """``numerator / denominator`` rounded half up to a whole number, for non-negative numerators and
    positive denominators: Python ints (exact, any size) or numpy int64 arrays alike.

    >>> half_up(5, 2), half_up(7, 3), half_up(2923, 10)
    (3, 2, 292)
    """
    return (2 * numerator + denominator) // (2 * denominator)


def negative_price_error(where: str = "") -> InvalidAmountError:
    """The error of a negative price (``where``: the column it came from, in batch)."""
    shown = f" ({where})" if where else ""
    return InvalidAmountError(f"price: a price cannot be negative{shown}", field="price")


def decimals_error(amount: Decimal, currency: str, field: str = "price") -> InvalidAmountError:
    """The error of an amount finer than its currency's minor unit (``Money("10.005", "EUR")``)."""
    digits = currency_digits(currency)
    return InvalidAmountError(
        f"{field}: {amount} {currency} has more decimals than the {currency} minor unit ({digits} digits); "
        "round it first with Money.rounded()",
        field=field,
        value=amount,
    )


def term_errors(
    start: str = "term_start", end: str = "term_end"
) -> tuple[MissingFieldError, MissingFieldError, InvalidDateError]:
    """The errors of a term given by halves, and of one that ends before it starts (:class:`Purchase`):
    ``(start without end, end without start, end not after start)``; ``start`` and ``end`` show the term."""
    return (
        MissingFieldError("term_end: give both term_start and term_end, or neither", field="term_end"),
        MissingFieldError("term_start: give both term_start and term_end, or neither", field="term_start"),
        InvalidDateError(
            f"term_end: the term [{start}, {end}) ends before it starts", field="term_end", value=end
        ),
    )


# --- products, roles, actions ---------------------------------------------------------------


class _ParseableEnum(enum.Enum):
    """An enum whose members parse from their name or value, case- and separator-insensitively.

    Members hash by identity (they are singletons, and compare by identity): a member keys the
    rule tables on every call, and :class:`enum.Enum`'s hash of the member's name is a Python call.
    """

    __hash__ = object.__hash__

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


_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_CONTROL_BUT_NEWLINE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f]")


def clean_text(
    value: Any, field: str, *, optional: bool = False, limit: int = _MAX_TEXT, multiline: bool = False
) -> str | None:
    """The text of a field, tidied: runs of white space one space (per line, with ``multiline``).

    ``None`` or blank is missing: :class:`~csp_rules.errors.MissingFieldError` unless ``optional``
    (then None). More than ``limit`` characters, or control characters (C0, DEL, C1; a line break
    is allowed with ``multiline``), raise :class:`~csp_rules.errors.InvalidFieldError`, whose message
    after ``"field: "`` says which. Non-strings raise ``TypeError``. The time is bounded on megabyte
    strings (a text over four times the limit is refused whole, before it is read).

    >>> clean_text("  Office   365 E3 ", "product_name")
    'Office 365 E3'
    >>> clean_text("x" * 5000, "product_name")
    Traceback (most recent call last):
    ...
    csp_rules.errors.InvalidFieldError: product_name: at most 4096 characters (got 5000)
    """
    if value is None:
        if optional:
            return None
        raise MissingFieldError(field=field)
    if not isinstance(value, str):
        raise TypeError(f"{field}: expected str, got {type(value).__name__}")
    if len(value) > limit * 4:
        raise InvalidFieldError(
            f"{field}: at most {limit} characters (got {len(value)})", field=field, value=value
        )
    if multiline:
        lines = [" ".join(line.split()) for line in value.replace("\r\n", "\n").split("\n")]
        text = "\n".join(lines).strip("\n")
        control = _CONTROL_BUT_NEWLINE
    else:
        text = " ".join(value.split())
        control = _CONTROL
    if not text:
        if optional:
            return None
        raise MissingFieldError(field=field, value=value)
    if len(text) > limit:
        raise InvalidFieldError(
            f"{field}: at most {limit} characters (got {len(text)})", field=field, value=value
        )
    if control.search(text):
        raise InvalidFieldError(f"{field}: control characters are not allowed", field=field, value=value)
    return text


def fold(text: str) -> str:
    """A text compared without accents or case: NFKD, combining marks dropped, case folded.

    >>> fold("Mises à jour de Sécurité"), fold("Straße")
    ('mises a jour de securite', 'strasse')
    """
    decomposed = unicodedata.normalize("NFKD", text)
    if not decomposed.isascii():
        decomposed = "".join(c for c in decomposed if not unicodedata.combining(c))
    return decomposed.casefold()


_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_MAX_NAME = 4096


def words(name: str) -> str:
    """A name as the words it is matched by: :func:`fold`, every run of characters other than
    ``a-z0-9`` one space, padded with spaces (so phrases match as whole words: ``" esu "`` is in
    ``" windows 7 esu 2020 "``, not in ``" desu "``). Only the first 4096 characters are read.

    >>> words("Windows® 7 – ESU (2020)"), words("Mises à jour de sécurité étendues")
    (' windows 7 esu 2020 ', ' mises a jour de securite etendues ')
    """
    return " " + _NON_ALNUM.sub(" ", fold(name[:_MAX_NAME])).strip() + " "


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


def _term_started_at(value: Any) -> datetime | None:
    return None if value is None else _time.as_instant(value, "term_started_at")


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
        error = negative_price_error()
        error.value = value
        raise error
    return value


def _quantity(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"quantity: expected an int, got {type(value).__name__}")
    if value < 1 or value > 10**9:
        raise InvalidFieldError(
            f"quantity: a quantity is a whole number from 1 to 10**9 (got {value})",
            field="quantity",
            value=value,
        )
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
    ``[term_start, term_end)``. ``price`` is what was paid for the order line, in :class:`Money`,
    for ``quantity`` units (seats, licences; 1 by default): the unit price, ``price / quantity``,
    must be a whole number of the currency's minor units (R8.4).

    ``term_started_at`` is, for a renewed subscription, the instant its current term began (an
    aware datetime, or a date: 00:00 UTC); it selects the rules that judge the subscription and,
    where they say so, opens its cancellation window (R11.2). It is not before the purchase and,
    with a term, ``term_start <= its UTC date < term_end``.
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
    quantity: int = attrs.field(default=1, converter=_quantity)
    term_started_at: datetime | None = attrs.field(default=None, converter=_term_started_at)

    def __attrs_post_init__(self) -> None:
        start, end = self.term_start, self.term_end
        if (start is None) != (end is None):
            raise term_errors()[0 if end is None else 1]
        if start is not None and end is not None and end <= start:
            error = term_errors(start.isoformat(), end.isoformat())[2]
            error.value = end
            raise error
        began = self.term_started_at
        if began is not None:
            if began < self.purchased_at:
                raise InvalidDateError(
                    f"term_started_at: {began.isoformat()} is before the purchase ({self.purchased_at.isoformat()})",
                    field="term_started_at",
                    value=began,
                )
            if start is not None and end is not None and not start <= began.date() < end:
                raise InvalidDateError(
                    f"term_started_at: {began.date().isoformat()} is not in the term [{start}, {end})",
                    field="term_started_at",
                    value=began,
                )
        if self.quantity > 1 and self.price is not None:
            numerator, denominator = self.price.amount.as_integer_ratio()
            if (numerator * 10 ** currency_digits(self.price.currency)) % (denominator * self.quantity):
                raise InvalidAmountError(
                    f"quantity: {self.price} for {self.quantity} units is not a whole number of minor units "
                    "per unit",
                    field="quantity",
                    value=self.quantity,
                )
