"""Grid specification for ``hsim grid``: grid points, their parsing, validation and seeds.

A grid point is the triple (mass, dm, dm0) in the conventions of
:func:`higgsino_sim.spectrum.higgsino_spectrum` (all in GeV):

* ``mass`` = m(chi1+-),
* ``dm``   = m(chi1+-) - m(chi10),
* ``dm0``  = m(chi20) - m(chi10), always resolved (2 * dm when not given, the default of
  :func:`~higgsino_sim.spectrum.higgsino_spectrum`),

each rounded to 1e-6 GeV. The canonical text of a coordinate (:func:`canon`) gives the
point's file name (:attr:`GridPoint.name`), its key (:attr:`GridPoint.key`, used in the
manifest and in messages) and its seed (:func:`point_seed`), so that a point's table depends
only on its coordinates and the master seed, never on where it appears in a grid.

Points come from command-line options (:func:`grid_from_options`: comma-separated numbers
and inclusive ``START:STOP:STEP`` ranges, :func:`parse_values`) or from a TOML file
(:func:`grid_from_toml`); :func:`check_points` validates all of them at once before any
work is done. The syntax is documented in ``docs/grid.md``.
"""

from __future__ import annotations

import hashlib
import itertools
import math
import operator
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Final

from higgsino_sim.errors import UsageError

__all__ = [
    "MAX_GRID_POINTS",
    "MAX_VALUES_PER_OPTION",
    "SEED_DOMAIN",
    "GridPoint",
    "canon",
    "check_points",
    "grid_from_options",
    "grid_from_toml",
    "parse_values",
    "point_seed",
]

#: Coordinates are rounded to this many decimals of a GeV (1e-6 GeV = 1 keV).
COORD_DECIMALS: Final[int] = 6
#: Most values one option (or one TOML entry) may expand to.
MAX_VALUES_PER_OPTION: Final[int] = 10_000
#: Most points a grid may have (guards against a typo expanding to billions of points).
MAX_GRID_POINTS: Final[int] = 100_000
#: Domain-separation prefix of the per-point seed hash; bump "v1" only with a format change.
SEED_DOMAIN: Final[str] = "higgsino-sim grid seed v1"
#: A range START:STOP:STEP includes STOP when it lies on the grid within this fraction of STEP.
RANGE_STOP_TOL: Final[Decimal] = Decimal("1e-9")

_SYNTAX_HINT: Final[str] = "use comma-separated numbers and START:STOP:STEP ranges, e.g. 100:250:25"
_TOML_SCAN_KEYS: Final[frozenset[str]] = frozenset({"mass", "dm", "dm0", "events"})
_TOML_POINT_KEYS: Final[frozenset[str]] = _TOML_SCAN_KEYS


def _round(x: float) -> float:
    """Round a coordinate to 1e-6 GeV; ``+ 0.0`` turns -0.0 into 0.0."""
    return round(float(x), COORD_DECIMALS) + 0.0


def canon(x: float) -> str:
    """Canonical text of a coordinate [GeV]: rounded to 1e-6, no trailing zeros.

    Parameters
    ----------
    x : float
        A mass or mass splitting [GeV].

    Returns
    -------
    str
        ``format(round(x, 6), ".6f")`` without trailing zeros and without a trailing dot.

    Examples
    --------
    >>> canon(115.0), canon(1.5), canon(0.75), canon(115.0000004), canon(1e-6)
    ('115', '1.5', '0.75', '115', '0.000001')
    """
    return format(_round(x), f".{COORD_DECIMALS}f").rstrip("0").rstrip(".")


