"""Helpers shared by the subcommands: reading dates, instants, money and rule sets from flags,
printing a decision as text (English or French) or JSON, with the exit status of its answer, and
the standard streams every command writes through.

No hidden clock: an instant the answer depends on ("now") is always a flag the user gives.

Exit statuses (the same for every command; :func:`csp_rules.cli.main` maps failures to them):

=======  ========================================================================================
status   meaning
=======  ========================================================================================
``0``    yes, or the job was done (``evaluate``: every row processed, rows in error included)
``1``    no: only ever the real answer of a one-question command (``market``, ``cancel``...)
``2``    bad input, a usage error, or an input/output failure (a full disk, an I/O error, a file
         that cannot be written): one line on standard error naming the flag or the file
``3``    an unexpected internal error, a bug: one line saying so and where to report it
         (``--debug`` adds the traceback)
``130``  interrupted (Ctrl-C)
``141``  standard output was closed before the command was done (``csp-rules rules | head``):
         the command stops at once and quietly, as a Unix tool ended by SIGPIPE (128 + 13)
=======  ========================================================================================

Whatever the terminal's encoding, output never fails to encode: a character the terminal cannot
show is written in an ASCII spelling (a narrow no-break space as a space, ``é`` as ``e``, ``€`` as
``EUR``), and JSON output escapes it (``\\u00e9``) so that the data stays exact.
"""

from __future__ import annotations

import argparse
import codecs
import errno
import json
import os
import sys
import unicodedata
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any, NoReturn

from ..errors import InvalidDateError, InvalidFieldError, NaiveDatetimeError

#: exit statuses of every command (see the module docstring)
YES, NO, BAD_INPUT, INTERNAL_ERROR = 0, 1, 2, 3
#: standard output closed before the command was done (128 + SIGPIPE, what a shell shows for ``yes | head``)
CLOSED_OUTPUT = 141
#: interrupted by Ctrl-C (128 + SIGINT)
INTERRUPTED = 130

_ISO_HELP = "YYYY-MM-DD (00:00 UTC) or an ISO 8601 date-time with a zone, e.g. 2020-03-01T14:30Z"


def parse_date(text: str, field: str = "--on") -> date:
    """A date given as YYYY-MM-DD."""
    try:
        if len(text) != 10:
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidDateError(
            f"{field}: expected a date as YYYY-MM-DD, got {text!r}", field=field, value=text
        ) from None


def parse_instant(text: str, field: str = "--at") -> datetime:
    """An aware instant in ISO 8601 (``2020-03-01T12:00:00+01:00`` or ``...Z``); naive is refused."""
    if len(text) > 64:
        raise InvalidDateError(f"{field}: not a date-time (too long)", field=field, value=text)
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise InvalidDateError(
            f"{field}: expected an ISO 8601 date-time with a time zone, got {text!r}", field=field, value=text
        ) from None
    if value.utcoffset() is None:
        raise NaiveDatetimeError(field=field, value=text)
    return value


def parse_when(text: str, field: str) -> datetime:
    """A date (``YYYY-MM-DD``, taken as 00:00 UTC, the library's convention) or an aware instant."""
    text = text.strip()
    if len(text) == 10 and "T" not in text and " " not in text:
        from .._time import UTC

        return datetime.combine(parse_date(text, field), time(0), tzinfo=UTC)
    return parse_instant(text, field)


def parse_money(text: str, field: str = "--price") -> Any:
    """``"120.00 EUR"`` (or ``"EUR 120.00"``) as :class:`~csp_rules.facts.Money`."""
    from ..facts import Money

    parts = text.split()
    if len(parts) != 2 or len(text) > 100:
        raise InvalidFieldError(
            f"{field}: expected an amount and a currency, e.g. '120.00 EUR', got {text!r}",
            field=field,
            value=text,
        )
    amount, currency = parts
    if amount[:1].isalpha():
        amount, currency = currency, amount
    return Money(amount, currency.upper())


def parse_int(text: str, field: str, low: int = 0) -> int:
    """A whole number, at least ``low``."""
    try:
        if len(text) > 20:
            raise ValueError
        value = int(text, 10)
    except ValueError:
        raise InvalidFieldError(
            f"{field}: expected a whole number, got {text!r}", field=field, value=text
        ) from None
    if value < low:
        raise InvalidFieldError(
            f"{field}: expected a number of at least {low}, got {value}", field=field, value=text
        )
    return value


