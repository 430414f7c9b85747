// SPDX-License-Identifier: MIT
#include "openairequestparser.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>

#include <cmath>

#include "fastjsonreader.h"
#include "rawjsonmemo.h"
#include "resentbody.h"
#include "server/core/clientstringbounds.h"
#include "server/gateway/imagedataurl.h"
#include "server/gateway/jsontypename.h"

namespace Drawbridge {

namespace {

struct Invalid
{
    ApiError error;
};

[[noreturn]] void fail(const QString &param, const QString &message)
{
    throw Invalid { ApiError { ApiErrorKind::InvalidRequest, message, param } };
}

void expectType(const QJsonValue &v, QJsonValue::Type t, const QString &param, const char *what)
{
    if (v.type() != t)
        fail(param,
             QStringLiteral("Invalid type for '%1': expected %2, but got %3.")
                 .arg(param, QLatin1String(what), jsonTypeName(v)));
}

std::optional<double> optionalNumber(const QJsonObject &o, const char *key, double min, double max)
{
    const QJsonValue v = o.value(QLatin1String(key));
    if (v.isUndefined() || v.isNull())
        return std::nullopt;
    const QString param = QLatin1String(key);
    expectType(v, QJsonValue::Double, param, "a number");
    const double d = v.toDouble();
    if (!std::isfinite(d) || d < min || d > max)
        fail(param,
             QStringLiteral("'%1' must be between %2 and %3, got %4.").arg(param).arg(min).arg(max).arg(d));
    return d;
}

std::optional<int> optionalPositiveInt(const QJsonObject &o, const char *key)
{
    const QJsonValue v = o.value(QLatin1String(key));
    if (v.isUndefined() || v.isNull())
        return std::nullopt;
    const QString param = QLatin1String(key);
    expectType(v, QJsonValue::Double, param, "an integer");
    const double d = v.toDouble();
    if (d != std::floor(d) || d < 1 || d > 10'000'000)
        fail(param, QStringLiteral("'%1' must be a positive integer, got %2.").arg(param).arg(d));
    return int(d);
}

bool optionalBool(const QJsonObject &o, const char *key, bool def)
{
    const QJsonValue v = o.value(QLatin1String(key));
    if (v.isUndefined() || v.isNull())
        return def;
    expectType(v, QJsonValue::Bool, QLatin1String(key), "a boolean");
    return v.toBool();
}

void parseDataUrl(const QString &url, const QString &param, ChatMessage &msg)
{
    QString error;
    auto image = parseImageDataUrl(url, param, error);
    if (!image)
        fail(param, error);
    msg.images.push_back(std::move(*image));
}

/** Text (and images, when allowed) of a `content` field. */
void parseContent(const QJsonValue &content, const QString &param, bool allowImages, bool allowNull,
                  ChatMessage &msg)
{
    if (content.isString()) {
        msg.text = content.toString();
        return;
    }
    if (content.isNull() || content.isUndefined()) {
        if (!allowNull)
            fail(param, QStringLiteral("Missing required parameter: '%1'.").arg(param));
        return;
    }
    expectType(content, QJsonValue::Array, param, "a string or an array of content parts");
    const QJsonArray parts = content.toArray();
    QString text;
    for (qsizetype i = 0; i < parts.size(); ++i) {
        const QString pp = QStringLiteral("%1[%2]").arg(param).arg(i);
        expectType(parts[i], QJsonValue::Object, pp, "an object");
        const QJsonObject part = parts[i].toObject();
        const QJsonValue type = part.value(QLatin1String("type"));
        expectType(type, QJsonValue::String, pp + QLatin1String(".type"), "a string");
        const QString t = type.toString();
        if (t == QLatin1String("text")) {
            const QJsonValue tv = part.value(QLatin1String("text"));
            expectType(tv, QJsonValue::String, pp + QLatin1String(".text"), "a string");
            if (!text.isEmpty())
                text += u'\n';
            text += tv.toString();
        } else if (t == QLatin1String("image_url") && allowImages) {
            const QJsonValue iu = part.value(QLatin1String("image_url"));
            QString url;
            if (iu.isString()) {
                url = iu.toString();
            } else {
                expectType(iu, QJsonValue::Object, pp + QLatin1String(".image_url"), "an object");
                const QJsonValue u = iu.toObject().value(QLatin1String("url"));
                expectType(u, QJsonValue::String, pp + QLatin1String(".image_url.url"), "a string");
                url = u.toString();
            }
            parseDataUrl(url, pp + QLatin1String(".image_url.url"), msg);
        } else {
            fail(pp + QLatin1String(".type"),
                 QStringLiteral("Unsupported content part type '%1' here.").arg(t));
        }
    }
    msg.text = text;
}

ChatMessage parseMessage(const QJsonValue &value, qsizetype index)
{
    const QString p = QStringLiteral("messages[%1]").arg(index);
    expectType(value, QJsonValue::Object, p, "an object");
    const QJsonObject m = value.toObject();
    const QJsonValue roleV = m.value(QLatin1String("role"));
    if (roleV.isUndefined())
        fail(p + QLatin1String(".role"), QStringLiteral("Missing required parameter: '%1.role'.").arg(p));
    expectType(roleV, QJsonValue::String, p + QLatin1String(".role"), "a string");
    const QString role = roleV.toString();
    ChatMessage msg;
    const QString cp = p + QLatin1String(".content");
    const QJsonValue content = m.value(QLatin1String("content"));
    if (role == QLatin1String("system") || role == QLatin1String("developer")) {
        msg.role = Role::System;
        parseContent(content, cp, false, false, msg);
    } else if (role == QLatin1String("user")) {
        msg.role = Role::User;
        parseContent(content, cp, true, false, msg);
    } else if (role == QLatin1String("assistant")) {
        msg.role = Role::Assistant;
        const QJsonValue calls = m.value(QLatin1String("tool_calls"));
        const bool hasCalls = calls.isArray() && !calls.toArray().isEmpty();
        parseContent(content, cp, false, hasCalls || content.isNull(), msg);
        if (!calls.isUndefined() && !calls.isNull()) {
            const QString tp = p + QLatin1String(".tool_calls");
            expectType(calls, QJsonValue::Array, tp, "an array");
            const QJsonArray arr = calls.toArray();
            for (qsizetype i = 0; i < arr.size(); ++i) {
                const QString cpp = QStringLiteral("%1[%2]").arg(tp).arg(i);
                expectType(arr[i], QJsonValue::Object, cpp, "an object");
                const QJsonObject c = arr[i].toObject();
                const QJsonValue id = c.value(QLatin1String("id"));
                expectType(id, QJsonValue::String, cpp + QLatin1String(".id"), "a string");
                const QJsonValue fn = c.value(QLatin1String("function"));
                expectType(fn, QJsonValue::Object, cpp + QLatin1String(".function"), "an object");
                const QJsonValue name = fn.toObject().value(QLatin1String("name"));
                expectType(name, QJsonValue::String, cpp + QLatin1String(".function.name"), "a string");
                QJsonValue args = fn.toObject().value(QLatin1String("arguments"));
                QString argsText;
                if (args.isString())
                    argsText = args.toString();
                else if (args.isObject()) // some clients send an object; accept it
                    argsText
                        = QString::fromUtf8(QJsonDocument(args.toObject()).toJson(QJsonDocument::Compact));
                else if (args.isUndefined() || args.isNull())
                    argsText = QStringLiteral("{}");
                else
                    expectType(args, QJsonValue::String, cpp + QLatin1String(".function.arguments"),
                               "a string");
                msg.toolCalls.push_back(ToolCall { id.toString(), name.toString(), argsText });
            }
        }
    } else if (role == QLatin1String("tool")) {
        msg.role = Role::Tool;
        const QJsonValue id = m.value(QLatin1String("tool_call_id"));
        if (id.isUndefined())
            fail(p + QLatin1String(".tool_call_id"),
                 QStringLiteral("Missing required parameter: '%1.tool_call_id'.").arg(p));
        expectType(id, QJsonValue::String, p + QLatin1String(".tool_call_id"), "a string");
        msg.toolCallId = id.toString();
        parseContent(content, cp, false, false, msg);
    } else {
        fail(p + QLatin1String(".role"),
             QStringLiteral("Invalid value: '%1'. Supported values are: 'system', 'developer', 'user', "
                            "'assistant' and 'tool'.")
                 .arg(role));
    }
    return msg;
}

ToolDefinition parseTool(const QJsonValue &value, qsizetype index)
{
    static const QRegularExpression namePattern(QStringLiteral("^[a-zA-Z0-9_.:-]{1,128}$"));
    const QString p = QStringLiteral("tools[%1]").arg(index);
    expectType(value, QJsonValue::Object, p, "an object");
    const QJsonObject t = value.toObject();
    const QJsonValue type = t.value(QLatin1String("type"));
    if (!type.isUndefined() && type.toString() != QLatin1String("function"))
        fail(p + QLatin1String(".type"), QStringLiteral("Only 'function' tools are supported."));
    const QJsonValue fnV = t.value(QLatin1String("function"));
    expectType(fnV, QJsonValue::Object, p + QLatin1String(".function"), "an object");
    const QJsonObject fn = fnV.toObject();
    const QJsonValue name = fn.value(QLatin1String("name"));
    expectType(name, QJsonValue::String, p + QLatin1String(".function.name"), "a string");
    if (!namePattern.match(name.toString()).hasMatch())
        fail(
            p + QLatin1String(".function.name"),
            QStringLiteral("Invalid tool name '%1': use letters, digits, '_', '-', '.' or ':' (at most 128).")
                .arg(name.toString()));
    ToolDefinition def;
    def.name = name.toString();
    const QJsonValue desc = fn.value(QLatin1String("description"));
    if (!desc.isUndefined() && !desc.isNull()) {
        expectType(desc, QJsonValue::String, p + QLatin1String(".function.description"), "a string");
        def.description = desc.toString();
    }
    const QJsonValue params = fn.value(QLatin1String("parameters"));
    if (!params.isUndefined() && !params.isNull()) {
        expectType(params, QJsonValue::Object, p + QLatin1String(".function.parameters"), "an object");
        def.parameters = params.toObject();
        const QJsonValue schemaType = def.parameters.value(QLatin1String("type"));
        if (!schemaType.isUndefined() && schemaType.toString() != QLatin1String("object"))
            fail(p + QLatin1String(".function.parameters.type"),
                 QStringLiteral("Tool parameters must be a JSON schema of type 'object'."));
    }
    return def;
}

void parseToolChoice(const QJsonValue &v, ChatRequest &req)
{
    if (v.isUndefined() || v.isNull())
        return;
    if (v.isString()) {
        const QString s = v.toString();
        if (s == QLatin1String("auto"))
            req.toolChoice = ToolChoice::Auto;
        else if (s == QLatin1String("none"))
            req.toolChoice = ToolChoice::None;
        else if (s == QLatin1String("required"))
            req.toolChoice = ToolChoice::Required;
        else
            fail(QStringLiteral("tool_choice"),
                 QStringLiteral("Invalid value: '%1'. Supported values are: 'none', 'auto' and 'required'.")
                     .arg(s));
        return;
    }
    expectType(v, QJsonValue::Object, QStringLiteral("tool_choice"), "a string or an object");
    const QJsonValue name
        = v.toObject().value(QLatin1String("function")).toObject().value(QLatin1String("name"));
    expectType(name, QJsonValue::String, QStringLiteral("tool_choice.function.name"), "a string");
    const bool known = std::any_of(req.tools.begin(), req.tools.end(),
                                   [&](const ToolDefinition &t) { return t.name == name.toString(); });
    if (!known)
        fail(QStringLiteral("tool_choice.function.name"),
             QStringLiteral("Tool '%1' is not in 'tools'.").arg(name.toString()));
    req.toolChoice = ToolChoice::Named;
    req.toolChoiceName = name.toString();
}

OpenAiChatRequest parseObject(const QJsonObject &o)
{
    OpenAiChatRequest out;
    ChatRequest &req = out.request;

    const QJsonValue model = o.value(QLatin1String("model"));
    if (model.isUndefined())
        fail(QStringLiteral("model"), QStringLiteral("Missing required parameter: 'model'."));
    expectType(model, QJsonValue::String, QStringLiteral("model"), "a string");
    req.requestedModel = model.toString();
    if (const auto problem = ClientStringBounds::modelProblem(req.requestedModel))
        fail(QStringLiteral("model"), *problem);

    const QJsonValue messages = o.value(QLatin1String("messages"));
    if (messages.isUndefined())
        fail(QStringLiteral("messages"), QStringLiteral("Missing required parameter: 'messages'."));
    expectType(messages, QJsonValue::Array, QStringLiteral("messages"), "an array");
    const QJsonArray arr = messages.toArray();
    if (arr.isEmpty())
        fail(QStringLiteral("messages"), QStringLiteral("'messages' must contain at least one message."));
    req.messages.reserve(size_t(arr.size()));
    for (qsizetype i = 0; i < arr.size(); ++i)
        req.messages.push_back(parseMessage(arr[i], i));

    const QJsonValue tools = o.value(QLatin1String("tools"));
    if (!tools.isUndefined() && !tools.isNull()) {
        expectType(tools, QJsonValue::Array, QStringLiteral("tools"), "an array");
        const QJsonArray ta = tools.toArray();
        for (qsizetype i = 0; i < ta.size(); ++i)
            req.tools.push_back(parseTool(ta[i], i));
    }
    parseToolChoice(o.value(QLatin1String("tool_choice")), req);

    req.temperature = optionalNumber(o, "temperature", 0.0, 2.0);
    req.topP = optionalNumber(o, "top_p", 0.0, 1.0);
    optionalNumber(o, "presence_penalty", -2.0, 2.0);
    optionalNumber(o, "frequency_penalty", -2.0, 2.0);
    req.maxTokens = optionalPositiveInt(o, "max_completion_tokens");
    if (!req.maxTokens)
        req.maxTokens = optionalPositiveInt(o, "max_tokens");
    if (const auto n = optionalPositiveInt(o, "n"); n && *n != 1)
        fail(QStringLiteral("n"), QStringLiteral("Only n=1 is supported."));

    req.stream = optionalBool(o, "stream", false);
    const QJsonValue so = o.value(QLatin1String("stream_options"));
    if (!so.isUndefined() && !so.isNull()) {
        expectType(so, QJsonValue::Object, QStringLiteral("stream_options"), "an object");
        const QJsonValue iu = so.toObject().value(QLatin1String("include_usage"));
        if (!iu.isUndefined() && !iu.isNull()) {
            expectType(iu, QJsonValue::Bool, QStringLiteral("stream_options.include_usage"), "a boolean");
            out.includeUsage = iu.toBool();
        }
    }

    const QJsonValue stop = o.value(QLatin1String("stop"));
    if (stop.isString()) {
        req.stop.append(stop.toString());
    } else if (stop.isArray()) {
        const QJsonArray sa = stop.toArray();
        if (sa.size() > 4)
            fail(QStringLiteral("stop"), QStringLiteral("'stop' may hold at most 4 sequences."));
        for (qsizetype i = 0; i < sa.size(); ++i) {
            expectType(sa[i], QJsonValue::String, QStringLiteral("stop[%1]").arg(i), "a string");
            req.stop.append(sa[i].toString());
        }
    } else if (!stop.isUndefined() && !stop.isNull()) {
        expectType(stop, QJsonValue::Array, QStringLiteral("stop"), "a string or an array of strings");
    }

    const QJsonValue effort = o.value(QLatin1String("reasoning_effort"));
    if (effort.isString()) {
        const QString e = effort.toString();
        req.thinking = e != QLatin1String("none") && e != QLatin1String("minimal");
        req.thinkingBudgetTokens = e == QLatin1String("high") ? 24000
            : e == QLatin1String("low")                       ? 4000
                                                              : 10000;
    } else if (!effort.isUndefined() && !effort.isNull()) {
        expectType(effort, QJsonValue::String, QStringLiteral("reasoning_effort"), "a string");
    }
    return out;
}

// ---- the single-pass path --------------------------------------------------------------------------------
// It accepts exactly what the QJsonDocument path above accepts and fills the request the same way; whatever
// it is not sure of, and every error, it leaves to that path by throwing FastJsonReader::Unsupported (so
// error messages come from one place). It may be stricter than the rules above, never looser.

using Member = FastJsonReader::Member;
using Unsupported = FastJsonReader::Unsupported;

bool fastIsString(const Member &m, std::string_view value)
{
    std::string_view s;
    return m && !m->get_string().get(s) && s == value;
}

/** `content`: a string, or an array of text parts (an image part is left to the other path). */
void fastContent(const Member &content, bool allowNull, ChatMessage &msg)
{
    if (FastJsonReader::isAbsent(content)) {
        if (!allowNull)
            throw Unsupported {};
        return;
    }
    if (content->is_string()) {
        FastJsonReader::setText(msg, *content);
        return;
    }
    for (const auto part : FastJsonReader::array(*content)) {
        Member type, textValue;
        for (const auto field : FastJsonReader::object(part)) {
            if (field.key == "type")
                FastJsonReader::take(type, field.value);
            else if (field.key == "text")
                FastJsonReader::take(textValue, field.value);
        }
        if (!fastIsString(type, "text") || !textValue)
            throw Unsupported {};
        FastJsonReader::appendText(msg, *textValue);
    }
}

ToolCall fastToolCall(simdjson::dom::element value)
{
    Member id, function;
    for (const auto field : FastJsonReader::object(value)) {
        if (field.key == "id")
            FastJsonReader::take(id, field.value);
        else if (field.key == "function")
            FastJsonReader::take(function, field.value);
    }
    if (!id || !function)
        throw Unsupported {};
    Member name, arguments;
    for (const auto field : FastJsonReader::object(*function)) {
        if (field.key == "name")
            FastJsonReader::take(name, field.value);
        else if (field.key == "arguments")
            FastJsonReader::take(arguments, field.value);
    }
    if (!name)
        throw Unsupported {};
    ToolCall call { FastJsonReader::string(*id), FastJsonReader::string(*name), QString() };
    if (FastJsonReader::isAbsent(arguments))
        call.arguments = QStringLiteral("{}");
    else if (arguments->is_string())
        call.arguments = FastJsonReader::string(*arguments);
    else if (arguments->is_object()) // some clients send an object; accept it
        call.arguments = QString::fromUtf8(QJsonDocument(FastJsonReader::toQJsonValue(*arguments).toObject())
                                               .toJson(QJsonDocument::Compact));
    else
        throw Unsupported {};
    return call;
}

ChatMessage fastMessage(simdjson::dom::element value)
{
    Member role, content, toolCalls, toolCallId;
    for (const auto field : FastJsonReader::object(value)) {
        if (field.key == "role")
            FastJsonReader::take(role, field.value);
        else if (field.key == "content")
            FastJsonReader::take(content, field.value);
        else if (field.key == "tool_calls")
            FastJsonReader::take(toolCalls, field.value);
        else if (field.key == "tool_call_id")
            FastJsonReader::take(toolCallId, field.value);
    }
    std::string_view r;
    if (!role || role->get_string().get(r))
        throw Unsupported {};
    ChatMessage msg;
    if (r == "system" || r == "developer") {
        msg.role = Role::System;
        fastContent(content, false, msg);
    } else if (r == "user") {
        msg.role = Role::User;
        fastContent(content, false, msg);
    } else if (r == "assistant") {
        msg.role = Role::Assistant;
        simdjson::dom::array calls;
        const bool hasCalls = toolCalls && !toolCalls->get_array().get(calls) && calls.size() > 0;
        fastContent(content, hasCalls || (content && content->is_null()), msg);
        if (!FastJsonReader::isAbsent(toolCalls)) {
            for (const auto call : FastJsonReader::array(*toolCalls))
                msg.toolCalls.push_back(fastToolCall(call));
        }
    } else if (r == "tool") {
        msg.role = Role::Tool;
        if (!toolCallId)
            throw Unsupported {};
        msg.toolCallId = FastJsonReader::string(*toolCallId);
        fastContent(content, false, msg);
    } else {
        throw Unsupported {};
    }
    return msg;
}

bool fastToolNameValid(std::string_view name)
{
    if (name.empty() || name.size() > 128)
        return false;
    return std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'
            || c == '.' || c == ':' || c == '-';
    });
}

