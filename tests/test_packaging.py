"""The wheel maps kernels/ and detector_cards/ into the package; nothing installs `kernels`."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_wheel_installs_kernels_inside_the_package(tmp_path: Path) -> None:
    wheel_dir = tmp_path / "wheel"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "-q", "-w", str(wheel_dir), str(ROOT)],
        check=True, cwd=tmp_path,
    )
    (wheel,) = wheel_dir.glob("higgsino_sim-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/")[0] for n in names}
    assert "kernels" not in tops
    assert "higgsino_sim/kernels/hard_process.py" in names
    assert "higgsino_sim/detector_cards/README.md" in names
    assert any(n.startswith("higgsino_sim/data/") and n.endswith(".csv") for n in names)

    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target),
         str(wheel)],
        check=True, cwd=tmp_path,
    )
    code = (
        "import importlib.util, higgsino_sim.kernels as k, higgsino_sim.kernels.kinematics;"
        "from importlib.resources import files;"
        f"assert k.__file__.startswith({str(target)!r}), k.__file__;"
        "assert importlib.util.find_spec('kernels') is None;"
        "assert files('higgsino_sim.detector_cards').joinpath('README.md').is_file();"
        "from higgsino_sim.cards import load_card, shipped_cards;"
        "assert shipped_cards() == ('atlas-run2', 'cms-phase0', 'cms-phase1'), shipped_cards();"
        "assert load_card('cms-phase1').source_file == 'builtin:cms-phase1';"
        "print('ok')"
    )
    env = dict(os.environ, PYTHONPATH=str(target))
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True, cwd=tmp_path, env=env)
    assert out.stdout.strip() == "ok"