def load_rules(path: str | None) -> Any:
    """The chain of versions to judge by: the shipped chain with the version of a file given with
    ``--rules`` added (R11.5: in force from its ``in_force_from`` until the next version; earlier
    dates keep their own versions), or None (the shipped chain)."""
    if path is None:
        return None
    from ..rulesets import load_ruleset, shipped_chain

    return shipped_chain().with_version(load_ruleset(path))


def add_lang(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--lang", choices=("en", "fr"), default="en", help="language of the output (default: en)"
    )


def add_output(parser: argparse.ArgumentParser) -> None:
    """``--lang``, ``--json`` and one-line errors for a subcommand's parser."""
    add_lang(parser)
    parser.add_argument("--json", action="store_true", help="print the answer as JSON, for scripts")
    one_line_errors(parser)


def add_rules(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--rules",
        metavar="FILE",
        help="add your own rule-set version (JSON or TOML) to the shipped ones: in force from its "
        "in_force_from until the next version, earlier dates keep theirs",
    )


def one_line_errors(parser: argparse.ArgumentParser) -> None:
    """Make a parser's usage errors one line on standard error, with exit status 2."""

    def error(message: str) -> NoReturn:
        parser.exit(BAD_INPUT, f"{parser.prog}: error: {message} (see {parser.prog} --help)\n")

    parser.error = error  # type: ignore[method-assign]


