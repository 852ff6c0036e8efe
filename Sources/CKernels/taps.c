// Tap gather / scatter for convolutions with few output channels computed as a GEMM over the
// input channels (see ck_elementwise.h, DNNLConvolution+Narrow.swift).
#include "ck_elementwise.h"
#include <string.h>

void ck_tap_gather(float *out, const float *z, const float *bias, size_t n, size_t ih, size_t iw,
                   size_t oh, size_t ow, size_t oc, size_t kh, size_t kw, size_t stride, size_t pad) {
    const size_t taps = kh * kw, zrow = oc * taps;
    for (size_t img = 0; img < n; img++)
    for (size_t oy = 0; oy < oh; oy++)
    for (size_t ox = 0; ox < ow; ox++) {
        float *o = out + ((img * oh + oy) * ow + ox) * oc;
        for (size_t c = 0; c < oc; c++) o[c] = bias ? bias[c] : 0.0f;
        for (size_t ky = 0; ky < kh; ky++) {
            const long iy = (long)(oy * stride + ky) - (long)pad;
            if (iy < 0 || iy >= (long)ih) continue;
            for (size_t kx = 0; kx < kw; kx++) {
                const long ix = (long)(ox * stride + kx) - (long)pad;
                if (ix < 0 || ix >= (long)iw) continue;
                const float *zr = z + ((img * ih + (size_t)iy) * iw + (size_t)ix) * zrow + ky * kw + kx;
                for (size_t c = 0; c < oc; c++) o[c] += zr[c * taps];
            }
        }
    }
}

void ck_tap_scatter(float *d, const float *dy, size_t n, size_t ih, size_t iw,
                    size_t oh, size_t ow, size_t oc, size_t kh, size_t kw, size_t stride, size_t pad) {
    const size_t taps = kh * kw, zrow = oc * taps;
    memset(d, 0, n * ih * iw * zrow * sizeof(float));
    for (size_t img = 0; img < n; img++)
    for (size_t oy = 0; oy < oh; oy++)
    for (size_t ox = 0; ox < ow; ox++) {
        const float *g = dy + ((img * oh + oy) * ow + ox) * oc;
        for (size_t ky = 0; ky < kh; ky++) {
            const long iy = (long)(oy * stride + ky) - (long)pad;
            if (iy < 0 || iy >= (long)ih) continue;
            for (size_t kx = 0; kx < kw; kx++) {
                const long ix = (long)(ox * stride + kx) - (long)pad;
                if (ix < 0 || ix >= (long)iw) continue;
                float *dr = d + ((img * ih + (size_t)iy) * iw + (size_t)ix) * zrow + ky * kw + kx;
                for (size_t c = 0; c < oc; c++) dr[c * taps] = g[c];
            }
        }
    }
}
