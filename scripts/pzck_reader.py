#!/usr/bin/env python3
"""Independent reader for .pzck checkpoints (format 1.x, Q8 of 1.1 included), written from the
specification in Docs/Pix2PixZoo.docc/CheckpointFormat.md and sharing no code with the Swift
implementation.

    python3 scripts/pzck_reader.py FILE                 # summary: header fields and tensor table
    python3 scripts/pzck_reader.py FILE --dump-json     # the header JSON, indented
    python3 scripts/pzck_reader.py FILE --dump-tensors  # every tensor as JSON (float32 bytes in hex)

Loads every tensor into NumPy float32 and verifies every checksum. Needs numpy and zstandard
(`pip install numpy zstandard`). Exit status 0 on success, 1 with a message on a bad file.
"""
import argparse
import json
import math
import sys
import zlib

import numpy as np
import zstandard

MAGIC = b"\x89PZCK\r\n\x1a"
END_MAGIC = b"PZCKEND\x1a"
MAJOR = 1
PREAMBLE = 32
TRAILER = 16
ALIGN = 64
MAX_HEADER = 16 * 1024 * 1024
MAX_CHUNK_RAW = 4 * 1024 * 1024
MAX_TENSOR_BYTES = 1 << 53
ITEM_SIZE = {"F32": 4, "F16": 2, "BF16": 2, "Q8": 1}
ZSTD_BLOCK_MAX = 128 * 1024
MAX_SCALE = 2.0 ** 120
CODECS = ("zstd", "none")
FILTERS = ("byteshuffle", "none")


class PzckError(Exception):
    pass


def crc32(data):
    return zlib.crc32(data) & 0xFFFFFFFF


def u16(b, at):
    return int.from_bytes(b[at:at + 2], "little")


def u32(b, at):
    return int.from_bytes(b[at:at + 4], "little")


def u64(b, at):
    return int.from_bytes(b[at:at + 8], "little")


def align_up(n):
    return (n + ALIGN - 1) // ALIGN * ALIGN


