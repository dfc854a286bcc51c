"""The progress line of `hsim grid`: numbers, throttling, terminal vs log output."""

from __future__ import annotations

import io

import pytest

from higgsino_sim.grid.progress import Progress, format_count, format_duration


class FakeClock:
    """A clock the test advances by hand [s]."""

    def __init__(self, t: float = 1000.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


class FakeTTY(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(("n", "text"), [
    (0, "0"), (7, "7"), (950, "950"), (999.4, "999"), (999.6, "1.0k"), (1000, "1.0k"),
    (85300, "85.3k"), (999_949, "999.9k"), (999_960, "1.00M"), (2.4e6, "2.40M"),
    (3.1e9, "3.10G"), (float("nan"), "?"),
])
def test_format_count(n: float, text: str) -> None:
    assert format_count(n) == text


@pytest.mark.parametrize(("seconds", "text"), [
    (0, "0s"), (5, "5s"), (59.4, "59s"), (59.6, "1m00s"), (60, "1m00s"), (65, "1m05s"),
    (192, "3m12s"), (3599.4, "59m59s"), (3599.6, "1h00m"), (7322, "2h02m"),
    (7350, "2h03m"), (100_000, "27h47m"), (-3, "0s"), (float("inf"), "?"),
])
def test_format_duration(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text


def test_log_stream_lines_and_numbers() -> None:
    clock = FakeClock()
    out = io.StringIO()
    p = Progress(54, 54 * 200_000, stream=out, clock=clock)
    p.update(0, 0)  # first call prints; no rate yet -> "?" left
    clock.t += 10.0
    p.update(0, 500_000)  # no point finished: nothing printed on a log
    clock.t += 18.0
    # 2.4M events in 28 s: 85714 events/s; 8.4M left / 85714 = 98 s
    p.update(12, 2_400_000, 1)
    clock.t += 5.0
    p.update(12, 2_500_000, 1)  # unchanged counts: silent
    p.update(12, 2_500_000, 1, force=True)  # unless forced
    p.close()  # nothing to end on a log
    assert out.getvalue().splitlines() == [
        "grid: 0/54 points, 0 events, 0 events/s, ? left",
        "grid: 12/54 points (1 failed), 2.40M events, 85.7k events/s, 1m38s left",
        "grid: 12/54 points (1 failed), 2.50M events, 75.8k events/s, 1m50s left",
    ]
    assert "\r" not in out.getvalue()


def test_log_stream_prints_on_failure_change() -> None:
    clock = FakeClock()
    out = io.StringIO()
    p = Progress(3, 300, stream=out, clock=clock)
    clock.t += 1.0
    p.update(1, 100)
    clock.t += 1.0
    p.update(1, 100, 1)  # a failure is news
    clock.t += 2.0
    p.update(2, 200, 1)
    assert out.getvalue().splitlines() == [
        "grid: 1/3 points, 100 events, 100 events/s, 2s left",
        "grid: 1/3 points (1 failed), 100 events, 50 events/s, 4s left",
        "grid: 2/3 points (1 failed), 200 events, 50 events/s, 2s left",
    ]


def test_tty_rewrites_in_place_with_throttling() -> None:
    clock = FakeClock()
    out = FakeTTY()
    p = Progress(4, 4000, stream=out, clock=clock, min_interval=0.5)
    clock.t += 1.0
    p.update(1, 1000, 1)
    first = "grid: 1/4 points (1 failed), 1.0k events, 1.0k events/s, 3s left"
    assert out.getvalue() == "\r" + first
    clock.t += 0.25  # binary-exact steps, so "exactly min_interval" below is exact
    p.update(2, 2000, 1)  # 0.25 s < min_interval: throttled even though a point finished
    assert out.getvalue() == "\r" + first
    p.update(2, 2000, 1, force=True)  # forced
    second = "grid: 2/4 points (1 failed), 2.0k events, 1.6k events/s, 1s left"
    assert out.getvalue() == "\r" + first + "\r" + second
    clock.t += 0.5  # exactly min_interval after the forced write: due again
    p.update(2, 2000)  # shorter line: padded with spaces to erase the previous one
    third = "grid: 2/4 points, 2.0k events, 1.1k events/s, 2s left"
    pad = " " * (len(second) - len(third))
    assert len(pad) == len(" (1 failed)")
    assert out.getvalue() == "\r" + first + "\r" + second + "\r" + third + pad
    p.close()
    p.close()  # idempotent
    assert out.getvalue().endswith(third + pad + "\n")
    assert out.getvalue().count("\n") == 1


def test_tty_close_without_update_writes_nothing() -> None:
    out = FakeTTY()
    Progress(1, 1, stream=out, clock=FakeClock()).close()
    assert out.getvalue() == ""


def test_all_done_shows_zero_left() -> None:
    clock = FakeClock()
    out = io.StringIO()
    p = Progress(2, 1000, stream=out, clock=clock)
    clock.t += 4.0
    p.update(2, 1000, force=True)
    assert out.getvalue() == "grid: 2/2 points, 1.0k events, 250 events/s, 0s left\n"


def test_default_stream_is_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    p = Progress(1, 10, clock=FakeClock())
    p.update(0, 0)
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == "grid: 0/1 points, 0 events, 0 events/s, ? left\n"
