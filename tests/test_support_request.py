"""The support request (issue 4, R9, R9.1, R9.2): every field checked, all problems at once, rendered en/fr."""

from __future__ import annotations

import csv
import pickle
import uuid
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from _details import type_error_names
from csp_rules import support
from csp_rules.cancellation import Purchase
from csp_rules.errors import (
    FieldProblem,
    UnsupportedLocaleError,
    ValidationError,
)
from csp_rules.facts import Customer, Money
from csp_rules.rulesets import ruleset_from_dict, shipped_rulesets
from csp_rules.support import SupportRequest, support_request_for

S2018, S2020 = shipped_rulesets()[:2]

CASES = Path(__file__).parent / "cases" / "cancellation"
GUID = "0f3b0c1e-7d5e-4a8b-9f6a-2c1d3e4f5a6b"


def _valid(**changes: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "impact": "Moderate",
        "title": "Cancel Windows 7 ESU 2020 for Contoso",
        "tenant": GUID,
        "order_id": "7a1f3c2e9b",
        "refund_reason": "Bought by mistake",
        "amount_requested": Money("61.00", "USD"),
        "contact_name": "Ana Díaz",
        "contact_email": "ana@fabrikam.example",
        "contact_phone": "+1 (425) 555-0100",
    }
    fields.update(changes)
    return fields


def _problems(**changes: Any) -> list[FieldProblem]:
    with pytest.raises(ValidationError) as err:
        SupportRequest(**_valid(**changes))
    return list(err.value.problems)


def test_valid_request_is_normalised() -> None:
    r = SupportRequest(**_valid(title="  Cancel   ESU ", refund_reason="\n Line one \r\n\n  line   two \n\n",
                                attachments=[" invoice.pdf ", "screenshot.png"]))  # fmt: skip
    assert r.tenant == uuid.UUID(GUID) and r.tenant_id == uuid.UUID(GUID) and r.domain is None
    assert r.title == "Cancel ESU" and r.refund_reason == "Line one\n\nline two"
    assert r.attachments == ("invoice.pdf", "screenshot.png")
    assert r.problem_type == "CSP Purchase/Refund on behalf of customers"
    assert r.problem_type_fr == "CSP achat/remboursement pour le compte des clients"
    assert pickle.loads(pickle.dumps(r)) == r
    data = r.to_dict()
    assert data["tenant"] == GUID and data["amount_requested"] == {"amount": "61.00", "currency": "USD"}
    assert data["attachments"] == ["invoice.pdf", "screenshot.png"]


def test_domain_tenant() -> None:
    r = SupportRequest(**_valid(tenant="Contoso.OnMicrosoft.com", order_id=None, subscription_id="sub-42"))
    assert r.domain == "contoso.onmicrosoft.com" and r.tenant_id is None
    assert r.order_id is None and r.subscription_id == "sub-42"
    assert SupportRequest(**_valid(tenant=uuid.UUID(GUID))).tenant == uuid.UUID(GUID)


def test_render_english() -> None:
    r = SupportRequest(**_valid(subscription_id="b1c2", refund_reason="Bought by mistake\nSee the invoice",
                                attachments=["invoice.pdf", "mail.eml"]))  # fmt: skip
    assert r.render("en") == "\n".join([
        "Type of problem: CSP Purchase/Refund on behalf of customers",
        "Impact: Moderate",
        "Title: Cancel Windows 7 ESU 2020 for Contoso",
        "Description:",
        f"  Customer tenant GUID or domain name: {GUID}",
        "  Order ID: 7a1f3c2e9b",
        "  Subscription ID: b1c2",
        "  Refund reason: Bought by mistake",
        "    See the invoice",
        "  Amount requested: $61.00",
        "Contact:",
        "  Name: Ana Díaz",
        "  Email address: ana@fabrikam.example",
        "  Phone number: +1 (425) 555-0100",
        "Attachments: invoice.pdf, mail.eml",
    ])  # fmt: skip


