"""Languages and babel: the one place csp_rules parses a language and touches babel's locale data.

Private. Every message exists in English and French (:data:`LANGUAGES`); :func:`language` reads
``"en"``, ``"fr"``, ``"fr_CA"``, ``"en-GB"``... as one of the two. :func:`babel_locale` and
:func:`any_locale` give babel :class:`~babel.Locale` objects, built once per identifier.

**Thread safety.** babel keeps a module-level cache of loaded locale data and iterates it, without
a lock, whenever it normalises an identifier (``Locale.parse``), while another thread may be adding
to it (loading a locale). Every call into babel that may parse an identifier or load locale data
goes through :data:`BABEL_LOCK` here, and a :class:`~babel.Locale` is handed out only once its data
is loaded, so formatting with it later only reads. Nothing else in the package imports babel's
``Locale`` directly.

>>> language("fr_CA"), language("en-GB")
('fr', 'en')
>>> format_date(date(2020, 3, 1), "fr")
'1 mars 2020'
"""

from __future__ import annotations

import decimal
import threading
from collections.abc import Callable
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from functools import lru_cache
from typing import Any, Final, Literal, TypeVar, cast

from .errors import InvalidAmountError, InvalidDateError, UnsupportedLocaleError

__all__ = [
    "BABEL_LOCK",
    "LANGUAGES",
    "any_locale",
    "babel_locale",
    "format_bool",
    "format_date",
    "format_datetime",
    "format_money",
    "format_number",
    "format_percent",
    "format_timedelta",
    "language",
    "locked",
    "plural_form",
]

T = TypeVar("T")

#: languages every message exists in
LANGUAGES: Final = ("en", "fr")

#: held around every babel call that may parse a locale identifier or load locale data
BABEL_LOCK: Final = threading.RLock()


def locked(fn: Callable[[], T]) -> T:
    """``fn()`` called while holding :data:`BABEL_LOCK` (for loaders that walk babel's locale data)."""
    with BABEL_LOCK:
        return fn()


def language(value: Any, field: str = "locale") -> str:
    """``"en"`` or ``"fr"`` for a locale identifier in either language (``"fr_CA"``, ``"en-GB"``).

    :raises TypeError: ``value`` is not a ``str``.
    :raises UnsupportedLocaleError: any other language.
    """
    if type(value) is str:
        known = _LANGUAGE_OF.get(value)
        if known is not None:
            return known
    elif not isinstance(value, str):
        raise TypeError(f"{field}: expected a str such as 'en' or 'fr', got {type(value).__name__}")
    lang = value.replace("-", "_").split("_", 1)[0].lower()
    if lang not in LANGUAGES:
        raise UnsupportedLocaleError(field=field, value=value)
    if type(value) is str and len(_LANGUAGE_OF) < 1024:
        _LANGUAGE_OF[value] = lang
    return lang


# identifier -> language, for the identifiers read so far (a parse is a few string operations)
_LANGUAGE_OF: dict[str, str] = {}


def babel_locale(locale: str) -> Any:
    """A :class:`babel.Locale` for ``'en'``, ``'fr'``, ``'fr_CA'``, ``'en-GB'``... (English or French only).

    :raises UnsupportedLocaleError: another language, or a variant babel does not know.
    """
    if type(locale) is str:
        known = _BABEL_OF.get(locale)
        if known is not None:
            return known
    language(locale)
    loc = _locale(locale)
    if loc is None or loc.language not in LANGUAGES:
        raise UnsupportedLocaleError(field="locale", value=locale)
    if type(locale) is str and len(_BABEL_OF) < 256:
        _BABEL_OF[locale] = loc
    return loc


# identifier -> babel Locale, for the English and French identifiers checked so far
_BABEL_OF: dict[str, Any] = {}


def any_locale(locale: str, field: str = "locale") -> Any:
    """A :class:`babel.Locale` for any locale babel has data for (``"de_CH"``, ``"zh_Hant"``).

    :raises UnsupportedLocaleError: babel knows no such locale.
    :raises TypeError: ``locale`` is not a ``str``.
    """
    if not isinstance(locale, str):
        raise TypeError(f"{field}: expected a str such as 'en' or 'fr', got {type(locale).__name__}")
    loc = _locale(locale) if len(locale) <= 100 else None
    if loc is None:
        raise UnsupportedLocaleError(
            f"{field}: babel knows no locale {locale[:40]!r}", field=field, value=locale
        )
    return loc


