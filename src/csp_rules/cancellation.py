"""Cancelling a purchase (RULES.md R7, R8.1–R8.3, R9, R10.3, R1.2): can it still be cancelled, how, until when.

Sources: S2020 ("Sell software subscriptions through CSP", 2020-01-21) for R7 and R8, S2018
("Sell on-premise software through CSP", 2018-08-31) for R10.3. A purchase is judged by the rule
set in force at its purchase date (UTC) unless ``rules`` is given.

* R7.1 A software purchase can be cancelled within 60 days of its purchase, with no early
  termination fee; afterwards it can no longer be cancelled. The window is the half-open interval
  ``[purchased_at, purchased_at + 60 × 24 h)`` in UTC; a purchase known only by its date was made at
  00:00 UTC; "days left" is whole days until the deadline, rounded down, next to the exact time left.
* R7.2 The window length is rule-set data per product kind (``rules.cancellation.window_days``).
* R7.3 Windows 7 ESU 2020 is cancelled only through a support request (R9), at any time: the window
  is reported for information. SUSE Linux and Red Hat software plans in Azure cannot be cancelled or
  exchanged. Both are recognised by kind or by product name (patterns are rule-set data, see
  :mod:`csp_rules._window`); a name that nearly matches is never self-service.
* R7.4 Azure reservations are not covered: the decision says so.
* R7.5 Prerequisites (:func:`check_prerequisites`) and one cancellation per order ID
  (:func:`plan_cancellations`).
* R8.1–R8.3 What a cancellation does (:func:`effects`), with the credit of R8.4 from
  :func:`csp_rules.billing.refund_credit`.
* R9 The support request (:class:`SupportRequest`, in :mod:`csp_rules.support`).
* R10.3 Under S2018, on-premises (perpetual) software is cancelled only through a support request.
* R1.2 Cancelling requires the Admin agent role (``rules.roles.permissions[Action.CANCEL]``).

**Order of the outcomes.** An outcome that holds for everyone comes before one about the caller:

1. ``NOT_COVERED``: the rules do not cover the kind at all (R7.4), so R1.2 does not speak either;
2. ``NOT_CANCELLABLE``: nobody can cancel it (R7.3);
3. ``WINDOW_CLOSED``: nobody can cancel it any more (R7.1);
4. ``NOT_PERMITTED``: an Admin agent could act (self-service or support request), the roles given
   cannot (R1.2); the decision still carries the window, and its second reason says what an Admin
   agent would get;
5. ``SUPPORT_REQUEST`` (R7.3 ESU, R10.3, or a near-miss product name) or ``SELF_SERVICE``.

With roles that lack Admin agent, ``NOT_CANCELLABLE`` and ``WINDOW_CLOSED`` add the reason
``cancellation.not_permitted`` after their own. ``allowed`` is True exactly for ``SELF_SERVICE``
(what :func:`can_self_cancel` answers).

A subscription bought on 2020-01-15 (so judged by S2018, in force until 2020-01-20), 60 days
over the leap day:

>>> from datetime import date, datetime, timezone
>>> p = Purchase(order_id="O-1", product_name="Microsoft 365 Apps", kind="software_subscription",
...              purchased_at=date(2020, 1, 15))
>>> d = evaluate(p, at=datetime(2020, 3, 1, 12, tzinfo=timezone.utc))
>>> d.outcome, d.allowed, d.deadline.isoformat(), d.days_left, str(d.time_left), d.ruleset_version
(<Outcome.SELF_SERVICE: 'self_service'>, True, '2020-03-15T00:00:00+00:00', 13, '13 days, 12:00:00', 'S2018')
>>> d.explain("en")
'Order O-1 (Microsoft 365 Apps) can be cancelled now in Partner Center or through the API, with no early termination fee: 13 full day(s) left, until Mar 15, 2020, 12:00:00\u202fAM UTC (R7.1).'
>>> evaluate(p, at=datetime(2020, 3, 15, tzinfo=timezone.utc)).explain("fr")
"Vous avez dépassé votre fenêtre d'annulation de 60 jours : la commande O-1 (Microsoft 365 Apps) pouvait être annulée jusqu'au 15 mars 2020, 00:00:00 UTC et ne peut plus l'être (R7.1)."
>>> esu = Purchase(order_id="O-2", product_name="Windows 7 Extended Security Updates 2020",
...                kind="software_subscription", purchased_at=date(2020, 2, 1))
>>> d = evaluate(esu, at=datetime(2020, 2, 2, tzinfo=timezone.utc))
>>> d.outcome, d.reasons, d.days_left
(<Outcome.SUPPORT_REQUEST: 'support_request'>, ('cancellation.support_request_esu', 'cancellation.window_info'), 59)
>>> evaluate(p, at=datetime(2020, 2, 1, tzinfo=timezone.utc), roles=["Agent commercial"]).outcome
<Outcome.NOT_PERMITTED: 'not_permitted'>
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any, Final, NamedTuple

import attrs

from . import _time, _window
from ._frozen import FrozenMap
from .billing import Credit, refund_credit
from .decision import Decision, message
from .errors import FieldProblem, InvalidDateError, InvalidFieldError, NotCancellableError, ValidationError
from .facts import Action, Customer, ProductKind, Purchase, Role
from .rulesets import Exclusion, Route, RuleSet, resolve_rules, shipped_rulesets
from .support import SupportRequest, support_request_for

__all__ = [
    "REASON_CODES",
    "CancellationDecision",
    "CancellationEffects",
    "Customer",
    "Obligation",
    "Outcome",
    "PlannedCancellation",
    "ProductKind",
    "Purchase",
    "Readiness",
    "SupportRequest",
    "can_self_cancel",
    "check_prerequisites",
    "effects",
    "evaluate",
    "plan_cancellations",
    "support_request_for",
]

#: every reason code this module emits (messages in ``data/messages/cancellation.json``)
REASON_CODES: Final[frozenset[str]] = frozenset(
    {
        "cancellation.self_service",
        "cancellation.self_service_fee",
        "cancellation.window_closed",
        "cancellation.support_request_esu",
        "cancellation.support_request_excluded",
        "cancellation.support_request_on_premises",
        "cancellation.support_request_kind",
        "cancellation.exclusion_suspected",
        "cancellation.not_cancellable",
        "cancellation.not_covered",
        "cancellation.not_permitted",
        "cancellation.window_info",
        "cancellation.window_info_closed",
        "cancellation.prerequisites_met",
        "cancellation.prerequisites_missing",
        "cancellation.missing_customer",
        "cancellation.missing_product_name",
        "cancellation.missing_order_id",
        "cancellation.missing_notice",
        "cancellation.effect_visible",
        "cancellation.effect_revoked",
        "cancellation.effect_listed",
    }
)

#: the id of the Windows 7 ESU 2020 exclusion in the shipped rule sets (R7.3)
ESU_EXCLUSION_ID: Final = "windows7_esu_2020"

#: what the description of a support request must hold (R9), in the form's order
SUPPORT_REQUEST_ITEMS: Final[tuple[str, ...]] = (
    "tenant_id_or_domain",
    "order_id_or_subscription_id",
    "refund_reason",
    "amount_requested",
    "contact_name",
    "contact_email",
    "contact_phone",
)


class Outcome(enum.Enum):
    """How a purchase can be cancelled at an instant (R7, R10.3, R1.2)."""

    #: cancel now in Partner Center or through the API, no early termination fee (R7.1)
    SELF_SERVICE = "self_service"
    #: the window has passed; it can no longer be cancelled (R7.1)
    WINDOW_CLOSED = "window_closed"
    #: only through a support request (R7.3 Windows 7 ESU, R10.3 on-premises under S2018, R9)
    SUPPORT_REQUEST = "support_request"
    #: can be neither cancelled nor exchanged (R7.3 SUSE / Red Hat software plans in Azure)
    NOT_CANCELLABLE = "not_cancellable"
    #: these rules do not cover it (R7.4 Azure reservations): no guess
    NOT_COVERED = "not_covered"
    #: roles were given and none may cancel (R1.2)
    NOT_PERMITTED = "not_permitted"


class Readiness(enum.Enum):
    """Whether everything R7.5 asks for is at hand before a cancellation."""

    READY = "ready"
    INCOMPLETE = "incomplete"


class Obligation(enum.Enum):
    """What partner and customer must do once a purchase is cancelled (R8.2)."""

    STOP_USING = "stop_using"
    UNINSTALL = "uninstall"
    DELETE_LINKS = "delete_links"
    DELETE_DOWNLOADS = "delete_downloads"


_KIND_NAMES: Final[FrozenMap[str, FrozenMap[ProductKind, str]]] = FrozenMap(
    {
        "en": FrozenMap(
            {
                ProductKind.SOFTWARE_SUBSCRIPTION: "software subscription",
                ProductKind.PERPETUAL_SOFTWARE: "perpetual software",
                ProductKind.AZURE_RESERVATION: "Azure reservation",
                ProductKind.AZURE_SOFTWARE_PLAN: "Azure software plan",
            }
        ),
        "fr": FrozenMap(
            {
                ProductKind.SOFTWARE_SUBSCRIPTION: "abonnement logiciel",
                ProductKind.PERPETUAL_SOFTWARE: "logiciel perpétuel",
                ProductKind.AZURE_RESERVATION: "réservation Azure",
                ProductKind.AZURE_SOFTWARE_PLAN: "plan logiciel Azure",
            }
        ),
    }
)

# names of the shipped R7.3 exclusions in each language; other (user) exclusions use their description
_EXCLUSION_NAMES: Final[FrozenMap[str, FrozenMap[str, str]]] = FrozenMap(
    {
        ESU_EXCLUSION_ID: FrozenMap(
            {
                "en": "Windows 7 Extended Security Updates (ESU) 2020",
                "fr": "les mises à jour de sécurité étendues (ESU) de Windows 7 2020",
            }
        ),
        "suse_redhat_software_plan": FrozenMap(
            {
                "en": "a SUSE Linux or Red Hat software plan in Azure",
                "fr": "un plan logiciel SUSE Linux ou Red Hat dans Azure",
            }
        ),
    }
)
# a kind whose own route is "not cancellable" without an exclusion naming it (user rule sets)
_NOT_CANCELLABLE_KIND: Final[FrozenMap[str, str]] = FrozenMap(
    {
        "en": "a product that cannot be cancelled under these rules",
        "fr": "un produit non annulable selon ces règles",
    }
)

_PREREQUISITE_NAMES: Final[FrozenMap[str, FrozenMap[str, str]]] = FrozenMap(
    {
        "en": FrozenMap(
            {
                "customer": "the customer (name, tenant GUID or domain name)",
                "product_name": "the product name",
                "order_id": "the order ID",
                "notice": "the acknowledged notice",
            }
        ),
        "fr": FrozenMap(
            {
                "customer": "le client (nom, GUID du locataire ou nom de domaine)",
                "product_name": "le nom du produit",
                "order_id": "l'ID de commande",
                "notice": "l'avertissement lu et confirmé",
            }
        ),
    }
)


def _exclusion_names(exclusion: Exclusion) -> dict[str, str]:
    names = _EXCLUSION_NAMES.get(exclusion.id)
    if names is None:
        return {"exclusion_en": exclusion.description, "exclusion_fr": exclusion.description}
    return {"exclusion_en": names["en"], "exclusion_fr": names["fr"]}


# --- the decision ---------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class CancellationDecision(Decision):
    """The answer of :func:`evaluate` (R7): an :class:`Outcome` with the window, if the purchase has one.

    ``deadline`` is the end of the window (exclusive, aware, UTC), ``days_left`` the whole days until
    it, rounded down, and ``time_left`` the exact time left (both 0 once it has passed). The three are
    None when the purchase has no window (not covered, not cancellable, on-premises under S2018). For
    Windows 7 ESU they are reported as information only (R7.3 convention).
    """

    deadline: datetime | None = None
    days_left: int | None = None
    time_left: timedelta | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able mapping: :meth:`Decision.to_dict` plus ``deadline``, ``days_left``, ``time_left``."""
        data = super().to_dict()
        data["deadline"] = None if self.deadline is None else self.deadline.isoformat()
        data["days_left"] = self.days_left
        data["time_left"] = None if self.time_left is None else self.time_left.total_seconds()
        return data


