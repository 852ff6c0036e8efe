// One set of F(WM×WM, 4×4) kernels (winograd.c includes this once per output tile side WM):
// input tile side WN = WM + 3, WE = WN² transformed elements per tile. Names carry the suffix _mWM.
#define WN (WM + 3)
#define WE (WN * WN)

#if WM == 2
static const float S(BT)[5][5] = {
    {0.5f, -1.0f, -0.5f, 1.0f, 0.0f},
    {0.0f, -0.5f, 0.5f, 1.0f, 0.0f},
    {0.0f, 0.5f, -1.5f, 1.0f, 0.0f},
    {0.0f, -1.0f, 0.0f, 1.0f, 0.0f},
    {0.0f, 0.5f, -1.0f, -0.5f, 1.0f},
};
static const float S(AT)[2][5] = {
    {1.0f, 1.0f, 1.0f, 1.0f, 0.0f},
    {0.0f, 1.0f, -1.0f, 0.5f, 1.0f},
};
static const float S(GM)[5][4] = {
    {2.0f, 0.0f, 0.0f, 0.0f},
    {1.0f, 1.0f, 1.0f, 1.0f},
    {-1.0f / 3, 1.0f / 3, -1.0f / 3, 1.0f / 3},
    {-8.0f / 3, -4.0f / 3, -2.0f / 3, -1.0f / 3},
    {0.0f, 0.0f, 0.0f, 1.0f},
};
// The transposes, for the adjoint transforms.
static const float S(A)[5][2] = {{1.0f, 0.0f}, {1.0f, 1.0f}, {1.0f, -1.0f}, {1.0f, 0.5f}, {0.0f, 1.0f}};
static const float S(GT)[4][5] = {
    {2.0f, 1.0f, -1.0f / 3, -8.0f / 3, 0.0f},
    {0.0f, 1.0f, 1.0f / 3, -4.0f / 3, 0.0f},
    {0.0f, 1.0f, -1.0f / 3, -2.0f / 3, 0.0f},
    {0.0f, 1.0f, 1.0f / 3, -1.0f / 3, 1.0f},
};
#elif WM == 3
// Points 0, 1, −1, 2, −½, ∞.
static const float S(BT)[6][6] = {
    {1.0f, 1.5f, -2.0f, -1.5f, 1.0f, 0.0f},
    {0.0f, -1.0f, -2.5f, -0.5f, 1.0f, 0.0f},
    {0.0f, 1.0f, 0.5f, -2.5f, 1.0f, 0.0f},
    {0.0f, -0.5f, -1.0f, 0.5f, 1.0f, 0.0f},
    {0.0f, 2.0f, -1.0f, -2.0f, 1.0f, 0.0f},
    {0.0f, 1.0f, 1.5f, -2.0f, -1.5f, 1.0f},
};
static const float S(AT)[3][6] = {
    {1.0f, 1.0f, 1.0f, 1.0f, 1.0f, 0.0f},
    {0.0f, 1.0f, -1.0f, 2.0f, -0.5f, 0.0f},
    {0.0f, 1.0f, 1.0f, 4.0f, 0.25f, 1.0f},
};
static const float S(GM)[6][4] = {
    {1.0f, 0.0f, 0.0f, 0.0f},
    {-1.0f / 3, -1.0f / 3, -1.0f / 3, -1.0f / 3},
    {1.0f / 3, -1.0f / 3, 1.0f / 3, -1.0f / 3},
    {1.0f / 15, 2.0f / 15, 4.0f / 15, 8.0f / 15},
    {-16.0f / 15, 8.0f / 15, -4.0f / 15, 2.0f / 15},
    {0.0f, 0.0f, 0.0f, 1.0f},
};
// The transposes, for the adjoint transforms.
static const float S(A)[6][3] = {
    {1.0f, 0.0f, 0.0f}, {1.0f, 1.0f, 1.0f}, {1.0f, -1.0f, 1.0f}, {1.0f, 2.0f, 4.0f}, {1.0f, -0.5f, 0.25f}, {0.0f, 0.0f, 1.0f},
};
static const float S(GT)[4][6] = {
    {1.0f, -1.0f / 3, 1.0f / 3, 1.0f / 15, -16.0f / 15, 0.0f},
    {0.0f, -1.0f / 3, -1.0f / 3, 2.0f / 15, 8.0f / 15, 0.0f},
    {0.0f, -1.0f / 3, 1.0f / 3, 4.0f / 15, -4.0f / 15, 0.0f},
    {0.0f, -1.0f / 3, -1.0f / 3, 8.0f / 15, 2.0f / 15, 1.0f},
};
#elif WM == 4
// Points 0, 1, −1, 2, −½, −2, ∞ (4.1e-6 worst, 1.2e-6 mean relative error per tile, twice F(3×3)'s).
static const float S(BT)[7][7] = {
    {2.0f, 4.0f, -5.0f / 2, -5.0f, 1.0f / 2, 1.0f, 0.0f},
    {0.0f, -2.0f, -6.0f, -7.0f / 2, 3.0f / 2, 1.0f, 0.0f},
    {0.0f, 2.0f, 2.0f, -9.0f / 2, -1.0f / 2, 1.0f, 0.0f},
    {0.0f, -1.0f, -5.0f / 2, 0.0f, 5.0f / 2, 1.0f, 0.0f},
    {0.0f, 4.0f, 0.0f, -5.0f, 0.0f, 1.0f, 0.0f},
    {0.0f, 1.0f, 3.0f / 2, -2.0f, -3.0f / 2, 1.0f, 0.0f},
    {0.0f, 2.0f, 4.0f, -5.0f / 2, -5.0f, 1.0f / 2, 1.0f},
};
static const float S(AT)[4][7] = {
    {1.0f, 1.0f, 1.0f, 1.0f, 1.0f, 1.0f, 0.0f},
    {0.0f, 1.0f, -1.0f, 2.0f, -1.0f / 2, -2.0f, 0.0f},
    {0.0f, 1.0f, 1.0f, 4.0f, 1.0f / 4, 4.0f, 0.0f},
    {0.0f, 1.0f, -1.0f, 8.0f, -1.0f / 8, -8.0f, 1.0f},
};
static const float S(GM)[7][4] = {
    {1.0f / 2, 0.0f, 0.0f, 0.0f},
    {-1.0f / 9, -1.0f / 9, -1.0f / 9, -1.0f / 9},
    {1.0f / 3, -1.0f / 3, 1.0f / 3, -1.0f / 3},
    {1.0f / 60, 1.0f / 30, 1.0f / 15, 2.0f / 15},
    {-32.0f / 45, 16.0f / 45, -8.0f / 45, 4.0f / 45},
    {-1.0f / 36, 1.0f / 18, -1.0f / 9, 2.0f / 9},
    {0.0f, 0.0f, 0.0f, 1.0f},
};
// The transposes, for the adjoint transforms.
static const float S(A)[7][4] = {
    {1.0f, 0.0f, 0.0f, 0.0f},
    {1.0f, 1.0f, 1.0f, 1.0f},
    {1.0f, -1.0f, 1.0f, -1.0f},
    {1.0f, 2.0f, 4.0f, 8.0f},
    {1.0f, -1.0f / 2, 1.0f / 4, -1.0f / 8},
    {1.0f, -2.0f, 4.0f, -8.0f},
    {0.0f, 0.0f, 0.0f, 1.0f},
};
static const float S(GT)[4][7] = {
    {1.0f / 2, -1.0f / 9, 1.0f / 3, 1.0f / 60, -32.0f / 45, -1.0f / 36, 0.0f},
    {0.0f, -1.0f / 9, -1.0f / 3, 1.0f / 30, 16.0f / 45, 1.0f / 18, 0.0f},
    {0.0f, -1.0f / 9, 1.0f / 3, 1.0f / 15, -8.0f / 45, -1.0f / 9, 0.0f},
    {0.0f, -1.0f / 9, -1.0f / 3, 2.0f / 15, 4.0f / 45, 2.0f / 9, 1.0f},
};
#else
#error "winograd_tile.h: WM must be 2, 3 or 4"
#endif

