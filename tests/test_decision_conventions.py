"""Decision conventions, for every rule family (issue 9; tests the surviving mutants showed missing).

Every :class:`~csp_rules.decision.Decision` the library returns must hold together: its reason
codes are the family's declared ``REASON_CODES`` and have English and French messages; its rule
numbers are numbers of RULES.md (``docs/_data/rules.toml`` lists them all); its rule-set version
is that of the rules applied (the caller's when given, else the one in force); ``allowed`` is a
bool; ``to_dict()`` is JSON and repeats the decision; and every explanation, in both languages,
is a whole sentence: no ``{placeholder}`` left unfilled because a fact is missing or misnamed, no
``None`` where a fact should be. A mutant that renames a fact, drops a rule number, misspells a
reason or forgets the rule set fails here.
"""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest
import tomllib

from csp_rules import (
    activity,
    billing,
    cancellation,
    effects,
    hybrid_benefit,
    links,
    markets,
    roles,
    rulesets,
    tax,
)
from csp_rules.decision import Decision, messages
from csp_rules.errors import MissingFieldError
from csp_rules.facts import Customer, Money, ProductKind, Purchase, Role
from csp_rules.rulesets import RuleSet, ruleset_from_dict, shipped_rulesets

UTC = timezone.utc
ROOT = Path(__file__).resolve().parent.parent
RULE_NUMBERS = frozenset(
    r["number"] for r in tomllib.loads((ROOT / "docs/_data/rules.toml").read_text("utf-8"))["rule"]
)
S2018, S2020 = shipped_rulesets()[:2]
#: a user rule set that differs from S2020 in every parameter a decision reads
ACME = ruleset_from_dict(
    {
        "extends": "S2020",
        "version": "ACME-1",
        "in_force_from": "2024-01-01",
        "cancellation": {"window_days": {"software_subscription": 7, "perpetual_software": 30}},
        "links": {"lifetime_days": 2, "download_cap": 3},
        "tax": {"inclusive_markets": ["FR"]},
        "reservations": {"unavailable_markets": ["FR", "DE"]},
        "roles": {"permissions": {"cancel": ["global_admin"], "view_activity_log": ["admin_agent"]}},
        "credits": {
            "by_kind": {"perpetual_software": "prorated", "software_subscription": "full"},
            "cancellation_day_credited": False,
        },
    }
)


def _acme2() -> RuleSet:
    """Another user rule set: a fee, a kind cancelled by support request, a user exclusion, no rule for buying."""
    data = S2020.to_dict()
    data.update(version="ACME-2", in_force_from="2024-01-01")
    data["cancellation"]["early_termination_fee"] = True
    data["cancellation"]["routes"]["azure_reservation"] = "support_request"
    data["cancellation"]["exclusions"].append(
        {
            "id": "acme_visio",
            "route": "support_request",
            "kinds": [],
            "match": [["visio"]],
            "description": "Visio is cancelled by support request at ACME",
        }
    )
    del data["roles"]["permissions"]["buy"]
    return ruleset_from_dict(data)


ACME2 = _acme2()
REASONS = (
    activity.REASON_CODES
    | billing.REASON_CODES
    | cancellation.REASON_CODES
    | effects.REASON_CODES
    | hybrid_benefit.REASON_CODES
    | tax.REASON_CODES
    | rulesets.REASON_CODES
    | links.REASON_CODES
    | markets.REASON_CODES
    | roles.REASON_CODES
)
PLACEHOLDER = re.compile(r"\{[^{}]*\}")
FACT_KEY = re.compile(r"^[a-z][a-z0-9_]*$")


def _purchases() -> Iterator[Purchase]:
    names = {
        ProductKind.SOFTWARE_SUBSCRIPTION: [
            "Microsoft 365 Apps",
            "Windows 7 Extended Security Updates 2020",
            "Windows 7 ESU",
            "Visio Plan 2",
        ],
        ProductKind.PERPETUAL_SOFTWARE: ["SQL Server 2019 Standard"],
        ProductKind.AZURE_RESERVATION: ["Reserved VM Instance"],
        ProductKind.AZURE_SOFTWARE_PLAN: ["SUSE Linux Enterprise Server"],
    }
    n = 0
    for kind, product_names in names.items():
        for name in product_names:
            for bought in (
                date(2019, 6, 1),
                datetime(2020, 3, 1, 9, tzinfo=UTC),
                date(2022, 1, 15),
                date(2024, 2, 1),
            ):
                n += 1
                day = bought if not isinstance(bought, datetime) else bought.date()
                length = 10 if n % 3 == 0 else 365  # a short term is over before the window: nothing unused
                subscription = kind is ProductKind.SOFTWARE_SUBSCRIPTION
                term = (day, day + timedelta(days=length)) if subscription else (None, None)
                yield Purchase(
                    order_id=f"O-{n}",
                    product_name=name,
                    kind=kind,
                    purchased_at=bought,
                    price=Money("120.00", "EUR"),
                    term_start=term[0],
                    term_end=term[1],
                    customer=Customer(name="Contoso"),
                )


