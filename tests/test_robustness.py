"""The robustness contract (issue 9), across the whole public API, discovered rather than listed.

**Contract.** Given any input, every public callable of csp_rules either returns, or raises a
:class:`~csp_rules.errors.CspRulesError` subclass; it raises :class:`TypeError` only when an
argument is not of the type its signature documents (the documented choice for wrong types).
Nothing else escapes (no ``KeyError``, ``AttributeError``, ``IndexError``,
``decimal.InvalidOperation``, ``OverflowError``, ``UnicodeError``, ``RecursionError``...), and
every call finishes in bounded time (a hang guard, not a speed test).

**Discovery.** The targets are found by walking the package: every public module (no ``_`` in
its dotted name; the command line and :mod:`csp_rules.testing` have contracts of their own, and
:mod:`csp_rules.errors` only builds errors) and every name in its ``__all__``:

* every function;
* the constructor of every *input* class: an attrs class that a public function takes as an
  argument, or whose fields validate (converters, validators, ``__attrs_post_init__``), except
  decisions (results the library builds);
* every public method and classmethod of every public class (``Money.format``,
  ``Market.name``, ``Decision.explain``, ``ProductKind.parse``, ``Timeline.to_svg``...), called
  on instances the library itself returned (the corpus of ``tests/_reliability.py``).

**Inputs.** Each parameter's type comes from its annotation (``typing.get_type_hints``), or for
attrs fields with converters from the table :data:`ANY_HINTS`. Hypothesis draws each argument
either from a strategy of that type (valid values, and values of the right type at every edge:
naive datetimes, ``datetime.max`` with a time zone, ``date.min``/``date.max``, NaN and
signalling decimals, megabyte strings, control, confusable and invisible characters, lone
surrogates, huge numbers, rule-set variants) or from junk of any type (:func:`csp_rules.testing.junk`
and values of the other parameters' types). A small runtime type check (:func:`conforms`) decides
whether every argument matches its annotation: only then is a ``TypeError`` a failure.

The example budget per target is a quarter of the profile's ``max_examples`` (100 with the
``ci`` profile, 25 with ``dev``). Each call is timed: over :data:`BOUND_SECONDS` is a failure;
over :data:`HANG_SECONDS` the call is interrupted (SIGALRM) and reported as a hang.
"""

from __future__ import annotations

import collections.abc
import enum
import importlib
import inspect
import pkgutil
import signal
import time
import types
import typing
import uuid
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import _reliability
import csp_rules
from csp_rules import testing as cst
from csp_rules.decision import Decision
from csp_rules.errors import CspRulesError
from csp_rules.facts import Customer, Money, ProductKind, Purchase
from csp_rules.markets import Market
from csp_rules.rulesets import RuleSet

