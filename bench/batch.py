"""Benchmark csp_rules.batch and ``csp-rules evaluate`` (issue 7).

Targets (one run, this machine; each ratio against a floor timed turn about in the same process):

* ``batch.evaluate`` at most 1.15x its floor on typed tables, 1.3x on text rows as read from a CSV
  file (canonical columns with instants ending in ``Z``, and the reconciliation layout); the floor
  (``bench/_batch_floor.py``) is a hand-written set of bare Arrow and numpy kernels giving the same
  result columns, checked equal before timing (issue 18);
* a slice with one bad date at most 1.5x a clean one; the fixed cost of one call (3 rows) at most
  0.5 ms;
* ``batch.evaluate`` at least 1,000,000 rows/s on 1,000,000 rows after a warm-up (one thread:
  Arrow's pool is set to one CPU); the loop over the scalar functions (per row: build ``Money`` and
  ``Purchase``, ``markets.reservations_available``, ``cancellation.evaluate``,
  ``billing.refund_credit``) is shown beside it for information (no target: the floors are the
  targets);
* peak memory of ``batch.evaluate`` (extra peak RSS, measured in a fresh subprocess with the table
  loaded) at most 3x the input table's Arrow size;
* ``csp-rules evaluate`` on a 1,000,000-row CSV (2020 layout), on one core (``taskset``): at most
  1.5x (to CSV) and 1.3x (to Parquet) pyarrow's own streaming read of the same file plus a write of
  tables of the output's schema (the CLI floor, run the same way); then on two cores (reading,
  evaluating and writing overlap) against the same one-core floor (for information); the peak RSS
  not growing with the file's length (1,000,000 rows vs 250,000 rows, within 25 %).

The CSV files are generated into ``$TMPDIR/csp_rules_bench`` (never the repository) by
``tools/make_example_csv.py`` and reused by later runs.

With ``--against DIR`` (a checkout of another version of csp_rules, e.g. ``git worktree add
/tmp/base main``), the same table is also evaluated by that version: two worker processes, one
per version, each with the table loaded and warmed up, are timed turn about (so both see the same
machine load), and the ratio of their median throughputs is the figure, with the target that
this version keeps at least 90 % of the other's on the canonical layout (issue 13: the explained
rows, sentences included, must not cost more). The CLI part is compared the same way on the
same CSV file.

    python bench/batch.py                          # everything
    python bench/batch.py --quick                  # 200,000 rows, no CLI part
    python bench/batch.py --quick --against /tmp/base
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import numpy as np  # noqa: E402
import pyarrow as pa  # noqa: E402
import pyarrow.compute as pc  # noqa: E402
from _util import Report, load  # noqa: E402

from csp_rules import batch, billing, cancellation, markets  # noqa: E402
from csp_rules.facts import Money, Purchase  # noqa: E402

AT = datetime(2021, 12, 1, tzinfo=timezone.utc)
WORK = Path(tempfile.gettempdir()) / "csp_rules_bench"

MARKETS = ["US", "GB", "FR", "DE", "AU", "BR", "IN", "JP", "CN", "KR", "XK", "AD", "CA", "KW"]
CURRENCY = {
    "US": "USD",
    "GB": "GBP",
    "FR": "EUR",
    "DE": "EUR",
    "AU": "AUD",
    "BR": "BRL",
    "IN": "INR",
    "JP": "JPY",
    "CN": "CNY",
    "KR": "KRW",
    "XK": "EUR",
    "AD": "EUR",
    "CA": "CAD",
    "KW": "KWD",
}
DIGITS = {"JPY": 0, "KRW": 0, "KWD": 3}
PRODUCTS = [f"Software product {i}" for i in range(60)] + [
    "Windows 7 Extended Security Updates 2020",
    "Windows 7 Extended Security Updates - Year 2",
    "SUSE Linux Enterprise Server Priority Software Plan",
    "Red Hat Enterprise Linux Software Plan",
]
KINDS = ["software_subscription", "perpetual_software", "azure_reservation", "azure_software_plan"]


def make_table(n: int, seed: int = 1) -> pa.Table:
    """``n`` purchases in the canonical layout with Arrow types (timestamps, decimals, dates)."""
    rng = np.random.default_rng(seed)
    market = np.array(MARKETS)[rng.integers(0, len(MARKETS), n)]
    currency = _lookup(CURRENCY, market)
    day0 = np.datetime64("2019-06-01")
    days = rng.integers(0, 900, n)
    bought = (day0 + days.astype("timedelta64[D]")).astype("datetime64[us]") + rng.integers(
        0, 86_400_000_000, n
    ).astype("timedelta64[us]")
    cents = rng.integers(0, 5_000_000, n)
    digits = _lookup({c: DIGITS.get(c, 2) for c in set(CURRENCY.values())}, currency)
    price = _decimals(cents, digits)
    start = day0 + days.astype("timedelta64[D]")
    return pa.table(
        {
            "market": pa.array(market),
            "order_id": pc.binary_join_element_wise("O-", pc.cast(pa.array(np.arange(n)), pa.string()), ""),
            "product_name": pa.array(np.array(PRODUCTS)[rng.integers(0, len(PRODUCTS), n)]),
            "kind": pa.array(np.array(KINDS)[rng.choice(4, n, p=[0.45, 0.35, 0.12, 0.08])]),
            "purchased_at": pa.array(bought).cast(pa.timestamp("us", tz="UTC")),
            "price": price,
            "currency": pa.array(currency),
            "term_start": pa.array(start),
            "term_end": pa.array(start + np.timedelta64(365, "D")),
        }
    )


def _lookup(mapping: dict[str, Any], keys: np.ndarray) -> np.ndarray:
    """``mapping[k]`` for every ``k`` of ``keys``, vectorised."""
    known = np.array(sorted(mapping))
    values = np.array([mapping[k] for k in known])
    return values[np.searchsorted(known, keys)]


def _decimals(units: np.ndarray, digits: np.ndarray) -> pa.Array:
    """decimal128(20, 3) amounts ``units / 10**digits`` (exact), built from their integer values."""
    scaled = units * 10 ** (3 - digits)
    words = np.empty(2 * len(scaled), dtype=np.int64)
    words[0::2] = scaled
    words[1::2] = 0
    return pa.Array.from_buffers(pa.decimal128(20, 3), len(scaled), [None, pa.py_buffer(words.tobytes())])


def text_table(typed: pa.Table) -> pa.Table:
    """The rows of ``typed`` as text, as read from a CSV file: instants in ISO 8601 ending in ``Z``."""
    columns = {}
    for name in typed.column_names:
        column = typed.column(name)
        if pa.types.is_timestamp(column.type):
            column = pc.binary_join_element_wise(pc.strftime(column, format="%Y-%m-%dT%H:%M:%S"), "Z", "")
        else:
            column = pc.cast(column, pa.string())
        columns[name] = column
    return pa.table(columns)


#: a TermAndBillingCycle per kind (the kind is told by it, by names and by ReservationOrderId)
TERMS = {
    "software_subscription": "1 Year, Monthly",
    "perpetual_software": "One-Time",
    "azure_reservation": "1 Year",
    "azure_software_plan": "3 Years",
}


def reconciliation_table(typed: pa.Table) -> pa.Table:
    """The rows of ``typed`` as text in the reconciliation layout (2020 names, Partner Center's dates:
    ISO without an offset, ``ChargeEndDate`` the term's last second), every line a ``New`` purchase."""
    kind = typed.column("kind").combine_chunks()
    term = pa.array(list(TERMS.values())).take(pc.index_in(kind, value_set=pa.array(list(TERMS))))
    order = typed.column("order_id").combine_chunks()
    rid = pc.if_else(
        pc.equal(kind, "azure_reservation"),
        pc.binary_join_element_wise("R-", order, ""),
        pa.scalar(None, pa.string()),
    )

    def seconds(column: Any) -> Any:
        return pc.strftime(pc.cast(column, pa.timestamp("s"), safe=False), format="%Y-%m-%dT%H:%M:%S")

    last = pc.subtract(typed.column("term_end").cast(pa.timestamp("s")), pa.scalar(1, pa.duration("s")))
    return pa.table(
        {
            "CustomerCountry": typed.column("market"),
            "OrderId": order,
            "OrderDate": seconds(typed.column("purchased_at")),
            "ProductName": typed.column("product_name"),
            "ChargeType": pa.array(["New"] * typed.num_rows),
            "Subtotal": pc.cast(typed.column("price"), pa.string()),
            "Currency": typed.column("currency"),
            "ChargeStartDate": seconds(typed.column("term_start").cast(pa.timestamp("s"))),
            "ChargeEndDate": seconds(last),
            "TermAndBillingCycle": term,
            "ReservationOrderId": rid,
        }
    )


def turn_about(calls: dict[str, Any], repeat: int) -> dict[str, float]:
    """The best time of each call (seconds), the calls run turn about ``repeat`` times (the same load
    for all: the best run is the one least moved by other work on the machine, as ``timeit`` takes it)."""
    best = dict.fromkeys(calls, float("inf"))
    for _ in range(repeat):
        for name, call in calls.items():
            start = time.perf_counter()
            call()
            best[name] = min(best[name], time.perf_counter() - start)
    return best


def versus_floor(report: Report, what: str, table: pa.Table, target: float, repeat: int = 7) -> None:
    """``batch.evaluate`` on ``table`` against its floor: checked equal, then timed turn about."""
    import _batch_floor  # here: the workers of --against import this file under other versions

    library = batch.evaluate(table, at=AT)
    differ = _batch_floor.differences(library, _batch_floor.floor(table, AT))
    if differ:
        report.failed(f"{what}: floor agrees with the library", f"columns differ: {', '.join(differ)}")
        return
    best = turn_about(
        {"library": lambda: batch.evaluate(table, at=AT), "floor": lambda: _batch_floor.floor(table, AT)},
        repeat,
    )
    n = table.num_rows
    report.versus(what, best["library"] / n, best["floor"] / n, target=target, unit="ns", scale=1e9)


def with_bad_date(table: pa.Table, row: int) -> pa.Table:
    """``table`` (text, either layout) with the purchase date of one row made impossible (2020-02-30)."""
    column = "purchased_at" if "purchased_at" in table.column_names else "OrderDate"
    values = table.column(column).to_pylist()
    values[row] = "2020-02-30T10:00:00" + ("Z" if values[row].endswith("Z") else "")
    index = table.column_names.index(column)
    return table.set_column(index, column, pa.array(values, pa.string()))


def bad_date_figure(report: Report, what: str, clean: pa.Table) -> None:
    """A slice with one bad date against the same slice clean, turn about."""
    n = clean.num_rows
    bad = with_bad_date(clean, n // 2)
    best = turn_about(
        {"bad": lambda: batch.evaluate(bad, at=AT), "clean": lambda: batch.evaluate(clean, at=AT)}, 9
    )
    report.versus(what, best["bad"] / n, best["clean"] / n, target=1.5, unit="ns", scale=1e9)


def scalar_loop(rows: list[dict[str, Any]]) -> float:
    """Seconds for the loop over the scalar functions, one row at a time."""
    start = time.perf_counter()
    for row in rows:
        purchase = Purchase(
            order_id=row["order_id"],
            product_name=row["product_name"],
            kind=row["kind"],
            purchased_at=row["purchased_at"],
            price=Money(row["price"], row["currency"]),
            term_start=row["term_start"],
            term_end=row["term_end"],
        )
        markets.reservations_available(row["market"], rules=None)
        cancellation.evaluate(purchase, at=AT)
        billing.refund_credit(purchase, cancelled_at=AT)
    return time.perf_counter() - start


def time_batch(table: pa.Table, repeat: int = 3) -> float:
    batch.evaluate(table.slice(0, 20_000), at=AT)  # warm-up: imports, rule sets, market index
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        batch.evaluate(table, at=AT)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


MEMORY_SCRIPT = textwrap.dedent("""
    import sys, pyarrow as pa
    pa.set_cpu_count(1)
    from datetime import datetime, timezone
    sys.path.insert(0, sys.argv[2])
    from csp_rules import batch
    from _util import peak_rss_during
    with pa.memory_map(sys.argv[1]) as source:
        table = pa.ipc.open_file(source).read_all()
    table = pa.Table.from_batches([b.copy() if hasattr(b, "copy") else b for b in table.to_batches()])
    table = pa.concat_tables([table]).combine_chunks()  # owned buffers in memory, not the map
    at = datetime(2021, 12, 1, tzinfo=timezone.utc)
    batch.evaluate(table.slice(0, 5000), at=at)
    extra, out = peak_rss_during(lambda: batch.evaluate(table, at=at))
    print(table.nbytes, extra, out.nbytes)
""")


def peak_memory(table: pa.Table) -> tuple[int, int, int]:
    """``(input bytes, extra peak RSS bytes of evaluate, output bytes)`` in a fresh process."""
    WORK.mkdir(exist_ok=True)
    path = WORK / f"table_{table.num_rows}.arrow"
    with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table)
    done = subprocess.run(
        [sys.executable, "-c", MEMORY_SCRIPT, str(path), str(HERE)],
        capture_output=True,
        text=True,
        check=True,
    )
    size, extra, out = (int(x) for x in done.stdout.split())
    return size, extra, out


def csv_file(rows: int) -> Path:
    """A CSV file of ``rows`` rows made by this checkout's tool (named by the tool's digest: checkouts of
    other versions, sharing the folder, each keep their own file)."""
    import hashlib

    WORK.mkdir(exist_ok=True)
    tool = HERE.parent / "tools" / "make_example_csv.py"
    digest = hashlib.sha256(tool.read_bytes()).hexdigest()[:10]
    path = WORK / f"one_time_purchases_{rows}_{digest}.csv"
    if not path.exists():
        subprocess.run(
            [
                sys.executable,
                str(HERE.parent / "tools" / "make_example_csv.py"),
                "--rows",
                str(rows),
                "--out",
                str(path),
            ],
            check=True,
        )
    return path


def _pinned(command: list[str], cores: int | None) -> list[str]:
    """``command`` on the first ``cores`` CPUs (``taskset``), or as it is."""
    if cores is None or shutil.which("taskset") is None:
        return command
    return ["taskset", "-c", ",".join(str(c) for c in sorted(os.sched_getaffinity(0))[:cores]), *command]


def _timed(command: list[str], env: dict[str, str] | None = None) -> tuple[float, int]:
    """``(seconds, peak RSS bytes)`` of a command."""
    start = time.perf_counter()
    process = subprocess.Popen(command, env=env)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{command[:4]}... failed with status {os.waitstatus_to_exitcode(status)}")
    return seconds, usage.ru_maxrss * 1024


def run_cli(
    path: Path, env: dict[str, str] | None = None, *, output: str = "evaluated.csv", cores: int | None = None
) -> tuple[float, int]:
    """``(seconds, peak RSS bytes)`` of ``csp-rules evaluate`` on ``path`` writing ``output`` (``.csv`` or
    ``.parquet``), in a subprocess (on ``cores`` CPUs, or all)."""
    out = WORK / output
    command = [
        sys.executable,
        "-m",
        "csp_rules",
        "evaluate",
        str(path),
        "--at",
        CLI_AT,
        "-o",
        str(out),
        "--quiet",
    ]
    try:
        return _timed(_pinned(command, cores), env)
    finally:
        out.unlink(missing_ok=True)


CLI_AT = "2020-06-30T12:00:00Z"

#: the CLI's floor: pyarrow's streaming read of the CSV file (the CLI's own options), and a write of
#: tables of the output's schema, 65,536 rows at a time: the input's columns and result columns taken
#: from results made once (``argv[3]``, an Arrow file), in the form the output holds them
CLI_FLOOR = textwrap.dedent("""
    import sys, pyarrow as pa, pyarrow.csv as pv, pyarrow.parquet as pq
    pa.set_cpu_count(1)
    pa.set_io_thread_count(1)
    path, out, block_path = sys.argv[1], sys.argv[2], sys.argv[3]
    with pa.memory_map(block_path) as source:
        block = pa.ipc.open_file(source).read_all().combine_chunks()
    with open(path, encoding="utf-8") as fh:
        names = fh.readline().rstrip("\\r\\n").split(",")
    reader = pv.open_csv(
        path,
        read_options=pv.ReadOptions(block_size=1 << 20, use_threads=False),
        parse_options=pv.ParseOptions(delimiter=",", newlines_in_values=True),
        convert_options=pv.ConvertOptions(
            column_types={n: pa.string() for n in names}, null_values=[""],
            strings_can_be_null=True, quoted_strings_can_be_null=True,
        ),
    )
    schema = pa.schema(list(reader.schema) + list(block.schema))
    parquet = out.endswith(".parquet")
    writer = pq.ParquetWriter(out, schema) if parquet else pv.CSVWriter(out, schema)
    def write(batches):
        table = pa.Table.from_batches(batches)
        n = table.num_rows
        result = block.slice(0, n) if n <= block.num_rows else pa.concat_tables([block] * (n // block.num_rows + 1)).slice(0, n)
        for field, column in zip(block.schema, result.columns):
            table = table.append_column(field, column)
        writer.write_table(table)
    pending, count = [], 0
    for batch in reader:
        pending.append(batch)
        count += batch.num_rows
        if count >= 1 << 16:
            write(pending)
            pending, count = [], 0
    if pending:
        write(pending)
    writer.close()
""")


def result_block(path: Path, parquet: bool) -> Path:
    """The results of the first 65,536 rows of ``path`` (as the CLI writes them), in an Arrow file."""
    import pyarrow.csv as pv

    from csp_rules.cli.evaluate import _for_csv

    with open(path, encoding="utf-8") as fh:
        names = fh.readline().rstrip("\r\n").split(",")
    reader = pv.open_csv(
        str(path),
        read_options=pv.ReadOptions(block_size=1 << 20, use_threads=False),
        parse_options=pv.ParseOptions(newlines_in_values=True),
        convert_options=pv.ConvertOptions(
            column_types={n: pa.string() for n in names}, null_values=[""],
            strings_can_be_null=True, quoted_strings_can_be_null=True,
        ),
    )  # fmt: skip
    batches, count = [], 0
    for b in reader:
        batches.append(b)
        count += b.num_rows
        if count >= 1 << 16:
            break
    result = batch.evaluate(pa.Table.from_batches(batches), at=datetime(2020, 6, 30, 12, tzinfo=timezone.utc))
    if not parquet:
        result = _for_csv(result)
    result = result.select(list(batch.RESULT_COLUMNS)).combine_chunks()
    out = WORK / f"result_block_{'parquet' if parquet else 'csv'}.arrow"
    with pa.OSFile(str(out), "wb") as sink, pa.ipc.new_file(sink, result.schema) as writer:
        writer.write_table(result)
    return out


def run_cli_floor(path: Path, block: Path, *, output: str, cores: int | None = 1) -> float:
    """Seconds of the CLI's floor on ``path`` writing ``output``, in a subprocess."""
    out = WORK / output
    try:
        return _timed(_pinned([sys.executable, "-c", CLI_FLOOR, str(path), str(out), str(block)], cores))[0]
    finally:
        out.unlink(missing_ok=True)


WORKER = textwrap.dedent("""
    import sys, time
    sys.path.insert(0, sys.argv[1])
    import pyarrow as pa
    pa.set_cpu_count(1)
    import batch as bench
    from csp_rules import batch
    table = bench.make_table(int(sys.argv[2]))
    batch.evaluate(table.slice(0, 20_000), at=bench.AT)
    batch.evaluate(table, at=bench.AT)
    print("ready", flush=True)
    for _ in sys.stdin:
        start = time.perf_counter()
        batch.evaluate(table, at=bench.AT)
        print(time.perf_counter() - start, flush=True)
""")


def against(other: Path, n: int, turns: int) -> tuple[float, float, float, float]:
    """Rows/s of this version and of the version at ``other``, as ``(best this, best other, median this,
    median other)`` of ``turns`` runs each, timed turn about in two warm worker processes (this bench's
    table, made by this file). The best run is the figure least moved by other work on the machine
    (as ``timeit`` takes it); the medians are shown beside it."""
    workers = {}
    for name, tree in (("this", HERE.parent), ("other", other)):
        env = dict(os.environ, PYTHONPATH=str(tree / "src"))
        workers[name] = subprocess.Popen(
            [sys.executable, "-c", WORKER, str(HERE), str(n)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
    times: dict[str, list[float]] = {name: [] for name in workers}
    try:
        for name, worker in workers.items():
            assert worker.stdout is not None
            if worker.stdout.readline().strip() != "ready":
                raise SystemExit(f"the {name} version's worker failed")
        for turn in range(turns):
            order = ("this", "other") if turn % 2 == 0 else ("other", "this")
            for name in order:
                worker = workers[name]
                assert worker.stdin is not None and worker.stdout is not None
                worker.stdin.write("go\n")
                worker.stdin.flush()
                times[name].append(float(worker.stdout.readline()))
    finally:
        for worker in workers.values():
            if worker.stdin is not None:
                worker.stdin.close()
            worker.wait()
    return (
        n / min(times["this"]),
        n / min(times["other"]),
        n / statistics.median(times["this"]),
        n / statistics.median(times["other"]),
    )


def cli_against(other: Path, path: Path, turns: int) -> tuple[float, float]:
    """``(seconds of this version's csp-rules evaluate, seconds of the other's)`` on ``path``, medians
    of ``turns`` runs each, turn about."""
    times: dict[str, list[float]] = {"this": [], "other": []}
    for turn in range(turns):
        for name in ("this", "other") if turn % 2 == 0 else ("other", "this"):
            tree = HERE.parent if name == "this" else other
            times[name].append(run_cli(path, env={**os.environ, "PYTHONPATH": str(tree / "src")})[0])
    return statistics.median(times["this"]), statistics.median(times["other"])


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument(
        "--against", metavar="DIR", type=Path, help="a checkout of another version to compare with"
    )
    parser.add_argument(
        "--turns", type=int, default=7, help="runs of each version with --against (default 7)"
    )
    parser.add_argument("--no-cli", action="store_true", help="skip the csp-rules evaluate part")
    args = parser.parse_args(argv)
    pa.set_cpu_count(1)
    n = 200_000 if args.quick else 1_000_000
    floor_n = 200_000  # the floor comparisons: three slices and a bit
    sample_n = 20_000 if args.quick else 100_000
    report = Report("batch")
    table = make_table(n)
    batch.evaluate(table.slice(0, 20_000), at=AT)  # warm-up: imports, rule sets, market index

    # issue 18: against the floor, on typed tables and on text as read from a CSV file
    typed = table.slice(0, floor_n)
    text = text_table(typed)
    versus_floor(report, "batch.evaluate, typed table / floor", typed, 1.15)
    versus_floor(report, "batch.evaluate, text (canonical, instants with Z) / floor", text, 1.3)
    versus_floor(
        report, "batch.evaluate, text (reconciliation layout) / floor", reconciliation_table(typed), 1.3
    )
    bad_date_figure(
        report, f"a slice ({SLICE:,} rows, canonical text) with one bad date / clean", text.slice(0, SLICE)
    )
    bad_date_figure(
        report,
        f"a slice ({SLICE:,} rows, reconciliation layout) with one bad date / clean",
        reconciliation_table(typed.slice(0, SLICE)),
    )
    tiny = table.slice(0, 3)
    batch.evaluate(tiny, at=AT)
    calls = 200
    best = turn_about({"tiny": lambda: [batch.evaluate(tiny, at=AT) for _ in range(calls)]}, 5)
    fixed = best["tiny"] / calls
    report.figure(
        "fixed cost of one call (3 rows)", fixed * 1e3, "ms", target="<= 0.5 ms", ok=fixed <= 0.5e-3
    )

    batch_seconds = time_batch(table)
    batch_per_row = batch_seconds / n
    sample = table.slice(0, sample_n).to_pylist()
    scalar_loop(sample[:2000])  # warm-up
    scalar_per_row = scalar_loop(sample) / len(sample)
    report.figure(f"scalar loop, per row ({sample_n:,}-row sample)", scalar_per_row * 1e6, "µs")
    report.figure(f"batch.evaluate, per row ({n:,} rows)", batch_per_row * 1e6, "µs")
    report.figure("speed-up of batch.evaluate over the scalar loop", scalar_per_row / batch_per_row, "x")
    rate = n / batch_seconds
    report.figure(
        "batch.evaluate throughput (one core, after warm-up)",
        rate,
        "rows/s",
        target=">= 1,000,000",
        ok=rate >= 1_000_000,
    )

    if args.against is not None:
        mine, theirs, mine_median, theirs_median = against(args.against, n, args.turns)
        report.figure("batch.evaluate, this version (best of turns)", mine, "rows/s")
        report.figure(f"batch.evaluate, {args.against} (best of turns)", theirs, "rows/s")
        report.figure(
            "throughput of this version / the other (best runs)",
            mine / theirs,
            "x",
            target=">= 0.9x",
            ok=mine / theirs >= 0.9,
        )
        report.figure("throughput of this version / the other (medians)", mine_median / theirs_median, "x")

    size, extra, out = peak_memory(table)
    report.figure("input table (Arrow)", size / 2**20, "MiB")
    report.figure("output columns added (Arrow)", (out - size) / 2**20, "MiB")
    report.figure(
        "peak extra RSS of batch.evaluate / input size",
        extra / size,
        "x",
        target="<= 3x",
        ok=extra <= 3 * size,
    )

    if not (args.quick or args.no_cli):
        cli(report, args)
    return report.done()


SLICE = 1 << 16


def cli(report: Report, args: argparse.Namespace) -> None:
    """``csp-rules evaluate`` against its floor, one core then two; its peak RSS by file length."""
    small, big = csv_file(250_000), csv_file(1_000_000)
    print(f"csp-rules evaluate on {big} (load {load()})", flush=True)
    for output, target in (("evaluated.csv", 1.5), ("evaluated.parquet", 1.3)):
        block = result_block(big, output.endswith(".parquet"))
        times: dict[str, list[float]] = {"one": [], "two": [], "floor": []}
        for _ in range(2):
            times["floor"].append(run_cli_floor(big, block, output=output))
            times["one"].append(run_cli(big, output=output, cores=1)[0])
            times["two"].append(run_cli(big, output=output)[0])
        kind = output.rsplit(".", 1)[1].upper()
        floor = min(times["floor"])
        report.versus(
            f"csp-rules evaluate 1M rows -> {kind}, one core / floor", min(times["one"]), floor,
            target=target, unit="s", scale=1,
        )  # fmt: skip
        report.versus(
            f"csp-rules evaluate 1M rows -> {kind}, two cores / one-core floor", min(times["two"]), floor,
            target=None, unit="s", scale=1,
        )  # fmt: skip
    _, rss_small = run_cli(small)
    seconds_big, rss_big = run_cli(big)
    report.figure("csp-rules evaluate, 1,000,000-row CSV -> CSV", 1_000_000 / seconds_big, "rows/s")
    report.figure("csp-rules evaluate, 1,000,000 rows: peak RSS", rss_big / 2**20, "MiB")
    report.figure("csp-rules evaluate, 250,000 rows: peak RSS", rss_small / 2**20, "MiB")
    growth = rss_big / rss_small
    report.figure(
        "peak RSS 1,000,000 rows / 250,000 rows", growth, "x", target="<= 1.25x (flat)", ok=growth <= 1.25
    )
    report.figure("CSV file size, 1,000,000 rows", big.stat().st_size / 2**20, "MiB")
    if args.against is not None:
        mine_s, theirs_s = cli_against(args.against, big, max(3, args.turns // 2))
        report.figure("csp-rules evaluate, this version / the other (rows/s)", theirs_s / mine_s, "x")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
