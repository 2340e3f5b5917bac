"""Sphinx directives that generate pages from the shipped data, so the docs cannot drift from it.

* ``.. ruleset-parameters::`` every parameter of every shipped rule set, side by side, with its
  RULES.md number and description (read from :func:`csp_rules.rulesets.describe`).
* ``.. rules-catalog::`` every RULES.md number: what it says, the convention chosen, its source,
  the functions that encode it (checked to exist) and its rule-set parameters with their value in
  every shipped version. The per-rule text is ``docs/_data/rules.toml``; the parameters come from
  the rule-set data.
* ``.. ruleset-history::`` the chain of shipped versions (R11): a picture of the versions in force
  over time, with the uncertainty span and the verified-until date, and a table of what each changes.
* ``.. market-list-history::`` the dated versions of the reservation market list (R3.4), from the
  table shipped in the package, with what changed from one version to the next.
* ``.. reason-codes::`` every reason code with its English and French message (``[family]``).
* ``.. purchase-timeline::`` runs the Python code it holds (which must set ``timeline``) and shows
  the SVG drawing inline; ``:show-code:`` shows the code too.
* ``.. changelog::`` the project's ``CHANGELOG.md``, turned into reST.
* ``.. notebook-cell::`` Python code and what a notebook shows for its last expression
  (``_repr_svg_``, ``_repr_html_`` or ``repr``); the cells of a page share their variables.
* ``.. cli-run::`` each line is run as ``csp-rules`` arguments; the real output and exit status
  are shown. ``.. cli-help:: NAME`` shows a command's ``--help``.

A problem (a function named in ``rules.toml`` that does not exist, code that fails) is a Sphinx
warning, so the ``-W`` build fails on it.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Sequence
from importlib import import_module, resources
from pathlib import Path
from typing import Any

from docutils import nodes
from docutils.parsers.rst import Directive, directives
from docutils.statemachine import StringList
from sphinx.util import logging
from sphinx.util.nodes import nested_parse_with_titles

LOG = logging.getLogger(__name__)
_SPECIAL = re.compile(r"([\\`*_|<>\[\]])")
_NUMBER = re.compile(r"R(\d+)(?:\.(\d+))?")
_EXCLUSION = re.compile(r"^cancellation\.exclusions\[\d+\]\.")


def rst_escape(text: str) -> str:
    """Text shown as is in reST (no markup)."""
    return _SPECIAL.sub(r"\\\1", text)


def _list_table(header: Sequence[str], rows: Iterable[Sequence[str]], widths: Sequence[int]) -> list[str]:
    """A ``list-table`` in reST; cells are reST already."""
    out = [
        ".. list-table::",
        "   :header-rows: 1",
        f"   :widths: {' '.join(str(w) for w in widths)}",
        "   :class: csp-table",
        "",
    ]
    for cells in [list(header), *[list(r) for r in rows]]:
        for i, cell in enumerate(cells):
            lines = (cell or " ").splitlines() or [" "]
            out.append(f"   {'*' if i == 0 else ' '} - {lines[0]}")
            out.extend(f"       {line}" for line in lines[1:])
    out.append("")
    return out


def _parse(directive: Directive, lines: list[str], titles: bool = False) -> list[nodes.Node]:
    node = nodes.container()
    content = StringList(lines, source=f"<{directive.name}>")
    if titles:
        nested_parse_with_titles(directive.state, content, node)
    else:
        directive.state.nested_parse(content, directive.content_offset, node)
    return list(node.children)


def _warn(directive: Directive, message: str) -> None:
    env = directive.state.document.settings.env
    LOG.warning(message, location=(env.docname, directive.lineno))


# --- rule-set parameters ---------------------------------------------------------------------


def rule_numbers(text: str) -> set[str]:
    """``"R7.1, R7.3"`` -> {R7.1, R7.3}; ``"R1.1–R1.4"`` -> {R1.1, R1.2, R1.3, R1.4}."""
    found: set[str] = set()
    for piece in text.split(","):
        piece = piece.strip()
        if not piece:
            continue
        ends = re.split(r"\s*[–-]\s*", piece)
        if len(ends) == 2:
            a, b = _NUMBER.fullmatch(ends[0]), _NUMBER.fullmatch(ends[1])
            if a and b and a.group(1) == b.group(1) and a.group(2) and b.group(2):
                for sub in range(int(a.group(2)), int(b.group(2)) + 1):
                    found.add(f"R{a.group(1)}.{sub}")
                continue
        found.update(m.group(0) for m in _NUMBER.finditer(piece))
    return found


def _exclusions_summary(rules: Any) -> str:
    exclusions = rules.cancellation.exclusions
    if not exclusions:
        return "(none)"
    parts = []
    for e in exclusions:
        kinds = ", ".join(sorted(k.value for k in e.kinds))
        kinds = f"; kinds: {kinds}" if kinds else ""
        parts.append(
            f"{e.id} → {e.route.value}{kinds}; {len(e.match)} name patterns, {len(e.near)} near-miss patterns"
        )
    return "\n".join(parts)


def parameters_by_path(sets: Sequence[Any]) -> tuple[list[str], dict[str, dict[str, Any]]]:
    """Paths in order, and path -> {"rule", "doc", "values": [display per set]}; exclusions collapsed."""
    from csp_rules.rulesets import describe

    paths: list[str] = []
    info: dict[str, dict[str, Any]] = {}
    for index, rules in enumerate(sets):
        for p in describe(rules):
            if p.path.startswith(("sources", "version", "title", "in_force_from")):
                continue
            path = "cancellation.exclusions" if _EXCLUSION.match(p.path) else p.path
            if path not in info:
                paths.append(path)
                info[path] = {"rule": p.rule, "doc": p.doc, "values": ["—"] * len(sets)}
                if path == "cancellation.exclusions":
                    info[path]["doc"] = "products the cancellation steps do not apply to"
            if path == "cancellation.exclusions":
                info[path]["values"][index] = _exclusions_summary(rules)
            else:
                info[path]["values"][index] = p.display
    if "cancellation.exclusions" not in info:  # pragma: no cover - S2020 has exclusions
        paths.append("cancellation.exclusions")
        info["cancellation.exclusions"] = {"rule": "R7.3", "doc": "exclusions", "values": []}
    for index, rules in enumerate(sets):
        if not rules.cancellation.exclusions:
            info["cancellation.exclusions"]["values"][index] = "(none)"
    return paths, info


class RulesetParameters(Directive):
    has_content = False

    def run(self) -> list[nodes.Node]:
        from csp_rules.rulesets import shipped_rulesets

        sets = shipped_rulesets()
        paths, info = parameters_by_path(sets)
        rows = [
            [
                f"``{path}``",
                rst_escape(info[path]["rule"] or "—"),
                *[_value_cell(v) for v in info[path]["values"]],
                rst_escape(info[path]["doc"]),
            ]
            for path in paths
        ]
        header = ["parameter", "rule", *[rs.version for rs in sets], "meaning"]
        return _parse(self, _list_table(header, rows, [27, 8, *[23] * len(sets), 19]))


# --- the rules catalog -------------------------------------------------------------------------


def load_catalog(srcdir: Path) -> list[dict[str, Any]]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - the docs are built on 3.11+
        import tomli as tomllib
    with open(srcdir / "_data" / "rules.toml", "rb") as fh:
        data = tomllib.load(fh)
    rules: list[dict[str, Any]] = data["rule"]
    return rules


def _object(dotted: str) -> Any:
    module_name, _, attr = dotted.rpartition(".")
    module = import_module(module_name)
    return getattr(module, attr)


def _role(dotted: str) -> str:
    """A cross-reference showing ``module.name()`` (``csp_rules.`` left out)."""
    import inspect

    obj = _object(dotted)
    short = dotted.removeprefix("csp_rules.")
    if inspect.isclass(obj):
        return f":class:`{short} <{dotted}>`"
    return f":func:`{short}() <{dotted}>`"


def _value_cell(value: str) -> str:
    """A parameter value as reST: literal text, or a list when it has several lines."""
    if value in ("—", ""):
        return "—"
    lines = value.splitlines()
    if len(lines) > 1:
        return "\n".join(f"* {rst_escape(line)}" for line in lines)
    if "`" in value or value != value.strip():
        return rst_escape(value)
    return f"``{value}``"


class RulesCatalog(Directive):
    has_content = False

    def run(self) -> list[nodes.Node]:
        from csp_rules.rulesets import shipped_rulesets

        env = self.state.document.settings.env
        srcdir = Path(env.srcdir)
        env.note_dependency(str(srcdir / "_data" / "rules.toml"))
        sets = shipped_rulesets()
        paths, info = parameters_by_path(sets)
        by_rule: dict[str, list[str]] = {}
        for path in paths:
            for number in rule_numbers(info[path]["rule"]):
                by_rule.setdefault(number, []).append(path)
        lines: list[str] = []
        for rule in load_catalog(srcdir):
            number = rule["number"]
            top = "." not in number
            heading = f"{number} {rule['title']}"
            lines += [f".. _rule-{number.lower().replace('.', '-')}:", "", heading]
            lines += ["-" * len(heading) if top else "~" * len(heading), ""]
            lines += [f":What it says: {rule['says']}"]
            if rule.get("convention"):
                lines += [f":Convention: {rule['convention']}"]
            lines += [f":Source: {rule['source']}"]
            roles = []
            for dotted in rule.get("functions", []):
                try:
                    roles.append(_role(dotted))
                except (ImportError, AttributeError, ValueError) as exc:
                    _warn(self, f"rules.toml: {number} names {dotted!r}, which does not exist ({exc})")
            lines += [f":Encoded by: {', '.join(roles) if roles else '(nothing: an input)'}", ""]
            rule_paths = list(by_rule.get(number, []))
            for extra in rule.get("extra_parameters", []):
                if extra not in info:
                    _warn(self, f"rules.toml: {number} names the parameter {extra!r}, which does not exist")
                elif extra not in rule_paths:
                    rule_paths.append(extra)
            if rule_paths:
                rows = []
                for path in rule_paths:
                    values = [_value_cell(v) for v in info[path]["values"]]
                    rows.append([f"``{path}``\n\n{rst_escape(info[path]['doc'])}", *values])
                header = ["rule-set parameter", *[rs.version for rs in sets]]
                lines += _list_table(header, rows, [30, *[35] * len(sets)])
            else:
                lines += ["*No rule-set parameter: the rule is encoded in the functions above.*", ""]
        return _parse(self, lines, titles=True)


# --- the chain of versions (R11) ---------------------------------------------------------------


def history_rows(chain: Any) -> list[dict[str, Any]]:
    """One row per version of ``chain``: version, from, to (None: until further notice), changes,
    source, uncertainty span and verified-until date (the data ``csp-rules rules --history`` shows)."""
    rows = []
    for rules in chain:
        rows.append(
            {
                "version": rules.version,
                "from": rules.in_force_from,
                "to": chain.until(rules),
                "changes": list(rules.changes),
                "source": rules.sources[0].reference if rules.sources else "",
                "span": rules.uncertainty,
                "verified_until": rules.verified_until,
            }
        )
    return rows


#: the picture's geometry (px) and colours
_CHAIN_LEFT, _CHAIN_RIGHT, _CHAIN_TOP, _CHAIN_ROW = 118, 24, 52, 30
_CHAIN_COLOURS = ("#4e79a7", "#59a14f", "#9c755f", "#f28e2b", "#76b7b2", "#b07aa1", "#e15759")


def chain_svg(chain: Any, width: int = 960) -> str:
    """The chain as a picture: one bar per version from its first to its last day (an open end: until
    further notice), the uncertainty span hatched on its row (R11.3), and the verified-until date as a
    dashed line (R11.4). Pure SVG; text in DejaVu Sans, measured with the width table the purchase
    timelines use, so a label that does not fit its bar goes beside it."""
    from datetime import date, timedelta
    from xml.sax.saxutils import escape

    from csp_rules._svg_text import FONT_FAMILY, _text_width

    rows = history_rows(chain)
    first = date(rows[0]["from"].year, 1, 1)
    newest = max(
        [r["from"] for r in rows]
        + [r["verified_until"] for r in rows if r["verified_until"]]
        + [r["span"].end for r in rows if r["span"]]
    )
    last = date(newest.year + 3, 1, 1)
    span_days = (last - first).days
    plot = width - _CHAIN_LEFT - _CHAIN_RIGHT

    def x(day: date) -> float:
        return _CHAIN_LEFT + plot * (day - first).days / span_days

    uncertain_text = "change date uncertain (R11.3)"
    verified = ", ".join(r["verified_until"].isoformat() for r in rows if r["verified_until"])
    verified_text = f"verified against the sources until {verified} (R11.4)"
    one_line = 24 + _text_width(uncertain_text, 12) + 24 + 24 + _text_width(verified_text, 12)
    legend_lines = 1 if _CHAIN_LEFT + one_line <= width - 8 else 2
    top_of_rows = _CHAIN_TOP + 18 * (legend_lines - 1)
    bottom = top_of_rows + _CHAIN_ROW * len(rows)
    height = bottom + 28
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="{FONT_FAMILY}" font-size="12" role="img">',
        "<title>The dated versions of the rules (RULES.md R11)</title>",
        '<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="6" height="6" fill="#fff3c4"/>'
        '<line x1="0" y1="0" x2="0" y2="6" stroke="#c9a227" stroke-width="2"/></pattern></defs>',
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
    ]
    # the legend
    lx, ly = float(_CHAIN_LEFT), 22.0
    out.append(f'<rect x="{lx}" y="{ly - 10}" width="18" height="12" fill="url(#hatch)" stroke="#c9a227"/>')
    out.append(f'<text x="{lx + 24}" y="{ly}">{uncertain_text}</text>')
    if legend_lines == 1:
        lx += 24 + _text_width(uncertain_text, 12) + 24
    else:
        ly += 18
    out.append(
        f'<line x1="{lx}" y1="{ly - 4}" x2="{lx + 18}" y2="{ly - 4}" stroke="#d62728" '
        'stroke-width="1.5" stroke-dasharray="5,3"/>'
    )
    out.append(f'<text x="{lx + 24}" y="{ly}">{escape(verified_text)}</text>')
    # the years, then the verified-until lines, behind the bars and their labels
    for year in range(first.year, last.year + 1):
        gx = x(date(year, 1, 1))
        out.append(
            f'<line x1="{gx:.1f}" y1="{top_of_rows - 6}" x2="{gx:.1f}" y2="{bottom}" stroke="#e3e3e3"/>'
        )
        out.append(f'<text x="{gx:.1f}" y="{bottom + 16}" text-anchor="middle" fill="#555">{year}</text>')
    for row in rows:
        if row["verified_until"] is not None:
            vx = x(row["verified_until"])
            out.append(
                f'<line x1="{vx:.1f}" y1="{top_of_rows - 6}" x2="{vx:.1f}" y2="{bottom}" '
                'stroke="#d62728" stroke-width="1.5" stroke-dasharray="5,3"/>'
            )
    for i, row in enumerate(rows):
        top = top_of_rows + _CHAIN_ROW * i
        colour = _CHAIN_COLOURS[i % len(_CHAIN_COLOURS)]
        start = x(row["from"])
        end = x(last) if row["to"] is None else x(row["to"] + timedelta(days=1))
        out.append(
            f'<text x="{_CHAIN_LEFT - 8}" y="{top + 19}" text-anchor="end" font-weight="bold">'
            f"{escape(row['version'])}</text>"
        )
        if row["span"] is not None:
            a, b = x(row["span"].start), x(row["span"].end + timedelta(days=1))
            out.append(
                f'<rect x="{a:.1f}" y="{top + 3}" width="{b - a:.1f}" height="{_CHAIN_ROW - 6}" '
                'fill="url(#hatch)" stroke="#c9a227"/>'
            )
        fill = colour
        if row["to"] is None:  # in force until further notice: the bar fades out
            out.append(
                f'<defs><linearGradient id="open{i}"><stop offset="0.7" stop-color="{colour}"/>'
                f'<stop offset="1" stop-color="{colour}" stop-opacity="0.1"/></linearGradient></defs>'
            )
            fill = f"url(#open{i})"
        out.append(
            f'<rect x="{start:.1f}" y="{top + 7}" width="{max(end - start, 2):.1f}" '
            f'height="{_CHAIN_ROW - 14}" rx="3" fill="{fill}"/>'
        )
        label = row["from"].isoformat() + ("" if row["to"] is not None else " → until further notice")
        size = 11
        if _text_width(label, size) <= (end - start) * (0.7 if row["to"] is None else 1) - 8:
            out.append(
                f'<text x="{start + 4:.1f}" y="{top + 19}" font-size="{size}" fill="#ffffff">{label}</text>'
            )
        elif end + 4 + _text_width(label, size) <= width - 4:
            out.append(
                f'<text x="{end + 4:.1f}" y="{top + 19}" font-size="{size}" fill="#333">{label}</text>'
            )
        else:  # no room inside or on the right: on the left of the bar
            out.append(
                f'<text x="{start - 4:.1f}" y="{top + 19}" font-size="{size}" text-anchor="end" '
                f'fill="#333">{label}</text>'
            )
    out.append("</svg>")
    return "\n".join(out)


class RulesetHistory(Directive):
    """The chain of shipped versions: a picture (:func:`chain_svg`) and a table of what each changes."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        from csp_rules.rulesets import shipped_chain

        chain = shipped_chain()
        result: list[nodes.Node] = [
            nodes.raw("", f'<div class="csp-timeline">{chain_svg(chain)}</div>', format="html")
        ]
        rows = []
        for row in history_rows(chain):
            to = "until further notice" if row["to"] is None else row["to"].isoformat()
            notes = []
            if row["span"] is not None:
                span = row["span"]
                notes.append(
                    f"change date uncertain: {span.start.isoformat()} to {span.end.isoformat()} (R11.3). "
                    + span.note
                )
            if row["verified_until"] is not None:
                notes.append(
                    f"verified against the sources until {row['verified_until'].isoformat()} (R11.4)"
                )
            changes = "\n".join(f"* {rst_escape(c)}" for c in row["changes"])
            rows.append(
                [
                    f"**{row['version']}**",
                    f"{row['from'].isoformat()} to {to}",
                    changes + ("\n\n" + "\n\n".join(rst_escape(n) for n in notes) if notes else ""),
                    rst_escape(row["source"]),
                ]
            )
        lines = _list_table(["version", "in force", "what changes", "source"], rows, [12, 16, 48, 24])
        result.extend(_parse(self, lines))
        return result


