#ifndef CK_DISPATCH_H
#define CK_DISPATCH_H

// Run-time CPU dispatch of the checksum (ck_checksum.h), float conversion (ck_float_convert.h),
// skinny product, Winograd and Adam kernels. The probes run once and are cached.

/// Which vector path the dispatched functions use on this CPU: 0 scalar / baseline,
/// 1 F16C + AVX2 + PCLMUL, 2 AVX-512F (+ PCLMUL). For logs and tests.
int ck_checksum_dispatch_level(void);

/// Whether this CPU has AVX2 and FMA (the skinny products' and Winograd kernels' AVX2 builds). Probed once.
int ck_cpu_avx2_fma(void);

/// Whether this CPU has AVX-512F (the Adam kernel's vector build). Probed once.
int ck_cpu_avx512f(void);

/// The vector build the Winograd transform kernels (winograd.c, winograd_s2.c) run on this thread:
/// 2 AVX-512, 1 AVX2 + FMA, 0 baseline — the best this CPU has, or less where the thread capped it.
int ck_wino_isa(void);

/// Caps the Winograd kernels' build for calls made on this thread (-1: no cap), so that tests can
/// compare the builds on one CPU. Kernels run on other threads (a parallel loop's team) are not
/// affected. Returns the level they will now use on this thread.
int ck_wino_cap_isa(int level);

#endif
