"""SLHA in and out (higgsino_sim.slha): exact round trip of masses, widths and branching
fractions, channel mapping by daughter ids, one-line errors, the CLI options, and a
generated sample that is bit for bit the same with and without --slha."""

from __future__ import annotations

import contextlib
import io
import json
import math
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from higgsino_sim import constants as sm
from higgsino_sim.cli import main
from higgsino_sim.decays import decay_model, kernel_tables
from higgsino_sim.errors import UsageError
from higgsino_sim.generate import GenerateOptions, run_generate
from higgsino_sim.output import read_metadata
from higgsino_sim.slha import channel_map, read_slha, slha_text, write_slha
from higgsino_sim.spectrum import higgsino_spectrum

pyslha = pytest.importorskip("pyslha")

#: (mass, dm, dm0): the default benchmark, a small splitting (pion modes only), dm0 < dm
#: (chi1+ -> chi20 f f open) and a large splitting (tau and charm modes open)
SPECTRA = [(115.0, 1.5, None), (150.0, 0.3, None), (200.0, 3.0, 1.0), (300.0, 20.0, 5.0)]


def _cli(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


def _write(tmp_path: Path, text: str, name: str = "in.slha") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


#: a hand-written file (the layout other tools print: 8 digits, daughters in any order)
HAND = """\
BLOCK MASS
   1000022   1.00000000E+02   # ~chi_10
   1000023  -1.02000000E+02   # ~chi_20
   1000024   1.01000000E+02   # ~chi_1+
   1000001   5.00000000E+03   # ~d_L (ignored)
DECAY   1000022   0.00000000E+00
DECAY   1000023   2.00000000E-12
   2.50000000E-01   3   1000022   -11    11
   2.50000000E-01   3   1000022    13   -13
   1.00000000E-01   3   1000022     1    -1
   1.00000000E-01   3   1000022     2    -2
   1.50000000E-01   3   1000024    11   -12
   1.50000000E-01   3  -1000024   -11    12
DECAY   1000024   4.00000000E-13
   6.00000000E-01   2   211   1000022
   4.00000000E-01   3   1000022   -11   12
"""


@pytest.mark.parametrize(("mass", "dm", "dm0"), SPECTRA)
@pytest.mark.parametrize("preset", ["physical", "cms-sus-24-003"])
def test_round_trip_exact(tmp_path: Path, mass: float, dm: float, dm0: float | None,
                          preset: str) -> None:
    # the file holds 17 significant digits and channel parts that add up exactly, so the
    # model read back is the same double for double (masses, widths, BRs, kernel tables)
    spec = higgsino_spectrum(mass, dm, dm0)
    model = decay_model(spec, preset)
    path = tmp_path / "rt.slha"
    write_slha(spec, model, path, source="test")
    slha = read_slha(path)
    assert slha.spectrum.as_dict() == spec.as_dict()
    assert slha.file_masses == {"chi10": spec.m_n1, "chi20": -spec.m_n2, "chi1pm": spec.m_c1}
    back = decay_model(slha.spectrum, slha=slha)
    a, b = model.summary(), back.summary()
    assert b.pop("slha")["sha256"] == slha.sha256
    for key in ("br_preset", "notes"):  # the preset's values now come from the file
        a.pop(key), b.pop(key)
    assert a == b
    for x, y in zip(kernel_tables(model).kernel_args(), kernel_tables(back).kernel_args(),
                    strict=True):
        assert np.array_equal(x, y)


def test_file_content(tmp_path: Path) -> None:
    spec = higgsino_spectrum(115.0, 1.5)
    model = decay_model(spec)
    text = slha_text(spec, model, source="hsim spectrum --mass 115 --dm 1.5")
    assert "# source: hsim spectrum --mass 115 --dm 1.5" in text
    doc = pyslha.readSLHA(text)
    assert doc.blocks["MASS"][1000022] == spec.m_n1
    assert doc.blocks["MASS"][1000023] == -spec.m_n2  # signed eigenvalue
    assert doc.blocks["MASS"][1000024] == spec.m_c1
    assert doc.decays[1000022].totalwidth == 0.0
    for pdg, state in ((1000023, "chi20"), (1000024, "chi1pm")):
        d = doc.decays[pdg]
        assert d.totalwidth == model.tables[state].total_width
        # BRs of all lines add to one (fsum of ~20 doubles: a few ulp)
        assert math.fsum(x.br for x in d.decays) == pytest.approx(1.0, rel=1e-14, abs=0)
        # every line is a model channel with at least a 1e-17 share; charges add up
        chmap = channel_map(spec)[state]
        for x in d.decays:
            assert x.br > 0
            assert tuple(sorted(x.ids)) in chmap
            charge = sum(round(sm.charge(abs(i))) * (1 if i > 0 else -1)
                         for i in x.ids if abs(i) < 1000000) + (
                         sum(1 if i > 0 else -1 for i in x.ids if abs(i) == 1000024))
            assert charge == (1 if pdg == 1000024 else 0), x.ids
    # the c tau the file implies is the model's
    assert sm.HBARC_GEV_MM / doc.decays[1000024].totalwidth == model.tables["chi1pm"].ctau_mm


def test_hand_written_file(tmp_path: Path) -> None:
    slha = read_slha(_write(tmp_path, HAND))
    spec = slha.spectrum
    assert (spec.m_n1, spec.m_n2, spec.m_c1) == (100.0, 102.0, 101.0)
    assert slha.widths == {"chi20": 2e-12, "chi1pm": 4e-13}
    model = decay_model(spec, slha=slha)
    c1 = model.tables["chi1pm"]
    assert c1.total_width == 4e-13
    assert c1.ctau_mm == sm.HBARC_GEV_MM / 4e-13
    assert c1.branching["chi10 pi"] == 0.6
    assert c1.branching["chi10 e nu"] == 0.4
    assert c1.branching["chi10 mu nu"] == 0.0
    n2 = model.tables["chi20"]
    assert n2.branching["chi10 e e"] == 0.25
    assert n2.branching["chi10 hadrons"] == pytest.approx(0.2, rel=1e-15)  # d dbar + u ubar
    assert n2.branching["chi1pm f f"] == pytest.approx(0.3, rel=1e-15)  # both conjugates
    assert n2.branching["chi10 nu nu"] == 0.0
    # computed partial widths are scaled to the file's total width
    assert math.fsum(n2.partial_widths.values()) == pytest.approx(2e-12, rel=1e-14)
    # --br on top of the file's values rescales the file's other channels
    over = decay_model(spec, overrides=["chi1pm:chi10 pi=0.9"], slha=slha)
    assert over.tables["chi1pm"].branching["chi10 e nu"] == pytest.approx(0.1, rel=1e-14)
    assert over.tables["chi1pm"].total_width == 4e-13


def test_br_normalised(tmp_path: Path) -> None:
    # three lines of 1/3 printed with 8 digits sum to 0.99999999: normalised to one
    text = HAND.replace("   6.00000000E-01   2   211   1000022\n"
                        "   4.00000000E-01   3   1000022   -11   12\n",
                        "   3.33333333E-01   2   211   1000022\n"
                        "   3.33333333E-01   3   1000022   -11   12\n"
                        "   3.33333333E-01   3   1000022   -13   14\n")
    br = read_slha(_write(tmp_path, text)).branching["chi1pm"]
    assert br["chi10 pi"] == br["chi10 e nu"] == br["chi10 mu nu"]
    assert math.fsum(br.values()) == pytest.approx(1.0, rel=1e-15)


def test_width_only_and_conjugate_chargino(tmp_path: Path) -> None:
    # DECAY without BR lines: only the width (c tau) changes; DECAY -1000024 alone is
    # read charge conjugated
    text = HAND.split("DECAY   1000023")[0] + (
        "DECAY   1000023   3.0E-12\n"
        "DECAY  -1000024   5.0E-13\n"
        "   1.0E+00   2   1000022   -211\n")
    slha = read_slha(_write(tmp_path, text))
    model = decay_model(slha.spectrum, slha=slha)
    computed = decay_model(slha.spectrum)
    n2, n2c = model.tables["chi20"], computed.tables["chi20"]
    assert n2.total_width == 3e-12
    assert n2.branching == n2c.branching
    assert model.tables["chi1pm"].branching["chi10 pi"] == 1.0
    assert model.tables["chi1pm"].total_width == 5e-13


def test_sign_convention(tmp_path: Path) -> None:
    # (-, +) is the same physics with mu -> -mu (pure Higgsino: the phase of mu is
    # unphysical); the model keeps (+, -) and the file's signs are recorded
    text = HAND.replace("1.00000000E+02   # ~chi_10", "-1.00000000E+02   # ~chi_10").replace(
        "-1.02000000E+02", "1.02000000E+02")
    slha = read_slha(_write(tmp_path, text))
    assert slha.file_masses["chi10"] == -100.0
    assert (slha.spectrum.signed_n1, slha.spectrum.signed_n2) == (100.0, -102.0)


@pytest.mark.parametrize(("edit", "message"), [
    (lambda t: t.replace("BLOCK MASS", "BLOCK MASSX"), "no BLOCK MASS"),
    (lambda t: t.replace("   1000023  -1.02000000E+02   # ~chi_20\n", ""),
     "BLOCK MASS has no entry 1000023 (chi20)"),
    (lambda t: t.replace("1.01000000E+02   # ~chi_1+", "9.90000000E+01   # ~chi_1+"),
     "m(chi1+-) = 99 GeV must be above m(chi10) = 100 GeV"),
    (lambda t: t.replace("-1.02000000E+02", "9.00000000E+01"), "same sign"),
    (lambda t: t.replace("-1.02000000E+02", "-9.00000000E+01"),
     "m(chi20) = 90 GeV must be above m(chi10) = 100 GeV"),
    (lambda t: t.replace("1.01000000E+02   # ~chi_1+", "-1.01000000E+02   # ~chi_1+"),
     "chargino masses are positive"),
    (lambda t: t.replace("DECAY   1000022   0.00000000E+00", "DECAY   1000022   1.0E-15"),
     "chi10 is the stable LSP"),
    (lambda t: t.replace("DECAY   1000023   2.00000000E-12", "DECAY   1000023   0.0"),
     "chi20 must decay"),
    (lambda t: t.replace("   4.00000000E-01   3   1000022   -11   12",
                         "   4.00000000E-01   2   1000022   24"),
     "channels not in the model (daughter ids): 1000022 24"),
    (lambda t: t.replace("6.00000000E-01   2   211", "9.00000000E-01   2   211"),
     "DECAY 1000024: the branching fractions sum to 1.3, not 1"),
    (lambda t: t.replace("6.00000000E-01   2   211", "1.00000000E-01   2   211"),
     "DECAY 1000024: the branching fractions sum to 0.5, not 1"),
    (lambda t: t.replace("   4.00000000E-01   3   1000022   -11   12",
                         "   4.00000000E-01   3   1000022   -15   16"),
     "chi1pm -> chi10 tau nu is kinematically closed"),
])
def test_errors(tmp_path: Path, edit, message: str) -> None:
    path = _write(tmp_path, edit(HAND))
    with pytest.raises(UsageError, match=r"^--slha ") as exc:
        decay_model(read_slha(path).spectrum, slha=read_slha(path))
    assert message in str(exc.value)
    assert "\n" not in str(exc.value)


def test_unreadable(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="cannot read the file"):
        read_slha(tmp_path / "missing.slha")
    with pytest.raises(UsageError, match=r"^--slha .*: (not a readable SLHA file|no BLOCK MASS)"):
        read_slha(_write(tmp_path, "DECAY 1000023 abc\n 0.5 2 1 x\n"))


def test_cli(tmp_path: Path) -> None:
    out = tmp_path / "spec.slha"
    code, _, _ = _cli(["spectrum", "--mass", "115", "--dm", "1.5", "--json", "--slha-out",
                       str(out)])
    assert code == 0
    assert "# source: hsim spectrum --mass 115 --dm 1.5" in out.read_text()
    code, ref, _ = _cli(["spectrum", "--mass", "115", "--dm", "1.5", "--json"])
    code2, doc, _ = _cli(["spectrum", "--slha", str(out), "--json"])
    assert code == code2 == 0
    ref_d, doc_d = json.loads(ref), json.loads(doc)
    assert doc_d.pop("slha")["path"] == str(out)
    assert ref_d == doc_d
    code, text, _ = _cli(["xsec", "--slha", str(out), "--json"])
    assert code == 0
    assert json.loads(text)["spectrum"]["m_chi10_gev"] == 113.5
    for argv, message in (
        (["spectrum", "--slha", str(out), "--mass", "115"], "--slha gives the masses; drop --mass"),
        (["spectrum", "--dm", "1"], "--mass required (or --slha FILE)"),
        (["spectrum", "--slha", str(tmp_path / "nope.slha")], "cannot read the file"),
        (["spectrum", "--mass", "115", "--dm", "1.5", "--slha-out",
          str(tmp_path / "no" / "x.slha")], "--slha-out"),
    ):
        code, _, err = _cli(argv)
        assert code == 2, argv
        assert message in err
        assert err.count("\n") == 1


def test_generate_identical_with_slha(tmp_path: Path) -> None:
    # the built-in spectrum written and read back: 2000 events with the same seed are the
    # same bit for bit (every column; NaN slots compared by their bit pattern)
    spec = higgsino_spectrum(115.0, 1.5)
    slha = tmp_path / "spec.slha"
    write_slha(spec, decay_model(spec), slha)
    base = GenerateOptions(mass=115.0, dm=1.5, n_events=2000, seed=11,
                           output=tmp_path / "a.parquet", threads=1)
    run_generate(base)
    from dataclasses import replace

    run_generate(replace(base, mass=0.0, dm=0.0, slha=slha, output=tmp_path / "b.parquet"))
    a = pq.read_table(tmp_path / "a.parquet")
    b = pq.read_table(tmp_path / "b.parquet")
    assert a.schema == b.schema
    assert a.num_rows == b.num_rows == 2000
    for name in a.column_names:
        x, y = a[name].combine_chunks(), b[name].combine_chunks()
        for bx, by in zip(x.buffers(), y.buffers(), strict=True):
            assert (bx is None and by is None) or bx.equals(by), name
    ma, mb = read_metadata(tmp_path / "a.parquet"), read_metadata(tmp_path / "b.parquet")
    assert mb.pop("slha")["path"] == str(slha)
    assert mb["decays"].pop("slha")["path"] == str(slha)
    # everything but the wall-clock times (and the command line) is identical
    for key in ("seconds", "timing_seconds"):
        ma.pop(key), mb.pop(key)
    assert ma == mb


def test_masses_only(tmp_path: Path) -> None:
    # no DECAY tables: widths and branching fractions are the computed ones
    slha = read_slha(_write(tmp_path, HAND.split("DECAY")[0]))
    assert slha.widths == {}
    assert slha.branching == {}
    a = decay_model(slha.spectrum, slha=slha).summary()
    a.pop("slha")
    assert a == decay_model(slha.spectrum).summary()


def test_missing_pyslha(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "pyslha", None)  # import fails
    with pytest.raises(UsageError, match=r"^--slha needs pyslha: pip install 'higgsino-sim\[io\]'$"):
        read_slha(_write(tmp_path, HAND))
