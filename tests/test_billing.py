"""Billing (issue 5): R4 price splits, R8.4 credits and invoice dates, R2 Azure Hybrid Benefit.

Golden tables live in ``tests/cases/billing/`` (values computed by hand from RULES.md); the laws
are in ``test_billing_properties.py``.
"""

from __future__ import annotations

import decimal
import json
import pickle
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import attrs
import pytest

from csp_rules import billing
from csp_rules.billing import (
    Credit,
    CreditOutcome,
    HybridBenefitOutcome,
    Money,
    PricePart,
    TaxBasis,
    TaxTreatment,
    credit_due,
    hybrid_benefit,
    hybrid_benefit_eligible,
    next_invoice_date,
    price_includes_tax,
    refund_credit,
    split_price,
    tax_treatment,
)
from csp_rules.errors import (
    CspRulesError,
    CurrencyMismatchError,
    InvalidAmountError,
    InvalidDateError,
    InvalidFieldError,
    MissingFieldError,
    NaiveDatetimeError,
    NoRulesInForceError,
    UnknownCurrencyError,
    UnknownMarketError,
)
from csp_rules.facts import Purchase
from csp_rules.markets import Market
from csp_rules.rulesets import Route, RuleSet, ruleset_from_dict, shipped_rulesets

CASES = Path(__file__).parent / "cases" / "billing"
UTC = timezone.utc
RULES = {r.version: r for r in shipped_rulesets()}
S2018, S2020 = RULES["S2018"], RULES["S2020"]


def _table(name: str) -> list[dict[str, str]]:
    lines = [
        line for line in (CASES / name).read_text("utf-8").splitlines() if line and not line.startswith("#")
    ]
    header = lines[0].split("\t")
    rows = []
    for line in lines[1:]:
        cells = line.split("\t")
        assert len(cells) == len(header), line
        rows.append(dict(zip(header, cells, strict=True)))
    return rows


def _opt(text: str) -> str | None:
    return None if text == "-" else text


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _subscription(**changes: Any) -> Purchase:
    base = Purchase(
        order_id="O-1",
        product_name="Office 365 E3",
        kind="software_subscription",
        purchased_at=datetime(2020, 3, 1, tzinfo=UTC),
        price=Money("120.00", "EUR"),
        term_start=date(2020, 3, 1),
        term_end=date(2021, 3, 1),
    )
    return attrs.evolve(base, **changes)


def _perpetual(**changes: Any) -> Purchase:
    base = Purchase(
        order_id="O-2",
        product_name="Windows Server 2019 Standard",
        kind="perpetual_software",
        purchased_at=datetime(2020, 6, 1, tzinfo=UTC),
        price=Money("972.00", "USD"),
    )
    return attrs.evolve(base, **changes)


# --- the module's shape ------------------------------------------------------------------------


def test_public_names_and_reexports() -> None:
    from csp_rules import facts, markets

    assert billing.Money is facts.Money
    assert billing.price_includes_tax is markets.price_includes_tax
    for name in billing.__all__:
        assert hasattr(billing, name), name


def test_reason_codes_are_the_billing_family() -> None:
    assert all(code.startswith("billing.") for code in billing.REASON_CODES)


# --- R4: split_price ---------------------------------------------------------------------------

SPLITS = _table("split_price.tsv")


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
    assert split.ruleset_version == S2020.version


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
        "basis": "net", "rate": "0.10", "market": "AU", "ruleset_version": "S2020",
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


# --- R4: bad input -----------------------------------------------------------------------------


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


# --- R8.4: refund_credit -----------------------------------------------------------------------

CREDITS = _table("refund_credit.tsv")


def _purchase_of(row: dict[str, str]) -> Purchase:
    start, end = _opt(row["term_start"]), _opt(row["term_end"])
    return Purchase(
        order_id=f"O-{row['name']}",
        product_name=row["product"],
        kind=row["kind"],
        purchased_at=_instant(row["purchased_at"]),
        price=Money(row["price"], row["currency"]),
        term_start=date.fromisoformat(start) if start else None,
        term_end=date.fromisoformat(end) if end else None,
    )


