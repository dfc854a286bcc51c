"""Detector cards: shipped cards load and compile to what their TOML says, bad cards give one
clear error naming the file and the key, and the three cards differ where the detectors do."""

from __future__ import annotations

import bisect
import hashlib
import itertools
import json
import math
import pickle
import tomllib
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from higgsino_sim.cards import (
    FUNCTION_KEYS,
    PARAMETER_KEYS,
    SCHEMA_VERSION,
    Card,
    CardError,
    card_text,
    load_card,
    shipped_cards,
)
from higgsino_sim.errors import UsageError
from higgsino_sim.kernels import detector as det
from higgsino_sim.kernels.response_functions import eval_fn

PERFECT = Path(__file__).resolve().parents[1] / "data" / "cards" / "perfect.toml"
SHIPPED = ("atlas-run2", "cms-phase0", "cms-phase1")
#: eval_fn and the reference below evaluate the same closed forms (erf, x**p, sqrt) in
#: float64, possibly through different libm builds: agreement to a few ulp; 1e-12 relative
#: leaves a margin of ~1e3 ulp. Table look-ups (constant, binned) must agree exactly.
REL = 1e-12


# ---- an independent reference evaluator of the TOML function tables ---------------------


def _bin(edges: list[float], x: float) -> int:
    """Bin of x, nearest bin outside the edges (bisect, not the kernel's binary search)."""
    return min(max(bisect.bisect_right(edges, x) - 1, 0), len(edges) - 2)


def ref_eval(tbl: dict[str, Any], x_edges: str, x: float, y: float) -> float:
    form = tbl["form"]
    if form == "constant":
        return float(tbl["value"])
    if form == "erf":
        z = (x - tbl["x50"]) / (math.sqrt(2.0) * tbl["width"])
        return tbl["plateau"] * 0.5 * (1.0 + math.erf(z))
    if form == "quadrature":
        return math.sqrt(sum((c * x**p) ** 2 for c, p in tbl["terms"]))
    if form == "binned":
        ix = _bin(tbl[x_edges], x)
        if "abs_eta_edges" in tbl:
            return float(tbl["values"][_bin(tbl["abs_eta_edges"], y)][ix])
        return float(tbl["values"][ix])
    assert form == "eta_bins"
    return ref_eval(tbl["bins"][_bin(tbl["abs_eta_edges"], y)], x_edges, x, y)


def _probe_points(edges: list[float]) -> list[float]:
    """Bin centres, the edges themselves, and points below the first / above the last edge."""
    finite = [e for e in edges if math.isfinite(e)]
    pts = [*finite, 0.5 * finite[0], finite[-1] * 2.0 + 1.0]
    pts += [0.5 * (a + b) for a, b in itertools.pairwise(edges) if math.isfinite(b)]
    return pts


def _edges_in(tbl: dict[str, Any], key: str) -> list[float]:
    """All edges of `key` anywhere in the function table (for probe points)."""
    out = list(tbl.get(key, []))
    for sub in tbl.get("bins", []):
        out += _edges_in(sub, key)
    return sorted(set(out))


def _lookup(doc: dict[str, Any], dotted: str) -> Any:
    for part in dotted.split("."):
        doc = doc[part]
    return doc


def _x_key(dotted: str) -> str:
    return {"tracker.efficiency_vs_radius": "r_xy_edges",
            "met.soft_term_resolution": "sum_et_edges"}.get(dotted, "pt_edges")


def _functions(doc: dict[str, Any]) -> list[tuple[str, dict[str, Any], str]]:
    """(label, function table, x-edge key) of every slot and working point of a parsed card."""
    out = [(key, _lookup(doc, key), _x_key(key)) for key in FUNCTION_KEYS]
    for block in ("muons", "electrons"):
        for name, wp in doc[block]["working_points"].items():
            out.append((f"{block}.working_points.{name}", wp["efficiency"], "pt_edges"))
    return out


