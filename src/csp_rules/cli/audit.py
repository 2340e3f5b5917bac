"""``csp-rules audit``: did Partner Center credit what the rules say? (R7, R8.4, R10.3, R11.3)."""

from __future__ import annotations

import argparse
import contextlib
import csv
import os
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..errors import InvalidInputError
from ._common import add_lang, add_rules, load_rules, one_line_errors, parse_int, print_json

_EXAMPLES = (
    "csp-rules audit examples/audit_2020_01.csv examples/audit_2020_02.csv --billing-day 1",
    "csp-rules audit november.csv december.csv --billing-day 1 -o report.html",
    "csp-rules audit *.csv --lang fr -o constats.csv",
    "csp-rules audit line_items.json --json",
)

_EXIT = (
    "exit status: 0 when the files were read and audited (findings are not errors), 2 when a file\n"
    "cannot be read, lacks required columns, cannot be written or a flag is wrong (one line on\n"
    "standard error), 3 on an internal error (--debug adds the traceback).\n"
    "statut de sortie : 0 quand les fichiers ont été lus et contrôlés (les constats ne sont pas des\n"
    "erreurs), 2 quand un fichier ne peut être lu, qu'il manque des colonnes, que la sortie ne peut\n"
    "être écrite ou qu'une option est fausse, 3 pour une erreur interne."
)


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "audit",
        help="audit the credits of reconciliation files against the rules (R7, R8.4)",
        description="Audit every credit row (ChargeType Cancel, removeQuantity, cancelImmediate) of one or "
        "more Partner Center one-time purchase reconciliation files (CSV, Parquet or JSON line items; "
        "several months' files: a credit often lands on a later invoice than its purchase): its "
        "purchase row (same OrderId and SubscriptionId, else ProductId + SkuId + AvailabilityId), the "
        "credit the rules give at its cancellation (ChargeStartDate) under both roundings of R8.4, and "
        "one status: unmatched_credit, no_rule_stated, support_request, credit_not_due, over_credit, "
        "wrong_amount, late_invoice, ok_rounding or ok. Purchases cancelled without any credit row "
        "cannot be seen in these files. A summary ends the run: counts per status, totals per currency, "
        "the five largest differences.",
        epilog="examples / exemples :\n"
        + "\n".join(f"  {line}" for line in _EXAMPLES)
        + "\n\n-o writes one row per credit: OUT.csv, OUT.parquet, or OUT.html (one self-contained page:\n"
        "the summary, then the findings, sortable by status and amount).\n"
        "-o écrit une ligne par crédit : OUT.csv, OUT.parquet, ou OUT.html (une page autonome).\n\n" + _EXIT,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "files", metavar="FILE", nargs="+", help="reconciliation files: .csv, .parquet, .json, .jsonl"
    )
    parser.add_argument(
        "-o", "--output", metavar="OUT", help="write the findings to OUT.csv, OUT.parquet or OUT.html"
    )
    parser.add_argument(
        "--billing-day",
        metavar="N",
        help="the day of the month invoices are issued (1-31): checks each credit is on R8.4's next invoice "
        "(the files carry an InvoiceNumber, no invoice date); without it the invoice check is skipped",
    )
    parser.add_argument(
        "--date-order", choices=("mdy", "dmy"), default="mdy", help="how en-US dates (10/3/2020) are read"
    )
    add_rules(parser)
    add_lang(parser)
    parser.add_argument("--json", action="store_true", help="print the summary as JSON (for scripts)")
    parser.add_argument("--quiet", action="store_true", help="no progress and no summary")
    one_line_errors(parser)
    parser.set_defaults(handler=run)


