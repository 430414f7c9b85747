// SPDX-License-Identifier: MIT
// Differential and mutation test of the request parsers' single-pass path (issue 18). Seeded generators write
// real-shaped request bodies (system prompt, tools with schemas, turns with tool calls and results) salted
// with the awkward cases: every JSON escape, surrogate pairs and lone surrogates, invalid UTF-8,
// noncharacters, huge strings, nesting past the limits, duplicate keys, numbers at the edges, wrong types;
// then a share of them is mutated byte by byte. For every body the single-pass result must equal the
// QJsonDocument path's: the same ChatRequest (every field, schemas byte for byte) when it takes the body, and
// parse() must give exactly what the QJsonDocument path gives (request or error). A body the single-pass path
// leaves alone is fine; that it takes the ordinary ones is checked too. DRAWBRIDGE_FUZZ_SEED and
// DRAWBRIDGE_FUZZ_ITERATIONS reproduce or extend a run; a failure prints its seed, iteration and body.
#include <QJsonDocument>
#include <QRandomGenerator>
#include <QTest>

#include "server/gateway/anthropicrequestparser.h"
#include "server/gateway/openairequestparser.h"
#include "server/gateway/resentbody.h"
#include "server/kiro/kirorequestbuilder.h"
#include "tests/support/fuzzseed.h"

using namespace Drawbridge;
using namespace Qt::StringLiterals;

namespace {

/** Writes OpenAI chat-completions bodies as text, so that the escapes and byte-level oddities are ours. */
class BodyGen
{
public:
    explicit BodyGen(quint64 seed) : m_rng(seed) { }

    /** Per body: a hostile body gets wrong types, invalid bytes and escapes; a clean one is valid JSON. */
    void startBody() { m_hostile = chance(40); }
    void setHostile(bool hostile) { m_hostile = hostile; }

    int between(int lo, int hi) { return int(m_rng.bounded(lo, hi + 1)); }
    bool chance(int percent) { return between(0, 99) < percent; }
    template<typename T> const T &pick(const QList<T> &list)
    {
        return list[between(0, int(list.size()) - 1)];
    }

    /** The inside of a JSON string literal (already escaped), usually fine, sometimes not. */
    QByteArray stringBody(bool tricky = true)
    {
        static const QList<QByteArray> plain = { "plain words",
                                                 "Read the file src/main.cpp",
                                                 "",
                                                 "  ",
                                                 "caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80",
                                                 "line\\nbreak\\ttab",
                                                 "quote \\\" backslash \\\\ slash \\/" };
        static const QList<QByteArray> odd
            = { "\\u00e9\\u65e5", "\\ud83d\\ude00", "\\uD83D\\uDE00", "\\u0000",     "\\b\\f\\r",
                "\xef\xbf\xbf",   "\\uffff\\ufffe", "\x7f",           "\xe2\x80\xa8" };
        // Lone surrogates (which Qt takes and simdjson does not), invalid UTF-8, raw controls, bad escapes.
        static const QList<QByteArray> invalid
            = { "\\ud800", "\\udc00x", "\\ud83d\\u0041", "\xed\xa0\x80", "\xff\xfe", "\xc3",
                "\x01",    "\\x",      "\\u12",          "\xc0\xaf" };
        QByteArray s = pick(plain);
        if (tricky && chance(25))
            s += m_hostile && chance(30) ? pick(invalid) : pick(odd);
        if (chance(2))
            s += QByteArray(between(10'000, 70'000), 'a' + char(between(0, 3)));
        return s;
    }
    QByteArray str(bool tricky = true) { return '"' + stringBody(tricky) + '"'; }

    QByteArray number()
    {
        static const QList<QByteArray> fine = { "1", "1.0", "1e0", "1E0" };
        if (!m_hostile)
            return pick(fine);
        static const QList<QByteArray> numbers = { "0",
                                                   "1",
                                                   "-0",
                                                   "0.5",
                                                   "1.0",
                                                   "2",
                                                   "1e3",
                                                   "1E-2",
                                                   "-1",
                                                   "3.5",
                                                   "12345678901234567890",
                                                   "9007199254740993",
                                                   "1e400",
                                                   "01",
                                                   "1.",
                                                   ".5",
                                                   "4096",
                                                   "10000001",
                                                   "1e7" };
        return pick(numbers);
    }

    /** A JSON value for a field that wants @p good; sometimes the wrong type. */
    QByteArray maybeWrong(const QByteArray &good)
    {
        if (!m_hostile || !chance(4))
            return good;
        static const QList<QByteArray> wrong = { "null", "true", "1", "\"x\"", "[]", "{}", "[\"a\"]" };
        return pick(wrong);
    }

    QByteArray schema(int depth = 0)
    {
        QByteArray props;
        const int n = between(0, 4);
        for (int i = 0; i < n; ++i) {
            if (i)
                props += ',';
            props += str(false) + ":{\"type\":" + maybeWrong("\"string\"") + ",\"description\":" + str();
            if (chance(20))
                props += ",\"minimum\":" + number();
            if (chance(15))
                props += ",\"enum\":[\"a\",null,1.5]";
            if (depth < 3 && chance(15))
                props += ",\"items\":" + schema(depth + 1);
            props += '}';
        }
        QByteArray s = "{\"type\":" + (chance(95) ? QByteArray("\"object\"") : maybeWrong("null"))
            + ",\"properties\":{" + props + "}";
        if (chance(20))
            s += ",\"required\":[\"a\",\"a\"]";
        if (chance(10))
            s += ",\"$schema\":\"http://json-schema.org/draft-07/schema#\",\"additionalProperties\":false";
        if (chance(5))
            s += ",\"type\":\"object\""; // a duplicate key
        if (chance(3)) {
            const int deep = chance(50) ? between(400, 600) : between(1000, 1100);
            s += ",\"deep\":" + QByteArray(deep, '[') + QByteArray(deep, ']');
        }
        return s + '}';
    }

