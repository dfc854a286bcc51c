"""`hsim spectrum` and the decay options of `hsim generate`: JSON contract, presets, --br,
usage errors (exit code 2, one line), and the decay columns of a generated file."""

from __future__ import annotations

import contextlib
import io
import json
import math
import re
import runpy
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from scipy.constants import physical_constants

from higgsino_sim.cli import main
from higgsino_sim.output import read_metadata

ROOT = Path(__file__).resolve().parents[1]
SPEC = ["spectrum", "--mass", "115", "--dm", "1.5"]
STATES = ("chi10", "chi20", "chi1pm")
#: channel names that are a contract (docs/decays.md, section 1)
CONTRACT_CHANNELS = {
    "chi1pm": {"chi10 pi", "chi10 pi pi0", "chi10 e nu", "chi10 mu nu", "chi10 hadrons"},
    "chi20": {"chi10 e e", "chi10 mu mu", "chi10 tau tau", "chi10 nu nu", "chi10 hadrons",
              "chi10 gamma", "chi1pm f f"},
}
#: hbar c [GeV mm] from the CODATA "MeV fm" value (exact since the 2019 SI, printed to 10
#: digits: 197.3269804 MeV fm), not from the hbar * c / e route of higgsino_sim.constants
HBARC_GEV_MM = physical_constants["reduced Planck constant times c in MeV fm"][0] * 1e-3 * 1e-12
#: relative rounding of that printed value: < 0.5e-7 / 197.3 ~ 2.5e-10
HBARC_REL = 1e-9
#: branching fractions are ratios of sums of a handful of doubles: equalities hold to a few
#: ulp; 1e-12 leaves a margin of ~1e3 ulp
BR_REL = 1e-12


def _run(argv: list[str]) -> int:
    """main(argv) with argparse's SystemExit turned into the exit code."""
    try:
        return main(argv)
    except SystemExit as exc:
        return int(exc.code or 0)


