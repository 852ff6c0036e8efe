#include "ck_elementwise.h"
#include <math.h>
#include <string.h>

void ck_fill(float *dst, float value, size_t n) { for (size_t i = 0; i < n; i++) dst[i] = value; }
void ck_copy(float *dst, const float *src, size_t n) { memmove(dst, src, n * sizeof(float)); }
void ck_add(float *dst, const float *a, const float *b, size_t n) { for (size_t i = 0; i < n; i++) dst[i] = a[i] + b[i]; }
void ck_sub(float *dst, const float *a, const float *b, size_t n) { for (size_t i = 0; i < n; i++) dst[i] = a[i] - b[i]; }
void ck_mul(float *dst, const float *a, const float *b, size_t n) { for (size_t i = 0; i < n; i++) dst[i] = a[i] * b[i]; }
void ck_div(float *dst, const float *a, const float *b, size_t n) { for (size_t i = 0; i < n; i++) dst[i] = a[i] / b[i]; }
void ck_affine(float *dst, const float *a, float s, float t, size_t n) { for (size_t i = 0; i < n; i++) dst[i] = a[i] * s + t; }
void ck_axpy(float *dst, const float *a, float s, size_t n) { for (size_t i = 0; i < n; i++) dst[i] += a[i] * s; }
void ck_acc(float *dst, const float *a, size_t n) { for (size_t i = 0; i < n; i++) dst[i] += a[i]; }
void ck_abs(float *dst, const float *a, size_t n) { for (size_t i = 0; i < n; i++) dst[i] = fabsf(a[i]); }
void ck_sign_scaled(float *dst, const float *a, float s, size_t n) {
    for (size_t i = 0; i < n; i++) dst[i] = a[i] > 0.0f ? s : (a[i] < 0.0f ? -s : 0.0f);
}
void ck_exp(float *dst, const float *a, size_t n) { for (size_t i = 0; i < n; i++) dst[i] = expf(a[i]); }
void ck_log(float *dst, const float *a, size_t n) { for (size_t i = 0; i < n; i++) dst[i] = logf(a[i]); }

// Sums use 8 float partials in blocks of 1024, then accumulate blocks in double: vectorisable
// and accurate to well below float precision for the sizes we meet (≤ 1e8 elements).
#define BLOCKED_SUM(EXPR)                                                   \
    double total = 0.0;                                                     \
    size_t i = 0;                                                           \
    while (i < n) {                                                         \
        size_t end = i + 1024 < n ? i + 1024 : n;                           \
        float part = 0.0f;                                                  \
        for (; i < end; i++) part += (EXPR);                                \
        total += part;                                                      \
    }                                                                       \
    return total;

double ck_sum(const float *a, size_t n) { BLOCKED_SUM(a[i]) }
double ck_sum_abs_diff(const float *a, const float *b, size_t n) { BLOCKED_SUM(fabsf(a[i] - b[i])) }
double ck_sum_sq_diff(const float *a, const float *b, size_t n) { BLOCKED_SUM((a[i] - b[i]) * (a[i] - b[i])) }
double ck_bce_logits_sum(const float *x, const float *y, size_t n) {
    BLOCKED_SUM(fmaxf(x[i], 0.0f) - x[i] * y[i] + log1pf(expf(-fabsf(x[i]))))
}

void ck_bce_logits_grad(float *dst, const float *x, const float *y, float s, size_t n) {
    for (size_t i = 0; i < n; i++) {
        float z = x[i];
        // Stable sigmoid: never exponentiate a large positive number.
        float sig = z >= 0.0f ? 1.0f / (1.0f + expf(-z)) : expf(z) / (1.0f + expf(z));
        dst[i] = (sig - y[i]) * s;
    }
}

void ck_mask_scale(float *dst, const float *a, const float *mask, float scale, size_t n) {
    for (size_t i = 0; i < n; i++) dst[i] = a[i] * mask[i] * scale;
}

