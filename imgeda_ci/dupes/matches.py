"""What one image matches among indexed images: same bytes, same pixels, or a near pHash.

Leakage (an image against the other splits) and duplicates of the base (an added image against
the base) ask the same question of different sets; :class:`MatchIndex` answers it once for
both. A match keeps its best kind (bytes before pixels before near) and smallest distance.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from imgeda_ci.dupes.content import Content
from imgeda_ci.dupes.graph import NearGraph
from imgeda_ci.dupes.groups import Kind

KIND_RANK: dict[Kind, int] = {"bytes": 0, "pixels": 1, "near": 2}
KINDS: tuple[Kind, ...] = tuple(KIND_RANK)  # rank -> kind

#: match -> (kind rank, distance)
Found = dict[int, tuple[int, int]]


@dataclass
class MatchIndex:
    """Images (by their row in one :class:`~imgeda_ci.dupes.content.Content`) findable by
    content id and pHash node. Only rows that can match something need to be added."""

    graph: NearGraph | None = None  # the near relation of ``by_node``'s nodes, when used
    by_sha: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    by_pixels: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    by_node: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))

    def add_content(
        self, content: Content, by_sha: Iterable[int], by_pixels: Iterable[int]
    ) -> None:
        """Index rows ``by_sha`` by their bytes and rows ``by_pixels`` by their decoded pixels."""
        for k, v in zip(by_sha, content.sha[list(by_sha)].tolist(), strict=True):
            if v >= 0:
                self.by_sha[v].append(k)
        for k, v in zip(by_pixels, content.pix[list(by_pixels)].tolist(), strict=True):
            if v >= 0:
                self.by_pixels[v].append(k)

    def matches(
        self,
        sha: int,
        pix: int,
        node: int | None,
        accept: Callable[[int], bool],
        near: Iterable[tuple[int, int]] = (),
    ) -> Found:
        """Every accepted indexed image matching an image with content ids ``sha`` and ``pix``
        (-1: none) whose graph node is ``node`` (None when it has no pHash, or when its near
        matches are given as ``near``: (image, distance) pairs), each with its best kind and
        distance."""
        found: Found = {}

        def offer(y: int, kind: Kind, d: int) -> None:
            if not accept(y):
                return
            key = (KIND_RANK[kind], d)
            if y not in found or key < found[y]:
                found[y] = key

        if sha >= 0:
            for y in self.by_sha.get(sha, ()):
                offer(y, "bytes", 0)
        if pix >= 0:
            for y in self.by_pixels.get(pix, ()):
                offer(y, "pixels", 0)
        for y, d in near:
            offer(y, "near", d)
        if node is not None and self.graph is not None:
            for y in self.by_node.get(node, ()):
                offer(y, "near", 0)
            for other, d in self.graph.adj[node].items():
                for y in self.by_node.get(other, ()):
                    offer(y, "near", d)
        return found
