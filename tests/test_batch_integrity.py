"""Batch row integrity (issue 9): for any table, no row is lost, duplicated or reordered.

``tests/test_batch_differential.py`` checks that every row's *results* equal the scalar
functions' and do not depend on how a table is cut into batches. These tests check the rows
themselves, for any table, nulls and bad rows included, in every form ``csp_rules.batch``
takes (Arrow table, record batch, chunked table, pandas with any index, polars):

* the output has exactly the input's rows, in the input's order: a unique ``row_id`` column
  and every input column come back unchanged, and nothing is added or dropped;
* a row's results depend on that row only: the same as evaluating the row alone, the same after
  the table is permuted (results permuted alike), and the same when the table is the input
  twice over (results twice over);
* every row gets its results: an error code, or results, never neither.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from csp_rules import batch
from csp_rules.errors import MissingColumnsError
from csp_rules.rulesets import shipped_rulesets

UTC = timezone.utc
RESULTS = list(batch.RESULT_COLUMNS)

# every kind of cell, good and bad, and nulls everywhere
CELLS: dict[str, list[Any]] = {
    "market": [
        "FR",
        "AU",
        "BR",
        "Congo",
        "Kongo",
        "cg",
        "Europe",
        "Atlantis",
        "",
        "  ",
        "\x00",
        "x" * 300,
        None,
    ],
    "order_id": ["O-1", "O-1", " O 2 ", "", "  ", "O\x07", "é" * 5000, None],
    "product_name": [
        "SQL Server 2019",
        "Windows 7 ESU 2020",
        "SUSE Linux Enterprise Server",
        "Windows 7 ESU",
        "",
        None,
        "Office\u202e365",
    ],
    "kind": [
        "software_subscription",
        "perpetual_software",
        "azure_reservation",
        "azure_software_plan",
        "Perpetual",
        "lease",
        "",
        None,
    ],
    "purchased_at": [
        "2020-03-01",
        "2020-03-01T10:00:00+14:00",
        "2019-12-31T23:59:59.999999-09:30",
        "2018-08-30",
        "2018-08-31",
        "2020-03-01T00:00:00",
        "2020-02-30",
        "yesterday",
        "9999-12-31T23:59:59+00:00",
        "0001-01-01",
        "",
        None,
    ],
    "price": [
        "100.00",
        "0",
        "10.005",
        "1500",
        "-1",
        "abc",
        "1e400",
        "NaN",
        "99999999999999999999.99",
        "",
        None,
    ],
    "currency": ["EUR", "JPY", "KWD", "AUD", "XXX", "eur", "", None],
    "term_start": ["2020-03-01", "2020-01-01", "2021-01-01", "2020-02-30", "", None],
    "term_end": ["2021-03-01", "2020-03-02", "2020-01-01", "x", "", None],
}
ATS = [
    datetime(2020, 3, 20, tzinfo=UTC),
    datetime(2020, 1, 21, 0, 30, tzinfo=timezone(timedelta(hours=14))),
    datetime(2018, 9, 1, tzinfo=UTC),
    datetime(9999, 12, 31, 23, 59, tzinfo=UTC),
]
S2018, S2020 = shipped_rulesets()[:2]


@st.composite
def tables(draw: st.DrawFn, min_rows: int = 0, max_rows: int = 30) -> pa.Table:
    """A table with a unique ``row_id`` and a ``tag`` that repeats, the canonical columns (some
    left out, some typed), and cells good, bad and null."""
    n = draw(st.integers(min_rows, max_rows))
    columns = draw(
        st.lists(st.sampled_from(sorted(CELLS)), unique=True, min_size=0, max_size=len(CELLS)).map(set)
        | st.just(set(CELLS))
    )
    data: dict[str, pa.Array] = {
        "row_id": pa.array(range(n), pa.int64()),
        "tag": pa.array([draw(st.sampled_from(["a", "b", None])) for _ in range(n)], pa.string()),
    }
    for name in sorted(columns):
        values = [draw(st.sampled_from(CELLS[name])) for _ in range(n)]
        data[name] = pa.array(values, pa.string())
    if "purchased_at" in columns and draw(st.booleans()):  # a typed timestamp column with nulls
        instants = [
            None
            if draw(st.integers(0, 5)) == 0
            else datetime(2020, 1, 1, tzinfo=UTC) + timedelta(hours=draw(st.integers(-20_000, 20_000)))
            for _ in range(n)
        ]
        data["purchased_at"] = pa.array(instants, pa.timestamp("us", tz="UTC"))
    if "price" in columns and draw(st.booleans()):  # a typed decimal column with nulls
        prices = [
            None if draw(st.integers(0, 5)) == 0 else Decimal(draw(st.integers(-100, 10**6))) / 100
            for _ in range(n)
        ]
        data["price"] = pa.array(prices, pa.decimal128(12, 2))
    return pa.table(data)


def _chunked(table: pa.Table, cuts: list[int]) -> pa.Table:
    """The same rows in several chunks (empty ones included), as a streamed or concatenated table has."""
    pieces = []
    start = 0
    for cut in sorted(c % (table.num_rows + 1) for c in cuts):
        pieces.append(table.slice(start, max(0, cut - start)))
        start = max(start, cut)
    pieces.append(table.slice(start))
    return pa.concat_tables(pieces)


def _check_rows(table: pa.Table, out: pa.Table) -> None:
    """Same rows, same order, input columns untouched, result columns added, each row judged."""
    assert out.num_rows == table.num_rows
    assert out.column("row_id").to_pylist() == list(range(table.num_rows))
    for name in table.column_names:
        if name not in RESULTS:
            assert out.column(name).to_pylist() == table.column(name).to_pylist(), name
    assert set(RESULTS) <= set(out.column_names)
    assert len(out.column_names) == len(set(out.column_names))
    errors = out.column("error_code").to_pylist()
    versions = out.column("rules_version").to_pylist()
    for i, (error, version) in enumerate(zip(errors, versions, strict=True)):
        assert (error is None) != (version is None), f"row {i}: error {error!r}, rules {version!r}"


def _results(table: pa.Table) -> list[dict[str, Any]]:
    return table.select(RESULTS).to_pylist()


@given(tables(), st.sampled_from(ATS), st.sampled_from([None, S2018, S2020]))
@settings(max_examples=150)
def test_no_row_lost_duplicated_or_reordered(table: pa.Table, at: datetime, rules: Any) -> None:
    try:
        out = batch.evaluate(table, at=at, rules=rules)
    except MissingColumnsError as err:  # a table without the columns it needs is refused as a whole
        assert not _full(table)
        assert str(err)  # noqa: PT017 - the error is checked, then the table is done
        return
    _check_rows(table, out)


def _full(table: pa.Table) -> bool:
    """Whether the table has every column it needs: the required ones, both term columns or neither,
    and a currency with a price."""
    names = set(table.column_names)
    terms = {"term_start", "term_end"} & names
    required = {"market", "order_id", "product_name", "purchased_at", "kind"}
    return required <= names and len(terms) != 1 and ("price" not in names or "currency" in names)


full_tables = tables().filter(_full)


@given(full_tables, st.lists(st.integers(0, 40), max_size=8), st.sampled_from(ATS))
@settings(max_examples=100)
def test_chunks_and_record_batches_keep_every_row(table: pa.Table, cuts: list[int], at: datetime) -> None:
    expected = batch.evaluate(table, at=at)
    chunked = _chunked(table, cuts)
    out = batch.evaluate(chunked, at=at)
    _check_rows(chunked, out)
    assert _results(out) == _results(expected)
    combined = table.combine_chunks()
    if combined.num_rows:
        record_batch = combined.to_batches()[0]
        out_batch = batch.evaluate(record_batch, at=at)
        assert isinstance(out_batch, pa.RecordBatch)
        _check_rows(table, pa.Table.from_batches([out_batch]))
        assert pa.Table.from_batches([out_batch]).select(RESULTS).to_pylist() == _results(expected)


@given(full_tables, st.randoms(use_true_random=False), st.sampled_from(ATS))
@settings(max_examples=100)
def test_a_row_is_judged_alone(table: pa.Table, rnd: Any, at: datetime) -> None:
    """Permuting the rows permutes the results; each row gives what it gives alone; a doubled
    table gives doubled results."""
    expected = _results(batch.evaluate(table, at=at))
    order = list(range(table.num_rows))
    rnd.shuffle(order)
    permuted = batch.evaluate(table.take(pa.array(order, pa.int64())), at=at)
    assert permuted.column("row_id").to_pylist() == order
    assert _results(permuted) == [expected[i] for i in order]
    doubled = batch.evaluate(pa.concat_tables([table, table]), at=at)
    assert _results(doubled) == expected + expected
    for i in range(min(table.num_rows, 6)):
        alone = batch.evaluate(table.slice(i, 1), at=at)
        assert _results(alone) == [expected[i]], f"row {i}"


@given(
    full_tables, st.sampled_from(["shuffled", "duplicates", "strings", "descending"]), st.sampled_from(ATS)
)
@settings(max_examples=60)
def test_pandas_keeps_rows_and_index(table: pa.Table, index_kind: str, at: datetime) -> None:
    import pandas as pd

    df = table.to_pandas()
    n = len(df)
    if index_kind == "shuffled":
        df.index = pd.Index(random.Random(n).sample(range(n), n))
    elif index_kind == "duplicates":
        df.index = pd.Index([i // 2 for i in range(n)])
    elif index_kind == "strings":
        df.index = pd.Index([f"r{i}" for i in range(n)])
    else:
        df.index = pd.Index(range(n, 0, -1))
    out = batch.evaluate(df, at=at)
    assert list(out.index) == list(df.index)
    assert list(out["row_id"]) == list(range(n))
    assert set(RESULTS) <= set(out.columns)
    expected = _results(batch.evaluate(table, at=at))
    got = pa.Table.from_pandas(out[RESULTS], preserve_index=False).to_pylist()
    assert [r["error_code"] for r in got] == [r["error_code"] for r in expected]
    assert [r["cancellation_outcome"] for r in got] == [r["cancellation_outcome"] for r in expected]


@given(full_tables, st.sampled_from(ATS))
@settings(max_examples=60)
def test_polars_keeps_rows(table: pa.Table, at: datetime) -> None:
    import polars as pl

    df = pl.from_arrow(table)
    assert isinstance(df, pl.DataFrame)
    out = batch.evaluate(df, at=at)
    assert out.height == table.num_rows
    assert out.get_column("row_id").to_list() == list(range(table.num_rows))
    expected = _results(batch.evaluate(table, at=at))
    assert out.get_column("error_code").to_list() == [r["error_code"] for r in expected]


@pytest.mark.parametrize("rows", [0, 1, 3])
def test_all_null_tables_keep_every_row(rows: int) -> None:
    table = pa.table(
        {name: pa.nulls(rows, pa.string()) for name in CELLS} | {"row_id": pa.array(range(rows))}
    )
    out = batch.evaluate(table, at=ATS[0])
    _check_rows(table, out)
    assert out.column("error_code").to_pylist() == ["error.missing_field"] * rows


def test_an_empty_table_gives_an_empty_result_with_every_column() -> None:
    table = pa.table(
        {name: pa.array([], pa.string()) for name in CELLS} | {"row_id": pa.array([], pa.int64())}
    )
    out = batch.evaluate(table, at=ATS[0])
    assert out.num_rows == 0
    assert out.schema == batch.output_schema(table.schema)


def test_a_large_table_with_bad_rows_keeps_every_row() -> None:
    """100 000 rows, a third of them bad, crossing any internal slice size."""
    n = 100_000
    markets = ["FR", "Atlantis", None]
    table = pa.table(
        {
            "row_id": pa.array(range(n), pa.int64()),
            "market": [markets[i % 3] for i in range(n)],
            "order_id": [f"O-{i % 1000}" for i in range(n)],
            "product_name": ["SQL Server"] * n,
            "kind": ["perpetual_software"] * n,
            "purchased_at": [date(2020, 1, 1) + timedelta(days=i % 150) for i in range(n)],
            "price": ["10.00"] * n,
            "currency": ["EUR"] * n,
        }
    )
    out = batch.evaluate(table, at=datetime(2020, 6, 1, tzinfo=UTC))
    _check_rows(table, out)
    codes = out.column("error_code").to_pylist()
    assert codes[0] is None
    assert codes[1] == "error.unknown_market"
    assert codes[2] == "error.missing_field"
    assert codes == [[None, "error.unknown_market", "error.missing_field"][i % 3] for i in range(n)]
