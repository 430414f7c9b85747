// SPDX-License-Identifier: MIT
#include "randomuuid.h"

#include <QByteArray>
#include <QRandomGenerator>

#include <array>

namespace Drawbridge {

QUuid randomUuid()
{
    std::array<quint32, 4> words;
    QRandomGenerator::global()->fillRange(words.data(), qsizetype(words.size()));
    QByteArray bytes(reinterpret_cast<const char *>(words.data()), 16);
    bytes[6] = char((uchar(bytes[6]) & 0x0f) | 0x40); // version 4
    bytes[8] = char((uchar(bytes[8]) & 0x3f) | 0x80); // RFC 4122 variant
    return QUuid::fromRfc4122(bytes);
}

} // namespace Drawbridge
