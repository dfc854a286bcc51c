"""The ``hsim validate`` report: run every panel module, save the figures, write report.md.

Panel modules (a fixed list, imported by name; one that does not import is a failed
panel: the package is broken) each expose ``panels(quick: bool, seed: int) -> list[Panel]`` and
may declare ``SECTIONS`` (the section names they produce) so that ``only`` can skip them
without running them. A module that raises is reported as one failed panel, so one broken
comparison does not hide the others.

Files: ``DIR/KEY.png`` per panel and ``DIR/report.md``; each is written under a temporary
name and renamed, so an interrupted run never leaves a half-written file (at worst the
previous report.md next to some new figures).
"""

from __future__ import annotations

import importlib
import os
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from higgsino_sim._version import __version__
from higgsino_sim.validation.panel import P_MIN, PULL_MAX, Panel

#: Panel modules in report order (higgsino_sim.validation.<name>).
PANEL_MODULES: tuple[str, ...] = (
    "xsec_panels",
    "decay_panels",
    "recoil_panels",
    "card_panels",
    "analysis_panels",
)
#: Figure resolution [dots per inch] of the saved PNGs.
DPI = 90

Progress = Callable[[Panel, float], None]


@dataclass(frozen=True, slots=True)
class ModuleRun:
    """What one panel module produced: its panels, the run time [s] and a skip reason."""

    name: str
    panels: tuple[Panel, ...]
    seconds: float
    skipped: str = ""


def verdict(panel: Panel) -> str:
    """``PASS``, ``FAIL`` or ``info`` for a panel."""
    return "info" if panel.passed is None else ("PASS" if panel.passed else "FAIL")


def _error_panel(module: str, section: str, exc: BaseException) -> Panel:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(5.0, 1.5))
    text = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    fig.text(0.02, 0.5, f"{module} raised:\n{text[:300]}", fontsize=7, va="center",
             wrap=True)
    return Panel(key=f"error_{module}", section=section, title=f"{module} did not run",
                 reference="-", n_events=0, statistic=text.splitlines()[-1][:200],
                 passed=False, figure=fig)


def declared_sections(modules: Sequence[str] | None = None) -> list[str]:
    """The report sections the panel modules declare (``SECTIONS``), without running them."""
    out: list[str] = []
    for name in PANEL_MODULES if modules is None else modules:
        mod = importlib.import_module(f"higgsino_sim.validation.{name}")
        out += list(getattr(mod, "SECTIONS", (name,)))
    return out


def _matches(section: str, only: str | None) -> bool:
    return only is None or only.lower() in section.lower()


def run_modules(quick: bool, seed: int, only: str | None = None,
                modules: Sequence[str] | None = None,
                progress: Progress | None = None) -> list[ModuleRun]:
    """Run the panel modules and return their panels (figures still open).

    Parameters
    ----------
    quick : bool
        Quick mode (fewer events; the whole report in a few minutes).
    seed : int
        Master seed passed to every module.
    only : str or None
        Keep only panels whose section contains this substring (case-insensitive);
        modules declaring ``SECTIONS`` with no match are not run.
    modules : sequence of str or None
        Module names under ``higgsino_sim.validation`` (default :data:`PANEL_MODULES`).
    progress : callable or None
        Called as ``progress(panel, seconds_since_start)`` for each kept panel.
    """
    t0 = time.perf_counter()
    runs = []
    for name in PANEL_MODULES if modules is None else modules:
        try:
            mod = importlib.import_module(f"higgsino_sim.validation.{name}")
        except ImportError as exc:  # a shipped module that does not import: a broken install
            traceback.print_exc(file=sys.stderr)
            runs.append(ModuleRun(name, (_error_panel(name, name, exc),), 0.0))
            continue
        sections = getattr(mod, "SECTIONS", None)
        if sections is not None and not any(_matches(s, only) for s in sections):
            runs.append(ModuleRun(name, (), 0.0, f"no section matches {only!r}"))
            continue
        t1 = time.perf_counter()
        try:
            got = list(mod.panels(quick, seed))
        except Exception as exc:  # noqa: BLE001 - a broken module is a failed panel
            traceback.print_exc(file=sys.stderr)  # the panel keeps the message, stderr the lines
            section = sections[0] if sections else name
            got = [_error_panel(name, section, exc)]
        kept = tuple(p for p in got if _matches(p.section, only))
        for p in got:
            if not _matches(p.section, only):
                _close(p)
        for p in kept:
            if progress is not None:
                progress(p, time.perf_counter() - t0)
        runs.append(ModuleRun(name, kept, time.perf_counter() - t1))
    return runs


def _close(panel: Panel) -> None:
    panel.figure.clear()


