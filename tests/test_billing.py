"""Credits (R8.4): refund_credit, credit_due and next_invoice_date.

Golden tables live in ``tests/cases/billing/`` (values computed by hand from RULES.md); the laws
are in ``test_billing_properties.py``.
"""

from __future__ import annotations

import json
import pickle
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from fractions import Fraction
from typing import Any

import attrs
import pytest

from _cases import opt as _opt
from _cases import read_cases, variant
from _details import raises_precisely
from csp_rules import (
    billing,
    tax,
)
from csp_rules.billing import Credit, CreditOutcome, credit_due, next_invoice_date, refund_credit
from csp_rules.cancellation import Outcome
from csp_rules.errors import (
    CspRulesError,
    InvalidAmountError,
    InvalidDateError,
    InvalidFieldError,
    MissingFieldError,
    NaiveDatetimeError,
    NoRulesInForceError,
    UnknownCurrencyError,
)
from csp_rules.facts import Money, ProductKind, Purchase
from csp_rules.rulesets import RuleSet, ruleset_from_dict, shipped_rulesets

UTC = timezone.utc
RULES = {r.version: r for r in shipped_rulesets()}
S2018, S2020 = RULES["S2018"], RULES["S2020"]


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


def test_public_names_and_reexports() -> None:
    from csp_rules import facts

    assert billing.Money is facts.Money
    assert tax.price_includes_tax is tax.price_includes_tax
    for name in billing.__all__:
        assert hasattr(billing, name), name


def test_reason_codes_are_the_billing_family() -> None:
    assert all(code.startswith("billing.") for code in billing.REASON_CODES)


CREDITS = read_cases("billing", "refund_credit.tsv")


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
    credit = refund_credit(esu, cancelled_at=datetime(2020, 3, 2, tzinfo=UTC), rules=S2020)
    assert (credit.outcome, credit.reasons) == (CreditOutcome.NO_CREDIT, ("billing.support_request",))
    assert credit.facts["outcome"] is Outcome.SUPPORT_REQUEST
    assert credit.facts["exclusion"] == "windows7_esu_2020"


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


INVOICES = read_cases("billing", "next_invoice_date.tsv")


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


# --- details: wording, facts, defaults and limits a caller can observe ---


SUB = Purchase(
    order_id="S",
    product_name="Microsoft 365 Apps",
    kind="software_subscription",
    purchased_at=date(2020, 3, 1),
    price=Money("365.00", "EUR"),
    term_start=date(2020, 3, 1),
    term_end=date(2021, 3, 1),
)


def test_credit_and_invoice_error_messages() -> None:
    raises_precisely(
        lambda: billing.next_invoice_date(date(2020, 1, 1), 0),
        InvalidFieldError,
        "billing_day",
        value=0,
        says=("a billing day of the month is from 1 to 31 (got 0)",),
    )
    raises_precisely(
        lambda: billing.next_invoice_date(date.max, 1),
        InvalidDateError,
        "after",
        value=date.max,
        says=("no invoice date after 9999-12-31 fits in the calendar",),
    )
    no_price = attrs.evolve(SUB, price=None)
    raises_precisely(
        lambda: billing.refund_credit(no_price, cancelled_at=datetime(2020, 3, 2, tzinfo=UTC)),
        MissingFieldError,
        "price",
        says=("the purchase's price is required to compute its credit",),
    )
    odd = attrs.evolve(SUB, price=Money("10.005", "EUR"))
    raises_precisely(
        lambda: billing.refund_credit(odd, cancelled_at=datetime(2020, 3, 2, tzinfo=UTC)),
        InvalidAmountError,
        "price",
    )


def test_credit_facts() -> None:
    c = billing.refund_credit(SUB, cancelled_at=datetime(2020, 3, 11, tzinfo=UTC))
    assert c.facts["percent"] == Decimal("97.26")
    assert c.facts["fraction"] == Fraction(355, 365) == c.fraction
    assert c.facts["kind"] is ProductKind.SOFTWARE_SUBSCRIPTION
    assert c.facts["credit_rule"] is billing.CreditRule.PRORATED
    tiny = Purchase(
        order_id="T",
        product_name="SQL",
        kind="perpetual_software",
        purchased_at=date(2020, 3, 1),
        price=Money("0.01", "EUR"),
    )
    one_cent = billing.refund_credit(tiny, cancelled_at=datetime(2020, 3, 2, tzinfo=UTC))
    assert one_cent.amount == Money("0.01", "EUR") and one_cent.allowed is True
    plan = Purchase(
        order_id="P",
        product_name="SUSE Linux Enterprise Server",
        kind="azure_software_plan",
        purchased_at=date(2020, 3, 1),
    )
    c = billing.refund_credit(plan, cancelled_at=datetime(2020, 3, 2, tzinfo=UTC))
    assert c.facts["exclusion"] == "suse_redhat_software_plan"
    no_credit_rule = variant("NO-SUB-CREDIT", lambda d: d["credits"]["by_kind"].pop("software_subscription"))
    c = billing.refund_credit(SUB, cancelled_at=datetime(2020, 3, 2, tzinfo=UTC), rules=no_credit_rule)
    assert c.outcome is billing.CreditOutcome.NO_RULE_STATED
