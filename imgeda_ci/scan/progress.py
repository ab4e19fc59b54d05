"""Progress on stderr: a redrawn bar on a terminal, a plain line every few seconds in CI logs."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    def __init__(
        self,
        total: int,
        *,
        label: str = "scan",
        stream: TextIO | None = None,
        enabled: bool = True,
        interval: float | None = None,
    ) -> None:
        self.total = total
        self.label = label
        self.stream = stream or sys.stderr
        self.enabled = enabled and total > 0
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.interval = interval if interval is not None else (0.1 if self.tty else 10.0)
        self.done = 0
        self.start = time.monotonic()
        self._last = self.start

    def advance(self, n: int = 1) -> None:
        self.done += n
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self._last >= self.interval or self.done >= self.total:
            self._last = now
            self._draw(now)

    def _rate(self, now: float) -> float:
        elapsed = max(now - self.start, 1e-9)
        return self.done / elapsed

    def _draw(self, now: float) -> None:
        rate = self._rate(now)
        pct = 100.0 * self.done / self.total
        left = (self.total - self.done) / rate if rate > 0 else 0.0
        if self.tty:
            width = 30
            filled = int(width * self.done / self.total)
            bar = "#" * filled + "-" * (width - filled)
            self.stream.write(
                f"\r{self.label} [{bar}] {self.done}/{self.total} {pct:5.1f}% "
                f"{rate:6.1f}/s eta {left:5.0f}s"
            )
        else:
            self.stream.write(
                f"{self.label}: {self.done}/{self.total} ({pct:.0f}%), {rate:.1f} images/s, "
                f"about {left:.0f} s left\n"
            )
        self.stream.flush()

    def close(self) -> None:
        if self.enabled and self.tty:
            self.stream.write("\n")
            self.stream.flush()
