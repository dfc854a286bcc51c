"""Parton distributions: locate and read LHAPDF 6 ``lhagrid1`` sets into numba-ready grids.

The default set is NNPDF3.1 LO with alpha_s(m_Z) = 0.130 (``NNPDF31_lo_as_0130``, the
set of the CMS CP2 tune), read from the copy shipped in the ``pythia8mc`` wheel
(``<prefix>/share/Pythia8/pdfdata/NNPDF31_lo_as_0130_0000.dat``), so it works offline.
Any other LHAPDF 6 set is found on ``$LHAPDF_DATA_PATH`` / ``$LHAPATH`` or given by path.

Interpolation, extrapolation and the alpha_s table follow LHAPDF 6 (A. Buckley et al.,
Eur. Phys. J. C75 (2015) 132, arXiv:1412.7420); the kernels are in
:mod:`higgsino_sim.kernels.pdf_interp` and the details in ``docs/pdf.md``.

Examples
--------
>>> import numpy as np
>>> from higgsino_sim.pdf import load_pdf
>>> from higgsino_sim.kernels.pdf_interp import xfx_all, alphas_q2
>>> pdf = load_pdf()                                    # doctest: +SKIP
>>> xfx_all(pdf.grid, 0.01, 100.0**2, np.empty(11))[5]  # x g(x = 0.01, Q = 100 GeV)  # doctest: +SKIP
>>> alphas_q2(pdf.alphas_grid, 91.1876**2)              # doctest: +SKIP
0.13
"""

from __future__ import annotations

import functools
import importlib.metadata
import importlib.util
import itertools
import logging
import math
import os
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from higgsino_sim.errors import HsimError, UsageError

__all__ = [
    "DEFAULT_PDF",
    "SLOT_PIDS",
    "PdfFormatError",
    "PdfNotFoundError",
    "PdfSet",
    "find_pdf",
    "load_pdf",
    "pythia_pdfdata_dirs",
]

logger = logging.getLogger(__name__)

#: Name of the default set (NNPDF3.1 LO, alpha_s(m_Z) = 0.130).
DEFAULT_PDF = "NNPDF31_lo_as_0130"

#: PDG id held by each slot of the kernels' output array (gluon = 21 in slot 5).
SLOT_PIDS: tuple[int, ...] = (-5, -4, -3, -2, -1, 21, 1, 2, 3, 4, 5)

#: Metadata of sets whose .dat may come without its .info (the pythia8mc wheel ships only
#: the .dat). NNPDF31_lo_as_0130 (LHAPDF id 315200): alpha_s(m_Z) = 0.130 at LO, i.e.
#: one-loop running; pole masses m_c = 1.51 GeV, m_b = 4.92 GeV, m_t = 172.5 GeV and
#: m_Z = 91.1876 GeV (NNPDF3.1 paper, arXiv:1706.00428, theory settings); at most five
#: active flavours (the grid has no top column). The grid itself confirms m_b: its two Q
#: subgrids meet at Q = 4.92 GeV. See docs/pdf.md.
_BUILTIN_INFO: dict[str, dict[str, float]] = {
    "NNPDF31_lo_as_0130": {
        "AlphaS_MZ": 0.130,
        "AlphaS_OrderQCD": 0,
        "MZ": 91.1876,
        "MCharm": 1.51,
        "MBottom": 4.92,
        "MTop": 172.5,
        "NumFlavors": 5,
    },
}

_PYTHIA_PDFDATA = Path("share") / "Pythia8" / "pdfdata"
_MEMBER_RE = re.compile(r"^(?P<name>.+)_(?P<member>\d{4})$")
_SEPARATOR_RE = re.compile(r"\n[ \t]*---[ \t]*(?=\n|$)")
_COMMENT_RE = re.compile(r"^[ \t]*#.*\n?", re.MULTILINE)
#: Spacing in ln Q^2 of alpha_s tables we build by running (docs/pdf.md, alpha_s).
_ALPHAS_TABLE_STEP = 0.02


class PdfNotFoundError(UsageError):
    """The PDF set (or member file) could not be found; the message lists where we looked."""


class PdfFormatError(HsimError, ValueError):
    """A PDF file is unreadable, corrupt or lacks metadata; the message names file and problem."""


# --------------------------------------------------------------------------------------
# Locating sets
# --------------------------------------------------------------------------------------