_ZERO = timedelta(0)
_DAY = timedelta(days=1)


def _cancel_roles(rules: RuleSet) -> frozenset[Role]:
    allowed: frozenset[Role] = rules.roles.permissions.get(Action.CANCEL, frozenset())
    return allowed


def _role_facts(given: frozenset[Role], required: frozenset[Role]) -> dict[str, str]:
    from .roles import role_name

    order = {role: i for i, role in enumerate(Role)}
    facts = {}
    for lang, none in (("en", "none"), ("fr", "aucun")):
        for key, roles in (("roles", given), ("required", required)):
            ordered = sorted(roles, key=order.__getitem__)
            facts[f"{key}_{lang}"] = ", ".join(role_name(r, lang) for r in ordered) if ordered else none
    return facts


def _parse_roles(roles: Any) -> frozenset[Role]:
    if isinstance(roles, frozenset) and all(isinstance(r, Role) for r in roles):
        return roles
    from .roles import parse_roles

    return parse_roles(roles)


def evaluate(
    purchase: Purchase,
    *,
    at: datetime,
    roles: Role | str | Iterable[Role | str] | None = None,
    rules: RuleSet | None = None,
) -> CancellationDecision:
    """Whether and how ``purchase`` can be cancelled at the instant ``at`` (R7.1–R7.4, R7.6, R10.3, R1.2).

    :param purchase: the purchase (one order ID).
    :param at: an aware datetime (any zone; compared in UTC), not before the purchase.
    :param roles: None to leave roles out of the decision; else the roles of the person cancelling
        (:class:`Role` members or names that :func:`csp_rules.roles.parse_roles` reads, English or
        French; a single role or name counts as one role). Given roles without one of
        ``rules.roles.permissions[Action.CANCEL]`` (Admin agent) give ``NOT_PERMITTED`` (see the
        module docstring for the order of the outcomes); an empty collection has no role.
    :param rules: the rule set; by default the one in force at the purchase's UTC date.
    :returns: a :class:`CancellationDecision`; ``allowed`` is True exactly for ``SELF_SERVICE``.
    :raises NaiveDatetimeError: ``at`` has no time zone.
    :raises InvalidDateError: ``at`` is before the purchase.
    :raises NoRulesInForceError: no rule set is in force at the purchase date (before 2018-08-31).
    :raises UnknownRoleError: a role name is unknown.
    :raises TypeError: ``purchase`` is not a :class:`Purchase`, ``at`` not a datetime, ``rules`` not a
        :class:`~csp_rules.rulesets.RuleSet`, or roles of the wrong type.
    """
    if not isinstance(purchase, Purchase):
        raise TypeError(f"purchase: expected a Purchase, got {type(purchase).__name__}")
    at_utc = _time.require_aware(at, "at")
    prepared = _PREPARED.get(id(purchase))
    if prepared is None or prepared.purchase is not purchase or prepared.rules is not rules:
        prepared = _prepare(purchase, rules)
    given = None if roles is None else _parse_roles(roles)
    if at_utc < purchase.purchased_at:
        raise InvalidDateError(
            f"at: {at_utc.isoformat()} is before the purchase ({purchase.purchased_at.isoformat()})",
            field="at",
            value=at,
        )
    fixed = prepared.fixed
    deadline = fixed.deadline
    in_window = deadline is not None and at_utc < deadline
    if given is None:
        variant = prepared.opened if in_window else prepared.closed
    elif given & prepared.cancel_roles:
        variant = prepared.opened_permitted if in_window else prepared.closed_permitted
    else:
        variant = _variant(purchase, prepared.ruleset, fixed, in_window, given)
    facts = variant.facts.copy()
    facts["at"] = at_utc
    if deadline is None:
        return CancellationDecision(
            outcome=variant.outcome, allowed=variant.allowed, reasons=variant.reasons,
            rule_numbers=variant.numbers, ruleset_version=variant.version, facts=FrozenMap(facts),
        )  # fmt: skip
    time_left = deadline - at_utc if in_window else _ZERO
    days_left = time_left // _DAY
    facts["days_left"] = days_left
    facts["time_left"] = time_left
    facts["in_window"] = in_window
    return CancellationDecision(
        outcome=variant.outcome, allowed=variant.allowed, reasons=variant.reasons,
        rule_numbers=variant.numbers, ruleset_version=variant.version, facts=FrozenMap(facts),
        deadline=deadline, days_left=days_left, time_left=time_left,
    )  # fmt: skip


