"""``csp_rules.batch.Summary`` (issue 19): the evaluate summary as a value, added block by block."""

from __future__ import annotations

import itertools
import json
import pickle
from datetime import datetime, timezone
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pv
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from csp_rules import batch
from csp_rules.batch import Summary, summarize

ROOT = Path(__file__).resolve().parent.parent
AT = datetime(2020, 6, 30, 12, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def results() -> pa.Table:
    table = pv.read_csv(
        ROOT / "examples" / "one_time_purchases.csv",
        convert_options=pv.ConvertOptions(strings_can_be_null=False, column_types={}, null_values=[""]),
        read_options=pv.ReadOptions(use_threads=False),
    )
    table = table.cast(pa.schema([pa.field(f.name, pa.string()) for f in table.schema]))
    out: pa.Table = batch.evaluate(table, at=AT)
    return out


def test_a_summary_counts_what_the_rows_say(results: pa.Table) -> None:
    s = summarize(results)
    assert s.rows == results.num_rows
    assert sum(s.row_types.values()) == s.rows
    assert s.outcomes == dict(
        (i["values"], i["counts"])
        for i in results.column("cancellation_outcome").value_counts().to_pylist()
        if i["values"] is not None
    )
    assert s.rows_in_error == results.column("error_code").drop_null().length()
    for code, (row, message) in s.examples.items():
        assert results.column("error_code")[row - 1].as_py() == code  # the first row with that code
        assert results.column("error_message")[row - 1].as_py() == message
    assert s.evaluated_at == AT
    assert s.version_starts["S2018"].isoformat() == "2018-08-31"


@settings(max_examples=25, deadline=None)
@given(cuts=st.lists(st.integers(0, 3000), max_size=4))
def test_summaries_add_up_block_by_block(results: pa.Table, cuts: list[int]) -> None:
    """The summary of the whole equals the sum of the summaries of any split into blocks (a monoid)."""
    bounds = [0, *sorted(c for c in cuts if c <= results.num_rows), results.num_rows]
    total = Summary()
    for lo, hi in itertools.pairwise(bounds):
        total = total + summarize(results.slice(lo, hi - lo))
    whole = summarize(results)
    assert total == whole
    assert total.credit_totals() == whole.credit_totals()


def test_a_summary_is_a_value(results: pa.Table) -> None:
    s = summarize(results)
    assert pickle.loads(pickle.dumps(s)) == s and hash(pickle.loads(pickle.dumps(s))) == hash(s)
    data = s.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["rows"] == s.rows and data["evaluated_at"] == "2020-06-30T12:00:00Z"
    assert Summary() + s == s == s + Summary()
    with pytest.raises(TypeError):
        summarize({"rows": 1})  # type: ignore[arg-type]


def test_text_in_both_languages_and_html(results: pa.Table) -> None:
    s = summarize(results)
    en, fr = "\n".join(s.text("en")), "\n".join(s.text("fr"))
    assert "Rule versions that judged the rows" in en and "S2018 (from 2018-08-31)" in en
    assert "if every row were cancelled at Jun 30, 2020" in en and "not credits due" in en
    assert "Versions des règles qui ont jugé les lignes" in fr and "annulable maintenant" in fr
    assert "(1 rows)" not in en and "(1 lignes)" not in fr
    html = s._repr_html_()
    assert html.startswith("<div>") and "Cancellation outcomes" in html and "self_service" in html
    assert "<script" not in html
