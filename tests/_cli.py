"""Helpers for the command-line tests (issue 8): run ``csp-rules`` through its entry point."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

from csp_rules.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """``csp_rules.cli.main(argv)``: (exit status, stdout, stderr); argparse's exits count too."""
    try:
        status = main(list(argv))
    except SystemExit as exc:
        status = int(exc.code or 0)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any]]:
    status, out, err = run(capsys, *argv, "--json")
    assert err == ""
    data: dict[str, Any] = json.loads(out)
    return status, data


def one_line_error(status: int, out: str, err: str) -> str:
    """Bad input: status 2, nothing on stdout, one line on stderr (returned)."""
    assert status == 2, (status, out, err)
    assert out == ""
    assert err.count("\n") == 1 and err.endswith("\n"), err
    assert "error:" in err or "erreur :" in err
    return err


def subprocess_run(*argv: str) -> subprocess.CompletedProcess[str]:
    """``python -m csp_rules ARGV`` in a child process."""
    return subprocess.run(
        [sys.executable, "-m", "csp_rules", *argv], capture_output=True, text=True, check=False, timeout=120
    )
