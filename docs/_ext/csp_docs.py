"""Sphinx directives that generate pages from the shipped data, so the docs cannot drift from it.

``.. ruleset-parameters::`` renders every parameter of every shipped rule set, side by side,
with its RULES.md number and description.
"""

from __future__ import annotations

from typing import Any

from docutils import nodes
from docutils.parsers.rst import Directive


def _table(header: list[str], rows: list[list[str]], widths: list[int]) -> nodes.table:
    table = nodes.table()
    group = nodes.tgroup(cols=len(header))
    table += group
    for width in widths:
        group += nodes.colspec(colwidth=width)
    thead = nodes.thead()
    group += thead
    thead += _row(header)
    tbody = nodes.tbody()
    group += tbody
    for row in rows:
        tbody += _row(row)
    return table


def _row(cells: list[str]) -> nodes.row:
    row = nodes.row()
    for text in cells:
        entry = nodes.entry()
        entry += nodes.paragraph(text=text)
        row += entry
    return row


class RulesetParameters(Directive):
    has_content = False

    def run(self) -> list[nodes.Node]:
        from csp_rules.rulesets import describe, shipped_rulesets

        sets = shipped_rulesets()
        described = [{p.path: p for p in describe(rs)} for rs in sets]
        paths: list[str] = []
        for d in described:
            for path in d:
                if path not in paths and not path.startswith("sources"):
                    paths.append(path)
        rows = []
        for path in paths:
            first = next(d[path] for d in described if path in d)
            values = [d[path].display if path in d else "—" for d in described]
            rows.append([path, first.rule or "—", *values, first.doc])
        header = ["parameter", "rule", *[rs.version for rs in sets], "meaning"]
        return [_table(header, rows, [22, 8, *[20] * len(sets), 30])]


def setup(app: Any) -> dict[str, Any]:
    app.add_directive("ruleset-parameters", RulesetParameters)
    return {"parallel_read_safe": True, "version": "1"}
