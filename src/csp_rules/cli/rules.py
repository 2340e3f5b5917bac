"""``csp-rules rules``: the rule set in force on a date, the chain of versions, or what changed between two.

* default: the newest version (``--on DATE``: the one in force then; ``--file``: a rule-set file):
  version, dates, sources and every parameter with its RULES.md number;
* ``--history``: the chain of dated versions (R11.5): each version, from, to, what changed, its
  source, its uncertainty span (R11.3) and the date it was verified until (R11.4);
* ``--diff A B``: the parameters whose values differ between versions A and B.

With ``--file``, the file's version joins the shipped chain for ``--history`` and ``--diff``.
"""

from __future__ import annotations

import argparse
from typing import Any

from ..errors import InvalidFieldError
from ..rulesets import RuleChain, RuleSet, describe, load_ruleset, rules_in_force, shipped_chain
from ._common import add_lang, one_line_errors, parse_date, print_json

_TEXT = {
    "en": {
        "in_force": "in force from",
        "until": "until",
        "open": "until further notice",
        "sources": "Sources",
        "parameter": "parameter",
        "rule": "rule",
        "changes": "what changes",
        "uncertain": "change date uncertain",
        "verified": "verified against the sources until",
        "history": "The dated versions of the rules (R11), oldest first",
        "diff": "Parameters that differ between {a} and {b}",
        "same": "No parameter differs between {a} and {b}.",
    },
    "fr": {
        "in_force": "en vigueur depuis le",
        "until": "jusqu'au",
        "open": "jusqu'à nouvel ordre",
        "sources": "Sources",
        "parameter": "paramètre",
        "rule": "règle",
        "changes": "ce qui change",
        "uncertain": "date du changement incertaine",
        "verified": "vérifiée dans les sources jusqu'au",
        "history": "Les versions datées des règles (R11), de la plus ancienne à la plus récente",
        "diff": "Paramètres qui diffèrent entre {a} et {b}",
        "same": "Aucun paramètre ne diffère entre {a} et {b}.",
    },
}


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "rules",
        help="print the rule set in force on a date, the chain of versions, or what changed",
        description="Print the rule set in force on a date (version, dates, sources, and every parameter "
        "with its RULES.md number), the chain of dated versions (--history), or the parameters that "
        "differ between two versions (--diff A B).",
        epilog="examples / exemples :\n"
        "  csp-rules rules --on 2019-05-01 --lang fr\n"
        "  csp-rules rules --history\n"
        "  csp-rules rules --diff S2021-06-02 S2022-07-11\n"
        "  csp-rules rules --file acme.toml --history\n\n"
        "exit status: 0 printed, 2 on a bad date, version or rule-set file (one line on standard error),\n"
        "3 on an internal error (--debug adds the traceback).\n"
        "statut de sortie : 0 affiché, 2 pour une date, une version ou un fichier de règles non valable\n"
        "(une ligne sur la sortie d'erreur), 3 pour une erreur interne (--debug y ajoute la pile d'appels).",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    what = parser.add_mutually_exclusive_group()
    what.add_argument("--on", metavar="DATE", help="the date (YYYY-MM-DD); default: the newest version")
    what.add_argument("--history", action="store_true", help="list the chain of dated versions")
    what.add_argument(
        "--diff", nargs=2, metavar=("A", "B"), help="the parameters that differ between A and B"
    )
    parser.add_argument(
        "--file", metavar="PATH", help="a rule-set file (JSON or TOML): shown, or added to the chain"
    )
    add_lang(parser)
    parser.add_argument("--json", action="store_true", help="print as JSON")
    one_line_errors(parser)
    parser.set_defaults(handler=run)


def _chain(args: argparse.Namespace) -> tuple[RuleChain, RuleSet | None]:
    own = load_ruleset(args.file) if args.file else None
    chain = shipped_chain() if own is None else shipped_chain().with_version(own)
    return chain, own


