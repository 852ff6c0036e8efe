#!/usr/bin/env python3
"""Dev-only parity check (not in `make test`): Pix2PixZoo's exported files in PyTorch and ONNX Runtime.

    PYTHONPATH=<a venv with torch>/lib/python3.11/site-packages \\
        python3 scripts/export_parity_torch.py --pix2pix .build/release/pix2pix

1. Shipped zoo models (Zoo/): `pix2pix export safetensors` and `export onnx`; the safetensors go into
   the reference's UnetGenerator with load_state_dict(strict=True); on the card's golden input, the
   reference (eval mode), ONNX Runtime and our golden output (what `translate` computed when the model
   was published, read with scripts/pzck_reader.py) are compared.
2. PyTorch → us: a reference UnetGenerator with random weights and batch statistics (batch norm with
   dropout, and instance norm, 1 → 3 channels), saved with safetensors.torch.save_file (its
   num_batches_tracked counters included), converted with `pix2pix ckpt convert --generator …`;
   then exported with `export onnx --checkpoint` and run in ONNX Runtime, and published to a
   temporary zoo, whose golden pair is our own eval-mode output, both against the reference.

Prints one line per comparison (max |Δ|, max |Δ| / max |reference|) and exits 1 when any relative
error exceeds --tolerance. Needs torch, numpy, safetensors, onnxruntime and zstandard.
"""
import argparse
import functools
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnxruntime as ort
import torch
import torch.nn as nn
from safetensors.torch import load_file, save_file

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pzck_reader  # noqa: E402


# ------------------------------------------------ the reference's generator (models/networks.py)

class UnetSkipConnectionBlock(nn.Module):
    def __init__(self, outer_nc, inner_nc, input_nc=None, submodule=None, outermost=False, innermost=False,
                 norm_layer=nn.BatchNorm2d, use_dropout=False):
        super().__init__()
        self.outermost = outermost
        if type(norm_layer) == functools.partial:
            use_bias = norm_layer.func == nn.InstanceNorm2d
        else:
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
            block = UnetSkipConnectionBlock(ngf * 8, ngf * 8, submodule=block, norm_layer=norm_layer, use_dropout=use_dropout)
        block = UnetSkipConnectionBlock(ngf * 4, ngf * 8, submodule=block, norm_layer=norm_layer)
        block = UnetSkipConnectionBlock(ngf * 2, ngf * 4, submodule=block, norm_layer=norm_layer)
        block = UnetSkipConnectionBlock(ngf, ngf * 2, submodule=block, norm_layer=norm_layer)
        self.model = UnetSkipConnectionBlock(output_nc, ngf, input_nc=input_nc, submodule=block, outermost=True, norm_layer=norm_layer)

    def forward(self, x):
        return self.model(x)


def norm_layer(kind):
    if kind == 'batch':
        return functools.partial(nn.BatchNorm2d, affine=True, track_running_stats=True)
    if kind == 'instance':
        return functools.partial(nn.InstanceNorm2d, affine=False, track_running_stats=False)
    raise SystemExit('norm %r: the reference has batch and instance' % kind)


def reference(config):
    return UnetGenerator(config['input_channels'], config['output_channels'], config['depth'], config['ngf'],
                         norm_layer(config['norm']), config['dropout'])


# ------------------------------------------------ helpers

def run(cmd):
    result = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if result.returncode != 0:
        raise SystemExit('%s failed:\n%s%s' % (' '.join(cmd), result.stdout, result.stderr))
    return result.stdout.strip()


def onnx_run(path, x):
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    session = ort.InferenceSession(path, options, providers=['CPUExecutionProvider'])
    return session.run(['output'], {'input': x})[0]


def compare(label, ours, theirs, tolerance, failures):
    diff = float(np.max(np.abs(ours - theirs)))
    rel = diff / max(float(np.max(np.abs(theirs))), 1e-12)
    ok = rel <= tolerance
    print('%-70s max|Δ| %.3g  relative %.3g  %s' % (label, diff, rel, 'ok' if ok else 'FAIL'))
    if not ok:
        failures.append(label)


