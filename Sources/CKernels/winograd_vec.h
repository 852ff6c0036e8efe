// Shared by the Winograd kernels (winograd.c, winograd_s2.c): 16-channel vectors, small
// constant-matrix products on tiles of them, a 16×16 transpose, and run-time ISA dispatch.
#ifndef CK_WINOGRAD_VEC_H
#define CK_WINOGRAD_VEC_H

#include <string.h>

#include "ck_dispatch.h"

#define LANES 16

#define INLINE static inline __attribute__((always_inline))

// 16 channels as one vector (GCC / clang vector extension): one zmm register under AVX-512, four
// xmm ones on the baseline ISA. Written with explicit vectors because the auto-vectoriser turned
// 16-lane loops into gathers and scatters (the adjoint kernels ran 5× slower than the others).
typedef float v16 __attribute__((vector_size(64)));

// Unaligned loads and stores (macros: passing a 64-byte vector by value to a function changes the
// ABI on the baseline ISA).
#define VLOAD(dst, p) memcpy(&(dst), (p), sizeof(v16))
#define VSTORE(p, v) memcpy((p), &(v), sizeof(v16))
// A whole-cache-line store that bypasses the caches (no read for ownership), for outputs far larger
// than the caches that nothing reads soon; `p` must be 64-byte aligned. STREAM_FENCE orders the
// streamed stores before the function returns (other threads read them after the loop's join).
#define VSTREAM(p, v) __builtin_nontemporal_store((v), (v16 *)(void *)(p))
#if defined(__x86_64__) || defined(__i386__)
#define STREAM_FENCE() __builtin_ia32_sfence()
#else
#define STREAM_FENCE() ((void)0)
#endif

// dst = Σ_s COEF·TERM over s_ = 0..S−1 (COEF a compile-time constant, TERM a v16, both written
// in terms of s_), skipping zero coefficients: shared by LEFT and RIGHT_T.
#define SPARSE_SUM(dst, S, COEF, TERM)                                  \
    do {                                                                \
        v16 acc_ = {0};                                                 \
        int first_ = 1;                                                 \
        for (int s_ = 0; s_ < (S); s_++) {                              \
            if ((COEF) == 0.0f) continue;                               \
            if (first_) acc_ = (COEF) * (TERM);                         \
            else acc_ += (COEF) * (TERM);                               \
            first_ = 0;                                                 \
        }                                                               \
        (dst) = acc_;                                                   \
    } while (0)
// out[r][q] = Σ_s m[r][s]·in[s][q] (left multiply); m is R×S, in is S×Q. The matrices are
// compile-time constants and the loops unroll, so a term whose coefficient is zero drops out and
// each sum starts at its first term instead of at 0: the transform matrices are a third to a half
// zeros (the compiler may not drop 0·x itself: it is not 0 for an infinite or NaN x), and the
// transforms ran 10–40 % faster (AVX2). Same results for finite inputs, up to the sign of a zero.
#define LEFT(out, m, in, R, S, Q)                                       \
    for (int r_ = 0; r_ < (R); r_++)                                    \
        for (int q_ = 0; q_ < (Q); q_++) SPARSE_SUM((out)[r_][q_], S, (m)[r_][s_], (in)[s_][q_]);
// out[r][q] = Σ_s in[r][s]·m[q][s] (right multiply by mᵀ); m is Q×S. Zero terms drop out as in LEFT.
#define RIGHT_T(out, in, m, R, S, Q)                                    \
    for (int r_ = 0; r_ < (R); r_++)                                    \
        for (int q_ = 0; q_ < (Q); q_++) SPARSE_SUM((out)[r_][q_], S, (m)[q_][s_], (in)[r_][s_]);

