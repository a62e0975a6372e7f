// 3x3 stride-1 convolutions ("same" padding) by Winograd's minimal filtering F(2x2, 3x3) (Lavin and Gray, "Fast
// Algorithms for Convolutional Neural Networks", 2016): each 2x2 block of outputs comes from a 4x4 block of inputs
// with 16 multiplies per (input, output) channel pair instead of 36, so the GEMM work drops 2.25 times. The 16
// products are 16 GEMMs (tiles x cin) . (cin x cout) run by the same micro-kernels as every other convolution;
// the transforms are additions only (and halves in the weights' transform, made once at load).
//   V = Bt d B,  U = G g Gt,  Y = At (U .* V) A,  with
//   Bt = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1],  G = [1 0 0; .5 .5 .5; .5 -.5 .5; 0 0 1],  At = [1 1 1 0; 0 1 -1 -1].
// Rounding differs from the direct sum by a few units in the last place of the activations' scale; VGG16's
// goldens hold at 1e-4 of the norm with room to spare.
#include "conv_internal.h"

#include <stdlib.h>
#include <string.h>

static _Atomic int winograd_on = 1;

int lkc_winograd_enabled(void) { return winograd_on; }

int lk_set_winograd(int enabled) {
    int before = winograd_on;
    winograd_on = enabled != 0;
    return before;
}

int lkc_wino_init(lk_wino *wn, int cout, int cin, int cin_storage, const float *weights, const float *bias) {
    memset(wn, 0, sizeof *wn);
    if (cout <= 0 || cin <= 0 || cin > cin_storage) return 0;
    wn->cin_s = cin_storage;
    wn->cout = cout;
    wn->cout_s = (cout + NR - 1) / NR * NR;
    wn->chunks = (cin_storage + KC - 1) / KC;
    int P = wn->cout_s / NR;
    wn->u = lkc_aligned_floats((size_t)16 * P * cin_storage * NR);
    wn->bias = lkc_aligned_floats((size_t)wn->cout_s);
    if (!wn->u || !wn->bias) return 0;
    memset(wn->u, 0, (size_t)16 * P * cin_storage * NR * sizeof(float));
    memset(wn->bias, 0, (size_t)wn->cout_s * sizeof(float));
    for (int o = 0; o < cout; o++) {
        wn->bias[o] = bias[o];
        for (int c = 0; c < cin; c++) {
            const float *g = weights + ((size_t)o * cin + c) * 9;
            double t[4][3], u[4][4];
            for (int j = 0; j < 3; j++) {  /* G g: rows of G against the columns of g */
                t[0][j] = g[j];
                t[1][j] = 0.5 * ((double)g[j] + g[3 + j] + g[6 + j]);
                t[2][j] = 0.5 * ((double)g[j] - g[3 + j] + g[6 + j]);
                t[3][j] = g[6 + j];
            }
            for (int i = 0; i < 4; i++) {  /* (G g) Gt */
                u[i][0] = t[i][0];
                u[i][1] = 0.5 * (t[i][0] + t[i][1] + t[i][2]);
                u[i][2] = 0.5 * (t[i][0] - t[i][1] + t[i][2]);
                u[i][3] = t[i][2];
            }
            int p = o / NR, j = o % NR;
            for (int xi = 0; xi < 16; xi++)
                wn->u[(((size_t)xi * P + p) * cin_storage + c) * NR + j] = (float)u[xi / 4][xi % 4];
        }
    }
    return 1;
}

void lkc_wino_free(lk_wino *wn) { free(wn->u); free(wn->bias); }

/* Tiles of a block per pass: as many as keep V (16 x chunks x KC floats a tile) and M (16 x cout floats a tile)
   within the per-thread buffers, a whole number of micro-tiles. */
long lkc_wino_block(const lk_wino *wn) {
    long v = (long)16 * wn->chunks * KC, m = (long)16 * wn->cout_s;
    long tb = LK_WINO_FLOATS / (v > m ? v : m);
    tb = tb / MR * MR;
    return tb < MR ? MR : tb;
}

/* K chunk kk of the stored input channels: [k0, k1), the split conv.c uses. */
static inline void chunk_range(const lk_wino *wn, int kk, int *k0, int *k1) {
    *k0 = (int)((long)wn->cin_s * kk / wn->chunks);
    *k1 = (int)((long)wn->cin_s * (kk + 1) / wn->chunks);
}

/* 16 channels at a time as one vector (any alignment): all of a position's inputs are loaded before any output is
   stored, so the compiler need not fear that the 16 output rows overlap the 16 input rows. Cloned for AVX-512,
   AVX2 and plain x86-64; the last channels (fewer than 16) go one by one. */
typedef float lk_v16 __attribute__((vector_size(64), aligned(4)));
#if defined(__x86_64__) && defined(__clang__)
#define LK_WINO_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define LK_WINO_CLONES
#endif

