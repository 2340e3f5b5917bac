"""Errors raised by csp_rules.

Every error the library raises on bad input is a :class:`CspRulesError`, which subclasses
:class:`ValueError`, so ``except ValueError`` keeps working for callers that do not know this
library. Each error

* has a default message (a subclass sets :attr:`CspRulesError.default_message`),
* keeps the offending value as :attr:`~CspRulesError.value` and, where one applies, the name of
  the field it came from as :attr:`~CspRulesError.field`,
* carries a stable :attr:`~CspRulesError.code` (``"error.unknown_market"``) that batch results
  and the command line report, and
* survives :mod:`pickle` (pipelines send errors between processes).

Non-strings where a string is required raise :class:`TypeError` (documented per function); that
is a programming error rather than bad data.

>>> from csp_rules.errors import CspRulesError, NaiveDatetimeError
>>> issubclass(NaiveDatetimeError, ValueError)
True
>>> err = NaiveDatetimeError(field="at", value="2020-01-01 00:00")
>>> err.field, err.code
('at', 'error.naive_datetime')
>>> print(err)
at: a timezone-aware datetime is required, got '2020-01-01 00:00'
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

__all__ = [
    "AmbiguousMarketError",
    "CspRulesError",
    "CurrencyError",
    "CurrencyMismatchError",
    "FieldProblem",
    "InvalidAmountError",
    "InvalidDateError",
    "InvalidFieldError",
    "InvalidInputError",
    "InvalidMarketTextError",
    "LinkError",
    "MarketError",
    "MissingColumnsError",
    "MissingFieldError",
    "MoneyError",
    "NaiveDatetimeError",
    "NoRuleStatedError",
    "NoRulesInForceError",
    "NotAMarketError",
    "NotCancellableError",
    "RoleError",
    "RuleSetError",
    "RuleSetFileError",
    "UnknownCurrencyError",
    "UnknownKindError",
    "UnknownMarketError",
    "UnknownRoleError",
    "UnsupportedLocaleError",
    "ValidationError",
]

_UNSET: Any = object()


def shorten(value: object, limit: int = 80) -> str:
    """``repr`` of a value, cut to ``limit`` characters so a megabyte string stays readable; a date or
    a time in ISO 8601 (``2018-05-01``), never as Python's ``datetime.date(2018, 5, 1)``."""
    text = value.isoformat() if isinstance(value, (_dt.date, _dt.time)) else repr(value)
    if len(text) > limit:
        text = text[: limit - 15] + f"...<{len(text)} chars>"
    return text


def _rebuild(cls: type[CspRulesError], message: str, state: dict[str, Any]) -> CspRulesError:
    err = cls.__new__(cls)
    Exception.__init__(err, message)
    err.__dict__.update(state)
    return err


class CspRulesError(ValueError):
    """Root of every error csp_rules raises on bad input.

    :param message: the message; defaults to :attr:`default_message` formatted with ``field``
        and the value's ``repr``.
    :param value: the offending value, kept as :attr:`value`.
    :param field: the name of the field or argument it came from, kept as :attr:`field`.
    """

    #: stable code, reported in batch results (``error_code``) and by the CLI
    code: ClassVar[str] = "error"
    #: message template; ``{field}`` and ``{value}`` (a shortened ``repr``) are filled in
    default_message: ClassVar[str] = "{field}: invalid value {value}"

    value: Any
    field: str | None

    def __init__(self, message: str | None = None, *, value: Any = _UNSET, field: str | None = None) -> None:
        self.value = None if value is _UNSET else value
        self.field = field
        if message is None:
            message = self.default_message.format(field=field or "value", value=shorten(self.value))
        self.message = message
        super().__init__(message)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), self.message, dict(self.__dict__)))

    def __str__(self) -> str:
        return self.message


# --- input values ---------------------------------------------------------------------------


class InvalidInputError(CspRulesError):
    """A value given to a function is not acceptable."""

    code = "error.invalid_input"