UTC = timezone.utc
#: a call slower than this fails the contract (generous: a hang guard on a shared 2-core machine)
BOUND_SECONDS = 2.0
#: a call still running after this is interrupted and reported as a hang
HANG_SECONDS = 20.0
#: examples per target: a quarter of the profile's budget (ci 400 -> 100, dev 100 -> 25)
BUDGET = max(10, settings().max_examples // 4)

EXCLUDED_MODULES = ("csp_rules.cli", "csp_rules.testing", "csp_rules.errors")


# --- discovery ------------------------------------------------------------------------------


class Target(NamedTuple):
    """One public callable: how to name it, call it, and what its parameters are."""

    name: str
    func: Callable[..., Any]
    #: the class whose instances the method is called on (None: a function, constructor or classmethod)
    owner: type | None
    params: tuple[inspect.Parameter, ...]
    hints: dict[str, Any]


def _public_modules() -> list[types.ModuleType]:
    out = []
    for info in pkgutil.walk_packages(csp_rules.__path__, "csp_rules."):
        parts = info.name.split(".")[1:]
        if any(p.startswith("_") for p in parts) or info.name.startswith(EXCLUDED_MODULES):
            continue
        out.append(importlib.import_module(info.name))
    return out


def _public_objects() -> dict[str, Any]:
    """Every object in a public ``__all__``, once (re-exports keep their first name)."""
    seen: dict[int, str] = {}
    objects: dict[str, Any] = {}
    modules = _public_modules()
    public = {m.__name__ for m in modules}
    for module in modules:
        for name in getattr(module, "__all__", ()):
            obj = getattr(module, name)
            if id(obj) in seen or not callable(obj):
                continue
            home = getattr(obj, "__module__", "")
            qualified = f"{home}.{obj.__qualname__}" if home in public else f"{module.__name__}.{name}"
            seen[id(obj)] = qualified
            objects[qualified] = obj
    return objects


def _is_input_class(cls: type, parameter_types: set[type]) -> bool:
    if not attrs.has(cls) or issubclass(cls, Decision):
        return False
    if cls in parameter_types:
        return True
    validating = any(f.converter is not None or f.validator is not None for f in attrs.fields(cls))
    return validating or "__attrs_post_init__" in vars(cls)


def _hint_types(hint: Any) -> Iterator[type]:
    if isinstance(hint, type):
        yield hint
    for arg in typing.get_args(hint):
        yield from _hint_types(arg)


def _hints(func: Callable[..., Any], owner_name: str, owner: type | None = None) -> dict[str, Any]:
    try:
        hints = typing.get_type_hints(func)
    except Exception:  # an annotation that does not resolve: every parameter is 'unknown'
        hints = {}
    qualname = getattr(func, "__qualname__", owner_name)
    for name in list(hints):
        override = ANY_HINTS.get(f"{qualname}.{name}", ANY_HINTS.get(f"{owner_name}.{name}"))
        if override is None and name == "value" and isinstance(owner, type) and issubclass(owner, enum.Enum):
            override = owner | str  # Enum.parse(value): a member or its name
        if override is not None:
            hints[name] = override
    return hints


def _signature_target(
    name: str, func: Callable[..., Any], owner: type | None, owner_name: str, cls: type | None = None
) -> Target:
    sig = inspect.signature(func)
    params = tuple(
        p
        for p in sig.parameters.values()
        if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD) and p.name != "self"
    )
    return Target(name, func, owner, params, _hints(func, owner_name, cls))


def discover() -> list[Target]:
    objects = _public_objects()
    functions = {n: o for n, o in objects.items() if inspect.isfunction(o)}
    parameter_types: set[type] = set()
    for func in functions.values():
        for param, hint in _hints(func, "").items():
            if param != "return":
                parameter_types.update(_hint_types(hint))
    targets: list[Target] = []
    for name, func in functions.items():
        targets.append(_signature_target(name, func, None, name.rsplit(".", 1)[1]))
    for name, cls in objects.items():
        if not isinstance(cls, type) or issubclass(cls, BaseException):
            continue
        if _is_input_class(cls, parameter_types):
            targets.append(_signature_target(f"{name}()", cls, None, cls.__name__))
        own = {a for klass in cls.__mro__ if klass.__module__.startswith("csp_rules") for a in vars(klass)}
        for attr in sorted(own):
            if attr.startswith("_"):
                continue
            raw = inspect.getattr_static(cls, attr)
            if isinstance(raw, (classmethod, staticmethod)):
                func = getattr(cls, attr)
                if getattr(raw.__func__, "__module__", "").startswith("csp_rules"):
                    targets.append(_signature_target(f"{name}.{attr}", func, None, cls.__name__, cls))
            elif inspect.isfunction(raw) and raw.__module__.startswith("csp_rules"):
                targets.append(_signature_target(f"{name}.{attr}", raw, cls, cls.__name__))
    return targets


# --- types of parameters whose annotation is Any (attrs converters) -------------------------


