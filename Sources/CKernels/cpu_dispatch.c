// Run-time CPU dispatch shared by the checksum (checksum.c), float conversion (float_convert.c),
// skinny product (skinny.c), Winograd (winograd.c, winograd_s2.c) and Adam (adam.c) kernels: each
// probe runs once and is cached, so every dispatched function agrees on the path it takes.
#include "ck_dispatch.h"

#if defined(__x86_64__) || defined(__i386__)
#define CK_X86 1
#endif

// `*slot` once `probe` has run (slots start at -1; a race runs the probe twice, same answer).
static int cached(int *slot, int (*probe)(void)) {
    int value = __atomic_load_n(slot, __ATOMIC_RELAXED);
    if (value >= 0) return value;
    value = probe();
    __atomic_store_n(slot, value, __ATOMIC_RELAXED);
    return value;
}

static int probe_checksum_level(void) {
#if CK_X86
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("f16c") &&
        __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse4.1"))
        return __builtin_cpu_supports("avx512f") ? 2 : 1;
#endif
    return 0;
}

static int probe_avx2_fma(void) {
#if CK_X86
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
    return 0;
#endif
}

static int probe_avx512f(void) {
#if CK_X86
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f");
#else
    return 0;
#endif
}

static int probe_wino_best(void) {
#if CK_X86
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) return 2;
#endif
    return ck_cpu_avx2_fma();
}

static int ck_level = -1, ck_avx2_fma = -1, ck_avx512f = -1, ck_wino_best = -1;
static _Thread_local int ck_wino_cap = -1;

int ck_checksum_dispatch_level(void) { return cached(&ck_level, probe_checksum_level); }

int ck_cpu_avx2_fma(void) { return cached(&ck_avx2_fma, probe_avx2_fma); }

int ck_cpu_avx512f(void) { return cached(&ck_avx512f, probe_avx512f); }

int ck_wino_isa(void) {
    const int best = cached(&ck_wino_best, probe_wino_best);
    return ck_wino_cap >= 0 && ck_wino_cap < best ? ck_wino_cap : best;
}

int ck_wino_cap_isa(int level) {
    ck_wino_cap = level;
    return ck_wino_isa();
}