class InvalidFieldError(InvalidInputError):
    """A field has a value of the right type but out of its domain."""

    code = "error.invalid_field"


class MissingFieldError(InvalidInputError):
    """A field the rule needs was not given."""

    code = "error.missing_field"
    default_message = "{field}: this field is required"


class NaiveDatetimeError(InvalidInputError):
    """A datetime without a time zone where an instant is required."""

    code = "error.naive_datetime"
    default_message = "{field}: a timezone-aware datetime is required, got {value}"


class InvalidDateError(InvalidInputError):
    """A date or time that cannot be parsed, or is out of range, or out of order."""

    code = "error.invalid_date"
    default_message = "{field}: invalid date or time {value}"


class UnsupportedLocaleError(InvalidInputError):
    """A locale for which csp_rules has no messages (English and French are supported)."""

    code = "error.unsupported_locale"
    default_message = "{field}: unsupported locale {value}; use 'en' or 'fr' (or a variant such as 'fr_CA')"


class FieldProblem:
    """One problem found while validating a record: the field, the value and what is wrong."""

    __slots__ = ("field", "message", "value")

    def __init__(self, field: str, message: str, value: Any = None) -> None:
        self.field = field
        self.message = message
        self.value = value

    def __repr__(self) -> str:
        return f"FieldProblem({self.field!r}, {self.message!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FieldProblem):
            return NotImplemented
        return (self.field, self.message) == (other.field, other.message)

    def __hash__(self) -> int:
        return hash((self.field, self.message))

    def __reduce__(self) -> tuple[Any, ...]:
        return (FieldProblem, (self.field, self.message, self.value))


class ValidationError(InvalidInputError):
    """Several problems found at once in one record; :attr:`problems` lists them all."""

    code = "error.validation"

    problems: tuple[FieldProblem, ...]

    def __init__(
        self, problems: Sequence[FieldProblem], *, value: Any = _UNSET, field: str | None = None
    ) -> None:
        self.problems = tuple(problems)
        lines = "; ".join(f"{p.field}: {p.message}" for p in self.problems)
        count = "1 problem" if len(self.problems) == 1 else f"{len(self.problems)} problems"
        super().__init__(f"{count}: {lines}", value=value, field=field)


