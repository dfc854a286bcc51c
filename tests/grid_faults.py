"""Point functions for the grid tests that fail on purpose, run inside real worker processes.

They are module-level (spawned workers import them by reference: pytest puts tests/ on
sys.path, which spawn passes on). The point to hit comes from the environment, which the
workers inherit: ``HSIM_FAULT_POINT`` (a point name) and, for failures that happen once,
``HSIM_FAULT_ONCE_DIR`` (a directory holding a marker file per point already hit).
"""

from __future__ import annotations

import errno
import os
import signal
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the pool tests import this module without the generator
    from higgsino_sim.grid.worker import PointOutcome, PointTask

POINT = "HSIM_FAULT_POINT"
ONCE_DIR = "HSIM_FAULT_ONCE_DIR"


def _targeted(task: PointTask) -> bool:
    return task.point.name == os.environ.get(POINT)


def _first_time(task: PointTask) -> bool:
    """True once per point (a marker file survives the worker that made it)."""
    marker = Path(os.environ[ONCE_DIR]) / task.point.name
    try:
        marker.touch(exist_ok=False)
    except FileExistsError:
        return False
    return True


def square(x: int) -> int:
    """A trivial task for the pool tests."""
    return x * x


def square_or_die(x: int) -> int:
    """Kill the worker on x < 0 (SIGKILL: no cleanup, like the OOM killer)."""
    if x < 0:
        os.kill(os.getpid(), signal.SIGKILL)
    return x * x


def slow_square(x: int) -> int:
    """Sleep x seconds first (a long task for the abort test), in short sleeps like the
    generator's short kernel calls: a signal that lands just before a long blocking call
    would only be handled when that call returns (Python runs handlers between calls)."""
    end = time.monotonic() + x
    while time.monotonic() < end:
        time.sleep(0.05)
    return x * x


def square_or_raise(x: int) -> int:
    if x < 0:
        raise ValueError(f"negative input {x}")
    return x * x


def disk_full_once(task: PointTask) -> PointOutcome:
    """The targeted point's first attempt fails inside the table writer after its first row
    group, as on a full disk (ENOSPC); the real abort path removes the part."""
    from higgsino_sim import output
    from higgsino_sim.grid.worker import run_point

    if _targeted(task) and _first_time(task):
        original = output.EventWriter._write_row_group
        calls = {"n": 0}

        def write(self, table):
            calls["n"] += 1
            if calls["n"] > 1:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self.tmp))
            return original(self, table)

        output.EventWriter._write_row_group = write
        try:
            return run_point(task)
        finally:
            output.EventWriter._write_row_group = original
    return run_point(task)


def killed_mid_write_once(task: PointTask) -> PointOutcome:
    """The targeted point's first attempt kills its worker (SIGKILL: no clean-up, like the
    OOM killer) after the first row group is written, so a temporary table is left."""
    from higgsino_sim import output
    from higgsino_sim.grid.worker import run_point

    if _targeted(task) and _first_time(task):
        original = output.EventWriter._write_row_group

        def write(self, table):
            original(self, table)
            os.kill(os.getpid(), signal.SIGKILL)

        output.EventWriter._write_row_group = write
    return run_point(task)


def vanishes_once(task: PointTask) -> PointOutcome:
    """The targeted point's first table is not where the runner looks (as with a Dask
    worker that does not share the grid directory)."""
    from higgsino_sim.grid.worker import run_point

    outcome = run_point(task)
    if _targeted(task) and _first_time(task):
        (Path(task.directory) / task.point.file).unlink()
    return outcome


def always_fails(task: PointTask) -> PointOutcome:
    """The targeted point fails on every attempt; the others run normally."""
    from higgsino_sim.grid.worker import run_point

    if _targeted(task):
        raise RuntimeError(f"injected failure at {task.point.name}")
    return run_point(task)
