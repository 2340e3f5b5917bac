"""Hypothesis strategies for csp_rules values, to property-test your own pipelines with our types.

This module is an optional extra: ``pip install "csp-rules[testing]"`` installs
`Hypothesis <https://hypothesis.readthedocs.io>`_. ``import csp_rules`` never imports it, and
importing this module does no work: every strategy reads the shipped data (markets, rule sets)
lazily, the first time an example is drawn.

Valid values, built the way a caller builds them:

* :func:`markets`, :func:`market_codes`, :func:`market_texts`: markets (R3), their ISO codes,
  and the texts partners write for them (codes in any case, English and French names) that
  :func:`csp_rules.markets.resolve` maps back to the market;
* :func:`currencies`, :func:`money`: ISO 4217 currencies and exact amounts (whole minor units by
  default);
* :func:`aware_datetimes`, :func:`utc_dates`: instants in fixed UTC offsets, and calendar dates;
* :func:`product_names`, :func:`purchases`: product names (the R7.3 exclusions included) and
  :class:`~csp_rules.facts.Purchase` values with or without price and term;
* :func:`roles`, :func:`role_texts`, :func:`actions`: R1 roles, as members or as the English and
  French names :func:`csp_rules.roles.parse_role` reads;
* :func:`rulesets`: the shipped rule sets and valid variants of them (other windows and window
  starts, link limits or no link rule, tax markets, uncertainty spans...), as a user's own
  rule-set file would give; :func:`chains`: the shipped chain of versions with a user's versions
  added (R11.5).

Hostile values, for the robustness of code that feeds csp_rules: :func:`hostile_texts` (empty,
megabyte, control and confusable characters), :func:`hostile_decimals` (NaN, signalling NaN,
infinities, huge exponents), :func:`edge_dates` and :func:`edge_datetimes` (``date.min``,
``date.max``, ``datetime.max`` with a time zone, naive datetimes) and :func:`junk` (values of any
wrong type).

>>> from hypothesis import given
>>> from csp_rules import markets as m
>>> from csp_rules.testing import market_texts
>>> @given(market_texts())
... def test_every_text_resolves(pair):
...     text, market = pair
...     assert m.resolve(text) == market
>>> test_every_text_resolves()

The module is long because it is one catalog: a strategy per public value type of the package,
each with the validity rules of that type spelled out next to it.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any, TypeVar

from hypothesis import strategies as st

from ._lazy import Once
from .facts import Action, Money, ProductKind, Purchase, Role
from .markets import Market
from .rulesets import CreditRounding, CreditRule, Route, RuleChain, RuleSet, TaxBasis, WindowStart

__all__ = [
    "actions",
    "aware_datetimes",
    "chains",
    "currencies",
    "edge_dates",
    "edge_datetimes",
    "hostile_decimals",
    "hostile_texts",
    "junk",
    "market_codes",
    "market_texts",
    "markets",
    "money",
    "product_names",
    "purchases",
    "role_texts",
    "roles",
    "rulesets",
    "utc_dates",
]

T = TypeVar("T")

UTC = timezone.utc
#: the first day any shipped rule set is in force (S2018)
FIRST_DAY = date(2018, 8, 31)
#: default upper bound of generated instants and dates
LAST_DAY = date(2035, 12, 31)


def _lazy(build: Callable[[], st.SearchStrategy[T]]) -> st.SearchStrategy[T]:
    """A strategy built on the first draw (so defining tests reads no data)."""
    return st.deferred(build)


# --- time -----------------------------------------------------------------------------------


def _offsets() -> st.SearchStrategy[timezone]:
    """UTC and fixed offsets from -12:00 to +14:00 in quarter hours (no tz database: deterministic)."""
    return st.one_of(
        st.just(UTC),
        st.integers(-48, 56).map(lambda q: timezone(timedelta(minutes=15 * q))),
    )


def _to_offset(instant: datetime, tz: timezone) -> datetime:
    try:
        return instant.astimezone(tz)
    except OverflowError:  # at the very edges of the calendar, keep UTC
        return instant


def aware_datetimes(
    min_value: datetime | date = FIRST_DAY, max_value: datetime | date = LAST_DAY
) -> st.SearchStrategy[datetime]:
    """Timezone-aware instants whose UTC value is in ``[min_value, max_value]``, in fixed UTC offsets.

    A ``date`` bound means 00:00 UTC that day; a datetime bound must be aware. The default range
    is the days some shipped rule set is in force (from 2018-08-31) up to 2035.
    """
    lo = _utc_bound(min_value, "min_value")
    hi = _utc_bound(max_value, "max_value")
    if hi < lo:
        raise ValueError("aware_datetimes: max_value is before min_value")
    naive = st.datetimes(min_value=lo.replace(tzinfo=None), max_value=hi.replace(tzinfo=None))
    return st.builds(lambda dt, tz: _to_offset(dt.replace(tzinfo=UTC), tz), naive, _offsets())


def _utc_bound(value: datetime | date, name: str) -> datetime:
    if isinstance(value, datetime):
        if value.utcoffset() is None:
            raise ValueError(f"{name}: give an aware datetime or a date")
        return value.astimezone(UTC)
    return datetime.combine(value, time(0), tzinfo=UTC)


def utc_dates(min_value: date = FIRST_DAY, max_value: date = LAST_DAY) -> st.SearchStrategy[date]:
    """Calendar dates (UTC days) in ``[min_value, max_value]``."""
    return st.dates(min_value=min_value, max_value=max_value)


# --- markets --------------------------------------------------------------------------------


def _all_markets() -> tuple[Market, ...]:
    from .markets import markets as all_markets

    return all_markets()


def market_codes(*, available: bool | None = None, rules: RuleSet | None = None) -> st.SearchStrategy[str]:
    """ISO 3166-1 alpha-2 market codes (XK for Kosovo), R3.

    :param available: ``True`` for markets where Azure reservations are available under ``rules``,
        ``False`` for those where they are not (R3), ``None`` for every market.
    :param rules: the rule set deciding availability; by default the newest shipped one.
    """
    return markets(available=available, rules=rules).map(lambda m: m.code)


def markets(*, available: bool | None = None, rules: RuleSet | None = None) -> st.SearchStrategy[Market]:
    """:class:`~csp_rules.markets.Market` values (R3), optionally only those where Azure
    reservations are (``available=True``) or are not (``False``) available under ``rules``."""

    def build() -> st.SearchStrategy[Market]:
        from .markets import reservations_available

        chosen = [
            m
            for m in _all_markets()
            if available is None or reservations_available(m, rules=rules) is available
        ]
        return st.sampled_from(chosen)

    return _lazy(build)


def _load_market_texts() -> tuple[tuple[str, Market], ...]:
    from .errors import MarketError
    from .markets import resolve

    pairs: list[tuple[str, Market]] = []
    for market in _all_markets():
        for text in dict.fromkeys((market.code, market.code.lower(), market.name("en"), market.name("fr"))):
            try:
                if resolve(text) == market:
                    pairs.append((text, market))
            except MarketError:  # a name two markets share (or a region's): not a test input
                continue
    return tuple(pairs)


_MARKET_TEXTS: Once[tuple[tuple[str, Market], ...]] = Once(_load_market_texts)


def market_texts() -> st.SearchStrategy[tuple[str, Market]]:
    """``(text, market)`` pairs: a code (upper or lower case) or an English or French name that
    :func:`~csp_rules.markets.resolve` maps to that market, with surrounding white space at times.

    Names shared by several markets (or by a region, R3.3) are left out: resolving them is an
    error by design, not a market.
    """

    def build() -> st.SearchStrategy[tuple[str, Market]]:
        pairs = st.sampled_from(_MARKET_TEXTS())
        return st.builds(
            lambda pair, pad: (pad[0] + pair[0] + pad[1], pair[1]),
            pairs,
            st.sampled_from([("", ""), (" ", ""), ("", "  "), ("\t", " ")]),
        )

    return _lazy(build)


# --- money ----------------------------------------------------------------------------------

#: a few currencies of each minor-unit width (JPY 0, EUR 2, KWD 3) that partners invoice in
COMMON_CURRENCIES = (
    "USD",
    "EUR",
    "GBP",
    "AUD",
    "BRL",
    "CAD",
    "CHF",
    "JPY",
    "KRW",
    "KWD",
    "BHD",
    "INR",
    "NZD",
)


def currencies(*, common: bool = True) -> st.SearchStrategy[str]:
    """ISO 4217 currency codes :class:`~csp_rules.facts.Money` accepts: a few common ones (0, 2
    and 3 minor-unit digits) by default, or every code CLDR knows with ``common=False``."""
    if common:
        return st.sampled_from(COMMON_CURRENCIES)

    def build() -> st.SearchStrategy[str]:
        from .facts import _CURRENCIES

        return st.sampled_from(sorted(_CURRENCIES()))

    return _lazy(build)


def money(
    currency: str | st.SearchStrategy[str] | None = None,
    *,
    min_amount: Decimal | int | str = 0,
    max_amount: Decimal | int | str = 10**7,
    rounded: bool = True,
) -> st.SearchStrategy[Money]:
    """:class:`~csp_rules.facts.Money` in ``[min_amount, max_amount]`` (R4, R8.4).

    :param currency: a code, a strategy of codes, or ``None`` for :func:`currencies`.
    :param rounded: whole minor units of the currency (``True``, what prices are) or up to four
        more decimals (``False``, what a computation may hold before rounding).
    """
    lo, hi = Decimal(min_amount), Decimal(max_amount)
    if hi < lo:
        raise ValueError("money: max_amount is below min_amount")
    if currency is None:
        codes: st.SearchStrategy[str] = currencies()
    elif isinstance(currency, str):
        codes = st.just(currency)
    else:
        codes = currency
    extra = 0 if rounded else 4

    def for_currency(code: str) -> st.SearchStrategy[Money]:
        from .facts import currency_digits

        places = currency_digits(code) + extra
        scale = Decimal(10) ** places
        first = int((lo * scale).to_integral_value(rounding="ROUND_CEILING"))
        last = int((hi * scale).to_integral_value(rounding="ROUND_FLOOR"))
        if last < first:
            raise ValueError(f"money: no amount of {code} with {places} decimals in [{lo}, {hi}]")
        return st.integers(first, last).map(lambda units: Money(Decimal(units).scaleb(-places), code))

    return codes.flatmap(for_currency)


# --- products and purchases -----------------------------------------------------------------

#: product names as Partner Center lists them; each kind has a few, R7.3 exclusions included
PRODUCT_NAMES: dict[ProductKind, tuple[str, ...]] = {
    ProductKind.SOFTWARE_SUBSCRIPTION: (
        "Microsoft 365 Apps for business",
        "Windows 10 Enterprise E3",
        "Dynamics 365 Business Central Essentials",
        "Windows 7 Extended Security Updates 2020",
        "Windows 7 ESU 2020",
        "Project Online Professional",
    ),
    ProductKind.PERPETUAL_SOFTWARE: (
        "SQL Server 2019 Standard",
        "Windows Server 2019 Datacenter - 16 Core License Pack",
        "Office Professional Plus 2019",
        "Exchange Server 2019 Standard CAL",
        "Visio Standard 2019",
    ),
    ProductKind.AZURE_RESERVATION: (
        "Reserved VM Instance, Standard_D2s_v3, EU West, 1 Year",
        "Azure SQL Database Reserved Capacity",
    ),
    ProductKind.AZURE_SOFTWARE_PLAN: (
        "SUSE Linux Enterprise Server Priority",
        "Red Hat Enterprise Linux",
        "SUSE Linux Enterprise Server for SAP Priority",
    ),
}


def product_names(kind: ProductKind | None = None, *, invented: bool = True) -> st.SearchStrategy[str]:
    """Product names: ones Partner Center shows (Windows 7 ESU and SUSE / Red Hat plans of R7.3
    included) and, with ``invented=True``, made-up printable names of a few words."""
    kinds = list(ProductKind) if kind is None else [kind]
    known = st.sampled_from([name for k in kinds for name in PRODUCT_NAMES[k]])
    if not invented:
        return known
    word = st.text(st.characters(categories=("Lu", "Ll", "Nd"), codec="utf-8"), min_size=1, max_size=12)
    made_up = st.lists(word, min_size=1, max_size=5).map(" ".join)
    return st.one_of(known, made_up)


def _term_for(kind: ProductKind) -> st.SearchStrategy[tuple[int, int] | None]:
    """(days from the purchase date to the term start, term length in days), or no term."""
    if kind is ProductKind.SOFTWARE_SUBSCRIPTION:
        lengths = st.one_of(st.sampled_from([30, 31, 365, 366, 1095]), st.integers(1, 1100))
        return st.one_of(st.none(), st.tuples(st.integers(-3, 3), lengths))
    return st.none()


def purchases(
    *,
    kinds: Iterable[ProductKind] | None = None,
    purchased_from: datetime | date = FIRST_DAY,
    purchased_until: datetime | date = LAST_DAY,
    priced: bool | None = None,
    currency: str | st.SearchStrategy[str] | None = None,
    with_term: bool | None = None,
) -> st.SearchStrategy[Purchase]:
    """Valid :class:`~csp_rules.facts.Purchase` values (R7, R8.4, R10).

    :param kinds: the product kinds to draw from (all by default).
    :param purchased_from: earliest purchase instant (default: the first day of S2018).
    :param purchased_until: latest purchase instant.
    :param priced: always (``True``), never (``False``) or sometimes (``None``) with a price.
    :param currency: the price's currency, a strategy of codes, or ``None`` for :func:`currencies`.
    :param with_term: software subscriptions always (``True``), never (``False``) or sometimes
        (``None``) with a term ``[term_start, term_end)`` near the purchase date; other kinds
        have none.

    Purchase instants are aware datetimes in a fixed offset or plain dates (00:00 UTC).
    """
    kind_list: Sequence[ProductKind] = list(ProductKind) if kinds is None else list(kinds)
    if not kind_list:
        raise ValueError("purchases: kinds is empty")

    @st.composite
    def build(draw: st.DrawFn) -> Purchase:
        kind = draw(st.sampled_from(kind_list))
        instant = draw(aware_datetimes(purchased_from, purchased_until))
        when: datetime | date = instant
        if draw(st.booleans()):
            day = instant.astimezone(UTC).date()
            if _utc_bound(day, "day") >= _utc_bound(purchased_from, "from"):
                when = day
        price = None
        if priced is True or (priced is None and draw(st.booleans())):
            price = draw(money(currency, max_amount=10**6))
        term_start = term_end = None
        term = draw(_term_for(kind)) if with_term is not False else None
        if with_term is True and kind is ProductKind.SOFTWARE_SUBSCRIPTION and term is None:
            term = (0, draw(st.integers(1, 1100)))
        if term is not None:
            start_day = instant.astimezone(UTC).date()
            try:
                term_start = start_day + timedelta(days=term[0])
                term_end = term_start + timedelta(days=term[1])
            except OverflowError:
                term_start = term_end = None
        order = draw(st.from_regex(r"[A-Z0-9]{3,12}", fullmatch=True))
        return Purchase(
            order_id=order,
            product_name=draw(product_names(kind)),
            kind=kind,
            purchased_at=when,
            price=price,
            term_start=term_start,
            term_end=term_end,
        )

    return build()


# --- roles ----------------------------------------------------------------------------------


def roles() -> st.SearchStrategy[Role]:
    """Partner Center roles (R1), as :class:`~csp_rules.facts.Role` members."""
    return st.sampled_from(list(Role))


def actions() -> st.SearchStrategy[Action]:
    """What a user wants to do (R1.1-R1.4), as :class:`~csp_rules.facts.Action` members."""
    return st.sampled_from(list(Action))


def role_texts() -> st.SearchStrategy[tuple[str, Role]]:
    """``(text, role)`` pairs: an identifier or an English or French name of the role that
    :func:`csp_rules.roles.parse_role` reads back to it."""

    def build() -> st.SearchStrategy[tuple[str, Role]]:
        from .roles import role_names

        pairs = [(role.value, role) for role in Role]
        pairs += [(name, role) for role in Role for _, name in role_names(role)]
        return st.sampled_from(pairs)

    return _lazy(build)


# --- rule sets ------------------------------------------------------------------------------


def _values(cls: type[enum.Enum]) -> list[str]:
    return [m.value for m in cls]


def rulesets(*, shipped_only: bool = False) -> st.SearchStrategy[RuleSet]:
    """Rule sets: the six shipped versions and, unless ``shipped_only``, valid variants of them
    built by :func:`~csp_rules.rulesets.ruleset_from_dict` from ``"extends"`` overrides, as a
    user's rule-set file gives them: other window lengths, routes and window starts (R7.1, R7.2,
    R11.2), credit rules (R8.4), a link lifetime and download cap or no link rule (R5.2, R11.1),
    tax markets and basis (R4), unavailable markets (R3), an uncertainty span and a verified-until
    date (R11.3, R11.4), and dates in force."""

    def shipped() -> st.SearchStrategy[RuleSet]:
        from .rulesets import shipped_rulesets

        return st.sampled_from(shipped_rulesets())

    if shipped_only:
        return _lazy(shipped)
    return st.one_of(_lazy(shipped), _variants())


def _not_in(days: frozenset[date]) -> Callable[[date], bool]:
    return lambda day: day not in days


def chains(*, max_added: int = 3) -> st.SearchStrategy[RuleChain]:
    """Chains of versions (R11.5): the shipped chain, with up to ``max_added`` of the
    :func:`rulesets` variants added as a user's versions (each with a name and a first day no other
    version of the chain has), as ``shipped_chain().with_version(...)`` builds them."""
    if not isinstance(max_added, int) or isinstance(max_added, bool) or not 0 <= max_added <= 20:
        raise ValueError(f"max_added: expected a whole number from 0 to 20, got {max_added!r}")

    @st.composite
    def build(draw: st.DrawFn) -> RuleChain:
        import attrs

        from .rulesets import shipped_chain

        chain = shipped_chain()
        for i in range(draw(st.integers(0, max_added))):
            taken = frozenset(r.in_force_from for r in chain)
            day = draw(utc_dates(date(2000, 1, 1), LAST_DAY).filter(_not_in(taken)))
            version = draw(_variants())
            chain = chain.with_version(attrs.evolve(version, version=f"USER-{i + 1}", in_force_from=day))
        return chain

    return build()


def _shipped_dict(version: str) -> dict[str, Any]:
    from .rulesets import shipped_rulesets

    return next(r for r in shipped_rulesets() if r.version == version).to_dict()


def _variants() -> st.SearchStrategy[RuleSet]:
    kinds = _values(ProductKind)

    @st.composite
    def build(draw: st.DrawFn) -> RuleSet:
        from .rulesets import ruleset_from_dict, shipped_rulesets

        base = draw(st.sampled_from([r.version for r in shipped_rulesets()]))
        data: dict[str, Any] = {
            "extends": base,
            "version": "T-" + draw(st.from_regex(r"[A-Z0-9]{1,8}", fullmatch=True)),
            "in_force_from": draw(utc_dates(date(2000, 1, 1), LAST_DAY)).isoformat(),
        }
        routes = draw(st.dictionaries(st.sampled_from(kinds), st.sampled_from(_values(Route)), max_size=4))
        windows = draw(st.dictionaries(st.sampled_from(kinds), st.integers(1, 3660), max_size=4))
        # every kind a window route names needs its window length (the shipped ones have them)
        for kind, route in routes.items():
            if route == Route.WINDOW.value:
                windows.setdefault(kind, draw(st.integers(1, 3660)))
        cancellation: dict[str, Any] = {}
        if routes:
            cancellation["routes"] = routes
        if windows:
            cancellation["window_days"] = windows
        if draw(st.booleans()):
            cancellation["dashboard_delay_minutes"] = draw(st.integers(0, 24 * 60))
        if draw(st.booleans()):
            cancellation["early_termination_fee"] = draw(st.booleans())
        if draw(st.booleans()):  # R11.2: who a window is counted from
            cancellation["window_from"] = draw(
                st.dictionaries(st.sampled_from(kinds), st.sampled_from(_values(WindowStart)), max_size=2)
            )
        if draw(st.booleans()):  # a user's own R7.3 exclusion, with its names and, maybe, its reason code
            exclusion: dict[str, Any] = {
                "id": "user_" + draw(st.from_regex(r"[a-z]{1,8}", fullmatch=True)),
                "route": draw(st.sampled_from([Route.SUPPORT_REQUEST.value, Route.NOT_CANCELLABLE.value])),
                "kinds": sorted(draw(st.sets(st.sampled_from(kinds), max_size=1))),
                "match": [[draw(st.sampled_from(["visio", "project", "office"]))]],
                "near": [[draw(st.sampled_from(["visio", "project", "server"]))]],
                "names": {"en": "a product of ours", "fr": "un de nos produits"},
            }
            if draw(st.booleans()):
                exclusion["reason"] = "user.excluded"
                exclusion["messages"] = {
                    "en": "Order {order_id} ({product_name}) is {exclusion_en}: ask us.",
                    "fr": "La commande {order_id} ({product_name}) porte sur {exclusion_fr} : demandez-nous.",
                }
            base_exclusions = _shipped_dict(base)["cancellation"]["exclusions"]
            cancellation["exclusions"] = [*base_exclusions, exclusion]
        if cancellation:
            data["cancellation"] = cancellation
        if draw(st.booleans()):
            data["credits"] = {
                "by_kind": draw(
                    st.dictionaries(st.sampled_from(kinds), st.sampled_from(_values(CreditRule)), max_size=4)
                ),
                "cancellation_day_credited": draw(st.booleans()),
                "rounding_method": draw(st.sampled_from(_values(CreditRounding))),
            }
        if draw(st.booleans()):  # a link rule (R5.2) or none (R11.1)
            data["links"] = draw(
                st.one_of(
                    st.builds(
                        lambda days, cap: {"stated": True, "lifetime_days": days, "download_cap": cap},
                        st.integers(1, 3660),
                        st.integers(1, 10**6),
                    ),
                    st.just({"stated": False}),
                )
            )
        if draw(st.booleans()):  # R11.3, R11.4: how sure the version is of its dates
            start = draw(utc_dates(date(2000, 1, 1), LAST_DAY))
            end = draw(utc_dates(start, LAST_DAY))
            data["uncertainty"] = {"start": start.isoformat(), "end": end.isoformat(), "note": "drawn"}
        if draw(st.booleans()):
            data["verified_until"] = draw(utc_dates(date(2000, 1, 1), LAST_DAY)).isoformat()
        codes = [m.code for m in _all_markets()]
        if draw(st.booleans()):
            data["tax"] = {
                "inclusive_markets": sorted(draw(st.sets(st.sampled_from(codes), max_size=6))),
                "default_basis": draw(st.sampled_from(_values(TaxBasis))),
            }
        if draw(st.booleans()):
            data["reservations"] = {
                "unavailable_markets": sorted(draw(st.sets(st.sampled_from(codes), max_size=20)))
            }
        return ruleset_from_dict(data)

    return build()


# --- hostile values -------------------------------------------------------------------------

#: characters that look like others or hide: confusables, zero-width, bidi controls, BOM, surrogates
CONFUSABLES = (
    "\u0410",  # Cyrillic A
    "\u0421",  # Cyrillic Es (looks like C)
    "\u03bf",  # Greek omicron
    "\u0131",  # dotless i
    "\u0130",  # I with dot above
    "\u017f",  # long s
    "\u212a",  # Kelvin sign (K)
    "\uff26",  # fullwidth F
    "\u200b",  # zero-width space
    "\u200d",  # zero-width joiner
    "\u202e",  # right-to-left override
    "\u2066",  # left-to-right isolate
    "\ufeff",  # byte-order mark
    "\u00a0",  # no-break space
    "\u2028",  # line separator
    "\u0301",  # combining acute accent
    "\ud800",  # lone surrogate
    "\U0001f1eb\U0001f1f7",  # flag of France (regional indicators)
)


def hostile_texts(*, megabyte: bool = True) -> st.SearchStrategy[str]:
    """Texts meant to break parsers: empty and blank, control characters, confusable and
    invisible characters (see :data:`CONFUSABLES`), lone surrogates, very long words and, with
    ``megabyte=True``, strings of a mebibyte."""
    pieces = st.one_of(
        st.text(max_size=20),
        st.sampled_from(CONFUSABLES),
        st.text(
            st.sampled_from([chr(c) for c in [*range(0x20), *range(0x7F, 0xA0)]]), min_size=1, max_size=5
        ),
        st.sampled_from(["FR", "fr", "France", "SQL Server", "admin_agent", "EUR", "2020-01-21", "60"]),
    )
    composed = st.lists(pieces, max_size=6).map("".join)
    fixed = [
        "",
        " ",
        "\t\n",
        "\x00",
        "a" * 4097,
        "(" * 5000,
        "Fr" * 3000,
    ]
    if megabyte:
        fixed += ["x" * (1 << 20), " " * (1 << 20), "é" * (1 << 19) + "\x00", "ab " * 350_000]
    return st.one_of(st.sampled_from(fixed), composed)


def hostile_decimals() -> st.SearchStrategy[Decimal]:
    """Decimals that are not amounts: NaN, signalling NaN, infinities, huge and tiny exponents,
    negative zero, and very long coefficients."""
    return st.sampled_from(
        [
            Decimal("NaN"),
            Decimal("-NaN"),
            Decimal("sNaN"),
            Decimal("sNaN123"),
            Decimal("Infinity"),
            Decimal("-Infinity"),
            Decimal("1E+999999"),
            Decimal("-1E+999999"),
            Decimal("1E-999999"),
            Decimal("-0"),
            Decimal("0E-1000"),
            Decimal("9" * 80),
            Decimal("0." + "3" * 80),
            Decimal("1E+30"),
        ]
    )


def edge_dates() -> st.SearchStrategy[date]:
    """Dates at the edges: ``date.min``, ``date.max``, the days around them and around the first
    rule set (2018-08-30/31), the end of February in leap years."""
    return st.sampled_from(
        [
            date.min,
            date.min + timedelta(days=1),
            date.max,
            date.max - timedelta(days=1),
            date(1970, 1, 1),
            date(2018, 8, 30),
            date(2018, 8, 31),
            date(2020, 1, 20),
            date(2020, 1, 21),
            date(2020, 2, 29),
            date(2100, 2, 28),
            date(9999, 12, 1),
        ]
    )


def edge_datetimes() -> st.SearchStrategy[datetime]:
    """Instants at the edges: ``datetime.min``/``datetime.max`` with and without a time zone,
    extreme offsets (±23:59) that push them out of range in UTC, and naive datetimes."""
    far_east = timezone(timedelta(hours=23, minutes=59))
    far_west = timezone(-timedelta(hours=23, minutes=59))
    return st.sampled_from(
        [
            datetime.min.replace(tzinfo=UTC),
            datetime.max.replace(tzinfo=UTC),
            datetime.min.replace(tzinfo=far_east),
            datetime.max.replace(tzinfo=far_west),
            datetime.min,  # noqa: DTZ901 - naive on purpose
            datetime.max,  # noqa: DTZ901 - naive on purpose
            datetime(2020, 1, 21),  # noqa: DTZ001 - naive on purpose
            datetime(2018, 8, 30, 23, 59, 59, 999999, tzinfo=UTC),
            datetime(2018, 8, 31, 0, 30, tzinfo=timezone(timedelta(hours=1))),
            datetime(9999, 12, 31, 23, 59, tzinfo=timezone(timedelta(hours=-1))),
        ]
    )


class _Opaque:
    """An object of a type csp_rules has never heard of."""

    def __repr__(self) -> str:
        return "<opaque>"


def junk() -> st.SearchStrategy[Any]:
    """Values of the wrong type for any csp_rules argument: ``None``, bools, numbers (floats,
    NaN, huge ints), bytes, containers, types, functions and objects of unknown types."""
    return st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.sampled_from([0, -1, 10**100, -(10**100)]),
        st.floats(allow_nan=True, allow_infinity=True),
        st.binary(max_size=20),
        st.sampled_from([b"FR", bytearray(b"EUR"), memoryview(b"x"), 1j, len, str, ...]),
        st.builds(_Opaque),
        st.builds(object),
        st.lists(st.integers(), max_size=3),
        st.dictionaries(st.text(max_size=3), st.integers(), max_size=3),
        st.sampled_from([(), [], {}, set(), frozenset(), [None], {"a": None}, ((),)]),
        st.timedeltas(),
    )
