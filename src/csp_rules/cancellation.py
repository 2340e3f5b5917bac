"""Cancelling a purchase (RULES.md R7, R7.1–R7.6; R10, R10.3; R11.2): can it still be cancelled, how, until when.

Sources: S2020 ("Sell software subscriptions through CSP", 2020-01-21) for R7, S2018 ("Sell
on-premise software through CSP", 2018-08-31) for R10.3, the later versions of R11 for the windows
after 2020. A purchase is judged by the version in force at the UTC date of its purchase, or of its
current term's start for a renewal (R11.2), unless ``rules`` is one rule set.

* R7.1 A software purchase can be cancelled within a window from its purchase (60 days in S2018 and
  S2020, 30 days from S2021-06-02, 7 days per term for software subscriptions from S2022-07-11), with
  no early termination fee; afterwards it can no longer be cancelled. The window is the half-open
  interval ``[start, start + N × 24 h)`` in UTC; a purchase known only by its date was made at
  00:00 UTC; "days left" is whole days until the deadline, rounded down, next to the exact time left.
* R11.2 From S2022-07-11 a software subscription's window starts at the start of its current term
  (``Purchase.term_started_at``, else the purchase): ``rules.cancellation.window_from``.
* R7.2 The window length is rule-set data per product kind (``rules.cancellation.window_days``).
* R7.3 Windows 7 ESU 2020 is cancelled only through a support request (R9), at any time: the window
  is reported for information. SUSE Linux and Red Hat software plans in Azure cannot be cancelled or
  exchanged. Both are recognised by kind or by product name (the exclusions and their patterns are
  rule-set data, matched by :mod:`csp_rules._exclusions`); a name that nearly matches is never
  self-service. Each exclusion names itself and gives the reason code of its decisions.
* R7.4 Azure reservations are not covered: the decision says so.
* R7.5 Prerequisites (:func:`check_prerequisites`) and one cancellation per order ID
  (:func:`plan_cancellations`).
* R7.6 The decision says the days left, that the window has passed, or that a support request is
  needed (:class:`CancellationDecision`).
* R10 On-premises software is the kind ``perpetual_software``; R10.3 under S2018 it is cancelled only
  through a support request.

It uses R1.2 (cancelling requires the Admin agent role, ``rules.roles.permissions[Action.CANCEL]``,
:mod:`csp_rules.roles`) and R9 (the support request, :mod:`csp_rules.support`). What a cancellation
then does is :mod:`csp_rules.effects` (R8.1–R8.3) and its credit :mod:`csp_rules.billing` (R8.4).

**One table.** The outcome, reason codes and rule numbers of a decision are read from
:data:`OUTCOME`, keyed by what :func:`assess` finds (the route, what decided it, whether the kind
has a window, whether the instant is inside it, whether the rule set charges a fee): the scalar
path and :mod:`csp_rules.batch` index the same table.

**Kept per rule set** (issue 18). What a decision needs but the instant (the route, the two
:data:`OUTCOME` entries inside and outside the window, the facts they add) is found once per rule set
and kind, and per product name where the name matters (R7.3), then kept: a call dates the question,
tests the window and builds the decision, whose facts are built when first read. The module is long
(over 600 lines) because R7 is one family: the table, its scalar path with what it keeps, R11's
reasons, and R7.5's prerequisites and planning.

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
'Order O-1 (Microsoft 365 Apps) can be cancelled now in Partner Center or through the API, with no early termination fee: 13 full days left, until Mar 15, 2020, 12:00:00\u202fAM UTC (R7.1).'
>>> evaluate(p, at=datetime(2020, 3, 15, tzinfo=timezone.utc)).explain("fr")
"Vous avez dépassé votre fenêtre d'annulation de 60 jours : la commande O-1 (Microsoft 365 Apps) pouvait être annulée jusqu'au 15 mars 2020, 00:00:00 UTC et ne peut plus l'être (R7.1)."
>>> esu = Purchase(order_id="O-2", product_name="Windows 7 Extended Security Updates 2020",
...                kind="software_subscription", purchased_at=date(2020, 1, 25))   # under S2020
>>> d = evaluate(esu, at=datetime(2020, 1, 26, tzinfo=timezone.utc))
>>> d.outcome, d.reasons, d.days_left
(<Outcome.SUPPORT_REQUEST: 'support_request'>, ('cancellation.support_request_esu', 'cancellation.window_info'), 59)
>>> evaluate(attrs.evolve(esu, purchased_at=date(2020, 1, 31)), at=datetime(2020, 2, 1, tzinfo=timezone.utc)).outcome
<Outcome.SELF_SERVICE: 'self_service'>

A software subscription bought in 2023 is judged by S2022-07-11: 7 days from the start of each term
(R11.2), and, its date being after the rules were last checked (2023-10-23), says so (R11.4):

>>> sub = Purchase(order_id="O-9", product_name="Office 365 E3", kind="software_subscription",
...                purchased_at=date(2021, 3, 1), term_started_at=date(2024, 3, 1))   # renewed on 2024-03-01
>>> d = evaluate(sub, at=datetime(2024, 3, 5, tzinfo=timezone.utc))
>>> d.outcome, d.days_left, d.ruleset_version, d.reasons
(<Outcome.SELF_SERVICE: 'self_service'>, 3, 'S2022-07-11', ('cancellation.self_service', 'rules.unverified_after'))
>>> evaluate(p, at=datetime(2020, 2, 1, tzinfo=timezone.utc), roles=["Agent commercial"]).outcome
<Outcome.NOT_PERMITTED: 'not_permitted'>
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from typing import Any, Final, NamedTuple

import attrs

from . import _exclusions, _time
from ._frozen import FrozenMap
from ._role_names import names_of, parse_roles
from .decision import Decision, build, format_value, outcome_label, slot_setter
from .errors import FieldProblem, InvalidDateError, InvalidFieldError, ValidationError
from .facts import Action, Customer, ProductKind, Purchase, Role
from .rulesets import (
    Dating,
    Exclusion,
    Route,
    Rules,
    RuleSet,
    WindowStart,
    dating,
    resolve_rules,
    rules_or_newest,
)

__all__ = [
    "OUTCOME",
    "REASON_CODES",
    "RULES",
    "SUPPORT_REQUEST_ITEMS",
    "Assessment",
    "Basis",
    "CancellationDecision",
    "Customer",
    "Outcome",
    "PlannedCancellation",
    "ProductKind",
    "Purchase",
    "Readiness",
    "Verdict",
    "assess",
    "can_self_cancel",
    "check_prerequisites",
    "evaluate",
    "plan_cancellations",
]

#: the RULES.md numbers this module owns
RULES: Final = ("R7", "R7.1", "R7.2", "R7.3", "R7.4", "R7.5", "R7.6", "R10", "R10.3", "R11.2")

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
    }
)

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

    __hash__ = object.__hash__  # members are singletons: hashed by identity, in C (keys of rule tables)

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


class Basis(enum.Enum):
    """What decided a purchase's route (R7): the key of :data:`OUTCOME` besides the route itself."""

    __hash__ = object.__hash__  # members are singletons: hashed by identity, in C (keys of rule tables)

    #: the kind's own route (``rules.cancellation.routes``)
    KIND = "kind"
    #: perpetual (on-premises) software whose kind goes through a support request (R10.3)
    ON_PREMISES = "on_premises"
    #: an R7.3 exclusion, by kind or by name
    EXCLUSION = "exclusion"
    #: a product name that nearly matches an exclusion: never self-service (R7.3)
    NEAR_MISS = "near_miss"


