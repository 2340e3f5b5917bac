"""Vectorised reading of table columns for :mod:`csp_rules.batch`: instants, dates, amounts, per-row problems.

Private. Every reader returns numpy arrays (one value per row) and marks the rows it cannot read
in an :class:`Issues` table, first problem per row wins. The common forms are read by Arrow
compute kernels (no Python call per row); rare forms (a date with a ``Z``, an amount with an
exponent, non-ASCII text) go through Python once per **distinct** value.

Text forms read (after trimming surrounding whitespace on the Python path):

* instants: ISO 8601 ``YYYY-MM-DD``, ``YYYY-MM-DDTHH[:MM[:SS[.ffffff]]]`` (``T`` or a space; ``,``
  also separates fractions; digits past the sixth are dropped), optionally followed by ``Z`` or
  an offset ``±HH:MM`` / ``±HHMM`` / ``±HH``; years 0001 to 9999, also after conversion to UTC;
* amounts: what :func:`csp_rules.facts.to_decimal` reads (``"12.50"``, ``"-3"``, ``"1E+3"``...).

Before any of this, :func:`prepare` checks each column's Arrow type once per table (see
:data:`FIELD_KINDS`): a type a field cannot hold is one :class:`~csp_rules.errors.InvalidInputError`
naming the column; binary columns are decoded as UTF-8 (a value that is not UTF-8 is its row's
error), string views and run-end encoded columns become plain ones, so the readers below only
ever see the types they know.

The module is long (over 600 lines) because it reads every Arrow type and text form the batch
accepts (instants in ISO and en-US forms, exact amounts, decimal commas) column-wise, each with
its row-error path; those readers share one set of null, validity and error helpers.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, Final, TypeVar

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import (
    CspRulesError,
    InvalidAmountError,
    InvalidDateError,
    InvalidFieldError,
    InvalidInputError,
)

__all__ = [
    "AMOUNT",
    "DAY_US",
    "FIELD_KINDS",
    "INSTANT",
    "MAX_US",
    "MIN_US",
    "TEXT",
    "Amounts",
    "Issues",
    "Problem",
    "amounts",
    "distinct_map",
    "instants",
    "plain",
    "prepare",
]

I64 = npt.NDArray[np.int64]
I32 = npt.NDArray[np.int32]
I8 = npt.NDArray[np.int8]
B = npt.NDArray[np.bool_]
T = TypeVar("T")

DAY_US = 86_400_000_000
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
#: 0001-01-01T00:00:00 UTC and 9999-12-31T23:59:59.999999 UTC in microseconds since 1970
MIN_US = (datetime(1, 1, 1, tzinfo=timezone.utc) - _EPOCH) // timedelta(microseconds=1)
MAX_US = (datetime.max.replace(tzinfo=timezone.utc) - _EPOCH) // timedelta(microseconds=1)

# status of an instant
OK, NULL, INVALID, NAIVE = 0, 1, 2, 3


class Problem:
    """A row's error as its code and one-line message.

    Kept instead of the exception itself: a caught exception holds its traceback, whose frames hold
    the arrays being read, in a reference cycle only the garbage collector would break.
    """

    __slots__ = ("_cls", "_state", "code", "message")

    def __init__(self, error: CspRulesError) -> None:
        self.code = error.code
        self.message = " ".join(str(error).split())
        self._cls = type(error)
        self._state = dict(error.__dict__)  # field, value, suggestions...: no traceback

    def __str__(self) -> str:
        return self.message

    def error(self) -> CspRulesError:
        """The error again (for its message in another language)."""
        from ..errors import _rebuild

        return _rebuild(self._cls, self.message, self._state)


class Issues:
    """Per-row problems: ``idx[i]`` is -1 or the index of a ``(code, message)`` entry; first one wins."""

    __slots__ = ("_interned", "entries", "idx", "lang")

    def __init__(self, n: int, lang: str = "en") -> None:
        self.idx: I32 = np.full(n, -1, dtype=np.int32)
        self.entries: list[tuple[str, str]] = []
        self._interned: dict[tuple[str, str], int] = {}
        #: the language of the messages (:func:`csp_rules.decision.error_message`)
        self.lang = lang

    def entry(self, error: CspRulesError | Problem) -> int:
        """The index of the entry for an error (its code and its message on one line, in ``lang``)."""
        if self.lang == "en":
            text = str(error)
        else:
            from ..decision import error_message

            text = error_message(error.error() if isinstance(error, Problem) else error, self.lang)
        key = (error.code, " ".join(text.split()))
        found = self._interned.get(key)
        if found is None:
            found = len(self.entries)
            self.entries.append(key)
            self._interned[key] = found
        return found

    def free(self) -> B:
        """Rows without a problem yet."""
        out: B = self.idx < 0
        return out

    def mark(self, mask: B, error: CspRulesError | Problem) -> None:
        """Give ``error`` to the rows of ``mask`` that have no problem yet."""
        if mask.any():
            self.idx[mask & (self.idx < 0)] = self.entry(error)

    def mark_row(self, row: int, error: CspRulesError | Problem) -> None:
        """Give ``error`` to one row if it has no problem yet."""
        if self.idx[row] < 0:
            self.idx[row] = self.entry(error)

    def mark_rows(self, mask: B, make: Callable[[int], CspRulesError | Problem | None]) -> None:
        """Give each row of ``mask`` without a problem yet the error ``make(row)`` (a Python call per such row)."""
        rows = np.flatnonzero(mask & (self.idx < 0))
        for row in rows.tolist():
            error = make(row)
            if error is not None:
                self.idx[row] = self.entry(error)

    def mark_by_key(
        self, mask: B, keys: npt.NDArray[Any], make: Callable[[Any], CspRulesError | Problem | None]
    ) -> None:
        """Give the rows of ``mask`` without a problem the error ``make(key)``, called once per distinct key."""
        rows = np.flatnonzero(mask & (self.idx < 0))
        if not len(rows):
            return
        distinct, inverse = np.unique(keys[rows], return_inverse=True)
        entries = []
        for key in distinct.tolist():
            error = make(key)
            entries.append(-1 if error is None else self.entry(error))
        per_row = np.array(entries, dtype=np.int32)[inverse.reshape(-1)]
        self.idx[rows] = np.where(per_row >= 0, per_row, self.idx[rows])

    def mark_by_value(
        self, mask: B, arr: pa.Array, make: Callable[[Any], CspRulesError | Problem | None]
    ) -> None:
        """Like :meth:`mark_by_key`, keyed by the values of an Arrow array (``make`` gets Python values)."""
        rows = np.flatnonzero(mask & (self.idx < 0))
        if not len(rows):
            return
        errors, idx = distinct_map(take_rows(arr, rows), make)
        entries = np.array([-1 if e is None else self.entry(e) for e in errors] + [-1], dtype=np.int32)
        per_row = entries[idx]
        self.idx[rows] = np.where(per_row >= 0, per_row, self.idx[rows])

    def mark_entries(self, entry_per_row: I32) -> None:
        """Take the entries ``entry_per_row`` (-1: none) where no problem is recorded yet."""
        take = (entry_per_row >= 0) & (self.idx < 0)
        self.idx[take] = entry_per_row[take]


# --- numpy -> Arrow without pa.array (which imports pandas when it is installed: a second of start-up)


def _validity(null: B | None) -> tuple[pa.Buffer | None, int]:
    if null is None or not null.any():
        return None, 0
    return pa.py_buffer(np.packbits(~null, bitorder="little")), int(null.sum())


def ints(values: npt.NDArray[Any], kind: pa.DataType | None = None, null: B | None = None) -> pa.Array:
    """An Arrow integer (or timestamp) array of a numpy array (int64 by default), nulls where ``null``."""
    kind = pa.int64() if kind is None else kind
    dtype = np.int32 if kind.bit_width == 32 else np.int64
    data = np.ascontiguousarray(values, dtype=dtype)
    validity, nulls = _validity(null)
    return pa.Array.from_buffers(kind, len(data), [validity, pa.py_buffer(data)], null_count=nulls)


def booleans(values: B, null: B | None = None) -> pa.Array:
    """An Arrow boolean array of a numpy array, nulls where ``null``."""
    validity, nulls = _validity(null)
    data = pa.py_buffer(np.packbits(np.asarray(values, dtype=np.bool_), bitorder="little"))
    return pa.Array.from_buffers(pa.bool_(), len(values), [validity, data], null_count=nulls)


def strings(values: list[str]) -> pa.Array:
    """An Arrow string array of a (short) list of str."""
    encoded = [v.encode("utf-8") for v in values]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int32)
    np.cumsum([len(b) for b in encoded], out=offsets[1:])
    data = pa.py_buffer(b"".join(encoded))
    return pa.Array.from_buffers(pa.string(), len(encoded), [None, pa.py_buffer(offsets), data])


def texts(values: list[str | None]) -> pa.Array:
    """An Arrow string array of a list of str and None (``pa.array`` imports pandas when it is installed)."""
    null = np.fromiter((v is None for v in values), dtype=np.bool_, count=len(values))
    encoded = [b"" if v is None else v.encode("utf-8") for v in values]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum([len(b) for b in encoded], out=offsets[1:])
    validity, nulls = _validity(null)
    data = pa.py_buffer(b"".join(encoded))
    kind = pa.string() if offsets[-1] < 1 << 31 else pa.large_string()
    offsets_buffer = pa.py_buffer(offsets.astype(np.int32) if kind == pa.string() else offsets)
    out = pa.Array.from_buffers(kind, len(encoded), [validity, offsets_buffer, data], null_count=nulls)
    return out if kind == pa.string() else out.cast(pa.string())


def take_rows(arr: pa.Array, rows: npt.NDArray[np.int64]) -> pa.Array:
    """``arr`` at the given row numbers."""
    return arr.take(ints(rows))


def plain(arr: pa.Array | pa.ChunkedArray) -> pa.Array:
    """One contiguous array, dictionaries decoded."""
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks() if arr.num_chunks != 1 else arr.chunk(0)
    if pa.types.is_dictionary(arr.type):
        arr = arr.dictionary_decode()
    return arr


def _bits(buffer: pa.Buffer | None, offset: int, n: int, default: bool) -> B:
    """Bits ``offset .. offset + n`` of an Arrow bitmap as booleans (``default`` for no bitmap)."""
    if buffer is None or n == 0:
        return np.full(n, default, dtype=np.bool_)
    raw = np.frombuffer(buffer, dtype=np.uint8, count=(offset + n + 7) // 8)
    out: B = np.unpackbits(raw, bitorder="little", count=offset + n)[offset:].astype(np.bool_)
    return out


def valid_mask(arr: pa.Array) -> B:
    """True where the value is not null."""
    if arr.null_count == 0:
        return np.ones(len(arr), dtype=np.bool_)
    if pa.types.is_null(arr.type):
        return np.zeros(len(arr), dtype=np.bool_)
    return _bits(arr.buffers()[0], arr.offset, len(arr), True)


def bools(arr: pa.Array | pa.ChunkedArray) -> B:
    """A boolean Arrow array as numpy, nulls read as False (read from its bitmaps: no pandas)."""
    arr = plain(arr)
    if pa.types.is_null(arr.type):
        return np.zeros(len(arr), dtype=np.bool_)
    values = _bits(arr.buffers()[1], arr.offset, len(arr), False)
    if arr.null_count:
        values &= valid_mask(arr)
    return values


def numbers(arr: pa.Array | pa.ChunkedArray, fill: int = 0) -> I64:
    """An integer (or timestamp, date) Arrow array as an int64 numpy array, nulls read as ``fill``.

    Read from its buffers: ``np.asarray`` and ``to_numpy`` of an Arrow array import pandas when it is
    installed (pyarrow's pandas shim), a second of start-up in a small job.
    """
    arr = plain(arr)
    n = len(arr)
    if n == 0 or pa.types.is_null(arr.type):
        return np.full(n, fill, dtype=np.int64)
    if not pa.types.is_int64(arr.type):
        if pa.types.is_date(arr.type) or pa.types.is_time(arr.type):
            arr = arr.cast(pa.int32() if arr.type.bit_width == 32 else pa.int64())
        arr = arr.cast(pa.int64())
    data: I64 = np.frombuffer(arr.buffers()[1], dtype=np.int64, count=arr.offset + n)[arr.offset :]
    if arr.null_count:
        out: I64 = np.where(valid_mask(arr), data, fill)
        return out
    copied: I64 = data.copy()
    return copied


def text_scalar(value: str) -> pa.Scalar:
    """A string scalar for a compute function (a Python str there is made one by ``pa.scalar``, which
    imports pandas when it is installed)."""
    return strings([value])[0]


def int_scalar(value: int) -> pa.Scalar:
    """An int64 scalar for a compute function (see :func:`text_scalar`)."""
    return ints(np.array([value], dtype=np.int64))[0]


def _EMPTY() -> pa.Scalar:
    return text_scalar("")


def null_scalar(kind: pa.DataType) -> pa.Scalar:
    """A null of type ``kind`` (``pa.scalar`` imports pandas when it is installed)."""
    return pa.nulls(1, kind)[0]


def distinct_map(arr: pa.Array, fn: Callable[[Any], T]) -> tuple[list[T], I32]:
    """``fn`` called once per distinct non-null value: ``(results, index per row)``, index -1 for nulls."""
    encoded = pc.dictionary_encode(arr)
    if isinstance(encoded, pa.ChunkedArray):  # pragma: no cover - callers pass arrays
        encoded = encoded.combine_chunks()
    results = [fn(v) for v in encoded.dictionary.to_pylist()]
    indices = encoded.indices
    idx: I32 = numbers(indices, -1).astype(np.int32)
    return results, idx


def distinct_keys(keys: I64, size: int) -> tuple[list[int], I64]:
    """The distinct values of ``keys`` (all in ``range(size)``) and each key's index among them, in O(n):
    a table of ``size`` entries when small, else a hash (never a sort)."""
    if size <= 1 << 22:
        seen = np.zeros(size, dtype=np.bool_)
        seen[keys] = True
        distinct = np.flatnonzero(seen)
        position = np.zeros(size, dtype=np.int64)
        position[distinct] = np.arange(len(distinct))
        found: list[int] = distinct.tolist()
        return found, position[keys]
    encoded = pc.dictionary_encode(ints(keys))
    return encoded.dictionary.to_pylist(), numbers(encoded.indices)


def is_string(t: pa.DataType) -> bool:
    """Whether a type holds text (string, large string, or string view on pyarrow >= 16)."""
    is_view = getattr(pa.types, "is_string_view", None)
    return bool(pa.types.is_string(t) or pa.types.is_large_string(t) or (is_view is not None and is_view(t)))


def as_string(arr: pa.Array) -> pa.Array:
    """A string view of a column of text (large strings and string views are cast to string)."""
    if pa.types.is_string(arr.type):
        return arr
    return pc.cast(arr, pa.string())


# --- column types: what each field accepts, checked once per table ---------------------------

TEXT, INSTANT, AMOUNT = "text", "instant", "amount"

#: how :func:`prepare` reads each field; a field not listed here is passed on as it is
FIELD_KINDS: dict[str, str] = {
    "market": TEXT,
    "order_id": TEXT,
    "product_name": TEXT,
    "sku_name": TEXT,
    "kind": TEXT,
    "currency": TEXT,
    "reservation_order_id": TEXT,
    "term_and_billing_cycle": TEXT,
    "purchased_at": INSTANT,
    "term_start": INSTANT,
    "term_end": INSTANT,
    "price": AMOUNT,
}

_WANTED = {
    TEXT: "text (numbers are read as their text)",
    INSTANT: "timestamps, dates or ISO 8601 text",
    AMOUNT: "decimals, integers or text",
}
_HOLD = {TEXT: "text", INSTANT: "dates or instants", AMOUNT: "amounts"}
_UNREADABLE: dict[str, type[InvalidInputError]] = {
    TEXT: InvalidFieldError,
    INSTANT: InvalidDateError,
    AMOUNT: InvalidAmountError,
}


def _type_name(t: pa.DataType) -> str:
    """A column type as a user knows it (``float64`` rather than Arrow's ``double``), cut to 100 characters."""
    name = f"float{t.bit_width}" if pa.types.is_floating(t) else str(t)
    return name if len(name) <= 100 else name[:85] + "...>"


_IS_REE = getattr(pa.types, "is_run_end_encoded", None)


def _is_binary(t: pa.DataType) -> bool:
    is_view = getattr(pa.types, "is_binary_view", None)
    return bool(
        pa.types.is_binary(t)
        or pa.types.is_large_binary(t)
        or pa.types.is_fixed_size_binary(t)
        or (is_view is not None and is_view(t))
    )


def _accepts(kind: str, t: pa.DataType) -> bool:
    """Whether a reader of ``kind`` reads a (plain, non-binary) type ``t`` itself."""
    if pa.types.is_null(t) or is_string(t):
        return True
    if kind == TEXT:
        return bool(pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t))
    if kind == INSTANT:
        return bool(pa.types.is_timestamp(t) or pa.types.is_date(t))
    return bool(pa.types.is_integer(t) or pa.types.is_decimal(t))


def _show_bytes(value: bytes) -> str:
    """Bytes as text for a message: what decodes as itself, the rest as ``\\xNN``, at most 60 characters."""
    text = value[:200].decode("utf-8", "backslashreplace")
    return "'" + (text if len(text) <= 60 and len(value) <= 200 else text[:57] + "...") + "'"


class _ColumnReader:
    """Checks and converts one column for the engine (see :func:`prepare`)."""

    def __init__(self, field: str, column: str, kind: str, described: str | None = None) -> None:
        self.field = field
        self.column = column
        self.kind = kind
        self.described = described
        self.where = column if column == field else f"{column} ({field})"
        self.problems: list[Problem] = []

    def refuse(self, t: pa.DataType) -> CspRulesError:
        kind = self.kind
        if kind == AMOUNT and pa.types.is_floating(t):
            return InvalidAmountError(
                f"{self.where}: the column holds floats ({_type_name(t)}), which are refused as Money "
                "refuses them; give decimals or text (e.g. pandas: dtype=str when reading, or Decimal values)",
                field=self.column,
                value=_type_name(t),
            )
        if self.described is not None:
            detail, hint = f"of type {self.described}", ""
        elif isinstance(t, pa.BaseExtensionType):
            detail = f"of extension type {t.extension_name} (stored as {_type_name(t.storage_type)})"
            hint = "; cast it to a plain type first"
        else:
            detail, hint = f"of type {_type_name(t)}", ""
        wanted = "dates or YYYY-MM-DD text" if self.field in ("term_start", "term_end") else _WANTED[kind]
        return InvalidInputError(
            f"{self.where}: a column {detail} cannot hold {_HOLD[kind]}; give {wanted}{hint}",
            field=self.column,
            value=self.described or _type_name(t),
        )

    def read(self, arr: pa.Array) -> tuple[pa.Array, I32 | None]:
        """``arr`` as a type the readers know, and per row the index of its problem in ``problems`` (-1: none)."""
        t = arr.type
        if pa.types.is_dictionary(t):
            values, bad = self.read(arr.dictionary)
            per_row = None
            if bad is not None:
                indices = numbers(arr.indices, -1)
                per_row = np.where(indices >= 0, np.append(bad, -1)[indices], -1).astype(np.int32)
            if values is arr.dictionary:
                return arr, None
            return pa.DictionaryArray.from_arrays(arr.indices, values), per_row
        if _IS_REE is not None and _IS_REE(t):
            return self.read(pc.run_end_decode(arr))
        if isinstance(t, pa.BaseExtensionType):
            if self.kind == TEXT and t.extension_name == "arrow.uuid":
                return _uuid_text(arr.storage), None
            raise self.refuse(t)
        if _is_binary(t):
            return self._decode(arr)
        if not _accepts(self.kind, t):
            raise self.refuse(t)
        if is_string(t) and not (pa.types.is_string(t) or pa.types.is_large_string(t)):
            return pc.cast(arr, pa.large_string()), None  # a string view: every kernel reads these
        return arr, None

    def _decode(self, arr: pa.Array) -> tuple[pa.Array, I32 | None]:
        """Binary as UTF-8 text; a value that is not UTF-8 becomes null and its row gets a problem."""
        if pa.types.is_fixed_size_binary(arr.type):
            arr = arr.cast(pa.binary())
        elif not (pa.types.is_binary(arr.type) or pa.types.is_large_binary(arr.type)):
            arr = arr.cast(pa.large_binary())  # a binary view
        target = pa.large_string() if pa.types.is_large_binary(arr.type) else pa.string()
        try:
            return arr.cast(target), None
        except pa.ArrowInvalid:
            pass
        # some value is not UTF-8: find which, once per distinct value

        def problem(value: bytes) -> int:
            try:
                value.decode("utf-8")
            except UnicodeDecodeError:
                error = _UNREADABLE[self.kind](
                    f"{self.field}: the bytes {_show_bytes(value)} in column {self.column!r} are not UTF-8 text",
                    field=self.field,
                    value=value,
                )
                self.problems.append(Problem(error))
                return len(self.problems) - 1
            return -1

        answers, idx = distinct_map(arr, problem)
        per_row = np.array([*answers, -1], dtype=np.int32)[idx]
        cleaned = pc.if_else(booleans(per_row >= 0), null_scalar(arr.type), arr)
        return cleaned.cast(target), per_row


def _uuid_text(storage: pa.Array) -> pa.Array:
    """UUIDs (16 bytes each) as their canonical text, ``8-4-4-4-12`` lower-case hex digits."""
    n = len(storage)
    if storage.null_count == n:
        return pa.nulls(n, pa.large_string())
    raw = np.frombuffer(storage.buffers()[1], dtype=np.uint8, count=(storage.offset + n) * 16)
    raw = raw[storage.offset * 16 :].reshape(n, 16)
    hexdigits = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
    digits = np.empty((n, 32), dtype=np.uint8)
    digits[:, 0::2] = hexdigits[raw >> 4]
    digits[:, 1::2] = hexdigits[raw & 15]
    text = np.full((n, 36), ord("-"), dtype=np.uint8)
    text[:, [i for i in range(36) if i not in (8, 13, 18, 23)]] = digits
    offsets = np.arange(0, 36 * (n + 1), 36, dtype=np.int64)
    validity, nulls = _validity(~valid_mask(storage))
    return pa.Array.from_buffers(
        pa.large_string(),
        n,
        [validity, pa.py_buffer(offsets), pa.py_buffer(text.tobytes())],
        null_count=nulls,
    )


def prepare(
    columns: Mapping[str, pa.Array | pa.ChunkedArray],
    names: Mapping[str, str],
    n: int,
    described: Mapping[str, str] | None = None,
) -> tuple[dict[str, pa.Array | pa.ChunkedArray], Issues | None]:
    """The columns as the readers read them, checked once per table; and the rows that cannot be read.

    ``columns`` maps a field to its column, ``names`` a field to the column's name in the table
    and ``described`` (optional) a field to the name of its column's type where the caller
    converted it (for messages). Per field kind (:data:`FIELD_KINDS`):

    * text: text, or numbers (integers, decimals, floats) read as their text; ``arrow.uuid``
      values as their canonical text;
    * instants: timestamps (any unit, with or without a time zone), dates, or text;
    * amounts: integers, decimals (any width, precision and scale), or text; floats are
      refused (:class:`~csp_rules.errors.InvalidAmountError`), as :class:`~csp_rules.facts.Money`
      refuses them.

    Binary of any kind is text in UTF-8; dictionaries and run-end encoded columns are read as
    their values; a column without a single value (all null) is a column of nulls whatever its
    type. Anything else raises :class:`~csp_rules.errors.InvalidInputError` (``field``: the
    column's name) before any row is read.

    The second result is ``None``, or per row the problem of a value that cannot be read at all:
    bytes that are not UTF-8 (``error.invalid_field``, or ``error.invalid_date`` and
    ``error.invalid_amount`` for instants and amounts). Such values are null in the columns
    returned; the caller reports those rows with this problem and null results.

    >>> cols, bad = prepare({"market": pa.array([b"FR", b"\\xff"])}, {"market": "Country"}, 2)
    >>> cols["market"].to_pylist(), bad.entries
    (['FR', None], [('error.invalid_field', "market: the bytes '\\\\xff' in column 'Country' are not UTF-8 text")])
    >>> prepare({"price": pa.array([[1]])}, {"price": "Subtotal"}, 1)
    Traceback (most recent call last):
    ...
    csp_rules.errors.InvalidInputError: Subtotal (price): a column of type list<item: int64> cannot hold amounts; ...
    """
    out: dict[str, pa.Array | pa.ChunkedArray] = {}
    issues: Issues | None = None
    for field, column in columns.items():
        kind = FIELD_KINDS.get(field)
        if kind is None:
            out[field] = column
            continue
        if column.null_count == len(column):  # no value at all (an empty table too)
            out[field] = pa.nulls(len(column))
            continue
        reader = _ColumnReader(field, names.get(field, field), kind, (described or {}).get(field))
        chunks = column.chunks if isinstance(column, pa.ChunkedArray) else [column]
        read = [reader.read(chunk) for chunk in chunks]
        arrays = [a for a, _ in read]
        out[field] = pa.chunked_array(arrays) if isinstance(column, pa.ChunkedArray) else arrays[0]
        if reader.problems:
            issues = Issues(n) if issues is None else issues
            entries = np.array([issues.entry(p) for p in reader.problems] + [-1], dtype=np.int32)
            start = 0
            for array, per_row in read:
                if per_row is not None:
                    part = issues.idx[start : start + len(array)]
                    take = (per_row >= 0) & (part < 0)
                    part[take] = entries[per_row[take]]
                start += len(array)
    return out, issues


# --- instants -------------------------------------------------------------------------------

_FAST_NAIVE = r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}(?::\d{2}(?::\d{2}(?:\.\d{1,6})?)?)?)?$"
_FAST_OFFSET = r"^\d{4}-\d{2}-\d{2}[T ]\d{2}(?::\d{2}(?::\d{2}(?:\.\d{1,6})?)?)?(?:Z|[+-]\d{2}:\d{2})$"
_INSTANT = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})"
    r"(?:[T ](\d{2})(?::(\d{2})(?::(\d{2})(?:[.,](\d{1,20}))?)?)?"
    r"(Z|z|[+-]\d{2}(?::?\d{2})?)?)?"
)


