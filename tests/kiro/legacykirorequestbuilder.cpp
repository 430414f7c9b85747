// SPDX-License-Identifier: MIT
// The Kiro request builder as it was before issue 18 (a QJsonObject tree serialised by QJsonDocument), kept
// unchanged as the oracle of the differential test: the direct writer must produce the same bytes.
#include "legacykirorequestbuilder.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>
#include <QUuid>

#include <vector>

#include "server/core/jsonescape.h"
#include "server/kiro/kirotokenestimator.h"
#include "server/kiro/kirotoolsanitizer.h"

namespace Drawbridge::Test {

namespace {

// Anthropic prices an image at up to ~1,600 tokens (about 1.15 megapixels); without decoding the image
// that ceiling is the honest estimate.
constexpr int tokensPerImage = 1600;

struct ToolUse
{
    QString id;
    QString name; ///< Kiro-side (possibly shortened) name
    QString originalName;
    QJsonObject input;
    QString argumentsText; ///< as the client sent it, for the text fallback
};

struct ToolResult
{
    QString id;
    QString text;
    bool error = false;
};

/** One message in Kiro's two-role world while the history is being normalised. */
struct Turn
{
    bool user = true;
    QString text;
    std::vector<const ImagePart *>
        images; // pointers: base64 payloads are big and copied only once, into JSON
    std::vector<ToolUse> toolUses;
    std::vector<ToolResult> toolResults;
};

void appendParagraph(QString &text, const QString &addition)
{
    if (addition.trimmed().isEmpty())
        return;
    if (!text.trimmed().isEmpty())
        text += QLatin1String("\n\n");
    text += addition;
}

QString toolCallAsText(const ToolUse &use)
{
    return QStringLiteral("[Tool call %1 (id %2) with arguments: %3]")
        .arg(use.originalName, use.id,
             use.argumentsText.trimmed().isEmpty() ? QStringLiteral("{}") : use.argumentsText);
}

QString toolResultAsText(const ToolResult &result)
{
    return QStringLiteral("[Tool result for %1%2]\n%3")
        .arg(result.id, result.error ? QStringLiteral(" (error)") : QString(), result.text);
}

QJsonObject parseArguments(const QString &arguments)
{
    const QJsonDocument doc = QJsonDocument::fromJson(arguments.toUtf8());
    QJsonObject input = doc.isObject() ? doc.object() : QJsonObject();
    // AIClient saw Kiro reject inputs with an empty-string key.
    input.remove(QString());
    return input;
}

class Builder
{
public:
    Builder(const ChatRequest &request, const KiroRequestOptions &options)
        : m_request(request), m_options(options)
    {
    }

    Result<KiroRequest> build(ProviderErrorKind *errorKind);

private:
    Status collectTurns();
    void convertToolsToText();
    void mergeSameRole();
    void pairToolUsesAndResults();
    void ensureUserFirstAndUserLast();
    QString systemPrompt() const;
    QJsonArray toolSpecifications();
    Result<QJsonObject> userMessage(const Turn &turn, bool current);
    QJsonObject assistantMessage(const Turn &turn);
    QString kiroToolName(const QString &original);

