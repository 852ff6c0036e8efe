#ifndef CK_CHECKSUM_H
#define CK_CHECKSUM_H
#include <stddef.h>
#include <stdint.h>

// Checksums used by the checkpoint container (.pzck). Every function is pure and thread-safe;
// ck_crc32 picks the widest instruction set the CPU has at run time (ck_dispatch.h) and gives
// bit-identical results to its `_scalar` twin, which is exported so that tests can compare the two
// paths. Byte shuffle: ck_shuffle.h; float16 / bfloat16 conversions: ck_float_convert.h.

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

#endif
