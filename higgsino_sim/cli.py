"""The `hsim` command line: argument parsing, error reporting, human-readable summaries.

Exit codes: 0 success; 1 runtime failure; 2 usage error (bad option value, impossible
spectrum, unknown process or PDF, unwritable output). Errors are one line on stderr; the
traceback only with -v.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from higgsino_sim._version import __version__
from higgsino_sim.errors import HsimError, UsageError


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (exit code 2) instead of usage dumps."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _finite(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"not a finite number: {text!r}")
    return value


def _count(text: str) -> int:
    try:
        number = float(text)  # accepts 1e6
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if not number.is_integer():
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}")
    value = int(number)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {text}")
    return value


def _nonempty_path(text: str) -> Path:
    if not text.strip():
        raise argparse.ArgumentTypeError("empty path")
    return Path(text)


def _add_spectrum_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--mass", type=_finite, default=None,
                   help="m(chi1+-) [GeV] (required unless --slha)")
    p.add_argument("--dm", type=_finite, default=None,
                   help="m(chi1+-) - m(chi10) [GeV] (required unless --slha)")
    p.add_argument("--dm0", type=_finite, default=None,
                   help="m(chi20) - m(chi10) [GeV] (default: 2 * dm)")
    p.add_argument("--slha", type=Path, default=None, metavar="FILE",
                   help="take the masses (and the DECAY widths and branching fractions, if "
                        "given) from an SLHA file instead of --mass/--dm/--dm0 (needs pyslha; "
                        "docs/formats.md)")


def _spectrum_args(args: argparse.Namespace):
    """(Spectrum, SlhaInput or None) from --mass/--dm/--dm0 or --slha."""
    from higgsino_sim.spectrum import higgsino_spectrum

    if args.slha is not None:
        given = [o for o, v in (("--mass", args.mass), ("--dm", args.dm), ("--dm0", args.dm0))
                 if v is not None]
        if given:
            raise UsageError(f"--slha gives the masses; drop {', '.join(given)}")
        from higgsino_sim.slha import read_slha

        slha = read_slha(args.slha)
        return slha.spectrum, slha
    missing = [o for o, v in (("--mass", args.mass), ("--dm", args.dm)) if v is None]
    if missing:
        raise UsageError(f"{' and '.join(missing)} required (or --slha FILE)")
    return higgsino_spectrum(args.mass, args.dm, args.dm0), None


def _add_model_options(p: argparse.ArgumentParser, spectrum: bool = True,
                       seed_help: str = "master seed (default: fresh)") -> None:
    from higgsino_sim.pdf import DEFAULT_PDF

    if spectrum:
        _add_spectrum_options(p)
    p.add_argument("--sqrt-s", type=_finite, default=13_000.0,
                   help="collision energy [GeV] (default 13000)")
    p.add_argument("--processes", default="all",
                   help="comma-separated subset of c1p_n2,c1m_n2,c1p_n1,c1m_n1,n2_n1,c1p_c1m")
    p.add_argument("--pdf", default=DEFAULT_PDF,
                   help=f"LHAPDF6 set name or path (default {DEFAULT_PDF})")
    p.add_argument("--allow-extrapolation", action="store_true",
                   help="extrapolate the NLO+NLL tables log-linearly outside their mass range")
    p.add_argument("--seed", type=_seed, default=None, help=seed_help)


def _add_run_options(p: argparse.ArgumentParser) -> None:
    """Options shared by `generate` and `grid`: generation cut, weighting, card, field."""
    from higgsino_sim.generate import DEFAULT_BFIELD_T, DEFAULT_CHUNK_EVENTS, DEFAULT_MIN_RECOIL_GEV

    p.add_argument("--min-recoil", type=_finite, default=DEFAULT_MIN_RECOIL_GEV,
                   help=f"generation cut on the jet pT [GeV] (default "
                        f"{DEFAULT_MIN_RECOIL_GEV:g}; >= 20)")
    p.add_argument("--weighted", action="store_true", help="write weighted events")
    p.add_argument("--chunk-events", type=_count, default=DEFAULT_CHUNK_EVENTS,
                   help=f"events per Parquet row group (memory bound; default "
                        f"{DEFAULT_CHUNK_EVENTS})")
    _add_decay_options(p)
    p.add_argument("--card", default=None, metavar="NAME|PATH",
                   help="detector card: cms-phase0, cms-phase1, atlas-run2 or a TOML file "
                        "(see hsim cards list); default: truth only")
    p.add_argument("--bfield", type=_finite, default=None,
                   help=f"solenoid field [T] for the truth d0/dz (default: the card's, or "
                        f"{DEFAULT_BFIELD_T:g} without a card)")


def _run_kwargs(args: argparse.Namespace) -> dict[str, object]:
    """GenerateOptions fields of the options `generate` and `grid` share (the model options
    and _add_run_options)."""
    from higgsino_sim.processes import parse_processes

    return {
        "processes": parse_processes(args.processes), "seed": args.seed,
        "sqrt_s": args.sqrt_s, "min_recoil": args.min_recoil, "weighted": args.weighted,
        "pdf": args.pdf, "allow_extrapolation": args.allow_extrapolation,
        "chunk_events": args.chunk_events, "br_preset": args.br_preset, "br": tuple(args.br),
        "bfield": args.bfield, "card": args.card,
    }


def _add_decay_options(p: argparse.ArgumentParser) -> None:
    from higgsino_sim.decays import PRESETS

    p.add_argument("--br-preset", default="physical", choices=PRESETS,
                   help="branching fractions: physical (computed, default) or cms-sus-24-003 "
                        "(B(Z*->ee) = B(Z*->mumu) = 5 %%, chargino 100 %% to one pion)")
    p.add_argument("--br", action="append", default=[], metavar="STATE:CHANNEL=VALUE",
                   help="set one branching fraction, e.g. --br 'chi20:chi10 mu mu=0.1' (the "
                        "other channels of the state are rescaled; repeatable)")


def _add_format_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--format", default=None, metavar="{parquet,lhe,root,hepmc}",
                   help="output format (default: from the -o suffix: .parquet, .lhe, .lhe.gz, "
                        ".root, .hepmc, .hepmc3; else parquet); see docs/formats.md")


def build_parser() -> argparse.ArgumentParser:
    """The `hsim` argument parser."""
    parser = _Parser(prog="hsim", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"hsim {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log details; tracebacks")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    gen = sub.add_parser("generate", help="generate Higgsino pair + ISR jet events")
    _add_model_options(gen)
    gen.add_argument("-n", "--events", type=_count, default=10_000,
                     help="events (unweighted) or trial points (--weighted); default 10000")
    gen.add_argument("-o", "--output", type=Path, default=None,
                     help="output file (default hsim_m<mass>_dm<dm> + the suffix of --format)")
    _add_format_option(gen)
    gen.add_argument("--threads", type=int, default=0, help="threads (default: all cores)")
    _add_run_options(gen)

    grid = sub.add_parser("grid", help="a signal grid: one table per (mass, dm, dm0) point, "
                                       "a manifest, resumable (docs/grid.md)")
    grid.add_argument("--mass", default=None, metavar="VALUES",
                      help="m(chi1+-) [GeV]: a list and/or inclusive ranges, e.g. 100:250:25 "
                           "or 100,150,200:300:50")
    grid.add_argument("--dm", default=None, metavar="VALUES",
                      help="m(chi1+-) - m(chi10) [GeV], e.g. 0.5,0.75,1,1.5,2,3")
    grid.add_argument("--dm0", default=None, metavar="VALUES",
                      help="m(chi20) - m(chi10) [GeV] (default: 2 * dm for each point)")
    grid.add_argument("--points", type=Path, default=None, metavar="FILE",
                      help="TOML file of points and scans (irregular grids, events per "
                           "point) instead of --mass/--dm/--dm0")
    grid.add_argument("-n", "--events", type=_count, default=10_000,
                      help="events per point unless the --points file says otherwise "
                           "(default 10000)")
    grid.add_argument("--out", type=_nonempty_path, required=True, metavar="DIR",
                      help="grid directory: one table per point, manifest.csv/.json, "
                           "runlog.jsonl (created; rerun into it to resume)")
    _add_model_options(grid, spectrum=False,
                       seed_help="master seed; each point's seed derives from it and the "
                                 "point's coordinates (default: the manifest's in --out, "
                                 "else fresh)")
    _add_run_options(grid)
    grid.add_argument("--workers", type=int, default=0,
                      help="local worker processes (default: all cores)")
    grid.add_argument("--scheduler", default=None, metavar="ADDRESS",
                      help="run on an existing Dask cluster, e.g. tcp://host:8786 (needs "
                           "pip install 'higgsino-sim[dask]'; workers must see --out)")
    grid.add_argument("--retries", type=int, default=None,
                      help="retries of a failed point before it is recorded as failed "
                           "(default 2)")
    grid.add_argument("--force", action="store_true",
                      help="regenerate every point, even those complete and verified")
    grid.add_argument("--dry-run", action="store_true",
                      help="print the plan and the estimated time; write nothing")

    spc = sub.add_parser("spectrum", help="masses, widths, c*tau and branching fractions")
    _add_spectrum_options(spc)
    _add_decay_options(spc)
    spc.add_argument("--json", action="store_true", help="print JSON")
    spc.add_argument("--slha-out", type=Path, default=None, metavar="FILE",
                     help="also write the masses and decay tables as an SLHA file")

    xs = sub.add_parser("xsec", help="LO and NLO+NLL cross sections per subprocess")
    _add_model_options(xs)
    xs.add_argument("--json", action="store_true", help="print JSON")

    cards = sub.add_parser("cards", help="list, show and validate detector cards")
    csub = cards.add_subparsers(dest="cards_command", required=True, parser_class=_Parser)
    csub.add_parser("list", help="the shipped cards with their descriptions")
    show = csub.add_parser("show", help="print a card's TOML text (comments included; "
                                        "redirect it to a file to make your own card)")
    show.add_argument("card", metavar="NAME|PATH", help="shipped card name or .toml path")
    val = csub.add_parser("validate", help="check a card; exit code 2 and the problem if bad")
    val.add_argument("card", metavar="PATH", help=".toml path (or a shipped card name)")

    cv = sub.add_parser("convert", help="convert an event table to LHE, ROOT or HepMC3")
    cv.add_argument("table", type=Path, metavar="TABLE", help="Parquet table of hsim generate")
    cv.add_argument("-o", "--output", type=Path, required=True, metavar="OUT",
                    help="file to write (the format follows its suffix unless --format)")
    _add_format_option(cv)

    vd = sub.add_parser("validate", help="physics-validation report (Markdown + PNG plots) "
                                         "against independent references")
    vd.add_argument("-o", "--output", type=Path, required=True, metavar="DIR",
                    help="report directory (created; report.md and one PNG per panel)")
    vd.add_argument("--quick", action="store_true",
                    help="fewer events: the whole report in a few minutes")
    vd.add_argument("--seed", type=_seed, default=1, help="master seed (default 1)")
    vd.add_argument("--only", default=None, metavar="SECTION",
                    help="only sections whose name contains SECTION (case-insensitive), "
                         "e.g. Decays, 'Cross sections', cms-phase1")
    return parser


def _cmd_generate(args: argparse.Namespace, argv: Sequence[str]) -> int:
    from higgsino_sim.formats import DEFAULT_SUFFIX, resolve_format, run_generate_format
    from higgsino_sim.generate import GenerateOptions

    spec, _ = _spectrum_args(args)
    mass, dm, dm0 = ((args.mass, args.dm, args.dm0) if args.slha is None
                     else (spec.m_c1, spec.dm, spec.dm0))  # informative; the file rules
    fmt = resolve_format(args.output, args.format)
    output = args.output or Path(f"hsim_m{mass:g}_dm{dm:g}{DEFAULT_SUFFIX[fmt]}")
    opts = GenerateOptions(
        mass=mass, dm=dm, dm0=dm0, slha=args.slha, n_events=args.events, output=output,
        threads=args.threads, command=shlex.join(["hsim", *argv]), **_run_kwargs(args),
    )
    res = run_generate_format(opts, fmt)
    md = res.metadata
    _print_spectrum(md["spectrum"])  # type: ignore[arg-type]
    _print_decays(res.decays.summary())
    _print_xsec(res.xsecs)
    print()
    print(f"generation cut: jet pT > {opts.min_recoil:g} GeV at sqrt(s) = {opts.sqrt_s:g} GeV")
    if md.get("sigma_lo_cut_fb") is not None:
        print(f"sigma(LO, cut)         = {md['sigma_lo_cut_fb']:.6g} +- "
              f"{md['sigma_lo_cut_err_fb']:.2g} fb")
    print(f"sigma(normalised, cut) = {md['sigma_normalised_cut_fb']:.6g} +- "
          f"{md['sigma_normalised_cut_err_fb']:.2g} fb  (= sum of weights)")
    if "unweighting_efficiency" in md:
        print(f"unweighting efficiency = {md['unweighting_efficiency']:.4f} "
              f"(truncated fraction {md['truncated_fraction']:.1e})")
    det = md.get("detector")
    if det:
        wps = ", ".join(det["working_points"])  # type: ignore[index]
        print(f"detector card {det['name']} (sha256 {det['sha256'][:12]}, "  # type: ignore[index]
              f"field {md['bfield_t']:g} T); lepton working points: {wps}")
    print(f"seed {md['seed']}; {md['n_events']} events in {md['seconds']:.1f} s")
    print(f"wrote {res.output.resolve()}")
    return 0


def _grid_points(args: argparse.Namespace) -> list:
    """The grid's points from --points FILE or --mass/--dm/--dm0."""
    from higgsino_sim.grid import spec as gs

    given = [o for o, v in (("--mass", args.mass), ("--dm", args.dm), ("--dm0", args.dm0))
             if v is not None]
    if args.points is not None:
        if given:
            raise UsageError(f"--points gives the grid; drop {', '.join(given)}")
        return gs.grid_from_toml(args.points, args.events)
    missing = [o for o, v in (("--mass", args.mass), ("--dm", args.dm)) if v is None]
    if missing:
        raise UsageError(f"{' and '.join(missing)} required (or --points FILE)")
    return gs.grid_from_options(args.mass, args.dm, args.dm0, args.events)


