"""Rule-set files from outside (issue 14): regular files only (a FIFO never blocks), nesting and key
limits checked on the text before it is parsed, every market code a known market, shipped names
reserved, a UTF-8 byte-order mark accepted."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import csp_rules
from csp_rules import rulesets
from csp_rules.errors import RuleSetFileError
from csp_rules.rulesets import MAX_KEY_PARTS, MAX_KEYS, MAX_NESTING, load_ruleset, ruleset_from_dict

TOML_HEAD = 'extends = "S2020"\nversion = "ACME-1"\ntitle = "ours"\nin_force_from = 2024-01-01\n'
JSON_HEAD = {"extends": "S2020", "version": "ACME-1", "title": "ours", "in_force_from": "2024-01-01"}


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def parser_never_called(monkeypatch: pytest.MonkeyPatch) -> None:
    """The refusal must come before parsing: the parsers fail the test if they are reached."""
    import json as json_module

    import tomllib

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the text reached the parser")

    monkeypatch.setattr(tomllib, "loads", refuse)
    monkeypatch.setattr(json_module, "loads", refuse)


# --- regular files only ------------------------------------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_a_named_pipe_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "rules.json"
    os.mkfifo(fifo)
    with pytest.raises(RuleSetFileError, match="not a regular file"):
        load_ruleset(fifo)
    # and through the command line, in a child that the old code left waiting for a writer forever
    done = subprocess.run(
        [sys.executable, "-m", "csp_rules", "market", "FR", "--rules", str(fifo)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "not a regular file" in done.stderr


@pytest.mark.parametrize("path", ["/dev/null", "/dev/zero", "/dev/stdin"])
def test_devices_are_refused(path: str) -> None:
    if not os.path.exists(path):
        pytest.skip(f"{path} does not exist here")
    with pytest.raises(RuleSetFileError, match=r"not a regular file|cannot read"):
        load_ruleset(path)


def test_a_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RuleSetFileError, match="directory"):
        load_ruleset(tmp_path)


def test_a_symbolic_link_to_a_rule_set_is_read(tmp_path: Path) -> None:
    real = _write(tmp_path, "real.json", json.dumps(JSON_HEAD))
    link = tmp_path / "link.json"
    link.symlink_to(real)
    assert load_ruleset(link).version == "ACME-1"


# --- limits before parsing ---------------------------------------------------------------------------


def test_a_long_dotted_key_is_refused_before_parsing(tmp_path: Path, parser_never_called: None) -> None:
    """60 kB of dotted key: tomllib took 17 s on it (quadratic in the parts)."""
    path = _write(tmp_path, "dotted.toml", TOML_HEAD + "a" + ".a" * 30_000 + " = 1\n")
    with pytest.raises(RuleSetFileError, match=f"a dotted key has more than {MAX_KEY_PARTS} parts"):
        load_ruleset(path)


@pytest.mark.parametrize("spaced", [False, True])
def test_dotted_keys_in_every_form_count(tmp_path: Path, parser_never_called: None, spaced: bool) -> None:
    dot = " . " if spaced else "."
    forms = [
        "a" + f'{dot}"q"' * MAX_KEY_PARTS + " = 1\n",  # quoted parts
        "[" + "t" + f"{dot}t" * MAX_KEY_PARTS + "]\n",  # a table header
        "x = {" + "a" + f"{dot}a" * MAX_KEY_PARTS + " = 1}\n",  # inside an inline table
    ]
    for form in forms:
        with pytest.raises(RuleSetFileError, match="dotted key"):
            load_ruleset(_write(tmp_path, "d.toml", TOML_HEAD + form))


def test_the_key_part_limit_is_exact(tmp_path: Path) -> None:
    at_limit = "cancellation" + ".x" * (MAX_KEY_PARTS - 1) + " = 1\n"  # parsed, then refused by the schema
    with pytest.raises(RuleSetFileError) as info:
        load_ruleset(_write(tmp_path, "ok.toml", TOML_HEAD + at_limit))
    assert info.value.field == "cancellation.x"


@pytest.mark.parametrize("suffix", [".toml", ".json"])
@pytest.mark.parametrize("depth", [MAX_NESTING + 1, 5_000, 200_000])
def test_deep_nesting_is_refused_before_parsing(
    tmp_path: Path, parser_never_called: None, suffix: str, depth: int
) -> None:
    if suffix == ".toml":
        text = TOML_HEAD.replace('title = "ours"', "title = " + "[" * depth + "1" + "]" * depth)
    else:
        text = '{"title": ' + "[" * depth + "1" + "]" * depth + "}"
    with pytest.raises(RuleSetFileError, match=f"nests more than {MAX_NESTING} levels"):
        load_ruleset(_write(tmp_path, f"deep{suffix}", text))


@pytest.mark.parametrize("suffix", [".toml", ".json"])
def test_too_many_keys_are_refused_before_parsing(
    tmp_path: Path, parser_never_called: None, suffix: str
) -> None:
    count = MAX_KEYS + 1
    if suffix == ".toml":
        text = TOML_HEAD + "".join(f"k{i} = 1\n" for i in range(count))
    else:
        text = "{" + ",".join(f'"k{i}": 1' for i in range(count)) + "}"
    with pytest.raises(RuleSetFileError, match="more than 10,000 keys"):
        load_ruleset(_write(tmp_path, f"keys{suffix}", text))


def test_strings_and_comments_do_not_count(tmp_path: Path) -> None:
    """Brackets, dots, equals signs and colons inside strings and comments are text, not structure."""
    noise = "[{" * 40 + "a." * 40 + "=:" * 40
    toml = (
        'extends = "S2020" # ' + noise + "\n"
        'version = "ACME-1"\n'
        f"title = '''{noise}\n'''\n"
        "in_force_from = 2024-01-01\n"
        "[cancellation.window_days] # " + noise + "\n"
        "software_subscription = 7\n"
        "[support_request]\n"
        f'problem_type = """{noise} \\""" ""\n"""\n'
        f"problem_type_fr = '{noise}'\n"
    )
    rules = load_ruleset(_write(tmp_path, "noise.toml", toml))
    assert rules.title == noise + "\n"
    assert rules.support_request.problem_type == noise + ' """ ""\n'
    data = {**JSON_HEAD, "title": noise + ' \\" ' + noise}
    assert load_ruleset(_write(tmp_path, "noise.json", json.dumps(data))).title == data["title"]


