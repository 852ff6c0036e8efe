// Winograd F(2×2, 4×4) transforms for stride-1 4×4 convolutions (NHWC activations, PyTorch OIHW
// weights). Interpolation points 0, 1, −1, ½, ∞ (tied smallest fp32 error among the sets
// scripts/winograd_matrices.py tries, which derives these matrices):
//   Y = Aᵀ [(G W Gᵀ) ⊙ (Bᵀ D B)] A   for a 5×5 input tile D, a 4×4 kernel W and a 2×2 output tile.
// Element e = 5i + j of a transformed 5×5 tile is stored in plane e of a [25][rows][cols] array, so
// that the channel sums become 25 independent GEMMs (DNNLConvolution+Winograd.swift).
//
// Every kernel works on 16 channels at a time (channel counts are multiples of 16) as one vector;
// each is compiled twice, for AVX-512 and for the baseline ISA, and picked at run time.
#include "ck_elementwise.h"
#include "winograd_vec.h"

static const float BT[5][5] = {
    {0.5f, -1.0f, -0.5f, 1.0f, 0.0f},
    {0.0f, -0.5f, 0.5f, 1.0f, 0.0f},
    {0.0f, 0.5f, -1.5f, 1.0f, 0.0f},
    {0.0f, -1.0f, 0.0f, 1.0f, 0.0f},
    {0.0f, 0.5f, -1.0f, -0.5f, 1.0f},
};
static const float AT[2][5] = {
    {1.0f, 1.0f, 1.0f, 1.0f, 0.0f},
    {0.0f, 1.0f, -1.0f, 0.5f, 1.0f},
};
static const float GM[5][4] = {
    {2.0f, 0.0f, 0.0f, 0.0f},
    {1.0f, 1.0f, 1.0f, 1.0f},
    {-1.0f / 3, 1.0f / 3, -1.0f / 3, 1.0f / 3},
    {-8.0f / 3, -4.0f / 3, -2.0f / 3, -1.0f / 3},
    {0.0f, 0.0f, 0.0f, 1.0f},
};
// The transposes, for the adjoint transforms.
static const float A[5][2] = {{1.0f, 0.0f}, {1.0f, 1.0f}, {1.0f, -1.0f}, {1.0f, 0.5f}, {0.0f, 1.0f}};
static const float GT[4][5] = {
    {2.0f, 1.0f, -1.0f / 3, -8.0f / 3, 0.0f},
    {0.0f, 1.0f, 1.0f / 3, -4.0f / 3, 0.0f},
    {0.0f, 1.0f, -1.0f / 3, -2.0f / 3, 0.0f},
    {0.0f, 1.0f, 1.0f / 3, -1.0f / 3, 1.0f},
};

INLINE void input_impl(float *v, const float *x, size_t n, size_t h, size_t w, size_t c, size_t pad,
                       size_t th, size_t tw, size_t t_begin, size_t t_end, size_t base, size_t rows) {
    const size_t plane = ck_wino_plane(rows, c);
    const v16 zero = {0};
    for (size_t t = t_begin; t < t_end; t++) {
        const size_t img = t / (th * tw), ty = (t / tw) % th, tx = t % tw;
        const long y0 = 2 * (long)ty - (long)pad, x0 = 2 * (long)tx - (long)pad;
        for (size_t c0 = 0; c0 < c; c0 += LANES) {
            v16 d[5][5], r[5][5], o[5][5];
            for (int a = 0; a < 5; a++)
                for (int b = 0; b < 5; b++) {
                    const long iy = y0 + a, ix = x0 + b;
                    if (iy >= 0 && iy < (long)h && ix >= 0 && ix < (long)w)
                        VLOAD(d[a][b], x + ((img * h + (size_t)iy) * w + (size_t)ix) * c + c0);
                    else
                        d[a][b] = zero;
                }
            LEFT(r, BT, d, 5, 5, 5)
            RIGHT_T(o, r, BT, 5, 5, 5)
            for (int e = 0; e < 25; e++) VSTORE(v + (size_t)e * plane + (t - base) * c + c0, o[e / 5][e % 5]);
        }
    }
}

