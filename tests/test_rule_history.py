"""Rules through today (RULES.md R11): the boundaries of every dated version, scalar and batch.

The case tables ``tests/cases/rulesets/{cancellation,links,credits}.tsv`` hold one row per boundary,
one microsecond either side of each version's first instant, with the answers worked out by hand
from RULES.md. Each cancellation and credit row is run through the scalar function and through
``csp_rules.batch.evaluate`` (all rows in one table); the two must give the table's answer.
The hypothesis properties check :func:`~csp_rules.rules_in_force` against its definition (the latest
version whose ``in_force_from`` is on or before the date) for the shipped chain and extended ones.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from _cases import opt, read_cases
from csp_rules import Money, Purchase, rules_in_force, testing
from csp_rules.billing import refund_credit
from csp_rules.cancellation import evaluate
from csp_rules.errors import NoRulesInForceError, RuleSetError
from csp_rules.links import DownloadLink, link_status
from csp_rules.rulesets import RuleChain, RuleSet, ruleset_from_dict, shipped_chain

UTC = timezone.utc
ACME_2024 = ruleset_from_dict(
    {
        "extends": "S2022-07-11",
        "version": "ACME-2024",
        "in_force_from": "2024-01-01",
        "cancellation": {"window_days": {"software_subscription": 3}},
        "links": {"stated": True, "lifetime_days": 7, "download_cap": 10},
    }
)
CHAINS = {"shipped": shipped_chain(), "acme2024": shipped_chain().with_version(ACME_2024)}


def _instant(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text.replace("Z", "+00:00"))


def _at(text: str) -> datetime:
    instant = _instant(text)
    assert instant is not None
    return instant


# --- cancellation ---------------------------------------------------------------------------

CANCELLATION = read_cases("rulesets", "cancellation.tsv")


def _purchase(row: dict[str, str], **extra: Any) -> Purchase:
    return Purchase(
        order_id=f"O-{row['name']}",
        product_name=row["product_name"],
        kind=row["kind"],
        purchased_at=_at(row["purchased_at"]),
        term_started_at=_instant(opt(row["term_started_at"])),
        **extra,
    )


@pytest.mark.parametrize("row", CANCELLATION, ids=[r["name"] for r in CANCELLATION])
def test_cancellation_boundary(row: dict[str, str]) -> None:
    d = evaluate(_purchase(row), at=_at(row["at"]), rules=CHAINS[row["chain"]])
    assert (d.ruleset_version, d.outcome.value) == (row["version"], row["outcome"])
    assert d.deadline == _instant(opt(row["deadline"]))
    assert d.days_left == int(row["days_left"])
    assert d.reasons == tuple(row["reasons"].split("|"))
    for code in d.reasons:  # the reasons are explained, in both languages, with their rule numbers
        if code.startswith("rules."):
            assert {"rules.change_date_uncertain": "R11.3", "rules.unverified_after": "R11.4"}[code] in (
                d.rule_numbers
            )
    if "rules.change_date_uncertain" in d.reasons:
        assert d.facts["other_ruleset"] != d.ruleset_version
        assert all(any("R11.3" in text for text in d.explain_all(lang)) for lang in ("en", "fr"))
    if "rules.unverified_after" in d.reasons:
        assert d.facts["verified_until"] == date(2023, 10, 23)
        assert all(
            any("R11.4" in text and "2023" in text for text in d.explain_all(lang)) for lang in ("en", "fr")
        )


def _batch(
    rows: list[dict[str, str]], at: datetime, chain: RuleChain, **columns: list[Any]
) -> list[dict[str, Any]]:
    pa = pytest.importorskip("pyarrow")
    from csp_rules import batch

    table = pa.table(
        {
            "order_id": [f"O-{r['name']}" for r in rows],
            "product_name": [r.get("product_name", "Office 365 E3") for r in rows],
            "kind": [r["kind"] for r in rows],
            "purchased_at": [_instant(r["purchased_at"]) for r in rows],
            "term_started_at": [_instant(opt(r["term_started_at"])) for r in rows],
            "market": ["FR"] * len(rows),
            **columns,
        }
    )
    result: list[dict[str, Any]] = batch.evaluate(table, at=at, rules=chain).to_pylist()
    return result


def test_cancellation_boundaries_in_batch() -> None:
    """Every row of the table in one batch per (at, chain): the same version, outcome, deadline, days
    left and reasons as the scalar answer (the table's)."""
    groups: dict[tuple[str, str], list[dict[str, str]]] = {}
    for row in CANCELLATION:
        groups.setdefault((row["at"], row["chain"]), []).append(row)
    checked = 0
    for (at, chain), rows in groups.items():
        for row, out in zip(rows, _batch(rows, _at(at), CHAINS[chain]), strict=True):
            assert out["error_code"] is None, (row["name"], out["error_message"])
            got = (
                out["rules_version"],
                out["cancellation_outcome"],
                out["cancel_deadline"],
                out["days_left"],
            )
            assert got == (
                row["version"],
                row["outcome"],
                _instant(opt(row["deadline"])),
                int(row["days_left"]),
            )
            assert out["reasons"].split() == row["reasons"].split("|"), row["name"]
            checked += 1
    assert checked == len(CANCELLATION)


# --- credits -------------------------------------------------------------------------------

CREDITS = read_cases("rulesets", "credits.tsv")
PRICE = Money("365.00", "EUR")


def _credit_purchase(row: dict[str, str]) -> Purchase:
    start, end = opt(row["term_start"]), opt(row["term_end"])
    return Purchase(
        order_id=f"O-{row['name']}",
        product_name="Office 365 E3"
        if row["kind"] == "software_subscription"
        else "SQL Server 2019 Standard",
        kind=row["kind"],
        purchased_at=_at(row["purchased_at"]),
        term_started_at=_instant(opt(row["term_started_at"])),
        term_start=None if start is None else date.fromisoformat(start),
        term_end=None if end is None else date.fromisoformat(end),
        price=PRICE,
    )


@pytest.mark.parametrize("row", CREDITS, ids=[r["name"] for r in CREDITS])
def test_credit_boundary(row: dict[str, str]) -> None:
    c = refund_credit(_credit_purchase(row), cancelled_at=_at(row["cancelled_at"]))
    assert (c.ruleset_version, c.outcome.value) == (row["version"], row["outcome"])
    amount = opt(row["amount"])
    assert c.amount == (None if amount is None else Money(amount, "EUR"))
    assert c.reasons == tuple(row["reasons"].split("|"))


def test_credit_boundaries_in_batch() -> None:
    for row in CREDITS:
        p = _credit_purchase(row)
        out = _batch(
            [{**row, "product_name": p.product_name}],
            _at(row["cancelled_at"]),
            CHAINS["shipped"],
            price=[Decimal("365.00")],
            currency=["EUR"],
            term_start=[p.term_start],
            term_end=[p.term_end],
        )[0]
        assert out["error_code"] is None, (row["name"], out["error_message"])
        amount = opt(row["amount"])
        assert out["credit_amount"] == (None if amount is None else Decimal(amount)), row["name"]
        assert out["rules_version"] == row["version"]
        # the batch reasons are those of the cancellation decision; R11 reasons of the credit itself
        # agree whenever the cancellation's answer differs (outcome or deadline), as here
        assert ("rules.unverified_after" in out["reasons"]) is ("rules.unverified_after" in row["reasons"])


# --- links ---------------------------------------------------------------------------------

LINKS = read_cases("rulesets", "links.tsv")


@pytest.mark.parametrize("row", LINKS, ids=[r["name"] for r in LINKS])
def test_link_boundary(row: dict[str, str]) -> None:
    link = DownloadLink(issued_at=_at(row["issued_at"]))
    d = link_status(
        link,
        at=_at(row["at"]),
        downloads=int(row["downloads"]),
        revoked_at=_instant(opt(row["revoked_at"])),
        rules=CHAINS[row["chain"]],
    )
    assert (d.ruleset_version, d.status.value) == (row["version"], row["status"])
    assert d.expires_at == _instant(opt(row["expires_at"]))
    left = opt(row["downloads_left"])
    assert d.downloads_left == (None if left is None else int(left))
    assert d.reasons == tuple(row["reasons"].split("|"))
    assert d.allowed is (row["status"] == "active")


# --- the chain (R11.5) ---------------------------------------------------------------------


def _latest_on_or_before(chain: RuleChain, day: date) -> RuleSet | None:
    """The definition, written out: the version with the latest in_force_from <= day."""
    candidates = [r for r in chain.versions if r.in_force_from <= day]
    return max(candidates, key=lambda r: r.in_force_from) if candidates else None


@given(chain=testing.chains(), day=st.dates(date(1999, 1, 1), date(2045, 12, 31)))
def test_rules_in_force_is_the_latest_version_on_or_before_the_date(chain: RuleChain, day: date) -> None:
    expected = _latest_on_or_before(chain, day)
    if expected is None:
        with pytest.raises(NoRulesInForceError):
            rules_in_force(day, chain=chain)
        return
    assert rules_in_force(day, chain=chain) == expected == chain.in_force(day)
    until = chain.until(expected)
    assert until is None or day <= until  # in force until the day before the next one starts
    if day == expected.in_force_from and chain.before(expected) is not None:
        assert chain.in_force(day - timedelta(days=1)) == chain.before(expected)


@given(day=st.dates(date(1999, 1, 1), date(2045, 12, 31)))
def test_rules_in_force_of_the_shipped_chain(day: date) -> None:
    expected = _latest_on_or_before(shipped_chain(), day)
    if expected is None:
        assert day < date(2018, 8, 31)
        with pytest.raises(NoRulesInForceError):
            rules_in_force(day)
    else:
        assert rules_in_force(day) == expected == rules_in_force(day, chain=shipped_chain())


@given(instant=st.datetimes(datetime(2018, 9, 1), datetime(2030, 1, 1), timezones=st.just(UTC)))
def test_an_instant_counts_by_its_utc_date(instant: datetime) -> None:
    east = instant.astimezone(timezone(timedelta(hours=14)))  # another calendar day, the same instant
    assert rules_in_force(east) == rules_in_force(instant.date())


def test_the_shipped_chain_is_the_issue_s_dates() -> None:
    got = [(r.version, r.in_force_from) for r in shipped_chain()]
    assert got == [
        ("S2018", date(2018, 8, 31)),
        ("S2020", date(2020, 1, 21)),
        ("S2020-01-31", date(2020, 1, 31)),
        ("S2021-01-30", date(2021, 1, 30)),
        ("S2021-06-02", date(2021, 6, 2)),
        ("S2022-07-11", date(2022, 7, 11)),
    ]
    assert rules_in_force(date(2026, 12, 1)).version == "S2022-07-11"
    assert rules_in_force(date(2020, 1, 30)).version == "S2020"


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        ({"version": "S2020"}, "S2020"),  # a shipped name
        ({"version": "s2021-06-02"}, "S2021-06-02"),  # without case
        ({"in_force_from": date(2021, 6, 2)}, "2021-06-02"),  # a shipped first day
    ],
)
def test_a_users_version_may_not_take_a_shipped_name_or_day(change: dict[str, Any], needle: str) -> None:
    with pytest.raises(RuleSetError, match=needle):
        shipped_chain().with_version(attrs.evolve(ACME_2024, **change))