def _grid_options(args: argparse.Namespace):
    """Validated GridOptions from the command line (every bad point reported at once)."""
    import os

    from higgsino_sim.generate import GenerateOptions, validate
    from higgsino_sim.grid.runner import DEFAULT_RETRIES, GridOptions
    from higgsino_sim.grid.spec import check_points
    from higgsino_sim.pdf import load_pdf

    points = _grid_points(args)
    if args.workers < 0:
        raise UsageError(f"--workers must be >= 0 (0 = all cores), got {args.workers}")
    if args.scheduler is not None and args.workers:
        raise UsageError("--workers is for local processes; a Dask cluster (--scheduler) has "
                         "its own workers: drop --workers")
    retries = DEFAULT_RETRIES if args.retries is None else args.retries
    if retries < 0:
        raise UsageError(f"--retries must be >= 0, got {retries}")
    out: Path = args.out
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} exists and is not a directory")
    existing = next(p for p in (out, *out.absolute().parents) if p.exists())
    if not os.access(existing, os.W_OK | os.X_OK):
        raise UsageError(f"--out {out}: {existing} is not writable")
    # workers may run elsewhere (Dask): file paths made absolute
    card = args.card
    if card is not None and (card.endswith(".toml") or os.sep in card):
        card = str(Path(card).resolve())
    pdf = str(Path(args.pdf).resolve()) if Path(args.pdf).exists() else args.pdf
    first = points[0]
    template = GenerateOptions(
        mass=first.mass, dm=first.dm, dm0=first.dm0, n_events=first.events,
        output=out / first.file, threads=1, **{**_run_kwargs(args), "pdf": pdf, "card": card},
    )
    validate(template, check_output=False)  # card, field, branching fractions, cut
    load_pdf(pdf)
    check_points(points, sqrt_s=args.sqrt_s, min_recoil=args.min_recoil,
                 processes=template.processes, allow_extrapolation=args.allow_extrapolation)
    if args.scheduler is not None:
        from higgsino_sim.grid.dask_pool import check_scheduler

        check_scheduler(args.scheduler)
    return GridOptions(tuple(points), out, template, seed=args.seed, workers=args.workers,
                       scheduler=args.scheduler, retries=retries, force=args.force)