Thunk = Callable[[], Any]


def _credit(p: Purchase, at: datetime, rules: RuleSet | None, billing_day: int | None) -> Any:
    try:
        return billing.refund_credit(p, cancelled_at=at, rules=rules, billing_day=billing_day)
    except MissingFieldError:  # a prorated credit of a kind without a term (ACME prorates perpetual software)
        assert rules is ACME
        return None


def _decisions() -> Iterator[tuple[str, Thunk, RuleSet | None]]:
    """(label, the call that makes the decision, rules given) over a grid of every family."""
    for p in _purchases():
        for rules in (None, S2018, S2020, ACME, ACME2):
            if rules in (ACME, ACME2) and p.purchased_at.year < 2024:
                continue
            for days in (0, 6, 29, 59, 60, 400):
                at = p.purchased_at + timedelta(days=days, hours=1)
                for who in (None, ["Admin agent"], ["Global admin"], ["Agent commercial"]):
                    yield (
                        f"evaluate {p.order_id} {days} {who} {rules}",
                        lambda p=p, at=at, who=who, rules=rules: cancellation.evaluate(
                            p, at=at, roles=who, rules=rules
                        ),
                        rules,
                    )
                yield (
                    f"refund_credit {p.order_id} {days} {rules}",
                    lambda p=p, at=at, rules=rules, day=days % 2 * 15 or None: _credit(p, at, rules, day),
                    rules,
                )
            yield (
                f"prerequisites {p.order_id}",
                lambda p=p, rules=rules: cancellation.check_prerequisites(
                    p, notice_acknowledged=p.order_id.endswith(("1", "3")), rules=rules
                ),
                rules,
            )
    for market in ("FR", "AU", "BR", "CG", "CD", "SH", "BQ", "XK", "DE", "JP"):
        for rules in (None, S2018, S2020, ACME):
            yield (
                f"reservations {market} {rules}",
                lambda m=market, rules=rules: markets.check_reservations(m, rules=rules),
                rules,
            )
            yield (
                f"tax {market} {rules}",
                lambda m=market, rules=rules: tax.tax_treatment(m, rules=rules),
                rules,
            )
    for role in Role:
        for action in ("buy", "cancel", "get_keys_and_downloads", "view_activity_log"):
            for rules in (None, S2018, ACME):
                yield (
                    f"authorize {role} {action} {rules}",
                    lambda r=role, a=action, rules=rules: roles.authorize([r], a, rules=rules),
                    rules,
                )
    yield "authorize none", lambda: roles.authorize([], "cancel"), None
    yield "authorize no rule", lambda: roles.authorize(["Admin agent"], "buy", rules=ACME2), ACME2
    for missing in ("order_id", "product_name", "customer_name"):
        record: dict[str, Any] = {"order_id": "O-9", "product_name": "SQL Server", "customer_name": "Contoso"}
        record[missing] = None
        yield (
            f"prerequisites missing {missing}",
            lambda record=record: cancellation.check_prerequisites(record, notice_acknowledged=False),
            None,
        )
    t0 = datetime(2024, 3, 2, 9, 30, tzinfo=UTC)
    for rules in (None, S2020, ACME):
        for hours in (0, 47, 48, 24 * 14):
            for downloads in (0, 2, 3, 49, 50):
                for revoked in (None, t0 + timedelta(hours=1)):
                    yield (
                        f"link {hours} {downloads} {revoked} {rules}",
                        lambda h=hours, d=downloads, r=revoked, rules=rules: links.link_status(
                            links.issue_link(t0),
                            at=t0 + timedelta(hours=h),
                            downloads=d,
                            revoked_at=r,
                            rules=rules,
                        ),
                        rules,
                    )
    for args in (("2019", "fr", "ISO"), ("2019", None, "ISO"), (None, None, None), ("", " ", "exe")):
        yield f"selection {args}", lambda args=args: links.check_selection(*args), None
    for who in (["Global admin"], ["Admin agent"], []):
        for rules in (None, ACME):
            yield (
                f"activity {who} {rules}",
                lambda who=who, rules=rules: activity.activity_log(
                    [
                        activity.ActivityEntry(
                            user=u,
                            action="download",
                            at=t0 + timedelta(days=d),
                            product="SQL",
                            customer="Contoso",
                        )
                        for u, d in (("b", 1), ("a", 0), ("c", 9))
                    ],
                    start=t0.date(),
                    end=t0.date() + timedelta(days=1),
                    roles=who,
                    rules=rules,
                ),
                rules,
            )
    editions = (
        "Datacenter",
        "Standard",
        "Essentials",
        "Windows Server 2019 Datacenter",
        "x",
        "SQL Server 2019 Standard",
    )
    for edition in editions:
        for sa in (True, False):
            yield (
                f"hybrid {edition} {sa}",
                lambda e=edition, sa=sa: hybrid_benefit.hybrid_benefit(e, software_assurance=sa),
                None,
            )