def _any_hints() -> dict[str, Any]:
    from csp_rules.activity import ActivityAction
    from csp_rules.billing import Credit
    from csp_rules.links import DownloadLink, DownloadSelection

    instant = datetime | date
    return {
        "Money.amount": Decimal | int | str,
        "Money.currency": str,
        "Customer.name": str | None,
        "Customer.tenant_id": uuid.UUID | str | None,
        "Customer.domain": str | None,
        "Purchase.order_id": str,
        "Purchase.product_name": str,
        "Purchase.kind": ProductKind | str,
        "Purchase.purchased_at": instant,
        "Purchase.price": Money | None,
        "Purchase.term_start": date | None,
        "Purchase.term_end": date | None,
        "Purchase.customer": Customer | None,
        "Purchase.subscription_id": str | None,
        "Purchase.sku_name": str | None,
        "DownloadLink.issued_at": datetime,
        "DownloadLink.selection": DownloadSelection | None,
        "DownloadLink.order_id": str | None,
        "DownloadLink.renewals": int,
        "ActivityEntry.user": str,
        "ActivityEntry.action": ActivityAction | str,
        "ActivityEntry.at": datetime,
        "ActivityEntry.product": str,
        "ActivityEntry.customer": Customer | str,
        "Timeline.purchased_at": instant,
        "Timeline.window_end": instant | None,
        "Timeline.link_issued_at": instant | None,
        "Timeline.link_expires_at": instant | None,
        "Timeline.link_download_cap": int | None,
        "Timeline.cancelled_at": instant | None,
        "Timeline.credit_invoice_date": date | None,
        "Timeline.credit": Money | None,
        "Timeline.at": instant | None,
        "Timeline.title": str | None,
        "Timeline.lang": str,
        "Timeline.from_purchase.rules": RuleSet | None,
        "Timeline.from_purchase.link": DownloadLink | None,
        "Timeline.from_purchase.credit": Money | Credit | None,
        "to_decimal.value": Decimal | int | str,
        "audit.tables": typing.TypeVar("Tables"),  # a table of any kind, as batch.evaluate's
        "clean_text.value": str | None,
        "format_value.value": Any,
    }


ANY_HINTS: dict[str, Any] = _any_hints()
#: parameters that take any value by design (format_value formats any fact, never refuses one)
ANY_ACCEPTED = frozenset({"format_value.value"})


# --- does a value match its annotation? -----------------------------------------------------

_TABLE_TYPES = ("pyarrow.lib.Table", "pyarrow.lib.RecordBatch", "pandas.core.frame.DataFrame")


def conforms(value: Any, hint: Any) -> bool:
    """Whether ``value`` matches the annotation ``hint`` (bool is not an int, a datetime not a date)."""
    if hint is Any or hint is object or (hint is None and value is None):
        return True
    if isinstance(hint, typing.TypeVar):  # batch.evaluate's table
        kind = f"{type(value).__module__}.{type(value).__qualname__}"
        return kind in _TABLE_TYPES or (kind.startswith("polars.") and type(value).__name__ == "DataFrame")
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        return any(conforms(value, a) for a in args)
    if hint is type(None):
        return value is None
    if origin is collections.abc.Callable:
        return callable(value)
    if origin is not None:
        if origin is tuple:
            if not isinstance(value, tuple):
                return False
            if len(args) == 2 and args[1] is Ellipsis:
                return all(conforms(v, args[0]) for v in value)
            return len(args) == len(value) and all(conforms(v, a) for v, a in zip(value, args, strict=True))
        if origin in (collections.abc.Mapping, dict):
            return isinstance(value, collections.abc.Mapping) and all(conforms(k, args[0]) for k in value)
        if isinstance(origin, type) and issubclass(origin, collections.abc.Iterable):
            if isinstance(value, (str, bytes)) or not isinstance(value, origin):
                return False
            return all(conforms(v, args[0]) for v in value) if args else True
        return isinstance(value, origin) if isinstance(origin, type) else True
    if isinstance(hint, type):
        if hint is int:
            return isinstance(value, int) and not isinstance(value, bool)
        if hint is date:
            return isinstance(value, date) and not isinstance(value, datetime)
        if hint is float:
            return isinstance(value, float)
        return isinstance(value, hint)
    return True  # an annotation this checker does not understand: trust the value


# --- strategies by type ---------------------------------------------------------------------

_LOCALES = [
    "en",
    "fr",
    "fr_CA",
    "en-GB",
    "FR",
    "fr-fr",
    "de",
    "xx",
    "",
    " en",
    "en_US_POSIX",
    "zh_Hant_TW",
    "fr\x00",
    "en@calendar=japanese",
    "i-klingon",
    "en" * 40,
    "root",
    "und",
    "fr_XX",
]
_EMAILS = [
    "ana@fabrikam.example",
    "a@b",
    "a@b.fr",
    "@b.fr",
    "a@",
    "a..b@c.com",
    "a@-b.com",
    "ä@bücher.de",
    "x" * 65 + "@b.com",
    "a@" + "b" * 300 + ".com",
]
_PHONES = [
    "+1 (425) 555-0100",
    "12",
    "+33 1 23 45 67 89",
    "((1))2345678",
    "++123456789",
    "1" * 16,
    "+" * 1000,
]
_DOMAINS = [
    "contoso.com",
    "contoso.onmicrosoft.com",
    "6ba7b810-9dad-11d1-80b4-00c04fd430c8",
    "bücher.de",
    "-a.com",
    "a",
    "1.2.3.4",
    "a." * 200,
    "xn--bcher-kva.de",
    "{6BA7B810-9DAD-11D1-80B4-00C04FD430C8}",
]


