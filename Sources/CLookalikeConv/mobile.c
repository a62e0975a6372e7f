// MobileNet-style networks (EfficientNet-Lite): a sequence of dense convolutions (the implicit GEMM of conv.c:
// stem, 1x1 expansions and projections, head) and depthwise convolutions (their own kernels below: a dense GEMM
// would multiply by zeros 99% of the time), with ReLU6 and block residuals, then a global pooling.
// Channel counts that are not a multiple of 32 (16, 24, 40...) are stored padded to one: the extra channels
// carry zero weights and zero bias, so they stay 0 through ReLU6 and add nothing to the next layer.
#include "conv_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

static inline int round_up(int c) { return (c + NR - 1) / NR * NR; }

/* ---- Depthwise convolution: NHWC, channels (padded to 32) vectorised, one output pixel at a time ---- */

typedef struct {
    int c, kernel, stride;  /* c: stored channels (a multiple of 32) */
    float *packed;          /* kernel*kernel taps x c: each tap's weights for all channels, contiguous */
    float *bias;
} lk_dw;

typedef void (*lk_dw_row)(const lk_dw *dw, const float *in, int h, int w, int iy0, int ix0, float *out, int act);

/* One output pixel: out[ch] = act(bias[ch] + sum over taps inside the image of in[iy][ix][ch] * w[tap][ch]). */
static void dw_pixel_portable(const lk_dw *dw, const float *in, int h, int w, int iy0, int ix0, float *out, int act) {
    int k = dw->kernel, c = dw->c;
    for (int ch = 0; ch < c; ch++) out[ch] = dw->bias[ch];
    for (int ky = 0; ky < k; ky++) {
        int iy = iy0 + ky;
        if (iy < 0 || iy >= h) continue;
        for (int kx = 0; kx < k; kx++) {
            int ix = ix0 + kx;
            if (ix < 0 || ix >= w) continue;
            const float *src = in + ((long)iy * w + ix) * c, *wt = dw->packed + (long)(ky * k + kx) * c;
            for (int ch = 0; ch < c; ch++) out[ch] += src[ch] * wt[ch];
        }
    }
    for (int ch = 0; ch < c; ch++) {
        float v = out[ch];
        if (act && v < 0) v = 0;
        if (act == LK_ACT_RELU6 && v > 6) v = 6;
        out[ch] = v;
    }
}

#if defined(__x86_64__) && defined(__clang__)
#define LK_HAVE_SIMD_DW 1
/* 32 channels per step (two zmm), every tap accumulated in registers before one store. */
static __attribute__((target("avx512f,avx512vl,avx2,fma")))
void dw_pixel_avx512(const lk_dw *dw, const float *in, int h, int w, int iy0, int ix0, float *out, int act) {
    int k = dw->kernel, c = dw->c;
    int ky0 = iy0 < 0 ? -iy0 : 0, ky1 = iy0 + k > h ? h - iy0 : k;
    int kx0 = ix0 < 0 ? -ix0 : 0, kx1 = ix0 + k > w ? w - ix0 : k;
    __m512 zero = _mm512_setzero_ps(), six = _mm512_set1_ps(6);
    for (int ch = 0; ch < c; ch += 32) {
        __m512 a0 = _mm512_loadu_ps(dw->bias + ch), a1 = _mm512_loadu_ps(dw->bias + ch + 16);
        for (int ky = ky0; ky < ky1; ky++) {
            const float *row = in + ((long)(iy0 + ky) * w + ix0) * c + ch;
            const float *wt = dw->packed + (long)ky * k * c + ch;
            for (int kx = kx0; kx < kx1; kx++) {
                a0 = _mm512_fmadd_ps(_mm512_loadu_ps(row + (long)kx * c), _mm512_loadu_ps(wt + (long)kx * c), a0);
                a1 = _mm512_fmadd_ps(_mm512_loadu_ps(row + (long)kx * c + 16), _mm512_loadu_ps(wt + (long)kx * c + 16), a1);
            }
        }
        if (act) { a0 = _mm512_max_ps(a0, zero); a1 = _mm512_max_ps(a1, zero); }
        if (act == LK_ACT_RELU6) { a0 = _mm512_min_ps(a0, six); a1 = _mm512_min_ps(a1, six); }
        _mm512_storeu_ps(out + ch, a0);
        _mm512_storeu_ps(out + ch + 16, a1);
    }
}

