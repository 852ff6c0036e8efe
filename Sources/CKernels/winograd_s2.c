// Winograd for 4×4, stride-2, padding-1 convolutions through their four input phases.
//
// With X the large side [n, 2hy, 2wy, cx], Y the small side [n, hy, wy, cy] and W [cy][cx][4][4]
// (OIHW of the convolution X → Y, IOHW of the transposed convolution Y → X):
//   Y[oy][ox] = Σ_{a,b ∈ {0,1}} Σ_{j,i ∈ {0,1}} X_ab[oy + j − a][ox + i − b] · W[2j+1−a][2i+1−b],
// where X_ab[my][mx] = X[2my + a][2mx + b]: four stride-1 2×2 correlations. Each runs as Winograd
// F(3×3, 2×2) (points 0, 1, −1, ∞: 16 products per 3×3 outputs instead of 36), and the four
// phases are summed in the transformed domain, so one GEMM per plane has K = 4·cx: the phases are
// stacked along the channels of V (tile × 4cx) and U (4cx × cy), column (2a + b)·cx + c.
// Planes e = 4i + j of the 4×4 transformed tiles, plane stride ck_wino_plane(rows, cols).
#include "ck_elementwise.h"
#include "winograd_vec.h"

static const float BT4[4][4] = {{1, 0, -1, 0}, {0, 1, 1, 0}, {0, -1, 1, 0}, {0, -1, 0, 1}};
static const float B4[4][4] = {{1, 0, 0, 0}, {0, 1, -1, -1}, {-1, 1, 1, 0}, {0, 0, 0, 1}};  // BT4ᵀ
static const float G4[4][2] = {{1, 0}, {0.5f, 0.5f}, {0.5f, -0.5f}, {0, 1}};
static const float GT4[2][4] = {{1, 0.5f, 0.5f, 0}, {0, 0.5f, -0.5f, 1}};  // G4ᵀ
static const float AT4[3][4] = {{1, 1, 1, 0}, {0, 1, -1, 0}, {0, 1, 1, 1}};
static const float A4[4][3] = {{1, 0, 0}, {1, 1, 1}, {1, -1, 1}, {0, 0, 1}};  // AT4ᵀ

/// Kernel tap (ky, kx) = (2j + 1 − a, 2i + 1 − b) of phase (a, b), as an index 4·ky + kx.
#define PHASE_TAP(a, b, j, i) ((2 * (j) + 1 - (a)) * 4 + (2 * (i) + 1 - (b)))

INLINE void s2_input_impl(const int isa, float *v, const float *x, size_t n, size_t hy, size_t wy, size_t cx,
                          size_t th, size_t tw, size_t t_begin, size_t t_end, size_t base, size_t rows) {
    const size_t cols = 4 * cx, plane = ck_wino_plane(rows, cols), hx = 2 * hy, wx = 2 * wy;
    const v16 zero = {0};
    for (size_t t = t_begin; t < t_end; t++) {
        const size_t img = t / (th * tw), ty = (t / tw) % th, tx = t % tw;
        for (int a = 0; a < 2; a++)
            for (int b = 0; b < 2; b++) {
                const long y0 = 3 * (long)ty - a, x0 = 3 * (long)tx - b;
                for (size_t c0 = 0; c0 < cx; c0 += LANES) {
                    v16 d[4][4], r[4][4], o[4][4];
                    for (int p = 0; p < 4; p++)
                        for (int q = 0; q < 4; q++) {
                            const long my = y0 + p, mx = x0 + q;
                            if (my >= 0 && my < (long)hy && mx >= 0 && mx < (long)wy)
                                VLOAD(d[p][q], x + ((img * hx + 2 * (size_t)my + (size_t)a) * wx + 2 * (size_t)mx + (size_t)b) * cx + c0);
                            else
                                d[p][q] = zero;
                        }
                    LEFT(r, BT4, d, 4, 4, 4)
                    RIGHT_T(o, r, BT4, 4, 4, 4)
                    const size_t column = (size_t)(2 * a + b) * cx + c0;
                    for (int e = 0; e < 16; e++) VSTORE(v + (size_t)e * plane + (t - base) * cols + column, o[e / 4][e % 4]);
                }
            }
    }
}