def _version(chain: RuleChain, name: str) -> RuleSet:
    for rules in chain:
        if rules.version.casefold() == name.casefold():
            return rules
    known = ", ".join(r.version for r in chain)
    raise InvalidFieldError(
        f"--diff: no version {name!r} in the chain; known: {known}", field="--diff", value=name
    )


def run(args: argparse.Namespace) -> int:
    t = _TEXT[args.lang]
    chain, own = _chain(args)
    if args.history:
        return _history(chain, args, t)
    if args.diff:
        return _diff(_version(chain, args.diff[0]), _version(chain, args.diff[1]), args, t)
    if own is not None:
        rules = own
    elif args.on:
        rules = rules_in_force(parse_date(args.on))
    else:
        rules = chain.newest
    if args.json:
        print_json(rules.to_dict())
        return 0
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


def _history(chain: RuleChain, args: argparse.Namespace, t: dict[str, str]) -> int:
    rows: list[dict[str, Any]] = []
    for rules in chain:
        until = chain.until(rules)
        span = rules.uncertainty
        rows.append(
            {
                "version": rules.version,
                "from": rules.in_force_from.isoformat(),
                "to": None if until is None else until.isoformat(),
                "changes": list(rules.changes),
                "source": rules.sources[0].reference if rules.sources else "",
                "uncertainty": None
                if span is None
                else {"start": span.start.isoformat(), "end": span.end.isoformat(), "note": span.note},
                "verified_until": None if rules.verified_until is None else rules.verified_until.isoformat(),
            }
        )
    if args.json:
        print_json(rows)
        return 0
    print(f"{t['history']}:")
    for row in rows:
        to = t["open"] if row["to"] is None else f"{t['until']} {row['to']}"
        print(f"\n{row['version']}: {t['in_force']} {row['from']}, {to}")
        for change in row["changes"]:
            print(f"  - {change}")
        print(f"  {t['sources']}: {row['source']}")
        if row["uncertainty"]:
            u = row["uncertainty"]
            print(f"  {t['uncertain']}: {u['start']} .. {u['end']} (R11.3)")
        if row["verified_until"]:
            print(f"  {t['verified']} {row['verified_until']} (R11.4)")
    return 0


def _diff(a: RuleSet, b: RuleSet, args: argparse.Namespace, t: dict[str, str]) -> int:
    skip = ("sources", "version", "title", "changes")
    left = {_keyed(a, p.path): p for p in describe(a) if not p.path.startswith(skip)}
    right = {_keyed(b, p.path): p for p in describe(b) if not p.path.startswith(skip)}
    paths = list(dict.fromkeys([*left, *right]))
    rows: list[dict[str, Any]] = []
    for path in paths:
        old, new = left.get(path), right.get(path)
        old_value = None if old is None or old.value is None else old.display
        new_value = None if new is None or new.value is None else new.display
        if old_value != new_value:
            rule = (new or old).rule  # type: ignore[union-attr]
            rows.append({"parameter": path, "rule": rule, a.version: old_value, b.version: new_value})
    if args.json:
        print_json({"a": a.version, "b": b.version, "differences": rows})
        return 0
    if not rows:
        print(t["same"].format(a=a.version, b=b.version))
        return 0
    print(f"{t['diff'].format(a=a.version, b=b.version)}:")
    width = max(len(r["parameter"]) for r in rows)
    for r in rows:
        print(f"  {r['parameter']:<{width}}  {r['rule']:<14}  {_cut(r[a.version])}  ->  {_cut(r[b.version])}")
    return 0


def _keyed(rules: RuleSet, path: str) -> str:
    """``cancellation.exclusions[0].route`` as ``cancellation.exclusions[windows7_esu_2020].route``:
    exclusions compare by id, not by their place in the list."""
    prefix = "cancellation.exclusions["
    if not path.startswith(prefix):
        return path
    index, _, rest = path[len(prefix) :].partition("]")
    if not index.isdigit():
        return path
    return f"{prefix}{rules.cancellation.exclusions[int(index)].id}]{rest}"


def _cut(value: Any, limit: int = 60) -> str:
    text = "—" if value is None else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
