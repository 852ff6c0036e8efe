#ifndef CK_DISPATCH_H
#define CK_DISPATCH_H

// Run-time CPU dispatch of the checksum (ck_checksum.h) and float conversion (ck_float_convert.h)
// kernels. The probe runs once and is cached.

/// Which vector path the dispatched functions use on this CPU: 0 scalar / baseline,
/// 1 F16C + AVX2 + PCLMUL, 2 AVX-512F (+ PCLMUL). For logs and tests.
int ck_checksum_dispatch_level(void);

/// Whether this CPU has AVX2 and FMA (the skinny products' vector path, skinny.c). Probed once.
int ck_cpu_avx2_fma(void);

#endif
