"""Rule sets (issue 2): shipped versions, lookup by date, loading user files, hostile files."""

from __future__ import annotations

import json
import pickle
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import csp_rules
from _cases import R3_CODES as RULES_MD_R3_CODES
from csp_rules import ProductKind, rules_in_force
from csp_rules.errors import NaiveDatetimeError, NoRulesInForceError, RuleSetFileError
from csp_rules.facts import Action, Role
from csp_rules.rulesets import (
    CreditRule,
    Route,
    RuleSet,
    TaxBasis,
    describe,
    load_ruleset,
    ruleset_from_dict,
    shipped_rulesets,
)


def test_shipped_versions_and_dates() -> None:
    assert [(r.version, r.in_force_from) for r in shipped_rulesets()] == [
        ("S2018", date(2018, 8, 31)),
        ("S2020", date(2020, 1, 21)),
        ("S2020-01-31", date(2020, 1, 31)),
        ("S2021-01-30", date(2021, 1, 30)),
        ("S2021-06-02", date(2021, 6, 2)),
        ("S2022-07-11", date(2022, 7, 11)),
    ]
    assert csp_rules.S2018.version == "S2018"
    assert csp_rules.S2020.version == "S2020"


@pytest.mark.parametrize(
    ("on", "version"),
    [
        (date(2018, 8, 31), "S2018"),
        (date(2019, 5, 1), "S2018"),
        (date(2020, 1, 20), "S2018"),
        (date(2020, 1, 21), "S2020"),
        (date(2020, 1, 30), "S2020"),
        (date(2020, 1, 31), "S2020-01-31"),
        (date(2021, 1, 29), "S2020-01-31"),
        (date(2021, 1, 30), "S2021-01-30"),
        (date(2021, 6, 1), "S2021-01-30"),
        (date(2021, 6, 2), "S2021-06-02"),
        (date(2022, 7, 10), "S2021-06-02"),
        (date(2022, 7, 11), "S2022-07-11"),
        (date(2026, 11, 23), "S2022-07-11"),
        (date(2026, 12, 1), "S2022-07-11"),
        (date.max, "S2022-07-11"),
        (datetime(2020, 1, 21, 0, 30, tzinfo=timezone(timedelta(hours=2))), "S2018"),  # 2020-01-20 22:30 UTC
        (
            datetime(2020, 1, 20, 23, 30, tzinfo=timezone(timedelta(hours=-2))),
            "S2020",
        ),  # 2020-01-21 01:30 UTC
    ],
)
def test_rules_in_force(on: date, version: str) -> None:
    assert rules_in_force(on).version == version


@pytest.mark.parametrize("on", [date(2018, 8, 30), date(2000, 1, 1), date.min])
def test_before_the_first_version_is_an_error(on: date) -> None:
    with pytest.raises(NoRulesInForceError) as info:
        rules_in_force(on)
    assert info.value.value == on


def test_rules_in_force_refuses_naive_datetimes_and_non_dates() -> None:
    with pytest.raises(NaiveDatetimeError):
        rules_in_force(datetime(2020, 5, 1))
    with pytest.raises(TypeError):
        rules_in_force("2020-05-01")  # type: ignore[arg-type]


@given(st.dates(min_value=date(2018, 8, 31)))
def test_rules_in_force_is_the_latest_version_started(on: date) -> None:
    chosen = rules_in_force(on)
    assert chosen.in_force_from <= on
    assert all(not (chosen.in_force_from < r.in_force_from <= on) for r in shipped_rulesets())


