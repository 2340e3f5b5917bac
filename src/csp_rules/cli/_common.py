"""Helpers shared by the subcommands: dates, languages and output."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date, datetime
from typing import Any

from ..errors import InvalidDateError, NaiveDatetimeError


def parse_date(text: str, field: str = "--on") -> date:
    """A date given as YYYY-MM-DD."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidDateError(
            f"{field}: expected a date as YYYY-MM-DD, got {text!r}", field=field, value=text
        ) from None


def parse_instant(text: str, field: str = "--at") -> datetime:
    """An aware instant in ISO 8601 (``2020-03-01T12:00:00+01:00`` or ``...Z``); naive is refused."""
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise InvalidDateError(
            f"{field}: expected an ISO 8601 date-time with a time zone, got {text!r}", field=field, value=text
        ) from None
    if value.utcoffset() is None:
        raise NaiveDatetimeError(field=field, value=text)
    return value


def add_lang(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--lang", choices=("en", "fr"), default="en", help="language of the output (default: en)"
    )


def print_json(data: Any) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2, default=str)
    sys.stdout.write("\n")
