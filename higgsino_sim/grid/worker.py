"""One grid point, run in a worker (a local process or a Dask worker): generate its table,
checksum it, and return the manifest fields (docs/grid.md).

A point's table depends only on its task (coordinates, seed, the grid's options): the
wall-clock timings and local paths are kept out of the file
(``GenerateOptions.portable_metadata``; the timings are returned here for the run log), so
the same master seed gives byte-identical tables whichever worker ran the point.
"""

from __future__ import annotations

import os
import shlex
import socket
import time
from dataclasses import dataclass, replace
from pathlib import Path

from higgsino_sim.generate import GenerateOptions, run_generate
from higgsino_sim.grid.spec import GridPoint, canon
from higgsino_sim.output import file_sha256
from higgsino_sim.startup import skip_numba_extensions


@dataclass(frozen=True, slots=True)
class PointTask:
    """Everything a worker needs to make one point's table.

    ``options`` is the grid's template; its mass, dm, dm0, events, seed, output, threads and
    command are replaced by the point's (``point_options``).
    """

    point: GridPoint
    seed: int
    directory: str  # the grid directory (absolute; shared with remote workers)
    options: GenerateOptions
    threads: int = 1
    attempt: int = 1


@dataclass(frozen=True, slots=True)
class PointOutcome:
    """What a finished point reports: its manifest fields and (non-reproducible) timings."""

    name: str
    fields: dict[str, object]
    seconds: float  # wall time of the point [s]
    host: str
    pid: int


def _portable(name_or_path: str) -> str:
    """A card or PDF argument without its directory: the table must not depend on where
    the file is installed (the manifest identifies the file by sha256)."""
    return Path(name_or_path).name if os.sep in name_or_path else name_or_path


def generate_command(opts: GenerateOptions) -> str:
    """The `hsim generate` command that makes the same events as ``opts`` on its own (file
    arguments by file name: run it where the card and PDF files are)."""
    args = ["hsim", "generate", "--mass", canon(opts.mass), "--dm", canon(opts.dm)]
    if opts.dm0 is not None:
        args += ["--dm0", canon(opts.dm0)]
    args += ["--events", str(opts.n_events), "--seed", str(opts.seed),
             "--sqrt-s", f"{opts.sqrt_s:g}", "--processes", ",".join(opts.processes),
             "--pdf", _portable(opts.pdf), "--min-recoil", f"{opts.min_recoil:g}",
             "--br-preset", opts.br_preset, "--chunk-events", str(opts.chunk_events)]
    for br in opts.br:
        args += ["--br", br]
    if opts.card is not None:
        args += ["--card", _portable(str(opts.card))]
    if opts.bfield is not None:
        args += ["--bfield", f"{opts.bfield:g}"]
    if opts.weighted:
        args.append("--weighted")
    if opts.allow_extrapolation:
        args.append("--allow-extrapolation")
    args += ["-o", Path(opts.output).name]
    return shlex.join(args)


def point_options(task: PointTask) -> GenerateOptions:
    """The generate options of ``task``'s point (its coordinates, seed and file)."""
    p = task.point
    opts = replace(task.options, mass=p.mass, dm=p.dm, dm0=p.dm0, n_events=p.events,
                   seed=task.seed, output=Path(task.directory) / p.file, threads=task.threads,
                   slha=None, portable_metadata=True)
    return replace(opts, command=generate_command(opts))


def run_point(task: PointTask) -> PointOutcome:
    """Generate ``task``'s table (atomically: complete under its final name or absent) and
    return its manifest fields, including the file's sha256 and size."""
    t0 = time.perf_counter()
    skip_numba_extensions()  # a worker process, like `hsim` itself (higgsino_sim.startup)
    opts = point_options(task)
    res = run_generate(opts)
    md = res.metadata
    spec = md["spectrum"]
    det = md.get("detector")
    inclusive = md["cross_sections_inclusive"]
    cut = md.get("cross_sections_cut") or {}
    path = Path(opts.output)
    fields: dict[str, object] = {
        "status": "done",
        "m_chi1pm_gev": spec["m_chi1pm_gev"],  # type: ignore[index]
        "m_chi10_gev": spec["m_chi10_gev"],  # type: ignore[index]
        "m_chi20_gev": spec["m_chi20_gev"],  # type: ignore[index]
        "sigma_nlo_nll_fb": md["cross_sections_inclusive_total"]["nlo_nll_fb"],  # type: ignore[index]
        "sigma_cut_fb": md["sigma_normalised_cut_fb"],
        "sigma_cut_err_fb": md["sigma_normalised_cut_err_fb"],
        "sigma_lo_cut_fb": md["sigma_lo_cut_fb"],
        "sum_of_weights_fb": md["sum_of_weights_fb"],
        "n_events": md["n_events"],
        "card": det["name"] if det else None,  # type: ignore[index]
        "card_sha256": det["sha256"] if det else None,  # type: ignore[index]
        "version": md["version"],
        "sha256": file_sha256(path),
        "bytes": path.stat().st_size,
        "error": None,
        "cross_sections": {
            proc: {"nlo_nll_fb": row["nlo_nll_fb"], "lo_inclusive_fb": row["lo_inclusive_fb"],
                   "k_factor": row["k_factor"], **cut.get(proc, {})}  # type: ignore[index, union-attr]
            for proc, row in inclusive.items()  # type: ignore[union-attr]
        },
    }
    return PointOutcome(task.point.name, fields, time.perf_counter() - t0,
                        socket.gethostname(), os.getpid())
