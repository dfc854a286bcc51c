"""Decay tables of chi20 and chi1+-: channels, partial widths, branching fractions, c*tau.

Everything is computed from the spectrum (docs/decays.md): the couplings are those of
``higgsino_sim.processes`` (Haber & Kane), the widths integrate the exact matrix elements
of ``kernels/decay_matrix_elements.py`` over the phase space. A *channel* is what the
user sees and names (a contract: ``hsim spectrum --json`` and ``--br`` use the names,
written for the chi1+ / chi20 parent, daughters space-separated); it groups one or more
*modes*, the kinematic final states the kernel samples (e.g. ``chi10 hadrons`` = u dbar,
u sbar, c sbar, ...).

Hadrons at small splitting (docs/decays.md, "Hadronic modes"): the hadronic current is
split in its invariant mass q. Below Q_HADRON = 1 GeV only exclusive final states exist
(the pion pole through the axial current: chi10 pi, chi10 K, chi10 pi0; the two-pion
vector current with the rho form factor: chi10 pi pi0, chi10 pi pi); above it quark pairs
with the parton-model rate times (1 + alpha_s(q)/pi), each above its lightest hadronic
threshold. The total width is an integral over q of a bounded spectral function, so it is
continuous in the splitting by construction.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from higgsino_sim import constants as sm
from higgsino_sim.errors import UsageError
from higgsino_sim.processes import w_chi_couplings, z_neutralino_couplings
from higgsino_sim.spectrum import PDG_C1, PDG_N1, PDG_N2, Spectrum

if TYPE_CHECKING:
    from higgsino_sim.slha import SlhaInput

#: Invariant mass [GeV] of the hadronic system above which quark pairs replace the
#: exclusive pion modes (docs/decays.md).
Q_HADRON = 1.0

STATES: tuple[str, ...] = ("chi10", "chi20", "chi1pm")
_STATE_PDG = {"chi10": PDG_N1, "chi20": PDG_N2, "chi1pm": PDG_C1}

PRESETS: tuple[str, ...] = ("physical", "cms-sus-24-003")

# PDG ids used below
_E, _MU, _TAU, _NU_E, _NU_MU, _NU_TAU = 11, 13, 15, 12, 14, 16
_PI0, _PIP, _KP, _GAMMA = 111, 211, 321, 22

M_PI = sm.mass(_PIP)
M_PI0 = sm.mass(_PI0)
M_K = sm.mass(_KP)


@dataclass(frozen=True, slots=True)
class Mode:
    """One kinematic final state: parent -> chi' d1 [d2] (ids for the chi1+ / chi20 parent).

    Masses in GeV (``m_parent`` and ``m_chi`` signed); couplings as in
    ``kernels.decays`` (chi current a_L, a_R; fermion current b_L, b_R or meson factor b).
    """

    channel: str
    kind: int
    pdg: tuple[int, int, int]
    charge: tuple[int, int, int]
    m_parent: float
    m_chi: float
    m1: float
    m2: float
    couplings: tuple[complex, complex, complex, complex]
    boson: tuple[float, float]
    q_range: tuple[float, float] = (0.0, 0.0)
    multiplicity: float = 1.0  # colours x charge states
    qcd: bool = False
    form_factor: bool = False
    conjugate_half: bool = False
    fixed_width: float = 0.0
    width: float = 0.0

    @property
    def is_open(self) -> bool:
        """Kinematically allowed (the photon mode is open even with its default zero width)."""
        from higgsino_sim.kernels.decays import KIND_FERMIONS

        if self.kind < KIND_FERMIONS:  # the two-body kinds
            return abs(self.m_parent) > abs(self.m_chi) + self.m1
        return self.q_range[1] > self.q_range[0]


@dataclass(frozen=True, slots=True)
class DecayTable:
    """Channels of one state with partial widths [GeV] and branching fractions."""

    state: str
    mass: float
    modes: tuple[Mode, ...]
    partial_widths: dict[str, float]
    branching: dict[str, float]
    notes: tuple[str, ...] = ()
    #: total width [GeV] set from outside (an SLHA DECAY table); None: the computed one
    width_override: float | None = None

    @property
    def total_width(self) -> float:
        """Total width [GeV] (sum of the computed partial widths, or ``width_override``)."""
        if self.width_override is not None:
            return self.width_override
        return sum(self.partial_widths.values())

    @property
    def ctau_mm(self) -> float:
        """c*tau [mm] (inf for a stable state)."""
        w = self.total_width
        return sm.HBARC_GEV_MM / w if w > 0 else math.inf


@dataclass(frozen=True, slots=True)
class DecayModel:
    """Decay tables of every state, with the preset and overrides that produced them."""

    spectrum: Spectrum
    tables: dict[str, DecayTable]
    preset: str = "physical"
    overrides: tuple[tuple[str, str, float], ...] = ()
    notes: tuple[str, ...] = field(default=())
    #: ``SlhaInput.summary()`` of the SLHA file the masses/decays came from (None: none)
    slha: dict[str, object] | None = None

    def summary(self) -> dict[str, object]:
        """The JSON contract of `hsim spectrum --json` (also stored in event metadata)."""
        spec = self.spectrum
        masses = {"chi10": spec.m_n1, "chi20": spec.m_n2, "chi1pm": spec.m_c1}
        widths = {s: (self.tables[s].total_width if s in self.tables else 0.0) for s in STATES}
        ctau = {s: (self.tables[s].ctau_mm if s in self.tables else None) for s in STATES}
        return {
            "masses_gev": masses,
            "signed_masses_gev": {"chi10": spec.signed_n1, "chi20": spec.signed_n2,
                                  "chi1pm": spec.m_c1},
            "widths_gev": widths,
            "ctau_mm": {s: (None if v is None or math.isinf(v) else v) for s, v in ctau.items()},
            "partial_widths_gev": {s: dict(self.tables[s].partial_widths) if s in self.tables
                                   else {} for s in STATES},
            "branching_fractions": {s: dict(self.tables[s].branching) if s in self.tables
                                    else {} for s in STATES},
            "br_preset": self.preset,
            "br_overrides": [f"{s}:{c}={v:g}" for s, c, v in self.overrides],
            "notes": list(self.notes),
            **({"slha": self.slha} if self.slha is not None else {}),
        }


# ---------------------------------------------------------------------------- modes


def _w_modes(parent: float, chi: float, pdg_chi: int, q_chi: int, o_l: float, o_r: float,
             *, w_sign: int, name: str | None, conjugate_half: bool) -> list[Mode]:
    """Modes of parent -> chi' W* with W* -> f1 fbar2 of charge ``w_sign``.

    The chi current is g (O^L, O^R) (Haber-Kane: g W-_mu chibar0 g^mu (O^L P_L + O^R P_R)
    chi+ + h.c.; real mixing, so the Hermitian conjugate has the same couplings). The
    fermion current of W+* -> nu l+, u dbar (W-* -> l- nubar, d ubar) is (g/sqrt2) V P_L,
    f1 being the u-spinor particle. ``name`` (if given) replaces every channel name
    (aggregated channels such as ``chi1pm f f``).
    """
    from higgsino_sim.kernels.decays import KIND_FERMIONS, KIND_PIPI, KIND_PSEUDOSCALAR

    g = sm.G_WEAK
    a_l, a_r = complex(g * o_l), complex(g * o_r)
    dm = abs(parent) - abs(chi)
    w = (sm.M_W, sm.GAMMA_W)
    chi_label = {PDG_N1: "chi10", PDG_N2: "chi20", PDG_C1: "chi1pm"}[abs(pdg_chi)]
    sgn = w_sign

    def mk(ch: str, kind: int, d1: int, d2: int, b_l: float, **kw: object) -> Mode:
        # charges of colourless daughters (quarks are not tracks: 0)
        c1 = round(sm.charge(d1)) if abs(d1) > 10 else 0
        c2 = round(sm.charge(d2)) if d2 and abs(d2) > 10 else 0
        m1 = sm.mass(abs(d1)) if abs(d1) not in (12, 14, 16) else 0.0
        m2 = (sm.mass(abs(d2)) if abs(d2) not in (12, 14, 16) else 0.0) if d2 else 0.0
        # a conjugate_half mode stands for both charge-conjugate final states of a
        # Majorana parent, each at the full rate: twice the width, sampled 50/50
        mult = kw.pop("multiplicity", 1.0) * (2.0 if conjugate_half else 1.0)
        return Mode(name or f"{chi_label} {ch}", kind, (pdg_chi, d1, d2), (q_chi, c1, c2),
                    parent, chi, m1, m2, (a_l, a_r, complex(b_l), 0j), w,
                    multiplicity=mult, conjugate_half=conjugate_half,
                    **kw)  # type: ignore[arg-type]

    v = sm.V_CKM
    modes = [
        # <0| dbar g^mu g5 u |pi+> = i F_pi p^mu with the W vertex (g/sqrt2) V_ud P_L:
        # meson factor b = g V_ud F_pi / (2 sqrt2) (Chen, Drees, Gunion hep-ph/9902309)
        mk("pi", KIND_PSEUDOSCALAR, sgn * _PIP, 0, g * v[0, 0] * sm.F_PI / 8**0.5),
        mk("K", KIND_PSEUDOSCALAR, sgn * _KP, 0, g * v[0, 1] * sm.F_K / 8**0.5),
        # <pi+ pi0| ubar g^mu d |0> = sqrt2 F(q^2) (p+ - p0)^mu (isospin + CVC): b = g V_ud / 2
        mk("pi pi0", KIND_PIPI, sgn * _PIP, _PI0, g * v[0, 0] / 2,
           q_range=(M_PI + M_PI0, min(Q_HADRON, dm)), form_factor=True),
    ]
    for ch, nu, lep in (("e nu", _NU_E, _E), ("mu nu", _NU_MU, _MU), ("tau nu", _NU_TAU, _TAU)):
        d1, d2 = (nu, -lep) if sgn > 0 else (lep, -nu)
        modes.append(mk(ch, KIND_FERMIONS, d1, d2, g / 2**0.5,
                        q_range=(sm.mass(lep), dm)))
    # quark level above Q_HADRON and the lightest hadronic threshold of each pair
    for iu, idn, thr in (
        (0, 0, Q_HADRON), (0, 1, Q_HADRON),
        (1, 1, sm.mass(421) + sm.mass(321)),  # c sbar: D0 K+
        (1, 0, sm.mass(421) + sm.mass(_PIP)),  # c dbar: D0 pi+
    ):
        up, down = sm.UP_TYPE[iu], sm.DOWN_TYPE[idn]
        d1, d2 = (up, -down) if sgn > 0 else (down, -up)
        modes.append(mk("hadrons", KIND_FERMIONS, d1, d2, g * v[iu, idn] / 2**0.5,
                        q_range=(max(thr, Q_HADRON), dm), multiplicity=3.0, qcd=True))
    return modes


def _z_modes(spec: Spectrum) -> list[Mode]:
    """Modes of chi20 -> chi10 Z* (vertex (g/c_W)(O''^L P_L + O''^R P_R), Haber-Kane)."""
    from higgsino_sim.kernels.decays import KIND_FERMIONS, KIND_PIPI, KIND_PSEUDOSCALAR

    gz = sm.G_WEAK / sm.COS_THETA_W
    o_l, o_r = z_neutralino_couplings(spec, 1, 0)
    a_l, a_r = complex(gz * o_l), complex(gz * o_r)
    s2 = sm.SIN2_THETA_W
    parent, chi = spec.signed_n2, spec.signed_n1
    dm0 = spec.dm0
    z = (sm.M_Z, sm.GAMMA_Z)

    def mk(ch: str, kind: int, d1: int, d2: int, m1: float, m2: float, b_l: complex,
           b_r: complex = 0j, charges: tuple[int, int] = (0, 0), **kw: object) -> Mode:
        return Mode(f"chi10 {ch}", kind, (PDG_N1, d1, d2), (0, *charges), parent, chi, m1, m2,
                    (a_l, a_r, b_l, b_r), z, **kw)  # type: ignore[arg-type]

    modes = [
        # axial isovector: Z vertex -(g/c_W)(1/2) A^3, <0|A^3|pi0> = i (F_pi/sqrt2) p
        mk("pi0", KIND_PSEUDOSCALAR, _PI0, 0, M_PI0, 0.0, complex(gz * sm.F_PI / 8**0.5)),
        # vector isovector: (g/c_W)(1 - 2 s_W^2)/2 V^3, <pi+ pi-|V^3|0> = F(q^2)(p+ - p-)
        mk("pi pi", KIND_PIPI, _PIP, -_PIP, M_PI, M_PI, complex(gz * (1 - 2 * s2) / 2),
           charges=(1, -1), q_range=(2 * M_PI, min(Q_HADRON, dm0)), form_factor=True),
    ]
    # f fbar: (g/c_W)(T3 P_L - Q s_W^2)
    leptons = ((_E, "e e"), (_MU, "mu mu"), (_TAU, "tau tau"))
    for lep, ch in leptons:
        m_l = sm.mass(lep)
        b_l, b_r = gz * (-0.5 + s2), gz * s2
        modes.append(mk(ch, KIND_FERMIONS, lep, -lep, m_l, m_l, complex(b_l), complex(b_r),
                        charges=(-1, 1), q_range=(2 * m_l, dm0)))
    for nu in (_NU_E, _NU_MU, _NU_TAU):
        modes.append(mk("nu nu", KIND_FERMIONS, nu, -nu, 0.0, 0.0, complex(gz * 0.5),
                        q_range=(0.0, dm0)))
    thresholds = {1: Q_HADRON, 2: Q_HADRON, 3: Q_HADRON,
                  4: 2 * sm.mass(421), 5: 2 * sm.mass(511)}  # D0 D0bar, B0 B0bar
    for q, thr in thresholds.items():
        t3, qq = sm.QUARK_T3[q], sm.QUARK_CHARGE[q]
        mq = sm.mass(q)
        modes.append(mk("hadrons", KIND_FERMIONS, q, -q, mq, mq, complex(gz * (t3 - qq * s2)),
                        complex(-gz * qq * s2), q_range=(max(thr, Q_HADRON), dm0),
                        multiplicity=3.0, qcd=True))
    return modes


def _chi20_modes(spec: Spectrum) -> list[Mode]:
    from higgsino_sim.kernels.decays import KIND_PHOTON

    modes = _z_modes(spec)
    if spec.m_n2 > spec.m_c1:
        # chi20 -> chi1+ W-* and chi1- W+*, each at the full rate (Majorana parent): modes
        # of multiplicity 2, the charge chosen 50/50 per decay in the kernel
        o_l, o_r = w_chi_couplings(spec, 1)
        modes += _w_modes(spec.signed_n2, spec.m_c1, PDG_C1, 1, o_l, o_r, w_sign=-1,
                          name="chi1pm f f", conjugate_half=True)
    modes.append(Mode("chi10 gamma", KIND_PHOTON, (PDG_N1, _GAMMA, 0), (0, 0, 0),
                      spec.signed_n2, spec.signed_n1, 0.0, 0.0, (0j, 0j, 0j, 0j), (0.0, 0.0)))
    return modes


def _chi1_modes(spec: Spectrum) -> list[Mode]:
    o_l, o_r = w_chi_couplings(spec, 0)
    modes = _w_modes(spec.m_c1, spec.signed_n1, PDG_N1, 0, o_l, o_r, w_sign=1, name=None,
                     conjugate_half=False)
    if spec.m_c1 > spec.m_n2:
        o_l, o_r = w_chi_couplings(spec, 1)
        modes += _w_modes(spec.m_c1, spec.signed_n2, PDG_N2, 0, o_l, o_r, w_sign=1,
                          name="chi20 f f", conjugate_half=False)
    return modes


# ------------------------------------------------------------------- kernel packing


@dataclass(frozen=True, slots=True)
class ModeArrays:
    """Modes packed for ``kernels.decays`` (see its docstring)."""

    mode_f: np.ndarray
    mode_i: np.ndarray
    mode_c: np.ndarray


def pack_modes(modes: Iterable[Mode], channel_index: Mapping[str, int] | None = None,
               next_state: Mapping[int, int] | None = None) -> ModeArrays:
    """Pack modes into kernel arrays; ``channel_index`` maps channel names to the label
    index, ``next_state`` maps |PDG id| of chi' to its state index (absent: stable)."""
    from higgsino_sim.kernels import decays as kd

    modes = list(modes)
    n = len(modes)
    mode_f = np.zeros((n, kd.N_MF))
    mode_i = np.zeros((n, kd.N_MI), dtype=np.int64)
    mode_c = np.zeros((n, 4), dtype=np.complex128)
    for k, m in enumerate(modes):
        mv, gv = m.boson
        mode_f[k, : kd.MF_ME] = (m.m_parent, m.m_chi, m.m1, m.m2, mv, gv,
                                 1.0 / mv**2 if mv > 0 else 0.0, m.q_range[0], m.q_range[1],
                                 m.multiplicity, m.fixed_width)
        nxt = (next_state or {}).get(abs(m.pdg[0]), -1)
        mode_i[k] = (m.kind, m.pdg[0], m.pdg[1], m.pdg[2], m.charge[0], m.charge[1],
                     m.charge[2], nxt, int(m.conjugate_half), int(m.qcd), int(m.form_factor),
                     (channel_index or {}).get(m.channel, -1))
        mode_c[k] = m.couplings
    kd.set_me_coefficients(mode_f, mode_i, mode_c)
    return ModeArrays(mode_f, mode_i, mode_c)