void ck_adam(float *p, const float *g, float *m, float *v, size_t n,
             float lr, float b1, float b2, float eps, float bc1, float bc2, float weight_decay) {
    const float step = lr / bc1;
    const float inv_sqrt_bc2 = 1.0f / sqrtf(bc2);
    for (size_t i = 0; i < n; i++) {
        float gi = g[i] + weight_decay * p[i];
        float mi = b1 * m[i] + (1.0f - b1) * gi;
        float vi = b2 * v[i] + (1.0f - b2) * gi * gi;
        m[i] = mi;
        v[i] = vi;
        // torch: denom = sqrt(v) / sqrt(bc2) + eps; p -= (lr / bc1) * m / denom
        p[i] -= step * mi / (sqrtf(vi) * inv_sqrt_bc2 + eps);
    }
}

void ck_channel_sum(const float *x, size_t rows, size_t channels, double *out) {
    for (size_t r = 0; r < rows; r++) {
        const float *row = x + r * channels;
        for (size_t c = 0; c < channels; c++) out[c] += row[c];
    }
}

void ck_copy_strided(float *dst, size_t dst_stride, const float *src, size_t src_stride,
                     size_t rows, size_t cols) {
    for (size_t r = 0; r < rows; r++) memcpy(dst + r * dst_stride, src + r * src_stride, cols * sizeof(float));
}

void ck_conv_weights_flip(float *dst, const float *src, size_t out_c, size_t in_c, size_t kh, size_t kw,
                          size_t o_begin, size_t o_end) {
    const size_t k = kh * kw;
    for (size_t o = o_begin; o < o_end && o < out_c; o++) {
        for (size_t i = 0; i < in_c; i++) {
            const float *s = src + (o * in_c + i) * k;
            float *d = dst + (i * out_c + o) * k;
            for (size_t j = 0; j < k; j++) d[j] = s[k - 1 - j];
        }
    }
}

// Taps of a k4 s2 p1 transposed convolution per output phase: output row 2m + a reads input rows
// m - 1 + a + t (t = 0, 1) through kernel row {3, 1}[t] (a = 0) or {2, 0}[t] (a = 1).

void ck_deconv_phase_weights(float *const dst[4], const float *src, size_t in_c, size_t out_c,
                             size_t o_begin, size_t o_end) {
    // Tiles of 16 output × 16 input channels: the source kernels of a tile are 16 runs of 1 KiB
    // and each phase's writes are 16 runs of 256 B. The taps are spelled out:
    // phase (a, b) reads kernel rows {3, 1} (a = 0) or {2, 0} (a = 1), likewise columns.
    if (o_end > out_c) o_end = out_c;
    for (size_t o0 = o_begin; o0 < o_end; o0 += 16) {
        const size_t o1 = o0 + 16 < o_end ? o0 + 16 : o_end;
        for (size_t i0 = 0; i0 < in_c; i0 += 16) {
            const size_t i1 = i0 + 16 < in_c ? i0 + 16 : in_c;
            for (size_t o = o0; o < o1; o++) {
                float *d0 = dst[0] + o * in_c * 4, *d1 = dst[1] + o * in_c * 4;
                float *d2 = dst[2] + o * in_c * 4, *d3 = dst[3] + o * in_c * 4;
                for (size_t i = i0; i < i1; i++) {
                    const float *k = src + (i * out_c + o) * 16;
                    d0[4 * i + 0] = k[15]; d0[4 * i + 1] = k[13]; d0[4 * i + 2] = k[7]; d0[4 * i + 3] = k[5];
                    d1[4 * i + 0] = k[14]; d1[4 * i + 1] = k[12]; d1[4 * i + 2] = k[6]; d1[4 * i + 3] = k[4];
                    d2[4 * i + 0] = k[11]; d2[4 * i + 1] = k[9];  d2[4 * i + 2] = k[3]; d2[4 * i + 3] = k[1];
                    d3[4 * i + 0] = k[10]; d3[4 * i + 1] = k[8];  d3[4 * i + 2] = k[2]; d3[4 * i + 3] = k[0];
                }
            }
        }
    }
}

