"""Cancellation (issue 4): R7 window and exclusions, R10.3, R1.2, R7.5 prerequisites and planning, R8 effects."""

from __future__ import annotations

import csv
import pickle
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import attrs
import pytest

import csp_rules
from _cases import ESU, VISIO, variant
from _details import raises_precisely, type_error_names
from csp_rules import cancellation, roles
from csp_rules.cancellation import (
    REASON_CODES,
    CancellationDecision,
    Customer,
    Outcome,
    ProductKind,
    Purchase,
    can_self_cancel,
    evaluate,
)
from csp_rules.decision import messages
from csp_rules.errors import (
    CspRulesError,
    InvalidDateError,
    InvalidFieldError,
    NaiveDatetimeError,
    NoRulesInForceError,
    UnknownRoleError,
    ValidationError,
)
from csp_rules.facts import Money, Role
from csp_rules.rulesets import rules_in_force, ruleset_from_dict

CASES = Path(__file__).parent / "cases" / "cancellation"
UTC = timezone.utc
S2018 = rules_in_force(date(2019, 1, 1))
S2020 = rules_in_force(date(2020, 1, 21))


def _instant(text: str) -> datetime | date:
    if len(text) == 10:
        return date.fromisoformat(text)
    return datetime.fromisoformat(text)


def _rows(name: str) -> list[dict[str, str]]:
    with (CASES / name).open(encoding="utf-8", newline="") as fh:
        lines = [line for line in fh if not line.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE))


EVALUATE_CASES = _rows("evaluate.tsv")


def _roles(text: str) -> Any:
    if not text:
        return None
    if text == "[]":
        return []
    return text.split("|")


def _purchase(row: dict[str, str]) -> Purchase:
    return Purchase(
        order_id=f"O-{row['name']}", product_name=row["product"], kind=row["kind"],
        purchased_at=_instant(row["purchased_at"]),
    )  # fmt: skip


@pytest.mark.parametrize("row", EVALUATE_CASES, ids=[r["name"] for r in EVALUATE_CASES])
def test_case_table(row: dict[str, str]) -> None:
    rules = {"": None, "S2018": S2018, "S2020": S2020}[row["rules"]]
    at = _instant(row["at"])
    assert isinstance(at, datetime)
    d = evaluate(_purchase(row), at=at, roles=_roles(row["roles"]), rules=rules)
    assert isinstance(d, CancellationDecision)
    assert d.outcome is Outcome(row["outcome"])
    assert d.reasons == tuple(f"cancellation.{r}" for r in row["reasons"].split("|"))
    assert d.ruleset_version == row["version"]
    assert d.allowed is (d.outcome is Outcome.SELF_SERVICE)
    if row["deadline"] == "-":
        assert (d.deadline, d.days_left, d.time_left) == (None, None, None)
        assert "deadline" not in d.facts
    else:
        assert d.deadline == datetime.fromisoformat(row["deadline"])
        assert d.deadline is not None and d.deadline.utcoffset() == timedelta(0)
        assert d.days_left == int(row["days_left"])
        assert str(d.time_left) == row["time_left"]
        assert d.facts["deadline"] == d.deadline and d.facts["days_left"] == d.days_left
    for code in d.reasons:
        assert code in REASON_CODES
    for locale in ("en", "fr"):
        for text in d.explain_all(locale):
            assert "{" not in text and "}" not in text, text


def test_case_table_covers_every_outcome_and_main_reason() -> None:
    outcomes = {row["outcome"] for row in EVALUATE_CASES}
    assert outcomes == {o.value for o in Outcome}
    main = {"cancellation." + row["reasons"].split("|")[0] for row in EVALUATE_CASES}
    assert {
        "cancellation.self_service", "cancellation.window_closed", "cancellation.support_request_esu",
        "cancellation.support_request_on_premises", "cancellation.exclusion_suspected",
        "cancellation.not_cancellable", "cancellation.not_covered", "cancellation.not_permitted",
    } <= main  # fmt: skip


