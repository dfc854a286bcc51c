"""SLHA spectrum files: write the model's masses and decay tables, read masses and decays back.

Format: SUSY Les Houches Accord, P. Skands et al., JHEP 07 (2004) 036 (hep-ph/0311123),
sections 2.1 (conventions) and 3.3-3.4 (BLOCK MASS, DECAY tables); SLHA2, B. Allanach et
al., Comput. Phys. Commun. 180 (2009) 8 (arXiv:0801.0045). Masses in GeV; neutralino masses
are the signed eigenvalues of a real mixing matrix N (SLHA1 section 2.2), chargino masses
are positive. A DECAY line is ``BR NDA ID1 ... IDn`` with the total width in GeV on the
DECAY header line.

What is used from a file (docs/formats.md, section "SLHA"):

* ``BLOCK MASS``: 1000022, 1000023, 1000024 (required). The pure-Higgsino model needs
  neutralino eigenvalues of opposite sign; the file's pattern (+, -) or (-, +) is kept
  in the metadata, and the model uses (+m(chi10), -m(chi20)): with the gauginos decoupled
  the phase of mu is unphysical, only the relative sign matters (docs/physics.md).
* ``DECAY 1000023`` and ``DECAY 1000024`` (optional, each): the total width replaces the
  computed one (it sets c*tau); branching-fraction lines, if any, replace the computed
  branching fractions. Lines are mapped onto the model's channels by their daughter PDG
  ids (any order; the charge conjugate of a chi20 -> chi1+- f f' line is the same channel);
  lines of one channel are added. Within a channel the split between its kinematic modes
  (e.g. u dbar, c sbar for ``chi10 hadrons``) stays the computed one. ``DECAY -1000024``
  is used, charge conjugated, only when ``DECAY 1000024`` is absent.
* ``DECAY 1000022`` must be absent or have zero width (chi10 is stable).

Reading needs ``pyslha`` (``pip install 'higgsino-sim[io]'``); writing does not.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from higgsino_sim._version import __version__
from higgsino_sim.decays import DecayModel, DecayTable, Mode
from higgsino_sim.errors import UsageError
from higgsino_sim.spectrum import PDG_C1, PDG_N1, PDG_N2, Spectrum

#: self-conjugate particles among the decay products (charge conjugation keeps the id)
_SELF_CONJUGATE = frozenset({21, 22, 23, 25, 111, PDG_N1, PDG_N2})

_STATE_OF_PDG = {PDG_N2: "chi20", PDG_C1: "chi1pm"}

#: |sum of the BRs of a DECAY table - 1| accepted (and normalised away above 1e-12): files
#: printed with 8 significant digits (the SLHA examples' E16.8 style) add up to ~1e-8
BR_SUM_TOLERANCE = 1e-6
_NAMES = {PDG_N1: "~chi_10", PDG_N2: "~chi_20", PDG_C1: "~chi_1+"}


@dataclass(frozen=True, slots=True)
class SlhaInput:
    """What an SLHA file sets: the spectrum and (optionally) widths and branching fractions.

    Attributes
    ----------
    path : str
        The file as given.
    sha256 : str
        SHA-256 of the file's bytes.
    spectrum : Spectrum
        Masses [GeV] in the model's sign convention (+m(chi10), -m(chi20)).
    file_masses : dict
        The signed masses of the file [GeV], keyed chi10, chi20, chi1pm.
    widths : dict
        Total widths [GeV] keyed chi20 / chi1pm, for the DECAY tables present.
    branching : dict
        Channel branching fractions keyed state -> channel (every channel of the state,
        zero where the file has no line), for DECAY tables with at least one BR line.
    """

    path: str
    sha256: str
    spectrum: Spectrum
    file_masses: dict[str, float]
    widths: dict[str, float] = field(default_factory=dict)
    branching: dict[str, dict[str, float]] = field(default_factory=dict)

    def summary(self) -> dict[str, object]:
        """Plain-data record for the event metadata and ``hsim spectrum --json``."""
        return {"path": self.path, "sha256": self.sha256, "file_masses_gev": self.file_masses,
                "widths_from_file": sorted(self.widths),
                "branching_from_file": sorted(self.branching)}


# ------------------------------------------------------------------------ channels


def _conjugate(ids: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(i if abs(i) in _SELF_CONJUGATE else -i for i in ids)


def _key(ids: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(sorted(i for i in ids if i != 0))


def _state_modes(spec: Spectrum) -> dict[str, list[Mode]]:
    """The model's kinematic modes of chi20 and chi1+ (no widths computed)."""
    from higgsino_sim.decays import _chi1_modes, _chi20_modes

    return {"chi20": _chi20_modes(spec), "chi1pm": _chi1_modes(spec)}


