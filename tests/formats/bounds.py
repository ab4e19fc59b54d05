"""Time and memory bounds for the hostile-input tests: a hang fails the test, it does not hang
the suite."""

from __future__ import annotations

import signal
import time
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import FrameType


@dataclass
class Spent:
    """What a bounded block used: wall seconds and peak traced memory (bytes)."""

    seconds: float = 0.0
    peak_bytes: int = 0


@contextmanager
def bounded(seconds: float, trace_memory: bool = False) -> Iterator[Spent]:
    """Run the block for at most ``seconds`` (then ``TimeoutError`` is raised inside it);
    report its time and, with ``trace_memory``, the peak of Python allocations."""

    def expire(signum: int, frame: FrameType | None) -> None:
        raise TimeoutError(f"took longer than {seconds:g} s")

    spent = Spent()
    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    if trace_memory:
        tracemalloc.start()
    start = time.perf_counter()
    try:
        yield spent
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        spent.seconds = time.perf_counter() - start
        if trace_memory:
            spent.peak_bytes = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