@pytest.mark.parametrize("row", CREDITS, ids=[r["name"] for r in CREDITS])
def test_refund_credit_table(row: dict[str, str]) -> None:
    purchase = _purchase_of(row)
    rules = None if row["rules"] == "default" else RULES[row["rules"]]
    day = _opt(row["billing_day"])
    credit = refund_credit(
        purchase,
        cancelled_at=_instant(row["cancelled_at"]),
        rules=rules,
        billing_day=int(day) if day else None,
    )
    assert isinstance(credit, Credit)
    assert credit.outcome is CreditOutcome(row["outcome"])
    assert credit.reasons == tuple(row["reasons"].split("|"))
    amount = _opt(row["amount"])
    assert credit.amount == (Money(amount, row["currency"]) if amount else None)
    if amount:
        assert credit.amount is not None and str(credit.amount.amount) == amount
    fraction = _opt(row["fraction"])
    assert credit.fraction == (Fraction(fraction) if fraction else None)
    unused, term = _opt(row["unused_days"]), _opt(row["term_days"])
    assert credit.unused_days == (int(unused) if unused else None)
    assert credit.term_days == (int(term) if term else None)
    invoice = _opt(row["invoice_date"])
    assert credit.invoice_date == (date.fromisoformat(invoice) if invoice else None)
    assert credit.allowed is bool(credit.amount is not None and credit.amount.amount > 0)
    expected_version = row["rules"] if rules else ("S2018" if purchase.purchased_at.year < 2020 else "S2020")
    assert credit.ruleset_version == expected_version
    assert "R8.4" in credit.rule_numbers
    for lang in ("en", "fr"):
        for sentence in credit.explain_all(lang):
            assert "{" not in sentence, sentence
    json.dumps(credit.to_dict())
    assert pickle.loads(pickle.dumps(credit)) == credit


def test_s2018_says_no_rule_stated_never_a_percentage() -> None:
    purchase = _subscription(
        purchased_at=date(2019, 3, 1), term_start=date(2019, 3, 1), term_end=date(2020, 3, 1)
    )
    credit = refund_credit(purchase, cancelled_at=datetime(2019, 3, 2, tzinfo=UTC), billing_day=5)
    assert credit.outcome is CreditOutcome.NO_RULE_STATED
    assert (credit.amount, credit.fraction, credit.allowed, credit.invoice_date) == (None, None, False, None)
    assert credit.explain("en") == (
        "Rule set S2018 states no credit rule for software subscriptions: the credit for order O-1 is not "
        "stated (neither 0% nor 100% is assumed)."
    )
    assert "ni 0 % ni 100 %" in credit.explain("fr")


def test_first_day_last_day_and_day_after_the_term() -> None:
    monthly = _subscription(
        term_start=date(2020, 3, 1), term_end=date(2020, 4, 1), price=Money("31.00", "EUR")
    )
    first = refund_credit(monthly, cancelled_at=datetime(2020, 3, 1, 23, 59, tzinfo=UTC))
    last = refund_credit(monthly, cancelled_at=datetime(2020, 3, 31, tzinfo=UTC))
    after = refund_credit(monthly, cancelled_at=datetime(2020, 4, 1, tzinfo=UTC))
    assert (first.amount, first.fraction) == (Money("31.00", "EUR"), Fraction(1))
    assert (last.amount, last.unused_days) == (Money("1.00", "EUR"), 1)
    assert (after.amount, after.unused_days, after.allowed) == (Money("0.00", "EUR"), 0, False)
    assert after.reason == "billing.credit_nothing_unused"


