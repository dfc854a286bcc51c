"""Detector cards: TOML files validated and compiled into frozen arrays for the response kernel.

A card (format in docs/detector_cards.md) describes every efficiency and resolution as a
named functional form (constant, erf turn-on, quadrature sum, binned map, |eta| bins) and
every acceptance limit as a number, each block with its source. ``load_card`` reads a
shipped card by name (package data ``higgsino_sim.detector_cards``) or a user's ``.toml``
file, checks it against the schema table below (one ``CardError`` naming the file, the
dotted key and the problem) and compiles the functions into one float64 pool
(``higgsino_sim.kernels.response_functions``). No text from a card is ever evaluated.
"""

from __future__ import annotations

import difflib
import hashlib
import math
import os
import re
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from higgsino_sim.errors import UsageError
from higgsino_sim.kernels import detector as det
from higgsino_sim.kernels.response_functions import (
    FN_BINNED,
    FN_CONST,
    FN_ERF,
    FN_ETA_BINS,
    FN_QUAD,
)

__all__ = [
    "FUNCTION_KEYS",
    "PARAMETER_KEYS",
    "SCHEMA_VERSION",
    "Card",
    "CardError",
    "card_text",
    "load_card",
    "shipped_cards",
]

#: the card format this version reads
SCHEMA_VERSION = 1
_PACKAGE = "higgsino_sim.detector_cards"
_WP_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")


class CardError(UsageError):
    """A card that cannot be read or is invalid: ``"{file}: {dotted.key}: {problem}"``.

    Parameters
    ----------
    file : str
        The card's path, or its name for a shipped card.
    key : str
        Dotted TOML key of the offending entry ("" when the whole file is concerned).
    problem : str
        What is wrong, in a few words.
    """

    def __init__(self, file: str, key: str, problem: str) -> None:
        self.file, self.key, self.problem = file, key, problem
        super().__init__(f"{file}: {key}: {problem}" if key else f"{file}: {problem}")

    def __reduce__(self) -> tuple[type, tuple[str, str, str]]:
        return type(self), (self.file, self.key, self.problem)


# --------------------------------------------------------------------------------------
# The schema: one table drives validation and compilation.
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Str:
    """A string (``source``, ``note``, ``name``...)."""

    optional: bool = False


@dataclass(frozen=True, slots=True)
class _Num:
    """A finite number in [lo, hi] (lower bound exclusive if ``lo_open``) -> ``par[par]``."""

    par: int | None = None
    lo: float = -math.inf
    hi: float = math.inf
    lo_open: bool = False


@dataclass(frozen=True, slots=True)
class _Radii:
    """Strictly increasing positive radii [mm], at least one."""


@dataclass(frozen=True, slots=True)
class _Fn:
    """A function table compiled into the pool -> ``fn[slot]`` (``slot`` None: a working point).

    ``kind`` "efficiency" keeps values in [0, 1] and forbids "quadrature"; "resolution"
    keeps them >= 0. ``x_edges`` is the binned form's key for the x variable.
    """

    kind: str
    x_edges: str
    slot: int | None = None


@dataclass(frozen=True, slots=True)
class _WorkingPoints:
    """``[<block>.working_points.NAME]`` tables of one lepton flavour (PDG id ``pdg``)."""

    pdg: int
    flavour: str


_SRC = _Str()
_OPT = _Str(optional=True)
_EFF_PT = "efficiency", "pt_edges"
_RES_PT = "resolution", "pt_edges"
_WP_SCHEMA: dict[str, Any] = {
    "source": _SRC,
    "pt_min_gev": _Num(lo=0.0),
    "abs_eta_max": _Num(lo=0.0),
    "efficiency": _Fn(*_EFF_PT),
}

