"""Getting keys and downloads (RULES.md R5, R10.2, R11.1): the selection, and download links that expire.

Sources: S2020 and S2018 (on-premises software uses the same steps, R10.2); from 2021-01-30 the pages
state no link rule (R11.1, version S2021-01-30).

* R5.1 A selection is complete only with all three of **version**, **language** and **file
  type/OS** (:class:`DownloadSelection`, :func:`check_selection`).
* R5.2 A download link expires after **two weeks** or after **50 downloads**, whichever comes first.
* R5.3 Selecting "Get keys and downloads" again gives another two weeks and 50 downloads, as
  many times as needed (:func:`renew_link`).
* R8.2 Once the purchase is cancelled every link is revoked and cannot be renewed.
* R11.1 For a link issued under a version that states no link rule (``rules.links.stated`` false),
  :func:`link_status` answers :attr:`LinkStatus.NO_RULE_STATED` (a revoked link stays revoked):
  never active or expired by an invented lifetime; its expiry, time left, downloads left and
  lifetime are None. :func:`link_usable` says "known to be usable": True only for an active link.
  :func:`renew_link` raises :class:`~csp_rules.errors.NoRuleStatedError`.

Convention (R5): two weeks is ``lifetime_days`` × 24 h from the instant the link was issued or
renewed; a link is usable while ``at < issued_at + lifetime_days`` **and** ``downloads <
download_cap``, where ``downloads`` counts the downloads already made (with 49 made the 50th
succeeds; with 50 made the link is exhausted). Both numbers come from the rule set
(``rules.links``); with ``rules=None`` the rule set in force on the link's issue date is used, so
a link issued before 2018-08-31 is an error. When several states apply, the status reported is
the first of **revoked, expired, exhausted** (the other reasons follow in ``reasons``). The version
is the one in force on the link's issue date (R11.4: a link issued after the newest version's
``verified_until`` adds the reason ``rules.unverified_after``).

>>> from datetime import datetime, timedelta, timezone
>>> t0 = datetime(2020, 3, 2, 9, 30, tzinfo=timezone.utc)
>>> link = issue_link(t0)
>>> d = link_status(link, at=t0 + timedelta(days=3), downloads=49)
>>> d.status, d.downloads_left, d.time_left, d.expires_at.isoformat()
(<LinkStatus.ACTIVE: 'active'>, 1, datetime.timedelta(days=11), '2020-03-16T09:30:00+00:00')
>>> link_status(link, at=t0 + timedelta(days=3), downloads=50).status
<LinkStatus.EXHAUSTED: 'exhausted'>
>>> link_usable(link, at=t0 + timedelta(days=14) - timedelta(microseconds=1), downloads=0)
True
>>> print(link_status(link, at=t0 + timedelta(days=14), downloads=0).explain("en"))
The link expired on Mar 16, 2020, 9:30:00...AM UTC, 14 days after it was issued;
select Get keys and downloads again for a new link.
>>> renewed = renew_link(link, at=t0 + timedelta(days=20))
>>> link_status(renewed, at=t0 + timedelta(days=20), downloads=0).downloads_left
50
>>> DownloadSelection(version="2019", language="Français", file_type="ISO x64").language
'fr'
>>> DownloadSelection(version="2019", language="", file_type=None)
Traceback (most recent call last):
...
csp_rules.errors.ValidationError: 2 problems: language: required (R5.1); file_type: required (R5.1)
"""

from __future__ import annotations

import enum
import re
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any, Final

import attrs

from . import _l10n, _time
from ._frozen import FrozenMap
from ._lazy import Once
from .decision import Decision, build
from .errors import (
    FieldProblem,
    InvalidDateError,
    InvalidFieldError,
    LinkError,
    MissingFieldError,
    NoRuleStatedError,
    ValidationError,
    shorten,
)
from .facts import clean_text, fold
from .rulesets import Dating, Rules, dating, resolve_rules, rules_or_newest, shipped_chain

