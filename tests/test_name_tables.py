"""Every name a vocabulary table accepts reads back to its member (issue 9; the mutation run found
alias tables whose entries no test read)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from csp_rules.activity import ActivityAction, ActivityEntry
from csp_rules.errors import InvalidFieldError

ACTIVITY_ACTIONS = {
    # R6: what an activity-log line records, as exports and the French dashboard write it
    "key_access": ActivityAction.KEY_ACCESS,
    "key": ActivityAction.KEY_ACCESS,
    "keys": ActivityAction.KEY_ACCESS,
    "key accessed": ActivityAction.KEY_ACCESS,
    "Accessed keys": ActivityAction.KEY_ACCESS,
    "software key access": ActivityAction.KEY_ACCESS,
    "Accès aux clés": ActivityAction.KEY_ACCESS,
    "download": ActivityAction.DOWNLOAD,
    "Downloaded": ActivityAction.DOWNLOAD,
    "software-download": ActivityAction.DOWNLOAD,
    "Téléchargement": ActivityAction.DOWNLOAD,
    "KEY_ACCESS": ActivityAction.KEY_ACCESS,
    "DOWNLOAD": ActivityAction.DOWNLOAD,
}


@pytest.mark.parametrize(("text", "action"), ACTIVITY_ACTIONS.items())
def test_activity_actions(text: str, action: ActivityAction) -> None:
    assert ActivityAction.parse(text) is action
    assert ActivityAction.parse(f"  {text.upper()} ") is action
    entry = ActivityEntry(
        user="a@b.c",
        action=text,
        at=datetime(2020, 3, 1, tzinfo=timezone.utc),
        product="SQL",
        customer="Contoso",
    )
    assert entry.action is action


@pytest.mark.parametrize("text", ["keys accessed", "upload", "", "clé", "download!"])
def test_other_words_are_not_actions(text: str) -> None:
    with pytest.raises(InvalidFieldError) as info:
        ActivityAction.parse(text, "action")
    assert info.value.field == "action"


def test_the_alias_table_itself() -> None:
    """The table the parser reads, called directly (the parser builds its lookup once per process)."""
    expected = {
        "key": ActivityAction.KEY_ACCESS,
        "keys": ActivityAction.KEY_ACCESS,
        "key_accessed": ActivityAction.KEY_ACCESS,
        "accessed_keys": ActivityAction.KEY_ACCESS,
        "software_key_access": ActivityAction.KEY_ACCESS,
        "downloaded": ActivityAction.DOWNLOAD,
        "software_download": ActivityAction.DOWNLOAD,
        "téléchargement": ActivityAction.DOWNLOAD,
        "accès_aux_clés": ActivityAction.KEY_ACCESS,
    }
    assert ActivityAction._aliases() == expected


def _alias_rows() -> list[dict[str, str]]:
    from importlib import resources

    text = (resources.files("csp_rules") / "data" / "markets" / "aliases.tsv").read_text("utf-8")
    lines = [line for line in text.split("\n") if line and not line.startswith("#")]
    head = lines[0].split("\t")
    return [dict(zip(head, line.split("\t"), strict=True)) for line in lines[1:]]


@pytest.mark.parametrize("row", _alias_rows(), ids=lambda r: f"{r['lang'] or '*'}:{r['name']}")
def test_every_market_alias_reads_back(row: dict[str, str]) -> None:
    """Every curated market alias (aliases.tsv) resolves to its market with its language and
    without; a name listed for several markets is ambiguous, with each of them as a candidate."""
    from csp_rules.errors import AmbiguousMarketError
    from csp_rules.markets import resolve

    codes = {r["iso2"] for r in _alias_rows() if r["name"] == row["name"] and r["lang"] == row["lang"]}
    for lang in {row["lang"] or None, None}:
        if len(codes) > 1:
            with pytest.raises(AmbiguousMarketError) as info:
                resolve(row["name"], lang=lang)
            assert codes <= set(info.value.candidates)
        else:
            assert resolve(row["name"], lang=lang).code == row["iso2"]
