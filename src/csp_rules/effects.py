"""What a cancellation does (RULES.md R8, R8.1–R8.3): visible within 15 minutes, keys and links revoked.

Sources: S2020 ("Sell software subscriptions through CSP", 2020-01-21) and S2018 ("Sell on-premise
software through CSP", 2018-08-31).

* R8.1 A confirmation is shown, but the cancellation may take up to ``dashboard_delay_minutes``
  (15) to appear in the dashboard.
* R8.2 Every software key and download link of the purchase is revoked; partner and customer must
  stop using the software, uninstall it and delete its links and downloads.
* R8.3 The item stays on the customer's software page, without its activation key.

:func:`effects` judges the cancellation once (R7, :func:`csp_rules.cancellation.evaluate`), under
the rule set it resolves once, and passes that decision to :func:`csp_rules.billing.refund_credit`
for the credit (R8.4).

>>> from datetime import date, datetime, timezone
>>> from csp_rules import Money, Purchase
>>> p = Purchase(order_id="O-3", product_name="SQL Server 2019 Standard", kind="perpetual_software",
...              purchased_at=date(2020, 6, 1), price=Money("899.00", "USD"))
>>> e = effects(p, cancelled_at=datetime(2020, 6, 10, 9, 0, tzinfo=timezone.utc), billing_day=15)
>>> e.visible_by.isoformat(), e.keys_revoked, e.activation_key_available, e.credit.amount, e.credit.invoice_date
('2020-06-10T09:15:00+00:00', True, False, Money('899.00', 'USD'), datetime.date(2020, 6, 15))
"""

from __future__ import annotations

import enum
from datetime import datetime, timedelta
from typing import Any, Final

import attrs

from . import _time
from ._frozen import FrozenMap
from .billing import Credit, credit_at
from .cancellation import CancellationDecision, Outcome, decide, judged_on
from .decision import message
from .errors import InvalidDateError, NotCancellableError
from .facts import Purchase
from .rulesets import Rules, dating

__all__ = ["OBLIGATIONS", "REASON_CODES", "RULES", "CancellationEffects", "Obligation", "effects"]

#: the RULES.md numbers this module owns
RULES: Final = ("R8", "R8.1", "R8.2", "R8.3")

#: every reason code this module emits (messages in ``data/messages/effects.json``)
REASON_CODES: Final[frozenset[str]] = frozenset(
    {"cancellation.effect_visible", "cancellation.effect_revoked", "cancellation.effect_listed"}
)


class Obligation(enum.Enum):
    """What partner and customer must do once a purchase is cancelled (R8.2)."""

    STOP_USING = "stop_using"
    UNINSTALL = "uninstall"
    DELETE_LINKS = "delete_links"
    DELETE_DOWNLOADS = "delete_downloads"


#: what partner and customer must do once a purchase is cancelled (R8.2)
OBLIGATIONS: Final[tuple[Obligation, ...]] = tuple(Obligation)


@attrs.frozen(kw_only=True)
class CancellationEffects:
    """What a cancellation does (R8.1–R8.4), for a purchase that could be cancelled at ``cancelled_at``.

    * ``visible_by``: the cancellation may take up to ``rules.cancellation.dashboard_delay_minutes``
      (15) to appear in the dashboard (R8.1);
    * ``keys_revoked``, ``links_revoked``: all software keys and download links are revoked (R8.2);
    * ``still_listed``, ``activation_key_available``: the item stays on the customer's software page,
      without its activation key (R8.3);
    * ``obligations``: partner and customer must stop using the software, uninstall it and delete its
      links and downloads (R8.2);
    * ``credit``: the :class:`csp_rules.billing.Credit` (R8.4), amount and invoice date when due;
    * ``decision``: the :func:`~csp_rules.cancellation.evaluate` decision at ``cancelled_at``
      (self-service or support request).
    """

    order_id: str
    cancelled_at: datetime
    visible_by: datetime
    route: Outcome
    keys_revoked: bool
    links_revoked: bool
    still_listed: bool
    activation_key_available: bool
    obligations: tuple[Obligation, ...]
    obligated: tuple[str, ...]
    credit: Credit
    decision: CancellationDecision
    ruleset_version: str
    rule_numbers: tuple[str, ...]
    facts: FrozenMap[str, Any]

    def explain(self, locale: str = "en") -> tuple[str, ...]:
        """One sentence per effect (R8.1, R8.2, R8.3, then the credit's R8.4), English or French."""
        lines = [
            message("cancellation.effect_visible", locale, self.facts),
            message("cancellation.effect_revoked", locale, self.facts),
            message("cancellation.effect_listed", locale, self.facts),
        ]
        lines.extend(self.credit.explain_all(locale))
        return tuple(lines)


