"""Determinism (issue 9): the same answers on any machine, in any process, after any pickle round-trip.

The corpus (``tests/_reliability.py``) calls every rule family on a fixed grid of inputs and
records everything a caller can observe, English and French explanations and SVG drawings
included. These tests compare that record

* across processes started with another ``TZ``, ``LANG``/``LC_ALL``/``LANGUAGE`` and
  ``PYTHONHASHSEED`` (set and dict orders change with the hash seed; babel reads the locale
  variables; the C library reads ``TZ``),
* under a hostile decimal context in the calling thread (3 digits, ROUND_FLOOR, every trap on),
* and, for every value type of the public API, after a pickle round-trip in every protocol, in
  this process and from another process.
"""

from __future__ import annotations

import decimal
import enum
import importlib
import inspect
import json
import os
import pickle
import pkgutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest

import csp_rules
from csp_rules import errors
from csp_rules._frozen import FrozenMap

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _reliability as corpus_module

SCRIPT = Path(corpus_module.__file__).resolve()

ENVIRONMENTS = {
    "kiritimati-turkish": {
        "TZ": "Pacific/Kiritimati",
        "LANG": "tr_TR.UTF-8",
        "LC_ALL": "tr_TR.UTF-8",
        "LANGUAGE": "tr",
        "PYTHONHASHSEED": "12345",
    },
    "st-johns-french": {
        "TZ": "America/St_Johns",
        "LANG": "fr_FR.UTF-8",
        "LC_ALL": "fr_FR.UTF-8",
        "LANGUAGE": "fr:de",
        "PYTHONHASHSEED": "1",
    },
    "kathmandu-japanese-c": {
        "TZ": "Asia/Kathmandu",
        "LANG": "ja_JP.eucJP",
        "LC_ALL": "C",
        "LC_NUMERIC": "de_DE.UTF-8",
        "PYTHONHASHSEED": "4294967295",
    },
}


@pytest.fixture(scope="module")
def reference() -> list[tuple[str, Any]]:
    return corpus_module.corpus()


@pytest.fixture(scope="module")
def reference_fingerprint(reference: list[tuple[str, Any]]) -> list[str]:
    return corpus_module.fingerprint(reference)


