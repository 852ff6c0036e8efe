// float16 / bfloat16 conversions for the .pzck checkpoint container. Vector paths are chosen at run
// time (ck_checksum_dispatch_level, cpu_dispatch.c) and are bit-identical to the scalar ones; tests
// compare both. See Docs/Pix2PixZoo.docc/CheckpointFormat.md for the definitions.
#include "ck_float_convert.h"
#include "ck_dispatch.h"
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#define CK_X86 1
#include <immintrin.h>
#endif

// ---------------------------------------------------------------------------------------------
// float16 (IEEE binary16)

static inline uint16_t f32_to_f16_one(float f) {
    uint32_t x;
    memcpy(&x, &f, 4);
    uint32_t sign = (x >> 16) & 0x8000u;
    uint32_t a = x & 0x7FFFFFFFu;
    if (a > 0x7F800000u) return (uint16_t)(sign | 0x7E00u | ((a >> 13) & 0x3FFu));  // NaN, quieted
    if (a >= 0x477FF000u) return (uint16_t)(sign | 0x7C00u);  // >= 65520 rounds to infinity
    if (a >= 0x38800000u) {                                    // normal half (>= 2^-14)
        uint32_t h = (a - 0x38000000u) >> 13;
        uint32_t r = a & 0x1FFFu;
        if (r > 0x1000u || (r == 0x1000u && (h & 1u))) h++;
        return (uint16_t)(sign | h);
    }
    if (a < 0x33000000u) return (uint16_t)sign;  // < 2^-25 (2^-25 itself ties to even zero)
    uint32_t e = a >> 23;                        // 102 ... 112
    uint32_t m = (a & 0x7FFFFFu) | 0x800000u;
    uint32_t s = 126u - e;                       // 14 ... 24
    uint32_t q = m >> s, r = m & ((1u << s) - 1u), half = 1u << (s - 1u);
    if (r > half || (r == half && (q & 1u))) q++;
    return (uint16_t)(sign | q);
}

static inline float f16_to_f32_one(uint16_t h) {
    uint32_t sign = ((uint32_t)h & 0x8000u) << 16;
    uint32_t e = (h >> 10) & 0x1Fu, m = h & 0x3FFu, x;
    if (e == 0) {
        float v = (float)m * 0x1p-24f;  // exact: subnormal half -> normal float
        memcpy(&x, &v, 4);
        x |= sign;
    } else if (e == 31) {
        x = sign | 0x7F800000u | (m << 13) | (m ? 0x400000u : 0u);  // NaN comes back quiet
    } else {
        x = sign | ((e + 112u) << 23) | (m << 13);
    }
    float f;
    memcpy(&f, &x, 4);
    return f;
}

void ck_f32_to_f16_scalar(uint16_t *dst, const float *src, size_t n) {
    for (size_t i = 0; i < n; i++) dst[i] = f32_to_f16_one(src[i]);
}
void ck_f16_to_f32_scalar(float *dst, const uint16_t *src, size_t n) {
    for (size_t i = 0; i < n; i++) dst[i] = f16_to_f32_one(src[i]);
}

#if CK_X86
__attribute__((target("avx2,f16c")))
static void f32_to_f16_f16c(uint16_t *dst, const float *src, size_t n) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm_storeu_si128((__m128i *)(dst + i),
                         _mm256_cvtps_ph(_mm256_loadu_ps(src + i), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
    for (; i < n; i++) dst[i] = f32_to_f16_one(src[i]);
}
__attribute__((target("avx2,f16c")))
static void f16_to_f32_f16c(float *dst, const uint16_t *src, size_t n) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(dst + i, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(src + i))));
    for (; i < n; i++) dst[i] = f16_to_f32_one(src[i]);
}
__attribute__((target("avx512f")))
static void f32_to_f16_avx512(uint16_t *dst, const float *src, size_t n) {
    size_t i = 0;
    for (; i + 16 <= n; i += 16)
        _mm256_storeu_si256((__m256i *)(dst + i),
                            _mm512_cvtps_ph(_mm512_loadu_ps(src + i), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
    for (; i < n; i++) dst[i] = f32_to_f16_one(src[i]);
}
__attribute__((target("avx512f")))
static void f16_to_f32_avx512(float *dst, const uint16_t *src, size_t n) {
    size_t i = 0;
    for (; i + 16 <= n; i += 16)
        _mm512_storeu_ps(dst + i, _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(src + i))));
    for (; i < n; i++) dst[i] = f16_to_f32_one(src[i]);
}
#endif