#: stands in :data:`OUTCOME` for the reason code of the exclusion that decided (``Exclusion.reason_code``)
EXCLUSION_REASON: Final = "<exclusion>"


class Verdict(NamedTuple):
    """One entry of :data:`OUTCOME`: what a decision answers, before roles."""

    outcome: Outcome
    reasons: tuple[str, ...]
    rule_numbers: tuple[str, ...]


def _verdict(route: Route, basis: Basis, has_window: bool, in_window: bool, fee: bool) -> Verdict:
    info = (
        ("cancellation.window_info" if in_window else "cancellation.window_info_closed",)
        if has_window
        else ()
    )
    if route is Route.NOT_COVERED:
        return Verdict(Outcome.NOT_COVERED, ("cancellation.not_covered",), ("R7.4",))
    if route is Route.NOT_CANCELLABLE:
        reason = EXCLUSION_REASON if basis is Basis.EXCLUSION else "cancellation.not_cancellable"
        return Verdict(Outcome.NOT_CANCELLABLE, (reason,), ("R7.3",))
    if route is Route.WINDOW and basis is not Basis.NEAR_MISS:
        if not in_window:
            return Verdict(Outcome.WINDOW_CLOSED, ("cancellation.window_closed",), ("R7.1", "R7.6"))
        reason = "cancellation.self_service_fee" if fee else "cancellation.self_service"
        return Verdict(Outcome.SELF_SERVICE, (reason,), ("R7.1", "R7.2"))
    if basis is Basis.NEAR_MISS:
        return Verdict(Outcome.SUPPORT_REQUEST, ("cancellation.exclusion_suspected", *info), ("R7.3", "R9"))
    if basis is Basis.EXCLUSION:
        return Verdict(Outcome.SUPPORT_REQUEST, (EXCLUSION_REASON, *info), ("R7.3", "R9"))
    if basis is Basis.ON_PREMISES:
        return Verdict(
            Outcome.SUPPORT_REQUEST, ("cancellation.support_request_on_premises", *info), ("R10.3", "R9")
        )
    return Verdict(Outcome.SUPPORT_REQUEST, ("cancellation.support_request_kind", *info), ("R9",))