@functools.lru_cache(maxsize=4)
def _gauss_legendre_unit(n: int) -> tuple[np.ndarray, np.ndarray]:
    x, w = np.polynomial.legendre.leggauss(n)
    return 0.5 * (x + 1.0), 0.5 * w


def mode_widths(modes: list[Mode], n_gauss: int | None = None) -> np.ndarray:
    """Partial width [GeV] of every mode (exact matrix elements, Gauss-Legendre)."""
    from higgsino_sim.kernels import decays as kd

    arr = pack_modes(modes)
    gx, gw = _gauss_legendre_unit(n_gauss or kd.GL_U)
    return np.array([kd.mode_width(arr.mode_f, arr.mode_i, arr.mode_c, k, gx, gw,
                                   sm.ALPHA_S_MZ, sm.M_Z) for k in range(len(modes))])


# --------------------------------------------------------------- tables and presets


def _table(state: str, mass: float, modes: list[Mode]) -> DecayTable:
    widths = mode_widths(modes)
    modes = [replace(m, width=float(w)) for m, w in zip(modes, widths, strict=True)]
    partial: dict[str, float] = {}
    for m in modes:
        partial[m.channel] = partial.get(m.channel, 0.0) + m.width
    total = sum(partial.values())
    if not total > 0:
        raise UsageError(f"{state} has no open decay channel for this spectrum; "
                         "increase the mass splitting")
    return DecayTable(state, mass, tuple(modes), partial,
                      {c: w / total for c, w in partial.items()})


