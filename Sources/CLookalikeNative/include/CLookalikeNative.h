#ifndef CLOOKALIKE_NATIVE_H
#define CLOOKALIKE_NATIVE_H

#include <stddef.h>
#include <stdint.h>

/* ---- PNG (libpng behind setjmp, which Swift cannot call safely) ---- */

enum lk_png_status {
    LK_PNG_OK = 0,
    LK_PNG_NOT_PNG = 1,
    LK_PNG_CORRUPT = 2,     /* libpng error: bad CRC, truncated stream, bad IHDR... */
    LK_PNG_TOO_LARGE = 3,   /* width * height over max_pixels: refused before decoding */
    LK_PNG_NO_MEMORY = 4,
    LK_PNG_IMPLAUSIBLE = 5  /* raw samples over max_bytes (far more than the file can hold): refused before decoding */
};

/* Pixel layouts chosen to mirror what Pillow opens each PNG as. */
enum lk_png_layout {
    LK_PNG_GRAY8 = 1,   /* 1/2/4/8-bit gray, scaled to 0...255 like Pillow's L;1/L;2/L;4 */
    LK_PNG_GRAY16 = 2,  /* 16-bit gray, native-endian uint16 (Pillow's I;16) */
    LK_PNG_RGB8 = 3     /* RGB, palette expanded, 16-bit reduced to the high byte (Pillow's RGB;16B) */
};

typedef struct {
    int width;
    int height;
    int layout;            /* enum lk_png_layout */
    int bit_depth;         /* as stored in the file */
    int color_type;        /* as stored in the file */
    int interlaced;
    uint8_t *pixels;       /* width*height*{1,2,3} bytes, malloc'ed: free with lk_free */
    uint8_t *alpha;        /* width*height bytes or NULL (alpha channel or palette tRNS) */
    uint8_t *exif;         /* raw eXIf payload or NULL */
    size_t exif_size;
    char message[200];     /* cause, when status != OK */
} lk_png_image;

/* max_bytes: refuse streams whose raw samples exceed this (0: no limit); the decoded size is in `message`. */
int lk_png_decode(const uint8_t *data, size_t size, int64_t max_pixels, int64_t max_bytes, lk_png_image *out);
/* Reads only the IHDR: fills width, height, bit_depth, color_type, interlaced. */
int lk_png_read_header(const uint8_t *data, size_t size, lk_png_image *out);
void lk_png_release(lk_png_image *image);
/* Writes 8-bit RGB as a PNG (libpng's simplified API); returns 0 and fills `message` on failure. */
int lk_png_write_rgb(const char *path, int width, int height, const uint8_t *rgb, char *message, size_t message_size);
void lk_free(void *p);

/* ---- Hot loops (compiled for several ISAs, picked at run time) ---- */

/* Pillow's RGB -> L: (r*19595 + g*38470 + b*7471 + 0x8000) >> 16. */
void lk_rgb_to_luma(const uint8_t *rgb, uint8_t *out, size_t count);

/* Pillow's 8-bit horizontal resampling pass, fixed point with 22 fraction bits.
   Reads rows [row0, row0 + rows) of `in`, writes `rows` rows of `out_width` pixels. */
void lk_resample_horizontal(const uint8_t *in, size_t in_stride, int row0, int rows,
                            uint8_t *out, int out_width,
                            const int32_t *coeffs, int ksize, const int32_t *bounds);

/* Pillow's 8-bit vertical pass: out has out_height rows of `width` pixels. */
void lk_resample_vertical(const uint8_t *in, size_t in_stride, int width,
                          uint8_t *out, int out_height,
                          const int32_t *coeffs, int ksize, const int32_t *bounds);

/* Box reduction of an RGB image to w x h: each output pixel the truncated mean of its block of input rows
   [y * height / h, (y + 1) * height / h) (at least one) and the columns `columns` gives as (first, end) pairs.
   `sums`: width * 3 words of scratch. */
void lk_box_reduce_rgb(const uint8_t *src, int32_t width, int32_t height, uint8_t *dst, int32_t w, int32_t h,
                       uint32_t *sums, const int32_t *columns);

/* Hamming distance between two bit codes of `words` 64-bit words. */
uint64_t lk_hamming(const uint64_t *a, const uint64_t *b, size_t words);

