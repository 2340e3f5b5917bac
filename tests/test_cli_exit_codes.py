"""Exit statuses that never lie, for every command (issue 14): 0 yes / done, 1 only a real "no",
2 bad input or an input/output failure (one line naming the file), 3 an internal error (one line,
the traceback only with ``--debug``), 141 when standard output is closed early (quietly).
Output never fails to encode, whatever the terminal's encoding.

Tried as a user would: child processes writing to ``/dev/full``, to a closed pipe, under
``PYTHONIOENCODING=iso-8859-1`` and ``PYTHONUTF8=0 LC_ALL=C``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from csp_rules.cli import main

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = str(ROOT / "examples" / "one_time_purchases.csv")
AT = "2020-06-30T12:00:00Z"

CANCEL = ["cancel", "--order", "O-1", "--product", "Visio", "--kind", "software_subscription", "--purchased"]
CREDIT = ["credit", "--order", "O-9", "--product", "SQL Server 2019 Standard", "--kind", "perpetual_software"]
CREDIT += ["--purchased", "2020-03-01", "--price", "EUR 1200.00", "--cancelled"]
LINK = ["link", "--issued", "2020-03-02T09:30Z", "--at", "2020-03-10T12:00Z", "--downloads"]

#: a command line for each answer of each command (evaluate and rules have no "no")
YES = {
    "market": ["market", "FR"],
    "cancel": [*CANCEL, "2020-03-01", "--at", "2020-03-10"],
    "credit": [*CREDIT, "2020-03-10"],
    "link": [*LINK, "12"],
    "rules": ["rules"],
    "evaluate": ["evaluate", EXAMPLE, "--at", AT],
}
NO = {
    "market": ["market", "CN"],
    "cancel": [*CANCEL, "2020-03-01", "--at", "2020-06-10"],
    "credit": [*CREDIT, "2020-06-01"],
    "link": [*LINK, "50"],
}
BAD = {
    "market": ["market", "Atlantis"],
    "cancel": [*CANCEL, "2020-03-01", "--at", "2020-03-10T12:00"],  # no time zone
    "credit": [*CREDIT, "2020-03-10", "--rules", "/nonexistent/rules.json"],
    "link": [*LINK, "-3"],
    "rules": ["rules", "--on", "1999-01-01"],
    "evaluate": ["evaluate", "/nonexistent/input.csv", "--at", AT],
}
#: French output and instants (babel writes U+202F before "PM" and in "12 h") for every command
FRENCH = {name: [*argv, "--lang", "fr"] for name, argv in YES.items()}


def _run(
    argv: list[str], *, env: dict[str, str] | None = None, **kwargs: Any
) -> subprocess.CompletedProcess[bytes]:
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "csp_rules", *argv],
        capture_output="stdout" not in kwargs,
        env=full_env,
        timeout=300,
        check=False,
        **kwargs,
    )


def _one_line(stderr: bytes) -> str:
    text = stderr.decode("utf-8", "replace")
    assert text.count("\n") == 1 and text.endswith("\n"), text
    assert "Traceback" not in text
    return text


# --- yes, no, bad input --------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(YES))
def test_yes_is_0(name: str) -> None:
    done = _run(YES[name], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("name", sorted(NO))
def test_no_is_1(name: str) -> None:
    done = _run(NO[name])
    assert done.returncode == 1
    assert done.stderr == b""
    assert done.stdout.decode().split(":")[0] == "no"


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_input_is_2_with_one_line(name: str) -> None:
    done = _run(BAD[name])
    assert done.returncode == 2
    assert done.stdout == b""
    assert _one_line(done.stderr).startswith("csp-rules: error: ")


@pytest.mark.parametrize("argv", [[], ["nonsense"], ["market"], ["evaluate", EXAMPLE, "--frobnicate"]])
def test_usage_errors_are_2(argv: list[str]) -> None:
    done = _run(argv)
    assert done.returncode == 2
    assert b"Traceback" not in done.stderr


# --- input/output failures -------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted({**YES, "no-market": NO["market"]}))
def test_a_full_disk_on_standard_output_is_2_naming_it(name: str) -> None:
    argv = NO["market"] if name == "no-market" else YES[name]
    with open("/dev/full", "wb") as full:
        done = _run(argv, stdout=full, stderr=subprocess.PIPE)
    assert done.returncode == 2
    assert (
        _one_line(done.stderr)
        == "csp-rules: error: cannot write to standard output: No space left on device\n"
    )


@pytest.mark.parametrize("argv", [["--help"], ["market", "--help"], ["evaluate", "--help"]])
def test_help_onto_a_full_disk_is_2(argv: list[str]) -> None:
    with open("/dev/full", "wb") as full:
        done = _run(argv, stdout=full, stderr=subprocess.PIPE)
    assert done.returncode == 2
    assert "No space left on device" in _one_line(done.stderr)


def test_a_full_standard_error_does_not_change_the_status() -> None:
    with open("/dev/full", "wb") as full:
        done = _run(BAD["market"], stdout=subprocess.PIPE, stderr=full)
    assert done.returncode == 2


@pytest.mark.parametrize("name", sorted({**YES, "no-market": NO["market"]}))
def test_a_closed_pipe_ends_quietly(name: str) -> None:
    """The reader has gone before the first byte: 141 (128 + SIGPIPE), nothing on standard error."""
    argv = NO["market"] if name == "no-market" else YES[name]
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        done = _run(argv, stdout=write_end, stderr=subprocess.PIPE)
    finally:
        os.close(write_end)
    assert (done.returncode, done.stderr) == (141, b"")


def test_piped_into_head_ends_quietly() -> None:
    """``csp-rules evaluate FILE | head -1``: 1.9 MB of rows into a pipe that closes after a line."""
    script = (
        f'"{sys.executable}" -m csp_rules evaluate "{EXAMPLE}" --at {AT} | head -1; echo "${{PIPESTATUS[0]}}"'
    )
    done = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=300, check=False)
    first, status = done.stdout.splitlines()
    assert first.startswith('"PartnerId","CustomerId"')
    assert (status, done.stderr) == ("141", "")


def test_rules_into_head_ends_quietly() -> None:
    script = f'"{sys.executable}" -m csp_rules rules | head -1; echo "${{PIPESTATUS[0]}}"'
    done = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=300, check=False)
    assert done.stdout.splitlines()[0].startswith("S2022-07-11: ")
    assert done.stderr == ""
    assert done.stdout.splitlines()[-1] in ("0", "141")  # 0 when all fitted in the pipe before head left


# --- internal errors -----------------------------------------------------------------------------

_BROKEN = """
import sys
from csp_rules.cli import main, market
def broken(args):
    return {}["no such key"]