def _cmd_grid(args: argparse.Namespace) -> int:
    import signal

    from higgsino_sim.grid.manifest import MANIFEST_CSV
    from higgsino_sim.grid.progress import format_count, format_duration
    from higgsino_sim.grid.runner import (
        GridInterrupted,
        describe_plan,
        estimate_seconds,
        local_workers,
        make_plan,
        run_grid,
    )

    opts = _grid_options(args)
    if args.dry_run:
        plan = make_plan(opts)
        for line in describe_plan(plan):
            print(line)
        for note in plan.notes:
            print(f"note: {note}")
        todo = plan.to_run
        events = sum(e.point.events for e in todo)
        print(f"{len(plan.entries)} points: {len(todo)} to run ({format_count(events)} events), "
              f"{len(plan.entries) - len(todo)} complete and verified; master seed "
              f"{plan.master_seed}")
        detector = opts.template.card is not None
        if todo:
            one = estimate_seconds(plan, 1, detector)
            if opts.scheduler is None:
                n = min(local_workers(opts.workers), len(todo))
                print(f"estimated time: {format_duration(estimate_seconds(plan, n, detector))} "
                      f"on {n} local worker(s) ({format_duration(one)} on one core); "
                      "from the benchmark figures in higgsino_sim/data/benchmark.json")
            else:
                print(f"estimated time: {format_duration(one)} on one core, divided by the "
                      f"Dask cluster's workers; from higgsino_sim/data/benchmark.json")
        return 0

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)  # batch systems stop jobs with SIGTERM
    try:
        summary = run_grid(opts)
    except GridInterrupted as exc:
        s = exc.summary
        done = sum(r.status == "done" for r in s.records)
        print(f"hsim grid: interrupted; {done} of {len(s.records)} points complete in "
              f"{opts.directory / MANIFEST_CSV}, no partial table left; rerun the same "
              "command to resume", file=sys.stderr)
        return 130
    except KeyboardInterrupt:  # before the workers started, or during their clean-up
        print(f"hsim grid: interrupted; {opts.directory / MANIFEST_CSV} (if written) says "
              "which points are complete; rerun the same command to resume", file=sys.stderr)
        return 130
    finally:
        signal.signal(signal.SIGTERM, previous)
    _print_grid_summary(opts, summary)
    return 1 if summary.failed else 0