INLINE void output_impl(float *y, const float *m, const float *bias, size_t n, size_t oh, size_t ow, size_t k,
                        size_t th, size_t tw, size_t t_begin, size_t t_end, size_t base, size_t rows) {
    const size_t plane = ck_wino_plane(rows, k);
    const v16 zero = {0};
    for (size_t t = t_begin; t < t_end; t++) {
        const size_t img = t / (th * tw), ty = (t / tw) % th, tx = t % tw;
        for (size_t k0 = 0; k0 < k; k0 += LANES) {
            v16 mm[5][5], r[2][5], o[2][2];
            for (int e = 0; e < 25; e++) VLOAD(mm[e / 5][e % 5], m + (size_t)e * plane + (t - base) * k + k0);
            LEFT(r, AT, mm, 2, 5, 5)
            RIGHT_T(o, r, AT, 2, 5, 2)
            v16 b = zero;
            if (bias) VLOAD(b, bias + k0);
            for (int i = 0; i < 2; i++)
                for (int j = 0; j < 2; j++) {
                    const size_t oy = 2 * ty + i, ox = 2 * tx + j;
                    if (oy >= oh || ox >= ow) continue;
                    const v16 out = o[i][j] + b;
                    VSTORE(y + ((img * oh + oy) * ow + ox) * k + k0, out);
                }
        }
    }
}

INLINE void grad_output_impl(float *z, const float *dy, size_t n, size_t oh, size_t ow, size_t k,
                             size_t th, size_t tw, size_t t_begin, size_t t_end, size_t base, size_t rows) {
    // z = A · dY · Aᵀ (A = ATᵀ, 5×2): the adjoint of the output transform.
    const size_t plane = ck_wino_plane(rows, k);
    const v16 zero = {0};
    for (size_t t = t_begin; t < t_end; t++) {
        const size_t img = t / (th * tw), ty = (t / tw) % th, tx = t % tw;
        for (size_t k0 = 0; k0 < k; k0 += LANES) {
            v16 g[2][2], r[5][2], o[5][5];
            for (int i = 0; i < 2; i++)
                for (int j = 0; j < 2; j++) {
                    const size_t oy = 2 * ty + i, ox = 2 * tx + j;
                    if (oy < oh && ox < ow)
                        VLOAD(g[i][j], dy + ((img * oh + oy) * ow + ox) * k + k0);
                    else
                        g[i][j] = zero;
                }
            LEFT(r, A, g, 5, 2, 2)
            RIGHT_T(o, r, A, 5, 2, 5)
            for (int e = 0; e < 25; e++) VSTORE(z + (size_t)e * plane + (t - base) * k + k0, o[e / 5][e % 5]);
        }
    }
}

// The weight kernels visit input channels in blocks of 16, and within a block every 16 output
// channels: each OIHW row is then read (or written) 1 KiB at a time, and each plane 32 KiB at a
// time, instead of one 64-byte line of hundreds of rows (or planes) per input channel (~3× slower).
#define FOR_BLOCKS(ci, c0, begin, end, out_c)                                              \
    for (size_t b0_ = (begin); b0_ < (end); b0_ += 16)                                     \
        for (size_t c0 = 0; c0 < (out_c); c0 += LANES)                                     \
            for (size_t ci = b0_; ci < b0_ + 16 && ci < (end); ci++)

INLINE void weights_impl(float *u, const float *w, size_t out_c, size_t in_c, int flip,
                         size_t i_begin, size_t i_end) {
    const size_t plane = ck_wino_plane(in_c, out_c);
    FOR_BLOCKS(ci, c0, i_begin, i_end, out_c) {
            // The 16 taps of 16 output channels (one 64-byte row each), transposed to tap vectors.
            v16 rows[16];
            for (int l = 0; l < LANES; l++)
                VLOAD(rows[l], flip ? w + (ci * out_c + c0 + (size_t)l) * 16 : w + ((c0 + (size_t)l) * in_c + ci) * 16);
            TRANSPOSE16(rows)
            v16 kw[4][4], r[5][4], o[5][5];
            for (int tap = 0; tap < 16; tap++) kw[tap / 4][tap % 4] = rows[flip ? 15 - tap : tap];
            LEFT(r, GM, kw, 5, 4, 4)
            RIGHT_T(o, r, GM, 5, 4, 5)
            for (int e = 0; e < 25; e++) VSTORE(u + (size_t)e * plane + ci * out_c + c0, o[e / 5][e % 5]);
        }
}