@pytest.mark.parametrize("rules", csp_rules.rulesets.shipped_rulesets(), ids=lambda r: r.version)
def test_every_shipped_rule_set_is_well_inside_the_limits(rules: rulesets.RuleSet, tmp_path: Path) -> None:
    text = rules.to_json()
    rulesets._prescan(text, ".json", "shipped")
    bare = rulesets._blank_strings(text, ".json")
    assert bare.count(":") < MAX_KEYS // 50
    depth = deepest = 0
    for char in bare:
        depth += char in "[{"
        depth -= char in "]}"
        deepest = max(deepest, depth)
    assert deepest <= MAX_NESTING // 4


# --- market codes ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("override", "field", "hint"),
    [
        ({"tax": {"inclusive_markets": ["AU", "UK"]}}, "tax.inclusive_markets[1]", "did you mean 'GB'?"),
        ({"tax": {"inclusive_markets": ["XX"]}}, "tax.inclusive_markets[0]", "known market"),
        (
            {"tax": {"basis_by_market": {"AU": "net", "ZZ": "gross"}}},
            "tax.basis_by_market.ZZ",
            "known market",
        ),
        ({"tax": {"basis_by_market": {"EU": "net"}}}, "tax.basis_by_market.EU", "region or grouping"),
        ({"reservations": {"unavailable_markets": ["CN", "QQ"]}}, "reservations.unavailable_markets[1]", ""),
    ],
    ids=["UK", "XX", "ZZ-key", "EU-region", "QQ"],
)
def test_unknown_market_codes_are_refused_with_their_field(
    tmp_path: Path, override: dict[str, Any], field: str, hint: str
) -> None:
    data = {**JSON_HEAD, **override}
    for load in (
        lambda: ruleset_from_dict(data),
        lambda: load_ruleset(_write(tmp_path, "m.json", json.dumps(data))),
    ):
        with pytest.raises(RuleSetFileError) as info:
            load()
        assert info.value.field == field
        assert "not the code of a known market" in str(info.value)
        assert hint in str(info.value)


def test_every_known_market_code_is_accepted() -> None:
    from csp_rules.markets import markets

    codes = sorted(m.code for m in markets())
    rules = ruleset_from_dict({**JSON_HEAD, "tax": {"inclusive_markets": codes}})
    assert rules.tax.inclusive_markets == frozenset(codes)


def test_market_codes_are_read_lazily() -> None:
    """No import-time work: the code table is read when a rule set first needs it."""
    code = (
        "import csp_rules.rulesets as r; assert not r._CODES.loaded; "
        "r.shipped_rulesets(); assert r._CODES.loaded; print('ok')"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.stdout == "ok\n", done.stderr


# --- shipped names are reserved ----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["S2020", "S2018", "s2020", " S2018 "])
def test_a_users_rule_set_may_not_take_a_shipped_name(tmp_path: Path, name: str) -> None:
    data = {**JSON_HEAD, "version": name, "cancellation": {"window_days": {"software_subscription": 7}}}
    with pytest.raises(RuleSetFileError, match="is the name of a rule set shipped with csp_rules") as info:
        ruleset_from_dict(data)
    assert info.value.field == "version"
    with pytest.raises(RuleSetFileError, match="shipped with csp_rules"):
        load_ruleset(_write(tmp_path, "impostor.json", json.dumps(data)))


def test_even_an_unchanged_extension_may_not_take_a_shipped_name_with_other_dates() -> None:
    with pytest.raises(RuleSetFileError, match="shipped"):
        ruleset_from_dict({**JSON_HEAD, "extends": "S2018", "version": "S2020"})


@pytest.mark.parametrize("rules", csp_rules.rulesets.shipped_rulesets(), ids=lambda r: r.version)
def test_an_exact_copy_of_a_shipped_rule_set_reads_back(rules: rulesets.RuleSet, tmp_path: Path) -> None:
    """A rule set written out and read back is the same rule set: the round trip stays a law."""
    assert ruleset_from_dict(rules.to_dict()) == rules
    assert load_ruleset(_write(tmp_path, "copy.json", rules.to_json())) == rules


# --- byte-order mark ---------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".toml", ".json"])
def test_a_utf8_byte_order_mark_is_accepted(tmp_path: Path, suffix: str) -> None:
    text = TOML_HEAD if suffix == ".toml" else json.dumps(JSON_HEAD)
    path = tmp_path / f"bom{suffix}"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert load_ruleset(path).version == "ACME-1"


def test_only_one_byte_order_mark_and_only_at_the_start(tmp_path: Path) -> None:
    path = tmp_path / "two.toml"
    path.write_bytes(b"\xef\xbb\xbf\xef\xbb\xbf" + TOML_HEAD.encode("utf-8"))
    with pytest.raises(RuleSetFileError, match="not valid TOML"):
        load_ruleset(path)