def _json(capsys: pytest.CaptureFixture[str], *extra: str) -> dict:
    assert main([*SPEC, *extra, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.fixture(scope="module")
def physical() -> dict:
    """`hsim spectrum --json` at the default point with physical branching fractions."""
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        assert main([*SPEC, "--json"]) == 0
    return json.loads(buf.getvalue())


def _text(capsys: pytest.CaptureFixture[str], *extra: str) -> str:
    assert main([*SPEC, *extra]) == 0
    return capsys.readouterr().out


# ---------------------------------------------------------------- JSON contract


def test_json_keys_states_and_channel_names(physical: dict) -> None:
    doc = physical
    for key in ("masses_gev", "widths_gev", "ctau_mm", "branching_fractions"):
        assert set(doc[key]) == set(STATES), key
    for state, channels in CONTRACT_CHANNELS.items():
        assert channels <= set(doc["branching_fractions"][state]), state
    assert doc["branching_fractions"]["chi10"] == {}  # stable
    assert doc["br_preset"] == "physical"
    assert doc["br_overrides"] == []
    assert doc["notes"] == []


def test_json_branching_fractions_sum_to_one(physical: dict) -> None:
    doc = physical
    for state in ("chi20", "chi1pm"):
        brs = doc["branching_fractions"][state]
        assert all(0.0 <= b <= 1.0 for b in brs.values())
        assert math.fsum(brs.values()) == pytest.approx(1.0, abs=1e-12)


def test_json_ctau_is_hbar_c_over_width(physical: dict) -> None:
    doc = physical
    for state in ("chi20", "chi1pm"):
        width = doc["widths_gev"][state]
        assert width > 0
        assert doc["ctau_mm"][state] == pytest.approx(HBARC_GEV_MM / width, rel=HBARC_REL)
        # total width = sum of the partial widths (same doubles, summed in another order)
        partial = doc["partial_widths_gev"][state].values()
        assert math.fsum(partial) == pytest.approx(width, rel=1e-12)
    assert doc["widths_gev"]["chi10"] == 0.0
    assert doc["ctau_mm"]["chi10"] is None  # stable: JSON has no inf


def test_json_masses_follow_mass_dm_and_dm0(physical: dict,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    doc = physical
    m = doc["masses_gev"]
    # 115 - 1.5 and 113.5 + 3 are exact in binary floating point
    assert m == {"chi1pm": 115.0, "chi10": 113.5, "chi20": 113.5 + 2 * 1.5}  # dm0 = 2 dm
    doc4 = _json(capsys, "--dm0", "4")
    assert doc4["masses_gev"] == {"chi1pm": 115.0, "chi10": 113.5, "chi20": 117.5}
    # a larger chi20 - chi10 splitting only opens phase space for chi20 (Gamma ~ dm0^5);
    # the chargino (lighter than chi20 in both cases) is untouched
    assert doc4["widths_gev"]["chi20"] > doc["widths_gev"]["chi20"]
    assert doc4["widths_gev"]["chi1pm"] == doc["widths_gev"]["chi1pm"]


# ----------------------------------------------------------- human-readable form


def test_text_lists_every_width_and_ctau(physical: dict,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    doc = physical
    text = _text(capsys)
    for state in ("chi20", "chi1pm"):
        match = re.search(rf"^\s*{state}: width (\S+) GeV, c\*tau (\S+) mm$", text,
                          re.MULTILINE)
        assert match, state
        # printed with 5 (.4e) and 4 (.4g) significant digits: rounding < 1e-4, 1e-3 relative
        assert float(match[1]) == pytest.approx(doc["widths_gev"][state], rel=1e-4)
        assert float(match[2]) == pytest.approx(doc["ctau_mm"][state], rel=1e-3)
        # and every open channel with its partial width
        for channel, partial in doc["partial_widths_gev"][state].items():
            if partial > 0:
                line = re.search(rf"^\s*{re.escape(channel)} +BR .* partial width (\S+) GeV$",
                                 text[match.start():], re.MULTILINE)
                assert line, (state, channel)
                assert float(line[1]) == pytest.approx(partial, rel=1e-4)
    assert re.search(r"^\s*chi10: stable$", text, re.MULTILINE)


# ------------------------------------------------------------ presets, overrides


def test_cms_preset(physical: dict,
                    capsys: pytest.CaptureFixture[str]) -> None:
    phys = physical
    cms = _json(capsys, "--br-preset", "cms-sus-24-003")
    assert cms["br_preset"] == "cms-sus-24-003"
    n2, c1 = cms["branching_fractions"]["chi20"], cms["branching_fractions"]["chi1pm"]
    assert n2["chi10 e e"] == 0.05
    assert n2["chi10 mu mu"] == 0.05
    assert c1["chi10 pi"] == 1.0
    assert all(b == 0.0 for ch, b in c1.items() if ch != "chi10 pi")
    # the other chi20 channels share the remaining 90 % in their physical ratios
    others = [ch for ch in n2 if ch not in ("chi10 e e", "chi10 mu mu")]
    assert math.fsum(n2[ch] for ch in others) == pytest.approx(0.9, rel=BR_REL)
    p2 = phys["branching_fractions"]["chi20"]
    assert n2["chi10 nu nu"] / n2["chi10 hadrons"] == pytest.approx(
        p2["chi10 nu nu"] / p2["chi10 hadrons"], rel=BR_REL)
    assert n2["chi10 pi0"] / n2["chi1pm f f"] == pytest.approx(
        p2["chi10 pi0"] / p2["chi1pm f f"], rel=BR_REL)
    # presets change branching fractions only, never lifetimes
    assert cms["ctau_mm"] == phys["ctau_mm"]
    assert any("chi20" in note and "scaled" in note for note in cms["notes"])
    text = _text(capsys, "--br-preset", "cms-sus-24-003")
    assert re.search(r"note: .*chi20 channels scaled", text)


def test_br_override_rescales_the_others(physical: dict,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    phys = physical
    doc = _json(capsys, "--br", "chi20:chi10 mu mu=0.2")
    n2, p2 = doc["branching_fractions"]["chi20"], phys["branching_fractions"]["chi20"]
    assert n2["chi10 mu mu"] == 0.2
    assert math.fsum(n2.values()) == pytest.approx(1.0, abs=1e-12)
    assert n2["chi10 e e"] / n2["chi10 hadrons"] == pytest.approx(
        p2["chi10 e e"] / p2["chi10 hadrons"], rel=BR_REL)
    scale = 0.8 / (1.0 - p2["chi10 mu mu"])
    assert n2["chi10 nu nu"] == pytest.approx(p2["chi10 nu nu"] * scale, rel=BR_REL)
    assert doc["branching_fractions"]["chi1pm"] == phys["branching_fractions"]["chi1pm"]
    assert doc["br_overrides"] == ["chi20:chi10 mu mu=0.2"]
    assert doc["ctau_mm"] == phys["ctau_mm"]
    text = _text(capsys, "--br", "chi20:chi10 mu mu=0.2")
    assert "chi20:chi10 mu mu=0.2" in text
    note = re.search(r"note: .*chi20 channels scaled by (\S+)", text)
    assert note
    assert float(note[1]) == pytest.approx(scale, rel=1e-5)  # printed with 6 digits


def test_radiative_decay_can_be_switched_on(physical: dict,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    # zero by default (docs/decays.md, section 5) but settable
    phys = physical
    assert phys["branching_fractions"]["chi20"]["chi10 gamma"] == 0.0
    doc = _json(capsys, "--br", "chi20:chi10 gamma=0.2")
    n2, p2 = doc["branching_fractions"]["chi20"], phys["branching_fractions"]["chi20"]
    assert n2["chi10 gamma"] == 0.2
    assert n2["chi10 hadrons"] == pytest.approx(0.8 * p2["chi10 hadrons"], rel=BR_REL)


def test_two_overrides_of_one_state_both_hold(physical: dict,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    # the set values are fixed together: a later --br does not rescale an earlier one
    phys = physical
    doc = _json(capsys, "--br", "chi20:chi10 mu mu=0.2", "--br", "chi20:chi10 e e=0.1")
    n2, p2 = doc["branching_fractions"]["chi20"], phys["branching_fractions"]["chi20"]
    assert (n2["chi10 mu mu"], n2["chi10 e e"]) == (0.2, 0.1)
    assert math.fsum(n2.values()) == pytest.approx(1.0, abs=1e-12)
    scale = 0.7 / (1.0 - p2["chi10 mu mu"] - p2["chi10 e e"])
    assert n2["chi10 hadrons"] == pytest.approx(p2["chi10 hadrons"] * scale, rel=BR_REL)


def test_override_on_top_of_the_cms_preset(capsys: pytest.CaptureFixture[str]) -> None:
    # an override replaces one preset value; the preset's other values stay fixed
    doc = _json(capsys, "--br-preset", "cms-sus-24-003", "--br", "chi20:chi10 mu mu=0.2")
    n2 = doc["branching_fractions"]["chi20"]
    assert (n2["chi10 mu mu"], n2["chi10 e e"]) == (0.2, 0.05)
    assert doc["branching_fractions"]["chi1pm"]["chi10 pi"] == 1.0
    assert math.fsum(n2.values()) == pytest.approx(1.0, abs=1e-12)


# ----------------------------------------------------------------- usage errors


@pytest.mark.parametrize(
    "argv",
    [
        [*SPEC, "--br", "chi20:chi10 mu mu"],  # no '='
        [*SPEC, "--br", "chi10 mu mu=0.1"],  # no ':'
        [*SPEC, "--br", "chi30:chi10 mu mu=0.1"],  # unknown state
        [*SPEC, "--br", "chi10:chi10 mu mu=0.1"],  # stable state
        [*SPEC, "--br", "chi20:chi10 mu e=0.1"],  # unknown channel
        [*SPEC, "--br", "chi20:chi10 mu mu=1.5"],  # outside [0, 1]
        [*SPEC, "--br", "chi20:chi10 mu mu=-0.1"],
        [*SPEC, "--br", "chi20:chi10 mu mu=nan"],
        [*SPEC, "--br", "chi20:chi10 mu mu=abc"],  # not a number
        [*SPEC, "--br", "chi1pm:chi10 tau nu=0.1"],  # closed: dm = 1.5 < m(tau)
        [*SPEC, "--br-preset", "no-such-preset"],
        ["spectrum", "--mass", "115", "--dm", "115"],  # dm >= mass
        ["spectrum", "--mass", "115", "--dm", "120"],
        ["spectrum", "--mass", "115", "--dm", "-1"],
        # the cms preset puts 100 % into chi1+- -> chi10 pi, closed below m(pi+)
        ["spectrum", "--mass", "115", "--dm", "0.1", "--br-preset", "cms-sus-24-003"],
        [*SPEC, "--br", "chi20:chi10 mu mu=0.6", "--br", "chi20:chi10 e e=0.6"],  # sum > 1
        [*SPEC, "--br-preset", "cms-sus-24-003", "--br", "chi20:chi10 nu nu=0.95"],
    ],
)
def test_usage_errors_exit_2_with_one_line(argv: list[str],
                                           capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(argv) == 2
    captured = capsys.readouterr()
    err = captured.err
    assert err.endswith("\n")
    assert err.count("\n") == 1
    assert "Traceback" not in err
    assert err.startswith("hsim")
    assert captured.out == ""


def test_generate_negative_bfield_is_a_usage_error(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "ev.parquet"
    argv = ["generate", "--mass", "115", "--dm", "1.5", "-n", "200", "--seed", "3", "-o",
            str(out), "--bfield", "-1"]
    assert _run(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "--bfield" in err
    assert "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------ generate + decays


@pytest.fixture(scope="module")
def cms_file(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A small `hsim generate --br-preset cms-sus-24-003` table and the command's output."""
    out = tmp_path_factory.mktemp("cms") / "cms.parquet"
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        assert main(["generate", "--mass", "115", "--dm", "1.5", "--br-preset",
                     "cms-sus-24-003", "-n", "200", "--seed", "3", "-o", str(out)]) == 0
    return out, buf.getvalue()


def test_generate_with_cms_preset(cms_file: tuple[Path, str]) -> None:
    out, text = cms_file
    assert "branching fractions: cms-sus-24-003" in text
    md = read_metadata(out)
    decays = md["decays"]
    assert decays["br_preset"] == "cms-sus-24-003"
    assert decays["branching_fractions"]["chi1pm"]["chi10 pi"] == 1.0
    allowed = {
        abs_pdg: {ch for ch, b in decays["branching_fractions"][state].items() if b > 0}
        for abs_pdg, state in ((1000024, "chi1pm"), (1000023, "chi20"))
    }
    assert allowed[1000024] == {"chi10 pi"}
    table = pq.read_table(out)
    assert table.num_rows == 200
    seen: dict[int, set[str]] = {1000022: set(), 1000023: set(), 1000024: set()}
    for leg in ("chi_a", "chi_b"):
        pdg = table.column(f"{leg}_pdg").to_pylist()
        channel = table.column(f"{leg}_decay").to_pylist()  # dictionary decoded to str
        for p, ch in zip(pdg, channel, strict=True):
            seen[abs(p)].add(ch)
    assert seen[1000022] == {None}  # chi10: stable
    assert seen[1000024] == {"chi10 pi"}
    assert seen[1000023] <= allowed[1000023]
    assert seen[1000023]  # 200 events always contain chi20 legs (c1+-_n2 and n2_n1)
    # the chargino's pion carries its charge (chi1- decays into the charge conjugates)
    a_pdg = table.column("chi_a_pdg").to_numpy()
    is_c1 = abs(a_pdg) == 1000024
    assert is_c1.any()
    pion = table.column("dau1_pdg").to_numpy()[is_c1]
    assert set(pion * (a_pdg[is_c1] // 1000024)) == {211}
    assert set(table.column("dau0_pdg").to_numpy()[is_c1]) == {1000022}
    assert pc.all(pc.equal(table.column("dau0_mother").filter(is_c1), -1)).as_py()


def test_output_doc_example_runs(cms_file: tuple[Path, str], tmp_path: Path,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    # the soft-lepton example of docs/output.md, on the cms table (leptons only from
    # chi20 -> chi10 l+ l-: every event has 0 or 2 per chi20 leg, m(ll) < dm0 = 3 GeV)
    doc = (ROOT / "docs" / "output.md").read_text(encoding="utf-8")
    code = re.search(r"\*\*Example: the soft leptons\*\*.*?```python\n(.*?)```", doc,
                     re.DOTALL)
    assert code
    script = tmp_path / "soft_leptons.py"
    script.write_text(code[1].replace('"events.parquet"', repr(str(cms_file[0]))))
    runpy.run_path(str(script), run_name="__main__")
    out = capsys.readouterr().out
    pairs = re.findall(r"chi_[ab]: (\d+) pairs, m\(ll\) < (\S+) GeV", out)
    assert len(pairs) == 2
    assert sum(int(n) for n, _ in pairs) > 0
    assert all(float(m) < 3.0 for _, m in pairs)