def test_render_french() -> None:
    r = SupportRequest(**_valid(amount_requested=Money("1234.50", "EUR")))
    text = r.render("fr").replace("\u00a0", " ").replace("\u202f", " ")
    assert text == "\n".join([
        "Type de problème : CSP achat/remboursement pour le compte des clients",
        "Impact : Moderate",
        "Titre : Cancel Windows 7 ESU 2020 for Contoso",
        "Description :",
        f"  GUID du locataire ou nom de domaine du client : {GUID}",
        "  ID de commande : 7a1f3c2e9b",
        "  Raison du remboursement : Bought by mistake",
        "  Montant demandé : 1 234,50 €",
        "Contact :",
        "  Nom : Ana Díaz",
        "  Adresse de messagerie : ana@fabrikam.example",
        "  Numéro de téléphone : +1 (425) 555-0100",
        "Fichiers joints : aucun",
    ])  # fmt: skip
    assert r.render("fr_CA").startswith("Type de problème")
    with pytest.raises(UnsupportedLocaleError):
        r.render("de")


def test_every_problem_is_reported_at_once() -> None:
    problems = _problems(
        impact=" ", title=None, tenant="not a domain", order_id=None, refund_reason="",
        amount_requested=Money("0", "USD"), contact_name="\x00", contact_email="a@b", contact_phone="12",
        attachments=["../etc/passwd", ""],
    )  # fmt: skip
    assert [p.field for p in problems] == [
        "impact", "title", "tenant", "order_id", "refund_reason", "amount_requested", "contact_name",
        "contact_email", "contact_phone", "attachments[0]", "attachments[1]",
    ]  # fmt: skip
    assert all(p.message for p in problems)


@pytest.mark.parametrize(
    "field", ["impact", "title", "tenant", "refund_reason", "amount_requested", "contact_name", "contact_email",
              "contact_phone"],
)  # fmt: skip
def test_each_required_field(field: str) -> None:
    problems = _problems(**{field: None})
    assert [p.field for p in problems] == [field]
    assert "required" in problems[0].message


def test_order_id_or_subscription_id() -> None:
    assert [p.field for p in _problems(order_id=None)] == ["order_id"]
    assert [p.field for p in _problems(order_id="  ", subscription_id="")] == ["order_id"]
    assert SupportRequest(**_valid(order_id=None, subscription_id="s-1")).subscription_id == "s-1"


@pytest.mark.parametrize(
    ("amount", "fragment"),
    [
        (Money("-1", "EUR"), "positive"),
        (Money("10.005", "EUR"), "more decimals"),
        (Money("1.5", "JPY"), "more decimals"),
    ],
)
def test_amount_requested(amount: Money, fragment: str) -> None:
    problems = _problems(amount_requested=amount)
    assert [p.field for p in problems] == ["amount_requested"] and fragment in problems[0].message


def _field_cases() -> list[dict[str, str]]:
    with (CASES / "support_fields.tsv").open(encoding="utf-8", newline="") as fh:
        lines = [line for line in fh if not line.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE))


FIELD_CASES = _field_cases()


@pytest.mark.parametrize("row", FIELD_CASES, ids=[f"{r['field']}:{r['value'][:40]}" for r in FIELD_CASES])
def test_field_table(row: dict[str, str]) -> None:
    field, value, expected = row["field"], row["value"].replace("<TAB>", "\t"), row["expected"]
    if expected.startswith("!"):
        problems = _problems(**{field: value})
        assert [p.field for p in problems] == [field]
        assert expected[1:] in problems[0].message, problems[0].message
        assert problems[0].value == value
    else:
        r = SupportRequest(**_valid(**{field: value}))
        assert str(getattr(r, field)) == expected


def test_field_table_covers_each_field_both_ways() -> None:
    seen = {(r["field"], r["expected"].startswith("!")) for r in FIELD_CASES}
    assert seen == {(f, bad) for f in ("tenant", "contact_email", "contact_phone") for bad in (True, False)}


