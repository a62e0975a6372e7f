// ORB's per-level work (ORB+Detection.swift, ORB+Descriptor.swift, ORB.swift): the area-averaged pyramid, FAST
// scores and non-maximum suppression, Harris, orientation, the 5 x 5 blur and rotated BRIEF. Each gives bit for
// bit what the Swift it replaced gave (same integer arithmetic; floating point in the same order, never fused),
// so keypoints do not depend on the ISA picked at run time.
#include <math.h>
#include <string.h>
#include "CLookalikeNative.h"

// Fused multiply-adds would round differently from the Swift these loops replaced (and between ISAs).
#pragma clang fp contract(off)

#include "multiversion.h"

LK_MULTIVERSION
void lk_u8_transposed_f32(const uint8_t *src, int32_t w, int32_t h, float *dst) {
    // Tiles keep both sides in cache.
    enum { T = 32 };
    for (int32_t y0 = 0; y0 < h; y0 += T) {
        for (int32_t x0 = 0; x0 < w; x0 += T) {
            int32_t y1 = y0 + T < h ? y0 + T : h, x1 = x0 + T < w ? x0 + T : w;
            for (int32_t x = x0; x < x1; x++)
                for (int32_t y = y0; y < y1; y++) dst[(size_t)x * h + y] = (float)src[(size_t)y * w + x];
        }
    }
}

typedef float lk_f4 __attribute__((ext_vector_type(4)));

// dst (cols x rows) = src (rows x cols) transposed, 4 x 4 blocks in registers (compilers do not vectorise a
// transpose themselves; these shuffles become SSE, AVX or AVX-512 as the caller's target allows).
static inline __attribute__((always_inline)) void transpose_f32(const float *src, int32_t rows, int32_t cols, float *dst) {
    int32_t r4 = rows & ~3, c4 = cols & ~3;
    for (int32_t r = 0; r < r4; r += 4) {
        for (int32_t c = 0; c < c4; c += 4) {
            lk_f4 a, b, e, f;
            memcpy(&a, src + (size_t)r * cols + c, 16);
            memcpy(&b, src + (size_t)(r + 1) * cols + c, 16);
            memcpy(&e, src + (size_t)(r + 2) * cols + c, 16);
            memcpy(&f, src + (size_t)(r + 3) * cols + c, 16);
            lk_f4 ab0 = __builtin_shufflevector(a, b, 0, 4, 1, 5), ab1 = __builtin_shufflevector(a, b, 2, 6, 3, 7);
            lk_f4 ef0 = __builtin_shufflevector(e, f, 0, 4, 1, 5), ef1 = __builtin_shufflevector(e, f, 2, 6, 3, 7);
            lk_f4 o0 = __builtin_shufflevector(ab0, ef0, 0, 1, 4, 5), o1 = __builtin_shufflevector(ab0, ef0, 2, 3, 6, 7);
            lk_f4 o2 = __builtin_shufflevector(ab1, ef1, 0, 1, 4, 5), o3 = __builtin_shufflevector(ab1, ef1, 2, 3, 6, 7);
            memcpy(dst + (size_t)c * rows + r, &o0, 16);
            memcpy(dst + (size_t)(c + 1) * rows + r, &o1, 16);
            memcpy(dst + (size_t)(c + 2) * rows + r, &o2, 16);
            memcpy(dst + (size_t)(c + 3) * rows + r, &o3, 16);
        }
        for (int32_t c = c4; c < cols; c++)
            for (int32_t k = 0; k < 4; k++) dst[(size_t)c * rows + r + k] = src[(size_t)(r + k) * cols + c];
    }
    for (int32_t r = r4; r < rows; r++)
        for (int32_t c = 0; c < cols; c++) dst[(size_t)c * rows + r] = src[(size_t)r * cols + c];
}

LK_MULTIVERSION
void lk_area_resize(const float *transposed, int32_t h, int32_t out_w, int32_t out_h,
                    const int32_t *col_first, const int32_t *col_start, const float *col_weights,
                    const int32_t *row_first, const int32_t *row_start, const float *row_weights,
                    float *scratch, float *scratch2, uint8_t *out) {
    // Rows first: output column x of every source row at once, over the transposed source (contiguous in y),
    // 16 rows at a time held in registers over the footprint.
    for (int32_t x = 0; x < out_w; x++) {
        float *dst = scratch + (size_t)x * h;
        const float *weights = col_weights + col_start[x];
        const float *src = transposed + (size_t)col_first[x] * h;
        int32_t taps = col_start[x + 1] - col_start[x], y = 0;
        for (; y + 16 <= h; y += 16) {
            float acc[16] = {0};
            for (int32_t j = 0; j < taps; j++)
                for (int k = 0; k < 16; k++) acc[k] += weights[j] * src[(size_t)j * h + y + k];
            for (int k = 0; k < 16; k++) dst[y + k] = acc[k];
        }
        for (; y < h; y++) {
            float acc = 0;
            for (int32_t j = 0; j < taps; j++) acc += weights[j] * src[(size_t)j * h + y];
            dst[y] = acc;
        }
    }
    // Back to rows (h x out_w), then columns: whole rows added into one accumulator row.
    transpose_f32(scratch, out_w, h, scratch2);
    float *acc = scratch;  // free again: out_w floats
    for (int32_t y = 0; y < out_h; y++) {
        for (int32_t x = 0; x < out_w; x++) acc[x] = 0;
        for (int32_t j = row_start[y]; j < row_start[y + 1]; j++) {
            const float weight = row_weights[j];
            const float *src = scratch2 + (size_t)(row_first[y] + j - row_start[y]) * out_w;
            for (int32_t x = 0; x < out_w; x++) acc[x] += weight * src[x];
        }
        uint8_t *dst = out + (size_t)y * out_w;
        for (int32_t x = 0; x < out_w; x++) {
            float v = (acc[x] > 0 ? acc[x] : 0) + 0.5f;
            dst[x] = (uint8_t)(v < 255 ? v : 255);
        }
    }
}

