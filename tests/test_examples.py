"""Every example runs on a small generated table."""

from __future__ import annotations

import runpy
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pytest

if TYPE_CHECKING:
    from higgsino_sim.grid.manifest import PointRecord

ROOT = Path(__file__).resolve().parents[1]


def test_inspect_events(small_sample: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                        monkeypatch: pytest.MonkeyPatch) -> None:
    png = tmp_path / "pt.png"
    monkeypatch.setattr(sys, "argv", ["inspect_events.py", str(small_sample), "--plot", str(png)])
    with pytest.raises(SystemExit) as exc:
        runpy.run_path(str(ROOT / "examples" / "inspect_events.py"), run_name="__main__")
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert "sigma(normalised" in out
    assert "c1p_n2" in out
    assert png.stat().st_size > 0


# --- the paper-selection examples (higgsino_sim.analysis) on small generated samples -----
@pytest.fixture(scope="session")
def reco_samples(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """10,000 events per card at m = 115, dm = 1.5 GeV, jet pT > 200 GeV, seed 11: enough
    that every category keeps a few events (measured efficiencies ~1e-3, docs/analysis.md)."""
    from higgsino_sim.generate import GenerateOptions, run_generate

    out = tmp_path_factory.mktemp("reco")
    paths = {}
    for card in ("cms-phase0", "cms-phase1", "atlas-run2"):
        paths[card] = out / f"{card}.parquet"
        run_generate(GenerateOptions(mass=115.0, dm=1.5, n_events=10_000, seed=11,
                                     min_recoil=200.0, card=card, output=paths[card]))
    return paths


def _run_example(name: str, argv: list[str], monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(sys, "argv", [name, *argv])
    with pytest.raises(SystemExit) as exc:
        runpy.run_path(str(ROOT / "examples" / name), run_name="__main__")
    return int(exc.value.code)


def _check_flow(flow, weight) -> None:
    """Monotonic cut flow; the yield is sum(weight x factor) x lumi of the passing events."""
    import numpy as np

    n = np.array([s.n_raw for s in flow.steps])
    sigma = np.array([s.sigma_fb for s in flow.steps])
    assert np.all(np.diff(n) <= 0)
    assert np.all(np.diff(sigma) <= 1e-12 * sigma[0])
    passed = flow.passed
    assert flow.steps[-1].n_raw == passed.sum()
    want = np.sum((weight * flow.factor)[passed]) * flow.lumi_fb
    assert flow.yield_events == pytest.approx(want, rel=1e-12)


def test_cms_sus_24_003_example(reco_samples: dict[str, Path], capsys: pytest.CaptureFixture[str],
                                monkeypatch: pytest.MonkeyPatch) -> None:
    from higgsino_sim.analysis import NOT_REPRODUCED, load_events, select_cms_sus_24_003

    code = _run_example("cms_sus_24_003.py", ["--phase0", str(reco_samples["cms-phase0"]),
                                              "--phase1", str(reco_samples["cms-phase1"])],
                        monkeypatch)
    assert code == 0
    out = capsys.readouterr().out
    for text in ("=== Phase-0", "=== Phase-1", "hard MET >= 220 GeV", "N_mu = 2",
                 ">= 1 exclusive track, opposite charge", NOT_REPRODUCED, "total yield",
                 "yield (36/fb)", "yield (101/fb)"):
        assert text in out
    for card, lumi in (("cms-phase0", 36.0), ("cms-phase1", 101.0)):
        ev = load_events(reco_samples[card])
        res = select_cms_sus_24_003(ev, lumi)
        for cat, flow in res.flows.items():
            _check_flow(flow, ev.weight)
            assert flow.steps[-1].n_raw > 0, cat  # a few events pass every category


def test_cms_example_rejects_bad_input(reco_samples: dict[str, Path], small_sample: Path,
                                       capsys: pytest.CaptureFixture[str],
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    cases = [(["--phase0", str(reco_samples["cms-phase1"])], "expected 'cms-phase0'"),
             (["--phase1", str(small_sample)], "generated with --card"),
             (["--phase1", str(reco_samples["atlas-run2"]), "--any-card"], "no working point"),
             (["--phase1", "missing.parquet"], "no such file"), ([], "at least one")]
    for argv, msg in cases:
        assert _run_example("cms_sus_24_003.py", argv, monkeypatch) == 2
        err = capsys.readouterr().err
        assert msg in err
        assert err.count("\n") == 1  # one line


def test_atlas_1l1t_example(reco_samples: dict[str, Path], capsys: pytest.CaptureFixture[str],
                            monkeypatch: pytest.MonkeyPatch) -> None:
    from higgsino_sim.analysis import load_events, select_atlas_1l1t

    code = _run_example("atlas_1l1t.py", [str(reco_samples["atlas-run2"]), "--lumi", "140"],
                        monkeypatch)
    assert code == 0
    out = capsys.readouterr().out
    assert "MET trigger efficiency (weight)" in out
    assert "yield (140/fb)" in out
    assert "[3.2, 4.0]" in out
    ev = load_events(reco_samples["atlas-run2"])
    res = select_atlas_1l1t(ev, 140.0)
    _check_flow(res.flow, ev.weight)
    assert res.flow.steps[-1].n_raw > 0
    assert sum(res.bin_yields()) == pytest.approx(res.flow.yield_events, rel=1e-12)
    assert _run_example("atlas_1l1t.py", [str(reco_samples["cms-phase1"])], monkeypatch) == 2
    assert "expected 'atlas-run2'" in capsys.readouterr().err


# --- the grid example (examples/grid_efficiency_map.py) on a small `hsim grid` directory -----
@pytest.fixture(scope="module")
def atlas_grid(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 2-point grid (m = 100, 120 GeV; dm = 1.5 GeV; 1500 events, jet pT > 200 GeV,
    card atlas-run2, master seed 1), made once by the grid runner. One worker process: on a
    busy 2-core machine it took 7-15 s, two took 13-24 s (each worker pays the start-up and
    kernel loading; 1 vs 2 workers giving identical tables is tested in tests/test_grid.py)."""
    from higgsino_sim.generate import GenerateOptions
    from higgsino_sim.grid.runner import GridOptions, run_grid
    from higgsino_sim.grid.spec import grid_from_options

    directory = tmp_path_factory.mktemp("grid") / "atlas"
    opts = GridOptions(points=tuple(grid_from_options("100,120", "1.5", None, 1500)),
                       directory=directory,
                       template=GenerateOptions(mass=100, dm=1.5, card="atlas-run2",
                                                min_recoil=200.0),
                       seed=1, workers=1)
    summary = run_grid(opts, progress=None)
    assert summary.failed == []
    return directory


def _map_lines(text: str) -> list[str]:
    return [ln for ln in text.splitlines() if ln.startswith("m = ")]


def test_grid_efficiency_map_example(atlas_grid: Path, tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str],
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from higgsino_sim.analysis import load_events, select_atlas_1l1t
    from higgsino_sim.grid.manifest import read_manifest

    png = tmp_path / "map.png"
    argv = [str(atlas_grid), "--selection", "atlas-1l1t", "--output", str(png)]
    assert _run_example("grid_efficiency_map.py", argv, monkeypatch) == 0
    out, err = capsys.readouterr()
    lines = _map_lines(out)
    assert len(lines) == 2  # one line per grid point
    assert err == ""  # both points done and verified: no warning
    assert png.stat().st_size > 0
    # the printed numbers are the selection's on the grid's tables: eff = selected weight over
    # the manifest's NLO+NLL sigma (same float operations, so equal to the printed precision)
    _, records = read_manifest(atlas_grid)
    for line, rec in zip(lines, records.values(), strict=True):
        w = select_atlas_1l1t(load_events(atlas_grid / rec.file)).flow.final_weight
        assert f"m = {rec.mass_gev:6.1f} GeV  dm = {rec.dm_gev:4.2f} GeV" in line
        assert f"sigma = {rec.sigma_nlo_nll_fb:8.1f} fb" in line
        assert f"eff = {100 * w.sum() / rec.sigma_nlo_nll_fb:.4f} +- " in line
        assert f"({np.count_nonzero(w)} of {rec.n_events} events)" in line
    # a second run reads the same grid and reproduces the numbers exactly
    assert _run_example("grid_efficiency_map.py", argv, monkeypatch) == 0
    assert _map_lines(capsys.readouterr().out) == lines


def _copy_grid(grid: Path, to: Path, edit: Callable[[dict[str, PointRecord]], None]) -> Path:
    """A copy of ``grid`` whose manifest records went through ``edit``."""
    from higgsino_sim.grid.manifest import read_manifest, write_manifest

    shutil.copytree(grid, to)
    settings, records = read_manifest(to)
    edit(records)
    write_manifest(to, settings, records.values())
    return to


def test_grid_efficiency_map_rejects_bad_grid(atlas_grid: Path, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    from higgsino_sim.grid.manifest import PointRecord

    def dm0_twice(records: dict[str, PointRecord]) -> None:
        # a second dm0 at (100, 1.5): the map over (m, dm) cannot hold both
        records["extra"] = PointRecord(name="m100_dm1.5_dm0-4", file="m100_dm1.5_dm0-4.parquet",
                                       mass_gev=100.0, dm_gev=1.5, dm0_gev=4.0, events=1500,
                                       seed=1)

    def wrong_sigma(records: dict[str, PointRecord]) -> None:
        rec = records["m100_dm1.5_dm0-3"]
        rec.sigma_nlo_nll_fb = 1.01 * rec.sigma_nlo_nll_fb

    def none_done(records: dict[str, PointRecord]) -> None:
        for rec in records.values():
            rec.status, rec.error = "failed", "worker died"

    png = tmp_path / "m.png"
    (tmp_path / "empty").mkdir()
    cases = [
        ([str(tmp_path / "empty"), "--selection", "atlas-1l1t"],
         ["no manifest.json", "hsim grid", "--card atlas-run2"]),
        ([str(atlas_grid), "--selection", "cms-phase1"],
         ["made with card atlas-run2", "needs card cms-phase1"]),
        ([str(atlas_grid), "--selection", "atlas-1l1t", "--output", str(tmp_path / "no" / "m.png")],
         ["directory", "does not exist"]),
        ([str(atlas_grid), "--selection", "atlas-1l1t", "--output", str(tmp_path)],
         ["is a directory"]),
        ([str(_copy_grid(atlas_grid, tmp_path / "dup", dm0_twice)), "--selection", "atlas-1l1t"],
         ["several dm0 values", "m100_dm1.5_dm0-3 and m100_dm1.5_dm0-4"]),
        ([str(_copy_grid(atlas_grid, tmp_path / "sigma", wrong_sigma)), "--selection",
          "atlas-1l1t"], ["NLO+NLL sigma", "m100_dm1.5_dm0-3.parquet"]),
        ([str(_copy_grid(atlas_grid, tmp_path / "failed", none_done)), "--selection",
          "atlas-1l1t"], ["no point is done and verified"]),
    ]
    for argv, messages in cases:
        if "--output" not in argv:
            argv = [*argv, "--output", str(png)]
        assert _run_example("grid_efficiency_map.py", argv, monkeypatch) == 2, argv
        *warnings, error = capsys.readouterr().err.splitlines()
        assert error.startswith("grid_efficiency_map: error: ")  # one line, after any warnings
        for msg in messages:
            assert msg in error, (argv, error)
        assert all(w.startswith("grid_efficiency_map: warning: skipping") for w in warnings)
        assert len(warnings) == (2 if Path(argv[0]).name == "failed" else 0)  # 1 per point
        assert not png.exists()


def test_grid_efficiency_map_skips_unusable_points(atlas_grid: Path, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    def fail_120(records: dict[str, PointRecord]) -> None:
        rec = records["m120_dm1.5_dm0-3"]
        rec.status, rec.error = "failed", "worker died"

    grid = _copy_grid(atlas_grid, tmp_path / "grid", fail_120)
    png = tmp_path / "m.png"
    argv = [str(grid), "--selection", "atlas-1l1t", "--output", str(png)]
    assert _run_example("grid_efficiency_map.py", argv, monkeypatch) == 0
    out, err = capsys.readouterr()
    assert [ln.split()[2] for ln in _map_lines(out)] == ["100.0"]  # m = 120 is an empty cell
    assert "skipping m120_dm1.5_dm0-3: status failed: worker died" in err
    assert png.stat().st_size > 0
    # a table that no longer matches its checksum is skipped too; then no point is left
    with open(grid / "m100_dm1.5_dm0-3.parquet", "ab") as fh:
        fh.write(b"x")
    assert _run_example("grid_efficiency_map.py", argv, monkeypatch) == 2
    err = capsys.readouterr().err
    assert "skipping m100_dm1.5_dm0-3: m100_dm1.5_dm0-3.parquet: size" in err
    assert "no point is done and verified" in err
