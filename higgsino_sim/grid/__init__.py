"""Signal grids: `hsim grid` runs a scan over (m(chi1+-), dm, dm0) on local worker
processes or a Dask cluster, one Parquet table per point plus a manifest (docs/grid.md).

Modules: ``spec`` (points, ranges, TOML files, validation, per-point seeds), ``manifest``
(the JSON/CSV record, checksums, run log), ``worker`` (one point in a worker), ``local``
and ``dask_pool`` (the pools), ``runner`` (plan, run, resume), ``progress`` (status line).

    >>> from higgsino_sim.grid.spec import grid_from_options
    >>> [p.name for p in grid_from_options("100,125", "1.5", None, 1000)]
    ['m100_dm1.5_dm0-3', 'm125_dm1.5_dm0-3']
"""
