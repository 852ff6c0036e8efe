#!/usr/bin/env python3
"""Fixtures of the PyTorch .pth reader (Tests/TorchImportTests/Fixtures). Dev-only; the output is committed.

Run from the repository root with PyTorch (torch from PyPI, no numpy needed):
    /work/main/.venv-bench/bin/python scripts/make_pth_fixtures.py      # or any python with torch

Writes:
  parity/   Reference-architecture U-Nets (the structure and state_dict keys of
            junyanz/pytorch-CycleGAN-and-pix2pix models/networks.py: UnetGenerator /
            UnetSkipConnectionBlock, get_norm_layer), 6 levels (the smallest depth the registry has a
            preset for: unet_64; the reference's UnetGenerator needs num_downs >= 5), no dropout (so
            train mode is deterministic):
              batch     ngf 4, 3 -> 3 channels, BatchNorm2d (running statistics made non-trivial)
              instance  ngf 2, 1 -> 3 channels, InstanceNorm2d(affine=False, track_running_stats=False)
            each saved with torch.save twice: the zip archive (<name>_zip.pth) and the legacy stream
            (<name>_legacy.pth, _use_new_zipfile_serialization=False); with its input and its outputs
            in eval and in train mode as raw little-endian float32, NHWC (<name>_input.f32,
            <name>_eval.f32, <name>_train.f32) and parity.json (shapes, how far PyTorch's own float32
            outputs lie from float64).
  reader/   Small state dicts that cover the reader: float16 / bfloat16 / float64 / int64 tensors, a
            transposed (non-contiguous) view and an offset view sharing one storage, a scalar, an
            empty tensor; plain, under {"state_dict": ...}, and with DataParallel's "module." prefix;
            zip and legacy. reader.json holds every tensor's expected shape and values.
  malicious/ Files the reader must refuse. The ones marked "executes" run code under Python's own
            unpickler (and so under torch.load(weights_only=False)): each would create MARKER; this
            script checks that it really does (in a subprocess) before writing it, so the Swift
            tests prove something when they find MARKER absent. manifest.json lists every file with
            the error the reader must give.
Also writes the fuzz seeds Tests/Fuzz/Corpus/pth/ (each < 64 kB): the reader/ files, tiny U-Nets
(unet_64 at ngf 1, batch and instance norm, both formats) and two refused files.
The bytes of the .pth files are not reproducible run to run (torch writes a random serialization id).
"""
import collections
import io
import json
import os
import pickle
import struct
import subprocess
import sys
import tempfile
import zipfile

import torch
import torch.nn as nn

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "TorchImportTests", "Fixtures")
SEEDS = os.path.join(ROOT, "Tests", "Fuzz", "Corpus", "pth")
MARKER = "/tmp/pix2pix-pth-import-marker"

torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)


# ---------------------------------------------------------------------------------------------
# The reference's U-Net (structure and keys of models/networks.py)
# ---------------------------------------------------------------------------------------------

def get_norm_layer(norm_type):
    if norm_type == "batch":
        return lambda c: nn.BatchNorm2d(c, affine=True, track_running_stats=True)
    if norm_type == "instance":
        return lambda c: nn.InstanceNorm2d(c, affine=False, track_running_stats=False)
    raise ValueError(norm_type)


class UnetSkipConnectionBlock(nn.Module):
    def __init__(self, outer_nc, inner_nc, input_nc=None, submodule=None, outermost=False, innermost=False,
                 norm="batch", use_dropout=False):
        super().__init__()
        self.outermost = outermost
        use_bias = norm == "instance"
        norm_layer = get_norm_layer(norm)
        if input_nc is None:
            input_nc = outer_nc
        downconv = nn.Conv2d(input_nc, inner_nc, kernel_size=4, stride=2, padding=1, bias=use_bias)
        downrelu = nn.LeakyReLU(0.2, True)
        downnorm = norm_layer(inner_nc)
        uprelu = nn.ReLU(True)
        upnorm = norm_layer(outer_nc)
        if outermost:
            upconv = nn.ConvTranspose2d(inner_nc * 2, outer_nc, kernel_size=4, stride=2, padding=1)
            model = [downconv] + [submodule] + [uprelu, upconv, nn.Tanh()]
        elif innermost:
            upconv = nn.ConvTranspose2d(inner_nc, outer_nc, kernel_size=4, stride=2, padding=1, bias=use_bias)
            model = [downrelu, downconv] + [uprelu, upconv, upnorm]
        else:
            upconv = nn.ConvTranspose2d(inner_nc * 2, outer_nc, kernel_size=4, stride=2, padding=1, bias=use_bias)
            model = [downrelu, downconv, downnorm] + [submodule] + [uprelu, upconv, upnorm]
            if use_dropout:
                model += [nn.Dropout(0.5)]
        self.model = nn.Sequential(*model)

    def forward(self, x):
        if self.outermost:
            return self.model(x)
        return torch.cat([x, self.model(x)], 1)


