"""The market-name index behind :mod:`csp_rules.markets`: normalization, file format and loading.

This module is shared by the run-time lookup and by ``tools/build_market_index.py``, so names
are normalized by the very same code when the index is built and when a name is looked up.

Normalization (:func:`name_tokens`) turns a name into a tuple of tokens:

* compatibility forms are folded (NFKC: full-width letters, ligatures), letter case is ignored
  (``casefold``), accents on Latin, Greek and Cyrillic letters are dropped, as are Arabic and
  Hebrew vowel points; a few letters that carry no accent to drop are spelled out (``ø`` → ``o``,
  ``ł`` → ``l``, ``æ`` → ``ae``...);
* anything that is neither a letter, a digit nor a combining mark separates tokens
  (punctuation, symbols, white space); abbreviations written with dots are joined
  (``U.S.A.`` → ``usa``);
* ``St``, ``Ste``, ``Sainte``, ``Sankt`` are ``saint``; English and French island words are one
  word (``island``); articles, prepositions and conjunctions (``the``, ``of``, ``and``, ``&``,
  ``et``, ``und``, ``de``, ``la``...) are dropped.

Four keys are derived from the tokens; a name is looked up by each in turn, the first that
the index knows decides (:func:`keys`):

``exact``
    the tokens joined by single spaces;
``bag``
    the tokens sorted (inverted forms: ``Cook (îles)`` is ``Îles Cook``, ``Korea, Republic of``
    is ``Republic of Korea``);
``compact``
    the tokens joined without spaces (``Guinea Bissau`` and ``GuineaBissau``; in Korean, spaced and
    unspaced spellings);
``loose``
    the sorted tokens without generic island words (``Norfolk (île)`` is ``Norfolk Island``).

A key of the index maps to one market code, to several codes (the name is ambiguous: the
caller must give a code or a language hint), or to region codes only (a region or grouping,
not a market: R3.3). Nothing else is guessed.

>>> name_tokens("Heard et McDonald (Îles)")
('heard', 'mcdonald', 'island')
>>> keys("Korea, Republic of")[1] == keys("Republic of Korea")[1]
True
>>> keys("St. Helena")[0], keys("Sainte-Hélène")[0], keys("Ste Hélène")[0]
('saint helena', 'saint helene', 'saint helene')
"""

from __future__ import annotations

import unicodedata
from array import array
from collections.abc import Iterable, Iterator, Mapping
from importlib import resources
from itertools import accumulate
from typing import Any, Final

import attrs

__all__ = [
    "INDEX_FILE",
    "MAX_NAME_CHARS",
    "TIERS",
    "CodeTable",
    "NameIndex",
    "SortedTable",
    "keys",
    "load_codes",
    "load_index",
    "name_tokens",
]

#: the built index, in ``csp_rules/data/markets/``
INDEX_FILE: Final = "name_index.tsv"
#: the code table (alpha-2, alpha-3, numeric, region codes), in ``csp_rules/data/markets/``
CODES_FILE: Final = "codes.tsv"
#: no market name or code is longer than this, after stripping surrounding white space
MAX_NAME_CHARS: Final = 120

#: words dropped everywhere: articles, prepositions and conjunctions of the languages whose
#: names are written with them ("and" in English, French, German, Spanish, Portuguese, Italian,
#: Catalan, Czech, Polish, Dutch, the Scandinavian languages, Turkish, Finnish, Hungarian, Romanian)
STOP_WORDS: Final = frozenset(
    {
        "the", "of", "and", "de", "du", "des", "d", "l", "la", "le", "les", "el", "los", "las", "lo",
        "da", "do", "das", "dos", "di", "del", "della", "dello", "der", "die", "den", "dem", "het",
        "et", "und", "y", "e", "i", "a", "en", "og", "och", "ve", "ja", "es", "si", "s",
    }
)  # fmt: skip
#: spellings of "saint" (the German ``Sankt`` too); ``San``, ``Santa``, ``São`` and the Dutch
#: ``Sint`` are kept as they are (Sint Maarten, SX, is not Saint-Martin, MF)
SAINT_WORDS: Final = frozenset({"st", "ste", "saint", "sainte", "sankt", "saints"})
#: English and French island words, made one word in every key
ISLAND_WORDS: Final = frozenset({"island", "islands", "isle", "isles", "is", "isl", "ile", "iles"})
#: generic island words of other languages, dropped (with ``island``) in the loose key only
GENERIC_WORDS: Final = frozenset(
    {
        "island", "islas", "isla", "ilhas", "ilha", "inseln", "insel", "isole", "isola", "eilanden",
        "eiland", "oyane", "oyene", "oy", "oer", "oarna", "on", "saaret", "saari", "wyspy", "wyspa",
        "ostrovy", "ostrov", "ostrova", "szigetek", "sziget", "adalari", "adasi",
    }
)  # fmt: skip

