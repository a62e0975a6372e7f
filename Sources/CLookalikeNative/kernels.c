// Hot loops of the exact (Pillow-compatible) path. Integer arithmetic only, so every ISA gives the same bytes;
// target_clones lets one binary use AVX2 / AVX-512 where the CPU has them and plain x86-64 elsewhere.
#include "CLookalikeNative.h"

#include "multiversion.h"

#define PRECISION_BITS 22

static inline uint8_t clip8(int32_t v) {
    int32_t s = v >> PRECISION_BITS;  // arithmetic shift: floor, as Pillow's lookup table index
    return s < 0 ? 0 : (s > 255 ? 255 : (uint8_t)s);
}

static void rgb_to_luma_scalar(const uint8_t *rgb, uint8_t *out, size_t count) {
    for (size_t i = 0; i < count; i++) {
        uint32_t v = rgb[3 * i] * 19595u + rgb[3 * i + 1] * 38470u + rgb[3 * i + 2] * 7471u + 0x8000u;
        out[i] = (uint8_t)(v >> 16);
    }
}

#if defined(__x86_64__)
#include <immintrin.h>

/* 8 pixels per step with pmaddwd. 38470 does not fit a signed 16-bit weight, so green is counted twice at
   19235: (r, g) . (19595, 19235) + (g, b) . (19235, 7471) = 19595 r + 38470 g + 7471 b, exactly. */
__attribute__((target("avx2")))
static void rgb_to_luma_avx2(const uint8_t *rgb, uint8_t *out, size_t count) {
    const __m256i pick_rg = _mm256_setr_epi8(0, -1, 1, -1, 3, -1, 4, -1, 6, -1, 7, -1, 9, -1, 10, -1,
                                             0, -1, 1, -1, 3, -1, 4, -1, 6, -1, 7, -1, 9, -1, 10, -1);
    const __m256i pick_gb = _mm256_setr_epi8(1, -1, 2, -1, 4, -1, 5, -1, 7, -1, 8, -1, 10, -1, 11, -1,
                                             1, -1, 2, -1, 4, -1, 5, -1, 7, -1, 8, -1, 10, -1, 11, -1);
    const __m256i w_rg = _mm256_set1_epi32((19235 << 16) | 19595);
    const __m256i w_gb = _mm256_set1_epi32((7471 << 16) | 19235);
    const __m256i half = _mm256_set1_epi32(0x8000);
    size_t i = 0;
    /* Each step reads 28 bytes from 3*i (4 past its 24): stop while that stays inside the buffer. */
    for (; i + 10 <= count; i += 8) {
        const uint8_t *p = rgb + 3 * i;
        __m256i v = _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_loadu_si128((const __m128i *)p)),
                                            _mm_loadu_si128((const __m128i *)(p + 12)), 1);
        __m256i sum = _mm256_add_epi32(_mm256_madd_epi16(_mm256_shuffle_epi8(v, pick_rg), w_rg),
                                       _mm256_madd_epi16(_mm256_shuffle_epi8(v, pick_gb), w_gb));
        sum = _mm256_srli_epi32(_mm256_add_epi32(sum, half), 16);
        __m256i packed = _mm256_packus_epi16(_mm256_packus_epi32(sum, sum), _mm256_setzero_si256());
        uint32_t lo = (uint32_t)_mm_cvtsi128_si32(_mm256_castsi256_si128(packed));
        uint32_t hi = (uint32_t)_mm_cvtsi128_si32(_mm256_extracti128_si256(packed, 1));
        __builtin_memcpy(out + i, &lo, 4);
        __builtin_memcpy(out + i + 4, &hi, 4);
    }
    rgb_to_luma_scalar(rgb + 3 * i, out + i, count - i);
}
#endif

