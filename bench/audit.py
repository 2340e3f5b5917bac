"""Benchmark csp_rules.audit (issue 15).

Targets (one run, this machine):

* ``audit.audit`` on 1,000,000 purchase rows and 50,000 credit rows (one reconciliation table,
  2020 layout, text columns as Partner Center writes them) in under 3x the time
  ``batch.evaluate`` takes on the same 1,000,000 purchase rows, both timed in this process,
  turn about (median of three each), after a warm-up; Arrow's pool set to one CPU;
* peak memory of ``audit.audit`` (extra peak RSS above the process's RSS after the imports and the
  table are loaded, sampled every millisecond, in a fresh subprocess) at most 3x the input's
  Arrow size.

The table is built column by column with numpy (no CSV): software subscriptions (one-year terms)
and perpetual software bought from 2021-01-01 to 2023-06-30; each credit row cancels a random
purchase 0 to 5 days after it, for the amount the rules give (about one in ten is a cent off, one
in fifty names an order not in the table).

    python bench/audit.py            # 1,000,000 + 50,000
    python bench/audit.py --quick    # 200,000 + 10,000
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import numpy as np  # noqa: E402
import pyarrow as pa  # noqa: E402
import pyarrow.compute as pc  # noqa: E402
from _util import Report  # noqa: E402

from csp_rules import audit, batch  # noqa: E402

AT = datetime(2023, 7, 1, tzinfo=timezone.utc)
WORK = Path(tempfile.gettempdir()) / "csp_rules_bench"
FIRST = np.datetime64("2021-01-01", "D")
DAYS = 911  # to 2023-06-30


def _text(values: np.ndarray) -> pa.Array:
    return pc.cast(pa.array(values), pa.string())


def _amounts(cents: np.ndarray) -> pa.Array:
    whole = _text(cents // 100)
    part = pc.utf8_lpad(_text(cents % 100), width=2, padding="0")
    return pc.binary_join_element_wise(whole, part, ".")


def _stamp(days: np.ndarray, seconds: np.ndarray | int = 0) -> pa.Array:
    ts = (FIRST + days).astype("datetime64[s]") + seconds
    return pc.strftime(pa.array(ts), format="%Y-%m-%dT%H:%M:%S")


def make_tables(n: int, credits: int, seed: int = 1) -> tuple[pa.Table, pa.Table]:
    """``(purchase rows, purchase rows followed by the credit rows)``, the same purchases in both."""
    rng = np.random.default_rng(seed)
    subscription = rng.random(n) < 0.7
    day = rng.integers(0, DAYS, n)
    seats = rng.integers(1, 26, n)
    unit = rng.integers(100, 50_000, n)
    price = unit * seats
    ids = _text(np.arange(n))
    orders = pc.binary_join_element_wise("O-", ids, "")
    subs = pc.binary_join_element_wise("S-", ids, "")
    end = pa.array(np.where(subscription, day + 364, 0))
    charge_end = pc.if_else(
        pa.array(subscription),
        pc.binary_join_element_wise(pc.utf8_slice_codeunits(_stamp(np.asarray(end)), 0, 10), "23:59:59", "T"),
        pa.nulls(n, pa.string()),
    )
    products = np.array(["Office 365 E3", "Windows Server 2019 Standard", "SQL Server 2019 Standard"])
    purchases = pa.table(
        {
            "CustomerCountry": pa.array(np.array(["FR", "US", "GB", "DE", "JP"])[rng.integers(0, 5, n)]),
            "InvoiceNumber": pc.binary_join_element_wise("G-", _text(day // 30), ""),
            "OrderId": orders,
            "OrderDate": _stamp(day, rng.integers(0, 86_400, n)),
            "ProductName": pa.array(np.where(subscription, products[0], products[1 + rng.integers(0, 2, n)])),
            "ChargeType": pa.array(np.full(n, "New")),
            "Quantity": pa.array(seats),
            "Subtotal": _amounts(price),
            "Currency": pa.array(np.full(n, "EUR")),
            "SubscriptionId": subs,
            "ChargeStartDate": _stamp(day),
            "ChargeEndDate": charge_end,
            "TermAndBillingCycle": pa.array(np.where(subscription, "1 Year, Monthly", "One-Time")),
        }
    )
    # the credits: the amount the rules give (line_half_up), a few a cent off, a few unmatched
    which = rng.choice(n, credits, replace=False)
    after = rng.integers(0, 6, credits)
    unused = 365 - after
    credited = np.where(
        subscription[which], (price[which] * unused * 2 + 365) // (2 * 365), price[which]
    )  # half up
    credited = credited + (rng.random(credits) < 0.1)
    taken = purchases.take(pa.array(which))
    credit_orders = pc.if_else(
        pa.array(rng.random(credits) < 0.02),
        pc.binary_join_element_wise(taken.column("OrderId"), "-X", ""),
        taken.column("OrderId"),
    )
    credit = (
        taken.set_column(taken.schema.get_field_index("ChargeType"), "ChargeType", pa.array(np.full(credits, "Cancel")))
        .set_column(taken.schema.get_field_index("OrderId"), "OrderId", credit_orders)
        .set_column(taken.schema.get_field_index("Subtotal"), "Subtotal",
                    pc.binary_join_element_wise("-", _amounts(credited), ""))
        .set_column(taken.schema.get_field_index("ChargeStartDate"), "ChargeStartDate", _stamp(day[which] + after))
        .set_column(taken.schema.get_field_index("Quantity"), "Quantity", pa.array(-seats[which]))
    )  # fmt: skip
    both = pa.concat_tables([purchases, credit]).combine_chunks()
    return purchases, both


MEMORY_SCRIPT = textwrap.dedent("""
    import sys, pyarrow as pa
    pa.set_cpu_count(1)
    sys.path.insert(0, sys.argv[2])
    from csp_rules import audit
    import audit as bench  # bench/audit.py: a small table with credits, for the warm-up
    from _util import peak_rss_during
    with pa.memory_map(sys.argv[1]) as source:
        table = pa.ipc.open_file(source).read_all()
    table = pa.concat_tables([table]).combine_chunks()  # owned buffers in memory, not the map
    audit.audit(bench.make_tables(5000, 500, seed=2)[1])  # warm-up: imports, rule sets, babel's data
    extra, report = peak_rss_during(lambda: audit.audit(table))
    print(table.nbytes, extra, len(report))
