"""imgeda_ci.dupes.verdictmemo: verdicts kept by the thumbnails' content, the turn and weakness."""

from __future__ import annotations

import numpy as np
import pytest

from imgeda_ci.dupes.verdictmemo import UNKNOWN, MemoState, VerdictMemo, code

INT = np.int64


def test_equal_thumbnails_have_one_id_and_a_missing_one_none() -> None:
    memo = VerdictMemo()
    ids = memo.ids(["aaa", "bbb", "aaa", None, 7, "bbb"])
    assert ids[0] == ids[2] and ids[1] == ids[5] and ids[0] != ids[1]
    assert ids[3] == -1 and ids[4] == -1
    assert memo.ids(["bbb"])[0] == ids[1]  # the same id later on


def test_a_verdict_is_kept_per_ordered_pair_turn_and_weakness() -> None:
    memo = VerdictMemo()
    a, b, c = memo.ids(["a", "b", "c"]).tolist()
    ta, tb = np.array([a, a], INT), np.array([b, c], INT)
    assert memo.get(ta, tb, code(np.zeros(2, INT), False)).tolist() == [UNKNOWN, UNKNOWN]
    memo.put(ta, tb, code(np.array([0, 5], INT), False), np.array([1, 2], np.int8))
    assert memo.get(ta, tb, code(np.array([0, 5], INT), False)).tolist() == [1, 2]
    assert memo.get(ta, tb, code(np.array([0, 5], INT), True)).tolist() == [UNKNOWN, UNKNOWN]
    assert memo.get(ta, tb, code(np.array([1, 0], INT), False)).tolist() == [UNKNOWN, UNKNOWN]
    assert memo.get(tb, ta, code(np.array([0, 5], INT), False)).tolist() == [UNKNOWN, UNKNOWN]
    memo.put(ta[:1], tb[:1], code(np.array([3], INT), True), np.array([-1], np.int8))
    both = np.concatenate([code(np.array([0], INT), False), code(np.array([3], INT), True)])
    assert memo.get(ta[[0, 0]], tb[[0, 0]], both).tolist() == [1, -1]  # -1: a verdict too
    assert memo.verified == 3


def test_a_memo_taken_in_elsewhere_answers_under_its_own_ids() -> None:
    """Another process numbers the thumbnails in its own order: merged, its verdicts are found
    by content, and what this memo knew stays."""
    theirs = VerdictMemo()
    x, y, z = theirs.ids(["x", "y", "z"]).tolist()
    theirs.put(
        np.array([x, z], INT),
        np.array([y, x], INT),
        np.array([0, 9], INT),
        np.array([1, 0], np.int8),
    )
    mine = VerdictMemo()
    z2, w2 = mine.ids(["z", "w"]).tolist()
    mine.put(np.array([z2], INT), np.array([w2], INT), np.array([2], INT), np.array([2], np.int8))
    state = theirs.state()
    mine.merge(MemoState(state.digests, state.keys, state.kinds))
    x2, y2 = mine.ids(["x", "y"]).tolist()
    got = mine.get(
        np.array([x2, z2, z2], INT), np.array([y2, x2, w2], INT), np.array([0, 9, 2], INT)
    )
    assert got.tolist() == [1, 0, 2]
    with pytest.raises(ValueError):
        mine.merge(MemoState(b"short", state.keys, state.kinds))
