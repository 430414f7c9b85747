// SPDX-License-Identifier: MIT
#include "anthropictokencounter.h"

#include <QHash>
#include <QJsonDocument>

#include <cstring>
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

/**
 * The estimate of @p tool's schema as compact JSON text. Agents send the same tools with every request and
 * serialising a schema costs far more than counting it, so when the parser left the schema's text
 * (ToolDefinition::parametersJson: equal text, equal schema) the count is memoised per thread under it,
 * bounded like the builder's schema memo (256 schemas, 1 MiB of text, emptied when full). The count itself is
 * always taken from QJsonDocument's text, which is what the estimate has always counted (the parser's text
 * differs in key order and number format).
 */
qint64 schemaTokens(const ToolDefinition &tool)
{
    const auto compute = [&] {
        return AnthropicTokenCounter::estimateText(
            QString::fromUtf8(QJsonDocument(tool.parameters).toJson(QJsonDocument::Compact)));
    };
    if (tool.parametersJson.isEmpty())
        return compute();
    struct Memo
    {
        QHash<QByteArray, int> tokens;
        qsizetype bytes = 0;
    };
    thread_local Memo memo;
    if (const auto it = memo.tokens.constFind(tool.parametersJson); it != memo.tokens.constEnd())
        return it.value();
    const int tokens = compute();
    constexpr qsizetype maxEntries = 256, maxBytes = 1024 * 1024;
    const qsizetype size = tool.parametersJson.size();
    if (memo.tokens.size() >= maxEntries || memo.bytes + size > maxBytes) {
        memo.tokens.clear();
        memo.bytes = 0;
    }
    if (size <= maxBytes / 4) {
        memo.tokens.insert(tool.parametersJson, tokens);
        memo.bytes += size;
    }
    return tokens;
}

} // namespace

int AnthropicTokenCounter::estimateText(QStringView text)
{
    // Quarter-token units: Latin 1 (four characters a token), CJK 4 (one a token), other scripts 2.
    // Code points are read from the UTF-16 in place, the way QStringView::toUcs4() decodes them (a surrogate
    // pair is one code point; a lone surrogate, which toUcs4() turns into U+FFFD, counts 2 like that),
    // without its allocation and copy per text. Most text is ASCII: eight code units all below U+0200 (one
    // test of two 64-bit words) count 8 at once.
    const char16_t *const p = text.utf16();
    const qsizetype n = text.size();
    qint64 units = 0;
    qsizetype i = 0;
    while (i < n) {
        if (n - i >= 8) {
            quint64 lo, hi;
            std::memcpy(&lo, p + i, sizeof lo);
            std::memcpy(&hi, p + i + 4, sizeof hi);
            if (((lo | hi) & 0xFE00FE00FE00FE00ULL) == 0) {
                units += 8;
                i += 8;
                continue;
            }
        }
        const char16_t u = p[i++];
        if (u < 0x0250) {
            units += 1;
            continue;
        }
        char32_t c = u;
        if (QChar::isHighSurrogate(u) && i < n && QChar::isLowSurrogate(p[i]))
            c = QChar::surrogateToUcs4(u, p[i++]);
        units += isCjk(c) ? 4 : 2;
    }
    return int((units + 3) / 4);
}

int AnthropicTokenCounter::estimateUtf8(QByteArrayView utf8)
{
    // The same quarter-token units per code point as estimateText(). In UTF-8 a code point below U+0250 is
    // one byte, or two with a lead byte C2–C8, or C9 followed by 80–8F; anything else is decoded (2–4 bytes)
    // and weighed 4 if CJK, else 2. A message's text is the client's UTF-8 (ChatMessage::textUtf8), so this
    // spares the UTF-16 copy of every text (issue 18). Sixteen ASCII bytes count 16 at once.
    const auto *p = reinterpret_cast<const unsigned char *>(utf8.data());
    const qsizetype n = utf8.size();
    qint64 units = 0;
    qsizetype i = 0;
    while (i < n) {
        if (n - i >= 16) {
            quint64 lo, hi;
            std::memcpy(&lo, p + i, sizeof lo);
            std::memcpy(&hi, p + i + 8, sizeof hi);
            if (((lo | hi) & 0x8080808080808080ULL) == 0) {
                units += 16;
                i += 16;
                continue;
            }
        }
        const unsigned char b = p[i];
        if (b < 0x80) {
            units += 1;
            ++i;
            continue;
        }
        char32_t c;
        qsizetype len;
        if (b < 0xE0) {
            c = b & 0x1F;
            len = 2;
        } else if (b < 0xF0) {
            c = b & 0x0F;
            len = 3;
        } else {
            c = b & 0x07;
            len = 4;
        }
        if (n - i < len) { // cut short (not valid UTF-8, which callers do not pass): as U+FFFD, weighed 2
            units += 2;
            break;
        }
        for (qsizetype k = 1; k < len; ++k)
            c = (c << 6) | (p[i + k] & 0x3F);
        i += len;
        units += c < 0x0250 ? 1 : isCjk(c) ? 4 : 2;
    }
    return int((units + 3) / 4);
}

int AnthropicTokenCounter::overhead(const ChatRequest &request)
{
    return request.tools.empty() ? 0 : ToolUsePrompt::tokensFor(request.toolChoice);
}

int AnthropicTokenCounter::estimate(const ChatRequest &request)
{
    qint64 tokens = overhead(request);
    for (const ChatMessage &m : request.messages) {
        tokens += tokensPerMessage + (m.textUtf8.isEmpty() ? estimateText(m.text) : estimateUtf8(m.textUtf8));
        tokens += qint64(m.images.size()) * tokensPerImage;
        for (const ToolCall &call : m.toolCalls)
            tokens += tokensPerTool + estimateText(call.name) + estimateText(call.arguments);
        if (!m.toolCallId.isEmpty())
            tokens += estimateText(m.toolCallId);
    }
    for (const ToolDefinition &tool : request.tools) {
        tokens += tokensPerTool + estimateText(tool.name) + estimateText(tool.description);
        if (!tool.parameters.isEmpty())
            tokens += schemaTokens(tool);
    }
    return int(qMin<qint64>(tokens, std::numeric_limits<int>::max()));
}

} // namespace Drawbridge
