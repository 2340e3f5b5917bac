"""Benchmark billing (issue 5): medians of split_price and refund_credit, targets <= 10 µs per call.

Baseline, timed in the same process: one Decimal multiply and quantize (the least a money
computation costs), so the ratio says how many such steps each call is worth.

    python bench/billing.py
"""

from __future__ import annotations

import sys
from datetime import date, datetime, timezone
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from _util import Report, per_call

from csp_rules.billing import next_invoice_date, refund_credit
from csp_rules.facts import Money, Purchase
from csp_rules.hybrid_benefit import hybrid_benefit
from csp_rules.markets import Market
from csp_rules.tax import split_price

TARGET_US = 10.0


def main() -> int:
    report = Report("billing")
    utc = timezone.utc
    price = Money("110.00", "AUD")
    rate = Decimal("0.10")
    au = Market("AU")
    subscription = Purchase(
        order_id="O-1", product_name="Office 365 E3", kind="software_subscription",
        purchased_at=date(2020, 3, 1), price=Money("120.00", "EUR"),
        term_start=date(2020, 3, 1), term_end=date(2021, 3, 1),
    )  # fmt: skip
    perpetual = Purchase(
        order_id="O-2", product_name="Windows Server 2019 Standard", kind="perpetual_software",
        purchased_at=date(2020, 6, 1), price=Money("972.00", "USD"),
    )  # fmt: skip
    at = datetime(2020, 3, 10, 8, tzinfo=utc)
    at_perpetual = datetime(2020, 6, 20, tzinfo=utc)
    cent = Decimal("0.01")
    amount = Decimal("110.00")

    baseline = per_call(lambda: (amount * rate).quantize(cent, rounding=ROUND_HALF_UP), number=20_000)
    report.figure("baseline: Decimal multiply + quantize", baseline * 1e6, "µs")

    def timed(what: str, fn: object, *, target: bool) -> None:
        median = per_call(fn, number=5_000)  # type: ignore[arg-type]
        us = median * 1e6
        report.figure(
            f"{what} (median)",
            us,
            "µs",
            target=f"<= {TARGET_US:g} µs" if target else "",
            ok=us <= TARGET_US if target else None,
        )
        report.figure(f"{what} / baseline", median / baseline, "x")

    timed("split_price(AUD, 'AU', 0.10)", lambda: split_price(price, "AU", rate), target=True)
    timed("split_price(AUD, Market('AU'), 0.10)", lambda: split_price(price, au, rate), target=True)
    timed(
        "refund_credit(subscription, prorated)",
        lambda: refund_credit(subscription, cancelled_at=at),
        target=True,
    )
    timed(
        "refund_credit(perpetual, full)",
        lambda: refund_credit(perpetual, cancelled_at=at_perpetual),
        target=True,
    )
    timed(
        "refund_credit(subscription, billing_day=10)",
        lambda: refund_credit(subscription, cancelled_at=at, billing_day=10),
        target=False,
    )
    timed("next_invoice_date(at, 31)", lambda: next_invoice_date(at, 31), target=False)
    timed(
        "hybrid_benefit('Windows Server 2019 Datacenter')",
        lambda: hybrid_benefit("Windows Server 2019 Datacenter", software_assurance=True),
        target=False,
    )
    return report.done()


if __name__ == "__main__":
    sys.exit(main())
