"""The pure-Higgsino simplified model: masses, signed eigenvalues and mixing matrices.

Conventions (design section 2): ``mass`` is m(chi1+-), ``dm`` is m(chi1+-) - m(chi10) and
``dm0`` = m(chi20) - m(chi10) defaults to 2 dm (chi1+- half-way between the neutralinos).

Mixing in the pure-Higgsino limit (bino, wino and sfermions decoupled), in the conventions
of Haber & Kane, Phys. Rept. 117 (1985) 75 and Gunion & Haber, Nucl. Phys. B272 (1986) 1
(real N with signed mass eigenvalues):

* neutralino basis (B~, W~3, H~d0, H~u0); the Higgsino block of the mass matrix is
  -mu [[0, 1], [1, 0]] with eigenvectors (1, -1)/sqrt2 (eigenvalue +mu) and
  (1, 1)/sqrt2 (eigenvalue -mu). We give chi10 the positive and chi20 the negative
  eigenvalue; only the relative sign is physical (it decides the chi20 -> chi10 l l m_ll
  shape and the production spin structure), and the opposite sign is the Higgsino case.
* chargino: U = V = [[0, 1], [1, 0]], so chi1+- is the charged Higgsino (U12 = V12 = 1).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from higgsino_sim.errors import UsageError

PDG_N1 = 1000022
PDG_N2 = 1000023
PDG_C1 = 1000024

_SQRT_HALF = math.sqrt(0.5)


@dataclass(frozen=True, slots=True)
class Spectrum:
    """Masses of the Higgsino multiplet [GeV] with the mixing of the pure-Higgsino limit.

    Attributes
    ----------
    m_c1, m_n1, m_n2 : float
        Physical (positive) masses of chi1+-, chi10, chi20 [GeV].
    sign_n1, sign_n2 : float
        Signs of the neutralino mass eigenvalues (+1 and -1 for the Higgsino).
    """

    m_c1: float
    m_n1: float
    m_n2: float
    sign_n1: float = 1.0
    sign_n2: float = -1.0
    #: rows chi10, chi20 of the neutralino mixing matrix N (basis B, W3, Hd, Hu).
    n_mix: np.ndarray = field(
        default_factory=lambda: np.array(
            [[0.0, 0.0, _SQRT_HALF, -_SQRT_HALF], [0.0, 0.0, _SQRT_HALF, _SQRT_HALF]]
        )
    )
    #: chargino mixing: first rows of U and V (light chargino).
    u_mix: np.ndarray = field(default_factory=lambda: np.array([0.0, 1.0]))
    v_mix: np.ndarray = field(default_factory=lambda: np.array([0.0, 1.0]))

    @property
    def dm(self) -> float:
        """m(chi1+-) - m(chi10) [GeV]."""
        return self.m_c1 - self.m_n1

    @property
    def dm0(self) -> float:
        """m(chi20) - m(chi10) [GeV]."""
        return self.m_n2 - self.m_n1

    @property
    def signed_n1(self) -> float:
        """Signed mass eigenvalue of chi10 [GeV]."""
        return self.sign_n1 * self.m_n1

    @property
    def signed_n2(self) -> float:
        """Signed mass eigenvalue of chi20 [GeV]."""
        return self.sign_n2 * self.m_n2

    def as_dict(self) -> dict[str, float]:
        """Plain-number summary for metadata and printing."""
        return {
            "m_chi1pm_gev": self.m_c1,
            "m_chi10_gev": self.m_n1,
            "m_chi20_gev": self.m_n2,
            "dm_gev": self.dm,
            "dm0_gev": self.dm0,
            "signed_m_chi10_gev": self.signed_n1,
            "signed_m_chi20_gev": self.signed_n2,
        }


def higgsino_spectrum(mass: float, dm: float, dm0: float | None = None) -> Spectrum:
    """Build the pure-Higgsino spectrum from the command-line conventions.

    Parameters
    ----------
    mass : float
        m(chi1+-) [GeV].
    dm : float
        m(chi1+-) - m(chi10) [GeV], > 0 and < mass.
    dm0 : float, optional
        m(chi20) - m(chi10) [GeV]; default 2 * dm.

    Raises
    ------
    UsageError
        On non-finite, non-positive or inconsistent values.
    """
    for name, value in (("--mass", mass), ("--dm", dm)) + (
        (("--dm0", dm0),) if dm0 is not None else ()
    ):
        if not math.isfinite(value):
            raise UsageError(f"{name} must be a finite number, got {value}")
        if value <= 0.0:
            raise UsageError(f"{name} must be positive (GeV), got {value:g}")
    if dm >= mass:
        raise UsageError(
            f"--dm ({dm:g} GeV) must be smaller than --mass ({mass:g} GeV): "
            "m(chi10) = mass - dm must stay positive"
        )
    if dm0 is None:
        dm0 = 2.0 * dm
    m_n1 = mass - dm
    return Spectrum(m_c1=float(mass), m_n1=float(m_n1), m_n2=float(m_n1 + dm0))
