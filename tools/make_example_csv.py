"""Write realistic Partner Center one-time purchase reconciliation files: CSV in the November 2020 layout
(40 columns) or the November 2019 layout (33 spaced columns), or the API's invoice line items (JSON).

No public sample of these files exists, so this script makes one: software subscriptions,
perpetual software, Azure reservations and Azure software plans, bought in 2019 and 2020 by
customers in about twenty markets (Namibia's code is ``NA``), priced in each market's currency
(JPY and KRW without decimals), with the R7.3 products (Windows 7 ESU 2020, SUSE / Red Hat
software plans), a few names that nearly match them, and lines as Partner Center writes them:
``ChargeType`` New, addQuantity and renew (a renewal's ``ChargeStartDate`` is its term's start),
credit lines (Cancel, removeQuantity, with negative amounts) and other lines (Convert,
customerCredit); reservations with a ``ReservationOrderId`` and, as older files have them,
without one; perpetual software with a blank ``TermAndBillingCycle`` and no ``ChargeEndDate``.
About one row in a hundred is wrong in a way pipelines meet (an unknown country, an unreadable
date, a missing order ID, an unknown currency, a term that names no kind, a blank term with a
charge end date, an amount with a decimal comma). The 2019 layout writes Partner Center's en-US
dates (``11/21/2019 2:05:00 PM``) and has no ``ReservationOrderId``: its reservations are told by
their names. Rows are deterministic for a seed; the three layouts hold the same rows.

Evaluated at ``2020-06-30T12:00:00Z`` (``--at``), the shipped examples hold every outcome
``csp_rules.batch`` reports::

    python tools/make_example_csv.py                       # examples/one_time_purchases.csv, 3000 rows
    python tools/make_example_csv.py --layout 2019         # examples/one_time_purchases_2019.csv
    python tools/make_example_csv.py --layout api          # examples/invoice_line_items.json (a page)
    python tools/make_example_csv.py --rows 1000000 --out /tmp/big.csv   # for bench/batch.py
    csp-rules evaluate examples/one_time_purchases.csv --at 2020-06-30T12:00:00Z
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import itertools
import json
import random
import re
import sys
import uuid
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

COLUMNS = [
    "PartnerId",
    "CustomerId",
    "CustomerName",
    "CustomerDomainName",
    "CustomerCountry",
    "InvoiceNumber",
    "MpnId",
    "ResellerMpnId",
    "OrderId",
    "OrderDate",
    "ProductId",
    "SkuId",
    "AvailabilityId",
    "SkuName",
    "ProductName",
    "ChargeType",
    "UnitPrice",
    "Quantity",
    "Subtotal",
    "TaxTotal",
    "Total",
    "Currency",
    "PriceAdjustmentDescription",
    "PublisherName",
    "PublisherId",
    "SubscriptionDescription",
    "SubscriptionId",
    "ChargeStartDate",
    "ChargeEndDate",
    "TermAndBillingCycle",
    "EffectiveUnitPrice",
    "UnitType",
    "AlternateId",
    "BillableQuantity",
    "BillingFrequency",
    "PricingCurrency",
    "PCToBCExchangeRate",
    "PCToBCExchangeRateDate",
    "MeterDescription",
    "ReservationOrderId",
]

#: market -> (currency, units of currency per USD, tax rate)
MARKETS = {
    "US": ("USD", "1", "0.00"),
    "GB": ("GBP", "0.79", "0.20"),
    "FR": ("EUR", "0.91", "0.20"),
    "DE": ("EUR", "0.91", "0.19"),
    "NL": ("EUR", "0.91", "0.21"),
    "ES": ("EUR", "0.91", "0.21"),
    "IT": ("EUR", "0.91", "0.22"),
    "AU": ("AUD", "1.52", "0.10"),
    "BR": ("BRL", "5.10", "0.18"),
    "IN": ("INR", "75.3", "0.18"),
    "JP": ("JPY", "107", "0.10"),
    "KR": ("KRW", "1190", "0.10"),
    "CN": ("CNY", "7.05", "0.13"),
    "CA": ("CAD", "1.36", "0.05"),
    "SE": ("SEK", "9.30", "0.25"),
    "MX": ("MXN", "22.1", "0.16"),
    "ZA": ("ZAR", "17.2", "0.15"),
    "AD": ("EUR", "0.91", "0.045"),
    "XK": ("EUR", "0.91", "0.18"),
    "KW": ("KWD", "0.308", "0.00"),
    "NA": ("NAD", "17.2", "0.15"),
}
MARKET_WEIGHTS = (30, 12, 10, 10, 5, 4, 4, 6, 5, 4, 4, 2, 2, 3, 2, 2, 2, 1, 1, 1, 1)
ZERO_DIGITS = {"JPY", "KRW"}
THREE_DIGITS = {"KWD"}

# (product name, sku name, kind, USD unit price, terms); kind: sub, perpetual, reservation, plan
CATALOG = (
    ("Windows Server 2019 Datacenter - 2 Core License Pack", "1 year", "sub", "307.00", ("1 Year, Monthly",)),
    ("Windows Server 2019 Standard - 2 Core License Pack", "3 years", "sub", "61.00", ("3 Years, Annual",)),
    ("SQL Server 2019 Standard - 2 Core License Pack", "1 year", "sub", "1859.00", ("1 Year, Monthly",)),
    (
        "Windows 10 Enterprise E3 (local only)",
        "1 year",
        "sub",
        "84.00",
        ("1 Year, Monthly", "1 Year, Annual"),
    ),
    ("Windows 7 Extended Security Updates 2020", "ESU Year 1", "sub", "61.00", ("1 Year, Monthly",)),
    ("Windows 7 Extended Security Updates - Year 2", "ESU Year 2", "sub", "122.00", ("1 Year, Monthly",)),
    (
        "Windows Server 2019 Standard - 16 Core License Pack",
        "Perpetual",
        "perpetual",
        "972.00",
        ("One-Time",),
    ),
    ("Office Professional Plus 2019", "Perpetual", "perpetual", "529.00", ("One-Time",)),
    ("Project Standard 2019", "Perpetual", "perpetual", "709.00", ("One-Time",)),
    ("Visio Professional 2019", "Perpetual", "perpetual", "589.00", ("One-Time",)),
    ("SQL Server 2019 Enterprise - 2 Core License Pack", "Perpetual", "perpetual", "13748.00", ("One-Time",)),
    ("Reserved VM Instance, Standard_D2s_v3, West Europe", "1 Year", "reservation", "623.00", ("1 Year",)),
    ("Reserved VM Instance, Standard_E4s_v3, East US", "3 Years", "reservation", "2731.00", ("3 Years",)),
    ("SUSE Linux Enterprise Server Priority Software Plan", "1-2 vCPU VM", "plan", "612.00", ("1 Year",)),
    ("Red Hat Enterprise Linux Software Plan", "1-4 vCPU VM", "plan", "438.00", ("1 Year, Monthly",)),
)
CATALOG_WEIGHTS = (10, 10, 6, 12, 4, 1, 10, 10, 6, 6, 2, 5, 3, 3, 3)

COMPANIES = (
    "Contoso",
    "Fabrikam",
    "Northwind Traders",
    "Adventure Works",
    "Tailspin Toys",
    "Wide World Importers",
    "Litware",
    "Proseware",
    "Woodgrove Bank",
    "Coho Winery",
    "Alpine Ski House",
    "Blue Yonder Airlines",
    "Fourth Coffee",
    "Lucerne Publishing",
    "Margie's Travel",
    "Trey Research",
    "Wingtip Toys",
    "VanArsdel",
)

#: the instant the shipped example is meant to be evaluated at
EXAMPLE_AT = "2020-06-30T12:00:00Z"


def _guid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _money(value: Decimal, currency: str) -> Decimal:
    digits = 0 if currency in ZERO_DIGITS else 3 if currency in THREE_DIGITS else 2
    return value.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)


def _term_end(start: date, term: str) -> date:
    years = 3 if term.startswith("3") else 1
    try:
        end = start.replace(year=start.year + years)
    except ValueError:  # 29 February
        end = start.replace(year=start.year + years, day=28)
    return end - timedelta(days=1)


#: the November 2019 layout: its 33 columns, each with the 2020 column it holds
COLUMNS_2019 = (
    ("PartnerId", "PartnerId"),
    ("Customer Id", "CustomerId"),
    ("Customer Name", "CustomerName"),
    ("CustomerDomainName", "CustomerDomainName"),
    ("Customer Country", "CustomerCountry"),
    ("Invoice number", "InvoiceNumber"),
    ("MpnId", "MpnId"),
    ("Reseller MpnId", "ResellerMpnId"),
    ("Order ID", "OrderId"),
    ("Order date", "OrderDate"),
    ("ProductId", "ProductId"),
    ("SkuId", "SkuId"),
    ("AvailabilityId", "AvailabilityId"),
    ("SKU Name", "SkuName"),
    ("Product name", "ProductName"),
    ("PublisherName", "PublisherName"),
    ("PublisherID", "PublisherId"),
    ("Subscription Description", "SubscriptionDescription"),
    ("Subscription ID", "SubscriptionId"),
    ("ChargeStartDate", "ChargeStartDate"),
    ("ChargeEndDate", "ChargeEndDate"),
    ("Term and Billingcycle", "TermAndBillingCycle"),
    ("Charge Type", "ChargeType"),
    ("Unit Price", "UnitPrice"),
    ("Effective Unit Price", "EffectiveUnitPrice"),
    ("Quantity", "Quantity"),
    ("Unit type", "UnitType"),
    ("DiscountDetails", "PriceAdjustmentDescription"),
    ("Sub Total", "Subtotal"),
    ("Tax Total", "TaxTotal"),
    ("Total", "Total"),
    ("Currency", "Currency"),
    ("AlternateID", "AlternateId"),
)
#: the API's OneTimeInvoiceLineItem: camelCase names of the 2020 columns (TotalForCustomer for Total)
API_NAMES = {c: (c[0].lower() + c[1:]) for c in COLUMNS} | {
    "Total": "totalForCustomer",
    "PCToBCExchangeRate": "pcToBCExchangeRate",
    "PCToBCExchangeRateDate": "pcToBCExchangeRateDate",
}
#: API fields that are numbers (JSON numbers, read as exact decimals)
API_NUMBERS = {
    "UnitPrice",
    "EffectiveUnitPrice",
    "Quantity",
    "Subtotal",
    "TaxTotal",
    "Total",
    "BillableQuantity",
    "PCToBCExchangeRate",
}


def rows(count: int, seed: int, first: date, last: date) -> Iterator[dict[str, str]]:
    """``count`` rows, as the 2020 layout names them, purchases between ``first`` and ``last``."""
    rng = random.Random(seed)
    partner = _guid(rng)
    customers = []
    for i in range(max(8, count // 40)):
        company = COMPANIES[i % len(COMPANIES)] + (
            "" if i < len(COMPANIES) else f" {i // len(COMPANIES) + 1}"
        )
        market = rng.choices(list(MARKETS), MARKET_WEIGHTS)[0]
        domain = "".join(c for c in company.lower() if c.isalnum()) + ".onmicrosoft.com"
        customers.append((_guid(rng), company, domain, market))
    span = (last - first).days * 86400
    invoice = 100_000
    countries = itertools.cycle(("Atlantis", "EU", "ZZ"))  # each wrong country in turn
    for n in range(count):
        customer_id, name, domain, market = rng.choice(customers)
        currency, rate, tax_rate = MARKETS[market]
        product, sku, kind, usd, terms = rng.choices(CATALOG, CATALOG_WEIGHTS)[0]
        term = rng.choice(terms)
        ordered = datetime.combine(first, datetime.min.time()) + timedelta(seconds=rng.randrange(span))
        quantity = rng.choice((1, 1, 1, 2, 2, 4, 5, 8, 10, 16, 25))
        unit = _money(Decimal(usd) * Decimal(rate), currency)
        subtotal = unit * quantity
        tax = _money(subtotal * Decimal(tax_rate), currency)
        start = ordered.date()
        end = start if kind == "perpetual" else _term_end(start, term)
        if n % 25 == 0:
            invoice += 1
        row = {
            "PartnerId": partner,
            "CustomerId": customer_id,
            "CustomerName": name,
            "CustomerDomainName": domain,
            "CustomerCountry": market,
            "InvoiceNumber": f"G{invoice:09d}",
            "MpnId": "4390934",
            "ResellerMpnId": "",
            "OrderId": uuid.UUID(int=rng.getrandbits(128)).hex[:22],
            "OrderDate": ordered.isoformat(timespec="seconds"),
            "ProductId": f"DG7GMGF0{rng.randrange(36**4):04X}"[:12],
            "SkuId": f"{rng.randrange(1, 20):04d}",
            "AvailabilityId": f"DZH318Z0{rng.randrange(36**4):04X}"[:12],
            "SkuName": sku,
            "ProductName": product,
            "ChargeType": "New",
            "UnitPrice": str(unit),
            "Quantity": str(quantity),
            "Subtotal": str(subtotal),
            "TaxTotal": str(tax),
            "Total": str(subtotal + tax),
            "Currency": currency,
            "PriceAdjustmentDescription": "",
            "PublisherName": "Microsoft Corporation",
            "PublisherId": "",
            "SubscriptionDescription": product,
            "SubscriptionId": "" if kind == "perpetual" else _guid(rng),
            "ChargeStartDate": f"{start.isoformat()}T00:00:00",
            "ChargeEndDate": f"{end.isoformat()}T23:59:59",
            "TermAndBillingCycle": "One-Time" if kind == "perpetual" else term,
            "EffectiveUnitPrice": str(unit),
            "UnitType": "",
            "AlternateId": uuid.UUID(int=rng.getrandbits(128)).hex[:12],
            "BillableQuantity": str(quantity),
            "BillingFrequency": "",
            "PricingCurrency": "USD",
            "PCToBCExchangeRate": rate,
            "PCToBCExchangeRateDate": f"{start.replace(day=1).isoformat()}T00:00:00",
            "MeterDescription": "",
            "ReservationOrderId": _guid(rng) if kind == "reservation" else "",
        }
        _line(rng, row, kind, ordered)
        _spoil(rng, row, countries)
        yield row


def _line(rng: random.Random, row: dict[str, str], kind: str, ordered: datetime) -> None:
    """What the line is (ChargeType) and the fields Partner Center leaves blank, as real files have them."""
    roll = rng.random()
    if kind == "sub" and roll < 0.06:  # a renewal: the order is a year older, the term starts now
        row["ChargeType"] = "renew"
        row["OrderDate"] = (ordered - timedelta(days=365)).isoformat(timespec="seconds")
    elif kind == "sub" and roll < 0.10:  # seats added to an order: a purchase of its own date
        row["ChargeType"] = "addQuantity"
    elif roll < 0.13:  # a credit line: a cancellation or fewer seats, negative amounts
        row["ChargeType"] = rng.choice(("Cancel", "removeQuantity"))
        for column in ("Subtotal", "TaxTotal", "Total"):
            row[column] = "-" + row[column]
    elif roll < 0.14:
        row["ChargeType"] = rng.choice(("Convert", "customerCredit"))
    if kind == "reservation" and rng.random() < 0.3:  # as older files: no ReservationOrderId
        row["ReservationOrderId"] = ""
    if kind == "perpetual" and rng.random() < 0.2:  # a blank term and no charge end: perpetual
        row["TermAndBillingCycle"] = ""
        row["ChargeEndDate"] = ""


def _spoil(rng: random.Random, row: dict[str, str], countries: Iterator[str]) -> None:
    """About one row in a hundred goes wrong as real files do."""
    roll = rng.random()
    if roll >= 0.012:
        return
    choice = rng.randrange(7)
    if choice == 0:
        row["CustomerCountry"] = next(countries)
    elif choice == 1:
        row["OrderDate"] = rng.choice(("31/02/2020", "2020-02-30T10:00:00", "yesterday"))
    elif choice == 2:  # a subscription whose term was lost: not guessed perpetual
        row["TermAndBillingCycle"] = ""
        if row["ChargeEndDate"] == "":
            row["ChargeEndDate"] = row["ChargeStartDate"][:10] + "T23:59:59"
    elif choice == 3:
        row["OrderId"] = ""
    elif choice == 4:
        row["Currency"] = "XYZ"
    elif choice == 5:
        row["TermAndBillingCycle"] = "Weekly" if row["TermAndBillingCycle"] != "One-Time" else ""
        if row["TermAndBillingCycle"] == "":
            row["CustomerCountry"] = "Gondor"
    else:
        row["Subtotal"] = "12,50"


def _us(text: str) -> str:
    """An ISO date-time as Partner Center's en-US reports write it: ``11/21/2019 2:05:00 PM``."""
    if not text or not text[:4].isdigit():
        return text  # blank, or already wrong on purpose
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text
    hour = moment.hour % 12 or 12
    half = "AM" if moment.hour < 12 else "PM"
    return f"{moment.month}/{moment.day}/{moment.year} {hour}:{moment.minute:02d}:{moment.second:02d} {half}"


