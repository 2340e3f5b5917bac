"""csp_rules.batch and column types (issue 14): every Arrow type is read, or refused by name.

Whatever a column's type, ``batch.evaluate`` gives either one table-level
:class:`~csp_rules.errors.CspRulesError` naming the column (its ``field`` is the column's name,
the message names it and its type), or per-row results: never an Arrow exception, never a row lost
or reordered. A type that is read is read as the same values written as text would be: the
results equal those of the all-text table. Binary is UTF-8 text; bytes that are not UTF-8 are
their row's error, on that row only. Amounts have exactly the range of
:func:`csp_rules.facts.to_decimal` (``Money``), whatever their type.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, datetime, time, timedelta, timezone
from decimal import Context, Decimal
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from csp_rules import batch, billing
from csp_rules.batch import _read
from csp_rules.errors import CspRulesError, InvalidAmountError, InvalidInputError
from csp_rules.facts import Money, ProductKind, Purchase, to_decimal

UTC = timezone.utc
AT = datetime(2020, 3, 20, tzinfo=UTC)
_EXACT = Context(prec=200)
RESULTS = list(batch.RESULT_COLUMNS)

# three purchases, every cell text; a test gives one column another type
ROWS: dict[str, list[str | None]] = {
    "market": ["FR", "AU", "Côte d'Ivoire"],
    "order_id": ["O-1", "O-2", "Ö-3"],
    "product_name": ["Office 365 E3", "Windows Server 2019 Standard", "Visio Plan 2"],
    "kind": ["software_subscription", "perpetual_software", "software_subscription"],
    "purchased_at": ["2020-03-01T10:00:00+00:00", "2020-03-05T00:00:00+00:00", "2020-03-10T23:30:00+00:00"],
    "price": ["120.00", "97.50", "36.00"],
    "currency": ["EUR", "AUD", "XOF"],
    "term_start": ["2020-03-01", None, "2020-03-10"],
    "term_end": ["2020-03-31", None, "2021-03-10"],
}


def _table(**columns: Any) -> pa.Table:
    """The three purchases with a ``row_id``, the given columns replacing the text ones."""
    data: dict[str, Any] = {"row_id": pa.array(range(3), pa.int64())}
    for name, values in ROWS.items():
        data[name] = columns.pop(name, pa.array(values, pa.string()))
    data.update(columns)  # columns under another name (a reconciliation name, say)
    return pa.table(data)


def _results(table: pa.Table | pa.RecordBatch) -> list[dict[str, Any]]:
    return table.select(RESULTS).to_pylist()


TEXT_RESULTS = _results(batch.evaluate(_table(), at=AT))


def _evaluate(table: pa.Table) -> pa.Table:
    """``batch.evaluate``, checking the rows come back whole and in order (also as a record batch)."""
    out = batch.evaluate(table, at=AT)
    assert out.column("row_id").to_pylist() == list(range(table.num_rows))
    for name in table.column_names:
        if name not in batch.RESULT_COLUMNS:  # kind: the kind each row was taken to be
            assert out.column(name).to_pylist() == table.column(name).to_pylist(), name
    codes, versions = out.column("error_code").to_pylist(), out.column("rules_version").to_pylist()
    assert all((c is None) != (v is None) for c, v in zip(codes, versions, strict=True))
    record_batch = batch.evaluate(table.combine_chunks().to_batches()[0], at=AT)
    assert _results(record_batch) == _results(out)
    return out


def _ree(values: pa.Array) -> pa.Array:
    """A run-end encoded array of the same values."""
    return pa.RunEndEncodedArray.from_arrays(pa.array(range(1, len(values) + 1), pa.int32()), values)


# --- text types: every string and binary type reads as the text -----------------------------


def _text_forms() -> dict[str, Callable[[list[Any]], pa.Array]]:
    forms: dict[str, Callable[[list[Any]], pa.Array]] = {
        "string": lambda v: pa.array(v, pa.string()),
        "large_string": lambda v: pa.array(v, pa.large_string()),
        "string_view": lambda v: pa.array(v, pa.string_view()),
        "binary": lambda v: pa.array(_encoded(v), pa.binary()),
        "large_binary": lambda v: pa.array(_encoded(v), pa.large_binary()),
        "binary_view": lambda v: pa.array(_encoded(v), pa.binary_view()),
        "dictionary<string>": lambda v: pa.array(v, pa.string()).dictionary_encode(),
        "dictionary<large_string>": lambda v: pa.array(v, pa.large_string()).dictionary_encode(),
        "dictionary<binary>": lambda v: pa.array(_encoded(v), pa.binary()).dictionary_encode(),
        "dictionary<large_binary>": lambda v: pa.array(_encoded(v), pa.large_binary()).dictionary_encode(),
        "dictionary<string_view>": lambda v: _dictionary(v, pa.string_view()),
        "dictionary<binary_view>": lambda v: _dictionary(_encoded(v), pa.binary_view()),
        "run_end_encoded<string>": lambda v: _ree(pa.array(v, pa.string())),
        "run_end_encoded<binary>": lambda v: _ree(pa.array(_encoded(v), pa.binary())),
    }
    return forms


def _encoded(values: list[Any]) -> list[bytes | None]:
    return [None if v is None else v.encode("utf-8") for v in values]


def _dictionary(values: list[Any], kind: pa.DataType) -> pa.Array:
    """Every value its own dictionary entry, the entries in reverse order."""
    n = len(values)
    entries = pa.array(values[::-1], kind)
    return pa.DictionaryArray.from_arrays(pa.array(range(n - 1, -1, -1), pa.int32()), entries)


TEXT_FORMS = _text_forms()
TEXT_FIELDS = [
    "market",
    "order_id",
    "product_name",
    "kind",
    "currency",
    "purchased_at",
    "price",
    "term_start",
]


@pytest.mark.parametrize("form", sorted(TEXT_FORMS))
@pytest.mark.parametrize("field", TEXT_FIELDS)
def test_every_string_and_binary_type_reads_as_its_text(field: str, form: str) -> None:
    out = _evaluate(_table(**{field: TEXT_FORMS[form](ROWS[field])}))
    assert _results(out) == TEXT_RESULTS


def test_fixed_size_binary_reads_as_text() -> None:
    currency = pa.array(_encoded(ROWS["currency"]), pa.binary(3))
    assert _results(_evaluate(_table(currency=currency))) == TEXT_RESULTS


# --- bytes that are not UTF-8: an error on their row only ----------------------------------------

# field -> (column name used, the code of its row error)
UNREADABLE = {
    "market": ("CustomerCountry", "error.invalid_field"),
    "order_id": ("Order ID", "error.invalid_field"),
    "product_name": ("product_name", "error.invalid_field"),
    "kind": ("kind", "error.invalid_field"),
    "currency": ("Currency", "error.invalid_field"),
    "purchased_at": ("purchased_at", "error.invalid_date"),
    "price": ("Subtotal", "error.invalid_amount"),
    "term_start": ("term_start", "error.invalid_date"),
}
BINARY_FORMS = ["binary", "large_binary", "binary_view", "dictionary<binary>", "run_end_encoded<binary>"]


def _with_bad_bytes(field: str, form: str, row: int, bad: bytes) -> pa.Table:
    """The purchases with ``field`` as binary of ``form``, ``bad`` at ``row``, under its column name."""
    column, _ = UNREADABLE[field]
    values: list[Any] = _encoded(ROWS[field])
    values[row] = bad
    kind = {"binary": pa.binary(), "large_binary": pa.large_binary(), "binary_view": pa.binary_view()}
    raw = pa.array(values, kind.get(form, pa.binary()))
    if form.startswith("dictionary"):
        raw = raw.dictionary_encode()
    elif form.startswith("run_end"):
        raw = _ree(raw)
    table = _table(**{field: raw})
    if column != field:
        table = table.rename_columns([column if c == field else c for c in table.column_names])
    return table


@pytest.mark.parametrize("form", BINARY_FORMS)
@pytest.mark.parametrize("field", sorted(UNREADABLE))
@pytest.mark.parametrize("row", [0, 2])
def test_bytes_that_are_not_utf8_are_an_error_on_their_row_only(field: str, form: str, row: int) -> None:
    column, code = UNREADABLE[field]
    out = _evaluate(_with_bad_bytes(field, form, row, b"caf\xe9 \xff"))
    results = _results(out)
    assert results[row]["error_code"] == code
    message = results[row]["error_message"]
    assert message.startswith(f"{field}: ") and repr(column) in message and "\\xe9" in message
    assert "not UTF-8" in message
    # only the row's error, and what every row has: its type and when it was evaluated
    assert {k for k, v in results[row].items() if v is not None} == {
        "error_code",
        "error_message",
        "row_type",
        "evaluated_at",
    }
    for other in set(range(3)) - {row}:
        assert results[other] == TEXT_RESULTS[other]


def test_bytes_that_are_not_utf8_in_a_later_chunk_mark_the_right_row() -> None:
    good = _encoded(ROWS["market"])
    market = pa.chunked_array(
        [
            pa.array(good[:1], pa.binary()),
            pa.array([], pa.binary()),
            pa.array([good[1], b"\xc3("], pa.binary()),
        ]
    )
    codes = _evaluate(_table(market=market)).column("error_code").to_pylist()
    assert codes == [None, None, "error.invalid_field"]


def test_the_reported_string_view_date_column_with_one_bad_value() -> None:
    purchased = pa.array([ROWS["purchased_at"][0], "2020-02-30", ROWS["purchased_at"][2]], pa.string_view())
    out = _results(_evaluate(_table(purchased_at=purchased)))
    assert [r["error_code"] for r in out] == [None, "error.invalid_date", None]
    assert "'2020-02-30'" in out[1]["error_message"]
    assert out[0] == TEXT_RESULTS[0] and out[2] == TEXT_RESULTS[2]


def test_uuid_columns_read_as_their_canonical_text() -> None:
    if not hasattr(pa, "uuid"):  # pragma: no cover - pyarrow < 18 has no UUID type
        pytest.skip("this pyarrow has no UUID extension type")
    ids = [uuid.UUID(int=i * 0x0123456789ABCDEF0123456789ABCDEF % 2**128) for i in range(1, 5)]
    storage = pa.array([u.bytes for u in ids] + [None], pa.binary(16))
    column = pa.ExtensionArray.from_storage(pa.uuid(), storage).slice(1)
    prepared, bad = _read.prepare({"order_id": column}, {"order_id": "order_id"}, 4)
    assert bad is None
    assert prepared["order_id"].to_pylist() == [str(u) for u in ids[1:]] + [None]
    order_id = pa.ExtensionArray.from_storage(pa.uuid(), pa.array([u.bytes for u in ids[:3]], pa.binary(16)))
    assert _results(_evaluate(_table(order_id=order_id))) == TEXT_RESULTS


# --- instants: every timestamp unit, with and without a time zone; dates ------------------------

_MOMENTS = [datetime.fromisoformat(v) for v in ROWS["purchased_at"] if v is not None]


@pytest.mark.parametrize("unit", ["s", "ms", "us", "ns"])
@pytest.mark.parametrize("zone", ["UTC", "Europe/Paris", "+05:30", "-09:30", "America/St_Johns"])
def test_timestamps_of_every_unit_and_zone_are_their_instant(unit: str, zone: str) -> None:
    purchased = pa.array(_MOMENTS, pa.timestamp("us", tz="UTC")).cast(pa.timestamp(unit, tz=zone))
    assert _results(_evaluate(_table(purchased_at=purchased))) == TEXT_RESULTS


@pytest.mark.parametrize("unit", ["s", "ms", "us", "ns"])
def test_timestamps_without_a_zone_are_naive_unless_partner_center_wrote_them(unit: str) -> None:
    naive = pa.array([m.replace(tzinfo=None) for m in _MOMENTS], pa.timestamp(unit))
    out = _results(_evaluate(_table(purchased_at=naive)))
    assert [r["error_code"] for r in out] == ["error.naive_datetime"] * 3
    # OrderDate (a reconciliation name) is written in UTC without an offset: read as UTC
    table = _table(purchased_at=naive).rename_columns(
        ["OrderDate" if c == "purchased_at" else c for c in _table().column_names]
    )
    assert _results(_evaluate(table)) == TEXT_RESULTS


@pytest.mark.parametrize("kind", [pa.date32(), pa.date64()])
def test_date_columns_are_midnight_utc(kind: pa.DataType) -> None:
    days = [m.date() for m in _MOMENTS]
    text = _table(purchased_at=pa.array([d.isoformat() for d in days], pa.string()))
    typed = _table(purchased_at=pa.array(days, kind))
    assert _results(_evaluate(typed)) == _results(_evaluate(text))
    terms = {
        f: pa.array([None if v is None else date.fromisoformat(v) for v in ROWS[f]], kind)
        for f in ("term_start", "term_end")
    }
    assert _results(_evaluate(_table(**terms))) == TEXT_RESULTS


# --- amounts: every integer and decimal type is its exact value ----------------------------------

_PRICES = [Decimal(v) for v in ROWS["price"] if v is not None]


@pytest.mark.parametrize(
    "kind",
    [
        pa.decimal32(9, 2),
        pa.decimal64(18, 2),
        pa.decimal128(5, 2),
        pa.decimal128(38, 2),
        pa.decimal128(38, 18),
        pa.decimal128(38, 30),
        pa.decimal256(76, 2),
        pa.decimal256(76, 40),
        pa.decimal128(6, -1),  # 12E+1...: the values must be whole tens here
    ],
    ids=str,
)
def test_decimal_columns_of_any_width_and_scale_are_their_exact_value(kind: pa.DataType) -> None:
    values = _PRICES if kind.scale >= 0 else [Decimal("120"), Decimal("90"), Decimal("30")]
    prices = pa.array(values, kind)
    expected = TEXT_RESULTS
    if kind.scale < 0:
        expected = _results(_evaluate(_table(price=pa.array([str(v) for v in values]))))
    assert _results(_evaluate(_table(price=prices))) == expected


@pytest.mark.parametrize("kind", ["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"])
def test_integer_columns_of_every_width_are_their_value(kind: str) -> None:
    values = [120, 97, 36]
    typed = _table(price=pa.array(values, getattr(pa, kind)()))
    text = _table(price=pa.array([str(v) for v in values]))
    assert _results(_evaluate(typed)) == _results(_evaluate(text))


@pytest.mark.parametrize("kind", [pa.float16(), pa.float32(), pa.float64()], ids=str)
def test_float_prices_are_refused_naming_the_column(kind: pa.DataType) -> None:
    prices = pa.array([1.5, None, 2.0], pa.float64()).cast(kind)
    table = _table(price=prices).rename_columns(
        ["Subtotal" if c == "price" else c for c in _table().column_names]
    )
    with pytest.raises(InvalidAmountError, match="floats") as caught:
        batch.evaluate(table, at=AT)
    assert caught.value.field == "Subtotal"
    assert "Subtotal (price)" in str(caught.value) and f"float{kind.bit_width}" in str(caught.value)


def test_a_column_without_any_value_is_a_column_of_nulls_whatever_its_type() -> None:
    for kind in (pa.float64(), pa.struct([("a", pa.int64())]), pa.list_(pa.string()), pa.time64("us")):
        out = _results(_evaluate(_table(price=pa.nulls(3, kind))))
        assert [r["credit_amount"] for r in out] == [None] * 3  # no price: no credit, no error
        assert [r["cancellation_outcome"] for r in out] == [r["cancellation_outcome"] for r in TEXT_RESULTS]
        codes = _results(_evaluate(_table(market=pa.nulls(3, kind))))
        assert [r["error_code"] for r in codes] == ["error.missing_field"] * 3


# --- types a field cannot hold: one error naming the column -------------------------------------


class _Note(pa.ExtensionType):
    """A user's extension type (text stored as a string)."""

    def __init__(self) -> None:
        super().__init__(pa.string(), "acme.note")

    def __arrow_ext_serialize__(self) -> bytes:
        return b""

    @classmethod
    def __arrow_ext_deserialize__(cls, storage_type: pa.DataType, serialized: bytes) -> _Note:
        return cls()