@pytest.fixture(scope="module", params=[*SHIPPED, "perfect"])
def card_and_doc(request: pytest.FixtureRequest) -> tuple[Card, dict[str, Any]]:
    src = PERFECT if request.param == "perfect" else request.param
    return load_card(src), tomllib.loads(card_text(src))


# ---- shipped cards -----------------------------------------------------------------------


def test_shipped_cards_are_listed_and_named_after_their_file() -> None:
    assert shipped_cards() == SHIPPED
    for name in SHIPPED:
        card = load_card(name)
        assert card.name == name
        assert card.source_file == f"builtin:{name}"
        assert card.schema_version == SCHEMA_VERSION
        assert card.sha256 == hashlib.sha256(card_text(name).encode()).hexdigest()


def test_compiled_card_layout(card_and_doc: tuple[Card, dict[str, Any]]) -> None:
    card, doc = card_and_doc
    pool, fn, par, wp_pdg, wp_fn, wp_pt_min, wp_abseta_max = card.kernel_args()
    assert [a.dtype for a in (pool, par, wp_pt_min, wp_abseta_max)] == [np.float64] * 4
    assert [a.dtype for a in (fn, wp_fn, wp_pdg)] == [np.int64] * 3
    assert (fn.shape, par.shape) == ((det.N_FS,), (det.N_PAR,))
    assert np.all((fn >= 0) & (fn < pool.size))
    assert np.all((wp_fn >= 0) & (wp_fn < pool.size))
    for arr in card.kernel_args():
        assert not arr.flags.writeable
        with pytest.raises(ValueError, match="read-only"):
            arr[0] = 0
    # every scalar parameter is the TOML number
    for key, index in PARAMETER_KEYS.items():
        assert par[index] == _lookup(doc, key), key
    assert card.bfield == doc["magnetic_field"]["bz_t"]
    assert card.pixel_layer_radii_mm == tuple(doc["tracker"]["pixel_layer_radii_mm"])
    # working points: muons in file order, then electrons; bit = index
    names = [f"muon:{n}" for n in doc["muons"]["working_points"]]
    names += [f"electron:{n}" for n in doc["electrons"]["working_points"]]
    assert card.wp_names == tuple(names)
    assert list(wp_pdg) == [13 if n.startswith("muon") else 11 for n in names]
    wps = [*doc["muons"]["working_points"].values(), *doc["electrons"]["working_points"].values()]
    assert list(wp_pt_min) == [w["pt_min_gev"] for w in wps]
    assert list(wp_abseta_max) == [w["abs_eta_max"] for w in wps]
    summary = card.summary()
    assert json.loads(json.dumps(summary)) == summary
    assert summary["working_points"] == {n: i for i, n in enumerate(names)}
    assert (summary["bfield_t"], summary["sha256"]) == (card.bfield, card.sha256)


def test_compiled_functions_reproduce_the_toml(card_and_doc: tuple[Card, dict[str, Any]]) -> None:
    """eval_fn on the pool == an independent evaluation of the TOML tables, at bin centres,
    on edges, below the first and above the last edge, in and beyond every |eta| bin."""
    card, doc = card_and_doc
    offsets = {key: card.fn[slot] for key, slot in FUNCTION_KEYS.items()}
    offsets.update({f"{'muons' if n.startswith('muon') else 'electrons'}.working_points."
                    f"{n.split(':')[1]}": card.wp_fn[i] for i, n in enumerate(card.wp_names)})
    functions = _functions(doc)
    assert len(functions) == det.N_FS + len(card.wp_names)  # every slot and working point
    for label, tbl, x_key in functions:
        xs = _probe_points(_edges_in(tbl, x_key)) if _edges_in(tbl, x_key) else []
        xs += [0.3, 1.0, 2.0, 2.5, 3.7, 10.0, 55.0, 400.0]
        ye = _edges_in(tbl, "abs_eta_edges")
        ys = [*_probe_points(ye), 9.0] if ye else [0.0, 1.3, 9.0]
        for x in xs:
            for y in ys:
                got = eval_fn(card.pool, offsets[label], x, y)
                want = ref_eval(tbl, x_key, x, y)
                assert got == pytest.approx(want, rel=REL, abs=0.0), (label, x, y)


