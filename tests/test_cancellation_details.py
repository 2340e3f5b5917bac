"""Cancellation details the mutation run showed untested (issue 9): R7.5 prerequisites row by row,
one cancellation per order ID with its conflicts, and what a cancellation does (R8.1-R8.4)."""

from __future__ import annotations

import itertools
import uuid
from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest

from _details import raises_precisely, type_error_names
from csp_rules import cancellation
from csp_rules.cancellation import (
    Obligation,
    Outcome,
    Readiness,
    check_prerequisites,
    effects,
    plan_cancellations,
)
from csp_rules.errors import InvalidFieldError, NaiveDatetimeError, NotCancellableError, ValidationError
from csp_rules.facts import Customer, Money, Purchase
from csp_rules.rulesets import shipped_rulesets

UTC = timezone.utc
S2018, S2020 = shipped_rulesets()
TENANT = "6ba7b810-9dad-11d1-80b4-00c04fd430c8"
CODES = {
    "customer": "cancellation.missing_customer",
    "product_name": "cancellation.missing_product_name",
    "order_id": "cancellation.missing_order_id",
    "notice": "cancellation.missing_notice",
}
NAMES_EN = {
    "customer": "the customer (name, tenant GUID or domain name)",
    "product_name": "the product name",
    "order_id": "the order ID",
    "notice": "the acknowledged notice",
}

# each cell: a present value, or a missing one (None or blank)
CELLS = {
    "customer_name": ("Contoso", None, "  "),
    "tenant_id": (TENANT, None, ""),
    "domain": ("contoso.com", None, " \t"),
    "product_name": ("SQL Server", None, ""),
    "order_id": ("O-7", None, "   "),
}


def _rows() -> list[tuple[dict[str, Any], bool]]:
    rows = []
    for values in itertools.product(*(range(3) for _ in CELLS)):
        row = {name: CELLS[name][i] for name, i in zip(CELLS, values, strict=True)}
        rows.append((row, sum(values) % 2 == 0))
    return rows


@pytest.mark.parametrize(("row", "notice"), _rows())
def test_prerequisites_of_a_row(row: dict[str, Any], notice: bool) -> None:
    """R7.5: the customer by any one of name, tenant GUID, domain; the product name; the order ID; the notice."""

    def present(key: str) -> bool:
        value = row.get(key)
        return isinstance(value, str) and bool(value.strip())

    expected = []
    if not (present("customer_name") or present("tenant_id") or present("domain")):
        expected.append("customer")
    if not present("product_name"):
        expected.append("product_name")
    if not present("order_id"):
        expected.append("order_id")
    if not notice:
        expected.append("notice")
    d = check_prerequisites(row, notice_acknowledged=notice)
    assert d.facts["missing"] == tuple(expected)
    assert d.facts["missing_count"] == len(expected)
    assert d.facts["order_id"] == (row["order_id"] if present("order_id") else "?")
    assert d.facts["missing_en"] == ", ".join(NAMES_EN[m] for m in expected)
    assert d.rule_numbers == ("R7.5",)
    assert d.ruleset_version == "S2020"  # a row has no date: the newest rule set
    if expected:
        assert d.outcome is Readiness.INCOMPLETE and d.allowed is False
        assert d.reasons == ("cancellation.prerequisites_missing", *(CODES[m] for m in expected))
        assert f"{len(expected)} item(s)" in d.explain("en")
    else:
        assert d.outcome is Readiness.READY and d.allowed is True
        assert d.reasons == ("cancellation.prerequisites_met",)
    assert check_prerequisites(row, notice_acknowledged=notice, rules=S2018).ruleset_version == "S2018"


