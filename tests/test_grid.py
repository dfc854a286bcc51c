"""`hsim grid` end to end: byte-identical tables for 1 and 2 local workers and a Dask
cluster, resume after a real SIGINT / SIGKILL, corruption detected by checksum, failed
attempts retried (full disk, killed worker) or recorded, usage errors (exit 2).

Every grid here is the same 2 x 2 grid (or a subset: seeds come from the coordinates, so a
subset has the same tables), 1500 events per point in row groups of 500 with the
cms-phase1 card, master seed 7.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import grid_faults
import pyarrow.parquet as pq
import pytest
from tables import assert_identical

from higgsino_sim.cli import main
from higgsino_sim.generate import GenerateOptions, run_generate
from higgsino_sim.grid.manifest import read_manifest, verify
from higgsino_sim.grid.runner import GridOptions, grid_lock, run_grid
from higgsino_sim.grid.spec import grid_from_options

EVENTS = 1500
COMMON = ["--events", str(EVENTS), "--chunk-events", "500", "--card", "cms-phase1", "--seed", "7"]
GRID = ["grid", "--mass", "100,115", "--dm", "1,1.5", *COMMON]
NAMES = ["m100_dm1_dm0-2", "m100_dm1.5_dm0-3", "m115_dm1_dm0-2", "m115_dm1.5_dm0-3"]


def _contents(directory: Path) -> dict[str, bytes]:
    """The deterministic files of a grid directory: tables and manifests."""
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())
            if p.suffix == ".parquet" or p.name in ("manifest.csv", "manifest.json")}


def _runlog(directory: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in (directory / "runlog.jsonl").read_text().splitlines()]


def _copy(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    (dst / "runlog.jsonl").unlink()
    return dst


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The grid run uninterrupted on two local workers."""
    out = tmp_path_factory.mktemp("grid") / "ref"
    assert main([*GRID, "--out", str(out), "--workers", "2"]) == 0
    return out


def _options(directory: Path, dms: str = "1,1.5", retries: int = 2) -> GridOptions:
    """GridOptions of the m = 100 GeV row of the reference grid (Python API)."""
    points = tuple(grid_from_options("100", dms, None, EVENTS))
    template = GenerateOptions(mass=100.0, dm=1.0, n_events=EVENTS, chunk_events=500,
                               card="cms-phase1")
    return GridOptions(points, directory, template, seed=7, workers=2, retries=retries)


def test_reference_grid_is_complete(reference: Path) -> None:
    settings, records = read_manifest(reference)  # type: ignore[misc]
    assert sorted(records) == sorted(NAMES)
    assert settings["master_seed"] == 7
    for rec in records.values():
        assert rec.status == "done"
        assert verify(reference, rec) is None
        assert rec.n_events == EVENTS
        assert rec.card == "cms-phase1"
        # unweighted: the sum of weights is the normalised sigma(cut) (to rounding)
        assert rec.sum_of_weights_fb == pytest.approx(rec.sigma_cut_fb, rel=1e-12)
        assert 0 < rec.sigma_cut_fb < rec.sigma_nlo_nll_fb  # type: ignore[operator]
    seeds = [r.seed for r in records.values()]
    assert len(set(seeds)) == 4
    csv_lines = (reference / "manifest.csv").read_text().splitlines()
    assert len(csv_lines) == 5
    assert csv_lines[0].startswith("name,file,mass_gev,dm_gev,dm0_gev")
    assert not [p for p in reference.iterdir() if p.name.endswith((".part", ".tmp"))]


def test_point_table_equals_hsim_generate_with_the_point_seed(reference: Path,
                                                             tmp_path: Path) -> None:
    """A grid table holds the events `hsim generate` makes with the point's seed."""
    _, records = read_manifest(reference)  # type: ignore[misc]
    rec = records["m115_dm1.5_dm0-3"]
    out = tmp_path / "alone.parquet"
    run_generate(GenerateOptions(mass=115.0, dm=1.5, n_events=EVENTS, seed=rec.seed,
                                 chunk_events=500, card="cms-phase1", output=out))
    assert_identical(pq.read_table(out), pq.read_table(reference / rec.file))
    stored = json.loads(pq.read_metadata(reference / rec.file).metadata[b"higgsino_sim"])
    assert "seconds" not in stored
    assert "timing_seconds" not in stored
    assert f"--seed {rec.seed}" in stored["command"]


