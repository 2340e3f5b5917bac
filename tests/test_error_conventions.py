"""Error conventions, probed argument by argument (issue 9; tests the surviving mutants showed missing).

The robustness contract (``tests/test_robustness.py``) says *which* exceptions may escape. These
tests check *what they say*, the conventions of ``csp_rules.errors``: starting from a valid call
of every rule function, each argument in turn is replaced by a value of a wrong type, ``None``,
an empty, blank or control-character text, a naive datetime or a date out of range, and

* a :class:`TypeError` names the parameter first (``"at: expected ..."``) and the type received;
* a :class:`~csp_rules.errors.CspRulesError` names a field in lower case (``start``,
  ``purchase.term_end``, ``entries[3]``), keeps the offending value, and says what is wrong in a
  message that starts with the field.

A mutant that renames a field (``"XXstartXX"``, ``"START"``), drops a message or a value, or
reports the type of ``None`` instead of the argument's, fails here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any

import pytest

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
    support,
    tax,
)
from csp_rules.errors import CspRulesError, ValidationError
from csp_rules.facts import Money, Purchase
from csp_rules.rulesets import shipped_rulesets

UTC = timezone.utc
S2018, S2020 = shipped_rulesets()[:2]
FIELD = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+|\[\d+\])*$")
AT = datetime(2020, 3, 10, 12, tzinfo=UTC)
BOUGHT = datetime(2020, 3, 1, 9, tzinfo=UTC)


class Wrong:
    """A value of a type no csp_rules function takes."""

    def __repr__(self) -> str:
        return "<Wrong>"


def _purchase(**changes: Any) -> Purchase:
    data: dict[str, Any] = {
        "order_id": "O-1",
        "product_name": "Microsoft 365 Apps",
        "kind": "software_subscription",
        "purchased_at": BOUGHT,
        "price": Money("120.00", "EUR"),
        "term_start": date(2020, 3, 1),
        "term_end": date(2021, 3, 1),
    }
    data.update(changes)
    return Purchase(**data)


def _entry(**changes: Any) -> activity.ActivityEntry:
    data: dict[str, Any] = {
        "user": "ana@contoso.com",
        "action": "download",
        "at": AT,
        "product": "SQL",
        "customer": "Contoso",
    }
    data.update(changes)
    return activity.ActivityEntry(**data)


LINK = links.issue_link(BOUGHT)

#: a valid call of every rule function and input class: (callable, positional args, keyword args)
VALID: dict[str, tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]] = {
    "activity.activity_log": (
        activity.activity_log,
        ([_entry()],),
        {"start": date(2020, 3, 1), "end": date(2020, 3, 31), "roles": ["Global admin"], "rules": S2020},
    ),
    "activity.can_view_activity_log": (activity.can_view_activity_log, (["Global admin"],), {"rules": S2020}),
    "activity.ActivityEntry": (
        activity.ActivityEntry,
        (),
        {"user": "ana@contoso.com", "action": "download", "at": AT, "product": "SQL", "customer": "Contoso"},
    ),
    "billing.credit_due": (billing.credit_due, (_purchase(),), {"cancelled_at": AT, "rules": S2020}),
    "billing.refund_credit": (
        billing.refund_credit,
        (_purchase(),),
        {"cancelled_at": AT, "rules": S2020, "billing_day": 5},
    ),
    "tax.split_price": (
        tax.split_price,
        (Money("110.00", "AUD"), "AU", Decimal("0.10")),
        {"basis": "net", "rules": S2020},
    ),
    "tax.tax_treatment": (tax.tax_treatment, ("AU",), {"rules": S2020}),
    "tax.price_includes_tax": (tax.price_includes_tax, ("AU",), {"rules": S2020}),
    "billing.next_invoice_date": (billing.next_invoice_date, (date(2020, 3, 10), 5), {}),
    "hybrid_benefit.hybrid_benefit": (
        hybrid_benefit.hybrid_benefit,
        ("Datacenter",),
        {"software_assurance": True, "rules": S2020},
    ),
    "hybrid_benefit.hybrid_benefit_eligible": (
        hybrid_benefit.hybrid_benefit_eligible,
        ("Standard",),
        {"software_assurance": True, "rules": S2020},
    ),
    "cancellation.evaluate": (
        cancellation.evaluate,
        (_purchase(),),
        {"at": AT, "roles": ["Admin agent"], "rules": S2020},
    ),
    "cancellation.can_self_cancel": (
        cancellation.can_self_cancel,
        (_purchase(),),
        {"at": AT, "roles": ["Admin agent"], "rules": S2020},
    ),
    "cancellation.check_prerequisites": (
        cancellation.check_prerequisites,
        (_purchase(),),
        {"notice_acknowledged": True, "rules": S2020},
    ),
    "effects.effects": (
        effects.effects,
        (_purchase(),),
        {"cancelled_at": AT, "rules": S2020, "billing_day": 5},
    ),
    "cancellation.plan_cancellations": (cancellation.plan_cancellations, ([_purchase()],), {}),
    "support.support_request_for": (
        support.support_request_for,
        (_purchase(kind="perpetual_software", term_start=None, term_end=None),),
        {
            "impact": "Moderate",
            "refund_reason": "Bought by mistake",
            "contact_name": "Ana",
            "contact_email": "ana@fabrikam.example",
            "contact_phone": "+1 425 555 0100",
            "tenant": "contoso.com",
            "title": "Cancel",
            "amount_requested": Money("10", "EUR"),
            "attachments": ["a.pdf"],
            "rules": S2020,
            "locale": "en",
        },
    ),
    "support.SupportRequest": (
        support.SupportRequest,
        (),
        {
            "impact": "Moderate",
            "title": "Cancel",
            "tenant": "contoso.com",
            "refund_reason": "r",
            "amount_requested": Money("1", "EUR"),
            "contact_name": "A",
            "contact_email": "a@b.fr",
            "contact_phone": "+33 1 23 45 67 89",
            "order_id": "O-1",
        },
    ),
    "links.issue_link": (links.issue_link, (BOUGHT,), {"order_id": "O-1", "rules": S2020}),
    "links.link_status": (
        links.link_status,
        (LINK,),
        {"at": AT, "downloads": 3, "revoked_at": None, "rules": S2020},
    ),
    "links.link_usable": (links.link_usable, (LINK,), {"at": AT, "downloads": 3, "rules": S2020}),
    "links.renew_link": (links.renew_link, (LINK,), {"at": AT, "rules": S2020}),
    "links.check_selection": (links.check_selection, ("2019", "fr", "ISO"), {}),
    "links.selection_complete": (links.selection_complete, ("2019", "fr", "ISO"), {}),
    "links.normalize_language": (links.normalize_language, ("Français",), {}),
    "links.DownloadSelection": (
        links.DownloadSelection,
        (),
        {"version": "2019", "language": "fr", "file_type": "ISO"},
    ),
    "links.DownloadLink": (links.DownloadLink, (), {"issued_at": BOUGHT, "order_id": "O-1", "renewals": 1}),
    "markets.resolve": (markets.resolve, ("France",), {"lang": "fr"}),
    "markets.check_reservations": (markets.check_reservations, ("FR",), {"rules": S2020}),
    "markets.reservations_available": (markets.reservations_available, ("FR",), {"rules": S2020}),
    "markets.market_list": (markets.market_list, (date(2020, 1, 1),), {"docs": "api"}),
    "markets.unavailable_markets": (markets.unavailable_markets, (date(2020, 1, 1),), {"docs": "dashboard"}),
    "markets.market_lists": (markets.market_lists, ("api",), {}),
    "markets.Market": (markets.Market, ("FR",), {}),
    "roles.authorize": (roles.authorize, (["Admin agent"], "cancel"), {"rules": S2020}),
    "roles.is_permitted": (roles.is_permitted, (["Admin agent"], "cancel"), {"rules": S2020}),
    "roles.required_roles": (roles.required_roles, ("cancel",), {"rules": S2020}),
    "roles.parse_role": (roles.parse_role, ("Admin agent",), {"field": "role"}),
    "roles.parse_roles": (roles.parse_roles, (["Admin agent"],), {"field": "roles"}),
    "roles.role_name": (roles.role_name, ("admin_agent", "fr"), {}),
    "roles.role_names": (roles.role_names, ("admin_agent",), {}),
    "roles.normalize_role_name": (roles.normalize_role_name, ("Admin agent",), {}),
    "rulesets.rules_or_newest": (rulesets.rules_or_newest, (S2020,), {}),
}


def _replacements(value: Any) -> list[Any]:
    """Values to put in place of a valid argument: wrong types, None, edge values of its type."""
    out: list[Any] = [Wrong(), None]
    if isinstance(value, str):
        out += ["", "   ", "bad\x00text", "x" * 20_000, "Atlantis"]
    elif isinstance(value, datetime):
        out += [
            value.replace(tzinfo=None),
            datetime.max.replace(tzinfo=UTC),
            datetime(2017, 1, 1, tzinfo=UTC),
        ]
    elif isinstance(value, date):
        out += [date.min, date.max, datetime(2020, 1, 1)]
    elif isinstance(value, bool):
        out += [1, "yes"]
    elif isinstance(value, int):
        out += [-1, 0, 10**30, True, "5"]
    elif isinstance(value, (list, tuple)):
        out += [[Wrong()], "text", [None]]
    elif isinstance(value, Decimal):
        out += [Decimal("NaN"), Decimal("-0.5"), Decimal("1.5"), 0.1]
    elif isinstance(value, Money):
        out += [Money("-1", value.currency), Money("0.001", value.currency)]
    return out


def _probes() -> list[tuple[str, str, Any]]:
    probes = []
    for name, (func, args, kwargs) in VALID.items():
        for i, value in enumerate(args):
            for j, _ in enumerate(_replacements(value)):
                probes.append((name, f"arg{i}", j))
        for key, value in kwargs.items():
            for j, _ in enumerate(_replacements(value)):
                probes.append((name, key, j))
        del func
    return probes


PROBES = _probes()


def test_every_valid_call_is_valid() -> None:
    for name, (func, args, kwargs) in VALID.items():
        func(*args, **kwargs)  # must not raise
        assert name


def _call(name: str, where: str, j: int) -> tuple[Any, Callable[[], Any]]:
    func, args, kwargs = VALID[name]
    args_list, kwargs_copy = list(args), dict(kwargs)
    if where.startswith("arg"):
        i = int(where[3:])
        bad = _replacements(args_list[i])[j]
        args_list[i] = bad
    else:
        bad = _replacements(kwargs_copy[where])[j]
        kwargs_copy[where] = bad
    return bad, lambda: func(*args_list, **kwargs_copy)


def _raised(call: Callable[[], Any]) -> BaseException | None:
    try:
        call()
    except (TypeError, CspRulesError) as err:
        return err
    return None


@pytest.mark.parametrize(("name", "where", "j"), PROBES, ids=[f"{n}-{w}-{j}" for n, w, j in PROBES])
def test_errors_follow_the_conventions(name: str, where: str, j: int) -> None:
    bad, call = _call(name, where, j)
    err = _raised(call)
    text = str(err)
    if isinstance(err, TypeError):
        assert re.match(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+|\[\d+\])*: ", text), f"TypeError message {text!r}"
        if isinstance(bad, Wrong):
            assert "Wrong" in text, f"the type received is not named: {text!r}"
    elif isinstance(err, CspRulesError):
        assert err.field is not None and FIELD.match(err.field), f"field {err.field!r}"
        assert text and text != "None" and "XX" not in text, text
        blank = bad is None or (isinstance(bad, str) and not bad.strip())
        if isinstance(err, ValidationError):
            assert err.problems and all(FIELD.match(p.field) and p.message for p in err.problems), (
                err.problems
            )
            count = "1 problem" if len(err.problems) == 1 else f"{len(err.problems)} problems"
            assert text.startswith(f"{count}: {err.problems[0].field}: "), text
            assert blank or any(p.value is not None for p in err.problems), f"value dropped: {err.problems!r}"
        else:
            assert text.startswith(err.field), f"{text!r} vs field {err.field!r}"
            assert blank or err.value is not None, f"value dropped: {err!r}"
