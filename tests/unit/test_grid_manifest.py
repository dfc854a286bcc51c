"""Grid manifest: atomic JSON/CSV round trip, determinism, verification, run log."""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import json
import os
import stat
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from higgsino_sim.errors import UsageError
from higgsino_sim.grid import manifest as mf
from higgsino_sim.grid.manifest import (
    MANIFEST_CSV,
    MANIFEST_JSON,
    RUNLOG,
    PointRecord,
    append_runlog,
    file_sha256,
    read_manifest,
    stale_parts,
    verify,
    write_manifest,
)

SETTINGS = {"master_seed": 20261123, "card": "cms-phase1", "processes": ["n2c1p", "c1c1"],
            "events": 200000}


def _done(name: str, mass: float, dm: float, dm0: float, **kw: object) -> PointRecord:
    """A completed record with awkward floats (not exactly representable in decimal)."""
    values: dict[str, object] = {
        "status": "done",
        "m_chi1pm_gev": mass, "m_chi10_gev": mass - dm, "m_chi20_gev": mass - dm + dm0,
        "sigma_nlo_nll_fb": 1234.5678901234567, "sigma_cut_fb": 0.1 + 0.2,
        "sigma_cut_err_fb": 1e-300, "sigma_lo_cut_fb": 2.0 / 3.0,
        "sum_of_weights_fb": 0.30000000000000004, "n_events": 1000,
        "card": "cms-phase1", "card_sha256": "ab" * 32, "version": "0.1.0",
        "sha256": "cd" * 32, "bytes": 123456, "error": None,
        "cross_sections": {"n2c1p": {"sigma_nlo_nll_fb": 700.1, "k_factor": 1.2345678901234},
                           "c1c1": {"sigma_nlo_nll_fb": 534.4678901234567}},
    }
    values.update(kw)
    return PointRecord(name=name, file=f"{name}.parquet", mass_gev=mass, dm_gev=dm,
                       dm0_gev=dm0, events=1000, seed=2**62 + 12345, **values)


def _records() -> list[PointRecord]:
    return [
        _done("m150_dm1_dm0-2", 150.0, 1.0, 2.0),
        PointRecord(name="m100_dm1.5_dm0-3", file="m100_dm1.5_dm0-3.parquet", mass_gev=100.0,
                    dm_gev=1.5, dm0_gev=3.0, events=1000, seed=7),
        _done("m100_dm0.75_dm0-1.5", 100.0, 0.75, 1.5),
        PointRecord(name="m125_dm0.5_dm0-1", file="m125_dm0.5_dm0-1.parquet", mass_gev=125.0,
                    dm_gev=0.5, dm0_gev=1.0, events=1000, seed=9, status="failed",
                    error='RuntimeError: boom, with "quotes" and a comma'),
    ]


def test_round_trip_is_exact(tmp_path: Path) -> None:
    records = _records()
    write_manifest(tmp_path, SETTINGS, records)
    result = read_manifest(tmp_path)
    assert result is not None
    settings, by_name = result
    assert settings == SETTINGS
    assert set(by_name) == {r.name for r in records}
    for r in records:
        # dataclass equality compares every field with ==: floats bit-exact, None kept
        assert by_name[r.name] == r
    assert by_name["m100_dm1.5_dm0-3"].sigma_cut_fb is None
    assert by_name["m150_dm1_dm0-2"].sigma_cut_fb == 0.1 + 0.2  # 0.30000000000000004


def test_read_manifest_missing_is_none(tmp_path: Path) -> None:
    assert read_manifest(tmp_path) is None


def test_json_layout(tmp_path: Path) -> None:
    write_manifest(tmp_path, SETTINGS, _records())
    text = (tmp_path / MANIFEST_JSON).read_text()
    assert text.endswith("}\n")
    doc = json.loads(text)
    assert list(doc) == ["manifest_version", "settings", "points"]
    assert doc["manifest_version"] == 1
    assert list(doc["points"][0]) == [f.name for f in dataclasses.fields(PointRecord)]
    assert text.startswith('{\n "manifest_version": 1,')  # indent=1


def test_csv_header_and_values(tmp_path: Path) -> None:
    records = _records()
    write_manifest(tmp_path, SETTINGS, records)
    with open(tmp_path / MANIFEST_CSV, newline="") as fh:
        reader = csv.DictReader(fh)
        rows = list(reader)
        header = reader.fieldnames
    expected = [f.name for f in dataclasses.fields(PointRecord) if f.name != "cross_sections"]
    assert header == expected
    assert [r["name"] for r in rows] == [
        "m100_dm0.75_dm0-1.5", "m100_dm1.5_dm0-3", "m125_dm0.5_dm0-1", "m150_dm1_dm0-2"]
    by_name = {r.name: r for r in records}
    for row in rows:
        rec = by_name[row["name"]]
        for name in expected:
            value = getattr(rec, name)
            if value is None:
                assert row[name] == ""
            elif isinstance(value, float):
                assert float(row[name]) == value  # repr round-trips bit-exactly
            else:
                assert row[name] == str(value)
    assert rows[2]["error"] == 'RuntimeError: boom, with "quotes" and a comma'
    assert rows[0]["seed"] == str(2**62 + 12345)


