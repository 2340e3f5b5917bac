"""The audit report in words and as HTML: the summary, then the findings, sortable by status and amount.

Private; :meth:`csp_rules.audit.AuditReport.summary`, :meth:`~csp_rules.audit.AuditReport.to_html`
and ``_repr_html_`` call it. The page is one self-contained file (its style and its few lines of
script inline, nothing fetched), so a finance person can open it from a mail or a share.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final

from . import _expect, _text

if TYPE_CHECKING:
    from ._report import AuditReport

_WORDS: Final[dict[str, dict[str, str]]] = {
    "title": {"en": "Credit audit", "fr": "Contrôle des crédits"},
    "credits": {"en": "credit rows", "fr": "lignes de crédit"},
    "credit_one": {"en": "credit row", "fr": "ligne de crédit"},
    "not_judged": {"en": "Not judged", "fr": "Non jugé"},
    "row_of": {"en": "row {row} (from 0)", "fr": "enregistrement {row} (depuis 0)"},
    "status": {"en": "Status", "fr": "Statut"},
    "count": {"en": "Credits", "fr": "Crédits"},
    "errors": {
        "en": "could not be audited (see error_code)",
        "fr": "n'ont pas pu être contrôlées (voir error_code)",
    },
    "totals": {"en": "Totals per currency", "fr": "Totaux par devise"},
    "currency": {"en": "Currency", "fr": "Devise"},
    "credited": {"en": "Credited", "fr": "Crédité"},
    "expected": {"en": "Expected", "fr": "Attendu"},
    "difference": {"en": "Difference", "fr": "Écart"},
    "largest": {"en": "Largest differences", "fr": "Plus grands écarts"},
    "findings": {"en": "Findings", "fr": "Constats"},
    "row": {"en": "File, row (from 0)", "fr": "Fichier, enregistrement (depuis 0)"},
    "order": {"en": "Order", "fr": "Commande"},
    "product": {"en": "Product", "fr": "Produit"},
    "cancelled": {"en": "Cancelled", "fr": "Annulé le"},
    "version": {"en": "Rules", "fr": "Règles"},
    "explanation": {"en": "Explanation", "fr": "Explication"},
    "sort": {
        "en": "Click a column's title to sort by it",
        "fr": "Cliquez sur le titre d'une colonne pour trier",
    },
    "unseen": {
        "en": "Purchases cancelled without any credit row are not in these files as cancellations: they cannot be seen.",
        "fr": "Les achats annulés sans aucune ligne de crédit ne figurent pas comme annulations dans ces fichiers : ils ne peuvent pas être vus.",
    },
    "none": {"en": "no credit rows", "fr": "aucune ligne de crédit"},
}

_STATUS_RANK: Final = {s: i for i, s in enumerate(_expect.STATUSES)}

_STYLE: Final = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:1.5em;color:#222}
h1{font-size:1.4em}h2{font-size:1.1em;margin-top:1.4em}
table{border-collapse:collapse;margin:.4em 0}
th,td{border:1px solid #ccc;padding:.25em .5em;text-align:left;vertical-align:top}
th{background:#f2f2f2;white-space:nowrap}td.x{min-width:22em;max-width:40em}td.v{white-space:nowrap}td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
table.sortable th{cursor:pointer}table.sortable th:after{content:" \\2195";color:#999}
.s-ok{background:#e6f4ea}.s-ok_rounding{background:#eef7e0}.s-late_invoice{background:#fff4d6}
.s-wrong_amount,.s-over_credit,.s-credit_not_due{background:#fde2e1}
.s-unmatched_credit,.s-no_rule_stated,.s-support_request{background:#eceff4}.s-error{background:#f7d4f2}
p.note{color:#555;font-size:.9em}
"""

_SCRIPT: Final = """
document.querySelectorAll("table.sortable").forEach(function (table) {
  table.querySelectorAll("th").forEach(function (th, col) {
    th.addEventListener("click", function () {
      var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
      var numeric = th.dataset.type === "number", dir = th.dataset.dir === "asc" ? -1 : 1;
      th.dataset.dir = dir === 1 ? "asc" : "desc";
      rows.sort(function (a, b) {
        var x = a.cells[col].dataset.sort, y = b.cells[col].dataset.sort;
        if (x === undefined) { x = a.cells[col].textContent; y = b.cells[col].textContent; }
        if (numeric) { x = x === "" ? -Infinity : parseFloat(x); y = y === "" ? -Infinity : parseFloat(y); }
        return x < y ? -dir : x > y ? dir : 0;
      });
      rows.forEach(function (r) { body.appendChild(r); });
    });
  });
});
"""


