"""``csp-rules credit`` (issue 8): the R8.4 question from a terminal, in English and French."""

from __future__ import annotations

import json
from datetime import date, datetime, timezone
from decimal import Decimal
from fractions import Fraction

import pytest

from _cli import one_line_error, run, run_json, subprocess_run
from csp_rules import Money, Purchase
from csp_rules.billing import refund_credit

UTC = timezone.utc
SUBSCRIPTION = [
    "credit",
    "--order",
    "O-1",
    "--product",
    "Office 365 E3",
    "--kind",
    "software_subscription",
    "--purchased",
    "2020-03-01",
    "--price",
    "120.00 EUR",
    "--term-start",
    "2020-03-01",
    "--term-end",
    "2020-03-31",
]
PERPETUAL = [
    "credit",
    "--order",
    "O-9",
    "--product",
    "SQL Server 2019 Standard",
    "--kind",
    "perpetual_software",
    "--purchased",
    "2020-03-01",
    "--price",
    "EUR 1200.00",
]


def test_prorated_credit_and_its_invoice(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(capsys, *SUBSCRIPTION, "--cancelled", "2020-03-02T15:00Z", "--billing-day", "5")
    assert (status, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == "yes: prorated credit [prorated]"
    # the cancellation day counts as unused: 2020-03-02 .. 2020-03-30 is 29 of the term's 30 days
    expected = (Decimal("120.00") * 29 / 30).quantize(Decimal("0.01"))
    assert f"€{expected}" in lines[1]
    assert "on the invoice of   March 5, 2020" in out
    assert "unused days         29" in out and "term days           30" in out


def test_json_round_trips_in_both_languages(capsys: pytest.CaptureFixture[str]) -> None:
    purchase = Purchase(
        order_id="O-1",
        product_name="Office 365 E3",
        kind="software_subscription",
        purchased_at=date(2020, 3, 1),
        price=Money("120.00", "EUR"),
        term_start=date(2020, 3, 1),
        term_end=date(2020, 3, 31),
    )
    credit = refund_credit(purchase, cancelled_at=datetime(2020, 3, 2, 15, tzinfo=UTC), billing_day=31)
    for lang in ("en", "fr"):
        status, data = run_json(
            capsys, *SUBSCRIPTION, "--cancelled", "2020-03-02T15:00Z", "--billing-day", "31", "--lang", lang
        )
        assert status == 0
        assert data["amount"] == {"amount": "116.00", "currency": "EUR"}
        assert Fraction(data["fraction"]) == Fraction(29, 30)
        assert data["invoice_date"] == "2020-03-31"
        assert data["explanation"] == credit.explain(lang)
        assert data["outcome"] == credit.to_dict()["outcome"] == "prorated"
    assert data["explanation"].startswith("Crédit de 116,00")


def test_perpetual_software_is_credited_in_full_in_french(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, *PERPETUAL, "--cancelled", "2020-03-10", "--lang", "fr")
    assert status == 0
    assert out.splitlines()[0] == "oui : crédit de 100 % [full]"
    assert "1\u202f200,00\xa0€" in out
    assert "100\u202f%" in out or "100\xa0%" in out


def test_no_credit_after_the_window_is_no(capsys: pytest.CaptureFixture[str]) -> None:
    status, data = run_json(capsys, *PERPETUAL, "--cancelled", "2020-06-01")
    assert (status, data["outcome"], data["answer"], data["amount"]) == (1, "no_credit", "no", None)


def test_s2018_states_no_credit_rule(capsys: pytest.CaptureFixture[str]) -> None:
    argv = [*SUBSCRIPTION]
    argv[argv.index("2020-03-01")] = "2019-03-01"
    argv[argv.index("--term-start") + 1] = "2019-03-01"
    argv[argv.index("--term-end") + 1] = "2019-03-31"
    status, data = run_json(capsys, *argv, "--cancelled", "2019-03-02")
    assert (status, data["outcome"], data["ruleset_version"]) == (1, "no_rule_stated", "S2018")
    assert data["amount"] is None


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        (("--price", "120.00"), "--price"),
        (("--price", "12.5 EURO"), "EURO"),
        (("--price", "1.5 JPY"), "JPY"),
        (("--term-end", "2020-02-31"), "--term-end"),
        (("--term-end", "2020-02-01"), "term_end"),
        (("--billing-day", "32"), "billing_day"),
        (("--billing-day", "x"), "--billing-day"),
        (("--cancelled", "2020-03-02T10:00"), "--cancelled"),
    ],
)
def test_bad_input_is_status_2_with_one_line(
    change: tuple[str, str], needle: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [*SUBSCRIPTION, "--cancelled", "2020-03-02", "--billing-day", "5"]
    flag, value = change
    argv[argv.index(flag) + 1] = value
    err = one_line_error(*run(capsys, *argv))
    assert needle in err


def test_the_cancellation_instant_is_required(capsys: pytest.CaptureFixture[str]) -> None:
    err = one_line_error(*run(capsys, *SUBSCRIPTION))
    assert "--cancelled" in err


def test_python_dash_m_help_and_a_run() -> None:
    helped = subprocess_run("credit", "--help")
    assert (
        helped.returncode == 0
        and "examples / exemples :" in helped.stdout
        and "statut de sortie" in helped.stdout
        and "csp-rules credit" in helped.stdout
    )
    done = subprocess_run(*PERPETUAL, "--cancelled", "2020-03-10", "--billing-day", "1", "--json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["amount"] == {"amount": "1200.00", "currency": "EUR"}
    assert data["invoice_date"] == "2020-04-01"
