"""Near-duplicate search: imgeda-ci's exact index against imgeda's 4-chunk scheme.

    python benchmarks/bench_duplicates.py                 # 10k, 100k, 1M; 3 repeats
    python benchmarks/bench_duplicates.py --sizes 10000 --repeats 1

For each size, random 256-bit hashes with planted pairs (``--per-distance`` pairs at each
distance of ``--distances``, every pair on its own rows, the flipped bits drawn at random). Run:

- imgeda-ci: :func:`imgeda_ci.dupes.near_pairs` at radius 8 (imgeda's threshold) and at the
  default threshold (24): every pair within the radius, by multi-index hashing;
- imgeda's scheme, re-implemented from its description: the 256-bit hash cut into 4 chunks of
  64 bits, candidate pairs = pairs sharing one chunk value exactly (a dict per chunk), kept when
  the full distance is <= 8.

Printed per scheme: median wall time over the repeats (one core: numpy does not thread these
operations), peak memory traced by tracemalloc in a separate run (Python and numpy
allocations), and recall per planted distance (planted pairs found / planted). Also checked:
imgeda-ci returns no pair beyond its radius.

Then the search cost, each search run in a forked child and measured there (CPU seconds =
user + sys of the child, peak RSS of the child, which includes the parent's pages at the fork):
the 256-bit pHash search at the default threshold against the candidate search of the copy
signatures (:func:`imgeda_ci.dupes.copies.candidates`: ~1.1 turned whole hashes per image against
eleven canonical entries, at radius 5), on as many signatures, with the ratio. Copy signatures:

- random: uniformly random hashes and codes, the flags of one image in ten random (as on real
  photos, where about one image in ten has an ambiguous orientation);
- with ``--real-signatures FILE`` (``copysig`` lines, e.g. from ``bench_copy_candidates.py
  --save-signatures``): real photos' signatures, each replicated with ``--noise`` random bits
  flipped in every hash. Real hashes are not uniform (the low frequencies of photos are alike:
  skies above, ground below), so their chunk values collide more often than random ones; this
  keeps that clustering at the population level.

``--search-cost-only`` runs only this part.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import time
import tracemalloc
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import numpy as np
import numpy.typing as npt

from imgeda_ci.dupes import DEFAULT_THRESHOLD, copies, near_pairs
from imgeda_ci.dupes.hashindex import distances

U64 = npt.NDArray[np.uint64]
Pairs = set[tuple[int, int]]


def make(
    n: int, dists: list[int], per: int, seed: int
) -> tuple[U64, dict[int, list[tuple[int, int]]]]:
    """``n`` random hashes; ``per`` planted pairs at each distance, on disjoint rows."""
    rng = np.random.default_rng(seed)
    h = rng.integers(0, 2**64 - 1, size=(n, 4), dtype=np.uint64, endpoint=True)
    rows = rng.permutation(n)[: 2 * per * len(dists)].reshape(-1, 2)
    planted: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for (a, b), d in zip(rows.tolist(), np.repeat(dists, per).tolist(), strict=True):
        copy = h[a].copy()
        for bit in rng.choice(256, size=d, replace=False).tolist():
            copy[bit // 64] ^= np.uint64(1) << np.uint64(63 - bit % 64)
        h[b] = copy
        planted[d].append((min(a, b), max(a, b)))
    return h, planted


def imgeda_ci(h: U64, radius: int) -> Pairs:
    res = near_pairs(h, radius)
    # map pairs of distinct values back to rows (planted rows are distinct values)
    first = np.full(len(res.unique), -1, dtype=np.int64)
    first[res.inverse[::-1]] = np.arange(len(h))[::-1]
    a, b = first[res.i], first[res.j]
    return set(zip(np.minimum(a, b).tolist(), np.maximum(a, b).tolist(), strict=True))


def imgeda_4chunk(h: U64, threshold: int = 8) -> Pairs:
    """imgeda's scheme: 4 chunks of 64 bits, exact chunk match, then the full distance."""
    out: Pairs = set()
    words = h.tolist()
    for c in range(4):
        buckets: dict[int, list[int]] = defaultdict(list)
        for i, row in enumerate(words):
            buckets[row[c]].append(i)
        for members in buckets.values():
            if len(members) < 2:
                continue
            for x in range(len(members)):
                for y in range(x + 1, len(members)):
                    a, b = members[x], members[y]
                    d = sum((p ^ q).bit_count() for p, q in zip(words[a], words[b], strict=True))
                    if d <= threshold:
                        out.add((a, b))
    return out


def random_signatures(n: int, seed: int) -> U64:
    """``n`` random parsed copy signatures (see the module doc)."""
    rng = np.random.default_rng(seed)
    sig = rng.integers(0, 2**64 - 1, size=(n, copies.TAIL + 1), dtype=np.uint64, endpoint=True)
    tail = sig[:, copies.TAIL] & np.uint64((1 << 40) - 1)
    plain = rng.random(n) >= 0.1  # nine images in ten: no ambiguous orientation
    tail[plain] &= ~np.uint64(0b111 << 4)
    sig[:, copies.TAIL] = tail
    return sig


