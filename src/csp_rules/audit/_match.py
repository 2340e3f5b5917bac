"""Matching for :mod:`csp_rules.audit`: the tables read as one, each credit row matched to its purchase row.

Private; :mod:`csp_rules.audit` documents the matching for users (``docs/howto_audit.rst`` too).

Columnar: the tables' columns are renamed to the batch engine's canonical fields (each table is
planned on its own, so a 2019 file and a 2020 file can be audited together), the row types come
from ``ChargeType`` once per distinct value, the line keys are built by Arrow string kernels over
every row, and credits meet their purchases in one hash join. Only the credit rows and the purchase
rows they match are read further (dates parsed, values taken to Python).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final, NamedTuple

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from ..batch import _read
from ..batch._columns import ColumnPlan, plan_columns, row_type, squash
from ..batch._records import to_table
from ..errors import InvalidInputError

I64 = npt.NDArray[np.int64]
B = npt.NDArray[np.bool_]

#: the columns the audit reads besides the batch engine's fields: canonical name -> names accepted
#: (compared without case or separators, as the batch engine compares them)
EXTRA: Final[dict[str, tuple[str, ...]]] = {
    "subscription_id": ("subscription_id", "SubscriptionId", "Subscription ID"),
    "product_id": ("product_id", "ProductId", "Product ID"),
    "sku_id": ("sku_id", "SkuId", "SKU ID"),
    "availability_id": ("availability_id", "AvailabilityId", "Availability ID"),
    "quantity": ("quantity", "Quantity"),
    "billable_quantity": ("billable_quantity", "BillableQuantity", "Billable Quantity"),
    "invoice_number": ("invoice_number", "InvoiceNumber", "Invoice Number"),
    "invoice_date": ("invoice_date", "InvoiceDate", "Invoice Date"),
    "total": ("Total", "TotalForCustomer"),
}

#: row type codes (the order of :data:`csp_rules.batch.ROW_TYPES`)
PURCHASE, RENEWAL, CREDIT, OTHER = 0, 1, 2, 3
_CODES: Final = {"purchase": PURCHASE, "renewal": RENEWAL, "credit": CREDIT, "other": OTHER}


def kind_of(table: Any) -> str:
    """The kind of a table: ``arrow``, ``batch``, ``pandas``, ``polars``, ``lazy`` or ``records``."""
    module = type(table).__module__.split(".", 1)[0]
    name = type(table).__name__
    if isinstance(table, pa.Table):
        return "arrow"
    if isinstance(table, pa.RecordBatch):
        return "batch"
    if module == "pandas" and name == "DataFrame":
        return "pandas"
    if module == "polars" and name == "DataFrame":
        return "polars"
    if module == "polars" and name == "LazyFrame":
        return "lazy"
    if isinstance(table, Sequence) and not isinstance(table, (str, bytes, bytearray)):
        return "records"
    raise TypeError(
        "tables: expected pyarrow Tables or RecordBatches, pandas or polars DataFrames or LazyFrames, "
        f"or lists of records, got {module}.{name}"
    )


def to_arrow(table: Any, kind: str) -> pa.Table:
    """One input table as a :class:`pyarrow.Table` (its columns as they are)."""
    if kind == "arrow":
        return table
    if kind == "batch":
        return pa.Table.from_batches([table])
    if kind == "pandas":
        names = [c for c in table.columns if isinstance(c, str)]
        try:
            return pa.Table.from_pandas(table[names], preserve_index=False)
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError) as exc:
            raise InvalidInputError(f"a pandas column cannot be read: {exc}", value=str(exc)[:200]) from None
    if kind == "polars":
        return table.to_arrow()
    if kind == "lazy":
        return table.collect().to_arrow()
    return to_table(table)


def split_inputs(tables: Any) -> list[tuple[str, Any]]:
    """``(name, table)`` of each input: one table, a sequence of tables, or a mapping of names to tables."""
    if isinstance(tables, Mapping):
        items = [(str(name), t) for name, t in tables.items()]
    elif (
        isinstance(tables, (list, tuple))
        and tables
        and not isinstance(tables[0], Mapping)
        and all(not isinstance(t, (str, bytes)) for t in tables)
    ):
        items = [(str(i), t) for i, t in enumerate(tables)]
    else:
        items = [("0", tables)]
    if not items:
        raise InvalidInputError("tables: give at least one table", field="tables", value=())
    return items


class Rows(NamedTuple):
    """Every row of every input, by canonical field (chunks in input order)."""

    names: list[str]
    sizes: list[int]
    fields: dict[str, pa.ChunkedArray]
    plans: list[ColumnPlan]

    @property
    def n(self) -> int:
        return sum(self.sizes)


def _extra_columns(names: Sequence[str]) -> dict[str, str]:
    by_squash = {squash(n): n for n in names if isinstance(n, str)}
    found: dict[str, str] = {}
    for field, accepted in EXTRA.items():
        for alias in accepted:
            name = by_squash.get(squash(alias))
            if name is not None:
                found[field] = name
                break
    return found


def read_rows(inputs: list[tuple[str, pa.Table]]) -> Rows:
    """The inputs as one set of rows, columns renamed to canonical fields; a field missing from a table
    is nulls there, and a field whose types differ between tables is read as text."""
    per_table: list[dict[str, pa.ChunkedArray]] = []
    plans = []
    for _, table in inputs:
        plan = plan_columns(table.column_names)
        plans.append(plan)
        cols = {field: table.column(name) for field, name in plan.columns.items()}
        for field, name in _extra_columns(table.column_names).items():
            if field == "total" and plan.columns.get("price") == name:
                continue
            cols.setdefault(field, table.column(name))
        per_table.append(cols)
    every = sorted({f for cols in per_table for f in cols})
    fields: dict[str, pa.ChunkedArray] = {}
    for field in every:
        chunks = []
        types = {cols[field].type for cols in per_table if field in cols}
        target = types.pop() if len(types) == 1 else pa.string()
        for (_, table), cols in zip(inputs, per_table, strict=True):
            column = cols.get(field)
            if column is None:
                chunks.extend([pa.nulls(table.num_rows, target)])
                continue
            if column.type != target:
                try:
                    column = pc.cast(column, target)
                except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
                    raise InvalidInputError(
                        f"{field}: a column of type {column.type} cannot be read with the other tables' "
                        f"{sorted(str(t) for t in types)}",
                        field=field,
                        value=str(column.type),
                    ) from None
            chunks.extend(column.chunks)
        fields[field] = pa.chunked_array(chunks, type=target)
    return Rows([n for n, _ in inputs], [t.num_rows for _, t in inputs], fields, plans)


def row_types(rows: Rows) -> npt.NDArray[np.int8]:
    """Each row's type code from ``ChargeType`` (without the column: every row a purchase; blank: other)."""
    charge = rows.fields.get("charge_type")
    if charge is None:
        return np.zeros(rows.n, dtype=np.int8)
    arr = _text(charge)
    values, idx = _read.distinct_map(arr, lambda v: _CODES[row_type(v)[0]] if v.strip() else OTHER)
    table = np.array([*values, OTHER], dtype=np.int8)
    return table[np.where(idx < 0, len(values), idx)]


