"""``csp-rules cancel``: can this order be cancelled at this instant, how, and until when (R7, R10.3, R1.2)."""

from __future__ import annotations

import argparse
from typing import Any

from ._common import add_output, add_rules, command_parser, load_rules, parse_when, report


def register(sub: Any) -> None:
    parser = command_parser(
        sub,
        "cancel",
        summary="can this order be cancelled now, how, and until when (R7)",
        description="Whether a software purchase can be cancelled at an instant (R7.1-R7.4, R10.3): "
        "self-service within the window, through a support request, not at all, or not covered; "
        "the deadline and the days left. The purchase is judged by the rule set in force at its "
        "purchase date. There is no hidden clock: --at, the instant of the question, is required.",
        examples=[
            'csp-rules cancel --order O-1 --product "Office 365 E3" --kind software_subscription \\',
            "    --purchased 2020-03-01T09:30Z --at 2020-04-15T09:00Z",
            'csp-rules cancel --order O-2 --product "Windows 7 ESU 2020" --kind software_subscription \\',
            "    --purchased 2020-02-01 --at 2020-02-02 --lang fr --json",
        ],
    )
    add_purchase_flags(parser)
    parser.add_argument("--at", required=True, metavar="WHEN", help="the instant of the question (required)")
    parser.add_argument(
        "--role",
        action="append",
        metavar="ROLE",
        help="a role of the person cancelling, English or French (repeat for several); "
        "without it roles are left out of the answer (R1.2)",
    )
    add_rules(parser)
    add_output(parser)
    parser.set_defaults(handler=run)


def add_purchase_flags(parser: argparse.ArgumentParser) -> None:
    """The facts of one purchase, shared with ``csp-rules credit``."""
    parser.add_argument("--order", required=True, metavar="ID", help="the order ID")
    parser.add_argument("--product", required=True, metavar="NAME", help="the product's name")
    parser.add_argument(
        "--kind",
        required=True,
        metavar="KIND",
        help="software_subscription, perpetual_software (on-premises), azure_reservation or azure_software_plan",
    )
    parser.add_argument(
        "--purchased",
        required=True,
        metavar="WHEN",
        help="the purchase instant: YYYY-MM-DD (00:00 UTC) or a date-time with a zone",
    )
    parser.add_argument("--sku", metavar="NAME", help="the SKU name, if known (read for R7.3 exclusions)")
    parser.add_argument(
        "--term-started",
        metavar="WHEN",
        help="for a renewed subscription, when its current term began (R11.2: it selects the rules and, "
        "from S2022-07-11, opens a 7-day window)",
    )


def purchase_from(args: argparse.Namespace, **extra: Any) -> Any:
    from ..facts import Purchase

    return Purchase(
        order_id=args.order,
        product_name=args.product,
        kind=args.kind,
        purchased_at=parse_when(args.purchased, "--purchased"),
        sku_name=args.sku,
        term_started_at=None
        if args.term_started is None
        else parse_when(args.term_started, "--term-started"),
        **extra,
    )


def run(args: argparse.Namespace) -> int:
    from ..cancellation import evaluate

    purchase = purchase_from(args)
    at = parse_when(args.at, "--at")
    decision = evaluate(purchase, at=at, roles=args.role, rules=load_rules(args.rules))
    rows = [
        ("deadline", decision.deadline),
        ("days_left", decision.days_left),
        ("time_left", decision.time_left),
    ]
    return report(args, decision, rows)