def command_parser(sub: Any, name: str, *, summary: str, description: str, examples: Sequence[str]) -> Any:
    """A subcommand parser with its examples in the epilog (shown by ``--help``)."""
    epilog = "examples / exemples :\n" + "\n".join(f"  {line}" for line in examples)
    epilog += "\n\n" + EXIT_HELP
    import textwrap

    return sub.add_parser(
        name,
        help=summary,
        description=textwrap.fill(description, 88),
        epilog=epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


#: the exit statuses of a one-question command, for its ``--help``, in English and French (the
#: help is built before ``--lang`` is read, so it says both)
EXIT_HELP = (
    "exit status: 0 when the answer is yes, 1 when it is no, 2 on bad input or an input/output\n"
    "failure, 3 on an internal error (one line on standard error; --debug adds the traceback).\n"
    "statut de sortie : 0 quand la réponse est oui, 1 quand elle est non, 2 pour une entrée non\n"
    "valable ou un échec de lecture ou d'écriture, 3 pour une erreur interne (une ligne sur la sortie\n"
    "d'erreur ; --debug y ajoute la pile d'appels)."
)


def print_json(data: Any) -> None:
    """``data`` as indented JSON; characters standard output cannot encode are escaped (``\\u00e9``)."""
    json.dump(data, sys.stdout, ensure_ascii=not _is_unicode(sys.stdout), indent=2, default=str)
    sys.stdout.write("\n")


# --- the standard streams ------------------------------------------------------------------------


class IOFailure(Exception):
    """A file or stream that cannot be read or written (a full disk, an I/O error, a closed
    directory): exit status 2 with one line naming it. :attr:`stream` is the guarded stream that
    failed, if it was one."""

    def __init__(self, action: str, name: str, error: BaseException, stream: Any = None) -> None:
        self.stream = stream
        self.error = error
        #: standard output closed by its reader (EPIPE), not a failure to report
        self.closed_pipe = name == "standard output" and getattr(error, "errno", None) == errno.EPIPE
        super().__init__(f"cannot {action} {name}: {os_reason(error)}")


def os_reason(error: BaseException) -> str:
    """What went wrong, in the system's words ("No space left on device"), without Arrow's wrapping."""
    if isinstance(error, OSError):
        if error.errno:
            try:
                return os.strerror(error.errno)
            except ValueError:
                pass
        if error.strerror:
            return str(error.strerror)
    return " ".join(str(error).split())[:200] or type(error).__name__


_UNICODE_CODECS = frozenset({"utf-8", "utf-8-sig", "utf-16", "utf-32", "gb18030"})

#: ASCII spellings of characters that have no compatibility decomposition to fall back on
_SPELLINGS = {
    "€": "EUR",
    "£": "GBP",
    "¥": "Y",
    "₹": "Rs",
    "₩": "W",
    "₽": "RUB",
    "₺": "TL",
    "₪": "ILS",
    "₫": "VND",
    "₱": "PHP",
    "₴": "UAH",
    "₦": "NGN",
    "฿": "THB",
    "¢": "c",
    "‘": "'",
    "’": "'",
    "‚": "'",
    "‛": "'",
    "′": "'",
    "“": '"',
    "”": '"',
    "„": '"',
    "‟": '"',
    "″": '"',
    "«": '"',
    "»": '"',
    "‹": "<",
    "›": ">",
    "‐": "-",
    "‑": "-",
    "‒": "-",
    "–": "-",
    "—": "-",
    "―": "-",
    "−": "-",
    "•": "*",
    "·": ".",
    "×": "x",
    "÷": "/",
    "→": "->",
    "←": "<-",
    "↔": "<->",
    "≤": "<=",
    "≥": ">=",
    "≠": "!=",
    "≈": "~",
    "±": "+/-",
    "°": " deg",
    "œ": "oe",
    "Œ": "OE",
    "æ": "ae",
    "Æ": "AE",
    "ß": "ss",
    "ø": "o",
    "Ø": "O",
    "đ": "d",
    "Đ": "D",
    "ł": "l",
    "Ł": "L",
    "þ": "th",
    "Þ": "Th",
    "ð": "d",
    "Ð": "D",
    "ı": "i",
}


def _is_unicode(stream: Any) -> bool:
    """Whether ``stream`` encodes every character (a UTF encoding), so no fallback is needed."""
    try:
        return codecs.lookup(getattr(stream, "encoding", None) or "ascii").name in _UNICODE_CODECS
    except LookupError:
        return False


def _spell(char: str, encoding: str) -> str:
    """An encodable spelling of one character the encoding lacks: a known ASCII spelling, else its
    compatibility decomposition without accents (U+202F narrow no-break space -> space, é -> e), else '?'."""
    spelled = _SPELLINGS.get(char)
    if spelled is None:
        decomposed = unicodedata.normalize("NFKD", char)
        spelled = "".join(c for c in decomposed if not unicodedata.combining(c))
        if decomposed == char or not spelled:
            spelled = "?"
    try:
        spelled.encode(encoding)
    except UnicodeEncodeError:
        spelled = "".join(c if c.isascii() and c.isprintable() else "?" for c in spelled)
    return spelled


def encodable(text: str, encoding: str) -> str:
    """``text`` with every character ``encoding`` cannot encode replaced by an ASCII spelling.

    >>> encodable("12:00\u202fAM, «Réunion», 1\u202f000 €", "ascii")
    '12:00 AM, "Reunion", 1 000 EUR'
    >>> encodable("Réunion\u202f€", "latin-1")
    'Réunion EUR'
    """
    try:
        text.encode(encoding)
        return text
    except UnicodeEncodeError:
        pass
    except LookupError:
        encoding = "ascii"
    out = []
    for char in text:
        try:
            char.encode(encoding)
        except UnicodeEncodeError:
            char = _spell(char, encoding)
        out.append(char)
    return "".join(out)


class GuardedStream:
    """A text stream (standard output or error) that never fails to encode, and whose write errors
    are an :class:`IOFailure` naming it (a closed pipe stays a :class:`BrokenPipeError`).

    With ``quiet``, a failing write is dropped (standard error: there is nowhere left to report)."""

    def __init__(self, stream: Any, name: str, *, quiet: bool = False) -> None:
        self.stream = stream
        self.name = name
        self.quiet = quiet
        self._encoding = getattr(stream, "encoding", None) or "ascii"
        self._fallback = not _is_unicode(stream)

    def write(self, text: str) -> int:
        if self._fallback:
            text = encodable(text, self._encoding)
        try:
            try:
                return int(self.stream.write(text))
            except UnicodeEncodeError:  # an encoding the check above did not see through
                return int(self.stream.write(encodable(text, "ascii")))
        except OSError as exc:
            return self._failed(exc)

    def flush(self) -> None:
        try:
            self.stream.flush()
        except OSError as exc:
            self._failed(exc)

    def _failed(self, exc: OSError) -> int:
        if self.quiet:
            return 0
        if isinstance(exc, BrokenPipeError):
            raise exc
        raise IOFailure("write to", self.name, exc, stream=self) from None

    @property
    def buffer(self) -> Any:
        """The binary stream underneath (CSV rows are written as UTF-8 bytes, whatever the terminal)."""
        return _GuardedBinary(self.stream.buffer, self)

    def __getattr__(self, name: str) -> Any:  # isatty, fileno, encoding...
        return getattr(self.stream, name)


class _GuardedBinary:
    """The binary stream under a :class:`GuardedStream`, with the same error reporting."""

    def __init__(self, raw: Any, text: GuardedStream) -> None:
        self.raw = raw
        self.text = text

    def write(self, data: bytes) -> int:
        try:
            return int(self.raw.write(data))
        except OSError as exc:
            return self.text._failed(exc)

    def flush(self) -> None:
        try:
            self.raw.flush()
        except OSError as exc:
            self.text._failed(exc)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.raw, name)


