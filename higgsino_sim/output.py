"""Parquet event tables: schema, streaming writer, atomic finish (docs/output.md).

The file is written under a temporary name in the target directory and renamed only
after the footer (with the run metadata) is complete and flushed to disk, so an
interrupted run never leaves a file that looks complete.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from higgsino_sim.kernels.detector import column_names
from higgsino_sim.processes import PROCESSES, ProcessTables

if TYPE_CHECKING:
    from higgsino_sim.generate import Piece

#: Key of the run metadata (JSON) in the Parquet footer.
METADATA_KEY = "higgsino_sim"

_PARTICLES = ("chi_a", "chi_b", "jet")
_COMPONENTS = ("e", "px", "py", "pz")
_LEGS = ("chi_a", "chi_b")
_LEG_FLOATS = ("decay_x", "decay_y", "decay_z", "decay_rxy", "decay_ct")  # kernels.decays LF_*
_SLOT_FLOATS = ("e", "px", "py", "pz", "vx", "vy", "vz", "d0", "dz")  # kernels.decays SF_*
#: event-level floats kept in float64 (few, and the weight sums need it); every other float
#: column is float32 (docs/output.md: precision)
_EVENT_F64 = ("weight", "x1", "x2", "scale_gev", "alpha_s")  # kernels.columns out_f64 rows
#: the only columns with nulls (a stable leg); NaN pads the floats, -1 / 0 the integers
_NULLABLE = ("chi_a_decay", "chi_b_decay")
#: columns with Parquet statistics (min/max per row group): the event-level quantities a
#: reader filters on; statistics on all ~300 columns cost ~1 us/event (docs/output.md)
STATISTICS_COLUMNS = ("process", "weight", "jet_pt", "chichi_m", "met", "hard_met", "n_lep",
                      "n_trk", "n_jet")


def _reco_int_type(name: str) -> pa.DataType:
    """Arrow type of a reco integer column: ids and working-point masks need 32 bits."""
    return pa.int32() if name.endswith(("_pdg", "_wp")) else pa.int8()


def schema(detector: bool = False) -> pa.Schema:
    """The column layout of an event table (documented in docs/output.md); reconstructed
    objects (kernels.detector layout) follow the truth when a card was used."""
    f32, f64 = pa.float32(), pa.float64()
    fields = [
        pa.field("process", pa.dictionary(pa.int8(), pa.string())),
        pa.field("weight", f64),
        pa.field("parton1_pdg", pa.int32()),
        pa.field("parton2_pdg", pa.int32()),
        pa.field("x1", f64),
        pa.field("x2", f64),
        pa.field("scale_gev", f64),
        pa.field("alpha_s", f64),
    ]
    for name in _PARTICLES:
        fields.append(pa.field(f"{name}_pdg", pa.int32()))
        fields += [pa.field(f"{name}_{c}", f32) for c in _COMPONENTS]
    fields += [pa.field(name, f32) for name in ("jet_pt", "jet_eta", "jet_phi", "chichi_m")]
    from higgsino_sim.kernels.decays import N_SLOTS

    for leg in _LEGS:
        fields.append(pa.field(f"{leg}_decay", pa.dictionary(pa.int8(), pa.string())))
        fields += [pa.field(f"{leg}_{c}", f32) for c in _LEG_FLOATS]
    for k in range(N_SLOTS):
        fields.append(pa.field(f"dau{k}_pdg", pa.int32()))
        fields.append(pa.field(f"dau{k}_mother", pa.int8()))
        fields += [pa.field(f"dau{k}_{c}", f32) for c in _SLOT_FLOATS]
    if detector:
        names_f, names_i = column_names()
        fields += [pa.field(name, f32) for name in names_f]
        fields += [pa.field(name, _reco_int_type(name)) for name in names_i]
    # only the decay channels have nulls (NaN pads the float columns): every other column
    # is a Parquet REQUIRED field, written without definition levels (measured: encoding
    # 3.5 -> 2.6 us/event, docs/output.md)
    return pa.schema([f if f.name in _NULLABLE else f.with_nullable(False) for f in fields])


def _block_rows(detector: bool) -> dict[str, tuple[str, int]]:
    """(block, row) of every column in the blocks of kernels.columns.fill_blocks."""
    from higgsino_sim.kernels import columns as kc
    from higgsino_sim.kernels.decays import N_SLOTS

    rows: dict[str, tuple[str, int]] = {"process": ("i8", 0), "chi_a_decay": ("i8", 1),
                                        "chi_b_decay": ("i8", 2)}
    rows.update({name: ("f64", r) for r, name in enumerate(_EVENT_F64)})
    for r, name in enumerate(("parton1_pdg", "parton2_pdg", "chi_a_pdg", "chi_b_pdg",
                              "jet_pdg")):
        rows[name] = ("i32", r)
    for j, name in enumerate(_PARTICLES):
        for c, comp in enumerate(_COMPONENTS):
            rows[f"{name}_{comp}"] = ("f32", kc.R32_MOM + 4 * j + c)
    rows.update(jet_pt=("f32", kc.R32_JET_PT), jet_eta=("f32", kc.R32_JET_ETA),
                jet_phi=("f32", kc.R32_JET_PHI), chichi_m=("f32", kc.R32_CHICHI_M))
    for leg, name in enumerate(_LEGS):
        for c, col in enumerate(_LEG_FLOATS):
            rows[f"{name}_{col}"] = ("f32", kc.R32_LEG + len(_LEG_FLOATS) * leg + c)
    for k in range(N_SLOTS):
        rows[f"dau{k}_pdg"] = ("i32", kc.RI32_SLOT + k)
        rows[f"dau{k}_mother"] = ("i8", kc.RI8_SLOT + k)
        for c, col in enumerate(_SLOT_FLOATS):
            rows[f"dau{k}_{col}"] = ("f32", kc.R32_SLOT + len(_SLOT_FLOATS) * k + c)
    if detector:
        names_f, names_i = column_names()
        rows.update({name: ("f32", kc.R32_RECO + c) for c, name in enumerate(names_f)})
        i32, i8 = _reco_int_split(names_i)
        rows.update({names_i[c]: ("i32", kc.RI32_RECO + r) for r, c in enumerate(i32)})
        rows.update({names_i[c]: ("i8", kc.RI8_RECO + r) for r, c in enumerate(i8)})
    return rows


def _reco_int_split(names_i: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Indices of the reco integer columns stored as int32 and as int8, in column order
    (the rows of the two blocks of kernels.columns.fill_blocks)."""
    wide = np.array([_reco_int_type(name) == pa.int32() for name in names_i], dtype=bool)
    return (np.flatnonzero(wide).astype(np.int64), np.flatnonzero(~wide).astype(np.int64))