def _texts(name: str) -> st.SearchStrategy[str]:
    """Texts for a parameter called ``name``: realistic ones for what it means, and hostile ones."""
    hostile = cst.hostile_texts()
    n = name.lower()
    if "market" in n or n in ("value", "code"):
        specific: st.SearchStrategy[str] = st.one_of(
            cst.market_texts().map(lambda pair: pair[0]),
            cst.market_codes().map(lambda c: c[0] + "\u200b" + c[1]),
            st.sampled_from(
                ["Europe", "150", "EU", "Kongo", "UK", "Türkiye", "\u0421\u0410", "Fr", "xk", "ZZ"]
            ),
        )
    elif n in ("locale", "lang", "language"):
        specific = st.sampled_from([*_LOCALES, "Français", "English", "pt-BR", "Chinese (Simplified)"])
    elif "currency" in n:
        specific = st.one_of(
            cst.currencies(common=False), st.sampled_from(["eur", "XXX", "EURO", "€", "XTS"])
        )
    elif "role" in n or n == "text":
        specific = st.one_of(
            cst.role_texts().map(lambda pair: pair[0]), st.sampled_from(["Global admn", "admin"])
        )
    elif "action" in n:
        specific = st.sampled_from(
            ["cancel", "buy", "get_keys_and_downloads", "view activity log", "download", "key_access", "fly"]
        )
    elif n == "docs":
        specific = st.sampled_from(["dashboard", "api", "API", "web"])
    elif n == "edition":
        specific = st.sampled_from(["Datacenter", "Standard", "Windows Server 2019 Datacenter", "Essentials"])
    elif "email" in n:
        specific = st.sampled_from(_EMAILS)
    elif "phone" in n:
        specific = st.sampled_from(_PHONES)
    elif n in ("tenant", "tenant_id", "domain"):
        specific = st.sampled_from(_DOMAINS)
    elif n == "rounding":
        specific = st.sampled_from(["ROUND_HALF_UP", "ROUND_DOWN", "round_half_up", "ROUND_05UP"])
    elif n in ("kind",):
        specific = st.sampled_from([k.value for k in ProductKind] + ["on premises", "lease"])
    elif n in ("product_name", "product", "title", "description"):
        specific = cst.product_names()
    elif n in ("path",):
        specific = st.sampled_from(
            [
                "/nonexistent/rules.json",
                "/",
                "/dev/null",
                "/dev/zero",
                "rules.yaml",
                "a\x00b.json",
                "\ud800.toml",
                "x" * 5000 + ".json",
                "",
            ]
        )
    else:
        specific = st.text(max_size=40)
    return st.one_of(specific, specific, hostile)


def _datetimes() -> st.SearchStrategy[datetime]:
    return st.one_of(
        cst.aware_datetimes(date(2018, 8, 31), date(2030, 1, 1)),
        cst.aware_datetimes(datetime.min.replace(tzinfo=UTC), datetime.max.replace(tzinfo=UTC)),
        cst.edge_datetimes(),
        st.datetimes(),  # naive
    )


def _dates() -> st.SearchStrategy[date]:
    return st.one_of(cst.utc_dates(date(2018, 8, 1), date(2030, 1, 1)), st.dates(), cst.edge_dates())


def _decimals() -> st.SearchStrategy[Decimal]:
    return st.one_of(
        st.decimals(allow_nan=False, allow_infinity=False, places=2, min_value=-(10**6), max_value=10**6),
        st.sampled_from([Decimal("0.10"), Decimal("0.18"), Decimal("0"), Decimal("1"), Decimal("0.999999")]),
        st.decimals(),
        cst.hostile_decimals(),
    )