def parse_instant_text(text: str, date_order: str | None = None) -> tuple[int, bool, bool] | None:
    """``(microseconds since 1970 UTC, date only, has an offset)`` of ISO 8601 text, or None.

    With ``date_order`` (``"mdy"``, ``"dmy"``), Partner Center's en-US forms too (:func:`parse_us_instant`).

    >>> parse_instant_text("2020-03-01T10:00:00+01:00")
    (1583053200000000, False, True)
    >>> parse_instant_text(" 2020-03-01 "), parse_instant_text("2020-02-30")
    ((1583020800000000, True, False), None)
    """
    text = text.strip()
    if len(text) > 64:
        return None
    m = _INSTANT.fullmatch(text)
    if m is None:
        return None if date_order is None else parse_us_instant(text, date_order)
    y, mo, d, hh, mi, ss, frac, tz = m.groups()
    try:
        local = datetime(
            int(y),
            int(mo),
            int(d),
            int(hh or 0),
            int(mi or 0),
            int(ss or 0),
            int((frac or "0")[:6].ljust(6, "0")),
            tzinfo=timezone.utc,  # the wall time as if in UTC; the offset is applied below
        )
    except ValueError:
        return None
    us = (local - _EPOCH) // timedelta(microseconds=1)
    if tz and tz not in "Zz":
        sign = -1 if tz[0] == "-" else 1
        digits = tz[1:].replace(":", "")
        oh, om = int(digits[:2]), int(digits[2:] or 0)
        if oh > 23 or om > 59:
            return None
        us -= sign * (oh * 60 + om) * 60_000_000
    if not MIN_US <= us <= MAX_US:
        return None
    return us, hh is None, bool(tz)