def channel_map(spec: Spectrum) -> dict[str, dict[tuple[int, ...], str]]:
    """Sorted daughter ids -> channel name, per state (chi20; chi1pm as chi1+ parent).

    The charge conjugates of the ``conjugate_half`` modes (chi20 -> chi1- f f') map to the
    same channel.
    """
    out: dict[str, dict[tuple[int, ...], str]] = {}
    for state, modes in _state_modes(spec).items():
        table: dict[tuple[int, ...], str] = {}
        for m in modes:
            table[_key(m.pdg)] = m.channel
            if m.conjugate_half:
                table[_key(_conjugate(m.pdg))] = m.channel
        out[state] = table
    return out


# -------------------------------------------------------------------------- writing


def _fmt(x: float) -> str:
    # 17 significant digits: float(text) gives back the same double (round trip exact)
    return f"{x:+.16e}"


def _mode_lines(table: DecayTable) -> list[tuple[float, tuple[int, ...], str]]:
    """(BR, daughter ids, channel) per DECAY line of one decay table.

    A channel's branching fraction is split over its modes by their widths (halves for
    the two charge conjugates of a ``conjugate_half`` mode). The last part is adjusted by
    a few ulps so that adding the parts in the order of their daughter-id tuples (as
    :func:`read_slha` does) gives the channel's value exactly: reading the file back then
    reproduces the model bit for bit.
    """
    lines: list[tuple[float, tuple[int, ...], str]] = []
    for channel, br in table.branching.items():
        if not br > 0:
            continue
        modes = [m for m in table.modes if m.channel == channel]
        ch_w = sum(m.width for m in modes)
        parts: list[tuple[float, tuple[int, ...]]] = []
        for m in modes:
            frac = m.width / ch_w if ch_w > 0 else 1.0 / len(modes)
            if not frac > 0:
                continue
            ids = tuple(i for i in m.pdg if i != 0)
            if m.conjugate_half:
                parts += [(br * frac / 2, ids), (br * frac / 2, _conjugate(ids))]
            else:
                parts.append((br * frac, ids))
        if not parts:  # open channel without a computed width (the photon mode)
            m = modes[0]
            parts = [(br, tuple(i for i in m.pdg if i != 0))]
        parts.sort(key=lambda part: part[1])  # the reader's order (pyslha sorts by BR)
        head = 0.0
        for p, _ in parts[:-1]:
            head += p
        last = br - head
        for _ in range(64):
            total = head + last
            if total == br:
                break
            last = float(np.nextafter(last, np.inf if total < br else -np.inf))
        parts[-1] = (max(last, 0.0), parts[-1][1])
        lines += [(p, ids, channel) for p, ids in parts]
    return lines


