// SPDX-License-Identifier: MIT
#include "anthropicrequestparser.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSet>

#include <cmath>

#include "server/core/clientstringbounds.h"

namespace Drawbridge {

namespace {

constexpr int defaultThinkingBudget = 10000;

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

QString typeOf(const QJsonValue &v)
{
    switch (v.type()) {
    case QJsonValue::Null:
        return QStringLiteral("null");
    case QJsonValue::Bool:
        return QStringLiteral("a boolean");
    case QJsonValue::Double:
        return QStringLiteral("a number");
    case QJsonValue::String:
        return QStringLiteral("a string");
    case QJsonValue::Array:
        return QStringLiteral("an array");
    case QJsonValue::Object:
        return QStringLiteral("an object");
    default:
        return QStringLiteral("nothing");
    }
}

void expectType(const QJsonValue &v, QJsonValue::Type t, const QString &path, const char *what)
{
    if (v.isUndefined())
        fail(path, QStringLiteral("Field required"));
    if (v.type() != t)
        fail(path, QStringLiteral("Input should be %1, got %2").arg(QLatin1String(what), typeOf(v)));
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
        } else {
            fail(join(bp, QLatin1String("type")),
                 QStringLiteral(
                     "Content block type '%1' is not supported in a user message; use 'text', 'image' or "
                     "'tool_result'.")
                     .arg(type));
        }
    }
    if (!hasToolResults || !user.text.isEmpty() || !user.images.empty())
        out.push_back(std::move(user));
}

ChatMessage parseAssistantMessage(const QJsonValue &content, const QString &path)
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

void parseMessages(const QJsonObject &o, ChatRequest &req)
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
        if (role == QLatin1String("user"))
            parseUserMessage(content, cp, req.messages);
        else if (role == QLatin1String("assistant"))
            req.messages.push_back(parseAssistantMessage(content, cp));
        else
            fail(join(p, QLatin1String("role")),
                 QStringLiteral("Input should be 'user' or 'assistant', got '%1'").arg(role));
    }
}

void parseSystem(const QJsonObject &o, ChatRequest &req)
{
    const QJsonValue system = o.value(QLatin1String("system"));
    if (!present(system))
        return;
    ChatMessage msg;
    msg.role = Role::System;
    if (system.isString()) {
        msg.text = system.toString();
    } else {
        const QString path = QStringLiteral("system");
        expectType(system, QJsonValue::Array, path, "a string or an array of text blocks");
        const QJsonArray blocks = system.toArray();
        for (qsizetype i = 0; i < blocks.size(); ++i) {
            const QString bp = join(path, i);
            QString type;
            const QJsonObject block = blockObject(blocks[i], bp, type);
            if (type != QLatin1String("text"))
                fail(join(bp, QLatin1String("type")),
                     QStringLiteral("Input should be 'text', got '%1'").arg(type));
            appendText(msg, requiredString(block, QLatin1String("text"), bp));
        }
    }
    if (!msg.text.isEmpty())
        req.messages.insert(req.messages.begin(), std::move(msg));
}

void parseTools(const QJsonObject &o, ChatRequest &req)
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
            if (type.toString() != QLatin1String("custom"))
                fail(join(p, QLatin1String("type")),
                     QStringLiteral(
                         "Server tool '%1' is not supported by this gateway; only custom tools with an "
                         "input_schema are.")
                         .arg(type.toString()));
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

void parseToolChoice(const QJsonObject &o, ChatRequest &req)
{
    const QJsonValue v = o.value(QLatin1String("tool_choice"));
    if (!present(v))
        return;
    const QString path = QStringLiteral("tool_choice");
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
        if (!known)
            fail(join(path, QLatin1String("name")), QStringLiteral("Tool '%1' is not in 'tools'.").arg(name));
        req.toolChoice = ToolChoice::Named;
        req.toolChoiceName = name;
    } else {
        fail(join(path, QLatin1String("type")),
             QStringLiteral("Input should be 'auto', 'any', 'tool' or 'none', got '%1'").arg(type));
    }
}

void parseThinking(const QJsonObject &o, ChatRequest &req)
{
    // Never a 400: clients send shapes newer than this gateway; anything unrecognized means "no thinking".
    const QJsonObject thinking = o.value(QLatin1String("thinking")).toObject();
    const QString type = thinking.value(QLatin1String("type")).toString();
    if (type != QLatin1String("enabled") && type != QLatin1String("adaptive"))
        return;
    req.thinking = true;
    const double budget = thinking.value(QLatin1String("budget_tokens")).toDouble();
    req.thinkingBudgetTokens
        = std::isfinite(budget) && budget >= 1 && budget <= 10'000'000 ? int(budget) : defaultThinkingBudget;
}

ChatRequest parseObject(const QJsonObject &o, AnthropicRequestParser::Mode mode)
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

    parseMessages(o, req);
    parseSystem(o, req);
    parseTools(o, req);
    parseToolChoice(o, req);

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
    parseThinking(o, req);
    return req;
}

} // namespace

std::variant<ChatRequest, ApiError> AnthropicRequestParser::parse(const QByteArray &body, Mode mode)
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
        return parseObject(doc.object(), mode);
    } catch (const Invalid &invalid) {
        return invalid.error;
    }
}

} // namespace Drawbridge
