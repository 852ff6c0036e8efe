#!/usr/bin/env python3
# Golden tensors from PyTorch for the Swift parity tests (dev-only; the tests never run PyTorch).
#
# Run from the repository root, with PyTorch in a throwaway venv:
#   python3 -m venv /tmp/torchvenv && /tmp/torchvenv/bin/pip install torch numpy
#   /tmp/torchvenv/bin/python scripts/make_fixtures.py
#
# Writes (and prints the size of) every fixture:
#   Tests/TensorTests/Fixtures/*.json   ops: conv2d, conv_transpose2d, batch norm, instance norm,
#                                       activations, losses
#   Tests/NNTests/Fixtures/*.json       Adam
#   Tests/Pix2PixTests/Fixtures/*.json  the reference networks (the registry's parity tests) and
#                                       param_counts.json
# The output is deterministic: fixed seeds, one thread, deterministic algorithms. Rerunning it
# rewrites the same bytes (same PyTorch version); `--check` exits 1 if any file would change.
#
# File format (one JSON object per case):
#   {"case": name, "meta": {...}, "tensors": {name: {"shape": [...], "data": [row-major floats]}}}
# Activations are stored NHWC (permuted from PyTorch's NCHW); conv weights OIHW and transposed-conv
# weights IOHW, as PyTorch holds them. Inputs (activations, weights, running statistics, the
# upstream gradient R) are written with the shortest decimal that round-trips float32, so the
# Swift side reads back exactly the bits PyTorch used (generated values are rounded to 4
# significant digits first, which keeps the files small). Results (outputs, gradients): op and
# Adam fixtures hold PyTorch's float32 results at round-trip precision; network fixtures hold
# PyTorch's float64 results for the same float32 inputs, to 6 significant digits (relative
# rounding <= 5e-7), to stay under the 2 MB budget.
# Every case's meta says how far PyTorch's own float32 results lie from float64:
#   fp32_vs_fp64_max_rel         max over result tensors of max|r32 - r64| / (1e-3 + max|r64|)
#   fp32_vs_fp64_tolerance_used  max over elements of |r32 - r64| / (1e-5 + 1e-4 |r64|), the
#                                share of the Swift op tests' tolerance that float32 rounding alone
#                                uses (> 1 for the deeper networks: compare those per tensor).
#
# The network classes below re-create the structure (and therefore the state_dict keys) of
# junyanz/pytorch-CycleGAN-and-pix2pix models/networks.py: UnetGenerator /
# UnetSkipConnectionBlock, NLayerDiscriminator and PixelDiscriminator, norm 'batch'
# (BatchNorm2d, affine; conv biases only where the reference keeps them). The encoder-decoder is
# the same U-Net without the skip concatenation (the Lua pix2pix defineG_encoder_decoder): every
# decoder conv takes inner_nc channels instead of 2 * inner_nc.
#
# The reference's activations are in-place: a U-Net level's first op, LeakyReLU(0.2), overwrites
# its input x before `cat([x, model(x)])`, so the skip holds LeakyReLU(x). That changes nothing:
# the parent level's up path starts with ReLU and ReLU(LeakyReLU(x)) = ReLU(x), in value and
# gradient; a Swift U-Net may concatenate x itself. (Checked against the reference classes.)
import argparse
import copy
import json
import math
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TENSOR_DIR = os.path.join(ROOT, "Tests", "TensorTests", "Fixtures")
NN_DIR = os.path.join(ROOT, "Tests", "NNTests", "Fixtures")
NET_DIR = os.path.join(ROOT, "Tests", "Pix2PixTests", "Fixtures")

torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)
torch.set_default_dtype(torch.float32)

WRITTEN = []  # (path, bytes)
CHECK_ONLY = False
CHANGED = []


# ---------------------------------------------------------------------------------------------
# Formatting
# ---------------------------------------------------------------------------------------------

def fmt_exact(values):
    """Shortest decimal strings that round-trip float32 (numpy's str of a float32 scalar)."""
    out = []
    for v in values:
        s = str(v)
        if s in ("nan", "inf", "-inf"):
            raise ValueError("non-finite value in fixture")
        out.append(s)
    return out


def fmt_digits(values, digits):
    out = []
    for v in values:
        f = float(v)
        if not math.isfinite(f):
            raise ValueError("non-finite value in fixture")
        s = "%.*g" % (digits, f)
        out.append(s)
    return out


def as_nhwc(t):
    t = t.detach()
    if t.dim() == 4:
        t = t.permute(0, 2, 3, 1)
    return t.contiguous()


