"""Errors that end a command with a one-line message and a documented exit code.

Exit codes (the same for every command):
  0  passed / done
  1  the tool could not run (bad arguments, unreadable input, invalid policy, internal error)
  2  the policy failed
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_POLICY_FAILED = 2


class UserError(Exception):
    """A problem with the user's input: printed as one line, exit code 1.

    The message should say what is wrong, where, and how to fix it.
    """

    exit_code = EXIT_ERROR
