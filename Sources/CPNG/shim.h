#ifndef GENIE_CPNG_SHIM_H
#define GENIE_CPNG_SHIM_H
#include <png.h>

// PNG_IMAGE_SIZE and friends are macros Swift cannot import.
static inline size_t genie_png_image_row_stride(const png_image *image) {
    return PNG_IMAGE_ROW_STRIDE(*image);
}
static inline int genie_png_image_failed(const png_image *image) {
    return PNG_IMAGE_FAILED(*image);
}
// Composite format constants are macro expressions Swift does not import.
static inline png_uint_32 genie_png_format_rgba(void) { return PNG_FORMAT_RGBA; }
static inline png_uint_32 genie_png_format_linear_rgb_alpha(void) { return PNG_FORMAT_LINEAR_RGB_ALPHA; }
#endif