def torch_eval(net, x):
    net.eval()
    with torch.no_grad():
        return net(torch.from_numpy(x)).numpy()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--pix2pix', default='.build/release/pix2pix')
    parser.add_argument('--zoo', default='Zoo')
    parser.add_argument('--models', default='gray2color,edges2photo')
    parser.add_argument('--tolerance', type=float, default=1e-4)
    args = parser.parse_args()
    torch.set_num_threads(1)
    failures = []
    work = tempfile.mkdtemp(prefix='pix2pix-parity-')

    for model in args.models.split(','):
        st, onnx = os.path.join(work, model + '.safetensors'), os.path.join(work, model + '.onnx')
        run([args.pix2pix, 'export', 'safetensors', '--model', model, '--zoo', args.zoo, '-o', st, '--force'])
        run([args.pix2pix, 'export', 'onnx', '--model', model, '--zoo', args.zoo, '-o', onnx, '--force'])
        folder = os.path.join(args.zoo, model, sorted(os.listdir(os.path.join(args.zoo, model)))[-1])
        with open(os.path.join(folder, 'card.json')) as f:
            card = json.load(f)
        config = card['architecture']['generator']['config']
        net = reference(config)
        result = net.load_state_dict(load_file(st), strict=True)
        assert not result.missing_keys and not result.unexpected_keys, result
        _, golden = pzck_reader.load(os.path.join(folder, card['golden']['file']))
        x = np.ascontiguousarray(golden['input'].transpose(0, 3, 1, 2))
        ours = np.ascontiguousarray(golden['output'].transpose(0, 3, 1, 2))
        torch_out = torch_eval(net, x)
        size = 'x'.join(map(str, x.shape[2:]))
        compare('%s %s: PyTorch reference vs our golden output' % (model, size), ours, torch_out, args.tolerance, failures)
        compare('%s %s: ONNX Runtime vs PyTorch reference' % (model, size), onnx_run(onnx, x), torch_out, args.tolerance, failures)
        wide = np.random.default_rng(1).uniform(-1, 1, (1, config['input_channels'], 64, 192)).astype(np.float32)
        compare('%s 64x192: ONNX Runtime vs PyTorch reference' % model, onnx_run(onnx, wide), torch_eval(net, wide), args.tolerance, failures)

    for norm in ('batch', 'instance'):
        torch.manual_seed(3)
        config = {'input_channels': 1, 'output_channels': 3, 'depth': 6, 'ngf': 8, 'norm': norm, 'dropout': True}
        net = reference(config)
        for p in net.parameters():
            nn.init.normal_(p, 0.0, 0.2)
        net.train()
        with torch.no_grad():  # batch statistics into the running means / variances
            for _ in range(3):
                net(torch.rand(2, 1, 64, 64) * 2 - 1)
        st, pzck, onnx = (os.path.join(work, 'torch-%s.%s' % (norm, ext)) for ext in ('safetensors', 'pzck', 'onnx'))
        save_file({k: v.contiguous() for k, v in net.state_dict().items()}, st)
        run([args.pix2pix, 'ckpt', 'convert', st, '--storage', 'f32', '-o', pzck, '--force', '--generator', 'unet_64',
             '--g', 'ngf=8', '--g', 'norm=' + norm, '--g', 'input_channels=1'])
        run([args.pix2pix, 'export', 'onnx', '--checkpoint', pzck, '-o', onnx, '--force'])
        x = np.random.default_rng(2).uniform(-1, 1, (2, 1, 128, 64)).astype(np.float32)
        compare('reference unet_64 ngf 8, %s norm 2x128x64: ONNX Runtime vs PyTorch' % norm,
                onnx_run(onnx, x), torch_eval(net, x), args.tolerance, failures)
        # Our own forward pass: publishing the converted checkpoint (F32) writes a golden pair,
        # our eval-mode output on a synthetic input.
        zoo = os.path.join(work, 'zoo-' + norm)
        run([args.pix2pix, 'zoo', 'publish', pzck, '--zoo', zoo, '--id', 'torch-' + norm, '--version', '1.0.0', '--storage', 'f32'])
        _, golden = pzck_reader.load(os.path.join(zoo, 'torch-' + norm, '1.0.0', 'samples', 'golden.pzck'))
        x = np.ascontiguousarray(golden['input'].transpose(0, 3, 1, 2))
        ours = np.ascontiguousarray(golden['output'].transpose(0, 3, 1, 2))
        compare('reference unet_64 ngf 8, %s norm %s: ours vs PyTorch' % (norm, 'x'.join(map(str, x.shape[2:]))),
                ours, torch_eval(net, x), args.tolerance, failures)

    if failures:
        print('%d comparison(s) above the tolerance %g' % (len(failures), args.tolerance))
        return 1
    print('all comparisons within %g relative' % args.tolerance)
    return 0


if __name__ == '__main__':
    sys.exit(main())
