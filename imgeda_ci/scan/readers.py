"""Read the bytes behind a locator: a local path, a git blob (``git-blob:GITDIR:OID``), or a
remote object: a URL (``s3://``, ``gs://``, ``az://``, ``https://``) or ``remote:LIMIT:URL``
(see :mod:`imgeda_ci.scan.remote`, imported only for those).

Workers call :func:`read_locator`; it never raises, it returns (bytes, None) or (None, error).
"""

from __future__ import annotations

import subprocess

from imgeda_ci.model import ErrorInfo

GIT_BLOB = "git-blob:"


def _error(code: str, message: str) -> ErrorInfo:
    return {"code": code, "message": message[:300]}


def read_bytes(path: str) -> tuple[bytes | None, ErrorInfo | None]:
    try:
        with open(path, "rb") as fh:
            return fh.read(), None
    except FileNotFoundError:
        return None, _error("vanished", "the file disappeared before it could be read")
    except PermissionError:
        return None, _error("permission_denied", "permission denied; check the file's mode")
    except IsADirectoryError:
        return None, _error("read_error", "is a directory")
    except OSError as exc:
        return None, _error("read_error", f"{exc.strerror or exc}")


def git_blob_locator(git_dir: str, oid: str) -> str:
    return f"{GIT_BLOB}{git_dir}:{oid}"


def read_git_blob(locator: str) -> tuple[bytes | None, ErrorInfo | None]:
    git_dir, _, oid = locator[len(GIT_BLOB) :].rpartition(":")
    try:
        proc = subprocess.run(
            ["git", "--git-dir", git_dir, "cat-file", "blob", oid],
            capture_output=True,
            timeout=120,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return None, {"code": "read_error", "message": f"git cat-file failed: {exc}"}
    if proc.returncode != 0:
        msg = proc.stderr.decode("utf-8", "replace").strip() or "git cat-file failed"
        return None, {"code": "vanished", "message": msg[:300]}
    return proc.stdout, None


def read_locator(locator: str) -> tuple[bytes | None, ErrorInfo | None]:
    if locator.startswith(GIT_BLOB):
        return read_git_blob(locator)
    if locator.startswith("remote:") or "://" in locator[:10]:
        from imgeda_ci.scan.remote import is_remote, read_remote

        if locator.startswith("remote:") or is_remote(locator):
            return read_remote(locator)
    return read_bytes(locator)