#: block -> key -> spec; nested dicts are TOML tables. Every block needs ``source``.
SCHEMA: dict[str, dict[str, Any]] = {
    "magnetic_field": {"source": _SRC, "bz_t": _Num(det.P_BFIELD, lo=0.0)},
    "tracker": {
        "source": _SRC,
        "abs_eta_max": _Num(det.P_TRK_ABSETA_MAX, lo=0.0),
        "pt_min_gev": _Num(det.P_TRK_PT_MIN, lo=0.0),
        "max_production_radius_mm": _Num(det.P_TRK_R_MAX, lo=0.0),
        "pixel_layer_radii_mm": _Radii(),
        "lepton_match_dr": _Num(det.P_TRK_LEP_MATCH_DR, lo=0.0),
        "efficiency": {
            "source": _OPT,
            "hadron": _Fn(*_EFF_PT, det.FS_TRK_EFF_HADRON),
            "electron": _Fn(*_EFF_PT, det.FS_TRK_EFF_ELECTRON),
            "muon": _Fn(*_EFF_PT, det.FS_TRK_EFF_MUON),
        },
        "efficiency_vs_radius": _Fn("efficiency", "r_xy_edges", det.FS_TRK_EFF_RADIUS),
        "pt_resolution": _Fn(*_RES_PT, det.FS_TRK_PT_RES),
        "d0_resolution_mm": _Fn(*_RES_PT, det.FS_TRK_D0_RES),
        "dz_resolution_mm": _Fn(*_RES_PT, det.FS_TRK_DZ_RES),
    },
    "muons": {
        "source": _SRC,
        "pt_resolution": _Fn(*_RES_PT, det.FS_MU_PT_RES),
        "working_points": _WorkingPoints(13, "muon"),
    },
    "electrons": {
        "source": _SRC,
        "pt_resolution": _Fn(*_RES_PT, det.FS_EL_PT_RES),
        "working_points": _WorkingPoints(11, "electron"),
    },
    "jets": {
        "source": _SRC,
        "pt_min_gev": _Num(det.P_JET_PT_MIN, lo=0.0),
        "abs_eta_max": _Num(det.P_JET_ABSETA_MAX, lo=0.0),
        "pt_resolution": _Fn(*_RES_PT, det.FS_JET_PT_RES),
    },
    "btag": {
        "source": _SRC,
        "abs_eta_max": _Num(det.P_BTAG_ABSETA_MAX, lo=0.0),
        "efficiency": {
            "source": _OPT,
            "b": _Fn(*_EFF_PT, det.FS_BTAG_B),
            "c": _Fn(*_EFF_PT, det.FS_BTAG_C),
            "light": _Fn(*_EFF_PT, det.FS_BTAG_LIGHT),
        },
    },
    "met": {
        "source": _SRC,
        "abs_eta_max": _Num(det.P_MET_ABSETA_MAX, lo=0.0),
        "hard_pt_min_gev": _Num(det.P_HARD_MET_PT_MIN, lo=0.0),
        "soft_term_resolution": _Fn("resolution", "sum_et_edges", det.FS_MET_SOFT_RES),
    },
    "isolation": {
        "source": _SRC,
        "track_cone_dr": _Num(det.P_ISO_CONE, lo=0.0),
        "jet_charged_fraction": _Num(det.P_ISO_JET_CHARGED_FRACTION, lo=0.0, hi=1.0),
        "ue_track_pt_density_gev": _Num(det.P_ISO_UE_DENSITY, lo=0.0),
        "lepton_jet_pt_max_gev": _Num(det.P_LEPJET_ISO_JET_PT_MAX, lo=0.0),
        "lepton_jet_pt_min_gev": _Num(det.P_LEPJET_ISO_JET_PT_MIN, lo=0.0),
        "lepton_jet_dr": _Num(det.P_LEPJET_ISO_DR, lo=0.0),
    },
}
_TOP: dict[str, Any] = {
    "schema_version": None,  # checked first, on its own
    "name": _SRC,
    "description": _SRC,
    "source": _SRC,
    **SCHEMA,
}

#: function tables of a form: (required keys, optional keys); "X" is the slot's x-edge key
_FORMS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "constant": (("value",), ()),
    "erf": (("plateau", "x50", "width"), ()),
    "quadrature": (("terms",), ()),
    "binned": (("X", "values"), ("abs_eta_edges",)),
    "eta_bins": (("abs_eta_edges", "bins"), ()),
}
_FORM_CODE = {"constant": FN_CONST, "erf": FN_ERF, "quadrature": FN_QUAD,
              "binned": FN_BINNED, "eta_bins": FN_ETA_BINS}


