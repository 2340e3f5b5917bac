"""Keys and downloads (RULES.md R5.1-R5.3, R8.2, R10.2): the selection and download links."""

from __future__ import annotations

import csv
import pickle
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from _cases import variant
from _details import raises_precisely, type_error_names
from csp_rules import (
    links,
)
from csp_rules.errors import (
    InvalidDateError,
    InvalidFieldError,
    LinkError,
    MissingFieldError,
    NaiveDatetimeError,
    NoRulesInForceError,
    ValidationError,
)
from csp_rules.links import (
    REASON_CODES,
    DownloadLink,
    DownloadSelection,
    LinkStatus,
    SelectionStatus,
    check_selection,
    issue_link,
    link_status,
    link_usable,
    normalize_language,
    renew_link,
    selection_complete,
)
from csp_rules.rulesets import ruleset_from_dict, shipped_rulesets

S2018, S2020 = shipped_rulesets()[:2]

CASES = Path(__file__).parent / "cases" / "links"
UTC = timezone.utc
T0 = datetime(2020, 3, 2, 9, 30, tzinfo=UTC)
US = timedelta(microseconds=1)
# RULES.md R5.2 (the versions before R11.1): two weeks, 50 downloads
LIFETIME = timedelta(days=14)
CAP = 50
# RULES.md R11: the first day of a version that states no link rule (S2021-01-30)
NO_LINK_RULE = date(2021, 1, 30)


def _table(name: str) -> list[dict[str, str]]:
    with (CASES / name).open(encoding="utf-8") as fh:
        return list(csv.DictReader((line for line in fh if not line.startswith("#")), delimiter="\t"))


STATUS_CASES = _table("status.tsv")
LANGUAGE_CASES = _table("languages.tsv")


def test_shipped_parameters_are_the_ones_rules_md_names() -> None:
    for rules in shipped_rulesets():
        if rules.in_force_from < NO_LINK_RULE:  # R5.2, R5.3
            assert rules.links.stated and rules.links.lifetime_days is not None
            assert timedelta(days=rules.links.lifetime_days) == LIFETIME
            assert rules.links.download_cap == CAP
            assert rules.links.renewable
        else:  # R11.1: from S2021-01-30 no link rule is stated
            assert not rules.links.stated
            assert (rules.links.lifetime_days, rules.links.download_cap) == (None, None)


# --- case tables ----------------------------------------------------------------------------


@pytest.mark.parametrize("row", STATUS_CASES, ids=lambda row: row["name"])
def test_status_case_table(row: dict[str, str]) -> None:
    link = issue_link(datetime.fromisoformat(row["issued_at"]))
    revoked = None if row["revoked_at"] == "-" else datetime.fromisoformat(row["revoked_at"])
    at = datetime.fromisoformat(row["at"])
    d = link_status(link, at=at, downloads=int(row["downloads"]), revoked_at=revoked)
    assert d.status is LinkStatus(row["status"])
    assert d.outcome is d.status
    assert d.allowed is (row["status"] == "active")
    assert d.downloads_left == int(row["downloads_left"])
    assert d.time_left == timedelta(seconds=float(row["time_left"]))
    assert d.reasons[0] == f"links.{row['status']}"
    assert link_usable(link, at=at, downloads=int(row["downloads"]), revoked_at=revoked) is d.allowed
    assert d.explain("en") and d.explain("fr")


@pytest.mark.parametrize("row", LANGUAGE_CASES, ids=lambda row: row["text"])
def test_language_case_table(row: dict[str, str]) -> None:
    if row["language"] == "!":
        with pytest.raises(InvalidFieldError) as info:
            normalize_language(row["text"])
        assert info.value.field == "language"
        with pytest.raises(ValidationError) as vinfo:
            DownloadSelection("2019", row["text"], "ISO")
        assert [p.field for p in vinfo.value.problems] == ["language"]
    else:
        assert normalize_language(row["text"]) == row["language"]
        assert DownloadSelection("2019", row["text"], "ISO").language == row["language"]


