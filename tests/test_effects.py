"""What a cancellation does (R8, R8.1–R8.3): visible within 15 minutes, keys and links revoked, the credit."""

from __future__ import annotations

import pickle
from datetime import date, datetime, timedelta, timezone
from typing import Any

import attrs
import pytest

from _cases import VISIO, variant
from _details import raises_precisely, type_error_names
from csp_rules import cancellation
from csp_rules.billing import CreditOutcome
from csp_rules.cancellation import CancellationDecision, Outcome
from csp_rules.effects import OBLIGATIONS, REASON_CODES, Obligation, effects
from csp_rules.errors import (
    InvalidDateError,
    InvalidFieldError,
    NaiveDatetimeError,
    NotCancellableError,
)
from csp_rules.facts import Customer, Money, Purchase
from csp_rules.rulesets import Route, rules_in_force, ruleset_from_dict

UTC = timezone.utc
S2018 = rules_in_force(date(2019, 1, 1))
S2020 = rules_in_force(date(2020, 1, 21))


def _office(**changes: Any) -> Purchase:
    base = Purchase(
        order_id="O-100", product_name="Office 365 E3", kind="software_subscription",
        purchased_at=datetime(2020, 3, 1, 10, tzinfo=UTC), price=Money("240.00", "EUR"),
        term_start=date(2020, 3, 1), term_end=date(2021, 3, 1),
    )  # fmt: skip
    return attrs.evolve(base, **changes)


def test_reason_codes_are_the_effects_family() -> None:
    assert {
        "cancellation.effect_visible",
        "cancellation.effect_revoked",
        "cancellation.effect_listed",
    } == REASON_CODES


# --- effects (R8.1–R8.3, credit R8.4) -----------------------------------------------------------


def test_effects_of_a_self_service_cancellation() -> None:
    p = _office(customer=Customer(name="Contoso"))
    at = datetime(2020, 3, 2, 23, 50, tzinfo=timezone(timedelta(hours=-2)))  # 2020-03-03T01:50Z
    e = effects(p, cancelled_at=at, billing_day=10)
    assert e.cancelled_at == datetime(2020, 3, 3, 1, 50, tzinfo=UTC)
    assert e.visible_by == datetime(2020, 3, 3, 2, 5, tzinfo=UTC)
    assert (e.keys_revoked, e.links_revoked, e.still_listed, e.activation_key_available) == (
        True,
        True,
        True,
        False,
    )
    assert e.obligations == OBLIGATIONS == (
        Obligation.STOP_USING, Obligation.UNINSTALL, Obligation.DELETE_LINKS, Obligation.DELETE_DOWNLOADS,
    )  # fmt: skip
    assert e.obligated == ("partner", "customer")
    assert e.route is Outcome.SELF_SERVICE and e.decision.outcome is Outcome.SELF_SERVICE
    # 2020-03-03 to 2021-03-01: 363 unused days of a 365-day term; 240 × 363 / 365 = 238.684... -> 238.68
    assert e.credit.outcome is CreditOutcome.PRORATED and e.credit.amount == Money("238.68", "EUR")
    assert e.credit.invoice_date == date(2020, 3, 10)
    assert e.rule_numbers[:3] == ("R8.1", "R8.2", "R8.3") and "R8.4" in e.rule_numbers
    en = e.explain("en")
    assert "up to 15 minutes" in en[0] and "revoked" in en[1] and "without its activation key" in en[2]
    assert len(en) >= 4 and "238.68" in en[3]
    fr = e.explain("fr")
    assert "15 minutes" in fr[0] and "révoqués" in fr[1] and "sans sa clé d'activation" in fr[2]
    assert pickle.loads(pickle.dumps(e)) == e


def test_effects_delay_is_rule_set_data() -> None:
    slow = ruleset_from_dict(
        {"extends": "S2020", "version": "SLOW", "in_force_from": "2020-01-21",
         "cancellation": {"dashboard_delay_minutes": 60}}
    )  # fmt: skip
    e = effects(_office(), cancelled_at=datetime(2020, 3, 2, tzinfo=UTC), rules=slow)
    assert e.visible_by == datetime(2020, 3, 2, 1, tzinfo=UTC) and e.ruleset_version == "SLOW"


