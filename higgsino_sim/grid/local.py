"""Local worker processes for `hsim grid` (the default when no ``--scheduler`` is given).

Each worker is a spawned process with its own pipe: the parent hands it one task at a time
and always knows which point a worker holds, so a worker that dies (killed, out of memory)
fails exactly its own point, which the runner retries; a replacement worker is started.
``concurrent.futures.ProcessPoolExecutor`` cannot do this: one dead worker breaks the whole
pool and every pending future.

Signals: workers ignore SIGINT (Ctrl-C in a terminal reaches the whole process group; the
parent decides) and turn SIGTERM into KeyboardInterrupt, so a worker stopped by the parent
deletes its temporary table (``EventWriter.abort``) before it exits.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import signal
import traceback
from collections import deque
from collections.abc import Callable
from multiprocessing.connection import Connection, wait
from typing import Any

from higgsino_sim.grid.pool import Completion, one_line

#: seconds a stopped worker gets to clean up before it is killed
STOP_GRACE_SECONDS = 20.0


def _worker_main(conn: Connection, fn: Callable[[Any], Any]) -> None:
    """Worker loop: receive a task, run ``fn`` on it, send back ("ok"|"error", ...)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        while True:
            try:
                task = conn.recv()
            except EOFError:  # the parent is gone
                return
            if task is None:
                return
            try:
                result = fn(task)
            except Exception as exc:  # noqa: BLE001 (sent to the parent: retried or recorded)
                conn.send(("error", one_line(exc), traceback.format_exc()))
            else:
                conn.send(("ok", result, ""))
    except (KeyboardInterrupt, BrokenPipeError):
        return  # stopped by the parent (temporary files already removed) or parent gone


class _Worker:
    def __init__(self, ctx: Any, fn: Callable[[Any], Any]) -> None:
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_worker_main, args=(child, fn), daemon=True)
        self.process.start()
        child.close()
        self.task: Any = None


def _describe_exit(code: int | None) -> str:
    if code is not None and code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"


class LocalPool:
    """``workers`` spawned processes running ``fn(task)``; tasks are queued in order.

    ``fn`` must be importable by reference (a module-level function).
    """

    def __init__(self, workers: int, fn: Callable[[Any], Any]) -> None:
        if workers < 1:
            raise ValueError(f"workers must be >= 1, got {workers}")
        self.n_workers = workers
        self._fn = fn
        self._ctx = mp.get_context("spawn")  # no fork of a process that may hold threads
        self._pending: deque[Any] = deque()
        self._workers = [_Worker(self._ctx, fn) for _ in range(workers)]

    def submit(self, task: Any) -> None:
        """Queue ``task``; it starts as soon as a worker is free."""
        self._pending.append(task)
        self._dispatch()

    def _dispatch(self) -> None:
        for k in range(len(self._workers)):
            w = self._workers[k]
            if w.task is None and self._pending:
                task = self._pending.popleft()
                try:
                    w.conn.send(task)
                except OSError:  # an idle worker died (killed): replace it, then send
                    self._replace(w)
                    w = self._workers[k]
                    w.conn.send(task)
                w.task = task

    def poll(self, timeout: float) -> list[Completion]:
        """Completions (results, errors, dead workers) within ``timeout`` seconds."""
        busy = [w for w in self._workers if w.task is not None]
        if not busy:
            return []
        ready = set(wait([w.conn for w in busy] + [w.process.sentinel for w in busy],
                         timeout))
        out: list[Completion] = []
        for w in busy:
            message = None
            if w.conn in ready:
                try:
                    message = w.conn.recv()
                except (EOFError, OSError):  # closed or reset: the worker died
                    message = None
            if message is not None:
                kind, payload, detail = message
                out.append(Completion(w.task, payload if kind == "ok" else None,
                                      None if kind == "ok" else payload, detail))
                w.task = None
            elif w.conn in ready or w.process.sentinel in ready:
                w.process.join()
                out.append(Completion(w.task, None, f"worker process died "
                                                    f"({_describe_exit(w.process.exitcode)})", ""))
                self._replace(w)
        self._dispatch()
        return out

    def _replace(self, dead: _Worker) -> None:
        dead.conn.close()
        self._workers[self._workers.index(dead)] = _Worker(self._ctx, self._fn)

    def close(self, abort: bool = False) -> None:
        """Stop the workers: after their current task, or at once (``abort``: SIGTERM, so
        they remove their temporary files; killed after ``STOP_GRACE_SECONDS``)."""
        self._pending.clear()
        for w in self._workers:
            if abort and w.task is not None and w.process.is_alive():
                w.process.terminate()
            else:
                with contextlib.suppress(OSError):  # a worker that is already gone
                    w.conn.send(None)
        for w in self._workers:
            w.process.join(STOP_GRACE_SECONDS if abort else None)
            if w.process.is_alive():
                w.process.kill()
                w.process.join()
            w.conn.close()