ODD: dict[str, Callable[[], pa.Array]] = {
    "bool": lambda: pa.array([True, False, None]),
    "struct": lambda: pa.array([{"a": 1}, None, {"a": 2}]),
    "list": lambda: pa.array([[1], None, []]),
    "large_list": lambda: pa.array([[1], None, []], pa.large_list(pa.int64())),
    "fixed_size_list": lambda: pa.array([[1], None, [2]], pa.list_(pa.int64(), 1)),
    "list_view": lambda: pa.array([[1], None, []], pa.list_view(pa.int64())),
    "map": lambda: pa.array([[("a", 1)], None, []], pa.map_(pa.string(), pa.int64())),
    "dense_union": lambda: pa.UnionArray.from_dense(
        pa.array([0, 1, 0], pa.int8()), pa.array([0, 0, 1], pa.int32()), [pa.array([1, 2]), pa.array(["a"])]
    ),
    "sparse_union": lambda: pa.UnionArray.from_sparse(
        pa.array([0, 1, 0], pa.int8()), [pa.array([1, 2, 3]), pa.array(["a", "b", "c"])]
    ),
    "time32": lambda: pa.array([time(1), None, time(2)], pa.time32("s")),
    "time64": lambda: pa.array([time(1), None, time(2)], pa.time64("ns")),
    "duration": lambda: pa.array([timedelta(1), None, timedelta(2)], pa.duration("ms")),
    "month_day_nano_interval": lambda: pa.array(
        [pa.MonthDayNano([1, 2, 3]), None, pa.MonthDayNano([0, 0, 1])], pa.month_day_nano_interval()
    ),
    "extension acme.note": lambda: pa.ExtensionArray.from_storage(_Note(), pa.array(["x", None, "y"])),
    "dictionary<struct>": lambda: pa.DictionaryArray.from_arrays(
        pa.array([0, None, 0], pa.int8()), pa.array([{"a": 1}])
    ),
    "run_end_encoded<bool>": lambda: _ree(pa.array([True, None, False])),
}
NUMBERS: dict[str, Callable[[], pa.Array]] = {
    "int64": lambda: pa.array([1, None, 2]),
    "uint8": lambda: pa.array([1, None, 2], pa.uint8()),
    "decimal128": lambda: pa.array([Decimal("1.5"), None, Decimal(2)], pa.decimal128(5, 1)),
    "decimal256": lambda: pa.array([Decimal("1.5"), None, Decimal(2)], pa.decimal256(50, 1)),
    "float64": lambda: pa.array([1.5, None, 2.0]),
}
TEMPORAL: dict[str, Callable[[], pa.Array]] = {
    "date32": lambda: pa.array([date(2020, 3, 1), None, date(2020, 3, 2)]),
    "timestamp": lambda: pa.array([_MOMENTS[0], None, _MOMENTS[1]], pa.timestamp("ms", tz="UTC")),
}
# field (with the column name it is given under) -> the types it refuses
REFUSED: dict[tuple[str, str], dict[str, Callable[[], pa.Array]]] = {
    ("market", "Customer Country"): ODD | TEMPORAL,
    ("order_id", "order_id"): ODD | TEMPORAL,
    ("currency", "Currency"): ODD | TEMPORAL,
    ("purchased_at", "purchased_at"): ODD | NUMBERS,
    ("term_start", "ChargeStartDate"): ODD | NUMBERS,
    ("price", "Subtotal"): ODD | TEMPORAL | {"float64": NUMBERS["float64"]},
}


