"""The SVG timeline of one purchase (issues 8 and 19): what the decision says, measured labels that never
overlap, well-formed, accessible, deterministic, escaped, and looked at (rendered to PNG)."""

from __future__ import annotations

import enum
import importlib.util
import io
import itertools
import re
import subprocess
import sys
import threading
import xml.etree.ElementTree as ET
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from importlib import resources
from pathlib import Path
from types import ModuleType
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from csp_rules import S2018, S2020
from csp_rules.billing import refund_credit
from csp_rules.cancellation import Outcome, evaluate
from csp_rules.errors import (
    InvalidDateError,
    InvalidFieldError,
    MissingFieldError,
    NaiveDatetimeError,
    UnsupportedLocaleError,
)
from csp_rules.facts import Money, ProductKind, Purchase
from csp_rules.links import issue_link
from csp_rules.timeline import FONT_FAMILY, CancellationRoute, Timeline, _ticks, timeline_svg

UTC = timezone.utc
SVG = "{http://www.w3.org/2000/svg}"
T0 = datetime(2020, 3, 1, 9, 30, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[1]
WINDOW_GREEN = "#dafbe1"  # fill of the self-service window bar
SUPPORT_YELLOW = "#fff8c5"  # fill of the support-request band
LINK_BLUE = "#ddf4ff"  # fill of a link's lifetime bar


def full(**changes: object) -> Timeline:
    facts: dict[str, object] = {
        "purchased_at": T0,
        "window_end": T0 + timedelta(days=60),
        "link_issued_at": T0 + timedelta(days=1),
        "link_expires_at": T0 + timedelta(days=15),
        "link_download_cap": 50,
        "cancelled_at": T0 + timedelta(days=19),
        "credit_invoice_date": date(2020, 4, 1),
        "credit": Money("86.25", "EUR"),
        "at": T0 + timedelta(days=19),
        "title": "O-1001 · Office 365 E3",
    }
    facts.update(changes)
    return Timeline(**facts)  # type: ignore[arg-type]


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def text_elements(root: ET.Element) -> list[ET.Element]:
    """The visible texts (a label's halo is an aria-hidden copy underneath)."""
    return [el for el in root.iter(f"{SVG}text") if el.get("aria-hidden") != "true"]


def texts(root: ET.Element) -> list[str]:
    return [el.text or "" for el in text_elements(root)]


def fills(root: ET.Element) -> set[str]:
    return {el.get("fill", "") for el in root.iter() if el.tag in (f"{SVG}rect", f"{SVG}path")}


def purchase(kind: str, when: datetime, name: str = "Office 365 E3") -> Purchase:
    return Purchase(
        order_id="O-1", product_name=name, kind=kind, purchased_at=when, price=Money("100", "EUR")
    )


# --- the width table: read here independently of csp_rules.timeline ----------------------------


def _read_table() -> tuple[dict[str, str], dict[int, int], dict[int, int]]:
    text = (resources.files("csp_rules") / "data" / "font_widths.tsv").read_text("utf-8")
    header: dict[str, str] = {}
    regular: dict[int, int] = {}
    bold: dict[int, int] = {}
    for line in text.splitlines():
        if line.startswith("#"):
            key, _, value = line[1:].partition(":")
            header.setdefault(key.strip(), value.strip())
            continue
        codes, reg, bld = line.split("\t")
        first, _, last = codes.partition("..")
        for code in range(int(first, 16), int(last or first, 16) + 1):
            regular[code] = int(reg)
            if bld != "-":
                bold[code] = int(bld)
    return header, regular, bold


HEADER, REGULAR, BOLD = _read_table()
EM = int(HEADER["units_per_em"])
ASCENT = int(HEADER["ascent"]) / EM
DESCENT = int(HEADER["descent"]) / EM


def width_of(text: str, size: float, bold: bool = False) -> float:
    table = BOLD if bold else REGULAR
    return sum(table.get(ord(c), EM) for c in text) * size / EM


def boxes(root: ET.Element) -> list[tuple[str, tuple[float, float, float, float]]]:
    """(text, (left, top, right, bottom)) of every visible label, measured with the shipped table."""
    out = []
    for el in text_elements(root):
        text = el.text or ""
        size = float(el.get("font-size", "0"))
        x, y = float(el.get("x", "0")), float(el.get("y", "0"))
        w = width_of(text, size, el.get("font-weight") == "bold")
        anchor = el.get("text-anchor", "start")
        left = x - (w if anchor == "end" else w / 2 if anchor == "middle" else 0)
        out.append((text, (left, y - size * ASCENT, left + w, y + size * DESCENT)))
    return out


def overlaps(root: ET.Element) -> list[tuple[str, str]]:
    found = []
    for (a, (al, at, ar, ab)), (b, (bl, bt, br, bb)) in itertools.combinations(boxes(root), 2):
        if al < br and bl < ar and at < bb and bt < ab:
            found.append((a, b))
    return found


def outside(root: ET.Element) -> list[str]:
    width, height = float(root.get("width", "0")), float(root.get("height", "0"))
    return [
        text
        for text, (left, top, right, bottom) in boxes(root)
        if left < 0 or top < 0 or right > width or bottom > height
    ]


def at_line(root: ET.Element) -> tuple[float, float, float] | None:
    """(x, top, bottom) of the dashed "asked at" line."""
    for el in root.iter(f"{SVG}line"):
        if el.get("stroke-dasharray") == "5 3":
            return float(el.get("x1", "0")), float(el.get("y1", "0")), float(el.get("y2", "0"))
    return None


def crossing_the_at_line(root: ET.Element) -> list[str]:
    """Labels that the dashed "asked at" line runs through (behind them)."""
    line = at_line(root)
    if line is None:
        return []
    x, top, bottom = line
    return [text for text, (left, t, right, b) in boxes(root) if t < bottom and b > top and left < x < right]


# --- shape and accessibility -------------------------------------------------------------------


def test_full_timeline_is_well_formed_and_accessible() -> None:
    svg = full().to_svg(width=1200)
    root = parse(svg)
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    title_id, desc_id = root.get("aria-labelledby", "").split()
    title = root.find(f"{SVG}title")
    desc = root.find(f"{SVG}desc")
    assert title is not None and desc is not None
    assert (title.get("id"), desc.get("id")) == (title_id, desc_id)
    assert title.text == "O-1001 · Office 365 E3"
    assert desc.text == full().describe()
    assert int(root.get("width", "0")) == 1200
    labels = texts(root)
    for expected in ("Purchase", "Cancellation window", "Download link", "Cancellation", "Credit"):
        assert expected in labels
    assert "asked at 2020-03-20 09:30 UTC" in labels
    labels = texts(parse(full(at=None).to_svg(width=1200)))  # no "asked at" line to keep clear of
    assert "2020-03-01 09:30 UTC" in labels
    assert "60 days · ends 2020-04-30 09:30 UTC" in labels
    assert "14 days or 50 downloads · expires 2020-03-16 09:30 UTC" in labels
    assert "€86.25 on the invoice of 2020-04-01" in labels
    assert int(parse(full().to_svg()).get("width", "0")) == 720


def test_the_svg_names_the_font_it_is_measured_with() -> None:
    root = parse(full().to_svg())
    assert root.get("font-family") == FONT_FAMILY
    assert FONT_FAMILY.startswith("'DejaVu Sans'")
    assert HEADER["font"].startswith("DejaVu Sans ")
    # the title is drawn (and measured) bold; nothing else names another font or weight
    weights = {el.get("font-weight") for el in text_elements(root)}
    assert weights == {None, "bold"}
    assert not [el for el in root.iter() if el.get("font-family") and el is not root]


def test_only_the_purchase_is_required() -> None:
    root = parse(Timeline(purchased_at=date(2020, 3, 1)).to_svg())
    labels = texts(root)
    assert "Purchase" in labels and "2020-03-01 00:00 UTC" in labels
    assert "Cancellation window" not in labels and "How to cancel" not in labels and "Credit" not in labels
    assert len(root.findall(f"{SVG}path")) == 1  # one diamond


def test_french_labels() -> None:
    tl = full(lang="fr_CA")
    labels = texts(parse(attrs.evolve(tl, at=None).to_svg(width=1400)))
    for expected in ("Achat", "Fenêtre d'annulation", "Lien de téléchargement", "Annulation", "Avoir"):
        assert expected in labels
    assert "60 jours · fin le 2020-04-30 09:30 UTC" in labels
    assert "14 jours ou 50 téléchargements · expire le 2020-03-16 09:30 UTC" in labels
    assert "heures en UTC" in labels
    assert tl.describe().splitlines()[-1].startswith("Avoir de 86,25")
    assert tl.describe("en") == full().describe()


def test_deterministic_and_ids_depend_on_the_facts() -> None:
    a, b = full().to_svg(), full().to_svg()
    assert a == b
    other = full(cancelled_at=T0 + timedelta(days=20)).to_svg()
    ids_a = set(re.findall(r'id="([^"]+)"', a))
    ids_other = set(re.findall(r'id="([^"]+)"', other))
    assert ids_a and ids_a.isdisjoint(ids_other)
    assert full()._repr_svg_() == a


def test_text_is_escaped() -> None:
    nasty = "<script>alert('x')</script> & \"quoted\""
    svg = full(title=nasty).to_svg()
    assert "<script>" not in svg
    root = parse(svg)
    title = root.find(f"{SVG}title")
    assert title is not None and title.text == nasty
    assert "alert" not in "".join(el.tag for el in root.iter())


def test_a_long_title_is_clipped_to_the_picture_not_in_the_title() -> None:
    long = "Windows Server 2019 Datacenter " * 10
    for width in (480, 720, 1600):
        root = parse(full(title=long).to_svg(width=width))
        title = root.find(f"{SVG}title")
        assert title is not None and title.text == long.strip()
        heading = texts(root)[0]
        assert heading.endswith("…") and len(heading) < len(long)
        assert width_of(heading, 15, bold=True) <= width - 32
        assert not outside(root)


def test_cancellation_after_the_window_is_said_so() -> None:
    tl = Timeline(purchased_at=date(2020, 3, 1), window_end=date(2020, 4, 30), cancelled_at=date(2020, 5, 3))
    assert "Cancelled on 2020-05-03 00:00 UTC, after the cancellation window." in tl.describe()
    inside = Timeline(
        purchased_at=date(2020, 3, 1), window_end=date(2020, 4, 30), cancelled_at=date(2020, 4, 29)
    )
    assert "inside the cancellation window" in inside.describe()


def test_width_changes_the_drawing() -> None:
    root = parse(full().to_svg(width=1200))
    assert root.get("viewBox", "").startswith("0 0 1200 ")


# --- plurals: CLDR rules of each language (babel) ------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "days", "cap", "window_text", "link_text"),
    [
        ("en", 1, 1, "1 day · ends 2020-03-02 09:30 UTC", "1 day or 1 download · expires"),
        ("en", 2, 2, "2 days · ends 2020-03-03 09:30 UTC", "1 day or 2 downloads · expires"),
        ("fr", 1, 1, "1 jour · fin le 2020-03-02 09:30 UTC", "1 jour ou 1 téléchargement · expire"),
        ("fr", 2, 2, "2 jours · fin le 2020-03-03 09:30 UTC", "1 jour ou 2 téléchargements · expire"),
    ],
)
def test_plurals(lang: str, days: int, cap: int, window_text: str, link_text: str) -> None:
    tl = Timeline(
        purchased_at=T0,
        window_end=T0 + timedelta(days=days),
        link_issued_at=T0,
        link_expires_at=T0 + timedelta(days=1),
        link_download_cap=cap,
        lang=lang,
    )
    labels = texts(parse(tl.to_svg(width=1600)))
    assert window_text in labels
    assert any(label.startswith(link_text) for label in labels)
    assert "(s)" not in tl.describe()