# --- R5.1 selection -------------------------------------------------------------------------


def test_complete_selection() -> None:
    s = DownloadSelection(version=" SQL Server 2019 ", language="pt-BR", file_type="ISO  x64")
    assert (s.version, s.language, s.file_type) == ("SQL Server 2019", "pt_BR", "ISO x64")
    assert s.language_tag == "pt-BR"
    assert s.language_name("en") == "Portuguese (Brazil)"
    assert s.language_name("fr") == "portugais (Brésil)"
    assert pickle.loads(pickle.dumps(s)) == s
    assert s == DownloadSelection("SQL Server 2019", "Portuguese (Brazil)", "ISO x64")


@pytest.mark.parametrize(
    ("parts", "missing"),
    [
        ((None, None, None), ["version", "language", "file_type"]),
        (("", " ", "\t"), ["version", "language", "file_type"]),
        (("2019", None, None), ["language", "file_type"]),
        ((None, "fr", None), ["version", "file_type"]),
        ((None, None, "ISO"), ["version", "language"]),
        (("2019", "fr", None), ["file_type"]),
        (("2019", None, "ISO"), ["language"]),
        ((None, "fr", "ISO"), ["version"]),
    ],
)
def test_incomplete_selection_names_every_missing_part(
    parts: tuple[str | None, ...], missing: list[str]
) -> None:
    with pytest.raises(ValidationError) as info:
        DownloadSelection(*parts)  # type: ignore[arg-type]
    assert [p.field for p in info.value.problems] == missing
    for name in missing:
        assert name in str(info.value)
    d = check_selection(*parts)
    assert d.outcome is SelectionStatus.INCOMPLETE and not d.allowed
    assert list(d.missing) == missing and d.selection is None
    assert d.rule_numbers == ("R5.1",)
    assert not selection_complete(*parts)
    assert "file type/OS" in d.explain("en") or "file_type" not in missing
    assert "langue" in d.explain("fr") or "language" not in missing


def test_check_selection_complete() -> None:
    d = check_selection("2019", "Français", "ISO")
    assert d.outcome is SelectionStatus.COMPLETE and d.allowed and d.missing == ()
    assert d.selection == DownloadSelection("2019", "fr", "ISO")
    assert d.explain("en") == "The selection is complete: version 2019, language French, file type/OS ISO."
    assert "langue français" in d.explain("fr")
    assert selection_complete("2019", "fr", "ISO")


def test_malformed_parts_are_errors_not_missing() -> None:
    with pytest.raises(ValidationError) as info:
        check_selection("2019", "Klingonish", "ISO\x00")
    assert [p.field for p in info.value.problems] == ["language", "file_type"]
    with pytest.raises(ValidationError):
        DownloadSelection("v" * 201, "fr", "ISO")
    with pytest.raises(TypeError):
        DownloadSelection(2019, "fr", "ISO")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        normalize_language(None)  # type: ignore[arg-type]
    with pytest.raises(MissingFieldError):
        normalize_language("  ")


def test_huge_language_and_text_are_refused_quickly() -> None:
    with pytest.raises(InvalidFieldError):
        normalize_language("French" * 200_000)
    with pytest.raises(ValidationError):
        DownloadSelection("x " * 1_000_000, "(" * 1_000_000, "y" * 1_000_000)


@given(st.text(max_size=60))
def test_language_is_normalized_or_refused(text: str) -> None:
    try:
        result: str | Exception = normalize_language(text)
    except (InvalidFieldError, MissingFieldError) as err:
        result = err
    if isinstance(result, str):
        # the result is itself a valid code that normalizes to itself
        assert normalize_language(result) == result
        assert normalize_language(result.replace("_", "-")) == result


# --- R5.2, R5.3 links: examples and boundaries ----------------------------------------------


