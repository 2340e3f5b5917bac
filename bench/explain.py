"""Speed of explanations (issues 2, 18): ``Decision.explain`` against the same sentence written by hand.

Target (a ratio in one run, the floor timed alternately with the figure): ``explain("en")`` of
cancellation decisions with distinct instants (every deadline a different minute, so no answer can
be reused), each decision fresh (its facts not yet read), at most 5x the same English sentence built
by hand with an f-string and ``strftime`` (``bench/_floors.py``), checked equal sentence for sentence.

For information: ``explain("fr")``, and an explanation with an amount (a credit).

    python bench/explain.py
"""

from __future__ import annotations

import sys
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

import _floors
from _util import Report, paired_batches

from csp_rules.billing import refund_credit
from csp_rules.cancellation import CancellationDecision, Purchase, evaluate
from csp_rules.facts import Money

UTC = timezone.utc
TARGET = 5.0
N = 500


def decisions(start: int) -> list[tuple[Purchase, CancellationDecision]]:
    """``N`` self-service decisions, fresh, with deadlines a minute apart from the ``start``-th minute."""
    base = datetime(2020, 3, 1, tzinfo=UTC)
    out = []
    for i in range(start, start + N):
        bought = base + timedelta(minutes=i, seconds=i % 60)
        p = Purchase(
            order_id=f"O-{i}", product_name="Microsoft 365 Apps for business", kind="software_subscription",
            purchased_at=bought,
        )  # fmt: skip
        out.append((p, evaluate(p, at=bought + timedelta(days=i % 50, hours=i % 24))))
    return out


def by_hand(batch: list[tuple[Purchase, CancellationDecision]]) -> list[str]:
    return [
        _floors.explain_self_service(p.order_id, p.product_name, d.days_left, d.deadline)  # type: ignore[arg-type]
        for p, d in batch
    ]


def main() -> int:
    report = Report("explain")
    sample = decisions(100_000)
    if [d.explain("en") for _, d in sample] != by_hand(sample):
        report.failed("the sentence by hand is explain('en')", "they differ")
        return report.done()
    counter = iter(range(10**9))

    def make() -> list[tuple[Purchase, CancellationDecision]]:
        return decisions(next(counter) * N)

    def explain(lang: str) -> Any:
        return lambda batch: [d.explain(lang) for _, d in batch]

    lib, floor = paired_batches(explain("en"), by_hand, make)
    report.versus("explain('en'), distinct instants, fresh decisions", lib, floor, target=TARGET)
    lib, floor = paired_batches(explain("fr"), by_hand, make)
    report.versus("  explain('fr') (info: the floor is the English sentence)", lib, floor, target=None)

    def credits() -> list[Any]:
        p = Purchase(
            order_id="O-1", product_name="Office 365 E3", kind="software_subscription", purchased_at=date(2020, 3, 1),
            price=Money("120.00", "EUR"), term_start=date(2020, 3, 1), term_end=date(2021, 3, 1),
        )  # fmt: skip
        at = datetime(2020, 3, 2, tzinfo=UTC) + timedelta(minutes=next(counter))
        return [(p, refund_credit(p, cancelled_at=at + timedelta(minutes=i))) for i in range(N)]

    lib, _ = paired_batches(explain("en"), len, credits)
    report.figure("a credit's explain('en'), per call (info: amounts by babel)", lib * 1e6, "µs")
    return report.done()


if __name__ == "__main__":
    sys.exit(main())
