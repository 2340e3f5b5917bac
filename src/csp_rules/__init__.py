"""csp_rules: Microsoft CSP rules for software purchases and Azure reservations, as explainable decisions.

The rules are those of ``RULES.md`` (R1 ... R10), encoded as data (:class:`RuleSet`, versioned by
the date they are in force) and pure functions that turn facts into a :class:`Decision`.

Importing the package is cheap: rule sets, message catalogs and the market-name index load
lazily, once, on first use.

>>> import csp_rules
>>> csp_rules.S2020.version, csp_rules.S2020.in_force_from.isoformat()
('S2020', '2020-01-21')
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._version import __version__

if TYPE_CHECKING:
    from .decision import Decision
    from .facts import Action, Customer, Money, ProductKind, Purchase, Role
    from .rulesets import RuleSet, load_ruleset, rules_in_force, ruleset_from_dict

    S2018: RuleSet
    S2020: RuleSet

__all__ = [
    "S2018",
    "S2020",
    "Action",
    "Customer",
    "Decision",
    "Money",
    "ProductKind",
    "Purchase",
    "Role",
    "RuleSet",
    "__version__",
    "load_ruleset",
    "rules_in_force",
    "ruleset_from_dict",
]

_LAZY = {
    "Decision": "decision",
    "Action": "facts",
    "Customer": "facts",
    "Money": "facts",
    "ProductKind": "facts",
    "Purchase": "facts",
    "Role": "facts",
    "RuleSet": "rulesets",
    "load_ruleset": "rulesets",
    "rules_in_force": "rulesets",
    "ruleset_from_dict": "rulesets",
}


#: rule-family and helper modules reachable as attributes (``csp_rules.markets.resolve(...)``), imported on use
_SUBMODULES = frozenset(
    {"activity", "batch", "billing", "cancellation", "decision", "effects", "errors", "facts", "hybrid_benefit",
     "links", "markets", "roles", "rulesets", "support", "tax", "testing", "timeline"}
)  # fmt: skip


def __getattr__(name: str) -> Any:
    import importlib

    if name in _SUBMODULES:
        return importlib.import_module(f"csp_rules.{name}")

    if name in ("S2018", "S2020"):
        from .rulesets import shipped_rulesets

        for rules in shipped_rulesets():
            if rules.version == name:
                return rules
        raise AttributeError(name)  # pragma: no cover - the shipped files define both
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'csp_rules' has no attribute {name!r}")
    return getattr(importlib.import_module(f"csp_rules.{module}"), name)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__) | _SUBMODULES)
