// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>

#include <optional>
#include <variant>

#include "server/core/apierror.h"
#include "server/core/chatrequest.h"

namespace Drawbridge {

struct OpenAiChatRequest
{
    ChatRequest request;
    bool includeUsage = false; ///< stream_options.include_usage
};

/**
 * @brief Validates an OpenAI `/v1/chat/completions` body and converts it to a ChatRequest.
 *
 * Every field that is read is checked; failures name the field in `param` the way OpenAI does
 * (e.g. `messages[2].content`). The model id is not resolved here.
 *
 * Bodies are read in one pass with FastJsonReader (simdjson); a body it does not take (invalid, a duplicate
 * key, an image, anything the reader leaves alone, or any validation failure) goes through the QJsonDocument
 * path, which produces the same ChatRequest or the error. tst_openairequestparserdiff holds the two to each
 * other.
 */
class OpenAiRequestParser final
{
public:
    static std::variant<OpenAiChatRequest, ApiError> parse(const QByteArray &body);
    /** The single-pass path alone: nullopt for a body it leaves to the QJsonDocument path. */
    static std::optional<OpenAiChatRequest> parseSinglePass(const QByteArray &body);
    /** The QJsonDocument path alone: the fallback of parse(), and the reference it is tested against. */
    static std::variant<OpenAiChatRequest, ApiError> parseWithQtJson(const QByteArray &body);
};

} // namespace Drawbridge
