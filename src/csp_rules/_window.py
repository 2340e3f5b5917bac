"""The core of R7: how a purchase is cancelled under a rule set, and until when.

Private: :mod:`csp_rules.cancellation` turns this into decisions, and :mod:`csp_rules.billing`
uses it to tell whether a cancellation (and so a credit) was possible. Keeping it here lets
billing depend on it without depending on cancellation, which itself uses billing for the
credit of a cancellation's effects: facts -> _window -> billing -> cancellation, no circle.

Conventions (RULES.md R7): instants compared in UTC; the window is the half-open interval
``[purchased_at, purchased_at + window_days × 24 h)``.

R7.3 exclusions are recognised by the product's **kind** (``Exclusion.kinds``) or its **name**
(``Exclusion.match`` groups of phrases). Name matching is deliberately simple and conservative:

* a name is normalised: Unicode NFKD, accents dropped, lower case, every run of characters other
  than ``a-z0-9`` one space (so ``"Windows® 7 – ESU (2020)"`` reads ``" windows 7 esu 2020 "``);
* a phrase matches as whole words (``"esu"`` is in ``"windows 7 esu 2020"``, not in ``"desu"``);
* a name matches an exclusion when it holds **every** phrase of one ``match`` group;
* a name that holds every phrase of a ``near`` group without matching is a **near miss**:
  :mod:`csp_rules.cancellation` never lets it become self-service.

>>> from csp_rules.rulesets import rules_in_force
>>> from datetime import date
>>> s2020 = rules_in_force(date(2020, 2, 1))
>>> [e.id if e else None for e in match_exclusion("Windows 7 Extended Security Updates 2020", s2020)]
['windows7_esu_2020', None]
>>> [e.id if e else None for e in match_exclusion("Windows 7 ESU (year 2)", s2020)]
[None, 'windows7_esu_2020']
>>> [e.id if e else None for e in match_exclusion("Office 365 E3", s2020)]
[None, None]
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime

import attrs

from . import _time
from .errors import InvalidDateError
from .facts import Purchase
from .rulesets import Exclusion, Route, RuleSet

__all__ = ["Assessment", "Static", "assess", "match_exclusion", "normalize_name", "static"]

_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_NAME_CACHE: dict[str, str] = {}
_NAME_CACHE_MAX = 20_000
_MAX_NAME = 4096


def normalize_name(name: str) -> str:
    """Lower case, accents dropped, every run of non-alphanumerics one space, padded with spaces.

    Only the first 4096 characters are read (a product name is never longer), so the time is
    bounded on megabyte strings.

    >>> normalize_name("Windows 7 Extended Security Updates (ESU) – 2020")
    ' windows 7 extended security updates esu 2020 '
    >>> normalize_name("Mises à jour de sécurité étendues")
    ' mises a jour de securite etendues '
    """
    cached = _NAME_CACHE.get(name)
    if cached is not None:
        return cached
    text = unicodedata.normalize("NFKD", name[:_MAX_NAME])
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    result = " " + _NON_ALNUM.sub(" ", text).strip() + " "
    if len(_NAME_CACHE) >= _NAME_CACHE_MAX:
        _NAME_CACHE.clear()
    _NAME_CACHE[name] = result
    return result


_Groups = tuple[tuple[str, ...], ...]


class _Matcher:
    """The exclusions of one rule set with their phrases normalised once, and a bounded cache of answers."""

    __slots__ = ("answers", "compiled", "exclusions")

    def __init__(self, exclusions: tuple[Exclusion, ...]) -> None:
        self.exclusions = exclusions
        self.compiled: tuple[tuple[Exclusion, _Groups, _Groups], ...] = tuple(
            (
                e,
                tuple(tuple(normalize_name(p) for p in group) for group in e.match),
                tuple(tuple(normalize_name(p) for p in group) for group in e.near),
            )
            for e in exclusions
        )
        self.answers: dict[str, tuple[Exclusion | None, Exclusion | None]] = {}

    def match(self, product_name: str) -> tuple[Exclusion | None, Exclusion | None]:
        answer = self.answers.get(product_name)
        if answer is not None:
            return answer
        normalized = normalize_name(product_name)
        near: Exclusion | None = None
        answer = (None, None)
        for exclusion, match, near_groups in self.compiled:
            if _groups_match(normalized, match):
                answer = (exclusion, None)
                break
            if near is None and _groups_match(normalized, near_groups):
                near = exclusion
        else:
            answer = (None, near)
        if len(self.answers) >= _NAME_CACHE_MAX:
            self.answers.clear()
        self.answers[product_name] = answer
        return answer


def _groups_match(normalized: str, groups: _Groups) -> bool:
    return any(all(phrase in normalized for phrase in group) for group in groups)


# keyed by id() of a rule set's exclusions tuple; the matcher keeps that tuple alive, so the id
# cannot be reused by another object while the entry exists (checked with ``is`` anyway).
_MATCHERS: dict[int, _Matcher] = {}


def _matcher(exclusions: tuple[Exclusion, ...]) -> _Matcher:
    matcher = _MATCHERS.get(id(exclusions))
    if matcher is None or matcher.exclusions is not exclusions:
        matcher = _Matcher(exclusions)
        if len(_MATCHERS) >= 64:
            _MATCHERS.clear()
        _MATCHERS[id(exclusions)] = matcher
    return matcher


def match_exclusion(product_name: str, rules: RuleSet) -> tuple[Exclusion | None, Exclusion | None]:
    """``(matched, near_miss)``: the R7.3 exclusion a product name matches, or one it nearly matches.

    A name matches an exclusion when it holds every phrase of one of its ``match`` groups (whole
    words, case, accents and punctuation ignored). A near miss holds every phrase of a ``near``
    group without matching any exclusion: it must not silently become self-service. Exclusions are
    tried in rule-set order; the first match wins, and a match always beats a near miss.

    :raises TypeError: ``product_name`` is not a ``str``.
    """
    if not isinstance(product_name, str):
        raise TypeError(f"product_name: expected str, got {type(product_name).__name__}")
    return _matcher(rules.cancellation.exclusions).match(product_name)


@attrs.frozen(kw_only=True)
class Assessment:
    """How a purchase is cancelled at an instant: the route, why, and the window if it has one (R7)."""

    #: the route that applies (after exclusions)
    route: Route
    #: the R7.3 exclusion that decided the route, if any
    exclusion: Exclusion | None
    #: an exclusion the product name nearly matches (never self-service then); None when one matched
    near_miss: Exclusion | None
    #: the kind's window length in days, if the kind has one
    window_days: int | None
    #: end of the window (exclusive), if the kind has one; reported even for exclusions (R7.3 convention)
    deadline: datetime | None
    #: whether ``at`` is inside the window ``[purchased_at, deadline)``; False when there is no window
    in_window: bool


def _name_of(purchase: Purchase) -> str:
    """The text matched against R7.3 patterns: the product name, then the SKU name if there is one."""
    if purchase.sku_name is None:
        return purchase.product_name
    return f"{purchase.product_name} | {purchase.sku_name}"


@attrs.frozen(kw_only=True)
class Static:
    """What does not depend on the instant: the route, the exclusion or near miss, the window (R7)."""

    route: Route
    exclusion: Exclusion | None
    near_miss: Exclusion | None
    window_days: int | None
    deadline: datetime | None


# keyed by id(purchase); an entry keeps its purchase and rule set alive and is used only when both
# are the very objects asked about, so a reused id can never return another purchase's answer.
_STATIC: dict[int, tuple[Purchase, RuleSet, Static]] = {}
_STATIC_MAX = 4096


def static(purchase: Purchase, rules: RuleSet) -> Static:
    """The instant-independent part of :func:`assess` (cached per purchase and rule set object)."""
    entry = _STATIC.get(id(purchase))
    if entry is not None and entry[0] is purchase and entry[1] is rules:
        return entry[2]
    kind = purchase.kind
    cancellation = rules.cancellation
    route = cancellation.routes.get(kind, Route.NOT_COVERED)
    window_days = cancellation.window_days.get(kind)
    deadline = None
    if window_days is not None:
        deadline = _time.add_days(purchase.purchased_at, window_days, "deadline")
    exclusion: Exclusion | None = None
    near: Exclusion | None = None
    if route is not Route.NOT_COVERED and cancellation.exclusions:
        for candidate in cancellation.exclusions:
            if kind in candidate.kinds:
                exclusion = candidate
                break
        if exclusion is None:
            exclusion, near = _matcher(cancellation.exclusions).match(_name_of(purchase))
        if exclusion is not None:
            route = exclusion.route
    result = Static(
        route=route, exclusion=exclusion, near_miss=near, window_days=window_days, deadline=deadline
    )
    if len(_STATIC) >= _STATIC_MAX:
        _STATIC.clear()
    _STATIC[id(purchase)] = (purchase, rules, result)
    return result


def assess(purchase: Purchase, at: datetime, rules: RuleSet) -> Assessment:
    """Assess ``purchase`` at the aware instant ``at`` (already in UTC) under ``rules`` (R7.1–R7.4, R10.3).

    The route is the kind's route in ``rules.cancellation.routes`` (a kind it does not list is not
    covered), replaced by an R7.3 exclusion's route when the kind is one of its ``kinds`` or the
    product name (followed by the SKU name, when known) matches it. Kinds the rules do not cover
    (R7.4) are not matched against exclusions. The deadline is ``purchased_at + window_days``
    (24-hour days) whenever the kind has a window, even if an exclusion decides the route (R7.3
    convention: reported as information).

    :raises InvalidDateError: ``at`` is before the purchase, or the deadline is past ``datetime.max``.
    """
    if at < purchase.purchased_at:
        raise InvalidDateError(
            f"at: {at.isoformat()} is before the purchase ({purchase.purchased_at.isoformat()})",
            field="at",
            value=at,
        )
    fixed = static(purchase, rules)
    deadline = fixed.deadline
    return Assessment(
        route=fixed.route,
        exclusion=fixed.exclusion,
        near_miss=fixed.near_miss,
        window_days=fixed.window_days,
        deadline=deadline,
        in_window=deadline is not None and at < deadline,
    )
