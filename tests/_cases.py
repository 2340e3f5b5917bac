"""Shared test data: the golden case tables under ``tests/cases/`` and facts copied from RULES.md.

Facts here are typed from the spec, never computed by the code under test.
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from csp_rules.rulesets import RuleSet

CASES = Path(__file__).parent / "cases"

# RULES.md R3: the S2020 list of markets where Azure reservations are unavailable (106 codes)
R3_CODES = frozenset(
    [
        "AD",
        "AG",
        "AI",
        "AQ",
        "AS",
        "AW",
        "AX",
        "AZ",
        "BF",
        "BI",
        "BJ",
        "BL",
        "BQ",
        "BT",
        "BV",
        "CC",
        "CD",
        "CF",
        "CG",
        "CK",
        "CN",
        "CX",
        "DJ",
        "DM",
        "ER",
        "FK",
        "FM",
        "GA",
        "GD",
        "GF",
        "GG",
        "GI",
        "GL",
        "GM",
        "GN",
        "GP",
        "GQ",
        "GS",
        "GU",
        "GW",
        "GY",
        "HM",
        "HT",
        "IM",
        "IO",
        "JE",
        "KH",
        "KI",
        "KM",
        "LA",
        "LC",
        "LR",
        "LS",
        "MF",
        "MG",
        "MH",
        "ML",
        "MM",
        "MP",
        "MQ",
        "MR",
        "MS",
        "MV",
        "MW",
        "MZ",
        "NC",
        "NE",
        "NF",
        "NR",
        "NU",
        "PF",
        "PG",
        "PM",
        "PN",
        "PW",
        "RE",
        "SB",
        "SC",
        "SH",
        "SJ",
        "SL",
        "SM",
        "SO",
        "SR",
        "SS",
        "ST",
        "SX",
        "SZ",
        "TC",
        "TD",
        "TF",
        "TG",
        "TK",
        "TL",
        "TO",
        "TV",
        "UM",
        "VA",
        "VC",
        "VG",
        "VU",
        "WF",
        "WS",
        "XK",
        "YE",
        "YT",
    ]
)


def _newest() -> RuleSet:
    from csp_rules.rulesets import shipped_rulesets

    return shipped_rulesets()[-1]


#: the newest shipped rule set (what an undated question is answered by)
NEWEST = _newest()


def _purchases() -> tuple[Any, Any]:
    from csp_rules.facts import Money, Purchase

    esu = Purchase(
        order_id="E",
        product_name="Windows 7 Extended Security Updates 2020",
        kind="software_subscription",
        purchased_at=date(2020, 2, 1),
    )
    visio = Purchase(
        order_id="V", product_name="Visio", kind="perpetual_software", purchased_at=date(2020, 3, 1),
        price=Money("10", "EUR"),
    )  # fmt: skip
    return esu, visio


#: Windows 7 ESU bought 2020-02-01 (a support request under S2020, R7.3, as the tests pass it) and perpetual Visio with a price
ESU, VISIO = _purchases()


def read_cases(family: str, name: str) -> list[dict[str, str]]:
    """The rows of ``tests/cases/<family>/<name>`` (tab-separated, a header, ``#`` lines are comments)."""
    with (CASES / family / name).open(encoding="utf-8", newline="") as fh:
        lines = [line for line in fh if line.strip() and not line.startswith("#")]
    rows = list(csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE))
    for row in rows:
        assert None not in row and None not in row.values(), (
            f"{family}/{name}: a row of the wrong width: {row}"
        )
    return rows


def opt(text: str) -> str | None:
    """A case cell where ``-`` means None."""
    return None if text == "-" else text


def variant(version: str, change: Any) -> RuleSet:
    """A rule set like S2020 named ``version`` (in force from 2000-01-01) with ``change(data)`` applied to its data."""
    from csp_rules.rulesets import rules_in_force, ruleset_from_dict

    data = rules_in_force(date(2020, 1, 21)).to_dict()
    data.update(version=version, in_force_from="2000-01-01")
    change(data)
    return ruleset_from_dict(data)
