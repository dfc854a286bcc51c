"""An existing Dask cluster as the grid's workers (``hsim grid --scheduler tcp://HOST:PORT``).

Needs ``dask.distributed`` (``pip install 'higgsino-sim[dask]'``) here and on the workers,
which also need higgsino-sim itself and must see the grid directory (a shared file system):
each worker writes its point's table there, as a local worker would. Dask reschedules a
task whose worker died (up to its ``distributed.scheduler.allowed-failures``); the runner's
bounded retries come on top. A running task cannot be stopped from here: after an abort
the points that were running finish in the background (their tables are complete or
absent, never half-written); the manifest still lists them as pending, so the next run
generates them again (the same bytes: same seed).
"""

from __future__ import annotations

import logging
import socket
import time
import uuid
from collections.abc import Callable
from typing import Any

from higgsino_sim.errors import HsimError, UsageError
from higgsino_sim.grid.pool import Completion, one_line

log = logging.getLogger(__name__)

#: seconds to wait for the scheduler to answer
CONNECT_TIMEOUT_SECONDS = 20
#: polling step while waiting for finished tasks [s]
POLL_SLEEP_SECONDS = 0.05


def check_scheduler(address: str) -> None:
    """Raise a one-line UsageError unless ``address`` names a Dask scheduler that accepts
    connections (checked before the grid writes anything; a plain TCP connect, so no
    half-built client is left behind)."""
    require_distributed()
    from distributed.comm import parse_address
    from distributed.comm.addressing import parse_host_port

    try:
        scheme, location = parse_address(address, strict=False)  # no scheme: tcp
        if scheme not in ("tcp", "tls"):
            return  # inproc, ucx, ...: left to the client
        host, port = parse_host_port(location)
    except (ValueError, TypeError) as exc:
        raise UsageError(f"--scheduler {address!r}: not a scheduler address like "
                         f"tcp://HOST:8786 ({one_line(exc)})") from None
    try:
        socket.create_connection((host, port), timeout=CONNECT_TIMEOUT_SECONDS).close()
    except OSError as exc:
        raise UsageError(f"--scheduler {address}: cannot connect ({one_line(exc)})") from None


def require_distributed() -> None:
    """Raise a one-line UsageError unless dask.distributed can be imported."""
    try:
        import distributed  # noqa: F401
    except ImportError:
        raise UsageError("--scheduler needs dask.distributed: pip install 'higgsino-sim[dask]'"
                         ) from None


class DaskPool:
    """Tasks submitted to the Dask scheduler at ``address``; ``fn`` must be importable on the
    workers (a module-level function of an installed package)."""

    def __init__(self, address: str, fn: Callable[[Any], Any]) -> None:
        require_distributed()
        from distributed import Client

        try:
            self.client = Client(address, timeout=CONNECT_TIMEOUT_SECONDS,
                                 set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            raise UsageError(f"--scheduler {address}: cannot connect ({one_line(exc)})"
                             ) from None
        nthreads = self.client.nthreads()
        if not nthreads:
            self.client.close()
            raise UsageError(f"--scheduler {address}: the cluster has no workers")
        self.n_workers = sum(nthreads.values())
        from distributed import as_completed

        self._fn = fn
        self._futures: dict[Any, Any] = {}  # future -> task
        # not distributed.wait: it needs a default client, and this one is not made default
        self._done = as_completed([], loop=self.client.loop, with_results=False)

    def submit(self, task: Any) -> None:
        """Send ``task`` to the scheduler (a unique key per attempt: never a cached result)."""
        key = f"hsim-grid-{getattr(task.point, 'name', 'task')}-{uuid.uuid4().hex[:12]}"
        future = self.client.submit(self._fn, task, key=key, pure=False)
        self._futures[future] = task
        self._done.add(future)

    def poll(self, timeout: float) -> list[Completion]:
        """Attempts finished within ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while not self._done.has_ready():
            if self.client.status not in ("running", "connecting"):
                raise HsimError(f"lost the Dask scheduler ({self.client.status}); the "
                                "manifest holds the finished points: rerun to resume")
            if not self._futures or time.monotonic() >= deadline:
                return []
            time.sleep(POLL_SLEEP_SECONDS)
        done = self._done.next_batch(block=False)
        out = []
        for fut in done:
            task = self._futures.pop(fut)
            if fut.status == "finished":
                out.append(Completion(task, fut.result(), None))
            else:
                exc = fut.exception() if fut.status == "error" else None
                tb = ""
                if exc is not None:
                    import traceback

                    tb = "".join(traceback.format_exception(exc))
                out.append(Completion(task, None, one_line(exc) if exc is not None
                                      else f"Dask task {fut.status}", tb))
        return out

    def close(self, abort: bool = False) -> None:
        """Cancel what is queued (``abort``) and disconnect. With a lost scheduler there is
        nothing to cancel: its errors are logged, not raised (the run is ending anyway)."""
        try:
            if abort and self._futures:
                self.client.cancel(list(self._futures))
            self.client.close()
        except Exception as exc:  # noqa: BLE001 (closed client, scheduler gone)
            log.warning("closing the Dask client: %s", one_line(exc))
        self._futures.clear()
