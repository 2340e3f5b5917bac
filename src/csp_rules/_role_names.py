"""Role names (R1 uses them): Partner Center roles read from members, identifiers and English or French names.

Private; :mod:`csp_rules.roles` (which owns R1) exports these functions. Kept apart from the R1
decisions so that the modules that read roles (cancellation, activity) need no decision module.

Names are read from :class:`~csp_rules.facts.Role` members, identifiers (``"admin_agent"``) and
English or French names as the sources and Partner Center write them (``"Admin agent"``,
``"AdminAgents"``, ``"Agent d'administration"``, ``"administrateur général"``), ignoring case,
accents, spaces and apostrophes; ``data/roles/names.tsv`` lists them. An unknown name is an
:class:`~csp_rules.errors.UnknownRoleError` with suggestions, never "no role".

>>> parse_role("Agent d’administration"), role_name("admin_agent", "fr")
(<Role.ADMIN_AGENT: 'admin_agent'>, "Agent d'administration")
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources
from typing import Final

import attrs

from ._frozen import FrozenMap
from ._l10n import language
from ._lazy import Once
from .errors import UnknownRoleError
from .facts import Role

__all__ = [
    "names_of",
    "normalize_role_name",
    "ordered",
    "parse_role",
    "parse_roles",
    "role_name",
    "role_names",
]

_ORDER: Final[dict[Role, int]] = {role: i for i, role in enumerate(Role)}

# apostrophe-like characters that count as letters for str.isalnum (modifier letters)
_APOSTROPHES: Final[frozenset[str]] = frozenset("\u02bc\u02bb\u02b9\u02bd")

# longest role name text that is looked up; longer input is unknown without further work
_MAX_NAME = 120


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


def role_name(role: Role | str, locale: str = "en") -> str:
    """The display name of a role in English (``"en"``) or French (``"fr"``), as the sources write it.

    >>> role_name(Role.GLOBAL_ADMIN), role_name("admin_agent", "fr")
    ('Global admin', "Agent d'administration")
    """
    return _NAMES().display[language(locale)][parse_role(role)]


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
    role = _known_name(value)
    if role is None:
        text = value.strip()
        key = normalize_role_name(text) if len(text) <= _MAX_NAME else ""
        raise UnknownRoleError(field=field, value=value, suggestions=_suggest(key) if key else ())
    return role


@lru_cache(maxsize=1024)
def _known_name(value: str) -> Role | None:
    """The role a name means, or None (answers cached: the same names come back)."""
    text = value.strip()
    if len(text) > _MAX_NAME:
        return None
    found: Role | None = _NAMES().lookup.get(normalize_role_name(text))
    return found


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


_NONE_NAMES: Final[FrozenMap[str, str]] = FrozenMap({"en": "none", "fr": "aucun"})


def ordered(roles: Iterable[Role]) -> tuple[Role, ...]:
    """Roles in the order :class:`~csp_rules.facts.Role` lists them."""
    return tuple(sorted(roles, key=_ORDER.__getitem__))


def names_of(roles: Iterable[Role], lang: str) -> str:
    """The display names of roles in ``lang``, in :class:`~csp_rules.facts.Role` order, or "none" / "aucun"."""
    chosen = ordered(roles)
    if not chosen:
        return _NONE_NAMES[lang]
    table = _NAMES().display[lang]
    return ", ".join(table[r] for r in chosen)
