"""Money (the shared fact): exact decimals with a currency, floats refused."""

from __future__ import annotations

from datetime import timezone
from decimal import Decimal

import pytest

from csp_rules.errors import (
    CurrencyMismatchError,
    InvalidAmountError,
    UnknownCurrencyError,
)
from csp_rules.facts import Money
from csp_rules.rulesets import shipped_rulesets

UTC = timezone.utc
RULES = {r.version: r for r in shipped_rulesets()}
S2018, S2020 = RULES["S2018"], RULES["S2020"]


def test_money_bad_input() -> None:
    with pytest.raises(InvalidAmountError):
        Money(0.1, "EUR")
    for bad in ("NaN", "Infinity", "-inf", Decimal("NaN"), "1_000"):
        with pytest.raises(InvalidAmountError):
            Money(bad, "EUR")
    for bad_currency in ("ZZZ", "eur", "EURO", ""):
        with pytest.raises(UnknownCurrencyError):
            Money("1", bad_currency)
    with pytest.raises(CurrencyMismatchError):
        Money("1.00", "EUR") + Money("1.00", "USD")
    with pytest.raises(CurrencyMismatchError):
        Money("1.00", "EUR") - Money("1.00", "USD")
    with pytest.raises(CurrencyMismatchError):
        _ = Money("1.00", "EUR") < Money("1.00", "USD")


def test_money_arithmetic_is_exact_beyond_the_default_precision() -> None:
    big = Money("1234567890123456789012345678.90", "EUR")
    assert (big + Money("0.01", "EUR")).amount == Decimal("1234567890123456789012345678.91")
    assert (big - big).amount == 0
    assert (big * 3).amount == Decimal("3703703670370370367037037036.70")
    assert big.is_rounded()
    assert Money("10.005", "EUR").rounded() == Money("10.01", "EUR")
    assert Money("2.5", "JPY").rounded() == Money("3", "JPY")
    assert Money("1.0005", "BHD").rounded() == Money("1.001", "BHD")
    digits = Decimal("1." + "1" * 300)
    with pytest.raises(InvalidAmountError):
        Money(digits, "EUR") + Money(digits, "EUR")
