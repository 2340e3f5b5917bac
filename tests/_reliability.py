"""A fixed corpus of calls across the whole public API, for the determinism, pickle and concurrency tests.

:func:`corpus` calls every rule family on a deterministic grid of inputs (no randomness, no
clock) and returns ``(label, outcome)`` pairs, where the outcome is the value returned or the
:class:`~csp_rules.errors.CspRulesError` raised. :func:`canonical` turns an outcome into plain
JSON-able data that shows everything a caller can observe (fields, ``to_dict()``, the English
and French explanations, SVG text...), with sets sorted so that only real differences show.

Run as a script it prints the fingerprint (one line per call) or pickles the outcomes to a file:
the subprocess tests compare those with the test process's own.

    python tests/_reliability.py fingerprint
    python tests/_reliability.py pickle OUT
    python tests/_reliability.py threads N OUT
"""

from __future__ import annotations

import enum
import importlib.resources
import json
import pickle
import sys
import uuid
from collections.abc import Callable, Iterator, Mapping
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from fractions import Fraction
from typing import Any

import attrs

UTC = timezone.utc
PLUS14 = timezone(timedelta(hours=14))
MINUS9_30 = timezone(-timedelta(hours=9, minutes=30))

Outcome = Any
Call = tuple[str, Callable[[], Any]]


