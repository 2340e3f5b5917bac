"""The activity log (RULES.md R6, roles R1.3): inclusive UTC date range, sorted, role-gated."""

from __future__ import annotations

import pickle
import uuid
from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from _details import raises_precisely, type_error_names
from csp_rules import (
    activity,
)
from csp_rules.activity import (
    REASON_CODES,
    ActivityAction,
    ActivityEntry,
    activity_log,
    can_view_activity_log,
)
from csp_rules.errors import (
    InvalidDateError,
    InvalidFieldError,
    MissingFieldError,
    NaiveDatetimeError,
    UnknownRoleError,
)
from csp_rules.facts import Customer, Role
from csp_rules.roles import Authorization, role_name

UTC = timezone.utc
# RULES.md R1.3, written out independently
R13 = {Role.GLOBAL_ADMIN, Role.ACCOUNT_ADMIN, Role.REFERRAL_ADMIN, Role.MARKETING_CONTENT_ADMIN}


def entry(at: datetime, user: str = "ana@contoso.com", action: str = "download") -> ActivityEntry:
    return ActivityEntry(
        user=user, action=action, at=at, product="SQL Server 2019 Standard", customer="Contoso"
    )


START, END = date(2020, 3, 1), date(2020, 3, 2)
EDGES = {
    "before_start": entry(datetime(2020, 2, 29, 23, 59, 59, 999999, tzinfo=UTC), "a"),
    "start_midnight": entry(datetime(2020, 3, 1, 0, 0, tzinfo=UTC), "b"),
    "end_last_us": entry(datetime(2020, 3, 2, 23, 59, 59, 999999, tzinfo=UTC), "c"),
    "after_end": entry(datetime(2020, 3, 3, 0, 0, tzinfo=UTC), "d"),
    # 2020-03-02 22:30 at UTC-2 is 2020-03-03 00:30 UTC: outside
    "local_inside_utc_outside": entry(
        datetime(2020, 3, 2, 22, 30, tzinfo=timezone(timedelta(hours=-2))), "e"
    ),
    # 2020-03-01 01:00 at UTC+2 is 2020-02-29 23:00 UTC: outside
    "local_inside_utc_before": entry(datetime(2020, 3, 1, 1, 0, tzinfo=timezone(timedelta(hours=2))), "f"),
    # 2020-02-29 23:00 at UTC-3 is 2020-03-01 02:00 UTC: inside
    "local_before_utc_inside": entry(datetime(2020, 2, 29, 23, 0, tzinfo=timezone(timedelta(hours=-3))), "g"),
}


@pytest.mark.parametrize("role", sorted(R13, key=lambda r: r.value))
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_range_is_inclusive_in_utc(role: Role, lang: str) -> None:
    d = activity_log(EDGES.values(), start=START, end=END, roles=[role_name(role, lang)])
    assert d.outcome is Authorization.PERMITTED and d.allowed
    assert [e.user for e in d.entries] == ["b", "g", "c"]
    assert d.users == ("b", "c", "g")
    assert d.rule_numbers == ("R6", "R1.3")
    assert d.facts["count"] == 3
    assert (d.start, d.end) == (START, END)


@pytest.mark.parametrize("role", sorted(set(Role) - R13, key=lambda r: r.value))
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_other_roles_get_nothing(role: Role, lang: str) -> None:
    d = activity_log(EDGES.values(), start=START, end=END, roles=[role_name(role, lang)])
    assert d.outcome is Authorization.NOT_PERMITTED and not d.allowed
    assert d.entries == () and d.users == ()
    assert d.reasons == ("activity.not_permitted",)
    assert role_name(role, lang) in d.explain(lang)
    assert not can_view_activity_log([role])


def test_no_roles_gets_nothing_and_entries_are_not_read() -> None:
    def explode():  # type: ignore[no-untyped-def]
        raise AssertionError("entries read without permission")
        yield

    d = activity_log(explode(), start=START, end=END, roles=[])
    assert d.entries == () and d.outcome is Authorization.NOT_PERMITTED
    assert "(none)" in d.explain("en")