@dataclass(frozen=True, slots=True, order=True)
class GridPoint:
    """One point of a signal grid.

    Points compare, sort and hash by (mass, dm, dm0) only; ``events`` is carried along.
    The coordinates are rounded to 1e-6 GeV on construction.

    Attributes
    ----------
    mass : float
        m(chi1+-) [GeV].
    dm : float
        m(chi1+-) - m(chi10) [GeV].
    dm0 : float
        m(chi20) - m(chi10) [GeV], resolved (2 * dm when not given by the user).
    events : int
        Number of events to generate for this point (> 0; checked by :func:`check_points`).

    Examples
    --------
    >>> p = GridPoint(115.0, 1.5, 3.0, events=1000)
    >>> p.name, p.key, p.file
    ('m115_dm1.5_dm0-3', 'mass=115 dm=1.5 dm0=3', 'm115_dm1.5_dm0-3.parquet')
    """

    mass: float
    dm: float
    dm0: float
    events: int = field(compare=False)

    def __post_init__(self) -> None:
        # frozen dataclass: the documented way to normalise fields is object.__setattr__
        object.__setattr__(self, "mass", _round(self.mass))
        object.__setattr__(self, "dm", _round(self.dm))
        object.__setattr__(self, "dm0", _round(self.dm0))

    @property
    def name(self) -> str:
        """File-name stem, e.g. ``"m115_dm1.5_dm0-3"``."""
        return f"m{canon(self.mass)}_dm{canon(self.dm)}_dm0-{canon(self.dm0)}"

    @property
    def key(self) -> str:
        """Canonical key (manifest, messages, seed), e.g. ``"mass=115 dm=1.5 dm0=3"``."""
        return f"mass={canon(self.mass)} dm={canon(self.dm)} dm0={canon(self.dm0)}"

    @property
    def file(self) -> str:
        """Parquet file name of the point's table: ``name + ".parquet"``."""
        return self.name + ".parquet"


def point_seed(master: int, point: GridPoint) -> int:
    """Seed of one grid point, derived from the master seed and the point's coordinates.

    Parameters
    ----------
    master : int
        Master seed of the grid.
    point : GridPoint
        The point; only its coordinates (:attr:`GridPoint.key`) enter, not ``events`` and
        not its position in the grid.

    Returns
    -------
    int
        A 63-bit non-negative integer (< 2**63).

    Notes
    -----
    ``int.from_bytes(sha256(f"higgsino-sim grid seed v1|{master}|{point.key}")[:8], "big") >> 1``.
    SHA-256 (FIPS 180-4) makes the seeds of different points (or master seeds) behave as
    independent uniform draws, and the seed is then expanded by ``numpy.random.SeedSequence``
    in the generator, so nearby seeds do not give correlated streams.

    Examples
    --------
    >>> a = point_seed(1, GridPoint(115.0, 1.5, 3.0, events=10))
    >>> a == point_seed(1, GridPoint(115.0, 1.5, 3.0, events=99)), 0 <= a < 2**63
    (True, True)
    """
    master = operator.index(master)  # accepts numpy integers, rejects floats and str
    digest = hashlib.sha256(f"{SEED_DOMAIN}|{master}|{point.key}".encode()).digest()
    return int.from_bytes(digest[:8], "big") >> 1


# --------------------------------------------------------------------------------------
# Values: "100:250:25,300" -> [100.0, 125.0, ..., 250.0, 300.0]
# --------------------------------------------------------------------------------------


def _decimal(text: str, option: str, what: str) -> Decimal:
    """Parse one number exactly; reject non-numbers and non-finite values."""
    try:
        d = Decimal(text.strip())
    except InvalidOperation:
        raise UsageError(
            f"{option}: {what} {text.strip()!r} is not a number; {_SYNTAX_HINT}"
        ) from None
    if not d.is_finite() or not math.isfinite(float(d)):
        raise UsageError(f"{option}: {what} {text.strip()!r} must be a finite number")
    return d


def _expand_range(item: str, option: str, budget: int) -> list[Decimal]:
    """Values of an inclusive range START:STOP:STEP (exact decimal arithmetic)."""
    parts = item.split(":")
    if len(parts) != 3:
        raise UsageError(
            f"{option}: range {item.strip()!r} must have the form START:STOP:STEP "
            "(three numbers separated by colons, stop included)"
        )
    start = _decimal(parts[0], option, "range start")
    stop = _decimal(parts[1], option, "range stop")
    step = _decimal(parts[2], option, "range step")
    if step <= 0:
        raise UsageError(f"{option}: range {item.strip()!r}: the step must be positive")
    if stop < start:
        raise UsageError(
            f"{option}: range {item.strip()!r}: the stop must not be smaller than the start"
        )
    # number of steps that fit, allowing the stop to sit on the grid within 1e-9 * step
    span = (stop - start) / step
    if span + 1 > budget:
        raise UsageError(
            f"{option}: range {item.strip()!r} takes the option over {MAX_VALUES_PER_OPTION} "
            "values; use a larger step"
        )
    n_steps = int((span + RANGE_STOP_TOL).to_integral_value(rounding="ROUND_FLOOR"))
    values = [start + k * step for k in range(n_steps + 1)]
    if abs(values[-1] - stop) <= RANGE_STOP_TOL * step:
        values[-1] = stop  # "on the grid within tolerance": the stop itself is the last value
    return values