# --- named examples ---------------------------------------------------------------------------


def _office(**changes: Any) -> Purchase:
    base = Purchase(
        order_id="O-100", product_name="Office 365 E3", kind="software_subscription",
        purchased_at=datetime(2020, 3, 1, 10, tzinfo=UTC), price=Money("240.00", "EUR"),
        term_start=date(2020, 3, 1), term_end=date(2021, 3, 1),
    )  # fmt: skip
    return attrs.evolve(base, **changes)


def test_names_are_importable_from_the_module_and_the_package() -> None:
    assert csp_rules.Purchase is Purchase and csp_rules.ProductKind is ProductKind
    assert csp_rules.Customer is Customer
    assert Outcome.SELF_SERVICE.value == "self_service"


def test_self_service_explains_deadline_days_and_no_fee() -> None:
    d = evaluate(_office(), at=datetime(2020, 4, 20, 10, tzinfo=UTC))
    assert d.facts["early_termination_fee"] is False
    assert d.rule_numbers == ("R7.1", "R7.2")
    en = d.explain("en")
    assert "no early termination fee" in en and "10 full days left" in en and "Apr 30, 2020" in en
    fr = d.explain("fr")
    assert (
        "sans frais de résiliation anticipée" in fr
        and "il reste 10 jours entiers" in fr
        and "30 avr. 2020" in fr
    )


def test_window_closed_uses_the_api_wording() -> None:
    d = evaluate(_office(), at=datetime(2020, 5, 1, tzinfo=UTC))
    assert d.explain("en").startswith("You have passed your 60-day cancellation window")
    assert d.explain("fr").startswith("Vous avez dépassé votre fenêtre d'annulation de 60 jours")
    assert d.rule_numbers == ("R7.1", "R7.6")


def test_support_request_carries_what_the_request_needs() -> None:
    d = evaluate(_office(product_name="Windows 7 ESU 2020"), at=datetime(2020, 3, 2, tzinfo=UTC), rules=S2020)
    assert d.facts["problem_type_en"] == "CSP Purchase/Refund on behalf of customers"
    assert d.facts["problem_type_fr"] == S2020.support_request.problem_type_fr
    assert d.facts["support_request_items"][:4] == (
        "tenant_id_or_domain", "order_id_or_subscription_id", "refund_reason", "amount_requested",
    )  # fmt: skip
    assert d.facts["exclusion"] == "windows7_esu_2020"
    assert d.rule_numbers == ("R7.3", "R9")
    assert "CSP Purchase/Refund on behalf of customers" in d.explain("en")
    assert "« CSP achat/remboursement pour le compte des clients »" in d.explain("fr")
    assert "Windows 7 Extended Security Updates (ESU) 2020" in d.explain("en")
    info = d.explain_all("en")[1]
    assert info.startswith("For information: the 60-day window") and "59 full days left" in info


def test_on_premises_under_s2018_has_no_window() -> None:
    p = _office(kind="perpetual_software", purchased_at=date(2019, 6, 1), term_start=None, term_end=None)
    d = evaluate(p, at=datetime(2019, 6, 2, tzinfo=UTC))
    assert d.outcome is Outcome.SUPPORT_REQUEST and d.rule_numbers == ("R10.3", "R9")
    assert "on-premises software" in d.explain("en") and "logiciel local" in d.explain("fr")
    assert "window_days" not in d.facts


def test_near_miss_names_the_suspected_exclusion() -> None:
    d = evaluate(_office(product_name="SUSE Linux Enterprise Server"), at=datetime(2020, 3, 2, tzinfo=UTC))
    assert d.outcome is Outcome.SUPPORT_REQUEST and d.reason == "cancellation.exclusion_suspected"
    assert d.facts["suspected_exclusion"] == "suse_redhat_software_plan"
    assert "check which product it is" in d.explain("en")
    assert "vérifiez de quel produit il s'agit" in d.explain("fr")
    assert not d.allowed


