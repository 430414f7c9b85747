// SPDX-License-Identifier: MIT
// libFuzzer entry point: arbitrary bytes, fed in data-dependent pieces, must never crash the decoder.
#include <cstddef>
#include <cstdint>

#include "server/kiro/eventstreamdecoder.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    // A small cap keeps the fuzzer from spending its time on allocations instead of parsing.
    Drawbridge::EventStreamDecoder decoder(64 * 1024);
    decoder.setKeepAllHeaders(size > 0 && (data[0] & 1));
    size_t pos = 0;
    while (pos < size) {
        const size_t chunk = 1 + (data[pos] % 64);
        const size_t n = chunk < size - pos ? chunk : size - pos;
        decoder.feed(reinterpret_cast<const char *>(data + pos), qsizetype(n));
        pos += n;
        while (decoder.next()) { }
    }
    return 0;
}
