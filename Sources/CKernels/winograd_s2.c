// Winograd for 4×4, stride-2, padding-1 convolutions through their four input phases.
//
// With X the large side [n, 2hy, 2wy, cx], Y the small side [n, hy, wy, cy] and W [cy][cx][4][4]
// (OIHW of the convolution X → Y, IOHW of the transposed convolution Y → X):
//   Y[oy][ox] = Σ_{a,b ∈ {0,1}} Σ_{j,i ∈ {0,1}} X_ab[oy + j − a][ox + i − b] · W[2j+1−a][2i+1−b],
// where X_ab[my][mx] = X[2my + a][2mx + b]: four stride-1 2×2 correlations. Each runs as Winograd
// F(m×m, 2×2) for output tiles of m = 3 ((m+1)² = 16 products per 9 outputs instead of 36) or
// m = 4 (25 per 16 instead of 64; no padding at sides that are multiples of 4), one set of kernels
// per m (winograd_s2_tile.h), and the four phases are summed in the transformed domain, so one GEMM
// per plane has K = 4·cx: the phases are stacked along the channels of V (tile × 4cx) and U
// (4cx × cy), column (2a + b)·cx + c. Planes e = (m+1)·i + j of the transformed tiles, plane stride
// ck_wino_plane(rows, cols).
#include "ck_elementwise.h"
#include "winograd_vec.h"

#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
// A kernel set's names: S2(BT) is BT_m4 under SM 4.
#define S2(name) CAT(name, CAT(_m, SM))
#define IMPL2(name) CAT(S2(name), _impl)
#define PER_ISA_X(name, params, args) PER_ISA(name, params, args)

/// Kernel tap (ky, kx) = (2j + 1 − a, 2i + 1 − b) of phase (a, b), as an index 4·ky + kx.
#define PHASE_TAP(a, b, j, i) ((2 * (j) + 1 - (a)) * 4 + (2 * (i) + 1 - (b)))

#define SM 3
#include "winograd_s2_tile.h"
#undef SM
#define SM 4
#include "winograd_s2_tile.h"
#undef SM

// The public kernels run the set for output tile side m (4, or else 3).
#define PICK_M(name, m) ((m) == 4 ? WINO_PICK(name##_m4) : WINO_PICK(name##_m3))

void ck_wino2_input(size_t m, float *v, const float *x, size_t n, size_t hy, size_t wy, size_t cx, size_t th, size_t tw,
                    size_t t_begin, size_t t_end, size_t base, size_t rows) {
    PICK_M(input, m)(v, x, n, hy, wy, cx, th, tw, t_begin, t_end, base, rows);
}

void ck_wino2_input_adjoint(size_t m, float *x, const float *p, const float *bias, size_t n, size_t hy, size_t wy,
                            size_t cx, size_t th, size_t tw, size_t t_begin, size_t t_end, size_t rows, size_t c_begin,
                            size_t c_end, int init) {
    PICK_M(input_adjoint, m)(x, p, bias, n, hy, wy, cx, th, tw, t_begin, t_end, rows, c_begin, c_end, init);
}

void ck_wino2_output(size_t m, float *y, const float *mm, const float *bias, size_t n, size_t hy, size_t wy, size_t cy,
                     size_t th, size_t tw, size_t t_begin, size_t t_end, size_t base, size_t rows) {
    PICK_M(output, m)(y, mm, bias, n, hy, wy, cy, th, tw, t_begin, t_end, base, rows);
}

void ck_wino2_grad_output(size_t m, float *z, const float *dy, size_t n, size_t hy, size_t wy, size_t cy, size_t th,
                          size_t tw, size_t t_begin, size_t t_end, size_t base, size_t rows) {
    PICK_M(grad_output, m)(z, dy, n, hy, wy, cy, th, tw, t_begin, t_end, base, rows);
}

void ck_wino2_weights(size_t m, float *u, const float *w, size_t cy, size_t cx, size_t c_begin, size_t c_end) {
    PICK_M(weights, m)(u, w, cy, cx, c_begin, c_end);
}

void ck_wino2_weight_grad(size_t m, float *dw, const float *s, size_t cy, size_t cx, size_t k_begin, size_t k_end) {
    PICK_M(weight_grad, m)(dw, s, cy, cx, k_begin, k_end);
}