#: the R7 table, keyed ``(route, basis, has_window, in_window, early_termination_fee)``: every
#: combination :func:`assess` can find (a kind with the window route always has a window)
OUTCOME: Final[FrozenMap[tuple[Route, Basis, bool, bool, bool], Verdict]] = FrozenMap(
    {
        (route, basis, has_window, in_window, fee): _verdict(route, basis, has_window, in_window, fee)
        for route in Route
        for basis in Basis
        for has_window in (False, True)
        for in_window in ((False, True) if has_window else (False,))
        for fee in (False, True)
        if not (route is Route.WINDOW and not has_window)
    }
)

_KIND_NAMES: Final[FrozenMap[ProductKind, tuple[str, str]]] = FrozenMap(
    {
        ProductKind.SOFTWARE_SUBSCRIPTION: ("software subscription", "abonnement logiciel"),
        ProductKind.PERPETUAL_SOFTWARE: ("perpetual software", "logiciel perpétuel"),
        ProductKind.AZURE_RESERVATION: ("Azure reservation", "réservation Azure"),
        ProductKind.AZURE_SOFTWARE_PLAN: ("Azure software plan", "plan logiciel Azure"),
    }
)
# a kind whose own route is "not cancellable" without an exclusion naming it (user rule sets)
_NOT_CANCELLABLE_KIND: Final = (
    "a product that cannot be cancelled under these rules",
    "un produit non annulable selon ces règles",
)


# --- the assessment -------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class Assessment:
    """How a purchase is cancelled under a rule set, whatever the instant (R7): route, basis, window."""

    #: the route that applies (after exclusions)
    route: Route
    #: what decided the route
    basis: Basis
    #: the R7.3 exclusion that decided the route, or the one the name nearly matches
    exclusion: Exclusion | None
    #: the kind's window length in days, if the kind has one
    window_days: int | None
    #: end of the window (exclusive), if the kind has one; reported even for exclusions (R7.3 convention)
    deadline: datetime | None
    #: where the window starts (the purchase, or the current term's start: R11.2), if the kind has one
    window_start: datetime | None = None

    def verdict(self, at: datetime, rules: RuleSet) -> Verdict:
        """The :data:`OUTCOME` entry at the instant ``at`` (aware), before roles."""
        if not isinstance(rules, RuleSet):
            raise TypeError(f"rules: expected a RuleSet, got {type(rules).__name__}")
        at = _time.require_aware(at, "at")
        deadline = self.deadline
        in_window = deadline is not None and at < deadline
        fee = rules.cancellation.early_termination_fee
        return OUTCOME[self.route, self.basis, deadline is not None, in_window, fee]


def match_text(product_name: str, sku_name: str | None) -> str:
    """The text matched against R7.3 patterns: the product name, then `` | `` and the SKU name if any."""
    return product_name if sku_name is None else f"{product_name} | {sku_name}"


class Routing(NamedTuple):
    """A product's route under a rule set (R7), what decided it, and the exclusion involved."""

    route: Route
    basis: Basis
    exclusion: Exclusion | None


