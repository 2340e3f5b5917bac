"""Decisions: the one shape every rule family answers with.

A :class:`Decision` carries an ``outcome`` (a member of the family's :class:`enum.Enum`),
``allowed`` (the yes/no), stable ``reasons`` (codes such as ``"cancellation.window_closed"`` that
never change meaning), the RULES.md numbers that decided it (``rule_numbers``), the
``ruleset_version`` that was applied, and the ``facts`` it used (deadline, amounts...).
:meth:`Decision.explain` gives one sentence in English or French, dates and amounts formatted for
the locale by babel. Message texts live in ``csp_rules/data/messages/<family>.json``, one entry per
reason code with both languages.

>>> import enum
>>> from datetime import date
>>> class Answer(enum.Enum):
...     YES = "yes"
>>> d = Decision(outcome=Answer.YES, allowed=True, reasons=("reservations.available",),
...              rule_numbers=("R3",), ruleset_version="S2020",
...              facts={"market": "FR", "market_name": "France", "list_first_seen": date(2019, 10, 18)})
>>> d.explain("en")
'Azure reservations are available in France (FR) under list October 18, 2019.'
>>> d.explain("fr")
'Les réservations Azure sont disponibles pour le marché France (FR) selon la liste du 18 octobre 2019.'
>>> d.explain("de")
Traceback (most recent call last):
...
csp_rules.errors.UnsupportedLocaleError: locale: unsupported locale 'de'; use 'en' or 'fr' (or a variant such as 'fr_CA')
"""

from __future__ import annotations

import decimal
import enum
import json
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal
from importlib import resources
from typing import Any

import attrs

from ._frozen import FrozenMap
from ._lazy import Once
from .errors import InvalidFieldError, UnsupportedLocaleError

__all__ = ["LANGUAGES", "Decision", "babel_locale", "format_value", "message", "messages"]

#: languages every message exists in
LANGUAGES = ("en", "fr")


def _load_messages() -> FrozenMap[str, FrozenMap[str, str]]:
    folder = resources.files("csp_rules") / "data" / "messages"
    catalog: dict[str, FrozenMap[str, str]] = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".json"):
            continue
        data = json.loads(entry.read_text("utf-8"))
        data.pop("_header", None)
        for code, texts in data.items():
            if code in catalog:
                raise RuntimeError(f"reason code {code!r} is defined twice in the message catalogs")
            catalog[code] = FrozenMap(texts)
    return FrozenMap(catalog)


_MESSAGES: Once[FrozenMap[str, FrozenMap[str, str]]] = Once(_load_messages)
_LOCALES: dict[str, Any] = {}


def messages() -> Mapping[str, Mapping[str, str]]:
    """The message catalog: reason code -> language -> template (read-only)."""
    return _MESSAGES()


def _language(locale: Any) -> str:
    if not isinstance(locale, str):
        raise TypeError(f"locale: expected a str such as 'en' or 'fr', got {type(locale).__name__}")
    lang = locale.replace("-", "_").split("_", 1)[0].lower()
    if lang not in LANGUAGES:
        raise UnsupportedLocaleError(field="locale", value=locale)
    return lang


def babel_locale(locale: str) -> Any:
    """A :class:`babel.Locale` for ``'en'``, ``'fr'``, ``'fr_CA'``, ``'en-GB'``... (English or French only)."""
    cached = _LOCALES.get(locale)
    if cached is not None:
        return cached
    lang = _language(locale)
    from babel import Locale, UnknownLocaleError

    try:
        result = Locale.parse(locale.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        raise UnsupportedLocaleError(field="locale", value=locale) from None
    if result.language != lang:  # pragma: no cover - defensive
        raise UnsupportedLocaleError(field="locale", value=locale)
    if len(_LOCALES) < 256:
        _LOCALES[locale] = result
    return result


#: babel formats numbers under this context, never the caller's (a low precision would break it)
_FORMAT_CONTEXT = decimal.Context(
    prec=decimal.MAX_PREC, rounding=decimal.ROUND_HALF_EVEN, Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN
)


def format_value(value: Any, locale: str = "en") -> str:
    """A fact formatted for a locale: dates, instants (in UTC), amounts, numbers and durations.

    The caller's :mod:`decimal` context does not matter: formatting uses a context of its own.
    """
    with decimal.localcontext(_FORMAT_CONTEXT):
        return _format_value(value, locale)


def _format_value(value: Any, locale: str) -> str:
    loc = babel_locale(locale)
    from babel import dates, numbers

    if isinstance(value, bool):
        return {"en": ("no", "yes"), "fr": ("non", "oui")}[loc.language][value]
    if isinstance(value, datetime):
        from ._time import UTC

        text = dates.format_datetime(value, format="medium", tzinfo=UTC, locale=loc)
        return f"{text} UTC"
    if isinstance(value, date):
        return str(dates.format_date(value, format="long", locale=loc))
    if isinstance(value, timedelta):
        return str(dates.format_timedelta(value, threshold=1, locale=loc, format="long"))
    if hasattr(value, "format") and hasattr(value, "currency") and hasattr(value, "amount"):
        return str(value.format(locale))
    if isinstance(value, (int, Decimal)):
        return str(numbers.format_decimal(value, locale=loc))
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, (tuple, list, frozenset, set)):
        items = sorted(value) if isinstance(value, (frozenset, set)) else value
        return ", ".join(format_value(v, locale) for v in items)
    return str(value)


