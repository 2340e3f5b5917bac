"""csp_rules.batch: golden cases, the column mapping, the kinds of table it takes, errors up front, Dask.

The differential properties (batch equals the scalar functions, whatever the batches) are in
``test_batch_differential.py``; Spark is in ``test_spark.py``.
"""

from __future__ import annotations

import csv
import subprocess
import sys
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from csp_rules import batch
from csp_rules.batch._columns import plan_columns
from csp_rules.errors import InvalidAmountError, InvalidInputError, MissingColumnsError, NaiveDatetimeError
from csp_rules.rulesets import ruleset_from_dict, shipped_rulesets

UTC = timezone.utc
CASES = Path(__file__).parent / "cases" / "batch"
S2018, S2020 = shipped_rulesets()[:2]
ACME7 = ruleset_from_dict(
    {
        "extends": "S2020",
        "version": "ACME7",
        "in_force_from": "2024-01-01",
        "cancellation": {"window_days": {"software_subscription": 7, "perpetual_software": 7}},
        "credits": {"cancellation_day_credited": False},
    }
)
RULES = {"": None, "S2018": S2018, "S2020": S2020, "ACME7": ACME7}
INPUTS = (
    "market",
    "order_id",
    "product_name",
    "kind",
    "purchased_at",
    "price",
    "currency",
    "term_start",
    "term_end",
)
AT = datetime(2020, 3, 2, 15, tzinfo=UTC)


