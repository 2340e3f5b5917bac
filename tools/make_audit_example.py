"""Write a pair of months of Partner Center one-time purchase reconciliation files for ``csp-rules audit``.

Two CSV files in the November 2020 layout (40 columns), one per invoice: January 2020's lines on
invoice ``G000200001`` (issued 2020-02-01) and February 2020's on ``G000200002`` (2020-03-01).
Around a few hundred ordinary purchases (seeded, deterministic), they hold credit rows that give
every status of :mod:`csp_rules.audit` at least once (with ``--billing-day 1``):

* ``ok``: credits computed by the rules themselves (``billing.refund_credit``), on the next invoice;
* ``ok_rounding``: RULES.md R8.4's own example, 10 seats at 10.08 with 29 of 31 days unused,
  credited 94.20 (per seat, rounded down) where the line rounds to 94.30;
* ``wrong_amount``, ``over_credit`` (two credits adding up past the price), ``late_invoice`` (a
  January cancellation credited on February's invoice), ``credit_not_due`` (an Azure reservation,
  not covered, R7.4), ``support_request`` (Windows 7 ESU 2020 under S2020, R7.3),
  ``no_rule_stated`` (a subscription bought on 2020-01-10, under S2018) and ``unmatched_credit``
  (the credit of an order bought before these files).

::

    python tools/make_audit_example.py        # examples/audit_2020_01.csv, examples/audit_2020_02.csv
    csp-rules audit examples/audit_2020_01.csv examples/audit_2020_02.csv --billing-day 1
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from make_example_csv import COLUMNS  # noqa: E402

from csp_rules import billing  # noqa: E402
from csp_rules.facts import Money, Purchase  # noqa: E402

UTC = timezone.utc
INVOICES = {1: "G000200001", 2: "G000200002"}
PRODUCTS = (
    ("Office 365 E3", "1 Year", "1 Year, Monthly", "sub", "240.00"),
    ("Windows Server 2019 Standard - 16 Core License Pack", "Perpetual", "One-Time", "perpetual", "972.00"),
    ("Visio Professional 2019", "Perpetual", "One-Time", "perpetual", "589.00"),
    ("Microsoft 365 Business Premium", "1 Month", "1 Month", "sub", "20.60"),
)


class Writer:
    """The rows of the two files, in order."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.rows: dict[int, list[dict[str, str]]] = {1: [], 2: []}
        self.count = 0

    def _id(self, n: int = 22) -> str:
        return "".join(self.rng.choice("0123456789abcdef") for _ in range(n))

    def purchase(self, month: int, product: tuple[str, str, str, str, str], ordered: datetime, seats: int,
                 *, unit: str | None = None, term_days: int | None = None) -> dict[str, str]:  # fmt: skip
        """A purchase row (ChargeType New) on the invoice of ``month``."""
        name, sku, term, kind, price = product
        unit_price = Decimal(unit or price)
        subtotal = unit_price * seats
        start = ordered.date()
        row = dict.fromkeys(COLUMNS, "")
        end = ""
        if kind == "sub":
            days = term_days or (365 if term.startswith("1 Year") else 31)
            end = (start + timedelta(days=days - 1)).isoformat() + "T23:59:59"
        self.count += 1
        row.update(
            PartnerId="6513270e-269e-4d37-b2a7-4de452e6b438", CustomerId=f"c-{self._id(8)}",
            CustomerName=f"Customer {self.count}", CustomerDomainName=f"customer{self.count}.onmicrosoft.com",
            CustomerCountry="FR", InvoiceNumber=INVOICES[month], MpnId="4390934", OrderId=self._id(),
            OrderDate=ordered.strftime("%Y-%m-%dT%H:%M:%S"), ProductId=f"DG7GMGF0{self._id(4).upper()}",
            SkuId="0001", AvailabilityId=f"DZH318Z0{self._id(4).upper()}", SkuName=sku, ProductName=name,
            ChargeType="New", UnitPrice=str(unit_price), Quantity=str(seats), Subtotal=str(subtotal),
            TaxTotal=str((subtotal * Decimal("0.2")).quantize(Decimal("0.01"))),
            Total=str((subtotal * Decimal("1.2")).quantize(Decimal("0.01"))), Currency="EUR",
            PublisherName="Microsoft Corporation", SubscriptionDescription=name,
            SubscriptionId=f"{self._id(8)}-{self._id(4)}-{self._id(4)}-{self._id(4)}-{self._id(12)}",
            ChargeStartDate=start.isoformat() + "T00:00:00", ChargeEndDate=end, TermAndBillingCycle=term,
            EffectiveUnitPrice=str(unit_price), AlternateId=self._id(12), BillableQuantity=str(seats),
            PricingCurrency="EUR", PCToBCExchangeRate="1", PCToBCExchangeRateDate=f"{start:%Y-%m}-01T00:00:00",
        )  # fmt: skip
        if "Reserved" in name:
            row["ReservationOrderId"] = (
                f"{self._id(8)}-{self._id(4)}-{self._id(4)}-{self._id(4)}-{self._id(12)}"
            )
        self.rows[month].append(row)
        return row

    def credit(self, month: int, bought: dict[str, str], cancelled: datetime, amount: Decimal,
               *, seats: int | None = None, charge: str = "Cancel") -> dict[str, str]:  # fmt: skip
        """A credit row for ``bought``, on the invoice of ``month``, for ``amount`` (written negative)."""
        row = dict(bought)
        quantity = seats if seats is not None else int(bought["Quantity"])
        row.update(
            InvoiceNumber=INVOICES[month], ChargeType=charge, Quantity=str(-quantity), BillableQuantity=str(-quantity),
            Subtotal=str(-amount), TaxTotal=str(-(amount * Decimal("0.2")).quantize(Decimal("0.01"))),
            Total=str(-(amount * Decimal("1.2")).quantize(Decimal("0.01"))),
            ChargeStartDate=cancelled.strftime("%Y-%m-%dT%H:%M:%S"),
        )  # fmt: skip
        self.rows[month].append(row)
        return row


