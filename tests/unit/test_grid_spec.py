"""Grid specification (higgsino_sim.grid.spec): canonical names and keys, the value syntax
(numbers and inclusive decimal ranges), grids from options and TOML files with their one-line
errors, per-point seeds (the documented SHA-256 formula, independent of the grid's layout) and
the all-at-once validation of grid points."""

from __future__ import annotations

import hashlib
import itertools
import pickle
from pathlib import Path

import pytest

from higgsino_sim.errors import UsageError
from higgsino_sim.grid.spec import (
    MAX_VALUES_PER_OPTION,
    GridPoint,
    canon,
    check_points,
    grid_from_options,
    grid_from_toml,
    parse_values,
    point_seed,
)
from higgsino_sim.processes import PROCESSES

# ------------------------------------------------------------------ canonical coordinates


@pytest.mark.parametrize(
    ("x", "text"),
    [
        (115.0, "115"),
        (115.0000004, "115"),  # rounded to 1e-6 GeV
        (115.0000006, "115.000001"),
        (1.5, "1.5"),
        (0.75, "0.75"),
        (1e-6, "0.000001"),
        (4e-7, "0"),
        (-4e-7, "0"),  # no "-0"
        (250.0, "250"),
        (0.1 + 0.2, "0.3"),
    ],
)
def test_canon(x: float, text: str) -> None:
    assert canon(x) == text


def test_point_name_key_file() -> None:
    p = GridPoint(115.0, 1.5, 3.0, events=100)
    assert p.name == "m115_dm1.5_dm0-3"
    assert p.key == "mass=115 dm=1.5 dm0=3"
    assert p.file == "m115_dm1.5_dm0-3.parquet"
    q = GridPoint(100.0000004, 0.75, 1.5, events=1)
    assert q.name == "m100_dm0.75_dm0-1.5"
    assert q.key == "mass=100 dm=0.75 dm0=1.5"
    # coordinates are stored rounded, so points equal after rounding compare and hash equal
    assert q.mass == 100.0
    assert q == GridPoint(100.0, 0.75, 1.5, events=999)
    assert len({q, GridPoint(100.0, 0.75, 1.5, events=2)}) == 1
    # sorting is by (mass, dm, dm0), never by events
    pts = [GridPoint(200, 1, 2, 1), GridPoint(100, 2, 4, 9), GridPoint(100, 1, 3, 5),
           GridPoint(100, 1, 2, 7)]
    assert [p.key for p in sorted(pts)] == [
        "mass=100 dm=1 dm0=2", "mass=100 dm=1 dm0=3", "mass=100 dm=2 dm0=4",
        "mass=200 dm=1 dm0=2",
    ]


# ------------------------------------------------------------------ values


def test_parse_values_ranges_and_lists() -> None:
    assert parse_values("100:250:25", "--mass") == [100.0, 125.0, 150.0, 175.0, 200.0, 225.0,
                                                    250.0]
    # decimal arithmetic: exactly the float literals (0.5 + 3 * 0.1 != 0.8 in binary)
    assert parse_values("0.5:1:0.1", "--dm") == [0.5, 0.6, 0.7, 0.8, 0.9, 1.0]
    assert parse_values("1,2:4:1,10", "--dm") == [1.0, 2.0, 3.0, 4.0, 10.0]
    assert parse_values(" 0.5, 0.75 ,1,1.5,2,3", "--dm") == [0.5, 0.75, 1.0, 1.5, 2.0, 3.0]
    assert parse_values("7:7:1", "--mass") == [7.0]  # start == stop: one value
    assert parse_values("0:1:0.3", "--dm") == [0.0, 0.3, 0.6, 0.9]  # stop off the grid: excluded
    # stop on the grid within 1e-9 * step: included (as the stop itself)
    assert parse_values("0:0.9999999999:0.3333333334", "--dm")[-1] == 1.0
    assert len(parse_values(f"1:{MAX_VALUES_PER_OPTION}:1", "--mass")) == MAX_VALUES_PER_OPTION


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "empty item"),
        ("1,,2", "empty item"),
        ("1,2,", "empty item"),
        ("abc", "not a number"),
        ("1;2", "not a number"),
        ("nan", "finite"),
        ("inf", "finite"),
        ("1e999", "finite"),
        ("1:2", "START:STOP:STEP"),
        ("1:2:3:4", "START:STOP:STEP"),
        ("1:x:1", "not a number"),
        ("1:2:0", "step must be positive"),
        ("1:2:-0.5", "step must be positive"),
        ("3:1:1", "stop must not be smaller"),
        ("0:1:1e-5", "10000"),
        (f"0,1:{MAX_VALUES_PER_OPTION}:1", "10000"),  # the limit is per option, not per range
        ("1,2,1", "duplicate values 1"),
        ("1:3:1,2", "duplicate values 2"),
        ("1,1.0000001", "duplicate values 1"),  # equal after rounding to 1e-6 GeV
    ],
)
def test_parse_values_errors(text: str, fragment: str) -> None:
    with pytest.raises(UsageError) as err:
        parse_values(text, "--dm0")
    msg = str(err.value)
    assert msg.startswith("--dm0: ")
    assert fragment in msg
    assert "\n" not in msg