INLINE void weight_grad_impl(float *dw, const float *s, size_t out_c, size_t in_c, size_t i_begin, size_t i_end) {
    // dW = Gᵀ · S · G (the adjoint of the weight transform).
    const size_t plane = ck_wino_plane(in_c, out_c);
    FOR_BLOCKS(ci, c0, i_begin, i_end, out_c) {
            v16 ss[5][5], r[4][5], o[4][4], rows[16];
            for (int e = 0; e < 25; e++) VLOAD(ss[e / 5][e % 5], s + (size_t)e * plane + ci * out_c + c0);
            LEFT(r, GT, ss, 4, 5, 5)
            RIGHT_T(o, r, GT, 4, 5, 4)
            for (int tap = 0; tap < 16; tap++) rows[tap] = o[tap / 4][tap % 4];
            TRANSPOSE16(rows)
            for (int l = 0; l < LANES; l++) VSTORE(dw + ((c0 + (size_t)l) * in_c + ci) * 16, rows[l]);
        }
}

TWICE(input, (float *v, const float *x, size_t n, size_t h, size_t w, size_t c, size_t pad, size_t th, size_t tw,
              size_t t_begin, size_t t_end, size_t base, size_t rows), (v, x, n, h, w, c, pad, th, tw, t_begin, t_end, base, rows))
TWICE(output, (float *y, const float *m, const float *bias, size_t n, size_t oh, size_t ow, size_t k, size_t th,
               size_t tw, size_t t_begin, size_t t_end, size_t base, size_t rows),
      (y, m, bias, n, oh, ow, k, th, tw, t_begin, t_end, base, rows))
TWICE(grad_output, (float *z, const float *dy, size_t n, size_t oh, size_t ow, size_t k, size_t th, size_t tw,
                    size_t t_begin, size_t t_end, size_t base, size_t rows), (z, dy, n, oh, ow, k, th, tw, t_begin, t_end, base, rows))
TWICE(weights, (float *u, const float *w, size_t out_c, size_t in_c, int flip, size_t i_begin, size_t i_end),
      (u, w, out_c, in_c, flip, i_begin, i_end))
TWICE(weight_grad, (float *dw, const float *s, size_t out_c, size_t in_c, size_t i_begin, size_t i_end),
      (dw, s, out_c, in_c, i_begin, i_end))

size_t ck_wino_plane(size_t rows, size_t cols) {
    // One cache line more than the plane: with power-of-two planes (256 × 512 floats) the 25 loads
    // or stores of one tile all fell in one cache set.
    return rows * cols + 16;
}

void ck_wino_input(float *v, const float *x, size_t n, size_t h, size_t w, size_t c, size_t pad,
                   size_t th, size_t tw, size_t t_begin, size_t t_end, size_t base, size_t rows) {
    if (avx512()) input_avx512(v, x, n, h, w, c, pad, th, tw, t_begin, t_end, base, rows);
    else input_base(v, x, n, h, w, c, pad, th, tw, t_begin, t_end, base, rows);
}

void ck_wino_output(float *y, const float *m, const float *bias, size_t n, size_t oh, size_t ow, size_t k,
                    size_t th, size_t tw, size_t t_begin, size_t t_end, size_t base, size_t rows) {
    if (avx512()) output_avx512(y, m, bias, n, oh, ow, k, th, tw, t_begin, t_end, base, rows);
    else output_base(y, m, bias, n, oh, ow, k, th, tw, t_begin, t_end, base, rows);
}

void ck_wino_grad_output(float *z, const float *dy, size_t n, size_t oh, size_t ow, size_t k,
                         size_t th, size_t tw, size_t t_begin, size_t t_end, size_t base, size_t rows) {
    if (avx512()) grad_output_avx512(z, dy, n, oh, ow, k, th, tw, t_begin, t_end, base, rows);
    else grad_output_base(z, dy, n, oh, ow, k, th, tw, t_begin, t_end, base, rows);
}

void ck_wino_weights(float *u, const float *w, size_t out_c, size_t in_c, int flip, size_t i_begin, size_t i_end) {
    if (avx512()) weights_avx512(u, w, out_c, in_c, flip, i_begin, i_end);
    else weights_base(u, w, out_c, in_c, flip, i_begin, i_end);
}

void ck_wino_weight_grad(float *dw, const float *s, size_t out_c, size_t in_c, size_t i_begin, size_t i_end) {
    if (avx512()) weight_grad_avx512(dw, s, out_c, in_c, i_begin, i_end);
    else weight_grad_base(dw, s, out_c, in_c, i_begin, i_end);
}