// FAST-9's segment test along one row, x in [x0, x1): dst[x] gets bit 0 when 9 contiguous ring pixels (offsets
// `o`) are brighter than centre + threshold, bit 1 when 9 are darker than centre - threshold. Branch-free over x,
// so the compiler vectorises a row 32 or 64 pixels at a time.
static inline __attribute__((always_inline)) void fast_arcs_row(const uint8_t *row, int32_t x0, int32_t x1, int32_t threshold, const int32_t *o,
                                 uint8_t *dst) {
    for (int32_t x = x0; x < x1; x++) {
        int32_t p = row[x], hi = p + threshold, lo = p - threshold;
        uint32_t b = 0, d = 0;
        for (int k = 0; k < 16; k++) {
            int32_t v = row[x + o[k]];
            b |= (uint32_t)(v > hi) << k;
            d |= (uint32_t)(v < lo) << k;
        }
        b |= b << 16; d |= d << 16;
        uint32_t b2 = b & (b >> 1), b4 = b2 & (b2 >> 2), b8 = b4 & (b4 >> 4), b9 = b8 & (b >> 8);
        uint32_t d2 = d & (d >> 1), d4 = d2 & (d2 >> 2), d8 = d4 & (d4 >> 4), d9 = d8 & (d >> 8);
        dst[x] = (uint8_t)((b9 != 0) | ((d9 != 0) << 1));
    }
}

// The largest threshold at which the centre is still a corner of this polarity: over the 16 arcs of 9, the
// smallest (signed) difference along the arc, best arc taken, minus one. Minima of runs of 2, 4, 8 then 9 over the
// ring doubled, in fixed-length loops the compiler turns into a few vector instructions.
static inline __attribute__((always_inline)) int32_t arc_score(const int32_t *d, int32_t sign) {
    int32_t e[32], m2[24], m4[22], best = INT32_MIN;
    for (int k = 0; k < 16; k++) { e[k] = sign * d[k]; e[k + 16] = e[k]; }
    for (int k = 0; k < 24; k++) m2[k] = e[k] < e[k + 1] ? e[k] : e[k + 1];
    for (int k = 0; k < 22; k++) m4[k] = m2[k] < m2[k + 2] ? m2[k] : m2[k + 2];
    for (int k = 0; k < 16; k++) {
        int32_t m8 = m4[k] < m4[k + 4] ? m4[k] : m4[k + 4], m9 = m8 < e[k + 8] ? m8 : e[k + 8];
        best = m9 > best ? m9 : best;
    }
    return best - 1;
}

LK_MULTIVERSION
size_t lk_fast_corners(const uint8_t *px, int32_t w, int32_t h, int32_t margin, int32_t threshold,
                       const int32_t *ring, uint8_t *scores, uint8_t *arcs, int32_t *found) {
    int32_t o[16];
    for (int k = 0; k < 16; k++) o[k] = ring[k];
    size_t count = 0;
    for (int32_t y = margin; y < h - margin; y++) {
        const uint8_t *row = px + (size_t)y * w;
        fast_arcs_row(row, margin, w - margin, threshold, o, arcs);
        // Most pixels fail: skip them eight at a time.
        for (int32_t x8 = margin; x8 < w - margin; x8 += 8) {
            uint64_t word;
            memcpy(&word, arcs + x8, 8);
            while (word) {
                int32_t x = x8 + __builtin_ctzll(word) / 8;
                word &= ~((uint64_t)0xff << (__builtin_ctzll(word) & ~7));
                int32_t p = row[x], d[16];
                for (int k = 0; k < 16; k++) d[k] = (int32_t)row[x + o[k]] - p;
                int32_t bright = (arcs[x] & 1) ? arc_score(d, 1) : 0, dark = (arcs[x] & 2) ? arc_score(d, -1) : 0;
                int32_t score = bright > dark ? bright : dark;
                scores[(size_t)y * w + x] = (uint8_t)score;
                found[count++] = y * w + x;
            }
        }
    }
    // 3 x 3 non-maximum suppression: a corner stays when no neighbour scores higher; of equal neighbours the
    // first in raster order stays.
    size_t kept = 0;
    for (size_t n = 0; n < count; n++) {
        int32_t i = found[n], s = scores[i];
        const uint8_t *c = scores + i;
        int keep = c[-w - 1] < s && c[-w] < s && c[-w + 1] < s && c[-1] < s
            && c[1] <= s && c[w - 1] <= s && c[w] <= s && c[w + 1] <= s;
        if (keep) found[kept++] = i;
    }
    return kept;
}