def _read_tsv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        lines = [line for line in fh if not line.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t"))


def _text(value: Any) -> str:
    """A result as the golden tables write it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        text = value.astimezone(UTC).isoformat().replace("+00:00", "Z")
        return text
    return str(value)


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _table(rows: list[dict[str, Any]]) -> pa.Table:
    return pa.table({c: pa.array([r.get(c) for r in rows], type=pa.string()) for c in INPUTS})


GOLDEN = _read_tsv(CASES / "cases.tsv")


@pytest.mark.parametrize("case", GOLDEN, ids=[c["case"] for c in GOLDEN])
def test_golden_case(case: dict[str, str]) -> None:
    row = {c: (case[c] or None) for c in INPUTS}
    at = _instant(case["at"])
    out = batch.evaluate(_table([row]), at=at, rules=RULES[case["rules"]]).to_pylist()[0]
    assert out["evaluated_at"] == at
    for column in batch.RESULT_COLUMNS:
        if column in ("error_message", "evaluated_at"):
            continue
        expected, got = case["expected_kind" if column == "kind" else column], out[column]
        if column == "credit_amount" and expected:
            assert got == Decimal(expected), column
        else:
            assert _text(got) == expected, (column, out["error_message"])
    assert (out["error_message"] is None) == (not case["error_code"])


def test_golden_cases_evaluated_together_give_the_same_answers() -> None:
    by_at: dict[tuple[str, str], list[dict[str, str]]] = {}
    for case in GOLDEN:
        by_at.setdefault((case["at"], case["rules"]), []).append(case)
    for (at, rules), cases in by_at.items():
        rows = [{c: (case[c] or None) for c in INPUTS} for case in cases]
        together = batch.evaluate(_table(rows), at=_instant(at), rules=RULES[rules]).to_pylist()
        alone = [
            batch.evaluate(_table([r]), at=_instant(at), rules=RULES[rules]).to_pylist()[0] for r in rows
        ]
        assert together == alone


# --- column names ---------------------------------------------------------------------------
# (the reconciliation layouts' golden cases are in test_batch_cases.py)


def test_column_names_are_matched_without_case_or_separators() -> None:
    plan = plan_columns(
        ["CUSTOMER_COUNTRY", "order id", "Product-Name", "orderdate", "term and billing cycle"]
    )
    assert plan.columns == {
        "market": "CUSTOMER_COUNTRY",
        "order_id": "order id",
        "product_name": "Product-Name",
        "purchased_at": "orderdate",
        "term_and_billing_cycle": "term and billing cycle",
    }
    assert plan.derives_kind


def test_a_canonical_column_wins_over_a_reconciliation_one() -> None:
    plan = plan_columns(
        [
            "market",
            "CustomerCountry",
            "order_id",
            "product_name",
            "kind",
            "purchased_at",
            "price",
            "Subtotal",
            "Total",
            "currency",
        ]
    )
    assert plan.get("market") == "market"
    assert plan.get("price") == "price"
    assert (
        plan_columns(["market", "order_id", "product_name", "kind", "purchased_at", "Total", "currency"]).get(
            "price"
        )
        == "Total"
    )


def test_two_columns_for_one_field_are_refused() -> None:
    with pytest.raises(InvalidInputError, match="OrderId"):
        plan_columns(["market", "OrderId", "Order ID", "product_name", "kind", "purchased_at"])


def test_missing_columns_are_named_together_before_any_row_is_read() -> None:
    table = pa.table({"market": ["FR"], "Subtotal": ["1.00"]})
    with pytest.raises(MissingColumnsError) as info:
        batch.evaluate(table, at=AT)
    message = str(info.value)
    for name in (
        "order_id (or OrderId)",
        "product_name (or ProductName)",
        "purchased_at (or OrderDate)",
        "kind (or TermAndBillingCycle)",
        "currency",
    ):
        assert name in message
    assert info.value.code == "error.missing_columns"


# --- kinds of table -------------------------------------------------------------------------


def _sample_rows() -> list[dict[str, Any]]:
    names = [
        "Office 365 E3",
        "Windows 7 Extended Security Updates 2020",
        "Visio Professional 2019",
        "SUSE Linux Software Plan",
        "Reserved VM Instance",
    ]
    kinds = [
        "software_subscription",
        "software_subscription",
        "perpetual_software",
        "azure_software_plan",
        "azure_reservation",
    ]
    rows = []
    for i in range(23):
        bought = datetime(2020, 1, 10, tzinfo=UTC) + timedelta(days=3 * i, hours=i)
        rows.append(
            {
                "market": ["FR", "AU", "Atlantis", "CN", "BR"][i % 5],
                "order_id": f"O-{i}",
                "product_name": names[i % 5],
                "kind": kinds[(i + i // 5) % 5],
                "purchased_at": bought,
                "price": Decimal(f"{10 * i}.{i:02d}") if i != 7 else Decimal("-1"),
                "currency": ["EUR", "JPY"][i % 2],
                "term_start": bought.date(),
                "term_end": bought.date() + timedelta(days=30 + i),
            }
        )
    return rows


def _arrow(rows: list[dict[str, Any]]) -> pa.Table:
    return pa.Table.from_pylist(
        rows,
        schema=pa.schema(
            [
                ("market", pa.string()),
                ("order_id", pa.string()),
                ("product_name", pa.string()),
                ("kind", pa.string()),
                ("purchased_at", pa.timestamp("us", tz="UTC")),
                ("price", pa.decimal128(12, 2)),
                ("currency", pa.string()),
                ("term_start", pa.date32()),
                ("term_end", pa.date32()),
            ]
        ),
    )


AT_SAMPLE = datetime(2020, 3, 1, 12, tzinfo=UTC)


def test_record_batch_in_record_batch_out() -> None:
    table = _arrow(_sample_rows())
    rb = table.to_batches()[0]
    out = batch.evaluate(rb, at=AT_SAMPLE)
    assert isinstance(out, pa.RecordBatch)
    assert out.schema == batch.output_schema(rb.schema)
    assert pa.Table.from_batches([out]) == batch.evaluate(table, at=AT_SAMPLE)


def test_chunked_columns_give_the_same_results() -> None:
    table = _arrow(_sample_rows())
    chunked = pa.concat_tables([table.slice(0, 5), table.slice(5, 1), table.slice(6)])
    assert (
        batch.evaluate(chunked, at=AT_SAMPLE).to_pylist() == batch.evaluate(table, at=AT_SAMPLE).to_pylist()
    )


def test_dictionary_columns_give_the_same_results() -> None:
    table = _arrow(_sample_rows())
    encoded = table.set_column(0, "market", table.column("market").dictionary_encode())
    results = list(batch.RESULT_COLUMNS)
    assert batch.evaluate(encoded, at=AT_SAMPLE).select(results) == batch.evaluate(
        table, at=AT_SAMPLE
    ).select(results)


def test_pandas_in_pandas_out_same_index_and_order() -> None:
    import pandas as pd

    rows = _sample_rows()
    df = pd.DataFrame(rows, index=[f"r{i % 4}" for i in range(len(rows))])  # a repeated, non-default index
    df["price"] = df["price"].astype(object)
    out = batch.evaluate(df, at=AT_SAMPLE)
    assert isinstance(out, pd.DataFrame)
    assert list(out.index) == list(df.index)
    # the input's columns, then the results (the kind column is the kind each row was taken to be)
    assert list(out.columns) == [c for c in df.columns if c != "kind"] + list(batch.RESULT_COLUMNS)
    assert str(out["days_left"].dtype) == "Int32"
    assert str(out["reservations_available"].dtype) == "boolean"
    expected = batch.evaluate(_arrow(rows), at=AT_SAMPLE).select(list(batch.RESULT_COLUMNS)).to_pylist()
    for i, want in enumerate(expected):
        for column, value in want.items():
            got = out[column].iloc[i]
            if value is None:
                assert pd.isna(got), column
            elif isinstance(value, datetime):
                assert got.to_pydatetime() == value
            else:
                assert got == value, column


def test_pandas_float_prices_are_refused_up_front() -> None:
    import pandas as pd

    df = pd.DataFrame(_sample_rows())
    df["price"] = df["price"].astype(float)
    with pytest.raises(InvalidAmountError, match="floats"):
        batch.evaluate(df, at=AT_SAMPLE)


def test_polars_in_polars_out() -> None:
    import polars as pl

    rows = _sample_rows()
    df = pl.from_arrow(_arrow(rows))
    assert isinstance(df, pl.DataFrame)
    out = batch.evaluate(df, at=AT_SAMPLE)
    assert isinstance(out, pl.DataFrame)
    assert out.columns == [c for c in df.columns if c != "kind"] + list(batch.RESULT_COLUMNS)
    expected = batch.evaluate(_arrow(rows), at=AT_SAMPLE).select(list(batch.RESULT_COLUMNS)).to_pylist()
    assert out.select(list(batch.RESULT_COLUMNS)).to_dicts() == expected


def test_dask_map_partitions_gives_the_results_of_one_machine() -> None:
    import dask.dataframe as dd
    import pandas as pd

    df = pd.DataFrame(_sample_rows())
    df["price"] = df["price"].astype(object)
    meta = batch.evaluate(df.iloc[:0], at=AT_SAMPLE)  # an empty frame evaluates to the result's dtypes
    ddf = dd.from_pandas(df, npartitions=4)
    out = ddf.map_partitions(batch.evaluate, at=AT_SAMPLE, meta=meta).compute(scheduler="synchronous")
    alone = batch.evaluate(df, at=AT_SAMPLE)
    assert list(out.columns) == list(alone.columns)
    pd.testing.assert_frame_equal(out[list(batch.RESULT_COLUMNS)], alone[list(batch.RESULT_COLUMNS)])


def test_an_evaluated_table_can_be_evaluated_again() -> None:
    table = _arrow(_sample_rows())
    once = batch.evaluate(table, at=AT_SAMPLE)
    later = AT_SAMPLE + timedelta(days=30)
    again = batch.evaluate(once, at=later)
    assert again.column_names == once.column_names
    assert again == batch.evaluate(table, at=later)


def test_empty_tables() -> None:
    table = _arrow([])
    out = batch.evaluate(table, at=AT_SAMPLE)
    assert out.num_rows == 0
    assert out.schema == batch.output_schema(table.schema)


def test_exact_amounts_beyond_64_bits() -> None:
    row = {
        "market": "FR",
        "order_id": "O-1",
        "product_name": "Visio",
        "kind": "perpetual_software",
        "purchased_at": "2020-03-01",
        "price": "123456789012345678901234.56",
        "currency": "EUR",
    }
    out = batch.evaluate(_table([row]), at=AT).to_pylist()[0]
    assert out["credit_amount"] == Decimal("123456789012345678901234.56")
    sub = dict(row, kind="software_subscription", term_start="2020-03-01", term_end="2020-03-04")
    out = batch.evaluate(_table([sub]), at=AT).to_pylist()[0]
    # 2 unused days of 3, rounded half up once
    assert out["credit_amount"] == Decimal("82304526008230452600823.04")


# --- arguments and schema -------------------------------------------------------------------


def test_at_must_be_aware() -> None:
    with pytest.raises(NaiveDatetimeError):
        batch.evaluate(_arrow(_sample_rows()), at=datetime(2020, 3, 1))
    with pytest.raises(TypeError):
        batch.evaluate(_arrow(_sample_rows()), at=date(2020, 3, 1))  # type: ignore[arg-type]


def test_rules_must_be_a_rule_set() -> None:
    with pytest.raises(TypeError):
        batch.evaluate(_arrow(_sample_rows()), at=AT, rules="S2020")  # type: ignore[arg-type]


def test_other_objects_are_refused_with_a_hint() -> None:
    with pytest.raises(TypeError, match="pyarrow Table"):
        batch.evaluate({"market": "FR"}, at=AT)
    with pytest.raises(TypeError, match="'items'"):
        batch.evaluate({"items": []}, at=AT)
    with pytest.raises(TypeError, match=r"table\[1\]"):
        batch.evaluate([{"market": "FR"}, "FR"], at=AT)
    with pytest.raises(TypeError, match="pyarrow Table"):
        batch.evaluate("market,order_id", at=AT)


def test_a_number_column_cannot_hold_instants() -> None:
    table = _table([{"market": "FR", "order_id": "O", "product_name": "P", "kind": "perpetual_software"}])
    table = table.set_column(4, "purchased_at", pa.array([5], pa.int64()))
    with pytest.raises(InvalidInputError):
        batch.evaluate(table, at=AT)


def test_the_spark_ddl_declares_the_arrow_schema() -> None:
    spark_types = {
        "STRING": pa.string(),
        "BOOLEAN": pa.bool_(),
        "INT": pa.int32(),
        "TIMESTAMP": pa.timestamp("us", tz="UTC"),
        "DECIMAL(38,4)": pa.decimal128(38, 4),
    }
    fields = [part.strip().split(" ", 1) for part in batch.RESULT_DDL.split(", ")]
    assert [(name, spark_types[kind]) for name, kind in fields] == [
        (f.name, f.type) for f in batch.RESULT_SCHEMA
    ]
    assert tuple(name for name, _ in fields) == batch.RESULT_COLUMNS


def test_outcomes_are_the_cancellation_outcomes() -> None:
    from csp_rules.cancellation import Outcome

    assert set(batch.OUTCOMES) == {o.value for o in Outcome}


def test_importing_batch_imports_no_dataframe_library() -> None:
    code = (
        "import sys, csp_rules.batch; "
        "print(sorted(m for m in ('pandas', 'polars', 'dask', 'pyspark') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_a_table_says_when_it_was_evaluated() -> None:
    """``evaluated_at`` on every row, and in the schema's metadata (so in a Parquet file written from it)."""
    import pyarrow.parquet as pq

    table = _arrow(_sample_rows()).replace_schema_metadata({b"mine": b"kept"})
    out = batch.evaluate(table, at=AT_SAMPLE)
    assert set(out.column("evaluated_at").to_pylist()) == {AT_SAMPLE}
    assert out.schema.metadata == {b"mine": b"kept", batch.EVALUATED_AT: AT_SAMPLE.isoformat().encode()}
    sink = pa.BufferOutputStream()
    pq.write_table(out, sink)
    back = pq.read_table(pa.BufferReader(sink.getvalue()))
    assert back.schema.metadata[batch.EVALUATED_AT] == b"2020-03-01T12:00:00+00:00"
