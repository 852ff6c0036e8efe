#!/usr/bin/env python3
"""PyTorch peer for `pix2pix bench train|infer`: the reference pix2pix networks and training step.

A self-contained mirror of junyanz/pytorch-CycleGAN-and-pix2pix (models/networks.py:
UnetGenerator with BatchNorm and dropout, NLayerDiscriminator — patchgan_70 is n_layers=3 —
and PixelDiscriminator; models/pix2pix_model.py: optimize_parameters), so that the Swift engine
can be timed against PyTorch on the same machine, in the same run, with the same thread count.

Training step (batch B, images S×S, 3 → 3 channels):
    fake_B = G(A)
    D step:  loss_D = 0.5 * (BCEWithLogits(D(A, fake_B.detach()), 0) + BCEWithLogits(D(A, B), 1)); Adam_D
    G step:  loss_G = BCEWithLogits(D(A, fake_B), 1) + 100 * L1(fake_B, B)   (D frozen);  Adam_G
    Adam: lr 2e-4, betas (0.5, 0.999).
Inference: G in eval mode under torch.inference_mode().

--precision bf16 runs the networks under torch.autocast('cpu', dtype=torch.bfloat16); the
weights and both Adams stay fp32 (mixed precision).

Prints one JSON line: {"impl": "torch", ..., "median_s", "min_s", "peak_rss_mb", "losses"}.

Same weights for every engine (make bench-compare's inference rows):
    --prepare DIR  writes, untimed, DIR/<generator>.pth (the generator's state dict, made once per
                   generator: the reference's init plus 3 train-mode forward passes at 256² so that
                   BatchNorm's running statistics are not the trivial 0 and 1; later sizes load it),
                   DIR/<generator>-<size>-b<batch>.input.f32 (uniform in [-1, 1]),
                   DIR/<generator>-<size>-b<batch>.torch-fp32.f32 (PyTorch's fp32 eval-mode output: the
                   reference every engine's output is compared with) and, with --onnx,
                   DIR/<generator>-<size>-b<batch>.onnx (torch.onnx.export, static shape).
    --weights/--input/--output  (inference) time those weights on that input and write the output.
All .f32 files are raw little-endian float32 in NCHW order (numpy tofile / fromfile).
"""
import argparse
import array
import json
import os
import resource
import statistics
import sys
import time
import warnings

import torch
import torch.nn as nn


# ---------------------------------------------------------------- networks (reference mirror)

class UnetSkipConnectionBlock(nn.Module):
    def __init__(self, outer_nc, inner_nc, input_nc=None, submodule=None, outermost=False, innermost=False,
                 norm_layer=nn.BatchNorm2d, use_dropout=False):
        super().__init__()
        self.outermost = outermost
        use_bias = norm_layer == nn.InstanceNorm2d
        if input_nc is None:
            input_nc = outer_nc
        downconv = nn.Conv2d(input_nc, inner_nc, kernel_size=4, stride=2, padding=1, bias=use_bias)
        downrelu = nn.LeakyReLU(0.2, True)
        downnorm = norm_layer(inner_nc)
        uprelu = nn.ReLU(True)
        upnorm = norm_layer(outer_nc)
        if outermost:
            upconv = nn.ConvTranspose2d(inner_nc * 2, outer_nc, kernel_size=4, stride=2, padding=1)
            model = [downconv, submodule, uprelu, upconv, nn.Tanh()]
        elif innermost:
            upconv = nn.ConvTranspose2d(inner_nc, outer_nc, kernel_size=4, stride=2, padding=1, bias=use_bias)
            model = [downrelu, downconv, uprelu, upconv, upnorm]
        else:
            upconv = nn.ConvTranspose2d(inner_nc * 2, outer_nc, kernel_size=4, stride=2, padding=1, bias=use_bias)
            model = [downrelu, downconv, downnorm, submodule, uprelu, upconv, upnorm]
            if use_dropout:
                model += [nn.Dropout(0.5)]
        self.model = nn.Sequential(*model)

    def forward(self, x):
        if self.outermost:
            return self.model(x)
        return torch.cat([x, self.model(x)], 1)


