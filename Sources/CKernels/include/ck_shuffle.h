#ifndef CK_SHUFFLE_H
#define CK_SHUFFLE_H
#include <stddef.h>
#include <stdint.h>

// Byte shuffle, the chunk filter of the checkpoint container (.pzck). Pure and thread-safe; the
// plain functions take the SSE2 path for item sizes 2 and 4 and give bit-identical results to their
// `_scalar` twins, which are exported so that tests can compare the two paths.

// --- Byte shuffle with item size k (1..255) over n items:
// shuffled[j*n + i] = raw[i*k + j] for 0 <= i < n, 0 <= j < k. `dst` and `src` must not overlap.
void ck_byte_shuffle(uint8_t *dst, const uint8_t *src, size_t n, size_t k);
void ck_byte_unshuffle(uint8_t *dst, const uint8_t *src, size_t n, size_t k);
void ck_byte_shuffle_scalar(uint8_t *dst, const uint8_t *src, size_t n, size_t k);
void ck_byte_unshuffle_scalar(uint8_t *dst, const uint8_t *src, size_t n, size_t k);

#endif