void ck_f32_to_f16(uint16_t *dst, const float *src, size_t n) {
#if CK_X86
    int level = ck_checksum_dispatch_level();
    if (level >= 2) { f32_to_f16_avx512(dst, src, n); return; }
    if (level >= 1) { f32_to_f16_f16c(dst, src, n); return; }
#endif
    ck_f32_to_f16_scalar(dst, src, n);
}

void ck_f16_to_f32(float *dst, const uint16_t *src, size_t n) {
#if CK_X86
    int level = ck_checksum_dispatch_level();
    if (level >= 2) { f16_to_f32_avx512(dst, src, n); return; }
    if (level >= 1) { f16_to_f32_f16c(dst, src, n); return; }
#endif
    ck_f16_to_f32_scalar(dst, src, n);
}

// ---------------------------------------------------------------------------------------------
// bfloat16: integer rounding on the bit pattern (branch-free, so the compiler vectorises it; the
// AVX512-BF16 instruction is avoided on purpose because it flushes subnormals).

static inline uint16_t f32_to_bf16_one(uint32_t x) {
    uint32_t rounded = (x + 0x7FFFu + ((x >> 16) & 1u)) >> 16;
    uint32_t nan = (x >> 16) | 0x40u;
    return (uint16_t)((x & 0x7FFFFFFFu) > 0x7F800000u ? nan : rounded);
}

#define BF16_NARROW_BODY                                      \
    for (size_t i = 0; i < n; i++) {                          \
        uint32_t x;                                           \
        memcpy(&x, src + i, 4);                               \
        dst[i] = f32_to_bf16_one(x);                          \
    }
#define BF16_WIDEN_BODY                                       \
    for (size_t i = 0; i < n; i++) {                          \
        uint32_t x = (uint32_t)src[i] << 16;                  \
        memcpy(dst + i, &x, 4);                               \
    }

void ck_f32_to_bf16_scalar(uint16_t *dst, const float *src, size_t n) { BF16_NARROW_BODY }
void ck_bf16_to_f32_scalar(float *dst, const uint16_t *src, size_t n) { BF16_WIDEN_BODY }

#if CK_X86
__attribute__((target("avx512f,avx512bw")))
static void f32_to_bf16_avx512(uint16_t *dst, const float *src, size_t n) { BF16_NARROW_BODY }
__attribute__((target("avx512f,avx512bw")))
static void bf16_to_f32_avx512(float *dst, const uint16_t *src, size_t n) { BF16_WIDEN_BODY }
__attribute__((target("avx2")))
static void f32_to_bf16_avx2(uint16_t *dst, const float *src, size_t n) { BF16_NARROW_BODY }
__attribute__((target("avx2")))
static void bf16_to_f32_avx2(float *dst, const uint16_t *src, size_t n) { BF16_WIDEN_BODY }
#endif

void ck_f32_to_bf16(uint16_t *dst, const float *src, size_t n) {
#if CK_X86
    int level = ck_checksum_dispatch_level();
    if (level >= 2 && __builtin_cpu_supports("avx512bw")) { f32_to_bf16_avx512(dst, src, n); return; }
    if (level >= 1) { f32_to_bf16_avx2(dst, src, n); return; }
#endif
    ck_f32_to_bf16_scalar(dst, src, n);
}

void ck_bf16_to_f32(float *dst, const uint16_t *src, size_t n) {
#if CK_X86
    int level = ck_checksum_dispatch_level();
    if (level >= 2 && __builtin_cpu_supports("avx512bw")) { bf16_to_f32_avx512(dst, src, n); return; }
    if (level >= 1) { bf16_to_f32_avx2(dst, src, n); return; }
#endif
    ck_bf16_to_f32_scalar(dst, src, n);
}
