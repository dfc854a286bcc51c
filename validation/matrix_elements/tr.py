"""Tiny symbolic Dirac-trace engine (4 dimensions) used to derive the 2->3 |M|^2.

Slots: vector names (slashed momenta) or index names (start with '_' or are Greek words).
Tr[S] via the standard recursion; Tr[S g5] via the Chisholm reduction
  a1 a2 a3 = (a1.a2) a3 - (a1.a3) a2 + (a2.a3) a1 + i s eps(a1,a2,a3,sig) g_sig g5,
with s = +1 (Peskin & Schroeder: eps^{0123} = -1, g5 = i g0 g1 g2 g3); the final
answers only contain eps*eps = -det(g), independent of s.
Terms: (coef complex-int as (re, im)), pairs (sorted tuple of sorted 2-tuples), eps (tuple or None)
"""
from __future__ import annotations
import itertools
from fractions import Fraction
from functools import lru_cache
import sympy as sp

INDEX_WORDS = {"mu", "nu", "rho", "sig", "alpha", "beta"}
_counter = itertools.count()

def is_index(x):
    return x.startswith("_") or x in INDEX_WORDS

def fresh():
    return f"_s{next(_counter)}"

def pair(x, y):
    return (x, y) if x <= y else (y, x)

@lru_cache(maxsize=None)
def tr(slots):
    """Tr[slots] (no g5): tuple of (int coef, pairs)."""
    n = len(slots)
    if n == 0:
        return ((4, ()),)
    if n % 2:
        return ()
    out = {}
    a1 = slots[0]
    for k in range(1, n):
        sign = 1 if k % 2 == 1 else -1
        rest = slots[1:k] + slots[k + 1:]
        for c, prs in tr(rest):
            key = tuple(sorted(prs + (pair(a1, slots[k]),)))
            out[key] = out.get(key, 0) + sign * c
    return tuple((c, k) for k, c in out.items() if c)

def perm_sign(seq):
    seq = list(seq); s = 1
    for i in range(len(seq)):
        for j in range(len(seq) - 1 - i):
            if seq[j] > seq[j + 1]:
                seq[j], seq[j + 1] = seq[j + 1], seq[j]; s = -s
    return s

def canon_eps(e):
    if len(set(e)) < 4:
        return 0, None
    return perm_sign(e), tuple(sorted(e))

def tr5(slots):
    """Tr[slots g5]: list of (complex coef, pairs, eps)."""
    n = len(slots)
    if n < 4 or n % 2:
        return []
    a1, a2, a3 = slots[:3]
    rest = tuple(slots[3:])
    out = []
    for c, (x, y), keep in ((1, (a1, a2), a3), (-1, (a1, a3), a2), (1, (a2, a3), a1)):
        for cc, prs, e in tr5((keep,) + rest):
            out.append((c * cc, prs + (pair(x, y),), e))
    # + i s eps(a1,a2,a3,sig) Tr[g_sig g5 rest g5] = - i eps(a1 a2 a3 sig) Tr[g_sig rest]
    sig = fresh()
    for c, prs in tr((sig,) + rest):
        out.append((-1j * c, prs, (a1, a2, a3, sig)))
    return out

def resolve(coef, prs, eps):
    """Contract repeated indices; return list of (coef, pairs, eps) with only vectors left."""
    prs = list(prs)
    eps = list(eps) if eps is not None else None
    while True:
        idx = None
        for p in prs:
            for x in p:
                if is_index(x):
                    idx = x; break
            if idx: break
        if idx is None and eps is not None:
            for x in eps:
                if is_index(x):
                    idx = x; break
        if idx is None:
            break
        in_pairs = [i for i, p in enumerate(prs) if idx in p]
        n_eps = eps.count(idx) if eps is not None else 0
        if n_eps == 2:
            return []
        if n_eps == 1:
            assert len(in_pairs) == 1, (idx, prs, eps)
            p = prs.pop(in_pairs[0])
            other = p[1] if p[0] == idx else p[0]
            eps[eps.index(idx)] = other
            continue
        assert len(in_pairs) in (1, 2), (idx, prs, eps)
        if len(in_pairs) == 1:
            p = prs[in_pairs[0]]
            assert p == (idx, idx), (idx, prs)
            prs.pop(in_pairs[0]); coef *= 4
            continue
        i, j = in_pairs
        p, q = prs[i], prs[j]
        x = p[1] if p[0] == idx else p[0]
        y = q[1] if q[0] == idx else q[0]
        for k in sorted((i, j), reverse=True):
            prs.pop(k)
        prs.append(pair(x, y))
    if eps is not None:
        s, e = canon_eps(eps)
        if s == 0:
            return []
        return [(coef * s, tuple(sorted(prs)), e)]
    return [(coef, tuple(sorted(prs)), None)]

def eps_eps(e1, e2):
    """eps(e1) eps(e2) = -det[e1_i . e2_j]: list of (sign, pairs)."""
    out = []
    for perm in itertools.permutations(range(4)):
        s = -perm_sign(perm)
        out.append((s, tuple(pair(e1[i], e2[perm[i]]) for i in range(4))))
    return out

def to_sympy(terms, dot):
    """terms: iterable of (coef, pairs, eps=None) with only vectors; dot(x, y) -> sympy expr."""
    acc = {}
    for c, prs, e in terms:
        assert e is None
        key = tuple(sorted(prs))
        acc[key] = acc.get(key, 0) + c
    expr = 0
    for key, c in acc.items():
        if c == 0:
            continue
        c = complex(c)
        assert abs(c.imag) < 1e-12, c
        cr = sp.nsimplify(c.real)
        term = cr
        for x, y in key:
            term *= dot(x, y)
        expr += term
    return expr