def test_fiftieth_download_succeeds_fifty_first_does_not() -> None:
    link = issue_link(T0)
    at = T0 + timedelta(days=1)
    assert link_usable(link, at=at, downloads=48)
    assert link_usable(link, at=at, downloads=49)  # the 50th download
    assert not link_usable(link, at=at, downloads=50)  # the 51st
    assert link_status(link, at=at, downloads=49).downloads_left == 1
    assert link_status(link, at=at, downloads=50).status is LinkStatus.EXHAUSTED
    assert link_status(link, at=at, downloads=51).downloads_left == 0


def test_expiry_is_14_times_24_hours() -> None:
    link = issue_link(T0)
    assert link.expires_at() == T0 + LIFETIME
    d = link_status(link, at=T0 + LIFETIME - US, downloads=0)
    assert d.status is LinkStatus.ACTIVE and d.time_left == US
    d = link_status(link, at=T0 + LIFETIME, downloads=0)
    assert d.status is LinkStatus.EXPIRED and d.time_left == timedelta(0)
    assert d.expires_at == T0 + LIFETIME
    assert d.rule_numbers == ("R5.2", "R5.3")


def test_precedence_revoked_expired_exhausted() -> None:
    link = issue_link(T0)
    late = T0 + LIFETIME
    d = link_status(link, at=late, downloads=CAP, revoked_at=T0)
    assert d.status is LinkStatus.REVOKED
    assert d.reasons == ("links.revoked", "links.expired", "links.exhausted")
    assert d.rule_numbers == ("R8.2",)
    d = link_status(link, at=late, downloads=CAP)
    assert d.status is LinkStatus.EXPIRED and d.reasons == ("links.expired", "links.exhausted")
    assert len(d.explain_all("fr")) == 2


def test_revocation_takes_effect_at_its_instant() -> None:
    link = issue_link(T0)
    cancel = T0 + timedelta(days=2)
    assert link_usable(link, at=cancel - US, downloads=0, revoked_at=cancel)
    assert not link_usable(link, at=cancel, downloads=0, revoked_at=cancel)
    with pytest.raises(LinkError) as info:
        renew_link(link, at=cancel, revoked_at=cancel)
    assert info.value.field == "revoked_at" and "R8.2" in str(info.value)
    # before the cancellation, a renewal is still possible
    assert renew_link(link, at=cancel - US, revoked_at=cancel).issued_at == cancel - US


def test_renewal_gives_fresh_grant_from_renewal_instant() -> None:
    sel = DownloadSelection("2019", "fr", "ISO")
    link = issue_link(T0, selection=sel, order_id="O-1")
    later = T0 + timedelta(days=30, hours=5)
    renewed = renew_link(link, at=later)
    assert renewed.issued_at == later and renewed.renewals == 1
    assert renewed.selection == sel and renewed.order_id == "O-1"
    d = link_status(renewed, at=later, downloads=0)
    assert d.status is LinkStatus.ACTIVE
    assert d.downloads_left == CAP and d.time_left == LIFETIME
    # renewing an active link also works ("as many times as needed")
    again = renew_link(renewed, at=later + timedelta(hours=1))
    assert again.renewals == 2
    assert again.expires_at() == later + timedelta(hours=1) + LIFETIME


def test_explanations_in_both_languages() -> None:
    link = issue_link(T0)
    d = link_status(link, at=T0 + timedelta(days=3), downloads=10)
    assert d.explain("en").startswith("The link is usable: 40 of 50 downloads left")
    assert d.explain("fr").startswith("Le lien est utilisable : il reste 40 téléchargements sur 50")
    d = link_status(link, at=T0 + timedelta(days=3), downloads=10, revoked_at=T0 + timedelta(days=1))
    assert "revoked" in d.explain("en") and "révoqué" in d.explain("fr")
    d = link_status(link, at=T0 + timedelta(days=3), downloads=50)
    assert "50 downloads" in d.explain("en")
    data = d.to_dict()
    assert data["outcome"] == "exhausted" and data["facts"]["download_cap"] == 50
    assert pickle.loads(pickle.dumps(d)) == d


# --- bad input ------------------------------------------------------------------------------


