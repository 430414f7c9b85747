// SPDX-License-Identifier: MIT
#include "anthropicrequestparser.h"

#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSet>

#include <algorithm>
#include <cmath>
#include <unordered_set>

#include "anthropictokencounter.h"
#include "fastjsonreader.h"
#include "rawjsonmemo.h"
#include "resentbody.h"
#include "server/core/clientstringbounds.h"
#include "server/core/qtcompactjson.h"
#include "server/gateway/jsontypename.h"

namespace Drawbridge {

namespace {

constexpr int defaultThinkingBudget = 10000;

using Notes = AnthropicRequestParser::Notes;

struct Invalid
{
    ApiError error;
};

[[noreturn]] void fail(const QString &path, const QString &message)
{
    throw Invalid { ApiError { ApiErrorKind::InvalidRequest, path + QLatin1String(": ") + message, path } };
}

QString join(const QString &path, QLatin1String field)
{
    return path.isEmpty() ? QString(field) : path + u'.' + field;
}

QString join(const QString &path, qsizetype index)
{
    return path + u'.' + QString::number(index);
}

void expectType(const QJsonValue &v, QJsonValue::Type t, const QString &path, const char *what)
{
    if (v.isUndefined())
        fail(path, QStringLiteral("Field required"));
    if (v.type() != t)
        fail(path, QStringLiteral("Input should be %1, got %2").arg(QLatin1String(what), jsonTypeName(v)));
}

QString requiredString(const QJsonObject &o, QLatin1String key, const QString &path)
{
    const QJsonValue v = o.value(key);
    expectType(v, QJsonValue::String, join(path, key), "a string");
    return v.toString();
}

bool present(const QJsonValue &v)
{
    return !v.isUndefined() && !v.isNull();
}

std::optional<double> optionalNumber(const QJsonObject &o, QLatin1String key, double min, double max)
{
    const QJsonValue v = o.value(key);
    if (!present(v))
        return std::nullopt;
    expectType(v, QJsonValue::Double, key, "a number");
    const double d = v.toDouble();
    if (!std::isfinite(d) || d < min || d > max)
        fail(key, QStringLiteral("Input should be between %1 and %2, got %3").arg(min).arg(max).arg(d));
    return d;
}

int integerValue(const QJsonValue &v, const QString &path, int min)
{
    expectType(v, QJsonValue::Double, path, "an integer");
    const double d = v.toDouble();
    if (d != std::floor(d) || d < min || d > 10'000'000)
        fail(path, QStringLiteral("Input should be an integer of at least %1, got %2").arg(min).arg(d));
    return int(d);
}

void parseImage(const QJsonObject &block, const QString &path, ChatMessage &msg)
{
    static const QStringList supported = { QStringLiteral("image/jpeg"), QStringLiteral("image/png"),
                                           QStringLiteral("image/gif"), QStringLiteral("image/webp") };
    const QString sp = join(path, QLatin1String("source"));
    const QJsonValue sourceV = block.value(QLatin1String("source"));
    expectType(sourceV, QJsonValue::Object, sp, "an object");
    const QJsonObject source = sourceV.toObject();
    const QString type = requiredString(source, QLatin1String("type"), sp);
    if (type != QLatin1String("base64")) {
        fail(join(sp, QLatin1String("type")),
             QStringLiteral(
                 "Image source type '%1' is not supported by this gateway; send the image as base64.")
                 .arg(type));
    }
    const QString mediaType = requiredString(source, QLatin1String("media_type"), sp);
    if (!supported.contains(mediaType)) {
        fail(
            join(sp, QLatin1String("media_type")),
            QStringLiteral("Input should be 'image/jpeg', 'image/png', 'image/gif' or 'image/webp', got '%1'")
                .arg(mediaType));
    }
    QByteArray data = requiredString(source, QLatin1String("data"), sp).toLatin1();
    if (data.isEmpty()
        || QByteArray::fromBase64Encoding(data, QByteArray::AbortOnBase64DecodingErrors).decodingStatus
            != QByteArray::Base64DecodingStatus::Ok)
        fail(join(sp, QLatin1String("data")), QStringLiteral("The image data is not valid base64."));
    msg.images.push_back(ImagePart { mediaType, std::move(data) });
}

void appendText(ChatMessage &msg, const QString &text)
{
    if (!msg.text.isEmpty())
        msg.text += u'\n';
    msg.text += text;
}

/** The text blocks of @p v (an array of content blocks), joined; other block kinds are skipped. */
QString textBlocks(const QJsonValue &v)
{
    QStringList parts;
    for (const QJsonValue &b : v.toArray()) {
        if (b.toObject().value(QLatin1String("type")).toString() == QLatin1String("text"))
            parts.append(b.toObject().value(QLatin1String("text")).toString());
    }
    return parts.join(u'\n');
}

/**
 * Blocks that only carry text for the model (plain-text documents, search results, the tool references a
 * tool search returns) become text; nullopt for any other type. A document Kiro cannot read (a PDF) fails.
 */
std::optional<QString> textualBlock(const QString &type, const QJsonObject &block, const QString &path)
{
    if (type == QLatin1String("tool_reference"))
        return QStringLiteral("Tool '%1' is available.")
            .arg(block.value(QLatin1String("tool_name")).toString());
    if (type == QLatin1String("search_result")) {
        QString text = block.value(QLatin1String("title")).toString();
        const QString source = block.value(QLatin1String("source")).toString();
        if (!source.isEmpty())
            text += QStringLiteral(" (%1)").arg(source);
        return text + u'\n' + textBlocks(block.value(QLatin1String("content")));
    }
    if (type != QLatin1String("document"))
        return std::nullopt;
    const QString sp = join(path, QLatin1String("source"));
    const QJsonObject source = block.value(QLatin1String("source")).toObject();
    const QString sourceType = source.value(QLatin1String("type")).toString();
    QString text;
    if (sourceType == QLatin1String("text"))
        text = source.value(QLatin1String("data")).toString();
    else if (sourceType == QLatin1String("content"))
        text = textBlocks(source.value(QLatin1String("content")));
    else
        fail(
            join(sp, QLatin1String("type")),
            QStringLiteral("Document source type '%1' is not supported by this gateway; send the document as "
                           "text.")
                .arg(sourceType));
    const QString title = block.value(QLatin1String("title")).toString();
    return title.isEmpty() ? text : title + u'\n' + text;
}

QJsonObject blockObject(const QJsonValue &v, const QString &path, QString &type)
{
    expectType(v, QJsonValue::Object, path, "an object");
    const QJsonObject block = v.toObject();
    type = requiredString(block, QLatin1String("type"), path);
    return block;
}

ChatMessage parseToolResult(const QJsonObject &block, const QString &path)
{
    ChatMessage msg;
    msg.role = Role::Tool;
    msg.toolCallId = requiredString(block, QLatin1String("tool_use_id"), path);
    const QJsonValue isError = block.value(QLatin1String("is_error"));
    if (present(isError)) {
        expectType(isError, QJsonValue::Bool, join(path, QLatin1String("is_error")), "a boolean");
        msg.toolError = isError.toBool();
    }
    const QString cp = join(path, QLatin1String("content"));
    const QJsonValue content = block.value(QLatin1String("content"));
    if (!present(content))
        return msg;
    if (content.isString()) {
        msg.text = content.toString();
        return msg;
    }
    expectType(content, QJsonValue::Array, cp, "a string or an array of content blocks");
    const QJsonArray parts = content.toArray();
    for (qsizetype i = 0; i < parts.size(); ++i) {
        const QString bp = join(cp, i);
        QString type;
        const QJsonObject part = blockObject(parts[i], bp, type);
        if (type == QLatin1String("text"))
            appendText(msg, requiredString(part, QLatin1String("text"), bp));
        else if (type == QLatin1String("image"))
            parseImage(part, bp, msg);
        else if (const auto text = textualBlock(type, part, bp))
            appendText(msg, *text);
        else
            fail(join(bp, QLatin1String("type")),
                 QStringLiteral(
                     "Content block type '%1' is not supported in a tool_result; use 'text' or 'image'.")
                     .arg(type));
    }
    return msg;
}

/** One user message; tool results become Tool messages that precede the remaining text and images. */
void parseUserMessage(const QJsonValue &content, const QString &path, std::vector<ChatMessage> &out)
{
    ChatMessage user;
    user.role = Role::User;
    if (content.isString()) {
        user.text = content.toString();
        out.push_back(std::move(user));
        return;
    }
    expectType(content, QJsonValue::Array, path, "a string or an array of content blocks");
    const QJsonArray blocks = content.toArray();
    if (blocks.isEmpty())
        fail(path, QStringLiteral("List should have at least 1 item"));
    bool hasToolResults = false;
    for (qsizetype i = 0; i < blocks.size(); ++i) {
        const QString bp = join(path, i);
        QString type;
        const QJsonObject block = blockObject(blocks[i], bp, type);
        if (type == QLatin1String("text")) {
            appendText(user, requiredString(block, QLatin1String("text"), bp));
        } else if (type == QLatin1String("image")) {
            parseImage(block, bp, user);
        } else if (type == QLatin1String("tool_result")) {
            out.push_back(parseToolResult(block, bp));
            hasToolResults = true;
        } else if (type == QLatin1String("tool_use")) {
            fail(join(bp, QLatin1String("type")),
                 QStringLiteral("tool_use blocks may only appear in assistant messages."));
        } else if (const auto text = textualBlock(type, block, bp)) {
            appendText(user, *text);
        } else {
            fail(join(bp, QLatin1String("type")),
                 QStringLiteral(
                     "Content block type '%1' is not supported in a user message; use 'text', 'image' or "
                     "'tool_result'.")
                     .arg(type));
        }
    }
    if (!hasToolResults || user.hasText() || !user.images.empty())
        out.push_back(std::move(user));
}

/** Server-side tool traffic from an earlier Anthropic-hosted turn (web search and the like). */
bool serverToolBlock(const QString &type)
{
    return type == QLatin1String("server_tool_use") || type == QLatin1String("mcp_tool_use")
        || type == QLatin1String("mcp_tool_result") || type.endsWith(QLatin1String("_tool_result"));
}

ChatMessage parseAssistantMessage(const QJsonValue &content, const QString &path, Notes &notes)
{
    ChatMessage msg;
    msg.role = Role::Assistant;
    if (content.isString()) {
        msg.text = content.toString();
        return msg;
    }
    expectType(content, QJsonValue::Array, path, "a string or an array of content blocks");
    const QJsonArray blocks = content.toArray();
    for (qsizetype i = 0; i < blocks.size(); ++i) {
        const QString bp = join(path, i);
        QString type;
        const QJsonObject block = blockObject(blocks[i], bp, type);
        if (type == QLatin1String("text")) {
            appendText(msg, requiredString(block, QLatin1String("text"), bp));
        } else if (type == QLatin1String("tool_use")) {
            ToolCall call;
            call.id = requiredString(block, QLatin1String("id"), bp);
            call.name = requiredString(block, QLatin1String("name"), bp);
            const QJsonValue input = block.value(QLatin1String("input"));
            if (present(input))
                expectType(input, QJsonValue::Object, join(bp, QLatin1String("input")), "an object");
            call.arguments
                = QString::fromUtf8(QJsonDocument(input.toObject()).toJson(QJsonDocument::Compact));
            msg.toolCalls.push_back(std::move(call));
        } else if (type == QLatin1String("thinking") || type == QLatin1String("redacted_thinking")) {
            continue; // earlier reasoning; the upstream has no place for it
        } else if (serverToolBlock(type)) {
            // The gateway ran none of these, and Kiro has no place for their results.
            const QString note = QStringLiteral("%1 blocks in history").arg(type);
            if (!notes.ignored.contains(note))
                notes.ignored.append(note);
        } else {
            fail(join(bp, QLatin1String("type")),
                 QStringLiteral(
                     "Content block type '%1' is not supported in an assistant message; use 'text', "
                     "'tool_use' or 'thinking'.")
                     .arg(type));
        }
    }
    return msg;
}

/** A system prompt: a string or an array of text blocks (cache_control and the like are ignored). */
QString systemText(const QJsonValue &system, const QString &path)
{
    if (system.isString())
        return system.toString();
    expectType(system, QJsonValue::Array, path, "a string or an array of text blocks");
    const QJsonArray blocks = system.toArray();
    QString text;
    for (qsizetype i = 0; i < blocks.size(); ++i) {
        const QString bp = join(path, i);
        QString type;
        const QJsonObject block = blockObject(blocks[i], bp, type);
        if (type != QLatin1String("text"))
            fail(join(bp, QLatin1String("type")),
                 QStringLiteral("Input should be 'text', got '%1'").arg(type));
        const QString part = requiredString(block, QLatin1String("text"), bp);
        if (!text.isEmpty())
            text += u'\n';
        text += part;
    }
    return text;
}

void parseMessages(const QJsonObject &o, ChatRequest &req, Notes &notes)
{
    const QJsonValue messages = o.value(QLatin1String("messages"));
    expectType(messages, QJsonValue::Array, QStringLiteral("messages"), "an array");
    const QJsonArray arr = messages.toArray();
    if (arr.isEmpty())
        fail(QStringLiteral("messages"), QStringLiteral("List should have at least 1 item"));
    for (qsizetype i = 0; i < arr.size(); ++i) {
        const QString p = join(QStringLiteral("messages"), i);
        expectType(arr[i], QJsonValue::Object, p, "an object");
        const QJsonObject m = arr[i].toObject();
        const QString role = requiredString(m, QLatin1String("role"), p);
        const QJsonValue content = m.value(QLatin1String("content"));
        const QString cp = join(p, QLatin1String("content"));
        if (content.isUndefined())
            fail(cp, QStringLiteral("Field required"));
        if (role == QLatin1String("user")) {
            parseUserMessage(content, cp, req.messages);
        } else if (role == QLatin1String("assistant")) {
            req.messages.push_back(parseAssistantMessage(content, cp, notes));
        } else if (role == QLatin1String("system")) {
            // Claude Code puts context (its environment block) here, at any position. It stays a System
            // message in place; the Kiro builder merges all of them into the system context, so Kiro's
            // alternation rules never see it.
            ChatMessage msg;
            msg.role = Role::System;
            msg.text = systemText(content, cp);
            if (!msg.text.isEmpty())
                req.messages.push_back(std::move(msg));
        } else {
            fail(join(p, QLatin1String("role")),
                 QStringLiteral("Input should be 'user', 'assistant' or 'system', got '%1'").arg(role));
        }
    }
}

void parseSystem(const QJsonObject &o, ChatRequest &req)
{
    const QJsonValue system = o.value(QLatin1String("system"));
    if (!present(system))
        return;
    ChatMessage msg;
    msg.role = Role::System;
    msg.text = systemText(system, QStringLiteral("system"));
    if (!msg.text.isEmpty())
        req.messages.insert(req.messages.begin(), std::move(msg));
}

void parseTools(const QJsonObject &o, ChatRequest &req, Notes &notes)
{
    static const QRegularExpression namePattern(QStringLiteral("^[a-zA-Z0-9_-]{1,128}$"));
    const QJsonValue tools = o.value(QLatin1String("tools"));
    if (!present(tools))
        return;
    expectType(tools, QJsonValue::Array, QStringLiteral("tools"), "an array");
    const QJsonArray arr = tools.toArray();
    QSet<QString> names;
    for (qsizetype i = 0; i < arr.size(); ++i) {
        const QString p = join(QStringLiteral("tools"), i);
        expectType(arr[i], QJsonValue::Object, p, "an object");
        const QJsonObject t = arr[i].toObject();
        const QJsonValue type = t.value(QLatin1String("type"));
        if (present(type)) {
            expectType(type, QJsonValue::String, join(p, QLatin1String("type")), "a string");
            if (type.toString() != QLatin1String("custom")) {
                // Server tools (web search, code execution, …) and Anthropic-defined client tools come
                // without a schema Kiro could use: left out, and the model simply does not see them.
                const QString name = t.value(QLatin1String("name")).toString();
                notes.droppedTools.append(
                    QStringLiteral("%1 (%2)").arg(name.isEmpty() ? type.toString() : name, type.toString()));
                continue;
            }
        }
        ToolDefinition def;
        def.name = requiredString(t, QLatin1String("name"), p);
        if (!namePattern.match(def.name).hasMatch())
            fail(join(p, QLatin1String("name")),
                 QStringLiteral("String should match pattern '^[a-zA-Z0-9_-]{1,128}$', got '%1'")
                     .arg(def.name));
        if (names.contains(def.name))
            fail(join(p, QLatin1String("name")),
                 QStringLiteral("Tool names must be unique; '%1' repeats.").arg(def.name));
        names.insert(def.name);
        const QJsonValue desc = t.value(QLatin1String("description"));
        if (present(desc)) {
            expectType(desc, QJsonValue::String, join(p, QLatin1String("description")), "a string");
            def.description = desc.toString();
        }
        const QString sp = join(p, QLatin1String("input_schema"));
        const QJsonValue schema = t.value(QLatin1String("input_schema"));
        expectType(schema, QJsonValue::Object, sp, "an object");
        def.parameters = schema.toObject();
        const QJsonValue schemaType = def.parameters.value(QLatin1String("type"));
        if (schemaType != QJsonValue(QLatin1String("object")))
            fail(join(sp, QLatin1String("type")), QStringLiteral("Input should be 'object'"));
        req.tools.push_back(std::move(def));
    }
}

void parseToolChoice(const QJsonObject &o, ChatRequest &req, Notes &notes)
{
    QJsonValue v = o.value(QLatin1String("tool_choice"));
    if (!present(v))
        return;
    const QString path = QStringLiteral("tool_choice");
    // The bare-string form ("auto", "any", "none"; "required" as OpenAI spells "any") is accepted too.
    if (v.isString()) {
        const QString s = v.toString();
        v = QJsonObject { { QLatin1String("type"),
                            s == QLatin1String("required") ? QStringLiteral("any") : s } };
    }
    expectType(v, QJsonValue::Object, path, "an object");
    const QJsonObject choice = v.toObject();
    const QString type = requiredString(choice, QLatin1String("type"), path);
    const QJsonValue parallel = choice.value(QLatin1String("disable_parallel_tool_use"));
    if (present(parallel))
        expectType(parallel, QJsonValue::Bool, join(path, QLatin1String("disable_parallel_tool_use")),
                   "a boolean");
    if (type == QLatin1String("auto")) {
        req.toolChoice = ToolChoice::Auto;
    } else if (type == QLatin1String("any")) {
        req.toolChoice = ToolChoice::Required;
    } else if (type == QLatin1String("none")) {
        req.toolChoice = ToolChoice::None;
    } else if (type == QLatin1String("tool")) {
        const QString name = requiredString(choice, QLatin1String("name"), path);
        const bool known = std::any_of(req.tools.begin(), req.tools.end(),
                                       [&](const ToolDefinition &t) { return t.name == name; });
        const bool dropped = std::any_of(notes.droppedTools.begin(), notes.droppedTools.end(),
                                         [&](const QString &d) { return d.startsWith(name + u' '); });
        if (!known && dropped) {
            notes.ignored.append(QStringLiteral("tool_choice naming the left-out tool '%1'").arg(name));
            req.toolChoice = ToolChoice::Auto;
            return;
        }
        if (!known)
            fail(join(path, QLatin1String("name")), QStringLiteral("Tool '%1' is not in 'tools'.").arg(name));
        req.toolChoice = ToolChoice::Named;
        req.toolChoiceName = name;
    } else {
        fail(join(path, QLatin1String("type")),
             QStringLiteral("Input should be 'auto', 'any', 'tool' or 'none', got '%1'").arg(type));
    }
}

/** output_config.effort as a thinking budget for `adaptive` thinking (Kiro takes a length, not an effort). */
int effortBudget(const QJsonObject &o)
{
    const QString effort
        = o.value(QLatin1String("output_config")).toObject().value(QLatin1String("effort")).toString();
    if (effort == QLatin1String("low"))
        return 4000;
    if (effort == QLatin1String("high"))
        return 20000;
    if (effort == QLatin1String("max") || effort == QLatin1String("xhigh"))
        return 32000;
    return defaultThinkingBudget;
}

void parseThinking(const QJsonObject &o, ChatRequest &req, Notes &notes)
{
    // Never a 400: clients send shapes newer than this gateway; anything unrecognized means "no thinking".
    const QJsonObject thinking = o.value(QLatin1String("thinking")).toObject();
    const QString type = thinking.value(QLatin1String("type")).toString();
    if (type != QLatin1String("enabled") && type != QLatin1String("adaptive"))
        return;
    req.thinking = true;
    notes.thinkingOmitted = thinking.value(QLatin1String("display")).toString() == QLatin1String("omitted");
    const double budget = thinking.value(QLatin1String("budget_tokens")).toDouble();
    req.thinkingBudgetTokens = std::isfinite(budget) && budget >= 1 && budget <= 10'000'000 ? int(budget)
        : type == QLatin1String("adaptive")                                                 ? effortBudget(o)
                                            : defaultThinkingBudget;
}

/**
 * context_management edits (never a 400). clear_tool_uses: past the trigger, tool results older than the
 * last `keep` tool uses are replaced by a placeholder, as Anthropic does server-side. clear_thinking has
 * nothing to do: thinking history never reaches Kiro. Anything else is ignored and noted.
 */
void applyContextManagement(const QJsonObject &o, ChatRequest &req, Notes &notes)
{
    const QJsonArray edits
        = o.value(QLatin1String("context_management")).toObject().value(QLatin1String("edits")).toArray();
    for (const QJsonValue &e : edits) {
        const QJsonObject edit = e.toObject();
        const QString type = edit.value(QLatin1String("type")).toString();
        if (type.startsWith(QLatin1String("clear_thinking_")))
            continue;
        if (!type.startsWith(QLatin1String("clear_tool_uses_"))) {
            notes.ignored.append(QStringLiteral("context_management edit '%1'").arg(type));
            continue;
        }
        const QJsonObject trigger = edit.value(QLatin1String("trigger")).toObject();
        const int triggerTokens
            = trigger.value(QLatin1String("type")).toString() == QLatin1String("input_tokens")
            ? trigger.value(QLatin1String("value")).toInt(100'000)
            : 100'000;
        if (AnthropicTokenCounter::estimate(req) <= triggerTokens)
            continue;
        const int keep = std::max(
            0, edit.value(QLatin1String("keep")).toObject().value(QLatin1String("value")).toInt(3));
        const bool clearInputs = edit.value(QLatin1String("clear_tool_inputs")).toBool();
        QSet<QString> excluded;
        for (const QJsonValue &name : edit.value(QLatin1String("exclude_tools")).toArray())
            excluded.insert(name.toString());

        // Tool uses in conversation order; all but the last `keep` are cleared.
        QHash<QString, QString> toolNames; // call id → tool name
        QStringList order;
        for (const ChatMessage &m : req.messages) {
            for (const ToolCall &call : m.toolCalls) {
                toolNames.insert(call.id, call.name);
                order.append(call.id);
            }
        }
        QSet<QString> cleared;
        for (qsizetype i = 0; i + keep < order.size(); ++i) {
            if (!excluded.contains(toolNames.value(order[i])))
                cleared.insert(order[i]);
        }
        for (ChatMessage &m : req.messages) {
            if (m.role == Role::Tool && cleared.contains(m.toolCallId)) {
                m.setText(QStringLiteral("[tool result cleared to save context]"));
                m.images.clear();
                ++notes.clearedToolResults;
            }
            if (clearInputs) {
                for (ToolCall &call : m.toolCalls) {
                    if (cleared.contains(call.id)) {
                        call.arguments = QStringLiteral("{}");
                        call.kiroInput.clear();
                    }
                }
            }
        }
    }
}

void finishObject(const QJsonObject &o, ChatRequest &req, Notes &notes);

ChatRequest parseObject(const QJsonObject &o, AnthropicRequestParser::Mode mode, Notes &notes)
{
    ChatRequest req;
    req.requestedModel = requiredString(o, QLatin1String("model"), {});
    if (req.requestedModel.isEmpty())
        fail(QStringLiteral("model"), QStringLiteral("String should have at least 1 character"));
    if (const auto problem = ClientStringBounds::modelProblem(req.requestedModel))
        fail(QStringLiteral("model"), *problem);

    const QJsonValue maxTokens = o.value(QLatin1String("max_tokens"));
    if (mode == AnthropicRequestParser::Mode::Messages)
        req.maxTokens = integerValue(maxTokens, QStringLiteral("max_tokens"), 1);

    parseMessages(o, req, notes);
    parseSystem(o, req);
    finishObject(o, req, notes);
    return req;
}

/** Everything after the messages and the system prompt; the single-pass path shares it. */
void finishObject(const QJsonObject &o, ChatRequest &req, Notes &notes)
{
    parseTools(o, req, notes);
    parseToolChoice(o, req, notes);

    const QJsonValue stop = o.value(QLatin1String("stop_sequences"));
    if (present(stop)) {
        expectType(stop, QJsonValue::Array, QStringLiteral("stop_sequences"), "an array");
        const QJsonArray sa = stop.toArray();
        for (qsizetype i = 0; i < sa.size(); ++i) {
            expectType(sa[i], QJsonValue::String, join(QStringLiteral("stop_sequences"), i), "a string");
            req.stop.append(sa[i].toString());
        }
    }

    req.temperature = optionalNumber(o, QLatin1String("temperature"), 0.0, 1.0);
    req.topP = optionalNumber(o, QLatin1String("top_p"), 0.0, 1.0);
    const QJsonValue topK = o.value(QLatin1String("top_k"));
    if (present(topK))
        integerValue(topK, QStringLiteral("top_k"), 0); // validated; the upstream has no such knob

    const QJsonValue metadata = o.value(QLatin1String("metadata"));
    if (present(metadata)) {
        expectType(metadata, QJsonValue::Object, QStringLiteral("metadata"), "an object");
        const QJsonValue userId = metadata.toObject().value(QLatin1String("user_id"));
        if (present(userId))
            expectType(userId, QJsonValue::String, QStringLiteral("metadata.user_id"), "a string");
    }

    const QJsonValue stream = o.value(QLatin1String("stream"));
    if (present(stream)) {
        expectType(stream, QJsonValue::Bool, QStringLiteral("stream"), "a boolean");
        req.stream = stream.toBool();
    }
    parseThinking(o, req, notes);
    // output_config: `effort` only shapes the thinking budget above; `format` (structured output) has no
    // Kiro counterpart and is noted, not refused.
    if (o.value(QLatin1String("output_config")).toObject().contains(QLatin1String("format")))
        notes.ignored.append(QStringLiteral("output_config.format"));
    applyContextManagement(o, req, notes);
}

// ---- the single-pass path --------------------------------------------------------------------------------
// It accepts exactly what the QJsonDocument path above accepts and fills the request and notes the same way;
// whatever it is not sure of, and every error, it leaves to that path by throwing FastJsonReader::Unsupported
// (so error messages come from one place). It may be stricter than the rules above, never looser. The small
// members (tool choice, thinking, context management, …) are converted to a QJsonObject and handed to the
// very functions above; only the bulk (messages, system prompt) has its own reading code.

using Member = FastJsonReader::Member;
using Unsupported = FastJsonReader::Unsupported;

/** The block's "type" (a string) and the members the caller asks for, each read once. */
std::string_view fastBlock(simdjson::dom::element value,
                           std::initializer_list<std::pair<std::string_view, Member *>> want)
{
    Member type;
    for (const auto field : FastJsonReader::object(value)) {
        if (field.key == "type") {
            FastJsonReader::take(type, field.value);
            continue;
        }
        for (const auto &[key, slot] : want) {
            if (field.key == key)
                FastJsonReader::take(*slot, field.value);
        }
    }
    std::string_view t;
    if (!type || type->get_string().get(t))
        throw Unsupported {};
    return t;
}

QString fastRequiredString(const Member &m)
{
    if (!m)
        throw Unsupported {};
    return FastJsonReader::string(*m);
}

simdjson::dom::element fastRequired(const Member &m)
{
    if (!m)
        throw Unsupported {};
    return *m;
}

std::string_view fastRequiredUtf8(const Member &m)
{
    if (!m)
        throw Unsupported {};
    return FastJsonReader::utf8(*m);
}

/**
 * The system text as the client's UTF-8 (ChatMessage::textUtf8): a coding agent's system prompt is many KiB
 * that the Kiro builder passes through, so it is not converted to UTF-16 (issue 18).
 */
QByteArray fastSystemUtf8(simdjson::dom::element system)
{
    if (system.is_string()) {
        const std::string_view text = FastJsonReader::utf8(system);
        return QByteArray(text.data(), qsizetype(text.size()));
    }
    QByteArray text;
    for (const auto block : FastJsonReader::array(system)) {
        Member textValue;
        if (fastBlock(block, { { "text", &textValue } }) != "text")
            throw Unsupported {};
        const std::string_view part = fastRequiredUtf8(textValue);
        if (!text.isEmpty())
            text += '\n';
        text += QByteArrayView(part.data(), qsizetype(part.size()));
    }
    return text;
}

ChatMessage fastToolResult(simdjson::dom::element block)
{
    Member id, isError, content;
    fastBlock(block, { { "tool_use_id", &id }, { "is_error", &isError }, { "content", &content } });
    ChatMessage msg;
    msg.role = Role::Tool;
    msg.toolCallId = fastRequiredString(id);
    if (!FastJsonReader::isAbsent(isError)) {
        bool b = false;
        if (isError->get_bool().get(b))
            throw Unsupported {};
        msg.toolError = b;
    }
    if (FastJsonReader::isAbsent(content))
        return msg;
    if (content->is_string()) {
        FastJsonReader::setText(msg, *content);
        return msg;
    }
    for (const auto part : FastJsonReader::array(*content)) {
        Member text;
        if (fastBlock(part, { { "text", &text } }) != "text")
            throw Unsupported {}; // images and documents: the other path
        FastJsonReader::appendText(msg, fastRequired(text));
    }
    return msg;
}

void fastUserMessage(simdjson::dom::element content, std::vector<ChatMessage> &out)
{
    ChatMessage user;
    user.role = Role::User;
    if (content.is_string()) {
        FastJsonReader::setText(user, content);
        out.push_back(std::move(user));
        return;
    }
    const simdjson::dom::array blocks = FastJsonReader::array(content);
    if (blocks.size() == 0)
        throw Unsupported {};
    bool hasToolResults = false;
    for (const auto block : blocks) {
        Member text;
        const std::string_view type = fastBlock(block, { { "text", &text } });
        if (type == "text") {
            FastJsonReader::appendText(user, fastRequired(text));
        } else if (type == "tool_result") {
            out.push_back(fastToolResult(block));
            hasToolResults = true;
        } else {
            throw Unsupported {};
        }
    }
    if (!hasToolResults || user.hasText() || !user.images.empty())
        out.push_back(std::move(user));
}

/** fastToolInput()'s work on an input object: its arguments text and, where it can, the Kiro input. */
void writeToolInput(simdjson::dom::element input, ToolCall &call)
{
    QByteArray json;
    if (!QtCompactJson::appendObject(json, input, false)) {
        json = QJsonDocument(FastJsonReader::toQJsonValue(input).toObject()).toJson(QJsonDocument::Compact);
        call.arguments = QString::fromUtf8(json);
        return;
    }
    call.arguments = QString::fromUtf8(json);
    // The builder reads the arguments again and writes them the same way, which gives these bytes back but
    // for a "" key, which it drops: that case is left to it.
    if (simdjson::dom::object(input)[""].error() == simdjson::NO_SUCH_FIELD)
        call.kiroInput = std::move(json);
}

/**
 * A tool_use input as the QJsonDocument path writes it (sorted keys, Qt's number format), written straight
 * from the DOM (QtCompactJson): a QJsonObject tree per call only to serialise it was a third of the parse.
 * Inputs the writer is not sure of (a non-ASCII or duplicate key) take that tree after all. The same bytes
 * are the Kiro body's tool input (ToolCall::kiroInput) unless the object has a "" key, which the builder
 * drops.
 */
void fastToolInput(const FastJsonReader &reader, const Member &input, ToolCall &call)
{
    if (FastJsonReader::isAbsent(input)) {
        call.arguments = QStringLiteral("{}");
        return;
    }
    if (!input->is_object())
        throw Unsupported {};
    // Agents resend every earlier tool call with each request: each input is written once per distinct
    // value (issue 18).
    struct Written
    {
        QString arguments;
        QByteArray kiroInput;
    };
    // As many as the builder's memo of OpenAI arguments (ToolInputMemo) keeps.
    thread_local FastJsonReader::MemberMemo<Written, 1024, 1024 * 1024> memo;
    const FastJsonReader::MemberKey key = reader.valueKey(*input);
    if (const Written *known = memo.find(key)) {
        call.arguments = known->arguments;
        call.kiroInput = known->kiroInput;
        return;
    }
    writeToolInput(*input, call);
    memo.insert(key, Written { call.arguments, call.kiroInput }); // not reached when it throws
}

/** An assistant message; @p ignored gets the notes it gives (each once, in order). */
ChatMessage fastAssistantMessage(const FastJsonReader &reader, simdjson::dom::element content,
                                 QStringList &ignored)
{
    ChatMessage msg;
    msg.role = Role::Assistant;
    if (content.is_string()) {
        FastJsonReader::setText(msg, content);
        return msg;
    }
    for (const auto block : FastJsonReader::array(content)) {
        Member text, id, name, input;
        const std::string_view type
            = fastBlock(block, { { "text", &text }, { "id", &id }, { "name", &name }, { "input", &input } });
        if (type == "text") {
            FastJsonReader::appendText(msg, fastRequired(text));
        } else if (type == "tool_use") {
            ToolCall call;
            call.id = fastRequiredString(id);
            call.name = fastRequiredString(name);
            fastToolInput(reader, input, call);
            msg.toolCalls.push_back(std::move(call));
        } else if (type == "thinking" || type == "redacted_thinking") {
            continue;
        } else {
            const QString t = FastJsonReader::string(type);
            if (!serverToolBlock(t))
                throw Unsupported {};
            const QString note = QStringLiteral("%1 blocks in history").arg(t);
            if (!ignored.contains(note))
                ignored.append(note);
        }
    }
    return msg;
}

bool fastToolNameValid(std::string_view name)
{
    // ^[a-zA-Z0-9_-]{1,128}$, as parseTools requires
    if (name.empty() || name.size() > 128)
        return false;
    return std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'
            || c == '-';
    });
}

/**
 * `tools` as parseTools reads them, without a QJsonObject per tool: only the four members it looks at are
 * read (any other member is ignored there too). Server tools are left out and noted the same way.
 */
void fastTools(simdjson::dom::element tools, ChatRequest &req, Notes &notes)
{
    const simdjson::dom::array array = FastJsonReader::array(tools);
    std::unordered_set<std::string_view> names;
    for (const auto tool : array) {
        Member type, name, description, schema;
        for (const auto field : FastJsonReader::object(tool)) {
            if (field.key == "type")
                FastJsonReader::take(type, field.value);
            else if (field.key == "name")
                FastJsonReader::take(name, field.value);
            else if (field.key == "description")
                FastJsonReader::take(description, field.value);
            else if (field.key == "input_schema")
                FastJsonReader::take(schema, field.value);
        }
        if (!FastJsonReader::isAbsent(type)) {
            std::string_view t;
            if (type->get_string().get(t))
                throw Unsupported {};
            if (t != "custom") {
                const QString typeText = FastJsonReader::string(t);
                std::string_view n;
                const QString nameText
                    = name && !name->get_string().get(n) ? FastJsonReader::string(n) : QString();
                notes.droppedTools.append(
                    QStringLiteral("%1 (%2)").arg(nameText.isEmpty() ? typeText : nameText, typeText));
                continue;
            }
        }
        std::string_view n;
        if (!name || name->get_string().get(n) || !fastToolNameValid(n) || !names.insert(n).second)
            throw Unsupported {};
        ToolDefinition def;
        def.name = FastJsonReader::string(n);
        if (!FastJsonReader::isAbsent(description)) {
            const std::string_view utf8 = FastJsonReader::utf8(*description);
            def.descriptionUtf8 = QByteArray(utf8.data(), qsizetype(utf8.size()));
        }
        if (!schema)
            throw Unsupported {};
        def.parameters = FastJsonReader::schemaObject(*schema, def.parametersJson);
        // The schema's "type" read from the DOM: schemaObject() refused duplicate keys, so it is the one
        // def.parameters holds.
        std::string_view schemaType;
        if ((*schema)["type"].get_string().get(schemaType) || schemaType != "object")
            throw Unsupported {};
        req.tools.push_back(std::move(def));
    }
}

/** What one message of the array adds to the request: its messages and the notes it gives. */
struct ReadMessage
{
    std::vector<ChatMessage> messages;
    QStringList ignored;
};

/** `tools` as read: the definitions and the server tools left out. */
struct ReadTools
{
    std::vector<ToolDefinition> tools;
    QStringList droppedTools;
};

void mergeIgnored(Notes &notes, const QStringList &ignored)
{
    for (const QString &note : ignored) {
        if (!notes.ignored.contains(note))
            notes.ignored.append(note);
    }
}

/** One element of `messages`, appended to @p out (a user message may give several). */
void fastMessage(const FastJsonReader &reader, simdjson::dom::element message, std::vector<ChatMessage> &out,
                 QStringList &ignored)
{
    Member role, content;
    for (const auto field : FastJsonReader::object(message)) {
        if (field.key == "role")
            FastJsonReader::take(role, field.value);
        else if (field.key == "content")
            FastJsonReader::take(content, field.value);
    }
    std::string_view r;
    if (!role || role->get_string().get(r) || !content)
        throw Unsupported {};
    if (r == "user") {
        fastUserMessage(*content, out);
    } else if (r == "assistant") {
        out.push_back(fastAssistantMessage(reader, *content, ignored));
    } else if (r == "system") {
        ChatMessage msg;
        msg.role = Role::System;
        msg.textUtf8 = fastSystemUtf8(*content);
        if (msg.hasText())
            out.push_back(std::move(msg));
    } else {
        throw Unsupported {};
    }
}

ChatRequest fastParse(const QByteArray &body, AnthropicRequestParser::Mode mode, Notes &notes)
{
    // What earlier requests of this thread read from the messages, tools and system prompt an agent sends
    // again, under their bytes (ResentBody): a known part is neither indexed into a tape nor read again.
    // Bounded as the text memo: a 417 KiB conversation fills a tenth of the messages' bytes.
    thread_local RawJsonMemo<ReadMessage, 8192, 4 * 1024 * 1024> messageMemo;
    thread_local RawJsonMemo<ReadTools, 32, 2 * 1024 * 1024> toolsMemo;
    thread_local RawJsonMemo<QByteArray, 32, 2 * 1024 * 1024> systemMemo;
    constexpr size_t toolsPart = 0, systemPart = 1;
    ResentBody resent;
    resent.split(body, "messages", { "tools", "system" }); // a body it does not split has nothing known
    const std::vector<const ReadMessage *> knownMessages = resent.replaceKnownMessages(messageMemo);
    const ReadTools *const knownTools = resent.replaceKnownMember(toolsPart, toolsMemo);
    const QByteArray *const knownSystem = resent.replaceKnownMember(systemPart, systemMemo);
    const QByteArray parsed = resent.reduced();
    const FastJsonReader reader(parsed);
    Member messages, system, tools;
    // The small members go to the QJsonDocument path's own functions, as a QJsonObject of just them.
    static constexpr std::string_view small[]
        = { "tool_choice",   "stop_sequences",    "top_k", "metadata", "thinking",
            "output_config", "context_management" };
    Member smallValues[std::size(small)];
    // The members every request has are read directly: a QJsonObject of them cost more than the rest of a
    // small request's parse.
    Member model, maxTokens, stream, temperature, topP;
    for (const auto field : reader.root()) {
        const std::string_view k = field.key;
        Member *slot = k == "messages" ? &messages
            : k == "system"            ? &system
            : k == "tools"             ? &tools
            : k == "model"             ? &model
            : k == "max_tokens"        ? &maxTokens
            : k == "stream"            ? &stream
            : k == "temperature"       ? &temperature
            : k == "top_p"             ? &topP
                                       : nullptr;
        if (slot) {
            FastJsonReader::take(*slot, field.value);
            continue;
        }
        for (size_t i = 0; i < std::size(small); ++i) {
            if (k == small[i])
                FastJsonReader::take(smallValues[i], field.value);
        }
    }
    QJsonObject o;
    for (size_t i = 0; i < std::size(small); ++i) {
        if (smallValues[i])
            o.insert(QLatin1String(small[i].data(), qsizetype(small[i].size())),
                     FastJsonReader::toQJsonValue(*smallValues[i]));
    }
    // As optionalNumber() and integerValue() take them; anything else is the other path's to refuse.
    const auto number = [](const Member &m, double min, double max) -> std::optional<double> {
        if (FastJsonReader::isAbsent(m))
            return std::nullopt;
        const double d = FastJsonReader::number(*m);
        if (!std::isfinite(d) || d < min || d > max)
            throw Unsupported {};
        return d;
    };

    try {
        ChatRequest req;
        if (!model)
            throw Unsupported {};
        req.requestedModel = FastJsonReader::string(*model);
        if (req.requestedModel.isEmpty() || ClientStringBounds::modelProblem(req.requestedModel))
            throw Unsupported {};
        if (mode == AnthropicRequestParser::Mode::Messages) {
            if (!maxTokens)
                throw Unsupported {};
            const double d = FastJsonReader::number(*maxTokens);
            if (d != std::floor(d) || d < 1 || d > 10'000'000)
                throw Unsupported {};
            req.maxTokens = int(d);
        }

        if (!messages)
            throw Unsupported {};
        const simdjson::dom::array messageArray = FastJsonReader::array(*messages);
        if (messageArray.size() == 0)
            throw Unsupported {};
        req.messages.reserve(messageArray.size() + 1);
        struct Read
        {
            qsizetype index;
            size_t first, last; // what it added to req.messages
            QStringList ignored;
        };
        std::vector<Read> read; // the messages read here, for the memo
        qsizetype index = 0;
        for (const auto message : messageArray) {
            if (resent.messageReplaced(index)) {
                if (!message.is_int64())
                    throw Unsupported {}; // not the placeholder: cannot happen
                const ReadMessage &known = *knownMessages[size_t(index++)];
                req.messages.insert(req.messages.end(), known.messages.begin(), known.messages.end());
                mergeIgnored(notes, known.ignored);
                continue;
            }
            Read one { index++, req.messages.size(), 0, {} };
            fastMessage(reader, message, req.messages, one.ignored);
            one.last = req.messages.size();
            mergeIgnored(notes, one.ignored);
            read.push_back(std::move(one));
        }
        // After the loop (an insert may empty the memo, and the known messages with it). A message's reading
        // depends on its bytes alone, so it is kept even if the request later falls back.
        for (Read &one : read) {
            const std::string_view raw = resent.message(one.index);
            if (raw.empty() || messageMemo.find(raw))
                continue;
            const auto begin = req.messages.begin();
            messageMemo.insert(raw,
                               ReadMessage { std::vector<ChatMessage>(begin + qsizetype(one.first),
                                                                      begin + qsizetype(one.last)),
                                             std::move(one.ignored) });
        }
        if (!FastJsonReader::isAbsent(system)) {
            ChatMessage msg;
            msg.role = Role::System;
            if (resent.memberReplaced(systemPart)) {
                if (!system->is_int64())
                    throw Unsupported {};
                msg.textUtf8 = *knownSystem;
            } else {
                msg.textUtf8 = fastSystemUtf8(*system);
                systemMemo.insert(resent.member(systemPart), msg.textUtf8);
            }
            if (msg.hasText())
                req.messages.insert(req.messages.begin(), std::move(msg));
        }
        // Before finishObject: the tool choice is checked against the tools (o has none, so parseTools there
        // has nothing to do).
        if (!FastJsonReader::isAbsent(tools)) {
            // Agents send the same tools with every request: read once per distinct value (issue 18).
            if (resent.memberReplaced(toolsPart)) {
                if (!tools->is_int64())
                    throw Unsupported {};
                req.tools.insert(req.tools.end(), knownTools->tools.begin(), knownTools->tools.end());
                notes.droppedTools += knownTools->droppedTools;
            } else {
                const size_t toolsBefore = req.tools.size();
                const qsizetype droppedBefore = notes.droppedTools.size();
                fastTools(*tools, req, notes);
                toolsMemo.insert(resent.member(toolsPart),
                                 ReadTools { std::vector<ToolDefinition>(
                                                 req.tools.begin() + qsizetype(toolsBefore), req.tools.end()),
                                             notes.droppedTools.mid(droppedBefore) });
            }
        }
        finishObject(o, req, notes);
        // After finishObject, which sets them from o (where they are not).
        req.temperature = number(temperature, 0.0, 1.0);
        req.topP = number(topP, 0.0, 1.0);
        if (!FastJsonReader::isAbsent(stream)) {
            bool b = false;
            if (stream->get_bool().get(b))
                throw Unsupported {};
            req.stream = b;
        }
        return req;
    } catch (const Invalid &) {
        throw Unsupported {};
    }
}

} // namespace