class _Variant(NamedTuple):
    """A decision without its instant: what :func:`evaluate` answers inside or outside the window."""

    outcome: Outcome
    allowed: bool
    reasons: tuple[str, ...]
    numbers: tuple[str, ...]
    version: str
    facts: dict[str, Any]


class _Prepared:
    """Everything :func:`evaluate` answers for one purchase and rule set, but the instant."""

    __slots__ = (
        "cancel_roles", "closed", "closed_permitted", "fixed", "opened", "opened_permitted", "purchase", "rules",
        "ruleset",
    )  # fmt: skip

    def __init__(self, purchase: Purchase, rules: RuleSet | None) -> None:
        ruleset = resolve_rules(rules, purchase.purchased_at.date())
        fixed = _window.static(purchase, ruleset)
        self.purchase = purchase
        self.rules = rules
        self.ruleset = ruleset
        self.fixed = fixed
        self.cancel_roles = _cancel_roles(ruleset)
        permitted = self.cancel_roles
        self.closed = _variant(purchase, ruleset, fixed, False, None)
        self.closed_permitted = _variant(purchase, ruleset, fixed, False, permitted)
        if fixed.deadline is None:
            self.opened, self.opened_permitted = self.closed, self.closed_permitted
        else:
            self.opened = _variant(purchase, ruleset, fixed, True, None)
            self.opened_permitted = _variant(purchase, ruleset, fixed, True, permitted)


