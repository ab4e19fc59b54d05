"""How much of a run is near-copy verification: a benchmark's own instrument, not the package's.

:func:`install` wraps :func:`imgeda_ci.dupes.verify.classify` (every candidate pair the run
verifies goes through it) so that each call appends ``pid pairs cpu_seconds`` to a log file,
at once (a forked process ends without running exit handlers, so nothing waits for the end).
The CPU is the process's (``time.process_time``: every thread of it) over the call.
:func:`totals` adds the log up. Used by ``bench_ci.py`` (in the ``imgeda-ci ci`` process it
starts, and so in the base process that one forks) and ``bench_evaluate.py``.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any


def install(log: Path) -> None:
    """Log every :func:`imgeda_ci.dupes.verify.classify` call of this process (and of
    processes forked from it) to ``log``."""
    from imgeda_ci.dupes import verify

    real = verify.classify

    def counted(a: Any, b: Any) -> Any:
        start = time.process_time()
        out = real(a, b)
        spent = time.process_time() - start
        with log.open("a") as f:
            f.write(f"{os.getpid()} {len(a)} {spent:.6f}\n")
        return out

    verify.classify = counted


def totals(log: Path) -> tuple[int, float, int]:
    """(pairs verified, CPU seconds spent verifying, processes that verified) in ``log``."""
    if not log.exists():
        return 0, 0.0, 0
    pairs, cpu, pids = 0, 0.0, set()
    for line in log.read_text().splitlines():
        pid, n, s = line.split()
        pairs, cpu = pairs + int(n), cpu + float(s)
        pids.add(pid)
    return pairs, cpu, len(pids)
