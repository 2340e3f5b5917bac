"""The SVG timeline of one purchase (issue 8): well-formed, accessible, deterministic, escaped."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from csp_rules import S2018, S2020
from csp_rules.errors import (
    InvalidDateError,
    InvalidFieldError,
    MissingFieldError,
    NaiveDatetimeError,
    UnsupportedLocaleError,
)
from csp_rules.facts import Money, ProductKind, Purchase
from csp_rules.links import issue_link
from csp_rules.timeline import Timeline, _ticks, timeline_svg

UTC = timezone.utc
SVG = "{http://www.w3.org/2000/svg}"
T0 = datetime(2020, 3, 1, 9, 30, tzinfo=UTC)


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


def texts(root: ET.Element) -> list[str]:
    return [el.text or "" for el in root.iter(f"{SVG}text") if el.get("aria-hidden") != "true"]


# --- shape and accessibility -------------------------------------------------------------------


def test_full_timeline_is_well_formed_and_accessible() -> None:
    svg = full().to_svg()
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
    assert int(root.get("width", "0")) == 720
    labels = texts(root)
    for expected in ("Purchase", "Cancellation window", "Download link", "Cancellation", "Credit"):
        assert expected in labels
    assert "2020-03-01 09:30 UTC" in labels
    assert "60 days · ends 2020-04-30 09:30 UTC" in labels
    assert "14 days or 50 downloads · expires 2020-03-16 09:30 UTC" in labels
    assert "€86.25 on the invoice of 2020-04-01" in labels
    assert "asked at 2020-03-20 09:30 UTC" in labels


def test_only_the_purchase_is_required() -> None:
    root = parse(Timeline(purchased_at=date(2020, 3, 1)).to_svg())
    labels = texts(root)
    assert "Purchase" in labels and "2020-03-01 00:00 UTC" in labels
    assert "Cancellation window" not in labels and "Credit" not in labels
    assert len(root.findall(f"{SVG}path")) == 1  # one diamond


def test_french_labels() -> None:
    tl = full(lang="fr_CA")
    labels = texts(parse(tl.to_svg()))
    for expected in ("Achat", "Fenêtre d'annulation", "Lien de téléchargement", "Annulation", "Avoir"):
        assert expected in labels
    assert "60 jours · fin le 2020-04-30 09:30 UTC" in labels
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


def test_a_long_title_is_clipped_in_the_picture_not_in_the_title() -> None:
    long = "Windows Server 2019 Datacenter " * 10
    root = parse(full(title=long).to_svg())
    title = root.find(f"{SVG}title")
    assert title is not None and title.text == long.strip()
    heading = texts(root)[0]
    assert heading.endswith("…") and len(heading) < len(long)


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
    ],
)
def test_wrong_types_raise_type_error(changes: dict[str, object]) -> None:
    with pytest.raises(TypeError):
        full(**changes)


@pytest.mark.parametrize("width", [399, 4001, True, 720.0])
def test_bad_width(width: object) -> None:
    with pytest.raises((TypeError, InvalidDateError)):
        full().to_svg(width=width)  # type: ignore[arg-type]


# --- from a purchase: the rule set decides the window and the link's life -----------------------


def purchase(kind: str, when: datetime, name: str = "Office 365 E3") -> Purchase:
    return Purchase(
        order_id="O-1", product_name=name, kind=kind, purchased_at=when, price=Money("100", "EUR")
    )


def test_from_purchase_reads_the_window_and_the_link_from_the_rule_set() -> None:
    when = datetime(2020, 3, 1, 9, 30, tzinfo=UTC)
    link = issue_link(when + timedelta(days=2))
    tl = Timeline.from_purchase(
        purchase("software_subscription", when), link=link, at=when + timedelta(days=3)
    )
    window = S2020.cancellation.window_days[ProductKind.SOFTWARE_SUBSCRIPTION]
    assert tl.window_end == when + timedelta(days=window)
    assert tl.link_issued_at == when + timedelta(days=2)
    assert tl.link_expires_at == when + timedelta(days=2 + S2020.links.lifetime_days)
    assert tl.link_download_cap == S2020.links.download_cap
    assert tl.title == "O-1 · Office 365 E3"
    assert tl.at == when + timedelta(days=3)


def test_from_purchase_without_a_window() -> None:
    # S2018: perpetual software is cancelled only through a support request (R10.3): no window
    when = datetime(2019, 5, 1, tzinfo=UTC)
    assert ProductKind.PERPETUAL_SOFTWARE not in S2018.cancellation.window_days
    tl = Timeline.from_purchase(purchase("perpetual_software", when))
    assert tl.window_end is None
    assert "Cancellation window" not in texts(parse(tl.to_svg()))


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


def test_timeline_svg_is_the_same_drawing() -> None:
    assert (
        timeline_svg(T0, window_end=T0 + timedelta(days=60), title="x")
        == Timeline(purchased_at=T0, window_end=T0 + timedelta(days=60), title="x").to_svg()
    )


# --- properties ---------------------------------------------------------------------------------

instants = st.datetimes(
    min_value=datetime(1900, 1, 1), max_value=datetime(9000, 1, 1), timezones=st.just(UTC)
)
offsets = st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=5000))


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
    return points


@given(
    start=instants,
    window=st.none() | st.integers(1, 400),
    cancel=st.none() | offsets,
    link=st.none() | st.tuples(offsets, st.timedeltas(timedelta(minutes=1), timedelta(days=60))),
    at=st.none() | offsets,
    lang=st.sampled_from(["en", "fr"]),
)
def test_any_timeline_draws_inside_its_box_and_in_time_order(
    start: datetime,
    window: int | None,
    cancel: timedelta | None,
    link: tuple[timedelta, timedelta] | None,
    at: timedelta | None,
    lang: str,
) -> None:
    tl = Timeline(
        purchased_at=start,
        window_end=None if window is None else start + timedelta(days=window),
        cancelled_at=None if cancel is None else start + cancel,
        link_issued_at=None if link is None else start + link[0],
        link_expires_at=None if link is None else start + link[0] + link[1],
        at=None if at is None else start + at,
        lang=lang,
    )
    svg = tl.to_svg()
    assert svg == tl.to_svg()
    root = parse(svg)
    width, height = float(root.get("width", "0")), float(root.get("height", "0"))
    for x, y in _coordinates(root):
        assert -8 <= x <= width + 8 and 0 <= y <= height
    diamonds = [float(re.findall(r"-?\d+(?:\.\d+)?", el.get("d", ""))[0]) for el in root.iter(f"{SVG}path")]
    # purchase first, then the cancellation: a later instant is never drawn to the left
    assert diamonds == sorted(diamonds) or cancel is None or len(diamonds) == 1


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