def test_cancellation_day_not_credited_when_the_rule_set_says_so() -> None:
    rules = ruleset_from_dict(
        {"extends": "S2020", "version": "TEST-DAY", "credits": {"cancellation_day_credited": False}}
    )
    monthly = _subscription(
        term_start=date(2020, 3, 1), term_end=date(2020, 4, 1), price=Money("31.00", "EUR")
    )
    first = refund_credit(monthly, cancelled_at=datetime(2020, 3, 1, tzinfo=UTC), rules=rules)
    assert (first.amount, first.unused_days, first.term_days) == (Money("30.00", "EUR"), 30, 31)
    assert first.facts["unused_from"] == date(2020, 3, 2)
    last = refund_credit(monthly, cancelled_at=datetime(2020, 3, 31, tzinfo=UTC), rules=rules)
    assert (last.amount, last.unused_days, last.allowed) == (Money("0.00", "EUR"), 0, False)


def test_credit_rule_comes_from_the_rule_set() -> None:
    full_subs = ruleset_from_dict(
        {
            "extends": "S2020",
            "version": "TEST-FULL",
            "credits": {"by_kind": {"software_subscription": "full"}},
        }
    )
    credit = refund_credit(_subscription(), cancelled_at=datetime(2020, 3, 20, tzinfo=UTC), rules=full_subs)
    assert (credit.outcome, credit.amount) == (CreditOutcome.FULL, Money("120.00", "EUR"))
    seven_days = ruleset_from_dict(
        {
            "extends": "S2020",
            "version": "TEST-7D",
            "cancellation": {"window_days": {"software_subscription": 7}},
        }
    )
    credit = refund_credit(_subscription(), cancelled_at=datetime(2020, 3, 8, tzinfo=UTC), rules=seven_days)
    assert credit.reasons == ("billing.window_closed",)
    assert credit.facts["window_days"] == 7


def test_perpetual_credit_is_the_price_itself() -> None:
    purchase = _perpetual(price=Money("972.0", "USD"))
    credit = refund_credit(purchase, cancelled_at=datetime(2020, 6, 2, tzinfo=UTC))
    assert credit.amount is purchase.price
    assert credit.fraction == 1 and credit.unused_days is None and credit.term_days is None


def test_credit_explanations() -> None:
    credit = refund_credit(_perpetual(), cancelled_at=datetime(2020, 6, 2, tzinfo=UTC), billing_day=15)
    assert credit.explain_all("en") == (
        "Credit of $972.00 for order O-2: 100% of the price $972.00 (R8.4).",
        "The credit appears on the next monthly invoice, dated June 15, 2020 (R8.4).",
    )
    assert credit.explain_all("fr") == (
        "Crédit de 972,00\u00a0$US pour la commande O-2 : 100 % du prix 972,00\u00a0$US (R8.4).",
        "Le crédit apparaît sur la prochaine facture mensuelle, datée du 15 juin 2020 (R8.4).",
    )
    closed = refund_credit(_perpetual(), cancelled_at=datetime(2020, 8, 1, tzinfo=UTC))
    assert closed.explain("en") == (
        "No credit: order O-2 could not be cancelled on Aug 1, 2020, 12:00:00\u202fAM UTC; its 60-day "
        "cancellation window closed on Jul 31, 2020, 12:00:00\u202fAM UTC (R7.1)."
    )


def test_credit_due_is_the_boolean_shorthand() -> None:
    at = datetime(2020, 3, 20, tzinfo=UTC)
    assert credit_due(_subscription(), cancelled_at=at) is True
    assert credit_due(_subscription(), cancelled_at=datetime(2020, 5, 20, tzinfo=UTC)) is False
    old = _subscription(purchased_at=date(2019, 3, 1), term_start=date(2019, 3, 1), term_end=date(2020, 3, 1))
    assert credit_due(old, cancelled_at=datetime(2019, 3, 2, tzinfo=UTC)) is False


def test_support_request_route_never_computes_a_credit() -> None:
    esu = _subscription(product_name="Windows 7 Extended Security Updates (ESU) 2020", price=None)
    credit = refund_credit(esu, cancelled_at=datetime(2020, 3, 2, tzinfo=UTC))
    assert (credit.outcome, credit.reasons) == (CreditOutcome.NO_CREDIT, ("billing.support_request",))
    assert credit.facts["route"] is Route.SUPPORT_REQUEST
    assert credit.facts["exclusion"] == "windows7_esu_2020"


