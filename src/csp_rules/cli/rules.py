"""``csp-rules rules``: print the rule set in force on a date, every parameter with its rule."""

from __future__ import annotations

import argparse
from typing import Any

from ..rulesets import describe, load_ruleset, rules_in_force
from ._common import add_lang, parse_date, print_json

_TEXT = {
    "en": {"in_force": "in force from", "sources": "Sources", "parameter": "parameter", "rule": "rule"},
    "fr": {
        "in_force": "en vigueur depuis le",
        "sources": "Sources",
        "parameter": "paramètre",
        "rule": "règle",
    },
}


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "rules",
        help="print the rule set in force on a date",
        description="Print the rule set in force on a date: version, dates, sources, and every parameter "
        "with its RULES.md number.",
        epilog="example: csp-rules rules --on 2019-05-01 --lang fr",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--on", metavar="DATE", help="the date (YYYY-MM-DD); default: the newest rule set")
    group.add_argument("--file", metavar="PATH", help="read a rule-set file (JSON or TOML) instead")
    add_lang(parser)
    parser.add_argument("--json", action="store_true", help="print the rule set as JSON")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from ..rulesets import shipped_rulesets

    if args.file:
        rules = load_ruleset(args.file)
    elif args.on:
        rules = rules_in_force(parse_date(args.on))
    else:
        rules = shipped_rulesets()[-1]
    if args.json:
        print_json(rules.to_dict())
        return 0
    t = _TEXT[args.lang]
    print(f"{rules.version}: {rules.title}")
    print(f"  {t['in_force']} {rules.in_force_from.isoformat()}")
    print(f"{t['sources']}:")
    for source in rules.sources:
        print(f"  {source.id} ({source.published.isoformat()}): {source.title}; {source.reference}")
    params = [
        p for p in describe(rules) if not p.path.startswith(("sources", "version", "title", "in_force"))
    ]
    width = max(len(p.path) for p in params)
    print(f"{t['parameter']:<{width}}  {t['rule']:<22}  value")
    for p in params:
        print(f"{p.path:<{width}}  {p.rule:<22}  {p.display}")
    return 0
