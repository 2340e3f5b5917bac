"""Build the market-name index of csp_rules.markets (R3) from CLDR, Partner Center and ISO names.

Usage::

    python tools/build_market_index.py               # rebuild src/csp_rules/data/markets/*
    python tools/build_market_index.py --check       # exit 1 if the shipped files are not what this builds
    python tools/build_market_index.py --copy-from ../shared/data   # refresh the shipped source tables first

Inputs (build time only; none of them is read at run time):

* babel's CLDR territory names, every locale babel ships (about a thousand);
* the Partner Center tables shipped in ``src/csp_rules/data/markets/``: ``markets_s2020.tsv``
  (English and French) and ``partner_center_market_names.tsv`` (17 languages), with their
  language tags for the ``lang=`` hint; the French S2020 cell that R3.2 flags is left out;
* ``aliases.tsv`` in the same folder: former names and places below country level (R3.1);
* pycountry's ISO 3166-1 names (short, official, common), their translations, ISO 3166-3
  former countries with a single successor and the ISO 3166-2 places of BQ, SH and UM. These
  are *supplementary*: a key they give is added only if no primary source (CLDR, Partner
  Center, aliases) has it and they agree on one code.

Outputs: ``name_index.tsv.gz`` (normalized name keys -> codes) and ``codes.tsv`` (alpha-2,
alpha-3, numeric and region codes). Both are deterministic: the same inputs give the same
bytes of text, which ``tests/test_markets_index.py`` checks by calling :func:`build` in-process.
"""

from __future__ import annotations

import argparse
import functools
import gettext
import sys
from collections import defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import NamedTuple

from csp_rules import _market_index as _mi


class _Cached:
    """The normalization functions of csp_rules._market_index, memoized (names repeat across locales)."""

    GENERIC_WORDS = _mi.GENERIC_WORDS
    INDEX_FILE = _mi.INDEX_FILE
    CODES_FILE = _mi.CODES_FILE
    format_section = staticmethod(_mi.format_section)
    name_tokens = staticmethod(functools.lru_cache(maxsize=None)(_mi.name_tokens))
    keys = staticmethod(functools.lru_cache(maxsize=None)(_mi.keys))


mi = _Cached

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "src" / "csp_rules" / "data" / "markets"
SHARED_FILES = ("markets_s2020.tsv", "partner_center_market_names.tsv", "market_list_versions.tsv")

#: CLDR region codes that are places within an ISO 3166-1 market (R3.1 for AC and TA)
CONTAINED_IN = {"AC": "SH", "TA": "SH", "CP": "FR", "DG": "IO", "EA": "ES", "IC": "ES", "CQ": "GG"}
#: CLDR codes that name nothing real (pseudo-locales): left out of the index
PSEUDO = frozenset({"XA", "XB"})
#: CLDR two-letter codes of groupings, not markets (R3.3)
GROUPINGS = frozenset({"EU", "EZ", "UN", "QO", "ZZ"})
#: codes ISO 3166-1 reserves for a market beyond its alpha-2, alpha-3 and numeric codes
EXTRA_CODES = {"UK": "GB", "XKX": "XK"}


class Name(NamedTuple):
    """One name of one place from one source."""

    text: str
    value: str  # a market code, or "!" + a region code
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


def pycountry_names(markets: frozenset[str], cldr: list[Name]) -> Iterator[Name]:
    """ISO names (English), former countries, places of BQ, SH and UM, and checked translations.

    All are supplementary. ISO's own English names are taken as they are. Translations (of the
    iso-codes project) are taken only where they resemble CLDR's name of the same market in the
    same language and of no other market (:func:`_confirms`): some rows are misaligned (Afghanistan's
    official name translated as Pakistan's, the Gambia's as Slovakia's).
    """
    import pycountry

    locales = Path(pycountry.LOCALES_DIR)
    english: dict[str, str] = {}
    for c in pycountry.countries:
        for attr in ("name", "official_name", "common_name"):
            text = getattr(c, attr, None)
            if text:
                english[text] = c.alpha_2
                yield Name(text, c.alpha_2, "en", f"iso3166-1:{attr}")
    for h in pycountry.historic_countries:
        successor = h.alpha_4[2:]
        if successor == "AA":
            successor = h.alpha_2
        if successor in markets:
            yield Name(h.name, successor, "en", "iso3166-3")
    for parent in ("BQ", "SH", "UM"):
        for sub in pycountry.subdivisions.get(country_code=parent) or ():
            yield Name(sub.name, parent, "", "iso3166-2")
    words = _cldr_words(cldr)
    for folder in sorted(p for p in locales.iterdir() if p.is_dir()):
        lang = folder.name.replace("_", "-").split("@")[0].lower()
        known = words.get(_base(lang))
        if not known:
            continue
        try:
            trans = gettext.translation("iso3166-1", str(locales), languages=[folder.name])
        except OSError:
            continue
        translated = {text: trans.gettext(text) for text in english}
        # words of the official names of three countries or more ("royaume", "republique",
        # "etats") say nothing about which country a name is
        users: dict[str, set[str]] = defaultdict(set)
        for text, code in english.items():
            for t in mi.name_tokens(translated[text]):
                users[t].add(code)
        titles = frozenset(t for t, codes in users.items() if len(codes) >= 3)
        for text, code in sorted(english.items()):
            name = translated[text]
            if name and name != text and _confirms(name, code, known, titles):
                yield Name(name, code, lang, f"iso3166-1:{folder.name}")


