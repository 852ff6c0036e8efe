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
#include <string.h>

#define LANES 16

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

#define INLINE static inline __attribute__((always_inline))

// 16 channels as one vector (GCC / clang vector extension): one zmm register under AVX-512, four
// xmm ones on the baseline ISA. Written with explicit vectors because the auto-vectoriser turned
// 16-lane loops into gathers and scatters (the adjoint kernels ran 5× slower than the others).
typedef float v16 __attribute__((vector_size(64)));

// Unaligned loads and stores (macros: passing a 64-byte vector by value to a function changes the
// ABI on the baseline ISA).
#define VLOAD(dst, p) memcpy(&(dst), (p), sizeof(v16))
#define VSTORE(p, v) memcpy((p), &(v), sizeof(v16))

// out[r][q] = Σ_s m[r][s]·in[s][q] (left multiply); m is R×S, in is S×Q.
#define LEFT(out, m, in, R, S, Q)                                       \
    for (int r_ = 0; r_ < (R); r_++)                                    \
        for (int q_ = 0; q_ < (Q); q_++) {                              \
            v16 acc_ = {0};                                             \
            for (int s_ = 0; s_ < (S); s_++) acc_ += (m)[r_][s_] * (in)[s_][q_]; \
            (out)[r_][q_] = acc_;                                       \
        }
// out[r][q] = Σ_s in[r][s]·m[q][s] (right multiply by mᵀ); m is Q×S.
#define RIGHT_T(out, in, m, R, S, Q)                                    \
    for (int r_ = 0; r_ < (R); r_++)                                    \
        for (int q_ = 0; q_ < (Q); q_++) {                              \
            v16 acc_ = {0};                                             \
            for (int s_ = 0; s_ < (S); s_++) acc_ += (in)[r_][s_] * (m)[q_][s_]; \
            (out)[r_][q_] = acc_;                                       \
        }

INLINE void input_impl(float *v, const float *x, size_t n, size_t h, size_t w, size_t c, size_t pad,
                       size_t th, size_t tw, size_t t_begin, size_t t_end) {
    const size_t plane = ck_wino_plane(n * th * tw, c);
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
            for (int e = 0; e < 25; e++) VSTORE(v + (size_t)e * plane + t * c + c0, o[e / 5][e % 5]);
        }
    }
}

INLINE void output_impl(float *y, const float *m, const float *bias, size_t n, size_t oh, size_t ow, size_t k,
                        size_t th, size_t tw, size_t t_begin, size_t t_end) {
    const size_t plane = ck_wino_plane(n * th * tw, k);
    const v16 zero = {0};
    for (size_t t = t_begin; t < t_end; t++) {
        const size_t img = t / (th * tw), ty = (t / tw) % th, tx = t % tw;
        for (size_t k0 = 0; k0 < k; k0 += LANES) {
            v16 mm[5][5], r[2][5], o[2][2];
            for (int e = 0; e < 25; e++) VLOAD(mm[e / 5][e % 5], m + (size_t)e * plane + t * k + k0);
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
                             size_t th, size_t tw, size_t t_begin, size_t t_end) {
    // z = A · dY · Aᵀ (A = ATᵀ, 5×2): the adjoint of the output transform.
    const size_t plane = ck_wino_plane(n * th * tw, k);
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
            for (int e = 0; e < 25; e++) VSTORE(z + (size_t)e * plane + t * k + k0, o[e / 5][e % 5]);
        }
    }
}