# --- the market list history -----------------------------------------------------------------


def market_list_versions() -> list[dict[str, Any]]:
    text = (resources.files("csp_rules") / "data" / "markets" / "market_list_versions.tsv").read_text("utf-8")
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    header = lines[0].split("\t")
    rows = []
    for line in lines[1:]:
        row = dict(zip(header, line.split("\t"), strict=True))
        row["codes"] = [c for c in row["iso2_codes"].split(",") if c]
        rows.append(row)
    return rows


class MarketListHistory(Directive):
    has_content = False

    def run(self) -> list[nodes.Node]:
        from csp_rules.rulesets import shipped_rulesets

        used: dict[tuple[str, str], list[str]] = {}
        for rs in shipped_rulesets():
            key = (rs.reservations.list_docs, rs.reservations.list_first_seen.isoformat())
            used.setdefault(key, []).append(rs.version)
        lines: list[str] = []
        versions = market_list_versions()
        families = sorted(
            {v["docs"] for v in versions}, key=lambda d: (d != "dashboard", d)
        )  # rule sets' first
        for docs in families:
            rows = []
            previous: list[str] | None = None
            for v in sorted((v for v in versions if v["docs"] == docs), key=lambda v: v["first_seen"]):
                codes = v["codes"]
                if previous is None:
                    change = "first version: " + " ".join(codes) if len(codes) <= 20 else "first version"
                else:
                    added = sorted(set(codes) - set(previous))
                    removed = sorted(set(previous) - set(codes))
                    parts = []
                    if added:
                        parts.append(f"added {len(added)}: {' '.join(added)}")
                    if removed:
                        parts.append(f"removed {len(removed)}: {' '.join(removed)}")
                    change = "; ".join(parts) or "no change"
                versions_using = ", ".join(used.get((docs, v["first_seen"]), [])) or " "
                rows.append(
                    [
                        v["first_seen"],
                        str(len(codes)),
                        rst_escape(change),
                        versions_using,
                        f"``{v['source']}``",
                    ]
                )
                previous = codes
            lines += [f"**{docs}** documentation", ""]
            lines += _list_table(
                ["first seen", "count", "change", "rule set", "source"], rows, [12, 8, 42, 9, 29]
            )
        return _parse(self, lines)