    QByteArray toolCall()
    {
        QByteArray args;
        switch (between(0, 5)) {
        case 0:
            args = "\"{\\\"path\\\":\\\"src/a.cpp\\\",\\\"line\\\":3}\"";
            break;
        case 1:
            args = "{\"path\":" + str() + ",\"n\":" + number() + ",\"n\":2}";
            break;
        case 2:
            args = "{\"nested\":{\"b\":[1,2,{\"c\":null}],\"a\":" + str() + "}}";
            break;
        case 3:
            args = "null";
            break;
        case 4:
            args = str();
            break;
        default:
            args = maybeWrong("\"{}\"");
        }
        QByteArray call = "{\"id\":" + maybeWrong("\"call_" + QByteArray::number(between(1, 9)) + '"')
            + ",\"type\":\"function\",\"function\":{\"name\":" + maybeWrong("\"Read\"");
        if (!chance(5))
            call += ",\"arguments\":" + args;
        return call + "}}";
    }

    QByteArray content(bool allowParts)
    {
        if (allowParts && chance(25)) {
            QByteArray parts = "[";
            const int n = between(0, 3);
            for (int i = 0; i < n; ++i) {
                if (i)
                    parts += ',';
                if (chance(m_hostile ? 10 : 1))
                    parts += "{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/"
                             "png;base64,iVBORw0KGgo=\"}}";
                else
                    parts += "{\"type\":" + maybeWrong("\"text\"") + ",\"text\":" + str() + '}';
            }
            return parts + ']';
        }
        return maybeWrong(str());
    }

    QByteArray message()
    {
        static const QList<QByteArray> roles = { "system", "developer", "user", "assistant", "tool" };
        const QByteArray role
            = !m_hostile || chance(97) ? pick(roles) : QByteArray(chance(50) ? "bot" : "user\\u0000");
        QByteArray m = "{\"role\":" + maybeWrong('"' + role + '"');
        if (role == "assistant") {
            if (chance(70)) {
                m += ",\"tool_calls\":[";
                const int n = between(0, 3);
                for (int i = 0; i < n; ++i)
                    m += (i ? "," : "") + toolCall();
                m += ']';
            }
            m += ",\"content\":" + (chance(30) ? QByteArray("null") : content(true));
        } else if (role == "tool") {
            if (!chance(3))
                m += ",\"tool_call_id\":" + maybeWrong("\"call_1\"");
            m += ",\"content\":" + content(true);
        } else if (!chance(2)) {
            m += ",\"content\":" + content(true);
        }
        if (chance(2))
            m += ",\"role\":\"user\""; // a duplicate key
        if (chance(5))
            m += ",\"name\":" + str();
        return m + '}';
    }

    QByteArray tool()
    {
        static const QList<QByteArray> names = { "Read", "Write", "mcp__srv__tool.x:y-z", "Bash" };
        static const QList<QByteArray> badNames = { "bad name", "", "a\\n" };
        const QByteArray name = m_hostile && chance(20) ? pick(badNames) : pick(names);
        QByteArray t = "{\"type\":" + maybeWrong("\"function\"") + ",\"function\":{\"name\":\"" + name
            + "\",\"description\":" + maybeWrong(str());
        if (!chance(10))
            t += ",\"parameters\":" + (chance(95) ? schema() : maybeWrong("null"));
        return t + "}}";
    }

    QByteArray body()
    {
        startBody();
        QByteArray b
            = "{\"model\":" + maybeWrong(chance(98) ? QByteArray("\"claude-sonnet-4.5\"") : str(true));
        b += ",\"messages\":[";
        const int messages = chance(3) ? 0 : between(1, 25);
        for (int i = 0; i < messages; ++i)
            b += (i ? "," : "") + message();
        b += ']';
        if (chance(70)) {
            b += ",\"tools\":[";
            const int n = between(0, 6);
            for (int i = 0; i < n; ++i)
                b += (i ? "," : "") + tool();
            b += ']';
        }
        static const QList<QByteArray> choices = { "\"auto\"",
                                                   "\"none\"",
                                                   "\"required\"",
                                                   "\"any\"",
                                                   "{\"type\":\"function\",\"function\":{\"name\":\"Read\"}}",
                                                   "{\"function\":{\"name\":\"Nope\"}}",
                                                   "null" };
        if (chance(30))
            b += ",\"tool_choice\":" + pick(choices);
        static const QList<QByteArray> scalars
            = { "temperature",           "top_p", "presence_penalty", "frequency_penalty", "max_tokens",
                "max_completion_tokens", "n" };
        for (const QByteArray &k : scalars) {
            if (chance(20))
                b += ",\"" + k + "\":" + maybeWrong(number());
        }
        if (chance(50))
            b += ",\"stream\":" + maybeWrong(chance(50) ? "true" : "false");
        if (chance(20))
            b += ",\"stream_options\":" + maybeWrong("{\"include_usage\":" + maybeWrong("true") + "}");
        if (chance(15))
            b += ",\"stop\":" + (chance(50) ? maybeWrong(str()) : "[" + str() + "," + str() + "]");
        static const QList<QByteArray> efforts
            = { "\"low\"", "\"medium\"", "\"high\"", "\"none\"", "\"minimal\"", "\"weird\"", "3" };
        if (chance(15))
            b += ",\"reasoning_effort\":" + pick(efforts);
        if (chance(3))
            b += ",\"stream\":true"; // a duplicate top-level key
        if (chance(10))
            b += ",\"metadata\":{\"x\":[1,{\"y\":\"z\"}]}";
        b += '}';
        if (chance(2))
            b = "  \n" + b + "\n ";
        return b;
    }

