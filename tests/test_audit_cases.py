"""Golden cases of csp_rules.audit (issue 15): one named case per status, from tests/cases/audit/cases.tsv."""

from __future__ import annotations

from decimal import Decimal

import pyarrow as pa
import pytest

from _cases import opt, read_cases
from csp_rules import audit

CASES = read_cases("audit", "cases.tsv")


def _table(case: dict[str, str]) -> pa.Table:
    order = "O-" + case["name"][:20]
    day = case["order_date"][:10] + "T00:00:00"
    start = opt(case["charge_start"]) or day
    end = opt(case["charge_end"])
    purchase = {
        "CustomerCountry": "FR",
        "OrderId": order,
        "SubscriptionId": "S-1",
        "OrderDate": case["order_date"],
        "ProductName": case["product"],
        "ChargeType": case["purchase_type"],
        "Quantity": case["quantity"],
        "Subtotal": case["price"],
        "Currency": case["currency"],
        "ChargeStartDate": start,
        "ChargeEndDate": end,
        "TermAndBillingCycle": case["term"],
        "InvoiceNumber": "G-1",
        "InvoiceDate": None,
    }
    credit = dict(purchase)
    credit.update(
        OrderId=opt(case["credit_order"]) or order,
        ChargeType=case["credit_type"],
        OrderDate=case["cancelled"],
        ChargeStartDate=case["cancelled"],
        Subtotal=case["credited"],
        Quantity=opt(case["credit_quantity"]),
        InvoiceNumber="G-2",
        InvoiceDate=opt(case["invoice_date"]),
    )
    return pa.Table.from_pylist([purchase, credit])


def _decimal(text: str) -> Decimal | None:
    return None if text == "-" else Decimal(text)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_golden_case(case: dict[str, str]) -> None:
    day = opt(case["billing_day"])
    report = audit.audit(_table(case), billing_day=None if day is None else int(day))
    assert len(report) == 1
    row = report.table.to_pylist()[0]
    assert row["error_code"] is None, row["error_message"]
    assert row["status"] == case["status"], row["explanation"]
    assert row["expected"] == _decimal(case["expected"])
    assert row["difference"] == _decimal(case["difference"])
    reasons = row["reasons"].split()
    assert reasons[0] == "audit." + case["status"]
    for code in case["reasons"].split("|"):
        assert code in reasons, (code, reasons)
    if "rules.change_date_uncertain" not in case["reasons"]:
        assert "rules.change_date_uncertain" not in reasons
    assert row["explanation"] and "{" not in row["explanation"]
    french = audit.audit(_table(case), billing_day=None if day is None else int(day), lang="fr")
    text = french.table.column("explanation")[0].as_py()
    assert text and "{" not in text and text != row["explanation"]


def test_every_status_has_a_case() -> None:
    assert {c["status"] for c in CASES} == set(audit.STATUSES)


def test_the_partner_center_example_names_the_roundings() -> None:
    (case,) = [c for c in CASES if c["name"] == "rounding_10_08_x_10_seats_unit_down"]
    row = audit.audit(_table(case)).table.to_pylist()[0]
    assert (row["line_half_up"], row["unit_down"], row["rounding"]) == (
        Decimal("94.30"),
        Decimal("94.20"),
        "line_half_up",
    )
    assert "unit_down" in row["explanation"] and "94.30" in row["explanation"]
