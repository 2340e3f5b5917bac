"""``csp-rules link``: is this download link still good (R5.2, R5.3, R8.2)."""

from __future__ import annotations

import argparse
from typing import Any

from ._common import add_output, add_rules, command_parser, load_rules, parse_int, parse_when, report


def register(sub: Any) -> None:
    parser = command_parser(
        sub,
        "link",
        summary="is this download link still good (R5.2)",
        description="The state of a download link from 'Get keys and downloads' at an instant (R5.2): "
        "usable for two weeks (14 x 24 h) from its issue or last renewal, and for 50 downloads (with "
        "49 made the 50th succeeds); revoked from the purchase's cancellation on (R8.2). Select "
        "'Get keys and downloads' again for a fresh two weeks and 50 downloads (R5.3). "
        "From 2021-01-30 the rules state no lifetime and no cap: a link issued then is answered "
        "'no rule stated' (exit 1: not known to be usable, R11.1). "
        "--at, the instant of the question, is required.",
        examples=[
            "csp-rules link --issued 2020-03-02T09:30Z --at 2020-03-10T12:00Z --downloads 12",
            "csp-rules link --issued 2020-03-02T09:30Z --at 2020-03-20T12:00Z --downloads 3 --lang fr --json",
        ],
    )
    parser.add_argument(
        "--issued", required=True, metavar="WHEN", help="when the link was issued or last renewed"
    )
    parser.add_argument("--at", required=True, metavar="WHEN", help="the instant of the question (required)")
    parser.add_argument(
        "--downloads", default="0", metavar="N", help="downloads already made with this link (default: 0)"
    )
    parser.add_argument("--revoked", metavar="WHEN", help="when the purchase was cancelled, if it was (R8.2)")
    add_rules(parser)
    add_output(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from ..links import DownloadLink, link_status

    link = DownloadLink(issued_at=parse_when(args.issued, "--issued"))
    decision = link_status(
        link,
        at=parse_when(args.at, "--at"),
        downloads=parse_int(args.downloads, "--downloads"),
        revoked_at=None if args.revoked is None else parse_when(args.revoked, "--revoked"),
        rules=load_rules(args.rules),
    )
    expires, left = decision.expires_at, decision.time_left
    rows = [("expires_at", expires), ("downloads_left", decision.downloads_left), ("time_left", left)]
    return report(
        args,
        decision,
        rows,
        json_extra={
            "status": decision.status.value,
            "expires_at": None if expires is None else expires.isoformat(),
            "downloads_left": decision.downloads_left,
            "time_left": None if left is None else left.total_seconds(),
        },
    )
