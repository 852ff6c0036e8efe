#!/usr/bin/env python3
"""Writes the fuzz seed corpora Tests/Fuzz/Corpus/<target>/ (a few small valid inputs each, < 64 kB per
target). Dev-only; the output is committed. Needs numpy, the `zstd` command, libturbojpeg and libhdf5;
the Pix2PixZoo pair file comes from a built `pix2pix` (argument 1, default .build/release/pix2pix).

    scripts/make_fuzz_seeds.py [path/to/pix2pix]

- checkpoint/: .pzck files written from the format spec (Docs/Pix2PixZoo.docc/CheckpointFormat.md):
  F32 zstd + byteshuffle, BF16 codec none, F16 zstd without filter, with a scalar, an empty tensor and
  a tensor split over two chunks; Q8 (format 1.1) per channel on axis 0 and 1 (two chunks) and per
  tensor. `scripts/make_fuzz_seeds.py --q8-only` writes only the Q8 seeds.
- json/: checkpoint headers and strict-JSON corner cases (escapes, surrogate pairs, number forms).
- architecture/: every registry preset's config (first byte: the preset's index, generators then
  discriminators, as the registry lists them) and two header `model` objects (first byte 255).
- image/: the Imaging PNG fixtures that cover every PNG colour type, and three small JPEGs (4:4:4, 4:2:0
  progressive, gray) from libturbojpeg.
- hdf5/: the Imaging HDF5 fixtures (seed layouts, mismatch, unknown), one Pix2PixZoo pair file, and
  small reproducers of the forged attributes that crashed libhdf5 (written through libhdf5 by ctypes).
"""
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib
import ctypes.util

import numpy as np

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..')
CORPUS = os.path.join(ROOT, 'Tests', 'Fuzz', 'Corpus')
FIXTURES = os.path.join(ROOT, 'Tests', 'ImagingTests', 'Fixtures')

MAGIC = b'\x89PZCK\r\n\x1a'
END_MAGIC = b'PZCKEND\x1a'


def align(n):
    return (n + 63) // 64 * 64


def zstd(raw):
    with tempfile.NamedTemporaryFile() as f:
        f.write(raw)
        f.flush()
        return subprocess.run(['zstd', '-q', '-c', '-3', f.name], check=True, stdout=subprocess.PIPE).stdout


def quantize(values, axis):
    """Q8 of the spec: int8 bytes and the `quantization` object (per channel on `axis`, or per tensor)."""
    v = np.asarray(values, dtype=np.float32)
    if axis is not None:
        moved = np.moveaxis(np.abs(v), axis, 0).reshape(v.shape[axis], -1)
        scales = (moved.max(axis=1) / np.float32(127)).astype(np.float32)
        scales[scales == 0] = 1
        shape = [1] * v.ndim
        shape[axis] = -1
        q = np.clip(np.rint(v / scales.reshape(shape)), -127, 127).astype(np.int8)
        return q.reshape(-1).tobytes(), {'scheme': 'per_channel_symmetric', 'axis': axis,
                                         'scales': [float(x) for x in scales]}
    lo, hi = min(float(v.min()), 0.0), max(float(v.max()), 0.0)
    scale = np.float32((hi - lo) / 255) if hi > lo else np.float32(1)
    z = int(np.clip(np.rint(-128 - lo / float(scale)), -128, 127))
    q = np.clip(np.rint(v / scale) + z, -128, 127).astype(np.int8)
    return q.reshape(-1).tobytes(), {'scheme': 'per_tensor_affine', 'scale': float(scale), 'zero_point': z}


