"""``csp-rules evaluate`` reading CSV as people write it (issue 14): quoted line breaks anywhere,
large cells, blank lines before the header, a header alone; and what it refuses, said in the
library's words with the line an editor shows (one number per message, never Arrow's "Row #")."""

from __future__ import annotations

import csv
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from _cli import one_line_error
from csp_rules.cli import evaluate as evaluate_command
from csp_rules.cli import main

AT = "2020-06-30T12:00:00Z"
HEADER = ["market", "order_id", "product_name", "kind", "purchased_at", "note"]
GOOD = ["FR", "O-1", "Visio Professional 2019", "perpetual_software", "2020-06-01", "ok"]
BAD_MARKET = ["Atlantis", "O-2", "Visio Professional 2019", "perpetual_software", "2020-06-01", "bad"]
#: words of Arrow's or Python's own that a user must never see
FOREIGN = ("straddl", "newlines_in_values", "CSV parse error", "Row #", "Arrow", "Traceback", "datetime.")


def _csv_text(rows: list[list[str]], *, before: str = "") -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([HEADER, *rows])
    return before + out.getvalue()


def _evaluate(capsys: pytest.CaptureFixture[str], path: Path, out: Path, *extra: str) -> tuple[int, str, str]:
    status = main(["evaluate", str(path), "--at", AT, "-o", str(out), *extra])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def _read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _example_lines(summary: str) -> dict[str, int]:
    """``{error code: line}`` from the summary's "e.g. line N: ..." examples."""
    found = {}
    for code, line in re.findall(r"^\s+(error\.\w+)\s+[\d,]+\s+e\.g\. line ([\d,]+):", summary, re.M):
        found[code] = int(line.replace(",", ""))
    return found


def _line_of(text: str, marker: str) -> int:
    """The line (from 1) where ``marker`` starts in ``text``, as an editor counts."""
    return text[: text.index(marker)].count("\n") + 1


def _no_foreign_words(err: str) -> None:
    for word in FOREIGN:
        assert word not in err, (word, err)


# --- what is read ------------------------------------------------------------------------------


@pytest.mark.parametrize("block_bytes", [evaluate_command.BLOCK_BYTES, 4096])
def test_quoted_line_breaks_anywhere_are_read_and_kept(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, block_bytes: int
) -> None:
    monkeypatch.setattr(evaluate_command, "BLOCK_BYTES", block_bytes)  # 4 kB: breaks across blocks too
    rows = []
    for i in range(400):
        note = "line one\nline two\r\nline three" if i % 7 == 0 else f"note {i}"
        name = "Visio\nProfessional 2019" if i % 11 == 0 else "Visio Professional 2019"
        rows.append(["FR", f"O-{i}", name, "perpetual_software", "2020-06-01", note])
    path, out = tmp_path / "in.csv", tmp_path / "out.csv"
    path.write_text(_csv_text(rows), encoding="utf-8", newline="")
    status, _, err = _evaluate(capsys, path, out, "--quiet")
    assert (status, err) == (0, "")
    got = _read_rows(out)
    assert [r["note"] for r in got] == [r[5] for r in rows]
    assert [r["order_id"] for r in got] == [r[1] for r in rows]
    assert all(r["error_code"] == "" for r in got)  # a name with a line break is still the product


def test_a_cell_larger_than_a_block_is_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(evaluate_command, "BLOCK_BYTES", 16 << 10)
    big = "x" * (200 << 10) + "\n" + "y" * 1000  # 200 kB with a line break: many blocks long
    rows = [GOOD] * 50 + [[*GOOD[:5], big]] + [GOOD] * 50
    path, out = tmp_path / "in.csv", tmp_path / "out.csv"
    path.write_text(_csv_text(rows), encoding="utf-8", newline="")
    status, _, err = _evaluate(capsys, path, out, "--quiet")
    assert (status, err) == (0, "")
    import pyarrow.csv as pv

    got = pv.read_csv(out).column("note").to_pylist()  # Python's csv module stops at 128 kB cells
    assert len(got) == 101
    assert got[50] == big


