"""Differential properties of csp_rules.batch: the columnar engine equals the scalar functions row by row.

The reference below builds, for each row, what a caller of the scalar API would build
(``Money``, ``Purchase``) and calls the scalar functions (``markets.resolve``,
``markets.reservations_available``, ``tax.price_includes_tax``, ``cancellation.evaluate``,
``billing.refund_credit``), in the order ``csp_rules.batch`` documents for errors. Hypothesis
generates tables, bad rows included; ``batch.evaluate`` must give the same results, and the same
results again when the table is cut into random batches.
"""

from __future__ import annotations

import contextlib
import itertools
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import attrs
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from _batch_reference import row_facts, sentence
from csp_rules import batch, billing, cancellation, markets, tax, testing
from csp_rules.errors import CspRulesError, MissingFieldError, NaiveDatetimeError, UnknownKindError
from csp_rules.facts import Money, ProductKind, Purchase, clean_text, to_decimal
from csp_rules.rulesets import shipped_chain, shipped_rulesets

UTC = timezone.utc
S2018, S2020 = shipped_rulesets()[:2]
# a user rule set: 7-day windows, the cancellation day not credited
ACME = attrs.evolve(
    S2020,
    version="ACME-7",
    cancellation=attrs.evolve(
        S2020.cancellation,
        window_days=type(S2020.cancellation.window_days)({k: 7 for k in S2020.cancellation.window_days}),
    ),
    credits=attrs.evolve(S2020.credits, cancellation_day_credited=False),
)

RESULTS = batch.RESULT_COLUMNS


# --- the scalar reference ---------------------------------------------------------------------


def _instant(value: Any) -> Any:
    """What a caller gives Purchase for a purchased_at cell (text parsed with datetime.fromisoformat)."""
    if isinstance(value, str):
        text = value.strip()
        try:
            if len(text) == 10:
                return date.fromisoformat(text)
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            from csp_rules.errors import InvalidDateError

            raise InvalidDateError(field="purchased_at", value=value) from None
        if parsed.tzinfo is None:
            raise NaiveDatetimeError(field="purchased_at", value=value)
        return parsed
    return value


def scalar_row(
    row: dict[str, Any], at: datetime, rules: Any, *, told: tuple[str, str] | None = None, lang: str = "en"
) -> dict[str, Any]:
    """The results of one row through the scalar API (None everywhere but the error and the row's own
    facts on a bad row: its type, its kind where it can be told, when it was evaluated).

    ``told`` is the kind and its source for a row whose kind is derived (``("", "")``: none tells it).
    """
    out: dict[str, Any] = dict.fromkeys(k for k in RESULTS if k != "error_message")
    out.update(row_type="purchase", **row_facts(at))
    if told is not None:
        out.update(kind=told[0] or None, kind_source=told[1] or None)
    elif row.get("kind") is not None:
        with contextlib.suppress(CspRulesError):
            out.update(kind=ProductKind.parse(row["kind"], "kind").value, kind_source="kind")
    try:
        price = None
        if row.get("price") is not None:
            amount = to_decimal(row["price"], "price")
            if row.get("currency") is None:
                raise MissingFieldError(field="currency")
            price = Money(amount, row["currency"])
        # Purchase's fields in its order; a null is a missing field (Purchase would raise TypeError)
        order_id = clean_text(row["order_id"], "order_id")
        product_name = clean_text(row["product_name"], "product_name")
        if told is not None and not told[0]:
            raise UnknownKindError(field="kind")
        if row["kind"] is None:
            raise MissingFieldError(field="kind")
        kind = ProductKind.parse(row["kind"], "kind")
        if row["purchased_at"] is None:
            raise MissingFieldError(field="purchased_at")
        purchase = Purchase(
            order_id=order_id,
            product_name=product_name,
            kind=kind,
            purchased_at=_instant(row["purchased_at"]),
            price=price,
            term_start=row.get("term_start"),
            term_end=row.get("term_end"),
            sku_name=row.get("sku_name"),
            term_started_at=row.get("term_started_at"),
        )
        if row.get("market") is None:
            raise MissingFieldError(field="market")
        market = markets.resolve(row["market"])
        decision = cancellation.evaluate(purchase, at=at, rules=rules)
        rs = rules if rules is not None else _version(decision.ruleset_version)
        try:
            amount_due = billing.refund_credit(purchase, cancelled_at=at, rules=rules).amount
        except MissingFieldError as exc:  # no price / no term: the credit is null, not an error
            if exc.field not in ("price", "term_start"):
                raise
            amount_due = None
        # R3.4: the dashboard list in force on the purchase date (an error before the first list)
        available = markets.reservations_available(market, rules=rules, on=purchase.purchased_at)
    except CspRulesError as exc:
        out["error_code"] = exc.code
        return out
    out.update(
        market_code=market.code,
        reservations_available=available,
        price_includes_tax=tax.price_includes_tax(market, rules=rs),
        cancellation_outcome=decision.outcome.value,
        cancel_deadline=decision.deadline,
        days_left=decision.days_left,
        credit_amount=None if amount_due is None else amount_due.amount,
        credit_currency=None if amount_due is None else amount_due.currency,
        rules_version=decision.ruleset_version,
        reasons=" ".join(decision.reasons),
        rule_numbers=" ".join(decision.rule_numbers),
        explanation=sentence(decision, lang),
    )
    return out


