"""Helpers for the tests that check the details of errors and decisions (the mutation-survivor tests)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from csp_rules.errors import CspRulesError, ValidationError


def raises_precisely(
    call: Callable[[], Any],
    error: type[CspRulesError],
    field: str | None,
    *,
    value: Any = ...,
    says: tuple[str, ...] = (),
) -> CspRulesError:
    """``call()`` raises exactly ``error`` (not a subclass) naming ``field``, keeping ``value``,
    and a message that starts with the field (when one applies) and contains every ``says``."""
    with pytest.raises(error) as info:
        call()
    err = info.value
    assert type(err) is error, f"{type(err).__name__} raised, {error.__name__} expected"
    assert err.field == field, f"field {err.field!r}, expected {field!r}"
    if value is not ...:
        assert err.value == value, f"value {err.value!r}, expected {value!r}"
    text = str(err)
    assert text and not text.startswith(("None", "XX")), text
    if field is not None and not isinstance(err, ValidationError):  # that one starts "n problems: "
        assert text.startswith(field), f"{text!r} does not start with {field!r}"
    for fragment in says:
        assert fragment in text, f"{fragment!r} not in {text!r}"
    return err


def type_error_names(call: Callable[[], Any], field: str, type_name: str) -> None:
    """``call()`` raises TypeError whose message starts with ``field`` and names the type received."""
    with pytest.raises(TypeError) as info:
        call()
    text = str(info.value)
    assert text.startswith(field), f"{text!r} does not start with {field!r}"
    assert type_name in text, f"{type_name!r} not in {text!r}"
