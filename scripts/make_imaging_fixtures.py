#!/usr/bin/env python3
"""Writes the Imaging test fixtures (Tests/ImagingTests/Fixtures). Dev-only.

Needs a throwaway venv:
    python3 -m venv /tmp/imgvenv
    /tmp/imgvenv/bin/pip install opencv-python-headless h5py scikit-image numpy
    /tmp/imgvenv/bin/python scripts/make_imaging_fixtures.py
(Pillow, used for the palette / gray+alpha / 1-bit PNGs, comes with scikit-image.)

Images are crops of scikit-image's bundled sample photos (astronaut, coffee, chelsea, rocket:
public domain / CC0, see skimage.data). Everything written is small (< 200 kB in all).

- canny/: 128x128 gray crops, and cv2.Canny edges for several (thresholds, aperture, L2,
  Gaussian pre-blur) cases, listed in canny/cases.json.
- color/: a 64x64 RGB crop, and OpenCV's grayscale (cvtColor), resize (INTER_AREA shrink,
  INTER_LINEAR / INTER_CUBIC enlarge) and GaussianBlur results on it.
- png/: one 24x16 picture stored as 8/16-bit gray, gray+alpha, RGB, RGBA, palette (with and
  without tRNS) and 1-bit, plus the 8-bit gray / RGB pixels a reader must produce.
- hdf5/: the two seed layouts (h5py, as the Keras seed code wrote them) with formula-defined
  pixels, a file whose A and B counts differ, and a file with no known layout.
"""
import json
import os

import cv2
import h5py
import numpy as np
import skimage.data
from PIL import Image

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "ImagingTests", "Fixtures")


def out(*parts):
    path = os.path.join(ROOT, *parts)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    return path


def write_png(path, array):
    # cv2 writes BGR order for 3 channels; we keep RGB in memory, so convert on write.
    if array.ndim == 3 and array.shape[2] == 3:
        array = cv2.cvtColor(array, cv2.COLOR_RGB2BGR)
    elif array.ndim == 3 and array.shape[2] == 4:
        array = cv2.cvtColor(array, cv2.COLOR_RGBA2BGRA)
    assert cv2.imwrite(path, array, [cv2.IMWRITE_PNG_COMPRESSION, 9]), path


def crop_photo(name, side, short=None):
    """Area-downscale the photo so its short side is `short`, then take the centre side x side."""
    im = getattr(skimage.data, name)()
    short = short or int(side * 1.25)
    h, w = im.shape[:2]
    s = short / min(h, w)
    im = cv2.resize(im, (round(w * s), round(h * s)), interpolation=cv2.INTER_AREA)
    h, w = im.shape[:2]
    y, x = (h - side) // 2, (w - side) // 2
    return np.ascontiguousarray(im[y:y + side, x:x + side])


def canny_fixtures():
    cases = [
        # (id, low, high, aperture, L2, blur kernel (0 = none))
        ("t100_200_a3", 100, 200, 3, False, 0),
        ("t50_150_a3_l2", 50, 150, 3, True, 0),
        ("t400_1000_a5", 400, 1000, 5, False, 0),
        ("t300_700_a5_l2", 300, 700, 5, True, 0),
        ("t100_300_a7", 100, 300, 7, False, 0),
        ("t60_140_a3_blur5", 60, 140, 3, False, 5),
        ("t30_90_a3_l2_blur3", 30, 90, 3, True, 3),
    ]
    listing = []
    for name in ["astronaut", "coffee", "chelsea", "rocket"]:
        gray = cv2.cvtColor(crop_photo(name, 128), cv2.COLOR_RGB2GRAY)
        write_png(out("canny", f"gray_{name}.png"), gray)
        for cid, low, high, ap, l2, blur in cases:
            src = cv2.GaussianBlur(gray, (blur, blur), 0) if blur else gray
            edges = cv2.Canny(src, low, high, apertureSize=ap, L2gradient=l2)
            fname = f"edges_{name}_{cid}.png"
            write_png(out("canny", fname), edges)
            listing.append({"image": f"gray_{name}.png", "edges": fname, "low": low, "high": high,
                            "aperture": ap, "l2": l2, "blur": blur,
                            "edge_fraction": float((edges > 0).mean())})
    with open(out("canny", "cases.json"), "w") as f:
        json.dump({"opencv": cv2.__version__, "cases": listing}, f, indent=1)


