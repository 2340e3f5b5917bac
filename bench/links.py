"""Benchmark of download-link decisions (RULES.md R5): ``link_status`` median per call.

Target: ``link_status`` median at most 5 µs. The baseline, timed in the same process, is the bare
rule with no decision around it: two datetime comparisons and an int comparison. For context the
script also times the floor every decision pays: building a :class:`~csp_rules.decision.Decision`
with the same facts (the machine's load moves every figure; the ratios move much less).

    python bench/links.py
"""

from __future__ import annotations

import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from _util import Report, per_call

from csp_rules._frozen import FrozenMap
from csp_rules.decision import Decision
from csp_rules.links import LinkStatus, issue_link, link_status, link_usable
from csp_rules.roles import authorize

TARGET_US = 5.0


def main() -> int:
    t0 = datetime(2020, 3, 2, 9, 30, tzinfo=timezone.utc)
    link = issue_link(t0)
    at = t0 + timedelta(days=3)
    expires = t0 + timedelta(days=14)
    revoked = t0 + timedelta(days=10)

    def baseline() -> bool:
        return at < expires and 10 < 50 and not revoked <= at

    facts = dict(link_status(link, at=at, downloads=10).facts)

    def floor() -> Decision:
        return Decision(
            outcome=LinkStatus.ACTIVE,
            allowed=True,
            reasons=("links.active",),
            rule_numbers=("R5.2",),
            ruleset_version="S2020",
            facts=FrozenMap(facts),
        )

    base = per_call(baseline, number=20000)
    floor_t = per_call(floor, number=20000)
    status = per_call(lambda: link_status(link, at=at, downloads=10), number=20000)
    status_revoked = per_call(
        lambda: link_status(link, at=at, downloads=10, revoked_at=revoked), number=20000
    )
    usable = per_call(lambda: link_usable(link, at=at, downloads=10), number=20000)
    auth = per_call(lambda: authorize(["Admin agent"], "get_keys_and_downloads"), number=5000)

    report = Report("links")
    report.figure("baseline: 2 datetime + 1 int comparisons", base * 1e6, "µs")
    report.figure(
        "link_status median", status * 1e6, "µs", target=f"<= {TARGET_US:g} µs", ok=status * 1e6 <= TARGET_US
    )
    report.figure("link_status / baseline", status / base, "x")
    report.figure("floor: a bare Decision with the same facts", floor_t * 1e6, "µs")
    report.figure("link_status / floor", status / floor_t, "x")
    report.figure(
        "link_status with revoked_at median",
        status_revoked * 1e6,
        "µs",
        target=f"<= {TARGET_US:g} µs",
        ok=status_revoked * 1e6 <= TARGET_US,
    )
    report.figure("link_usable median", usable * 1e6, "µs")
    report.figure("authorize (one role name) median", auth * 1e6, "µs")
    return report.done()


if __name__ == "__main__":
    sys.exit(main())
