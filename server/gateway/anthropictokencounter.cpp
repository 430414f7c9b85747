// SPDX-License-Identifier: MIT
#include "anthropictokencounter.h"

#include <QJsonDocument>

#include <limits>

namespace Drawbridge {

namespace {

bool isCjk(char32_t c)
{
    return (c >= 0x3040 && c <= 0x30FF) // hiragana, katakana
        || (c >= 0x3400 && c <= 0x4DBF) // CJK extension A
        || (c >= 0x4E00 && c <= 0x9FFF) // CJK unified ideographs
        || (c >= 0xAC00 && c <= 0xD7AF) // Hangul syllables
        || (c >= 0xF900 && c <= 0xFAFF) // CJK compatibility ideographs
        || (c >= 0xFF00 && c <= 0xFFEF) // half- and full-width forms
        || (c >= 0x3000 && c <= 0x303F) // CJK punctuation
        || (c >= 0x20000 && c <= 0x2FFFF); // supplementary ideographs
}

} // namespace

int AnthropicTokenCounter::estimateText(QStringView text)
{
    // Quarter-token units: Latin 1 (four characters a token), CJK 4 (one a token), other scripts 2.
    qint64 units = 0;
    for (const char32_t c : text.toUcs4()) {
        if (c < 0x0250)
            units += 1;
        else if (isCjk(c))
            units += 4;
        else
            units += 2;
    }
    return int((units + 3) / 4);
}

int AnthropicTokenCounter::estimate(const ChatRequest &request)
{
    qint64 tokens = 0;
    for (const ChatMessage &m : request.messages) {
        tokens += tokensPerMessage + estimateText(m.text);
        tokens += qint64(m.images.size()) * tokensPerImage;
        for (const ToolCall &call : m.toolCalls)
            tokens += tokensPerTool + estimateText(call.name) + estimateText(call.arguments);
        if (!m.toolCallId.isEmpty())
            tokens += estimateText(m.toolCallId);
    }
    for (const ToolDefinition &tool : request.tools) {
        tokens += tokensPerTool + estimateText(tool.name) + estimateText(tool.description);
        if (!tool.parameters.isEmpty())
            tokens += estimateText(
                QString::fromUtf8(QJsonDocument(tool.parameters).toJson(QJsonDocument::Compact)));
    }
    return int(qMin<qint64>(tokens, std::numeric_limits<int>::max()));
}

} // namespace Drawbridge
