"""Records for :mod:`csp_rules.batch`: lists of mappings (Partner Center API line items), and JSON files of them.

Private; :mod:`csp_rules.batch` documents :func:`read_json` and records. The API's invoice line
items (``OneTimeInvoiceLineItem``) are camelCase JSON objects: ``customerCountry``, ``orderId``,
``orderDate``, ``productName``, ``chargeType``, ``subtotal``, ``totalForCustomer``, ``currency``,
``chargeStartDate``, ``chargeEndDate``, ``termAndBillingCycle``, ``reservationOrderId``...; they
name the same fields as the reconciliation files' columns (names are compared without case or
separators). A file holds them as an array, as JSON lines (one object a line), or as a page of the
API (an object whose ``items`` is the array). Numbers are read as exact decimals, never floats.
"""

from __future__ import annotations

import contextlib
import json
import stat
from collections.abc import Iterator, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa

from ..errors import InvalidAmountError, InvalidInputError
from ._read import texts  # not pa.array: it imports pandas when it is installed

__all__ = ["from_table", "read_json", "to_table"]

#: the largest JSON file read (its objects are held in memory while they are converted)
MAX_JSON_BYTES = 1 << 31


def _text(value: Any) -> str | None:
    """A JSON value (or a record's value) as the text a CSV cell holds: numbers exactly, nested values as JSON."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, Decimal)):
        return str(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, float):
        return repr(value)
    return json.dumps(value, ensure_ascii=False, default=str, sort_keys=True)


def _columns(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    seen: dict[str, None] = {}
    for row in rows:
        for key in row:
            if isinstance(key, str):
                seen.setdefault(key, None)
    return list(seen)


def to_table(records: Sequence[Any]) -> pa.Table:
    """A table of records (mappings of column names to values), one column per name seen, in the order seen.

    A column of one Arrow type (text, decimals, dates, instants, integers) keeps it; a column of
    mixed values is read as text (numbers exactly). A float in a column that is read as an amount
    is refused, as :class:`~csp_rules.facts.Money` refuses floats.

    :raises TypeError: an item is not a mapping.
    :raises InvalidAmountError: a float where a price is read.
    """
    from ._columns import plan_columns

    for i, row in enumerate(records):
        if not isinstance(row, Mapping):
            raise TypeError(
                f"table[{i}]: expected a mapping of column names to values, got {type(row).__name__}"
            )
    names = _columns(records)
    price = None
    with contextlib.suppress(InvalidInputError):  # evaluate says what is missing
        price = plan_columns(names).get("price")
    columns = {}
    for name in names:
        values = [row.get(name) for row in records]
        if name == price and any(isinstance(v, float) for v in values):
            raise InvalidAmountError(
                f"{name} (price): the records hold floats, which are refused as Money refuses them; "
                "give decimals or text (json.load(..., parse_float=decimal.Decimal), or batch.read_json)",
                field=name,
                value="float",
            )
        columns[name] = _array(values)
    return pa.table(columns) if columns else pa.table({"": pa.nulls(len(records))}).drop_columns([""])


def _array(values: list[Any]) -> pa.Array:
    kinds = {type(v) for v in values if v is not None}
    if kinds <= {str}:
        return texts(values)
    if len(kinds) == 1 and kinds <= {Decimal, int, date, datetime}:
        try:
            return pa.array(values)
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError, ValueError, TypeError):
            pass
    return texts([_text(v) for v in values])


def from_table(
    result: pa.Table, records: Sequence[Mapping[str, Any]], columns: Sequence[str]
) -> list[dict[str, Any]]:
    """Each record as a new dict, its own keys and values first, then the result ``columns`` of its row."""
    added = result.select(list(columns)).to_pylist()
    out = []
    for row, extra in zip(records, added, strict=True):
        merged = {k: v for k, v in row.items() if k not in extra}
        merged.update(extra)
        out.append(merged)
    return out


def read_json(source: str | Path) -> pa.Table:
    """A table of the invoice line items in a JSON file: an array, JSON lines, or an API page (``items``).

    Every column is text (numbers as their exact decimal text, ``true``/``false``, nested values as
    JSON), as a CSV file's cells are, so that :func:`csp_rules.batch.evaluate` gives the same results
    for the same rows in JSON or in CSV. Columns are the names seen, in the order seen; a name an
    item lacks is null there.

    :raises InvalidInputError: the file cannot be read, is not JSON (the line and column are said),
        or holds something other than objects.
    :raises TypeError: ``source`` is not a path.
    """
    if not isinstance(source, (str, Path)):
        raise TypeError(f"source: expected a path, got {type(source).__name__}")
    name = str(source)

    def refuse(why: str) -> InvalidInputError:
        return InvalidInputError(f"{name}: {why}", field="file", value=name)

    try:
        path = Path(source)
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            raise refuse("is a directory; give a JSON file")
        if not stat.S_ISREG(info.st_mode):  # a pipe would be waited on forever
            raise refuse("not a regular file (a pipe or a device): save the JSON to a file first")
        size = info.st_size
        if size > MAX_JSON_BYTES:
            raise refuse(f"a JSON file of more than {MAX_JSON_BYTES >> 20} MiB; give JSON lines (.jsonl)")
        raw = path.read_bytes()
    except InvalidInputError:
        raise
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise refuse(f"cannot read the file: {reason}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise refuse(f"not UTF-8 text (byte {exc.start + 1})") from None
    items = list(_items(text, refuse, lines=path.suffix.lower() in (".jsonl", ".ndjson")))
    names = _columns(items)
    return pa.table(
        {n: texts([_text(item.get(n)) for item in items]) for n in names}
        or {"": pa.nulls(len(items), pa.string())}
    ).select(names)


def _loads(text: str) -> Any:
    return json.loads(text, parse_float=Decimal, parse_int=int, parse_constant=_no_constant)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _items(text: str, refuse: Any, *, lines: bool) -> Iterator[Mapping[str, Any]]:
    """The objects of a JSON text: an array, a page (``items``), one object, or JSON lines."""
    stripped = text.lstrip()
    if not stripped:
        raise refuse("the file is empty (no JSON)")
    if not lines:
        try:
            data = _loads(text)
        except json.JSONDecodeError as exc:
            if exc.msg != "Extra data" or not stripped.startswith("{"):
                raise refuse(f"line {exc.lineno}, column {exc.colno}: not JSON ({exc.msg})") from None
            lines = True  # one object after another: JSON lines
        except (ValueError, RecursionError) as exc:
            raise refuse(f"not JSON ({exc})") from None
        else:
            if isinstance(data, Mapping) and isinstance(data.get("items"), list):
                data = data["items"]
            elif isinstance(data, Mapping):
                data = [data]
            if not isinstance(data, list):
                raise refuse(
                    f"expected an array of line items, an object with 'items', or JSON lines, got {type(data).__name__}"
                )
            for i, item in enumerate(data):
                if not isinstance(item, Mapping):
                    raise refuse(f"item {i + 1}: expected an object, got {type(item).__name__}")
                yield item
            return
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = _loads(line)
        except json.JSONDecodeError as exc:
            raise refuse(f"line {number}, column {exc.colno}: not JSON ({exc.msg})") from None
        except (ValueError, RecursionError) as exc:
            raise refuse(f"line {number}: not JSON ({exc})") from None
        if not isinstance(item, Mapping):
            raise refuse(f"line {number}: expected an object, got {type(item).__name__}")
        yield item