# ------------------------------------------------------------------ grids from options


def test_grid_from_options_product_sorted_default_dm0() -> None:
    grid = grid_from_options("250,100,150", "1.5,0.5", None, 1000)
    assert len(grid) == 6
    assert grid == sorted(grid)
    assert [(p.mass, p.dm, p.dm0) for p in grid] == [
        (m, d, 2 * d) for m in (100.0, 150.0, 250.0) for d in (0.5, 1.5)
    ]
    assert all(p.events == 1000 for p in grid)
    # the example grid: 7 masses x 6 splittings
    assert len(grid_from_options("100:250:25", "0.5,0.75,1,1.5,2,3", None, 200_000)) == 42


def test_grid_from_options_explicit_dm0() -> None:
    grid = grid_from_options("100", "1,2", "0.5,4", 10)
    assert [p.key for p in grid] == [
        "mass=100 dm=1 dm0=0.5", "mass=100 dm=1 dm0=4",
        "mass=100 dm=2 dm0=0.5", "mass=100 dm=2 dm0=4",
    ]


def test_grid_from_options_errors() -> None:
    with pytest.raises(UsageError, match=r"^--mass: "):
        grid_from_options("100:50:10", "1", None, 10)
    with pytest.raises(UsageError, match=r"^--dm: "):
        grid_from_options("100", "1,x", None, 10)
    with pytest.raises(UsageError, match=r"^--dm0: "):
        grid_from_options("100", "1", "", 10)
    with pytest.raises(UsageError, match=r"^-n/--events must be a positive integer"):
        grid_from_options("100", "1", None, 0)
    with pytest.raises(UsageError, match="exceed the limit"):  # 2000 x 2000 x 1 points
        grid_from_options("1:2000:1", "1:2000:1", None, 10)


# ------------------------------------------------------------------ seeds


def test_point_seed_formula() -> None:
    p = GridPoint(115.0, 1.5, 3.0, events=10)
    # independent recomputation of the documented formula with literal strings
    digest = hashlib.sha256(b"higgsino-sim grid seed v1|20261123|mass=115 dm=1.5 dm0=3").digest()
    assert point_seed(20261123, p) == int.from_bytes(digest[:8], "big") >> 1
    # events do not enter
    assert point_seed(20261123, p) == point_seed(20261123, GridPoint(115.0, 1.5, 3.0, events=7))


def test_point_seed_independent_of_grid_layout() -> None:
    small = grid_from_options("100,125", "1,2", None, 10)
    big = grid_from_options("75,100,125", "0.5,1,2", None, 99)
    seeds_big = {p.key: point_seed(7, p) for p in big}
    for p in small:
        assert point_seed(7, p) == seeds_big[p.key]
    # reversed / shuffled lists give the same seeds
    assert [point_seed(7, p) for p in reversed(small)] == [
        point_seed(7, p) for p in sorted(small, reverse=True)
    ]