class _SuggestingError(InvalidInputError):
    """An unknown name, with the closest known names as :attr:`suggestions` (used in its message)."""

    #: what was not recognised ("market", "role"), for the default message
    noun: ClassVar[str] = "value"

    suggestions: tuple[str, ...]

    def __init__(
        self,
        message: str | None = None,
        *,
        value: Any = _UNSET,
        field: str | None = None,
        suggestions: Sequence[str] = (),
        localized: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        self.suggestions = tuple(suggestions)
        #: the suggestions in other languages (``{"fr": ("Albanie (AL)",)}``), for their messages
        self.localized_suggestions = {k: tuple(v) for k, v in (localized or {}).items()}
        if message is None:
            message = f"{field or self.noun}: unknown {self.noun} {shorten(value)}"
            if self.suggestions:
                message += "; did you mean " + ", ".join(repr(s) for s in self.suggestions) + "?"
        super().__init__(message, value=value, field=field)


# --- money ----------------------------------------------------------------------------------


class MoneyError(InvalidInputError):
    """A money amount or currency is not acceptable."""

    code = "error.money"


class InvalidAmountError(MoneyError):
    """An amount that is a float, NaN, infinite, unparsable or negative where it may not be."""

    code = "error.invalid_amount"
    default_message = "{field}: invalid amount {value}"


class CurrencyError(MoneyError):
    """A currency problem."""

    code = "error.currency"


class UnknownCurrencyError(CurrencyError):
    """A currency code that is not an ISO 4217 code known to CLDR."""

    code = "error.unknown_currency"
    default_message = "{field}: unknown currency {value}; expected an ISO 4217 code such as 'EUR'"


class CurrencyMismatchError(CurrencyError):
    """Arithmetic or comparison between amounts in different currencies."""

    code = "error.currency_mismatch"
    default_message = "{field}: amounts in different currencies {value}"


# --- markets --------------------------------------------------------------------------------


class MarketError(InvalidInputError):
    """A market that cannot be resolved to exactly one ISO 3166-1 alpha-2 code."""

    code = "error.market"


class UnknownMarketError(_SuggestingError, MarketError):
    """No market has this code or name; :attr:`suggestions` lists the closest known names."""

    code = "error.unknown_market"
    noun = "market"


class AmbiguousMarketError(MarketError):
    """A name that means several markets; :attr:`candidates` lists their codes."""

    code = "error.ambiguous_market"

    candidates: tuple[str, ...]

    def __init__(
        self,
        message: str | None = None,
        *,
        value: Any = _UNSET,
        field: str | None = None,
        candidates: Sequence[str] = (),
    ) -> None:
        self.candidates = tuple(candidates)
        if message is None:
            message = (
                f"{field or 'market'}: {shorten(value)} names several markets ("
                + ", ".join(self.candidates)
                + "); give a code or a language hint"
            )
        super().__init__(message, value=value, field=field)


class NotAMarketError(MarketError):
    """A region or grouping (Europe, EU, UN, ``150``) given where a market is required (R3.3)."""

    code = "error.not_a_market"
    default_message = "{field}: {value} is a region or grouping, not a market (R3.3)"


class InvalidMarketTextError(MarketError):
    """Text that cannot be a market code or name: empty, longer than any name, or with control characters."""

    code = "error.invalid_market_text"
    default_message = "{field}: {value} cannot be a market code or name"


# --- roles ----------------------------------------------------------------------------------


class RoleError(InvalidInputError):
    """A role problem."""

    code = "error.role"


class UnknownRoleError(_SuggestingError, RoleError):
    """A role name that is not a Partner Center role; :attr:`suggestions` lists close ones."""

    code = "error.unknown_role"
    noun = "role"


# --- links ----------------------------------------------------------------------------------


class LinkError(InvalidInputError):
    """A download-link operation that the rules refuse (for example renewing a revoked link)."""

    code = "error.link"


class NoRuleStatedError(CspRulesError):
    """A question the rule set in force does not answer: it states no rule for it (R11.1, a link's
    renewal under a version without a link rule). Not a prohibition: the rules are silent."""

    code = "error.no_rule_stated"
    default_message = "{field}: the rules in force state no rule for this (got {value})"


# --- cancellation ---------------------------------------------------------------------------


class NotCancellableError(InvalidInputError):
    """The effects of a cancellation were asked for a purchase that cannot be cancelled at that instant.

    :attr:`value` is the :class:`~csp_rules.cancellation.CancellationDecision` saying why.
    """

    code = "error.not_cancellable"
    default_message = "{field}: this purchase cannot be cancelled then ({value})"


# --- rule sets ------------------------------------------------------------------------------


class RuleSetError(CspRulesError):
    """A rule-set problem."""

    code = "error.ruleset"


class RuleSetFileError(RuleSetError):
    """A rule-set file that cannot be read or does not validate; :attr:`field` is the dotted path."""

    code = "error.ruleset_file"
    default_message = "rule set field {field}: invalid value {value}"


class NoRulesInForceError(RuleSetError):
    """A date before the first rule-set version: the library does not guess older rules."""

    code = "error.no_rules_in_force"
    default_message = (
        "{field}: no csp_rules rule set is in force on {value} (the first is S2018, from 2018-08-31)"
    )


# --- tables ---------------------------------------------------------------------------------


class UnknownKindError(InvalidInputError):
    """A row whose product kind no evidence tells (batch: no ``kind`` column, no reservation ID or
    wording, no software-plan name, and a ``TermAndBillingCycle`` that names no term): never guessed."""

    code = "error.unknown_kind"
    default_message = "{field}: the product kind cannot be told from this row ({value})"


class MissingColumnsError(InvalidInputError):
    """A table lacks columns a requested result needs; :attr:`value` lists them."""

    code = "error.missing_columns"
    default_message = "missing columns: {value}"
