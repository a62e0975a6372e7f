// Shared between the network engines (conv.c: kernels, convolution, threads, ResNet; mobile.c: the
// MobileNet-style networks). Not part of the module's public interface.
#ifndef LK_CONV_INTERNAL_H
#define LK_CONV_INTERNAL_H

#include "CLookalikeConv.h"
#include <pthread.h>
#include <stdatomic.h>

#define MR 12    /* pixel rows per micro-tile (AVX-512: 12 x 2 accumulators of 16 channels) */
#define NR 32    /* output channels per weight panel */
#define KC 256   /* K per packed chunk: 12 rows x 256 floats = 12 KiB stays in L1 across the panels */
#define NCP 16   /* panels per weight block: 256 x 512 floats = 512 KiB stays in L2 across the pixel tiles */

typedef struct {
    int cout, cin, kernel, stride, pad, k;
    /* TensorFlow's "same" padding (output ceil(size / stride), the odd pixel of padding after), as the
       EfficientNet checkpoints were trained with; otherwise `pad` on every side, as torchvision's. */
    int same;
    float *packed;     /* cout/NR panels, each K x NR; K ordered (ky, kx, c) */
    float *bias;
} lk_conv;

/* A 3x3 stride-1 "same" convolution by Winograd F(2x2, 3x3) (winograd.c): U = G g Gt for each of the 16
   positions, packed as the direct convolution's panels (16 x cout_s/NR panels of cin_s x NR). */
typedef struct {
    int cin_s, cout, cout_s, chunks;  /* stored input channels, real and stored outputs, K chunks of cin_s */
    float *u;
    float *bias;                      /* cout_s, zero past cout */
} lk_wino;

/* Floats in each of a thread's two Winograd buffers (V and M): 8 MB each. */
#define LK_WINO_FLOATS (2L << 20)

struct lk_resnet {
    int conv_count, block_count;
    lk_conv *convs;
    /* Per convolution: its Winograd form when it is a 3x3 stride-1 one run that way (u set), else zeroed. */
    lk_wino *winos;
    uint8_t *has_downsample;
};

/* Whether 3x3 stride-1 convolutions made from now on run by Winograd (winograd.c; on unless turned off). */
int lkc_winograd_enabled(void);

/* Activations applied on the way out of a convolution. */
enum { LK_ACT_NONE = 0, LK_ACT_RELU = 1, LK_ACT_RELU6 = 2 };

/* What happens to a finished tile: `accumulate` adds C's current contents (a later K chunk); `last` adds bias,
   then residual (same layout as C), then the activation `relu` (an LK_ACT_*). */
typedef struct {
    const float *bias;
    const float *residual;
    long ldr;
    int relu, accumulate, last;
} lk_epilogue;

/* c (mr x NR, row stride ldc) (+)= a (mr rows of kc, row stride KC) . b (kc x NR). */
typedef void (*lk_kernel)(int mr, int kc, const float *a, const float *b, float *c, long ldc, const lk_epilogue *e);

typedef struct {
    const lk_conv *conv;
    const float *in;
    int n, h, w, ho, wo;
    int pad_y, pad_x;  /* padding before the first row and column */
} lk_conv_input;

/* Output size and leading padding of one convolution over an h x w input. */
static inline void lkc_geometry(int size, int kernel, int stride, int pad, int same, int *out, int *before) {
    if (same) {
        int o = (size + stride - 1) / stride, total = (o - 1) * stride + kernel - size;
        *out = o;
        *before = total > 0 ? total / 2 : 0;
    } else {
        *out = (size + 2 * pad - kernel) / stride + 1;
        *before = pad;
    }
}

int lkc_wino_init(lk_wino *wn, int cout, int cin, int cin_storage, const float *weights, const float *bias);
void lkc_wino_free(lk_wino *wn);
long lkc_wino_block(const lk_wino *wn);
void lkc_wino_part(const lk_wino *wn, const float *in, int n, int h, int w, float *out, int act, int tid, int threads,
                   float *v, float *m, const float *zeros, lk_kernel kernel);

static inline lk_conv_input lkc_input(const lk_conv *cv, const float *in, int n, int h, int w) {
    lk_conv_input x = {cv, in, n, h, w, 0, 0, 0, 0};
    lkc_geometry(h, cv->kernel, cv->stride, cv->pad, cv->same, &x.ho, &x.pad_y);
    lkc_geometry(w, cv->kernel, cv->stride, cv->pad, cv->same, &x.wo, &x.pad_x);
    return x;
}



typedef struct {
    _Atomic int arrived;
    _Atomic unsigned generation;
    _Atomic int sleepers;
    int count;
} lk_barrier;

/* Helper threads that run whole passes: each lkc_pool_run calls work(arg, tid) on threads 1..threads-1 and on the
   caller as thread 0; `barrier` spans all of them. The pool must not move once started. */
typedef struct {
    int threads;
    pthread_t *helpers;
    lk_barrier barrier;
    _Atomic unsigned job;  /* bumped to start a pass on the helpers */
    _Atomic int job_sleepers;
    int quit;
    void (*work)(void *arg, int tid);
    void *arg;
} lk_pool;

/* Starts threads - 1 helpers; 0 (with every started helper joined again) when one cannot start. */
int lkc_pool_start(lk_pool *pool, int threads, void (*work)(void *arg, int tid), void *arg);
void lkc_pool_run(lk_pool *pool);
void lkc_pool_stop(lk_pool *pool);

void *lkc_aligned_floats(size_t count);
/* Packs a convolution whose input activations hold `cin_storage` >= cin channels per pixel (the extra ones read
   as zero weights) and whose cout is rounded up to a whole panel (the extra outputs are 0 + 0 bias). */
int lkc_conv_init(lk_conv *cv, int cout, int cin, int cin_storage, int kernel, int stride, int pad, int same,
                  const float *weights, const float *bias);
void lkc_conv_free(lk_conv *cv);
lk_kernel lkc_kernel_for(int isa);
void lkc_conv_part(const lk_conv_input *x, float *out, const float *residual, int relu,
                   int tid, int threads, float *pack, lk_kernel kernel);
void lkc_pad_to_nhwc_part(const float *in, int n, int c, int h, int w, int pad, float *out, int tid, int threads);
void lkc_average_pool_part(const float *in, int n, int hw, int c, float *out, int tid, int threads);
void lkc_barrier_wait(lk_barrier *b);
void lkc_await_change(_Atomic unsigned *word, unsigned seen, _Atomic int *sleepers);
void lkc_publish_change(_Atomic unsigned *word, _Atomic int *sleepers);

#endif
