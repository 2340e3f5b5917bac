"""Message catalogs (issue 2): every reason code has English and French, with the same placeholders."""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import csp_rules
from csp_rules.decision import LANGUAGES, _fields, message, messages
from csp_rules.errors import CspRulesError


def _declared_codes() -> dict[str, str]:
    """Reason codes declared by every module of the package (``REASON_CODES``), code -> module."""
    found: dict[str, str] = {}
    for info in pkgutil.walk_packages(csp_rules.__path__, "csp_rules."):
        if info.name.endswith("__main__"):
            continue
        module = importlib.import_module(info.name)
        for code in getattr(module, "REASON_CODES", ()):
            assert code not in found or found[code] == info.name, f"{code} declared twice"
            found[code] = info.name
    return found


def _placeholders(template: str) -> set[str]:
    """Placeholder names, a per-language suffix (``action_en`` / ``action_fr``) counted as one name."""
    names = set()
    for name in _fields(template):
        for lang in LANGUAGES:
            name = name.removesuffix(f"_{lang}")
        names.add(name)
    return names


def test_every_declared_code_has_every_language() -> None:
    catalog = messages()
    for code, module in _declared_codes().items():
        assert code in catalog, f"{code} (from {module}) has no message"
        for lang in LANGUAGES:
            assert catalog[code].get(lang, "").strip(), f"{code} has no {lang} text"


def test_catalog_has_no_orphan_codes() -> None:
    declared = _declared_codes()
    orphans = set(messages()) - set(declared)
    assert not orphans, f"codes with messages but declared by no module: {sorted(orphans)}"


@pytest.mark.parametrize("code", sorted(messages()))
def test_languages_use_the_same_placeholders(code: str) -> None:
    texts = messages()[code]
    assert set(texts) == set(LANGUAGES)
    assert _placeholders(texts["en"]) == _placeholders(texts["fr"])
    assert code.count(".") >= 1 and code == code.lower()


# --- plurals (babel's CLDR rules, ICU MessageFormat's plural syntax) --------------------------


@pytest.mark.parametrize(
    ("n", "en", "fr"),
    [
        (0, "0 full days left", "il reste 0 jour entier"),  # French "one" is 0 and 1
        (1, "1 full day left", "il reste 1 jour entier"),
        (2, "2 full days left", "il reste 2 jours entiers"),
        (41, "41 full days left", "il reste 41 jours entiers"),
        (1_000_000, "1,000,000 full days left", "il reste 1\u202f000\u202f000 jours entiers"),
    ],
)
def test_day_counts_follow_each_languages_plural_rules(n: int, en: str, fr: str) -> None:
    facts = {"order_id": "O-1", "product_name": "X", "days_left": n, "deadline": "D"}
    assert en in message("cancellation.self_service", "en", facts)
    assert fr in message("cancellation.self_service", "fr", facts)


def test_no_catalog_message_writes_a_plural_with_parentheses() -> None:
    for code, texts in messages().items():
        for lang, text in texts.items():
            assert not re.search(r"\w\(s\)", text), (code, lang, text)


def test_plural_selections_exact_values_and_errors() -> None:
    template = "{n, plural, =0 {none} one {# thing} other {# things}} {n, plural, other {(#)}}"
    assert [message("x", "en", {"n": n}, {"x": {"en": template}}) for n in (0, 1, 2)] == [
        "none (0)",
        "1 thing (1)",
        "2 things (2)",
    ]
    assert _fields(template) == {"n"}
    with pytest.raises(CspRulesError, match="other"):
        message("x", "en", {"n": 1}, {"x": {"en": "{n, plural, one {# thing}}"}})
    with pytest.raises(CspRulesError, match="category"):
        message("x", "en", {"n": 1}, {"x": {"en": "{n, plural, lots {#} other {#}}"}})


@given(st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=4000)))
def test_durations_are_exact_to_the_second(span: timedelta) -> None:
    """Read back, the words give the whole seconds of the duration (no 'about 1 month')."""
    from csp_rules._l10n import format_timedelta

    sizes = {"day": 86400, "hour": 3600, "minute": 60, "second": 1}
    total = 0
    for count, unit in re.findall(r"(\d+) (day|hour|minute|second)s?", format_timedelta(span, "en")):
        total += int(count) * sizes[unit]
    assert total == int(span.total_seconds())
    french = format_timedelta(span, "fr")
    assert "jour" in french or span < timedelta(days=1)


# --- errors in French (issue 19) ----------------------------------------------------------------


def _error_classes() -> list[type[CspRulesError]]:
    import csp_rules.errors as errors_module

    seen: list[type[CspRulesError]] = []
    todo: list[type[CspRulesError]] = [CspRulesError]
    while todo:
        cls = todo.pop()
        if cls not in seen:
            seen.append(cls)
            todo.extend(cls.__subclasses__())
    assert {c.__name__ for c in seen} >= set(errors_module.__all__) - {"FieldProblem"}
    return seen


def _sample(cls: type[CspRulesError]) -> CspRulesError:
    from csp_rules.errors import AmbiguousMarketError, FieldProblem, ValidationError

    if issubclass(cls, ValidationError):
        return cls([FieldProblem("language", "required"), FieldProblem("file_type", "required")])
    if issubclass(cls, AmbiguousMarketError):
        return cls(field="market", value="Kongo", candidates=["CD", "CG"])
    if "suggestions" in getattr(cls, "__annotations__", {}) or hasattr(cls, "noun"):
        return cls(field="f", value="Frnace", suggestions=["France (FR)"])  # type: ignore[call-arg]
    return cls(field="f", value="x")