def _text(column: pa.ChunkedArray) -> pa.Array:
    arr = _read.plain(column)
    if pa.types.is_null(arr.type):
        return pa.nulls(len(arr), pa.string())
    if not _read.is_string(arr.type):
        try:
            arr = pc.cast(arr, pa.string())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            raise InvalidInputError(
                f"a column of type {arr.type} cannot be read as text", value=str(arr.type)
            ) from None
    return _read.as_string(arr)


def _part(rows: Rows, field: str, where: I64) -> pa.Array:
    """``field`` at the rows ``where`` as trimmed text, blank for null (a table without it: all blank)."""
    column = rows.fields.get(field)
    if column is None:
        return pa.array([""] * len(where), pa.string())
    return pc.fill_null(pc.utf8_trim_whitespace(_text(column).take(pa.array(where, pa.int64()))), "")


def keys(rows: Rows, where: I64) -> pa.Array:
    """The line key of the rows ``where``: ``order ID``, then the SubscriptionId, else ProductId + SkuId +
    AvailabilityId (null without an order ID)."""
    order = pc.utf8_trim_whitespace(_text(rows.fields["order_id"]).take(pa.array(where, pa.int64())))
    sub = _part(rows, "subscription_id", where)
    product = pc.binary_join_element_wise(
        _part(rows, "product_id", where),
        _part(rows, "sku_id", where),
        _part(rows, "availability_id", where),
        "\x1f",
    )
    by_sub = pc.not_equal(sub, "")
    line = pc.if_else(
        by_sub, pc.binary_join_element_wise("S", sub, ""), pc.binary_join_element_wise("P", product, "")
    )
    return pc.binary_join_element_wise(order, line, "\x1e")


def lines(rows: Rows, where: I64) -> list[str | None]:
    """What names the line of the rows ``where``: the SubscriptionId, else ``ProductId/SkuId/AvailabilityId``."""
    sub = _part(rows, "subscription_id", where).to_pylist()
    parts = [_part(rows, f, where).to_pylist() for f in ("product_id", "sku_id", "availability_id")]
    out: list[str | None] = []
    for i, s in enumerate(sub):
        if s:
            out.append(s)
        else:
            named = "/".join(p[i] for p in parts)
            out.append(named if named.strip("/") else None)
    return out