# --- printing a decision ---------------------------------------------------------------------------

_WORDS = {
    "en": {
        "yes": "yes",
        "no": "no",
        "rules": "rules",
        "deadline": "deadline",
        "days_left": "days left",
        "time_left": "time left",
        "expires_at": "expires",
        "downloads_left": "downloads left",
        "amount": "credit",
        "fraction": "share of the price",
        "invoice_date": "on the invoice of",
        "unused_days": "unused days",
        "term_days": "term days",
        "market": "market",
        "reservations": "Azure reservations",
        "list": "market list",
        "also": "also",
    },
    "fr": {
        "yes": "oui",
        "no": "non",
        "rules": "règles",
        "deadline": "échéance",
        "days_left": "jours restants",
        "time_left": "temps restant",
        "expires_at": "expire le",
        "downloads_left": "téléchargements restants",
        "amount": "crédit",
        "fraction": "part du prix",
        "invoice_date": "sur la facture du",
        "unused_days": "jours non utilisés",
        "term_days": "jours du terme",
        "market": "marché",
        "reservations": "Réservations Azure",
        "list": "liste des marchés",
        "also": "aussi",
    },
}


def word(key: str, lang: str) -> str:
    return _WORDS[lang][key]


def show(value: Any, lang: str) -> str:
    """A fact as text for people: dates and amounts in the language, durations rounded to the minute."""
    from ..decision import format_value

    if value is None:
        return "—"
    if isinstance(value, timedelta):
        minutes = int(value.total_seconds() // 60)
        days, rest = divmod(minutes, 24 * 60)
        hours, mins = divmod(rest, 60)
        unit = {"en": ("d", "h", "min"), "fr": ("j", "h", "min")}[lang]
        return f"{days} {unit[0]} {hours:02d} {unit[1]} {mins:02d} {unit[2]}"
    if isinstance(value, Fraction):
        from .._l10n import format_percent

        share = (Decimal(value.numerator) / Decimal(value.denominator)).quantize(Decimal("0.0001"))
        return format_percent(share, lang)
    return format_value(value, lang)


def answer(decision: Any) -> int:
    """The exit status of a decision: 0 when allowed (yes), 1 otherwise (no)."""
    return YES if decision.allowed else NO


def report(
    args: argparse.Namespace,
    decision: Any,
    rows: Sequence[tuple[str, Any]] = (),
    *,
    more: Sequence[str] = (),
    json_extra: dict[str, Any] | None = None,
) -> int:
    """What every one-question command does with its decision: JSON (``--json``, with ``json_extra``)
    or text (:func:`print_decision` with ``rows`` and ``more``) in ``--lang``; the exit status of its
    answer (:func:`answer`)."""
    if args.json:
        data = decision_json(decision, args.lang)
        data.update(json_extra or {})
        print_json(data)
    else:
        print_decision(decision, args.lang, rows, more)
    return answer(decision)


def decision_json(decision: Any, lang: str) -> dict[str, Any]:
    """A decision as JSON: :meth:`~csp_rules.decision.Decision.to_dict` plus its sentences in ``lang``."""
    data: dict[str, Any] = decision.to_dict()
    data["answer"] = "yes" if decision.allowed else "no"
    data["explanation"] = decision.explain(lang)
    data["explanations"] = list(decision.explain_all(lang))
    data["lang"] = lang
    return data


def print_decision(
    decision: Any, lang: str, rows: Sequence[tuple[str, Any]] = (), more: Sequence[str] = ()
) -> None:
    """``yes: <outcome>``, the sentence(s) (and ``more``), then the facts in ``rows`` and the rules that decided."""
    from ..decision import outcome_label

    verdict = word("yes" if decision.allowed else "no", lang)
    sep = " : " if lang == "fr" else ": "
    print(f"{verdict}{sep}{outcome_label(decision.outcome, lang)} [{decision.outcome.value}]")
    sentences = decision.explain_all(lang)
    print(sentences[0])
    for extra in sentences[1:]:
        print(f"  ({word('also', lang)}{sep}{extra})")
    for sentence in more:
        print(sentence)
    shown = [(word(key, lang), show(value, lang)) for key, value in rows if value is not None]
    shown.append((word("rules", lang), f"{', '.join(decision.rule_numbers)} ({decision.ruleset_version})"))
    width = max(len(label) for label, _ in shown)
    for label, value in shown:
        print(f"  {label:<{width}}  {value}")