def _w(key: str, lang: str) -> str:
    return _WORDS[key]["fr" if lang.startswith("fr") else "en"]


def _e(value: Any) -> str:
    return "" if value is None else html.escape(str(value))


def _short(source: str | None) -> str:
    """A source's file name without its folders (the whole name stays in the report's table)."""
    return "" if source is None else source.replace("\\", "/").rsplit("/", 1)[-1]


def _amount(value: Any, currency: str | None, lang: str) -> str:
    if value is None or currency is None:
        return ""
    return _text.money(value, currency, lang)


def _credit_rows(n: int, lang: str) -> str:
    from .._l10n import format_number, plural_form

    return (
        f"{format_number(n, lang)} {_w('credit_one' if plural_form(n, lang) == 'one' else 'credits', lang)}"
    )


def summary_text(
    report: AuditReport, lang: str, *, line_of: Callable[[str, int], int | None] | None = None
) -> str:
    """Counts per status, totals per currency, the five largest differences, as lines of text; a row
    is named ``file:line`` when ``line_of`` knows its line, else by its index in its table."""
    colon = " : " if lang.startswith("fr") else ": "
    lines = [f"{_w('title', lang)}{colon}{_credit_rows(len(report), lang)}"]
    for status, count in report.counts.items():
        lines.append(f"  {status:<17} {count:>8}")
    if report.errors:
        lines.append(f"  {'error':<17} {report.errors:>8}  {_w('errors', lang)}")
    if report.totals:
        lines.append(
            f"{_w('totals', lang)} ({_w('credited', lang)} / {_w('not_judged', lang)} / {_w('expected', lang)}"
            f" / {_w('difference', lang)}){colon.rstrip()}"
        )
        for t in report.totals.values():
            lines.append(
                f"  {t.currency}  {t.credited.format(lang)} / {t.not_judged.format(lang)} / "
                f"{t.expected.format(lang)} / {t.difference.format(lang)}"
            )
    largest = report.largest_differences()
    if largest:
        lines.append(f"{_w('largest', lang)}{colon.rstrip()}")
        for r in largest:
            line = line_of(r["source"], r["row"]) if line_of is not None else None
            where = (
                f"{r['source']}:{line}"
                if line
                else f"{r['source']}, {_w('row_of', lang).format(row=r['row'])}"
            )
            lines.append(
                f"  {where}  {r['order_id']}  {r['status']}  {_amount(r['difference'], r['currency'], lang)}"
            )
    return "\n".join(lines)


def _summary_html(report: AuditReport, lang: str) -> str:
    parts = [f"<p>{_e(_credit_rows(len(report), lang))}</p>"]
    parts.append(
        f'<table class="counts"><thead><tr><th>{_w("status", lang)}</th><th>{_w("count", lang)}</th></tr></thead><tbody>'
    )
    for status, count in report.counts.items():
        parts.append(f'<tr class="s-{status}"><td>{status}</td><td class="n">{count}</td></tr>')
    if report.errors:
        parts.append(f'<tr class="s-error"><td>error</td><td class="n">{report.errors}</td></tr>')
    parts.append("</tbody></table>")
    if report.totals:
        parts.append(f"<h2>{_e(_w('totals', lang))}</h2>")
        parts.append(
            f'<table class="totals"><thead><tr><th>{_e(_w("currency", lang))}</th><th>{_e(_w("count", lang))}</th>'
            f"<th>{_e(_w('credited', lang))}</th><th>{_e(_w('not_judged', lang))}</th>"
            f"<th>{_e(_w('expected', lang))}</th><th>{_e(_w('difference', lang))}</th>"
            "</tr></thead><tbody>"
        )
        for t in report.totals.values():
            parts.append(
                f'<tr><td>{_e(t.currency)}</td><td class="n">{t.credits}</td><td class="n">{_e(t.credited.format(lang))}</td>'
                f'<td class="n">{_e(t.not_judged.format(lang))}</td>'
                f'<td class="n">{_e(t.expected.format(lang))}</td><td class="n">{_e(t.difference.format(lang))}</td></tr>'
            )
        parts.append("</tbody></table>")
    largest = report.largest_differences()
    if largest:
        parts.append(f"<h2>{_e(_w('largest', lang))}</h2><table class=\"largest\"><thead><tr>"
                     f"<th>{_e(_w('row', lang))}</th><th>{_e(_w('order', lang))}</th><th>{_e(_w('status', lang))}</th>"
                     f"<th>{_e(_w('difference', lang))}</th></tr></thead><tbody>")  # fmt: skip
        for r in largest:
            parts.append(
                f"<tr><td>{_e(_short(r['source']))} #{r['row']}</td><td>{_e(r['order_id'])}</td><td>{_e(r['status'])}</td>"
                f'<td class="n">{_e(_amount(r["difference"], r["currency"], lang))}</td></tr>'
            )
        parts.append("</tbody></table>")
    return "".join(parts)