# --- R8.4: bad input ---------------------------------------------------------------------------


def test_refund_credit_bad_input() -> None:
    at = datetime(2020, 3, 2, tzinfo=UTC)
    with pytest.raises(MissingFieldError) as missing:
        refund_credit(_subscription(price=None), cancelled_at=at)
    assert missing.value.field == "price"
    with pytest.raises(MissingFieldError) as no_term:
        refund_credit(_subscription(term_start=None, term_end=None), cancelled_at=at)
    assert no_term.value.field == "term_start"
    assert "term_end" in str(no_term.value)
    with pytest.raises(InvalidAmountError):
        refund_credit(_subscription(price=Money("120.005", "EUR")), cancelled_at=at)
    with pytest.raises(NaiveDatetimeError):
        refund_credit(_subscription(), cancelled_at=datetime(2020, 3, 2))
    with pytest.raises(InvalidDateError):
        refund_credit(_subscription(), cancelled_at=datetime(2020, 2, 29, tzinfo=UTC))
    with pytest.raises(NoRulesInForceError):
        refund_credit(_subscription(purchased_at=date(2018, 1, 1)), cancelled_at=at)
    with pytest.raises(TypeError):
        refund_credit("O-1", cancelled_at=at)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        refund_credit(_subscription(), cancelled_at=date(2020, 3, 2))  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        refund_credit(_subscription(), cancelled_at=at, rules={"version": "S2020"})  # type: ignore[arg-type]


@pytest.mark.parametrize("day", [0, -1, 32, 100, 10**20])
def test_billing_day_outside_1_31(day: int) -> None:
    with pytest.raises(InvalidFieldError) as info:
        next_invoice_date(date(2020, 3, 1), day)
    assert info.value.field == "billing_day"
    with pytest.raises(InvalidFieldError):
        refund_credit(_subscription(), cancelled_at=datetime(2020, 3, 2, tzinfo=UTC), billing_day=day)
    with pytest.raises(InvalidFieldError):  # refused even when there is no credit to date
        refund_credit(_subscription(), cancelled_at=datetime(2020, 6, 2, tzinfo=UTC), billing_day=day)


@pytest.mark.parametrize("day", [True, 5.0, "5", None])
def test_billing_day_of_the_wrong_type(day: Any) -> None:
    with pytest.raises(TypeError):
        next_invoice_date(date(2020, 3, 1), day)


# --- R8.4: next_invoice_date -------------------------------------------------------------------

INVOICES = _table("next_invoice_date.tsv")


@pytest.mark.parametrize("row", INVOICES, ids=[f"{r['after']}-{r['billing_day']}" for r in INVOICES])
def test_next_invoice_date_table(row: dict[str, str]) -> None:
    text = row["after"]
    after: date | datetime = datetime.fromisoformat(text) if "T" in text else date.fromisoformat(text)
    assert next_invoice_date(after, int(row["billing_day"])) == date.fromisoformat(row["invoice_date"])


def test_next_invoice_date_bad_input() -> None:
    with pytest.raises(NaiveDatetimeError):
        next_invoice_date(datetime(2020, 3, 1, 12), 5)
    with pytest.raises(InvalidDateError):
        next_invoice_date(date(9999, 12, 31), 1)
    with pytest.raises(TypeError):
        next_invoice_date("2020-03-01", 5)  # type: ignore[arg-type]


