"""csp_rules.batch.evaluate under Spark (``mapInArrow``, local mode): same results as on one machine.

Marked ``spark``: the default run deselects it; ``.ci/run`` installs pyspark
(``pip install -e ".[spark]"``) and runs ``pytest -m spark``; it needs Java 17. pyspark is imported
inside the fixture, so without it the test fails rather than being skipped.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pytest

from csp_rules import batch

pytestmark = pytest.mark.spark  # deselected by default; .ci/run installs pyspark and runs it (no skip)

UTC = timezone.utc
AT = datetime(2020, 2, 20, 12, tzinfo=UTC)
INPUT_DDL = (
    "market STRING, order_id STRING, product_name STRING, kind STRING, purchased_at TIMESTAMP, "
    "price DECIMAL(18,2), currency STRING, term_start DATE, term_end DATE"
)


def _rows() -> list[tuple[Any, ...]]:
    names = [
        "Office 365 E3",
        "Windows 7 Extended Security Updates 2020",
        "Visio Professional 2019",
        "SUSE Linux Enterprise Server Software Plan",
        "Reserved VM Instance",
    ]
    kinds = [
        "software_subscription",
        "software_subscription",
        "perpetual_software",
        "azure_software_plan",
        "azure_reservation",
    ]
    markets = ["FR", "AU", "BR", "CN", "Atlantis", "DE", None]
    rows = []
    for i in range(42):
        bought = datetime(2020, 1, 1 + i % 28, i % 24, tzinfo=UTC)
        start = bought.date()
        rows.append(
            (
                markets[i % len(markets)],
                f"O-{i:03d}",
                names[i % 5],
                kinds[i % 5],
                bought,
                Decimal(f"{100 + i}.{i:02d}") if i % 9 else Decimal("-1.00"),
                ["EUR", "JPY", "USD"][i % 3],
                start if i % 4 else None,
                date(start.year + 1, start.month, start.day) if i % 4 else None,
            )
        )
    return rows


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    from pyspark.sql import SparkSession

    mp = pytest.MonkeyPatch()
    mp.setenv("PYSPARK_PYTHON", sys.executable)
    mp.setenv("PYSPARK_DRIVER_PYTHON", sys.executable)
    session = (
        SparkSession.builder.master("local[2]")
        .appName("csp_rules batch test")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "2")
        .getOrCreate()
    )
    yield session
    session.stop()
    mp.undo()


def test_map_in_arrow_gives_the_results_of_one_machine(spark: Any) -> None:
    from pyspark.sql.types import StructType

    at = AT

    def evaluate(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        # defined here so that Spark's workers get it by value (they cannot import this test module)
        from csp_rules import batch as engine

        for b in batches:
            yield engine.evaluate(b, at=at)

    rows = _rows()
    df = spark.createDataFrame(rows, schema=INPUT_DDL).repartition(3)
    # the input's kind column is replaced by the kind each row was taken to be
    kept = [f for f in df.schema.fields if f.name not in batch.RESULT_COLUMNS]
    schema = StructType(kept + StructType.fromDDL(batch.RESULT_DDL).fields)
    got = sorted((r.asDict() for r in df.mapInArrow(evaluate, schema).collect()), key=lambda r: r["order_id"])

    local = pa.Table.from_pylist(
        [dict(zip(df.columns, row, strict=True)) for row in rows],
        schema=pa.schema(
            [
                ("market", pa.string()),
                ("order_id", pa.string()),
                ("product_name", pa.string()),
                ("kind", pa.string()),
                ("purchased_at", pa.timestamp("us", tz="UTC")),
                ("price", pa.decimal128(18, 2)),
                ("currency", pa.string()),
                ("term_start", pa.date32()),
                ("term_end", pa.date32()),
            ]
        ),
    )
    expected = batch.evaluate(local, at=AT).to_pylist()
    assert len(got) == len(expected) == len(rows)
    for spark_row, row in zip(got, expected, strict=True):
        for column in batch.RESULT_COLUMNS:
            value = spark_row[column]
            if isinstance(value, datetime):  # Spark gives naive datetimes in the session zone (UTC)
                value = value.replace(tzinfo=UTC)
            assert value == row[column], (column, row["order_id"])
    outcomes = {r["cancellation_outcome"] for r in got}
    assert {"self_service", "support_request", "not_cancellable", "not_covered"} <= outcomes, outcomes
    assert {r["error_code"] for r in got} >= {None, "error.unknown_market", "error.invalid_amount"}


def test_a_csv_file_of_the_2019_layout_gives_the_results_of_one_machine(spark: Any, tmp_path: Any) -> None:
    """The shipped example in the November 2019 layout (spaced names, en-US dates, no ReservationOrderId),
    read by Spark's CSV reader (an empty cell is null, NA stays Namibia), through mapInArrow."""
    from pathlib import Path

    import pyarrow.csv as pv
    from pyspark.sql.types import StructType

    source = Path(__file__).resolve().parent.parent / "examples" / "one_time_purchases_2019.csv"
    at = datetime(2020, 6, 30, 12, tzinfo=UTC)

    def evaluate(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        from csp_rules import batch as engine

        for b in batches:
            yield engine.evaluate(b, at=at)

    lines = spark.read.csv(str(source), header=True, multiLine=True, escape='"').repartition(4)
    schema = StructType(lines.schema.fields + StructType.fromDDL(batch.RESULT_DDL).fields)
    got = {
        r["Order ID"] or f"row-{i}": r.asDict()
        for i, r in enumerate(lines.mapInArrow(evaluate, schema).collect())
    }

    names = lines.columns
    local = pv.read_csv(
        source,
        convert_options=pv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.string()), null_values=[""], strings_can_be_null=True
        ),
    )
    expected = batch.evaluate(local, at=at).to_pylist()
    assert len(got) == len(expected)
    rows = [r for r in expected if r["Order ID"] is not None]
    assert rows
    for row in rows:
        spark_row = got[row["Order ID"]]
        for column in batch.RESULT_COLUMNS:
            value = spark_row[column]
            if isinstance(value, datetime):
                value = value.replace(tzinfo=UTC)
            assert value == row[column], (column, row["Order ID"])
    sources = {r["kind_source"] for r in rows}
    assert {"reservation_name", "term", "one_time_term", "blank_term_no_end"} <= sources
    assert {r["row_type"] for r in rows} == {"purchase", "renewal", "credit", "other"}
    assert any(r["market_code"] == "NA" for r in rows)