# --- reason codes --------------------------------------------------------------------------------


class ReasonCodes(Directive):
    has_content = False
    optional_arguments = 1

    def run(self) -> list[nodes.Node]:
        from csp_rules.decision import messages

        family = self.arguments[0] if self.arguments else None
        rows = []
        for code, texts in sorted(messages().items()):
            if family is not None and not code.startswith(family + "."):
                continue
            rows.append([f"``{code}``", rst_escape(texts["en"]), rst_escape(texts["fr"])])
        if not rows:
            _warn(self, f"reason-codes: no reason code in family {family!r}")
        return _parse(self, _list_table(["reason code", "English", "French"], rows, [20, 40, 40]))


# --- the purchase timeline ---------------------------------------------------------------------


class PurchaseTimeline(Directive):
    has_content = True
    option_spec = {"width": directives.positive_int, "show-code": directives.flag}  # noqa: RUF012

    def run(self) -> list[nodes.Node]:
        code = "\n".join(self.content)
        namespace: dict[str, Any] = {}
        try:
            exec(
                compile(code, f"<purchase-timeline in {self.state.document.current_source}>", "exec"),
                namespace,
            )
            svg = namespace["timeline"].to_svg(width=self.options.get("width", 720))
        except Exception as exc:
            _warn(self, f"purchase-timeline: the code failed: {type(exc).__name__}: {exc}")
            return []
        result: list[nodes.Node] = []
        if "show-code" in self.options:
            block = nodes.literal_block(code, code)
            block["language"] = "python"
            result.append(block)
        result.append(nodes.raw("", f'<div class="csp-timeline">{svg}</div>', format="html"))
        return result