/* Bt d B for one channel group: d[16] inputs (row-major 4 x 4), v[16] outputs. */
#define LK_INPUT_TRANSFORM(T, d, v) do { \
    T r0[4], r1[4], r2[4], r3[4]; \
    for (int x = 0; x < 4; x++) { \
        r0[x] = d[x] - d[8 + x]; r1[x] = d[4 + x] + d[8 + x]; r2[x] = d[8 + x] - d[4 + x]; r3[x] = d[4 + x] - d[12 + x]; \
    } \
    T *rows[4] = {r0, r1, r2, r3}; \
    for (int y = 0; y < 4; y++) { \
        T *q = rows[y]; \
        v[y * 4 + 0] = q[0] - q[2]; v[y * 4 + 1] = q[1] + q[2]; v[y * 4 + 2] = q[2] - q[1]; v[y * 4 + 3] = q[1] - q[3]; \
    } \
} while (0)

/* V for tiles [b0, b0 + nb): v[((xi * chunks + kk) * TB + t) * KC + (c - k0)]. */
LK_WINO_CLONES
static void input_transform(const lk_wino *wn, const float *in, int h, int w, int th, int tw, long b0, int nb, long TB,
                            float *v, const float *zeros) {
    int cs = wn->cin_s;
    for (int t = 0; t < nb; t++) {
        long tile = b0 + t, img = tile / ((long)th * tw), r = tile % ((long)th * tw);
        int ty = (int)(r / tw), tx = (int)(r % tw);
        const float *src[16];
        for (int dy = 0; dy < 4; dy++) {
            for (int dx = 0; dx < 4; dx++) {
                int iy = 2 * ty - 1 + dy, ix = 2 * tx - 1 + dx;
                src[dy * 4 + dx] = iy >= 0 && iy < h && ix >= 0 && ix < w ? in + ((img * h + iy) * w + ix) * cs : zeros;
            }
        }
        for (int kk = 0; kk < wn->chunks; kk++) {
            int k0, k1;
            chunk_range(wn, kk, &k0, &k1);
            float *o[16];
            for (int xi = 0; xi < 16; xi++) o[xi] = v + (((long)xi * wn->chunks + kk) * TB + t) * KC - k0;
            int c = k0;
            for (; c + 16 <= k1; c += 16) {
                lk_v16 d[16], out[16];
                for (int j = 0; j < 16; j++) d[j] = *(const lk_v16 *)(src[j] + c);
                LK_INPUT_TRANSFORM(lk_v16, d, out);
                for (int j = 0; j < 16; j++) *(lk_v16 *)(o[j] + c) = out[j];
            }
            for (; c < k1; c++) {
                float d[16], out[16];
                for (int j = 0; j < 16; j++) d[j] = src[j][c];
                LK_INPUT_TRANSFORM(float, d, out);
                for (int j = 0; j < 16; j++) o[j][c] = out[j];
            }
        }
    }
}

/* At a A for one channel group: a[16] (row-major 4 x 4) -> y[4] (row-major 2 x 2). */
#define LK_OUTPUT_TRANSFORM(T, a, y) do { \
    T z0[4], z1[4]; \
    for (int j = 0; j < 4; j++) { z0[j] = a[j] + a[4 + j] + a[8 + j]; z1[j] = a[4 + j] - a[8 + j] - a[12 + j]; } \
    y[0] = z0[0] + z0[1] + z0[2]; y[1] = z0[1] - z0[2] - z0[3]; \
    y[2] = z1[0] + z1[1] + z1[2]; y[3] = z1[1] - z1[2] - z1[3]; \
} while (0)

/* Y = At M A + bias, activated, for tiles [b0, b0 + nb) and channels [c0, c1), written where inside the output. */
LK_WINO_CLONES
static void output_transform(const lk_wino *wn, const float *m, long TB, int ho, int wo, int th, int tw, long b0, int nb,
                             int c0, int c1, int act, float *out) {
    int cs = wn->cout_s;
    float scratch[16];  /* where a position outside the output is written, 16 channels at a time, then dropped */
    for (int t = 0; t < nb; t++) {
        long tile = b0 + t, img = tile / ((long)th * tw), r = tile % ((long)th * tw);
        int ty = (int)(r / tw), tx = (int)(r % tw);
        const float *s[16];
        for (int xi = 0; xi < 16; xi++) s[xi] = m + ((long)xi * TB + t) * cs;
        float *dst[4];
        long step[4];
        for (int q = 0; q < 4; q++) {
            int y = 2 * ty + q / 2, x = 2 * tx + q % 2, inside = y < ho && x < wo;
            dst[q] = inside ? out + ((img * ho + y) * wo + x) * cs : scratch;
            step[q] = inside;  /* scratch is rewritten in place: never advanced */
        }
        lk_v16 zero = {0}, six = zero + 6;
        int o = c0;
        for (; o + 16 <= c1; o += 16) {
            lk_v16 a[16], y[4];
            for (int j = 0; j < 16; j++) a[j] = *(const lk_v16 *)(s[j] + o);
            LK_OUTPUT_TRANSFORM(lk_v16, a, y);
            lk_v16 bias = *(const lk_v16 *)(wn->bias + o);
            for (int q = 0; q < 4; q++) {
                lk_v16 val = y[q] + bias;
                if (act) val = __builtin_elementwise_max(val, zero);
                if (act == LK_ACT_RELU6) val = __builtin_elementwise_min(val, six);
                *(lk_v16 *)(dst[q] + o * step[q]) = val;
            }
        }
        for (; o < c1; o++) {
            float a[16], y[4];
            for (int j = 0; j < 16; j++) a[j] = s[j][o];
            LK_OUTPUT_TRANSFORM(float, a, y);
            for (int q = 0; q < 4; q++) {
                float val = y[q] + wn->bias[o];
                if (act && val < 0) val = 0;
                if (act == LK_ACT_RELU6 && val > 6) val = 6;
                dst[q][o * step[q]] = val;
            }
        }
    }
}