def test_hand_numbers_from_the_cards() -> None:
    """A few numbers read off the card files (and the reference tables they quote)."""
    p0, p1, atlas = (load_card(n) for n in ("cms-phase0", "cms-phase1", "atlas-run2"))

    def f(card: Card, slot: int, x: float, y: float) -> float:
        return eval_fn(card.pool, card.fn[slot], x, y)

    def wp(card: Card, name: str, x: float, y: float) -> float:
        return eval_fn(card.pool, card.wp_fn[card.wp_names.index(name)], x, y)

    # Phase-0 d0 table (Delphes trackResolutionCMS.tcl): the 0.9041-1.1044 GeV bin
    assert f(p0, det.FS_TRK_D0_RES, 1.0, 0.3) == 0.0753
    assert f(p0, det.FS_TRK_D0_RES, 1.0, 2.0) == 0.1557
    assert f(p0, det.FS_TRK_D0_RES, 0.1, 0.3) == 0.3543  # below 0.1823: first bin
    assert f(p0, det.FS_TRK_D0_RES, 500.0, 1.0) == 0.0095  # above 134.7: last bin
    # Phase-1 d0 = the Phase-0 bin times sqrt(a^2 + (0.75 b/pT)^2) / sqrt(a^2 + (b/pT)^2) at
    # the geometric bin centre (fits a, b of the reference, section 4.3)
    pt_c = math.sqrt(0.9041 * 1.1044)
    ratio = math.hypot(0.0158, 0.75 * 0.0715 / pt_c) / math.hypot(0.0158, 0.0715 / pt_c)
    assert f(p1, det.FS_TRK_D0_RES, 1.0, 0.3) == pytest.approx(0.0753 * ratio, abs=5e-6)
    assert f(p1, det.FS_TRK_D0_RES, 500.0, 1.0) == 0.0095  # high-pT limit unchanged
    # ATLAS d0 = sqrt(14.3^2 + (57.0 / pT)^2) um, no |eta| dependence
    for pt in (0.5, 1.0, 57.0 / 14.3, 30.0):
        want = math.hypot(0.0143, 0.0570 / pt)
        assert f(atlas, det.FS_TRK_D0_RES, pt, 0.1) == pytest.approx(want, rel=REL)
        assert f(atlas, det.FS_TRK_D0_RES, pt, 2.4) == pytest.approx(want, rel=REL)
    # track pT resolution = Delphes muon: sqrt(0.015^2 + (1.5e-4 pT)^2) at 0.5 < |eta| < 1.5
    assert f(p0, det.FS_TRK_PT_RES, 100.0, 1.0) == pytest.approx(math.hypot(0.015, 0.015), rel=REL)
    # MET soft term: sqrt(a^2 + b^2 sum_pT)
    want = math.hypot(8.0, 0.45 * 20.0)
    assert f(atlas, det.FS_MET_SOFT_RES, 400.0, 0.0) == pytest.approx(want, rel=REL)
    assert f(p0, det.FS_MET_SOFT_RES, 100.0, 0.0) == pytest.approx(math.hypot(12.0, 5.0), rel=REL)
    # erf turn-ons are at half their plateau at x50
    assert wp(p0, "electron:low_pt", 2.0, 0.3) == pytest.approx(0.336 / 2, rel=REL)
    assert wp(atlas, "muon:low_momentum", 2.5, 1.0) == pytest.approx(0.73 / 2, rel=REL)
    assert wp(atlas, "electron:low_momentum", 2.0, 1.0) == pytest.approx(0.25, rel=REL)
    # lepton maps: SUS-16-048 (GAMBIT), 1911.12606 fig. 3, applyMuonEffR2
    assert wp(p0, "muon:id_iso", 5.0, 1.0) == 0.627
    assert wp(p0, "muon:soft", 5.0, 1.0) == 0.627
    assert wp(p0, "muon:soft", 2.2, 0.3) == 0.05  # ASSUMPTION bin, barrel
    assert wp(p0, "electron:standard", 12.0, 1.5) == 0.229  # ECAL transition
    assert wp(atlas, "muon:signal", 3.2, 0.0) == 0.51128
    assert wp(atlas, "muon:signal", 300.0, 0.0) == 0.93253
    assert wp(atlas, "electron:signal", 7.0, 0.0) == 0.50248
    assert wp(atlas, "muon:lowpt_run2", 4.5, 2.6) == 0.94
    # tracking efficiency (Delphes): hadrons 0.95 / 0.85 above 1 GeV
    assert f(p1, det.FS_TRK_EFF_HADRON, 5.0, 1.0) == 0.95
    assert f(p1, det.FS_TRK_EFF_HADRON, 0.5, 2.0) == 0.60
    assert f(p1, det.FS_TRK_EFF_ELECTRON, 150.0, 2.0) == 0.90