def test_a_row_longer_than_the_limit_is_refused_with_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(evaluate_command, "BLOCK_BYTES", 16 << 10)
    monkeypatch.setattr(evaluate_command, "MAX_ROW_BYTES", 32 << 10)
    # a row of 1.5 times the limit early on may be read; one of 4 times it cannot be
    rows = [GOOD] * 30 + [[*GOOD[:5], "y" * (48 << 10)]] + [GOOD] * 30 + [[*GOOD[:5], "z" * (128 << 10)]]
    path, out = tmp_path / "in.csv", tmp_path / "out.csv"
    path.write_text(_csv_text(rows + [GOOD] * 5), encoding="utf-8", newline="")
    err = one_line_error(*_evaluate(capsys, path, out))
    assert f"{path}: line 63: a row longer than 32 KiB, the most a row may hold" in err
    _no_foreign_words(err)
    assert not out.exists()


def test_blank_lines_before_the_header_read_fine(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = [GOOD, BAD_MARKET, GOOD]
    plain, blank = tmp_path / "plain.csv", tmp_path / "blank.csv"
    plain.write_text(_csv_text(rows), encoding="utf-8", newline="")
    blank.write_text(_csv_text(rows, before="\n\r\n\n"), encoding="utf-8", newline="")
    status, summary_plain, _ = _evaluate(capsys, plain, tmp_path / "a.csv")
    assert status == 0
    status, summary_blank, err = _evaluate(capsys, blank, tmp_path / "b.csv")
    assert (status, err) == (0, "")
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    # the example is on line 3 of the plain file, and three lines further down in the other
    assert _example_lines(summary_plain) == {"error.unknown_market": 3}
    assert _example_lines(summary_blank) == {"error.unknown_market": 6}


@pytest.mark.parametrize(
    "text",
    [",".join(HEADER), ",".join(HEADER) + "\n", ",".join(HEADER) + "\r\n\r\n\n", "\n\n" + ",".join(HEADER)],
    ids=["no-final-newline", "final-newline", "blank-lines-after", "blank-lines-before"],
)
def test_a_header_alone_is_zero_rows(tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str) -> None:
    path, out = tmp_path / "in.csv", tmp_path / "out.csv"
    path.write_text(text, encoding="utf-8", newline="")
    status, summary, err = _evaluate(capsys, path, out)
    assert (status, err) == (0, "")
    assert summary.startswith("0 rows of")
    assert out.read_text(encoding="utf-8").splitlines()[0].startswith('"market","order_id"')
    assert _read_rows(out) == []


def test_a_byte_order_mark_is_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path, out = tmp_path / "in.csv", tmp_path / "out.csv"
    path.write_bytes(b"\xef\xbb\xbf" + _csv_text([GOOD, BAD_MARKET]).encode())
    status, summary, _ = _evaluate(capsys, path, out)
    assert status == 0
    assert [r["market_code"] for r in _read_rows(out)] == ["FR", ""]
    assert _example_lines(summary) == {"error.unknown_market": 3}


# --- line numbers ------------------------------------------------------------------------------


def test_a_late_broken_row_is_named_by_its_line_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Arrow counted this row as "Row #2905" and the old message said "row 2601 ... Row #2905"."""
    monkeypatch.setattr(evaluate_command, "BLOCK_BYTES", 32 << 10)
    monkeypatch.setattr(evaluate_command, "CHUNK_ROWS", 500)
    rows: list[list[str]] = []
    for i in range(3000):
        rows.append([*GOOD[:5], "two\nlines" if i % 10 == 0 else "one"])
    text = _csv_text(rows, before="\n\n")
    lines = text.split("\n")
    marker = "FR,O-1,Visio Professional 2019,perpetual_software,2020-06-01,one"
    target = [i for i, line in enumerate(lines) if line == marker][2600]
    lines[target] = "FR,only,three"  # three values where the header has six
    text = "\n".join(lines)
    path, out = tmp_path / "in.csv", tmp_path / "out.csv"
    path.write_text(text, encoding="utf-8", newline="")
    err = one_line_error(*_evaluate(capsys, path, out))
    line = _line_of(text, "FR,only,three")
    assert err.startswith(f"csp-rules: error: {path}: line {line}: 3 values where the header has 6 columns")
    assert len(re.findall(r"\d+", err.replace(str(path), ""))) == 3  # the line, 3 and 6: one row number
    _no_foreign_words(err)


def test_summary_examples_give_the_line_an_editor_shows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(evaluate_command, "CHUNK_ROWS", 100)
    rows = []
    for i in range(1000):
        note = "a\nb\nc" if i % 3 == 0 else "x"
        rows.append(["FR", f"O-{i}", "Visio Professional 2019", "perpetual_software", "2020-06-01", note])
    rows[700] = ["FR", "O-700", "Visio Professional 2019", "perpetual_software", "31/02/2020", "date"]
    rows[901] = ["Atlantis", "O-901", "Visio Professional 2019", "perpetual_software", "2020-06-01", "mkt"]
    text = _csv_text(rows, before="\n")
    path = tmp_path / "in.csv"
    path.write_text(text, encoding="utf-8", newline="")
    status, summary, _ = _evaluate(capsys, path, tmp_path / "out.csv")
    assert status == 0
    assert _example_lines(summary) == {
        "error.invalid_date": _line_of(text, "FR,O-700,"),
        "error.unknown_market": _line_of(text, "Atlantis,O-901,"),
    }


_cells = st.lists(st.sampled_from(["a", "b", ",", '"', "\n", "\r\n", " ", "é"]), max_size=8).map("".join)


@settings(max_examples=60, deadline=None)
@given(
    table=st.lists(st.lists(_cells, min_size=3, max_size=3), min_size=1, max_size=25),
    blanks=st.lists(st.integers(0, 2), min_size=26, max_size=26),
)
def test_the_line_of_every_row_is_where_it_starts(table: list[list[str]], blanks: list[int]) -> None:
    """Rows written by Python's csv module, blank lines between them: each row's line is found."""
    import tempfile

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    starts = []
    text = "\n" * blanks[0] + "x,y,z\n"
    for i, row in enumerate(table, start=1):
        if row == [""] * 3:
            row = ["", "", "-"]  # a row of empty values is written as ",,": not blank, but keep it simple
        out.seek(0)
        out.truncate()
        writer.writerow(row)
        text += "\n" * blanks[i]
        starts.append(text.count("\n") + 1)
        text += out.getvalue()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "t.csv"
        path.write_text(text, encoding="utf-8", newline="")
        lines = evaluate_command._lines_of_rows(path, range(1, len(table) + 1))
    assert [lines[i] for i in range(1, len(table) + 1)] == starts


# --- what is refused, in the library's words ------------------------------------------------------


def test_text_that_is_not_utf8_is_refused_with_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, out = tmp_path / "in.csv", tmp_path / "out.csv"
    body = _csv_text([GOOD] * 4).encode() + b"FR,O-9,Visio \xff\xfe,perpetual_software,2020-06-01,x\n"
    path.write_bytes(body)
    err = one_line_error(*_evaluate(capsys, path, out))
    assert f"{path}: line 6: not UTF-8 text" in err
    _no_foreign_words(err)


def test_a_header_that_is_not_utf8_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes(b"market,order_id,product_name,kind,purchased_at,Pr\xe9nom\n")
    err = one_line_error(*_evaluate(capsys, path, tmp_path / "out.csv"))
    assert "line 1: the header is not UTF-8 text" in err


def test_blank_lines_only_is_an_empty_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "in.csv"
    path.write_text("\n\n\r\n", encoding="utf-8", newline="")
    err = one_line_error(*_evaluate(capsys, path, tmp_path / "out.csv"))
    assert "the file is empty (no header row)" in err


def test_a_directory_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    err = one_line_error(*_evaluate(capsys, tmp_path, tmp_path / "out.csv"))
    assert "is a directory" in err


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_a_named_pipe_as_input_is_refused_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "in.csv"
    os.mkfifo(fifo)
    done = subprocess.run(
        [sys.executable, "-m", "csp_rules", "evaluate", str(fifo), "--at", AT, "-o", str(tmp_path / "o.csv")],
        capture_output=True,
        text=True,
        timeout=60,  # the old code opened it and waited for a writer forever
        check=False,
    )
    assert done.returncode == 2
    assert "not a regular file" in done.stderr


def test_messages_give_dates_in_iso_not_python_reprs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, out = tmp_path / "in.csv", tmp_path / "out.csv"
    path.write_text(_csv_text([[*GOOD[:4], "2018-05-01", "before S2018"]]), encoding="utf-8", newline="")
    status, summary, _ = _evaluate(capsys, path, out)
    assert status == 0
    message = _read_rows(out)[0]["error_message"]
    assert "2018-05-01" in message and "datetime" not in message
    assert "datetime" not in summary