def rules_credit(row: dict[str, str], cancelled: datetime, seats: int | None = None) -> Decimal:
    """The credit the rules give for ``seats`` of a purchase row (R8.4, line_half_up), from the scalar API."""
    kind = "software_subscription" if row["ChargeEndDate"] else "perpetual_software"
    start = date.fromisoformat(row["ChargeStartDate"][:10])
    end = date.fromisoformat(row["ChargeEndDate"][:10]) + timedelta(days=1) if row["ChargeEndDate"] else None
    quantity = int(row["Quantity"])
    part = Decimal(row["UnitPrice"]) * (seats or quantity)
    p = Purchase(order_id=row["OrderId"], product_name=row["ProductName"], kind=kind,
                 purchased_at=datetime.fromisoformat(row["OrderDate"]).replace(tzinfo=UTC),
                 price=Money(part, "EUR"), term_start=start if end else None, term_end=end)  # fmt: skip
    credit = billing.refund_credit(p, cancelled_at=cancelled)
    assert credit.amount is not None, credit.explain("en")
    return credit.amount.amount


def build(seed: int, filler: int) -> Writer:
    w = Writer(seed)
    rng = w.rng

    def at(day: date, hour: int = 10) -> datetime:
        return datetime(day.year, day.month, day.day, hour, rng.randrange(60), tzinfo=UTC)

    # ordinary purchases of both months; a few of them cancelled and credited as the rules say
    for month, first in ((1, date(2020, 1, 21)), (2, date(2020, 2, 1))):
        for _ in range(filler):
            day = first + timedelta(days=rng.randrange(9 if month == 1 else 28))
            bought = w.purchase(month, rng.choice(PRODUCTS), at(day), rng.randint(1, 25))
            if rng.random() < 0.08:
                cancelled = datetime.fromisoformat(bought["OrderDate"]).replace(tzinfo=UTC) + timedelta(
                    days=rng.randint(0, 20 if month == 1 else 3)
                )
                cancel_month = 1 if cancelled.month == 1 else 2
                if cancelled.month <= 2:
                    w.credit(cancel_month, bought, cancelled, rules_credit(bought, cancelled))
    sub, perpetual, monthly = PRODUCTS[0], PRODUCTS[1], PRODUCTS[3]
    # ok_rounding: RULES.md R8.4's example, 10 seats at 10.08, a 31-day term, 29 days unused
    bought = w.purchase(1, ("Microsoft 365 E3", "1 Month", "1 Month", "sub", "10.08"), at(date(2020, 1, 27)), 10,
                        term_days=31)  # fmt: skip
    w.credit(1, bought, datetime(2020, 1, 29, tzinfo=UTC), Decimal("94.20"))
    # wrong_amount: a subscription credited 10% too little
    bought = w.purchase(1, sub, at(date(2020, 1, 23)), 4)
    cancelled = datetime(2020, 2, 5, tzinfo=UTC)
    w.credit(
        2, bought, cancelled, (rules_credit(bought, cancelled) * Decimal("0.9")).quantize(Decimal("0.01"))
    )
    # over_credit: 2 seats removed, then the whole order cancelled and credited in full again
    bought = w.purchase(1, perpetual, at(date(2020, 1, 22)), 3)
    w.credit(
        1, bought, datetime(2020, 1, 25, tzinfo=UTC), Decimal("1944.00"), seats=2, charge="removeQuantity"
    )
    w.credit(2, bought, datetime(2020, 2, 3, tzinfo=UTC), Decimal("2916.00"))
    # late_invoice: cancelled in January, credited on February's invoice (issued 2020-03-01)
    bought = w.purchase(1, PRODUCTS[2], at(date(2020, 1, 24)), 2)
    w.credit(2, bought, datetime(2020, 1, 28, tzinfo=UTC), Decimal("1178.00"))
    # credit_not_due: an Azure reservation (R7.4, not covered by these rules)
    bought = w.purchase(1, ("Reserved VM Instance, Standard_D2s_v3, West Europe", "1 Year", "1 Year", "sub",
                            "570.00"), at(date(2020, 1, 26)), 1)  # fmt: skip
    w.credit(2, bought, datetime(2020, 2, 4, tzinfo=UTC), Decimal("570.00"))
    # support_request: Windows 7 ESU 2020 bought under S2020 (R7.3)
    bought = w.purchase(1, ("Windows 7 Extended Security Updates 2020", "ESU Year 1", "1 Year, Monthly", "sub",
                            "55.51"), at(date(2020, 1, 25)), 5)  # fmt: skip
    w.credit(2, bought, datetime(2020, 2, 2, tzinfo=UTC), Decimal("270.00"))
    # no_rule_stated: a subscription bought on 2020-01-10, under S2018
    bought = w.purchase(1, sub, at(date(2020, 1, 10)), 1)
    w.credit(1, bought, datetime(2020, 1, 15, tzinfo=UTC), Decimal("233.42"))
    # unmatched_credit: a credit for an order of December 2019 (its purchase is in no file given)
    ghost = dict(w.purchase(2, monthly, at(date(2019, 12, 20)), 3))
    w.rows[2].pop()
    w.credit(2, ghost, datetime(2020, 2, 1, tzinfo=UTC), Decimal("41.20"))
    for month in w.rows:  # Partner Center lists lines in no particular order
        rng.shuffle(w.rows[month])
    return w


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--seed", type=int, default=15, help="random seed (default 15)")
    parser.add_argument(
        "--purchases", type=int, default=120, help="ordinary purchases per month (default 120)"
    )
    parser.add_argument("--out", default="examples", help="folder to write to (default examples/)")
    args = parser.parse_args(argv)
    w = build(args.seed, args.purchases)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for month, rows in w.rows.items():
        path = out / f"audit_2020_0{month}.csv"
        with path.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=COLUMNS, lineterminator="\r\n")
            writer.writeheader()
            writer.writerows(rows)
        print(f"wrote {len(rows)} rows to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
