"""What the grid runner needs from a pool of workers (local processes or a Dask cluster)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class Completion:
    """A finished attempt: ``result`` on success, else ``error`` (one line) and ``detail``
    (the worker's traceback, for the run log)."""

    task: Any
    result: Any
    error: str | None
    detail: str = ""


class Pool(Protocol):
    """Runs tasks on workers; ``poll`` returns the attempts finished so far."""

    n_workers: int

    def submit(self, task: Any) -> None: ...

    def poll(self, timeout: float) -> list[Completion]: ...

    def close(self, abort: bool = False) -> None: ...


def one_line(exc: BaseException) -> str:
    """``Type: message`` on one line (the first line of the message)."""
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__
