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

import enum
import functools
import json
from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal
from importlib import resources
from typing import Any, Final, TypeVar

import attrs

from . import _l10n
from ._frozen import FrozenMap
from ._l10n import LANGUAGES
from ._lazy import Once
from .errors import CspRulesError, InvalidFieldError, shorten
from .facts import Money

__all__ = ["LANGUAGES", "Decision", "error_message", "format_value", "message", "messages", "outcome_label"]


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


def _load_error_messages() -> FrozenMap[str, FrozenMap[str, str]]:
    data = json.loads((resources.files("csp_rules") / "data" / "error_messages.json").read_text("utf-8"))
    data.pop("_header", None)
    return FrozenMap({code: FrozenMap(texts) for code, texts in data.items()})


_ERROR_MESSAGES: Once[FrozenMap[str, FrozenMap[str, str]]] = Once(_load_error_messages)


def error_message(error: CspRulesError, locale: str = "en") -> str:
    """An error of csp_rules in a language: in English its own message; in French the catalog's
    sentence for its :attr:`~csp_rules.errors.CspRulesError.code` (``data/error_messages.json``),
    with its field and value, and its suggestions, candidates or problems where it has them.

    >>> from csp_rules.errors import UnknownMarketError
    >>> err = UnknownMarketError(field="market", value="Frnace", suggestions=["France (FR)"])
    >>> error_message(err, "en")
    "market: unknown market 'Frnace'; did you mean 'France (FR)'?"
    >>> error_message(err, "fr")
    "market : marché inconnu 'Frnace' ; vouliez-vous dire 'France (FR)' ?"
    """
    if not isinstance(error, CspRulesError):
        raise TypeError(f"error: expected a CspRulesError, got {type(error).__name__}")
    lang = _l10n.language(locale)
    if lang == "en":
        return str(error)
    catalog = _ERROR_MESSAGES()
    codes = [
        getattr(cls, "code", None) for cls in type(error).__mro__
    ]  # a subclass of a user's: its parent's
    texts = next(catalog[code] for code in codes if isinstance(code, str) and code in catalog)
    suggestions = getattr(error, "localized_suggestions", {}).get(lang) or tuple(getattr(error, "suggestions", ()))
    problems = tuple(getattr(error, "problems", ()))
    facts = {
        "field": error.field or "valeur",
        "value": shorten(error.value),
        "did_you_mean": " ; vouliez-vous dire " + ", ".join(repr(s) for s in suggestions) + " ?"
        if suggestions
        else "",
        "candidate_list": ", ".join(getattr(error, "candidates", ())),
        "problems": len(problems),
        "problem_list": " ; ".join(f"{p.field} : {p.message}" for p in problems),
    }
    template = _plurals(texts[lang], facts, locale)
    return template.format_map({k: v if isinstance(v, str) else str(v) for k, v in facts.items()})


def _load_outcome_labels() -> FrozenMap[str, FrozenMap[str, FrozenMap[str, str]]]:
    data = json.loads((resources.files("csp_rules") / "data" / "outcome_labels.json").read_text("utf-8"))
    data.pop("_header", None)
    return FrozenMap(
        {family: FrozenMap({v: FrozenMap(t) for v, t in values.items()}) for family, values in data.items()}
    )


_OUTCOME_LABELS: Once[FrozenMap[str, FrozenMap[str, FrozenMap[str, str]]]] = Once(_load_outcome_labels)


def outcome_label(outcome: enum.Enum, locale: str = "en") -> str:
    """A few words naming a decision's outcome for a person (``data/outcome_labels.json``); the
    outcome's ``value`` is what programs compare.

    >>> from csp_rules.cancellation import Outcome
    >>> outcome_label(Outcome.SELF_SERVICE, "en"), outcome_label(Outcome.WINDOW_CLOSED, "fr")
    ('can be cancelled now (self-service)', "fenêtre d'annulation dépassée")
    """
    if not isinstance(outcome, enum.Enum):
        raise TypeError(
            f"outcome: expected a decision outcome (an enum member), got {type(outcome).__name__}"
        )
    lang = _l10n.language(locale)
    family = f"{type(outcome).__module__.removeprefix('csp_rules.')}.{type(outcome).__name__}"
    try:
        return _OUTCOME_LABELS()[family][str(outcome.value)][lang]
    except KeyError:
        raise InvalidFieldError(
            f"outcome: no label for {family}.{outcome.value}", field="outcome", value=outcome
        ) from None


def messages() -> Mapping[str, Mapping[str, str]]:
    """The message catalog: reason code -> language -> template (read-only)."""
    return _MESSAGES()


# (reason code, language) -> template: the catalog as one flat lookup, for message()
_TEMPLATES: Once[dict[tuple[str, str], str]] = Once(
    lambda: {(code, lang): text for code, texts in _MESSAGES().items() for lang, text in texts.items()}
)
_NO_FACTS: Final[Mapping[str, Any]] = FrozenMap()


