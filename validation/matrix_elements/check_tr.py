import numpy as np, itertools
from tr import tr, tr5, resolve
rng = np.random.default_rng(1)
g = np.diag([1.,-1,-1,-1])
I2 = np.eye(2); Z2 = np.zeros((2,2))
sig = [np.array([[0,1],[1,0]]), np.array([[0,-1j],[1j,0]]), np.array([[1,0],[0,-1]])]
G = [np.block([[I2,Z2],[Z2,-I2]]).astype(complex)] + [np.block([[Z2,s],[-s,Z2]]) for s in sig]
G5 = 1j*G[0]@G[1]@G[2]@G[3]
def slash(p): return sum(g[m,m]*p[m]*G[m] for m in range(4))
E = np.zeros((4,4,4,4))
for perm in itertools.permutations(range(4)):
    s = 1
    l = list(perm)
    for i in range(4):
        for j in range(3-i):
            if l[j] > l[j+1]: l[j],l[j+1] = l[j+1],l[j]; s=-s
    E[perm] = s  # eps^{0123} = +1 (matches engine)
vec = {n: rng.normal(size=4) for n in ["p1","p2","p3","k1"]}
def dot(x,y): return vec[x]@g@vec[y]
def epsn(a,b,c,d):
    A,B,C,D = (g@vec[v] for v in (a,b,c,d))
    return np.einsum("ijkl,i,j,k,l", E, A,B,C,D)
def num(terms):
    tot = 0
    for c, prs, e in terms:
        for t in resolve(c, prs, e):
            cc, pp, ee = t
            v = cc
            for x,y in pp: v *= dot(x,y)
            if ee is not None: v *= epsn(*ee)
            tot += v
    return tot
def explicit(slots, g5):
    idx = sorted({s for s in slots if s in ("mu","nu","rho")})
    tot = 0
    for vals in itertools.product(range(4), repeat=len(idx)):
        d = dict(zip(idx, vals)); m = np.eye(4, dtype=complex); w = 1.0
        for s in slots:
            if s in d:
                m = m @ G[d[s]]
            else: m = m @ slash(vec[s])
        for i in idx: w *= g[d[i], d[i]]
        if g5: m = m @ G5
        tot += w*np.trace(m)
    return tot
for slots in [("p1","p2","p3","k1"), ("p1","mu","p2","p3","mu","k1"), ("mu","p1","nu","p2","mu","p3","nu","k1"),
              ("p1","p2","p3","k1","p2","p3"), ("rho","p1","mu","p3","rho","p2","k1","mu")]:
    a = num([(c,p,None) for c,p in tr(tuple(slots))]); b = explicit(slots, False)
    a5 = num(tr5(tuple(slots))); b5 = explicit(slots, True)
    print(slots, a, b, a5, b5)
