#ifndef CK_IMAGING_H
#define CK_IMAGING_H
#include <stddef.h>
#include <stdint.h>

// 8-bit image kernels for the Imaging module. Images are interleaved HWC (row-major, `c` bytes per
// pixel, no row padding). Every function is pure: it reads its inputs, writes only its outputs,
// and is safe to call from several threads on different buffers. Functions returning int give 0
// on success and -1 when memory for scratch buffers could not be allocated.

/// BT.601 luma exactly as OpenCV's cvtColor(RGB2GRAY) for 8-bit data:
/// (9798 R + 19235 G + 3735 B + 16384) >> 15.
void ck_img_rgb_to_gray(const uint8_t *rgb, uint8_t *gray, size_t pixels);
/// Gray to RGB by replication.
void ck_img_gray_to_rgb(const uint8_t *gray, uint8_t *rgb, size_t pixels);

/// 8-bit to [-1, 1]: dst = src / 127.5 - 1.
void ck_img_u8_to_unit(const uint8_t *src, float *dst, size_t n);
/// [-1, 1] to 8-bit: round((x + 1) * 127.5), clamped to [0, 255]; NaN becomes 0.
void ck_img_unit_to_u8(const float *src, uint8_t *dst, size_t n);
/// 0..255 floats to 8-bit: round half away from zero, clamped; NaN becomes 0.
void ck_img_f32_to_u8(const float *src, uint8_t *dst, size_t n);
/// Planar CHW to interleaved HWC.
void ck_img_chw_to_hwc(const uint8_t *src, uint8_t *dst, int c, int h, int w);

/// Copies the w x h window at (x, y) of an image `src_w` pixels wide into a packed dst.
void ck_img_crop(const uint8_t *src, int src_w, int c, int x, int y, int w, int h, uint8_t *dst);
/// Mirrors each row (out of place).
void ck_img_flip_h(const uint8_t *src, uint8_t *dst, int w, int h, int c);

/// Resize filters, chosen per axis: on an axis that shrinks, CK_RESIZE_AREA averages the covered
/// source pixels by their exact overlap (OpenCV INTER_AREA); on an axis that grows it interpolates
/// bilinearly. BILINEAR / BICUBIC interpolate on both axes (OpenCV INTER_LINEAR / INTER_CUBIC:
/// half-pixel centres, a = -0.75, replicated border). AUTO = area where shrinking, bicubic where
/// growing.
enum { CK_RESIZE_AREA = 0, CK_RESIZE_BILINEAR = 1, CK_RESIZE_BICUBIC = 2, CK_RESIZE_AUTO = 3 };
int ck_img_resize(const uint8_t *src, int sw, int sh, int c, uint8_t *dst, int dw, int dh, int filter);

/// Gaussian blur of a one-channel image, border reflect-101 (OpenCV's default). ksize odd >= 1.
/// sigma <= 0 picks OpenCV's default for the size; for ksize 3, 5, 7 with sigma <= 0 the result is
/// bit-exact with cv2.GaussianBlur (integer kernels), otherwise within 1 grey level.
int ck_img_gaussian_blur(const uint8_t *src, uint8_t *dst, int w, int h, int ksize, double sigma);

/// Canny edges of a one-channel image, following cv2.Canny: Sobel gradients (aperture 3, 5 or 7,
/// replicated border; aperture 7 gradients and thresholds scaled by 1/16), L1 or L2 magnitude, non-maximum suppression in
/// four directions, double threshold (strictly greater), 8-connected hysteresis. dst gets 255 on
/// edges and 0 elsewhere. Returns -2 for an invalid aperture.
int ck_img_canny(const uint8_t *src, uint8_t *dst, int w, int h,
                 double low, double high, int aperture, int l2_gradient);

/// Mean and (population) standard deviation of n bytes.
void ck_img_mean_std(const uint8_t *src, size_t n, double *mean, double *std_dev);
/// Minimum and maximum of n floats, ignoring NaN (both NaN when every value is NaN or n == 0).
void ck_img_min_max_f32(const float *src, size_t n, float *min_value, float *max_value);
/// Minimum and maximum of n bytes.
void ck_img_min_max_u8(const uint8_t *src, size_t n, uint8_t *min_value, uint8_t *max_value);

#endif