void lk_rgb_to_luma(const uint8_t *rgb, uint8_t *out, size_t count) {
#if defined(__x86_64__)
    if (__builtin_cpu_supports("avx2")) { rgb_to_luma_avx2(rgb, out, count); return; }
#endif
    rgb_to_luma_scalar(rgb, out, count);
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

/* Popcount-heavy loops get an extra clone for AVX-512 VPOPCNTDQ (Zen 4/5, Ice Lake and later). */
#if defined(__x86_64__) && defined(__clang__)
#define LK_POPCOUNT_MULTIVERSION \
    __attribute__((target_clones("avx512vpopcntdq,avx512f,avx512vl,avx512bw,popcnt", "arch=x86-64-v3", "popcnt", "default")))
#else
#define LK_POPCOUNT_MULTIVERSION
#endif

LK_POPCOUNT_MULTIVERSION
void lk_hamming_distances64(const uint64_t *codes, size_t count, uint64_t query, uint8_t *out) {
    for (size_t j = 0; j < count; j++) out[j] = (uint8_t)__builtin_popcountll(codes[j] ^ query);
}

LK_POPCOUNT_MULTIVERSION
size_t lk_hamming_within64(const uint64_t *codes, size_t start, size_t end, uint64_t query, int radius,
                           uint32_t *out_index, uint8_t *out_distance) {
    /* Distances for a block first (vectorises), then the rare hits. */
    uint8_t d[256];
    size_t found = 0;
    for (size_t b = start; b < end; b += 256) {
        size_t n = end - b < 256 ? end - b : 256;
        for (size_t j = 0; j < n; j++) d[j] = (uint8_t)__builtin_popcountll(codes[b + j] ^ query);
        for (size_t j = 0; j < n; j++) {
            if (d[j] <= radius) {
                out_index[found] = (uint32_t)(b + j);
                out_distance[found] = d[j];
                found++;
            }
        }
    }
    return found;
}

/* Multi-index hashing probe loop for one query (see HammingIndex+MultiIndex.swift for the scheme). */
LK_POPCOUNT_MULTIVERSION
size_t lk_mih_query(const lk_mih_chunk *chunks, int first_chunk, int end_chunk, uint64_t query,
                    uint32_t query_index, int radius, uint32_t *out_index, uint8_t *out_distance) {
    size_t found = 0;
    for (int c = first_chunk; c < end_chunk; c++) {
        const lk_mih_chunk *t = &chunks[c];
        uint32_t qv = (uint32_t)((query >> t->shift) & t->value_mask);
        for (int f = 0; f < t->flip_count; f++) {
            uint32_t key = qv ^ (uint32_t)t->flips[f];
            uint32_t lo = t->offsets[key], hi = t->offsets[key + 1];
            if (lo == hi) continue;
            /* Entries of a bucket ascend by item: skip to the first item past the query (pairs i < j). */
            uint32_t a = lo, b = hi;
            while (a < b) {
                uint32_t mid = (a + b) >> 1;
                if (t->entries[mid].item <= query_index) a = mid + 1; else b = mid;
            }
            for (uint32_t p = a; p < hi; p++) {
                uint64_t x = query ^ t->entries[p].code;
                int d = __builtin_popcountll(x);
                if (d > radius) continue;
                /* Report the pair only from the first chunk that can find it. */
                int earlier = 0;
                for (int e = 0; e < c; e++) {
                    if (__builtin_popcountll(x & chunks[e].mask) <= chunks[e].radius) { earlier = 1; break; }
                }
                if (earlier) continue;
                out_index[found] = t->entries[p].item;
                out_distance[found] = (uint8_t)d;
                found++;
            }
        }
    }
    return found;
}

/* ORB matching: the 256-bit distances of every (from, to) pair once, then for each `from` its nearest `to` and
   the two smallest distances, and for each `to` its nearest `from` (ties: the smaller index), as two brute-force
   scans would give them. Distances of a block of `to` for one `from` first (vectorises), then the scan. */
LK_POPCOUNT_MULTIVERSION
void lk_orb_nearest(const uint64_t *from, size_t n, const uint64_t *to, size_t m, int32_t *best, int32_t *first,
                    int32_t *second, int32_t *back_best, int32_t *back_distance) {
    for (size_t j = 0; j < m; j++) { back_best[j] = -1; back_distance[j] = 257; }
    uint16_t d[256];
    for (size_t i = 0; i < n; i++) {
        const uint64_t *a = from + 4 * i;
        int b1 = -1, f1 = 257, s1 = 257;
        for (size_t j0 = 0; j0 < m; j0 += 256) {
            size_t count = m - j0 < 256 ? m - j0 : 256;
            for (size_t j = 0; j < count; j++) {
                const uint64_t *b = to + 4 * (j0 + j);
                d[j] = (uint16_t)(__builtin_popcountll(a[0] ^ b[0]) + __builtin_popcountll(a[1] ^ b[1])
                                  + __builtin_popcountll(a[2] ^ b[2]) + __builtin_popcountll(a[3] ^ b[3]));
            }
            for (size_t j = 0; j < count; j++) {
                int dist = d[j];
                if (dist < f1) { s1 = f1; f1 = dist; b1 = (int)(j0 + j); } else if (dist < s1) { s1 = dist; }
                if (dist < back_distance[j0 + j]) { back_distance[j0 + j] = dist; back_best[j0 + j] = (int32_t)i; }
            }
        }
        best[i] = b1; first[i] = f1; second[i] = s1;
    }
}

/* Box reduction of an RGB image: each output pixel the truncated mean of its block, output row y covering input
   rows [y * height / h, (y + 1) * height / h) (at least one), columns likewise. Rows are summed column by column
   first (the loop the ISA clones widen), then each output pixel's columns. */
LK_MULTIVERSION
void lk_box_reduce_rgb(const uint8_t *src, int32_t width, int32_t height, uint8_t *dst, int32_t w, int32_t h,
                       uint32_t *sums, const int32_t *columns) {
    const size_t n = (size_t)width * 3;
    for (int32_t y = 0; y < h; y++) {
        int32_t y0 = (int32_t)((int64_t)y * height / h), y1 = (int32_t)((int64_t)(y + 1) * height / h);
        if (y1 <= y0) y1 = y0 + 1;
        for (size_t k = 0; k < n; k++) sums[k] = 0;
        for (int32_t yy = y0; yy < y1; yy++) {
            const uint8_t *restrict row = src + (size_t)yy * n;
            uint32_t *restrict total = sums;
            for (size_t k = 0; k < n; k++) total[k] += row[k];
        }
        uint8_t *out = dst + (size_t)y * w * 3;
        for (int32_t x = 0; x < w; x++) {
            const int32_t x0 = columns[2 * x], x1 = columns[2 * x + 1];
            uint32_t r = 0, g = 0, b = 0;
            for (int32_t xx = x0; xx < x1; xx++) { r += sums[3 * xx]; g += sums[3 * xx + 1]; b += sums[3 * xx + 2]; }
            const uint32_t count = (uint32_t)((y1 - y0) * (x1 - x0));
            out[3 * x] = (uint8_t)(r / count); out[3 * x + 1] = (uint8_t)(g / count); out[3 * x + 2] = (uint8_t)(b / count);
        }
    }
}
