#ifndef CK_ELEMENTWISE_H
#define CK_ELEMENTWISE_H
#include <stddef.h>
#include <stdint.h>

// Plain float32 kernels over contiguous buffers. Every function takes (pointers, n) and is safe to
// call on disjoint sub-ranges from several threads. Compiled -O3 so the compiler vectorises them.

void ck_fill(float *dst, float value, size_t n);
void ck_copy(float *dst, const float *src, size_t n);
void ck_add(float *dst, const float *a, const float *b, size_t n);
void ck_sub(float *dst, const float *a, const float *b, size_t n);
void ck_mul(float *dst, const float *a, const float *b, size_t n);
void ck_div(float *dst, const float *a, const float *b, size_t n);
/// dst = a * s + t
void ck_affine(float *dst, const float *a, float s, float t, size_t n);
/// dst += a * s
void ck_axpy(float *dst, const float *a, float s, size_t n);
/// dst += a (in place accumulate)
void ck_acc(float *dst, const float *a, size_t n);
void ck_abs(float *dst, const float *a, size_t n);
/// dst = sign(a) * s (sign(0) = 0, as torch.sign)
void ck_sign_scaled(float *dst, const float *a, float s, size_t n);
void ck_exp(float *dst, const float *a, size_t n);
void ck_log(float *dst, const float *a, size_t n);
/// Sum in double precision, so that means over millions of elements stay exact to float precision.
double ck_sum(const float *a, size_t n);
double ck_sum_abs_diff(const float *a, const float *b, size_t n);
double ck_sum_sq_diff(const float *a, const float *b, size_t n);
/// Numerically stable BCE with logits summed: sum(max(x,0) - x*y + log1p(exp(-|x|))).
double ck_bce_logits_sum(const float *x, const float *y, size_t n);
/// d/dx of the summed BCE-with-logits, scaled: dst = (sigmoid(x) - y) * s.
void ck_bce_logits_grad(float *dst, const float *x, const float *y, float s, size_t n);
/// dst = (a > 0 ? b : 0) * (keep mask) used by dropout: dst = a * mask * scale
void ck_mask_scale(float *dst, const float *a, const float *mask, float scale, size_t n);

/// One fused Adam step (torch.optim.Adam, L2 weight decay folded into the gradient like torch):
/// m = b1*m + (1-b1)*g; v = b2*v + (1-b2)*g*g; p -= lr * (m / bc1) / (sqrt(v / bc2) + eps)
void ck_adam(float *p, const float *g, float *m, float *v, size_t n,
             float lr, float b1, float b2, float eps, float bc1, float bc2, float weight_decay);

/// ck_adam with an AVX-512 path chosen at run time (bit-identical results; adam.c).
void ck_adam_auto(float *p, const float *g, float *m, float *v, size_t n,
                  float lr, float b1, float b2, float eps, float bc1, float bc2, float weight_decay);

/// Channel-last (N*H*W rows of C channels) per-channel sums: out[c] += sum_rows x[r*c + c].
void ck_channel_sum(const float *x, size_t rows, size_t channels, double *out);
/// Copies a [rows, cols] block of src (row stride src_stride) to dst (row stride dst_stride).
void ck_copy_strided(float *dst, size_t dst_stride, const float *src, size_t src_stride,
                     size_t rows, size_t cols);
/// The weights of a stride-1 convolution's backward-data pass as a forward convolution:
/// dst[i][o][y][x] = src[o][i][kh-1-y][kw-1-x] (OIHW [out_c, in_c, kh, kw] → [in_c, out_c, kh, kw]).
/// Only output channels [o_begin, o_end) of src are read (threads split them).
void ck_conv_weights_flip(float *dst, const float *src, size_t out_c, size_t in_c, size_t kh, size_t kw,
                          size_t o_begin, size_t o_end);
/// The four output phases (a, b) of a 4×4, stride-2, padding-1 transposed convolution as 2×2
/// forward convolutions: src IOHW [in_c, out_c, 4, 4] → dst[2a + b] OIHW [out_c, in_c, 2, 2]; tap t
/// of phase a is kernel row {3, 1}[t] (a = 0) or {2, 0}[t] (a = 1), likewise for columns with b.
/// Only output channels [o_begin, o_end) are written (threads split them).
void ck_deconv_phase_weights(float *const dst[4], const float *src, size_t in_c, size_t out_c,
                             size_t o_begin, size_t o_end);
