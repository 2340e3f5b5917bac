"""csp_rules.audit (issue 15): the property, rows kept in order, bad rows on their row, inputs of every kind."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from csp_rules import audit, billing
from csp_rules.errors import InvalidFieldError, MissingColumnsError
from csp_rules.facts import Money, Purchase

UTC = timezone.utc
DIGITS = {"EUR": 2, "JPY": 0, "USD": 2}


def _row(order: str, sub: str, charge: str, ordered: datetime, start: date, end: date | None, amount: str,
         quantity: int, currency: str, product: str, term: str, invoice: str = "G-1") -> dict[str, object]:  # fmt: skip
    return {
        "CustomerCountry": "FR",
        "OrderId": order,
        "SubscriptionId": sub,
        "OrderDate": ordered.strftime("%Y-%m-%dT%H:%M:%S"),
        "ProductName": product,
        "ChargeType": charge,
        "Quantity": quantity,
        "Subtotal": amount,
        "Currency": currency,
        "ChargeStartDate": start.isoformat() + "T00:00:00",
        "ChargeEndDate": None if end is None else (end - timedelta(days=1)).isoformat() + "T23:59:59",
        "TermAndBillingCycle": term,
        "InvoiceNumber": invoice,
    }


@st.composite
def purchases(draw: st.DrawFn) -> tuple[Purchase, int, datetime, str]:
    """A purchase the rules credit, its seats, a cancellation that brings a positive credit, its term text."""
    kind = draw(st.sampled_from(["software_subscription", "perpetual_software"]))
    currency = draw(st.sampled_from(sorted(DIGITS)))
    day = date(2020, 2, 1) + timedelta(days=draw(st.integers(0, 365 * 4)))
    ordered = datetime(day.year, day.month, day.day, draw(st.integers(0, 23)), tzinfo=UTC)
    seats = draw(st.integers(1, 40))
    unit = draw(st.integers(1, 10**6))
    price = Money(Decimal(unit * seats).scaleb(-DIGITS[currency]), currency)
    months = draw(st.sampled_from([1, 12]))
    end = date(day.year + (day.month + months - 1) // 12, (day.month + months - 1) % 12 + 1, 1)
    term = (day, end) if kind == "software_subscription" else (None, None)
    cancelled = ordered + timedelta(hours=draw(st.integers(0, 6 * 24)))
    p = Purchase(order_id="O", product_name="Office 365 E3", kind=kind, purchased_at=ordered, price=price,
                 term_start=term[0], term_end=term[1], quantity=seats)  # fmt: skip
    text = ("1 Month" if months == 1 else "1 Year, Monthly") if term[0] else "One-Time"
    return p, seats, cancelled, text


def _pair(
    i: int, p: Purchase, seats: int, cancelled: datetime, text: str, credited: Decimal
) -> list[dict[str, object]]:
    assert p.price is not None
    day = cancelled.date()
    buy = _row(f"O-{i}", f"S-{i}", "New", p.purchased_at, p.purchased_at.date(), p.term_end, str(p.price.amount),
               seats, p.price.currency, p.product_name, text)  # fmt: skip
    back = _row(f"O-{i}", f"S-{i}", "Cancel", cancelled, day, p.term_end, str(-credited), -seats,
                p.price.currency, p.product_name, text, "G-2")  # fmt: skip
    back["ChargeStartDate"] = cancelled.strftime("%Y-%m-%dT%H:%M:%S")
    return [buy, back]


@settings(max_examples=60, deadline=None)
@given(st.lists(purchases(), min_size=1, max_size=6), st.data())
def test_credits_the_rules_give_audit_ok_and_one_unit_a_seat_off_never_does(items, data) -> None:  # type: ignore[no-untyped-def]
    rows, changed, ups = [], [], []
    for i, (p, seats, cancelled, text) in enumerate(items):
        credit = billing.refund_credit(p, cancelled_at=cancelled)
        assert credit.amount is not None
        rows += _pair(i, p, seats, cancelled, text, credit.amount.amount)
        unit = Decimal(1).scaleb(-DIGITS[p.price.currency]) * seats  # type: ignore[union-attr]
        up = credit.amount.amount < unit or data.draw(st.booleans())
        ups.append(up)
        changed += _pair(i, p, seats, cancelled, text, credit.amount.amount + (unit if up else -unit))
    report = audit.audit(pa.Table.from_pylist(rows))
    assert report.table.column("status").to_pylist() == ["ok"] * len(items), report.table.column(
        "explanation"
    )
    off = audit.audit(pa.Table.from_pylist(changed)).table.column("status").to_pylist()
    for status, up in zip(off, ups, strict=True):
        assert status != "ok"
        assert status in (
            ("ok_rounding", "wrong_amount", "over_credit") if up else ("ok_rounding", "wrong_amount")
        )


def _month(first: int, n: int) -> list[dict[str, object]]:
    rows = []
    for i in range(first, first + n):
        ordered = datetime(2020, 3, 1 + i % 20, 9, tzinfo=UTC)
        rows.append(_row(f"O-{i}", f"S-{i}", "New", ordered, ordered.date(), None, "100.00", 1, "USD",
                         "Windows Server 2019 Standard", "One-Time"))  # fmt: skip
    return rows


def test_rows_are_never_lost_or_reordered_across_tables() -> None:
    march = _month(0, 30)
    april = _month(30, 10)
    # credits in April for orders of both months, interleaved with purchases, one unmatched
    for i in (29, 3, 35, 17, 99, 0):
        credit = _row(f"O-{i}", f"S-{i}", "Cancel", datetime(2020, 3, 25, tzinfo=UTC), date(2020, 3, 25), None,
                      "-100.00", -1, "USD", "Windows Server 2019 Standard", "One-Time")  # fmt: skip
        april.insert(i % 7, credit)
    report = audit.audit({"march.csv": pa.Table.from_pylist(march), "april.csv": pa.Table.from_pylist(april)})
    t = report.table.to_pylist()
    expected_rows = [r for r, row in enumerate(april) if row["ChargeType"] == "Cancel"]
    assert [(r["source"], r["row"]) for r in t] == [("april.csv", r) for r in expected_rows]
    assert [r["order_id"] for r in t] == [april[r]["OrderId"] for r in expected_rows]
    by_order = {r["order_id"]: r for r in t}
    assert by_order["O-99"]["status"] == "unmatched_credit"
    assert by_order["O-3"]["purchase_source"] == "march.csv" and by_order["O-3"]["purchase_row"] == 3
    assert by_order["O-35"]["purchase_source"] == "april.csv"
    assert report.counts == {"unmatched_credit": 1, "ok": 5}


def test_a_bad_row_is_reported_on_its_row() -> None:
    rows = _month(0, 3)
    bad_date = _row("O-0", "S-0", "Cancel", datetime(2020, 3, 5, tzinfo=UTC), date(2020, 3, 5), None, "-100.00",
                    -1, "USD", "Windows Server 2019 Standard", "One-Time")  # fmt: skip
    bad_date["ChargeStartDate"] = "13/45/2020"
    bad_amount = dict(bad_date, OrderId="O-1", SubscriptionId="S-1", ChargeStartDate="2020-03-05T00:00:00",
                      Subtotal="ten dollars")  # fmt: skip
    good = dict(bad_amount, OrderId="O-2", SubscriptionId="S-2", Subtotal="-100.00")
    report = audit.audit(pa.Table.from_pylist([*rows, bad_date, bad_amount, good]))
    t = report.table.to_pylist()
    assert [r["row"] for r in t] == [3, 4, 5]
    assert [r["error_code"] for r in t] == ["error.invalid_date", "error.invalid_amount", None]
    assert [r["status"] for r in t] == [None, None, "ok"]
    assert report.errors == 2 and report.counts == {"ok": 1}
    assert all(r["explanation"] for r in t)


def test_a_credit_dated_before_its_purchase_is_an_error_on_its_row() -> None:
    rows = _month(0, 1)
    early = _row("O-0", "S-0", "Cancel", datetime(2020, 2, 1, tzinfo=UTC), date(2020, 2, 1), None, "-100.00", -1,
                 "USD", "Windows Server 2019 Standard", "One-Time")  # fmt: skip
    row = audit.audit(pa.Table.from_pylist([*rows, early])).table.to_pylist()[0]
    assert row["status"] is None and row["error_code"] == "error.invalid_date"


def test_several_credits_against_one_purchase_add_up() -> None:
    buy = _row("O-1", "S-1", "New", datetime(2020, 3, 1, tzinfo=UTC), date(2020, 3, 1), None, "100.00", 2, "USD",
               "Windows Server 2019 Standard", "One-Time")  # fmt: skip
    one = dict(
        buy,
        ChargeType="removeQuantity",
        Quantity=-1,
        Subtotal="-50.00",
        ChargeStartDate="2020-03-05T00:00:00",
    )
    two = dict(one, ChargeStartDate="2020-03-06T00:00:00")
    three = dict(one, ChargeStartDate="2020-03-07T00:00:00")
    t = audit.audit(pa.Table.from_pylist([buy, three, one, two])).table.to_pylist()
    # the third credit in time (listed first) is the one past the price
    assert [r["status"] for r in t] == ["over_credit", "ok", "ok"]


def test_invoice_dates_from_invoice_numbers_and_the_billing_day() -> None:
    march = _month(0, 5)
    april = _month(5, 5)
    for r in april:
        r["InvoiceNumber"] = "G-APR"
    for r in march:
        r["InvoiceNumber"] = "G-MAR"
    on_time = _row("O-1", "S-1", "Cancel", datetime(2020, 3, 10, tzinfo=UTC), date(2020, 3, 10), None, "-100.00",
                   -1, "USD", "Windows Server 2019 Standard", "One-Time", invoice="G-APR")  # fmt: skip
    late = dict(on_time, OrderId="O-2", SubscriptionId="S-2", InvoiceNumber="G-MAY")
    may = [*_month(10, 3), late]
    for r in may[:3]:
        r["OrderDate"] = "2020-04-20T10:00:00"
        r["ChargeStartDate"] = "2020-04-20T00:00:00"
        r["InvoiceNumber"] = "G-MAY"
    april.append(on_time)
    tables = [pa.Table.from_pylist(march), pa.Table.from_pylist(april), pa.Table.from_pylist(may)]
    t = audit.audit(tables, billing_day=1).table.to_pylist()
    assert [(r["order_id"], r["status"]) for r in t] == [("O-1", "ok"), ("O-2", "late_invoice")]
    assert t[0]["expected_invoice"] == date(2020, 4, 1) and t[0]["invoice_date"] == date(2020, 4, 1)
    assert t[1]["invoice_date"] == date(2020, 5, 1)
    unchecked = audit.audit(tables).table.to_pylist()
    assert [r["status"] for r in unchecked] == ["ok", "ok"]
    assert all("audit.invoice_not_checked" in r["reasons"] for r in unchecked)


@pytest.mark.parametrize("kind", ["arrow", "batch", "pandas", "polars", "lazy", "records"])
def test_the_report_is_of_the_first_tables_kind(kind: str) -> None:
    rows = _month(0, 2)
    rows.append(_row("O-1", "S-1", "Cancel", datetime(2020, 3, 5, tzinfo=UTC), date(2020, 3, 5), None, "-100.00",
                     -1, "USD", "Windows Server 2019 Standard", "One-Time"))  # fmt: skip
    table = pa.Table.from_pylist(rows)
    given_ = {
        "arrow": table,
        "batch": table.to_batches()[0],
        "pandas": table.to_pandas(),
        "polars": pl.from_arrow(table),
        "lazy": pl.from_arrow(table).lazy(),  # type: ignore[union-attr]
        "records": rows,
    }[kind]
    report = audit.audit(given_)
    out = report.table
    expected_type = {"arrow": pa.Table, "batch": pa.RecordBatch, "pandas": pd.DataFrame, "polars": pl.DataFrame,
                     "lazy": pl.LazyFrame, "records": list}[kind]  # fmt: skip
    assert isinstance(out, expected_type)
    assert report.counts == {"ok": 1}
    assert report.arrow.column_names == list(audit.REPORT_COLUMNS)


def test_totals_per_currency() -> None:
    rows = _month(0, 3)
    for i, amount in ((0, "-100.00"), (1, "-90.00")):
        rows.append(_row(f"O-{i}", f"S-{i}", "Cancel", datetime(2020, 3, 5, tzinfo=UTC), date(2020, 3, 5), None,
                         amount, -1, "USD", "Windows Server 2019 Standard", "One-Time"))  # fmt: skip
    report = audit.audit(pa.Table.from_pylist(rows))
    usd = report.totals["USD"]
    assert (usd.credits, usd.credited, usd.expected, usd.difference) == (
        2, Money("190.00", "USD"), Money("200.00", "USD"), Money("-10.00", "USD"))  # fmt: skip
    assert [r["order_id"] for r in report.largest_differences()] == ["O-1"]


def test_bad_arguments() -> None:
    table = pa.Table.from_pylist(_month(0, 1))
    with pytest.raises(MissingColumnsError):
        audit.audit(table.drop_columns(["OrderId"]))
    with pytest.raises(InvalidFieldError):
        audit.audit(table, billing_day=32)
    with pytest.raises(TypeError):
        audit.audit(table, rules="S2020")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        audit.audit(42)
    assert len(audit.audit(table)) == 0


def test_a_cancellation_dated_the_purchase_day_is_not_before_it() -> None:
    rows = _month(0, 1)  # bought 2020-03-01 09:00
    same_day = _row("O-0", "S-0", "Cancel", datetime(2020, 3, 1, tzinfo=UTC), date(2020, 3, 1), None, "-100.00",
                    -1, "USD", "Windows Server 2019 Standard", "One-Time")  # fmt: skip
    row = audit.audit(pa.Table.from_pylist([*rows, same_day])).table.to_pylist()[0]
    assert (row["status"], row["error_code"]) == ("ok", None)


def test_ids_are_compared_without_surrounding_spaces() -> None:
    rows = _month(0, 2)
    rows[1]["OrderId"] = "  O-1 "
    credit = _row("O-1", "S-1", "Cancel", datetime(2020, 3, 5, tzinfo=UTC), date(2020, 3, 5), None, "-100.00", -1,
                  "USD", "Windows Server 2019 Standard", "One-Time")  # fmt: skip
    credit["SubscriptionId"] = " S-1"
    row = audit.audit(pa.Table.from_pylist([*rows, credit])).table.to_pylist()[0]
    assert (row["status"], row["purchase_row"]) == ("ok", 1)


def test_a_line_without_subscription_id_is_told_by_product_sku_and_availability() -> None:
    rows = _month(0, 1)
    for r in rows:
        r.update(SubscriptionId=None, ProductId="DG7", SkuId="0001", AvailabilityId="A1")
    other = dict(rows[0], SkuId="0002", Subtotal="50.00")  # another line of the same order
    credit = dict(
        rows[0], ChargeType="Cancel", Subtotal="-50.00", ChargeStartDate="2020-03-05T00:00:00", SkuId="0002"
    )
    row = audit.audit(pa.Table.from_pylist([*rows, other, credit])).table.to_pylist()[0]
    assert (row["status"], row["purchase_row"], row["line"]) == ("ok", 1, "DG7/0002/A1")


def test_one_rule_set_judges_every_purchase() -> None:
    from csp_rules import S2020

    buy = _row("O-1", "S-1", "New", datetime(2022, 8, 1, 10, tzinfo=UTC), date(2022, 8, 1), date(2022, 9, 1), "31.00",
               1, "EUR", "Microsoft 365 E3", "1 Month")  # fmt: skip
    cancel = dict(
        buy, ChargeType="Cancel", Subtotal="-12.00", Quantity=-1, ChargeStartDate="2022-08-20T00:00:00"
    )
    table = pa.Table.from_pylist([buy, cancel])
    # the chain: S2022-07-11 gives no credit after 7 days; S2020 alone: a 60-day window, 31.00 x 12/31
    assert audit.audit(table).table.column("status").to_pylist() == ["credit_not_due"]
    row = audit.audit(table, rules=S2020).table.to_pylist()[0]
    assert (row["status"], row["rules_version"], row["expected"]) == ("ok", "S2020", Decimal("12.00"))


def test_a_pandas_frame_read_as_text_with_blank_cells() -> None:
    rows = _month(0, 2)
    rows.append(_row("O-1", "S-1", "Cancel", datetime(2020, 3, 5, tzinfo=UTC), date(2020, 3, 5), None, "-100.00",
                     -1, "USD", "Windows Server 2019 Standard", "One-Time"))  # fmt: skip
    frame = pd.DataFrame(rows).astype(object).where(pd.DataFrame(rows).notna(), None)
    frame = frame.astype(str).where(frame.notna(), float("nan"))  # as pd.read_csv(dtype=str) gives it
    out = audit.audit(frame).table
    assert isinstance(out, pd.DataFrame)
    assert out["status"].tolist() == ["ok"] and out["row"].tolist() == [2]