def test_single_day_range_and_explanations() -> None:
    d = activity_log(EDGES.values(), start=END, end=END, roles="Administrateur général")
    assert [e.user for e in d.entries] == ["c"]
    assert (
        d.explain("en")
        == "Key accesses and downloads from March 2, 2020 to March 2, 2020 (UTC, inclusive): 1."
    )
    assert d.explain("fr") == (
        "Accès aux clés et téléchargements du 2 mars 2020 au 2 mars 2020 (UTC, bornes incluses) : 1."
    )
    assert d.to_dict()["facts"]["start"] == "2020-03-02"
    assert pickle.loads(pickle.dumps(d)) == d


def test_start_after_end_is_an_error() -> None:
    with pytest.raises(InvalidDateError) as info:
        activity_log([], start=date(2020, 3, 2), end=date(2020, 3, 1), roles=["Global admin"])
    assert info.value.field == "start"


def test_bad_input() -> None:
    with pytest.raises(UnknownRoleError) as info:
        activity_log([], start=START, end=END, roles=["Globl admin"])
    assert "Global admin" in info.value.suggestions
    with pytest.raises(NaiveDatetimeError):
        entry(datetime(2020, 3, 1, 12))
    with pytest.raises(NaiveDatetimeError):
        activity_log([], start=datetime(2020, 3, 1), end=END, roles=["Global admin"])
    with pytest.raises(TypeError):
        activity_log([("ana", "2020-03-01")], start=START, end=END, roles=["Global admin"])  # type: ignore[list-item]
    with pytest.raises(TypeError):
        activity_log([], start="2020-03-01", end=END, roles=["Global admin"])  # type: ignore[arg-type]
    with pytest.raises(MissingFieldError):
        entry(datetime(2020, 3, 1, tzinfo=UTC), user="  ")
    with pytest.raises(InvalidFieldError):
        entry(datetime(2020, 3, 1, tzinfo=UTC), action="delete")
    with pytest.raises(InvalidFieldError):
        entry(datetime(2020, 3, 1, tzinfo=UTC), user="x" * 5000)
    with pytest.raises(TypeError):
        ActivityEntry(
            user="a", action="download", at=datetime(2020, 3, 1, tzinfo=UTC), product="p", customer=3
        )


def test_aware_datetimes_count_by_their_utc_date() -> None:
    start = datetime(2020, 3, 1, 23, 0, tzinfo=timezone(timedelta(hours=-2)))  # 2020-03-02 UTC
    d = activity_log(EDGES.values(), start=start, end=END, roles=["Global admin"])
    assert d.start == END and [e.user for e in d.entries] == ["c"]


def test_actions_and_customers() -> None:
    assert ActivityAction.parse("Key access") is ActivityAction.KEY_ACCESS
    assert ActivityAction.parse("téléchargement") is ActivityAction.DOWNLOAD
    assert ActivityAction.parse("Accès aux clés") is ActivityAction.KEY_ACCESS
    tenant = uuid.UUID("0f3b7c4e-1b2a-4c5d-8e9f-0123456789ab")
    e = ActivityEntry(
        user="bo",
        action=ActivityAction.KEY_ACCESS,
        at=datetime(2020, 3, 1, tzinfo=UTC),
        product="p",
        customer=Customer(tenant_id=tenant),
    )
    assert e.customer.tenant_id == tenant
    assert entry(datetime(2020, 3, 1, tzinfo=UTC)).customer == Customer(name="Contoso")
    with pytest.raises(MissingFieldError):
        ActivityEntry(
            user="a", action="download", at=datetime(2020, 3, 1, tzinfo=UTC), product="p", customer=Customer()
        )


def test_reason_codes_declared() -> None:
    assert {"activity.listed", "activity.not_permitted"} == REASON_CODES


# --- properties -----------------------------------------------------------------------------

zones = st.sampled_from([UTC, timezone(timedelta(hours=-11)), timezone(timedelta(hours=13))])
instants = st.builds(
    lambda dt, tz: dt.replace(tzinfo=UTC).astimezone(tz),
    st.datetimes(min_value=datetime(2020, 2, 20), max_value=datetime(2020, 3, 20)),
    zones,
)
days = st.dates(min_value=date(2020, 2, 18), max_value=date(2020, 3, 22))


