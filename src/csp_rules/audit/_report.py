"""The audit's report: one row per credit, totals per currency, counts per status, and its pictures.

Private; :class:`AuditReport` is public through :mod:`csp_rules.audit`.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from datetime import date
from decimal import Context, Decimal, localcontext
from typing import Any, Final, NamedTuple

import pyarrow as pa
import pyarrow.compute as pc

from .. import _l10n, decision
from ..errors import InvalidFieldError
from ..facts import Money
from . import _expect

_AMOUNT: Final = pa.decimal128(38, 4)
_WIDE: Final = Context(prec=200, Emax=10**6, Emin=-(10**6))

#: the columns of :attr:`AuditReport.arrow`, in order
REPORT_SCHEMA: Final = pa.schema(
    [
        pa.field("source", pa.string()),
        pa.field("row", pa.int64()),
        pa.field("order_id", pa.string()),
        pa.field("line", pa.string()),
        pa.field("charge_type", pa.string()),
        pa.field("cancelled_on", pa.date32()),
        pa.field("invoice_number", pa.string()),
        pa.field("invoice_date", pa.date32()),
        pa.field("purchase_source", pa.string()),
        pa.field("purchase_row", pa.int64()),
        pa.field("product_name", pa.string()),
        pa.field("kind", pa.string()),
        pa.field("purchased_on", pa.date32()),
        pa.field("rules_version", pa.string()),
        pa.field("currency", pa.string()),
        pa.field("quantity", pa.int64()),
        pa.field("paid", _AMOUNT),
        pa.field("credited", _AMOUNT),
        pa.field("expected", _AMOUNT),
        pa.field("line_half_up", _AMOUNT),
        pa.field("unit_down", _AMOUNT),
        pa.field("rounding", pa.string()),
        pa.field("difference", _AMOUNT),
        pa.field("expected_invoice", pa.date32()),
        pa.field("status", pa.string()),
        pa.field("reasons", pa.string()),
        pa.field("rule_numbers", pa.string()),
        pa.field("explanation", pa.string()),
        pa.field("error_code", pa.string()),
        pa.field("error_message", pa.string()),
    ]
)

#: the names of :data:`REPORT_SCHEMA`
REPORT_COLUMNS: Final = tuple(REPORT_SCHEMA.names)


class Totals(NamedTuple):
    """The sums of one currency: ``credited`` (every credit row), ``not_judged`` (the part of it no
    rule judged: unmatched, no rule stated, support requests), ``expected`` and ``difference`` (the
    rows judged: a credit not due expects 0), so that ``credited - not_judged - expected ==
    difference``."""

    currency: str
    credits: int
    credited: Money
    not_judged: Money
    expected: Money
    difference: Money


_FIELDS: Final = ("product_name", "kind", "purchased_on", "version", "paid", "credited", "currency", "quantity",
                   "expected", "line_half_up", "unit_down", "rounding", "difference", "expected_invoice",
                   "status")  # fmt: skip


def _fields_of(findings: Sequence[_expect.Finding]) -> dict[str, list[Any]]:
    """The report columns the findings hold (amounts the columnar path knows as units of 0.0001)."""
    at = [_expect.Finding._fields.index(name) for name in _FIELDS]
    if not findings:
        return {("rules_version" if name == "version" else name): [] for name in _FIELDS}
    pick = operator.itemgetter(*at)
    rows = [pick(f) for f in findings]
    found = {name: list(values) for name, values in zip(_FIELDS, zip(*rows, strict=True), strict=True)}
    known = [f.units for f in findings]
    if any(u is not None for u in known):
        for k, name in enumerate(_AMOUNTS):
            found[name] = [v if u is None else u[k] for v, u in zip(found[name], known, strict=True)]
    found["rules_version"] = found.pop("version")
    return found


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)


class AuditReport:
    """What :func:`csp_rules.audit.audit` found: :attr:`table` (one row per credit row, of the input's
    kind), :attr:`arrow` (the same as a :class:`pyarrow.Table`), :attr:`counts` per status,
    :attr:`errors` (rows that could not be audited), :attr:`totals` per currency, and
    :meth:`largest_differences`; :meth:`to_html` writes a self-contained page, which notebooks show."""

    def __init__(self, arrow: pa.Table, kind: str, lang: str, billing_day: int | None) -> None:
        self.arrow = arrow
        self.kind = kind
        self.lang = lang
        self.billing_day = billing_day
        self.table: Any = _as_kind(arrow, kind)
        statuses = arrow.column("status").to_pylist()
        counts = {s: 0 for s in _expect.STATUSES}
        errors = 0
        for s in statuses:
            if s is None:
                errors += 1
            else:
                counts[s] += 1
        #: credits per status, in the order of :data:`~csp_rules.audit.STATUSES` (statuses present only)
        self.counts: dict[str, int] = {s: n for s, n in counts.items() if n}
        #: credit rows that could not be audited (their ``error_code`` says why)
        self.errors = errors
        self.totals: dict[str, Totals] = _totals(arrow)

    def __len__(self) -> int:
        return int(self.arrow.num_rows)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, AuditReport):
            return NotImplemented
        return (self.kind, self.lang, self.billing_day) == (
            other.kind,
            other.lang,
            other.billing_day,
        ) and bool(self.arrow.equals(other.arrow, check_metadata=True))

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        shown = ", ".join(f"{s} {n}" for s, n in self.counts.items()) or "no credits"
        return f"<AuditReport {len(self)} credits: {shown}{f', {self.errors} errors' if self.errors else ''}>"

    @classmethod
    def _build(
        cls,
        *,
        kind: str,
        first: Any,
        findings: Sequence[_expect.Finding],
        sources: list[str],
        row_numbers: list[int],
        order_ids: list[Any],
        lines: list[str | None],
        charge_types: list[Any],
        cancelled: list[date | None],
        invoice_numbers: list[Any],
        invoices: list[date | None],
        purchase_sources: list[str | None],
        purchase_rows: list[int | None],
        lang: str,
        billing_day: int | None,
    ) -> AuditReport:
        """The report of findings, one per credit row in input order."""
        explanations: list[str | None] = []
        codes: list[str | None] = []
        messages: list[str | None] = []
        for f in findings:
            if f.error is not None:
                explanations.append(decision.error_message(f.error, lang))
                codes.append(f.error.code)
                messages.append(str(f.error).replace("\n", " "))
            else:
                explanations.append(_expect.sentence(f, lang))
                codes.append(None)
                messages.append(None)
        columns: dict[str, list[Any]] = {
            "source": sources,
            "row": row_numbers,
            "order_id": [_text(v) for v in order_ids],
            "line": lines,
            "charge_type": [_text(v) for v in charge_types],
            "cancelled_on": cancelled,
            "invoice_number": [_text(v) for v in invoice_numbers],
            "invoice_date": invoices,
            "purchase_source": purchase_sources,
            "purchase_row": purchase_rows,
            **_fields_of(findings),
            "reasons": [" ".join(f.reasons) if f.error is None else None for f in findings],
            "rule_numbers": [
                " ".join(dict.fromkeys(f.rule_numbers)) if f.error is None else None for f in findings
            ],
            "explanation": explanations,
            "error_code": codes,
            "error_message": messages,
        }
        arrays = [
            _decimals(columns[field.name])
            if field.type == _AMOUNT
            else _dates(columns[field.name])
            if field.type == _DATE
            else pa.array(columns[field.name], field.type)
            for field in REPORT_SCHEMA
        ]
        return cls(pa.Table.from_arrays(arrays, schema=REPORT_SCHEMA), kind, lang, billing_day)

    def largest_differences(self, k: int = 5) -> list[dict[str, Any]]:
        """The ``k`` credit rows whose ``difference`` is largest in magnitude (ties: the first rows)."""
        if isinstance(k, bool) or not isinstance(k, int):
            raise TypeError(f"k: expected an int, got {type(k).__name__}")
        if k < 0:
            raise InvalidFieldError(f"k: a number of rows is 0 or more (got {k})", field="k", value=k)
        import numpy as np

        difference = self.arrow.column("difference")
        size = np.asarray(pc.fill_null(pc.cast(pc.abs(difference), pa.float64()), 0.0).combine_chunks())
        candidates = np.flatnonzero(size > 0)
        # the few largest by their float size, then exactly (in row order among equals)
        order = candidates[np.argsort(-size[candidates], kind="stable")][: max(4 * k, 32)]
        names = ["source", "row", "order_id", "status", "currency", "credited", "expected", "difference"]
        rows: list[dict[str, Any]] = (
            self.arrow.select(names).take(pa.array(np.sort(order), pa.int64())).to_pylist()
        )
        rows.sort(key=lambda r: -abs(r["difference"]))
        return rows[:k]

    def summary(
        self, lang: str | None = None, *, line_of: Callable[[str, int], int | None] | None = None
    ) -> str:
        """The summary in words: counts per status, totals per currency, the five largest differences.

        ``line_of(source, row)`` gives the line of a row in its file as an editor shows it (the CLI
        passes one); without it, rows are named by their index in their table, counted from 0."""
        from ._html import summary_text

        with localcontext(_WIDE):
            return summary_text(self, _lang(lang, self.lang), line_of=line_of)

    def to_html(self, lang: str | None = None) -> str:
        """One self-contained HTML page: the summary, then the findings (sortable by status and amount)."""
        from ._html import page

        with localcontext(_WIDE):
            return page(self, _lang(lang, self.lang))

    def _repr_html_(self) -> str:
        from ._html import fragment

        with localcontext(_WIDE):
            return fragment(self, self.lang)


_LIMIT: Final = 2**63 - 1
_NONE: Final = type(None)
_UNITS_ONLY: Final = frozenset({int, _NONE})
_AMOUNTS: Final = ("paid", "credited", "expected", "line_half_up", "unit_down", "difference")
_DATE: Final = pa.date32()
_ORDINAL_1970: Final = date(1970, 1, 1).toordinal()


def _dates(values: list[Any]) -> pa.Array:
    """A ``date32`` column, built from the days' ordinals (``pa.array`` of dates is slow: ~5 µs each)."""
    if not all(type(v) is date for v in values if v is not None):
        return pa.array(values, _DATE)
    days = [None if v is None else v.toordinal() - _ORDINAL_1970 for v in values]
    return pa.array(days, pa.int32()).cast(_DATE)