def test_attachments() -> None:
    assert SupportRequest(**_valid(attachments=None)).attachments == ()
    assert SupportRequest(**_valid(attachments=("a.pdf",))).attachments == ("a.pdf",)
    problems = _problems(attachments=["ok.pdf", "a/b.pdf", "c\\d.pdf", "..", "x" * 256, "bad\x07.pdf"])
    assert [p.field for p in problems] == [f"attachments[{i}]" for i in range(1, 6)]
    assert [p.field for p in _problems(attachments=[f"{i}.pdf" for i in range(101)])] == ["attachments"]


@pytest.mark.parametrize(
    "changes",
    [
        {"impact": 3},
        {"tenant": 42},
        {"amount_requested": "61.00"},
        {"contact_email": b"a@b.c"},
        {"contact_phone": 4255550100},
        {"attachments": "invoice.pdf"},
        {"attachments": [1]},
        {"order_id": 7},
    ],
)
def test_wrong_types_are_type_errors(changes: dict[str, Any]) -> None:
    with pytest.raises(TypeError):
        SupportRequest(**_valid(**changes))


@pytest.mark.parametrize(
    "field", ["impact", "title", "tenant", "order_id", "refund_reason", "contact_name", "contact_email",
              "contact_phone"],
)  # fmt: skip
@pytest.mark.parametrize("filler", ["a", "1", "(", ".", "a.", "-", "@", "é"])
def test_megabyte_strings_are_refused_quickly(field: str, filler: str) -> None:
    problems = _problems(**{field: filler * 1_000_000})
    assert [p.field for p in problems] == [field]
    assert len(problems[0].message) < 300


def test_megabyte_attachment_and_problem_type() -> None:
    assert [p.field for p in _problems(attachments=["a" * 1_000_000])] == ["attachments[0]"]
    assert [p.field for p in _problems(problem_type="x" * 1_000_000)] == ["problem_type"]


texts = st.text(alphabet=st.characters(codec="utf-8"), max_size=80) | st.from_regex(
    r"[a-zA-Z0-9.\-@+() ]{0,40}", fullmatch=True
)


@given(texts, texts, texts)
def test_any_text_gives_a_request_or_problems(tenant: str, email: str, phone: str) -> None:
    problems: tuple[FieldProblem, ...] = ()
    try:
        r = SupportRequest(**_valid(tenant=tenant, contact_email=email, contact_phone=phone))
    except ValidationError as err:
        problems = err.problems
    if problems:
        assert {p.field for p in problems} <= {"tenant", "contact_email", "contact_phone"}
    else:
        assert 7 <= sum(c.isdigit() for c in r.contact_phone) <= 15
        assert r.contact_email.count("@") == 1
        # a normalised request rebuilds to itself (idempotent normalisation)
        assert (
            SupportRequest(**r.to_dict() | {"amount_requested": r.amount_requested, "tenant": r.tenant}) == r
        )


# --- from a purchase --------------------------------------------------------------------------


def _purchase(**changes: Any) -> Purchase:
    fields: dict[str, Any] = {
        "order_id": "O-9", "product_name": "Windows 7 ESU 2020", "kind": "software_subscription",
        "purchased_at": date(2020, 2, 1), "price": Money("61.00", "EUR"),
        "customer": Customer(name="Contoso", domain="contoso.fr", tenant_id=GUID), "subscription_id": "S-1",
    }  # fmt: skip
    fields.update(changes)
    return Purchase(**fields)


CONTACT = {"impact": "Low", "refund_reason": "Duplicate", "contact_name": "Léa",
           "contact_email": "lea@contoso.fr", "contact_phone": "+33 1 23 45 67 89"}  # fmt: skip


def test_prefilled_from_a_purchase() -> None:
    r = support_request_for(_purchase(), **CONTACT)
    assert r.tenant == uuid.UUID(GUID) and r.order_id == "O-9" and r.subscription_id == "S-1"
    assert r.amount_requested == Money("61.00", "EUR")
    assert r.title == "Cancellation and refund of order O-9 (Windows 7 ESU 2020)"
    by_domain = support_request_for(_purchase(customer=Customer(domain="Contoso.FR")), **CONTACT, locale="fr")
    assert by_domain.tenant == "contoso.fr" and by_domain.title.startswith("Annulation et remboursement")
    custom = support_request_for(_purchase(), **CONTACT, tenant="fabrikam.com", title="T",
                                 amount_requested=Money("10.00", "EUR"), attachments=["a.pdf"])  # fmt: skip
    assert (custom.tenant, custom.title, custom.amount_requested.amount, custom.attachments) == (
        "fabrikam.com", "T", Money("10.00", "EUR").amount, ("a.pdf",),
    )  # fmt: skip


