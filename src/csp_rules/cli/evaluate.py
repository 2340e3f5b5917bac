"""``csp-rules evaluate FILE``: evaluate a whole reconciliation file (R3, R4.1, R7, R8.4) and summarise it.

The file (CSV, Partner Center's one-time purchase reconciliation layout or the canonical
column names of :mod:`csp_rules.batch`) is read in blocks with :func:`pyarrow.csv.open_csv`, so
memory stays flat however long the file is. Every row is written, with its results, to ``-o``
(``.csv`` or ``.parquet``; ``-`` for standard output), or to standard output when it is piped.
A progress bar is drawn on standard error when it is a terminal, and a summary ends the run:
rows, outcomes, credits per currency (if every row were cancelled at ``--at``), rows in error.

Exit status: 0 when the file was processed (rows in error included, they are reported), 2 when
it cannot be read, lacks required columns, or a flag is wrong (one line on standard error).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from ..errors import CspRulesError, InvalidInputError
from ._common import add_lang, add_rules, load_rules, one_line_errors, parse_when

#: bytes of CSV parsed at a time (Arrow parses small blocks fastest)
BLOCK_BYTES = 1 << 20
#: rows evaluated together: blocks are gathered up to this many rows (bounds memory, amortises calls)
CHUNK_ROWS = 1 << 16

_TEXT: dict[str, dict[str, Any]] = {
    "en": {
        "title": "{rows} rows of {file} evaluated at {at}{now} in {seconds} s ({rate} rows/s)",
        "now": " (now)",
        "rules": "rule sets",
        "colon": ": ",
        "outcomes": "Cancellation outcomes",
        "credits": "Credits if cancelled at {at} (R8.4)",
        "no_credits": "none",
        "credit_rows": "{n} rows",
        "errors": "Rows in error: {n}",
        "no_errors": "Rows in error: none",
        "example": "e.g. row {row}: {message}",
        "written": "Rows with their results written to {out}",
        "not_written": "Rows with their results were not written: give -o OUT.csv (or .parquet), or pipe the output.",
        "outcome": {
            "self_service": "can be cancelled now (self-service)",
            "window_closed": "cancellation window closed",
            "support_request": "only through a support request",
            "not_cancellable": "cannot be cancelled",
            "not_covered": "not covered by these rules",
            "not_permitted": "not permitted for the roles given",
        },
    },
    "fr": {
        "title": "{rows} lignes de {file} évaluées au {at}{now} en {seconds} s ({rate} lignes/s)",
        "now": " (maintenant)",
        "rules": "versions des règles",
        "colon": " : ",
        "outcomes": "Annulation",
        "credits": "Avoirs en cas d'annulation au {at} (R8.4)",
        "no_credits": "aucun",
        "credit_rows": "{n} lignes",
        "errors": "Lignes en erreur : {n}",
        "no_errors": "Lignes en erreur : aucune",
        "example": "p. ex. ligne {row} : {message}",
        "written": "Lignes et résultats écrits dans {out}",
        "not_written": "Lignes et résultats non écrits : indiquez -o SORTIE.csv (ou .parquet), ou redirigez la sortie.",
        "outcome": {
            "self_service": "annulable maintenant (libre-service)",
            "window_closed": "fenêtre d'annulation dépassée",
            "support_request": "uniquement par une demande de support",
            "not_cancellable": "non annulable",
            "not_covered": "non couvert par ces règles",
            "not_permitted": "non autorisé pour les rôles indiqués",
        },
    },
}


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "evaluate",
        help="evaluate a whole reconciliation file (CSV) and summarise it",
        description="Evaluate every row of a Partner Center one-time purchase reconciliation file (CSV, "
        "2019 or 2020 layout, or the canonical columns of csp_rules.batch): market (R3, R4.1), "
        "cancellation outcome, deadline and days left (R7), and the credit if cancelled at --at (R8.4). "
        "The file is read in blocks (constant memory); a progress bar shows on a terminal; a summary "
        "ends the run. Rows go to -o, or to standard output when it is piped.",
        epilog="examples:\n"
        "  csp-rules evaluate examples/one_time_purchases.csv\n"
        "  csp-rules evaluate examples/one_time_purchases.csv --at 2020-06-30T12:00:00Z -o results.csv\n"
        "  csp-rules evaluate purchases.csv --lang fr -o results.parquet\n"
        "  csp-rules evaluate purchases.csv > results.csv\n\n"
        "exit status: 0 when the file was processed (rows in error are reported, not fatal), 2 when it\n"
        "cannot be read, lacks required columns, or a flag is wrong (one line on standard error).",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("file", metavar="FILE", help="the CSV file to read")
    parser.add_argument(
        "--at",
        metavar="DATETIME",
        help="the instant to evaluate at: the 'now' of the outcomes and days left, and the cancellation "
        "instant of the credits; YYYY-MM-DD (00:00 UTC) or ISO 8601 with a zone (default: the current time)",
    )
    parser.add_argument(
        "-o",
        "--output",
        metavar="OUT",
        help="write every row with its results to OUT.csv or OUT.parquet ('-': CSV on standard output)",
    )
    add_rules(parser)
    add_lang(parser)
    parser.add_argument("--quiet", action="store_true", help="no progress bar and no summary")
    one_line_errors(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    import pyarrow as pa

    from .. import batch
    from ..batch._columns import plan_columns

    at = parse_when(args.at, "--at") if args.at else datetime.now(timezone.utc)
    rules = load_rules(args.rules)
    path = Path(args.file)
    to_stdout = args.output == "-" or (args.output is None and not sys.stdout.isatty())
    summary_stream = sys.stderr if to_stdout else sys.stdout
    started = time.perf_counter()
    reader, source = _open(path)
    try:
        plan_columns(reader.schema.names)  # missing columns: one error before any row is read
        summary = _Summary()
        progress = _Progress(source, path, enabled=not args.quiet and sys.stderr.isatty())
        with _Writer(args.output, to_stdout, batch.output_schema(reader.schema)) as writer:
            pending: list[Any] = []
            rows = 0
            done = False
            while not done:
                try:
                    block = reader.read_next_batch()
                except StopIteration:
                    done = True
                except (pa.ArrowInvalid, OSError, UnicodeDecodeError) as exc:
                    raise InvalidInputError(
                        f"{path}: cannot read row {summary.rows + rows + 1} and after: {_one_line(exc)}",
                        field="file",
                        value=str(path),
                    ) from None
                else:
                    pending.append(block)
                    rows += block.num_rows
                if pending and (done or rows >= CHUNK_ROWS):
                    result = batch.evaluate(pa.Table.from_batches(pending), at=at, rules=rules)
                    pending, rows = [], 0
                    summary.add(result)
                    writer.write(result)
                    progress.update(summary.rows)
        progress.close()
    finally:
        source.close()
    if not args.quiet:
        elapsed = time.perf_counter() - started
        summary.print(
            summary_stream, args.lang, path, at, now=args.at is None, seconds=elapsed, written=writer.name
        )
    return 0


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:300]


def _open(path: Path) -> tuple[Any, Any]:
    """A streaming CSV reader of ``path`` with every column read as text, and the file it reads."""
    import pyarrow as pa
    import pyarrow.csv as pv

    try:
        source = pa.OSFile(str(path), "rb")
    except (OSError, pa.ArrowException) as exc:
        raise InvalidInputError(
            f"{path}: cannot open the file: {_one_line(exc)}", field="file", value=str(path)
        ) from None
    try:
        names = _header(path)
        reader = pv.open_csv(
            source,
            # no background read-ahead: memory stays flat whatever the file's length
            read_options=pv.ReadOptions(block_size=BLOCK_BYTES, use_threads=False),
            convert_options=pv.ConvertOptions(
                column_types={name: pa.string() for name in names},
                strings_can_be_null=True,
            ),
        )
    except (pa.ArrowInvalid, OSError, UnicodeDecodeError) as exc:
        source.close()
        raise InvalidInputError(
            f"{path}: not a readable CSV file: {_one_line(exc)}", field="file", value=str(path)
        ) from None
    except CspRulesError:
        source.close()
        raise
    return reader, source


def _header(path: Path) -> list[str]:
    """The column names of the CSV file (its first record)."""
    import csv

    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            first = next(csv.reader(fh), None)
    except UnicodeDecodeError:
        raise InvalidInputError(
            f"{path}: the file is not UTF-8 text", field="file", value=str(path)
        ) from None
    except csv.Error as exc:
        raise InvalidInputError(
            f"{path}: not a readable CSV header: {_one_line(exc)}", field="file", value=str(path)
        ) from None
    if not first:
        raise InvalidInputError(f"{path}: the file is empty (no header row)", field="file", value=str(path))
    return first


class _Writer:
    """Writes result batches to a CSV or Parquet file, standard output, or nowhere."""

    def __init__(self, output: str | None, to_stdout: bool, schema: Any) -> None:
        self.output = output
        self.to_stdout = to_stdout
        self.schema = schema
        self.name: str | None = None
        self._sink: Any = None
        self._parquet = False

    def __enter__(self) -> _Writer:
        import pyarrow as pa
        import pyarrow.csv as pv

        if self.to_stdout:
            self.name = "-"
            self._sink = pv.CSVWriter(sys.stdout.buffer, _csv_schema(self.schema))
        elif self.output is not None:
            self.name = self.output
            suffix = Path(self.output).suffix.lower()
            try:
                if suffix == ".parquet":
                    import pyarrow.parquet as pq

                    self._parquet = True
                    self._sink = pq.ParquetWriter(self.output, self.schema)
                elif suffix in (".csv", ".txt"):
                    self._sink = pv.CSVWriter(self.output, _csv_schema(self.schema))
                else:
                    raise InvalidInputError(
                        f"-o: write to a .csv or .parquet file, got {self.output!r}",
                        field="-o",
                        value=self.output,
                    )
            except (OSError, pa.ArrowException) as exc:
                raise InvalidInputError(
                    f"-o: cannot write {self.output!r}: {_one_line(exc)}", field="-o", value=self.output
                ) from None
        return self

    def write(self, result: Any) -> None:
        """Write a table of results."""
        if self._sink is None:
            return
        self._sink.write_table(result if self._parquet else _for_csv(result))

    def __exit__(self, *exc: object) -> None:
        if self._sink is not None:
            self._sink.close()
            if self.to_stdout:
                sys.stdout.flush()


def _csv_schema(schema: Any) -> Any:
    import pyarrow as pa

    fields = [
        pa.field(f.name, pa.string()) if f.name in ("cancel_deadline", "credit_amount") else f for f in schema
    ]
    return pa.schema(fields)


def _for_csv(result: Any) -> Any:
    """A table of results for CSV: deadlines as ISO 8601 (``2020-03-01T00:00:00Z``), credits with
    their currency's decimals (``116.71`` EUR, ``667`` JPY)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    from ..batch._read import booleans, plain
    from ..facts import currency_digits

    names = result.schema.names
    deadline = plain(result.column("cancel_deadline"))
    text = pc.replace_substring(pc.strftime(deadline, format="%Y-%m-%dT%H:%M:%SZ"), ".000000Z", "Z")
    amount = plain(result.column("credit_amount"))
    shown = pc.cast(amount, pa.string())
    if amount.null_count < len(amount):
        encoded = pc.dictionary_encode(plain(result.column("credit_currency")))
        digits = np.array([currency_digits(c) for c in encoded.dictionary.to_pylist()] + [4], dtype=np.int64)
        row_digits = digits[np.asarray(pc.fill_null(encoded.indices, len(digits) - 1), dtype=np.int64)]
        for d in sorted(set(row_digits.tolist()) - {4}):
            # exact on the rows of this currency (their amounts have d decimals); others are not taken
            exact = pc.cast(pc.cast(amount, pa.decimal128(38, d), safe=False), pa.string())
            shown = pc.if_else(booleans(row_digits == d), exact, shown)
    result = result.set_column(names.index("cancel_deadline"), "cancel_deadline", text)
    return result.set_column(names.index("credit_amount"), "credit_amount", shown)


