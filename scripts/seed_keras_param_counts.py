#!/usr/bin/env python3
"""Parameter counts of the seed project's Keras networks, from the Keras code's layer list (dev-only).

The seed is the Keras pix2pix of MuAuan/pix2pix (`models.py`, commit 33cc259, the version its
`pix2pix.py` trains): `generator_unet_upsampling` and `DCGAN_discriminator`. This script rebuilds
both graphs layer by layer as the Keras functions do — same loops, same filter lists, same
`Concatenate` inputs — as a tiny symbolic graph (shapes only; no Keras or TensorFlow needed), and
counts what a Keras `Model(inputs, outputs)` counts: the layers on a path from an input to the
output, each shared layer once. Keras' rules:

    Conv2D(f, (3, 3))           3·3·c_in·f + f         (use_bias=True by default)
    BatchNormalization(axis=-1) 4·c: gamma, beta trainable; moving mean / variance not
    Dense(units)                c_in·units + units

The graph walk matters for the discriminator: its "Next Conv" loop recomputes `x` from
`Concatenate([xg, xr])` on every pass, so only the last pass's convolution reaches the output and
the others never enter the Model (the seed's own printed summary lists `disc_conv2d_6` alone).

It checks itself against the summaries printed in the seed repository (models.py, commit 0fcfded,
for a 128×128×1 → 3 generator with skips at every level, and the 64×64 patch discriminator), then
writes the counts for the configurations our tests build to
Tests/SeedNetworksTests/Fixtures/seed_keras_params.json:

    python3 scripts/seed_keras_param_counts.py            # writes the fixture
    python3 scripts/seed_keras_param_counts.py --check    # exit 1 if the committed fixture differs
"""
import json
import math
import os
import sys

FIXTURE = os.path.join('Tests', 'SeedNetworksTests', 'Fixtures', 'seed_keras_params.json')


class Layer:
    def __init__(self, name, kind, trainable=0, non_trainable=0):
        self.name, self.kind = name, kind
        self.trainable, self.non_trainable = trainable, non_trainable


class T:
    """A symbolic tensor: its shape (without the batch axis), the layer that made it and that layer's inputs."""

    def __init__(self, shape, layer=None, inputs=()):
        self.shape, self.layer, self.inputs = tuple(shape), layer, tuple(inputs)


def keras_log2(n):
    # `int(np.floor(np.log(n) / np.log(2)))`, exactly as models.py computes conv_num.
    return int(math.floor(math.log(n) / math.log(2)))