def pythia_pdfdata_dirs() -> list[Path]:
    """Existing ``share/Pythia8/pdfdata`` folders of the installed ``pythia8mc``.

    Looked for, in order, in: the distribution's installed file list
    (``importlib.metadata.files("pythia8mc")``), ``sys.prefix`` and ``sys.base_prefix``,
    the sibling of ``$PYTHIA8DATA`` (which points at ``.../share/Pythia8/xmldoc``), and
    the prefix above the ``pythia8mc`` module. ``pythia8mc`` is not imported.

    Returns
    -------
    list of Path
        Distinct existing folders, in search order.
    """
    return [p for p in _pythia_candidate_dirs() if p.is_dir()]


def _pythia_candidate_dirs() -> list[Path]:
    cands: list[Path] = []
    try:
        dist = importlib.metadata.distribution("pythia8mc")
        for f in dist.files or ():
            if f.parent.name == "pdfdata" and f.parent.parent.name == "Pythia8":
                cands.append(Path(dist.locate_file(f)).parent)
                break
    except importlib.metadata.PackageNotFoundError:
        pass
    cands += [Path(sys.prefix) / _PYTHIA_PDFDATA, Path(sys.base_prefix) / _PYTHIA_PDFDATA]
    xmldoc = os.environ.get("PYTHIA8DATA")
    if xmldoc:
        cands.append(Path(xmldoc).parent / "pdfdata")
    try:
        spec = importlib.util.find_spec("pythia8mc")
    except (ImportError, ValueError):
        spec = None
    if spec is not None and spec.origin:
        for parent in list(Path(spec.origin).resolve().parents)[:5]:
            cands.append(parent / _PYTHIA_PDFDATA)
    seen: set[str] = set()
    out: list[Path] = []
    for c in cands:
        key = os.path.normpath(os.path.abspath(c))
        if key not in seen:
            seen.add(key)
            out.append(Path(key))
    return out


def _env_dirs(var: str) -> list[Path]:
    return [Path(p) for p in os.environ.get(var, "").split(os.pathsep) if p]


def find_pdf(name_or_path: str | os.PathLike[str] = DEFAULT_PDF) -> Path:
    """Locate the central member (``*_0000.dat``) of a PDF set, or a given member file.

    Parameters
    ----------
    name_or_path : str or os.PathLike
        One of: (a) a path to a member ``.dat`` file; (b) a path to a set folder holding
        ``NAME/NAME_0000.dat`` (and ``NAME.info``); (c) a set NAME, looked up as
        ``NAME/NAME_0000.dat`` in each entry of ``$LHAPDF_DATA_PATH`` and then ``$LHAPATH``
        (``os.pathsep``-separated), then as ``NAME_0000.dat`` in the ``pythia8mc``
        ``pdfdata`` folder(s) (:func:`pythia_pdfdata_dirs`).

    Returns
    -------
    Path
        The member file.

    Raises
    ------
    PdfNotFoundError
        With a one-line message naming the set, every place looked and how to fix it.
    """
    raw = os.fspath(name_or_path)
    path = Path(raw).expanduser()
    if path.is_file():
        return path
    if path.is_dir():
        member = path / f"{path.name}_0000.dat"
        if member.is_file():
            return member
        msg = (
            f"PDF set folder {str(path)!r} has no central member {member.name!r}; "
            "pass the path of a member .dat file or a folder NAME holding NAME_0000.dat"
        )
        raise PdfNotFoundError(msg)
    looks_like_path = os.sep in raw or (os.altsep is not None and os.altsep in raw)
    if looks_like_path or raw.endswith(".dat"):
        msg = (
            f"PDF file or set folder {raw!r} does not exist; give an existing path, "
            f"or a set name (e.g. {DEFAULT_PDF!r}) found on LHAPDF_DATA_PATH"
        )
        raise PdfNotFoundError(msg)

    name = raw
    tried: list[str] = []
    for var in ("LHAPDF_DATA_PATH", "LHAPATH"):
        dirs = _env_dirs(var)
        if not dirs:
            tried.append(f"${var} (unset)")
        for d in dirs:
            cand = d / name / f"{name}_0000.dat"
            tried.append(f"{cand} (${var})")
            if cand.is_file():
                return cand
    for d in _pythia_candidate_dirs():
        cand = d / f"{name}_0000.dat"
        tried.append(f"{cand} (pythia8mc pdfdata)")
        if cand.is_file():
            return cand
    msg = (
        f"PDF set {name!r} not found; looked in: {'; '.join(tried)}. "
        f"Fix: set LHAPDF_DATA_PATH to a folder holding {name}/{name}_0000.dat "
        f"(and {name}.info), or pass the path of the .dat file or of the set folder"
    )
    raise PdfNotFoundError(msg)