def _calls() -> Iterator[Call]:
    """Every call of the corpus, lazily (nothing runs until the caller calls it)."""
    from csp_rules import (
        _l10n,
        activity,
        billing,
        cancellation,
        decision,
        effects,
        facts,
        hybrid_benefit,
        links,
        markets,
        roles,
        rulesets,
        support,
        tax,
        timeline,
    )
    from csp_rules.facts import Action, Customer, Money, ProductKind, Purchase, Role

    s2018, s2020 = rulesets.shipped_rulesets()[:2]

    # --- rule sets ---
    for day in (date(2018, 8, 30), date(2018, 8, 31), date(2020, 1, 20), date(2020, 1, 21), date.max):
        yield f"rules_in_force {day}", lambda day=day: rulesets.rules_in_force(day)
    yield "describe S2020", lambda: rulesets.describe(s2020)
    yield "describe S2018", lambda: rulesets.describe(s2018)
    yield "to_json S2020", lambda: s2020.to_json()
    yield (
        "ruleset_from_dict 7d",
        lambda: rulesets.ruleset_from_dict(
            {
                "extends": "S2020",
                "version": "T7",
                "in_force_from": "2024-01-01",
                "cancellation": {"window_days": {"software_subscription": 7}},
            }
        ),
    )
    yield "ruleset_from_dict bad", lambda: rulesets.ruleset_from_dict({"extends": "S2020", "links": {"x": 1}})

    # --- the chain of versions (R11) ---
    chain = rulesets.shipped_chain()
    acme = rulesets.ruleset_from_dict(
        {"extends": "S2022-07-11", "version": "ACME-2024", "in_force_from": "2024-01-01"}
    )
    yield "shipped_chain", lambda: (chain, len(chain), chain.newest)
    yield "RuleChain with_version", lambda: chain.with_version(acme)
    yield "RuleChain with_version clash", lambda: chain.with_version(attrs.evolve(acme, version="s2020"))
    for day in (
        date(2020, 1, 30),
        date(2020, 1, 31),
        date(2021, 1, 29),
        date(2021, 1, 30),
        date(2021, 6, 1),
        date(2021, 6, 2),
        date(2022, 1, 15),
        date(2022, 7, 11),
        date(2023, 7, 1),
        date(2024, 3, 1),
        date(2026, 12, 1),
    ):
        yield f"rules_in_force chain {day}", lambda day=day: rulesets.rules_in_force(day, chain=chain)
        yield f"dating {day}", lambda day=day: rulesets.dating(None, day)
        yield f"dating acme {day}", lambda day=day: rulesets.dating(chain.with_version(acme), day)
        yield f"reservation_list {day}", lambda day=day: markets.reservation_list(day)
    for rules in chain:
        yield f"RuleChain before/until {rules.version}", lambda r=rules: (chain.before(r), chain.until(r))
    yield "reservation_list S2018 2019", lambda: markets.reservation_list(date(2019, 11, 12), rules=s2018)

    # --- facts ---
    for amount, cur in (
        ("110.00", "AUD"),
        ("10.005", "EUR"),
        (1500, "JPY"),
        ("1.5", "KWD"),
        ("NaN", "EUR"),
        ("1", "XQQ"),
        ("1_000", "USD"),
        ("-0", "EUR"),
    ):
        yield f"Money {amount} {cur}", lambda a=amount, c=cur: facts.Money(a, c)
        yield f"Money.rounded {amount} {cur}", lambda a=amount, c=cur: facts.Money(a, c).rounded()
        for loc in ("en", "fr", "fr_CA", "en-GB"):
            yield (
                f"Money.format {amount} {cur} {loc}",
                lambda a=amount, c=cur, loc=loc: facts.Money(a, c).format(loc),
            )
    yield "Money add mismatch", lambda: Money("1", "EUR") + Money("1", "USD")
    yield "Money sub", lambda: Money("1.10", "EUR") - Money("0.15", "EUR")
    for text in ("perpetual", "Software-Subscription", "on premises", "lease"):
        yield f"ProductKind.parse {text}", lambda t=text: ProductKind.parse(t)
    yield "Customer tenant", lambda: Customer(tenant_id="6ba7b810-9dad-11d1-80b4-00c04fd430c8")
    yield "Customer bad tenant", lambda: Customer(tenant_id="not-a-guid")
    for code in ("EUR", "JPY", "KWD", "CLF"):
        yield f"currency_digits {code}", lambda c=code: facts.currency_digits(c)

    # --- markets ---
    for m in markets.markets():
        yield f"check_reservations {m.code}", lambda m=m: markets.check_reservations(m.code)
        yield f"check_reservations S2018 {m.code}", lambda m=m: markets.check_reservations(m, rules=s2018)
        yield f"price_includes_tax {m.code}", lambda m=m: tax.price_includes_tax(m.code.lower())
        for loc in ("en", "fr", "de", "ja", "pt_BR"):
            yield f"resolve name {m.code} {loc}", lambda m=m, loc=loc: markets.resolve(m.name(loc))
    for text in (
        "Kongo",
        "Congo",
        "Congo (RDC)",
        "République démocratique du Congo",
        "Europe",
        "150",
        "EU",
        "Atlantis",
        "",
        "   ",
        "FRA",
        "250",
        "Cook (îles)",
        "France (FR)",
        "FR - France",
        "Türkiye",
        "TURKEY",
        "türkiye",
        "İtalya",
        "ıtaly",
        "Swaziland",
        "Tristan da Cunha",
        "AC",
        "XK",
        "\u0421hina",
        "Fr\u200bance",
        "x" * 500,
        "Afrique du Sud",
        "Korea, Republic of",
        "대한민국",
    ):
        yield f"resolve {text[:40]!r}", lambda t=text: markets.resolve(t)
        yield f"resolve {text[:40]!r} lang=de", lambda t=text: markets.resolve(t, lang="de")
    for day in (date(2018, 6, 27), date(2018, 7, 1), date(2019, 10, 18), date(2023, 1, 1)):
        for docs in ("dashboard", "api"):
            yield f"market_list {day} {docs}", lambda d=day, docs=docs: markets.market_list(d, docs)
    yield "market_lists", lambda: markets.market_lists()
    yield "index_versions", lambda: dict(markets.index_versions())
    for loc in ("en", "fr", "de_CH", "zh_Hant"):
        yield f"Market.name {loc}", lambda loc=loc: [m.name(loc) for m in markets.markets()]

    # --- roles ---
    for role in Role:
        for action in Action:
            for rules in (s2018, s2020):
                yield (
                    f"authorize {role.value} {action.value} {rules.version}",
                    (lambda r=role, a=action, rs=rules: roles.authorize([r], a, rules=rs)),
                )
        yield f"role_name {role.value}", lambda r=role: (roles.role_name(r, "en"), roles.role_name(r, "fr"))
        for _, name in roles.role_names(role):
            yield f"parse_role {name}", lambda n=name: roles.parse_role(n)
    yield (
        "authorize many",
        lambda: roles.authorize(
            ["Global admin", "Agent commercial", "Account admin", "referral_admin"], "view_activity_log"
        ),
    )
    yield "authorize none", lambda: roles.authorize([], "cancel")
    yield "parse_role typo", lambda: roles.parse_role("Global admn")
    for action in Action:
        yield f"required_roles {action.value}", lambda a=action: roles.required_roles(a)

    # --- cancellation and billing ---
    names = {
        ProductKind.SOFTWARE_SUBSCRIPTION: (
            "Microsoft 365 Apps",
            "Windows 7 Extended Security Updates 2020",
            "Windows 7 ESU (year 2)",
        ),
        ProductKind.PERPETUAL_SOFTWARE: ("SQL Server 2019 Standard",),
        ProductKind.AZURE_RESERVATION: ("Reserved VM Instance",),
        ProductKind.AZURE_SOFTWARE_PLAN: ("SUSE Linux Enterprise Server",),
    }
    bought = (
        date(2018, 9, 1),
        datetime(2020, 1, 21, 0, 30, tzinfo=PLUS14),
        datetime(2021, 6, 30, 23, 59, 59, 999999, tzinfo=MINUS9_30),
    )
    offsets = (timedelta(0), timedelta(days=59, hours=23), timedelta(days=60), timedelta(days=400))
    role_sets: tuple[Any, ...] = (None, ["Admin agent"], ["Agent commercial"])
    n = 0
    for kind, product_names in names.items():
        for name in product_names:
            for when in bought:
                n += 1
                start = when.date() if isinstance(when, datetime) else when
                price = Money(
                    ("1200.00", "99.99", "1005", "0.01")[n % 4], ("EUR", "USD", "JPY", "AUD")[n % 4]
                )
                term = (
                    (start, start + timedelta(days=365))
                    if kind is ProductKind.SOFTWARE_SUBSCRIPTION
                    else (None, None)
                )
                purchase = Purchase(
                    order_id=f"O-{n}",
                    product_name=name,
                    kind=kind,
                    purchased_at=when,
                    price=price,
                    term_start=term[0],
                    term_end=term[1],
                    customer=Customer(name="Contoso", domain="contoso.com"),
                )
                base = purchase.purchased_at
                for offset in offsets:
                    at = base + offset
                    for rs in role_sets:
                        yield (
                            f"evaluate {n} {offset} {rs}",
                            (lambda p=purchase, at=at, rs=rs: cancellation.evaluate(p, at=at, roles=rs)),
                        )
                    yield (
                        f"can_self_cancel {n} {offset}",
                        lambda p=purchase, at=at: cancellation.can_self_cancel(p, at=at),
                    )
                    yield (
                        f"refund_credit {n} {offset}",
                        (lambda p=purchase, at=at: billing.refund_credit(p, cancelled_at=at, billing_day=31)),
                    )
                    yield (
                        f"credit_due {n} {offset}",
                        lambda p=purchase, at=at: billing.credit_due(p, cancelled_at=at),
                    )
                    yield (
                        f"effects {n} {offset}",
                        (lambda p=purchase, at=at: effects.effects(p, cancelled_at=at, billing_day=5)),
                    )
                    yield (
                        f"timeline {n} {offset}",
                        (
                            lambda p=purchase, at=at: timeline.Timeline.from_purchase(
                                p, cancelled_at=at, at=at
                            )
                        ),
                    )
                    yield (
                        f"timeline svg {n} {offset}",
                        (
                            lambda p=purchase, at=at: timeline.Timeline.from_purchase(
                                p, at=at, lang="fr"
                            ).to_svg()
                        ),
                    )
                yield (
                    f"check_prerequisites {n}",
                    (
                        lambda p=purchase, ack=n % 2 == 0: cancellation.check_prerequisites(
                            p, notice_acknowledged=ack
                        )
                    ),
                )
                yield (
                    f"support_request_for {n}",
                    lambda p=purchase: support.support_request_for(
                        p,
                        impact="Moderate",
                        refund_reason="Bought by mistake",
                        contact_name="Ana Díaz",
                        contact_email="ana@fabrikam.example",
                        contact_phone="+1 (425) 555-0100",
                        tenant="contoso.onmicrosoft.com",
                        locale="fr",
                    ),
                )
    yield (
        "evaluate naive",
        lambda: cancellation.evaluate(
            Purchase(
                order_id="N", product_name="x", kind="perpetual_software", purchased_at=date(2020, 3, 1)
            ),
            at=datetime(2020, 3, 2),
        ),
    )
    yield (
        "check_prerequisites mapping",
        lambda: cancellation.check_prerequisites(
            {"order_id": "", "product_name": None}, notice_acknowledged=False
        ),
    )
    yield (
        "plan_cancellations",
        lambda: cancellation.plan_cancellations(
            [
                Purchase(order_id=o, product_name=p, kind="perpetual_software", purchased_at=date(2020, 3, 1))
                for o, p in (("B", "x"), ("A", "y"), ("B", "z"), ("C", "x"))
            ]
        ),
    )
    for market in ("AU", "BR", "FR", "JP", "KW", "XK"):
        for amount in ("110.00", "0.01", "99999.99", "1"):
            for rate in ("0.10", "0.18", "0", "0.999", "1"):
                for basis in (None, "net", "gross"):
                    cur = {"AU": "AUD", "BR": "BRL", "JP": "JPY", "KW": "KWD"}.get(market, "EUR")
                    yield (
                        f"split_price {market} {amount} {rate} {basis}",
                        (
                            lambda m=market, a=amount, r=rate, b=basis, c=cur: tax.split_price(
                                Money(a, c).rounded(), m, Decimal(r), basis=b
                            )
                        ),
                    )
        yield f"tax_treatment {market}", lambda m=market: tax.tax_treatment(m)
    for after in (date(2020, 1, 31), datetime(2020, 2, 28, 23, tzinfo=MINUS9_30), date(2019, 12, 31)):
        for day in (1, 15, 28, 29, 30, 31, 0, 32):
            yield f"next_invoice_date {after} {day}", lambda a=after, d=day: billing.next_invoice_date(a, d)
    for edition in ("Datacenter", "standard", "Essentials", "Windows Server 2019 Datacenter", ""):
        for sa in (True, False):
            yield (
                f"hybrid_benefit {edition} {sa}",
                lambda e=edition, s=sa: hybrid_benefit.hybrid_benefit(e, software_assurance=s),
            )

    # --- links ---
    t0 = datetime(2020, 3, 2, 9, 30, tzinfo=UTC)
    selection = links.DownloadSelection(version="2019", language="Français", file_type="ISO x64")
    link = links.issue_link(t0, selection=selection, order_id="O-1")
    yield "issue_link", lambda: link
    yield "issue_link before S2018", lambda: links.issue_link(datetime(2018, 1, 1, tzinfo=UTC))
    for offset in (timedelta(0), timedelta(days=14) - timedelta(microseconds=1), timedelta(days=14)):
        for downloads in (0, 49, 50, 51):
            for revoked in (None, t0 + timedelta(days=1)):
                yield (
                    f"link_status {offset} {downloads} {revoked}",
                    (
                        lambda o=offset, d=downloads, r=revoked: links.link_status(
                            link, at=t0 + o, downloads=d, revoked_at=r
                        )
                    ),
                )
    yield "renew_link", lambda: links.renew_link(link, at=t0 + timedelta(days=20))
    yield "renew_link revoked", lambda: links.renew_link(link, at=t0 + timedelta(days=20), revoked_at=t0)
    for args in (("2019", "fr", "ISO"), ("", None, "x"), (None, None, None), ("v", "Deutsch", "exe")):
        yield f"check_selection {args}", lambda a=args: links.check_selection(*a)
    for lang in ("Français", "en-US", "Chinese (Simplified)", "klingon", "pt_BR"):
        yield f"normalize_language {lang}", lambda lang=lang: links.normalize_language(lang)

    # --- activity ---
    entries = [
        activity.ActivityEntry(user=u, action=a, at=at, product="SQL Server 2019", customer="Contoso")
        for u, a, at in (
            ("ana@contoso.com", "download", datetime(2020, 3, 2, 23, 59, tzinfo=UTC)),
            ("bo@contoso.com", "key_access", datetime(2020, 3, 1, 8, tzinfo=PLUS14)),
            ("cy@contoso.com", "download", datetime(2020, 3, 3, tzinfo=MINUS9_30)),
        )
    ]
    for who in (["Global admin"], ["Admin agent"], ["Marketing content admin", "Agent commercial"]):
        yield (
            f"activity_log {who}",
            lambda w=who: activity.activity_log(
                entries, start=date(2020, 3, 1), end=date(2020, 3, 2), roles=w
            ),
        )
    yield (
        "activity_log reversed range",
        lambda: activity.activity_log(
            entries, start=date(2020, 3, 2), end=date(2020, 3, 1), roles=["Global admin"]
        ),
    )

    # --- support ---
    yield (
        "SupportRequest",
        lambda: support.SupportRequest(
            impact="Moderate",
            title="Cancel",
            tenant="contoso.onmicrosoft.com",
            order_id="7a1f",
            refund_reason="Bought by mistake",
            amount_requested=Money("61.00", "USD"),
            contact_name="Ana",
            contact_email="ana@fabrikam.example",
            contact_phone="+1 (425) 555-0100",
        ),
    )
    yield (
        "SupportRequest bad",
        lambda: support.SupportRequest(
            impact="",
            title="x",
            tenant="not a domain",
            refund_reason="r",
            amount_requested=Money("0", "USD"),
            contact_name="A",
            contact_email="a@b",
            contact_phone="12",
        ),
    )
    yield (
        "SupportRequest guid",
        lambda: support.SupportRequest(
            impact="High",
            title="t",
            tenant=uuid.UUID("6ba7b810-9dad-11d1-80b4-00c04fd430c8"),
            subscription_id="s",
            refund_reason="r",
            amount_requested=Money("1", "EUR"),
            contact_name="A",
            contact_email="a@b.fr",
            contact_phone="+33 1 23 45 67 89",
        ),
    )

    # --- the boolean shorthands and small helpers ---
    yield (
        "can_view_activity_log",
        lambda: (
            activity.can_view_activity_log(["Global admin"]),
            activity.can_view_activity_log("Admin agent"),
        ),
    )
    yield (
        "hybrid_benefit_eligible",
        lambda: hybrid_benefit.hybrid_benefit_eligible("Standard", software_assurance=True),
    )
    yield "link_usable", lambda: links.link_usable(link, at=t0 + timedelta(days=13), downloads=49)
    yield (
        "selection_complete",
        lambda: (links.selection_complete("1", "fr", "iso"), links.selection_complete("1")),
    )
    for text in ("FR", "cg", "Kongo", "Allemagne"):
        yield f"reservations_available {text}", lambda t=text: markets.reservations_available(t, rules=s2018)
        yield f"reservations_available {text} newest", lambda t=text: markets.reservations_available(t)
    yield "unavailable_markets", lambda: markets.unavailable_markets(date(2019, 10, 18), docs="api")
    yield "is_permitted", lambda: roles.is_permitted("Agent d'administration", "get_keys_and_downloads")
    yield "rules_or_newest", lambda: rulesets.rules_or_newest(None)
    yield (
        "resolve_rules",
        lambda: (
            rulesets.resolve_rules(None, date(2020, 1, 21)),
            rulesets.resolve_rules(s2018, date(2021, 1, 1)),
        ),
    )
    for name in ("Office 365 E3", "Windows 7 ESU 2020", "Windows 7 ESU", "SUSE Linux Enterprise Server"):
        for kind in ("software_subscription", "perpetual_software", "azure_software_plan"):
            bought = Purchase(order_id="A", product_name=name, kind=kind, purchased_at=date(2020, 3, 1))
            yield f"assess {name} {kind}", lambda p=bought: cancellation.assess(p, s2020)
            yield (
                f"assess {name} {kind} verdict",
                lambda p=bought: cancellation.assess(p, s2020).verdict(
                    datetime(2020, 4, 1, tzinfo=UTC), s2020
                ),
            )
    yield (
        "assess on premises S2018",
        lambda: cancellation.assess(
            Purchase(
                order_id="A",
                product_name="SQL Server",
                kind="perpetual_software",
                purchased_at=date(2019, 3, 1),
            ),
            s2018,
        ),
    )
    yield (
        "Money.from_minor_units",
        lambda: (Money.from_minor_units(12345, "EUR"), Money.from_minor_units(7, "JPY")),
    )
    yield "normalize_role_name", lambda: roles.normalize_role_name("  Agent  d’Administration ")
    yield "parse_roles", lambda: roles.parse_roles(["Global admin", "AdminAgents", "admin_agent"])
    yield "to_decimal", lambda: (facts.to_decimal("1.50"), facts.to_decimal(7), facts.to_decimal("1e3"))
    yield "clean_text", lambda: facts.clean_text("  a\u00a0 b  ", "f")
    yield (
        "load_ruleset",
        lambda: rulesets.load_ruleset(
            str(importlib.resources.files("csp_rules") / "data" / "rulesets" / "s2020.json")
        ),
    )
    yield "babel_locale", lambda: str(_l10n.babel_locale("fr-CA"))
    from csp_rules.errors import AmbiguousMarketError, NaiveDatetimeError, UnknownMarketError

    for lang in ("en", "fr"):
        yield (
            f"error_message {lang}",
            lambda lang=lang: [
                decision.error_message(err, lang)
                for err in (
                    NaiveDatetimeError(field="at", value="2020-01-01"),
                    UnknownMarketError(field="market", value="Frnace", suggestions=["France (FR)"]),
                    AmbiguousMarketError(field="market", value="Kongo", candidates=["CD", "CG"]),
                )
            ],
        )
        yield (
            f"outcome_label {lang}",
            lambda lang=lang: [decision.outcome_label(o, lang) for o in cancellation.Outcome],
        )
    yield "messages", lambda: decision.messages()
    yield (
        "support.support_request_for",
        lambda: support.support_request_for(
            Purchase(
                order_id="S-1",
                product_name="SQL Server",
                kind="perpetual_software",
                purchased_at=date(2019, 5, 1),
                price=Money("10", "EUR"),
            ),
            impact="Low",
            refund_reason="r",
            contact_name="A",
            contact_email="a@b.fr",
            contact_phone="+33 1 23 45 67 89",
            tenant="6ba7b810-9dad-11d1-80b4-00c04fd430c8",
        ),
    )
    yield (
        "timeline_svg",
        lambda: timeline.timeline_svg(
            date(2020, 3, 1),
            window_end=date(2020, 4, 30),
            link_issued_at=datetime(2020, 3, 2, tzinfo=PLUS14),
            link_expires_at=date(2020, 3, 16),
            link_download_cap=50,
            cancelled_at=date(2020, 3, 20),
            credit_invoice_date=date(2020, 4, 5),
            credit=Money("12.5", "EUR"),
            at=date(2020, 3, 25),
            title='<Order & "O-1">',
            lang="fr",
        ),
    )

    # --- decisions, formatting ---
    for value in (
        date(2020, 1, 21),
        datetime(2020, 1, 21, 23, 30, tzinfo=PLUS14),
        timedelta(days=3, hours=4),
        Decimal("1234567.891"),
        1234567,
        Money("1234.5", "EUR"),
        True,
        frozenset({"b", "a"}),
    ):
        for loc in ("en", "fr", "fr_CA", "en_AU"):
            label = sorted(value) if isinstance(value, frozenset) else value
            yield f"format_value {label!r} {loc}", lambda v=value, loc=loc: decision.format_value(v, loc)
    yield "message unknown locale", lambda: decision.message("roles.permitted", "de")

    # --- batch ---
    yield "batch", _batch
    yield "batch missing columns", _batch_missing
    yield "batch.output_schema", _output_schema
    yield "batch.summarize", _summary
    yield "batch.summarize, summed", lambda: _summary() + _summary()

    # --- audit ---
    for lang in ("en", "fr"):
        yield f"audit {lang}", lambda lang=lang: _audit(lang)