def test_prefilled_problem_type_comes_from_the_rule_set() -> None:
    acme = ruleset_from_dict(
        {"extends": "S2020", "version": "ACME", "in_force_from": "2020-01-21",
         "support_request": {"problem_type": "Refund (ACME)", "problem_type_fr": "Remboursement (ACME)"}}
    )  # fmt: skip
    r = support_request_for(_purchase(), **CONTACT, rules=acme)
    assert r.render("en").startswith("Type of problem: Refund (ACME)")
    assert r.render("fr").startswith("Type de problème : Remboursement (ACME)")
    s2018 = support_request_for(_purchase(purchased_at=date(2019, 1, 1)), **CONTACT)
    assert s2018.problem_type == "CSP Purchase/Refund on behalf of customers"


def test_prefilled_reports_what_the_purchase_lacks() -> None:
    with pytest.raises(ValidationError) as err:
        support_request_for(_purchase(customer=Customer(name="Contoso"), price=None), **CONTACT)
    assert [p.field for p in err.value.problems] == ["tenant", "amount_requested"]
    with pytest.raises(ValidationError) as err:
        support_request_for(_purchase(customer=None), **(CONTACT | {"contact_email": "nope"}))
    assert [p.field for p in err.value.problems] == ["tenant", "contact_email"]


def test_prefilled_bad_input() -> None:
    with pytest.raises(TypeError):
        support_request_for("O-9", **CONTACT)  # type: ignore[arg-type]
    with pytest.raises(UnsupportedLocaleError):
        support_request_for(_purchase(), **CONTACT, locale="de")
    with pytest.raises(TypeError):
        support_request_for(_purchase(), **CONTACT, attachments="a.pdf")


# --- details: wording, facts, defaults and limits a caller can observe ---


def _request(**changes: Any) -> support.SupportRequest:
    data: dict[str, Any] = {
        "impact": "Moderate",
        "title": "Cancel",
        "tenant": "contoso.com",
        "refund_reason": "Bought by mistake",
        "amount_requested": Money("61.00", "USD"),
        "contact_name": "Ana",
        "contact_email": "ana@fabrikam.example",
        "contact_phone": "+1 425 555 0100",
        "order_id": "7a1f",
        "subscription_id": "sub-1",
        "attachments": ("a.pdf",),
    }
    data.update(changes)
    return support.SupportRequest(**data)


def test_support_request_to_dict_and_defaults() -> None:
    r = _request()
    data = r.to_dict()
    for name in (
        "problem_type",
        "problem_type_fr",
        "impact",
        "title",
        "order_id",
        "subscription_id",
        "refund_reason",
        "contact_name",
        "contact_email",
        "contact_phone",
    ):
        assert data[name] == getattr(r, name), name
    assert data["problem_type"] == "CSP Purchase/Refund on behalf of customers"
    assert r.render() == r.render("en") != r.render("fr")
    assert r.description() == r.description("en")
    p = Purchase(
        order_id="O",
        product_name="SQL",
        kind="perpetual_software",
        purchased_at=date(2020, 3, 1),
        price=Money("1", "EUR"),
    )
    kwargs: dict[str, Any] = {
        "impact": "x",
        "refund_reason": "r",
        "contact_name": "A",
        "contact_email": "a@b.fr",
        "contact_phone": "+33 1 23 45 67 89",
        "tenant": "c.com",
    }
    assert support.support_request_for(p, **kwargs) == support.support_request_for(p, locale="en", **kwargs)
    type_error_names(
        lambda: support.support_request_for(p, attachments="a.pdf", **kwargs), "attachments", "str"
    )
    assert support.support_request_for(p, attachments=["a.pdf"], **kwargs).attachments == ("a.pdf",)