# --- notebook cells and command-line runs ------------------------------------------------------


class NotebookCell(Directive):
    """Python code run as a notebook cell: the code, then what a notebook shows for its last expression
    (``_repr_svg_``, ``_repr_html_``, else ``repr``). Cells of one page share their variables."""

    has_content = True

    def run(self) -> list[nodes.Node]:
        import ast

        env = self.state.document.settings.env
        namespace: dict[str, Any] = env.temp_data.setdefault("csp_cell_namespace", {})
        code = "\n".join(self.content)
        block = nodes.literal_block(code, code)
        block["language"] = "python"
        try:
            tree = ast.parse(code)
            last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
            exec(compile(tree, "<notebook-cell>", "exec"), namespace)
            value = None
            if last is not None:
                expression = ast.Expression(last.value)  # type: ignore[attr-defined]
                value = eval(compile(expression, "<notebook-cell>", "eval"), namespace)
        except Exception as exc:
            _warn(self, f"notebook-cell: the code failed: {type(exc).__name__}: {exc}")
            return [block]
        if value is None:
            return [block]
        for method in ("_repr_svg_", "_repr_html_"):
            render = getattr(value, method, None)
            if render is not None:
                html = f'<div class="csp-output">{render()}</div>'
                return [block, nodes.raw("", html, format="html")]
        text = repr(value)
        return [block, nodes.literal_block(text, text)]