def _audit(lang: str) -> Any:
    """An audit of a purchase and its credit (R8.4's 10 seats at 10.08), a credit with no purchase, and a
    credit the rules give (its sentence counts seats)."""
    import pyarrow as pa

    from csp_rules import audit

    row = {"CustomerCountry": "FR", "OrderId": "O-1", "SubscriptionId": "S-1", "OrderDate": "2022-11-01T10:00:00",
           "ProductName": "Microsoft 365 E3", "ChargeType": "New", "Quantity": 10, "Subtotal": "100.80",
           "Currency": "EUR", "ChargeStartDate": "2022-11-01T00:00:00", "ChargeEndDate": "2022-12-01T23:59:59",
           "TermAndBillingCycle": "1 Month"}  # fmt: skip
    credit = dict(
        row, ChargeType="Cancel", Quantity=-10, Subtotal="-94.20", ChargeStartDate="2022-11-03T00:00:00"
    )
    other = dict(credit, OrderId="O-2", Subtotal="-94.30")
    ok = [
        dict(row, OrderId="O-3", SubscriptionId="S-3"),
        dict(credit, OrderId="O-3", SubscriptionId="S-3", Subtotal="-94.30"),
    ]
    report = audit.audit(pa.Table.from_pylist([row, credit, other, *ok]), lang=lang)
    return report.table.to_pylist(), report


