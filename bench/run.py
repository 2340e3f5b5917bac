"""Run every benchmark in bench/ (or those named) and report; exit 1 if any target fails.

Each script prints its own table as it runs; at the end this prints one summary of every figure
that has a target (each with its floor and ratio where it has one, and PASS/FAIL), with the load
of the machine while each script ran.

python bench/run.py            # all
python bench/run.py markets    # bench/markets.py only
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))

from _util import format_row, load  # noqa: E402


def main(argv: list[str]) -> int:
    names = argv or sorted(
        p.stem for p in HERE.glob("*.py") if not p.stem.startswith("_") and p.stem != "run"
    )
    status = 0
    reports: list[dict[str, Any]] = []
    for name in names:
        script = HERE / f"{name}.py"
        print(f"--- {script.name}", flush=True)
        with subprocess.Popen(
            [sys.executable, str(script)], stdout=subprocess.PIPE, text=True, encoding="utf-8"
        ) as process:
            assert process.stdout is not None
            for line in process.stdout:
                if line.startswith("JSON "):
                    reports.append(json.loads(line[5:]))
                else:
                    print(line, end="", flush=True)
        status = status or process.returncode
        if process.returncode and not any(r.get("bench") == name for r in reports):
            reports.append({"bench": name, "load": ["?", "?"], "rows": [
                {"what": f"{name}.py exited with status {process.returncode}", "value": "", "unit": "",
                 "target": "runs", "ok": False}
            ]})  # fmt: skip
    print(f"\n=== summary: every figure with a target (load now {load()})")
    for report in reports:
        targeted = [r for r in report["rows"] if r["ok"] is not None]
        if not targeted:
            continue
        print(f"-- {report['bench']} (load {report['load'][0]} -> {report['load'][1]})")
        for row in targeted:
            print(format_row(row))
    failed = sum(1 for report in reports for row in report["rows"] if row["ok"] is False)
    print(f"=== {failed} target(s) failed" if failed else "=== every target passed")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
