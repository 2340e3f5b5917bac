"""R3.4 through every entry point (issue 13): for the same purchase dates, the dashboard list in force on
each date answers whether reservations are available, in :func:`csp_rules.markets.reservations_available`,
:func:`csp_rules.markets.check_reservations`, :func:`csp_rules.batch.evaluate`, ``csp-rules market
--on`` and ``csp-rules evaluate``.

The expected answers are typed from ``data/market_list_versions.tsv`` (dashboard rows), not computed:
on 2019-11-12 (the list first seen on 2019-10-18) BR is available and AD is not.
"""

from __future__ import annotations

import csv
import io
import json
from contextlib import redirect_stdout
from datetime import date, datetime, timezone
from pathlib import Path

import pyarrow as pa
import pytest

from csp_rules import batch, markets
from csp_rules.cli import main

UTC = timezone.utc
#: (date, market, available) from the dashboard lists: 2018-06-28 (BR CN IN KR RU TW), 2018-09-04 (18 codes,
#: AR... ZA), 2018-11-06 (114), 2019-04-03 (11: AR BR CN ID LI MX MY RU SA TR ZA), 2019-07-25 (+JE),
#: 2019-10-18 (106: AD... no BR, IN, KR, RU)
CASES = [
    (date(2018, 9, 1), "BR", False),
    (date(2018, 9, 1), "AD", True),
    (date(2018, 9, 1), "AR", True),
    (date(2018, 9, 4), "AR", False),
    (date(2018, 11, 6), "AD", False),
    (date(2018, 11, 6), "BR", False),
    (date(2019, 4, 3), "AD", True),
    (date(2019, 4, 3), "IN", True),
    (date(2019, 5, 1), "BR", False),
    (date(2019, 7, 24), "JE", True),
    (date(2019, 7, 25), "JE", False),
    (date(2019, 10, 17), "BR", False),
    (date(2019, 10, 18), "BR", True),
    (date(2019, 11, 12), "BR", True),
    (date(2019, 11, 12), "AD", False),
    (date(2019, 11, 12), "JE", False),
    (date(2019, 11, 12), "IN", True),
    (date(2023, 6, 1), "CN", False),
    (date(2023, 6, 1), "KR", True),
]


def test_the_expected_answers_are_the_published_lists() -> None:
    for day, market, available in CASES:
        assert markets.reservations_available(market, on=day) is available, (day, market)
        assert markets.check_reservations(market, on=day).allowed is available, (day, market)


def test_batch_answers_from_the_list_of_each_purchase_date() -> None:
    table = pa.table(
        {
            "market": [m for _, m, _ in CASES],
            "order_id": [f"O-{i}" for i in range(len(CASES))],
            "product_name": ["Reserved VM Instance"] * len(CASES),
            "kind": ["azure_reservation"] * len(CASES),
            "purchased_at": [d.isoformat() for d, _, _ in CASES],
        }
    )
    out = batch.evaluate(table, at=datetime(2024, 1, 1, tzinfo=UTC))
    assert out.column("error_code").to_pylist() == [None] * len(CASES)
    assert out.column("reservations_available").to_pylist() == [a for _, _, a in CASES]


@pytest.mark.parametrize(("day", "market", "available"), CASES, ids=[f"{d}-{m}" for d, m, _ in CASES])
def test_the_market_command_answers_the_same(day: date, market: str, available: bool) -> None:
    out = io.StringIO()
    with redirect_stdout(out):
        status = main(["market", market, "--on", day.isoformat(), "--json"])
    assert status in (0, 1)
    assert json.loads(out.getvalue())["reservations_available"] is available


def test_the_evaluate_command_answers_the_same(tmp_path: Path) -> None:
    """A reconciliation file of reservations, in the 2019 layout (no ReservationOrderId, en-US dates)."""
    path, out = tmp_path / "in.csv", tmp_path / "out.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(
            ["Customer Country", "Order ID", "Order date", "Product name", "Term and Billingcycle"]
        )
        for i, (day, market, _) in enumerate(CASES):
            writer.writerow(
                [
                    market,
                    f"O-{i}",
                    f"{day.month}/{day.day}/{day.year} 9:00:00 AM",
                    "Reserved VM Instance",
                    "1 Year",
                ]
            )
    assert main(["evaluate", str(path), "--at", "2024-01-01", "-o", str(out), "--quiet"]) == 0
    with out.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["error_code"] for r in rows] == [""] * len(CASES)
    assert [r["kind_source"] for r in rows] == ["reservation_name"] * len(CASES)
    assert [r["reservations_available"] for r in rows] == ["true" if a else "false" for _, _, a in CASES]
