"""``csp-rules evaluate -o`` never loses data (issue 14): the output is written to a temporary file
beside it and renamed over the target only when every row and the summary are done; ``-o`` naming
the input (also through a symbolic or a hard link) is refused before anything is read.

The input files here are large enough that the reader is still reading when writing starts (the
bug: ``-o big.csv`` onto the input truncated a 3M-row file to 298,798 rows)."""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from csp_rules.cli import evaluate as evaluate_command
from csp_rules.cli import main

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "one_time_purchases.csv"
AT = "2020-06-30T12:00:00Z"
OLD = "old results, still wanted\n"


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """72,000 rows (36 MB): more than one chunk of rows (65,536) and dozens of 1 MB blocks."""
    header, _, body = EXAMPLE.read_bytes().partition(b"\n")
    path = tmp_path_factory.mktemp("big") / "big.csv"
    with path.open("wb") as fh:
        fh.write(header + b"\n")
        for _ in range(24):
            fh.write(body)
    return path


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".csp-rules-tmp"))


def _cli(*argv: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "csp_rules", *argv],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        **kwargs,
    )


@pytest.fixture
def no_rows_evaluated(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail if any row reaches the rules: a refusal must come before reading."""
    from csp_rules import batch

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("rows were evaluated")

    monkeypatch.setattr(batch, "evaluate", refuse)


# --- -o naming the input ---------------------------------------------------------------------------


def test_output_onto_the_input_is_refused_and_the_input_kept(big: Path) -> None:
    before = _digest(big)
    done = _cli("evaluate", str(big), "--at", AT, "-o", str(big))
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1
    assert f"-o: {str(big)!r} is the input file" in done.stderr
    assert _digest(big) == before
    assert _leftovers(big.parent) == []


@pytest.mark.parametrize("how", ["same-path", "other-spelling", "symlink", "hard-link", "symlinked-input"])
def test_every_name_of_the_input_is_refused_before_reading(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    no_rows_evaluated: None,
    how: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    source = tmp_path / "in.csv"
    shutil.copyfile(EXAMPLE, source)
    given, output = str(source), str(source)
    if how == "other-spelling":
        output = "./sub/../in.csv"
        (tmp_path / "sub").mkdir()
    elif how == "symlink":
        (tmp_path / "link.csv").symlink_to(source)
        output = "link.csv"
    elif how == "hard-link":
        os.link(source, tmp_path / "same.csv")
        output = "same.csv"
    elif how == "symlinked-input":
        (tmp_path / "link.csv").symlink_to(source)
        given = "link.csv"
    status = main(["evaluate", given, "--at", AT, "-o", output])
    err = capsys.readouterr().err
    assert status == 2
    assert "is the input file" in err and err.count("\n") == 1
    assert source.read_bytes() == EXAMPLE.read_bytes()


# --- the old output stays whole until the new one is ---------------------------------------------


def test_while_a_big_file_is_evaluated_the_old_output_stays_whole(big: Path, tmp_path: Path) -> None:
    """72,000 rows at the real block and chunk sizes: looked at while the results are written, the
    target still holds the old results; at the end it holds every new row, and nothing else is left."""
    out = tmp_path / "out.csv"
    out.write_text(OLD, encoding="utf-8")
    child = subprocess.Popen(
        [sys.executable, "-m", "csp_rules", "evaluate", str(big), "--at", AT, "-o", str(out), "--quiet"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    seen_writing = 0
    while child.poll() is None:
        if _leftovers(tmp_path):  # the temporary file is being written
            seen_writing += 1
            assert out.read_text(encoding="utf-8") == OLD
        time.sleep(0.005)
    _, err = child.communicate()
    assert child.returncode == 0, err
    assert seen_writing > 0
    with out.open(encoding="utf-8") as fh:
        assert sum(1 for _ in fh) == 72_001
    assert _leftovers(tmp_path) == []


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Many writes per run on the 3,000-row example: results are written while rows are still read."""
    monkeypatch.setattr(evaluate_command, "BLOCK_BYTES", 64 << 10)
    monkeypatch.setattr(evaluate_command, "CHUNK_ROWS", 300)


def test_a_late_read_error_leaves_the_old_output_untouched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], small_chunks: None
) -> None:
    source, out = tmp_path / "in.csv", tmp_path / "out.csv"
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[2900] = "FR,broken,row\n"
    source.write_text("".join(lines), encoding="utf-8")
    out.write_text(OLD, encoding="utf-8")
    status = main(["evaluate", str(source), "--at", AT, "-o", str(out)])
    err = capsys.readouterr().err
    assert status == 2
    assert "line 2901: 3 values where the header has 40 columns" in err
    assert out.read_text(encoding="utf-8") == OLD
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_a_full_disk_while_writing_leaves_the_old_output_untouched(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    small_chunks: None,
    suffix: str,
) -> None:
    out = tmp_path / f"out{suffix}"
    out.write_text(OLD, encoding="utf-8")
    writes: list[int] = []
    monkeypatch.setattr(
        evaluate_command._Writer, "write", _raising_below(evaluate_command._Writer.write, writes)
    )
    status = main(["evaluate", str(EXAMPLE), "--at", AT, "-o", str(out)])
    err = capsys.readouterr().err
    assert status == 2
    assert err == f"csp-rules: error: cannot write {str(out)!r}: No space left on device\n"
    assert out.read_text(encoding="utf-8") == OLD
    assert _leftovers(tmp_path) == []