def _version(name: str) -> Any:
    return next(v for v in shipped_chain().versions if v.version == name)


def comparable(result: dict[str, Any]) -> dict[str, Any]:
    """A batch row reduced to what the reference states (messages checked separately)."""
    out = {k: result[k] for k in RESULTS if k != "error_message"}
    return out


# --- strategies -------------------------------------------------------------------------------

# (good values, bad values) per column: a cell is bad one time in ~15
MARKETS = (
    ["FR", "AU", "BR", "CN", "US", "IN", "XK", "CG", "de", " fr ", "France"],
    ["Atlantis", "Europe", "150", "", None],
)
NAMES = (
    [
        "Office 365 E3",
        "Windows Server 2019 Standard",
        "Windows 7 Extended Security Updates 2020",
        "Windows 7 ESU",
        "SUSE Linux Enterprise Server Software Plan",
        "Red Hat Enterprise Linux",
        "Visio  Plan 2",
        "Projet\tStandard",
        "Mises à jour de sécurité étendues Windows 7 2020",
    ],
    ["", "   ", "bad\x00name", None],
)
KINDS = (
    [
        "software_subscription",
        "perpetual_software",
        "azure_reservation",
        "azure_software_plan",
        "Perpetual",
        "on-premises",
        "subscription",
    ],
    ["gadget", "", None],
)
CURRENCIES = (["EUR", "USD", "JPY", "KWD", "AUD", "CLF"], ["eur", "ZZZ", "", None])
PRICES = (
    [
        "120.00",
        "972",
        "0",
        "0.00",
        "1E+3",
        " 7.5 ",
        "-0",
        "99999999999999999.99",
        "0.0001",
        "123456789012345678901234.5",
        "10.005",
        None,
    ],
    ["-5.00", "abc", "1_000", "NaN"],
)
SKUS = (["", None, None, None, "1 year", "ESU Year 1", "2020", "Software Plan"], ["bad\x00sku"])
ORDER_IDS = (["O-1", "  O 2 ", "A" * 10, "é-1"], ["", "   ", None, "O\x07X"])


