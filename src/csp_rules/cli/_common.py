"""Helpers shared by the subcommands: reading dates, instants, money and rule sets from flags, and
printing a decision as text (English or French) or JSON, with the exit status of its answer.

No hidden clock: an instant the answer depends on ("now") is always a flag the user gives.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any, NoReturn

from ..errors import InvalidDateError, InvalidFieldError, NaiveDatetimeError

#: exit statuses of every command
YES, NO, BAD_INPUT = 0, 1, 2

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
    """The rule set of a file given with ``--rules``, or None (the rule set in force applies)."""
    if path is None:
        return None
    from ..rulesets import load_ruleset

    return load_ruleset(path)


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
        help="judge by your own rule set (JSON or TOML) instead of the shipped one in force",
    )


def one_line_errors(parser: argparse.ArgumentParser) -> None:
    """Make a parser's usage errors one line on standard error, with exit status 2."""

    def error(message: str) -> NoReturn:
        parser.exit(BAD_INPUT, f"{parser.prog}: error: {message} (see {parser.prog} --help)\n")

    parser.error = error  # type: ignore[method-assign]


def command_parser(sub: Any, name: str, *, summary: str, description: str, examples: Sequence[str]) -> Any:
    """A subcommand parser with its examples in the epilog (shown by ``--help``)."""
    epilog = "examples:\n" + "\n".join(f"  {line}" for line in examples)
    epilog += (
        "\n\nexit status: 0 when the answer is yes, 1 when it is no, 2 on bad input (one line on stderr)."
    )
    import textwrap

    return sub.add_parser(
        name,
        help=summary,
        description=textwrap.fill(description, 88),
        epilog=epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def print_json(data: Any) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2, default=str)
    sys.stdout.write("\n")


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
        "amount": "avoir",
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
    verdict = word("yes" if decision.allowed else "no", lang)
    sep = " : " if lang == "fr" else ": "
    print(f"{verdict}{sep}{decision.outcome.value}")
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
