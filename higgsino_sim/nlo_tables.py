"""NLO+NLL Higgsino pair-production cross sections from the vendored LHC SUSY XS WG tables.

The tables (Resummino, LHC SUSY Cross Section Working Group) are package data in
``higgsino_sim.data`` (CSV; the first line of each file names its source, see
``higgsino_sim/data/README.md``). This module looks them up and interpolates them; the
policy (which table for which spectrum, interpolation, extrapolation) and its validation
numbers are in ``docs/cross_sections.md``. In short:

* 13 TeV, Delta m-split spectrum with m(C1) at the midpoint of m(N1) and m(N2) and
  (m(N1), m(N2) - m(N1)) inside the ``hinosplit`` grid: the split tables (n2_n1, c1p_n2,
  c1m_n2, c1p_c1m), interpolated linearly on a Delaunay triangulation of the grid in the
  logarithm of the ratio to the degenerate table at the mean mass of the pair.
* otherwise at 13 TeV (and always for c1p_n1, c1m_n1): the degenerate-Higgsino tables at the
  mean mass of the produced pair, interpolated as a power law between neighbouring points
  (ln sigma linear in ln m).
* 13.6 TeV: C1+C1- from the aNNLO+NNLL table; the N2C1 charge sum through
  :func:`nlo_nll_sum_c1pm_n2`; everything else ``None``.
* any other sqrt(s): ``None``.

Masses in GeV, cross sections in fb. The package never reads anything outside
``higgsino_sim.data`` here.
"""

from __future__ import annotations

import csv
import functools
import math
from dataclasses import dataclass
from importlib.resources import files
from typing import TYPE_CHECKING, Final

import numpy as np

if TYPE_CHECKING:
    from numpy.typing import NDArray
    from scipy.spatial import Delaunay

__all__ = [
    "MIDPOINT_TOL_GEV",
    "PROCESSES",
    "SQRT_S_TOL_GEV",
    "OutsideTableError",
    "TableValue",
    "nlo_nll",
    "nlo_nll_sum_c1pm_n2",
]

#: Process keys (a contract with the rest of the package): chargino charge first, then the
#: neutralino; ``c1p_c1m`` is chi1+ chi1-.
PROCESSES: Final[tuple[str, ...]] = ("c1p_n2", "c1m_n2", "c1p_n1", "c1m_n1", "n2_n1", "c1p_c1m")

#: |sqrt_s - 13000 GeV| (or 13600 GeV) below which a table energy is matched [GeV].
SQRT_S_TOL_GEV: Final[float] = 1.0
#: |m(C1) - (m(N1) + m(N2)) / 2| below which a spectrum counts as "C1 at the midpoint" [GeV].
MIDPOINT_TOL_GEV: Final[float] = 1.0e-3

_ORDER_13: Final[str] = "NLO+NLL"
_ORDER_13P6: Final[str] = "aNNLO+NNLL"
_DATA_PACKAGE: Final[str] = "higgsino_sim.data"

# 13 TeV degenerate-Higgsino tables (fb). N_i C1+- per charge exists only for CTEQ6.6; the
# N1N2 and C1C1 tables are the WG envelope (CTEQ6.6 + MSTW2008). See docs/cross_sections.md.
_DEG_FILE: Final[dict[str, str]] = {
    "c1p_n2": "xsec13_hino_deg_NiC1p_cteq.csv",
    "c1p_n1": "xsec13_hino_deg_NiC1p_cteq.csv",
    "c1m_n2": "xsec13_hino_deg_NiC1m_cteq.csv",
    "c1m_n1": "xsec13_hino_deg_NiC1m_cteq.csv",
    "n2_n1": "xsec13_hino_deg_N1N2_envelope.csv",
    "c1p_c1m": "xsec13_hino_deg_C1C1_envelope.csv",
}
# 13 TeV split-Higgsino tables (pb, relative uncertainty), grid in (mN2, mC1, mN1).
_SPLIT_FILE: Final[dict[str, str]] = {
    "n2_n1": "xsec13_hinosplit_N2N1.csv",
    "c1p_n2": "xsec13_hinosplit_N2C1p.csv",
    "c1m_n2": "xsec13_hinosplit_N2C1m.csv",
    "c1p_c1m": "xsec13_hinosplit_C1C1.csv",
}
_SUM13_FILE: Final[str] = "xsec13_hino_deg_NiC1pm_envelope.csv"
_FILE_13P6: Final[str] = "xsec13p6_hino_aNNLO_NNLL_N2C1_C1C1.csv"
_PB_TO_FB: Final[float] = 1000.0


