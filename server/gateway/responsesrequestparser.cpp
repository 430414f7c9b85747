// SPDX-License-Identifier: MIT
#include "responsesrequestparser.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>

#include <algorithm>
#include <cmath>

#include "server/core/clientstringbounds.h"
#include "server/core/jsonescape.h"
#include "server/gateway/imagedataurl.h"
#include "server/gateway/jsontypename.h"

namespace Drawbridge {

namespace {

struct Invalid
{
    ApiError error;
};

[[noreturn]] void fail(const QString &param, const QString &message,
                       ApiErrorKind kind = ApiErrorKind::InvalidRequest)
{
    throw Invalid { ApiError { kind, message, param } };
}

void expectType(const QJsonValue &v, QJsonValue::Type t, const QString &param, const char *what)
{
    if (v.type() != t)
        fail(param,
             QStringLiteral("Invalid type for '%1': expected %2, but got %3.")
                 .arg(param, QLatin1String(what), jsonTypeName(v)));
}

QString requiredString(const QJsonObject &o, const char *key, const QString &prefix)
{
    const QString param = prefix + QLatin1String(key);
    const QJsonValue v = o.value(QLatin1String(key));
    if (v.isUndefined() || v.isNull())
        fail(param, QStringLiteral("Missing required parameter: '%1'.").arg(param));
    expectType(v, QJsonValue::String, param, "a string");
    return v.toString();
}

bool present(const QJsonValue &v)
{
    return !v.isUndefined() && !v.isNull();
}

std::optional<double> optionalNumber(const QJsonObject &o, const char *key, double min, double max)
{
    const QJsonValue v = o.value(QLatin1String(key));
    if (!present(v))
        return std::nullopt;
    const QString param = QLatin1String(key);
    expectType(v, QJsonValue::Double, param, "a number");
    const double d = v.toDouble();
    if (!std::isfinite(d) || d < min || d > max)
        fail(param,
             QStringLiteral("'%1' must be between %2 and %3, got %4.").arg(param).arg(min).arg(max).arg(d));
    return d;
}

void parseDataUrl(const QString &url, const QString &param, ChatMessage &msg)
{
    QString error;
    auto image = parseImageDataUrl(url, param, error);
    if (!image)
        fail(param, error);
    msg.images.push_back(std::move(*image));
}

/** A client-chosen name as the log may show it: printable, short. */
QString logSafe(const QString &name)
{
    QString out;
    for (const QChar c : name.left(ClientStringBounds::maxNameChars))
        out += c.isPrint() ? c : u'?';
    return out;
}

/** Notes something left out; the list is bounded, since it ends up in one log line. */
void noteIgnored(ResponsesRequest &out, const QString &what)
{
    constexpr qsizetype maxNotes = 16;
    if (out.ignored.size() < maxNotes)
        out.ignored.append(what);
    else if (out.ignored.size() == maxNotes)
        out.ignored.append(QStringLiteral("…"));
}

void appendText(QString &to, const QString &text)
{
    if (!to.isEmpty() && !text.isEmpty())
        to += u'\n';
    to += text;
}

/**
 * Text (and images when @p allowImages) of a message's `content`, or of a function_call_output's `output`:
 * a string or a list of parts. Text parts may be `input_text` or `output_text` (history replays both).
 */
void parseContent(const QJsonValue &content, const QString &param, bool allowImages, ChatMessage &msg)
{
    if (content.isString()) {
        msg.text = content.toString();
        return;
    }
    if (!present(content))
        fail(param, QStringLiteral("Missing required parameter: '%1'.").arg(param));
    expectType(content, QJsonValue::Array, param, "a string or an array of content parts");
    const QJsonArray parts = content.toArray();
    for (qsizetype i = 0; i < parts.size(); ++i) {
        const QString pp = QStringLiteral("%1[%2]").arg(param).arg(i);
        expectType(parts[i], QJsonValue::Object, pp, "an object");
        const QJsonObject part = parts[i].toObject();
        const QString t = requiredString(part, "type", pp + u'.');
        if (t == QLatin1String("input_text") || t == QLatin1String("output_text")
            || t == QLatin1String("text")) {
            appendText(msg.text, requiredString(part, "text", pp + u'.'));
        } else if (t == QLatin1String("refusal")) {
            appendText(msg.text, requiredString(part, "refusal", pp + u'.'));
        } else if (t == QLatin1String("input_image") && allowImages) {
            const QJsonValue url = part.value(QLatin1String("image_url"));
            if (!present(url))
                fail(pp + QLatin1String(".image_url"),
                     QStringLiteral("Only images sent inline as 'image_url' (a data: URL) are supported; "
                                    "this gateway keeps no files."));
            expectType(url, QJsonValue::String, pp + QLatin1String(".image_url"), "a string");
            parseDataUrl(url.toString(), pp + QLatin1String(".image_url"), msg);
        } else {
            fail(pp + QLatin1String(".type"),
                 QStringLiteral("Unsupported content part type '%1' here.").arg(t));
        }
    }
}

ChatMessage parseMessage(const QJsonObject &item, const QString &p)
{
    ChatMessage msg;
    const QString role = requiredString(item, "role", p + u'.');
    const QString cp = p + QLatin1String(".content");
    const QJsonValue content = item.value(QLatin1String("content"));
    if (role == QLatin1String("system") || role == QLatin1String("developer")) {
        msg.role = Role::System;
        parseContent(content, cp, false, msg);
    } else if (role == QLatin1String("user")) {
        msg.role = Role::User;
        parseContent(content, cp, true, msg);
    } else if (role == QLatin1String("assistant")) {
        msg.role = Role::Assistant;
        parseContent(content, cp, false, msg);
    } else {
        fail(p + QLatin1String(".role"),
             QStringLiteral("Invalid value: '%1'. Supported values are: 'user', 'assistant', 'system' and "
                            "'developer'.")
                 .arg(role));
    }
    return msg;
}

/** A function_call item's `arguments`: JSON text (an object is accepted and written out). */
QString parseArguments(const QJsonObject &item, const QString &p)
{
    const QJsonValue args = item.value(QLatin1String("arguments"));
    if (args.isString())
        return args.toString();
    if (args.isObject())
        return QString::fromUtf8(QJsonDocument(args.toObject()).toJson(QJsonDocument::Compact));
    if (!present(args))
        return QStringLiteral("{}");
    expectType(args, QJsonValue::String, p + QLatin1String(".arguments"), "a string");
    return {};
}

void parseInput(const QJsonValue &input, ResponsesRequest &out)
{
    ChatRequest &req = out.request;
    if (input.isString()) {
        ChatMessage msg;
        msg.role = Role::User;
        msg.text = input.toString();
        req.messages.push_back(std::move(msg));
        return;
    }
    if (!present(input))
        fail(QStringLiteral("input"), QStringLiteral("Missing required parameter: 'input'."));
    expectType(input, QJsonValue::Array, QStringLiteral("input"), "a string or an array of input items");
    const QJsonArray items = input.toArray();
    if (items.isEmpty())
        fail(QStringLiteral("input"), QStringLiteral("'input' must contain at least one item."));
    bool droppedReasoning = false;
    for (qsizetype i = 0; i < items.size(); ++i) {
        const QString p = QStringLiteral("input[%1]").arg(i);
        expectType(items[i], QJsonValue::Object, p, "an object");
        const QJsonObject item = items[i].toObject();
        const QJsonValue typeV = item.value(QLatin1String("type"));
        // An item without a type but with a role is a message (the "easy input message" form).
        QString type = QStringLiteral("message");
        if (present(typeV)) {
            expectType(typeV, QJsonValue::String, p + QLatin1String(".type"), "a string");
            type = typeV.toString();
        }
        if (type == QLatin1String("message")) {
            req.messages.push_back(parseMessage(item, p));
        } else if (type == QLatin1String("function_call")) {
            ToolCall call { requiredString(item, "call_id", p + u'.'), requiredString(item, "name", p + u'.'),
                            parseArguments(item, p) };
            // Calls belong to the assistant turn they follow (one turn may hold text and several calls).
            if (req.messages.empty() || req.messages.back().role != Role::Assistant) {
                ChatMessage turn;
                turn.role = Role::Assistant;
                req.messages.push_back(std::move(turn));
            }
            req.messages.back().toolCalls.push_back(std::move(call));
        } else if (type == QLatin1String("function_call_output")) {
            ChatMessage result;
            result.role = Role::Tool;
            result.toolCallId = requiredString(item, "call_id", p + u'.');
            parseContent(item.value(QLatin1String("output")), p + QLatin1String(".output"), false, result);
            req.messages.push_back(std::move(result));
        } else if (type == QLatin1String("reasoning")) {
            droppedReasoning = true; // earlier reasoning; the upstream has no place for it
        } else if (type == QLatin1String("item_reference")) {
            fail(
                p + QLatin1String(".type"),
                QStringLiteral("Item references need stored responses; this gateway keeps no state. Send the "
                               "items themselves."),
                ApiErrorKind::UnsupportedParameter);
        } else {
            fail(p + QLatin1String(".type"),
                 QStringLiteral("Unsupported input item type '%1'. Supported types are: 'message', "
                                "'function_call', 'function_call_output' and 'reasoning'.")
                     .arg(type));
        }
    }
    if (droppedReasoning)
        noteIgnored(out, QStringLiteral("reasoning input items"));
}

/** Function tools become ToolDefinitions; hosted tools are noted and left out. Returns the echoed array. */
QJsonArray parseTools(const QJsonValue &tools, ResponsesRequest &out)
{
    static const QRegularExpression namePattern(QStringLiteral("^[a-zA-Z0-9_.:-]{1,128}$"));
    QJsonArray echoed;
    if (!present(tools))
        return echoed;
    expectType(tools, QJsonValue::Array, QStringLiteral("tools"), "an array");
    const QJsonArray ta = tools.toArray();
    for (qsizetype i = 0; i < ta.size(); ++i) {
        const QString p = QStringLiteral("tools[%1]").arg(i);
        expectType(ta[i], QJsonValue::Object, p, "an object");
        const QJsonObject t = ta[i].toObject();
        const QString type = requiredString(t, "type", p + u'.');
        if (type != QLatin1String("function")) {
            const QString name = t.value(QLatin1String("name")).toString();
            noteIgnored(out,
                        logSafe(name.isEmpty() ? type : name + QLatin1String(", ") + type)
                            + QLatin1String(" (tool)"));
            continue;
        }
        ToolDefinition def;
        def.name = requiredString(t, "name", p + u'.');
        if (!namePattern.match(def.name).hasMatch())
            fail(p + QLatin1String(".name"),
                 QStringLiteral(
                     "Invalid tool name '%1': use letters, digits, '_', '-', '.' or ':' (at most 128).")
                     .arg(def.name));
        const QJsonValue desc = t.value(QLatin1String("description"));
        if (present(desc)) {
            expectType(desc, QJsonValue::String, p + QLatin1String(".description"), "a string");
            def.description = desc.toString();
        }
        const QJsonValue params = t.value(QLatin1String("parameters"));
        if (present(params)) {
            expectType(params, QJsonValue::Object, p + QLatin1String(".parameters"), "an object");
            def.parameters = params.toObject();
            const QJsonValue schemaType = def.parameters.value(QLatin1String("type"));
            if (!schemaType.isUndefined() && schemaType.toString() != QLatin1String("object"))
                fail(p + QLatin1String(".parameters.type"),
                     QStringLiteral("Tool parameters must be a JSON schema of type 'object'."));
        }
        const QJsonValue strict = t.value(QLatin1String("strict"));
        if (present(strict))
            expectType(strict, QJsonValue::Bool, p + QLatin1String(".strict"), "a boolean");
        QJsonObject e { { QLatin1String("type"), QLatin1String("function") },
                        { QLatin1String("name"), def.name },
                        { QLatin1String("description"),
                          def.description.isEmpty() ? QJsonValue(QJsonValue::Null)
                                                    : QJsonValue(def.description) },
                        { QLatin1String("parameters"),
                          present(params) ? QJsonValue(def.parameters) : QJsonValue(QJsonValue::Null) },
                        { QLatin1String("strict"), strict.isBool() ? strict.toBool() : true } };
        echoed.append(e);
        out.request.tools.push_back(std::move(def));
    }
    return echoed;
}

/** Returns the echoed tool_choice. */
QJsonValue parseToolChoice(const QJsonValue &v, ChatRequest &req)
{
    if (!present(v))
        return QStringLiteral("auto");
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
        return s;
    }
    expectType(v, QJsonValue::Object, QStringLiteral("tool_choice"), "a string or an object");
    const QJsonObject o = v.toObject();
    const QString type = requiredString(o, "type", QStringLiteral("tool_choice."));
    if (type != QLatin1String("function"))
        fail(QStringLiteral("tool_choice.type"),
             QStringLiteral("Unsupported tool_choice type '%1'; this gateway serves 'function' tools only.")
                 .arg(type));
    const QString name = requiredString(o, "name", QStringLiteral("tool_choice."));
    const bool known = std::any_of(req.tools.begin(), req.tools.end(),
                                   [&](const ToolDefinition &t) { return t.name == name; });
    if (!known)
        fail(QStringLiteral("tool_choice.name"), QStringLiteral("Tool '%1' is not in 'tools'.").arg(name));
    req.toolChoice = ToolChoice::Named;
    req.toolChoiceName = name;
    return QJsonObject { { QLatin1String("type"), QLatin1String("function") },
                         { QLatin1String("name"), name } };
}

/** reasoning.effort as a thinking budget (Kiro takes a length, not an effort); returns the echoed object. */
QJsonObject parseReasoning(const QJsonValue &v, ChatRequest &req)
{
    QJsonObject echoed { { QLatin1String("effort"), QJsonValue(QJsonValue::Null) },
                         { QLatin1String("summary"), QJsonValue(QJsonValue::Null) } };
    if (!present(v))
        return echoed;
    expectType(v, QJsonValue::Object, QStringLiteral("reasoning"), "an object");
    const QJsonValue effortV = v.toObject().value(QLatin1String("effort"));
    if (!present(effortV))
        return echoed;
    expectType(effortV, QJsonValue::String, QStringLiteral("reasoning.effort"), "a string");
    const QString effort = effortV.toString();
    struct Level
    {
        QLatin1String name;
        int budget; ///< 0 = no thinking
    };
    // The same budgets as chat completions' reasoning_effort.
    static const Level levels[] = { { QLatin1String("none"), 0 },     { QLatin1String("minimal"), 0 },
                                    { QLatin1String("low"), 4000 },   { QLatin1String("medium"), 10000 },
                                    { QLatin1String("high"), 24000 }, { QLatin1String("xhigh"), 32000 } };
    const auto level = std::find_if(std::begin(levels), std::end(levels),
                                    [&](const Level &l) { return l.name == effort; });
    if (level == std::end(levels))
        fail(QStringLiteral("reasoning.effort"),
             QStringLiteral("Invalid value: '%1'. Supported values are: 'none', 'minimal', 'low', 'medium', "
                            "'high' and 'xhigh'.")
                 .arg(effort));
    req.thinking = level->budget > 0;
    req.thinkingBudgetTokens = level->budget;
    echoed.insert(QLatin1String("effort"), effort);
    return echoed;
}

void refuseState(const QJsonObject &o, const char *key, const QString &why)
{
    const QJsonValue v = o.value(QLatin1String(key));
    if (!present(v) || (v.isBool() && !v.toBool()))
        return;
    fail(QLatin1String(key), QStringLiteral("'%1' is not supported: %2").arg(QLatin1String(key), why),
         ApiErrorKind::UnsupportedParameter);
}

void appendMember(QByteArray &out, const char *key, const QJsonValue &value)
{
    out += '"';
    out += key;
    out += "\":";
    switch (value.type()) {
    case QJsonValue::Object:
        out += QJsonDocument(value.toObject()).toJson(QJsonDocument::Compact);
        break;
    case QJsonValue::Array:
        out += QJsonDocument(value.toArray()).toJson(QJsonDocument::Compact);
        break;
    default: {
        // QJsonDocument writes only objects and arrays: wrap the scalar and cut the brackets.
        const QByteArray wrapped = QJsonDocument(QJsonArray { value }).toJson(QJsonDocument::Compact);
        out += wrapped.mid(1, wrapped.size() - 2);
    }
    }
    out += ',';
}

ResponsesRequest parseObject(const QJsonObject &o)
{
    ResponsesRequest out;
    ChatRequest &req = out.request;

    const QString stateless
        = QStringLiteral("this gateway keeps no responses or conversations; send the whole "
                         "conversation in 'input'.");
    refuseState(o, "previous_response_id", stateless);
    refuseState(o, "conversation", stateless);
    refuseState(o, "background", QStringLiteral("responses are served while the request is open."));
    refuseState(o, "prompt",
                QStringLiteral("stored prompt templates are not kept here; send 'instructions'."));

    req.requestedModel = requiredString(o, "model", {});
    if (const auto problem = ClientStringBounds::modelProblem(req.requestedModel))
        fail(QStringLiteral("model"), *problem);

    const QJsonValue instructions = o.value(QLatin1String("instructions"));
    if (present(instructions)) {
        expectType(instructions, QJsonValue::String, QStringLiteral("instructions"), "a string");
        ChatMessage system;
        system.role = Role::System;
        system.text = instructions.toString();
        req.messages.push_back(std::move(system));
    }
    parseInput(o.value(QLatin1String("input")), out);

    const QJsonArray tools = parseTools(o.value(QLatin1String("tools")), out);
    const QJsonValue toolChoice = parseToolChoice(o.value(QLatin1String("tool_choice")), req);
    const QJsonObject reasoning = parseReasoning(o.value(QLatin1String("reasoning")), req);

    req.temperature = optionalNumber(o, "temperature", 0.0, 2.0);
    req.topP = optionalNumber(o, "top_p", 0.0, 1.0);
    if (const auto max = optionalNumber(o, "max_output_tokens", 1, 10'000'000)) {
        if (*max != std::floor(*max))
            fail(QStringLiteral("max_output_tokens"),
                 QStringLiteral("'max_output_tokens' must be a positive integer, got %1.").arg(*max));
        req.maxTokens = int(*max);
    }
    const QJsonValue stream = o.value(QLatin1String("stream"));
    if (present(stream)) {
        expectType(stream, QJsonValue::Bool, QStringLiteral("stream"), "a boolean");
        req.stream = stream.toBool();
    }
    const QJsonValue parallel = o.value(QLatin1String("parallel_tool_calls"));
    if (present(parallel))
        expectType(parallel, QJsonValue::Bool, QStringLiteral("parallel_tool_calls"), "a boolean");
    const QJsonValue metadata = o.value(QLatin1String("metadata"));
    if (present(metadata))
        expectType(metadata, QJsonValue::Object, QStringLiteral("metadata"), "an object");

    appendMember(out.echo, "instructions",
                 present(instructions) ? instructions : QJsonValue(QJsonValue::Null));
    appendMember(out.echo, "max_output_tokens",
                 req.maxTokens ? QJsonValue(*req.maxTokens) : QJsonValue(QJsonValue::Null));
    appendMember(out.echo, "metadata", metadata.isObject() ? metadata : QJsonValue(QJsonObject {}));
    appendMember(out.echo, "parallel_tool_calls", parallel.isBool() ? parallel.toBool() : true);
    appendMember(out.echo, "reasoning", reasoning);
    appendMember(out.echo, "temperature", req.temperature ? QJsonValue(*req.temperature) : QJsonValue(1.0));
    appendMember(out.echo, "text",
                 QJsonObject { { QLatin1String("format"),
                                 QJsonObject { { QLatin1String("type"), QLatin1String("text") } } } });
    appendMember(out.echo, "tool_choice", toolChoice);
    appendMember(out.echo, "tools", tools);
    appendMember(out.echo, "top_p", req.topP ? QJsonValue(*req.topP) : QJsonValue(1.0));
    appendMember(out.echo, "truncation", QStringLiteral("disabled"));
    return out;
}

} // namespace

std::variant<ResponsesRequest, ApiError> ResponsesRequestParser::parse(const QByteArray &body)
{
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(body, &pe);
    if (pe.error != QJsonParseError::NoError)
        return ApiError { ApiErrorKind::InvalidJson,
                          QStringLiteral(
                              "We could not parse the JSON body of your request (%1 at offset %2).")
                              .arg(pe.errorString())
                              .arg(pe.offset) };
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