# --------------------------------------------------------------------------------------
# The set object
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, eq=False)
class PdfSet:
    """One member of an LHAPDF 6 set, as grids for the numba kernels.

    Attributes
    ----------
    name : str
        Set name (``NNPDF31_lo_as_0130``).
    path : Path
        The member ``.dat`` file read.
    info_path : Path or None
        The ``NAME.info`` file read, or None (built-in metadata, see docs/pdf.md).
    member : int
        Member number (0 = central).
    alphas_mz : float
        alpha_s(m_Z) of the set.
    alphas_order : int
        QCD order of the alpha_s running (0 = LO, one loop; 1 = NLO; 2 = NNLO).
    mz : float
        Z mass used for ``alphas_mz`` [GeV].
    alphas_source : str
        Where the alpha_s table comes from (``.info`` table or our own running).
    x_min, x_max : float
        First and last x knot.
    q_min, q_max : float
        First and last Q knot [GeV].
    flavours : tuple of int
        PDG ids present in the file (gluon as 21); only -5..5 and 21 are used.
    thresholds : tuple of float
        Q values [GeV] where subgrids meet (flavour thresholds).
    load_seconds : float
        Wall time of reading and preparing the grid [s].
    grid : tuple of ndarray
        ``(xs, log_xs, q2s, log_q2s, coeffs, q_mode)``, passed as-is to
        :func:`higgsino_sim.kernels.pdf_interp.xfx_all`.
    alphas_grid : tuple of ndarray
        ``(q2s, log_q2s, alphas, as_mode)``, passed as-is to
        :func:`higgsino_sim.kernels.pdf_interp.alphas_q2`.
    """

    name: str
    path: Path
    info_path: Path | None
    member: int
    alphas_mz: float
    alphas_order: int
    mz: float
    alphas_source: str
    x_min: float
    x_max: float
    q_min: float
    q_max: float
    flavours: tuple[int, ...]
    thresholds: tuple[float, ...]
    load_seconds: float
    grid: tuple[np.ndarray, ...]
    alphas_grid: tuple[np.ndarray, ...]

    def xfx(self, x: np.ndarray | float, q2: np.ndarray | float) -> np.ndarray:
        """x f(x, Q^2) for ids -5..5 (slots as :data:`SLOT_PIDS`).

        Parameters
        ----------
        x : float or ndarray of float64, shape (n,)
            Momentum fractions.
        q2 : float or ndarray of float64, shape (n,)
            Scales squared [GeV^2] (broadcast against ``x``).

        Returns
        -------
        ndarray of float64, shape (n, 11)
        """
        from higgsino_sim.kernels.pdf_interp import xfx_all_array

        xb, qb = np.broadcast_arrays(np.atleast_1d(np.asarray(x, np.float64)), q2)
        xa = np.array(xb, dtype=np.float64, order="C").ravel()
        qa = np.array(qb, dtype=np.float64, order="C").ravel()
        return xfx_all_array(self.grid, xa, qa, np.empty((xa.size, 11)))

    def alphas(self, q2: np.ndarray | float) -> np.ndarray:
        """alpha_s(Q^2) from the set's table.

        Parameters
        ----------
        q2 : float or ndarray of float64
            Renormalisation scale squared [GeV^2].

        Returns
        -------
        ndarray of float64, same shape as ``q2`` (0-d for a scalar)
        """
        from higgsino_sim.kernels.pdf_interp import alphas_q2_array

        qa = np.asarray(q2, np.float64)
        flat = np.ascontiguousarray(qa.ravel())
        return alphas_q2_array(self.alphas_grid, flat, np.empty(flat.size)).reshape(qa.shape)


def load_pdf(name_or_path: str | os.PathLike[str] = DEFAULT_PDF) -> PdfSet:
    """Read an LHAPDF 6 ``lhagrid1`` member into a :class:`PdfSet`.

    Parameters
    ----------
    name_or_path : str or os.PathLike
        Set name, set folder or member file (see :func:`find_pdf`). Default: the
        NNPDF3.1 LO set shipped with ``pythia8mc``.

    Returns
    -------
    PdfSet
        Cached per (file, modification time): loading the same set again is free.

    Raises
    ------
    PdfNotFoundError
        The set is not found.
    PdfFormatError
        The file is corrupt, or a set without ``.info`` has no built-in metadata.
    """
    path = find_pdf(name_or_path).resolve()
    name, _ = _set_name(path)
    info = path.parent / f"{name}.info"
    return _load_cached(str(path), _stamp(path), str(info), _stamp(info))


