"""Properties of csp_rules.markets: spelling does not matter, never another market, fast = slow."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

import csp_rules
from csp_rules import _market_index as mi
from csp_rules import markets as m
from csp_rules import tax
from csp_rules.errors import InvalidMarketTextError, MarketError

_LOCALES = ("en", "fr", "de", "es", "it", "pt", "nl", "pl", "sv", "cs", "ru", "ja", "zh", "ko", "ar", "tr", "vi",
            "fi", "hu", "el", "he", "hi", "th", "uk", "ro", "id", "sw", "yo", "fr_CA", "pt_PT", "zh_Hant", "es_419")  # fmt: skip
_CONTAINED_IN = {"AC": "SH", "TA": "SH", "CP": "FR", "DG": "IO", "EA": "ES", "IC": "ES", "CQ": "GG"}


def _names() -> list[tuple[str, str]]:
    from babel import localedata

    markets = {mk.code for mk in m.markets()}
    out = []
    for locale in _LOCALES:
        for code, name in localedata.load(locale)["territories"].items():
            target = _CONTAINED_IN.get(code, code)
            if target in markets:
                out.append((name, target))
    return sorted(out)


NAMES = _names()
CODES = [mk.code for mk in m.markets()]


def _outcome(text: str) -> str:
    try:
        return m.resolve(text).code
    except MarketError as exc:
        return type(exc).__name__ + repr(sorted(getattr(exc, "candidates", ())))


def _strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if not 0x300 <= ord(c) <= 0x36F)


@given(st.sampled_from(NAMES))
def test_a_territory_name_means_that_territory_or_is_ambiguous(item: tuple[str, str]) -> None:
    name, code = item
    got = _outcome(name)
    assert got == code or (got.startswith("AmbiguousMarketError") and repr(code) in got)


@given(
    st.sampled_from(NAMES),
    st.lists(st.sampled_from(["upper", "lower", "title", "swapcase", "pad", "spaces", "accents", "dots"]),
             max_size=3),
)  # fmt: skip
def test_case_accents_and_spacing_do_not_matter(item: tuple[str, str], changes: list[str]) -> None:
    name, _code = item
    text = name
    for change in changes:
        if change == "pad":
            text = f"  {text}\t"
        elif change == "spaces":
            text = text.replace(" ", "   ")
        elif change == "accents":
            text = _strip_accents(text)
        elif change == "dots":
            text = text.replace(" ", " . ")
        else:
            text = getattr(text, change)()
    before, after = _outcome(name), _outcome(text)
    if changes == ["accents"] or "accents" in changes:
        # dropping accents may merge a name with another (Mön, Món): never into another market
        assert after == before or after.startswith(("AmbiguousMarketError", "Unknown"))
    else:
        assert after == before, (name, text)


@given(st.sampled_from(CODES), st.sampled_from(["upper", "lower", "pad"]))
def test_codes_round_trip(code: str, form: str) -> None:
    text = {"upper": code, "lower": code.lower(), "pad": f" {code} "}[form]
    market = m.Market(code)
    assert m.resolve(market.code) == market
    if form != "lower" or code.lower() not in {"ao", "bi"}:
        assert m.resolve(text) == market


@given(st.text(max_size=200))
def test_any_text_is_a_market_or_a_market_error(text: str) -> None:
    try:
        result = m.resolve(text)
    except MarketError:
        return
    assert isinstance(result, m.Market)


@given(st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=40))
def test_control_characters_are_refused(text: str) -> None:
    poisoned = "Fr" + "\x00" + text
    try:
        m.resolve(poisoned)
    except InvalidMarketTextError:
        return
    raise AssertionError("a control character was accepted")


@given(
    st.one_of(
        st.sampled_from(CODES),
        st.sampled_from(CODES).map(str.lower),
        st.sampled_from(NAMES).map(lambda x: x[0]),
    )
)
def test_fast_path_agrees_with_the_rule_set(text: str) -> None:
    try:
        code = m.resolve(text).code
    except MarketError:
        return
    s2020 = csp_rules.S2020
    assert m.reservations_available(text) == (code not in s2020.reservations.unavailable_markets)
    assert m.reservations_available(text) == m.reservations_available(text, rules=s2020)
    assert m.reservations_available(text) == m.check_reservations(text).allowed
    assert tax.price_includes_tax(text) == (code in s2020.tax.inclusive_markets)
    assert tax.price_includes_tax(text) == tax.price_includes_tax(text, rules=s2020)


@given(st.text(max_size=60))
def test_normalization_is_idempotent(text: str) -> None:
    """Folding the folded tokens changes nothing, read without accents; read as written, a word
    whose accent kept it from being a stop word ("á" is no "a") is the only change a second read
    makes: it drops such words and nothing else."""
    tokens = mi.name_tokens(text, as_written=False)
    assert mi.name_tokens(" ".join(tokens)) == tokens
    written = mi.name_tokens(text)
    again = mi.name_tokens(" ".join(written))
    assert again == mi.name_tokens(" ".join(written), as_written=False)
    assert again == tuple(t for t in written if t not in mi.STOP_WORDS)


_KEYS = st.text(max_size=16).map(lambda t: mi.keys(t)[0]).filter(bool)


@given(st.dictionaries(_KEYS, st.sampled_from(["FR", "CD CG", "!150"]), max_size=60), st.text(max_size=12))
def test_sorted_table_agrees_with_a_dict(table: dict[str, str], probe: str) -> None:
    text = "\n".join(mi.format_section("exact", table)) + "\n"
    index = mi.parse_index(text.encode("utf-8"))
    assert dict(index.exact.items()) == table
    for key in [*table, probe]:
        assert index.exact.get(key) == table.get(key)
        assert (key in index.exact) == (key in table)


# --- issue 17: never a wrong market -------------------------------------------------------------


def _table_rows(name: str) -> list[dict[str, str]]:
    from importlib import resources

    text = (resources.files("csp_rules") / "data" / "markets" / name).read_text("utf-8")
    lines = [line for line in text.split("\n") if line and not line.startswith("#")]
    head = lines[0].split("\t")
    return [dict(zip(head, line.split("\t") + [""] * (len(head) - len(line.split("\t"))), strict=True))
            for line in lines[1:]]  # fmt: skip


def _named() -> tuple[list[tuple[str, str, str]], dict[str, dict[str, set[str]]]]:
    """(text, language, code) of the names of the sample locales and of the shipped tables, and per
    language (and "*" for any) the codes each folded name means."""
    out = [(name, "", code) for name, code in NAMES]
    from babel import localedata

    for locale in _LOCALES:
        for code, name in localedata.load(locale)["territories"].items():
            out.append((name, locale.split("_")[0], _CONTAINED_IN.get(code, code)))
    for row in _table_rows("partner_center_market_names.tsv"):
        out.append((row["name"], row["lang"].split("-")[0], row["iso2"]))
    for row in _table_rows("aliases.tsv"):
        out.append((row["name"], row["lang"], row["iso2"]))
    meanings: dict[str, dict[str, set[str]]] = {}
    for text, lang, code in out:
        key = mi.keys(text)[0]
        for bucket in {lang or "*", "*"}:
            meanings.setdefault(bucket, {}).setdefault(key, set()).add(code)
    return sorted(set(out)), meanings


NAMED, MEANINGS = _named()
_CODE_TEXT = __import__("re").compile(r"\s*(?:[A-Z]{2,3}|[0-9]{3})\s*")


def _typed(draw: st.DrawFn) -> tuple[str, str]:
    """A name of a place as a person may type it: changed in case, accents, spacing or dots, a word
    dropped or the words reordered, another name glued in front or behind."""
    text, lang, _code = draw(st.sampled_from(NAMED))
    words = text.split()
    change = draw(st.sampled_from(["case", "accents", "spacing", "dot", "drop", "order", "glue", "paren"]))
    if change == "case":
        text = draw(st.sampled_from([text.upper(), text.lower(), text.title(), text.swapcase()]))
    elif change == "accents":
        text = _strip_accents(text)
    elif change == "spacing":
        text = "  " + text.replace("-", " ").replace(" ", "  ")
    elif change == "dot":
        text += "."
    elif change == "drop" and len(words) > 1:
        words.pop(draw(st.integers(0, len(words) - 1)))
        text = " ".join(words)
    elif change == "order" and len(words) > 1:
        text = " ".join(draw(st.permutations(words)))
    elif change in ("glue", "paren"):
        other = draw(st.sampled_from(NAMED))[0]
        text = f"{other} {text}" if change == "glue" else f"{text} ({other})"
    return text, lang


@given(st.composite(_typed)())
def test_a_name_resolving_to_x_is_no_name_of_another_place(item: tuple[str, str]) -> None:
    """Whatever a person types: if it resolves to X, then, after folding, it is not a name of
    another territory in the language given (nor, without a hint, in any language). A text in
    capitals of two or three letters is read as a code (``NGA`` is NG, Vietnamese ``Nga`` RU)."""
    text, lang = item
    if _CODE_TEXT.fullmatch(text):
        return
    key = mi.keys(text)[0]
    for hint in (None, lang or None):
        try:
            code = m.resolve(text, lang=hint).code
        except MarketError:
            continue
        others = MEANINGS.get(hint or "*", {}).get(key, set()) - {code}
        assert not others, (text, hint, code, others)


@given(st.dictionaries(_KEYS, st.sampled_from(["FR", "CD CG"]), max_size=40), st.text(max_size=4))
def test_prefix_search_agrees_with_a_scan(table: dict[str, str], prefix: str) -> None:
    text = "\n".join(mi.format_section("words", table)) + "\n"
    index = mi.parse_index(text.encode("utf-8"))
    expected = sorted((k, v) for k, v in table.items() if k.startswith(prefix))
    found = index.words.with_prefix(prefix, 1000)
    assert found is not None and sorted(found) == expected
    assert index.words.with_prefix(prefix, len(expected) - 1) is None or not expected


# --- issue 17, second round: a step away from a name is that place or nothing ---------------------


def _single_words() -> list[tuple[str, str, str]]:
    """(folded word, language, code) of the one-word Latin names of the sample locales and tables."""
    out = []
    for text, lang, code in NAMED:
        tokens = mi.name_tokens(text)
        single = len(tokens) == 1 and tokens[0].isascii() and tokens[0].isalpha() and len(tokens[0]) >= 7
        if single and tokens[0] not in mi.TITLES:
            out.append((tokens[0], lang, code))
    return sorted(set(out))


SINGLE_WORDS = _single_words()
_VOWELS = "aeiouyj"


def _unknown(text: str, lang: str) -> bool:
    """Whether no key of the index, in the language or any, is the text's."""
    tokens = m._tokens(text)
    tags = m._lang_tags(lang) if lang else ()
    return (
        bool(tokens)
        and m._lookup(tokens, tags) is None
        and all(m._INDEX().words.get(t) is None for t in tokens)
    )