def _check_unique(values: Sequence[float], option: str) -> None:
    """Reject values that coincide after rounding to 1e-6 GeV."""
    seen: set[float] = set()
    dups: list[str] = []
    for v in values:
        r = _round(v)
        if r in seen and canon(r) not in dups:
            dups.append(canon(r))
        seen.add(r)
    if dups:
        raise UsageError(
            f"{option}: duplicate values {', '.join(dups)} (after rounding to 1e-6 GeV); "
            "list every value once"
        )


def parse_values(text: str, option: str) -> list[float]:
    """Parse a list of values: comma-separated numbers and inclusive ranges.

    Parameters
    ----------
    text : str
        E.g. ``"100:250:25"``, ``"0.5,0.75,1,1.5,2,3"`` or ``"1,2:4:1,10"`` [GeV]. A range
        ``START:STOP:STEP`` gives START, START + STEP, ... up to STOP, which is included when
        it lies on the grid within 1e-9 * STEP. Ranges are evaluated in decimal arithmetic,
        so ``0.5:1:0.1`` gives exactly the floats 0.5, 0.6, ..., 1.0.
    option : str
        Name of the option (or TOML place) the text came from, used in error messages.

    Returns
    -------
    list of float
        The values [GeV] rounded to 1e-6 GeV, in the order given.

    Raises
    ------
    UsageError
        Message starting with ``option``: empty item, not a number, non-finite number,
        malformed range, step <= 0, stop < start, more than :data:`MAX_VALUES_PER_OPTION`
        values, or duplicate values.

    Examples
    --------
    >>> parse_values("100:250:25", "--mass")
    [100.0, 125.0, 150.0, 175.0, 200.0, 225.0, 250.0]
    >>> parse_values("1,2:4:1,10", "--dm")
    [1.0, 2.0, 3.0, 4.0, 10.0]
    """
    out: list[Decimal] = []
    for item in text.split(","):
        if not item.strip():
            raise UsageError(f"{option}: empty item in {text!r}; {_SYNTAX_HINT}")
        if ":" in item:
            out.extend(_expand_range(item, option, MAX_VALUES_PER_OPTION - len(out)))
        else:
            out.append(_decimal(item, option, "value"))
        if len(out) > MAX_VALUES_PER_OPTION:
            raise UsageError(
                f"{option}: more than {MAX_VALUES_PER_OPTION} values; use fewer or coarser ranges"
            )
    values = [_round(float(d)) for d in out]
    _check_unique(values, option)
    return values


# --------------------------------------------------------------------------------------
# Grids
# --------------------------------------------------------------------------------------


def _check_events(events: object, where: str) -> int:
    """A positive integer number of events (bool is not an integer here)."""
    if isinstance(events, bool) or not isinstance(events, int) or events <= 0:
        raise UsageError(f"{where} must be a positive integer, got {events!r}")
    return events


def _product(
    masses: Sequence[float],
    dms: Sequence[float],
    dm0s: Sequence[float] | None,
    events: int,
    where: str,
) -> list[GridPoint]:
    """Cartesian product mass x dm x dm0 (dm0 None: 2 * dm for each dm)."""
    n = len(masses) * len(dms) * (len(dm0s) if dm0s is not None else 1)
    if n > MAX_GRID_POINTS:
        raise UsageError(
            f"{where}: {n} grid points exceed the limit of {MAX_GRID_POINTS}; split the grid"
        )
    if dm0s is None:
        return [GridPoint(m, d, 2.0 * d, events) for m in masses for d in dms]
    return [GridPoint(m, d, d0, events) for m, d, d0 in itertools.product(masses, dms, dm0s)]


