"""How well the market-name index generalizes: build it without a held-out part of our own names.

Usage::

    python tools/split_market_names.py            # the report
    python tools/split_market_names.py --misses   # and every held-out name that does not resolve

Our own test names are the rows of the shipped tables the index is built from, Partner Center's
localized names (``partner_center_market_names.tsv``), the S2020 cells (``markets_s2020.tsv``)
and the curated aliases (``aliases.tsv``), and the real-world spellings of
``tests/cases/markets/real_world_names.tsv``, which no table lists. They are split by source and
language: in every (source, language) stratum, a name is held out when the SHA-256 of
``source<TAB>language<TAB>name<TAB>code`` is 0 modulo 3 (a third of each stratum, whatever the
order of the files). The index is then built by ``tools/build_market_index.py`` *without* the
held-out rows, and every held-out name is resolved against that index, with its language as the
hint and without. The real-world names are never in a build: they are all held out.

A held-out name is *right* (its market), *wrong* (another market: the figure that must be 0),
*ambiguous* (several markets, its own among them), or *unknown*. The report gives, per source,
the held-out and build sizes and the share resolved, and the same for the held-out names that
are *new* to the index built without them (no key of the index is theirs, after folding: these
are the ones a user's old spelling is like).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import importlib.util
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import NamedTuple

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "tests" / "cases" / "markets"


def _builder() -> ModuleType:
    found = sys.modules.get("build_market_index")
    if found is not None:
        return found
    spec = importlib.util.spec_from_file_location(
        "build_market_index", ROOT / "tools" / "build_market_index.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["build_market_index"] = module
    spec.loader.exec_module(module)
    return module


class TestName(NamedTuple):
    """One of our own names, with the stratum it is split in."""

    source: str  # "pc", "s2020", "alias" or "real"
    lang: str  # a language tag, or "" when the name has none
    text: str
    code: str

    @property
    def stratum(self) -> tuple[str, str]:
        return self.source, self.lang.split("-")[0] or "any"

    def held_out(self, part: int = 0) -> bool:
        """Whether the name is in the held-out third ``part`` (0: the reported one)."""
        if self.source == "real":
            return True
        digest = hashlib.sha256("\t".join(self).encode("utf-8")).hexdigest()
        return int(digest, 16) % 3 == part


def _rows(path: Path) -> Iterator[dict[str, str]]:
    lines = [line for line in path.read_text("utf-8").split("\n") if line and not line.startswith("#")]
    head = lines[0].split("\t")
    for line in lines[1:]:
        cells = line.split("\t")
        yield dict(zip(head, cells + [""] * (len(head) - len(cells)), strict=True))


_REAL_LANG = {"iso-fr": "fr", "variant-fr": "fr", "variant-de": "de", "variant-es": "es", "variant-it": "it",
              "variant-pt": "pt"}  # fmt: skip


def test_names() -> list[TestName]:
    """Every name of our own, once per (source, language, text, code)."""
    b = _builder()
    names: list[TestName] = []
    for n in b.partner_center_names():
        names.append(TestName("pc", n.lang, n.text, n.value))
    for n in b.s2020_names():
        names.append(TestName("s2020", n.lang, n.text, n.value))
    aliases = list(b.alias_names())
    meanings: dict[tuple[str, str], set[str]] = defaultdict(set)
    for n in aliases:
        meanings[(n.lang, n.text)].add(n.value)
    for n in aliases:
        if len(meanings[(n.lang, n.text)]) == 1:  # the ambiguous-on-purpose rows have no one answer
            names.append(TestName("alias", n.lang, n.text, n.value))
    for row in _rows(CASES / "real_world_names.tsv"):
        names.append(TestName("real", _REAL_LANG.get(row["kind"], ""), row["name"], row["iso2"]))
    return sorted(set(names))


def split(part: int = 0) -> tuple[list[TestName], list[TestName]]:
    """(build part, held-out part); ``part`` 1 or 2 is another third, for working on the families of
    misses without looking at the reported held-out part."""
    names = test_names()
    return [n for n in names if not n.held_out(part)], [n for n in names if n.held_out(part)]


class Outcome(NamedTuple):
    name: TestName
    hinted: str  # "right", "wrong", "ambiguous", "unknown" (with the language hint)
    plain: str  # the same, without a hint
    got: str  # what resolve answered with the hint
    new: bool  # no key of the index built without it is its own
    unlisted: bool  # not verbatim a name of any source the index was built from


def _verdict(name: TestName, lang: str | None) -> tuple[str, str]:
    from csp_rules import markets
    from csp_rules.errors import AmbiguousMarketError, MarketError

    try:
        code = markets.resolve(name.text, lang=lang).code
    except AmbiguousMarketError as exc:
        return ("ambiguous" if name.code in exc.candidates else "wrong"), " ".join(exc.candidates)
    except MarketError as exc:
        return "unknown", type(exc).__name__
    return ("right" if code == name.code else "wrong"), code


def measure(part: int = 0) -> tuple[list[Outcome], int, int]:
    """Build without the held-out part, resolve every held-out name: (outcomes, build size, held-out size)."""
    from csp_rules import _market_index as mi
    from csp_rules import markets
    from csp_rules._lazy import Once

    build_part, held_out = split(part)
    exclude = {(n.source, n.lang, n.text) for n in held_out if n.source != "real"}
    b = _builder()
    built = b.build(exclude=exclude)
    src = b._sources()
    verbatim = {n.text.strip() for n in [*src.cldr, *src.checked]}
    verbatim |= {
        n.text.strip() for n in src.tables if (n.source.split(":")[0], n.lang, n.text) not in exclude
    }
    index = mi.parse_index(built.index_text.encode("utf-8"))
    saved = markets._INDEX
    markets._INDEX = Once(lambda: index)
    markets._CACHE.clear()
    markets._LANG_CACHE.clear()
    try:
        outcomes = []
        for n in held_out:
            hinted, got = _verdict(n, n.lang or None)
            plain, _ = _verdict(n, None)
            tokens = mi.name_tokens(n.text, index.variants)
            new = not any(
                table.get(key)
                for table, key in zip(
                    (index.exact, index.bag, index.compact, index.loose), mi.keys_of(tokens), strict=True
                )
                if key
            )
            outcomes.append(Outcome(n, hinted, plain, got, new, n.text.strip() not in verbatim))
    finally:
        markets._INDEX = saved
        markets._CACHE.clear()
        markets._LANG_CACHE.clear()
    return outcomes, len(build_part), len(held_out)


def report(outcomes: list[Outcome], build_size: int, held_size: int) -> list[str]:
    lines = [f"held out {held_size} names, built from the other {build_size} (and CLDR, ISO, Wikidata)"]
    by_source: dict[str, list[Outcome]] = defaultdict(list)
    for o in outcomes:
        by_source[o.name.source].append(o)
    by_source["all"] = outcomes
    by_source["all but real"] = [o for o in outcomes if o.name.source != "real"]
    lines.append("resolved: with the language hint (without it); wrong: another market, either way")
    lines.append(f"{'':<14} {'all held out':^30} {'not verbatim in any source':^30} {'new to the index':^30}")
    for source, group in by_source.items():
        cells = []
        for subset in (group, [o for o in group if o.unlisted], [o for o in group if o.new]):
            hinted = Counter(o.hinted for o in subset)
            plain = Counter(o.plain for o in subset)
            wrong = sum(1 for o in subset if "wrong" in (o.hinted, o.plain))
            share = hinted["right"] / len(subset) if subset else 1.0
            plain_share = plain["right"] / len(subset) if subset else 1.0
            cells.append(f"{len(subset):>5} {share:>6.1%} ({plain_share:>6.1%}) {wrong:>2} wrong")
        lines.append(f"{source:<14} " + "  ".join(cells))
    return lines


PERTURBATIONS = ("upper", "lower", "accents", "spacing", "dot")
_CODE = re.compile(r"\s*[A-Z]{2,3}\s*")


def perturb(text: str, how: str) -> str:
    """A name as a person may type it: in capitals, in lower case, without accents, with other
    spacing (hyphens as spaces, runs of spaces, padding) or with a trailing dot."""
    import unicodedata

    if how == "upper":
        return text.upper()
    if how == "lower":
        return text.lower()
    if how == "accents":
        return "".join(c for c in unicodedata.normalize("NFD", text) if not 0x300 <= ord(c) <= 0x36F)
    if how == "spacing":
        return "  " + text.replace("-", " ").replace(" ", "  ") + " "
    if how == "dot":
        return text + "."
    raise ValueError(how)


def perturbed_cldr(step: int = 1) -> tuple[Counter[str], list[tuple[str, str, str, str, str]]]:
    """Every ``step``-th CLDR territory name (of every locale babel ships, once per language),
    perturbed every way, resolved with its language as the hint: counts of right, wrong, other."""
    from csp_rules import markets
    from csp_rules.errors import MarketError

    b = _builder()
    seen: set[tuple[str, str]] = set()
    counts: Counter[str] = Counter()
    wrong: list[tuple[str, str, str, str, str]] = []
    names = [n for n in b._sources().cldr if not n.value.startswith("!")]
    for n in names[::step]:
        if (n.lang, n.text) in seen:
            continue
        seen.add((n.lang, n.text))
        for how in PERTURBATIONS:
            text = perturb(n.text, how)
            try:
                code = markets.resolve(text, lang=n.lang).code
            except MarketError:
                counts["other"] += 1
                continue
            if code == n.value:
                counts["right"] += 1
            elif _CODE.fullmatch(text) and markets.resolve(text.strip()).code == code:
                counts["code"] += 1  # in capitals, two or three letters are a code: "NGA" is NG (Nga: RU)
            else:
                counts["wrong"] += 1
                wrong.append((n.source, n.text, how, n.value, code))
    return counts, wrong


def partner_center() -> tuple[int, int]:
    """Partner Center's own names (every row of the shipped table), resolved with their language:
    (right, rows)."""
    from csp_rules import markets
    from csp_rules.errors import MarketError

    rows = list(_builder().partner_center_names())
    right = 0
    for n in rows:
        with contextlib.suppress(MarketError):
            right += markets.resolve(n.text, lang=n.lang).code == n.value
    return right, len(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--misses", action="store_true", help="list the held-out names that do not resolve")
    parser.add_argument(
        "--part",
        type=int,
        default=0,
        choices=(0, 1, 2),
        help="the third held out (0, the reported one; 1 and 2 for working on the families)",
    )
    args = parser.parse_args(argv)
    outcomes, build_size, held_size = measure(args.part)
    print("\n".join(report(outcomes, build_size, held_size)))
    right, rows = partner_center()
    print(f"Partner Center names with their language (shipped index): {right}/{rows} ({right / rows:.1%})")
    counts, perturbed_wrong = perturbed_cldr()
    total = sum(counts.values())
    print(
        f"perturbed CLDR names ({', '.join(PERTURBATIONS)}), with their language: {counts['right']}/{total}"
        f" resolved ({counts['right'] / total:.2%}), {counts['wrong']} wrong, {counts['code']} read as a code"
        " (two or three capitals)"
    )
    for item in perturbed_wrong:
        print("WRONG perturbed\t" + "\t".join(item))
    wrong = [o for o in outcomes if "wrong" in (o.hinted, o.plain)]
    for o in wrong:
        print(f"WRONG\t{o.name.source}\t{o.name.lang}\t{o.name.text}\t{o.name.code}\tgot {o.got}")
    if args.misses:
        for o in outcomes:
            if o.hinted != "right":
                print(f"{o.hinted}\t{o.name.source}\t{o.name.lang}\t{o.name.text}\t{o.name.code}\t{o.got}")
    return 1 if wrong or perturbed_wrong else 0


if __name__ == "__main__":
    sys.exit(main())
