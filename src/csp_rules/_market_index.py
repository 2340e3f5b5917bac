"""The market-name index behind :mod:`csp_rules.markets`: normalization, file format and loading.

This module is shared by the run-time lookup and by ``tools/build_market_index.py``, so names
are normalized by the very same code when the index is built and when a name is looked up.

Normalization (:func:`name_tokens`) turns a name into a tuple of tokens:

* compatibility forms are folded (NFKC: full-width letters, ligatures), letter case is ignored
  (``casefold``), accents on Latin, Greek and Cyrillic letters are dropped, as are Arabic and
  Hebrew vowel points; a few letters that carry no accent to drop are spelled out (``ø`` → ``o``,
  ``ł`` → ``l``, ``æ`` → ``ae``...);
* **script variants** are one: traditional Chinese characters and the Japanese forms of them
  are read as simplified Chinese (``澳大利亞`` is ``澳大利亚``, ``國`` is ``国``; the table is
  derived from OpenCC's dictionaries and shipped in the index), hiragana as katakana, and the
  katakana spellings of *v* as those of *b* (``ヴァチカン`` is ``バチカン``);
* anything that is neither a letter, a digit nor a combining mark separates tokens
  (punctuation, symbols, white space); abbreviations written with dots are joined
  (``U.S.A.`` → ``usa``) or, for the title words of many languages, spelled out (``Rep.``,
  ``Rép.``, ``Dem.``, ``Fed.``, ``Ver.``, ``Is.``, ``Terr.``, ``Brit.``...: :data:`ABBREVIATIONS`);
* the title words of names are one word whatever the language (:func:`title_word`): *republic*
  (République, República, Republik, Repubblica, Республика...), *democratic*, *federal*,
  *united*, *states*, *kingdom*, *people*, *islamic*, *arab*, *british*, *american*, *french*...;
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
    the sorted tokens without generic island words (``Norfolk (île)`` is ``Norfolk Island``; in
    Chinese and Japanese, a name's island ending: ``阿鲁巴岛`` is ``阿鲁巴``).

A key of the index maps to one market code, to several codes (the name is ambiguous: the
caller must give a code or a language hint), or to region codes only (a region or grouping,
not a market: R3.3). The index also knows, for every word of every name, the markets whose
names use it (word-subset matching, see :mod:`csp_rules.markets`), and the market each
dependent territory belongs to (``FRANCE Polynésie française``).

>>> name_tokens("Heard et McDonald (Îles)")
('heard', 'mcdonald', 'island')
>>> keys("Korea, Republic of")[1] == keys("Republic of Korea")[1] == keys("Corée, Rép. de")[1].replace("coree", "korea")
True
>>> keys("St. Helena")[0], keys("Sainte-Hélène")[0], keys("Ste Hélène")[0]
('saint helena', 'saint helene', 'saint helene')
>>> name_tokens("République démocratique du Congo") == name_tokens("Rép. dém. du Congo")
True

The module is long (over 600 lines) because it is the one place that knows the index's format:
folding, tokens, every matching family (word subsets, script variants, near words, readings) and
the mmap search. The build script imports the same functions, so index and reader cannot drift.
"""

from __future__ import annotations

import mmap
import os
import re
import unicodedata
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from typing import Any, Final, TypeAlias

import attrs