/* The same with four ymm of 8 channels. */
static __attribute__((target("avx2,fma")))
void dw_pixel_avx2(const lk_dw *dw, const float *in, int h, int w, int iy0, int ix0, float *out, int act) {
    int k = dw->kernel, c = dw->c;
    int ky0 = iy0 < 0 ? -iy0 : 0, ky1 = iy0 + k > h ? h - iy0 : k;
    int kx0 = ix0 < 0 ? -ix0 : 0, kx1 = ix0 + k > w ? w - ix0 : k;
    __m256 zero = _mm256_setzero_ps(), six = _mm256_set1_ps(6);
    for (int ch = 0; ch < c; ch += 32) {
        __m256 a[4];
        for (int v = 0; v < 4; v++) a[v] = _mm256_loadu_ps(dw->bias + ch + 8 * v);
        for (int ky = ky0; ky < ky1; ky++) {
            const float *row = in + ((long)(iy0 + ky) * w + ix0) * c + ch;
            const float *wt = dw->packed + (long)ky * k * c + ch;
            for (int kx = kx0; kx < kx1; kx++) {
                for (int v = 0; v < 4; v++)
                    a[v] = _mm256_fmadd_ps(_mm256_loadu_ps(row + (long)kx * c + 8 * v),
                                           _mm256_loadu_ps(wt + (long)kx * c + 8 * v), a[v]);
            }
        }
        for (int v = 0; v < 4; v++) {
            if (act) a[v] = _mm256_max_ps(a[v], zero);
            if (act == LK_ACT_RELU6) a[v] = _mm256_min_ps(a[v], six);
            _mm256_storeu_ps(out + ch + 8 * v, a[v]);
        }
    }
}
#endif

static lk_dw_row dw_kernel_for(int isa) {
#if defined(LK_HAVE_SIMD_DW)
    if (isa == LK_ISA_AVX512) return dw_pixel_avx512;
    if (isa == LK_ISA_AVX2) return dw_pixel_avx2;
#endif
    (void)isa;
    return dw_pixel_portable;
}

/* weights: channels x 1 x k x k (torch's layout for groups == channels). */
static int dw_init(lk_dw *dw, int channels, int kernel, int stride, const float *weights, const float *bias) {
    memset(dw, 0, sizeof *dw);
    if (channels <= 0 || kernel <= 0 || stride <= 0) return 0;
    dw->c = round_up(channels); dw->kernel = kernel; dw->stride = stride;
    int taps = kernel * kernel;
    dw->packed = lkc_aligned_floats((size_t)taps * dw->c);
    dw->bias = lkc_aligned_floats((size_t)dw->c);
    if (!dw->packed || !dw->bias) return 0;
    memset(dw->packed, 0, (size_t)taps * dw->c * sizeof(float));
    memset(dw->bias, 0, (size_t)dw->c * sizeof(float));
    for (int ch = 0; ch < channels; ch++) {
        for (int t = 0; t < taps; t++) dw->packed[(size_t)t * dw->c + ch] = weights[(size_t)ch * taps + t];
        dw->bias[ch] = bias[ch];
    }
    return 1;
}

static void dw_free(lk_dw *dw) { free(dw->packed); free(dw->bias); }

/* This thread's share of output pixels ("same" padding, as the checkpoints were trained). */
static void dw_part(const lk_dw *dw, const float *in, int n, int h, int w, float *out, int act, int tid, int threads,
                    lk_dw_row pixel) {
    int ho, wo, py, px;
    lkc_geometry(h, dw->kernel, dw->stride, 0, 1, &ho, &py);
    lkc_geometry(w, dw->kernel, dw->stride, 0, 1, &wo, &px);
    long M = (long)n * ho * wo, m0 = M * tid / threads, m1 = M * (tid + 1) / threads;
    for (long p = m0; p < m1; p++) {
        long img = p / ((long)ho * wo), r = p % ((long)ho * wo);
        int oy = (int)(r / wo), ox = (int)(r % wo);
        pixel(dw, in + img * (long)h * w * dw->c, h, w, oy * dw->stride - py, ox * dw->stride - px, out + p * dw->c, act);
    }
}