def _save_figure(panel: Panel, directory: Path) -> Path:
    path = directory / f"{panel.key}.png"
    tmp = directory / f".{panel.key}.png.tmp"
    panel.figure.savefig(tmp, dpi=DPI, format="png")
    os.replace(tmp, path)
    _close(panel)
    return path


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def render_markdown(runs: Sequence[ModuleRun], *, quick: bool, seed: int, seconds: float,
                    only: str | None = None, image_prefix: str = "",
                    heading_level: int = 1) -> str:
    """The report as Markdown (images linked as ``image_prefix + KEY.png``)."""
    panels = [p for r in runs for p in r.panels]
    h = "#" * heading_level
    date = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    n_fail = sum(p.passed is False for p in panels)
    n_pass = sum(p.passed is True for p in panels)
    n_info = sum(p.passed is None for p in panels)
    lines = [
        f"{h} higgsino-sim validation report",
        "",
        f"- version: higgsino-sim {__version__}",
        f"- date: {date}",
        f"- mode: {'quick' if quick else 'full'}" + (f", sections matching {only!r}"
                                                     if only else ""),
        f"- seed: {seed}",
        f"- total time: {seconds:.0f} s",
        (f"- result: {n_pass} passed, {n_fail} failed, {n_info} informational "
         f"(pass: p > {P_MIN:g} for chi2 comparisons, every |pull| < {PULL_MAX:g})"),
        "",
    ]
    skipped = [r for r in runs if r.skipped]
    if skipped:
        lines += ["Panel modules not run: " + ", ".join(f"`{r.name}` ({r.skipped})"
                                                        for r in skipped), ""]
    lines += [f"{h}# Summary", "", "| section | panel | N | agreement | result |",
              "|---|---|---:|---|---|"]
    for p in panels:
        lines.append(f"| {_cell(p.section)} | [{_cell(p.title)}](#{p.key}) | {p.n_events} | "
                     f"{_cell(p.statistic)} | {verdict(p)} |")
    lines.append("")
    sections: dict[str, list[Panel]] = {}
    for p in panels:
        sections.setdefault(p.section, []).append(p)
    for section, group in sections.items():
        lines += [f"{h}# {section}", ""]
        for p in group:
            lines += [
                f'<a id="{p.key}"></a>',
                f"{h}## {p.title}",
                "",
                f"- reference: {p.reference}",
                f"- N: {p.n_events}",
                f"- agreement: {p.statistic} -> **{verdict(p)}**",
                "",
                f"![{p.title}]({image_prefix}{p.key}.png)",
                "",
            ]
    timing = ", ".join(f"{r.name} {r.seconds:.0f} s" for r in runs if not r.skipped)
    lines += [f"Time per panel module: {timing}.", ""]
    return "\n".join(lines)


def write_report(output: Path, quick: bool = False, seed: int = 1, only: str | None = None,
                 progress: Progress | None = None,
                 modules: Sequence[str] | None = None) -> list[Panel]:
    """Run the validation and write ``output/report.md`` and ``output/KEY.png``.

    Parameters
    ----------
    output : Path
        Report directory (created if missing).
    quick : bool
        Quick mode: fewer events (minutes instead of tens of minutes).
    seed : int
        Master seed of every comparison.
    only : str or None
        Substring filter on section names (case-insensitive).
    progress : callable or None
        ``progress(panel, seconds)`` after each panel completes.
    modules : sequence of str or None
        Panel modules to run (default: all, :data:`PANEL_MODULES`).

    Returns
    -------
    list of Panel
        The panels in report order (their figures are saved and cleared).
    """
    output = Path(output)
    output.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    runs = run_modules(quick, seed, only, modules, progress)
    panels = [p for r in runs for p in r.panels]
    keys = [p.key for p in panels]
    if len(set(keys)) != len(keys):
        dup = sorted({k for k in keys if keys.count(k) > 1})
        msg = f"duplicate panel keys: {', '.join(dup)}"
        raise ValueError(msg)
    for p in panels:
        _save_figure(p, output)
    text = render_markdown(runs, quick=quick, seed=seed, seconds=time.perf_counter() - t0,
                           only=only)
    tmp = output / ".report.md.tmp"
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, output / "report.md")
    return panels


def embed_in_doc(report_dir: Path, doc: Path, marker: str = "<!-- report -->") -> None:
    """Replace everything after ``marker`` in ``doc`` by ``report_dir/report.md`` with its
    headings moved one level down and image links relative to the doc's directory."""
    report_dir, doc = Path(report_dir), Path(doc)
    text = (report_dir / "report.md").read_text(encoding="utf-8")
    prefix = os.path.relpath(report_dir, doc.parent).replace(os.sep, "/") + "/"
    out = []
    for line in text.splitlines():
        if line.startswith("#"):
            line = "#" + line
        elif line.startswith("!["):
            title, _, rest = line.partition("](")
            line = f"{title}]({prefix}{rest}"
        out.append(line)
    head = doc.read_text(encoding="utf-8")
    head = head[: head.index(marker) + len(marker)]
    tmp = doc.with_name(f".{doc.name}.tmp")
    tmp.write_text(head + "\n\n" + "\n".join(out) + "\n", encoding="utf-8")
    os.replace(tmp, doc)