def test_prerequisites_of_a_purchase() -> None:
    base = Purchase(
        order_id="O-1", product_name="Visio", kind="perpetual_software", purchased_at=date(2019, 5, 1)
    )
    d = check_prerequisites(base, notice_acknowledged=True)
    assert (
        d.facts["missing"] == ("customer",) and d.ruleset_version == "S2018"
    )  # in force at the purchase date
    assert d.facts["order_id"] == "O-1"
    unidentified = Purchase(
        order_id="O-1",
        product_name="Visio",
        kind="perpetual_software",
        purchased_at=date(2020, 5, 1),
        customer=Customer(),
    )
    assert check_prerequisites(unidentified, notice_acknowledged=True).facts["missing"] == ("customer",)
    for customer in (Customer(name="C"), Customer(tenant_id=TENANT), Customer(domain="c.com")):
        ready = Purchase(
            order_id="O-1",
            product_name="Visio",
            kind="perpetual_software",
            purchased_at=date(2020, 5, 1),
            customer=customer,
        )
        d = check_prerequisites(ready, notice_acknowledged=True, rules=S2018)
        assert d.allowed and d.facts["missing"] == () and d.ruleset_version == "S2018"
        assert check_prerequisites(ready, notice_acknowledged=False).facts["missing"] == ("notice",)


def test_prerequisites_refuse_bad_rows() -> None:
    raises_precisely(
        lambda: check_prerequisites({"order": "x"}, notice_acknowledged=True),
        InvalidFieldError,
        "order",
        value="x",
        says=("unknown key", "customer_name"),
    )
    raises_precisely(
        lambda: check_prerequisites({"b_key": 1, "a_key": 2}, notice_acknowledged=True),
        InvalidFieldError,
        "a_key",
        value=2,
    )
    for key in ("customer_name", "domain", "product_name", "order_id"):
        type_error_names(lambda key=key: check_prerequisites({key: 5}, notice_acknowledged=True), key, "int")
    type_error_names(lambda: check_prerequisites({}, notice_acknowledged="yes"), "notice_acknowledged", "str")
    type_error_names(lambda: check_prerequisites(["O-1"], notice_acknowledged=True), "purchase", "list")
    with pytest.raises(InvalidFieldError):
        check_prerequisites({"tenant_id": "not-a-guid"}, notice_acknowledged=True)


# --- one cancellation per order ID ------------------------------------------------------------


def _p(order: str, product: str, when: Any = date(2020, 5, 1), **customer: Any) -> Purchase:
    return Purchase(
        order_id=order,
        product_name=product,
        kind="perpetual_software",
        purchased_at=when,
        customer=Customer(**customer) if customer else None,
    )


def test_plans_group_by_order_in_first_seen_order_and_merge_the_customer() -> None:
    items = [
        _p("B", "Project"),
        _p("A", "Visio", name="Contoso"),
        _p("B", "Project", domain="contoso.com"),
        _p("A", "Visio Plan 2", tenant_id=TENANT),
        _p("A", "Visio", name="Contoso"),
        _p("C", "Word"),
    ]
    plans = plan_cancellations(iter(items))
    assert [p.order_id for p in plans] == ["B", "A", "C"]
    b, a, c = plans
    assert a.line_items == (items[1], items[3], items[4])
    assert a.product_names == ("Visio", "Visio Plan 2")
    assert a.customer == Customer(name="Contoso", tenant_id=TENANT)
    assert b.customer == Customer(domain="contoso.com")
    assert c.customer is None
    assert a.purchased_at == datetime(2020, 5, 1, tzinfo=UTC)
    assert plan_cancellations([]) == ()


def test_plans_report_every_conflict_at_once() -> None:
    items = [
        _p("A", "Visio", name="Contoso", domain="a.com"),
        _p("A", "Visio", when=date(2020, 5, 2), name="Fabrikam"),
        _p("A", "Visio", domain="b.com", tenant_id=TENANT),
        _p("B", "Word"),
    ]
    err = raises_precisely(lambda: plan_cancellations(items), ValidationError, "purchases")
    assert isinstance(err, ValidationError)
    fields = [p.field for p in err.problems]
    assert fields == [
        "purchases[1].purchased_at",
        "purchases[1].customer.name",
        "purchases[2].customer.domain",
    ]
    assert [p.value for p in err.problems] == [datetime(2020, 5, 2, tzinfo=UTC), "Fabrikam", "b.com"]
    assert "order A" in err.problems[0].message and "purchases[0]" in err.problems[0].message
    assert "'Fabrikam'" in err.problems[1].message and "'Contoso'" in err.problems[1].message
    assert "2020-05-02T00:00:00+00:00" in err.problems[0].message
    assert "2020-05-01T00:00:00+00:00" in err.problems[0].message