def _money() -> st.SearchStrategy[Money]:
    return st.one_of(
        cst.money(),
        cst.money(rounded=False),
        cst.money(min_amount=-(10**6), max_amount=0),
        cst.money(cst.currencies(common=False), max_amount=10**28),
    )


def _in_utc_range(value: datetime) -> bool:
    """An aware instant that exists in UTC: value objects refuse the others at construction, which a
    strategy must not trip over while it builds its arguments (the calls themselves get the edges)."""
    if value.tzinfo is None:
        return False
    try:
        value.astimezone(UTC)
    except OverflowError:
        return False
    return True


def _edge_purchases() -> st.SearchStrategy[Purchase]:
    @st.composite
    def build(draw: st.DrawFn) -> Purchase:
        when = draw(st.one_of(_dates(), _datetimes().filter(_in_utc_range)))
        kind = draw(st.sampled_from(list(ProductKind)))
        day = when.date() if isinstance(when, datetime) else when
        term: tuple[date | None, date | None] = (None, None)
        if draw(st.booleans()):
            try:
                term = (day, day + timedelta(days=draw(st.integers(1, 4000))))
            except OverflowError:
                term = (day - timedelta(days=1), day) if day > date.min else (None, None)
        return Purchase(
            order_id=draw(st.sampled_from(["O-1", "x" * 4096, "Ω-\u202e1"])),
            product_name=draw(cst.product_names()),
            kind=kind,
            purchased_at=when,
            price=draw(st.none() | _money().filter(lambda m: m.amount >= 0)),
            term_start=term[0],
            term_end=term[1],
            customer=draw(st.none() | st.just(Customer(name="Contoso"))),
        )

    return build()


def _purchases() -> st.SearchStrategy[Purchase]:
    return st.one_of(cst.purchases(), cst.purchases(purchased_from=date(1990, 1, 1)), _edge_purchases())


def _tables() -> st.SearchStrategy[Any]:
    import pyarrow as pa

    cells = st.one_of(
        st.none(),
        st.text(max_size=12),
        st.sampled_from(
            [
                "FR",
                "Congo",
                "2020-03-01",
                "2020-03-01T10:00:00+14:00",
                "100.00",
                "EUR",
                "software_subscription",
                "perpetual",
            ]
        ),
        st.integers(-(2**63), 2**63 - 1),
        st.floats(),
        st.booleans(),
        st.dates(),
        st.datetimes(timezones=st.just(UTC)),
        st.decimals(allow_nan=False, allow_infinity=False, places=2, min_value=-(10**9), max_value=10**9),
    )
    names = st.sampled_from(
        [
            "market",
            "order_id",
            "product_name",
            "kind",
            "purchased_at",
            "price",
            "currency",
            "term_start",
            "term_end",
            "CustomerCountry",
            "Order ID",
            "TermAndBillingCycle",
            "OrderDate",
            "error_code",
            "extra",
        ]
    )

    @st.composite
    def build(draw: st.DrawFn) -> Any:
        rows = draw(st.integers(0, 6))
        columns = draw(st.lists(names, unique=True, min_size=0, max_size=10))
        data: dict[str, list[Any]] = {}
        for column in columns:
            cell = draw(st.sampled_from(["same", "mixed"]))
            if cell == "same":
                values = draw(st.lists(st.one_of(st.none(), cells), min_size=rows, max_size=rows))
            else:
                values = [draw(cells) for _ in range(rows)]
            data[column] = values
        try:
            table = pa.table(data) if data else pa.table({"x": [None] * rows})
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, OverflowError, TypeError):
            table = pa.table({k: [None if v is None else str(v) for v in vs] for k, vs in data.items()})
        form = draw(st.sampled_from(["table", "batch", "pandas", "polars"]))
        try:
            if form == "batch":
                return (
                    table.to_batches()[0]
                    if table.num_rows
                    else pa.RecordBatch.from_pylist([], schema=table.schema)
                )
            if form == "pandas":
                return table.to_pandas()
            if form == "polars":
                import polars as pl

                return pl.from_arrow(table)
        except Exception:
            return table
        return table

    return build()