#: Partner Center's en-US dates (``10/3/2020``, ``11/21/2019 2:05:00 PM``), and re-saves with dots or dashes
US_INSTANT: Final = (
    r"^\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})"
    r"(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,6}))?)?(?:\s*([AaPp])\.?[Mm]\.?)?)?\s*$"
)
_US = re.compile(US_INSTANT)
DATE_ORDERS: Final = ("mdy", "dmy")


def parse_us_instant(text: str, date_order: str = "mdy") -> tuple[int, bool, bool] | None:
    """``(microseconds since 1970 UTC, date only, False)`` of en-US text ``M/D/YYYY[ h:mm[:ss][ AM|PM]]``.

    The time is UTC (Partner Center writes no offset). With ``date_order="dmy"`` the day comes
    first (a file re-saved in a day-first locale). ``/``, ``.`` or ``-`` separate the parts; the
    year has four digits; a 12-hour time (``AM``/``PM``) has hours 1 to 12. Anything else, or a day
    that does not exist (``2/30/2020``, or ``21/11/2019`` read as month/day), is None: never swapped.

    >>> parse_us_instant("11/21/2019 2:05:00 PM"), parse_us_instant("10/3/2020")
    ((1574345100000000, False, False), (1601683200000000, True, False))
    >>> parse_us_instant("21/11/2019"), parse_us_instant("21/11/2019", "dmy")[0] == parse_us_instant("11/21/2019")[0]
    (None, True)
    """
    m = _US.fullmatch(text)
    if m is None:
        return None
    first, second, year, hh, mi, ss, frac, half = m.groups()
    month, day = (first, second) if date_order == "mdy" else (second, first)
    hour = int(hh or 0)
    if half is not None:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if half in "Pp" else 0)
    try:
        moment = datetime(
            int(year),
            int(month),
            int(day),
            hour,
            int(mi or 0),
            int(ss or 0),
            int((frac or "0").ljust(6, "0")),
            tzinfo=timezone.utc,
        )
    except ValueError:
        return None
    return (moment - _EPOCH) // timedelta(microseconds=1), hh is None, False