def test_french_plural_of_a_million_days_is_de_jours() -> None:
    tl = Timeline(purchased_at=datetime(1, 1, 1, tzinfo=UTC), window_end=date(2738, 11, 29), lang="fr")
    assert (date(2738, 11, 29) - date(1, 1, 1)).days == 1_000_000
    assert "1\u202f000\u202f000 de jours" in tl.describe()
    assert "1,000,000 days" in tl.describe("en")


# --- from a purchase: the picture draws what the decision says ------------------------------------


def test_from_purchase_reads_the_window_and_the_link_from_the_rules() -> None:
    when = datetime(2020, 3, 1, 9, 30, tzinfo=UTC)
    link = issue_link(when + timedelta(days=2))
    p = purchase("software_subscription", when)
    tl = Timeline.from_purchase(p, link=link, at=when + timedelta(days=3))
    window = S2020.cancellation.window_days[ProductKind.SOFTWARE_SUBSCRIPTION]
    decision = evaluate(p, at=when + timedelta(days=3))
    assert tl.cancellation is CancellationRoute.WINDOW
    assert tl.window_end == decision.deadline == when + timedelta(days=window)
    assert tl.cancellation_reason == decision.reasons[0] == "cancellation.self_service"
    assert tl.cancellation_rules == decision.rule_numbers
    assert tl.link_issued_at == when + timedelta(days=2)
    assert tl.link_expires_at == when + timedelta(days=2 + S2020.links.lifetime_days)
    assert tl.link_download_cap == S2020.links.download_cap
    assert tl.link_rule_stated
    assert tl.title == "O-1 · Office 365 E3"
    assert tl.at == when + timedelta(days=3)
    root = parse(tl.to_svg())
    assert "Cancellation window" in texts(root) and WINDOW_GREEN in fills(root)
    assert SUPPORT_YELLOW not in fills(root)