@pytest.mark.parametrize(
    ("field", "column", "form"),
    [(field, column, form) for (field, column), forms in REFUSED.items() for form in sorted(forms)],
)
def test_a_type_a_field_cannot_hold_is_refused_naming_the_column(field: str, column: str, form: str) -> None:
    array = REFUSED[field, column][form]()
    table = _table(**{field: array})
    names = {field: column}
    if field == "term_start":  # a reconciliation pair
        names["term_end"] = "ChargeEndDate"
    table = table.rename_columns([names.get(c, c) for c in table.column_names])
    with pytest.raises(CspRulesError) as caught:
        batch.evaluate(table, at=AT)
    error = caught.value
    assert type(error) is (InvalidAmountError if (field, form) == ("price", "float64") else InvalidInputError)
    assert error.field == column
    where = column if column == field else f"{column} ({field})"
    assert str(error).startswith(f"{where}: "), str(error)
    assert "Arrow" not in str(error) and "\n" not in str(error)


def test_the_same_types_are_refused_in_every_adapter() -> None:
    struct = pa.array([{"a": 1}, None, {"a": 2}])
    for table in (_table(price=struct), _table(price=struct).to_batches()[0]):
        with pytest.raises(
            InvalidInputError, match=r"^price: a column of type struct<a: int64> cannot hold amounts"
        ):
            batch.evaluate(table, at=AT)


