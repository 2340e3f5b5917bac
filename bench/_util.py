"""Helpers for the benchmarks: medians per call and ratios against a baseline timed in the same run.

Benchmarks print figures; they never run in the test suite. Each script states its targets and
prints PASS/FAIL per target so a reviewer sees at a glance whether a figure holds.
"""

from __future__ import annotations

import gc
import json
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any


def per_call(fn: Callable[[], Any], *, number: int = 1000, repeat: int = 15) -> float:
    """Median seconds per call of ``fn`` over ``repeat`` runs of ``number`` calls each."""
    fn()  # warm up
    samples = []
    gc_was = gc.isenabled()
    gc.disable()
    try:
        for _ in range(repeat):
            start = time.perf_counter()
            for _ in range(number):
                fn()
            samples.append((time.perf_counter() - start) / number)
    finally:
        if gc_was:
            gc.enable()
    return statistics.median(samples)


class Report:
    """Collects figures and targets; prints a table and a JSON line at the end."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.rows: list[dict[str, Any]] = []

    def figure(self, what: str, value: float, unit: str, *, target: str = "", ok: bool | None = None) -> None:
        self.rows.append({"what": what, "value": value, "unit": unit, "target": target, "ok": ok})

    def done(self) -> int:
        print(f"== {self.name} (Python {sys.version.split()[0]})")
        for r in self.rows:
            verdict = "" if r["ok"] is None else ("PASS" if r["ok"] else "FAIL")
            value = r["value"]
            shown = f"{value:.3g}" if isinstance(value, float) else str(value)
            print(f"  {r['what']:<58} {shown:>10} {r['unit']:<8} {r['target']:<22} {verdict}")
        print("JSON " + json.dumps({"bench": self.name, "rows": self.rows}))
        return 0 if all(r["ok"] is not False for r in self.rows) else 1
