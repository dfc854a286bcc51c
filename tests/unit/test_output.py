"""Event-table writer: columns of ``EventWriter.table`` (float32 rounding of the kernels'
float64, layout), its purity across threads, the bookkeeping of ``append`` for any chunking,
and the Parquet layout (required fields, statistics)."""

from __future__ import annotations

import functools
import operator
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from tables import assert_identical

from higgsino_sim.generate import GenerateOptions, Piece, run_generate
from higgsino_sim.kernels import decays as kd
from higgsino_sim.kernels import hard_process as hp
from higgsino_sim.kernels.detector import column_names
from higgsino_sim.output import STATISTICS_COLUMNS, EventWriter

#: float32 round to nearest: |stored - exact| <= 2^-24 |exact|
U32 = 2.0**-24


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """The pieces and the writer arguments of a small run with a detector card (pieces
    in the order the generation threads handed them to ``table``)."""
    captured: dict[str, object] = {"pieces": []}
    lock = threading.Lock()
    real_init, real_table = EventWriter.__init__, EventWriter.table

    def init(self: EventWriter, path: Path, tables: object, channels: list[str],
             detector: bool = False, row_group: int | None = None) -> None:
        captured.update(tables=tables, channels=list(channels), detector=detector)
        real_init(self, path, tables, channels, detector, row_group)  # type: ignore[arg-type]

    def table(self: EventWriter, piece: Piece) -> pa.Table:
        with lock:
            captured["pieces"].append(piece)  # type: ignore[union-attr]
            captured["event_weight"] = self.event_weight
        return real_table(self, piece)

    out = tmp_path_factory.mktemp("out") / "t.parquet"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(EventWriter, "__init__", init)
        mp.setattr(EventWriter, "table", table)
        run_generate(GenerateOptions(mass=115.0, dm=1.5, n_events=3000, seed=9, output=out,
                                     card="cms-phase1", threads=1))
    assert captured["pieces"]
    captured["file"] = out
    return captured


def _writer(run: dict[str, object], path: Path, row_group: int | None = None,
            event_weight: float | None = None) -> EventWriter:
    w = EventWriter(path, run["tables"], run["channels"], detector=True,  # type: ignore[arg-type]
                    row_group=row_group)
    w.event_weight = event_weight
    return w


def _rounded(table: pa.Table, name: str, exact: np.ndarray) -> None:
    """The float32 column holds ``exact`` rounded to nearest (NaN kept)."""
    got = table.column(name).to_numpy()
    assert got.dtype == np.float32, name
    ok = np.isnan(exact) == np.isnan(got)
    fin = ~np.isnan(exact)
    # bit-equal to numpy's rounding where the float64 value is the kernel's own
    assert ok.all(), name
    assert np.array_equal(got[fin], exact[fin].astype(np.float32)), name


def test_table_columns_are_the_kernel_outputs(run: dict[str, object], tmp_path: Path) -> None:
    w = _writer(run, tmp_path / "a.parquet", event_weight=run["event_weight"])  # type: ignore[arg-type]
    piece: Piece = run["pieces"][0]  # type: ignore[index]
    t = w.table(piece)
    assert t.schema == w._schema
    n = piece.f.shape[0]
    assert t.num_rows == n > 100
    # event-level float64 columns: bit for bit
    assert np.all(t.column("weight").to_numpy() == run["event_weight"])
    for name, col in (("x1", hp.F_X1), ("x2", hp.F_X2), ("scale_gev", hp.F_MU),
                      ("alpha_s", hp.F_ALPHAS)):
        assert t.column(name).type == pa.float64()
        assert np.array_equal(t.column(name).to_numpy(), piece.f[:, col]), name
    assert np.array_equal(t.column("parton1_pdg").to_numpy(), piece.i[:, hp.I_ID1])
    assert np.array_equal(t.column("jet_pdg").to_numpy(), piece.i[:, hp.I_IDJ])
    for j, leg in enumerate(("chi_a", "chi_b")):
        assert np.array_equal(t.column(f"{leg}_pdg").to_numpy(), piece.leg_pdg[:, j])
        for c, comp in enumerate(("e", "px", "py", "pz")):
            _rounded(t, f"{leg}_{comp}", piece.leg_mom[:, j, c])
        for c, comp in enumerate(("decay_x", "decay_y", "decay_z", "decay_rxy", "decay_ct")):
            _rounded(t, f"{leg}_{comp}", piece.leg_f[:, j, c])
        stable = piece.leg_i[:, j] < 0
        names = np.array(t.column(f"{leg}_decay").to_pylist(), dtype=object)
        assert np.array_equal([x is None for x in names], stable)
        labels = [run["channels"][c].split(":", 1)[1]  # type: ignore[index]
                  for c in piece.leg_i[~stable, j]]
        assert list(names[~stable]) == labels
    for c, comp in enumerate(("e", "px", "py", "pz")):
        _rounded(t, f"jet_{comp}", piece.f[:, hp.F_J + c])
    for k in range(kd.N_SLOTS):
        assert np.array_equal(t.column(f"dau{k}_pdg").to_numpy(), piece.slot_i[:, k, kd.SI_PDG])
        assert np.array_equal(t.column(f"dau{k}_mother").to_numpy(),
                              piece.slot_i[:, k, kd.SI_MOTHER])
        for c, comp in enumerate(("e", "px", "py", "pz", "vx", "vy", "vz", "d0", "dz")):
            _rounded(t, f"dau{k}_{comp}", piece.slot_f[:, k, c])
    names_f, names_i = column_names()
    for c, name in enumerate(names_f):
        _rounded(t, name, piece.reco_f[:, c])
    for c, name in enumerate(names_i):
        assert np.array_equal(t.column(name).to_numpy(), piece.reco_i[:, c]), name
    # derived columns: computed in float64 (libm may differ from numpy by an ulp of
    # float64), then rounded: within 2^-24 relative of numpy's float64 value
    jet = piece.f[:, hp.F_J : hp.F_J + 4]
    pt = np.hypot(jet[:, 1], jet[:, 2])
    pair = piece.leg_mom.sum(axis=1)
    chichi = np.sqrt(pair[:, 0] ** 2 - (pair[:, 1:] ** 2).sum(axis=1))
    for name, ref in (("jet_pt", pt), ("jet_eta", np.arcsinh(jet[:, 3] / pt)),
                      ("jet_phi", np.arctan2(jet[:, 2], jet[:, 1])), ("chichi_m", chichi)):
        got = t.column(name).to_numpy().astype(np.float64)
        assert np.all(np.abs(got - ref) <= (U32 + 1e-15) * np.abs(ref)), name