__all__ = [
    "REASON_CODES",
    "RULES",
    "SELECTION_FIELDS",
    "DownloadLink",
    "DownloadSelection",
    "LinkDecision",
    "LinkStatus",
    "SelectionDecision",
    "SelectionStatus",
    "check_selection",
    "issue_link",
    "link_status",
    "link_usable",
    "normalize_language",
    "renew_link",
    "selection_complete",
]

#: the RULES.md numbers this module owns
RULES: Final = ("R5", "R5.1", "R5.2", "R5.3", "R10.2", "R11.1")

#: every reason code this module emits (messages in ``data/messages/links.json``)
REASON_CODES: Final[frozenset[str]] = frozenset(
    {
        "links.no_rule_stated",
        "links.active",
        "links.expired",
        "links.exhausted",
        "links.revoked",
        "links.selection_complete",
        "links.selection_incomplete",
    }
)

#: the three parts of a complete selection (R5.1), in the order the dashboard shows them
SELECTION_FIELDS: Final[tuple[str, str, str]] = ("version", "language", "file_type")

_FIELD_NAMES: Final[FrozenMap[str, tuple[str, str, str]]] = FrozenMap(
    {
        "en": ("version", "language", "file type/OS"),
        "fr": ("version", "langue", "type de fichier/système d'exploitation"),
    }
)

_MAX_TEXT = 200
_WORD_BREAK = re.compile(r"[\W_]+")
_MAX_LANGUAGE = 100


# --- R5.1 the selection ---------------------------------------------------------------------


def _name_key(text: str) -> str:
    """Language-name key: case and accents dropped, punctuation runs as one space."""
    return " ".join(_WORD_BREAK.split(fold(text))).strip()


@attrs.frozen
class _LanguageNames:
    languages: FrozenMap[str, str]  # name key -> language code (possibly with script/territory)
    scripts: FrozenMap[str, str]  # name key -> script code
    territories: FrozenMap[str, str]  # name key -> territory code


def _load_language_names() -> _LanguageNames:
    return _l10n.locked(_read_language_names)


def _read_language_names() -> _LanguageNames:
    from babel import Locale

    languages: dict[str, str] = {}
    scripts: dict[str, str] = {}
    territories: dict[str, str] = {}
    for ui in ("en", "fr"):  # English names win over French ones where they collide
        loc = Locale(ui)
        for code, name in loc.languages.items():
            languages.setdefault(_name_key(name), code)
        for code, name in loc.scripts.items():
            scripts.setdefault(_name_key(name), code)
        for code, name in loc.territories.items():
            if code.isalpha() and code != "ZZ":  # countries and territories, not regions
                territories.setdefault(_name_key(name), code)
    return _LanguageNames(FrozenMap(languages), FrozenMap(scripts), FrozenMap(territories))


def _load_autonyms() -> FrozenMap[str, str]:
    """Each language's own name for itself (``Deutsch``, ``español``); loads every base locale once."""
    return _l10n.locked(_read_autonyms)


def _read_autonyms() -> FrozenMap[str, str]:
    from babel import Locale
    from babel.localedata import locale_identifiers

    names: dict[str, str] = {}
    for ident in sorted(locale_identifiers()):
        if "_" in ident or ident == "root":
            continue
        name = Locale.parse(ident).languages.get(ident)
        if name:
            names.setdefault(_name_key(name), ident)
    return FrozenMap(names)


_NAMES: Once[_LanguageNames] = Once(_load_language_names)
_AUTONYMS: Once[FrozenMap[str, str]] = Once(_load_autonyms)


def _bad_language(value: str, why: str) -> InvalidFieldError:
    return InvalidFieldError(f"language: {shorten(value)} {why}", field="language", value=value)


def _from_code(text: str) -> str | None:
    """A canonical babel identifier for a locale code, or None if ``text`` is not one."""
    return _l10n.locked(lambda: _read_code(text))