# answers keyed by id(purchase). An entry keeps its purchase and rule set alive and is used only for
# those very objects (checked with ``is``), so a reused id never returns another purchase's answer.
_PREPARED: dict[int, _Prepared] = {}
_PREPARED_MAX = 4096


def _prepare(purchase: Purchase, rules: RuleSet | None) -> _Prepared:
    prepared = _Prepared(purchase, rules)
    if len(_PREPARED) >= _PREPARED_MAX:
        _PREPARED.clear()
    _PREPARED[id(purchase)] = prepared
    return prepared


def can_self_cancel(
    purchase: Purchase,
    *,
    at: datetime,
    roles: Role | str | Iterable[Role | str] | None = None,
    rules: RuleSet | None = None,
) -> bool:
    """Boolean shorthand for :func:`evaluate` (R7.1, R1.2): whether the outcome is ``SELF_SERVICE``.

    >>> from datetime import date, datetime, timezone
    >>> p = Purchase(order_id="O-1", product_name="Project Standard", kind="perpetual_software",
    ...              purchased_at=date(2020, 6, 1))
    >>> can_self_cancel(p, at=datetime(2020, 7, 30, 23, 59, tzinfo=timezone.utc))
    True
    >>> can_self_cancel(p, at=datetime(2020, 7, 31, tzinfo=timezone.utc))
    False
    """
    return evaluate(purchase, at=at, roles=roles, rules=rules).allowed