def test_point_seed_distinct_and_63_bit() -> None:
    grid = grid_from_options("100:250:25", "0.5,1,1.5,2,3,4", None, 10)[:40]
    assert len(grid) == 40
    seeds = [point_seed(1, p) for p in grid]
    # 40 uniform 63-bit draws collide with probability ~ 40^2 / 2^64 ~ 1e-16
    assert len(set(seeds)) == 40
    assert all(0 <= s < 2**63 for s in seeds)
    # a different master seed changes every point's seed
    assert all(point_seed(2, p) != s for p, s in zip(grid, seeds, strict=True))
    with pytest.raises(TypeError):
        point_seed(1.5, grid[0])  # type: ignore[arg-type]


# ------------------------------------------------------------------ TOML

GOOD_TOML = """
# two scans and two single points
[[scan]]
mass = "100:150:25"
dm = [0.5, 1]

[[scan]]
mass = 200
dm = 1.5
dm0 = "1,4"
events = 500

[[point]]
mass = 300
dm = 2
dm0 = 3.5
events = 70000

[[point]]
mass = 300.0
dm = 0.75
"""


def _toml(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "grid.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_grid_from_toml(tmp_path: Path) -> None:
    grid = grid_from_toml(_toml(tmp_path, GOOD_TOML), events=1000)
    got = [(p.key, p.events) for p in grid]
    assert got == [
        ("mass=100 dm=0.5 dm0=1", 1000),
        ("mass=100 dm=1 dm0=2", 1000),
        ("mass=125 dm=0.5 dm0=1", 1000),
        ("mass=125 dm=1 dm0=2", 1000),
        ("mass=150 dm=0.5 dm0=1", 1000),
        ("mass=150 dm=1 dm0=2", 1000),
        ("mass=200 dm=1.5 dm0=1", 500),
        ("mass=200 dm=1.5 dm0=4", 500),
        ("mass=300 dm=0.75 dm0=1.5", 1000),
        ("mass=300 dm=2 dm0=3.5", 70000),
    ]


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("masses = 1\n", "unknown top-level key 'masses'"),
        ("[grid]\nmass = 1\n", "unknown top-level key 'grid'"),
        ("scan = 5\n", "'scan' must be an array of tables"),
        ("# nothing\n", "no [[scan]] or [[point]]"),
        ("[[scan]]\nmass = 100\ndm = 1\n[[scan]]\nmas = 100\ndm = 1\n",
         "scan 2: unknown key 'mas'"),
        ("[[point]]\nmass = 100\ndm = 1\ndelta = 2\n", "point 1: unknown key 'delta'"),
        ("[[scan]]\ndm = 1\n", "scan 1: missing key 'mass'"),
        ("[[point]]\nmass = 100\n", "point 1: missing key 'dm'"),
        ("[[scan]]\nmass = true\ndm = 1\n", "scan 1: mass: expected a number"),
        ("[[scan]]\nmass = [100, 'a']\ndm = 1\n", "scan 1: mass: expected numbers"),
        ("[[scan]]\nmass = []\ndm = 1\n", "scan 1: mass: empty list"),
        ("[[scan]]\nmass = [100, 100.0]\ndm = 1\n", "scan 1: mass: duplicate values 100"),
        ("[[scan]]\nmass = '100:50:10'\ndm = 1\n", "scan 1: mass: range '100:50:10'"),
        ("[[scan]]\nmass = 100\ndm = nan\n", "scan 1: dm: nan must be a finite number"),
        ("[[point]]\nmass = '100'\ndm = 1\n", "point 1: mass: expected a number"),
        ("[[point]]\nmass = [100]\ndm = 1\n", "point 1: mass: expected a number"),
        ("[[point]]\nmass = 100\ndm = inf\n", "point 1: dm: inf must be a finite number"),
        ("[[point]]\nmass = 100\ndm = 1\nevents = 0\n", "point 1: events must be a positive"),
        ("[[scan]]\nmass = 100\ndm = 1\nevents = -5\n", "scan 1: events must be a positive"),
        ("[[scan]]\nmass = 100\ndm = 1\nevents = 1.5\n", "scan 1: events must be a positive"),
        ("[[scan]]\nmass = 100\ndm = 1\nevents = 1000.0\n", "scan 1: events must be a positive"),
        ("[[scan]]\nmass = 100\ndm = 1\nevents = '10'\n", "scan 1: events must be a positive"),
        ("[[scan]]\nmass = 100\ndm = [\n", "TOML syntax error"),
        ("[[scan]\nmass = 100\n", "TOML syntax error"),
    ],
)
def test_grid_from_toml_errors(tmp_path: Path, text: str, fragment: str) -> None:
    path = _toml(tmp_path, text)
    with pytest.raises(UsageError) as err:
        grid_from_toml(path, events=10)
    msg = str(err.value)
    assert msg.startswith(f"--points {path}: ")
    assert fragment in msg
    assert "\n" not in msg  # one line