    // ---- Anthropic messages ----------------------------------------------------------------------------
    QByteArray anthropicBlock(bool assistant)
    {
        int kind = between(0, assistant ? 6 : 5);
        // Clean bodies keep to the blocks the single pass reads (images, documents and unknown types:
        // hostile).
        if (!m_hostile && (kind == 5 || (!assistant && kind >= 3)))
            kind = between(0, 2);
        switch (kind) {
        case 0:
        case 1:
            return "{\"type\":" + maybeWrong("\"text\"") + ",\"text\":" + maybeWrong(str())
                + (chance(10) ? ",\"cache_control\":{\"type\":\"ephemeral\"}" : "") + "}";
        case 2:
            if (assistant) {
                QByteArray input;
                switch (between(0, 3)) {
                case 0:
                    // Nested values, Qt's number forms, and keys the direct writer leaves to Qt (non-ASCII).
                    input = "{\"path\":" + str() + ",\"n\":" + number()
                        + (chance(30) ? ",\"opts\":{\"z\":1.5e3,\"a\":[true,-0.0,12345678901234567890,1e-7,"
                                        "1e7,1e16,1000000.0,-2e18]}"
                                      : "")
                        + (chance(10) ? ",\"\\u00fc\":1,\"\xc3\xa9t\xc3\xa9\":{\"B\":2,\"a\":3}" : "") + "}";
                    break;
                case 1:
                    input = "{\"b\":[1,{\"c\":null}],\"a\":\"x\",\"a\":\"y\"}";
                    break;
                case 2:
                    input = "null";
                    break;
                default:
                    input = maybeWrong("{}");
                }
                return "{\"type\":\"tool_use\",\"id\":" + maybeWrong("\"toolu_1\"") + ",\"name\":"
                    + maybeWrong("\"Read\"") + (chance(95) ? ",\"input\":" + input : QByteArray()) + "}";
            }
            return "{\"type\":\"tool_result\",\"tool_use_id\":" + maybeWrong("\"toolu_1\"")
                + (chance(20) ? ",\"is_error\":" + maybeWrong("true") : QByteArray()) + ",\"content\":"
                + (chance(50)
                       ? maybeWrong(str())
                       : "[{\"type\":\"text\",\"text\":" + str() + "},{\"type\":\"text\",\"text\":\"\"}]")
                + "}";
        case 3:
            if (assistant)
                return "{\"type\":\"thinking\",\"thinking\":" + str() + ",\"signature\":\"abc\"}";
            return "{\"type\":\"image\",\"source\":{\"type\":\"base64\",\"media_type\":\"image/"
                   "png\",\"data\":"
                   "\"iVBORw0KGgo=\"}}";
        case 4:
            if (assistant)
                return "{\"type\":\"server_tool_use\",\"id\":\"srv\",\"name\":\"web_search\",\"input\":{}}";
            return "{\"type\":\"document\",\"source\":{\"type\":\"text\",\"data\":" + str() + "}}";
        case 5:
            return "{\"type\":\"unknown_block\"}";
        default:
            return "{\"type\":\"redacted_thinking\",\"data\":\"xyz\"}";
        }
    }

    QByteArray anthropicMessage()
    {
        static const QList<QByteArray> roles = { "user", "assistant", "user", "assistant", "system" };
        const QByteArray role
            = !m_hostile || chance(97) ? pick(roles) : QByteArray(chance(50) ? "bot" : "tool");
        QByteArray m = "{\"role\":" + maybeWrong('"' + role + '"');
        if (!chance(2)) {
            m += ",\"content\":";
            if (role == "system" || chance(25)) {
                m += role == "system" && chance(50) ? "[{\"type\":\"text\",\"text\":" + str() + "}]"
                                                    : maybeWrong(str());
            } else {
                m += '[';
                const int n = between(m_hostile ? 0 : 1, 4);
                for (int i = 0; i < n; ++i)
                    m += (i ? "," : "") + anthropicBlock(role == "assistant");
                m += ']';
            }
        }
        if (chance(2))
            m += ",\"role\":\"user\"";
        return m + '}';
    }

    QByteArray anthropicBody()
    {
        startBody();
        QByteArray b
            = "{\"model\":" + maybeWrong(chance(97) ? QByteArray("\"claude-sonnet-4-5\"") : str(true));
        if (!chance(3))
            b += ",\"max_tokens\":" + maybeWrong(chance(80) ? QByteArray("4096") : number());
        if (chance(60))
            b += ",\"system\":"
                + (chance(50) ? maybeWrong(str())
                              : "[{\"type\":\"text\",\"text\":" + str()
                           + ",\"cache_control\":{\"type\":\"ephemeral\"}}]");
        b += ",\"messages\":[";
        const int messages = chance(3) ? 0 : between(1, 20);
        for (int i = 0; i < messages; ++i)
            b += (i ? "," : "") + anthropicMessage();
        b += ']';
        if (chance(70)) {
            // Unique names in a clean body (Anthropic refuses repeats), repeats and bad names in a hostile
            // one.
            static const QList<QByteArray> names = { "Read", "Write", "Bash", "Grep", "Edit" };
            b += ",\"tools\":[";
            const int n = between(0, 5);
            for (int i = 0; i < n; ++i) {
                b += i ? "," : "";
                if (chance(10))
                    b += "{\"type\":\"web_search_20250305\",\"name\":\"web_search\"}";
                else
                    b += QByteArray(chance(10) ? "{\"type\":\"custom\"," : "{") + "\"name\":\""
                        + (m_hostile ? pick(QList<QByteArray> { "Read", "bad.name" }) : names[i])
                        + "\",\"description\":" + (chance(5) ? QByteArray("null") : maybeWrong(str()))
                        + ",\"input_schema\":" + (chance(95) ? schema() : maybeWrong("null")) + "}";
            }
            b += ']';
        }
        static const QList<QByteArray> choices = { "{\"type\":\"auto\"}",
                                                   "{\"type\":\"any\"}",
                                                   "\"none\"",
                                                   "{\"type\":\"tool\",\"name\":\"Read\"}",
                                                   "{\"type\":\"tool\",\"name\":\"web_search\"}",
                                                   "\"required\"",
                                                   "{\"type\":\"auto\",\"disable_parallel_tool_use\":1}" };
        if (chance(30))
            b += ",\"tool_choice\":" + pick(choices);
        static const QList<QByteArray> scalars = { "temperature", "top_p", "top_k" };
        for (const QByteArray &k : scalars) {
            if (chance(20))
                b += ",\"" + k + "\":" + maybeWrong(number());
        }
        if (chance(15))
            b += ",\"stop_sequences\":" + maybeWrong("[" + str() + "]");
        if (chance(40))
            b += ",\"stream\":" + maybeWrong("true");
        if (chance(20))
            b += ",\"metadata\":" + maybeWrong("{\"user_id\":" + maybeWrong("\"u\"") + "}");
        static const QList<QByteArray> thinking
            = { "{\"type\":\"enabled\",\"budget_tokens\":2048}", "{\"type\":\"adaptive\"}",
                "{\"type\":\"enabled\",\"display\":\"omitted\"}", "{\"type\":\"disabled\"}", "\"weird\"" };
        if (chance(25))
            b += ",\"thinking\":" + pick(thinking);
        if (chance(15))
            b += ",\"output_config\":{\"effort\":\"high\"" + QByteArray(chance(30) ? ",\"format\":{}" : "")
                + "}";
        if (chance(15))
            b += ",\"context_management\":{\"edits\":[{\"type\":\"clear_tool_uses_20250919\",\"trigger\":"
                 "{\"type\":\"input_tokens\",\"value\":"
                + QByteArray(chance(50) ? "1" : "100000")
                + "},\"keep\":{\"type\":\"tool_uses\",\"value\":1},\"clear_tool_inputs\":true},"
                  "{\"type\":\"clear_thinking_20251015\"},{\"type\":\"something_new\"}]}";
        if (chance(3))
            b += ",\"model\":\"x\"";
        return b + '}';
    }

