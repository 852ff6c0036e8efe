// Products with a few rows on the small side (the innermost U-Net layers: 1–16 positions against
// weights of 4–32 MB), where dnnl_sgemm packs the weight into panels before using it once.
// Each kernel streams the large operand once; the small one stays in the caches. One body,
// compiled for AVX2 + FMA and for the baseline ISA, picked at run time (ck_skinny_*).
#include "ck_dispatch.h"
#include "ck_elementwise.h"

#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#define CK_X86 1
#endif

#define INLINE static inline __attribute__((always_inline))
#define GROUP 4   // rows of the small side per pass over the large operand
#define BLOCK 512 // columns of `out` per pass in ck_skinny_ab (GROUP·BLOCK floats stay in L1)

typedef float v8 __attribute__((vector_size(32)));
#define VLOAD(dst, p) memcpy(&(dst), (p), sizeof(v8))
#define VSTORE(p, v) memcpy((p), &(v), sizeof(v8))

// A macro, not a function: passing a 32-byte vector by value changes the ABI on the baseline ISA.
#define HSUM(v) ((((v)[0] + (v)[4]) + ((v)[1] + (v)[5])) + (((v)[2] + (v)[6]) + ((v)[3] + (v)[7])))

// out[r, j] = Σ_i a[r, i]·w[j, i] for R rows of a and weight rows j in [jb, je).
INLINE void abt_group(const int R, float *out, size_t ldo, const float *a, const float *w, size_t k,
                      size_t jb, size_t je) {
    const size_t k8 = k & ~(size_t)7;
    for (size_t j = jb; j < je; j++) {
        const float *wj = w + j * k;
        v8 acc[GROUP] = {{0}};
        for (size_t i = 0; i < k8; i += 8) {
            v8 wv;
            VLOAD(wv, wj + i);
            for (int r = 0; r < R; r++) {
                v8 av;
                VLOAD(av, a + (size_t)r * k + i);
                acc[r] += av * wv;
            }
        }
        for (int r = 0; r < R; r++) {
            float s = HSUM(acc[r]);
            for (size_t i = k8; i < k; i++) s += a[(size_t)r * k + i] * wj[i];
            out[(size_t)r * ldo + j] = s;
        }
    }
}

// out[r, i] = Σ_j a[r, j]·w[j, i] for R rows of a (lda = m) and columns i in [ib, ie).
INLINE void ab_group(const int R, float *out, size_t ldo, const float *a, size_t m, const float *w, size_t n,
                     size_t ib, size_t ie) {
    for (size_t b0 = ib; b0 < ie; b0 += BLOCK) {
        const size_t b1 = b0 + BLOCK < ie ? b0 + BLOCK : ie;
        const size_t b8 = b0 + ((b1 - b0) & ~(size_t)7);
        for (int r = 0; r < R; r++) memset(out + (size_t)r * ldo + b0, 0, (b1 - b0) * sizeof(float));
        for (size_t j = 0; j < m; j++) {
            const float *wj = w + j * n;
            float s[GROUP];
            for (int r = 0; r < R; r++) s[r] = a[(size_t)r * m + j];
            for (size_t i = b0; i < b8; i += 8) {
                v8 wv;
                VLOAD(wv, wj + i);
                for (int r = 0; r < R; r++) {
                    v8 o;
                    VLOAD(o, out + (size_t)r * ldo + i);
                    o += s[r] * wv;
                    VSTORE(out + (size_t)r * ldo + i, o);
                }
            }
            for (size_t i = b8; i < b1; i++)
                for (int r = 0; r < R; r++) out[(size_t)r * ldo + i] += s[r] * wj[i];
        }
    }
}

// d[j, i] = Σ_r y[r, j]·x[r, i] over all `rows` rows, for j in [jb, je).
INLINE void atb_rows(float *d, const float *y, size_t m, const float *x, size_t n, size_t rows, size_t jb, size_t je) {
    const size_t n8 = n & ~(size_t)7;
    for (size_t j = jb; j < je; j++) {
        float *dj = d + j * n;
        for (size_t i = 0; i < n8; i += 8) {
            v8 acc = {0};
            for (size_t r = 0; r < rows; r++) {
                v8 xv;
                VLOAD(xv, x + r * n + i);
                acc += y[r * m + j] * xv;
            }
            VSTORE(dj + i, acc);
        }
        for (size_t i = n8; i < n; i++) {
            float s = 0;
            for (size_t r = 0; r < rows; r++) s += y[r * m + j] * x[r * n + i];
            dj[i] = s;
        }
    }
}

// Runs CALL(R) over `rows` in groups of up to GROUP rows, R the group's row count as a constant (so
// that the always-inline group kernels unroll their row loops); r0 is the group's first row.
#define FOR_ROW_GROUPS(rows, CALL)                                                                       \
    for (size_t r0 = 0; r0 < (rows); r0 += GROUP) {                                                      \
        switch ((rows) - r0 < GROUP ? (rows) - r0 : GROUP) {                                             \
        case 1: CALL(1); break;                                                                          \
        case 2: CALL(2); break;                                                                          \
        case 3: CALL(3); break;                                                                          \
        default: CALL(4); break;                                                                         \
        }                                                                                                \
    }
#define ABT_GROUP(R) abt_group(R, out + r0 * n, n, a + r0 * k, w, k, jb, je)
#define AB_GROUP(R) ab_group(R, out + r0 * n, n, a + r0 * m, m, w, n, ib, ie)

#define SKINNY_BODIES(SUFFIX, ATTR)                                                                      \
    ATTR static void abt_##SUFFIX(float *out, const float *a, const float *w, size_t rows, size_t k, size_t n, \
                                  size_t jb, size_t je) {                                                 \
        FOR_ROW_GROUPS(rows, ABT_GROUP)                                                                   \
    }                                                                                                     \
    ATTR static void ab_##SUFFIX(float *out, const float *a, const float *w, size_t rows, size_t m, size_t n, \
                                 size_t ib, size_t ie) {                                                  \
        FOR_ROW_GROUPS(rows, AB_GROUP)                                                                    \
    }                                                                                                     \
    ATTR static void atb_##SUFFIX(float *d, const float *y, const float *x, size_t rows, size_t m, size_t n, \
                                  size_t jb, size_t je) {                                                 \
        atb_rows(d, y, m, x, n, rows, jb, je);                                                            \
    }

#if CK_X86
SKINNY_BODIES(avx2, __attribute__((target("avx2,fma"))))
#endif
SKINNY_BODIES(base, )

void ck_skinny_abt(float *out, const float *a, const float *w, size_t rows, size_t k, size_t n, size_t jb, size_t je) {
#if CK_X86
    if (ck_cpu_avx2_fma()) { abt_avx2(out, a, w, rows, k, n, jb, je); return; }
#endif
    abt_base(out, a, w, rows, k, n, jb, je);
}

void ck_skinny_ab(float *out, const float *a, const float *w, size_t rows, size_t m, size_t n, size_t ib, size_t ie) {
#if CK_X86
    if (ck_cpu_avx2_fma()) { ab_avx2(out, a, w, rows, m, n, ib, ie); return; }
#endif
    ab_base(out, a, w, rows, m, n, ib, ie);
}

void ck_skinny_atb(float *d, const float *y, const float *x, size_t rows, size_t m, size_t n, size_t jb, size_t je) {
#if CK_X86
    if (ck_cpu_avx2_fma()) { atb_avx2(d, y, x, rows, m, n, jb, je); return; }
#endif
    atb_base(d, y, x, rows, m, n, jb, je);
}
