"""The R7 core shared by cancellation and billing (csp_rules._window) and the R7.3 patterns of the rule sets."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import attrs
import pytest

from csp_rules import ruleset_from_dict
from csp_rules._window import Assessment, assess, match_exclusion, normalize_name, static
from csp_rules.cancellation import Purchase
from csp_rules.errors import InvalidDateError
from csp_rules.rulesets import Route, rules_in_force

UTC = timezone.utc
S2018 = rules_in_force(date(2019, 1, 1))
S2020 = rules_in_force(date(2021, 1, 1))


def _ids(name: str) -> tuple[str | None, str | None]:
    matched, near = match_exclusion(name, S2020)
    return (matched.id if matched else None, near.id if near else None)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Windows 7 ESU", " windows 7 esu "),
        ("  WINDOWS®7—ESU/2020  ", " windows 7 esu 2020 "),
        ("Sécurité Étendue", " securite etendue "),
        ("", "  "),
        ("x" * 10_000, " " + "x" * 4096 + " "),
    ],
)
def test_normalize_name(text: str, expected: str) -> None:
    assert normalize_name(text) == expected


def test_match_beats_near_miss_and_rule_set_order_decides() -> None:
    # near the ESU exclusion (Windows 7 ESU, no year) but matching the SUSE one: the match wins
    assert _ids("Windows 7 ESU SUSE software plan") == ("suse_redhat_software_plan", None)
    assert _ids("Windows 7 ESU 2020 SUSE software plan") == ("windows7_esu_2020", None)
    assert _ids("Windows 7 ESU and SUSE") == (None, "windows7_esu_2020")
    assert _ids("Windows 10") == (None, None)


def test_match_exclusion_type_and_s2018() -> None:
    with pytest.raises(TypeError):
        match_exclusion(None, S2020)  # type: ignore[arg-type]
    assert match_exclusion("Windows 7 ESU 2020", S2018) == (None, None)
    assert S2018.cancellation.exclusions == ()


def test_shipped_phrases_are_meaningful_after_normalisation() -> None:
    for exclusion in S2020.cancellation.exclusions:
        for group in (*exclusion.match, *exclusion.near):
            for phrase in group:
                assert normalize_name(phrase).strip(), (exclusion.id, phrase)
                assert normalize_name(phrase) == f" {phrase} ", "write phrases in normalised form"
        # every match group is more specific than some near group: a name losing a word is a near miss
        for group in exclusion.match:
            name = normalize_name(" ".join(group))
            assert any(all(normalize_name(p) in name for p in near) for near in exclusion.near), group


def _purchase(**changes: object) -> Purchase:
    base = Purchase(order_id="O", product_name="Office 365 E3", kind="software_subscription",
                    purchased_at=datetime(2020, 3, 1, 10, tzinfo=UTC))  # fmt: skip
    return attrs.evolve(base, **changes)


def test_assess_for_billing() -> None:
    p = _purchase()
    deadline = datetime(2020, 4, 30, 10, tzinfo=UTC)
    assert assess(p, datetime(2020, 4, 30, 9, 59, tzinfo=UTC), S2020) == Assessment(
        route=Route.WINDOW, exclusion=None, near_miss=None, window_days=60, deadline=deadline, in_window=True
    )
    assert not assess(p, deadline, S2020).in_window
    esu = assess(_purchase(product_name="Windows 7 ESU 2020"), deadline, S2020)
    assert esu.route is Route.SUPPORT_REQUEST and esu.exclusion is not None and esu.deadline == deadline
    plan = assess(_purchase(kind="azure_software_plan", product_name="Anything"), deadline, S2020)
    assert plan.route is Route.NOT_CANCELLABLE and plan.deadline is None and not plan.in_window
    reservation = assess(
        _purchase(kind="azure_reservation", product_name="SUSE software plan"), deadline, S2020
    )
    assert reservation == Assessment(
        route=Route.NOT_COVERED,
        exclusion=None,
        near_miss=None,
        window_days=None,
        deadline=None,
        in_window=False,
    )
    with pytest.raises(InvalidDateError):
        assess(p, p.purchased_at - timedelta(microseconds=1), S2020)


def test_static_part_is_per_rule_set_object() -> None:
    p = _purchase()
    seven = ruleset_from_dict(
        {"extends": "S2020", "version": "7D", "in_force_from": "2020-01-21",
         "cancellation": {"window_days": {"software_subscription": 7}}}
    )  # fmt: skip
    assert static(p, S2020).window_days == 60
    assert static(p, seven).window_days == 7
    assert static(p, S2020).window_days == 60
    assert static(p, S2020) is static(p, S2020)
