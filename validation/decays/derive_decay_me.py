"""Derive and check the closed forms of kernels/decay_matrix_elements.py (docs/decay_matrix_elements.md).

Run from anywhere:  python validation/decays/derive_decay_me.py   (needs sympy).

It reuses the symbolic Dirac-trace engine of validation/matrix_elements/tr.py (checked there
against explicit matrices by check_tr.py) and

1. builds sum_spins |A|^2 = X^{mu rho} Y^{nu sigma} D_{mu nu} D_{rho sigma} for
     A = [ubar(k) g^mu (a_l P_L + a_r P_R) u(P)] [ubar(p1) g^nu (b_l P_L + b_r P_R) v(p2)] D_{mu nu},
     D_{mu nu} = -g_{mu nu} + c q_mu q_nu,   q = p1 + p2 = P - k,   c = inv_mv2,
   with the spin sums u ubar = pslash + mass (signed M, m) and v vbar = p2slash - m2;
2. expresses it in dot products and checks the hand-written closed form used in the kernel,
   piece by piece (docs Eqs. 3.1-3.5: g g part, q q q q part, interference);
3. does the same for the two-pion current J = p1 - p2 (Eq. 3.6) and the pseudoscalar
   current J = q (Eq. 3.7, the Chen-Drees-Gunion braces x 1/2);
4. checks the t-average of the equal-mass two-pion |A|^2 against the SOFTSUSY/CDG bracket
   (Eq. 4.2) and the Nojiri-Yamada Dalitz density for the axial (pure-Higgsino Z) and vector
   couplings (Eq. 4.3).

Output ends with "all checks passed"; every check is an assert on an exact sympy difference.

Single-eps terms (one trace with g5, the other without) are dropped after checking that
each is eps(a, b, c, d) of vectors that span at most three independent momenta (k, p1, p2),
hence zero.
"""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

import sympy as sp

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "matrix_elements"))
from tr import canon_eps, eps_eps, resolve, tr, tr5  # noqa: E402

M, m, m1, m2, c = sp.symbols("M m m1 m2 c", real=True)
q2, t = sp.symbols("q2 t", real=True)
al, ar, bl, br = sp.symbols("a_l a_r b_l b_r")
alc, arc, blc, brc = sp.symbols("a_l^* a_r^* b_l^* b_r^*")

# ------------------------------------------------------------------ kinematics
u = M**2 + m**2 + m1**2 + m2**2 - q2 - t
BASIS = ("k", "p1", "p2")
LIN = {"P": {"k": 1, "p1": 1, "p2": 1}, "q": {"p1": 1, "p2": 1}}
GRAM = {
    ("k", "k"): m**2,
    ("p1", "p1"): m1**2,
    ("p2", "p2"): m2**2,
    ("k", "p1"): (t - m**2 - m1**2) / 2,
    ("k", "p2"): (u - m**2 - m2**2) / 2,
    ("p1", "p2"): (q2 - m1**2 - m2**2) / 2,
}


def expand(x):
    return LIN.get(x, {x: 1})


def dot(x, y):
    tot = 0
    for a, ca in expand(x).items():
        for b, cb in expand(y).items():
            tot += ca * cb * GRAM.get((a, b), GRAM.get((b, a)))
    return tot


def eps_vanishes(e):
    """eps(e) with every vector expanded in (k, p1, p2): all terms have a repeated vector."""
    return all(canon_eps(combo)[0] == 0 for combo in itertools.product(*(expand(x) for x in e)))


# ------------------------------------------------------------------ traces with projectors
def chiral(xl, xr):
    """x_l P_L + x_r P_R = (x_l + x_r)/2 + (x_r - x_l)/2 g5 as [(coef, slots)]."""
    return [((xl + xr) / 2, ()), ((xr - xl) / 2, ("g5",))]


def prop(vec, mass):
    """vecslash + mass."""
    return [(1, (vec,)), (mass, ())]


def gam(idx):
    return [(1, (idx,))]


def trace_terms(factors):
    """Product of factors -> [(coef, slots, has_g5)] with g5 moved to the right end."""
    out = []
    for choice in itertools.product(*factors):
        coef = sp.Integer(1)
        slots = []
        for cf, sl in choice:
            coef *= cf
            slots.extend(sl)
        sign, n5, plain = 1, 0, []
        for i, s in enumerate(slots):
            if s == "g5":
                n_after = sum(1 for x in slots[i + 1 :] if x != "g5")
                sign *= (-1) ** n_after
                n5 += 1
            else:
                plain.append(s)
        if coef != 0:
            out.append((sign * coef, tuple(plain), n5 % 2 == 1))
    return out