def kind_route(kind: ProductKind, rules: RuleSet) -> tuple[Routing, bool]:
    """The route a product kind gets before its name is read, and whether its name may change it.

    The kind's route in ``rules.cancellation.routes`` (a kind it does not list is not covered,
    R7.4), or that of an R7.3 exclusion listing the kind among its ``kinds``. The name matters when
    the kind is covered, no exclusion took it by kind, and the rule set has exclusions.
    """
    cancellation = rules.cancellation
    route = cancellation.routes.get(kind, Route.NOT_COVERED)
    if route is Route.NOT_COVERED or not cancellation.exclusions:
        return _own_route(route, kind), False
    for exclusion in cancellation.exclusions:
        if kind in exclusion.kinds:
            return Routing(exclusion.route, Basis.EXCLUSION, exclusion), False
    return _own_route(route, kind), True


def _own_route(route: Route, kind: ProductKind) -> Routing:
    on_premises = route is Route.SUPPORT_REQUEST and kind is ProductKind.PERPETUAL_SOFTWARE
    return Routing(route, Basis.ON_PREMISES if on_premises else Basis.KIND, None)


def name_route(by_kind: Routing, text: str, rules: RuleSet) -> Routing:
    """The route once the product's name (:func:`match_text`) is read (R7.3).

    A name matching an exclusion takes its route; a name that nearly matches one makes the window
    route a support request (basis ``NEAR_MISS``); any other name keeps the kind's route.
    """
    matched, near = _exclusions.match(text, rules.cancellation.exclusions)
    if matched is not None:
        return Routing(matched.route, Basis.EXCLUSION, matched)
    if near is not None and by_kind.route is Route.WINDOW:
        return Routing(by_kind.route, Basis.NEAR_MISS, near)
    return by_kind


def route_of(kind: ProductKind, product_name: str, sku_name: str | None, rules: RuleSet) -> Routing:
    """The route of a product under ``rules``, what decided it, and the exclusion involved (R7.1–R7.4, R10.3):
    :func:`kind_route`, then :func:`name_route` when the name matters."""
    by_kind, name_matters = kind_route(kind, rules)
    if not name_matters:
        return by_kind
    return name_route(by_kind, match_text(product_name, sku_name), rules)


def judged_on(purchase: Purchase) -> date:
    """The UTC date whose rules judge a purchase (R11.2): the current term's start for a renewed
    software subscription (``term_started_at``), else the purchase date.

    >>> p = Purchase(order_id="O", product_name="Office 365 E3", kind="software_subscription",
    ...              purchased_at=date(2021, 3, 1), term_started_at=date(2023, 3, 1))
    >>> judged_on(p), judged_on(attrs.evolve(p, kind="perpetual_software"))
    (datetime.date(2023, 3, 1), datetime.date(2021, 3, 1))
    """
    began = purchase.term_started_at
    if began is not None and purchase.kind is ProductKind.SOFTWARE_SUBSCRIPTION:
        return began.date()
    return purchase.purchased_at.date()


def assess(purchase: Purchase, rules: RuleSet) -> Assessment:
    """How ``purchase`` is cancelled under ``rules``, whatever the instant (R7.1–R7.4, R10.3, R11.2).

    The route is :func:`route_of` the purchase's kind and names. The window starts at the purchase,
    or at the current term's start (``term_started_at``, when given) for a kind the rule set counts
    from each term (``rules.cancellation.window_from``, R11.2); the deadline is that start plus
    ``window_days`` (24-hour days) whenever the kind has a window, even if an exclusion decides the
    route (R7.3 convention: reported as information).

    :raises InvalidDateError: the deadline is past ``datetime.max``.
    :raises TypeError: ``purchase`` is not a :class:`Purchase` or ``rules`` not a :class:`RuleSet`.
    """
    if not isinstance(purchase, Purchase):
        raise TypeError(f"purchase: expected a Purchase, got {type(purchase).__name__}")
    if not isinstance(rules, RuleSet):
        raise TypeError(f"rules: expected a RuleSet, got {type(rules).__name__}")
    route, basis, exclusion = route_of(purchase.kind, purchase.product_name, purchase.sku_name, rules)
    window_days = rules.cancellation.window_days.get(purchase.kind)
    if window_days is None:
        return Assessment(route=route, basis=basis, exclusion=exclusion, window_days=None, deadline=None)
    start = purchase.purchased_at
    if (
        purchase.term_started_at is not None
        and rules.cancellation.window_start(purchase.kind) is WindowStart.TERM_START
    ):
        start = purchase.term_started_at
    deadline = _time.add_days(start, window_days, "deadline")
    return Assessment(
        route=route,
        basis=basis,
        exclusion=exclusion,
        window_days=window_days,
        deadline=deadline,
        window_start=start,
    )


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


