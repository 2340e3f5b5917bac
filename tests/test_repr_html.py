"""Rich display in notebooks (issue 8): ``_repr_html_`` and ``_repr_svg_`` are compact, well-formed, escaped."""

from __future__ import annotations

import enum
import xml.etree.ElementTree as ET
from datetime import date, datetime, timezone
from html.parser import HTMLParser

import pytest

import csp_rules
from csp_rules import Money, Purchase
from csp_rules.cancellation import evaluate
from csp_rules.decision import Decision
from csp_rules.markets import check_reservations
from csp_rules.rulesets import describe
from csp_rules.timeline import Timeline

UTC = timezone.utc
VOID = {"br", "hr", "img", "input", "meta", "link", "col", "wbr"}


class _Checker(HTMLParser):
    """Collects the text and checks that every element is closed, in order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.text: list[str] = []
        self.tags: list[str] = []
        self.attrs: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs.append(dict(attrs))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes {self.stack[-1:]}"
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def check(html: str) -> _Checker:
    checker = _Checker()
    checker.feed(html)
    checker.close()
    assert checker.stack == [], f"unclosed: {checker.stack}"
    return checker


def order(name: str = "Office 365 E3") -> Purchase:
    return Purchase(
        order_id="O-1",
        product_name=name,
        kind="software_subscription",
        purchased_at=datetime(2020, 3, 1, 9, 30, tzinfo=UTC),
        price=Money("120.00", "EUR"),
    )


def test_decision_shows_outcome_explanation_reasons_rules_and_facts() -> None:
    decision = evaluate(order(), at=datetime(2020, 5, 2, tzinfo=UTC))
    page = check(decision._repr_html_())
    text = " ".join(page.text)
    assert "window_closed" in text
    assert decision.explain("en") in text
    assert "cancellation.window_closed" in text
    assert "R7.1" in text and "S2020" in text
    assert "deadline" in text and "order_id" in text
    assert page.tags[0] == "table"
    styles = " ".join(a.get("style") or "" for a in page.attrs)
    assert "#cf222e" in styles  # "no" in red
    yes = evaluate(order(), at=datetime(2020, 3, 2, tzinfo=UTC))._repr_html_()
    assert "#1a7f37" in yes  # "yes" in green


def test_decision_subclasses_display_too() -> None:
    decision = check_reservations("République démocratique du Congo")
    text = " ".join(check(decision._repr_html_()).text)
    assert decision.explain("en") in text and "R3.2" in text


def test_decision_text_is_escaped() -> None:
    class Answer(enum.Enum):
        NO = "<b>no</b>"

    decision = Decision(
        outcome=Answer.NO,
        allowed=False,
        reasons=("reservations.unavailable",),
        rule_numbers=("R3",),
        ruleset_version="<i>S2020</i>",
        facts={
            "market": "<script>alert(1)</script>",
            "market_name": "x",
            "list_first_seen": date(2019, 10, 18),
        },
    )
    html = decision._repr_html_()
    assert "<script>" not in html and "<i>" not in html and "<b>no" not in html
    text = " ".join(check(html).text)
    assert "<script>alert(1)</script>" in text and "<b>no</b>" in text


@pytest.mark.parametrize("version", ["S2018", "S2020"])
def test_rule_set_shows_every_parameter_compactly(version: str) -> None:
    rules = getattr(csp_rules, version)
    page = check(rules._repr_html_())
    text = page.text
    for parameter in describe(rules):
        assert parameter.path in text
    assert "".join(text).startswith(f"Rule set {version}, in force from {rules.in_force_from.isoformat()}")
    # the exclusions' name patterns run to kilobytes: a cell is cut to a readable length
    assert max(len(t) for t in text) <= 160
    assert len(page.tags) < 600


def test_money_shows_formatted_with_the_exact_amount() -> None:
    page = check(Money("1234.50", "EUR")._repr_html_())
    assert "".join(page.text) == "€1,234.50"
    assert any("1234.50 EUR" in (a.get("title") or "") for a in page.attrs)
    exact = check(Money("10.005", "EUR")._repr_html_())
    assert any("10.005 EUR" in (a.get("title") or "") for a in exact.attrs)


def test_timeline_shows_as_svg() -> None:
    timeline = Timeline.from_purchase(order("<Office & Co>"), cancelled_at=datetime(2020, 3, 20, tzinfo=UTC))
    svg = timeline._repr_svg_()
    assert svg == timeline.to_svg()
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg")
    title = root.find("{http://www.w3.org/2000/svg}title")
    assert title is not None and title.text == "O-1 · <Office & Co>"