@given(st.sampled_from(SINGLE_WORDS), st.sampled_from(["swap", "vowel", "drop vowel", "add vowel", "double"]),
       st.integers(0, 40), st.sampled_from(_VOWELS))  # fmt: skip
def test_a_step_from_a_name_is_that_place_or_nothing(
    item: tuple[str, str, str], step: str, at: int, vowel: str
) -> None:
    """A name with a vowel changed, dropped or added, two letters swapped or one doubled (the steps
    old spellings and transliterations differ by: Aserbeidschan) resolves to its place, or to
    nothing; never to another market, with its language or without. (A text that is itself a name
    or a word of a name is not a step away: it means what it means.)"""
    word, lang, code = item
    i = at % len(word)
    if step == "swap":
        variant = word[:i] + word[i + 1 : i + 2] + word[i] + word[i + 2 :]
    elif step == "vowel" and word[i] in _VOWELS:
        variant = word[:i] + vowel + word[i + 1 :]
    elif step == "drop vowel" and word[i] in _VOWELS:
        variant = word[:i] + word[i + 1 :]
    elif step == "add vowel":
        variant = word[:i] + vowel + word[i:]
    else:
        variant = word[: i + 1] + word[i] + word[i + 1 :]
    if variant == word or not _unknown(variant, lang):
        return
    for hint in (None, lang or None):
        got = _outcome(variant) if hint is None else _outcome_in(variant, hint)
        assert got == code or not got.isalpha() or len(got) != 2, (word, variant, hint, got)


