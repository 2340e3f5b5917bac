"""Benchmark billing and tax (issues 5, 18): ``refund_credit`` and ``split_price`` against their floors.

Targets (ratios in one run, the floor timed alternately with the figure):

* ``refund_credit`` at most 4x its hand-written floor (``bench/_floors.py``: the version in force, the
  R11 tests, the window test and the exact proration in minor units, no decision), prorated and full;
* ``split_price`` at most 4x its floor (the split in minor units under the newest version);
* each at most 10 µs a call (issue 5; the common cases: dates outside any uncertainty span).

Before timing, each floor is checked to give the same answers as the library on its inputs.

    python bench/billing.py
"""

from __future__ import annotations

import sys
from datetime import date, datetime, timezone
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import attrs

sys.path.insert(0, str(Path(__file__).parent))

import _floors
from _util import Report, paired, per_call

from csp_rules.billing import next_invoice_date, refund_credit
from csp_rules.facts import Money, Purchase
from csp_rules.hybrid_benefit import hybrid_benefit
from csp_rules.markets import Market
from csp_rules.tax import split_price

TARGET = 4.0
TARGET_US = 10.0
UTC = timezone.utc


def main() -> int:
    report = Report("billing")
    subscription = Purchase(
        order_id="O-1", product_name="Office 365 E3", kind="software_subscription",
        purchased_at=date(2020, 3, 1), price=Money("120.00", "EUR"),
        term_start=date(2020, 3, 1), term_end=date(2021, 3, 1),
    )  # fmt: skip
    perpetual = Purchase(
        order_id="O-2", product_name="Windows Server 2019 Standard", kind="perpetual_software",
        purchased_at=date(2020, 6, 1), price=Money("972.00", "USD"),
    )  # fmt: skip
    seats = Purchase(
        order_id="O-3", product_name="Microsoft 365 E5", kind="software_subscription",
        purchased_at=datetime(2024, 3, 1, 9, tzinfo=UTC), price=Money("1008.00", "EUR"), quantity=10,
        term_start=date(2024, 3, 1), term_end=date(2024, 4, 1),
    )  # fmt: skip
    spanned = attrs.evolve(
        seats, purchased_at=datetime(2022, 8, 1, 9, tzinfo=UTC), term_start=date(2022, 8, 1),
        term_end=date(2022, 9, 1),
    )  # fmt: skip
    at = datetime(2020, 3, 10, 8, tzinfo=UTC)
    common = {
        "refund_credit, subscription, prorated": (subscription, at),
        "refund_credit, perpetual, full": (perpetual, datetime(2020, 6, 20, tzinfo=UTC)),
    }
    credits = {
        **common,
        "refund_credit, 10 seats in 2024 (R11.2, R11.4)": (seats, datetime(2024, 3, 3, tzinfo=UTC)),
        "refund_credit, inside an uncertainty span (R11.3)": (spanned, datetime(2022, 8, 3, tzinfo=UTC)),
    }
    price, rate, au = Money("110.00", "AUD"), Decimal("0.10"), Market("AU")
    splits = {
        "split_price(AUD, 'AU', 0.10)": (price, "AU", rate),
        "split_price(EUR, 'FR', 0.20)": (Money("19.99", "EUR"), "FR", Decimal("0.20")),
        "split_price(BRL, 'BR', 0.18)": (Money("100.00", "BRL"), "BR", Decimal("0.18")),
    }
    for label, (purchase, when) in credits.items():
        got, want = (
            _floors.answer_of(refund_credit(purchase, cancelled_at=when)),
            _floors.refund_credit(purchase, when),
        )
        if got != want:
            report.failed(f"floor agrees: {label}", f"{got} != {want}")
    for label, args in splits.items():
        got, want = _floors.answer_of(split_price(*args)), _floors.split_price(*args)
        if got != want:
            report.failed(f"floor agrees: {label}", f"{got} != {want}")
    if report.rows:
        return report.done()

    for label, (purchase, when) in credits.items():
        lib, floor = paired(
            lambda p=purchase, t=when: refund_credit(p, cancelled_at=t),  # type: ignore[misc]
            lambda p=purchase, t=when: _floors.refund_credit(p, t),  # type: ignore[misc]
        )
        report.versus(label, lib, floor, target=TARGET)
        if label in common:
            report.figure(
                "  (median)", lib * 1e6, "µs", target=f"<= {TARGET_US:g} µs", ok=lib * 1e6 <= TARGET_US
            )
    for label, args in splits.items():
        lib, floor = paired(lambda a=args: split_price(*a), lambda a=args: _floors.split_price(*a))  # type: ignore[misc]
        report.versus(label, lib, floor, target=TARGET)
        report.figure("  (median)", lib * 1e6, "µs", target=f"<= {TARGET_US:g} µs", ok=lib * 1e6 <= TARGET_US)
    lib, floor = paired(lambda: split_price(price, au, rate), lambda: _floors.split_price(price, "AU", rate))
    report.versus("  split_price(AUD, Market('AU'), 0.10) (info)", lib, floor, target=None)

    cent, amount = Decimal("0.01"), Decimal("110.00")
    baseline = per_call(lambda: (amount * rate).quantize(cent, rounding=ROUND_HALF_UP), number=20_000)
    report.figure("Decimal multiply + quantize (info, for scale)", baseline * 1e6, "µs")
    billed = per_call(lambda: refund_credit(subscription, cancelled_at=at, billing_day=10), number=5000)
    report.figure("refund_credit(subscription, billing_day=10) (info)", billed * 1e6, "µs")
    report.figure(
        "next_invoice_date(at, 31) (info)",
        per_call(lambda: next_invoice_date(at, 31), number=5000) * 1e6,
        "µs",
    )
    report.figure(
        "hybrid_benefit('Windows Server 2019 Datacenter') (info)",
        per_call(
            lambda: hybrid_benefit("Windows Server 2019 Datacenter", software_assurance=True), number=5000
        )
        * 1e6,
        "µs",
    )
    return report.done()


if __name__ == "__main__":
    sys.exit(main())
