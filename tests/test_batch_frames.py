"""csp_rules.batch with DataFrames and records (issue 13): the pandas accessor and the polars namespace,
registered on import without importing either library; a polars LazyFrame evaluated lazily; Dask's
recipe to Parquet, end to end; API line items as records and JSON files.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from csp_rules import batch
from csp_rules.errors import InvalidAmountError, InvalidInputError, MissingColumnsError

UTC = timezone.utc
AT = datetime(2020, 6, 30, 12, tzinfo=UTC)
ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "one_time_purchases.csv"
RESULTS = list(batch.RESULT_COLUMNS)


def _run(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=300
    )
    return done.stdout.strip()


def test_importing_csp_rules_registers_nothing() -> None:
    code = "import csp_rules, pandas as pd; print(hasattr(pd.DataFrame, 'csp'))"
    assert _run(code) == "False"


@pytest.mark.parametrize("first", ["batch", "frames"])
def test_the_accessor_and_namespaces_whichever_is_imported_first(first: str) -> None:
    """``import csp_rules.batch`` then pandas and polars, or the other way round: ``df.csp`` works;
    importing batch alone imports neither."""
    imports = ["import csp_rules.batch", "import pandas as pd, polars as pl"]
    if first == "frames":
        imports.reverse()
    code = "; ".join(
        [
            "import sys",
            imports[0],
            "alone = sorted(m for m in ('pandas', 'polars') if m in sys.modules)",
            imports[1],
            "import pandas as pd, polars as pl",
            "from datetime import datetime, timezone",
            "at = datetime(2020, 3, 2, tzinfo=timezone.utc)",
            "d = {'market': ['FR'], 'order_id': ['O'], 'product_name': ['Visio'], "
            "'kind': ['perpetual_software'], 'purchased_at': ['2020-03-01']}",
            "a = pd.DataFrame(d).csp.evaluate(at=at)['days_left'].tolist()",
            "b = pl.DataFrame(d).csp.evaluate(at=at)['days_left'].to_list()",
            "c = pl.LazyFrame(d).csp.evaluate(at=at).collect()['days_left'].to_list()",
            "print(alone if imports_first_batch else [], a, b, c)".replace(
                "imports_first_batch", str(first == "batch")
            ),
        ]
    )
    assert _run(code) == "[] [59] [59] [59]"


def test_the_accessor_takes_every_argument_of_evaluate() -> None:
    import pandas as pd

    df = pd.read_csv(EXAMPLE, dtype=str, keep_default_na=False, na_values=[""])
    out = df.csp.evaluate(at=AT, lang="fr")
    direct = batch.evaluate(df, at=AT, lang="fr")
    pd.testing.assert_frame_equal(out, direct)
    assert (
        out["explanation"]
        .dropna()
        .iloc[0]
        .startswith(("Annulation", "Trop tard", "Uniquement", "Ni annulable", "Non couvert"))
    )


def test_pandas_keeps_na_when_read_as_documented() -> None:
    import pandas as pd

    df = pd.read_csv(EXAMPLE, dtype=str, keep_default_na=False, na_values=[""])
    out = df.csp.evaluate(at=AT)
    namibia = out[out["CustomerCountry"] == "NA"]
    assert len(namibia) and set(namibia["market_code"].dropna()) == {"NA"}
    # the credit is exact (an Arrow decimal column), not an object column of floats
    assert str(out["credit_amount"].dtype) == "decimal128(38, 4)[pyarrow]"
    assert isinstance(out["credit_amount"].dropna().iloc[0], Decimal)


# --- polars LazyFrame -----------------------------------------------------------------------


def test_a_lazy_frame_stays_lazy_and_declares_its_schema(monkeypatch: pytest.MonkeyPatch) -> None:
    import polars as pl

    calls: list[int] = []
    real = batch.results  # what every evaluation computes its columns with

    def counting(columns: Any, n: int, *args: Any) -> Any:
        calls.append(n)
        return real(columns, n, *args)

    monkeypatch.setattr(batch, "results", counting)
    lazy = pl.scan_csv(EXAMPLE, infer_schema=False)
    result = batch.evaluate(lazy, at=AT)
    assert isinstance(result, pl.LazyFrame)
    schema = result.collect_schema()
    assert not calls  # the schema is declared, not computed
    assert schema.names() == [c for c in lazy.collect_schema().names()] + RESULTS
    eager = batch.evaluate(pl.read_csv(EXAMPLE, infer_schema=False), at=AT)
    calls.clear()
    collected = result.collect()
    assert calls  # evaluated at collect
    assert collected.schema == schema
    assert collected.equals(eager)
    assert result.collect(engine="streaming").equals(eager)
    assert (
        result.filter(pl.col("row_type") == "credit").collect().height
        == eager.filter(pl.col("row_type") == "credit").height
    )


def test_a_lazy_frame_without_its_columns_is_refused_at_once() -> None:
    import polars as pl

    with pytest.raises(MissingColumnsError):
        batch.evaluate(pl.LazyFrame({"market": ["FR"]}), at=AT)


def test_a_lazy_frame_with_a_float_price_fails_at_collect_with_the_library_error() -> None:
    import polars as pl

    lazy = pl.LazyFrame(
        {
            "market": ["FR"],
            "order_id": ["O"],
            "product_name": ["Visio"],
            "kind": ["perpetual_software"],
            "purchased_at": ["2020-03-01"],
            "price": [1.5],
            "currency": ["EUR"],
        }
    )
    with pytest.raises(InvalidAmountError):
        batch.evaluate(lazy, at=AT).collect()


# --- Dask -----------------------------------------------------------------------------------


def test_the_dask_recipe_runs_to_parquet(tmp_path: Path) -> None:
    """docs/howto_batch.rst's recipe, end to end: read in partitions, evaluate, write Parquet, read back."""
    import dask
    import dask.dataframe as dd
    import pyarrow.parquet as pq

    lines = dd.read_csv(str(EXAMPLE), dtype=str, keep_default_na=False, na_values=[""], blocksize=150_000)
    assert lines.npartitions > 1
    meta = batch.evaluate(lines._meta, at=AT)
    results = lines.map_partitions(batch.evaluate, at=AT, meta=meta)
    with dask.config.set(scheduler="synchronous"):
        results.to_parquet(str(tmp_path / "evaluated"), write_index=False)
    table = pq.read_table(tmp_path / "evaluated")
    import pyarrow.csv as pv

    names = pv.read_csv(EXAMPLE, read_options=pv.ReadOptions(block_size=1 << 20)).column_names
    alone = batch.evaluate(
        pv.read_csv(
            EXAMPLE,
            convert_options=pv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()), null_values=[""], strings_can_be_null=True
            ),
        ),
        at=AT,
    )
    assert table.num_rows == alone.num_rows
    assert table.schema.field("credit_amount").type == pa.decimal128(38, 4)
    got = table.select(RESULTS).to_pylist()
    want = alone.select(RESULTS).to_pylist()
    assert got == want