def _print_grid_summary(opts, summary) -> None:
    from higgsino_sim.grid.manifest import MANIFEST_CSV, MANIFEST_JSON, RUNLOG
    from higgsino_sim.grid.progress import format_count, format_duration

    print(f"{'point':28s} {'status':7s} {'events':>9s} {'sigma(cut) [fb]':>16s} "
          f"{'sigma(NLO+NLL) [fb]':>20s}")
    in_grid = {e.point.name for e in summary.plan.entries}
    for r in (r for r in summary.records if r.name in in_grid):
        cut = "" if r.sigma_cut_fb is None else f"{r.sigma_cut_fb:.5g}"
        tot = "" if r.sigma_nlo_nll_fb is None else f"{r.sigma_nlo_nll_fb:.5g}"
        print(f"{r.name:28s} {r.status:7s} {r.events:>9d} {cut:>16s} {tot:>20s}")
    n = len(summary.plan.entries)
    skipped = n - len(summary.plan.to_run)
    kept = len(summary.records) - n
    print(f"{n} points: {len(summary.generated)} generated, {skipped} complete and verified "
          f"(skipped), {len(summary.failed)} failed"
          + (f"; the manifest also lists {kept} points outside this grid" if kept else ""))
    if summary.generated:
        rate = summary.events_generated / max(summary.seconds, 1e-9)
        print(f"{format_count(summary.events_generated)} events in "
              f"{format_duration(summary.seconds)} on {summary.workers} worker(s): "
              f"{format_count(rate)} events/s")
    for name in summary.failed:
        rec = next(r for r in summary.records if r.name == name)
        print(f"FAILED {name}: {rec.error} (details in {opts.directory / RUNLOG})")
    print(f"master seed {summary.plan.master_seed}; manifest "
          f"{opts.directory / MANIFEST_CSV} and {MANIFEST_JSON}")