@dataclass(frozen=True, slots=True)
class TableValue:
    """A tabulated (interpolated) higher-order cross section.

    Attributes
    ----------
    sigma_fb : float
        Central cross section [fb].
    err_fb : float
        Symmetric 1-sigma total uncertainty (scale and PDF as given by the table) [fb].
    order : str
        Perturbative order of the table, ``"NLO+NLL"`` (13 TeV) or ``"aNNLO+NNLL"`` (13.6 TeV).
    source : str
        Short provenance: table file(s), mass used and interpolation scheme.
    extrapolated : bool
        True if the mass lies outside the table and the value was extrapolated.
    """

    sigma_fb: float
    err_fb: float
    order: str
    source: str
    extrapolated: bool


class OutsideTableError(ValueError):
    """The requested mass lies outside the cross-section table and extrapolation is off.

    Parameters
    ----------
    process : str
        Process key (one of :data:`PROCESSES`, or ``"c1pm_n2"`` for the charge sum).
    mass_gev : float
        Mass at which the table was to be evaluated (mean mass of the pair) [GeV].
    lo_gev, hi_gev : float
        Mass range of the table [GeV].
    table : str
        Table file name.
    sqrt_s_label : str
        Collider energy label used in the message, e.g. ``"13 TeV"``.
    """

    def __init__(
        self,
        process: str,
        mass_gev: float,
        lo_gev: float,
        hi_gev: float,
        table: str,
        sqrt_s_label: str,
    ) -> None:
        self.process = process
        self.mass_gev = mass_gev
        self.lo_gev = lo_gev
        self.hi_gev = hi_gev
        self.table = table
        self.sqrt_s_label = sqrt_s_label
        super().__init__(
            f"{process} at sqrt(s) = {sqrt_s_label}: mass {mass_gev:.6g} GeV (mean mass of the "
            f"pair) is outside the table {table} ({lo_gev:g}-{hi_gev:g} GeV); use "
            f"--allow-extrapolation to extrapolate log-linearly in (ln m, ln sigma) from the "
            f"last two table points"
        )

    def __reduce__(
        self,
    ) -> tuple[type[OutsideTableError], tuple[str, float, float, float, str, str]]:
        """Pickle support: the custom ``__init__`` signature needs its own arguments back."""
        # Exceptions cross process boundaries in grid runs (dask/multiprocessing workers).
        return (
            type(self),
            (self.process, self.mass_gev, self.lo_gev, self.hi_gev, self.table, self.sqrt_s_label),
        )


# --------------------------------------------------------------------------------------
# Table loading (package data, parsed with csv + numpy, cached per process lifetime)
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Table1D:
    """One-dimensional table sigma(m) with a relative uncertainty per point."""

    file: str
    mass: NDArray[np.float64]  # [GeV], strictly increasing
    ln_mass: NDArray[np.float64]
    ln_sigma: NDArray[np.float64]  # ln(sigma / fb)
    rel_err: NDArray[np.float64]  # symmetric relative 1-sigma uncertainty


@dataclass(frozen=True, slots=True)
class _SplitTable:
    """Split-Higgsino grid, stored as ln(sigma_split / sigma_deg(mean mass)) per node."""

    file: str
    process: str
    deg: _Table1D
    m_n2: NDArray[np.float64]  # [GeV]
    m_c1: NDArray[np.float64]
    m_n1: NDArray[np.float64]
    sigma_fb: NDArray[np.float64]
    ln_ratio: NDArray[np.float64]
    rel_err: NDArray[np.float64]
    tri: Delaunay  # triangulation of the nodes in (m_n1, m_n2 - m_n1)


