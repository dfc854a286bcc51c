"""Spin-summed |A|^2 of electroweakino decays through an (off-shell) vector boson.

Three amplitudes (the contract with the decay code; docs/decay_matrix_elements.md):

  fermion pair:  A = [ubar(k) g^mu (a_l P_L + a_r P_R) u(P)] [ubar(p1) g^nu (b_l P_L + b_r P_R) v(p2)] D_mu,nu
  two pions:     A = [ubar(k) g^mu (a_l P_L + a_r P_R) u(P)] (p1 - p2)^nu D_mu,nu
  one pion:      A = [ubar(k) g^mu (a_l P_L + a_r P_R) u(P)] q^nu D_mu,nu          (q^2 = mp^2)

with D_mu,nu = -g_mu,nu + q_mu q_nu inv_mv2 (the unitary-gauge numerator; inv_mv2 = 1/M_V^2,
or 0 to drop it) and q = P - k. The decaying electroweakino has momentum P and *signed*
mass M, the daughter chi has momentum k and signed mass m; spin sums u ubar = pslash + M
(signed), as in tests/naive_amplitudes.py. The fermion p1 (mass m1 >= 0) is a u spinor,
the antifermion p2 (mass m2 >= 0) a v spinor (v vbar = p2slash - m2). Couplings may be
complex; all constants (g, mixing matrices, CKM, f_pi, G_F) live in a_*, b_*.

Every function returns |A|^2 summed (not averaged) over all spins. The boson propagator
denominator and pion form factors are left to the caller. Invariants of the three-body
decay: q2 = (p1 + p2)^2, t = (k + p1)^2, u = (k + p2)^2 = M^2 + m^2 + m1^2 + m2^2 - q2 - t.

Closed forms (derived with Dirac traces in validation/decays/derive_decay_me.py, Eqs. from
docs/decay_matrix_elements.md section 3; couplings as in Haber & Kane, Phys. Rept. 117
(1985) 75; pion currents as in Chen, Drees & Gunion, hep-ph/9512230 and hep-ph/9902309):

  G  = 16 [ (|a_l b_l|^2 + |a_r b_r|^2) (k.p1)(P.p2) + (|a_l b_r|^2 + |a_r b_l|^2) (k.p2)(P.p1)
            - m M Re(a_l a_r^*) (|b_l|^2 + |b_r|^2) p1.p2 + m1 m2 Re(b_l b_r^*) (|a_l|^2 + |a_r|^2) P.k
            - 4 m M m1 m2 Re(a_l a_r^*) Re(b_l b_r^*) ]                                   (3.1)
  fermion pair:  G - 2 inv_mv2 Re(W.V) + inv_mv2^2 S_chi S_f                               (3.5)
  two pions:     2 (|a_l|^2 + |a_r|^2) [2 (k.V)(P.V) - V^2 P.k] + 4 m M V^2 Re(a_l a_r^*),
                 V = -(p1 - p2) + inv_mv2 (m1^2 - m2^2) q                                  (3.6)
  one pion:      (1 - mp^2 inv_mv2)^2 / 2 { |a_l + a_r|^2 [(M^2 - m^2)^2 - mp^2 (M - m)^2]
                                          + |a_l - a_r|^2 [(M^2 - m^2)^2 - mp^2 (M + m)^2] }  (3.7)

W, V, S_chi, S_f are given in `me2_fermion_current`. The kernels are checked point by
point against explicit spinors and Dirac matrices in tests/unit/test_decay_matrix_elements.py.
"""

from __future__ import annotations

import numba as nb


@nb.njit(cache=True, error_model="numpy", inline="always")
def _abs2(z):
    """|z|^2 of a complex number."""
    return z.real * z.real + z.imag * z.imag


@nb.njit(cache=True, error_model="numpy", inline="always")
def _re_conj(z, w):
    """Re(z w^*)."""
    return z.real * w.real + z.imag * w.imag