def test_a_closed_window_is_still_drawn_as_the_window_it_was() -> None:
    p = purchase("software_subscription", T0)
    late = T0 + timedelta(days=75)
    assert evaluate(p, at=late).outcome is Outcome.WINDOW_CLOSED
    tl = Timeline.from_purchase(p, at=late, cancelled_at=late)
    assert tl.cancellation is CancellationRoute.WINDOW and tl.window_end == T0 + timedelta(days=60)
    assert tl.cancellation_reason == "cancellation.window_closed"
    assert "after the cancellation window" in tl.describe()


def test_windows_7_esu_under_s2020_is_a_support_request_band_not_a_window() -> None:
    """R7.3: the decision reports a deadline for information; the picture draws no self-service window."""
    when = datetime(2020, 1, 25, 10, tzinfo=UTC)
    esu = purchase("software_subscription", when, "Windows 7 Extended Security Updates 2020")
    decision = evaluate(esu, at=when + timedelta(days=20))
    assert decision.outcome is Outcome.SUPPORT_REQUEST and decision.deadline is not None
    tl = Timeline.from_purchase(esu, at=when + timedelta(days=20))
    assert tl.cancellation is CancellationRoute.SUPPORT_REQUEST
    assert tl.window_end is None
    assert tl.cancellation_reason == "cancellation.support_request_esu"
    assert tl.cancellation_rules == ("R7.3", "R9")
    root = parse(tl.to_svg())
    labels = texts(root)
    assert "Cancellation window" not in labels and "How to cancel" in labels
    assert "support request only · Windows 7 ESU (R7.3, R9)" in labels
    assert WINDOW_GREEN not in fills(root) and SUPPORT_YELLOW in fills(root)
    assert "60 days" not in " ".join(labels) and "60 days" not in tl.describe()
    assert "How to cancel: support request only, Windows 7 ESU (R7.3, R9)." in tl.describe()
    fr = Timeline.from_purchase(esu, lang="fr")
    assert "demande de support uniquement · Windows 7 ESU (R7.3, R9)" in texts(parse(fr.to_svg(width=1600)))


def test_on_premises_software_under_s2018_is_a_support_request_band() -> None:
    """R10.3; and S2018 states no credit rule, which the credit row says (R8.4)."""
    when = datetime(2019, 5, 1, tzinfo=UTC)
    assert ProductKind.PERPETUAL_SOFTWARE not in S2018.cancellation.window_days
    p = purchase("perpetual_software", when, "Project Standard 2016")
    cancelled = when + timedelta(days=31)
    credit = refund_credit(p, cancelled_at=cancelled)
    assert credit.outcome.value == "no_rule_stated"
    tl = Timeline.from_purchase(p, cancelled_at=cancelled, credit=credit, at=cancelled)
    assert tl.cancellation is CancellationRoute.SUPPORT_REQUEST and tl.window_end is None
    assert tl.cancellation_reason == "cancellation.support_request_on_premises"
    assert not tl.credit_rule_stated and tl.credit is None and tl.credit_invoice_date is None
    labels = texts(parse(tl.to_svg()))
    assert "Cancellation window" not in labels
    assert "support request only · on-premises software (R10.3, R9)" in labels
    assert "no rule stated (R8.4)" in labels
    assert "Credit: no rule stated (R8.4)." in tl.describe()