def _schemas() -> st.SearchStrategy[Any]:
    import pyarrow as pa

    types_ = st.sampled_from(
        [pa.string(), pa.int64(), pa.float64(), pa.bool_(), pa.date32(), pa.timestamp("us")]
    )
    names = st.sampled_from(["market", "error_code", "days_left", "x", "", "\x00"])
    return st.lists(st.tuples(names, types_), max_size=6).map(lambda fields: pa.schema(fields))


def _links() -> st.SearchStrategy[Any]:
    from csp_rules.links import DownloadLink

    return st.builds(
        lambda at, renewals: DownloadLink(issued_at=at, renewals=renewals),
        st.one_of(cst.aware_datetimes(), cst.edge_datetimes().filter(_in_utc_range)),
        st.integers(0, 10),
    )


def _selections() -> st.SearchStrategy[Any]:
    from csp_rules.links import DownloadSelection

    return st.sampled_from(
        [
            DownloadSelection(version="2019", language="fr", file_type="ISO x64"),
            DownloadSelection(version="1", language="English", file_type="exe"),
        ]
    )


def _entries() -> st.SearchStrategy[Any]:
    from csp_rules.activity import ActivityEntry

    return st.builds(
        lambda at, action: ActivityEntry(
            user="ana@contoso.com", action=action, at=at, product="SQL", customer="Contoso"
        ),
        st.one_of(cst.aware_datetimes(), cst.edge_datetimes().filter(_in_utc_range)),
        st.sampled_from(["download", "key_access"]),
    )


def _mappings() -> st.SearchStrategy[Any]:
    leaf = st.one_of(st.none(), st.integers(), st.text(max_size=10), st.booleans(), st.dates())
    return st.one_of(
        st.dictionaries(st.text(max_size=15), leaf, max_size=5),
        st.builds(lambda: csp_rules.S2020.to_dict()),
        st.fixed_dictionaries(
            {
                "order_id": st.one_of(st.none(), st.text(max_size=5)),
                "product_name": st.one_of(st.none(), st.text(max_size=5)),
                "customer": st.one_of(st.none(), st.text(max_size=5), st.just(Customer(name="C"))),
            }
        ),
        st.fixed_dictionaries(
            {
                "extends": st.sampled_from(["S2020", "S2018", "S1999", "s2020"]),
                "version": st.text(max_size=5),
                "in_force_from": st.text(max_size=12),
            }
        ),
    )


def typed(hint: Any, name: str) -> st.SearchStrategy[Any]:
    """Values of the type ``hint`` (edges included) for a parameter called ``name``."""
    from csp_rules.activity import ActivityEntry
    from csp_rules.links import DownloadLink, DownloadSelection

    if hint is Any or hint is object:
        return everything()
    if isinstance(hint, typing.TypeVar):
        return _tables()
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        return st.one_of(*(typed(a, name) for a in args))
    if hint is type(None):
        return st.none()
    if origin is collections.abc.Callable:  # e.g. Summary.text's line_of: answers of its annotated type
        return st.sampled_from([lambda *a: None, lambda *a: 7, lambda *a: 10**12])
    if origin is not None:
        if origin in (collections.abc.Mapping, dict):
            return _mappings()
        if origin is tuple:
            if len(args) == 2 and args[1] is Ellipsis:
                return st.lists(typed(args[0], name), max_size=4).map(tuple)
            return st.tuples(*(typed(a, name) for a in args))
        inner = typed(args[0], name) if args else everything()
        return st.one_of(
            st.lists(inner, max_size=5),
            st.lists(inner, max_size=5).map(tuple),
            st.frozensets(inner.filter(_hashable), max_size=4),
        )
    table: dict[Any, Callable[[], st.SearchStrategy[Any]]] = {
        str: lambda: _texts(name),
        bool: st.booleans,
        int: lambda: st.one_of(st.integers(-5, 100), st.integers(), st.sampled_from([0, -1, 10**400, 2**63])),
        float: st.floats,
        Decimal: _decimals,
        datetime: _datetimes,
        date: _dates,
        timedelta: st.timedeltas,
        Money: _money,
        Market: cst.markets,
        Purchase: _purchases,
        RuleSet: cst.rulesets,
        Customer: lambda: st.builds(
            Customer, name=st.none() | st.just("Contoso"), domain=st.none() | st.just("c.com")
        ),
        uuid.UUID: st.uuids,
        Path: lambda: _texts("path").map(Path),
        DownloadLink: _links,
        DownloadSelection: _selections,
        ActivityEntry: _entries,
    }
    if hint in table:
        return table[hint]()
    if hint is enum.Enum:  # any decision outcome: the members of every enum of the package
        return st.sampled_from(_package_enum_members())
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return st.sampled_from(list(hint))
    if getattr(hint, "__name__", "") == "Schema":
        return _schemas()
    return everything()