/// Products with few rows on the small side (skinny.c; all matrices row-major, threads split the
/// range given): out [rows, n] with out[r, j] = Σ_i a[r, i]·w[j, i] (a [rows, k], w [n, k]) for
/// j in [jb, je).
void ck_skinny_abt(float *out, const float *a, const float *w, size_t rows, size_t k, size_t n, size_t jb, size_t je);
/// out [rows, n] with out[r, i] = Σ_j a[r, j]·w[j, i] (a [rows, m], w [m, n]) for i in [ib, ie).
void ck_skinny_ab(float *out, const float *a, const float *w, size_t rows, size_t m, size_t n, size_t ib, size_t ie);
/// d [m, n] with d[j, i] = Σ_r y[r, j]·x[r, i] (y [rows, m], x [rows, n]) for j in [jb, je).
void ck_skinny_atb(float *d, const float *y, const float *x, size_t rows, size_t m, size_t n, size_t jb, size_t je);
/// dst [cols, rows] = the transpose of row-major src [rows, cols]; dst rows (src columns)
/// [c_begin, c_end) only, so that threads can split the columns.
void ck_transpose(float *dst, const float *src, size_t rows, size_t cols, size_t c_begin, size_t c_end);
/// im2col for a 4×4, stride-2, padding-1 convolution, NHWC input x [n, hx, wx, c] and output
/// size hy × wy: cols [n·hy·wy, c·16], column ci·16 + ky·4 + kx (zero outside the input); rows
/// [r_begin, r_end) of cols only.
void ck_im2col_k4s2p1(float *cols, const float *x, size_t n, size_t hx, size_t wx, size_t c, size_t hy, size_t wy,
                      size_t r_begin, size_t r_end);
/// The adjoint of ck_im2col_k4s2p1: x = Σ of the cols entries that read each input element,
/// gathered per element of x; rows [r_begin, r_end) of the n·hx rows of x only.
void ck_col2im_k4s2p1(float *x, const float *cols, size_t n, size_t hx, size_t wx, size_t c, size_t hy, size_t wy,
                      size_t r_begin, size_t r_end);
/// A convolution with few output channels as a GEMM over input channels: given z [n·ih·iw, oc,
/// kh·kw] (z[r, o, t] = Σ_c x[r, c]·w[o, c, t], NHWC rows), writes out [n, oh, ow, oc] =
/// bias + Σ over the taps t = ky·kw + kx of z at input position (oy·s − p + ky, ox·s − p + kx)
/// (taps outside the input add nothing; bias may be NULL).
void ck_tap_gather(float *out, const float *z, const float *bias, size_t n, size_t ih, size_t iw,
                   size_t oh, size_t ow, size_t oc, size_t kh, size_t kw, size_t stride, size_t pad);
/// The adjoint of ck_tap_gather: d [n·ih·iw, oc, kh·kw] holds dy [n, oh, ow, oc] at every input
/// position a tap reads it from, zero elsewhere (each (position, tap) is read by at most one output).
void ck_tap_scatter(float *d, const float *dy, size_t n, size_t ih, size_t iw,
                    size_t oh, size_t ow, size_t oc, size_t kh, size_t kw, size_t stride, size_t pad);
/// Winograd F(m×m, 4×4) transforms (winograd.c), m = 2, 3 or 4 (the first argument), for a stride-1
/// 4×4 convolution; channel counts are multiples of 16. Tiles t = (img, ty, tx) of m×m outputs,
/// th × tw per image; E = (m + 3)² planes e = 0..E−1 (25, 36, 49),
/// each a row-major [rows][cols] matrix, plane e starting at e · ck_wino_plane(rows, cols). The
/// tile kernels handle tiles [t_begin, t_end) of a block of consecutive tiles stored from row 0
/// (tile t in row t − base) of planes of `rows` rows, so that large layers go in blocks.
/// Floats from one plane of a transformed [E][rows][cols] array to the next (a little more than
/// rows · cols, so that the planes do not alias in the caches).
size_t ck_wino_plane(size_t rows, size_t cols);
/// Input: v [E][n·th·tw][c] = Bᵀ·D·B of the (m + 3)² patch at (m·ty − pad, m·tx − pad) of NHWC x
/// [n, h, w, c] (zero outside); tiles [t_begin, t_end) only.
void ck_wino_input(size_t m, float *v, const float *x, size_t n, size_t h, size_t w, size_t c, size_t pad,
                   size_t th, size_t tw, size_t t_begin, size_t t_end, size_t base, size_t rows);
/// Output: NHWC y [n, oh, ow, k] = Aᵀ·M·A (+ bias, may be NULL) from m [E][n·th·tw][k].
void ck_wino_output(size_t m, float *y, const float *mm, const float *bias, size_t n, size_t oh, size_t ow, size_t k,
                    size_t th, size_t tw, size_t t_begin, size_t t_end, size_t base, size_t rows);
