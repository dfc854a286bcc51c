"""LHE writer: read back with pylhe equals the Parquet truth of the same run."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pylhe
import pytest

from higgsino_sim.formats.lhe import write_lhe
from higgsino_sim.generate import GenerateOptions, run_generate
from higgsino_sim.output import read_metadata
from higgsino_sim.processes import PROCESSES


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("lhe") / "t.parquet"
    run_generate(GenerateOptions(mass=150.0, dm=5.0, n_events=400, seed=11, output=out))
    return out


def _slots(t, k):
    return {c: t[f"dau{k}_{c}"].to_numpy() for c in ("pdg", "mother", "e", "px", "py", "pz")}


@pytest.mark.parametrize("name", ["ev.lhe", "ev.lhe.gz"])
def test_lhe_round_trip(sample: Path, tmp_path: Path, name: str) -> None:
    out = tmp_path / name
    write_lhe(sample, out)
    assert [p.name for p in tmp_path.iterdir()] == [name]  # no part file left
    t = pq.read_table(sample)
    md = read_metadata(sample)
    n = t.num_rows
    lhe = pylhe.LHEFile.fromfile(out)
    events = list(lhe.events)
    assert len(events) == n
    info = lhe.init.initInfo
    assert (info.beamA, info.beamB) == (2212, 2212)
    assert info.energyA == pytest.approx(6500.0, rel=1e-10)
    assert (info.PDFgroupA, info.PDFsetA) == (0, 0)  # not given (LHAPDF_IDS)
    assert info.weightingStrategy == 3
    sigma_pb = sum(p.xSection for p in lhe.init.procInfo)
    # printed with 11 significant digits per process
    assert sigma_pb == pytest.approx(md["sigma_normalised_cut_fb"] * 1e-3, rel=1e-9)

    w = t["weight"].to_numpy()
    proc = t["process"].to_pylist()
    slots = [_slots(t, k) for k in range(12)]
    x = {c: t[c].to_numpy() for c in ("x1", "x2", "scale_gev", "alpha_s")}
    for i, ev in enumerate(events):
        ps = ev.particles
        # weights: average convention, XWGTUP = N * w [pb]; written with 17 digits
        assert ev.eventinfo.weight == pytest.approx(n * w[i] * 1e-3, rel=1e-15)
        assert int(ev.eventinfo.pid) == PROCESSES.index(proc[i]) + 1
        assert ev.eventinfo.scale == x["scale_gev"][i]
        assert ev.eventinfo.aqcd == x["alpha_s"][i]
        ids = [int(p.id) for p in ps]
        assert ids[0] == t["parton1_pdg"][i].as_py()
        assert ids[1] == t["parton2_pdg"][i].as_py()
        assert ps[0].e == x["x1"][i] * 6500.0
        assert ps[0].pz == ps[0].e
        assert ps[1].e == x["x2"][i] * 6500.0
        assert ps[1].pz == -ps[1].e
        for j, name_ in enumerate(("chi_a", "chi_b", "jet")):
            p = ps[2 + j]
            assert int(p.id) == t[f"{name_}_pdg"][i].as_py()
            assert (int(p.mother1), int(p.mother2)) == (1, 2)
            for c in ("e", "px", "py", "pz"):  # 17 significant digits: exact
                assert getattr(p, c) == t[f"{name_}_{c}"][i].as_py()
        # the hard-process parton is massless (also a quark: float32 E, p would give ~1e-4 E)
        assert ps[4].m == 0.0
        nd = sum(1 for s in slots if s["pdg"][i] != 0)
        assert len(ps) == 5 + nd
        for k in range(nd):
            p, s = ps[5 + k], slots[k]
            assert int(p.id) == s["pdg"][i]
            mom = s["mother"][i]
            assert int(p.mother1) == {-1: 3, -2: 4}.get(int(mom), 6 + int(mom))
            for c in ("e", "px", "py", "pz"):
                assert getattr(p, c) == s[c][i]
        # status 2 exactly for the particles that are mothers
        mothers = {int(p.mother1) for p in ps[2:]}
        for j, p in enumerate(ps):
            expect = -1 if j < 2 else (2 if j + 1 in mothers else 1)
            assert int(p.status) == expect
        # proper decay length of the decayed legs (10 digits printed)
        for j, leg in ((2, "chi_a"), (3, "chi_b")):
            if int(ps[j].status) == 2:
                assert ps[j].lifetime == pytest.approx(t[f"{leg}_decay_ct"][i].as_py(),
                                                       rel=1e-9)
        _check_colour(ps)
        _check_momentum(ps)


def _check_colour(ps) -> None:
    """Every colour tag appears exactly twice in a consistent pair (crossing incoming)."""
    flows: dict[int, list[int]] = {}
    for p in ps:
        c, a = int(p.color1), int(p.color2)
        sign = -1 if int(p.status) == -1 else 1  # incoming colour = outgoing anticolour
        if c:
            flows.setdefault(c, []).append(sign)
        if a:
            flows.setdefault(a, []).append(-sign)
    assert all(sorted(v) == [-1, 1] for v in flows.values()), flows


def _check_momentum(ps) -> None:
    """Four-momentum conservation at the hard vertex and at every decay: the table's
    float32 rounding (<= 2^-24 of each outgoing |p_i| <= E_i, printed exactly) on top of
    the generator's float64 residual (1e-9 of E)."""
    p4 = np.array([[p.e, p.px, p.py, p.pz] for p in ps])
    m1 = np.array([int(p.mother1) for p in ps])
    hard = p4[2:5].sum(axis=0) - p4[0] - p4[1]
    assert np.abs(hard).max() <= 2.0**-24 * p4[2:5, 0].sum() + 1e-9 * p4[:2, 0].sum()
    for j in np.flatnonzero([int(p.status) == 2 for p in ps]):
        kids = p4[m1 == j + 1]
        bound = 2.0**-24 * (kids[:, 0].sum() + p4[j, 0]) + 1e-9 * p4[j, 0]
        assert np.abs(kids.sum(axis=0) - p4[j]).max() <= bound