def _read_rows(name: str) -> tuple[str, list[str], NDArray[np.float64]]:
    """Read a vendored CSV: provenance comment, header, and the numeric rows."""
    text = (files(_DATA_PACKAGE) / name).read_text(encoding="utf-8")
    comments = [ln for ln in text.splitlines() if ln.startswith("#")]
    rows = [r for r in csv.reader(ln for ln in text.splitlines() if not ln.startswith("#")) if r]
    if not comments or len(rows) < 3:
        msg = f"{name}: expected a '#' provenance line, a header and >= 2 data rows"
        raise RuntimeError(msg)
    data = np.array([[float(x) for x in r] for r in rows[1:]], dtype=np.float64)
    if not np.all(np.isfinite(data)):
        msg = f"{name}: non-finite entries"
        raise RuntimeError(msg)
    return comments[0], rows[0], data


def _make_1d(
    name: str,
    mass: NDArray[np.float64],
    sigma_fb: NDArray[np.float64],
    rel_err: NDArray[np.float64],
) -> _Table1D:
    if not (np.all(np.diff(mass) > 0) and np.all(sigma_fb > 0) and np.all(rel_err >= 0)):
        msg = f"{name}: masses must increase strictly, cross sections be > 0, errors >= 0"
        raise RuntimeError(msg)
    return _Table1D(
        file=name,
        mass=mass,
        ln_mass=np.log(mass),
        ln_sigma=np.log(sigma_fb),
        rel_err=rel_err,
    )


@functools.cache
def _deg_table(name: str) -> _Table1D:
    """13 TeV degenerate table: CTEQ6.6 (fb, four % columns) or WG envelope (fb, fb)."""
    _, header, d = _read_rows(name)
    if d.shape[1] == 6:
        # Columns: m, xsec, -scale %, -pdf %, +scale %, +pdf %. Scale and PDF combined in
        # quadrature per side, then symmetrised as the mean of the two sides.
        down = np.hypot(d[:, 2], d[:, 3])
        up = np.hypot(d[:, 4], d[:, 5])
        rel = 0.5 * (down + up) / 100.0
    elif d.shape[1] == 3:
        rel = d[:, 2] / d[:, 1]  # WG envelope: absolute uncertainty in fb
    else:
        msg = f"{name}: unexpected columns {header}"
        raise RuntimeError(msg)
    return _make_1d(name, d[:, 0], d[:, 1], rel)


@functools.cache
def _table_13p6(column: str) -> _Table1D:
    """13.6 TeV aNNLO+NNLL table, ``column`` = ``"N2C1"`` (charge sum) or ``"C1C1"``."""
    _, _, d = _read_rows(_FILE_13P6)
    j = {"N2C1": 1, "C1C1": 3}[column]
    return _make_1d(_FILE_13P6, d[:, 0], d[:, j], d[:, j + 1] / d[:, j])


def _mean_mass(process: str, m_c1: float, m_n1: float, m_n2: float) -> float:
    """Mean mass of the produced pair [GeV] (``c1p_c1m``: m(C1))."""
    if process in ("c1p_n2", "c1m_n2"):
        return 0.5 * (m_c1 + m_n2)
    if process in ("c1p_n1", "c1m_n1"):
        return 0.5 * (m_c1 + m_n1)
    if process == "n2_n1":
        return 0.5 * (m_n1 + m_n2)
    return m_c1


