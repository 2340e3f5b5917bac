"""``csp-rules cancel`` (issue 8): the R7 question from a terminal, in English and French."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from _cli import one_line_error, run, run_json, subprocess_run
from csp_rules import S2018, S2020, ProductKind, Purchase
from csp_rules.cancellation import evaluate

UTC = timezone.utc
WINDOW = S2020.cancellation.window_days[ProductKind.SOFTWARE_SUBSCRIPTION]
PURCHASED = datetime(2020, 3, 1, 9, 30, tzinfo=UTC)
BASE = [
    "cancel",
    "--order",
    "O-1",
    "--product",
    "Office 365 E3",
    "--kind",
    "software_subscription",
    "--purchased",
    "2020-03-01T09:30Z",
]


def library(at: datetime, **kwargs: object) -> object:
    purchase = Purchase(
        order_id="O-1", product_name="Office 365 E3", kind="software_subscription", purchased_at=PURCHASED
    )
    return evaluate(purchase, at=at, **kwargs)  # type: ignore[arg-type]


def test_inside_the_window_is_yes(capsys: pytest.CaptureFixture[str]) -> None:
    at = PURCHASED + timedelta(days=WINDOW) - timedelta(days=15, minutes=30)
    status, out, err = run(capsys, *BASE, "--at", at.isoformat())
    assert (status, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == "yes: can be cancelled now (self-service) [self_service]"
    assert lines[1] == library(at).explain("en")  # type: ignore[attr-defined]
    assert "days left  15" in out
    assert "R7.1" in out and "(S2020-01-31)" in out


def test_after_the_window_is_no_in_french(capsys: pytest.CaptureFixture[str]) -> None:
    at = PURCHASED + timedelta(days=WINDOW)  # the window is half-open: its end is outside
    status, out, _ = run(capsys, *BASE, "--at", at.isoformat(), "--lang", "fr")
    assert status == 1
    lines = out.splitlines()
    assert lines[0] == "non : fenêtre d'annulation dépassée [window_closed]"
    assert lines[1].startswith(f"Vous avez dépassé votre fenêtre d'annulation de {WINDOW} jours")
    assert "jours restants" in out and "échéance" in out


def test_json_round_trips_and_equals_the_library(capsys: pytest.CaptureFixture[str]) -> None:
    at = datetime(2020, 3, 10, 12, tzinfo=UTC)
    for lang in ("en", "fr"):
        status, data = run_json(capsys, *BASE, "--at", "2020-03-10T13:00+01:00", "--lang", lang)
        decision = library(at)
        assert status == 0
        expected = decision.to_dict()  # type: ignore[attr-defined]
        assert {k: data[k] for k in expected} == json.loads(json.dumps(expected))
        assert data["answer"] == "yes" and data["lang"] == lang
        assert data["explanation"] == decision.explain(lang)  # type: ignore[attr-defined]
        assert data["deadline"] == (PURCHASED + timedelta(days=WINDOW)).isoformat()


def test_roles_are_read_in_both_languages(capsys: pytest.CaptureFixture[str]) -> None:
    at = "2020-03-10T12:00Z"
    status, data = run_json(capsys, *BASE, "--at", at, "--role", "Agent d'administration")
    assert (status, data["outcome"]) == (0, "self_service")
    status, data = run_json(capsys, *BASE, "--at", at, "--role", "Sales agent", "--role", "Agent commercial")
    assert (status, data["outcome"], data["answer"]) == (1, "not_permitted", "no")
    assert "R1.2" in data["rule_numbers"]


def test_support_request_and_s2018(capsys: pytest.CaptureFixture[str]) -> None:
    # R10.3: under S2018, perpetual software goes through a support request: "no" for self-service
    assert S2018.cancellation.routes[ProductKind.PERPETUAL_SOFTWARE].value == "support_request"
    status, data = run_json(
        capsys,
        "cancel",
        "--order",
        "O-5",
        "--product",
        "SQL Server 2017 Standard",
        "--kind",
        "on-premises",
        "--purchased",
        "2019-05-01",
        "--at",
        "2019-05-02",
    )
    assert (status, data["outcome"], data["ruleset_version"]) == (1, "support_request", "S2018")


def test_a_seven_day_rule_set_from_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "acme.json"
    path.write_text(
        json.dumps(
            {
                "extends": "S2020",
                "version": "ACME-7D",
                "in_force_from": "2024-01-01",
                "cancellation": {"window_days": {"software_subscription": 7}},
            }
        )
    )
    args = [*BASE[:-1], "2024-02-01", "--rules", str(path)]
    status, data = run_json(capsys, *args, "--at", "2024-02-07T23:59Z")
    assert (status, data["ruleset_version"], data["days_left"]) == (0, "ACME-7D", 0)
    status, data = run_json(capsys, *args, "--at", "2024-02-08")
    assert (status, data["outcome"]) == (1, "window_closed")


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        ([*BASE, "--at", "2020-03-10T12:00"], "--at"),  # naive: no hidden time zone
        ([*BASE, "--at", "yesterday"], "--at"),
        ([*BASE, "--at", "2020-02-01T00:00Z"], "before the purchase"),
        ([*BASE[:6], "subscrption", *BASE[7:], "--at", "2020-03-10"], "subscrption"),
        ([*BASE, "--at", "2020-03-10", "--role", "Global admn"], "Global admin"),
        ([*BASE[:-1], "2017-01-01", "--at", "2017-01-02"], "S2018"),
        ([*BASE], "--at"),  # --at is required: there is no hidden clock
        ([*BASE, "--at", "2020-03-10", "--lang", "de"], "--lang"),
        ([*BASE, "--at", "2020-03-10", "--rules", "/nonexistent/rules.json"], "rules.json"),
    ],
)
def test_bad_input_is_status_2_with_one_line(
    argv: list[str], needle: str, capsys: pytest.CaptureFixture[str]
) -> None:
    err = one_line_error(*run(capsys, *argv))
    assert needle in err


def test_python_dash_m_help_and_a_run() -> None:
    helped = subprocess_run("cancel", "--help")
    assert helped.returncode == 0
    assert (
        "examples / exemples :" in helped.stdout
        and "statut de sortie" in helped.stdout
        and "csp-rules cancel --order O-1" in helped.stdout
    )
    assert "exit status: 0 when the answer is yes" in helped.stdout
    done = subprocess_run(*BASE, "--at", "2020-05-01T00:00Z", "--json", "--lang", "fr")
    assert done.returncode == 1, done.stderr
    data = json.loads(done.stdout)
    assert data["outcome"] == "window_closed" and data["explanation"].startswith("Vous avez dépassé")


def test_a_renewal_is_judged_from_its_term_start(capsys: pytest.CaptureFixture[str]) -> None:
    """R11.2: bought in 2023, renewed 2024-08-01; on 2024-08-05 the 7-day window of the new term is open,
    and (after 2023-10-23) the answer says the rules are not verified that late (R11.4)."""
    args = [*BASE[:-1], "2023-08-01T09:30Z", "--term-started", "2024-08-01T09:30Z"]
    status, data = run_json(capsys, *args, "--at", "2024-08-05T00:00Z")
    assert (status, data["outcome"], data["ruleset_version"]) == (0, "self_service", "S2022-07-11")
    assert data["deadline"] == "2024-08-08T09:30:00+00:00"
    assert "rules.unverified_after" in data["reasons"] and "R11.4" in data["rule_numbers"]
    status, data = run_json(capsys, *args[:-2], "--at", "2024-08-05T00:00Z")  # without the renewal
    assert (status, data["outcome"]) == (1, "window_closed")


def test_a_users_version_joins_the_chain(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """R11.5: --rules FILE adds FILE's version; a 2019 purchase is still judged by S2018."""
    path = tmp_path / "acme.json"
    path.write_text(
        json.dumps({"extends": "S2022-07-11", "version": "ACME-2024", "in_force_from": "2024-01-01"})
    )
    args = [*BASE[:-1], "2019-05-01", "--rules", str(path), "--at", "2019-05-02"]
    status, data = run_json(capsys, *args)
    assert (status, data["outcome"], data["ruleset_version"]) == (0, "self_service", "S2018")


def test_a_term_start_outside_the_term_is_status_2(capsys: pytest.CaptureFixture[str]) -> None:
    argv = [*BASE, "--term-started", "2020-02-01T00:00Z", "--at", "2020-03-10"]
    assert "term" in one_line_error(*run(capsys, *argv))