def test_lhe_header(sample: Path, tmp_path: Path) -> None:
    out = tmp_path / "ev.lhe"
    write_lhe(sample, out)
    text = out.read_text()
    md = read_metadata(sample)
    comment = re.search(r"<!--[^\n]*\n(.*?)\n-->", text, re.DOTALL).group(1)
    assert "--" not in comment
    assert json.loads(comment) == md
    slha = text[text.index("<slha>") + 6 : text.index("</slha>")]
    assert re.search(r"1000023\s+-1\.55000+e\+02", slha)
    width = float(re.search(r"DECAY\s+1000024\s+(\S+)", slha).group(1))
    assert width == pytest.approx(md["decays"]["widths_gev"]["chi1pm"], rel=1e-10)
    brs = [float(m) for m in re.findall(r"^\s+(\S+)\s+\d\s+1000022\s+\S+.*# chi10",
                                        slha.split("DECAY  1000024")[1], re.MULTILINE)]
    assert sum(brs) == pytest.approx(1.0, rel=1e-9)


def test_lhe_weighted(tmp_path: Path) -> None:
    table = tmp_path / "w.parquet"
    run_generate(GenerateOptions(mass=150.0, dm=5.0, n_events=50, seed=2, weighted=True,
                                 processes=("c1p_n1", "n2_n1"), output=table))
    write_lhe(table, tmp_path / "w.lhe")
    lhe = pylhe.LHEFile.fromfile(tmp_path / "w.lhe")
    assert lhe.init.initInfo.weightingStrategy == 4
    assert [p.procId for p in lhe.init.procInfo] == [3, 5]
    w = pq.read_table(table)["weight"].to_numpy()
    wl = np.array([e.eventinfo.weight for e in lhe.events])
    np.testing.assert_allclose(wl, w.size * w * 1e-3, rtol=1e-15)
