#ifndef CK_CHECKSUM_H
#define CK_CHECKSUM_H
#include <stddef.h>
#include <stdint.h>

// Checksums, byte shuffle and float format conversions used by the checkpoint container (.pzck).
// Every function is pure and thread-safe; the dispatched ones pick the widest instruction set the
// CPU has at run time and give bit-identical results to their `_scalar` twins, which are exported so
// that tests can compare the two paths.

// --- CRC-32 (ISO-HDLC: the zlib / PNG / Python `zlib.crc32` CRC; reflected polynomial 0xEDB88320,
// initial value and final XOR 0xFFFFFFFF). `crc` is the value returned for the preceding bytes
// (0 to start), so ck_crc32(ck_crc32(0, a, n), b, m) == CRC of a followed by b.
uint32_t ck_crc32(uint32_t crc, const void *data, size_t n);
uint32_t ck_crc32_scalar(uint32_t crc, const void *data, size_t n);

// --- SHA-256 (FIPS 180-4), incremental.
typedef struct {
    uint32_t state[8];
    uint64_t length;       // bytes hashed so far
    uint8_t block[64];
    size_t used;           // bytes waiting in `block`
} ck_sha256_ctx;
void ck_sha256_init(ck_sha256_ctx *ctx);
void ck_sha256_update(ck_sha256_ctx *ctx, const void *data, size_t n);
void ck_sha256_final(ck_sha256_ctx *ctx, uint8_t digest[32]);

// --- Byte shuffle with item size k (1..255) over n items:
// shuffled[j*n + i] = raw[i*k + j] for 0 <= i < n, 0 <= j < k. `dst` and `src` must not overlap.
void ck_byte_shuffle(uint8_t *dst, const uint8_t *src, size_t n, size_t k);
void ck_byte_unshuffle(uint8_t *dst, const uint8_t *src, size_t n, size_t k);
void ck_byte_shuffle_scalar(uint8_t *dst, const uint8_t *src, size_t n, size_t k);
void ck_byte_unshuffle_scalar(uint8_t *dst, const uint8_t *src, size_t n, size_t k);

// --- Float conversions. Narrowing rounds to nearest, ties to even; overflow gives infinity;
// NaN stays NaN (quiet, sign and top payload bits kept); F16 subnormals are produced and read
// exactly. Widening is exact. BF16 is the top half of a binary32.
void ck_f32_to_f16(uint16_t *dst, const float *src, size_t n);
void ck_f16_to_f32(float *dst, const uint16_t *src, size_t n);
void ck_f32_to_bf16(uint16_t *dst, const float *src, size_t n);
void ck_bf16_to_f32(float *dst, const uint16_t *src, size_t n);
void ck_f32_to_f16_scalar(uint16_t *dst, const float *src, size_t n);
void ck_f16_to_f32_scalar(float *dst, const uint16_t *src, size_t n);
void ck_f32_to_bf16_scalar(uint16_t *dst, const float *src, size_t n);
void ck_bf16_to_f32_scalar(float *dst, const uint16_t *src, size_t n);

/// Which vector path the dispatched functions use on this CPU: 0 scalar / baseline,
/// 1 F16C + AVX2 + PCLMUL, 2 AVX-512F (+ PCLMUL). For logs and tests.
int ck_checksum_dispatch_level(void);

#endif
