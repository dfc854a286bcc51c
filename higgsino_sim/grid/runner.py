"""`hsim grid`: plan a signal grid against its manifest, run the missing points on a pool of
workers with bounded retries, and keep the manifest true after every point (docs/grid.md).

Guarantees:
* a table is under its final name only when complete (written as ``.NAME.PID.part``,
  fsynced, renamed); the manifest (JSON + CSV, each replaced atomically) is rewritten after
  every finished point and says ``done`` only for a table whose sha256 and size it records;
* a rerun skips a point only when its record matches (seed, events, the grid's settings)
  and the file on disk has the recorded size and checksum; anything else is regenerated;
* the same master seed gives the same tables and the same manifest, byte for byte, for any
  number of workers, any order, any interruption: a point's seed comes from the master seed
  and its coordinates (``spec.point_seed``), and its table from its seed and options only.
"""

from __future__ import annotations

import fcntl
import io
import json
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any, TextIO

from higgsino_sim._version import __version__
from higgsino_sim.errors import UsageError
from higgsino_sim.generate import GenerateOptions
from higgsino_sim.grid.manifest import (
    PointRecord,
    append_runlog,
    read_manifest,
    stale_parts,
    verify,
    write_manifest,
)
from higgsino_sim.grid.pool import Completion, Pool
from higgsino_sim.grid.progress import Progress
from higgsino_sim.grid.spec import GridPoint, point_seed
from higgsino_sim.grid.worker import PointOutcome, PointTask, run_point
from higgsino_sim.rng import master_entropy

#: lock file that keeps two runs out of one grid directory
LOCK_FILE = ".hsim-grid.lock"
#: default retries after a failed attempt (so at most 1 + DEFAULT_RETRIES attempts)
DEFAULT_RETRIES = 2
#: seconds between progress updates while waiting for workers
POLL_SECONDS = 0.5


@dataclass(frozen=True, slots=True)
class GridOptions:
    """A grid run: the points, the directory, the per-point generate options and the pool.

    ``template`` holds the options every point shares (card, sqrt_s, processes, ...); its
    mass, dm, dm0, events, seed and output are replaced per point.
    """

    points: tuple[GridPoint, ...]
    directory: Path
    template: GenerateOptions
    seed: int | None = None  # master seed; None: the manifest's, else fresh entropy
    workers: int = 0  # local worker processes; 0: all cores
    scheduler: str | None = None  # Dask scheduler address; None: local processes
    retries: int = DEFAULT_RETRIES
    force: bool = False  # regenerate every point of the grid


@dataclass(slots=True)
class PlanEntry:
    """One point of the plan: ``run`` it (``reason`` says why) or ``skip`` it (verified)."""

    point: GridPoint
    seed: int
    action: str
    reason: str
    record: PointRecord | None = None  # the manifest's record of a skipped point


@dataclass(slots=True)
class GridPlan:
    """What a run will do, derived from the options and the manifest without writing."""

    master_seed: int
    settings: dict[str, object]
    entries: list[PlanEntry]
    kept: dict[str, PointRecord]  # records of points outside this grid, kept as they are
    notes: list[str] = field(default_factory=list)
    #: tables of a manifest with other settings (--force): deleted, not left untracked
    dropped: list[str] = field(default_factory=list)

    @property
    def to_run(self) -> list[PlanEntry]:
        return [e for e in self.entries if e.action == "run"]


@dataclass(slots=True)
class GridSummary:
    """The outcome of a run (wall-clock numbers are for printing, not for the manifest)."""

    plan: GridPlan
    records: list[PointRecord]
    generated: list[str]
    failed: list[str]
    events_generated: int
    seconds: float
    workers: int


