// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QString>
#include <QStringList>

#include <optional>
#include <vector>

namespace Drawbridge {

/**
 * @brief Provider-neutral chat request.
 *
 * Both front ends (OpenAI chat completions, Anthropic messages) validate their wire format and produce this;
 * providers (Kiro) translate it to their upstream format. Content has already been validated.
 */
struct ImagePart
{
    QString mediaType; ///< e.g. "image/png"
    QByteArray base64Data; ///< base64 text, as received (not decoded)
};

struct ToolCall
{
    QString id;
    QString name;
    QString arguments; ///< JSON object text as the client sent it
    /**
     * Optional: @ref arguments as the Kiro body's tool input (compact, as QJsonDocument writes the object,
     * without a top-level "" key), set by a reader that wrote it that way anyway (the Anthropic single-pass
     * parser), so the builder does not read the arguments again (issue 18). Empty = not set. Whoever changes
     * @ref arguments afterwards clears it.
     */
    QByteArray kiroInput;
};

enum class Role { System, User, Assistant, Tool };

/**
 * One message. Its text (all text content, parts joined) is held in one of two forms: @ref textUtf8 when
 * that is not empty, else @ref text. The single-pass request parsers keep only the client's UTF-8, so a text
 * that is only passed through to Kiro is never converted to UTF-16 and back (issue 18); readers use
 * textString() or hasText(), and whoever sets one form clears the other.
 */
struct ChatMessage
{
    Role role = Role::User;
    QString text; ///< the text as UTF-16, when @ref textUtf8 is empty (see above)
    std::vector<ImagePart> images;
    std::vector<ToolCall> toolCalls; ///< assistant only
    QString toolCallId; ///< tool only: the call this result answers
    bool toolError = false; ///< tool only: the result reports a failure
    QByteArray textUtf8; ///< the text as the client sent it in valid UTF-8; empty = @ref text holds it
    /**
     * Optional: @ref textUtf8 as a JSON string, quotes included, escaped as QJsonDocument writes it, set by
     * a reader that had it at hand (the single-pass parsers keep it per distinct text: agents resend the
     * whole conversation with every request, issue 18). Empty = not set. Whoever changes the text clears it.
     */
    QByteArray textJson;

    /** The text, converted from UTF-8 when that is the form held (a copy then; the shared string else). */
    QString textString() const { return textUtf8.isEmpty() ? text : QString::fromUtf8(textUtf8); }
    bool hasText() const { return !textUtf8.isEmpty() || !text.isEmpty(); }
    /** Replaces the text with @p s (and drops the UTF-8 form). */
    void setText(const QString &s)
    {
        text = s;
        textUtf8.clear();
        textJson.clear();
    }
};

/**
 * A tool the client declares. Its description, like a message's text, is held in one of two forms:
 * @ref descriptionUtf8 when that is not empty, else @ref description. The single-pass request parsers keep
 * the client's UTF-8: agents send some 10 KiB of tool descriptions with every request, only to be copied to
 * Kiro (issue 18). Readers use descriptionString(); whoever sets one form clears the other.
 */
struct ToolDefinition
{
    QString name;
    QString description; ///< as UTF-16, when @ref descriptionUtf8 is empty
    QJsonObject parameters; ///< JSON schema of the arguments; empty = no parameters
    /**
     * Optional: @ref parameters as compact JSON text, set by a reader that has it at hand (the single-pass
     * request parsers). Equal text means equal parameters, so the Kiro builder keys its sanitised-schema memo
     * on it: agents send the same tools with every request. Empty = not set; the builder then works from
     * @ref parameters alone.
     */
    QByteArray parametersJson;
    QByteArray descriptionUtf8; ///< as the client sent it, in valid UTF-8; empty = @ref description holds it

    /** The description, converted from UTF-8 when that is the form held. */
    QString descriptionString() const
    {
        return descriptionUtf8.isEmpty() ? description : QString::fromUtf8(descriptionUtf8);
    }
};

enum class ToolChoice { Auto, None, Required, Named };

struct ChatRequest
{
    QString requestedModel; ///< the model id the client sent; echoed back in responses
    QString upstreamModel; ///< resolved provider model id
    std::vector<ChatMessage> messages;
    std::vector<ToolDefinition> tools;
    ToolChoice toolChoice = ToolChoice::Auto;
    QString toolChoiceName; ///< for ToolChoice::Named
    std::optional<int> maxTokens;
    std::optional<double> temperature;
    std::optional<double> topP;
    QStringList stop;
    bool stream = false;
    bool thinking = false; ///< client asked for reasoning output
    int thinkingBudgetTokens = 0;
    QString keyId; ///< public id of the client key (for logs and the ledger)
};

} // namespace Drawbridge
