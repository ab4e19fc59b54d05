"""The verifier's vectorised steps give what their plain definitions give.

The framing search resamples by four Keys cubic taps per new pixel (:func:`align.resample`); its
oracle is the dense ``(T, T)`` matrix per window it used before (tests/dupes/align_oracle.py).
The 3x3 range, the tone map and the least-squares fit are checked against their plain forms, and
the verdicts of :func:`verify.classify` on built pairs against those it gives with the oracle's
alignment. Everything is generic in the thumbnail side ``T``.
"""

from __future__ import annotations

import io

import numpy as np
import numpy.typing as npt
import pytest
from PIL import Image, ImageDraw

from imgeda_ci.dupes import align, fit, verify
from imgeda_ci.scan.copysig import copy_signature
from tests.dupes import align_oracle
from tests.dupes.scenes import COPIES, crop, jpeg, scene, shot
from tests.dupes.test_untoned import page

T = align.T
W = len(align.STEPS) ** 2  # windows per axis


def _windows(rng: np.random.Generator, shape: tuple[int, ...]) -> npt.NDArray[np.int64]:
    """Random windows, the extreme ones (widest, narrowest, most shifted) first."""
    out = rng.integers(0, W, shape)
    k = len(align.STEPS)
    extremes = np.array([0, W - 1, k - 1, W - k])[: out.size]
    out.reshape(-1)[: len(extremes)] = extremes
    return out


def test_profile_resampling_is_the_dense_matrix_product() -> None:
    rng = np.random.default_rng(1)
    mats = align_oracle.matrices()
    pa = rng.uniform(0, 255, (6, T)).astype(np.float32)
    per_row = _windows(rng, (6, 30))
    want = np.einsum("ngij,nj->ngi", mats[per_row], pa)
    assert np.allclose(align.resample(pa, per_row), want, atol=2e-3, rtol=0)
    shared = _windows(rng, (40,))
    want = np.einsum("gij,nj->ngi", mats[shared], pa)
    assert np.allclose(align.resample(pa, shared), want, atol=2e-3, rtol=0)


def test_thumbnail_resampling_is_the_dense_matrix_product() -> None:
    rng = np.random.default_rng(2)
    mats = align_oracle.matrices()
    x = rng.uniform(0, 255, (5, T, T)).astype(np.float32)
    wy, wx = _windows(rng, (5, 1)), _windows(rng, (5, 1))
    rows = align.resample(x, wy)[:, 0]  # along y, each column alike
    both = align.resample(rows.transpose(0, 2, 1), wx)[:, 0].transpose(0, 2, 1)
    want = mats[wy[:, 0]] @ x @ mats[wx[:, 0]].transpose(0, 2, 1)
    assert np.allclose(both, want, atol=5e-3, rtol=0)


def test_inside_is_where_the_new_pixel_comes_from_the_old_side() -> None:
    inside = align.windows()[2]
    for w in _windows(np.random.default_rng(3), (50,)):
        lo, hi = align.STEPS[w // len(align.STEPS)], align.STEPS[w % len(align.STEPS)]
        start = (lo + np.arange(T) / T * (1 - lo - hi)) * T
        assert (inside[w] == ((start > -1e-6) & (start + 1 - lo - hi < T + 1e-6))).all()
    assert not inside[0].all() and inside[W - 1].all()  # widest: edges outside; narrowest: none


def test_local_range_is_the_3x3_min_and_max() -> None:
    x = np.random.default_rng(4).integers(0, 9, (3, 2, T, T)).astype(np.float32)
    pad = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)), mode="edge")
    stack = np.stack([pad[..., i : i + T, j : j + T] for i in range(3) for j in range(3)])
    lo, hi = align.local_range(x)
    assert (lo == stack.min(axis=0)).all() and (hi == stack.max(axis=0)).all()


@pytest.mark.parametrize("levels", [8, 256])  # many ties, few ties
def test_tone_maps_through_the_quantiles(levels: int) -> None:
    rng = np.random.default_rng(levels)
    a = rng.integers(0, levels, (4, T, T)).astype(np.float32)
    b = np.sqrt(rng.uniform(0, 1, (4, T, T))).astype(np.float32) * 255
    q = np.linspace(0, T * T - 1, 17).astype(np.int64)
    want = np.empty_like(a)
    for k in range(len(a)):
        qa, qb = np.sort(a[k].reshape(-1))[q], np.sort(b[k].reshape(-1))[q]
        for i, v in enumerate(a[k].reshape(-1)):
            s = int((v > qa[1:-1]).sum())
            span = qa[s + 1] - qa[s]
            t = (v - qa[s]) / span if span > 1e-3 else 0.5
            want[k].reshape(-1)[i] = qb[s] + min(max(t, 0), 1) * (qb[s + 1] - qb[s])
    assert np.allclose(align.tone(align.prepare(a), align.prepare(b)), want, atol=1e-4, rtol=0)


def _thumbs(images: list[Image.Image]) -> verify.F32:
    out, valid = verify.decode(
        [copy_signature(Image.open(io.BytesIO(jpeg(im))).convert("L"))[1] for im in images]
    )
    assert valid.all()
    return out


