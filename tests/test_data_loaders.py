"""The loaders of shipped data, called directly and checked against an independent reading (issue 9).

Data is loaded lazily, once: in a test session only the first test to need a table runs its
loader, so a wrong loader may hide behind a warm cache (and a mutation run would credit only that
first test). These tests call every loader themselves and compare what it builds with the shipped
files read here with the :mod:`csv` module, and the tables computed at import with the rule they
encode.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from importlib import resources
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from csp_rules import _role_names, links, markets, roles
from csp_rules.facts import Role
from csp_rules.links import LinkStatus
from csp_rules.rulesets import shipped_rulesets

DATA = resources.files("csp_rules") / "data"


def _tsv(path: Any) -> list[dict[str, str]]:
    text = path.read_text("utf-8")
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    return list(csv.DictReader(io.StringIO("\n".join(lines)), delimiter="\t", quoting=csv.QUOTE_NONE))


def test_role_names_loader() -> None:
    """R1: every name of roles/names.tsv reads back to its role; the first per language is the display name."""
    rows = _tsv(DATA / "roles" / "names.tsv")
    assert rows and set(rows[0]) == {"role", "lang", "name", "source"}
    loaded = _role_names._load_names()
    for row in rows:
        role = Role(row["role"])
        assert loaded.lookup[roles.normalize_role_name(row["name"])] is role, row
    for role in Role:
        own = [(r["lang"], r["name"]) for r in rows if r["role"] == role.value]
        assert loaded.all_names[role] == tuple(own)
        for lang in ("en", "fr"):
            assert loaded.display[lang][role] == next(n for lg, n in own if lg == lang)
        assert loaded.lookup[roles.normalize_role_name(role.value)] is role
        assert loaded.lookup[roles.normalize_role_name(role.name)] is role
    expected_keys = {roles.normalize_role_name(r["name"]) for r in rows}
    expected_keys |= {roles.normalize_role_name(k) for role in Role for k in (role.value, role.name)}
    assert set(loaded.lookup) == expected_keys
    assert set(loaded.display) == {"en", "fr"}


def test_market_lists_loader() -> None:
    """R3.4: every published list of market_list_versions.tsv, with its date, family, source and codes."""
    rows = _tsv(DATA / "markets" / "market_list_versions.tsv")
    loaded = markets._load_lists()
    expected = sorted(
        (
            (
                r["docs"],
                date.fromisoformat(r["first_seen"]),
                r["source"],
                frozenset(r["iso2_codes"].split(",")),
            )
            for r in rows
        ),
        key=lambda t: (t[0], t[1]),
    )
    assert [(m.docs, m.first_seen, m.source, m.codes) for m in loaded] == expected
    assert all(
        len(m.codes) == int(r["count"])
        for m, r in zip(loaded, sorted(rows, key=lambda r: (r["docs"], r["first_seen"])), strict=True)
    )
    assert {m.docs for m in loaded} == {"dashboard", "api"}


def test_fast_tables_match_the_rule_set() -> None:
    """R3, R4.1: the precomputed answers for the newest rule set, by code, lower-case code and Market."""
    from csp_rules import tax

    newest = shipped_rulesets()[-1]
    for load, expected in (
        (markets._load_fast, lambda code: code not in newest.reservations.unavailable_markets),
        (tax._load_fast, lambda code: code in newest.tax.inclusive_markets),
    ):
        table = load()
        assert len(table) == 3 * len(markets.markets())
        for market in markets.markets():
            answer = expected(market.code)
            assert table[market.code] is answer
            assert table[market.code.lower()] is answer
            assert table[market] is answer


def test_suggestion_pool_loader() -> None:
    """Unknown names get suggestions from English and French names: each a market code, named in the
    message's language when the error is raised."""
    pool, shown = markets._load_suggestions()
    assert pool == sorted(shown)
    assert len(pool) == len(set(pool)) > 400
    for key in pool:
        assert shown[key] and len(shown[key]) == len(set(shown[key]))
        assert all(code in markets._markets() for code in shown[key]), shown[key]
    assert "FR" in shown["france"]


