"""``csp-rules market NAME``: are Azure reservations available there (R3), and do its prices include tax (R4.1)."""

from __future__ import annotations

import argparse
from typing import Any

from ._common import (
    add_output,
    add_rules,
    command_parser,
    decision_json,
    load_rules,
    parse_date,
    report,
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
        "Without --on the newest shipped rule set answers; with --on, the dashboard list in force "
        "on that date (R3.4), as for a purchase of that date everywhere.",
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


def _api_list(rules: Any, day: Any) -> Any:
    """The newest version in force on ``day`` with, as its own list, the API pages' list (``--docs api``)."""
    import attrs

    from ..markets import market_list
    from ..rulesets import resolve_rules

    version = resolve_rules(rules, day)
    published = market_list(day, "api")
    reservations = attrs.evolve(
        version.reservations,
        unavailable_markets=published.codes,
        list_docs=published.docs,
        list_first_seen=published.first_seen,
        list_source=published.source,
        from_history=False,
    )
    return attrs.evolve(version, reservations=reservations)


def run(args: argparse.Namespace) -> int:
    from ..markets import check_reservations, resolve
    from ..rulesets import resolve_rules
    from ..tax import tax_treatment

    market = resolve(args.name, lang=args.name_lang)
    rules = load_rules(args.rules)
    day = None if args.on is None else parse_date(args.on, "--on")
    if day is not None and args.docs == "api":
        rules = _api_list(rules, day)
    # R3.4: a dated question is answered by the dashboard list in force on that date, as everywhere
    # Before the first version (S2018, 2018-08-31) no rule answers, whatever the published lists say.
    version = None if day is None else resolve_rules(rules, day)
    decision = check_reservations(market, rules=rules, on=day)
    tax = tax_treatment(market, rules=rules if version is None else version)
    name = f"{market.name(args.lang)} ({market.code})"
    listed = f"{show(decision.facts['list_first_seen'], args.lang)} ({decision.facts['list_docs']})"
    return report(
        args,
        decision,
        [("market", name), ("list", listed)],
        more=[tax.explain(args.lang)],
        json_extra={
            "market": {"code": market.code, "name": market.name(args.lang)},
            "reservations_available": decision.allowed,
            "price_includes_tax": tax.allowed,
            "tax": decision_json(tax, args.lang),
        },
    )