def _stamp(p: Path) -> tuple[int, int]:
    try:
        st = p.stat()
    except OSError:
        return (-1, -1)
    return (st.st_mtime_ns, st.st_size)


def _set_name(path: Path) -> tuple[str, int]:
    m = _MEMBER_RE.match(path.stem)
    if m is None:
        return path.stem, 0
    return m["name"], int(m["member"])


@functools.lru_cache(maxsize=8)
def _load_cached(
    path_s: str, _stamp_dat: tuple[int, int], info_s: str, _stamp_info: tuple[int, int]
) -> PdfSet:
    t0 = time.perf_counter()
    path = Path(path_s)
    name, member = _set_name(path)
    xs, qs_sub, xf, flavours = _read_lhagrid1(path)
    grid, thresholds = _build_grid(xs, qs_sub, xf)

    info_path: Path | None = Path(info_s)
    if info_path is not None and info_path.is_file():
        meta = _read_info(info_path)
    elif name in _BUILTIN_INFO:
        meta = dict(_BUILTIN_INFO[name])
        info_path = None
    else:
        msg = (
            f"{path}: no {name}.info beside it, and {name!r} has no built-in metadata "
            f"(only {', '.join(sorted(_BUILTIN_INFO))}); put the set's {name}.info "
            "(from the LHAPDF set tarball) in the same folder to give alpha_s"
        )
        raise PdfFormatError(msg)
    q_lo = min(1.0, float(qs_sub[0][0]))
    q_hi = float(qs_sub[-1][-1])
    alphas_grid, as_mz, order, mz, source = _alphas_table(
        meta, info_path if info_path else path, q_lo, q_hi
    )
    for arr in (*grid, *alphas_grid):
        arr.setflags(write=False)
    dt = time.perf_counter() - t0
    pdf = PdfSet(
        name=name,
        path=path,
        info_path=info_path,
        member=member,
        alphas_mz=as_mz,
        alphas_order=order,
        mz=mz,
        alphas_source=source,
        x_min=float(xs[0]),
        x_max=float(xs[-1]),
        q_min=float(qs_sub[0][0]),
        q_max=q_hi,
        flavours=flavours,
        thresholds=thresholds,
        load_seconds=dt,
        grid=grid,
        alphas_grid=alphas_grid,
    )
    logger.info(
        "PDF %s member %d: %d x knots, %d Q subgrids %s, alpha_s(mZ) = %.4f (%s); "
        "loaded in %.1f ms from %s",
        name,
        member,
        xs.size,
        len(qs_sub),
        [q.size for q in qs_sub],
        as_mz,
        source,
        1e3 * dt,
        path,
    )
    return pdf


# --------------------------------------------------------------------------------------
# lhagrid1 parsing
# --------------------------------------------------------------------------------------


def _float_row(path: Path, line: str, what: str, block: int) -> np.ndarray:
    try:
        arr = np.array(line.split(), dtype=np.float64)
    except ValueError as e:
        msg = f"{path}: subgrid {block}: {what} line is not numeric ({e})"
        raise PdfFormatError(msg) from None
    if arr.size == 0:
        msg = f"{path}: subgrid {block}: empty {what} line"
        raise PdfFormatError(msg)
    return arr


