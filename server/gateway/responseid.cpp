// SPDX-License-Identifier: MIT
#include "responseid.h"

#include <cstring>

#include "server/core/threadrandom.h"

namespace Drawbridge {

QByteArray randomResponseId(const char *prefix)
{
    static constexpr char alphabet[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    static constexpr int length = 24;
    // One fillRange instead of 24 bounded() calls (they were most of a renderer's set-up); each word maps to
    // a character as bounded(62) maps it.
    quint32 words[length];
    threadRandom().fillRange(words);
    const qsizetype prefixLength = qsizetype(std::strlen(prefix));
    QByteArray id(prefixLength + length, Qt::Uninitialized);
    char *out = id.data();
    std::memcpy(out, prefix, size_t(prefixLength));
    for (int i = 0; i < length; ++i)
        out[prefixLength + i] = alphabet[(quint64(words[i]) * 62) >> 32];
    return id;
}

} // namespace Drawbridge