def _variant(
    purchase: Purchase,
    rules: RuleSet,
    a: _window.Static,
    in_window: bool,
    given: frozenset[Role] | None,
) -> _Variant:
    kind = purchase.kind
    facts: dict[str, Any] = {
        "order_id": purchase.order_id,
        "product_name": purchase.product_name,
        "kind": kind,
        "kind_en": _KIND_NAMES["en"][kind],
        "kind_fr": _KIND_NAMES["fr"][kind],
        "purchased_at": purchase.purchased_at,
        "ruleset": rules.version,
    }
    deadline = a.deadline
    window_info: tuple[str, ...] = ()
    if deadline is not None:
        facts["window_days"] = a.window_days
        facts["deadline"] = deadline
        window_info = ("cancellation.window_info" if in_window else "cancellation.window_info_closed",)
    route = a.route

    def make(outcome: Outcome, reasons: tuple[str, ...], numbers: tuple[str, ...]) -> _Variant:
        return _Variant(outcome, outcome is Outcome.SELF_SERVICE, reasons, numbers, rules.version, facts)

    # outcomes that hold for everyone
    if route is Route.NOT_COVERED:
        return make(Outcome.NOT_COVERED, ("cancellation.not_covered",), ("R7.4",))
    allowed_roles = _cancel_roles(rules)
    lacking = given is not None and not (given & allowed_roles)
    if given is not None and lacking:
        facts.update(_role_facts(given, allowed_roles))
    extra = ("cancellation.not_permitted",) if lacking else ()
    extra_rules = ("R1.2",) if given is not None else ()
    if route is Route.NOT_CANCELLABLE:
        if a.exclusion is not None:
            facts["exclusion"] = a.exclusion.id
            facts.update(_exclusion_names(a.exclusion))
        else:
            facts["exclusion_en"], facts["exclusion_fr"] = (
                _NOT_CANCELLABLE_KIND["en"],
                _NOT_CANCELLABLE_KIND["fr"],
            )
        return make(Outcome.NOT_CANCELLABLE, ("cancellation.not_cancellable", *extra), ("R7.3", *extra_rules))
    near = a.near_miss if route is Route.WINDOW else None
    if route is Route.WINDOW and near is None and not in_window:
        return make(
            Outcome.WINDOW_CLOSED, ("cancellation.window_closed", *extra), ("R7.1", "R7.6", *extra_rules)
        )

    # what an Admin agent would get
    outcome: Outcome
    if route is Route.WINDOW and near is None:
        outcome = Outcome.SELF_SERVICE
        fee = rules.cancellation.early_termination_fee
        facts["early_termination_fee"] = fee
        reasons: tuple[str, ...] = ("cancellation.self_service_fee" if fee else "cancellation.self_service",)
        numbers: tuple[str, ...] = ("R7.1", "R7.2")
    else:
        outcome = Outcome.SUPPORT_REQUEST
        facts["problem_type_en"] = rules.support_request.problem_type
        facts["problem_type_fr"] = rules.support_request.problem_type_fr
        facts["support_request_items"] = SUPPORT_REQUEST_ITEMS
        if near is not None:
            facts["suspected_exclusion"] = near.id
            facts.update(_exclusion_names(near))
            reasons = ("cancellation.exclusion_suspected", *window_info)
            numbers = ("R7.3", "R9")
        elif a.exclusion is not None:
            facts["exclusion"] = a.exclusion.id
            facts.update(_exclusion_names(a.exclusion))
            code = (
                "cancellation.support_request_esu"
                if a.exclusion.id == ESU_EXCLUSION_ID
                else "cancellation.support_request_excluded"
            )
            reasons = (code, *window_info)
            numbers = ("R7.3", "R9")
        elif kind is ProductKind.PERPETUAL_SOFTWARE:
            reasons = ("cancellation.support_request_on_premises", *window_info)
            numbers = ("R10.3", "R9")
        else:
            reasons = ("cancellation.support_request_kind", *window_info)
            numbers = ("R9",)
    if lacking:
        facts["outcome_if_permitted"] = outcome
        return make(Outcome.NOT_PERMITTED, ("cancellation.not_permitted", *reasons), ("R1.2", *numbers))
    return make(outcome, reasons, (*numbers, *extra_rules))


# --- prerequisites and planning (R7.5) ------------------------------------------------------

_PREREQUISITE_ORDER: Final = ("customer", "product_name", "order_id", "notice")
_PREREQUISITE_CODES: Final[FrozenMap[str, str]] = FrozenMap(
    {
        "customer": "cancellation.missing_customer",
        "product_name": "cancellation.missing_product_name",
        "order_id": "cancellation.missing_order_id",
        "notice": "cancellation.missing_notice",
    }
)
_ROW_KEYS: Final = frozenset({"order_id", "product_name", "customer_name", "tenant_id", "domain"})