class _Words(NamedTuple):
    """CLDR's names in one language: distinctive words indexed by their ends, and whole names."""

    market: dict[str, str]  # word -> the one market whose names use it
    ends: dict[str, set[str]]  # first or last five letters -> words of five letters or more
    names: dict[tuple[str, ...], set[str]]  # a name's tokens -> markets


def _cldr_words(cldr: list[Name]) -> dict[str, _Words]:
    """Per base language, the distinctive words of CLDR's market names: words of one market's
    names only ("albanie"; not "republique", "guinee" or "georgie", used for several)."""
    by_lang: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    names: dict[str, dict[tuple[str, ...], set[str]]] = defaultdict(lambda: defaultdict(set))
    for n in cldr:
        if not n.value.startswith("!"):
            tokens = mi.name_tokens(n.text)
            names[n.lang][tokens].add(n.value)
            for t in tokens:
                by_lang[n.lang][t].add(n.value)
    out = {}
    for lang, words in by_lang.items():
        market = {w: next(iter(c)) for w, c in words.items() if len(c) == 1 and w not in mi.GENERIC_WORDS}
        ends: dict[str, set[str]] = defaultdict(set)
        for w in market:
            if len(w) >= 5:
                ends["<" + w[:5]].add(w)
                ends[">" + w[-5:]].add(w)
        out[lang] = _Words(market, ends, names[lang])
    return out


def _alike(a: str, b: str) -> bool:
    """Equal, or one of five letters or more begins or ends the other (Korea, Südkorea)."""
    if a == b:
        return True
    short, long = sorted((a, b), key=len)
    return len(short) >= 5 and (long.startswith(short) or long.endswith(short))


def _confirms(text: str, code: str, known: _Words, titles: frozenset[str]) -> bool:
    """Whether a translated name is confirmed by CLDR's names in the same language: it contains a
    CLDR name of ``code`` and of no other market ("Vereinigte Staaten von Amerika"), or it shares
    a distinctive word with CLDR's names of ``code`` and of no other market (title words left
    aside: "Royaume de Belgique")."""
    tokens = mi.name_tokens(text)
    contained: set[str] = set()
    for i in range(len(tokens)):
        for j in range(i + 1, len(tokens) + 1):
            contained |= known.names.get(tokens[i:j], set())
    if contained == {code}:
        return True
    matches: set[str] = set()
    for t in tokens:
        if t in mi.GENERIC_WORDS or t in titles:
            continue
        if t in known.market:
            matches.add(known.market[t])
        if len(t) >= 5:
            for w in known.ends.get("<" + t[:5], set()) | known.ends.get(">" + t[-5:], set()):
                if _alike(t, w):
                    matches.add(known.market[w])
    return matches == {code}


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


def _base(lang: str) -> str:
    return lang.split("-")[0]