def test_as_row_formats() -> None:
    row = _records()[1].as_row()
    assert "cross_sections" not in row
    assert row["mass_gev"] == "100.0"
    assert row["sigma_cut_fb"] == ""
    assert row["status"] == "pending"


def test_order_and_types_do_not_change_bytes(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    records = _records()
    write_manifest(a, SETTINGS, records)
    shuffled = [records[2], records[0], records[3], records[1]]
    # an int-valued coordinate and numpy scalars must not change the bytes either
    shuffled[0] = dataclasses.replace(shuffled[0], mass_gev=100, seed=np.int64(shuffled[0].seed),
                                      sigma_cut_fb=np.float64(shuffled[0].sigma_cut_fb))
    write_manifest(b, SETTINGS, shuffled)
    for name in (MANIFEST_JSON, MANIFEST_CSV):
        assert (a / name).read_bytes() == (b / name).read_bytes()


def test_sorted_by_coordinates_not_name(tmp_path: Path) -> None:
    # "m1000..." sorts before "m200..." as a string; the manifest sorts by numbers
    recs = [PointRecord(name=f"p{m}_{dm}", file=f"p{m}_{dm}.parquet", mass_gev=m, dm_gev=dm, dm0_gev=2 * dm,
                        events=1, seed=1)
            for m, dm in ((1000.0, 1.0), (200.0, 3.0), (200.0, 0.5), (95.5, 2.0))]
    write_manifest(tmp_path, {}, recs)
    points = json.loads((tmp_path / MANIFEST_JSON).read_text())["points"]
    assert [(p["mass_gev"], p["dm_gev"]) for p in points] == [
        (95.5, 2.0), (200.0, 0.5), (200.0, 3.0), (1000.0, 1.0)]


def test_no_temporary_file_left(tmp_path: Path) -> None:
    write_manifest(tmp_path, SETTINGS, _records())
    write_manifest(tmp_path, SETTINGS, _records()[:2])  # overwrite
    assert sorted(p.name for p in tmp_path.iterdir()) == [MANIFEST_CSV, MANIFEST_JSON]
    assert stale_parts(tmp_path) == []


def test_failed_write_keeps_previous_manifest(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    write_manifest(tmp_path, SETTINGS, _records())
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}

    def broken_replace(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(mf.os, "replace", broken_replace)
    with pytest.raises(OSError, match="No space left"):
        write_manifest(tmp_path, {"other": 1}, _records()[:1])
    monkeypatch.undo()
    after = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    assert after == before  # no temporary file, both files unchanged


def test_failed_write_of_csv_leaves_no_temp(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    # JSON goes first; if the CSV rename fails the JSON is already new (it is the
    # authority), the CSV keeps its old content and no temporary file remains
    write_manifest(tmp_path, SETTINGS, _records())
    old_csv = (tmp_path / MANIFEST_CSV).read_bytes()
    real_replace = os.replace

    def replace(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        if Path(dst).name == MANIFEST_CSV:
            raise OSError(5, "Input/output error")
        real_replace(src, dst)

    monkeypatch.setattr(mf.os, "replace", replace)
    with pytest.raises(OSError, match="Input/output"):
        write_manifest(tmp_path, SETTINGS, _records()[:1])
    monkeypatch.undo()
    assert (tmp_path / MANIFEST_CSV).read_bytes() == old_csv
    result = read_manifest(tmp_path)
    assert result is not None
    assert list(result[1]) == [_records()[0].name]
    assert sorted(p.name for p in tmp_path.iterdir()) == [MANIFEST_CSV, MANIFEST_JSON]


def test_directory_fsync_unsupported_is_ignored_other_errors_raise(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_fsync = os.fsync
    error = {"errno": 22}

    def fsync(fd: int) -> None:
        if stat.S_ISDIR(os.fstat(fd).st_mode):
            raise OSError(error["errno"], os.strerror(error["errno"]))
        real_fsync(fd)

    monkeypatch.setattr(mf.os, "fsync", fsync)
    mf.atomic_write_text(tmp_path / "x.txt", "one\n")  # EINVAL on the directory: ignored
    assert (tmp_path / "x.txt").read_text() == "one\n"
    error["errno"] = 5  # EIO on the directory: reported
    with pytest.raises(OSError, match="Input/output"):
        mf.atomic_write_text(tmp_path / "x.txt", "two\n")


def test_duplicate_names_rejected(tmp_path: Path) -> None:
    rec = _records()[0]
    with pytest.raises(ValueError, match="duplicate"):
        write_manifest(tmp_path, {}, [rec, dataclasses.replace(rec)])
    with pytest.raises(ValueError, match="status"):
        write_manifest(tmp_path, {}, [dataclasses.replace(rec, status="running")])
    assert list(tmp_path.iterdir()) == []


# ---- verify -------------------------------------------------------------------------

def _table(tmp_path: Path, content: bytes = b"PAR1" + bytes(range(256)) * 10 + b"PAR1"
           ) -> PointRecord:
    rec = _done("m115_dm1.5_dm0-3", 115.0, 1.5, 3.0)
    path = tmp_path / rec.file
    path.write_bytes(content)
    return dataclasses.replace(rec, bytes=len(content), sha256=hashlib.sha256(content).hexdigest())


def test_verify_ok(tmp_path: Path) -> None:
    assert verify(tmp_path, _table(tmp_path)) is None


def test_verify_not_done(tmp_path: Path) -> None:
    rec = _table(tmp_path)
    assert verify(tmp_path, dataclasses.replace(rec, status="pending")) == "not done"
    assert verify(tmp_path, dataclasses.replace(rec, status="failed")) == "not done"
    assert verify(tmp_path, dataclasses.replace(rec, sha256=None)) == "no checksum in manifest"


def test_verify_missing(tmp_path: Path) -> None:
    rec = _table(tmp_path)
    (tmp_path / rec.file).unlink()
    assert verify(tmp_path, rec) == "missing"


def test_verify_truncated(tmp_path: Path) -> None:
    rec = _table(tmp_path)
    assert rec.bytes is not None
    os.truncate(tmp_path / rec.file, rec.bytes - 100)
    assert verify(tmp_path, rec) == f"size {rec.bytes - 100} bytes, manifest says {rec.bytes}"


def test_verify_flipped_byte(tmp_path: Path) -> None:
    rec = _table(tmp_path)
    path = tmp_path / rec.file
    data = bytearray(path.read_bytes())
    data[1000] ^= 0x01
    path.write_bytes(bytes(data))
    assert verify(tmp_path, rec) == "checksum mismatch"


def test_file_sha256_matches_hashlib(tmp_path: Path) -> None:
    # crosses the 1 MiB block boundary, and the empty file
    data = bytes(range(256)) * 5000  # 1.28 MB
    path = tmp_path / "f.bin"
    path.write_bytes(data)
    assert file_sha256(path) == hashlib.sha256(data).hexdigest()
    path.write_bytes(b"")
    assert file_sha256(path) == hashlib.sha256(b"").hexdigest()


# ---- read_manifest errors -----------------------------------------------------------

def _expect_usage_error(tmp_path: Path, match: str) -> None:
    with pytest.raises(UsageError, match=match) as info:
        read_manifest(tmp_path)
    msg = str(info.value)
    assert "\n" not in msg
    assert str(tmp_path / MANIFEST_JSON) in msg
    assert "delete it (and the tables) or rerun with --force" in msg


def _rewrite(tmp_path: Path, edit: Callable[[dict], object]) -> None:
    path = tmp_path / MANIFEST_JSON
    doc = json.loads(path.read_text())
    edit(doc)
    path.write_text(json.dumps(doc))


def test_read_garbage(tmp_path: Path) -> None:
    (tmp_path / MANIFEST_JSON).write_text('{"manifest_version": 1, "points": [')
    _expect_usage_error(tmp_path, "not valid JSON")
    (tmp_path / MANIFEST_JSON).write_bytes(b"\xff\xfe\x00garbage")
    _expect_usage_error(tmp_path, "not valid JSON")
    (tmp_path / MANIFEST_JSON).write_text("[1, 2]")
    _expect_usage_error(tmp_path, "not a JSON object")


def test_read_wrong_version(tmp_path: Path) -> None:
    write_manifest(tmp_path, SETTINGS, _records())
    _rewrite(tmp_path, lambda d: d.update(manifest_version=2))
    _expect_usage_error(tmp_path, "manifest_version is 2")


def test_read_missing_field(tmp_path: Path) -> None:
    write_manifest(tmp_path, SETTINGS, _records())
    _rewrite(tmp_path, lambda d: d["points"][1].pop("sha256"))
    _expect_usage_error(tmp_path, "lacks field.*sha256")


def test_read_unknown_field(tmp_path: Path) -> None:
    write_manifest(tmp_path, SETTINGS, _records())
    _rewrite(tmp_path, lambda d: d["points"][0].update(efficiency=0.5))
    _expect_usage_error(tmp_path, "unknown field.*efficiency")


@pytest.mark.parametrize(("key", "value", "match"), [
    ("mass_gev", "100", "mass_gev is not a number"),
    ("events", 1.5, "events is not an integer"),
    ("seed", True, "seed is not an integer"),
    ("name", None, "name is null"),
    ("status", "running", "status 'running'"),
    ("file", "../escape.parquet", "not a plain file name"),
    ("cross_sections", {"n2c1p": 1.0}, "cross_sections"),
])
def test_read_bad_values(tmp_path: Path, key: str, value: object, match: str) -> None:
    write_manifest(tmp_path, SETTINGS, _records())
    _rewrite(tmp_path, lambda d: d["points"][0].update({key: value}))
    _expect_usage_error(tmp_path, match)


def test_read_duplicate_and_structure(tmp_path: Path) -> None:
    write_manifest(tmp_path, SETTINGS, _records())
    _rewrite(tmp_path, lambda d: d["points"].append(d["points"][0]))
    _expect_usage_error(tmp_path, "appears twice")
    write_manifest(tmp_path, SETTINGS, _records())
    _rewrite(tmp_path, lambda d: d.pop("points"))
    _expect_usage_error(tmp_path, "'points'")
    write_manifest(tmp_path, SETTINGS, _records())
    _rewrite(tmp_path, lambda d: d.update(settings=[]))
    _expect_usage_error(tmp_path, "'settings'")


def test_read_accepts_int_coordinates(tmp_path: Path) -> None:
    # a hand-edited manifest may say 100 instead of 100.0; it reads as a float
    write_manifest(tmp_path, SETTINGS, _records())
    _rewrite(tmp_path, lambda d: d["points"][0].update(mass_gev=100))
    result = read_manifest(tmp_path)
    assert result is not None
    value = result[1]["m100_dm0.75_dm0-1.5"].mass_gev
    assert type(value) is float
    assert value == 100.0


# ---- run log and stale files ---------------------------------------------------------

def test_append_runlog(tmp_path: Path) -> None:
    append_runlog(tmp_path, {"event": "start", "host": "node1", "points": 3})
    append_runlog(tmp_path, {"event": "error", "point": "m100_dm1_dm0-2",
                             "traceback": "Traceback (most recent call last):\n  x\nBoom\n",
                             "path": tmp_path})
    append_runlog(tmp_path, {"time": "2026-01-01T00:00:00Z", "event": "done"})
    lines = (tmp_path / RUNLOG).read_text().splitlines()
    assert len(lines) == 3
    entries = [json.loads(line) for line in lines]
    assert entries[0]["event"] == "start"
    assert next(iter(entries[0])) == "time"
    assert entries[0]["time"].endswith("Z")
    assert entries[0]["time"][:2] == "20"
    assert entries[0]["time"][10] == "T"
    assert entries[1]["traceback"].count("\n") == 3  # newlines escaped, one line per entry
    assert entries[1]["path"] == str(tmp_path)
    assert entries[2]["time"] == "2026-01-01T00:00:00Z"


def test_stale_parts(tmp_path: Path) -> None:
    """Only the grid's own temporary files: point tables and manifests."""
    names = [".m1_dm1_dm0-2.parquet.123.part", ".m1_dm1_dm0-2.parquet.123-0af3.part",
             "m1_dm1_dm0-2.parquet", ".hidden", ".manifest.json.4567.tmp",
             ".manifest.csv.12.tmp", ".m1_dm1_dm0-2.parquet.part", "x.123.part",
             ".a.b.12x.part", ".other.parquet.123.part", ".notes.txt.55.tmp"]
    for name in names:
        (tmp_path / name).write_bytes(b"")
    (tmp_path / ".m2_dm1_dm0-2.parquet.1.part").mkdir()
    assert stale_parts(tmp_path) == sorted(
        tmp_path / n for n in (".m1_dm1_dm0-2.parquet.123.part",
                               ".m1_dm1_dm0-2.parquet.123-0af3.part",
                               ".manifest.json.4567.tmp", ".manifest.csv.12.tmp"))
    assert stale_parts(tmp_path / "nonexistent") == []


def test_stale_parts_matches_table_writer_names(tmp_path: Path) -> None:
    from higgsino_sim.output import EventWriter
    from higgsino_sim.processes import build_subprocess, pack
    from higgsino_sim.spectrum import higgsino_spectrum

    tables = pack((build_subprocess("n2_n1", higgsino_spectrum(115.0, 1.5)),))
    writers = [EventWriter(tmp_path / "m115_dm1.5_dm0-3.parquet", tables, ["chi20:x"])
               for _ in range(2)]
    try:
        # two writers of one table in one process (Dask threads) never share a part file
        assert writers[0].tmp != writers[1].tmp
        assert stale_parts(tmp_path) == sorted(w.tmp for w in writers)
    finally:
        for w in writers:
            w.abort()
    assert stale_parts(tmp_path) == []
