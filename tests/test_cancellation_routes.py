"""How a purchase is cancelled (R7, R7.3, R7.4, R10.3): the route, what decided it, the R7.3 name matcher,
and the OUTCOME table every decision is read from."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import attrs
import pytest

from csp_rules import _exclusions, ruleset_from_dict
from csp_rules.cancellation import OUTCOME, Assessment, Basis, Outcome, Purchase, assess, route_of
from csp_rules.errors import InvalidDateError
from csp_rules.facts import ProductKind, words
from csp_rules.rulesets import Route, rules_in_force

UTC = timezone.utc
S2018 = rules_in_force(date(2019, 1, 1))
S2020 = rules_in_force(date(2020, 1, 21))


def match_exclusion(name: str, rules: object) -> tuple[object, object]:
    return _exclusions.match(name, rules.cancellation.exclusions)  # type: ignore[attr-defined]


def _ids(name: str) -> tuple[str | None, str | None]:
    matched, near = _exclusions.match(name, S2020.cancellation.exclusions)
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
def test_words(text: str, expected: str) -> None:
    assert words(text) == expected


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
                assert words(phrase).strip(), (exclusion.id, phrase)
                assert words(phrase) == f" {phrase} ", "write phrases in normalised form"
        # every match group is more specific than some near group: a name losing a word is a near miss
        for group in exclusion.match:
            name = words(" ".join(group))
            assert any(all(words(p) in name for p in near) for near in exclusion.near), group


def _purchase(**changes: object) -> Purchase:
    base = Purchase(order_id="O", product_name="Office 365 E3", kind="software_subscription",
                    purchased_at=datetime(2020, 3, 1, 10, tzinfo=UTC))  # fmt: skip
    return attrs.evolve(base, **changes)


def test_assess_and_the_verdict_at_an_instant() -> None:
    p = _purchase()
    deadline = datetime(2020, 4, 30, 10, tzinfo=UTC)
    assert assess(p, S2020) == Assessment(
        route=Route.WINDOW,
        basis=Basis.KIND,
        exclusion=None,
        window_days=60,
        deadline=deadline,
        window_start=p.purchased_at,
    )
    assert (
        assess(p, S2020).verdict(deadline - timedelta(microseconds=1), S2020).outcome is Outcome.SELF_SERVICE
    )
    assert assess(p, S2020).verdict(deadline, S2020).outcome is Outcome.WINDOW_CLOSED
    esu = assess(_purchase(product_name="Windows 7 ESU 2020"), S2020)
    assert (esu.route, esu.basis, esu.deadline) == (Route.SUPPORT_REQUEST, Basis.EXCLUSION, deadline)
    assert esu.exclusion is not None and esu.exclusion.id == "windows7_esu_2020"
    near = assess(_purchase(product_name="Windows 7 ESU"), S2020)
    assert (near.route, near.basis) == (Route.WINDOW, Basis.NEAR_MISS)
    assert near.verdict(deadline, S2020).outcome is Outcome.SUPPORT_REQUEST
    plan = assess(_purchase(kind="azure_software_plan", product_name="Anything"), S2020)
    assert (plan.route, plan.basis, plan.deadline) == (Route.NOT_CANCELLABLE, Basis.EXCLUSION, None)
    reservation = assess(_purchase(kind="azure_reservation", product_name="SUSE software plan"), S2020)
    assert reservation == Assessment(
        route=Route.NOT_COVERED, basis=Basis.KIND, exclusion=None, window_days=None, deadline=None
    )
    on_premises = assess(_purchase(kind="perpetual_software", purchased_at=date(2019, 6, 1)), S2018)
    assert (on_premises.route, on_premises.basis) == (Route.SUPPORT_REQUEST, Basis.ON_PREMISES)


def test_the_deadline_past_the_calendar_is_an_error() -> None:
    with pytest.raises(InvalidDateError):
        assess(_purchase(purchased_at=datetime(9999, 12, 1, tzinfo=UTC)), S2020)


def test_the_window_is_the_rule_sets_own() -> None:
    p = _purchase()
    seven = ruleset_from_dict(
        {"extends": "S2020", "version": "7D", "in_force_from": "2020-01-21",
         "cancellation": {"window_days": {"software_subscription": 7}}}
    )  # fmt: skip
    assert assess(p, S2020).window_days == 60
    assert assess(p, seven).window_days == 7
    assert assess(p, S2020) == assess(p, S2020)


def test_route_of_agrees_with_assess_for_every_kind_and_shipped_rule_set() -> None:
    for rules in (S2018, S2020):
        for kind in ProductKind:
            for name in ("Office 365 E3", "Windows 7 ESU 2020", "Windows 7 ESU", "SUSE Linux software plan"):
                a = assess(_purchase(kind=kind, product_name=name), rules)
                assert route_of(kind, name, None, rules) == (a.route, a.basis, a.exclusion)


def test_the_outcome_table_is_complete_and_its_outcomes_follow_the_order() -> None:
    """Every key assess can produce has an entry; outcomes that hold for everyone come first (module docstring)."""
    for route in Route:
        for basis in Basis:
            for fee in (False, True):
                windows = [(True, False), (True, True)] + ([] if route is Route.WINDOW else [(False, False)])
                for has_window, in_window in windows:
                    verdict = OUTCOME[route, basis, has_window, in_window, fee]
                    assert verdict.reasons and verdict.rule_numbers
                    if route is Route.NOT_COVERED:
                        assert verdict.outcome is Outcome.NOT_COVERED
                    elif route is Route.NOT_CANCELLABLE:
                        assert verdict.outcome is Outcome.NOT_CANCELLABLE
                    elif route is Route.WINDOW and basis is not Basis.NEAR_MISS:
                        assert verdict.outcome is (
                            Outcome.SELF_SERVICE if in_window else Outcome.WINDOW_CLOSED
                        )
                    else:
                        assert verdict.outcome is Outcome.SUPPORT_REQUEST