def test_perfect_card_is_perfect() -> None:
    card = load_card(PERFECT)
    eff = (det.FS_TRK_EFF_HADRON, det.FS_TRK_EFF_ELECTRON, det.FS_TRK_EFF_MUON,
           det.FS_TRK_EFF_RADIUS, det.FS_BTAG_B)
    res = (det.FS_TRK_PT_RES, det.FS_TRK_D0_RES, det.FS_TRK_DZ_RES, det.FS_MU_PT_RES,
           det.FS_EL_PT_RES, det.FS_JET_PT_RES, det.FS_MET_SOFT_RES)
    for x in (0.0, 0.5, 3.0, 1e4):
        for y in (0.0, 2.0, 9.0):
            assert all(eval_fn(card.pool, card.fn[s], x, y) == 1.0 for s in eff)
            assert all(eval_fn(card.pool, card.fn[s], x, y) == 0.0 for s in res)
            assert all(eval_fn(card.pool, o, x, y) == 1.0 for o in card.wp_fn)
    assert card.par[[det.P_TRK_PT_MIN, det.P_JET_PT_MIN]].tolist() == [0.0, 0.0]
    assert card.par[[det.P_TRK_ABSETA_MAX, det.P_TRK_R_MAX]].tolist() == [10.0, 1e9]
    assert sorted(card.wp_pdg) == [11, 13]
    assert set(card.wp_pt_min) == {0.0}


def test_edited_copy_of_a_shipped_card(tmp_path: Path) -> None:
    """The user workflow: copy a card, change one number, load it by path."""
    text = card_text("cms-phase1")
    assert text.count("bz_t = 3.8") == 1
    path = tmp_path / "my.toml"
    path.write_text(text.replace("bz_t = 3.8", "bz_t = 3.5"), encoding="utf-8")
    mine, orig = load_card(path), load_card("cms-phase1")
    assert (mine.bfield, mine.par[det.P_BFIELD]) == (3.5, 3.5)
    assert mine.source_file == str(path)
    assert mine.sha256 != orig.sha256
    np.testing.assert_array_equal(mine.pool, orig.pool)
    others = np.arange(det.N_PAR) != det.P_BFIELD
    np.testing.assert_array_equal(mine.par[others], orig.par[others])
    assert load_card(str(path)).sha256 == mine.sha256  # a str ending in .toml is a path


# ---- the three cards differ where the detectors differ ------------------------------------


