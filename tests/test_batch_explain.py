"""The ``explanation`` column of csp_rules.batch (issue 13): its sentence templates and its column-wise
formatting of dates, which must equal babel's formatting of the same values exactly.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from csp_rules import _l10n, batch
from csp_rules.batch import _explain
from csp_rules.batch._explain import DAY, DAYS, Sentences, Template, sentences
from csp_rules.cancellation import EXCLUSION_REASON, OUTCOME
from csp_rules.decision import messages

UTC = timezone.utc
LOCALES = ["en", "fr", "fr_CA", "en_GB", "en_AU", "fr_CH"]
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _fields(template: str) -> set[str]:
    from csp_rules.decision import _fields as fields

    return set(fields(template))


def test_every_main_reason_of_the_outcome_table_has_a_sentence() -> None:
    data = sentences()
    mains = {v.reasons[0] for v in OUTCOME.values()} - {EXCLUSION_REASON}
    # exclusions decide with their own codes: the shipped ones (ESU, SUSE / Red Hat) and the defaults
    mains |= {"cancellation.support_request_esu", "cancellation.support_request_excluded"}
    assert mains <= set(data["main"])
    infos = {r for v in OUTCOME.values() for r in v.reasons[1:]}
    assert infos <= set(data["info"])
    assert set(data["dating"]) == {"rules.change_date_uncertain", "rules.unverified_after"}


@pytest.mark.parametrize("part", ["main", "info", "dating"])
def test_sentences_exist_in_both_languages_with_the_same_placeholders(part: str) -> None:
    for code, texts in sentences()[part].items():
        assert set(texts) == {"en", "fr"}, code
        en, fr = (_fields(texts[lang]) for lang in ("en", "fr"))
        assert {f.removesuffix("_en") for f in en} == {f.removesuffix("_fr") for f in fr}, code
        assert code in messages(), code  # a sentence speaks for a reason code the catalog knows


def test_the_deadline_is_the_last_thing_a_sentence_says_of_its_row() -> None:
    """Batch formats the time of day column-wise after the sentence's head: nothing of the row follows it."""
    data = sentences()
    for part in ("main", "info"):
        for code, texts in data[part].items():
            for text in texts.values():
                if "{deadline}" in text:
                    after = text.split("{deadline}", 1)[1]
                    assert not _fields(after), code
    for texts in data["dating"].values():
        assert not ({"deadline", "days_left"} & _fields(texts["en"]))


@settings(max_examples=300, deadline=None)
@given(
    st.integers(min_value=-(719_162 * 86_400), max_value=2_932_896 * 86_400 - 1),
    st.sampled_from(LOCALES),
)
def test_the_column_wise_deadline_equals_babel(seconds: int, locale: str) -> None:
    moment = EPOCH + timedelta(seconds=seconds)
    sentences_ = Sentences(locale)
    template = Template("until " + sentences_.pre + DAY + sentences_.mid, sentences_.post + ".")
    us = seconds * 1_000_000 + 999_999  # the microseconds are not shown, as babel's medium format
    got = sentences_.rows([template], _ints([0]), _ints([0]), _ints([us])).to_pylist()[0]
    assert got == f"until {_l10n.format_datetime(moment, locale)}."


def test_every_time_of_day_equals_babel() -> None:
    from babel import dates

    for locale in ("en", "fr", "fr_CA"):
        times = _explain._times(locale).to_pylist()
        loc = _l10n.babel_locale(locale)
        for second in range(0, 86_400, 7):
            moment = (EPOCH + timedelta(seconds=second)).time()
            assert times[second] == dates.format_time(moment, "medium", locale=loc), (locale, second)


def test_days_left_are_formatted_as_numbers_are() -> None:
    sentences_ = Sentences("fr")
    template = Template(f"reste {DAYS}", None)
    got = sentences_.rows([template, template], _ints([0, 1, -1]), _ints([1234, 5, 0]), _ints([0, 0, 0]))
    assert got.to_pylist() == [f"reste {_l10n.format_number(1234, 'fr')}", "reste 5", None]


def test_a_sentence_per_row_whatever_the_slices(monkeypatch: pytest.MonkeyPatch) -> None:
    rows = 40
    table = pa.table(
        {
            "market": ["FR"] * rows,
            "order_id": [f"O-{i}" for i in range(rows)],
            "product_name": ["Office 365 E3", "Windows 7 ESU", "Visio", "Reserved VM Instance"] * (rows // 4),
            "kind": [
                "software_subscription",
                "software_subscription",
                "perpetual_software",
                "azure_reservation",
            ]
            * (rows // 4),
            "purchased_at": [f"2020-03-{1 + i % 28:02d}T{i % 24:02d}:00:00Z" for i in range(rows)],
        }
    )
    at = datetime(2020, 4, 20, tzinfo=UTC)
    whole = batch.evaluate(table, at=at, lang="fr").column("explanation").to_pylist()
    monkeypatch.setattr(batch, "SLICE_ROWS", 3)
    assert batch.evaluate(table, at=at, lang="fr").column("explanation").to_pylist() == whole
    assert all(whole)


def test_the_language_is_checked() -> None:
    table = pa.table({"market": ["FR"]})
    from csp_rules.errors import UnsupportedLocaleError

    with pytest.raises(UnsupportedLocaleError):
        batch.evaluate(table, at=datetime(2020, 1, 1, tzinfo=UTC), lang="de")


def _ints(values: list[int]) -> object:
    import numpy as np

    return np.array(values, dtype=np.int64)


def test_row_errors_are_in_the_language_asked() -> None:
    """issue 19: with lang="fr" the per-row error_message is French (the error catalog), the code the same."""
    import pyarrow as pa

    from csp_rules import batch
    from csp_rules.decision import error_message
    from csp_rules.errors import UnknownMarketError

    t = pa.table(
        {
            "market": ["Frnace", "FR"],
            "order_id": ["1", "2"],
            "product_name": ["Office 365 E3"] * 2,
            "kind": ["software_subscription", "software_subscription"],
            "purchased_at": ["2020-03-01T00:00:00Z", "2020-02-30"],
        }
    )
    at = datetime(2020, 4, 1, tzinfo=timezone.utc)
    en = batch.evaluate(t, at=at).to_pylist()
    fr = batch.evaluate(t, at=at, lang="fr").to_pylist()
    assert (
        [r["error_code"] for r in en]
        == [r["error_code"] for r in fr]
        == ["error.unknown_market", "error.invalid_date"]
    )
    assert en[0]["error_message"].startswith("market: unknown market 'Frnace'")
    assert fr[0]["error_message"].startswith("market : marché inconnu 'Frnace'")
    assert fr[1]["error_message"].startswith("purchased_at : date ou heure non valable")
    suggestions = UnknownMarketError(field="market", value="x", suggestions=["France (FR)"])
    assert "vouliez-vous dire" in error_message(suggestions, "fr")