def exact(z):
    """Python complex with integer parts -> exact sympy number."""
    z = complex(z)
    assert z.real == int(z.real) and z.imag == int(z.imag), z
    return sp.Integer(int(z.real)) + sp.I * sp.Integer(int(z.imag))


def contract(xterms, yterms, sub_x, sub_y):
    """sum X Y with the index substitutions; returns a sympy polynomial in dot products."""
    acc = {}

    def add(cf, prs):
        for cc, pp, _ in resolve(cf, prs, None):
            acc[pp] = acc.get(pp, 0) + cc

    for (cx, sx, gx), (cy, sy, gy) in itertools.product(xterms, yterms):
        sx = tuple(sub_x.get(s, s) for s in sx)
        sy = tuple(sub_y.get(s, s) for s in sy)
        cxy = sp.expand(cx * cy)
        if not gx and not gy:
            for c1, p1_ in tr(sx):
                for c2, p2_ in tr(sy):
                    add(cxy * c1 * c2, p1_ + p2_)
        elif gx and gy:
            for c1, p1_, e1 in tr5(sx):
                for c2, p2_, e2 in tr5(sy):
                    for s, prs in eps_eps(e1, e2):
                        add(cxy * exact(c1 * c2 * s), p1_ + p2_ + prs)
        else:  # single eps: must vanish
            traces = tr5(sx) if gx else tr5(sy)
            plain = tr(sy) if gx else tr(sx)
            for c1, p1_, e1 in traces:
                for c2, p2_ in plain:
                    for _, _, e in resolve(c1 * c2, p1_ + p2_, e1):
                        assert eps_vanishes(e), e
    expr = 0
    for prs, cf in acc.items():
        term = sp.nsimplify(cf) if not isinstance(cf, sp.Basic) else cf
        for x, y in prs:
            term *= dot(x, y)
        expr += term
    return sp.expand(expr)


def realify(expr):
    """Substitute complex couplings by re + i im and return the (checked) real result."""
    subs = {}
    for z, zc, name in ((al, alc, "al"), (ar, arc, "ar"), (bl, blc, "bl"), (br, brc, "br")):
        re, im = sp.symbols(f"{name}_re {name}_im", real=True)
        subs[z] = re + sp.I * im
        subs[zc] = re - sp.I * im
    e = sp.expand(expr.subs(subs))
    assert sp.simplify(sp.im(e)) == 0
    return sp.expand(sp.re(e))


# chi trace X^{mu rho} = Tr[(kslash + m) g^mu (a_l P_L + a_r P_R) (Pslash + M) g^rho (a_l^* P_L + a_r^* P_R)]
# (the Dirac conjugate of g^mu (a_l P_L + a_r P_R) is g^mu (a_l^* P_L + a_r^* P_R))
X = trace_terms(
    [prop("k", m), gam("mu"), chiral(al, ar), prop("P", M), gam("rho"), chiral(alc, arc)]
)
# fermion trace Y^{nu sigma} = Tr[(p1slash + m1) g^nu (b_l P_L + b_r P_R) (p2slash - m2) g^sig (...)^*]
Y = trace_terms(
    [prop("p1", m1), gam("nu"), chiral(bl, br), prop("p2", -m2), gam("sig"), chiral(blc, brc)]
)

# D_{mu nu} D_{rho sig} = g g - c g(mu nu) q_rho q_sig - c q_mu q_nu g(rho sig) + c^2 q q q q
gg = contract(X, Y, {}, {"nu": "mu", "sig": "rho"})
gq = contract(X, Y, {"rho": "q"}, {"nu": "mu", "sig": "q"})
qg = contract(X, Y, {"mu": "q"}, {"nu": "q", "sig": "rho"})
qq = contract(X, Y, {"mu": "q", "rho": "q"}, {"nu": "q", "sig": "q"})
me2_trace = realify(gg - c * gq - c * qg + c**2 * qq)

# ------------------------------------------------------------------ hand-written closed form
# (the kernel evaluates exactly these expressions; docs/decay_matrix_elements.md, section 3)
Pk, Pp1, Pp2 = dot("P", "k"), dot("P", "p1"), dot("P", "p2")
kp1, kp2, p12 = dot("k", "p1"), dot("k", "p2"), dot("p1", "p2")
CONJ = {al: alc, ar: arc, bl: blc, br: brc, alc: al, arc: ar, blc: bl, brc: br}


def conj(e):
    return e.subs(CONJ, simultaneous=True)


re_a = (al * arc + ar * alc) / 2  # Re(a_l a_r^*)
re_b = (bl * brc + br * blc) / 2  # Re(b_l b_r^*)
s_a = al * alc + ar * arc  # |a_l|^2 + |a_r|^2
s_b = bl * blc + br * brc
same = al * alc * bl * blc + ar * arc * br * brc  # |a_l b_l|^2 + |a_r b_r|^2
opp = al * alc * br * brc + ar * arc * bl * blc  # |a_l b_r|^2 + |a_r b_l|^2