def _role_facts(given: frozenset[Role], required: frozenset[Role]) -> dict[str, str]:
    return {
        f"{key}_{lang}": names_of(roles, lang)
        for lang in ("en", "fr")
        for key, roles in (("roles", given), ("required", required))
    }


def _parse_roles(roles: Any) -> frozenset[Role]:
    if isinstance(roles, frozenset) and all(isinstance(r, Role) for r in roles):
        return roles
    if type(roles) in (tuple, list) and all(type(r) is Role for r in roles):
        return frozenset(roles)
    return parse_roles(roles)


def _with_roles(verdict: Verdict, lacking: bool) -> Verdict:
    """The verdict for roles given (R1.2): see the module docstring for the order of the outcomes."""
    outcome = verdict.outcome
    if outcome is Outcome.NOT_COVERED:
        return verdict
    if not lacking:
        return Verdict(outcome, verdict.reasons, (*verdict.rule_numbers, "R1.2"))
    if outcome in (Outcome.NOT_CANCELLABLE, Outcome.WINDOW_CLOSED):
        return Verdict(
            outcome, (*verdict.reasons, "cancellation.not_permitted"), (*verdict.rule_numbers, "R1.2")
        )
    return Verdict(
        Outcome.NOT_PERMITTED,
        ("cancellation.not_permitted", *verdict.reasons),
        ("R1.2", *verdict.rule_numbers),
    )


