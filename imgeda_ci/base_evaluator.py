"""The base branch's evaluation, behind one seam: in this process, or in a second one.

``imgeda-ci ci`` with a base has two halves, the base (its evaluation) and the head (scan,
evaluate), joined by the diff. The head's run asks the base five questions, through a
:class:`BaseEvaluator` it is given:

1. :meth:`~BaseEvaluator.image_outcomes`: the base's image-check outcomes, which the head's
   evaluation takes for every image the change left alone (None: nothing to offer);
2. :meth:`~BaseEvaluator.near_pairs`: the complete near-pair relation of the base's pHashes at
   the radii the policy's duplicate checks use, and the base's content keys, handed to the
   run's :class:`~imgeda_ci.dupes.search.DupeSearch` (the head's duplicate search then only
   compares the images a change added with the base). The run registers it with
   :meth:`DupeSearch.expect <imgeda_ci.dupes.search.DupeSearch.expect>`, so it is asked only
   when the first duplicate search needs it and the head's other checks run meanwhile;
3. :meth:`~BaseEvaluator.verdicts`: the verdicts of the candidate pairs the base's evaluation
   verified (:class:`~imgeda_ci.dupes.verdictmemo.VerdictMemo`, keyed by the thumbnails'
   content), merged into the run's memo when the head's first verification needs them
   (:meth:`DupeSearch.expect_verdicts
   <imgeda_ci.dupes.search.DupeSearch.expect_verdicts>`): the head then verifies only the
   pairs a change touched;
4. :meth:`~BaseEvaluator.diff_side`: the base's half of the diff (None: the diff reads it);
5. :meth:`~BaseEvaluator.evaluation`: the base's :class:`~imgeda_ci.evaluate.Evaluation`.

:class:`InProcessEvaluator` is the reference: it offers nothing ahead and evaluates the base
after the head, reusing the head's image outcomes and, through the run's shared
:class:`~imgeda_ci.dupes.search.DupeSearch`, its verdicts. :class:`ForkedEvaluator` (Linux, a
second core) forks a child that takes the manifest's bytes and does the base half on its own:
no objects are shared with the parent after the fork, so neither process pays copy-on-write for
the other's refcounts. The child sends its answers as it has them (:data:`MESSAGES`: the
verdicts once its whole evaluation is done, just before it); the parent keeps a message until
it asks for it, and one nobody asks for (no duplicate check enabled) is never used. Each pair of
unchanged pictures is verified once: by the child, whose verification runs while the head is
scanned and its other checks run. The answers are the ones the reference gives (the near
relation is exact, a verdict depends only on the two thumbnails and the turn, the evaluation
runs the same code on the same records); a test holds one to the other. Whenever the child
cannot help (it fails or dies) the forked evaluator answers as the reference does.
"""

from __future__ import annotations

import copyreg
import multiprocessing as mp
import os
import queue
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection
from types import MappingProxyType
from typing import Any, Protocol

from imgeda_ci.diff import Side
from imgeda_ci.dupes.search import DupeSearch
from imgeda_ci.dupes.verdictmemo import MemoState
from imgeda_ci.evaluate import Evaluation, evaluate
from imgeda_ci.model import ImageRecord, ManifestHeader
from imgeda_ci.policy import Policy

#: Seconds the parent waits for one message before doing the work itself.
MAX_WAIT = 600.0


def _proxy(d: dict[Any, Any]) -> MappingProxyType[Any, Any]:
    return MappingProxyType(d)


def _reduce_proxy(m: MappingProxyType[Any, Any]) -> tuple[Any, tuple[dict[Any, Any]]]:
    return _proxy, (dict(m),)


# read-only mappings (finding data, check options) travel as what they are
copyreg.pickle(MappingProxyType, _reduce_proxy)


@dataclass
class BaseManifest:
    """The base as this process holds it: its header and records."""

    header: ManifestHeader | None
    records: list[ImageRecord]


class BaseEvaluator(Protocol):
    """What the head's run asks of the base (see the module doc). ``base``: this process's
    copy of the base; ``search``: the run's shared duplicate-search state."""

    def image_outcomes(self, base: BaseManifest, search: DupeSearch) -> Evaluation | None: ...

    def near_pairs(self, base: BaseManifest, search: DupeSearch) -> None: ...

    def verdicts(self, base: BaseManifest, search: DupeSearch) -> None: ...

    def diff_side(self, base: BaseManifest, search: DupeSearch) -> Side | None: ...

    def evaluation(
        self, base: BaseManifest, head: Evaluation, search: DupeSearch
    ) -> Evaluation: ...

    def close(self) -> None: ...