#: English abbreviations, expanded when written with their dot ("Congo, Dem. Rep.")
ABBREVIATIONS: Final = {"rep": "republic", "dem": "democratic", "fed": "federated", "sts": "states",
                        "isl": "island", "is": "island", "st": "saint", "ste": "sainte"}  # fmt: skip

_LETTERS: Final = str.maketrans(
    {"ø": "o", "đ": "d", "ł": "l", "ı": "i", "æ": "ae", "œ": "oe", "þ": "th", "ð": "d", "ħ": "h",
     "ŧ": "t", "ŀ": "l", "ĸ": "k"}
)  # fmt: skip


def _droppable_mark(ch: str) -> bool:
    code = ord(ch)
    return (
        0x0300 <= code <= 0x036F  # combining diacritical marks (Latin, Greek, Cyrillic accents)
        or 0x1AB0 <= code <= 0x1AFF
        or 0x1DC0 <= code <= 0x1DFF
        or 0x20D0 <= code <= 0x20FF
        or 0xFE20 <= code <= 0xFE2F
        or 0x064B <= code <= 0x065F  # Arabic vowel points
        or code == 0x0670
        or 0x0591 <= code <= 0x05C7  # Hebrew points
    )


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    if not decomposed.isascii():
        decomposed = "".join(ch for ch in decomposed if not _droppable_mark(ch))
    folded = unicodedata.normalize("NFKC", decomposed).casefold()
    return folded.translate(_LETTERS)


def _raw_tokens(text: str) -> list[tuple[str, str]]:
    """(word, separator after it) pairs; a separator is the run of characters after a word."""
    out: list[tuple[str, str]] = []
    word: list[str] = []
    sep: list[str] = []
    for ch in text:
        if ch.isalnum() or (not ch.isascii() and unicodedata.category(ch)[0] == "M"):
            if sep and out:
                out[-1] = (out[-1][0], "".join(sep))
            sep.clear()
            word.append(ch)
            continue
        if word:
            out.append(("".join(word), ""))
            word.clear()
        if unicodedata.category(ch) != "Cf":  # zero-width joiners, soft hyphens: nothing
            sep.append(ch)
    if word:
        out.append(("".join(word), ""))
    elif sep and out:
        out[-1] = (out[-1][0], "".join(sep))
    return out


def name_tokens(text: str) -> tuple[str, ...]:
    """The normalized tokens of a name (see the module docstring).

    >>> name_tokens("Saint-Vincent-et-les-Grenadines")
    ('saint', 'vincent', 'grenadines')
    >>> name_tokens("U.S. Outlying Islands"), name_tokens("Côte d’Ivoire")
    (('us', 'outlying', 'island'), ('cote', 'ivoire'))
    >>> name_tokens("Korea, Dem. People's Rep.")
    ('korea', 'democratic', 'people', 'republic')
    """
    merged: list[str] = []
    abbreviation = False  # the last word is single letters joined by dots so far
    after_dot = True  # the separator before this word was a dot (or this is the first word)
    for word, sep in _raw_tokens(_fold(text)):
        single = len(word) == 1 and word.isalpha()
        if single and abbreviation and after_dot:
            merged[-1] += word  # U.S.A. -> usa
        else:
            if sep.startswith("."):
                word = ABBREVIATIONS.get(word, word)
            merged.append(word)
            abbreviation = single
        after_dot = sep == "."
    tokens: list[str] = []
    for word in merged:
        # "people's" -> "people" + "s": the "s" is a stop word
        if word in SAINT_WORDS:
            tokens.append("saint")
        elif word in ISLAND_WORDS:
            tokens.append("island")
        elif word not in STOP_WORDS:
            tokens.append(word)
    return tuple(tokens)