def grid_from_options(mass: str, dm: str, dm0: str | None, events: int) -> list[GridPoint]:
    """Grid of the command-line options ``--mass``, ``--dm``, ``--dm0``.

    Parameters
    ----------
    mass, dm : str
        Values of m(chi1+-) and m(chi1+-) - m(chi10) [GeV] in the :func:`parse_values` syntax.
    dm0 : str or None
        Values of m(chi20) - m(chi10) [GeV]; None: 2 * dm for each point.
    events : int
        Events per point (> 0).

    Returns
    -------
    list of GridPoint
        Every combination mass x dm x dm0, sorted by (mass, dm, dm0).

    Raises
    ------
    UsageError
        Bad values (see :func:`parse_values`), ``events`` not a positive integer, or more than
        :data:`MAX_GRID_POINTS` points. Physics validity is checked by :func:`check_points`.

    Examples
    --------
    >>> [p.key for p in grid_from_options("100,200", "1", None, 10)]
    ['mass=100 dm=1 dm0=2', 'mass=200 dm=1 dm0=2']
    """
    _check_events(events, "-n/--events")
    masses = parse_values(mass, "--mass")
    dms = parse_values(dm, "--dm")
    dm0s = parse_values(dm0, "--dm0") if dm0 is not None else None
    return sorted(_product(masses, dms, dm0s, events, "--mass x --dm x --dm0"))


def _is_number(x: object) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)


def _toml_values(value: object, where: str) -> list[float]:
    """A scan coordinate: a number, a list of numbers or a parse_values string."""
    if isinstance(value, str):
        return parse_values(value, where)
    if _is_number(value):
        vals = [value]
    elif isinstance(value, list):
        if not value:
            raise UsageError(f"{where}: empty list; give at least one value")
        vals = value
    else:
        raise UsageError(
            f'{where}: expected a number, a list of numbers or a string like "100:250:25", '
            f"got {type(value).__name__}"
        )
    out: list[float] = []
    for v in vals:
        if not _is_number(v):
            raise UsageError(f"{where}: expected numbers, got {v!r} ({type(v).__name__})")
        if not math.isfinite(v):
            raise UsageError(f"{where}: {v!r} must be a finite number")
        out.append(_round(v))
    if len(out) > MAX_VALUES_PER_OPTION:
        raise UsageError(f"{where}: more than {MAX_VALUES_PER_OPTION} values")
    _check_unique(out, where)
    return out


def _toml_number(value: object, where: str) -> float:
    """A point coordinate: one finite number."""
    if not _is_number(value):
        raise UsageError(f"{where}: expected a number, got {value!r} ({type(value).__name__})")
    if not math.isfinite(value):  # type: ignore[arg-type]
        raise UsageError(f"{where}: {value!r} must be a finite number")
    return _round(value)  # type: ignore[arg-type]