def test_sku_name_is_matched_too() -> None:
    p = _office(product_name="Windows 7", sku_name="Extended Security Updates 2020")
    assert (
        evaluate(p, at=datetime(2020, 3, 2, tzinfo=UTC), rules=S2020).reason
        == "cancellation.support_request_esu"
    )
    p = _office(product_name="SUSE Linux Enterprise Server", sku_name="Software plan, 1 year")
    assert evaluate(p, at=datetime(2020, 3, 2, tzinfo=UTC)).outcome is Outcome.NOT_CANCELLABLE


def test_not_permitted_keeps_the_window_and_what_an_admin_agent_would_get() -> None:
    d = evaluate(_office(), at=datetime(2020, 3, 2, 10, tzinfo=UTC), roles=["Global admin", "Sales agent"])
    assert d.outcome is Outcome.NOT_PERMITTED and not d.allowed
    assert d.facts["outcome_if_permitted"] is Outcome.SELF_SERVICE
    assert d.days_left == 59 and d.rule_numbers[0] == "R1.2"
    assert d.explain("en") == (
        "Cancelling a purchase takes one of the roles Admin agent; the roles given (Global admin, Sales agent) "
        "include none of them (R1.2)."
    )
    assert "Agent d'administration" in d.explain("fr") and "Administrateur général" in d.explain("fr")
    assert "aucun" in evaluate(_office(), at=datetime(2020, 3, 2, tzinfo=UTC), roles=()).explain("fr")


def test_roles_accept_members_single_values_and_generators() -> None:
    at = datetime(2020, 3, 2, tzinfo=UTC)
    for given in (Role.ADMIN_AGENT, "Admin agent", [Role.ADMIN_AGENT], frozenset({Role.ADMIN_AGENT}),
                  (r for r in ["AdminAgents"])):  # fmt: skip
        d = evaluate(_office(), at=at, roles=given)
        assert d.outcome is Outcome.SELF_SERVICE and "R1.2" in d.rule_numbers
    assert "R1.2" not in evaluate(_office(), at=at).rule_numbers
    assert can_self_cancel(_office(), at=at, roles="agent d’administration")
    assert not can_self_cancel(_office(), at=at, roles="Global admin")


def test_role_check_reads_the_rule_set() -> None:
    custom = ruleset_from_dict(
        {"extends": "S2020", "version": "ACME", "in_force_from": "2020-01-21",
         "roles": {"permissions": {"cancel": ["global_admin"]}}}
    )  # fmt: skip
    at = datetime(2020, 3, 2, tzinfo=UTC)
    assert evaluate(_office(), at=at, roles=["Global admin"], rules=custom).outcome is Outcome.SELF_SERVICE
    assert evaluate(_office(), at=at, roles=["Admin agent"], rules=custom).outcome is Outcome.NOT_PERMITTED


def test_window_length_and_fee_are_rule_set_data() -> None:
    seven = ruleset_from_dict(
        {"extends": "S2020", "version": "ACME-7D", "in_force_from": "2024-01-01",
         "cancellation": {"window_days": {"software_subscription": 7}, "early_termination_fee": True}}
    )  # fmt: skip
    p = _office()
    d = evaluate(p, at=datetime(2020, 3, 8, 9, tzinfo=UTC), rules=seven)
    assert d.outcome is Outcome.SELF_SERVICE and d.deadline == datetime(2020, 3, 8, 10, tzinfo=UTC)
    assert d.reason == "cancellation.self_service_fee" and d.facts["early_termination_fee"] is True
    assert "ACME-7D" in d.explain("en")
    closed = evaluate(p, at=datetime(2020, 3, 8, 10, tzinfo=UTC), rules=seven)
    assert closed.explain("en").startswith("You have passed your 7-day cancellation window")