void ck_interleave_phase(float *dst, const float *phase, size_t n, size_t h, size_t w, size_t c, int a, int b,
                         size_t row_begin, size_t row_end) {
    // Row r = img·h + m of the phase goes to output row 2m + a of image img.
    for (size_t r = row_begin; r < row_end && r < n * h; r++) {
        const size_t img = r / h, m = r % h;
        const float *s = phase + r * w * c;
        float *d = dst + ((img * 2 * h + 2 * m + (size_t)a) * 2 * w + (size_t)b) * c;
        for (size_t l = 0; l < w; l++) memcpy(d + 2 * l * c, s + l * c, c * sizeof(float));
    }
}

void ck_transpose(float *dst, const float *src, size_t rows, size_t cols, size_t c_begin, size_t c_end) {
    // 32 × 32 blocks: both sides stay in L1 while a block moves.
    for (size_t r0 = 0; r0 < rows; r0 += 32)
    for (size_t c0 = c_begin; c0 < c_end; c0 += 32) {
        const size_t r1 = r0 + 32 < rows ? r0 + 32 : rows, c1 = c0 + 32 < c_end ? c0 + 32 : c_end;
        for (size_t c = c0; c < c1; c++)
            for (size_t r = r0; r < r1; r++) dst[c * rows + r] = src[r * cols + c];
    }
}

// im2col / col2im for 4×4, stride-2, padding-1 convolutions on NHWC tensors: row r = (n, oy, ox)
// of the [n·hy·wy, c·16] matrix holds x[n, 2oy − 1 + ky, 2ox − 1 + kx, ci] at column ci·16 + ky·4 + kx
// (PyTorch's OIHW weight flattened to [out, in·16] multiplies it directly).
void ck_im2col_k4s2p1(float *cols, const float *x, size_t n, size_t hx, size_t wx, size_t c, size_t hy, size_t wy,
                      size_t r_begin, size_t r_end) {
    (void)n;
    for (size_t r = r_begin; r < r_end; r++) {
        const size_t img = r / (hy * wy), oy = (r / wy) % hy, ox = r % wy;
        float *row = cols + r * c * 16;
        for (int ky = 0; ky < 4; ky++) {
            const long iy = 2 * (long)oy - 1 + ky;
            for (int kx = 0; kx < 4; kx++) {
                const long ix = 2 * (long)ox - 1 + kx;
                const int inside = iy >= 0 && iy < (long)hx && ix >= 0 && ix < (long)wx;
                const float *px = inside ? x + ((img * hx + (size_t)iy) * wx + (size_t)ix) * c : NULL;
                float *d = row + ky * 4 + kx;
                if (px) for (size_t ci = 0; ci < c; ci++) d[ci * 16] = px[ci];
                else for (size_t ci = 0; ci < c; ci++) d[ci * 16] = 0.0f;
            }
        }
    }
}

void ck_col2im_k4s2p1(float *x, const float *cols, size_t n, size_t hx, size_t wx, size_t c, size_t hy, size_t wy,
                      size_t r_begin, size_t r_end) {
    // Gathered per input element (each thread owns whole rows of x): element (iy, ix) is read by
    // tap ky of output row oy where 2·oy − 1 + ky = iy, i.e. ky of the parity of iy + 1, two per axis.
    // Taps in descending order visit oy, ox ascending: the sums add in the order of the scatter this
    // replaced (same bits).
    (void)n;
    for (size_t r = r_begin; r < r_end; r++) {
        const size_t img = r / hx, iy = r % hx;
        for (size_t ix = 0; ix < wx; ix++) {
            float *px = x + (r * wx + ix) * c;
            for (size_t ci = 0; ci < c; ci++) px[ci] = 0.0f;
            for (int ky = 3 - (int)(iy % 2); ky >= 0; ky -= 2) {
                const long oy = ((long)iy + 1 - ky) / 2;
                if (oy < 0 || oy >= (long)hy) continue;
                for (int kx = 3 - (int)(ix % 2); kx >= 0; kx -= 2) {
                    const long ox = ((long)ix + 1 - kx) / 2;
                    if (ox < 0 || ox >= (long)wy) continue;
                    const float *s = cols + ((img * hy + (size_t)oy) * wy + (size_t)ox) * c * 16 + ky * 4 + kx;
                    for (size_t ci = 0; ci < c; ci++) px[ci] += s[ci * 16];
                }
            }
        }
    }
}
