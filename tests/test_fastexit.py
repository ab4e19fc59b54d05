"""The console script's exit: exit handlers run and output is flushed, but what a run kept is
never torn down; outside the console script, keep() holds nothing."""

from __future__ import annotations

import gc
import subprocess
import sys
import weakref

from imgeda_ci import fastexit

SCRIPT = """
import atexit, sys
from imgeda_ci import fastexit

class Loud:
    def __del__(self):
        print("freed", flush=True)

atexit.register(lambda: print("exit handler"))
fastexit.arm()
fastexit.keep(Loud())
sys.stdout.write("buffered ")
fastexit.exit(3)
"""


def test_exit_runs_handlers_flushes_and_frees_nothing() -> None:
    proc = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True)
    assert proc.returncode == 3
    assert proc.stdout == "buffered exit handler\n"  # no "freed": the object outlived the run


class _Big:
    pass


def test_keep_holds_nothing_unless_armed() -> None:
    assert not fastexit._armed  # the test process is not the console script
    obj = _Big()
    ref = weakref.ref(obj)
    fastexit.keep(obj)
    del obj
    gc.collect()
    assert ref() is None
