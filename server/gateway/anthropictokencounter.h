// SPDX-License-Identifier: MIT
#pragma once

#include <QStringView>

#include "server/core/chatrequest.h"

namespace Drawbridge {

/**
 * @brief Local input-token estimate for /v1/messages/count_tokens and the message_start usage.
 *
 * Kiro counts no tokens, so this is a heuristic: about four characters per token for Latin scripts, one token
 * per character for CJK (Han, kana, Hangul, full-width forms), two characters per token for other scripts,
 * plus small per-message and per-tool overheads and a flat cost per image.
 */
class AnthropicTokenCounter final
{
public:
    static constexpr int tokensPerImage = 1600;
    static constexpr int tokensPerMessage = 4;
    static constexpr int tokensPerTool = 8;

    static int estimateText(QStringView text);
    static int estimate(const ChatRequest &request);
};

} // namespace Drawbridge
