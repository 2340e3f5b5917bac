"""How csp_rules.batch reads text columns: the vectorised readers agree with one value at a time.

Instants and amounts are read by Arrow kernels in the common case and by Python once per distinct
value otherwise; whatever mixture a column holds, each row must read as it reads alone, and as
Python reads it (``datetime.fromisoformat``, :func:`csp_rules.facts.to_decimal`).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st

from csp_rules.batch import _read as _vparse
from csp_rules.errors import CspRulesError
from csp_rules.facts import to_decimal

UTC = timezone.utc
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _us(value: datetime) -> int:
    return (value - EPOCH) // timedelta(microseconds=1)


@st.composite
def instant_texts(draw: st.DrawFn) -> str:
    moment = draw(st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)))
    form = draw(st.integers(0, 7))
    text = moment.date().isoformat()
    if form >= 1:
        sep = draw(st.sampled_from(["T", " "]))
        text += f"{sep}{moment.hour:02d}"
        if form >= 2:
            text += f":{moment.minute:02d}"
        if form >= 3:
            text += f":{moment.second:02d}"
        if form >= 4:
            digits = draw(st.integers(1, 9))
            text += "." + f"{moment.microsecond:06d}{draw(st.integers(0, 999)):03d}"[:digits]
        zone = draw(
            st.sampled_from(
                ["", "", "Z", "+01:00", "-05:30", "+0200", "-03", "+14:00", "+23:59", "+24:00", "-2400"]
            )
        )
        text += zone
    spoil = draw(st.integers(0, 12))
    if spoil == 0:
        text = text.replace("-", "/", 1)
    elif spoil == 1:
        text = text[:5] + "13" + text[7:]  # month 13
    elif spoil == 2:
        text = text[:8] + "31" + text[10:]  # 31st of any month (some do not have one)
    elif spoil == 3:
        text = f" {text} "
    return text


def _python(text: str) -> tuple[int, bool, bool] | None:
    """The reference: Python's own ISO reader (fraction digits past six dropped first)."""
    stripped = text.strip()
    if "/" in stripped:
        return None
    main, dot, rest = stripped.partition(".")
    if dot:
        digits = rest[: len(rest) - len(rest.lstrip("0123456789"))]
        zone = rest[len(digits) :]
        stripped = f"{main}.{digits[:6].ljust(6, '0')}{zone}"
    try:
        if len(stripped) == 10:
            day = date.fromisoformat(stripped)
            return _us(datetime(day.year, day.month, day.day, tzinfo=UTC)), True, False
        value = datetime.fromisoformat(stripped.replace("Z", "+00:00"))
    except ValueError:
        return None
    aware = value.tzinfo is not None
    try:
        instant = value.astimezone(UTC) if aware else value.replace(tzinfo=UTC)
    except OverflowError:
        return None
    return _us(instant), False, aware


@given(st.lists(instant_texts(), max_size=30), st.booleans())
def test_instant_columns_read_as_each_value_alone(texts: list[str], naive_is_utc: bool) -> None:
    us, status, date_only = _vparse.instants(pa.array(texts, type=pa.string()), naive_is_utc=naive_is_utc)
    for i, text in enumerate(texts):
        alone = _vparse.parse_instant_text(text)
        expected = _python(text)
        assert alone == expected, text
        if alone is None:
            assert status[i] == _vparse.INVALID, text
            continue
        value, only_date, has_offset = alone
        naive = not (only_date or has_offset or naive_is_utc)
        assert status[i] == (_vparse.NAIVE if naive else _vparse.OK), text
        assert us[i] == value, text
        assert bool(date_only[i]) == only_date, text


def test_instant_columns_of_other_types() -> None:
    moment = datetime(2020, 3, 1, 12, 30, 15, 123456, tzinfo=UTC)
    for arr in (
        pa.array([moment], pa.timestamp("us", tz="UTC")),
        pa.array([moment], pa.timestamp("us", tz="UTC")).cast(pa.timestamp("ns", tz="UTC")),
        pa.array([moment], pa.timestamp("us", tz="UTC")).cast(
            pa.timestamp("ms", tz="Europe/Paris"), safe=False
        ),
    ):
        us, status, _ = _vparse.instants(arr, naive_is_utc=False)
        assert status[0] == _vparse.OK
        assert abs(int(us[0]) - _us(moment)) < 1000
    us, status, only = _vparse.instants(pa.array([date(2020, 3, 1), None]), naive_is_utc=False)
    assert (
        list(status) == [_vparse.OK, _vparse.NULL]
        and only[0]
        and us[0] == _us(datetime(2020, 3, 1, tzinfo=UTC))
    )
    _, status, _ = _vparse.instants(
        pa.array([moment.replace(tzinfo=None)], pa.timestamp("us")), naive_is_utc=False
    )
    assert status[0] == _vparse.NAIVE
    _, status, _ = _vparse.instants(
        pa.array([moment.replace(tzinfo=None)], pa.timestamp("us")), naive_is_utc=True
    )
    assert status[0] == _vparse.OK
    far = pa.array([10**14], pa.int64()).cast(pa.timestamp("s"))  # far past year 9999
    _, status, _ = _vparse.instants(far, naive_is_utc=True)
    assert status[0] == _vparse.INVALID