def test_link_verdicts_follow_r5_and_r8_2() -> None:
    """(revoked, expired, exhausted) -> status, reasons, rule numbers: revoked > expired > exhausted."""
    table = links._verdicts()
    assert len(table) == 8
    names = {
        LinkStatus.REVOKED: "links.revoked",
        LinkStatus.EXPIRED: "links.expired",
        LinkStatus.EXHAUSTED: "links.exhausted",
    }
    rules = {
        LinkStatus.REVOKED: ("R8.2",),
        LinkStatus.EXPIRED: ("R5.2", "R5.3"),
        LinkStatus.EXHAUSTED: ("R5.2", "R5.3"),
    }
    for revoked in (False, True):
        for expired in (False, True):
            for exhausted in (False, True):
                states = [
                    s
                    for s, on in (
                        (LinkStatus.REVOKED, revoked),
                        (LinkStatus.EXPIRED, expired),
                        (LinkStatus.EXHAUSTED, exhausted),
                    )
                    if on
                ]
                status, reasons, numbers = table[revoked, expired, exhausted]
                if not states:
                    assert (status, reasons, numbers) == (LinkStatus.ACTIVE, ("links.active",), ("R5.2",))
                else:
                    assert status is states[0]
                    assert reasons == tuple(names[s] for s in states)
                    assert numbers == rules[states[0]]
    assert table == links._VERDICTS


def test_language_name_loaders() -> None:
    """R5.1: language, script and territory names in English and French (English first), and autonyms."""
    from babel import Locale

    loaded = links._load_language_names()
    en, fr = Locale("en"), Locale("fr")
    for code, name in en.languages.items():
        assert loaded.languages[links._name_key(name)] is not None
        del code
    assert loaded.languages[links._name_key(en.languages["de"])] == "de"
    assert loaded.languages[links._name_key(fr.languages["de"])] == "de"  # allemand
    assert loaded.scripts[links._name_key(en.scripts["Latn"])] == "Latn"
    assert loaded.territories[links._name_key(fr.territories["BE"])] == "BE"
    assert "001" not in loaded.territories.values() and "ZZ" not in loaded.territories.values()
    # English wins where the two languages name different things alike
    collisions = {links._name_key(n) for n in fr.languages.values()} & {
        links._name_key(n) for n in en.languages.values()
    }
    for key in collisions:
        english = [c for c, n in en.languages.items() if links._name_key(n) == key]
        assert loaded.languages[key] == english[0]
    autonyms = links._load_autonyms()
    assert autonyms[links._name_key("Deutsch")] == "de"
    assert autonyms[links._name_key("español")] == "es"
    assert autonyms[links._name_key("français")] == "fr"
    assert all("_" not in code and code != "root" for code in autonyms.values())


HEADER = "role\tlang\tname\tsource"


def _all_roles(skip: str = "") -> list[str]:
    rows = []
    for role in Role:
        for lang in ("en", "fr"):
            if f"{role.value}/{lang}" != skip:
                rows.append(f"{role.value}\t{lang}\t{role.value.replace('_', ' ')} {lang} name\tS")
    return rows


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (["# comment", "role\tlang\tname"], "roles/names.tsv: bad header on line 2"),
        (
            ["# c", HEADER, "admin_agent\ten\tAdmin agent"],
            "roles/names.tsv line 3: expected role, en|fr, name, source",
        ),
        (
            [HEADER, "admin_agent\tde\tVerwaltung\tS"],
            "roles/names.tsv line 2: expected role, en|fr, name, source",
        ),
        (
            [HEADER, "admin_agent\ten\tBoss\tS", "global_admin\ten\tboss\tS"],
            "roles/names.tsv line 3: 'boss' already names another role",
        ),
        (
            [HEADER, "admin_agent\ten\tGlobal_Admin\tS", *_all_roles()],
            "roles/names.tsv: a name collides with the identifier 'global_admin'",
        ),
        ([HEADER, *_all_roles(skip="admin_agent/fr")], "roles/names.tsv: no fr name for admin_agent"),
    ],
)
def test_role_names_loader_refuses_a_broken_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lines: list[str], message: str
) -> None:
    folder = tmp_path / "data" / "roles"
    folder.mkdir(parents=True)
    (folder / "names.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    monkeypatch.setattr(_role_names, "resources", SimpleNamespace(files=lambda package: tmp_path))
    with pytest.raises(RuntimeError) as info:
        _role_names._load_names()
    assert str(info.value) == message