std::optional<ChatRequest> AnthropicRequestParser::parseSinglePass(const QByteArray &body, Mode mode,
                                                                   Notes *notes)
{
    Notes local;
    try {
        ChatRequest request = fastParse(body, mode, local);
        if (notes)
            *notes = std::move(local);
        return request;
    } catch (const FastJsonReader::Unsupported &) {
        return std::nullopt;
    }
}

std::variant<ChatRequest, ApiError> AnthropicRequestParser::parse(const QByteArray &body, Mode mode,
                                                                  Notes *notes)
{
    if (auto request = parseSinglePass(body, mode, notes))
        return std::move(*request);
    return parseWithQtJson(body, mode, notes);
}

std::variant<ChatRequest, ApiError> AnthropicRequestParser::parseWithQtJson(const QByteArray &body, Mode mode,
                                                                            Notes *notes)
{
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(body, &pe);
    if (pe.error != QJsonParseError::NoError) {
        return ApiError { ApiErrorKind::InvalidJson,
                          QStringLiteral("The request body is not valid JSON (%1 at offset %2).")
                              .arg(pe.errorString())
                              .arg(pe.offset) };
    }
    if (!doc.isObject())
        return ApiError { ApiErrorKind::InvalidJson,
                          QStringLiteral("The request body must be a JSON object.") };
    try {
        Notes local;
        return parseObject(doc.object(), mode, notes ? *notes : local);
    } catch (const Invalid &invalid) {
        return invalid.error;
    }
}

} // namespace Drawbridge
