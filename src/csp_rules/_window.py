"""The core of R7: how a purchase is cancelled under a rule set, and until when.

Private: :mod:`csp_rules.cancellation` turns this into decisions, and :mod:`csp_rules.billing`
uses it to tell whether a cancellation (and so a credit) was possible. Keeping it here lets
billing depend on it without depending on cancellation, which itself uses billing for the
credit of a cancellation's effects: facts -> _window -> billing -> cancellation, no circle.

Conventions (RULES.md R7): instants compared in UTC; the window is the half-open interval
``[purchased_at, purchased_at + window_days × 24 h)``.
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

__all__ = ["Assessment", "assess", "match_exclusion", "normalize_name"]

_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_NAME_CACHE: dict[str, str] = {}
_NAME_CACHE_MAX = 20_000


def normalize_name(name: str) -> str:
    """Lower case, accents dropped, every run of non-alphanumerics one space, padded with spaces.

    >>> normalize_name("Windows 7 Extended Security Updates (ESU) – 2020")
    ' windows 7 extended security updates esu 2020 '
    """
    cached = _NAME_CACHE.get(name)
    if cached is not None:
        return cached
    text = unicodedata.normalize("NFKD", name[:4096])
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    result = " " + _NON_ALNUM.sub(" ", text).strip() + " "
    if len(_NAME_CACHE) >= _NAME_CACHE_MAX:
        _NAME_CACHE.clear()
    _NAME_CACHE[name] = result
    return result


def _groups_match(normalized: str, groups: tuple[tuple[str, ...], ...]) -> bool:
    for group in groups:
        if all(normalize_name(phrase) in normalized for phrase in group):
            return True
    return False


def match_exclusion(product_name: str, rules: RuleSet) -> tuple[Exclusion | None, Exclusion | None]:
    """``(matched, near_miss)``: the R7.3 exclusion a product name matches, or one it nearly matches.

    A name matches an exclusion when it holds every phrase of one of its ``match`` groups (whole
    words, case, accents and punctuation ignored). A near miss holds every phrase of a ``near``
    group without matching: it must not silently become self-service.
    """
    normalized = normalize_name(product_name)
    near: Exclusion | None = None
    for exclusion in rules.cancellation.exclusions:
        if _groups_match(normalized, exclusion.match):
            return exclusion, None
        if near is None and _groups_match(normalized, exclusion.near):
            near = exclusion
    return None, near


@attrs.frozen(kw_only=True)
class Assessment:
    """How a purchase is cancelled at an instant: the route, why, and the window if it has one."""

    #: the route that applies (after exclusions)
    route: Route
    #: the R7.3 exclusion that decided the route, if any
    exclusion: Exclusion | None
    #: an exclusion the product name nearly matches (never self-service then)
    near_miss: Exclusion | None
    #: the kind's window length in days, if the kind has one
    window_days: int | None
    #: end of the window (exclusive), if the kind has one; reported even for exclusions (R7.3 convention)
    deadline: datetime | None
    #: whether ``at`` is inside the window
    in_window: bool


def assess(purchase: Purchase, at: datetime, rules: RuleSet) -> Assessment:
    """Assess ``purchase`` at the aware instant ``at`` (already in UTC) under ``rules``."""
    if at < purchase.purchased_at:
        raise InvalidDateError(
            f"at: {at.isoformat()} is before the purchase ({purchase.purchased_at.isoformat()})",
            field="at", value=at,
        )
    kind = purchase.kind
    cancellation = rules.cancellation
    route = cancellation.routes.get(kind, Route.NOT_COVERED)
    window_days = cancellation.window_days.get(kind)
    deadline = None
    in_window = False
    if window_days is not None:
        deadline = _time.add_days(purchase.purchased_at, window_days, "deadline")
        in_window = at < deadline
    exclusion: Exclusion | None = None
    near: Exclusion | None = None
    if route is not Route.NOT_COVERED:
        for candidate in cancellation.exclusions:
            if kind in candidate.kinds:
                exclusion = candidate
                break
        if exclusion is None:
            exclusion, near = match_exclusion(purchase.product_name, rules)
        if exclusion is not None:
            route = exclusion.route
    return Assessment(
        route=route, exclusion=exclusion, near_miss=near, window_days=window_days, deadline=deadline,
        in_window=in_window,
    )
