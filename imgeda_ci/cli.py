"""Command-line entry point: parse arguments, call the engine, map errors to exit codes.

Each subcommand lives in ``imgeda_ci/commands/<name>.py`` and exposes
``add_parser(subparsers) -> argparse.ArgumentParser`` whose parser sets ``func`` (a callable
taking the parsed namespace and returning an exit code). Command modules are imported only to
build the parser, and heavy libraries are imported inside ``func``, so ``--help`` stays fast.
"""

from __future__ import annotations

import argparse
import atexit
import gc
import importlib
import os
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn

from imgeda_ci import __version__
from imgeda_ci.errors import EXIT_ERROR, UserError

#: Subcommands in the order ``--help`` lists them (module names under imgeda_ci.commands).
COMMANDS: tuple[str, ...] = (
    "ci",
    "scan",
    "info",
    "export",
    "demo",
    "diff",
    "checks",
    "check",
    "gate",
    "report",
    "plot",
    "comment",
    "precommit",
    "init",
)

EPILOG = """\
exit codes:
  0  passed (or the command did its job)
  1  the tool could not run: bad arguments, unreadable input, invalid policy, internal error
  2  the policy failed (gate / ci)

Run 'imgeda-ci COMMAND --help' for the options of one command.
"""


class _Parser(argparse.ArgumentParser):
    """argparse exits 2 on a usage error; here 2 means "the policy failed", so a mistyped
    flag must not look like a failed gate: usage errors exit 1, in one line plus the usage."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_ERROR, f"imgeda-ci: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="imgeda-ci",
        description="A quality gate for image datasets: scan images into a manifest, check them, "
        "compare with the base branch, gate on a YAML policy and report.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"imgeda-ci {__version__}")
    parser.add_argument(
        "--debug", action="store_true", help="show a traceback when the tool fails internally"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMANDS:
        module = importlib.import_module(f"imgeda_ci.commands.{name}")
        p = module.add_parser(sub)
        if p.epilog is None:
            p.epilog = EPILOG
            p.formatter_class = argparse.RawDescriptionHelpFormatter
    return parser


def _forget(obj: object) -> None:
    """What a command's ``args.keep`` does outside the console script: nothing."""


def main(argv: Sequence[str] | None = None, keep: Callable[[object], None] = _forget) -> int:
    """Run one command; its exit code. ``keep``: given large results a command may hand it
    (``args.keep``) instead of freeing them (see :func:`run`)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return EXIT_ERROR
    args.keep = keep
    try:
        code: int = args.func(args)
        return code
    except UserError as exc:  # one line a problem (a policy may have several)
        for line in str(exc).splitlines() or [""]:
            print(f"imgeda-ci: error: {line}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("imgeda-ci: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_ERROR
    except Exception as exc:  # the one error boundary: never a traceback unless --debug
        if args.debug:
            raise
        print(
            f"imgeda-ci: internal error: {type(exc).__name__}: {exc} "
            "(re-run with --debug for a traceback, and please report it)",
            file=sys.stderr,
        )
        return EXIT_ERROR


def run(argv: Sequence[str] | None = None) -> NoReturn:
    """The console script: :func:`main` under this process's tuning, then the process ends at
    once, without freeing what the run built.

    A manifest is millions of small acyclic dicts and lists; with the default thresholds the
    cyclic collector re-scans them over and over while they are created (parsing 50k records
    takes 2.5x as long): it collects far less often here, as nothing makes many reference
    cycles. And a run can end holding gigabytes of small objects (two manifests' records):
    freeing them one by one is pure waiting when the operating system takes the whole address
    space back at once, so what a command keeps is held until :func:`exit_now`."""
    gc.set_threshold(100_000, 50, 50)
    kept: list[object] = []
    exit_now(main(argv, keep=kept.append))


def exit_now(code: int) -> NoReturn:
    """Run the exit handlers, flush the standard streams and end the process with ``code``,
    without the interpreter's teardown. Every file must be closed and every child joined."""
    run_exit_handlers = getattr(atexit, "_run_exitfuncs", None)
    if run_exit_handlers is None:  # an interpreter without it: the ordinary, slower exit
        sys.exit(code)
    run_exit_handlers()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