class UnetGenerator(nn.Module):
    def __init__(self, input_nc, output_nc, num_downs, ngf=64, norm="batch", use_dropout=False):
        super().__init__()
        block = UnetSkipConnectionBlock(ngf * 8, ngf * 8, submodule=None, norm=norm, innermost=True)
        for _ in range(num_downs - 5):
            block = UnetSkipConnectionBlock(ngf * 8, ngf * 8, submodule=block, norm=norm, use_dropout=use_dropout)
        block = UnetSkipConnectionBlock(ngf * 4, ngf * 8, submodule=block, norm=norm)
        block = UnetSkipConnectionBlock(ngf * 2, ngf * 4, submodule=block, norm=norm)
        block = UnetSkipConnectionBlock(ngf, ngf * 2, submodule=block, norm=norm)
        self.model = UnetSkipConnectionBlock(output_nc, ngf, input_nc=input_nc, submodule=block, outermost=True, norm=norm)

    def forward(self, x):
        return self.model(x)


def unit_gain_init(net, g):
    """Weights of unit-ish gain (the reference's N(0, 0.02) would shrink a deep net's output towards
    zero, and a parity test would prove little); BatchNorm affine near 1 / 0."""
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
                w = m.weight
                fan_in = w.shape[1] * w.shape[2] * w.shape[3]
                if isinstance(m, nn.ConvTranspose2d):
                    fan_in = w.shape[0] * w.shape[2] * w.shape[3] / 4
                w.copy_(torch.randn(w.shape, generator=g) / fan_in ** 0.5)
                if m.bias is not None:
                    m.bias.copy_(torch.randn(m.bias.shape, generator=g) * 0.1)
            elif isinstance(m, nn.BatchNorm2d):
                m.weight.copy_(torch.rand(m.weight.shape, generator=g) * 0.6 + 0.7)
                m.bias.copy_(torch.randn(m.bias.shape, generator=g) * 0.1)


def quantized(g, *shape, steps=16):
    return torch.randint(-steps, steps + 1, shape, generator=g).to(torch.float32) / steps


def f32_bytes(t):
    values = t.detach().contiguous().reshape(-1).tolist()
    return struct.pack("<%df" % len(values), *values)


def nhwc(t):
    return t.permute(0, 2, 3, 1).contiguous()


WRITTEN = []


def write(relative, data):
    path = os.path.join(OUT, relative)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path + ".tmp", "wb") as f:
        f.write(data)
    os.replace(path + ".tmp", path)
    WRITTEN.append((relative, len(data)))


def save_both(obj, stem):
    """torch.save in both formats; returns the two file names."""
    for fmt, new in (("zip", True), ("legacy", False)):
        buffer = io.BytesIO()
        torch.save(obj, buffer, _use_new_zipfile_serialization=new)
        write("%s_%s.pth" % (stem, fmt), buffer.getvalue())
    return ["%s_zip.pth" % stem, "%s_legacy.pth" % stem]


