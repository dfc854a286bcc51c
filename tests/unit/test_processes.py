"""Couplings of the pure-Higgsino model and the subprocess tables."""

from __future__ import annotations

import math

import numpy as np
import pytest

from higgsino_sim import constants as sm
from higgsino_sim.errors import UsageError
from higgsino_sim.kernels.matrix_elements import me2_qqbar_chichi_g
from higgsino_sim.processes import (
    PROCESSES,
    build_subprocess,
    parse_processes,
    w_chi_couplings,
    z_neutralino_couplings,
)
from higgsino_sim.spectrum import Spectrum, higgsino_spectrum


def test_pure_higgsino_couplings_have_magnitude_one_half() -> None:
    # design section 3.1: |O_L| = |O_R| = 1/2 for W chi+ chi0_i in the pure-Higgsino limit
    spec = higgsino_spectrum(115.0, 1.5)
    assert w_chi_couplings(spec, 0) == pytest.approx((0.5, 0.5), abs=1e-15)  # vector
    assert w_chi_couplings(spec, 1) == pytest.approx((-0.5, 0.5), abs=1e-15)  # axial
    # Z couples the two Higgsino neutralinos off-diagonally only
    assert z_neutralino_couplings(spec, 1, 0) == pytest.approx((-0.5, 0.5), abs=1e-15)
    assert z_neutralino_couplings(spec, 0, 0) == pytest.approx((0.0, 0.0), abs=1e-15)
    assert z_neutralino_couplings(spec, 1, 1) == pytest.approx((0.0, 0.0), abs=1e-15)


def test_spectrum_conventions() -> None:
    spec = higgsino_spectrum(115.0, 1.5)
    assert (spec.m_c1, spec.m_n1, spec.m_n2) == (115.0, 113.5, 116.5)  # dm0 = 2 dm
    assert spec.signed_n1 * spec.signed_n2 < 0  # opposite-sign eigenvalues
    assert higgsino_spectrum(115.0, 1.5, dm0=1.0).m_n2 == 114.5


@pytest.mark.parametrize(
    ("mass", "dm", "dm0"),
    [(-1.0, 1.0, None), (0.0, 1.0, None), (100.0, 0.0, None), (100.0, 100.0, None),
     (100.0, 1.0, -2.0), (math.nan, 1.0, None), (100.0, math.inf, None)],
)
def test_bad_spectra_are_usage_errors(mass: float, dm: float, dm0: float | None) -> None:
    with pytest.raises(UsageError):
        higgsino_spectrum(mass, dm, dm0)


def _random_point(rng: np.random.Generator, ma: float, mb: float) -> tuple[np.ndarray, ...]:
    """q qbar -> chi_a chi_b g at sqrt(shat) = 600 GeV, random angles (on shell)."""
    from higgsino_sim.kernels.kinematics import two_body_decay

    e = 300.0
    p1 = np.array([e, 0.0, 0.0, e])
    p2 = np.array([e, 0.0, 0.0, -e])
    eg = 80.0
    c, ph = rng.uniform(-1, 1), rng.uniform(0, 2 * np.pi)
    s_ = math.sqrt(1 - c * c)
    p3 = eg * np.array([1.0, s_ * math.cos(ph), s_ * math.sin(ph), c])
    pv = p1 + p2 - p3
    q = math.sqrt(pv[0] ** 2 - pv[1:] @ pv[1:])
    k1, k2 = np.zeros(4), np.zeros(4)
    assert two_body_decay(pv, q, ma, mb, rng.uniform(-1, 1), rng.uniform(0, 2 * np.pi), k1, k2)
    return p1, p2, p3, k1, k2


def test_chi10_and_chi20_rates_agree_in_the_degenerate_limit() -> None:
    """The axial coupling with a negative eigenvalue equals the vector coupling with a
    positive one (gamma5 rotation), point by point: N1C1 = N2C1 in the degenerate limit,
    as the LHC SUSY WG tables state."""
    spec = Spectrum(m_c1=150.0, m_n1=149.0, m_n2=149.0)
    s1 = build_subprocess("c1p_n1", spec)
    s2 = build_subprocess("c1p_n2", spec)
    rng = np.random.default_rng(11)
    for _ in range(20):
        p1, p2, p3, k1, k2 = _random_point(rng, s1.m_a, s1.m_b)
        c1 = s1.couplings[0, 0] / (600.0**2 - sm.M_W**2)
        c2 = s2.couplings[0, 0] / (600.0**2 - sm.M_W**2)
        a = me2_qqbar_chichi_g(p1, p2, p3, k1, k2, s1.m_a, s1.m_b, c1, 1.0)
        b = me2_qqbar_chichi_g(p1, p2, p3, k1, k2, s2.m_a, s2.m_b, c2, 1.0)
        assert a == pytest.approx(b, rel=1e-12)
        assert s1.m_b > 0 > s2.m_b


def test_parse_processes() -> None:
    assert parse_processes(None) == PROCESSES
    assert parse_processes("all") == PROCESSES
    assert parse_processes("n2_n1, c1p_n2") == ("c1p_n2", "n2_n1")
    with pytest.raises(UsageError, match="unknown process"):
        parse_processes("c1p_n2,foo")
    with pytest.raises(UsageError):
        parse_processes(",")