def describe_foreign(prefix, size):
    if size == 0:
        return "an empty file"
    if prefix[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return "a ZIP archive (probably a PyTorch torch.save checkpoint)"
    if len(prefix) >= 2 and prefix[0] == 0x80 and 2 <= prefix[1] <= 5:
        return "a Python pickle (legacy PyTorch checkpoint)"
    if prefix[:8] == b"\x89HDF\r\n\x1a\n":
        return "an HDF5 file"
    if prefix[:4] == b"GGUF":
        return "a GGUF file"
    if prefix[:4] == b"\x28\xb5\x2f\xfd":
        return "a bare zstd frame"
    if len(prefix) >= 9 and prefix[8:9] == b"{" and 2 <= u64(prefix, 0) <= size - 8:
        return "a safetensors file"
    return None


def strict_json(text):
    def no_duplicates(pairs):
        obj = {}
        for k, v in pairs:
            if k in obj:
                raise PzckError("header: duplicate key %r" % k)
            obj[k] = v
        return obj

    def no_constants(name):
        raise PzckError("header: non-standard literal %s" % name)

    return json.loads(text, object_pairs_hook=no_duplicates, parse_constant=no_constants)


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def validate_header(h):
    if not isinstance(h, dict):
        raise PzckError("header is not a JSON object")
    for key in ("producer", "kind"):
        if not isinstance(h.get(key), str):
            raise PzckError("header field %r missing or not a string" % key)
    if h["kind"] not in ("inference", "training"):
        raise PzckError("header kind %r unknown" % h["kind"])
    if not isinstance(h.get("model"), dict):
        raise PzckError("header field 'model' missing or not an object")
    for key in ("metadata", "sections"):
        if key in h and not isinstance(h[key], dict):
            raise PzckError("header field %r is not an object" % key)
    data_length = h.get("data_length")
    if not is_int(data_length) or data_length < 0 or data_length % ALIGN:
        raise PzckError("header data_length invalid: %r" % (data_length,))
    table = h.get("tensors")
    if not isinstance(table, list):
        raise PzckError("header field 'tensors' missing or not an array")

    names = set()
    spans = []
    for t in table:
        if not isinstance(t, dict) or not isinstance(t.get("name"), str) or not t["name"]:
            raise PzckError("tensor entry without a name")
        name = t["name"]
        if name in names:
            raise PzckError("tensor %r appears twice" % name)
        names.add(name)
        for field in ("dtype", "codec", "filter"):
            if not isinstance(t.get(field), str):
                raise PzckError("tensor %r: %s missing" % (name, field))
        if t["dtype"] not in ITEM_SIZE:
            raise PzckError("tensor %r: unsupported dtype %r" % (name, t["dtype"]))
        if t["codec"] not in CODECS:
            raise PzckError("tensor %r: unsupported codec %r" % (name, t["codec"]))
        if t["filter"] not in FILTERS:
            raise PzckError("tensor %r: unsupported filter %r" % (name, t["filter"]))
        shape = t.get("shape")
        if not isinstance(shape, list) or not all(is_int(e) and e >= 0 for e in shape):
            raise PzckError("tensor %r: invalid shape %r" % (name, shape))
        item = ITEM_SIZE[t["dtype"]]
        count = 1
        for e in shape:
            count *= e
        if count * item >= MAX_TENSOR_BYTES:
            raise PzckError("tensor %r: shape %r too large" % (name, shape))
        chunks = t.get("chunks")
        if not isinstance(chunks, list):
            raise PzckError("tensor %r: chunks missing" % name)
        total = 0
        for i, c in enumerate(chunks):
            if not isinstance(c, dict):
                raise PzckError("tensor %r chunk %d: not an object" % (name, i))
            for field in ("offset", "stored_length", "raw_length", "crc32"):
                if not is_int(c.get(field)) or c[field] < 0:
                    raise PzckError("tensor %r chunk %d: %s invalid" % (name, i, field))
            off, stored, raw = c["offset"], c["stored_length"], c["raw_length"]
            if c["crc32"] >= 1 << 32:
                raise PzckError("tensor %r chunk %d: crc32 out of range" % (name, i))
            if off % ALIGN:
                raise PzckError("tensor %r chunk %d: offset not aligned" % (name, i))
            if not 1 <= raw <= MAX_CHUNK_RAW or raw % item:
                raise PzckError("tensor %r chunk %d: raw_length %d invalid" % (name, i, raw))
            if t["codec"] == "none" and stored != raw:
                raise PzckError("tensor %r chunk %d: stored != raw with codec none" % (name, i))
            least = 6 + 4 * ((raw + ZSTD_BLOCK_MAX - 1) // ZSTD_BLOCK_MAX)  # smallest zstd frame of raw bytes
            if t["codec"] == "zstd" and not least <= stored <= raw + raw // 256 + 128:
                raise PzckError("tensor %r chunk %d: stored_length %d out of bounds" % (name, i, stored))
            if off + stored > data_length:
                raise PzckError("tensor %r chunk %d: outside the data area" % (name, i))
            spans.append((off, off + stored, name, i))
            total += raw
        if total != count * item:
            raise PzckError("tensor %r: shape %r needs %d bytes, chunks hold %d" % (name, shape, count * item, total))
        if t["dtype"] == "Q8":
            t["_q8"] = validate_quantization(name, t.get("quantization"), shape)
        elif "quantization" in t:
            raise PzckError("tensor %r: quantization is only valid with dtype Q8" % name)
    spans.sort()
    for a, b in zip(spans, spans[1:]):
        if b[0] < a[1]:
            raise PzckError("chunk %d of %r overlaps chunk %d of %r" % (b[3], b[2], a[3], a[2]))


def validate_scale(name, what, v):
    if not isinstance(v, (int, float)) or isinstance(v, bool):
        raise PzckError("tensor %r: Q8 %s is not a number" % (name, what))
    try:
        d = float(v)  # JSON number -> binary64
    except OverflowError:
        d = float("inf")
    with np.errstate(over="ignore"):
        s = np.float32(d)  # -> nearest binary32
    if not (math.isfinite(d) and np.isfinite(s) and 0 < s <= MAX_SCALE):
        raise PzckError("tensor %r: Q8 %s %r is not a positive binary32 <= 2^120" % (name, what, v))
    return s


def validate_quantization(name, q, shape):
    """Returns ('channel', axis, float32 scales) or ('tensor', float32 scale, zero point)."""
    if not isinstance(q, dict):
        raise PzckError("tensor %r: Q8 needs a quantization object" % name)
    scheme = q.get("scheme")
    if scheme == "per_channel_symmetric":
        axis = q.get("axis")
        if not is_int(axis) or not 0 <= axis < len(shape):
            raise PzckError("tensor %r: Q8 axis %r outside the shape" % (name, axis))
        scales = q.get("scales")
        if not isinstance(scales, list) or len(scales) != shape[axis]:
            raise PzckError("tensor %r: Q8 needs %d scales" % (name, shape[axis]))
        return ("channel", axis, np.array([validate_scale(name, "scale %d" % i, v) for i, v in enumerate(scales)],
                                          dtype=np.float32))
    if scheme == "per_tensor_affine":
        scale = validate_scale(name, "scale", q.get("scale"))
        z = q.get("zero_point")
        if not is_int(z) or not -128 <= z <= 127:
            raise PzckError("tensor %r: Q8 zero_point %r outside -128..127" % (name, z))
        return ("tensor", scale, z)
    raise PzckError("tensor %r: unknown Q8 scheme %r" % (name, scheme))


def dequantize(q8, ints, shape):
    """Float32 values of int8 elements: one binary32 product each, as the specification defines."""
    if q8[0] == "tensor":
        _, scale, z = q8
        return (ints.astype(np.int32) - z).astype(np.float32) * scale
    _, axis, scales = q8
    inner = int(np.prod(shape[axis + 1:], dtype=np.int64))
    channel = (np.arange(ints.size, dtype=np.int64) // inner) % shape[axis]
    return ints.astype(np.float32) * scales[channel]


def open_checkpoint(path):
    """Returns (header dict, data bytes as memoryview, version tuple) after validating the container."""
    with open(path, "rb") as f:
        blob = f.read()
    size = len(blob)
    if blob[:8] != MAGIC:
        if 0 < size < 8 and MAGIC.startswith(blob):
            raise PzckError("truncated inside the magic")
        what = describe_foreign(blob[:16], size)
        raise PzckError("not a .pzck file" + (" (looks like %s)" % what if what else ""))
    if size < PREAMBLE:
        raise PzckError("truncated inside the preamble")
    major, minor, flags = u16(blob, 8), u16(blob, 10), u32(blob, 12)
    if major != MAJOR:
        raise PzckError("unsupported major version %d.%d" % (major, minor))
    if crc32(blob[:28]) != u32(blob, 28):
        raise PzckError("preamble checksum mismatch")
    if flags:
        raise PzckError("unknown flags 0x%x" % flags)
    hlen = u64(blob, 16)
    if hlen > MAX_HEADER:
        raise PzckError("header length %d over the limit" % hlen)
    data_start = align_up(PREAMBLE + hlen)
    if data_start + TRAILER > size:
        raise PzckError("truncated: header does not fit")
    header_bytes = blob[PREAMBLE:PREAMBLE + hlen]
    if crc32(header_bytes) != u32(blob, 24):
        raise PzckError("header checksum mismatch")
    try:
        header = strict_json(header_bytes.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise PzckError("header is not valid UTF-8 JSON: %s" % e)
    validate_header(header)
    expected = data_start + header["data_length"] + TRAILER
    if size < expected:
        raise PzckError("truncated: %d bytes, header describes %d" % (size, expected))
    if size > expected:
        raise PzckError("%d trailing bytes" % (size - expected))
    if blob[-8:] != END_MAGIC or u64(blob, size - 16) != header["data_length"]:
        raise PzckError("invalid trailer")
    return header, memoryview(blob)[data_start:data_start + header["data_length"]], (major, minor)


def decode_tensor(t, data):
    item = ITEM_SIZE[t["dtype"]]
    parts = []
    dctx = zstandard.ZstdDecompressor()
    for i, c in enumerate(t["chunks"]):
        stored = bytes(data[c["offset"]:c["offset"] + c["stored_length"]])
        if crc32(stored) != c["crc32"]:
            raise PzckError("tensor %r chunk %d: checksum mismatch" % (t["name"], i))
        raw_len = c["raw_length"]
        if t["codec"] == "zstd":
            try:
                declared = zstandard.frame_content_size(stored)
            except zstandard.ZstdError as e:
                raise PzckError("tensor %r chunk %d: not a zstd frame (%s)" % (t["name"], i, e))
            if declared != raw_len:
                raise PzckError("tensor %r chunk %d: frame declares %d bytes, table %d" % (t["name"], i, declared, raw_len))
            try:
                raw = dctx.decompress(stored, max_output_size=raw_len, allow_extra_data=False)
            except zstandard.ZstdError as e:
                raise PzckError("tensor %r chunk %d: %s" % (t["name"], i, e))
            if len(raw) != raw_len:
                raise PzckError("tensor %r chunk %d: decoded %d bytes, table %d" % (t["name"], i, len(raw), raw_len))
        else:
            raw = stored
        planes = np.frombuffer(raw, dtype=np.uint8)
        if t["filter"] == "byteshuffle":
            planes = planes.reshape(item, raw_len // item).T.reshape(-1)
        parts.append(planes)
    buf = np.concatenate(parts) if parts else np.zeros(0, dtype=np.uint8)
    if t["dtype"] == "F32":
        values = buf.view("<f4")
    elif t["dtype"] == "Q8":
        values = dequantize(t["_q8"], buf.view(np.int8), t["shape"])
    elif t["dtype"] == "F16":
        values = buf.view("<f2").astype(np.float32)
    else:  # BF16: the upper half of a binary32
        values = (buf.view("<u2").astype(np.uint32) << 16).view(np.float32)
    return values.astype(np.float32, copy=False).reshape(t["shape"])


def load(path):
    """Returns (header, {name: float32 ndarray}) with every checksum verified."""
    header, data, _ = open_checkpoint(path)
    return header, {t["name"]: decode_tensor(t, data) for t in header["tensors"]}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("file")
    parser.add_argument("--dump-json", action="store_true", help="print the header JSON")
    parser.add_argument("--dump-tensors", action="store_true",
                        help="print tensors as JSON: name, dtype, shape, float32 little-endian bytes in hex")
    args = parser.parse_args(argv)
    try:
        header, tensors = load(args.file)
    except (PzckError, OSError) as e:
        print("%s: %s" % (args.file, e), file=sys.stderr)
        return 1
    if args.dump_json:
        clean = dict(header, tensors=[{k: v for k, v in t.items() if k != "_q8"} for t in header["tensors"]])
        print(json.dumps(clean, indent=2, sort_keys=True, ensure_ascii=False))
    if args.dump_tensors:
        rows = [{"name": t["name"], "dtype": t["dtype"], "shape": t["shape"],
                 "float32_le_hex": tensors[t["name"]].astype("<f4").tobytes().hex()} for t in header["tensors"]]
        print(json.dumps({"tensors": rows}))
    if not args.dump_json and not args.dump_tensors:
        print("producer %s, kind %s, %d tensors" % (header["producer"], header["kind"], len(tensors)))
        for t in header["tensors"]:
            raw = sum(c["raw_length"] for c in t["chunks"])
            stored = sum(c["stored_length"] for c in t["chunks"])
            a = tensors[t["name"]]
            print("  %-40s %-5s %-18s raw %10d stored %10d  mean %+.6g" % (
                t["name"], t["dtype"], str(t["shape"]), raw, stored, float(a.mean()) if a.size else 0.0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
