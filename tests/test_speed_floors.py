"""The benchmarks' floors (issue 18) answer what the library answers: a ratio to a floor means something
only if the floor computes the same thing. ``bench/_floors.py`` holds them; speed is measured only by
the scripts in ``bench/``, never here."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from csp_rules import testing
from csp_rules.billing import refund_credit
from csp_rules.cancellation import Outcome, evaluate
from csp_rules.facts import Money, ProductKind, Purchase
from csp_rules.links import DownloadLink, link_status
from csp_rules.tax import split_price

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

import _floors

UTC = timezone.utc


def _outcome(call: Callable[[], Any]) -> tuple[str, Any]:
    try:
        return "answer", call()
    except (ValueError, OverflowError, ArithmeticError) as exc:  # the library's errors are ValueErrors
        return "error", type(exc).__name__


def _agree(library: Callable[[], Any], floor: Callable[[], Any]) -> None:
    kind, got = _outcome(library)
    floor_kind, want = _outcome(floor)
    assert (kind, floor_kind) in (("answer", "answer"), ("error", "error")), (got, want)
    if kind == "answer":
        assert _floors.answer_of(got) == want


@st.composite
def _asked(draw: st.DrawFn, *, priced: bool | None = None) -> tuple[Purchase, datetime]:
    """A purchase (renewed sometimes: ``term_started_at``, R11.2) and an instant after it (sometimes before)."""
    purchase = draw(testing.purchases(priced=priced, purchased_until=date(2026, 12, 31)))
    if purchase.kind is ProductKind.SOFTWARE_SUBSCRIPTION and draw(st.booleans()):
        began = purchase.purchased_at + timedelta(days=draw(st.integers(0, 900)))
        if purchase.term_start is None or purchase.term_start <= began.date() < purchase.term_end:  # type: ignore[operator]
            purchase = attrs.evolve(purchase, term_started_at=began)
    start = purchase.term_started_at or purchase.purchased_at
    offset = draw(st.one_of(st.integers(-3600, 0), st.integers(0, 800 * 86400)))
    at = start + timedelta(seconds=offset)
    return purchase, at.astimezone(draw(st.sampled_from([UTC, timezone(timedelta(hours=-7))])))


#: the dates and products where the rules change their mind: uncertainty spans, near misses, renewals
NAMED = [
    ("Office 365 E3", "software_subscription", date(2022, 1, 15), None, 5),
    ("Office 365 E3", "software_subscription", date(2021, 10, 6), None, 40),
    ("Office 365 E3", "software_subscription", date(2023, 6, 30), None, 3),
    ("Office 365 E3", "software_subscription", date(2021, 3, 1), date(2024, 3, 1), 2),
    ("Windows 7 Extended Security Updates 2020", "software_subscription", date(2020, 1, 25), None, 1),
    ("Windows 7 ESU (year 2)", "software_subscription", date(2020, 1, 25), None, 1),
    ("SUSE Linux Enterprise Server Priority", "azure_software_plan", date(2020, 2, 1), None, 1),
    ("Reserved VM Instance", "azure_reservation", date(2020, 2, 1), None, 1),
    ("SQL Server 2019 Standard", "perpetual_software", date(2019, 5, 1), None, 10),
    ("SQL Server 2019 Standard", "perpetual_software", date(2021, 6, 1), None, 31),
]


def _named(name: str, kind: str, bought: date, began: date | None) -> Purchase:
    return Purchase(
        order_id="O-1", product_name=name, kind=kind, purchased_at=bought, price=Money("120.00", "EUR"),
        term_start=(began or bought) if kind == "software_subscription" else None,
        term_end=(began or bought) + timedelta(days=365) if kind == "software_subscription" else None,
        term_started_at=began,
    )  # fmt: skip


@pytest.mark.parametrize(("name", "kind", "bought", "began", "days"), NAMED)
def test_floors_agree_where_the_rules_change_their_mind(
    name: str, kind: str, bought: date, began: date | None, days: int
) -> None:
    purchase = _named(name, kind, bought, began)
    at = datetime.combine(began or bought, datetime.min.time(), tzinfo=UTC) + timedelta(days=days, hours=3)
    _agree(lambda: evaluate(purchase, at=at), lambda: _floors.evaluate(purchase, at))
    _agree(lambda: refund_credit(purchase, cancelled_at=at), lambda: _floors.refund_credit(purchase, at))


def test_the_span_cases_do_judge_the_other_version() -> None:
    """The named cases reach the floors' rare path: a date in a span whose other version answers otherwise."""
    purchase = _named("Office 365 E3", "software_subscription", date(2022, 1, 15), None)
    decision = evaluate(purchase, at=datetime(2022, 1, 20, tzinfo=UTC))
    assert "rules.change_date_uncertain" in decision.reasons
    assert _floors.evaluate(purchase, datetime(2022, 1, 20, tzinfo=UTC))[5] is True


@given(_asked())
def test_the_evaluate_floor_agrees(case: tuple[Purchase, datetime]) -> None:
    purchase, at = case
    _agree(lambda: evaluate(purchase, at=at), lambda: _floors.evaluate(purchase, at))


@given(_asked(priced=True))
def test_the_refund_credit_floor_agrees(case: tuple[Purchase, datetime]) -> None:
    purchase, at = case
    _agree(lambda: refund_credit(purchase, cancelled_at=at), lambda: _floors.refund_credit(purchase, at))


def test_the_refund_credit_floor_agrees_on_seats() -> None:
    seats = Purchase(
        order_id="O-3", product_name="Microsoft 365 E5", kind="software_subscription",
        purchased_at=datetime(2024, 3, 1, 9, tzinfo=UTC), price=Money("1008.00", "EUR"), quantity=10,
        term_start=date(2024, 3, 1), term_end=date(2024, 4, 1),
    )  # fmt: skip
    at = datetime(2024, 3, 3, tzinfo=UTC)
    _agree(lambda: refund_credit(seats, cancelled_at=at), lambda: _floors.refund_credit(seats, at))


@given(
    testing.aware_datetimes(max_value=date(2026, 12, 31)),
    st.integers(-3600, 40 * 86400),
    st.integers(0, 120),
    st.one_of(st.none(), st.integers(-86400, 40 * 86400)),
)
def test_the_link_status_floor_agrees(
    issued: datetime, after: int, downloads: int, revoked: int | None
) -> None:
    link = DownloadLink(issued_at=issued)
    at = issued + timedelta(seconds=after)
    revoked_at = None if revoked is None else issued + timedelta(seconds=revoked)
    _agree(
        lambda: link_status(link, at=at, downloads=downloads, revoked_at=revoked_at),
        lambda: _floors.link_status(link, at, downloads, revoked_at),
    )


@given(
    testing.money(max_amount=10**6),
    testing.market_codes(),
    st.integers(0, 9999).map(lambda n: Decimal(n).scaleb(-4)),
)
def test_the_split_price_floor_agrees(price: Money, market: str, rate: Decimal) -> None:
    _agree(lambda: split_price(price, market, rate), lambda: _floors.split_price(price, market, rate))


@given(_asked())
def test_the_sentence_by_hand_is_the_explanation(case: tuple[Purchase, datetime]) -> None:
    purchase, at = case
    try:
        decision = evaluate(purchase, at=at)
    except ValueError:
        return
    if decision.outcome is Outcome.SELF_SERVICE and decision.reasons == ("cancellation.self_service",):
        assert decision.days_left is not None and decision.deadline is not None
        by_hand = _floors.explain_self_service(
            purchase.order_id, purchase.product_name, decision.days_left, decision.deadline
        )
        assert decision.explain("en") == by_hand