def test_bad_download_counts() -> None:
    link = issue_link(T0)
    with pytest.raises(InvalidFieldError) as info:
        link_status(link, at=T0, downloads=-1)
    assert info.value.field == "downloads" and info.value.value == -1
    for bad in (True, 1.0, "3", None):
        with pytest.raises(TypeError):
            link_status(link, at=T0, downloads=bad)  # type: ignore[arg-type]
    # a huge count is simply exhausted
    assert link_status(link, at=T0, downloads=10**30).status is LinkStatus.EXHAUSTED


def test_naive_datetimes_are_refused() -> None:
    naive = datetime(2020, 3, 2, 9, 30)
    with pytest.raises(NaiveDatetimeError):
        issue_link(naive)
    link = issue_link(T0)
    with pytest.raises(NaiveDatetimeError) as info:
        link_status(link, at=naive, downloads=0)
    assert info.value.field == "at"
    with pytest.raises(NaiveDatetimeError) as info:
        link_status(link, at=T0, downloads=0, revoked_at=naive)
    assert info.value.field == "revoked_at"
    with pytest.raises(NaiveDatetimeError):
        renew_link(link, at=naive)
    with pytest.raises(NaiveDatetimeError):
        DownloadLink(issued_at=naive)
    with pytest.raises(TypeError):
        issue_link(date(2020, 3, 2))  # type: ignore[arg-type]


def test_instants_before_the_link_and_before_any_rules() -> None:
    link = issue_link(T0)
    with pytest.raises(InvalidDateError):
        link_status(link, at=T0 - US, downloads=0)
    with pytest.raises(InvalidDateError):
        renew_link(link, at=T0 - US)
    with pytest.raises(NoRulesInForceError):
        issue_link(datetime(2018, 8, 30, 23, 59, tzinfo=UTC))
    old = DownloadLink(issued_at=datetime(2018, 1, 1, tzinfo=UTC))
    with pytest.raises(NoRulesInForceError):
        link_status(old, at=datetime(2018, 1, 2, tzinfo=UTC), downloads=0)
    # with an explicit rule set the date is not looked up
    d = link_status(old, at=datetime(2018, 1, 2, tzinfo=UTC), downloads=0, rules=shipped_rulesets()[0])
    assert d.status is LinkStatus.ACTIVE and d.ruleset_version == "S2018"


def test_expiry_past_the_end_of_the_calendar() -> None:
    link = DownloadLink(issued_at=datetime(9999, 12, 25, tzinfo=UTC))
    with pytest.raises(InvalidDateError):
        link_status(link, at=datetime(9999, 12, 26, tzinfo=UTC), downloads=0, rules=S2020)
    with pytest.raises(InvalidDateError):
        issue_link(datetime(9999, 12, 25, tzinfo=UTC), rules=S2020)
    # with no link rule stated (the shipped chain in 9999) there is no expiry to overflow (R11.1)
    assert (
        link_status(link, at=datetime(9999, 12, 26, tzinfo=UTC), downloads=0).status
        is LinkStatus.NO_RULE_STATED
    )


def test_wrong_types() -> None:
    with pytest.raises(TypeError):
        link_status("link", at=T0, downloads=0)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        renew_link(None, at=T0)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        issue_link(T0, selection="2019 fr ISO")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        link_status(issue_link(T0), at=T0, downloads=0, rules="S2020")  # type: ignore[arg-type]


# --- rule-set parameters --------------------------------------------------------------------


def _custom(**links: object) -> object:
    return ruleset_from_dict(
        {"extends": "S2020", "version": "TEST-LINKS", "in_force_from": "2024-01-01", "links": links}
    )


def test_lifetime_and_cap_come_from_the_rule_set() -> None:
    rules = _custom(lifetime_days=7, download_cap=3)
    link = issue_link(T0, rules=rules)  # type: ignore[arg-type]
    assert link_usable(link, at=T0 + timedelta(days=7) - US, downloads=2, rules=rules)  # type: ignore[arg-type]
    assert not link_usable(link, at=T0 + timedelta(days=7), downloads=0, rules=rules)  # type: ignore[arg-type]
    d = link_status(link, at=T0, downloads=3, rules=rules)  # type: ignore[arg-type]
    assert d.status is LinkStatus.EXHAUSTED and d.ruleset_version == "TEST-LINKS"


