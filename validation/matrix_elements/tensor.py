import sympy as sp, itertools
import tr as T
from tr import tr, tr5, pair, canon_eps
FREE = {"mu", "nu"}
T.INDEX_WORDS.discard("mu"); T.INDEX_WORDS.discard("nu")   # treat as free 'vectors' in resolve
names = ["p1","p2","p3"]
D = {}
for i,x in enumerate(names):
    for y in names[i:]:
        D[(x,y)] = D[(y,x)] = sp.Symbol(x+y)
for x in names: D[(x,x)] = 0
lin = {"a": {"p1":1,"p3":-1}, "b": {"p3":1,"p2":-1}}
def ex(x): return lin.get(x, {x:1})
ta = -2*D[("p1","p3")]; tb = -2*D[("p2","p3")]
O = {1: ["mu","a","rho"], 2: ["rho","b","mu"]}; Ob = {1: ["rho","a","nu"], 2: ["nu","b","rho"]}
den = {1: ta, 2: tb}
# collect: key -> coefficient; keys: ('g',) for g^{mu nu}; ('v', x, y) for x^mu y^nu;
# ('e', (4 slots)) * extra vector factors for eps terms
sym = {}; asym = {}
def add(dct, key, val):
    dct[key] = dct.get(key, 0) + val
def vecexpand(prs, e):
    """expand composite vectors a,b in pairs/eps -> list of (coef, prs, eps)"""
    items = [list(ex(x).items()) if x in lin else [(x,1)] for p in prs for x in p]
    eitems = [list(ex(x).items()) if x in lin else [(x,1)] for x in (e or ())]
    out = []
    for combo in itertools.product(*(items + eitems)):
        c = 1; flat = []
        for name, cc in combo: c *= cc; flat.append(name)
        np_ = len(prs)*2
        prs2 = tuple(pair(flat[2*i], flat[2*i+1]) for i in range(len(prs)))
        e2 = tuple(flat[np_:]) if e else None
        out.append((c, prs2, e2))
    return out
for x in (1,2):
    for y in (1,2):
        S = ["p2"] + O[x] + ["p1"] + Ob[y]
        pref = -1/(den[x]*den[y])
        for c, prs in tr(tuple(S)):
            for cc, pp, _ in T.resolve(c, prs, None):
                for c3, p3, _ in vecexpand(pp, None):
                    val = sp.Rational(1,2)*pref*c3*cc
                    free = [p for p in p3 if set(p) & FREE]
                    rest = [p for p in p3 if not (set(p) & FREE)]
                    for p in rest: val *= D[p]
                    if len(free) == 1:
                        key = ("g",)
                    else:
                        f = {}
                        for p in free:
                            idx = p[0] if p[0] in FREE else p[1]; other = p[1] if idx == p[0] else p[0]
                            f[idx] = other
                        key = ("v", f["mu"], f["nu"])
                    add(sym, key, val)
        for c, prs, e in tr5(tuple(S)):
            for cc, pp, ee in T.resolve(c, prs, e):
                for c3, p3, e3 in vecexpand(pp, ee):
                    s, e4 = canon_eps(e3)
                    if s == 0: continue
                    val = -sp.Rational(1,2)*pref*c3*cc*s   # -1/2 Tr[S g5]
                    free = [p for p in p3 if set(p) & FREE]
                    rest = [p for p in p3 if not (set(p) & FREE)]
                    for p in rest: val *= D[p]
                    key = ("e", e4) + tuple(sorted(free))
                    add(asym, key, val)
print("SYM (H_L, real symmetric part):")
for k,v in sym.items():
    v = sp.factor(sp.simplify(v))
    if v != 0: print(" ", k, v)
print("ASYM (imaginary part; eps with slots, free pairs):")
for k,v in asym.items():
    v = sp.factor(sp.simplify(sp.nsimplify(v)))
    if v != 0: print(" ", k, v)

# ---- rewrite the antisymmetric part in the basis eps^{mu nu p_a p_b} ------------------
from tr import eps_eps
base = [("p1","p2"), ("p1","p3"), ("p2","p3")]
def contract_with(key, cd):
    """contract structure `key` (free mu, nu) with eps_{mu nu c d}."""
    e = key[1]; frees = key[2:]
    terms = []
    for s, prs in eps_eps(e, ("mu","nu") + cd):
        terms.append((s, prs + tuple(frees)))
    # now contract mu, nu as dummy indices
    T.INDEX_WORDS.update({"mu","nu"})
    tot = 0
    for s, prs in terms:
        for c, pp, _ in T.resolve(s, prs, None):
            v = c
            for p in pp: v *= D[p]
            tot += v
    T.INDEX_WORDS.difference_update({"mu","nu"})
    return tot
hs = sp.symbols("h12 h13 h23")
eqs = []
for cd in base:
    lhs = sum(v * contract_with(k, cd) for k, v in asym.items())
    rhs = sum(h * contract_with(("e", tuple(sorted(("mu","nu")+ab)),), cd) * canon_eps(("mu","nu")+ab)[0] for h, ab in zip(hs, base))
    eqs.append(sp.Eq(rhs, lhs))
sol = sp.solve(eqs, hs, dict=True)[0]
for h in hs: print(h, sp.factor(sp.simplify(sol[h])))