    const ChatRequest &m_request;
    const KiroRequestOptions &m_options;
    QStringList m_systemParts;
    std::vector<Turn> m_turns;
    bool m_toolsEnabled = false;
    bool m_prefill = false;
    QHash<QString, QString> m_reverseNames;
    QSet<QString> m_declaredNames; ///< Kiro-side names of the tools sent
    qint64 m_textUnits = 0;
    int m_imageCount = 0;
};

QString Builder::kiroToolName(const QString &original)
{
    const QString name = KiroToolSanitizer::shortenName(original);
    if (name != original)
        m_reverseNames.insert(name, original);
    return name;
}

Status Builder::collectTurns()
{
    for (const ChatMessage &message : m_request.messages) {
        switch (message.role) {
        case Role::System:
            if (!message.textString().trimmed().isEmpty())
                m_systemParts.append(message.textString());
            break;
        case Role::User: {
            Turn turn;
            turn.text = message.textString();
            for (const ImagePart &image : message.images)
                turn.images.push_back(&image);
            m_turns.push_back(std::move(turn));
            break;
        }
        case Role::Assistant: {
            Turn turn;
            turn.user = false;
            turn.text = message.textString();
            for (const ToolCall &call : message.toolCalls) {
                turn.toolUses.push_back({ call.id, kiroToolName(call.name), call.name,
                                          parseArguments(call.arguments), call.arguments });
            }
            m_turns.push_back(std::move(turn));
            break;
        }
        case Role::Tool: {
            // Consecutive tool messages become one user turn in mergeSameRole(): parallel results must all
            // land in the same user message or Kiro rejects the turn.
            Turn turn;
            turn.toolResults.push_back({ message.toolCallId, message.textString(), message.toolError });
            m_turns.push_back(std::move(turn));
            break;
        }
        }
    }
    if (m_turns.empty() && m_systemParts.isEmpty())
        return Error { QStringLiteral("the request has no messages") };
    return Ok {};
}

void Builder::convertToolsToText()
{
    // Kiro rejects toolUses and toolResults when the request declares no tools (§2.5 step 3), so history
    // tool traffic survives as plain text the model can still read.
    for (Turn &turn : m_turns) {
        for (const ToolUse &use : turn.toolUses)
            appendParagraph(turn.text, toolCallAsText(use));
        for (const ToolResult &result : turn.toolResults)
            appendParagraph(turn.text, toolResultAsText(result));
        turn.toolUses.clear();
        turn.toolResults.clear();
    }
}

void Builder::mergeSameRole()
{
    // Done before pairing (the pipeline lists it after): a tool-result turn and the user text that follows
    // it, or two assistant turns left by a dropped connection, must be one turn before pairs can be checked.
    std::vector<Turn> merged;
    merged.reserve(m_turns.size());
    for (Turn &turn : m_turns) {
        if (!merged.empty() && merged.back().user == turn.user) {
            Turn &into = merged.back();
            appendParagraph(into.text, turn.text);
            into.images.insert(into.images.end(), turn.images.begin(), turn.images.end());
            std::move(turn.toolUses.begin(), turn.toolUses.end(), std::back_inserter(into.toolUses));
            std::move(turn.toolResults.begin(), turn.toolResults.end(), std::back_inserter(into.toolResults));
        } else {
            merged.push_back(std::move(turn));
        }
    }
    m_turns = std::move(merged);
}

void Builder::pairToolUsesAndResults()
{
    for (size_t i = 0; i < m_turns.size(); ++i) {
        Turn &turn = m_turns[i];
        if (turn.user) {
            // Keep only results that answer a tool use of the directly preceding assistant turn, once each.
            QSet<QString> offered;
            if (i > 0 && !m_turns[i - 1].user) {
                for (const ToolUse &use : m_turns[i - 1].toolUses)
                    offered.insert(use.id);
            }
            QSet<QString> answered;
            std::vector<ToolResult> kept;
            QString orphanText;
            for (ToolResult &result : turn.toolResults) {
                if (answered.contains(result.id))
                    continue; // duplicate toolUseId in one toolResults array (AIClient)
                if (!offered.contains(result.id)) {
                    appendParagraph(orphanText, toolResultAsText(result));
                    continue;
                }
                answered.insert(result.id);
                kept.push_back(std::move(result));
            }
            turn.toolResults = std::move(kept);
            if (!orphanText.isEmpty()) {
                QString text = orphanText;
                appendParagraph(text, turn.text);
                turn.text = text;
            }
            // Drop the preceding assistant's tool uses that got no answer (kiro.rs
            // remove_orphaned_tool_uses).
            if (i > 0 && !m_turns[i - 1].user) {
                auto &uses = m_turns[i - 1].toolUses;
                uses.erase(std::remove_if(uses.begin(), uses.end(),
                                          [&](const ToolUse &use) { return !answered.contains(use.id); }),
                           uses.end());
            }
        } else {
            // Duplicate ids inside one assistant turn would make the pairing ambiguous; keep the first.
            QSet<QString> seen;
            auto &uses = turn.toolUses;
            uses.erase(std::remove_if(uses.begin(), uses.end(),
                                      [&](const ToolUse &use) {
                                          if (use.id.isEmpty() || seen.contains(use.id))
                                              return true;
                                          seen.insert(use.id);
                                          return false;
                                      }),
                       uses.end());
            // An assistant turn with nobody after it to answer its tool uses (a prefill) cannot keep them.
            if (i + 1 == m_turns.size())
                uses.clear();
        }
    }
}

void Builder::ensureUserFirstAndUserLast()
{
    // After merging, roles alternate; only the ends can be wrong.
    if (m_turns.empty() || !m_turns.front().user)
        m_turns.insert(m_turns.begin(), Turn {});
    if (!m_turns.back().user) {
        // A prefill: the assistant message goes into history and the model is asked to go on.
        m_prefill = true;
        Turn next;
        next.text = KiroRequestBuilder::prefillContinuation();
        m_turns.push_back(std::move(next));
    }
}

QString Builder::systemPrompt() const
{
    QString system;
    if (m_request.thinking) {
        const int budget = m_request.thinkingBudgetTokens > 0 ? m_request.thinkingBudgetTokens
                                                              : m_options.defaultThinkingBudget;
        system = QStringLiteral(
                     "<thinking_mode>enabled</thinking_mode><max_thinking_length>%1</max_thinking_length>")
                     .arg(budget);
    }
    for (const QString &part : m_systemParts)
        appendParagraph(system, part);
    // tool_choice has no field in Kiro's request (§2.6); a prompt line is the only lever.
    if (m_toolsEnabled && m_request.toolChoice == ToolChoice::Required)
        appendParagraph(system, QStringLiteral("You must respond by calling one of the provided tools."));
    else if (m_toolsEnabled && m_request.toolChoice == ToolChoice::Named
             && !m_request.toolChoiceName.isEmpty())
        appendParagraph(system,
                        QStringLiteral("You must respond by calling the tool \"%1\".")
                            .arg(KiroToolSanitizer::shortenName(m_request.toolChoiceName)));
    return system;
}

QJsonArray Builder::toolSpecifications()
{
    QJsonArray tools;
    for (const ToolDefinition &tool : m_request.tools) {
        const QString name = kiroToolName(tool.name);
        if (name.isEmpty() || m_declaredNames.contains(name))
            continue; // Kiro rejects duplicates (TOOL_DUPLICATE)
        m_declaredNames.insert(name);
        const QJsonObject schema = KiroToolSanitizer::sanitizeSchema(tool.parameters);
        const QString description = KiroToolSanitizer::description(tool.descriptionString(), tool.name);
        m_textUnits += KiroTokenEstimator::units(description) + KiroTokenEstimator::units(name)
            + QJsonDocument(schema).toJson(QJsonDocument::Compact).size();
        tools.append(
            QJsonObject { { QLatin1String("toolSpecification"),
                            QJsonObject { { QLatin1String("name"), name },
                                          { QLatin1String("description"), description },
                                          { QLatin1String("inputSchema"),
                                            QJsonObject { { QLatin1String("json"), schema } } } } } });
    }
    // Every tool named in history must be declared, or Kiro rejects the history (kiro.rs's fix).
    for (const Turn &turn : m_turns) {
        for (const ToolUse &use : turn.toolUses) {
            if (m_declaredNames.contains(use.name))
                continue;
            m_declaredNames.insert(use.name);
            tools.append(QJsonObject {
                { QLatin1String("toolSpecification"),
                  QJsonObject {
                      { QLatin1String("name"), use.name },
                      { QLatin1String("description"), QStringLiteral("Tool used in conversation history") },
                      { QLatin1String("inputSchema"),
                        QJsonObject {
                            { QLatin1String("json"),
                              QJsonObject { { QLatin1String("type"), QLatin1String("object") },
                                            { QLatin1String("properties"), QJsonObject() } } } } } } } });
        }
    }
    return tools;
}

Result<QJsonObject> Builder::userMessage(const Turn &turn, bool current)
{
    QJsonObject message;
    const QString text = turn.text.trimmed().isEmpty() ? KiroRequestBuilder::emptyPlaceholder() : turn.text;
    m_textUnits += KiroTokenEstimator::units(text);
    message.insert(QLatin1String("content"), text);
    message.insert(QLatin1String("modelId"), m_request.upstreamModel);
    message.insert(QLatin1String("origin"), m_options.origin);

    if (!turn.images.empty()) {
        QJsonArray images;
        for (const ImagePart *image : turn.images) {
            const QString format = KiroRequestBuilder::imageFormat(image->mediaType);
            if (format.isEmpty())
                return Error { QStringLiteral(
                                   "unsupported image type \"%1\"; Kiro accepts png, jpeg, gif and webp")
                                   .arg(image->mediaType) };
            QByteArrayView data = image->base64Data;
            // Kiro wants bare base64; tolerate a data: URL that slipped through.
            if (data.startsWith("data:")) {
                const auto comma = data.indexOf(',');
                data = comma >= 0 ? data.sliced(comma + 1) : QByteArrayView();
            }
            if (data.isEmpty())
                return Error { QStringLiteral("an image has no data") };
            ++m_imageCount;
            images.append(
                QJsonObject { { QLatin1String("format"), format },
                              { QLatin1String("source"),
                                QJsonObject { { QLatin1String("bytes"), QString::fromLatin1(data) } } } });
        }
        message.insert(QLatin1String("images"), images);
    }

    QJsonObject context;
    if (!turn.toolResults.empty()) {
        QJsonArray results;
        for (const ToolResult &result : turn.toolResults) {
            const QString resultText = result.text.isEmpty() ? QStringLiteral("(empty result)") : result.text;
            m_textUnits += KiroTokenEstimator::units(resultText);
            results.append(
                QJsonObject { { QLatin1String("toolUseId"), result.id },
                              { QLatin1String("content"),
                                QJsonArray { QJsonObject { { QLatin1String("text"), resultText } } } },
                              { QLatin1String("status"),
                                result.error ? QLatin1String("error") : QLatin1String("success") } });
        }
        context.insert(QLatin1String("toolResults"), results);
    }
    if (current && m_toolsEnabled) {
        const QJsonArray tools = toolSpecifications();
        if (!tools.isEmpty())
            context.insert(QLatin1String("tools"), tools);
    }
    if (!context.isEmpty())
        message.insert(QLatin1String("userInputMessageContext"), context);
    return message;
}

QJsonObject Builder::assistantMessage(const Turn &turn)
{
    QJsonObject message;
    const QString text = turn.text.trimmed().isEmpty() ? KiroRequestBuilder::emptyPlaceholder() : turn.text;
    m_textUnits += KiroTokenEstimator::units(text);
    message.insert(QLatin1String("content"), text);
    if (!turn.toolUses.empty()) {
        // Omitted when empty: an empty toolUses array is itself a 400 (jwadow).
        QJsonArray uses;
        for (const ToolUse &use : turn.toolUses) {
            m_textUnits += KiroTokenEstimator::units(use.argumentsText);
            uses.append(QJsonObject { { QLatin1String("toolUseId"), use.id },
                                      { QLatin1String("name"), use.name },
                                      { QLatin1String("input"), use.input } });
        }
        message.insert(QLatin1String("toolUses"), uses);
    }
    return message;
}

Result<KiroRequest> Builder::build(ProviderErrorKind *errorKind)
{
    const auto failWith = [errorKind](ProviderErrorKind kind, const QString &message) -> Result<KiroRequest> {
        if (errorKind)
            *errorKind = kind;
        return Error { message };
    };
    if (m_request.upstreamModel.isEmpty())
        return failWith(ProviderErrorKind::Internal, QStringLiteral("no upstream model was resolved"));
    if (Status collected = collectTurns(); !collected)
        return failWith(ProviderErrorKind::InvalidRequest, collected.error());

    m_toolsEnabled = !m_request.tools.empty() && m_request.toolChoice != ToolChoice::None;
    if (!m_toolsEnabled)
        convertToolsToText();
    mergeSameRole();
    if (m_toolsEnabled)
        pairToolUsesAndResults();
    ensureUserFirstAndUserLast();
    // Prepending the system prompt to the first user message is the cheap variant of §2.4.
    if (const QString system = systemPrompt(); !system.isEmpty()) {
        QString &first = m_turns.front().text;
        first = first.trimmed().isEmpty() ? system : system + QLatin1String("\n\n") + first;
    }

    QJsonArray history;
    for (size_t i = 0; i + 1 < m_turns.size(); ++i) {
        const Turn &turn = m_turns[i];
        if (turn.user) {
            auto message = userMessage(turn, false);
            if (!message)
                return failWith(ProviderErrorKind::InvalidRequest, message.error());
            history.append(QJsonObject { { QLatin1String("userInputMessage"), *message } });
        } else {
            history.append(
                QJsonObject { { QLatin1String("assistantResponseMessage"), assistantMessage(turn) } });
        }
    }
    auto current = userMessage(m_turns.back(), true);
    if (!current)
        return failWith(ProviderErrorKind::InvalidRequest, current.error());

    KiroRequest out;
    out.conversationId = m_options.conversationId.isEmpty()
        ? QUuid::createUuid().toString(QUuid::WithoutBraces)
        : m_options.conversationId;
    out.modelId = m_request.upstreamModel;
    out.thinkingEmulated = m_request.thinking;

    QJsonObject state {
        { QLatin1String("chatTriggerType"), QLatin1String("MANUAL") }, // the only safe value (§2.3)
        { QLatin1String("agentTaskType"), QLatin1String("vibe") },
        { QLatin1String("conversationId"), out.conversationId },
        { QLatin1String("agentContinuationId"), QUuid::createUuid().toString(QUuid::WithoutBraces) },
        { QLatin1String("currentMessage"), QJsonObject { { QLatin1String("userInputMessage"), *current } } },
    };
    if (!history.isEmpty())
        state.insert(QLatin1String("history"), history);
    QJsonObject root { { QLatin1String("conversationState"), state } };
    if (!m_options.profileArn.isEmpty())
        root.insert(QLatin1String("profileArn"), m_options.profileArn);

    out.body = QJsonDocument(root).toJson(QJsonDocument::Compact);
    if (out.body.size() > m_options.maxBodyBytes) {
        return failWith(ProviderErrorKind::ContextTooLong,
                        QStringLiteral("the request is too large for Kiro (%1 bytes, the limit is %2); "
                                       "shorten the conversation or remove attachments")
                            .arg(out.body.size())
                            .arg(m_options.maxBodyBytes));
    }
    out.toolNameReverseMap = std::move(m_reverseNames);
    out.estimatedPromptTokens
        = KiroTokenEstimator::tokensFromUnits(m_textUnits) + m_imageCount * tokensPerImage;
    return out;
}

} // namespace

Result<KiroRequest> LegacyKiroRequestBuilder::build(const ChatRequest &request,
                                                    const KiroRequestOptions &options,
                                                    ProviderErrorKind *errorKind)
{
    Builder builder(request, options);
    return builder.build(errorKind);
}

} // namespace Drawbridge::Test
