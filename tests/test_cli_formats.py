"""`hsim generate --format` and `hsim convert`: format from the suffix, one-line usage errors
(exit 2), no file left behind on failure, ROOT output equal to the Parquet table."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from higgsino_sim.cli import main
from higgsino_sim.errors import HsimError
from higgsino_sim.formats import format_from_suffix, resolve_format
from higgsino_sim.output import read_metadata

uproot = pytest.importorskip("uproot")

BASE = ["generate", "--mass", "115", "--dm", "1.5", "-n", "200", "--seed", "5"]


@pytest.fixture(scope="module")
def table(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("cli_formats") / "ev.parquet"
    assert main([*BASE, "-o", str(out)]) == 0
    return out


def _assert_root_equals_parquet(root_file: Path, table: Path) -> None:
    t = pq.read_table(table)
    with uproot.open(root_file) as f:
        got = f["events"].arrays(library="np")
        strings = json.loads(str(f["string_columns"]))
        meta = json.loads(str(f["metadata"]))
    assert list(got) == t.column_names
    for name in t.column_names:
        if name in strings:
            assert [None if c < 0 else strings[name][c] for c in got[name]] == \
                t[name].to_pylist(), name
        else:
            assert np.array_equal(got[name], t[name].to_numpy(), equal_nan=True), name
    # the same run: the seed and the cross section, not only the same columns
    ref = read_metadata(table)
    assert meta["seed"] == ref["seed"]
    assert meta["sigma_normalised_cut_fb"] == ref["sigma_normalised_cut_fb"]


@pytest.mark.parametrize(
    ("name", "fmt", "expected"),
    [
        ("a.parquet", None, "parquet"),
        ("a.root", None, "root"),
        ("a.ROOT", None, "root"),
        ("a.lhe", None, "lhe"),
        ("a.lhe.gz", None, "lhe"),
        ("a.hepmc", None, "hepmc"),
        ("a.hepmc3", None, "hepmc"),
        ("a.dat", None, "parquet"),
        ("a.gz", None, "parquet"),
        ("a.dat", "root", "root"),
        ("a.root", "root", "root"),
        (None, "hepmc", "hepmc"),
        (None, None, "parquet"),
    ],
)
def test_resolve_format(name: str | None, fmt: str | None, expected: str) -> None:
    assert resolve_format(name, fmt) == expected
    if name is not None and fmt is None and expected != "parquet":
        assert format_from_suffix(name) == expected


def test_generate_format_root_equals_parquet(table: Path, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    # --format root without -o: the default name takes the suffix of the format
    monkeypatch.chdir(tmp_path)
    assert main([*BASE, "--format", "root"]) == 0
    out = tmp_path / "hsim_m115_dm1.5.root"
    assert f"wrote {out.resolve()}" in capsys.readouterr().out
    assert [p.name for p in tmp_path.iterdir()] == [out.name]  # no temporary table left
    _assert_root_equals_parquet(out, table)


def test_generate_root_from_suffix(table: Path, tmp_path: Path) -> None:
    out = tmp_path / "ev.root"
    assert main([*BASE, "-o", str(out)]) == 0
    assert [p.name for p in tmp_path.iterdir()] == ["ev.root"]
    _assert_root_equals_parquet(out, table)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--format", "csv", "-o", "ev.root"], "--format 'csv' is unknown"),
        (["--format", "lhe", "-o", "ev.root"], "--format lhe contradicts the output name"),
        (["--format", "root", "-o", "ev.parquet"], "--format root contradicts"),
        (["--format", "root", "-o", "ev.lhe.gz"], "--format root contradicts"),
    ],
)
def test_generate_format_usage_errors(extra: list[str], message: str, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    assert main([*BASE, *extra]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err
    assert "\n" not in err
    assert list(tmp_path.iterdir()) == []


def test_missing_uproot_fails_before_generating(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    import higgsino_sim.generate

    def no_run(*args: object) -> None:
        raise AssertionError("generated events although the format cannot be written")

    monkeypatch.setattr(higgsino_sim.generate, "run_generate", no_run)
    monkeypatch.setitem(sys.modules, "uproot", None)
    assert main([*BASE, "-o", str(tmp_path / "ev.root")]) == 2
    err = capsys.readouterr().err.strip()
    assert err == ("hsim generate: error: --format root needs uproot: "
                   "pip install 'higgsino-sim[io]'")
    assert list(tmp_path.iterdir()) == []


def test_failed_conversion_leaves_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    from higgsino_sim.formats import root

    def broken(table: Path, out: Path) -> None:
        # a writer that dies half-way through its part file, with the temporary table present
        assert Path(table).is_file()
        (Path(out).parent / f".{Path(out).name}.{os.getpid()}.part").write_text("half")
        raise HsimError("writer failed")

    monkeypatch.setattr(root, "write_root", broken)
    assert main([*BASE, "-o", str(tmp_path / "ev.root")]) == 1
    assert "writer failed" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []  # neither the part file nor the temporary table


def test_convert_command(table: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
                         ) -> None:
    out = tmp_path / "conv.data"  # explicit --format, suffix naming no format
    assert main(["convert", str(table), "-o", str(out), "--format", "root"]) == 0
    assert "(root)" in capsys.readouterr().out
    _assert_root_equals_parquet(out, table)
    copy = tmp_path / "copy.parquet"
    assert main(["convert", str(table), "-o", str(copy)]) == 0
    assert copy.read_bytes() == table.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["conv.data", "copy.parquet"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.parquet", "-o", "x.root"], "no such event table"),
        (["foreign.parquet", "-o", "x.root"], "not an hsim event table"),
        (["notparquet.txt", "-o", "x.root"], "not an hsim event table"),
        (["TABLE", "-o", "x.root", "--format", "lhe"], "contradicts"),
        (["TABLE", "-o", "x.root", "--format", "xml"], "is unknown"),
        (["TABLE", "-o", "nodir/x.root"], "does not exist"),
        (["TABLE", "-o", "TABLE"], "is the input table"),
    ],
)
def test_convert_usage_errors(args: list[str], message: str, table: Path, tmp_path: Path,
                              monkeypatch: pytest.MonkeyPatch,
                              capsys: pytest.CaptureFixture[str]) -> None:
    import pyarrow as pa

    monkeypatch.chdir(tmp_path)
    pq.write_table(pa.table({"a": [1, 2]}), tmp_path / "foreign.parquet")
    (tmp_path / "notparquet.txt").write_text("hello")
    local = tmp_path / "TABLE"
    local.write_bytes(table.read_bytes())
    before = sorted(p.name for p in tmp_path.iterdir())
    assert main(["convert", *args]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err
    assert "\n" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    assert local.read_bytes() == table.read_bytes()