/* This thread's share of one Winograd convolution, in NHWC (stored channels) out, n x h x w x cout_s. Many tiles:
   threads split the tiles; few (late layers of a small batch): threads split the output channels, each making the
   whole V (cheap) and streaming only its part of U. v and m are this thread's LK_WINO_FLOATS buffers. */
void lkc_wino_part(const lk_wino *wn, const float *in, int n, int h, int w, float *out, int act, int tid, int threads,
                   float *v, float *m, const float *zeros, lk_kernel kernel) {
    int th = (h + 1) / 2, tw = (w + 1) / 2, P = wn->cout_s / NR;
    long tiles = (long)n * th * tw, TB = lkc_wino_block(wn);
    int by_panels = tiles < 8L * MR * threads && P >= threads;
    long t0 = by_panels ? 0 : tiles * tid / threads, t1 = by_panels ? tiles : tiles * (tid + 1) / threads;
    int p0 = by_panels ? P * tid / threads : 0, p1 = by_panels ? P * (tid + 1) / threads : P;
    for (long b0 = t0; b0 < t1; b0 += TB) {
        int nb = (int)(t1 - b0 < TB ? t1 - b0 : TB);
        input_transform(wn, in, h, w, th, tw, b0, nb, TB, v, zeros);
        for (int xi = 0; xi < 16; xi++) {
            for (int pc0 = p0; pc0 < p1; pc0 += NCP) {
                int pc1 = pc0 + NCP < p1 ? pc0 + NCP : p1;
                for (int kk = 0; kk < wn->chunks; kk++) {
                    int k0, k1;
                    chunk_range(wn, kk, &k0, &k1);
                    const float *a = v + ((long)xi * wn->chunks + kk) * TB * KC;
                    for (int mb = 0; mb < nb; mb += MR) {
                        int mr = nb - mb < MR ? nb - mb : MR;
                        for (int p = pc0; p < pc1; p++) {
                            lk_epilogue e = {wn->bias + p * NR, 0, wn->cout_s, 0, kk > 0, 0};
                            kernel(mr, k1 - k0, a + (long)mb * KC, wn->u + (((long)xi * P + p) * wn->cin_s + k0) * NR,
                                   m + ((long)xi * TB + mb) * wn->cout_s + p * NR, wn->cout_s, &e);
                        }
                    }
                }
            }
        }
        output_transform(wn, m, TB, h, w, th, tw, b0, nb, p0 * NR, p1 * NR, act, out);
    }
}

int lk_wino_forward(int cout, int cin, int act, const float *weights, const float *bias, const float *input, int n,
                    int height, int width, float *out) {
    lk_wino wn;
    int ok = lkc_wino_init(&wn, cout, cin, cin, weights, bias);
    float *v = ok ? lkc_aligned_floats(LK_WINO_FLOATS) : 0, *m = v ? lkc_aligned_floats(LK_WINO_FLOATS) : 0;
    float *zeros = m ? lkc_aligned_floats((size_t)cin) : 0, *wide = 0;
    long pixels = (long)n * height * width;
    if (zeros) wide = lkc_aligned_floats((size_t)pixels * wn.cout_s);
    ok = ok && wide;
    if (ok) {
        memset(zeros, 0, (size_t)cin * sizeof(float));
        lkc_wino_part(&wn, input, n, height, width, wide, act, 0, 1, v, m, zeros, lkc_kernel_for(lk_conv_isa()));
        for (long p = 0; p < pixels; p++) memcpy(out + p * cout, wide + p * wn.cout_s, (size_t)cout * sizeof(float));
    }
    free(v); free(m); free(zeros); free(wide);
    lkc_wino_free(&wn);
    return ok;
}