FAMILIES = (
    "evaluate",
    "refund_credit",
    "prerequisites",
    "reservations",
    "tax",
    "authorize",
    "link",
    "selection",
    "activity",
    "hybrid",
)


def _family(name: str) -> list[tuple[str, Any, RuleSet | None]]:
    """The decisions of one family, computed inside the test (so that mutation testing links the two)."""
    out = []
    for label, make, rules in _decisions():
        if label.split(" ", 1)[0] == name:
            decision = make()
            if decision is not None:
                out.append((label, decision, rules))
    return out


def _expected_version(decision: Any, rules: RuleSet | None, label: str) -> set[str]:
    if rules is not None:
        return {rules.version}
    return {r.version for r in shipped_rulesets()}


@pytest.mark.parametrize("family", FAMILIES)
def test_every_decision_holds_together(family: str) -> None:
    grid = _family(family)
    assert grid
    for label, decision, rules in grid:
        _check(label, decision, rules)


def _check(label: str, decision: Any, rules: RuleSet | None) -> None:
    assert isinstance(decision, Decision)
    assert type(decision.allowed) is bool
    assert isinstance(decision.outcome, enum.Enum)
    assert decision.reasons, "no reason"
    assert set(decision.reasons) <= REASONS, decision.reasons
    assert len(set(decision.reasons)) == len(decision.reasons), decision.reasons
    assert decision.reason == decision.reasons[0]
    assert decision.rule_numbers, "no rule number"
    assert set(decision.rule_numbers) <= RULE_NUMBERS, decision.rule_numbers
    assert decision.ruleset_version in _expected_version(decision, rules, label)
    data = decision.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["outcome"] == decision.outcome.value
    assert data["allowed"] is decision.allowed
    assert data["reasons"] == list(decision.reasons)
    assert data["rule_numbers"] == list(decision.rule_numbers)
    assert data["ruleset_version"] == decision.ruleset_version
    assert set(data["facts"]) == set(decision.facts)
    bad_keys = [k for k in decision.facts if not FACT_KEY.match(k)]
    assert not bad_keys, f"fact names are lower_snake_case: {bad_keys}"
    if label.startswith("selection"):  # no date: the newest shipped rule set names the decision
        assert decision.ruleset_version == shipped_rulesets()[-1].version
    for locale in ("en", "fr", "fr_CA"):
        texts = [decision.explain(locale), *decision.explain_all(locale)]
        assert texts[0] == texts[1]
        assert len(texts) == len(decision.reasons) + 1
        for text in texts:
            assert text.strip() and not PLACEHOLDER.search(text), text
            assert "None" not in text and "XX" not in text, text
    assert decision.explain("en") != decision.explain("fr")
    for code in decision.reasons:
        assert set(messages()[code]) >= {"en", "fr"}


def test_the_grid_reaches_every_reason_and_outcome() -> None:
    decisions = [d for family in FAMILIES for d in _family(family)]
    reached = {r for _, d, _ in decisions for r in d.reasons}
    # reasons only effects() and the CLI give, checked in their own tests
    assert REASONS - reached <= {
        "cancellation.effect_visible",
        "cancellation.effect_revoked",
        "cancellation.effect_listed",
    }, sorted(REASONS - reached)
    for family in (
        cancellation.Outcome,
        billing.CreditOutcome,
        links.LinkStatus,
        roles.Authorization,
        markets.ReservationOutcome,
        hybrid_benefit.HybridBenefitOutcome,
    ):
        seen = {d.outcome for _, d, _ in decisions if isinstance(d.outcome, family)}
        assert seen == set(family), f"{family.__name__}: {set(family) - seen} never reached"


