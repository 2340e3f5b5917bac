"""``csp-rules evaluate`` writes instants of CSV output as ISO 8601 built digit by digit (issue 18): the same
text as numpy's (and Python's) formatting, over the whole calendar."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from csp_rules.cli.evaluate import _iso_text

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
LOW = (datetime(1, 1, 1, tzinfo=timezone.utc) - EPOCH) // timedelta(microseconds=1)
HIGH = (datetime.max.replace(tzinfo=timezone.utc) - EPOCH) // timedelta(microseconds=1)


def _python(us: int) -> str:
    moment = EPOCH + timedelta(microseconds=us)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S").rjust(19, "0")
    return text + (f".{moment.microsecond:06d}Z" if moment.microsecond else "Z")


@given(st.lists(st.tuples(st.integers(LOW, HIGH), st.booleans()), max_size=40))
def test_iso_text_is_pythons(rows: list[tuple[int, bool]]) -> None:
    us = np.array([u for u, _ in rows], dtype=np.int64)
    valid = np.array([v for _, v in rows], dtype=np.bool_)
    assert _iso_text(us, valid).to_pylist() == [_python(u) if v else None for u, v in rows]


def test_iso_text_of_the_calendar_ends_and_whole_seconds() -> None:
    us = np.array([LOW, HIGH, 0, -1, 86_400_000_000 * 59], dtype=np.int64)
    assert _iso_text(us, np.ones(5, dtype=np.bool_)).to_pylist() == [
        "0001-01-01T00:00:00Z", "9999-12-31T23:59:59.999999Z", "1970-01-01T00:00:00Z",
        "1969-12-31T23:59:59.999999Z", "1970-03-01T00:00:00Z",
    ]  # fmt: skip
