"""The verdict file: a run's near-copy verdicts kept for the next run.

Verifying a candidate pair is the dearest step of a duplicate search (~3 ms of CPU a pair; a
copy-rich million images has ~0.9 million pairs). The verdicts depend on nothing but the two
thumbnails, the turn and the verifier (:mod:`imgeda_ci.dupes.verdictmemo`), so ``imgeda-ci ci``
keeps them beside its manifest, as the manifest keeps each image's measurements: the next run
verifies only the pairs a change made (a pull request changing 50 images verifies the pairs of
those 50).

A file holds a :class:`~imgeda_ci.dupes.verdictmemo.MemoState` and the *verifier key* it was made
under (:func:`verifier_key`: a digest of the verifying modules' source and numpy's version), so
a file made by another version of the verifier is never used: every verdict taken from a file is
the one verifying from scratch gives. Layout: the line ``imgeda-ci verdicts 1``, a JSON line
(``verifier``, ``thumbs``, ``pairs``), then the thumbnails' 16-byte digests, the pairs' keys
(little-endian uint64) and their verdict rows (int8, 16 per pair). Written to a temporary file and
renamed, so a crash leaves the old file whole. A file that cannot be used (damaged, from another
verifier, unreadable) is ignored with a one-line warning: the run verifies from scratch.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import orjson

from imgeda_ci.dupes import align, copypairs, fit, verdictmemo, verify
from imgeda_ci.dupes.verdictmemo import (
    CODES,
    DIGEST,
    UNKNOWN,
    MemoState,
    VerdictMemo,
    pair_ids,
)
from imgeda_ci.dupes.verify import LOCAL
from imgeda_ci.errors import UserError
from imgeda_ci.manifest import atomic_writer
from imgeda_ci.scan import thumb

MAGIC = b"imgeda-ci verdicts 1\n"
#: the modules whose code decides a verdict
VERIFIER: tuple[ModuleType, ...] = (verify, align, fit, thumb, copypairs, verdictmemo)


def verifier_key() -> str:
    """A digest of what decides a verdict: the source of the :data:`VERIFIER` modules and
    numpy's version ("" when a source cannot be read: then no file is used)."""
    h = hashlib.sha256(np.__version__.encode())
    for module in VERIFIER:
        try:
            h.update(Path(str(module.__file__)).read_bytes())
        except (OSError, TypeError):
            return ""
    return h.hexdigest()


def path_beside(manifest: Path) -> Path:
    """The verdict file of a manifest: ``manifest.jsonl`` -> ``manifest.verdicts``."""
    return manifest.with_suffix(".verdicts")


def read(path: Path, key: str) -> MemoState | None:
    """The verdicts of the file at ``path`` made under verifier ``key``; None (with a one-line
    warning on stderr, unless the file does not exist) when there are none to use."""
    try:
        got = parse(path.read_bytes(), key)
    except FileNotFoundError:
        return None
    except OSError as exc:
        got = f"cannot be read ({exc.strerror})"
    if isinstance(got, str):
        print(f"imgeda-ci: the verdict file {path} {got}; ignored: verifying anew", file=sys.stderr)
        return None
    return got


def load(path: Path, memo: VerdictMemo) -> tuple[str, MemoState | None]:
    """The verifier key and the verdicts of the file at ``path`` (:func:`read`), taken into
    ``memo`` as not used by the run yet (what the run then asks for, :func:`keep` writes back)."""
    key = verifier_key()
    seed = read(path, key)
    if seed is not None:
        memo.merge(seed, used=False)
    return key, seed


def parse(data: bytes, key: str) -> MemoState | str:
    """The verdicts in the bytes of a verdict file made under verifier ``key``, or why there
    are none to use."""
    if not data.startswith(MAGIC) or b"\n" not in data[len(MAGIC) :]:
        return "is not a verdict file"
    head, _, body = data[len(MAGIC) :].partition(b"\n")
    try:
        meta = orjson.loads(head)
        thumbs, pairs = int(meta["thumbs"]), int(meta["pairs"])
        made_by = str(meta["verifier"])
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
        return "has a damaged header"
    if not key or made_by != key:
        return "was made by another version of the verifier"
    if thumbs < 0 or pairs < 0 or len(body) != thumbs * DIGEST + pairs * (8 + CODES):
        return "is truncated or damaged"
    at = thumbs * DIGEST
    keys = np.frombuffer(body, dtype="<u8", count=pairs, offset=at).astype(np.uint64)
    kinds = np.frombuffer(body, dtype=np.int8, offset=at + 8 * pairs).reshape(pairs, CODES)
    named = np.maximum(*pair_ids(keys))
    if (pairs and int(named.max()) >= thumbs) or ((kinds < UNKNOWN) | (kinds > LOCAL)).any():
        return "is damaged"
    return MemoState(body[:at], keys, kinds.copy())


def write(path: Path, state: MemoState, key: str) -> None:
    """Write ``state`` under verifier ``key`` to ``path``, atomically, unless the file holds
    those bytes already (a committed file stays unmodified) or there is no key. A file that
    cannot be written is a warning: the next run verifies anew."""
    if not key:
        return
    pairs = len(state.keys)
    meta = {"verifier": key, "thumbs": len(state.digests) // DIGEST, "pairs": pairs}
    data = b"".join(
        (
            MAGIC,
            orjson.dumps(meta),
            b"\n",
            state.digests,
            np.asarray(state.keys, dtype="<u8").tobytes(),
            np.asarray(state.kinds, dtype=np.int8).reshape(pairs, CODES).tobytes(),
        )
    )
    try:
        if path.read_bytes() == data:
            return
    except OSError:
        pass
    try:
        with atomic_writer(path) as fh:
            fh.write(data)
    except UserError as exc:
        print(f"imgeda-ci: warning: verdicts not kept: {exc}", file=sys.stderr)


def keep(path: Path, memo: VerdictMemo, key: str, had: bool) -> None:
    """Write the verdicts ``memo`` used in the run to ``path`` (:func:`write`), unless the run
    asked for none while the file (``had``) held some: a policy without duplicate checks keeps
    the file for the next run that has them."""
    if memo.asked or not had:
        write(path, memo.state(used_only=True), key)
