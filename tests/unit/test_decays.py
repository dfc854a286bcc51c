"""Decay tables: channel names (a contract), presets, overrides, open and closed channels."""

from __future__ import annotations

import math

import pytest

from higgsino_sim import decays
from higgsino_sim.errors import UsageError
from higgsino_sim.kernels import decays as kd
from higgsino_sim.spectrum import higgsino_spectrum

CHI20 = ("chi10 pi0", "chi10 pi pi", "chi10 e e", "chi10 mu mu", "chi10 tau tau",
         "chi10 nu nu", "chi10 hadrons", "chi1pm f f", "chi10 gamma")
CHI1 = ("chi10 pi", "chi10 K", "chi10 pi pi0", "chi10 e nu", "chi10 mu nu", "chi10 tau nu",
        "chi10 hadrons")


@pytest.fixture(scope="module")
def physical() -> decays.DecayModel:
    return decays.decay_model(higgsino_spectrum(115.0, 1.5))


def test_channel_names_and_sums(physical: decays.DecayModel) -> None:
    assert tuple(physical.tables["chi20"].branching) == CHI20
    assert tuple(physical.tables["chi1pm"].branching) == CHI1
    for t in physical.tables.values():
        assert sum(t.branching.values()) == pytest.approx(1.0, abs=1e-12)
        assert all(b >= 0 for b in t.branching.values())
    # closed at dm = 1.5, dm0 = 3: tau pairs (2 m_tau = 3.55 GeV) and tau nu (1.78 GeV)
    assert physical.tables["chi20"].partial_widths["chi10 tau tau"] == 0.0
    assert physical.tables["chi1pm"].partial_widths["chi10 tau nu"] == 0.0
    # the radiative decay is zero by default (docs/decays.md section 5)
    assert physical.tables["chi20"].branching["chi10 gamma"] == 0.0


def test_summary_is_the_json_contract(physical: decays.DecayModel) -> None:
    s = physical.summary()
    for key in ("masses_gev", "widths_gev", "ctau_mm", "branching_fractions"):
        assert set(s[key]) == {"chi10", "chi20", "chi1pm"}
    assert s["widths_gev"]["chi10"] == 0.0
    assert s["ctau_mm"]["chi10"] is None
    assert s["masses_gev"]["chi20"] == pytest.approx(118.0 - 1.5)


def test_cms_preset(physical: decays.DecayModel) -> None:
    cms = decays.decay_model(higgsino_spectrum(115.0, 1.5), preset="cms-sus-24-003")
    b20 = cms.tables["chi20"].branching
    assert b20["chi10 e e"] == b20["chi10 mu mu"] == 0.05
    assert cms.tables["chi1pm"].branching["chi10 pi"] == 1.0
    assert sum(v for k, v in cms.tables["chi1pm"].branching.items() if k != "chi10 pi") == 0
    phys = physical.tables["chi20"].branching
    assert b20["chi10 hadrons"] / b20["chi10 nu nu"] == pytest.approx(
        phys["chi10 hadrons"] / phys["chi10 nu nu"], rel=1e-12)
    assert sum(b20.values()) == pytest.approx(1.0, abs=1e-12)
    assert any("scaled" in n for n in cms.notes)
    # lifetimes are not touched by presets
    assert cms.tables["chi1pm"].ctau_mm == physical.tables["chi1pm"].ctau_mm


def test_override_rescales_the_rest(physical: decays.DecayModel) -> None:
    m = decays.decay_model(higgsino_spectrum(115.0, 1.5),
                           overrides=["chi20:chi10  mu mu=0.2", "chi20:chi10 gamma=0.1"])
    b = m.tables["chi20"].branching
    assert b["chi10 mu mu"] == 0.2
    assert b["chi10 gamma"] == 0.1
    phys = physical.tables["chi20"].branching
    assert b["chi10 e e"] / b["chi10 nu nu"] == pytest.approx(
        phys["chi10 e e"] / phys["chi10 nu nu"], rel=1e-12)
    assert sum(b.values()) == pytest.approx(1.0, abs=1e-12)
    # the photon mode reaches the kernel with its branching fraction
    kt = decays.kernel_tables(m)
    k = kt.labels.index("chi20:chi10 gamma")
    modes = [j for j in range(kt.arrays.mode_i.shape[0])
             if kt.arrays.mode_i[j, kd.MI_CHANNEL] == k]
    assert len(modes) == 1
    j = modes[0]
    prob = kt.state_cum[j] - (kt.state_cum[j - 1] if j > kt.state_first[0] else 0.0)
    assert prob == pytest.approx(0.1, rel=1e-12)


@pytest.mark.parametrize(("overrides", "preset", "dm", "match"), [
    (["chi20"], "physical", 1.5, "STATE:CHANNEL=VALUE"),
    (["chi20:chi10 e e"], "physical", 1.5, "STATE:CHANNEL=VALUE"),
    (["chi10:chi10 e e=0.1"], "physical", 1.5, "unknown or stable state"),
    (["chi20:chi10 ee=0.1"], "physical", 1.5, "no channel"),
    (["chi20:chi10 e e=1.5"], "physical", 1.5, r"\[0, 1\]"),
    (["chi20:chi10 e e=nan"], "physical", 1.5, r"\[0, 1\]"),
    (["chi1pm:chi10 tau nu=0.1"], "physical", 1.5, "closed"),
    (["chi20:chi10 e e=0.7", "chi20:chi10 mu mu=0.7"], "physical", 1.5, "sum"),
    ([], "cms", 1.5, "unknown --br-preset"),
    ([], "cms-sus-24-003", 0.1, "closed"),  # no pion below m(pi+)
])
def test_bad_overrides_are_usage_errors(overrides, preset, dm, match) -> None:
    with pytest.raises(UsageError, match=match):
        decays.decay_model(higgsino_spectrum(115.0, dm), preset=preset, overrides=overrides)


def test_channels_between_charged_and_neutral_follow_the_spectrum() -> None:
    # default dm0 = 2 dm: chi20 above chi1+-, chi20 -> chi1+- f f' open, the reverse closed
    m = decays.decay_model(higgsino_spectrum(115.0, 1.0))
    assert m.tables["chi20"].partial_widths["chi1pm f f"] > 0
    assert "chi20 f f" not in m.tables["chi1pm"].partial_widths
    # dm0 < dm: chi1+- -> chi20 f f' opens, chi20 -> chi1+- closes
    m = decays.decay_model(higgsino_spectrum(115.0, 3.0, dm0=1.0))
    assert m.tables["chi1pm"].partial_widths["chi20 f f"] > 0
    assert "chi1pm f f" not in m.tables["chi20"].partial_widths


def test_chi20_to_chargino_is_phase_space_suppressed() -> None:
    # Delta m(chi20, chi1) = dm vs Delta m(chi20, chi10) = 2 dm: roughly 2^-5 per channel
    m = decays.decay_model(higgsino_spectrum(115.0, 2.0))
    b = m.tables["chi20"].branching["chi1pm f f"]
    assert 0.0 < b < 0.1


def test_widths_scale_like_dm5_for_leptons() -> None:
    # far above the muon mass and far below m_W the leptonic width goes like dm^5
    w = [decays.decay_model(higgsino_spectrum(1000.0, d)).tables["chi1pm"].partial_widths[
        "chi10 e nu"] for d in (2.0, 4.0)]
    assert math.log2(w[1] / w[0]) == pytest.approx(5.0, abs=0.02)  # recoil, W: < 0.4 %