def test_one_worker_gives_the_same_bytes(reference: Path, tmp_path: Path) -> None:
    out = tmp_path / "one"
    assert main([*GRID, "--out", str(out), "--workers", "1"]) == 0
    assert _contents(out) == _contents(reference)


@pytest.mark.slow
def test_dask_cluster_gives_the_same_bytes(reference: Path, tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    out = tmp_path / "dask"
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        assert main([*GRID, "--out", str(out), "--scheduler", cluster.scheduler_address]) == 0
    assert _contents(out) == _contents(reference)
    assert {e["host"] for e in _runlog(out)}  # run on the cluster's workers, logged


def test_rerun_skips_verified_points(reference: Path, tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    out = _copy(reference, tmp_path / "again")
    mtimes = {p.name: p.stat().st_mtime_ns for p in out.glob("*.parquet")}
    assert main([*GRID, "--out", str(out)]) == 0
    assert "0 generated, 4 complete and verified" in capsys.readouterr().out
    assert {p.name: p.stat().st_mtime_ns for p in out.glob("*.parquet")} == mtimes
    assert _contents(out) == _contents(reference)


@pytest.mark.parametrize("damage", ["truncate", "flip"])
def test_damaged_table_is_detected_and_regenerated(reference: Path, tmp_path: Path,
                                                   damage: str) -> None:
    out = _copy(reference, tmp_path / damage)
    victim = out / "m115_dm1_dm0-2.parquet"
    data = bytearray(victim.read_bytes())
    if damage == "truncate":
        victim.write_bytes(data[: len(data) // 2])
    else:  # same size, one byte changed in the middle of the data pages
        data[len(data) // 2] ^= 0xFF
        victim.write_bytes(bytes(data))
    assert main([*GRID, "--out", str(out), "--dry-run"]) == 0
    assert main([*GRID, "--out", str(out)]) == 0
    regenerated = [e["point"] for e in _runlog(out) if e["status"] == "done"]
    assert regenerated == ["m115_dm1_dm0-2"]
    assert _contents(out) == _contents(reference)


def test_dry_run_reports_damage_and_new_points_and_writes_nothing(
        reference: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = _copy(reference, tmp_path / "plan")
    (out / "m100_dm1_dm0-2.parquet").write_bytes(b"")
    before = _contents(out)
    grid = ["grid", "--mass", "100,115,130", "--dm", "1,1.5", *COMMON[:-2]]  # seed from manifest
    assert main([*grid, "--out", str(out), "--dry-run"]) == 0
    text = capsys.readouterr().out
    assert "m100_dm1_dm0-2" in text
    assert "size 0 bytes" in text
    assert text.count("  skip (") == 3
    assert text.count("  run  (") == 3
    assert "master seed 7" in text
    assert "estimated time" in text
    assert _contents(out) == before
    fresh = tmp_path / "never"
    assert main([*GRID, "--out", str(fresh), "--dry-run"]) == 0
    assert not fresh.exists()


def _wait_for(predicate, timeout: float, what: str,
              proc: subprocess.Popen[str] | None = None) -> None:
    t0 = time.monotonic()
    while not predicate():
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"the process ended (exit {proc.returncode}) before {what}: "
                                 f"{proc.communicate()[1]}")
        if time.monotonic() - t0 > timeout:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def _done_points(directory: Path) -> int:
    try:
        found = read_manifest(directory)
    except Exception:  # noqa: BLE001 (not written yet: keep polling)
        return 0
    return 0 if found is None else sum(r.status == "done" for r in found[1].values())


@contextmanager
def _started(out: Path) -> Iterator[subprocess.Popen[str]]:
    """`hsim grid` in its own process group. The working directory is never the repository
    root, whose source folder would shadow the installed package. The process is reaped
    whatever the test does (a live Popen fails a later test with a ResourceWarning)."""
    proc = subprocess.Popen([sys.executable, "-m", "higgsino_sim", *GRID, "--out", str(out),
                             "--workers", "1"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True,
                            cwd=out.parent)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()


def _assert_consistent(out: Path) -> None:
    """Every table under its final name is recorded done and verified; no partial file."""
    _, records = read_manifest(out)  # type: ignore[misc]
    assert not [p for p in out.iterdir() if p.name.endswith((".part", ".tmp"))]
    for table in out.glob("*.parquet"):
        rec = records[table.stem]
        assert rec.status == "done", table.name
        assert verify(out, rec) is None, table.name


@pytest.mark.slow
def test_ctrl_c_midway_then_resume(reference: Path, tmp_path: Path) -> None:
    """SIGINT to the whole process group, as Ctrl-C in a terminal sends it, while the
    second of four points is being written by the only worker."""
    out = tmp_path / "sigint"
    with _started(out) as proc:
        _wait_for(lambda: _done_points(out) >= 1, 120, "the first point", proc)
        os.killpg(proc.pid, signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert err.strip().splitlines()[-1].startswith("hsim grid: interrupted;")
    assert "Traceback" not in err
    assert 1 <= _done_points(out) < 4
    _assert_consistent(out)
    assert main([*GRID, "--out", str(out)]) == 0
    assert _contents(out) == _contents(reference)


@pytest.mark.slow
def test_killed_run_then_resume(reference: Path, tmp_path: Path) -> None:
    """SIGKILL to the grid process (no cleanup at all): its orphaned worker finishes or
    exits; the rerun regenerates whatever the manifest does not record as done."""
    psutil = pytest.importorskip("psutil")
    out = tmp_path / "sigkill"
    with _started(out) as proc:
        _wait_for(lambda: _done_points(out) >= 1, 120, "the first point", proc)
        children = psutil.Process(proc.pid).children(recursive=True)
        proc.kill()
        proc.communicate(timeout=30)
    psutil.wait_procs(children, timeout=120)
    assert _done_points(out) < 4
    assert main([*GRID, "--out", str(out)]) == 0
    assert _contents(out) == _contents(reference)


def _run_with_fault(fn, directory: Path, monkeypatch: pytest.MonkeyPatch,
                    target: str = "m100_dm1.5_dm0-3", retries: int = 2):
    monkeypatch.setenv(grid_faults.POINT, target)
    monkeypatch.setenv(grid_faults.ONCE_DIR, str(directory.parent))
    return run_grid(_options(directory, retries=retries), progress=None, fn=fn,
                    log=lambda line: None)


@pytest.mark.parametrize(("fault", "message"), [
    (grid_faults.disk_full_once, "OSError: [Errno 28] No space left on device"),
    (grid_faults.killed_mid_write_once, "worker process died (killed by SIGKILL)"),
    (grid_faults.vanishes_once, "the table written by the worker on"),
])
def test_failed_attempt_is_retried(reference: Path, tmp_path: Path,
                                   monkeypatch: pytest.MonkeyPatch, fault, message: str
                                   ) -> None:
    out = tmp_path / "faults" / "grid"
    out.parent.mkdir()
    summary = _run_with_fault(fault, out, monkeypatch)
    assert not summary.failed
    assert sorted(summary.generated) == sorted(NAMES[:2])
    log = [(e["point"], e["attempt"], e["status"]) for e in _runlog(out)]
    assert ("m100_dm1.5_dm0-3", 1, "error") in log
    assert ("m100_dm1.5_dm0-3", 2, "done") in log
    errors = [e["error"] for e in _runlog(out) if e["status"] == "error"]
    assert len(errors) == 1
    assert errors[0].startswith(message)
    ref = _contents(reference)
    for name, data in _contents(out).items():
        if name.endswith(".parquet"):  # the same tables as the 2 x 2 grid (same seeds)
            assert data == ref[name], name
    _assert_consistent(out)


def test_persistent_failure_is_recorded_and_the_rest_completes(
        reference: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "faults" / "grid"
    out.parent.mkdir()
    summary = _run_with_fault(grid_faults.always_fails, out, monkeypatch, retries=1)
    assert summary.failed == ["m100_dm1.5_dm0-3"]
    assert summary.generated == ["m100_dm1_dm0-2"]
    _, records = read_manifest(out)  # type: ignore[misc]
    bad = records["m100_dm1.5_dm0-3"]
    assert bad.status == "failed"
    assert bad.error == "RuntimeError: injected failure at " \
                                                   "m100_dm1.5_dm0-3"
    assert not (out / bad.file).exists()
    assert records["m100_dm1_dm0-2"].status == "done"
    attempts = [e["attempt"] for e in _runlog(out) if e["point"] == "m100_dm1.5_dm0-3"]
    assert attempts == [1, 2]  # 1 + retries
    # the next run retries the failed point only
    summary = run_grid(replace(_options(out)), progress=None, log=lambda line: None)
    assert summary.generated == ["m100_dm1.5_dm0-3"]
    assert not summary.failed
    assert (out / bad.file).read_bytes() == (reference / bad.file).read_bytes()


def test_failed_points_give_exit_code_1(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    """Through the CLI: a point that fails on every attempt is recorded as failed, the
    summary names it with its error, and the exit code is 1."""
    from higgsino_sim.grid import runner

    monkeypatch.setattr(runner, "run_point", grid_faults.always_fails)
    monkeypatch.setenv(grid_faults.POINT, "m100_dm1_dm0-2")
    out = tmp_path / "cli"
    rc = main(["grid", "--mass", "100", "--dm", "1", *COMMON, "--retries", "0", "--out",
               str(out)])
    assert rc == 1
    text = capsys.readouterr().out
    assert "FAILED m100_dm1_dm0-2: RuntimeError: injected failure" in text


def test_other_settings_need_force(reference: Path, tmp_path: Path,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    out = _copy(reference, tmp_path / "settings")
    other = [a if a != "cms-phase1" else "cms-phase0" for a in GRID]
    assert main([*other, "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "other settings" in err
    assert "card" in err
    assert main([*other, "--out", str(out), "--force", "--dry-run"]) == 0
    text = capsys.readouterr().out
    assert text.count("(--force)") == 4
    assert _contents(out) == _contents(reference)  # a dry run changed nothing


def test_second_run_in_the_same_directory_is_refused(tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]
                                                      ) -> None:
    out = tmp_path / "locked"
    out.mkdir()
    with grid_lock(out):
        assert main([*GRID, "--out", str(out)]) == 2
    assert "another hsim grid is running" in capsys.readouterr().err


@pytest.mark.parametrize(("args", "message"), [
    (["--mass", "100,5000", "--dm", "1,200"], "3 of 4 grid points are invalid"),
    (["--mass", "100", "--dm", "1", "--points", "x.toml"], "--points gives the grid"),
    (["--mass", "100"], "--dm required"),
    (["--mass", "100:90:5", "--dm", "1"], "--mass"),
    (["--mass", "100", "--dm", "1", "--workers", "-1"], "--workers"),
    (["--mass", "100", "--dm", "1", "--workers", "2", "--scheduler", "tcp://h:1"],
     "drop --workers"),
    (["--mass", "100", "--dm", "1", "--retries", "-1"], "--retries"),
    (["--mass", "100", "--dm", "1", "--card", "no-such-card"], "no-such-card"),
    (["--mass", "100", "--dm", "1", "--min-recoil", "5"], "--min-recoil"),
    (["--mass", "100", "--dm", "1", "--scheduler", "foo"], "not a scheduler address"),
    (["--mass", "100", "--dm", "1", "--scheduler", "tcp://127.0.0.1:1"], "cannot connect"),
])
def test_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str],
                      message: str) -> None:
    out = tmp_path / "bad"
    assert main(["grid", *args, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err
    assert not out.exists()


def test_all_bad_points_are_listed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["grid", "--mass", "100,5000", "--dm", "1,200", "--out",
                 str(tmp_path / "g")]) == 2
    err = capsys.readouterr().err
    for key in ("mass=100 dm=200", "mass=5000 dm=1 ", "mass=5000 dm=200"):
        assert key in err
    assert "mass=100 dm=1 " not in err


def test_out_must_be_a_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "file"
    f.write_text("")
    assert main([*GRID, "--out", str(f)]) == 2
    assert "not a directory" in capsys.readouterr().err


def test_points_file_sets_points_and_events(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    toml = tmp_path / "grid.toml"
    toml.write_text('[[scan]]\nmass = "100:150:50"\ndm = [1.5]\n\n'
                    "[[point]]\nmass = 200\ndm = 3\ndm0 = 4\nevents = 777\n")
    assert main(["grid", "--points", str(toml), "--events", "5000", "--seed", "3", "--out",
                 str(tmp_path / "g"), "--dry-run"]) == 0
    lines = [ln.split() for ln in capsys.readouterr().out.splitlines() if ln.startswith("m")]
    assert [(ln[0], ln[1]) for ln in lines] == [
        ("m100_dm1.5_dm0-3", "5000"), ("m150_dm1.5_dm0-3", "5000"), ("m200_dm3_dm0-4", "777")]


def test_force_replaces_an_unreadable_manifest(reference: Path, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    out = _copy(reference, tmp_path / "garbled")
    (out / "manifest.json").write_text("{not json")
    assert main([*GRID, "--out", str(out), "--dry-run"]) == 2
    assert "unreadable grid manifest" in capsys.readouterr().err
    assert main([*GRID, "--out", str(out), "--dry-run", "--force"]) == 0
    text = capsys.readouterr().out
    assert text.count("(--force)") == 4
    assert "the unreadable manifest is replaced" in text


def test_card_settings_do_not_depend_on_the_path_spelling(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    from higgsino_sim.cards import card_text
    from higgsino_sim.grid.runner import grid_settings

    (tmp_path / "my.toml").write_text(card_text("cms-phase1"))
    monkeypatch.chdir(tmp_path)
    base = GenerateOptions(mass=100.0, dm=1.0)
    spellings = ["my.toml", "./my.toml", str(tmp_path / "my.toml")]
    settings = [grid_settings(replace(base, card=c), 7) for c in spellings]
    assert settings[0] == settings[1] == settings[2]
    assert settings[0]["card"] == "cms-phase1"
    shipped = grid_settings(replace(base, card="cms-phase1"), 7)
    assert shipped["card_sha256"] == settings[0]["card_sha256"]  # the same text, same hash


def test_empty_out_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:  # argparse exits on a bad option value
        main([*GRID, "--out", ""])
    assert exc.value.code == 2
    assert "--out: empty path" in capsys.readouterr().err


def test_force_with_other_settings_removes_the_old_tables(reference: Path, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]
                                                          ) -> None:
    """The manifest describes every table in the directory: tables made with the old
    settings are regenerated (in the new grid) or deleted (not left untracked)."""
    out = _copy(reference, tmp_path / "forced")
    assert main(["grid", "--mass", "100", "--dm", "1", "--events", "300", "--seed", "7",
                 "--out", str(out), "--force"]) == 0  # no card now
    assert "deleted or regenerated" in capsys.readouterr().out
    _, records = read_manifest(out)  # type: ignore[misc]
    assert list(records) == ["m100_dm1_dm0-2"]
    assert records["m100_dm1_dm0-2"].card is None
    assert sorted(p.name for p in out.glob("*.parquet")) == ["m100_dm1_dm0-2.parquet"]


@pytest.mark.slow
def test_tables_do_not_depend_on_where_the_card_is(tmp_path: Path) -> None:
    """The same card file in two directories: the same table bytes (portable metadata)."""
    from higgsino_sim.cards import card_text

    outs = []
    for where in ("a", "b/c"):
        card = tmp_path / where / "card.toml"
        card.parent.mkdir(parents=True)
        card.write_text(card_text("cms-phase1"))
        outs.append(tmp_path / f"grid-{where.replace('/', '-')}")
        assert main(["grid", "--mass", "100", "--dm", "1", "--events", "300", "--seed", "7",
                     "--card", str(card), "--workers", "1", "--out", str(outs[-1])]) == 0
    assert _contents(outs[0]) == _contents(outs[1])
    stored = json.loads(pq.read_metadata(outs[0] / "m100_dm1_dm0-2.parquet").metadata[
        b"higgsino_sim"])
    assert str(tmp_path) not in json.dumps(stored)  # no local path anywhere