def _given_or_newest(rules: RuleSet | None) -> RuleSet:
    if rules is None:
        return shipped_rulesets()[-1]
    if not isinstance(rules, RuleSet):
        raise TypeError(f"rules: expected a RuleSet, got {type(rules).__name__}")
    return rules


def _present(value: Any, field: str) -> bool:
    if value is None:
        return False
    if not isinstance(value, str):
        raise TypeError(f"{field}: expected str or None, got {type(value).__name__}")
    return bool(value.strip())


def check_prerequisites(
    purchase: Purchase | Mapping[str, Any],
    *,
    notice_acknowledged: bool,
    rules: RuleSet | None = None,
) -> Decision:
    """What is still missing before a cancellation (R7.5): customer, product name, order ID, notice.

    The customer is identified by any one of its name, tenant GUID or domain name. The notice is the
    box the partner ticks to confirm it has read what a cancellation does (R8).

    :param purchase: a :class:`Purchase` (which always has an order ID and a product name), or a row
        (mapping) from a pipeline with any of the keys ``order_id``, ``product_name``,
        ``customer_name``, ``tenant_id``, ``domain`` (None or blank means missing).
    :param notice_acknowledged: whether the box is ticked.
    :param rules: names the rule set in the decision; by default the newest shipped one for a row,
        the one in force at the purchase date for a :class:`Purchase`.
    :returns: a :class:`~csp_rules.decision.Decision` with outcome :class:`Readiness`; its facts hold
        ``missing`` (item codes in the order above) and its reasons one code per missing item after
        the main one.
    :raises TypeError: for arguments of the wrong type.
    :raises InvalidFieldError: for a row with an unknown key or a malformed tenant GUID.

    >>> from datetime import date
    >>> p = Purchase(order_id="O-7", product_name="Visio", kind="perpetual_software",
    ...              purchased_at=date(2020, 5, 1))
    >>> d = check_prerequisites(p, notice_acknowledged=False)
    >>> d.outcome, d.facts["missing"]
    (<Readiness.INCOMPLETE: 'incomplete'>, ('customer', 'notice'))
    >>> d.explain("en")
    'Before cancelling order O-7, 2 item(s) are missing: the customer (name, tenant GUID or domain name), the acknowledged notice (R7.5).'
    """
    if not isinstance(notice_acknowledged, bool):
        raise TypeError(f"notice_acknowledged: expected bool, got {type(notice_acknowledged).__name__}")
    missing: list[str] = []
    if isinstance(purchase, Purchase):
        ruleset = resolve_rules(rules, purchase.purchased_at.date())
        order_id: str | None = purchase.order_id
        if purchase.customer is None or not purchase.customer.identified:
            missing.append("customer")
    elif isinstance(purchase, Mapping):
        ruleset = _given_or_newest(rules)
        unknown = sorted(str(k) for k in purchase if k not in _ROW_KEYS)
        if unknown:
            raise InvalidFieldError(
                f"{unknown[0]}: unknown key; a row has {', '.join(sorted(_ROW_KEYS))}",
                field=unknown[0],
                value=purchase[unknown[0]],
            )
        customer = Customer(
            name=purchase.get("customer_name")
            if _present(purchase.get("customer_name"), "customer_name")
            else None,
            tenant_id=purchase.get("tenant_id") or None,
            domain=purchase.get("domain") if _present(purchase.get("domain"), "domain") else None,
        )
        if not customer.identified:
            missing.append("customer")
        if not _present(purchase.get("product_name"), "product_name"):
            missing.append("product_name")
        order_id = purchase.get("order_id")
        if not _present(order_id, "order_id"):
            missing.append("order_id")
            order_id = None
    else:
        raise TypeError(f"purchase: expected a Purchase or a mapping, got {type(purchase).__name__}")
    if not notice_acknowledged:
        missing.append("notice")
    facts: dict[str, Any] = {
        "order_id": order_id if order_id is not None else "?",
        "missing": tuple(missing),
        "missing_count": len(missing),
    }
    for lang in ("en", "fr"):
        facts[f"missing_{lang}"] = ", ".join(_PREREQUISITE_NAMES[lang][m] for m in missing)
    if missing:
        return Decision(
            outcome=Readiness.INCOMPLETE,
            allowed=False,
            reasons=("cancellation.prerequisites_missing", *(_PREREQUISITE_CODES[m] for m in missing)),
            rule_numbers=("R7.5",),
            ruleset_version=ruleset.version,
            facts=facts,
        )
    return Decision(
        outcome=Readiness.READY,
        allowed=True,
        reasons=("cancellation.prerequisites_met",),
        rule_numbers=("R7.5",),
        ruleset_version=ruleset.version,
        facts=facts,
    )


