// Byte shuffle for the .pzck checkpoint container (the chunk filter that groups the k-th byte of
// every item together before compression). See Docs/Pix2PixZoo.docc/CheckpointFormat.md.
#include "ck_shuffle.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

// ---------------------------------------------------------------------------------------------
// Byte shuffle. Item sizes 2 and 4 (our dtypes) have SSE2 paths (baseline on x86-64).

void ck_byte_shuffle_scalar(uint8_t *dst, const uint8_t *src, size_t n, size_t k) {
    for (size_t j = 0; j < k; j++)
        for (size_t i = 0; i < n; i++) dst[j * n + i] = src[i * k + j];
}

void ck_byte_unshuffle_scalar(uint8_t *dst, const uint8_t *src, size_t n, size_t k) {
    for (size_t j = 0; j < k; j++)
        for (size_t i = 0; i < n; i++) dst[i * k + j] = src[j * n + i];
}

void ck_byte_shuffle(uint8_t *dst, const uint8_t *src, size_t n, size_t k) {
    size_t i = 0;
#if defined(__SSE2__)
    const __m128i lo = _mm_set1_epi16(0x00FF);
    if (k == 2) {
        for (; i + 16 <= n; i += 16) {  // 16 items = 32 bytes -> 16 bytes per plane
            __m128i a = _mm_loadu_si128((const __m128i *)(src + 2 * i));
            __m128i b = _mm_loadu_si128((const __m128i *)(src + 2 * i + 16));
            __m128i even = _mm_packus_epi16(_mm_and_si128(a, lo), _mm_and_si128(b, lo));
            __m128i odd = _mm_packus_epi16(_mm_srli_epi16(a, 8), _mm_srli_epi16(b, 8));
            _mm_storeu_si128((__m128i *)(dst + i), even);
            _mm_storeu_si128((__m128i *)(dst + n + i), odd);
        }
    } else if (k == 4) {
        for (; i + 16 <= n; i += 16) {  // 16 items = 64 bytes -> 16 bytes per plane
            const uint8_t *s = src + 4 * i;
            __m128i x0 = _mm_loadu_si128((const __m128i *)s), x1 = _mm_loadu_si128((const __m128i *)(s + 16));
            __m128i x2 = _mm_loadu_si128((const __m128i *)(s + 32)), x3 = _mm_loadu_si128((const __m128i *)(s + 48));
            // Bytes 0,2 and 1,3 of each item, then split those again.
            __m128i e01 = _mm_packus_epi16(_mm_and_si128(x0, lo), _mm_and_si128(x1, lo));
            __m128i o01 = _mm_packus_epi16(_mm_srli_epi16(x0, 8), _mm_srli_epi16(x1, 8));
            __m128i e23 = _mm_packus_epi16(_mm_and_si128(x2, lo), _mm_and_si128(x3, lo));
            __m128i o23 = _mm_packus_epi16(_mm_srli_epi16(x2, 8), _mm_srli_epi16(x3, 8));
            __m128i p0 = _mm_packus_epi16(_mm_and_si128(e01, lo), _mm_and_si128(e23, lo));
            __m128i p2 = _mm_packus_epi16(_mm_srli_epi16(e01, 8), _mm_srli_epi16(e23, 8));
            __m128i p1 = _mm_packus_epi16(_mm_and_si128(o01, lo), _mm_and_si128(o23, lo));
            __m128i p3 = _mm_packus_epi16(_mm_srli_epi16(o01, 8), _mm_srli_epi16(o23, 8));
            _mm_storeu_si128((__m128i *)(dst + i), p0);
            _mm_storeu_si128((__m128i *)(dst + n + i), p1);
            _mm_storeu_si128((__m128i *)(dst + 2 * n + i), p2);
            _mm_storeu_si128((__m128i *)(dst + 3 * n + i), p3);
        }
    }
#endif
    for (size_t j = 0; j < k; j++)
        for (size_t t = i; t < n; t++) dst[j * n + t] = src[t * k + j];
}

void ck_byte_unshuffle(uint8_t *dst, const uint8_t *src, size_t n, size_t k) {
    size_t i = 0;
#if defined(__SSE2__)
    if (k == 2) {
        for (; i + 16 <= n; i += 16) {
            __m128i a = _mm_loadu_si128((const __m128i *)(src + i));
            __m128i b = _mm_loadu_si128((const __m128i *)(src + n + i));
            _mm_storeu_si128((__m128i *)(dst + 2 * i), _mm_unpacklo_epi8(a, b));
            _mm_storeu_si128((__m128i *)(dst + 2 * i + 16), _mm_unpackhi_epi8(a, b));
        }
    } else if (k == 4) {
        for (; i + 16 <= n; i += 16) {
            __m128i a = _mm_loadu_si128((const __m128i *)(src + i));
            __m128i b = _mm_loadu_si128((const __m128i *)(src + n + i));
            __m128i c = _mm_loadu_si128((const __m128i *)(src + 2 * n + i));
            __m128i d = _mm_loadu_si128((const __m128i *)(src + 3 * n + i));
            __m128i ab_lo = _mm_unpacklo_epi8(a, b), ab_hi = _mm_unpackhi_epi8(a, b);
            __m128i cd_lo = _mm_unpacklo_epi8(c, d), cd_hi = _mm_unpackhi_epi8(c, d);
            uint8_t *o = dst + 4 * i;
            _mm_storeu_si128((__m128i *)o, _mm_unpacklo_epi16(ab_lo, cd_lo));
            _mm_storeu_si128((__m128i *)(o + 16), _mm_unpackhi_epi16(ab_lo, cd_lo));
            _mm_storeu_si128((__m128i *)(o + 32), _mm_unpacklo_epi16(ab_hi, cd_hi));
            _mm_storeu_si128((__m128i *)(o + 48), _mm_unpackhi_epi16(ab_hi, cd_hi));
        }
    }
#endif
    for (size_t j = 0; j < k; j++)
        for (size_t t = i; t < n; t++) dst[t * k + j] = src[j * n + t];
}
