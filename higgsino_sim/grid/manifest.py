"""Grid manifest: one record per point, written atomically as JSON and CSV, plus a run log.

A grid directory holds one Parquet table per point and three bookkeeping files:

``manifest.json``
    The authoritative record of the grid (settings and one record per point, with the
    table's size and SHA-256). Resume reads it.
``manifest.csv``
    The same records flat (without the per-process cross sections), for spreadsheets and
    pandas. Both manifest files depend only on the grid's content: the records are sorted
    by coordinates and floats are written with ``repr`` (exact round trip), so the same
    grid gives byte-identical files whatever order, timing or interruptions produced it.
``runlog.jsonl``
    Append-only history, one JSON object per line (attempts, timings, hosts, errors with
    tracebacks). Not deterministic, never read back by the tool.

Every write of a manifest file goes to a temporary ``.NAME.PID.tmp`` in the same
directory, is flushed and fsync-ed, renamed over the old file (``os.replace`` is atomic
on POSIX) and the directory is fsync-ed, so an interruption leaves either the old or the
new file, never a torn one.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path

from higgsino_sim.errors import UsageError
from higgsino_sim.output import file_sha256, fsync_directory

STATUSES = ("pending", "done", "failed")
MANIFEST_JSON = "manifest.json"
MANIFEST_CSV = "manifest.csv"
RUNLOG = "runlog.jsonl"
MANIFEST_VERSION = 1

#: Temporary files of the grid's own files only (a grid directory may hold other files):
#: point tables (``.NAME.parquet.PID-TOKEN.part``, output.EventWriter) and the manifest
#: (``.manifest.json.PID.tmp``, atomic_write_text)
_STALE = re.compile(r"^\.(m[0-9.]+_dm[0-9.]+_dm0-[0-9.]+\.parquet\.\d+(-[0-9a-f]+)?\.part"
                    r"|manifest\.(json|csv)\.\d+\.tmp)$")


_FIX = "delete it (and the tables) or rerun with --force"


@dataclass(slots=True)
class PointRecord:
    """The manifest entry of one grid point.

    Attributes
    ----------
    name : str
        Point name, e.g. ``"m115_dm1.5_dm0-3"``.
    file : str
        Table file name relative to the grid directory, e.g. ``"m115_dm1.5_dm0-3.parquet"``.
    mass_gev, dm_gev, dm0_gev : float
        The point's coordinates m(chi1+-), m(chi1+-) - m(chi10), m(chi20) - m(chi10) [GeV].
    events : int
        Requested number of events.
    seed : int
        The point's seed.
    status : str
        One of `STATUSES`.
    m_chi1pm_gev, m_chi10_gev, m_chi20_gev : float or None
        Physical masses of the spectrum [GeV] (None until done).
    sigma_nlo_nll_fb : float or None
        Inclusive NLO+NLL cross section of the selected processes [fb].
    sigma_cut_fb, sigma_cut_err_fb : float or None
        Normalised cross section with the generation cut and its MC error [fb]
        (= sum of weights for unweighted events).
    sigma_lo_cut_fb : float or None
        LO cross section with the generation cut [fb].
    sum_of_weights_fb : float or None
        Sum of the event weights in the table [fb].
    n_events : int or None
        Events in the table.
    card, card_sha256 : str or None
        Detector card name and the SHA-256 of its text.
    version : str or None
        Version of the tool that wrote the table.
    sha256 : str or None
        Hex SHA-256 of the table file.
    bytes : int or None
        Size of the table file [bytes].
    error : str or None
        Last error (one line) when ``status == "failed"``.
    cross_sections : dict of str to dict of str to float
        Per-process numbers (JSON only, not in the CSV).
    """

    # identity
    name: str
    file: str
    mass_gev: float
    dm_gev: float
    dm0_gev: float
    events: int
    seed: int
    status: str = "pending"
    # spectrum (None until done)
    m_chi1pm_gev: float | None = None
    m_chi10_gev: float | None = None
    m_chi20_gev: float | None = None
    # cross sections [fb]
    sigma_nlo_nll_fb: float | None = None
    sigma_cut_fb: float | None = None
    sigma_cut_err_fb: float | None = None
    sigma_lo_cut_fb: float | None = None
    sum_of_weights_fb: float | None = None
    n_events: int | None = None
    card: str | None = None
    card_sha256: str | None = None
    version: str | None = None
    sha256: str | None = None
    bytes: int | None = None
    error: str | None = None
    cross_sections: dict[str, dict[str, float]] = field(default_factory=dict)

    def as_row(self) -> dict[str, object]:
        """Flat row for the CSV: every field except ``cross_sections``, as strings.

        Floats are written with ``repr`` (exact round trip), None as ``""``.
        """
        data = _normalized(self)
        row: dict[str, object] = {}
        for name in CSV_FIELDS:
            value = data[name]
            if value is None:
                row[name] = ""
            elif isinstance(value, float):
                row[name] = repr(value)
            else:
                row[name] = str(value)
        return row


#: Field name -> annotation string ("float | None", ...); drives normalisation and checks.
_KINDS: dict[str, str] = {f.name: str(f.type) for f in fields(PointRecord)}
#: Fields that must be present in every JSON record.
FIELDS: tuple[str, ...] = tuple(_KINDS)
#: Columns of manifest.csv, in order.
CSV_FIELDS: tuple[str, ...] = tuple(name for name in FIELDS if name != "cross_sections")


def _normalized(record: PointRecord) -> dict[str, object]:
    """The record's fields as plain Python types (numpy scalars and int-valued floats
    converted), so that the written bytes depend only on the values."""
    out: dict[str, object] = {}
    for name, kind in _KINDS.items():
        value = getattr(record, name)
        if name == "cross_sections":
            out[name] = {str(p): {str(k): float(v) for k, v in d.items()}
                         for p, d in value.items()}
        elif value is None:
            if not kind.endswith("| None"):
                raise ValueError(f"PointRecord {record.name!r}: {name} must not be None")
            out[name] = None
        elif kind.startswith("float"):
            out[name] = float(value)
        elif kind.startswith("int"):
            out[name] = int(value)
        else:
            out[name] = str(value)
    if out["status"] not in STATUSES:
        raise ValueError(f"PointRecord {record.name!r}: status {out['status']!r} "
                         f"is not one of {STATUSES}")
    return out


def _sort_key(record: PointRecord) -> tuple[float, float, float, str]:
    return (float(record.mass_gev), float(record.dm_gev), float(record.dm0_gev), record.name)


def atomic_write_text(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` (UTF-8, no newline translation) atomically.

    Writes ``.NAME.PID.tmp`` in the same directory, flushes and fsyncs it, renames it over
    ``path`` and fsyncs the directory. On any failure the temporary file is removed and
    ``path`` keeps its previous content.

    Parameters
    ----------
    path : Path
        Destination file; its directory must exist.
    text : str
        The complete new content.
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.write(text.encode("utf-8"))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_directory(path.parent)


def _json_text(settings: Mapping[str, object], records: list[PointRecord]) -> str:
    doc = {
        "manifest_version": MANIFEST_VERSION,
        "settings": dict(settings),
        "points": [_normalized(r) for r in records],
    }
    return json.dumps(doc, indent=1, sort_keys=False) + "\n"


def _csv_text(records: list[PointRecord]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    for record in records:
        writer.writerow(record.as_row())
    return buf.getvalue()


def write_manifest(directory: Path, settings: Mapping[str, object],
                   records: Iterable[PointRecord]) -> None:
    """Write ``manifest.json`` then ``manifest.csv`` in ``directory``, each atomically.

    Parameters
    ----------
    directory : Path
        The grid directory (must exist).
    settings : mapping
        Grid-wide settings (JSON-serialisable), stored as given under ``"settings"``.
    records : iterable of PointRecord
        One record per point, in any order: they are written sorted by
        (mass_gev, dm_gev, dm0_gev).

    Raises
    ------
    ValueError
        Two records with the same name, a status outside `STATUSES`, or None in a
        required field (programming errors, not user input).
    """
    directory = Path(directory)
    ordered = sorted(records, key=_sort_key)
    names = [r.name for r in ordered]
    if len(set(names)) != len(names):
        dup = sorted({n for n in names if names.count(n) > 1})
        raise ValueError(f"duplicate point names in the manifest: {', '.join(dup)}")
    json_text = _json_text(settings, ordered)  # both built before anything is written
    csv_text = _csv_text(ordered)
    atomic_write_text(directory / MANIFEST_JSON, json_text)
    atomic_write_text(directory / MANIFEST_CSV, csv_text)


class _BadManifest(Exception):
    """Why manifest.json cannot be used (turned into a UsageError by read_manifest)."""


def _check_value(name: str, kind: str, value: object) -> str | None:
    """Reason why ``value`` does not fit field ``name`` of annotation ``kind``, or None."""
    if value is None:
        return None if kind.endswith("| None") else "is null"
    if name == "cross_sections":
        ok = isinstance(value, dict) and all(
            isinstance(d, dict) and all(
                isinstance(v, int | float) and not isinstance(v, bool) for v in d.values())
            for d in value.values())
        return None if ok else "is not a table of numbers per process"
    if kind.startswith("float"):
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        return None if ok else "is not a number"
    if kind.startswith("int"):
        ok = isinstance(value, int) and not isinstance(value, bool)
        return None if ok else "is not an integer"
    return None if isinstance(value, str) else "is not a string"


def _record_from_json(raw: object, index: int) -> PointRecord:
    """Build a record from one entry of ``points``; raises _BadManifest with the reason."""
    if not isinstance(raw, dict):
        raise _BadManifest(f"point {index} is not an object")
    name = raw.get("name")
    label = f"point {name!r}" if isinstance(name, str) else f"point {index}"
    unknown = [k for k in raw if k not in _KINDS]
    missing = [k for k in FIELDS if k not in raw]
    if unknown:
        raise _BadManifest(f"{label} has unknown field(s) {', '.join(map(str, unknown))}")
    if missing:
        raise _BadManifest(f"{label} lacks field(s) {', '.join(missing)}")
    for name, kind in _KINDS.items():
        reason = _check_value(name, kind, raw[name])
        if reason:
            raise _BadManifest(f"{label}: {name} {reason}")
    if raw["status"] not in STATUSES:
        raise _BadManifest(f"{label}: status {raw['status']!r} is not one of {', '.join(STATUSES)}")
    file = raw["file"]
    if not file or Path(file).name != file or file in (".", ".."):
        raise _BadManifest(f"{label}: file {file!r} is not a plain file name")
    values = dict(raw)
    for name, kind in _KINDS.items():  # JSON writes 100.0 as 100.0, but accept 100 too
        if kind.startswith("float") and values[name] is not None:
            values[name] = float(values[name])
    values["cross_sections"] = {p: {k: float(v) for k, v in d.items()}
                                for p, d in values["cross_sections"].items()}
    return PointRecord(**values)


def read_manifest(directory: Path) -> tuple[dict[str, object], dict[str, PointRecord]] | None:
    """Read ``manifest.json`` of a grid directory.

    Parameters
    ----------
    directory : Path
        The grid directory.

    Returns
    -------
    (settings, records) or None
        None if there is no ``manifest.json``; otherwise the settings and the records by
        point name (in the file's order, i.e. sorted by coordinates).

    Raises
    ------
    UsageError
        The file is not valid JSON, has another ``manifest_version``, or a record with
        unknown, missing or ill-typed fields (one line naming the file and the fix).
    """
    path = Path(directory) / MANIFEST_JSON
    try:
        raw_bytes = path.read_bytes()
    except FileNotFoundError:
        return None
    try:
        try:
            doc = json.loads(raw_bytes.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise _BadManifest(f"not valid JSON ({exc})") from None
        if not isinstance(doc, dict):
            raise _BadManifest("not a JSON object")
        version = doc.get("manifest_version")
        if version != MANIFEST_VERSION:
            raise _BadManifest(f"manifest_version is {version!r}, this version of hsim reads "
                             f"{MANIFEST_VERSION}")
        extra = sorted(set(doc) - {"manifest_version", "settings", "points"})
        if extra:
            raise _BadManifest(f"unknown top-level key(s) {', '.join(extra)}")
        settings = doc.get("settings")
        points = doc.get("points")
        if not isinstance(settings, dict):
            raise _BadManifest("'settings' is missing or not an object")
        if not isinstance(points, list):
            raise _BadManifest("'points' is missing or not a list")
        records: dict[str, PointRecord] = {}
        for index, raw in enumerate(points):
            record = _record_from_json(raw, index)
            if record.name in records:
                raise _BadManifest(f"point {record.name!r} appears twice")
            records[record.name] = record
    except _BadManifest as exc:
        raise UsageError(f"{path}: unreadable grid manifest: {exc}; {_FIX}") from None
    return settings, records


def verify(directory: Path, record: PointRecord) -> str | None:
    """Check a point's table against its manifest record.

    Parameters
    ----------
    directory : Path
        The grid directory.
    record : PointRecord
        The point's record.

    Returns
    -------
    str or None
        None if the record is done and its file exists with the recorded size and SHA-256;
        otherwise a short reason: ``"not done"``, ``"no checksum in manifest"``,
        ``"missing"``, ``"size N bytes, manifest says M"`` or ``"checksum mismatch"``.
    """
    if record.status != "done":
        return "not done"
    if record.bytes is None or record.sha256 is None:
        return "no checksum in manifest"
    path = Path(directory) / record.file
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return "missing"
    if size != record.bytes:  # cheap check first
        return f"size {size} bytes, manifest says {record.bytes}"
    if file_sha256(path) != record.sha256:
        return "checksum mismatch"
    return None


def _utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def append_runlog(directory: Path, entry: Mapping[str, object]) -> None:
    """Append one JSON line to ``runlog.jsonl`` in ``directory``.

    A ``"time"`` field (ISO-8601 UTC, e.g. ``"2026-05-09T07:35:25.123Z"``) is put first if
    the entry has none. Values JSON cannot encode (paths, numpy integers, ...) are written
    with ``str``. The line is written with one ``write`` call on a file opened in append
    mode, then fsync-ed.

    Parameters
    ----------
    directory : Path
        The grid directory (must exist).
    entry : mapping
        The event (attempt, timings, host, error with traceback, ...).
    """
    data: dict[str, object] = {"time": _utc_now()} if "time" not in entry else {}
    data.update(entry)
    line = (json.dumps(data, default=str) + "\n").encode("utf-8")
    fd = os.open(Path(directory) / RUNLOG, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
    try:
        written = os.write(fd, line)
        while written < len(line):  # only on a signal or a full disk; keep the line whole
            written += os.write(fd, line[written:])
        os.fsync(fd)
    finally:
        os.close(fd)


def stale_parts(directory: Path) -> list[Path]:
    """Temporary files left in ``directory`` by interrupted runs.

    Matches only the grid's own files: ``.POINT.parquet.PID-TOKEN.part`` (the table writer,
    `higgsino_sim.output.EventWriter`) and ``.manifest.json.PID.tmp`` / ``.manifest.csv.PID.tmp``
    (`atomic_write_text`). The caller must make sure no live run is writing them.

    Parameters
    ----------
    directory : Path
        The grid directory; a missing directory has no stale files.

    Returns
    -------
    list of Path
        Sorted paths.
    """
    directory = Path(directory)
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.iterdir() if _STALE.match(p.name) and p.is_file())