def test_a_users_version_keeps_no_dating_of_its_base() -> None:
    """R11.4 / R11.3: verified_until and the uncertainty span are not inherited through extends."""
    base = shipped_chain().newest
    assert base.verified_until is not None and base.uncertainty is not None
    assert (ACME_2024.verified_until, ACME_2024.uncertainty, ACME_2024.changes) == (None, None, ())


# --- the shipped versions say what RULES.md R11 says ------------------------------------------


def _paths(rules: RuleSet) -> dict[str, str]:
    from csp_rules.rulesets import describe

    skip = ("sources", "version", "title", "changes", "in_force_from", "uncertainty", "verified_until")
    return {p.path: p.display for p in describe(rules) if not p.path.startswith(skip)}


def _changed(a: RuleSet, b: RuleSet) -> set[str]:
    left, right = _paths(a), _paths(b)
    return {p for p in left.keys() | right.keys() if left.get(p) != right.get(p)}


def test_each_later_version_changes_only_what_r11_says() -> None:
    from csp_rules import ProductKind
    from csp_rules.rulesets import WindowStart

    s2020, esu_gone, no_links, thirty, seven = list(shipped_chain())[1:]
    # S2020-01-31: the ESU exclusion leaves R7.3, the SUSE / Red Hat one stays
    assert [e.id for e in s2020.cancellation.exclusions] == ["windows7_esu_2020", "suse_redhat_software_plan"]
    assert [e.id for e in esu_gone.cancellation.exclusions] == ["suse_redhat_software_plan"]
    assert all(p.startswith("cancellation.exclusions[") for p in _changed(s2020, esu_gone))
    # S2021-01-30: no link rule stated (R11.1)
    assert (no_links.links.stated, no_links.links.lifetime_days, no_links.links.download_cap) == (
        False,
        None,
        None,
    )
    assert _changed(esu_gone, no_links) == {"links.stated", "links.lifetime_days", "links.download_cap"}
    # S2021-06-02: 30 days for every software purchase
    sub, perp = ProductKind.SOFTWARE_SUBSCRIPTION, ProductKind.PERPETUAL_SOFTWARE
    assert (thirty.cancellation.window_days[sub], thirty.cancellation.window_days[perp]) == (30, 30)
    assert _changed(no_links, thirty) == {"cancellation.window_days"}
    # S2022-07-11: 7 days from each term's start for subscriptions, 30 from the purchase for perpetual
    assert (seven.cancellation.window_days[sub], seven.cancellation.window_days[perp]) == (7, 30)
    assert seven.cancellation.window_from[sub] is WindowStart.TERM_START
    assert seven.cancellation.window_from.get(perp, WindowStart.PURCHASE) is WindowStart.PURCHASE
    assert _changed(thirty, seven) == {"cancellation.window_days", "cancellation.window_from"}
    assert seven.uncertainty is not None
    assert (seven.uncertainty.start, seven.uncertainty.end) == (date(2021, 10, 6), date(2023, 6, 30))
    assert seven.verified_until == date(2023, 10, 23)
    for later in (esu_gone, no_links, thirty):  # only the newest is uncertain or verified-until
        assert (later.uncertainty, later.verified_until) == (None, None)
        assert later.changes and later.sources


