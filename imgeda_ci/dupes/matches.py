"""What one image matches among indexed images: same bytes, same pixels, or a near pHash.

Leakage (an image against the other splits) and duplicates of the base (an added image against
the base) ask the same question of different sets; :class:`MatchIndex` answers it once for
both. A match keeps its best kind (bytes before pixels before near) and smallest distance.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from imgeda_ci.dupes.graph import NearGraph
from imgeda_ci.dupes.groups import Kind
from imgeda_ci.model import ImageRecord, is_ok

KIND_RANK: dict[Kind, int] = {"bytes": 0, "pixels": 1, "near": 2}
KINDS: tuple[Kind, ...] = tuple(KIND_RANK)  # rank -> kind

#: match -> (kind rank, distance)
Found = dict[int, tuple[int, int]]


@dataclass
class MatchIndex:
    """Images (by their index in the caller's records) findable by content and pHash node."""

    graph: NearGraph
    by_sha: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    by_pixels: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    by_node: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))

    def add_content(self, records: Sequence[ImageRecord], indexes: Iterable[int]) -> None:
        """Index ``records[k]`` for each ``k`` by bytes and decoded pixels."""
        for k in indexes:
            rec = records[k]
            if rec.get("sha256"):
                self.by_sha[str(rec["sha256"])].append(k)
            if is_ok(rec) and rec.get("pixel_sha256"):
                self.by_pixels[str(rec["pixel_sha256"])].append(k)

    def matches(self, rec: ImageRecord, node: int | None, accept: Callable[[int], bool]) -> Found:
        """Every accepted indexed image matching ``rec`` (whose graph node is ``node``, None when
        it has no pHash), each with its best kind and distance."""
        found: Found = {}

        def offer(y: int, kind: Kind, d: int) -> None:
            if not accept(y):
                return
            key = (KIND_RANK[kind], d)
            if y not in found or key < found[y]:
                found[y] = key

        for y in self.by_sha.get(str(rec.get("sha256") or ""), ()):
            offer(y, "bytes", 0)
        if is_ok(rec):
            for y in self.by_pixels.get(str(rec.get("pixel_sha256") or ""), ()):
                offer(y, "pixels", 0)
        if node is not None:
            for y in self.by_node.get(node, ()):
                offer(y, "near", 0)
            for other, d in self.graph.adj[node].items():
                for y in self.by_node.get(other, ()):
                    offer(y, "near", d)
        return found
