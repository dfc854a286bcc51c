"""LHAPDF 6 grid reader, logcubic interpolation, alpha_s and the set finder (higgsino_sim.pdf)."""

from __future__ import annotations

import math
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from higgsino_sim.kernels.pdf_interp import (
    _index_below,
    _index_near,
    alphas_q2,
    alphas_q2_log,
    xfx_all,
    xfx_pair,
)
from higgsino_sim.pdf import (
    DEFAULT_PDF,
    SLOT_PIDS,
    PdfFormatError,
    PdfNotFoundError,
    PdfSet,
    find_pdf,
    load_pdf,
    pythia_pdfdata_dirs,
    running_alphas_table,
)

MZ = 91.1876  # the set's m_Z [GeV] (built-in metadata of NNPDF31_lo_as_0130)


@pytest.fixture(scope="module")
def pdf() -> PdfSet:
    return load_pdf()


# --------------------------------------------------------------------------------------
# An independent, deliberately plain reader and a literal transcription of LHAPDF
# --------------------------------------------------------------------------------------


def _read_plain(path: Path) -> list[tuple[np.ndarray, np.ndarray, list[int], np.ndarray]]:
    """Line-by-line lhagrid1 reader: [(x knots, Q knots, pids, values[ix, iq, k])]."""
    lines = [ln for ln in path.read_text().splitlines() if not ln.lstrip().startswith("#")]
    i = lines.index("---") + 1
    subs = []
    while i < len(lines) and lines[i].strip():
        xs = np.array([float(t) for t in lines[i].split()])
        qs = np.array([float(t) for t in lines[i + 1].split()])
        pids = [int(t) for t in lines[i + 2].split()]
        vals = np.array(
            [[float(t) for t in lines[i + 3 + k].split()] for k in range(xs.size * qs.size)]
        )
        subs.append((xs, qs, pids, vals.reshape(xs.size, qs.size, len(pids))))
        i += 3 + xs.size * qs.size
        assert lines[i].strip() == "---"
        i += 1
    return subs


def _cubic(t: float, vl: float, vdl: float, vh: float, vdh: float) -> float:
    # LHAPDF LogBicubicInterpolator.cc, _interpolateCubic
    t2, t3 = t * t, t * t * t
    return (
        (2 * t3 - 3 * t2 + 1) * vl
        + (t3 - 2 * t2 + t) * vdl
        + (-2 * t3 + 3 * t2) * vh
        + (t3 - t2) * vdh
    )


def _lhapdf_logcubic(subs: list, pid: int, x: float, q2: float) -> tuple[float, float]:
    """LHAPDF 6 'logcubic' + 'nearest', transcribed per flavour and per subgrid.

    Structure of LHAPDF 6.2 (``GridPDF::subgrid``, ``_ddlogx``, ``_interpolateXQ2``) with the
    6.5 two-knot fallback. Returns (value, largest |knot value| used) for tolerances.
    """
    xs = subs[0][0]
    q2_lo, q2_hi = subs[0][1][0] ** 2, subs[-1][1][-1] ** 2
    x = min(max(x, xs[0]), xs[-1])
    q2 = min(max(q2, q2_lo), q2_hi)
    # subgrid: the last one whose lower Q^2 edge is <= q2 (std::map upper_bound, then --)
    sub = [s for s in subs if s[1][0] ** 2 <= q2][-1]
    _, qs, pids, vals = sub
    k = pids.index(pid) if pid in pids else (pids.index(0) if pid == 21 and 0 in pids else -1)
    if k < 0:
        return 0.0, 0.0
    f = vals[:, :, k]
    q2s = qs * qs
    lx = np.log(xs)
    lq = np.log(q2s)

    def below(knots: np.ndarray, v: float) -> int:
        i = int(np.searchsorted(knots, v, side="right"))  # upper_bound
        return min(i, knots.size - 1) - 1

    ix, iq = below(xs, x), below(q2s, q2)

    def ddlogx(i: int, j: int) -> float:
        if i == 0:
            return (f[1, j] - f[0, j]) / (lx[1] - lx[0])
        if i == xs.size - 1:
            return (f[i, j] - f[i - 1, j]) / (lx[i] - lx[i - 1])
        return 0.5 * (
            (f[i, j] - f[i - 1, j]) / (lx[i] - lx[i - 1])
            + (f[i + 1, j] - f[i, j]) / (lx[i + 1] - lx[i])
        )

    dlx = lx[ix + 1] - lx[ix]
    tx = (math.log(x) - lx[ix]) / dlx

    def xrow(j: int) -> float:
        return _cubic(tx, f[ix, j], ddlogx(ix, j) * dlx, f[ix + 1, j], ddlogx(ix + 1, j) * dlx)

    used = np.abs(f[max(ix - 1, 0) : ix + 3, max(iq - 1, 0) : iq + 3]).max()
    tq = (math.log(q2) - lq[iq]) / (lq[iq + 1] - lq[iq])
    if qs.size == 2:  # LHAPDF 6.5 fallback: bilinear in (ln x, ln Q^2)
        fl = f[ix, iq] + tx * (f[ix + 1, iq] - f[ix, iq])
        fh = f[ix, iq + 1] + tx * (f[ix + 1, iq + 1] - f[ix, iq + 1])
        return fl + tq * (fh - fl), used
    d1 = lq[iq + 1] - lq[iq]
    vl, vh = xrow(iq), xrow(iq + 1)
    if iq == 0:
        vdl = (vh - vl) / d1
        vdh = (vdl + (xrow(iq + 2) - vh) / (lq[iq + 2] - lq[iq + 1])) / 2
    elif iq + 1 == qs.size - 1:
        vdh = (vh - vl) / d1
        vdl = (vdh + (vl - xrow(iq - 1)) / (lq[iq] - lq[iq - 1])) / 2
    else:
        vdl = ((vh - vl) / d1 + (vl - xrow(iq - 1)) / (lq[iq] - lq[iq - 1])) / 2
        vdh = ((vh - vl) / d1 + (xrow(iq + 2) - vh) / (lq[iq + 2] - lq[iq + 1])) / 2
    return _cubic(tq, vl, vdl * d1, vh, vdh * d1), used