def test_phase0_and_phase1_differ_in_pixels_coverage_and_d0() -> None:
    p0, p1 = load_card("cms-phase0"), load_card("cms-phase1")
    # [S001 sec. 2]: three pixel layers within 102 mm vs four within 160 mm
    assert p0.pixel_layer_radii_mm == (44.0, 73.0, 102.0)
    assert p1.pixel_layer_radii_mm == (29.0, 68.0, 109.0, 160.0)

    def radius_eff(card: Card, r: float) -> float:
        return eval_fn(card.pool, card.fn[det.FS_TRK_EFF_RADIUS], r, 0.0)

    # radial coverage: the fourth Phase-1 layer keeps pixel seeding further out
    assert radius_eff(p0, 10.0) == radius_eff(p1, 10.0) == 1.0
    assert (radius_eff(p0, 60.0), radius_eff(p1, 60.0)) == (0.85, 1.0)
    assert (radius_eff(p0, 130.0), radius_eff(p1, 130.0)) == (0.6, 0.75)
    # |eta| coverage: 2.5 for both (Phase-1 choice documented in the card: pixel hits to 2.5)
    assert p0.par[det.P_TRK_ABSETA_MAX] == p1.par[det.P_TRK_ABSETA_MAX] == 2.5
    # d0 resolution: Phase-1 better by 15-30 % at 1 GeV in every |eta| bin, never worse, and
    # equal in the high-pT (hit resolution) limit
    for eta in (0.3, 1.2, 2.0):
        ratio = [eval_fn(p1.pool, p1.fn[det.FS_TRK_D0_RES], pt, eta)
                 / eval_fn(p0.pool, p0.fn[det.FS_TRK_D0_RES], pt, eta)
                 for pt in (1.0, 5.0, 40.0, 200.0)]
        assert 0.70 < ratio[0] < 0.85, eta
        assert all(r <= 1.0 for r in ratio), (eta, ratio)
        assert ratio[-1] == pytest.approx(1.0, abs=2e-3), eta  # rounding to 0.01 um
    # b tagging: CSVv2 (|eta| < 2.4) vs DeepCSV (|eta| < 2.5)
    assert (p0.par[det.P_BTAG_ABSETA_MAX], p1.par[det.P_BTAG_ABSETA_MAX]) == (2.4, 2.5)
    assert eval_fn(p1.pool, p1.fn[det.FS_BTAG_B], 50.0, 0.0) > eval_fn(
        p0.pool, p0.fn[det.FS_BTAG_B], 50.0, 0.0)


def test_atlas_and_cms_differ_in_field_and_lepton_thresholds() -> None:
    cms, atlas = load_card("cms-phase1"), load_card("atlas-run2")
    assert (cms.bfield, atlas.bfield) == (3.8, 2.0)

    def thresholds(card: Card, flavour: int) -> dict[str, tuple[float, float]]:
        return {n: (float(card.wp_pt_min[i]), float(card.wp_abseta_max[i]))
                for i, n in enumerate(card.wp_names) if card.wp_pdg[i] == flavour}

    assert thresholds(cms, 13) == {"muon:id_iso": (3.5, 2.4), "muon:soft": (2.0, 2.4)}
    assert thresholds(atlas, 13) == {"muon:signal": (3.0, 2.5), "muon:lowpt_run2": (3.5, 2.7),
                                     "muon:low_momentum": (2.0, 2.5)}
    assert thresholds(cms, 11) == {"electron:standard": (5.0, 2.5), "electron:low_pt": (1.0, 2.5)}
    assert thresholds(atlas, 11) == {"electron:signal": (4.5, 2.47),
                                     "electron:low_momentum": (1.0, 2.47)}
    assert (cms.par[det.P_JET_PT_MIN], cms.par[det.P_JET_ABSETA_MAX]) == (15.0, 5.0)
    assert (atlas.par[det.P_JET_PT_MIN], atlas.par[det.P_JET_ABSETA_MAX]) == (20.0, 4.5)
    assert atlas.pixel_layer_radii_mm[0] == 33.25  # IBL


# ---- bad cards: one clear error each -------------------------------------------------------

