"""Rule sets: every parameter RULES.md names, as data with provenance, in a chain of dated versions.

RULES.md "Rule-set versions" and R11 (R11.3, R11.4, R11.5; the evidence is
``shared/data/rule_history.tsv``). A :class:`RuleSet` is a frozen, picklable value. The six shipped
versions are JSON files inside the package, read by the very loader users call on their own files
(:func:`load_ruleset`, JSON or TOML): S2018 (from 2018-08-31) and S2020 (from 2020-01-21), the two
pages of the seeds, then S2020-01-31 (the Windows 7 ESU exclusion leaves the page), S2021-01-30 (no
link rule stated), S2021-06-02 (30-day windows) and S2022-07-11 (7 days per term for software
subscriptions). A user file may ``"extends": "S2022-07-11"`` and override only what differs.

* R11.5 The versions form a :class:`RuleChain` (:func:`shipped_chain`): each is in force from its
  ``in_force_from`` until the next one starts; a date before the first is an error, never a guess.
  :meth:`RuleChain.with_version` adds a user's version without replacing the others (its name and its
  first day must be new). Every ``rules=`` parameter takes one rule set (judge by exactly it) or a chain.
* R11.3 A version may carry an :class:`UncertaintySpan`: a question dated inside it is answered by the
  version in force then, and :func:`dating` names the other version, so the rule modules add
  ``rules.change_date_uncertain`` when that version's answer differs.
* R11.4 ``verified_until``: a question dated after it gets ``rules.unverified_after``. Neither a span nor
  ``verified_until`` is inherited through ``extends``.

>>> from datetime import date
>>> from csp_rules import rules_in_force
>>> [rules_in_force(date(y, m, d)).version for y, m, d in ((2019, 5, 1), (2020, 1, 30), (2026, 12, 1))]
['S2018', 'S2020', 'S2022-07-11']
>>> rules_in_force(date(2018, 8, 30))
Traceback (most recent call last):
...
csp_rules.errors.NoRulesInForceError: on: no csp_rules rule set is in force on 2018-08-30 (the first is S2018, from 2018-08-31)
>>> s = rules_in_force(date(2021, 1, 1))
>>> s.cancellation.window_days[ProductKind.SOFTWARE_SUBSCRIPTION], s.links.download_cap
(60, 50)
>>> rules_in_force(date(2021, 7, 1)).cancellation.window_days[ProductKind.SOFTWARE_SUBSCRIPTION]
30
>>> shipped_chain()
<RuleChain S2018 S2020 S2020-01-31 S2021-01-30 S2021-06-02 S2022-07-11>

The module is long because it is the whole rule-set format in one place: every field with its
RULES.md number and validator, the loader and its file hardening, ``extends``, the chain and the
dating of answers; split, the field declarations and their validation would reference each other
across modules.
"""

from __future__ import annotations

import enum
import itertools
import json
import math
import os
import re
import stat
import string
import sys
from collections.abc import Callable, Iterator, Mapping
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Final, TypeVar

import attrs

from ._frozen import FrozenMap
from ._l10n import LANGUAGES, language
from ._lazy import Once
from .errors import NoRulesInForceError, RuleSetError, RuleSetFileError, shorten
from .facts import Action, ProductKind, Role

__all__ = [
    "REASON_CODES",
    "RULES",
    "ActivityLogRules",
    "CancellationRules",
    "CreditRounding",
    "CreditRule",
    "CreditRules",
    "Dating",
    "Exclusion",
    "HybridBenefitRules",
    "LinkRules",
    "Parameter",
    "ReservationRules",
    "RoleRules",
    "Route",
    "RuleChain",
    "RuleSet",
    "Rules",
    "Source",
    "SupportRequestRules",
    "TaxBasis",
    "TaxRules",
    "UncertaintySpan",
    "WindowStart",
    "dating",
    "describe",
    "load_ruleset",
    "resolve_rules",
    "rules_in_force",
    "rules_or_newest",
    "ruleset_from_dict",
    "shipped_chain",
    "shipped_rulesets",
]

#: the RULES.md numbers this module owns (the dated versions and the chain)
RULES: Final = ("R11", "R11.3", "R11.4", "R11.5")

FORMAT_VERSION = 1
MAX_FILE_BYTES = 1 << 20
_MAX_TEXT = 2000
_MAX_INT = 10**6

T = TypeVar("T")
E = TypeVar("E", bound=enum.Enum)


class Route(enum.Enum):
    """How a purchase of a kind is cancelled."""

    __hash__ = object.__hash__  # members are singletons: hashed by identity, in C (keys of rule tables)

    #: self-service within a window of ``window_days`` (R7.1)
    WINDOW = "window"
    #: only through a support request (R9, R10.3, R7.3 for Windows 7 ESU)
    SUPPORT_REQUEST = "support_request"
    #: cannot be cancelled or exchanged at all (R7.3, SUSE / Red Hat software plans)
    NOT_CANCELLABLE = "not_cancellable"
    #: these rules do not cover it (R7.4, Azure reservations)
    NOT_COVERED = "not_covered"


class CreditRule(enum.Enum):
    """What a cancellation credits (R8.4)."""

    __hash__ = object.__hash__  # members are singletons: hashed by identity, in C (keys of rule tables)

    FULL = "full"
    PRORATED = "prorated"
    #: the rule set's sources state no credit rule for this kind: never invent 0% or 100%
    NONE_STATED = "none_stated"


class WindowStart(enum.Enum):
    """Where a cancellation window starts (R7.1, R11.2)."""

    #: at the purchase (``purchased_at``)
    PURCHASE = "purchase"
    #: at the start of the current term (``term_started_at`` of a renewal, else the purchase)
    TERM_START = "term_start"


class CreditRounding(enum.Enum):
    """Where a prorated credit is rounded (R8.4 conventions)."""

    __hash__ = object.__hash__  # members are singletons: hashed by identity, in C (keys of rule tables)

    #: the line's credit, price × unused / term, rounded once half up to the minor unit
    LINE_HALF_UP = "line_half_up"
    #: per unit, toward zero, times the quantity (Partner Center's own worked example)
    UNIT_DOWN = "unit_down"


class TaxBasis(enum.Enum):
    """What a tax rate applies to (R4 convention)."""

    __hash__ = object.__hash__  # members are singletons: hashed by identity, in C (keys of rule tables)

    #: the rate is on the net (Australian GST): tax = gross × r / (1 + r)
    NET = "net"
    #: the rate is on the gross, tax included in its own base (Brazil's "por dentro"): tax = gross × r
    GROSS = "gross"


# --- field helpers --------------------------------------------------------------------------


def _fail(path: str, value: Any, why: str) -> RuleSetFileError:
    return RuleSetFileError(f"rule set field {path}: {why} (got {shorten(value)})", field=path, value=value)


def _p_str(value: Any, path: str) -> str:
    if not isinstance(value, str):
        raise _fail(path, value, "expected a string")
    if not value.strip() or len(value) > _MAX_TEXT or any(ord(c) < 32 and c not in "\n\t" for c in value):
        raise _fail(path, value, "expected a non-empty printable string")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise _fail(path, value, "expected text that UTF-8 can encode (no lone surrogates)") from None
    return value