amount_texts = st.one_of(
    st.integers(0, 20)
    .flatmap(lambda p: st.decimals(allow_nan=False, allow_infinity=False, places=p))
    .map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.integers(-(10**25), 10**25).map(str),
    st.from_regex(r"\A\s?[+-]?[0-9]{0,22}(\.[0-9]{0,20})?([eE][+-]?[0-9]{1,3})?\s?\Z"),
    st.sampled_from(["", " ", "1_000", "12,50", "abc", "-0", "0.000", "٣", "1" * 70]),
)


@given(st.lists(amount_texts, max_size=30))
def test_amount_columns_read_as_to_decimal(texts: list[str]) -> None:
    issues = _vparse.Issues(len(texts))
    amounts = _vparse.amounts(pa.array(texts, type=pa.string()), "price", issues)
    for i, text in enumerate(texts):
        try:
            expected: Decimal | str = to_decimal(text, "price")
        except CspRulesError as exc:
            expected = exc.code
        if isinstance(expected, str):
            assert amounts.status[i] == 2 and issues.entries[issues.idx[i]][0] == expected, text
        else:
            assert amounts.status[i] == 0, text
            got = amounts.decimal(i)
            assert got == expected and bool(amounts.negative[i]) == (expected < 0), text


def test_amount_columns_of_decimals_and_integers() -> None:
    values = [Decimal("12.34"), None, Decimal("-0.01"), Decimal("12345678901234567890123.45")]
    issues = _vparse.Issues(4)
    amounts = _vparse.amounts(pa.array(values, pa.decimal128(30, 2)), "price", issues)
    assert [amounts.decimal(i) for i in (0, 2, 3)] == [values[0], values[2], values[3]]
    assert list(amounts.status) == [0, 1, 0, 0]
    assert list(amounts.negative) == [False, False, True, False]
    amounts = _vparse.amounts(pa.array([5, -3], pa.int32()), "price", issues)
    assert [amounts.decimal(0), amounts.decimal(1)] == [Decimal(5), Decimal(-3)]


def test_decimal_columns_have_the_range_of_to_decimal_at_the_edges() -> None:
    """The int64 path's bound below 10**-30 (scales past 30) and the Python path above 10**19."""
    values = [Decimal("1E-30"), Decimal("9E-31"), Decimal("-1E-30"), Decimal("-9E-31"), Decimal(0), None]
    issues = _vparse.Issues(len(values))
    column = pa.array(values, pa.decimal128(38, 38))
    amounts = _vparse.amounts(column, "price", issues)
    assert list(amounts.status) == [0, 2, 0, 2, 2, 1]
    assert [amounts.decimal(i) for i in (0, 2)] == [Decimal("1E-30"), Decimal("-1E-30")]
    big = [Decimal("9.99E+30"), Decimal("1E+31"), Decimal("-1E+31"), Decimal("12.5")]
    column = pa.array([Decimal(0), *big], pa.decimal128(38, 4)).slice(1)  # an offset into the buffer
    issues = _vparse.Issues(len(big))
    amounts = _vparse.amounts(column, "price", issues)
    assert list(amounts.status) == [0, 2, 2, 0]
    assert [amounts.decimal(i) for i in (0, 3)] == [big[0], big[3]]
    assert [issues.entries[issues.idx[i]][1] for i in (1, 2)] == [
        f"price: amount {column[i].as_py()!r} is out of range" for i in (1, 2)
    ]


def test_prepare_marks_undecodable_values_on_their_rows() -> None:
    # a sliced binary array, and a dictionary whose undecodable entry two rows share
    sliced = pa.array([b"\xff", b"FR", b"\xfe", None, b"AU"], pa.binary()).slice(1)
    shared = pa.DictionaryArray.from_arrays(
        pa.array([0, 1, None, 1, 2], pa.int8()), pa.array([b"FR", b"\x80", None], pa.binary())
    )
    for column, bad in ((sliced, [False, True, False, False]), (shared, [False, True, False, True, False])):
        prepared, issues = _vparse.prepare({"market": column}, {"market": "market"}, len(column))
        assert issues is not None
        assert list(issues.idx >= 0) == bad
        decoded = _vparse.plain(prepared["market"]).to_pylist()
        assert [v is None for v in decoded] == [
            b or v is None for b, v in zip(bad, column.to_pylist(), strict=True)
        ]
        assert pa.types.is_string(_vparse.plain(prepared["market"]).type)