def test_a_name_close_to_an_exclusion_is_a_support_request_never_a_window() -> None:
    p = purchase(  # under S2020, which lists the Windows 7 ESU exclusion
        "software_subscription", datetime(2020, 1, 25, tzinfo=UTC), "Windows 7 Extended Security Update"
    )
    assert evaluate(p, at=p.purchased_at).reasons[0] == "cancellation.exclusion_suspected"
    tl = Timeline.from_purchase(p)
    assert tl.cancellation is CancellationRoute.SUPPORT_REQUEST and tl.window_end is None
    root = parse(tl.to_svg(width=1200))
    assert "support request only · name close to an exclusion (R7.3, R9)" in texts(root)
    assert WINDOW_GREEN not in fills(root)


def test_suse_and_red_hat_plans_are_marked_not_cancellable() -> None:
    p = purchase(
        "azure_software_plan", datetime(2020, 4, 1, tzinfo=UTC), "Red Hat Enterprise Linux software plan"
    )
    assert evaluate(p, at=p.purchased_at).outcome is Outcome.NOT_CANCELLABLE
    tl = Timeline.from_purchase(p, lang="fr")
    assert tl.cancellation is CancellationRoute.NOT_CANCELLABLE and tl.window_end is None
    root = parse(tl.to_svg())
    assert "ni annulable ni échangeable (R7.3)" in texts(root)
    assert root.find(f"{SVG}circle") is not None  # the "no entry" sign
    assert WINDOW_GREEN not in fills(root) and SUPPORT_YELLOW not in fills(root)
    assert "cannot be cancelled or exchanged (R7.3)" in texts(parse(attrs.evolve(tl, lang="en").to_svg()))


def test_azure_reservations_are_not_covered() -> None:
    p = purchase("azure_reservation", datetime(2020, 4, 1, tzinfo=UTC), "Reserved VM Instance")
    tl = Timeline.from_purchase(p)
    assert tl.cancellation is CancellationRoute.NOT_COVERED and tl.cancellation_rules == ("R7.4",)
    labels = texts(parse(tl.to_svg()))
    assert "not covered by these rules (R7.4)" in labels and "Cancellation window" not in labels
    assert "How to cancel: not covered by these rules (R7.4)." in tl.describe()


def test_every_outcome_without_roles_is_drawn() -> None:
    """The outcomes evaluate gives without roles, each with its own picture (NOT_PERMITTED needs roles)."""
    cases = {
        Outcome.SELF_SERVICE: ("software_subscription", "Office 365 E3", 1),
        Outcome.WINDOW_CLOSED: ("software_subscription", "Office 365 E3", 90),
        Outcome.SUPPORT_REQUEST: ("software_subscription", "Windows 7 Extended Security Updates 2020", 1),
        Outcome.NOT_CANCELLABLE: ("azure_software_plan", "SUSE Linux Enterprise Server", 1),
        Outcome.NOT_COVERED: ("azure_reservation", "Reserved VM Instance", 1),
    }
    assert set(cases) == set(Outcome) - {Outcome.NOT_PERMITTED}
    drawings = set()
    for outcome, (kind, name, days) in cases.items():
        p = purchase(kind, datetime(2020, 1, 25, tzinfo=UTC), name)
        at = p.purchased_at + timedelta(days=days)
        assert evaluate(p, at=at).outcome is outcome
        drawings.add(Timeline.from_purchase(p, at=at).cancellation)
    assert drawings == set(CancellationRoute) - {CancellationRoute.NO_RULE_STATED}


def test_from_purchase_with_a_seven_day_rule_set() -> None:
    import csp_rules

    seven = csp_rules.ruleset_from_dict(
        {
            "extends": "S2020",
            "version": "ACME-7D",
            "in_force_from": "2024-01-01",
            "cancellation": {"window_days": {"software_subscription": 7}},
        }
    )
    when = datetime(2024, 2, 1, tzinfo=UTC)
    tl = Timeline.from_purchase(purchase("software_subscription", when), rules=seven, lang="fr")
    assert tl.window_end == when + timedelta(days=7)
    assert "7 jours · fin le 2024-02-08 00:00 UTC" in texts(parse(tl.to_svg()))


def test_from_purchase_with_an_early_termination_fee() -> None:
    import csp_rules

    fee = csp_rules.ruleset_from_dict(
        {
            "extends": "S2020",
            "version": "ACME-FEE",
            "in_force_from": "2024-01-01",
            "cancellation": {"early_termination_fee": True},
        }
    )
    tl = Timeline.from_purchase(
        purchase("software_subscription", datetime(2024, 2, 1, tzinfo=UTC)), rules=fee
    )
    assert tl.cancellation_reason == "cancellation.self_service_fee"
    assert "60 days · early termination fee · ends 2024-04-01 00:00 UTC" in texts(
        parse(tl.to_svg(width=1600))
    )
    assert "An early termination fee applies." in tl.describe()


