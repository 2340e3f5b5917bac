"""Mutation testing of the whole package (issues 9, 14): run mutmut, summarise, write the report.

Usage (from the repository root)::

    python tools/mutation.py                  # run mutmut (2 workers), then report
    python tools/mutation.py --max-children 1 # gentler on a shared machine
    python tools/mutation.py --report-only    # summarise the last run (mutants/*.meta)

mutmut 3 is configured in ``pyproject.toml`` (``[tool.mutmut]``): it mutates the package
(``only_mutate``: every module but the version string and ``__main__``) in a copy of the source under ``mutants/`` and, for each mutant, runs the fast
tests that reach the mutated function. The results are read from mutmut's ``.meta`` files.

**Score.** ``killed / (total - equivalent)``, where *killed* counts mutants a test failed on
(mutmut's "killed" and "timeout": a mutant that makes the suite hang is noticed), *total* every
mutant generated, and *equivalent* the surviving mutants listed in
``tools/mutation_equivalent.toml`` with the reason each cannot change any observable behaviour.
Mutants without tests ("no tests") and survivors count against the score.

The report goes to ``docs/_data/mutation.rst`` (included by ``docs/reliability.rst``) and
``mutants/mutation-report.json`` (every survivor with its diff). The exit status is 0 when the
score reaches the target (``--target``, 90 by default) and 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import tomllib

ROOT = Path(__file__).resolve().parent.parent
MUTANTS = ROOT / "mutants"
EQUIVALENT_FILE = ROOT / "tools" / "mutation_equivalent.toml"
DOCS_REPORT = ROOT / "docs" / "_data" / "mutation.rst"
JSON_REPORT = MUTANTS / "mutation-report.json"

# mutmut's exit codes (mutmut/stats.py): what each means for the score
KILLED = {1, 3, 36, 24, -24, 152, 255, 37}  # killed, pytest internal error, timeouts, caught by type check
SURVIVED = {0}
NO_TESTS = {5, 33}
NOT_CHECKED = {None, 2}


def _mutmut() -> str:
    local = Path(sys.executable).parent / "mutmut"
    return str(local) if local.exists() else "mutmut"


def modules() -> list[str]:
    """The module paths ``[tool.mutmut]`` mutates: its ``only_mutate`` globs, less ``do_not_mutate``."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mutmut"]
    skipped = {str(p) for pattern in config.get("do_not_mutate", []) for p in _expand(pattern)}
    found = [str(p) for pattern in config["only_mutate"] for p in _expand(pattern)]
    return [m for m in dict.fromkeys(found) if m not in skipped]


def _expand(pattern: str) -> list[Path]:
    """``src/csp_rules/*``: every module under it, recursively (mutmut's glob), as paths from the root."""
    if pattern.endswith("*"):
        base = ROOT / pattern.rstrip("*")
        return sorted(p.relative_to(ROOT) for p in base.rglob("*.py"))
    return [Path(pattern)]


def run_mutmut(max_children: int, names: list[str]) -> int:
    env = dict(os.environ)
    env.setdefault("HYPOTHESIS_PROFILE", "dev")
    # the pytest plugin that starts every mutant's test session cold (tools/mutation_plugin.py)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "tools"), env.get("PYTHONPATH", "")]))
    MUTANTS.mkdir(exist_ok=True)
    log = MUTANTS / "mutmut-run.log"
    print(f"running mutmut with {max_children} worker(s); log in {log.relative_to(ROOT)}", flush=True)
    with log.open("w", encoding="utf-8") as fh:
        done = subprocess.run(
            [_mutmut(), "run", "--max-children", str(max_children), *names],
            cwd=ROOT,
            env=env,
            stdout=fh,
            stderr=subprocess.STDOUT,
            check=False,
        )
    return done.returncode


def load_results() -> dict[str, dict[str, int | None]]:
    """``{module path: {mutant name: exit code}}`` from mutmut's .meta files."""
    out: dict[str, dict[str, int | None]] = {}
    for module in modules():
        meta = MUTANTS / (module + ".meta")
        if not meta.exists():
            out[module] = {}
            continue
        data = json.loads(meta.read_text(encoding="utf-8"))
        out[module] = dict(data.get("exit_code_by_key", {}))
    return out


def load_equivalent() -> dict[str, str]:
    """Mutant name -> why it is equivalent (tools/mutation_equivalent.toml)."""
    if not EQUIVALENT_FILE.exists():
        return {}
    data = tomllib.loads(EQUIVALENT_FILE.read_text(encoding="utf-8"))
    return {entry["mutant"]: entry["why"] for entry in data.get("equivalent", [])}


def status(code: int | None) -> str:
    if code in KILLED:
        return "killed"
    if code in SURVIVED:
        return "survived"
    if code in NO_TESTS:
        return "no tests"
    if code in NOT_CHECKED:
        return "not checked"
    return "suspicious"


def diff(name: str) -> str:
    done = subprocess.run([_mutmut(), "show", name], cwd=ROOT, capture_output=True, text=True, check=False)
    lines = [
        line for line in done.stdout.splitlines() if line[:1] in "+-" and not line.startswith(("---", "+++"))
    ]
    return "\n".join(lines)


