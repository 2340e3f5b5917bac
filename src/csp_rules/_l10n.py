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
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from functools import lru_cache
from typing import Any, Final, Literal, TypeVar

from .errors import UnsupportedLocaleError

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
    if not isinstance(value, str):
        raise TypeError(f"{field}: expected a str such as 'en' or 'fr', got {type(value).__name__}")
    lang = value.replace("-", "_").split("_", 1)[0].lower()
    if lang not in LANGUAGES:
        raise UnsupportedLocaleError(field=field, value=value)
    return lang


def babel_locale(locale: str) -> Any:
    """A :class:`babel.Locale` for ``'en'``, ``'fr'``, ``'fr_CA'``, ``'en-GB'``... (English or French only).

    :raises UnsupportedLocaleError: another language, or a variant babel does not know.
    """
    language(locale)
    loc = _locale(locale)
    if loc is None or loc.language not in LANGUAGES:
        raise UnsupportedLocaleError(field="locale", value=locale)
    return loc


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
    return str(babel_locale(locale).plural_form(n))


def format_bool(value: bool, locale: str) -> str:
    """``yes``/``no`` (``oui``/``non``)."""
    return _YES_NO[babel_locale(locale).language][value]


def format_datetime(value: datetime, locale: str) -> str:
    """An instant in UTC, babel's medium format plus ``UTC``: ``'Mar 15, 2020, 12:00:00\u202fAM UTC'``."""
    from babel import dates

    loc = babel_locale(locale)
    return f"{dates.format_datetime(value, format='medium', tzinfo=timezone.utc, locale=loc)} UTC"


def format_date(value: date, locale: str) -> str:
    """A calendar date, babel's long format: ``'March 1, 2020'``, ``'1 mars 2020'``."""
    from babel import dates

    return str(dates.format_date(value, format="long", locale=babel_locale(locale)))


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
    from babel import numbers

    loc = babel_locale(locale)
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
