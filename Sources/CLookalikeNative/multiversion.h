// Kernels compiled for x86-64-v4 (AVX-512), v3 (AVX2) and the baseline; the loader picks one by the CPU it runs on.
#ifndef LK_MULTIVERSION_H
#define LK_MULTIVERSION_H
#if defined(__x86_64__) && defined(__clang__)
#define LK_MULTIVERSION __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define LK_MULTIVERSION
#endif
#endif
