"""Cut flows: cumulative event counts, weighted cross sections and yields per step."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from higgsino_sim.errors import UsageError

__all__ = ["CutFlow", "CutStep", "category_table"]


@dataclass(frozen=True, slots=True)
class CutStep:
    """One step of a cut flow (cumulative: every earlier step applied).

    Attributes
    ----------
    name : str
    n_raw : int
        Events passing (unweighted count).
    sigma_fb : float
        Sum of the passing events' weights (x any weight factors so far) [fb].
    yield_events : float
        sigma_fb x luminosity.
    """

    name: str
    n_raw: int
    sigma_fb: float
    yield_events: float


@dataclass(slots=True)
class CutFlow:
    """A cut flow over weighted events; steps are applied cumulatively (logical AND).

    Parameters
    ----------
    weight : ndarray, shape (n,)
        Event weights [fb].
    lumi_fb : float
        Integrated luminosity [fb^-1] for the yields.
    title : str
        Printed above the table.

    Attributes
    ----------
    steps : list of CutStep
        One entry per step, the first being "all events".
    step_masks : list of ndarray of bool
        The cumulative pass mask after each step.

    Examples
    --------
    >>> cf = CutFlow(np.array([1.0, 2.0]), lumi_fb=10.0)
    >>> cf.add("met > 200", np.array([True, False])).steps[-1].yield_events
    10.0
    """

    weight: np.ndarray
    lumi_fb: float
    title: str = ""
    steps: list[CutStep] = field(default_factory=list)
    step_masks: list[np.ndarray] = field(default_factory=list, repr=False)
    mask: np.ndarray = field(init=False)
    factor: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        if not (math.isfinite(self.lumi_fb) and self.lumi_fb > 0.0):
            raise UsageError(f"luminosity must be a positive number of fb^-1, got {self.lumi_fb:g}")
        self.weight = np.asarray(self.weight, dtype=float)
        self.mask = np.ones(self.weight.size, dtype=bool)
        self.factor = np.ones(self.weight.size)
        self._record("all events")

    def _record(self, name: str) -> None:
        sigma = float(np.sum(self.weight[self.mask] * self.factor[self.mask]))
        self.steps.append(CutStep(name, int(self.mask.sum()), sigma, sigma * self.lumi_fb))
        self.step_masks.append(self.mask.copy())

    def add(self, name: str, mask: np.ndarray | None = None,
            weight_factor: np.ndarray | None = None) -> CutFlow:
        """Apply a requirement (boolean mask) and/or an efficiency weight; record the step.

        Parameters
        ----------
        name : str
            Label of the step.
        mask : ndarray of bool, shape (n,), optional
            Events passing this requirement (ANDed with the previous ones).
        weight_factor : ndarray, shape (n,), optional
            Per-event efficiency in [0, 1] multiplied into the weights from this step on
            (e.g. a trigger efficiency applied as a weight, not a random accept).

        Returns
        -------
        CutFlow
            self (for chaining).
        """
        if mask is not None:
            mask = np.asarray(mask, dtype=bool)
            if mask.shape != self.mask.shape:
                raise ValueError(f"cut {name!r}: mask shape {mask.shape} != {self.mask.shape}")
            self.mask = self.mask & mask
        if weight_factor is not None:
            self.factor = self.factor * np.asarray(weight_factor, dtype=float)
        self._record(name)
        return self

    def extend(self, cuts: Sequence[tuple[str, np.ndarray]]) -> CutFlow:
        """Add an ordered list of (name, mask) requirements."""
        for name, m in cuts:
            self.add(name, m)
        return self

    @property
    def passed(self) -> np.ndarray:
        """Boolean mask of the events passing every step."""
        return self.mask.copy()

    @property
    def final_weight(self) -> np.ndarray:
        """Weight x factors of each event [fb], 0 for failing events."""
        return np.where(self.mask, self.weight * self.factor, 0.0)

    @property
    def sigma_fb(self) -> float:
        """sigma x efficiency after the last step [fb]."""
        return self.steps[-1].sigma_fb

    @property
    def yield_events(self) -> float:
        """Expected events after the last step for ``lumi_fb``."""
        return self.steps[-1].yield_events

    def table(self) -> str:
        """The cut flow as an aligned text table."""
        w = max([len(s.name) for s in self.steps] + [4])
        head = (f"{'cut':<{w}}  {'events':>8}  {'sigma x eff [fb]':>16}  {'rel. eff':>8}  "
                f"{f'yield ({self.lumi_fb:g}/fb)':>16}")
        lines = [self.title] if self.title else []
        lines += [head, "-" * len(head)]
        prev = None
        for s in self.steps:
            rel = "" if prev is None or prev <= 0 else f"{s.sigma_fb / prev:8.4f}"
            lines.append(f"{s.name:<{w}}  {s.n_raw:8d}  {s.sigma_fb:16.5g}  {rel:>8}  "
                         f"{s.yield_events:16.5g}")
            prev = s.sigma_fb
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.table()


def category_table(flows: Mapping[str, Mapping[str, CutFlow]]) -> str:
    """Final yield per category (rows) and per dataset/phase (columns), with the sum.

    Parameters
    ----------
    flows : mapping
        ``{column label: {category: CutFlow}}``, e.g. ``{"Phase-0": {...}, "Phase-1": {...}}``.

    Returns
    -------
    str
        Aligned text table: events passing (raw) and yield per column, then the summed yield.
    """
    cols = list(flows)
    cats: list[str] = []
    for f in flows.values():
        cats += [c for c in f if c not in cats]
    w = max([len(c) for c in cats] + [8])
    head = f"{'category':<{w}}" + "".join(f"  {c + ' raw':>14}  {c + ' yield':>14}" for c in cols)
    head += f"  {'total yield':>12}"
    lines = [head, "-" * len(head)]
    for cat in cats:
        row, tot = f"{cat:<{w}}", 0.0
        for c in cols:
            f = flows[c].get(cat)
            if f is None:
                row += f"  {'-':>14}  {'-':>14}"
                continue
            row += f"  {f.steps[-1].n_raw:14d}  {f.yield_events:14.4g}"
            tot += f.yield_events
        lines.append(row + f"  {tot:12.4g}")
    return "\n".join(lines)
