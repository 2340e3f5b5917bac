"""The package itself (issue 2): version, typed marker, lazy import, README commands, CI script."""

from __future__ import annotations

import re
import subprocess
import sys
from importlib import resources
from pathlib import Path

import csp_rules

ROOT = Path(__file__).resolve().parent.parent


def test_version_is_exposed() -> None:
    assert re.fullmatch(r"\d+\.\d+\.\d+.*", csp_rules.__version__)


def test_py_typed_is_shipped() -> None:
    assert (resources.files("csp_rules") / "py.typed").is_file()


def test_import_is_lazy() -> None:
    code = (
        "import sys, babel.localedata as ld; import csp_rules; "
        "mods = sorted(m for m in sys.modules if m.startswith('csp_rules')); "
        "print(mods); print(len(ld._cache))"
    )
    out = subprocess.run(
        [sys.executable, "-W", "error", "-c", code], capture_output=True, text=True, check=True
    )
    modules, locale_cache = out.stdout.splitlines()
    assert modules == "['csp_rules', 'csp_rules._version']"
    assert locale_cache == "0"
    assert out.stderr == ""


def test_every_public_module_imports_without_work_or_warnings() -> None:
    code = (
        "import pkgutil, importlib, babel.localedata as ld, csp_rules\n"
        "for info in pkgutil.walk_packages(csp_rules.__path__, 'csp_rules.'):\n"
        "    if not info.name.endswith('__main__'):\n"
        "        importlib.import_module(info.name)\n"
        "from csp_rules import rulesets, decision\n"
        "print(len(ld._cache), rulesets._SHIPPED.loaded, decision._MESSAGES.loaded)\n"
    )
    out = subprocess.run(
        [sys.executable, "-W", "error", "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["0", "False", "False"]


def _readme_commands() -> dict[str, str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    found = dict(
        re.findall(r"<!-- (main-job|test-suite) -->\s*```(?:sh|bash|console)?\n(.+?)\n```", text, re.S)
    )
    return {k: v.strip() for k, v in found.items()}


def test_readme_has_the_two_setup_commands() -> None:
    commands = _readme_commands()
    assert set(commands) == {"main-job", "test-suite"}
    assert "csp-rules evaluate examples/one_time_purchases.csv" in commands["main-job"]
    assert "pytest" in commands["test-suite"]


def test_ci_runs_exactly_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert _readme_commands()["test-suite"] in ci.splitlines()


def test_no_module_is_long_without_saying_why() -> None:
    """issue 16: no module over ~600 lines without a reason given in its docstring."""
    import ast
    from pathlib import Path

    root = Path(csp_rules.__file__).parent
    unexplained = []
    for path in sorted(root.rglob("*.py")):
        text = path.read_text("utf-8")
        if text.count("\n") <= 600:
            continue
        doc = ast.get_docstring(ast.parse(text)) or ""
        if "is long" not in doc and "long (over" not in doc:
            unexplained.append(str(path.relative_to(root)))
    assert not unexplained, unexplained