def _read_code(text: str) -> str | None:
    from babel import Locale, UnknownLocaleError
    from babel.core import parse_locale

    try:
        parts = parse_locale(text.replace("-", "_"))
    except ValueError:
        return None
    lang, territory, script = parts[0], parts[1], parts[2]
    if lang in ("und", "root") or territory == "ZZ":
        return None
    try:
        loc = Locale.parse("_".join(p for p in (lang, script, territory) if p))
    except (UnknownLocaleError, ValueError):
        return None
    # babel fills in likely subtags; refuse what it had to replace
    if (
        loc.language != lang
        or (territory and loc.territory != territory)
        or (script and loc.script != script)
    ):
        return None
    if territory is None and script is None:
        return str(loc.language)
    return str(loc)


def _from_name(text: str) -> str | None:
    names = _NAMES()
    head, paren, rest = text.partition("(")
    key = _name_key(head)
    code: str | None = names.languages.get(key)
    if code is None:
        code = _AUTONYMS().get(key)
    if code is None:
        return None
    if not paren:
        return _from_code(code)  # a name babel knows, of a language babel has locale data for
    inner, close, tail = rest.partition(")")
    if not close or tail.strip():
        return None
    script: str | None = None
    territory: str | None = None
    for part in inner.split(","):
        pkey = _name_key(part)
        if pkey in names.scripts and script is None:
            script = names.scripts[pkey]
        elif pkey in names.territories and territory is None:
            territory = names.territories[pkey]
        else:
            return None
    return _from_code("_".join(p for p in (code, script, territory) if p))


def normalize_language(value: str) -> str:
    """The babel locale identifier for a download language (R5.1).

    Accepts a locale code (``"fr"``, ``"fr-FR"``, ``"zh-Hant"``) or a language name babel knows
    in English, French or the language itself (``"French"``, ``"Français"``, ``"Deutsch"``,
    ``"Chinese (Traditional)"``, ``"Portuguese (Brazil)"``), for a language babel has locale
    data for. A text that is a locale code is read as one first. The name tables load lazily,
    once (the languages' own names on the first name not found in English or French).

    :raises MissingFieldError: for an empty value.
    :raises InvalidFieldError: for text that is no language babel knows.
    :raises TypeError: if ``value`` is not a ``str``.

    >>> normalize_language("fr-FR"), normalize_language("zh-Hant"), normalize_language("Portuguese (Brazil)")
    ('fr_FR', 'zh_Hant', 'pt_BR')
    """
    if not isinstance(value, str):
        raise TypeError(f"language: expected a str, got {type(value).__name__}")
    text = value.strip()
    if not text:
        raise MissingFieldError(field="language", value=value)
    return _language(text, value)


def _language(text: str, value: str) -> str:
    found = _known_language(text) if len(text) <= _MAX_LANGUAGE else None
    if found is not None:
        return found
    if len(text) > _MAX_LANGUAGE:
        raise _bad_language(value, "is too long to be a language")
    if any(ord(c) < 32 for c in text):
        raise _bad_language(value, "has control characters")
    raise _bad_language(value, "is not a language code or a language name babel knows")


@lru_cache(maxsize=1024)
def _known_language(text: str) -> str | None:
    """The babel identifier of a language code or name (stripped, printable), or None; answers cached."""
    if any(ord(c) < 32 for c in text):
        return None
    result = _from_code(text) if text.replace("-", "").replace("_", "").isalnum() and text.isascii() else None
    return result if result is not None else _from_name(text)


def _language_name(language: str, locale: str) -> str:
    target = _l10n.babel_locale(locale)
    return _l10n.locked(lambda: str(_l10n.any_locale(language).get_display_name(target)))


def _clean_text(value: Any, field: str, problems: list[FieldProblem]) -> str | None:
    try:
        text = clean_text(value, field, optional=True, limit=_MAX_TEXT)
    except InvalidFieldError:
        text = None
        problems.append(FieldProblem(field, f"at most {_MAX_TEXT} printable characters", value))
    else:
        if text is None:
            problems.append(FieldProblem(field, "required (R5.1)", value))
    return text


