"""Hard-process sampling: pp -> chi_a chi_b (+ jet) trial points with weights.

One call handles one fixed-size block of trial points with its own RNG stream, so the
output never depends on how blocks are grouped into chunks or threads.

Process tables (built by ``higgsino_sim.processes``), indexed by subprocess p:
  proc_m[p, 2]          signed masses (m_a, m_b) [GeV] as used in the spinor sums
  proc_prob[p]          probability to pick p for a trial point
  proc_kfac[p]          normalisation factor applied to the weight (K-factor)
  bos_m[p, 2], bos_w[p, 2], n_bos[p]   exchanged bosons (mass, width) [GeV]
  coup[p, c, v, 4]      complex couplings a_i b_j of class c through boson v (LL, LR, RL, RR)
  n_pair[p]             number of flavour pairs
  pair_q[p, k], pair_qb[p, k]   PDG ids of the quark and of the antiquark of pair k
  pair_class[p, k], pair_w[p, k] coupling class and weight (|V_CKM|^2 or 1) of pair k

Phase-space parametrisation (docs/generator.md): jet transverse momentum squared and
chi-pair invariant mass squared from power laws, rapidity difference uniform, partonic
rapidity uniform, chi-pair decay angles uniform (the |M|^2 carries all correlations):
  dx1 dx2 dPhi_3 = dpT^2/(8 pi s) dY d(Delta y) dphi/(2 pi) dQ^2/(2 pi) beta/(8 pi) dOmega/(4 pi)
(the two-body phase spaces of PDG Review "Kinematics", Eqs. 49.12 and 49.17-49.20).
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from higgsino_sim.kernels.kinematics import (
    kallen,
    power_law_draw,
    power_law_setup,
    sample_power_law,
    two_body_decay,
)
from higgsino_sim.kernels.matrix_elements import (
    CFG_GQ,
    CFG_GQB,
    CFG_QBG,
    CFG_QBQ,
    CFG_QG,
    CFG_QQB,
    N_CFG,
    coupling_sums4,
    me2_2to3_basis,
    me2_2to3_configs,
    me2_qqbar_chichi,
)
from higgsino_sim.kernels.pdf_interp import alphas_q2_log, xfx_all, xfx_pair

# columns of the float output table
F_WEIGHT, F_X1, F_X2, F_MU, F_ALPHAS = 0, 1, 2, 3, 4
F_A = 5  # chi_a four-momentum: 5..8
F_B = 9  # chi_b: 9..12
F_J = 13  # jet parton: 13..16
F_P1 = 17  # incoming parton 1 energy (along +z)
F_P2 = 18  # incoming parton 2 energy (along -z)
N_F = 19
# columns of the integer output table
I_PROC, I_ID1, I_ID2, I_IDJ = 0, 1, 2, 3
N_I = 4

# parton configurations for the 2 -> 3 processes: CFG_* (imported from matrix_elements)


@nb.njit(cache=True, error_model="numpy", inline="always")
def _couplings(coup, p, c, n_bos, bos_m, bos_w, q2, out):
    """C_ij(Q^2) = sum_v coup[p, c, v, ij] / (Q^2 - M_v^2 + i M_v Gamma_v)."""
    for ij in range(4):
        out[ij] = 0.0
    for v in range(n_bos[p]):
        m = bos_m[p, v]
        prop = 1.0 / complex(q2 - m * m, m * bos_w[p, v])
        for ij in range(4):
            out[ij] += coup[p, c, v, ij] * prop
    return out


#: dimensions of the adaptive (VEGAS) map: pT^2, Q^2, Delta y, Y, cos theta, phi (decay)
N_DIM = 6


@nb.njit(cache=True, error_model="numpy", inline="always")
def vegas_map(r, edges, d, bins, t):
    """Map a uniform r through the VEGAS grid of dimension d (Lepage, J. Comput. Phys.
    27 (1978) 192): piecewise-linear inverse CDF with equal probability per bin.
    Returns (y, dy/dr); records the bin in bins[t, d]."""
    nb_ = edges.shape[1] - 1
    x = r * nb_
    i = min(int(x), nb_ - 1)
    lo = edges[d, i]
    width = edges[d, i + 1] - lo
    bins[t, d] = i
    return lo + (x - i) * width, nb_ * width


@nb.njit(cache=True, error_model="numpy", inline="always")
def _pick(r, proc_prob):
    acc = 0.0
    for k in range(proc_prob.size):
        acc += proc_prob[k]
        if r < acc:
            return k
    return proc_prob.size - 1


@nb.njit(cache=True, nogil=True, error_model="numpy")
def sample_block_2to3(
    rng,
    n_trials,
    w_max,
    sqrt_s,
    pt_min,
    params,
    proc_m,
    proc_prob,
    proc_kfac,
    n_bos,
    bos_m,
    bos_w,
    coup,
    n_pair,
    pair_q,
    pair_qb,
    pair_class,
    pair_w,
    pdf_grid,
    as_grid,
    gev2_to_fb,
    out_f,
    out_i,
    trial_w,
    trial_p,
    vgrid,
    trial_bins,
):
    """Sample ``n_trials`` points of pp -> chi_a chi_b + parton; keep events.

    With ``w_max > 0`` a point of weight w is kept with probability min(1, w / w_max)
    (unweighting); with ``w_max <= 0`` every point of non-zero weight is kept. The
    weight of every trial (0 outside phase space) goes to ``trial_w`` and its
    subprocess to ``trial_p`` (arrays of length n_trials), the kept events to
    ``out_f``/``out_i`` (columns F_*, I_*). Returns the number of kept events.

    params = (pt2 exponent, Q^2 exponent, max |Delta y|) of the importance sampling;
    ``vgrid`` (N_DIM, n_bins + 1) is the adaptive map applied to the uniform numbers first,
    ``trial_bins`` (n_trials, N_DIM) receives the bins used (for adapting the map).
    """
    s = sqrt_s * sqrt_s
    a_pt, a_q, dy_max = params[0], params[1], params[2]
    # power-law constants: pT^2 per block, Q^2 per subprocess (threshold (|m_a| + |m_b|)^2)
    e_pt, lo_pt, span_pt = power_law_setup(pt_min * pt_min, 0.25 * s, a_pt)
    n_proc = proc_m.shape[0]
    lo_q = np.empty(n_proc)
    span_q = np.empty(n_proc)
    n_cls = np.zeros(n_proc, dtype=np.int64)  # coupling classes used by the pairs of p
    e_q = 1.0 - a_q  # the same for every p
    for p in range(n_proc):
        e_q, lo_q[p], span_q[p] = power_law_setup(
            (abs(proc_m[p, 0]) + abs(proc_m[p, 1])) ** 2, s, a_q
        )
        for k in range(n_pair[p]):
            n_cls[p] = max(n_cls[p], pair_class[p, k] + 1)
    # constant factors of the weight of subprocess p: 2 dy_max (Delta y range), the phase-space
    # normalisation 1/(8 pi s) 1/(2 pi) 1/(8 pi) (module docstring), fb per GeV^-2, K-factor,
    # 1/probability to pick p
    w_const = np.empty(n_proc)
    for p in range(n_proc):
        w_const[p] = (
            (2.0 * dy_max)
            / (8.0 * math.pi * s)
            / (2.0 * math.pi)
            / (8.0 * math.pi)
            * gev2_to_fb
            * proc_kfac[p]
            / proc_prob[p]
        )
    # unpacked once: unpacking in the loop costs atomic reference-count updates
    xs, log_xs, q2s, log_q2s, coeffs, q_mode = pdf_grid
    as_q2s, as_log_q2s, as_values, as_mode = as_grid
    p1 = np.zeros(4)
    p2 = np.zeros(4)
    pj = np.zeros(4)
    pv = np.zeros(4)
    k1 = np.zeros(4)
    k2 = np.zeros(4)
    xf1 = np.zeros(11)
    xf2 = np.zeros(11)
    basis = np.zeros((3, 3))
    me = np.zeros((2, N_CFG))
    terms = np.zeros(6 * N_CFG)
    n_keep = 0
    for t in range(n_trials):
        trial_w[t] = 0.0
        r_proc = rng.random()
        p = _pick(r_proc, proc_prob)
        trial_p[t] = p
        ma = proc_m[p, 0]
        mb = proc_m[p, 1]
        u0, j0 = vegas_map(rng.random(), vgrid, 0, trial_bins, t)
        u1, j1 = vegas_map(rng.random(), vgrid, 1, trial_bins, t)
        u2, j2 = vegas_map(rng.random(), vgrid, 2, trial_bins, t)
        r_y, j3 = vegas_map(rng.random(), vgrid, 3, trial_bins, t)
        u4, j4 = vegas_map(rng.random(), vgrid, 4, trial_bins, t)
        u5, j5 = vegas_map(rng.random(), vgrid, 5, trial_bins, t)
        w_map = j0 * j1 * j2 * j3 * j4 * j5
        pt2, w_pt = power_law_draw(u0, e_pt, lo_pt, span_pt)
        q2, w_q = power_law_draw(u1, e_q, lo_q[p], span_q[p])
        dy = dy_max * (2.0 * u2 - 1.0)
        phi = 2.0 * math.pi * rng.random()
        cos_th = 2.0 * u4 - 1.0
        phi_d = 2.0 * math.pi * u5
        r_acc = rng.random()
        r_flav = rng.random()
        pt = math.sqrt(pt2)
        mt = math.sqrt(q2 + pt2)
        # Light-cone components E +- pz: chi pair at rapidity dy/2 and jet at -dy/2 have
        # V+- = mt e^(+-dy/2), J+- = pt e^(-+dy/2); the system P+- = V+- + J+-, shat = P+ P-.
        ea = math.exp(0.5 * dy)
        ia = 1.0 / ea
        pp = mt * ea + pt * ia
        pm = mt * ia + pt * ea
        shat = pp * pm
        if shat >= s:
            continue
        tau = shat / s
        log_tau = math.log(tau)
        y_sys = 0.5 * log_tau * (2.0 * r_y - 1.0)  # uniform in [ln sqrt(tau), -ln sqrt(tau)]
        ey = math.exp(y_sys)
        sqrt_tau = math.sqrt(tau)
        x1 = sqrt_tau * ey
        x2 = sqrt_tau / ey
        if x1 >= 1.0 or x2 >= 1.0:
            continue
        # Longitudinal boost to the lab, P+ -> x1 sqrt(s), P- -> x2 sqrt(s): light-cone
        # components scale by b and 1/b (the rapidity shift y_sys - y_P of the system).
        bp = x1 * sqrt_s / pp
        bm = x2 * sqrt_s / pm  # = 1 / bp up to rounding
        vp = mt * ea * bp
        vm = mt * ia * bm
        jp = pt * ia * bp
        jm = pt * ea * bm
        cphi = math.cos(phi)
        sphi = math.sin(phi)
        pv[0] = 0.5 * (vp + vm)
        pv[1] = pt * cphi
        pv[2] = pt * sphi
        pv[3] = 0.5 * (vp - vm)
        pj[0] = 0.5 * (jp + jm)
        pj[1] = -pt * cphi
        pj[2] = -pt * sphi
        pj[3] = 0.5 * (jp - jm)
        p1[0] = 0.5 * x1 * sqrt_s
        p1[3] = p1[0]
        p2[0] = 0.5 * x2 * sqrt_s
        p2[3] = -p2[0]
        q = math.sqrt(q2)
        if not two_body_decay(pv, q, ma, mb, cos_th, phi_d, k1, k2):
            continue
        # scale: half the sum of transverse masses of the final state
        mta = math.sqrt(ma * ma + k1[1] * k1[1] + k1[2] * k1[2])
        mtb = math.sqrt(mb * mb + k2[1] * k2[1] + k2[2] * k2[2])
        mu = 0.5 * (mta + mtb + pt)
        mu2 = mu * mu
        log_mu2 = math.log(mu2)
        # ln x1,2 = ln sqrt(tau) +- y_sys (no log call)
        xfx_pair(xs, log_xs, q2s, log_q2s, coeffs, q_mode, x1, 0.5 * log_tau + y_sys, x2,
                 0.5 * log_tau - y_sys, mu2, log_mu2, xf1, xf2)
        als = alphas_q2_log(as_q2s, as_log_q2s, as_values, as_mode, mu2, log_mu2)
        gs2 = 4.0 * math.pi * als
        # |M|^2 per coupling class and parton configuration: the coupling-free parts are
        # shared by all classes (matrix_elements.me2_2to3_basis)
        me2_2to3_basis(p1, p2, pj, k1, k2, ma, mb, gs2, basis)
        for c in range(n_cls[p]):
            # C_ij(Q^2) of _couplings, written out: array arguments of an inlined function
            # cost atomic reference-count updates in this loop
            c_ll = c_lr = c_rl = c_rr = 0j
            for v in range(n_bos[p]):
                m = bos_m[p, v]
                prop = 1.0 / complex(q2 - m * m, m * bos_w[p, v])
                c_ll += coup[p, c, v, 0] * prop
                c_lr += coup[p, c, v, 1] * prop
                c_rl += coup[p, c, v, 2] * prop
                c_rr += coup[p, c, v, 3] * prop
            same, opp, mix = coupling_sums4(c_ll, c_lr, c_rl, c_rr)
            me2_2to3_configs(basis, same, opp, mix, me, c)
        total = 0.0
        n_terms = 0
        for k in range(n_pair[p]):
            c = pair_class[p, k]
            iq = pair_q[p, k] + 5
            iqb = pair_qb[p, k] + 5
            wk = pair_w[p, k]
            # x f(x) products; the 1/(x1 x2) goes into the common factor
            terms[n_terms + CFG_QQB] = wk * xf1[iq] * xf2[iqb] * me[c, CFG_QQB]
            terms[n_terms + CFG_QBQ] = wk * xf1[iqb] * xf2[iq] * me[c, CFG_QBQ]
            terms[n_terms + CFG_QG] = wk * xf1[iq] * xf2[5] * me[c, CFG_QG]
            terms[n_terms + CFG_GQ] = wk * xf1[5] * xf2[iq] * me[c, CFG_GQ]
            terms[n_terms + CFG_QBG] = wk * xf1[iqb] * xf2[5] * me[c, CFG_QBG]
            terms[n_terms + CFG_GQB] = wk * xf1[5] * xf2[iqb] * me[c, CFG_GQB]
            for j in range(N_CFG):
                total += terms[n_terms + j]
            n_terms += N_CFG
        if not total > 0.0:
            continue
        beta = math.sqrt(max(kallen(q2, ma * ma, mb * mb), 0.0)) / q2
        # flux 1/(2 shat), 1/(x1 x2) of the x f products, the phase-space Jacobian (module
        # docstring) and the constant factors of w_const
        w = total / (x1 * x2 * 2.0 * shat) * (w_map * w_pt * w_q * (-log_tau) * beta) * w_const[p]
        trial_w[t] = w
        if w_max > 0.0 and w < r_acc * w_max:
            continue
        # choose the flavour/configuration of this event proportionally to its share
        target = r_flav * total
        acc = 0.0
        pick = n_terms - 1
        for j in range(n_terms):
            acc += terms[j]
            if target < acc:
                pick = j
                break
        k = pick // N_CFG
        cfg = pick % N_CFG
        q_id = pair_q[p, k]
        qb_id = pair_qb[p, k]
        if cfg == CFG_QQB:
            id1, id2, idj = q_id, qb_id, 21
        elif cfg == CFG_QBQ:
            id1, id2, idj = qb_id, q_id, 21
        elif cfg == CFG_QG:
            id1, id2, idj = q_id, 21, -qb_id
        elif cfg == CFG_GQ:
            id1, id2, idj = 21, q_id, -qb_id
        elif cfg == CFG_QBG:
            id1, id2, idj = qb_id, 21, -q_id
        else:
            id1, id2, idj = 21, qb_id, -q_id
        out_f[n_keep, F_WEIGHT] = w
        out_f[n_keep, F_X1] = x1
        out_f[n_keep, F_X2] = x2
        out_f[n_keep, F_MU] = mu
        out_f[n_keep, F_ALPHAS] = als
        for i in range(4):
            out_f[n_keep, F_A + i] = k1[i]
            out_f[n_keep, F_B + i] = k2[i]
            out_f[n_keep, F_J + i] = pj[i]
        out_f[n_keep, F_P1] = p1[0]
        out_f[n_keep, F_P2] = p2[0]
        out_i[n_keep, I_PROC] = p
        out_i[n_keep, I_ID1] = id1
        out_i[n_keep, I_ID2] = id2
        out_i[n_keep, I_IDJ] = idj
        n_keep += 1
    return n_keep


@nb.njit(cache=True, nogil=True, error_model="numpy")
def integrate_2to2(
    rng,
    n_trials,
    p,
    sqrt_s,
    tau_exponent,
    proc_m,
    n_bos,
    bos_m,
    bos_w,
    coup,
    n_pair,
    pair_q,
    pair_qb,
    pair_class,
    pair_w,
    pdf_grid,
    gev2_to_fb,
):
    """Monte Carlo estimate of the inclusive LO sigma(pp -> chi_a chi_b) [fb] of process p.

    Importance sampling: tau = x1 x2 ~ tau^-tau_exponent, partonic rapidity uniform,
    decay angles uniform; scale mu = (|m_a| + |m_b|) / 2. Returns (sum w, sum w^2).
    """
    s = sqrt_s * sqrt_s
    ma = proc_m[p, 0]
    mb = proc_m[p, 1]
    tau_lo = (abs(ma) + abs(mb)) ** 2 / s
    p1 = np.zeros(4)
    p2 = np.zeros(4)
    pv = np.zeros(4)
    k1 = np.zeros(4)
    k2 = np.zeros(4)
    xf1 = np.zeros(11)
    xf2 = np.zeros(11)
    cc = np.zeros(4, dtype=np.complex128)
    me = np.zeros((2, 2))
    # fixed scale: the mean mass of the pair, the central scale of the NLO+NLL tables
    # (Resummino, LHC SUSY XS WG), so that K = NLO+NLL / LO compares like with like
    mu2 = (0.5 * (abs(ma) + abs(mb))) ** 2
    sw = 0.0
    sw2 = 0.0
    n_cls = 0
    for k in range(n_pair[p]):
        n_cls = max(n_cls, pair_class[p, k] + 1)
    for _ in range(n_trials):
        tau, w_tau = sample_power_law(rng.random(), tau_lo, 1.0, tau_exponent)
        r_y = rng.random()
        cos_th = 2.0 * rng.random() - 1.0
        phi = 2.0 * math.pi * rng.random()
        log_tau = math.log(tau)
        y = 0.5 * log_tau * (2.0 * r_y - 1.0)
        sqrt_tau = math.sqrt(tau)
        x1 = sqrt_tau * math.exp(y)
        x2 = sqrt_tau * math.exp(-y)
        if x1 >= 1.0 or x2 >= 1.0:
            continue
        shat = tau * s
        p1[0] = 0.5 * x1 * sqrt_s
        p1[3] = p1[0]
        p2[0] = 0.5 * x2 * sqrt_s
        p2[3] = -p2[0]
        for i in range(4):
            pv[i] = p1[i] + p2[i]
        q = math.sqrt(shat)
        if not two_body_decay(pv, q, ma, mb, cos_th, phi, k1, k2):
            continue
        xfx_all(pdf_grid, x1, mu2, xf1)
        xfx_all(pdf_grid, x2, mu2, xf2)
        for c in range(n_cls):
            _couplings(coup, p, c, n_bos, bos_m, bos_w, shat, cc)
            me[c, 0] = me2_qqbar_chichi(p1, p2, k1, k2, ma, mb, cc)
            me[c, 1] = me2_qqbar_chichi(p2, p1, k1, k2, ma, mb, cc)
        total = 0.0
        for k in range(n_pair[p]):
            c = pair_class[p, k]
            iq = pair_q[p, k] + 5
            iqb = pair_qb[p, k] + 5
            total += pair_w[p, k] * (
                xf1[iq] * xf2[iqb] * me[c, 0] + xf1[iqb] * xf2[iq] * me[c, 1]
            )
        beta = math.sqrt(max(kallen(shat, ma * ma, mb * mb), 0.0)) / shat
        w = total / (x1 * x2) / (2.0 * shat) * beta / (8.0 * math.pi)
        w *= w_tau * (-log_tau) * gev2_to_fb
        sw += w
        sw2 += w * w
    return sw, sw2