/* Hamming distance from `query` to each of `count` 64-bit codes. */
void lk_hamming_distances64(const uint64_t *codes, size_t count, uint64_t query, uint8_t *out);
/* ORB descriptors (4 words each): for each of `from` its nearest in `to` (best, first) and the second-smallest
   distance; for each of `to` its nearest in `from` (back_best, back_distance). Ties go to the smaller index. */
void lk_orb_nearest(const uint64_t *from, size_t n, const uint64_t *to, size_t m, int32_t *best, int32_t *first,
                    int32_t *second, int32_t *back_best, int32_t *back_distance);

/* ORB (orb.c), each bit for bit as the Swift it replaced. The source as floats, transposed: dst[x * h + y]. */
void lk_u8_transposed_f32(const uint8_t *src, int32_t w, int32_t h, float *dst);
/* Area averaging of an image h rows high (given transposed, as floats: column after column) to out_w x out_h:
   rows first, then columns, each output pixel's weights `*_weights[*_start[i] ..< *_start[i + 1]]` from source
   pixel `*_first[i]`; rounded once. scratch and scratch2 hold h * out_w floats each. */
void lk_area_resize(const float *transposed, int32_t h, int32_t out_w, int32_t out_h,
                    const int32_t *col_first, const int32_t *col_start, const float *col_weights,
                    const int32_t *row_first, const int32_t *row_start, const float *row_weights,
                    float *scratch, float *scratch2, uint8_t *out);
/* FAST-9 corners at least `margin` from the edges that survive 3 x 3 non-maximum suppression of their score, as
   pixel indices in raster order into `found` (room for every pixel); their scores in `scores` (w * h, zeroed);
   `arcs` is one row of scratch. Returns how many. */
size_t lk_fast_corners(const uint8_t *px, int32_t w, int32_t h, int32_t margin, int32_t threshold,
                       const int32_t *ring, uint8_t *scores, uint8_t *arcs, int32_t *found);
/* Harris response (7 x 7 window of Sobel derivatives, constant k) at each of the n pixel indices `at`. */
void lk_harris(const uint8_t *px, int32_t w, const int32_t *at, size_t n, double k, double *out);
/* The angle of the intensity centroid of the disc (half_widths[|dy|] for dy in -radius...radius) at each `at`. */
void lk_orb_orientation(const uint8_t *px, int32_t w, const int32_t *at, size_t n, const int32_t *half_widths,
                        int32_t radius, double *out);
/* 5 x 5 binomial blur, edges repeated, rounded; `across` holds w * h. */
void lk_orb_blur(const uint8_t *px, int32_t w, int32_t h, uint16_t *across, uint8_t *out);
/* Rotated BRIEF at each `at` of a smoothed image: pattern holds 256 (dx1, dy1, dx2, dy2) per angle step; bit i
   set when the first point of pair i is darker than the second. out: 4 words per keypoint. */
void lk_orb_describe(const uint8_t *smooth, int32_t w, const int32_t *at, const int32_t *steps, size_t n,
                     const int8_t *pattern, uint64_t *out);

/* Indices j in [start, end) with popcount(codes[j] ^ query) <= radius, and their distances; returns how many.
   out_index and out_distance need room for end - start entries. */
size_t lk_hamming_within64(const uint64_t *codes, size_t start, size_t end, uint64_t query, int radius,
                           uint32_t *out_index, uint8_t *out_distance);

/* One chunk table of a multi-index hash: bucket offsets by chunk value, entries sorted by (value, item). */
typedef struct { uint64_t code; uint32_t item; uint32_t pad; } lk_mih_entry;
typedef struct {
    const uint32_t *offsets;   /* 2^bits + 1 */
    const lk_mih_entry *entries;
    const int32_t *flips;      /* chunk values within `radius` bits of 0 */
    int flip_count;
    int shift;
    uint64_t value_mask;       /* (1 << bits) - 1 */
    uint64_t mask;             /* value_mask << shift */
    int radius;
} lk_mih_chunk;

/* Items j > query_index within `radius` of `query` found through chunks [first_chunk, end_chunk), each pair
   reported only by the first chunk that can find it; returns how many. Outputs need room for every item. */
size_t lk_mih_query(const lk_mih_chunk *chunks, int first_chunk, int end_chunk, uint64_t query,
                    uint32_t query_index, int radius, uint32_t *out_index, uint8_t *out_distance);

#endif