from ._lazy import Once

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
#: Catalan, Czech, Polish, Dutch, the Scandinavian languages, Turkish, Finnish, Hungarian, Romanian,
#: Russian, Ukrainian, Greek). A word is a stop word as it is written, accents included: the
#: Hungarian "és" (and) is one, the Hungarian "dél" (south) and the Vietnamese "đa" are not, though
#: they read "del" and "da" without their accents
STOP_WORDS: Final = frozenset(
    {
        "the", "of", "and", "de", "du", "des", "d", "l", "la", "le", "les", "el", "los", "las", "lo",
        "da", "do", "das", "dos", "di", "del", "della", "dello", "der", "die", "den", "dem", "het",
        "et", "und", "y", "e", "i", "a", "en", "og", "och", "ve", "ja", "es", "si", "s", "및",
        "és", "și", "şi", "à", "и", "і", "και",
    }
)  # fmt: skip
#: spellings of "saint" (the German ``Sankt``, the Russian ``Сен``, ``Сент``, ``Святой`` too);
#: ``San``, ``Santa``, ``São`` and the Dutch ``Sint`` are kept as they are (Sint Maarten, SX, is
#: not Saint-Martin, MF)
SAINT_WORDS: Final = frozenset(
    {
        "st",
        "ste",
        "saint",
        "sainte",
        "sankt",
        "saints",
        "сент",
        "сен",
        "святои",
        "святая",
        "святого",
        "세인트",
    }
)
#: Korean spellings of "saint" written glued to the name that follows: 세인트 (from English) and
#: 생 (from French), read as the word "saint" (세인트 바르텔레미 is 생바르텔레미)
HANGUL_SAINTS: Final = ("세인트", "생")
#: English and French island words, made one word in every key
ISLAND_WORDS: Final = frozenset({"island", "islands", "isle", "isles", "is", "isl", "ile", "iles"})
#: generic island words of other languages, dropped (with ``island``) in the loose key only
GENERIC_WORDS: Final = frozenset(
    {
        "island", "islas", "isla", "ilhas", "ilha", "inseln", "insel", "isole", "isola", "eilanden",
        "eiland", "oyane", "oyene", "oy", "oer", "oarna", "on", "saaret", "saari", "wyspy", "wyspa",
        "ostrovy", "ostrov", "ostrova", "szigetek", "sziget", "adalari", "adasi",
        "岛", "群岛", "诸岛", "列岛", "섬", "제도", "군도",
    }
)  # fmt: skip
#: Chinese and Japanese island words written at the end of a name (after folding: 島 is 岛,
#: 諸島 is 诸岛), dropped in the loose key ("阿鲁巴岛" is "阿鲁巴")
ISLAND_SUFFIXES: Final = ("群岛", "诸岛", "列岛", "岛")
#: island words ending compound names in German, Dutch and the Scandinavian languages, dropped
#: in the loose key ("Cookinseln" is "Cook", "Salomonöarna" is "Salomon")
COMPOUND_ISLANDS: Final = (
    "inseln",
    "insel",
    "eilanden",
    "eiland",
    "oarna",
    "oerne",
    "oyene",
    "oyane",
    "saaret",
)
#: acronyms of title words, spelled out with or without dots ("Lao PDR", "DR Congo", "Hong Kong SAR")
ACRONYMS: Final = {
    "pdr": ("people", "democratic", "republic"),
    "dpr": ("democratic", "people", "republic"),
    "dr": ("democratic", "republic"),
    "rd": ("republic", "democratic"),
    "fyr": ("former", "yugoslav", "republic"),
    "fyro": ("former", "yugoslav", "republic"),
    "sar": ("special", "administrative", "region"),
}

#: abbreviations of the title words of names in English, French, German, Spanish, Portuguese,
#: Italian, Dutch, the Scandinavian and Slavic languages, expanded when written with their dot
#: ("Congo, Dem. Rep.", "Rép. dém. du Congo", "Ver. Staaten", "Is. Salomón"); the expansion is
#: a title word (:func:`title_word`), the same in every language
ABBREVIATIONS: Final = {
    "rep": "republic", "repub": "republic", "repubb": "republic", "resp": "republic", "респ": "republic",
    "dem": "democratic", "democ": "democratic", "demokr": "democratic", "dém": "democratic",
    "дем": "democratic",
    "fed": "federal", "feder": "federal", "fod": "federal", "foed": "federal",
    "sts": "states", "ver": "united", "vereinigte": "united", "unid": "united", "utd": "united",
    "isl": "island", "is": "island", "st": "saint", "ste": "sainte", "sto": "santo",
    "ter": "territory", "terr": "territory", "territ": "territory", "terit": "territory",
    "brit": "british", "britann": "british", "am": "american", "amer": "american",
    "fr": "french", "fran": "french", "franc": "french", "fra": "french",
    "pop": "people", "soc": "socialist", "isl.": "island",
}  # fmt: skip