ToolDefinition fastTool(simdjson::dom::element value)
{
    Member type, function;
    for (const auto field : FastJsonReader::object(value)) {
        if (field.key == "type")
            FastJsonReader::take(type, field.value);
        else if (field.key == "function")
            FastJsonReader::take(function, field.value);
    }
    if ((type && !fastIsString(type, "function")) || !function)
        throw Unsupported {};
    Member name, description, parameters;
    for (const auto field : FastJsonReader::object(*function)) {
        if (field.key == "name")
            FastJsonReader::take(name, field.value);
        else if (field.key == "description")
            FastJsonReader::take(description, field.value);
        else if (field.key == "parameters")
            FastJsonReader::take(parameters, field.value);
    }
    std::string_view n;
    if (!name || name->get_string().get(n) || !fastToolNameValid(n))
        throw Unsupported {};
    ToolDefinition def;
    def.name = FastJsonReader::string(n);
    if (!FastJsonReader::isAbsent(description)) {
        const std::string_view utf8 = FastJsonReader::utf8(*description);
        def.descriptionUtf8 = QByteArray(utf8.data(), qsizetype(utf8.size()));
    }
    if (!FastJsonReader::isAbsent(parameters)) {
        def.parameters = FastJsonReader::schemaObject(*parameters, def.parametersJson);
        // Read from the DOM (schemaObject() took only an object without duplicate keys): asking the
        // QJsonObject cost a QJsonValue lookup, construction and comparison per tool and request.
        Member schemaType;
        if (simdjson::dom::element t; (*parameters)["type"].get(t) == simdjson::SUCCESS)
            schemaType = t;
        if (schemaType && !fastIsString(schemaType, "object"))
            throw Unsupported {};
    }
    return def;
}