def test_effects_of_support_request_cancellations() -> None:
    esu = _office(product_name="Windows 7 ESU 2020")
    late = effects(esu, cancelled_at=datetime(2021, 1, 1, tzinfo=UTC), rules=S2020)  # R7.3: at any time
    assert late.route is Outcome.SUPPORT_REQUEST and late.keys_revoked
    assert late.credit.outcome is CreditOutcome.NO_CREDIT
    on_prem = _office(
        kind="perpetual_software", purchased_at=date(2019, 6, 1), term_start=None, term_end=None
    )
    e = effects(on_prem, cancelled_at=datetime(2019, 9, 1, tzinfo=UTC))
    assert e.ruleset_version == "S2018" and e.credit.outcome is CreditOutcome.NO_RULE_STATED


@pytest.mark.parametrize(
    ("changes", "cancelled_at", "outcome"),
    [
        ({}, datetime(2020, 4, 30, 10, tzinfo=UTC), Outcome.WINDOW_CLOSED),
        ({"kind": "azure_reservation"}, datetime(2020, 3, 2, tzinfo=UTC), Outcome.NOT_COVERED),
        (
            {"product_name": "Red Hat Enterprise Linux software plan"},
            datetime(2020, 3, 2, tzinfo=UTC),
            Outcome.NOT_CANCELLABLE,
        ),
    ],
)
def test_no_effects_for_a_cancellation_that_cannot_happen(
    changes: dict[str, Any], cancelled_at: datetime, outcome: Outcome
) -> None:
    with pytest.raises(NotCancellableError) as err:
        effects(_office(**changes), cancelled_at=cancelled_at)
    assert err.value.field == "cancelled_at" and err.value.code == "error.not_cancellable"
    assert isinstance(err.value.value, CancellationDecision) and err.value.value.outcome is outcome
    assert pickle.loads(pickle.dumps(err.value)).value == err.value.value


def test_effects_bad_input() -> None:
    with pytest.raises(NaiveDatetimeError):
        effects(_office(), cancelled_at=datetime(2020, 3, 2))
    with pytest.raises(InvalidDateError):
        effects(_office(), cancelled_at=datetime(2020, 2, 1, tzinfo=UTC))
    with pytest.raises(InvalidFieldError):
        effects(_office(), cancelled_at=datetime(2020, 3, 2, tzinfo=UTC), billing_day=32)


# --- what a cancellation does -------------------------------------------------------------------


@pytest.mark.parametrize("rules", [None, S2020])
def test_effects_of_a_self_service_cancellation_field_by_field(rules: Any) -> None:
    bought = datetime(2020, 3, 1, 9, tzinfo=UTC)
    p = Purchase(
        order_id="O-3",
        product_name="Microsoft 365 Apps",
        kind="software_subscription",
        purchased_at=bought,
        price=Money("365.00", "EUR"),
        term_start=date(2020, 3, 1),
        term_end=date(2021, 3, 1),
    )
    at = bought + timedelta(days=10)
    e = effects(p, cancelled_at=at, rules=rules, billing_day=5)
    assert e.order_id == "O-3"
    assert e.cancelled_at == at
    assert e.visible_by == at + timedelta(minutes=15)  # R8.1
    assert e.route is Outcome.SELF_SERVICE
    assert (e.keys_revoked, e.links_revoked) == (True, True)  # R8.2
    assert (e.still_listed, e.activation_key_available) == (True, False)  # R8.3
    assert e.obligations == tuple(Obligation)
    assert e.ruleset_version == ("S2020" if rules else "S2020-01-31")
    assert set(e.rule_numbers) >= {"R8.1", "R8.2", "R8.3", "R8.4"}
    assert e.decision == cancellation.evaluate(p, at=at, rules=rules)
    assert e.credit.amount == Money("355.00", "EUR")  # 355 unused days of 365, cancellation day credited
    assert e.credit.invoice_date == date(2020, 4, 5)
    assert e.facts["order_id"] == "O-3"
    lines_en, lines_fr = e.explain("en"), e.explain("fr")
    assert len(lines_en) == 3 + len(e.credit.reasons) == len(lines_fr)
    assert "O-3" in lines_en[0] and "15" in lines_en[0]
    assert lines_en[3:] == e.credit.explain_all("en")
    assert lines_en != lines_fr
    assert all(line and "{" not in line for line in lines_en + lines_fr)