#: title words written differently per language, read as one word (exact folded words)
TITLE_WORDS: Final = {
    # united
    **dict.fromkeys(
        ["uni", "unis", "unie", "unies", "unido", "unidos", "unida", "unidas", "unito", "uniti", "unita", "unite",
         "vereinigte", "vereinigten", "vereinigtes", "verenigde", "verenigd", "forenade", "forente", "forenede",
         "zjednoczone", "zjednoczonych", "zjednoczone", "spojene", "spojenych", "spojeny", "egyesult",
         "birlesik", "unidu", "unides"], "united"),
    # states (plural) and state
    **dict.fromkeys(
        ["etats", "estados", "stati", "staaten", "staten", "stater", "staterna", "stany", "staty", "allamok",
         "devletleri", "estats"], "states"),
    **dict.fromkeys(["etat", "estado", "stato", "staat", "stat", "staten", "allam", "devleti"], "state"),
    # kingdom
    **dict.fromkeys(
        ["royaume", "reino", "regno", "konigreich", "koninkrijk", "kungariket", "kongeriket", "kongeriget",
         "krolestwo", "kralovstvi", "kiralysag", "kralligi", "regne"], "kingdom"),
    # people's
    **dict.fromkeys(
        ["peoples", "populaire", "popular", "popolare", "populara", "ludowa", "ludowej", "lidova", "volks",
         "nepi", "halk"], "people"),
    # islamic
    **dict.fromkeys(
        ["islamique", "islamica", "islamico", "islamische", "islamischen", "islamitische", "islamiska",
         "islamska", "islamskiej", "islamska", "islami", "iszlam"], "islamic"),
    # arab (the adjective; Arabia, Arabie, Arabien stay as they are)
    **dict.fromkeys(
        ["arabe", "arabes", "arabi", "arabo", "arabische", "arabischen", "arabiska", "arabskie", "arabska",
         "arabske", "arabskich", "arabische", "arap", "arab"], "arab"),
    # socialist
    **dict.fromkeys(["socialiste", "socialista", "sozialistische", "socialistische", "socjalistyczna"],
                    "socialist"),
    # british, american, french (adjectives of dependent territories)
    **dict.fromkeys(
        ["britannique", "britanniques", "britanico", "britanica", "britanicas", "britanicos", "britannico",
         "britannica", "britanniche", "britannici", "britische", "britischen", "britisches", "britse",
         "brittiska", "brytyjskie", "brytyjskie", "britske", "britanicke", "brit"], "british"),
    **dict.fromkeys(
        ["americaine", "americaines", "americana", "americanas", "americano", "americanos", "americane",
         "americani", "amerikanische", "amerikanischen", "amerikaanse", "amerikanska", "amerykanskie",
         "americke", "amerikai", "amerikan"], "american"),
    **dict.fromkeys(
        ["francaise", "francaises", "francais", "francesa", "francesas", "frances", "francese", "francesi",
         "franzosische", "franzosischen", "franzosisch", "franse", "franska", "francuska", "francuskie",
         "francouzska", "francouzske", "francia"], "french"),
    # territory, territories
    **dict.fromkeys(
        ["territoire", "territorio", "territorium", "territoriet", "terytorium", "territorie", "uzemi"],
        "territory"),
    **dict.fromkeys(
        ["territoires", "territorios", "territori", "territorien", "territorier", "terytoria"], "territories"),
}  # fmt: skip
#: stems of title words read as one word in every language that writes them with a Latin or
#: Cyrillic stem (republic, democratic, federal: République, Republik, Республика, Demokratische...)
TITLE_STEMS: Final = (
    ("republ", "republic"),
    ("repubbl", "republic"),
    ("республик", "republic"),
    ("cumhuriyet", "republic"),
    ("koztarsasag", "republic"),
    ("democra", "democratic"),
    ("demokra", "democratic"),
    ("демократ", "democratic"),
    ("federa", "federal"),
    ("foder", "federal"),
    ("foeder", "federal"),
    ("федера", "federal"),
)

#: the title words as they are read (:func:`title_word`), and "saint"
TITLES: Final = frozenset({*TITLE_WORDS.values(), *(title for _stem, title in TITLE_STEMS), "saint"})

_LETTERS: Final = str.maketrans(
    {"ø": "o", "đ": "d", "ł": "l", "ı": "i", "æ": "ae", "œ": "oe", "þ": "th", "ð": "d", "ħ": "h",
     "ŧ": "t", "ŀ": "l", "ĸ": "k"}
)  # fmt: skip

#: katakana spellings read as one: the v-row as the b-row, old and small forms as the usual ones
_KANA_PAIRS: Final = (
    ("ヴァ", "バ"),
    ("ヴィ", "ビ"),
    ("ヴェ", "ベ"),
    ("ヴォ", "ボ"),
    ("ヴュ", "ビュ"),
    ("ヴ", "ブ"),
)
_KANA: Final = str.maketrans({"ヵ": "カ", "ヶ": "ケ", "ヰ": "イ", "ヱ": "エ"})
_FIRST_KANA: Final = 0x3041
_FIRST_CJK: Final = 0x2E80
#: the first character of the scripts written without spaces (and of Hangul) that word endings are looked up in
FIRST_DENSE: Final = _FIRST_CJK


def title_word(word: str) -> str:
    """A folded word, or the title word it is in every language.

    >>> title_word("republique"), title_word("republika"), title_word("unis"), title_word("congo")
    ('republic', 'republic', 'united', 'congo')
    """
    found = TITLE_WORDS.get(word)
    if found is not None:
        return found
    for stem, title in TITLE_STEMS:
        if word.startswith(stem):
            return title
    return word


def token_of(word: str) -> str:
    """The token a folded word is read as (a spelling of "saint", an island word, a title word),
    for words made up from other words (:func:`csp_rules.markets._near_words`)."""
    if word in SAINT_WORDS:
        return "saint"
    if word in ISLAND_WORDS:
        return "island"
    return title_word(word)


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


def _kana_and_han(text: str, variants: Mapping[int, str]) -> str:
    """Hiragana as katakana, katakana variants as one, Chinese and Japanese character variants as one."""
    if any(_FIRST_KANA <= ord(ch) <= 0x3096 for ch in text):
        text = "".join(chr(ord(ch) + 0x60) if _FIRST_KANA <= ord(ch) <= 0x3096 else ch for ch in text)
    if "ヴ" in text:
        for old, new in _KANA_PAIRS:
            text = text.replace(old, new)
    return text.translate(_KANA).translate(variants)


#: a table of character variants, or a function giving it (called only for Chinese and Japanese text)
Variants: TypeAlias = Mapping[int, str] | Callable[[], Mapping[int, str]] | None