def pzck(tensors, dtype, codec, filt, kind='inference', chunk_elements=None, axes=None):
    """tensors: [(name, float32 array)] -> container bytes. Q8 uses `axes` (name -> axis; per tensor
    when absent) for tensors of rank >= 2 and F32 for the others, as the writer does."""
    data = bytearray()
    rows = []
    minor = 0
    for name, values in tensors:
        flat = np.asarray(values, dtype=np.float32).reshape(-1)
        stored_as = dtype if dtype != 'Q8' or (np.asarray(values).ndim >= 2 and flat.size) else 'F32'
        width = {'F32': 4, 'F16': 2, 'BF16': 2, 'Q8': 1}[stored_as]
        quantization = None
        if stored_as == 'Q8':
            raw_all, quantization = quantize(values, (axes or {}).get(name))
            minor = 1
        elif stored_as == 'F32':
            raw_all = flat.tobytes()
        elif stored_as == 'F16':
            raw_all = flat.astype(np.float16).tobytes()
        else:
            raw_all = (flat.view(np.uint32) >> 16).astype(np.uint16).tobytes()  # truncation is a valid BF16 value
        step = (chunk_elements or max(1, len(flat))) * width
        chunks = []
        for start in range(0, len(raw_all), step):
            raw = raw_all[start:start + step]
            if filt == 'byteshuffle':
                m = len(raw) // width
                raw = np.frombuffer(raw, dtype=np.uint8).reshape(m, width).T.reshape(-1).tobytes()
            stored = zstd(raw) if codec == 'zstd' else raw
            data += b'\0' * (align(len(data)) - len(data))
            chunks.append({'offset': len(data), 'stored_length': len(stored), 'raw_length': len(raw),
                           'crc32': zlib.crc32(stored) & 0xFFFFFFFF})
            data += stored
        row = {'name': name, 'dtype': stored_as, 'codec': codec, 'filter': filt,
               'shape': list(np.asarray(values).shape), 'chunks': chunks}
        if quantization:
            row['quantization'] = quantization
        rows.append(row)
    data += b'\0' * (align(len(data)) - len(data))
    header = {'producer': 'Pix2PixZoo fuzz seed', 'kind': kind, 'data_length': len(data), 'tensors': rows,
              'model': {'conditional': True,
                        'generator': {'name': 'unet_64', 'family': 'unet', 'parameters': 0,
                                      'config': {'depth': 6, 'dropout': True, 'input_channels': 3, 'ngf': 2,
                                                 'norm': 'batch', 'output_channels': 3}}},
              'metadata': {'seed': 'fuzz', 'epoch': 1, 'lr': 0.0002, 'note': 'caf\u00e9 \U0001F600'}}
    h = json.dumps(header, sort_keys=True, separators=(',', ':'), ensure_ascii=False).encode()
    pre = bytearray(MAGIC + struct.pack('<HHIQI', 1, minor, 0, len(h), zlib.crc32(h) & 0xFFFFFFFF))
    pre += struct.pack('<I', zlib.crc32(bytes(pre)) & 0xFFFFFFFF)
    out = bytes(pre) + h
    out += b'\0' * (align(len(out)) - len(out))
    return out + bytes(data) + struct.pack('<Q', len(data)) + END_MAGIC, h


def jpeg(pixels, subsampling, flags):
    """JPEG bytes from libturbojpeg (the library the reader uses): subsampling TJSAMP_*, flags TJFLAG_*."""
    import ctypes
    tj = ctypes.CDLL(ctypes.util.find_library('turbojpeg'))
    tj.tjInitCompress.restype = ctypes.c_void_p
    handle = ctypes.c_void_p(tj.tjInitCompress())
    buffer, size = ctypes.POINTER(ctypes.c_ubyte)(), ctypes.c_ulong(0)
    h, w, c = pixels.shape
    pixel_format = 6 if c == 1 else 0  # TJPF_GRAY, TJPF_RGB
    rc = tj.tjCompress2(handle, pixels.ctypes.data_as(ctypes.c_void_p), w, w * c, h, pixel_format,
                        ctypes.byref(buffer), ctypes.byref(size), subsampling, 85, flags)
    assert rc == 0, 'tjCompress2 failed'
    data = ctypes.string_at(buffer, size.value)
    tj.tjFree(buffer)
    tj.tjDestroy(handle)
    return data


def hdf5_attributes(path, attributes):
    """An HDF5 file (libhdf5 through ctypes) whose root group carries `attributes` [(name, int or str)];
    strings are variable-length, in the global heap, as earlier versions of our writer stored them."""
    h5 = ctypes.CDLL(ctypes.util.find_library('hdf5_serial') or 'libhdf5_serial.so.103')
    hid = ctypes.c_int64
    for f in ('H5Fcreate', 'H5Screate', 'H5Tcopy', 'H5Acreate2'):
        getattr(h5, f).restype = hid
    h5.H5open()
    gid = lambda name: hid(hid.in_dll(h5, name).value)
    default = hid(0)
    f = hid(h5.H5Fcreate(path.encode(), ctypes.c_uint(2), default, default))   # H5F_ACC_TRUNC
    space = hid(h5.H5Screate(0))                                              # H5S_SCALAR
    for name, value in attributes:
        if isinstance(value, int):
            a = hid(h5.H5Acreate2(f, name.encode(), gid('H5T_STD_I64LE_g'), space, default, default))
            assert h5.H5Awrite(a, gid('H5T_NATIVE_LLONG_g'), ctypes.byref(ctypes.c_int64(value))) >= 0
        else:
            t = hid(h5.H5Tcopy(gid('H5T_C_S1_g')))
            h5.H5Tset_size(t, ctypes.c_size_t(2 ** 64 - 1))                     # H5T_VARIABLE
            a = hid(h5.H5Acreate2(f, name.encode(), t, space, default, default))
            assert h5.H5Awrite(a, t, ctypes.byref(ctypes.c_char_p(value.encode()))) >= 0
            h5.H5Tclose(t)
        assert a.value >= 0 and h5.H5Aclose(a) >= 0
    h5.H5Sclose(space)
    assert h5.H5Fclose(f) >= 0
    with open(path, 'rb') as file:
        return bytearray(file.read())