// Transposes 16 vectors of 16 lanes in place (rows ↔ lanes) with four stages of pairwise
// shuffles: stage B exchanges bit B of the row index with bit B of the lane index.
#define SHUF_LO_1 0, 16, 2, 18, 4, 20, 6, 22, 8, 24, 10, 26, 12, 28, 14, 30
#define SHUF_HI_1 1, 17, 3, 19, 5, 21, 7, 23, 9, 25, 11, 27, 13, 29, 15, 31
#define SHUF_LO_2 0, 1, 16, 17, 4, 5, 20, 21, 8, 9, 24, 25, 12, 13, 28, 29
#define SHUF_HI_2 2, 3, 18, 19, 6, 7, 22, 23, 10, 11, 26, 27, 14, 15, 30, 31
#define SHUF_LO_4 0, 1, 2, 3, 16, 17, 18, 19, 8, 9, 10, 11, 24, 25, 26, 27
#define SHUF_HI_4 4, 5, 6, 7, 20, 21, 22, 23, 12, 13, 14, 15, 28, 29, 30, 31
#define SHUF_LO_8 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23
#define SHUF_HI_8 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31
#define TRANSPOSE_STAGE(rows, B)                                                          \
    for (int r_ = 0; r_ < 16; r_++) {                                                     \
        if (r_ & (B)) continue;                                                           \
        const v16 a_ = (rows)[r_], b_ = (rows)[r_ | (B)];                                 \
        (rows)[r_] = __builtin_shufflevector(a_, b_, SHUF_LO_##B);                        \
        (rows)[r_ | (B)] = __builtin_shufflevector(a_, b_, SHUF_HI_##B);                  \
    }
#define TRANSPOSE16(rows) \
    TRANSPOSE_STAGE(rows, 1) TRANSPOSE_STAGE(rows, 2) TRANSPOSE_STAGE(rows, 4) TRANSPOSE_STAGE(rows, 8)

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

// Each kernel twice: AVX-512 and baseline, chosen once at run time.
#define TWICE(name, params, args)                                                        \
    __attribute__((target("avx512f"))) static void name##_avx512 params { name##_impl args; } \
    static void name##_base params { name##_impl args; }

TWICE(input, (float *v, const float *x, size_t n, size_t h, size_t w, size_t c, size_t pad, size_t th, size_t tw,
              size_t t_begin, size_t t_end), (v, x, n, h, w, c, pad, th, tw, t_begin, t_end))
TWICE(output, (float *y, const float *m, const float *bias, size_t n, size_t oh, size_t ow, size_t k, size_t th,
               size_t tw, size_t t_begin, size_t t_end), (y, m, bias, n, oh, ow, k, th, tw, t_begin, t_end))
TWICE(grad_output, (float *z, const float *dy, size_t n, size_t oh, size_t ow, size_t k, size_t th, size_t tw,
                    size_t t_begin, size_t t_end), (z, dy, n, oh, ow, k, th, tw, t_begin, t_end))
TWICE(weights, (float *u, const float *w, size_t out_c, size_t in_c, int flip, size_t i_begin, size_t i_end),
      (u, w, out_c, in_c, flip, i_begin, i_end))
TWICE(weight_grad, (float *dw, const float *s, size_t out_c, size_t in_c, size_t i_begin, size_t i_end),
      (dw, s, out_c, in_c, i_begin, i_end))

size_t ck_wino_plane(size_t rows, size_t cols) {
    // One cache line more than the plane: with power-of-two planes (256 × 512 floats) the 25 loads
    // or stores of one tile all fell in one cache set.
    return rows * cols + 16;
}

static int avx512(void) {
    static int level = -1;
    if (level < 0) level = __builtin_cpu_supports("avx512f") ? 1 : 0;
    return level;
}

void ck_wino_input(float *v, const float *x, size_t n, size_t h, size_t w, size_t c, size_t pad,
                   size_t th, size_t tw, size_t t_begin, size_t t_end) {
    if (avx512()) input_avx512(v, x, n, h, w, c, pad, th, tw, t_begin, t_end);
    else input_base(v, x, n, h, w, c, pad, th, tw, t_begin, t_end);
}

void ck_wino_output(float *y, const float *m, const float *bias, size_t n, size_t oh, size_t ow, size_t k,
                    size_t th, size_t tw, size_t t_begin, size_t t_end) {
    if (avx512()) output_avx512(y, m, bias, n, oh, ow, k, th, tw, t_begin, t_end);
    else output_base(y, m, bias, n, oh, ow, k, th, tw, t_begin, t_end);
}

void ck_wino_grad_output(float *z, const float *dy, size_t n, size_t oh, size_t ow, size_t k,
                         size_t th, size_t tw, size_t t_begin, size_t t_end) {
    if (avx512()) grad_output_avx512(z, dy, n, oh, ow, k, th, tw, t_begin, t_end);
    else grad_output_base(z, dy, n, oh, ow, k, th, tw, t_begin, t_end);
}

void ck_wino_weights(float *u, const float *w, size_t out_c, size_t in_c, int flip, size_t i_begin, size_t i_end) {
    if (avx512()) weights_avx512(u, w, out_c, in_c, flip, i_begin, i_end);
    else weights_base(u, w, out_c, in_c, flip, i_begin, i_end);
}

void ck_wino_weight_grad(float *dw, const float *s, size_t out_c, size_t in_c, size_t i_begin, size_t i_end) {
    if (avx512()) weight_grad_avx512(dw, s, out_c, in_c, i_begin, i_end);
    else weight_grad_base(dw, s, out_c, in_c, i_begin, i_end);
}