def _fold(text: str, variants: Variants) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    if decomposed.isascii():
        return decomposed.lower()
    decomposed = "".join(ch for ch in decomposed if not _droppable_mark(ch))
    folded = unicodedata.normalize("NFKC", decomposed).casefold().translate(_LETTERS)
    if folded and max(folded) >= chr(_FIRST_CJK):
        if variants is None:
            variants = shipped_variants
        folded = _kana_and_han(folded, variants() if callable(variants) else variants)
    return folded


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


def name_tokens(text: str, variants: Variants = None, *, as_written: bool = True) -> tuple[str, ...]:
    """The normalized tokens of a name (see the module docstring).

    ``variants`` is the table of Chinese and Japanese character variants (``ord`` -> folded
    character), or a function giving it; by default the one shipped with the index (the index
    builder passes its own). Stop words are those written so, accents included (``Dél`` is no
    ``del``); with ``as_written=False``, those that read so without their accents: the index
    builder gives a name the keys of both readings, so that ``Del-Szudan``, typed without accents,
    means what ``Szudan`` means (both Sudans) and never one of them.

    >>> name_tokens("Saint-Vincent-et-les-Grenadines")
    ('saint', 'vincent', 'grenadines')
    >>> name_tokens("U.S. Outlying Islands"), name_tokens("Côte d’Ivoire")
    (('us', 'outlying', 'island'), ('cote', 'ivoire'))
    >>> name_tokens("Korea, Dem. People's Rep.")
    ('korea', 'democratic', 'people', 'republic')
    >>> name_tokens("澳大利亞") == name_tokens("澳大利亚"), name_tokens("ヴァチカン") == name_tokens("バチカン")
    (True, True)
    """
    merged: list[tuple[str, str]] = []  # (folded word, word as written)
    abbreviation = False  # the last word is single letters joined by dots so far
    after_dot = True  # the separator before this word was a dot (or this is the first word)
    for word, written, sep in _words(text, variants):
        single = len(word) == 1 and word.isalpha()
        if single and abbreviation and after_dot:
            merged[-1] = (merged[-1][0] + word, merged[-1][1] + written)  # U.S.A. -> usa
        else:
            if sep.startswith(".") and word in ABBREVIATIONS:
                word = written = ABBREVIATIONS[word]  # "Dem." is "democratic", not the German "dem"
            merged.append((word, written))
            abbreviation = single
        after_dot = sep == "."
    tokens: list[str] = []
    for word, written in merged:
        # "people's" -> "people" + "s": the "s" is a stop word
        if word in SAINT_WORDS:
            tokens.append("saint")
        elif word in ISLAND_WORDS:
            tokens.append("island")
        elif word in ACRONYMS:
            tokens.extend(ACRONYMS[word])
        elif (written if as_written else word) in STOP_WORDS:
            continue
        elif ord(word[0]) >= _FIRST_CJK:
            tokens.extend(_dense_words(word))
        else:
            tokens.append(title_word(word))
    return tuple(tokens)


#: "and" inside a name written without spaces (Chinese 和, 与 and 與, not the 和 of 共和,
#: "republic"; Japanese 及び and 並びに, read in katakana): a word boundary, like a space
DENSE_AND: Final = ("和", "与", "及ビ", "並ビニ")
_DENSE_AND: Final = re.compile("(?<!共)和|" + "|".join(DENSE_AND[1:]))


def _dense_words(word: str) -> list[str]:
    """A word of a script written without spaces, split at its "and"; a Korean word without its
    glued "saint" (세인트, 생), which becomes the word ``saint``."""
    parts = [p for p in _DENSE_AND.split(word) if p] if _DENSE_AND.search(word) else [word]
    out: list[str] = []
    for part in parts:
        for saint in HANGUL_SAINTS:
            if part.startswith(saint) and len(part) >= len(saint) + 2:
                out.append("saint")
                part = part[len(saint) :]
                break
        out.append(part)
    return out


def _words(text: str, variants: Variants) -> list[tuple[str, str, str]]:
    """(folded word, word as written but in lower case, separator after it) triples."""
    decomposed = unicodedata.normalize("NFKD", text)
    if decomposed.isascii():
        return [(w, w, sep) for w, sep in _raw_tokens(decomposed.lower())]
    out: list[tuple[str, str, str]] = []
    for written, sep in _raw_tokens(unicodedata.normalize("NFKC", text).casefold()):
        word = _fold(written, variants)
        if word:
            out.append((word, written, sep))
        elif out:  # a word of accents only: part of the separator
            out[-1] = (out[-1][0], out[-1][1], out[-1][2] + sep)
    return out


def without_island(token: str) -> str:
    """A token without a Chinese or Japanese island ending, or a compound's island word.

    >>> without_island("阿鲁巴岛"), without_island("cookinseln"), without_island("island")
    ('阿鲁巴', 'cook', 'island')
    """
    if ord(token[-1]) >= _FIRST_CJK:
        for suffix in ISLAND_SUFFIXES:
            if token.endswith(suffix) and len(token) > len(suffix) + 1:
                return token[: -len(suffix)]
    else:
        for suffix in COMPOUND_ISLANDS:
            if token.endswith(suffix) and len(token) >= len(suffix) + 4:
                return token[: -len(suffix)]
    return token


