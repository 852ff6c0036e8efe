// One set of stride-2 phase kernels F(SM×SM, 2×2) (winograd_s2.c includes this once per output tile
// side SM): input tile side SN = SM + 1 per phase, SE = SN² transformed elements (planes) per tile.
// Names carry the suffix _mSM. The matrices come from scripts/winograd_matrices.py --kernel 2.
#define SN (SM + 1)
#define SE (SN * SN)

#if SM == 3
// Points 0, 1, −1, ∞ (~3e-7 worst, 1e-7 mean relative fp32 error of a tile's largest output).
static const float S2(BT)[4][4] = {{1, 0, -1, 0}, {0, 1, 1, 0}, {0, -1, 1, 0}, {0, -1, 0, 1}};
static const float S2(B)[4][4] = {{1, 0, 0, 0}, {0, 1, -1, -1}, {-1, 1, 1, 0}, {0, 0, 0, 1}};  // BTᵀ
static const float S2(G)[4][2] = {{1, 0}, {0.5f, 0.5f}, {0.5f, -0.5f}, {0, 1}};
static const float S2(GT)[2][4] = {{1, 0.5f, 0.5f, 0}, {0, 0.5f, -0.5f, 1}};  // Gᵀ
static const float S2(AT)[3][4] = {{1, 1, 1, 0}, {0, 1, -1, 0}, {0, 1, 1, 1}};
static const float S2(A)[4][3] = {{1, 0, 0}, {1, 1, 1}, {1, -1, 1}, {0, 0, 1}};  // ATᵀ
#elif SM == 4
// Points 0, 1, −1, −2, ∞: the smallest fp32 error of the sets the script tries (1.8e-6 worst,
// 4.0e-7 mean; the others 2.9–5.1e-6 worst), the class of the stride-1 kernels'.
static const float S2(BT)[5][5] = {{-2, -1, 2, 1, 0}, {0, 2, 3, 1, 0}, {0, -2, 1, 1, 0}, {0, -1, 0, 1, 0}, {0, -2, -1, 2, 1}};
static const float S2(B)[5][5] = {{-2, 0, 0, 0, 0}, {-1, 2, -2, -1, -2}, {2, 3, 1, 0, -1}, {1, 1, 1, 1, 2}, {0, 0, 0, 0, 1}};
static const float S2(G)[5][2] = {{-0.5f, 0}, {1.0f / 6, 1.0f / 6}, {0.5f, -0.5f}, {-1.0f / 6, 1.0f / 3}, {0, 1}};
static const float S2(GT)[2][5] = {{-0.5f, 1.0f / 6, 0.5f, -1.0f / 6, 0}, {0, 1.0f / 6, -0.5f, 1.0f / 3, 1}};
static const float S2(AT)[4][5] = {{1, 1, 1, 1, 0}, {0, 1, -1, -2, 0}, {0, 1, 1, 4, 0}, {0, 1, -1, -8, 1}};
static const float S2(A)[5][4] = {{1, 0, 0, 0}, {1, 1, 1, 1}, {1, -1, 1, -1}, {1, -2, 4, -8}, {0, 0, 0, 1}};
#else
#error "winograd_s2_tile.h: SM must be 3 or 4"
#endif

INLINE void IMPL2(input)(const int isa, float *v, const float *x, size_t n, size_t hy, size_t wy, size_t cx,
                          size_t th, size_t tw, size_t t_begin, size_t t_end, size_t base, size_t rows) {
    const size_t cols = 4 * cx, plane = ck_wino_plane(rows, cols), hx = 2 * hy, wx = 2 * wy;
    const v16 zero = {0};
    for (size_t t = t_begin; t < t_end; t++) {
        const size_t img = t / (th * tw), ty = (t / tw) % th, tx = t % tw;
        for (int a = 0; a < 2; a++)
            for (int b = 0; b < 2; b++) {
                const long y0 = SM * (long)ty - a, x0 = SM * (long)tx - b;
                for (size_t c0 = 0; c0 < cx; c0 += LANES) {
                    v16 d[SN][SN], r[SN][SN], o[SN][SN];
                    for (int p = 0; p < SN; p++)
                        for (int q = 0; q < SN; q++) {
                            const long my = y0 + p, mx = x0 + q;
                            if (my >= 0 && my < (long)hy && mx >= 0 && mx < (long)wy)
                                VLOAD(d[p][q], x + ((img * hx + 2 * (size_t)my + (size_t)a) * wx + 2 * (size_t)mx + (size_t)b) * cx + c0);
                            else
                                d[p][q] = zero;
                        }
                    LEFT(r, S2(BT), d, SN, SN, SN)
                    RIGHT_T(o, r, S2(BT), SN, SN, SN)
                    const size_t column = (size_t)(2 * a + b) * cx + c0;
                    for (int e = 0; e < SE; e++) VSTORE(v + (size_t)e * plane + (t - base) * cols + column, o[e / SN][e % SN]);
                }
            }
    }
}

