// SPDX-License-Identifier: MIT
#include "randomuuid.h"

#include <QByteArrayView>

#include <array>
#include <cstring>

#include "threadrandom.h"

namespace Drawbridge {

namespace {

/** 16 random bytes with the version 4 and RFC 4122 variant bits set, in RFC 4122 (network) order. */
std::array<uchar, 16> randomUuidBytes()
{
    std::array<quint32, 4> words;
    threadRandom().fillRange(words.data(), qsizetype(words.size()));
    std::array<uchar, 16> bytes;
    std::memcpy(bytes.data(), words.data(), bytes.size());
    bytes[6] = uchar((bytes[6] & 0x0f) | 0x40); // version 4
    bytes[8] = uchar((bytes[8] & 0x3f) | 0x80); // RFC 4122 variant
    return bytes;
}

} // namespace

QUuid randomUuid()
{
    const std::array<uchar, 16> bytes = randomUuidBytes();
    return QUuid::fromRfc4122(QByteArrayView(bytes.data(), qsizetype(bytes.size())));
}

void randomUuidText(char (&out)[uuidTextSize])
{
    static constexpr char hex[] = "0123456789abcdef";
    const std::array<uchar, 16> bytes = randomUuidBytes();
    char *p = out;
    for (int i = 0; i < 16; ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            *p++ = '-';
        *p++ = hex[bytes[size_t(i)] >> 4];
        *p++ = hex[bytes[size_t(i)] & 0x0f];
    }
}

} // namespace Drawbridge