def test_not_renewable_rule_set_refuses_renewal() -> None:
    rules = _custom(renewable=False)
    with pytest.raises(LinkError):
        renew_link(issue_link(T0), at=T0 + LIFETIME, rules=rules)  # type: ignore[arg-type]


# --- properties -----------------------------------------------------------------------------

instants = st.datetimes(
    min_value=datetime(2018, 8, 31), max_value=datetime(2030, 1, 1), timezones=st.just(UTC)
)
offsets = st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=40))
zones = st.sampled_from([UTC, timezone(timedelta(hours=-5)), timezone(timedelta(hours=5, minutes=30))])


def _reference(issued: datetime, at: datetime, downloads: int, revoked: datetime | None) -> LinkStatus:
    """RULES.md R5 convention, R8.2 and R11.1, written independently."""
    if revoked is not None and revoked <= at:
        return LinkStatus.REVOKED
    if issued.date() >= NO_LINK_RULE:
        return LinkStatus.NO_RULE_STATED
    if not at < issued + LIFETIME:
        return LinkStatus.EXPIRED
    if not downloads < CAP:
        return LinkStatus.EXHAUSTED
    return LinkStatus.ACTIVE


@given(
    instants,
    offsets,
    st.integers(min_value=0, max_value=120),
    st.one_of(st.none(), offsets),
    zones,
)
def test_status_agrees_with_reference(
    issued: datetime, delta: timedelta, downloads: int, revoke_delta: timedelta | None, zone: timezone
) -> None:
    at = (issued + delta).astimezone(zone)
    revoked = None if revoke_delta is None else issued + revoke_delta
    d = link_status(issue_link(issued), at=at, downloads=downloads, revoked_at=revoked)
    assert d.status is _reference(issued, at, downloads, revoked)
    if issued.date() >= NO_LINK_RULE:  # R11.1: nothing invented
        assert (d.downloads_left, d.time_left, d.expires_at) == (None, None, None)
        assert not d.allowed
        return
    assert d.downloads_left == max(0, CAP - downloads)
    assert d.time_left == max(timedelta(0), issued + LIFETIME - at)
    assert 0 <= d.downloads_left <= CAP and timedelta(0) <= d.time_left <= LIFETIME


@given(instants, offsets, offsets, st.integers(0, 60), st.integers(0, 60))
def test_status_is_monotone(issued: datetime, d1: timedelta, d2: timedelta, n1: int, n2: int) -> None:
    """Later, or with more downloads, a link never becomes usable again (without a renewal)."""
    link = issue_link(issued)
    early, late = sorted([d1, d2])
    few, many = sorted([n1, n2])
    if link_usable(link, at=issued + late, downloads=many):
        assert link_usable(link, at=issued + early, downloads=few)