def _read_lhagrid1(
    path: Path,
) -> tuple[np.ndarray, list[np.ndarray], list[np.ndarray], tuple[int, ...]]:
    """Parse an lhagrid1 member file.

    Returns the x knots, the Q knots of each subgrid, the x f values of each subgrid
    mapped to the 11 slots (shape (nx, nq_sub, 11), absent flavours zero) and the PDG ids
    present. Format: LHAPDF 6 ``lhagrid1`` (arXiv:1412.7420, Sec. 3.2): a header of
    ``key: value`` lines, then subgrids each ended by ``---``: x knots, Q knots [GeV],
    flavour ids, then nx * nq lines (x outer, Q inner) of one value per flavour.
    """
    try:
        text = path.read_text(encoding="utf-8", errors="strict")
    except (OSError, UnicodeDecodeError) as e:
        msg = f"{path}: cannot read PDF grid file ({e})"
        raise PdfFormatError(msg) from None
    if "#" in text:
        text = _COMMENT_RE.sub("", text)
    blocks = _SEPARATOR_RE.split("\n" + text)
    if len(blocks) < 3:
        msg = f"{path}: not an lhagrid1 file (no '---'-separated subgrid blocks)"
        raise PdfFormatError(msg)
    header, *subs, tail = blocks
    fmt = re.search(r"^[ \t]*Format[ \t]*:[ \t]*(\S+)", header, re.MULTILINE)
    if fmt is None or fmt[1] != "lhagrid1":
        found = fmt[1] if fmt else "none"
        msg = f"{path}: header says Format: {found}; only 'lhagrid1' grids are supported"
        raise PdfFormatError(msg)
    if tail.strip():
        msg = (
            f"{path}: file does not end with a '---' line after the last subgrid "
            "(truncated or corrupt)"
        )
        raise PdfFormatError(msg)

    xs: np.ndarray | None = None
    qs_sub: list[np.ndarray] = []
    xf_sub: list[np.ndarray] = []
    flavours: list[int] = []
    for ib, block in enumerate(subs, start=1):
        parts = block.strip("\n").split("\n", 3)
        if len(parts) < 4:
            msg = f"{path}: subgrid {ib} is incomplete (needs x, Q, flavour and value lines)"
            raise PdfFormatError(msg)
        x = _float_row(path, parts[0], "x-knot", ib)
        q = _float_row(path, parts[1], "Q-knot", ib)
        try:
            pids = [int(t) for t in parts[2].split()]
        except ValueError:
            msg = f"{path}: subgrid {ib}: flavour line {parts[2].strip()!r} is not integers"
            raise PdfFormatError(msg) from None
        if xs is None:
            xs = x
            if x.size < 4 or not (x[0] > 0.0 and x[-1] <= 1.0 and np.all(np.diff(x) > 0)):
                msg = (
                    f"{path}: x knots must be at least 4, increasing, in (0, 1] "
                    f"(got {x.size} from {x[0]:g} to {x[-1]:g})"
                )
                raise PdfFormatError(msg)
        elif x.shape != xs.shape or not np.array_equal(x, xs):
            msg = f"{path}: subgrid {ib} has different x knots from subgrid 1 (unsupported)"
            raise PdfFormatError(msg)
        if q.size < 2 or not (q[0] > 0.0 and np.all(np.diff(q) > 0)):
            msg = f"{path}: subgrid {ib}: Q knots must be at least 2, positive and increasing"
            raise PdfFormatError(msg)
        if qs_sub and q[0] < qs_sub[-1][-1]:
            msg = (
                f"{path}: subgrid {ib} starts at Q = {q[0]:g} GeV, below the end of the "
                f"previous one ({qs_sub[-1][-1]:g} GeV)"
            )
            raise PdfFormatError(msg)
        n_lines = xs.size * q.size
        body = parts[3].strip()
        if body.count("\n") + 1 != n_lines:
            msg = (
                f"{path}: subgrid {ib} has {body.count(chr(10)) + 1} value lines, expected "
                f"{n_lines} ({xs.size} x knots * {q.size} Q knots)"
            )
            raise PdfFormatError(msg)
        try:
            vals = np.array(body.split(), dtype=np.float64)
        except ValueError as e:
            msg = f"{path}: subgrid {ib}: non-numeric value ({e})"
            raise PdfFormatError(msg) from None
        if vals.size != n_lines * len(pids):
            msg = (
                f"{path}: subgrid {ib} has {vals.size} values, expected {n_lines * len(pids)} "
                f"({n_lines} lines * {len(pids)} flavours)"
            )
            raise PdfFormatError(msg)
        if not np.all(np.isfinite(vals)):
            msg = f"{path}: subgrid {ib} contains non-finite values"
            raise PdfFormatError(msg)
        vals = vals.reshape(xs.size, q.size, len(pids))
        slots = np.zeros((xs.size, q.size, 11))
        used: set[int] = set()
        for col, pid in enumerate(pids):
            pid_n = 21 if pid == 0 else pid
            if pid_n in used:
                msg = f"{path}: subgrid {ib}: flavour {pid} appears twice"
                raise PdfFormatError(msg)
            used.add(pid_n)
            if pid_n not in flavours:
                flavours.append(pid_n)
            if pid_n in SLOT_PIDS:
                slots[:, :, SLOT_PIDS.index(pid_n)] = vals[:, :, col]
        qs_sub.append(q)
        xf_sub.append(slots)
    assert xs is not None
    return xs, qs_sub, xf_sub, tuple(flavours)