# --- the same amount range as Money --------------------------------------------------------------


def _money_verdict(value: Any) -> tuple[str, str] | Decimal:
    """What the scalar path says of an amount: its Decimal, or (code, message)."""
    try:
        return to_decimal(value, "price")
    except CspRulesError as exc:
        return exc.code, " ".join(str(exc).split())


def _amount_verdicts(arr: pa.Array) -> list[tuple[str, str] | Decimal | None]:
    """What batch's amount reader says of each value of a column (None: a null)."""
    issues = _read.Issues(len(arr))
    prepared, _ = _read.prepare({"price": arr}, {"price": "price"}, len(arr))
    read = _read.amounts(_read.plain(prepared["price"]), "price", issues)
    out: list[tuple[str, str] | Decimal | None] = []
    for i in range(len(arr)):
        if read.status[i] == 1:
            out.append(None)
        elif read.status[i] == 2:
            out.append(issues.entries[issues.idx[i]])
        else:
            out.append(read.decimal(i))
    return out


def _decimal_values() -> tuple[st.SearchStrategy[Decimal], ...]:
    """Decimals around the range's edges: 1E+28 .. 1E+42, tiny scales, zeros of any exponent; and
    everyday prices (which a decimal128 column holds, on its int64 path)."""
    digits = st.one_of(
        st.integers(0, 9), st.integers(0, 10**18), st.integers(0, 10**40), st.sampled_from([0, 1, 9, 10, 99])
    )
    exponents = st.one_of(st.integers(-45, 45), st.integers(28, 42), st.integers(-42, -28))
    edges = st.builds(
        lambda sign, d, e: Decimal((sign, tuple(int(c) for c in str(d)), e)),
        st.integers(0, 1),
        digits,
        exponents,
    )
    # 1E+29 .. 1E+33 and 1E-33 .. 1E-29 with few digits: decimal128 holds them
    near = st.builds(lambda d, e: Decimal(d).scaleb(e), st.integers(0, 999), st.integers(-35, 31))
    prices = st.decimals(min_value=-(10**12), max_value=10**12, places=4, allow_nan=False)
    return edges, near, prices


