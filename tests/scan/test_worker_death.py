"""``worker_crashed`` is a real process death (a segfault, a SIGKILL), and then the log has one
line naming the file and the cause, not a traceback or a stack dump; the scan goes on."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

#: Run in a fresh interpreter so that its whole stderr is seen. faulthandler is on, as under
#: pytest or ``python -X faulthandler``: a worker must not dump its stack when a codec crashes.
SCRIPT = """
import ctypes, faulthandler, json, os, signal, sys
faulthandler.enable()
import imgeda_ci.scan.pool as pool_mod
from imgeda_ci.scan.pool import Job, LocalPool
from imgeda_ci.scan.settings import Settings
real = pool_mod.analyze_path

def crashing(locator, *args, **kw):
    if locator.endswith("03.png"):
        ctypes.string_at(0)  # a real segfault, as in a codec
    if locator.endswith("06.png"):
        os.kill(os.getpid(), signal.SIGKILL)  # as the out-of-memory killer does
    return real(locator, *args, **kw)

pool_mod.analyze_path = crashing  # inherited by the forked workers
folder = sys.argv[1]
jobs = [Job(i, os.path.join(folder, f"{i:02d}.png")) for i in range(10)]
pool = LocalPool(Settings(), 2)
out = dict(pool.run(jobs))
print(json.dumps({str(k): (v["error"] or {}).get("code") for k, v in sorted(out.items())}))
"""


def test_a_crashed_worker_costs_one_file_and_one_log_line(tmp_path: Path) -> None:
    from PIL import Image

    for i in range(10):
        Image.new("RGB", (40, 30), (i * 20, 90, 30)).save(tmp_path / f"{i:02d}.png")
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    codes = json.loads(proc.stdout)
    assert codes == {str(i): ("worker_crashed" if i in (3, 6) else None) for i in range(10)}
    lines = proc.stderr.splitlines()
    assert len(lines) == 2, proc.stderr  # no traceback, no "Fatal Python error" stack dump
    segv = next(ln for ln in lines if "03.png" in ln)
    kill = next(ln for ln in lines if "06.png" in ln)
    assert str(tmp_path / "03.png") in segv and "SIGSEGV" in segv
    assert str(tmp_path / "06.png") in kill and "SIGKILL" in kill
    assert all(ln.endswith("recorded as worker_crashed") for ln in lines)


def test_the_cause_of_a_death_in_words() -> None:
    from imgeda_ci.scan.failures import exit_cause

    assert exit_cause(-11) == "killed by SIGSEGV (Segmentation fault)"
    assert exit_cause(-9).startswith("killed by SIGKILL (the out-of-memory killer")
    assert exit_cause(3) == "exit code 3"
    assert exit_cause(-200) == "killed by signal 200"


def test_a_worker_found_dead_when_given_a_file_is_replaced(tmp_path: Path) -> None:
    """A worker that died between two files (here killed from outside while idle): the file
    sent to it goes to its replacement; no file is lost or blamed, and the scan does not stop
    on the broken pipe."""
    import os
    import signal

    from PIL import Image

    from imgeda_ci.scan.pool import Job, LocalPool
    from imgeda_ci.scan.settings import Settings

    jobs = []
    for i in range(6):
        Image.new("RGB", (40, 30), (i * 30, 90, 30)).save(tmp_path / f"{i}.png")
        jobs.append(Job(i, str(tmp_path / f"{i}.png")))
    pool = LocalPool(Settings(), 2).start()
    dead = pool._started[0].proc
    assert dead.pid is not None
    os.kill(dead.pid, signal.SIGKILL)
    dead.join(5)
    out = dict(pool.run(jobs))
    assert set(out) == set(range(6))
    assert all(rec["error"] is None for rec in out.values())
    assert pool.restarts == 1