def parse_br_override(text: str) -> tuple[str, str, float]:
    """Parse ``STATE:CHANNEL=VALUE`` (e.g. ``chi20:chi10 mu mu=0.1``)."""
    try:
        lhs, value = text.rsplit("=", 1)
        state, channel = lhs.split(":", 1)
        v = float(value)
    except ValueError:
        raise UsageError(
            f"--br {text!r}: expected STATE:CHANNEL=VALUE, e.g. --br 'chi20:chi10 mu mu=0.1'"
        ) from None
    state, channel = state.strip(), " ".join(channel.split())
    if not (math.isfinite(v) and 0.0 <= v <= 1.0):
        raise UsageError(f"--br {text!r}: the branching fraction must be in [0, 1]")
    return state, channel, v


def _apply(table: DecayTable, fixed: dict[str, float], source: str) -> DecayTable:
    """Set the branching fractions in ``fixed`` and scale the others to sum to one."""
    state = table.state
    for ch, value in fixed.items():
        if ch not in table.branching:
            raise UsageError(f"{source}: {state} has no channel {ch!r}; channels: "
                             + ", ".join(repr(c) for c in table.branching))
        if value > 0 and not any(m.is_open for m in table.modes if m.channel == ch):
            raise UsageError(f"{source}: {state} -> {ch} is kinematically closed for this "
                             "spectrum")
    set_sum = sum(fixed.values())
    if set_sum > 1.0 + 1e-12:
        raise UsageError(f"{source}: the {state} branching fractions set sum to "
                         f"{set_sum:g} > 1")
    rest = {c: b for c, b in table.branching.items() if c not in fixed}
    rest_sum = sum(rest.values())
    notes = list(table.notes)
    if rest_sum > 0:
        scale = (1.0 - set_sum) / rest_sum
        new = {**{c: b * scale for c, b in rest.items()}, **fixed}
        if rest and scale > 0:
            notes.append(f"{source}: other {state} channels scaled by {scale:.6g} "
                         "(total width unchanged)")
        elif rest:
            notes.append(f"{source}: other {state} channels set to 0 (total width unchanged)")
    elif abs(set_sum - 1.0) > 1e-9:
        raise UsageError(f"{source}: the {state} branching fractions set sum to {set_sum:g} "
                         "and no other channel is open to take the rest")
    else:
        new = {**dict.fromkeys(rest, 0.0), **fixed}
    branching = {c: new[c] for c in table.branching}
    return replace(table, branching=branching, notes=tuple(notes))