@functools.cache
def _split_table(process: str) -> _SplitTable:
    """13 TeV split table of ``process`` with its triangulation (built once)."""
    from scipy.spatial import Delaunay  # lazy: keeps `import higgsino_sim` light

    name = _SPLIT_FILE[process]
    _, _, d = _read_rows(name)
    # Drop exactly repeated (mN2, mC1, mN1) nodes, keeping the first occurrence: the source
    # N2C1m file lists (110, 105, 100) twice (1.64452 and 1.64371 pb).
    _, first = np.unique(d[:, :3], axis=0, return_index=True)
    d = d[np.sort(first)]
    m_n2, m_c1, m_n1 = d[:, 0], d[:, 1], d[:, 2]
    if not np.allclose(m_c1, 0.5 * (m_n1 + m_n2), rtol=0.0, atol=1e-9):
        msg = f"{name}: grid is not at mC1 = (mN1 + mN2)/2"
        raise RuntimeError(msg)
    sigma_fb = d[:, 3] * _PB_TO_FB
    deg = _deg_table(_DEG_FILE[process])
    sigma_deg = np.array(
        [_eval_1d(deg, _mean_mass(process, c, n1, n2))[0] for n2, c, n1 in d[:, :3]]
    )
    tri = Delaunay(np.column_stack([m_n1, m_n2 - m_n1]))
    if tri.coplanar.size:
        msg = f"{name}: {len(tri.coplanar)} grid nodes were not used as triangle vertices"
        raise RuntimeError(msg)
    return _SplitTable(
        file=name,
        process=process,
        deg=deg,
        m_n2=m_n2,
        m_c1=m_c1,
        m_n1=m_n1,
        sigma_fb=sigma_fb,
        ln_ratio=np.log(sigma_fb / sigma_deg),
        rel_err=d[:, 4],
        tri=tri,
    )


# --------------------------------------------------------------------------------------
# Interpolation
# --------------------------------------------------------------------------------------


def _eval_1d(tab: _Table1D, m: float) -> tuple[float, float, bool]:
    """Power-law interpolation (ln sigma linear in ln m) of ``tab`` at mass ``m`` [GeV].

    Outside the table the last two points at that end are used (power-law extrapolation) and
    the relative uncertainty of the end point is kept. Returns (sigma_fb, rel_err,
    extrapolated); range checks are the caller's job.
    """
    x = math.log(m)
    n = tab.mass.size
    if m < tab.mass[0]:
        i, extrapolated = 0, True
    elif m > tab.mass[-1]:
        i, extrapolated = n - 2, True
    else:
        i = min(int(np.searchsorted(tab.mass, m, side="right")) - 1, n - 2)
        extrapolated = False
    x0, x1 = tab.ln_mass[i], tab.ln_mass[i + 1]
    t = (x - x0) / (x1 - x0)
    ln_s = (1.0 - t) * tab.ln_sigma[i] + t * tab.ln_sigma[i + 1]
    if extrapolated:
        rel = float(tab.rel_err[0] if m < tab.mass[0] else tab.rel_err[-1])
    else:
        rel = float((1.0 - t) * tab.rel_err[i] + t * tab.rel_err[i + 1])
    return math.exp(ln_s), rel, extrapolated


def _lookup_1d(
    tab: _Table1D,
    m: float,
    *,
    process: str,
    order: str,
    sqrt_s_label: str,
    allow_extrapolation: bool,
) -> TableValue:
    if not (tab.mass[0] <= m <= tab.mass[-1]) and not allow_extrapolation:
        raise OutsideTableError(
            process, m, float(tab.mass[0]), float(tab.mass[-1]), tab.file, sqrt_s_label
        )
    sigma, rel, extrapolated = _eval_1d(tab, m)
    how = (
        "power-law extrapolation from the last two points"
        if extrapolated
        else ("ln sigma linear in ln m")
    )
    return TableValue(
        sigma_fb=sigma,
        err_fb=rel * sigma,
        order=order,
        source=f"{tab.file} at m = {m:.6g} GeV ({how})",
        extrapolated=extrapolated,
    )


def _lookup_split(process: str, m_c1: float, m_n1: float, m_n2: float) -> TableValue | None:
    """Split-table value, or None if the spectrum is not on the split-table manifold/grid."""
    if process not in _SPLIT_FILE or abs(m_c1 - 0.5 * (m_n1 + m_n2)) > MIDPOINT_TOL_GEV:
        return None
    tab = _split_table(process)
    p = np.array([m_n1, m_n2 - m_n1])
    s = int(tab.tri.find_simplex(p))
    if s < 0:
        return None
    # Barycentric weights of p in triangle s (scipy's affine transform of the simplex).
    tr = tab.tri.transform[s]
    b = tr[:2] @ (p - tr[2])
    w = np.array([b[0], b[1], 1.0 - b[0] - b[1]])
    v = tab.tri.simplices[s]
    m_mean = _mean_mass(process, m_c1, m_n1, m_n2)
    sigma_deg = _eval_1d(tab.deg, m_mean)[0]
    sigma = sigma_deg * math.exp(float(w @ tab.ln_ratio[v]))
    rel = float(w @ tab.rel_err[v])
    return TableValue(
        sigma_fb=sigma,
        err_fb=rel * sigma,
        order=_ORDER_13,
        source=(
            f"{tab.file} (linear on Delaunay triangles in (mN1, mN2-mN1) of "
            f"ln[sigma/sigma_deg], sigma_deg = {tab.deg.file} at m = {m_mean:.6g} GeV)"
        ),
        extrapolated=False,
    )