@attrs.frozen(kw_only=True)
class PlannedCancellation:
    """One cancellation to submit: one order ID with its line items (R7.5).

    ``line_items`` are the purchases of that order in the order they were given; ``customer``
    merges what the line items say about the customer (None if none says anything).
    """

    order_id: str
    purchased_at: datetime
    customer: Customer | None
    line_items: tuple[Purchase, ...]

    @property
    def product_names(self) -> tuple[str, ...]:
        """The distinct product names of the line items, in order of first appearance."""
        return tuple(dict.fromkeys(p.product_name for p in self.line_items))


_CUSTOMER_FIELDS: Final = ("name", "tenant_id", "domain")


def plan_cancellations(purchases: Iterable[Purchase]) -> tuple[PlannedCancellation, ...]:
    """One cancellation per order ID (R7.5), in the order each order ID first appears.

    Purchases with the same ``order_id`` are line items of one order and make one cancellation.
    They must agree on the purchase instant and on whatever they say about the customer (a name,
    tenant GUID or domain given by one line item and not by another is merged).

    :raises ValidationError: listing every conflict at once (field ``purchases[i].purchased_at`` or
        ``purchases[i].customer.name`` / ``.tenant_id`` / ``.domain``).
    :raises TypeError: an item is not a :class:`Purchase`, or ``purchases`` is not iterable.

    >>> from datetime import date
    >>> a = Purchase(order_id="A", product_name="Visio", kind="perpetual_software", purchased_at=date(2020, 5, 1))
    >>> b = Purchase(order_id="B", product_name="Project", kind="perpetual_software", purchased_at=date(2020, 5, 2))
    >>> c = attrs.evolve(a, product_name="Visio Plan 2")
    >>> [(p.order_id, p.product_names) for p in plan_cancellations([a, b, c])]
    [('A', ('Visio', 'Visio Plan 2')), ('B', ('Project',))]
    """
    if isinstance(purchases, (str, bytes, Purchase)) or not isinstance(purchases, Iterable):
        raise TypeError(f"purchases: expected an iterable of Purchase, got {type(purchases).__name__}")
    groups: dict[str, list[tuple[int, Purchase]]] = {}
    for index, purchase in enumerate(purchases):
        if not isinstance(purchase, Purchase):
            raise TypeError(f"purchases[{index}]: expected a Purchase, got {type(purchase).__name__}")
        groups.setdefault(purchase.order_id, []).append((index, purchase))
    problems: list[FieldProblem] = []
    plans: list[PlannedCancellation] = []
    for order_id, items in groups.items():
        first_index, first = items[0]
        known: dict[str, tuple[int, Any]] = {}
        for index, purchase in items:
            if purchase.purchased_at != first.purchased_at:
                problems.append(
                    FieldProblem(
                        f"purchases[{index}].purchased_at",
                        f"order {order_id}: purchased at {purchase.purchased_at.isoformat()}, but line item "
                        f"purchases[{first_index}] of the same order at {first.purchased_at.isoformat()}",
                        purchase.purchased_at,
                    )
                )
            if purchase.customer is None:
                continue
            for name in _CUSTOMER_FIELDS:
                value = getattr(purchase.customer, name)
                if value is None:
                    continue
                seen = known.get(name)
                if seen is None:
                    known[name] = (index, value)
                elif seen[1] != value:
                    problems.append(
                        FieldProblem(
                            f"purchases[{index}].customer.{name}",
                            f"order {order_id}: customer {name} {str(value)[:80]!r}, but line item "
                            f"purchases[{seen[0]}] of the same order has {str(seen[1])[:80]!r}",
                            value,
                        )
                    )
        customer = Customer(**{k: v for k, (_, v) in known.items()}) if known else None
        plans.append(
            PlannedCancellation(
                order_id=order_id,
                purchased_at=first.purchased_at,
                customer=customer,
                line_items=tuple(p for _, p in items),
            )
        )
    if problems:
        raise ValidationError(problems, field="purchases")
    return tuple(plans)


# --- effects (R8.1–R8.3, R8.4 credit) -------------------------------------------------------

#: what partner and customer must do once a purchase is cancelled (R8.2)
OBLIGATIONS: Final[tuple[Obligation, ...]] = tuple(Obligation)