def color_fixtures():
    rgb = crop_photo("chelsea", 64)
    write_png(out("color", "rgb_chelsea.png"), rgb)
    write_png(out("color", "gray_cv2.png"), cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY))
    write_png(out("color", "area_37x23_cv2.png"), cv2.resize(rgb, (37, 23), interpolation=cv2.INTER_AREA))
    write_png(out("color", "area_32x32_cv2.png"), cv2.resize(rgb, (32, 32), interpolation=cv2.INTER_AREA))
    write_png(out("color", "linear_101x90_cv2.png"), cv2.resize(rgb, (101, 90), interpolation=cv2.INTER_LINEAR))
    write_png(out("color", "cubic_101x90_cv2.png"), cv2.resize(rgb, (101, 90), interpolation=cv2.INTER_CUBIC))
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    write_png(out("color", "blur5_cv2.png"), cv2.GaussianBlur(gray, (5, 5), 0))
    write_png(out("color", "blur7_s2_cv2.png"), cv2.GaussianBlur(gray, (7, 7), 2.0))


def png_fixtures():
    rgb = crop_photo("coffee", 16, 20)[:, :, :]
    rgb = np.ascontiguousarray(np.concatenate([rgb, rgb[:, :8]], axis=1))  # 24 wide, 16 high
    h, w = rgb.shape[:2]
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    alpha = (np.arange(w)[None, :] * 10 + np.arange(h)[:, None] * 3).astype(np.uint8)
    write_png(out("png", "expected_rgb.png"), rgb)
    write_png(out("png", "expected_gray.png"), gray)
    write_png(out("png", "rgb8.png"), rgb)
    write_png(out("png", "gray8.png"), gray)
    write_png(out("png", "rgba8.png"), np.dstack([rgb, alpha]))
    Image.fromarray(np.dstack([gray, alpha]), "LA").save(out("png", "ga8.png"))
    # 16-bit: v * 257 maps back to v exactly.
    write_png(out("png", "rgb16.png"), rgb.astype(np.uint16) * 257)
    write_png(out("png", "gray16.png"), gray.astype(np.uint16) * 257)
    # Palette: quantise to <= 256 colours; the expected pixels are the palette lookups.
    pal_img = Image.fromarray(rgb, "RGB").quantize(colors=64, dither=Image.Dither.NONE)
    pal_img.save(out("png", "palette.png"))
    write_png(out("png", "expected_palette.png"), np.asarray(pal_img.convert("RGB")))
    trns = pal_img.copy()
    trns.info["transparency"] = 0
    trns.save(out("png", "palette_trns.png"), transparency=0)
    # 1-bit gray: threshold.
    bits = (gray > 128)
    Image.fromarray(bits).convert("1").save(out("png", "gray1.png"))
    write_png(out("png", "expected_gray1.png"), (bits * 255).astype(np.uint8))


def pixel_full(n, c, y, x):
    return (n * 31 + c * 7 + y * 3 + x) % 256