def evaluate(
    purchase: Purchase,
    *,
    at: datetime,
    roles: Role | str | Iterable[Role | str] | None = None,
    rules: Rules | None = None,
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
    now = _time.require_aware(at, "at")
    when = dating(rules, judged_on(purchase))
    given = None if roles is None else _parse_roles(roles)
    return decide(purchase, now, when, given=given, asked=at)


def decide(
    purchase: Purchase,
    now: datetime,
    when: Dating,
    *,
    given: frozenset[Role] | None = None,
    asked: Any = None,
) -> CancellationDecision:
    """:func:`evaluate` at the UTC instant ``now`` under the :class:`~csp_rules.rulesets.Dating` already
    found, for roles already parsed (for :mod:`csp_rules.effects`, which resolves its rules once)."""
    ruleset = when.rules
    plan, answer, deadline, in_window = judge(purchase, now, ruleset, now if asked is None else asked)
    lacking = given is not None and not (given & plan.permitted)
    if not lacking and when.other is None:  # the common case, R11.4 alone, roles that may cancel
        verdict = answer.verdict if given is None else answer.permitted
        if not when.unverified:
            return _decision(purchase, now, ruleset, plan, answer, verdict, deadline, in_window, None, None)
        if given is None:
            verdict = answer.unverified
        else:
            verdict, _ = _dated(verdict, answer.verdict.outcome, deadline, purchase, now, when)
        return _decision(
            purchase,
            now,
            ruleset,
            plan,
            answer,
            verdict,
            deadline,
            in_window,
            None,
            (when, False, None, None),
        )
    verdict = answer.verdict
    extra: dict[str, Any] = {}
    outcome = verdict.outcome
    if given is not None:
        permitted = plan.permitted
        if lacking and outcome is not Outcome.NOT_COVERED:
            extra.update(_role_facts(given, permitted))
            if outcome not in (Outcome.NOT_CANCELLABLE, Outcome.WINDOW_CLOSED):
                extra["outcome_if_permitted"] = outcome
        verdict = _with_roles(verdict, lacking)
    dated: tuple[Any, ...] | None = None
    if when.other is not None or when.unverified:  # how sure the answer is about its date (R11.3, R11.4)
        verdict, dated = _dated(verdict, outcome, deadline, purchase, now, when)
    return _decision(purchase, now, ruleset, plan, answer, verdict, deadline, in_window, extra, dated)


# --- what is kept per rule set and product (issue 18) -------------------------------------------
# Everything an answer needs but the instant is found once per rule set and kind, and per product
# name when the name matters (R7.3): the route, the verdicts inside and outside the window (the
# OUTCOME entries, an exclusion's reason code in place), and the facts each adds. A call then tests
# the window and builds the decision; its facts are built when first read.


class _Answer(NamedTuple):
    """A product's verdict under a rule set inside or outside the window, before roles, with the facts
    (in the decision's order) and the messages it brings, and the product's route."""

    verdict: Verdict
    facts: tuple[tuple[str, Any], ...]
    texts: FrozenMap[str, FrozenMap[str, str]]
    routing: Routing
    #: ``verdict`` with the R11.4 reason, for a date after the rules were last checked
    unverified: Verdict
    #: ``verdict`` for roles given that may cancel (R1.2)
    permitted: Verdict


#: a product's answers under a rule set: (outside the window or without one, inside the window)
_Product = tuple[_Answer, _Answer]


def _answer(routing: Routing, has_window: bool, in_window: bool, ruleset: RuleSet) -> _Answer:
    route, basis, exclusion = routing
    cancellation = ruleset.cancellation
    verdict = OUTCOME[route, basis, has_window, in_window, cancellation.early_termination_fee]
    outcome = verdict.outcome
    facts: list[tuple[str, Any]] = []
    if outcome is Outcome.SELF_SERVICE:
        facts.append(("early_termination_fee", cancellation.early_termination_fee))
    elif outcome is Outcome.SUPPORT_REQUEST:
        support = ruleset.support_request
        facts += [
            ("problem_type_en", support.problem_type),
            ("problem_type_fr", support.problem_type_fr),
            ("support_request_items", SUPPORT_REQUEST_ITEMS),
        ]
    if outcome is Outcome.NOT_CANCELLABLE and exclusion is None:
        facts += [("exclusion_en", _NOT_CANCELLABLE_KIND[0]), ("exclusion_fr", _NOT_CANCELLABLE_KIND[1])]
    elif exclusion is not None and outcome in (Outcome.NOT_CANCELLABLE, Outcome.SUPPORT_REQUEST):
        facts += [
            ("suspected_exclusion" if basis is Basis.NEAR_MISS else "exclusion", exclusion.id),
            ("exclusion_en", exclusion.name("en")),
            ("exclusion_fr", exclusion.name("fr")),
        ]
    texts = _NO_TEXTS
    if EXCLUSION_REASON in verdict.reasons:
        assert exclusion is not None
        code = exclusion.reason_code
        reasons = tuple(code if r == EXCLUSION_REASON else r for r in verdict.reasons)
        if exclusion.messages is not None:
            texts = FrozenMap({code: exclusion.messages})
        verdict = Verdict(outcome, reasons, verdict.rule_numbers)
    unverified = Verdict(
        outcome, (*verdict.reasons, "rules.unverified_after"), (*verdict.rule_numbers, "R11.4")
    )
    return _Answer(verdict, tuple(facts), texts, routing, unverified, _with_roles(verdict, False))


def _product(routing: Routing, has_window: bool, ruleset: RuleSet) -> _Product:
    closed = _answer(routing, has_window, False, ruleset)
    return closed, _answer(routing, True, True, ruleset) if has_window else closed


class _KindPlan:
    """How a kind is judged under a rule set, whatever the instant (and the name, where it does not
    matter): its window and, per product name, its answers."""

    __slots__ = (
        "by_kind", "from_term", "kind_en", "kind_fr", "names", "permitted", "product", "rules", "window",
        "window_days",
    )  # fmt: skip

    def __init__(self, kind: ProductKind, rules: RuleSet) -> None:
        self.rules = rules
        self.by_kind, name_matters = kind_route(kind, rules)
        self.window_days = rules.cancellation.window_days.get(kind)
        self.window = None if self.window_days is None else timedelta(days=self.window_days)
        self.from_term = rules.cancellation.window_start(kind) is WindowStart.TERM_START
        self.kind_en, self.kind_fr = _KIND_NAMES[kind]
        self.permitted: frozenset[Role] = rules.roles.permissions.get(Action.CANCEL, frozenset())
        self.names: dict[str, _Product] = {}
        has_window = self.window is not None
        self.product = None if name_matters else _product(self.by_kind, has_window, rules)

    def of(self, purchase: Purchase) -> _Product:
        """The product of a purchase of this kind (its name read as R7.3 says, kept per name)."""
        if self.product is not None:
            return self.product
        text = match_text(purchase.product_name, purchase.sku_name)
        found = self.names.get(text)
        if found is None:
            routing = name_route(self.by_kind, text, self.rules)
            found = _product(routing, self.window is not None, self.rules)
            if len(self.names) >= _KEEP_NAMES:
                self.names.clear()
            self.names[text] = found
        return found


_KEEP_NAMES: Final = 16_384
_KEEP_RULES: Final = 64
# id(rule set) -> (rule set, kind -> plan); the rule set is kept alive with its plans
_PLANS: dict[int, tuple[RuleSet, dict[ProductKind, _KindPlan]]] = {}


def _plans(rules: RuleSet) -> dict[ProductKind, _KindPlan]:
    kept = _PLANS.get(id(rules))
    if kept is None or kept[0] is not rules:
        kept = (rules, {kind: _KindPlan(kind, rules) for kind in ProductKind})
        if len(_PLANS) >= _KEEP_RULES:
            _PLANS.clear()
        _PLANS[id(rules)] = kept
    return kept[1]


def judge(
    purchase: Purchase, now: datetime, rules: RuleSet, asked: Any = None
) -> tuple[_KindPlan, _Answer, datetime | None, bool]:
    """``(plan, answer, deadline, in window)`` of a purchase at the UTC instant ``now`` under one rule set,
    before roles and R11 (:func:`assess` and :meth:`Assessment.verdict` in one step, kept per product).

    :raises InvalidDateError: ``now`` is before the purchase or its current term (``asked`` is the
        value shown), or the deadline is past ``datetime.max``.
    """
    began = purchase.term_started_at
    if now < purchase.purchased_at:
        raise before_purchase_error(now, purchase.purchased_at.isoformat(), now if asked is None else asked)
    if began is not None and now < began:
        raise before_term_error(now, began.isoformat(), now if asked is None else asked)
    plan = _plans(rules)[purchase.kind]
    product = plan.of(purchase)
    window = plan.window
    if window is None:
        return plan, product[0], None, False
    start = began if began is not None and plan.from_term else purchase.purchased_at
    try:
        deadline = start + window
    except OverflowError:
        deadline = _time.add_days(start, window.days, "deadline")  # raises InvalidDateError
    if now < deadline:
        return plan, product[1], deadline, True
    return plan, product[0], deadline, False


_SET_DEADLINE = slot_setter(CancellationDecision, "deadline")
_SET_DAYS_LEFT = slot_setter(CancellationDecision, "days_left")
_SET_TIME_LEFT = slot_setter(CancellationDecision, "time_left")


def _decision(
    purchase: Purchase,
    now: datetime,
    ruleset: RuleSet,
    plan: _KindPlan,
    answer: _Answer,
    verdict: Verdict,
    deadline: datetime | None,
    in_window: bool,
    extra: dict[str, Any] | None,
    dated: tuple[Any, ...] | None,
) -> CancellationDecision:
    outcome = verdict.outcome
    if deadline is None:
        days_left = time_left = None
    else:
        time_left = deadline - now if in_window else _ZERO
        days_left = time_left // _DAY
    facts: FrozenMap[str, Any] = FrozenMap.lazy(
        _facts_of, purchase, now, ruleset.version, plan, answer.facts, extra, dated, deadline,
        (days_left, time_left, in_window),
    )  # fmt: skip
    decision = build(
        CancellationDecision, outcome, outcome is Outcome.SELF_SERVICE, verdict.reasons, verdict.rule_numbers,
        ruleset.version, facts, answer.texts,
    )  # fmt: skip
    _SET_DEADLINE(decision, deadline)
    _SET_DAYS_LEFT(decision, days_left)
    _SET_TIME_LEFT(decision, time_left)
    return decision


def _facts_of(
    purchase: Purchase,
    now: datetime,
    version: str,
    plan: _KindPlan,
    fixed: tuple[tuple[str, Any], ...],
    extra: dict[str, Any] | None,
    dated: tuple[Any, ...] | None,
    deadline: datetime | None,
    left: tuple[int | None, timedelta | None, bool],
) -> dict[str, Any]:
    """The facts of a decision of :func:`decide`, in their order (built when first read)."""
    facts: dict[str, Any] = {
        "order_id": purchase.order_id,
        "product_name": purchase.product_name,
        "kind": purchase.kind,
        "kind_en": plan.kind_en,
        "kind_fr": plan.kind_fr,
        "purchased_at": purchase.purchased_at,
        "ruleset": version,
    }
    if deadline is not None:
        facts["window_days"] = plan.window_days
        facts["deadline"] = deadline
    facts.update(fixed)
    if extra:
        facts.update(extra)
    if dated is not None:
        facts.update(_dated_facts(*dated))
    facts["at"] = now
    if deadline is not None:
        facts["days_left"], facts["time_left"], facts["in_window"] = left
    return facts


_NO_TEXTS: Final[FrozenMap[str, FrozenMap[str, str]]] = FrozenMap()

_DATING_RULES: Final = (("rules.change_date_uncertain", "R11.3"), ("rules.unverified_after", "R11.4"))

def _dated(
    verdict: Verdict,
    judged: Outcome,
    deadline: datetime | None,
    purchase: Purchase,
    now: datetime,
    when: Dating,
) -> tuple[Verdict, tuple[Any, ...] | None]:
    """``verdict`` with the reasons that say how sure it is about its date (R11.3, R11.4): the other
    version's answer when the purchase's date lies in an uncertainty span and that answer differs from
    the ``judged`` outcome (before roles) and ``deadline``; and what :func:`_dated_facts` needs for
    their facts (None without such reasons)."""
    differs = False
    other_outcome = other_deadline = None
    if when.other is not None:
        _, other, other_deadline, _ = judge(purchase, now, when.other)
        other_outcome = other.verdict.outcome
        differs = (other_outcome, other_deadline) != (judged, deadline)
    extra = when.reasons(differs)
    if not extra:
        return verdict, None
    cited = tuple(number for code, number in _DATING_RULES if code in extra)
    dated = Verdict(verdict.outcome, (*verdict.reasons, *extra), (*verdict.rule_numbers, *cited))
    return dated, (when, differs, other_outcome, other_deadline)


def _dated_facts(
    when: Dating, differs: bool, other_outcome: Outcome | None, other_deadline: datetime | None
) -> dict[str, Any]:
    """The facts of the R11.3 and R11.4 reasons: the span, the other version's answer in words, the
    verified-until date."""
    answers: dict[str, str] = {}
    if other_outcome is not None:
        for i, lang in enumerate(("en", "fr")):
            text = outcome_label(other_outcome, lang)
            if other_deadline is not None:
                until = ("window until", "fenêtre jusqu'au")[i]
                text = f"{text}, {until} {format_value(other_deadline, lang)}"
            answers[f"answer_{lang}"] = text
    return when.facts(differs, **answers)


def before_term_error(at: datetime, began: str, value: Any = None) -> InvalidDateError:
    """The error of an instant ``at`` before the current term began (``began``: its instant or its column)."""
    return InvalidDateError(
        f"at: {at.isoformat()} is before the current term began ({began})",
        field="at",
        value=at if value is None else value,
    )


def before_purchase_error(at: datetime, purchased: str, value: Any = None) -> InvalidDateError:
    """The error of an instant ``at`` before the purchase (``purchased``: its instant, or in batch its column)."""
    return InvalidDateError(
        f"at: {at.isoformat()} is before the purchase ({purchased})",
        field="at",
        value=at if value is None else value,
    )


def can_self_cancel(
    purchase: Purchase,
    *,
    at: datetime,
    roles: Role | str | Iterable[Role | str] | None = None,
    rules: Rules | None = None,
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


# --- prerequisites and planning (R7.5) ------------------------------------------------------

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
    rules: Rules | None = None,
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
    'Before cancelling order O-7, 2 items are missing: the customer (name, tenant GUID or domain name), the acknowledged notice (R7.5).'
    """
    if not isinstance(notice_acknowledged, bool):
        raise TypeError(f"notice_acknowledged: expected bool, got {type(notice_acknowledged).__name__}")
    missing: list[str] = []
    if isinstance(purchase, Purchase):
        ruleset = resolve_rules(rules, judged_on(purchase))
        order_id: str | None = purchase.order_id
        if purchase.customer is None or not purchase.customer.identified:
            missing.append("customer")
    elif isinstance(purchase, Mapping):
        ruleset = rules_or_newest(rules)
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