def test_the_callers_rule_set_is_the_one_applied() -> None:
    """ACME differs from S2020 in every parameter: each answer must follow ACME's."""
    assert markets.reservations_available("FR", rules=ACME) is False
    assert markets.reservations_available("CG", rules=ACME) is True
    assert tax.price_includes_tax("FR", rules=ACME) is True
    assert tax.price_includes_tax("AU", rules=ACME) is False
    assert tax.price_includes_tax("FR", rules=ACME) is True
    assert tax.tax_treatment("FR", rules=ACME).allowed is tax.tax_treatment("AU").allowed
    assert roles.is_permitted(["Global admin"], "cancel", rules=ACME) is True
    assert roles.is_permitted(["Admin agent"], "cancel", rules=ACME) is False
    assert roles.required_roles("cancel", rules=ACME) == {Role.GLOBAL_ADMIN}
    assert rulesets.rules_or_newest(ACME) is ACME
    assert activity.can_view_activity_log(["Admin agent"], rules=ACME) is True
    assert activity.can_view_activity_log(["Global admin"], rules=ACME) is False
    bought = datetime(2024, 3, 1, tzinfo=UTC)
    sub = Purchase(
        order_id="S",
        product_name="Microsoft 365 Apps",
        kind="software_subscription",
        purchased_at=bought,
        price=Money("365.00", "EUR"),
        term_start=date(2024, 3, 1),
        term_end=date(2025, 3, 1),
    )
    perp = Purchase(
        order_id="P",
        product_name="SQL Server",
        kind="perpetual_software",
        purchased_at=bought,
        price=Money("300.00", "EUR"),
    )
    day8 = bought + timedelta(days=8)
    assert cancellation.can_self_cancel(sub, at=day8) is False  # S2022-07-11: 7 days
    assert cancellation.can_self_cancel(sub, at=day8, rules=S2020) is True  # S2020: 60 days
    assert cancellation.can_self_cancel(sub, at=day8, rules=ACME) is False  # ACME: 7 days
    assert cancellation.can_self_cancel(perp, at=bought + timedelta(days=29), rules=ACME) is True
    assert cancellation.can_self_cancel(perp, at=bought + timedelta(days=30), rules=ACME) is False
    assert cancellation.evaluate(sub, at=bought, roles=["Global admin"], rules=ACME).allowed is True
    assert cancellation.evaluate(sub, at=bought, roles=["Admin agent"], rules=ACME).allowed is False
    assert cancellation.evaluate(sub, at=day8, rules=ACME).deadline == bought + timedelta(days=7)
    full = billing.refund_credit(sub, cancelled_at=bought + timedelta(days=1), rules=ACME)
    assert full.amount == Money("365.00", "EUR")  # ACME: subscriptions credited in full
    with pytest.raises(MissingFieldError):  # ACME prorates perpetual software, which has no term
        billing.refund_credit(perp, cancelled_at=bought + timedelta(days=5), rules=ACME)
    assert billing.credit_due(sub, cancelled_at=day8, rules=ACME) is False
    link = links.issue_link(bought, rules=ACME)
    assert link.expires_at(ACME) == bought + timedelta(days=2)
    assert links.link_usable(link, at=bought + timedelta(days=1), downloads=2, rules=ACME) is True
    assert links.link_usable(link, at=bought + timedelta(days=1), downloads=3, rules=ACME) is False
    assert links.link_usable(link, at=bought + timedelta(days=2), downloads=0, rules=ACME) is False
    renewed = links.renew_link(link, at=bought + timedelta(days=5), rules=ACME)
    assert (
        links.link_status(renewed, at=bought + timedelta(days=6), downloads=0, rules=ACME).downloads_left == 3
    )
    done = effects.effects(sub, cancelled_at=bought + timedelta(days=1), rules=ACME, billing_day=5)
    assert done.ruleset_version == "ACME-1"
    assert done.credit is not None and done.credit.ruleset_version == "ACME-1"


def _attrs_decisions() -> Iterator[tuple[str, Callable[[], Any]]]:
    yield (
        "effects",
        lambda: effects.effects(
            Purchase(
                order_id="E",
                product_name="SQL Server",
                kind="perpetual_software",
                purchased_at=datetime(2020, 3, 1, tzinfo=UTC),
                price=Money("100", "EUR"),
            ),
            cancelled_at=datetime(2020, 3, 2, tzinfo=UTC),
            billing_day=5,
        ),
    )


def test_effects_hold_together() -> None:
    for _, make in _attrs_decisions():
        done = make()
        assert attrs.has(type(done))
        for locale in ("en", "fr"):
            texts = done.explain(locale)
            assert texts and all(t.strip() and not PLACEHOLDER.search(t) and "None" not in t for t in texts)
        assert set(done.rule_numbers) <= RULE_NUMBERS
        assert done.ruleset_version == "S2020-01-31"  # bought 2020-03-01
        assert done.visible_by == done.cancelled_at + timedelta(minutes=15)
        assert done.credit is not None and done.credit.amount == Money("100", "EUR")
        assert Decimal(str(done.credit.amount.amount)) == Decimal("100")
