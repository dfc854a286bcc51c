"""Every example runs on a small generated table."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

import pytest

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


def test_grid_efficiency_map_example(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    png, work = tmp_path / "map.png", tmp_path / "work"
    argv = ["--selection", "atlas-1l1t", "--masses", "100,120", "--dms", "1.5", "--events",
            "1500", "--min-recoil", "200", "--workdir", str(work), "--output", str(png)]
    assert _run_example("grid_efficiency_map.py", argv, monkeypatch) == 0
    out = capsys.readouterr().out
    lines = [ln for ln in out.splitlines() if ln.startswith("m = ")]
    assert len(lines) == 2  # one line per grid point
    assert png.stat().st_size > 0
    assert len(list(work.glob("*.parquet"))) == 2
    # a second run reuses the samples and reproduces the numbers exactly
    assert _run_example("grid_efficiency_map.py", argv, monkeypatch) == 0
    again = [ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("m = ")]
    assert again == lines


def test_grid_efficiency_map_rejects_bad_grid(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--masses", "100,abc", "--output", str(tmp_path / "m.png")]
    assert _run_example("grid_efficiency_map.py", argv, monkeypatch) == 2
    assert "not a comma-separated list" in capsys.readouterr().err
    assert not (tmp_path / "m.png").exists()
