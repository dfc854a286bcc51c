"""The one-line progress display of ``hsim grid``.

On a terminal the line is rewritten in place (``"\\r"``), at most every ``min_interval``
seconds; on a pipe or a log file a full line is printed only when a point finishes or
fails, so logs stay readable. Example::

    grid: 12/54 points (1 failed), 2.40M events, 85.3k events/s, 3m12s left

The rate is the mean since the display was created (events generated / wall time), and
the time left is the remaining events divided by that rate.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable
from typing import TextIO


def format_count(n: float) -> str:
    """A count with three significant digits and an SI suffix.

    Parameters
    ----------
    n : float
        The count (events, events per second).

    Returns
    -------
    str
        ``950 -> "950"``, ``85300 -> "85.3k"``, ``2.4e6 -> "2.40M"``, ``3.1e9 -> "3.10G"``;
        ``"?"`` if ``n`` is not finite.

    Examples
    --------
    >>> format_count(85300)
    '85.3k'
    """
    if not math.isfinite(n):
        return "?"
    a = abs(n)
    # choose the unit after rounding, so 999_960 reads "1.00M" and not "1000.0k"
    if round(a) < 1000:
        return f"{n:.0f}"
    if round(a / 1e3, 1) < 1000:
        return f"{n / 1e3:.1f}k"
    if round(a / 1e6, 2) < 1000:
        return f"{n / 1e6:.2f}M"
    return f"{n / 1e9:.2f}G"


def format_duration(seconds: float) -> str:
    """A duration rounded to the second (under an hour) or to the minute.

    Parameters
    ----------
    seconds : float
        Duration [s]; negative values read as 0.

    Returns
    -------
    str
        ``5 -> "5s"``, ``192 -> "3m12s"``, ``7322 -> "2h02m"``; ``"?"`` if not finite.

    Examples
    --------
    >>> format_duration(192)
    '3m12s'
    """
    if not math.isfinite(seconds):
        return "?"
    s = max(0, round(seconds))
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s"
    minutes = (s + 30) // 60
    return f"{minutes // 60}h{minutes % 60:02d}m"


class Progress:
    """One status line on a stream: points done/total, failed, events generated, events/s,
    time left.

    Parameters
    ----------
    total_points : int
        Points to run.
    total_events : int
        Events to generate in this run (the time left is computed from it).
    stream : text stream, optional
        Where to write (default ``sys.stderr``). Whether it is a terminal (``isatty()``)
        selects in-place rewriting or one line per finished point.
    clock : callable, optional
        Monotonic clock in seconds (default `time.monotonic`; tests pass a fake one).
    min_interval : float, optional
        Minimum time between two rewrites on a terminal [s].
    """

    def __init__(self, total_points: int, total_events: int, stream: TextIO | None = None,
                 clock: Callable[[], float] = time.monotonic,
                 min_interval: float = 0.5) -> None:
        self.total_points = int(total_points)
        self.total_events = int(total_events)
        self.stream: TextIO = sys.stderr if stream is None else stream
        self.clock = clock
        self.min_interval = float(min_interval)
        isatty = getattr(self.stream, "isatty", None)
        self.tty = bool(isatty()) if callable(isatty) else False
        self._start = clock()
        self._last_time: float | None = None       # when the line was last written
        self._last_counts: tuple[int, int] | None = None  # (done, failed) last written
        self._last_len = 0                         # length of the line on the terminal
        self._open = False                         # a TTY line is waiting for its "\n"

    def _text(self, done_points: int, done_events: int, failed_points: int,
              now: float) -> str:
        """The status text (no "\\r", no newline) for the given counts at time ``now``."""
        elapsed = now - self._start
        rate = done_events / elapsed if elapsed > 0 else 0.0
        remaining = max(self.total_events - done_events, 0)
        left = format_duration(remaining / rate) if rate > 0 else "?"
        failed = f" ({failed_points} failed)" if failed_points else ""
        return (f"grid: {done_points}/{self.total_points} points{failed}, "
                f"{format_count(done_events)} events, {format_count(rate)} events/s, "
                f"{left} left")

    def update(self, done_points: int, done_events: int, failed_points: int = 0, *,
               force: bool = False) -> None:
        """Show the current counts.

        On a terminal the line is rewritten unless the last rewrite is less than
        ``min_interval`` s old; elsewhere a line is printed only when ``done_points`` or
        ``failed_points`` changed since the last printed line (the first call always
        prints). ``force`` prints in any case.

        Parameters
        ----------
        done_points : int
            Points finished successfully.
        done_events : int
            Events generated so far in this run.
        failed_points : int, optional
            Points that failed.
        force : bool, optional
            Write regardless of throttling (e.g. for the final line).
        """
        now = self.clock()
        counts = (done_points, failed_points)
        if self.tty:
            due = self._last_time is None or now - self._last_time >= self.min_interval
            if not (force or due):
                return
            text = self._text(done_points, done_events, failed_points, now)
            pad = " " * max(self._last_len - len(text), 0)
            self.stream.write("\r" + text + pad)
            self._last_len = len(text)
            self._open = True
        else:
            if not force and counts == self._last_counts:
                return
            self.stream.write(self._text(done_points, done_events, failed_points, now) + "\n")
        self.stream.flush()
        self._last_time = now
        self._last_counts = counts

    def close(self) -> None:
        """End the terminal line with a newline (nothing on other streams; idempotent)."""
        if self._open:
            self.stream.write("\n")
            self.stream.flush()
            self._open = False
