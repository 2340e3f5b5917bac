"""``csp-rules evaluate FILE``: evaluate a whole reconciliation file (R3, R4.1, R7, R8.4) and summarise it.

The file (CSV, Partner Center's one-time purchase reconciliation layout of 2019 or 2020 or the
canonical column names of :mod:`csp_rules.batch`; or JSON line items of the API, read with
:func:`csp_rules.batch.read_json`; ``-`` for standard input) is read in blocks with
:func:`pyarrow.csv.open_csv`, so memory stays flat however long a CSV file is. Every row is
written, with its results, to ``-o`` (``.csv`` or ``.parquet``; ``-`` for standard output), or to
standard output when it is piped. A progress bar is drawn on standard error when it is a terminal,
and a summary ends the run (``--json``: the same facts as JSON): rows, versions, line types
(``ChargeType``), kinds by the evidence that told them, outcomes (support requests by reason),
credits per currency (if every row were cancelled at ``--at``), rows in error.

The file is read as people write CSV (the delimiter ``,`` ``;`` or tab taken from the header
line, a byte order mark, quoted line breaks anywhere, cells longer than a block, blank lines
before the header, a header alone; only an empty cell is null); what is refused is said with the
line an editor shows. ``-o`` is written to a temporary file beside it, renamed over it only after the
last row and the summary: on any failure the old file is untouched (see ``docs/cli.rst``).

Exit status: 0 when the file was processed (rows in error included, they are reported), 2 when
it cannot be read, lacks required columns, cannot be written, or a flag is wrong (one line on
standard error), 3 on an internal error.

The module is long (over 600 lines) because the main job is one pipeline that must not lose
data: reading in blocks with the file's own line numbers, the pipelined read/evaluate/write, the
atomic output beside its target, and the summary. Split, each part would need the others' state.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import re
import secrets
import signal
import stat
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from datetime import datetime, timezone
from decimal import Context, Decimal
from pathlib import Path
from typing import IO, Any

from ..errors import InvalidInputError
from ._common import IOFailure, add_lang, add_rules, load_rules, one_line_errors, os_reason, parse_when

#: bytes of CSV parsed at a time (Arrow parses small blocks fastest)
BLOCK_BYTES = 1 << 20
#: the longest row (record) always read: a file with a row longer than :data:`BLOCK_BYTES` is
#: read again in blocks of this size; a row longer than that may be refused (Arrow reads a row of
#: up to twice the block size when it starts early in a block), with its line
MAX_ROW_BYTES = 64 << 20
#: rows evaluated together: blocks are gathered up to this many rows (bounds memory, amortises calls)
CHUNK_ROWS = 1 << 16

_TEXT: dict[str, dict[str, Any]] = {
    "en": {
        "title_one": "{rows} row of {file} evaluated at {at}{now} in {seconds} s ({rate} rows/s)",
        "title_other": "{rows} rows of {file} evaluated at {at}{now} in {seconds} s ({rate} rows/s)",
        "now": " (now)",
        "written": "Rows with their results written to {out}",
        "not_written": "Rows with their results were not written: give -o OUT.csv (or .parquet), or pipe the output.",
    },
    "fr": {
        "title_one": "{rows} ligne de {file} évaluée au {at}{now} en {seconds} s ({rate} lignes/s)",
        "title_other": "{rows} lignes de {file} évaluées au {at}{now} en {seconds} s ({rate} lignes/s)",
        "now": " (maintenant)",
        "written": "Lignes et résultats écrits dans {out}",
        "not_written": "Lignes et résultats non écrits : indiquez -o SORTIE.csv (ou .parquet), ou redirigez la sortie.",
    },
}


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "evaluate",
        help="evaluate a whole reconciliation file (CSV or JSON) and summarise it",
        description="Evaluate every row of a Partner Center one-time purchase reconciliation file (CSV, "
        "2019 or 2020 layout, or the canonical columns of csp_rules.batch; or JSON line items of the "
        "Partner Center API): what each line is (ChargeType), the product kind and the evidence for it, "
        "market (R3, R4.1), cancellation outcome, deadline and days left (R7), the credit if cancelled "
        "at --at (R8.4), the reasons and rules, and one sentence saying why. The file is read in blocks "
        "(constant memory); a progress bar shows on a terminal; a summary ends the run. Rows go to -o, "
        "or to standard output when it is piped.",
        epilog="examples / exemples :\n"
        "  csp-rules evaluate examples/one_time_purchases.csv\n"
        "  csp-rules evaluate examples/one_time_purchases.csv --at 2020-06-30T12:00:00Z -o results.csv\n"
        "  csp-rules evaluate purchases.csv --lang fr -o results.parquet\n"
        "  csp-rules evaluate export_excel.csv --date-order dmy --decimal-comma > results.csv\n"
        "  csp-rules evaluate line_items.json --json -o results.csv\n"
        "  cat purchases.csv | csp-rules evaluate - -o results.csv\n\n"
        "Read as Partner Center and Excel write files: the delimiter (, ; or tab) is taken from the\n"
        "header line unless --delimiter says it; UTF-8 with or without a byte order mark; quoted line\n"
        f"breaks anywhere; a row of up to {_mib(MAX_ROW_BYTES)}; only an empty cell is null (NA is Namibia).\n"
        "Lu comme Partner Center et Excel écrivent : le séparateur (, ; ou tabulation) est celui de la\n"
        "ligne d'en-tête sauf si --delimiter le donne ; UTF-8 avec ou sans marque d'ordre des octets ;\n"
        f"retours à la ligne entre guillemets partout ; une ligne jusqu'à {_mib(MAX_ROW_BYTES)} ; seule une\n"
        "cellule vide est nulle (NA est la Namibie).\n\n"
        "-o is replaced only when every row and the summary are written (a temporary file beside it\n"
        "is renamed over it); on any failure it is left as it was. -o naming FILE is refused.\n"
        "-o n'est remplacé qu'une fois toutes les lignes et le résumé écrits (un fichier temporaire à\n"
        "côté est renommé) ; en cas d'échec il reste tel quel. -o désignant FILE est refusé.\n\n"
        "exit status: 0 when the file was processed (rows in error are reported, not fatal), 2 when it\n"
        "cannot be read, lacks required columns, cannot be written (a full disk...) or a flag is wrong\n"
        "(one line on standard error), 3 on an internal error (--debug adds the traceback).\n"
        "statut de sortie : 0 quand le fichier a été traité (les lignes en erreur sont signalées, pas\n"
        "fatales), 2 quand il ne peut être lu, qu'il manque des colonnes requises, qu'il ne peut être\n"
        "écrit (disque plein...) ou qu'une option est fausse (une ligne sur la sortie d'erreur), 3 pour\n"
        "une erreur interne (--debug y ajoute la pile d'appels).",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "file", metavar="FILE", help="the CSV or JSON (.json, .jsonl) file to read; '-' for standard input"
    )
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
    parser.add_argument(
        "--format",
        choices=("csv", "json"),
        help="how FILE is written (default: json for .json, .jsonl and .ndjson, else csv; standard "
        "input is JSON when it starts with [ or {)",
    )
    parser.add_argument(
        "--delimiter",
        metavar="CHAR",
        type=_delimiter,
        help="the CSV delimiter: ',', ';' or 'tab' (default: the one of the header line)",
    )
    parser.add_argument(
        "--date-order",
        choices=("mdy", "dmy"),
        default="mdy",
        help="how Partner Center's en-US dates (10/3/2020) are read: month first (mdy, the default, as "
        "Partner Center writes them) or day first (dmy, a file re-saved in a day-first locale); a value "
        "that is not a date in that order is an error on its row, never swapped",
    )
    parser.add_argument(
        "--decimal-comma",
        action="store_true",
        help="amounts are written with a decimal comma (1.234,56), as a European re-save writes them",
    )
    add_rules(parser)
    add_lang(parser)
    parser.add_argument(
        "--json",
        action="store_true",
        help="print the summary as JSON (the same facts, for scripts)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar and no summary")
    one_line_errors(parser)
    parser.set_defaults(handler=run)


def _delimiter(text: str) -> str:
    found = {",": ",", ";": ";", "tab": "\t", "\\t": "\t", "\t": "\t"}.get(
        text.strip().lower() if text.strip() else text
    )
    if found is None:
        raise argparse.ArgumentTypeError(f"expected ',', ';' or 'tab', got {text[:20]!r}")
    return found


def run(args: argparse.Namespace) -> int:
    at = parse_when(args.at, "--at") if args.at else datetime.now(timezone.utc)
    rules = load_rules(args.rules)
    with _Input(args.file, args.format) as given:
        return _run(args, at, rules, given)


def _run(args: argparse.Namespace, at: datetime, rules: Any, given: _Input) -> int:
    from .. import batch
    from ..batch._columns import plan_columns

    to_stdout = args.output == "-" or (args.output is None and not sys.stdout.isatty())
    summary_stream = sys.stderr if to_stdout else sys.stdout
    started = time.perf_counter()
    source: Any
    if given.json:
        source = _JsonSource(given.path, name=given.name)
    else:
        source = _Source(given.path, name=given.name, delimiter=args.delimiter)
    target = None if args.output in (None, "-") else _Target(args.output)
    if target is not None and target.is_file(source.stat):
        raise InvalidInputError(
            f"-o: {args.output!r} is the input file {source.name!r}: write the results to another file "
            "(the input is read while the results are written)",
            field="-o",
            value=args.output,
        )
    if to_stdout and _stdout_is(source.stat):  # `csp-rules evaluate in.csv >> in.csv`
        raise InvalidInputError(
            f"standard output is the input file {source.name!r}: write the results to another file",
            field="-o",
            value="-",
        )
    plan_columns(source.names)  # missing columns: one error before any row is read
    summary = _Summary(rules)
    progress = _Progress(source, enabled=not args.quiet and sys.stderr.isatty())
    schema = batch.output_schema(source.schema)
    # the instant the rows are judged at, in the Parquet file's metadata too (it is also a column)
    schema = schema.with_metadata({**(schema.metadata or {}), batch.EVALUATED_AT: at.isoformat().encode()})
    writer = _Writer(target, to_stdout, schema)
    options = {"lang": args.lang, "date_order": args.date_order, "decimal_comma": args.decimal_comma}
    # on two cores or more, reading, evaluating and writing overlap (pyarrow releases the GIL while it
    # parses and writes): the file is read one table ahead and written one table behind, in order
    overlap = _cores() > 1
    with _Stoppable(), writer, _Ahead(source.tables(CHUNK_ROWS), enabled=overlap) as tables:
        with _Behind(writer.write, enabled=overlap) as write:
            for table in tables:
                result = batch.evaluate(table, at=at, rules=rules, **options)
                summary.add(result)
                write(result)
                progress.update(summary.rows)
        progress.close()
        writer.finish()  # every row written and on disk (or on standard output)
        if not args.quiet:
            elapsed = time.perf_counter() - started
            if args.json:
                summary.print_json(
                    summary_stream, source, at, now=args.at is None, seconds=elapsed, written=writer.name
                )
            else:
                summary.print(
                    summary_stream,
                    args.lang,
                    source,
                    at,
                    now=args.at is None,
                    seconds=elapsed,
                    written=writer.name,
                )
            summary_stream.flush()
        writer.commit()  # only now does OUT change: renamed over, whole
    return 0


def _cores() -> int:
    """The CPUs this process may run on."""
    affinity = getattr(os, "sched_getaffinity", None)
    if affinity is not None:
        with contextlib.suppress(OSError):
            return len(affinity(0))
    return os.cpu_count() or 1


class _Ahead:
    """The items of an iterator, made by a thread one item ahead of their use (or in line, when not
    ``enabled``). An error the iterator raises is raised where the next item is asked for; leaving
    the ``with`` block early stops the thread (the iterator is closed in it) before going on."""

    def __init__(self, items: Iterator[Any], *, enabled: bool) -> None:
        self._items = items
        self._enabled = enabled
        self._slot: Any = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> Iterator[Any]:
        if not self._enabled:
            return self._items
        import queue

        self._slot = queue.Queue(maxsize=1)
        self._thread = threading.Thread(target=self._run, name="csp-rules-read", daemon=True)
        self._thread.start()
        return self._take()

    def _put(self, item: tuple[bool, Any]) -> bool:
        import queue

        while not self._stop.is_set():
            try:
                self._slot.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def _run(self) -> None:
        try:
            for item in self._items:
                if not self._put((True, item)):
                    return
        except BaseException as exc:  # given to the main thread, raised there
            self._put((False, exc))
        else:
            self._put((False, None))
        finally:
            close = getattr(self._items, "close", None)
            if close is not None:
                with contextlib.suppress(Exception):
                    close()

    def _take(self) -> Iterator[Any]:
        while True:
            ok, item = self._slot.get()
            if ok:
                yield item
                continue
            if item is not None:
                raise item
            return

    def __exit__(self, *exc: object) -> None:
        if self._thread is None:
            return
        self._stop.set()
        with contextlib.suppress(Exception):
            while True:
                self._slot.get_nowait()
        self._thread.join()


class _Behind:
    """A function called by a thread on each item given, in order, one item behind (or in line, when
    not ``enabled``). Its first error is raised by the next call, or on leaving the ``with`` block,
    which waits for every item given to be done (and stops the thread early on an error)."""

    def __init__(self, fn: Any, *, enabled: bool) -> None:
        self._fn = fn
        self._enabled = enabled
        self._slot: Any = None
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None

    def __enter__(self) -> Any:
        if not self._enabled:
            return self._fn
        import queue

        self._slot = queue.Queue(maxsize=1)
        self._thread = threading.Thread(target=self._run, name="csp-rules-write", daemon=True)
        self._thread.start()
        return self._give

    def _run(self) -> None:
        while True:
            ok, item = self._slot.get()
            if not ok:
                return
            if self._error is None:
                try:
                    self._fn(item)
                except BaseException as exc:  # raised in the main thread
                    self._error = exc

    def _give(self, item: Any) -> None:
        if self._error is not None:
            raise self._error
        self._slot.put((True, item))

    def __exit__(self, kind: object, exc: object, tb: object) -> None:
        if self._thread is None:
            return
        if kind is not None:  # failing already: what is queued need not be written
            self._error = self._error or RuntimeError("stopped")
        self._slot.put((False, None))
        self._thread.join()
        if kind is None and self._error is not None:
            raise self._error


class _Input:
    """FILE as a path to read, and whether it is JSON; ``-`` (standard input) is first copied to a
    temporary file (the reader reads a file more than once: its header, its rows, the lines of errors),
    removed at the end."""

    def __init__(self, file: str, form: str | None) -> None:
        self.file = file
        self.form = form
        self.spool: str | None = None
        self.path = Path(file)
        self.name = file
        self.json = (
            form == "json" if form is not None else self.path.suffix.lower() in (".json", ".jsonl", ".ndjson")
        )

    def __enter__(self) -> _Input:
        if self.file != "-":
            return self
        import tempfile

        stream = getattr(sys.stdin, "buffer", None)
        if stream is None or sys.stdin.isatty():
            raise InvalidInputError(
                "FILE is '-' but standard input is a terminal: pipe the file in (cat file.csv | csp-rules "
                "evaluate -) or give its name",
                field="file",
                value="-",
            )
        fd, self.spool = tempfile.mkstemp(prefix="csp-rules-stdin-", suffix=".tmp")
        first = b""
        try:
            with os.fdopen(fd, "wb") as out:
                while True:
                    chunk = stream.read(1 << 20)
                    if not chunk:
                        break
                    if not first.strip():
                        first += chunk[:4096]
                    out.write(chunk)
        except OSError as exc:
            self._remove()
            raise IOFailure("read", "standard input", exc) from None
        self.path = Path(self.spool)
        self.name = "standard input"
        if self.form is None:
            self.json = first.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"[", b"{")
        return self

    def _remove(self) -> None:
        if self.spool is not None:
            with contextlib.suppress(OSError):
                os.unlink(self.spool)
            self.spool = None

    def __exit__(self, *exc: object) -> None:
        self._remove()


def _stdout_is(other: os.stat_result) -> bool:
    """Whether standard output is the file ``other`` describes (appended to, it would never end)."""
    try:
        mine = os.fstat(sys.stdout.fileno())
    except (AttributeError, OSError, ValueError):  # not a real file (io.UnsupportedOperation is both)
        return False
    return stat.S_ISREG(mine.st_mode) and (mine.st_dev, mine.st_ino) == (other.st_dev, other.st_ino)


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:300]


def _mib(size: int) -> str:
    """A size in bytes as people say it: ``64 MiB`` (``48 KiB`` below a mebibyte)."""
    return f"{size >> 20} MiB" if size >= 1 << 20 else f"{size >> 10} KiB"


# --- reading ---------------------------------------------------------------------------------------


class _Source:
    """The CSV file being evaluated: a regular file, its header, and its rows in Arrow batches.

    Every problem is said in the library's words, with the line an editor shows (the header is
    line 1 when nothing precedes it; a value with a line break in quotes spans several lines)."""

    def __init__(self, path: Path, *, name: str | None = None, delimiter: str | None = None) -> None:
        import pyarrow as pa

        self.path = path
        self.name = str(path) if name is None else name
        try:
            self.stat = os.stat(path)
        except (OSError, ValueError) as exc:
            raise self._error(f"cannot open the file: {os_reason(exc)}") from None
        if stat.S_ISDIR(self.stat.st_mode):
            raise self._error("is a directory; give a CSV file")
        if not stat.S_ISREG(self.stat.st_mode):
            raise self._error("not a regular file (a pipe or a device): save the CSV to a file first")
        self.size = self.stat.st_size
        self._file: Any = None
        self.delimiter = sniff_delimiter(path) if delimiter is None else delimiter
        try:
            with _Records(path, self.delimiter) as records:
                header = next(records, None)
                self.has_rows = header is not None and next(records, None) is not None
        except _CsvProblem as problem:
            raise self._error(str(problem)) from None
        if header is None:
            raise self._error("the file is empty (no header row)")
        self.header_line, self.names = header
        if any(_BAD_TEXT.search(n) for n in self.names):
            raise self._error(
                f"line {self.header_line}: the header is not UTF-8 text (save the file as UTF-8)"
            )
        self.schema = pa.schema([pa.field(n, pa.string()) for n in self.names])

    def _error(self, why: str) -> InvalidInputError:
        return InvalidInputError(f"{self.name}: {why}", field="file", value=self.name)

    def tell(self) -> int:
        """How far the reader is in the file, in bytes (for the progress bar)."""
        try:
            return int(self._file.tell()) if self._file is not None else 0
        except (OSError, ValueError):
            return 0

    def tables(self, rows_per_table: int) -> Iterator[Any]:
        """The rows, in tables of about ``rows_per_table`` rows (whole Arrow blocks gathered)."""
        import pyarrow as pa

        pending: list[Any] = []
        count = 0
        for block in self._blocks():
            pending.append(block)
            count += block.num_rows
            if count >= rows_per_table:
                # exactly rows_per_table rows (the rest begins the next table): a table a few rows past
                # a slice of the engine would be evaluated as two slices, the second tiny
                table = pa.Table.from_batches(pending, schema=self.schema)
                yield table.slice(0, rows_per_table)
                rest = table.slice(rows_per_table)
                pending, count = rest.to_batches(), rest.num_rows
        if count:
            yield pa.Table.from_batches(pending, schema=self.schema)

    def _blocks(self) -> Iterator[Any]:
        """Record batches of every row, read in blocks of :data:`BLOCK_BYTES`; if a row is longer
        than a block, the rest is read again in blocks of :data:`MAX_ROW_BYTES`."""
        import pyarrow as pa

        if not self.has_rows:  # a header alone (with or without a final line break): no rows
            return
        done = 0
        block_size = BLOCK_BYTES
        while True:
            skip = done
            try:
                reader = self._reader(block_size)
                while True:
                    try:
                        batch = reader.read_next_batch()
                    except StopIteration:
                        return
                    if skip:  # rows already given, read again with larger blocks
                        if batch.num_rows <= skip:
                            skip -= batch.num_rows
                            continue
                        batch, skip = batch.slice(skip), 0
                    if batch.schema.names != self.names:
                        raise self._error("the header cannot be read as CSV columns")
                    done += batch.num_rows
                    yield batch
            except pa.ArrowInvalid as exc:
                if "straddl" in str(exc) and block_size < MAX_ROW_BYTES:
                    block_size = MAX_ROW_BYTES
                    continue
                raise self._read_error(done) from None
            except OSError as exc:
                raise IOFailure("read", repr(self.name), exc) from None
            finally:
                self._close()

    def _reader(self, block_size: int) -> Any:
        import pyarrow as pa
        import pyarrow.csv as pv

        self._close()
        try:
            self._file = pa.OSFile(str(self.path), "rb")
        except (OSError, pa.ArrowException) as exc:
            raise self._error(f"cannot open the file: {os_reason(exc)}") from None
        return pv.open_csv(
            self._file,
            # no background read-ahead: memory stays flat whatever the file's length
            read_options=pv.ReadOptions(block_size=block_size, use_threads=False),
            # a quoted value may hold line breaks anywhere (RFC 4180)
            parse_options=pv.ParseOptions(delimiter=self.delimiter, newlines_in_values=True),
            # only an empty cell is null: NA is Namibia, and N/A, NULL or nan are text like any other
            convert_options=pv.ConvertOptions(
                column_types={name: pa.string() for name in self.names},
                null_values=[""],
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
            ),
        )

    def _close(self) -> None:
        if self._file is not None:
            try:
                self._file.close()
            finally:
                self._file = None

    def _read_error(self, done: int) -> InvalidInputError:
        """What Arrow refused (after ``done`` good rows), found again by reading the file as an
        editor does, and said in our words with its line."""
        width = len(self.names)
        unread = None  # the line of the first row Arrow did not give
        try:
            with _Records(self.path, self.delimiter) as records:
                next(records, None)  # the header
                for number, (line, values) in enumerate(records, start=1):
                    if number <= done:  # Arrow read these
                        continue
                    if number == done + 1:
                        unread = line
                    if len(values) != width:
                        return self._error(
                            f"line {line}: {len(values)} value{'s' if len(values) != 1 else ''} where the "
                            f"header has {width} columns (a value with a {_DELIMITERS[self.delimiter]} must "
                            "be in double quotes)"
                        )
                    if any(_BAD_TEXT.search(v) for v in values if v):
                        return self._error(f"line {line}: not UTF-8 text (save the file as UTF-8)")
                    if _row_bytes(values) >= MAX_ROW_BYTES:
                        return self._error(
                            f"line {line}: a row longer than {_mib(MAX_ROW_BYTES)}, the most a row may hold "
                            "(is a double quote left open?)"
                        )
        except _CsvProblem as problem:
            return self._error(str(problem))
        where = f"from line {unread} on " if unread is not None else ""
        return self._error(f"the rows {where}cannot be read as CSV")

    def lines(self, rows: Iterable[int]) -> dict[int, int]:
        """The line an editor shows for each data row asked for (see :func:`_lines_of_rows`)."""
        return _lines_of_rows(self.path, rows, self.delimiter)


class _JsonSource:
    """A JSON file of Partner Center API line items (an array, JSON lines, or a page with ``items``),
    read with :func:`csp_rules.batch.read_json`: every value as text, numbers exactly."""

    def __init__(self, path: Path, *, name: str | None = None) -> None:
        import pyarrow as pa

        from ..batch import read_json

        self.path = path
        self.name = str(path) if name is None else name
        self.delimiter = ","
        try:
            self.stat = os.stat(path)
        except (OSError, ValueError) as exc:
            raise self._error(f"cannot open the file: {os_reason(exc)}") from None
        if stat.S_ISDIR(self.stat.st_mode):
            raise self._error("is a directory; give a JSON file")
        if not stat.S_ISREG(self.stat.st_mode):
            raise self._error("not a regular file (a pipe or a device): save the JSON to a file first")
        self.size = self.stat.st_size
        try:
            self.table = read_json(path)
        except InvalidInputError as exc:
            why = str(exc).split(": ", 1)[-1]
            raise self._error(why) from None
        self.names = self.table.column_names
        self.schema = pa.schema([pa.field(n, pa.string()) for n in self.names])
        self.has_rows = self.table.num_rows > 0
        self._done = 0
        self._lines: list[int] | None = None

    def _error(self, why: str) -> InvalidInputError:
        return InvalidInputError(f"{self.name}: {why}", field="file", value=self.name)

    def tables(self, rows_per_table: int) -> Iterator[Any]:
        for start in range(0, self.table.num_rows, rows_per_table):
            part = self.table.slice(start, rows_per_table)
            self._done = start + part.num_rows
            yield part

    def tell(self) -> int:
        return int(self.size * self._done // max(1, self.table.num_rows))

    def lines(self, rows: Iterable[int]) -> dict[int, int]:
        """For JSON lines, the line of each item; for an array or a page, none (the summary gives the
        item's number)."""
        if self._lines is None:
            self._lines = []
            try:
                text = self.path.read_bytes().decode("utf-8-sig")
            except (OSError, UnicodeDecodeError):
                return {}
            numbered = [(i, line) for i, line in enumerate(text.splitlines(), start=1) if line.strip()]
            try:
                one_line = bool(numbered) and isinstance(json.loads(numbered[0][1]), dict)
            except ValueError:
                one_line = False
            if one_line and len(numbered) == self.table.num_rows:
                self._lines = [i for i, _ in numbered]
        return {r: self._lines[r - 1] for r in rows if 0 < r <= len(self._lines)}


def _row_bytes(values: list[str]) -> int:
    """About how many bytes a row takes in the file (its values, commas and quotes)."""
    size = sum(len(v) for v in values)
    if size * 4 + 3 * len(values) < MAX_ROW_BYTES:  # no UTF-8 text of these characters is that long
        return size
    return sum(len(v.encode("utf-8", "surrogateescape")) + 3 for v in values)


#: text that was not UTF-8 in the file (read with surrogateescape)
_BAD_TEXT = re.compile("[\udc80-\udcff]")


class _CsvProblem(Exception):
    """A record the scan cannot read, with its line."""


class _Records:
    """The non-blank records of a CSV file, as ``(line, values)``: the line (as an editor counts it,
    from 1) where each record starts. Bytes that are not UTF-8 are kept as lone surrogates."""

    def __init__(self, path: Path, delimiter: str = ",") -> None:
        self._fh: Any = None
        try:
            self._fh = open(path, encoding="utf-8-sig", errors="surrogateescape", newline="")  # noqa: SIM115
        except OSError as exc:
            raise _CsvProblem(f"cannot open the file: {os_reason(exc)}") from None
        self._reader = csv.reader(self._fh, delimiter=delimiter, strict=False)
        self._line = 0

    def __iter__(self) -> _Records:
        return self

    def __next__(self) -> tuple[int, list[str]]:
        while True:
            start = self._line + 1
            old = csv.field_size_limit()
            csv.field_size_limit(max(old, MAX_ROW_BYTES))  # a value may be as long as a row
            try:
                values = next(self._reader)
            except csv.Error as exc:
                raise _CsvProblem(f"line {start}: not readable as CSV ({_one_line(exc)})") from None
            except OSError as exc:
                raise _CsvProblem(f"cannot read the file: {os_reason(exc)}") from None
            finally:
                csv.field_size_limit(old)
            self._line = self._reader.line_num
            if values:
                return start, values

    def __enter__(self) -> _Records:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._fh is not None:
            self._fh.close()


#: the delimiters a file may use, and how a message names them
_DELIMITERS: dict[str, str] = {",": "comma", ";": "semicolon", "\t": "tab"}


def sniff_delimiter(path: Path) -> str:
    """The delimiter of a CSV file: of ``,`` ``;`` and tab, the one its header line (the first
    non-blank line, quoted text aside) holds most often; ``,`` when it holds none. A semicolon-
    separated export of Excel in a European locale is read without ``--delimiter``."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(1 << 20)
    except OSError:
        return ","  # the file's own error is reported when it is opened
    text = head.decode("utf-8-sig", errors="replace")
    counts = dict.fromkeys(_DELIMITERS, 0)
    quoted = False
    started = False
    for char in text:
        if char == '"':
            quoted = not quoted
        elif quoted:
            continue
        elif char in "\r\n":
            if started:
                break
        else:
            started = started or not char.isspace()
            if char in counts:
                counts[char] += 1
    best = max(counts, key=lambda d: (counts[d], d == ","))
    return best if counts[best] else ","


def _lines_of_rows(path: Path, rows: Iterable[int], delimiter: str = ",") -> dict[int, int]:
    """The line where each data row (counted from 1, blank lines skipped) starts; the file is read
    only as far as the last row asked for. A row the scan does not reach is left out."""
    wanted = sorted(set(rows))
    found: dict[int, int] = {}
    if not wanted:
        return found
    try:
        with _Records(path, delimiter) as records:
            next(records, None)  # the header
            i = 0
            for number, (line, _values) in enumerate(records, start=1):
                if number == wanted[i]:
                    found[number] = line
                    i += 1
                    if i == len(wanted):
                        break
    except _CsvProblem:
        pass
    return found


# --- writing ---------------------------------------------------------------------------------------


class _Target:
    """Where ``-o`` writes: a file replaced whole at the end, or a device or pipe written as a stream."""

    def __init__(self, output: str) -> None:
        self.name = output
        suffix = Path(output).suffix.lower()
        if suffix not in (".csv", ".txt", ".parquet"):
            raise InvalidInputError(
                f"-o: write to a .csv or .parquet file, got {output!r}", field="-o", value=output
            )
        self.parquet = suffix == ".parquet"
        try:
            self.stat: os.stat_result | None = os.stat(output)
        except FileNotFoundError:
            self.stat = None
        except (OSError, ValueError) as exc:
            raise InvalidInputError(
                f"-o: cannot write {output!r}: {os_reason(exc)}", field="-o", value=output
            ) from None
        if self.stat is not None and stat.S_ISDIR(self.stat.st_mode):
            raise InvalidInputError(
                f"-o: {output!r} is a directory; give a file name", field="-o", value=output
            )
        #: a device or a named pipe (``/dev/null``, ``/dev/stdout``) is written to as it is
        self.stream = self.stat is not None and not stat.S_ISREG(self.stat.st_mode)
        #: the file renamed over at the end: a symbolic link's target, not the link
        self.final = output if self.stream else os.path.realpath(output)

    def is_file(self, other: os.stat_result) -> bool:
        """Whether this is the file ``other`` describes (the same device and inode: also through a
        symbolic or a hard link)."""
        return self.stat is not None and (self.stat.st_dev, self.stat.st_ino) == (other.st_dev, other.st_ino)


class _Writer:
    """Writes result tables to ``-o``, standard output, or nowhere.

    A file is written to a temporary file beside it (``.NAME.XXXXXXXX.csp-rules-tmp``), made
    durable (fsync) and renamed over NAME only by :meth:`commit`, after the last row and the
    summary; on any failure, or when interrupted, the temporary file is removed and NAME is as it
    was. (After ``kill -9`` only the temporary file can be left, never a partial NAME.)"""

    def __init__(self, target: _Target | None, to_stdout: bool, schema: Any) -> None:
        self.target = target
        self.to_stdout = to_stdout
        self.schema = schema
        self.name: str | None = "-" if to_stdout else (target.name if target is not None else None)
        self._sink: Any = None
        self._temp: str | None = None
        self._committed = False

    def __enter__(self) -> _Writer:
        import pyarrow.csv as pv

        if self.to_stdout:
            try:
                self._sink = pv.CSVWriter(sys.stdout.buffer, _csv_schema(self.schema))
            except (IOFailure, BrokenPipeError):
                raise
            except OSError as exc:
                raise self._failure(exc) from None
        elif self.target is not None:
            path = self.target.final if self.target.stream else self._make_temp()
            try:
                if self.target.parquet:
                    import pyarrow.parquet as pq

                    self._sink = pq.ParquetWriter(path, self.schema)
                else:
                    self._sink = pv.CSVWriter(path, _csv_schema(self.schema))
            except Exception as exc:
                self._discard()
                raise self._failure(exc) from None
        return self

    def _make_temp(self) -> str:
        assert self.target is not None
        folder, base = os.path.split(self.target.final)
        mode = stat.S_IMODE(self.target.stat.st_mode) if self.target.stat is not None else 0o666
        for _ in range(100):
            temp = os.path.join(folder, f".{base}.{secrets.token_hex(4)}.csp-rules-tmp")
            try:
                fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o666)
            except FileExistsError:
                continue
            except OSError as exc:
                raise self._failure(exc) from None
            self._temp = temp
            try:
                fchmod = getattr(os, "fchmod", None)  # not on every platform
                if self.target.stat is not None and fchmod is not None:  # the old file's permissions
                    fchmod(fd, mode)
            except OSError:
                pass
            finally:
                os.close(fd)
            return temp
        raise self._failure(FileExistsError(17, "no free name for a temporary file"))

    def _failure(self, exc: BaseException) -> IOFailure:
        if self.to_stdout:
            return IOFailure("write to", "standard output", exc)
        return IOFailure("write", repr(self.name), exc)

    def write(self, result: Any) -> None:
        """Write a table of results."""
        if self._sink is None:
            return
        try:
            self._sink.write_table(
                result if self.target is not None and self.target.parquet else _for_csv(result)
            )
        except (IOFailure, BrokenPipeError):
            raise
        except OSError as exc:
            raise self._failure(exc) from None

    def finish(self) -> None:
        """Close the output, with every row written, and make a file's bytes durable."""
        if self._sink is None:
            return
        sink, self._sink = self._sink, None
        try:
            sink.close()
            if self.to_stdout:
                sys.stdout.buffer.flush()
            elif self._temp is not None:
                fd = os.open(self._temp, os.O_RDONLY)
                try:
                    os.fsync(fd)
                finally:
                    os.close(fd)
        except (IOFailure, BrokenPipeError):
            raise
        except OSError as exc:
            raise self._failure(exc) from None

    def commit(self) -> None:
        """Rename the finished temporary file over the target (atomic: readers see the old or the new)."""
        if self._temp is None:
            return
        assert self.target is not None
        try:
            os.replace(self._temp, self.target.final)
        except OSError as exc:
            raise self._failure(exc) from None
        self._committed = True
        self._temp = None
        try:  # the rename itself, durable too
            fd = os.open(os.path.dirname(self.target.final) or ".", os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError:
            pass

    def _discard(self) -> None:
        sink, self._sink = self._sink, None
        if sink is not None:
            with contextlib.suppress(Exception):  # the run has already failed: this says nothing new
                sink.close()
        if self._temp is not None:
            with contextlib.suppress(OSError):
                os.unlink(self._temp)
            self._temp = None

    def __exit__(self, *exc: object) -> None:
        self._discard()  # after commit, nothing is left to discard


class _Stopped(KeyboardInterrupt):
    """SIGTERM or SIGHUP while evaluating: stop as Ctrl-C does, removing the temporary file; the
    exit status is 128 + the signal's number, as if the signal had ended the process."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.status = 128 + signum


class _Stoppable:
    """Turns SIGTERM and SIGHUP into :class:`_Stopped` while the rows are written, so the temporary
    output is removed (the main thread only; elsewhere the signals keep their handlers)."""

    def __enter__(self) -> _Stoppable:
        self._old: dict[int, Any] = {}
        if threading.current_thread() is not threading.main_thread():
            return self
        for name in ("SIGTERM", "SIGHUP"):
            number = getattr(signal, name, None)
            if number is not None:
                with contextlib.suppress(OSError, ValueError):
                    self._old[number] = signal.signal(number, _stop)
        return self

    def __exit__(self, *exc: object) -> None:
        for number, handler in self._old.items():
            signal.signal(number, handler)


def _stop(signum: int, frame: Any) -> None:
    raise _Stopped(signum)


def _csv_schema(schema: Any) -> Any:
    import pyarrow as pa

    fields = [pa.field(f.name, pa.string()) if f.name in _TEXT_IN_CSV else f for f in schema]
    return pa.schema(fields, metadata=schema.metadata)


#: result columns written as text of their own in CSV: instants in ISO 8601, amounts with their decimals
_TEXT_IN_CSV = ("cancel_deadline", "credit_amount", "evaluated_at")


def _for_csv(result: Any) -> Any:
    """A table of results for CSV: deadlines as ISO 8601 (``2020-03-01T00:00:00Z``), credits with
    their currency's decimals (``116.71`` EUR, ``667`` JPY)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    from ..batch._read import booleans, numbers, plain
    from ..facts import currency_digits

    names = result.schema.names
    result = result.set_column(
        names.index("evaluated_at"), "evaluated_at", _iso(result.column("evaluated_at"))
    )
    text = _iso(result.column("cancel_deadline"))
    amount = plain(result.column("credit_amount"))
    shown = pc.cast(amount, pa.string())
    if amount.null_count < len(amount):
        encoded = pc.dictionary_encode(plain(result.column("credit_currency")))
        digits = np.array([currency_digits(c) for c in encoded.dictionary.to_pylist()] + [4], dtype=np.int64)
        row_digits = digits[numbers(encoded.indices, len(digits) - 1)]
        for d in sorted(set(row_digits.tolist()) - {4}):
            # exact on the rows of this currency (their amounts have d decimals); others are not taken
            exact = pc.cast(pc.cast(amount, pa.decimal128(38, d), safe=False), pa.string())
            shown = pc.if_else(booleans(row_digits == d), exact, shown)
    result = result.set_column(names.index("cancel_deadline"), "cancel_deadline", text)
    return result.set_column(names.index("credit_amount"), "credit_amount", shown)


def _iso(column: Any) -> Any:
    """UTC instants (microseconds) as ISO 8601 text, ``2020-03-01T00:00:00Z`` (the microseconds shown only
    when there are some), nulls kept; numpy's own formatting, column-wise (Arrow's strftime is slower)."""
    import numpy as np
    import pyarrow as pa

    from ..batch._read import ints, numbers, plain, valid_mask

    instants = plain(column)
    n = len(instants)
    if instants.null_count == n:
        return pa.nulls(n, pa.string())
    us = numbers(instants.cast(pa.int64()))
    if instants.null_count == 0 and (us == us[0]).all():  # one instant on every row (evaluated_at)
        return _iso_text(us[:1], np.ones(1, dtype=np.bool_)).take(
            ints(np.zeros(n, dtype=np.int32), pa.int32())
        )
    return _iso_text(us, valid_mask(instants))


def _iso_text(us: Any, valid: Any) -> Any:
    """UTC instants (microseconds since 1970, years 1 to 9999) as ISO 8601 text, built digit by digit
    in a byte matrix (no per-row Python, no ``pa.array``: it imports pandas when it is installed)."""
    import numpy as np
    import pyarrow as pa

    valid = np.asarray(valid, dtype=np.bool_)
    n = len(us)
    days, micros = np.divmod(us, 86_400_000_000)
    seconds, fraction = np.divmod(micros, 1_000_000)
    # the civil date of a day number (proleptic Gregorian; H. Hinnant's days_from_civil inverse)
    z = days + 719_468
    era = np.floor_divide(z, 146_097)
    doe = z - era * 146_097
    yoe = (doe - doe // 1460 + doe // 36_524 - doe // 146_096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = np.where(mp < 10, mp + 3, mp - 9)
    year = yoe + era * 400 + (month <= 2)
    out = np.empty((n, 27), dtype=np.uint8)

    def digits(column: int, value: Any, width: int) -> None:
        for k in range(width - 1, -1, -1):
            value, digit = np.divmod(value, 10)
            out[:, column + k] = 48 + digit

    digits(0, year, 4)
    digits(5, month, 2)
    digits(8, day, 2)
    digits(11, seconds // 3600, 2)
    digits(14, seconds // 60 % 60, 2)
    digits(17, seconds % 60, 2)
    digits(20, fraction, 6)
    out[:, [4, 7]] = ord("-")
    out[:, 10] = ord("T")
    out[:, [13, 16]] = ord(":")
    whole = fraction == 0
    out[:, 19] = np.where(whole, ord("Z"), ord("."))
    out[:, 26] = ord("Z")
    lengths = np.where(valid, np.where(whole, 20, 27), 0).astype(np.int32)
    offsets = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(lengths, out=offsets[1:])
    if whole[valid].all():  # the common case (whole seconds): 20 bytes a row, no byte mask
        data = out[:, :20] if valid.all() else out[:, :20][valid]
    else:
        data = out[np.arange(27) < lengths[:, None]]
    null = ~np.asarray(valid, dtype=np.bool_)
    validity = pa.py_buffer(np.packbits(~null, bitorder="little")) if null.any() else None
    return pa.Array.from_buffers(
        pa.string(), n, [validity, pa.py_buffer(offsets), pa.py_buffer(data.tobytes())],
        null_count=int(null.sum()),
    )  # fmt: skip


#: a decimal context wide enough for any sum of result amounts (no rounding, no overflow)
_EXACT = Context(prec=200, Emax=10**6, Emin=-(10**6))


class _Summary:
    """The :class:`csp_rules.batch.Summary` of the rows as the file streams by, and how the CLI shows it:
    a title (the file, the instant, the speed), the summary's text with examples at their file lines,
    where the rows went."""

    def __init__(self, rules: Any = None) -> None:
        from ..batch import Summary

        self.rules = rules  # the chain (or rule set) the rows are judged by
        self.summary = Summary()

    @property
    def rows(self) -> int:
        return self.summary.rows

    @property
    def credits(self) -> dict[str, Decimal]:
        return dict(self.summary.credits)

    def add(self, result: Any) -> None:
        from ..batch import summarize

        self.summary = self.summary + summarize(result, rules=self.rules)

    def print(
        self,
        out: IO[str],
        lang: str,
        source: Any,
        at: datetime,
        *,
        now: bool,
        seconds: float,
        written: str | None,
    ) -> None:
        from babel.numbers import format_decimal

        from .._l10n import babel_locale, format_number, plural_form
        from ..decision import format_value

        t = _TEXT[lang]
        loc = babel_locale(lang)
        s = self.summary
        rate = format_number(round(s.rows / seconds), lang) if seconds > 0 else "—"
        print(
            t["title_one" if plural_form(s.rows, lang) == "one" else "title_other"].format(
                rows=format_number(s.rows, lang),
                file=source.name,
                at=format_value(at, lang),
                now=t["now"] if now else "",
                seconds=format_decimal(round(seconds, 2), locale=loc),
                rate=rate,
            ),
            file=out,
        )
        lines = source.lines(row for row, _ in s.examples.values())
        for line in s.text(lang, line_of=lines.get):
            print(line, file=out)
        if written and written != "-":
            print(t["written"].format(out=written), file=out)
        elif not written:
            print(t["not_written"], file=out)

    def print_json(
        self, out: IO[str], source: Any, at: datetime, *, now: bool, seconds: float, written: str | None
    ) -> None:
        """The summary's facts as one JSON object: amounts as exact decimal text, instants in ISO 8601."""
        data = self.summary.to_dict()
        lines = source.lines(row for row, _ in self.summary.examples.values())
        for error in data["errors"].values():
            error["example"]["line"] = lines.get(error["example"]["row"])
        data.update(
            file=source.name,
            evaluated_at=at.isoformat().replace("+00:00", "Z"),
            at_is_now=now,
            seconds=round(seconds, 3),
            written=None if written in (None, "-") else written,
        )
        print(json.dumps(data, ensure_ascii=False, indent=2), file=out)


def _outcomes() -> tuple[str, ...]:
    from ..batch import OUTCOMES

    return OUTCOMES


class _Progress:
    """A one-line progress bar on standard error (only on a terminal), by bytes of the file read."""

    def __init__(self, source: Any, *, enabled: bool) -> None:
        self.source = source
        self.enabled = enabled
        self.last = 0.0
        self.size = source.size

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