class _Facts(dict[str, str]):
    def __init__(self, facts: Mapping[str, Any], locale: str) -> None:
        super().__init__()
        self._facts = facts
        self._locale = locale

    def __missing__(self, key: str) -> str:
        if key not in self._facts:
            return "{" + key + "}"
        return format_value(self._facts[key], self._locale)


def message(code: str, locale: str = "en", facts: Mapping[str, Any] | None = None) -> str:
    """The message for a reason code in a locale, with ``{placeholders}`` filled from ``facts``."""
    lang = _language(locale)
    if not isinstance(code, str):
        raise TypeError(f"code: expected a reason code str, got {type(code).__name__}")
    try:
        template = messages()[code][lang]
    except KeyError:
        raise InvalidFieldError(
            f"code: no message for reason code {code[:80]!r} in {lang!r}", field="code", value=code
        ) from None
    return template.format_map(_Facts(facts or {}, locale))


def _facts(value: Any) -> FrozenMap[str, Any]:
    if isinstance(value, FrozenMap):
        return value
    return FrozenMap(value or {})


@attrs.frozen(kw_only=True)
class Decision:
    """An explainable answer: outcome, allowed, reason codes, rule numbers, rule-set version, facts.

    ``reasons[0]`` is the main reason; :meth:`explain` renders it. Decisions are immutable,
    compare by value and pickle.
    """

    outcome: enum.Enum
    allowed: bool
    reasons: tuple[str, ...]
    rule_numbers: tuple[str, ...]
    ruleset_version: str
    facts: FrozenMap[str, Any] = attrs.field(factory=FrozenMap, converter=_facts)

    @property
    def reason(self) -> str:
        """The main reason code."""
        return self.reasons[0]

    def explain(self, locale: str = "en") -> str:
        """One sentence saying what was decided and why, in English (``"en"``) or French (``"fr"``)."""
        return message(self.reasons[0], locale, self.facts)

    def explain_all(self, locale: str = "en") -> tuple[str, ...]:
        """One sentence per reason code, main reason first."""
        return tuple(message(code, locale, self.facts) for code in self.reasons)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able mapping (instants and dates as ISO 8601, amounts as strings)."""
        return {
            "outcome": self.outcome.value,
            "allowed": self.allowed,
            "reasons": list(self.reasons),
            "rule_numbers": list(self.rule_numbers),
            "ruleset_version": self.ruleset_version,
            "facts": {k: _jsonable(v) for k, v in self.facts.items()},
        }

    def _repr_html_(self) -> str:
        from html import escape

        colour = "#1a7f37" if self.allowed else "#cf222e"
        facts = "".join(
            f"<tr><td>{escape(k)}</td><td>{escape(format_value(v))}</td></tr>" for k, v in self.facts.items()
        )
        return (
            f"<table><tr><th>outcome</th><td style='color:{colour}'><b>{escape(str(self.outcome.value))}</b></td></tr>"
            f"<tr><th>why</th><td>{escape(self.explain('en'))}</td></tr>"
            f"<tr><th>reasons</th><td><code>{escape(', '.join(self.reasons))}</code></td></tr>"
            f"<tr><th>rules</th><td>{escape(', '.join(self.rule_numbers))} ({escape(self.ruleset_version)})</td></tr>"
            f"{facts}</table>"
        )


def _jsonable(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (tuple, list)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (frozenset, set)):
        return sorted(_jsonable(v) for v in value)
    if hasattr(value, "currency") and hasattr(value, "amount"):
        return {"amount": str(value.amount), "currency": value.currency}
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)