def _batch() -> Any:
    from csp_rules import batch

    return batch.evaluate(_batch_table(), at=datetime(2020, 3, 20, tzinfo=UTC)).to_pylist()


def _batch_table() -> Any:
    import pyarrow as pa

    return pa.table(
        {
            "market": ["FR", "Congo", "Atlantis", None, "au", "BR"],
            "order_id": ["1", "2", "3", "4", "5", ""],
            "product_name": ["SQL Server", "Windows 7 ESU 2020", "x", "y", "M365", "z"],
            "kind": [
                "perpetual_software",
                "software_subscription",
                "software_subscription",
                "perpetual_software",
                "azure_reservation",
                "perpetual_software",
            ],
            "purchased_at": [
                "2020-03-01T10:00:00+14:00",
                "2020-02-01",
                "2019-01-01T00:00:00Z",
                "2020-01-01",
                "2020-01-01T00:00:00-09:30",
                "2020-03-01",
            ],
            "price": ["100.00", "50.5", None, "1", "2", "3"],
            "currency": ["EUR", "USD", None, "EUR", "AUD", "BRL"],
            "term_start": [None, "2020-02-01", None, None, None, None],
            "term_end": [None, "2021-02-01", None, None, None, None],
        }
    )


def _summary() -> Any:
    from csp_rules import batch

    return batch.summarize(batch.evaluate(_batch_table(), at=datetime(2020, 3, 20, tzinfo=UTC)))


