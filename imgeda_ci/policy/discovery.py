"""Finding the policy when ``-p`` names none: ``imgeda-ci.yml`` or ``.imgeda-ci.yml`` at the
repository's root, else a ``[tool.imgeda-ci]`` table in its ``pyproject.toml``; the first found
is used, and the command says which. Outside a git repository the current folder stands for
the root. Nothing found: the built-in defaults.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

from imgeda_ci.policy.model import PolicyError

NAMES = ("imgeda-ci.yml", ".imgeda-ci.yml")
PYPROJECT = "pyproject.toml"
TABLE = "imgeda-ci"  # [tool.imgeda-ci]


def git_toplevel(near: Path) -> Path | None:
    """The root of the git work tree holding ``near`` (a file or folder); None outside one."""
    folder = near if near.is_dir() else near.parent
    try:
        proc = subprocess.run(
            ["git", "-C", str(folder), "rev-parse", "--show-toplevel"],
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError:
        return None
    out = proc.stdout.strip()
    return Path(out) if proc.returncode == 0 and out else None


def repository_root(near: Path) -> Path:
    """The root of the git work tree holding ``near``, else the current folder."""
    return git_toplevel(near) or Path.cwd()


def discover_policy(near: Path) -> Path | None:
    """The policy file for a dataset or manifest at ``near`` (see the module doc), or None."""
    root = repository_root(near)
    for name in NAMES:
        if (root / name).is_file():
            return root / name
    pyproject = root / PYPROJECT
    if pyproject.is_file() and pyproject_table(pyproject) is not None:
        return pyproject
    return None


def pyproject_table(path: Path) -> dict[str, Any] | None:
    """The ``[tool.imgeda-ci]`` table of a ``pyproject.toml`` (None when it has none)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError(f"{path}: cannot read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"{path}: not valid TOML: {exc}") from None
    table = data.get("tool", {}).get(TABLE)
    if table is not None and not isinstance(table, dict):
        raise PolicyError(f"{path}: [tool.{TABLE}] must be a table of policy keys")
    return table


def choose_policy(explicit: str | Path | None, near: Path) -> tuple[Path | None, str]:
    """The policy a command uses (``-p``, else :func:`discover_policy`, else None for the
    defaults), and a line saying which, for people."""
    if explicit:
        return Path(explicit), f"policy: {explicit}"
    found = discover_policy(near)
    if found is None:
        names = ", ".join(NAMES)
        return None, (
            f"no policy given (-p) or found ({names} or [tool.{TABLE}] in {PYPROJECT} at the "
            "repository root): the built-in defaults apply"
        )
    what = f"[tool.{TABLE}] in {found}" if found.name == PYPROJECT else str(found)
    return found, f"policy: {what} (found at the repository root)"


def policy_of(args: Any) -> Path | None:
    """For the commands that judge a manifest (``args.manifest``, ``args.policy``): the policy
    file to use; a discovered one is named on standard error."""
    found, said = choose_policy(args.policy, Path(args.manifest))
    if found is not None and not args.policy:
        print(f"imgeda-ci: {said}", file=sys.stderr)
    return found