@nb.njit(cache=True, error_model="numpy")
def dot_products(
    M: float, m: float, m1: float, m2: float, q2: float, t: float
) -> tuple[float, float, float, float, float, float]:
    """Dot products of P -> k p1 p2 from the invariants (q2, t).

    Parameters
    ----------
    M, m : float
        Masses of the decaying and daughter electroweakino [GeV] (only squares enter).
    m1, m2 : float
        Masses of p1 and p2 [GeV].
    q2 : float
        (p1 + p2)^2 [GeV^2].
    t : float
        (k + p1)^2 [GeV^2].

    Returns
    -------
    tuple of float
        (P.k, P.p1, P.p2, k.p1, k.p2, p1.p2) [GeV^2], with P = k + p1 + p2.

    Notes
    -----
    u = (k + p2)^2 = M^2 + m^2 + m1^2 + m2^2 - q2 - t; P.p1 = (M^2 + m1^2 - u)/2 since
    (P - p1)^2 = u, and likewise for the others (PDG review "Kinematics", Dalitz plot).
    """
    u = M * M + m * m + m1 * m1 + m2 * m2 - q2 - t
    pk = 0.5 * (M * M + m * m - q2)
    pp1 = 0.5 * (M * M + m1 * m1 - u)
    pp2 = 0.5 * (M * M + m2 * m2 - t)
    kp1 = 0.5 * (t - m * m - m1 * m1)
    kp2 = 0.5 * (u - m * m - m2 * m2)
    p12 = 0.5 * (q2 - m1 * m1 - m2 * m2)
    return pk, pp1, pp2, kp1, kp2, p12


#: Number of coefficients of `fermion_current_coefficients`.
N_FERMION_COEF = 13


@nb.njit(cache=True, error_model="numpy")
def fermion_current_coefficients(
    M: float,
    m: float,
    m1: float,
    m2: float,
    a_l: complex,
    a_r: complex,
    b_l: complex,
    b_r: complex,
    inv_mv2: float,
) -> tuple[float, ...]:
    """The 13 real coefficients c of `me2_fermion_current` as a polynomial in the dot
    products (`me2_from_coefficients`): everything that depends on the masses and couplings
    only, so a sampler evaluates |A|^2 at many (q2, t) with a few multiplications.

    Parameters are those of `me2_fermion_current`. With s_L, s_R, f_L, f_R, W = w_k k +
    w_p P and V = v_1 p1 + v_2 p2 as in its Notes:

    sum|A|^2 = c0 (k.p1)(P.p2) + c1 (k.p2)(P.p1) + c2 p1.p2 + c3 P.k + c4        (3.1)
               + c5 k.p1 + c6 k.p2 + c7 P.p1 + c8 P.p2                     (-2 inv Re W.V)
               + (c9 P.k + c10)(c11 p1.p2 + c12)                         (inv^2 S_chi S_f)

    c0 = 16 (|a_l b_l|^2 + |a_r b_r|^2), c1 = 16 (|a_l b_r|^2 + |a_r b_l|^2),
    c2 = -16 m M Re(a_l a_r^*)(|b_l|^2 + |b_r|^2), c3 = 16 m1 m2 Re(b_l b_r^*)(|a_l|^2 +
    |a_r|^2), c4 = -64 m M m1 m2 Re(a_l a_r^*) Re(b_l b_r^*); c5..c8 = -2 inv Re(w v) for
    (w, v) = (w_k, v_1), (w_k, v_2), (w_p, v_1), (w_p, v_2); c9 = 2 inv (|s_L|^2 + |s_R|^2),
    c10 = 4 inv m M Re(s_L s_R^*), c11 = 2 inv (|f_L|^2 + |f_R|^2), c12 = -4 inv m1 m2
    Re(f_L f_R^*) (docs/decay_matrix_elements.md Eqs. (3.1)-(3.5)).
    """
    al = a_l + 0j
    ar = a_r + 0j
    bl = b_l + 0j
    br = b_r + 0j
    al2 = _abs2(al)
    ar2 = _abs2(ar)
    bl2 = _abs2(bl)
    br2 = _abs2(br)
    re_a = _re_conj(al, ar)
    re_b = _re_conj(bl, br)
    mm = m * M
    ff = m1 * m2
    c0 = 16.0 * (al2 * bl2 + ar2 * br2)
    c1 = 16.0 * (al2 * br2 + ar2 * bl2)
    c2 = -16.0 * mm * re_a * (bl2 + br2)
    c3 = 16.0 * ff * re_b * (al2 + ar2)
    c4 = -64.0 * mm * ff * re_a * re_b
    if inv_mv2 == 0.0:
        return c0, c1, c2, c3, c4, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0
    # (3.2)-(3.4): q_mu q_nu terms, nonzero only through the masses
    s_l = M * ar - m * al
    s_r = M * al - m * ar
    f_l = m1 * bl - m2 * br
    f_r = m1 * br - m2 * bl
    w_k = 2.0 * M * (al * s_r.conjugate() + ar * s_l.conjugate())
    w_p = 2.0 * m * (al * s_l.conjugate() + ar * s_r.conjugate())
    v_1 = -2.0 * m2 * (bl * f_r.conjugate() + br * f_l.conjugate())
    v_2 = 2.0 * m1 * (bl * f_l.conjugate() + br * f_r.conjugate())
    return (c0, c1, c2, c3, c4,
            -2.0 * inv_mv2 * (w_k * v_1).real, -2.0 * inv_mv2 * (w_k * v_2).real,
            -2.0 * inv_mv2 * (w_p * v_1).real, -2.0 * inv_mv2 * (w_p * v_2).real,
            2.0 * inv_mv2 * (_abs2(s_l) + _abs2(s_r)), 4.0 * inv_mv2 * mm * _re_conj(s_l, s_r),
            2.0 * inv_mv2 * (_abs2(f_l) + _abs2(f_r)), -4.0 * inv_mv2 * ff * _re_conj(f_l, f_r))