def entry(t, nhwc, digits=None):
    """A fixture tensor: NCHW activations permuted to NHWC when nhwc, anything else as-is."""
    t = as_nhwc(t) if nhwc else t.detach().contiguous()
    if digits is None:
        data = fmt_exact(t.to(torch.float32).cpu().numpy().reshape(-1))
    else:
        data = fmt_digits(t.to(torch.float64).cpu().numpy().reshape(-1), digits)
    return {"shape": list(t.shape), "data": data}


def write_case(directory, name, meta, tensors):
    """tensors: ordered list of (name, entry). Writes compact JSON with one tensor per line."""
    meta = dict(meta)
    meta["torch_version"] = torch.__version__.split("+")[0]
    lines = ['{"case": %s,' % json.dumps(name), ' "meta": %s,' % json.dumps(meta, sort_keys=True),
             ' "tensors": {']
    items = []
    for key, e in tensors:
        items.append('  %s: {"shape": %s, "data": [%s]}'
                     % (json.dumps(key), json.dumps(e["shape"]), ",".join(e["data"])))
    lines.append(",\n".join(items))
    lines.append(" }}")
    text = "\n".join(lines) + "\n"
    json.loads(text)  # must parse
    path = os.path.join(directory, name + ".json")
    data = text.encode()
    old = open(path, "rb").read() if os.path.exists(path) else None
    if old != data:
        CHANGED.append(path)
        if not CHECK_ONLY:
            tmp = path + ".tmp"
            with open(tmp, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
    WRITTEN.append((path, len(data)))


# ---------------------------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------------------------

def gen(seed):
    g = torch.Generator().manual_seed(seed)
    return g


def short(t, digits=4):
    """Rounds to `digits` significant decimal digits, then to float32: the fixture stores the
    short decimal and the Swift side reads back exactly the float32 PyTorch used."""
    a = t.detach().double().cpu().numpy()
    r = np.vectorize(lambda v: float("%.*g" % (digits, v)))(a) if a.size else a
    return torch.from_numpy(np.asarray(r, dtype=np.float32)).reshape(t.shape)


def normal(g, *shape, std=1.0, mean=0.0):
    return short(torch.randn(*shape, generator=g, dtype=torch.float64) * std + mean)


def uniform(g, *shape, low=0.0, high=1.0):
    return short(torch.rand(*shape, generator=g, dtype=torch.float64) * (high - low) + low)


def quantized(g, *shape, steps=16, scale=1.0):
    """Values scale*k/steps, k in [-steps, steps]: exact in float32 and short in decimal (the
    upstream gradient R, network inputs)."""
    return (torch.randint(-steps, steps + 1, shape, generator=g).to(torch.float32) * (scale / steps))


class ErrorFloor:
    """How far PyTorch's float32 results lie from the same computation in float64."""

    def __init__(self):
        self.rel = 0.0    # max over tensors of max|r32 - r64| / (1e-3 + max|r64|)
        self.ratio = 0.0  # max over elements of |r32 - r64| / (1e-5 + 1e-4 |r64|): the share of
                          # the Swift tests' tolerance that PyTorch's own rounding already uses

    def add(self, a32, a64):
        a32 = a32.detach().double()
        a64 = a64.detach().double()
        d = (a32 - a64).abs()
        self.rel = max(self.rel, float(d.max() / (1e-3 + a64.abs().max())))
        self.ratio = max(self.ratio, float((d / (1e-5 + 1e-4 * a64.abs())).max()))
        return self

    def meta(self, suffix=""):
        return {"fp32_vs_fp64_max_rel" + suffix: float("%.3g" % self.rel),
                "fp32_vs_fp64_tolerance_used" + suffix: float("%.3g" % self.ratio)}


# ---------------------------------------------------------------------------------------------
# Op cases (Tests/TensorTests/Fixtures)
# ---------------------------------------------------------------------------------------------

def leaf(t, dtype=torch.float32):
    return t.detach().to(dtype).clone().requires_grad_(True)


def run_both(fn, inputs):
    """Runs fn on float32 leaves and on float64 copies; returns (results32, grads32, maxrel)."""
    results = {}
    for dtype in (torch.float32, torch.float64):
        leaves = {k: (leaf(v, dtype) if rg else v.detach().to(dtype).clone())
                  for k, (v, rg) in inputs.items()}
        outs = fn(leaves, dtype)
        results[dtype] = (leaves, outs)
    l32, o32 = results[torch.float32]
    l64, o64 = results[torch.float64]
    floor = ErrorFloor()
    for k in o32:
        floor.add(o32[k], o64[k])
    for k in l32:
        if l32[k].requires_grad:
            floor.add(l32[k].grad, l64[k].grad)
    return l32, o32, floor


def case_conv2d():
    g = gen(1)
    x = normal(g, 2, 3, 8, 8)
    w = normal(g, 5, 3, 4, 4, std=0.3)
    b = normal(g, 5, std=0.5)
    r = quantized(g, 2, 5, 4, 4)

    def fn(v, dtype):
        out = F.conv2d(v["input"], v["weight"], v["bias"], stride=2, padding=1)
        (out * v["grad_output"]).sum().backward()
        return {"output": out}

    l, o, floor = run_both(fn, {"input": (x, True), "weight": (w, True), "bias": (b, True),
                               "grad_output": (r, False)})
    write_case(TENSOR_DIR, "conv2d_k4s2p1",
               {"op": "conv2d", "kernel": 4, "stride": 2, "padding": 1,
                "loss": "sum(output * grad_output)", **floor.meta()},
               [("input", entry(x, True)), ("weight", entry(w, False)), ("bias", entry(b, False)),
                ("output", entry(o["output"], True)), ("grad_output", entry(r, True)),
                ("grad_input", entry(l["input"].grad, True)),
                ("grad_weight", entry(l["weight"].grad, False)),
                ("grad_bias", entry(l["bias"].grad, False))])


def case_conv_transpose2d():
    g = gen(2)
    x = normal(g, 2, 6, 8, 8)
    w = normal(g, 6, 3, 4, 4, std=0.3)  # IOHW
    b = normal(g, 3, std=0.5)
    r = quantized(g, 2, 3, 16, 16)

    def fn(v, dtype):
        out = F.conv_transpose2d(v["input"], v["weight"], v["bias"], stride=2, padding=1)
        (out * v["grad_output"]).sum().backward()
        return {"output": out}

    l, o, floor = run_both(fn, {"input": (x, True), "weight": (w, True), "bias": (b, True),
                               "grad_output": (r, False)})
    write_case(TENSOR_DIR, "conv_transpose2d_k4s2p1",
               {"op": "conv_transpose2d", "kernel": 4, "stride": 2, "padding": 1,
                "loss": "sum(output * grad_output)", **floor.meta()},
               [("input", entry(x, True)), ("weight", entry(w, False)), ("bias", entry(b, False)),
                ("output", entry(o["output"], True)), ("grad_output", entry(r, True)),
                ("grad_input", entry(l["input"].grad, True)),
                ("grad_weight", entry(l["weight"].grad, False)),
                ("grad_bias", entry(l["bias"].grad, False))])


def case_batch_norm(training):
    g = gen(3 if training else 4)
    c = 5
    # Channel means and scales far from 0 / 1 so that a mix-up of statistics shows.
    x = normal(g, 2, c, 8, 8) * uniform(g, 1, c, 1, 1, low=0.5, high=3.0) + normal(g, 1, c, 1, 1, std=2.0)
    w = uniform(g, c, low=0.5, high=1.5)
    b = normal(g, c, std=0.5)
    rm = normal(g, c, std=1.0)
    rv = uniform(g, c, low=0.5, high=2.0)
    r = quantized(g, 2, c, 8, 8)
    momentum, eps = 0.1, 1e-5

    def fn(v, dtype):
        rm_ = rm.to(dtype).clone()
        rv_ = rv.to(dtype).clone()
        out = F.batch_norm(v["input"], rm_, rv_, v["weight"], v["bias"], training=training,
                           momentum=momentum, eps=eps)
        (out * v["grad_output"]).sum().backward()
        return {"output": out, "running_mean_after": rm_, "running_var_after": rv_}

    l, o, floor = run_both(fn, {"input": (x, True), "weight": (w, True), "bias": (b, True),
                               "grad_output": (r, False)})
    tensors = [("input", entry(x, True)), ("weight", entry(w, False)), ("bias", entry(b, False)),
               ("running_mean", entry(rm, False)), ("running_var", entry(rv, False))]
    if training:
        tensors += [("running_mean_after", entry(o["running_mean_after"], False)),
                    ("running_var_after", entry(o["running_var_after"], False))]
    tensors += [("output", entry(o["output"], True)), ("grad_output", entry(r, True)),
                ("grad_input", entry(l["input"].grad, True)),
                ("grad_weight", entry(l["weight"].grad, False)),
                ("grad_bias", entry(l["bias"].grad, False))]
    name = "batch_norm_train" if training else "batch_norm_eval"
    write_case(TENSOR_DIR, name,
               {"op": "batch_norm", "training": training, "momentum": momentum, "eps": eps,
                "running_var_update": "unbiased batch variance" if training else "unchanged",
                "loss": "sum(output * grad_output)", **floor.meta()},
               tensors)


def case_instance_norm(affine):
    g = gen(5 if affine else 6)
    c = 4
    x = normal(g, 2, c, 8, 8) * uniform(g, 2, c, 1, 1, low=0.5, high=3.0) + normal(g, 2, c, 1, 1, std=2.0)
    w = uniform(g, c, low=0.5, high=1.5)
    b = normal(g, c, std=0.5)
    r = quantized(g, 2, c, 8, 8)
    eps = 1e-5
    inputs = {"input": (x, True), "grad_output": (r, False)}
    if affine:
        inputs.update({"weight": (w, True), "bias": (b, True)})

    def fn(v, dtype):
        out = F.instance_norm(v["input"], weight=v.get("weight"), bias=v.get("bias"), eps=eps)
        (out * v["grad_output"]).sum().backward()
        return {"output": out}

    l, o, floor = run_both(fn, inputs)
    tensors = [("input", entry(x, True))]
    if affine:
        tensors += [("weight", entry(w, False)), ("bias", entry(b, False))]
    tensors += [("output", entry(o["output"], True)), ("grad_output", entry(r, True)),
                ("grad_input", entry(l["input"].grad, True))]
    if affine:
        tensors += [("grad_weight", entry(l["weight"].grad, False)),
                    ("grad_bias", entry(l["bias"].grad, False))]
    write_case(TENSOR_DIR, "instance_norm_affine" if affine else "instance_norm",
               {"op": "instance_norm", "affine": affine, "eps": eps,
                "statistics": "per sample and channel, biased variance, no running stats",
                "loss": "sum(output * grad_output)", **floor.meta()},
               tensors)


def case_activations():
    acts = [("leaky_relu", lambda t: F.leaky_relu(t, 0.2), {"negative_slope": 0.2}),
            ("relu", F.relu, {}),
            ("tanh", torch.tanh, {}),
            ("sigmoid", torch.sigmoid, {})]
    for i, (name, f, extra) in enumerate(acts):
        g = gen(10 + i)
        x = normal(g, 2, 3, 8, 8, std=2.5)
        # No exact zeros (the derivative's convention at 0 differs between libraries); a few
        # large magnitudes exercise saturation.
        x = torch.where(x.abs() < 1e-3, torch.full_like(x, 0.5), x)
        x.view(-1)[:4] = torch.tensor([-12.0, 12.0, -30.0, 30.0])
        r = quantized(g, 2, 3, 8, 8)

        def fn(v, dtype, f=f):
            out = f(v["input"])
            (out * v["grad_output"]).sum().backward()
            return {"output": out}

        l, o, floor = run_both(fn, {"input": (x, True), "grad_output": (r, False)})
        meta = {"op": name, "loss": "sum(output * grad_output)", **floor.meta()}
        meta.update(extra)
        write_case(TENSOR_DIR, name, meta,
                   [("input", entry(x, True)), ("output", entry(o["output"], True)),
                    ("grad_output", entry(r, True)), ("grad_input", entry(l["input"].grad, True))])


def case_losses():
    g = gen(20)
    shape = (2, 3, 4, 4)
    pred = normal(g, *shape)
    target = normal(g, *shape)
    for name, f in (("l1_loss", F.l1_loss), ("mse_loss", F.mse_loss)):
        def fn_bw(v, dtype, f=f):
            loss = f(v["prediction"], v["target"])
            loss.backward()
            return {"loss": loss}

        l, o, floor = run_both(fn_bw, {"prediction": (pred, True), "target": (target, False)})
        write_case(TENSOR_DIR, name,
                   {"op": name, "reduction": "mean", **floor.meta()},
                   [("prediction", entry(pred, True)), ("target", entry(target, True)),
                    ("loss", entry(o["loss"], False)),
                    ("grad_prediction", entry(l["prediction"].grad, True))])

    # BCE with logits: ordinary logits plus |logits| up to 100, where a naive
    # log(sigmoid(x)) overflows or loses everything; targets 0, 1 and fractional.
    logits = normal(g, *shape, std=3.0)
    big = torch.tensor([30.0, -30.0, 100.0, -100.0, 17.5, -17.5, 60.0, -60.0])
    logits.view(-1)[:8] = big
    target = uniform(g, *shape)
    target.view(-1)[:8] = torch.tensor([0.0, 1.0, 0.0, 1.0, 1.0, 0.0, 1.0, 0.0])
    target.view(-1)[8:16] = torch.tensor([1.0, 0.0, 1.0, 0.0, 0.5, 0.5, 0.25, 0.75])

    def fn_bce(v, dtype):
        loss = F.binary_cross_entropy_with_logits(v["logits"], v["target"])
        loss.backward()
        return {"loss": loss}

    l, o, floor = run_both(fn_bce, {"logits": (logits, True), "target": (target, False)})
    write_case(TENSOR_DIR, "bce_with_logits",
               {"op": "binary_cross_entropy_with_logits", "reduction": "mean",
                "note": "first 8 logits are +-30, +-100, +-17.5, +-60 with wrong and right labels",
                **floor.meta()},
               [("logits", entry(logits, True)), ("target", entry(target, True)),
                ("loss", entry(o["loss"], False)),
                ("grad_logits", entry(l["logits"].grad, True))])

    # Against a constant label, as the GAN loss uses it (label 1 = real).
    logits2 = normal(g, *shape, std=3.0)
    logits2.view(-1)[:4] = torch.tensor([30.0, -30.0, 80.0, -80.0])
    for label in (1.0, 0.0):
        def fn_lab(v, dtype, label=label):
            loss = F.binary_cross_entropy_with_logits(v["logits"], torch.full_like(v["logits"], label))
            loss.backward()
            return {"loss": loss}

        l, o, floor = run_both(fn_lab, {"logits": (logits2, True)})
        write_case(TENSOR_DIR, "bce_with_logits_label%d" % int(label),
                   {"op": "binary_cross_entropy_with_logits", "reduction": "mean", "label": label,
                    **floor.meta()},
                   [("logits", entry(logits2, True)), ("loss", entry(o["loss"], False)),
                    ("grad_logits", entry(l["logits"].grad, True))])


# ---------------------------------------------------------------------------------------------
# Adam (Tests/NNTests/Fixtures)
# ---------------------------------------------------------------------------------------------

def case_adam(name, weight_decay, seed, param_std, grad_std):
    g = gen(seed)
    p0 = normal(g, 3, 5, std=param_std)
    grads = [normal(g, 3, 5, std=grad_std) for _ in range(3)]
    # An exact zero gradient and a tiny one (where eps matters) in the first step.
    grads[0].view(-1)[0] = 0.0
    grads[0].view(-1)[1] = 1e-9
    lr, betas, eps = 2e-4, (0.5, 0.999), 1e-8
    p = p0.clone().requires_grad_(True)
    opt = torch.optim.Adam([p], lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                           foreach=False)
    tensors = [("param", entry(p0, False))]
    for step, gr in enumerate(grads, start=1):
        p.grad = gr.clone()
        opt.step()
        tensors.append(("grad_%d" % step, entry(gr, False)))
        tensors.append(("param_after_%d" % step, entry(p, False)))
    st = opt.state[p]
    tensors.append(("exp_avg_after_3", entry(st["exp_avg"], False)))
    tensors.append(("exp_avg_sq_after_3", entry(st["exp_avg_sq"], False)))
    write_case(NN_DIR, name,
               {"optimizer": "torch.optim.Adam", "lr": lr, "beta1": betas[0], "beta2": betas[1],
                "eps": eps, "weight_decay": weight_decay, "amsgrad": False, "steps": 3,
                "update": "g += weight_decay*p; m = b1*m + (1-b1)*g; v = b2*v + (1-b2)*g^2; "
                          "p -= lr/(1-b1^t) * m / (sqrt(v)/sqrt(1-b2^t) + eps)"},
               tensors)


# ---------------------------------------------------------------------------------------------
# Reference networks (structure and state_dict keys of the PyTorch pix2pix reference)
# ---------------------------------------------------------------------------------------------

class UNetLevel(nn.Module):
    """One U-Net level; `self.model` is the Sequential the reference builds, so the state_dict
    keys match (model.model.1.model.3.weight ...). skip=False gives the encoder-decoder level."""

    def __init__(self, outer_nc, inner_nc, input_nc=None, submodule=None, outermost=False,
                 innermost=False, use_dropout=False, skip=True):
        super().__init__()
        self.outermost = outermost
        self.skip = skip
        input_nc = outer_nc if input_nc is None else input_nc
        up_in = inner_nc * 2 if (skip and not innermost) else inner_nc
        down_conv = nn.Conv2d(input_nc, inner_nc, 4, 2, 1, bias=False)  # batch norm: no conv bias
        if outermost:
            layers = [down_conv, submodule, nn.ReLU(True),
                      nn.ConvTranspose2d(up_in, outer_nc, 4, 2, 1),  # the only up conv with a bias
                      nn.Tanh()]
        elif innermost:
            layers = [nn.LeakyReLU(0.2, True), down_conv,
                      nn.ReLU(True), nn.ConvTranspose2d(up_in, outer_nc, 4, 2, 1, bias=False),
                      nn.BatchNorm2d(outer_nc)]
        else:
            layers = [nn.LeakyReLU(0.2, True), down_conv, nn.BatchNorm2d(inner_nc), submodule,
                      nn.ReLU(True), nn.ConvTranspose2d(up_in, outer_nc, 4, 2, 1, bias=False),
                      nn.BatchNorm2d(outer_nc)]
            if use_dropout:
                layers.append(nn.Dropout(0.5))
        self.model = nn.Sequential(*layers)

    def forward(self, x):
        y = self.model(x)  # the in-place LeakyReLU overwrites x first (harmless, see the header)
        if self.outermost or not self.skip:
            return y
        return torch.cat([x, y], 1)


class UNet(nn.Module):
    """UnetGenerator(input_nc, output_nc, num_downs, ngf, BatchNorm2d, use_dropout); skip=False
    gives the encoder-decoder with the same levels."""

    def __init__(self, input_nc, output_nc, num_downs, ngf, use_dropout=False, skip=True):
        super().__init__()
        level = UNetLevel(ngf * 8, ngf * 8, innermost=True, skip=skip)
        for _ in range(num_downs - 5):
            level = UNetLevel(ngf * 8, ngf * 8, submodule=level, use_dropout=use_dropout, skip=skip)
        level = UNetLevel(ngf * 4, ngf * 8, submodule=level, skip=skip)
        level = UNetLevel(ngf * 2, ngf * 4, submodule=level, skip=skip)
        level = UNetLevel(ngf, ngf * 2, submodule=level, skip=skip)
        self.model = UNetLevel(output_nc, ngf, input_nc=input_nc, submodule=level, outermost=True,
                               skip=skip)

    def forward(self, x):
        return self.model(x)


class NLayerD(nn.Module):
    """NLayerDiscriminator(input_nc, ndf, n_layers, BatchNorm2d): PatchGAN, logits out."""

    def __init__(self, input_nc, ndf, n_layers):
        super().__init__()
        layers = [nn.Conv2d(input_nc, ndf, 4, 2, 1), nn.LeakyReLU(0.2, True)]
        mult = 1
        for n in range(1, n_layers + 1):
            prev, mult = mult, min(2 ** n, 8)
            stride = 2 if n < n_layers else 1
            layers += [nn.Conv2d(ndf * prev, ndf * mult, 4, stride, 1, bias=False),
                       nn.BatchNorm2d(ndf * mult), nn.LeakyReLU(0.2, True)]
        layers.append(nn.Conv2d(ndf * mult, 1, 4, 1, 1))
        self.model = nn.Sequential(*layers)

    def forward(self, x):
        return self.model(x)


class PixelD(nn.Module):
    """PixelDiscriminator(input_nc, ndf, BatchNorm2d): 1x1 convs, logits out."""

    def __init__(self, input_nc, ndf):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(input_nc, ndf, 1, 1, 0), nn.LeakyReLU(0.2, True),
            nn.Conv2d(ndf, ndf * 2, 1, 1, 0, bias=False), nn.BatchNorm2d(ndf * 2),
            nn.LeakyReLU(0.2, True),
            nn.Conv2d(ndf * 2, 1, 1, 1, 0, bias=False))

    def forward(self, x):
        return self.net(x)