class _Progress:
    """Stages on standard error, only on a terminal."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.started = time.perf_counter()

    def step(self, done: int, total: int, what: str) -> None:
        if not self.enabled:
            return
        width = 24
        filled = width * done // max(total, 1)
        bar = "#" * filled + "-" * (width - filled)
        sys.stderr.write(f"\r[{bar}] {done}/{total} {what[:50]:<50}")
        sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write("\r" + " " * 90 + "\r")
            sys.stderr.flush()


def read_file(path: str) -> Any:
    """One input file as a pyarrow Table: CSV (every column as text), Parquet, or JSON line items."""
    import pyarrow as pa
    import pyarrow.csv as pcsv

    from .. import batch

    file = Path(path)
    suffix = file.suffix.lower()
    if suffix in (".parquet", ".pq"):
        import pyarrow.parquet as pq

        try:
            return pq.read_table(file)
        except pa.ArrowInvalid as exc:
            raise InvalidInputError(f"{path}: not a Parquet file ({exc})", field="file", value=path) from None
    if suffix in (".json", ".jsonl", ".ndjson"):
        return batch.read_json(file)
    from .evaluate import sniff_delimiter

    delimiter = sniff_delimiter(file)
    with file.open(encoding="utf-8-sig", newline="") as fh:
        header = next(csv.reader(fh, delimiter=delimiter), None)
    if not header:
        raise InvalidInputError(f"{path}: the file has no header line", field="file", value=path)
    try:
        return pcsv.read_csv(
            file,
            parse_options=pcsv.ParseOptions(delimiter=delimiter, newlines_in_values=True),
            convert_options=pcsv.ConvertOptions(
                column_types={name: pa.string() for name in header},
                strings_can_be_null=True,
                null_values=[""],
                quoted_strings_can_be_null=True,
            ),
        )
    except pa.ArrowInvalid as exc:
        raise InvalidInputError(f"{path}: cannot be read as CSV ({exc})", field="file", value=path) from None


def run(args: argparse.Namespace) -> int:
    from .. import audit

    billing_day = None if args.billing_day is None else parse_int(args.billing_day, "--billing-day", low=1)
    if billing_day is not None and billing_day > 31:
        from ..errors import InvalidFieldError

        raise InvalidFieldError(
            f"--billing-day: a billing day of the month is from 1 to 31 (got {billing_day})",
            field="--billing-day",
            value=billing_day,
        )
    rules = load_rules(args.rules)
    output = None if args.output is None else Path(args.output)
    if output is not None and output.suffix.lower() not in (".csv", ".parquet", ".html", ".htm"):
        raise InvalidInputError(
            f"-o: write to a .csv, .parquet or .html file (got {args.output})", field="-o", value=args.output
        )
    if output is not None and output.exists():
        for path in args.files:
            with contextlib.suppress(OSError):
                if os.path.samefile(path, output):  # same file, also through a symlink or a hard link
                    raise InvalidInputError(
                        f"-o: {args.output} is the input file {path}: the audit never overwrites its input",
                        field="-o",
                        value=args.output,
                    )
    progress = _Progress(not args.quiet and not args.json and sys.stderr.isatty())
    total = len(args.files) + 1 + (output is not None)
    tables: dict[str, Any] = {}
    for i, path in enumerate(args.files):
        progress.step(i, total, f"reading {path}")
        if not Path(path).is_file():
            raise FileNotFoundError(2, "no such file", path)
        tables[_unique(path, tables)] = read_file(path)
    progress.step(len(args.files), total, "auditing")
    report = audit.audit(
        tables, rules=rules, billing_day=billing_day, lang=args.lang, date_order=args.date_order
    )
    if output is not None:
        progress.step(total - 1, total, f"writing {output}")
        _write(report, output, args.lang)
    progress.close()
    if args.json:
        print_json(_summary_json(report))
    elif not args.quiet:
        print(report.summary(args.lang, line_of=_LineFinder(args.files, tables)))
    return 0


class _LineFinder:
    """The line an editor shows for a row (from 0) of a CSV file given: evaluate's own row scan
    (quoted line breaks and blank lines counted as Arrow reads them), once per file and row."""

    def __init__(self, files: list[str], tables: dict[str, Any]) -> None:
        self.paths = {name: Path(f) for name, f in zip(tables, files, strict=True)}

    def __call__(self, source: str, row: int) -> int | None:
        from .evaluate import _lines_of_rows, sniff_delimiter

        path = self.paths.get(source)
        if path is None or path.suffix.lower() in (".parquet", ".json", ".jsonl"):
            return None
        return _lines_of_rows(path, [row + 1], sniff_delimiter(path)).get(row + 1)


def _unique(path: str, seen: dict[str, Any]) -> str:
    name = path
    k = 2
    while name in seen:
        name = f"{path}#{k}"
        k += 1
    return name


def _write(report: Any, output: Path, lang: str) -> None:
    """The findings to ``output``, replaced only once wholly written (a temporary file renamed over it)."""
    import pyarrow.csv as pcsv
    import pyarrow.parquet as pq

    suffix = output.suffix.lower()
    folder = output.parent if str(output.parent) else Path(".")
    fd, temp = tempfile.mkstemp(prefix=f".{output.name}.", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            if suffix in (".html", ".htm"):
                fh.write(report.to_html(lang).encode("utf-8"))
            elif suffix == ".parquet":
                pq.write_table(report.arrow, fh)
            else:
                pcsv.write_csv(report.arrow, fh)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temp, 0o666 & ~umask)  # the mode of a file written by open(), not mkstemp's 0600
        os.replace(temp, output)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def _money(value: Any) -> str:
    return str(value.amount)


def _summary_json(report: Any) -> dict[str, Any]:
    def plain(value: Any) -> Any:
        return str(value) if isinstance(value, Decimal) else value

    return {
        "credits": len(report),
        "counts": report.counts,
        "errors": report.errors,
        "totals": {
            c: {
                "credits": t.credits,
                "credited": _money(t.credited),
                "expected": _money(t.expected),
                "difference": _money(t.difference),
            }
            for c, t in report.totals.items()
        },
        "largest_differences": [{k: plain(v) for k, v in r.items()} for r in report.largest_differences()],
    }
