"""One scan at a time per output: an exclusive lock (``fcntl.lockf``) on ``<output>.lock``.

Two scans writing the same manifest would append to one journal and rename over each other's
output; the second one is refused at once with a one-line error naming the first one's pid.
The lock file holds that pid and is removed when the scan ends; a scan killed with ``kill -9``
leaves the file but not the lock (the kernel drops it with the process), so the next scan
takes it. A POSIX record lock, not ``flock``: it belongs to this process alone, so the
workers it forks do not hold it and cannot keep it after a ``kill -9`` of the scan. A lock file
removed by a finishing scan while another one opened it is detected (its
inode is no longer the path's) and opened again.
"""

from __future__ import annotations

import errno
import fcntl
import os
from pathlib import Path
from types import TracebackType

from imgeda_ci.errors import UserError


def lock_path(output: Path) -> Path:
    return output.with_name(output.name + ".lock")


class OutputLock:
    """``with OutputLock(output):`` holds the output's lock, or raises a one-line
    :class:`UserError` when another process holds it."""

    def __init__(self, output: Path) -> None:
        self.output = output
        self.path = lock_path(output)
        self._fd = -1

    def __enter__(self) -> OutputLock:
        try:
            self.output.parent.mkdir(parents=True, exist_ok=True)
            while self._fd < 0:
                self._fd = self._take()
        except OSError as exc:
            raise UserError(f"{self.output}: cannot write here: {exc.strerror}") from None
        return self

    def _take(self) -> int:
        """The locked file's descriptor, or -1 when the file was removed meanwhile."""
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EACCES):
                os.close(fd)
                raise
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "?"
            os.close(fd)
            raise UserError(
                f"another imgeda-ci scan is writing {self.output} (pid {holder}); "
                "wait for it or choose another --output"
            ) from None
        try:
            same = os.stat(self.path).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            same = False
        if not same:  # removed by the scan that held it: take the new one
            os.close(fd)
            return -1
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        return fd

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self.path.unlink()  # while still held: no one else has taken this file
        except OSError:
            pass
        os.close(self._fd)
        self._fd = -1
