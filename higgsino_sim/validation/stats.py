"""Agreement statistics shared by the validation panels and the physics tests.

- ``chi2_counts``: Pearson chi2 of histogram counts against an expectation (Poisson
  variances = expectation, bins with expectation < 5 merged into their neighbour so the
  chi2 distribution applies; Cowan, Statistical Data Analysis, sec. 7.4).
- ``chi2_binomial``: efficiencies k/n against predicted probabilities (binomial
  variance n p (1 - p)); points with p = 0 or 1 must match exactly and add nothing.
- ``pulls``: (value - reference) / sigma for point-wise comparisons.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from higgsino_sim.validation.panel import P_MIN, PULL_MAX

MIN_EXPECTED = 5.0


@dataclass(frozen=True, slots=True)
class Chi2:
    """A chi2 comparison: value, degrees of freedom and upper-tail p-value."""

    chi2: float
    ndf: int
    p_value: float

    @property
    def passed(self) -> bool:
        return self.p_value > P_MIN

    def __str__(self) -> str:
        return f"chi2/ndf = {self.chi2:.1f}/{self.ndf}, p = {self.p_value:.3g}"


def _merge_low(observed: np.ndarray, expected: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Merge adjacent bins left to right until each has expectation >= MIN_EXPECTED."""
    obs, exp = [], []
    o_acc = e_acc = 0.0
    for o, e in zip(observed, expected, strict=True):
        o_acc += o
        e_acc += e
        if e_acc >= MIN_EXPECTED:
            obs.append(o_acc)
            exp.append(e_acc)
            o_acc = e_acc = 0.0
    if e_acc > 0.0 or o_acc > 0.0:  # the remainder joins the last full bin
        if exp:
            obs[-1] += o_acc
            exp[-1] += e_acc
        else:
            obs.append(o_acc)
            exp.append(e_acc)
    return np.asarray(obs), np.asarray(exp)


def chi2_counts(observed: np.ndarray, expected: np.ndarray, n_fitted: int = 0) -> Chi2:
    """Pearson chi2 of counts against an expectation with the same total or not.

    Parameters
    ----------
    observed, expected
        Counts per bin (expected need not be integer). Bins with expectation below 5
        are merged with their neighbours first.
    n_fitted
        Parameters fitted to the same data (1 if ``expected`` was normalised to the
        observed total), subtracted from the degrees of freedom.
    """
    o, e = _merge_low(np.asarray(observed, float), np.asarray(expected, float))
    if np.any(e <= 0.0):
        raise ValueError("expected counts must be positive after merging")
    chi2 = float(np.sum((o - e) ** 2 / e))
    ndf = max(o.size - n_fitted, 1)
    return Chi2(chi2, ndf, float(stats.chi2.sf(chi2, ndf)))


def chi2_binomial(k: np.ndarray, n: np.ndarray, p: np.ndarray) -> Chi2:
    """chi2 of k successes in n trials against probabilities p, summed over points.

    Raises ``ValueError`` if a point with p = 0 (1) has k > 0 (k < n): a certain outcome
    that failed is not a fluctuation.
    """
    k, n, p = (np.asarray(a, float) for a in (k, n, p))
    certain = (p <= 0.0) | (p >= 1.0)
    if np.any(certain & (k != n * np.clip(p, 0.0, 1.0))):
        raise ValueError("a point with efficiency 0 or 1 was not matched exactly")
    var = n * p * (1.0 - p)
    live = ~certain
    chi2 = float(np.sum((k[live] - n[live] * p[live]) ** 2 / var[live]))
    ndf = max(int(live.sum()), 1)
    return Chi2(chi2, ndf, float(stats.chi2.sf(chi2, ndf)))


@dataclass(frozen=True, slots=True)
class ShapeComparison:
    """Normalised shapes of an unweighted and a weighted histogram and their chi2."""

    frac_unweighted: np.ndarray  # fraction of events per bin
    var_unweighted: np.ndarray  # its variance (multinomial, n_i / N^2)
    frac_weighted: np.ndarray  # sum w_i / sum w
    var_weighted: np.ndarray  # sum w_i^2 / (sum w)^2
    chi2: Chi2


def chi2_shapes(counts: np.ndarray, sum_w: np.ndarray, sum_w2: np.ndarray) -> ShapeComparison:
    """Compare the normalised shape of unweighted counts with that of a weighted histogram.

    Both sides are normalised to their own totals, so one degree of freedom is lost
    (ndf = bins - 1). Variances: n_i / N^2 for the counts, sum w^2 / (sum w)^2 for the
    weighted histogram (the fraction's correlation with the total neglected, small for many
    bins).
    """
    counts, sum_w, sum_w2 = (np.asarray(a, float) for a in (counts, sum_w, sum_w2))
    n, sig = counts.sum(), sum_w.sum()
    frac_u, var_u = counts / n, counts / n**2
    frac_w, var_w = sum_w / sig, sum_w2 / sig**2
    chi2 = float((((frac_u - frac_w) ** 2) / (var_u + var_w)).sum())
    ndf = counts.size - 1
    return ShapeComparison(frac_u, var_u, frac_w, var_w,
                           Chi2(chi2, ndf, float(stats.chi2.sf(chi2, ndf))))


@dataclass(frozen=True, slots=True)
class Pulls:
    """Point-wise pulls (value - reference) / sigma."""

    values: np.ndarray

    @property
    def max_abs(self) -> float:
        return float(np.max(np.abs(self.values))) if self.values.size else 0.0

    @property
    def passed(self) -> bool:
        # no points compared is not an agreement
        return (self.values.size > 0 and bool(np.all(np.isfinite(self.values)))
                and self.max_abs < PULL_MAX)

    def __str__(self) -> str:
        return f"max |pull| = {self.max_abs:.2f} over {self.values.size} points"


def pulls(value: np.ndarray, reference: np.ndarray, sigma: np.ndarray) -> Pulls:
    """Pulls of ``value`` against ``reference`` with standard deviations ``sigma``."""
    value, reference, sigma = (np.asarray(a, float) for a in (value, reference, sigma))
    return Pulls((value - reference) / sigma)


def combine(parts: list[Chi2]) -> Chi2:
    """Sum of independent chi2 comparisons (chi2 and degrees of freedom add)."""
    chi2 = float(sum(c.chi2 for c in parts))
    ndf = int(sum(c.ndf for c in parts))
    return Chi2(chi2, ndf, float(stats.chi2.sf(chi2, ndf)))