def summarise(results: dict[str, dict[str, int | None]], equivalent: dict[str, str]) -> dict[str, Any]:
    per_module: dict[str, Counter[str]] = {}
    survivors: list[str] = []
    equivalent_found: list[str] = []
    for module, codes in results.items():
        counts: Counter[str] = Counter()
        for name, code in codes.items():
            kind = status(code)
            if kind == "survived" and name in equivalent:
                kind = "equivalent"
                equivalent_found.append(name)
            counts[kind] += 1
            if kind in ("survived", "no tests", "suspicious"):
                survivors.append(name)
        per_module[module] = counts
    total = sum(sum(c.values()) for c in per_module.values())
    killed = sum(c["killed"] for c in per_module.values())
    n_equivalent = sum(c["equivalent"] for c in per_module.values())
    # a partial run (mutant names given) scores what it checked; the rest is reported as not run
    denominator = total - n_equivalent - sum(c["not checked"] for c in per_module.values())
    score = 100.0 * killed / denominator if denominator else 0.0
    stale = sorted(set(equivalent) - set(equivalent_found))
    return {
        "score": round(score, 2),
        "total": total,
        "killed": killed,
        "equivalent": n_equivalent,
        "survived": sum(c["survived"] for c in per_module.values()),
        "no_tests": sum(c["no tests"] for c in per_module.values()),
        "not_checked": sum(c["not checked"] for c in per_module.values()),
        "per_module": {m: dict(c) for m, c in per_module.items()},
        "survivors": sorted(survivors),
        "equivalent_mutants": {n: equivalent[n] for n in sorted(equivalent_found)},
        "stale_equivalent_entries": stale,
    }


def _rst_table(rows: list[list[str]], header: list[str]) -> str:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    rule = "  ".join("=" * w for w in widths)
    lines = [rule, "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)), rule]
    lines += ["  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    lines.append(rule)
    return "\n".join(lines)


def write_docs(summary: dict[str, Any]) -> None:
    rows = []
    for module, counts in summary["per_module"].items():
        total = sum(counts.values())
        eq = counts.get("equivalent", 0)
        unrun = counts.get("not checked", 0)
        if total == unrun:
            continue  # not in this run
        score = 100.0 * counts.get("killed", 0) / (total - eq - unrun) if total - eq - unrun else 0.0
        rows.append(
            [
                f"``{module.removeprefix('src/csp_rules/')}``",
                str(total - unrun),
                str(counts.get("killed", 0)),
                str(eq),
                str(counts.get("survived", 0) + counts.get("no tests", 0) + counts.get("suspicious", 0)),
                f"{score:.1f} %",
            ]
        )
    checked = summary["total"] - summary["not_checked"]
    rows.append(
        [
            "**all**",
            str(checked),
            str(summary["killed"]),
            str(summary["equivalent"]),
            str(summary["survived"] + summary["no_tests"]),
            f"**{summary['score']:.1f} %**",
        ]
    )
    table = _rst_table(rows, ["module", "mutants", "killed", "equivalent", "survived", "score"])
    unrun = sorted(
        m.removeprefix("src/csp_rules/")
        for m, c in summary["per_module"].items()
        if sum(c.values()) == c.get("not checked", 0)
    )
    text = (
        ".. generated by tools/mutation.py from the last mutmut run; do not edit by hand\n\n"
        f"Mutation score: **{summary['score']:.1f} %** = {summary['killed']} killed / "
        f"({checked} mutants checked - {summary['equivalent']} equivalent).\n\n{table}\n"
    )
    if unrun:
        text += (
            f"\nNot in this run ({summary['not_checked']} mutants generated, not checked): "
            + ", ".join(f"``{m}``" for m in unrun)
            + ".\n"
        )
    if summary["equivalent_mutants"]:
        by_reason: dict[str, list[str]] = {}
        for name, why in summary["equivalent_mutants"].items():
            by_reason.setdefault(why, []).append(name)
        text += "\nEquivalent mutants, grouped by why none of them can change what a caller observes:\n\n"
        for why, names in by_reason.items():
            shown = ", ".join(f"``{n.removeprefix('csp_rules.')}``" for n in names)
            text += f"* {why} ({len(names)}: {shown})\n"
    DOCS_REPORT.parent.mkdir(parents=True, exist_ok=True)
    DOCS_REPORT.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--max-children", type=int, default=2, help="mutmut workers (2 cores are shared)")
    parser.add_argument("--report-only", action="store_true", help="summarise the last run without running")
    parser.add_argument("--target", type=float, default=90.0, help="score to reach, in percent")
    parser.add_argument("--diffs", action="store_true", help="add every survivor's diff to the JSON report")
    parser.add_argument("names", nargs="*", help="mutant names or globs to run (default: all)")
    args = parser.parse_args(argv)
    os.chdir(ROOT)
    if not args.report_only:
        code = run_mutmut(args.max_children, args.names)
        if code != 0:
            print(f"mutmut exited with status {code}; see mutants/mutmut-run.log", file=sys.stderr)
    summary = summarise(load_results(), load_equivalent())
    if args.diffs:
        summary["survivor_diffs"] = {name: diff(name) for name in summary["survivors"]}
    JSON_REPORT.parent.mkdir(exist_ok=True)
    JSON_REPORT.write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    write_docs(summary)
    for module, counts in summary["per_module"].items():
        print(f"  {module:36} " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    print(
        f"mutation score {summary['score']:.1f} % = {summary['killed']} killed / "
        f"({summary['total']} - {summary['equivalent']} equivalent); "
        f"{summary['survived']} survived, {summary['no_tests']} without tests, "
        f"{summary['not_checked']} not checked (target {args.target:.0f} %)"
    )
    if summary["stale_equivalent_entries"]:
        print(f"equivalent entries that no longer survive: {summary['stale_equivalent_entries']}")
    short = re.sub(r"^csp_rules\.", "", summary["survivors"][0]) if summary["survivors"] else ""
    if short:
        print(f"first survivor: {short} (mutmut show <name> for its diff)")
    return 0 if summary["score"] >= args.target and not summary["not_checked"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
