#include "ck_imaging.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

static inline uint8_t clamp_u8_int(int v) { return (uint8_t)(v < 0 ? 0 : (v > 255 ? 255 : v)); }
static inline uint8_t round_u8(float v) {
    if (!(v > 0.0f)) return 0;                 // also NaN
    if (v >= 255.0f) return 255;
    return (uint8_t)(int)(v + 0.5f);
}

void ck_img_rgb_to_gray(const uint8_t *rgb, uint8_t *gray, size_t pixels) {
    for (size_t i = 0; i < pixels; i++) {
        const uint8_t *p = rgb + 3 * i;
        gray[i] = (uint8_t)((9798u * p[0] + 19235u * p[1] + 3735u * p[2] + 16384u) >> 15);
    }
}

void ck_img_gray_to_rgb(const uint8_t *gray, uint8_t *rgb, size_t pixels) {
    for (size_t i = 0; i < pixels; i++) { rgb[3 * i] = rgb[3 * i + 1] = rgb[3 * i + 2] = gray[i]; }
}

void ck_img_u8_to_unit(const uint8_t *src, float *dst, size_t n) {
    for (size_t i = 0; i < n; i++) dst[i] = (float)src[i] * (1.0f / 127.5f) - 1.0f;
}

void ck_img_unit_to_u8(const float *src, uint8_t *dst, size_t n) {
    for (size_t i = 0; i < n; i++) dst[i] = round_u8((src[i] + 1.0f) * 127.5f);
}

void ck_img_f32_to_u8(const float *src, uint8_t *dst, size_t n) {
    for (size_t i = 0; i < n; i++) dst[i] = round_u8(src[i]);
}

void ck_img_chw_to_hwc(const uint8_t *src, uint8_t *dst, int c, int h, int w) {
    size_t plane = (size_t)h * (size_t)w;
    for (int k = 0; k < c; k++) {
        const uint8_t *s = src + (size_t)k * plane;
        for (size_t i = 0; i < plane; i++) dst[i * (size_t)c + (size_t)k] = s[i];
    }
}

void ck_img_crop(const uint8_t *src, int src_w, int c, int x, int y, int w, int h, uint8_t *dst) {
    size_t row = (size_t)w * (size_t)c;
    for (int r = 0; r < h; r++)
        memcpy(dst + (size_t)r * row, src + ((size_t)(y + r) * (size_t)src_w + (size_t)x) * (size_t)c, row);
}

void ck_img_flip_h(const uint8_t *src, uint8_t *dst, int w, int h, int c) {
    for (int r = 0; r < h; r++) {
        const uint8_t *s = src + (size_t)r * (size_t)w * (size_t)c;
        uint8_t *d = dst + (size_t)r * (size_t)w * (size_t)c;
        for (int x = 0; x < w; x++)
            for (int k = 0; k < c; k++) d[(size_t)x * c + k] = s[(size_t)(w - 1 - x) * c + k];
    }
}

// ---------------------------------------------------------------------------------------------
// Resize: per-axis tap tables (source index + weight per output sample), applied separably.

typedef struct { int *start; int *count; int *index; float *weight; int taps; } axis_taps;

static void free_taps(axis_taps *t) { free(t->start); free(t->count); free(t->index); free(t->weight); }

static int clampi(int v, int lo, int hi) { return v < lo ? lo : (v > hi ? hi : v); }

