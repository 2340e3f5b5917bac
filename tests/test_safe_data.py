"""Safe data (issue 9): data is read only through safe parsers, shipped files say where they come from,
and a hostile rule-set file gets a precise :class:`~csp_rules.errors.RuleSetFileError`.

``tests/test_rulesets.py`` already holds a table of hostile fields and files; the tests here add
what a table cannot: every leaf of a rule set given a value of a wrong type and every table given
an unknown key (both discovered by walking the shipped S2020), nesting and numbers at and past
each limit, duplicate keys, and a property: whatever a mutated rule set holds, it is either
refused with a RuleSetFileError naming a field, or it loads and round-trips (JSON, file, pickle).
"""

from __future__ import annotations

import ast
import copy
import json
import pickle
import re
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import csp_rules
from csp_rules.errors import RuleSetFileError
from csp_rules.rulesets import load_ruleset, ruleset_from_dict

SRC = Path(csp_rules.__file__).resolve().parent
DATA = resources.files("csp_rules") / "data"

# --- only safe parsers ----------------------------------------------------------------------

#: modules that turn bytes into live objects (code execution on hostile input)
UNSAFE_MODULES = {
    "pickle",
    "cPickle",
    "_pickle",
    "marshal",
    "shelve",
    "dill",
    "cloudpickle",
    "joblib",
    "yaml",
}
#: builtins that run text as code
UNSAFE_CALLS = {"eval", "exec", "compile", "__import__"}
#: the parsers data files may be read with
SAFE_PARSERS = {"json", "tomllib", "tomli", "csv"}


def _library_files() -> list[Path]:
    # csp_rules.testing is for test suites only (it imports hypothesis), but it is scanned too
    return sorted(SRC.rglob("*.py"))


def _attribute_chain(node: ast.AST) -> str:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    return ".".join(reversed(parts))