def _preset_values(preset: str) -> dict[str, dict[str, float]]:
    if preset == "physical":
        return {}
    if preset == "cms-sus-24-003":
        # CMS low-momentum lepton-track search (seed 001, section 1): B(Z* -> ee) =
        # B(Z* -> mumu) = 5 %, chargino 100 % to a single pion
        return {"chi20": {"chi10 e e": 0.05, "chi10 mu mu": 0.05}, "chi1pm": {"chi10 pi": 1.0}}
    raise UsageError(f"unknown --br-preset {preset!r}; choose from {', '.join(PRESETS)}")


def _apply_slha(table: DecayTable, slha: SlhaInput) -> DecayTable:
    """Total width and (if given) branching fractions of ``table`` from an SLHA file.

    The computed partial and mode widths are scaled by width(file) / width(computed), so
    they add up to the file's width and keep the computed split between modes.
    """
    state = table.state
    source = f"--slha {slha.path}"
    if state in slha.widths:
        computed = table.total_width
        width = slha.widths[state]
        f = width / computed
        table = replace(
            table, modes=tuple(replace(m, width=m.width * f) for m in table.modes),
            partial_widths={c: w * f for c, w in table.partial_widths.items()},
            width_override=width)
    if state in slha.branching:
        table = _apply(table, slha.branching[state], source)
    return table