def _output_schema() -> Any:
    import pyarrow as pa

    from csp_rules import batch

    return str(batch.output_schema(pa.schema([("market", pa.string()), ("error_code", pa.string())])))


def _batch_missing() -> Any:
    import pyarrow as pa

    from csp_rules import batch

    return batch.evaluate(pa.table({"market": ["FR"], "price": ["1"]}), at=datetime(2020, 3, 20, tzinfo=UTC))


def corpus() -> list[tuple[str, Outcome]]:
    """Run every call: ``(label, value returned or CspRulesError raised)``.

    Any other exception propagates: these are valid calls or documented errors.
    """
    from csp_rules.errors import CspRulesError

    out: list[tuple[str, Outcome]] = []
    for label, call in _calls():
        try:
            out.append((label, call()))
        except CspRulesError as err:
            out.append((label, err))
    return out


def _explain(value: Any) -> dict[str, Any]:
    texts: dict[str, Any] = {}
    for name in ("explain", "explain_all", "describe", "render", "to_svg"):
        method = getattr(value, name, None)
        if callable(method):
            for loc in ("en", "fr"):
                try:
                    texts[f"{name}({loc})"] = canonical(method(loc) if name != "to_svg" else method())
                except Exception as err:  # recorded, so that a difference in errors shows too
                    texts[f"{name}({loc})"] = ["raised", type(err).__name__, str(err)]
    return texts


