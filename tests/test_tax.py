"""Prices and tax (R4, R4.1): split_price, price_includes_tax, tax_treatment.

The golden table is ``tests/cases/tax/split_price.tsv`` (values computed by hand from RULES.md); the laws
are in ``test_tax_properties.py``.
"""

from __future__ import annotations

import decimal
import json
import pickle
from datetime import timezone
from decimal import Decimal
from typing import Any

import pytest

from _cases import opt as _opt
from _cases import read_cases
from _details import raises_precisely, type_error_names
from csp_rules import (
    tax,
)
from csp_rules.errors import (
    InvalidAmountError,
    InvalidFieldError,
    MarketError,
    UnknownMarketError,
)
from csp_rules.facts import Money
from csp_rules.markets import Market
from csp_rules.markets import markets as all_markets
from csp_rules.rulesets import TaxBasis, ruleset_from_dict, shipped_rulesets
from csp_rules.tax import PricePart, TaxTreatment, price_includes_tax, split_price, tax_treatment

UTC = timezone.utc
RULES = {r.version: r for r in shipped_rulesets()}
S2018, S2020 = RULES["S2018"], RULES["S2020"]


SPLITS = read_cases("tax", "split_price.tsv")


@pytest.mark.parametrize("row", SPLITS, ids=[r["name"] for r in SPLITS])
def test_split_price_table(row: dict[str, str]) -> None:
    cur = row["currency"]
    split = split_price(
        Money(row["price"], cur), row["market"], Decimal(row["rate"]), basis=_opt(row["basis"])
    )
    assert (split.net, split.tax, split.gross) == (
        Money(row["net"], cur),
        Money(row["tax"], cur),
        Money(row["gross"], cur),
    )
    # same number of decimals as the currency's minor unit, not only equal in value
    for part in ("net", "tax", "gross"):
        assert str(getattr(split, part).amount) == row[part] or getattr(split, part) is split.listed_price
    assert split.listed is PricePart(row["listed"])
    assert split.basis is TaxBasis(row["basis_used"])
    assert split.listed_price == Money(row["price"], cur)
    assert split.tax_included is (row["listed"] == "gross")
    assert split.market == row["market"]
    assert split.rate == Decimal(row["rate"])


def test_split_price_au_example_from_the_issue() -> None:
    split = split_price(Money("110.00", "AUD"), "AU", Decimal("0.10"))
    assert split.net == Money("100.00", "AUD")
    assert split.tax == Money("10.00", "AUD")
    assert split.gross == Money("110.00", "AUD")
    assert split.listed is PricePart.GROSS
    assert split.ruleset_version == shipped_rulesets()[-1].version  # no date: the newest version


def test_split_price_accepts_market_objects_and_rate_forms() -> None:
    as_decimal = split_price(Money("110.00", "AUD"), Market("AU"), Decimal("0.1"))
    assert split_price(Money("110.00", "AUD"), "au", "0.1") == as_decimal
    assert split_price(Money("110.00", "AUD"), "AU", 0).tax == Money("0.00", "AUD")
    assert split_price(Money("110.00", "AUD"), "AU", "0.1", basis=TaxBasis.NET) == as_decimal
    assert split_price(Money("110.00", "AUD"), "AU", "0.1", basis=" Net ") == as_decimal


def test_split_price_default_basis_comes_from_the_rule_set() -> None:
    gross_default = ruleset_from_dict(
        {
            "extends": "S2020",
            "version": "TEST-GROSS",
            "tax": {"default_basis": "gross", "basis_by_market": {}},
        }
    )
    split = split_price(Money("82.00", "USD"), "US", Decimal("0.18"), rules=gross_default)
    assert split.basis is TaxBasis.GROSS
    assert split.tax == Money("18.00", "USD")
    assert split.ruleset_version == "TEST-GROSS"


def test_split_price_inclusive_markets_come_from_the_rule_set() -> None:
    nz_inclusive = ruleset_from_dict(
        {"extends": "S2020", "version": "TEST-NZ", "tax": {"inclusive_markets": ["NZ"]}}
    )
    assert split_price(Money("115.00", "NZD"), "NZ", Decimal("0.15"), rules=nz_inclusive).net == Money(
        "100.00", "NZD"
    )
    assert split_price(Money("110.00", "AUD"), "AU", Decimal("0.10"), rules=nz_inclusive).gross == Money(
        "121.00", "AUD"
    )
    assert price_includes_tax("NZ", rules=nz_inclusive)
    assert not price_includes_tax("AU", rules=nz_inclusive)


