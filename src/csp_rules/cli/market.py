"""``csp-rules market NAME``: are Azure reservations available there (R3), and do its prices include tax (R4.1)."""

from __future__ import annotations

import argparse
from typing import Any

from ._common import (
    add_output,
    add_rules,
    answer,
    command_parser,
    decision_json,
    load_rules,
    parse_date,
    print_decision,
    print_json,
    show,
)


def register(sub: Any) -> None:
    parser = command_parser(
        sub,
        "market",
        summary="are Azure reservations available in a market, and do its prices include tax (R3, R4.1)",
        description="Whether Azure reservations can be bought in a market (R3) and whether its listed "
        "prices include tax (R4.1). NAME is a market code (FR, FRA, 250) or a name in English, "
        "French or another CLDR language ('République démocratique du Congo', 'Allemagne'). "
        "By default the newest shipped rule set answers (the S2020 list); with --on, the list "
        "published on that date (R3.4).",
        examples=[
            'csp-rules market "République démocratique du Congo"',
            "csp-rules market Australia --lang fr",
            "csp-rules market BR --on 2018-09-01 --json",
        ],
    )
    parser.add_argument("name", metavar="NAME", help="the market: a code or a name")
    parser.add_argument(
        "--on",
        metavar="DATE",
        help="answer with the market list and rule set in force on this date (YYYY-MM-DD)",
    )
    parser.add_argument(
        "--docs",
        choices=("dashboard", "api"),
        default="dashboard",
        help="with --on: the list of the dashboard pages (default) or of the API pages (R3.4)",
    )
    parser.add_argument(
        "--name-lang",
        metavar="LANG",
        help="the language NAME is written in, when a name is ambiguous ('Kongo')",
    )
    add_rules(parser)
    add_output(parser)
    parser.set_defaults(handler=run)


def _rules_for(args: argparse.Namespace) -> Any:
    """The rule set, with the reservation list published on ``--on`` when a date is given (R3.4)."""
    import attrs

    from ..markets import market_list
    from ..rulesets import rules_in_force

    rules = load_rules(args.rules)
    if args.on is None:
        return rules
    day = parse_date(args.on, "--on")
    if rules is None:
        rules = rules_in_force(day)
    published = market_list(day, args.docs)
    reservations = attrs.evolve(
        rules.reservations,
        unavailable_markets=published.codes,
        list_docs=published.docs,
        list_first_seen=published.first_seen,
        list_source=published.source,
    )
    return attrs.evolve(rules, reservations=reservations)


def run(args: argparse.Namespace) -> int:
    from ..markets import check_reservations, resolve
    from ..tax import tax_treatment

    market = resolve(args.name, lang=args.name_lang)
    rules = _rules_for(args)
    decision = check_reservations(market, rules=rules)
    tax = tax_treatment(market, rules=rules)
    name = f"{market.name(args.lang)} ({market.code})"
    if args.json:
        data = decision_json(decision, args.lang)
        data["market"] = {"code": market.code, "name": market.name(args.lang)}
        data["reservations_available"] = decision.allowed
        data["price_includes_tax"] = tax.allowed
        data["tax"] = decision_json(tax, args.lang)
        print_json(data)
    else:
        first_seen = decision.facts["list_first_seen"]
        listed = f"{show(first_seen, args.lang)} ({decision.facts['list_docs']})"
        print_decision(
            decision, args.lang, [("market", name), ("list", listed)], more=[tax.explain(args.lang)]
        )
    return answer(decision)