@lru_cache(maxsize=256)
def _locale(identifier: str) -> Any:
    """The babel Locale of an identifier with its data loaded, or None: built once, under the lock."""
    from babel import Locale, UnknownLocaleError

    with BABEL_LOCK:
        try:
            loc = Locale.parse(identifier.replace("-", "_"))
        except (UnknownLocaleError, ValueError, TypeError):
            return None
        loc._data  # noqa: B018 - load the locale data now, under the lock
        return loc


# --- formatting -------------------------------------------------------------------------------
# Each formatter takes a locale of LANGUAGES and works under a decimal context of its own, never the
# caller's (a low precision would break babel's number formatting).

_FORMAT_CONTEXT: Final = decimal.Context(
    prec=decimal.MAX_PREC, rounding=decimal.ROUND_HALF_EVEN, Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN
)
_YES_NO: Final = {"en": ("no", "yes"), "fr": ("non", "oui")}


def plural_form(n: int, locale: str) -> str:
    """The CLDR plural category of ``n`` in a language: ``'one'``, ``'many'`` or ``'other'`` (babel's rules).

    >>> plural_form(1, "en"), plural_form(0, "en"), plural_form(0, "fr"), plural_form(1_000_000, "fr")
    ('one', 'other', 'one', 'many')
    """
    table = _PLURALS.get(locale) if type(locale) is str else None
    if table is None:
        table = _plural_table(locale)
    if type(n) is int and 0 <= n < _PLURAL_TABLE:
        return table[n]
    return str(babel_locale(locale).plural_form(n))


def format_bool(value: bool, locale: str) -> str:
    """``yes``/``no`` (``oui``/``non``)."""
    return _YES_NO[babel_locale(locale).language][value]


def format_datetime(value: datetime, locale: str) -> str:
    """An instant in UTC, babel's medium format plus ``UTC``: ``'Mar 15, 2020, 12:00:00\u202fAM UTC'``."""
    fn = _DATETIMES.get(locale) if type(locale) is str else None
    if fn is None:
        fn = _formatter(_DATETIMES, _compile_datetime, locale)
    return fn(value)


def format_date(value: date, locale: str) -> str:
    """A calendar date, babel's long format: ``'March 1, 2020'``, ``'1 mars 2020'``."""
    fn = _DATES.get(locale) if type(locale) is str else None
    if fn is None:
        fn = _formatter(_DATES, _compile_date, locale)
    return fn(value)


_DURATION_UNITS: Final[tuple[tuple[Literal["day", "hour", "minute", "second"], int], ...]] = (
    ("day", 86400),
    ("hour", 3600),
    ("minute", 60),
    ("second", 1),
)


def format_timedelta(value: timedelta, locale: str) -> str:
    """A duration exactly, to the second, in words with the language's plurals (babel's unit names):
    ``'41 days 3 hours'``, ``'41\xa0jours 3\xa0heures'``; ``'0 seconds'`` for none.

    >>> format_timedelta(timedelta(days=41, hours=3), "en"), format_timedelta(timedelta(minutes=1), "fr")
    ('41 days 3 hours', '1 minute')
    """
    from babel import dates, lists

    loc = babel_locale(locale)
    seconds = int(value.total_seconds())  # whole seconds, towards zero
    sign, seconds = ("-" if seconds < 0 else ""), abs(seconds)
    parts = []
    for unit, size in _DURATION_UNITS:
        count, seconds = divmod(seconds, size)
        if count:
            step = timedelta(seconds=count * size)
            parts.append(
                dates.format_timedelta(step, granularity=unit, threshold=10**9, locale=loc, format="long")
            )
    if not parts:
        parts = [
            dates.format_timedelta(
                timedelta(0), granularity="second", threshold=10**9, locale=loc, format="long"
            )
        ]
    return sign + str(lists.format_list(parts, style="unit-narrow", locale=loc))


def format_number(value: int | Decimal, locale: str) -> str:
    """A number with the locale's separators: ``'1,234.5'``, ``'1\u202f234,5'``."""
    if type(value) is int and 0 <= value < 1000 and type(locale) is str and _SMALL_INTS.get(locale):
        return str(value)  # babel's answer for these locales, checked when first used (_small_ints)
    from babel import numbers

    loc = babel_locale(locale)
    if isinstance(value, decimal.Decimal) and value.is_snan():  # babel would let InvalidOperation out
        raise InvalidAmountError(
            f"value: a signaling NaN is not a number to show (got {value})", field="value", value=value
        )
    if type(locale) is str and locale not in _SMALL_INTS:
        _SMALL_INTS[locale] = _small_ints(loc)
    with decimal.localcontext(_FORMAT_CONTEXT):
        return str(numbers.format_decimal(value, locale=loc))