def test_table_is_pure_and_thread_safe(run: dict[str, object], tmp_path: Path) -> None:
    w = _writer(run, tmp_path / "a.parquet")
    pieces: list[Piece] = run["pieces"]  # type: ignore[assignment]
    sequential = [w.table(p) for p in pieces]
    with ThreadPoolExecutor(max_workers=4) as pool:
        threaded = list(pool.map(w.table, pieces * 3))
    for k, t in enumerate(threaded):
        assert_identical(t, sequential[k % len(pieces)])
    assert (w.n_events, w.sum_of_weights, w._pending_rows) == (0, 0.0, 0)
    w.abort()


def test_append_bookkeeping_is_the_same_for_any_chunking(run: dict[str, object],
                                                         tmp_path: Path) -> None:
    pieces: list[Piece] = run["pieces"]  # type: ignore[assignment]
    # the kernel's weights (weighted-sample path): unequal, so the order of the sum shows
    a = _writer(run, tmp_path / "a.parquet", row_group=700)
    for p in pieces:
        a.write(p)
    b = _writer(run, tmp_path / "b.parquet", row_group=700)
    whole = pa.concat_tables([b.table(p) for p in pieces])
    for start in range(0, whole.num_rows, 333):
        b.append(whole.slice(start, 333))
    weights = whole.column("weight").to_numpy()
    assert np.unique(weights).size > 10
    # added one by one in event order (the former cumsum), not pairwise
    expected = functools.reduce(operator.add, weights.tolist(), 0.0)
    assert a.sum_of_weights == b.sum_of_weights == expected
    assert a.n_events == b.n_events == whole.num_rows
    for w in (a, b):
        w.finish({})
    ta, tb = pq.read_table(a.path), pq.read_table(b.path)
    assert_identical(ta, tb)
    md = pq.read_metadata(a.path)
    sizes = [md.row_group(k).num_rows for k in range(md.num_row_groups)]
    assert sizes[:-1] == [700] * (len(sizes) - 1)
    assert 0 < sizes[-1] <= 700
    assert sizes == [pq.read_metadata(b.path).row_group(k).num_rows
                     for k in range(md.num_row_groups)]


def test_parquet_layout(run: dict[str, object]) -> None:
    path: Path = run["file"]  # type: ignore[assignment]
    schema = pq.read_schema(path)
    nullable = {f.name for f in schema if f.nullable}
    assert nullable == {"chi_a_decay", "chi_b_decay"}
    f64 = {f.name for f in schema if f.type == pa.float64()}
    assert f64 == {"weight", "x1", "x2", "scale_gev", "alpha_s"}
    assert schema.field("dau3_d0").type == schema.field("met").type == pa.float32()
    rg = pq.ParquetFile(path).metadata.row_group(0)
    with_stats = {rg.column(k).path_in_schema for k in range(rg.num_columns)
                  if rg.column(k).is_stats_set}
    assert with_stats == set(STATISTICS_COLUMNS)
