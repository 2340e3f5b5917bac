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

import difflib
import enum
import unicodedata
from collections.abc import Iterable
from importlib import resources
from typing import Any, Final

import attrs

from ._frozen import FrozenMap
from ._lazy import Once
from .decision import Decision
from .errors import UnknownRoleError
from .facts import Action, Role
from .rulesets import RuleSet, shipped_rulesets

__all__ = [
    "REASON_CODES",
    "Action",
    "Authorization",
    "Role",
    "RoleDecision",
    "authorize",
    "is_permitted",
    "latest_rules",
    "normalize_role_name",
    "parse_role",
    "parse_roles",
    "required_roles",
    "role_name",
    "role_names",
]

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
_NONE_NAMES: Final[FrozenMap[str, str]] = FrozenMap({"en": "none", "fr": "aucun"})

# caches, invisible to callers (bounded; plain dict reads and writes are atomic): role names seen, and
# decisions under the shipped rule set (immutable values, safe to share)
_CACHE_SIZE = 1024
_PARSED: dict[str, Role] = {}
_DECISIONS: dict[tuple[frozenset[Role], Action], RoleDecision] = {}
_ORDER: Final[dict[Role, int]] = {role: i for i, role in enumerate(Role)}

# apostrophe-like characters that count as letters for str.isalnum (modifier letters)
_APOSTROPHES: Final[frozenset[str]] = frozenset("\u02bc\u02bb\u02b9\u02bd")

# longest role name text that is looked up; longer input is unknown without further work
_MAX_NAME = 120


class Authorization(enum.Enum):
    """Outcome of :func:`authorize` (R1)."""

    PERMITTED = "permitted"
    NOT_PERMITTED = "not_permitted"


# --- names ----------------------------------------------------------------------------------


def normalize_role_name(text: str) -> str:
    """The key a role name is matched by: letters and digits only, case and accents dropped.

    >>> normalize_role_name(" Agent d’Administration ")
    'agentdadministration'
    >>> normalize_role_name("admin_agent") == normalize_role_name("Admin agent")
    True
    """
    if not isinstance(text, str):
        raise TypeError(f"text: expected a role name str, got {type(text).__name__}")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(
        c for c in decomposed if c.isalnum() and c not in _APOSTROPHES and not unicodedata.combining(c)
    ).casefold()


@attrs.frozen
class _Names:
    lookup: FrozenMap[str, Role]
    display: FrozenMap[str, FrozenMap[Role, str]]
    all_names: FrozenMap[Role, tuple[tuple[str, str], ...]]


def _load_names() -> _Names:
    text = (resources.files("csp_rules") / "data" / "roles" / "names.tsv").read_text("utf-8")
    lookup: dict[str, Role] = {}
    display: dict[str, dict[Role, str]] = {"en": {}, "fr": {}}
    names: dict[Role, list[tuple[str, str]]] = {role: [] for role in Role}
    header_seen = False
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        cells = line.split("\t")
        if not header_seen:
            if cells != ["role", "lang", "name", "source"]:
                raise RuntimeError(f"roles/names.tsv: bad header on line {number}")
            header_seen = True
            continue
        if len(cells) != 4 or cells[1] not in display:
            raise RuntimeError(f"roles/names.tsv line {number}: expected role, en|fr, name, source")
        role = Role(cells[0])
        key = normalize_role_name(cells[2])
        if lookup.get(key, role) is not role:
            raise RuntimeError(f"roles/names.tsv line {number}: {cells[2]!r} already names another role")
        lookup[key] = role
        display[cells[1]].setdefault(role, cells[2])
        names[role].append((cells[1], cells[2]))
    for role in Role:
        for key in (normalize_role_name(role.value), normalize_role_name(role.name)):
            if lookup.get(key, role) is not role:  # pragma: no cover - guarded by the data test
                raise RuntimeError(f"roles/names.tsv: a name collides with the identifier {role.value!r}")
            lookup[key] = role
        for lang, table in display.items():
            if role not in table:
                raise RuntimeError(f"roles/names.tsv: no {lang} name for {role.value}")
    return _Names(
        lookup=FrozenMap(lookup),
        display=FrozenMap({lang: FrozenMap(table) for lang, table in display.items()}),
        all_names=FrozenMap({role: tuple(items) for role, items in names.items()}),
    )


_NAMES: Once[_Names] = Once(_load_names)


def _lang(locale: str) -> str:
    from .decision import _language

    return _language(locale)


def role_name(role: Role | str, locale: str = "en") -> str:
    """The display name of a role in English (``"en"``) or French (``"fr"``), as the sources write it.

    >>> role_name(Role.GLOBAL_ADMIN), role_name("admin_agent", "fr")
    ('Global admin', "Agent d'administration")
    """
    return _NAMES().display[_lang(locale)][parse_role(role)]


def role_names(role: Role | str) -> tuple[tuple[str, str], ...]:
    """Every name a role is known by, as ``(language, name)`` pairs, display names first."""
    return _NAMES().all_names[parse_role(role)]


def _suggest(key: str) -> tuple[str, ...]:
    names = _NAMES()
    english = names.display["en"]
    keys = list(names.lookup)
    close = difflib.get_close_matches(key[:_MAX_NAME], keys, n=6, cutoff=0.6)
    found: list[str] = []
    for k in close:
        shown = english[names.lookup[k]]
        if shown not in found:
            found.append(shown)
    return tuple(found[:3])


