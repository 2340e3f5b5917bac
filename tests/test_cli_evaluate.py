"""``csp-rules evaluate``: the CLI's main job on the shipped example, outputs, summary, exit statuses."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pv
import pytest

from csp_rules import batch
from csp_rules.cli import evaluate as evaluate_command
from csp_rules.cli import main

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "one_time_purchases.csv"
AT = "2020-06-30T12:00:00Z"


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.parametrize(
    ("layout", "name"),
    [
        ("2020", "one_time_purchases.csv"),
        ("2019", "one_time_purchases_2019.csv"),
        ("api", "invoice_line_items.json"),
    ],
)
def test_the_shipped_examples_are_what_the_tool_makes(tmp_path: Path, layout: str, name: str) -> None:
    out = tmp_path / name
    subprocess.run(
        [sys.executable, str(ROOT / "tools" / "make_example_csv.py"), "--layout", layout, "--out", str(out)],
        check=True,
        capture_output=True,
    )
    assert out.read_bytes() == (ROOT / "examples" / name).read_bytes()


def test_the_example_shows_what_issue_13_names() -> None:
    """2020 layout; every line type; reservations with and without their ID; perpetual software with a
    blank term and no ChargeEndDate; Namibia written NA."""
    rows = _rows(EXAMPLE)
    assert {r["ChargeType"] for r in rows} >= {
        "New",
        "addQuantity",
        "renew",
        "Cancel",
        "removeQuantity",
        "Convert",
    }
    reservations = [r for r in rows if r["ProductName"].startswith("Reserved VM Instance")]
    assert {bool(r["ReservationOrderId"]) for r in reservations} == {True, False}
    assert any(r["TermAndBillingCycle"] == "" and r["ChargeEndDate"] == "" for r in rows)
    assert any(r["CustomerCountry"] == "NA" for r in rows)


def test_example_holds_every_outcome_and_some_bad_rows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "results.csv"
    assert main(["evaluate", str(EXAMPLE), "--at", AT, "-o", str(out)]) == 0
    rows = _rows(out)
    assert 2000 <= len(rows) == len(_rows(EXAMPLE))
    outcomes = Counter(r["cancellation_outcome"] for r in rows)
    assert set(outcomes) - {""} == set(batch.OUTCOMES) - {"not_permitted"}  # batch has no roles (R1.2)
    errors = Counter(r["error_code"] for r in rows if r["error_code"])
    assert {
        "error.unknown_market",
        "error.invalid_date",
        "error.invalid_amount",
        "error.missing_field",
    } <= set(errors)
    assert 0 < sum(errors.values()) < len(rows) // 20
    assert any(r["credit_amount"] for r in rows)
    summary = capsys.readouterr().out
    assert f"{len(rows):,} rows of" in summary
    for outcome in outcomes:
        if outcome:
            assert outcome in summary
    assert f"Rows in error: {sum(errors.values())}" in summary
    assert f"written to {out}" in summary


def test_csv_output_equals_batch_evaluate(tmp_path: Path) -> None:
    out = tmp_path / "results.csv"
    assert main(["evaluate", str(EXAMPLE), "--at", AT, "-o", str(out), "--quiet"]) == 0
    rows = _rows(out)
    names = _rows(EXAMPLE)[0].keys()
    table = pv.read_csv(
        EXAMPLE,
        convert_options=pv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.string()), null_values=[""], strings_can_be_null=True
        ),
    )
    from datetime import datetime

    expected = batch.evaluate(table, at=datetime.fromisoformat(AT.replace("Z", "+00:00"))).to_pylist()
    for got, want in zip(rows, expected, strict=True):
        assert got["cancellation_outcome"] == (want["cancellation_outcome"] or "")
        assert got["error_code"] == (want["error_code"] or "")
        assert got["days_left"] == ("" if want["days_left"] is None else str(want["days_left"]))
        deadline = want["cancel_deadline"]
        assert got["cancel_deadline"] == ("" if deadline is None else deadline.strftime("%Y-%m-%dT%H:%M:%SZ"))
        amount = want["credit_amount"]
        if amount is None:
            assert got["credit_amount"] == ""
        else:  # written with the currency's own decimals
            from csp_rules.facts import currency_digits

            assert got["credit_amount"] == f"{amount:.{currency_digits(want['credit_currency'])}f}"


def test_parquet_output_keeps_the_arrow_types(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    out = tmp_path / "results.parquet"
    assert main(["evaluate", str(EXAMPLE), "--at", AT, "-o", str(out), "--quiet"]) == 0
    table = pq.read_table(out)
    for field in batch.RESULT_SCHEMA:
        assert table.schema.field(field.name).type == field.type
    assert table.num_rows == len(_rows(EXAMPLE))


def test_results_do_not_depend_on_the_block_size(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    whole, blocks = tmp_path / "whole.csv", tmp_path / "blocks.csv"
    assert main(["evaluate", str(EXAMPLE), "--at", AT, "-o", str(whole), "--quiet"]) == 0
    monkeypatch.setattr(evaluate_command, "BLOCK_BYTES", 64 << 10)  # ~150 rows a block: many blocks
    assert main(["evaluate", str(EXAMPLE), "--at", AT, "-o", str(blocks), "--quiet"]) == 0
    assert whole.read_bytes() == blocks.read_bytes()


def test_piped_output_gets_the_rows_and_stderr_the_summary(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["evaluate", str(EXAMPLE), "--at", AT]) == 0  # pytest's stdout is not a terminal
    captured = capsys.readouterr()
    assert captured.out.startswith('"PartnerId","CustomerId"')
    assert len(captured.out.splitlines()) == len(_rows(EXAMPLE)) + 1
    assert "Cancellation outcomes" in captured.err
    assert "\r[" not in captured.err  # no progress bar when stderr is not a terminal


def test_on_a_terminal_the_summary_shows_and_rows_are_not_dumped(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdout", _Terminal())
    monkeypatch.setattr(sys, "stderr", _Terminal())
    assert main(["evaluate", str(EXAMPLE), "--at", AT]) == 0
    out, err = sys.stdout.getvalue(), sys.stderr.getvalue()  # type: ignore[attr-defined]
    assert "Cancellation outcomes" in out
    assert "PartnerId" not in out
    assert "give -o OUT.csv" in out
    assert "\r[" in err and "%" in err  # the progress bar, on standard error


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_french_summary(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["evaluate", str(EXAMPLE), "--at", AT, "--lang", "fr", "-o", str(tmp_path / "r.csv")]) == 0
    out = capsys.readouterr().out
    assert "lignes de" in out
    assert "Lignes en erreur" in out
    assert "Crédits que donneraient les règles si chaque ligne était annulée le" in out
    assert "avoir" not in out.lower()  # one word per idea: crédit (docs/glossary.rst)


def test_default_at_is_now_and_said_so(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["evaluate", str(EXAMPLE), "-o", str(tmp_path / "r.csv")]) == 0
    assert "(now)" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        ("market,order_id\nFR,O-1\n", "missing columns"),
        ("", "empty"),
        (None, "cannot open"),
    ],
    ids=["missing-columns", "empty-file", "no-such-file"],
)
def test_unreadable_input_exits_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str | None, needle: str
) -> None:
    path = tmp_path / "input.csv"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    assert main(["evaluate", str(path), "--at", AT, "-o", str(tmp_path / "out.csv")]) == 2
    err = capsys.readouterr().err
    assert needle in err
    assert len(err.strip().splitlines()) == 1


def test_missing_columns_are_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "input.csv"
    path.write_text("CustomerCountry,OrderId\nFR,O-1\n", encoding="utf-8")
    assert main(["evaluate", str(path), "--at", AT]) == 2
    err = capsys.readouterr().err
    assert "product_name (or ProductName)" in err and "purchased_at (or OrderDate)" in err


def test_a_broken_csv_row_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    header = EXAMPLE.read_text(encoding="utf-8").splitlines()[0]
    path = tmp_path / "broken.csv"
    path.write_text(header + "\nFR,only,three\n", encoding="utf-8")
    assert main(["evaluate", str(path), "--at", AT, "-o", str(tmp_path / "out.csv")]) == 2
    err = capsys.readouterr().err
    assert f"{path}: line 2: 3 values where the header has 40 columns" in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("args", [["--at", "yesterday"], ["--at", "2020-06-30T12:00:00"], ["-o", "out.xlsx"]])
def test_bad_flags_exit_2(
    args: list[str], capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["evaluate", str(EXAMPLE), *args]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_rows_in_error_do_not_change_the_exit_status(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(
        "market,order_id,product_name,kind,purchased_at\nAtlantis,O-1,Visio,perpetual_software,2020-03-01\n",
        encoding="utf-8",
    )
    assert main(["evaluate", str(path), "--at", AT, "-o", str(tmp_path / "out.csv"), "--quiet"]) == 0
    assert _rows(tmp_path / "out.csv")[0]["error_code"] == "error.unknown_market"


def test_summary_totals_are_exact_past_decimal128() -> None:
    """3,403 credits of 1e31 EUR summed to 3.403e34, not wrapped past 38 digits (it printed €1,000.00)."""
    from datetime import datetime, timezone
    from decimal import Decimal

    rows = 3403
    columns = {field.name: pa.nulls(rows, field.type) for field in batch.RESULT_SCHEMA}
    columns["credit_currency"] = pa.array(["EUR"] * rows)
    columns["credit_amount"] = pa.array([Decimal("1e31")] * rows, pa.decimal128(38, 4))
    summary = evaluate_command._Summary()
    summary.add(pa.table(columns))
    summary.add(pa.table(columns))  # and across tables
    assert summary.credits == {"EUR": Decimal("6.806e34")}

    class Source:
        name, path = "x.csv", Path("x.csv")

        def lines(self, rows: object) -> dict[int, int]:
            return {}

    out = io.StringIO()
    at = datetime(2020, 1, 1, tzinfo=timezone.utc)
    summary.print(out, "en", Source(), at, now=False, seconds=1.0, written=None)  # type: ignore[arg-type]
    assert "EUR  €68,060,000,000,000,000,000,000,000,000,000,000.00  (6,806 rows)" in out.getvalue()


def test_summary_names_versions_and_warns_after_the_verified_date(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """R11.4/R11.3 in the summary: one warning for rows judged after 2023-10-23, one note for rows in
    an uncertainty span whose other version answers otherwise; the versions used are named."""
    path = tmp_path / "in.csv"
    path.write_text(
        "order_id,kind,product_name,purchased_at,price,currency,market\n"
        "1,software_subscription,Office,2024-03-01T10:00:00Z,100.00,EUR,FR\n"
        "2,software_subscription,Office,2024-03-02T10:00:00Z,100.00,EUR,FR\n"
        "3,software_subscription,Office,2022-01-15T10:00:00Z,100.00,EUR,FR\n"
        "4,software_subscription,Office,2019-01-15T10:00:00Z,100.00,EUR,FR\n",
        encoding="utf-8",
    )
    out_csv = tmp_path / "r.csv"
    assert main(["evaluate", str(path), "--at", "2024-03-03T00:00:00Z", "-o", str(out_csv)]) == 0
    out = capsys.readouterr().out
    versions = [line.split() for line in out.splitlines() if line.startswith("  S20")]
    assert versions == [
        ["S2018", "(from", "2018-08-31)", "1", "row"],
        ["S2021-06-02", "(from", "2021-06-02)", "1", "row"],
        ["S2022-07-11", "(from", "2022-07-11)", "2", "rows"],
    ]
    warning = next(line for line in out.splitlines() if "Warning" in line)
    assert "2 rows were judged" in warning and "October 23, 2023" in warning and "R11.4" in warning
    assert sum("R11.3" in line for line in out.splitlines()) == 1
    reasons = [row["reasons"].split() for row in _rows(out_csv)]
    assert ["rules.unverified_after" in r for r in reasons] == [True, True, False, False]
    assert ["rules.change_date_uncertain" in r for r in reasons] == [False, False, True, False]
    path.write_text(
        path.read_text(encoding="utf-8").splitlines()[0] + "\n" + "4,software_subscription,"
        "Office,2019-01-15T10:00:00Z,100.00,EUR,FR\n",
        encoding="utf-8",
    )
    assert main(["evaluate", str(path), "--at", "2024-03-03T00:00:00Z", "-o", str(out_csv)]) == 0
    out = capsys.readouterr().out
    assert "Warning" not in out and "R11.3" not in out
