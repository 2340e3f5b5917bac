"""Laws of csp_rules.cancellation.evaluate (issue 4), checked with hypothesis and across machine time zones."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import unicodedata
from datetime import date, datetime, timedelta, timezone

import attrs
from hypothesis import assume, given
from hypothesis import strategies as st

from csp_rules.cancellation import Outcome, ProductKind, Purchase, evaluate
from csp_rules.rulesets import rules_in_force

UTC = timezone.utc
S2020 = rules_in_force(date(2020, 1, 21))
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
US_PER_DAY = 86_400 * 1_000_000

NAMES = [
    "Office 365 E3",
    "SQL Server 2019 Standard",
    "Windows 7 Extended Security Updates 2020",
    "Windows 7 ESU Year 2",
    "SUSE Linux Enterprise Server",
    "Red Hat Enterprise Linux software plan",
    "Windows 7 Professional",
]

offsets = st.integers(min_value=-12 * 60, max_value=14 * 60).map(lambda m: timezone(timedelta(minutes=m)))
instants = st.datetimes(
    min_value=datetime(2018, 9, 2), max_value=datetime(2035, 12, 31), timezones=offsets
)  # aware, any offset from -12:00 to +14:00


@st.composite
def purchases(draw: st.DrawFn) -> Purchase:
    when = draw(st.one_of(instants, st.dates(min_value=date(2018, 9, 2), max_value=date(2035, 12, 31))))
    return Purchase(
        order_id=draw(st.sampled_from(["O-1", "ORD-2"])),
        product_name=draw(st.sampled_from(NAMES)),
        kind=draw(st.sampled_from(list(ProductKind))),
        purchased_at=when,
    )


def _after(purchase: Purchase, micros: int) -> datetime:
    return purchase.purchased_at + timedelta(microseconds=micros)


durations = st.integers(min_value=0, max_value=200 * US_PER_DAY)


@given(purchases(), durations, durations)
def test_self_service_only_shrinks_with_time(purchase: Purchase, a: int, b: int) -> None:
    t1, t2 = _after(purchase, min(a, b)), _after(purchase, max(a, b))
    if evaluate(purchase, at=t2).outcome is Outcome.SELF_SERVICE:
        assert evaluate(purchase, at=t1).outcome is Outcome.SELF_SERVICE


@given(purchases(), durations, durations, st.sampled_from([None, ["Admin agent"], ["Global admin"]]))
def test_days_and_time_left_never_grow(purchase: Purchase, a: int, b: int, roles: list[str] | None) -> None:
    d1 = evaluate(purchase, at=_after(purchase, min(a, b)), roles=roles)
    d2 = evaluate(purchase, at=_after(purchase, max(a, b)), roles=roles)
    assert (d1.days_left is None) == (d2.days_left is None)
    if d1.days_left is not None and d2.days_left is not None:
        assert d2.days_left <= d1.days_left
        assert d1.time_left is not None and d2.time_left is not None and d2.time_left <= d1.time_left
        assert d1.deadline == d2.deadline


@given(purchases(), durations)
def test_window_agrees_with_an_integer_microsecond_reference(purchase: Purchase, micros: int) -> None:
    """Two implementations agree: the deadline and days left from integer microseconds since 1970."""
    at = _after(purchase, micros)
    d = evaluate(purchase, at=at)
    rules = rules_in_force(purchase.purchased_at.date())
    days = rules.cancellation.window_days.get(purchase.kind)
    if days is None:
        assert d.deadline is None
        return
    start = (purchase.purchased_at - EPOCH) // timedelta(microseconds=1)
    now = (at - EPOCH) // timedelta(microseconds=1)
    end = start + days * US_PER_DAY
    assert d.deadline is not None and (d.deadline - EPOCH) // timedelta(microseconds=1) == end
    left = max(0, end - now)
    assert d.time_left == timedelta(microseconds=left)
    assert d.days_left == left // US_PER_DAY
    assert d.facts["in_window"] is (now < end)
    if d.outcome in (Outcome.SELF_SERVICE, Outcome.WINDOW_CLOSED):
        assert (d.outcome is Outcome.SELF_SERVICE) is (start <= now < end)


@given(purchases(), durations, offsets)
def test_the_zone_an_instant_is_written_in_does_not_matter(
    purchase: Purchase, micros: int, tz: timezone
) -> None:
    at = _after(purchase, micros)
    assert evaluate(purchase, at=at) == evaluate(purchase, at=at.astimezone(tz))
    moved = attrs.evolve(purchase, purchased_at=purchase.purchased_at.astimezone(tz))
    assert evaluate(moved, at=at) == evaluate(purchase, at=at)


@given(purchases(), durations)
def test_answers_do_not_depend_on_which_equal_object_is_asked(purchase: Purchase, micros: int) -> None:
    twin = attrs.evolve(purchase)
    assert twin is not purchase
    at = _after(purchase, micros)
    assert evaluate(twin, at=at) == evaluate(purchase, at=at)


# --- R7.3: an excluded product is never self-service ------------------------------------------

_GROUPS = [
    (group, exclusion.id)
    for exclusion in S2020.cancellation.exclusions
    for group in (*exclusion.match, *exclusion.near)
]
filler = st.lists(st.sampled_from(["Microsoft", "for", "SAP", "(1 year)", "Enterprise", "CSP", "-", "/", "2019"]),
                  max_size=3)  # fmt: skip


def _accent(text: str, draw: st.DrawFn) -> str:
    out = []
    for c in text:
        c = c.upper() if draw(st.booleans()) else c
        if c.isalpha() and draw(st.integers(0, 9)) == 0:
            c = unicodedata.normalize("NFC", c + "\u0301")
        out.append(c)
    return "".join(out)


@st.composite
def excluded_names(draw: st.DrawFn) -> str:
    group, _ = draw(st.sampled_from(_GROUPS))
    words = [*group, *draw(filler)]
    words = draw(st.permutations(words))
    seps = [draw(st.sampled_from([" ", " - ", ", ", " (", ") ", " / "])) for _ in words]
    return "".join(_accent(w, draw) + s for w, s in zip(words, seps, strict=True)).strip()


@given(
    excluded_names(),
    st.sampled_from(
        [ProductKind.SOFTWARE_SUBSCRIPTION, ProductKind.PERPETUAL_SOFTWARE, ProductKind.AZURE_SOFTWARE_PLAN]
    ),
    st.dates(min_value=date(2020, 1, 21), max_value=date(2030, 1, 1)),
    st.integers(min_value=0, max_value=100 * US_PER_DAY),
)
def test_r7_3_products_and_near_misses_are_never_self_service(
    name: str, kind: ProductKind, day: date, micros: int
) -> None:
    assume(name.strip())
    p = Purchase(order_id="O-1", product_name=name, kind=kind, purchased_at=day)
    d = evaluate(p, at=_after(p, micros), rules=S2020)  # S2020 lists both R7.3 exclusions
    assert d.outcome in (Outcome.SUPPORT_REQUEST, Outcome.NOT_CANCELLABLE), (name, d.reasons)
    assert not d.allowed


# --- the machine's time zone --------------------------------------------------------------------

_SCRIPT = r"""
import json, time
from datetime import date, datetime, timedelta, timezone
from csp_rules.cancellation import Purchase, evaluate
time.tzset()
out = []
for when in (date(2020, 1, 20), date(2020, 1, 21), datetime(2020, 1, 20, 23, 30, tzinfo=timezone.utc),
             datetime(2020, 1, 21, 0, 30, tzinfo=timezone(timedelta(hours=5)))):
    for kind in ("perpetual_software", "software_subscription"):
        p = Purchase(order_id="O", product_name="SQL Server", kind=kind, purchased_at=when)
        for at in (datetime(2020, 3, 20, 23, 59, tzinfo=timezone.utc), datetime(2020, 3, 21, 0, 0, tzinfo=timezone.utc)):
            d = evaluate(p, at=at)
            out.append([d.to_dict(), d.explain("en"), d.explain("fr")])
print(json.dumps(out, sort_keys=True))
"""


def test_evaluate_does_not_depend_on_the_machine_time_zone() -> None:
    outputs = set()
    for tz in (
        "UTC",
        "Pacific/Kiritimati",
        "Etc/GMT+12",
        "Asia/Kolkata",
        "America/St_Johns",
        "Australia/Lord_Howe",
    ):
        env = {**os.environ, "TZ": tz}
        result = subprocess.run(
            [sys.executable, "-c", _SCRIPT], env=env, capture_output=True, text=True, check=True, timeout=120
        )
        outputs.add(result.stdout)
    assert len(outputs) == 1
    decisions = json.loads(outputs.pop())
    assert {d[0]["ruleset_version"] for d in decisions} == {"S2018", "S2020"}
