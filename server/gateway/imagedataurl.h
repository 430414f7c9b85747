// SPDX-License-Identifier: MIT
#pragma once

#include <QString>

#include <optional>

#include "server/core/chatrequest.h"

namespace Drawbridge {

/**
 * An OpenAI-style image URL (`data:image/png;base64,AAAA`) as the ImagePart it carries; the chat completions
 * and the Responses parsers take images the same way. nullopt with the client-facing message in @p error
 * (naming @p param) for a remote URL, another media type or data that is not base64; the caller raises it in
 * its own dialect. `image/jpg` is taken as `image/jpeg`.
 */
std::optional<ImagePart> parseImageDataUrl(const QString &url, const QString &param, QString &error);

} // namespace Drawbridge