def _as_decimals(values: list[Decimal | int | None]) -> list[Decimal | None]:
    """The values as Decimals (an int is a number of units of 0.0001)."""
    return [Decimal(v).scaleb(-4) if type(v) is int else v for v in values]  # type: ignore[misc]


def _decimals(values: list[Decimal | int | None]) -> pa.Array:
    """A ``decimal128(38, 4)`` column, built from its 64-bit units (``pa.array`` of Decimals is slow: ~8 µs
    each); values past 64 bits or with more than 4 decimals go through ``pa.array``. An int is a number of
    units of 0.0001 (the columnar path knows them)."""
    import numpy as np

    n = len(values)
    kinds = set(map(type, values))
    if n and kinds <= _UNITS_ONLY:  # the columnar path's units (and nulls): no Python loop
        valid_mask = np.array([v is not None for v in values], dtype=np.bool_) if _NONE in kinds else None
        try:
            units = np.array(values if valid_mask is None else [v or 0 for v in values], dtype=np.int64)
        except OverflowError:
            return pa.array(_as_decimals(values), _AMOUNT)
        if int(units.min()) < -_LIMIT:
            return pa.array(_as_decimals(values), _AMOUNT)
        return _from_units(units, valid_mask)
    whole: list[int] = [0] * n
    valid = [True] * n
    for i, v in enumerate(values):
        if v is None:
            valid[i] = False
        elif type(v) is int:  # already in units of 0.0001 (the columnar path's)
            whole[i] = v
        else:
            scaled = v.scaleb(4)  # type: ignore[union-attr]
            whole[i] = int(scaled)
            if whole[i] != scaled:
                return pa.array(_as_decimals(values), _AMOUNT)
    if n and not -_LIMIT <= min(whole) <= max(whole) <= _LIMIT:
        return pa.array(_as_decimals(values), _AMOUNT)
    units = np.array(whole, dtype=np.int64) if n else np.zeros(0, dtype=np.int64)
    return _from_units(units, np.array(valid, dtype=np.bool_))