#: the names of the keys, in the order they are tried
TIERS: Final = ("exact", "bag", "compact", "loose")


def keys_of(tokens: tuple[str, ...]) -> tuple[str, str, str, str]:
    """The exact, bag, compact and loose keys of normalized tokens (empty strings when there are none)."""
    exact = " ".join(tokens)
    ordered = sorted(tokens)
    bag = " ".join(ordered)
    rest = [without_island(t) for t in ordered if t not in GENERIC_WORDS]
    # a loose key of title words only ("Republik Island" without its island word) names nothing
    loose = " ".join(sorted(rest)) if any(t not in TITLES for t in rest) else ""
    compact = "".join(tokens)
    # two letters joined are no compact key ("É.-U." is no "EU": two letters are a code)
    if len(tokens) > 1 and len(compact) <= 2 and ord(compact[0]) < _FIRST_CJK:
        compact = ""
    return exact, bag, compact, loose


def keys(text: str, variants: Variants = None) -> tuple[str, str, str, str]:
    """The exact, bag, compact and loose keys of a name.

    >>> keys("Cook (îles)")[1] == keys("Îles Cook")[1] == "cook island"
    True
    >>> keys("Norfolk (île)")[3] == keys("Norfolk")[3] == "norfolk"
    True
    """
    return keys_of(name_tokens(text, variants))


#: initials shorter or longer than this are no acronym of a name (two letters are a code)
INITIALS: Final = (3, 6)


def initials(text: str) -> tuple[str, ...]:
    """The acronyms a name may be written as: the first letters of its words, and of its words
    without articles and conjunctions (folded; hyphens separate words). Names of one word, and
    names in the scripts written without spaces, have none.

    A name inverted after a comma (ISO's "Korea, Republic of") has the initials of its usual
    order too.

    >>> initials("Kingdom of Saudi Arabia"), initials("Koreańska Republika Ludowo-Demokratyczna")
    (('kosa', 'ksa'), ('krld',))
    >>> initials("Федеративная Республика Германия"), initials("France"), initials("大韩民国")
    (('фрг',), (), ())
    >>> initials("Korea, Republic of"), initials("Virgin Islands, British")
    (('kro', 'rok'), ('vib', 'bvi'))
    >>> initials("Bundesrepublik Deutschland"), initials("Kínai Népköztársaság")
    (('brd',), ('knk',))
    """
    head, comma, tail = text.partition(",")
    forms = [text] if not comma or "," in tail else [text, f"{tail} {head}"]
    low, high = INITIALS
    found: list[str] = []
    for form in forms:
        words = _words(form, {})
        if len(words) < 2 or any(ord(w[0]) >= _FIRST_CJK or not w[0].isalpha() for w, _, _ in words):
            return ()
        found.append("".join(w[0] for w, _, _ in words))
        content = [w for w, written, _ in words if written not in STOP_WORDS]
        found.append("".join(w[0] for w in content))
        found.append("".join(_compound_initials(w) for w in content))
    return tuple(dict.fromkeys(i for i in found if low <= len(i) <= high))


def _compound_initials(word: str) -> str:
    """A word's initial, and that of the "republic" it ends with when it is a compound
    (``Bundesrepublik``: BR, ``Népköztársaság``: NK, as in BRD and KNK)."""
    for stem, title in TITLE_STEMS:
        at = word.find(stem, 1)
        if title == "republic" and at > 1:
            return word[0] + stem[0]
    return word[0]


def as_acronym(text: str) -> str | None:
    """The folded letters of a text written as an acronym (capitals only, three to six, with or
    without dots: ``KSA``, ``R.D.C.``, ``ФРГ``), else None."""
    letters = text.replace(".", "").replace(" ", "")
    low, high = INITIALS
    if not (low <= len(letters) <= high and letters.isalpha() and letters.isupper()):
        return None
    return _fold(letters, {}).lower()


#: the Chinese characters (CJK Unified Ideographs and extension A) and the katakana, as key ranges
HAN_RANGE: Final = ("\u3400", "\ua000")
KANA_RANGE: Final = ("\u30a1", "\u3100")


def reading(word: str, readings: Mapping[str, str]) -> str | None:
    """The Mandarin reading of a word of Chinese characters ("gai-ya-na"), or None (another script,
    or a character without a reading)."""
    out: list[str] = []
    for ch in word:
        found = readings.get(ch)
        if found is None:
            return None
        out.append(found)
    return "-".join(out)


def group_readings(readings: Mapping[str, str]) -> dict[str, str]:
    """Character -> reading, as the ``readings`` section stores it: reading -> its characters."""
    grouped: dict[str, list[str]] = {}
    for ch, reading in sorted(readings.items()):
        grouped.setdefault(reading, []).append(ch)
    return {reading: "".join(chars) for reading, chars in grouped.items()}


