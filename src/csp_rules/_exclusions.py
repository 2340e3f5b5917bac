"""The R7.3 name matcher: which exclusion of a rule set a product name matches, or nearly matches.

Private; :mod:`csp_rules.cancellation` owns R7.3 and decides with it. Matching is deliberately
simple and conservative:

* a name is read as its words (:func:`csp_rules.facts.words`: Unicode NFKD, accents dropped, case
  folded, every run of characters other than ``a-z0-9`` one space, so ``"Windows® 7 – ESU (2020)"``
  reads ``" windows 7 esu 2020 "``);
* a phrase matches as whole words (``"esu"`` is in ``"windows 7 esu 2020"``, not in ``"desu"``);
* a name matches an exclusion when it holds **every** phrase of one ``match`` group;
* a name that holds every phrase of a ``near`` group without matching is a **near miss**, which
  :mod:`csp_rules.cancellation` never lets become self-service.

Exclusions are tried in rule-set order; the first match wins, and a match always beats a near miss.

>>> from csp_rules.rulesets import rules_in_force
>>> from datetime import date
>>> exclusions = rules_in_force(date(2020, 1, 21)).cancellation.exclusions
>>> [e.id if e else None for e in match("Windows 7 Extended Security Updates 2020", exclusions)]
['windows7_esu_2020', None]
>>> [e.id if e else None for e in match("Windows 7 ESU (year 2)", exclusions)]
[None, 'windows7_esu_2020']
>>> [e.id if e else None for e in match("Office 365 E3", exclusions)]
[None, None]
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from .facts import words

if TYPE_CHECKING:
    from .rulesets import Exclusion

__all__ = ["match"]

_Groups = tuple[tuple[str, ...], ...]


@lru_cache(maxsize=64)
def _compiled(exclusions: tuple[Exclusion, ...]) -> tuple[tuple[Exclusion, _Groups, _Groups], ...]:
    """The exclusions of one rule set with their phrases read as words, once."""
    return tuple(
        (
            e,
            tuple(tuple(words(p) for p in group) for group in e.match),
            tuple(tuple(words(p) for p in group) for group in e.near),
        )
        for e in exclusions
    )


def _holds(text: str, groups: _Groups) -> bool:
    return any(all(phrase in text for phrase in group) for group in groups)


@lru_cache(maxsize=16_384)
def match(name: str, exclusions: tuple[Exclusion, ...]) -> tuple[Exclusion | None, Exclusion | None]:
    """``(matched, near_miss)`` for a product name (the text :func:`csp_rules.facts.words` reads).

    Answers are cached (bounded): the same names come back row after row.
    """
    text = words(name)
    near: Exclusion | None = None
    for exclusion, groups, near_groups in _compiled(exclusions):
        if _holds(text, groups):
            return exclusion, None
        if near is None and _holds(text, near_groups):
            near = exclusion
    return None, near