def canonical(value: Any, depth: int = 0) -> Any:
    """Plain data showing everything observable about a value, sets sorted, for comparison."""
    from csp_rules.errors import CspRulesError

    if depth > 12:
        return repr(value)
    if isinstance(value, CspRulesError):
        data = {
            "error": type(value).__name__,
            "code": value.code,
            "field": value.field,
            "message": str(value),
        }
        for extra in ("suggestions", "candidates", "problems"):
            if hasattr(value, extra):
                data[extra] = repr(getattr(value, extra))
        return data
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, enum.Enum):
        return f"{type(value).__name__}.{value.name}"
    if isinstance(value, datetime):
        return ["datetime", value.isoformat(), str(value.tzinfo)]
    if isinstance(value, (date, time, timedelta, Decimal, Fraction, uuid.UUID)):
        return [type(value).__name__, str(value)]
    if isinstance(value, (frozenset, set)):
        return sorted((canonical(v, depth + 1) for v in value), key=lambda c: json.dumps(c, sort_keys=True))
    if isinstance(value, Mapping):
        return {
            "map": sorted(
                ([canonical(k, depth + 1), canonical(v, depth + 1)] for k, v in value.items()),
                key=lambda kv: json.dumps(kv[0], sort_keys=True),
            )
        }
    if isinstance(value, (list, tuple)):
        return [canonical(v, depth + 1) for v in value]
    if attrs.has(type(value)):
        data = {f.name: canonical(getattr(value, f.name), depth + 1) for f in attrs.fields(type(value))}
        out: dict[str, Any] = {"type": type(value).__name__, "fields": data}
        to_dict = getattr(value, "to_dict", None)
        if callable(to_dict):
            out["to_dict"] = canonical(to_dict(), depth + 1)
        out.update(_explain(value))
        return out
    if hasattr(value, "code") and hasattr(value, "name"):  # Market-like values
        return [type(value).__name__, str(value)]
    return [type(value).__name__, repr(value)]


