"""The documentation (issue 8): it builds warning-free, its examples are real, and its pages hold what they promise.

The HTML is built once per session in a temporary folder with ``sphinx-build -W`` (warnings are
errors), exactly as CI builds it; the pages are then read as a browser would show their text.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import types
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest

import csp_rules
from csp_rules.rulesets import describe

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    tomllib = pytest.importorskip("tomli")

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
SPEC = ROOT.parent / "shared" / "RULES.md"
SVG = "{http://www.w3.org/2000/svg}"


def _sphinx(builder: str, out: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", builder, str(DOCS), str(out)],
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
        cwd=ROOT,
    )


@pytest.fixture(scope="session")
def html(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("html")
    done = _sphinx("html", out)
    assert done.returncode == 0, f"sphinx-build -W -b html failed:\n{done.stdout}\n{done.stderr}"
    return out


class _Page(HTMLParser):
    """The text a browser shows (scripts and styles left out), and the inline SVG drawings."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.ids: set[str] = set()
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        for name, value in attrs:
            if name == "id" and value:
                self.ids.add(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


_PLAIN_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'})


def page(html: Path, name: str) -> tuple[str, _Page, str]:
    raw = (html / f"{name}.html").read_text("utf-8")
    parsed = _Page()
    parsed.feed(raw)
    # Sphinx's "smart quotes" print typographic apostrophes and quotes; compare with plain ones
    text = re.sub(r"\s+", " ", "".join(parsed.parts)).translate(_PLAIN_QUOTES)
    return text, parsed, raw


def svgs(raw: str) -> list[ET.Element]:
    return [ET.fromstring(m) for m in re.findall(r"<svg\b.*?</svg>", raw, flags=re.S)]


# --- the rules catalog covers the specification ---------------------------------------------------


def spec_numbers() -> list[str]:
    if not SPEC.exists():
        if os.environ.get("CI"):
            pytest.fail(f"RULES.md not found at {SPEC}: CI has shared/ beside the clone")
        pytest.skip(f"RULES.md not found at {SPEC} (shared/ is not beside this checkout)")
    numbers = re.findall(r"\bR\d+(?:\.\d+)?\b", SPEC.read_text("utf-8"))
    return sorted(set(numbers), key=lambda n: [int(x) for x in n[1:].split(".")])


def catalog() -> list[dict[str, object]]:
    with open(DOCS / "_data" / "rules.toml", "rb") as fh:
        rules: list[dict[str, object]] = tomllib.load(fh)["rule"]
    return rules


def test_every_rule_number_of_the_spec_is_in_the_catalog() -> None:
    numbers = spec_numbers()
    assert len(numbers) >= 37
    entries = [str(rule["number"]) for rule in catalog()]
    assert len(entries) == len(set(entries)), "a number appears twice in rules.toml"
    assert set(numbers) - set(entries) == set(), "numbers of RULES.md missing from docs/_data/rules.toml"
    assert set(entries) - set(numbers) == set(), "numbers in rules.toml that RULES.md does not have"
    assert entries == numbers, "rules.toml follows the order of RULES.md"


def test_every_catalog_entry_is_complete() -> None:
    for rule in catalog():
        assert rule["title"] and rule["says"] and rule["source"], rule["number"]
        shipped = {rules.version for rules in csp_rules.rulesets.shipped_chain()}
        assert {str(s).strip() for s in str(rule["source"]).split(",")} <= shipped, rule["number"]
        assert isinstance(rule["functions"], list)


def test_rules_reference_lists_every_rule_with_its_parameters(html: Path) -> None:
    text, parsed, _ = page(html, "rules_reference")
    for rule in catalog():
        number = str(rule["number"])
        anchor = "rule-" + number.lower().replace(".", "-")
        assert anchor in parsed.ids, f"{number} has no section"
        assert f"{number} {rule['title']}" in text
    # generated from the shipped rule sets: every parameter that names a rule is shown, with both versions
    for parameter in describe(csp_rules.S2020):
        if parameter.rule and not parameter.path.startswith("cancellation.exclusions["):
            assert parameter.path in text, parameter.path
    assert "cancellation.exclusions" in text
    assert "windows7_esu_2020 → support_request" in text
    assert "S2018" in text and "S2020" in text
    assert "Encoded by:" in text and "evaluate()" in text


# --- the built pages ------------------------------------------------------------------------------


def test_quickstart_has_the_five_questions_with_their_real_output(html: Path) -> None:
    text, _, _ = page(html, "quickstart")
    for question in (
        "Can I buy Azure reservations for a customer in this market?",
        "Does this price include tax, and what is its net?",
        "Can I cancel this order now, and until when?",
        "What credit comes back, and on which invoice?",
        "Is this download link still good?",
    ):
        assert question in text
    from datetime import datetime, timezone

    from csp_rules.cancellation import evaluate
    from csp_rules.markets import check_reservations

    # the outputs on the page are those of the code, computed here again
    assert check_reservations("Congo").explain("fr") in text
    order = csp_rules.Purchase(
        order_id="O-1001",
        product_name="Office 365 E3",
        kind="software_subscription",
        purchased_at=datetime(2020, 3, 1, 9, 30, tzinfo=timezone.utc),
    )
    assert evaluate(order, at=datetime(2020, 3, 20, 15, tzinfo=timezone.utc)).explain("fr") in text
    assert "(Money('100.00', 'AUD'), Money('10.00', 'AUD'), Money('110.00', 'AUD'))" in text
    assert "$ csp-rules market Congo" in text


def test_quickstart_shows_the_timeline_picture(html: Path) -> None:
    _, _, raw = page(html, "quickstart")
    assert '<div class="csp-timeline">' in raw
    (drawing,) = svgs(raw)
    title = drawing.find(f"{SVG}title")
    desc = drawing.find(f"{SVG}desc")
    assert title is not None and title.text == "O-1001 · Office 365 E3"
    assert desc is not None and "Cancelled on 2020-03-20 15:00 UTC, inside the cancellation window." in (
        desc.text or ""
    )
    labels = [t.text for t in drawing.iter(f"{SVG}text")]
    assert "Cancellation window" in labels and "Download link" in labels and "Credit" in labels


def test_notebooks_page_shows_tables_and_pictures(html: Path) -> None:
    text, _, raw = page(html, "notebooks")
    drawings = svgs(raw)
    assert len(drawings) == 2
    langs = [d.get("lang") for d in drawings]
    assert langs == ["en", "fr"]
    ids = [d.get("aria-labelledby") for d in drawings]
    assert len(set(ids)) == 2, "two drawings on one page need different element ids"
    assert "window_closed" in text and "cancellation.window_closed" in text
    assert "Rule set S2018, in force from 2018-08-31" in text
    assert "€1,234.50" in text


def test_markets_page_explains_the_trap_and_the_history(html: Path) -> None:
    text, parsed, _ = page(html, "markets")
    assert "translation-trap" in parsed.ids and "market-list-history" in parsed.ids
    assert "République démocratique du Congo" in text
    for first_seen in ("2018-06-28", "2018-11-06", "2019-10-18", "2019-03-20"):
        assert first_seen in text
    assert "removed" in text and "added" in text


def test_cli_page_shows_real_runs_and_help(html: Path) -> None:
    text, _, _ = page(html, "cli")
    for command in ("market", "cancel", "credit", "link"):
        assert f"$ csp-rules {command}" in text
        assert f"usage: csp-rules {command}" in text
    assert "$ echo $? 1" in text and "$ echo $? 2" in text


def test_changelog_has_rules_and_data(html: Path) -> None:
    text, _, _ = page(html, "changelog")
    assert "Rules and data" in text and "0.1.0" in text


def test_how_tos_and_api_pages_exist(html: Path) -> None:
    for name in (
        "howto_rulesets",
        "howto_french",
        "howto_errors",
        "api",
        "api/timeline",
        "errors",
        "rulesets",
    ):
        assert (html / f"{name}.html").exists(), name
    text, _, _ = page(html, "howto_french")
    assert "cancellation.window_closed" in text and "Vous avez dépassé" in text


def test_the_examples_on_the_pages_pass(tmp_path: Path) -> None:
    done = _sphinx("doctest", tmp_path)
    assert done.returncode == 0, f"sphinx-build -b doctest failed:\n{done.stdout}\n{done.stderr}"
    summary = (tmp_path / "output.txt").read_text("utf-8")
    match = re.search(r"Doctest summary\s*=+\s*(\d+) tests?\s+(\d+) failures? in tests", summary)
    assert match is not None, summary[-2000:]
    assert int(match.group(1)) >= 40 and int(match.group(2)) == 0


# --- one home per rule ---------------------------------------------------------------------------------


def _mentioned(docstring: str) -> set[str]:
    """The rule numbers a docstring names, ranges such as ``R7.1–R7.6`` expanded."""
    found = set(re.findall(r"\bR\d+(?:\.\d+)?\b", docstring))
    for major, lo, hi in re.findall(r"\bR(\d+)\.(\d+)\s*[–-]\s*R\1\.(\d+)\b", docstring):
        found.update(f"R{major}.{k}" for k in range(int(lo), int(hi) + 1))
    return found


def _rule_modules() -> dict[str, set[str]]:
    import importlib
    import pkgutil

    import csp_rules

    owners: dict[str, set[str]] = {}
    for info in pkgutil.walk_packages(csp_rules.__path__, "csp_rules."):
        if info.name.endswith("__main__"):
            continue
        module = importlib.import_module(info.name)
        numbers = getattr(module, "RULES", None)
        if numbers is not None:
            owners[info.name] = set(numbers)
    return owners


def test_every_rule_number_has_exactly_one_home() -> None:
    """Each number of rules.toml is owned by one module: listed in its RULES, named in its docstring."""
    import importlib

    owners = _rule_modules()
    claimed: dict[str, list[str]] = {}
    for module, numbers in owners.items():
        for number in numbers:
            claimed.setdefault(number, []).append(module)
    for rule in catalog():
        number = str(rule["number"])
        if rule.get("information_only"):
            assert "module" not in rule and number not in claimed, f"{number} is information only"
            continue
        module = str(rule["module"])
        assert claimed.get(number) == [module], (
            f"{number}: owned by {claimed.get(number)}, rules.toml says {module}"
        )
        doc = importlib.import_module(module).__doc__ or ""
        assert number in _mentioned(doc), f"{number} is not stated in the docstring of {module}"
    numbers = {str(rule["number"]) for rule in catalog()}
    assert set(claimed) <= numbers, (
        f"modules claim numbers rules.toml lacks: {sorted(set(claimed) - numbers)}"
    )


# --- the versions page (R11) -------------------------------------------------------------------


def _csp_docs() -> types.ModuleType:
    import importlib.util

    spec = importlib.util.spec_from_file_location("csp_docs_ext", ROOT / "docs" / "_ext" / "csp_docs.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_versions_page_shows_the_chain_from_the_data(html: Path) -> None:
    text, _, raw = page(html, "versions")
    chain = csp_rules.rulesets.shipped_chain()
    for rules in chain:
        assert rules.version in text
        until = chain.until(rules)
        assert (
            f"{rules.in_force_from.isoformat()} to {until.isoformat() if until else 'until further notice'}"
            in text
        )
        for change in rules.changes:
            assert change[:40].translate(_PLAIN_QUOTES) in text
    assert "2021-10-06 to 2023-06-30 (R11.3)" in text and "until 2023-10-23 (R11.4)" in text
    assert raw.count("<svg") >= 1 and "The dated versions of the rules" in raw


@pytest.mark.parametrize("width", [480, 720, 960, 1600])
def test_the_chain_picture_keeps_its_labels_inside(width: int) -> None:
    """Every label of the chain picture, measured with the shipped DejaVu widths, lies inside the
    picture, and the picture renders (cairosvg) to a non-empty image of the size it declares."""
    import xml.etree.ElementTree as ET

    from csp_rules._svg_text import _text_width

    acme = csp_rules.ruleset_from_dict(
        {"extends": "S2022-07-11", "version": "ACME-2024", "in_force_from": "2024-01-01"}
    )
    for chain in (csp_rules.rulesets.shipped_chain(), csp_rules.rulesets.shipped_chain().with_version(acme)):
        svg = _csp_docs().chain_svg(chain, width=width)
        root = ET.fromstring(svg)
        assert root.get("width") == str(width)
        ns = "{http://www.w3.org/2000/svg}"
        texts = list(root.iter(f"{ns}text"))
        assert {r.version for r in chain} <= {t.text for t in texts}
        for t in texts:
            size = float(t.get("font-size", "12"))
            w = _text_width(t.text or "", size, bold=t.get("font-weight") == "bold")
            x = float(t.get("x", "0"))
            left = {"end": x - w, "middle": x - w / 2}.get(t.get("text-anchor", "start"), x)
            assert left >= 0 and left + w <= width, (t.text, left, w)
        cairosvg = pytest.importorskip("cairosvg")
        png = cairosvg.svg2png(bytestring=svg.encode("utf-8"))
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and int.from_bytes(png[16:20], "big") == width
        assert len(png) > 5000
