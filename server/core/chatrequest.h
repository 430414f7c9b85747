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

struct ChatMessage
{
    Role role = Role::User;
    QString text; ///< all text content of the message, parts joined
    std::vector<ImagePart> images;
    std::vector<ToolCall> toolCalls; ///< assistant only
    QString toolCallId; ///< tool only: the call this result answers
    bool toolError = false; ///< tool only: the result reports a failure
    /**
     * Optional: @ref text as the client sent it in UTF-8, set by a reader that has it at hand (the
     * single-pass request parsers), so the Kiro builder copies a text it passes through unchanged without
     * converting it back from UTF-16 (issue 18). Empty = not set. Whoever changes @ref text afterwards clears
     * it.
     */
    QByteArray textUtf8;
};

struct ToolDefinition
{
    QString name;
    QString description;
    QJsonObject parameters; ///< JSON schema of the arguments; empty = no parameters
    /**
     * Optional: @ref parameters as compact JSON text, set by a reader that has it at hand (the single-pass
     * request parsers). Equal text means equal parameters, so the Kiro builder keys its sanitised-schema memo
     * on it: agents send the same tools with every request. Empty = not set; the builder then works from
     * @ref parameters alone.
     */
    QByteArray parametersJson;
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
