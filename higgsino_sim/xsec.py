"""Cross sections: LO inclusive sigma per subprocess (Monte Carlo over the 2 -> 2 |M|^2),
the NLO+NLL normalisation from the vendored tables and the K-factors.

K = sigma(NLO+NLL, inclusive) / sigma(LO, inclusive), both for the same spectrum and
sqrt(s). Where no table exists at the requested sqrt(s) the 13 TeV K-factor is applied to
the LO cross section at that energy (``k_factor_source`` says so); at 13.6 TeV the
tabulated chi1+- chi20 sum is split into charges with the LO charge ratio.
See docs/cross_sections.md.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from higgsino_sim import constants as sm
from higgsino_sim import nlo_tables
from higgsino_sim.pdf import PdfSet
from higgsino_sim.processes import ProcessTables, Subprocess, build_subprocess, pack
from higgsino_sim.rng import PHASE_LO_INCLUSIVE, block_rng
from higgsino_sim.spectrum import Spectrum

#: Trial points per block and blocks per subprocess of the LO inclusive integration:
#: 2 x 65536 points give a relative Monte Carlo error of ~0.25 % (enters the K-factor).
LO_BLOCK = 65_536
LO_BLOCKS = 2
#: tau ~ tau^-a importance sampling of the 2 -> 2 integration
TAU_EXPONENT = 1.6
SQRT_S_13TEV = 13_000.0


@dataclass(frozen=True, slots=True)
class ProcessXsec:
    """Cross sections of one subprocess [fb]."""

    process: str
    label: str
    lo_inclusive_fb: float
    lo_inclusive_err_fb: float
    nlo_nll_fb: float
    nlo_nll_err_fb: float
    k_factor: float
    order: str
    source: str
    extrapolated: bool

    def as_dict(self) -> dict[str, object]:
        """JSON-ready dictionary (keys are a contract, see `hsim xsec --json`)."""
        return asdict(self)


def lo_inclusive(
    tables: ProcessTables, p: int, pdf: PdfSet, sqrt_s: float, entropy: int
) -> tuple[float, float]:
    """LO inclusive sigma(pp -> chi chi) of subprocess index ``p`` [fb] and its MC error."""
    from higgsino_sim.kernels.hard_process import integrate_2to2

    sw = sw2 = 0.0
    for b in range(LO_BLOCKS):
        rng = block_rng(entropy, PHASE_LO_INCLUSIVE, p, b, round(sqrt_s))
        s1, s2 = integrate_2to2(
            rng, LO_BLOCK, p, sqrt_s, TAU_EXPONENT, tables.proc_m, *tables.kernel_args(),
            pdf.grid, sm.GEV2_TO_FB,
        )
        sw += s1
        sw2 += s2
    n = LO_BLOCK * LO_BLOCKS
    mean = sw / n
    var = max(sw2 / n - mean * mean, 0.0) / (n - 1)
    return mean, math.sqrt(var)


def cross_sections(
    spec: Spectrum,
    keys: tuple[str, ...],
    pdf: PdfSet,
    sqrt_s: float = SQRT_S_13TEV,
    *,
    entropy: int = 0,
    allow_extrapolation: bool = False,
) -> tuple[ProcessXsec, ...]:
    """LO inclusive, NLO+NLL and K-factor for each subprocess in ``keys``.

    Raises
    ------
    nlo_tables.OutsideTableError
        When the spectrum is outside the tables and extrapolation is not allowed.
    """
    subs: tuple[Subprocess, ...] = tuple(build_subprocess(k, spec) for k in keys)
    tables = pack(subs)
    lo = [lo_inclusive(tables, p, pdf, sqrt_s, entropy) for p in range(len(subs))]
    nlo: list[nlo_tables.TableValue | None] = [
        nlo_tables.nlo_nll(k, m_c1=spec.m_c1, m_n1=spec.m_n1, m_n2=spec.m_n2, sqrt_s=sqrt_s,
                           allow_extrapolation=allow_extrapolation)
        for k in keys
    ]
    out = []
    lo13: dict[str, tuple[float, float]] = {}
    for sub, (sig, err), tv in zip(subs, lo, nlo, strict=True):
        if tv is None:
            tv = _fallback(sub, spec, sig, pdf, sqrt_s, entropy, allow_extrapolation, lo13)
        k = tv.sigma_fb / sig if sig > 0 else float("nan")
        out.append(ProcessXsec(sub.key, sub.label, sig, err, tv.sigma_fb, tv.err_fb, k,
                               tv.order, tv.source, tv.extrapolated))
    return tuple(out)


def _fallback(
    sub: Subprocess,
    spec: Spectrum,
    lo_sigma: float,
    pdf: PdfSet,
    sqrt_s: float,
    entropy: int,
    allow_extrapolation: bool,
    cache: dict[str, tuple[float, float]],
) -> nlo_tables.TableValue:
    """Normalisation where no table exists at ``sqrt_s``.

    13.6 TeV chi1+- chi2,10: the tabulated charge sum times the LO charge fraction.
    Otherwise: the 13 TeV K-factor times the LO cross section at ``sqrt_s``.
    """
    key = sub.key
    if key.startswith(("c1p_n", "c1m_n")):
        summed = nlo_tables.nlo_nll_sum_c1pm_n2(
            m_c1=spec.m_c1, m_n=spec.m_n2 if key.endswith("n2") else spec.m_n1,
            sqrt_s=sqrt_s, allow_extrapolation=allow_extrapolation,
        )
        if summed is not None:
            partner = ("c1m_" if key.startswith("c1p") else "c1p_") + key[4:]
            tables = pack((build_subprocess(partner, spec),))
            lo_partner, _ = lo_inclusive(tables, 0, pdf, sqrt_s, entropy)
            frac = lo_sigma / (lo_sigma + lo_partner)
            return nlo_tables.TableValue(
                summed.sigma_fb * frac, summed.err_fb * frac, summed.order,
                f"{summed.source}; charge split by the LO ratio ({frac:.4f})",
                summed.extrapolated,
            )
    ref = nlo_tables.nlo_nll(key, m_c1=spec.m_c1, m_n1=spec.m_n1, m_n2=spec.m_n2,
                             sqrt_s=SQRT_S_13TEV, allow_extrapolation=allow_extrapolation)
    if ref is None:  # pragma: no cover - every process has a 13 TeV table
        raise AssertionError(f"no 13 TeV table for {key}")
    if key not in cache:
        tables = pack((sub,))
        cache[key] = lo_inclusive(tables, 0, pdf, SQRT_S_13TEV, entropy)
    lo13, _ = cache[key]
    k13 = ref.sigma_fb / lo13
    return nlo_tables.TableValue(
        k13 * lo_sigma, ref.err_fb / ref.sigma_fb * k13 * lo_sigma, ref.order,
        f"K-factor {k13:.4f} at 13 TeV ({ref.source}) applied to LO at "
        f"{sqrt_s / 1000:g} TeV (no table at this energy)",
        ref.extrapolated,
    )


def totals(rows: tuple[ProcessXsec, ...]) -> dict[str, float]:
    """Sums over subprocesses; uncertainties of the tables added linearly (correlated)."""
    lo = sum(r.lo_inclusive_fb for r in rows)
    lo_err = math.sqrt(sum(r.lo_inclusive_err_fb**2 for r in rows))
    nlo = sum(r.nlo_nll_fb for r in rows)
    nlo_err = sum(r.nlo_nll_err_fb for r in rows)
    return {
        "lo_inclusive_fb": lo,
        "lo_inclusive_err_fb": lo_err,
        "nlo_nll_fb": nlo,
        "nlo_nll_err_fb": nlo_err,
        "k_factor": nlo / lo if lo > 0 else float("nan"),
    }