def parity_case(name, norm, ngf, input_nc, output_nc, seed):
    g = torch.Generator().manual_seed(seed)
    net = UnetGenerator(input_nc, output_nc, 6, ngf=ngf, norm=norm, use_dropout=False)
    unit_gain_init(net, g)
    x = quantized(g, 1, input_nc, 64, 64)
    if norm == "batch":
        # Running statistics near the real ones: a few train passes on perturbed inputs.
        net.train()
        with torch.no_grad():
            for _ in range(3):
                net(x + 0.25 * torch.randn(x.shape, generator=g))
    state = collections.OrderedDict((k, v.clone()) for k, v in net.state_dict().items())
    files = save_both(state, "parity/%s" % name)
    outputs = {}
    floor = {}
    for mode in ("eval", "train"):
        net.train(mode == "train")
        with torch.no_grad():
            y32 = net(x.clone())
            ref64 = UnetGenerator(input_nc, output_nc, 6, ngf=ngf, norm=norm).double()
            ref64.load_state_dict(state)
            ref64.train(mode == "train")
            y64 = ref64(x.double())
        outputs[mode] = y32
        d = (y32.double() - y64).abs()
        floor[mode] = float("%.3g" % float(d.max() / y64.abs().max()))
    write("parity/%s_input.f32" % name, f32_bytes(nhwc(x)))
    for mode in ("eval", "train"):
        write("parity/%s_%s.f32" % (name, mode), f32_bytes(nhwc(outputs[mode])))
    return {
        "name": name, "files": files, "generator": "unet_64", "norm": norm, "ngf": ngf,
        "input_channels": input_nc, "output_channels": output_nc, "dropout": False,
        "input_shape": list(nhwc(x).shape), "output_shape": list(nhwc(outputs["eval"]).shape),
        "keys": len(state), "parameters": sum(p.numel() for p in net.parameters()),
        "fp32_vs_fp64_max_rel": floor,
        "note": "outputs are PyTorch's float32 results; fp32_vs_fp64_max_rel is max|y32 - y64| / max|y64|",
    }


# ---------------------------------------------------------------------------------------------
# Reader coverage
# ---------------------------------------------------------------------------------------------

def reader_cases():
    base = torch.arange(12, dtype=torch.float32).reshape(3, 4) / 8 - 0.5
    sd = collections.OrderedDict()
    sd["a"] = base
    sd["a_t"] = base.t()                     # non-contiguous view of the same storage
    sd["a_rows"] = base[1:]                  # offset view
    sd["a_col"] = base[:, 2]                 # strided 1-d view
    sd["half"] = torch.tensor([0.5, -2.0, 65504.0, 6e-8], dtype=torch.float16)
    sd["bf16"] = torch.tensor([1.0, -3.140625, 1e30], dtype=torch.bfloat16)
    sd["double"] = torch.tensor([[0.1, 1e-40], [2.5, -7.0]], dtype=torch.float64)
    sd["count"] = torch.tensor(7)            # int64 scalar (as num_batches_tracked)
    sd["empty"] = torch.zeros(0, 3)
    sd["param"] = nn.Parameter(torch.tensor([1.5, 2.5]))  # pickled through _rebuild_parameter
    expected = {}
    for k, v in sd.items():
        flat = v.detach().to(torch.float64).contiguous().reshape(-1).tolist()
        expected[k] = {"shape": list(v.shape), "dtype": str(v.dtype).replace("torch.", ""),
                       "values": [float(torch.tensor(f, dtype=torch.float64).to(torch.float32)) for f in flat]}
    files = {}
    files["plain"] = save_both(sd, "reader/plain")
    files["wrapped"] = save_both({"epoch": 3, "state_dict": sd}, "reader/wrapped")
    files["module_prefix"] = save_both(collections.OrderedDict(("module." + k, v) for k, v in sd.items()),
                                       "reader/module_prefix")
    write("reader/reader.json", (json.dumps({"tensors": expected, "files": files}, indent=1, sort_keys=True) + "\n").encode())


# ---------------------------------------------------------------------------------------------
# Malicious and malformed files
# ---------------------------------------------------------------------------------------------

def bu(s):
    """BINUNICODE."""
    b = s.encode()
    return b"X" + struct.pack("<I", len(b)) + b


def glob(module, name):
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"


TOUCH = "touch " + MARKER
PROTO2 = b"\x80\x02"
LEGACY_HEAD = (pickle.dumps(0x1950a86a20f9469cfc6c, protocol=2) + pickle.dumps(1001, protocol=2)
               + pickle.dumps({"protocol_version": 1001, "little_endian": True,
                               "type_sizes": {"short": 2, "int": 4, "long": 4}}, protocol=2))