def match(rows: Rows, types: npt.NDArray[np.int8]) -> tuple[I64, I64, I64]:
    """``(credit rows, purchase row of each pair, credit index of each pair)``: every credit row, and the
    pairs (credit, purchase or renewal row of the same line).

    The order IDs of the credits pick the purchase rows that may match (one hash set of the credits'
    IDs over every row); only those and the credits get line keys, joined by a hash join.
    """
    credits = np.flatnonzero(types == CREDIT).astype(np.int64)
    purchase = types <= RENEWAL
    if not len(credits) or not purchase.any():
        return credits, np.zeros(0, np.int64), np.zeros(0, np.int64)
    order = _text(rows.fields["order_id"])
    wanted = pc.unique(pc.utf8_trim_whitespace(order.take(pa.array(credits))).drop_null())
    # the IDs as written, and trimmed (a purchase row may carry spaces its credit has not)
    found = np.asarray(pc.fill_null(pc.is_in(order, value_set=wanted), False))
    spaced = np.asarray(pc.fill_null(pc.match_substring_regex(order, r"^\s|\s$"), False))
    maybe = np.flatnonzero(purchase & (found | spaced)).astype(np.int64)
    if not len(maybe):
        return credits, np.zeros(0, np.int64), np.zeros(0, np.int64)
    left = pa.table({"k": keys(rows, credits), "c": pa.array(np.arange(len(credits)), pa.int64())})
    right = pa.table({"k": keys(rows, maybe), "p": pa.array(maybe, pa.int64())})
    joined = left.join(right, keys="k", join_type="inner", use_threads=True)
    c = np.asarray(joined.column("c").combine_chunks(), dtype=np.int64)
    p = np.asarray(joined.column("p").combine_chunks(), dtype=np.int64)
    return credits, p, c


def instants(rows: Rows, field: str, where: I64, date_order: str) -> tuple[I64, B]:
    """``(us since 1970 UTC, readable)`` of ``field`` at the rows ``where`` (reconciliation dates: naive is UTC)."""
    column = rows.fields.get(field)
    if column is None or not len(where):
        return np.zeros(len(where), np.int64), np.zeros(len(where), np.bool_)
    arr = _read.plain(column).take(pa.array(where, pa.int64()))
    if _read.is_string(arr.type):
        arr = _read.as_string(arr)
    elif not (pa.types.is_timestamp(arr.type) or pa.types.is_date(arr.type) or pa.types.is_null(arr.type)):
        raise InvalidInputError(
            f"{field}: a column of type {arr.type} cannot hold dates", field=field, value=str(arr.type)
        )
    us, status, _ = _read.instants(arr, naive_is_utc=True, date_order=date_order)
    return us, status == _read.OK


def choose(credit_us: I64, credit_ok: B, pair_p: I64, pair_c: I64, p_us: I64, p_ok: B, n_credits: int) -> I64:
    """The purchase row of each credit (-1: none): among the line's purchase and renewal rows, the latest
    whose date (a renewal's term start, else its order date) is on or before the cancellation's day
    (ties: the last row); when none is, the earliest (the audit then reports the credit as dated
    before its purchase)."""
    chosen = np.full(n_credits, -1, dtype=np.int64)
    if not len(pair_p):
        return chosen
    cancel = credit_us[pair_c]
    usable = p_ok & credit_ok[pair_c]
    before = usable & (p_us // _read.DAY_US <= cancel // _read.DAY_US)  # a cancellation is dated to the day
    # sort each credit's pairs so the wanted one comes last: before the cancellation first by date,
    # then the others by reverse date
    rank = np.where(before, p_us, -p_us)
    order = np.lexsort((pair_p, rank, before.astype(np.int8), usable.astype(np.int8), pair_c))
    sorted_c = pair_c[order]
    last = np.flatnonzero(np.r_[sorted_c[1:] != sorted_c[:-1], True])
    chosen[sorted_c[last]] = pair_p[order[last]]
    return chosen


def take(rows: Rows, field: str, where: I64) -> list[Any]:
    """The Python values of ``field`` at the rows ``where`` (None where the table has no such column)."""
    column = rows.fields.get(field)
    if column is None:
        return [None] * len(where)
    values: list[Any] = _read.plain(column).take(pa.array(where, pa.int64())).to_pylist()
    return values


def locate(rows: Rows, where: I64) -> tuple[list[str], list[int]]:
    """``(input name, row number in that input)`` of the rows ``where``."""
    bounds = np.cumsum([0, *rows.sizes])
    table = np.searchsorted(bounds, where, side="right") - 1
    names = [rows.names[t] for t in table.tolist()]
    return names, (where - bounds[table]).tolist()
