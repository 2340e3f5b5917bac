"""``csp-rules rules`` (issue 2), through the console entry point and ``python -m csp_rules``."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from csp_rules.cli import main


def test_rules_on_a_date(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "--on", "2019-05-01"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("S2018:")
    assert "in force from 2018-08-31" in out
    assert "R10.3" in out
    assert "links.download_cap" in out and "R5.2" in out


def test_rules_default_is_newest_and_french(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "--lang", "fr"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("S2022-07-11:")
    assert "en vigueur depuis le 2022-07-11" in out
    assert "paramètre" in out


def test_rules_json_round_trips(capsys: pytest.CaptureFixture[str]) -> None:
    import csp_rules

    assert main(["rules", "--on", "2020-01-21", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert csp_rules.ruleset_from_dict(data) == csp_rules.S2020


def test_rules_from_a_users_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
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
    assert main(["rules", "--file", str(path)]) == 0
    assert "ACME-7D" in capsys.readouterr().out


@pytest.mark.parametrize("argv", [["rules", "--on", "2017-01-01"], ["rules", "--on", "not-a-date"]])
def test_bad_input_exits_2_with_one_line(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("csp-rules: error:") and err.count("\n") == 1


def test_python_dash_m_and_help() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "csp_rules", "rules", "--help"], capture_output=True, text=True, check=True
    )
    assert (
        "examples / exemples :\n  csp-rules rules --on" in out.stdout
        and "csp-rules rules --history" in out.stdout
    )


def test_history_lists_the_chain_with_dates_uncertainty_and_verification(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from csp_rules.rulesets import shipped_chain

    assert main(["rules", "--history", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    chain = shipped_chain()
    assert [v["version"] for v in data] == [v.version for v in chain.versions]
    for row, later in itertools.pairwise(data):  # each version ends the day before the next starts
        assert date.fromisoformat(row["to"]) == date.fromisoformat(later["from"]) - timedelta(days=1)
    assert data[-1]["to"] is None
    newest = data[-1]
    assert newest["uncertainty"]["start"] == "2021-10-06" and newest["verified_until"] == "2023-10-23"
    assert all(row["changes"] and row["source"] for row in data)
    assert main(["rules", "--history", "--lang", "fr"]) == 0
    out = capsys.readouterr().out
    assert "jusqu'à nouvel ordre" in out and "date du changement incertaine" in out


def test_diff_names_the_parameters_that_differ(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "--diff", "S2021-06-02", "S2022-07-11"]) == 0
    out = capsys.readouterr().out
    assert "cancellation.window_days" in out and "R11.2" in out and "cancellation.window_from" in out
    assert "links." not in out  # both state no link rule
    assert main(["rules", "--diff", "S2020", "S2020-01-31", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    changed = {row["parameter"]: row for row in data["differences"]}
    route = changed["cancellation.exclusions[windows7_esu_2020].route"]  # by id, not by place (R7.3)
    assert (route["rule"], route["S2020"], route["S2020-01-31"]) == ("R7.3", "support_request", None)
    assert not any("suse" in p for p in changed) and "cancellation.window_days" not in changed
    assert changed["in_force_from"]["rule"] == "R11.5"
    assert main(["rules", "--diff", "S2020", "S2020"]) == 0
    assert "No parameter differs" in capsys.readouterr().out


def test_diff_of_an_unknown_version_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "--diff", "S2020", "S2099"]) == 2
    err = capsys.readouterr().err
    assert "S2099" in err and "S2022-07-11" in err and err.count("\n") == 1


def test_a_users_file_joins_the_history(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "acme.json"
    path.write_text(
        json.dumps({"extends": "S2022-07-11", "version": "ACME-2024", "in_force_from": "2024-01-01"})
    )
    assert main(["rules", "--file", str(path), "--history", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [row["version"] for row in data[-2:]] == ["S2022-07-11", "ACME-2024"]
    assert data[-2]["to"] == "2023-12-31"
    assert main(["rules", "--file", str(path), "--diff", "S2022-07-11", "ACME-2024"]) == 0
    out = capsys.readouterr().out
    assert "in_force_from" in out and "verified_until" in out  # not inherited through extends (R11.4)
    path.write_text(json.dumps({"extends": "S2020", "version": "S2021-06-02", "in_force_from": "2024-01-01"}))
    assert main(["rules", "--file", str(path), "--history"]) == 2
    assert "S2021-06-02" in capsys.readouterr().err
