// libpng reports errors by longjmp; this file keeps that inside C and returns a status and a message.
#include "CLookalikeNative.h"
#include <png.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const uint8_t *data;
    size_t size;
    size_t offset;
    char *message;
} reader_state;

static void on_error(png_structp png, png_const_charp msg) {
    reader_state *st = (reader_state *)png_get_io_ptr(png);
    if (st && st->message) snprintf(st->message, 200, "%s", msg);
    png_longjmp(png, 1);
}

static void on_warning(png_structp png, png_const_charp msg) { (void)png; (void)msg; }

static void on_read(png_structp png, png_bytep out, png_size_t length) {
    reader_state *st = (reader_state *)png_get_io_ptr(png);
    if (st->size - st->offset < length) {
        snprintf(st->message, 200, "file ends early (truncated)");
        png_longjmp(png, 1);
    }
    memcpy(out, st->data + st->offset, length);
    st->offset += length;
}

void lk_free(void *p) { free(p); }

void lk_png_release(lk_png_image *image) {
    free(image->pixels); image->pixels = NULL;
    free(image->alpha); image->alpha = NULL;
    free(image->exif); image->exif = NULL;
}

static int is_png(const uint8_t *data, size_t size) {
    return size >= 8 && png_sig_cmp((png_const_bytep)data, 0, 8) == 0;
}

