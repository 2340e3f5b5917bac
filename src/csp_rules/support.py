"""The support request that cancels what self-service cannot (RULES.md R9, R7.3, R10.3).

Sources: S2020 ("Submit a customer support request to cancel a purchase") and S2018 (on-premises
software is always cancelled this way, R10.3). In Partner Center: "Report a problem with Partner
Center" → type of problem **"CSP Purchase/Refund on behalf of customers"** (rule-set data,
``rules.support_request.problem_type``) → **Impact** and **Title** → **Description** with the
customer's tenant GUID or domain name, the order ID or subscription ID, the refund reason and the
amount requested → **Contact**: name, email address, phone number → optionally **Add files**.

* R9.1 The four description items and the three contact items are required; attachments are
  optional. Building a :class:`SupportRequest` checks every field and reports **all** problems at
  once in a :class:`~csp_rules.errors.ValidationError` (one
  :class:`~csp_rules.errors.FieldProblem` per problem); a value of the wrong type (not a ``str``
  where text is required, not :class:`~csp_rules.facts.Money` for the amount) raises ``TypeError``.
* R9.2 A tenant is a GUID (any form :class:`uuid.UUID` reads) or a domain name: IDNA (the stdlib
  ``idna`` codec), at most 253 characters, labels of 1–63 letters, digits or hyphens, not starting
  or ending with a hyphen, at least two labels, a top-level label not all digits.
* Email: ``local@domain``, the local part at most 64 characters of the RFC 5322 "atext" set (or
  non-ASCII letters and digits) with single inner dots; the domain as above; at most 254 in all.
* Phone: digits, spaces, ``+`` (first only), ``-``, ``.``, ``(`` ``)`` (not nested), with 7 to 15
  digits (the E.164 length).

Every check reads lengths first and scans the text once: bounded time on megabyte strings.

>>> from csp_rules import Money
>>> r = SupportRequest(impact="Moderate", title="Cancel Windows 7 ESU 2020 for Contoso",
...                    tenant="contoso.onmicrosoft.com", order_id="7a1f3c2e9b",
...                    refund_reason="Bought by mistake", amount_requested=Money("61.00", "USD"),
...                    contact_name="Ana Díaz", contact_email="ana@fabrikam.example",
...                    contact_phone="+1 (425) 555-0100")
>>> print(r.render("en"))
Type of problem: CSP Purchase/Refund on behalf of customers
Impact: Moderate
Title: Cancel Windows 7 ESU 2020 for Contoso
Description:
  Customer tenant GUID or domain name: contoso.onmicrosoft.com
  Order ID: 7a1f3c2e9b
  Refund reason: Bought by mistake
  Amount requested: $61.00
Contact:
  Name: Ana Díaz
  Email address: ana@fabrikam.example
  Phone number: +1 (425) 555-0100
Attachments: none
>>> try:
...     SupportRequest(impact="", title="x", tenant="not a domain", refund_reason="r",
...                    amount_requested=Money("0", "USD"), contact_name="A", contact_email="a@b",
...                    contact_phone="12")
... except ValidationError as err:
...     print([p.field for p in err.problems])
['impact', 'tenant', 'order_id', 'amount_requested', 'contact_email', 'contact_phone']
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any, Final

import attrs

from ._frozen import FrozenMap
from ._l10n import language
from .errors import FieldProblem, InvalidFieldError, ValidationError
from .facts import Money, Purchase, clean_text
from .rulesets import Rules, resolve_rules, rules_or_newest

__all__ = ["RULES", "SupportRequest", "support_request_for"]

#: the RULES.md numbers this module owns
RULES: Final = ("R9", "R9.1", "R9.2")

_MAX_LINE: Final = 1000
_MAX_REASON: Final = 10_000
_MAX_ID: Final = 200
_MAX_FILE: Final = 255
_MAX_FILES: Final = 100
_MAX_DOMAIN: Final = 253
_MAX_LABEL: Final = 63
_MAX_EMAIL: Final = 254
_MAX_LOCAL: Final = 64
_MAX_PHONE_TEXT: Final = 40
_MIN_DIGITS: Final = 7
_MAX_DIGITS: Final = 15

_LDH: Final = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-")
_ATEXT: Final = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+/=?^_`{|}~-")
_PHONE: Final = frozenset("0123456789 +-().")
_HEX: Final = frozenset("0123456789abcdefABCDEF-{}")

_LABELS: Final[FrozenMap[str, FrozenMap[str, str]]] = FrozenMap(
    {
        "en": FrozenMap(
            {
                "problem_type": "Type of problem",
                "impact": "Impact",
                "title": "Title",
                "description": "Description",
                "tenant": "Customer tenant GUID or domain name",
                "order_id": "Order ID",
                "subscription_id": "Subscription ID",
                "refund_reason": "Refund reason",
                "amount_requested": "Amount requested",
                "contact": "Contact",
                "contact_name": "Name",
                "contact_email": "Email address",
                "contact_phone": "Phone number",
                "attachments": "Attachments",
                "none": "none",
                "title_default": "Cancellation and refund of order {order_id} ({product_name})",
                "sep": ": ",
            }
        ),
        "fr": FrozenMap(
            {
                "problem_type": "Type de problème",
                "impact": "Impact",
                "title": "Titre",
                "description": "Description",
                "tenant": "GUID du locataire ou nom de domaine du client",
                "order_id": "ID de commande",
                "subscription_id": "ID d'abonnement",
                "refund_reason": "Raison du remboursement",
                "amount_requested": "Montant demandé",
                "contact": "Contact",
                "contact_name": "Nom",
                "contact_email": "Adresse de messagerie",
                "contact_phone": "Numéro de téléphone",
                "attachments": "Fichiers joints",
                "none": "aucun",
                "title_default": "Annulation et remboursement de la commande {order_id} ({product_name})",
                "sep": " : ",
            }
        ),
    }
)


# --- field checks: each returns (normalised value, None) or (None, what is wrong) -------------


def _check_domain(text: str) -> tuple[str | None, str | None]:
    """A domain name (R9.2) normalised to lower case (Unicode form), or what is wrong with it."""
    value = text.strip()
    if value.endswith("."):
        value = value[:-1]
    if not value:
        return None, "a domain name cannot be empty"
    if len(value) > _MAX_DOMAIN:
        return None, f"a domain name has at most {_MAX_DOMAIN} characters (got {len(value)})"
    if any(c.isspace() or ord(c) < 32 or ord(c) == 0x7F for c in value):
        return None, "a domain name has no spaces or control characters"
    try:
        ascii_form = value.encode("idna").decode("ascii").lower()
    except UnicodeError:
        return None, f"{value[:80]!r} is not a valid (IDNA) domain name"
    if len(ascii_form) > _MAX_DOMAIN:
        return None, f"a domain name has at most {_MAX_DOMAIN} characters in its ASCII form"
    labels = ascii_form.split(".")
    if len(labels) < 2:
        return None, f"{value[:80]!r} is not a domain name (expected at least two labels, as contoso.com)"
    for label in labels:
        if not 1 <= len(label) <= _MAX_LABEL:
            return None, f"each label of a domain name has 1 to {_MAX_LABEL} characters"
        if not set(label) <= _LDH:
            return None, f"label {label[:63]!r} may hold only letters, digits and hyphens"
        if label[0] == "-" or label[-1] == "-":
            return None, f"label {label!r} cannot start or end with a hyphen"
        if label[2:4] == "--":
            if not label.startswith("xn--"):
                return None, f"label {label!r} has '--' in third and fourth position (reserved)"
            try:
                label.encode("ascii").decode("idna")
            except UnicodeError:
                return None, f"label {label!r} is not valid punycode"
    if labels[-1].isdigit():
        return None, "the last label of a domain name is not all digits (an IP address is not a domain)"
    try:
        unicode_form = ascii_form.encode("ascii").decode("idna")
    except UnicodeError:  # pragma: no cover - every label was checked above
        return None, f"{value[:80]!r} is not a valid (IDNA) domain name"
    return unicode_form, None


def _check_tenant(value: Any) -> tuple[uuid.UUID | str | None, str | None]:
    if isinstance(value, uuid.UUID):
        return value, None
    if not isinstance(value, str):
        raise TypeError(
            f"tenant: expected a tenant GUID (UUID or str) or a domain name, got {type(value).__name__}"
        )
    text = value.strip()
    if not text:
        return None, "the customer's tenant GUID or domain name is required (R9)"
    if len(text) > _MAX_DOMAIN + 1:
        return None, f"neither a tenant GUID nor a domain name (too long: {len(text)} characters)"
    if set(text) <= _HEX:
        try:
            return uuid.UUID(text), None
        except ValueError:
            if "." not in text and sum(c in "0123456789abcdefABCDEF" for c in text) >= 8:
                return (
                    None,
                    f"{text[:80]!r} is not a valid tenant GUID (expected 32 hex digits, as "
                    "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)",
                )
    domain, problem = _check_domain(text)
    if problem is not None:
        return None, f"neither a tenant GUID nor a valid domain name: {problem}"
    return domain, None


def _check_email(value: str) -> tuple[str | None, str | None]:
    text = value.strip()
    if not text:
        return None, "an email address is required (R9)"
    if len(text) > _MAX_EMAIL:
        return None, f"an email address has at most {_MAX_EMAIL} characters (got {len(text)})"
    if text.count("@") != 1:
        return None, f"{text[:80]!r} is not an email address (expected one '@', as name@contoso.com)"
    local, domain_text = text.split("@")
    if not 1 <= len(local) <= _MAX_LOCAL:
        return None, f"the part before '@' has 1 to {_MAX_LOCAL} characters"
    if local[0] == "." or local[-1] == "." or ".." in local:
        return None, "the part before '@' cannot start or end with a dot, or hold two dots in a row"
    for c in local:
        if c != "." and c not in _ATEXT and not (ord(c) > 127 and c.isalnum()):
            return None, f"the part before '@' cannot hold {c!r}"
    domain, problem = _check_domain(domain_text)
    if problem is not None:
        return None, f"the part after '@' is not a domain name: {problem}"
    return f"{local}@{domain}", None


def _check_phone(value: str) -> tuple[str | None, str | None]:
    text = " ".join(value.split())
    if not text:
        return None, "a phone number is required (R9)"
    if len(text) > _MAX_PHONE_TEXT:
        return None, f"a phone number has at most {_MAX_PHONE_TEXT} characters (got {len(text)})"
    if not set(text) <= _PHONE:
        return None, "a phone number holds only digits, spaces, '+', '-', '.', '(' and ')'"
    if "+" in text[1:]:
        return None, "'+' may only start a phone number"
    depth = 0
    for c in text:
        if c == "(":
            depth += 1
            if depth > 1:
                return None, "parentheses in a phone number cannot be nested"
        elif c == ")":
            depth -= 1
            if depth < 0:
                return None, "unbalanced parentheses in the phone number"
    if depth:
        return None, "unbalanced parentheses in the phone number"
    digits = sum(c.isdigit() for c in text)
    if not _MIN_DIGITS <= digits <= _MAX_DIGITS:
        return None, f"a phone number has {_MIN_DIGITS} to {_MAX_DIGITS} digits (E.164); got {digits}"
    return text, None


def _check_text(
    value: Any,
    field: str,
    problems: list[FieldProblem],
    *,
    limit: int,
    multiline: bool = False,
    required: bool = True,
    what: str = "",
) -> str | None:
    try:
        text = clean_text(value, field, optional=True, limit=limit, multiline=multiline)
    except InvalidFieldError as exc:
        problems.append(FieldProblem(field, exc.message.partition(": ")[2], value))
        return None
    if text is None and required:
        problems.append(FieldProblem(field, f"{what or field} is required (R9)", value))
    return text


def _check_str(value: Any, field: str, problems: list[FieldProblem], check: Any, what: str) -> Any:
    if value is None:
        problems.append(FieldProblem(field, f"{what} is required (R9)", value))
        return None
    if not isinstance(value, str):
        raise TypeError(f"{field}: expected str, got {type(value).__name__}")
    if len(value) > 4096:
        problems.append(FieldProblem(field, f"{what}: too long ({len(value)} characters)", value))
        return None
    result, problem = check(value)
    if problem is not None:
        problems.append(FieldProblem(field, problem, value))
    return result


def _check_amount(value: Any, problems: list[FieldProblem]) -> Money | None:
    if value is None:
        problems.append(FieldProblem("amount_requested", "the amount requested is required (R9)", value))
        return None
    if not isinstance(value, Money):
        raise TypeError(f"amount_requested: expected Money, got {type(value).__name__}")
    if value.amount <= 0:
        problems.append(
            FieldProblem("amount_requested", f"the amount requested must be positive (got {value})", value)
        )
        return None
    if not value.is_rounded():
        problems.append(
            FieldProblem(
                "amount_requested",
                f"{value} has more decimals than {value.currency} has ({value.digits})",
                value,
            )
        )
        return None
    return value


def _attachment_tuple(value: Any) -> Any:
    """A tuple of the file names given; a str, bytes or non-iterable is passed on for validation to refuse."""
    if isinstance(value, (str, bytes)):
        return value
    try:
        return tuple(value)
    except TypeError:
        raise TypeError(f"attachments: expected a list of file names, got {type(value).__name__}") from None


def _check_attachments(value: Any, problems: list[FieldProblem]) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise TypeError(f"attachments: expected a list of file names, got {type(value).__name__}")
    names: list[str] = []
    for index, item in enumerate(value):
        if index >= _MAX_FILES:
            problems.append(FieldProblem("attachments", f"at most {_MAX_FILES} files", None))
            break
        field = f"attachments[{index}]"
        if not isinstance(item, str):
            raise TypeError(f"{field}: expected a file name (str), got {type(item).__name__}")
        name = item.strip()
        if not name or len(name) > _MAX_FILE:
            problems.append(FieldProblem(field, f"a file name has 1 to {_MAX_FILE} characters", item))
        elif name in (".", "..") or any(c in "/\\" or ord(c) < 32 or ord(c) == 0x7F for c in name):
            problems.append(
                FieldProblem(field, "a file name has no path separators or control characters", item)
            )
        else:
            names.append(name)
    return tuple(names)


# --- the request ----------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class SupportRequest:
    """A support request that cancels a purchase (R9): every field checked when it is built.

    Build it with keywords; every problem is reported at once in a
    :class:`~csp_rules.errors.ValidationError`. Values are normalised: text stripped and its
    whitespace runs made single spaces (the refund reason keeps its lines), ``tenant`` a
    :class:`uuid.UUID` or a lower-case domain name, the email's domain lower case. ``problem_type``
    and ``problem_type_fr`` default to the newest shipped rule set's (both shipped rule sets name
    the same type); :func:`support_request_for` takes them from the purchase's rule set. A
    ``problem_type`` given without ``problem_type_fr`` is used for both languages.

    :raises ValidationError: listing every problem (missing or malformed fields).
    :raises TypeError: a field of the wrong type.
    """

    impact: str
    title: str
    tenant: uuid.UUID | str
    refund_reason: str
    amount_requested: Money
    contact_name: str
    contact_email: str
    contact_phone: str
    order_id: str | None = None
    subscription_id: str | None = None
    attachments: tuple[str, ...] = ()
    problem_type: str | None = None
    problem_type_fr: str | None = None

    def __attrs_post_init__(self) -> None:
        problems: list[FieldProblem] = []
        values: dict[str, Any] = {}
        default = rules_or_newest(None).support_request
        values["problem_type"] = (
            _check_text(self.problem_type, "problem_type", problems, limit=_MAX_LINE)
            if self.problem_type is not None else default.problem_type
        )  # fmt: skip
        values["problem_type_fr"] = (
            _check_text(self.problem_type_fr, "problem_type_fr", problems, limit=_MAX_LINE)
            if self.problem_type_fr is not None else (
                default.problem_type_fr if self.problem_type is None else values["problem_type"]
            )
        )  # fmt: skip
        values["impact"] = _check_text(self.impact, "impact", problems, limit=_MAX_LINE, what="the impact")
        values["title"] = _check_text(self.title, "title", problems, limit=_MAX_LINE, what="the title")
        if self.tenant is None:
            problems.append(
                FieldProblem("tenant", "the customer's tenant GUID or domain name is required (R9)")
            )
            values["tenant"] = None
        else:
            tenant, problem = _check_tenant(self.tenant)
            if problem is not None:
                problems.append(FieldProblem("tenant", problem, self.tenant))
            values["tenant"] = tenant
        values["order_id"] = _check_text(self.order_id, "order_id", problems, limit=_MAX_ID, required=False)
        values["subscription_id"] = _check_text(
            self.subscription_id, "subscription_id", problems, limit=_MAX_ID, required=False
        )
        if (
            values["order_id"] is None
            and values["subscription_id"] is None
            and not any(p.field in ("order_id", "subscription_id") for p in problems)
        ):
            problems.append(FieldProblem("order_id", "give the order ID or the subscription ID (R9)", None))
        values["refund_reason"] = _check_text(
            self.refund_reason,
            "refund_reason",
            problems,
            limit=_MAX_REASON,
            multiline=True,
            what="the refund reason",
        )
        values["amount_requested"] = _check_amount(self.amount_requested, problems)
        values["contact_name"] = _check_text(
            self.contact_name, "contact_name", problems, limit=_MAX_LINE, what="the contact's name"
        )
        values["contact_email"] = _check_str(
            self.contact_email, "contact_email", problems, _check_email, "the contact's email address"
        )
        values["contact_phone"] = _check_str(
            self.contact_phone, "contact_phone", problems, _check_phone, "the contact's phone number"
        )
        values["attachments"] = _check_attachments(self.attachments, problems)
        if problems:
            raise ValidationError(problems, field="support_request")
        for name, value in values.items():
            object.__setattr__(self, name, value)

    @property
    def tenant_id(self) -> uuid.UUID | None:
        """The tenant GUID, if the tenant was given as one."""
        return self.tenant if isinstance(self.tenant, uuid.UUID) else None

    @property
    def domain(self) -> str | None:
        """The domain name, if the tenant was given as one."""
        return self.tenant if isinstance(self.tenant, str) else None

    def description(self, locale: str = "en") -> str:
        """The text of the form's Description field (R9): tenant, order/subscription ID, reason, amount."""
        lang = language(locale)
        labels = _LABELS[lang]
        sep = labels["sep"]
        lines = [f"{labels['tenant']}{sep}{self.tenant}"]
        if self.order_id is not None:
            lines.append(f"{labels['order_id']}{sep}{self.order_id}")
        if self.subscription_id is not None:
            lines.append(f"{labels['subscription_id']}{sep}{self.subscription_id}")
        reason = self.refund_reason.replace("\n", "\n  ")
        lines.append(f"{labels['refund_reason']}{sep}{reason}")
        lines.append(f"{labels['amount_requested']}{sep}{self.amount_requested.format(locale)}")
        return "\n".join(lines)

    def render(self, locale: str = "en") -> str:
        """The whole request as the text a person pastes into the form, in English or French (R9)."""
        lang = language(locale)
        labels = _LABELS[lang]
        sep = labels["sep"]
        problem_type = self.problem_type if lang == "en" else self.problem_type_fr
        description = "\n".join("  " + line for line in self.description(locale).split("\n"))
        files = ", ".join(self.attachments) if self.attachments else labels["none"]
        return "\n".join(
            [
                f"{labels['problem_type']}{sep}{problem_type}",
                f"{labels['impact']}{sep}{self.impact}",
                f"{labels['title']}{sep}{self.title}",
                f"{labels['description']}{sep.rstrip()}",
                description,
                f"{labels['contact']}{sep.rstrip()}",
                f"  {labels['contact_name']}{sep}{self.contact_name}",
                f"  {labels['contact_email']}{sep}{self.contact_email}",
                f"  {labels['contact_phone']}{sep}{self.contact_phone}",
                f"{labels['attachments']}{sep}{files}",
            ]
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able mapping (the tenant and the amount as strings)."""
        return {
            "problem_type": self.problem_type,
            "problem_type_fr": self.problem_type_fr,
            "impact": self.impact,
            "title": self.title,
            "tenant": str(self.tenant),
            "order_id": self.order_id,
            "subscription_id": self.subscription_id,
            "refund_reason": self.refund_reason,
            "amount_requested": {
                "amount": str(self.amount_requested.amount),
                "currency": self.amount_requested.currency,
            },
            "contact_name": self.contact_name,
            "contact_email": self.contact_email,
            "contact_phone": self.contact_phone,
            "attachments": list(self.attachments),
        }


def support_request_for(
    purchase: Purchase,
    *,
    impact: str,
    refund_reason: str,
    contact_name: str,
    contact_email: str,
    contact_phone: str,
    title: str | None = None,
    tenant: uuid.UUID | str | None = None,
    amount_requested: Money | None = None,
    attachments: Iterable[str] = (),
    rules: Rules | None = None,
    locale: str = "en",
) -> SupportRequest:
    """A :class:`SupportRequest` pre-filled from a purchase (R9, for R7.3 and R10.3 cancellations).

    From the purchase: the tenant (its customer's tenant GUID, else its domain name, unless
    ``tenant`` is given), the order ID and subscription ID, the amount requested (its price, unless
    ``amount_requested`` is given) and the problem type of the rule set in force at its purchase
    date (or ``rules``). The title defaults to "Cancellation and refund of order … (product)" in
    ``locale``. Everything else is the caller's. All problems are reported at once, as by
    :class:`SupportRequest`.

    >>> from datetime import date
    >>> from csp_rules import Customer, Money
    >>> p = Purchase(order_id="O-9", product_name="Windows 7 ESU 2020", kind="software_subscription",
    ...              purchased_at=date(2020, 2, 1), price=Money("61.00", "EUR"),
    ...              customer=Customer(domain="contoso.fr"))
    >>> r = support_request_for(p, impact="Faible", refund_reason="Achat en double", contact_name="Léa",
    ...                         contact_email="lea@contoso.fr", contact_phone="+33 1 23 45 67 89", locale="fr")
    >>> print(r.description("fr").replace("\\xa0", " "))
    GUID du locataire ou nom de domaine du client : contoso.fr
    ID de commande : O-9
    Raison du remboursement : Achat en double
    Montant demandé : 61,00 €
    >>> r.title
    'Annulation et remboursement de la commande O-9 (Windows 7 ESU 2020)'
    """
    if not isinstance(purchase, Purchase):
        raise TypeError(f"purchase: expected a Purchase, got {type(purchase).__name__}")
    lang = language(locale)
    ruleset = resolve_rules(rules, purchase.purchased_at.date())
    if tenant is None and purchase.customer is not None:
        tenant = (
            purchase.customer.tenant_id
            if purchase.customer.tenant_id is not None
            else purchase.customer.domain
        )
    if title is None:
        title = _LABELS[lang]["title_default"].format(
            order_id=purchase.order_id, product_name=purchase.product_name
        )
    return SupportRequest(
        problem_type=ruleset.support_request.problem_type,
        problem_type_fr=ruleset.support_request.problem_type_fr,
        impact=impact,
        title=title,
        tenant=tenant,  # type: ignore[arg-type]  # None is reported as a missing field
        order_id=purchase.order_id,
        subscription_id=purchase.subscription_id,
        refund_reason=refund_reason,
        amount_requested=amount_requested if amount_requested is not None else purchase.price,  # type: ignore[arg-type]
        contact_name=contact_name,
        contact_email=contact_email,
        contact_phone=contact_phone,
        attachments=_attachment_tuple(attachments),
    )