def slha_text(spectrum: Spectrum, decays: DecayModel, source: str = "") -> str:
    """The SLHA text of :func:`write_slha` (see there)."""
    spec = spectrum
    out = [
        f"# SUSY Les Houches Accord spectrum written by higgsino-sim {__version__}",
        "# Pure-Higgsino simplified model (bino, wino, sfermions decoupled); masses in GeV,",
        "# neutralino masses are signed eigenvalues (real N), widths in GeV.",
        "# Decays of chi20 and chi1+: exact matrix elements integrated over the phase space",
        "# (docs/decays.md); a channel's BR is split over its quark-level modes by their widths.",
    ]
    if source:
        out += [f"# source: {line}" for line in source.splitlines()]
    out.append(f"# branching-fraction preset: {decays.preset}"
               + (f"; overrides: {', '.join(f'{s}:{c}={v:g}' for s, c, v in decays.overrides)}"
                  if decays.overrides else ""))
    out += [
        "BLOCK MASS   # pole masses",
        f"   {PDG_N1:>8d}   {_fmt(spec.signed_n1)}   # ~chi_10",
        f"   {PDG_N2:>8d}   {_fmt(spec.signed_n2)}   # ~chi_20",
        f"   {PDG_C1:>8d}   {_fmt(spec.m_c1)}   # ~chi_1+",
        "#         PDG            Width",
        f"DECAY   {PDG_N1:>8d}   {_fmt(0.0)}   # ~chi_10 (stable)",
    ]
    for pdg in (PDG_N2, PDG_C1):
        state = _STATE_OF_PDG[pdg]
        table = decays.tables[state]
        out.append(f"DECAY   {pdg:>8d}   {_fmt(table.total_width)}   # {_NAMES[pdg]}, "
                   f"c*tau = {table.ctau_mm:.6g} mm")
        out.append("#          BR                    NDA      ID1       ID2       ID3")
        for br, ids, channel in _mode_lines(table):
            ids_txt = "".join(f" {i:>9d}" for i in ids)
            out.append(f"   {_fmt(br)}   {len(ids):>3d}{ids_txt}   # {state}: {channel}")
    return "\n".join(out) + "\n"


def write_slha(spectrum: Spectrum, decays: DecayModel, path: Path | str,
               source: str = "") -> None:
    """Write an SLHA file: BLOCK MASS and DECAY tables of chi10, chi20 and chi1+.

    Parameters
    ----------
    spectrum : Spectrum
        Masses [GeV]; MASS holds the signed eigenvalues (chi10 +, chi20 -, chi1+ +).
    decays : DecayModel
        Total widths [GeV] and branching fractions (one DECAY line per kinematic mode,
        daughter ids for the chi1+ parent).
    path : Path or str
        Output file; written to a temporary name in the same directory and renamed, so a
        failure leaves no partial file.
    source : str
        Comment line(s) naming what produced the spectrum (e.g. the command line).
    """
    path = Path(path)
    text = slha_text(spectrum, decays, source)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        tmp.write_text(text)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


# -------------------------------------------------------------------------- reading


def _pyslha():
    try:
        import pyslha
    except ImportError:
        raise UsageError("--slha needs pyslha: pip install 'higgsino-sim[io]'") from None
    return pyslha


def _masses(doc: object, where: str) -> tuple[Spectrum, dict[str, float]]:
    blocks = doc.blocks  # type: ignore[attr-defined]
    if "MASS" not in blocks:
        raise UsageError(f"{where}: no BLOCK MASS")
    mass = blocks["MASS"]
    values = {}
    for pdg, name in ((PDG_N1, "chi10"), (PDG_N2, "chi20"), (PDG_C1, "chi1pm")):
        if pdg not in mass:
            raise UsageError(f"{where}: BLOCK MASS has no entry {pdg} ({name})")
        v = mass[pdg]
        if not isinstance(v, int | float) or not math.isfinite(v) or v == 0:
            raise UsageError(f"{where}: BLOCK MASS {pdg} ({name}) must be a finite non-zero "
                             f"mass in GeV, got {v!r}")
        values[name] = float(v)
    m1, m2, mc = values["chi10"], values["chi20"], values["chi1pm"]
    if mc < 0:
        raise UsageError(f"{where}: BLOCK MASS 1000024 = {mc:g}: chargino masses are "
                         "positive in SLHA (the sign belongs in UMIX/VMIX)")
    if (m1 > 0) == (m2 > 0):
        raise UsageError(f"{where}: chi10 ({m1:g}) and chi20 ({m2:g}) mass eigenvalues have "
                         "the same sign; a pure Higgsino needs opposite signs")
    if not abs(m2) > abs(m1):
        raise UsageError(f"{where}: m(chi20) = {abs(m2):g} GeV must be above m(chi10) = "
                         f"{abs(m1):g} GeV")
    if not mc > abs(m1):
        raise UsageError(f"{where}: m(chi1+-) = {mc:g} GeV must be above m(chi10) = "
                         f"{abs(m1):g} GeV")
    return Spectrum(m_c1=mc, m_n1=abs(m1), m_n2=abs(m2)), values


