"""The `hsim generate` pipeline: spectrum -> cross sections -> integration -> unweighted
events -> Parquet, streamed in fixed-size blocks (docs/generator.md).

Determinism: each block of ``BLOCK_TRIALS`` trial points has its own RNG stream keyed by
(master seed, phase, block index); blocks run in any order on any number of threads and
are concatenated in index order, so the table is the same for any ``threads`` and
``chunk_events``.
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import numpy as np

from higgsino_sim import constants as sm
from higgsino_sim._version import __version__
from higgsino_sim.cards import Card, load_card
from higgsino_sim.decays import DecayModel, KernelTables, decay_model, kernel_tables
from higgsino_sim.detector import Reco, respond
from higgsino_sim.errors import UsageError
from higgsino_sim.formats import check_output_path
from higgsino_sim.kernels.detector import C_LEP_OVERFLOW, C_TRK_OVERFLOW
from higgsino_sim.pdf import DEFAULT_PDF, PdfSet, load_pdf
from higgsino_sim.processes import PROCESSES, ProcessTables, build_subprocess, pack
from higgsino_sim.rng import (
    PHASE_ADAPTATION,
    PHASE_DECAY,
    PHASE_DETECTOR,
    PHASE_GENERATION,
    PHASE_INTEGRATION,
    block_rng,
    master_entropy,
)
from higgsino_sim.spectrum import PDG_C1, Spectrum, higgsino_spectrum
from higgsino_sim.xsec import ProcessXsec, cross_sections, totals

#: Trial points per RNG block (fixed: changing it changes the events of a seed).
BLOCK_TRIALS = 16_384
#: Blocks of the integration phase that fixes sigma(cut) and the unweighting bound.
INTEGRATION_BLOCKS = 64
#: The unweighting bound w_max is the smallest weight such that the weights above it carry
#: at most this fraction of the integrated cross section (truncated unweighting; the
#: fraction actually truncated is measured and stored in the metadata).
TRUNCATION_FRACTION = 1e-4
#: Importance sampling: dsigma/dpT^2 ~ pT^-2a, Q^2 ~ Q^-2b, |Delta y| < DY_MAX.
PT2_EXPONENT = 2.0
Q2_EXPONENT = 2.0
DY_MAX = 6.0
#: Below this recoil a fixed-order 2 -> 3 description is meaningless (soft/collinear
#: logarithms need resummation: the parton shower's domain).
MIN_RECOIL_FLOOR_GEV = 20.0
#: Default generation cut on the jet pT [GeV]: the CMS search requires hard pTmiss >= 220
#: GeV and the ATLAS soft-lepton searches pTmiss > 200 GeV with a leading jet > 100 GeV;
#: 100 GeV keeps every event that can pass either after resolution effects.
DEFAULT_MIN_RECOIL_GEV = 100.0
DEFAULT_CHUNK_EVENTS = 65_536
#: Default solenoid field [T] for the truth impact parameters (CMS; ATLAS has 2 T).
DEFAULT_BFIELD_T = 3.8
#: Adaptive (VEGAS) map: bins per dimension, iterations x blocks of the adaptation phase,
#: and the damping exponent of the grid refinement (Lepage 1978, Eq. 8 with alpha = 1.5).
VEGAS_BINS = 50
VEGAS_ITERATIONS = 2
VEGAS_BLOCKS_PER_ITERATION = 4
VEGAS_ALPHA = 1.5


@dataclass(frozen=True, slots=True)
class GenerateOptions:
    """Everything `hsim generate` needs (units: GeV)."""

    mass: float
    dm: float
    dm0: float | None = None
    processes: tuple[str, ...] = PROCESSES
    n_events: int = 10_000
    seed: int | None = None
    sqrt_s: float = 13_000.0
    min_recoil: float = DEFAULT_MIN_RECOIL_GEV
    weighted: bool = False
    pdf: str = DEFAULT_PDF
    output: Path = Path("events.parquet")
    allow_extrapolation: bool = False
    threads: int = 0
    chunk_events: int = DEFAULT_CHUNK_EVENTS
    br_preset: str = "physical"
    br: tuple[str, ...] = ()
    bfield: float | None = None  # None: the card's field, or DEFAULT_BFIELD_T without a card
    card: str | None = None  # shipped card name or TOML path; None: truth only
    command: str = ""
    #: SLHA file: masses (mass/dm/dm0 are then ignored), widths and BRs (higgsino_sim.slha)
    slha: Path | None = None
    #: metadata that depends only on the inputs (``hsim grid``): no wall-clock timings (they
    #: go to the grid's run log) and no local paths (the PDF member and the card are named
    #: and identified by sha256), so the table is the same byte for byte on any machine
    portable_metadata: bool = False


@dataclass(slots=True)
class GenerateResult:
    """What a run produced: the file, its cross sections and bookkeeping numbers."""

    output: Path
    spectrum: Spectrum
    xsecs: tuple[ProcessXsec, ...]
    decays: DecayModel
    card: Card | None = None
    metadata: dict[str, object] = field(default_factory=dict)


class Setup(NamedTuple):
    """What ``validate`` derives from the options before any work is done."""

    spectrum: Spectrum
    decays: DecayModel
    card: Card | None
    bfield: float  # [T], for the truth impact parameters (and the card's response)


def validate(opts: GenerateOptions, check_output: bool = True) -> Setup:
    """Check every option before any work is done; return the spectrum, decays and card
    (``check_output=False`` leaves the output path to the caller: ``hsim grid``).

    Raises
    ------
    UsageError
        With a one-line message naming the option and how to fix it.
    """
    if opts.slha is not None:
        from higgsino_sim.slha import read_slha

        slha = read_slha(opts.slha)
        spec = slha.spectrum
    else:
        slha = None
        spec = higgsino_spectrum(opts.mass, opts.dm, opts.dm0)
    if opts.n_events <= 0:
        raise UsageError(f"-n/--events must be a positive integer, got {opts.n_events}")
    if not math.isfinite(opts.min_recoil) or opts.min_recoil < MIN_RECOIL_FLOOR_GEV:
        raise UsageError(
            f"--min-recoil {opts.min_recoil:g} GeV is below {MIN_RECOIL_FLOOR_GEV:g} GeV, where a "
            "fixed-order chi chi + jet calculation is meaningless (soft/collinear logs); "
            "generate inclusive samples with a parton shower instead"
        )
    if not math.isfinite(opts.sqrt_s) or opts.sqrt_s <= 0:
        raise UsageError(f"--sqrt-s must be a positive energy in GeV, got {opts.sqrt_s:g}")
    threshold = spec.m_c1 + spec.m_n2 + 2 * opts.min_recoil
    if opts.sqrt_s <= threshold:
        raise UsageError(
            f"--sqrt-s {opts.sqrt_s:g} GeV is below the production threshold with the recoil cut "
            f"(~{threshold:g} GeV)"
        )
    if opts.chunk_events <= 0:
        raise UsageError(f"--chunk-events must be positive, got {opts.chunk_events}")
    if opts.threads < 0:
        raise UsageError(f"--threads must be >= 0 (0 = all cores), got {opts.threads}")
    if opts.bfield is not None and (not math.isfinite(opts.bfield) or opts.bfield < 0):
        raise UsageError(f"--bfield must be a field in tesla >= 0, got {opts.bfield:g}")
    card = load_card(opts.card) if opts.card is not None else None
    bfield = opts.bfield if opts.bfield is not None else DEFAULT_BFIELD_T
    if card is not None:
        if opts.bfield is not None and opts.bfield != card.bfield:
            raise UsageError(
                f"--bfield {opts.bfield:g} T contradicts the field of card {card.name} "
                f"({card.bfield:g} T); drop --bfield or edit a copy of the card")
        bfield = card.bfield
    if check_output:
        check_output_path(Path(opts.output))
    return Setup(spec, decay_model(spec, opts.br_preset, opts.br, slha=slha), card, bfield)


def _truncation_bound(weights: np.ndarray, fraction: float) -> float:
    """Smallest w_max with sum(max(w - w_max, 0)) <= fraction * sum(w)."""
    w = np.sort(weights[weights > 0])[::-1]
    if w.size == 0:
        return 0.0
    total = w.sum()
    # excess(w_max = w[k]) = sum_{i<k} w[i] - k w[k], non-decreasing in k
    csum = np.cumsum(w)
    k = np.arange(w.size)
    excess = csum - w - k * w
    ok = np.nonzero(excess <= fraction * total)[0]
    return float(w[ok[-1]])


def refine_grid(edges: np.ndarray, bins: np.ndarray, w: np.ndarray) -> np.ndarray:
    """One VEGAS refinement step (Lepage, J. Comput. Phys. 27 (1978) 192, Eqs. 7-8).

    Per dimension: d_i = sum of w^2 in bin i, smoothed over neighbours; the new edges give
    every bin an equal share of m_i = ((r_i - 1) / ln r_i)^alpha, r_i = d_i / sum d.
    """
    n_dim, n_edges = edges.shape
    nb_ = n_edges - 1
    new = edges.copy()
    for d in range(n_dim):
        dsum = np.bincount(bins[:, d], weights=w * w, minlength=nb_)[:nb_]
        if not dsum.sum() > 0:
            continue
        sm_ = np.empty(nb_)
        sm_[0] = (dsum[0] + dsum[1]) / 2
        sm_[-1] = (dsum[-2] + dsum[-1]) / 2
        sm_[1:-1] = (dsum[:-2] + dsum[1:-1] + dsum[2:]) / 3
        r = sm_ / sm_.sum()
        with np.errstate(divide="ignore", invalid="ignore"):
            m = np.where((r > 0) & (r < 1), ((r - 1) / np.log(r)) ** VEGAS_ALPHA, 0.0)
        if not m.sum() > 0:
            continue
        cum = np.concatenate(([0.0], np.cumsum(m)))
        targets = np.linspace(0.0, cum[-1], nb_ + 1)[1:-1]
        new[d, 1:-1] = np.interp(targets, cum, edges[d])
    return new


class Piece(NamedTuple):
    """A run of events: hard-process rows (columns F_*/I_* of kernels.hard_process), the
    legs in output order (chargino first), their decays (kernels.decays layout) and the
    reconstructed objects (kernels.detector layout; zero columns without a card)."""

    f: np.ndarray
    i: np.ndarray
    leg_pdg: np.ndarray
    leg_mom: np.ndarray
    leg_f: np.ndarray
    leg_i: np.ndarray
    slot_i: np.ndarray
    slot_f: np.ndarray
    reco_f: np.ndarray
    reco_i: np.ndarray

    def head(self, n: int) -> Piece:
        return Piece(*(a[:n] for a in self))


def leg_order(tables: ProcessTables) -> tuple[np.ndarray, np.ndarray]:
    """Per subprocess: whether the kernel's (k1, k2) must be swapped to list the chargino
    first (output order), and the PDG id pair in output order."""
    subs = tables.subprocesses
    swap = np.array([abs(sp.pdg_a) != PDG_C1 and abs(sp.pdg_b) == PDG_C1 for sp in subs])
    pdg = np.array([(sp.pdg_b, sp.pdg_a) if sw else (sp.pdg_a, sp.pdg_b)
                    for sp, sw in zip(subs, swap, strict=True)], dtype=np.int64).reshape(-1, 2)
    return swap, pdg


def legs(order: tuple[np.ndarray, np.ndarray], f: np.ndarray, i: np.ndarray
         ) -> tuple[np.ndarray, np.ndarray]:
    """PDG ids [n, 2] and four-momenta [n, 2, 4] of the produced pair in output order
    (``order`` from ``leg_order``)."""
    from higgsino_sim.kernels.hard_process import F_A, F_B, I_PROC

    swap, pdg = order
    p = i[:, I_PROC]
    sw = swap[p][:, None]
    a, b = f[:, F_A : F_A + 4], f[:, F_B : F_B + 4]
    leg_mom = np.empty((f.shape[0], 2, 4))
    leg_mom[:, 0] = np.where(sw, b, a)
    leg_mom[:, 1] = np.where(sw, a, b)
    return pdg[p], leg_mom


class _Sampler:
    """Runs blocks of the 2 -> 3 sampling kernel; holds the packed tables and the PDF."""

    def __init__(self, tables: ProcessTables, pdf: PdfSet, opts: GenerateOptions,
                 proc_prob: np.ndarray, kfac: np.ndarray, entropy: int,
                 decays: KernelTables, card: Card | None = None,
                 bfield: float = DEFAULT_BFIELD_T) -> None:
        from higgsino_sim.kernels.detector import N_COUNTERS

        self.tables = tables
        self.decays = decays
        self.card = card
        self.bfield = bfield
        self.leg_order = leg_order(tables)
        # counters per generation block, summed over the blocks the output used: up to
        # 2 n_threads blocks are computed ahead (sliding window) and may still be running
        # when the output is full
        self.block_counters: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        # wall time [s] of (hard process, decays, detector) per generation block (profile)
        self.block_seconds: dict[int, tuple[float, float, float]] = {}
        self.n_counters = N_COUNTERS
        self.blocks_used = 0
        self._lock = threading.Lock()
        self.pdf = pdf
        self.opts = opts
        self.proc_prob = proc_prob
        self.kfac = kfac
        self.entropy = entropy
        self.params = np.array([PT2_EXPONENT, Q2_EXPONENT, DY_MAX])
        from higgsino_sim.kernels.hard_process import N_DIM

        self.vgrid = np.tile(np.linspace(0.0, 1.0, VEGAS_BINS + 1), (N_DIM, 1))
        n = max(1, opts.threads or (os.cpu_count() or 1))
        self.pool = ThreadPoolExecutor(max_workers=n)
        self.n_threads = n

    def block(self, phase: int, index: int, w_max: float):
        from higgsino_sim.kernels.hard_process import N_F, N_I, sample_block_2to3

        t = self.tables
        rng = block_rng(self.entropy, phase, index)
        out_f = np.empty((BLOCK_TRIALS, N_F))
        out_i = np.empty((BLOCK_TRIALS, N_I), dtype=np.int64)
        trial_w = np.empty(BLOCK_TRIALS)
        trial_p = np.empty(BLOCK_TRIALS, dtype=np.int64)
        bins = np.empty((BLOCK_TRIALS, self.vgrid.shape[0]), dtype=np.int64)
        n = sample_block_2to3(
            rng, BLOCK_TRIALS, w_max, self.opts.sqrt_s, self.opts.min_recoil, self.params,
            t.proc_m, self.proc_prob, self.kfac, *t.kernel_args(), self.pdf.grid,
            self.pdf.alphas_grid, sm.GEV2_TO_FB, out_f, out_i, trial_w, trial_p, self.vgrid,
            bins,
        )
        return out_f[:n], out_i[:n], trial_w, trial_p, bins

    def decay(self, index: int, f: np.ndarray, i: np.ndarray, hard_seconds: float = 0.0
              ) -> Piece:
        """Decay the events of generation block ``index`` and pass them through the
        detector card, each step on its own stream; ``hard_seconds`` (the block's hard-process
        time) is recorded with the two stage times (profile)."""
        from higgsino_sim.kernels.hard_process import F_J, I_IDJ

        t0 = time.perf_counter()
        leg_pdg, leg_mom = legs(self.leg_order, f, i)
        out = self.decays.decay(block_rng(self.entropy, PHASE_DECAY, index), leg_pdg, leg_mom,
                                self.bfield)
        t1 = time.perf_counter()
        if self.card is None:
            reco = Reco(np.empty((f.shape[0], 0)), np.empty((f.shape[0], 0), dtype=np.int64),
                        np.zeros(self.n_counters, dtype=np.int64))
        else:
            reco = respond(self.card, block_rng(self.entropy, PHASE_DETECTOR, index),
                           i[:, I_IDJ], f[:, F_J : F_J + 4], out.slot_i, out.slot_f)
        t2 = time.perf_counter()
        with self._lock:
            self.block_counters[index] = (out.counters.copy(), reco.counters.copy())
            self.block_seconds[index] = (hard_seconds, t1 - t0, t2 - t1)
        return Piece(f, i, leg_pdg, leg_mom, out.leg_f, out.leg_i, out.slot_i, out.slot_f,
                     reco.f, reco.i)

    def counters(self) -> tuple[np.ndarray, np.ndarray]:
        """(decay, detector) counters summed over the generation blocks 0 ... blocks_used - 1
        (deterministic: independent of threads and of the blocks computed ahead)."""
        dec = np.zeros(2, dtype=np.int64)
        det = np.zeros(self.n_counters, dtype=np.int64)
        with self._lock:
            for b in range(self.blocks_used):
                dec += self.block_counters[b][0]
                det += self.block_counters[b][1]
        return dec, det

    def generation_block(self, index: int, w_max: float, post: Callable | None = None):
        """Generation block ``index`` decayed and through the card; ``post(index, piece,
        trial_w)`` (if given) runs here too, on the worker thread, and its result is appended."""
        t0 = time.perf_counter()
        out_f, out_i, trial_w, trial_p, bins = self.block(PHASE_GENERATION, index, w_max)
        res = (self.decay(index, out_f, out_i, time.perf_counter() - t0), trial_w, trial_p,
               bins)
        return res if post is None else (*res, post(index, res[0], trial_w))

    def stage_seconds(self) -> dict[str, float]:
        """Wall time [s] of the hard process, decays and detector summed over the generation
        blocks the output used (thread time: with several threads it exceeds the wall time)."""
        with self._lock:
            used = [self.block_seconds[b] for b in range(self.blocks_used)
                    if b in self.block_seconds]
        total = np.sum(used, axis=0) if used else np.zeros(3)
        return {"hard_process": float(total[0]), "decays": float(total[1]),
                "detector": float(total[2])}

    def blocks(self, phase: int, w_max: float, post: Callable | None = None
               ) -> Iterator[tuple]:
        """Blocks 0, 1, 2, ... of ``phase`` in order, ``2 n_threads`` in flight (generation
        blocks come with their decays: (Piece, trial_w, trial_p, bins[, post(...)]))."""
        if phase == PHASE_GENERATION:
            def fn(i: int):
                return self.generation_block(i, w_max, post)
        else:
            def fn(i: int):
                return self.block(phase, i, w_max)
        # a sliding window: the next block is submitted as soon as one is taken, so the
        # threads never wait for the consumer to finish a whole batch
        window = deque(self.pool.submit(fn, i) for i in range(2 * self.n_threads))
        index = len(window)
        try:
            while True:
                done = window.popleft()
                window.append(self.pool.submit(fn, index))
                index += 1
                yield done.result()
        finally:
            for fut in window:
                fut.cancel()

    def adapt(self) -> None:
        """Adapt the VEGAS map on dedicated streams (deterministic, sequential)."""
        for it in range(VEGAS_ITERATIONS):
            ws, bs = [], []
            for b in range(VEGAS_BLOCKS_PER_ITERATION):
                _, _, w, _, bins = self.block(PHASE_ADAPTATION, it * 1000 + b, 0.0)
                ws.append(w)
                bs.append(bins)
            self.vgrid = refine_grid(self.vgrid, np.concatenate(bs), np.concatenate(ws))

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


@dataclass(frozen=True, slots=True)
class _Integration:
    """Result of the integration phase (cross sections in fb)."""

    sigma: np.ndarray  # normalised sigma(cut) per subprocess
    sigma_err: np.ndarray
    total: float  # normalised sigma(cut), all subprocesses
    total_err: float
    lo_total: float  # the same without the K-factors
    lo_total_err: float
    w_max: float
    truncated_fraction: float
    n_trials: int


def _integrate(sampler: _Sampler, n_proc: int) -> _Integration:
    """Integration phase: sigma(cut) per subprocess with MC errors and the unweighting bound."""
    ws, ps = [], []
    blocks = sampler.blocks(PHASE_INTEGRATION, 0.0)
    for _ in range(INTEGRATION_BLOCKS):
        _, _, trial_w, trial_p, _ = next(blocks)
        ws.append(trial_w)
        ps.append(trial_p)
    w = np.concatenate(ws)
    p = np.concatenate(ps)
    n = w.size
    sig = np.array([w[p == k].sum() / n for k in range(n_proc)])
    sig2 = np.array([(w[p == k] ** 2).sum() / n for k in range(n_proc)])
    w_lo = w / sampler.kfac[p]  # the same points without the K-factors
    w_max = _truncation_bound(w, TRUNCATION_FRACTION)
    return _Integration(
        sigma=sig,
        sigma_err=np.sqrt(np.maximum(sig2 - sig**2, 0.0) / (n - 1)),
        total=float(w.mean()),
        total_err=float(w.std(ddof=1) / math.sqrt(n)),
        lo_total=float(w_lo.mean()),
        lo_total_err=float(w_lo.std(ddof=1) / math.sqrt(n)),
        w_max=w_max,
        truncated_fraction=float(np.maximum(w - w_max, 0.0).sum() / w.sum()),
        n_trials=n,
    )


class Output(NamedTuple):
    """A generation block ready for the writer: its events, and (when a table is written)
    their Arrow table and the thread time [s] spent building it, both made on the worker
    thread (``_output_hook``)."""

    piece: Piece
    table: object | None  # pyarrow.Table
    seconds: float

    def head(self, n: int) -> Output:
        return Output(self.piece.head(n), None if self.table is None else self.table.slice(0, n),
                      self.seconds)


def _trials_used(trial_w: np.ndarray, index: int, n_trials: int) -> np.ndarray:
    """The weights of block ``index``'s trials that belong to the first ``n_trials`` of a
    weighted run (the last block is partial; blocks computed ahead have none)."""
    return trial_w[: max(min(BLOCK_TRIALS, n_trials - index * BLOCK_TRIALS), 0)]


def _output_hook(writer: object, weighted_trials: int | None) -> Callable:
    """``post`` of ``_Sampler.blocks``: runs on the worker thread after the decays and the
    card; weighted runs keep the non-zero-weight trials of the first ``weighted_trials``
    with weights w / weighted_trials; with an EventWriter the block's Arrow table is built
    there too (``EventWriter.table`` is thread-safe), so the main thread only writes."""
    from higgsino_sim.kernels.hard_process import F_WEIGHT
    from higgsino_sim.output import EventWriter

    def post(index: int, piece: Piece, trial_w: np.ndarray) -> Output:
        if weighted_trials is not None:
            tw = _trials_used(trial_w, index, weighted_trials)
            # kept events are the non-zero-weight trials, in trial order
            piece = piece.head(int(np.count_nonzero(tw > 0)))
            f = piece.f.copy()
            f[:, F_WEIGHT] /= weighted_trials
            piece = piece._replace(f=f)
        if not isinstance(writer, EventWriter):
            return Output(piece, None, 0.0)
        t0 = time.perf_counter()
        table = writer.table(piece)
        return Output(piece, table, time.perf_counter() - t0)

    return post


def _unweighted_pieces(sampler: _Sampler, w_max: float, n_events: int,
                       stats: dict[str, float], post: Callable) -> Iterator[Output]:
    """Accepted events in block order until ``n_events`` (``post``: ``_output_hook``)."""
    done = 0
    n_trials = 0
    n_accepted = 0
    sum_w = 0.0
    for _, trial_w, _, _, out in sampler.blocks(PHASE_GENERATION, w_max, post):
        sampler.blocks_used += 1
        n = out.piece.f.shape[0]
        n_trials += trial_w.size
        n_accepted += n
        sum_w += float(trial_w.sum())
        take = min(n, n_events - done)
        done += take
        yield out.head(take)
        if done == n_events:
            break
    stats["n_trials_generation"] = n_trials
    stats["sigma_generation_fb"] = sum_w / n_trials
    stats["unweighting_efficiency"] = n_accepted / n_trials


def _weighted_pieces(sampler: _Sampler, n_trials: int, stats: dict[str, float],
                     post: Callable) -> Iterator[Output]:
    """Every trial point with non-zero weight; weights w / n_trials [fb] (``post``:
    ``_output_hook(writer, n_trials)``, which trims and scales on the worker threads)."""
    blocks = sampler.blocks(PHASE_GENERATION, 0.0, post)
    kept = 0
    sum_w = sum_w2 = 0.0
    for b in range(-(-n_trials // BLOCK_TRIALS)):
        _, trial_w, _, _, out = next(blocks)
        sampler.blocks_used += 1
        tw = _trials_used(trial_w, b, n_trials)
        sum_w += float(tw.sum())
        sum_w2 += float((tw**2).sum())
        kept += out.piece.f.shape[0]
        yield out
    mean = sum_w / n_trials
    var = max(sum_w2 / n_trials - mean**2, 0.0) / max(n_trials - 1, 1)
    stats["n_trials_generation"] = n_trials
    stats["n_events"] = kept
    stats["sigma_generation_fb"] = mean
    stats["sigma_generation_err_fb"] = math.sqrt(var)


def _write(writer: object, outputs: Iterator[Output]) -> None:
    """Hand the blocks to the writer in order (tables built on the worker threads)."""
    for out in outputs:
        if out.table is None:
            writer.write(out.piece)  # type: ignore[attr-defined]
        else:
            writer.seconds["arrow_columns"] += out.seconds  # type: ignore[attr-defined]
            writer.append(out.table)  # type: ignore[attr-defined]
    writer.flush()  # type: ignore[attr-defined]  # the last, shorter row group


def pdf_metadata(pdf: PdfSet, portable: bool = False) -> dict[str, object]:
    """The PDF entry of the run metadata: the member file's path, or (``portable``) its
    file name and sha256, which identify it on any machine."""
    from higgsino_sim.output import file_sha256

    if not portable:
        return {"name": pdf.name, "path": str(pdf.path), "alphas_mz": pdf.alphas_mz}
    return {"name": pdf.name, "file": Path(pdf.path).name, "sha256": file_sha256(pdf.path),
            "alphas_mz": pdf.alphas_mz}


class _Discard:
    """The writer's interface without a file (``run_generate(write=False)``): the events are
    generated, decayed and passed through the card in memory, counted and dropped."""

    def __init__(self) -> None:
        self.event_weight: float | None = None
        self.sum_of_weights = 0.0
        self.n_events = 0
        self.seconds: dict[str, float] = {}

    def write(self, piece: Piece) -> None:
        from higgsino_sim.kernels.columns import sequential_sum
        from higgsino_sim.kernels.hard_process import F_WEIGHT

        n = piece.f.shape[0]
        w = (np.full(n, self.event_weight) if self.event_weight is not None
             else piece.f[:, F_WEIGHT])
        # added one by one in event order, as EventWriter.append does
        self.sum_of_weights = float(sequential_sum(self.sum_of_weights, w))
        self.n_events += n

    def flush(self) -> None:
        pass

    def finish(self, metadata: dict[str, object]) -> None:
        pass

    def abort(self) -> None:
        pass


def run_generate(opts: GenerateOptions, write: bool = True) -> GenerateResult:
    """Generate events and write them to ``opts.output`` (Parquet). See the module docs.

    ``write=False`` runs everything but the table (hard process, decays, card response in
    memory; ``opts.output`` is ignored): the in-memory throughput of benchmarks/run.py.
    """
    from higgsino_sim.output import EventWriter

    spec, decays, card, bfield = validate(opts, check_output=write)
    pdf = load_pdf(opts.pdf)
    entropy = master_entropy(opts.seed)
    t0 = time.perf_counter()
    xs = cross_sections(spec, opts.processes, pdf, opts.sqrt_s, entropy=entropy,
                        allow_extrapolation=opts.allow_extrapolation)
    tables = pack(tuple(build_subprocess(k, spec) for k in opts.processes))
    kfac = np.array([r.k_factor for r in xs])
    nlo = np.array([r.nlo_nll_fb for r in xs])
    proc_prob = nlo / nlo.sum()
    timing = {"xsec": time.perf_counter() - t0}
    t1 = time.perf_counter()
    dtab = kernel_tables(decays)
    timing["decay_tables"] = time.perf_counter() - t1
    sampler = _Sampler(tables, pdf, opts, proc_prob, kfac, entropy, dtab, card, bfield)
    writer = (EventWriter(Path(opts.output), tables, dtab.labels, detector=card is not None,
                          row_group=opts.chunk_events) if write else _Discard())
    stats: dict[str, float] = {}
    per_process: dict[str, dict[str, float]] = {}
    try:
        t1 = time.perf_counter()
        sampler.adapt()
        timing["adaptation"] = time.perf_counter() - t1
        if opts.weighted:
            _write(writer, _weighted_pieces(sampler, opts.n_events, stats,
                                            _output_hook(writer, opts.n_events)))
            sigma_norm = stats["sigma_generation_fb"]
            sigma_norm_err = stats["sigma_generation_err_fb"]
            sigma_lo = sigma_lo_err = None
        else:
            t1 = time.perf_counter()
            integ = _integrate(sampler, len(opts.processes))
            timing["integration"] = time.perf_counter() - t1
            t1 = time.perf_counter()
            c1 = time.process_time()
            sigma_norm, sigma_norm_err = integ.total, integ.total_err
            writer.event_weight = sigma_norm / opts.n_events
            _write(writer, _unweighted_pieces(sampler, integ.w_max, opts.n_events, stats,
                                              _output_hook(writer, None)))
            timing["generation_and_write"] = time.perf_counter() - t1
            # CPU time of all threads: events per CPU second = the per-core throughput
            timing["generation_and_write_cpu"] = time.process_time() - c1
            for k, r in enumerate(xs):
                per_process[r.process] = {
                    "sigma_lo_cut_fb": float(integ.sigma[k] / kfac[k]),
                    "sigma_lo_cut_err_fb": float(integ.sigma_err[k] / kfac[k]),
                    "sigma_normalised_cut_fb": float(integ.sigma[k]),
                    "sigma_normalised_cut_err_fb": float(integ.sigma_err[k]),
                }
            stats.update(
                n_events=opts.n_events,
                n_trials_integration=integ.n_trials,
                truncated_fraction=integ.truncated_fraction,
                w_max_fb=integ.w_max,
            )
            sigma_lo, sigma_lo_err = integ.lo_total, integ.lo_total_err
        decay_counts, det_counts = sampler.counters()
        meta: dict[str, object] = {
            "tool": "higgsino-sim",
            "version": __version__,
            "command": opts.command,
            "seed": entropy,
            "pdf": pdf_metadata(pdf, opts.portable_metadata),
            "sqrt_s_gev": opts.sqrt_s,
            "spectrum": spec.as_dict(),
            **({"slha": decays.slha} if decays.slha is not None else {}),
            "processes": list(opts.processes),
            "min_recoil_gev": opts.min_recoil,
            "recoil_definition": "pT of the hard parton (= pT of the chi chi system at LO)",
            "scale": "mu_F = mu_R = (m_T(chi_a) + m_T(chi_b) + pT(parton)) / 2",
            "weighted": opts.weighted,
            "sigma_lo_cut_fb": sigma_lo,
            "sigma_lo_cut_err_fb": sigma_lo_err,
            "sigma_normalised_cut_fb": sigma_norm,
            "sigma_normalised_cut_err_fb": sigma_norm_err,
            "cross_sections_cut": per_process,
            "cross_sections_inclusive": {r.process: r.as_dict() for r in xs},
            "cross_sections_inclusive_total": totals(xs),
            "importance_sampling": {"pt2_exponent": PT2_EXPONENT, "q2_exponent": Q2_EXPONENT,
                                    "dy_max": DY_MAX, "block_trials": BLOCK_TRIALS},
            "decays": decays.summary(),
            "bfield_t": bfield,
            "detector": None if card is None else {
                **card.summary(),
                **({"source_file": Path(card.source_file).name}
                   if opts.portable_metadata else {}),
                "lepton_overflow": int(det_counts[C_LEP_OVERFLOW]),
                "track_overflow": int(det_counts[C_TRK_OVERFLOW]),
            },
            "decay_sampling": {"dalitz_trials": int(decay_counts[0]),
                               "envelope_violations": int(decay_counts[1])},
            **stats,
        }
        meta["sum_of_weights_fb"] = writer.sum_of_weights
        meta["seconds"] = time.perf_counter() - t0
        # where the generation time goes (thread time per stage; docs/performance.md)
        timing["stages"] = {**sampler.stage_seconds(), **writer.seconds}
        meta["timing_seconds"] = timing
        writer.finish(meta if not opts.portable_metadata else
                      {k: v for k, v in meta.items() if k not in ("seconds", "timing_seconds")})
    except BaseException:
        writer.abort()
        raise
    finally:
        sampler.close()
    return GenerateResult(Path(opts.output), spec, xs, decays, card, meta)
