"""imgeda_ci.dupes.search: what is on its way is taken in once, when a search first needs it."""

from __future__ import annotations

import numpy as np

from imgeda_ci.dupes.search import DupeSearch


def test_the_loader_runs_once_at_the_first_search_and_never_before() -> None:
    calls: list[int] = []
    search = DupeSearch()
    search.expect(lambda s: calls.append(1))
    assert calls == []  # nothing is taken in before someone needs it
    search.memo(7)
    search.memo(7)
    assert calls == [1]
    unused = DupeSearch()
    unused.expect(lambda s: calls.append(2))  # never needed: never called
    assert calls == [1]


def test_duplicate_searches_wait_for_what_is_arriving() -> None:
    """The pair memory and the content keys both take the arriving inputs in first."""
    seen: list[str] = []
    search = DupeSearch()
    search.expect(lambda s: seen.append("memo"))
    search.memo(7).query(np.zeros((2, 4), dtype=np.uint64))
    search.expect(lambda s: seen.append("content"))
    search.content([{"path": "a.jpg", "sha256": "ab", "error": None}])  # type: ignore[list-item]
    assert seen == ["memo", "content"]


def test_a_loader_may_itself_use_the_searches() -> None:
    """A loader that restores a memory (memo inside it) does not run itself again."""
    calls: list[int] = []

    def load(search: DupeSearch) -> None:
        calls.append(1)
        search.memo(9)

    search = DupeSearch()
    search.expect(load)
    assert search.memo(9) is search.memo(9)
    assert calls == [1]


def test_one_columns_object_per_record_list() -> None:
    records = [{"path": "a.jpg"}, {"path": "b.jpg"}]
    search = DupeSearch()
    cols = search.columns(records)  # type: ignore[arg-type]
    assert search.columns(records) is cols  # type: ignore[arg-type]
    assert search.columns(list(records)) is not cols  # type: ignore[arg-type]
