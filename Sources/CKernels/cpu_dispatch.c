// Run-time CPU dispatch shared by the checksum (checksum.c), float conversion (float_convert.c),
// skinny product (skinny.c) and Winograd (winograd.c, winograd_s2.c) kernels: one probe, cached, so every dispatched function agrees on the path it takes.
#include "ck_dispatch.h"

#if defined(__x86_64__) || defined(__i386__)
#define CK_X86 1
#endif

static int ck_level = -1;

int ck_checksum_dispatch_level(void) {
    int level = __atomic_load_n(&ck_level, __ATOMIC_RELAXED);
    if (level >= 0) return level;
    level = 0;
#if CK_X86
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("f16c") &&
        __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse4.1")) {
        level = 1;
        if (__builtin_cpu_supports("avx512f")) level = 2;
    }
#endif
    __atomic_store_n(&ck_level, level, __ATOMIC_RELAXED);
    return level;
}

static int ck_avx2_fma = -1;

int ck_cpu_avx2_fma(void) {
    int has = __atomic_load_n(&ck_avx2_fma, __ATOMIC_RELAXED);
    if (has >= 0) return has;
    has = 0;
#if CK_X86
    __builtin_cpu_init();
    has = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#endif
    __atomic_store_n(&ck_avx2_fma, has, __ATOMIC_RELAXED);
    return has;
}

static int ck_wino_best = -1;
static _Thread_local int ck_wino_cap = -1;

static int wino_best(void) {
    int level = __atomic_load_n(&ck_wino_best, __ATOMIC_RELAXED);
    if (level >= 0) return level;
    level = 0;
#if CK_X86
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) level = 2;
    else if (ck_cpu_avx2_fma()) level = 1;
#endif
    __atomic_store_n(&ck_wino_best, level, __ATOMIC_RELAXED);
    return level;
}

int ck_wino_isa(void) {
    const int best = wino_best();
    return ck_wino_cap >= 0 && ck_wino_cap < best ? ck_wino_cap : best;
}

int ck_wino_cap_isa(int level) {
    ck_wino_cap = level;
    return ck_wino_isa();
}