_COLUMNS: Final = (
    ("row", "text"), ("order", "text"), ("product", "text"), ("cancelled", "text"), ("version", "text"),
    ("status", "status"), ("credited", "number"), ("expected", "number"), ("difference", "number"),
    ("explanation", "text"),
)  # fmt: skip


def _findings_html(report: AuditReport, lang: str, limit: int | None) -> str:
    names = ["source", "row", "order_id", "product_name", "cancelled_on", "rules_version", "status", "currency",
             "credited", "expected", "difference", "explanation", "error_code"]  # fmt: skip
    table = report.arrow.select(names)
    if limit is not None:
        table = table.slice(0, limit)
    head = "".join(
        f'<th data-type="{"number" if kind in ("number", "status") else "text"}">{_e(_w(key, lang))}</th>'
        for key, kind in _COLUMNS
    )
    parts = [f'<table class="sortable findings"><thead><tr>{head}</tr></thead><tbody>']
    for r in table.to_pylist():
        status = r["status"] or "error"
        rank = _STATUS_RANK.get(status, len(_STATUS_RANK))
        cells = [
            f'<td data-sort="{_e(r["source"])}:{r["row"]:09d}">{_e(_short(r["source"]))} #{r["row"]}</td>',
            f"<td>{_e(r['order_id'])}</td>",
            f"<td>{_e(r['product_name'])}</td>",
            f'<td class="v">{_e(r["cancelled_on"])}</td>',
            f'<td class="v">{_e(r["rules_version"])}</td>',
            f'<td data-sort="{rank}">{_e(r["status"] or r["error_code"])}</td>',
        ]
        for key in ("credited", "expected", "difference"):
            value = r[key]
            cells.append(
                f'<td class="n" data-sort="{"" if value is None else value}">{_e(_amount(value, r["currency"], lang))}</td>'
            )
        cells.append(f'<td class="x">{_e(r["explanation"])}</td>')
        parts.append(f'<tr class="s-{status}">{"".join(cells)}</tr>')
    parts.append("</tbody></table>")
    return "".join(parts)


def page(report: AuditReport, lang: str) -> str:
    """The whole report as one self-contained HTML page."""
    code = "fr" if lang.startswith("fr") else "en"
    return (
        f'<!DOCTYPE html><html lang="{code}"><head><meta charset="utf-8">'
        f"<title>{_e(_w('title', lang))}</title><style>{_STYLE}</style></head><body>"
        f"<h1>{_e(_w('title', lang))}</h1>{_summary_html(report, lang)}"
        f'<h2>{_e(_w("findings", lang))}</h2><p class="note">{_e(_w("sort", lang))}. {_e(_w("unseen", lang))}</p>'
        f"{_findings_html(report, lang, None)}<script>{_SCRIPT}</script></body></html>"
    )


def fragment(report: AuditReport, lang: str) -> str:
    """What a notebook shows: the summary and the first 50 findings."""
    more = len(report) - 50
    tail = f"<p>… {more} more</p>" if more > 0 else ""
    return (
        f'<div class="csp-rules-audit"><strong>{_e(_w("title", lang))}</strong>'
        f"{_summary_html(report, lang)}{_findings_html(report, lang, 50)}{tail}</div>"
    )