# --------------------------------------------------------------------------------------
# (1) knots
# --------------------------------------------------------------------------------------


def test_default_set_comes_from_pythia8mc_without_info(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LHAPDF_DATA_PATH", raising=False)
    monkeypatch.delenv("LHAPATH", raising=False)
    pdf = load_pdf()
    assert pdf.name == DEFAULT_PDF
    assert pdf.path.name == "NNPDF31_lo_as_0130_0000.dat"
    assert pdf.path.parent in [d.resolve() for d in pythia_pdfdata_dirs()]
    assert pdf.info_path is None  # the wheel ships no .info: built-in metadata used
    assert pdf.alphas_mz == 0.130
    assert pdf.alphas_order == 0
    assert pdf.thresholds == (4.92,)  # the set's m_b: its two subgrids meet there
    assert (pdf.x_min, pdf.x_max, pdf.q_min, pdf.q_max) == (1e-9, 1.0, 1.65, 1e5)
    assert pdf.load_seconds < 5.0


def test_knot_values_are_reproduced_exactly(pdf: PdfSet) -> None:
    # At a knot t = 0 (or t = 1 at the last x / Q^2 knot of an interval) every Hermite
    # weight but one is exactly 0 and the remaining one exactly 1, so the file value comes
    # back up to one rounding of a sum with exact zeros: rel 1e-12 is a wide margin.
    subs = _read_plain(pdf.path)
    out = np.empty(11)
    for isub, (xs, qs, pids, vals) in enumerate(subs):
        cols = {(21 if p == 0 else p): k for k, p in enumerate(pids)}
        last = isub == len(subs) - 1
        for iq, q in enumerate(qs):
            on_threshold = iq == qs.size - 1 and not last
            q2 = q * q
            if on_threshold:  # a threshold knot belongs to the upper subgrid (LHAPDF);
                q2 = np.nextafter(q2, 0.0)  # the lower one is reached from just below
            for ix, x in enumerate(xs):
                xfx_all(pdf.grid, x, q2, out)
                for slot, pid in enumerate(SLOT_PIDS):
                    want = vals[ix, iq, cols[pid]] if pid in cols else 0.0
                    # one ulp of Q^2 below the threshold moves the value by
                    # |d f / d ln Q^2| * 2^-52 < 1e-14 * max|f| on this grid
                    tol = 1e-12 * abs(want) + (1e-14 * np.abs(vals).max() if on_threshold else 0)
                    assert abs(out[slot] - want) <= tol, (x, q, pid, out[slot], want)


# --------------------------------------------------------------------------------------
# (1b) the fused-weight kernel against a literal transcription of LHAPDF
# --------------------------------------------------------------------------------------


def test_kernel_equals_literal_lhapdf_logcubic(pdf: PdfSet) -> None:
    subs = _read_plain(pdf.path)
    rng = np.random.default_rng(20261123)
    n = 400
    x = np.exp(rng.uniform(math.log(1e-9), 0.0, n))
    q = np.exp(rng.uniform(math.log(1.65), math.log(1e5), n))
    # plus grid corners, both sides of the b threshold and the extrapolation regions
    extra_x = [1e-9, 1e-12, 0.5, 1.0, 0.999, 3e-5, 0.1, 0.1]
    extra_q = [1.65, 1.0, 4.92, 1e5, 4.9199999, 4.9200001, 2e5, 5.0]
    x = np.concatenate([x, extra_x])
    q = np.concatenate([q, extra_q])
    out = np.empty(11)
    for xv, qv in zip(x, q, strict=True):
        xfx_all(pdf.grid, xv, qv * qv, out)
        for slot, pid in enumerate(SLOT_PIDS):
            want, scale = _lhapdf_logcubic(subs, pid, xv, qv * qv)
            # Same formulas, different association of a few dozen products: the rounding
            # difference is a few ulp of the largest knot value entering the stencil.
            assert abs(out[slot] - want) <= 1e-13 * scale + 1e-300, (xv, qv, pid)


def _write_synthetic(path: Path) -> None:
    """An lhagrid1 file with 2-, 3- and 5-knot subgrids, gluon as 0, no s/c/b, a comment."""
    rng = np.random.default_rng(99)
    xs = np.array([1e-5, 1e-4, 1e-3, 0.01, 0.1, 0.3, 0.6, 1.0])
    subgrids = [[1.0, 1.3], [1.3, 2.0, 3.0], [3.0, 5.0, 8.0, 13.0, 20.0]]
    pids = [0, 1, 2, -1, -2]
    text = ["PdfType: central", "Format: lhagrid1", "# a comment line", "---"]
    for qs in subgrids:
        text += [" ".join(f"{v:.8e}" for v in xs), " ".join(f"{v:.8e}" for v in qs)]
        text.append(" ".join(map(str, pids)))
        for ix in range(xs.size):
            if ix == 3:
                text.append("# comment inside a block")
            for iq in range(len(qs)):
                vals = (1 - xs[ix]) ** 3 * (1 + 0.3 * rng.standard_normal(len(pids))) * (1 + iq)
                text.append(" ".join(f"{v:.8e}" for v in vals))
        text.append("---")
    path.write_text("\n".join(text) + "\n")
    (path.parent / "SYNTH_lo.info").write_text(
        "AlphaS_MZ: 0.118\nAlphaS_OrderQCD: 0\nMCharm: 1.3\nMBottom: 3.0\nNumFlavors: 5\n"
    )


def test_synthetic_grid_with_short_subgrids_matches_literal_lhapdf(tmp_path: Path) -> None:
    path = tmp_path / "SYNTH_lo" / "SYNTH_lo_0000.dat"
    path.parent.mkdir()
    _write_synthetic(path)
    s = load_pdf(path)
    assert s.flavours == (21, 1, 2, -1, -2)
    assert s.thresholds == (1.3, 3.0)
    assert list(s.grid[5]) == [3, -1, 1, 2, -1, 1, 0, 0, 2]  # two-knot subgrid is linear
    subs = _read_plain(path)
    rng = np.random.default_rng(3)
    out = np.empty(11)
    pts = [
        (x, q)
        for x, q in zip(np.exp(rng.uniform(-13, 0, 300)), rng.uniform(1.0, 20.0, 300), strict=True)
    ]
    pts += [(0.05, 1.3), (0.05, 3.0), (0.05, 1.0), (0.05, 20.0), (1e-5, 1.15), (1.0, 2.5)]
    for xv, qv in pts:
        xfx_all(s.grid, xv, qv * qv, out)
        for slot, pid in enumerate(SLOT_PIDS):
            want, scale = _lhapdf_logcubic(subs, pid, xv, qv * qv)
            assert abs(out[slot] - want) <= 1e-13 * scale + 1e-300, (xv, qv, pid)
    assert np.all(out[[0, 1, 2, 8, 9, 10]] == 0.0)  # absent flavours are zero


def test_extrapolation_freezes_and_flags(pdf: PdfSet) -> None:
    a, b = np.empty(11), np.empty(11)
    xfx_all(pdf.grid, 1e-12, 50.0, a)
    xfx_all(pdf.grid, pdf.x_min, 50.0, b)
    np.testing.assert_array_equal(a, b)  # x frozen at x_min
    xfx_all(pdf.grid, 0.01, 1e12, a)
    xfx_all(pdf.grid, 0.01, pdf.q_max**2, b)
    np.testing.assert_array_equal(a, b)  # Q^2 frozen at Q_max^2
    xfx_all(pdf.grid, 0.01, 0.5, a)
    xfx_all(pdf.grid, 0.01, pdf.q_min**2, b)
    np.testing.assert_array_equal(a, b)  # and at Q_min^2
    assert np.all(xfx_all(pdf.grid, 1.5, 100.0, a) == 0.0)  # no partons above x = 1
    assert np.all(np.isnan(xfx_all(pdf.grid, 0.0, 100.0, a)))
    assert np.all(np.isnan(xfx_all(pdf.grid, 0.1, -1.0, a)))
    assert np.all(np.isnan(xfx_all(pdf.grid, np.nan, 100.0, a)))
    assert np.all(np.isnan(xfx_all(pdf.grid, 0.1, np.nan, a)))


def test_python_helpers_broadcast(pdf: PdfSet) -> None:
    vals = pdf.xfx(np.array([0.01, 0.1]), 100.0**2)
    one = np.empty(11)
    assert vals.shape == (2, 11)
    np.testing.assert_array_equal(vals[1], xfx_all(pdf.grid, 0.1, 1e4, one))
    assert pdf.alphas(np.array([[MZ**2]])).shape == (1, 1)
    assert pdf.alphas(MZ**2) == alphas_q2(pdf.alphas_grid, MZ**2)


def _pair_vs_single(grid, x1, x2, q2) -> None:
    """xfx_pair (logs supplied, shared Q^2 work) against two xfx_all calls: bitwise inside
    the grid, 1e-14 relative at the frozen edges (knot logs stored by numpy there, libm
    logs in xfx_all: they may differ in the last bit), same NaN/zero flags."""
    xs, q2s = grid[0], grid[2]
    o1, o2, r1, r2 = (np.empty(11) for _ in range(4))

    def log(v: float) -> float:
        return math.log(v) if v > 0.0 else math.nan

    xfx_pair(*grid, x1, log(x1), x2, log(x2), q2, log(q2), o1, o2)
    xfx_all(grid, x1, q2, r1)
    xfx_all(grid, x2, q2, r2)
    for x, got, ref in ((x1, o1, r1), (x2, o2, r2)):
        if xs[0] <= x <= xs[-1] and q2s[0] <= q2 <= q2s[-1]:
            np.testing.assert_array_equal(got, ref)
        else:
            np.testing.assert_allclose(got, ref, rtol=1e-14, atol=0.0)


def test_pair_kernel_equals_single_kernel(pdf: PdfSet, tmp_path: Path) -> None:
    rng = np.random.default_rng(17)
    n = 300
    x = np.exp(rng.uniform(math.log(1e-9), 0.0, 2 * n))
    q2 = np.exp(rng.uniform(math.log(1.65**2), math.log(1e10), n))
    for i in range(n):
        _pair_vs_single(pdf.grid, x[2 * i], x[2 * i + 1], q2[i])
    # knots, a threshold, frozen edges and the flagged inputs
    edge = [(pdf.x_min, 4.92**2), (1.0, 1.65**2), (1e-12, 1e12), (0.3, 0.5), (1.5, 100.0),
            (0.0, 100.0), (0.1, -1.0), (math.nan, 100.0), (0.1, math.nan),
            (pdf.grid[0][40], pdf.grid[2][11])]
    for xv, qv in edge:
        _pair_vs_single(pdf.grid, xv, 0.01, qv)
        _pair_vs_single(pdf.grid, 0.02, xv, qv)
    # two-knot (bilinear) and short subgrids
    path = tmp_path / "SYNTH_lo" / "SYNTH_lo_0000.dat"
    path.parent.mkdir()
    _write_synthetic(path)
    s = load_pdf(path)
    for xv, qv in zip(np.exp(rng.uniform(-13, 0, 200)), rng.uniform(1.0, 20.0, 200), strict=True):
        _pair_vs_single(s.grid, xv, 0.5 * xv, qv * qv)


def test_index_near_equals_binary_search(pdf: PdfSet) -> None:
    """_index_near (start from a uniform-log guess, then walk) returns _index_below's index
    for any knots: the alpha_s table it is made for, the PDF Q^2 knots (duplicated
    threshold) and a far from uniform set with a triple knot (long walks)."""
    rng = np.random.default_rng(23)
    bumpy = np.sort(np.concatenate([np.exp(rng.uniform(0, 20, 40)), [5.0, 5.0, 5.0]]))
    for knots in (pdf.alphas_grid[0], pdf.grid[2], bumpy):
        logs = np.log(knots)
        vals = np.concatenate([
            knots, 0.5 * (knots[1:] + knots[:-1]), knots * (1 + 1e-15), knots * (1 - 1e-15),
            np.exp(rng.uniform(logs[0] - 1, logs[-1] + 1, 500)), [knots[0] / 2, 2 * knots[-1]],
        ])
        for v in vals:
            assert _index_near(knots, v, logs, math.log(v)) == _index_below(knots, v), v


def test_alphas_with_log_supplied_is_alphas(pdf: PdfSet) -> None:
    q2s = pdf.alphas_grid[0]
    q2 = np.concatenate([q2s, np.exp(np.random.default_rng(29).uniform(-2, 25, 2000))])
    for v in q2:
        assert alphas_q2_log(*pdf.alphas_grid, v, math.log(v)) == alphas_q2(pdf.alphas_grid, v)


# --------------------------------------------------------------------------------------
# (2) sum rules
# --------------------------------------------------------------------------------------


def _moments(pdf: PdfSet, q: float, n_gauss: int) -> np.ndarray:
    """[momentum sum, u - ubar, d - dbar] integrated over [x_min, 1] (no tail)."""
    lx = pdf.grid[1]
    gx, gw = np.polynomial.legendre.leggauss(n_gauss)
    a, b = lx[:-1, None], lx[1:, None]
    t = (0.5 * (b - a) * gx + 0.5 * (a + b)).ravel()
    w = (0.5 * (b - a) * gw).ravel()
    x = np.exp(t)
    f = pdf.xfx(x, q * q)
    # int_0^1 x f dx = int x f(x) x d ln x ; int f dx = int (x f) d ln x
    return np.array(
        [
            np.sum(w * x * f.sum(axis=1)),
            np.sum(w * (f[:, 7] - f[:, 3])),
            np.sum(w * (f[:, 6] - f[:, 4])),
        ]
    )


@pytest.mark.parametrize("q", [10.0, 100.0])
def test_momentum_and_valence_sum_rules(pdf: PdfSet, q: float) -> None:
    # Quadrature: at fixed Q^2 the interpolant is a cubic in ln x on each knot interval,
    # so Gauss-Legendre per interval is exact for the valence integrands (cubic in ln x)
    # and, for x f(x) = cubic * e^{ln x}, accurate to (h/2)^(2n)/(2n)! ~ 1e-20 (h < 0.25).
    # The 8- and 4-point rules agreeing to 1e-10 confirms the quadrature is not a source.
    m8, m4 = _moments(pdf, q, 8), _moments(pdf, q, 4)
    np.testing.assert_allclose(m8, m4, rtol=0, atol=1e-10)
    # Tail x < x_min = 1e-9: continue each integrand as a power law through the first two
    # knots (what LHAPDF's continuation extrapolator does), int_0^xmin y dlnx = y0 / slope.
    xs = pdf.grid[0][:2]
    f0 = pdf.xfx(xs, q * q)
    ys = np.stack([xs * f0.sum(axis=1), f0[:, 7] - f0[:, 3], f0[:, 6] - f0[:, 4]], axis=1)  # (2, 3)
    slope = np.log(ys[1] / ys[0]) / math.log(xs[1] / xs[0])
    tail = ys[0] / slope
    # Interpolation error of the integral: bounded by |cubic - trapezoid on the knots|
    # (the trapezoid's O(h^2) error dominates the cubic's).
    xk = pdf.grid[0]
    fk = pdf.xfx(xk, q * q)
    yk = np.stack([xk * fk.sum(axis=1), fk[:, 7] - fk[:, 3], fk[:, 6] - fk[:, 4]], axis=1)
    trap = np.sum(0.5 * (yk[1:] + yk[:-1]) * np.diff(pdf.grid[1])[:, None], axis=0)
    interp_err = np.abs(m8 - trap)
    # The table itself: NNPDF impose the sum rules on the fitted functions at Q0 and DGLAP
    # keeps them, but the published grid (APFEL evolution re-tabulated on 150 x knots,
    # 8 significant digits) satisfies the momentum sum rule to 1.4e-3 at every Q from
    # 1.65 GeV to 100 TeV. We allow 2e-3 for that, plus the tail taken with 100 %
    # uncertainty, plus the interpolation estimate. A missing flavour, a wrong subgrid or
    # a mis-ordered table moves these integrals by percents.
    grid_accuracy = 2e-3
    tol = grid_accuracy + np.abs(tail) + interp_err
    got = m8 + tail
    want = np.array([1.0, 2.0, 1.0])
    assert np.all(np.abs(got - want) < tol), (got - want, tol)


# --------------------------------------------------------------------------------------
# (3) Pythia 8's own reader of the same file
# --------------------------------------------------------------------------------------


def _pythia_pdf(path: Path):
    pythia8mc = pytest.importorskip("pythia8mc")
    py = pythia8mc.Pythia("", False)
    for s in (
        f"PDF:pSet = LHAGrid1:{path}",
        "Print:quiet = on",
        "ProcessLevel:all = off",
        "PartonLevel:all = off",
        "HadronLevel:all = off",
    ):
        assert py.readString(s)
    assert py.init()
    return py, py.getPDFPtr(2212)


def _lebesgue_hermite_fd(k: np.ndarray, lo: int, hi: int, t: np.ndarray) -> float:
    """max sum |weights| of LHAPDF's cubic Hermite with difference slopes on knots k[lo:hi+1]."""
    h00, h10 = 2 * t**3 - 3 * t**2 + 1, t**3 - 2 * t**2 + t
    h01, h11 = -2 * t**3 + 3 * t**2, t**3 - t**2
    best = 0.0
    for i in range(lo, hi):
        d1 = k[i + 1] - k[i]
        r0 = d1 / (k[i] - k[i - 1]) if i > lo else None
        r2 = d1 / (k[i + 2] - k[i + 1]) if i + 1 < hi else None
        lw = (0, -1, 1) if r0 is None else (-0.5 * r0, 0.5 * (r0 - 1), 0.5)
        uw = (-1, 1, 0) if r2 is None else (-0.5, 0.5 * (1 - r2), 0.5 * r2)
        s = (
            np.abs(h10 * lw[0])
            + np.abs(h00 + h10 * lw[1] + h11 * uw[0])
            + np.abs(h01 + h10 * lw[2] + h11 * uw[1])
            + np.abs(h11 * uw[2])
        )
        best = max(best, float(s.max()))
    return best


def _lebesgue_lagrange4(k: np.ndarray, lo: int, hi: int, t: np.ndarray) -> float:
    """max sum |weights| of Pythia's 4-point Lagrange stencils on knots k[lo:hi+1]."""
    best = 0.0
    for i in range(lo, hi):
        m = lo if i == lo else (hi - 3 if i + 1 == hi else i - 1)
        nodes = k[m : m + 4]
        v = k[i] + t * (k[i + 1] - k[i])
        s = np.zeros_like(v)
        for a in range(4):
            w = np.ones_like(v)
            for b in range(4):
                if b != a:
                    w *= (v - nodes[b]) / (nodes[a] - nodes[b])
            s += np.abs(w)
        best = max(best, float(s.max()))
    return best


def test_agrees_with_pythia8_lhagrid1_within_interpolation_bound(pdf: PdfSet) -> None:
    """Pythia's LHAGrid1 reads the same file with 4-point Lagrange interpolation in (ln x,
    ln Q) per subgrid, freezes at the edges, returns max(0, xf) and (c + cbar)/2.

    Both schemes are linear in the knot values and reproduce functions bilinear in
    (ln x, ln Q^2) exactly, so for any such p: ours - pythia = L(f - p) - P(f - p), hence
    |ours - pythia| <= (Lambda_L + Lambda_P) * max_stencil |f - p|, with Lambda the
    Lebesgue constants (max sum of |weights|) of the two tensor-product schemes on this
    grid, computed below, and p the bilinear interpolant of the cell corners. max(0, .)
    and the c, b averaging do not increase the difference.
    """
    _py, ppdf = _pythia_pdf(pdf.path)
    xs, lxs, q2s, lq2s = pdf.grid[:4]
    t = np.linspace(0.0, 1.0, 101)
    starts = [0, *[i for i in range(1, q2s.size) if q2s[i] == q2s[i - 1]]]
    ends = [s - 1 for s in starts[1:]] + [q2s.size - 1]
    lam_ours = _lebesgue_hermite_fd(lxs, 0, xs.size - 1, t) * max(
        _lebesgue_hermite_fd(lq2s, s, e, t) for s, e in zip(starts, ends, strict=True)
    )
    lam_pythia = _lebesgue_lagrange4(lxs, 0, xs.size - 1, t) * max(
        _lebesgue_lagrange4(lq2s, s, e, t) for s, e in zip(starts, ends, strict=True)
    )
    k_bound = lam_ours + lam_pythia
    assert 2.0 < k_bound < 6.0  # sanity: cubic stencils, mildly non-uniform knots

    # knot table per slot, from the file (independent of our parser)
    subs = _read_plain(pdf.path)
    table = np.zeros((xs.size, q2s.size, 11))
    col = 0
    for _xs, qs, pids, vals in subs:
        for slot, pid in enumerate(SLOT_PIDS):
            ks = [k for k, p in enumerate(pids) if (21 if p == 0 else p) == pid]
            if ks:
                table[:, col : col + qs.size, slot] = vals[:, :, ks[0]]
        col += qs.size
    sub_of = np.searchsorted(np.array(starts), np.arange(q2s.size), side="right") - 1

    rng = np.random.default_rng(8317)
    n = 1500
    x = np.exp(rng.uniform(math.log(1e-6), math.log(0.95), n))
    q = np.exp(rng.uniform(math.log(2.0), math.log(5e4), n))
    q[np.abs(q / 4.92 - 1) < 1e-6] = 5.0  # Pythia puts the threshold itself in the lower grid
    # Pythia ids and the matching combination of our slots
    combos = {21: [5], 1: [6], 2: [7], 3: [8], -1: [4], -2: [3], -3: [2], 4: [9, 1], 5: [10, 0]}
    ours = pdf.xfx(x, q * q)
    worst = 0.0
    swapped_fails = n_valence = 0
    for i in range(n):
        ix = min(int(np.searchsorted(xs, x[i], side="right")) - 1, xs.size - 2)
        iq = min(int(np.searchsorted(q2s, q[i] ** 2, side="right")) - 1, q2s.size - 2)
        s_lo, s_hi = starts[sub_of[iq]], ends[sub_of[iq]]
        a, b = max(0, ix - 2), min(xs.size - 1, ix + 3)
        c, d = max(s_lo, iq - 2), min(s_hi, iq + 3)
        u = (lxs[a : b + 1] - lxs[ix]) / (lxs[ix + 1] - lxs[ix])
        v = (lq2s[c : d + 1] - lq2s[iq]) / (lq2s[iq + 1] - lq2s[iq])
        for pid, slots in combos.items():
            f = table[:, :, slots].mean(axis=2)
            f00, f10, f01, f11 = f[ix, iq], f[ix + 1, iq], f[ix, iq + 1], f[ix + 1, iq + 1]
            p = (
                f00
                + (f10 - f00) * u[:, None]
                + (f01 - f00) * v[None, :]
                + (f11 - f10 - f01 + f00) * np.outer(u, v)
            )
            r = np.abs(f[a : b + 1, c : d + 1] - p).max()
            mine = max(0.0, ours[i, slots].mean())
            theirs = ppdf.xf(pid, x[i], q[i] ** 2)
            diff = abs(mine - theirs)
            assert diff <= k_bound * r + 1e-13, (pid, x[i], q[i], mine, theirs, r)
            worst = max(worst, diff / (r + 1e-300))
            if pid == 2 and x[i] > 0.05:  # not vacuous: u read from the d slot breaks it
                n_valence += 1
                swapped_fails += abs(max(0.0, ours[i, 6]) - theirs) > k_bound * r + 1e-13
    print(
        f"max |ours - pythia| / R = {worst:.3f} (bound {k_bound:.2f}); u<->d swap caught "
        f"at {swapped_fails} of {n_valence} points with x > 0.05"
    )
    assert swapped_fails > 0.9 * n_valence
    assert worst < k_bound


# --------------------------------------------------------------------------------------
# (4) alpha_s
# --------------------------------------------------------------------------------------


def _alphas_one_loop(q: np.ndarray) -> np.ndarray:
    """alpha_s at one loop from 0.130 at m_Z, m_c = 1.51, m_b = 4.92 GeV, nf <= 5.

    1/a(Q^2) = 1/a(mu^2) + b0(nf) ln(Q^2/mu^2), b0 = (33 - 2 nf)/(12 pi) (PDG 2024 QCD
    review, Eq. 9.4 at one loop), continuous at the thresholds.
    """

    def b0(nf: int) -> float:
        return (33 - 2 * nf) / (12 * math.pi)

    inv_mz = 1 / 0.130
    inv_mb = inv_mz + b0(5) * math.log(4.92**2 / MZ**2)
    inv_mc = inv_mb + b0(4) * math.log(1.51**2 / 4.92**2)
    q2 = q * q
    inv = np.where(
        q > 4.92,
        inv_mz + b0(5) * np.log(q2 / MZ**2),
        np.where(
            q > 1.51, inv_mb + b0(4) * np.log(q2 / 4.92**2), inv_mc + b0(3) * np.log(q2 / 1.51**2)
        ),
    )
    return 1 / inv


def test_alphas_mz_and_one_loop_running(pdf: PdfSet) -> None:
    assert alphas_q2(pdf.alphas_grid, MZ**2) == pytest.approx(0.130, rel=1e-15)  # m_Z is a knot
    q2s, _, vals, _ = pdf.alphas_grid
    np.testing.assert_allclose(vals, _alphas_one_loop(np.sqrt(q2s)), rtol=1e-13)  # knots
    # Between knots: cubic Hermite in L = ln Q^2 with difference slopes, step h = 0.02.
    # Error <= h * (slope error) * max|h10| + h^4/384 max|a''''|, slope error h/2 |a''|
    # (one-sided, subgrid edges) or h^2/6 |a'''| (central). One loop: a' = -b a^2,
    # a'' = 2 b^2 a^3, a''' = -6 b^3 a^4, a'''' = 24 b^4 a^5, largest at Q = 1 GeV, nf = 3.
    h = float(np.diff(np.log(q2s))[np.diff(np.log(q2s)) > 0].max())
    b, a = (33 - 2 * 3) / (12 * math.pi), _alphas_one_loop(np.array([1.0]))[0]
    bound = h * (h / 2 * 2 * b**2 * a**3) * 4 / 27 + h**4 / 384 * 24 * b**4 * a**5
    q = np.exp(np.random.default_rng(5).uniform(0.0, math.log(1e5), 3000))
    got = pdf.alphas(q * q)
    assert np.max(np.abs(got - _alphas_one_loop(q))) < bound
    assert bound < 1e-5  # the table is fine enough for an event generator
    # outside the table: frozen above, LHAPDF power law below, NaN for nonsense
    assert alphas_q2(pdf.alphas_grid, 1e12) == vals[-1]
    assert 0.5 < alphas_q2(pdf.alphas_grid, 0.9) < 0.6
    assert math.isnan(alphas_q2(pdf.alphas_grid, -1.0))


def test_running_alphas_table_higher_orders() -> None:
    # All orders start from alpha_s(m_Z) (a knot); running down to Q = 10 GeV the 2- and
    # 3-loop beta functions are larger, so alpha_s(10 GeV) is larger, by O(alpha_s) ~ 3 %
    # (PDG QCD review, Fig. 9.5 scale); the 3-loop term moves it by well under 1 %.
    at10 = {}
    for order in (0, 1, 2):
        q2, v = running_alphas_table(0.118, MZ, order, [1.51, 4.92, 172.5], 1.0, 1e4)
        assert np.all(np.diff(q2) >= 0.0)
        assert v[np.argmin(np.abs(q2 - MZ**2))] == pytest.approx(0.118, rel=1e-14)
        at10[order] = np.interp(math.log(100.0), np.log(q2), v)
    assert at10[0] < at10[1] < 1.05 * at10[0]
    assert abs(at10[2] - at10[1]) < 0.01 * at10[1]
    # one loop: the exact solution, here above the b threshold with nf = 5
    b0 = (33 - 10) / (12 * math.pi)
    assert at10[0] == pytest.approx(1 / (1 / 0.118 + b0 * math.log(100.0 / MZ**2)), rel=1e-6)


def _copy_set(tmp: Path, name: str, src: Path) -> Path:
    d = tmp / name
    d.mkdir(parents=True)
    shutil.copy(src, d / f"{name}_0000.dat")
    return d


def test_info_file_table_is_used(tmp_path: Path, pdf: PdfSet) -> None:
    d = _copy_set(tmp_path, "MYSET_lo", pdf.path)
    qs = [1.0, 1.5, 2.0, 2.0, 10.0, 91.1876, 1000.0, 1000.0, 5000.0]
    vals = [0.40, 0.33, 0.30, 0.29, 0.18, 0.118, 0.088, 0.087, 0.075]
    (d / "MYSET_lo.info").write_text(
        "SetDesc: 'a test set # not a comment'\n"
        "Format: lhagrid1\n"
        "AlphaS_MZ: 0.118\n"
        "AlphaS_OrderQCD: 1\n"
        f"AlphaS_Qs: [{', '.join(map(str, qs[:4]))},\n   {', '.join(map(str, qs[4:]))}]\n"
        f"AlphaS_Vals: [{', '.join(map(str, vals))}]\n"
    )
    s = load_pdf(d)
    assert s.info_path == d / "MYSET_lo.info"
    assert (s.alphas_mz, s.alphas_order) == (0.118, 1)
    # knots are reproduced; a repeated Q opens a new subgrid (upper value at the knot)
    for qv, av in zip(qs, vals, strict=True):
        if qv in (2.0, 1000.0):
            continue
        assert alphas_q2(s.alphas_grid, qv * qv) == pytest.approx(av, rel=1e-14)
    assert alphas_q2(s.alphas_grid, 4.0) == pytest.approx(0.29, rel=1e-14)
    assert alphas_q2(s.alphas_grid, 1e6) == pytest.approx(0.087, rel=1e-14)


# --------------------------------------------------------------------------------------
# (5) finding sets, and errors
# --------------------------------------------------------------------------------------


def test_missing_set_names_every_place_looked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LHAPDF_DATA_PATH", f"{tmp_path / 'a'}{os.pathsep}{tmp_path / 'b'}")
    monkeypatch.delenv("LHAPATH", raising=False)
    with pytest.raises(PdfNotFoundError) as err:
        find_pdf("NoSuchSet_lo")
    msg = str(err.value)
    assert "\n" not in msg
    assert "'NoSuchSet_lo'" in msg
    assert str(tmp_path / "a" / "NoSuchSet_lo" / "NoSuchSet_lo_0000.dat") in msg
    assert str(tmp_path / "b" / "NoSuchSet_lo" / "NoSuchSet_lo_0000.dat") in msg
    assert "$LHAPATH (unset)" in msg
    for d in pythia_pdfdata_dirs():
        assert str(d / "NoSuchSet_lo_0000.dat") in msg
    assert "LHAPDF_DATA_PATH" in msg.split("Fix:")[1]
    assert isinstance(err.value, ValueError)


def test_lhapdf_data_path_lookup(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pdf: PdfSet
) -> None:
    (tmp_path / "sets").mkdir()
    d = tmp_path / "sets" / DEFAULT_PDF
    d.mkdir()
    (d / f"{DEFAULT_PDF}_0000.dat").symlink_to(pdf.path)
    monkeypatch.setenv("LHAPDF_DATA_PATH", f"{tmp_path / 'nothing'}{os.pathsep}{tmp_path / 'sets'}")
    assert find_pdf(DEFAULT_PDF) == d / f"{DEFAULT_PDF}_0000.dat"
    monkeypatch.delenv("LHAPDF_DATA_PATH")
    monkeypatch.setenv("LHAPATH", str(tmp_path / "sets"))
    assert find_pdf(DEFAULT_PDF) == d / f"{DEFAULT_PDF}_0000.dat"
    s = load_pdf(DEFAULT_PDF)  # same file contents; built-in metadata by name
    assert s.alphas_mz == 0.130
    out_a, out_b = np.empty(11), np.empty(11)
    np.testing.assert_array_equal(
        xfx_all(s.grid, 0.03, 500.0, out_a), xfx_all(pdf.grid, 0.03, 500.0, out_b)
    )


def test_paths_file_folder_and_pythia8data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pdf: PdfSet
) -> None:
    assert find_pdf(pdf.path) == pdf.path  # (a) a member file
    d = _copy_set(tmp_path, DEFAULT_PDF, pdf.path)
    assert find_pdf(d) == d / f"{DEFAULT_PDF}_0000.dat"  # (b) a set folder
    (tmp_path / "empty_set").mkdir()
    with pytest.raises(PdfNotFoundError, match="no central member"):
        find_pdf(tmp_path / "empty_set")
    with pytest.raises(PdfNotFoundError, match="does not exist"):
        find_pdf(tmp_path / "nope" / "X_0000.dat")
    # $PYTHIA8DATA points at .../share/Pythia8/xmldoc; pdfdata is its sibling
    (tmp_path / "p8" / "xmldoc").mkdir(parents=True)
    (tmp_path / "p8" / "pdfdata").mkdir()
    monkeypatch.setenv("PYTHIA8DATA", str(tmp_path / "p8" / "xmldoc"))
    assert tmp_path / "p8" / "pdfdata" in pythia_pdfdata_dirs()


