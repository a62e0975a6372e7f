#ifndef CLOOKALIKE_CONV_H
#define CLOOKALIKE_CONV_H

#include <stddef.h>
#include <stdint.h>

/* ---- ResNet forward pass (conv.c): NHWC activations, packed weights, run-time SIMD micro-kernels ---- */

enum lk_isa { LK_ISA_PORTABLE = 0, LK_ISA_AVX2 = 1, LK_ISA_AVX512 = 2 };

/* The micro-kernel in use (the best this CPU has, unless set). */
int lk_conv_isa(void);
/* Forces a kernel (tests of the fallbacks); a level above what the CPU has, or -1, means the best. Returns it. */
int lk_conv_set_isa(int isa);

/* Whether networks made from now on (ResNet convolutions set, MobileNet-style layers added) run their 3x3 stride-1
   convolutions (past a MobileNet's first layer) by Winograd F(2x2, 3x3); on by default. Returns the setting before
   (tests and benchmarks compare the two). */
int lk_set_winograd(int enabled);

typedef struct lk_resnet lk_resnet;
typedef struct lk_resnet_workspace lk_resnet_workspace;

/* A bottleneck ResNet: the stem convolution (followed by a 3x3 stride-2 max pool), then per block conv1, conv2,
   conv3 and, where has_downsample[b], the downsample convolution; global average pool at the end.
   Every convolution must then be set, in that order of indices, before a workspace is made. NULL on failure. */
lk_resnet *lk_resnet_create(int block_count, const uint8_t *has_downsample);
/* shape: cout, cin, kernel, stride, pad; weights cout x cin x k x k with batch norm folded in; cout a multiple
   of 32. Packs a copy (callers can free theirs at once: loading never holds two copies of every weight).
   Returns 0 on a bad shape or no memory. */
int lk_resnet_set_convolution(lk_resnet *net, int index, const int *shape, const float *weights, const float *bias);
void lk_resnet_release(lk_resnet *net);
int lk_resnet_output_channels(const lk_resnet *net);

/* Buffers for up to max_batch images of height x width, and threads - 1 helper threads that wait between passes.
   One caller at a time per workspace. */
lk_resnet_workspace *lk_resnet_workspace_create(const lk_resnet *net, int max_batch, int threads, int height, int width);
void lk_resnet_workspace_release(lk_resnet_workspace *ws);
/* input: n images, each 3 x height x width (CHW); out: n x output channels, the global-average-pool features.
   Returns 0 if n is out of range. */
int lk_resnet_forward(lk_resnet_workspace *ws, const float *input, int n, float *out);

/* One convolution on one thread (tests): shape as above; input NHWC (or CHW when chw_input), n images;
   residual (optional) and out are (n * ho * wo) x cout. Returns 0 on a bad shape. */
int lk_conv_forward(const int *shape, const float *weights, const float *bias, int chw_input,
                    const float *input, int n, int height, int width, const float *residual, int relu, float *out);

/* ---- MobileNet-style networks (mobile.c): EfficientNet-Lite ---- */

typedef struct lk_mobile lk_mobile;
typedef struct lk_mobile_workspace lk_mobile_workspace;

lk_mobile *lk_mobile_create(void);

void lk_mobile_release(lk_mobile *net);
/* Appends a layer with batch norm folded in; returns its index, or -1 on a bad shape or no memory. depthwise: 1
   for a depthwise convolution (cout == cin, weights cout x 1 x k x k), 0 for a dense one (cout x cin x k x k).
   Every layer pads as TensorFlow's "same" does. act: 0 none, 1 ReLU, 2 ReLU6. residual_from: the index of an
   earlier layer whose input is added before the activation (a block's skip connection; dense layers only), or
   -1. The first layer is dense and reads the image (cin 3); each later one reads the previous layer's output. */
int lk_mobile_add(lk_mobile *net, int depthwise, int cout, int cin, int kernel, int stride, int act, int residual_from,
                  const float *weights, const float *bias);
/* Appends a max pool over kernel x kernel windows every stride pixels, as torch's MaxPool2d (no padding, the
   output size rounded down); returns its index, or -1. */
int lk_mobile_add_maxpool(lk_mobile *net, int kernel, int stride);
int lk_mobile_output_channels(const lk_mobile *net);
/* Pixels of the last layer's output for a height x width input. */
int lk_mobile_output_pixels(const lk_mobile *net, int height, int width);
lk_mobile_workspace *lk_mobile_workspace_create(const lk_mobile *net, int max_batch, int threads, int height, int width);
void lk_mobile_workspace_release(lk_mobile_workspace *ws);
/* input: n images, each 3 x height x width (CHW); out: n x output channels, pooled over the pixels: pooling 0 is
   the mean, 1 the generalised mean with p = 3; pooling 2 writes the last layer's output unpooled, n x pixels x
   channels (NHWC). Returns 0 if n is out of range. */
int lk_mobile_forward(lk_mobile_workspace *ws, const float *input, int n, int pooling, float *out);

/* One depthwise convolution on one thread (tests): channels a multiple of 32, input n x height x width x channels
   (NHWC), "same" padding, out n x ho x wo x channels. Returns 0 on a bad shape. */
int lk_depthwise_forward(int channels, int kernel, int stride, const float *weights, const float *bias, int act,
                         const float *input, int n, int height, int width, float *out);
/* One dense convolution with "same" padding and any cout (tests of the padded panels and ReLU6): input NHWC with
   exactly cin channels, out n x ho x wo x cout. Returns 0 on a bad shape. */
int lk_conv_same_forward(int cout, int cin, int kernel, int stride, int act, const float *weights, const float *bias,
                         const float *input, int n, int height, int width, float *out);

/* One 3x3 stride-1 "same" convolution by Winograd F(2x2, 3x3) on one thread (tests against the direct one): input
   NHWC with exactly cin channels, out n x height x width x cout. Returns 0 on a bad shape or no memory. */
int lk_wino_forward(int cout, int cin, int act, const float *weights, const float *bias, const float *input, int n,
                    int height, int width, float *out);

#endif