def _print_spectrum(spec: dict[str, float]) -> None:
    print("spectrum (pure Higgsino; signed masses are the eigenvalues used in the |M|^2):")
    print(f"  m(chi1+-) = {spec['m_chi1pm_gev']:.4f} GeV")
    print(f"  m(chi10)  = {spec['m_chi10_gev']:.4f} GeV (eigenvalue {spec['signed_m_chi10_gev']:+.4f})")
    print(f"  m(chi20)  = {spec['m_chi20_gev']:.4f} GeV (eigenvalue {spec['signed_m_chi20_gev']:+.4f})")
    print(f"  dm = {spec['dm_gev']:.4g} GeV, dm0 = {spec['dm0_gev']:.4g} GeV")


def _print_decays(summary: dict[str, object]) -> None:
    widths = summary["widths_gev"]
    ctau = summary["ctau_mm"]
    brs = summary["branching_fractions"]
    partial = summary["partial_widths_gev"]
    print(f"decays (branching fractions: {summary['br_preset']}"
          + (f", overrides {', '.join(summary['br_overrides'])}" if summary["br_overrides"]
             else "") + "):")  # type: ignore[arg-type]
    for state in ("chi20", "chi1pm"):
        print(f"  {state}: width {widths[state]:.4e} GeV, c*tau {ctau[state]:.4g} mm")  # type: ignore[index]
        for ch, br in brs[state].items():  # type: ignore[index]
            if br > 0 or partial[state][ch] > 0:  # type: ignore[index]
                print(f"    {ch:14s} BR {br:9.4%}   partial width "
                      f"{partial[state][ch]:.4e} GeV")  # type: ignore[index]
    print("  chi10: stable")
    slha = summary.get("slha")
    if slha:
        from_file = sorted({*slha["widths_from_file"], *slha["branching_from_file"]})  # type: ignore[index]
        print(f"  masses{' and ' + ', '.join(from_file) + ' decays' if from_file else ''} "
              f"from SLHA {slha['path']} (sha256 {slha['sha256'][:12]})")  # type: ignore[index]
    for note in summary["notes"]:  # type: ignore[attr-defined]
        print(f"  note: {note}")