@nb.njit(cache=True, error_model="numpy")
def me2_from_coefficients(
    c: tuple[float, ...], M: float, m: float, m1: float, m2: float, q2: float, t: float
) -> float:
    """`me2_fermion_current` from its coefficients c (`fermion_current_coefficients`) at
    the invariants (q2, t) [GeV^2]; masses [GeV] as there."""
    pk, pp1, pp2, kp1, kp2, p12 = dot_products(M, m, m1, m2, q2, t)
    return (c[0] * kp1 * pp2 + c[1] * kp2 * pp1 + c[2] * p12 + c[3] * pk + c[4]
            + c[5] * kp1 + c[6] * kp2 + c[7] * pp1 + c[8] * pp2
            + (c[9] * pk + c[10]) * (c[11] * p12 + c[12]))


@nb.njit(cache=True, error_model="numpy")
def me2_fermion_current(
    M: float,
    m: float,
    m1: float,
    m2: float,
    a_l: complex,
    a_r: complex,
    b_l: complex,
    b_r: complex,
    inv_mv2: float,
    q2: float,
    t: float,
) -> float:
    """sum_spins |A|^2 of chi(P) -> chi(k) f(p1) fbar(p2) through a vector boson.

    Parameters
    ----------
    M : float
        Signed mass of the decaying electroweakino (u spinor) [GeV].
    m : float
        Signed mass of the daughter electroweakino (ubar spinor) [GeV].
    m1, m2 : float
        Masses (>= 0) of the fermion p1 (ubar) and antifermion p2 (v) [GeV].
    a_l, a_r : complex
        Chiral couplings of the electroweakino current ubar(k) g^mu (a_l P_L + a_r P_R) u(P).
    b_l, b_r : complex
        Chiral couplings of the fermion current ubar(p1) g^nu (b_l P_L + b_r P_R) v(p2).
    inv_mv2 : float
        1/M_V^2 [GeV^-2] of the q_mu q_nu / M_V^2 propagator term; 0 drops it.
    q2 : float
        (p1 + p2)^2 [GeV^2].
    t : float
        (k + p1)^2 [GeV^2].

    Returns
    -------
    float
        |A|^2 summed over all four spins, without the propagator denominator
        [GeV^4 x (coupling units)^2].

    Notes
    -----
    docs/decay_matrix_elements.md Eqs. (3.1)-(3.5). With the Dirac equation,
    q.J_chi = ubar(k) (s_L P_L + s_R P_R) u(P), s_L = M a_r - m a_l, s_R = M a_l - m a_r and
    q.J_f = ubar(p1) (f_L P_L + f_R P_R) v(p2), f_L = m1 b_l - m2 b_r, f_R = m1 b_r - m2 b_l;
    S_chi = 2 (|s_L|^2 + |s_R|^2) P.k + 4 m M Re(s_L s_R^*),
    S_f = 2 (|f_L|^2 + |f_R|^2) p1.p2 - 4 m1 m2 Re(f_L f_R^*),
    W = sum J_chi (q.J_chi)^* = 2 M (a_l s_R^* + a_r s_L^*) k + 2 m (a_l s_L^* + a_r s_R^*) P,
    V = sum J_f (q.J_f)^* = -2 m2 (b_l f_R^* + b_r f_L^*) p1 + 2 m1 (b_l f_L^* + b_r f_R^*) p2,
    and sum|A|^2 = G - 2 inv Re(W.V) + inv^2 S_chi S_f; evaluated as the polynomial of
    `fermion_current_coefficients` (the form the decay sampler uses, so the tests of this
    function test that one).
    """
    c = fermion_current_coefficients(M, m, m1, m2, a_l, a_r, b_l, b_r, inv_mv2)
    return me2_from_coefficients(c, M, m, m1, m2, q2, t)