def _decimal_column(draw: st.DrawFn, values: list[Decimal]) -> pa.Array:
    """A decimal column holding ``values`` at one scale (extra zeros allowed), decimal128 or 256."""
    exponents = [int(v.as_tuple().exponent) for v in values]
    scale = max(-e for e in exponents) + draw(st.integers(0, 6))
    mants = [int(v.scaleb(scale, context=_EXACT)) for v in values]  # whole: scale >= -exponent
    precision = max(len(str(abs(m))) for m in mants)
    assume(precision <= 76 and -76 <= scale <= 76)
    wide = precision > 38 or abs(scale) > 38 or draw(st.integers(0, 3)) == 0
    kind = pa.decimal256(precision, scale) if wide else pa.decimal128(precision, scale)
    try:
        column = pa.array([*values, None], kind)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        assume(False)
    assert column.to_pylist()[:-1] == values  # the same numbers (at the column's scale)
    return column


@st.composite
def amount_columns(draw: st.DrawFn) -> pa.Array:
    """A price column of text, integers or decimals, with values on both sides of Money's range."""
    form = draw(st.sampled_from(["text", "int64", "uint64", "decimal"]))
    if form == "text":
        texts = st.one_of(
            st.one_of(_decimal_values()).map(str),
            st.one_of(_decimal_values()).map(lambda d: f"{d:f}"),
            st.sampled_from(
                [
                    "-0",
                    "-0.000",
                    "0E-31",
                    "0E-30",
                    "1e30",
                    "1E+31",
                    " 9.99e30 ",
                    "1" * 64,
                    "1" * 65,
                    "0." + "0" * 62 + "1",
                ]
            ),
        )
        return pa.array([*draw(st.lists(texts, min_size=1, max_size=8)), None], pa.string())
    if form == "int64":
        return pa.array(draw(st.lists(st.integers(-(2**63), 2**63 - 1), min_size=1, max_size=8)), pa.int64())
    if form == "uint64":
        return pa.array(draw(st.lists(st.integers(0, 2**64 - 1), min_size=1, max_size=8)), pa.uint64())
    family = draw(st.sampled_from(_decimal_values()))  # one column, one kind of values
    return _decimal_column(draw, draw(st.lists(family, min_size=1, max_size=6)))