/* ---- The network ---- */

typedef struct {
    int depthwise;       /* else a dense convolution (or a max pool) */
    int maxpool;         /* a max pool over kernel x kernel windows, no weights (VGG); torch's floor geometry */
    int wino;            /* a dense 3x3 stride-1 convolution run by Winograd F(2x2, 3x3) (winograd.c) */
    lk_wino wn;
    int pool_kernel, pool_stride, pool_c;  /* the max pool's window, step and stored channels */
    lk_conv conv;
    lk_dw dw;
    int act;
    int residual_from;   /* add the input of this earlier layer (-1: none) */
    int cout;            /* real output channels */
} lk_layer;

struct lk_mobile {
    int count, capacity;
    lk_layer *layers;
};

lk_mobile *lk_mobile_create(void) { return calloc(1, sizeof(lk_mobile)); }

void lk_mobile_release(lk_mobile *net) {
    if (!net) return;
    for (int i = 0; i < net->count; i++) {
        if (net->layers[i].maxpool) continue;
        if (net->layers[i].wino) { lkc_wino_free(&net->layers[i].wn); continue; }
        if (net->layers[i].depthwise) dw_free(&net->layers[i].dw); else lkc_conv_free(&net->layers[i].conv);
    }
    free(net->layers);
    free(net);
}

/* Channels each layer's output is stored with. */
static int stored_channels(const lk_mobile *net, int i) {
    if (net->layers[i].maxpool) return net->layers[i].pool_c;
    if (net->layers[i].wino) return net->layers[i].wn.cout_s;
    return net->layers[i].depthwise ? net->layers[i].dw.c : net->layers[i].conv.cout;
}

int lk_mobile_add(lk_mobile *net, int depthwise, int cout, int cin, int kernel, int stride, int act, int residual_from,
                  const float *weights, const float *bias) {
    if (net->count == net->capacity) {
        int capacity = net->capacity ? 2 * net->capacity : 32;
        lk_layer *grown = realloc(net->layers, (size_t)capacity * sizeof(lk_layer));
        if (!grown) return -1;
        net->layers = grown;
        net->capacity = capacity;
    }
    int i = net->count;
    /* The first layer reads the 3-channel image as it is; later ones the previous layer's stored channels. */
    int cin_storage = i == 0 ? cin : stored_channels(net, i - 1);
    if (i == 0 && depthwise) return -1;
    if (i > 0 && cin > cin_storage) return -1;
    if (residual_from >= i || (residual_from >= 0 && (residual_from == 0 || stored_channels(net, residual_from - 1) != round_up(cout))))
        return -1;
    lk_layer *layer = &net->layers[i];
    memset(layer, 0, sizeof *layer);
    layer->depthwise = depthwise; layer->act = act; layer->residual_from = residual_from; layer->cout = cout;
    /* 3x3 stride-1 convolutions past the stem (VGG's): Winograd, 2.25 times fewer multiplies in the GEMMs. */
    layer->wino = !depthwise && kernel == 3 && stride == 1 && residual_from < 0 && i > 0 && cin_storage >= 16
                  && lkc_winograd_enabled();
    int ok = layer->wino ? lkc_wino_init(&layer->wn, cout, cin <= cin_storage ? cin : cin_storage, cin_storage,
                                         weights, bias)
           : depthwise ? (cin == cout && round_up(cin) == cin_storage && residual_from < 0
                          && dw_init(&layer->dw, cout, kernel, stride, weights, bias))
                       : lkc_conv_init(&layer->conv, cout, cin, cin_storage, kernel, stride, 0, 1, weights, bias);
    if (!ok) {
        if (layer->wino) lkc_wino_free(&layer->wn); else if (depthwise) dw_free(&layer->dw); else lkc_conv_free(&layer->conv);
        return -1;
    }
    net->count++;
    return i;
}

