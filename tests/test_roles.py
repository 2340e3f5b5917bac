"""Roles (RULES.md R1.1-R1.4): parsing English and French role names, and authorize()."""

from __future__ import annotations

import csv
import pickle
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from csp_rules import (
    roles,
)
from csp_rules.errors import (
    CspRulesError,
    InvalidFieldError,
    UnknownRoleError,
)
from csp_rules.roles import (
    REASON_CODES,
    Action,
    Authorization,
    Role,
    authorize,
    is_permitted,
    normalize_role_name,
    parse_role,
    parse_roles,
    required_roles,
    role_name,
    role_names,
)
from csp_rules.rulesets import ruleset_from_dict, shipped_rulesets

S2018, S2020 = shipped_rulesets()[:2]

CASES = Path(__file__).parent / "cases" / "roles"

# RULES.md R1, written out independently of the rule-set files
R1 = {
    Action.GET_KEYS_AND_DOWNLOADS: {Role.ADMIN_AGENT},
    Action.CANCEL: {Role.ADMIN_AGENT},
    Action.VIEW_ACTIVITY_LOG: {
        Role.GLOBAL_ADMIN,
        Role.ACCOUNT_ADMIN,
        Role.REFERRAL_ADMIN,
        Role.MARKETING_CONTENT_ADMIN,
    },
    Action.BUY: {Role.ADMIN_AGENT, Role.GLOBAL_ADMIN},
}


def _table(name: str) -> list[dict[str, str]]:
    with (CASES / name).open(encoding="utf-8") as fh:
        return list(csv.DictReader((line for line in fh if not line.startswith("#")), delimiter="\t"))


AUTHORIZE_CASES = _table("authorize.tsv")
NAME_CASES = _table("names.tsv")


# --- case tables ----------------------------------------------------------------------------


def test_authorize_table_covers_every_role_action_and_language() -> None:
    seen = {(parse_role(row["role_name"]), row["lang"], Action(row["action"])) for row in AUTHORIZE_CASES}
    assert seen == {(r, lang, a) for r in Role for lang in ("en", "fr") for a in Action}


@pytest.mark.parametrize("rules", shipped_rulesets(), ids=lambda r: r.version)
@pytest.mark.parametrize(
    "row", AUTHORIZE_CASES, ids=lambda row: f"{row['lang']}-{row['role_name']}-{row['action']}"
)
def test_authorize_case_table(row: dict[str, str], rules: object) -> None:
    d = authorize([row["role_name"]], row["action"], rules=rules)  # type: ignore[arg-type]
    expected = row["permitted"] == "yes"
    assert d.allowed is expected
    assert d.outcome is (Authorization.PERMITTED if expected else Authorization.NOT_PERMITTED)
    assert d.reasons == (("roles.permitted",) if expected else ("roles.not_permitted",))
    assert d.rule_numbers == (row["rule"],)
    assert d.ruleset_version == rules.version  # type: ignore[attr-defined]
    assert d.roles == {parse_role(row["role_name"])}
    assert d.required == R1[Action(row["action"])]
    # the row's role name appears in the explanation in its own language
    assert row["role_name"] in d.explain(row["lang"])


@pytest.mark.parametrize("row", NAME_CASES, ids=lambda row: row["text"].strip())
def test_role_name_table(row: dict[str, str]) -> None:
    assert parse_role(row["text"]) is Role(row["role"])


# --- names data -----------------------------------------------------------------------------


def test_every_role_has_english_and_french_names() -> None:
    for role in Role:
        langs = {lang for lang, _ in role_names(role)}
        assert langs == {"en", "fr"}
        assert role_name(role, "en") != role_name(role, "fr")
        assert parse_role(role_name(role, "en")) is role
        assert parse_role(role_name(role, "fr")) is role
        assert parse_role(role.value) is role
        assert parse_role(role.name) is role


def test_names_file_has_a_source_header_and_no_collisions() -> None:
    path = Path(__import__("csp_rules").__file__).parent / "data" / "roles" / "names.tsv"
    text = path.read_text("utf-8")
    assert text.startswith("# ") and "Sources:" in text.splitlines()[1]
    keys: dict[str, str] = {}
    for line in text.splitlines():
        if line.startswith(("#", "role\t")):
            continue
        role, lang, name, source = line.split("\t")
        assert lang in ("en", "fr") and source
        key = normalize_role_name(name)
        assert keys.setdefault(key, role) == role, f"{name!r} names two roles"