def _clean_selection(
    version: Any, language: Any, file_type: Any
) -> tuple[list[FieldProblem], tuple[Any, ...]]:
    problems: list[FieldProblem] = []
    clean_version = _clean_text(version, "version", problems)
    clean_language: str | None = None
    if language is None or (isinstance(language, str) and not language.strip()):
        problems.append(FieldProblem("language", "required (R5.1)", language))
    else:
        try:
            clean_language = normalize_language(language)
        except InvalidFieldError as exc:
            problems.append(FieldProblem("language", exc.message.partition(": ")[2], language))
    clean_file_type = _clean_text(file_type, "file_type", problems)
    return problems, (clean_version, clean_language, clean_file_type)


@attrs.frozen
class DownloadSelection:
    """What to download (R5.1): ``version``, ``language`` and ``file_type`` (file type/OS), all three.

    ``version`` and ``file_type`` are free text as the dashboard lists them (spaces collapsed,
    at most 200 characters). ``language`` is a locale code or a language name, stored as the
    babel locale identifier (``"fr"``, ``"pt_BR"``, ``"zh_Hant"``).

    :raises ValidationError: if any part is missing or malformed; its ``problems`` name every one.
    :raises TypeError: if a part is neither ``None`` nor a ``str``.
    """

    version: str
    language: str
    file_type: str

    def __attrs_post_init__(self) -> None:
        problems, cleaned = _clean_selection(self.version, self.language, self.file_type)
        if problems:
            raise ValidationError(
                problems, value=(self.version, self.language, self.file_type), field="selection"
            )
        for name, value in zip(SELECTION_FIELDS, cleaned, strict=True):
            object.__setattr__(self, name, value)

    @property
    def language_tag(self) -> str:
        """The language as a BCP 47 tag (``"pt-BR"``)."""
        return self.language.replace("_", "-")

    def language_name(self, locale: str = "en") -> str:
        """The language's name in English or French, from babel (``"Portuguese (Brazil)"``)."""
        return _language_name(self.language, locale)


class SelectionStatus(enum.Enum):
    """Outcome of :func:`check_selection` (R5.1)."""

    COMPLETE = "complete"
    INCOMPLETE = "incomplete"


@attrs.frozen(kw_only=True)
class SelectionDecision(Decision):
    """Whether a selection is complete (R5.1); ``missing`` names the parts not given."""

    missing: tuple[str, ...]
    selection: DownloadSelection | None


def check_selection(
    version: str | None = None, language: str | None = None, file_type: str | None = None
) -> SelectionDecision:
    """Whether version, language and file type/OS are all chosen (R5.1), as a decision.

    Missing parts (``None`` or blank) make it ``INCOMPLETE`` with ``missing`` naming them; a part
    that is given but malformed (an unknown language, control characters) is bad input.

    :raises ValidationError: for a malformed part.
    :raises TypeError: for a part that is neither ``None`` nor a ``str``.

    >>> d = check_selection(version="2019", language="fr")
    >>> d.outcome, d.missing, d.explain("en")
    (<SelectionStatus.INCOMPLETE: 'incomplete'>, ('file_type',),
     'The selection is incomplete: choose the file type/OS before Get keys and downloads.')
    """
    problems, cleaned = _clean_selection(version, language, file_type)
    missing = tuple(p.field for p in problems if p.message == "required (R5.1)")
    malformed = [p for p in problems if p.message != "required (R5.1)"]
    if malformed:
        raise ValidationError(malformed, value=(version, language, file_type), field="selection")
    selection = None if missing else DownloadSelection(*cleaned)
    facts: dict[str, Any] = {
        "version": cleaned[0] or "",
        "language": cleaned[1] or "",
        "file_type": cleaned[2] or "",
        "missing": missing,
    }
    for lang, names in _FIELD_NAMES.items():
        facts[f"missing_{lang}"] = ", ".join(names[SELECTION_FIELDS.index(m)] for m in missing)
        facts[f"language_name_{lang}"] = _language_name(cleaned[1], lang) if cleaned[1] else ""
    return SelectionDecision(
        outcome=SelectionStatus.INCOMPLETE if missing else SelectionStatus.COMPLETE,
        allowed=not missing,
        reasons=("links.selection_incomplete" if missing else "links.selection_complete",),
        rule_numbers=("R5.1",),
        ruleset_version=rules_or_newest(None).version,
        facts=FrozenMap(facts),
        missing=missing,
        selection=selection,
    )