def _raising_below(real: Any, writes: list[int]) -> Any:
    """``_Writer.write`` whose sink raises ENOSPC on the 4th table, as Arrow does on a full disk."""

    def write(self: Any, result: Any) -> None:
        writes.append(1)
        if len(writes) == 4:

            class Full:
                def write_table(self, table: Any) -> None:
                    raise OSError(errno.ENOSPC, "Error writing bytes to file")

                def close(self) -> None:
                    pass

            self._sink = Full()
        real(self, result)

    return write


def test_a_failing_summary_leaves_the_old_output_untouched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out.csv"
    out.write_text(OLD, encoding="utf-8")

    def fail(*args: object, **kwargs: object) -> None:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(evaluate_command._Summary, "print", fail)
    status = main(["evaluate", str(EXAMPLE), "--at", AT, "-o", str(out)])
    assert status == 2
    assert "Input/output error" in capsys.readouterr().err
    assert out.read_text(encoding="utf-8") == OLD
    assert _leftovers(tmp_path) == []


def test_success_replaces_the_file_keeping_its_mode_and_links(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], small_chunks: None
) -> None:
    real = tmp_path / "results" / "out.csv"
    real.parent.mkdir()
    real.write_text(OLD, encoding="utf-8")
    real.chmod(0o640)
    link = tmp_path / "out.csv"
    link.symlink_to(real)
    assert main(["evaluate", str(EXAMPLE), "--at", AT, "-o", str(link), "--quiet"]) == 0
    assert link.is_symlink() and link.resolve() == real  # written through the link, the link kept
    assert real.read_text(encoding="utf-8").startswith('"PartnerId"')
    assert len(real.read_text(encoding="utf-8").splitlines()) == 3001
    assert real.stat().st_mode & 0o777 == 0o640
    assert _leftovers(real.parent) == [] and _leftovers(tmp_path) == []


def test_a_new_file_gets_the_usual_permissions(tmp_path: Path) -> None:
    out = tmp_path / "new.csv"
    done = _cli("evaluate", str(EXAMPLE), "--at", AT, "-o", str(out), "--quiet")
    assert done.returncode == 0, done.stderr
    umask = os.umask(0)
    os.umask(umask)
    assert out.stat().st_mode & 0o777 == 0o666 & ~umask  # not a temporary file's 0600


# --- killed, stopped, out of space -----------------------------------------------------------------

_SLOW = """
import pathlib, sys, time
from csp_rules import batch
from csp_rules.cli import evaluate, main
evaluate.BLOCK_BYTES, evaluate.CHUNK_ROWS = 64 << 10, 300
marker, calls, real = pathlib.Path(sys.argv[1]), [], batch.evaluate
def slow(table, **kwargs):
    calls.append(1)
    if len(calls) == 3:  # two tables of results are in the temporary file
        marker.write_text("writing")
        time.sleep(300)
    return real(table, **kwargs)
batch.evaluate = slow
sys.exit(main(sys.argv[2:]))
"""