@pytest.mark.parametrize("path", _library_files(), ids=lambda p: str(p.relative_to(SRC)))
def test_no_unsafe_loader_in_the_package(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    problems = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            problems += [a.name for a in node.names if a.name.split(".")[0] in UNSAFE_MODULES]
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in UNSAFE_MODULES:
            problems.append(node.module)
        elif isinstance(node, ast.Call):
            name = _attribute_chain(node.func)
            if name in UNSAFE_CALLS or name.endswith(
                ("yaml.load", "pickle.loads", "pickle.load", "marshal.loads")
            ):
                problems.append(f"{name}() at line {node.lineno}")
            if name.endswith("import_module"):
                # only literal names inside the package: f"csp_rules.{name}" from a fixed table
                arg = node.args[0] if node.args else None
                literal = isinstance(arg, ast.JoinedStr) and isinstance(arg.values[0], ast.Constant)
                if not (literal and str(arg.values[0].value).startswith("csp_rules.")):  # type: ignore[union-attr]
                    problems.append(f"import_module of a computed name at line {node.lineno}")
            if name.endswith(("json.load", "json.loads")):
                hooks = {k.arg for k in node.keywords} & {"cls", "object_hook", "object_pairs_hook"}
                if hooks and path.name != "rulesets.py":
                    problems.append(f"{name}() with {sorted(hooks)} at line {node.lineno}")
    assert not problems, f"{path.name}: {problems}"


def test_data_is_parsed_only_by_safe_parsers() -> None:
    """The modules that read package data (``resources.files``) import no parser but the safe ones."""
    readers = []
    for path in _library_files():
        text = path.read_text(encoding="utf-8")
        if "resources.files" not in text:
            continue
        readers.append(path.name)
        tree = ast.parse(text)
        imported = {
            a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names
        }
        imported |= {
            n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module
        }
        assert not imported & UNSAFE_MODULES, path.name
    assert "rulesets.py" in readers and "decision.py" in readers


# --- shipped data files name their source and date -----------------------------------------

_DATE = re.compile(r"\b(19|20)\d\d-\d\d-\d\d\b")
_SOURCE = re.compile(r"\b(source|sources|copy of|built by|from)\b", re.I)
_VERSIONS = re.compile(r"^# (babel|cldr|pycountry): \S+", re.M)


def _data_files() -> list[Any]:
    out = []
    for folder in sorted(DATA.iterdir(), key=lambda e: e.name):
        if folder.is_dir():
            out += sorted((e for e in folder.iterdir() if e.is_file()), key=lambda e: e.name)
    return out


def _header(entry: Any) -> str:
    text = entry.read_text("utf-8")
    if entry.name.endswith(".tsv"):
        lines = []
        for line in text.splitlines():
            if not line.startswith("#"):
                break
            lines.append(line)
        return "\n".join(lines)
    if entry.name.endswith(".json"):
        data = json.loads(text)
        if "_header" in data:
            return str(data["_header"])
        if "sources" in data:  # a rule set: its sources, each with its date
            return "\n".join(f"source {s['reference']} published {s['published']}" for s in data["sources"])
    return ""


@pytest.mark.parametrize("entry", _data_files(), ids=lambda e: e.name)
def test_every_shipped_data_file_names_its_source_and_date(entry: Any) -> None:
    header = _header(entry)
    assert header, f"{entry.name}: no header (TSV '#' lines, JSON '_header', or rule-set 'sources')"
    assert _SOURCE.search(header), f"{entry.name}: the header does not name its source:\n{header}"
    # a date (when copied, published or taken); a generated file may give its inputs' versions instead
    assert _DATE.search(header) or _VERSIONS.search(header), (
        f"{entry.name}: the header gives no date (YYYY-MM-DD) nor the versions it was built from:\n{header}"
    )


@pytest.mark.parametrize(
    "entry", [e for e in _data_files() if e.name.endswith(".json")], ids=lambda e: e.name
)
def test_shipped_json_has_no_duplicate_keys(entry: Any) -> None:
    def refuse(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        keys = [k for k, _ in pairs]
        assert len(keys) == len(set(keys)), (
            f"{entry.name}: duplicate keys {sorted(k for k in keys if keys.count(k) > 1)}"
        )
        return dict(pairs)

    json.loads(entry.read_text("utf-8"), object_pairs_hook=refuse)


# --- hostile rule sets: every leaf and table, discovered ------------------------------------


def _base() -> dict[str, Any]:
    return csp_rules.S2020.to_dict()


def _nodes(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    yield path, value
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _nodes(item, f"{path}.{key}" if path else key)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _nodes(item, f"{path}[{i}]")


def _set(data: dict[str, Any], path: str, value: Any) -> None:
    tokens = re.findall(r"[^.\[\]]+|\[\d+\]", path)
    target: Any = data
    for token in tokens[:-1]:
        target = target[int(token[1:-1])] if token.startswith("[") else target[token]
    last = tokens[-1]
    if last.startswith("["):
        target[int(last[1:-1])] = value
    else:
        target[last] = value


WRONG = {
    str: [None, 5, 1.5, True, [], {}],
    int: [None, "60", 60.0, True, [], {}],
    bool: [None, 0, 1, "true", [], {}],
    list: [None, "x", 5, {}],
    dict: [None, "x", 5, []],
}


def _wrong_cases() -> list[tuple[str, Any]]:
    cases = []
    for path, value in _nodes(_base()):
        if not path or path == "format":
            continue
        for wrong in WRONG[type(value)]:
            cases.append((path, wrong))
    return cases


WRONG_CASES = _wrong_cases()


def test_the_wrong_type_cases_cover_every_field() -> None:
    paths = {p for p, _ in WRONG_CASES}
    assert {
        "links.download_cap",
        "credits.cancellation_day_credited",
        "cancellation.exclusions[1].match[0][1]",
    } <= paths
    assert len(paths) > 100


def test_a_wrong_type_anywhere_is_named_precisely() -> None:
    """Every leaf, list and table of S2020 given each value of a wrong type: the error names that path."""
    wrongly_named = []
    accepted = []
    for path, wrong in WRONG_CASES:
        data = _base()
        _set(data, path, wrong)
        try:
            ruleset_from_dict(data)
        except RuleSetFileError as err:
            if err.field != path:
                wrongly_named.append(f"{path} <- {wrong!r}: reported {err.field!r}")
        else:
            accepted.append(f"{path} <- {wrong!r}")
    assert not accepted, f"{len(accepted)} wrong types accepted, e.g. {accepted[:5]}"
    assert not wrongly_named, f"{len(wrongly_named)} errors name another field, e.g. {wrongly_named[:5]}"


def test_an_unknown_key_in_any_table_is_named_precisely() -> None:
    tables = [p for p, v in _nodes(_base()) if isinstance(v, dict)]
    assert len(tables) > 10
    for path in tables:
        data = _base()
        target = data
        if path:
            for p, v in _nodes(data):
                if p == path:
                    target = v
        target["zz_unknown"] = 1
        with pytest.raises(RuleSetFileError) as info:
            ruleset_from_dict(data)
        expected = f"{path}.zz_unknown" if path else "zz_unknown"
        assert info.value.field == expected, path


# --- nesting and numbers at and past each limit ---------------------------------------------


def _load_text(tmp_path: Path, name: str, text: str) -> Any:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return load_ruleset(path)


HEAD = '{"extends": "S2020", "version": "T", "in_force_from": "2024-01-01", '


@pytest.mark.parametrize("depth", [2, 33, 100, 900, 3000, 50_000])
@pytest.mark.parametrize("shape", ["list", "table"])
def test_deep_nesting_in_a_field_is_refused(tmp_path: Path, depth: int, shape: str) -> None:
    nested = "[" * depth + "1" + "]" * depth if shape == "list" else '{"a": ' * depth + "1" + "}" * depth
    with pytest.raises(RuleSetFileError) as info:
        _load_text(tmp_path, "deep.json", HEAD + f'"title": {nested}}}')
    assert info.value.field in ("title", "(top)") or info.value.field.startswith("title")


@pytest.mark.parametrize("depth", [2, 100, 3000])
def test_deep_nesting_in_toml_is_refused(tmp_path: Path, depth: int) -> None:
    text = (
        'extends = "S2020"\nversion = "T"\nin_force_from = 2024-01-01\ntitle = '
        + "{a = " * depth
        + "1"
        + "}" * depth
    )
    with pytest.raises(RuleSetFileError):
        _load_text(tmp_path, "deep.toml", text + "\n")


@pytest.mark.parametrize(
    "number",
    [
        "1e400",
        "-1e400",
        "1e-400",
        "1e308",
        "60.0",
        "60.5",
        "-0",
        "1" + "0" * 30,
        "9" * 4300,
        "9" * 4301,
        "-" + "9" * 5000,
    ],
)
def test_huge_and_odd_numbers_are_refused_precisely(tmp_path: Path, number: str) -> None:
    with pytest.raises(RuleSetFileError) as info:
        _load_text(tmp_path, "n.json", HEAD + f'"links": {{"download_cap": {number}}}}}')
    # either the field, or the whole file when the JSON parser itself refuses the number
    assert info.value.field in ("links.download_cap", "(top)")


@pytest.mark.parametrize("number", ["inf", "-inf", "nan", "1e999", "0x7fffffffffffffffffff", "9" * 5000])
def test_huge_and_odd_numbers_in_toml(tmp_path: Path, number: str) -> None:
    text = f'extends = "S2020"\nversion = "T"\nin_force_from = 2024-01-01\n[links]\ndownload_cap = {number}\n'
    with pytest.raises(RuleSetFileError) as info:
        _load_text(tmp_path, "n.toml", text)
    assert info.value.field in ("links.download_cap", "(top)")


def test_many_entries_are_refused(tmp_path: Path) -> None:
    markets = json.dumps(["AU"] * 100_000)  # 600 kB: within the file limit, past the list limit
    with pytest.raises(RuleSetFileError) as info:
        _load_text(tmp_path, "big.json", HEAD + f'"reservations": {{"unavailable_markets": {markets}}}}}')
    assert info.value.field == "reservations.unavailable_markets"


def test_another_encoding_than_utf8_is_a_file_error(tmp_path: Path) -> None:
    """UTF-8 only; a UTF-8 byte-order mark is accepted (tests/test_rulesets_files.py)."""
    path = tmp_path / "bom.json"
    path.write_bytes(csp_rules.S2020.to_json().encode("utf-16"))
    with pytest.raises(RuleSetFileError):
        load_ruleset(path)


def test_duplicate_keys_are_refused_not_silently_overwritten(tmp_path: Path) -> None:
    """A reviewer reading the file sees one value, a last-wins parser would apply another."""
    with pytest.raises(RuleSetFileError) as info:
        _load_text(tmp_path, "dup.json", HEAD + '"links": {"download_cap": 50, "download_cap": 5000}}')
    assert info.value.field in ("links.download_cap", "links", "(top)")


@pytest.mark.parametrize("name", ["a\x00b.json", "\ud800.json", ""])
def test_an_impossible_path_is_a_file_error(name: str) -> None:
    with pytest.raises(RuleSetFileError):
        load_ruleset(name)


# --- whatever loads, round-trips --------------------------------------------------------------

_leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30),
    st.sampled_from(
        ["\ud800", "a\x00b", "\u202e", "x" * 2001, "2020-02-30", "ROUND_HALF_UP", "window", "AU"]
    ),
)
_json_values = st.recursive(
    _leaves,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
_PATHS = [p for p, _ in _nodes(_base()) if p and p != "format"]


@given(st.lists(st.tuples(st.sampled_from(_PATHS), _json_values), min_size=1, max_size=3))
@example(mutations=[("version", "\ud800")])  # a lone surrogate cannot be written back as UTF-8
@example(mutations=[("sources[0].note", "line\u2028break\u202e")])
@settings(max_examples=300)
def test_a_mutated_rule_set_is_refused_or_round_trips(mutations: list[tuple[str, Any]]) -> None:
    data = _base()
    for path, value in mutations:
        try:
            _set(data, path, copy.deepcopy(value))
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation removed the place
    try:
        rules = ruleset_from_dict(data)
    except RuleSetFileError as err:
        field = err.field
    else:
        field = None
    if field is not None:
        assert field.strip(), "a RuleSetFileError names the field"
        return
    encoded = rules.to_json().encode("utf-8")  # what loads can be saved as UTF-8 ...
    assert ruleset_from_dict(json.loads(encoded)) == rules  # ... and read back the same
    assert pickle.loads(pickle.dumps(rules)) == rules
