"""Laws of billing (issue 5), checked with hypothesis.

* R4: ``net + tax == gross`` for every amount, currency and rate; the split agrees with a second
  implementation (RULES.md's formulas in high-precision Decimal); *the split is the same whichever
  part was listed* (see :func:`test_split_is_the_same_whichever_part_was_listed` for the exact law);
  splits are monotone in the price and the rate.
* R8.4: ``0 <= credit <= price``; the credit never increases as the cancellation moves later;
  perpetual credit == price; the amount agrees with an exact-fraction reference.
* Bad input never leaks ``decimal.InvalidOperation`` (or any non-CspRulesError ValueError).
"""

from __future__ import annotations

import decimal
from datetime import date, datetime, time, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from csp_rules.billing import CreditOutcome, refund_credit
from csp_rules.errors import CspRulesError
from csp_rules.facts import Money, ProductKind, Purchase, currency_digits
from csp_rules.rulesets import TaxBasis, rules_in_force, ruleset_from_dict
from csp_rules.tax import split_price

UTC = timezone.utc
# currencies with 0, 2, 3 and 4 minor-unit digits (CLDR): JPY, EUR, KWD, CLF
CURRENCIES = ("JPY", "EUR", "AUD", "KWD", "BHD", "CLF")
EXCLUSIVE, INCLUSIVE = "FR", "AU"

currencies = st.sampled_from(CURRENCIES)
units = st.integers(min_value=0, max_value=10**15)
bases = st.sampled_from(list(TaxBasis))


@st.composite
def rates(draw: st.DrawFn) -> Decimal:
    """Tax rates in [0, 1): a few decimals like real rates, or many, or exact edges."""
    places = draw(st.integers(min_value=0, max_value=9))
    numerator = draw(st.integers(min_value=0, max_value=10**places - 1)) if places else 0
    return Decimal(numerator).scaleb(-places)


def money(amount_units: int, currency: str) -> Money:
    return Money(Decimal(amount_units).scaleb(-currency_digits(currency)), currency)


def _round(value: Decimal, currency: str) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-currency_digits(currency)), rounding=ROUND_HALF_UP)


def reference_tax(price: Decimal, rate: Decimal, basis: TaxBasis, inclusive: bool, currency: str) -> Decimal:
    """RULES.md R4's formulas, literally, in a 120-digit Decimal context (a second implementation)."""
    with decimal.localcontext() as ctx:
        ctx.prec = 120
        if inclusive:
            exact = price * rate if basis is TaxBasis.GROSS else price * rate / (1 + rate)
        else:
            exact = price * rate if basis is TaxBasis.NET else price * rate / (1 - rate)
        return _round(exact, currency)


# --- R4 --------------------------------------------------------------------------------------


@given(units, currencies, rates(), bases, st.sampled_from([EXCLUSIVE, INCLUSIVE, "BR", "US", "JP"]))
def test_net_plus_tax_is_gross_and_agrees_with_the_reference(
    amount_units: int, currency: str, rate: Decimal, basis: TaxBasis, market: str
) -> None:
    price = money(amount_units, currency)
    split = split_price(price, market, rate, basis=basis)
    assert split.net.amount + split.tax.amount == split.gross.amount
    assert split.tax.amount >= 0
    assert 0 <= split.net.amount <= split.gross.amount
    assert split.listed_price == price
    assert {split.net.currency, split.tax.currency, split.gross.currency} == {currency}
    for part in (split.net, split.tax, split.gross):
        assert part.is_rounded()
    inclusive = market in ("AU", "BR")
    assert split.tax.amount == reference_tax(price.amount, rate, basis, inclusive, currency)


@given(units, currencies, rates(), bases)
def test_split_is_the_same_whichever_part_was_listed(
    amount_units: int, currency: str, rate: Decimal, basis: TaxBasis
) -> None:
    """The law: list a net N in a tax-exclusive market, get (N, T, G); list G in a tax-inclusive
    market with the same rate and basis: the split is again (N, T, G). It holds because the tax of
    the exclusive split is within half a minor unit of the exact tax, and the inclusive formula
    shrinks that error by 1 + r (basis net) or 1 - r (basis gross), so it rounds back to T."""
    net = money(amount_units, currency)
    exclusive = split_price(net, EXCLUSIVE, rate, basis=basis)
    inclusive = split_price(exclusive.gross, INCLUSIVE, rate, basis=basis)
    assert (inclusive.net, inclusive.tax, inclusive.gross) == (exclusive.net, exclusive.tax, exclusive.gross)