def test_from_purchase_with_a_credit_value() -> None:
    class Credit:  # the shape of csp_rules.billing.Credit: amount and invoice_date
        amount = Money("40.00", "EUR")
        invoice_date = date(2020, 4, 1)

    tl = Timeline.from_purchase(
        purchase("perpetual_software", T0), cancelled_at=T0 + timedelta(days=5), credit=Credit()
    )
    assert (tl.credit, tl.credit_invoice_date) == (Credit.amount, Credit.invoice_date)
    money_only = Timeline.from_purchase(
        purchase("perpetual_software", T0), credit=Money("1", "EUR"), invoice_date=date(2020, 4, 1)
    )
    assert money_only.credit == Money("1", "EUR")
    with pytest.raises(TypeError):
        Timeline.from_purchase(purchase("perpetual_software", T0), credit=1)
    with pytest.raises(TypeError):
        Timeline.from_purchase("O-1")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Timeline.from_purchase(purchase("perpetual_software", T0), link="L")
    with pytest.raises(InvalidDateError):
        Timeline.from_purchase(purchase("perpetual_software", T0), at=T0 - timedelta(days=1))


def test_timeline_svg_is_the_same_drawing() -> None:
    assert (
        timeline_svg(T0, window_end=T0 + timedelta(days=60), title="x")
        == Timeline(purchased_at=T0, window_end=T0 + timedelta(days=60), title="x").to_svg()
    )


# --- a link under a version that states no link rule (R11.1) ------------------------------------


def test_a_link_with_no_rule_stated_is_drawn_so() -> None:
    issued = datetime(2021, 3, 3, 8, tzinfo=UTC)
    tl = Timeline(
        purchased_at=datetime(2021, 3, 1, 8, tzinfo=UTC), link_issued_at=issued, link_rule_stated=False
    )
    assert tl.link_expires_at is None and tl.link_download_cap is None
    root = parse(tl.to_svg(width=1200))
    labels = texts(root)
    assert "Download link" in labels
    assert "issued 2021-03-03 08:00 UTC · no rule stated (R11.1)" in labels
    assert LINK_BLUE not in fills(root)  # no lifetime bar: never an invented lifetime
    assert not [label for label in labels if "expires" in label or "downloads" in label]
    assert (
        "Download link issued on 2021-03-03 08:00 UTC: no rule stated for its lifetime or downloads (R11.1)."
        in (tl.describe())
    )
    fr = attrs.evolve(tl, lang="fr")
    assert "émis le 2021-03-03 08:00 UTC · aucune règle énoncée (R11.1)" in texts(
        parse(fr.to_svg(width=1200))
    )


def test_from_purchase_draws_a_link_status_no_rule_stated(monkeypatch: pytest.MonkeyPatch) -> None:
    """The shape issue 12 gives links.link_status for a version without a link rule (R11.1)."""
    import csp_rules.links as links

    class Status(enum.Enum):
        NO_RULE_STATED = "no_rule_stated"

    def no_rule(link: Any, *, at: datetime, downloads: int, rules: Any = None) -> links.LinkDecision:
        facts = {"issued_at": link.issued_at, "expires_at": None, "download_cap": None}
        return links.LinkDecision(
            outcome=Status.NO_RULE_STATED, allowed=False, reasons=("links.no_rule_stated",),
            rule_numbers=("R11.1",), ruleset_version="S2021-01-30", facts=facts,
        )  # fmt: skip

    monkeypatch.setattr(links, "link_status", no_rule)
    link = issue_link(datetime(2021, 3, 3, 8, tzinfo=UTC))
    tl = Timeline.from_purchase(purchase("perpetual_software", datetime(2021, 3, 1, tzinfo=UTC)), link=link)
    assert (tl.link_issued_at, tl.link_expires_at, tl.link_download_cap) == (link.issued_at, None, None)
    assert not tl.link_rule_stated
    assert "issued 2021-03-03 08:00 UTC · no rule stated (R11.1)" in texts(parse(tl.to_svg(width=1200)))


# --- bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "error", "field"),
    [
        ({"purchased_at": datetime(2020, 3, 1)}, NaiveDatetimeError, "purchased_at"),
        ({"purchased_at": None}, MissingFieldError, "purchased_at"),
        ({"cancelled_at": T0 - timedelta(seconds=1)}, InvalidDateError, "cancelled_at"),
        ({"window_end": T0}, InvalidDateError, "window_end"),
        ({"link_expires_at": T0 + timedelta(days=1)}, InvalidDateError, "link_expires_at"),
        ({"link_expires_at": None}, MissingFieldError, "link_expires_at"),
        ({"credit_invoice_date": date(2020, 2, 29)}, InvalidDateError, "credit_invoice_date"),
        ({"at": T0 - timedelta(days=1)}, InvalidDateError, "at"),
        ({"lang": "de"}, UnsupportedLocaleError, "lang"),
        ({"title": "a\x00b"}, InvalidFieldError, "title"),
        # only a self-service window has an end
        ({"cancellation": "support_request"}, InvalidFieldError, "window_end"),
        ({"window_end": None, "cancellation": "window"}, MissingFieldError, "window_end"),
        ({"cancellation": "exchange"}, InvalidFieldError, "cancellation"),
        (
            {"cancellation_reason": "cancellation.support_request_esu"},
            InvalidFieldError,
            "cancellation_reason",
        ),
        ({"cancellation_reason": "cancellation.prerequisites_met"}, InvalidFieldError, "cancellation_reason"),
        ({"cancellation_rules": ("7.3",)}, InvalidFieldError, "cancellation_rules"),
        ({"window_end": None, "cancellation_rules": ("R7.1",)}, InvalidFieldError, "cancellation_rules"),
        # a link with no rule stated: its issue instant, no expiry, no cap
        ({"link_rule_stated": False}, InvalidFieldError, "link_expires_at"),
        ({"link_rule_stated": False, "link_expires_at": None}, InvalidFieldError, "link_download_cap"),
        (
            {
                "link_rule_stated": False,
                "link_issued_at": None,
                "link_expires_at": None,
                "link_download_cap": None,
            },
            MissingFieldError,
            "link_issued_at",
        ),
        ({"link_issued_at": None, "link_expires_at": None}, InvalidFieldError, "link_download_cap"),
        ({"credit_rule_stated": False}, InvalidFieldError, "credit"),
        ({"credit_rule_stated": False, "credit": None}, InvalidFieldError, "credit_invoice_date"),
    ],
)
def test_bad_facts_raise_clear_errors(changes: dict[str, object], error: type[Exception], field: str) -> None:
    with pytest.raises(error) as info:
        full(**changes)
    assert getattr(info.value, "field", None) == field