def parse_role(value: Role | str, field: str = "role") -> Role:
    """A :class:`Role` from a member, an identifier, or an English or French name (R1).

    Matching ignores case, accents, spaces, apostrophes, hyphens, underscores and dots, so
    ``"Agent d’administration"``, ``"AGENT D'ADMINISTRATION"``, ``"AdminAgents"`` and
    ``"admin-agent"`` are all :attr:`Role.ADMIN_AGENT`. Time is bounded on huge strings.

    :raises UnknownRoleError: for a name no role has (with up to three suggestions).
    :raises TypeError: if ``value`` is neither a :class:`Role` nor a ``str``.

    >>> parse_role("administrateur de référence"), parse_role("AdminAgents")
    (<Role.REFERRAL_ADMIN: 'referral_admin'>, <Role.ADMIN_AGENT: 'admin_agent'>)
    """
    if isinstance(value, Role):
        return value
    if not isinstance(value, str):
        raise TypeError(f"{field}: expected a Role or str, got {type(value).__name__}")
    role: Role | None = _PARSED.get(value)
    if role is not None:
        return role
    text = value.strip()
    if len(text) > _MAX_NAME:
        raise UnknownRoleError(field=field, value=value)
    key = normalize_role_name(text)
    role = _NAMES().lookup.get(key)
    if role is None:
        raise UnknownRoleError(field=field, value=value, suggestions=_suggest(key) if key else ())
    if len(_PARSED) < _CACHE_SIZE:
        _PARSED[value] = role
    return role


def parse_roles(values: Role | str | Iterable[Role | str], field: str = "roles") -> frozenset[Role]:
    """A set of :class:`Role` from members, identifiers or names; an empty collection means no roles.

    A single :class:`Role` or ``str`` counts as a collection of one role.

    :raises UnknownRoleError: if any name is unknown (the field names its position).
    :raises TypeError: if ``values`` is not a role, a string or an iterable of them.

    >>> sorted(r.value for r in parse_roles(["Global admin", "agent d'administration", Role.SALES_AGENT]))
    ['admin_agent', 'global_admin', 'sales_agent']
    >>> parse_roles([])
    frozenset()
    """
    if isinstance(values, (Role, str)):
        return frozenset({parse_role(values, field)})
    if isinstance(values, (bytes, bytearray)) or not isinstance(values, Iterable):
        raise TypeError(f"{field}: expected roles (an iterable of Role or str), got {type(values).__name__}")
    return frozenset(parse_role(v, f"{field}[{i}]") for i, v in enumerate(values))


# --- decisions ------------------------------------------------------------------------------


def latest_rules(rules: RuleSet | None = None) -> RuleSet:
    """``rules`` if given, else the newest shipped rule set (roles are not tied to a purchase date)."""
    if rules is None:
        return shipped_rulesets()[-1]
    if not isinstance(rules, RuleSet):
        raise TypeError(f"rules: expected a RuleSet, got {type(rules).__name__}")
    return rules


def required_roles(action: Action | str, *, rules: RuleSet | None = None) -> frozenset[Role]:
    """The roles that may do ``action`` under a rule set (R1.1–R1.4); empty if it names none.

    >>> sorted(r.value for r in required_roles("buy"))
    ['admin_agent', 'global_admin']
    """
    act: Action = Action.parse(action, "action")
    required: frozenset[Role] = latest_rules(rules).roles.permissions.get(act, frozenset())
    return required


def _ordered(roles: Iterable[Role]) -> tuple[Role, ...]:
    return tuple(sorted(roles, key=_ORDER.__getitem__))


def _names(roles: tuple[Role, ...], lang: str) -> str:
    if not roles:
        return _NONE_NAMES[lang]
    table = _NAMES().display[lang]
    return ", ".join(table[r] for r in roles)


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
    roles: Role | str | Iterable[Role | str], action: Action | str, *, rules: RuleSet | None = None
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
        cached = _DECISIONS.get((given, act))
        if cached is not None:
            return cached
    ruleset = latest_rules(rules)
    required: frozenset[Role] = ruleset.roles.permissions.get(act, frozenset())
    granting = given & required
    if granting:
        outcome, reason = Authorization.PERMITTED, "roles.permitted"
    elif required:
        outcome, reason = Authorization.NOT_PERMITTED, "roles.not_permitted"
    else:
        outcome, reason = Authorization.NOT_PERMITTED, "roles.no_rule"
    ordered_given, ordered_required, ordered_granting = (
        _ordered(given),
        _ordered(required),
        _ordered(granting),
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
        facts[f"roles_{lang}"] = _names(ordered_given, lang)
        facts[f"required_{lang}"] = _names(ordered_required, lang)
        facts[f"granting_{lang}"] = _names(ordered_granting, lang)
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
    if rules is None and len(_DECISIONS) < _CACHE_SIZE:
        _DECISIONS[given, act] = decision
    return decision


def is_permitted(
    roles: Role | str | Iterable[Role | str], action: Action | str, *, rules: RuleSet | None = None
) -> bool:
    """Boolean shorthand for :func:`authorize` (R1): ``authorize(...).allowed``.

    >>> is_permitted(["Helpdesk agent"], "get_keys_and_downloads"), is_permitted(["Admin agent"], "buy")
    (False, True)
    """
    return authorize(roles, action, rules=rules).allowed