def decay_model(spec: Spectrum, preset: str = "physical",
                overrides: Iterable[str | tuple[str, str, float]] = (),
                slha: SlhaInput | None = None) -> DecayModel:
    """Widths and branching fractions of chi20 and chi1+- for ``spec``.

    Parameters
    ----------
    preset : str
        ``physical`` (branching fractions = partial / total widths) or ``cms-sus-24-003``.
    overrides : iterable
        ``STATE:CHANNEL=VALUE`` strings (or parsed triples), applied after the preset;
        the other channels of that state are scaled to keep the sum at one. Lifetimes
        follow the computed total widths (or the SLHA file's).
    slha : SlhaInput, optional
        From ``higgsino_sim.slha.read_slha``: its DECAY widths replace the computed total
        widths, its branching fractions the computed ones (before the preset and the
        overrides, which then rescale the file's values).
    """
    tables = {
        "chi20": _table("chi20", spec.m_n2, _chi20_modes(spec)),
        "chi1pm": _table("chi1pm", spec.m_c1, _chi1_modes(spec)),
    }
    if slha is not None:
        tables = {s: _apply_slha(t, slha) for s, t in tables.items()}
    parsed = tuple(parse_br_override(o) if isinstance(o, str) else o for o in overrides)
    # the preset's values and the overrides are fixed together (an override replaces a
    # preset value); the remaining channels share what is left in physical proportions
    fixed = {s: dict(v) for s, v in _preset_values(preset).items()}
    sources = dict.fromkeys(fixed, f"--br-preset {preset}")
    for state, channel, value in parsed:
        if state not in tables:
            raise UsageError(f"--br {state}:{channel}: unknown or stable state {state!r}; "
                             "choose chi20 or chi1pm")
        fixed.setdefault(state, {})[channel] = value
        if state not in sources:
            sources[state] = "--br"
        elif not sources[state].endswith("--br"):
            sources[state] += " and --br"
    notes: list[str] = []
    for state, values in fixed.items():
        tables[state] = _apply(tables[state], values, sources[state])
        notes += tables[state].notes
    return DecayModel(spec, tables, preset, parsed, tuple(notes),
                      None if slha is None else slha.summary())


