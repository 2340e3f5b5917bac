"""``csp-rules audit`` (issue 15): the example months, every output, exit statuses; the HTML report parsed."""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from _cli import one_line_error, run, run_json
from csp_rules import audit

ROOT = Path(__file__).resolve().parent.parent
MONTHS = [str(ROOT / "examples" / "audit_2020_01.csv"), str(ROOT / "examples" / "audit_2020_02.csv")]


def test_the_examples_hold_every_status(capsys: pytest.CaptureFixture[str]) -> None:
    status, data = run_json(capsys, "audit", *MONTHS, "--billing-day", "1")
    assert status == 0
    assert set(data["counts"]) == set(audit.STATUSES)
    assert data["errors"] == 0
    assert data["credits"] == sum(data["counts"].values())
    assert set(data["totals"]) == {"EUR"}


def test_the_summary_in_both_languages(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(capsys, "audit", *MONTHS, "--billing-day", "1")
    assert status == 0 and err == ""
    assert out.startswith("Credit audit:") and "ok_rounding" in out and "Largest differences:" in out
    status, out, _ = run(capsys, "audit", *MONTHS, "--lang", "fr")
    assert status == 0 and out.startswith("Contrôle des crédits : ") and "Plus grands écarts" in out


def test_without_a_billing_day_the_invoice_is_not_checked(capsys: pytest.CaptureFixture[str]) -> None:
    _, data = run_json(capsys, "audit", *MONTHS)
    assert "late_invoice" not in data["counts"]


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_the_findings_file(capsys: pytest.CaptureFixture[str], tmp_path: Path, suffix: str) -> None:
    out = tmp_path / f"report{suffix}"
    status, _, _ = run(capsys, "audit", *MONTHS, "--billing-day", "1", "-o", str(out), "--quiet")
    assert status == 0
    if suffix == ".csv":
        with out.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
        assert list(rows[0]) == list(audit.REPORT_COLUMNS)
    else:
        rows = pq.read_table(out).to_pylist()
    assert {r["status"] for r in rows} == set(audit.STATUSES)
    assert not list(tmp_path.glob(".report*")), "the temporary file is renamed, never left"


class _Tables(HTMLParser):
    """The tables of a page: a list of (class, header cells, rows of cells)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[tuple[str, list[str], list[list[str]]]] = []
        self.scripts = 0
        self._cell: list[str] | None = None
        self._row: list[str] | None = None
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "table":
            self.tables.append((a.get("class") or "", [], []))
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "script":
            self.scripts += 1
            if a.get("src"):
                self.links.append(str(a["src"]))
        elif tag in ("link", "img") and (a.get("href") or a.get("src")):
            self.links.append(str(a.get("href") or a.get("src")))

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append("".join(self._cell))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            _, head, rows = self.tables[-1]
            if not head:
                head.extend(self._row)
            else:
                rows.append(self._row)
            self._row = None


def _page(capsys: pytest.CaptureFixture[str], tmp_path: Path, *flags: str) -> _Tables:
    out = tmp_path / "report.html"
    status, _, _ = run(capsys, "audit", *MONTHS, "--billing-day", "1", "-o", str(out), "--quiet", *flags)
    assert status == 0
    parser = _Tables()
    parser.feed(out.read_text(encoding="utf-8"))
    return parser


def test_the_html_report_is_one_page_with_its_tables(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    page = _page(capsys, tmp_path)
    assert not page.links, "self-contained: nothing fetched"
    assert page.scripts == 1
    classes = [t[0] for t in page.tables]
    assert classes == ["counts", "totals", "largest", "sortable findings"]
    counts = {row[0]: int(row[1]) for row in page.tables[0][2]}
    report = audit.audit(
        {p: audit_csv for p, audit_csv in zip(MONTHS, (_read(MONTHS[0]), _read(MONTHS[1])), strict=True)},
        billing_day=1,
    )
    assert counts == report.counts
    _, head, rows = page.tables[3]
    assert head[:2] == ["File, row (from 0)", "Order"] and "Status" in head and "Difference" in head
    assert len(rows) == len(report)
    statuses = [r[head.index("Status")] for r in rows]
    assert statuses == report.table.column("status").to_pylist()
    assert page.tables[1][2][0][0] == "EUR"


def test_the_html_report_in_french(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    page = _page(capsys, tmp_path, "--lang", "fr")
    _, head, rows = page.tables[3]
    assert "Statut" in head and "Écart" in head
    assert any("€" in r[head.index("Crédité")] and "," in r[head.index("Crédité")] for r in rows)


def _read(path: str):  # type: ignore[no-untyped-def]
    from csp_rules.cli.audit import read_file

    return read_file(path)


def test_bad_input_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    one_line_error(*run(capsys, "audit", str(tmp_path / "missing.csv")))
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    err = one_line_error(*run(capsys, "audit", str(bad)))
    assert "missing columns" in err
    one_line_error(*run(capsys, "audit", *MONTHS, "--billing-day", "40"))
    one_line_error(*run(capsys, "audit", *MONTHS, "-o", str(tmp_path / "report.xlsx")))


def test_help_has_examples_in_both_languages(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "audit", "--help")
    assert status == 0 and "examples / exemples :" in out and "statut de sortie" in out


@pytest.mark.skipif(shutil.which("chromium") is None, reason="chromium is not installed")
def test_a_headless_browser_renders_the_page_and_sorts_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "report.html"
    run(capsys, "audit", *MONTHS, "--billing-day", "1", "-o", str(out), "--quiet")
    # click the Difference header twice: the largest difference comes first
    script = out.read_text(encoding="utf-8").replace(
        "</body>",
        "<script>var th=[...document.querySelectorAll('table.findings th')].find(h=>h.textContent=='Difference');"
        "th.click();th.click();document.title='first:'+document.querySelector('table.findings tbody tr')"
        ".cells[5].textContent;</script></body>",
    )
    probe = tmp_path / "probe.html"
    probe.write_text(script, encoding="utf-8")
    done = subprocess.run(
        ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", probe.as_uri()],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    rows = [r for r in audit.audit({p: _read(p) for p in MONTHS}, billing_day=1).table.to_pylist()
            if r["difference"] is not None]  # fmt: skip
    largest = max(rows, key=lambda r: r["difference"])
    assert f"<title>first:{largest['status']}</title>" in done.stdout, done.stderr[-2000:]


def test_the_example_months_are_what_the_generator_writes(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "make_audit_example.py"), "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=300, check=True,
    )  # fmt: skip
    assert "wrote" in done.stdout
    for month in MONTHS:
        name = Path(month).name
        assert (tmp_path / name).read_bytes() == Path(month).read_bytes(), name


def test_the_largest_differences_name_the_line_an_editor_shows(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "audit", *MONTHS, "--billing-day", "1")
    assert status == 0
    named = [line.split() for line in out.splitlines() if line.startswith("  /") and ".csv:" in line]
    assert len(named) >= 3
    for where, order_id, *_ in named:
        path, line = where.rsplit(":", 1)
        text = Path(path).read_text("utf-8-sig").splitlines()[int(line) - 1]
        assert order_id in text, (where, order_id)


def test_totals_add_up() -> None:
    """credited - not judged - expected == difference, per currency, on the example months."""
    from csp_rules.cli.audit import read_file

    tables = {Path(m).name: read_file(m) for m in MONTHS}
    report = audit.audit(tables, billing_day=1)
    assert report.totals
    for t in report.totals.values():
        assert t.credited.amount - t.not_judged.amount - t.expected.amount == t.difference.amount, t
        assert t.not_judged.amount > 0  # the examples hold unmatched and support-request credits


def test_o_naming_an_input_is_refused_before_reading(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """The audit never overwrites its input: the same file, a symlink or a hard link to it."""
    source = tmp_path / "month.csv"
    shutil.copyfile(MONTHS[0], source)
    before = source.read_bytes()
    (tmp_path / "link.csv").symlink_to(source)
    (tmp_path / "hard.csv").hardlink_to(source)
    for target in ("month.csv", "link.csv", "hard.csv"):
        status, _, err = run(capsys, "audit", str(source), "-o", str(tmp_path / target))
        assert status == 2 and "never overwrites its input" in err, (target, err)
    assert source.read_bytes() == before


def test_the_report_file_has_the_mode_of_a_file_written_by_open(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    import os

    umask = os.umask(0)
    os.umask(umask)
    out = tmp_path / "report.csv"
    status, _, _ = run(capsys, "audit", *MONTHS, "-o", str(out), "--quiet")
    assert status == 0 and out.stat().st_mode & 0o777 == 0o666 & ~umask