@pytest.mark.parametrize(
    "changes",
    [
        {"credit_invoice_date": T0},
        {"credit": "86.25"},
        {"link_download_cap": 1.5},
        {"lang": 1},
        {"window_end": "2020-04-30"},
        {"cancellation": 1},
        {"cancellation_reason": 1},
        {"cancellation_rules": "R7.1"},
        {"cancellation_rules": (7.1,)},
        {"link_rule_stated": 0},
        {"credit_rule_stated": "no"},
    ],
)
def test_wrong_types_raise_type_error(changes: dict[str, object]) -> None:
    with pytest.raises(TypeError):
        full(**changes)


@pytest.mark.parametrize("width", [399, 4001, True, 720.0])
def test_bad_width(width: object) -> None:
    with pytest.raises((TypeError, InvalidDateError)):
        full().to_svg(width=width)  # type: ignore[arg-type]


def test_a_route_can_be_given_by_name_and_defaults_from_the_window() -> None:
    assert full().cancellation is CancellationRoute.WINDOW
    assert full(window_end=None).cancellation is None
    tl = full(window_end=None, cancellation="not_covered", cancellation_reason="cancellation.not_covered")
    assert tl.cancellation is CancellationRoute.NOT_COVERED
    none_stated = full(window_end=None, cancellation=CancellationRoute.NO_RULE_STATED)
    assert "no rule stated" in texts(parse(none_stated.to_svg()))
    assert "How to cancel: no rule stated." in none_stated.describe()


# --- labels: measured, never overlapping, inside the picture -------------------------------------


def test_the_issue_19_pictures_are_fixed() -> None:
    """At 720 px the "asked at" line ran through the window label and the link label left the picture."""
    root = parse(full().to_svg(width=720))
    assert not overlaps(root)
    assert not outside(root)
    assert not crossing_the_at_line(root)
    p = purchase("software_subscription", T0)
    cancelled = T0 + timedelta(days=19)
    tl = Timeline.from_purchase(
        p, link=issue_link(T0 + timedelta(days=1)), cancelled_at=cancelled, credit=Money("44", "EUR"),
        invoice_date=date(2020, 4, 5), at=cancelled,
    )  # fmt: skip
    for width in (480, 720, 1600):
        root = parse(tl.to_svg(width=width))
        assert not overlaps(root), width
        assert not outside(root), width


def test_box_measurement_sees_an_overlap() -> None:
    """The checker itself: two labels drawn on one spot overlap, a label past the edge is outside."""
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="100" height="40">'
        '<text x="10" y="20" font-size="13">Purchase</text><text x="40" y="22" font-size="13">Credit</text>'
        '<text x="90" y="35" font-size="13">Cancellation</text></svg>'
    )
    root = parse(svg)
    assert ("Purchase", "Credit") in overlaps(root)
    assert outside(root) == ["Cancellation"]


instants = st.datetimes(
    min_value=datetime(1900, 1, 1), max_value=datetime(9000, 1, 1), timezones=st.just(UTC)
)
offsets = st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=5000))
short_offsets = st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=120))
titles = (
    st.none()
    | st.sampled_from(
        [
            "O-1 · Office 365 E3",
            "O-2 · Windows 7 Extended Security Updates 2020",
            "Windows Server 2019 Datacenter " * 8,
        ]
    )
    | st.text(st.characters(codec="utf-8", categories=["L", "N", "P", "S"]), min_size=1, max_size=120)
)
routes = st.sampled_from(
    [
        (None, None, ()),
        ("window", "cancellation.self_service", ("R7.1", "R7.2")),
        ("window", "cancellation.self_service_fee", ("R7.1", "R7.2")),
        ("support_request", "cancellation.support_request_esu", ("R7.3", "R9")),
        ("support_request", "cancellation.support_request_on_premises", ("R10.3", "R9")),
        ("support_request", "cancellation.exclusion_suspected", ("R7.3", "R9")),
        ("support_request", None, ()),
        ("not_cancellable", "cancellation.not_cancellable", ("R7.3",)),
        ("not_covered", "cancellation.not_covered", ("R7.4",)),
        ("no_rule_stated", None, ()),
    ]
)
amounts = st.decimals(min_value=0, max_value=10**12, places=2, allow_nan=False, allow_infinity=False)


