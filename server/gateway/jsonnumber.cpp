// SPDX-License-Identifier: MIT
#include "jsonnumber.h"

#include <charconv>

#include "server/core/jsonescape.h"

namespace Drawbridge {

void appendDecimal(QByteArray &out, qint64 value)
{
    char digits[24]; // a sign and 19 digits at most
    const auto [end, ec] = std::to_chars(digits, digits + sizeof digits, value);
    Q_UNUSED(ec); // the buffer fits every qint64
    appendBytes(out, digits, qsizetype(end - digits));
}

} // namespace Drawbridge