def _outcome_in(text: str, lang: str) -> str:
    try:
        return m.resolve(text, lang=lang).code
    except MarketError as exc:
        return type(exc).__name__ + repr(sorted(getattr(exc, "candidates", ())))


def _chinese_names() -> list[tuple[str, str]]:
    readings = m._INDEX().readings()
    out = []
    for text, lang, code in NAMED:
        tokens = mi.name_tokens(text)
        if lang == "zh" and len(tokens) == 1 and mi.reading(tokens[0], readings) and len(tokens[0]) >= 2:
            out.append((tokens[0], code))
    return sorted(set(out))


CHINESE = _chinese_names()
_BY_READING: dict[str, list[str]] = {}
for _ch, _reading in sorted(m._INDEX().readings().items()):
    _BY_READING.setdefault(_reading, []).append(_ch)


@given(st.sampled_from(CHINESE), st.integers(0, 20), st.integers(0, 100))
def test_a_chinese_name_written_with_characters_that_sound_alike(
    item: tuple[str, str], at: int, pick: int
) -> None:
    """A Chinese name with a character replaced by another of the same reading (蓋亞那, 蓋亞納)
    resolves to its place or to nothing, never to another market."""
    word, code = item
    i = at % len(word)
    same = _BY_READING[m._INDEX().readings()[word[i]]]
    variant = word[:i] + same[pick % len(same)] + word[i + 1 :]
    if variant == word or not _unknown(variant, ""):
        return
    got = _outcome(variant)
    assert got == code or not (got.isalpha() and len(got) == 2), (word, variant, got)