def _start_slow(tmp_path: Path, out: Path) -> tuple[subprocess.Popen[str], Path]:
    marker = tmp_path / "marker"
    child = subprocess.Popen(
        [sys.executable, "-c", _SLOW, str(marker), "evaluate", str(EXAMPLE), "--at", AT, "-o", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    while not marker.exists():
        assert child.poll() is None, child.communicate()
        assert time.monotonic() < deadline, "the run never started writing"
        time.sleep(0.02)
    return child, marker


def test_after_kill_9_only_the_temporary_file_is_partial(tmp_path: Path) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    out = folder / "out.csv"
    out.write_text(OLD, encoding="utf-8")
    child, _ = _start_slow(tmp_path, out)
    child.kill()
    child.communicate(timeout=60)
    assert out.read_text(encoding="utf-8") == OLD
    (temp,) = _leftovers(folder)
    assert temp.startswith(".out.csv.")
    assert (folder / temp).read_text(encoding="utf-8").startswith('"PartnerId"')  # partial rows


def test_sigterm_stops_cleanly(tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    out.write_text(OLD, encoding="utf-8")
    child, _ = _start_slow(tmp_path, out)
    child.send_signal(signal.SIGTERM)
    _, err = child.communicate(timeout=60)
    assert child.returncode == 128 + signal.SIGTERM
    assert err == "csp-rules: stopped by SIGTERM\n"
    assert out.read_text(encoding="utf-8") == OLD
    assert _leftovers(tmp_path) == []


def test_a_device_as_output_is_written_as_a_stream(tmp_path: Path) -> None:
    """``-o`` onto /dev/full (through a .csv link): the device is written to, not replaced, and a full
    device is one line naming the file, exit 2."""
    link = tmp_path / "full.csv"
    link.symlink_to("/dev/full")
    done = _cli("evaluate", str(EXAMPLE), "--at", AT, "-o", str(link))
    assert done.returncode == 2
    assert done.stderr == f"csp-rules: error: cannot write {str(link)!r}: No space left on device\n"
    assert Path("/dev/full").is_char_device()
    assert _leftovers(tmp_path) == [] and _leftovers(Path("/dev")) == []


def _unwritable_folder(tmp_path: Path) -> Path:
    if os.geteuid() != 0:
        folder = tmp_path / "read-only"
        folder.mkdir()
        folder.chmod(0o555)
        return folder
    return Path("/sys")  # root may write in a 0555 folder; sysfs takes no new file from anyone


@pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="the unwritable folder is Linux's /sys for root"
)
def test_an_unwritable_folder_is_refused_before_reading(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], no_rows_evaluated: None
) -> None:
    out = _unwritable_folder(tmp_path) / "out.csv"
    status = main(["evaluate", str(EXAMPLE), "--at", AT, "-o", str(out)])
    err = capsys.readouterr().err
    assert status == 2
    assert err.startswith(f"csp-rules: error: cannot write {str(out)!r}: ") and err.count("\n") == 1


def _can_mount_tmpfs() -> bool:
    if not sys.platform.startswith("linux") or os.geteuid() != 0 or shutil.which("unshare") is None:
        return False
    done = subprocess.run(
        ["unshare", "-m", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt"],
        capture_output=True,
        check=False,
    )
    return done.returncode == 0


@pytest.mark.skipif(not _can_mount_tmpfs(), reason="needs root and mount namespaces for a small file system")
def test_a_really_full_file_system(tmp_path: Path) -> None:
    """A 1 MB file system holding the old output: the 1.9 MB results do not fit."""
    folder = tmp_path / "small"
    folder.mkdir()
    script = (
        f"mount -t tmpfs -o size=1m tmpfs {folder} && printf '{OLD.strip()}\\n' > {folder}/out.csv && "
        f"{sys.executable} -m csp_rules evaluate {EXAMPLE} --at {AT} -o {folder}/out.csv; "
        f"echo status=$?; cat {folder}/out.csv; ls -a {folder}"
    )
    done = subprocess.run(["unshare", "-m", "sh", "-c", script], capture_output=True, text=True, check=False)
    assert done.stderr == f"csp-rules: error: cannot write '{folder}/out.csv': No space left on device\n"
    assert done.stdout.split("\n") == ["status=2", OLD.strip(), ".", "..", "out.csv", ""]


def test_a_directory_or_an_unknown_suffix_is_refused_before_reading(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], no_rows_evaluated: None
) -> None:
    folder = tmp_path / "results.csv"
    folder.mkdir()
    assert main(["evaluate", str(EXAMPLE), "--at", AT, "-o", str(folder)]) == 2
    assert "is a directory" in capsys.readouterr().err
    assert main(["evaluate", str(EXAMPLE), "--at", AT, "-o", str(tmp_path / "out.xlsx")]) == 2
    assert "write to a .csv or .parquet file" in capsys.readouterr().err