static int decode(const uint8_t *data, size_t size, int64_t max_pixels, int64_t max_bytes, lk_png_image *out,
                  int header_only) {
    memset(out, 0, sizeof(*out));
    if (!is_png(data, size)) {
        snprintf(out->message, sizeof out->message, "not a PNG signature");
        return LK_PNG_NOT_PNG;
    }
    reader_state st = {data, size, 0, out->message};
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &st, on_error, on_warning);
    if (!png) return LK_PNG_NO_MEMORY;
    png_infop info = png_create_info_struct(png);
    if (!info) { png_destroy_read_struct(&png, NULL, NULL); return LK_PNG_NO_MEMORY; }
    png_set_read_fn(png, &st, on_read);
    // Our own pixel limit below replaces libpng's fixed 1,000,000-per-side guard.
    png_set_user_limits(png, 0x7fffffff, 0x7fffffff);
    png_set_crc_action(png, PNG_CRC_ERROR_QUIT, PNG_CRC_ERROR_QUIT);

    uint8_t *volatile interleaved = NULL;
    png_bytep *volatile rows = NULL;
    volatile int status = LK_PNG_OK;
    if (setjmp(png_jmpbuf(png))) {
        free(interleaved); free(rows);
        lk_png_release(out);
        png_destroy_read_struct(&png, &info, NULL);
        return status == LK_PNG_OK ? LK_PNG_CORRUPT : status;
    }
    png_read_info(png, info);
    png_uint_32 w = png_get_image_width(png, info), h = png_get_image_height(png, info);
    int depth = png_get_bit_depth(png, info), ctype = png_get_color_type(png, info);
    out->width = (int)w; out->height = (int)h;
    out->bit_depth = depth; out->color_type = ctype;
    out->interlaced = png_get_interlace_type(png, info) != PNG_INTERLACE_NONE;
    if (header_only) { png_destroy_read_struct(&png, &info, NULL); return LK_PNG_OK; }
    if ((int64_t)w * (int64_t)h > max_pixels) {
        snprintf(out->message, sizeof out->message, "%ux%u pixels is over the limit of %lld", w, h, (long long)max_pixels);
        status = LK_PNG_TOO_LARGE;
        png_longjmp(png, 1);
    }
    // Raw samples the stream claims against what its size can plausibly inflate to (deflate tops out near
    // 1032:1): a damaged or hostile IHDR is refused before the buffers are allocated.
    uint64_t raw = ((uint64_t)w * png_get_channels(png, info) * (uint64_t)depth + 7) / 8 * (uint64_t)h;
    if (max_bytes > 0 && raw > (uint64_t)max_bytes) {
        snprintf(out->message, sizeof out->message, "%llu", (unsigned long long)raw);
        status = LK_PNG_IMPLAUSIBLE;
        png_longjmp(png, 1);
    }

    int has_alpha = 0;
    if (ctype == PNG_COLOR_TYPE_PALETTE) {
        png_set_palette_to_rgb(png);  // also turns tRNS into an alpha channel
        has_alpha = png_get_valid(png, info, PNG_INFO_tRNS) != 0;
        out->layout = LK_PNG_RGB8;
    } else if (ctype == PNG_COLOR_TYPE_GRAY || ctype == PNG_COLOR_TYPE_GRAY_ALPHA) {
        if (depth < 8) png_set_expand_gray_1_2_4_to_8(png);
        has_alpha = ctype == PNG_COLOR_TYPE_GRAY_ALPHA;
        if (depth == 16 && !has_alpha) {
            out->layout = LK_PNG_GRAY16;
            png_set_swap(png);  // PNG is big-endian; hand Swift native uint16
        } else {
            if (depth == 16) png_set_strip_16(png);  // Pillow's LA;16B keeps the high byte
            out->layout = LK_PNG_GRAY8;
        }
    } else {
        if (depth == 16) png_set_strip_16(png);   // Pillow's RGB;16B / RGBA;16B keep the high byte
        has_alpha = ctype == PNG_COLOR_TYPE_RGB_ALPHA;
        out->layout = LK_PNG_RGB8;
    }
    png_set_interlace_handling(png);
    png_read_update_info(png, info);

    size_t rowbytes = png_get_rowbytes(png, info);
    int channels = png_get_channels(png, info);
    interleaved = malloc(rowbytes * h);
    rows = malloc(sizeof(png_bytep) * h);
    if (!interleaved || !rows) { status = LK_PNG_NO_MEMORY; png_longjmp(png, 1); }
    for (png_uint_32 y = 0; y < h; y++) rows[y] = interleaved + y * rowbytes;
    png_read_image(png, rows);
    png_read_end(png, info);

    png_uint_32 exif_n = 0;
    png_bytep exif = NULL;
    if (png_get_eXIf_1(png, info, &exif_n, &exif) && exif && exif_n > 0) {
        out->exif = malloc(exif_n);
        if (out->exif) { memcpy(out->exif, exif, exif_n); out->exif_size = exif_n; }
    }

    size_t n = (size_t)w * h;
    int color = out->layout == LK_PNG_RGB8 ? 3 : (out->layout == LK_PNG_GRAY16 ? 2 : 1);
    if (has_alpha && channels == (color == 3 ? 4 : 2)) {
        out->pixels = malloc(n * color);
        out->alpha = malloc(n);
        if (!out->pixels || !out->alpha) { status = LK_PNG_NO_MEMORY; png_longjmp(png, 1); }
        const uint8_t *src = interleaved;
        uint8_t *dst = out->pixels, *a = out->alpha;
        for (size_t i = 0; i < n; i++) {
            for (int c = 0; c < color; c++) *dst++ = *src++;
            *a++ = *src++;
        }
        free(interleaved);
    } else {
        out->pixels = interleaved;  // rows are packed: rowbytes == w * bytes per pixel
    }
    interleaved = NULL;
    free(rows); rows = NULL;
    png_destroy_read_struct(&png, &info, NULL);
    return LK_PNG_OK;
}

int lk_png_decode(const uint8_t *data, size_t size, int64_t max_pixels, int64_t max_bytes, lk_png_image *out) {
    return decode(data, size, max_pixels, max_bytes, out, 0);
}

int lk_png_read_header(const uint8_t *data, size_t size, lk_png_image *out) {
    return decode(data, size, 0, 0, out, 1);
}

int lk_png_write_rgb(const char *path, int width, int height, const uint8_t *rgb, char *message, size_t message_size) {
    png_image image;
    memset(&image, 0, sizeof image);
    image.version = PNG_IMAGE_VERSION;
    image.width = (png_uint_32)width;
    image.height = (png_uint_32)height;
    image.format = PNG_FORMAT_RGB;
    if (!png_image_write_to_file(&image, path, 0, rgb, 0, NULL)) {
        snprintf(message, message_size, "%s", image.message);
        png_image_free(&image);
        return 0;
    }
    return 1;
}
