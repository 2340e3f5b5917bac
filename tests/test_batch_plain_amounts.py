"""Text amounts of the plain form read by one decimal cast (issue 18) read as the general path reads them:
the same values, scales, signs and errors, whatever else the column holds."""

from __future__ import annotations

import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from csp_rules.batch import _read

PLAIN = st.from_regex(r"-?[0-9]{1,12}(\.[0-9]{1,6})?", fullmatch=True)
OTHER = st.sampled_from(
    ["+3", "1e3", "1E3", ".5", "5.", "-.5", " 12", "12 ", "", "1.2.3", "1,5", "١٢", "9" * 19]
)


def _read_both(values: list[str | None], monkeypatch: pytest.MonkeyPatch) -> tuple[object, object]:
    def read(plain: bool) -> tuple[object, ...]:
        with monkeypatch.context() as m:
            if not plain:
                m.setattr(_read, "_plain_amounts", lambda *args: False)
            issues = _read.Issues(len(values))
            out = _read.amounts(pa.array(values, pa.string()), "price", issues)
        return (out.mant.tolist(), out.scale.tolist(), out.negative.tolist(), out.status.tolist(), out.big,
                issues.idx.tolist(), issues.entries)  # fmt: skip

    return read(True), read(False)


@given(st.lists(st.one_of(PLAIN, st.none()), max_size=30), st.lists(OTHER, max_size=2))
def test_plain_amounts_read_as_the_general_path(values: list[str | None], others: list[str]) -> None:
    with pytest.MonkeyPatch.context() as monkeypatch:
        fast, general = _read_both(values + others, monkeypatch)
    assert fast == general
