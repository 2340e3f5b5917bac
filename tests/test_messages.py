"""Message catalogs (issue 2): every reason code has English and French, with the same placeholders."""

from __future__ import annotations

import importlib
import pkgutil
import string

import pytest

import csp_rules
from csp_rules.decision import LANGUAGES, messages


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
    for _, name, _, _ in string.Formatter().parse(template):
        if name:
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