INLINE void IMPL(input)(const int isa, float *v, const float *x, size_t n, size_t h, size_t w, size_t c, size_t pad,
                       size_t th, size_t tw, size_t t_begin, size_t t_end, size_t base, size_t rows) {
    const size_t plane = ck_wino_plane(rows, c);
    const v16 zero = {0};
    for (size_t t = t_begin; t < t_end; t++) {
        const size_t img = t / (th * tw), ty = (t / tw) % th, tx = t % tw;
        const long y0 = WM * (long)ty - (long)pad, x0 = WM * (long)tx - (long)pad;
        for (size_t c0 = 0; c0 < c; c0 += LANES) {
            v16 d[WN][WN], r[WN][WN], o[WN][WN];
            for (int a = 0; a < WN; a++)
                for (int b = 0; b < WN; b++) {
                    const long iy = y0 + a, ix = x0 + b;
                    if (iy >= 0 && iy < (long)h && ix >= 0 && ix < (long)w)
                        VLOAD(d[a][b], x + ((img * h + (size_t)iy) * w + (size_t)ix) * c + c0);
                    else
                        d[a][b] = zero;
                }
            LEFT(r, S(BT), d, WN, WN, WN)
            RIGHT_T(o, r, S(BT), WN, WN, WN)
            for (int e = 0; e < WE; e++) VSTORE(v + (size_t)e * plane + (t - base) * c + c0, o[e / WN][e % WN]);
        }
    }
}