@pytest.mark.parametrize(
    ("day", "answering", "other", "unverified"),
    [
        (date(2021, 10, 5), "S2021-06-02", None, False),
        (date(2021, 10, 6), "S2021-06-02", "S2022-07-11", False),  # the span's first day (inclusive)
        (date(2022, 7, 10), "S2021-06-02", "S2022-07-11", False),
        (date(2022, 7, 11), "S2022-07-11", "S2021-06-02", False),  # on or after in_force_from: the one before
        (date(2023, 6, 30), "S2022-07-11", "S2021-06-02", False),  # the span's last day (inclusive)
        (date(2023, 7, 1), "S2022-07-11", None, False),
        (date(2023, 10, 23), "S2022-07-11", None, False),  # verified until, inclusive
        (date(2023, 10, 24), "S2022-07-11", None, True),
    ],
)
def test_dating_names_the_other_version_inside_the_span(
    day: date, answering: str, other: str | None, unverified: bool
) -> None:
    from csp_rules.rulesets import dating

    d = dating(None, day)
    assert (d.rules.version, d.other and d.other.version, d.unverified) == (answering, other, unverified)
    assert (d.span is None) is (other is None)
    one = dating(d.rules, day)  # one rule set given: judged by exactly it, no other version
    assert one.other is None and one.rules == d.rules
    assert d.reasons(False) == (("rules.unverified_after",) if unverified else ())
    expected = (("rules.change_date_uncertain",) if other else ()) + (
        ("rules.unverified_after",) if unverified else ()
    )
    assert d.reasons(True) == expected