# --- records and JSON -----------------------------------------------------------------------


def _items() -> list[dict[str, Any]]:
    return [
        {
            "customerCountry": "FR",
            "orderId": "a1",
            "orderDate": "2020-06-01T10:00:00Z",
            "productName": "Office 365 E3",
            "chargeType": "New",
            "subtotal": Decimal("120.00"),
            "currency": "EUR",
            "chargeStartDate": "2020-06-01T00:00:00",
            "chargeEndDate": "2021-05-31T23:59:59",
            "termAndBillingCycle": "1 Year, Monthly",
            "attributes": {"objectType": "OneTimeInvoiceLineItem"},
        },
        {
            "customerCountry": "NA",
            "orderId": "a2",
            "orderDate": "2020-06-01T10:00:00Z",
            "productName": "Visio Professional 2019",
            "chargeType": "cancel",
            "subtotal": Decimal("-589"),
            "currency": "NAD",
            "termAndBillingCycle": "One-Time",
            "extra": None,
        },
    ]


def test_records_in_records_out() -> None:
    items = _items()
    out = batch.evaluate(items, at=AT)
    assert isinstance(out, list) and len(out) == 2
    assert out[0]["orderId"] == "a1" and out[0]["attributes"] == {"objectType": "OneTimeInvoiceLineItem"}
    assert out[0]["row_type"] == "purchase" and out[0]["credit_amount"] == Decimal("110.4700")
    assert out[1]["row_type"] == "credit" and out[1]["error_code"] is None
    assert items == _items()  # the records themselves are left alone
    assert list(out[0])[: len(items[0])] == list(items[0])


def test_records_with_a_float_price_are_refused() -> None:
    items = _items()
    items[0]["subtotal"] = 120.0
    with pytest.raises(InvalidAmountError, match="parse_float"):
        batch.evaluate(items, at=AT)


@pytest.mark.parametrize("form", ["array", "page", "lines", "one"])
def test_read_json_reads_every_form_alike(tmp_path: Path, form: str) -> None:
    items = [{k: (str(v) if isinstance(v, Decimal) else v) for k, v in i.items()} for i in _items()]
    for item in items:
        item["subtotal"] = float(item["subtotal"])  # written as JSON numbers
    text = {
        "array": json.dumps(items),
        "page": json.dumps({"totalCount": 2, "items": items, "links": {}}),
        "lines": "\n".join(json.dumps(i) for i in items) + "\n",
        "one": json.dumps(items[0]),
    }[form]
    path = tmp_path / ("items.jsonl" if form == "lines" else "items.json")
    path.write_text(text, encoding="utf-8")
    table = batch.read_json(path)
    assert all(pa.types.is_string(t) for t in table.schema.types)
    assert table.column("orderId").to_pylist()[:1] == ["a1"]
    assert table.column("subtotal").to_pylist()[0] == "120.0"  # the number's own text: exact
    assert table.column("attributes").to_pylist()[0] == '{"objectType": "OneTimeInvoiceLineItem"}'
    out = batch.evaluate(table, at=AT)
    assert out.column("credit_amount").to_pylist()[0] == Decimal("110.4700")


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("", "empty"),
        ("[1, 2]", "item 1: expected an object"),
        ('{"a": 1}\n[2]', "line 2: expected an object"),
        ("[{]", "line 1, column 3: not JSON"),
        ('[{"a": NaN}]', "not JSON"),
        ("42", "expected an array"),
    ],
)
def test_read_json_refuses_what_is_not_line_items(tmp_path: Path, text: str, needle: str) -> None:
    path = tmp_path / "items.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidInputError, match=needle):
        batch.read_json(path)


def test_read_json_refuses_what_cannot_be_read(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="cannot read"):
        batch.read_json(tmp_path / "missing.json")
    with pytest.raises(InvalidInputError, match="directory"):
        batch.read_json(tmp_path)
    (tmp_path / "latin1.json").write_bytes('[{"a": "é"}]'.encode("latin-1"))
    with pytest.raises(InvalidInputError, match="not UTF-8"):
        batch.read_json(tmp_path / "latin1.json")
    with pytest.raises(TypeError):
        batch.read_json(42)  # type: ignore[arg-type]
