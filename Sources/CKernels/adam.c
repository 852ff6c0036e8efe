// Adam update kernels: a portable scalar loop (ck_adam, in elementwise.c) and an AVX-512 one
// chosen at run time. Both compute, per element, in float32:
//   g' = g + wd·p;  m = b1·m + (1−b1)·g';  v = b2·v + (1−b2)·g'²;
//   p -= (lr / bc1) · m / (sqrt(v) · (1/sqrt(bc2)) + eps)
// The vector path uses the same operations in the same order (IEEE sqrt and division, no FMA
// contraction), so it matches the scalar loop bit for bit.
#include "ck_dispatch.h"
#include "ck_elementwise.h"
#include <immintrin.h>
#include <math.h>

__attribute__((target("avx512f")))
static void adam_avx512(float *p, const float *g, float *m, float *v, size_t n,
                        float lr, float b1, float b2, float eps, float bc1, float bc2, float wd) {
    const float step = lr / bc1;
    const float inv_sqrt_bc2 = 1.0f / sqrtf(bc2);
    const __m512 vb1 = _mm512_set1_ps(b1), vb2 = _mm512_set1_ps(b2);
    const __m512 va1 = _mm512_set1_ps(1.0f - b1), va2 = _mm512_set1_ps(1.0f - b2);
    const __m512 vwd = _mm512_set1_ps(wd), vstep = _mm512_set1_ps(step);
    const __m512 vinv = _mm512_set1_ps(inv_sqrt_bc2), veps = _mm512_set1_ps(eps);
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m512 pi = _mm512_loadu_ps(p + i);
        __m512 gi = _mm512_add_ps(_mm512_loadu_ps(g + i), _mm512_mul_ps(vwd, pi));
        __m512 mi = _mm512_add_ps(_mm512_mul_ps(vb1, _mm512_loadu_ps(m + i)), _mm512_mul_ps(va1, gi));
        __m512 vi = _mm512_add_ps(_mm512_mul_ps(vb2, _mm512_loadu_ps(v + i)),
                                  _mm512_mul_ps(_mm512_mul_ps(va2, gi), gi));
        _mm512_storeu_ps(m + i, mi);
        _mm512_storeu_ps(v + i, vi);
        __m512 denom = _mm512_add_ps(_mm512_mul_ps(_mm512_sqrt_ps(vi), vinv), veps);
        __m512 upd = _mm512_div_ps(_mm512_mul_ps(vstep, mi), denom);
        _mm512_storeu_ps(p + i, _mm512_sub_ps(pi, upd));
    }
    if (i < n) ck_adam(p + i, g + i, m + i, v + i, n - i, lr, b1, b2, eps, bc1, bc2, wd);
}

void ck_adam_auto(float *p, const float *g, float *m, float *v, size_t n,
                  float lr, float b1, float b2, float eps, float bc1, float bc2, float weight_decay) {
    // The shared cached probe (cpu_dispatch.c): a function-local static written here by two
    // threads at the first step was a data race, if a benign one.
    if (ck_cpu_avx512f()) adam_avx512(p, g, m, v, n, lr, b1, b2, eps, bc1, bc2, weight_decay);
    else ck_adam(p, g, m, v, n, lr, b1, b2, eps, bc1, bc2, weight_decay);
}