// Builds the taps for one axis mapping `src_n` samples to `dst_n` samples.
static int make_taps(axis_taps *t, int src_n, int dst_n, int filter) {
    double scale = (double)src_n / (double)dst_n;
    int shrinking = dst_n < src_n;
    int mode;                                    // 0 area, 1 linear, 2 cubic
    if (filter == CK_RESIZE_AREA) mode = shrinking ? 0 : 1;
    else if (filter == CK_RESIZE_AUTO) mode = shrinking ? 0 : 2;
    else if (filter == CK_RESIZE_BILINEAR) mode = 1;
    else mode = 2;
    int taps = mode == 0 ? (int)ceil(scale) + 1 : (mode == 1 ? 2 : 4);
    t->taps = taps;
    t->start = malloc(sizeof(int) * (size_t)dst_n);
    t->count = malloc(sizeof(int) * (size_t)dst_n);
    t->index = malloc(sizeof(int) * (size_t)dst_n * (size_t)taps);
    t->weight = malloc(sizeof(float) * (size_t)dst_n * (size_t)taps);
    if (!t->start || !t->count || !t->index || !t->weight) { free_taps(t); return -1; }
    for (int d = 0; d < dst_n; d++) {
        int *idx = t->index + (size_t)d * taps;
        float *wt = t->weight + (size_t)d * taps;
        int n = 0;
        if (src_n == dst_n) {
            idx[0] = d; wt[0] = 1.0f; n = 1;
        } else if (mode == 0) {
            double f1 = d * scale, f2 = f1 + scale;
            if (f2 > src_n) f2 = src_n;
            double width = f2 - f1;
            int s1 = (int)floor(f1), s2 = (int)ceil(f2);
            for (int s = s1; s < s2 && n < taps; s++) {
                double lo = s > f1 ? s : f1, hi = s + 1 < f2 ? s + 1 : f2;
                double w = (hi - lo) / width;
                if (w <= 1e-12) continue;
                idx[n] = s; wt[n] = (float)w; n++;
            }
        } else if (mode == 1) {
            double fx = (d + 0.5) * scale - 0.5;
            int x0 = (int)floor(fx);
            double f = fx - x0;
            if (x0 < 0) { x0 = 0; f = 0; }
            if (x0 >= src_n - 1) { x0 = src_n - 1; f = 0; }
            idx[0] = x0; wt[0] = (float)(1.0 - f); n = 1;
            if (f > 0) { idx[1] = x0 + 1; wt[1] = (float)f; n = 2; }
        } else {
            const double A = -0.75;
            double fx = (d + 0.5) * scale - 0.5;
            int x0 = (int)floor(fx);
            double f = fx - x0;
            double w0 = ((A * (f + 1) - 5 * A) * (f + 1) + 8 * A) * (f + 1) - 4 * A;
            double w1 = ((A + 2) * f - (A + 3)) * f * f + 1;
            double w2 = ((A + 2) * (1 - f) - (A + 3)) * (1 - f) * (1 - f) + 1;
            double w3 = 1.0 - w0 - w1 - w2;
            double ws[4] = { w0, w1, w2, w3 };
            for (int k = 0; k < 4; k++) { idx[k] = clampi(x0 - 1 + k, 0, src_n - 1); wt[k] = (float)ws[k]; }
            n = 4;
        }
        t->count[d] = n;
        t->start[d] = 0;
    }
    return 0;
}

int ck_img_resize(const uint8_t *src, int sw, int sh, int c, uint8_t *dst, int dw, int dh, int filter) {
    if (sw == dw && sh == dh) { memcpy(dst, src, (size_t)sw * sh * c); return 0; }
    axis_taps tx, ty;
    if (make_taps(&tx, sw, dw, filter) != 0) return -1;
    if (make_taps(&ty, sh, dh, filter) != 0) { free_taps(&tx); return -1; }
    // Only source rows some output row reads need the horizontal pass; mark them.
    float *rows = malloc(sizeof(float) * (size_t)sh * (size_t)dw * (size_t)c);
    uint8_t *needed = calloc((size_t)sh, 1);
    if (!rows || !needed) { free(rows); free(needed); free_taps(&tx); free_taps(&ty); return -1; }
    for (int d = 0; d < dh; d++)
        for (int k = 0; k < ty.count[d]; k++) needed[ty.index[(size_t)d * ty.taps + k]] = 1;
    size_t out_row = (size_t)dw * (size_t)c;
    for (int y = 0; y < sh; y++) {
        if (!needed[y]) continue;
        const uint8_t *s = src + (size_t)y * sw * c;
        float *r = rows + (size_t)y * out_row;
        for (int d = 0; d < dw; d++) {
            const int *idx = tx.index + (size_t)d * tx.taps;
            const float *wt = tx.weight + (size_t)d * tx.taps;
            int n = tx.count[d];
            for (int ch = 0; ch < c; ch++) {
                float acc = 0.0f;
                for (int k = 0; k < n; k++) acc += wt[k] * (float)s[(size_t)idx[k] * c + ch];
                r[(size_t)d * c + ch] = acc;
            }
        }
    }
    float *acc = malloc(sizeof(float) * out_row);
    if (!acc) { free(rows); free(needed); free_taps(&tx); free_taps(&ty); return -1; }
    for (int d = 0; d < dh; d++) {
        const int *idx = ty.index + (size_t)d * ty.taps;
        const float *wt = ty.weight + (size_t)d * ty.taps;
        int n = ty.count[d];
        for (size_t i = 0; i < out_row; i++) acc[i] = 0.0f;
        for (int k = 0; k < n; k++) {
            const float *r = rows + (size_t)idx[k] * out_row;
            float w = wt[k];
            for (size_t i = 0; i < out_row; i++) acc[i] += w * r[i];
        }
        uint8_t *o = dst + (size_t)d * out_row;
        for (size_t i = 0; i < out_row; i++) o[i] = round_u8(acc[i]);
    }
    free(acc); free(rows); free(needed); free_taps(&tx); free_taps(&ty);
    return 0;
}