@given(amount_columns())
@settings(max_examples=300)
def test_batch_reads_amounts_with_exactly_the_range_of_money(column: pa.Array) -> None:
    expected = [None if v is None else _money_verdict(v) for v in column.to_pylist()]
    assert _amount_verdicts(column) == expected


@given(amount_columns(), st.sampled_from(["EUR", "JPY", "KWD"]))
@settings(max_examples=60)
def test_a_price_gets_a_credit_exactly_when_money_takes_it(column: pa.Array, currency: str) -> None:
    n = len(column)
    table = pa.table(
        {
            "market": ["FR"] * n,
            "order_id": [f"O-{i}" for i in range(n)],
            "product_name": ["Visio"] * n,
            "kind": ["perpetual_software"] * n,
            "purchased_at": ["2020-03-01"] * n,
            "price": column,
            "currency": [currency] * n,
        }
    )
    out = batch.evaluate(table, at=AT).select(["credit_amount", "error_code", "error_message"]).to_pylist()
    for value, got in zip(column.to_pylist(), out, strict=True):
        expected: dict[str, Any] = {"credit_amount": None, "error_code": None, "error_message": None}
        if value is not None:
            try:  # as a caller of the scalar API reads the cell (the field named as batch names it)
                purchase = Purchase(
                    order_id="O",
                    product_name="Visio",
                    kind=ProductKind.PERPETUAL_SOFTWARE,
                    purchased_at=date(2020, 3, 1),
                    price=Money(to_decimal(value, "price"), currency),
                )
                expected["credit_amount"] = billing.refund_credit(purchase, cancelled_at=AT).amount.amount
            except CspRulesError as exc:
                expected.update(error_code=exc.code, error_message=" ".join(str(exc).split()))
        if expected["error_code"] is not None and got["error_code"] == expected["error_code"]:
            # the same code; the message too where it is the range's (or the text's) own
            if "out of range" in expected["error_message"] or "too long" in expected["error_message"]:
                assert got["error_message"] == expected["error_message"]
            continue
        assert got == expected, value


