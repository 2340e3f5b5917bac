"""The ``explanation`` column of :mod:`csp_rules.batch`: one sentence per row, built per distinct template.

Private. A row's sentence is the template of its decision (``data/batch/sentences.json``: the main
reason, then the clause of its information reason and of its dating reasons), its constant
placeholders (the rule set, the window's length, the exclusion's name...) filled once per template
with :func:`csp_rules.decision.format_value`, as every message is. What varies per row is the
number of days left and the deadline, an instant formatted as :func:`csp_rules.decision.format_value`
formats it (babel's medium date-time in UTC, then ``UTC``):

* the deadline's **date** and the days left are few distinct values: each sentence *head* (the
  text up to the time of day) is formatted once per distinct ``(template, days left, date)``;
* the **time of day** has 86,400 values per locale: they are made once per locale (and per text
  that follows them) from babel's own pattern and field values, column-wise, and taken per row.

A row's sentence is its head followed by its time of day: one ``take`` of each and one join,
whatever the number of rows. The result equals babel's formatting exactly (tested against it).
"""

from __future__ import annotations

import json
import re
from datetime import date, time, timedelta
from functools import lru_cache
from importlib import resources
from typing import Any, Final, NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .. import _l10n
from .._frozen import FrozenMap
from .._lazy import Once
from . import _read
from ._read import DAY_US, I64

__all__ = ["Sentences", "Template", "sentences"]

_EPOCH_DAY: Final = date(1970, 1, 1)
#: where the per-row values go in a template's head
DAYS: Final = "\x00days\x00"
DAY: Final = "\x00day\x00"
#: the time of day of the deadline (split point between a head and its tail)
TIME: Final = "\x00time\x00"
#: a plural selection on the days left, chosen per row: ``PLURAL`` + its branches, each branch's text
#: ``\x01``-separated as ``category\x02text``, then ``PLURAL_END``
PLURAL: Final = "\x00plural\x00"
PLURAL_END: Final = "\x00/plural\x00"
_SECONDS: Final = 86_400


def _load() -> FrozenMap[str, Any]:
    text = (resources.files("csp_rules") / "data" / "batch" / "sentences.json").read_text("utf-8")
    data = json.loads(text)
    data.pop("_header", None)
    return FrozenMap(data)


_SENTENCES: Once[FrozenMap[str, Any]] = Once(_load)


def sentences() -> FrozenMap[str, Any]:
    """The sentence templates: ``main``, ``info`` and ``dating`` (reason code -> language -> text) and ``end``."""
    return _SENTENCES()


class Template(NamedTuple):
    """A row's sentence with its constants filled: ``head`` (may hold :data:`DAYS` and :data:`DAY`)
    and, when the sentence ends on the deadline, ``tail``: the text after the deadline's time of day."""

    head: str
    tail: str | None


class _Fill(dict[str, str]):
    """Placeholders of a template: the per-row ones become markers, the others are formatted facts."""

    def __init__(self, facts: dict[str, Any], locale: str, deadline: str) -> None:
        super().__init__()
        self._facts = facts
        self._locale = locale
        self._deadline = deadline

    def __missing__(self, key: str) -> str:
        from ..decision import format_value

        if key == "days_left":
            return DAYS
        if key == "deadline":
            return self._deadline
        if key not in self._facts:
            return "{" + key + "}"
        return format_value(self._facts[key], self._locale)


