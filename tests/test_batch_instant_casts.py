"""Instants read from text by whole-column casts (issue 18): a few unreadable values are set aside and
read on their own, a column with offsets is cast at once; each row's answer is the one it has alone."""

from __future__ import annotations

from datetime import datetime, timezone

import pyarrow as pa
import pytest

from csp_rules import batch

AT = datetime(2020, 6, 30, 12, tzinfo=timezone.utc)
GOOD_Z = ["2020-03-01T10:00:00Z", "2020-03-02T10:00:00.5Z", "2020-03-03 10:00+01:00", "2020-03-04T10Z"]
GOOD_NAIVE = ["2020-03-01", "2020-03-02T10:00:00", "2020-03-03 10:00:00.25", "2020-03-04T10"]
BAD = ["2020-02-30T10:00:00Z", "2020-02-30", "2020-13-01T00:00:00", " 2020-03-05T10:00:00Z", "0000-01-01T00:00:00Z",
       "2020-03-05T25:00:00Z", "2020-03-05T10:00:00.1234567Z", "soon", "2020-03-05T10:00:00"]  # fmt: skip


def _table(values: list[str | None], field: str = "purchased_at") -> pa.Table:
    n = len(values)
    return pa.table(
        {
            "market": ["FR"] * n,
            "order_id": [f"O-{i}" for i in range(n)],
            "product_name": ["Office 365 E3"] * n,
            "kind": ["software_subscription"] * n,
            field: pa.array(values, pa.string()),
        }
    )


def _alone(values: list[str | None]) -> list[dict[str, object]]:
    return [batch.evaluate(_table([v]), at=AT).drop_columns(["order_id"]).to_pylist()[0] for v in values]


@pytest.mark.parametrize("good", [GOOD_Z, GOOD_NAIVE], ids=["offsets", "naive"])
@pytest.mark.parametrize(
    "bad", [[], BAD[:1], BAD[1:3], BAD, BAD * 2], ids=["none", "one", "two", "many", "repeated"]
)
def test_each_row_reads_as_alone(good: list[str], bad: list[str]) -> None:
    values: list[str | None] = [*good, None, *good]
    for i, b in enumerate(bad):
        values.insert((i * 3) % len(values), b)
    got = batch.evaluate(_table(values), at=AT).drop_columns(["order_id"]).to_pylist()
    assert got == _alone(values)


def test_set_aside_values_get_their_own_error() -> None:
    out = batch.evaluate(_table([*GOOD_Z, "2020-02-30T10:00:00Z", *GOOD_Z]), at=AT)
    codes = out.column("error_code").to_pylist()
    assert codes == [None] * 4 + ["error.invalid_date"] + [None] * 4
