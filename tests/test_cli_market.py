"""``csp-rules market NAME`` (issue 8): R3 and R4.1 from a terminal, in English and French."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from _cli import one_line_error, run, run_json, subprocess_run
from csp_rules import S2018, S2020
from csp_rules.markets import check_reservations
from csp_rules.tax import tax_treatment

# the S2020 list from RULES.md R3, typed here independently of the shipped data
_R3_TEXT = """
AD AG AI AQ AS AW AX AZ BF BI BJ BL BQ BT BV CC CD CF CG CK CN CX DJ DM ER FK FM GA GD GF GG GI GL GM GN GP
GQ GS GU GW GY HM HT IM IO JE KH KI KM LA LC LR LS MF MG MH ML MM MP MQ MR MS MV MW MZ NC NE NF NR NU PF PG
PM PN PW RE SB SC SH SJ SL SM SO SR SS ST SX SZ TC TD TF TG TK TL TO TV UM VA VC VG VU WF WS XK YE YT
"""
R3_LIST = frozenset(_R3_TEXT.split())


def test_available_market_is_yes(capsys: pytest.CaptureFixture[str]) -> None:
    assert "FR" not in R3_LIST
    status, out, err = run(capsys, "market", "France")
    assert (status, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == "yes: reservations available [available]"
    assert lines[1] == check_reservations("FR").explain("en")
    assert lines[2] == tax_treatment("FR").explain("en")
    assert "R3.3" in out and "(S2022-07-11)" in out


def test_translation_trap_r3_2_in_both_languages(capsys: pytest.CaptureFixture[str]) -> None:
    assert {"CG", "CD"} <= R3_LIST
    status, data = run_json(capsys, "market", "République démocratique du Congo", "--lang", "fr")
    assert (status, data["market"]["code"], data["answer"]) == (1, "CD", "no")
    assert "R3.2" in data["rule_numbers"]
    assert data["explanation"].startswith("Les réservations Azure ne sont pas disponibles")
    status, out, _ = run(capsys, "market", "Congo")
    assert status == 1 and "(CG)" in out.splitlines()[1]


def test_tax_inclusive_market_in_french(capsys: pytest.CaptureFixture[str]) -> None:
    assert S2020.tax.inclusive_markets == {"AU", "BR"}
    status, out, _ = run(capsys, "market", "Australie", "--lang", "fr")
    assert status == 0
    lines = out.splitlines()
    assert lines[0] == "oui : réservations disponibles [available]"
    assert "Australie (AU)" in out and "incluent les taxes" in lines[2]


def test_json_round_trips(capsys: pytest.CaptureFixture[str]) -> None:
    for name, code in (("BR", "BR"), ("Kosovo", "XK"), ("St Helena, Ascension, Tristan da Cunha", "SH")):
        for lang in ("en", "fr"):
            status, data = run_json(capsys, "market", name, "--lang", lang)
            expected = check_reservations(code)
            assert status == (0 if code not in R3_LIST else 1)
            assert data["market"]["code"] == code
            assert data["reservations_available"] is (code not in R3_LIST)
            assert data["price_includes_tax"] is (code in {"AU", "BR"})
            assert data["explanation"] == expected.explain(lang)
            assert data["tax"]["explanation"] == tax_treatment(code).explain(lang)
            base = json.loads(json.dumps(expected.to_dict()))
            assert {k: data[k] for k in base} == base


def test_on_a_date_answers_with_the_list_published_then(capsys: pytest.CaptureFixture[str]) -> None:
    # R3.4: Brazil was on the dashboard list first seen 2018-06-28 (BR CN IN KR RU TW), not on S2020's
    assert "BR" in S2018.reservations.unavailable_markets and "BR" not in R3_LIST
    status, data = run_json(capsys, "market", "Brazil", "--on", "2018-09-01")
    assert (status, data["ruleset_version"], data["facts"]["list_first_seen"]) == (1, "S2018", "2018-06-28")
    status, data = run_json(capsys, "market", "Brazil", "--on", "2020-02-01")
    assert (status, data["facts"]["list_first_seen"]) == (0, "2019-10-18")
    # the API pages listed 107 markets from 2019-03-20, Azerbaijan not among them
    status, data = run_json(capsys, "market", "AZ", "--on", "2019-11-01", "--docs", "api")
    assert (status, data["facts"]["list_docs"], data["facts"]["list_first_seen"]) == (0, "api", "2019-03-20")


def test_own_rule_set(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "r.json"
    path.write_text(
        json.dumps(
            {
                "extends": "S2020",
                "version": "MINE",
                "in_force_from": "2024-01-01",
                "reservations": {"unavailable_markets": ["FR"]},
            }
        )
    )
    status, data = run_json(capsys, "market", "FR", "--rules", str(path))
    assert (status, data["ruleset_version"]) == (1, "MINE")


def test_language_hint_settles_an_ambiguous_name(capsys: pytest.CaptureFixture[str]) -> None:
    status, data = run_json(capsys, "market", "Kongo", "--name-lang", "de")
    assert (status, data["market"]["code"]) == (1, "CG")


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["market", "Frnace"], "France"),  # unknown, with a suggestion: never "available"
        (["market", "Europe"], "not a market"),  # R3.3
        (["market", "Kongo"], "CD, CG"),
        (["market", "FR", "--on", "2017-01-01"], "2018-08-31"),
        (["market", "FR", "--on", "01/02/2020"], "--on"),
        (["market", "FR", "--docs", "wiki"], "--docs"),
        (["market"], "NAME"),
        (["market", "x" * 100_000], "market"),
    ],
)
def test_bad_input_is_status_2_with_one_line(
    argv: list[str], needle: str, capsys: pytest.CaptureFixture[str]
) -> None:
    err = one_line_error(*run(capsys, *argv))
    assert needle in err
    assert len(err) < 400


def test_python_dash_m_help_and_a_run() -> None:
    helped = subprocess_run("market", "--help")
    assert (
        helped.returncode == 0
        and "examples / exemples :" in helped.stdout
        and "statut de sortie" in helped.stdout
    )
    assert 'csp-rules market "République démocratique du Congo"' in helped.stdout
    done = subprocess_run("market", "Allemagne", "--json", "--lang", "fr")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["market"] == {"code": "DE", "name": "Allemagne"}


def test_bad_input_is_reported_in_french_with_lang_fr(capsys: pytest.CaptureFixture[str]) -> None:
    err = one_line_error(*run(capsys, "market", "Frnace", "--lang", "fr"))
    assert err.startswith("csp-rules: erreur : market : marché inconnu 'Frnace'") and "France (FR)" in err
    err = one_line_error(*run(capsys, "market", "FR", "--on", "2017-01-01", "--lang=fr"))
    assert "aucun jeu de règles" in err and "2017-01-01" in err