#: the names of the keys, in the order they are tried
TIERS: Final = ("exact", "bag", "compact", "loose")


def keys_of(tokens: tuple[str, ...]) -> tuple[str, str, str, str]:
    """The exact, bag, compact and loose keys of normalized tokens (empty strings when there are none)."""
    exact = " ".join(tokens)
    ordered = sorted(tokens)
    bag = " ".join(ordered)
    loose = " ".join(t for t in ordered if t not in GENERIC_WORDS)
    return exact, bag, "".join(tokens), loose


def keys(text: str) -> tuple[str, str, str, str]:
    """The exact, bag, compact and loose keys of a name.

    >>> keys("Cook (îles)")[1] == keys("Îles Cook")[1] == "cook island"
    True
    >>> keys("Norfolk (île)")[3] == keys("Norfolk")[3] == "norfolk"
    True
    """
    return keys_of(name_tokens(text))


# --- the files --------------------------------------------------------------------------------
#
# name_index.tsv, UTF-8, lines:
#   "# ..."                    header (babel and CLDR versions, sources, counts)
#   "@exact" / "@bag" / "@compact" / "@loose" / "@lang xx" / "@suggest"    section starts
#   in @exact, @bag, @compact, @loose and @lang sections: "key<TAB>VALUE", sorted by the UTF-8
#       bytes of "key<TAB>"; VALUE is a market code ("FR"), several codes ("CD CG": ambiguous;
#       region codes among them: "057 FM") or "!" and region codes only ("!150": not a market)
#   in @suggest: "CODE<TAB>display name<TAB>exact key" (English and French names)
#
# codes.tsv, UTF-8, lines "CODE<TAB>VALUE" (VALUE as above) after "#" header lines: alpha-2,
#   alpha-3 and numeric codes of every market, the CLDR codes of places within a market
#   (AC -> SH) and the region and grouping codes (EU -> !EU).
#
# The four big sections stay one UTF-8 ``bytes`` each, searched by bisection over line offsets
# (:class:`SortedTable`): about 3 MB in memory instead of 15 MB of dictionaries, and loaded in a
# few milliseconds. Looking a key up takes a few microseconds; resolved names are cached by
# csp_rules.markets anyway.


class SortedTable(Mapping[str, str]):
    """A read-only mapping over sorted ``key<TAB>value`` lines kept as one UTF-8 ``bytes``."""

    __slots__ = ("_blob", "_starts")

    def __init__(self, blob: bytes) -> None:
        self._blob = blob
        self._starts: array[int] | None = None  # computed on first use (a later tier may never be needed)

    def _offsets(self) -> array[int]:
        starts = self._starts
        if starts is None:
            # line starts: 0, then one past each newline (the blob ends with a newline); two
            # threads may both compute them: the same value, assigned atomically
            lines = self._blob.split(b"\n")
            starts = array("I", accumulate(map((1).__add__, map(len, lines)), initial=0))
            del starts[len(lines) - 1 :]
            self._starts = starts
        return starts

    def _find(self, key: str) -> int:
        """The index of the line of ``key``, or -1."""
        target = key.encode("utf-8") + b"\t"
        blob, starts = self._blob, self._offsets()
        lo, hi = 0, len(starts)
        while lo < hi:
            mid = (lo + hi) // 2
            start = starts[mid]
            if blob[start : blob.index(b"\t", start) + 1] < target:
                lo = mid + 1
            else:
                hi = mid
        if lo < len(starts) and blob.startswith(target, starts[lo]):
            return lo
        return -1

    def _line(self, i: int) -> tuple[str, str]:
        start = self._offsets()[i]
        end = self._blob.find(b"\n", start)
        key, _, value = self._blob[start : end if end >= 0 else None].decode("utf-8").partition("\t")
        return key, value

    def get(self, key: str, default: Any = None) -> Any:
        i = self._find(key)
        return default if i < 0 else self._line(i)[1]

    def __getitem__(self, key: str) -> str:
        i = self._find(key)
        if i < 0:
            raise KeyError(key)
        return self._line(i)[1]

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self._find(key) >= 0

    def __iter__(self) -> Iterator[str]:
        return (self._line(i)[0] for i in range(len(self._offsets())))

    def items(self) -> Iterator[tuple[str, str]]:  # type: ignore[override]
        return (self._line(i) for i in range(len(self._offsets())))

    def __len__(self) -> int:
        return len(self._offsets())