class LinkLifecycle(RuleBasedStateMachine):
    """Downloads, renewals, time passing and cancellation, checked against R5.2, R5.3 and R8.2, under
    S2020 (which states the link rule) whatever the dates."""

    @initialize(start=instants)
    def issue(self, start: datetime) -> None:
        self.now = start
        self.link = issue_link(start, rules=S2020)
        self.downloads = 0  # downloads made on the current grant
        self.revoked_at: datetime | None = None
        self.renewals = 0

    def status(self) -> object:
        return link_status(
            self.link, at=self.now, downloads=self.downloads, revoked_at=self.revoked_at, rules=S2020
        )

    @rule()
    def download(self) -> None:
        if link_usable(
            self.link, at=self.now, downloads=self.downloads, revoked_at=self.revoked_at, rules=S2020
        ):
            self.downloads += 1

    @rule(count=st.integers(min_value=1, max_value=60))
    def download_many(self, count: int) -> None:
        for _ in range(count):
            self.download()

    @rule(step=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=20)))
    def time_passes(self, step: timedelta) -> None:
        self.now += step

    @rule(step=st.sampled_from([US, timedelta(seconds=1), timedelta(days=14) - US, timedelta(days=14)]))
    def time_passes_to_a_boundary(self, step: timedelta) -> None:
        self.now += step

    @rule()
    def renew(self) -> None:
        if self.revoked_at is not None:
            with pytest.raises(LinkError):
                renew_link(self.link, at=self.now, revoked_at=self.revoked_at, rules=S2020)
            return
        self.link = renew_link(self.link, at=self.now, rules=S2020)
        self.downloads = 0
        self.renewals += 1
        d = link_status(self.link, at=self.now, downloads=0, rules=S2020)
        # a renewal restores exactly 14 days and 50 downloads
        assert d.status is LinkStatus.ACTIVE
        assert d.time_left == LIFETIME and d.downloads_left == CAP
        assert d.expires_at == self.now + LIFETIME

    @precondition(lambda self: self.revoked_at is None)
    @rule()
    def cancel_purchase(self) -> None:
        self.revoked_at = self.now

    @invariant()
    def never_more_than_the_cap_per_grant(self) -> None:
        assert 0 <= self.downloads <= CAP

    @invariant()
    def usable_only_inside_the_rules(self) -> None:
        d = self.status()
        assert d.allowed is (d.status is LinkStatus.ACTIVE)  # type: ignore[attr-defined]
        if d.allowed:  # type: ignore[attr-defined]
            assert self.now < self.link.issued_at + LIFETIME
            assert self.downloads < CAP
            assert self.revoked_at is None or self.now < self.revoked_at
        if self.now >= self.link.issued_at + LIFETIME:
            assert not d.allowed  # type: ignore[attr-defined]

    @invariant()
    def never_usable_after_revocation(self) -> None:
        if self.revoked_at is not None:
            assert self.status().status is LinkStatus.REVOKED  # type: ignore[attr-defined]

    @invariant()
    def renewals_are_counted(self) -> None:
        assert self.link.renewals == self.renewals


TestLinkLifecycle = LinkLifecycle.TestCase
TestLinkLifecycle.settings = settings(max_examples=60, stateful_step_count=40, deadline=None)


def test_link_values() -> None:
    link = issue_link(datetime(2020, 3, 2, 10, 30, tzinfo=timezone(timedelta(hours=1))))
    assert link.issued_at == T0 and link.issued_at.tzinfo is UTC
    assert link == issue_link(T0)
    assert pickle.loads(pickle.dumps(link)) == link
    assert attrs.evolve(link, renewals=2).renewals == 2
    with pytest.raises(InvalidFieldError):
        DownloadLink(issued_at=T0, renewals=-1)
    with pytest.raises(InvalidFieldError):
        DownloadLink(issued_at=T0, order_id=" ")


def test_reason_codes_declared() -> None:
    assert {
        "links.no_rule_stated",
        "links.active",
        "links.expired",
        "links.exhausted",
        "links.revoked",
        "links.selection_complete",
        "links.selection_incomplete",
    } == REASON_CODES


# --- details: wording, facts, defaults and limits a caller can observe ---


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
    ).startswith(f"language: {long!r}"[:75] + "...<83 chars> is not")
    exact = "x" * 78  # its repr is 80 characters: shown whole
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
    never = variant("NO-RENEW", lambda d: d["links"].update(renewable=False))
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
    assert (
        d.reasons == ("links.selection_incomplete",) and d.ruleset_version == shipped_rulesets()[-1].version
    )
    d = links.check_selection(None, "de", None)
    assert d.facts["version"] == "" and d.facts["file_type"] == "" and d.facts["language"] == "de"
    assert d.facts["language_name_fr"] == "allemand"
    err = raises_precisely(lambda: links.check_selection("v\x00", "fr", "x"), ValidationError, "selection")
    assert err.value == ("v\x00", "fr", "x")