def test_s2020_parameters_match_rules_md() -> None:
    s = csp_rules.S2020
    assert s.cancellation.window_days[ProductKind.SOFTWARE_SUBSCRIPTION] == 60  # R7.1
    assert s.cancellation.window_days[ProductKind.PERPETUAL_SOFTWARE] == 60  # R7.1
    assert s.cancellation.routes[ProductKind.AZURE_RESERVATION] is Route.NOT_COVERED  # R7.4
    assert s.cancellation.routes[ProductKind.AZURE_SOFTWARE_PLAN] is Route.NOT_CANCELLABLE  # R7.3
    assert {e.id for e in s.cancellation.exclusions} == {"windows7_esu_2020", "suse_redhat_software_plan"}
    assert s.cancellation.dashboard_delay_minutes == 15  # R8.1
    assert s.credits.by_kind[ProductKind.PERPETUAL_SOFTWARE] is CreditRule.FULL  # R8.4
    assert s.credits.by_kind[ProductKind.SOFTWARE_SUBSCRIPTION] is CreditRule.PRORATED  # R8.4
    assert s.credits.cancellation_day_credited is True
    assert (s.links.lifetime_days, s.links.download_cap) == (14, 50)  # R5.2
    assert s.tax.inclusive_markets == {"AU", "BR"}  # R4.1
    assert s.tax.basis_for("AU") is TaxBasis.NET
    assert s.reservations.unavailable_markets == RULES_MD_R3_CODES  # R3
    assert len(RULES_MD_R3_CODES) == 106
    assert {"CG", "CD"} <= s.reservations.unavailable_markets  # R3.2
    assert s.reservations.list_first_seen == date(2019, 10, 18)  # R3.4
    assert s.roles.permissions[Action.CANCEL] == {Role.ADMIN_AGENT}  # R1.2
    assert s.roles.permissions[Action.GET_KEYS_AND_DOWNLOADS] == {Role.ADMIN_AGENT}  # R1.1
    assert s.roles.permissions[Action.VIEW_ACTIVITY_LOG] == {
        Role.GLOBAL_ADMIN,
        Role.ACCOUNT_ADMIN,
        Role.REFERRAL_ADMIN,
        Role.MARKETING_CONTENT_ADMIN,
    }  # R1.3
    assert s.roles.permissions[Action.BUY] == {Role.ADMIN_AGENT, Role.GLOBAL_ADMIN}  # R1.4


def test_s2018_differs_as_rules_md_says() -> None:
    s = csp_rules.S2018
    assert s.cancellation.routes[ProductKind.SOFTWARE_SUBSCRIPTION] is Route.WINDOW
    assert s.cancellation.routes[ProductKind.PERPETUAL_SOFTWARE] is Route.SUPPORT_REQUEST  # R10.3
    assert s.cancellation.exclusions == ()
    assert set(s.credits.by_kind.values()) == {CreditRule.NONE_STATED}
    assert s.reservations.unavailable_markets == {"BR", "CN", "IN", "KR", "RU", "TW"}
    assert s.reservations.list_first_seen == date(2018, 6, 28)
    assert s.roles == csp_rules.S2020.roles
    assert s.links == csp_rules.S2020.links
    assert s.support_request == csp_rules.S2020.support_request
    assert s.activity_log.documented is False


@pytest.mark.parametrize("rules", shipped_rulesets(), ids=lambda r: r.version)
def test_round_trips(rules: RuleSet, tmp_path: Path) -> None:
    assert ruleset_from_dict(rules.to_dict()) == rules
    path = tmp_path / "r.json"
    path.write_text(rules.to_json(), encoding="utf-8")
    assert load_ruleset(path) == rules
    assert pickle.loads(pickle.dumps(rules)) == rules
    assert hash(pickle.loads(pickle.dumps(rules))) == hash(rules)


def test_a_users_seven_day_window_loads_and_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "acme.toml"
    path.write_text(
        'extends = "S2020"\nversion = "ACME-7D"\ntitle = "seven days"\nin_force_from = 2024-01-01\n'
        "[cancellation.window_days]\nsoftware_subscription = 7\n",
        encoding="utf-8",
    )
    rules = load_ruleset(path)
    assert rules.version == "ACME-7D"
    assert rules.in_force_from == date(2024, 1, 1)
    assert rules.cancellation.window_days[ProductKind.SOFTWARE_SUBSCRIPTION] == 7
    assert rules.cancellation.window_days[ProductKind.PERPETUAL_SOFTWARE] == 60  # inherited
    assert rules.links == csp_rules.S2020.links
    again = tmp_path / "again.json"
    again.write_text(rules.to_json(), encoding="utf-8")
    assert load_ruleset(again) == rules
    # and programmatically, without a file
    assert attrs.evolve(csp_rules.S2020, version="X").version == "X"


def test_describe_gives_every_parameter_with_its_rule() -> None:
    params = {p.path: p for p in describe(csp_rules.S2020)}
    assert params["cancellation.window_days"].rule == "R7.1, R7.2"
    assert params["links.download_cap"].value == 50
    assert params["cancellation.dashboard_delay_minutes"].rule == "R8.1"
    assert params["tax.inclusive_markets"].display == '["AU", "BR"]'
    for p in params.values():
        if not p.path.startswith(("version", "title", "in_force_from", "sources")):
            assert p.rule, p.path