def test_display_names_match_the_sources() -> None:
    assert role_name(Role.ADMIN_AGENT, "fr") == "Agent d'administration"
    assert role_name(Role.GLOBAL_ADMIN, "en") == "Global admin"
    assert role_name(Role.MARKETING_CONTENT_ADMIN, "fr") == "Administrateur du contenu marketing"
    assert role_name("referral_admin", "fr_CA") == "Administrateur de référence"


# --- parse_roles ----------------------------------------------------------------------------


def test_parse_roles_accepts_members_strings_and_empty() -> None:
    assert parse_roles([]) == frozenset()
    assert parse_roles(()) == frozenset()
    assert parse_roles([Role.SALES_AGENT, "Agent d'administration", "admin_agent"]) == {
        Role.SALES_AGENT,
        Role.ADMIN_AGENT,
    }
    assert parse_roles("Global admin") == {Role.GLOBAL_ADMIN}
    assert parse_roles(Role.BILLING_ADMIN) == {Role.BILLING_ADMIN}
    assert parse_roles(r for r in ["Billing admin"]) == {Role.BILLING_ADMIN}


def test_parse_roles_names_the_position_of_an_unknown_role() -> None:
    with pytest.raises(UnknownRoleError) as info:
        parse_roles(["Admin agent", "Global admn"])
    assert info.value.field == "roles[1]"
    assert info.value.value == "Global admn"
    assert info.value.suggestions[0] == "Global admin"


@pytest.mark.parametrize("bad", [None, 3, b"admin_agent", [1], [None], 2.5])
def test_wrong_types_are_type_errors(bad: object) -> None:
    with pytest.raises(TypeError):
        parse_roles(bad)  # type: ignore[arg-type]


# --- unknown names --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "suggestion"),
    [
        ("Admin agnet", "Admin agent"),
        ("Agent d'administation", "Admin agent"),
        ("Global admn", "Global admin"),
        ("administrateur genral", "Global admin"),
        ("Referal admin", "Referral admin"),
        ("Billing admn", "Billing admin"),
    ],
)
def test_unknown_role_suggests(text: str, suggestion: str) -> None:
    with pytest.raises(UnknownRoleError) as info:
        parse_role(text)
    err = info.value
    assert suggestion in err.suggestions
    assert err.value == text and err.field == "role" and err.code == "error.unknown_role"
    assert isinstance(err, CspRulesError) and isinstance(err, ValueError)
    again = pickle.loads(pickle.dumps(err))
    assert again.suggestions == err.suggestions and str(again) == str(err)


@pytest.mark.parametrize("text", ["", "   ", "none", "no role", "Root", "'", "admin", "x" * 121])
def test_unknown_role_is_an_error_never_no_role(text: str) -> None:
    with pytest.raises(UnknownRoleError):
        parse_role(text)
    with pytest.raises(UnknownRoleError):
        authorize([text], "buy")


def test_huge_strings_are_refused_without_work() -> None:
    for text in ("a" * 1_000_000, "Admin agent" + " " * 1_000_000 + "x", "é" * 500_000):
        with pytest.raises(UnknownRoleError) as info:
            parse_role(text)
        assert len(str(info.value)) < 300


@given(st.text(max_size=200))
def test_parse_role_returns_a_role_or_raises_unknown(text: str) -> None:
    try:
        role: Role | UnknownRoleError = parse_role(text)
    except UnknownRoleError as err:
        role = err
    if isinstance(role, UnknownRoleError):
        assert all(isinstance(s, str) for s in role.suggestions)
        assert len(role.suggestions) <= 3
    else:
        assert isinstance(role, Role)


_SEPARATORS = st.sampled_from([" ", "  ", "_", "-", "\t", "\u00a0"])


@given(
    st.sampled_from([(r, lang) for r in Role for lang in ("en", "fr")]),
    st.data(),
)
def test_names_match_whatever_the_case_accents_and_spacing(
    pick: tuple[Role, str], data: st.DataObject
) -> None:
    role, lang = pick
    name = role_name(role, lang)
    words = name.replace("'", " ' ").split()
    sep = data.draw(_SEPARATORS)
    variant = sep.join(words)
    variant = data.draw(st.sampled_from([variant, variant.upper(), variant.lower(), variant.title()]))
    if data.draw(st.booleans()):
        variant = "".join(c for c in unicodedata.normalize("NFKD", variant) if not unicodedata.combining(c))
    variant = variant.replace("'", data.draw(st.sampled_from(["'", "’", "ʼ", "`", " "])))
    padding = data.draw(st.sampled_from(["", " ", "\n"]))
    assert parse_role(padding + variant + padding) is role


# --- authorize ------------------------------------------------------------------------------