def _package_enum_members() -> list[enum.Enum]:
    import pkgutil

    import csp_rules

    members: list[enum.Enum] = []
    for info in pkgutil.walk_packages(csp_rules.__path__, "csp_rules."):
        if info.name.startswith(("csp_rules.cli", "csp_rules.__main__", "csp_rules.testing")):
            continue
        module = importlib.import_module(info.name)
        for obj in vars(module).values():
            if isinstance(obj, type) and issubclass(obj, enum.Enum) and obj.__module__ == info.name:
                members.extend(obj)
    return members


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def everything() -> st.SearchStrategy[Any]:
    """A value of any type csp_rules knows, or junk: what a wrong-typed argument looks like."""
    return st.one_of(
        cst.junk(),
        _texts("value"),
        _dates(),
        _datetimes(),
        _decimals(),
        _money(),
        cst.markets(),
        cst.purchases(),
        cst.rulesets(shipped_only=True),
        cst.roles(),
        st.lists(cst.roles(), max_size=3),
    )


# --- calling ---------------------------------------------------------------------------------


class Hang(BaseException):
    """Raised by the alarm in a call that runs past HANG_SECONDS."""


def _alarm(signum: int, frame: Any) -> None:
    raise Hang(f"still running after {HANG_SECONDS} s")


def _instances() -> dict[type, list[Any]]:
    """Values of every public class, as the library returns them (the corpus of tests/_reliability.py)."""
    pool: dict[type, list[Any]] = {}

    def add(value: Any, depth: int = 0) -> None:
        if depth > 6:
            return
        if type(value).__module__.startswith("csp_rules") and not isinstance(value, BaseException):
            bucket = pool.setdefault(type(value), [])
            if len(bucket) < 40 and all(v is not value for v in bucket):
                bucket.append(value)
        if attrs.has(type(value)):
            for field in attrs.fields(type(value)):
                add(getattr(value, field.name), depth + 1)
        elif isinstance(value, (list, tuple)):
            for item in value[:20]:
                add(item, depth + 1)

    for _, call in _reliability.thread_workload():
        try:
            add(call())
        except Exception:  # a failing call is for the corpus tests to report; here only values matter
            continue
    return pool


_POOL: dict[type, list[Any]] = {}


def _pool() -> dict[type, list[Any]]:
    if not _POOL:
        _POOL.update(_instances())
    return _POOL


TARGETS = discover()
#: examples run per target, printed when the module's tests are done
EXAMPLES: dict[str, int] = {}


@pytest.fixture(scope="module", autouse=True)
def _report() -> Iterator[None]:
    yield
    if EXAMPLES:
        counts = sorted(EXAMPLES.values())
        print(
            f"\nrobustness contract: {len(EXAMPLES)} targets, {sum(counts)} calls; examples per target: "
            f"min {counts[0]}, median {counts[len(counts) // 2]}, max {counts[-1]} (budget {BUDGET})"
        )


def test_discovery_finds_the_whole_api() -> None:
    names = {t.name for t in TARGETS}
    # a few known members of each family, to catch a discovery that silently finds nothing
    for expected in (
        "csp_rules.markets.resolve",
        "csp_rules.cancellation.evaluate",
        "csp_rules.tax.split_price",
        "csp_rules.links.link_status",
        "csp_rules.roles.authorize",
        "csp_rules.activity.activity_log",
        "csp_rules.facts.Purchase()",
        "csp_rules.facts.Money.format",
        "csp_rules.batch.evaluate",
        "csp_rules.decision.Decision.explain",
        "csp_rules.rulesets.load_ruleset",
    ):
        assert expected in names, expected
    assert len(TARGETS) >= 80
    # every parameter has a type to draw from and to check against (Any only where any value is valid)
    untyped = [
        f"{t.name}({p.name})"
        for t in TARGETS
        for p in t.params
        if t.hints.get(p.name, Any) is Any and f"{t.name.rsplit('.', 1)[-1]}.{p.name}" not in ANY_ACCEPTED
    ]
    assert not untyped, f"give these parameters a type in ANY_HINTS: {untyped}"
    # every public function of every public module is a target
    functions = {n for n, o in _public_objects().items() if inspect.isfunction(o)}
    assert functions <= names


