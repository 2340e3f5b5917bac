"""Decisions (issue 2): one shape, explained in English and French, immutable and picklable."""

from __future__ import annotations

import enum
import json
import pickle
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import attrs
import pytest

from csp_rules import Money
from csp_rules._l10n import babel_locale
from csp_rules.decision import Decision, format_value, message
from csp_rules.errors import UnsupportedLocaleError


class Answer(enum.Enum):
    YES = "yes"
    NO = "no"


def _decision(**facts: object) -> Decision:
    base = {"market": "FR", "market_name": "France", "list_first_seen": date(2019, 10, 18)}
    base.update(facts)
    return Decision(
        outcome=Answer.YES,
        allowed=True,
        reasons=("reservations.available",),
        rule_numbers=("R3",),
        ruleset_version="S2020",
        facts=base,
    )


def test_explain_in_both_languages_formats_dates_for_the_locale() -> None:
    d = _decision()
    assert "October 18, 2019" in d.explain("en")
    assert "18 octobre 2019" in d.explain("fr")
    assert "18 octobre 2019" in d.explain("fr_CA")
    assert d.explain("en-GB") != "" and "18 October 2019" in d.explain("en-GB")


@pytest.mark.parametrize("locale", ["de", "zz", "", "klingon"])
def test_unsupported_locales_are_errors(locale: str) -> None:
    with pytest.raises(UnsupportedLocaleError):
        _decision().explain(locale)


def test_non_string_locale_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        _decision().explain(5)  # type: ignore[arg-type]


def test_decisions_are_immutable_hashable_and_pickle() -> None:
    d = _decision()
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        d.allowed = False  # type: ignore[misc]
    assert pickle.loads(pickle.dumps(d)) == d
    assert hash(pickle.loads(pickle.dumps(d))) == hash(d)
    assert d.reason == "reservations.available"


def test_to_dict_is_json() -> None:
    d = _decision(
        price=Money("1.50", "EUR"), when=datetime(2020, 1, 1, tzinfo=timezone.utc), share=Decimal("0.5")
    )
    data = json.loads(json.dumps(d.to_dict()))
    assert data["outcome"] == "yes"
    assert data["facts"]["price"] == {"amount": "1.50", "currency": "EUR"}
    assert data["facts"]["when"] == "2020-01-01T00:00:00+00:00"
    assert data["facts"]["share"] == "0.5"
    assert data["rule_numbers"] == ["R3"]


@pytest.mark.parametrize(
    ("value", "en", "fr"),
    [
        (1500, "1,500", "1\u202f500"),
        (Decimal("1234.5"), "1,234.5", "1\u202f234,5"),
        (date(2020, 3, 1), "March 1, 2020", "1 mars 2020"),
        (
            datetime(2020, 3, 1, 13, 5, tzinfo=timezone(timedelta(hours=1))),
            "Mar 1, 2020, 12:05:00\u202fPM UTC",
            "1 mars 2020, 12:05:00 UTC",
        ),
        (Money("110.00", "AUD"), "A$110.00", "110,00\xa0$AU"),
        (True, "yes", "oui"),
        (timedelta(days=3), "3 days", "3\xa0jours"),
    ],
)
def test_format_value(value: object, en: str, fr: str) -> None:
    assert format_value(value, "en") == en
    assert format_value(value, "fr") == fr


def test_message_leaves_unknown_placeholders_visible() -> None:
    assert "{market_name}" in message("reservations.available", "en", {})


def test_babel_locale_is_cached_and_checked() -> None:
    assert babel_locale("fr") is babel_locale("fr")
    with pytest.raises(UnsupportedLocaleError):
        babel_locale("fr_XX_YY_ZZ")