def _cmd_spectrum(args: argparse.Namespace, argv: Sequence[str]) -> int:
    from higgsino_sim.decays import decay_model

    spec, slha = _spectrum_args(args)
    model = decay_model(spec, args.br_preset, args.br, slha=slha)
    summary = model.summary()
    if args.slha_out is not None:
        from higgsino_sim.slha import write_slha

        try:
            write_slha(spec, model, args.slha_out, source=shlex.join(["hsim", *argv]))
        except OSError as exc:
            raise UsageError(f"--slha-out {args.slha_out}: cannot write ({exc.strerror})"
                             ) from None
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        _print_spectrum(spec.as_dict())
        _print_decays(summary)
    return 0


def _print_xsec(rows: Sequence[object]) -> None:
    from higgsino_sim.xsec import totals

    print(f"{'process':9s} {'LO incl [fb]':>20s} {'NLO+NLL [fb]':>20s} {'K':>7s}  order")
    for r in rows:
        print(f"{r.process:9s} {r.lo_inclusive_fb:11.5g} +- {r.lo_inclusive_err_fb:<6.2g}"  # type: ignore[attr-defined]
              f" {r.nlo_nll_fb:11.5g} +- {r.nlo_nll_err_fb:<6.2g} {r.k_factor:7.4f}  "  # type: ignore[attr-defined]
              f"{r.order}{' (extrapolated)' if r.extrapolated else ''}")  # type: ignore[attr-defined]
    t = totals(tuple(rows))  # type: ignore[arg-type]
    print(f"{'total':9s} {t['lo_inclusive_fb']:11.5g} +- {t['lo_inclusive_err_fb']:<6.2g}"
          f" {t['nlo_nll_fb']:11.5g} +- {t['nlo_nll_err_fb']:<6.2g} {t['k_factor']:7.4f}")


