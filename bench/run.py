"""Run every benchmark in bench/ (or those named) and report; exit 1 if any target fails.

python bench/run.py            # all
python bench/run.py markets    # bench/markets.py only
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent


def main(argv: list[str]) -> int:
    names = argv or sorted(
        p.stem for p in HERE.glob("*.py") if not p.stem.startswith("_") and p.stem != "run"
    )
    status = 0
    for name in names:
        script = HERE / f"{name}.py"
        print(f"--- {script.name}", flush=True)
        result = subprocess.run([sys.executable, str(script)], check=False)
        status = status or result.returncode
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