// ---------------------------------------------------------------------------------------------
// Gaussian blur (one channel), border reflect-101.

static inline int reflect101(int i, int n) {
    if (n == 1) return 0;
    while (i < 0 || i >= n) {
        if (i < 0) i = -i;
        if (i >= n) i = 2 * n - 2 - i;
    }
    return i;
}

int ck_img_gaussian_blur(const uint8_t *src, uint8_t *dst, int w, int h, int ksize, double sigma) {
    if (ksize < 1 || (ksize & 1) == 0) return -2;
    int r = ksize / 2;
    static const int k3[3] = { 1, 2, 1 }, k5[5] = { 1, 4, 6, 4, 1 }, k7[7] = { 2, 7, 14, 18, 14, 7, 2 };
    const int *ik = NULL; int isum = 0;
    if (sigma <= 0) {
        if (ksize == 1) { memcpy(dst, src, (size_t)w * h); return 0; }
        if (ksize == 3) { ik = k3; isum = 4; }
        if (ksize == 5) { ik = k5; isum = 16; }
        if (ksize == 7) { ik = k7; isum = 64; }
    }
    if (ik) {
        // Exact integer path: out = round_half_up(sum k_i k_j p / isum^2).
        int *tmp = malloc(sizeof(int) * (size_t)w * h);
        if (!tmp) return -1;
        for (int y = 0; y < h; y++) {
            const uint8_t *s = src + (size_t)y * w;
            for (int x = 0; x < w; x++) {
                int acc = 0;
                for (int k = -r; k <= r; k++) acc += ik[k + r] * s[reflect101(x + k, w)];
                tmp[(size_t)y * w + x] = acc;
            }
        }
        int total = isum * isum, half = total / 2;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int acc = 0;
                for (int k = -r; k <= r; k++) acc += ik[k + r] * tmp[(size_t)reflect101(y + k, h) * w + x];
                dst[(size_t)y * w + x] = clamp_u8_int((acc + half) / total);
            }
        }
        free(tmp);
        return 0;
    }
    if (sigma <= 0) sigma = 0.3 * ((ksize - 1) * 0.5 - 1) + 0.8;
    double *kd = malloc(sizeof(double) * (size_t)ksize);
    float *tmp = malloc(sizeof(float) * (size_t)w * h);
    if (!kd || !tmp) { free(kd); free(tmp); return -1; }
    double sum = 0;
    for (int i = 0; i < ksize; i++) { double x = i - r; kd[i] = exp(-(x * x) / (2 * sigma * sigma)); sum += kd[i]; }
    for (int i = 0; i < ksize; i++) kd[i] /= sum;
    for (int y = 0; y < h; y++) {
        const uint8_t *s = src + (size_t)y * w;
        for (int x = 0; x < w; x++) {
            double acc = 0;
            for (int k = -r; k <= r; k++) acc += kd[k + r] * s[reflect101(x + k, w)];
            tmp[(size_t)y * w + x] = (float)acc;
        }
    }
    for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
            double acc = 0;
            for (int k = -r; k <= r; k++) acc += kd[k + r] * tmp[(size_t)reflect101(y + k, h) * w + x];
            dst[(size_t)y * w + x] = round_u8((float)acc);
        }
    }
    free(kd); free(tmp);
    return 0;
}

// ---------------------------------------------------------------------------------------------
// Canny.