INLINE void IMPL2(input_adjoint)(const int isa, float *x, const float *p, const float *bias, size_t n, size_t hy, size_t wy,
                                  size_t cx, size_t th, size_t tw, size_t t_begin, size_t t_end, size_t rows,
                                  size_t c_begin, size_t c_end, int init) {
    const size_t cols = 4 * cx, plane = ck_wino_plane(rows, cols), hx = 2 * hy, wx = 2 * wy;
    if (init)
        for (size_t pos = 0; pos < n * hx * wx; pos++)
            for (size_t c = c_begin; c < c_end; c++) x[pos * cx + c] = bias ? bias[c] : 0.0f;
    for (size_t t = t_begin; t < t_end; t++) {
        const size_t img = t / (th * tw), ty = (t / tw) % th, tx = t % tw;
        for (int a = 0; a < 2; a++)
            for (int b = 0; b < 2; b++) {
                const long y0 = SM * (long)ty - a, x0 = SM * (long)tx - b;
                for (size_t c0 = c_begin; c0 < c_end; c0 += LANES) {
                    v16 pp[SN][SN], r[SN][SN], o[SN][SN];
                    const size_t column = (size_t)(2 * a + b) * cx + c0;
                    for (int e = 0; e < SE; e++) VLOAD(pp[e / SN][e % SN], p + (size_t)e * plane + (t - t_begin) * cols + column);
                    LEFT(r, S2(B), pp, SN, SN, SN)
                    RIGHT_T(o, r, S2(B), SN, SN, SN)
                    for (int q = 0; q < SN; q++) {
                        const long my = y0 + q;
                        if (my < 0 || my >= (long)hy) continue;
                        for (int s = 0; s < SN; s++) {
                            const long mx = x0 + s;
                            if (mx < 0 || mx >= (long)wy) continue;
                            float *dst = x + ((img * hx + 2 * (size_t)my + (size_t)a) * wx + 2 * (size_t)mx + (size_t)b) * cx + c0;
                            v16 acc;
                            VLOAD(acc, dst);
                            acc += o[q][s];
                            VSTORE(dst, acc);
                        }
                    }
                }
            }
    }
}

#define OUT_M SM
#define OUT_N SN
#define OUT_AT S2(AT)
#define OUT_A S2(A)
#define OUT_IMPL(name) IMPL2(name)
#include "winograd_output.h"

INLINE void IMPL2(weights)(const int isa, float *u, const float *w, size_t cy, size_t cx, size_t c_begin, size_t c_end) {
    const size_t plane = ck_wino_plane(4 * cx, cy);
    for (size_t b0 = c_begin; b0 < c_end; b0 += 16)
        for (size_t k0 = 0; k0 < cy; k0 += LANES)
            for (size_t c = b0; c < b0 + 16 && c < c_end; c++) {
                v16 taps[16];
                for (int l = 0; l < LANES; l++) VLOAD(taps[l], w + ((k0 + (size_t)l) * cx + c) * 16);
                TRANSPOSE16(taps, isa);
                for (int a = 0; a < 2; a++)
                    for (int b = 0; b < 2; b++) {
                        v16 w2[2][2], r[SN][2], o[SN][SN];
                        for (int j = 0; j < 2; j++)
                            for (int i = 0; i < 2; i++) w2[j][i] = taps[PHASE_TAP(a, b, j, i)];
                        LEFT(r, S2(G), w2, SN, 2, 2)
                        RIGHT_T(o, r, S2(G), SN, 2, SN)
                        const size_t row = (size_t)(2 * a + b) * cx + c;
                        for (int e = 0; e < SE; e++) VSTREAM(u + (size_t)e * plane + row * cy + k0, o[e / SN][e % SN]);
                    }
            }
    STREAM_FENCE();
}