def test_grid_from_toml_duplicates_listed(tmp_path: Path) -> None:
    text = (
        "[[scan]]\nmass = '100:200:50'\ndm = [1, 2]\n"
        "[[scan]]\nmass = 150\ndm = 2\nevents = 5\n"  # same as scan 1's (150, 2, 4)
        "[[point]]\nmass = 100\ndm = 1\ndm0 = 2.0000001\n"  # (100, 1, 2) after rounding
        "[[point]]\nmass = 300\ndm = 1\n"  # unique
    )
    with pytest.raises(UsageError) as err:
        grid_from_toml(_toml(tmp_path, text), events=10)
    msg = str(err.value)
    assert "2 grid point(s) defined more than once" in msg
    lines = msg.splitlines()[1:]
    assert lines == [
        "  mass=100 dm=1 dm0=2: scan 1, point 1",
        "  mass=150 dm=2 dm0=4: scan 1, scan 2",
    ]


def test_grid_from_toml_unreadable(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    with pytest.raises(UsageError, match=rf"^--points {missing}: cannot read the file"):
        grid_from_toml(missing, events=10)
    bad = tmp_path / "latin1.toml"
    bad.write_bytes(b"# caf\xe9\n[[point]]\nmass = 100\ndm = 1\n")
    with pytest.raises(UsageError, match=rf"^--points {bad}: "):
        grid_from_toml(bad, events=10)
    with pytest.raises(UsageError, match=r"^-n/--events must be a positive integer"):
        grid_from_toml(_toml(tmp_path, GOOD_TOML), events=-1)


# ------------------------------------------------------------------ validation

GOOD = [GridPoint(115.0, 1.5, 3.0, 100), GridPoint(150.0, 1.0, 2.0, 100)]
#: dm >= mass (the spectrum rejects it); a mass far above the NLO+NLL tables (80-1500 GeV
#: mean mass) but below the 13 TeV threshold (5000 + 5001 + 2 * 100 GeV); a point above
#: the 13 TeV threshold (6500 + 6501 + 2 * 100 = 13201 GeV)
BAD = [
    GridPoint(100.0, 150.0, 300.0, 100),
    GridPoint(5000.0, 1.0, 2.0, 100),
    GridPoint(6500.0, 1.0, 2.0, 100),
]


def _check(points: list[GridPoint], sqrt_s: float = 13_000.0, **kw: object) -> None:
    opts: dict[str, object] = {"min_recoil": 100.0, "processes": PROCESSES,
                               "allow_extrapolation": False}
    opts.update(kw)
    check_points(points, sqrt_s=sqrt_s, **opts)  # type: ignore[arg-type]


def test_check_points_reports_all_bad_points() -> None:
    points = [GOOD[0], BAD[0], BAD[1], GOOD[1], BAD[2]]
    with pytest.raises(UsageError) as err:
        _check(points)
    lines = str(err.value).splitlines()
    assert lines[0] == "3 of 5 grid points are invalid:"
    assert len(lines) == 4
    assert lines[1].startswith("  mass=100 dm=150 dm0=300: --dm (150 GeV) must be smaller")
    assert lines[2].startswith("  mass=5000 dm=1 dm0=2: c1p_n2 at sqrt(s) = 13 TeV: mass")
    assert "outside the table" in lines[2]
    assert "(and 5 more process(es))" in lines[2]
    assert lines[3].startswith("  mass=6500 dm=1 dm0=2: below the production threshold")
    assert "13201 GeV" in lines[3]


def test_check_points_threshold_low_energy() -> None:
    # sqrt(s) = 500 GeV: above the threshold of (115, 1.5, 3) (115 + 116.5 + 200 = 431.5 GeV),
    # below that of (150, 1, 2) (501 GeV). There is no table at 500 GeV; the generator (and
    # the check) then use the 13 TeV tables, which cover these masses.
    with pytest.raises(UsageError) as err:
        _check(GOOD, sqrt_s=500.0)
    lines = str(err.value).splitlines()
    assert lines[0] == "1 of 2 grid points are invalid:"
    assert lines[1] == (
        "  mass=150 dm=1 dm0=2: below the production threshold with the recoil cut: "
        "sqrt(s) = 500 GeV <= m(C1) + m(N2) + 2 * min_recoil = 501 GeV"
    )
    _check(GOOD, sqrt_s=500.0, min_recoil=50.0)  # threshold 401 GeV: no error
    # no table at 14 TeV either: the 13 TeV fallback rejects the 5000 GeV point
    with pytest.raises(UsageError, match=r"mass=5000 dm=1 dm0=2: c1p_n2 at sqrt\(s\) = 13 TeV"):
        _check([BAD[1]], sqrt_s=14_000.0)


@pytest.mark.parametrize("sqrt_s", [13_000.0, 13_600.0])
def test_check_points_good_and_extrapolation(sqrt_s: float) -> None:
    _check(GOOD, sqrt_s=sqrt_s)  # no error
    with pytest.raises(UsageError, match=r"^1 of 3 grid points are invalid:\n  mass=5000 dm=1"):
        _check([*GOOD, BAD[1]], sqrt_s=sqrt_s)
    _check([*GOOD, BAD[1]], sqrt_s=sqrt_s, allow_extrapolation=True)
    # only the requested processes are looked up: c1p_c1m at mass 5000 is outside too
    with pytest.raises(UsageError, match="c1p_c1m at sqrt"):
        _check([BAD[1]], sqrt_s=sqrt_s, processes=("c1p_c1m",))


def test_check_points_events_duplicates_and_empty() -> None:
    points = [GOOD[0], GridPoint(115.0, 1.5, 3.0, 7), GridPoint(200.0, 1.0, 2.0, 0)]
    with pytest.raises(UsageError) as err:
        _check(points)
    assert str(err.value).splitlines() == [
        "2 of 3 grid points are invalid:",
        "  mass=115 dm=1.5 dm0=3: duplicate of an earlier point (same mass, dm, dm0)",
        "  mass=200 dm=1 dm0=2: events must be a positive integer, got 0",
    ]
    with pytest.raises(UsageError, match=r"^the grid has no points$"):
        _check([])
    with pytest.raises(UsageError, match="unknown process"):
        _check(GOOD, processes=("c1p_n3",))


def test_check_points_spectrum_reasons() -> None:
    bad = [GridPoint(100.0, -1.0, 2.0, 10), GridPoint(100.0, 1.0, 0.0, 10)]
    with pytest.raises(UsageError) as err:
        _check(bad)
    lines = str(err.value).splitlines()
    assert lines[0] == "2 of 2 grid points are invalid:"
    assert lines[1] == "  mass=100 dm=-1 dm0=2: --dm must be positive (GeV), got -1"
    assert lines[2] == "  mass=100 dm=1 dm0=0: --dm0 must be positive (GeV), got 0"


def test_every_option_combination_is_a_point() -> None:
    # the product in grid_from_options has no hidden de-duplication or filtering
    m, d, d0 = "100,200,300", "1,2", "3,5,7"
    grid = grid_from_options(m, d, d0, 1)
    want = sorted(itertools.product([100.0, 200.0, 300.0], [1.0, 2.0], [3.0, 5.0, 7.0]))
    assert [(p.mass, p.dm, p.dm0) for p in grid] == want


def test_grid_point_pickles() -> None:
    # points travel to worker processes (multiprocessing, dask)
    p = GridPoint(115.0, 1.5, 3.0, events=123)
    q = pickle.loads(pickle.dumps(p))
    assert q == p
    assert (q.key, q.events) == (p.key, 123)
    assert point_seed(5, q) == point_seed(5, p)