def test_unknown_set_without_info_asks_for_it(tmp_path: Path, pdf: PdfSet) -> None:
    d = _copy_set(tmp_path, "OTHER_lo", pdf.path)
    with pytest.raises(PdfFormatError, match=r"OTHER_lo\.info") as err:
        load_pdf(d)
    assert "\n" not in str(err.value)


def _corrupt(tmp: Path, src: Path, edit) -> Path:
    lines = src.read_text().splitlines(keepends=True)
    p = tmp / "BAD_lo" / "BAD_lo_0000.dat"
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text("".join(edit(lines)))
    (p.parent / "BAD_lo.info").write_text("AlphaS_MZ: 0.118\nMCharm: 1.5\nMBottom: 4.9\n")
    return p


@pytest.mark.parametrize(
    ("edit", "problem"),
    [
        (lambda ls: ls[:-40], "does not end with a '---'"),
        (lambda ls: [*ls[:1000], ls[1000].replace("E-0", "E-X", 1), *ls[1001:]], "non-numeric"),
        (lambda ls: [*ls[:1000], *ls[1001:]], "value lines"),
        (lambda ls: [*ls[:1000], " 1.0" + ls[1000], *ls[1001:]], "values, expected"),
        (lambda ls: [ls[0], "Format: lhagrid2\n", *ls[2:]], "Format: lhagrid2"),
        (lambda ls: [*ls[:4], " 3.0 2.0 1.0\n", *ls[5:]], "Q knots"),
        (lambda ls: [*ls[:5], "-5 -4 -3 -2 -1 21 1 2 3 4 4\n", *ls[6:]], "appears twice"),
        (lambda ls: [*ls[:1000], ls[1000].replace("E-0", "E+9999", 1), *ls[1001:]], "non-finite"),
    ],
)
def test_corrupt_files_give_one_line_format_errors(
    tmp_path: Path, pdf: PdfSet, edit, problem: str
) -> None:
    p = _corrupt(tmp_path, pdf.path, edit)
    with pytest.raises(PdfFormatError) as err:
        load_pdf(p)
    msg = str(err.value)
    assert str(p) in msg
    assert problem in msg
    assert "\n" not in msg
