#ifndef CK_FLOAT_CONVERT_H
#define CK_FLOAT_CONVERT_H
#include <stddef.h>
#include <stdint.h>

// float16 / bfloat16 conversions used by the checkpoint container (.pzck). Every function is pure
// and thread-safe; the dispatched ones pick the widest instruction set the CPU has at run time
// (ck_dispatch.h) and give bit-identical results to their `_scalar` twins, which are exported so
// that tests can compare the two paths.

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

#endif
