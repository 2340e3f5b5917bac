"""``csp-rules credit``: what credit comes back for a cancellation, and on which invoice (R8.4)."""

from __future__ import annotations

import argparse
from datetime import date
from typing import Any

from ._common import (
    add_output,
    add_rules,
    command_parser,
    load_rules,
    parse_date,
    parse_int,
    parse_money,
    parse_when,
    report,
)
from .cancel import add_purchase_flags, purchase_from


def register(sub: Any) -> None:
    parser = command_parser(
        sub,
        "credit",
        summary="what credit a cancellation brings, and on which invoice (R8.4)",
        description="The credit for cancelling a purchase at an instant (R8.4): 100% for perpetual "
        "software, prorated by unused days for software subscriptions (give --term-start and "
        "--term-end), nothing when the purchase could not be cancelled then (R7), and 'no rule "
        "stated' under S2018. With --billing-day, the invoice the credit appears on. The purchase "
        "is judged by the rule set in force at its purchase date. --cancelled is required.",
        examples=[
            'csp-rules credit --order O-1 --product "Office 365 E3" --kind software_subscription \\',
            '    --purchased 2020-03-01 --price "120.00 EUR" --term-start 2020-03-01 --term-end 2020-03-31 \\',
            "    --cancelled 2020-03-02T15:00Z --billing-day 5",
            'csp-rules credit --order O-9 --product "SQL Server 2019 Standard" --kind perpetual_software \\',
            '    --purchased 2020-03-01 --price "1200.00 EUR" --cancelled 2020-03-10 --lang fr --json',
        ],
    )
    add_purchase_flags(parser)
    parser.add_argument(
        "--price", required=True, metavar="AMOUNT CURRENCY", help="what was paid, e.g. '120.00 EUR'"
    )
    parser.add_argument(
        "--term-start", metavar="DATE", help="first day of the subscription's term (YYYY-MM-DD)"
    )
    parser.add_argument(
        "--term-end", metavar="DATE", help="the day after its last day: the term is [start, end)"
    )
    parser.add_argument(
        "--cancelled", required=True, metavar="WHEN", help="the instant of the cancellation (required)"
    )
    parser.add_argument("--billing-day", metavar="N", help="the day of the month invoices are issued (1-31)")
    add_rules(parser)
    add_output(parser)
    parser.set_defaults(handler=run)


def _date(text: str | None, field: str) -> date | None:
    return None if text is None else parse_date(text, field)


def run(args: argparse.Namespace) -> int:
    from ..billing import refund_credit

    purchase = purchase_from(
        args,
        price=parse_money(args.price),
        term_start=_date(args.term_start, "--term-start"),
        term_end=_date(args.term_end, "--term-end"),
    )
    billing_day = None if args.billing_day is None else parse_int(args.billing_day, "--billing-day", 1)
    credit = refund_credit(
        purchase,
        cancelled_at=parse_when(args.cancelled, "--cancelled"),
        rules=load_rules(args.rules),
        billing_day=billing_day,
    )
    amount, fraction, invoice = credit.amount, credit.fraction, credit.invoice_date
    rows = [
        ("amount", amount), ("fraction", fraction), ("unused_days", credit.unused_days),
        ("term_days", credit.term_days), ("invoice_date", invoice),
    ]  # fmt: skip
    return report(
        args,
        credit,
        rows,
        json_extra={
            "amount": None if amount is None else {"amount": str(amount.amount), "currency": amount.currency},
            "fraction": None if fraction is None else str(fraction),
            "unused_days": credit.unused_days,
            "term_days": credit.term_days,
            "invoice_date": None if invoice is None else invoice.isoformat(),
        },
    )
