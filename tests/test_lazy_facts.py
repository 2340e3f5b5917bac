"""What the speed work of issue 18 must not change: decisions built on the fast path (facts built when
first read, fields stored without attrs' converters) are the decisions the constructor builds, equal,
hashable, picklable and immutable; babel's patterns compiled once format exactly as babel does."""

from __future__ import annotations

import pickle
import threading
from datetime import date, datetime, timedelta, timezone
from typing import Any

import attrs
import pytest
from babel import dates, numbers
from hypothesis import given
from hypothesis import strategies as st

from csp_rules import _l10n
from csp_rules._frozen import FrozenMap
from csp_rules.billing import refund_credit
from csp_rules.cancellation import evaluate
from csp_rules.decision import Decision
from csp_rules.facts import Money, Purchase
from csp_rules.links import issue_link, link_status

UTC = timezone.utc
SUB = Purchase(
    order_id="O-1", product_name="Office 365 E3", kind="software_subscription", purchased_at=date(2020, 3, 1),
    price=Money("120.00", "EUR"), term_start=date(2020, 3, 1), term_end=date(2021, 3, 1),
)  # fmt: skip


def _fresh() -> list[Decision]:
    """One decision of each fast path, facts not yet read: common case, R11.4, R11.3, roles, credit, link."""
    renewed = attrs.evolve(SUB, purchased_at=date(2021, 3, 1), term_start=date(2024, 3, 1),
                           term_end=date(2025, 3, 1), term_started_at=date(2024, 3, 1))  # fmt: skip
    spanned = attrs.evolve(SUB, purchased_at=date(2022, 1, 15), term_start=date(2022, 1, 15),
                           term_end=date(2023, 1, 15))  # fmt: skip
    link = issue_link(datetime(2020, 3, 2, 9, 30, tzinfo=UTC))
    return [
        evaluate(SUB, at=datetime(2020, 3, 20, tzinfo=UTC)),
        evaluate(renewed, at=datetime(2024, 3, 5, tzinfo=UTC)),
        evaluate(spanned, at=datetime(2022, 1, 20, tzinfo=UTC)),
        evaluate(SUB, at=datetime(2020, 3, 20, tzinfo=UTC), roles=["Agent commercial"]),
        refund_credit(SUB, cancelled_at=datetime(2020, 3, 20, tzinfo=UTC), billing_day=5),
        refund_credit(spanned, cancelled_at=datetime(2022, 1, 20, tzinfo=UTC)),
        link_status(link, at=datetime(2020, 3, 5, tzinfo=UTC), downloads=3),
    ]


def _rebuilt(decision: Decision) -> Decision:
    """The same decision through attrs' constructor, its facts given as a plain dict."""
    fields = {f.name: getattr(decision, f.name) for f in attrs.fields(type(decision))}
    fields["facts"] = dict(decision.facts)
    return type(decision)(**fields)


@pytest.mark.parametrize("index", range(7))
def test_fast_decisions_are_the_constructors_decisions(index: int) -> None:
    first, second = _fresh()[index], _fresh()[index]
    assert hash(first) == hash(_rebuilt(second))  # hashing reads the facts of a fresh decision
    assert first == _rebuilt(first) and _rebuilt(first) == first
    assert first.explain("en") == _rebuilt(first).explain("en")
    assert first.to_dict() == _rebuilt(first).to_dict()
    assert repr(first) == repr(_rebuilt(first))


@pytest.mark.parametrize("index", range(7))
def test_fresh_decisions_pickle_and_evolve_as_built_ones(index: int) -> None:
    fresh = _fresh()[index]
    back = pickle.loads(pickle.dumps(fresh))  # pickled before its facts were ever read
    assert type(back) is type(fresh) and type(back.facts) is type(fresh.facts)
    assert isinstance(back.facts, FrozenMap) and repr(back.facts).startswith("FrozenMap({")
    assert back == fresh and hash(back) == hash(fresh)
    assert attrs.evolve(_fresh()[index]) == fresh


