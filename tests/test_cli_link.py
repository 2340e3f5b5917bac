"""``csp-rules link`` (issue 8): the R5.2 question from a terminal, in English and French."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from _cli import one_line_error, run, run_json, subprocess_run
from csp_rules import S2020
from csp_rules.links import DownloadLink, link_status

UTC = timezone.utc
ISSUED = datetime(2020, 3, 2, 9, 30, tzinfo=UTC)
LIFETIME = timedelta(days=S2020.links.lifetime_days)
CAP = S2020.links.download_cap


def argv(at: datetime, downloads: int, *extra: str) -> list[str]:
    return [
        "link",
        "--issued",
        ISSUED.isoformat(),
        "--at",
        at.isoformat(),
        "--downloads",
        str(downloads),
        *extra,
    ]


def test_active_link_is_yes(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(capsys, *argv(ISSUED + timedelta(days=3), 12))
    assert (status, err) == (0, "")
    assert out.splitlines()[0] == "yes: usable [active]"
    assert f"downloads left  {CAP - 12}" in out


def test_last_download_and_the_one_after(capsys: pytest.CaptureFixture[str]) -> None:
    at = ISSUED + timedelta(days=1)
    assert run(capsys, *argv(at, CAP - 1))[0] == 0  # the 50th download succeeds
    status, out, _ = run(capsys, *argv(at, CAP))
    assert status == 1 and out.startswith("no: no downloads left [exhausted]")


def test_expiry_is_half_open(capsys: pytest.CaptureFixture[str]) -> None:
    last = ISSUED + LIFETIME - timedelta(microseconds=1)
    assert run(capsys, *argv(last, 0))[0] == 0
    status, out, _ = run(capsys, *argv(ISSUED + LIFETIME, 0, "--lang", "fr"))
    assert status == 1
    assert out.splitlines()[0] == "non : expiré [expired]"
    assert "expire le" in out and "téléchargements restants" in out


def test_revoked_by_a_cancellation(capsys: pytest.CaptureFixture[str]) -> None:
    status, data = run_json(capsys, *argv(ISSUED + timedelta(days=2), 0, "--revoked", "2020-03-03T00:00Z"))
    assert (status, data["status"], data["rule_numbers"]) == (1, "revoked", ["R8.2"])


def test_json_round_trips_and_equals_the_library(capsys: pytest.CaptureFixture[str]) -> None:
    at = ISSUED + timedelta(days=3, hours=2)
    decision = link_status(DownloadLink(issued_at=ISSUED), at=at, downloads=7)
    for lang in ("en", "fr"):
        status, data = run_json(capsys, *argv(at, 7, "--lang", lang))
        assert status == 0
        assert data["status"] == "active" and data["answer"] == "yes"
        assert data["expires_at"] == (ISSUED + LIFETIME).isoformat()
        assert data["downloads_left"] == CAP - 7
        assert data["time_left"] == (ISSUED + LIFETIME - at).total_seconds()
        assert data["explanation"] == decision.explain(lang)
        expected = json.loads(json.dumps(decision.to_dict()))
        assert {k: data[k] for k in expected} == expected


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["link", "--issued", "2020-03-02T09:30", "--at", "2020-03-03T00:00Z"], "--issued"),
        (["link", "--issued", "2020-03-02", "--at", "2020-03-01"], "before the link was issued"),
        (["link", "--issued", "2020-03-02", "--at", "2020-03-03", "--downloads", "-1"], "--downloads"),
        (["link", "--issued", "2020-03-02", "--at", "2020-03-03", "--downloads", "many"], "--downloads"),
        (["link", "--issued", "2017-03-02", "--at", "2017-03-03"], "S2018"),
        (["link", "--issued", "2020-03-02"], "--at"),
    ],
)
def test_bad_input_is_status_2_with_one_line(
    args: list[str], needle: str, capsys: pytest.CaptureFixture[str]
) -> None:
    err = one_line_error(*run(capsys, *args))
    assert needle in err


def test_python_dash_m_help_and_a_run() -> None:
    helped = subprocess_run("link", "--help")
    assert (
        helped.returncode == 0
        and "examples / exemples :" in helped.stdout
        and "statut de sortie" in helped.stdout
        and "csp-rules link --issued" in helped.stdout
    )
    done = subprocess_run(*argv(ISSUED + timedelta(days=20), 3, "--lang", "fr", "--json"))
    assert done.returncode == 1, done.stderr
    data = json.loads(done.stdout)
    assert data["status"] == "expired" and data["explanation"].startswith("Le lien a expiré")


def test_a_link_issued_without_a_link_rule_is_not_known_to_be_usable(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """R11.1: issued 2021-01-30 (S2021-01-30 states no link rule): exit 1, status no_rule_stated, no
    invented expiry; a day earlier (S2020-01-31) the 14-day rule answers."""
    status, data = run_json(capsys, "link", "--issued", "2021-01-30T00:00Z", "--at", "2021-02-20T00:00Z")
    assert (status, data["outcome"], data["ruleset_version"]) == (1, "no_rule_stated", "S2021-01-30")
    assert data["facts"]["expires_at"] is None and data["rule_numbers"] == ["R11.1"]
    status, data = run_json(
        capsys, "link", "--issued", "2021-01-29T23:59:59.999999Z", "--at", "2021-02-01T00:00Z"
    )
    assert (status, data["outcome"], data["ruleset_version"]) == (0, "active", "S2020-01-31")
    status, data = run_json(
        capsys,
        "link",
        "--issued",
        "2021-01-30T00:00Z",
        "--at",
        "2021-02-01T00:00Z",
        "--revoked",
        "2021-01-31T00:00Z",
    )
    assert (status, data["outcome"]) == (1, "revoked")
