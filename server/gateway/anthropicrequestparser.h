// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QStringList>

#include <optional>
#include <variant>

#include "server/core/apierror.h"
#include "server/core/chatrequest.h"

namespace Drawbridge {

/**
 * @brief Validates an Anthropic `/v1/messages` body and converts it to a ChatRequest.
 *
 * Errors name the offending field the way Anthropic does (`messages.1.content.0.tool_use_id: …`), in `param`
 * too. A user message holding tool_result blocks becomes one Role::Tool message per result, followed by a
 * User message for its remaining text and images. Assistant thinking blocks are dropped (the upstream takes
 * no reasoning history); `thinking` never fails a request. The model id is not resolved here.
 *
 * What Claude Code sends is accepted: `role: "system"` entries inside `messages` become System messages in
 * place (the Kiro builder merges every System message into the system context), `context_management`,
 * `output_config` and `metadata` never fail a request, and server-side tools the gateway cannot run are left
 * out and reported in the notes instead of refused.
 *
 * Bodies are read in one pass with FastJsonReader (simdjson); a body it does not take (invalid, a duplicate
 * key, an image or document, any validation failure) goes through the QJsonDocument path, which produces the
 * same request and notes or the error. tst_requestparserdiff holds the two to each other.
 */
class AnthropicRequestParser final
{
public:
    /** What the parser left out or changed on its own; the route logs it. */
    struct Notes
    {
        QStringList droppedTools; ///< "name (type)" of each server tool left out
        QStringList ignored; ///< other fields or edits that have no meaning upstream
        int clearedToolResults = 0; ///< tool results cleared by a clear_tool_uses edit
        bool thinkingOmitted = false; ///< thinking.display = "omitted": thinking blocks carry no text
    };

    enum class Mode {
        Messages, ///< POST /v1/messages: max_tokens is required
        CountTokens, ///< POST /v1/messages/count_tokens: max_tokens is not part of the body
    };

    static std::variant<ChatRequest, ApiError> parse(const QByteArray &body, Mode mode = Mode::Messages,
                                                     Notes *notes = nullptr);
    /** The single-pass path alone: nullopt for a body it leaves to the QJsonDocument path. */
    static std::optional<ChatRequest> parseSinglePass(const QByteArray &body, Mode mode = Mode::Messages,
                                                      Notes *notes = nullptr);
    /** The QJsonDocument path alone: the fallback of parse(), and the reference it is tested against. */
    static std::variant<ChatRequest, ApiError>
    parseWithQtJson(const QByteArray &body, Mode mode = Mode::Messages, Notes *notes = nullptr);
};

} // namespace Drawbridge
