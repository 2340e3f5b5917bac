"""The ``csp-rules`` command line (also ``python -m csp_rules``).

Each subcommand lives in its own module of this package and exposes ``register(subparsers)``,
which adds its parser and sets ``handler`` (a function of the parsed arguments returning the
exit status). Exit status: 0 for yes / done, 1 for no, 2 for bad input (a one-line reason on
standard error).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from .._version import __version__
from ..errors import CspRulesError

#: subcommand modules, in the order ``--help`` lists them
COMMANDS = ("evaluate", "rules", "market", "cancel", "credit", "link")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="csp-rules",
        description="Microsoft CSP rules for software purchases and Azure reservations, as explainable decisions.",
    )
    parser.add_argument("--version", action="version", version=f"csp-rules {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in COMMANDS:
        importlib.import_module(f"csp_rules.cli.{name}").register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        status: int = args.handler(args)
    except CspRulesError as exc:
        print(f"csp-rules: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # pragma: no cover - e.g. `csp-rules rules | head`
        return 0
    return status