def format_money(amount: Decimal, currency: str, locale: str) -> str:
    """An amount in a currency: ``'A$110.00'``, ``'110,00\xa0$AU'``."""
    from babel import numbers

    loc = babel_locale(locale)
    with decimal.localcontext(_FORMAT_CONTEXT):
        return str(numbers.format_currency(amount, currency, locale=loc))


def format_percent(value: Any, locale: str) -> str:
    """A share as a percentage, every decimal kept: ``'96.67%'``."""
    from babel import numbers

    loc = babel_locale(locale)
    with decimal.localcontext(_FORMAT_CONTEXT):
        return str(numbers.format_percent(value, locale=loc, decimal_quantization=False))


# --- compiled patterns (issue 18) -----------------------------------------------------------------
# babel's formatting reads its locale data and walks its pattern on every call (~15 µs an instant).
# Here each pattern of a locale is compiled once into a function of the value: the pattern's fields
# read from the value, the locale's names (months, day periods) looked up in tables babel filled.
# A compiled pattern is checked against babel on sample values before it is used; one that differs,
# or that has a field not compiled here, is left to babel. Patterns are cached, never answers.

_PLURAL_TABLE: Final = 512
_PLURALS: dict[str, tuple[str, ...]] = {}
_DATETIMES: dict[str, Callable[[Any], str]] = {}
_DATES: dict[str, Callable[[Any], str]] = {}
_SMALL_INTS: dict[str, bool] = {}


def _plural_table(locale: str) -> tuple[str, ...]:
    """The CLDR plural categories of 0 … 511 in a language, from babel's rule (the rule, tabulated)."""
    rule = babel_locale(locale).plural_form
    table = tuple(str(rule(n)) for n in range(_PLURAL_TABLE))
    if type(locale) is str and len(_PLURALS) < 256:
        _PLURALS[locale] = table
    return table


def _small_ints(loc: Any) -> bool:
    """Whether babel writes 0 … 999 as plain digits in a locale (no grouping, Latin digits)."""
    from babel import numbers

    with decimal.localcontext(_FORMAT_CONTEXT):
        return all(str(numbers.format_decimal(n, locale=loc)) == str(n) for n in (0, 1, 7, 10, 42, 100, 999))


def _formatter(
    cache: dict[str, Callable[[Any], str]], compile_for: Callable[[Any], Callable[[Any], str]], locale: str
) -> Callable[[Any], str]:
    loc = babel_locale(locale)
    with BABEL_LOCK:  # compiling reads the locale's data and formats samples with babel
        fn = compile_for(loc)
    if type(locale) is str and len(cache) < 256:
        cache[locale] = fn
    return fn


#: sample instants a compiled pattern must format exactly as babel does before it is used
_SAMPLES: Final = tuple(
    datetime(year, month, day, hour, minute, second, tzinfo=timezone.utc)
    for year, month, day, hour, minute, second in (
        (2020, 1, 1, 0, 0, 0), (2020, 3, 15, 12, 0, 0), (2021, 9, 30, 9, 5, 7), (1999, 12, 31, 23, 59, 59),
        (5, 2, 28, 1, 10, 30), (9999, 11, 9, 11, 59, 1), (2024, 5, 6, 13, 30, 45), (2023, 7, 20, 20, 1, 2),
        (2022, 4, 2, 10, 0, 0), (2019, 6, 10, 22, 22, 22), (2018, 8, 31, 7, 7, 7), (2025, 10, 3, 14, 0, 0),
    )
)  # fmt: skip

# A compiled pattern is a str.format template over the values of the date (or time) it formats,
# computed in one step; a field is a position in those values, with its zero padding:
#   a date: year, month, day, year % 100, then the month names the pattern shows (one table each);
#   a time: hour, minute, second, hour on 12 (1-12), hour on 12 (0-11), hour on 24 (1-24), then the
#   day periods the pattern shows (am/pm names, one pair each).
_DATE_POSITIONS: Final = {"y": 0, "M": 1, "L": 1, "d": 2}
_TIME_POSITIONS: Final = {"H": 0, "m": 1, "s": 2, "h": 3, "K": 4, "k": 5}