def test_split_price_ignores_the_callers_decimal_context() -> None:
    expected = split_price(Money("19.95", "USD"), "US", Decimal("0.10"))
    with decimal.localcontext() as ctx:
        ctx.prec = 2
        ctx.rounding = decimal.ROUND_DOWN
        ctx.traps[decimal.Inexact] = True
        ctx.traps[decimal.Rounded] = True
        assert split_price(Money("19.95", "USD"), "US", Decimal("0.10")) == expected
        huge = split_price(Money("1234567890123456789012345678.90", "EUR"), "FR", Decimal("0.2"))
    assert huge.gross == Money("1481481468148148146814814814.68", "EUR")


def test_price_split_to_dict_and_pickle() -> None:
    split = split_price(Money("110.00", "AUD"), "AU", Decimal("0.10"))
    assert split.to_dict() == {
        "net": "100.00", "tax": "10.00", "gross": "110.00", "currency": "AUD", "listed": "gross",
        "basis": "net", "rate": "0.10", "market": "AU", "ruleset_version": shipped_rulesets()[-1].version,
    }  # fmt: skip
    json.dumps(split.to_dict())
    assert pickle.loads(pickle.dumps(split)) == split
    assert "110.00 (listed)" not in split._repr_html_()
    assert "gross (listed)" in split._repr_html_()


def test_price_includes_tax_and_tax_treatment() -> None:
    assert price_includes_tax("AU") and price_includes_tax("BR")
    assert not price_includes_tax("FR") and not price_includes_tax("US")
    d = tax_treatment("BR")
    assert (d.outcome, d.allowed, d.reasons) == (TaxTreatment.INCLUSIVE, True, ("billing.tax_inclusive",))
    assert d.facts["basis"] is TaxBasis.GROSS
    d = tax_treatment("FR", rules=S2018)
    assert (d.outcome, d.allowed, d.ruleset_version) == (TaxTreatment.EXCLUSIVE, False, "S2018")
    assert d.explain("fr") == (
        "Les prix affichés pour le marché France (FR) s'entendent hors taxes (R4.1) ; par défaut, un taux de taxe "
        "s'applique sur le prix hors taxes."
    )


@pytest.mark.parametrize(
    ("price", "error"),
    [
        (110.0, InvalidAmountError),
        (Money("-0.01", "AUD"), InvalidAmountError),
        (Money("110.001", "AUD"), InvalidAmountError),
        (Money("1.5", "JPY"), InvalidAmountError),
        (Money("0.0005", "KWD"), InvalidAmountError),
    ],
)
def test_split_price_refuses_bad_prices(price: Any, error: type[Exception]) -> None:
    with pytest.raises(error) as info:
        split_price(price, "AU", Decimal("0.10"))
    assert info.value.field == "price"  # type: ignore[attr-defined]


def test_split_price_refuses_non_money_with_type_error() -> None:
    with pytest.raises(TypeError):
        split_price("110.00", "AU", Decimal("0.10"))  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        split_price(Money("110.00", "AUD"), "AU", Decimal("0.10"), basis=1)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        split_price(Money("110.00", "AUD"), "AU", Decimal("0.10"), rules="S2020")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        split_price(Money("110.00", "AUD"), "AU", [0.1])  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "rate",
    [0.1, -0.0001, Decimal("-0.01"), 1, Decimal("1"), "1.0", "1.5", "10", 10, "NaN", Decimal("NaN"),
     Decimal("sNaN"), Decimal("Infinity"), "-Infinity", "", "ten", "0.1" * 40, "1e999999"],
)  # fmt: skip
def test_split_price_refuses_rates_outside_zero_one(rate: Any) -> None:
    with pytest.raises(InvalidFieldError) as info:
        split_price(Money("110.00", "AUD"), "AU", rate)
    assert info.value.field == "rate"


def test_split_price_refuses_unknown_basis_and_market() -> None:
    with pytest.raises(InvalidFieldError) as info:
        split_price(Money("110.00", "AUD"), "AU", Decimal("0.10"), basis="both")
    assert info.value.field == "basis"
    with pytest.raises(UnknownMarketError):
        split_price(Money("110.00", "AUD"), "QQ", Decimal("0.10"))