BASE = PERFECT.read_text(encoding="utf-8")
RADIUS = 'efficiency_vs_radius = { form = "constant", value = 1.0 }'
MU_WP = ('[muons.working_points.all]\nsource = "test card"\npt_min_gev = 0.0\nabs_eta_max = 10.0\n'
         'efficiency = { form = "constant", value = 1.0 }')
JET_RES = 'pt_resolution = { form = "constant", value = 0.0 }\n\n[btag]'


def _radius(inner: str) -> tuple[str, str]:
    """Replace the constant efficiency_vs_radius by the inline table {inner}."""
    return RADIUS, f"efficiency_vs_radius = {{ {inner} }}"


def _binned_radius(edges: str, values: str) -> tuple[str, str]:
    return _radius(f'form = "binned", r_xy_edges = {edges}, values = {values}')


def _extra_wps(n: int) -> tuple[str, str]:
    wps = "".join(f'\n[muons.working_points.m{i}]\nsource = "x"\npt_min_gev = 0.0\n'
                  f'abs_eta_max = 1.0\nefficiency = {{ form = "constant", value = 1.0 }}\n'
                  for i in range(n))
    return "\n[electrons]", wps + "\n[electrons]"


# (case id, (old, new) replaced once in the perfect card, dotted key, problem substring)
BAD_CARDS = [
    ("missing key", ("bz_t = 3.8\n", ""), "magnetic_field.bz_t", "missing key"),
    ("missing block source", ('source = "test card"\npt_min_gev = 0.0\nabs_eta_max = 10.0\npt_res',
                              'pt_min_gev = 0.0\nabs_eta_max = 10.0\npt_res'),
     "jets.source", "missing key"),
    ("misspelt block", ("[isolation]", "[isolaton]"), "isolaton",
     "unknown key (did you mean 'isolation'?)"),
    ("unknown key", ("bz_t = 3.8", "bz_T = 3.8"), "magnetic_field.bz_T",
     "unknown key (did you mean 'bz_t'?)"),
    ("unknown key in a function", (RADIUS, RADIUS.replace("value =", "value = 1.0, vaule =")),
     "tracker.efficiency_vs_radius.vaule", "unknown key (did you mean 'value'?)"),
    ("wrong x-edge key", _radius('form = "binned", pt_edges = [0.0, 1.0], values = [1.0]'),
     "tracker.efficiency_vs_radius.pt_edges", "unknown key"),
    ("unknown form", (RADIUS, RADIUS.replace('"constant"', '"gauss"')),
     "tracker.efficiency_vs_radius.form", "unknown form 'gauss'"),
    ("missing form", (RADIUS, RADIUS.replace('form = "constant", ', "")),
     "tracker.efficiency_vs_radius.form", "missing key"),
    ("function not a table", (RADIUS, "efficiency_vs_radius = 1.0"),
     "tracker.efficiency_vs_radius", "expected a function table"),
    ("efficiency > 1", ('efficiency.hadron = { form = "constant", value = 1.0 }',
                        'efficiency.hadron = { form = "constant", value = 1.2 }'),
     "tracker.efficiency.hadron.value", "efficiency 1.2 outside [0, 1]"),
    ("btag efficiency < 0", ('efficiency.c = { form = "constant", value = 0.0 }',
                             'efficiency.c = { form = "constant", value = -0.1 }'),
     "btag.efficiency.c.value", "outside [0, 1]"),
    ("erf plateau > 1",
     (MU_WP, MU_WP.replace('form = "constant", value = 1.0',
                           'form = "erf", plateau = 1.5, x50 = 2.0, width = 1.0')),
     "muons.working_points.all.efficiency.plateau", "outside [0, 1]"),
    ("erf width 0", _radius('form = "erf", plateau = 1.0, x50 = 2.0, width = 0.0'),
     "tracker.efficiency_vs_radius.width", "must be > 0"),
    ("efficiency as quadrature", _radius('form = "quadrature", terms = [[0.5, 0]]'),
     "tracker.efficiency_vs_radius.form", "not allowed for an efficiency"),
    ("binned efficiency > 1", _binned_radius("[0.0, 1.0, 2.0]", "[1.0, 1.01]"),
     "tracker.efficiency_vs_radius.values[1]", "outside [0, 1]"),
    ("negative resolution", (JET_RES, JET_RES.replace("value = 0.0", "value = -0.1")),
     "jets.pt_resolution.value", "negative resolution"),
    ("negative field", ("bz_t = 3.8\n", "bz_t = -3.8\n"), "magnetic_field.bz_t", "-3.8"),
    ("negative power of a pT sum",
     ('soft_term_resolution = { form = "constant", value = 0.0 }',
      'soft_term_resolution = { form = "quadrature", terms = [[1.0, -1]] }'),
     "met.soft_term_resolution.terms[0][1]", "negative power -1"),
    ("jet isolation window inverted",
     ("lepton_jet_pt_min_gev = 10.0", "lepton_jet_pt_min_gev = 40.0"),
     "isolation.lepton_jet_pt_min_gev", "above lepton_jet_pt_max_gev"),
    ("negative quadrature coefficient",
     (JET_RES, JET_RES.replace('form = "constant", value = 0.0',
                               'form = "quadrature", terms = [[-0.1, 0]]')),
     "jets.pt_resolution.terms[0][0]", "negative"),
    ("non-monotonic edges", _binned_radius("[0.0, 2.0, 1.0]", "[1.0, 1.0]"),
     "tracker.efficiency_vs_radius.r_xy_edges[2]", "not strictly increasing"),
    ("negative edge", _binned_radius("[-1.0, 2.0]", "[1.0]"),
     "tracker.efficiency_vs_radius.r_xy_edges[0]", "negative"),
    ("inf not last", _binned_radius("[0.0, inf, 5.0]", "[1.0, 1.0]"),
     "tracker.efficiency_vs_radius.r_xy_edges[1]", "only the last edge may be inf"),
    ("one edge", _binned_radius("[0.0]", "[]"),
     "tracker.efficiency_vs_radius.r_xy_edges", "at least 2"),
    ("shape mismatch 1-D", _binned_radius("[0.0, 1.0, 2.0]", "[1.0]"),
     "tracker.efficiency_vs_radius.values", "expected 2 numbers (one per r_xy_edges bin)"),
    ("shape mismatch 2-D rows",
     _radius('form = "binned", r_xy_edges = [0.0, 1.0], abs_eta_edges = [0.0, 1.0, 2.0], '
             "values = [[1.0]]"),
     "tracker.efficiency_vs_radius.values", "expected 2 rows"),
    ("shape mismatch 2-D columns",
     _radius('form = "binned", r_xy_edges = [0.0, 1.0], abs_eta_edges = [0.0, 1.0, 2.0], '
             "values = [[1.0], [1.0, 0.5]]"),
     "tracker.efficiency_vs_radius.values[1]", "got 2 numbers"),
    ("eta_bins count",
     _radius('form = "eta_bins", abs_eta_edges = [0.0, 1.0, 2.0], '
             'bins = [{ form = "constant", value = 1.0 }]'),
     "tracker.efficiency_vs_radius.bins", "expected 2 function tables"),
    ("bad function inside eta_bins",
     _radius('form = "eta_bins", abs_eta_edges = [0.0, 1.0], '
             'bins = [{ form = "constant", value = 2.0 }]'),
     "tracker.efficiency_vs_radius.bins[0].value", "outside [0, 1]"),
    ("string for a number", ("bz_t = 3.8", 'bz_t = "3.8"'), "magnetic_field.bz_t",
     "expected a number, got string"),
    ("boolean for a number", ("bz_t = 3.8", "bz_t = true"), "magnetic_field.bz_t",
     "expected a number, got boolean"),
    ("number for a string", ('[jets]\nsource = "test card"', "[jets]\nsource = 5"), "jets.source",
     "expected a string, got integer"),
    ("nan", ("bz_t = 3.8", "bz_t = nan"), "magnetic_field.bz_t", "not a finite number"),
    ("inf parameter", ("max_production_radius_mm = 1e9", "max_production_radius_mm = inf"),
     "tracker.max_production_radius_mm", "not a finite number"),
    ("fraction > 1", ("jet_charged_fraction = 0.65", "jet_charged_fraction = 1.5"),
     "isolation.jet_charged_fraction", "out of range (must be in [0, 1])"),
    ("negative threshold", ("lepton_jet_dr = 0.6", "lepton_jet_dr = -0.6"),
     "isolation.lepton_jet_dr", "out of range (must be >= 0)"),
    ("pixel radii not increasing", ("[44.0, 73.0, 102.0]", "[44.0, 30.0]"),
     "tracker.pixel_layer_radii_mm[1]", "not strictly increasing"),
    ("unsupported schema_version", ("schema_version = 1", "schema_version = 2"), "schema_version",
     "unsupported version 2"),
    ("missing schema_version", ("schema_version = 1\n", ""), "schema_version", "missing key"),
    ("too many working points", _extra_wps(det.MAX_WP - 1), "electrons.working_points.all",
     f"too many working points (at most {det.MAX_WP}"),
    ("bad working-point name", ("[muons.working_points.all]", '[muons.working_points."all muons"]'),
     "muons.working_points.all muons", "working-point names"),
    ("misspelt working_points",
     ("[electrons.working_points.all]", "[electrons.working_points_x]"),
     "electrons.working_points_x", "unknown key"),
]