#define OUT_M WM
#define OUT_N WN
#define OUT_AT S(AT)
#define OUT_A S(A)
#define OUT_IMPL(name) IMPL(name)
#include "winograd_output.h"

INLINE void IMPL(weights)(const int isa, float *u, const float *w, size_t out_c, size_t in_c, int flip,
                         size_t i_begin, size_t i_end) {
    const size_t plane = ck_wino_plane(in_c, out_c);
    FOR_BLOCKS(ci, c0, i_begin, i_end, out_c) {
            // The 16 taps of 16 output channels (one 64-byte row each), transposed to tap vectors.
            v16 rows[16];
            for (int l = 0; l < LANES; l++)
                VLOAD(rows[l], flip ? w + (ci * out_c + c0 + (size_t)l) * 16 : w + ((c0 + (size_t)l) * in_c + ci) * 16);
            TRANSPOSE16(rows, isa);
            v16 kw[4][4], r[WN][4], o[WN][WN];
            for (int tap = 0; tap < 16; tap++) kw[tap / 4][tap % 4] = rows[flip ? 15 - tap : tap];
            LEFT(r, S(GM), kw, WN, 4, 4)
            RIGHT_T(o, r, S(GM), WN, 4, WN)
            // Streamed (as the stride-2 weights): 25 or 36 planes of [in_c][out_c], 13–19 MB for a
            // 256 → 512 layer, more than the L3; 4.1 → 3.0 ms (F3) and 2.3 → 1.8 ms (F2), AVX2.
            for (int e = 0; e < WE; e++) VSTREAM(u + (size_t)e * plane + ci * out_c + c0, o[e / WN][e % WN]);
        }
    STREAM_FENCE();
}

// dW = Gᵀ · S · G (the adjoint of the weight transform), from S transposed per plane, Sᵀ
// [out_c][in_c] (the GEMM computes Zᵀ·V): the 16 lanes run along the input channels, so each step
// reads one 64-byte piece of one row per plane, the rows in order, and writes the 16 taps of 16
// consecutive input channels (1 KiB) of dW. Read as S [in_c][out_c] every step gathered its lines
// from 25–36 plane rows and wrote 16 rows of dW: patchgan_70's 256 → 512 layer, 2 threads, 7.9 → ~4 ms.
INLINE void IMPL(weight_grad)(const int isa, float *dw, const float *s, size_t out_c, size_t in_c, size_t k_begin, size_t k_end) {
    const size_t plane = ck_wino_plane(out_c, in_c);
    for (size_t k = k_begin; k < k_end; k++)
        for (size_t i0 = 0; i0 < in_c; i0 += LANES) {
            v16 ss[WN][WN], r[4][WN], o[4][4], rows[16];
            for (int e = 0; e < WE; e++) VLOAD(ss[e / WN][e % WN], s + (size_t)e * plane + k * in_c + i0);
            LEFT(r, S(GT), ss, 4, WN, WN)
            RIGHT_T(o, r, S(GT), 4, WN, 4)
            for (int tap = 0; tap < 16; tap++) rows[tap] = o[tap / 4][tap % 4];
            TRANSPOSE16(rows, isa);
            for (int l = 0; l < LANES; l++) VSTORE(dw + (k * in_c + i0 + (size_t)l) * 16, rows[l]);
        }
}

PER_ISA_X(S(input), (float *v, const float *x, size_t n, size_t h, size_t w, size_t c, size_t pad, size_t th, size_t tw,
              size_t t_begin, size_t t_end, size_t base, size_t rows), (v, x, n, h, w, c, pad, th, tw, t_begin, t_end, base, rows))
PER_ISA_X(S(output), (float *y, const float *m, const float *bias, size_t n, size_t oh, size_t ow, size_t k, size_t th,
               size_t tw, size_t t_begin, size_t t_end, size_t base, size_t rows),
      (y, m, bias, n, oh, ow, k, th, tw, t_begin, t_end, base, rows))
PER_ISA_X(S(grad_output), (float *z, const float *dy, size_t n, size_t oh, size_t ow, size_t k, size_t th, size_t tw,
                    size_t t_begin, size_t t_end, size_t base, size_t rows), (z, dy, n, oh, ow, k, th, tw, t_begin, t_end, base, rows))
PER_ISA_X(S(weights), (float *u, const float *w, size_t out_c, size_t in_c, int flip, size_t i_begin, size_t i_end),
      (u, w, out_c, in_c, flip, i_begin, i_end))
PER_ISA_X(S(weight_grad), (float *dw, const float *s, size_t out_c, size_t in_c, size_t k_begin, size_t k_end),
      (dw, s, out_c, in_c, k_begin, k_end))

#undef WN
#undef WE