""")


def peak_memory(table: pa.Table) -> tuple[int, int]:
    """``(input bytes, extra peak RSS bytes of audit)`` in a fresh process."""
    WORK.mkdir(exist_ok=True)
    path = WORK / f"audit_{table.num_rows}.arrow"
    with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table)
    done = subprocess.run(
        [sys.executable, "-c", MEMORY_SCRIPT, str(path), str(HERE)],
        capture_output=True,
        text=True,
        check=True,
    )
    size, extra, _ = (int(x) for x in done.stdout.split())
    return size, extra


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    pa.set_cpu_count(1)
    n, credits = (200_000, 10_000) if args.quick else (1_000_000, 50_000)
    report = Report("audit")
    purchases, both = make_tables(n, credits)
    batch.evaluate(purchases.slice(0, 20_000), at=AT)  # warm-up
    result = audit.audit(both.slice(n - 20_000, 30_000))
    batch_s, audit_s = [], []
    for _ in range(3):  # turn about, so both see the same machine load
        start = time.perf_counter()
        batch.evaluate(purchases, at=AT)
        batch_s.append(time.perf_counter() - start)
        start = time.perf_counter()
        result = audit.audit(both)
        audit_s.append(time.perf_counter() - start)
    report.figure(f"batch.evaluate, {n:,} purchase rows (median of 3)", statistics.median(batch_s), "s")
    report.figure(
        f"audit.audit, {n:,} purchases + {credits:,} credits (median)", statistics.median(audit_s), "s"
    )
    ratio = statistics.median(audit_s) / statistics.median(batch_s)
    report.figure("audit.audit time / batch.evaluate time", ratio, "x", target="< 3x", ok=ratio < 3)
    for status, count in result.counts.items():
        report.figure(f"  credits {status}", count, "")
    size, extra = peak_memory(both)
    report.figure("input table (Arrow)", size / 2**20, "MiB")
    report.figure(
        "peak extra RSS of audit.audit / input size", extra / size, "x", target="<= 3x", ok=extra <= 3 * size
    )
    return report.done()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