int lk_mobile_add_maxpool(lk_mobile *net, int kernel, int stride) {
    if (net->count == 0 || kernel < 1 || stride < 1) return -1;
    if (net->count == net->capacity) {
        int capacity = 2 * net->capacity;
        lk_layer *grown = realloc(net->layers, (size_t)capacity * sizeof(lk_layer));
        if (!grown) return -1;
        net->layers = grown;
        net->capacity = capacity;
    }
    int i = net->count;
    lk_layer *layer = &net->layers[i];
    memset(layer, 0, sizeof *layer);
    layer->maxpool = 1; layer->pool_kernel = kernel; layer->pool_stride = stride;
    layer->pool_c = stored_channels(net, i - 1); layer->cout = net->layers[i - 1].cout; layer->residual_from = -1;
    net->count++;
    return i;
}

int lk_mobile_output_channels(const lk_mobile *net) { return net->count ? net->layers[net->count - 1].cout : 0; }

struct lk_mobile_workspace {
    const lk_mobile *net;
    int max_batch, threads, height, width;
    float *image;          /* the input images, NHWC */
    float *buffers[3];     /* activations: each layer writes one that is neither its input nor a kept residual */
    float *pack;           /* threads x MR x KC */
    float *wino_v, *wino_m;  /* threads x LK_WINO_FLOATS each, when a layer is Winograd's */
    float *zeros;          /* the widest stored channel count of zeros (Winograd's padding) */
    lk_pool pool;
    const float *input;
    int n, pooling;
    float *out;
};

/* Output size of every layer, walking the network from an h x w input. */
static void layer_size(const lk_layer *layer, int *h, int *w) {
    if (layer->wino) return;  /* 3x3, stride 1, "same": the size stays */
    if (layer->maxpool) {
        *h = *h < layer->pool_kernel ? 0 : (*h - layer->pool_kernel) / layer->pool_stride + 1;
        *w = *w < layer->pool_kernel ? 0 : (*w - layer->pool_kernel) / layer->pool_stride + 1;
        return;
    }
    int kernel = layer->depthwise ? layer->dw.kernel : layer->conv.kernel;
    int stride = layer->depthwise ? layer->dw.stride : layer->conv.stride, before;
    lkc_geometry(*h, kernel, stride, 0, 1, h, &before);
    lkc_geometry(*w, kernel, stride, 0, 1, w, &before);
}

/* Mean (pooling 0) or generalised mean with p = 3 (pooling 1: (mean x^3)^(1/3), on non-negative activations)
   over the pixels; this thread's share of channels, real channels only. */
static void pool_part(const float *in, int n, int hw, int c, int stored, int pooling, float *out, int tid, int threads) {
    int c0 = (int)((long)c * tid / threads), c1 = (int)((long)c * (tid + 1) / threads);
    for (int img = 0; img < n; img++) {
        float *o = out + (long)img * c;
        for (int j = c0; j < c1; j++) {
            double sum = 0;
            for (int p = 0; p < hw; p++) {
                double v = in[((long)img * hw + p) * stored + j];
                sum += pooling ? v * v * v : v;
            }
            double mean = sum / hw;
            o[j] = (float)(pooling ? cbrt(mean) : mean);
        }
    }
}

/* This thread's share of a max pool's output pixels: the largest value of each channel in the window. */
static void maxpool_part(const lk_layer *layer, const float *in, int n, int h, int w, int ho, int wo, float *out,
                         int tid, int threads) {
    int c = layer->pool_c, k = layer->pool_kernel, s = layer->pool_stride;
    long M = (long)n * ho * wo, m0 = M * tid / threads, m1 = M * (tid + 1) / threads;
    for (long p = m0; p < m1; p++) {
        long img = p / ((long)ho * wo), r = p % ((long)ho * wo);
        int oy = (int)(r / wo), ox = (int)(r % wo);
        float *o = out + p * c;
        const float *base = in + img * (long)h * w * c;
        memcpy(o, base + ((long)oy * s * w + (long)ox * s) * c, (size_t)c * sizeof(float));
        for (int ky = 0; ky < k; ky++) {
            for (int kx = 0; kx < k; kx++) {
                const float *src = base + ((long)(oy * s + ky) * w + ox * s + kx) * c;
                for (int ch = 0; ch < c; ch++) o[ch] = src[ch] > o[ch] ? src[ch] : o[ch];
            }
        }
    }
}