def same(size, stride):
    return -(-size // stride)  # padding='same': ceil(size / stride)


def conv2d(x, filters, name, strides=1):
    h, w, c = x.shape
    layer = Layer(name, 'Conv2D', trainable=3 * 3 * c * filters + filters)
    return T((same(h, strides), same(w, strides), filters), layer, [x])


def batch_norm(x, name):
    c = x.shape[-1]
    return T(x.shape, Layer(name, 'BatchNormalization', trainable=2 * c, non_trainable=2 * c), [x])


def activation(x, name):
    return T(x.shape, Layer(name, 'Activation'), [x])


def dropout(x, name):
    return T(x.shape, Layer(name, 'Dropout'), [x])


def upsampling(x, name):
    h, w, c = x.shape
    return T((2 * h, 2 * w, c), Layer(name, 'UpSampling2D'), [x])


def concatenate(xs, name):
    *rest, _ = xs[0].shape
    assert all(tuple(x.shape[:-1]) == tuple(rest) for x in xs), [x.shape for x in xs]
    return T(tuple(rest) + (sum(x.shape[-1] for x in xs),), Layer(name, 'Concatenate'), xs)


def flatten(x, name):
    return T((math.prod(x.shape),), Layer(name, 'Flatten'), [x])


def dense(x, units, name):
    return T((units,), Layer(name, 'Dense', trainable=x.shape[-1] * units + units), [x])


class Counter:
    """Unique layer names, as Keras numbers `batch_normalization_1`, `leaky_re_lu_3`, …"""

    def __init__(self):
        self.n = {}

    def __call__(self, prefix):
        self.n[prefix] = self.n.get(prefix, 0) + 1
        return f'{prefix}_{self.n[prefix]}'


def model_layers(output):
    """The layers a Keras Model built for `output` holds: everything reachable backwards, once each."""
    seen, stack = {}, [output]
    while stack:
        t = stack.pop()
        if t.layer is not None and id(t.layer) not in seen:
            seen[id(t.layer)] = t.layer
        stack.extend(t.inputs)
    return list(seen.values())


def counts(layers):
    trainable = sum(l.trainable for l in layers)
    non_trainable = sum(l.non_trainable for l in layers)
    return {'trainable': trainable, 'non_trainable': non_trainable, 'total': trainable + non_trainable}


def generator_unet_upsampling(img_shape, out_channels):
    """models.py `generator_unet_upsampling` (commit 33cc259: every decoder block concatenates its skip)."""
    k = Counter()
    filters_num = 64
    min_s = min(img_shape[:-1])
    unet_input = T(img_shape)
    conv_num = keras_log2(min_s)
    list_filters_num = [filters_num * min(8, 2 ** i) for i in range(conv_num)]

    def conv_block_unet(x, f, name):
        x = activation(x, k('leaky_re_lu'))
        x = conv2d(x, f, name, strides=2)
        return batch_norm(x, k('batch_normalization'))

    def up_conv_block_unet(x, x2, f, name, use_dropout):
        x = activation(x, k('activation'))
        x = upsampling(x, k('up_sampling2d'))
        x = conv2d(x, f, name)
        x = batch_norm(x, k('batch_normalization'))
        if use_dropout:
            x = dropout(x, k('dropout'))
        return concatenate([x, x2], k('concatenate'))

    list_encoder = [conv2d(unet_input, list_filters_num[0], 'unet_conv2D_1', strides=2)]
    for i, f in enumerate(list_filters_num[1:]):
        list_encoder.append(conv_block_unet(list_encoder[-1], f, 'unet_conv2D_' + str(i + 2)))

    list_filters_num = list_filters_num[:-2][::-1]
    if len(list_filters_num) < conv_num - 1:
        list_filters_num.append(filters_num)

    list_decoder = [up_conv_block_unet(list_encoder[-1], list_encoder[-2], list_filters_num[0], 'unet_upconv2D_1', True)]
    for i, f in enumerate(list_filters_num[1:]):
        list_decoder.append(up_conv_block_unet(list_decoder[-1], list_encoder[-(i + 3)], f,
                                               'unet_upconv2D_' + str(i + 2), i < 2))

    x = activation(list_decoder[-1], k('activation'))
    x = upsampling(x, k('up_sampling2d'))
    x = conv2d(x, out_channels, 'last_conv')
    x = activation(x, k('activation'))
    assert x.shape == tuple(img_shape[:-1]) + (out_channels,), x.shape
    return model_layers(x), conv_num


def dcgan_discriminator(img_shape, disc_img_shape, patch_num):
    """models.py `DCGAN_discriminator`: the shared per-patch classifier ("PatchGAN") and the merge."""
    k = Counter()
    disc_raw_img_shape = (disc_img_shape[0], disc_img_shape[1], img_shape[-1])
    filters_num = 64
    conv_num = keras_log2(disc_img_shape[1])
    list_filters = [filters_num * min(8, 2 ** i) for i in range(conv_num)]

    generated_patch_input = T(disc_img_shape)
    xg = conv2d(generated_patch_input, list_filters[0], 'disc_conv2d_1', strides=2)
    xg = batch_norm(xg, k('batch_normalization'))
    xg = activation(xg, k('leaky_re_lu'))

    raw_patch_input = T(disc_raw_img_shape)
    xr = conv2d(raw_patch_input, list_filters[0], 'raw_disc_conv2d_1', strides=2)
    xr = batch_norm(xr, k('batch_normalization'))
    xr = activation(xr, k('leaky_re_lu'))

    x = None
    for i, f in enumerate(list_filters[1:]):
        x = concatenate([xg, xr], k('concatenate'))  # the seed's loop: x starts again from (xg, xr) each pass
        x = conv2d(x, f, 'disc_conv2d_' + str(i + 2), strides=2)
        x = batch_norm(x, k('batch_normalization'))
        x = activation(x, k('leaky_re_lu'))

    x_flat = flatten(x, k('flatten'))
    patch_out = dense(x_flat, 2, 'disc_dense')  # activation='softmax'
    patch_layers = model_layers(patch_out)
    live_convs = [l.name for l in patch_layers if l.kind == 'Conv2D']

    # The shared PatchGAN applied to every patch: one layer (its weights once), outputs concatenated.
    patchgan = Layer('PatchGAN', 'Model', trainable=counts(patch_layers)['trainable'],
                     non_trainable=counts(patch_layers)['non_trainable'])
    outs = [T((2,), patchgan, [T(disc_img_shape), T(disc_raw_img_shape)]) for _ in range(patch_num)]
    x = concatenate(outs, k('concatenate')) if len(outs) > 1 else outs[0]
    x_out = dense(x, 2, 'disc_output')  # activation='softmax'
    return patch_layers, model_layers(x_out), live_convs


def self_check():
    """The seed repository's printed summaries (models.py at commit 0fcfded, a 128×128×1 → 3 run)."""
    layers, conv_num = generator_unet_upsampling((128, 128, 1), 3)
    assert conv_num == 7
    assert counts(layers) == {'trainable': 19_295_875, 'non_trainable': 7_936, 'total': 19_303_811}, counts(layers)
    patch_layers, d_layers, live = dcgan_discriminator((128, 128, 1), (64, 64, 3), 4)
    assert sorted(live) == ['disc_conv2d_1', 'disc_conv2d_6', 'raw_disc_conv2d_1'], live  # 2 … 5 never reach the output
    assert counts(patch_layers) == {'trainable': 856_194, 'non_trainable': 1_280, 'total': 857_474}, counts(patch_layers)
    assert counts(d_layers) == {'trainable': 856_212, 'non_trainable': 1_280, 'total': 857_492}, counts(d_layers)


def fixture():
    generators = []
    for size, cin, cout in [(64, 1, 3), (128, 1, 3), (256, 1, 3), (128, 3, 3)]:
        layers, conv_num = generator_unet_upsampling((size, size, cin), cout)
        assert 2 ** conv_num == size
        generators.append({'image_size': size, 'depth': conv_num, 'input_channels': cin, 'output_channels': cout,
                           **counts(layers)})
    discriminators = []
    patch = 64
    for size, raw, gen in [(64, 1, 3), (128, 1, 3), (256, 1, 3), (128, 3, 3)]:
        patch_num = (size // patch) ** 2
        patch_layers, layers, _ = dcgan_discriminator((size, size, raw), (patch, patch, gen), patch_num)
        discriminators.append({'image_size': size, 'patch_size': patch, 'patches': patch_num,
                               'condition_channels': raw, 'image_channels': gen,
                               'patch_classifier': counts(patch_layers), **counts(layers)})
    return {
        'source': 'MuAuan/pix2pix models.py (commit 33cc259): generator_unet_upsampling, DCGAN_discriminator; '
                  'Keras counts (trainable = our parameterCount, total = parameters + batch-norm running statistics)',
        'generated_by': 'scripts/seed_keras_param_counts.py',
        'generators': generators,
        'discriminators': discriminators,
    }


def main():
    self_check()
    text = json.dumps(fixture(), indent=2, sort_keys=True) + '\n'
    if '--check' in sys.argv[1:]:
        with open(FIXTURE) as f:
            if f.read() != text:
                print(f'{FIXTURE} differs from what the script computes; rerun it without --check', file=sys.stderr)
                return 1
        print(f'{FIXTURE}: up to date')
        return 0
    os.makedirs(os.path.dirname(FIXTURE), exist_ok=True)
    tmp = FIXTURE + '.tmp'
    with open(tmp, 'w') as f:
        f.write(text)
    os.replace(tmp, FIXTURE)
    print(f'wrote {FIXTURE}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