def hdf5_reproducers(tmp):
    """Small reproducers of what crashed libhdf5 1.10.8 before the attribute reader was hardened
    (issue 16; Sources/Imaging/HDF5/HDF5Attributes.swift), so every smoke run replays them."""
    le = lambda value, n: value.to_bytes(n, 'little')
    # Variable-length strings: 'valid' (heap object 1) reads; 'format' refers to object 60000 of
    # the collection (H5HG_read indexed past its object table); 'transform' is object 3, whose
    # size claims 2^40 bytes (H5HG_read's memcpy ran off the collection).
    b = hdf5_attributes(os.path.join(tmp, 'heap.h5'), [('valid', 'gray'), ('format', 'pix2pixzoo-pairs'),
                                                       ('transform', 'edges'), ('seed', 1)])
    collection = b.find(b'GCOL')
    reference = b.find(le(16, 4) + le(collection, 8)) + 4                     # 'format': length 16
    assert collection > 0 and reference > 4 and b[reference + 8:reference + 12] == le(2, 4)
    b[reference + 8:reference + 12] = le(60000, 4)
    p = collection + 16
    for _ in range(2):                                                        # objects 1 and 2 ("gray", the format)
        p += 16 + (int.from_bytes(b[p + 8:p + 16], 'little') + 7) // 8 * 8
    assert b[p:p + 2] == le(3, 2)
    b[p + 8:p + 16] = le(1 << 40, 8)
    write('hdf5', 'repro-vlen-heap-references.h5', bytes(b))
    # A damaged attribute message (bad version) at index 3 of 6: H5Aiterate2 built its attribute
    # table, failed on it and closed the table's 4th slot, never filled (H5A__close on garbage).
    b = hdf5_attributes(os.path.join(tmp, 'messages.h5'), [(f'a{i}', i) for i in range(6)])
    name = b.find(b'a3\0')
    assert b[name - 8] == 1
    b[name - 8] = 9
    write('hdf5', 'repro-attribute-message.h5', bytes(b))


def write(target, name, data):
    path = os.path.join(CORPUS, target)
    os.makedirs(path, exist_ok=True)
    with open(os.path.join(path, name), 'wb') as f:
        f.write(data)


def q8_seeds():
    """Q8 checkpoints: conv (axis 0) and transposed-conv (axis 1, split over two chunks) weights, a
    weight quantised per tensor, and the F32 bias and scalar Q8 leaves alone."""
    rng = np.random.default_rng(18)
    tensors = [('generator.down.weight', (rng.standard_normal((4, 3, 4, 4)) * 0.02).astype(np.float32)),
               ('generator.up.weight', (rng.standard_normal((4, 3, 4, 4)) * 0.05).astype(np.float32)),
               ('generator.other.weight', (rng.standard_normal((3, 5)) + 0.5).astype(np.float32)),
               ('generator.up.bias', np.zeros(3, np.float32)),
               ('generator.step', np.array(7, np.float32))]
    q, _ = pzck(tensors, 'Q8', 'zstd', 'none', axes={'generator.down.weight': 0, 'generator.up.weight': 1},
                chunk_elements=None)
    write('checkpoint', 'q8-zstd-channel-and-tensor.pzck', q)
    two, _ = pzck(tensors[1:2], 'Q8', 'zstd', 'none', axes={'generator.up.weight': 1}, chunk_elements=100)
    write('checkpoint', 'q8-two-chunks-axis1.pzck', two)