def segments(text: str, parts: Collection[str]) -> bool:
    """Whether a text is a sequence of the given parts (at least one).

    >>> segments("群岛领土", {"群岛", "领土", "岛"}), segments("共和国", {"国"})
    (True, False)
    """
    if not text:
        return False
    ends = {0}
    for end in range(1, len(text) + 1):
        if any(text[start:end] in parts for start in ends if start < end):
            ends.add(end)
    return len(text) in ends


# --- the files --------------------------------------------------------------------------------
#
# name_index.tsv, UTF-8, lines:
#   "# ..."                    header (versions, sources, counts), then one "# section NAME START END"
#                              line per section: the byte range of its lines, counted from the
#                              first byte after the header
#   "@NAME"                    a section start: exact, bag, compact, loose, lang, words, initials,
#                              tails, readings, parents, variants, suggest
#   in exact, bag, compact, loose: "key<TAB>VALUE", sorted by the UTF-8 bytes of "key<TAB>";
#       VALUE is a market code ("FR"), several codes ("CD CG": ambiguous; region codes among
#       them: "057 FM") or "!" and region codes only ("!150": not a market)
#   in lang: "tag|key<TAB>VALUE" (a language's own meaning of a key), sorted the same way
#   in words: "word<TAB>CODES": the markets (and "!" + regions) whose names use the word, and
#       those of the words a short suffix away (antarctic, antarctica), in every source, names
#       the conflict check left out included ("?": a name Wikidata's package refuses to map)
#   in initials: "initials<TAB>CODE" and "tag|initials<TAB>CODE": an acronym (the first letters
#       of the words of a name, see initials()) that only one market's names give, in every
#       language and source, or in that language's names
#   in tails: "tail<TAB>COUNT": endings of names written without spaces that the names of the
#       same market add and never turn into another market's name (群岛, 领土...), with the
#       number of names that show it
#   in readings: "reading<TAB>CHARACTERS": the Chinese characters with that Mandarin reading
#       (toneless pinyin, ICU's Han-Latin), for the words that sound alike (蓋亞納, 蓋亞那)
#   in parents: "CODE<TAB>CODE": a dependent territory and the market it belongs to
#   in variants: "C<TAB>F": a Chinese or Japanese character and the character it is read as
#   in suggest: "CODE<TAB>display name<TAB>exact key" (English and French names)
#
# codes.tsv, UTF-8, lines "CODE<TAB>VALUE" (VALUE as above) after "#" header lines: alpha-2,
#   alpha-3 and numeric codes of every market, the CLDR codes of places within a market
#   (AC -> SH) and the region and grouping codes (EU -> !EU).
#
# The index is mapped into memory (mmap; read whole where the package is not a plain folder) and
# searched in place: a key is found by bisection over the bytes of its section, with no parsing
# and no table of line offsets, so loading it costs a fraction of a millisecond and the memory
# it takes is the pages a lookup touches. Looking a key up takes a few microseconds; resolved
# names are cached by csp_rules.markets anyway.


class SortedTable(Mapping[str, str]):
    """A read-only mapping over sorted ``key<TAB>value`` lines, searched in place in a buffer."""

    __slots__ = ("_buf", "_end", "_start")

    def __init__(self, buf: bytes | mmap.mmap, start: int = 0, end: int | None = None) -> None:
        self._buf = buf
        self._start = start
        self._end = len(buf) if end is None else end

    def get(self, key: str, default: Any = None) -> Any:
        target = key.encode("utf-8") + b"\t"
        buf = self._buf
        lo, hi = self._start, self._end  # both at line starts
        while lo < hi:
            mid = (lo + hi) // 2
            line = buf.rfind(b"\n", lo, mid) + 1 or lo
            stop = buf.find(b"\n", line, hi)
            head = buf[line : line + len(target)]
            if head < target:
                lo = stop + 1
            elif head == target:
                return buf[line + len(target) : stop].decode("utf-8")
            else:
                hi = line
        return default

    def with_prefix(self, prefix: str, limit: int) -> list[tuple[str, str]] | None:
        """The (key, value) lines whose key starts with ``prefix``, or None if there are more than ``limit``."""
        target = prefix.encode("utf-8")
        buf = self._buf
        lo, hi = self._start, self._end
        while lo < hi:  # the first line not below the prefix
            mid = (lo + hi) // 2
            line = buf.rfind(b"\n", lo, mid) + 1 or lo
            stop = buf.find(b"\n", line, hi)
            if buf[line : line + len(target)] < target:
                lo = stop + 1
            else:
                hi = line
        out: list[tuple[str, str]] = []
        while lo < self._end and buf[lo : lo + len(target)] == target:
            stop = buf.find(b"\n", lo, self._end)
            key, _, value = buf[lo:stop].decode("utf-8").partition("\t")
            out.append((key, value))
            if len(out) > limit:
                return None
            lo = stop + 1
        return out

    def between(self, low: str, high: str) -> Iterator[tuple[str, str]]:
        """The (key, value) lines whose key is at least ``low`` and below ``high`` (UTF-8 order)."""
        start, stop = low.encode("utf-8"), high.encode("utf-8")
        buf = self._buf
        lo, hi = self._start, self._end
        while lo < hi:  # the first line not below ``low``
            mid = (lo + hi) // 2
            line = buf.rfind(b"\n", lo, mid) + 1 or lo
            end = buf.find(b"\n", line, hi)
            if buf[line:end] < start:
                lo = end + 1
            else:
                hi = line
        while lo < self._end:
            end = buf.find(b"\n", lo, self._end)
            row = buf[lo:end]
            if row >= stop:
                return
            key, _, value = row.decode("utf-8").partition("\t")
            yield key, value
            lo = end + 1

    def __getitem__(self, key: str) -> str:
        value: str | None = self.get(key)
        if value is None:
            raise KeyError(key)
        return value

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.get(key) is not None

    def items(self) -> Iterator[tuple[str, str]]:  # type: ignore[override]
        text = self._buf[self._start : self._end].decode("utf-8")
        for line in text.splitlines():
            key, _, value = line.partition("\t")
            yield key, value

    def __iter__(self) -> Iterator[str]:
        return (key for key, _value in self.items())

    def __len__(self) -> int:
        return self._buf[self._start : self._end].count(b"\n")