// Sobel derivative along x (dx) and y (dy) with OpenCV's kernels, replicated border, CV_16S output.
static void sobel(const uint8_t *src, int w, int h, int aperture, int16_t *dx, int16_t *dy, int32_t *tmp_a, int32_t *tmp_b) {
    static const int d3[3] = { -1, 0, 1 }, s3[3] = { 1, 2, 1 };
    static const int d5[5] = { -1, -2, 0, 2, 1 }, s5[5] = { 1, 4, 6, 4, 1 };
    static const int d7[7] = { -1, -4, -5, 0, 5, 4, 1 }, s7[7] = { 1, 6, 15, 20, 15, 6, 1 };
    const int *dk = aperture == 3 ? d3 : (aperture == 5 ? d5 : d7);
    const int *sk = aperture == 3 ? s3 : (aperture == 5 ? s5 : s7);
    int r = aperture / 2;
    // Horizontal passes: tmp_a = deriv along x, tmp_b = smooth along x.
    for (int y = 0; y < h; y++) {
        const uint8_t *s = src + (size_t)y * w;
        for (int x = 0; x < w; x++) {
            int a = 0, b = 0;
            for (int k = -r; k <= r; k++) {
                int v = s[clampi(x + k, 0, w - 1)];
                a += dk[k + r] * v; b += sk[k + r] * v;
            }
            tmp_a[(size_t)y * w + x] = a; tmp_b[(size_t)y * w + x] = b;
        }
    }
    for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
            int gx = 0, gy = 0;
            for (int k = -r; k <= r; k++) {
                size_t o = (size_t)clampi(y + k, 0, h - 1) * w + x;
                gx += sk[k + r] * tmp_a[o];      // smooth along y of the x-derivative
                gy += dk[k + r] * tmp_b[o];      // derivative along y of the x-smoothed image
            }
            if (aperture == 7) {
                // OpenCV scales aperture-7 gradients by 1/16 in float and rounds half to even.
                int q = gx >> 4, rem = gx & 15;
                if (rem > 8 || (rem == 8 && (q & 1))) q++;
                gx = q;
                q = gy >> 4; rem = gy & 15;
                if (rem > 8 || (rem == 8 && (q & 1))) q++;
                gy = q;
            }
            if (gx > 32767) gx = 32767; if (gx < -32768) gx = -32768;
            if (gy > 32767) gy = 32767; if (gy < -32768) gy = -32768;
            dx[(size_t)y * w + x] = (int16_t)gx;
            dy[(size_t)y * w + x] = (int16_t)gy;
        }
    }
}