class UnetGenerator(nn.Module):
    def __init__(self, input_nc, output_nc, num_downs, ngf=64, norm_layer=nn.BatchNorm2d, use_dropout=False):
        super().__init__()
        block = UnetSkipConnectionBlock(ngf * 8, ngf * 8, innermost=True, norm_layer=norm_layer)
        for _ in range(num_downs - 5):
            block = UnetSkipConnectionBlock(ngf * 8, ngf * 8, submodule=block, norm_layer=norm_layer,
                                            use_dropout=use_dropout)
        block = UnetSkipConnectionBlock(ngf * 4, ngf * 8, submodule=block, norm_layer=norm_layer)
        block = UnetSkipConnectionBlock(ngf * 2, ngf * 4, submodule=block, norm_layer=norm_layer)
        block = UnetSkipConnectionBlock(ngf, ngf * 2, submodule=block, norm_layer=norm_layer)
        self.model = UnetSkipConnectionBlock(output_nc, ngf, input_nc=input_nc, submodule=block, outermost=True,
                                             norm_layer=norm_layer)

    def forward(self, x):
        return self.model(x)


class NLayerDiscriminator(nn.Module):
    def __init__(self, input_nc, ndf=64, n_layers=3, norm_layer=nn.BatchNorm2d):
        super().__init__()
        use_bias = norm_layer == nn.InstanceNorm2d
        kw, padw = 4, 1
        seq = [nn.Conv2d(input_nc, ndf, kernel_size=kw, stride=2, padding=padw), nn.LeakyReLU(0.2, True)]
        mult = 1
        for n in range(1, n_layers):
            prev, mult = mult, min(2 ** n, 8)
            seq += [nn.Conv2d(ndf * prev, ndf * mult, kernel_size=kw, stride=2, padding=padw, bias=use_bias),
                    norm_layer(ndf * mult), nn.LeakyReLU(0.2, True)]
        prev, mult = mult, min(2 ** n_layers, 8)
        seq += [nn.Conv2d(ndf * prev, ndf * mult, kernel_size=kw, stride=1, padding=padw, bias=use_bias),
                norm_layer(ndf * mult), nn.LeakyReLU(0.2, True)]
        seq += [nn.Conv2d(ndf * mult, 1, kernel_size=kw, stride=1, padding=padw)]
        self.model = nn.Sequential(*seq)

    def forward(self, x):
        return self.model(x)


class PixelDiscriminator(nn.Module):
    def __init__(self, input_nc, ndf=64, norm_layer=nn.BatchNorm2d):
        super().__init__()
        use_bias = norm_layer == nn.InstanceNorm2d
        self.net = nn.Sequential(
            nn.Conv2d(input_nc, ndf, kernel_size=1, stride=1, padding=0), nn.LeakyReLU(0.2, True),
            nn.Conv2d(ndf, ndf * 2, kernel_size=1, stride=1, padding=0, bias=use_bias), norm_layer(ndf * 2),
            nn.LeakyReLU(0.2, True),
            nn.Conv2d(ndf * 2, 1, kernel_size=1, stride=1, padding=0, bias=use_bias))

    def forward(self, x):
        return self.net(x)


def init_weights(net, gain=0.02):
    """The reference's init_weights(init_type='normal')."""
    def f(m):
        name = m.__class__.__name__
        if hasattr(m, 'weight') and ('Conv' in name or 'Linear' in name):
            nn.init.normal_(m.weight.data, 0.0, gain)
            if getattr(m, 'bias', None) is not None:
                nn.init.constant_(m.bias.data, 0.0)
        elif 'BatchNorm2d' in name:
            nn.init.normal_(m.weight.data, 1.0, gain)
            nn.init.constant_(m.bias.data, 0.0)
    net.apply(f)


GENERATORS = {'unet_256': 8, 'unet_128': 7, 'unet_64': 6}


def make_generator(name):
    if name not in GENERATORS:
        raise SystemExit(f"torch_reference.py: unknown --generator {name!r}; choose one of {sorted(GENERATORS)}")
    return UnetGenerator(3, 3, GENERATORS[name], ngf=64, use_dropout=True)