def test_next_invoice_date_is_after_and_within_a_month() -> None:
    day = date(2019, 12, 25)
    for offset in range(800):
        after = day + timedelta(days=offset)
        for billing_day in (1, 15, 28, 29, 30, 31):
            invoice = next_invoice_date(after, billing_day)
            assert after < invoice <= after + timedelta(days=31)
            last_of_month = (invoice.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
            assert invoice.day == min(billing_day, last_of_month.day)


# --- R2: hybrid_benefit ------------------------------------------------------------------------

HYBRID = _table("hybrid_benefit.tsv")


@pytest.mark.parametrize("row", HYBRID, ids=[f"{r['edition']}-{r['software_assurance']}" for r in HYBRID])
def test_hybrid_benefit_table(row: dict[str, str]) -> None:
    sa = row["software_assurance"] == "yes"
    d = hybrid_benefit(row["edition"], software_assurance=sa)
    eligible = row["eligible"] == "yes"
    assert d.allowed is eligible
    assert d.outcome is (HybridBenefitOutcome.ELIGIBLE if eligible else HybridBenefitOutcome.NOT_ELIGIBLE)
    assert d.reasons == tuple(row["reasons"].split("|"))
    assert d.edition == _opt(row["edition_recognised"])
    assert d.rule_numbers == ("R2",)
    assert d.savings_claim == "up to 40%"
    assert hybrid_benefit_eligible(row["edition"], software_assurance=sa) is eligible
    for lang in ("en", "fr"):
        for sentence in d.explain_all(lang):
            assert "{" not in sentence, sentence


def test_hybrid_benefit_quotes_the_claim_and_uses_the_newest_rules() -> None:
    d = hybrid_benefit("Windows Server 2019 Datacenter", software_assurance=True)
    assert d.ruleset_version == shipped_rulesets()[-1].version
    assert '"up to 40%"' in d.explain("en")
    assert "« up to 40% »" in d.explain("fr")
    assert d.facts["eligible_editions"] == ("Datacenter", "Standard")


def test_hybrid_benefit_rules_parameters() -> None:
    no_sa = ruleset_from_dict(
        {"extends": "S2020", "version": "TEST-SA", "hybrid_benefit": {"requires_software_assurance": False}}
    )
    assert hybrid_benefit("Standard", software_assurance=False, rules=no_sa).allowed
    dc_only = ruleset_from_dict(
        {"extends": "S2020", "version": "TEST-DC", "hybrid_benefit": {"eligible_editions": ["datacenter"]}}
    )
    d = hybrid_benefit("Windows Server 2019 Standard", software_assurance=True, rules=dc_only)
    assert not d.allowed and d.reasons == ("billing.hybrid_unknown_edition",)


def test_hybrid_benefit_bad_input() -> None:
    with pytest.raises(MissingFieldError):
        hybrid_benefit("  ", software_assurance=True)
    with pytest.raises(InvalidFieldError):
        hybrid_benefit("Datacenter " * 100, software_assurance=True)
    with pytest.raises(TypeError):
        hybrid_benefit(None, software_assurance=True)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        hybrid_benefit("Datacenter", software_assurance="yes")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        hybrid_benefit("Datacenter", software_assurance=True, rules="S2020")  # type: ignore[arg-type]


def test_errors_are_csp_rules_errors() -> None:
    for exc in (
        InvalidAmountError,
        InvalidFieldError,
        MissingFieldError,
        InvalidDateError,
        UnknownCurrencyError,
    ):
        assert issubclass(exc, CspRulesError)
    assert isinstance(S2020, RuleSet)


def test_a_prorated_credit_checks_the_term_before_the_price() -> None:
    """The order batch.py mirrors: without a term there is nothing to prorate, whatever the price."""
    at = datetime(2020, 3, 2, tzinfo=UTC)
    no_term = _subscription(term_start=None, term_end=None, price=Money("0.0001", "EUR"))
    with pytest.raises(MissingFieldError) as info:
        refund_credit(no_term, cancelled_at=at)
    assert info.value.field == "term_start"
    with pytest.raises(MissingFieldError) as info:
        refund_credit(_subscription(term_start=None, term_end=None, price=None), cancelled_at=at)
    assert info.value.field == "term_start"
    with pytest.raises(InvalidAmountError):
        refund_credit(_perpetual(price=Money("0.0001", "USD")), cancelled_at=datetime(2020, 6, 2, tzinfo=UTC))