def _date_values(tables: list[tuple[str, ...]]) -> Callable[[Any], tuple[Any, ...]]:
    if not tables:
        return lambda v: (v.year, v.month, v.day, v.year % 100)
    if len(tables) == 1:
        (names,) = tables
        return lambda v: (v.year, v.month, v.day, v.year % 100, names[v.month])
    return lambda v: (v.year, v.month, v.day, v.year % 100, *[names[v.month] for names in tables])


def _time_values(periods: list[tuple[str, str]]) -> Callable[[Any], tuple[Any, ...]]:
    def values(v: Any) -> tuple[Any, ...]:
        h = v.hour
        return (h, v.minute, v.second, h % 12 or 12, h % 12, h or 24, *[names[h >= 12] for names in periods])

    if len(periods) != 1:
        return values
    ((am, pm),) = periods
    return lambda v: (
        (h := v.hour), v.minute, v.second, h % 12 or 12, h % 12, h or 24, pm if h >= 12 else am
    )  # fmt: skip


def _compile_pattern(
    pattern: str, loc: Any, sample: Callable[[datetime], Any], *, of_time: bool
) -> Callable[[Any], str]:
    """A function formatting a date (or, ``of_time``, a time) as babel's ``pattern`` does in ``loc``;
    babel itself for a pattern with other fields, or one that differs from babel on the samples."""
    from babel import dates

    parsed = dates.parse_pattern(pattern)

    def by_babel(value: Any) -> str:
        return str(parsed.apply(value, loc))

    template: list[str] = []
    tables: list[Any] = []
    positions = _TIME_POSITIONS if of_time else _DATE_POSITIONS
    for kind, token in dates.tokenize_pattern(pattern):
        if kind == "chars":
            template.append(str(token).replace("{", "{{").replace("}", "}}"))
            continue
        char, num = cast(tuple[str, int], token)
        if of_time and char == "a":
            tables.append(tuple(dates.DateTimeFormat(time(h), loc)["a" * num] for h in (0, 12)))
            template.append(f"{{{5 + len(tables)}}}")  # after the time's six numbers
        elif not of_time and char in "ML" and 3 <= num <= 5:
            names = tuple(dates.DateTimeFormat(date(2000, m, 1), loc)[char * num] for m in range(1, 13))
            tables.append(("", *names))
            template.append(f"{{{3 + len(tables)}}}")  # after the date's four numbers
        elif not of_time and char == "y" and num == 2:  # two digits: the year's last two
            template.append("{3:02d}")
        elif char in positions and (of_time or char in "yd" or num <= 2):
            template.append(f"{{{positions[char]}:0{num}d}}")
        else:
            return by_babel  # a field this module does not compile
    text = "".join(template)
    values = _time_values(tables) if of_time else _date_values(tables)

    def compiled(value: Any) -> str:
        return text.format(*values(value))

    for instant in _SAMPLES:
        value = sample(instant)
        if compiled(value) != by_babel(value):
            return by_babel
    return compiled


def _compile_date(loc: Any) -> Callable[[Any], str]:
    """``format_date`` for a locale: babel's long date pattern, compiled."""
    fn = _compile_pattern(loc.date_formats["long"].pattern, loc, datetime.date, of_time=False)

    def format_date(value: date) -> str:
        return fn(value.date() if isinstance(value, datetime) else value)

    return format_date


def _compile_datetime(loc: Any) -> Callable[[Any], str]:
    """``format_datetime`` for a locale: babel's medium date and time patterns, joined as babel joins
    them (its medium date-time pattern, quotes dropped), of the instant in UTC, plus ``UTC``."""
    joined = str(loc.datetime_formats["medium"]).replace("'", "")
    day = _compile_pattern(loc.date_formats["medium"].pattern, loc, datetime.date, of_time=False)
    clock = _compile_pattern(loc.time_formats["medium"].pattern, loc, datetime.timetz, of_time=True)
    utc = timezone.utc

    def format_datetime(value: datetime) -> str:
        if not isinstance(value, datetime):  # what babel makes of a date, a time or a timestamp
            from babel import dates

            return f"{dates.format_datetime(value, format='medium', tzinfo=utc, locale=loc)} UTC"
        if value.tzinfo is not utc:
            try:
                value = value.replace(tzinfo=utc) if value.tzinfo is None else value.astimezone(utc)
            except OverflowError:
                raise InvalidDateError(
                    f"value: {value!r} is out of the representable range in UTC", field="value", value=value
                ) from None
        return joined.replace("{0}", clock(value)).replace("{1}", day(value)) + " UTC"

    return format_datetime
