"""What a row of ``csp_rules.batch.evaluate`` must say, worked out through the scalar API, one row at a time.

The batch engine builds its ``explanation`` column from sentence templates with the deadline and the
days left formatted column-wise; the reference here fills the same templates from the scalar
decision's facts with :func:`csp_rules.decision.format_value` (babel, one call per value). The two
agree exactly or the test fails.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from csp_rules.batch._explain import sentences
from csp_rules.cancellation import Outcome
from csp_rules.decision import Decision, _plurals, format_value

UTC = timezone.utc
_OWN = {
    Outcome.SUPPORT_REQUEST: "cancellation.support_request_excluded",
    Outcome.NOT_CANCELLABLE: "cancellation.not_cancellable",
}


class _Facts(dict[str, str]):
    def __init__(self, facts: Any, lang: str) -> None:
        super().__init__()
        self.facts, self.lang = facts, lang

    def __missing__(self, key: str) -> str:
        if key not in self.facts:
            return "{" + key + "}"
        return format_value(self.facts[key], self.lang)


def sentence(decision: Decision, lang: str = "en") -> str:
    """The one sentence of a batch row judged as ``decision`` (a scalar :class:`CancellationDecision`)."""
    data = sentences()
    code = decision.reasons[0]
    if code not in data["main"]:
        code = _OWN[decision.outcome]
    parts = [("main", code)]
    parts += [("info", c) for c in decision.reasons[1:] if c.startswith("cancellation.window_info")]
    facts = dict(decision.facts)
    if "rules.change_date_uncertain" in decision.reasons:
        parts.append(("dating", "rules.change_date_uncertain"))
    if "rules.unverified_after" in decision.reasons:
        parts.append(("dating", "rules.unverified_after"))
    fill = _Facts(facts, lang)
    text = "".join(
        _plurals(data[part][c][lang.split("_")[0]], facts, lang).format_map(fill) for part, c in parts
    )
    return text + data["end"][lang.split("_")[0]]


def row_facts(at: datetime) -> dict[str, Any]:
    """The columns every row has, judged or not: when it was evaluated."""
    return {"evaluated_at": at.astimezone(UTC)}