    QByteArray mutate(QByteArray b)
    {
        static const QList<QByteArray> tokens
            = { "\"",      "\\",      "{",    "}",     "[", "]",    ",", ":",       "null",
                "\\u0000", "\\ud800", "\xff", "1e400", "-", "\x00", " ", "\"a\":1," };
        const int edits = between(1, 4);
        for (int e = 0; e < edits && !b.isEmpty(); ++e) {
            const qsizetype at = between(0, int(b.size()) - 1);
            switch (between(0, 3)) {
            case 0:
                b[at] = char(between(0, 255));
                break;
            case 1:
                b.remove(at, between(1, 8));
                break;
            case 2:
                b.insert(at, pick(tokens));
                break;
            default:
                b.insert(at, b.mid(at, between(1, 40)));
            }
        }
        return b;
    }

private:
    QRandomGenerator64 m_rng;
    bool m_hostile = false;
};

/** The Kiro body of @p request, its agentContinuationId (a fresh UUID per build) blanked out. */
QByteArray kiroBody(ChatRequest request)
{
    request.upstreamModel = u"claude-sonnet-4.5"_s;
    KiroRequestOptions options;
    options.conversationId = u"conversation"_s;
    options.maxBodyBytes = 1 << 30;
    const auto built = KiroRequestBuilder::build(request, options);
    if (!built)
        return "(not built)";
    QByteArray body = built.value().body;
    static const QByteArray key = "\"agentContinuationId\":\"";
    if (const qsizetype at = body.indexOf(key); at >= 0)
        body.replace(at + key.size(), 36, "*");
    return body;
}

QString describe(const ChatRequest &r)
{
    // Every field, schemas as Qt serialises them: equal descriptions mean equal requests. Concatenated, not
    // QString::arg()ed, so that a "%1" in client text cannot change the description.
    const auto opt = [](const auto &o) { return o ? QString::number(*o, 'g', 17) : u"-"_s; };
    QString d = u"model="_s + r.requestedModel + u'|' + r.upstreamModel + u" choice="_s
        + QString::number(int(r.toolChoice)) + u':' + r.toolChoiceName + u" max="_s + opt(r.maxTokens)
        + u" t="_s + opt(r.temperature) + u" p="_s + opt(r.topP) + u" stop="_s + r.stop.join(u'\x1f')
        + u" stream="_s + QString::number(r.stream) + u" thinking="_s + QString::number(r.thinking) + u'/'
        + QString::number(r.thinkingBudgetTokens) + u" key="_s + r.keyId + u'\n';
    for (const ChatMessage &m : r.messages) {
        d += u"msg "_s + QString::number(int(m.role)) + u" ["_s + m.textString() + u"] id="_s + m.toolCallId
            + u" err="_s + QString::number(m.toolError) + u'\n';
        for (const ImagePart &i : m.images)
            d += u"  image "_s + i.mediaType + u' ' + QString::fromLatin1(i.base64Data) + u'\n';
        for (const ToolCall &c : m.toolCalls)
            d += u"  call "_s + c.id + u' ' + c.name + u" ["_s + c.arguments + u"]\n"_s;
    }
    for (const ToolDefinition &t : r.tools)
        d += u"tool "_s + t.name + u" ["_s + t.descriptionString() + u"] "_s
            + QString::fromUtf8(QJsonDocument(t.parameters).toJson(QJsonDocument::Compact)) + u'\n';
    return d;
}

QString describe(const std::variant<OpenAiChatRequest, ApiError> &v)
{
    if (const auto *e = std::get_if<ApiError>(&v))
        return u"error "_s + QString::number(int(e->kind)) + u" ["_s + e->message + u"] param="_s + e->param;
    const auto &r = std::get<OpenAiChatRequest>(v);
    return u"usage="_s + QString::number(r.includeUsage) + u' ' + describe(r.request);
}

QString describe(const std::variant<ChatRequest, ApiError> &v, const AnthropicRequestParser::Notes &n)
{
    if (const auto *e = std::get_if<ApiError>(&v))
        return u"error "_s + QString::number(int(e->kind)) + u" ["_s + e->message + u"] param="_s + e->param;
    return u"dropped="_s + n.droppedTools.join(u'|') + u" ignored="_s + n.ignored.join(u'|') + u" cleared="_s
        + QString::number(n.clearedToolResults) + u" omitted="_s + QString::number(n.thinkingOmitted) + u'\n'
        + describe(std::get<ChatRequest>(v));
}

/** A tool whose parametersJson (the memo key) does not parse to its parameters. */
QString schemaTextMismatch(const std::vector<ToolDefinition> &tools)
{
    for (const ToolDefinition &t : tools) {
        // Empty: the tool had no parameters, or the QJsonDocument path filled it (no memo then).
        if (!t.parametersJson.isEmpty() && QJsonDocument::fromJson(t.parametersJson).object() != t.parameters)
            return t.name + u": "_s + QString::fromUtf8(t.parametersJson);
    }
    return {};
}

/**
 * A message that holds its text in both forms, or whose textUtf8 (the client's UTF-8, which the Kiro builder
 * copies through without a UTF-16 form) is not valid UTF-8; @p carried counts the messages that hold it.
 * That the text itself is the legacy parser's is checked by describe(), through textString().
 */
QString textUtf8Mismatch(const std::vector<ChatMessage> &messages, int &carried)
{
    for (const ChatMessage &m : messages) {
        if (m.textUtf8.isEmpty())
            continue;
        ++carried;
        if (!m.text.isEmpty())
            return u"both forms: "_s + m.text + u" and UTF-8 "_s + QString::fromLatin1(m.textUtf8.toHex());
        if (QString::fromUtf8(m.textUtf8).toUtf8() != m.textUtf8)
            return u"not valid UTF-8: "_s + QString::fromLatin1(m.textUtf8.toHex());
    }
    return {};
}

/** The most frequent error messages of a run (their first words), to see what a corpus mostly exercises. */
QString topErrors(const QHash<QString, int> &errors)
{
    QList<std::pair<int, QString>> sorted;
    for (auto it = errors.begin(); it != errors.end(); ++it)
        sorted.append({ it.value(), it.key() });
    std::sort(sorted.begin(), sorted.end(), std::greater<>());
    QStringList out;
    for (qsizetype i = 0; i < std::min<qsizetype>(6, sorted.size()); ++i)
        out.append(QString::number(sorted[i].first) + u"× "_s + sorted[i].second);
    return out.join(u"; "_s);
}

} // namespace

