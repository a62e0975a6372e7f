// Hot loops of the exact (Pillow-compatible) path. Integer arithmetic only, so every ISA gives the same bytes;
// target_clones lets one binary use AVX2 / AVX-512 where the CPU has them and plain x86-64 elsewhere.
#include "CLookalikeNative.h"

#if defined(__x86_64__) && defined(__clang__)
#define LK_MULTIVERSION __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define LK_MULTIVERSION
#endif

#define PRECISION_BITS 22

static inline uint8_t clip8(int32_t v) {
    int32_t s = v >> PRECISION_BITS;  // arithmetic shift: floor, as Pillow's lookup table index
    return s < 0 ? 0 : (s > 255 ? 255 : (uint8_t)s);
}

LK_MULTIVERSION
void lk_rgb_to_luma(const uint8_t *rgb, uint8_t *out, size_t count) {
    for (size_t i = 0; i < count; i++) {
        uint32_t v = rgb[3 * i] * 19595u + rgb[3 * i + 1] * 38470u + rgb[3 * i + 2] * 7471u + 0x8000u;
        out[i] = (uint8_t)(v >> 16);
    }
}

LK_MULTIVERSION
void lk_resample_horizontal(const uint8_t *in, size_t in_stride, int row0, int rows,
                            uint8_t *out, int out_width,
                            const int32_t *coeffs, int ksize, const int32_t *bounds) {
    for (int y = 0; y < rows; y++) {
        const uint8_t *src = in + (size_t)(row0 + y) * in_stride;
        uint8_t *dst = out + (size_t)y * out_width;
        for (int xx = 0; xx < out_width; xx++) {
            const uint8_t *p = src + bounds[2 * xx];
            const int32_t *k = coeffs + (size_t)xx * ksize;
            int n = bounds[2 * xx + 1];
            // Unsigned accumulation wraps exactly like Pillow's int sum; the result fits in int32.
            uint32_t ss = 1u << (PRECISION_BITS - 1);
            for (int x = 0; x < n; x++) ss += (uint32_t)p[x] * (uint32_t)k[x];
            dst[xx] = clip8((int32_t)ss);
        }
    }
}

LK_MULTIVERSION
void lk_resample_vertical(const uint8_t *in, size_t in_stride, int width,
                          uint8_t *out, int out_height,
                          const int32_t *coeffs, int ksize, const int32_t *bounds) {
    // Row-wise accumulation: the same integer sums as Pillow's column loop, in an order that vectorises.
    uint32_t acc[1024];
    for (int x0 = 0; x0 < width; x0 += 1024) {
        int span = width - x0 < 1024 ? width - x0 : 1024;
        for (int yy = 0; yy < out_height; yy++) {
            const int32_t *k = coeffs + (size_t)yy * ksize;
            int ymin = bounds[2 * yy], n = bounds[2 * yy + 1];
            for (int x = 0; x < span; x++) acc[x] = 1u << (PRECISION_BITS - 1);
            for (int y = 0; y < n; y++) {
                const uint8_t *src = in + (size_t)(ymin + y) * in_stride + x0;
                uint32_t kv = (uint32_t)k[y];
                for (int x = 0; x < span; x++) acc[x] += (uint32_t)src[x] * kv;
            }
            uint8_t *dst = out + (size_t)yy * width + x0;
            for (int x = 0; x < span; x++) dst[x] = clip8((int32_t)acc[x]);
        }
    }
}

LK_MULTIVERSION
uint64_t lk_hamming(const uint64_t *a, const uint64_t *b, size_t words) {
    uint64_t d = 0;
    for (size_t i = 0; i < words; i++) d += (uint64_t)__builtin_popcountll(a[i] ^ b[i]);
    return d;
}
