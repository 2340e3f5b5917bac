"""Azure Hybrid Benefit (RULES.md R2): is this Windows Server licence eligible?

Source: S2020 ("Sell software subscriptions through CSP", 2020-01-21). The editions, the Software
Assurance requirement and the savings claim are rule-set data (``rules.hybrid_benefit``).

Windows Server Datacenter and Standard licences
(``rules.hybrid_benefit.eligible_editions``) with Software Assurance are eligible: Windows Server
VMs in Azure then pay the lower base compute rate (the Linux VM rate). The savings claim,
"up to 40%" on VMs, is quoted from the rule set, never computed. Only Windows Server licences
count: "SQL Server 2019 Standard" is not one. With ``rules=None`` the newest shipped rule set
applies (the question has no date).

>>> hybrid_benefit("Windows Server 2019 Datacenter", software_assurance=True).allowed
True
>>> d = hybrid_benefit("SQL Server 2019 Standard", software_assurance=True)
>>> d.allowed, d.reasons
(False, ('billing.hybrid_not_windows_server',))
>>> hybrid_benefit_eligible("standard", software_assurance=False)
False
"""

from __future__ import annotations

import enum
from collections.abc import Collection
from typing import Final

import attrs

from .decision import Decision
from .errors import InvalidFieldError, MissingFieldError
from .facts import words
from .rulesets import Rules, rules_or_newest

__all__ = [
    "REASON_CODES",
    "RULES",
    "HybridBenefitDecision",
    "HybridBenefitOutcome",
    "hybrid_benefit",
    "hybrid_benefit_eligible",
]

#: the RULES.md numbers this module owns
RULES: Final = ("R2",)

#: every reason code this module emits (messages in ``data/messages/hybrid_benefit.json``)
REASON_CODES: Final[frozenset[str]] = frozenset(
    {
        "billing.hybrid_eligible",
        "billing.hybrid_no_software_assurance",
        "billing.hybrid_other_edition",
        "billing.hybrid_unknown_edition",
        "billing.hybrid_not_windows_server",
    }
)


class HybridBenefitOutcome(enum.Enum):
    """Outcome of :func:`hybrid_benefit` (R2)."""

    ELIGIBLE = "eligible"
    NOT_ELIGIBLE = "not_eligible"


@attrs.frozen(kw_only=True)
class HybridBenefitDecision(Decision):
    """Whether a Windows Server licence is eligible for Azure Hybrid Benefit (R2).

    ``edition`` is the Windows Server edition recognised (``"datacenter"``), or None;
    ``savings_claim`` is the documented claim, quoted ("up to 40%"), never computed.
    """

    edition: str | None = None
    savings_claim: str = ""


# words that may surround a Windows Server edition in a licence or SKU name ("2 Core License Pack")
_FILLER: Final[frozenset[str]] = frozenset(
    {"edition", "core", "cores", "license", "licence", "licenses", "licences", "pack", "r2"}
)
# Windows Server editions that exist but are not the eligible ones (recognised to say so)
_OTHER_EDITIONS: Final[frozenset[str]] = frozenset(
    {"essentials", "foundation", "web", "enterprise", "storage", "multipoint premium", "hyper v", "hpc"}
)
_MAX_EDITION = 256


def _edition_key(tokens: list[str]) -> str:
    return " ".join(t for t in tokens if not (t.isdigit() or t in _FILLER))


def _parse_edition(text: str, known: Collection[str]) -> tuple[str | None, bool]:
    """``(edition key, may be Windows Server)``: "Windows Server 2019 Datacenter" or a bare edition.

    Several words that neither start with "Windows Server" nor are a known edition name another
    product ("SQL Server 2019 Standard", "Windows 10 Enterprise").
    """
    tokens = words(text).split()
    if tokens[:1] == ["microsoft"]:
        tokens = tokens[1:]
    if tokens[:2] == ["windows", "server"]:
        return _edition_key(tokens[2:]) or None, True
    key = _edition_key(tokens)
    if not key:
        return None, True
    if " " in key and key not in known and key not in _OTHER_EDITIONS:
        return key, False
    return key, True