@attrs.frozen(eq=False)
class CodeTable:
    """Every code a market can be given by: upper-case code -> value (see the file format)."""

    values: Mapping[str, str]
    #: the alpha-2 codes of the markets, sorted
    markets: tuple[str, ...]
    header: tuple[str, ...]


@attrs.frozen(eq=False)
class NameIndex:
    """The name index: key -> value per tier and per language, words, parents, names for suggestions."""

    exact: SortedTable
    bag: SortedTable
    compact: SortedTable
    loose: SortedTable
    lang: SortedTable  # "tag|key" -> value
    words: SortedTable
    initials: SortedTable  # "initials" and "tag|initials" -> code
    header: tuple[str, ...]
    _sections: Mapping[str, bytes] = attrs.field(repr=False)
    _parsed: dict[str, Any] = attrs.field(factory=dict, repr=False)

    def header_value(self, name: str) -> str | None:
        """A ``# name: value`` header line's value (``babel``, ``cldr``...)."""
        prefix = f"# {name}: "
        for line in self.header:
            if line.startswith(prefix):
                return line[len(prefix) :]
        return None

    def lang_value(self, tag: str, key: str) -> str | None:
        """A language's own meaning of a key, if it settles one."""
        value: str | None = self.lang.get(f"{tag}|{key}")
        return value

    def _small(self, name: str) -> list[list[str]]:
        found = self._parsed.get(name)
        if found is None:
            text = self._sections.get(name, b"").decode("utf-8")
            found = [line.split("\t") for line in text.splitlines()]
            self._parsed[name] = found  # two threads may both parse: the same value
        return found

    def variants(self) -> dict[int, str]:
        """The Chinese and Japanese character variants: ``ord`` -> the character it is read as."""
        found: dict[int, str] | None = self._parsed.get("variants table")
        if found is None:
            found = {ord(c): f for c, f in self._small("variants")}
            self._parsed["variants table"] = found
        return found

    @property
    def tails(self) -> frozenset[str]:
        """Endings of names written without spaces that never change the market (群岛, 领土...)."""
        found: frozenset[str] | None = self._parsed.get("tails table")
        if found is None:
            found = frozenset(tail for tail, _count in self._small("tails"))
            self._parsed["tails table"] = found
        return found

    def readings(self) -> dict[str, str]:
        """Chinese character -> its Mandarin reading (toneless pinyin)."""
        found: dict[str, str] | None = self._parsed.get("readings table")
        if found is None:
            found = {ch: reading for reading, chars in self._small("readings") for ch in chars}
            self._parsed["readings table"] = found
        return found

    def sounds(self) -> dict[str, frozenset[str]]:
        """The Chinese words of the names by their reading ("gai-ya-na" -> GY), and their markets."""
        found: dict[str, frozenset[str]] | None = self._parsed.get("sounds table")
        if found is None:
            table: dict[str, set[str]] = {}
            for word, codes in self.words.between(HAN_RANGE[0], HAN_RANGE[1]):
                sound = reading(word, self.readings())
                if sound is not None:
                    table.setdefault(sound, set()).update(codes.split())
            found = {sound: frozenset(codes) for sound, codes in table.items()}
            self._parsed["sounds table"] = found
        return found

    def kana_words(self) -> list[tuple[str, frozenset[str]]]:
        """The katakana words of the names and their markets."""
        found: list[tuple[str, frozenset[str]]] | None = self._parsed.get("kana words")
        if found is None:
            found = [
                (word, frozenset(codes.split()))
                for word, codes in self.words.between(KANA_RANGE[0], KANA_RANGE[1])
                if all(KANA_RANGE[0] <= ch < KANA_RANGE[1] for ch in word)
            ]
            self._parsed["kana words"] = found
        return found

    def endings(self) -> list[tuple[str, str]]:
        """The words of the scripts written without spaces (Chinese, Japanese, Korean), each written
        backwards, sorted, with their markets: the words that end with a text are a range of it."""
        found: list[tuple[str, str]] | None = self._parsed.get("endings")
        if found is None:
            found = sorted(
                (word[::-1], codes) for word, codes in self.words.between(chr(FIRST_DENSE), chr(0x10FFFF))
            )
            self._parsed["endings"] = found
        return found

    @property
    def parents(self) -> dict[str, str]:
        """Dependent territory -> the market it belongs to (``PF`` -> ``FR``)."""
        found: dict[str, str] | None = self._parsed.get("parents table")
        if found is None:
            found = dict(self._small("parents"))
            self._parsed["parents table"] = found
        return found

    @property
    def suggest(self) -> tuple[tuple[str, str, str], ...]:
        """(exact key, display name, code) of the English and French names."""
        return tuple((key, display, code) for code, display, key in self._small("suggest"))


