"""``csp-rules evaluate`` in tables of exactly CHUNK_ROWS rows, read ahead and written behind in threads on
two cores or more (issue 18): the same bytes out, whatever the table size and the number of cores, and an
error while reading or writing still stops the run with its message."""

from __future__ import annotations

import io
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

import csp_rules.cli.evaluate as evaluate_cli
from csp_rules.cli import main

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
ARGS = ["--at", "2020-06-30T12:00:00Z", "--quiet"]


def _run(path: Path, out: Path) -> int:
    with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()):
        return main(["evaluate", str(path), *ARGS, "-o", str(out)])


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
@pytest.mark.parametrize("chunk", [7, 1000, 1 << 16])
@pytest.mark.parametrize("cores", [1, 2])
def test_same_output_whatever_the_tables_and_cores(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, suffix: str, chunk: int, cores: int
) -> None:
    source = EXAMPLES / "one_time_purchases.csv"
    reference = tmp_path / f"reference{suffix}"
    assert _run(source, reference) == 0
    monkeypatch.setattr(evaluate_cli, "CHUNK_ROWS", chunk)
    monkeypatch.setattr(evaluate_cli, "_cores", lambda: cores)
    got = tmp_path / f"got{suffix}"
    assert _run(source, got) == 0
    if suffix == ".csv":
        assert got.read_bytes() == reference.read_bytes()
    else:
        import pyarrow.parquet as pq

        assert pq.read_table(got).equals(pq.read_table(reference))


def test_tables_hold_exactly_chunk_rows(tmp_path: Path) -> None:
    source = evaluate_cli._Source(EXAMPLES / "one_time_purchases.csv")
    sizes = [t.num_rows for t in source.tables(1000)]
    assert sizes[:-1] == [1000] * (len(sizes) - 1) and 0 < sizes[-1] <= 1000
    assert sum(sizes) == 3000


def test_a_write_error_in_the_writing_thread_stops_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(evaluate_cli, "CHUNK_ROWS", 500)
    monkeypatch.setattr(evaluate_cli, "_cores", lambda: 2)
    calls = []

    def failing(self: object, result: object) -> None:
        calls.append(1)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(evaluate_cli._Writer, "write", failing)
    out = tmp_path / "out.csv"
    err = io.StringIO()
    with redirect_stdout(io.StringIO()), redirect_stderr(err):
        status = main(["evaluate", str(EXAMPLES / "one_time_purchases.csv"), *ARGS, "-o", str(out)])
    assert status != 0
    assert not out.exists()