/* Pooling 2: no pooling, the last activation map as it is, n x h x w x (real) channels. */
static void copy_part(const float *in, int n, int hw, int c, int stored, float *out, int tid, int threads) {
    long M = (long)n * hw, m0 = M * tid / threads, m1 = M * (tid + 1) / threads;
    for (long p = m0; p < m1; p++) memcpy(out + p * c, in + p * stored, (size_t)c * sizeof(float));
}

static void forward_part(lk_mobile_workspace *ws, int tid) {
    const lk_mobile *net = ws->net;
    int T = ws->threads, n = ws->n, h = ws->height, w = ws->width;
    float *pack = ws->pack + (size_t)tid * MR * KC;
    lk_kernel kernel = lkc_kernel_for(lk_conv_isa());
    lk_dw_row pixel = dw_kernel_for(lk_conv_isa());
    int cin0 = net->layers[0].conv.cin;
    lkc_pad_to_nhwc_part(ws->input, n, cin0, h, w, 0, ws->image, tid, T);
    lkc_barrier_wait(&ws->pool.barrier);
    const float *x = ws->image;
    int x_buffer = -1, kept_buffer = -1, kept_for = -1;
    for (int i = 0; i < net->count; i++) {
        const lk_layer *layer = &net->layers[i];
        /* A later layer adds this layer's input: keep its buffer until then. */
        for (int j = i + 1; j < net->count; j++) {
            if (net->layers[j].residual_from == i) { kept_buffer = x_buffer; kept_for = j; break; }
        }
        int b = 0;
        while (b == x_buffer || b == kept_buffer) b++;
        float *y = ws->buffers[b];
        const float *residual = layer->residual_from >= 0 && kept_for == i ? ws->buffers[kept_buffer] : 0;
        int ho = h, wo = w;
        layer_size(layer, &ho, &wo);
        if (layer->wino) {
            lkc_wino_part(&layer->wn, x, n, h, w, y, layer->act, tid, T, ws->wino_v + (size_t)tid * LK_WINO_FLOATS,
                          ws->wino_m + (size_t)tid * LK_WINO_FLOATS, ws->zeros, kernel);
        } else if (layer->maxpool) {
            maxpool_part(layer, x, n, h, w, ho, wo, y, tid, T);
        } else if (layer->depthwise) {
            dw_part(&layer->dw, x, n, h, w, y, layer->act, tid, T, pixel);
        } else {
            lk_conv_input in = lkc_input(&layer->conv, x, n, h, w);
            lkc_conv_part(&in, y, residual, layer->act, tid, T, pack, kernel);
        }
        lkc_barrier_wait(&ws->pool.barrier);
        if (kept_for == i) { kept_buffer = -1; kept_for = -1; }
        x = y; x_buffer = b; h = ho; w = wo;
    }
    const lk_layer *last = &net->layers[net->count - 1];
    if (ws->pooling == 2) copy_part(x, n, h * w, last->cout, stored_channels(net, net->count - 1), ws->out, tid, T);
    else pool_part(x, n, h * w, last->cout, stored_channels(net, net->count - 1), ws->pooling, ws->out, tid, T);
    lkc_barrier_wait(&ws->pool.barrier);
}

static void forward_work(void *ws, int tid) { forward_part(ws, tid); }

int lk_mobile_output_pixels(const lk_mobile *net, int height, int width) {
    int h = height, w = width;
    for (int i = 0; i < net->count; i++) layer_size(&net->layers[i], &h, &w);
    return h * w;
}

