"""Import cost of ``import csp_rules`` (issue 2): at most 15 ms over attrs, dateutil and babel.

Measured with ``python -X importtime`` in one run per sample: the dependencies are imported
first, so csp_rules' cumulative line is exactly what it adds. Median of 15 fresh processes.
Also reports what the first real use costs (loading a rule set), for information.
"""

from __future__ import annotations

import statistics
import subprocess
import sys

from _util import Report

DEPS = "import attrs, dateutil, dateutil.relativedelta, dateutil.tz, babel, babel.core"
TARGET_MS = 15.0


def _cumulative_us(code: str, module: str) -> float:
    out = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True, check=True
    )
    for line in out.stderr.splitlines():
        parts = [p.strip() for p in line.split("|")]
        if len(parts) == 3 and parts[2] == module:
            return float(parts[1])
    raise RuntimeError(f"{module} not in -X importtime output")


def _seconds(code: str) -> float:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout.strip())


def main() -> int:
    report = Report("import_time")
    samples = [_cumulative_us(f"{DEPS}; import csp_rules", "csp_rules") / 1000 for _ in range(15)]
    deps = [_cumulative_us(DEPS, "babel") / 1000 for _ in range(5)]
    added = statistics.median(samples)
    report.figure(
        "import csp_rules, added over its dependencies",
        added,
        "ms",
        target=f"<= {TARGET_MS} ms",
        ok=added <= TARGET_MS,
    )
    report.figure("import babel (for scale)", statistics.median(deps), "ms")
    first_use = [
        _seconds(
            f"{DEPS}; import time, csp_rules; t = time.perf_counter(); csp_rules.S2020; "
            "print(time.perf_counter() - t)"
        )
        * 1000
        for _ in range(5)
    ]
    report.figure("first use: load the shipped rule sets", statistics.median(first_use), "ms")
    return report.done()


if __name__ == "__main__":
    sys.exit(main())
