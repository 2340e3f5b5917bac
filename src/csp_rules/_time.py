"""Instants and dates: timezone-aware, compared in UTC, never the machine's clock or zone."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from .errors import InvalidDateError, NaiveDatetimeError

__all__ = ["UTC", "add_days", "as_date", "as_instant", "require_aware", "utc_date"]

UTC = timezone.utc


def require_aware(value: Any, field: str) -> datetime:
    """Return ``value`` converted to UTC; refuse naive datetimes and non-datetimes.

    >>> from datetime import datetime, timezone, timedelta
    >>> require_aware(datetime(2020, 1, 1, 1, tzinfo=timezone(timedelta(hours=1))), "at")
    datetime.datetime(2020, 1, 1, 0, 0, tzinfo=datetime.timezone.utc)
    """
    if type(value) is datetime and value.tzinfo is UTC:  # the common case, already in UTC
        return value
    if not isinstance(value, datetime):
        raise TypeError(f"{field}: expected an aware datetime, got {type(value).__name__}")
    offset = value.utcoffset()
    if offset is None:
        raise NaiveDatetimeError(field=field, value=value)
    if value.tzinfo is UTC:
        return value
    try:
        return value.astimezone(UTC)
    except OverflowError as exc:
        raise InvalidDateError(
            f"{field}: {value!r} is out of the representable range in UTC", field=field, value=value
        ) from exc


def as_instant(value: Any, field: str) -> datetime:
    """An aware datetime in UTC, or a ``date`` taken as 00:00 UTC that day (RULES.md R7 convention)."""
    if isinstance(value, datetime):
        return require_aware(value, field)
    if isinstance(value, date):
        return datetime.combine(value, time(0), tzinfo=UTC)
    raise TypeError(f"{field}: expected an aware datetime or a date, got {type(value).__name__}")


def utc_date(value: datetime) -> date:
    """The UTC calendar date of an aware instant."""
    return require_aware(value, "value").date()


def as_date(value: Any, field: str) -> date:
    """A calendar date: a ``date``, or the UTC date of an aware ``datetime``."""
    if isinstance(value, datetime):
        return require_aware(value, field).date()
    if isinstance(value, date):
        return value
    raise TypeError(f"{field}: expected a date, got {type(value).__name__}")


def past_calendar_error(field: str, start: str, days: int) -> InvalidDateError:
    """The error of a date ``days`` after ``start`` (shown as given) that is past year 9999."""
    return InvalidDateError(f"{field}: {start} + {days} days is past the end of the calendar", field=field)


def add_days(instant: datetime, days: int, field: str = "date") -> datetime:
    """``instant + days × 24 h``, with a clear error past ``datetime.max``."""
    try:
        return instant + timedelta(days=days)
    except OverflowError as exc:
        error = past_calendar_error(field, instant.isoformat(), days)
        error.value = instant
        raise error from exc