int ck_img_canny(const uint8_t *src, uint8_t *dst, int w, int h,
                 double low_thresh, double high_thresh, int aperture, int l2_gradient) {
    if (aperture != 3 && aperture != 5 && aperture != 7) return -2;
    if (w <= 0 || h <= 0) return 0;
    if (low_thresh > high_thresh) { double t = low_thresh; low_thresh = high_thresh; high_thresh = t; }
    if (aperture == 7) {
        // OpenCV scales aperture-7 gradients by 1/16 (they would overflow 16 bits), and the
        // thresholds with them.
        low_thresh /= 16.0;
        high_thresh /= 16.0;
    }
    if (l2_gradient) {
        if (low_thresh > 32767.0) low_thresh = 32767.0;
        if (high_thresh > 32767.0) high_thresh = 32767.0;
        if (low_thresh > 0) low_thresh *= low_thresh;
        if (high_thresh > 0) high_thresh *= high_thresh;
    }
    int64_t low = (int64_t)floor(low_thresh), high = (int64_t)floor(high_thresh);

    size_t n = (size_t)w * h;
    size_t mw = (size_t)w + 2, mh = (size_t)h + 2;     // padded magnitude / map planes
    int16_t *dx = malloc(sizeof(int16_t) * n), *dy = malloc(sizeof(int16_t) * n);
    int32_t *ta = malloc(sizeof(int32_t) * n), *tb = malloc(sizeof(int32_t) * n);
    int64_t *mag = calloc(mw * mh, sizeof(int64_t));
    uint8_t *map = malloc(mw * mh);
    size_t cap = n < 1024 ? 1024 : n / 4, top = 0;
    size_t *stack = malloc(sizeof(size_t) * cap);
    if (!dx || !dy || !ta || !tb || !mag || !map || !stack) {
        free(dx); free(dy); free(ta); free(tb); free(mag); free(map); free(stack); return -1;
    }
    sobel(src, w, h, aperture, dx, dy, ta, tb);
    free(ta); free(tb);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            int64_t gx = dx[(size_t)y * w + x], gy = dy[(size_t)y * w + x];
            mag[(size_t)(y + 1) * mw + (size_t)(x + 1)] = l2_gradient ? gx * gx + gy * gy : llabs(gx) + llabs(gy);
        }
    // map: 0 = may be an edge, 1 = not an edge, 2 = edge. The one-pixel frame is "not an edge".
    memset(map, 1, mw * mh);
    const int64_t TG22 = 13573;                  // tan(22.5°) in Q15
    for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
            size_t p = (size_t)(y + 1) * mw + (size_t)(x + 1);
            int64_t m = mag[p];
            if (m <= low) continue;
            int64_t xs = dx[(size_t)y * w + x], ys = dy[(size_t)y * w + x];
            int64_t ax = xs < 0 ? -xs : xs;
            int64_t ay = (ys < 0 ? -ys : ys) << 15;
            int64_t tg22x = ax * TG22;
            int keep;
            if (ay < tg22x) {
                keep = m > mag[p - 1] && m >= mag[p + 1];
            } else {
                int64_t tg67x = tg22x + (ax << 16);
                if (ay > tg67x) {
                    keep = m > mag[p - mw] && m >= mag[p + mw];
                } else {
                    ptrdiff_t s = ((xs ^ ys) < 0) ? -1 : 1;
                    keep = m > mag[p - mw - s] && m > mag[p + mw + s];
                }
            }
            if (!keep) continue;
            if (m > high) {
                map[p] = 2;
                if (top == cap) {
                    size_t *grown = realloc(stack, sizeof(size_t) * cap * 2);
                    if (!grown) { free(dx); free(dy); free(mag); free(map); free(stack); return -1; }
                    stack = grown; cap *= 2;
                }
                stack[top++] = p;
            } else {
                map[p] = 0;
            }
        }
    }
    free(dx); free(dy); free(mag);
    const ptrdiff_t nb[8] = { -1, 1, -(ptrdiff_t)mw - 1, -(ptrdiff_t)mw, -(ptrdiff_t)mw + 1,
                              (ptrdiff_t)mw - 1, (ptrdiff_t)mw, (ptrdiff_t)mw + 1 };
    while (top > 0) {
        size_t p = stack[--top];
        for (int k = 0; k < 8; k++) {
            size_t q = (size_t)((ptrdiff_t)p + nb[k]);
            if (map[q] == 0) {
                map[q] = 2;
                if (top == cap) {
                    size_t *grown = realloc(stack, sizeof(size_t) * cap * 2);
                    if (!grown) { free(map); free(stack); return -1; }
                    stack = grown; cap *= 2;
                }
                stack[top++] = q;
            }
        }
    }
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            dst[(size_t)y * w + x] = map[(size_t)(y + 1) * mw + (size_t)(x + 1)] == 2 ? 255 : 0;
    free(map); free(stack);
    return 0;
}

// ---------------------------------------------------------------------------------------------
// Statistics.

void ck_img_mean_std(const uint8_t *src, size_t n, double *mean, double *std_dev) {
    if (n == 0) { *mean = 0; *std_dev = 0; return; }
    uint64_t s = 0, s2 = 0;
    for (size_t i = 0; i < n; i++) { uint64_t v = src[i]; s += v; s2 += v * v; }
    double m = (double)s / (double)n;
    double var = (double)s2 / (double)n - m * m;
    *mean = m;
    *std_dev = var > 0 ? sqrt(var) : 0;
}

void ck_img_min_max_f32(const float *src, size_t n, float *min_value, float *max_value) {
    float lo = NAN, hi = NAN;
    for (size_t i = 0; i < n; i++) {
        float v = src[i];
        if (v != v) continue;
        if (lo != lo || v < lo) lo = v;
        if (hi != hi || v > hi) hi = v;
    }
    *min_value = lo; *max_value = hi;
}

void ck_img_min_max_u8(const uint8_t *src, size_t n, uint8_t *min_value, uint8_t *max_value) {
    uint8_t lo = 255, hi = 0;
    for (size_t i = 0; i < n; i++) { if (src[i] < lo) lo = src[i]; if (src[i] > hi) hi = src[i]; }
    if (n == 0) { lo = 0; hi = 0; }
    *min_value = lo; *max_value = hi;
}
