"""Before cancelling (R7.5): the prerequisites, row by row and for a purchase, and one cancellation per
order ID with its conflicts."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timezone
from typing import Any

import attrs
import pytest

from _cases import NEWEST
from _details import raises_precisely, type_error_names
from csp_rules.cancellation import (
    Readiness,
    check_prerequisites,
    plan_cancellations,
)
from csp_rules.errors import InvalidFieldError, ValidationError
from csp_rules.facts import Customer, Money, Purchase
from csp_rules.rulesets import shipped_rulesets

UTC = timezone.utc
S2018, S2020 = shipped_rulesets()[:2]
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


def _office(**changes: Any) -> Purchase:
    base = Purchase(
        order_id="O-100", product_name="Office 365 E3", kind="software_subscription",
        purchased_at=datetime(2020, 3, 1, 10, tzinfo=UTC), price=Money("240.00", "EUR"),
        term_start=date(2020, 3, 1), term_end=date(2021, 3, 1),
    )  # fmt: skip
    return attrs.evolve(base, **changes)


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
    assert d.ruleset_version == NEWEST.version  # a row has no date: the newest rule set
    if expected:
        assert d.outcome is Readiness.INCOMPLETE and d.allowed is False
        assert d.reasons == ("cancellation.prerequisites_missing", *(CODES[m] for m in expected))
        count = "1 item is" if len(expected) == 1 else f"{len(expected)} items are"
        assert f"{count} missing" in d.explain("en")
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


# --- prerequisites (R7.5) ---------------------------------------------------------------------


def test_prerequisites_ready() -> None:
    p = _office(customer=Customer(domain="contoso.onmicrosoft.com"))
    d = check_prerequisites(p, notice_acknowledged=True)
    assert d.outcome is Readiness.READY and d.allowed and d.facts["missing"] == ()
    assert d.reasons == ("cancellation.prerequisites_met",) and d.rule_numbers == ("R7.5",)
    assert "O-100" in d.explain("fr")


@pytest.mark.parametrize(
    "customer",
    [
        Customer(name="Contoso"),
        Customer(tenant_id="0f3b0c1e-7d5e-4a8b-9f6a-2c1d3e4f5a6b"),
        Customer(domain="contoso.fr"),
    ],
)
def test_any_one_customer_identifier_is_enough(customer: Customer) -> None:
    assert (
        check_prerequisites(_office(customer=customer), notice_acknowledged=True).outcome is Readiness.READY
    )


def test_prerequisites_list_everything_missing() -> None:
    d = check_prerequisites(_office(customer=Customer()), notice_acknowledged=False)
    assert d.outcome is Readiness.INCOMPLETE and not d.allowed
    assert d.facts["missing"] == ("customer", "notice")
    assert d.reasons == (
        "cancellation.prerequisites_missing", "cancellation.missing_customer", "cancellation.missing_notice",
    )  # fmt: skip
    assert len(d.explain_all("fr")) == 3
    row = check_prerequisites(
        {"order_id": " ", "product_name": None, "customer_name": ""}, notice_acknowledged=False
    )
    assert row.facts["missing"] == ("customer", "product_name", "order_id", "notice")
    assert row.facts["missing_count"] == 4 and row.ruleset_version == NEWEST.version
    assert "4 items are missing" in row.explain("en")
    assert "l'ID de commande" in row.explain("fr")
    full = {"order_id": "O-1", "product_name": "Visio", "tenant_id": "0f3b0c1e-7d5e-4a8b-9f6a-2c1d3e4f5a6b"}
    assert check_prerequisites(full, notice_acknowledged=True, rules=S2018).ruleset_version == "S2018"


def test_prerequisites_bad_input() -> None:
    with pytest.raises(TypeError):
        check_prerequisites(_office(), notice_acknowledged="yes")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        check_prerequisites(["O-1"], notice_acknowledged=True)  # type: ignore[arg-type]
    with pytest.raises(InvalidFieldError) as err:
        check_prerequisites({"order": "O-1"}, notice_acknowledged=True)
    assert err.value.field == "order"
    with pytest.raises(InvalidFieldError):
        check_prerequisites({"tenant_id": "zzz"}, notice_acknowledged=True)
    with pytest.raises(TypeError):
        check_prerequisites({"order_id": 12}, notice_acknowledged=True)
    with pytest.raises(TypeError):
        check_prerequisites({"order_id": "O-1"}, notice_acknowledged=True, rules="S2020")  # type: ignore[arg-type]


# --- planning (R7.5) --------------------------------------------------------------------------


def test_one_cancellation_per_order_in_first_appearance_order() -> None:
    a1 = _office(order_id="A", product_name="Visio")
    b1 = _office(order_id="B", product_name="Project")
    a2 = _office(order_id="A", product_name="Visio Plan 2", customer=Customer(name="Contoso"))
    a3 = _office(order_id="A", product_name="Visio", customer=Customer(domain="contoso.fr"))
    plans = plan_cancellations(iter([a1, b1, a2, a3]))
    assert [p.order_id for p in plans] == ["A", "B"]
    assert plans[0].line_items == (a1, a2, a3) and plans[0].product_names == ("Visio", "Visio Plan 2")
    assert plans[0].customer == Customer(name="Contoso", domain="contoso.fr")
    assert plans[1].customer is None and plans[1].purchased_at == b1.purchased_at
    assert plan_cancellations([]) == ()


def test_conflicting_line_items_are_all_reported() -> None:
    a1 = _office(order_id="A", customer=Customer(name="Contoso"))
    a2 = _office(
        order_id="A", customer=Customer(name="Fabrikam"), purchased_at=datetime(2020, 3, 2, tzinfo=UTC)
    )
    b1 = _office(order_id="B", customer=Customer(tenant_id="0f3b0c1e-7d5e-4a8b-9f6a-2c1d3e4f5a6b"))
    b2 = _office(order_id="B", customer=Customer(tenant_id="1f3b0c1e-7d5e-4a8b-9f6a-2c1d3e4f5a6b"))
    with pytest.raises(ValidationError) as err:
        plan_cancellations([a1, b1, a2, b2])
    fields = [p.field for p in err.value.problems]
    assert fields == [
        "purchases[2].purchased_at",
        "purchases[2].customer.name",
        "purchases[3].customer.tenant_id",
    ]
    assert "order A" in err.value.problems[0].message


def test_planner_bad_input() -> None:
    with pytest.raises(TypeError):
        plan_cancellations(_office())  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        plan_cancellations([_office(), "O-2"])  # type: ignore[list-item]
    with pytest.raises(TypeError):
        plan_cancellations(42)  # type: ignore[arg-type]