class Sentences:
    """Sentences in one locale (``en``, ``fr``, ``fr_CA``...): templates filled, then rows formatted."""

    def __init__(self, locale: str) -> None:
        self.locale = locale
        self.lang = _l10n.language(locale)
        _l10n.babel_locale(locale)  # refused now if unsupported
        self.pre, self.mid, self.post = _deadline_pattern(locale)
        self._heads: dict[int, str | None] = {}

    def template(self, codes: list[tuple[str, str]], facts: dict[str, Any]) -> Template:
        """The template of a sentence made of ``codes`` (``(part, reason code)``: ``main``, ``info``,
        ``dating``), with the constant ``facts`` filled in."""
        data = sentences()
        deadline = self.pre + DAY + self.mid + TIME + self.post
        fill = _Fill(facts, self.locale, deadline)
        text = "".join(
            self._plurals(data[part][code][self.lang], facts).format_map(fill) for part, code in codes
        )
        text += data["end"][self.lang]
        if TIME not in text:
            return Template(text, None)
        head, tail = text.split(TIME, 1)
        if (
            TIME in tail or DAY in tail or DAYS in tail
        ):  # pragma: no cover - the templates put {deadline} last
            raise AssertionError("a sentence template has text of a row after its deadline")
        return Template(head, tail)

    def _plurals(self, template: str, facts: dict[str, Any]) -> str:
        """``template`` with its plural selections (``{n, plural, one {…} other {…}}``) chosen: on a
        constant fact now, on the days left (a per-row value) as a marker :meth:`_head` resolves."""
        from ..decision import _parts, _plurals

        parts = _parts(template)
        if len(parts) == 1:
            return template
        out: list[str] = []
        for part in parts:
            if isinstance(part, str):
                out.append(part)
            elif part[0] == "days_left":
                branches = "\x01".join(
                    f"{key}\x02{text.replace('#', '{days_left}')}" for key, text in part[1]
                )
                out.append(
                    PLURAL
                    + branches.replace("{", "{{").replace("}", "}}").replace("{{days_left}}", "{days_left}")
                    + PLURAL_END
                )
            else:
                out.append(
                    _plurals(
                        "{"
                        + part[0]
                        + ", plural, "
                        + " ".join(f"{key} {{{text}}}" for key, text in part[1])
                        + "}",
                        facts,
                        self.locale,
                    )
                )
        return "".join(out)

    def day(self, days: int) -> str:
        """A date (days since 1970) as babel's medium format writes it: ``'Apr 30, 2020'``."""
        return _day_text(self.locale, days)

    def rows(self, templates: list[Template], tid: I64, days_left: I64, deadline_us: I64) -> pa.Array:
        """The sentence of each row: ``templates[tid]`` (null where ``tid`` is -1) with its days left
        and deadline."""
        n = len(tid)
        null = tid < 0
        if not templates or null.all():
            return pa.nulls(n, pa.string())
        safe = np.where(null, 0, tid)
        # one key per distinct head: (template, days left if it says them, the deadline's date if it says it)
        says_days = np.array([DAYS in t.head or PLURAL in t.head for t in templates], dtype=np.bool_)[safe]
        says_day = np.array([DAY in t.head for t in templates], dtype=np.bool_)[safe]
        day = np.floor_divide(deadline_us, DAY_US) + _DAY_OFFSET
        key = (safe << 44) | (np.where(says_days, days_left, 0) << 22) | np.where(says_day, day, 0)
        key[null] = -1
        encoded = pc.dictionary_encode(_read.ints(key))
        cache = self._heads
        heads: list[str | None] = []
        for k in encoded.dictionary.to_pylist():
            found = cache.get(k)
            if found is None and k >= 0:
                found = self._head(templates[k >> 44].head, (k >> 22) & _MASK, (k & _MASK) - _DAY_OFFSET)
                cache[k] = found
            heads.append(found)
        head_col = _strings_or_nulls(heads).take(encoded.indices)
        tails = sorted({t.tail for t in templates if t.tail is not None})
        if not tails:
            return head_col
        # the time of day and what follows it: one dictionary per distinct tail, the last entry ""
        tail_of = np.array(
            [tails.index(t.tail) if t.tail is not None else -1 for t in templates], dtype=np.int64
        )
        which = tail_of[safe]
        second = np.floor_divide(deadline_us, 1_000_000) % _SECONDS
        index = np.where(null | (which < 0), len(tails) * _SECONDS, which * _SECONDS + second)
        times = _times_with(self.locale, tuple(tails))
        return pc.binary_join_element_wise(head_col, times.take(_read.ints(index)), _read.text_scalar(""))

    def _head(self, head: str, days_left: int, day: int) -> str:
        while PLURAL in head:
            before, rest = head.split(PLURAL, 1)
            branches, after = rest.split(PLURAL_END, 1)
            chosen = dict(b.split("\x02", 1) for b in branches.split("\x01"))
            category = _l10n.plural_form(days_left, self.locale)
            text = chosen.get(f"={days_left}", chosen.get(category, chosen["other"]))
            head = before + text + after
        if DAYS in head:
            head = head.replace(DAYS, _l10n.format_number(days_left, self.locale))
        if DAY in head:
            head = head.replace(DAY, self.day(day))
        return head