def count_params(net):
    return sum(p.numel() for p in net.parameters())


def fixture_init(net, g):
    """Weights with unit-ish gain (not the reference's N(0, 0.02), under which a deep net's
    outputs and gradients shrink towards zero and a parity test would prove little)."""
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
                fan_in = m.weight.shape[1] * m.weight.shape[2] * m.weight.shape[3]
                if isinstance(m, nn.ConvTranspose2d):
                    # each output sees about in_channels * k*k / stride^2 taps
                    fan_in = m.weight.shape[0] * m.weight.shape[2] * m.weight.shape[3] / 4
                m.weight.copy_(normal(g, *m.weight.shape, std=1.0 / math.sqrt(fan_in)))
                if m.bias is not None:
                    m.bias.copy_(normal(g, *m.bias.shape, std=0.1))
            elif isinstance(m, nn.BatchNorm2d):
                m.weight.copy_(uniform(g, *m.weight.shape, low=0.7, high=1.3))
                m.bias.copy_(normal(g, *m.bias.shape, std=0.1))


def set_running_stats(net, x, g):
    """Non-trivial running statistics near the real ones: one train pass with momentum 1 (running
    = this batch's stats), then perturb means by 0.2 std and variances by x[0.6, 1.4]."""
    bns = [m for m in net.modules() if isinstance(m, nn.BatchNorm2d)]
    for m in bns:
        m.momentum = 1.0
    net.train()
    with torch.no_grad():
        net(x.clone())
    with torch.no_grad():
        for m in bns:
            std = m.running_var.sqrt()
            m.running_mean.copy_(short(m.running_mean + 0.2 * std * normal(g, *std.shape)))
            m.running_var.copy_(short(m.running_var * uniform(g, *std.shape, low=0.6, high=1.4)))
            m.momentum = 0.1
            m.num_batches_tracked.zero_()