def format_value(value: Any, locale: str = "en") -> str:
    """A fact formatted for a locale: dates, instants (in UTC), amounts, numbers and durations.

    The caller's :mod:`decimal` context does not matter: formatting uses a context of its own.

    >>> format_value(Money("1234.5", "EUR"), "fr"), format_value(True, "fr")
    ('1\u202f234,50\xa0€', 'oui')
    """
    by_type = _BY_TYPE.get(type(value))
    if by_type is not None:
        text: str = by_type(value, locale)
        return text
    if isinstance(value, bool):
        return _l10n.format_bool(value, locale)
    if isinstance(value, datetime):
        return _l10n.format_datetime(value, locale)
    if isinstance(value, date):
        return _l10n.format_date(value, locale)
    if isinstance(value, timedelta):
        return _l10n.format_timedelta(value, locale)
    if isinstance(value, Money):
        return value.format(locale)
    if isinstance(value, (int, Decimal)):
        return _l10n.format_number(value, locale)
    _l10n.babel_locale(locale)  # the locale is checked whatever the value
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, (tuple, list, frozenset, set)):
        items = sorted(value) if isinstance(value, (frozenset, set)) else value
        return ", ".join(format_value(v, locale) for v in items)
    return str(value)


def _text(value: str, locale: str) -> str:
    _l10n.babel_locale(locale)  # the locale is checked whatever the value
    return value


def _money(value: Money, locale: str) -> str:
    return value.format(locale)


#: exact type -> formatter, for the facts decisions hold (subclasses take the checks above)
_BY_TYPE: Final[dict[type, Any]] = {
    str: _text,
    bool: _l10n.format_bool,
    int: _l10n.format_number,
    datetime: _l10n.format_datetime,
    date: _l10n.format_date,
    Money: _money,
}

_PLURAL_CATEGORIES = frozenset({"zero", "one", "two", "few", "many", "other"})


@functools.lru_cache(maxsize=1024)
def _parts(template: str) -> tuple[str | tuple[str, tuple[tuple[str, str], ...]], ...]:
    """A template cut into literal text and plural selections ``{name, plural, one {…} other {…}}``
    (ICU MessageFormat's plural syntax; ``#`` in a branch is the number, ``=N`` an exact value)."""
    parts: list[str | tuple[str, tuple[tuple[str, str], ...]]] = []
    i = last = 0
    while True:
        start = template.find("{", i)
        if start < 0:
            break
        close = template.find("}", start)
        head = template[start + 1 : close if close >= 0 else len(template)]
        if "," not in head or head.split(",")[1].strip() != "plural":
            i = start + 1
            continue
        name = head.split(",")[0].strip()
        j = template.index(",", template.index(",", start) + 1) + 1
        branches: list[tuple[str, str]] = []
        while True:
            while template[j] == " ":
                j += 1
            if template[j] == "}":
                break
            key_end = template.index("{", j)
            key = template[j:key_end].strip()
            if key not in _PLURAL_CATEGORIES and not (key.startswith("=") and key[1:].isdigit()):
                raise InvalidFieldError(
                    f"template: unknown plural category {key[:40]!r} in a message",
                    field="template",
                    value=template,
                )
            depth, k = 1, key_end + 1
            while depth:
                depth += {"{": 1, "}": -1}.get(template[k], 0)
                k += 1
            branches.append((key, template[key_end + 1 : k - 1]))
            j = k
        if not any(key == "other" for key, _ in branches):
            raise InvalidFieldError(
                "template: a plural selection needs an 'other' branch", field="template", value=template
            )
        parts.append(template[last:start])
        parts.append((name, tuple(branches)))
        i = last = j + 1
    parts.append(template[last:])
    return tuple(parts)


@functools.lru_cache(maxsize=1024)
def _selections(template: str) -> tuple[str | tuple[str, dict[str, str]], ...] | None:
    """:func:`_parts` with each selection's branches as a mapping (``#`` already the placeholder), or
    None for a template without plural selections."""
    parts = _parts(template)
    if len(parts) == 1:
        return None
    return tuple(
        part
        if isinstance(part, str)
        else (part[0], {key: text.replace("#", "{" + part[0] + "}") for key, text in part[1]})
        for part in parts
    )


def _plurals(template: str, facts: Mapping[str, Any], locale: str) -> str:
    """The template with each plural selection replaced by its branch for the fact's number."""
    parts = _selections(template)
    if parts is None:
        return template
    out: list[str] = []
    for part in parts:
        if isinstance(part, str):
            out.append(part)
            continue
        name, branches = part
        value = facts.get(name)
        chosen = branches["other"]
        if isinstance(value, int) and not isinstance(value, bool):
            exact = branches.get(f"={value}")
            chosen = exact if exact is not None else branches.get(_l10n.plural_form(value, locale), chosen)
        out.append(chosen)
    return "".join(out)