def test_chain_misuse_is_refused_clearly() -> None:
    from csp_rules.rulesets import UncertaintySpan

    with pytest.raises(RuleSetError, match="at least one"):
        RuleChain([])
    with pytest.raises(TypeError, match="RuleSet"):
        RuleChain([ACME_2024, "S2020"])
    with pytest.raises(TypeError, match="iterable"):
        RuleChain(ACME_2024)
    with pytest.raises(TypeError, match="RuleSet"):
        shipped_chain().with_version({"version": "X"})  # type: ignore[arg-type]
    with pytest.raises(RuleSetError, match="not a version of this chain"):
        shipped_chain().until(ACME_2024)
    with pytest.raises(TypeError, match="date"):
        shipped_chain().in_force("2024-01-01")  # type: ignore[arg-type]
    with pytest.raises(RuleSetError, match="ends before it starts"):
        UncertaintySpan(start=date(2024, 1, 2), end=date(2024, 1, 1))
    chain = shipped_chain()
    longer = chain.with_version(ACME_2024)
    assert len(longer) == len(chain) + 1 and ACME_2024 not in chain.versions  # a new chain, the old kept
    assert longer == shipped_chain().with_version(ACME_2024) and hash(longer) == hash(
        shipped_chain().with_version(ACME_2024)
    )


def test_no_link_rule_in_a_users_version_drops_the_base_lifetime() -> None:
    """``"links": {"stated": false}`` over S2020 keeps no lifetime or cap of the base (R11.1)."""
    rules = ruleset_from_dict(
        {"extends": "S2020", "version": "NO-LINKS", "in_force_from": "2024-01-01", "links": {"stated": False}}
    )
    assert (rules.links.stated, rules.links.lifetime_days, rules.links.download_cap) == (False, None, None)
    with pytest.raises(RuleSetError, match="both lifetime_days and download_cap"):
        ruleset_from_dict(
            {
                "extends": "S2022-07-11",
                "version": "X",
                "in_force_from": "2024-01-01",
                "links": {"stated": True},
            }
        )