@pytest.mark.parametrize(
    "value",
    [
        Decimal("1E+30"),
        Decimal("9.999E+30"),
        Decimal("1E+31"),
        Decimal("1E+33"),
        Decimal("1E+34"),
        Decimal("1E+40"),
    ],
    ids=str,
)
def test_the_reported_decimals_past_money_range_are_refused_on_their_row(value: Decimal) -> None:
    kind = pa.decimal256(76, 0) if value.adjusted() >= 38 else pa.decimal128(38, 0)
    prices = pa.array([Decimal(120), value, Decimal(36)], kind)
    out = _results(_evaluate(_table(price=prices)))
    verdict = _money_verdict(prices[1].as_py())  # the Decimal a reader of the table gets
    if isinstance(verdict, tuple):
        assert (out[1]["error_code"], out[1]["error_message"]) == verdict
    else:
        assert out[1]["error_code"] is None and out[1]["credit_amount"] == value
    assert out[0] == TEXT_RESULTS[0] and out[2]["error_code"] is None


def test_a_zero_of_a_tiny_scale_is_refused_as_money_refuses_it() -> None:
    for scale, refused in ((30, False), (31, True), (38, True)):
        column = pa.array([Decimal(0), Decimal("0.5")], pa.decimal128(38, scale))
        verdicts = _amount_verdicts(column)
        assert isinstance(verdicts[0], tuple) is refused, scale
        assert verdicts[1] == Decimal("0.5")
    for scale, refused in ((-30, False), (-31, True)):
        column = pa.Array.from_buffers(pa.decimal128(1, scale), 1, [None, pa.py_buffer(bytes(16))])
        assert column[0].as_py() == Decimal(f"0E+{-scale}")
        assert isinstance(_amount_verdicts(column)[0], tuple) is refused, scale


# --- pandas and polars -----------------------------------------------------------------------------


def _frame_rows(**override: Any) -> dict[str, Any]:
    data: dict[str, Any] = {name: list(values) for name, values in ROWS.items()}
    data.update(override)
    return data


def test_polars_128_bit_integers_are_exact_amounts_with_money_range() -> None:
    import polars as pl

    big = 2**127 - 1
    for dtype in (pl.Int128, pl.UInt128):
        df = pl.DataFrame(_frame_rows(price=pl.Series([120, 10**30, big], dtype=dtype)))
        out = batch.evaluate(df, at=AT)
        assert out.height == 3
        rows = out.select(RESULTS).to_dicts()
        assert rows[0] == TEXT_RESULTS[0]
        assert rows[1]["error_code"] is None  # 1E+30: adjusted exponent 30, in range
        # Money(2**127 - 1) is out of range (the message shows the value as a Decimal)
        assert _money_verdict(big)[0] == rows[2]["error_code"] == "error.invalid_amount"  # type: ignore[index]
        assert rows[2]["error_message"].endswith(" is out of range")