def fingerprint(outcomes: list[tuple[str, Outcome]] | None = None) -> list[str]:
    """One line per call: the label and the canonical outcome as sorted JSON."""
    if outcomes is None:
        outcomes = corpus()
    return [
        f"{label}\t{json.dumps(canonical(o), sort_keys=True, ensure_ascii=False)}" for label, o in outcomes
    ]


def picklable(outcomes: list[tuple[str, Outcome]]) -> list[tuple[str, Outcome]]:
    """The outcomes that are values of csp_rules (not plain text or lists) to send between processes."""
    return [(label, o) for label, o in outcomes if type(o).__module__.startswith("csp_rules")]


# --- cold start, many threads ----------------------------------------------------------------


def lazy_resources() -> dict[str, Any]:
    """Every lazy resource of the package, discovered: each :class:`~csp_rules._lazy.Once`, each
    ``functools.lru_cache`` of a module-level function (its size) and each module-level cache (a
    private dict that is empty after import), with whether it is loaded."""
    import pkgutil

    import csp_rules
    from csp_rules._lazy import Once

    state: dict[str, Any] = {}
    for info in pkgutil.walk_packages(csp_rules.__path__, "csp_rules."):
        if info.name.endswith("__main__") or info.name.startswith(("csp_rules.cli", "csp_rules.testing")):
            continue
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if isinstance(value, Once):
                state[f"{info.name}.{name}"] = value.loaded
            elif (
                callable(getattr(value, "cache_info", None))
                and getattr(value, "__module__", None) == info.name
            ):
                state[f"{info.name}.{name}"] = value.cache_info().currsize
            elif isinstance(value, dict) and name.startswith("_") and not name.startswith("__"):
                state[f"{info.name}.{name}"] = len(value)
    import babel.localedata

    state["babel.localedata._cache"] = len(babel.localedata._cache)
    return state