def net_pass(net, x, r, train):
    net.zero_grad(set_to_none=True)
    net.train(train)
    xi = x.clone().requires_grad_(True)
    out = net(xi)
    (out * r).sum().backward()
    grads = {k: p.grad.detach().clone() for k, p in net.named_parameters()}
    return out.detach(), xi.grad.detach().clone(), grads


def network_case(name, net, x, r, meta, digits=6):
    """Writes state, input, R and the results of a train-mode and an eval-mode pass."""
    g = gen(1000 + len(name))
    fixture_init(net, g)
    set_running_stats(net, x, g)
    state = {k: v.detach().clone() for k, v in net.state_dict().items()}
    params = [k for k, _ in net.named_parameters()]
    buffers = [k for k in state if k not in params and not k.endswith("num_batches_tracked")]

    # The stored results come from a float64 twin fed the same float32 values: the golden values
    # are then the exact answer to 7 digits, and the float32 pass only measures the error floor.
    net64 = copy.deepcopy(net).double()
    results = {}
    for train in (False, True):  # eval first: the train pass updates the running statistics
        o32, gi32, gr32 = net_pass(net, x, r, train)
        o64, gi64, gr64 = net_pass(net64, x.double(), r.double(), train)
        floor = ErrorFloor().add(o32, o64).add(gi32, gi64)
        for k in gr32:
            floor.add(gr32[k], gr64[k])
        results[train] = (o64, gi64, gr64, floor)
    after = {k: v.detach().clone() for k, v in net64.state_dict().items()}

    tensors = [("input", entry(x, True)), ("grad_output", entry(r, True))]
    for k in params + buffers:
        tensors.append(("state." + k, entry(state[k], False)))
    for train, mode in ((True, "train"), (False, "eval")):
        o, gi, gr, _ = results[train]
        tensors.append((mode + ".output", entry(o, True, digits)))
        tensors.append((mode + ".grad_input", entry(gi, True, digits)))
        for k in params:
            tensors.append((mode + ".grad." + k, entry(gr[k], False, digits)))
    for k in buffers:
        tensors.append(("train.state_after." + k, entry(after[k], False, digits)))
    meta = dict(meta)
    meta.update({
        "norm": "batch", "bn_momentum": 0.1, "bn_eps": 1e-5,
        "parameter_count": count_params(net),
        "parameter_keys": params, "buffer_keys": buffers,
        "loss": "sum(output * grad_output)",
        "modes": "eval: running statistics; train: batch statistics (biased variance), running "
                 "statistics updated with momentum 0.1 and unbiased variance -> train.state_after.*",
        "results": "PyTorch in float64 from these float32 inputs, %d significant digits" % digits,
        "tolerance_hint": "PyTorch's own float32 results miss the elementwise 1e-5 + 1e-4|ref| "
                          "tolerance (fp32_vs_fp64_tolerance_used > 1 where so); compare per "
                          "tensor: |ours - ref| <= 1e-4 * max|ref| + 1e-4 * |ref|",
        **results[True][3].meta("_train"),
        **results[False][3].meta("_eval"),
        "weights": "fixture init (std 1/sqrt(fan_in)), not the reference's N(0, 0.02)",
    })
    write_case(NET_DIR, name, meta, tensors)