@attrs.frozen(eq=False)
class CodeTable:
    """Every code a market can be given by: upper-case code -> value (see the file format)."""

    values: Mapping[str, str]
    #: the alpha-2 codes of the markets, sorted
    markets: tuple[str, ...]
    header: tuple[str, ...]


@attrs.frozen(eq=False)
class NameIndex:
    """The name index: key -> value per tier and per language, names for suggestions, the header."""

    exact: Mapping[str, str]
    bag: Mapping[str, str]
    compact: Mapping[str, str]
    loose: Mapping[str, str]
    lang: Mapping[str, Mapping[str, str]]
    suggest: tuple[tuple[str, str, str], ...]  # (exact key, display name, code)
    header: tuple[str, ...]

    def header_value(self, name: str) -> str | None:
        """A ``# name: value`` header line's value (``babel``, ``cldr``...)."""
        prefix = f"# {name}: "
        for line in self.header:
            if line.startswith(prefix):
                return line[len(prefix) :]
        return None


def _data_bytes(name: str) -> bytes:
    return (resources.files("csp_rules") / "data" / "markets" / name).read_bytes()


def load_codes() -> CodeTable:
    """Read ``codes.tsv`` from the package."""
    return parse_codes(_data_bytes(CODES_FILE).decode("utf-8"))


def parse_codes(text: str) -> CodeTable:
    """Parse the text of ``codes.tsv``."""
    values: dict[str, str] = {}
    header: list[str] = []
    markets: list[str] = []
    for line in text.splitlines():
        if not line:
            continue
        if line.startswith("#"):
            header.append(line)
            continue
        code, value = line.split("\t")
        values[code] = value
        if code == value:
            markets.append(code)
    return CodeTable(values=values, markets=tuple(sorted(markets)), header=tuple(header))


def load_index() -> NameIndex:
    """Read the name index from the package (about 100,000 keys, 2 MB; a few milliseconds)."""
    return parse_index(_data_bytes(INDEX_FILE))


def parse_index(data: bytes) -> NameIndex:
    """Parse the bytes of the name index."""
    sections: dict[str, bytes] = {}
    header: list[str] = []
    pos = 0
    while pos < len(data) and data.startswith(b"#", pos):
        end = data.index(b"\n", pos)
        header.append(data[pos:end].decode("utf-8"))
        pos = end + 1
    while pos < len(data):
        if not data.startswith(b"@", pos):
            raise ValueError(f"market index: expected a section at byte {pos}")
        end = data.index(b"\n", pos)
        name = data[pos + 1 : end].decode("utf-8")
        nxt = data.find(b"\n@", end)
        stop = len(data) if nxt < 0 else nxt + 1
        sections[name] = data[end + 1 : stop]
        pos = stop
    suggest = []
    for line in sections.pop("suggest", b"").decode("utf-8").splitlines():
        code, display, key = line.split("\t")
        suggest.append((key, display, code))
    lang = {}
    for name in [n for n in sections if n.startswith("lang ")]:
        text = sections.pop(name).decode("utf-8")
        lang[name[5:]] = dict(line.split("\t") for line in text.splitlines())
    return NameIndex(
        exact=SortedTable(sections.get("exact", b"")),
        bag=SortedTable(sections.get("bag", b"")),
        compact=SortedTable(sections.get("compact", b"")),
        loose=SortedTable(sections.get("loose", b"")),
        lang=lang,
        suggest=tuple(suggest),
        header=tuple(header),
    )


def format_section(name: str, table: Mapping[str, str]) -> Iterable[str]:
    """Lines of one section, sorted as :class:`SortedTable` searches them (deterministic output)."""
    yield f"@{name}"
    for key in sorted(table, key=lambda k: k.encode("utf-8") + b"\t"):
        if "\t" in key or "\n" in key or not key or key[0] in "@#":
            raise ValueError(f"market index: invalid key {key!r}")
        yield f"{key}\t{table[key]}"