def channel_labels(model: DecayModel) -> list[str]:
    """Global channel labels ``STATE:CHANNEL`` in kernel order."""
    return [f"{s}:{c}" for s in ("chi20", "chi1pm") for c in model.tables[s].branching]


@dataclass(frozen=True, slots=True)
class KernelTables:
    """Everything ``kernels.decays.decay_block`` needs, plus the channel labels."""

    state_pdg: np.ndarray
    state_ctau: np.ndarray
    state_first: np.ndarray
    state_cum: np.ndarray
    arrays: ModeArrays
    env_coef: np.ndarray
    env_alias: np.ndarray
    labels: tuple[str, ...]

    def kernel_args(self) -> tuple[np.ndarray, ...]:
        a = self.arrays
        return (self.state_pdg, self.state_ctau, self.state_first, self.state_cum, a.mode_f,
                a.mode_i, a.mode_c, self.env_coef, self.env_alias)

    def decay(self, rng: np.random.Generator, leg_pdg: np.ndarray, leg_mom: np.ndarray,
              bfield: float) -> DecayedLegs:
        """Decay the legs (PDG ids [n, 2], four-momenta [n, 2, 4] in GeV) with
        ``kernels.decays.decay_block`` in a field of ``bfield`` tesla."""
        from higgsino_sim.kernels import decays as kd

        n = leg_pdg.shape[0]
        out = DecayedLegs(np.empty((n, 2, kd.N_LF)), np.empty((n, 2), dtype=np.int64),
                          np.empty((n, kd.N_SLOTS, kd.N_SI), dtype=np.int64),
                          np.empty((n, kd.N_SLOTS, kd.N_SF)), np.zeros(2, dtype=np.int64))
        kd.decay_block(rng, leg_pdg, leg_mom, *self.kernel_args(), sm.ALPHA_S_MZ, sm.M_Z,
                       bfield, *out)
        return out


