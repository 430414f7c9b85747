// SPDX-License-Identifier: MIT
#include "cpufeatures.h"

#include <cstdlib>
#include <cstring>

namespace Drawbridge {

namespace {

/** DRAWBRIDGE_SIMD=sse2: the baseline loops everywhere, to compare them in tests and benchmarks. */
bool baselineForced()
{
    static const bool forced = [] {
        const char *const simd = std::getenv("DRAWBRIDGE_SIMD");
        return simd && std::strcmp(simd, "sse2") == 0;
    }();
    return forced;
}

} // namespace

bool cpuSupportsAvx2()
{
#if DRAWBRIDGE_HAS_AVX2_VARIANTS
    // libgcc's CPU model reports AVX2 only when XGETBV says the OS saves the YMM state. Under valgrind this
    // is valgrind's synthetic CPUID, which offers AVX2 on such a host: the instruction budget counts the
    // variant the gateway runs.
    static const bool supported = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("popcnt");
    return supported;
#else
    return false;
#endif
}

bool useAvx2()
{
    return cpuSupportsAvx2() && !baselineForced();
}

bool cpuSupportsPclmul()
{
#if DRAWBRIDGE_HAS_AVX2_VARIANTS
    static const bool supported = __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse4.1");
    return supported;
#else
    return false;
#endif
}

bool usePclmul()
{
    return cpuSupportsPclmul() && !baselineForced();
}

} // namespace Drawbridge