def test_price_includes_tax_r4_1() -> None:
    assert {mk.code for mk in all_markets() if price_includes_tax(mk)} == {"AU", "BR"}
    assert price_includes_tax("Australie") and price_includes_tax("bra") and price_includes_tax("036")
    assert not price_includes_tax("FR")
    assert price_includes_tax("au") is True
    assert price_includes_tax(Market("BR"), rules=S2018) is True


def test_price_includes_tax_fast_path_refuses_non_strings_and_unknown_markets() -> None:
    for value in (None, 250, b"FR"):
        with pytest.raises(TypeError):
            price_includes_tax(value)  # type: ignore[arg-type]
    for text in ("Atlantis", "ZZ", "Europe", "Kongo", ""):
        with pytest.raises(MarketError):
            price_includes_tax(text)


def test_a_user_rule_set_is_the_source_of_truth() -> None:
    custom = ruleset_from_dict(
        {
            "extends": "S2020",
            "version": "ACME",
            "in_force_from": "2024-01-01",
            "tax": {"inclusive_markets": ["NZ"]},
        }
    )
    assert price_includes_tax("NZ", rules=custom) is True
    assert price_includes_tax("AU", rules=custom) is False


# --- details: wording, facts, defaults and limits a caller can observe ---


def test_split_price_error_messages() -> None:
    raises_precisely(
        lambda: tax.split_price(Money("1.00", "EUR"), "FR", Decimal("0.1"), basis="sideways"),
        InvalidFieldError,
        "basis",
        value="sideways",
        says=("expected 'net' or 'gross', got 'sideways'",),
    )
    raises_precisely(
        lambda: tax.split_price(Money("-1", "EUR"), "FR", Decimal("0.1")),
        InvalidAmountError,
        "price",
        says=("a price cannot be negative (got -1 EUR)",),
    )
    raises_precisely(
        lambda: tax.split_price(Money("10.005", "EUR"), "FR", Decimal("0.1")),
        InvalidAmountError,
        "price",
        says=(
            "10.005 EUR has more decimals than the EUR minor unit (2 digits); "
            "round it first with Money.rounded()",
        ),
    )
    raises_precisely(
        lambda: tax.split_price(1.5, "FR", Decimal("0.1")),
        InvalidAmountError,
        "price",  # type: ignore[arg-type]
        value=1.5,
        says=("floats are refused, give Money such as Money('110.00', 'AUD') (got 1.5)",),
    )
    raises_precisely(
        lambda: tax.split_price(Money("1", "EUR"), "FR", 0.1),
        InvalidFieldError,
        "rate",  # type: ignore[arg-type]
        says=("floats are refused, give a Decimal such as Decimal('0.10') (got 0.1)",),
    )
    raises_precisely(
        lambda: tax.split_price(Money("1", "EUR"), "FR", "abc"),
        InvalidFieldError,
        "rate",
        value="abc",
        says=("not a number: 'abc'",),
    )
    raises_precisely(
        lambda: tax.split_price(Money("1", "EUR"), "FR", Decimal("1")),
        InvalidFieldError,
        "rate",
        says=("a tax rate is a fraction in [0, 1), e.g. Decimal('0.10') for 10% (got Decimal('1'))",),
    )
    type_error_names(lambda: tax.split_price(Money("1", "EUR"), "FR", [1]), "rate", "list")  # type: ignore[arg-type]


def test_split_keeps_the_listed_part_as_given() -> None:
    price = Money("100", "EUR")
    s = tax.split_price(price, "FR", Decimal("0.2"))
    assert repr(s.net) == "Money('100', 'EUR')" and repr(s.gross) == "Money('120.00', 'EUR')"
    s = tax.split_price(Money("120", "AUD"), "AU", Decimal("0.2"))
    assert repr(s.gross) == "Money('120', 'AUD')"
    html = tax.split_price(Money("100", "EUR"), "FR", Decimal("0.2"))._repr_html_()
    assert html.count("(listed)") == 1 and "<th>net (listed)</th>" in html and "<th>tax</th>" in html
    assert (
        f"rate 0.2 on the net ({shipped_rulesets()[-1].version})" in html
        and "€120.00" in html
        and "XX" not in html
    )
    assert html.count("</tr><tr>") == 2
