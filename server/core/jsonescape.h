// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QStringView>

namespace Drawbridge {

/** Appends @p s as a quoted JSON string (UTF-8), for hand-built hot-path JSON such as SSE chunks. */
void appendJsonString(QByteArray &out, QStringView s);
/** Same for text that is already UTF-8. */
void appendJsonString(QByteArray &out, QByteArrayView utf8);

} // namespace Drawbridge