def case_networks():
    # Sizes are chosen for the 2 MB budget: a 64x64 RGB image costs ~120 KB per stored result.
    g = gen(100)
    x = quantized(g, 1, 3, 64, 64, steps=8)
    r = quantized(g, 1, 3, 64, 64, steps=2, scale=2.0)
    network_case("net_unet_64_ngf1", UNet(3, 3, 6, 1), x, r,
                 {"network": "UnetGenerator", "input_nc": 3, "output_nc": 3, "num_downs": 6,
                  "ngf": 1, "use_dropout": False, "size": 64, "batch": 1})

    g = gen(101)
    x = quantized(g, 1, 3, 32, 32, steps=8)
    r = quantized(g, 1, 3, 32, 32, steps=2, scale=2.0)
    network_case("net_encoder_decoder_32_ngf2", UNet(3, 3, 5, 2, skip=False), x, r,
                 {"network": "encoder-decoder (UnetGenerator levels, no skip concatenation)",
                  "input_nc": 3, "output_nc": 3, "num_downs": 5, "ngf": 2, "use_dropout": False,
                  "size": 32, "batch": 1})

    g = gen(102)
    x = quantized(g, 1, 6, 32, 32, steps=8)
    net = NLayerD(6, 2, 3)
    r = quantized(g, *net(x).shape, steps=2, scale=2.0)
    network_case("net_patchgan_70_ndf2", net, x, r,
                 {"network": "NLayerDiscriminator", "input_nc": 6, "ndf": 2, "n_layers": 3,
                  "size": 32, "batch": 1})

    g = gen(103)
    x = quantized(g, 2, 6, 8, 8, steps=8)
    net = PixelD(6, 8)
    r = quantized(g, 2, 1, 8, 8, steps=2, scale=2.0)
    network_case("net_pixelgan_ndf8", net, x, r,
                 {"network": "PixelDiscriminator", "input_nc": 6, "ndf": 8, "size": 8, "batch": 2})