def test_fast_decisions_are_immutable() -> None:
    decision = _fresh()[0]
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        decision.outcome = None  # type: ignore[misc]
    with pytest.raises(TypeError):
        decision.facts["at"] = None  # type: ignore[index]
    with pytest.raises(AttributeError):
        decision.facts._data = {}  # type: ignore[misc]


def test_facts_read_by_many_threads_at_once_are_one_mapping() -> None:
    for _ in range(20):
        decision = _fresh()[2]
        seen: list[dict[str, Any]] = []
        barrier = threading.Barrier(8)

        def read(d: Decision = decision, out: list[dict[str, Any]] = seen, start: Any = barrier) -> None:
            start.wait()
            out.append(dict(d.facts))

        threads = [threading.Thread(target=read) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(seen) == 8 and all(s == seen[0] for s in seen)


def test_a_lazy_map_is_the_map_it_builds() -> None:
    calls: list[int] = []

    def build(n: int) -> dict[str, int]:
        calls.append(n)
        return {"a": n, "b": n + 1}

    lazy = FrozenMap.lazy(build, 1)
    assert calls == []
    assert hash(lazy) == hash(FrozenMap({"a": 1, "b": 2})) and lazy == {"a": 1, "b": 2}
    assert list(lazy) == ["a", "b"] and lazy["b"] == 2 and calls == [1]
    assert pickle.loads(pickle.dumps(FrozenMap.lazy(build, 5))) == FrozenMap({"a": 5, "b": 6})
    with pytest.raises(AttributeError):
        lazy.nothing  # noqa: B018
    assert not hasattr(FrozenMap, "__getattr__")  # plain maps keep plain attribute access


LOCALES = ["en", "fr", "fr_CA", "en_GB", "en_IN", "fr_CH", "en-AU", "fr_BE", "en_ZA"]


@given(
    st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)),
    st.integers(-14 * 60, 14 * 60),
    st.sampled_from(LOCALES),
)
def test_compiled_patterns_format_as_babel_does(naive: datetime, offset: int, locale: str) -> None:
    instant = naive.replace(tzinfo=timezone(timedelta(minutes=offset)))
    loc = _l10n.babel_locale(locale)
    assert _l10n.format_datetime(instant, locale) == (
        f"{dates.format_datetime(instant, format='medium', tzinfo=UTC, locale=loc)} UTC"
    )
    assert _l10n.format_date(instant.date(), locale) == dates.format_date(
        instant.date(), format="long", locale=loc
    )


@given(st.integers(-5, 5000), st.sampled_from(LOCALES))
def test_plurals_and_small_numbers_are_babels(n: int, locale: str) -> None:
    loc = _l10n.babel_locale(locale)
    assert _l10n.plural_form(n, locale) == loc.plural_form(n)
    assert _l10n.format_number(n, locale) == numbers.format_decimal(n, locale=loc)


def test_a_pattern_with_a_field_not_compiled_is_left_to_babel() -> None:
    loc = _l10n.babel_locale("en")
    fn = _l10n._compile_pattern("EEEE d MMMM y", loc, datetime.date, of_time=False)
    assert fn(date(2020, 3, 1)) == dates.format_date(date(2020, 3, 1), "EEEE d MMMM y", locale=loc)
    assert fn.__name__ == "by_babel"
    compiled = _l10n._compile_pattern("d MMMM y", loc, datetime.date, of_time=False)
    assert compiled.__name__ == "compiled"


def test_an_instant_past_the_calendar_in_utc_is_a_clear_error() -> None:
    from csp_rules.decision import format_value
    from csp_rules.errors import InvalidDateError

    late = datetime(9999, 12, 31, 23, 59, tzinfo=timezone(timedelta(hours=-1)))
    with pytest.raises(InvalidDateError, match="out of the representable range in UTC") as raised:
        format_value(late, "en")
    assert raised.value.value == late