def test_plans_refuse_what_is_not_purchases() -> None:
    for bad, kind in (("AB", "str"), (_p("A", "x"), "Purchase"), (5, "int"), (b"x", "bytes")):
        type_error_names(lambda bad=bad: plan_cancellations(bad), "purchases", kind)
    type_error_names(lambda: plan_cancellations([_p("A", "x"), "B"]), "purchases[1]", "str")


# --- what a cancellation does -------------------------------------------------------------------


@pytest.mark.parametrize("rules", [None, S2020])
def test_effects_of_a_self_service_cancellation(rules: Any) -> None:
    bought = datetime(2020, 3, 1, 9, tzinfo=UTC)
    p = Purchase(
        order_id="O-3",
        product_name="Microsoft 365 Apps",
        kind="software_subscription",
        purchased_at=bought,
        price=Money("365.00", "EUR"),
        term_start=date(2020, 3, 1),
        term_end=date(2021, 3, 1),
    )
    at = bought + timedelta(days=10)
    e = effects(p, cancelled_at=at, rules=rules, billing_day=5)
    assert e.order_id == "O-3"
    assert e.cancelled_at == at
    assert e.visible_by == at + timedelta(minutes=15)  # R8.1
    assert e.route is Outcome.SELF_SERVICE
    assert (e.keys_revoked, e.links_revoked) == (True, True)  # R8.2
    assert (e.still_listed, e.activation_key_available) == (True, False)  # R8.3
    assert e.obligations == tuple(Obligation)
    assert e.ruleset_version == "S2020"
    assert set(e.rule_numbers) >= {"R8.1", "R8.2", "R8.3", "R8.4"}
    assert e.decision == cancellation.evaluate(p, at=at, rules=rules)
    assert e.credit.amount == Money("355.00", "EUR")  # 355 unused days of 365, cancellation day credited
    assert e.credit.invoice_date == date(2020, 4, 5)
    assert e.facts["order_id"] == "O-3"
    lines_en, lines_fr = e.explain("en"), e.explain("fr")
    assert len(lines_en) == 3 + len(e.credit.reasons) == len(lines_fr)
    assert "O-3" in lines_en[0] and "15" in lines_en[0]
    assert lines_en[3:] == e.credit.explain_all("en")
    assert lines_en != lines_fr
    assert all(line and "{" not in line for line in lines_en + lines_fr)


def test_effects_of_a_support_request_and_of_the_impossible() -> None:
    esu = Purchase(
        order_id="E-1",
        product_name="Windows 7 Extended Security Updates 2020",
        kind="software_subscription",
        purchased_at=date(2020, 2, 1),
    )
    e = effects(esu, cancelled_at=datetime(2020, 2, 2, tzinfo=UTC))
    assert e.route is Outcome.SUPPORT_REQUEST
    late = Purchase(
        order_id="L-1", product_name="Visio", kind="perpetual_software", purchased_at=date(2020, 2, 1)
    )
    at = datetime(2020, 6, 1, tzinfo=UTC)
    err = raises_precisely(lambda: effects(late, cancelled_at=at), NotCancellableError, "cancelled_at")
    assert err.value == cancellation.evaluate(late, at=at)
    assert err.value.outcome is Outcome.WINDOW_CLOSED
    plan = Purchase(
        order_id="S-1",
        product_name="SUSE Linux Enterprise Server",
        kind="azure_software_plan",
        purchased_at=date(2020, 2, 1),
    )
    assert (
        raises_precisely(
            lambda: effects(plan, cancelled_at=datetime(2020, 2, 2, tzinfo=UTC)),
            NotCancellableError,
            "cancelled_at",
        ).value.outcome
        is Outcome.NOT_CANCELLABLE
    )
    type_error_names(lambda: effects(late, cancelled_at="2020-02-02"), "cancelled_at", "str")
    naive = datetime(2020, 2, 2)
    raises_precisely(
        lambda: effects(late, cancelled_at=naive), NaiveDatetimeError, "cancelled_at", value=naive
    )
    type_error_names(lambda: effects("O-1", cancelled_at=at), "purchase", "str")
    assert uuid.UUID(TENANT)
