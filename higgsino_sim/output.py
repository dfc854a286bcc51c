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


def _reco_int_type(name: str) -> pa.DataType:
    """Arrow type of a reco integer column: ids and working-point masks need 32 bits."""
    return pa.int32() if name.endswith(("_pdg", "_wp")) else pa.int8()


def schema(detector: bool = False) -> pa.Schema:
    """The column layout of an event table (documented in docs/output.md); reconstructed
    objects (kernels.detector layout) follow the truth when a card was used."""
    fields = [
        pa.field("process", pa.dictionary(pa.int8(), pa.string())),
        pa.field("weight", pa.float64()),
        pa.field("parton1_pdg", pa.int32()),
        pa.field("parton2_pdg", pa.int32()),
        pa.field("x1", pa.float64()),
        pa.field("x2", pa.float64()),
        pa.field("scale_gev", pa.float64()),
        pa.field("alpha_s", pa.float64()),
    ]
    for name in _PARTICLES:
        fields.append(pa.field(f"{name}_pdg", pa.int32()))
        fields += [pa.field(f"{name}_{c}", pa.float64()) for c in _COMPONENTS]
    fields += [
        pa.field("jet_pt", pa.float64()),
        pa.field("jet_eta", pa.float64()),
        pa.field("jet_phi", pa.float64()),
        pa.field("chichi_m", pa.float64()),
    ]
    from higgsino_sim.kernels.decays import N_SLOTS

    for leg in _LEGS:
        fields.append(pa.field(f"{leg}_decay", pa.dictionary(pa.int8(), pa.string())))
        fields += [pa.field(f"{leg}_{c}", pa.float64()) for c in _LEG_FLOATS]
    for k in range(N_SLOTS):
        fields.append(pa.field(f"dau{k}_pdg", pa.int32()))
        fields.append(pa.field(f"dau{k}_mother", pa.int8()))
        fields += [pa.field(f"dau{k}_{c}", pa.float64()) for c in _SLOT_FLOATS]
    if detector:
        names_f, names_i = column_names()
        fields += [pa.field(name, pa.float64()) for name in names_f]
        fields += [pa.field(name, _reco_int_type(name)) for name in names_i]
    return pa.schema(fields)


