"""Standard-model inputs, in GeV.

Masses and widths come from the ``particle`` package (PDG tables, MeV converted to GeV
here, the only place). The electroweak scheme is the G_mu scheme: G_F, m_W and m_Z fix
g, sin^2(theta_W) = 1 - m_W^2 / m_Z^2 and alpha = sqrt(2) G_F m_W^2 sin^2(theta_W) / pi.
"""

from __future__ import annotations

import math

import numpy as np
import scipy.constants
from particle import Particle

MEV_PER_GEV = 1000.0

#: 1 GeV^-2 in fb (hbar c)^2 = 0.3893793721 mb GeV^2 (CODATA, via scipy.constants).
GEV2_TO_FB: float = (
    (scipy.constants.hbar * scipy.constants.c / (scipy.constants.e * 1e9)) ** 2 * 1e43
)

#: Fermi constant [GeV^-2] (CODATA, scipy.constants).
G_F: float = scipy.constants.physical_constants["Fermi coupling constant"][0]


def _mass_width(pdgid: int) -> tuple[float, float]:
    p = Particle.from_pdgid(pdgid)
    return p.mass / MEV_PER_GEV, (p.width or 0.0) / MEV_PER_GEV


M_Z, GAMMA_Z = _mass_width(23)
M_W, GAMMA_W = _mass_width(24)

SIN2_THETA_W: float = 1.0 - M_W**2 / M_Z**2
COS_THETA_W: float = math.sqrt(1.0 - SIN2_THETA_W)
#: SU(2) coupling g^2 = 8 m_W^2 G_F / sqrt(2) (G_mu scheme).
G_WEAK: float = math.sqrt(8.0 * M_W**2 * G_F / math.sqrt(2.0))
#: Electromagnetic coupling e = g sin(theta_W).
E_CHARGE: float = G_WEAK * math.sqrt(SIN2_THETA_W)

#: |V_CKM| (PDG 2024, "CKM quark-mixing matrix" review, Eqs. 12.7-12.12 individual
#: determinations), rows (u, c), columns (d, s, b). CP phase neglected (it does not enter
#: the |M|^2 of s-channel W exchange with massless quarks).
V_CKM = np.array(
    [
        [0.97367, 0.22431, 0.00382],
        [0.221, 0.975, 0.0408],
    ]
)

#: Quark electric charges and weak isospin by PDG id (d, u, s, c, b).
QUARK_CHARGE = {1: -1.0 / 3.0, 2: 2.0 / 3.0, 3: -1.0 / 3.0, 4: 2.0 / 3.0, 5: -1.0 / 3.0}
QUARK_T3 = {1: -0.5, 2: 0.5, 3: -0.5, 4: 0.5, 5: -0.5}
UP_TYPE = (2, 4)
DOWN_TYPE = (1, 3, 5)

#: hbar c [GeV mm] (CODATA, via scipy.constants): c*tau = HBARC_GEV_MM / Gamma.
HBARC_GEV_MM: float = scipy.constants.hbar * scipy.constants.c / (scipy.constants.e * 1e9) * 1e3


def mass(pdgid: int) -> float:
    """PDG mass [GeV] of ``pdgid`` from the ``particle`` package."""
    return _mass_width(pdgid)[0]


def charge(pdgid: int) -> float:
    """Electric charge [e] of ``pdgid`` from the ``particle`` package."""
    return float(Particle.from_pdgid(pdgid).charge)


#: Pseudoscalar decay constants [GeV], normalisation <0|A_mu|P(p)> = i F_P p_mu
#: (F_pi ~ 130 MeV): PDG 2024 review "Leptonic decays of charged pseudoscalar mesons",
#: f_pi+ = 130.2 +- 1.2 MeV and f_K+ = 155.7 +- 0.3 MeV (FLAG averages quoted there).
F_PI: float = 0.1302
F_K: float = 0.1557

#: alpha_s(m_Z) for the (1 + alpha_s/pi) correction of quark-level decay modes
#: (PDG 2024 world average 0.1180 +- 0.0009).
ALPHA_S_MZ: float = 0.1180