def _s2020_dict() -> dict[str, object]:
    return csp_rules.S2020.to_dict()


HOSTILE = [
    ({"version": 5}, "version"),
    ({"bogus": 1}, "bogus"),
    ({"links": {"download_cap": -1}}, "links.download_cap"),
    ({"links": {"download_cap": 10**400}}, "links.download_cap"),
    ({"links": {"download_cap": True}}, "links.download_cap"),
    ({"links": {"lifetime_days": 1.5}}, "links.lifetime_days"),
    ({"in_force_from": "2020-13-01"}, "in_force_from"),
    ({"in_force_from": "yesterday"}, "in_force_from"),
    (
        {"cancellation": {"window_days": {"software_subscription": "60"}}},
        "cancellation.window_days.software_subscription",
    ),
    ({"cancellation": {"window_days": {"warp_drive": 60}}}, "cancellation.window_days.warp_drive"),
    (
        {"cancellation": {"routes": {"software_subscription": "maybe"}}},
        "cancellation.routes.software_subscription",
    ),
    ({"tax": {"inclusive_markets": ["au"]}}, "tax.inclusive_markets[0]"),
    ({"tax": {"inclusive_markets": ["AU", "AU"]}}, "tax.inclusive_markets"),
    ({"credits": {"rounding": "ROUND_DOWN"}}, "credits.rounding"),
    ({"roles": {"permissions": {"cancel": ["wizard"]}}}, "roles.permissions.cancel[0]"),
    ({"extends": "S1999"}, "extends"),
    ({"format": 2}, "format"),
    ({"sources": "none"}, "sources"),
    ({"cancellation": {"exclusions": [{"id": "x"}]}}, "cancellation.exclusions[0].route"),
    ({"title": "x" * 100_000}, "title"),
    ({"title": "bad\x00text"}, "title"),
]


@pytest.mark.parametrize(("override", "field"), HOSTILE, ids=[f for _, f in HOSTILE])
def test_hostile_fields_get_precise_errors(override: dict[str, object], field: str) -> None:
    data: dict[str, object] = {"extends": "S2020", "version": "T", "in_force_from": "2024-01-01"}
    data.update(override)
    with pytest.raises(RuleSetFileError) as info:
        ruleset_from_dict(data)
    assert info.value.field == field


def test_missing_required_field_is_named() -> None:
    data = _s2020_dict()
    del data["links"]
    with pytest.raises(RuleSetFileError) as info:
        ruleset_from_dict(data)
    assert info.value.field == "links"


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("deep.json", "[" * 100_000 + "]" * 100_000),
        ("huge_int.json", '{"version": ' + "9" * 100_000 + "}"),
        ("nan.json", '{"version": NaN}'),
        ("broken.json", '{"version": '),
        ("top_list.json", "[1, 2]"),
        ("deep.toml", "a = " + "[" * 10_000 + "]" * 10_000),
        ("broken.toml", "version = "),
        ("rules.yaml", "version: S2020"),
        ("big.json", '{"title": "' + "x" * (1 << 20) + '"}'),
    ],
)
def test_hostile_files_get_precise_errors(tmp_path: Path, name: str, content: str) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(RuleSetFileError):
        load_ruleset(path)


def test_unreadable_and_non_utf8_files(tmp_path: Path) -> None:
    with pytest.raises(RuleSetFileError):
        load_ruleset(tmp_path / "missing.json")
    bad = tmp_path / "latin1.json"
    bad.write_bytes(b'{"title": "caf\xe9"}')
    with pytest.raises(RuleSetFileError):
        load_ruleset(bad)


def test_window_route_needs_a_window() -> None:
    data = json.loads(csp_rules.S2020.to_json())
    del data["cancellation"]["window_days"]["perpetual_software"]
    with pytest.raises(RuleSetFileError) as info:
        ruleset_from_dict(data)
    assert info.value.field == "cancellation.window_days.perpetual_software"


def test_rule_sets_are_immutable() -> None:
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        csp_rules.S2020.version = "X"  # type: ignore[misc]
    with pytest.raises(TypeError):
        csp_rules.S2020.cancellation.window_days[ProductKind.SOFTWARE_SUBSCRIPTION] = 7  # type: ignore[index]