@pytest.mark.parametrize("target", TARGETS, ids=lambda t: t.name)
def test_contract(target: Target) -> None:
    pool = _pool()
    instances: list[Any] = []
    if target.owner is not None:
        instances = [v for cls, vs in pool.items() if issubclass(cls, target.owner) for v in vs]
        assert instances, (
            f"no instance of {target.owner.__name__} to call {target.name} on: extend the corpus"
        )
    runs: list[int] = []

    arguments: dict[str, st.SearchStrategy[tuple[bool, Any]]] = {}
    for p in target.params:
        hint = target.hints.get(p.name, Any)
        good = typed(hint, p.name).map(lambda v: (True, v))
        junk = everything().map(lambda v: (False, v))
        arguments[p.name] = st.one_of(good, good, good, junk)

    @st.composite
    def calls(draw: st.DrawFn) -> tuple[Any, dict[str, tuple[bool, Any]]]:
        self_value = draw(st.sampled_from(instances)) if instances else None
        chosen = {}
        for p in target.params:
            if p.default is not inspect.Parameter.empty and draw(st.integers(0, 3)) == 0:
                continue  # leave an optional parameter out now and then
            chosen[p.name] = draw(arguments[p.name])
        return self_value, chosen

    @settings(
        max_examples=BUDGET,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    )
    @given(calls())
    def check(call: tuple[Any, dict[str, tuple[bool, Any]]]) -> None:
        self_value, chosen = call
        args: list[Any] = [self_value] if target.owner is not None else []
        kwargs: dict[str, Any] = {}
        for p in target.params:
            if p.name not in chosen:
                continue
            value = chosen[p.name][1]
            if p.kind is p.POSITIONAL_ONLY:
                args.append(value)
            else:
                kwargs[p.name] = value
        runs.append(1)
        ill_typed = [
            name for name, (_, value) in chosen.items() if not conforms(value, target.hints.get(name, Any))
        ]
        previous = signal.signal(signal.SIGALRM, _alarm)
        signal.setitimer(signal.ITIMER_REAL, HANG_SECONDS)
        start = time.perf_counter()
        try:
            target.func(*args, **kwargs)
        except CspRulesError:
            pass
        except TypeError as err:
            if not ill_typed:
                raise AssertionError(
                    f"{target.name} raised TypeError although every argument matches its annotation: {err}"
                ) from err
        except Hang:
            raise AssertionError(f"{target.name} hangs (> {HANG_SECONDS} s)") from None
        except Exception as err:
            raise AssertionError(
                f"{target.name} let {type(err).__module__}.{type(err).__qualname__} escape: {str(err)[:300]}"
            ) from err
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
        elapsed = time.perf_counter() - start
        assert elapsed <= BOUND_SECONDS, f"{target.name} took {elapsed:.2f} s (bound {BOUND_SECONDS} s)"

    check()
    assert runs, "no example ran"
    EXAMPLES[target.name] = len(runs)


# --- operators -------------------------------------------------------------------------------

_OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "r*": lambda a, b: b * a,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
}


@given(
    _money(),
    st.sampled_from(sorted(_OPERATORS)),
    st.one_of(_money(), _decimals(), st.integers(), everything()),
)
@settings(max_examples=BUDGET * 2, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_money_operators_keep_the_contract(money: Money, op: str, other: Any) -> None:
    """Arithmetic and comparison of Money with anything: a result, a CspRulesError, or the TypeError
    Python raises for an unsupported operand (never a decimal signal or OverflowError)."""
    try:
        _OPERATORS[op](money, other)
    except CspRulesError:
        pass
    except TypeError:
        if op in ("*", "r*"):
            well_typed = isinstance(other, (Decimal, int)) and not isinstance(other, bool)
        else:
            well_typed = isinstance(other, Money)
        assert not well_typed, f"Money {op} {other!r} raised TypeError"
    hash(money)
    -money  # noqa: B018 - negation must not fail either
