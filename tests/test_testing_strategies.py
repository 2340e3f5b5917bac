"""csp_rules.testing (issue 9): the hypothesis strategies users property-test their pipelines with.

Each strategy must give what it promises (valid values that the library accepts, in range), and
the module must stay an optional extra: ``import csp_rules`` never imports hypothesis, and
importing ``csp_rules.testing`` reads no data.
"""

from __future__ import annotations

import pickle
import subprocess
import sys
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import find, given, settings
from hypothesis import strategies as st

from csp_rules import markets as mk
from csp_rules import roles as rl
from csp_rules import testing as cst
from csp_rules.errors import CspRulesError
from csp_rules.facts import Money, ProductKind, Purchase, Role, currency_digits
from csp_rules.rulesets import (
    Route,
    RuleChain,
    RuleSet,
    WindowStart,
    load_ruleset,
    ruleset_from_dict,
    shipped_chain,
    shipped_rulesets,
)

UTC = timezone.utc


def test_import_csp_rules_does_not_import_hypothesis() -> None:
    code = (
        "import sys, importlib, pkgutil, csp_rules\n"
        "from csp_rules import markets, cancellation, billing, links, roles, rulesets, decision\n"
        "print('hypothesis' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_importing_the_testing_module_reads_no_data() -> None:
    code = (
        "import babel.localedata as ld\n"
        "import csp_rules.testing as t\n"
        "from csp_rules import rulesets, decision, markets\n"
        "s = [t.markets(), t.market_texts(), t.purchases(), t.rulesets(), t.money(), t.role_texts()]\n"
        "print(len(ld._cache), rulesets._SHIPPED.loaded, markets._CODES.loaded, markets._INDEX.loaded,"
        " t._MARKET_TEXTS.loaded)\n"
    )
    out = subprocess.run(
        [sys.executable, "-W", "error", "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["0", "False", "False", "False", "False"]


@given(cst.market_texts())
def test_market_texts_resolve_to_their_market(pair: tuple[str, mk.Market]) -> None:
    text, market = pair
    assert mk.resolve(text) == market


@given(st.data())
def test_markets_by_availability(data: st.DataObject) -> None:
    rules = data.draw(cst.rulesets(shipped_only=True))
    yes = data.draw(cst.markets(available=True, rules=rules))
    no = data.draw(cst.markets(available=False, rules=rules))
    assert mk.reservations_available(yes, rules=rules) is True
    assert mk.reservations_available(no, rules=rules) is False
    code = data.draw(cst.market_codes())
    assert mk.Market(code).code == code


def test_market_strategies_cover_every_market() -> None:
    codes = {pair[1].code for pair in cst._MARKET_TEXTS()} if cst._MARKET_TEXTS.loaded else None
    if codes is None:
        cst._MARKET_TEXTS()
        codes = {pair[1].code for pair in cst._MARKET_TEXTS()}
    # every market has at least its code among the texts
    assert codes == {m.code for m in mk.markets()}


@given(cst.money())
def test_money_is_rounded_and_in_range(m: Money) -> None:
    assert m.is_rounded()
    assert Decimal(0) <= m.amount <= Decimal(10**7)
    assert m.amount.as_tuple().exponent == -currency_digits(m.currency) or m.amount == 0


@given(cst.money("KWD", min_amount="0.001", max_amount="1.5", rounded=False))
def test_money_with_more_decimals(m: Money) -> None:
    assert m.currency == "KWD"
    assert Decimal("0.001") <= m.amount <= Decimal("1.5")
    assert -m.amount.as_tuple().exponent <= 3 + 4  # type: ignore[operator]


def test_money_refuses_an_empty_range() -> None:
    with pytest.raises(ValueError, match="max_amount"):
        cst.money(min_amount=5, max_amount=1)


@given(cst.currencies(common=False))
def test_every_currency_is_accepted(code: str) -> None:
    assert Money(1, code).currency == code


@given(cst.aware_datetimes(date(2020, 1, 1), datetime(2020, 1, 2, tzinfo=timezone(timedelta(hours=5)))))
def test_aware_datetimes_stay_in_their_utc_range(at: datetime) -> None:
    assert at.utcoffset() is not None
    assert datetime(2020, 1, 1, tzinfo=UTC) <= at <= datetime(2020, 1, 1, 19, tzinfo=UTC)


def test_aware_datetimes_refuses_naive_bounds() -> None:
    with pytest.raises(ValueError, match="aware"):
        cst.aware_datetimes(datetime(2020, 1, 1))


@given(cst.purchases())
def test_purchases_are_valid_and_pickle(p: Purchase) -> None:
    assert isinstance(p, Purchase)
    assert p.purchased_at.tzinfo is not None
    assert date(2018, 8, 31) <= p.purchased_at.date() <= date(2035, 12, 31)
    if p.term_start is not None:
        assert p.kind is ProductKind.SOFTWARE_SUBSCRIPTION
        assert p.term_end is not None and p.term_end > p.term_start
    assert pickle.loads(pickle.dumps(p)) == p


@given(cst.purchases(kinds=[ProductKind.SOFTWARE_SUBSCRIPTION], priced=True, with_term=True, currency="JPY"))
def test_purchases_with_every_option(p: Purchase) -> None:
    assert p.kind is ProductKind.SOFTWARE_SUBSCRIPTION
    assert p.price is not None and p.price.currency == "JPY"
    assert p.term_start is not None


@given(cst.purchases(priced=False, with_term=False))
def test_purchases_without_price_or_term(p: Purchase) -> None:
    assert p.price is None and p.term_start is None and p.term_end is None


@given(cst.role_texts())
def test_role_texts_parse_back(pair: tuple[str, Role]) -> None:
    text, role = pair
    assert rl.parse_role(text) is role


@given(cst.roles(), cst.actions())
def test_roles_and_actions_are_members(role: Role, action: object) -> None:
    assert rl.is_permitted([role], action) in (True, False)  # type: ignore[arg-type]


@given(cst.rulesets())
@settings(max_examples=60)
def test_rulesets_are_valid_and_round_trip(rules: RuleSet) -> None:
    assert ruleset_from_dict(rules.to_dict()) == rules
    for kind, route in rules.cancellation.routes.items():
        if route is Route.WINDOW:
            assert kind in rules.cancellation.window_days


def test_rulesets_include_the_shipped_ones() -> None:
    seen: set[str] = set()

    @given(cst.rulesets(shipped_only=True))
    @settings(max_examples=30, database=None)
    def collect(rules: RuleSet) -> None:
        seen.add(rules.version)

    collect()
    assert seen == {r.version for r in shipped_rulesets()}


def test_rulesets_reach_every_new_parameter() -> None:
    """The variants draw every R11 parameter: window starts, no link rule, spans, verified-until."""
    seen: set[str] = set()

    @given(cst.rulesets())
    @settings(max_examples=200, database=None)
    def collect(rules: RuleSet) -> None:
        if rules.version.startswith("T-"):
            if WindowStart.TERM_START in rules.cancellation.window_from.values():
                seen.add("term_start")
            seen.add("links stated" if rules.links.stated else "no link rule")
            if rules.uncertainty is not None:
                seen.add("uncertainty")
            if rules.verified_until is not None:
                seen.add("verified_until")

    collect()
    assert seen == {"term_start", "links stated", "no link rule", "uncertainty", "verified_until"}


@given(cst.chains())
@settings(max_examples=40)
def test_chains_extend_the_shipped_one(chain: RuleChain) -> None:
    shipped = shipped_chain()
    assert set(shipped.versions) <= set(chain.versions)
    assert len({r.in_force_from for r in chain}) == len({r.version.casefold() for r in chain}) == len(chain)
    assert list(chain.versions) == sorted(chain.versions, key=lambda r: r.in_force_from)


def test_chains_refuses_a_bad_count() -> None:
    with pytest.raises(ValueError, match="max_added"):
        cst.chains(max_added=-1)


@given(cst.product_names())
def test_product_names_make_purchases(name: str) -> None:
    Purchase(order_id="O", product_name=name, kind="perpetual_software", purchased_at=date(2020, 1, 1))


@given(st.one_of(cst.hostile_texts(megabyte=False), cst.junk()))
@settings(max_examples=200)
def test_hostile_values_are_refused_cleanly_by_purchase(value: object) -> None:
    try:
        Purchase(order_id=value, product_name="x", kind="perpetual_software", purchased_at=date(2020, 1, 1))
    except (CspRulesError, TypeError):
        return
    assert isinstance(value, str)  # only a text can be an order ID


@pytest.mark.filterwarnings("ignore:Generating overly large repr")  # the megabyte text found
@pytest.mark.parametrize(
    ("strategy", "condition"),
    [
        (cst.hostile_texts(), lambda s: len(s) >= 1 << 20),
        (cst.hostile_texts(megabyte=False), lambda s: any(ord(c) < 32 for c in s)),
        (cst.hostile_texts(megabyte=False), lambda s: "\u202e" in s),
        (cst.hostile_decimals(), lambda d: d.is_snan()),
        (cst.hostile_decimals(), lambda d: d.is_infinite()),
        (cst.edge_dates(), lambda d: d == date.max),
        (cst.edge_datetimes(), lambda d: d.tzinfo is not None and d.replace(tzinfo=None) == datetime.max),  # noqa: DTZ901
        (cst.edge_datetimes(), lambda d: d.tzinfo is None),
        (cst.junk(), lambda v: v is None),
    ],
)
def test_hostile_strategies_reach_their_extremes(
    strategy: st.SearchStrategy[object], condition: object
) -> None:
    find(strategy, condition, settings=settings(max_examples=2000, database=None))  # NoSuchExample if never


def test_load_ruleset_reads_what_rulesets_builds(tmp_path: object) -> None:
    from pathlib import Path

    @given(cst.rulesets())
    @settings(max_examples=15, database=None)
    def check(rules: RuleSet) -> None:
        path = Path(str(tmp_path)) / "r.json"
        path.write_text(rules.to_json(), encoding="utf-8")
        assert load_ruleset(path) == rules

    check()
