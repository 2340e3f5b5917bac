"""``csp-rules evaluate`` on files as people have them (issue 13): delimiters, BOM and CRLF, Excel's
day-first dates and decimal commas, JSON of the API, standard input; nulls that are empty cells only;
the summary as JSON, its split of support requests and kinds by source; ``evaluated_at``.

The golden files ``tests/cases/batch/files/lines_*`` hold the same seventeen rows (those of
``reconciliation_2020.tsv`` evaluated on 2020-03-11) in each form; their expected results are that
table's ``want_*`` columns, worked out by hand.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from csp_rules import batch
from csp_rules.cli import main

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "tests" / "cases" / "batch"
FILES = CASES / "files"
AT = "2020-03-11T00:00:00Z"


def _golden() -> list[dict[str, str]]:
    lines = [
        line
        for line in (CASES / "reconciliation_2020.tsv").read_text(encoding="utf-8").splitlines(keepends=True)
        if not line.startswith("#")
    ]
    return [c for c in csv.DictReader(lines, delimiter="\t") if c["at"] == AT]


GOLDEN = _golden()
#: each form of the rows, with the flags it needs
FORMS = {
    "lines_comma.csv": [],
    "lines_tab.tsv": [],
    "lines_bom_crlf.csv": [],
    "lines_semicolon_excel.csv": ["--date-order", "dmy", "--decimal-comma"],
    "lines_page.json": [],
    "lines_array.json": [],
    "lines.jsonl": [],
}
#: the result columns compared between forms (messages name the columns, which differ in JSON)
COMPARED = [c for c in batch.RESULT_COLUMNS if c != "error_message"]


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _evaluate(tmp_path: Path, source: Path, *flags: str) -> list[dict[str, str]]:
    out = tmp_path / f"{source.name}.out.csv"
    assert main(["evaluate", str(source), "--at", AT, "-o", str(out), "--quiet", *flags]) == 0
    return _rows(out)


@pytest.mark.parametrize("name", list(FORMS))
def test_every_form_gives_the_hand_worked_results(tmp_path: Path, name: str) -> None:
    got = _evaluate(tmp_path, FILES / name, *FORMS[name])
    assert len(got) == len(GOLDEN)
    for row, case in zip(got, GOLDEN, strict=True):
        for key, want in case.items():
            if not key.startswith("want_"):
                continue
            column = key.removeprefix("want_")
            if column == "credit_amount" and want:
                assert Decimal(row[column]) == Decimal(want), (name, case["case"])
            else:
                assert row[column] == want, (name, case["case"], column, row["error_message"])
        assert row["evaluated_at"] == "2020-03-11T00:00:00Z"


def test_every_form_gives_the_same_rows_json_and_csv_alike(tmp_path: Path) -> None:
    results = {
        name: [{c: r[c] for c in COMPARED} for r in _evaluate(tmp_path, FILES / name, *flags)]
        for name, flags in FORMS.items()
    }
    first = results["lines_comma.csv"]
    for name, rows in results.items():
        assert rows == first, name


def test_json_numbers_are_exact_decimals(tmp_path: Path) -> None:
    """A JSON number is read as its decimal text: 0.1 + 0.2 is 0.3, never 0.30000000000000004."""
    item = {
        "customerCountry": "FR",
        "orderId": "o",
        "orderDate": "2020-03-01T10:00:00",
        "productName": "Visio Professional 2019",
        "chargeType": "New",
        "currency": "EUR",
        "termAndBillingCycle": "One-Time",
    }
    path = tmp_path / "one.json"
    path.write_text(json.dumps([item])[:-2] + ', "subtotal": 1234567890123.45}]', encoding="utf-8")
    table = batch.read_json(path)
    assert table.column("subtotal").to_pylist() == ["1234567890123.45"]
    got = _evaluate(tmp_path, path)
    assert got[0]["credit_amount"] == "1234567890123.45"


def test_a_delimiter_is_sniffed_from_the_header_and_can_be_given(tmp_path: Path) -> None:
    semicolon = FILES / "lines_semicolon_excel.csv"
    flags = FORMS["lines_semicolon_excel.csv"]
    assert _evaluate(tmp_path, semicolon, *flags) == _evaluate(
        tmp_path, semicolon, "--delimiter", ";", *flags
    )
    # told the wrong one, the header is one column: the missing columns are named, nothing guessed
    out = io.StringIO()
    err = io.StringIO()
    import contextlib

    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(
            ["evaluate", str(semicolon), "--at", AT, "--delimiter", "tab", "-o", str(tmp_path / "x.csv")]
        )
    assert status == 2
    assert "missing columns" in err.getvalue()


def test_a_bad_delimiter_flag_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["evaluate", str(FILES / "lines_comma.csv"), "--delimiter", "|"])
    assert exit_info.value.code == 2
    assert "expected ',', ';' or 'tab'" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("cell", "code", "market"),
    [
        ("NA", "", "NA"),  # Namibia
        ("N/A", "error.unknown_market", ""),
        ("NULL", "error.unknown_market", ""),
        ("nan", "error.unknown_market", ""),
        ("null", "error.unknown_market", ""),
        ("", "error.missing_field", ""),
        ('""', "error.missing_field", ""),
    ],
)
def test_only_an_empty_cell_is_null(tmp_path: Path, cell: str, code: str, market: str) -> None:
    path = tmp_path / "in.csv"
    path.write_text(
        "market,order_id,product_name,kind,purchased_at,price,currency\n"
        f"{cell},O-1,Visio Professional 2019,perpetual_software,2020-03-01,10.00,NAD\n",
        encoding="utf-8",
    )
    row = _evaluate(tmp_path, path)[0]
    assert (row["error_code"], row["market_code"]) == (code, market)
    assert row["market"] == ("" if cell in ("", '""') else cell)  # the cell is kept as it was


def test_text_columns_keep_na_as_text(tmp_path: Path) -> None:
    """Not only markets: every column reads NA, N/A or NULL as the text it is."""
    path = tmp_path / "in.csv"
    path.write_text(
        "market,order_id,product_name,kind,purchased_at,note\nFR,NA,N/A,perpetual_software,2020-03-01,NULL\n",
        encoding="utf-8",
    )
    row = _evaluate(tmp_path, path)[0]
    assert (row["order_id"], row["product_name"], row["note"], row["error_code"]) == ("NA", "N/A", "NULL", "")


def _cli(*args: str, stdin: bytes) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "csp_rules", "evaluate", *args],
        input=stdin,
        capture_output=True,
        timeout=300,
        check=False,
    )


@pytest.mark.parametrize("name", ["lines_comma.csv", "lines_page.json", "lines.jsonl"])
def test_standard_input_reads_as_the_file(tmp_path: Path, name: str) -> None:
    source = FILES / name
    from_file = _cli(str(source), "--at", AT, "-o", "-", "--quiet", stdin=b"")
    piped = _cli("-", "--at", AT, "-o", "-", "--quiet", stdin=source.read_bytes())
    assert from_file.returncode == piped.returncode == 0, piped.stderr
    assert piped.stdout == from_file.stdout
    with_summary = _cli("-", "--at", AT, stdin=source.read_bytes())
    assert with_summary.returncode == 0
    assert b"rows of standard input evaluated" in with_summary.stderr


def test_standard_input_on_a_terminal_is_refused(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    class Terminal(io.BytesIO):
        def isatty(self) -> bool:
            return True

    class Stdin(io.TextIOWrapper):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(sys, "stdin", Stdin(Terminal()))
    assert main(["evaluate", "-", "--at", AT]) == 2
    assert "standard input is a terminal" in capsys.readouterr().err


def test_a_broken_json_file_is_refused_with_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "items.json"
    path.write_text('[{"orderId": "a"},\n {"orderId": "b",}\n]', encoding="utf-8")
    assert main(["evaluate", str(path), "--at", AT, "-o", str(tmp_path / "o.csv")]) == 2
    err = capsys.readouterr().err
    assert f"{path}: line 2, column" in err and "not JSON" in err
    assert len(err.strip().splitlines()) == 1


def test_the_summary_as_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "r.csv"
    assert main(["evaluate", str(FILES / "lines_comma.csv"), "--at", AT, "-o", str(out), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    rows = _rows(out)
    assert summary["rows"] == len(rows) == len(GOLDEN)
    assert summary["evaluated_at"] == AT
    assert summary["row_types"] == {"purchase": 16, "credit": 1}
    errors = {r["error_code"] for r in rows if r["error_code"]}
    assert set(summary["errors"]) == errors
    assert summary["rows_in_error"] == sum(1 for r in rows if r["error_code"])
    for code, facts in summary["errors"].items():
        line = facts["example"]["line"]
        assert rows[facts["example"]["row"] - 1]["error_code"] == code
        assert line == facts["example"]["row"] + 1  # the header is line 1, one line a row
    outcomes = {o: sum(1 for r in rows if r["cancellation_outcome"] == o) for o in batch.OUTCOMES}
    assert summary["outcomes"] == {o: n for o, n in outcomes.items() if n}
    assert summary["support_request_by_reason"] == {"cancellation.support_request_esu": 1}
    assert summary["kinds_by_source"]["reservation_name"] == {"azure_reservation": 1}
    assert summary["kinds_by_source"]["blank_term_no_end"] == {"perpetual_software": 1}
    for currency, credit in summary["credits_if_cancelled_at"].items():
        total = sum(Decimal(r["credit_amount"]) for r in rows if r["credit_currency"] == currency)
        assert Decimal(credit["amount"]) == total
    assert summary["written"] == str(out)


def test_the_text_summary_splits_support_requests_and_says_what_told_the_kinds(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["evaluate", str(FILES / "lines_comma.csv"), "--at", AT, "-o", str(tmp_path / "r.csv")]) == 0
    text = capsys.readouterr().out
    assert "cancellation.support_request_esu" in text
    assert "reservation wording in a name" in text and "no term and no ChargeEndDate" in text
    assert "credit lines, not judged" in text
    assert "error.unknown_kind" in text


def test_parquet_says_when_the_rows_were_evaluated(tmp_path: Path) -> None:
    out = tmp_path / "r.parquet"
    assert main(["evaluate", str(FILES / "lines_comma.csv"), "--at", AT, "-o", str(out), "--quiet"]) == 0
    table = pq.read_table(out)
    assert table.schema.metadata[b"csp_rules.evaluated_at"] == b"2020-03-11T00:00:00+00:00"
    assert table.schema.field("evaluated_at").type == pa.timestamp("us", tz="UTC")
    assert {v.isoformat() for v in table.column("evaluated_at").to_pylist()} == {"2020-03-11T00:00:00+00:00"}


def test_explanations_follow_the_language(tmp_path: Path) -> None:
    english = _evaluate(tmp_path, FILES / "lines_comma.csv")
    french = _evaluate(tmp_path, FILES / "lines_comma.csv", "--lang", "fr")
    assert english[0]["explanation"].startswith("Self-service cancellation")
    assert french[0]["explanation"].startswith("Annulation en libre-service")
    assert [r["reasons"] for r in english] == [r["reasons"] for r in french]


def test_the_examples_in_every_layout_give_the_same_results(tmp_path: Path) -> None:
    """The shipped example in the 2020 layout, the 2019 one (en-US dates, no ReservationOrderId) and
    as API line items: the same rows, the same results."""
    examples = ROOT / "examples"
    at = "2020-06-30T12:00:00Z"
    results = []
    for name in ("one_time_purchases.csv", "one_time_purchases_2019.csv", "invoice_line_items.json"):
        out = tmp_path / f"{name}.csv"
        assert main(["evaluate", str(examples / name), "--at", at, "-o", str(out), "--quiet"]) == 0
        results.append([{c: r[c] for c in COMPARED if c != "kind_source"} for r in _rows(out)])
    assert results[0] == results[1] == results[2]


def test_quoted_line_breaks_in_every_row_of_a_semicolon_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Excel's export: ';', CRLF, and a line break in quotes in every row, over many read blocks."""
    from csp_rules.cli import evaluate as evaluate_command

    monkeypatch.setattr(evaluate_command, "BLOCK_BYTES", 64 << 10)
    monkeypatch.setattr(evaluate_command, "CHUNK_ROWS", 3000)
    path = tmp_path / "excel.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh, delimiter=";", lineterminator="\r\n")
        writer.writerow(
            ["CustomerCountry", "OrderId", "OrderDate", "ProductName", "TermAndBillingCycle", "Note"]
        )
        for i in range(20_000):
            writer.writerow(["NA" if i % 5 == 0 else "FR", f"O-{i}", "3/1/2020 10:00:00 AM", "Visio Professional 2019",
                             "One-Time", f"line one; {i}\r\nline two \"quoted\""])  # fmt: skip
    rows = _evaluate(tmp_path, path)
    assert len(rows) == 20_000
    assert [r["OrderId"] for r in rows[:3]] == ["O-0", "O-1", "O-2"]
    assert rows[-1]["Note"] == 'line one; 19999\r\nline two "quoted"'
    assert {r["error_code"] for r in rows} == {""}
    assert {r["market_code"] for r in rows} == {"NA", "FR"}