def _p_int(lo: int, hi: int) -> Callable[[Any, str], int]:
    def parse(value: Any, path: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise _fail(path, value, "expected a whole number")
        if not lo <= value <= hi:
            raise _fail(path, value, f"expected a whole number from {lo} to {hi}")
        return value

    return parse


def _p_bool(value: Any, path: str) -> bool:
    if not isinstance(value, bool):
        raise _fail(path, value, "expected true or false")
    return value


def _p_date(value: Any, path: str) -> date:
    if isinstance(value, datetime):
        raise _fail(path, value, "expected a date (YYYY-MM-DD), not a date-time")
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or len(value) != 10:
        raise _fail(path, value, "expected a date as YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise _fail(path, value, "expected a date as YYYY-MM-DD") from None


def _p_enum(cls: type[E]) -> Callable[[Any, str], E]:
    def parse(value: Any, path: str) -> E:
        if isinstance(value, cls):
            return value
        if isinstance(value, str):
            for member in cls:
                if member.value == value:
                    return member
        allowed = ", ".join(repr(m.value) for m in cls)
        raise _fail(path, value, f"expected one of {allowed}")

    return parse


def _p_rounding(value: Any, path: str) -> str:
    if value != ROUND_HALF_UP:
        raise _fail(path, value, "the only rounding RULES.md names is 'ROUND_HALF_UP'")
    return ROUND_HALF_UP


def _p_market(value: Any, path: str) -> str:
    if not (
        isinstance(value, str) and len(value) == 2 and value.isascii() and value.isalpha() and value.isupper()
    ):
        raise _fail(path, value, "expected an ISO 3166-1 alpha-2 code such as 'AU'")
    if value not in _KNOWN_MARKETS():
        # a code no market has would load and silently never match: refused, with the right code if known
        means = _CODES().values.get(value, "")
        if means.startswith("!"):
            hint = "; it is a region or grouping, not a market (R3.3)"
        else:
            hint = f"; did you mean {means!r}?" if means else ""
        raise _fail(path, value, f"not the code of a known market{hint}")
    return value


def _load_codes() -> Any:
    from . import _market_index

    return _market_index.load_codes()


#: the market code table, and the alpha-2 codes of the markets (read on first use, not at import)
_CODES: Once[Any] = Once(_load_codes)
_KNOWN_MARKETS: Once[frozenset[str]] = Once(lambda: frozenset(_CODES().markets))


def _p_seq(item: Callable[[Any, str], T], *, limit: int = 1000) -> Callable[[Any, str], tuple[T, ...]]:
    def parse(value: Any, path: str) -> tuple[T, ...]:
        if not isinstance(value, (list, tuple)):
            raise _fail(path, value, "expected a list")
        if len(value) > limit:
            raise _fail(path, value, f"expected at most {limit} items")
        return tuple(item(v, f"{path}[{i}]") for i, v in enumerate(value))

    return parse


def _p_set(item: Callable[[Any, str], T]) -> Callable[[Any, str], frozenset[T]]:
    seq = _p_seq(item)

    def parse(value: Any, path: str) -> frozenset[T]:
        items = seq(value, path)
        result = frozenset(items)
        if len(result) != len(items):
            raise _fail(path, value, "the list repeats an item")
        return result

    return parse


def _p_map(
    key: Callable[[Any, str], Any], item: Callable[[Any, str], Any]
) -> Callable[[Any, str], FrozenMap[Any, Any]]:
    def parse(value: Any, path: str) -> FrozenMap[Any, Any]:
        if not isinstance(value, Mapping):
            raise _fail(path, value, "expected a table (mapping)")
        if len(value) > 1000:
            raise _fail(path, value, "too many entries")
        out = {}
        for k, v in value.items():
            out[key(k, f"{path}.{k}")] = item(v, f"{path}.{k}")
        return FrozenMap(out)

    return parse


def _p_phrases(value: Any, path: str) -> tuple[str, ...]:
    phrases = _p_seq(_p_str, limit=20)(value, path)
    if not phrases:
        raise _fail(path, value, "expected at least one phrase")
    return phrases


def _p_nested(cls: type[T]) -> Callable[[Any, str], T]:
    def parse(value: Any, path: str) -> T:
        return _build(cls, value, path)

    return parse


def _param(
    parse: Callable[[Any, str], Any], *, rule: str = "", doc: str = "", default: Any = attrs.NOTHING
) -> Any:
    """An attrs field with its parser, its RULES.md number and a one-line description."""
    return attrs.field(default=default, metadata={"parse": parse, "rule": rule, "doc": doc})


def _build(cls: type[T], data: Any, path: str) -> T:
    if not isinstance(data, Mapping):
        raise _fail(path or "(top)", data, "expected a table (mapping)")
    fields = attrs.fields_dict(cls)  # type: ignore[arg-type]
    unknown = sorted(str(k) for k in data if k not in fields)
    if unknown:
        prefix = f"{path}." if path else ""
        raise _fail(
            f"{prefix}{unknown[0]}",
            data.get(unknown[0]),
            f"unknown field; known fields here: {', '.join(fields)}",
        )
    kwargs = {}
    for name, field in fields.items():
        sub = f"{path}.{name}" if path else name
        if name in data:
            kwargs[name] = field.metadata["parse"](data[name], sub)
        elif field.default is attrs.NOTHING:
            raise _fail(sub, None, "this field is required")
    return cls(**kwargs)


def _dump(value: Any) -> Any:
    if attrs.has(type(value)):
        return {
            f.name: _dump(getattr(value, f.name))
            for f in attrs.fields(type(value))
            if not (getattr(value, f.name) is None and f.default is None)  # optional fields left out
        }
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Mapping):
        return {_dump(k): _dump(v) for k, v in value.items()}
    if isinstance(value, frozenset):
        return sorted(_dump(v) for v in value)
    if isinstance(value, tuple):
        return [_dump(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    return value


# --- the rule set ---------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class Source:
    """A document a rule set encodes: its id, title, date and where it is kept."""

    id: str = _param(_p_str, doc="short name used in RULES.md (S2020, S2018)")
    title: str = _param(_p_str, doc="the page's title")
    published: date = _param(_p_date, doc="the date of the page")
    reference: str = _param(_p_str, doc="where the text is kept")
    note: str = _param(_p_str, default="(none)", doc="what to know about this source")


def _p_texts(value: Any, path: str) -> FrozenMap[str, str]:
    """A text per language of LANGUAGES (``{"en": ..., "fr": ...}``), both required."""
    texts = _p_map(_p_str, _p_str)(value, path)
    if set(texts) != set(LANGUAGES):
        raise _fail(path, value, f"expected one text per language: {', '.join(LANGUAGES)}")
    return FrozenMap({lang: texts[lang] for lang in LANGUAGES})


_CODE = re.compile(r"[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)+")
#: facts an exclusion's own message may name (those of every cancellation decision it decides)
EXCLUSION_FACTS: Final = frozenset(
    {"order_id", "product_name", "kind_en", "kind_fr", "purchased_at", "ruleset", "window_days", "deadline",
     "exclusion_en", "exclusion_fr", "problem_type_en", "problem_type_fr"}
)  # fmt: skip
#: the shipped reason codes an exclusion may use, per route (R7.3)
EXCLUSION_REASONS: Final = {
    "support_request": ("cancellation.support_request_excluded", "cancellation.support_request_esu"),
    "not_cancellable": ("cancellation.not_cancellable",),
}


def _p_code(value: Any, path: str) -> str:
    code = _p_str(value, path)
    if not _CODE.fullmatch(code) or len(code) > 80:
        raise _fail(path, value, "expected a reason code such as 'acme.support_request_gold'")
    return code


def _p_templates(value: Any, path: str) -> FrozenMap[str, str]:
    texts = _p_texts(value, path)
    for lang, text in texts.items():
        try:
            names = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
        except ValueError:
            raise _fail(f"{path}.{lang}", text, "unbalanced braces in the message") from None
        unknown = sorted(names - EXCLUSION_FACTS)
        if unknown:
            raise _fail(
                f"{path}.{lang}",
                text,
                f"unknown placeholder {{{unknown[0]}}}; known: {', '.join(sorted(EXCLUSION_FACTS))}",
            )
    return texts


@attrs.frozen(kw_only=True, cache_hash=True)
class Exclusion:
    """A product family the cancellation steps do not apply to (R7.3), recognised by kind or by name.

    A product name matches when, after normalisation (case, accents and punctuation ignored),
    it contains every phrase of at least one group of ``match``. A name containing all phrases
    of a ``near`` group without matching is a near miss: never silently self-service.

    An exclusion names itself (``names``, English and French, used in every explanation) and gives
    the reason code of the decisions it decides (``reason``). A shipped code reads a shipped
    message (``cancellation.support_request_excluded`` for a support request,
    ``cancellation.not_cancellable`` for a product that cannot be cancelled, by default); a code of
    one's own (``acme.gold_support``) comes with its own ``messages``, English and French, whose
    placeholders are facts of the decision (:data:`EXCLUSION_FACTS`).
    """

    id: str = _param(_p_str, doc="stable identifier")
    route: Route = _param(_p_enum(Route), rule="R7.3", doc="what the excluded product gets instead")
    kinds: frozenset[ProductKind] = _param(
        _p_set(_p_enum(ProductKind)),
        rule="R7.3",
        doc="product kinds that are this family whatever their name",
    )
    match: tuple[tuple[str, ...], ...] = _param(
        _p_seq(_p_phrases), rule="R7.3", doc="name patterns (all phrases of a group)"
    )
    near: tuple[tuple[str, ...], ...] = _param(
        _p_seq(_p_phrases), default=(), rule="R7.3", doc="near-miss patterns"
    )
    description: str = _param(_p_str, default="(none)", doc="what the source says")
    names: FrozenMap[str, str] | None = _param(
        _p_texts,
        default=None,
        rule="R7.3",
        doc="how explanations name the family, per language (default: description)",
    )
    reason: str | None = _param(
        _p_code, default=None, rule="R7.3", doc="reason code of the decisions it decides (default per route)"
    )
    messages: FrozenMap[str, str] | None = _param(
        _p_templates,
        default=None,
        rule="R7.3",
        doc="the messages of a reason code of one's own, per language",
    )

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.route, Route):
            raise TypeError(f"route: expected a Route, got {type(self.route).__name__}")
        if self.reason is not None and not isinstance(self.reason, str):
            raise TypeError(f"reason: expected a str, got {type(self.reason).__name__}")
        shipped = EXCLUSION_REASONS.get(self.route.value, ())
        if self.reason is None or self.reason in shipped:
            if self.messages is not None:
                raise _fail(
                    f"exclusions.{self.id}.messages", None, "messages come with a reason code of one's own"
                )
            return
        if self.reason.startswith(("cancellation.", "billing.", "links.", "rules.", "error.")):
            allowed = ", ".join(shipped) or "none"
            raise _fail(
                f"exclusions.{self.id}.reason", self.reason,
                f"a shipped code for route {self.route.value!r} is one of: {allowed}; a code of one's own "
                "takes another prefix (acme.gold_support)",
            )  # fmt: skip
        if self.messages is None:
            raise _fail(
                f"exclusions.{self.id}.messages", None, "a reason code of one's own needs its messages"
            )

    @property
    def reason_code(self) -> str:
        """The reason code of the decisions this exclusion decides."""
        if self.reason is not None:
            return self.reason
        return EXCLUSION_REASONS.get(self.route.value, ("cancellation.support_request_excluded",))[0]

    def name(self, lang: str) -> str:
        """How explanations name the family in ``lang`` (``"en"``, ``"fr"``, or a variant such as ``"fr_CA"``)."""
        code = language(lang, "lang")
        if not isinstance(self.names, Mapping) or code not in self.names:
            return self.description
        name: str = self.names[code]
        return name


@attrs.frozen(kw_only=True)
class CancellationRules:
    """R7, R8.1, R10.3: how each product kind is cancelled, and for how long."""

    routes: FrozenMap[ProductKind, Route] = _param(
        _p_map(_p_enum(ProductKind), _p_enum(Route)),
        rule="R7.1, R7.3, R7.4, R10.3",
        doc="how each product kind is cancelled",
    )
    window_days: FrozenMap[ProductKind, int] = _param(
        _p_map(_p_enum(ProductKind), _p_int(1, 3660)),
        rule="R7.1, R7.2",
        doc="length of the self-service window, in 24-hour days from the purchase instant",
    )
    exclusions: tuple[Exclusion, ...] = _param(
        _p_seq(_p_nested(Exclusion), limit=50),
        default=(),
        rule="R7.3",
        doc="products the steps do not apply to",
    )
    dashboard_delay_minutes: int = _param(
        _p_int(0, 24 * 60), rule="R8.1", doc="how long a cancellation may take to appear in the dashboard"
    )
    early_termination_fee: bool = _param(
        _p_bool, default=False, rule="R7.1", doc="whether a cancellation within the window carries a fee"
    )
    window_from: FrozenMap[ProductKind, WindowStart] = _param(
        _p_map(_p_enum(ProductKind), _p_enum(WindowStart)),
        default=FrozenMap(),
        rule="R11.2",
        doc="where each kind's window starts: the purchase (the default) or the current term's start",
    )

    def window_start(self, kind: ProductKind) -> WindowStart:
        """Where the window of a kind starts (R11.2): ``window_from``, else at the purchase."""
        start: WindowStart = self.window_from.get(kind, WindowStart.PURCHASE)
        return start

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.routes, Mapping) or not isinstance(self.window_days, Mapping):
            raise TypeError("cancellation: routes and window_days are mappings keyed by ProductKind")
        for kind, route in self.routes.items():
            if route is Route.WINDOW and kind not in self.window_days:
                raise _fail(
                    f"cancellation.window_days.{kind.value}",
                    None,
                    "a kind cancelled in a window needs its window length",
                )


@attrs.frozen(kw_only=True)
class CreditRules:
    """R8.4: the credit a cancellation brings, on the next monthly invoice."""

    by_kind: FrozenMap[ProductKind, CreditRule] = _param(
        _p_map(_p_enum(ProductKind), _p_enum(CreditRule)), rule="R8.4", doc="credit rule per product kind"
    )
    cancellation_day_credited: bool = _param(
        _p_bool, rule="R8.4", doc="whether the day of the cancellation counts as unused (credited)"
    )
    rounding: str = _param(
        _p_rounding, default=ROUND_HALF_UP, rule="R8.4", doc="rounding of the credit, once"
    )
    rounding_method: CreditRounding = _param(
        _p_enum(CreditRounding),
        default=CreditRounding.LINE_HALF_UP,
        rule="R8.4",
        doc="where a prorated credit is rounded: the line, half up, or each unit, down",
    )


@attrs.frozen(kw_only=True)
class LinkRules:
    """R5.2, R5.3, R11.1: download links; a version may state no link rule at all."""

    stated: bool = _param(
        _p_bool, default=True, rule="R11.1", doc="whether this version states a link rule (R5.2, R5.3)"
    )
    lifetime_days: int | None = _param(
        _p_int(1, 3660), default=None, rule="R5.2", doc="a link is usable for this many 24-hour days"
    )
    download_cap: int | None = _param(
        _p_int(1, _MAX_INT), default=None, rule="R5.2", doc="downloads per grant; the last one succeeds"
    )
    renewable: bool = _param(
        _p_bool, default=True, rule="R5.3", doc="'Get keys and downloads' again gives a fresh grant"
    )

    def __attrs_post_init__(self) -> None:
        given = (self.lifetime_days is not None, self.download_cap is not None)
        if self.stated and given != (True, True):
            missing = "links.lifetime_days" if self.lifetime_days is None else "links.download_cap"
            raise _fail(missing, None, "a stated link rule gives both lifetime_days and download_cap")
        if not self.stated and any(given):
            extra = "links.lifetime_days" if self.lifetime_days is not None else "links.download_cap"
            raise _fail(
                extra, None, "a version that states no link rule (stated: false) gives no lifetime or cap"
            )


@attrs.frozen(kw_only=True)
class TaxRules:
    """R4: whether listed prices include tax, and how a price splits into net and tax."""

    inclusive_markets: frozenset[str] = _param(
        _p_set(_p_market), rule="R4.1", doc="markets whose listed prices include tax"
    )
    default_basis: TaxBasis = _param(
        _p_enum(TaxBasis), rule="R4", doc="what a tax rate applies to by default"
    )
    basis_by_market: FrozenMap[str, TaxBasis] = _param(
        _p_map(_p_market, _p_enum(TaxBasis)), default=FrozenMap(), rule="R4", doc="per-market tax basis"
    )
    rounding: str = _param(_p_rounding, default=ROUND_HALF_UP, rule="R4", doc="rounding of the rounded part")

    def basis_for(self, market_code: str) -> TaxBasis:
        """The tax basis for a market code."""
        basis: TaxBasis = self.basis_by_market.get(market_code, self.default_basis)
        return basis


@attrs.frozen(kw_only=True)
class ReservationRules:
    """R3: markets where Azure reservations are unavailable, and which published list that is."""

    unavailable_markets: frozenset[str] = _param(
        _p_set(_p_market), rule="R3", doc="ISO 3166-1 alpha-2 codes where reservations are unavailable"
    )
    list_docs: str = _param(_p_str, rule="R3.4", doc="documentation family of the list (dashboard or api)")
    list_first_seen: date = _param(_p_date, rule="R3.4", doc="when this list was first seen")
    list_source: str = _param(_p_str, rule="R3.4", doc="where this list was published")
    from_history: bool = _param(
        _p_bool,
        default=True,
        rule="R3.4",
        doc="whether a dated question is answered by the published list in force on that date (else by this list)",
    )


@attrs.frozen(kw_only=True)
class RoleRules:
    """R1: which roles may do what."""

    permissions: FrozenMap[Action, frozenset[Role]] = _param(
        _p_map(_p_enum(Action), _p_set(_p_enum(Role))), rule="R1.1–R1.4", doc="roles allowed per action"
    )


@attrs.frozen(kw_only=True)
class ActivityLogRules:
    """R6: the activity log of key access and downloads."""

    documented: bool = _param(_p_bool, rule="R6", doc="whether this version documents the activity log")


@attrs.frozen(kw_only=True)
class HybridBenefitRules:
    """R2: Azure Hybrid Benefit."""

    eligible_editions: frozenset[str] = _param(
        _p_set(_p_str), rule="R2", doc="Windows Server editions that are eligible (lower case)"
    )
    requires_software_assurance: bool = _param(
        _p_bool, rule="R2", doc="whether Software Assurance is required"
    )
    savings_claim: str = _param(_p_str, rule="R2", doc="the documented savings claim, quoted, not computed")


@attrs.frozen(kw_only=True)
class SupportRequestRules:
    """R9: the support request that cancels what self-service cannot."""

    problem_type: str = _param(_p_str, rule="R9", doc="the problem type to choose")
    problem_type_fr: str = _param(_p_str, rule="R9", doc="the same, as the French page names it")


@attrs.frozen(kw_only=True)
class UncertaintySpan:
    """The dates a version's change may really have happened on (R11.3): ``[start, end]``, UTC dates,
    both inclusive; ``note`` says what the sources say."""

    start: date = _param(_p_date, rule="R11.3", doc="the first date the change may have been in force")
    end: date = _param(_p_date, rule="R11.3", doc="the last date by which the change is known (inclusive)")
    note: str = _param(_p_str, default="(none)", rule="R11.3", doc="what the sources say")

    def __attrs_post_init__(self) -> None:
        if isinstance(self.start, date) and isinstance(self.end, date) and self.end < self.start:
            raise _fail("uncertainty.end", self.end.isoformat(), "the span ends before it starts")

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end


@attrs.frozen(kw_only=True)
class RuleSet:
    """One version of the CSP rules: every parameter RULES.md names, with provenance.

    Build one with :func:`load_ruleset` (a file), :func:`ruleset_from_dict` (a mapping), or
    :func:`attrs.evolve` on a shipped one. Rule sets compare, hash and pickle by value.
    """

    version: str = _param(_p_str, doc="version id, e.g. S2020")
    title: str = _param(_p_str, doc="what this version is")
    in_force_from: date = _param(
        _p_date, rule="R11.5", doc="first day this version is in force (it ends where the next one starts)"
    )
    sources: tuple[Source, ...] = _param(_p_seq(_p_nested(Source), limit=50), doc="documents encoded")
    cancellation: CancellationRules = _param(_p_nested(CancellationRules), rule="R7", doc="cancellation")
    credits: CreditRules = _param(_p_nested(CreditRules), rule="R8.4", doc="credits")
    links: LinkRules = _param(_p_nested(LinkRules), rule="R5", doc="download links")
    tax: TaxRules = _param(_p_nested(TaxRules), rule="R4", doc="prices and tax")
    reservations: ReservationRules = _param(_p_nested(ReservationRules), rule="R3", doc="reservation markets")
    roles: RoleRules = _param(_p_nested(RoleRules), rule="R1", doc="roles")
    activity_log: ActivityLogRules = _param(_p_nested(ActivityLogRules), rule="R6", doc="activity log")
    hybrid_benefit: HybridBenefitRules = _param(
        _p_nested(HybridBenefitRules), rule="R2", doc="hybrid benefit"
    )
    support_request: SupportRequestRules = _param(
        _p_nested(SupportRequestRules), rule="R9", doc="support request"
    )
    changes: tuple[str, ...] = _param(
        _p_seq(_p_str, limit=50), default=(), rule="R11", doc="what this version changes from the one before"
    )
    uncertainty: UncertaintySpan | None = _param(
        _p_nested(UncertaintySpan),
        default=None,
        rule="R11.3",
        doc="the dates the change may really have happened on (not inherited through extends)",
    )
    verified_until: date | None = _param(
        _p_date,
        default=None,
        rule="R11.4",
        doc="the last date this version was checked against the sources (not inherited through extends)",
    )

    def to_dict(self) -> dict[str, Any]:
        """A plain JSON-able mapping that :func:`ruleset_from_dict` reads back to an equal rule set."""
        data: dict[str, Any] = {"format": FORMAT_VERSION}
        data.update(_dump(self))
        return data

    def to_json(self) -> str:
        """The rule set as a JSON document (round-trips through :func:`load_ruleset`)."""
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"

    def __repr__(self) -> str:
        return f"<RuleSet {self.version} in force from {self.in_force_from.isoformat()}>"

    def _repr_html_(self) -> str:
        from html import escape

        rows = "".join(
            f"<tr><td><code>{escape(p.path)}</code></td><td>{escape(_clip(p.display))}</td><td>{escape(p.rule)}</td></tr>"
            for p in describe(self)
        )
        return (
            f"<table><caption>Rule set <b>{escape(self.version)}</b>, in force from "
            f"{self.in_force_from.isoformat()}</caption><tr><th>parameter</th><th>value</th><th>rule</th></tr>"
            f"{rows}</table>"
        )


def _clip(text: str, limit: int = 160) -> str:
    """A long value cut for display (the exclusions' name patterns run to kilobytes)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- loading --------------------------------------------------------------------------------


def _deep_merge(
    base: Mapping[str, Any], override: Mapping[str, Any], path: str, depth: int = 0
) -> dict[str, Any]:
    if depth > 20:
        raise _fail(path or "(top)", None, "nesting is too deep")
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = _deep_merge(out[key], value, f"{path}.{key}" if path else str(key), depth + 1)
        else:
            out[key] = value
    return out


#: what a version built with ``"extends"`` does not take from its base: its changes, its uncertainty
#: span and its verified-until date are the base's own (R11.3, R11.4)
_NOT_INHERITED: Final = ("changes", "uncertainty", "verified_until")


def ruleset_from_dict(data: Mapping[str, Any]) -> RuleSet:
    """Build a :class:`RuleSet` from a mapping, validating every field.

    The mapping may hold ``"extends": "S2020"`` (a shipped version id): it then overrides only the
    fields it names, tables merged key by key and lists replaced whole, and takes neither the base's
    ``changes``, ``uncertainty`` nor ``verified_until`` (R11.3, R11.4: they describe the base's own
    history). A version that names its own ``reservations.unavailable_markets`` answers reservation
    questions by that list from its ``in_force_from`` (R3.4). ``"format"`` (1) is optional.

    >>> r = ruleset_from_dict({"extends": "S2020", "version": "ACME-7D", "in_force_from": "2024-01-01",
    ...                        "cancellation": {"window_days": {"software_subscription": 7}}})
    >>> r.version, r.cancellation.window_days[ProductKind.SOFTWARE_SUBSCRIPTION]
    ('ACME-7D', 7)
    """
    return _from_dict(data, shipped=False)


def _from_dict(data: Mapping[str, Any], *, shipped: bool) -> RuleSet:
    """:func:`ruleset_from_dict`; ``shipped`` only for the package's own files, which may (must)
    carry the shipped names."""
    if not isinstance(data, Mapping):
        raise _fail("(top)", data, "a rule set is a table (mapping)")
    data = dict(data)
    fmt = data.pop("format", FORMAT_VERSION)
    if fmt != FORMAT_VERSION or isinstance(fmt, bool):
        raise _fail("format", fmt, f"this csp_rules reads rule-set format {FORMAT_VERSION}")
    extends = data.pop("extends", None)
    if extends is not None:
        base_id = _p_str(extends, "extends")
        bases = {r.version: r for r in shipped_rulesets()}
        if base_id not in bases:
            raise _fail("extends", extends, f"expected a shipped version: {', '.join(bases)}")
        base = bases[base_id].to_dict()
        base.pop("format")
        for own in _NOT_INHERITED:  # a version's own history, never another's (R11.3, R11.4)
            base.pop(own, None)
        reservations = data.get("reservations")
        if isinstance(reservations, Mapping) and "unavailable_markets" in reservations:
            # a version that sets its own list answers by it, not by the published history (R3.4)
            data["reservations"] = {"from_history": False, **reservations}
        links = data.get("links")
        if isinstance(links, Mapping) and links.get("stated") is False:
            # "no link rule stated" (R11.1) keeps no lifetime or cap of the base
            for name in ("lifetime_days", "download_cap"):
                base.get("links", {}).pop(name, None)
        data = _deep_merge(base, data, "")
    rules = _build(RuleSet, data, "")
    if not shipped:
        _check_name(rules)
    return rules


def _check_name(rules: RuleSet) -> None:
    """A shipped version's name (S2018, S2020, in any case) belongs to that version: a user's rule set
    may carry it only when it is that very rule set (a copy read back), never a variant of it, which
    decisions would then report as the shipped rules."""
    name = rules.version.strip().casefold()
    for shipped in shipped_rulesets():
        if name == shipped.version.casefold() and rules != shipped:
            raise _fail(
                "version",
                rules.version,
                f"{shipped.version} is the name of a rule set shipped with csp_rules; give yours its own "
                f'name (e.g. \'ACME-{shipped.version}\'), and "extends": "{shipped.version}" to start from it',
            )


def _parse_text(text: str, suffix: str, name: str) -> Any:
    if suffix == ".json":
        try:
            return json.loads(text, parse_constant=_refuse_constant, object_pairs_hook=_no_duplicate_keys)
        except _DuplicateKeyError as exc:
            raise _fail("(top)", name, f"the key {exc.args[0]!r} appears twice in the same table") from None
        except RecursionError:
            raise _fail("(top)", name, "the file nests too deeply") from None
        except ValueError as exc:  # JSONDecodeError, int too large to convert
            raise _fail("(top)", name, f"not valid JSON: {exc}") from None
    if suffix == ".toml":
        if sys.version_info >= (3, 11):
            import tomllib
        else:  # pragma: no cover - Python 3.10 only
            try:
                import tomli as tomllib  # type: ignore[import-not-found,no-redef,unused-ignore]
            except ImportError:
                raise _fail(
                    "(top)",
                    name,
                    "reading TOML on Python 3.10 needs the 'tomli' package; or write the rule set as JSON",
                ) from None
        try:
            return tomllib.loads(text)
        except RecursionError:
            raise _fail("(top)", name, "the file nests too deeply") from None
        except ValueError as exc:  # TOMLDecodeError, int too large to convert
            raise _fail("(top)", name, f"not valid TOML: {exc}") from None
    raise _fail("(top)", name, "a rule-set file is .json or .toml")


class _DuplicateKeyError(Exception):
    """Raised inside the JSON parser, which knows no field path; reported as a RuleSetFileError."""


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object whose keys are unique: a reviewer sees one value, a last-wins parser would apply another."""
    data: dict[str, Any] = {}
    for key, value in pairs:
        if key in data:
            raise _DuplicateKeyError(key)
        data[key] = value
    return data


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed in a rule set")


#: limits checked on the text before it is parsed: a parser's time grows with the square of a
#: dotted key's length (a 60 kB TOML key of dotted parts takes tomllib 17 s), and deep nesting
#: exhausts the stack. No rule set comes near: the shipped ones nest 6 deep, with 76 keys.
MAX_NESTING = 32
MAX_KEY_PARTS = 32
MAX_KEYS = 10_000


def load_ruleset(path: str | Path) -> RuleSet:
    """Read a rule set from a JSON or TOML file (UTF-8, a byte-order mark allowed; at most 1 MiB),
    validating every field.

    The file must be a regular file (a named pipe or a device is refused, never waited on). Its
    text is checked before it is parsed: at most :data:`MAX_NESTING` levels of nesting,
    :data:`MAX_KEY_PARTS` parts in a dotted key and :data:`MAX_KEYS` keys. Every market code
    must be a known market; a shipped version's name (S2018, S2020) is reserved for that version.

    Errors are :class:`~csp_rules.errors.RuleSetFileError` naming the dotted field path and the
    value. The shipped S2018 and S2020 are read by this same loader.
    """
    if not isinstance(path, (str, Path)):
        raise TypeError(f"path: expected a str or Path, got {type(path).__name__}")
    p = Path(path)
    return _load_bytes(_read_file(p), p.suffix.lower(), str(p))


def _read_file(p: Path) -> bytes:
    """The bytes of a regular file (at most 1 MiB + 1); a FIFO, a device or a directory is refused
    before it is opened, and opening never blocks."""

    def fail(why: str) -> RuleSetFileError:
        return RuleSetFileError(f"cannot read rule-set file {str(p)!r}: {why}", field="(file)", value=str(p))

    try:
        if not str(p):
            raise fail("no file name")
        info = os.stat(p)
        if stat.S_ISDIR(info.st_mode):
            raise fail("it is a directory")
        if not stat.S_ISREG(info.st_mode):
            raise fail("not a regular file (a named pipe, a device or a socket)")
        # O_NONBLOCK: were it swapped for a FIFO since the check, opening still does not wait
        fd = os.open(p, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise fail("not a regular file (a named pipe, a device or a socket)")
            chunks = []
            left = MAX_FILE_BYTES + 1
            while left > 0:
                chunk = os.read(fd, min(left, 1 << 16))
                if not chunk:
                    break
                chunks.append(chunk)
                left -= len(chunk)
        finally:
            os.close(fd)
    except RuleSetFileError:
        raise
    except (OSError, ValueError) as exc:  # ValueError: a NUL byte or a lone surrogate in the path
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise fail(why) from None
    return b"".join(chunks)


def _load_bytes(raw: bytes, suffix: str, name: str, *, shipped: bool = False) -> RuleSet:
    if len(raw) > MAX_FILE_BYTES:
        raise RuleSetFileError(f"rule-set file {name!r} is larger than 1 MiB", field="(file)", value=name)
    if raw.startswith(b"\xef\xbb\xbf"):  # a UTF-8 byte-order mark, as Windows editors write
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise RuleSetFileError(f"rule-set file {name!r} is not UTF-8", field="(file)", value=name) from None
    if suffix in (".json", ".toml"):
        _prescan(text, suffix, name)
    data = _parse_text(text, suffix, name)
    data = _check_finite(data, "", 0)
    return _from_dict(data, shipped=shipped)


#: what starts a string (or, in TOML, a comment) in a rule-set file
_SPECIAL = {".json": re.compile(r'"'), ".toml": re.compile(r"[\"'#]")}
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_TOML_BASIC = re.compile(r'"(?:[^"\\\n]|\\.)*"')
_TOML_MULTI_BASIC = re.compile(r'"""(?:[^"\\]|\\[\s\S]|"(?!""))*""""{0,2}')
_TOML_MULTI_LITERAL = re.compile(r"'''[\s\S]*?''''{0,2}")
_TOML_LITERAL = re.compile(r"'[^'\n]*'")
#: what ends a key in the text left once strings and comments are blanked
_KEY_END = re.compile(r"[\n=,\[\]{}:]")


def _blank_strings(text: str, suffix: str) -> str:
    """``text`` with every string replaced by ``s`` and every TOML comment dropped, in one linear
    pass; an unclosed string runs to the end of its line (the parser then refuses it)."""
    special = _SPECIAL[suffix]
    out = []
    pos = 0
    end_of_text = len(text)
    while True:
        found = special.search(text, pos)
        if found is None:
            out.append(text[pos:])
            return "".join(out)
        start = found.start()
        out.append(text[pos:start])
        char = text[start]
        if char == "#":
            end = text.find("\n", start)
            pos = end_of_text if end < 0 else end
            continue
        if suffix == ".json":
            match = _JSON_STRING.match(text, start)
        elif text.startswith(char * 3, start):
            match = (_TOML_MULTI_BASIC if char == '"' else _TOML_MULTI_LITERAL).match(text, start)
            if match is None:
                out.append("s")
                return "".join(out)
        else:
            match = (_TOML_BASIC if char == '"' else _TOML_LITERAL).match(text, start)
        if match is None:
            end = text.find("\n", start)
            pos = end_of_text if end < 0 else end
        else:
            pos = match.end()
        out.append("s")


def _prescan(text: str, suffix: str, name: str) -> None:
    """Refuse, before any parsing, a text nested deeper than :data:`MAX_NESTING`, with a dotted key
    of more than :data:`MAX_KEY_PARTS` parts, or with more than :data:`MAX_KEYS` keys."""
    bare = _blank_strings(text, suffix)

    def fail(why: str) -> RuleSetFileError:
        return _fail("(top)", name, why)

    depth = deepest = 0
    for match in re.finditer(r"[\[\]{}]", bare):
        if match.group() in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > MAX_NESTING:
                    raise fail(f"the file nests more than {MAX_NESTING} levels deep")
        else:
            depth = max(0, depth - 1)
    keys = bare.count(":") if suffix == ".json" else bare.count("=") + len(re.findall(r"(?m)^[ \t]*\[", bare))
    if keys > MAX_KEYS:
        raise fail(f"the file has more than {MAX_KEYS:,} keys")
    if suffix == ".toml":
        for part in _KEY_END.split(bare):
            if part.count(".") >= MAX_KEY_PARTS:
                raise fail(f"a dotted key has more than {MAX_KEY_PARTS} parts")


def _check_finite(value: Any, path: str, depth: int) -> Any:
    if depth > 32:
        raise _fail(path or "(top)", None, "nesting is too deep")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise _fail(path, value, "numbers must be finite")
    elif isinstance(value, Mapping):
        for k, v in value.items():
            _check_finite(v, f"{path}.{k}" if path else str(k), depth + 1)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _check_finite(v, f"{path}[{i}]", depth + 1)
    return value


def _load_shipped() -> tuple[RuleSet, ...]:
    folder = resources.files("csp_rules") / "data" / "rulesets"
    sets = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".json"):
            name = f"csp_rules/data/rulesets/{entry.name}"
            sets.append(_load_bytes(entry.read_bytes(), ".json", name, shipped=True))
    sets.sort(key=lambda r: r.in_force_from)
    return tuple(sets)


_SHIPPED: Once[tuple[RuleSet, ...]] = Once(_load_shipped)


def shipped_rulesets() -> tuple[RuleSet, ...]:
    """The rule sets shipped with csp_rules, oldest first (S2018, S2020, then the R11 versions)."""
    return _SHIPPED()


# --- the chain of versions (R11.5) ----------------------------------------------------------


def _day(on: Any, field: str = "on") -> date:
    if isinstance(on, datetime):
        from ._time import require_aware

        return require_aware(on, field).date()
    if isinstance(on, date):
        return on
    raise TypeError(f"{field}: expected a date, got {type(on).__name__}")


@attrs.frozen(init=False)
class RuleChain:
    """The dated versions of the rules in force over time (RULES.md R11.5).

    Each version is in force from its ``in_force_from`` until the next one starts; a date before the
    first is an error, never a guess. :func:`shipped_chain` is the chain csp_rules ships;
    :meth:`with_version` adds a user's version to a chain without replacing the others: a user's
    2024 version never answers for a 2019 purchase. Two versions may not share a name (compared
    without case) or a first day. A chain compares, hashes and pickles by value.

    >>> chain = shipped_chain().with_version(
    ...     ruleset_from_dict({"extends": "S2022-07-11", "version": "ACME-2024", "in_force_from": "2024-01-01"}))
    >>> [chain.in_force(d).version for d in (date(2019, 5, 1), date(2023, 1, 1), date(2024, 6, 1))]
    ['S2018', 'S2022-07-11', 'ACME-2024']
    >>> chain.until(chain.in_force(date(2023, 1, 1)))
    datetime.date(2023, 12, 31)
    """

    versions: tuple[RuleSet, ...]

    def __init__(self, versions: Any) -> None:
        if isinstance(versions, (RuleSet, str, bytes)) or not hasattr(versions, "__iter__"):
            raise TypeError(f"versions: expected an iterable of RuleSet, got {type(versions).__name__}")
        items = tuple(versions)
        for i, rules in enumerate(items):
            if not isinstance(rules, RuleSet):
                raise TypeError(f"versions[{i}]: expected a RuleSet, got {type(rules).__name__}")
        if not items:
            raise RuleSetError("versions: a chain has at least one version", field="versions", value=items)
        ordered = tuple(sorted(items, key=lambda r: r.in_force_from))
        for earlier, later in itertools.pairwise(ordered):
            if earlier.in_force_from == later.in_force_from:
                raise RuleSetError(
                    f"in_force_from: {later.version} and {earlier.version} both start on "
                    f"{later.in_force_from.isoformat()}; a chain has one version per first day",
                    field="in_force_from",
                    value=later.in_force_from,
                )
        names: dict[str, str] = {}
        for rules in ordered:
            key = rules.version.strip().casefold()
            if key in names:
                raise RuleSetError(
                    f"version: {rules.version!r} is already the name of {names[key]!r} in this chain",
                    field="version",
                    value=rules.version,
                )
            names[key] = rules.version
        object.__setattr__(self, "versions", ordered)

    def __iter__(self) -> Iterator[RuleSet]:
        return iter(self.versions)

    def __len__(self) -> int:
        return len(self.versions)

    def __repr__(self) -> str:
        return f"<RuleChain {' '.join(r.version for r in self.versions)}>"

    @property
    def newest(self) -> RuleSet:
        """The version in force from the latest date."""
        return self.versions[-1]

    def in_force(self, on: date | datetime) -> RuleSet:
        """The version in force on a date (an aware datetime counts by its UTC date): the latest whose
        ``in_force_from`` is on or before it.

        :raises NoRulesInForceError: the date is before the first version.
        """
        day = _day(on)
        chosen = None
        for rules in self.versions:
            if rules.in_force_from > day:
                break
            chosen = rules
        if chosen is None:
            raise NoRulesInForceError(
                f"on: no rule set of this chain is in force on {day.isoformat()} (the first is "
                f"{self.versions[0].version}, from {self.versions[0].in_force_from.isoformat()})",
                field="on",
                value=on,
            )
        return chosen

    def _index(self, rules: RuleSet) -> int:
        if not isinstance(rules, RuleSet):
            raise TypeError(f"rules: expected a RuleSet, got {type(rules).__name__}")
        for i, candidate in enumerate(self.versions):
            if candidate == rules:
                return i
        raise RuleSetError(
            f"rules: {rules.version} is not a version of this chain", field="rules", value=rules
        )

    def before(self, rules: RuleSet) -> RuleSet | None:
        """The version in force just before ``rules`` (None for the first)."""
        i = self._index(rules)
        return self.versions[i - 1] if i else None

    def until(self, rules: RuleSet) -> date | None:
        """The last day ``rules`` is in force (None for the newest: in force until further notice)."""
        i = self._index(rules)
        if i + 1 == len(self.versions):
            return None
        return self.versions[i + 1].in_force_from - timedelta(days=1)

    def with_version(self, rules: RuleSet) -> RuleChain:
        """This chain with a user's version added (R11.5), in force from its ``in_force_from`` until the
        next version starts. A name or a first day that a version of the chain already has is refused
        (:class:`~csp_rules.errors.RuleSetError`)."""
        if not isinstance(rules, RuleSet):
            raise TypeError(f"rules: expected a RuleSet, got {type(rules).__name__}")
        return RuleChain((*self.versions, rules))


def _load_chain() -> RuleChain:
    return RuleChain(shipped_rulesets())


_CHAIN: Once[RuleChain] = Once(_load_chain)

#: what every ``rules=`` parameter takes: one rule set (judge by exactly it) or a chain of dated versions
Rules = RuleSet | RuleChain


def shipped_chain() -> RuleChain:
    """The chain of the rule sets shipped with csp_rules (R11): S2018 from 2018-08-31 to the newest."""
    return _CHAIN()


def rules_in_force(on: date, *, chain: RuleChain | None = None) -> RuleSet:
    """The rule set in force on a date (an aware datetime counts by its UTC date), in the shipped chain
    or in ``chain``: the latest version whose ``in_force_from`` is on or before it.

    A date before the first version (2018-08-31 in the shipped chain) raises
    :class:`~csp_rules.errors.NoRulesInForceError`.
    """
    if chain is None:
        day = _day(on)
        chosen = None
        for rules in shipped_rulesets():
            if rules.in_force_from <= day:
                chosen = rules
        if chosen is None:
            raise NoRulesInForceError(field="on", value=day)
        return chosen
    if not isinstance(chain, RuleChain):
        raise TypeError(f"chain: expected a RuleChain, got {type(chain).__name__}")
    return chain.in_force(on)


def _check_rules(rules: Any) -> Rules:
    if not isinstance(rules, (RuleSet, RuleChain)):
        raise TypeError(f"rules: expected a RuleSet or a RuleChain, got {type(rules).__name__}")
    return rules


def resolve_rules(rules: Rules | None, on: date) -> RuleSet:
    """The rule set that answers a question about a date (a purchase, a term's start, a link's issue):
    ``rules`` itself if it is one rule set, else the version in force on ``on`` in the chain (the
    shipped one for None)."""
    if rules is None:
        return _shipped_dating(on if type(on) is date else _day(on)).rules
    if isinstance(_check_rules(rules), RuleChain):
        return rules.in_force(on)  # type: ignore[union-attr]
    return rules  # type: ignore[return-value]


def rules_or_newest(rules: Rules | None) -> RuleSet:
    """The rule set that answers a question without a date (a market, a role, a tax split): ``rules``
    itself if it is one rule set, else the newest version of the chain (the shipped one for None)."""
    if rules is None:
        return shipped_rulesets()[-1]
    if isinstance(_check_rules(rules), RuleChain):
        return rules.newest  # type: ignore[union-attr]
    return rules  # type: ignore[return-value]


# --- honest answers about time (R11.3, R11.4) -----------------------------------------------

#: reason codes that say how sure an answer is about its date (messages in ``data/messages/rules.json``)
REASON_CODES: Final[frozenset[str]] = frozenset({"rules.change_date_uncertain", "rules.unverified_after"})


def _flag(differs: object) -> None:
    if not isinstance(differs, bool):
        raise TypeError(f"differs: expected a bool, got {type(differs).__name__}")


@attrs.frozen
class Dating:
    """Which version answers a question about a day, and how sure that is (R11.3, R11.4).

    ``rules`` answers. ``other`` is, when the day lies in the uncertainty span of a version V of the
    chain, the version that would answer had the change happened on the other side of the day (the
    version before V if the day is on or after V's ``in_force_from``, else V); ``span`` is that span.
    ``unverified`` says the day is after the ``verified_until`` of the answering version.
    """

    day: date
    rules: RuleSet
    other: RuleSet | None = None
    span: UncertaintySpan | None = None
    unverified: bool = False

    def reasons(self, differs: bool) -> tuple[str, ...]:
        """The ``rules.*`` reasons to add: ``change_date_uncertain`` only when the other version's answer
        ``differs`` (outcome, deadline or credit), ``unverified_after`` whenever it applies."""
        _flag(differs)
        codes = ("rules.change_date_uncertain",) if differs and self.other is not None else ()
        return (*codes, "rules.unverified_after") if self.unverified else codes

    def facts(self, differs: bool, **other_answer: Any) -> dict[str, Any]:
        """The facts of those reasons: the span and the other version's answer, the verified-until date."""
        _flag(differs)
        facts: dict[str, Any] = {}
        if differs and self.other is not None and self.span is not None:
            facts.update(
                uncertain_from=self.span.start, uncertain_to=self.span.end, other_ruleset=self.other.version,
                **{f"other_{key}": value for key, value in other_answer.items()},
            )  # fmt: skip
        if self.unverified and self.rules.verified_until is not None:
            facts["verified_until"] = self.rules.verified_until
        return facts


def dating(rules: Rules | None, on: date | datetime) -> Dating:
    """The :class:`Dating` of a question about ``on``: the answering version (:func:`resolve_rules`), and,
    for a chain (None is the shipped chain), the other version when ``on`` lies in an uncertainty span
    (R11.3, spans inclusive); for one rule set given, no other version. ``unverified`` whenever ``on``
    is after the answering version's ``verified_until`` (R11.4).

    Every rule answers through here, so the datings are kept: per day for the shipped chain, and per
    day for the last rule sets and chains given (by identity, each kept alive with its datings).

    >>> d = dating(None, date(2022, 1, 15))
    >>> d.rules.version, d.other.version, (d.span.start, d.span.end) == (date(2021, 10, 6), date(2023, 6, 30))
    ('S2021-06-02', 'S2022-07-11', True)
    >>> dating(None, date(2024, 3, 1)).unverified, dating(None, date(2023, 7, 1)).other
    (True, None)
    """
    day = on if type(on) is date else _day(on)
    if rules is None:
        return _shipped_dating(day)
    kept = _DATINGS.get(id(rules))
    if kept is None or kept[0] is not rules:
        _check_rules(rules)
        if len(_DATINGS) >= _KEEP_RULES:
            _DATINGS.clear()
        kept = _DATINGS[id(rules)] = (rules, {})
    days = kept[1]
    found = days.get(day)
    if found is None:
        found = _dating(rules, day)
        if len(days) >= _KEEP_DAYS:
            days.clear()
        days[day] = found
    return found


_KEEP_RULES: Final = 64
_KEEP_DAYS: Final = 4096
# id(rules) -> (rules, day -> Dating): the rules are kept alive with their datings, so an id is
# never another object's while its entry lives
_DATINGS: dict[int, tuple[Rules, dict[date, Dating]]] = {}


@lru_cache(maxsize=8192)
def _shipped_dating(day: date) -> Dating:
    """:func:`dating` under the shipped chain (which never changes), per day."""
    return _dating(None, day)


def _dating(rules: Rules | None, day: date) -> Dating:
    chosen = rules_in_force(day) if rules is None else resolve_rules(rules, day)
    other = span = None
    if not isinstance(rules, RuleSet):
        chain = shipped_chain() if rules is None else rules
        for version in chain.versions:
            if version.uncertainty is not None and day in version.uncertainty:
                span = version.uncertainty
                other = chain.before(version) if day >= version.in_force_from else version
                break
        if other is None:
            span = None
    verified = chosen.verified_until
    return Dating(
        day=day, rules=chosen, other=other, span=span, unverified=verified is not None and day > verified
    )


# --- description ----------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class Parameter:
    """One parameter of a rule set, for printing and for the rules reference."""

    path: str
    value: Any
    rule: str
    doc: str

    @property
    def display(self) -> str:
        """The value as text."""
        dumped = _dump(self.value)
        if isinstance(dumped, (dict, list)):
            return json.dumps(dumped, ensure_ascii=False)
        return str(dumped)


def _walk(obj: Any, prefix: str, inherited: str) -> Iterator[Parameter]:
    for field in attrs.fields(type(obj)):
        value = getattr(obj, field.name)
        rule = field.metadata.get("rule") or inherited
        path = f"{prefix}{field.name}"
        if attrs.has(type(value)):
            yield from _walk(value, path + ".", rule)
        elif isinstance(value, tuple) and value and attrs.has(type(value[0])):
            for i, item in enumerate(value):
                yield from _walk(item, f"{path}[{i}].", rule)
        else:
            yield Parameter(path=path, value=value, rule=rule, doc=field.metadata.get("doc", ""))


def describe(rules: RuleSet) -> tuple[Parameter, ...]:
    """Every parameter of a rule set with its dotted path, value, RULES.md number and description."""
    if not isinstance(rules, RuleSet):
        raise TypeError(f"rules: expected a RuleSet, got {type(rules).__name__}")
    return tuple(_walk(rules, "", ""))