class DecayedLegs(NamedTuple):
    """Output of ``decay_block`` (layout in kernels.decays): leg vertices and channels,
    product slots, and the sampling counters (trials, envelope violations)."""

    leg_f: np.ndarray
    leg_i: np.ndarray
    slot_i: np.ndarray
    slot_f: np.ndarray
    counters: np.ndarray


def kernel_tables(model: DecayModel) -> KernelTables:
    """Pack the decay model for the sampling kernel (modes with zero probability dropped)."""
    from higgsino_sim.kernels import decays as kd

    labels = channel_labels(model)
    index = {lab: i for i, lab in enumerate(labels)}
    states = ("chi20", "chi1pm")
    next_state = {_STATE_PDG[s]: i for i, s in enumerate(states)}
    modes: list[Mode] = []
    probs: list[float] = []
    first = [0]
    ctau = []
    for s in states:
        t = model.tables[s]
        for m in t.modes:
            ch_w = t.partial_widths[m.channel]
            br = t.branching[m.channel]
            # within a channel the modes share its branching fraction by their widths
            p = br * (m.width / ch_w if ch_w > 0 else 1.0 / sum(
                1 for x in t.modes if x.channel == m.channel))
            if p > 0:
                modes.append(replace(m, channel=f"{s}:{m.channel}"))
                probs.append(p)
        first.append(len(modes))
        ctau.append(t.ctau_mm)
    arr = pack_modes(modes, index, next_state)
    cum = np.zeros(len(modes))
    for i in range(len(states)):
        p = np.array(probs[first[i] : first[i + 1]])
        c = np.cumsum(p) / p.sum()
        c[-1] = 1.0
        cum[first[i] : first[i + 1]] = c
    env_coef = np.zeros((len(modes), kd.N_ENV, kd.N_SHAPES))
    env_alias = np.zeros((len(modes), kd.N_CELLS, 2))
    for k in range(len(modes)):
        if arr.mode_i[k, kd.MI_KIND] in (kd.KIND_FERMIONS, kd.KIND_PIPI):
            kd.build_envelope(arr.mode_f, arr.mode_i, arr.mode_c, k, sm.ALPHA_S_MZ, sm.M_Z,
                              env_coef, env_alias)
    return KernelTables(np.array([_STATE_PDG[s] for s in states], dtype=np.int64),
                        np.array(ctau), np.array(first, dtype=np.int64), cum, arr, env_coef,
                        env_alias, tuple(labels))