std::optional<double> fastNumber(const Member &m, double min, double max)
{
    if (FastJsonReader::isAbsent(m))
        return std::nullopt;
    const double d = FastJsonReader::number(*m);
    if (!std::isfinite(d) || d < min || d > max)
        throw Unsupported {};
    return d;
}

std::optional<int> fastPositiveInt(const Member &m)
{
    const auto d = fastNumber(m, 1, 10'000'000);
    if (d && *d != std::floor(*d))
        throw Unsupported {};
    return d ? std::optional<int>(int(*d)) : std::nullopt;
}

OpenAiChatRequest fastParse(const QByteArray &body)
{
    // What earlier requests of this thread read from the messages and tools an agent sends again, under
    // their bytes (ResentBody): a known part is neither indexed into a tape nor read again. Bounded as the
    // text memo.
    thread_local RawJsonMemo<ChatMessage, 8192, 4 * 1024 * 1024> messageMemo;
    thread_local RawJsonMemo<std::vector<ToolDefinition>, 32, 2 * 1024 * 1024> toolsMemo;
    constexpr size_t toolsPart = 0;
    ResentBody resent;
    resent.split(body, "messages", { "tools", {} }); // a body it does not split has nothing known
    const std::vector<const ChatMessage *> knownMessages = resent.replaceKnownMessages(messageMemo);
    const std::vector<ToolDefinition> *const knownTools = resent.replaceKnownMember(toolsPart, toolsMemo);
    const QByteArray parsed = resent.reduced();
    const FastJsonReader reader(parsed);
    Member model, messages, tools, toolChoice, temperature, topP, presence, frequency, maxCompletionTokens,
        maxTokens, n, stream, streamOptions, stop, effort;
    for (const auto field : reader.root()) {
        const std::string_view k = field.key;
        Member *slot = k == "model"        ? &model
            : k == "messages"              ? &messages
            : k == "tools"                 ? &tools
            : k == "tool_choice"           ? &toolChoice
            : k == "temperature"           ? &temperature
            : k == "top_p"                 ? &topP
            : k == "presence_penalty"      ? &presence
            : k == "frequency_penalty"     ? &frequency
            : k == "max_completion_tokens" ? &maxCompletionTokens
            : k == "max_tokens"            ? &maxTokens
            : k == "n"                     ? &n
            : k == "stream"                ? &stream
            : k == "stream_options"        ? &streamOptions
            : k == "stop"                  ? &stop
            : k == "reasoning_effort"      ? &effort
                                           : nullptr;
        if (slot)
            FastJsonReader::take(*slot, field.value);
    }

    OpenAiChatRequest out;
    ChatRequest &req = out.request;
    if (!model)
        throw Unsupported {};
    req.requestedModel = FastJsonReader::string(*model);
    if (ClientStringBounds::modelProblem(req.requestedModel))
        throw Unsupported {};

    if (!messages)
        throw Unsupported {};
    const simdjson::dom::array messageArray = FastJsonReader::array(*messages);
    if (messageArray.size() == 0)
        throw Unsupported {};
    req.messages.reserve(messageArray.size());
    std::vector<qsizetype> read; // the messages read here, for the memo
    qsizetype index = 0;
    for (const auto message : messageArray) {
        if (resent.messageReplaced(index)) {
            if (!message.is_int64())
                throw Unsupported {}; // not the placeholder: cannot happen
            req.messages.push_back(*knownMessages[size_t(index++)]);
            continue;
        }
        req.messages.push_back(fastMessage(message));
        read.push_back(index++);
    }
    // After the loop (an insert may empty the memo, and the known messages with it). A message's reading
    // depends on its bytes alone, so it is kept even if the request later falls back.
    for (const qsizetype i : read) {
        const std::string_view raw = resent.message(i);
        if (!raw.empty() && !messageMemo.find(raw))
            messageMemo.insert(raw, req.messages[size_t(i)]);
    }

    if (!FastJsonReader::isAbsent(tools)) {
        // Agents send the same tools with every request: read once per distinct value (issue 18).
        if (resent.memberReplaced(toolsPart)) {
            if (!tools->is_int64())
                throw Unsupported {};
            req.tools = *knownTools;
        } else {
            for (const auto tool : FastJsonReader::array(*tools))
                req.tools.push_back(fastTool(tool));
            toolsMemo.insert(resent.member(toolsPart), req.tools);
        }
    }
    if (!FastJsonReader::isAbsent(toolChoice)) {
        std::string_view choice;
        if (!toolChoice->get_string().get(choice)) {
            if (choice == "auto")
                req.toolChoice = ToolChoice::Auto;
            else if (choice == "none")
                req.toolChoice = ToolChoice::None;
            else if (choice == "required")
                req.toolChoice = ToolChoice::Required;
            else
                throw Unsupported {};
        } else {
            Member function;
            for (const auto field : FastJsonReader::object(*toolChoice)) {
                if (field.key == "function")
                    FastJsonReader::take(function, field.value);
            }
            Member name;
            if (function) {
                for (const auto field : FastJsonReader::object(*function)) {
                    if (field.key == "name")
                        FastJsonReader::take(name, field.value);
                }
            }
            if (!name)
                throw Unsupported {};
            const QString named = FastJsonReader::string(*name);
            if (std::none_of(req.tools.begin(), req.tools.end(),
                             [&](const ToolDefinition &t) { return t.name == named; }))
                throw Unsupported {};
            req.toolChoice = ToolChoice::Named;
            req.toolChoiceName = named;
        }
    }

    req.temperature = fastNumber(temperature, 0.0, 2.0);
    req.topP = fastNumber(topP, 0.0, 1.0);
    fastNumber(presence, -2.0, 2.0);
    fastNumber(frequency, -2.0, 2.0);
    req.maxTokens = fastPositiveInt(maxCompletionTokens);
    if (!req.maxTokens)
        req.maxTokens = fastPositiveInt(maxTokens);
    if (const auto count = fastPositiveInt(n); count && *count != 1)
        throw Unsupported {};

    if (!FastJsonReader::isAbsent(stream)) {
        bool b = false;
        if (stream->get_bool().get(b))
            throw Unsupported {};
        req.stream = b;
    }
    if (!FastJsonReader::isAbsent(streamOptions)) {
        Member includeUsage;
        for (const auto field : FastJsonReader::object(*streamOptions)) {
            if (field.key == "include_usage")
                FastJsonReader::take(includeUsage, field.value);
        }
        if (!FastJsonReader::isAbsent(includeUsage)) {
            bool b = false;
            if (includeUsage->get_bool().get(b))
                throw Unsupported {};
            out.includeUsage = b;
        }
    }

    if (!FastJsonReader::isAbsent(stop)) {
        if (stop->is_string()) {
            req.stop.append(FastJsonReader::string(*stop));
        } else {
            const simdjson::dom::array sequences = FastJsonReader::array(*stop);
            if (sequences.size() > 4)
                throw Unsupported {};
            for (const auto s : sequences)
                req.stop.append(FastJsonReader::string(s));
        }
    }

    if (!FastJsonReader::isAbsent(effort)) {
        const QString e = FastJsonReader::string(*effort);
        req.thinking = e != QLatin1String("none") && e != QLatin1String("minimal");
        req.thinkingBudgetTokens = e == QLatin1String("high") ? 24000
            : e == QLatin1String("low")                       ? 4000
                                                              : 10000;
    }
    return out;
}

} // namespace

std::variant<OpenAiChatRequest, ApiError> OpenAiRequestParser::parse(const QByteArray &body)
{
    if (auto request = parseSinglePass(body))
        return std::move(*request);
    return parseWithQtJson(body);
}

std::optional<OpenAiChatRequest> OpenAiRequestParser::parseSinglePass(const QByteArray &body)
{
    try {
        return fastParse(body);
    } catch (const FastJsonReader::Unsupported &) {
        return std::nullopt;
    }
}

std::variant<OpenAiChatRequest, ApiError> OpenAiRequestParser::parseWithQtJson(const QByteArray &body)
{
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(body, &pe);
    if (pe.error != QJsonParseError::NoError) {
        return ApiError { ApiErrorKind::InvalidJson,
                          QStringLiteral(
                              "We could not parse the JSON body of your request (%1 at offset %2).")
                              .arg(pe.errorString())
                              .arg(pe.offset) };
    }
    if (!doc.isObject())
        return ApiError { ApiErrorKind::InvalidJson,
                          QStringLiteral("The request body must be a JSON object.") };
    try {
        return parseObject(doc.object());
    } catch (const Invalid &invalid) {
        return invalid.error;
    }
}

} // namespace Drawbridge