def _toml_entries(doc: dict[str, object], kind: str, prefix: str) -> list[dict[str, object]]:
    """The ``[[kind]]`` tables of the document (empty if absent)."""
    entries = doc.get(kind, [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise UsageError(f"{prefix}'{kind}' must be an array of tables, written [[{kind}]]")
    return entries


def _toml_keys(entry: dict[str, object], allowed: frozenset[str], where: str) -> None:
    for k in entry:
        if k not in allowed:
            raise UsageError(
                f"{where}: unknown key {k!r}; allowed keys are {', '.join(sorted(allowed))}"
            )
    for k in ("mass", "dm"):
        if k not in entry:
            raise UsageError(f"{where}: missing key {k!r}")


def _entry_events(entry: dict[str, object], keys: frozenset[str], where: str,
                  default: int) -> int:
    """Check the keys of a [[scan]] or [[point]] table; its events, or ``default``."""
    _toml_keys(entry, keys, where)
    return _check_events(entry["events"], f"{where}: events") if "events" in entry else default


def grid_from_toml(path: Path, events: int) -> list[GridPoint]:
    """Grid described by a TOML file (``hsim grid --points FILE``).

    Parameters
    ----------
    path : pathlib.Path
        The TOML file. Top-level keys: only ``scan`` and ``point`` (arrays of tables).
        ``[[scan]]``: ``mass``, ``dm`` (required), ``dm0`` (optional), ``events`` (optional);
        each coordinate a number, a list of numbers, or a string in the :func:`parse_values`
        syntax [GeV]; every combination is a point. ``[[point]]``: ``mass``, ``dm``
        (required numbers), ``dm0`` (optional number), ``events`` (optional). Without
        ``dm0`` a point has dm0 = 2 * dm.
    events : int
        Default events per point (the command-line value); a table's ``events`` (a positive
        integer) overrides it.

    Returns
    -------
    list of GridPoint
        All points, sorted by (mass, dm, dm0).

    Raises
    ------
    UsageError
        A one-line message starting with ``"--points FILE: "`` for a missing or unreadable
        file or a TOML syntax error; naming the place (``"scan 2: unknown key 'mas'"``,
        1-based) for unknown or missing keys, bad types, bad values and bad ``events``; and
        listing every point defined more than once (same :attr:`GridPoint.key`).

    Examples
    --------
    A file with one scan and one extra point::

        [[scan]]
        mass = "100:250:25"
        dm = [0.5, 0.75, 1.0]

        [[point]]
        mass = 300
        dm = 1.5
        dm0 = 4
        events = 50000
    """
    path = Path(path)
    prefix = f"--points {path}: "
    _check_events(events, "-n/--events")
    try:
        with path.open("rb") as f:
            doc = tomllib.load(f)
    except OSError as exc:
        raise UsageError(f"{prefix}cannot read the file ({exc.strerror or exc})") from None
    except UnicodeDecodeError as exc:
        raise UsageError(f"{prefix}not UTF-8 text ({exc.reason})") from None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{prefix}TOML syntax error: {exc}") from None
    for k in doc:
        if k not in ("scan", "point"):
            raise UsageError(
                f"{prefix}unknown top-level key {k!r}; only [[scan]] and [[point]] tables "
                "are allowed"
            )
    scans = _toml_entries(doc, "scan", prefix)
    singles = _toml_entries(doc, "point", prefix)
    if not scans and not singles:
        raise UsageError(f"{prefix}no [[scan]] or [[point]] tables: the grid has no points")

    found: list[tuple[GridPoint, str]] = []
    for i, entry in enumerate(scans, start=1):
        where = f"{prefix}scan {i}"
        n_ev = _entry_events(entry, _TOML_SCAN_KEYS, where, events)
        masses = _toml_values(entry["mass"], f"{where}: mass")
        dms = _toml_values(entry["dm"], f"{where}: dm")
        dm0s = _toml_values(entry["dm0"], f"{where}: dm0") if "dm0" in entry else None
        found.extend((p, f"scan {i}") for p in _product(masses, dms, dm0s, n_ev, where))
        if len(found) > MAX_GRID_POINTS:
            raise UsageError(f"{prefix}more than {MAX_GRID_POINTS} grid points; split the grid")
    for i, entry in enumerate(singles, start=1):
        where = f"{prefix}point {i}"
        n_ev = _entry_events(entry, _TOML_POINT_KEYS, where, events)
        m = _toml_number(entry["mass"], f"{where}: mass")
        d = _toml_number(entry["dm"], f"{where}: dm")
        d0 = _toml_number(entry["dm0"], f"{where}: dm0") if "dm0" in entry else 2.0 * d
        found.append((GridPoint(m, d, d0, n_ev), f"point {i}"))
    if len(found) > MAX_GRID_POINTS:
        raise UsageError(f"{prefix}more than {MAX_GRID_POINTS} grid points; split the grid")

    origins: dict[GridPoint, list[str]] = {}
    for p, origin in found:
        origins.setdefault(p, []).append(origin)
    dups = [(p, o) for p, o in origins.items() if len(o) > 1]
    if dups:
        lines = "".join(f"\n  {p.key}: {', '.join(o)}" for p, o in sorted(dups))
        raise UsageError(
            f"{prefix}{len(dups)} grid point(s) defined more than once (each point may "
            f"appear only once):{lines}"
        )
    return sorted(p for p, _ in found)


# --------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _table_problem(
    process: str, m_c1: float, m_n1: float, m_n2: float, sqrt_s: float, allow: bool
) -> str | None:
    """Why the NLO+NLL normalisation of ``process`` would fail, or None.

    Mirrors the look-ups of :func:`higgsino_sim.xsec.cross_sections` (including its fallback
    where no table exists at ``sqrt_s``: the 13.6 TeV charge sum for chi1+- chi_n, else the
    13 TeV table) without the LO integration.
    """
    from higgsino_sim import nlo_tables  # lazy: scipy is only needed when validating

    try:
        tv = nlo_tables.nlo_nll(
            process, m_c1=m_c1, m_n1=m_n1, m_n2=m_n2, sqrt_s=sqrt_s, allow_extrapolation=allow
        )
        if tv is not None:
            return None
        if process.startswith(("c1p_n", "c1m_n")):
            summed = nlo_tables.nlo_nll_sum_c1pm_n2(
                m_c1=m_c1,
                m_n=m_n2 if process.endswith("n2") else m_n1,
                sqrt_s=sqrt_s,
                allow_extrapolation=allow,
            )
            if summed is not None:
                return None
        nlo_tables.nlo_nll(
            process, m_c1=m_c1, m_n1=m_n1, m_n2=m_n2, sqrt_s=13_000.0, allow_extrapolation=allow
        )
    except ValueError as exc:  # OutsideTableError is a ValueError
        return _first_line(exc)
    return None


def check_points(
    points: Sequence[GridPoint],
    *,
    sqrt_s: float,
    min_recoil: float,
    processes: Sequence[str],
    allow_extrapolation: bool,
) -> None:
    """Validate every grid point before any work starts; report all bad points at once.

    Parameters
    ----------
    points : sequence of GridPoint
        The grid.
    sqrt_s : float
        Proton-proton centre-of-mass energy [GeV].
    min_recoil : float
        Generation cut on the recoil (hard-jet) pT [GeV].
    processes : sequence of str
        Process keys (:data:`higgsino_sim.processes.PROCESSES`) to be generated.
    allow_extrapolation : bool
        Whether cross sections may be extrapolated outside the NLO+NLL tables.

    Raises
    ------
    UsageError
        ``"the grid has no points"`` for an empty grid; for bad settings shared by all points
        (unknown process, non-finite sqrt_s or min_recoil) a one-line message; otherwise, if
        any point is bad, ``"{n} of {m} grid points are invalid:"`` followed by one line
        ``"  {point.key}: {reason}"`` per bad point, in the order given. Reasons: the spectrum
        is impossible (message of :func:`~higgsino_sim.spectrum.higgsino_spectrum`),
        ``events`` is not a positive integer, the point is below the production threshold
        ``sqrt_s <= m(C1) + m(N2) + 2 min_recoil`` (the rule of
        :func:`higgsino_sim.generate.validate`), a mass is outside the NLO+NLL tables
        (message of :class:`~higgsino_sim.nlo_tables.OutsideTableError`), or the point is a
        duplicate of an earlier one.
    """
    from higgsino_sim.processes import PROCESSES
    from higgsino_sim.spectrum import higgsino_spectrum

    if not points:
        raise UsageError("the grid has no points")
    unknown = [p for p in processes if p not in PROCESSES]
    if unknown:
        raise UsageError(
            f"unknown process(es) {', '.join(map(repr, unknown))}; choose from "
            f"{', '.join(PROCESSES)}"
        )
    if not (math.isfinite(sqrt_s) and sqrt_s > 0):
        raise UsageError(f"--sqrt-s must be a positive energy in GeV, got {sqrt_s:g}")
    if not (math.isfinite(min_recoil) and min_recoil >= 0):
        raise UsageError(f"--min-recoil must be a finite pT >= 0 in GeV, got {min_recoil:g}")

    bad: list[str] = []
    seen: set[GridPoint] = set()
    for point in points:
        reasons: list[str] = []
        if point in seen:
            reasons.append("duplicate of an earlier point (same mass, dm, dm0)")
        seen.add(point)
        events = point.events
        if isinstance(events, bool) or not isinstance(events, int) or events <= 0:
            reasons.append(f"events must be a positive integer, got {events!r}")
        try:
            spec = higgsino_spectrum(point.mass, point.dm, point.dm0)
        except ValueError as exc:  # UsageError is a ValueError
            reasons.append(_first_line(exc))
        else:
            threshold = spec.m_c1 + spec.m_n2 + 2.0 * min_recoil
            if sqrt_s <= threshold:
                reasons.append(
                    f"below the production threshold with the recoil cut: sqrt(s) = "
                    f"{sqrt_s:g} GeV <= m(C1) + m(N2) + 2 * min_recoil = {threshold:g} GeV"
                )
            else:
                problems = [
                    msg
                    for proc in processes
                    if (
                        msg := _table_problem(
                            proc, spec.m_c1, spec.m_n1, spec.m_n2, sqrt_s, allow_extrapolation
                        )
                    )
                    is not None
                ]
                if problems:
                    more = (
                        f" (and {len(problems) - 1} more process(es))" if len(problems) > 1 else ""
                    )
                    reasons.append(problems[0] + more)
        if reasons:
            bad.append(f"\n  {point.key}: {'; '.join(reasons)}")
    if bad:
        raise UsageError(f"{len(bad)} of {len(points)} grid points are invalid:{''.join(bad)}")