def grid_settings(template: GenerateOptions, master_seed: int) -> dict[str, object]:
    """The grid-wide settings stored in the manifest; a rerun must match them exactly."""
    from higgsino_sim.cards import load_card
    from higgsino_sim.generate import pdf_metadata
    from higgsino_sim.pdf import load_pdf

    card = load_card(template.card) if template.card is not None else None
    return {
        "tool": "higgsino-sim",
        "version": __version__,
        "master_seed": master_seed,
        "card": card.name if card is not None else None,  # not the path: any spelling
        "card_sha256": card.sha256 if card is not None else None,
        "sqrt_s_gev": template.sqrt_s,
        "processes": list(template.processes),
        "pdf": pdf_metadata(load_pdf(template.pdf), portable=True),  # any path spelling
        "min_recoil_gev": template.min_recoil,
        "weighted": template.weighted,
        "br_preset": template.br_preset,
        "br": list(template.br),
        "bfield_t": template.bfield,
        "allow_extrapolation": template.allow_extrapolation,
        "chunk_events": template.chunk_events,
    }


def _settings_diff(old: dict[str, object], new: dict[str, object]) -> list[str]:
    keys = sorted(set(old) | set(new))
    return [f"{k}: {old.get(k)!r} -> {new.get(k)!r}" for k in keys if old.get(k) != new.get(k)]


def make_plan(opts: GridOptions) -> GridPlan:
    """Compare the grid with the manifest in ``opts.directory`` (if any): which points are
    complete and verified (skip) and which must run, and why. Reads, never writes.

    Raises
    ------
    UsageError
        The directory holds a grid made with other settings (and no ``force``).
    """
    notes: list[str] = []
    try:
        found = read_manifest(opts.directory) if opts.directory.is_dir() else None
    except UsageError:
        if not opts.force:
            raise
        found = None
        notes.append("--force: the unreadable manifest is replaced")
    old_settings, old_records = found if found is not None else ({}, {})
    master = opts.seed
    if master is None:
        previous = old_settings.get("master_seed")
        master = int(previous) if isinstance(previous, int) else master_entropy(None)
    settings = grid_settings(opts.template, master)
    diff = _settings_diff(old_settings, settings) if found is not None else []
    if diff and not opts.force:
        raise UsageError(f"{opts.directory} holds a grid made with other settings ("
                         + "; ".join(diff) + "): use the same options, another --out, "
                         "or --force to regenerate every point")
    dropped: list[str] = []
    if diff:
        notes.append(f"--force: settings changed ({'; '.join(diff)}); the {len(old_records)} "
                     "tables made with the old settings are deleted or regenerated")
        dropped = sorted(r.file for r in old_records.values())
        old_records = {}
    names = {p.name for p in opts.points}
    entries = []
    for p in opts.points:
        seed = point_seed(master, p)
        rec = old_records.get(p.name)
        if opts.force:
            reason = "--force"
        elif rec is None:
            reason = "new"
        elif rec.status == "failed":
            reason = f"failed before ({rec.error})"
        elif rec.seed != seed:
            reason = "seed changed"
        elif rec.events != p.events:
            reason = f"events changed ({rec.events} -> {p.events})"
        else:
            problem = verify(opts.directory, rec)
            reason = "" if problem is None else problem
        entries.append(PlanEntry(p, seed, "run" if reason else "skip",
                                 reason or "complete, checksum verified",
                                 None if reason else rec))
    kept = {n: r for n, r in old_records.items() if n not in names}
    if kept:
        notes.append(f"{len(kept)} points of the manifest are not in this grid; their records "
                     "and tables are kept")
    return GridPlan(master, settings, entries, kept, notes, dropped)


def _benchmark() -> dict[str, Any]:
    """The throughput figures shipped with the package (data/benchmark.json)."""
    text = resources.files("higgsino_sim.data").joinpath("benchmark.json").read_text()
    return json.loads(text)


def estimate_seconds(plan: GridPlan, workers: int, detector: bool) -> float:
    """Wall time to run ``plan`` on ``workers`` one-core workers [s], from the benchmark
    figures (data/benchmark.json): worker start-up, then per point a fixed cost
    (cross sections, adaptation, integration) plus events / rate; points are assigned
    longest first to the least-loaded worker."""
    bench = _benchmark()
    rate = bench["events_per_s_per_core"]["card" if detector else "truth"]
    costs = sorted((bench["seconds_per_point"] + e.point.events / rate for e in plan.to_run),
                   reverse=True)
    if not costs:
        return 0.0
    loads = [0.0] * max(1, min(workers, len(costs)))
    for c in costs:
        loads[loads.index(min(loads))] += c
    return bench["worker_start_seconds"] + max(loads)