def test_user_rule_sets_with_other_routes_and_exclusions() -> None:
    custom = ruleset_from_dict(
        {
            "extends": "S2020", "version": "ACME", "in_force_from": "2020-01-21",
            "cancellation": {
                "routes": {"software_subscription": "support_request", "perpetual_software": "not_cancellable"},
                "window_days": {"software_subscription": 30},
                "exclusions": [
                    {"id": "acme_visio", "route": "support_request", "kinds": [], "match": [["visio"]],
                     "description": "Visio, by ACME's contract"}
                ],
            },
        }
    )  # fmt: skip
    at = datetime(2020, 3, 2, tzinfo=UTC)
    sub = evaluate(_office(), at=at, rules=custom)
    assert sub.reasons == ("cancellation.support_request_kind", "cancellation.window_info")
    assert "software subscription" in sub.explain("en") and "abonnement logiciel" in sub.explain("fr")
    perpetual = evaluate(_office(kind="perpetual_software", product_name="Project"), at=at, rules=custom)
    assert perpetual.outcome is Outcome.NOT_CANCELLABLE and "exclusion" not in perpetual.facts
    assert "cannot be cancelled under these rules" in perpetual.explain("en")
    visio = evaluate(_office(kind="perpetual_software", product_name="Visio Standard"), at=at, rules=custom)
    assert visio.reason == "cancellation.support_request_excluded"
    for locale in ("en", "fr"):
        assert "Visio, by ACME's contract" in visio.explain(locale)


def test_every_reason_code_has_both_languages_and_the_same_placeholders() -> None:
    catalog = messages()
    for code in REASON_CODES:
        assert code.startswith("cancellation.")
        assert catalog[code]["en"].strip() and catalog[code]["fr"].strip()
    own = {
        code
        for code in catalog
        if code.startswith("cancellation.") and not code.startswith("cancellation.effect_")
    }
    assert own == REASON_CODES


def test_decision_round_trips_and_pickles() -> None:
    d = evaluate(_office(), at=datetime(2020, 3, 2, tzinfo=UTC), roles=["Global admin"])
    assert pickle.loads(pickle.dumps(d)) == d
    data = d.to_dict()
    assert data["outcome"] == "not_permitted" and data["deadline"] == "2020-04-30T10:00:00+00:00"
    assert data["days_left"] == 59 and data["time_left"] == 59 * 86400 + 10 * 3600
    assert data["facts"]["kind"] == "software_subscription"
    none = evaluate(_office(kind="azure_reservation"), at=datetime(2020, 3, 2, tzinfo=UTC)).to_dict()
    assert none["deadline"] is None and none["time_left"] is None
    assert "<table>" in d._repr_html_()


def test_equal_purchases_get_equal_answers_and_evolved_ones_their_own() -> None:
    at = datetime(2020, 3, 2, tzinfo=UTC)
    a, b = _office(), _office()
    assert a is not b and evaluate(a, at=at) == evaluate(b, at=at)
    esu = attrs.evolve(a, product_name="Windows 7 ESU 2020")
    assert evaluate(esu, at=at, rules=S2020).outcome is Outcome.SUPPORT_REQUEST
    assert evaluate(esu, at=at).outcome is Outcome.SELF_SERVICE  # bought after 2020-01-31 (R11)
    assert evaluate(a, at=at).outcome is Outcome.SELF_SERVICE
    assert evaluate(a, at=at, rules=S2018).ruleset_version == "S2018"
    assert evaluate(a, at=at).ruleset_version == "S2020-01-31"


# --- bad input --------------------------------------------------------------------------------


def test_naive_at_is_an_error() -> None:
    with pytest.raises(NaiveDatetimeError) as err:
        evaluate(_office(), at=datetime(2020, 3, 2))
    assert err.value.field == "at"