def test_effects_of_a_support_request_and_of_the_impossible() -> None:
    esu = Purchase(
        order_id="E-1",
        product_name="Windows 7 Extended Security Updates 2020",
        kind="software_subscription",
        purchased_at=date(2020, 1, 25),  # under S2020, which lists the ESU exclusion
    )
    e = effects(esu, cancelled_at=datetime(2020, 2, 2, tzinfo=UTC))
    assert e.route is Outcome.SUPPORT_REQUEST
    late = Purchase(
        order_id="L-1", product_name="Visio", kind="perpetual_software", purchased_at=date(2020, 2, 1)
    )
    at = datetime(2020, 6, 1, tzinfo=UTC)
    err = raises_precisely(lambda: effects(late, cancelled_at=at), NotCancellableError, "cancelled_at")
    assert err.value == cancellation.evaluate(late, at=at)
    assert err.value.outcome is Outcome.WINDOW_CLOSED
    plan = Purchase(
        order_id="S-1",
        product_name="SUSE Linux Enterprise Server",
        kind="azure_software_plan",
        purchased_at=date(2020, 2, 1),
    )
    assert (
        raises_precisely(
            lambda: effects(plan, cancelled_at=datetime(2020, 2, 2, tzinfo=UTC)),
            NotCancellableError,
            "cancelled_at",
        ).value.outcome
        is Outcome.NOT_CANCELLABLE
    )
    type_error_names(lambda: effects(late, cancelled_at="2020-02-02"), "cancelled_at", "str")
    naive = datetime(2020, 2, 2)
    raises_precisely(
        lambda: effects(late, cancelled_at=naive), NaiveDatetimeError, "cancelled_at", value=naive
    )
    type_error_names(lambda: effects("O-1", cancelled_at=at), "purchase", "str")


# --- details: wording, facts, defaults and limits a caller can observe ---


def test_effects_follow_the_callers_rules_and_the_calendar() -> None:
    seven = variant("SEVEN", lambda d: d["cancellation"]["window_days"].update(perpetual_software=7))
    at = datetime(2020, 3, 9, tzinfo=UTC)
    assert effects(VISIO, cancelled_at=at).route is cancellation.Outcome.SELF_SERVICE
    err = raises_precisely(
        lambda: effects(VISIO, cancelled_at=at, rules=seven),
        NotCancellableError,
        "cancelled_at",
        says=("order V cannot be cancelled then: ",),
    )
    assert err.value.ruleset_version == "SEVEN"
    assert str(err).endswith(err.value.explain("en"))
    edge = datetime.max.replace(tzinfo=UTC) - timedelta(minutes=10)
    far = Purchase(
        order_id="F",
        product_name="Windows 7 Extended Security Updates 2020",
        kind="software_subscription",
        purchased_at=edge - timedelta(hours=1),
    )
    eternal = variant("LATE", lambda d: d["cancellation"]["window_days"].update(software_subscription=1))
    with pytest.raises(InvalidDateError) as info:
        effects(far, cancelled_at=edge, rules=eternal)
    assert info.value.field in ("cancelled_at", "deadline")
    e = effects(VISIO, cancelled_at=datetime(2020, 3, 2, tzinfo=UTC), billing_day=1)
    assert e.explain() == e.explain("en")


def test_effects_reject_naive_and_unknown() -> None:
    naive = datetime(2020, 3, 2)
    raises_precisely(lambda: effects(VISIO, cancelled_at=naive), NaiveDatetimeError, "cancelled_at")
    assert Route.WINDOW.value == "window"