/// The output transform's adjoint: z [E][n·th·tw][k] = A·dY·Aᵀ of each m×m tile of NHWC dy.
void ck_wino_grad_output(size_t m, float *z, const float *dy, size_t n, size_t oh, size_t ow, size_t k,
                         size_t th, size_t tw, size_t t_begin, size_t t_end, size_t base, size_t rows);
/// Weights: u [E][in_c][out_c] = G·W·Gᵀ for OIHW w [out_c, in_c, 4, 4]; with flip, for the
/// stride-1 backward-data kernel of OIHW w [in_c, out_c, 4, 4] (channels swapped, taps flipped).
/// Input channels [i_begin, i_end) only. `u` must be 64-byte aligned (streamed stores).
void ck_wino_weights(size_t m, float *u, const float *w, size_t out_c, size_t in_c, int flip, size_t i_begin, size_t i_end);
/// The weight transform's adjoint: OIHW dw [out_c, in_c, 4, 4] = Gᵀ·S·G from Sᵀ [E][out_c][in_c]
/// (each plane the transpose of S [in_c][out_c]); output channels [k_begin, k_end).
void ck_wino_weight_grad(size_t m, float *dw, const float *s, size_t out_c, size_t in_c, size_t k_begin, size_t k_end);
/// Winograd F(m×m, 2×2), m = 3 or 4, for 4×4, stride-2, padding-1 layers through their four input
/// phases (winograd_s2.c): X the large side NHWC [n, 2hy, 2wy, cx], Y the small side [n, hy, wy, cy],
/// W [cy][cx][4][4]; tiles of m×m Y outputs (th × tw per image); E = (m + 1)² planes (16 or 25),
/// phase (a, b) of X in columns (2a + b)·cx + c of v / p / u and of the rows of s (stored as Sᵀ).
/// Channel counts are multiples of 16. Tile blocks as for ck_wino_input (tile t in row t − base of
/// planes of `rows` rows).
/// v [E][rows][4cx] from x.
void ck_wino2_input(size_t m, float *v, const float *x, size_t n, size_t hy, size_t wy, size_t cx, size_t th, size_t tw,
                    size_t t_begin, size_t t_end, size_t base, size_t rows);
/// The input transform's adjoint: x += the transformed-back tiles [t_begin, t_end) of p (tile t in
/// row t − t_begin), for channels [c_begin, c_end) only (threads split channels: tiles overlap);
/// with init, x is first set to bias (or 0) in those channels.
void ck_wino2_input_adjoint(size_t m, float *x, const float *p, const float *bias, size_t n, size_t hy, size_t wy,
                            size_t cx, size_t th, size_t tw, size_t t_begin, size_t t_end, size_t rows, size_t c_begin,
                            size_t c_end, int init);
/// y [n, hy, wy, cy] (+ bias, may be NULL) from m [E][rows][cy].
void ck_wino2_output(size_t m, float *y, const float *mm, const float *bias, size_t n, size_t hy, size_t wy, size_t cy,
                     size_t th, size_t tw, size_t t_begin, size_t t_end, size_t base, size_t rows);
/// The output transform's adjoint: z [E][rows][cy] from dy [n, hy, wy, cy].
void ck_wino2_grad_output(size_t m, float *z, const float *dy, size_t n, size_t hy, size_t wy, size_t cy, size_t th,
                          size_t tw, size_t t_begin, size_t t_end, size_t base, size_t rows);
/// u [E][4cx][cy] from w; input channels [c_begin, c_end) of the X side. `u` must be 64-byte
/// aligned (streamed stores).
void ck_wino2_weights(size_t m, float *u, const float *w, size_t cy, size_t cx, size_t c_begin, size_t c_end);
/// The weight transform's adjoint: dw [cy][cx][4][4] from Sᵀ [E][cy][4cx] (each plane the
/// transpose of S [4cx][cy]); Y channels [k_begin, k_end).
void ck_wino2_weight_grad(size_t m, float *dw, const float *s, size_t cy, size_t cx, size_t k_begin, size_t k_end);
/// Scatters phase (a, b), NHWC [n, h, w, c], into NHWC dst [n, 2h, 2w, c] at rows 2m + a, columns 2l + b. Only phase rows
/// [row_begin, row_end) of the n·h are copied (threads split them).
void ck_interleave_phase(float *dst, const float *phase, size_t n, size_t h, size_t w, size_t c, int a, int b,
                         size_t row_begin, size_t row_end);

#endif