class TstRequestParserDiff : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void openAiAgentBodiesTakeTheSinglePass();
    void openAiCorpus();
    void anthropicCorpus_data();
    void anthropicCorpus();
    void schemaMemoKeepsSchemasApart_data();
    void schemaMemoKeepsSchemasApart();
    void memosKeepToolsAndInputsApart_data();
    void memosKeepToolsAndInputsApart();
    void conversationsGrowAroundKnownParts_data();
    void conversationsGrowAroundKnownParts();
};

void TstRequestParserDiff::conversationsGrowAroundKnownParts_data()
{
    QTest::addColumn<bool>("anthropic");
    QTest::addColumn<QByteArray>("separator");
    QTest::newRow("openai") << false << ","_ba;
    QTest::newRow("openai, spaced") << false << " ,\n  "_ba;
    QTest::newRow("anthropic") << true << ","_ba;
    QTest::newRow("anthropic, spaced") << true << "\n, "_ba;
}

void TstRequestParserDiff::conversationsGrowAroundKnownParts()
{
    // An agent's requests: the same system prompt and tools, the conversation so far and one message more
    // each time. Every request after the first is read around what the one before made known (ResentBody),
    // and must still read exactly as the QJsonDocument path reads it.
    QFETCH(bool, anthropic);
    QFETCH(QByteArray, separator);
    separator.replace("\\n", "\n");
    const quint64 seed = Test::fuzzSeed();
    BodyGen gen(seed);
    gen.setHostile(false);
    const QByteArray tools = anthropic
        ? R"([{"name":"Read","description":"Reads a file","input_schema":{"type":"object","properties":)"
          R"({"path":{"type":"string"}}}}])"_ba
        : R"([{"type":"function","function":{"name":"Read","description":"Reads a file","parameters":)"
          R"({"type":"object","properties":{"path":{"type":"string"}}}}}])"_ba;
    int taken = 0, sent = 0, built = 0;
    for (int agent = 0; agent < 20; ++agent) {
        QByteArrayList messages;
        for (int turn = 0; turn < 12; ++turn) {
            messages.append(anthropic ? gen.anthropicMessage() : gen.message());
            const QByteArray conversation = messages.join(separator);
            QByteArray body;
            if (anthropic)
                body
                    = R"({"model":"claude-sonnet-4-5","max_tokens":1024,"system":[{"type":"text","text":"Be )"
                      R"(brief."}],"messages":[)"
                    + conversation + R"(],"tools":)" + tools + "}";
            else
                body = R"({"model":"claude-sonnet-4.5","messages":[)" + conversation + R"(],"tools":)" + tools
                    + "}";
            // Padded as the HTTP parser leaves a body, so that it is split where it is.
            QByteArray padded;
            padded.reserve(body.size() + 64);
            padded.append(body);
            const quint64 before = ResentBody::threadReplacedCount();
            QString fast, reference;
            std::optional<ChatRequest> fastRequest, referenceRequest;
            if (anthropic) {
                AnthropicRequestParser::Notes fastNotes, refNotes;
                const auto single = AnthropicRequestParser::parseSinglePass(
                    padded, AnthropicRequestParser::Mode::Messages, &fastNotes);
                const auto qt = AnthropicRequestParser::parseWithQtJson(
                    padded, AnthropicRequestParser::Mode::Messages, &refNotes);
                reference = describe(qt, refNotes);
                fast = single ? describe(std::variant<ChatRequest, ApiError>(*single), fastNotes) : reference;
                if (single && std::holds_alternative<ChatRequest>(qt)) {
                    fastRequest = *single;
                    referenceRequest = std::get<ChatRequest>(qt);
                }
            } else {
                const auto single = OpenAiRequestParser::parseSinglePass(padded);
                const auto qt = OpenAiRequestParser::parseWithQtJson(padded);
                reference = describe(qt);
                fast = single ? describe(std::variant<OpenAiChatRequest, ApiError>(*single)) : reference;
                if (single && std::holds_alternative<OpenAiChatRequest>(qt)) {
                    fastRequest = single->request;
                    referenceRequest = std::get<OpenAiChatRequest>(qt).request;
                }
            }
            taken += fastRequest ? 1 : 0;
            // And the Kiro body each gives, byte for byte: the known parts carry the texts' JSON forms and
            // tool inputs of the request that made them known.
            if (fastRequest) {
                const QByteArray fromFast = kiroBody(*fastRequest);
                const QByteArray fromReference = kiroBody(*referenceRequest);
                built += fromFast.startsWith('{') ? 1 : 0;
                if (fromFast != fromReference)
                    QFAIL(qPrintable(
                        u"seed %1: Kiro bodies differ for body %2\nsingle pass: %3\nQJsonDocument: %4"_s
                            .arg(seed)
                            .arg(QString::fromUtf8(body.left(2000)), QString::fromUtf8(fromFast.left(2000)),
                                 QString::fromUtf8(fromReference.left(2000)))));
            }
            sent += int(ResentBody::threadReplacedCount() - before);
            if (fast != reference)
                QFAIL(qPrintable(
                    u"seed %1 (DRAWBRIDGE_FUZZ_SEED=%1), body: %2\nsingle pass: %3\nQJsonDocument: %4"_s
                        .arg(seed)
                        .arg(QString::fromUtf8(body.left(3000)), fast.left(2000), reference.left(2000))));
        }
    }
    qInfo("seed %llu: %d of 240 requests taken by the single pass, %d parts known from earlier requests",
          seed, taken, sent);
    // Not vacuous: most requests are read around known parts.
    QVERIFY2(taken > 60 && sent > taken * 3, qPrintable(u"seed %1"_s.arg(seed)));
    QVERIFY2(built > taken / 2, qPrintable(u"seed %1: %2 Kiro bodies built"_s.arg(seed).arg(built)));
}