def _build_grid(
    xs: np.ndarray, qs_sub: list[np.ndarray], xf_sub: list[np.ndarray]
) -> tuple[tuple[np.ndarray, ...], tuple[float, ...]]:
    """Merge subgrids and precompute the x-direction Hermite data (LHAPDF 6.5).

    As ``GridPDF::_computePolynomialCoefficients(logspace=true)``: the slope at knot i is
    the mean of the neighbouring difference quotients in ln x (one-sided at the ends); on
    interval i we store VL, VDL, VH, VDH (values at both ends, slopes times the interval
    width), from which LHAPDF forms a = VDH + VDL - 2 VH + 2 VL, b = 3 VH - 3 VL - 2 VDL
    - VDH, c = VDL, d = VL; the kernel evaluates the same cubic in Hermite form.
    """
    q = np.concatenate(qs_sub)
    q2s = q * q
    f = np.concatenate(xf_sub, axis=1)  # (nx, nq, 11)
    log_xs = np.log(xs)
    log_q2s = np.log(q2s)
    dl = np.diff(log_xs)[:, None, None]
    slope = np.empty_like(f)
    diffq = (f[1:] - f[:-1]) / dl
    slope[1:-1] = 0.5 * (diffq[:-1] + diffq[1:])
    slope[0] = diffq[0]
    slope[-1] = diffq[-1]
    vl, vh = f[:-1], f[1:]
    vdl, vdh = slope[:-1] * dl, slope[1:] * dl
    nq = q2s.size
    coeffs = np.zeros((xs.size - 1, nq + 2, 4, 11))
    coeffs[:, 1:-1, 0] = vl
    coeffs[:, 1:-1, 1] = vdl
    coeffs[:, 1:-1, 2] = vh
    coeffs[:, 1:-1, 3] = vdh
    q_mode = _interval_modes(q2s)
    thresholds = tuple(float(s[0]) for s in qs_sub[1:])
    grid = (
        np.ascontiguousarray(xs, np.float64),
        log_xs,
        q2s,
        log_q2s,
        coeffs,
        q_mode,
    )
    return grid, thresholds


def _interval_modes(q2s: np.ndarray) -> np.ndarray:
    """Interval codes: 0 interior, 1 first of a subgrid, 2 last, 3 both, -1 zero width.

    A subgrid edge is the first/last knot or a repeated knot (LHAPDF ``q2_lower`` /
    ``q2_upper`` in ``LogBicubicInterpolator.cc``).
    """
    n = q2s.size
    mode = np.zeros(n - 1, dtype=np.int64)
    for i in range(n - 1):
        if q2s[i + 1] == q2s[i]:
            mode[i] = -1
            continue
        lower = i == 0 or q2s[i] == q2s[i - 1]
        upper = i + 1 == n - 1 or q2s[i + 1] == q2s[i + 2]
        mode[i] = (1 if lower else 0) + (2 if upper else 0)
    return mode


# --------------------------------------------------------------------------------------
# .info metadata and alpha_s
# --------------------------------------------------------------------------------------


def _parse_scalar(v: str) -> object:
    v = v.strip()
    if len(v) >= 2 and v[0] == v[-1] and v[0] in "\"'":
        return v[1:-1]
    try:
        return int(v)
    except ValueError:
        pass
    try:
        return float(v)
    except ValueError:
        return v


def _read_info(path: Path) -> dict[str, object]:
    """Read the ``key: value`` lines of an LHAPDF ``.info`` file (a YAML subset).

    Scalars and flow lists ``[a, b, ...]`` (possibly over several lines) are understood;
    that covers every key this module uses.
    """
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as e:
        msg = f"{path}: cannot read .info file ({e})"
        raise PdfFormatError(msg) from None
    out: dict[str, object] = {}
    key: str | None = None
    buf = ""
    for line in text.splitlines():
        if line.lstrip().startswith("#"):
            continue
        s = line.rstrip()
        if key is not None:  # continuing a multi-line flow list
            buf += " " + s.strip()
            if buf.count("[") <= buf.count("]"):
                body = buf[buf.index("[") + 1 : buf.rindex("]")]
                out[key] = [_parse_scalar(t) for t in body.split(",") if t.strip()]
                key = None
            continue
        m = re.match(r"^([A-Za-z_][\w]*)\s*:\s*(.*)$", s)
        if m is None:
            continue
        k, v = m[1], m[2].strip()
        if v[:1] not in ("'", '"') and " #" in v:  # trailing comment
            v = v.split(" #", 1)[0].rstrip()
        if v.startswith("["):
            if v.count("[") <= v.count("]"):
                out[k] = [_parse_scalar(t) for t in v[1 : v.rindex("]")].split(",") if t.strip()]
            else:
                key, buf = k, v
        else:
            out[k] = _parse_scalar(v)
    if key is not None:
        msg = f"{path}: unterminated list for key {key!r}"
        raise PdfFormatError(msg)
    return out


