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
