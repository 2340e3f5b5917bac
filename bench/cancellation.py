"""Speed of ``csp_rules.cancellation.evaluate`` (issues 4, 18): decisions within a few times the bare rule.

Targets (ratios in one run, the floor timed alternately with the figure):

* ``evaluate`` at most 3x its hand-written floor (``bench/_floors.py``: the version in force on the
  purchase date, the R11.3/R11.4 tests, the route and the window test, no decision), on a
  self-service subscription (the common case) and on the other routes;
* a cold ``Purchase`` (built just before, evaluated once, with names from a product catalog) at
  most 2x a warm one (the same purchase evaluated again and again);
* ``evaluate`` median at most 10 µs (issue 4).

Before timing, each floor is checked to give the same answers as the library on its inputs (a
disagreement is a FAIL row, and nothing is timed).

    python bench/cancellation.py
"""

from __future__ import annotations

import sys
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import _floors
from _util import Report, paired, paired_batches, per_call

from csp_rules.cancellation import Purchase, evaluate
from csp_rules.facts import Role

UTC = timezone.utc
TARGET = 3.0
COLD_TARGET = 2.0
TARGET_US = 10.0

CATALOG = [f"Microsoft 365 Apps for business, plan {i}" for i in range(40)] + [
    "Windows 10 Enterprise E3",
    "Dynamics 365 Business Central Essentials",
    "Project Online Professional",
    "Office 365 E3",
]


def cases() -> dict[str, tuple[Purchase, datetime]]:
    """The purchases timed (and checked against their floor), with the instant each is asked about."""
    at = datetime(2020, 3, 20, 8, 30, tzinfo=UTC)
    return {
        "self-service subscription (common case)": (
            Purchase(order_id="O-1", product_name="Microsoft 365 Apps for business", kind="software_subscription",
                     purchased_at=datetime(2020, 3, 1, 10, tzinfo=UTC)),
            at,
        ),
        "perpetual software, window closed": (
            Purchase(order_id="O-3", product_name="SQL Server 2019 Standard", kind="perpetual_software",
                     purchased_at=date(2020, 1, 21)),
            datetime(2020, 4, 1, tzinfo=UTC),
        ),
        "Windows 7 ESU under S2020 (support request)": (
            Purchase(order_id="O-2", product_name="Windows 7 Extended Security Updates 2020",
                     kind="software_subscription", purchased_at=date(2020, 1, 25)),
            datetime(2020, 1, 26, tzinfo=UTC),
        ),
        "renewed subscription in 2024 (R11.2, R11.4)": (
            Purchase(order_id="O-9", product_name="Office 365 E3", kind="software_subscription",
                     purchased_at=date(2021, 3, 1), term_started_at=date(2024, 3, 1)),
            datetime(2024, 3, 5, tzinfo=UTC),
        ),
        "purchase inside an uncertainty span (R11.3)": (
            Purchase(order_id="O-8", product_name="Office 365 E3", kind="software_subscription",
                     purchased_at=date(2022, 1, 15)),
            datetime(2022, 1, 20, tzinfo=UTC),
        ),
    }  # fmt: skip


def fresh_purchases(n: int, start: int) -> list[tuple[Purchase, datetime]]:
    """``n`` purchases never evaluated before, with catalog names and distinct instants."""
    base = datetime(2020, 3, 1, tzinfo=UTC)
    out = []
    for i in range(start, start + n):
        bought = base + timedelta(minutes=7 * i)
        p = Purchase(
            order_id=f"O-{i}", product_name=CATALOG[i % len(CATALOG)], kind="software_subscription",
            purchased_at=bought,
        )  # fmt: skip
        out.append((p, bought + timedelta(days=3)))
    return out


def main() -> int:
    report = Report("cancellation")
    named = cases()
    for label, (purchase, at) in named.items():
        got, want = _floors.answer_of(evaluate(purchase, at=at)), _floors.evaluate(purchase, at)
        if got != want:
            report.failed(f"floor of evaluate agrees: {label}", f"{got} != {want}")
    for purchase, at in fresh_purchases(200, 0):
        if _floors.answer_of(evaluate(purchase, at=at)) != _floors.evaluate(purchase, at):
            report.failed("floor of evaluate agrees: catalog purchases", purchase.order_id)
            break
    if report.rows:
        return report.done()

    for i, (label, (purchase, at)) in enumerate(named.items()):
        lib, floor = paired(
            lambda p=purchase, t=at: evaluate(p, at=t),  # type: ignore[misc]
            lambda p=purchase, t=at: _floors.evaluate(p, t),  # type: ignore[misc]
        )
        report.versus(f"evaluate, {label}", lib, floor, target=TARGET)
        if i == 0:
            report.figure(
                "  evaluate, common case (median)", lib * 1e6, "µs",
                target=f"<= {TARGET_US:g} µs", ok=lib * 1e6 <= TARGET_US,
            )  # fmt: skip

    purchase, at = named["self-service subscription (common case)"]
    for label, roles in (
        ("roles=(Role.ADMIN_AGENT,)", (Role.ADMIN_AGENT,)),
        ("roles=['Admin agent']", ["Admin agent"]),
    ):
        lib, floor = paired(
            lambda r=roles: evaluate(purchase, at=at, roles=r), lambda: _floors.evaluate(purchase, at)
        )  # type: ignore[misc]
        report.versus(f"  evaluate, {label} (info: the floor has no roles)", lib, floor, target=None)

    # cold: purchases built just before (untimed), each evaluated once; warm: the same purchase again
    counter = iter(range(10**9))
    n = 2000

    def make() -> list[tuple[Purchase, datetime]]:
        return fresh_purchases(n, next(counter) * n)

    def run_cold(batch: list[tuple[Purchase, datetime]]) -> None:
        for p, t in batch:
            evaluate(p, at=t)

    warm_p, warm_at = make()[0]

    def run_warm(batch: list[tuple[Purchase, datetime]]) -> None:
        for _ in batch:
            evaluate(warm_p, at=warm_at)

    run_cold(make())
    cold, warm = paired_batches(run_cold, run_warm, make)
    report.versus("evaluate, cold Purchase vs a warm one (floor: warm)", cold, warm, target=COLD_TARGET)
    build = per_call(lambda: fresh_purchases(1, next(counter)), number=2000)
    report.figure("  building a Purchase (info)", build * 1e6, "µs")
    return report.done()


if __name__ == "__main__":
    sys.exit(main())