@contextmanager
def grid_lock(directory: Path) -> Iterator[None]:
    """Hold an exclusive lock on the grid directory (a second run gets a UsageError)."""
    with open(directory / LOCK_FILE, "a+") as fh:  # closing releases the lock
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise UsageError(f"another hsim grid is running in {directory}; wait for it or "
                             "use another --out") from None
        yield


def local_workers(workers: int) -> int:
    """The number of local worker processes for ``--workers`` (0: all cores)."""
    return workers if workers > 0 else (os.cpu_count() or 1)


def make_pool(opts: GridOptions, n_points: int, fn: Callable[[Any], Any]) -> tuple[Pool, int]:
    """The pool (Dask or local processes) and the threads each point may use."""
    if opts.scheduler is not None:
        from higgsino_sim.grid.dask_pool import DaskPool

        return DaskPool(opts.scheduler, fn), 1
    from higgsino_sim.grid.local import LocalPool

    workers = min(local_workers(opts.workers), n_points)
    return LocalPool(workers, fn), max(1, (os.cpu_count() or 1) // workers)


def _pending_record(entry: PlanEntry) -> PointRecord:
    p = entry.point
    return PointRecord(name=p.name, file=p.file, mass_gev=p.mass, dm_gev=p.dm, dm0_gev=p.dm0,
                       events=p.events, seed=entry.seed)


class GridInterrupted(Exception):
    """The run was interrupted (Ctrl-C, SIGTERM); ``summary`` says what is complete."""

    def __init__(self, summary: GridSummary) -> None:
        super().__init__("interrupted")
        self.summary = summary


def run_grid(opts: GridOptions, *, progress: TextIO | None = sys.stderr,
             fn: Callable[[PointTask], PointOutcome] | None = None,
             log: Callable[[str], None] = print) -> GridSummary:
    """Run every point of the grid that is not complete and verified (``progress``: the
    stream of the status line, None for none).

    Local workers are spawned processes: a script calling this needs the usual
    ``if __name__ == "__main__":`` guard, or every worker dies starting up.

    ``fn`` runs one point in a worker (default ``worker.run_point``; tests inject failing
    ones); it must be importable by reference (a module-level function).
    Raises :class:`GridInterrupted` on KeyboardInterrupt after stopping the workers (their
    temporary files removed) with the manifest describing what is complete.
    """
    directory = opts.directory
    directory.mkdir(parents=True, exist_ok=True)
    with grid_lock(directory):
        plan = make_plan(opts)
        for note in plan.notes:
            log(f"note: {note}")
        for part in stale_parts(directory):
            part.unlink(missing_ok=True)
            log(f"removed {part.name}, left by an interrupted run")
        todo = plan.to_run
        # connect / spawn before anything is written: a scheduler that cannot be reached
        # leaves the directory as it was
        pool, threads = make_pool(opts, len(todo), fn or run_point) if todo else (None, 1)
        try:
            for name in plan.dropped:
                (directory / name).unlink(missing_ok=True)
            records = dict(plan.kept)
            for e in plan.entries:
                records[e.point.name] = e.record or _pending_record(e)
            write_manifest(directory, plan.settings, records.values())
        except BaseException:
            if pool is not None:
                pool.close(abort=True)
            raise
        return _execute(opts, plan, records, progress, pool, threads)


def _execute(opts: GridOptions, plan: GridPlan, records: dict[str, PointRecord],
             progress: TextIO | None, pool: Pool | None, threads: int) -> GridSummary:
    directory = opts.directory
    todo = sorted(plan.to_run, key=lambda e: (-e.point.events, e.point))  # longest first
    summary = GridSummary(plan, [], [], [], 0, 0.0, 0)
    t0 = time.perf_counter()
    if pool is None:
        summary.records = sorted(records.values(), key=_order)
        return summary
    summary.workers = pool.n_workers
    bar = Progress(len(todo), sum(e.point.events for e in todo),
                   stream=progress if progress is not None else io.StringIO())  # None: silent
    in_flight = 0
    try:
        for e in todo:
            pool.submit(PointTask(e.point, e.seed, str(directory.resolve()), opts.template,
                                  threads))
            in_flight += 1
        while in_flight:
            for c in pool.poll(POLL_SECONDS):
                in_flight -= _finish(c, opts, plan, records, summary, pool)
                if c.task.point.name in summary.failed:  # no longer to do: not in "time left"
                    bar.total_events -= c.task.point.events
            bar.update(len(summary.generated), summary.events_generated, len(summary.failed))
    except BaseException as exc:
        # Ctrl-C, SIGTERM, or a failure of the runner itself (the manifest cannot be
        # written: full disk): stop the workers, so that they delete their temporary tables;
        # a second Ctrl-C must not cut this short
        with _signals_held():
            pool.close(abort=True)
            if opts.scheduler is None:  # Dask tasks may still be writing theirs
                for part in stale_parts(directory):
                    part.unlink(missing_ok=True)
        bar.close()
        if not isinstance(exc, KeyboardInterrupt):
            raise
        summary.seconds = time.perf_counter() - t0
        summary.records = sorted(records.values(), key=_order)
        raise GridInterrupted(summary) from None
    pool.close()
    # on a terminal the last rewrite may have been throttled; elsewhere the last change of
    # the counts is printed already
    bar.update(len(summary.generated), summary.events_generated, len(summary.failed),
               force=bar.tty)
    bar.close()
    summary.seconds = time.perf_counter() - t0
    summary.records = sorted(records.values(), key=_order)
    return summary


@contextmanager
def _signals_held() -> Iterator[None]:
    """Ignore SIGINT and SIGTERM inside the block (main thread only; elsewhere a no-op)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {s: signal.signal(s, signal.SIG_IGN) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def _order(r: PointRecord) -> tuple[float, float, float]:
    return (r.mass_gev, r.dm_gev, r.dm0_gev)


def _finish(c: Completion, opts: GridOptions, plan: GridPlan, records: dict[str, PointRecord],
            summary: GridSummary, pool: Pool) -> int:
    """Book one finished attempt; returns 1 if the point is settled, 0 if resubmitted."""
    task: PointTask = c.task
    name = task.point.name
    entry = {"point": name, "attempt": task.attempt}
    if c.error is None:
        problem = _visible(opts.directory / task.point.file, c.result)
        if problem is not None:
            c = Completion(task, None, problem)
    if c.error is None:
        outcome: PointOutcome = c.result
        rec = records[name]
        for key, value in outcome.fields.items():
            setattr(rec, key, value)
        write_manifest(opts.directory, plan.settings, records.values())
        append_runlog(opts.directory, {**entry, "status": "done", "seconds": outcome.seconds,
                                       "events": task.point.events, "host": outcome.host,
                                       "pid": outcome.pid})
        summary.generated.append(name)
        summary.events_generated += task.point.events
        return 1
    append_runlog(opts.directory, {**entry, "status": "error", "error": c.error,
                                   "traceback": c.detail})
    # a worker killed while writing leaves its temporary table (the point has no other
    # attempt running: attempts of a point are sequential)
    for part in opts.directory.glob(f".{task.point.file}.*.part"):
        part.unlink(missing_ok=True)
    if task.attempt <= opts.retries:
        pool.submit(replace(task, attempt=task.attempt + 1))
        return 0
    rec = records[name]
    rec.status, rec.error = "failed", c.error
    write_manifest(opts.directory, plan.settings, records.values())
    summary.failed.append(name)
    return 1


def _visible(path: Path, outcome: PointOutcome) -> str | None:
    """None if the table the worker reports is at ``path`` with the reported size; else why
    not (a Dask worker that does not share the grid directory)."""
    size = path.stat().st_size if path.is_file() else None
    if size == outcome.fields.get("bytes"):
        return None
    return (f"the table written by the worker on {outcome.host} is not in {path.parent} "
            f"(found {size} bytes, worker wrote {outcome.fields.get('bytes')}): --out must be "
            "on a file system the workers share")


def describe_plan(plan: GridPlan) -> Sequence[str]:
    """One line per point: name, events, seed, and what the run will do."""
    return [f"{e.point.name:28s} {e.point.events:>10d}  seed {e.seed:<20d} "
            f"{e.action:4s} ({e.reason})" for e in plan.entries]