def _us_instants(s: pa.Array, todo: B, us: I64, status: I8, date_only: B, date_order: str) -> None:
    """Read the en-US forms among the rows ``todo`` (columnar: one regex, integer arithmetic)."""
    candidates = np.flatnonzero(todo)
    if len(candidates) < len(s):  # a few rows set aside by a cast: the regex over those only
        found = bools(pc.match_substring_regex(take_rows(s, candidates), pattern=US_INSTANT))
        rows = candidates[found]
    else:
        rows = np.flatnonzero(bools(pc.match_substring_regex(s, pattern=US_INSTANT)) & todo)
    if not len(rows):
        return
    parts = pc.extract_regex(take_rows(s, rows), pattern=_US_NAMED)

    def number(name: str, default: int = 0) -> I64:
        field = pc.struct_field(parts, name)
        field = pc.if_else(pc.equal(field, _EMPTY()), null_scalar(pa.string()), field)
        out: I64 = numbers(pc.cast(field, pa.int64()), default)
        return out

    first, second, year = number("a"), number("b"), number("y")
    hour, minute, second_of = number("h"), number("mi"), number("s")
    frac_text = pc.utf8_rpad(pc.struct_field(parts, "f"), width=6, padding="0")
    frac = numbers(pc.cast(frac_text, pa.int64()))
    half = pc.utf8_lower(pc.struct_field(parts, "p"))
    pm = bools(pc.equal(half, text_scalar("p")))
    twelve = bools(pc.not_equal(half, _EMPTY())) & ~bools(pc.is_null(half))
    timed = ~bools(pc.equal(pc.struct_field(parts, "h"), _EMPTY()))
    month, day = (first, second) if date_order == "mdy" else (second, first)
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    month_ok = (month >= 1) & (month <= 12)
    days_in = _MONTH_DAYS.take(np.where(month_ok, month, 0)) + (leap & (month == 2))
    ok = month_ok & (day >= 1) & (day <= days_in) & (year >= 1) & (minute <= 59) & (second_of <= 59)
    ok &= np.where(twelve, (hour >= 1) & (hour <= 12), hour <= 23)
    hour = np.where(twelve, hour % 12 + np.where(pm, 12, 0), hour)
    # days since 1970 of a proleptic Gregorian date (the civil-from-days inverse, in integers)
    y = np.where(month <= 2, year - 1, year)
    era = np.floor_divide(y, 400)
    yoe = y - era * 400
    mp = (month + 9) % 12
    doy = (153 * mp + 2) // 5 + day - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    days = era * 146097 + doe - 719468
    value = days * DAY_US + ((hour * 60 + minute) * 60 + second_of) * 1_000_000 + frac
    good = rows[ok]
    us[good] = value[ok]
    date_only[good] = ~timed[ok]
    status[good] = OK
    status[rows[~ok]] = INVALID
    todo[rows] = False