@pytest.mark.parametrize(("case", "edit", "key", "problem"), BAD_CARDS,
                         ids=[c[0] for c in BAD_CARDS])
def test_bad_card_names_file_key_and_problem(tmp_path: Path, case: str, edit: tuple[str, str],
                                             key: str, problem: str) -> None:
    old, new = edit
    assert BASE.count(old) == 1, f"test setup: {old!r} must occur once in perfect.toml"
    path = tmp_path / "bad.toml"
    path.write_text(BASE.replace(old, new), encoding="utf-8")
    with pytest.raises(CardError) as info:
        load_card(path)
    msg = str(info.value)
    assert msg.startswith(f"{path}: {key}: "), msg
    assert problem in msg, msg
    assert "\n" not in msg
    assert (info.value.file, info.value.key) == (str(path), key)


def test_malformed_toml_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text(BASE.replace("bz_t = 3.8", "bz_t = "), encoding="utf-8")
    with pytest.raises(CardError, match=r"broken\.toml: malformed TOML: .*\(at line \d+, column"):
        load_card(path)
    line = BASE.splitlines().index("bz_t = 3.8") + 1
    with pytest.raises(CardError, match=rf"at line {line},"):
        load_card(path)


def test_unreadable_and_unknown_cards(tmp_path: Path) -> None:
    with pytest.raises(CardError, match=r"nope\.toml: no such file \(shipped cards: "
                                        r"atlas-run2, cms-phase0, cms-phase1"):
        load_card(tmp_path / "nope.toml")
    with pytest.raises(CardError, match=r"^cms-phase2: unknown card name \(shipped cards: atlas"):
        load_card("cms-phase2")
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b"name = \"\xff\"\n")
    with pytest.raises(CardError, match="not UTF-8"):
        load_card(binary)
    with pytest.raises(CardError, match="not UTF-8"):
        card_text(binary)


def test_card_error_is_a_usage_error_and_pickles() -> None:
    err = CardError("my.toml", "tracker.pt_min_gev", "missing key")
    assert isinstance(err, UsageError)
    assert str(err) == "my.toml: tracker.pt_min_gev: missing key"
    back = pickle.loads(pickle.dumps(err))
    assert (str(back), back.file, back.key, back.problem) == (
        str(err), "my.toml", "tracker.pt_min_gev", "missing key")