def _fields(template: str) -> frozenset[str]:
    """The fact names a template reads (plural selections included): for the catalog's tests."""
    import string

    names: set[str] = set()
    for part in _parts(template):
        texts = [part] if isinstance(part, str) else [b.replace("#", "{" + part[0] + "}") for _, b in part[1]]
        if not isinstance(part, str):
            names.add(part[0])
        for text in texts:
            names.update(name for _, name, _, _ in string.Formatter().parse(text) if name)
    return frozenset(names)


class _Facts(dict[str, str]):
    __slots__ = ("_facts", "_locale")

    def __init__(self, facts: Mapping[str, Any], locale: str) -> None:
        self._facts = facts
        self._locale = locale

    def __missing__(self, key: str) -> str:
        if key not in self._facts:
            return "{" + key + "}"
        return format_value(self._facts[key], self._locale)


def message(
    code: str,
    locale: str = "en",
    facts: Mapping[str, Any] | None = None,
    texts: Mapping[str, Mapping[str, str]] | None = None,
) -> str:
    """The message for a reason code in a locale, with ``{placeholders}`` filled from ``facts``.

    ``texts`` holds the messages of codes a rule set defines itself (a user's R7.3 exclusion); the
    shipped catalog answers every other code.
    """
    lang = _l10n.language(locale)
    if not isinstance(code, str):
        raise TypeError(f"code: expected a reason code str, got {type(code).__name__}")
    if texts is not None and not isinstance(texts, Mapping):
        raise TypeError(f"texts: expected a mapping of reason codes to messages, got {type(texts).__name__}")
    own = texts.get(code) if texts else None
    if own is not None and not isinstance(own, Mapping):
        raise TypeError(
            f"texts[{code[:80]!r}]: expected a mapping of languages to messages, got {type(own).__name__}"
        )
    template = own.get(lang) if own is not None else _TEMPLATES().get((code, lang))
    if template is None:
        raise InvalidFieldError(
            f"code: no message for reason code {code[:80]!r} in {lang!r}", field="code", value=code
        )
    if facts is None:
        facts = _NO_FACTS
    return _plurals(template, facts, locale).format_map(_Facts(facts, locale))


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
    #: the messages of reason codes the rule set defines itself (a user's R7.3 exclusion), code ->
    #: language -> template; empty for every shipped code
    texts: FrozenMap[str, FrozenMap[str, str]] = attrs.field(factory=FrozenMap, converter=_facts, repr=False)

    @property
    def reason(self) -> str:
        """The main reason code."""
        return self.reasons[0]

    def explain(self, locale: str = "en") -> str:
        """One sentence saying what was decided and why, in English (``"en"``) or French (``"fr"``)."""
        return message(self.reasons[0], locale, self.facts, self.texts)

    def explain_all(self, locale: str = "en") -> tuple[str, ...]:
        """One sentence per reason code, main reason first."""
        return tuple(message(code, locale, self.facts, self.texts) for code in self.reasons)

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


_D = TypeVar("_D", bound=Decision)
_NEW: Final = object.__new__


def slot_setter(cls: type[Decision], name: str) -> Callable[[Any, Any], None]:
    """The setter of a decision field that bypasses the frozen ``__setattr__``: for :func:`build` only."""
    setter: Callable[[Any, Any], None] = getattr(cls, name).__set__
    return setter


_SET_OUTCOME, _SET_ALLOWED, _SET_REASONS, _SET_NUMBERS, _SET_VERSION, _SET_FACTS, _SET_TEXTS = (
    slot_setter(Decision, field.name) for field in attrs.fields(Decision)
)


def build(
    cls: type[_D],
    outcome: enum.Enum,
    allowed: bool,
    reasons: tuple[str, ...],
    rule_numbers: tuple[str, ...],
    ruleset_version: str,
    facts: FrozenMap[str, Any],
    texts: FrozenMap[str, FrozenMap[str, str]],
) -> _D:
    """A decision of ``cls`` from values a rule already checked (the rule modules' hot path): what attrs'
    ``__init__`` stores, without its converters. A subclass's own fields are set next by the caller,
    every one of them, with :func:`slot_setter`, before the decision is handed out."""
    decision = _NEW(cls)
    _SET_OUTCOME(decision, outcome)
    _SET_ALLOWED(decision, allowed)
    _SET_REASONS(decision, reasons)
    _SET_NUMBERS(decision, rule_numbers)
    _SET_VERSION(decision, ruleset_version)
    _SET_FACTS(decision, facts)
    _SET_TEXTS(decision, texts)
    return decision


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
    if isinstance(value, Money):
        return {"amount": str(value.amount), "currency": value.currency}
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)