_US_NAMED: Final = (
    r"^\s*(?P<a>\d{1,2})[/.-](?P<b>\d{1,2})[/.-](?P<y>\d{4})"
    r"(?:[ T]+(?P<h>\d{1,2}):(?P<mi>\d{2})(?::(?P<s>\d{2})(?:[.,](?P<f>\d{1,6}))?)?"
    r"(?:\s*(?P<p>[AaPp])\.?[Mm]\.?)?)?\s*$"
)


def _timestamps_us(arr: pa.Array) -> I64:
    """Microseconds of a timestamp array (floor for finer units; overflow handled by the caller's range check)."""
    unit = arr.type.unit
    raw = numbers(arr.cast(pa.int64()))
    if unit == "us":
        return raw
    if unit == "ns":
        out: I64 = np.floor_divide(raw, 1000)
        return out
    factor = {"s": 1_000_000, "ms": 1000}[unit]
    limit = np.iinfo(np.int64).max // factor
    clipped = np.clip(raw, -limit, limit)
    out = clipped * factor
    out[(raw > limit) | (raw < -limit)] = MAX_US + 1
    return out


def instants(arr: pa.Array, *, naive_is_utc: bool, date_order: str | None = None) -> tuple[I64, I8, B]:
    """Read a column of instants: ``(us since 1970 UTC, status, date only)`` per row.

    ``status`` is ``OK``, ``NULL``, ``INVALID`` or ``NAIVE`` (a time of day without an offset, when
    ``naive_is_utc`` is False). Dates and bare-date text are 00:00 UTC (``date only``).
    ``date_order`` (``"mdy"`` or ``"dmy"``) also reads Partner Center's en-US text,
    ``M/D/YYYY[ h:mm[:ss][ AM|PM]]`` (:func:`parse_us_instant`), in that order of day and month.

    :raises InvalidInputError: the column's type cannot hold instants (a number, say).
    """
    n = len(arr)
    valid = valid_mask(arr)
    us = np.zeros(n, dtype=np.int64)
    status = np.where(valid, OK, NULL).astype(np.int8)
    date_only = np.zeros(n, dtype=np.bool_)
    t = arr.type
    if pa.types.is_null(t):
        return us, status, date_only
    if pa.types.is_timestamp(t):
        us = _timestamps_us(arr)
        if t.tz is None and not naive_is_utc:
            status[valid] = NAIVE
    elif pa.types.is_date(t):
        days = numbers(arr.cast(pa.date32()).cast(pa.int32()))
        us = days * DAY_US
        date_only[:] = True
    elif is_string(t):
        _string_instants(as_string(arr), valid, us, status, date_only, naive_is_utc, date_order)
    else:
        raise InvalidInputError(f"a column of type {t} cannot hold dates or instants", value=str(t))
    bad = (status == OK) & ((us < MIN_US) | (us > MAX_US))
    status[bad] = INVALID
    return us, status, date_only