def pick(choices: tuple[list[Any], list[Any]]) -> st.SearchStrategy[Any]:
    """A good value most of the time, a bad one about one time in 15 (a single draw)."""
    good, bad = choices
    return st.sampled_from(good * max(1, 14 * len(bad) // len(good)) + bad)


ats = st.datetimes(
    min_value=datetime(2018, 8, 1),
    max_value=datetime(2022, 1, 1),
    timezones=st.sampled_from([UTC, timezone(timedelta(hours=9))]),
)
# no rules (each row's date picks its version), ACME, and any rule set testing.rulesets() draws
rule_choices = st.one_of(st.none(), st.just(ACME), testing.rulesets())

raw_rows = st.fixed_dictionaries(
    {
        "market": pick(MARKETS),
        "order_id": pick(ORDER_IDS),
        "product_name": pick(NAMES),
        "kind": pick(KINDS),
        "sku_name": pick(SKUS),
        # seconds before `at` (negative: after it), mostly within the 100 days before
        "ago": st.one_of(st.integers(-3 * 86400, 100 * 86400), st.sampled_from([0, 60 * 86400, 7 * 86400])),
        "us": st.integers(0, 999_999),
        "text_form": pick(([0, 1, 2, 3, 4], [5, 6, 7, 8])),
        "no_date": st.integers(0, 40),
        "term_shift": st.integers(-40, 40),
        "term_length": st.one_of(st.none(), pick(([1, 28, 30, 31, 365, 366], [0, -3]))),
        "no_term_end": st.integers(0, 40),
        "text_price": pick(PRICES),
        "decimal_price": st.one_of(
            st.decimals(min_value=0, max_value=10**9, places=2),
            st.just(Decimal("-1.00")),
            st.just(Decimal("0.125")),
        ),
        "currency": pick(CURRENCIES),
    }
)


def _text_instant(bought: datetime, form: int) -> str:
    return [
        bought.date().isoformat(),
        bought.isoformat(),
        bought.strftime("%Y-%m-%dT%H:%M:%SZ"),
        bought.astimezone(timezone(timedelta(hours=-5))).isoformat(),
        bought.strftime("%Y-%m-%d %H:%M:%S.%f+00:00"),
        bought.replace(tzinfo=None).isoformat(),
        "2020-02-30",
        "yesterday",
        "2020-13-01T00:00:00Z",
    ][form]


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[list[dict[str, Any]], str, str, datetime]:
    """Rows in the canonical layout, how purchased_at and price are typed, and the instant ``at``.

    Purchases fall mostly in the 100 days before ``at`` (every outcome shows up), some after it or
    before the first rule set; about one cell in 15 is bad.
    """
    at = draw(ats)
    date_form = draw(st.sampled_from(["timestamp", "text", "date"]))
    price_form = draw(st.sampled_from(["text", "decimal", "none"]))
    rows = []
    for raw in draw(st.lists(raw_rows, max_size=25)):
        bought = (at - timedelta(seconds=raw["ago"], microseconds=raw["us"])).astimezone(UTC)
        purchased: Any = {"timestamp": bought, "date": bought.date()}.get(date_form)
        if purchased is None:
            purchased = _text_instant(bought, raw["text_form"])
        term_start = term_end = None
        if raw["term_length"] is not None:
            term_start = bought.date() + timedelta(days=raw["term_shift"])
            term_end = None if raw["no_term_end"] == 0 else term_start + timedelta(days=raw["term_length"])
        rows.append(
            {
                "market": raw["market"],
                "order_id": raw["order_id"],
                "product_name": raw["product_name"],
                "kind": raw["kind"],
                "sku_name": raw["sku_name"],
                "purchased_at": None if raw["no_date"] == 0 else purchased,
                "price": {"text": raw["text_price"], "decimal": raw["decimal_price"], "none": None}[
                    price_form
                ],
                "currency": raw["currency"],
                "term_start": term_start,
                "term_end": term_end,
            }
        )
    return rows, date_form, price_form, at


def to_table(rows: list[dict[str, Any]], date_form: str, price_form: str) -> pa.Table:
    types = {
        "market": pa.string(),
        "order_id": pa.string(),
        "product_name": pa.string(),
        "kind": pa.string(),
        "sku_name": pa.string(),
        "purchased_at": {"timestamp": pa.timestamp("us", tz="UTC"), "text": pa.string(), "date": pa.date32()}[
            date_form
        ],
        "price": {"text": pa.string(), "decimal": pa.decimal128(38, 3), "none": pa.string()}[price_form],
        "currency": pa.string(),
        "term_start": pa.date32(),
        "term_end": pa.date32(),
    }
    columns = {name: pa.array([r[name] for r in rows], type=t) for name, t in types.items()}
    return pa.table(columns)


# --- properties -------------------------------------------------------------------------------


@given(scenarios(), rule_choices)
@settings(max_examples=150)
def test_batch_equals_scalar_row_by_row(
    data: tuple[list[dict[str, Any]], str, str, datetime], rules: Any
) -> None:
    rows, date_form, price_form, at = data
    out = batch.evaluate(to_table(rows, date_form, price_form), at=at, rules=rules)
    got = out.to_pylist()
    assert len(got) == len(rows)
    for row, result in zip(rows, got, strict=True):
        # input columns kept, same order; the kind column is the kind the row was taken to be
        assert {k: result[k] for k in row if k != "kind"} == {k: v for k, v in row.items() if k != "kind"}
        expected = scalar_row(row, at, rules)
        assert comparable(result) == expected, row
        message = result["error_message"]
        assert (message is None) == (result["error_code"] is None)
        if message is not None:
            assert message.strip() and "\n" not in message


@given(scenarios(), rule_choices, st.lists(st.integers(1, 30), min_size=1, max_size=6))
@settings(max_examples=80)
def test_batch_does_not_depend_on_splitting(
    data: tuple[list[dict[str, Any]], str, str, datetime], rules: Any, cuts: list[int]
) -> None:
    rows, date_form, price_form, at = data
    table = to_table(rows, date_form, price_form)
    whole = batch.evaluate(table, at=at, rules=rules)
    parts = []
    start = 0
    for size in itertools.cycle(cuts):
        if start >= table.num_rows:
            break
        parts.append(batch.evaluate(table.slice(start, size), at=at, rules=rules))
        start += size
    joined = pa.concat_tables(parts).to_pylist() if parts else []
    assert joined == whole.to_pylist()


def test_slices_inside_one_call_do_not_matter(monkeypatch: pytest.MonkeyPatch) -> None:
    markets_ = MARKETS[0] + MARKETS[1]
    rows = [
        {
            "market": m,
            "order_id": f"O-{i}",
            "product_name": NAMES[0][i % 9],
            "kind": KINDS[0][i % 4],
            "purchased_at": datetime(2020, 1, 1, tzinfo=UTC) + timedelta(hours=37 * i),
            "price": PRICES[0][i % 8],
            "currency": CURRENCIES[0][i % 5],
            "term_start": None,
            "term_end": None,
            "sku_name": None,
        }
        for i, m in enumerate(markets_ * 7)
    ]
    table = to_table(rows, "timestamp", "text")
    at = datetime(2020, 3, 1, tzinfo=UTC)
    whole = batch.evaluate(table, at=at)
    monkeypatch.setattr(batch, "SLICE_ROWS", 7)
    assert batch.evaluate(table, at=at).to_pylist() == whole.to_pylist()


# --- reconciliation layouts -------------------------------------------------------------------

LAYOUTS = {
    2020: {
        "market": "CustomerCountry",
        "order_id": "OrderId",
        "product_name": "ProductName",
        "purchased_at": "OrderDate",
        "price": "Subtotal",
        "currency": "Currency",
        "term_start": "ChargeStartDate",
        "term_end": "ChargeEndDate",
        "term": "TermAndBillingCycle",
        "reservation": "ReservationOrderId",
        "sku_name": "SkuName",
        "charge": "ChargeType",
    },
    2019: {
        "market": "Customer Country",
        "order_id": "Order ID",
        "product_name": "Product name",
        "purchased_at": "Order date",
        "price": "Sub Total",
        "currency": "Currency",
        "term_start": "ChargeStartDate",
        "term_end": "ChargeEndDate",
        "term": "Term and Billingcycle",
        "sku_name": "SKU Name",
        "charge": "Charge Type",
    },
}
# what TermAndBillingCycle says for each kind (None: the row's kind cannot be told)
TERMS = {
    "software_subscription": ["1 Year, Monthly", "3 Years, Annual", "1 Month, Monthly", "Subscription"],
    "perpetual_software": ["One-Time", "", None, "Perpetual"],
    "azure_reservation": ["1 Year", "3 Years"],
    "azure_software_plan": ["1 Year, Monthly"],
}
PLAN_NAMES = ["SUSE Linux Enterprise Server Software Plan", "Red Hat Enterprise Linux Software plans"]
RESERVATION_NAMES = ["Reserved VM Instance, Standard_D2s_v3, West Europe", "SQL Database Reserved Capacity"]
# ChargeType: judged lines (as purchases, or renewals from their ChargeStartDate), and lines that are not
CHARGES = (
    ["New", "new", "addQuantity", "NEW", "renew", "Renew"],
    ["Cancel", "removeQuantity", "Convert", "Refund"],
)
NOT_JUDGED = {
    "cancel": ("credit", "batch.credit_line"),
    "removequantity": ("credit", "batch.credit_line"),
    "convert": ("other", "batch.not_a_purchase"),
    "refund": ("other", "batch.unknown_charge_type"),
}

recon_rows = st.fixed_dictionaries(
    {
        "market": pick(MARKETS),
        "order_id": pick(ORDER_IDS),
        "kind": st.sampled_from(list(TERMS)),
        "name": st.integers(0, 1000),
        "term_choice": st.integers(0, 1000),
        "bad_term": st.integers(0, 30),
        "ago": st.integers(-86400, 100 * 86400),
        "start_shift": st.integers(-10, 10),
        "length": st.sampled_from([1, 30, 31, 365]),
        "charge_dates": st.integers(0, 20),
        "price": pick(PRICES),
        "currency": pick(CURRENCIES),
        "sku_name": pick(SKUS),
        "charge": pick(CHARGES),
    }
)


def _told(kind: str, term: str | None, has_dates: bool, year: int) -> tuple[str, str]:
    """The kind and its source for a reconciliation row, from the rules of docs/howto_batch.rst."""
    if kind == "azure_reservation":
        return kind, "reservation_order_id" if year == 2020 else "reservation_name"
    if kind == "azure_software_plan":
        return kind, "software_plan_name"
    if term in ("One-Time", "Perpetual"):
        return kind, "one_time_term"
    if not term:
        return ("perpetual_software", "blank_term_no_end") if not has_dates else ("", "")
    if term == "Weekly":
        return "", ""
    return kind, "term"


# up to 2025: renewals after 2022-07-11 open a window of their own (R11.2)
late_ats = st.datetimes(
    min_value=datetime(2018, 8, 1),
    max_value=datetime(2025, 1, 1),
    timezones=st.sampled_from([UTC, timezone(timedelta(hours=9))]),
)


@given(late_ats, st.sampled_from([2019, 2020]), st.lists(recon_rows, max_size=20), rule_choices)
@settings(max_examples=100)
def test_reconciliation_layouts_equal_scalar(
    at: datetime, year: int, raws: list[dict[str, Any]], rules: Any
) -> None:
    names = LAYOUTS[year]
    cells: dict[str, list[Any]] = {c: [] for c in names.values()}
    expected = []
    for raw in raws:
        kind = raw["kind"]
        product = {
            "azure_software_plan": PLAN_NAMES[raw["name"] % 2],
            "azure_reservation": RESERVATION_NAMES[raw["name"] % 2],
        }.get(kind, NAMES[0][raw["name"] % len(NAMES[0])])
        if kind != "azure_software_plan" and "software plan" in product.lower():
            kind = "azure_software_plan"
        terms = TERMS[kind]
        term_text = terms[raw["term_choice"] % len(terms)]
        if raw["bad_term"] == 0 and kind in ("software_subscription", "perpetual_software"):
            term_text = "Weekly"  # a term that tells no kind (the errors found before it come first)
        bought = (at - timedelta(seconds=raw["ago"])).astimezone(UTC).replace(microsecond=0)
        start = bought.date() + timedelta(days=raw["start_shift"])
        last = start + timedelta(days=raw["length"] - 1)
        has_dates = raw["charge_dates"] != 0
        charge = raw["charge"]
        renewal = charge.lower() == "renew"
        row = {
            "market": raw["market"],
            "order_id": raw["order_id"],
            "product_name": product,
            "kind": kind,
            "purchased_at": bought,
            "price": raw["price"],
            "currency": raw["currency"],
            "term_start": start if has_dates else None,
            "term_end": last + timedelta(days=1) if has_dates else None,
            "sku_name": raw["sku_name"],
        }
        if renewal and has_dates:  # R11.2: a renewal's term began at its ChargeStartDate
            row["term_started_at"] = datetime.combine(start, datetime.min.time(), tzinfo=UTC)
        told = _told(kind, term_text, has_dates, year)
        if told == ("perpetual_software", "blank_term_no_end"):
            row["kind"] = "perpetual_software"
        if charge.lower() in NOT_JUDGED:
            line, code = NOT_JUDGED[charge.lower()]
            want = dict.fromkeys(k for k in RESULTS if k != "error_message")
            want.update(row_type=line, kind=told[0] or None, kind_source=told[1] or None, reasons=code)
            want.update(row_facts(at))
            expected.append(want)
        else:
            want = scalar_row(row, at, rules, told=told)
            want["row_type"] = "renewal" if renewal else "purchase"
            expected.append(want)
        for key, column in names.items():
            value = {
                "purchased_at": bought.replace(tzinfo=None).isoformat(),
                "term_start": f"{start.isoformat()}T00:00:00" if has_dates else None,
                "term_end": f"{last.isoformat()}T23:59:59" if has_dates else None,
                "term": term_text,
                "reservation": "7d9f0c1e-res" if kind == "azure_reservation" else None,
                "charge": charge,
            }.get(key, row.get(key))
            cells[column].append(value)
    table = pa.table({c: pa.array(v, type=pa.string()) for c, v in cells.items()})
    got = batch.evaluate(table, at=at, rules=rules).to_pylist()
    for result, want in zip(got, expected, strict=True):
        result = comparable(result)
        if want["reasons"] in ("batch.credit_line", "batch.not_a_purchase", "batch.unknown_charge_type"):
            assert result.pop("explanation")  # said in a sentence of its own
            want.pop("explanation")
        assert result == want