def executes(pickle_bytes):
    """True when Python's unpickler, run on the bytes in a subprocess, creates MARKER."""
    if os.path.exists(MARKER):
        os.remove(MARKER)
    with tempfile.NamedTemporaryFile(suffix=".pkl", delete=False) as f:
        f.write(pickle_bytes)
        path = f.name
    subprocess.run([sys.executable, "-c", "import pickle, sys\ntry:\n pickle.loads(open(sys.argv[1], 'rb').read())\n"
                    "except Exception:\n pass", path], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
    os.remove(path)
    made = os.path.exists(MARKER)
    if made:
        os.remove(MARKER)
    return made


def zip_archive(entries, root="archive", deflated=()):
    """Stored entries under root/ (names starting with / or .. as given); those named in `deflated` compressed."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for name, data in entries:
            method = zipfile.ZIP_DEFLATED if name in deflated else zipfile.ZIP_STORED
            z.writestr(name if name.startswith("/") or name.startswith("..") or root is None else root + "/" + name, data,
                       compress_type=method)
    return buffer.getvalue()


def tensor_pickle(shape, stride, numel, offset=0, key="0", storage="FloatStorage"):
    """A state dict {'w': tensor} as torch pickles it, with the given geometry."""
    def ints(values):
        out = b"("
        for v in values:
            out += b"\x8a" + bytes([8]) + struct.pack("<q", v) if v > 0x7fffffff else b"J" + struct.pack("<i", v)
        return out + b"t"
    return (PROTO2 + glob("collections", "OrderedDict") + b")R" + b"(" + bu("w")
            + glob("torch._utils", "_rebuild_tensor_v2")
            + b"((" + bu("storage") + glob("torch", storage) + bu(key) + bu("cpu") + b"J" + struct.pack("<i", numel) + b"tQ"
            + b"J" + struct.pack("<i", offset) + ints(shape) + ints(stride) + b"\x89" + glob("collections", "OrderedDict") + b")R"
            + b"tR" + b"u.")


class Evil:
    def __reduce__(self):
        import subprocess as sp
        return (sp.check_call, (["touch", MARKER],))


def malicious_cases():
    cases = []

    def add(name, data, error, detail, must_execute=None, pickle_bytes=None):
        if must_execute is not None:
            ran = executes(pickle_bytes)
            if ran != must_execute:
                raise SystemExit("%s: Python's unpickler %s MARKER, expected %s" % (name, "created" if ran else "did not create", must_execute))
        write("malicious/" + name, data)
        cases.append({"file": name, "error": error, "detail": detail, "executes_under_python": bool(must_execute)})

    # 1. os.system in data.pkl of a zip archive (what a tampered torch.save file looks like).
    p = PROTO2 + glob("posix", "system") + bu(TOUCH) + b"\x85R."
    add("os_system_zip.pth", zip_archive([("data.pkl", p), ("version", b"3\n")]), "globalRefused", "posix.system", True, p)
    # 2. builtins.eval.
    p = PROTO2 + glob("builtins", "eval") + bu("__import__('os').system(%r)" % TOUCH) + b"\x85R."
    add("builtins_eval_zip.pth", zip_archive([("data.pkl", p)]), "globalRefused", "builtins.eval", True, p)
    # 3. __reduce__ to subprocess, in the object pickle of a legacy stream.
    p = pickle.dumps(Evil(), protocol=2)  # protocol 2 names it by its Python 2 module: commands.check_call
    add("reduce_subprocess_legacy.pth", LEGACY_HEAD + p, "globalRefused", "check_call", True, p)
    # 4. The payload in the legacy stream's very first pickle (where torch expects the magic number).
    p = PROTO2 + glob("posix", "system") + bu(TOUCH) + b"\x85R."
    add("first_pickle_legacy.pth", p + LEGACY_HEAD[len(pickle.dumps(0x1950a86a20f9469cfc6c, protocol=2)):], "globalRefused", "posix.system", True, p)
    # 5. Nested calls: __import__('os') -> getattr(module, 'system') -> call (REDUCE on REDUCE results).
    p = (PROTO2 + glob("builtins", "getattr") + b"(" + glob("builtins", "__import__") + bu("os") + b"\x85R" + bu("system")
         + b"tR" + bu(TOUCH) + b"\x85R.")
    add("nested_getattr_zip.pth", zip_archive([("data.pkl", p)]), "globalRefused", "builtins.getattr", True, p)
    # 6. The same chain hidden behind allowlisted-looking names: a dotted attribute path on an allowed module.
    p = PROTO2 + glob("collections", "OrderedDict.__init__.__globals__") + b"."
    add("dotted_global_zip.pth", zip_archive([("data.pkl", p)]), "globalRefused", "collections.OrderedDict.__init__.__globals__", False, p)
    # 7. Protocol 0 INST (calls os.system with no GLOBAL opcode at all).
    p = b"(" + bu(TOUCH) + b"ios\nsystem\n."
    add("inst_opcode_zip.pth", zip_archive([("data.pkl", p)]), "opcodeRefused", "INST", True, p)
    # 8. Protocol 4 STACK_GLOBAL (module and name from the stack).
    p = b"\x80\x04" + bu("posix") + bu("system") + b"\x93" + bu(TOUCH) + b"\x85R."
    add("stack_global_zip.pth", zip_archive([("data.pkl", p)]), "opcodeRefused", "STACK_GLOBAL", True, p)
    # 9. REDUCE applied to a value an allowed call returned (OrderedDict()(...)): only allowlisted globals are callable.
    p = PROTO2 + glob("collections", "OrderedDict") + b")R" + bu(TOUCH) + b"\x85R."
    add("reduce_on_result_zip.pth", zip_archive([("data.pkl", p)]), "callRefused", "REDUCE", False, p)
    # 10. BUILD on a class (would set attributes on collections.OrderedDict under Python).
    p = PROTO2 + glob("collections", "OrderedDict") + b"}" + bu("__reduce__") + glob("torch._utils", "_rebuild_tensor_v2") + b"sb."
    add("build_on_global_zip.pth", zip_archive([("data.pkl", p)]), "callRefused", "BUILD", None)
    # 11. A zip bomb: a storage of 16 MiB of zeros deflated (16 KB here); torch never compresses, so it is refused unread.
    bomb = zip_archive([("data.pkl", tensor_pickle([4], [1], 4)), ("data/0", b"\0" * (16 << 20))], deflated={"data/0"})
    add("zip_bomb.pth", bomb, "compressedEntry", "archive/data/0", None)
    # 12. Overlapping entries (the non-recursive zip bomb): data.pkl's declared data runs over data/0's header and data.
    add("overlapping_entries.pth", overlapping_zip(), "zip", "overlap", None)
    # 13. A storage shorter than its tensor: 100 elements declared over a 10-element storage.
    p = tensor_pickle([100], [1], 10)
    add("short_storage_zip.pth", zip_archive([("data.pkl", p), ("data/0", b"\0" * 40)]), "tensor", "shorter", None)
    # 14. A storage entry holding fewer bytes than its persistent id declares.
    p = tensor_pickle([10], [1], 10)
    add("short_entry_zip.pth", zip_archive([("data.pkl", p), ("data/0", b"\0" * 12)]), "storage", "entry holds", None)
    # 15. A 2^62-element shape over a 4-element storage.
    p = tensor_pickle([1 << 31, 1 << 31], [1, 1], 4)
    add("huge_shape_zip.pth", zip_archive([("data.pkl", p), ("data/0", b"\0" * 16)]), "limitExceeded", "element count", None)
    # 16. Strides whose extent overflows 64 bits (shape 2 x 2, stride 2^62).
    p = tensor_pickle([2, 2], [1 << 62, 1 << 62], 4)
    add("stride_overflow_zip.pth", zip_archive([("data.pkl", p), ("data/0", b"\0" * 16)]), "tensor", "overflow", None)
    # 17. A zip entry named ../x next to a valid model; and an absolute one; and a duplicate.
    good = [("data.pkl", tensor_pickle([4], [1], 4)), ("data/0", b"\0" * 16)]
    add("dotdot_entry.pth", zip_archive(good + [("../x", b"owned")]), "unsafeEntryName", "..", None)
    add("absolute_entry.pth", zip_archive(good + [("/tmp/x", b"owned")]), "unsafeEntryName", "absolute", None)
    add("duplicate_entry.pth", duplicate_zip(good), "unsafeEntryName", "second entry", None)
    # 18. A legacy stream cut short inside its storage data.
    buffer = io.BytesIO()
    torch.save(collections.OrderedDict(w=torch.ones(64)), buffer, _use_new_zipfile_serialization=False)
    data = buffer.getvalue()
    add("truncated_legacy.pth", data[:len(data) - 100], "truncated", "storage", None)
    # 19. A persistent id declaring 2^40 elements (more than the file holds) before any data is read.
    p = tensor_pickle([4], [1], 0).replace(b"J" + struct.pack("<i", 0) + b"tQ", b"\x8a\x08" + struct.pack("<q", 1 << 40) + b"tQ")
    add("huge_storage_zip.pth", zip_archive([("data.pkl", p), ("data/0", b"\0" * 16)]), "storage", "more than the whole file", None)
    return cases


def overlapping_zip():
    """A stored archive whose first entry (data.pkl) declares a size that covers the next entry's
    local header and data: every byte would be read twice (Fifield's non-recursive zip bomb)."""
    body = bytearray(zip_archive([("data.pkl", tensor_pickle([4], [1], 4)), ("data/0", b"\0" * 16)]))
    end = body.rfind(b"PK\x05\x06")
    cd_offset = struct.unpack("<I", body[end + 16:end + 20])[0]
    local = 0  # data.pkl's local header comes first
    n, m = struct.unpack("<HH", body[local + 26:local + 30])
    span = cd_offset - (local + 30 + n + m)
    struct.pack_into("<II", body, cd_offset + 20, span, span)
    return bytes(body)


def duplicate_zip(entries):
    buffer = io.BytesIO()
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with zipfile.ZipFile(buffer, "w") as z:
            for name, data in entries:
                z.writestr("archive/" + name, data)
            z.writestr("archive/data/0", b"\x01" * 16)  # a second data/0
    return buffer.getvalue()


def fuzz_seeds():
    os.makedirs(SEEDS, exist_ok=True)
    for name in os.listdir(SEEDS):
        os.remove(os.path.join(SEEDS, name))
    copies = ["reader/plain_zip.pth", "reader/plain_legacy.pth", "reader/wrapped_legacy.pth", "reader/module_prefix_zip.pth",
              "malicious/os_system_zip.pth", "malicious/huge_shape_zip.pth"]
    seeds = [(os.path.basename(c), open(os.path.join(OUT, c), "rb").read()) for c in copies]
    g = torch.Generator().manual_seed(5)
    for norm in ("batch", "instance"):
        net = UnetGenerator(3, 3, 6, ngf=1, norm=norm)
        unit_gain_init(net, g)
        for fmt, new in (("zip", True), ("legacy", False)):
            buffer = io.BytesIO()
            torch.save(net.state_dict(), buffer, _use_new_zipfile_serialization=new)
            seeds.append(("unet64_ngf1_%s_%s.pth" % (norm, fmt), buffer.getvalue()))
    for name, data in seeds:
        if len(data) >= 64 << 10:
            raise SystemExit("fuzz seed %s is %d bytes (at most 64 kB)" % (name, len(data)))
        with open(os.path.join(SEEDS, name), "wb") as f:
            f.write(data)
        print("%9d  Tests/Fuzz/Corpus/pth/%s" % (len(data), name))


def main():
    os.makedirs(OUT, exist_ok=True)
    cases = [parity_case("batch", "batch", 4, 3, 3, 1), parity_case("instance", "instance", 2, 1, 3, 2)]
    write("parity/parity.json", (json.dumps({"cases": cases, "torch_version": torch.__version__.split("+")[0]},
                                            indent=1, sort_keys=True) + "\n").encode())
    reader_cases()
    malicious = malicious_cases()
    write("malicious/manifest.json", (json.dumps({"marker": MARKER, "cases": malicious}, indent=1, sort_keys=True) + "\n").encode())
    total = 0
    for relative, n in WRITTEN:
        total += n
        print("%9d  %s" % (n, relative))
    print("%9d  total (%.2f MB)" % (total, total / 1e6))
    if total > 2_000_000:
        raise SystemExit("fixtures total %d bytes, over the 2 MB budget" % total)
    fuzz_seeds()


if __name__ == "__main__":
    main()