void TstRequestParserDiff::openAiAgentBodiesTakeTheSinglePass()
{
    // The ordinary shape must not quietly fall back: that would be correct, and slow.
    const QByteArray body
        = R"({"model":"claude-sonnet-4.5","stream":false,"max_tokens":4096,"messages":[)"
          R"({"role":"system","content":"You are an agent — careful.\n"},)"
          R"({"role":"user","content":"Read src/main.cpp \ud83d\ude00"},)"
          R"({"role":"assistant","content":"","tool_calls":[{"id":"call_1","type":"function",)"
          R"("function":{"name":"Read","arguments":"{\"path\":\"src/main.cpp\"}"}}]},)"
          R"({"role":"tool","tool_call_id":"call_1","content":"int main() {}\n"},)"
          R"({"role":"user","content":[{"type":"text","text":"Now fix it."}]}],)"
          R"("tools":[{"type":"function","function":{"name":"Read","description":"Reads a file",)"
          R"("parameters":{"type":"object","properties":{"path":{"type":"string"}},)"
          R"("required":["path"],"additionalProperties":false}}}],"tool_choice":"auto"})";
    const auto fast = OpenAiRequestParser::parseSinglePass(body);
    QVERIFY(fast.has_value());
    QCOMPARE(describe(std::variant<OpenAiChatRequest, ApiError>(*fast)),
             describe(OpenAiRequestParser::parseWithQtJson(body)));
    QCOMPARE(fast->request.messages.size(), size_t(5));
    QCOMPARE(fast->request.messages[1].textString(), u"Read src/main.cpp 😀"_s);
}

void TstRequestParserDiff::openAiCorpus()
{
    const quint64 seed = Test::fuzzSeed();
    const int iterations = Test::fuzzIterations(3000);
    BodyGen gen(seed);
    int taken = 0, takenUnmutated = 0, unmutated = 0, accepted = 0, carriedUtf8 = 0;
    QHash<QString, int> errors;
    const quint64 replacedBefore = ResentBody::threadReplacedCount();
    for (int i = 0; i < iterations; ++i) {
        QByteArray body = gen.body();
        const bool mutated = gen.chance(20);
        if (mutated) {
            // The unmutated body first: its messages and tools are then known (ResentBody), and the mutated
            // one is read around them, as an agent's next request is.
            OpenAiRequestParser::parseSinglePass(body);
            body = gen.mutate(body);
        } else {
            ++unmutated;
        }
        const auto reference = OpenAiRequestParser::parseWithQtJson(body);
        const auto fast = OpenAiRequestParser::parseSinglePass(body);
        const auto combined = OpenAiRequestParser::parse(body);
        const QString where
            = u"seed %1 iteration %2 (DRAWBRIDGE_FUZZ_SEED=%1), body: %3"_s.arg(seed).arg(i).arg(
                QString::fromLatin1(body.left(3000).toPercentEncoding(" {}[]\":,_-./")));
        const QString expected = describe(reference);
        if (fast) {
            ++taken;
            takenUnmutated += mutated ? 0 : 1;
            if (const QString bad = schemaTextMismatch(fast->request.tools); !bad.isEmpty())
                QFAIL(qPrintable(where + u"\nschema text: "_s + bad));
            if (const QString bad = textUtf8Mismatch(fast->request.messages, carriedUtf8); !bad.isEmpty())
                QFAIL(qPrintable(where + u"\ntext UTF-8: "_s + bad));
            const QString got = describe(std::variant<OpenAiChatRequest, ApiError>(*fast));
            if (got != expected)
                QFAIL(qPrintable(where + u"\nsingle pass: "_s + got.left(2000) + u"\nQJsonDocument: "_s
                                 + expected.left(2000)));
        }
        if (describe(combined) != expected)
            QFAIL(qPrintable(where + u"\nparse(): "_s + describe(combined).left(2000)));
        accepted += std::holds_alternative<OpenAiChatRequest>(reference) ? 1 : 0;
        if (const auto *e = std::get_if<ApiError>(&reference))
            ++errors[e->message.left(40)];
    }
    const quint64 replaced = ResentBody::threadReplacedCount() - replacedBefore;
    qInfo("seed %llu: %d bodies, %d accepted by the QJsonDocument path, %d taken by the single pass, "
          "%llu parts known from earlier bodies; errors: %s",
          seed, iterations, accepted, taken, replaced, qPrintable(topErrors(errors)));
    // Not vacuous: mutated bodies are read around parts their unmutated original made known.
    QVERIFY2(replaced > quint64(iterations / 20), qPrintable(u"seed %1"_s.arg(seed)));
    // Not vacuous: valid bodies exist in the corpus, and the single pass takes a good share of the unmutated
    // ones.
    QVERIFY2(accepted > iterations / 10, qPrintable(u"seed %1"_s.arg(seed)));
    QVERIFY2(takenUnmutated > unmutated / 10, qPrintable(u"seed %1"_s.arg(seed)));
    QVERIFY2(carriedUtf8 > 0, qPrintable(u"seed %1: no text carried as UTF-8"_s.arg(seed)));
}

