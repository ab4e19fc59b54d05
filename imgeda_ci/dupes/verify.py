"""What a candidate pair is: a copy, the same framing with a local change, or another picture.

Each record's ``thumb`` is the image as 64x64 band-limited luma (:mod:`imgeda_ci.scan.thumb`).
A pair (``b`` already under the candidate's rotation/mirror, :func:`orient`) is first aligned
(:func:`imgeda_ci.dupes.align.aligned`: tone map, smoothing, framing over crops of up to 5% per
side). What is left of a uniform change after that is smooth and spread out: a sub-pixel shift
or scale, a blur or sharpening, a gain. So the aligned ``a`` is fitted, by least squares over the
compared pixels, as a linear combination of ``b``, its x and y gradients, the gradients times
x and y, its Laplacian, a constant and two *tone terms* (a curve in ``b``'s levels,
:func:`imgeda_ci.dupes.fit.terms`; twice: the second time without the pixels the first fit left
far off: :func:`imgeda_ci.dupes.fit.misfit`), and the *residual* is what the fit leaves. The
tone terms are there because the quantile tone map of :mod:`imgeda_ci.dupes.align` bends when a
crop drops a border's levels from the histogram (a dark frame round a bright subject): what is
left is a curve in the levels, which a gain and an offset cannot undo, and it read as a blob of
one sign over the subject.

The residual, signed, is smoothed once more (:func:`imgeda_ci.dupes.align.smooth`): where the
fit misses an edge by a fraction of a pixel it leaves a thin pair of opposite signs, which
cancel; an object added, removed or moved leaves a blob of one sign, which stays. A pixel has
*changed* when that smoothed residual exceeds :data:`LEVEL` times (:data:`FLOOR` levels of 255 +
its median over the pair), but for a *clipped highlight*: where the brighter of the two images
(their own levels, smoothed, not toned) is at :data:`CLIP` levels or more and the residual has
that image falling short of the other. Brightening clips highlights: a small one's peak (blurred
by the thumbnail to 180-250 levels) is flattened in the brighter image, which no tone map or fit
restores. An object added or removed (light or dark) makes its own image differ the way its own
levels do, so it is never taken for a clip. The outer ring of compared pixels is left out (a
crop's edge). Then:

- :data:`DIFFERENT` when the median residual is above :data:`MAX_MEDIAN` times (1 + the standard
  deviation of ``b``'s levels): another picture, however smooth, leaves more;
- else :data:`COPY` when no pixel changed and at least :data:`MIN_DETAIL` of the pixels have
  detail (a uniform change: re-encode, resize, brightness/contrast, blur, crop of up to 5% per
  side, the candidate's rotation/mirror);
- else :data:`LOCAL` when at most :data:`LOCAL_SHARE` of the compared pixels changed: the same
  framing with content changed in a few places (objects added, removed or moved, as in a
  detection dataset; a watermark, a logo), or a near-flat pair;
- else :data:`DIFFERENT`.

Both ways round (each image brought onto the other: a crop fits best when the wider image is
resampled), and then both ways again *without the tone map* (``a``'s own levels; the fit keeps
its gain and offset but not its tone terms), the closest kind kept. The second look is for a crop
of a picture dominated by one level (a page, a screenshot, a photo on a white ground): cutting
its margin changes that level's share of the histogram so much that the quantile map takes the
other levels elsewhere, while the copy needs no tone map at all. It is held to a stricter
:data:`UNTONED_LEVEL`, so that two looks at a pair find no more false copies than one.

How the defaults were chosen (``benchmarks/bench_nearcopy.py``, every image analysed by the real
scanner, scan algorithm 7). Planted copies of 150 real photos: one per transform (crops of 1-5%
per side or one side, rotations, mirror, re-encode, resize, brightness, blur, watermark). Same
scene, other content: 10 real photos as backgrounds, 30 shots each with chess-piece-like objects
of 2-7% of the side (shaded to stand out) moved, added or removed (every shot a new picture),
and 150 planted copies of shots. With :data:`LEVEL` 4.0 and :data:`UNTONED_LEVEL` 3.0, 1 of the
2,146 candidate pairs of different shots is COPY against 147 of the 150 planted copies: COPY
precision 0.993. That one is a true copy by content: the only change between the two shots (a
piece at 1-3% from the left edge) lies in the strip that the planted copy's 3% crop cuts off.
The planted transforms keep 0.953-0.993 of their copies: a turn with a 3% crop 0.953 (the
lowest), crops of 3% per side or of one side 0.960, crops of 5% per side 0.967, brightness +15%
0.973, mirror, turns and 5% off one side 0.980, 5% off two sides and crops of 1% per side
0.987, the uniform changes 0.993; a watermark 0.220 (0.754 LOCAL: see below). Two of the 150
photos are near-flat (:func:`weak_match`), so their turned and cropped copies are at most the
same scene; the ceiling of those transforms is 0.987. The 2,026 real photos' candidate pairs:
800 COPY, 546 LOCAL, 6 DIFFERENT.

A light object added to a dark picture (session 10; :func:`imgeda_ci.dupes.align.floored`). On
150 real photos darkened to 30% with a white patch of 4% x 6% of the sides, 51 pairs were COPY:
the patch holds the only levels above the dark picture's brightest, so the quantile map took
all of them onto the other picture's brightest level (where the patch lay on the brightest part,
it vanished), and in the untoned look the tone terms bent the patch's levels onto its ground.
The tone map's slope is now held at :data:`imgeda_ci.dupes.align.MIN_SLOPE` (0.2) or more but
where it maps onto highlights, and the untoned look fits no tone terms: 4 of those 150 are COPY
(the toned map alone: 9; 0.1: 20). On the bench, the same scene set's figures and the lowest
recall are unchanged; crops of 5% per side lost a copy (0.973 -> 0.967), brightness +15% (0.967
-> 0.973) and 5% off two sides (0.980 -> 0.987) gained one, a watermarked copy became LOCAL;
one real pair went from COPY to DIFFERENT, one from LOCAL to DIFFERENT. Patches with less
contrast than that, on normal and on dark photos, were unchanged (a black patch within 40
levels of a dark ground: 49 of 83 COPY before and after). The figures of the tables below were
measured before this.

The second look, by :data:`UNTONED_LEVEL` (LEVEL 4.0; lowest recall and crops of 5% per side;
the scene set's planted copies found and false COPY; the real photos' pairs called COPY):

==============  ===============  ============  ==================  =====
UNTONED_LEVEL   lowest recall    crop 5%/side  scene (found/false)  real
==============  ===============  ============  ==================  =====
(none)          0.940 (crop 5%)  0.940         147 / 1              799
2.5             0.953            0.967         147 / 1              800
**3.0**         **0.953**        **0.973**     **147 / 1**          **801**
3.5             0.953            0.973         148 / 1              811
4.0             0.953            0.973         148 / 2              829
==============  ===============  ============  ==================  =====

3.0: the least that keeps the 5% crops' gain; above it, the extra real COPY pairs are drone
frames a few frames apart with people walking (the same scene). The second look's own figures
on the real photos: a wallpaper at two aspect ratios and a disparity map against its
thresholded version become copies.

The thumbnail's working image (scan algorithm 7, :mod:`imgeda_ci.scan.thumb`) is a bilinear
reduction, not a box average: with the tone terms, before the second look, that took crops of 5%
per side 0.933 -> 0.940, 3% per side 0.940 -> 0.953, the turn with a 3% crop 0.933 -> 0.947,
brightness +15% 0.973 -> 0.967, the scene set 143 -> 147 planted found (1 false COPY both), the
real photos 791 -> 799 COPY (eight drone-frame pairs more and three fewer, two boot-animation
frames, a keypoint drawing on its photo, two EXIF samples with other digits drawn on white
water; one disparity map pair fewer).

The tone terms (session 9; these figures on the box-averaged thumbnails of scan algorithm 6,
before the second look) moved the whole frontier, not a point on it. Without them (the
seven-term fit, same records): 2 false COPY, 144 planted, precision 0.986; crops of 5% per side
and the turn with a 3% crop 0.920, 3% per side 0.933, 5% off two sides 0.947, brightness +15%
0.960; the real photos 786 COPY. Unclipped (:data:`imgeda_ci.dupes.fit.TONE_CLIP` infinite), the
cube of a level only a small object has acts as that object's own term: the fit then lays one
boat onto another (9 more real pairs COPY, different boats on open water, against one more 5%
crop); clipped at 2, 3 or 4 standard deviations: 803, 791, 791 real pairs COPY, the planted
figures the same. By :data:`LEVEL`, with the tone terms (mean: over the transforms but the
watermark; real: the real photos' pairs called COPY):

=========  ================  =========================  ====  =====
LEVEL      scene precision   lowest transform recall    mean  real
=========  ================  =========================  ====  =====
3.5        0.993 (140/141)   0.900 (crop 5% per side)   .960  699
**4.0**    **0.993**         **0.933**                  .970  791
4.25       0.993 (144/145)   0.940 (rot90 + crop 3%)    .974  837
4.5        0.973 (144/148)   0.947                      .976  883
=========  ================  =========================  ====  =====

4.25 would keep the scene precision and lift the lowest recall to 0.940, but its 46 more real
COPY pairs are 38 drone frames with people walking, 5 OpenCV pictures with keypoints or lines
drawn on, 2 boot-animation frames and 1 other: the same scene, not copies.

What is left (the edge of the crop; session 9): of the planted copies that stay LOCAL, about
half change within 2 thumbnail pixels of the crop's edge (the thumbnail's blur repeats a crop's
edge, while the wider image has real neighbours there), the rest at small high-contrast objects
on low-contrast ground (boats on water, a figure on black). Leaving a 3-pixel band out entirely
(an upper bound for any model of the edge) gets crops of 5% per side only to 0.933 without the
tone terms, at 8 false COPY; a fit term predicting the edge's error from the wider image
resampled 3 pixels beyond the crop took two more 5% crops, lost one planted scene copy, so it
is not kept. Before the tone terms and the corrected scene set (LEVEL, scene precision, lowest
and mean recall; before :data:`CLIP` and :func:`weak_match`): 3.5: 0.986, 0.887, 0.960; 4.0:
0.979, 0.920, 0.971; 4.5: 0.947, 0.940, 0.980; 5.0: 0.929, 0.947, 0.983; 5.5: 0.892, 0.953,
0.984. :data:`CLIP` (tried at 235, 215, 195, 180, 165 on the seven-term fit) left the
same-scene counts as they were; brightness +15% kept 0.927 (without) -> 0.927, 0.927, 0.947,
0.960, 0.967 of its copies, crops of 5% per side 0.913 -> 0.920; the real photos' candidate pairs
called COPY went 784 -> 784, 784, 786, 786, 788: 180, the least reach that brings +15% to 0.96.
The darker image's shadows taken the same way (at 40 or 75 levels or less) changed nothing on
the bench (brightness -15% keeps 0.993 without), so they are not excused.

A false alarm costs more than a miss (a same-scene pair called a copy is a ``leakage`` error in
a detection dataset), so 4.0. The 32x32 box-averaged thumbnail of scan algorithm 5 could not do
this: at 0.953 of every transform its scene precision was 0.734, and it reached 0.93 only by
losing a fifth of the 5% crops (a box average keeps sub-pixel detail as aliasing, which a crop
moves by as much as a small object). What it cannot see: an object of less than ~2% of the side
on a busy ground; a change of colour only; two near-flat pictures (sky, water) are at most LOCAL;
an object within a few tens of levels of a dark ground; a few light objects on a dark picture
(4 of the 150 above).

Cost (``benchmarks/bench_verify.py``, CPU per candidate pair, runs in turn on the shared
machine): session 8's code 2.1-2.3 ms (4.3 ms before the tap resampling of
:mod:`imgeda_ci.dupes.align`; 0.45 ms at a 32x32 thumbnail), 2.6-2.7 ms with the tone terms,
3.3-3.5 ms with the second look too (on bench_verify's pairs, 82% copies: the second look costs
nothing for a pair the first calls a copy, and doubles the cost of one it does not). Session 10,
on a less loaded machine (three runs of each code in turn, each the median of five): 2.36-2.38
-> 1.83-1.85 ms; the pairs called copies alone 1.65-1.72 -> 1.30-1.37 ms, the others (all four
looks) 5.7-6.0 -> 4.1-4.4 ms. What depends on one image alone is made once per batch and image
(:class:`imgeda_ci.dupes.align.Prepared`, :class:`imgeda_ci.dupes.fit.Reference`), not in
every look: the regressors were 20% of a profile of :func:`classify` on 9,858 real candidate
pairs (half of that the float32 cube of the tone term, now float64 products: the toned looks'
residuals move by at most 0.125 levels, no verdict changes), and the fixed image was smoothed
once and its local range made twice per look; that profile 29.6 -> 20.2 s (its 3,803 pairs
not copies 18.8 -> 13.3 s). What is left: the framing search
(:func:`imgeda_ci.dupes.align.aligned`, two thirds; its resampling one third) and the fit
(:func:`imgeda_ci.dupes.fit.misfit`, a sixth).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from imgeda_ci.dupes import align
from imgeda_ci.dupes.align import Prepared, aligned, prepare, smooth
from imgeda_ci.dupes.fit import PLAIN, Reference, median, misfit, reference
from imgeda_ci.scan.thumb import SIDE, unpack

T = SIDE  # thumbnail side
#: classes of :func:`classify`
DIFFERENT, COPY, LOCAL = 0, 1, 2
UNCHECKED = -1  # no verdict: a thumbnail is missing (imgeda_ci.dupes.copypairs)
#: preference of a verdict, by verdict + 1: unchecked < DIFFERENT < LOCAL < COPY
_PREFERENCE = np.array([0, 1, 3, 2])
#: a changed pixel: its smoothed residual above LEVEL times (FLOOR levels + the pair's median
#: smoothed residual)
LEVEL = 4.0
FLOOR = 3.0
LOCAL_SHARE = 0.25  # most changed share of a local change
#: LEVEL of the second look, without the tone map (see the module doc): stricter, so that two
#: looks at a pair find no more false copies than one
UNTONED_LEVEL = 3.0
#: a pixel at or above CLIP levels in the brighter image (smoothed, not toned) may be a clipped
#: highlight: there a residual by which that image falls short of the other is no change
CLIP = align.CLIP
#: the largest median residual of a copy or a local change, as a share of (1 level + the
#: standard deviation of ``b``'s levels): other pictures leave ~0.2 and more
MAX_MEDIAN = 0.15
#: a pair is checked on detail: pixels whose 3x3 neighbourhood spans more than DETAIL levels
#: (in the smoothed ``b``); with fewer than MIN_DETAIL of them it is near-flat (sky, water,
#: a blank page): two such pictures cannot be told apart, so they are at most LOCAL
DETAIL = 2.0
MIN_DETAIL = 0.05
_BATCH = 4096 // T  # pairs per vectorised step: its temporaries stay small (in cache)

F32 = npt.NDArray[np.float32]
I8 = npt.NDArray[np.int8]
Bool = npt.NDArray[np.bool_]


def decode(values: Sequence[object]) -> tuple[F32, npt.NDArray[np.bool_]]:
    """``(n, T, T)`` float32 thumbnails of ``thumb`` strings and which rows hold a valid one."""
    out = np.zeros((len(values), T, T), dtype=np.float32)
    valid = np.zeros(len(values), dtype=np.bool_)
    for k, v in enumerate(values):
        pixels = unpack(v)
        if pixels is not None:
            out[k], valid[k] = pixels, True
    return out, valid


def orient(x: F32, variant: npt.NDArray[np.int64]) -> F32:
    """Each ``(T, T)`` thumbnail of ``x`` under its variant (order of
    :data:`imgeda_ci.dupes.orientation.VARIANT_NAMES`: identity, mirror, flip, rot180, then the
    transposes of those)."""
    out = x.copy()
    v = np.asarray(variant)
    base = v % 4
    mirror, flip, t = (base == 1) | (base == 3), (base == 2) | (base == 3), v >= 4
    out[mirror] = out[mirror][:, :, ::-1]
    out[flip] = out[flip][:, ::-1, :]
    out[t] = np.swapaxes(out[t], 1, 2)
    return out


def residual(
    a: Prepared, b: Prepared, ref: Reference, toned: bool = True
) -> tuple[F32, Bool, F32, F32]:
    """Per pair (``b`` already oriented; ``ref``: :func:`imgeda_ci.dupes.fit.reference`
    of ``b``): the residual
    ``(n, T, T)`` of the aligned ``a`` after the fit (signed: ``a`` minus the fit), which pixels
    were compared, the share of them with detail (see the module doc), and ``a``'s own levels
    (smoothed, not toned) framed as its aligned version."""
    n = len(a.levels)
    moved, within, raw = aligned(a, b, (ref.lo, ref.hi), toned)
    x = ref.terms if toned else ref.terms[:, :PLAIN]  # the untoned look: no tone terms
    res = misfit(moved.reshape(n, -1), within.reshape(n, -1), x)
    inner = within.copy()
    for axis in (1, 2):  # the ring of the compared area left out
        inner &= np.roll(within, 1, axis) & np.roll(within, -1, axis)
    inner[:, [0, -1], :] = False
    inner[:, :, [0, -1]] = False
    out = res.reshape(n, T, T)
    detail = ((ref.hi - ref.lo > DETAIL) & inner).sum(axis=(1, 2)) / np.maximum(
        inner.sum(axis=(1, 2)), 1
    )
    return out, inner, detail, raw


def _kind(a: Prepared, b: Prepared, ref: Reference, toned: bool) -> I8:
    """:func:`classify` with ``a`` brought onto ``b`` (one way round; ``ref``: :func:`reference`
    of ``b``), toned or not."""
    res, inner, detail, own_a = residual(a, b, ref, toned)
    own_b = b.smoothed
    middle = median(np.abs(res), inner)
    signed = smooth(res)
    blob = np.abs(signed)  # a misfit edge's two signs cancel; an object's one does not
    level = (LEVEL if toned else UNTONED_LEVEL) * (FLOOR + median(blob, inner))
    # where the brighter of the two is bright and falls short of the fit: a clipped highlight
    clipped = (signed * (own_a - own_b) < 0) & (np.maximum(own_a, own_b) >= CLIP)
    changed = ((blob > level[:, None, None]) & inner & ~clipped).sum(axis=(1, 2))
    share = changed / np.maximum(inner.sum(axis=(1, 2)), 1)
    alike = middle <= MAX_MEDIAN * (1 + ref.spread)
    local = alike & (share <= LOCAL_SHARE)
    copy = alike & (changed == 0) & (detail >= MIN_DETAIL)
    out: I8 = np.where(copy, COPY, np.where(local, LOCAL, DIFFERENT)).astype(np.int8)
    return out


def best(kinds: Sequence[I8]) -> I8:
    """Per pair, the best of several verdicts of it (tries under other turns, or each image
    brought onto the other): :data:`COPY`, then :data:`LOCAL`, then :data:`DIFFERENT`, then
    :data:`UNCHECKED`; the first of equals."""
    stack = np.stack(kinds)
    pick = np.argmax(_PREFERENCE[stack + 1], axis=0)
    out: I8 = stack[pick, np.arange(stack.shape[1])].astype(np.int8)
    return out


#: the looks at a pair, in turn: toned or not, and ``a`` brought onto ``b`` or ``b`` onto ``a``
_LOOKS = ((True, True), (True, False), (False, True), (False, False))


def _classify(x: F32, y: F32) -> I8:
    """:func:`classify` of one batch. What depends on one image alone
    (:class:`imgeda_ci.dupes.align.Prepared`, :class:`imgeda_ci.dupes.fit.Reference`) is made
    once and kept, for the pairs still to look at, from look to look; ``x``'s reference when ``x``
    is first the fixed image."""
    kind = np.full(len(x), DIFFERENT, dtype=np.int8)
    left = np.arange(len(x))  # the pairs no look has called a copy
    px, py = prepare(x), prepare(y)
    ry, rx = reference(py), None
    for toned, forward in _LOOKS:
        if forward:
            look = _kind(px, py, ry, toned)
        else:
            rx = reference(px) if rx is None else rx
            look = _kind(py, px, rx, toned)
        kind[left] = best([kind[left], look])
        keep = look != COPY  # a copy one way is a copy
        if not keep.any():
            break
        if not keep.all():  # (else there is nothing to drop: no copying)
            left, px, py, ry = left[keep], px.take(keep), py.take(keep), ry.take(keep)
            rx = None if rx is None else rx.take(keep)
    return kind


def classify(a: F32, b: F32) -> I8:
    """Per pair of thumbnails (``b`` already oriented by :func:`orient`): :data:`COPY`,
    :data:`LOCAL` or :data:`DIFFERENT` (see the module doc), each image brought onto the other,
    toned and then not, and the closest kind kept (a crop fits best when the wider image is
    resampled; a copy whose crop changed the share of its commonest level, without the tone
    map)."""
    out = np.zeros(len(a), dtype=np.int8)
    for lo in range(0, len(a), _BATCH):
        out[lo : lo + _BATCH] = _classify(a[lo : lo + _BATCH], b[lo : lo + _BATCH])
    return out


#: below this standard deviation of its thumbnail's levels a picture is near-flat (water, sky,
#: fog with one small object): see :func:`weak_match`
FLAT_STD = 4.0


def weak_match(kind: I8, a: F32, b: F32) -> I8:
    """``kind`` with :data:`COPY` taken down to :data:`LOCAL` for pairs one of whose thumbnails
    is near-flat (standard deviation below :data:`FLAT_STD` levels): for pairs matched on the
    64-bit copy signature only. Two near-flat pictures match that signature by their lighting
    alone, and the verification, free to crop 6% off each side and turn, can lay one small
    object onto another: on /work/photos, every copy-signature pair it called a copy with a
    thumbnail this flat was two different pictures (different boats on open water, a test chart
    and a boat: 5 pairs), while 1 of 150 planted photos is this flat (its cropped and turned
    copies become the same scene; ``benchmarks/bench_nearcopy.py``)."""
    flat = np.minimum(a.std(axis=(1, 2)), b.std(axis=(1, 2)))
    out: I8 = np.where((kind == COPY) & (flat < FLAT_STD), LOCAL, kind).astype(np.int8)
    return out


def is_copy(a: F32, b: F32) -> npt.NDArray[np.bool_]:
    """Which pairs of thumbnails (``b`` already oriented) are copies: :func:`classify` says
    :data:`COPY`."""
    out: npt.NDArray[np.bool_] = classify(a, b) == COPY
    return out
