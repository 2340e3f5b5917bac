"""``csp-rules rules`` (issue 2), through the console entry point and ``python -m csp_rules``."""

from __future__ import annotations

import json
import subprocess
import sys
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
    assert "example: csp-rules rules" in out.stdout