INLINE void s2_input_adjoint_impl(const int isa, float *x, const float *p, const float *bias, size_t n, size_t hy, size_t wy,
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
                const long y0 = 3 * (long)ty - a, x0 = 3 * (long)tx - b;
                for (size_t c0 = c_begin; c0 < c_end; c0 += LANES) {
                    v16 pp[4][4], r[4][4], o[4][4];
                    const size_t column = (size_t)(2 * a + b) * cx + c0;
                    for (int e = 0; e < 16; e++) VLOAD(pp[e / 4][e % 4], p + (size_t)e * plane + (t - t_begin) * cols + column);
                    LEFT(r, B4, pp, 4, 4, 4)
                    RIGHT_T(o, r, B4, 4, 4, 4)
                    for (int q = 0; q < 4; q++) {
                        const long my = y0 + q;
                        if (my < 0 || my >= (long)hy) continue;
                        for (int s = 0; s < 4; s++) {
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

INLINE void s2_output_impl(const int isa, float *y, const float *m, const float *bias, size_t n, size_t hy, size_t wy, size_t cy,
                           size_t th, size_t tw, size_t t_begin, size_t t_end, size_t base, size_t rows) {
    const size_t plane = ck_wino_plane(rows, cy);
    const v16 zero = {0};
    for (size_t t = t_begin; t < t_end; t++) {
        const size_t img = t / (th * tw), ty = (t / tw) % th, tx = t % tw;
        for (size_t k0 = 0; k0 < cy; k0 += LANES) {
            v16 mm[4][4], r[3][4], o[3][3], bv = zero;
            for (int e = 0; e < 16; e++) VLOAD(mm[e / 4][e % 4], m + (size_t)e * plane + (t - base) * cy + k0);
            LEFT(r, AT4, mm, 3, 4, 4)
            RIGHT_T(o, r, AT4, 3, 4, 3)
            if (bias) VLOAD(bv, bias + k0);
            for (int i = 0; i < 3; i++)
                for (int j = 0; j < 3; j++) {
                    const size_t oy = 3 * ty + (size_t)i, ox = 3 * tx + (size_t)j;
                    if (oy >= hy || ox >= wy) continue;
                    const v16 out = o[i][j] + bv;
                    VSTORE(y + ((img * hy + oy) * wy + ox) * cy + k0, out);
                }
        }
    }
}

INLINE void s2_grad_output_impl(const int isa, float *z, const float *dy, size_t n, size_t hy, size_t wy, size_t cy,
                                size_t th, size_t tw, size_t t_begin, size_t t_end, size_t base, size_t rows) {
    const size_t plane = ck_wino_plane(rows, cy);
    const v16 zero = {0};
    for (size_t t = t_begin; t < t_end; t++) {
        const size_t img = t / (th * tw), ty = (t / tw) % th, tx = t % tw;
        for (size_t k0 = 0; k0 < cy; k0 += LANES) {
            v16 g[3][3], r[4][3], o[4][4];
            for (int i = 0; i < 3; i++)
                for (int j = 0; j < 3; j++) {
                    const size_t oy = 3 * ty + (size_t)i, ox = 3 * tx + (size_t)j;
                    if (oy < hy && ox < wy)
                        VLOAD(g[i][j], dy + ((img * hy + oy) * wy + ox) * cy + k0);
                    else
                        g[i][j] = zero;
                }
            LEFT(r, A4, g, 4, 3, 3)
            RIGHT_T(o, r, A4, 4, 3, 4)
            for (int e = 0; e < 16; e++) VSTORE(z + (size_t)e * plane + (t - base) * cy + k0, o[e / 4][e % 4]);
        }
    }
}

INLINE void s2_weights_impl(const int isa, float *u, const float *w, size_t cy, size_t cx, size_t c_begin, size_t c_end) {
    const size_t plane = ck_wino_plane(4 * cx, cy);
    for (size_t b0 = c_begin; b0 < c_end; b0 += 16)
        for (size_t k0 = 0; k0 < cy; k0 += LANES)
            for (size_t c = b0; c < b0 + 16 && c < c_end; c++) {
                v16 taps[16];
                for (int l = 0; l < LANES; l++) VLOAD(taps[l], w + ((k0 + (size_t)l) * cx + c) * 16);
                TRANSPOSE16(taps, isa);
                for (int a = 0; a < 2; a++)
                    for (int b = 0; b < 2; b++) {
                        v16 w2[2][2], r[4][2], o[4][4];
                        for (int j = 0; j < 2; j++)
                            for (int i = 0; i < 2; i++) w2[j][i] = taps[PHASE_TAP(a, b, j, i)];
                        LEFT(r, G4, w2, 4, 2, 2)
                        RIGHT_T(o, r, G4, 4, 2, 4)
                        const size_t row = (size_t)(2 * a + b) * cx + c;
                        for (int e = 0; e < 16; e++) VSTREAM(u + (size_t)e * plane + row * cy + k0, o[e / 4][e % 4]);
                    }
            }
    STREAM_FENCE();
}

INLINE void s2_weight_grad_impl(const int isa, float *dw, const float *s, size_t cy, size_t cx, size_t c_begin, size_t c_end) {
    const size_t plane = ck_wino_plane(4 * cx, cy);
    for (size_t b0 = c_begin; b0 < c_end; b0 += 16)
        for (size_t k0 = 0; k0 < cy; k0 += LANES)
            for (size_t c = b0; c < b0 + 16 && c < c_end; c++) {
                v16 taps[16];
                for (int a = 0; a < 2; a++)
                    for (int b = 0; b < 2; b++) {
                        v16 ss[4][4], r[2][4], o[2][2];
                        const size_t row = (size_t)(2 * a + b) * cx + c;
                        for (int e = 0; e < 16; e++) VLOAD(ss[e / 4][e % 4], s + (size_t)e * plane + row * cy + k0);
                        LEFT(r, GT4, ss, 2, 4, 4)
                        RIGHT_T(o, r, GT4, 2, 4, 2)
                        for (int j = 0; j < 2; j++)
                            for (int i = 0; i < 2; i++) taps[PHASE_TAP(a, b, j, i)] = o[j][i];
                    }
                TRANSPOSE16(taps, isa);
                for (int l = 0; l < LANES; l++) VSTORE(dw + ((k0 + (size_t)l) * cx + c) * 16, taps[l]);
            }
}

PER_ISA(s2_input, (float *v, const float *x, size_t n, size_t hy, size_t wy, size_t cx, size_t th, size_t tw,
                 size_t t_begin, size_t t_end, size_t base, size_t rows),
      (v, x, n, hy, wy, cx, th, tw, t_begin, t_end, base, rows))
PER_ISA(s2_input_adjoint, (float *x, const float *p, const float *bias, size_t n, size_t hy, size_t wy, size_t cx,
                         size_t th, size_t tw, size_t t_begin, size_t t_end, size_t rows, size_t c_begin, size_t c_end,
                         int init),
      (x, p, bias, n, hy, wy, cx, th, tw, t_begin, t_end, rows, c_begin, c_end, init))
PER_ISA(s2_output, (float *y, const float *m, const float *bias, size_t n, size_t hy, size_t wy, size_t cy, size_t th,
                  size_t tw, size_t t_begin, size_t t_end, size_t base, size_t rows),
      (y, m, bias, n, hy, wy, cy, th, tw, t_begin, t_end, base, rows))
PER_ISA(s2_grad_output, (float *z, const float *dy, size_t n, size_t hy, size_t wy, size_t cy, size_t th, size_t tw,
                       size_t t_begin, size_t t_end, size_t base, size_t rows),
      (z, dy, n, hy, wy, cy, th, tw, t_begin, t_end, base, rows))
PER_ISA(s2_weights, (float *u, const float *w, size_t cy, size_t cx, size_t c_begin, size_t c_end),
      (u, w, cy, cx, c_begin, c_end))
PER_ISA(s2_weight_grad, (float *dw, const float *s, size_t cy, size_t cx, size_t c_begin, size_t c_end),
      (dw, s, cy, cx, c_begin, c_end))

void ck_wino2_input(float *v, const float *x, size_t n, size_t hy, size_t wy, size_t cx, size_t th, size_t tw,
                    size_t t_begin, size_t t_end, size_t base, size_t rows) {
    WINO_PICK(s2_input)(v, x, n, hy, wy, cx, th, tw, t_begin, t_end, base, rows);
}

void ck_wino2_input_adjoint(float *x, const float *p, const float *bias, size_t n, size_t hy, size_t wy, size_t cx,
                            size_t th, size_t tw, size_t t_begin, size_t t_end, size_t rows, size_t c_begin,
                            size_t c_end, int init) {
    WINO_PICK(s2_input_adjoint)(x, p, bias, n, hy, wy, cx, th, tw, t_begin, t_end, rows, c_begin, c_end, init);
}

void ck_wino2_output(float *y, const float *m, const float *bias, size_t n, size_t hy, size_t wy, size_t cy,
                     size_t th, size_t tw, size_t t_begin, size_t t_end, size_t base, size_t rows) {
    WINO_PICK(s2_output)(y, m, bias, n, hy, wy, cy, th, tw, t_begin, t_end, base, rows);
}

void ck_wino2_grad_output(float *z, const float *dy, size_t n, size_t hy, size_t wy, size_t cy, size_t th, size_t tw,
                          size_t t_begin, size_t t_end, size_t base, size_t rows) {
    WINO_PICK(s2_grad_output)(z, dy, n, hy, wy, cy, th, tw, t_begin, t_end, base, rows);
}

void ck_wino2_weights(float *u, const float *w, size_t cy, size_t cx, size_t c_begin, size_t c_end) {
    WINO_PICK(s2_weights)(u, w, cy, cx, c_begin, c_end);
}

void ck_wino2_weight_grad(float *dw, const float *s, size_t cy, size_t cx, size_t c_begin, size_t c_end) {
    WINO_PICK(s2_weight_grad)(dw, s, cy, cx, c_begin, c_end);
}