@given(
    st.lists(st.tuples(instants, st.sampled_from(["u1", "u2", "u3"])), max_size=30),
    days,
    days,
    st.frozensets(st.sampled_from(list(Role))),
)
def test_log_agrees_with_a_reference(
    items: list[tuple[datetime, str]], d1: date, d2: date, roles: frozenset[Role]
) -> None:
    start, end = min(d1, d2), max(d1, d2)
    entries = [entry(at, f"{user}-{i}") for i, (at, user) in enumerate(items)]
    d = activity_log(entries, start=start, end=end, roles=roles)
    if not roles & R13:
        assert d.entries == () and not d.allowed
        return
    # reference: keep entries whose UTC date is in [start, end]; order by UTC instant, ties in input order
    expected = [
        e
        for _, _, e in sorted(
            (e.at.astimezone(UTC), i, e)
            for i, e in enumerate(entries)
            if start <= e.at.astimezone(UTC).date() <= end
        )
    ]
    assert list(d.entries) == expected
    assert all(a.at <= b.at for a, b in zip(d.entries, d.entries[1:], strict=False))
    # widening the range never loses an entry
    wider = activity_log(entries, start=start - timedelta(days=1), end=end + timedelta(days=1), roles=roles)
    assert set(d.entries) <= set(wider.entries)


# --- details: wording, facts, defaults and limits a caller can observe ---


AT = datetime(2020, 3, 1, 12, tzinfo=UTC)


def _entry(**changes: Any) -> activity.ActivityEntry:
    data: dict[str, Any] = {
        "user": "ana",
        "action": "download",
        "at": AT,
        "product": "SQL",
        "customer": "Contoso",
    }
    data.update(changes)
    return activity.ActivityEntry(**data)


def test_activity_entry_fields() -> None:
    raises_precisely(
        lambda: _entry(customer=Customer()),
        MissingFieldError,
        "customer",
        value=Customer(),
        says=("give a name, tenant GUID or domain",),
    )
    raises_precisely(lambda: _entry(customer=None), MissingFieldError, "customer")
    type_error_names(lambda: _entry(customer=5), "customer", "int")
    assert _entry(customer=Customer(domain="c.com")).customer == Customer(domain="c.com")
    assert _entry(customer="  Contoso   Ltd ").customer == Customer(name="Contoso Ltd")
    raises_precisely(lambda: _entry(product=None), MissingFieldError, "product")
    raises_precisely(lambda: _entry(user="  "), MissingFieldError, "user", value="  ")
    raises_precisely(
        lambda: _entry(user="a\x7fb"),
        InvalidFieldError,
        "user",
        value="a\x7fb",
        says=("control characters are not allowed",),
    )
    raises_precisely(lambda: _entry(user="x" * 4097), InvalidFieldError, "user")
    assert _entry(user="x" * 4096).user == "x" * 4096
    assert _entry(user="  ana   b ").user == "ana b"
    # white space is folded in texts of at most 4 x 4096 characters, longer ones are refused whole
    assert _entry(user="a" + " " * (4 * 4096 - 1)).user == "a"
    raises_precisely(lambda: _entry(user="a" + " " * (4 * 4096)), InvalidFieldError, "user")
    with pytest.raises(InvalidFieldError) as info:
        _entry(action="fly")
    assert info.value.field == "action"


def test_activity_log_details() -> None:
    raises_precisely(
        lambda: activity.activity_log(
            [], start=date(2020, 3, 2), end=date(2020, 3, 1), roles=["Global admin"]
        ),
        InvalidDateError,
        "start",
        value=(date(2020, 3, 2), date(2020, 3, 1)),
        says=("the range starts on 2020-03-02, after its end 2020-03-01",),
    )
    d = activity.activity_log([_entry()], start=date(2020, 3, 1), end=date(2020, 3, 1), roles=["Admin agent"])
    assert (
        d.facts["count"] == 0 and d.entries == () and (d.start, d.end) == (date(2020, 3, 1), date(2020, 3, 1))
    )
    d = activity.activity_log(
        [_entry()], start=date(2020, 3, 1), end=date(2020, 3, 1), roles=["Global admin"]
    )
    assert d.facts["count"] == 1 and (d.start, d.end) == (date(2020, 3, 1), date(2020, 3, 1))
    type_error_names(
        lambda: activity.activity_log([_entry(), "x"], start=AT, end=AT, roles=["Global admin"]),
        "entries[1]",
        "str",
    )
