"""Azure Hybrid Benefit (R2): hybrid_benefit and hybrid_benefit_eligible.

The golden table is ``tests/cases/hybrid_benefit/hybrid_benefit.tsv``.
"""

from __future__ import annotations

from datetime import timezone

import pytest

from _cases import opt as _opt
from _cases import read_cases, variant
from _details import raises_precisely
from csp_rules.errors import (
    InvalidFieldError,
    MissingFieldError,
)
from csp_rules.hybrid_benefit import (
    _MAX_EDITION,
    HybridBenefitOutcome,
    hybrid_benefit,
    hybrid_benefit_eligible,
)
from csp_rules.rulesets import ruleset_from_dict, shipped_rulesets

UTC = timezone.utc
RULES = {r.version: r for r in shipped_rulesets()}
S2018, S2020 = RULES["S2018"], RULES["S2020"]


HYBRID = read_cases("hybrid_benefit", "hybrid_benefit.tsv")


@pytest.mark.parametrize("row", HYBRID, ids=[f"{r['edition']}-{r['software_assurance']}" for r in HYBRID])
def test_hybrid_benefit_table(row: dict[str, str]) -> None:
    sa = row["software_assurance"] == "yes"
    d = hybrid_benefit(row["edition"], software_assurance=sa)
    eligible = row["eligible"] == "yes"
    assert d.allowed is eligible
    assert d.outcome is (HybridBenefitOutcome.ELIGIBLE if eligible else HybridBenefitOutcome.NOT_ELIGIBLE)
    assert d.reasons == tuple(row["reasons"].split("|"))
    assert d.edition == _opt(row["edition_recognised"])
    assert d.rule_numbers == ("R2",)
    assert d.savings_claim == "up to 40%"
    assert hybrid_benefit_eligible(row["edition"], software_assurance=sa) is eligible
    for lang in ("en", "fr"):
        for sentence in d.explain_all(lang):
            assert "{" not in sentence, sentence


def test_hybrid_benefit_quotes_the_claim_and_uses_the_newest_rules() -> None:
    d = hybrid_benefit("Windows Server 2019 Datacenter", software_assurance=True)
    assert d.ruleset_version == shipped_rulesets()[-1].version
    assert '"up to 40%"' in d.explain("en")
    assert "« up to 40% »" in d.explain("fr")
    assert d.facts["eligible_editions"] == ("Datacenter", "Standard")


def test_hybrid_benefit_rules_parameters() -> None:
    no_sa = ruleset_from_dict(
        {"extends": "S2020", "version": "TEST-SA", "hybrid_benefit": {"requires_software_assurance": False}}
    )
    assert hybrid_benefit("Standard", software_assurance=False, rules=no_sa).allowed
    dc_only = ruleset_from_dict(
        {"extends": "S2020", "version": "TEST-DC", "hybrid_benefit": {"eligible_editions": ["datacenter"]}}
    )
    d = hybrid_benefit("Windows Server 2019 Standard", software_assurance=True, rules=dc_only)
    assert not d.allowed and d.reasons == ("billing.hybrid_unknown_edition",)


def test_hybrid_benefit_bad_input() -> None:
    with pytest.raises(MissingFieldError):
        hybrid_benefit("  ", software_assurance=True)
    with pytest.raises(InvalidFieldError):
        hybrid_benefit("Datacenter " * 100, software_assurance=True)
    with pytest.raises(TypeError):
        hybrid_benefit(None, software_assurance=True)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        hybrid_benefit("Datacenter", software_assurance="yes")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        hybrid_benefit("Datacenter", software_assurance=True, rules="S2020")  # type: ignore[arg-type]


# --- details: wording, facts, defaults and limits a caller can observe ---


def test_edition_limits() -> None:
    raises_precisely(
        lambda: hybrid_benefit(" ", software_assurance=True),
        MissingFieldError,
        "edition",
        value=" ",
    )
    limit = _MAX_EDITION
    raises_precisely(
        lambda: hybrid_benefit("x" * (limit + 1), software_assurance=True),
        InvalidFieldError,
        "edition",
        says=(f"an edition name is at most {limit} characters",),
    )
    assert hybrid_benefit("x" * limit, software_assurance=True).allowed is False
    d = hybrid_benefit("datacenter", software_assurance=True)
    assert d.facts["edition_name"] == "Datacenter" and d.facts["software_assurance"] is True and d.allowed
    d = hybrid_benefit("Windows  Server 2019 Foo", software_assurance=False)
    assert d.facts["edition_name"] == "Windows Server 2019 Foo"
    only_standard = variant("STD", lambda d: d["hybrid_benefit"].update(eligible_editions=["standard"]))
    assert hybrid_benefit_eligible("Datacenter", software_assurance=True) is True
    assert hybrid_benefit_eligible("Datacenter", software_assurance=True, rules=only_standard) is False