_FOLDER: Final = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "markets")


def _data(name: str) -> bytes | mmap.mmap:
    """A data file of the package: mapped when it is a plain file (no parsing, no copy), else read.

    The path is found beside this module rather than through ``importlib.resources``, whose
    first use imports a dozen modules (zipfile...) and would cost more than the index itself."""
    try:
        with open(os.path.join(_FOLDER, name), "rb") as fh:
            return mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError):  # pragma: no cover - a zipped package: read it whole
        from importlib import resources

        data: bytes = (resources.files("csp_rules") / "data" / "markets" / name).read_bytes()
        return data


def load_codes() -> CodeTable:
    """Read ``codes.tsv`` from the package."""
    return parse_codes(bytes(_data(CODES_FILE)).decode("utf-8"))


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
    """Map the name index of the package (a fraction of a millisecond: nothing is parsed)."""
    return parse_index(_data(INDEX_FILE))


_SMALL: Final = ("tails", "readings", "parents", "variants", "suggest")


def parse_index(data: bytes | mmap.mmap) -> NameIndex:
    """The index over the bytes of ``name_index.tsv`` (see the file format)."""
    header: list[str] = []
    pos = 0
    while data[pos : pos + 1] == b"#":
        end = data.find(b"\n", pos)
        header.append(data[pos:end].decode("utf-8"))
        pos = end + 1
    ranges: dict[str, tuple[int, int]] = {}
    for line in header:
        if line.startswith("# section "):
            name, start, stop = line[10:].rsplit(" ", 2)
            ranges[name] = (pos + int(start), pos + int(stop))
    if not ranges and pos < len(data):  # an index written by hand (tests): find the sections
        while pos < len(data):
            if data[pos : pos + 1] != b"@":
                raise ValueError(f"market index: expected a section at byte {pos}")
            line_end = data.find(b"\n", pos)
            nxt = data.find(b"\n@", line_end)
            section_end = len(data) if nxt < 0 else nxt + 1
            ranges[data[pos + 1 : line_end].decode("utf-8")] = (line_end + 1, section_end)
            pos = section_end

    def table(name: str) -> SortedTable:
        start, stop = ranges.get(name, (0, 0))
        return SortedTable(data, start, stop)

    small: dict[str, bytes] = {n: bytes(data[ranges[n][0] : ranges[n][1]]) for n in _SMALL if n in ranges}
    return NameIndex(
        exact=table("exact"),
        bag=table("bag"),
        compact=table("compact"),
        loose=table("loose"),
        lang=table("lang"),
        words=table("words"),
        initials=table("initials"),
        header=tuple(header),
        sections=small,
    )


def format_section(name: str, table: Mapping[str, str]) -> list[str]:
    """Lines of one section, sorted as :class:`SortedTable` searches them (deterministic output)."""
    lines = [f"@{name}"]
    for key in sorted(table, key=lambda k: k.encode("utf-8") + b"\t"):
        if "\t" in key or "\n" in key or not key or key[0] in "@#":
            raise ValueError(f"market index: invalid key {key!r}")
        lines.append(f"{key}\t{table[key]}")
    return lines


def join_sections(header: Iterable[str], sections: Iterable[list[str]]) -> str:
    """The text of an index: the header, one ``# section`` line per section, then the sections."""
    body: list[str] = []
    layout: list[str] = []
    offset = 0
    for lines in sections:
        name = lines[0][1:]
        first = offset + len(lines[0].encode("utf-8")) + 1
        size = sum(len(line.encode("utf-8")) + 1 for line in lines[1:])
        layout.append(f"# section {name} {first} {first + size}")
        offset = first + size
        body.extend(lines)
    return "\n".join([*header, *layout, *body]) + "\n"


SHIPPED: Once[NameIndex] = Once(load_index)


def shipped_variants() -> Mapping[int, str]:
    """The character variants of the shipped index."""
    return SHIPPED().variants()
