// SPDX-License-Identifier: MIT
#pragma once

/**
 * Marks a function (or a lambda, after its parameter list: lambdas do not inherit their function's target)
 * compiled for AVX2 and POPCNT, to be called only when cpuSupportsAvx2(). Such a function is not inlined into
 * a baseline caller, so each holds its whole loop.
 */
#if defined(__SSE2__) && (defined(__x86_64__) || defined(__i386__))
#define DRAWBRIDGE_HAS_AVX2_VARIANTS 1
#define DRAWBRIDGE_TARGET_AVX2 __attribute__((target("avx2,popcnt")))
/** Marks a function compiled for carry-less multiplication (PCLMULQDQ) and SSE4.1; see cpuSupportsPclmul().
 */
#define DRAWBRIDGE_TARGET_PCLMUL __attribute__((target("pclmul,sse4.1")))
#else
#define DRAWBRIDGE_HAS_AVX2_VARIANTS 0
#define DRAWBRIDGE_TARGET_AVX2
#define DRAWBRIDGE_TARGET_PCLMUL
#endif

namespace Drawbridge {

/**
 * Whether this CPU runs the AVX2 variants of the byte-scanning loops (the JSON escaper, the token estimates):
 * AVX2 and POPCNT, with the operating system saving the 256-bit registers. The build targets baseline x86-64
 * (SSE2), so the variants are compiled for AVX2 on their own and chosen at run time. Always false where
 * they are not compiled (off x86).
 */
bool cpuSupportsAvx2();

/**
 * cpuSupportsAvx2(), unless DRAWBRIDGE_SIMD=sse2 forces the baseline loops (to compare them in tests and
 * benchmarks). Both are decided once per process.
 */
bool useAvx2();

/** Whether this CPU has PCLMULQDQ and SSE4.1 (the CRC-32 folding loop); false where it is not compiled. */
bool cpuSupportsPclmul();

/** cpuSupportsPclmul(), unless DRAWBRIDGE_SIMD=sse2 forces the baseline loops. */
bool usePclmul();

} // namespace Drawbridge
