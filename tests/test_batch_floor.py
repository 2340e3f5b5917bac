"""The batch floor of the benchmarks (issue 18) gives the library's result columns: a ratio to it means
something only if it computes the same thing. ``bench/_batch_floor.py`` holds it; speed is measured only
by ``bench/batch.py``, never here."""

from __future__ import annotations

import sys
from datetime import datetime, timezone
from pathlib import Path

import pyarrow as pa
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

import _batch_floor
import batch as bench

from csp_rules import batch

LAYOUTS = {
    "typed": lambda t: t,
    "text": bench.text_table,
    "reconciliation": bench.reconciliation_table,
}


@pytest.mark.parametrize("layout", list(LAYOUTS))
@pytest.mark.parametrize(
    "at",
    [bench.AT, datetime(2020, 3, 1, 9, tzinfo=timezone.utc), datetime(2026, 1, 1, tzinfo=timezone.utc)],
    ids=["bench", "early-2020", "2026"],
)
@pytest.mark.parametrize("seed", [1, 2])
def test_the_floor_gives_the_library_columns(layout: str, at: datetime, seed: int) -> None:
    typed = bench.make_table(3000, seed=seed)
    if at < datetime(2021, 12, 1, tzinfo=timezone.utc):  # rows bought after `at` are errors: not clean
        typed = typed.filter(pa.compute.less_equal(typed.column("purchased_at"), pa.scalar(at)))
    table = LAYOUTS[layout](typed)
    library = batch.evaluate(table, at=at)
    assert library.column("error_code").null_count == table.num_rows  # a clean table, as the floor assumes
    assert _batch_floor.differences(library, _batch_floor.floor(table, at)) == []


def test_a_difference_is_seen() -> None:
    """The check can fail: a floor column changed is reported."""
    table = bench.make_table(500)
    columns = _batch_floor.floor(table, bench.AT)
    columns["days_left"] = pa.compute.add(columns["days_left"], 1)
    assert _batch_floor.differences(batch.evaluate(table, at=bench.AT), columns) == ["days_left"]