def hdf5_fixtures():
    N, H, W = 4, 16, 12
    n, c, y, x = np.meshgrid(np.arange(N), np.arange(3), np.arange(H), np.arange(W), indexing="ij")
    full = pixel_full(n, c, y, x).astype(np.uint8)                         # N x C x H x W
    sketch = ((n * 13 + c * 5 + y * 11 + x * 2) % 256).astype(np.uint8)
    with h5py.File(out("hdf5", "seed_fullsketch.h5"), "w") as f:
        f["train_data_full"] = full
        f["train_data_sketch"] = sketch
        f["test_data_full"] = full[:2]
        f["test_data_sketch"] = sketch[:2]

    n, y, x, c = np.meshgrid(np.arange(N), np.arange(H), np.arange(W), np.arange(3), indexing="ij")
    gen = ((n * 17 + y * 5 + x * 3 + c * 29) % 256).astype(np.float32)     # N x H x W x 3, 0-255
    n1, y1, x1 = np.meshgrid(np.arange(N), np.arange(H), np.arange(W), indexing="ij")
    raw_gray = ((n1 * 7 + y1 * 9 + x1 * 4) % 256).astype(np.float32)[..., None]  # N x H x W x 1
    raw_edges = np.where((n1 + y1 + x1) % 5 == 0, 0, 255).astype(np.uint8)  # black edges on white
    with h5py.File(out("hdf5", "seed_genraw_gray.h5"), "w") as f:
        f["train_data_gen"] = gen
        f["train_data_raw"] = raw_gray
        f["val_data_gen"] = gen[:3]
        f["val_data_raw"] = raw_gray[:3]
    with h5py.File(out("hdf5", "seed_genraw_edges.h5"), "w") as f:
        f["train_data_gen"] = gen
        f["train_data_raw"] = raw_edges                                     # N x H x W (no channel axis)

    with h5py.File(out("hdf5", "mismatch.h5"), "w") as f:                 # 4 B images but 3 A images
        f["train_data_full"] = full
        f["train_data_sketch"] = sketch[:3]

    with h5py.File(out("hdf5", "unknown.h5"), "w") as f:
        f["features"] = np.linspace(0, 1, 35).reshape(5, 7)
        f.create_group("group").create_dataset("labels", data=np.arange(5, dtype=np.int32))


def hdf5_format_fixtures():
    """Files in the HDF5 1.8+ format (version-2 object headers, compact and dense link storage)
    and a compact dataset: the structural check (HDF5GroupCheck) walks the first three and refuses
    the fourth, whose links are in a fractal heap."""
    N, H, W = 2, 16, 12
    n, c, y, x = np.meshgrid(np.arange(N), np.arange(3), np.arange(H), np.arange(W), indexing="ij")
    full = pixel_full(n, c, y, x).astype(np.uint8)
    sketch = full[:, :1]
    with h5py.File(out("hdf5", "latest_format.h5"), "w", libver="latest") as f:
        f["train_data_full"] = full
        f["train_data_sketch"] = sketch
        f.attrs["note"] = "written with libver=latest"
        f.create_group("extra/nested").attrs["values"] = np.arange(4)
        f["extra/soft"] = h5py.SoftLink("/train_data_full")
    with h5py.File(out("hdf5", "compact_layout.h5"), "w") as f:
        for name, data in (("train_data_full", full), ("train_data_sketch", sketch)):
            dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
            dcpl.set_layout(h5py.h5d.COMPACT)
            space = h5py.h5s.create_simple(data.shape)
            h5py.h5d.create(f.id, name.encode(), h5py.h5t.STD_U8LE, space, dcpl=dcpl)
            f[name][...] = data
    with h5py.File(out("hdf5", "dense_links.h5"), "w", libver="latest") as f:
        f["train_data_full"] = full
        f["train_data_sketch"] = sketch
        for i in range(10):
            f[f"extra_{i}"] = np.zeros(1, np.uint8)


def hdf5_cycle_fixtures():
    """Groups reached by more than one hard link, including a link back to the root (a cycle), in
    the old and the 1.8+ format: their object headers count the links (2), so libhdf5 visits them
    once and the structural check lets them through (one that counts 1 is refused)."""
    for libver in ("earliest", "latest"):
        with h5py.File(out("hdf5", f"hard_link_cycle_{libver}.h5"), "w", libver=libver) as f:
            g = f.create_group("train")
            g["A"] = np.zeros((2, 8, 8, 3), np.uint8)
            g["B"] = np.full((2, 8, 8, 3), 255, np.uint8)
            g["loop"] = f["/"]
            f["alias"] = g


if __name__ == "__main__":
    canny_fixtures()
    color_fixtures()
    png_fixtures()
    hdf5_fixtures()
    hdf5_format_fixtures()
    hdf5_cycle_fixtures()
    total = 0
    for dirpath, _, files in os.walk(ROOT):
        for name in files:
            total += os.path.getsize(os.path.join(dirpath, name))
    print(f"fixtures written to {os.path.normpath(ROOT)}: {total / 1024:.1f} KiB")