def test_at_before_the_purchase_is_an_error() -> None:
    with pytest.raises(InvalidDateError) as err:
        evaluate(_office(), at=datetime(2020, 3, 1, 9, 59, 59, 999999, tzinfo=UTC))
    assert err.value.field == "at"
    # 11:00+02:00 is 09:00 UTC, an hour before the purchase, whatever the local reading suggests
    with pytest.raises(InvalidDateError):
        evaluate(
            _office(), at=datetime(2020, 3, 1, 11, tzinfo=timezone(timedelta(hours=2))), roles=["Admin agent"]
        )


def test_purchase_before_the_first_rule_set_is_an_error() -> None:
    with pytest.raises(NoRulesInForceError):
        evaluate(_office(purchased_at=date(2018, 8, 30)), at=datetime(2018, 9, 1, tzinfo=UTC))
    ok = evaluate(_office(purchased_at=date(2018, 8, 30)), at=datetime(2018, 9, 1, tzinfo=UTC), rules=S2018)
    assert ok.outcome is Outcome.SELF_SERVICE


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"at": "2020-03-02T00:00:00+00:00"}, TypeError),
        ({"at": date(2020, 3, 2)}, TypeError),
        ({"at": datetime(2020, 3, 2, tzinfo=UTC), "rules": "S2020"}, TypeError),
        ({"at": datetime(2020, 3, 2, tzinfo=UTC), "roles": [1]}, TypeError),
        ({"at": datetime(2020, 3, 2, tzinfo=UTC), "roles": ["Admn agent"]}, UnknownRoleError),
    ],
)
def test_bad_arguments(kwargs: dict[str, Any], error: type[Exception]) -> None:
    with pytest.raises(error):
        evaluate(_office(), **kwargs)


def test_not_a_purchase_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        evaluate({"order_id": "x"}, at=datetime(2020, 3, 2, tzinfo=UTC))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "error", "field"),
    [
        ({"kind": "subscriptions_and_more"}, InvalidFieldError, "kind"),
        ({"purchased_at": datetime(2020, 3, 1)}, NaiveDatetimeError, "purchased_at"),
        ({"term_start": date(2020, 3, 1), "term_end": date(2020, 3, 1)}, InvalidDateError, "term_end"),
        ({"term_start": date(2020, 3, 2), "term_end": date(2020, 3, 1)}, InvalidDateError, "term_end"),
    ],
)
def test_bad_purchases_are_clear_errors(
    changes: dict[str, Any], error: type[CspRulesError], field: str
) -> None:
    with pytest.raises(error) as err:
        _office(**changes)
    assert err.value.field == field


def test_malformed_tenant_guid_is_an_error() -> None:
    with pytest.raises(InvalidFieldError) as err:
        Customer(tenant_id="not-a-guid")
    assert err.value.field == "tenant_id"


def test_deadline_past_the_calendar_is_an_error() -> None:
    p = _office(purchased_at=datetime(9999, 12, 28, tzinfo=UTC), term_start=None, term_end=None)
    with pytest.raises(InvalidDateError):
        evaluate(p, at=datetime(9999, 12, 29, tzinfo=UTC))  # the 7-day window of S2022-07-11
    with pytest.raises(InvalidDateError):
        evaluate(
            attrs.evolve(p, purchased_at=datetime(9999, 12, 1, tzinfo=UTC)),
            at=datetime(9999, 12, 2, tzinfo=UTC),
            rules=S2020,
        )


# --- details: wording, facts, defaults and limits a caller can observe ---