class CliRun(Directive):
    """Runs each line of its content as ``csp-rules`` arguments and shows the real output and status."""

    has_content = True

    def run(self) -> list[nodes.Node]:
        import contextlib
        import io
        import shlex

        from csp_rules.cli import main

        shown: list[str] = []
        for line in self.content:
            if not line.strip():
                continue
            out, err = io.StringIO(), io.StringIO()
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                try:
                    status = main(shlex.split(line))
                except SystemExit as exc:
                    status = int(exc.code or 0)
            if status not in (0, 1, 2):
                _warn(self, f"cli-run: csp-rules {line} exited with {status}")
            shown.append(f"$ csp-rules {line}")
            shown.extend((out.getvalue() + err.getvalue()).rstrip("\n").splitlines())
            shown.append(f"$ echo $?\n{status}")
            shown.append("")
        text = "\n".join(shown).rstrip("\n")
        block = nodes.literal_block(text, text)
        block["language"] = "console"
        return [block]


class CliHelp(Directive):
    """The ``--help`` text of a ``csp-rules`` command, as the command prints it."""

    required_arguments = 1

    def run(self) -> list[nodes.Node]:
        import argparse
        import os

        from csp_rules.cli import build_parser

        parser = build_parser()
        name = self.arguments[0]
        actions = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        try:
            command = actions[0].choices[name]
        except (IndexError, KeyError):
            _warn(self, f"cli-help: no csp-rules command {name!r}")
            return []
        previous = os.environ.get("COLUMNS")
        os.environ["COLUMNS"] = "100"
        try:
            text = command.format_help()
        finally:
            if previous is None:
                del os.environ["COLUMNS"]
            else:
                os.environ["COLUMNS"] = previous
        block = nodes.literal_block(text, text)
        block["language"] = "text"
        return [block]


