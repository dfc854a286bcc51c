"""`hsim validate`: the report runner, its files and exit codes.

Fast tests run one cheap section (``--only``); the slow physics test runs the whole quick
report (every helper's panels) and requires every panel to pass or be informational.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from matplotlib.figure import Figure

from higgsino_sim.cli import main
from higgsino_sim.validation import report
from higgsino_sim.validation.panel import Panel

CHEAP = "chargino widths"  # deterministic widths + 160k sampled decays: a few seconds


@pytest.fixture
def own_modules(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the generator panel modules: they declare SECTIONS, so --only skips the
    unmatched ones without running them (the slow test below runs every module)."""
    monkeypatch.setattr(report, "PANEL_MODULES", ("xsec_panels", "decay_panels",
                                                  "recoil_panels"))


def _images(text: str) -> list[str]:
    return re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)


@pytest.mark.usefixtures("own_modules")
def test_only_one_section_writes_report_and_images(tmp_path: Path, capsys) -> None:
    out = tmp_path / "rep"  # created by the command
    assert main(["validate", "--quick", "--output", str(out), "--only", CHEAP]) == 0
    text = (out / "report.md").read_text()
    images = _images(text)
    assert images  # one per panel
    for name in images:
        assert (out / name).is_file()
        assert (out / name).stat().st_size > 1000
    assert "| section | panel | N | agreement | result |" in text
    assert "mode: quick" in text
    assert "seed: 1" in text
    assert not list(out.glob(".*tmp"))  # no temporary files left
    printed = capsys.readouterr().out
    # one line per panel, then the total time
    assert printed.count("Decays: chargino widths") == len(images)
    assert re.search(r"\d+ panels in [\d.]+ s", printed)


@pytest.mark.usefixtures("own_modules")
def test_usage_errors(tmp_path: Path, capsys) -> None:
    a_file = tmp_path / "file"
    a_file.write_text("x")
    assert main(["validate", "--output", str(a_file)]) == 2
    assert "not a directory" in capsys.readouterr().err
    assert main(["validate", "--output", str(a_file / "sub")]) == 2
    assert "cannot create" in capsys.readouterr().err
    kept = tmp_path / "kept"
    kept.mkdir()
    (kept / "report.md").write_text("previous report")
    assert main(["validate", "--quick", "--output", str(kept), "--only", "no such section"]) == 2
    assert "matches no section" in capsys.readouterr().err
    assert (kept / "report.md").read_text() == "previous report"  # checked before any work
    with pytest.raises(SystemExit) as exc:
        main(["validate"])  # --output is required
    assert exc.value.code == 2
    with pytest.raises(SystemExit) as exc:
        main(["validate", "--output", str(tmp_path), "--seed", "-1"])
    assert exc.value.code == 2


def _panel(key: str, passed: bool | None) -> Panel:
    fig = Figure(figsize=(2, 2))
    fig.add_subplot().plot([0, 1], [0, 1])
    return Panel(key, "Fake", f"panel {key}", "none", 10, "chi2/ndf = 1/1", passed, fig)


def test_failed_panel_gives_exit_code_one(tmp_path: Path, monkeypatch, capsys) -> None:
    import sys
    import types

    mod = types.ModuleType("higgsino_sim.validation.fake_panels")
    mod.panels = lambda quick, seed: [_panel("ok", True), _panel("bad", False),  # type: ignore[attr-defined]
                                      _panel("info", None)]
    monkeypatch.setitem(sys.modules, mod.__name__, mod)
    monkeypatch.setattr(report, "PANEL_MODULES", ("fake_panels",))
    assert main(["validate", "--output", str(tmp_path)]) == 1
    printed = capsys.readouterr().out
    assert "FAILED (1): Fake: panel bad" in printed
    text = (tmp_path / "report.md").read_text()
    assert "1 passed, 1 failed, 1 informational" in text
    assert {"ok.png", "bad.png", "info.png"} <= {p.name for p in tmp_path.glob("*.png")}


def test_a_module_that_raises_is_a_failed_panel(tmp_path: Path, monkeypatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    import sys
    import types

    mod = types.ModuleType("higgsino_sim.validation.broken_panels")

    def boom(quick: bool, seed: int) -> list[Panel]:
        raise RuntimeError("kaputt")

    mod.panels = boom  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, mod.__name__, mod)
    panels = report.write_report(tmp_path, quick=True,
                                 modules=("broken_panels", "not_a_module"))
    # the raising module and the missing one (a broken install) are both failed panels
    assert [p.passed for p in panels] == [False, False]
    assert "kaputt" in panels[0].statistic
    assert "not_a_module" in panels[1].statistic
    assert "kaputt" in capsys.readouterr().err  # the traceback goes to stderr


@pytest.mark.slow
@pytest.mark.physics
def test_quick_report_passes(tmp_path: Path) -> None:
    panels = report.write_report(tmp_path, quick=True, seed=1)
    failed = [f"{p.section}: {p.title}: {p.statistic}" for p in panels if p.passed is False]
    assert not failed
    text = (tmp_path / "report.md").read_text()
    images = _images(text)
    assert sorted(images) == sorted(f"{p.key}.png" for p in panels)
    for name in images:
        assert (tmp_path / name).is_file()
    # every panel module of the fixed list ran (a missing one would be a failed panel)
    assert {p.section for p in panels} >= set(report.declared_sections())
