"""The base branch's evaluation, in a second process while the head is scanned and evaluated.

``imgeda-ci ci`` with a committed base manifest has two independent halves: the base (parse its
manifest, evaluate it) and the head (scan, evaluate), joined by the diff. On a machine with a
second core, :func:`start` forks a child that takes the manifest's bytes and does the base half
on its own: no objects are shared with the parent after the fork, so neither process pays
copy-on-write for the other's refcounts. The child sends, in this order (:data:`MESSAGES`):

1. the base's image-check outcomes, which the head's evaluation takes for every image the
   change left alone;
2. the complete near-pair relation of the base's pHashes at the radii the policy's duplicate
   checks use (:mod:`imgeda_ci.dupes.pairmemo`): the head's duplicate search then only
   compares the images a change added with the base, instead of searching 50,000 hashes from
   scratch; with it, the base's content keys (:class:`~imgeda_ci.dupes.content.Content`),
   which the head's search for duplicates of base images reads;
3. the base's half of the diff (totals and metric columns);
4. the base's :class:`~imgeda_ci.evaluate.Evaluation`.

The parent takes each when it first needs it: the near pairs when its first duplicate search
does (:mod:`imgeda_ci.dupes.awaited`), so its other checks run while the child searches; the
diff's half once the head is evaluated. A message nobody asked for (no duplicate check
enabled) is skipped when a later one is asked for. The answers are the ones the parent would
compute itself (the near relation is exact, the evaluation runs the same code on the same
records); a test holds a parallel run to a sequential one. Whenever the child cannot help (no
fork on this platform, one core, the child fails or dies) the parent does the work itself, as
it would without this module.
"""

from __future__ import annotations

import copyreg
import multiprocessing as mp
import os
import queue
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import replace
from multiprocessing.connection import Connection
from types import MappingProxyType
from typing import Any

from imgeda_ci.columns import columns_for
from imgeda_ci.diff import Side
from imgeda_ci.evaluate import Evaluation
from imgeda_ci.model import ImageRecord
from imgeda_ci.policy import Policy

#: Set to False to always evaluate the base in-process (tests compare both ways).
ENABLED = True
#: Seconds the parent waits for one message before doing the work itself.
MAX_WAIT = 600.0


def _proxy(d: dict[Any, Any]) -> MappingProxyType[Any, Any]:
    return MappingProxyType(d)


def _reduce_proxy(m: MappingProxyType[Any, Any]) -> tuple[Any, tuple[dict[Any, Any]]]:
    return _proxy, (dict(m),)


# read-only mappings (finding data, check options) travel as what they are
copyreg.pickle(MappingProxyType, _reduce_proxy)


def _radii(policy: Policy) -> list[int]:
    """The near-duplicate radii whose relation the duplicate and leakage checks remember."""
    from imgeda_ci.checks.duplicates import near_options
    from imgeda_ci.checks.registry import all_checks

    checks = all_checks()
    out: set[int] = set()
    for cid in ("near_duplicate", "leakage"):
        check = checks.get(cid)
        if check is None:
            continue
        st = policy.resolve(check)
        if st.severity != "off":
            out.add(near_options(st.threshold, st.options).threshold)
    return sorted(out)


#: what the parent has already (its own copy of the base's records gives the paths and hashes)
_KEPT_HOME = ("policy", "paths", "shas")


def _fields(ev: Evaluation) -> dict[str, Any]:
    return {k: v for k, v in vars(ev).items() if k not in _KEPT_HOME}


