"""`hsim cards list | show | validate`: output, exit codes, one-line errors for bad cards."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from higgsino_sim.cards import card_text, load_card, shipped_cards
from higgsino_sim.cli import main

PERFECT = Path(__file__).resolve().parent / "data" / "cards" / "perfect.toml"


def _run(argv: list[str]) -> int:
    """main(argv) with argparse's SystemExit turned into the exit code."""
    try:
        return main(argv)
    except SystemExit as exc:
        return int(exc.code or 0)


def test_list_names_every_shipped_card_with_its_description(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(["cards", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == list(shipped_cards())
    for line, name in zip(lines, shipped_cards(), strict=True):
        assert line.split(maxsplit=1)[1] == load_card(name).description


@pytest.mark.parametrize("name", ["cms-phase0", "cms-phase1", "atlas-run2"])
def test_show_prints_the_card_with_its_comments(capsys: pytest.CaptureFixture[str],
                                                name: str) -> None:
    assert _run(["cards", "show", name]) == 0
    out = capsys.readouterr().out
    assert out == card_text(name)
    assert "# [S001" in out  # sources and assumptions come along
    assert "ASSUMPTION" in out
    assert tomllib.loads(out)["name"] == name


def test_show_output_is_a_valid_card_to_copy(capsys: pytest.CaptureFixture[str],
                                             tmp_path: Path) -> None:
    assert _run(["cards", "show", "atlas-run2"]) == 0
    copy = tmp_path / "copy.toml"
    copy.write_text(capsys.readouterr().out, encoding="utf-8")
    assert load_card(copy).sha256 == load_card("atlas-run2").sha256
    assert _run(["cards", "show", str(PERFECT)]) == 0
    assert capsys.readouterr().out == PERFECT.read_text(encoding="utf-8")


def test_validate_a_good_card(capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(["cards", "validate", str(PERFECT)]) == 0
    out = capsys.readouterr().out
    sha = load_card(PERFECT).sha256[:12]
    assert out == f"{PERFECT}: ok (perfect, 2 working points, sha256 {sha})\n"
    assert _run(["cards", "validate", "cms-phase0"]) == 0
    assert re.fullmatch(r"cms-phase0: ok \(cms-phase0, 4 working points, sha256 [0-9a-f]{12}\)\n",
                        capsys.readouterr().out)


@pytest.mark.parametrize(("edit", "message"), [
    (('muon = { form = "constant"', 'muon = { form = "gauss"'),
     "tracker.efficiency.muon.form: unknown form 'gauss'"),
    (("bz_t = 3.8", "bz_t = "), "malformed TOML: Invalid value (at line"),
    (("value = 1.0 }\nefficiency.muon", "value = 1.5 }\nefficiency.muon"),
     "tracker.efficiency.electron.value: efficiency 1.5 outside [0, 1]"),
    (("lepton_match_dr = 0.01\n", ""), "tracker.lepton_match_dr: missing key"),
], ids=["unknown form", "malformed TOML", "efficiency > 1", "missing key"])
def test_validate_a_bad_card_exits_2_with_one_line(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, edit: tuple[str, str],
        message: str) -> None:
    text = PERFECT.read_text(encoding="utf-8")
    assert text.count(edit[0]) == 1
    bad = tmp_path / "bad.toml"
    bad.write_text(text.replace(*edit), encoding="utf-8")
    assert _run(["cards", "validate", str(bad)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(f"hsim cards: error: {bad}: {message}")
    assert captured.err.count("\n") == 1
    assert "Traceback" not in captured.err


def test_missing_and_unknown_cards_exit_2(capsys: pytest.CaptureFixture[str],
                                          tmp_path: Path) -> None:
    assert _run(["cards", "validate", str(tmp_path / "nope.toml")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"hsim cards: error: {tmp_path / 'nope.toml'}: no such file")
    assert "cms-phase1" in err  # the hint lists the shipped cards
    assert err.count("\n") == 1
    assert _run(["cards", "show", "cms-phase9"]) == 2
    assert capsys.readouterr().err.startswith("hsim cards: error: cms-phase9: unknown card name")


def test_cards_needs_a_subcommand(capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(["cards"]) == 2
    assert _run(["cards", "frobnicate"]) == 2
    assert "Traceback" not in capsys.readouterr().err