def _env(extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LC_", "LANG", "TZ", "PYTHONHASHSEED"))}
    env.update(extra)
    return env


def _first_difference(expected: list[str], got: list[str]) -> str:
    for i, (a, b) in enumerate(zip(expected, got, strict=False)):
        if a != b:
            return f"line {i}:\n  here:  {a[:600]}\n  there: {b[:600]}"
    return f"lengths differ: {len(expected)} here, {len(got)} there"


@pytest.mark.parametrize("name", sorted(ENVIRONMENTS))
def test_same_answers_under_other_time_zones_locales_and_hash_seeds(
    name: str, reference_fingerprint: list[str]
) -> None:
    out = subprocess.run(
        [sys.executable, str(SCRIPT), "fingerprint"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=_env(ENVIRONMENTS[name]),
        check=False,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    got = out.stdout.splitlines()
    assert got == reference_fingerprint, _first_difference(reference_fingerprint, got)


def test_the_corpus_calls_every_public_function(reference: list[tuple[str, Any]]) -> None:
    """Discovered, not listed: every function in a public module's ``__all__`` is in the corpus."""
    source = SCRIPT.read_text(encoding="utf-8")
    missing = []
    for info in pkgutil.walk_packages(csp_rules.__path__, "csp_rules."):
        if any(p.startswith("_") for p in info.name.split(".")[1:]) or info.name.startswith(
            ("csp_rules.cli", "csp_rules.testing")
        ):
            continue
        module = importlib.import_module(info.name)
        short = info.name.rsplit(".", 1)[1]
        for name in getattr(module, "__all__", ()):
            obj = getattr(module, name)
            if inspect.isfunction(obj) and obj.__module__ == info.name and f"{short}.{name}" not in source:
                missing.append(f"{info.name}.{name}")
    assert not missing, f"add these to tests/_reliability.py: {missing}"
    assert len(reference) > 3000


HOSTILE_CONTEXTS = {
    # a caller computing with 3 significant digits, rounding down
    "low-precision": decimal.Context(prec=3, rounding=decimal.ROUND_FLOOR),
    # a caller that wants every rounding to be an error (exact financial code)
    "strict-traps": decimal.Context(
        traps=[
            decimal.Inexact,
            decimal.Rounded,
            decimal.InvalidOperation,
            decimal.Overflow,
            decimal.DivisionByZero,
        ]
    ),
}


@pytest.mark.parametrize("name", sorted(HOSTILE_CONTEXTS))
def test_same_answers_under_the_callers_decimal_context(name: str, reference_fingerprint: list[str]) -> None:
    """The decimal context is the calling thread's hidden state: csp_rules must not read it."""
    with decimal.localcontext(HOSTILE_CONTEXTS[name]):
        got = corpus_module.fingerprint()
    assert got == reference_fingerprint, _first_difference(reference_fingerprint, got)


# --- pickle ---------------------------------------------------------------------------------


def _walk(value: Any, depth: int = 0) -> Iterator[Any]:
    """Every csp_rules value reachable from an outcome (attrs fields, containers, error attributes)."""
    if depth > 10:
        return
    if type(value).__module__.startswith("csp_rules"):
        yield value
    if isinstance(value, BaseException):
        for item in vars(value).values():
            yield from _walk(item, depth + 1)
    elif attrs.has(type(value)):
        for field in attrs.fields(type(value)):
            yield from _walk(getattr(value, field.name), depth + 1)
    elif isinstance(value, (list, tuple, set, frozenset)):
        for item in value:
            yield from _walk(item, depth + 1)
    elif isinstance(value, (dict, FrozenMap)):
        for key, item in value.items():
            yield from _walk(key, depth + 1)
            yield from _walk(item, depth + 1)


def _public_types() -> set[type]:
    found: set[type] = {FrozenMap}
    for info in pkgutil.walk_packages(csp_rules.__path__, "csp_rules."):
        parts = info.name.split(".")[1:]
        if any(p.startswith("_") for p in parts) or info.name.startswith(
            ("csp_rules.cli", "csp_rules.testing")
        ):
            continue
        module = importlib.import_module(info.name)
        for name in getattr(module, "__all__", ()):
            obj = getattr(module, name)
            if isinstance(obj, type) and (
                attrs.has(obj) or issubclass(obj, (enum.Enum, errors.CspRulesError, errors.FieldProblem))
            ):
                found.add(obj)
    return found


def _error_instances() -> list[errors.CspRulesError]:
    """One instance of every error class, built directly (the abstract ones are never raised)."""
    out: list[errors.CspRulesError] = []
    for name in errors.__all__:
        cls = getattr(errors, name)
        if not (isinstance(cls, type) and issubclass(cls, errors.CspRulesError)):
            continue
        if cls is errors.ValidationError:
            out.append(cls([errors.FieldProblem("a", "required", None)], value={"a": None}, field="rec"))
        else:
            out.append(cls(value=("x", 1), field="f"))
    return out


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, BaseException):
        return (
            type(a) is type(b)
            and corpus_module.canonical(a) == corpus_module.canonical(b)
            and (a.value == b.value)
        )
    return bool(a == b) and corpus_module.canonical(a) == corpus_module.canonical(b)


def test_every_value_type_survives_a_pickle_round_trip(reference: list[tuple[str, Any]]) -> None:
    values: dict[type, list[Any]] = {}
    for _, outcome in reference:
        for value in _walk(outcome):
            bucket = values.setdefault(type(value), [])
            if len(bucket) < 25:
                bucket.append(value)
    for err in _error_instances():
        values.setdefault(type(err), []).append(err)
    missing = {t.__qualname__ for t in _public_types() - set(values)}
    assert not missing, f"no instance of these public types to pickle: {sorted(missing)}"
    checked = 0
    for cls, items in values.items():
        for value in items:
            for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
                again = pickle.loads(pickle.dumps(value, protocol=protocol))
                assert type(again) is cls
                assert _same(value, again), (
                    f"{cls.__qualname__} (protocol {protocol}): {value!r} != {again!r}"
                )
                if not isinstance(value, BaseException):
                    try:
                        expected = hash(value)
                    except TypeError:
                        continue
                    assert hash(again) == expected, f"{cls.__qualname__}: hash changed"
                checked += 1
    assert checked > 500


def test_values_pickled_in_another_process_equal_ours(
    reference: list[tuple[str, Any]], tmp_path: Path
) -> None:
    path = tmp_path / "outcomes.pickle"
    out = subprocess.run(
        [sys.executable, str(SCRIPT), "pickle", str(path)],
        capture_output=True,
        text=True,
        env=_env({"PYTHONHASHSEED": "777", "TZ": "Australia/Lord_Howe"}),
        check=False,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    with path.open("rb") as fh:
        theirs = dict(pickle.load(fh))
    ours = dict(corpus_module.picklable(reference))
    assert theirs.keys() == ours.keys()
    different = [label for label in ours if not _same(ours[label], theirs[label])]
    assert not different, f"{len(different)} values differ, first: {different[0]}"
    # the other process's values hash as ours do (sets and dicts of them mix across processes)
    for label, value in ours.items():
        if not isinstance(value, BaseException):
            try:
                expected = hash(value)
            except TypeError:
                continue
            assert hash(theirs[label]) == expected, label


def test_fingerprint_lines_are_json(reference_fingerprint: list[str]) -> None:
    for line in reference_fingerprint[:50]:
        label, data = line.split("\t", 1)
        json.loads(data)
        assert label