# --------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------


def _energy(sqrt_s: float) -> str | None:
    if not math.isfinite(sqrt_s) or sqrt_s <= 0:
        msg = f"sqrt_s must be a positive number of GeV, got {sqrt_s!r}"
        raise ValueError(msg)
    if abs(sqrt_s - 13000.0) < SQRT_S_TOL_GEV:
        return "13 TeV"
    if abs(sqrt_s - 13600.0) < SQRT_S_TOL_GEV:
        return "13.6 TeV"
    return None


def _check_mass(name: str, m: float) -> float:
    m = float(m)
    if not (math.isfinite(m) and m >= 0.0):
        msg = f"{name} must be a finite, non-negative mass in GeV, got {m!r}"
        raise ValueError(msg)
    return m


def nlo_nll(
    process: str,
    *,
    m_c1: float,
    m_n1: float,
    m_n2: float,
    sqrt_s: float,
    allow_extrapolation: bool = False,
) -> TableValue | None:
    """Tabulated higher-order cross section of one Higgsino pair-production process.

    Parameters
    ----------
    process : str
        One of :data:`PROCESSES`: ``"c1p_n2"``, ``"c1m_n2"``, ``"c1p_n1"``, ``"c1m_n1"``,
        ``"n2_n1"``, ``"c1p_c1m"``.
    m_c1, m_n1, m_n2 : float
        Physical (non-negative) masses of chi1+-, chi10, chi20 [GeV].
    sqrt_s : float
        Proton-proton centre-of-mass energy [GeV]. Tables exist for 13000 and 13600
        (matched within :data:`SQRT_S_TOL_GEV`).
    allow_extrapolation : bool, optional
        Extrapolate outside the table mass range (power law through the last two table
        points) instead of raising :class:`OutsideTableError`.

    Returns
    -------
    TableValue or None
        ``None`` when no table exists for this process at this energy (any energy other than
        13 and 13.6 TeV; at 13.6 TeV every process except ``c1p_c1m``).

    Raises
    ------
    ValueError
        Unknown process, negative or non-finite masses, non-positive sqrt_s.
    OutsideTableError
        The (mean) mass is outside the table and ``allow_extrapolation`` is False.

    Notes
    -----
    13 TeV: if m(C1) is at the midpoint of m(N1) and m(N2) (within :data:`MIDPOINT_TOL_GEV`)
    and (m(N1), m(N2) - m(N1)) is inside the convex hull of the ``hinosplit`` grid, the split
    table is used (n2_n1, c1p_n2, c1m_n2, c1p_c1m). Otherwise, and always for c1p_n1 and
    c1m_n1, the degenerate table is evaluated at the mean mass of the produced pair
    ((m_a + m_b)/2; m(C1) for c1p_c1m). Tables: LHC SUSY XS WG, Resummino NLO+NLL; the
    13.6 TeV C1C1 table is aNNLO+NNLL (arXiv:2304.11915). Policy, sources and validation:
    ``docs/cross_sections.md``.

    Examples
    --------
    >>> v = nlo_nll("c1p_n2", m_c1=100.0, m_n1=100.0, m_n2=100.0, sqrt_s=13000.0)
    >>> round(v.sigma_fb, 1), v.order
    (3293.9, 'NLO+NLL')
    """
    if process not in PROCESSES:
        msg = f"unknown process {process!r}; expected one of {', '.join(PROCESSES)}"
        raise ValueError(msg)
    m_c1 = _check_mass("m_c1", m_c1)
    m_n1 = _check_mass("m_n1", m_n1)
    m_n2 = _check_mass("m_n2", m_n2)
    energy = _energy(sqrt_s)
    if energy is None:
        return None
    m_mean = _mean_mass(process, m_c1, m_n1, m_n2)
    if m_mean <= 0.0:
        msg = f"{process}: the produced pair has zero mass"
        raise ValueError(msg)
    if energy == "13.6 TeV":
        if process != "c1p_c1m":
            return None
        return _lookup_1d(
            _table_13p6("C1C1"),
            m_mean,
            process=process,
            order=_ORDER_13P6,
            sqrt_s_label=energy,
            allow_extrapolation=allow_extrapolation,
        )
    split = _lookup_split(process, m_c1, m_n1, m_n2)
    if split is not None:
        return split
    return _lookup_1d(
        _deg_table(_DEG_FILE[process]),
        m_mean,
        process=process,
        order=_ORDER_13,
        sqrt_s_label=energy,
        allow_extrapolation=allow_extrapolation,
    )


