"""`hsim` command line: exit codes, one-line errors, no half-written files, JSON contract."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from higgsino_sim.cli import main
from higgsino_sim.output import read_metadata

BASE = ["generate", "--mass", "115", "--dm", "1.5", "-n", "200", "--seed", "3"]


@pytest.mark.parametrize(
    "extra",
    [
        ["--mass", "-100"],
        ["--mass", "0"],
        ["--dm", "0"],
        ["--dm", "-1"],
        ["--dm", "200"],
        ["--dm0", "-3"],
        ["--mass", "abc"],
        ["--dm", "nan"],
        ["-n", "0"],
        ["-n", "-5"],
        ["-n", "ten"],
        ["-n", "2.5e0"],
        ["--processes", "c1p_n2,bogus"],
        ["--pdf", "NoSuchSet_lo"],
        ["--min-recoil", "10"],
        ["--sqrt-s", "0"],
        ["--seed", "x"],
        ["--mass", "5000"],  # outside the NLO+NLL tables
    ],
)
def test_bad_input_exit_code_2_one_line_no_file(
    extra: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "ev.parquet"
    with pytest.raises(SystemExit) as exc_info:
        raise SystemExit(main([*BASE, "-o", str(out), *extra]))
    assert exc_info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err
    assert "\n" not in err
    assert "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_unwritable_output_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                            ) -> None:
    assert main([*BASE, "-o", str(tmp_path / "missing" / "ev.parquet")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert main([*BASE, "-o", str(tmp_path)]) == 2


def test_generate_writes_table_and_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                           ) -> None:
    out = tmp_path / "ev.parquet"
    assert main([*BASE, "-o", str(out)]) == 0
    text = capsys.readouterr().out
    assert "m(chi1+-) = 115.0000 GeV" in text
    assert "NLO+NLL" in text
    assert str(out) in text
    assert pq.read_metadata(out).num_rows == 200
    md = read_metadata(out)
    assert md["command"].startswith("hsim generate --mass 115")
    assert md["sum_of_weights_fb"] == pytest.approx(md["sigma_normalised_cut_fb"], rel=1e-12)
    assert [p.name for p in tmp_path.iterdir()] == ["ev.parquet"]  # no temporary left


def test_xsec_json_contract(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["xsec", "--mass", "150", "--dm", "1", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    keys = [row["process"] for row in doc["processes"]]
    assert keys == ["c1p_n2", "c1m_n2", "c1p_n1", "c1m_n1", "n2_n1", "c1p_c1m"]
    for row in doc["processes"]:
        for k in ("lo_inclusive_fb", "lo_inclusive_err_fb", "nlo_nll_fb", "nlo_nll_err_fb",
                  "k_factor"):
            assert isinstance(row[k], float)
        assert row["k_factor"] == pytest.approx(row["nlo_nll_fb"] / row["lo_inclusive_fb"])


def test_console_script_version_is_fast(tmp_path: Path) -> None:
    env = dict(os.environ)
    out = subprocess.run([sys.executable, "-m", "higgsino_sim", "--version"], check=True,
                         capture_output=True, text=True, env=env, cwd=tmp_path)
    assert out.stdout.startswith("hsim ")