def _cmd_xsec(args: argparse.Namespace) -> int:
    from higgsino_sim.pdf import load_pdf
    from higgsino_sim.processes import parse_processes
    from higgsino_sim.rng import master_entropy
    from higgsino_sim.xsec import cross_sections, totals

    spec, slha = _spectrum_args(args)
    keys = parse_processes(args.processes)
    pdf = load_pdf(args.pdf)
    seed = master_entropy(args.seed if args.seed is not None else 0)
    rows = cross_sections(spec, keys, pdf, args.sqrt_s, entropy=seed,
                          allow_extrapolation=args.allow_extrapolation)
    if args.json:
        print(json.dumps({
            "sqrt_s_gev": args.sqrt_s, "pdf": pdf.name, "seed": seed,
            "spectrum": spec.as_dict(), "processes": [r.as_dict() for r in rows],
            "total": totals(rows),
            **({"slha": slha.summary()} if slha is not None else {}),
        }, indent=2))
    else:
        _print_spectrum(spec.as_dict())
        _print_xsec(rows)
    return 0


def _cmd_cards(args: argparse.Namespace) -> int:
    from higgsino_sim.cards import card_text, load_card, shipped_cards

    if args.cards_command == "list":
        for name in shipped_cards():
            print(f"{name:12s} {load_card(name).description}")
    elif args.cards_command == "show":
        print(card_text(args.card), end="")
    else:
        card = load_card(args.card)
        print(f"{args.card}: ok ({card.name}, {len(card.wp_names)} working points, "
              f"sha256 {card.sha256[:12]})")
    return 0


def _cmd_convert(args: argparse.Namespace) -> int:
    from higgsino_sim.formats import convert, resolve_format

    fmt = resolve_format(args.output, args.format)
    out = convert(args.table, args.output, fmt)
    print(f"wrote {out.resolve()} ({fmt})")
    return 0


def _cmd_validate(args: argparse.Namespace) -> int:
    import os
    import time

    from higgsino_sim.validation.panel import Panel
    from higgsino_sim.validation.report import declared_sections, verdict, write_report

    out: Path = args.output
    if args.only is not None and not any(args.only.lower() in s.lower()
                                         for s in declared_sections()):
        raise UsageError(f"--only {args.only!r} matches no section of the report "
                         f"({', '.join(declared_sections())})")
    if out.exists() and not out.is_dir():
        raise UsageError(f"--output {out} exists and is not a directory")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"--output {out}: cannot create the directory ({exc.strerror})") from None
    if not os.access(out, os.W_OK | os.X_OK):
        raise UsageError(f"--output {out} is not writable")

    def progress(panel: Panel, seconds: float) -> None:
        print(f"[{seconds:6.1f} s] {verdict(panel):4s}  {panel.section}: {panel.title}  "
              f"(N = {panel.n_events}; {panel.statistic})", flush=True)

    t0 = time.perf_counter()
    panels = write_report(out, quick=args.quick, seed=args.seed, only=args.only,
                          progress=progress)
    seconds = time.perf_counter() - t0
    if not panels:
        raise UsageError(f"--only {args.only!r} matches no section of the report")
    failed = [p for p in panels if p.passed is False]
    print(f"{len(panels)} panels in {seconds:.1f} s; report: {out / 'report.md'}")
    if failed:
        print(f"FAILED ({len(failed)}): " + "; ".join(f"{p.section}: {p.title} ({p.statistic})"
                                                      for p in failed))
        return 1
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `hsim`; returns the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    from higgsino_sim.startup import skip_numba_extensions

    skip_numba_extensions()  # 1.9 s of start-up for extensions hsim does not use
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    from higgsino_sim.nlo_tables import OutsideTableError

    try:
        if args.command == "generate":
            return _cmd_generate(args, argv)
        if args.command == "spectrum":
            return _cmd_spectrum(args, argv)
        if args.command == "cards":
            return _cmd_cards(args)
        if args.command == "validate":
            return _cmd_validate(args)
        if args.command == "convert":
            return _cmd_convert(args)
        if args.command == "grid":
            return _cmd_grid(args)
        return _cmd_xsec(args)
    except (UsageError, OutsideTableError) as exc:
        # bad option values, impossible spectra, unknown PDF sets, masses off the tables
        if args.verbose:
            raise
        print(f"hsim {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except (HsimError, OSError) as exc:
        if args.verbose:
            raise
        print(f"hsim {args.command}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"hsim {args.command}: interrupted; no output written", file=sys.stderr)
        return 130