def nlo_nll_sum_c1pm_n2(
    *, m_c1: float, m_n: float, sqrt_s: float, allow_extrapolation: bool = False
) -> TableValue | None:
    """Charge-summed sigma(chi_n chi1+) + sigma(chi_n chi1-) from the degenerate tables.

    The table is evaluated at the mean mass of the pair, (m_c1 + m_n) / 2, the convention
    of :func:`nlo_nll`. In the degenerate limit the same value holds for the neutralino
    chi20 and chi10 (the WG "N_i C1" tables), so ``m_n`` may be either neutralino mass.

    Parameters
    ----------
    m_c1 : float
        Physical (non-negative) mass of chi1+- [GeV].
    m_n : float
        Physical (non-negative) mass of the neutralino produced with it (chi20 or chi10) [GeV].
    sqrt_s : float
        Proton-proton centre-of-mass energy [GeV].
    allow_extrapolation : bool, optional
        Extrapolate outside the table (power law through the last two points) instead of
        raising :class:`OutsideTableError`.

    Returns
    -------
    TableValue or None
        13.6 TeV: the "N2C1" entry of the aNNLO+NNLL table (``order="aNNLO+NNLL"``), which
        is the sum over both chargino charges for one neutralino species (inferred in the
        reference notes: 6229.35 fb / 5325.95 fb = 1.17 at 100 GeV, the same 13.6/13 TeV
        ratio as C1C1). 13 TeV: the WG envelope table of the same quantity
        (N_i C1+ + N_i C1-, ``order="NLO+NLL"``), so that both energies can be handled alike.
        ``None`` at any other energy. The caller splits + and - (e.g. with the LO charge
        ratio).

    Raises
    ------
    ValueError
        Negative or non-finite masses, zero mean mass, non-positive sqrt_s.
    OutsideTableError
        Mean mass outside the table (13.6 TeV: 100-1000 GeV; 13 TeV: 80-1500 GeV) and
        ``allow_extrapolation`` is False.

    Notes
    -----
    The 13 TeV split (``hinosplit``) tables are not used here: this function serves the
    degenerate-limit charge sum (the quantity tabulated at 13.6 TeV). Use :func:`nlo_nll` for
    per-charge values at 13 TeV.

    Examples
    --------
    >>> round(nlo_nll_sum_c1pm_n2(m_c1=100.0, m_n=100.0, sqrt_s=13600.0).sigma_fb, 2)
    6229.35
    """
    m_c1 = _check_mass("m_c1", m_c1)
    m_n = _check_mass("m_n", m_n)
    m = 0.5 * (m_c1 + m_n)
    if m <= 0.0:
        msg = "c1pm_n2: the produced pair has zero mass"
        raise ValueError(msg)
    energy = _energy(sqrt_s)
    if energy is None:
        return None
    if energy == "13.6 TeV":
        tab, order = _table_13p6("N2C1"), _ORDER_13P6
    else:
        tab, order = _deg_table(_SUM13_FILE), _ORDER_13
    return _lookup_1d(
        tab,
        m,
        process="c1pm_n2",
        order=order,
        sqrt_s_label=energy,
        allow_extrapolation=allow_extrapolation,
    )
