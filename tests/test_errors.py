"""The error tree (issue 2): rooted in ValueError, default messages, values kept, pickling."""

from __future__ import annotations

import inspect
import pickle

import pytest

from csp_rules import errors
from csp_rules.errors import (
    AmbiguousMarketError,
    CspRulesError,
    FieldProblem,
    UnknownMarketError,
    ValidationError,
)

ALL_ERRORS = [
    obj
    for _, obj in inspect.getmembers(errors, inspect.isclass)
    if issubclass(obj, Exception) and obj.__module__ == errors.__name__ and not obj.__name__.startswith("_")
]


def test_every_public_error_is_exported() -> None:
    assert {cls.__name__ for cls in ALL_ERRORS} == set(errors.__all__) - {"FieldProblem"}


def test_tree_is_rooted_in_value_error() -> None:
    assert issubclass(CspRulesError, ValueError)
    for cls in ALL_ERRORS:
        assert issubclass(cls, CspRulesError), cls


def test_codes_are_unique_and_namespaced() -> None:
    codes = [cls.code for cls in ALL_ERRORS]
    assert len(codes) == len(set(codes))
    assert all(code.startswith("error") for code in codes)


@pytest.mark.parametrize("cls", [c for c in ALL_ERRORS if c is not ValidationError], ids=lambda c: c.__name__)
def test_default_message_keeps_value_and_pickles(cls: type[CspRulesError]) -> None:
    err = cls(value="bad-value", field="some_field")
    assert err.value == "bad-value"
    assert err.field == "some_field"
    assert str(err)
    back = pickle.loads(pickle.dumps(err))
    assert type(back) is cls
    assert (str(back), back.value, back.field) == (str(err), err.value, err.field)


def test_extra_attributes_survive_pickling() -> None:
    err = UnknownMarketError(value="Frnace", suggestions=("France",))
    back = pickle.loads(pickle.dumps(err))
    assert back.suggestions == ("France",)
    assert "France" in str(back)
    amb = pickle.loads(pickle.dumps(AmbiguousMarketError(value="Kongo", candidates=("CD", "CG"))))
    assert amb.candidates == ("CD", "CG")


def test_validation_error_lists_every_problem() -> None:
    err = ValidationError([FieldProblem("email", "not an email", "x"), FieldProblem("phone", "too short")])
    assert len(err.problems) == 2
    assert "email" in str(err) and "phone" in str(err)
    back = pickle.loads(pickle.dumps(err))
    assert back.problems == err.problems


def test_huge_values_give_short_messages() -> None:
    err = errors.InvalidFieldError(value="x" * 1_000_000, field="f")
    assert len(str(err)) < 200
    assert err.value == "x" * 1_000_000