def build() -> Built:
    """Build the index and code table from the sources (deterministic)."""
    import babel
    import pycountry
    from babel.core import get_cldr_version

    markets = market_codes()
    notes: list[str] = []
    cldr = list(cldr_names(markets))
    cldr_by_lang: dict[tuple[str, str], set[str]] = defaultdict(set)
    for n in cldr:
        cldr_by_lang[(n.lang, mi.keys(n.text)[0])].add(n.value)

    primary: list[Name] = list(cldr)
    for n in [*s2020_names(), *partner_center_names(), *alias_names()]:
        exact = mi.keys(n.text)[0]
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
    found: dict[str, dict[str, set[str]]] = {t: defaultdict(set) for t in tiers}
    by_lang: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for n in primary:
        exact = mi.keys(n.text)[0]
        for tier, key in zip(tiers, mi.keys(n.text), strict=True):
            if key:
                found[tier][key].add(n.value)
        if n.lang:
            by_lang[_base(n.lang)][exact].add(n.value)
            if "-" in n.lang:
                by_lang[n.lang][exact].add(n.value)

    extra: dict[str, dict[str, set[str]]] = {t: defaultdict(set) for t in tiers}
    for n in pycountry_names(markets, cldr):
        name_keys = mi.keys(n.text)
        said = next((found[t][k] for t, k in zip(tiers, name_keys, strict=True) if k in found[t]), None)
        if said is not None and n.value not in said:
            notes.append(
                f"{n.source} {n.text!r} -> {n.value}: the primary sources say {sorted(said)}; left out"
            )
            continue
        for tier, key in zip(tiers, name_keys, strict=True):
            if key and key not in found[tier]:
                extra[tier][key].add(n.value)
    added = 0
    for tier in tiers:
        for key, values in extra[tier].items():
            if len(values) == 1:
                found[tier][key] = values
                added += tier == "exact"
            elif tier == "exact":
                notes.append(f"pycountry names disagree on {key!r}: {sorted(values)}; left out")
    notes.append(f"pycountry added {added} exact keys")

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
    lang_t: dict[str, dict[str, str]] = {}
    for lang in sorted(by_lang):
        table = {}
        for key, values in by_lang[lang].items():
            value = _value(values)
            code = codes.get(key.upper()) if key.isascii() and key.isalpha() and 2 <= len(key) <= 3 else None
            settles = value != exact_t[key] or (code is not None and code != value)
            if settles and (lang == _base(lang) or lang_t.get(_base(lang), {}).get(key) != value):
                table[key] = value
        if table:
            lang_t[lang] = table

    en_names = {
        n.text: n.value for n in cldr if n.source in ("cldr:en", "cldr:fr") and not n.value.startswith("!")
    }
    for n in s2020_names():
        en_names.setdefault(n.text, n.value)

    header = [
        "# csp_rules market-name index (R3): normalized name key -> market code(s); see csp_rules/_market_index.py",
        "# built by: tools/build_market_index.py",
        f"# babel: {babel.__version__}",
        f"# cldr: {get_cldr_version()}",
        f"# pycountry: {pycountry.__version__}"
        if hasattr(pycountry, "__version__")
        else "# pycountry: unknown",
        "# sources: CLDR territory names (every babel locale); markets_s2020.tsv; partner_center_market_names.tsv;"
        " aliases.tsv; pycountry ISO 3166-1/-2/-3 names and translations (supplementary)",
        f"# keys: exact {len(exact_t)}, bag {len(bag_t)}, compact {len(compact_t)}, loose {len(loose_t)}, "
        f"lang {sum(len(t) for t in lang_t.values())}",
    ]
    lines = list(header)
    lines += mi.format_section("exact", exact_t)
    lines += mi.format_section("bag", bag_t)
    lines += mi.format_section("compact", compact_t)
    lines += mi.format_section("loose", loose_t)
    for lang, table in lang_t.items():
        lines += mi.format_section(f"lang {lang}", table)
    lines.append("@suggest")
    for text, code in sorted(en_names.items(), key=lambda item: (item[1], item[0])):
        lines.append(f"{code}\t{text}\t{mi.keys(text)[0]}")
    index_text = "\n".join(lines) + "\n"
    return Built(index_text, build_codes(markets), tuple(notes))


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="compare with the shipped files, write nothing")
    parser.add_argument("--copy-from", type=Path, help="copy the shared source tables from this folder first")
    parser.add_argument("--stamp", default="", help="date written in the copies' header (YYYY-MM-DD)")
    parser.add_argument("--verbose", action="store_true", help="print what the build noticed")
    args = parser.parse_args(argv)
    if args.copy_from:
        if not args.stamp:
            parser.error("--copy-from needs --stamp YYYY-MM-DD")
        copy_sources(args.copy_from, args.stamp)
    built = build()
    if args.verbose:
        print("\n".join(built.notes))
    index_path = DATA / mi.INDEX_FILE
    codes_path = DATA / mi.CODES_FILE
    if args.check:
        same = (
            index_path.exists()
            and index_path.read_bytes() == built.index_text.encode("utf-8")
            and codes_path.read_bytes() == built.codes_text.encode("utf-8")
        )
        print("up to date" if same else "OUT OF DATE: run tools/build_market_index.py")
        return 0 if same else 1
    index_path.write_bytes(built.index_text.encode("utf-8"))
    codes_path.write_bytes(built.codes_text.encode("utf-8"))
    print(f"wrote {index_path} ({index_path.stat().st_size} bytes) and {codes_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