def selection_complete(
    version: str | None = None, language: str | None = None, file_type: str | None = None
) -> bool:
    """Boolean shorthand for :func:`check_selection` (R5.1)."""
    return check_selection(version, language, file_type).allowed


# --- R5.2, R5.3, R8.2 links -----------------------------------------------------------------


def _selection(value: Any) -> DownloadSelection | None:
    if value is None or isinstance(value, DownloadSelection):
        return value
    raise TypeError(f"selection: expected a DownloadSelection, got {type(value).__name__}")


def _order_id(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError(f"order_id: expected a str, got {type(value).__name__}")
    text = value.strip()
    if not text or len(text) > _MAX_TEXT or any(ord(c) < 32 for c in text):
        raise InvalidFieldError(
            "order_id: expected a non-empty printable order ID", field="order_id", value=value
        )
    return text


def _issued_at(value: Any) -> datetime:
    return _time.require_aware(value, "issued_at")


def _renewals(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"renewals: expected an int, got {type(value).__name__}")
    if value < 0:
        raise InvalidFieldError("renewals: cannot be negative", field="renewals", value=value)
    return value


@attrs.frozen(kw_only=True)
class DownloadLink:
    """A download link (or key grant) as issued by "Get keys and downloads" (R5.2, R5.3).

    ``issued_at`` is the instant it was issued or last renewed (stored in UTC); ``renewals``
    counts the renewals so far. ``selection`` and ``order_id`` say what it is for (optional).
    The link carries no download count: the caller passes the count to :func:`link_status`.
    """

    issued_at: datetime = attrs.field(converter=_issued_at)
    selection: DownloadSelection | None = attrs.field(default=None, converter=_selection)
    order_id: str | None = attrs.field(default=None, converter=_order_id)
    renewals: int = attrs.field(default=0, converter=_renewals)

    def expires_at(self, rules: Rules | None = None) -> datetime | None:
        """The first instant the link is no longer usable: ``issued_at + lifetime_days`` (R5.2); None
        when the version in force on the issue date states no link rule (R11.1)."""
        lifetime = resolve_rules(rules, self.issued_at.date()).links.lifetime_days
        if lifetime is None:
            return None
        return _time.add_days(self.issued_at, lifetime, "expires_at")


def issue_link(
    at: datetime,
    *,
    selection: DownloadSelection | None = None,
    order_id: str | None = None,
    rules: Rules | None = None,
) -> DownloadLink:
    """The link "Get keys and downloads" issues at ``at`` (R5.2; R10.2 for on-premises software).

    Getting keys and downloads takes the Admin agent role (R1.1): check it with
    :func:`csp_rules.roles.authorize` first.

    :raises NaiveDatetimeError: if ``at`` has no time zone.
    :raises NoRulesInForceError: if ``at`` is before the first rule set (2018-08-31) and ``rules`` is None.
    :raises TypeError: for arguments of the wrong type.
    """
    link = DownloadLink(issued_at=_time.require_aware(at, "at"), selection=selection, order_id=order_id)
    link.expires_at(rules)  # a rule set must be in force, and the expiry representable
    return link


def _downloads(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"downloads: expected an int (downloads already made), got {type(value).__name__}")
    if value < 0:
        raise InvalidFieldError(
            f"downloads: the number of downloads made cannot be negative (got {value})",
            field="downloads",
            value=value,
        )
    return value


class LinkStatus(enum.Enum):
    """State of a download link (R5.2, R8.2, R11.1). Precedence when several apply: revoked, expired,
    exhausted; a link under a version that states no link rule is revoked or ``NO_RULE_STATED``."""

    __hash__ = object.__hash__  # members are singletons: hashed by identity, in C (keys of rule tables)

    ACTIVE = "active"
    EXPIRED = "expired"
    EXHAUSTED = "exhausted"
    REVOKED = "revoked"
    #: the version in force on the issue date states no link rule (R11.1): neither usable nor expired
    NO_RULE_STATED = "no_rule_stated"


@attrs.frozen(kw_only=True)
class LinkDecision(Decision):
    """The state of a link at an instant (R5.2, R8.2): ``status``, downloads and time left, expiry.

    ``outcome`` is ``status``; ``allowed`` is true only for :attr:`LinkStatus.ACTIVE` (known to be
    usable). ``downloads_left`` is ``max(0, download_cap - downloads)`` and ``time_left`` is
    ``max(0, expires_at - at)``; both are reported whatever the status, and are None (with
    ``expires_at``) when no link rule is stated (R11.1). The typed properties read the decision's
    facts (one source of truth, and a cheaper decision to build).
    """

    @property
    def status(self) -> LinkStatus:
        """The link's state; the same as ``outcome``."""
        status: LinkStatus = self.outcome  # type: ignore[assignment]
        return status

    @property
    def downloads_left(self) -> int | None:
        """Downloads still possible on this grant: ``max(0, download_cap - downloads)``; None without a rule."""
        left: int | None = self.facts["downloads_left"]
        return left

    @property
    def time_left(self) -> timedelta | None:
        """Time until expiry, ``max(0, expires_at - at)``; None without a rule (R11.1)."""
        left: timedelta | None = self.facts["time_left"]
        return left

    @property
    def expires_at(self) -> datetime | None:
        """The first instant the link is no longer usable: ``issued_at + lifetime_days`` (R5.2); None
        without a rule (R11.1)."""
        expires: datetime | None = self.facts["expires_at"]
        return expires


_ZERO = timedelta(0)
_REASON = {
    LinkStatus.REVOKED: "links.revoked",
    LinkStatus.EXPIRED: "links.expired",
    LinkStatus.EXHAUSTED: "links.exhausted",
}
_RULES_FOR = {
    LinkStatus.ACTIVE: ("R5.2",),
    LinkStatus.EXPIRED: ("R5.2", "R5.3"),
    LinkStatus.EXHAUSTED: ("R5.2", "R5.3"),
    LinkStatus.REVOKED: ("R8.2",),
    LinkStatus.NO_RULE_STATED: ("R11.1",),
}
#: a link under a version that states no rule: revoked, or no rule stated (R11.1, R8.2)
_NO_RULE: Final = {
    True: (LinkStatus.REVOKED, ("links.revoked", "links.no_rule_stated"), ("R8.2", "R11.1")),
    False: (LinkStatus.NO_RULE_STATED, ("links.no_rule_stated",), ("R11.1",)),
}


def _verdicts() -> dict[tuple[bool, bool, bool], tuple[LinkStatus, tuple[str, ...], tuple[str, ...]]]:
    """(revoked, expired, exhausted) -> (status, reasons, rule numbers); precedence revoked > expired > exhausted."""
    table = {}
    for revoked in (False, True):
        for expired in (False, True):
            for exhausted in (False, True):
                flags = (
                    (LinkStatus.REVOKED, revoked),
                    (LinkStatus.EXPIRED, expired),
                    (LinkStatus.EXHAUSTED, exhausted),
                )
                states = [state for state, on in flags if on]
                if states:
                    verdict = (states[0], tuple(_REASON[state] for state in states), _RULES_FOR[states[0]])
                else:
                    verdict = (LinkStatus.ACTIVE, ("links.active",), _RULES_FOR[LinkStatus.ACTIVE])
                table[revoked, expired, exhausted] = verdict
    return table


_VERDICTS: Final = _verdicts()


def _link_params(rules: Rules | None, day: date) -> tuple[Dating, timedelta | None, int | None]:
    if rules is None:
        return _shipped_params(day)
    when = dating(rules, day)
    links = when.rules.links
    lifetime = None if links.lifetime_days is None else timedelta(days=links.lifetime_days)
    return when, lifetime, links.download_cap


@lru_cache(maxsize=4096)
def _shipped_params(day: date) -> tuple[Dating, timedelta | None, int | None]:
    """(dating, lifetime, cap) under the shipped chain for an issue date (shipped sets never change)."""
    return _link_params(shipped_chain(), day)


def _instant(value: Any, field: str) -> datetime:
    if type(value) is datetime and value.tzinfo is _time.UTC:
        return value
    return _time.require_aware(value, field)


def link_status(
    link: DownloadLink,
    *,
    at: datetime,
    downloads: int,
    revoked_at: datetime | None = None,
    rules: Rules | None = None,
) -> LinkDecision:
    """The state of ``link`` at ``at`` after ``downloads`` downloads (R5.2, R5.3, R8.2).

    Usable (:attr:`LinkStatus.ACTIVE`) while ``at < issued_at + lifetime_days`` and ``downloads <
    download_cap``; ``downloads`` counts the downloads already made, so with ``download_cap - 1``
    made one more succeeds. ``revoked_at`` is when the purchase was cancelled (R8.2): from that
    instant on the link is :attr:`LinkStatus.REVOKED`. Precedence: revoked, expired, exhausted.
    With ``rules=None`` the rule set in force on the link's issue date applies.

    :raises InvalidFieldError: for a negative download count.
    :raises InvalidDateError: if ``at`` is before the link was issued.
    :raises NaiveDatetimeError: for a datetime without a time zone.
    :raises NoRulesInForceError: for a link issued before the first rule set, with ``rules=None``.
    :raises TypeError: for arguments of the wrong type.
    """
    if not isinstance(link, DownloadLink):
        raise TypeError(f"link: expected a DownloadLink, got {type(link).__name__}")
    now = _instant(at, "at")
    if type(downloads) is not int or downloads < 0:
        downloads = _downloads(downloads)
    revoked = None if revoked_at is None else _instant(revoked_at, "revoked_at")
    issued = link.issued_at
    if now < issued:
        raise InvalidDateError(
            f"at: {now.isoformat()} is before the link was issued ({issued.isoformat()})",
            field="at",
            value=at,
        )
    when, lifetime, cap = _link_params(rules, issued.date())
    is_revoked = revoked is not None and revoked <= now
    if lifetime is None or cap is None:  # R11.1: no lifetime, no cap, never an invented one
        status, reasons, rule_numbers = _NO_RULE[is_revoked]
        expires = time_left = None
    else:
        try:
            expires = issued + lifetime
        except OverflowError:
            expires = _time.add_days(issued, lifetime.days, "expires_at")  # raises InvalidDateError
        status, reasons, rule_numbers = _VERDICTS[is_revoked, now >= expires, downloads >= cap]
        time_left = expires - now if now < expires else _ZERO
    if when.unverified:  # R11.4
        reasons = (*reasons, *when.reasons(False))
    facts: FrozenMap[str, Any] = FrozenMap.lazy(
        _facts_of, issued, downloads, now, when, lifetime, cap, expires, time_left, revoked
    )
    return build(
        LinkDecision,
        status,
        status is LinkStatus.ACTIVE,
        reasons,
        rule_numbers,
        when.rules.version,
        facts,
        _NO_TEXTS,
    )


_NO_TEXTS: Final[FrozenMap[str, FrozenMap[str, str]]] = FrozenMap()


def _facts_of(
    issued: datetime,
    downloads: int,
    now: datetime,
    when: Dating,
    lifetime: timedelta | None,
    cap: int | None,
    expires: datetime | None,
    time_left: timedelta | None,
    revoked: datetime | None,
) -> dict[str, Any]:
    """The facts of a :class:`LinkDecision`, in their order (built when first read)."""
    facts: dict[str, Any] = {
        "issued_at": issued,
        "downloads": downloads,
        "at": now,
        "ruleset": when.rules.version,
    }
    if lifetime is None or cap is None or expires is None or time_left is None:
        facts.update(
            expires_at=None, downloads_left=None, download_cap=None, lifetime_days=None, time_left=None
        )
        facts["days_left"] = None
    else:
        facts.update(
            expires_at=expires, downloads_left=cap - downloads if downloads < cap else 0, download_cap=cap,
            lifetime_days=lifetime.days, time_left=time_left, days_left=time_left.days,
        )  # fmt: skip
    if revoked is not None:
        facts["revoked_at"] = revoked
    if when.unverified:
        facts.update(when.facts(False))
    return facts


def link_usable(
    link: DownloadLink,
    *,
    at: datetime,
    downloads: int,
    revoked_at: datetime | None = None,
    rules: Rules | None = None,
) -> bool:
    """Boolean shorthand for :func:`link_status` (R5.2): whether one more download is *known* to succeed
    at ``at``: True only for an active link, False for ``NO_RULE_STATED`` too (R11.1: the rules do not
    say, so it is not known)."""
    return link_status(link, at=at, downloads=downloads, revoked_at=revoked_at, rules=rules).allowed


def renew_link(
    link: DownloadLink,
    *,
    at: datetime,
    revoked_at: datetime | None = None,
    rules: Rules | None = None,
) -> DownloadLink:
    """Select "Get keys and downloads" again at ``at`` (R5.3): a fresh ``lifetime_days`` and a fresh
    count of ``download_cap`` downloads from ``at``, as often as needed, active or not.

    Refused once the purchase is cancelled (R8.2): when ``revoked_at <= at``. With ``rules=None``
    the rule set in force on ``at`` decides whether links are renewable (and with a chain, the
    chain's version in force then).

    :raises LinkError: if the link is revoked, or the rule set says links are not renewable.
    :raises NoRuleStatedError: the rule set in force states no link rule (R11.1): renewing is neither
        allowed nor refused by the rules, so no renewed link is made up.
    :raises InvalidDateError: if ``at`` is before the link was issued.
    :raises NaiveDatetimeError: for a datetime without a time zone.
    :raises TypeError: for arguments of the wrong type.
    """
    if not isinstance(link, DownloadLink):
        raise TypeError(f"link: expected a DownloadLink, got {type(link).__name__}")
    now = _time.require_aware(at, "at")
    revoked = None if revoked_at is None else _time.require_aware(revoked_at, "revoked_at")
    if now < link.issued_at:
        raise InvalidDateError(
            f"at: {now.isoformat()} is before the link was issued ({link.issued_at.isoformat()})",
            field="at",
            value=at,
        )
    if revoked is not None and revoked <= now:
        raise LinkError(
            f"revoked_at: the purchase was cancelled at {revoked.isoformat()}; its links are revoked and "
            "cannot be renewed (R8.2)",
            field="revoked_at",
            value=revoked_at,
        )
    ruleset = resolve_rules(rules, now.date())
    if not ruleset.links.stated:
        raise NoRuleStatedError(
            f"at: rule set {ruleset.version} states no rule for download links (R11.1): their lifetime, "
            "download cap and renewal are not stated",
            field="at",
            value=at,
        )
    if not ruleset.links.renewable:
        raise LinkError(
            f"at: rule set {ruleset.version} does not renew download links (R5.3)", field="at", value=at
        )
    renewed = attrs.evolve(link, issued_at=now, renewals=link.renewals + 1)
    renewed.expires_at(ruleset)
    return renewed