class EventWriter:
    """Stream event chunks into ``path`` via a temporary file; ``finish`` renames it.

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
        Events per Parquet row group: pieces are buffered as Arrow columns (no copy) and
        written ``row_group`` rows at a time. None: each piece is one row group.
    """

    def __init__(self, path: Path, tables: ProcessTables, channels: Sequence[str],
                 detector: bool = False, row_group: int | None = None) -> None:
        self.path = Path(path)
        # unique per writer, not only per process: Dask runs tasks as threads of one process,
        # and a cancelled task may still write while a rerun writes the same table
        self.tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}-{uuid.uuid4().hex[:12]}"
                                       ".part")
        self.tables = tables
        self.event_weight: float | None = None
        self.sum_of_weights = 0.0
        self.n_events = 0
        #: wall time [s] spent building Arrow columns and encoding + writing Parquet (profile)
        self.seconds = {"arrow_columns": 0.0, "parquet_write": 0.0}
        self.row_group = row_group
        self._pending: list[pa.Table] = []
        self._pending_rows = 0
        self._schema = schema(detector)
        self._reco_names = column_names() if detector else ([], [])
        self._reco_int_dtypes = [self._schema.field(name).type.to_pandas_dtype()
                                 for name in self._reco_names[1]]
        # dictionary encoding only where values repeat (ids); on float columns it costs 4x
        # the write time for nothing (measured: 0.35 -> 1.4 M events/s with zstd)
        ids = [f.name for f in self._schema
               if f.name in ("process", "chi_a_decay", "chi_b_decay")
               or f.name.endswith(("_pdg", "_mother"))]
        self._writer = pq.ParquetWriter(self.tmp, self._schema, compression="zstd",
                                        use_dictionary=ids)
        subs = tables.subprocesses
        self._global_index = np.array([PROCESSES.index(sp.key) for sp in subs], dtype=np.int8)
        # channel names without the state (the leg's id says which state decayed); the
        # dictionary holds each name once, _channel_code maps kernel indices onto it
        names = [c.split(":", 1)[1] for c in channels]
        unique = sorted(set(names))
        self._channels = pa.array(unique or [""], pa.string())
        self._channel_code = np.array([unique.index(n) for n in names] or [0], dtype=np.int8)

    def write(self, piece: Piece) -> None:
        """Append a piece of events (hard process, legs in output order, decays)."""
        from higgsino_sim.kernels import decays as kd
        from higgsino_sim.kernels import hard_process as hp

        t0 = time.perf_counter()
        f, i = piece.f, piece.i
        p = i[:, hp.I_PROC]
        mom_a = piece.leg_mom[:, 0]
        mom_b = piece.leg_mom[:, 1]
        mom_j = f[:, hp.F_J : hp.F_J + 4]
        if self.event_weight is not None:
            weight = np.full(f.shape[0], self.event_weight)
        else:
            weight = f[:, hp.F_WEIGHT].copy()
        cols: dict[str, object] = {
            "process": pa.DictionaryArray.from_arrays(
                pa.array(self._global_index[p], pa.int8()), pa.array(PROCESSES)
            ),
            "weight": weight,
            "parton1_pdg": i[:, hp.I_ID1].astype(np.int32),
            "parton2_pdg": i[:, hp.I_ID2].astype(np.int32),
            "x1": f[:, hp.F_X1],
            "x2": f[:, hp.F_X2],
            "scale_gev": f[:, hp.F_MU],
            "alpha_s": f[:, hp.F_ALPHAS],
        }
        pdgs = (piece.leg_pdg[:, 0].astype(np.int32), piece.leg_pdg[:, 1].astype(np.int32),
                i[:, hp.I_IDJ].astype(np.int32))
        for name, pdg, mom in zip(_PARTICLES, pdgs, (mom_a, mom_b, mom_j), strict=True):
            cols[f"{name}_pdg"] = pdg
            for k, c in enumerate(_COMPONENTS):
                cols[f"{name}_{c}"] = np.ascontiguousarray(mom[:, k])
        pt = np.hypot(mom_j[:, 1], mom_j[:, 2])
        cols["jet_pt"] = pt
        cols["jet_eta"] = np.arcsinh(mom_j[:, 3] / pt)
        cols["jet_phi"] = np.arctan2(mom_j[:, 2], mom_j[:, 1])
        pair = mom_a + mom_b
        cols["chichi_m"] = np.sqrt(np.maximum(
            pair[:, 0] ** 2 - pair[:, 1] ** 2 - pair[:, 2] ** 2 - pair[:, 3] ** 2, 0.0))
        for leg, name in enumerate(_LEGS):
            ch = piece.leg_i[:, leg]
            cols[f"{name}_decay"] = pa.DictionaryArray.from_arrays(
                pa.array(self._channel_code[np.where(ch < 0, 0, ch)], pa.int8(), mask=ch < 0),
                self._channels)
            for c, col in enumerate(_LEG_FLOATS):
                cols[f"{name}_{col}"] = np.ascontiguousarray(piece.leg_f[:, leg, c])
        for k in range(kd.N_SLOTS):
            cols[f"dau{k}_pdg"] = piece.slot_i[:, k, kd.SI_PDG].astype(np.int32)
            cols[f"dau{k}_mother"] = piece.slot_i[:, k, kd.SI_MOTHER].astype(np.int8)
            for c, col in enumerate(_SLOT_FLOATS):
                cols[f"dau{k}_{col}"] = np.ascontiguousarray(piece.slot_f[:, k, c])
        names_f, names_i = self._reco_names
        for c, name in enumerate(names_f):
            cols[name] = np.ascontiguousarray(piece.reco_f[:, c])
        for c, (name, dtype) in enumerate(zip(names_i, self._reco_int_dtypes, strict=True)):
            cols[name] = piece.reco_i[:, c].astype(dtype)
        table = pa.Table.from_pydict(cols, schema=self._schema)
        self.seconds["arrow_columns"] += time.perf_counter() - t0
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
        # cumsum accumulates sequentially: the total is identical for any chunking
        self.sum_of_weights = float(np.cumsum(np.r_[self.sum_of_weights, weight])[-1])
        self.n_events += f.shape[0]

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
