"""The scan's journal (``<output>.partial``): every completed record, appended and flushed at
once, so that a ``kill -9`` loses at most the records in flight and a re-run continues from it.

Its first line names it and the analysis settings; each further line is a record (or, for one
reused by content, ``{"path", "_ref": sha256}``) with ``_stat``, the file's stat key when it
was read (see :mod:`imgeda_ci.scan.reuse`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO, Any

from imgeda_ci import manifest
from imgeda_ci.errors import UserError
from imgeda_ci.scan.store import RecordStore

JOURNAL_KEY = "imgeda_ci_journal"
_RESUME = "free some space (or raise the limit) and run again: the scan resumes where it stopped"


def journal_path(output: Path) -> Path:
    return output.with_name(output.name + ".partial")


class Journal:
    """The journal of a scan into ``output``, indexed into ``store`` and opened for appending.

    ``entries``: path -> (offset, stat key) of the records an interrupted scan left (last one
    wins); ``fidx``: the journal's file index in ``store``, where appended records are read."""

    def __init__(self, output: Path, store: RecordStore) -> None:
        self.path = journal_path(output)
        self.entries = store.add_journal(self.path)
        self._fh = self._open(output, store)
        self.fidx = store.attach(self.path.open("rb"))
        self.offset = self._fh.tell()

    def _open(self, output: Path, store: RecordStore) -> IO[bytes]:
        """Open for appending: after the last whole record of an existing journal (a torn
        last line dropped), else in a new one with its first line."""
        try:
            output.parent.mkdir(parents=True, exist_ok=True)
            fh: IO[bytes]
            if self.entries:
                fh = self.path.open("r+b")
                fh.truncate(store.journal_end)
                fh.seek(store.journal_end)
                return fh
            fh = self.path.open("wb")
            fh.write(manifest.dumps({JOURNAL_KEY: 1, "settings_hash": store.settings_hash}))
            fh.flush()
            return fh
        except OSError as exc:
            raise UserError(f"{output}: cannot write here: {exc.strerror}") from None

    def append(self, obj: dict[str, Any]) -> int:
        """Write one record and flush it (a kill -9 now loses nothing already completed);
        return its offset."""
        line = manifest.dumps(obj)
        at = self.offset
        try:
            self._fh.write(line)
            self._fh.flush()
        except OSError as exc:  # a full disk: what is journaled so far still resumes
            raise manifest.cannot_write(self.path, exc, _RESUME) from None
        self.offset += len(line)
        return at

    def close(self) -> None:
        """Make the journal durable. Every record was flushed as it was appended, so a write
        that fails now (after a full disk stopped the scan) only loses a torn last line, which
        a re-run drops: it is not an error of its own."""
        try:
            self._fh.flush()
            os.fsync(self._fh.fileno())
        except OSError:
            pass
        try:
            self._fh.close()
        except OSError:
            pass

    def remove(self) -> None:
        """Delete the journal once the manifest is written."""
        try:
            self.path.unlink()
        except OSError:
            pass