class _Summary:
    """Counts kept while the file streams by: rows, outcomes, rule sets, credits, errors."""

    def __init__(self) -> None:
        self.rows = 0
        self.outcomes: Counter[str] = Counter()
        self.versions: Counter[str] = Counter()
        self.errors: Counter[str] = Counter()
        self.examples: dict[str, tuple[int, str]] = {}
        self.credits: dict[str, Decimal] = {}
        self.credit_rows: Counter[str] = Counter()

    def add(self, result: Any) -> None:
        import pyarrow.compute as pc

        table = result
        for name, counter in (
            ("cancellation_outcome", self.outcomes),
            ("rules_version", self.versions),
            ("error_code", self.errors),
        ):
            for item in pc.value_counts(table.column(name)).to_pylist():
                if item["values"] is not None:
                    counter[item["values"]] += item["counts"]
        for code in list(self.errors):
            if code not in self.examples:  # the first row of each error code, as an example
                first = pc.index(table.column("error_code"), code).as_py()
                message = table.column("error_message")[first].as_py()
                self.examples[code] = (self.rows + first + 1, message)
        credits = table.select(["credit_currency", "credit_amount"]).filter(
            pc.is_valid(table.column("credit_amount"))
        )
        if credits.num_rows:
            grouped = credits.group_by("credit_currency").aggregate(
                [("credit_amount", "sum"), ("credit_amount", "count")]
            )
            for row in grouped.to_pylist():
                currency = row["credit_currency"]
                self.credits[currency] = self.credits.get(currency, Decimal(0)) + row["credit_amount_sum"]
                self.credit_rows[currency] += row["credit_amount_count"]
        self.rows += table.num_rows

    def print(
        self,
        out: IO[str],
        lang: str,
        path: Path,
        at: datetime,
        *,
        now: bool,
        seconds: float,
        written: str | None,
    ) -> None:
        from babel.numbers import format_currency, format_decimal

        from .._l10n import babel_locale
        from ..batch import OUTCOMES
        from ..decision import format_value
        from ..facts import Money

        t = _TEXT[lang]
        loc = babel_locale(lang)

        def num(n: float) -> str:
            return str(format_decimal(n, locale=loc))

        rate = num(round(self.rows / seconds)) if seconds > 0 else "—"
        print(
            t["title"].format(
                rows=num(self.rows),
                file=path,
                at=format_value(at, lang),
                now=t["now"] if now else "",
                seconds=format_decimal(round(seconds, 2), locale=loc),
                rate=rate,
            ),
            file=out,
        )
        if self.versions:
            versions = ", ".join(f"{v} {num(c)}" for v, c in sorted(self.versions.items()))
            print(f"  {t['rules']}{t['colon']}{versions}", file=out)
        print(f"{t['outcomes']}", file=out)
        width = max(len(o) for o in OUTCOMES)
        for outcome in OUTCOMES:
            if self.outcomes[outcome]:
                print(
                    f"  {outcome:<{width}}  {num(self.outcomes[outcome]):>9}  {t['outcome'][outcome]}",
                    file=out,
                )
        print(t["credits"].format(at=format_value(at, lang)), file=out)
        if not self.credits:
            print(f"  {t['no_credits']}", file=out)
        for currency in sorted(self.credits):
            amount = Money(self.credits[currency], currency).rounded()
            shown = format_currency(amount.amount, currency, locale=loc)
            print(
                f"  {currency}  {shown:>20}  ({t['credit_rows'].format(n=num(self.credit_rows[currency]))})",
                file=out,
            )
        total = sum(self.errors.values())
        print(t["errors"].format(n=num(total)) if total else t["no_errors"], file=out)
        code_width = max((len(c) for c in self.errors), default=0)
        for code, count in self.errors.most_common():
            row, message = self.examples[code]
            example = t["example"].format(row=num(row), message=message)
            print(f"  {code:<{code_width}}  {num(count):>7}  {example[:160]}", file=out)
        if written and written != "-":
            print(t["written"].format(out=written), file=out)
        elif not written:
            print(t["not_written"], file=out)


class _Progress:
    """A one-line progress bar on standard error (only on a terminal), by bytes of the file read."""

    def __init__(self, source: Any, path: Path, *, enabled: bool) -> None:
        self.source = source
        self.enabled = enabled
        self.last = 0.0
        try:
            self.size = path.stat().st_size
        except OSError:
            self.size = 0

    def update(self, rows: int) -> None:
        if not self.enabled:
            return
        moment = time.monotonic()
        if moment - self.last < 0.1:
            return
        self.last = moment
        done = min(1.0, self.source.tell() / self.size) if self.size else 0.0
        bar = "#" * int(done * 30)
        sys.stderr.write(f"\r[{bar:<30}] {done:4.0%} {rows:,} rows")
        sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write("\r" + " " * 60 + "\r")
            sys.stderr.flush()