def replicated(path: Path, n: int, noise: int, seed: int) -> U64:
    """``n`` signatures: the real ones of ``path`` in turn, ``noise`` random bits of every hash
    flipped (a bit may be drawn twice)."""
    real, valid = copies.parse(path.read_text().split())
    rng = np.random.default_rng(seed)
    sig = real[valid][rng.integers(0, int(valid.sum()), size=n)]
    for _ in range(noise):
        bit = rng.integers(0, 64, size=(n, copies.TAIL)).astype(np.uint64)
        sig[:, : copies.TAIL] ^= np.uint64(1) << bit
    return sig


def in_child(fn: Callable[[], object]) -> tuple[float, float]:
    """(CPU seconds, peak RSS MiB) of ``fn()`` run in a forked child."""
    pid = os.fork()
    if pid == 0:
        fn()
        os._exit(0)
    _, status, use = os.wait4(pid, 0)
    assert status == 0, "the measured search failed"
    return use.ru_utime + use.ru_stime, use.ru_maxrss / 1024


def search_cost(n: int, real: Path | None, noise: int) -> None:
    """The copy-candidate search against the 256-bit search, CPU and peak RSS, on ``n``."""
    h = np.random.default_rng(n).integers(0, 2**64 - 1, size=(n, 4), dtype=np.uint64)
    sets = [("copy sig. random", random_signatures(n, n + 1))]
    if real is not None:
        sets.append((f"copy sig. real+{noise} bits", replicated(real, n, noise, n + 2)))
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    print(
        f"  (RSS of the parent at each fork: {pages * os.sysconf('SC_PAGE_SIZE') / 2**20:.0f} MiB)"
    )
    ref_cpu, ref_rss = in_child(lambda: near_pairs(h, DEFAULT_THRESHOLD))
    print(f"  {f'256-bit r={DEFAULT_THRESHOLD}':34s} {ref_cpu:7.2f} s CPU  {ref_rss:7.0f} MiB")
    for name, sig in sets:
        has = np.ones(n, dtype=np.bool_)
        cpu, rss = in_child(lambda sig=sig, has=has: copies.candidates(sig, has))
        print(
            f"  {name + f' r={copies.COPY_RADIUS}':34s} {cpu:7.2f} s CPU  {rss:7.0f} MiB"
            f"   x{cpu / ref_cpu:.2f} CPU, x{rss / ref_rss:.2f} RSS"
        )


def measure(fn: Callable[[], Pairs], repeats: int) -> tuple[float, float, Pairs]:
    """(median seconds, peak traced MiB, result)."""
    times = []
    result: Pairs = set()
    for _ in range(repeats):
        gc.collect()
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    gc.collect()
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return statistics.median(times), peak / 2**20, result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--per-distance", type=int, default=100)
    ap.add_argument(
        "--distances", type=int, nargs="+", default=[1, 2, 3, 4, 5, 6, 7, 8, 12, 16, 20, 24, 25]
    )
    ap.add_argument("--real-signatures", type=Path, help="copysig lines of real photos")
    ap.add_argument("--noise", type=int, default=6, help="bits flipped per replicated hash")
    ap.add_argument("--search-cost-only", action="store_true")
    args = ap.parse_args()
    if args.search_cost_only:
        for n in args.sizes:
            print(f"\n{n:,} signatures: search cost (forked child)")
            search_cost(n, args.real_signatures, args.noise)
        return
    dists = sorted(args.distances)
    header = "  ".join(f"{d:>4d}" for d in dists)
    print(f"{'planted distance':>63s} {header}")
    for n in args.sizes:
        h, planted = make(n, dists, args.per_distance, seed=n)
        data_mib = h.nbytes / 2**20
        print(f"\n{n:,} hashes ({data_mib:.0f} MiB of hashes), {args.repeats} repeats")
        schemes: list[tuple[str, Callable[[], Pairs], int]] = [
            ("imgeda-ci r=8", lambda h=h: imgeda_ci(h, 8), 8),
            (
                f"imgeda-ci r={DEFAULT_THRESHOLD}",
                lambda h=h: imgeda_ci(h, DEFAULT_THRESHOLD),
                DEFAULT_THRESHOLD,
            ),
            ("imgeda 4-chunk t=8", lambda h=h: imgeda_4chunk(h, 8), 8),
        ]
        for name, fn, radius in schemes:
            secs, peak, found = measure(fn, args.repeats)
            recall = "  ".join(
                f"{sum(p in found for p in planted[d]) / len(planted[d]):4.2f}" for d in dists
            )
            if name.startswith("imgeda-ci") and found:
                arr = np.array(sorted(found))
                worst = int(distances(h[arr[:, 0]], h[arr[:, 1]]).max())
                assert worst <= radius, f"{name} returned a pair at distance {worst}"
            print(f"  {name:22s} {secs:7.2f} s  {peak:8.1f} MiB peak   recall {recall}")
        search_cost(n, args.real_signatures, args.noise)


if __name__ == "__main__":
    main()
