"""No pandas import unless the input is pandas (issue 18): pyarrow's pandas shim imports pandas when
numpy meets some Arrow arrays (``np.asarray`` of booleans, ``pa.array`` of numpy values, ``pa.scalar``),
a second of start-up in a small Spark or Dask task, and the CLI's whole run on a small file."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("pandas")  # the test means something only where pandas could be imported

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
LOADED = "print(sorted(m for m in ('pandas', 'polars') if m in sys.modules))"


def _run(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


def test_evaluating_arrow_tables_imports_no_pandas() -> None:
    code = f"""
        import sys
        from datetime import datetime, timezone
        import pyarrow as pa, pyarrow.csv as pv
        from csp_rules import batch
        at = datetime(2020, 6, 30, 12, tzinfo=timezone.utc)
        for name in ("one_time_purchases.csv", "one_time_purchases_2019.csv"):
            table = pv.read_csv({str(EXAMPLES)!r} + "/" + name)
            batch.evaluate(table, at=at)
            batch.evaluate(table.cast(pa.schema([(f.name, pa.string()) for f in table.schema])), at=at, lang="fr")
            batch.evaluate(table.to_batches()[0], at=at)
        batch.evaluate(batch.read_json({str(EXAMPLES)!r} + "/invoice_line_items.json"), at=at)
        {LOADED}
    """
    assert _run(code) == "[]"


@pytest.mark.parametrize("output", ["out.csv", "out.parquet", "-"])
def test_the_cli_imports_no_pandas(tmp_path: Path, output: str) -> None:
    target = output if output == "-" else str(tmp_path / output)
    code = f"""
        import sys, os
        from csp_rules.cli import main
        sys.stdout = open(os.devnull, "w")
        if True:
            for name in ("one_time_purchases.csv", "one_time_purchases_2019.csv", "invoice_line_items.json"):
                status = main(["evaluate", {str(EXAMPLES)!r} + "/" + name, "--at", "2020-06-30T12:00:00Z",
                               "-o", {target!r}])
                assert status == 0, status
        sys.stdout = sys.__stdout__
        {LOADED}
    """
    assert _run(code) == "[]"