def _walk(schema: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, spec in schema.items():
        if isinstance(spec, dict):
            out.update(_walk(spec, f"{prefix}{key}."))
        else:
            out[prefix + key] = spec
    return out


#: dotted card key -> function slot ``FS_*`` of ``higgsino_sim.kernels.detector``
FUNCTION_KEYS: dict[str, int] = {
    k: s.slot for k, s in _walk(SCHEMA).items() if isinstance(s, _Fn) and s.slot is not None
}
#: dotted card key -> scalar parameter ``P_*`` of ``higgsino_sim.kernels.detector``
PARAMETER_KEYS: dict[str, int] = {
    k: s.par for k, s in _walk(SCHEMA).items() if isinstance(s, _Num) and s.par is not None
}
assert sorted(FUNCTION_KEYS.values()) == list(range(det.N_FS))
assert sorted(PARAMETER_KEYS.values()) == list(range(det.N_PAR))


# --------------------------------------------------------------------------------------
# The card object
# --------------------------------------------------------------------------------------


def _frozen(a: np.ndarray) -> np.ndarray:
    a.setflags(write=False)
    return a


@dataclass(frozen=True, slots=True, eq=False)
class Card:
    """A validated detector card, compiled for ``higgsino_sim.kernels.detector``.

    Attributes
    ----------
    name, description : str
        From the card's top-level keys.
    source_file : str
        The path read, or ``builtin:NAME`` for a shipped card.
    sha256 : str
        Hex SHA-256 of the card file's bytes (goes into the output metadata).
    schema_version : int
        Card format version.
    bfield : float
        Solenoid field [T] (``magnetic_field.bz_t``).
    pixel_layer_radii_mm : tuple of float
        Barrel pixel layer radii [mm].
    pool : ndarray of float64
        Compiled response functions (``kernels.response_functions`` encodings).
    fn : ndarray of int64, shape (N_FS,)
        Pool offset of each function slot ``FS_*``.
    par : ndarray of float64, shape (N_PAR,)
        Scalar parameters ``P_*``.
    wp_names : tuple of str
        Lepton working points, ``"muon:NAME"`` then ``"electron:NAME"``; index = bit.
    wp_pdg : ndarray of int64
        PDG id (13 or 11) per working point.
    wp_fn : ndarray of int64
        Pool offset of each working point's efficiency function (x = pT [GeV], y = |eta|).
    wp_pt_min : ndarray of float64
        True-pT threshold [GeV] per working point.
    wp_abseta_max : ndarray of float64
        |eta| acceptance per working point.

    Notes
    -----
    The arrays are read-only. Equality is identity (compare ``sha256`` for content).
    """

    name: str
    description: str
    source_file: str
    sha256: str
    schema_version: int
    bfield: float
    pixel_layer_radii_mm: tuple[float, ...]
    pool: np.ndarray
    fn: np.ndarray
    par: np.ndarray
    wp_names: tuple[str, ...]
    wp_pdg: np.ndarray
    wp_fn: np.ndarray
    wp_pt_min: np.ndarray
    wp_abseta_max: np.ndarray

    def kernel_args(self) -> tuple[np.ndarray, ...]:
        """(pool, fn, par, wp_pdg, wp_fn, wp_pt_min, wp_abseta_max) for the response kernel."""
        return (self.pool, self.fn, self.par, self.wp_pdg, self.wp_fn, self.wp_pt_min,
                self.wp_abseta_max)

    def summary(self) -> dict[str, object]:
        """JSON-able identification of the card (for the output metadata and the CLI)."""
        return {
            "name": self.name,
            "description": self.description,
            "source_file": self.source_file,
            "sha256": self.sha256,
            "schema_version": self.schema_version,
            "bfield_t": self.bfield,
            "working_points": {name: bit for bit, name in enumerate(self.wp_names)},
        }


# --------------------------------------------------------------------------------------
# Finding and reading cards
# --------------------------------------------------------------------------------------


def shipped_cards() -> tuple[str, ...]:
    """Names of the cards shipped with the package (``cms-phase0``, ...), sorted."""
    root = resources.files(_PACKAGE)
    return tuple(sorted(p.name[:-5] for p in root.iterdir() if p.name.endswith(".toml")))


def _is_path(name_or_path: str | os.PathLike[str]) -> bool:
    if not isinstance(name_or_path, str):
        return True
    return name_or_path.endswith(".toml") or "/" in name_or_path or os.sep in name_or_path


def _read(name_or_path: str | os.PathLike[str]) -> tuple[bytes, str, str]:
    """(bytes, file label for errors, source_file) of a shipped card or a path."""
    shipped = shipped_cards()
    hint = f"shipped cards: {', '.join(shipped)}; or give the path of a .toml file"
    if _is_path(name_or_path):
        path = Path(name_or_path)
        try:
            return path.read_bytes(), str(path), str(path)
        except FileNotFoundError:
            raise CardError(str(path), "", f"no such file ({hint})") from None
        except OSError as exc:
            raise CardError(str(path), "", f"cannot read: {exc.strerror or exc}") from None
    name = str(name_or_path)
    if name not in shipped:
        raise CardError(name, "", f"unknown card name ({hint})")
    data = (resources.files(_PACKAGE) / f"{name}.toml").read_bytes()
    return data, name, f"builtin:{name}"


def card_text(name_or_path: str | os.PathLike[str]) -> str:
    """The card's TOML text, comments included (what ``hsim cards show`` prints).

    Parameters
    ----------
    name_or_path : str or os.PathLike
        A shipped card name (see ``shipped_cards``) or the path of a ``.toml`` file.
    """
    data, label, _ = _read(name_or_path)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CardError(label, "", f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None


def load_card(name_or_path: str | os.PathLike[str]) -> Card:
    """Read, validate and compile a detector card.

    Parameters
    ----------
    name_or_path : str or os.PathLike
        A shipped card name (``cms-phase0``, ``cms-phase1``, ``atlas-run2``) or the path
        of a ``.toml`` file (a ``str`` is a path if it ends in ``.toml`` or contains a
        directory separator).

    Returns
    -------
    Card
        The compiled card.

    Raises
    ------
    CardError
        Unknown name, unreadable file, malformed TOML or any schema violation; the
        message names the file, the dotted key and the problem.
    """
    data, label, source_file = _read(name_or_path)
    try:
        doc = tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise CardError(label, "", f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except tomllib.TOMLDecodeError as exc:
        raise CardError(label, "", f"malformed TOML: {exc}") from None
    return _Compiler(label).card(doc, source_file, hashlib.sha256(data).hexdigest())


# --------------------------------------------------------------------------------------
# Validation + compilation
# --------------------------------------------------------------------------------------


def _type_name(v: object) -> str:
    if isinstance(v, bool):
        return "boolean"
    return {str: "string", int: "integer", float: "number", list: "array",
            dict: "table"}.get(type(v), type(v).__name__)


def _show(v: object) -> str:
    text = str(v).lower() if isinstance(v, bool) else repr(v)
    return text if len(text) <= 40 else text[:37] + "..."


class _Compiler:
    """Walks a parsed card against ``SCHEMA``; raises the first problem as a CardError."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.pool: list[float] = []
        self.fn = np.full(det.N_FS, -1, dtype=np.int64)
        self.par = np.full(det.N_PAR, np.nan)
        self.radii: tuple[float, ...] = ()
        self.wps: list[tuple[str, int, int, float, float]] = []

    def fail(self, key: str, problem: str) -> CardError:
        return CardError(self.label, key, problem)

    # ---- structure ------------------------------------------------------------------

    def card(self, doc: dict[str, Any], source_file: str, sha256: str) -> Card:
        version = doc.get("schema_version")
        if version is None:
            raise self.fail("schema_version", "missing key")
        if isinstance(version, bool) or not isinstance(version, int):
            raise self.fail("schema_version", f"expected an integer, got {_type_name(version)}")
        if version != SCHEMA_VERSION:
            raise self.fail("schema_version", f"unsupported version {version} "
                            f"(this version of higgsino-sim reads {SCHEMA_VERSION})")
        self.table(doc, _TOP, "")
        if not doc["name"].strip():
            raise self.fail("name", "empty name")
        if self.par[det.P_LEPJET_ISO_JET_PT_MIN] > self.par[det.P_LEPJET_ISO_JET_PT_MAX]:
            raise self.fail("isolation.lepton_jet_pt_min_gev", "above lepton_jet_pt_max_gev "
                            "(the jet-based isolation would never apply)")
        wps = self.wps
        return Card(
            name=doc["name"], description=doc["description"], source_file=source_file,
            sha256=sha256, schema_version=version, bfield=float(self.par[det.P_BFIELD]),
            pixel_layer_radii_mm=self.radii,
            pool=_frozen(np.array(self.pool, dtype=np.float64)),
            fn=_frozen(self.fn), par=_frozen(self.par),
            wp_names=tuple(w[0] for w in wps),
            wp_pdg=_frozen(np.array([w[1] for w in wps], dtype=np.int64)),
            wp_fn=_frozen(np.array([w[2] for w in wps], dtype=np.int64)),
            wp_pt_min=_frozen(np.array([w[3] for w in wps], dtype=np.float64)),
            wp_abseta_max=_frozen(np.array([w[4] for w in wps], dtype=np.float64)),
        )

    def keys(self, tbl: object, path: str, required: tuple[str, ...] | list[str],
             optional: tuple[str, ...] | list[str] = ()) -> dict[str, Any]:
        """``tbl`` as a table with exactly these keys (typos get a suggestion)."""
        if not isinstance(tbl, dict):
            raise self.fail(path, f"expected a table, got {_type_name(tbl)} {_show(tbl)}")
        known = [*required, *optional]
        for key in tbl:
            if key not in known:
                close = difflib.get_close_matches(key, known, n=1)
                hint = f"did you mean '{close[0]}'?" if close else f"expected: {', '.join(known)}"
                raise self.fail(f"{path}{'.' if path else ''}{key}", f"unknown key ({hint})")
        for key in required:
            if key not in tbl:
                raise self.fail(f"{path}{'.' if path else ''}{key}", "missing key")
        return tbl

    def table(self, tbl: object, schema: dict[str, Any], path: str) -> dict[str, Any]:
        """Check ``tbl`` against ``schema``; fill ``par``/``fn``; key -> number or pool offset."""
        required = [k for k, s in schema.items() if not (isinstance(s, _Str) and s.optional)]
        optional = [k for k, s in schema.items() if isinstance(s, _Str) and s.optional]
        tbl = self.keys(tbl, path, required, optional)
        out: dict[str, Any] = {}
        for key, spec in schema.items():
            if key not in tbl or spec is None:
                continue
            sub = f"{path}{'.' if path else ''}{key}"
            value = tbl[key]
            if isinstance(spec, dict):
                self.table(value, spec, sub)
            elif isinstance(spec, _Str):
                if not isinstance(value, str):
                    raise self.fail(sub, f"expected a string, got {_type_name(value)}")
            elif isinstance(spec, _Num):
                out[key] = self.number(value, sub, spec.lo, spec.hi, spec.lo_open)
                if spec.par is not None:
                    self.par[spec.par] = out[key]
            elif isinstance(spec, _Radii):
                self.radii = tuple(self.edges(value, sub, positive=True, allow_inf=False))
            elif isinstance(spec, _Fn):
                out[key] = self.function(value, sub, spec.kind, spec.x_edges)
                if spec.slot is not None:
                    self.fn[spec.slot] = out[key]
            elif isinstance(spec, _WorkingPoints):
                self.working_points(value, sub, spec)
            else:  # pragma: no cover - schema bug
                raise TypeError(spec)
        return out

    def working_points(self, tbl: object, path: str, spec: _WorkingPoints) -> None:
        """Working points in file order; each gets the next bit."""
        if not isinstance(tbl, dict):
            raise self.fail(path, f"expected a table of working points, got {_type_name(tbl)}")
        for name, wp in tbl.items():
            sub = f"{path}.{name}"
            if not _WP_NAME.match(name):
                raise self.fail(sub, "working-point names are letters, digits and '_', "
                                "starting with a letter")
            if len(self.wps) == det.MAX_WP:
                raise self.fail(sub, f"too many working points (at most {det.MAX_WP} muon "
                                "and electron working points in total)")
            res = self.table(wp, _WP_SCHEMA, sub)
            self.wps.append((f"{spec.flavour}:{name}", spec.pdg, res["efficiency"],
                             res["pt_min_gev"], res["abs_eta_max"]))

    # ---- numbers --------------------------------------------------------------------

    def number(self, v: object, path: str, lo: float = -math.inf, hi: float = math.inf,
               lo_open: bool = False) -> float:
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise self.fail(path, f"expected a number, got {_type_name(v)} {_show(v)}")
        x = float(v)
        if not math.isfinite(x):
            raise self.fail(path, f"not a finite number: {x}")
        if x < lo or x > hi or (lo_open and x == lo):
            if lo == 0.0 and hi == 1.0:
                rng = "in [0, 1]"
            elif hi == math.inf:
                rng = f"> {lo:g}" if lo_open else f">= {lo:g}"
            else:
                rng = f"in [{lo:g}, {hi:g}]"
            raise self.fail(path, f"{x:g} is out of range (must be {rng})")
        return x

    def value(self, v: object, path: str, kind: str) -> float:
        """An efficiency (in [0, 1]) or a resolution (>= 0)."""
        if kind == "efficiency":
            x = self.number(v, path)
            if not 0.0 <= x <= 1.0:
                raise self.fail(path, f"efficiency {x:g} outside [0, 1]")
            return x
        x = self.number(v, path)
        if x < 0.0:
            raise self.fail(path, f"negative resolution {x:g}")
        return x

    def edges(self, v: object, path: str, positive: bool = False,
              allow_inf: bool = True) -> list[float]:
        """Bin edges: >= 2 (radii: >= 1) finite, non-negative, strictly increasing numbers;
        the last may be ``inf``."""
        if not isinstance(v, list):
            raise self.fail(path, f"expected an array of numbers, got {_type_name(v)}")
        need = 1 if positive else 2
        if len(v) < need:
            raise self.fail(path, f"needs at least {need} entries, got {len(v)}")
        out: list[float] = []
        for i, e in enumerate(v):
            sub = f"{path}[{i}]"
            if isinstance(e, bool) or not isinstance(e, int | float):
                raise self.fail(sub, f"expected a number, got {_type_name(e)} {_show(e)}")
            x = float(e)
            if x == math.inf and allow_inf and i == len(v) - 1 and i > 0:
                pass
            elif not math.isfinite(x):
                raise self.fail(sub, f"not a finite number: {x}"
                                + (" (only the last edge may be inf)" if allow_inf else ""))
            if x < 0.0 or (positive and x == 0.0):
                raise self.fail(sub, f"{'non-positive' if positive else 'negative'} value {x:g}")
            if out and x <= out[-1]:
                raise self.fail(sub, f"not strictly increasing ({x:g} after {out[-1]:g})")
            out.append(x)
        return out

    # ---- functions ------------------------------------------------------------------

    def function(self, tbl: object, path: str, kind: str, x_edges: str) -> int:
        """Validate a function table and append its program to the pool; its offset."""
        if not isinstance(tbl, dict):
            raise self.fail(path, f"expected a function table such as {{form = \"constant\", "
                            f"value = ...}}, got {_type_name(tbl)} {_show(tbl)}")
        form = tbl.get("form")
        if form is None:
            raise self.fail(f"{path}.form", f"missing key (one of: {', '.join(_FORMS)})")
        if form not in _FORMS:
            raise self.fail(f"{path}.form", f"unknown form {_show(form)} "
                            f"(known: {', '.join(_FORMS)})")
        if form == "quadrature" and kind == "efficiency":
            raise self.fail(f"{path}.form", "form 'quadrature' is not allowed for an "
                            "efficiency (unbounded); use constant, erf, binned or eta_bins")
        required, optional = _FORMS[form]
        required = tuple(x_edges if k == "X" else k for k in required)
        self.keys(tbl, path, ("form", *required), (*optional, "source", "note"))
        for key in ("source", "note"):
            if key in tbl and not isinstance(tbl[key], str):
                raise self.fail(f"{path}.{key}", f"expected a string, got {_type_name(tbl[key])}")
        p = f"{path}."
        if form == "constant":
            prog = [FN_CONST, self.value(tbl["value"], p + "value", kind)]
        elif form == "erf":
            plateau = self.value(tbl["plateau"], p + "plateau", kind)
            prog = [FN_ERF, plateau, self.number(tbl["x50"], p + "x50"),
                    self.number(tbl["width"], p + "width", lo=0.0, lo_open=True)]
        elif form == "quadrature":
            prog = [FN_QUAD, *self.terms(tbl["terms"], p + "terms", x_edges)]
        elif form == "binned":
            prog = self.binned(tbl, path, kind, x_edges)
        else:
            return self.eta_bins(tbl, path, kind, x_edges)
        offset = len(self.pool)
        self.pool.extend(float(x) for x in prog)
        return offset

    def terms(self, v: object, path: str, x_edges: str) -> list[float]:
        if not isinstance(v, list) or not v:
            raise self.fail(path, "expected a non-empty array of [coefficient, power] pairs")
        out = [float(len(v))]
        for i, t in enumerate(v):
            if not isinstance(t, list) or len(t) != 2:
                raise self.fail(f"{path}[{i}]", f"expected [coefficient, power], got {_show(t)}")
            c = self.number(t[0], f"{path}[{i}][0]")
            if c < 0.0:
                raise self.fail(f"{path}[{i}][0]", f"negative resolution coefficient {c:g}")
            power = self.number(t[1], f"{path}[{i}][1]")
            if power < 0.0 and x_edges != "pt_edges":
                # pT > 0 always; a radius or a pT sum can be 0, where x^power is infinite
                raise self.fail(f"{path}[{i}][1]", f"negative power {power:g} of a variable "
                                "that can be 0 (only pT functions may have them)")
            out += [c, power]
        return out

    def binned(self, tbl: dict[str, Any], path: str, kind: str, x_edges: str) -> list[float]:
        xe = self.edges(tbl[x_edges], f"{path}.{x_edges}")
        ye = (self.edges(tbl["abs_eta_edges"], f"{path}.abs_eta_edges")
              if "abs_eta_edges" in tbl else [0.0, math.inf])
        nx, ny = len(xe) - 1, len(ye) - 1
        rows = tbl["values"] if "abs_eta_edges" in tbl else [tbl["values"]]
        vpath = f"{path}.values"
        shape = (f"{ny} rows (one per abs_eta bin) of {nx} numbers (one per {x_edges} bin)"
                 if "abs_eta_edges" in tbl else f"{nx} numbers (one per {x_edges} bin)")
        if not isinstance(rows, list) or len(rows) != ny:
            got = f"{len(rows)} rows" if isinstance(rows, list) else _type_name(rows)
            raise self.fail(vpath, f"expected {shape}, got {got}")
        values: list[float] = []
        for j, row in enumerate(rows):
            rpath = f"{vpath}[{j}]" if "abs_eta_edges" in tbl else vpath
            if not isinstance(row, list) or len(row) != nx:
                got = f"{len(row)} numbers" if isinstance(row, list) else _type_name(row)
                raise self.fail(rpath, f"expected {shape}, got {got}")
            values += [self.value(x, f"{rpath}[{i}]", kind) for i, x in enumerate(row)]
        return [FN_BINNED, nx, ny, *xe, *ye, *values]

    def eta_bins(self, tbl: dict[str, Any], path: str, kind: str, x_edges: str) -> int:
        ye = self.edges(tbl["abs_eta_edges"], f"{path}.abs_eta_edges")
        bins = tbl["bins"]
        if not isinstance(bins, list) or len(bins) != len(ye) - 1:
            got = f"{len(bins)}" if isinstance(bins, list) else _type_name(bins)
            raise self.fail(f"{path}.bins", f"expected {len(ye) - 1} function tables (one "
                            f"per abs_eta bin), got {got}")
        subs = [self.function(b, f"{path}.bins[{i}]", kind, x_edges) for i, b in enumerate(bins)]
        offset = len(self.pool)
        self.pool.extend([float(FN_ETA_BINS), float(len(subs)), *ye, *map(float, subs)])
        return offset