LK_MULTIVERSION
void lk_harris(const uint8_t *px, int32_t w, const int32_t *at, size_t n, double k, double *out) {
    for (size_t c = 0; c < n; c++) {
        int64_t xx = 0, yy = 0, xy = 0;
        for (int32_t dy = -3; dy <= 3; dy++) {
            for (int32_t dx = -3; dx <= 3; dx++) {
                const uint8_t *p = px + at[c] + dy * w + dx;
                int32_t a = p[-w - 1], b = p[-w], e = p[-w + 1], l = p[-1], r = p[1];
                int32_t f = p[w - 1], g = p[w], m = p[w + 1];
                int32_t gx = (e + 2 * r + m) - (a + 2 * l + f);
                int32_t gy = (f + 2 * g + m) - (a + 2 * b + e);
                xx += gx * gx; yy += gy * gy; xy += gx * gy;
            }
        }
        double sxx = (double)xx, syy = (double)yy, sxy = (double)xy;
        out[c] = sxx * syy - sxy * sxy - k * (sxx + syy) * (sxx + syy);
    }
}

LK_MULTIVERSION
void lk_orb_orientation(const uint8_t *px, int32_t w, const int32_t *at, size_t n, const int32_t *half_widths,
                        int32_t radius, double *out) {
    for (size_t c = 0; c < n; c++) {
        int64_t m10 = 0, m01 = 0;
        for (int32_t dy = -radius; dy <= radius; dy++) {
            int32_t half = half_widths[dy < 0 ? -dy : dy];
            const uint8_t *row = px + at[c] + dy * w;
            int32_t sum = 0, moment = 0;
            for (int32_t dx = -half; dx <= half; dx++) { sum += row[dx]; moment += dx * row[dx]; }
            m10 += moment;
            m01 += (int64_t)dy * sum;
        }
        out[c] = atan2((double)m01, (double)m10);
    }
}

LK_MULTIVERSION
void lk_orb_blur(const uint8_t *px, int32_t w, int32_t h, uint16_t *across, uint8_t *out) {
    int32_t lo = w < 2 ? w : 2, hi = w - 2 > lo ? w - 2 : lo;
    for (int32_t y = 0; y < h; y++) {
        const uint8_t *row = px + (size_t)y * w;
        uint16_t *dst = across + (size_t)y * w;
        // Edges repeated: only the two pixels at each end clamp, so the interior loop is branch-free.
#define AT(i) ((int32_t)row[(i) < 0 ? 0 : ((i) >= w ? w - 1 : (i))])
        for (int32_t x = 0; x < lo; x++) dst[x] = (uint16_t)(AT(x - 2) + 4 * AT(x - 1) + 6 * AT(x) + 4 * AT(x + 1) + AT(x + 2));
        // At most 16 x 255: a 16-bit lane holds it.
        for (int32_t x = 2; x < w - 2; x++)
            dst[x] = (uint16_t)(row[x - 2] + 4 * row[x - 1] + 6 * row[x] + 4 * row[x + 1] + row[x + 2]);
        for (int32_t x = hi; x < w; x++) dst[x] = (uint16_t)(AT(x - 2) + 4 * AT(x - 1) + 6 * AT(x) + 4 * AT(x + 1) + AT(x + 2));
#undef AT
    }
    for (int32_t y = 0; y < h; y++) {
        const uint16_t *r[5];
        for (int j = 0; j < 5; j++) {
            int32_t yy = y + j - 2;
            r[j] = across + (size_t)(yy < 0 ? 0 : (yy >= h ? h - 1 : yy)) * w;
        }
        uint8_t *dst = out + (size_t)y * w;
        // At most 16 x 16 x 255 + 128 = 65,408: still 16 bits.
        for (int32_t x = 0; x < w; x++)
            dst[x] = (uint8_t)((uint16_t)(r[0][x] + 4 * r[1][x] + 6 * r[2][x] + 4 * r[3][x] + r[4][x] + 128) >> 8);
    }
}

LK_MULTIVERSION
void lk_orb_describe(const uint8_t *smooth, int32_t w, const int32_t *at, const int32_t *steps, size_t n,
                     const int8_t *pattern, uint64_t *out) {
    for (size_t c = 0; c < n; c++) {
        const uint8_t *centre = smooth + at[c];
        const int8_t *pairs = pattern + (size_t)steps[c] * 256 * 4;
        for (int word = 0; word < 4; word++) {
            uint64_t bits = 0;
            for (int i = 0; i < 64; i++) {
                const int8_t *p = pairs + (word * 64 + i) * 4;
                bits |= (uint64_t)(centre[p[1] * w + p[0]] < centre[p[3] * w + p[2]]) << i;
            }
            out[c * 4 + word] = bits;
        }
    }
}