// S comes transposed per plane, Sᵀ [cy][4cx] (the GEMM computes Zᵀ·V): the 16 lanes run along the
// X channels, so each step reads whole 64-byte pieces of one plane row per phase and writes the 16
// taps of 16 consecutive X channels (1 KiB) of dW. Read as S [4cx][cy], with the lanes along the Y
// channels, every step gathered its lines from 64–100 plane rows (unet_256's 128 → 256 at 64²:
// 7.7 ms per step for 13 MB of planes).
INLINE void IMPL2(weight_grad)(const int isa, float *dw, const float *s, size_t cy, size_t cx, size_t k_begin, size_t k_end) {
    const size_t plane = ck_wino_plane(cy, 4 * cx);
    for (size_t k = k_begin; k < k_end; k++)
        for (size_t c0 = 0; c0 < cx; c0 += LANES) {
            v16 taps[16];
            for (int a = 0; a < 2; a++)
                for (int b = 0; b < 2; b++) {
                    v16 ss[SN][SN], r[2][SN], o[2][2];
                    const size_t column = (size_t)(2 * a + b) * cx + c0;
                    for (int e = 0; e < SE; e++) VLOAD(ss[e / SN][e % SN], s + (size_t)e * plane + k * 4 * cx + column);
                    LEFT(r, S2(GT), ss, 2, SN, SN)
                    RIGHT_T(o, r, S2(GT), 2, SN, 2)
                    for (int j = 0; j < 2; j++)
                        for (int i = 0; i < 2; i++) taps[PHASE_TAP(a, b, j, i)] = o[j][i];
                }
            TRANSPOSE16(taps, isa);
            for (int l = 0; l < LANES; l++) VSTORE(dw + (k * cx + c0 + (size_t)l) * 16, taps[l]);
        }
}

PER_ISA_X(S2(input), (float *v, const float *x, size_t n, size_t hy, size_t wy, size_t cx, size_t th, size_t tw,
                     size_t t_begin, size_t t_end, size_t base, size_t rows),
          (v, x, n, hy, wy, cx, th, tw, t_begin, t_end, base, rows))
PER_ISA_X(S2(input_adjoint), (float *x, const float *p, const float *bias, size_t n, size_t hy, size_t wy, size_t cx,
                             size_t th, size_t tw, size_t t_begin, size_t t_end, size_t rows, size_t c_begin,
                             size_t c_end, int init),
          (x, p, bias, n, hy, wy, cx, th, tw, t_begin, t_end, rows, c_begin, c_end, init))
PER_ISA_X(S2(output), (float *y, const float *m, const float *bias, size_t n, size_t hy, size_t wy, size_t cy, size_t th,
                      size_t tw, size_t t_begin, size_t t_end, size_t base, size_t rows),
          (y, m, bias, n, hy, wy, cy, th, tw, t_begin, t_end, base, rows))
PER_ISA_X(S2(grad_output), (float *z, const float *dy, size_t n, size_t hy, size_t wy, size_t cy, size_t th, size_t tw,
                           size_t t_begin, size_t t_end, size_t base, size_t rows),
          (z, dy, n, hy, wy, cy, th, tw, t_begin, t_end, base, rows))
PER_ISA_X(S2(weights), (float *u, const float *w, size_t cy, size_t cx, size_t c_begin, size_t c_end),
          (u, w, cy, cx, c_begin, c_end))
PER_ISA_X(S2(weight_grad), (float *dw, const float *s, size_t cy, size_t cx, size_t k_begin, size_t k_end),
          (dw, s, cy, cx, k_begin, k_end))

#undef SN
#undef SE