@pytest.fixture(scope="module")
def built() -> tuple[verify.F32, verify.F32]:
    """Copies (every uniform change, crops), look-alikes (other framing, other scene) and local
    changes (a box drawn) of photo-like scenes."""
    first, second = [], []
    for seed in range(1, 5):
        img = shot(scene(seed), 40, 30)
        changed = img.copy()
        ImageDraw.Draw(changed).rectangle((300, 200, 340, 250), fill=(20, 20, 20))
        others = [Image.open(io.BytesIO(make(img))) for make in COPIES.values()]
        others += [crop(img, 0.03, 0, 0, 0), crop(img, 0.05, 0.05, 0.05, 0.05), changed]
        others += [shot(scene(seed), 160, 120), shot(scene(seed + 10))]
        first += [img] * len(others)
        second += others
    return _thumbs(first), _thumbs(second)


def _fit64(moved: verify.F32, fixed: verify.F32, within: npt.NDArray[np.bool_]) -> np.ndarray:
    """The signed residual of :func:`verify.residual`'s fit (see its module doc), in float64."""
    f = fixed.astype(np.float64)
    p = np.pad(f, ((0, 0), (1, 1), (1, 1)), mode="edge")
    gx = (p[:, 1:-1, 2:] - p[:, 1:-1, :-2]) / 2
    gy = (p[:, 2:, 1:-1] - p[:, :-2, 1:-1]) / 2
    lap = p[:, 1:-1, 2:] + p[:, 1:-1, :-2] + p[:, 2:, 1:-1] + p[:, :-2, 1:-1] - 4 * f
    yy, xx = np.mgrid[0:T, 0:T] / T - 0.5
    spread = f.std(axis=(1, 2), keepdims=True) + 1
    z = np.clip((f - f.mean(axis=(1, 2), keepdims=True)) / spread, -3, 3)
    terms = [
        np.ones_like(f),
        f,
        gx,
        gy,
        xx * gx,
        yy * gy,
        lap,
        (z * z - 1) * spread,
        (z**3 - 3 * z) * spread,
    ]
    x = np.stack(terms, axis=-1).reshape(len(f), T * T, len(terms))
    target = moved.reshape(len(f), -1).astype(np.float64)
    weight = within.reshape(len(f), -1).astype(np.float64)
    for _ in range(2):
        xw = x * weight[..., None]
        gram = xw.transpose(0, 2, 1) @ x + 1e-3 * np.eye(len(terms))
        beta = np.linalg.solve(gram, (xw * target[..., None]).sum(axis=1)[..., None])
        res = target - (x @ beta)[..., 0]
        median = np.array([np.median(np.abs(r[w > 0])) for r, w in zip(res, weight, strict=True)])
        weight = weight * (np.abs(res) <= 6 * median[:, None] + 2)
    return res.reshape(len(f), T, T)


def test_the_fit_is_the_float64_least_squares_fit(built: tuple[verify.F32, verify.F32]) -> None:
    """Within a few hundredths of a level (the float32 sums it had before left up to 0.26): the
    copies agree to 0.01, the pair with a box drawn on (its fit reweighted round the box) to
    0.03; a changed pixel is 12 levels or more off."""
    a, b = built
    pa, pb = align.prepare(a), align.prepare(b)
    ref = fit.reference(pb)
    res, *_ = verify.residual(pa, pb, ref)
    moved, within, _ = align.aligned(pa, pb, (ref.lo, ref.hi))
    assert np.abs(res - _fit64(moved, pb.smoothed, within)).max() < 0.05


def test_alignment_and_verdicts_equal_the_dense_oracle(
    built: tuple[verify.F32, verify.F32], monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = built
    pa, pb = align.prepare(a), align.prepare(b)
    b_range = align.local_range(pb.smoothed)
    for toned in (True, False):
        moved, within, own = align.aligned(pa, pb, b_range, toned)
        want_moved, want_within, want_own = align_oracle.aligned(pa, pb, b_range, toned)
        assert (within == want_within).all()
        assert np.abs(moved - want_moved).max() < 0.01
        assert np.abs(own - want_own).max() < 0.01
    kinds = verify.classify(a, b)
    monkeypatch.setattr(verify, "aligned", align_oracle.aligned)
    assert (verify.classify(a, b) == kinds).all()
    assert set(kinds.tolist()) == {verify.COPY, verify.LOCAL, verify.DIFFERENT}  # not vacuous


def test_the_looks_share_what_depends_on_one_image(built: tuple[verify.F32, verify.F32]) -> None:
    """:func:`verify.classify` prepares each image and makes its reference once per batch and
    keeps them, for the pairs still undecided, from look to look: its verdicts are those of the
    four looks (toned or not, each way round) made from scratch on every pair. Pages cropped
    (``tests/dupes/test_untoned.py``) are copies to a later look only."""
    pages = [page(seed) for seed in (0, 3, 7)]
    cropped = [Image.open(io.BytesIO(jpeg(crop(p, 0.05, 0.05, 0.05, 0.05)))) for p in pages]
    ones, twos = [pages[0], cropped[1], pages[2]], [cropped[0], pages[1], cropped[2]]
    a, b = (np.concatenate([x, _thumbs(y)]) for x, y in zip(built, (ones, twos), strict=True))
    looks = []
    for toned in (True, False):
        for one, two in ((a, b), (b, a)):
            fixed = align.prepare(two)
            looks.append(verify._kind(align.prepare(one), fixed, fit.reference(fixed), toned))
    copy = np.stack(looks) == verify.COPY
    first = copy.argmax(axis=0)[copy.any(axis=0)]
    assert set(first.tolist()) == {0, 1, 2, 3}  # each look the first to call some pair a copy
    assert (verify.classify(a, b) == verify.best(looks)).all()