void TstRequestParserDiff::anthropicCorpus_data()
{
    QTest::addColumn<int>("modeValue");
    QTest::newRow("messages") << int(AnthropicRequestParser::Mode::Messages);
    QTest::newRow("count_tokens") << int(AnthropicRequestParser::Mode::CountTokens);
}

void TstRequestParserDiff::anthropicCorpus()
{
    QFETCH(int, modeValue);
    const auto mode = AnthropicRequestParser::Mode(modeValue);
    const quint64 seed = Test::fuzzSeed();
    const int iterations = Test::fuzzIterations(3000);
    BodyGen gen(seed);
    int taken = 0, takenUnmutated = 0, unmutated = 0, accepted = 0, carriedUtf8 = 0;
    QHash<QString, int> errors;
    const quint64 replacedBefore = ResentBody::threadReplacedCount();
    for (int i = 0; i < iterations; ++i) {
        QByteArray body = gen.anthropicBody();
        const bool mutated = gen.chance(20);
        if (mutated) {
            AnthropicRequestParser::parseSinglePass(body, mode); // as in openAiCorpus
            body = gen.mutate(body);
        } else {
            ++unmutated;
        }
        AnthropicRequestParser::Notes refNotes, fastNotes, combinedNotes;
        const auto reference = AnthropicRequestParser::parseWithQtJson(body, mode, &refNotes);
        const auto fast = AnthropicRequestParser::parseSinglePass(body, mode, &fastNotes);
        const auto combined = AnthropicRequestParser::parse(body, mode, &combinedNotes);
        const QString where
            = u"seed %1 iteration %2 (DRAWBRIDGE_FUZZ_SEED=%1), body: %3"_s.arg(seed).arg(i).arg(
                QString::fromLatin1(body.left(3000).toPercentEncoding(" {}[]\":,_-./")));
        const QString expected = describe(reference, refNotes);
        if (fast) {
            ++taken;
            takenUnmutated += mutated ? 0 : 1;
            if (const QString bad = schemaTextMismatch(fast->tools); !bad.isEmpty())
                QFAIL(qPrintable(where + u"\nschema text: "_s + bad));
            if (const QString bad = textUtf8Mismatch(fast->messages, carriedUtf8); !bad.isEmpty())
                QFAIL(qPrintable(where + u"\ntext UTF-8: "_s + bad));
            const QString got = describe(std::variant<ChatRequest, ApiError>(*fast), fastNotes);
            if (got != expected)
                QFAIL(qPrintable(where + u"\nsingle pass: "_s + got.left(2000) + u"\nQJsonDocument: "_s
                                 + expected.left(2000)));
        }
        if (describe(combined, combinedNotes) != expected)
            QFAIL(qPrintable(where + u"\nparse(): "_s + describe(combined, combinedNotes).left(2000)));
        accepted += std::holds_alternative<ChatRequest>(reference) ? 1 : 0;
        if (const auto *e = std::get_if<ApiError>(&reference))
            ++errors[e->message.left(40)];
    }
    const quint64 replaced = ResentBody::threadReplacedCount() - replacedBefore;
    qInfo("seed %llu: %d bodies, %d accepted by the QJsonDocument path, %d taken by the single pass, "
          "%llu parts known from earlier bodies; errors: %s",
          seed, iterations, accepted, taken, replaced, qPrintable(topErrors(errors)));
    // Not vacuous: mutated bodies are read around parts their unmutated original made known.
    QVERIFY2(replaced > quint64(iterations / 20), qPrintable(u"seed %1"_s.arg(seed)));
    QVERIFY2(accepted > iterations / 20, qPrintable(u"seed %1"_s.arg(seed)));
    QVERIFY2(takenUnmutated > unmutated / 20, qPrintable(u"seed %1"_s.arg(seed)));
    QVERIFY2(carriedUtf8 > 0, qPrintable(u"seed %1: no text carried as UTF-8"_s.arg(seed)));
}