def test_polars_128_bit_integers_elsewhere_are_text_or_refused_by_name() -> None:
    import polars as pl

    df = pl.DataFrame(_frame_rows(order_id=pl.Series([1, 2, 3], dtype=pl.Int128)))
    assert batch.evaluate(df, at=AT).select(RESULTS).to_dicts() == TEXT_RESULTS
    df = pl.DataFrame(_frame_rows(purchased_at=pl.Series([1, 2, 3], dtype=pl.Int128)))
    with pytest.raises(InvalidInputError, match="purchased_at: a column of type Int128") as caught:
        batch.evaluate(df, at=AT)
    assert caught.value.field == "purchased_at"


def test_polars_types() -> None:
    import polars as pl

    same = {
        "Categorical": pl.Series(ROWS["market"], dtype=pl.Categorical),
        "Enum": pl.Series(ROWS["market"], dtype=pl.Enum(sorted(set(ROWS["market"])))),  # type: ignore[arg-type]
        "Binary": pl.Series(_encoded(ROWS["market"]), dtype=pl.Binary),
    }
    for name, series in same.items():
        df = pl.DataFrame(_frame_rows(market=series))
        assert batch.evaluate(df, at=AT).select(RESULTS).to_dicts() == TEXT_RESULTS, name
    moments = pl.Series(_MOMENTS).cast(pl.Datetime("ns", "UTC")).dt.convert_time_zone("Asia/Kolkata")
    df = pl.DataFrame(
        _frame_rows(purchased_at=moments, price=pl.Series(ROWS["price"]).cast(pl.Decimal(38, 2)))
    )
    assert batch.evaluate(df, at=AT).select(RESULTS).to_dicts() == TEXT_RESULTS
    df = pl.DataFrame(_frame_rows(market=pl.Series([b"FR", b"\xff", None], dtype=pl.Binary)))
    codes = batch.evaluate(df, at=AT).get_column("error_code").to_list()
    assert codes == [None, "error.invalid_field", "error.missing_field"]
    df = pl.DataFrame(_frame_rows(order_id=pl.Series([object(), object(), None], dtype=pl.Object)))
    with pytest.raises(InvalidInputError, match="order_id: a column of Python objects") as caught:
        batch.evaluate(df, at=AT)
    assert caught.value.field == "order_id"


def _codes(frame: Any) -> list[str | None]:
    import pandas as pd

    return [None if pd.isna(c) else c for c in frame["error_code"]]


def test_pandas_python_integers_past_64_bits_are_exact() -> None:
    import pandas as pd

    df = pd.DataFrame(_frame_rows(price=pd.Series([10**25, 10**31, 2**64], dtype=object)))
    out = batch.evaluate(df, at=AT)
    as_text = _results(_evaluate(_table(price=pa.array([str(10**25), str(10**31), str(2**64)]))))
    assert _codes(out) == [r["error_code"] for r in as_text] == [None, "error.invalid_amount", None]
    # Money(10**31) is out of range (the message shows the value as a Decimal)
    assert out["error_message"].iloc[1].endswith(" is out of range")
    assert [out["credit_amount"].iloc[i] for i in (0, 2)] == [as_text[i]["credit_amount"] for i in (0, 2)]


def test_pandas_columns_that_are_no_table_column_are_refused_in_words() -> None:
    import pandas as pd

    mixed = pd.DataFrame(_frame_rows(price=pd.Series(["1.00", 2, Decimal(3)], dtype=object)))
    with pytest.raises(
        InvalidInputError,
        match=r"^price: cannot read this column: it mixes values of several kinds \(Decimal, int, str\)",
    ) as caught:
        batch.evaluate(mixed, at=AT)
    assert caught.value.field == "price"
    periods = pd.DataFrame(_frame_rows(purchased_at=pd.period_range("2020-03", periods=3, freq="M")))
    with pytest.raises(InvalidInputError, match=r"^purchased_at: a column of extension type pandas.period"):
        batch.evaluate(periods, at=AT)


def test_pandas_bytes_and_string_views() -> None:
    import pandas as pd

    df = pd.DataFrame(_frame_rows(market=pd.Series([b"FR", b"\xffAU", None], dtype=object)))
    assert _codes(batch.evaluate(df, at=AT)) == [
        None,
        "error.invalid_field",
        "error.missing_field",
    ]
    view = pd.Series([ROWS["purchased_at"][0], "2020-02-30", None], dtype=pd.ArrowDtype(pa.string_view()))
    out = batch.evaluate(pd.DataFrame(_frame_rows(purchased_at=view)), at=AT)
    assert _codes(out) == [None, "error.invalid_date", "error.missing_field"]
