"""Golden case files of csp_rules.batch for reconciliation rows (issue 13): ``tests/cases/batch/*.tsv``.

Each file but ``cases.tsv`` (the canonical layout, ``test_batch.py``) holds one row a case: ``case``,
``at``, ``options`` (``date_order=dmy``, ``decimal_comma``, ``lang=fr``...), the input columns under
the names of a Partner Center layout (an empty cell is null, as a CSV file reads), and the expected
result columns as ``want_<column>`` (an empty cell: null). Every file is also checked in the other
reconciliation layout where it has one, and row by row against the same rows evaluated together.
"""

from __future__ import annotations

import csv
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from csp_rules import batch

CASES = Path(__file__).parent / "cases" / "batch"
FILES = sorted(p for p in CASES.glob("*.tsv") if p.name != "cases.tsv")
META = ("case", "at", "options")


def load(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        lines = [line for line in fh if not line.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t"))


ALL = [(path.name, case) for path in FILES for case in load(path)]


def options(text: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for word in text.split():
        key, _, value = word.partition("=")
        out[key] = value if value else True
    return out


def inputs(case: dict[str, str]) -> dict[str, str | None]:
    return {k: (v or None) for k, v in case.items() if k not in META and not k.startswith("want_")}


def text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    return str(value)


def check(out: dict[str, Any], case: dict[str, str]) -> None:
    for key, want in case.items():
        if not key.startswith("want_"):
            continue
        column = key.removeprefix("want_")
        got = out[column]
        if column == "credit_amount" and want:
            assert got == Decimal(want), (case["case"], column, out["error_message"])
        else:
            assert text(got) == want, (case["case"], column, out["error_message"])
    judged = out["row_type"] in ("purchase", "renewal")
    assert (out["error_code"] is None) == (out["error_message"] is None)
    if out["error_code"] is None:  # every row is explained: a sentence, reasons; a judged one, its rules
        assert out["explanation"] and out["reasons"]
        assert (out["rule_numbers"] is not None) == judged


def _at(case: dict[str, str]) -> datetime:
    return datetime.fromisoformat(case["at"].replace("Z", "+00:00"))


@pytest.mark.parametrize(("name", "case"), ALL, ids=[f"{n}:{c['case']}" for n, c in ALL])
def test_golden_case(name: str, case: dict[str, str]) -> None:
    table = pa.table({k: pa.array([v], pa.string()) for k, v in inputs(case).items()})
    out = batch.evaluate(table, at=_at(case), **options(case["options"])).to_pylist()[0]
    check(out, case)
    assert out["evaluated_at"] == _at(case)


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_a_file_evaluated_whole_gives_each_row_its_own_answer(path: Path) -> None:
    """Rows together (one table per ``at`` and options) answer as each row alone."""
    groups: dict[tuple[str, str], list[dict[str, str]]] = {}
    for case in load(path):
        groups.setdefault((case["at"], case["options"]), []).append(case)
    for (_, opts), cases in groups.items():
        names = list(inputs(cases[0]))
        table = pa.table({k: pa.array([inputs(c)[k] for c in cases], pa.string()) for k in names})
        together = batch.evaluate(table, at=_at(cases[0]), **options(opts)).to_pylist()
        for out, case in zip(together, cases, strict=True):
            check(out, case)


#: the November 2020 names and their November 2019 spelling (the 2019 layout has no ReservationOrderId)
TO_2019 = {
    "CustomerCountry": "Customer Country",
    "OrderId": "Order ID",
    "OrderDate": "Order date",
    "ProductName": "Product name",
    "SkuName": "SKU Name",
    "ChargeType": "Charge Type",
    "Subtotal": "Sub Total",
    "TermAndBillingCycle": "Term and Billingcycle",
}
#: and the API's (OneTimeInvoiceLineItem), camelCase
TO_API = {
    "CustomerCountry": "customerCountry",
    "OrderId": "orderId",
    "OrderDate": "orderDate",
    "ProductName": "productName",
    "SkuName": "skuName",
    "ChargeType": "chargeType",
    "Subtotal": "subtotal",
    "Total": "totalForCustomer",
    "Currency": "currency",
    "ChargeStartDate": "chargeStartDate",
    "ChargeEndDate": "chargeEndDate",
    "TermAndBillingCycle": "termAndBillingCycle",
    "ReservationOrderId": "reservationOrderId",
    "MeterDescription": "meterDescription",
}


@pytest.mark.parametrize("names", [TO_2019, TO_API], ids=["2019", "api"])
@pytest.mark.parametrize("path", [p for p in FILES if "CustomerCountry" in load(p)[0]], ids=lambda p: p.name)
def test_every_layout_reads_alike(path: Path, names: dict[str, str]) -> None:
    """The same rows under the 2019 names, or the API's, give the 2020 results (but for the messages,
    which name the columns). Rows that need a 2020-only column are left out of the 2019 layout."""
    cases = [
        c
        for c in load(path)
        if names is TO_API or not (c.get("ReservationOrderId") or c.get("MeterDescription"))
    ]
    for case in cases:
        row = inputs(case)
        drop = () if names is TO_API else ("ReservationOrderId", "MeterDescription")
        renamed = {names.get(k, k): v for k, v in row.items() if k not in drop}
        at, opts = _at(case), options(case["options"])
        new = batch.evaluate(pa.table({k: pa.array([v], pa.string()) for k, v in row.items()}), at=at, **opts)
        old = batch.evaluate(
            pa.table({k: pa.array([v], pa.string()) for k, v in renamed.items()}), at=at, **opts
        )
        results = [c for c in batch.RESULT_COLUMNS if c != "error_message"]
        assert old.select(results).to_pylist() == new.select(results).to_pylist(), case["case"]
