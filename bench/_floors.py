"""Hand-written floors of the scalar rules (issue 18): the least each rule must compute, with no decision.

Each floor takes the inputs of a library function and returns the *answer* it must find, as a bare
tuple; :func:`answer_of` projects a library result onto the same tuple, so the benchmarks (before
timing anything) and ``tests/test_speed_floors.py`` check that floor and library agree. The ratio of
a library call to its floor is what the library adds to the bare computation: the decision (facts,
reasons, rule numbers, explanations) and its checks of the input.

What every floor computes, honestly (the rule cannot do less):

* the version in force on the day that judges the question, by bisection over the shipped chain's
  first days (R11.5), the R11.4 "verified until" test, and the R11.3 test "is the day in an
  uncertainty span" (two comparisons against the union of the spans; only a day inside one judges
  the other version too, as the rule must);
* the rule itself: the window test (R7.1, R7.2, R11.2), the credit and its exact proration (R8.4),
  the tax split in minor units (R4), the link's expiry and cap (R5.2).

What a floor may keep from one call to the next is what the library keeps too: rule parameters
read once per version, and the route of a product name under a version (the R7.3 name match, which
the library caches per name). Nothing is cached per instant or per answer.

The floors cover the default chain (``rules=None``) and no roles: the paths the benchmarks time.
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, NamedTuple

from csp_rules.billing import CreditOutcome
from csp_rules.cancellation import Outcome
from csp_rules.facts import ProductKind, currency_digits, words
from csp_rules.links import LinkStatus
from csp_rules.rulesets import CreditRounding, CreditRule, Route, WindowStart, shipped_chain
from csp_rules.tax import PricePart, TaxBasis

UTC = timezone.utc
DAY = timedelta(days=1)
ZERO = timedelta(0)
SUB = ProductKind.SOFTWARE_SUBSCRIPTION


class _Version(NamedTuple):
    """The parameters of one shipped version a floor reads, as plain dicts."""

    version: str
    routes: dict[ProductKind, Route]
    windows: dict[ProductKind, timedelta]
    from_term: frozenset[ProductKind]
    exclusions: tuple[Any, ...]
    verified: date | None
    credits: dict[ProductKind, CreditRule]
    day_offset: int
    unit_down: bool
    lifetime: timedelta | None
    cap: int | None
    inclusive: frozenset[str]
    basis: dict[str, TaxBasis]
    default_basis: TaxBasis


def _read(rs: Any) -> _Version:
    c = rs.cancellation
    return _Version(
        version=rs.version,
        routes=dict(c.routes),
        windows={k: timedelta(days=n) for k, n in c.window_days.items()},
        from_term=frozenset(k for k, w in c.window_from.items() if w is WindowStart.TERM_START),
        exclusions=c.exclusions,
        verified=rs.verified_until,
        credits=dict(rs.credits.by_kind),
        day_offset=0 if rs.credits.cancellation_day_credited else 1,
        unit_down=rs.credits.rounding_method is CreditRounding.UNIT_DOWN,
        lifetime=None if rs.links.lifetime_days is None else timedelta(days=rs.links.lifetime_days),
        cap=rs.links.download_cap,
        inclusive=rs.tax.inclusive_markets,
        basis=dict(rs.tax.basis_by_market),
        default_basis=rs.tax.default_basis,
    )


_CHAIN = tuple(shipped_chain())
VERSIONS = tuple(_read(rs) for rs in _CHAIN)
STARTS = tuple(rs.in_force_from for rs in _CHAIN)
#: (first day, last day, index of the version whose change is uncertain), in chain order
SPANS = tuple(
    (rs.uncertainty.start, rs.uncertainty.end, i) for i, rs in enumerate(_CHAIN) if rs.uncertainty is not None
)
SPAN_FIRST = min(s for s, _, _ in SPANS)
SPAN_LAST = max(e for _, e, _ in SPANS)


def version_index(day: date) -> int:
    """The index of the version in force on ``day`` (R11.5)."""
    i = bisect_right(STARTS, day) - 1
    if i < 0:
        raise ValueError(f"no version in force on {day}")
    return i


def other_index(day: date) -> int | None:
    """The other version of a day inside an uncertainty span (R11.3), else None: two comparisons."""
    if day < SPAN_FIRST or day > SPAN_LAST:
        return None
    for start, end, i in SPANS:
        if start <= day <= end:
            return i - 1 if day >= STARTS[i] else i
    return None


# --- R7: the window test ------------------------------------------------------------------------

WINDOW, SUPPORT, NOT_CANCELLABLE, NOT_COVERED = "window", "support", "not_cancellable", "not_covered"
_ROUTES: dict[tuple[int, ProductKind, str, str | None], tuple[str, bool]] = {}


def _holds(text: str, groups: Any) -> bool:
    return any(all(words(p) in text for p in group) for group in groups)


def _route_uncached(v: _Version, kind: ProductKind, name: str, sku: str | None) -> tuple[str, bool]:
    """``(route class, near miss)`` of a product under a version (R7.3, R7.4, R10.3)."""
    route = v.routes.get(kind, Route.NOT_COVERED)
    if route is Route.NOT_COVERED:
        return NOT_COVERED, False
    chosen: Route | None = None
    near = False
    for e in v.exclusions:
        if kind in e.kinds:
            chosen = e.route
            break
    if chosen is None and v.exclusions:
        text = words(name if sku is None else f"{name} | {sku}")
        for e in v.exclusions:
            if _holds(text, e.match):
                chosen = e.route
                break
            near = near or _holds(text, e.near)
        if chosen is not None:
            near = False
    if chosen is not None:
        route = chosen
    if route is Route.NOT_CANCELLABLE:
        return NOT_CANCELLABLE, False
    if route is Route.WINDOW and not near:
        return WINDOW, False
    return SUPPORT, near and route is Route.WINDOW and chosen is None


def route(i: int, kind: ProductKind, name: str, sku: str | None) -> tuple[str, bool]:
    """The route of a product under version ``i``, kept per name as the library keeps it."""
    key = (i, kind, name, sku)
    found = _ROUTES.get(key)
    if found is None:
        found = _ROUTES[key] = _route_uncached(VERSIONS[i], kind, name, sku)
    return found


def _window(i: int, p: Any, now: datetime) -> tuple[Outcome, datetime | None, bool]:
    """``(outcome, deadline, near miss)`` of purchase ``p`` at ``now`` under version ``i``."""
    v = VERSIONS[i]
    kind = p.kind
    klass, near = route(i, kind, p.product_name, p.sku_name)
    length = v.windows.get(kind)
    deadline = None
    if length is not None:
        began = p.term_started_at
        deadline = (began if began is not None and kind in v.from_term else p.purchased_at) + length
    if klass is WINDOW:
        return (Outcome.SELF_SERVICE if now < deadline else Outcome.WINDOW_CLOSED), deadline, near  # type: ignore[operator]
    if klass is SUPPORT:
        return Outcome.SUPPORT_REQUEST, deadline, near
    if klass is NOT_CANCELLABLE:
        return Outcome.NOT_CANCELLABLE, deadline, near
    return Outcome.NOT_COVERED, deadline, near


def _judged_day(p: Any) -> date:
    began = p.term_started_at
    return (began if began is not None and p.kind is SUB else p.purchased_at).date()


def _utc(at: datetime) -> datetime:
    return at if at.tzinfo is UTC else at.astimezone(UTC)


def evaluate(p: Any, at: datetime) -> tuple[Any, ...]:
    """Floor of ``cancellation.evaluate(p, at=at)``: ``(outcome, deadline, days_left, time_left, version,
    date uncertain, unverified)``."""
    now = _utc(at)
    if now < p.purchased_at or (p.term_started_at is not None and now < p.term_started_at):
        raise ValueError("at is before the purchase or its term")
    day = _judged_day(p)
    i = version_index(day)
    v = VERSIONS[i]
    outcome, deadline, _ = _window(i, p, now)
    uncertain = False
    j = other_index(day)
    if j is not None:
        other, other_deadline, _ = _window(j, p, now)
        uncertain = (other, other_deadline) != (outcome, deadline)
    unverified = v.verified is not None and day > v.verified
    if deadline is None:
        return outcome, None, None, None, v.version, uncertain, unverified
    left = deadline - now if now < deadline else ZERO
    return outcome, deadline, left // DAY, left, v.version, uncertain, unverified


# --- R8.4: the credit -----------------------------------------------------------------------------


_DIGITS: dict[str, int] = {}


def digits_of(currency: str) -> int:
    """Minor-unit digits of a currency (CLDR), read once per currency."""
    digits = _DIGITS.get(currency)
    if digits is None:
        digits = _DIGITS[currency] = currency_digits(currency)
    return digits


def _units(amount: Decimal, digits: int) -> int:
    n, d = amount.as_integer_ratio()
    units, rest = divmod(n * 10**digits, d)
    if rest:
        raise ValueError("not a whole number of minor units")
    return units


def _credit(i: int, p: Any, now: datetime) -> tuple[CreditOutcome, Decimal | None, int | None, int | None]:
    v = VERSIONS[i]
    outcome, _, near = _window(i, p, now)
    kind = p.kind
    rule = v.credits.get(kind, CreditRule.NONE_STATED)
    if outcome is Outcome.NOT_COVERED:
        return CreditOutcome.NOT_COVERED, None, None, None
    if outcome in (Outcome.NOT_CANCELLABLE, Outcome.WINDOW_CLOSED) or (
        outcome is Outcome.SUPPORT_REQUEST and near
    ):
        return CreditOutcome.NO_CREDIT, None, None, None
    if rule is CreditRule.NONE_STATED:
        return CreditOutcome.NO_RULE_STATED, None, None, None
    if outcome is Outcome.SUPPORT_REQUEST:
        return CreditOutcome.NO_CREDIT, None, None, None
    price = p.price
    if price is None:
        raise ValueError("no price")
    digits = digits_of(price.currency)
    if rule is CreditRule.FULL:
        _units(price.amount, digits)
        return CreditOutcome.FULL, price.amount, None, None
    start, end = p.term_start, p.term_end
    if start is None or end is None:
        raise ValueError("no term")
    first = max(now.toordinal() + v.day_offset, start.toordinal())
    term = end.toordinal() - start.toordinal()
    unused = max(end.toordinal() - first, 0)
    units = _units(price.amount, digits)
    if v.unit_down:
        credit = (units // p.quantity) * unused // term * p.quantity
    else:
        credit = (2 * units * unused + term) // (2 * term)
    return CreditOutcome.PRORATED, Decimal(credit).scaleb(-digits), unused, term


def refund_credit(p: Any, cancelled_at: datetime) -> tuple[Any, ...]:
    """Floor of ``billing.refund_credit(p, cancelled_at=...)``: ``(outcome, amount, unused days, term days,
    version, date uncertain, unverified)``."""
    now = _utc(cancelled_at)
    if now < p.purchased_at or (p.term_started_at is not None and now < p.term_started_at):
        raise ValueError("cancelled_at is before the purchase or its term")
    day = _judged_day(p)
    i = version_index(day)
    v = VERSIONS[i]
    outcome, amount, unused, term = _credit(i, p, now)
    uncertain = False
    j = other_index(day)
    if j is not None:
        try:
            other = _credit(j, p, now)
            uncertain = (other[0], other[1]) != (outcome, amount)
        except ValueError:
            uncertain = True
    return outcome, amount, unused, term, v.version, uncertain, v.verified is not None and day > v.verified


# --- R4: the tax split ----------------------------------------------------------------------------

_NEWEST = VERSIONS[-1]


def split_price(price: Any, market: str, rate: Decimal) -> tuple[Any, ...]:
    """Floor of ``tax.split_price(price, market, rate)`` for an ISO code: ``(net, tax, gross, listed,
    basis)`` as Decimals and members, under the newest version (a tax question has no date)."""
    v = _NEWEST
    code = market.upper()
    digits = digits_of(price.currency)
    units = _units(price.amount, digits)
    num, den = rate.as_integer_ratio()
    basis = v.basis.get(code, v.default_basis)
    if code in v.inclusive:
        tax = (2 * units * num + (d := den if basis is TaxBasis.GROSS else den + num)) // (2 * d)
        net, gross, listed = units - tax, units, PricePart.GROSS
    else:
        tax = (2 * units * num + (d := den if basis is TaxBasis.NET else den - num)) // (2 * d)
        net, gross, listed = units, units + tax, PricePart.NET
    return (
        Decimal(net).scaleb(-digits),
        Decimal(tax).scaleb(-digits),
        Decimal(gross).scaleb(-digits),
        listed,
        basis,
    )


# --- R5.2: the link -------------------------------------------------------------------------------


def link_status(
    link: Any, at: datetime, downloads: int, revoked_at: datetime | None = None
) -> tuple[Any, ...]:
    """Floor of ``links.link_status(link, at=at, downloads=downloads)``: ``(status, expires, downloads
    left, time left, version, unverified)``."""
    now = _utc(at)
    issued = link.issued_at
    if now < issued:
        raise ValueError("at is before the link was issued")
    day = issued.date()
    v = VERSIONS[version_index(day)]
    unverified = v.verified is not None and day > v.verified
    revoked = revoked_at is not None and revoked_at <= now
    if v.lifetime is None or v.cap is None:
        status = LinkStatus.REVOKED if revoked else LinkStatus.NO_RULE_STATED
        return status, None, None, None, v.version, unverified
    expires = issued + v.lifetime
    if revoked:
        status = LinkStatus.REVOKED
    elif now >= expires:
        status = LinkStatus.EXPIRED
    elif downloads >= v.cap:
        status = LinkStatus.EXHAUSTED
    else:
        status = LinkStatus.ACTIVE
    left = expires - now if now < expires else ZERO
    return status, expires, max(v.cap - downloads, 0), left, v.version, unverified


# --- explanations -------------------------------------------------------------------------------


def explain_self_service(order_id: str, product_name: str, days_left: int, deadline: datetime) -> str:
    """The English sentence of ``cancellation.self_service``, by hand: an f-string and ``strftime``."""
    hour = deadline.hour % 12 or 12
    days = "1 full day" if days_left == 1 else f"{days_left} full days"
    return (
        f"Order {order_id} ({product_name}) can be cancelled now in Partner Center or through the API, with "
        f"no early termination fee: {days} left, until {deadline:%b} {deadline.day}, {deadline.year}, "
        f"{hour}:{deadline:%M:%S}\u202f{'AM' if deadline.hour < 12 else 'PM'} UTC (R7.1)."
    )


# --- the library's answers, projected -------------------------------------------------------------


def _flags(reasons: tuple[str, ...]) -> tuple[bool, bool]:
    return "rules.change_date_uncertain" in reasons, "rules.unverified_after" in reasons


def answer_of(result: Any) -> tuple[Any, ...]:
    """A library decision (or price split) as the tuple its floor returns."""
    from csp_rules.billing import Credit
    from csp_rules.cancellation import CancellationDecision
    from csp_rules.links import LinkDecision
    from csp_rules.tax import PriceSplit

    if isinstance(result, CancellationDecision):
        return (
            result.outcome, result.deadline, result.days_left, result.time_left, result.ruleset_version,
            *_flags(result.reasons),
        )  # fmt: skip
    if isinstance(result, Credit):
        amount = None if result.amount is None else result.amount.amount
        return (
            result.outcome, amount, result.unused_days, result.term_days, result.ruleset_version,
            *_flags(result.reasons),
        )  # fmt: skip
    if isinstance(result, LinkDecision):
        return (
            result.status, result.expires_at, result.downloads_left, result.time_left, result.ruleset_version,
            _flags(result.reasons)[1],
        )  # fmt: skip
    if isinstance(result, PriceSplit):
        return result.net.amount, result.tax.amount, result.gross.amount, result.listed, result.basis
    raise TypeError(f"no floor for {type(result).__name__}")