def _meta_float(meta: dict[str, object], key: str, src: Path) -> float:
    try:
        return float(meta[key])  # type: ignore[arg-type]
    except KeyError:
        msg = f"{src}: metadata key {key!r} is missing (needed for alpha_s)"
        raise PdfFormatError(msg) from None
    except (TypeError, ValueError):
        msg = f"{src}: metadata key {key!r} = {meta[key]!r} is not a number"
        raise PdfFormatError(msg) from None


def _alphas_table(
    meta: dict[str, object], src: Path, q_lo: float, q_hi: float
) -> tuple[tuple[np.ndarray, ...], float, int, float, str]:
    """The alpha_s table: the .info's ``AlphaS_Qs``/``AlphaS_Vals`` or our own running."""
    mz = float(meta.get("MZ", 91.1876))  # type: ignore[arg-type]
    order = int(meta.get("AlphaS_OrderQCD", meta.get("OrderQCD", 0)))  # type: ignore[call-overload]
    if "AlphaS_Qs" in meta and "AlphaS_Vals" in meta:
        try:
            qs = np.array(meta["AlphaS_Qs"], dtype=np.float64)
            vals = np.array(meta["AlphaS_Vals"], dtype=np.float64)
        except (TypeError, ValueError):
            msg = f"{src}: AlphaS_Qs / AlphaS_Vals are not lists of numbers"
            raise PdfFormatError(msg) from None
        if qs.size != vals.size or qs.size < 2 or not np.all(np.diff(qs) >= 0) or qs[0] <= 0:
            msg = (
                f"{src}: AlphaS_Qs ({qs.size}) and AlphaS_Vals ({vals.size}) must have equal "
                "length >= 2 with positive non-decreasing Q"
            )
            raise PdfFormatError(msg)
        q2s = qs * qs
        grid = (q2s, np.log(q2s), vals, _interval_modes(q2s))
        if "AlphaS_MZ" in meta:
            as_mz = _meta_float(meta, "AlphaS_MZ", src)
        else:
            from higgsino_sim.kernels.pdf_interp import alphas_q2

            as_mz = float(alphas_q2(grid, mz * mz))
        return grid, as_mz, order, mz, f"{src.name}: AlphaS_Qs/AlphaS_Vals table"
    as_mz = _meta_float(meta, "AlphaS_MZ", src)
    if order not in (0, 1, 2):
        msg = f"{src}: AlphaS_OrderQCD = {order} without an AlphaS_Qs table (only 0-2 supported)"
        raise PdfFormatError(msg)
    nf_max = int(meta.get("NumFlavors", 5))  # type: ignore[call-overload]
    masses = [
        _meta_float(meta, k, src) for k in ("MCharm", "MBottom", "MTop")[: max(0, nf_max - 3)]
    ]
    q2s, vals = running_alphas_table(as_mz, mz, order, masses, q_lo, q_hi, _ALPHAS_TABLE_STEP)
    grid = (q2s, np.log(q2s), vals, _interval_modes(q2s))
    loops = order + 1
    what = "built-in metadata" if src.suffix != ".info" else src.name
    source = (
        f"{loops}-loop running from alpha_s(mZ) = {as_mz:g} with thresholds "
        f"{', '.join(f'{m:g}' for m in masses)} GeV ({what})"
    )
    return grid, as_mz, order, mz, source


def _beta(nf: int) -> tuple[float, float, float]:
    """b0, b1, b2 of mu^2 d alpha_s / d mu^2 = -(b0 a^2 + b1 a^3 + b2 a^4).

    PDG 2024, Review "Quantum chromodynamics", Eq. (9.3)-(9.5).
    """
    pi = math.pi
    b0 = (33.0 - 2.0 * nf) / (12.0 * pi)
    b1 = (153.0 - 19.0 * nf) / (24.0 * pi**2)
    b2 = (2857.0 - 5033.0 / 9.0 * nf + 325.0 / 27.0 * nf**2) / (128.0 * pi**3)
    return b0, b1, b2