lk_mobile_workspace *lk_mobile_workspace_create(const lk_mobile *net, int max_batch, int threads, int height, int width) {
    if (!net || net->count == 0 || net->layers[0].depthwise || max_batch < 1) return 0;
    lk_mobile_workspace *ws = calloc(1, sizeof *ws);
    if (!ws) return 0;
    ws->net = net; ws->max_batch = max_batch; ws->threads = threads < 1 ? 1 : threads;
    ws->height = height; ws->width = width;
    size_t largest = 1;
    int h = height, w = width;
    for (int i = 0; i < net->count; i++) {
        layer_size(&net->layers[i], &h, &w);
        size_t s = (size_t)h * w * stored_channels(net, i);
        if (s > largest) largest = s;
    }
    size_t batch = (size_t)max_batch;
    ws->image = lkc_aligned_floats((size_t)height * width * net->layers[0].conv.cin * batch);
    for (int b = 0; b < 3; b++) ws->buffers[b] = lkc_aligned_floats(largest * batch);
    ws->pack = lkc_aligned_floats((size_t)ws->threads * MR * KC);
    int any_wino = 0, widest = 1;
    for (int i = 0; i < net->count; i++) {
        any_wino |= net->layers[i].wino;
        if (stored_channels(net, i) > widest) widest = stored_channels(net, i);
    }
    if (any_wino) {
        ws->wino_v = lkc_aligned_floats((size_t)ws->threads * LK_WINO_FLOATS);
        ws->wino_m = lkc_aligned_floats((size_t)ws->threads * LK_WINO_FLOATS);
        ws->zeros = lkc_aligned_floats((size_t)widest);
        if (ws->zeros) memset(ws->zeros, 0, (size_t)widest * sizeof(float));
    }
    if (!ws->image || !ws->buffers[0] || !ws->buffers[1] || !ws->buffers[2] || !ws->pack
        || (any_wino && (!ws->wino_v || !ws->wino_m || !ws->zeros))) {
        lk_mobile_workspace_release(ws);
        return 0;
    }
    memset(ws->pack, 0, (size_t)ws->threads * MR * KC * sizeof(float));
    if (!lkc_pool_start(&ws->pool, ws->threads, forward_work, ws)) { lk_mobile_workspace_release(ws); return 0; }
    return ws;
}

void lk_mobile_workspace_release(lk_mobile_workspace *ws) {
    if (!ws) return;
    lkc_pool_stop(&ws->pool);
    free(ws->image);
    for (int b = 0; b < 3; b++) free(ws->buffers[b]);
    free(ws->pack);
    free(ws->wino_v);
    free(ws->wino_m);
    free(ws->zeros);
    free(ws);
}

int lk_mobile_forward(lk_mobile_workspace *ws, const float *input, int n, int pooling, float *out) {
    if (n < 1 || n > ws->max_batch) return 0;
    ws->input = input; ws->n = n; ws->pooling = pooling; ws->out = out;
    lkc_pool_run(&ws->pool);
    return 1;
}

int lk_depthwise_forward(int channels, int kernel, int stride, const float *weights, const float *bias, int act,
                         const float *input, int n, int height, int width, float *out) {
    lk_dw dw;
    if (!dw_init(&dw, channels, kernel, stride, weights, bias) || dw.c != channels) { dw_free(&dw); return 0; }
    dw_part(&dw, input, n, height, width, out, act, 0, 1, dw_kernel_for(lk_conv_isa()));
    dw_free(&dw);
    return 1;
}

int lk_conv_same_forward(int cout, int cin, int kernel, int stride, int act, const float *weights, const float *bias,
                         const float *input, int n, int height, int width, float *out) {
    lk_conv cv;
    float *pack = lkc_aligned_floats(MR * KC), *wide = 0;
    int ok = lkc_conv_init(&cv, cout, cin, cin, kernel, stride, 0, 1, weights, bias) && pack;
    lk_conv_input x = lkc_input(&cv, input, n, height, width);
    long pixels = (long)n * x.ho * x.wo;
    if (ok) ok = (wide = lkc_aligned_floats((size_t)pixels * cv.cout)) != 0;
    if (ok) {
        lkc_conv_part(&x, wide, 0, act, 0, 1, pack, lkc_kernel_for(lk_conv_isa()));
        for (long p = 0; p < pixels; p++) memcpy(out + p * cout, wide + p * cv.cout, (size_t)cout * sizeof(float));
    }
    free(wide);
    free(pack);
    lkc_conv_free(&cv);
    return ok;
}
