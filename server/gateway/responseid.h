// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>

namespace Drawbridge {

/**
 * A fresh id for something the gateway answers with (`msg_…`, `chatcmpl-…`, `toolu_…`, `resp_…`): @p prefix
 * and 24 characters of [a-zA-Z0-9] from this thread's generator (threadRandom()), as the upstream APIs'
 * ids look.
 */
QByteArray randomResponseId(const char *prefix);

} // namespace Drawbridge