def test_cancellation_names_and_role_facts() -> None:
    d = cancellation.evaluate(ESU, at=datetime(2020, 2, 2, tzinfo=UTC), rules=S2020)
    assert d.facts["exclusion"] == "windows7_esu_2020"
    assert d.facts["exclusion_en"] == "Windows 7 Extended Security Updates (ESU) 2020"
    assert d.facts["exclusion_fr"] == "les mises à jour de sécurité étendues (ESU) de Windows 7 2020"
    d = cancellation.evaluate(VISIO, at=datetime(2020, 3, 2, tzinfo=UTC), roles=[])
    assert (d.facts["roles_en"], d.facts["roles_fr"]) == ("none", "aucun")
    d = cancellation.evaluate(VISIO, at=datetime(2020, 3, 2, tzinfo=UTC), roles=["Agent commercial"])
    assert d.facts["roles_en"] == "Sales agent"
    d = cancellation.evaluate(VISIO, at=datetime(2020, 3, 2, 6, tzinfo=UTC))
    assert d.facts["time_left"] == d.time_left == timedelta(days=58, hours=18)
    assert d.facts["purchased_at"] == VISIO.purchased_at
    closed = cancellation.evaluate(VISIO, at=datetime(2020, 6, 2, tzinfo=UTC))
    assert closed.facts["in_window"] is False
    assert cancellation.evaluate(VISIO, at=datetime(2020, 3, 2, tzinfo=UTC)).facts["in_window"] is True
    with_admin = cancellation.evaluate(VISIO, at=datetime(2020, 6, 2, tzinfo=UTC), roles=["Admin agent"])
    assert with_admin.facts["in_window"] is False


def test_rule_sets_lacking_entries() -> None:
    no_cancel = variant("NO-CANCEL", lambda d: d["roles"]["permissions"].pop("cancel"))
    d = cancellation.evaluate(
        VISIO, at=datetime(2020, 3, 2, tzinfo=UTC), roles=["Admin agent"], rules=no_cancel
    )
    assert d.outcome is cancellation.Outcome.NOT_PERMITTED
    assert roles.required_roles("cancel", rules=no_cancel) == frozenset()
    no_route = variant("NO-ROUTE", lambda d: d["cancellation"]["routes"].pop("perpetual_software"))
    d = cancellation.evaluate(VISIO, at=datetime(2020, 3, 2, tzinfo=UTC), rules=no_route)
    assert d.outcome is cancellation.Outcome.NOT_COVERED
    raises_precisely(lambda: roles.required_roles("fly"), InvalidFieldError, "action")


def test_window_messages() -> None:
    raises_precisely(
        lambda: cancellation.evaluate(VISIO, at=datetime(2020, 2, 1, tzinfo=UTC)),
        InvalidDateError,
        "at",
        says=("2020-02-01T00:00:00+00:00 is before the purchase (2020-03-01T00:00:00+00:00)",),
    )
    edge = datetime.max.replace(tzinfo=UTC) - timedelta(days=1)
    late = Purchase(order_id="L", product_name="SQL", kind="perpetual_software", purchased_at=edge)
    raises_precisely(
        lambda: cancellation.evaluate(late, at=edge),
        InvalidDateError,
        "deadline",
        says=("+ 30 days is past the end of the calendar",),  # perpetual software under S2022-07-11
    )
    type_error_names(
        lambda: cancellation.check_prerequisites({}, notice_acknowledged=True, rules="S2020"),  # type: ignore[arg-type]
        "rules",
        "str",
    )
    err = raises_precisely(
        lambda: cancellation.check_prerequisites({"x": 1}, notice_acknowledged=True), InvalidFieldError, "x"
    )
    assert str(err) == "x: unknown key; a row has customer_name, domain, order_id, product_name, tenant_id"


def test_plan_conflict_messages_cut_long_values() -> None:
    a = Purchase(
        order_id="A",
        product_name="V",
        kind="perpetual_software",
        purchased_at=date(2020, 5, 1),
        customer=Customer(name="N" * 100),
    )
    b = attrs.evolve(a, customer=Customer(name="M" * 100))
    c = attrs.evolve(a, customer=None)
    err = raises_precisely(lambda: cancellation.plan_cancellations([c, a, b]), ValidationError, "purchases")
    assert isinstance(err, ValidationError)
    (problem,) = err.problems
    assert problem.field == "purchases[2].customer.name"
    assert repr("M" * 80) in problem.message and "M" * 81 not in problem.message
    assert "line item purchases[1] of the same order has " + repr("N" * 80) in problem.message