def effects(
    purchase: Purchase,
    *,
    cancelled_at: datetime,
    rules: Rules | None = None,
    billing_day: int | None = None,
) -> CancellationEffects:
    """What cancelling ``purchase`` at ``cancelled_at`` does (R8.1–R8.3), with its credit (R8.4).

    Only a cancellation that can happen has effects: the outcome of
    :func:`~csp_rules.cancellation.evaluate` at ``cancelled_at`` (without roles) must be
    ``SELF_SERVICE`` or ``SUPPORT_REQUEST`` (Windows 7 ESU at any time, on-premises software under
    S2018, a near-miss name: the support team decides, and the effects are those of the cancellation
    it makes). For any other outcome (window closed, not cancellable, not covered) this raises
    :class:`~csp_rules.errors.NotCancellableError` whose ``value`` is that decision: an object listing
    revoked keys for a purchase that was not cancelled would be a lie.

    :param cancelled_at: the aware instant of the cancellation.
    :param rules: default the rule set in force at the purchase date.
    :param billing_day: the day of the month invoices are issued (1–31), for the credit's invoice date.
    :raises NotCancellableError: the purchase cannot be cancelled at ``cancelled_at``.
    :raises NaiveDatetimeError, InvalidDateError: as :func:`~csp_rules.cancellation.evaluate`.
    :raises MissingFieldError: a credit is due but the purchase has no price (or, for a prorated
        credit, no term), from :func:`csp_rules.billing.refund_credit`.
    """
    at = _time.require_aware(cancelled_at, "cancelled_at")  # errors name this function's argument
    if not isinstance(purchase, Purchase):
        raise TypeError(f"purchase: expected a Purchase, got {type(purchase).__name__}")
    when = dating(rules, judged_on(purchase))  # the rules, resolved once
    ruleset = when.rules
    decision = decide(purchase, at, when)
    if decision.outcome not in (Outcome.SELF_SERVICE, Outcome.SUPPORT_REQUEST):
        raise NotCancellableError(
            f"cancelled_at: order {purchase.order_id} cannot be cancelled then: {decision.explain('en')}",
            field="cancelled_at",
            value=decision,
        )
    delay = ruleset.cancellation.dashboard_delay_minutes
    try:
        visible_by = at + timedelta(minutes=delay)
    except OverflowError:
        raise InvalidDateError(
            f"cancelled_at: {at.isoformat()} + {delay} minutes is past the end of the calendar",
            field="cancelled_at",
            value=cancelled_at,
        ) from None
    credit = credit_at(purchase, at, when, billing_day=billing_day, decision=decision)
    facts = {
        "order_id": purchase.order_id,
        "cancelled_at": at,
        "visible_by": visible_by,
        "dashboard_delay_minutes": delay,
    }
    return CancellationEffects(
        order_id=purchase.order_id,
        cancelled_at=at,
        visible_by=visible_by,
        route=decision.outcome,
        keys_revoked=True,
        links_revoked=True,
        still_listed=True,
        activation_key_available=False,
        obligations=OBLIGATIONS,
        obligated=("partner", "customer"),
        credit=credit,
        decision=decision,
        ruleset_version=ruleset.version,
        rule_numbers=("R8.1", "R8.2", "R8.3", *credit.rule_numbers),
        facts=FrozenMap(facts),
    )
