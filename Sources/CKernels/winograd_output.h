// The output side of a Winograd kernel set, shared by the stride-1 F(m×m, 4×4) sets
// (winograd_tile.h) and the stride-2 phase sets F(m×m, 2×2) (winograd_s2_tile.h): the output
// transform Y = Aᵀ·M·A of m×m tiles (+ bias) and its adjoint Z = A·dY·Aᵀ. The includer defines
// OUT_M (output tile side m), OUT_N (transformed tile side n), OUT_AT (Aᵀ, m × n), OUT_A (A, n × m)
// and OUT_IMPL(name) (the kernel bodies' names); this file undefines them.
#define OUT_E (OUT_N * OUT_N)

// NHWC y [n, oh, ow, k] = Aᵀ·M·A (+ bias, may be NULL) of tiles [t_begin, t_end) from planes m
// [OUT_E][rows][k] (tile t in row t − base).
INLINE void OUT_IMPL(output)(const int isa, float *y, const float *m, const float *bias, size_t n, size_t oh, size_t ow,
                             size_t k, size_t th, size_t tw, size_t t_begin, size_t t_end, size_t base, size_t rows) {
    const size_t plane = ck_wino_plane(rows, k);
    const v16 zero = {0};
    for (size_t t = t_begin; t < t_end; t++) {
        const size_t img = t / (th * tw), ty = (t / tw) % th, tx = t % tw;
        for (size_t k0 = 0; k0 < k; k0 += LANES) {
            v16 mm[OUT_N][OUT_N], r[OUT_M][OUT_N], o[OUT_M][OUT_M];
            for (int e = 0; e < OUT_E; e++) VLOAD(mm[e / OUT_N][e % OUT_N], m + (size_t)e * plane + (t - base) * k + k0);
            LEFT(r, OUT_AT, mm, OUT_M, OUT_N, OUT_N)
            RIGHT_T(o, r, OUT_AT, OUT_M, OUT_N, OUT_M)
            v16 b = zero;
            if (bias) VLOAD(b, bias + k0);
            for (int i = 0; i < OUT_M; i++)
                for (int j = 0; j < OUT_M; j++) {
                    const size_t oy = OUT_M * ty + (size_t)i, ox = OUT_M * tx + (size_t)j;
                    if (oy >= oh || ox >= ow) continue;
                    const v16 out = o[i][j] + b;
                    VSTORE(y + ((img * oh + oy) * ow + ox) * k + k0, out);
                }
        }
    }
}

// z [OUT_E][rows][k] = A·dY·Aᵀ of each m×m tile of NHWC dy (zero outside): the output transform's
// adjoint.
INLINE void OUT_IMPL(grad_output)(const int isa, float *z, const float *dy, size_t n, size_t oh, size_t ow, size_t k,
                                  size_t th, size_t tw, size_t t_begin, size_t t_end, size_t base, size_t rows) {
    const size_t plane = ck_wino_plane(rows, k);
    const v16 zero = {0};
    for (size_t t = t_begin; t < t_end; t++) {
        const size_t img = t / (th * tw), ty = (t / tw) % th, tx = t % tw;
        for (size_t k0 = 0; k0 < k; k0 += LANES) {
            v16 g[OUT_M][OUT_M], r[OUT_N][OUT_M], o[OUT_N][OUT_N];
            for (int i = 0; i < OUT_M; i++)
                for (int j = 0; j < OUT_M; j++) {
                    const size_t oy = OUT_M * ty + (size_t)i, ox = OUT_M * tx + (size_t)j;
                    if (oy < oh && ox < ow)
                        VLOAD(g[i][j], dy + ((img * oh + oy) * ow + ox) * k + k0);
                    else
                        g[i][j] = zero;
                }
            LEFT(r, OUT_A, g, OUT_N, OUT_M, OUT_M)
            RIGHT_T(o, r, OUT_A, OUT_N, OUT_M, OUT_N)
            for (int e = 0; e < OUT_E; e++) VSTORE(z + (size_t)e * plane + (t - base) * k + k0, o[e / OUT_N][e % OUT_N]);
        }
    }
}

#undef OUT_E
#undef OUT_M
#undef OUT_N
#undef OUT_AT
#undef OUT_A
#undef OUT_IMPL
