"""The console script's exit: exit handlers run and output is flushed, but what a command kept
is never torn down; outside the console script, nothing is kept."""

from __future__ import annotations

import gc
import subprocess
import sys
import weakref

from imgeda_ci import cli

SCRIPT = """
import atexit, sys
from imgeda_ci import cli

class Loud:
    def __del__(self):
        print("freed", flush=True)

atexit.register(lambda: print("exit handler"))
kept = [Loud()]
sys.stdout.write("buffered ")
cli.exit_now(3)
"""


def test_exit_runs_handlers_flushes_and_frees_nothing() -> None:
    proc = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True)
    assert proc.returncode == 3
    assert proc.stdout == "buffered exit handler\n"  # no "freed": the object outlived the run


class _Big:
    pass


def test_keep_holds_nothing_outside_the_console_script() -> None:
    obj = _Big()
    ref = weakref.ref(obj)
    cli._forget(obj)  # what main() gives a command as args.keep unless run() calls it
    del obj
    gc.collect()
    assert ref() is None


def test_the_console_script_ends_with_the_command_exit_code() -> None:
    code = "import sys; from imgeda_ci.cli import run; run(sys.argv[1:])"
    proc = subprocess.run(
        [sys.executable, "-c", code, "no-such-command"], capture_output=True, text=True
    )
    assert proc.returncode == 1
    assert "invalid choice" in proc.stderr