@st.composite
def timelines(draw: st.DrawFn) -> Timeline:
    start = draw(instants)
    near = draw(st.booleans())  # most real timelines span days, not centuries
    span = short_offsets if near else offsets
    route, reason, rules = draw(routes)
    window = draw(st.integers(1, 120 if near else 4000)) if route == "window" else None
    link = draw(st.sampled_from(["none", "stated", "no_rule"]))
    link_start = draw(span)
    link_life = draw(st.timedeltas(timedelta(minutes=1), timedelta(days=60)))
    credit = draw(st.sampled_from(["none", "date", "amount", "no_rule"]))
    cancel = draw(st.none() | span)
    at = draw(st.none() | span)
    try:
        invoice = (start + draw(span)).date()
        return Timeline(
            purchased_at=start,
            window_end=None if window is None else start + timedelta(days=window),
            cancellation=route,
            cancellation_reason=reason,
            cancellation_rules=rules,
            link_issued_at=None if link == "none" else start + link_start,
            link_expires_at=start + link_start + link_life if link == "stated" else None,
            link_download_cap=draw(st.none() | st.integers(1, 10**6)) if link == "stated" else None,
            link_rule_stated=link != "no_rule",
            cancelled_at=None if cancel is None else start + cancel,
            credit_invoice_date=invoice if credit in ("date", "amount") else None,
            credit=Money(draw(amounts), draw(st.sampled_from(["EUR", "JPY", "AUD"])))
            if credit == "amount"
            else None,
            credit_rule_stated=credit != "no_rule",
            at=None if at is None else start + at,
            title=draw(titles),
            lang=draw(st.sampled_from(["en", "fr"])),
        )
    except (OverflowError, InvalidDateError, InvalidFieldError):
        return Timeline(purchased_at=start)


@given(tl=timelines(), width=st.integers(480, 1600))
def test_no_two_labels_overlap_and_every_label_is_inside_at_any_width(tl: Timeline, width: int) -> None:
    root = parse(tl.to_svg(width=width))
    assert not overlaps(root)
    assert not outside(root)


@pytest.mark.parametrize("width", [400, 480, 720, 1600, 4000])
def test_the_full_timeline_at_the_extreme_widths(width: int) -> None:
    for lang in ("en", "fr"):
        root = parse(full(lang=lang, credit=Money("123456789.00", "EUR")).to_svg(width=width))
        assert not overlaps(root) and not outside(root), (lang, width)


def _coordinates(root: ET.Element) -> list[tuple[float, float]]:
    points: list[tuple[float, float]] = []
    for el in root.iter():
        if el.tag in (f"{SVG}rect", f"{SVG}line"):
            xs = [float(el.get(k, "0")) for k in ("x", "x1", "x2") if el.get(k) is not None]
            ys = [float(el.get(k, "0")) for k in ("y", "y1", "y2") if el.get(k) is not None]
            points.extend((x, y) for x in xs for y in ys)
        elif el.tag == f"{SVG}path":
            numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", el.get("d", ""))]
            points.extend(zip(numbers[::2], numbers[1::2], strict=True))
        elif el.tag == f"{SVG}circle":
            points.append((float(el.get("cx", "0")), float(el.get("cy", "0"))))
    return points


@given(tl=timelines())
def test_any_timeline_draws_inside_its_box_and_in_time_order(tl: Timeline) -> None:
    svg = tl.to_svg()
    assert svg == tl.to_svg()
    root = parse(svg)
    width, height = float(root.get("width", "0")), float(root.get("height", "0"))
    for x, y in _coordinates(root):
        assert -8 <= x <= width + 8 and 0 <= y <= height

    def diamond_x(fill: str) -> float | None:
        for el in root.iter(f"{SVG}path"):
            if el.get("fill") == fill:
                return float(re.findall(r"-?\d+(?:\.\d+)?", el.get("d", ""))[0])
        return None

    bought, cancelled = diamond_x("#0969da"), diamond_x("#cf222e")
    # the purchase comes first: the cancellation, never before it, is never drawn to its left
    assert bought is not None
    assert cancelled is None or bought <= cancelled


@given(lo=instants, span=st.timedeltas(min_value=timedelta(days=1), max_value=timedelta(days=2_000_000)))
def test_axis_ticks_are_few_ordered_and_inside(lo: datetime, span: timedelta) -> None:
    try:
        hi = lo + span
    except OverflowError:
        return
    ticks = _ticks(lo, hi, 6)
    instants_ = [t for t, _ in ticks]
    assert len(ticks) <= 7
    assert instants_ == sorted(instants_)
    assert all(lo <= t <= hi for t in instants_)
    assert all(label for _, label in ticks)
    if span >= timedelta(days=2):
        assert ticks, "an axis of two days or more has at least one labelled tick"


def test_far_future_and_far_past_do_not_overflow() -> None:
    end = datetime(9999, 12, 31, 12, tzinfo=UTC)
    svg = Timeline(purchased_at=end, cancelled_at=end + timedelta(hours=11)).to_svg()
    parse(svg)
    svg = Timeline(purchased_at=datetime(1, 1, 1, tzinfo=UTC), at=datetime(1, 1, 2, tzinfo=UTC)).to_svg()
    parse(svg)


# --- the width table: built by tools/build_font_widths.py, read lazily once ----------------------


def _builder() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "build_font_widths", ROOT / "tools" / "build_font_widths.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_width_table_names_its_font_version_and_date() -> None:
    assert HEADER["font"].startswith("DejaVu Sans 2.")
    assert re.fullmatch(r"\d+\.\d+", HEADER["font version"])
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2} .*", HEADER["font date"])
    raw = (resources.files("csp_rules") / "data" / "font_widths.tsv").read_text("utf-8")
    assert "# from the Debian package fonts-dejavu-core; built by tools/build_font_widths.py" in raw
    # every character of every label the picture writes is in the table
    for lang in ("en", "fr"):
        for text in texts(parse(full(lang=lang).to_svg())):
            assert all(ord(c) in REGULAR for c in text), text