market.run = broken
sys.exit(main(sys.argv[1:]))
"""


def test_an_internal_error_is_3_with_one_line_and_where_to_report_it() -> None:
    done = subprocess.run(
        [sys.executable, "-c", _BROKEN, "market", "FR"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 3
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert done.stderr.startswith("csp-rules: internal error: KeyError: 'no such key' at ")
    assert "This is a bug in csp-rules" in done.stderr and "please report it" in done.stderr
    assert "--debug" in done.stderr


@pytest.mark.parametrize("where", ["before", "after"])
def test_debug_adds_the_traceback(where: str) -> None:
    argv = ["--debug", "market", "FR"] if where == "before" else ["market", "FR", "--debug"]
    done = subprocess.run(
        [sys.executable, "-c", _BROKEN, *argv], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 3
    first, *rest = done.stderr.splitlines()
    assert first.startswith("csp-rules: internal error: KeyError")
    assert rest[0] == "Traceback (most recent call last):"
    assert rest[-1] == "KeyError: 'no such key'"


def test_debug_changes_nothing_else(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--debug", *NO["market"]]) == 1
    assert main([*YES["market"], "--debug"]) == 0
    assert main([*BAD["market"], "--debug"]) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_ctrl_c_is_130(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from csp_rules.cli import market

    def interrupted(args: object) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(market, "run", interrupted)
    assert main(["market", "FR"]) == 130
    assert capsys.readouterr().err == "csp-rules: interrupted\n"


# --- any terminal encoding -------------------------------------------------------------------------

ENCODINGS = {
    "latin-1": ({"PYTHONIOENCODING": "iso-8859-1"}, "iso-8859-1"),
    "C": ({"PYTHONUTF8": "0", "LC_ALL": "C", "PYTHONIOENCODING": ""}, "ascii"),
    "ISO-8859-1 locale": ({"PYTHONUTF8": "0", "LC_ALL": "en_US.ISO-8859-1", "PYTHONIOENCODING": ""}, None),
}


@pytest.mark.parametrize("encoding", sorted(ENCODINGS))
@pytest.mark.parametrize("name", sorted(FRENCH))
def test_output_encodes_on_any_terminal(name: str, encoding: str, tmp_path: Path) -> None:
    env, codec = ENCODINGS[encoding]
    argv = FRENCH[name]
    if name == "evaluate":  # rows to a file, so that the summary, with its instants, is on standard output
        argv = [*argv, "-o", str(tmp_path / "rows.csv")]
    done = _run(argv, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stderr == b""
    assert done.stdout
    if codec is not None:  # (the ISO-8859-1 locale may not be installed: then it is only "no crash")
        text = done.stdout.decode(codec)  # every byte is in the terminal's encoding
        assert "\u202f" not in text
        if codec == "ascii":
            assert text.isascii()


def test_the_summary_is_spelled_in_ascii_on_an_ascii_terminal(tmp_path: Path) -> None:
    env, _ = ENCODINGS["C"]
    rows = tmp_path / "rows.csv"
    done = _run(["evaluate", EXAMPLE, "--at", AT, "-o", str(rows), "--lang", "fr"], env=env)
    assert done.returncode == 0, done.stderr
    summary = done.stdout.decode("ascii")
    # évaluées, règles, fenêtre dépassée; U+202F (the thousands and the time) as spaces
    assert "3 000 lignes de" in summary and "evaluees au 30 juin 2020, 12:00:00 UTC" in summary
    assert "Versions des regles qui ont juge les lignes" in summary
    assert "S2018 (depuis le 2018-08-31)              1 071  lignes" in summary
    assert "fenetre d'annulation depassee" in summary
    assert "EUR" in summary  # the euro sign spelled out
    # the rows are data, UTF-8 whatever the terminal: the same bytes as on a UTF-8 terminal
    utf8 = tmp_path / "utf8.csv"
    assert _run(["evaluate", EXAMPLE, "--at", AT, "-o", str(utf8), "--quiet", "--lang", "fr"]).returncode == 0
    assert rows.read_bytes() == utf8.read_bytes()


def test_json_stays_exact_on_an_ascii_terminal() -> None:
    env, _ = ENCODINGS["C"]
    done = _run(["market", "République démocratique du Congo", "--json", "--lang", "fr"], env=env)
    assert done.returncode == 1  # reservations are unavailable there (R3)
    assert done.stdout.isascii()  # \u00e9 escapes, not "e": the data is not changed
    data = json.loads(done.stdout)
    assert data["market"] == {"code": "CD", "name": "Congo-Kinshasa"}
    assert (
        "Les réservations Azure ne sont pas disponibles pour le marché Congo-Kinshasa" in data["explanation"]
    )


def test_arguments_in_utf8_are_read_under_the_c_locale() -> None:
    env, _ = ENCODINGS["C"]
    done = _run(["market", "République démocratique du Congo"], env=env)
    assert done.returncode == 1, done.stderr  # CD: reservations unavailable (R3)
    assert b"(CD)" in done.stdout


@pytest.mark.parametrize("module", ["pyarrow", "numpy"])
def test_a_missing_extra_is_one_line_naming_it_and_exit_2(module: str) -> None:
    """issue 19: `csp-rules evaluate` without the [arrow] extra: one line naming the extra, exit 2."""
    code = (
        "import sys\n"
        f"sys.modules[{module!r}] = None  # as if it were not installed\n"
        "from csp_rules.cli import main\n"
        f"sys.exit(main(['evaluate', {str(EXAMPLE)!r}, '--at', '2020-06-30T12:00:00Z']))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and "[arrow] extra" in done.stderr and "pip install" in done.stderr
    assert "Traceback" not in done.stderr