# --- issue 17, second round: a word no name uses, among words that name one place --------------


def _multi_word_names() -> list[str]:
    """The names of the sample locales and tables of two words or more (after folding)."""
    return sorted({text for text, _lang, _code in NAMED if len(mi.name_tokens(text)) >= 2})


MULTI_WORD = _multi_word_names()
_NONSENSE = st.text(alphabet="bcdfghjklmnpqrstvwxz" + "aeiou", min_size=4, max_size=9).filter(
    lambda w: m._INDEX().words.get(w) is None and m._word_markets(w) is None
)


@given(st.sampled_from(MULTI_WORD), _NONSENSE, st.integers(0, 10))
def test_a_name_with_a_word_no_name_uses_is_that_place_or_nothing(text: str, word: str, at: int) -> None:
    """A word no name uses, put among the words of a name, leaves the name meaning its place or
    nothing (a word that is no name's says nothing, and never turns a name into another place)."""
    before = _outcome(text)
    words = text.split()
    words.insert(at % (len(words) + 1), word)
    got = _outcome(" ".join(words))
    assert got == before or not (got.isalpha() and len(got) == 2), (text, word, before, got)


@given(st.sampled_from(CHINESE), st.integers(0, 20), st.integers(0, 1000))
def test_a_chinese_name_a_letter_of_reading_away_is_that_place_or_nothing(
    item: tuple[str, str], at: int, pick: int
) -> None:
    """A Chinese name with a character replaced by one whose reading is a letter away (格恩西 and
    根西 read geenxi and genxi) resolves to its place or to nothing, never to another market."""
    word, code = item
    i = at % len(word)
    own = m._INDEX().readings()[word[i]]
    near = [r for r in _BY_READING if r != own and m._one_step(r, own, m._same)]
    if not near:
        return
    chars = _BY_READING[near[pick % len(near)]]
    variant = word[:i] + chars[pick % len(chars)] + word[i + 1 :]
    # a text that sounds as a name does is that name (亳兰岛 sounds as 波兰岛, Poland's island)
    if not _unknown(variant, "") or m._sound_alike(variant, mi.without_island(variant)):
        return
    got = _outcome(variant)
    assert got == code or not (got.isalpha() and len(got) == 2), (word, variant, got)