@given(units, currencies, rates(), bases)
def test_the_converse_holds_within_one_minor_unit(
    amount_units: int, currency: str, rate: Decimal, basis: TaxBasis
) -> None:
    """Not every gross is the gross of some net (at 10%, 0.05 is not: 0.04 -> 0.04, 0.05 -> 0.06), so the
    converse is weaker. Re-listing the net of an inclusive split moves the tax by the inclusive rounding
    error e (|e| <= u/2) scaled by k = 1 + r (basis net) or 1 / (1 - r) (basis gross), plus a new rounding:
    at most u (k + 1) / 2, so at most one minor unit u on the net basis. And no other net than the
    inclusive split's has this gross as its exclusive gross."""
    gross = money(amount_units, currency)
    inclusive = split_price(gross, INCLUSIVE, rate, basis=basis)
    again = split_price(inclusive.net, EXCLUSIVE, rate, basis=basis)
    unit = Decimal(1).scaleb(-currency_digits(currency))
    r = Fraction(rate)
    scale = 1 + r if basis is TaxBasis.NET else 1 / (1 - r)
    assert Fraction(abs(again.tax.amount - inclusive.tax.amount)) <= Fraction(unit) * (scale + 1) / 2
    if basis is TaxBasis.NET:
        assert abs(again.tax.amount - inclusive.tax.amount) <= unit
    net_units = int(inclusive.net.amount.scaleb(currency_digits(currency)))
    for other in range(max(0, net_units - 3), net_units + 4):
        if other != net_units:
            assert split_price(money(other, currency), EXCLUSIVE, rate, basis=basis).gross != gross


def test_a_gross_that_no_net_reaches() -> None:
    """The converse law is not vacuous: at 10% on the net, no net has the gross 0.05 EUR."""
    grosses = {split_price(money(n, "EUR"), EXCLUSIVE, Decimal("0.10")).gross for n in range(10)}
    assert Money("0.04", "EUR") in grosses and Money("0.06", "EUR") in grosses
    assert Money("0.05", "EUR") not in grosses
    inclusive = split_price(Money("0.05", "EUR"), INCLUSIVE, Decimal("0.10"))
    assert (inclusive.net, inclusive.tax) == (Money("0.05", "EUR"), Money("0.00", "EUR"))
    assert split_price(inclusive.net, EXCLUSIVE, Decimal("0.10")).gross == Money("0.06", "EUR")


@given(units, currencies, rates(), bases, st.sampled_from([EXCLUSIVE, INCLUSIVE]))
def test_split_is_monotone_in_the_price(
    amount_units: int, currency: str, rate: Decimal, basis: TaxBasis, market: str
) -> None:
    low = split_price(money(amount_units, currency), market, rate, basis=basis)
    high = split_price(money(amount_units + 1, currency), market, rate, basis=basis)
    assert low.net <= high.net and low.tax <= high.tax and low.gross < high.gross


@given(units, currencies, rates(), rates(), bases, st.sampled_from([EXCLUSIVE, INCLUSIVE]))
def test_tax_is_monotone_in_the_rate(
    amount_units: int, currency: str, r1: Decimal, r2: Decimal, basis: TaxBasis, market: str
) -> None:
    low, high = sorted((r1, r2))
    price = money(amount_units, currency)
    assert (
        split_price(price, market, low, basis=basis).tax <= split_price(price, market, high, basis=basis).tax
    )


@given(units, currencies, rates(), bases, st.sampled_from([EXCLUSIVE, INCLUSIVE]))
def test_split_does_not_depend_on_the_callers_decimal_context(
    amount_units: int, currency: str, rate: Decimal, basis: TaxBasis, market: str
) -> None:
    price = money(amount_units, currency)
    expected = split_price(price, market, rate, basis=basis)
    with decimal.localcontext() as ctx:
        ctx.prec = 1
        ctx.rounding = decimal.ROUND_FLOOR
        ctx.traps[decimal.Inexact] = True
        assert split_price(price, market, rate, basis=basis) == expected


# --- R8.4 ------------------------------------------------------------------------------------

S2020_START = date(2020, 1, 21)
DAY_FLAGS = {
    True: ruleset_from_dict(
        {"extends": "S2020", "version": "T-DAY-ON", "credits": {"cancellation_day_credited": True}}
    ),
    False: ruleset_from_dict(
        {"extends": "S2020", "version": "T-DAY-OFF", "credits": {"cancellation_day_credited": False}}
    ),
}


@st.composite
def subscriptions(draw: st.DrawFn) -> Purchase:
    """A software subscription bought under S2020, its term starting around the purchase."""
    currency = draw(currencies)
    bought = S2020_START + timedelta(days=draw(st.integers(0, 2000)))
    seconds = draw(st.integers(0, 86_399))
    start = bought + timedelta(days=draw(st.integers(-40, 40)))
    term = draw(st.sampled_from([1, 7, 28, 30, 31, 90, 365, 366, 1095]) | st.integers(1, 2000))
    return Purchase(
        order_id="O-P",
        product_name="Microsoft 365 E5",
        kind="software_subscription",
        purchased_at=datetime.combine(bought, time(0), tzinfo=UTC) + timedelta(seconds=seconds),
        price=money(draw(units), currency),
        term_start=start,
        term_end=start + timedelta(days=term),
    )


def _amount_or_zero(purchase: Purchase, at: datetime, flag: bool) -> Decimal:
    credit = refund_credit(purchase, cancelled_at=at, rules=DAY_FLAGS[flag])
    return Decimal(0) if credit.amount is None else credit.amount.amount