def _decays(doc: object, spec: Spectrum, where: str, present: set[int]
            ) -> tuple[dict[str, float], dict[str, dict[str, float]]]:
    decays = doc.decays  # type: ignore[attr-defined]
    if PDG_N1 in present and decays[PDG_N1].totalwidth:
        raise UsageError(f"{where}: DECAY 1000022 has width {decays[PDG_N1].totalwidth:g} GeV; "
                         "chi10 is the stable LSP in this model")
    chmap = channel_map(spec)
    channels = {s: list(dict.fromkeys(ch for ch in chmap[s].values())) for s in chmap}
    widths: dict[str, float] = {}
    branching: dict[str, dict[str, float]] = {}
    for pdg, state in _STATE_OF_PDG.items():
        conj = False
        if pdg in present:
            particle = decays[pdg]
        elif pdg == PDG_C1 and -pdg in present:
            particle, conj = decays[-pdg], True
        else:
            continue
        label = f"DECAY {-pdg if conj else pdg}"
        width = particle.totalwidth
        if width is None or not math.isfinite(width) or width <= 0:
            raise UsageError(f"{where}: {label} has width {width!r}; {state} must decay in this "
                             "model (give a positive total width in GeV)")
        widths[state] = float(width)
        if not particle.decays:
            continue
        br: dict[str, float] = dict.fromkeys(channels[state], 0.0)
        unknown = []
        # added in the order of the daughter-id tuples (as written by write_slha), so that
        # a channel split over several lines sums to the written channel value exactly
        lines = sorted((tuple(int(i) for i in d.ids), d.br) for d in particle.decays)
        for ids, value in lines:
            ch = chmap[state].get(_key(_conjugate(ids) if conj else ids))
            if ch is None:
                unknown.append(" ".join(str(i) for i in ids))
                continue
            if not (isinstance(value, int | float) and math.isfinite(value) and value >= 0):
                raise UsageError(f"{where}: {label}: BR {value!r} of {ids} is not a number "
                                 ">= 0")
            br[ch] += float(value)
        if unknown:
            raise UsageError(
                f"{where}: {label}: channels not in the model (daughter ids): "
                + "; ".join(unknown) + ". Model channels: " + ", ".join(channels[state]))
        total = math.fsum(br.values())
        if abs(total - 1.0) > BR_SUM_TOLERANCE:
            raise UsageError(f"{where}: {label}: the branching fractions sum to {total:.9g}, "
                             "not 1")
        if abs(total - 1.0) > 1e-12:  # printed with few digits: normalise
            br = {c: v / total for c, v in br.items()}
        branching[state] = br
    return widths, branching


def read_slha(path: Path | str) -> SlhaInput:
    """Read masses and (optionally) decay tables of the Higgsino multiplet from SLHA.

    Parameters
    ----------
    path : Path or str
        SLHA1/SLHA2 file (other blocks and particles are ignored).

    Returns
    -------
    SlhaInput
        Spectrum [GeV], total widths [GeV] and channel branching fractions found.

    Raises
    ------
    UsageError
        One line: pyslha missing, unreadable file, missing BLOCK MASS entries, masses that
        do not make a Higgsino multiplet (chi1+- or chi20 not above chi10, same-sign
        neutralino eigenvalues, negative chargino mass), a decaying chi10, non-positive
        widths, or DECAY lines that are no channel of the model (named).
    """
    pyslha = _pyslha()
    where = f"--slha {path}"
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise UsageError(f"{where}: cannot read the file ({exc.strerror})") from None
    try:
        text = raw.decode("utf-8", errors="replace")
        doc = pyslha.readSLHA(text, ignorenomass=True)
    except (pyslha.ParseError, ValueError, IndexError, KeyError, TypeError) as exc:
        msg = " ".join(str(exc).split()) or type(exc).__name__
        raise UsageError(f"{where}: not a readable SLHA file ({msg})") from None
    spec, file_masses = _masses(doc, where)
    # pyslha also lists every particle of BLOCK MASS among its decays (width 0): the
    # DECAY tables really in the file are found from their header lines
    present = {int(m.group(1)) for m in re.finditer(r"^DECAY\s+([+-]?\d+)", text,
                                                      re.IGNORECASE | re.MULTILINE)}
    widths, branching = _decays(doc, spec, where, present)
    return SlhaInput(str(path), hashlib.sha256(raw).hexdigest(), spec, file_masses, widths,
                     branching)
