"""Roles (RULES.md R1): which Partner Center roles may buy, get keys and downloads, cancel, see the log.

Sources: S2020 (the page applies to the roles *Admin agent* and *Global admin*) and S2018.

* R1.1 Getting software keys and downloads requires **Admin agent** (S2020, S2018; also R10.2).
* R1.2 Cancelling a purchase requires **Admin agent** (S2020, S2018).
* R1.3 Seeing the activity log requires **Global admin**, **Account admin**, **Referral admin** or
  **Marketing content admin** (S2020; used for S2018 too, nothing earlier being documented).
* R1.4 Buying on behalf of a customer is done by **Admin agent** or **Global admin**.

Which roles may do what is rule-set data (``rules.roles.permissions``), not code; with
``rules=None`` the newest shipped rule set applies (a role question carries no purchase date, and
S2018 and S2020 agree on R1). :class:`Role` and :class:`Action` are those of
:mod:`csp_rules.facts`, re-exported here. Roles are
read from :class:`Role` members, identifiers (``"admin_agent"``) and English or French names as
the sources and Partner Center write them (``"Admin agent"``, ``"AdminAgents"``, ``"Agent
d'administration"``, ``"administrateur général"``), ignoring case, accents, spaces and
apostrophes. An unknown name is an :class:`~csp_rules.errors.UnknownRoleError` with
suggestions, never "no role".

>>> parse_role("Agent d’administration")
<Role.ADMIN_AGENT: 'admin_agent'>
>>> d = authorize(["Admin agent"], "cancel")
>>> d.outcome, d.allowed, d.reasons, d.rule_numbers
(<Authorization.PERMITTED: 'permitted'>, True, ('roles.permitted',), ('R1.2',))
>>> d.explain("en")
'Permitted: Admin agent may cancel a purchase (roles allowed: Admin agent).'
>>> d = authorize({"administrateur général"}, Action.GET_KEYS_AND_DOWNLOADS)
>>> d.allowed, d.explain("fr")
(False, "Non autorisé : pour obtenir les clés et les téléchargements, il faut l'un des rôles
Agent d'administration ; les rôles fournis (Administrateur général) n'en comprennent aucun.")
>>> parse_role("Global admn")
Traceback (most recent call last):
...
csp_rules.errors.UnknownRoleError: role: unknown role 'Global admn'; did you mean 'Global admin'?
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from functools import lru_cache
from typing import Any, Final

import attrs

from ._frozen import FrozenMap
from ._role_names import (
    names_of,
    normalize_role_name,
    ordered,
    parse_role,
    parse_roles,
    role_name,
    role_names,
)
from .decision import Decision
from .facts import Action, Role
from .rulesets import Rules, RuleSet, rules_or_newest

__all__ = [
    "REASON_CODES",
    "RULES",
    "Action",
    "Authorization",
    "Role",
    "RoleDecision",
    "authorize",
    "is_permitted",
    "normalize_role_name",
    "parse_role",
    "parse_roles",
    "required_roles",
    "role_name",
    "role_names",
]

#: the RULES.md numbers this module owns
RULES: Final = ("R1", "R1.1", "R1.2", "R1.3", "R1.4")

#: every reason code this module emits (messages in ``data/messages/roles.json``)
REASON_CODES: Final[frozenset[str]] = frozenset({"roles.permitted", "roles.not_permitted", "roles.no_rule"})

#: the RULES.md number deciding each action
RULE_NUMBERS: Final[FrozenMap[Action, str]] = FrozenMap(
    {
        Action.GET_KEYS_AND_DOWNLOADS: "R1.1",
        Action.CANCEL: "R1.2",
        Action.VIEW_ACTIVITY_LOG: "R1.3",
        Action.BUY: "R1.4",
    }
)

# the action as a verb phrase, per language, for explanations
_ACTION_NAMES: Final[FrozenMap[str, FrozenMap[Action, str]]] = FrozenMap(
    {
        "en": FrozenMap(
            {
                Action.BUY: "buy on behalf of a customer",
                Action.GET_KEYS_AND_DOWNLOADS: "get keys and downloads",
                Action.CANCEL: "cancel a purchase",
                Action.VIEW_ACTIVITY_LOG: "view the activity log",
            }
        ),
        "fr": FrozenMap(
            {
                Action.BUY: "acheter pour le compte d'un client",
                Action.GET_KEYS_AND_DOWNLOADS: "obtenir les clés et les téléchargements",
                Action.CANCEL: "annuler un achat",
                Action.VIEW_ACTIVITY_LOG: "consulter le journal d'activité",
            }
        ),
    }
)


class Authorization(enum.Enum):
    """Outcome of :func:`authorize` (R1)."""

    PERMITTED = "permitted"
    NOT_PERMITTED = "not_permitted"


def required_roles(action: Action | str, *, rules: Rules | None = None) -> frozenset[Role]:
    """The roles that may do ``action`` under a rule set (R1.1–R1.4); empty if it names none.

    >>> sorted(r.value for r in required_roles("buy"))
    ['admin_agent', 'global_admin']
    """
    act: Action = Action.parse(action, "action")
    required: frozenset[Role] = rules_or_newest(rules).roles.permissions.get(act, frozenset())
    return required


@attrs.frozen(kw_only=True)
class RoleDecision(Decision):
    """The answer of :func:`authorize`: whether the roles given may do an action (R1).

    ``roles`` are the roles given, ``required`` the roles the rule set allows for the action
    and ``granting`` those of the given roles that allow it (empty when not permitted).
    """

    action: Action
    roles: frozenset[Role]
    required: frozenset[Role]
    granting: frozenset[Role]


def authorize(
    roles: Role | str | Iterable[Role | str], action: Action | str, *, rules: Rules | None = None
) -> RoleDecision:
    """Whether a user holding ``roles`` may do ``action`` (R1.1 keys and downloads, R1.2 cancel,
    R1.3 activity log, R1.4 buy).

    ``roles`` takes :class:`Role` members or strings (identifiers, English or French names); an
    empty collection means "no roles" and is never permitted. ``action`` is an :class:`Action` or
    its identifier (``"cancel"``). With ``rules=None`` the newest shipped rule set is used
    (roles carry no purchase date; S2018 and S2020 agree on R1). An action for which the rule
    set names no role is not permitted (reason ``roles.no_rule``).

    :raises UnknownRoleError: for an unknown role name, with suggestions.
    :raises InvalidFieldError: for an unknown action.
    :raises TypeError: for roles or an action of the wrong type, or ``rules`` not a RuleSet.
    """
    given = parse_roles(roles)
    act: Action = Action.parse(action, "action")
    if rules is None:
        return _authorize_newest(given, act)
    return _authorize(given, act, rules_or_newest(rules))


@lru_cache(maxsize=1024)
def _authorize_newest(given: frozenset[Role], act: Action) -> RoleDecision:
    """:func:`authorize` under the newest shipped rule set (decisions are immutable: cached, shared)."""
    return _authorize(given, act, rules_or_newest(None))


def _authorize(given: frozenset[Role], act: Action, ruleset: RuleSet) -> RoleDecision:
    required: frozenset[Role] = ruleset.roles.permissions.get(act, frozenset())
    granting = given & required
    if granting:
        outcome, reason = Authorization.PERMITTED, "roles.permitted"
    elif required:
        outcome, reason = Authorization.NOT_PERMITTED, "roles.not_permitted"
    else:
        outcome, reason = Authorization.NOT_PERMITTED, "roles.no_rule"
    ordered_given, ordered_required, ordered_granting = (
        ordered(given),
        ordered(required),
        ordered(granting),
    )
    facts: dict[str, Any] = {
        "action": act,
        "roles": ordered_given,
        "required": ordered_required,
        "granting": ordered_granting,
        "ruleset": ruleset.version,
    }
    for lang in ("en", "fr"):
        facts[f"action_{lang}"] = _ACTION_NAMES[lang][act]
        facts[f"roles_{lang}"] = names_of(ordered_given, lang)
        facts[f"required_{lang}"] = names_of(ordered_required, lang)
        facts[f"granting_{lang}"] = names_of(ordered_granting, lang)
    decision = RoleDecision(
        outcome=outcome,
        allowed=bool(granting),
        reasons=(reason,),
        rule_numbers=(RULE_NUMBERS[act],),
        ruleset_version=ruleset.version,
        facts=FrozenMap(facts),
        action=act,
        roles=given,
        required=required,
        granting=granting,
    )
    return decision


def is_permitted(
    roles: Role | str | Iterable[Role | str], action: Action | str, *, rules: Rules | None = None
) -> bool:
    """Boolean shorthand for :func:`authorize` (R1): ``authorize(...).allowed``.

    >>> is_permitted(["Helpdesk agent"], "get_keys_and_downloads"), is_permitted(["Admin agent"], "buy")
    (False, True)
    """
    return authorize(roles, action, rules=rules).allowed
