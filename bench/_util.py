"""Helpers for the benchmarks: medians per call, ratios against a floor timed in the same run.

Benchmarks print figures; they never run in the test suite. Each script states its targets and
prints PASS/FAIL per target so a reviewer sees at a glance whether a figure holds. A figure with a
floor (:meth:`Report.versus`) prints the figure, the floor, their ratio and the target ratio: the
floor is timed alternately with the figure (:func:`paired`), so both see the same machine load, and
only the ratio is a target. Every report shows the machine's load average when it ran.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any


@contextlib.contextmanager
def _no_gc() -> Iterator[None]:
    """The garbage collector off while timing (it would add pauses to whichever run it falls in)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def rss() -> int:
    """This process's resident set size in bytes (Linux ``/proc/self/statm``)."""
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def peak_rss_during(fn: Callable[[], Any]) -> tuple[int, Any]:
    """``(peak RSS above the RSS before the call, in bytes; fn's result)``, sampled every millisecond
    by a thread while ``fn`` runs, and once more after it."""
    import threading

    base = rss()
    peak = [base]
    running = [True]

    def sample() -> None:
        while running[0]:
            peak[0] = max(peak[0], rss())
            time.sleep(0.001)

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        result = fn()
    finally:
        running[0] = False
        sampler.join()
    return max(peak[0], rss()) - base, result


def per_call(fn: Callable[[], Any], *, number: int = 1000, repeat: int = 15) -> float:
    """Median seconds per call of ``fn`` over ``repeat`` runs of ``number`` calls each."""
    fn()  # warm up
    samples = []
    with _no_gc():
        for _ in range(repeat):
            start = time.perf_counter()
            for _ in range(number):
                fn()
            samples.append((time.perf_counter() - start) / number)
    return statistics.median(samples)


def paired(
    fn: Callable[[], Any], floor: Callable[[], Any], *, number: int = 2000, repeat: int = 21
) -> tuple[float, float]:
    """Median seconds per call of ``fn`` and of ``floor``, their runs alternating (the same load for both)."""
    fn()
    floor()
    samples: tuple[list[float], list[float]] = ([], [])
    with _no_gc():
        for _ in range(repeat):
            for out, call in zip(samples, (fn, floor), strict=True):
                start = time.perf_counter()
                for _ in range(number):
                    call()
                out.append((time.perf_counter() - start) / number)
    return statistics.median(samples[0]), statistics.median(samples[1])


def paired_batches(
    fn: Callable[[Any], Any], floor: Callable[[Any], Any], make: Callable[[], Any], *, repeat: int = 15
) -> tuple[float, float]:
    """Like :func:`paired` for work that must be fresh each run: ``make()`` (not timed) gives a batch
    that ``fn`` and ``floor`` each go through once per run; the result is seconds per batch item."""
    samples: tuple[list[float], list[float]] = ([], [])
    with _no_gc():
        for _ in range(repeat):
            for out, call in zip(samples, (fn, floor), strict=True):
                batch = make()
                start = time.perf_counter()
                call(batch)
                out.append((time.perf_counter() - start) / len(batch))
    return statistics.median(samples[0]), statistics.median(samples[1])


def load() -> str:
    """The machine's load averages (1, 5, 15 minutes) and its CPU count, for the report."""
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:  # pragma: no cover - not on this platform
        return "unknown"
    return f"{one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} CPUs"


class Report:
    """Collects figures and targets; prints a table and a JSON line at the end."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.rows: list[dict[str, Any]] = []
        self.load_at_start = load()

    def figure(self, what: str, value: float, unit: str, *, target: str = "", ok: bool | None = None) -> None:
        self.rows.append({"what": what, "value": value, "unit": unit, "target": target, "ok": ok})

    def versus(
        self,
        what: str,
        seconds: float,
        floor: float,
        *,
        target: float | None,
        unit: str = "µs",
        scale: float = 1e6,
    ) -> float:
        """A figure with its floor (both seconds) and their ratio; PASS when the ratio is at most ``target``
        (None: for information). Returns the ratio."""
        ratio = seconds / floor
        self.rows.append(
            {
                "what": what, "value": seconds * scale, "unit": unit, "floor": floor * scale, "ratio": ratio,
                "target": "" if target is None else f"<= {target:g}x",
                "ok": None if target is None else ratio <= target,
            }
        )  # fmt: skip
        return ratio

    def failed(self, what: str, why: str) -> None:
        """A check that failed (a floor that disagrees with the library): a FAIL row, nothing timed."""
        self.rows.append({"what": what, "value": why, "unit": "", "target": "agrees", "ok": False})

    def done(self) -> int:
        print(f"== {self.name} (Python {sys.version.split()[0]}; load {self.load_at_start} -> {load()})")
        for r in self.rows:
            print(format_row(r))
        print(
            "JSON "
            + json.dumps({"bench": self.name, "load": [self.load_at_start, load()], "rows": self.rows})
        )
        return 0 if all(r["ok"] is not False for r in self.rows) else 1


def format_row(r: dict[str, Any]) -> str:
    """One line of a report: the figure, then its floor and ratio when it has one, the target, PASS/FAIL."""
    verdict = "" if r["ok"] is None else ("PASS" if r["ok"] else "FAIL")
    value = r["value"]
    shown = f"{value:.3g}" if isinstance(value, float) else str(value)
    if "floor" in r:
        vs = f"floor {r['floor']:>7.3g} {r['unit']:<3} {r['ratio']:>6.2f}x"
        return f"  {r['what']:<58} {shown:>9} {r['unit']:<3} {vs}  {r['target']:<10} {verdict}"
    return f"  {r['what']:<58} {shown:>9} {r['unit']:<8} {'':>22} {r['target']:<10} {verdict}"