# --- the changelog -----------------------------------------------------------------------------

_MD_LINK = re.compile(r"\[([^\]]+)\]\(([^)]+)\)")
_MD_CODE = re.compile(r"`([^`]+)`")


def markdown_to_rst(text: str) -> list[str]:
    """The small Markdown of CHANGELOG.md (headings, bullets, paragraphs, code, links) as reST."""
    out: list[str] = []
    for line in text.splitlines():
        stripped = line.rstrip()
        if stripped.startswith("# "):
            continue  # the page has its own title
        heading = re.match(r"^(#{2,4}) (.*)$", stripped)
        if heading:
            title = _inline(heading.group(2))
            underline = {2: "-", 3: "~", 4: "^"}[len(heading.group(1))]
            out += ["", title, underline * max(len(title), 3), ""]
            continue
        out.append(_inline(stripped))
    return out


def _inline(text: str) -> str:
    text = _MD_CODE.sub(lambda m: f"``{m.group(1)}``", text)
    return _MD_LINK.sub(lambda m: f"`{m.group(1)} <{m.group(2)}>`__", text)


class Changelog(Directive):
    has_content = False

    def run(self) -> list[nodes.Node]:
        env = self.state.document.settings.env
        path = Path(env.srcdir).parent / "CHANGELOG.md"
        env.note_dependency(str(path))
        return _parse(self, markdown_to_rst(path.read_text("utf-8")), titles=True)


def setup(app: Any) -> dict[str, Any]:
    app.add_directive("ruleset-parameters", RulesetParameters)
    app.add_directive("rules-catalog", RulesCatalog)
    app.add_directive("market-list-history", MarketListHistory)
    app.add_directive("ruleset-history", RulesetHistory)
    app.add_directive("reason-codes", ReasonCodes)
    app.add_directive("purchase-timeline", PurchaseTimeline)
    app.add_directive("changelog", Changelog)
    app.add_directive("notebook-cell", NotebookCell)
    app.add_directive("cli-run", CliRun)
    app.add_directive("cli-help", CliHelp)
    app.add_css_file("csp_docs.css")
    return {"parallel_read_safe": True, "version": "2"}