def test_the_shipped_width_table_is_what_the_script_builds() -> None:
    builder = _builder()
    for path in (builder.REGULAR, builder.BOLD):
        assert path.is_file(), f"{path} is missing: apt-get install {builder.DEBIAN_PACKAGE} (.ci/run does)"
    shipped = (resources.files("csp_rules") / "data" / "font_widths.tsv").read_text("utf-8")
    assert builder.build() == shipped


def test_the_table_loads_lazily_once_and_to_svg_needs_no_drawing_library() -> None:
    code = (
        "import sys, threading\n"
        "from datetime import date\n"
        "from csp_rules import _svg_text, timeline\n"
        "assert not _svg_text._METRICS.loaded\n"
        "calls = []\n"
        "loader = _svg_text._METRICS._loader\n"
        "_svg_text._METRICS._loader = lambda: calls.append(1) or loader()\n"
        "t = timeline.Timeline(purchased_at=date(2020, 3, 1), window_end=date(2020, 4, 30))\n"
        "barrier = threading.Barrier(16)\n"
        "out = []\n"
        "def draw():\n"
        "    barrier.wait()\n"
        "    out.append(t.to_svg())\n"
        "threads = [threading.Thread(target=draw) for _ in range(16)]\n"
        "[th.start() for th in threads]\n"
        "[th.join() for th in threads]\n"
        "assert len(out) == 16 and len(set(out)) == 1, len(set(out))\n"
        "assert calls == [1], calls\n"
        "assert not {'fontTools', 'cairosvg', 'cairocffi'} & set(sys.modules), sorted(sys.modules)\n"
        "print('ok')\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=120
    )
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr[-2000:]


# --- looked at: rendered to PNG with cairosvg ----------------------------------------------------


def _png(svg: str) -> tuple[int, int, bytes, int]:
    import cairocffi
    import cairosvg

    png = cairosvg.svg2png(bytestring=svg.encode("utf-8"))
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    surface = cairocffi.ImageSurface.create_from_png(io.BytesIO(png))
    return surface.get_width(), surface.get_height(), bytes(surface.get_data()), surface.get_stride()


def _ink_columns(width: int, height: int, data: bytes, stride: int) -> list[int]:
    """The x of every column with a dark pixel (cairo's ARGB32: blue, green, red, alpha per pixel)."""
    return [x for x in range(width) if any(data[y * stride + 4 * x + 1] < 128 for y in range(height))]


RENDERED = {
    "subscription": lambda: Timeline.from_purchase(
        purchase("software_subscription", T0),
        link=issue_link(T0 + timedelta(days=1)),
        cancelled_at=T0 + timedelta(days=19),
        credit=Money("44", "EUR"),
        invoice_date=date(2020, 4, 5),
        at=T0 + timedelta(days=19),
    ),
    "esu": lambda: Timeline.from_purchase(
        purchase(
            "software_subscription",
            datetime(2020, 1, 25, tzinfo=UTC),
            "Windows 7 Extended Security Updates 2020",
        ),
        at=datetime(2020, 2, 14, tzinfo=UTC),
    ),
    "link_no_rule": lambda: Timeline(
        purchased_at=datetime(2021, 3, 1, 8, tzinfo=UTC),
        link_issued_at=datetime(2021, 3, 3, 8, tzinfo=UTC),
        link_rule_stated=False,
        at=datetime(2021, 3, 11, tzinfo=UTC),
        lang="fr",
    ),
}


@pytest.mark.parametrize("name", sorted(RENDERED))
@pytest.mark.parametrize("width", [480, 720, 1600])
def test_rendered_png_is_the_right_size_and_not_empty(name: str, width: int) -> None:
    svg = RENDERED[name]().to_svg(width=width)
    root = parse(svg)
    w, h, data, stride = _png(svg)
    assert (w, h) == (width, int(root.get("height", "0")))
    columns = _ink_columns(w, h, data, stride)
    assert len(columns) > w // 4, "the picture is (nearly) blank"
    assert max(columns) < w and min(columns) >= 0
    # the colours of the rows are there: not a white page with black text only
    pixels = {data[i : i + 3] for i in range(0, len(data), 4 * 7)}
    assert len(pixels) > 20


def test_cairo_draws_text_as_wide_as_the_table_measures() -> None:
    """The renderer uses the font the SVG names: its ink ends where the table says the text ends."""
    for text, bold in (
        ("Cancellation window 60 days · ends 2020-04-30 09:30 UTC", False),
        ("O-1001 · Office", True),
    ):
        weight = ' font-weight="bold"' if bold else ""
        svg = (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="600" height="30" font-family="{FONT_FAMILY}">'
            f'<rect width="600" height="30" fill="#ffffff"/><text x="10" y="20" font-size="13"{weight}>{text}</text></svg>'
        )
        columns = _ink_columns(*_png(svg))
        measured = width_of(text, 13, bold)
        assert 0 <= min(columns) - 10 <= 2
        assert measured - 6 <= max(columns) - 10 <= measured + 1, (text, measured, max(columns) - 10)


def test_many_threads_draw_the_same_pictures() -> None:
    tl = full()
    expected = tl.to_svg(width=900)
    results: list[str] = []
    barrier = threading.Barrier(8)

    def draw() -> None:
        barrier.wait()
        results.append(tl.to_svg(width=900))

    threads = [threading.Thread(target=draw) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [expected] * 8


def test_money_amounts_keep_their_digits() -> None:
    tl = full(credit=Money(Decimal("1234.50"), "EUR"), lang="fr")
    assert any("1\u202f234,50\u00a0€" in label for label in texts(parse(tl.to_svg(width=1600))))