def _child(conn: Connection, data: bytes, name: str, policy: Policy) -> None:
    # A message waits in the pipe until the parent asks for it, which may be long after it
    # is made: a thread sends, so the work goes on meanwhile.
    outbox: queue.Queue[tuple[str, Any] | None] = queue.Queue()

    def send() -> None:
        while (item := outbox.get()) is not None:
            try:
                conn.send(item)
            except (OSError, ValueError):  # the parent has gone or given up
                return

    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    try:
        _work(outbox.put, data, name, policy)
    except BaseException as exc:  # the parent falls back; it must hear why, not hang
        outbox.put(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        outbox.put(None)
        sender.join()
        conn.close()


def _work(post: Callable[[tuple[str, Any]], None], data: bytes, name: str, policy: Policy) -> None:
    from imgeda_ci import manifest
    from imgeda_ci.checks.registry import ImageCheck, all_checks
    from imgeda_ci.columns import shared
    from imgeda_ci.diff import side_of
    from imgeda_ci.dupes import pairmemo
    from imgeda_ci.dupes.content import content_of
    from imgeda_ci.evaluate import evaluate

    header, records = manifest.loads(data, name)[:2]  # the lines: freed now, for reuse
    with shared():
        image_ids = [c.id for c in all_checks().values() if isinstance(c, ImageCheck)]
        images = evaluate(records, policy, header=header, only=image_ids)
        post(("images", _fields(images)))
        content = content_of(records)
        hashes = content.phash[content.hashed]
        memos = {}
        for radius in _radii(policy):
            memo = pairmemo.memo_for(radius)
            memo.query(hashes)
            memos[radius] = memo.state()
        post(("memos", (memos, replace(content, records=()))))
        side = side_of(records)  # the base's half of the diff; paths and hashes came above
        post(("diff", replace(side, paths=(), shas=())))
        ev = evaluate(records, policy, header=header, reuse=images)
    post(("evaluation", _fields(ev)))


#: the messages the child sends, in their order
MESSAGES = ("images", "memos", "diff", "evaluation")


def _before(got: str, kind: str) -> bool:
    """Whether message ``got`` comes before ``kind`` in :data:`MESSAGES`."""
    return got in MESSAGES and kind in MESSAGES and MESSAGES.index(got) < MESSAGES.index(kind)


class BaseJob:
    """A running child (see the module doc); every method falls back to None on trouble."""

    def __init__(self, data: bytes, name: str, policy: Policy) -> None:
        self.policy = policy
        ctx = mp.get_context("fork")
        self._conn, child_conn = ctx.Pipe(duplex=False)
        self._proc = ctx.Process(target=_child, args=(child_conn, data, name, policy))
        self._proc.daemon = True
        self._proc.start()
        child_conn.close()
        self._failed = False

    def _recv(self, kind: str) -> Any:
        if self._failed:
            return None
        got, payload = "error", "the base process ended early"
        try:
            while True:
                waited = 0.0
                while not self._conn.poll(1.0):  # a child that dies or hangs is given up on
                    waited += 1.0
                    if not self._proc.is_alive() or waited > MAX_WAIT:
                        raise EOFError
                got, payload = self._conn.recv()
                if not _before(got, kind):
                    break  # (a message sent before this one that nobody asked for is dropped)
        except (EOFError, OSError):
            pass
        if got == kind:
            return payload
        self._failed = True
        self.close()
        return None

    def _evaluation(self, kind: str, records: Sequence[ImageRecord]) -> Evaluation | None:
        fields = self._recv(kind)
        if fields is None:
            return None
        cols = columns_for(records)  # as evaluate() reads them
        cols.prefetch(["path", "sha256"])
        paths, shas = list(cols.raw("path")), list(cols.raw("sha256"))
        return Evaluation(policy=self.policy, paths=paths, shas=shas, **fields)

    def image_outcomes(self, records: Sequence[ImageRecord]) -> Evaluation | None:
        """The base's image-check outcomes (an evaluation of the image checks only): the head
        takes them for every image the change left alone (``evaluate(reuse=...)``).
        ``records``: this process's copy of the base's records."""
        return self._evaluation("images", records)

    def diff_side(self, images: Evaluation) -> Side | None:
        """The base's half of the diff (:class:`~imgeda_ci.diff.Side`); its paths and content
        hashes are those of ``images``, the evaluation :meth:`image_outcomes` gave."""
        side = self._recv("diff")
        if side is None:
            return None
        assert isinstance(side, Side)
        return replace(side, paths=images.paths, shas=images.shas)

    def seed_memos(self, records: Sequence[ImageRecord]) -> bool:
        """Wait for the base's near-pair relation and hand it to this process's pair memory;
        also take the base's content keys (:func:`~imgeda_ci.dupes.content.content_of`) as
        those of ``records``, this process's copy of the base (inside
        :func:`imgeda_ci.columns.shared`, for the head's duplicate searches)."""
        from imgeda_ci.dupes import pairmemo
        from imgeda_ci.dupes.content import adopt

        got = self._recv("memos")
        if got is None:
            return False
        memos, content = got
        for radius, state in memos.items():
            pairmemo.memo_for(radius).restore(state)
        adopt(records, content)
        return True

    def evaluation(self, records: Sequence[ImageRecord]) -> Evaluation | None:
        """The base's evaluation (None: evaluate it in this process instead); ``records`` as
        for :meth:`image_outcomes`."""
        ev = self._evaluation("evaluation", records)
        self.close()
        return ev

    def close(self) -> None:
        self._conn.close()
        if self._proc.is_alive():
            self._proc.join(0.5)
        if self._proc.is_alive():
            self._proc.kill()
            self._proc.join(1)


def start(data: bytes, name: str, policy: Policy) -> BaseJob | None:
    """A child evaluating the base manifest ``data`` (see the module doc), or None where this
    cannot help: not Linux (fork), fewer than two cores, or turned off."""
    if not ENABLED or not sys.platform.startswith("linux"):
        return None
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    if (cores or 1) < 2:
        return None
    for stream in (sys.stdout, sys.stderr):  # the child must not print the parent's buffer
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    try:
        return BaseJob(data, name, policy)
    except OSError:
        return None