_MONTH_DAYS = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)


def _possible(sub: pa.Array) -> B:
    """For text of the fast forms (fixed positions): whether its date and time of day exist."""
    padded = pc.utf8_rpad(sub, width=19, padding="0")  # a bare date reads as 00:00:00

    def number(start: int, stop: int) -> I64:
        out: I64 = numbers(pc.cast(pc.utf8_slice_codeunits(padded, start, stop), pa.int64()))
        return out

    year, month, day = number(0, 4), number(5, 7), number(8, 10)
    hour, minute, second = number(11, 13), number(14, 16), number(17, 19)
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    month_ok = (month >= 1) & (month <= 12)
    days = _MONTH_DAYS.take(np.where(month_ok, month, 0)) + (leap & (month == 2))
    out: B = (
        (year >= 1) & month_ok & (day >= 1) & (day <= days) & (hour <= 23) & (minute <= 59) & (second <= 59)
    )
    return out


#: what Arrow says of the first value a cast from text could not read (the value, then why)
_FAILED: Final = re.compile(r"Failed to parse string: '(.*)' as a scalar of type ", re.DOTALL)
#: text that ends with an offset after a time of day (``Z``, ``+01:00``...)
_HAS_OFFSET: Final = re.compile(r"[T ]\d.*(?:[Zz]|[+-]\d{2}(?::?\d{2})?)$")
#: distinct unreadable values set aside before a cast is given up as the wrong form for the column
_ASIDE_LIMIT: Final = 4


def _cast_most(s: pa.Array, target: pa.DataType) -> tuple[pa.Array, B | None] | None:
    """``s`` cast to ``target`` with the few values Arrow cannot read set aside (null in the result):
    ``(parsed, rows set aside or None)``; None when the column is not of the form (a value without
    the offset ``target`` needs, or with one it refuses) or has many unreadable values.

    A failed cast names the value it stopped at: its rows are set aside and the cast tried again,
    so one bad date costs a second cast, not a regex over the whole slice.
    """
    aside: B | None = None
    current = s
    for _ in range(_ASIDE_LIMIT + 1):
        try:
            return pc.cast(current, target), aside
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
            failed = _FAILED.match(str(exc))
            if failed is None:
                return None
            value = failed.group(1)
            if (_HAS_OFFSET.search(value.strip()) is None) is (target.tz is not None):
                return None  # a value of the other form (Arrow says "zone offset" of bad dates too)
            hit = bools(pc.equal(current, text_scalar(value)))
            if not hit.any():  # pragma: no cover - Arrow named a value it was not given
                return None
            aside = hit if aside is None else aside | hit
            current = pc.if_else(booleans(hit), null_scalar(pa.string()), current)
    return None