def make_discriminator(name):
    if name == 'patchgan_70':
        return NLayerDiscriminator(6, 64, n_layers=3)
    if name.startswith('patchgan_') and name[len('patchgan_'):].isdigit():
        # patchgan_16 → 1 layer, patchgan_34 → 2, patchgan_70 → 3, patchgan_142 → 4, patchgan_286 → 5
        layers = {16: 1, 34: 2, 70: 3, 142: 4, 286: 5}.get(int(name[len('patchgan_'):]))
        if layers is not None:
            return NLayerDiscriminator(6, 64, n_layers=layers)
    if name in ('pixelgan', 'pixel'):
        return PixelDiscriminator(6, 64)
    raise SystemExit(f"torch_reference.py: unknown --discriminator {name!r}; use patchgan_70 (or _16/_34/_142/_286) or pixelgan")


# ---------------------------------------------------------------- the step

class Pix2PixStep:
    def __init__(self, G, D, bf16):
        self.G, self.D, self.bf16 = G, D, bf16
        self.opt_G = torch.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
        self.opt_D = torch.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))
        self.bce = nn.BCEWithLogitsLoss()
        self.l1 = nn.L1Loss()

    def autocast(self):
        return torch.autocast('cpu', dtype=torch.bfloat16, enabled=self.bf16)

    def gan_loss(self, pred, real):
        # The reference's GANLoss('vanilla'): BCEWithLogits against a label tensor of pred's shape.
        target = torch.full_like(pred, 1.0 if real else 0.0, dtype=torch.float32)
        return self.bce(pred.float(), target)

    def __call__(self, A, B):
        with self.autocast():
            fake_B = self.G(A)
        # D step
        for p in self.D.parameters():
            p.requires_grad_(True)
        self.opt_D.zero_grad(set_to_none=True)
        with self.autocast():
            pred_fake = self.D(torch.cat((A, fake_B), 1).detach())
            pred_real = self.D(torch.cat((A, B), 1))
            loss_D = 0.5 * (self.gan_loss(pred_fake, False) + self.gan_loss(pred_real, True))
        loss_D.backward()
        self.opt_D.step()
        # G step, D frozen
        for p in self.D.parameters():
            p.requires_grad_(False)
        self.opt_G.zero_grad(set_to_none=True)
        with self.autocast():
            pred_fake = self.D(torch.cat((A, fake_B), 1))
            loss_G = self.gan_loss(pred_fake, True) + 100.0 * self.l1(fake_B.float(), B)
        loss_G.backward()
        self.opt_G.step()
        return loss_D.item(), loss_G.item()


# ---------------------------------------------------------------- same weights for every engine

def read_f32(path, shape):
    data = open(path, 'rb').read()
    want = 4
    for d in shape:
        want *= d
    if len(data) != want:
        raise SystemExit(f"torch_reference.py: {path} has {len(data)} bytes, float32 {list(shape)} needs {want}")
    return torch.frombuffer(bytearray(data), dtype=torch.float32).reshape(shape)


def write_f32(path, t):
    # Atomic: a temporary file in the same folder, then rename.
    tmp = f"{path}.tmp-{os.getpid()}"
    with open(tmp, 'wb') as f:
        f.write(array.array('f', t.detach().float().flatten().tolist()).tobytes())  # no numpy needed
    os.replace(tmp, path)


