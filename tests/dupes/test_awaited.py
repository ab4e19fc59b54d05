"""imgeda_ci.dupes.awaited: inputs on their way are taken in once, when first needed."""

from __future__ import annotations

import numpy as np

from imgeda_ci.dupes import awaited, pairmemo
from imgeda_ci.dupes.content import content_of


def test_the_loader_runs_once_at_the_first_wait_and_is_dropped_after_the_block() -> None:
    calls: list[int] = []
    with awaited.arriving(lambda: calls.append(1)):
        assert calls == []  # nothing is taken in before someone needs it
        awaited.wait()
        awaited.wait()
        assert calls == [1]
    with awaited.arriving(lambda: calls.append(2)):
        pass  # never needed: never called
    awaited.wait()
    assert calls == [1]


def test_duplicate_searches_wait_for_what_is_arriving() -> None:
    """The pair memory and the content keys both take the arriving inputs in first."""
    seen: list[str] = []
    with awaited.arriving(lambda: seen.append("memo")):
        pairmemo.memo_for(7).query(np.zeros((2, 4), dtype=np.uint64))
    with awaited.arriving(lambda: seen.append("content")):
        content_of([{"path": "a.jpg", "sha256": "ab", "error": None}])  # type: ignore[list-item]
    assert seen == ["memo", "content"]


def test_a_loader_may_itself_use_the_searches() -> None:
    """A loader that restores a memory (memo_for inside it) does not run itself again."""
    calls: list[int] = []

    def load() -> None:
        calls.append(1)
        pairmemo.memo_for(9)

    with awaited.arriving(load):
        pairmemo.memo_for(9)
    assert calls == [1]
