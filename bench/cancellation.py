"""Speed of ``csp_rules.cancellation.evaluate`` (issue 4): median at most 10 µs per decision.

``evaluate`` is timed on already-built purchases (the rule set resolved from the purchase date,
as callers use it), for the common self-service case and for the other routes. The baseline,
timed in the same process, is building a bare :class:`csp_rules.decision.Decision` with a facts
mapping of the same size: the irreducible cost of answering with a decision. The ratio shows how
much the rule itself adds on this machine.
"""

from __future__ import annotations

import sys
from datetime import date, datetime, timezone

from _util import Report, per_call

from csp_rules.cancellation import Outcome, Purchase, evaluate
from csp_rules.decision import Decision
from csp_rules.facts import Role

TARGET_US = 10.0


def main() -> int:
    report = Report("cancellation")
    at = datetime(2020, 3, 20, 8, 30, tzinfo=timezone.utc)
    subscription = Purchase(
        order_id="O-1", product_name="Microsoft 365 Apps for business", kind="software_subscription",
        purchased_at=datetime(2020, 3, 1, 10, tzinfo=timezone.utc),
    )  # fmt: skip
    esu = Purchase(
        order_id="O-2", product_name="Windows 7 Extended Security Updates 2020", kind="software_subscription",
        purchased_at=date(2020, 3, 1),
    )  # fmt: skip
    closed = Purchase(
        order_id="O-3", product_name="SQL Server 2019 Standard", kind="perpetual_software",
        purchased_at=date(2020, 1, 21),
    )  # fmt: skip
    facts = {f"f{i}": i for i in range(13)}

    def baseline() -> Decision:
        return Decision(
            outcome=Outcome.SELF_SERVICE, allowed=True, reasons=("cancellation.self_service",),
            rule_numbers=("R7.1", "R7.2"), ruleset_version="S2020", facts=facts,
        )  # fmt: skip

    assert evaluate(subscription, at=at).outcome is Outcome.SELF_SERVICE
    assert evaluate(esu, at=at).outcome is Outcome.SUPPORT_REQUEST
    later = datetime(2020, 4, 1, tzinfo=timezone.utc)
    assert evaluate(closed, at=later).outcome is Outcome.WINDOW_CLOSED
    base = per_call(baseline, number=2000)
    main_case = per_call(lambda: evaluate(subscription, at=at), number=2000)
    report.figure("baseline: build a bare Decision (13 facts)", base * 1e6, "µs")
    report.figure(
        "evaluate, self-service subscription (median)", main_case * 1e6, "µs",
        target=f"<= {TARGET_US:g} µs", ok=main_case * 1e6 <= TARGET_US,
    )  # fmt: skip
    report.figure("  ratio to baseline", main_case / base, "x")
    for label, fn in (
        ("evaluate, Windows 7 ESU (support request)", lambda: evaluate(esu, at=at)),
        ("evaluate, window closed", lambda: evaluate(closed, at=later)),
        (
            "evaluate, roles=(Role.ADMIN_AGENT,)",
            lambda: evaluate(subscription, at=at, roles=(Role.ADMIN_AGENT,)),
        ),
        (
            "evaluate, roles=['Admin agent'] (parsed)",
            lambda: evaluate(subscription, at=at, roles=["Admin agent"]),
        ),
    ):
        value = per_call(fn, number=2000)
        report.figure(label, value * 1e6, "µs")
        report.figure("  ratio to baseline", value / base, "x")
    return report.done()


if __name__ == "__main__":
    sys.exit(main())
