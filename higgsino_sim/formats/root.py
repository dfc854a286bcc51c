"""ROOT output: a flat TTree ``events`` written with uproot (docs/formats.md, "ROOT").

One branch per Parquet column, same names and numeric types (int8, int32, float32, float64; NaN
kept). The dictionary-string columns (``process``, ``chi_a_decay``, ``chi_b_decay``)
become int8 codes, -1 for null (a stable chi10 leg); the code -> name lists are stored as
the JSON TObjString ``string_columns`` (``{"process": ["c1p_n2", ...], ...}``), the run
metadata (the Parquet footer JSON, docs/output.md) as the JSON TObjString ``metadata``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from higgsino_sim.errors import HsimError
from higgsino_sim.formats import atomic_output, require, table_batches
from higgsino_sim.output import read_metadata

#: name of the TTree
TREE = "events"
#: rows per uproot ``extend`` (one basket per branch): 65536 float32 = 256 kB per basket (float64 columns: 512 kB)
BATCH_ROWS = 65_536


def _branch_type(field: pa.Field) -> np.dtype:
    t = field.type
    if pa.types.is_dictionary(t):
        return np.dtype(np.int8)
    if pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_boolean(t):
        return np.dtype(t.to_pandas_dtype())
    raise HsimError(f"column {field.name}: type {t} has no ROOT branch type")


def _codes(column: pa.DictionaryArray, names: list[str]) -> np.ndarray:
    """int8 codes of a dictionary column in the file-wide list ``names`` (extended in
    place with unseen strings); -1 for null."""
    local = column.dictionary.to_pylist()
    for s in local:
        if s not in names:
            names.append(s)
    if len(names) > 127:
        raise HsimError(f"more than 127 distinct strings in a column ({names[:3]}...)")
    lookup = np.array([names.index(s) for s in local] or [0], dtype=np.int8)
    idx = column.indices.fill_null(0).to_numpy(zero_copy_only=False)
    codes = lookup[idx]
    if column.null_count:
        codes[column.is_null().to_numpy(zero_copy_only=False)] = -1
    return codes


def write_root(table: Path, out: Path) -> None:
    """Write the Parquet event table ``table`` as the flat TTree ``events`` in ``out``.

    Parameters
    ----------
    table : Path
        Event table written by ``hsim generate``.
    out : Path
        ROOT file to create (replaced if it exists); written under a temporary name.
    """
    require("root")
    import uproot

    meta = read_metadata(table)
    pf = pq.ParquetFile(table)
    fields = list(pf.schema_arrow)
    types = {f.name: _branch_type(f) for f in fields}
    strings: dict[str, list[str]] = {f.name: [] for f in fields
                                     if pa.types.is_dictionary(f.type)}
    if "process" in strings:
        from higgsino_sim.processes import PROCESSES

        strings["process"] = list(PROCESSES)  # the codes of the Parquet dictionary
    with atomic_output(out) as part, uproot.recreate(part) as f:
        tree = f.mktree(TREE, types, title="higgsino-sim events (docs/output.md)")
        for batch in table_batches(pf, BATCH_ROWS):
            arrays: dict[str, np.ndarray] = {}
            for name, column in zip(batch.schema.names, batch.columns, strict=True):
                if name in strings:
                    arrays[name] = _codes(column, strings[name])
                elif column.null_count:
                    raise HsimError(f"column {name} has nulls; ROOT branches cannot hold them")
                else:
                    arrays[name] = column.to_numpy(zero_copy_only=False).astype(
                        types[name], copy=False)
            tree.extend(arrays)
        f["metadata"] = json.dumps(meta)
        f["string_columns"] = json.dumps(strings)
