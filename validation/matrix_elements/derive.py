import pickle, sympy as sp
from tr import tr, tr5, resolve, eps_eps, to_sympy

ma, mb = sp.symbols("ma mb", real=True)
names = ["p1", "p2", "p3", "k1", "k2"]
D = {}
for i, x in enumerate(names):
    for y in names[i:]:
        D[(x, y)] = D[(y, x)] = sp.Symbol(x + y if x != y else x + "sq")
D[("p1","p1")] = D[("p2","p2")] = D[("p3","p3")] = 0
D[("k1","k1")] = ma**2; D[("k2","k2")] = mb**2
lin = {"a": {"p1": 1, "p3": -1}, "b": {"p3": 1, "p2": -1}}
def expand(x):
    return lin.get(x, {x: 1})
def dot(x, y):
    return sum(cx * cy * D[(u, v)] for u, cx in expand(x).items() for v, cy in expand(y).items())

ta = -2 * D[("p1","p3")]; tb = -2 * D[("p2","p3")]
O = {1: ["mu", "a", "rho"], 2: ["rho", "b", "mu"]}       # gamma^mu a eps*  /  eps* b gamma^mu
Ob = {1: ["rho", "a", "nu"], 2: ["nu", "b", "rho"]}      # conj.: eps a gamma^nu / gamma^nu b eps
den = {1: ta, 2: tb}

def subst(slots, m):
    return tuple(m.get(s, s) for s in slots)

def contract_plain(slots, m):
    terms = []
    for c, prs in tr(subst(slots, m)):
        terms += resolve(c, prs, None)
    return to_sympy(terms, dot)

def contract_g5(slots, cK, epsK):
    terms = []
    for c, prs, e in tr5(tuple(slots)):
        for s, prs2 in eps_eps(e, epsK):
            terms += resolve(c * cK * s, prs + prs2, None)
    return to_sympy(terms, dot)

res = {"LL": 0, "LR": 0, "M": 0, "gH": 0}
for x in (1, 2):
    for y in (1, 2):
        S = ["p2"] + O[x] + ["p1"] + Ob[y]
        pref = -1 / (den[x] * den[y])        # -g_{rho sigma} polarisation sum
        k1k2 = D[("k1","k2")]
        # quark P_L: Tr[S P_L] = (Tr S - Tr S g5)/2 ; chi P_j: Tr[K P_j] = (Tr K -/+ Tr K g5)/2
        plain = 4 * (contract_plain(S, {"mu": "k1", "nu": "k2"}) + contract_plain(S, {"mu": "k2", "nu": "k1"})
                     - k1k2 * contract_plain(S, {"nu": "mu"}))
        g5g5 = contract_g5(S, -4j, ("k1", "mu", "k2", "nu"))
        res["LL"] += pref * sp.Rational(1, 4) * (plain + g5g5)
        res["LR"] += pref * sp.Rational(1, 4) * (plain - g5g5)
        gcon = sp.Rational(1, 2) * contract_plain(S, {"nu": "mu"})   # H_L^{mu nu} g_{mu nu}
        res["gH"] += pref * gcon
        res["M"] += pref * gcon * (-4)       # X_mass = -4 ma mb Re(C_L C_R^*) g
for k in res:
    res[k] = sp.together(sp.expand(res[k]))
pickle.dump(res, open("res.pkl", "wb"))
for k, v in res.items():
    print(k, sp.count_ops(v))
