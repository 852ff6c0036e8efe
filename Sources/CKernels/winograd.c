// Winograd F(m×m, 4×4) transforms for stride-1 4×4 convolutions (NHWC activations, PyTorch OIHW
// weights), for output tiles of m = 2, 3 and 4 (winograd_tile.h, included once per m; the matrices
// come from scripts/winograd_matrices.py):
//   Y = Aᵀ [(G W Gᵀ) ⊙ (Bᵀ D B)] A   for an n×n input tile D (n = m + 3), a 4×4 kernel W and an
//   m×m output tile.
// F(2×2, 4×4) interpolates at 0, 1, −1, ½, ∞; F(3×3, 4×4) at 0, 1, −1, 2, −½, ∞; F(4×4, 4×4) at 0, 1,
// −1, 2, −½, −2, ∞ (the smallest fp32 error of the sets the script tries for each: 2.9e-6 / 2.4e-6 /
// 4.1e-6 worst, 4.0e-7 / 5.4e-7 / 1.2e-6 mean per tile).
// Element e = n·i + j of a transformed tile is stored in plane e of an [n²][rows][cols] array, so
// that the channel sums become n² independent GEMMs (DNNLConvolution+Winograd.swift).
//
// Every kernel works on 16 channels at a time (channel counts are multiples of 16) as one vector;
// each is compiled three times, for AVX-512, AVX2 + FMA and the baseline ISA, and picked at run time.
#include "ck_elementwise.h"
#include "winograd_vec.h"

#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
// A kernel set's names: S(BT) is BT_m2 under WM 2.
#define S(name) CAT(name, CAT(_m, WM))
#define IMPL(name) CAT(S(name), _impl)
#define PER_ISA_X(name, params, args) PER_ISA(name, params, args)

// The weight transform visits input channels in blocks of 16, and within a block every 16 output
// channels: each OIHW row is then read 1 KiB at a time, and each plane written 32 KiB at a time,
// instead of one 64-byte line of hundreds of rows (or planes) per input channel (~3× slower).
#define FOR_BLOCKS(ci, c0, begin, end, out_c)                                              \
    for (size_t b0_ = (begin); b0_ < (end); b0_ += 16)                                     \
        for (size_t c0 = 0; c0 < (out_c); c0 += LANES)                                     \
            for (size_t ci = b0_; ci < b0_ + 16 && ci < (end); ci++)

#define WM 2
#include "winograd_tile.h"
#undef WM
#define WM 3
#include "winograd_tile.h"
#undef WM
#define WM 4
#include "winograd_tile.h"
#undef WM

size_t ck_wino_plane(size_t rows, size_t cols) {
    // One cache line more than the plane: with power-of-two planes (256 × 512 floats) the 25 or 36
    // loads or stores of one tile all fell in one cache set.
    return rows * cols + 16;
}

// The public kernels run the set for output tile side m (4, 3, or else 2).
#define PICK_M(name, m) ((m) == 4 ? WINO_PICK(name##_m4) : (m) == 3 ? WINO_PICK(name##_m3) : WINO_PICK(name##_m2))

void ck_wino_input(size_t m, float *v, const float *x, size_t n, size_t h, size_t w, size_t c, size_t pad,
                   size_t th, size_t tw, size_t t_begin, size_t t_end, size_t base, size_t rows) {
    PICK_M(input, m)(v, x, n, h, w, c, pad, th, tw, t_begin, t_end, base, rows);
}

void ck_wino_output(size_t m, float *y, const float *mm, const float *bias, size_t n, size_t oh, size_t ow, size_t k,
                    size_t th, size_t tw, size_t t_begin, size_t t_end, size_t base, size_t rows) {
    PICK_M(output, m)(y, mm, bias, n, oh, ow, k, th, tw, t_begin, t_end, base, rows);
}

void ck_wino_grad_output(size_t m, float *z, const float *dy, size_t n, size_t oh, size_t ow, size_t k,
                         size_t th, size_t tw, size_t t_begin, size_t t_end, size_t base, size_t rows) {
    PICK_M(grad_output, m)(z, dy, n, oh, ow, k, th, tw, t_begin, t_end, base, rows);
}

void ck_wino_weights(size_t m, float *u, const float *w, size_t out_c, size_t in_c, int flip, size_t i_begin,
                     size_t i_end) {
    PICK_M(weights, m)(u, w, out_c, in_c, flip, i_begin, i_end);
}

void ck_wino_weight_grad(size_t m, float *dw, const float *s, size_t out_c, size_t in_c, size_t k_begin, size_t k_end) {
    PICK_M(weight_grad, m)(dw, s, out_c, in_c, k_begin, k_end);
}