@nb.njit(cache=True, error_model="numpy")
def me2_pipi_current(
    M: float,
    m: float,
    m1: float,
    m2: float,
    a_l: complex,
    a_r: complex,
    inv_mv2: float,
    q2: float,
    t: float,
) -> float:
    """sum_spins |A|^2 of chi(P) -> chi(k) pi(p1) pi(p2) with the current J = p1 - p2.

    Parameters
    ----------
    M, m : float
        Signed masses of the decaying (u) and daughter (ubar) electroweakino [GeV].
    m1, m2 : float
        Pion masses [GeV].
    a_l, a_r : complex
        Chiral couplings of ubar(k) g^mu (a_l P_L + a_r P_R) u(P).
    inv_mv2 : float
        1/M_V^2 [GeV^-2] of the q_mu q_nu term; 0 drops it.
    q2 : float
        (p1 + p2)^2 [GeV^2].
    t : float
        (k + p1)^2 [GeV^2].

    Returns
    -------
    float
        |A|^2 summed over the two electroweakino spins, without form factor or propagator.

    Notes
    -----
    docs/decay_matrix_elements.md Eq. (3.6): with V = -(p1 - p2) + inv_mv2 (m1^2 - m2^2) q,
    sum|A|^2 = 2 (|a_l|^2 + |a_r|^2) [2 (k.V)(P.V) - V^2 P.k] + 4 m M V^2 Re(a_l a_r^*).
    """
    pk, pp1, pp2, kp1, kp2, p12 = dot_products(M, m, m1, m2, q2, t)
    al = a_l + 0j
    ar = a_r + 0j
    d = inv_mv2 * (m1 * m1 - m2 * m2)
    c1 = d - 1.0  # V = c1 p1 + c2 p2
    c2 = d + 1.0
    kv = c1 * kp1 + c2 * kp2
    pv = c1 * pp1 + c2 * pp2
    vv = c1 * c1 * m1 * m1 + 2.0 * c1 * c2 * p12 + c2 * c2 * m2 * m2
    return 2.0 * (_abs2(al) + _abs2(ar)) * (2.0 * kv * pv - vv * pk) + 4.0 * m * M * vv * _re_conj(
        al, ar
    )


@nb.njit(cache=True, error_model="numpy")
def me2_pseudoscalar(
    M: float, m: float, mp: float, a_l: complex, a_r: complex, inv_mv2: float
) -> float:
    """sum_spins |A|^2 of chi(P) -> chi(k) + pseudoscalar(q) with the current J = q.

    Parameters
    ----------
    M, m : float
        Signed masses of the decaying (u) and daughter (ubar) electroweakino [GeV].
    mp : float
        Pseudoscalar mass [GeV]; q^2 = mp^2.
    a_l, a_r : complex
        Chiral couplings of ubar(k) g^mu (a_l P_L + a_r P_R) u(P).
    inv_mv2 : float
        1/M_V^2 [GeV^-2] of the q_mu q_nu term; 0 drops it.

    Returns
    -------
    float
        |A|^2 summed over the two electroweakino spins [GeV^4 x (coupling units)^2].

    Notes
    -----
    docs/decay_matrix_elements.md Eq. (3.7); the braces are those of Chen, Drees & Gunion,
    hep-ph/9902309 (one-pion width), so Gamma = |p| / (8 pi M^2) x 1/2 x sum|A|^2.
    """
    al = a_l + 0j
    ar = a_r + 0j
    mp2 = mp * mp
    d2 = (M * M - m * m) ** 2
    f = 1.0 - mp2 * inv_mv2
    return (
        0.5
        * f
        * f
        * (_abs2(al + ar) * (d2 - mp2 * (M - m) ** 2) + _abs2(al - ar) * (d2 - mp2 * (M + m) ** 2))
    )