def thread_workload() -> list[Call]:
    """A few calls of every kind in the corpus (up to six per kind, spread over the grid)."""
    groups: dict[str, list[Call]] = {}
    for label, call in _calls():
        key = label.split(" ", 1)[0] + (" lang" if "lang=" in label else "")
        groups.setdefault(key, []).append((label, call))
    chosen: list[Call] = []
    for calls in groups.values():
        step = max(1, len(calls) // 6)
        chosen.extend(calls[::step][:6])
    return chosen


def run_threads(count: int) -> dict[str, Any]:
    """In a fresh process: ``count`` threads released at once run the workload, each from its own
    starting point, so that every lazy resource has its first use raced by several threads."""
    import threading

    from csp_rules.errors import CspRulesError

    before = lazy_resources()
    workload = thread_workload()
    barrier = threading.Barrier(count)
    results: list[dict[str, str]] = [{} for _ in range(count)]

    def work(i: int) -> None:
        start = (len(workload) * i) // count
        order = workload[start:] + workload[:start]
        barrier.wait()
        for label, call in order:
            try:
                outcome = call()
                results[i][label] = fingerprint([(label, outcome)])[0]
            except CspRulesError as err:
                results[i][label] = fingerprint([(label, err)])[0]
            except BaseException as err:  # anything else is the failure this test looks for
                results[i][label] = f"{label}\tCRASH {type(err).__name__}: {err}"

    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible: first uses really overlap
    try:
        threads = [threading.Thread(target=work, args=(i,)) for i in range(count)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(old)
    return {"before": before, "after": lazy_resources(), "results": results}


def main(argv: list[str]) -> int:
    if argv[0] == "fingerprint":
        sys.stdout.write("\n".join(fingerprint()) + "\n")
        return 0
    if argv[0] == "pickle":
        outcomes = picklable(corpus())
        with open(argv[1], "wb") as fh:
            pickle.dump(outcomes, fh, protocol=pickle.HIGHEST_PROTOCOL)
        return 0
    if argv[0] == "threads":
        report = run_threads(int(argv[1]))
        with open(argv[2], "w", encoding="utf-8") as fh:
            json.dump(report, fh, ensure_ascii=False)
        return 0
    raise SystemExit(f"unknown command {argv[0]!r}")


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