void TstRequestParserDiff::schemaMemoKeepsSchemasApart_data()
{
    // Pairs of tool schemas that differ in one value only: the parsers' schema memo is keyed by a fingerprint
    // of the DOM, so the second of a pair must not be taken for the first (issue 18).
    QTest::addColumn<QByteArray>("first");
    QTest::addColumn<QByteArray>("second");
    // Each is the schema of property "p" of an object schema (what the parsers take as parameters).
    const auto row = [](const char *name, const char *a, const char *b) {
        const auto wrap = [](const char *p) -> QByteArray {
            return QByteArray(R"({"type":"object","properties":{"p":)") + p + "}}";
        };
        QTest::newRow(name) << wrap(a) << wrap(b);
    };
    row("integer", R"({"type":"string","maxLength":10})", R"({"type":"string","maxLength":20})");
    row("double", R"({"type":"number","minimum":1.5})", R"({"type":"number","minimum":2.5})");
    row("integer and double", R"({"type":"number","minimum":2})", R"({"type":"number","minimum":2.5})");
    row("big unsigned", R"({"type":"integer","maximum":18446744073709551615})",
        R"({"type":"integer","maximum":18446744073709551614})");
    row("boolean", R"({"type":"object","additionalProperties":true})",
        R"({"type":"object","additionalProperties":false})");
    row("null and false", R"({"type":"object","default":null})", R"({"type":"object","default":false})");
    row("string", R"({"type":"string","enum":["a"]})", R"({"type":"string","enum":["b"]})");
    row("key", R"({"type":"object","properties":{"a":{}}})", R"({"type":"object","properties":{"b":{}}})");
    row("nesting", R"({"type":"array","default":[[1],[]]})", R"({"type":"array","default":[[],[1]]})");
    row("string or key", R"({"type":"object","x":{"ab":"c"}})", R"({"type":"object","x":{"a":"bc"}})");
}

void TstRequestParserDiff::schemaMemoKeepsSchemasApart()
{
    QFETCH(QByteArray, first);
    QFETCH(QByteArray, second);
    for (const QByteArray &schema : { first, second, first }) {
        const QJsonObject expected = QJsonDocument::fromJson(schema).object();
        QVERIFY(!expected.isEmpty());
        const QByteArray openAi = R"({"model":"m","messages":[{"role":"user","content":"hi"}],)"
                                  R"("tools":[{"type":"function","function":{"name":"T","parameters":)"
            + schema + "}}]}";
        const auto fast = OpenAiRequestParser::parseSinglePass(openAi);
        QVERIFY2(fast.has_value(), schema.constData());
        QCOMPARE(fast->request.tools.size(), size_t(1));
        QCOMPARE(fast->request.tools[0].parameters, expected);
        QCOMPARE(QJsonDocument::fromJson(fast->request.tools[0].parametersJson).object(), expected);
        const QByteArray anthropic
            = R"({"model":"m","max_tokens":10,"messages":[{"role":"user","content":"hi"}],)"
              R"("tools":[{"name":"T","input_schema":)"
            + schema + "}]}";
        const auto parsed = AnthropicRequestParser::parse(anthropic);
        QVERIFY2(std::holds_alternative<ChatRequest>(parsed), schema.constData());
        QCOMPARE(std::get<ChatRequest>(parsed).tools.at(0).parameters, expected);
    }
}

void TstRequestParserDiff::memosKeepToolsAndInputsApart_data()
{
    schemaMemoKeepsSchemasApart_data();
}

void TstRequestParserDiff::memosKeepToolsAndInputsApart()
{
    // The parsers memoise what they read from `tools` and from each tool_use input under a key of the value
    // (ResentBody's raw bytes, FastJsonReader::valueKey; issue 18). Values that differ in one place, read in
    // turn (first, second, first), and twice in one body, must each give what the QJsonDocument path gives.
    QFETCH(QByteArray, first);
    QFETCH(QByteArray, second);
    for (const QByteArray &value : { first, second, first }) {
        const QByteArray other = value == first ? second : first;
        const QByteArray openAi = R"({"model":"m","messages":[{"role":"user","content":"hi"}],"tools":[)"
                                  R"({"type":"function","function":{"name":"T","parameters":)"
            + value + R"(}},{"type":"function","function":{"name":"U","parameters":)" + other + "}}]}";
        const auto fast = OpenAiRequestParser::parseSinglePass(openAi);
        QVERIFY2(fast.has_value(), openAi.constData());
        QCOMPARE(describe(std::variant<OpenAiChatRequest, ApiError>(*fast)),
                 describe(OpenAiRequestParser::parseWithQtJson(openAi)));

        const QByteArray anthropic
            = R"({"model":"m","max_tokens":10,"messages":[{"role":"user","content":"hi"},)"
              R"({"role":"assistant","content":[)"
              R"({"type":"tool_use","id":"a","name":"T","input":)"
            + value + R"(},{"type":"tool_use","id":"b","name":"T","input":)" + other
            + R"(},{"type":"tool_use","id":"c","name":"T","input":)" + value
            + R"(}]},{"role":"user","content":[{"type":"tool_result","tool_use_id":"a","content":"x"},)"
              R"({"type":"tool_result","tool_use_id":"b","content":"y"},)"
              R"({"type":"tool_result","tool_use_id":"c","content":"z"}]}],)"
              R"("tools":[{"name":"T","input_schema":)"
            + value + R"(},{"name":"U","input_schema":)" + other + "}]}";
        AnthropicRequestParser::Notes fastNotes, qtNotes;
        const auto single = AnthropicRequestParser::parseSinglePass(
            anthropic, AnthropicRequestParser::Mode::Messages, &fastNotes);
        QVERIFY2(single.has_value(), anthropic.constData());
        QCOMPARE(describe(std::variant<ChatRequest, ApiError>(*single), fastNotes),
                 describe(AnthropicRequestParser::parseWithQtJson(
                              anthropic, AnthropicRequestParser::Mode::Messages, &qtNotes),
                          qtNotes));
        QCOMPARE(single->messages.at(1).toolCalls.at(0).arguments,
                 QString::fromUtf8(QJsonDocument::fromJson(value).toJson(QJsonDocument::Compact)));
    }
}

QTEST_GUILESS_MAIN(TstRequestParserDiff)
#include "tst_requestparserdiff.moc"