# (3.1) g_{mu nu} g_{rho sigma} part
closed_gg = 16 * (
    same * kp1 * Pp2
    + opp * kp2 * Pp1
    - m * M * re_a * s_b * p12
    + m1 * m2 * re_b * s_a * Pk
    - 4 * m * M * m1 * m2 * re_a * re_b
)
assert sp.expand(realify(gg) - realify(closed_gg)) == 0
print("(3.1) g g part: OK")

# (3.2) Dirac equation: q.J_chi = ubar(k) (s_L P_L + s_R P_R) u(P), q.J_f = ubar(p1) (f_L P_L + f_R P_R) v(p2)
sL, sR = M * ar - m * al, M * al - m * ar
fL, fR = m1 * bl - m2 * br, m1 * br - m2 * bl
# (3.3) spin sums of the scalar bilinears
scal_chi = 2 * (sL * conj(sL) + sR * conj(sR)) * Pk + 2 * m * M * (sL * conj(sR) + sR * conj(sL))
scal_f = 2 * (fL * conj(fL) + fR * conj(fR)) * p12 - 2 * m1 * m2 * (fL * conj(fR) + fR * conj(fL))
closed_qq = scal_chi * scal_f
assert sp.expand(realify(qq) - realify(closed_qq)) == 0
print("(3.3) q q q q part = sum|q.J_chi|^2 * sum|q.J_f|^2: OK")


def w_coeffs(xl, xr, yl, yr, m_out, m_in):
    """Tr[(o + m_out) g^mu (xl PL + xr PR)(i + m_in)(yl PL + yr PR)] = c_o o^mu + c_i i^mu."""
    return 2 * m_in * (xl * yl + xr * yr), 2 * m_out * (xl * yr + xr * yl)


# (3.4) W^mu = sum J_chi^mu (q.J_chi)^* = w_k k^mu + w_P P^mu  (the conjugate bilinear carries
#       conj(s_R) P_L + conj(s_L) P_R);  V^nu = sum J_f^nu (q.J_f)^* = v_1 p1^nu + v_2 p2^nu
w_k, w_P = w_coeffs(al, ar, conj(sR), conj(sL), m, M)
v_1, v_2 = w_coeffs(bl, br, conj(fR), conj(fL), m1, -m2)
wv = w_k * v_1 * kp1 + w_k * v_2 * kp2 + w_P * v_1 * Pp1 + w_P * v_2 * Pp2
assert sp.expand(realify(gq) - realify(wv)) == 0
assert sp.expand(realify(qg) - realify(conj(wv))) == 0
print("(3.4) cross term: gq = W.V, qg = (W.V)^*: OK")

closed = closed_gg - c * (wv + conj(wv)) + c**2 * closed_qq
assert sp.expand(me2_trace - realify(closed)) == 0
print("(3.5) me2_fermion_current = G - 2 c Re(W.V) + c^2 S_chi S_f == trace result: OK")


# ------------------------------------------------------------------ currents that are c-number vectors
def trace_with_vector(vlin):
    """X^{mu rho} V_mu V_rho for V = sum_b vlin[b] b (b in the momenta), from the trace engine."""
    out = 0
    for cx, sx, gx in X:
        for (b1, c1), (b2, c2) in itertools.product(vlin.items(), vlin.items()):
            s_ = tuple({"mu": b1, "rho": b2}.get(x_, x_) for x_ in sx)
            if gx:  # eps(k, P, V, V) and friends: vanish (V real, 3 independent momenta)
                for cc, prs, e in tr5(s_):
                    for _, _, e2 in resolve(cc, prs, e):
                        assert eps_vanishes(e2), e2
            else:
                for cc, prs in tr(s_):
                    term = cx * c1 * c2 * cc
                    for x_, y_ in prs:
                        term *= dot(x_, y_)
                    out += term
    return realify(sp.expand(out))


def closed_vector(vlin):
    """(3.6): 2 (|a_l|^2 + |a_r|^2) [2 (k.V)(P.V) - V^2 P.k] + 4 m M V^2 Re(a_l a_r^*)."""
    kv = sum(cf * dot("k", b) for b, cf in vlin.items())
    pv = sum(cf * dot("P", b) for b, cf in vlin.items())
    vv = sum(
        c1 * c2 * dot(b1, b2)
        for (b1, c1), (b2, c2) in itertools.product(vlin.items(), vlin.items())
    )
    return 2 * s_a * (2 * kv * pv - vv * Pk) + 4 * m * M * vv * re_a