def _from_units(units: Any, valid_mask: Any) -> pa.Array:
    """The ``decimal128(38, 4)`` column of 64-bit units (``valid_mask`` None: no nulls)."""
    import numpy as np

    n = len(units)
    if valid_mask is None:
        valid_mask = np.ones(n, dtype=np.bool_)
    words = np.empty((n, 2), dtype=np.int64)
    words[:, 0] = units
    words[:, 1] = np.where(units < 0, -1, 0)
    validity = None if valid_mask.all() else pa.py_buffer(np.packbits(valid_mask, bitorder="little"))
    return pa.Array.from_buffers(
        _AMOUNT, n, [validity, pa.py_buffer(words.tobytes())], null_count=int(n - valid_mask.sum())
    )


def _lang(lang: Any, default: str) -> str:
    """A language asked for (checked: English or French), else the report's."""
    if lang is None:
        return default
    _l10n.babel_locale(lang)  # TypeError or UnsupportedLocaleError
    return str(lang)


def _totals(arrow: pa.Table) -> dict[str, Totals]:
    """Sums per currency, by Arrow's exact decimal sums (a credit without a currency is in none)."""
    rows = arrow.filter(pc.is_valid(arrow.column("currency")))
    if not rows.num_rows:
        return {}
    unjudged = pc.if_else(pc.is_null(rows.column("expected")), rows.column("credited"), None)
    rows = rows.append_column("not_judged", unjudged)
    sums = rows.group_by("currency").aggregate(
        [
            ("currency", "count"),
            ("credited", "sum"),
            ("not_judged", "sum"),
            ("expected", "sum"),
            ("difference", "sum"),
        ]
    )
    out = {}
    for r in sorted(sums.to_pylist(), key=lambda r: r["currency"]):
        c = r["currency"]
        a, n, b, d = (
            r[f"{k}_sum"] or Decimal(0) for k in ("credited", "not_judged", "expected", "difference")
        )
        out[c] = Totals(c, r["currency_count"], *(Money(_q(x, c), c) for x in (a, n, b, d)))
    return out


def _q(amount: Decimal, currency: str) -> Decimal:
    from ..facts import currency_digits

    return amount.quantize(Decimal(1).scaleb(-currency_digits(currency)), context=_WIDE)


def _as_kind(arrow: pa.Table, kind: str) -> Any:
    if kind in ("arrow", "batch"):
        return (
            arrow if kind == "arrow" else arrow.combine_chunks().to_batches()[0] if arrow.num_rows else arrow
        )
    if kind == "pandas":
        import pandas as pd

        mapper = {pa.int64(): pd.Int64Dtype(), _AMOUNT: pd.ArrowDtype(_AMOUNT)}
        return arrow.to_pandas(types_mapper=mapper.get)
    if kind in ("polars", "lazy"):
        import polars as pl

        frame = pl.from_arrow(arrow)
        assert isinstance(frame, pl.DataFrame)
        return frame.lazy() if kind == "lazy" else frame
    return arrow.to_pylist()