def _strings_or_nulls(values: list[str | None]) -> pa.Array:
    """An Arrow string array of a (short) list of str and None, without ``pa.array`` (which imports pandas)."""
    valid = np.array([v is not None for v in values], dtype=np.bool_)
    texts = _read.strings([v if v is not None else "" for v in values])
    if valid.all():
        return texts
    return pc.if_else(_read.booleans(valid), texts, _read.null_scalar(pa.string()))


#: days from 0001-01-01 to 1970-01-01 (a date's days since 1970 plus this is never negative)
_DAY_OFFSET: Final = 719_163
_MASK: Final = (1 << 22) - 1


@lru_cache(maxsize=16)
def _deadline_pattern(locale: str) -> tuple[str, str, str]:
    """How babel's medium date-time surrounds the date and the time: ``(before the date, between, after
    the time + " UTC")``; the date comes first in English and French."""
    from babel import dates

    loc = _l10n.babel_locale(locale)
    with _l10n.BABEL_LOCK:
        pattern = str(dates.get_datetime_format("medium", locale=loc)).replace("'", "")
    i_date, i_time = pattern.find("{1}"), pattern.find("{0}")
    if i_date < 0 or i_time < 0 or i_date > i_time:  # pragma: no cover - no such locale of en/fr in CLDR
        raise AssertionError(f"unexpected date-time pattern {pattern!r} for {locale!r}")
    return pattern[:i_date], pattern[i_date + 3 : i_time], pattern[i_time + 3 :] + " UTC"


@lru_cache(maxsize=65_536)
def _day_text(locale: str, days: int) -> str:
    from babel import dates

    return str(
        dates.format_date(_EPOCH_DAY + timedelta(days=days), "medium", locale=_l10n.babel_locale(locale))
    )


_FIELD = re.compile(r"%\((\w+)\)s")


@lru_cache(maxsize=8)
def _times(locale: str) -> pa.Array:
    """The 86,400 times of day of a locale as babel's medium time pattern writes them."""
    from babel import dates

    loc = _l10n.babel_locale(locale)
    with _l10n.BABEL_LOCK:
        pattern = dates.parse_pattern(loc.time_formats["medium"].pattern)
    parts = _FIELD.split(str(pattern.format))
    seconds = np.arange(_SECONDS, dtype=np.int64)
    by = {"h": seconds // 3600, "m": seconds // 60 % 60, "s": seconds % 60}
    pieces: list[Any] = []
    for i, part in enumerate(parts):
        if i % 2 == 0:
            if part:
                pieces.append(_read.text_scalar(part.replace("%%", "%")))
            continue
        letter = part[0]
        unit = "h" if letter in "HhKka" else "m" if letter == "m" else "s" if letter == "s" else None
        if unit is None:  # a field that depends on more than one unit: babel per second (slow, rare)
            return _times_by_babel(locale)
        count = {"h": 24, "m": 60, "s": 60}[unit]
        values = []
        for v in range(count):
            moment = time(v if unit == "h" else 0, v if unit == "m" else 0, v if unit == "s" else 0)
            values.append(str(dates.DateTimeFormat(moment, loc)[part]))
        pieces.append(_read.strings(values).take(_read.ints(by[unit])))
    if not any(isinstance(p, pa.Array) for p in pieces):  # pragma: no cover - a time pattern has fields
        return _times_by_babel(locale)
    return pc.binary_join_element_wise(*pieces, _read.text_scalar(""))


def _times_by_babel(locale: str) -> pa.Array:  # pragma: no cover - no en/fr locale needs it
    from babel import dates

    loc = _l10n.babel_locale(locale)
    values = [
        str(dates.format_time(time(s // 3600, s // 60 % 60, s % 60), "medium", locale=loc))
        for s in range(_SECONDS)
    ]
    return pa.array(values, pa.string())


@lru_cache(maxsize=32)
def _times_with(locale: str, tails: tuple[str, ...]) -> pa.Array:
    """``_times(locale)`` followed by each tail in turn, then one empty string (rows without a deadline)."""
    base = _times(locale)
    arrays = [
        pc.binary_join_element_wise(base, _read.text_scalar(tail), _read.text_scalar("")) for tail in tails
    ]
    return pa.concat_arrays([*arrays, _read.strings([""])])