def test_every_error_code_has_a_french_message() -> None:
    from csp_rules.decision import error_message

    classes = _error_classes()
    codes = {cls.code for cls in classes}
    checked = 0
    for cls in classes:
        err = _sample(cls)
        fr = error_message(err, "fr")
        assert fr and "{" not in fr and fr != str(err), (cls.code, fr)
        assert (
            "'x'" in fr
            or "Frnace" in fr
            or "Kongo" in fr
            or "problèmes" in fr
            or cls.code
            in (
                "error.missing_field",
                "error.not_cancellable",
                "error.missing_columns",
            )
        ), (cls.code, fr)
        assert error_message(err, "en") == str(err)
        checked += 1
    print(f"\n{checked} error classes, {len(codes)} codes: English and French")
    assert checked >= 27


def test_the_error_catalog_names_only_real_codes() -> None:
    import json
    from importlib import resources

    data = json.loads((resources.files("csp_rules") / "data" / "error_messages.json").read_text("utf-8"))
    data.pop("_header")
    assert set(data) == {cls.code for cls in _error_classes()}


def _outcome_families() -> tuple[Any, ...]:
    from csp_rules import billing, cancellation, hybrid_benefit, links, markets, roles, tax

    return (
        cancellation.Outcome,
        cancellation.Readiness,
        billing.CreditOutcome,
        links.LinkStatus,
        links.SelectionStatus,
        markets.ReservationOutcome,
        roles.Authorization,
        hybrid_benefit.HybridBenefitOutcome,
        tax.TaxTreatment,
    )


def test_every_outcome_has_a_label_in_both_languages() -> None:
    """The outcome enums of every decision family, walked: each value has an English and a French
    label, distinct, and the labels file names nothing else."""
    import json
    from importlib import resources

    from csp_rules import cancellation
    from csp_rules.decision import outcome_label

    count = 0
    for family in _outcome_families():
        for member in family:
            en, fr = outcome_label(member, "en"), outcome_label(member, "fr")
            assert en and fr and en != fr, (family, member)
            count += 1
    data = json.loads((resources.files("csp_rules") / "data" / "outcome_labels.json").read_text("utf-8"))
    data.pop("_header")
    assert sum(len(v) for v in data.values()) == count
    with pytest.raises(CspRulesError):
        outcome_label(cancellation.Basis.KIND)


def test_market_suggestions_are_in_the_language_asked() -> None:
    """issue 19: never 'did you mean Albanie (AL), Albania (AL)...': one name per market, in the language."""
    from csp_rules import markets
    from csp_rules.decision import error_message
    from csp_rules.errors import UnknownMarketError

    with pytest.raises(UnknownMarketError) as caught:
        markets.resolve("Atlantis")
    err = caught.value
    codes = [s.rsplit("(", 1)[1].rstrip(")") for s in err.suggestions]
    assert len(codes) == len(set(codes)) and codes  # each market once
    assert err.suggestions == tuple(f"{markets.resolve(c).name('en')} ({c})" for c in codes)
    french = error_message(err, "fr")
    for code in codes:
        assert f"'{markets.resolve(code).name('fr')} ({code})'" in french


def _strings(value: Any, path: str = "") -> list[tuple[str, str]]:
    """Every (path, text) leaf of a nested mapping of texts."""
    if isinstance(value, str):
        return [(path, value)]
    if isinstance(value, Mapping):
        return [leaf for k, v in value.items() for leaf in _strings(v, f"{path}.{k}")]
    return []


def test_every_text_a_person_reads_walked_in_both_languages() -> None:
    """issue 19: reason codes, error codes, outcome labels, batch sentences, summary lines and the CLI
    help epilogues, each in English and French: present, not the English copied, the same fields."""
    import argparse
    import json
    from importlib import resources

    from csp_rules.batch import _summary
    from csp_rules.batch._explain import sentences
    from csp_rules.cli import build_parser
    from csp_rules.decision import _fields, error_message, messages, outcome_label

    counts: dict[str, int] = {"en": 0, "fr": 0}

    def pair(label: str, en: str, fr: str) -> None:
        assert en.strip() and fr.strip(), label
        assert en != fr or len(en) <= 3, label  # "OK", codes... never a whole English sentence
        # one vocabulary (docs/glossary.rst): a credit is "crédit", never "avoir" (the verb stays)
        assert not re.search(r"(?<!pu )(?<!peut )\b[Aa]voirs?\b(?! lieu)", fr), (label, fr)
        same = {re.sub("_(en|fr)$", "", f) for f in _fields(en)}
        assert same == {re.sub("_(en|fr)$", "", f) for f in _fields(fr)}, label
        counts["en"] += 1
        counts["fr"] += 1

    for code, texts in messages().items():
        pair(code, texts["en"], texts["fr"])
    catalog = json.loads((resources.files("csp_rules") / "data" / "error_messages.json").read_text("utf-8"))
    catalog.pop("_header")
    for cls in _error_classes():
        sample = _sample(cls)
        pair(cls.code, str(sample), error_message(sample, "fr"))
    for family in _outcome_families():
        for member in family:
            pair(str(member), outcome_label(member, "en"), outcome_label(member, "fr"))
    for part, texts in sentences().items():
        if part == "end":
            continue
        for code, langs in texts.items():
            pair(f"{part}.{code}", langs["en"], langs["fr"])
    english, french = dict(_strings(_summary._TEXT["en"])), dict(_strings(_summary._TEXT["fr"]))
    assert set(english) == set(french)
    for path in english:
        pair(f"summary{path}", english[path], french[path])
    parser = build_parser()
    subs = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name, command in subs.choices.items():
        epilog = command.epilog or ""
        assert "examples / exemples :" in epilog and "statut de sortie" in epilog, name
        counts["en"] += 1
        counts["fr"] += 1
    print(f"\nbilingual walk: {counts['en']} texts in English, {counts['fr']} in French")
    assert counts["en"] > 150