def case_param_counts():
    counts = {}
    for name, downs in (("unet_256", 8), ("unet_128", 7), ("unet_64", 6)):
        counts[name] = count_params(UNet(3, 3, downs, 64))
    for name, downs in (("encoder_decoder_256", 8), ("encoder_decoder_128", 7),
                        ("encoder_decoder_64", 6)):
        counts[name] = count_params(UNet(3, 3, downs, 64, skip=False))
    for n in range(1, 6):
        counts["nlayer_d_n_layers_%d" % n] = count_params(NLayerD(6, 64, n))
    counts["pixel_d"] = count_params(PixelD(6, 64))
    expected = {"unet_256": 54413955, "unet_128": 41828995, "unet_64": 29244035,
                "encoder_decoder_256": 39075459, "nlayer_d_n_layers_3": 2768705, "pixel_d": 9024}
    for k, v in expected.items():
        if counts[k] != v:
            raise SystemExit("parameter count of %s is %d, the reference prints %d" % (k, counts[k], v))
    doc = {"case": "param_counts",
           "meta": {"generators": "input_nc 3, output_nc 3, ngf 64, norm batch",
                    "discriminators": "input_nc 6 (conditional), ndf 64, norm batch",
                    "names": "nlayer_d_n_layers_N = NLayerDiscriminator(n_layers=N): 1 -> "
                             "patchgan_16, 2 -> patchgan_34, 3 -> patchgan_70, 4 -> patchgan_142, "
                             "5 -> imagegan_286",
                    "torch_version": torch.__version__.split("+")[0]},
           "counts": counts}
    text = json.dumps(doc, indent=1, sort_keys=True) + "\n"
    path = os.path.join(NET_DIR, "param_counts.json")
    data = text.encode()
    old = open(path, "rb").read() if os.path.exists(path) else None
    if old != data:
        CHANGED.append(path)
        if not CHECK_ONLY:
            with open(path + ".tmp", "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(path + ".tmp", path)
    WRITTEN.append((path, len(data)))
    for k in sorted(counts):
        print("  %-24s %12s" % (k, format(counts[k], ",")))


def main():
    global CHECK_ONLY
    ap = argparse.ArgumentParser(description="Writes the PyTorch golden fixtures for the Swift parity tests.")
    ap.add_argument("--check", action="store_true", help="write nothing; exit 1 if a file would change")
    args = ap.parse_args()
    CHECK_ONLY = args.check
    os.makedirs(TENSOR_DIR, exist_ok=True)
    os.makedirs(NN_DIR, exist_ok=True)
    os.makedirs(NET_DIR, exist_ok=True)
    torch.manual_seed(0)
    case_conv2d()
    case_conv_transpose2d()
    case_batch_norm(True)
    case_batch_norm(False)
    case_instance_norm(True)
    case_instance_norm(False)
    case_activations()
    case_losses()
    case_adam("adam", 0.0, 30, 0.02, 0.01)
    case_adam("adam_weight_decay", 0.1, 31, 0.5, 0.05)
    print("parameter counts (full-size reference networks):")
    case_param_counts()
    case_networks()
    total = 0
    for path, n in WRITTEN:
        total += n
        print("%8d  %s" % (n, os.path.relpath(path, ROOT)))
    print("%8d  total (%.2f MB)" % (total, total / 1e6))
    if total >= 2_000_000:
        raise SystemExit("fixtures total %d bytes, over the 2 MB budget" % total)
    if CHECK_ONLY and CHANGED:
        print("would change: " + ", ".join(os.path.relpath(p, ROOT) for p in CHANGED))
        sys.exit(1)


if __name__ == "__main__":
    main()
