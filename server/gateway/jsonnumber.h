// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>

namespace Drawbridge {

/**
 * Appends @p value in decimal, the same bytes as QByteArray::number(value), without the temporary array that
 * allocates: the renderers write a few numbers (token counts, a timestamp) into every response.
 */
void appendDecimal(QByteArray &out, qint64 value);

} // namespace Drawbridge