@given(subscriptions(), st.integers(0, 70 * 86_400), st.booleans())
def test_prorated_credit_is_bounded_and_exact(purchase: Purchase, offset: int, flag: bool) -> None:
    at = purchase.purchased_at + timedelta(seconds=offset)
    credit = refund_credit(purchase, cancelled_at=at, rules=DAY_FLAGS[flag])
    assert purchase.price is not None and purchase.term_start is not None and purchase.term_end is not None
    if credit.outcome is CreditOutcome.NO_CREDIT:
        assert credit.reasons == ("billing.window_closed",) and credit.amount is None
        assert offset >= 60 * 86_400
        return
    assert offset < 60 * 86_400
    assert credit.outcome is CreditOutcome.PRORATED and credit.amount is not None
    assert Money(0, purchase.price.currency) <= credit.amount <= purchase.price
    # a second implementation: count the unused days one by one, round the exact product once
    first_unused = at.date() if flag else at.date() + timedelta(days=1)
    term_days = (purchase.term_end - purchase.term_start).days
    unused = sum(1 for k in range(term_days) if purchase.term_start + timedelta(days=k) >= first_unused)
    assert (credit.unused_days, credit.term_days) == (unused, term_days)
    assert credit.fraction == Fraction(unused, term_days)
    exact = Fraction(purchase.price.amount) * Fraction(unused, term_days)
    with decimal.localcontext() as ctx:
        ctx.prec = 100
        expected = _round(Decimal(exact.numerator) / Decimal(exact.denominator), purchase.price.currency)
    assert credit.amount.amount == expected
    assert credit.allowed is (expected > 0)


@given(subscriptions(), st.integers(0, 70 * 86_400), st.integers(0, 70 * 86_400), st.booleans())
def test_credit_never_increases_as_the_cancellation_moves_later(
    purchase: Purchase, a: int, b: int, flag: bool
) -> None:
    early, late = sorted((a, b))
    base = purchase.purchased_at
    assert _amount_or_zero(purchase, base + timedelta(seconds=early), flag) >= _amount_or_zero(
        purchase, base + timedelta(seconds=late), flag
    )


@given(subscriptions(), st.integers(0, 59 * 86_400))
def test_crediting_the_cancellation_day_never_credits_less(purchase: Purchase, offset: int) -> None:
    at = purchase.purchased_at + timedelta(seconds=offset)
    on = refund_credit(purchase, cancelled_at=at, rules=DAY_FLAGS[True])
    off = refund_credit(purchase, cancelled_at=at, rules=DAY_FLAGS[False])
    assert on.amount is not None and off.amount is not None
    assert on.amount >= off.amount
    assert on.unused_days is not None and off.unused_days is not None
    assert on.unused_days - off.unused_days in (0, 1)


@given(units, currencies, st.integers(0, 60 * 86_400 - 1), st.integers(0, 2000))
def test_perpetual_credit_is_the_price(amount_units: int, currency: str, offset: int, day: int) -> None:
    bought = datetime.combine(S2020_START + timedelta(days=day), time(0), tzinfo=UTC)
    price = money(amount_units, currency)
    purchase = Purchase(order_id="O-P", product_name="SQL Server 2019 Standard", kind="perpetual_software",
                        purchased_at=bought, price=price)  # fmt: skip
    window = rules_in_force(bought).cancellation.window_days[ProductKind.PERPETUAL_SOFTWARE]
    credit = refund_credit(purchase, cancelled_at=bought + timedelta(seconds=offset % (window * 86_400)))
    assert credit.outcome is CreditOutcome.FULL
    assert credit.amount == price and credit.fraction == 1


# --- bad input never leaks decimal signals ---------------------------------------------------

junk = st.one_of(
    st.text(max_size=80),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.sampled_from(["1e999999999", "-0", "0E-1000", "1" * 70, "0x10", "١٠", "1_0", " 0.1 ", "NaN", "sNaN"]),
)


def _only_clear_errors(call: Any) -> None:
    try:
        call()
    except CspRulesError:
        pass
    except TypeError:
        pass
    except (ArithmeticError, ValueError) as exc:  # decimal.InvalidOperation is both
        raise AssertionError(f"leaked {type(exc).__name__}: {exc}") from exc


@given(junk, junk)
def test_junk_prices_and_rates_raise_clear_errors(amount: Any, rate: Any) -> None:
    _only_clear_errors(lambda: split_price(Money(amount, "EUR"), "FR", rate))
    _only_clear_errors(lambda: split_price(Money("10.00", "EUR"), "AU", rate))
    _only_clear_errors(lambda: Money(amount, "KWD").rounded())
    _only_clear_errors(lambda: Money(amount, "EUR") + Money(amount, "EUR"))
    _only_clear_errors(lambda: Money(amount, "JPY") * 3)


@given(st.integers(min_value=-(10**6), max_value=10**6), st.integers(0, 2_000_000))
def test_billing_days_and_dates_raise_clear_errors(day: int, offset: int) -> None:
    from csp_rules.billing import next_invoice_date

    after = date(2018, 1, 1) + timedelta(days=min(offset, (date.max - date(2018, 1, 1)).days))
    _only_clear_errors(lambda: next_invoice_date(after, day))
