"""The local worker pool of `hsim grid`: results, errors with tracebacks, a killed worker
fails only its own task and is replaced, abort stops a running task."""

from __future__ import annotations

import time

import grid_faults
import pytest

from higgsino_sim.grid.local import LocalPool
from higgsino_sim.grid.pool import Completion


def _drain(pool: LocalPool, n: int, timeout: float = 60.0) -> list[Completion]:
    out: list[Completion] = []
    t0 = time.monotonic()
    while len(out) < n:
        assert time.monotonic() - t0 < timeout, f"only {len(out)} of {n} completions"
        out += pool.poll(0.2)
    return out


def test_results_of_every_task() -> None:
    pool = LocalPool(2, grid_faults.square)
    try:
        for x in range(7):
            pool.submit(x)
        done = _drain(pool, 7)
    finally:
        pool.close()
    assert sorted((c.task, c.result) for c in done) == [(x, x * x) for x in range(7)]
    assert all(c.error is None for c in done)
    assert pool.poll(0.01) == []  # nothing left


def test_exception_is_reported_with_its_traceback() -> None:
    pool = LocalPool(1, grid_faults.square_or_raise)
    try:
        pool.submit(-3)
        pool.submit(4)
        done = {c.task: c for c in _drain(pool, 2)}
    finally:
        pool.close()
    assert done[-3].error == "ValueError: negative input -3"
    assert done[-3].result is None
    assert "Traceback" in done[-3].detail
    assert "square_or_raise" in done[-3].detail
    assert done[4].result == 16  # the same worker goes on


def test_killed_worker_fails_only_its_task_and_is_replaced() -> None:
    pool = LocalPool(2, grid_faults.square_or_die)
    try:
        for x in (2, -1, 3, -5, 4):
            pool.submit(x)
        done = {c.task: c for c in _drain(pool, 5)}
    finally:
        pool.close()
    for x in (-1, -5):
        assert done[x].error == "worker process died (killed by SIGKILL)"
    for x in (2, 3, 4):
        assert done[x].result == x * x


def test_abort_stops_a_running_task_promptly() -> None:
    pool = LocalPool(1, grid_faults.slow_square)
    pool.submit(0)  # the worker is up once this returns
    assert _drain(pool, 1)[0].result == 0
    pool.submit(600)
    t0 = time.monotonic()
    pool.close(abort=True)
    assert time.monotonic() - t0 < 10  # SIGTERM -> KeyboardInterrupt in the sleep


def test_needs_a_worker() -> None:
    with pytest.raises(ValueError, match="workers must be >= 1"):
        LocalPool(0, grid_faults.square)