def hybrid_benefit(
    edition: str,
    *,
    software_assurance: bool,
    rules: Rules | None = None,
) -> HybridBenefitDecision:
    """Whether a Windows Server licence is eligible for Azure Hybrid Benefit (R2, S2020).

    :param edition: the licence's edition, ``"Datacenter"``, ``"Standard"``, ``"Windows Server
        2019 Datacenter"``, ``"Windows Server 2022 Standard - 16 Core License Pack"``... (case,
        accents and punctuation ignored). Only Windows Server licences count: another product's
        edition (``"SQL Server 2019 Standard"``) or another Windows Server edition
        (``"Essentials"``) is not eligible, with a reason saying which. Empty:
        :class:`~csp_rules.errors.MissingFieldError`; a non-str: ``TypeError``.
    :param software_assurance: whether the licence has Software Assurance (a bool).
    :param rules: the rule set; default the newest shipped one.

    Eligible: an edition of ``rules.hybrid_benefit.eligible_editions`` (Datacenter, Standard) with
    Software Assurance when ``requires_software_assurance``; such VMs pay the base (Linux) compute
    rate, and ``savings_claim`` ("up to 40%") is quoted.

    >>> d = hybrid_benefit("Windows Server 2019 Datacenter", software_assurance=False)
    >>> d.outcome, d.reasons
    (<HybridBenefitOutcome.NOT_ELIGIBLE: 'not_eligible'>, ('billing.hybrid_no_software_assurance',))
    >>> hybrid_benefit("Datacenter", software_assurance=True).explain("en")
    'Windows Server Datacenter with Software Assurance is eligible for Azure Hybrid Benefit: Windows Server VMs in Azure pay the lower base compute rate (the Linux VM rate); documented savings: "up to 40%" on VMs (R2).'
    """
    if not isinstance(edition, str):
        raise TypeError(f"edition: expected a str, got {type(edition).__name__}")
    if not isinstance(software_assurance, bool):
        raise TypeError(f"software_assurance: expected a bool, got {type(software_assurance).__name__}")
    if not edition.strip():
        raise MissingFieldError(field="edition", value=edition)
    if len(edition) > _MAX_EDITION:
        raise InvalidFieldError(
            f"edition: an edition name is at most {_MAX_EDITION} characters", field="edition", value=edition
        )
    rs = rules_or_newest(rules)
    hb = rs.hybrid_benefit
    eligible_keys = {_edition_key(words(e).split()): e for e in hb.eligible_editions}
    key, windows_server = _parse_edition(edition, eligible_keys)
    shown = " ".join(edition.split())
    recognised: str | None = None
    reasons: list[str] = []
    if not windows_server:
        reasons.append("billing.hybrid_not_windows_server")
    elif key is not None and key in eligible_keys:
        recognised = eligible_keys[key]
    elif key is not None and key in _OTHER_EDITIONS:
        recognised = key
        reasons.append("billing.hybrid_other_edition")
    else:
        reasons.append("billing.hybrid_unknown_edition")
    if hb.requires_software_assurance and not software_assurance:
        reasons.append("billing.hybrid_no_software_assurance")
    eligible = not reasons
    if eligible:
        reasons.append("billing.hybrid_eligible")
    return HybridBenefitDecision(
        outcome=HybridBenefitOutcome.ELIGIBLE if eligible else HybridBenefitOutcome.NOT_ELIGIBLE,
        allowed=eligible,
        reasons=tuple(reasons),
        rule_numbers=("R2",),
        ruleset_version=rs.version,
        facts={
            "edition": shown,
            "edition_name": recognised.title() if recognised is not None else shown,
            "software_assurance": software_assurance,
            "eligible_editions": tuple(sorted(e.title() for e in hb.eligible_editions)),
            "savings_claim": hb.savings_claim,
        },
        edition=recognised,
        savings_claim=hb.savings_claim,
    )


def hybrid_benefit_eligible(edition: str, *, software_assurance: bool, rules: Rules | None = None) -> bool:
    """Whether the licence is eligible for Azure Hybrid Benefit (R2): the boolean of :func:`hybrid_benefit`."""
    return hybrid_benefit(edition, software_assurance=software_assurance, rules=rules).allowed
