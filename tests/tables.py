"""Comparison of event tables in tests."""

from __future__ import annotations

import pyarrow as pa


def assert_identical(ta: pa.Table, tb: pa.Table) -> None:
    """Bit-for-bit equality of two tables, NaN padding included (Table.equals says NaN !=
    NaN); dictionary columns compare by value (row groups may order dictionaries apart)."""
    assert ta.column_names == tb.column_names
    for name in ta.column_names:
        a, b = ta.column(name), tb.column(name)
        if pa.types.is_dictionary(a.type):
            assert a.to_pylist() == b.to_pylist(), name
        else:
            xa, xb = a.to_numpy(), b.to_numpy()
            assert xa.dtype == xb.dtype, name
            assert xa.tobytes() == xb.tobytes(), name
