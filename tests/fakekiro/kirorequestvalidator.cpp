// SPDX-License-Identifier: MIT
#include "kirorequestvalidator.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>

#include <initializer_list>

namespace Drawbridge::Test {

namespace {

using namespace Qt::StringLiterals;

Error rule(const char *name, const QString &detail)
{
    return Error { QLatin1String(name) + u": "_s + detail };
}

std::optional<Error> onlyMembers(const QJsonObject &object, std::initializer_list<const char *> allowed,
                                 const QString &where)
{
    for (auto it = object.constBegin(); it != object.constEnd(); ++it) {
        bool ok = false;
        for (const char *name : allowed)
            ok = ok || it.key() == QLatin1String(name);
        if (!ok)
            return rule("unknown-member", u"%1 has no member \"%2\""_s.arg(where, it.key()));
        if (it.value().isNull())
            return rule("null-value", u"%1.%2 is null"_s.arg(where, it.key()));
    }
    return std::nullopt;
}

bool nonEmptyString(const QJsonValue &v)
{
    return v.isString() && !v.toString().trimmed().isEmpty();
}

bool isOneOf(const QString &value, std::initializer_list<const char *> options)
{
    for (const char *o : options) {
        if (value == QLatin1String(o))
            return true;
    }
    return false;
}

std::optional<Error> checkSchema(const QJsonValue &value, const QString &path, bool root)
{
    if (!value.isObject())
        return rule("tool-schema", u"%1 is not an object"_s.arg(path));
    const QJsonObject schema = value.toObject();
    if (root && schema.value(u"type"_s).toString() != u"object"_s)
        return rule("tool-schema", u"%1 root type must be \"object\""_s.arg(path));
    for (auto it = schema.constBegin(); it != schema.constEnd(); ++it) {
        const QString &key = it.key();
        const QJsonValue &v = it.value();
        const QString here = path + u'.' + key;
        if (v.isNull())
            return rule("tool-schema", u"%1 is null"_s.arg(here));
        if (isOneOf(key, { "$ref", "$schema", "$id", "$defs", "definitions", "additionalProperties" }))
            return rule("tool-schema", u"%1 is not accepted"_s.arg(here));
        if (key == u"type"_s && !nonEmptyString(v))
            return rule("tool-schema", u"%1 must be a non-empty string"_s.arg(here));
        if (key == u"required"_s) {
            if (!v.isArray() || v.toArray().isEmpty())
                return rule("tool-schema", u"%1 must be a non-empty array"_s.arg(here));
            for (const auto &item : v.toArray()) {
                if (!item.isString())
                    return rule("tool-schema", u"%1 must hold strings"_s.arg(here));
            }
        }
        if (key == u"properties"_s) {
            if (!v.isObject())
                return rule("tool-schema", u"%1 must be an object"_s.arg(here));
            const QJsonObject properties = v.toObject();
            for (auto p = properties.constBegin(); p != properties.constEnd(); ++p) {
                if (auto e = checkSchema(p.value(), here + u'.' + p.key(), false))
                    return e;
            }
        } else if (key == u"items"_s && v.isObject()) {
            if (auto e = checkSchema(v, here, false))
                return e;
        } else if ((key == u"anyOf"_s || key == u"oneOf"_s || key == u"allOf"_s) && v.isArray()) {
            for (const auto &item : v.toArray()) {
                if (auto e = checkSchema(item, here, false))
                    return e;
            }
        }
    }
    return std::nullopt;
}

std::optional<Error> checkTools(const QJsonValue &value, QSet<QString> &declared)
{
    if (!value.isArray())
        return rule("tools", u"tools must be an array"_s);
    for (const auto &item : value.toArray()) {
        const QJsonObject tool = item.toObject();
        if (tool.size() != 1)
            return rule("tools", u"a tool must have exactly one member"_s);
        if (tool.contains(u"cachePoint"_s))
            continue;
        if (auto e = onlyMembers(tool, { "toolSpecification" }, u"tool"_s))
            return e;
        const QJsonObject spec = tool.value(u"toolSpecification"_s).toObject();
        if (auto e = onlyMembers(spec, { "name", "description", "inputSchema" }, u"toolSpecification"_s))
            return e;
        const QString name = spec.value(u"name"_s).toString();
        if (name.isEmpty())
            return rule("tool-name", u"a tool has no name"_s);
        if (name.size() > 64)
            return rule("tool-name-too-long", u"\"%1\" has %2 characters"_s.arg(name).arg(name.size()));
        if (declared.contains(name))
            return rule("duplicate-tool", name);
        declared.insert(name);
        const QJsonValue description = spec.value(u"description"_s);
        if (!nonEmptyString(description) || description.toString().size() > 10'000)
            return rule("tool-description",
                        u"\"%1\" needs a description of 1 to 10000 characters"_s.arg(name));
        const QJsonObject inputSchema = spec.value(u"inputSchema"_s).toObject();
        if (auto e = onlyMembers(inputSchema, { "json" }, u"inputSchema"_s))
            return e;
        if (auto e = checkSchema(inputSchema.value(u"json"_s), name, true))
            return e;
    }
    return std::nullopt;
}

std::optional<Error> checkImages(const QJsonValue &value)
{
    if (!value.isArray() || value.toArray().isEmpty())
        return rule("images", u"images must be a non-empty array"_s);
    for (const auto &item : value.toArray()) {
        const QJsonObject image = item.toObject();
        if (auto e = onlyMembers(image, { "format", "source" }, u"image"_s))
            return e;
        if (!isOneOf(image.value(u"format"_s).toString(), { "png", "jpeg", "gif", "webp" }))
            return rule("image-format", image.value(u"format"_s).toString());
        const QJsonObject source = image.value(u"source"_s).toObject();
        if (auto e = onlyMembers(source, { "bytes" }, u"image.source"_s))
            return e;
        const QString bytes = source.value(u"bytes"_s).toString();
        if (bytes.isEmpty() || bytes.startsWith(u"data:"_s))
            return rule("image-bytes", u"source.bytes must be bare base64"_s);
        for (const QChar c : bytes) {
            if (!(c.isLetterOrNumber() && c.unicode() < 128) && c != u'+' && c != u'/' && c != u'=')
                return rule("image-bytes", u"source.bytes is not base64"_s);
        }
    }
    return std::nullopt;
}

struct Message
{
    bool user = true;
    QJsonObject body;
    QString where;
};

std::optional<Error> checkUser(const Message &m, bool current, QSet<QString> &declared)
{
    if (auto e = onlyMembers(m.body,
                             { "content", "modelId", "origin", "userInputMessageContext", "images",
                               "documents", "userIntent", "cachePoint", "clientCacheConfig" },
                             m.where))
        return e;
    if (!m.body.value(u"content"_s).isString())
        return rule("missing-content", m.where);
    if (m.body.value(u"content"_s).toString().trimmed().isEmpty())
        return rule("empty-content", m.where);
    if (m.body.contains(u"origin"_s)
        && !isOneOf(m.body.value(u"origin"_s).toString(),
                    { "AI_EDITOR",
                      "KIRO_CLI",
                      "KIRO_WEB",
                      "CLI",
                      "IDE",
                      "INLINE_CHAT",
                      "CHATBOT",
                      "CONSOLE",
                      "DOCUMENTATION",
                      "GITLAB",
                      "MARKETING",
                      "MD",
                      "MD_CE",
                      "MD_IDE",
                      "MOBILE",
                      "OPENSEARCH_DASHBOARD",
                      "Q_DEV_BEXT",
                      "SAGE_MAKER",
                      "SERVICE_INTERNAL",
                      "SM_AI_STUDIO_IDE",
                      "UNIFIED_SEARCH",
                      "UNKNOWN" }))
        return rule("origin", m.body.value(u"origin"_s).toString());
    if (m.body.contains(u"images"_s)) {
        if (auto e = checkImages(m.body.value(u"images"_s)))
            return e;
    }
    if (m.body.contains(u"userInputMessageContext"_s)) {
        const QJsonObject context = m.body.value(u"userInputMessageContext"_s).toObject();
        if (auto e = onlyMembers(context,
                                 { "tools", "toolResults", "editorState", "shellState", "gitState",
                                   "envState", "appStudioContext", "diagnostic", "consoleState",
                                   "userSettings", "additionalContext" },
                                 m.where + u".userInputMessageContext"_s))
            return e;
        if (context.contains(u"tools"_s)) {
            if (!current)
                return rule("tools-in-history", m.where);
            if (auto e = checkTools(context.value(u"tools"_s), declared))
                return e;
        }
    }
    return std::nullopt;
}

std::optional<Error> checkAssistant(const Message &m)
{
    if (auto e = onlyMembers(m.body,
                             { "content", "toolUses", "messageId", "reasoningContent", "cachePoint",
                               "followupPrompt", "supplementaryWebLinks", "references" },
                             m.where))
        return e;
    if (!m.body.value(u"content"_s).isString())
        return rule("missing-content", m.where);
    if (m.body.value(u"content"_s).toString().trimmed().isEmpty())
        return rule("empty-content", m.where);
    if (m.body.contains(u"toolUses"_s)) {
        const QJsonValue uses = m.body.value(u"toolUses"_s);
        if (!uses.isArray() || uses.toArray().isEmpty())
            return rule("empty-tool-uses", m.where);
        for (const auto &item : uses.toArray()) {
            const QJsonObject use = item.toObject();
            if (auto e = onlyMembers(use, { "toolUseId", "name", "input" }, m.where + u".toolUse"_s))
                return e;
            if (!nonEmptyString(use.value(u"toolUseId"_s)) || !nonEmptyString(use.value(u"name"_s)))
                return rule("tool-use", u"%1 has a tool use without id or name"_s.arg(m.where));
            if (!use.value(u"input"_s).isObject())
                return rule("tool-use-input", u"%1: input must be a JSON object"_s.arg(m.where));
        }
    }
    return std::nullopt;
}

QJsonArray toolResultsOf(const Message &m)
{
    return m.body.value(u"userInputMessageContext"_s).toObject().value(u"toolResults"_s).toArray();
}

std::optional<Error> checkPairing(const std::vector<Message> &messages, const QSet<QString> &declared)
{
    // Checked first: without declared tools Kiro refuses any tool traffic, paired or not (§2.5 step 3).
    const bool anyToolContent = std::any_of(messages.cbegin(), messages.cend(), [](const Message &m) {
        return !toolResultsOf(m).isEmpty() || !m.body.value(u"toolUses"_s).toArray().isEmpty();
    });
    if (anyToolContent && declared.isEmpty())
        return rule("tool-content-without-tools",
                    u"tool uses or results need tools on the current message"_s);
    for (size_t i = 0; i < messages.size(); ++i) {
        const Message &m = messages[i];
        if (m.user) {
            const QJsonArray results = toolResultsOf(m);
            if (results.isEmpty())
                continue;
            QSet<QString> offered;
            if (i > 0 && !messages[i - 1].user) {
                for (const auto &use : messages[i - 1].body.value(u"toolUses"_s).toArray())
                    offered.insert(use.toObject().value(u"toolUseId"_s).toString());
            }
            QSet<QString> seen;
            for (const auto &item : results) {
                const QJsonObject result = item.toObject();
                if (auto e = onlyMembers(result, { "toolUseId", "content", "status", "toolName" },
                                         m.where + u".toolResult"_s))
                    return e;
                const QString id = result.value(u"toolUseId"_s).toString();
                if (!offered.contains(id))
                    return rule("tool-result-without-tool-use", u"%1: %2"_s.arg(m.where, id));
                if (seen.contains(id))
                    return rule("duplicate-tool-result", u"%1: %2"_s.arg(m.where, id));
                seen.insert(id);
                if (result.contains(u"status"_s)
                    && !isOneOf(result.value(u"status"_s).toString(), { "success", "error" }))
                    return rule("tool-result-status", result.value(u"status"_s).toString());
                const QJsonValue content = result.value(u"content"_s);
                if (!content.isArray() || content.toArray().isEmpty())
                    return rule("tool-result-content", u"%1: %2"_s.arg(m.where, id));
                for (const auto &block : content.toArray()) {
                    const QJsonObject b = block.toObject();
                    if (b.size() != 1 || !(b.value(u"text"_s).isString() || b.contains(u"json"_s)))
                        return rule("tool-result-content", u"%1: %2"_s.arg(m.where, id));
                }
            }
        } else {
            const QJsonArray uses = m.body.value(u"toolUses"_s).toArray();
            if (uses.isEmpty())
                continue;
            QSet<QString> answered;
            if (i + 1 < messages.size()) {
                for (const auto &r : toolResultsOf(messages[i + 1]))
                    answered.insert(r.toObject().value(u"toolUseId"_s).toString());
            }
            QSet<QString> ids;
            for (const auto &item : uses) {
                const QJsonObject use = item.toObject();
                const QString id = use.value(u"toolUseId"_s).toString();
                if (ids.contains(id))
                    return rule("duplicate-tool-use", u"%1: %2"_s.arg(m.where, id));
                ids.insert(id);
                if (!answered.contains(id))
                    return rule("tool-use-without-result", u"%1: %2"_s.arg(m.where, id));
                const QString name = use.value(u"name"_s).toString();
                if (!declared.contains(name))
                    return rule("undeclared-tool-in-history", u"%1: %2"_s.arg(m.where, name));
            }
        }
    }
    return std::nullopt;
}

} // namespace

Status KiroRequestValidator::validate(const QByteArray &body)
{
    if (body.size() > maxBodyBytes)
        return rule("body-too-large", u"%1 bytes"_s.arg(body.size()));
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(body, &parseError);
    if (parseError.error != QJsonParseError::NoError || !doc.isObject())
        return rule("not-json", parseError.errorString());
    const QJsonObject root = doc.object();
    if (auto e
        = onlyMembers(root, { "conversationState", "profileArn", "additionalModelRequestFields" }, u"body"_s))
        return *e;
    if (root.contains(u"profileArn"_s) && !nonEmptyString(root.value(u"profileArn"_s)))
        return rule("profile-arn", u"profileArn must be a non-empty string"_s);

    const QJsonObject state = root.value(u"conversationState"_s).toObject();
    if (state.isEmpty())
        return rule("missing-conversation-state", QString());
    if (auto e = onlyMembers(state,
                             { "currentMessage", "chatTriggerType", "conversationId", "history",
                               "agentContinuationId", "agentTaskType", "workspaceId", "customizationArn" },
                             u"conversationState"_s))
        return *e;
    if (!isOneOf(state.value(u"chatTriggerType"_s).toString(), { "MANUAL", "DIAGNOSTIC", "INLINE_CHAT" }))
        return rule("chat-trigger-type", state.value(u"chatTriggerType"_s).toString());
    if (state.contains(u"agentTaskType"_s)
        && !isOneOf(state.value(u"agentTaskType"_s).toString(), { "vibe", "spectask" }))
        return rule("agent-task-type", state.value(u"agentTaskType"_s).toString());
    if (state.contains(u"conversationId"_s) && !nonEmptyString(state.value(u"conversationId"_s)))
        return rule("conversation-id", u"conversationId must be a non-empty string"_s);

    std::vector<Message> messages;
    if (state.contains(u"history"_s)) {
        const QJsonValue history = state.value(u"history"_s);
        if (!history.isArray() || history.toArray().isEmpty())
            return rule("empty-history", u"omit history instead of sending it empty"_s);
        int index = 0;
        for (const auto &item : history.toArray()) {
            const QJsonObject entry = item.toObject();
            const QString where = u"history[%1]"_s.arg(index++);
            if (entry.size() != 1)
                return rule("history-item", u"%1 must have exactly one member"_s.arg(where));
            if (entry.contains(u"userInputMessage"_s))
                messages.push_back({ true, entry.value(u"userInputMessage"_s).toObject(), where });
            else if (entry.contains(u"assistantResponseMessage"_s))
                messages.push_back({ false, entry.value(u"assistantResponseMessage"_s).toObject(), where });
            else
                return rule("history-item", u"%1 is neither a user nor an assistant message"_s.arg(where));
        }
    }
    const QJsonObject current = state.value(u"currentMessage"_s).toObject();
    if (current.size() != 1 || !current.value(u"userInputMessage"_s).isObject())
        return rule("current-message", u"currentMessage must be {userInputMessage}"_s);
    messages.push_back({ true, current.value(u"userInputMessage"_s).toObject(), u"currentMessage"_s });

    // Shape of the conversation (the AWS client's chatDb invariants, §2.5).
    if (messages.size() > 1) {
        if (!messages.front().user)
            return rule("history-not-starting-with-user", QString());
        if (!toolResultsOf(messages.front()).isEmpty())
            return rule("tool-result-without-tool-use", u"the first history message has tool results"_s);
        if (messages[messages.size() - 2].user)
            return rule("history-not-ending-with-assistant", QString());
    }
    for (size_t i = 1; i < messages.size(); ++i) {
        if (messages[i].user == messages[i - 1].user)
            return rule("history-not-alternating", messages[i].where);
    }

    QSet<QString> declared;
    for (size_t i = 0; i < messages.size(); ++i) {
        const bool isCurrent = i + 1 == messages.size();
        const auto error
            = messages[i].user ? checkUser(messages[i], isCurrent, declared) : checkAssistant(messages[i]);
        if (error)
            return *error;
    }
    if (auto e = checkPairing(messages, declared))
        return *e;
    return Ok {};
}

} // namespace Drawbridge::Test