def _run(a: float, l0: float, l1: float, nf: int, order: int) -> float:
    """alpha_s at ln Q^2 = l1 from a at l0 with nf flavours, (order + 1)-loop running."""
    b0, b1, b2 = _beta(nf)
    if order == 0:  # exact one-loop solution, PDG Eq. (9.4) truncated at b0
        return a / (1.0 + a * b0 * (l1 - l0))
    n = max(1, math.ceil(abs(l1 - l0) / 0.005))
    h = (l1 - l0) / n

    def rhs(y: float) -> float:
        return -(y * y) * (b0 + b1 * y + (b2 * y * y if order >= 2 else 0.0))

    for _ in range(n):  # classical RK4
        k1 = rhs(a)
        k2 = rhs(a + 0.5 * h * k1)
        k3 = rhs(a + 0.5 * h * k2)
        k4 = rhs(a + h * k3)
        a += h * (k1 + 2.0 * k2 + 2.0 * k3 + k4) / 6.0
    return a


def running_alphas_table(
    alphas_mz: float,
    mz: float,
    order: int,
    masses: list[float],
    q_lo: float,
    q_hi: float,
    step: float = _ALPHAS_TABLE_STEP,
) -> tuple[np.ndarray, np.ndarray]:
    """Tabulate alpha_s(Q^2) in the LHAPDF ``AlphaS_Qs``/``AlphaS_Vals`` layout.

    Parameters
    ----------
    alphas_mz : float
        alpha_s(m_Z^2).
    mz : float
        m_Z [GeV].
    order : int
        0, 1, 2 for one-, two-, three-loop running (PDG QCD review Eq. 9.3-9.5).
    masses : list of float
        Flavour thresholds [GeV] in increasing order (m_c, m_b[, m_t]); nf = 3 below the
        first, +1 above each; alpha_s continuous across them (no decoupling constants).
    q_lo, q_hi : float
        Table range [GeV].
    step : float
        Knot spacing in ln Q^2 (knots sit at ln m_Z^2 + k step, plus the range ends and
        the thresholds, which appear twice so that each flavour region is its own subgrid).

    Returns
    -------
    q2s, alphas : ndarray of float64
        Knots [GeV^2] (non-decreasing) and alpha_s values.
    """
    lmz = math.log(mz * mz)
    bounds = [math.log(q_lo * q_lo)]
    bounds += [math.log(m * m) for m in masses if q_lo < m < q_hi]
    bounds.append(math.log(q_hi * q_hi))
    lthr = [math.log(m * m) for m in masses]

    def nf_at(lq: float) -> int:
        return 3 + sum(1 for t in lthr if lq > t)

    knots: list[float] = []
    for a, b in itertools.pairwise(bounds):
        k0 = math.floor((a - lmz) / step) + 1
        k1 = math.ceil((b - lmz) / step) - 1
        inner = [lmz + k * step for k in range(k0, k1 + 1)]
        inner = [v for v in inner if a + 0.25 * step < v < b - 0.25 * step]
        knots += [a, *inner, b]
    lk = np.array(knots)
    vals = np.empty_like(lk)
    # Evolve from m_Z outwards, knot to knot; thresholds change nf between regions.
    start = int(np.searchsorted(lk, lmz))
    for direction in (1, -1):
        a_cur, l_cur = alphas_mz, lmz
        idx = range(start, lk.size) if direction == 1 else range(start - 1, -1, -1)
        for i in idx:
            lt = lk[i]
            # cross thresholds between l_cur and lt one by one
            crossing = sorted(
                (t for t in lthr if min(l_cur, lt) < t < max(l_cur, lt)), reverse=direction < 0
            )
            for t in crossing:
                a_cur = _run(a_cur, l_cur, t, nf_at(0.5 * (l_cur + t)), order)
                l_cur = t
            a_cur = _run(a_cur, l_cur, lt, nf_at(0.5 * (l_cur + lt)), order)
            l_cur = lt
            vals[i] = a_cur
    if not np.all(np.isfinite(vals) & (vals > 0.0) & (vals < 2.0)):
        msg = (
            f"alpha_s running from alpha_s(mZ) = {alphas_mz} hits the Landau pole above "
            f"Q = {q_lo} GeV"
        )
        raise PdfFormatError(msg)
    return np.exp(lk), vals
