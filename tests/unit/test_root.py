"""ROOT output (higgsino_sim.formats.root): the TTree read back with uproot equals the
Parquet table column by column, exactly; failures leave no file."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from higgsino_sim.errors import UsageError
from higgsino_sim.formats import convert, root
from higgsino_sim.generate import GenerateOptions, run_generate
from higgsino_sim.output import read_metadata

uproot = pytest.importorskip("uproot")


@pytest.fixture(scope="module")
def table(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """400 events with a detector card (every column type: int8/int32 reco columns, NaN
    padding, null decay channels of chi10 legs), in row groups of 128 events."""
    out = tmp_path_factory.mktemp("root") / "ev.parquet"
    run_generate(GenerateOptions(mass=115.0, dm=1.5, n_events=400, seed=11, output=out,
                                 card="cms-phase1", chunk_events=128))
    return out


def test_tree_equals_parquet_exactly(table: Path, tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(root, "BATCH_ROWS", 100)  # several extend() calls, across row groups
    out = convert(table, tmp_path / "ev.root")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ev.root"]
    t = pq.read_table(table)
    with uproot.open(out) as f:
        assert json.loads(str(f["metadata"])) == read_metadata(table)
        strings = json.loads(str(f["string_columns"]))
        tree = f[root.TREE]
        assert tree.num_entries == t.num_rows == 400
        assert tree.keys() == t.column_names
        got = tree.arrays(library="np")
    n_checked = 0
    for name in t.column_names:
        col = t[name].combine_chunks()
        if pa.types.is_dictionary(col.type):
            assert got[name].dtype == np.int8
            expect = col.to_pylist()
            codes = got[name]
            decoded = [None if c < 0 else strings[name][c] for c in codes]
            assert decoded == expect, name
            # a null is a chi10 leg (or nothing at all in the process column)
            assert (codes == -1).sum() == col.null_count
        else:
            ref = col.to_numpy()
            assert got[name].dtype == ref.dtype, name
            # exact: the same bits (float32 or float64 as in the table), NaN where the table has NaN
            assert np.array_equal(got[name], ref, equal_nan=ref.dtype.kind == "f"), name
        n_checked += 1
    assert n_checked == len(t.column_names) > 250
    # the checks above must see both kinds of legs and NaN padding to mean anything
    assert 0 < t["chi_b_decay"].null_count < 400
    assert np.isnan(got["lep3_pt"]).any()
    # process codes are the positions in the Parquet dictionary (PROCESSES)
    assert strings["process"][0] == "c1p_n2"


def test_failure_leaves_no_file(table: Path, tmp_path: Path,
                                monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(root, "_codes", boom)
    with pytest.raises(RuntimeError, match="disk full"):
        convert(table, tmp_path / "ev.root")
    assert list(tmp_path.iterdir()) == []


def test_existing_output_replaced_only_on_success(table: Path, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "ev.root"
    out.write_text("old")
    monkeypatch.setattr(root, "_codes", lambda *a: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        convert(table, out)
    assert out.read_text() == "old"
    monkeypatch.undo()
    convert(table, out)
    with uproot.open(out) as f:
        assert f[root.TREE].num_entries == 400


def test_missing_uproot_is_a_one_line_usage_error(table: Path, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "uproot", None)  # import uproot -> ImportError
    with pytest.raises(UsageError) as exc_info:
        convert(table, tmp_path / "ev.root")
    assert str(exc_info.value) == "--format root needs uproot: pip install 'higgsino-sim[io]'"
    assert list(tmp_path.iterdir()) == []