def _api(row: dict[str, str]) -> dict[str, object]:
    """A row as the API's OneTimeInvoiceLineItem: camelCase, numbers as JSON numbers, dates in UTC (Z)."""
    item: dict[str, object] = {}
    for column in COLUMNS:
        value: object = row[column]
        if column in API_NUMBERS and value:
            with contextlib.suppress(ArithmeticError):  # a value wrong on purpose stays text
                value = Decimal(str(value))
        elif column in ("OrderDate", "ChargeStartDate", "ChargeEndDate", "PCToBCExchangeRateDate") and value:
            value = f"{value}Z" if str(value)[:4].isdigit() and len(str(value)) == 19 else value
        elif value == "":
            value = None
        item[API_NAMES[column]] = value
    item["invoiceLineItemType"] = "billingLineItems"
    item["billingProvider"] = "one_time"
    item["attributes"] = {"objectType": "OneTimeInvoiceLineItem"}
    return item


def _number(value: object) -> object:
    """A decimal as a marked string, unmarked after ``json.dumps``: JSON numbers written exactly, never via floats."""
    if isinstance(value, Decimal):
        return f"@@{value}@@"
    raise TypeError(type(value).__name__)


def write(layout: str, out: str, count: int, seed: int, first: date, last: date) -> None:
    made = rows(count, seed, first, last)
    if layout == "api":
        items = [json.dumps(_api(r), ensure_ascii=False, default=_number) for r in made]
        # a page of the API, one line item a line
        head = '{"totalCount": ' + str(len(items)) + ', "items": [\n'
        text = head + ",\n".join(items) + '\n], "attributes": {"objectType": "Collection"}}\n'
        Path(out).write_text(re.sub(r'"@@([-0-9.E+]+)@@"', r"\1", text), encoding="utf-8")
        return
    with open(out, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        if layout == "2019":
            writer.writerow([name for name, _ in COLUMNS_2019])
            for r in made:
                for column in ("OrderDate", "ChargeStartDate", "ChargeEndDate"):
                    r[column] = _us(r[column])
                writer.writerow([r[source] for _, source in COLUMNS_2019])
        else:
            writer.writerow(COLUMNS)
            writer.writerows([r[c] for c in COLUMNS] for r in made)


EXAMPLES = {
    "2020": "one_time_purchases.csv",
    "2019": "one_time_purchases_2019.csv",
    "api": "invoice_line_items.json",
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--rows", type=int, default=3000, help="number of rows (default 3000)")
    parser.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    parser.add_argument("--first", default="2019-10-01", help="first purchase date (default 2019-10-01)")
    parser.add_argument("--last", default="2020-06-30", help="last purchase date (default 2020-06-30)")
    parser.add_argument(
        "--layout",
        choices=sorted(EXAMPLES),
        default="2020",
        help="the November 2020 CSV layout (default), the 2019 one, or the API's line items (JSON page)",
    )
    parser.add_argument(
        "--out", help="output file (default: the shipped example of the layout, in examples/)"
    )
    args = parser.parse_args(argv)
    first, last = date.fromisoformat(args.first), date.fromisoformat(args.last)
    out = args.out or str(Path(__file__).resolve().parent.parent / "examples" / EXAMPLES[args.layout])
    write(args.layout, out, args.rows, args.seed, first, last)
    print(f"wrote {args.rows} rows to {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