class StartBase(Protocol):
    """How a run gets the evaluator of a committed base manifest: (its bytes, where it is from,
    the policy, the verdicts the run starts from) -> the evaluator."""

    def __call__(
        self, data: bytes, where: str, policy: Policy, seed: MemoState | None = None
    ) -> BaseEvaluator: ...


class InProcessEvaluator:
    """The reference: the base is evaluated here, after the head, reusing its image outcomes;
    nothing is offered ahead."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy

    def image_outcomes(self, base: BaseManifest, search: DupeSearch) -> Evaluation | None:
        return None

    def near_pairs(self, base: BaseManifest, search: DupeSearch) -> None:
        return None  # the searches compute the base's pairs themselves

    def verdicts(self, base: BaseManifest, search: DupeSearch) -> None:
        return None  # the base's evaluation, after the head's, shares the search's memo

    def diff_side(self, base: BaseManifest, search: DupeSearch) -> Side | None:
        return None

    def evaluation(self, base: BaseManifest, head: Evaluation, search: DupeSearch) -> Evaluation:
        return evaluate(
            base.records,
            self.policy,
            header=base.header,
            reuse=head,
            cols=search.columns(base.records),
            search=search,
        )

    def close(self) -> None:
        return None


def in_process(
    data: bytes, where: str, policy: Policy, seed: MemoState | None = None
) -> BaseEvaluator:
    """A :class:`StartBase` giving the :class:`InProcessEvaluator` (the bytes are not needed:
    the run parses them for the head's scan anyway; the verdicts are in the run's search)."""
    return InProcessEvaluator(policy)


#: what the parent has already (its own copy of the base's records gives the paths and hashes)
_KEPT_HOME = ("policy", "paths", "shas")


def _fields(ev: Evaluation) -> dict[str, Any]:
    return {k: v for k, v in vars(ev).items() if k not in _KEPT_HOME}


def _child(
    conn: Connection, data: bytes, name: str, policy: Policy, seed: MemoState | None
) -> None:
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
        _work(outbox.put, data, name, policy, seed)
    except BaseException as exc:  # the parent falls back; it must hear why, not hang
        outbox.put(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        outbox.put(None)
        sender.join()
        conn.close()


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


def _work(
    post: Callable[[tuple[str, Any]], None],
    data: bytes,
    name: str,
    policy: Policy,
    seed: MemoState | None,
) -> None:
    """The child's work: the answers of :class:`InProcessEvaluator`'s questions, in order.
    ``seed``: the verdicts the run starts from (a verdict file's); only those the base's
    evaluation used, and the ones it found, are sent back."""
    from imgeda_ci import manifest
    from imgeda_ci.checks.registry import ImageCheck, all_checks
    from imgeda_ci.diff import side_of

    header, records = manifest.loads(data, name, strict=True)[:2]  # the lines: freed now, for reuse
    search = DupeSearch()
    if seed is not None:
        search.verdict_memo().merge(seed, used=False)
    cols = search.columns(records)
    image_ids = [c.id for c in all_checks().values() if isinstance(c, ImageCheck)]
    images = evaluate(records, policy, header=header, only=image_ids, cols=cols)
    post(("images", _fields(images)))
    content = search.content(records)
    hashes = content.phash[content.hashed]
    memos = {}
    for radius in _radii(policy):
        memo = search.memo(radius)
        memo.query(hashes)
        memos[radius] = memo.state()
    post(("memos", (memos, replace(content, records=()))))
    side = side_of(records, cols)  # the base's half of the diff; paths and hashes came above
    post(("diff", replace(side, paths=(), shas=())))
    ev = evaluate(records, policy, header=header, reuse=images, cols=cols, search=search)
    post(("verdicts", search.verdict_memo().state(used_only=True)))
    post(("evaluation", _fields(ev)))


#: the messages the child sends, in their order
MESSAGES = ("images", "memos", "diff", "verdicts", "evaluation")


class ForkedEvaluator:
    """A running child (see the module doc); every answer falls back to the reference's
    (:class:`InProcessEvaluator`) on trouble."""

    def __init__(
        self, data: bytes, name: str, policy: Policy, seed: MemoState | None = None
    ) -> None:
        self.policy = policy
        self._reference = InProcessEvaluator(policy)
        ctx = mp.get_context("fork")
        self._conn, child_conn = ctx.Pipe(duplex=False)
        self._proc = ctx.Process(target=_child, args=(child_conn, data, name, policy, seed))
        self._proc.daemon = True
        self._proc.start()
        child_conn.close()
        self._failed = False
        self._inbox: dict[str, Any] = {}  # messages received before they were asked for

    def _recv(self, kind: str) -> Any:
        if kind in self._inbox:
            return self._inbox.pop(kind)
        if self._failed:
            return None
        try:
            while True:
                waited = 0.0
                while not self._conn.poll(1.0):  # a child that dies or hangs is given up on
                    waited += 1.0
                    if not self._proc.is_alive() or waited > MAX_WAIT:
                        raise EOFError
                got, payload = self._conn.recv()
                if got == kind:
                    return payload
                if got not in MESSAGES:
                    break  # an error: the child stops there
                self._inbox[got] = payload  # (one nobody asks for is never used)
        except (EOFError, OSError):
            pass
        self._failed = True
        self.close()
        return None

    def _evaluation(self, kind: str, base: BaseManifest, search: DupeSearch) -> Evaluation | None:
        fields = self._recv(kind)
        if fields is None:
            return None
        cols = search.columns(base.records)  # as evaluate() reads them
        cols.prefetch(["path", "sha256"])
        paths, shas = list(cols.raw("path")), list(cols.raw("sha256"))
        return Evaluation(policy=self.policy, paths=paths, shas=shas, **fields)

    def image_outcomes(self, base: BaseManifest, search: DupeSearch) -> Evaluation | None:
        """The base's image-check outcomes (an evaluation of the image checks only)."""
        return self._evaluation("images", base, search)

    def near_pairs(self, base: BaseManifest, search: DupeSearch) -> None:
        """Wait for the base's near-pair relation and content keys; hand them to ``search``."""
        got = self._recv("memos")
        if got is None:
            return
        memos, content = got
        for radius, state in memos.items():
            search.memo(radius).restore(state)
        search.adopt(base.records, content)

    def verdicts(self, base: BaseManifest, search: DupeSearch) -> None:
        """Wait for the verdicts of the base's evaluation; merge them into the run's memo."""
        got = self._recv("verdicts")
        if got is not None:
            search.verdict_memo().merge(got)

    def diff_side(self, base: BaseManifest, search: DupeSearch) -> Side | None:
        """The base's half of the diff, with this process's paths and content hashes."""
        side = self._recv("diff")
        if side is None:
            return None
        assert isinstance(side, Side)
        cols = search.columns(base.records)
        cols.prefetch(["path", "sha256"])
        return replace(side, paths=list(cols.raw("path")), shas=list(cols.raw("sha256")))

    def evaluation(self, base: BaseManifest, head: Evaluation, search: DupeSearch) -> Evaluation:
        """The child's evaluation of the base, or the reference's when it has none."""
        ev = self._evaluation("evaluation", base, search)
        # the verdicts came before the evaluation: taken in now if the head's verification
        # never asked for them, so that the run's verdict file keeps them
        search.verdict_memo()
        self.close()
        return ev if ev is not None else self._reference.evaluation(base, head, search)

    def close(self) -> None:
        self._inbox.clear()
        self._conn.close()
        if self._proc.is_alive():
            self._proc.join(0.5)
        if self._proc.is_alive():
            self._proc.kill()
            self._proc.join(1)


def cores() -> int:
    """The cores this process may run on."""
    n = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return n or 1


def forked(data: bytes, where: str, policy: Policy, seed: MemoState | None = None) -> BaseEvaluator:
    """A :class:`StartBase` giving a :class:`ForkedEvaluator` evaluating the manifest ``data``
    (see the module doc), starting from the verdicts ``seed``, or the reference when a process
    cannot be forked."""
    for stream in (sys.stdout, sys.stderr):  # the child must not print the parent's buffer
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    try:
        return ForkedEvaluator(data, where, policy, seed)
    except OSError:
        return InProcessEvaluator(policy)


def default() -> StartBase:
    """:func:`forked` where it helps (Linux, which forks, with a second core), else
    :func:`in_process`."""
    return forked if sys.platform.startswith("linux") and cores() >= 2 else in_process
