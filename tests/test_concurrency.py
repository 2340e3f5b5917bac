"""Concurrency (issue 9): many threads making the first use of every lazy resource at once.

Each run is a FRESH interpreter (``tests/_reliability.py threads N``), so that the resources are
really cold: the market-name index and code table, the shipped rule sets, the message catalogs,
the role and language names, the currency table, babel's locale data and every module-level
cache. The resources are discovered, not listed: every :class:`~csp_rules._lazy.Once` of the
package and every private module-level dict that is empty after import. 16 threads wait at a
barrier, then each runs the same calls (a few of every kind in the corpus) from its own starting
point, with the interpreter switching threads as often as it can. Every thread must get exactly
the answers one thread gets alone, and nothing else than the documented errors may be raised.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import _reliability as corpus_module

SCRIPT = Path(corpus_module.__file__).resolve()
THREADS = 16


def _run(threads: int, tmp_path: Path) -> dict[str, Any]:
    out_file = tmp_path / f"threads-{threads}.json"
    out = subprocess.run(
        [sys.executable, str(SCRIPT), "threads", str(threads), str(out_file)],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        check=False,
        timeout=600,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    report: dict[str, Any] = json.loads(out_file.read_text(encoding="utf-8"))
    return report


@pytest.fixture(scope="module")
def single(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return _run(1, tmp_path_factory.mktemp("single"))


def _lazy_names(before: dict[str, Any]) -> list[str]:
    """Resources that are lazy: a Once not loaded, or a cache that is empty after import."""
    return sorted(name for name, state in before.items() if state is False or state == 0)


def test_resources_are_cold_at_the_start(single: dict[str, Any]) -> None:
    before = single["before"]
    onces = [name for name, state in before.items() if isinstance(state, bool)]
    assert onces, "no Once found: the discovery is broken"
    assert not [name for name in onces if before[name]], "a Once was loaded at import time"
    assert before["babel.localedata._cache"] == 0, "babel locale data was loaded at import time"
    assert len(_lazy_names(before)) >= 20


def test_the_workload_reaches_every_lazy_resource(single: dict[str, Any]) -> None:
    before, after = single["before"], single["after"]
    untouched = [name for name in _lazy_names(before) if after[name] in (False, 0)]
    assert not untouched, f"the thread workload never uses {untouched}: add calls to tests/_reliability.py"


@pytest.mark.parametrize("run", [1, 2])
def test_sixteen_threads_get_the_answers_of_one(single: dict[str, Any], tmp_path: Path, run: int) -> None:
    many = _run(THREADS, tmp_path)
    expected: dict[str, str] = single["results"][0]
    resources = _lazy_names(many["before"])
    assert resources == _lazy_names(single["before"])
    assert len(many["results"]) == THREADS
    for i, got in enumerate(many["results"]):
        crashes = [line for line in got.values() if "\tCRASH " in line]
        assert not crashes, f"thread {i}: {crashes[:3]}"
        assert got.keys() == expected.keys()
        different = [label for label in expected if got[label] != expected[label]]
        assert not different, (
            f"thread {i} answers differently for {len(different)} calls, first {different[0]!r}:\n"
            f"  one thread: {expected[different[0]][:500]}\n  thread {i}: {got[different[0]][:500]}"
        )
    untouched = [name for name in resources if many["after"][name] in (False, 0)]
    assert not untouched
    print(f"\n{THREADS} threads x {len(resources)} lazy resources x {len(expected)} calls: same answers")
