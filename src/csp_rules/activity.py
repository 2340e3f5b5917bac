"""The activity log (RULES.md R6): who accessed software keys or downloaded software, and when.

Source: S2020 ("View activity for software key access and software downloads"). For audit or
compliance, the log lists the users who accessed software keys or downloaded software within a
date range the reader enters. Reading it takes one of the roles of R1.3 (Global admin, Account
admin, Referral admin, Marketing content admin), read from the rule set
(``rules.roles.permissions``).

Convention (R6): the range ``[start, end]`` is inclusive of both dates, which are UTC calendar
dates: an entry is in it when the UTC date of its instant is. With ``rules=None`` the newest
shipped rule set is used (reading the log is not tied to a purchase date; S2018 documents no
activity log and uses the same R1.3 roles).

>>> from datetime import date, datetime, timezone
>>> log = [
...     ActivityEntry(user="ana@contoso.com", action="download", at=datetime(2020, 3, 2, 23, 59, tzinfo=timezone.utc),
...                   product="SQL Server 2019 Standard", customer="Contoso"),
...     ActivityEntry(user="bo@contoso.com", action="key_access", at=datetime(2020, 3, 1, 8, tzinfo=timezone.utc),
...                   product="SQL Server 2019 Standard", customer="Contoso"),
...     ActivityEntry(user="cy@contoso.com", action="download", at=datetime(2020, 3, 3, tzinfo=timezone.utc),
...                   product="Windows Server 2019", customer="Contoso"),
... ]
>>> d = activity_log(log, start=date(2020, 3, 1), end=date(2020, 3, 2), roles=["Global admin"])
>>> d.outcome, [e.user for e in d.entries], d.users
(<Authorization.PERMITTED: 'permitted'>, ['bo@contoso.com', 'ana@contoso.com'], ('ana@contoso.com', 'bo@contoso.com'))
>>> d.explain("en")
'Key accesses and downloads from March 1, 2020 to March 2, 2020 (UTC, inclusive): 2.'
>>> d = activity_log(log, start=date(2020, 3, 1), end=date(2020, 3, 2), roles=["Admin agent"])
>>> d.outcome, d.entries, d.allowed
(<Authorization.NOT_PERMITTED: 'not_permitted'>, (), False)
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any, Final

import attrs

from . import _time
from ._frozen import FrozenMap
from .decision import Decision
from .errors import InvalidDateError, MissingFieldError
from .facts import Action, Customer, Role, _ParseableEnum, clean_text
from .roles import Authorization, authorize
from .rulesets import Rules

__all__ = [
    "REASON_CODES",
    "RULES",
    "ActivityAction",
    "ActivityEntry",
    "ActivityLogDecision",
    "activity_log",
    "can_view_activity_log",
]

#: every reason code this module emits (messages in ``data/messages/activity.json``)
REASON_CODES: Final[frozenset[str]] = frozenset({"activity.listed", "activity.not_permitted"})

_MAX_TEXT = 4096


#: the RULES.md numbers this module owns
RULES: Final = ("R6",)


class ActivityAction(_ParseableEnum):
    """What an activity-log entry records (R6): a software key access or a software download."""

    KEY_ACCESS = "key_access"
    DOWNLOAD = "download"

    @classmethod
    def _aliases(cls) -> dict[str, ActivityAction]:
        return {
            "key": cls.KEY_ACCESS,
            "keys": cls.KEY_ACCESS,
            "key_accessed": cls.KEY_ACCESS,
            "accessed_keys": cls.KEY_ACCESS,
            "software_key_access": cls.KEY_ACCESS,
            "downloaded": cls.DOWNLOAD,
            "software_download": cls.DOWNLOAD,
            "téléchargement": cls.DOWNLOAD,
            "accès_aux_clés": cls.KEY_ACCESS,
        }


def _text(field: str) -> Any:
    def convert(value: Any) -> str:
        text = clean_text(value, field, limit=_MAX_TEXT)
        assert text is not None
        return text

    return convert


def _user(value: Any) -> str:
    result: str = _text("user")(value)
    return result


def _product(value: Any) -> str:
    result: str = _text("product")(value)
    return result


def _action(value: Any) -> ActivityAction:
    action: ActivityAction = ActivityAction.parse(value, "action")
    return action


def _at(value: Any) -> datetime:
    return _time.require_aware(value, "at")


def _customer(value: Any) -> Customer:
    if isinstance(value, Customer):
        if not value.identified:
            raise MissingFieldError(
                "customer: give a name, tenant GUID or domain", field="customer", value=value
            )
        return value
    if isinstance(value, str) or value is None:
        return Customer(name=_text("customer")(value))
    raise TypeError(f"customer: expected a Customer or str, got {type(value).__name__}")


@attrs.frozen(kw_only=True)
class ActivityEntry:
    """One line of the activity log (R6): ``user`` did ``action`` on ``product`` for ``customer`` at ``at``.

    ``action`` is an :class:`ActivityAction` or its identifier (``"key_access"``, ``"download"``);
    ``at`` is an aware datetime, stored in UTC; ``customer`` is a
    :class:`~csp_rules.facts.Customer` or its name.
    """

    user: str = attrs.field(converter=_user)
    action: ActivityAction = attrs.field(converter=_action)
    at: datetime = attrs.field(converter=_at)
    product: str = attrs.field(converter=_product)
    customer: Customer = attrs.field(converter=_customer)


@attrs.frozen(kw_only=True)
class ActivityLogDecision(Decision):
    """The activity log for a date range (R6), or an empty one for roles outside R1.3.

    ``entries`` are those whose UTC date is in ``[start, end]``, sorted by instant (entries at
    the same instant keep their input order); empty when not permitted.
    """

    entries: tuple[ActivityEntry, ...]
    start: date
    end: date

    @property
    def users(self) -> tuple[str, ...]:
        """The distinct users of the listed entries, sorted (who accessed keys or downloaded)."""
        return tuple(sorted({e.user for e in self.entries}))


def _day(value: Any, field: str) -> date:
    return _time.as_date(value, field)


def activity_log(
    entries: Iterable[ActivityEntry],
    *,
    start: date,
    end: date,
    roles: Role | str | Iterable[Role | str],
    rules: Rules | None = None,
) -> ActivityLogDecision:
    """The activity log between ``start`` and ``end`` (inclusive, UTC dates) as read by ``roles`` (R6, R1.3).

    Permitted for the roles the rule set allows to view the activity log (R1.3): ``entries`` are
    then those dated (in UTC) from ``start`` to ``end`` inclusive, sorted by instant, stable for
    ties. Otherwise the outcome is :attr:`~csp_rules.roles.Authorization.NOT_PERMITTED` with no
    entries, and ``entries`` is not read. ``start``/``end`` are dates (an aware datetime counts
    by its UTC date). With ``rules=None`` the newest shipped rule set decides the roles.

    :raises InvalidDateError: if ``start`` is after ``end``.
    :raises UnknownRoleError: for an unknown role name (with suggestions).
    :raises NaiveDatetimeError: for a naive datetime given as ``start`` or ``end``.
    :raises TypeError: if an entry is not an :class:`ActivityEntry`, or for arguments of the wrong type.
    """
    first = _day(start, "start")
    last = _day(end, "end")
    if first > last:
        raise InvalidDateError(
            f"start: the range starts on {first.isoformat()}, after its end {last.isoformat()}",
            field="start",
            value=(start, end),
        )
    permission = authorize(roles, Action.VIEW_ACTIVITY_LOG, rules=rules)
    facts: dict[str, Any] = {"start": first, "end": last, **permission.facts}
    if not permission.allowed:
        facts["count"] = 0
        return ActivityLogDecision(
            outcome=Authorization.NOT_PERMITTED,
            allowed=False,
            reasons=("activity.not_permitted",),
            rule_numbers=("R6", "R1.3"),
            ruleset_version=permission.ruleset_version,
            facts=FrozenMap(facts),
            entries=(),
            start=first,
            end=last,
        )
    if isinstance(entries, (str, bytes)) or not isinstance(entries, Iterable):
        raise TypeError(f"entries: expected an iterable of ActivityEntry, got {type(entries).__name__}")
    selected: list[ActivityEntry] = []
    for i, entry in enumerate(entries):
        if not isinstance(entry, ActivityEntry):
            raise TypeError(f"entries[{i}]: expected an ActivityEntry, got {type(entry).__name__}")
        if first <= entry.at.date() <= last:
            selected.append(entry)
    selected.sort(key=lambda e: e.at)
    facts["count"] = len(selected)
    return ActivityLogDecision(
        outcome=Authorization.PERMITTED,
        allowed=True,
        reasons=("activity.listed",),
        rule_numbers=("R6", "R1.3"),
        ruleset_version=permission.ruleset_version,
        facts=FrozenMap(facts),
        entries=tuple(selected),
        start=first,
        end=last,
    )


def can_view_activity_log(roles: Role | str | Iterable[Role | str], *, rules: Rules | None = None) -> bool:
    """Boolean shorthand (R1.3, R6): whether ``roles`` may see the activity log.

    >>> can_view_activity_log(["Administrateur du contenu marketing"]), can_view_activity_log(["Admin agent"])
    (True, False)
    """
    return authorize(roles, Action.VIEW_ACTIVITY_LOG, rules=rules).allowed
