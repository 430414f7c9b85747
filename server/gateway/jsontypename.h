// SPDX-License-Identifier: MIT
#pragma once

#include <QJsonValue>
#include <QString>

namespace Drawbridge {

/**
 * How a request parser names a JSON value's type in a 400 ("expected a string, but got a number"): the same
 * words in every dialect, as OpenAI's and Anthropic's own validation messages use them.
 */
QString jsonTypeName(const QJsonValue &value);

} // namespace Drawbridge