def prepare(args, size):
    """Writes the weights (once per generator), the input, PyTorch's fp32 eval output and the ONNX file."""
    os.makedirs(args.prepare, exist_ok=True)
    stem = os.path.join(args.prepare, f"{args.generator}-{size}-b{args.batch}")
    weights = os.path.join(args.prepare, f"{args.generator}.pth")
    G = make_generator(args.generator)
    wrote = []
    if os.path.exists(weights):
        G.load_state_dict(torch.load(weights, weights_only=True))
    else:
        init_weights(G)
        # Running statistics that are not the trivial mean 0, variance 1: a few train-mode passes.
        G.train()
        with torch.no_grad():
            for _ in range(3):
                G(torch.rand(1, 3, 256, 256) * 2 - 1)
        tmp = f"{weights}.tmp-{os.getpid()}"
        torch.save(G.state_dict(), tmp)
        os.replace(tmp, weights)
        wrote.append(weights)
    G.eval()
    x = torch.rand(args.batch, 3, size, size) * 2 - 1
    with torch.inference_mode():
        y = G(x)
    write_f32(stem + '.input.f32', x)
    write_f32(stem + '.torch-fp32.f32', y)
    wrote += [stem + '.input.f32', stem + '.torch-fp32.f32']
    export_s = None
    if args.onnx:
        t0 = time.perf_counter()
        tmp = f"{stem}.onnx.tmp-{os.getpid()}"
        # The TorchScript exporter (dynamo=False): no onnxscript needed; it warns that it is deprecated.
        with warnings.catch_warnings():
            warnings.simplefilter('ignore', DeprecationWarning)
            torch.onnx.export(G, (x,), tmp, input_names=['input'], output_names=['output'], opset_version=17,
                              dynamo=False)
        os.replace(tmp, stem + '.onnx')
        export_s = round(time.perf_counter() - t0, 2)
        wrote.append(stem + '.onnx')
    print(json.dumps({'impl': 'torch', 'torch': torch.__version__, 'prepare': [os.path.basename(p) for p in wrote],
                      'generator': args.generator, 'size': size, 'batch': args.batch, 'onnx_export_s': export_s}))
    sys.stdout.flush()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--generator', default='unet_256')
    ap.add_argument('--discriminator', default='patchgan_70')
    ap.add_argument('--size', type=int, default=None, help='image size (default: the generator\'s, e.g. 256)')
    ap.add_argument('--batch', type=int, default=1)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--iters', type=int, default=10)
    ap.add_argument('--warmup', type=int, default=2)
    ap.add_argument('--precision', choices=['fp32', 'bf16'], default='fp32')
    ap.add_argument('--mode', choices=['train', 'infer'], default='train')
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--prepare', metavar='DIR', help='write the weights, input, reference output (and ONNX) into DIR; no timing')
    ap.add_argument('--onnx', action='store_true', help='with --prepare: also export the generator to ONNX')
    ap.add_argument('--weights', help='inference: load this state dict into the generator (from --prepare)')
    ap.add_argument('--input', help='inference: the input batch, float32 NCHW (from --prepare)')
    ap.add_argument('--output', help="inference: write the last timed pass's output, float32 NCHW")
    args = ap.parse_args(argv)
    size = args.size or int(args.generator.split('_')[-1])
    if args.batch < 1 or args.iters < 1 or args.warmup < 0 or args.threads < 1:
        raise SystemExit('torch_reference.py: --batch, --iters, --threads must be ≥ 1 and --warmup ≥ 0')

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    if args.prepare:
        return prepare(args, size)
    G = make_generator(args.generator)
    if args.weights:
        G.load_state_dict(torch.load(args.weights, weights_only=True))
    else:
        init_weights(G)
    A = torch.rand(args.batch, 3, size, size) * 2 - 1
    B = torch.rand(args.batch, 3, size, size) * 2 - 1
    if args.input:
        A = read_f32(args.input, (args.batch, 3, size, size))
    bf16 = args.precision == 'bf16'
    rss_after_load_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0

    if args.mode == 'train':
        D = make_discriminator(args.discriminator)
        init_weights(D)
        G.train(); D.train()
        step = Pix2PixStep(G, D, bf16)
        run = lambda: step(A, B)
    else:
        G.eval()

        last = []

        def run():
            with torch.inference_mode(), torch.autocast('cpu', dtype=torch.bfloat16, enabled=bf16):
                y = G(A).float()
                if args.output:
                    last[:] = [y]
                return float(y.mean()), 0.0

    times, losses = [], []
    for i in range(args.warmup + args.iters):
        t0 = time.perf_counter()
        out = run()
        dt = time.perf_counter() - t0
        if i >= args.warmup:
            times.append(dt)
            losses.append([round(x, 5) for x in out])
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(json.dumps({
        'impl': 'torch', 'torch': torch.__version__, 'mode': args.mode, 'generator': args.generator,
        'discriminator': args.discriminator if args.mode == 'train' else None, 'size': size, 'batch': args.batch,
        'threads': args.threads, 'precision': args.precision, 'iters': args.iters, 'warmup': args.warmup,
        'median_s': statistics.median(times), 'min_s': min(times), 'peak_rss_mb': round(rss_mb, 1),
        'losses': losses[-1], 'rss_after_load_mb': round(rss_after_load_mb, 1),
        'weights': 'file' if args.weights else 'random',
    }))
    sys.stdout.flush()
    if args.mode == 'infer' and args.output:
        write_f32(args.output, last[0])


if __name__ == '__main__':
    main()