def _string_instants(
    s: pa.Array, valid: B, us: I64, status: I8, date_only: B, naive_is_utc: bool, date_order: str | None
) -> None:
    # the common cases: every value an ISO date or date-time without an offset, or every value with
    # one; the form of the first value is tried first (a cast that fails on an offset costs a slice's
    # cast: Arrow reads every value before it refuses)
    targets = [pa.timestamp("us"), pa.timestamp("us", tz="UTC")]
    if valid.any():
        first = s[int(np.argmax(valid))].as_py()
        if _HAS_OFFSET.search(first.strip()) is not None:
            targets.reverse()
    for target in targets:
        got = _cast_most(s, target)
        if got is None:
            continue
        parsed, aside = got
        us[:] = numbers(parsed.cast(pa.int64()))
        read = valid if aside is None else valid & ~aside
        if target.tz is None:
            short = read & (numbers(pc.binary_length(s)) == 10)
            date_only[:] = short
            if not naive_is_utc:
                status[read & ~short] = NAIVE
        if aside is None:
            return
        _slow_instants(s, valid & aside, us, status, date_only, naive_is_utc, date_order)
        return
    todo = valid.copy()
    for pattern, target in ((_FAST_NAIVE, pa.timestamp("us")), (_FAST_OFFSET, pa.timestamp("us", tz="UTC"))):
        if not todo.any():
            break
        match = bools(pc.match_substring_regex(s, pattern=pattern)) & todo
        if not match.any():
            continue
        rows = np.flatnonzero(match)
        sub = s if len(rows) == len(s) else take_rows(s, rows)
        try:
            parsed = pc.cast(sub, target)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            # 2020-02-30, 25:00...: Arrow refuses the whole cast; mark those and cast the others
            try:
                possible = _possible(sub)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):  # pragma: no cover - defensive
                continue
            status[rows[~possible]] = INVALID
            todo[rows[~possible]] = False
            rows = rows[possible]
            sub = take_rows(sub, np.flatnonzero(possible))
            try:
                parsed = pc.cast(sub, target)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                continue  # something else Arrow refuses (an odd offset): the Python path tells which
        us[rows] = numbers(parsed.cast(pa.int64()))
        if target.tz is None:
            short = numbers(pc.binary_length(sub)) == 10
            date_only[rows] = short
            if not naive_is_utc:
                status[rows[~short]] = NAIVE
        todo[rows] = False
    _slow_instants(s, todo, us, status, date_only, naive_is_utc, date_order)


def _slow_instants(
    s: pa.Array, todo: B, us: I64, status: I8, date_only: B, naive_is_utc: bool, date_order: str | None
) -> None:
    """Read the rows ``todo`` the casts did not: en-US forms (with ``date_order``), then Python once
    per distinct value (:func:`parse_instant_text`)."""
    if date_order is not None and todo.any():
        _us_instants(s, todo, us, status, date_only, date_order)
    if not todo.any():
        return
    rows = np.flatnonzero(todo)
    sub = take_rows(s, rows)
    results, idx = distinct_map(sub, lambda v: parse_instant_text(v, date_order))
    for row, k in zip(rows.tolist(), idx.tolist(), strict=True):
        got = results[k]
        if got is None:
            status[row] = INVALID
            continue
        value, only_date, has_offset = got
        us[row] = value
        date_only[row] = only_date
        if not (only_date or has_offset or naive_is_utc):
            status[row] = NAIVE


# --- amounts --------------------------------------------------------------------------------

_FAST_AMOUNT = r"^-?[0-9]+(?:\.[0-9]+)?$"
_I64_MAX = np.iinfo(np.int64).max


class Amounts:
    """Amounts of a column as ``mant / 10**scale`` in int64, or exact :class:`Decimal` for the rest.

    ``status`` per row: 0 read, 1 null, 2 unreadable (an entry in the issues table). ``big`` maps
    a row to its :class:`Decimal` when the int64 form cannot hold it (``mant`` is 0 there).
    """

    __slots__ = ("big", "mant", "negative", "scale", "status")

    def __init__(self, n: int) -> None:
        self.mant: I64 = np.zeros(n, dtype=np.int64)
        self.scale: I64 = np.zeros(n, dtype=np.int64)
        self.status: I8 = np.zeros(n, dtype=np.int8)
        self.negative: B = np.zeros(n, dtype=np.bool_)
        self.big: dict[int, Decimal] = {}

    def decimal(self, row: int) -> Decimal:
        """The exact amount of a read row."""
        found = self.big.get(row)
        if found is not None:
            return found
        return Decimal(int(self.mant[row])).scaleb(-int(self.scale[row]))


def _split_decimal(value: Decimal) -> tuple[int, int] | None:
    """``(mant, scale)`` with ``value == mant / 10**scale``, when both fit the int64 path."""
    sign, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    mant = int("".join(map(str, digits)) or "0")
    if exponent > 0:
        if exponent > 18:
            return None
        mant *= 10**exponent
        exponent = 0
    if mant > _I64_MAX // 4 or -exponent > 36:
        return None
    return (-mant if sign else mant), -exponent


#: an amount as a European re-save writes it: a decimal comma, groups of three digits apart
#: (``.``, a space, a no-break space), a minus sign
_COMMA_AMOUNT: Final = (
    "^\\s*-?(?:\\d{1,3}(?:\\.\\d{3})+|\\d{1,3}(?:[ \u00a0\u202f]\\d{3})+|\\d+)(?:,\\d+)?\\s*$"
)


def comma_amounts(arr: pa.Array, column: str, issues: Issues) -> pa.Array:
    """Text amounts written with a decimal comma (``1.234,56``, ``1 234,56``, ``-12,5``) as plain
    decimal text (``1234.56``); a value of another form gets an ``error.invalid_amount`` issue (a
    decimal point there is a group separator: ``1.5`` is refused, never read as 1.5 or 15).

    >>> issues = Issues(4)
    >>> comma_amounts(pa.array(["1.234,56", "-12,5", "1.5", None]), "Subtotal", issues).to_pylist()
    ['1234.56', '-12.5', None, None]
    >>> issues.entries[0][0]
    'error.invalid_amount'
    """
    if not is_string(arr.type):
        return arr
    s = as_string(arr)
    good = bools(pc.match_substring_regex(s, pattern=_COMMA_AMOUNT))
    bad = valid_mask(s) & ~good
    plain = pc.replace_substring(
        pc.replace_substring_regex(pc.utf8_trim_whitespace(s), pattern="[. \u00a0\u202f]", replacement=""),
        ",",
        ".",
    )
    if bad.any():
        issues.mark_by_value(
            bad,
            s,
            lambda value: InvalidAmountError(
                f"price: {value[:60]!r} in column {column!r} is not an amount with a decimal comma "
                "(such as 1234,56 or 1.234,56; a point groups thousands)",
                field="price",
                value=value,
            ),
        )
        plain = pc.if_else(booleans(bad), null_scalar(pa.string()), plain)
    return plain