// Transposes 16 vectors of 16 lanes in place (rows ↔ lanes), for the build `isa` (a constant: the
// other branch drops out). AVX-512: four stages of two-vector shuffles (one vpermt2ps each); stage B
// exchanges bit B of the row index with bit B of the lane index. Other builds: without 16-lane
// registers the compiler moved those shuffles one float at a time (1 000 scalar moves per
// transpose), so there the matrix goes as 16 blocks of 4×4, each transposed with four unpacks and
// four 64-bit moves of 4-lane vectors (a 16×16 transpose 181 → 130 ns, AVX2).
#define SHUF_LO_1 0, 16, 2, 18, 4, 20, 6, 22, 8, 24, 10, 26, 12, 28, 14, 30
#define SHUF_HI_1 1, 17, 3, 19, 5, 21, 7, 23, 9, 25, 11, 27, 13, 29, 15, 31
#define SHUF_LO_2 0, 1, 16, 17, 4, 5, 20, 21, 8, 9, 24, 25, 12, 13, 28, 29
#define SHUF_HI_2 2, 3, 18, 19, 6, 7, 22, 23, 10, 11, 26, 27, 14, 15, 30, 31
#define SHUF_LO_4 0, 1, 2, 3, 16, 17, 18, 19, 8, 9, 10, 11, 24, 25, 26, 27
#define SHUF_HI_4 4, 5, 6, 7, 20, 21, 22, 23, 12, 13, 14, 15, 28, 29, 30, 31
#define SHUF_LO_8 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23
#define SHUF_HI_8 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31
#define TRANSPOSE_STAGE(rows, B)                                                          \
    for (int r_ = 0; r_ < 16; r_++) {                                                     \
        if (r_ & (B)) continue;                                                           \
        const v16 a_ = (rows)[r_], b_ = (rows)[r_ | (B)];                                 \
        (rows)[r_] = __builtin_shufflevector(a_, b_, SHUF_LO_##B);                        \
        (rows)[r_ | (B)] = __builtin_shufflevector(a_, b_, SHUF_HI_##B);                  \
    }
typedef float v4 __attribute__((vector_size(16)));
#define TRANSPOSE16_BY_4X4(rows)                                                          \
    do {                                                                                  \
        v16 out_[16];                                                                     \
        const float *in_ = (const float *)(rows);                                         \
        float *o_ = (float *)out_;                                                        \
        for (int I_ = 0; I_ < 4; I_++)                                                    \
            for (int J_ = 0; J_ < 4; J_++) {                                              \
                /* Block (I, J): rows 4I.., lanes 4J..; it lands at rows 4J.., lanes 4I... */ \
                v4 a_[4], c_[4];                                                          \
                for (int k_ = 0; k_ < 4; k_++) memcpy(&a_[k_], in_ + (4 * I_ + k_) * 16 + 4 * J_, 16); \
                const v4 t0_ = __builtin_shufflevector(a_[0], a_[1], 0, 4, 1, 5);         \
                const v4 t1_ = __builtin_shufflevector(a_[0], a_[1], 2, 6, 3, 7);         \
                const v4 t2_ = __builtin_shufflevector(a_[2], a_[3], 0, 4, 1, 5);         \
                const v4 t3_ = __builtin_shufflevector(a_[2], a_[3], 2, 6, 3, 7);         \
                c_[0] = __builtin_shufflevector(t0_, t2_, 0, 1, 4, 5);                    \
                c_[1] = __builtin_shufflevector(t0_, t2_, 2, 3, 6, 7);                    \
                c_[2] = __builtin_shufflevector(t1_, t3_, 0, 1, 4, 5);                    \
                c_[3] = __builtin_shufflevector(t1_, t3_, 2, 3, 6, 7);                    \
                for (int k_ = 0; k_ < 4; k_++) memcpy(o_ + (4 * J_ + k_) * 16 + 4 * I_, &c_[k_], 16); \
            }                                                                             \
        memcpy((rows), out_, sizeof(out_));                                               \
    } while (0)
#define TRANSPOSE16(rows, isa)                                                            \
    do {                                                                                  \
        if ((isa) == 2) {                                                                 \
            TRANSPOSE_STAGE(rows, 1) TRANSPOSE_STAGE(rows, 2) TRANSPOSE_STAGE(rows, 4) TRANSPOSE_STAGE(rows, 8) \
        } else {                                                                          \
            TRANSPOSE16_BY_4X4(rows);                                                     \
        }                                                                                 \
    } while (0)

// Each kernel three times: AVX-512, AVX2 + FMA (the 16 channels as two ymm registers; the baseline
// build spreads them over four xmm ones) and baseline, chosen at run time (WINO_PICK). The body
// `name##_impl` takes the build's level (2, 1, 0; a constant once inlined) first, then `args`.
#define WINO_UNPAREN(...) __VA_ARGS__
#define PER_ISA(name, params, args)                                                                          \
    __attribute__((target("avx512f"))) static void name##_avx512 params { name##_impl(2, WINO_UNPAREN args); } \
    __attribute__((target("avx2,fma"))) static void name##_avx2 params { name##_impl(1, WINO_UNPAREN args); }  \
    static void name##_base params { name##_impl(0, WINO_UNPAREN args); }

// The build for this call: ck_wino_isa() (ck_dispatch.h; 2 AVX-512, 1 AVX2 + FMA, 0 baseline).
#define WINO_PICK(name)                                                          \
    ({                                                                           \
        const int isa_ = ck_wino_isa();                                          \
        isa_ == 2 ? name##_avx512 : isa_ == 1 ? name##_avx2 : name##_base;       \
    })

#endif
