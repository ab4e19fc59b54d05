"""Synthetic manifests for report tests: records that follow model.py, made fast with numpy."""

from __future__ import annotations

from typing import Any

import numpy as np

from imgeda_ci.model import ImageRecord, ManifestHeader

SPLITS = ("train", "val", "test")
CLASSES = ("car", "person", "bicycle", "dog", "traffic light", "boat")


def header(n: int, root: str = "/data/synthetic") -> ManifestHeader:
    return {
        "imgeda_ci_manifest": 1,
        "tool_version": "0.1.0",
        "root": root,
        "settings": {"depth": "standard", "analysis_size": 512},
        "counts": {"images": n},
        "dataset": {
            "format": "yolo",
            "classes_declared": True,
            "classes": [{"id": i, "name": c} for i, c in enumerate(CLASSES)],
        },
    }


def records(n: int, seed: int = 0) -> list[ImageRecord]:
    """``n`` plausible records: realistic path lengths (random hex names), sizes, statistics,
    a few dark/blurred/tiny/corrupt images, YOLO labels, train/val/test splits."""
    rng = np.random.default_rng(seed)
    names = rng.integers(0, 16**12, size=n, dtype=np.int64)
    split = rng.choice(len(SPLITS), size=n, p=[0.7, 0.2, 0.1])
    dims = np.array([(640, 480), (1280, 720), (1920, 1080), (800, 600), (480, 640), (4032, 3024)])
    wh = dims[rng.choice(len(dims), size=n, p=[0.4, 0.2, 0.15, 0.1, 0.1, 0.05])]
    size = rng.lognormal(11.5, 0.6, size=n).astype(np.int64)
    luma = np.clip(rng.normal(115, 35, size=n), 0, 255)
    std = np.clip(rng.normal(50, 15, size=n), 0, 128)
    sharp = rng.lognormal(5.5, 1.2, size=n)
    cast = rng.normal(0, 10, size=(n, 3))
    pad = np.where(rng.random(n) < 0.03, rng.random(n) * 0.2, 0.0)
    n_obj = rng.poisson(2.0, size=n)
    cls = rng.integers(0, len(CLASSES), size=(n, 8))
    png = rng.random(n) < 0.05
    corrupt = rng.random(n) < 0.001
    # Python lists: indexing numpy arrays element by element is ten times slower
    names_l, split_l, size_l = names.tolist(), split.tolist(), size.tolist()
    wh_l, luma_l, std_l, sharp_l = wh.tolist(), luma.tolist(), std.tolist(), sharp.tolist()
    cast_l, pad_l, nobj_l, cls_l = cast.tolist(), pad.tolist(), n_obj.tolist(), cls.tolist()
    png_l, corrupt_l = png.tolist(), corrupt.tolist()
    out: list[ImageRecord] = []
    for i in range(n):
        path = f"{SPLITS[split_l[i]]}/images/{names_l[i]:012x}_frame{i % 977:03d}.jpg"
        if corrupt_l[i]:
            out.append(
                {
                    "path": path,
                    "size": size_l[i],
                    "sha256": f"{i:064x}",
                    "depth": "standard",
                    "error": {"code": "truncated", "message": "image file is truncated"},
                    "ext": "jpg",
                    "format": "JPEG",
                    "split": SPLITS[split_l[i]],
                }
            )
            continue
        w, h = wh_l[i][0], wh_l[i][1]
        m = luma_l[i]
        k = min(nobj_l[i], 8)
        objects: list[list[Any]] = []
        for j in range(k):
            x, y = 0.1 + 0.1 * j, 0.2
            objects.append([cls_l[i][j], x, y, x + 0.08, y + 0.1 + 0.01 * j, 1, 0])
        rec: ImageRecord = {
            "path": path,
            "size": size_l[i],
            "sha256": f"{i:064x}",
            "depth": "standard",
            "error": None,
            "ext": "jpg",
            "format": "PNG" if png_l[i] else "JPEG",
            "ext_mismatch": png_l[i],
            "width": w,
            "height": h,
            "pixels": w * h,
            "mode": "RGB",
            "bit_depth": 8,
            "channels": 3,
            "frames": 1,
            "exif": None,
            "split": SPLITS[split_l[i]],
            "stats": {
                "luma_mean": round(m, 3),
                "luma_std": round(std_l[i], 3),
                "luma_p": {
                    "p1": max(0, m - 2 * std_l[i]),
                    "p5": max(0.0, m - 1.6 * std_l[i]),
                    "p50": m,
                    "p95": min(255.0, m + 1.6 * std_l[i]),
                    "p99": min(255.0, m + 2 * std_l[i]),
                    "p999": min(255.0, m + 2.5 * std_l[i]),
                },
                "dynamic_range": float(min(255, 4 * std_l[i])),
                "entropy": 7.2,
                "colorfulness": 20.0,
                "chroma_p99": 80,
                "sharpness": round(sharp_l[i], 2),
                "blur_sigma": 0.45 if sharp_l[i] >= 12 else 1.2,  # blurry where sharpness was
                "edge_density": 0.3,
                "mean": [round(m + c, 3) for c in cast_l[i]],
                "std": [std_l[i]] * 3,
                "pad": {"top": pad_l[i], "bottom": pad_l[i], "left": 0.0, "right": 0.0},
                "border": {
                    "top": [m, 10.0],
                    "bottom": [m, 10.0],
                    "left": [m, 10.0],
                    "right": [m, 10.0],
                    "corners": m,
                    "center": m,
                },
            },
            "labels": {
                "format": "yolo",
                "file": path.replace("images/", "labels/").replace(".jpg", ".txt"),
                "units": "norm",
                "n": k,
                "classes": sorted({CLASSES[c] for c in cls_l[i][:k]}),
                "objects": objects,
            },
        }
        out.append(rec)
    return out
