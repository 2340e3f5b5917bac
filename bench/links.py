"""Benchmark of download-link decisions (RULES.md R5; issues 6, 18): ``link_status`` against its floor.

Targets (ratios in one run, the floor timed alternately with the figure):

* ``link_status`` at most 10x its hand-written floor (``bench/_floors.py``: the version in force on the
  issue date and its R11.4 test, the expiry, the status by precedence, the downloads and time left;
  no decision), active, revoked, and under a version that states no link rule (R11.1);
* ``link_status`` median at most 5 µs (issue 6).

For scale, the script also shows the bare comparisons (two instants and a count) the issue first
compared with: they do not find the version nor the expiry, so they are not the floor.

    python bench/links.py
"""

from __future__ import annotations

import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import _floors
from _util import Report, paired, per_call

from csp_rules.links import issue_link, link_status, link_usable
from csp_rules.roles import authorize

TARGET = 10.0
TARGET_US = 5.0


def main() -> int:
    report = Report("links")
    t0 = datetime(2020, 3, 2, 9, 30, tzinfo=timezone.utc)
    link = issue_link(t0)
    at = t0 + timedelta(days=3)
    revoked = t0 + timedelta(days=2)
    later = issue_link(datetime(2021, 3, 2, tzinfo=timezone.utc))  # S2021-01-30: no link rule (R11.1)
    cases = {
        "link_status, active": (link, at, 10, None),
        "link_status, revoked (R8.2)": (link, at, 10, revoked),
        "link_status, no rule stated (R11.1)": (later, later.issued_at + timedelta(days=3), 10, None),
    }
    for label, (lk, when, n, rev) in cases.items():
        got = _floors.answer_of(link_status(lk, at=when, downloads=n, revoked_at=rev))
        want = _floors.link_status(lk, when, n, rev)
        if got != want:
            report.failed(f"floor agrees: {label}", f"{got} != {want}")
    if report.rows:
        return report.done()

    for label, (lk, when, n, rev) in cases.items():
        lib, floor = paired(
            lambda lk=lk, t=when, n=n, r=rev: link_status(lk, at=t, downloads=n, revoked_at=r),  # type: ignore[misc]
            lambda lk=lk, t=when, n=n, r=rev: _floors.link_status(lk, t, n, r),  # type: ignore[misc]
            number=10_000,
        )
        report.versus(label, lib, floor, target=TARGET)
        report.figure("  (median)", lib * 1e6, "µs", target=f"<= {TARGET_US:g} µs", ok=lib * 1e6 <= TARGET_US)

    expires = t0 + timedelta(days=14)
    lib, bare = paired(
        lambda: link_status(link, at=at, downloads=10), lambda: at < expires and 10 < 50 and not revoked <= at,
        number=10_000,
    )  # fmt: skip
    report.versus("  link_status vs 2 datetime + 1 int comparisons (info)", lib, bare, target=None)
    report.figure(
        "link_usable (info)",
        per_call(lambda: link_usable(link, at=at, downloads=10), number=10_000) * 1e6,
        "µs",
    )
    report.figure(
        "authorize (one role name) (info)",
        per_call(lambda: authorize(["Admin agent"], "get_keys_and_downloads"), number=5000) * 1e6,
        "µs",
    )
    return report.done()


if __name__ == "__main__":
    sys.exit(main())