def test_empty_roles_are_never_permitted() -> None:
    for action in Action:
        d = authorize([], action)
        assert not d.allowed and d.outcome is Authorization.NOT_PERMITTED
        assert d.reasons == ("roles.not_permitted",)
        assert "(none)" in d.explain("en") and "(aucun)" in d.explain("fr")


@given(st.frozensets(st.sampled_from(list(Role))), st.sampled_from(list(Action)))
def test_authorize_agrees_with_rules_md(roles: frozenset[Role], action: Action) -> None:
    d = authorize(roles, action)
    assert d.allowed is bool(roles & R1[action])
    assert d.granting == roles & R1[action]
    assert is_permitted(roles, action) is d.allowed
    assert d.explain("en") and d.explain("fr")


@given(
    st.frozensets(st.sampled_from(list(Role))),
    st.frozensets(st.sampled_from(list(Role))),
    st.sampled_from(list(Action)),
)
def test_more_roles_never_take_a_permission_away(
    a: frozenset[Role], b: frozenset[Role], action: Action
) -> None:
    if authorize(a, action).allowed:
        assert authorize(a | b, action).allowed


def test_rules_default_is_the_newest_shipped_set_and_both_agree() -> None:
    old, new = shipped_rulesets()[0], shipped_rulesets()[-1]
    assert authorize(["Admin agent"], "cancel").ruleset_version == new.version
    for action in Action:
        assert required_roles(action, rules=old) == required_roles(action, rules=new) == R1[action]


def test_rule_set_permissions_are_data() -> None:
    custom = ruleset_from_dict(
        {
            "extends": "S2020",
            "version": "TEST-HELPDESK",
            "in_force_from": "2024-01-01",
            "roles": {"permissions": {"get_keys_and_downloads": ["admin_agent", "helpdesk_agent"]}},
        }
    )
    assert authorize(["Helpdesk agent"], "get_keys_and_downloads", rules=custom).allowed
    assert not authorize(["Helpdesk agent"], "get_keys_and_downloads").allowed
    # the merged table keeps the other actions
    assert authorize(["Admin agent"], "cancel", rules=custom).allowed


def test_an_action_without_roles_in_the_rule_set_is_not_permitted() -> None:
    base = shipped_rulesets()[-1].to_dict()
    base.update(version="TEST-NOBUY", in_force_from="2024-01-01")
    del base["roles"]["permissions"]["buy"]
    custom = ruleset_from_dict(base)
    d = authorize(list(Role), "buy", rules=custom)
    assert not d.allowed and d.reasons == ("roles.no_rule",)
    assert "TEST-NOBUY" in d.explain("en") and "TEST-NOBUY" in d.explain("fr")


def test_unknown_action_and_bad_rules() -> None:
    with pytest.raises(InvalidFieldError):
        authorize(["Admin agent"], "delete")
    with pytest.raises(TypeError):
        authorize(["Admin agent"], 3)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        authorize(["Admin agent"], "buy", rules="S2020")  # type: ignore[arg-type]


def test_decision_shape_explain_and_dict() -> None:
    d = authorize(["Global admin", "Sales agent"], "view_activity_log")
    assert d.explain("en") == (
        "Permitted: Global admin may view the activity log (roles allowed: Global admin, Account admin, "
        "Referral admin, Marketing content admin)."
    )
    assert d.explain("fr").startswith("Autorisé : pour consulter le journal d'activité")
    data = d.to_dict()
    assert data["outcome"] == "permitted" and data["allowed"] is True
    assert data["facts"]["roles"] == ["global_admin", "sales_agent"]
    assert data["facts"]["action"] == "view_activity_log"
    assert pickle.loads(pickle.dumps(d)) == d
    assert "Global admin" in d._repr_html_()


def test_reason_codes_declared() -> None:
    assert {"roles.permitted", "roles.not_permitted", "roles.no_rule"} == REASON_CODES


def test_import_does_no_work() -> None:
    code = (
        "import csp_rules.roles as r, csp_rules.links as l, csp_rules.activity as a, csp_rules.rulesets as s;"
        "import csp_rules._role_names as n;"
        "assert not n._NAMES.loaded and not l._NAMES.loaded and not l._AUTONYMS.loaded;"
        "assert not s._SHIPPED.loaded"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# --- details: wording, facts, defaults and limits a caller can observe ---


def test_role_suggestions_and_defaults() -> None:
    with pytest.raises(UnknownRoleError) as info:
        roles.parse_role("admin")
    assert info.value.suggestions == ("MPN partner admin", "Admin agent", "Global admin")
    with pytest.raises(UnknownRoleError) as info:
        roles.parse_role("agent")
    assert info.value.suggestions == ("Sales agent", "Admin agent")
    for role in Role:
        assert roles.role_name(role) == roles.role_name(role, "en")