class EventWriter:
    """Stream event chunks into ``path`` via a temporary file; ``finish`` renames it.

    ``table`` (pure, thread-safe: worker threads may build the tables) and ``append``
    (bookkeeping and Parquet write, one thread, in event order) split ``write``.

    Parameters
    ----------
    path : Path
        Final file name.
    tables : ProcessTables
        The subprocesses of the run (maps kernel process indices to keys and ids).
    channels : sequence of str
        Decay channel labels ``STATE:CHANNEL`` indexed by the kernel's channel index.
    detector : bool
        Whether the pieces carry reconstructed objects (a card was used).
    row_group : int, optional
        Events per Parquet row group: appended tables are buffered (no copy) and written
        ``row_group`` rows at a time. None: each appended table is one row group.
    """

    def __init__(self, path: Path, tables: ProcessTables, channels: Sequence[str],
                 detector: bool = False, row_group: int | None = None) -> None:
        self.path = Path(path)
        # unique per writer, not only per process: Dask runs tasks as threads of one process,
        # and a cancelled task may still write while a rerun writes the same table
        self.tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}-{uuid.uuid4().hex[:12]}"
                                       ".part")
        self.tables = tables
        #: weight of every event [fb] of an unweighted sample, None: the kernel's weights;
        #: set it before the first ``table`` call
        self.event_weight: float | None = None
        self.sum_of_weights = 0.0
        self.n_events = 0
        #: thread time [s] spent building Arrow columns (by ``write``; generate._write adds
        #: the tables built on the worker threads) and encoding + writing Parquet (profile)
        self.seconds = {"arrow_columns": 0.0, "parquet_write": 0.0}
        self.row_group = row_group
        self._pending: list[pa.Table] = []
        self._pending_rows = 0
        self._schema = schema(detector)
        rows = _block_rows(detector)
        #: (column, block, row) in schema order (kernels.columns.fill_blocks layout)
        self._plan = [(f.name, *rows[f.name]) for f in self._schema]
        self._n_rows = {b: sum(1 for _, blk, _ in self._plan if blk == b)
                        for b in ("f64", "f32", "i32", "i8")}
        self._reco_i32, self._reco_i8 = _reco_int_split(column_names()[1] if detector else [])
        # dictionary encoding only where values repeat (ids); on float columns it costs 4x
        # the write time for nothing (measured: 0.35 -> 1.4 M events/s with zstd)
        ids = [f.name for f in self._schema
               if f.name in ("process", "chi_a_decay", "chi_b_decay")
               or f.name.endswith(("_pdg", "_mother"))]
        stats = [name for name in STATISTICS_COLUMNS if name in self._schema.names]
        self._writer = pq.ParquetWriter(self.tmp, self._schema, compression="zstd",
                                        use_dictionary=ids, write_statistics=stats)
        subs = tables.subprocesses
        self._process_code = np.array([PROCESSES.index(sp.key) for sp in subs], dtype=np.int8)
        self._processes = pa.array(PROCESSES, pa.string())
        # channel names without the state (the leg's id says which state decayed); the
        # dictionary holds each name once, _channel_code maps kernel indices onto it
        names = [c.split(":", 1)[1] for c in channels]
        unique = sorted(set(names))
        self._channels = pa.array(unique or [""], pa.string())
        self._channel_code = np.array([unique.index(n) for n in names] or [0], dtype=np.int8)

    def table(self, piece: Piece) -> pa.Table:
        """The Arrow table of a piece of events.

        Pure and thread-safe: it reads only attributes fixed before the first call
        (``event_weight`` included) and mutates nothing, and its numba kernel releases the
        GIL, so generation threads can build the tables while one thread ``append``-s them.

        Parameters
        ----------
        piece : Piece
            Hard process, legs in output order, decays and reco of ``n`` events
            (``higgsino_sim.generate.Piece``; kernel layouts, float64 / int64).

        Returns
        -------
        pyarrow.Table
            ``n`` rows with the schema of :func:`schema`; the columns are zero-copy slices
            of one contiguous block per type, kept alive by the table. Slice it (no copy)
            to keep only the first events.
        """
        from higgsino_sim.kernels.columns import fill_blocks

        n = piece.f.shape[0]
        nr = self._n_rows
        blocks = {"f64": np.empty((nr["f64"], n)),
                  "f32": np.empty((nr["f32"], n), dtype=np.float32),
                  "i32": np.empty((nr["i32"], n), dtype=np.int32),
                  "i8": np.empty((nr["i8"], n), dtype=np.int8)}
        valid = np.empty((2, (n + 7) // 8), dtype=np.uint8)
        c = np.ascontiguousarray
        fill_blocks(c(piece.f), c(piece.i), c(piece.leg_pdg), c(piece.leg_mom), c(piece.leg_f),
                    c(piece.leg_i), c(piece.slot_i), c(piece.slot_f), c(piece.reco_f),
                    c(piece.reco_i),
                    np.nan if self.event_weight is None else float(self.event_weight),
                    self._process_code, self._channel_code, self._reco_i32, self._reco_i8,
                    blocks["f64"], blocks["f32"], blocks["i32"], blocks["i8"], valid)
        # one Arrow array per block (no copy); the columns are slices of it
        flat = {b: pa.array(v.reshape(-1)) for b, v in blocks.items()}
        i8 = flat["i8"].buffers()[1]
        arrays = []
        for name, block, row in self._plan:
            if name == "process":
                arrays.append(pa.DictionaryArray.from_arrays(flat["i8"].slice(row * n, n),
                                                             self._processes))
            elif name in ("chi_a_decay", "chi_b_decay"):
                codes = pa.Array.from_buffers(pa.int8(), n, [pa.py_buffer(valid[row - 1]),
                                                            i8.slice(row * n, n)])
                arrays.append(pa.DictionaryArray.from_arrays(codes, self._channels))
            else:
                arrays.append(flat[block].slice(row * n, n))
        return pa.Table.from_arrays(arrays, schema=self._schema)

    def append(self, table: pa.Table) -> None:
        """Add the events of a table from :meth:`table` (or a slice of one), in event order:
        count them, add their weights one by one to ``sum_of_weights`` (the same total for
        any chunking) and write the row groups they complete. One thread only."""
        if self.row_group is None:
            self._write_row_group(table)
        else:
            self._pending.append(table)
            self._pending_rows += table.num_rows
            while self._pending_rows >= self.row_group:
                whole = pa.concat_tables(self._pending)  # chunked columns: no copy
                self._write_row_group(whole.slice(0, self.row_group))
                self._pending = [whole.slice(self.row_group)]
                self._pending_rows -= self.row_group
        self.sum_of_weights = _sum_weights(self.sum_of_weights, table.column("weight"))
        self.n_events += table.num_rows

    def write(self, piece: Piece) -> None:
        """Append a piece of events: ``append(table(piece))``."""
        t0 = time.perf_counter()
        table = self.table(piece)
        self.seconds["arrow_columns"] += time.perf_counter() - t0
        self.append(table)

    def _write_row_group(self, table: pa.Table) -> None:
        t0 = time.perf_counter()
        self._writer.write_table(table, row_group_size=max(table.num_rows, 1))
        self.seconds["parquet_write"] += time.perf_counter() - t0

    def flush(self) -> None:
        """Write the buffered events (the last, shorter row group)."""
        if self._pending_rows:
            self._write_row_group(pa.concat_tables(self._pending))
        self._pending, self._pending_rows = [], 0

    def finish(self, metadata: dict[str, object]) -> None:
        """Store the run metadata in the footer, flush, and rename to the final name."""
        self.flush()
        metadata = dict(metadata, sum_of_weights_fb=self.sum_of_weights,
                        n_events=self.n_events)
        self._writer.add_key_value_metadata({METADATA_KEY: json.dumps(metadata)})
        self._writer.close()
        with open(self.tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(self.tmp, self.path)
        fsync_directory(self.path.parent)

    def abort(self) -> None:
        """Drop the temporary file (interrupted or failed run)."""
        try:
            self._writer.close()
        finally:
            self.tmp.unlink(missing_ok=True)


def _sum_weights(start: float, weights: pa.ChunkedArray) -> float:
    """``start`` plus the weights added one by one in event order: the same total for any
    split of the events into pieces (a pairwise np.sum would depend on it)."""
    from higgsino_sim.kernels.columns import sequential_sum

    for chunk in weights.chunks:
        start = sequential_sum(start, chunk.to_numpy())
    return float(start)


#: errno values of a directory fsync that the file system does not support (the data is
#: on disk all the same; only the rename's durability is not guaranteed there)
_FSYNC_UNSUPPORTED = frozenset(
    getattr(errno, name) for name in ("EINVAL", "EBADF", "ENOTSUP", "EOPNOTSUPP", "ENOSYS")
    if hasattr(errno, name)
)


def fsync_directory(directory: Path) -> None:
    """Make a rename in ``directory`` durable (a no-op where directories cannot be synced)."""
    if os.name == "nt":  # Windows cannot open a directory as a file
        return
    fd = os.open(directory if str(directory) else ".", os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    except OSError as exc:
        if exc.errno not in _FSYNC_UNSUPPORTED:
            raise
    finally:
        os.close(fd)


def file_sha256(path: str | os.PathLike[str]) -> str:
    """Hex sha256 of a file (64 lower-case digits), read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def read_metadata(path: str | os.PathLike[str]) -> dict[str, object]:
    """The run metadata stored in an event table."""
    md = pq.read_metadata(path).metadata or {}
    raw = md.get(METADATA_KEY.encode())
    if raw is None:
        raise ValueError(f"{path}: no {METADATA_KEY} metadata (not written by hsim?)")
    return json.loads(raw)