def amounts(arr: pa.Array, field: str, issues: Issues) -> Amounts:
    """Read a column of amounts exactly; unreadable values get an ``error.invalid_amount`` issue.

    Every value is read as :func:`csp_rules.facts.to_decimal` reads it (text as text, a decimal
    as the :class:`~decimal.Decimal` Arrow gives for it, an integer as an integer), so a value
    batch accepts is one :class:`~csp_rules.facts.Money` accepts, and a value it refuses (out of
    range: an adjusted exponent past ±30; text over 64 characters...) gets the same error. Floats
    are refused up front (:class:`~csp_rules.errors.InvalidAmountError`), as ``Money`` refuses them.
    """
    from ..facts import to_decimal

    n = len(arr)
    out = Amounts(n)
    valid = valid_mask(arr)
    out.status[~valid] = 1
    t = arr.type
    if pa.types.is_null(t):
        return out
    if pa.types.is_floating(t):
        raise InvalidAmountError(
            f"{field}: the column holds floats ({t}), which are refused; give decimals or strings "
            "(e.g. pandas: dtype=str when reading, or Decimal values)",
            field=field,
            value=str(t),
        )
    if pa.types.is_integer(t):
        if pa.types.is_uint64(t):
            arr = pc.cast(arr, pa.decimal128(20, 0))
            t = arr.type
        else:
            out.mant = numbers(arr.cast(pa.int64()))
            out.negative = out.mant < 0
            return out
    if pa.types.is_decimal(t):
        _decimal_amounts(arr, valid, out, field, issues)
        return out
    if not is_string(t):
        raise InvalidInputError(
            f"{field}: a column of type {t} cannot hold amounts", field=field, value=str(t)
        )
    s = as_string(arr)
    if _plain_amounts(s, valid, out):
        return out
    fast = (
        bools(pc.match_substring_regex(s, pattern=_FAST_AMOUNT))
        & (numbers(pc.binary_length(s), 99) <= 18)
        & valid
    )
    if fast.any():
        rows = np.flatnonzero(fast)
        sub = s if len(rows) == n else take_rows(s, rows)
        dot = numbers(pc.find_substring(sub, "."))
        length = numbers(pc.binary_length(sub))
        digits = pc.replace_substring(sub, ".", "")
        out.mant[rows] = numbers(pc.cast(digits, pa.int64()))
        out.scale[rows] = np.where(dot >= 0, length - dot - 1, 0)
        out.negative[rows] = bools(pc.starts_with(sub, "-")) & (out.mant[rows] < 0)
    slow = valid & ~fast
    if slow.any():
        rows = np.flatnonzero(slow)
        sub = take_rows(s, rows)

        def read(text: str) -> Decimal | Problem:
            try:
                return to_decimal(text, field)
            except CspRulesError as exc:
                return Problem(exc)

        results, idx = distinct_map(sub, read)
        for row, k in zip(rows.tolist(), idx.tolist(), strict=True):
            _store(out, row, results[k], issues)
    return out


def _plain_amounts(s: pa.Array, valid: B, out: Amounts) -> bool:
    """Read a column whose every value is of the plain form ``-?D+(.D+)?`` (at most 18 bytes and 18
    digits at the column's largest scale) by one decimal cast; False (nothing read) when some value is
    not, for the general path.

    Arrow's decimal parser reads the plain form and a few more (``+3``, ``1e3``, ``.5``, ``5.``): those
    are ruled out first, so what is read here is exactly what the plain form's regex reads.
    """
    n = len(s)
    if not valid.any():
        return False
    length = numbers(pc.binary_length(s))
    dot = numbers(pc.find_substring(s, "."), -1)
    negative = bools(pc.starts_with(s, "-"))
    scale = np.where(dot >= 0, length - dot - 1, 0)
    whole_digits = np.where(dot >= 0, dot, length) - negative
    plain = (length <= 18) & (whole_digits >= 1) & ((dot < 0) | (scale >= 1))
    if not plain[valid].all():
        return False
    for other in ("+", "e", "E"):
        if bools(pc.match_substring(s, other)).any():
            return False
    top = int(scale[valid].max())
    if int((whole_digits + top)[valid].max()) > 18:
        return False
    try:
        cast = pc.cast(s, pa.decimal128(38, top))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return False  # a value of another form (a space, a letter, two points...)
    words = np.frombuffer(cast.buffers()[1], dtype=np.int64, count=2 * (cast.offset + n))[2 * cast.offset :]
    mant = np.where(valid, words[0::2], 0) // _POW10[top - np.where(valid, scale, top)]
    out.mant = mant
    out.scale = np.where(valid, scale, 0)
    out.negative = valid & negative & (mant < 0)
    return True


_POW10: Final = np.array([10**k for k in range(19)], dtype=np.int64)


def _store(out: Amounts, row: int, value: Decimal | Problem, issues: Issues) -> None:
    if isinstance(value, Problem):
        out.status[row] = 2
        if issues.idx[row] < 0:
            issues.idx[row] = issues.entry(value)
        return
    out.negative[row] = value < 0
    split = _split_decimal(value)
    if split is None:
        out.big[row] = value
    else:
        out.mant[row], out.scale[row] = split


def _decimal_amounts(arr: pa.Array, valid: B, out: Amounts, field: str, issues: Issues) -> None:
    """Decimals of any width and scale: int64 words where they fit, else Python once per distinct value.

    The range is :func:`~csp_rules.facts.to_decimal`'s, on the value Arrow gives: ``|adjusted|``
    at most 30, where a zero's adjusted exponent is minus the column's scale (``0E-31`` is out of
    range, as in ``Money``). Values that fit 64 bits are below 10**19, so only their lower bound
    (scales past 30) can be crossed; the others go through ``to_decimal`` itself.
    """
    from ..facts import to_decimal

    original = arr
    scale = arr.type.scale
    fast = pa.types.is_decimal128(arr.type) and scale >= 0
    if not fast and 0 <= max(scale, 0) <= 38:
        try:  # decimal32/64, decimal256 and negative scales: a lossless cast, if every value fits
            arr = pc.cast(arr, pa.decimal128(38, max(scale, 0)))
            fast = True
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass

    def read(value: Decimal) -> Decimal | Problem:
        try:
            return to_decimal(value, field)
        except CspRulesError as exc:
            return Problem(exc)

    if not fast:
        slow = valid
    else:
        words = np.frombuffer(arr.buffers()[1], dtype=np.int64, count=2 * (arr.offset + len(arr)))
        words = words[2 * arr.offset :]
        low, high = words[0::2], words[1::2]
        fits = ((high == 0) & (low >= 0)) | ((high == -1) & (low < 0))
        out.mant = np.where(valid & fits, low, 0)
        out.scale[:] = arr.type.scale
        out.negative = valid & (high < 0)
        out_of_range = np.zeros(len(arr), dtype=np.bool_)
        if scale > 30:  # below 10**-30 (zero included)
            bound = 10 ** (scale - 30)
            out_of_range = (out.mant > -bound) & (out.mant < bound)
        elif scale < -30:  # a zero of this scale is 0E+31 or more
            out_of_range = out.mant == 0
        slow = valid & (~fits | out_of_range)
        out.mant[slow] = 0
    if not slow.any():
        return
    rows = np.flatnonzero(slow)
    results, idx = distinct_map(take_rows(original, rows), read)
    for row, k in zip(rows.tolist(), idx.tolist(), strict=True):
        _store(out, row, results[k], issues)