# two pions: V_mu = D_{mu nu} (p1 - p2)^nu = -(p1 - p2)_mu + c (m1^2 - m2^2) q_mu
v_pipi = {"p1": -1 + c * (m1**2 - m2**2), "p2": 1 + c * (m1**2 - m2**2)}
assert sp.expand(trace_with_vector(v_pipi) - realify(closed_vector(v_pipi))) == 0
print("(3.6) me2_pipi_current closed form: OK")

# pseudoscalar: V_mu = D_{mu nu} q^nu = -(1 - c q^2) q_mu, with q^2 = mp^2 (reuse the three-body
# kinematics: only q enters, so k.q, P.q depend on q2 alone)
mp = sp.symbols("m_p", positive=True)
v_ps = {"p1": -(1 - c * q2), "p2": -(1 - c * q2)}
ps_trace = sp.expand(trace_with_vector(v_ps).subs(q2, mp**2))
assert not ps_trace.has(t)
cdg = (al + ar) * (alc + arc) * ((M**2 - m**2) ** 2 - mp**2 * (M - m) ** 2) + (al - ar) * (
    alc - arc
) * ((M**2 - m**2) ** 2 - mp**2 * (M + m) ** 2)
assert sp.expand(ps_trace - realify((1 - c * mp**2) ** 2 * cdg / 2)) == 0
print("(3.7) me2_pseudoscalar = (1 - mp^2 inv_mv2)^2 * {CDG bracket} / 2: OK")

# ------------------------------------------------------------------ t-integrals (pion / fermion)
# At fixed q2 the t range is linear in cos(theta*) (q rest frame); averaging over it:
#   int dt me2 = (t_max - t_min) <me2>.  Two equal-mass pions: SOFTSUSY / CDG bracket.
mpi = sp.symbols("m_pi", positive=True)
lam_chi = (M**2 - m**2 - q2) ** 2 - 4 * m**2 * q2  # lambda(M^2, m^2, q2)
beta = sp.sqrt(1 - 4 * mpi**2 / q2)
me2_pipi_eq = realify(closed_vector(v_pipi)).subs({m1: mpi, m2: mpi})
# t = (k + p1)^2 is linear in cos(theta*): t = t0 + t1 cos
cth = sp.symbols("cth", real=True)
t_mid = (M**2 + m**2 + 2 * mpi**2 - q2) / 2
t_half = sp.sqrt(lam_chi) * beta / 2
avg = sp.integrate(sp.expand(me2_pipi_eq.subs(t, t_mid + t_half * cth)), (cth, -1, 1)) / 2
bracket = s_a * (q2 * (M**2 + m**2 - 2 * q2) + (M**2 - m**2) ** 2) - 12 * re_a * q2 * M * m
assert sp.simplify(avg - realify(sp.expand(beta**2 / 3 * bracket))) == 0
print("(4.2) two equal-mass pions: <me2>_t = beta^2/3 {SOFTSUSY/CDG bracket}: OK")

# ------------------------------------------------------------------ Nojiri-Yamada density
# massless fermions, c = 0, b_r = 0, b_l = 1:  x = t/M^2 (chi + fermion), y = u/M^2 (chi + antifermion),
# z = q2/M^2, r = m/M (signed).  Axial coupling (a_l, a_r) = (-1/2, 1/2): density with +r;
# vector coupling (1/2, 1/2): the same density with r -> -r.
x, y, r = sp.symbols("x y r", real=True)
gg_real = realify(closed_gg).subs({m1: 0, m2: 0})
for av_l, av_r, rsign, label in (
    (-sp.Rational(1, 2), sp.Rational(1, 2), 1, "axial  (a_l, a_r) = (-1/2, 1/2)"),
    (sp.Rational(1, 2), sp.Rational(1, 2), -1, "vector (a_l, a_r) = ( 1/2, 1/2)"),
):
    e = gg_real
    for name, val in (("al", av_l), ("ar", av_r), ("bl", 1), ("br", 0)):
        e = e.subs({sp.Symbol(f"{name}_re", real=True): val, sp.Symbol(f"{name}_im", real=True): 0})
    e = sp.expand(e.subs({t: x * M**2, q2: (1 + r**2 - x - y) * M**2}).subs(m, r * M))
    z = 1 + r**2 - x - y
    ny = (1 - x) * (x - r**2) + (1 - y) * (y - r**2) + 2 * rsign * r * z
    ratio = sp.simplify(e / ny)
    print(f"(4.3) {label}: me2 / NY(r -> {'+' if rsign > 0 else '-'}m/M) = {ratio}")
    assert ratio == M**4
print("all checks passed")