def main():
    if sys.argv[1:] == ['--q8-only']:
        q8_seeds()
        return
    tool = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, '.build', 'release', 'pix2pix')
    shutil.rmtree(CORPUS, ignore_errors=True)
    for target in ('checkpoint', 'json', 'architecture', 'image', 'hdf5'):
        os.makedirs(os.path.join(CORPUS, target))
    rng = np.random.default_rng(16)
    weights = [('generator.model.0.weight', (rng.standard_normal((4, 3, 4, 4)) * 0.02).astype(np.float32)),
               ('generator.model.0.bias', np.zeros(4, np.float32)),
               ('generator.step', np.array(7, np.float32)),
               ('generator.empty', np.zeros((0, 3), np.float32))]
    a, header_a = pzck(weights, 'F32', 'zstd', 'byteshuffle')
    b, _ = pzck(weights, 'BF16', 'none', 'none', kind='training')
    c, _ = pzck(weights[:1], 'F16', 'zstd', 'none', chunk_elements=64)
    write('checkpoint', 'f32-zstd-byteshuffle.pzck', a)
    write('checkpoint', 'bf16-none-training.pzck', b)
    write('checkpoint', 'f16-zstd-two-chunks.pzck', c)
    q8_seeds()

    write('json', 'header.json', header_a)
    write('json', 'escapes.json', '{"a":"\\u00e9\\ud83d\\ude00\\n\\t\\"\\\\\\/","b":[true,false,null],"c":{}}'.encode())
    write('json', 'numbers.json', b'[0,-0,1.5e-300,-2E+10,18446744073709551615,123456789012345678901234567890,0.0002]')
    write('json', 'nested.json', b'[[[[{"k":[[{}]]}]]]]')

    unet = {'depth': 6, 'dropout': True, 'input_channels': 3, 'ngf': 64, 'norm': 'batch', 'output_channels': 3}
    presets = [dict(unet, depth=d) for d in (6, 7, 8)] * 2
    patch = {'input_channels': 6, 'layers': 3, 'ndf': 64, 'norm': 'batch'}
    discriminators = [{'input_channels': 6, 'ndf': 64, 'norm': 'batch'}] + [dict(patch, layers=n) for n in (1, 2, 3, 4, 5)]
    for index, config in enumerate(presets + discriminators):
        if index in (0, 3, 6, 8, 11):  # a few presets of each family are enough as seeds
            write('architecture', f'preset-{index}.bin', bytes([index]) + json.dumps(config, sort_keys=True).encode())
    model = {'conditional': True,
             'generator': {'name': 'unet_64', 'family': 'unet', 'parameters': 0, 'config': dict(unet, ngf=4)},
             'discriminator': {'name': 'patchgan_16', 'family': 'patchgan', 'parameters': 0,
                               'config': dict(patch, layers=1, ndf=4)}}
    write('architecture', 'model-unet64-patchgan16.bin', bytes([255]) + json.dumps(model, sort_keys=True).encode())
    model['generator'] = {'name': 'encoder_decoder_64', 'family': 'encoder_decoder', 'parameters': 0,
                          'config': dict(unet, ngf=2, norm='instance', dropout=False)}
    model['discriminator'] = {'name': 'pixelgan', 'family': 'pixelgan', 'parameters': 0,
                              'config': {'input_channels': 6, 'ndf': 2, 'norm': 'none'}}
    write('architecture', 'model-encdec64-pixelgan.bin', bytes([255]) + json.dumps(model, sort_keys=True).encode())

    for name in ('gray1.png', 'gray16.png', 'ga8.png', 'palette_trns.png', 'rgba8.png', 'rgb16.png'):
        shutil.copy(os.path.join(FIXTURES, 'png', name), os.path.join(CORPUS, 'image', name))
    pixels = np.fromfunction(lambda y, x, c: (x * 9 + y * 5 + c * 80) % 256, (24, 32, 3)).astype(np.uint8)
    for name, gray, subsampling, flags in (('rgb-444.jpg', False, 0, 0), ('rgb-420-progressive.jpg', False, 2, 16384),
                                           ('gray.jpg', True, 3, 0)):
        write('image', name, jpeg(pixels[:, :, :1].copy() if gray else pixels, subsampling, flags))

    for name in ('mismatch.h5', 'seed_fullsketch.h5', 'seed_genraw_edges.h5', 'unknown.h5'):
        shutil.copy(os.path.join(FIXTURES, 'hdf5', name), os.path.join(CORPUS, 'hdf5', name))
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([tool, 'data', 'build', '--source', os.path.join(FIXTURES, 'color', 'area_32x32_cv2.png'),
                        '--transform', 'gray', '--size', '16', '--crops-per-image', '1', '--split', '1', '--seed', '1',
                        '--min-std', '0', '--out', os.path.join(tmp, 'pairs.h5')], check=True, stdout=subprocess.DEVNULL)
        shutil.copy(os.path.join(tmp, 'pairs.h5'), os.path.join(CORPUS, 'hdf5', 'pix2pixzoo-16.h5'))
        hdf5_reproducers(tmp)

    for target in sorted(os.listdir(CORPUS)):
        files = os.listdir(os.path.join(CORPUS, target))
        total = sum(os.path.getsize(os.path.join(CORPUS, target, f)) for f in files)
        print(f'{target}: {len(files)} seeds, {total} bytes')
        assert total <= 64 * 1024, f'{target} seeds exceed 64 kB'


if __name__ == '__main__':
    main()