@attrs.frozen(kw_only=True)
class CancellationEffects:
    """What a cancellation does (R8.1–R8.4), for a purchase that could be cancelled at ``cancelled_at``.

    * ``visible_by``: the cancellation may take up to ``rules.cancellation.dashboard_delay_minutes``
      (15) to appear in the dashboard (R8.1);
    * ``keys_revoked``, ``links_revoked``: all software keys and download links are revoked (R8.2);
    * ``still_listed``, ``activation_key_available``: the item stays on the customer's software page,
      without its activation key (R8.3);
    * ``obligations``: partner and customer must stop using the software, uninstall it and delete its
      links and downloads (R8.2);
    * ``credit``: the :class:`csp_rules.billing.Credit` (R8.4), amount and invoice date when due;
    * ``decision``: the :func:`evaluate` decision at ``cancelled_at`` (self-service or support request).
    """

    order_id: str
    cancelled_at: datetime
    visible_by: datetime
    route: Outcome
    keys_revoked: bool
    links_revoked: bool
    still_listed: bool
    activation_key_available: bool
    obligations: tuple[Obligation, ...]
    obligated: tuple[str, ...]
    credit: Credit
    decision: CancellationDecision
    ruleset_version: str
    rule_numbers: tuple[str, ...]
    facts: FrozenMap[str, Any]

    def explain(self, locale: str = "en") -> tuple[str, ...]:
        """One sentence per effect (R8.1, R8.2, R8.3, then the credit's R8.4), English or French."""
        lines = [
            message("cancellation.effect_visible", locale, self.facts),
            message("cancellation.effect_revoked", locale, self.facts),
            message("cancellation.effect_listed", locale, self.facts),
        ]
        lines.extend(self.credit.explain_all(locale))
        return tuple(lines)


def effects(
    purchase: Purchase,
    *,
    cancelled_at: datetime,
    rules: RuleSet | None = None,
    billing_day: int | None = None,
) -> CancellationEffects:
    """What cancelling ``purchase`` at ``cancelled_at`` does (R8.1–R8.3), with its credit (R8.4).

    Only a cancellation that can happen has effects: the outcome of :func:`evaluate` at
    ``cancelled_at`` (without roles) must be ``SELF_SERVICE`` or ``SUPPORT_REQUEST`` (Windows 7 ESU at
    any time, on-premises software under S2018, a near-miss name: the support team decides, and the
    effects are those of the cancellation it makes). For any other outcome (window closed, not
    cancellable, not covered) this raises :class:`~csp_rules.errors.NotCancellableError` whose
    ``value`` is that decision: an object listing revoked keys for a purchase that was not cancelled
    would be a lie.

    :param cancelled_at: the aware instant of the cancellation.
    :param rules: default the rule set in force at the purchase date.
    :param billing_day: the day of the month invoices are issued (1–31), for the credit's invoice date.
    :raises NotCancellableError: the purchase cannot be cancelled at ``cancelled_at``.
    :raises NaiveDatetimeError, InvalidDateError: as :func:`evaluate`.
    :raises MissingFieldError: a credit is due but the purchase has no price (or, for a prorated
        credit, no term), from :func:`csp_rules.billing.refund_credit`.

    >>> from datetime import date, datetime, timezone
    >>> from csp_rules import Money
    >>> p = Purchase(order_id="O-3", product_name="SQL Server 2019 Standard", kind="perpetual_software",
    ...              purchased_at=date(2020, 6, 1), price=Money("899.00", "USD"))
    >>> e = effects(p, cancelled_at=datetime(2020, 6, 10, 9, 0, tzinfo=timezone.utc), billing_day=15)
    >>> e.visible_by.isoformat(), e.keys_revoked, e.activation_key_available, e.credit.amount, e.credit.invoice_date
    ('2020-06-10T09:15:00+00:00', True, False, Money('899.00', 'USD'), datetime.date(2020, 6, 15))
    """
    _time.require_aware(cancelled_at, "cancelled_at")  # errors name this function's argument, not evaluate's
    decision = evaluate(purchase, at=cancelled_at, rules=rules)
    if decision.outcome not in (Outcome.SELF_SERVICE, Outcome.SUPPORT_REQUEST):
        raise NotCancellableError(
            f"cancelled_at: order {purchase.order_id} cannot be cancelled then: {decision.explain('en')}",
            field="cancelled_at",
            value=decision,
        )
    ruleset = resolve_rules(rules, purchase.purchased_at.date())
    at = decision.facts["at"]
    delay = ruleset.cancellation.dashboard_delay_minutes
    try:
        visible_by = at + timedelta(minutes=delay)
    except OverflowError:
        raise InvalidDateError(
            f"cancelled_at: {at.isoformat()} + {delay} minutes is past the end of the calendar",
            field="cancelled_at",
            value=cancelled_at,
        ) from None
    credit = refund_credit(purchase, cancelled_at=at, rules=ruleset, billing_day=billing_day)
    facts = {
        "order_id": purchase.order_id,
        "cancelled_at": at,
        "visible_by": visible_by,
        "dashboard_delay_minutes": delay,
    }
    return CancellationEffects(
        order_id=purchase.order_id,
        cancelled_at=at,
        visible_by=visible_by,
        route=decision.outcome,
        keys_revoked=True,
        links_revoked=True,
        still_listed=True,
        activation_key_available=False,
        obligations=OBLIGATIONS,
        obligated=("partner", "customer"),
        credit=credit,
        decision=decision,
        ruleset_version=ruleset.version,
        rule_numbers=("R8.1", "R8.2", "R8.3", *credit.rule_numbers),
        facts=FrozenMap(facts),
    )
