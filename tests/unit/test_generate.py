"""Generation pipeline: determinism, streaming, atomic output, weights."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from tables import assert_identical

from higgsino_sim.generate import GenerateOptions, _truncation_bound, run_generate
from higgsino_sim.output import EventWriter, read_metadata


def _run(tmp: Path, name: str, **kw: object) -> Path:
    out = tmp / name
    opts = {"mass": 115.0, "dm": 1.5, "n_events": 2500, "seed": 5, "output": out}
    opts.update(kw)
    run_generate(GenerateOptions(**opts))  # type: ignore[arg-type]
    return out


def test_same_seed_same_table_for_any_chunking_and_threads(tmp_path: Path) -> None:
    a = _run(tmp_path, "a.parquet", threads=1, chunk_events=100_000)
    b = _run(tmp_path, "b.parquet", threads=2, chunk_events=333)
    c = _run(tmp_path, "c.parquet", seed=6)
    ta, tb, tc = (pq.read_table(p) for p in (a, b, c))
    assert_identical(ta, tb)
    assert np.isnan(ta.column("dau11_e").to_numpy()).any()  # NaN padding compared too
    assert pq.read_metadata(b).num_row_groups > 1  # really streamed in chunks
    assert not ta.column("jet_pt").equals(tc.column("jet_pt"))
    ma, mb = read_metadata(a), read_metadata(b)
    assert ma["sigma_normalised_cut_fb"] == mb["sigma_normalised_cut_fb"]
    # the counters cover the blocks the output used, not those computed ahead by the threads
    assert ma["decay_sampling"] == mb["decay_sampling"]
    assert ma["decay_sampling"]["dalitz_trials"] > 0


def test_unweighted_weights_are_equal_and_sum_to_sigma(small_sample: Path) -> None:
    t = pq.read_table(small_sample)
    w = t.column("weight").to_numpy()
    md = read_metadata(small_sample)
    assert np.all(w == w[0])
    assert w.sum() == pytest.approx(md["sigma_normalised_cut_fb"], rel=1e-12)
    assert md["sum_of_weights_fb"] == pytest.approx(w.sum(), rel=1e-12)
    # momentum conservation of the hard process, event by event; the four-momenta are
    # stored as float32 (round to nearest: |error| <= 2^-24 |value| each), summed here in
    # float64: |sum| <= 2^-24 sum |p_i| on top of the kernel's float64 residual (1e-9 E)
    names = ("chi_a", "chi_b", "jet")
    pxs = [t.column(f"{n}_px").to_numpy().astype(np.float64) for n in names]
    e_out = sum(t.column(f"{n}_e").to_numpy().astype(np.float64) for n in names)
    bound = 2.0**-24 * sum(np.abs(p) for p in pxs) + 1e-9 * e_out.max()
    assert np.all(np.abs(sum(pxs)) <= bound)
    e_in = 6500.0 * (t.column("x1").to_numpy() + t.column("x2").to_numpy())  # float64
    assert np.allclose(e_in, e_out, rtol=2.0**-24 + 1e-12, atol=0.0)
    assert t.column("jet_pt").to_numpy().min() >= 100.0


def test_weighted_mode_weights_sum_to_the_sample_cross_section(tmp_path: Path) -> None:
    out = _run(tmp_path, "w.parquet", weighted=True, n_events=20_000)
    w = pq.read_table(out).column("weight").to_numpy()
    md = read_metadata(out)
    assert md["n_trials_generation"] == 20_000
    assert w.size <= 20_000
    assert np.all(w > 0)
    assert w.sum() == pytest.approx(md["sigma_normalised_cut_fb"], rel=1e-10)


def test_interrupted_run_leaves_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = {"n": 0}
    real_append = EventWriter.append

    def failing_append(self: EventWriter, table: pa.Table) -> None:
        calls["n"] += 1
        real_append(self, table)
        # the 2500 events come in one block, already written as 5 row groups of 500
        assert self.n_events == 2500
        if calls["n"] == 1:
            raise KeyboardInterrupt

    monkeypatch.setattr(EventWriter, "append", failing_append)
    with pytest.raises(KeyboardInterrupt):
        _run(tmp_path, "x.parquet", chunk_events=500)
    assert list(tmp_path.iterdir()) == []


def test_truncation_bound() -> None:
    w = np.array([1.0, 1.0, 1.0, 1.0, 10.0])
    # with w_max = 10 nothing is truncated; any lower bound truncates > 0
    assert _truncation_bound(w, 0.0) == 10.0
    # excess above 1: 9 of a total 14 -> allowed with fraction 0.7
    assert _truncation_bound(w, 0.7) == 1.0


@pytest.mark.parametrize("weighted", [False, True])
def test_in_memory_run_matches_the_written_one(tmp_path: Path, weighted: bool) -> None:
    """run_generate(write=False) (the benchmark's in-memory mode) generates the same events:
    the same weight sum, counters and efficiency as the run that writes the table."""
    opts = GenerateOptions(mass=115.0, dm=1.5, n_events=3000, seed=5, threads=2,
                           card="cms-phase1", weighted=weighted, output=tmp_path / "w.parquet")
    written = run_generate(opts).metadata
    memory = run_generate(opts, write=False).metadata
    assert [p.name for p in tmp_path.iterdir()] == ["w.parquet"]  # nothing else written
    for key in ("sum_of_weights_fb", "decay_sampling", "n_trials_generation",
                "sigma_generation_fb"):
        assert memory[key] == written[key], key
    assert memory["detector"]["lepton_overflow"] == written["detector"]["lepton_overflow"]
