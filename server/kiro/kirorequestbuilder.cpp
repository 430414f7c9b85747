// SPDX-License-Identifier: MIT
#include "kirorequestbuilder.h"

#include <QHash>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>
#include <QVarLengthArray>

#include <algorithm>
#include <cstring>
#include <vector>

#include "server/core/jsonescape.h"
#include "server/core/randomuuid.h"
#include "server/kiro/jsonwriter.h"
#include "server/kiro/kirotokenestimator.h"
#include "server/kiro/kirotoolsanitizer.h"
#include "server/kiro/textunitsmemo.h"
#include "server/kiro/toolinputmemo.h"
#include "server/kiro/toolspecsmemo.h"

namespace Drawbridge {

namespace {

// Anthropic prices an image at up to ~1,600 tokens (about 1.15 megapixels); without decoding the image
// that ceiling is the honest estimate.
constexpr int tokensPerImage = 1600;

struct ToolUse
{
    QString id;
    QString name; ///< Kiro-side (possibly shortened) name
    QString originalName;
    QByteArray input; ///< compact JSON, as QJsonDocument writes it
    QString argumentsText; ///< as the client sent it, for the text fallback
};

/** `s.trimmed().isEmpty()` without the copy trimmed() makes of a text with surrounding whitespace. */
bool isBlank(QStringView s)
{
    return std::all_of(s.begin(), s.end(), [](QChar c) { return c.isSpace(); });
}

/** isBlank(QString::fromUtf8(utf8)) for valid UTF-8; the first byte that is ASCII and not a space decides. */
bool isBlankUtf8(QByteArrayView utf8)
{
    bool ascii = true;
    for (const char c : utf8) {
        const auto b = static_cast<unsigned char>(c);
        if (b >= 0x80)
            ascii = false; // could be a Unicode space (U+00A0, U+2000…): QChar decides below
        else if (b != ' ' && (b < '\t' || b > '\r'))
            return false; // QChar::isSpace() below U+0080: tab to carriage return, and space
    }
    return ascii || isBlank(QString::fromUtf8(utf8));
}

/**
 * A turn's or a tool result's text. Until normalisation changes it, it is its message's text in the form the
 * message holds it: the single-pass parsers keep only the client's UTF-8 (ChatMessage::textUtf8), so a text
 * that is only passed through is written from those bytes and never converted to UTF-16 at all (issue 18).
 * Texts joined from such texts (the system prompt in front of the first user message) stay UTF-8 too
 * (fromUtf8()); changing one otherwise (edit()) makes it a QString of its own.
 */
class TurnText
{
public:
    TurnText() = default;
    explicit TurnText(const ChatMessage &source) : m_source(&source) { }
    explicit TurnText(QString text) : m_text(std::move(text)) { }
    /** A text of its own held as @p utf8, which must be valid UTF-8. */
    static TurnText fromUtf8(QByteArray utf8)
    {
        TurnText t;
        t.m_utf8 = std::move(utf8);
        t.m_ownUtf8 = true;
        return t;
    }

    /** The text's UTF-8 while it is held that way (the client's, or joined from the client's), else nullptr.
     */
    const QByteArray *utf8() const
    {
        if (m_source)
            return m_source->textUtf8.isEmpty() ? nullptr : &m_source->textUtf8;
        return m_ownUtf8 ? &m_utf8 : nullptr;
    }
    /**
     * The text as a JSON string, as JsonWriter writes it, while it is its message's text and the message
     * carries that form (ChatMessage::textJson), else nullptr.
     */
    const QByteArray *json() const
    {
        return m_source && !m_source->textJson.isEmpty() && !m_source->textUtf8.isEmpty()
            ? &m_source->textJson
            : nullptr;
    }
    /** The text as UTF-16 (a conversion while it is held as UTF-8). */
    QString string() const
    {
        if (m_source)
            return m_source->textString();
        return m_ownUtf8 ? QString::fromUtf8(m_utf8) : m_text;
    }
    QString &edit()
    {
        if (m_source || m_ownUtf8) {
            m_text = string();
            m_source = nullptr;
            m_ownUtf8 = false;
            m_utf8.clear();
        }
        return m_text;
    }
    bool isEmpty() const
    {
        if (m_source)
            return !m_source->hasText();
        return m_ownUtf8 ? m_utf8.isEmpty() : m_text.isEmpty();
    }
    /** isBlank(string()), without a conversion for a text held as UTF-8. */
    bool isBlank() const
    {
        if (const QByteArray *bytes = utf8())
            return isBlankUtf8(*bytes);
        return Drawbridge::isBlank(m_source ? QStringView(m_source->text) : QStringView(m_text));
    }
    /** Bytes the text takes in the body, about: for reserving room. */
    qsizetype sizeHint() const
    {
        const QByteArray *bytes = utf8();
        return bytes ? bytes->size() : (m_source ? m_source->text.size() : m_text.size());
    }

private:
    const ChatMessage *m_source = nullptr;
    QString m_text;
    QByteArray m_utf8;
    bool m_ownUtf8 = false;
};

struct ToolResult
{
    QString id;
    TurnText text;
    bool error = false;
};

/** One message in Kiro's two-role world while the history is being normalised. */
struct Turn
{
    bool user = true;
    TurnText text;
    std::vector<const ImagePart *>
        images; // pointers: base64 payloads are big and copied only once, into JSON
    std::vector<ToolUse> toolUses;
    std::vector<ToolResult> toolResults;
};

void writeText(JsonWriter &w, const TurnText &text)
{
    if (const QByteArray *json = text.json())
        w.raw(*json); // escaped once per distinct text by the parser (issue 18)
    else if (const QByteArray *utf8 = text.utf8())
        w.utf8String(*utf8);
    else
        w.string(text.string());
}

/**
 * KiroTokenEstimator::units(text.string()), from the client's UTF-8 while the text is held that way. A text
 * that carries its JSON form came from the parsers' text memo, in a buffer an agent's next request shares:
 * its units are memoised under that buffer (TextUnitsMemo), once per thread.
 */
qint64 textUnits(const TurnText &text)
{
    if (const QByteArray *utf8 = text.utf8()) {
        if (text.json()) {
            thread_local TextUnitsMemo memo;
            return memo.units(*utf8);
        }
        return KiroTokenEstimator::unitsUtf8(*utf8);
    }
    return KiroTokenEstimator::units(text.string());
}

/**
 * KiroToolSanitizer::description() of @p tool's description, kept as the client's UTF-8 where sanitising
 * cannot change it: it starts and ends with a printable ASCII character other than a space (trimming takes
 * nothing) and has no more bytes than the limit has characters (so no more characters either).
 */
TurnText toolDescription(const ToolDefinition &tool)
{
    const QByteArray &utf8 = tool.descriptionUtf8;
    const auto plain = [](char c) { return c > 0x20 && c < 0x7f; };
    if (!utf8.isEmpty() && utf8.size() <= KiroToolSanitizer::maxDescriptionLength && plain(utf8.front())
        && plain(utf8.back()))
        return TurnText::fromUtf8(utf8);
    return TurnText(KiroToolSanitizer::description(tool.descriptionString(), tool.name));
}

void appendParagraph(QString &text, const QString &addition)
{
    if (isBlank(addition))
        return;
    if (!isBlank(text))
        text += QLatin1String("\n\n");
    text += addition;
}

void appendParagraph(TurnText &text, const QString &addition)
{
    if (isBlank(addition))
        return;
    const bool blank = text.isBlank();
    QString &edited = text.edit();
    if (!blank)
        edited += QLatin1String("\n\n");
    edited += addition;
}

void appendParagraph(TurnText &text, const TurnText &addition)
{
    if (addition.isBlank())
        return;
    const QByteArray *into = text.utf8();
    const QByteArray *added = addition.utf8();
    if (into && added) {
        // Both held as the client's UTF-8 (a tool-result turn and the user text after it, merged): the same
        // bytes as joining the UTF-16 and converting back, but the text keeps its UTF-8 form, so it is not
        // converted twice and the body writer and the token estimate take their UTF-8 paths.
        QByteArray joined;
        joined.reserve(into->size() + 2 + added->size());
        joined.append(*into);
        if (!isBlankUtf8(*into))
            joined.append("\n\n", 2);
        joined.append(*added);
        text = TurnText::fromUtf8(std::move(joined));
        return;
    }
    appendParagraph(text, addition.string());
}

/** appendParagraph() on valid UTF-8. */
void appendParagraphUtf8(QByteArray &text, QByteArrayView addition)
{
    if (isBlankUtf8(addition))
        return;
    if (!isBlankUtf8(text))
        text += "\n\n";
    text += addition;
}

/**
 * A total order on tool-use ids whose equality is QString's: length first, then the code units' bytes
 * (not the alphabetical order, which pairing does not need).
 */
bool idLess(QStringView a, QStringView b)
{
    if (a.size() != b.size())
        return a.size() < b.size();
    return std::memcmp(a.utf16(), b.utf16(), size_t(a.size()) * sizeof(char16_t)) < 0;
}

/** Removes the elements of @p items whose flag in @p keep is false, keeping the order of the rest. */
template<typename T> void keepFlagged(std::vector<T> &items, const QVarLengthArray<bool, 8> &keep)
{
    size_t to = 0;
    for (size_t from = 0; from < items.size(); ++from) {
        if (!keep[qsizetype(from)])
            continue;
        if (to != from)
            items[to] = std::move(items[from]);
        ++to;
    }
    items.erase(items.begin() + qsizetype(to), items.end());
}

QString toolCallAsText(const ToolUse &use)
{
    return QStringLiteral("[Tool call %1 (id %2) with arguments: %3]")
        .arg(use.originalName, use.id, isBlank(use.argumentsText) ? QStringLiteral("{}") : use.argumentsText);
}

QString toolResultAsText(const ToolResult &result)
{
    return QStringLiteral("[Tool result for %1%2]\n%3")
        .arg(result.id, result.error ? QStringLiteral(" (error)") : QString(), result.text.string());
}

/**
 * The sanitised schema of @p tool as compact JSON. Agents send the same tools with every request: when the
 * parser left the schema's text (ToolDefinition::parametersJson), the result is memoised per thread under it
 * (bounded: 256 schemas, 1 MiB of text), so a repeated schema costs a hash lookup instead of a sanitising
 * pass over a QJsonObject tree and its serialisation. The builder is a static function called on the
 * event-loop thread, hence the thread-local owner.
 */
QByteArray sanitizedSchema(const ToolDefinition &tool)
{
    const auto compute = [&] {
        return QJsonDocument(KiroToolSanitizer::sanitizeSchema(tool.parameters))
            .toJson(QJsonDocument::Compact);
    };
    if (tool.parametersJson.isEmpty())
        return compute();
    struct Memo
    {
        QHash<QByteArray, QByteArray> texts;
        qsizetype bytes = 0;
    };
    thread_local Memo memo;
    if (const auto it = memo.texts.constFind(tool.parametersJson); it != memo.texts.constEnd())
        return it.value();
    const QByteArray schema = compute();
    constexpr qsizetype maxEntries = 256, maxBytes = 1024 * 1024;
    const qsizetype size = tool.parametersJson.size() + schema.size();
    if (memo.texts.size() >= maxEntries || memo.bytes + size > maxBytes) {
        memo.texts.clear();
        memo.bytes = 0;
    }
    if (size <= maxBytes / 4) {
        memo.texts.insert(tool.parametersJson, schema);
        memo.bytes += size;
    }
    return schema;
}

/**
 * The tool input as compact JSON: the client's arguments as an object, "{}" for anything else. Memoised per
 * thread under the arguments' text (ToolInputMemo): an agent resends every earlier tool call with each
 * request, so all but the newest turn's calls hit; a benchmark repeating one body hits for all of them.
 */
QByteArray inputJson(const QString &arguments)
{
    thread_local ToolInputMemo memo;
    return memo.input(arguments);
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
    TurnText systemPrompt() const;
    Status checkImages() const;
    int toolSpecifications(QByteArray &json);
    qsizetype toolSpecificationsEstimate() const;
    void writeUserMessage(JsonWriter &w, const Turn &turn, bool current);
    /** The members `"modelId":…,"origin":…` of every user message, as JsonWriter writes them; made once. */
    const QByteArray &modelIdAndOrigin();
    void writeAssistantMessage(JsonWriter &w, const Turn &turn);
    QString kiroToolName(const QString &original);

    const ChatRequest &m_request;
    const KiroRequestOptions &m_options;
    std::vector<TurnText> m_systemParts;
    std::vector<Turn> m_turns;
    bool m_toolsEnabled = false;
    bool m_prefill = false;
    QHash<QString, QString> m_reverseNames;
    QSet<QString> m_declaredNames; ///< Kiro-side names of the tools sent
    qint64 m_textUnits = 0;
    int m_imageCount = 0;
    QByteArray m_reasoningFields; ///< native reasoning request fields; empty = emulate in the prompt
    QByteArray m_modelIdAndOrigin; ///< `"modelId":…,"origin":…`, once written; see modelIdAndOrigin()
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
    // At most a turn a message: growing the vector moved every turn made so far, seven times for an agent's
    // hundred messages (issue 18).
    m_turns.reserve(m_request.messages.size());
    for (const ChatMessage &message : m_request.messages) {
        switch (message.role) {
        case Role::System:
            if (TurnText text(message); !text.isBlank())
                m_systemParts.push_back(std::move(text));
            break;
        case Role::User: {
            Turn turn;
            turn.text = TurnText(message);
            for (const ImagePart &image : message.images)
                turn.images.push_back(&image);
            m_turns.push_back(std::move(turn));
            break;
        }
        case Role::Assistant: {
            Turn turn;
            turn.user = false;
            turn.text = TurnText(message);
            turn.toolUses.reserve(message.toolCalls.size());
            for (const ToolCall &call : message.toolCalls) {
                turn.toolUses.push_back(
                    { call.id, kiroToolName(call.name), call.name,
                      call.kiroInput.isEmpty() ? inputJson(call.arguments) : call.kiroInput,
                      call.arguments });
            }
            m_turns.push_back(std::move(turn));
            break;
        }
        case Role::Tool: {
            // Consecutive tool messages become one user turn in mergeSameRole(): parallel results must all
            // land in the same user message or Kiro rejects the turn.
            Turn turn;
            turn.toolResults.push_back({ message.toolCallId, TurnText(message), message.toolError });
            m_turns.push_back(std::move(turn));
            break;
        }
        }
    }
    if (m_turns.empty() && m_systemParts.empty())
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
    // Ids are compared as views into the turns' own strings, kept in small sorted arrays: a QSet<QString> per
    // turn hashed and allocated for the one or two ids a turn usually has (issue 18), and the sort keeps a
    // turn with thousands of calls at n log n.
    struct Offer
    {
        QStringView id;
        qsizetype use = 0; ///< index into the assistant turn's toolUses
        bool answered = false;
    };
    QVarLengthArray<Offer, 8> offered;
    const auto offerOf = [&offered](QStringView id) -> Offer * {
        const auto it = std::lower_bound(offered.begin(), offered.end(), id,
                                         [](const Offer &o, QStringView v) { return idLess(o.id, v); });
        return it != offered.end() && !idLess(id, it->id) ? it : nullptr;
    };
    QVarLengthArray<bool, 8> keep;
    for (size_t i = 0; i < m_turns.size(); ++i) {
        Turn &turn = m_turns[i];
        const bool afterAssistant = i > 0 && !m_turns[i - 1].user;
        if (turn.user) {
            // Keep only results that answer a tool use of the directly preceding assistant turn, once each.
            // Its ids are unique and not empty: the assistant turn was deduplicated one iteration earlier.
            offered.clear();
            if (afterAssistant) {
                const auto &uses = m_turns[i - 1].toolUses;
                for (qsizetype u = 0; u < qsizetype(uses.size()); ++u)
                    offered.append({ uses[size_t(u)].id, u, false });
                std::sort(offered.begin(), offered.end(),
                          [](const Offer &a, const Offer &b) { return idLess(a.id, b.id); });
            }
            QString orphanText;
            auto &results = turn.toolResults;
            auto kept = results.begin();
            for (auto it = results.begin(); it != results.end(); ++it) {
                Offer *offer = offerOf(it->id);
                if (!offer) {
                    appendParagraph(orphanText, toolResultAsText(*it));
                    continue;
                }
                if (offer->answered)
                    continue; // duplicate toolUseId in one toolResults array (AIClient)
                offer->answered = true;
                if (kept != it)
                    *kept = std::move(*it);
                ++kept;
            }
            results.erase(kept, results.end());
            if (!orphanText.isEmpty()) {
                QString text = orphanText;
                if (!turn.text.isBlank())
                    appendParagraph(text, turn.text.string());
                turn.text = TurnText(text);
            }
            // Drop the preceding assistant's tool uses that got no answer (kiro.rs
            // remove_orphaned_tool_uses).
            if (afterAssistant) {
                auto &uses = m_turns[i - 1].toolUses;
                keep.resize(qsizetype(uses.size()));
                std::fill(keep.begin(), keep.end(), false);
                for (const Offer &offer : offered)
                    keep[offer.use] = offer.answered;
                keepFlagged(uses, keep);
            }
        } else {
            // Duplicate ids inside one assistant turn would make the pairing ambiguous; keep the first. Empty
            // ids go too.
            auto &uses = turn.toolUses;
            offered.clear();
            for (qsizetype u = 0; u < qsizetype(uses.size()); ++u)
                offered.append({ uses[size_t(u)].id, u, false });
            std::sort(offered.begin(), offered.end(), [](const Offer &a, const Offer &b) {
                return idLess(a.id, b.id) || (!idLess(b.id, a.id) && a.use < b.use);
            });
            keep.resize(qsizetype(uses.size()));
            std::fill(keep.begin(), keep.end(), false);
            for (qsizetype k = 0; k < offered.size(); ++k) {
                const Offer &offer = offered[k];
                keep[offer.use] = !offer.id.isEmpty() && (k == 0 || idLess(offered[k - 1].id, offer.id));
            }
            keepFlagged(uses, keep);
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
        next.text = TurnText(KiroRequestBuilder::prefillContinuation());
        m_turns.push_back(std::move(next));
    }
}

TurnText Builder::systemPrompt() const
{
    // Its pieces in order: the thinking emulation, the system messages, the tool-choice line.
    QString thinking, choice;
    if (m_request.thinking && m_reasoningFields.isEmpty()) {
        const int budget = m_request.thinkingBudgetTokens > 0 ? m_request.thinkingBudgetTokens
                                                              : m_options.defaultThinkingBudget;
        thinking = QStringLiteral(
                       "<thinking_mode>enabled</thinking_mode><max_thinking_length>%1</max_thinking_length>")
                       .arg(budget);
    }
    // tool_choice has no field in Kiro's request (§2.6); a prompt line is the only lever.
    if (m_toolsEnabled && m_request.toolChoice == ToolChoice::Required)
        choice = QStringLiteral("You must respond by calling one of the provided tools.");
    else if (m_toolsEnabled && m_request.toolChoice == ToolChoice::Named
             && !m_request.toolChoiceName.isEmpty())
        choice = QStringLiteral("You must respond by calling the tool \"%1\".")
                     .arg(KiroToolSanitizer::shortenName(m_request.toolChoiceName));
    // The system messages as the client sent them (8 KiB and more for agents) stay UTF-8 when every piece has
    // an exact UTF-8 form (the choice line quotes a client string, which could hold a lone surrogate).
    const bool utf8Parts = std::all_of(m_systemParts.begin(), m_systemParts.end(),
                                       [](const TurnText &part) { return part.utf8() != nullptr; });
    QByteArray choiceUtf8 = choice.toUtf8();
    if (utf8Parts && QString::fromUtf8(choiceUtf8) == choice) {
        QByteArray system = thinking.toUtf8(); // ASCII
        for (const TurnText &part : m_systemParts)
            appendParagraphUtf8(system, *part.utf8());
        appendParagraphUtf8(system, choiceUtf8);
        return TurnText::fromUtf8(std::move(system));
    }
    QString system = thinking;
    for (const TurnText &part : m_systemParts)
        appendParagraph(system, part.string());
    appendParagraph(system, choice);
    return TurnText(system);
}

qsizetype Builder::toolSpecificationsEstimate() const
{
    // A hint for the array toolSpecifications() writes, which otherwise grew from empty through four or five
    // reallocations for two tools: the schema as the client wrote it (sanitising mostly removes), the texts
    // with room for escapes, and the fixed members.
    qsizetype bytes = 64;
    for (const ToolDefinition &tool : m_request.tools) {
        bytes += 128 + (tool.name.size() + tool.description.size()) * 2 + tool.descriptionUtf8.size() * 5 / 4
            + (tool.parametersJson.isEmpty() ? 256 : tool.parametersJson.size());
    }
    return bytes;
}

/**
 * The current message's tool specifications as the elements of a JSON array (comma-separated, no brackets),
 * written into @p json; returns how many. Keys in Qt's order: description, inputSchema, name.
 */
int Builder::toolSpecifications(QByteArray &json)
{
    int count = 0;
    const auto writeSpec = [&](const QString &name, const TurnText &description, QByteArrayView schemaJson) {
        if (count++)
            appendLiteral(json, ",");
        appendLiteral(json, "{\"toolSpecification\":{\"description\":");
        if (const QByteArray *utf8 = description.utf8())
            JsonWriter::appendUtf8String(json, *utf8);
        else
            JsonWriter::appendString(json, description.string());
        appendLiteral(json, ",\"inputSchema\":{\"json\":");
        appendBytes(json, schemaJson.data(), schemaJson.size());
        appendLiteral(json, "},\"name\":");
        JsonWriter::appendString(json, name);
        appendLiteral(json, "}}");
    };
    // The declared tools: an agent's next request hands over the very same tool strings, and their
    // specifications are the same (ToolSpecsMemo). Nothing is declared before this point, so they depend on
    // the tools alone.
    thread_local ToolSpecsMemo memo;
    if (const ToolSpecsMemo::Specs *known = memo.find(m_request.tools)) {
        json += known->json;
        count = known->count;
        m_textUnits += known->units;
        for (const QString &name : known->declaredNames)
            m_declaredNames.insert(name);
        for (auto it = known->shortenedNames.cbegin(); it != known->shortenedNames.cend(); ++it)
            m_reverseNames.insert(it.key(), it.value());
    } else if (!m_request.tools.empty()) {
        json.reserve(json.size() + toolSpecificationsEstimate());
        const qsizetype start = json.size();
        const qint64 unitsBefore = m_textUnits;
        ToolSpecsMemo::Specs specs;
        for (const ToolDefinition &tool : m_request.tools) {
            const QString name = kiroToolName(tool.name);
            if (name.isEmpty() || m_declaredNames.contains(name))
                continue; // Kiro rejects duplicates (TOOL_DUPLICATE)
            m_declaredNames.insert(name);
            specs.declaredNames.push_back(name);
            if (name != tool.name)
                specs.shortenedNames.insert(name, tool.name);
            const QByteArray schema = sanitizedSchema(tool);
            const TurnText description = toolDescription(tool);
            m_textUnits += textUnits(description) + KiroTokenEstimator::units(name) + schema.size();
            writeSpec(name, description, schema);
        }
        specs.json = json.sliced(start);
        specs.count = count;
        specs.units = m_textUnits - unitsBefore;
        memo.insert(m_request.tools, std::move(specs));
    }
    // Every tool named in history must be declared, or Kiro rejects the history (kiro.rs's fix).
    for (const Turn &turn : m_turns) {
        for (const ToolUse &use : turn.toolUses) {
            if (m_declaredNames.contains(use.name))
                continue;
            m_declaredNames.insert(use.name);
            writeSpec(use.name, TurnText(QStringLiteral("Tool used in conversation history")),
                      "{\"properties\":{},\"type\":\"object\"}");
        }
    }
    return count;
}

Status Builder::checkImages() const
{
    // Only images can make a message unsendable; checked in message order before anything is written, so the
    // first bad image is the one reported.
    for (const Turn &turn : m_turns) {
        for (const ImagePart *image : turn.images) {
            if (KiroRequestBuilder::imageFormat(image->mediaType).isEmpty())
                return Error { QStringLiteral(
                                   "unsupported image type \"%1\"; Kiro accepts png, jpeg, gif and webp")
                                   .arg(image->mediaType) };
            QByteArrayView data = image->base64Data;
            if (data.startsWith("data:")) {
                const auto comma = data.indexOf(',');
                data = comma >= 0 ? data.sliced(comma + 1) : QByteArrayView();
            }
            if (data.isEmpty())
                return Error { QStringLiteral("an image has no data") };
        }
    }
    return Ok {};
}

// Keys are written in the order QJsonObject keeps them (sorted), so the body is byte for byte what the
// former QJsonObject tree serialised to.
void Builder::writeUserMessage(JsonWriter &w, const Turn &turn, bool current)
{
    w.beginObject();
    const bool blank = turn.text.isBlank();
    const TurnText placeholder = blank ? TurnText(KiroRequestBuilder::emptyPlaceholder()) : TurnText();
    const TurnText &text = blank ? placeholder : turn.text;
    m_textUnits += textUnits(text);
    w.key("content");
    writeText(w, text);

    if (!turn.images.empty()) {
        w.key("images");
        w.beginArray();
        for (const ImagePart *image : turn.images) {
            QByteArrayView data = image->base64Data;
            // Kiro wants bare base64; tolerate a data: URL that slipped through.
            if (data.startsWith("data:"))
                data = data.sliced(data.indexOf(',') + 1);
            ++m_imageCount;
            w.beginObject();
            w.key("format");
            w.string(KiroRequestBuilder::imageFormat(image->mediaType));
            w.key("source");
            w.beginObject();
            w.key("bytes");
            w.string(QString::fromLatin1(data));
            w.endObject();
            w.endObject();
        }
        w.endArray();
    }
    // The same two members in every user turn: written once per body (modelIdAndOrigin()) and copied.
    w.raw(modelIdAndOrigin());

    QByteArray tools;
    const int toolCount = current && m_toolsEnabled ? toolSpecifications(tools) : 0;
    if (!turn.toolResults.empty() || toolCount > 0) {
        w.key("userInputMessageContext");
        w.beginObject();
        if (!turn.toolResults.empty()) {
            w.key("toolResults");
            w.beginArray();
            for (const ToolResult &result : turn.toolResults) {
                const bool empty = result.text.isEmpty();
                const TurnText emptyResult = empty ? TurnText(QStringLiteral("(empty result)")) : TurnText();
                const TurnText &resultText = empty ? emptyResult : result.text;
                m_textUnits += textUnits(resultText);
                w.beginObject();
                w.key("content");
                w.beginArray();
                w.beginObject();
                w.key("text");
                writeText(w, resultText);
                w.endObject();
                w.endArray();
                w.key("status");
                w.asciiString(result.error ? "error" : "success");
                w.key("toolUseId");
                w.string(result.id);
                w.endObject();
            }
            w.endArray();
        }
        if (toolCount > 0) {
            w.key("tools");
            w.beginArray();
            w.raw(tools);
            w.endArray();
        }
        w.endObject();
    }
    w.endObject();
}

const QByteArray &Builder::modelIdAndOrigin()
{
    if (m_modelIdAndOrigin.isEmpty()) {
        QByteArray &out = m_modelIdAndOrigin;
        appendLiteral(out, "\"modelId\":");
        JsonWriter::appendString(out, m_request.upstreamModel);
        appendLiteral(out, ",\"origin\":");
        JsonWriter::appendString(out, m_options.origin);
    }
    return m_modelIdAndOrigin;
}

void Builder::writeAssistantMessage(JsonWriter &w, const Turn &turn)
{
    w.beginObject();
    const bool blank = turn.text.isBlank();
    const TurnText placeholder = blank ? TurnText(KiroRequestBuilder::emptyPlaceholder()) : TurnText();
    const TurnText &text = blank ? placeholder : turn.text;
    m_textUnits += textUnits(text);
    w.key("content");
    writeText(w, text);
    if (!turn.toolUses.empty()) {
        // Omitted when empty: an empty toolUses array is itself a 400 (jwadow).
        w.key("toolUses");
        w.beginArray();
        for (const ToolUse &use : turn.toolUses) {
            m_textUnits += KiroTokenEstimator::units(use.argumentsText);
            w.beginObject();
            w.key("input");
            w.raw(use.input);
            w.key("name");
            w.string(use.name);
            w.key("toolUseId");
            w.string(use.id);
            w.endObject();
        }
        w.endArray();
    }
    w.endObject();
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

    // The model's own reasoning, where its catalog entry says how to ask for it; else the prompt emulation.
    if (m_request.thinking) {
        m_reasoningFields = m_options.reasoning.requestFields(m_request.thinkingBudgetTokens > 0
                                                                  ? m_request.thinkingBudgetTokens
                                                                  : m_options.defaultThinkingBudget);
    }
    m_toolsEnabled = !m_request.tools.empty() && m_request.toolChoice != ToolChoice::None;
    if (!m_toolsEnabled)
        convertToolsToText();
    mergeSameRole();
    if (m_toolsEnabled)
        pairToolUsesAndResults();
    ensureUserFirstAndUserLast();
    // Prepending the system prompt to the first user message is the cheap variant of §2.4.
    if (TurnText system = systemPrompt(); !system.isEmpty()) {
        TurnText &first = m_turns.front().text;
        if (first.isBlank())
            first = std::move(system);
        else if (system.utf8() && first.utf8()) {
            // Not QStringBuilder: its QByteArray concatenation copied byte by byte (27 k instructions for
            // an 8 KiB system prompt).
            QByteArray joined;
            joined.reserve(system.utf8()->size() + 2 + first.utf8()->size());
            joined.append(*system.utf8()).append("\n\n", 2).append(*first.utf8());
            first = TurnText::fromUtf8(joined);
        } else
            first = TurnText(system.string() + QLatin1String("\n\n") + first.string());
    }

    if (Status images = checkImages(); !images)
        return failWith(ProviderErrorKind::InvalidRequest, images.error());

    KiroRequest out;
    if (m_options.conversationId.isEmpty()) {
        char id[uuidTextSize];
        randomUuidText(id);
        out.conversationId = QString::fromLatin1(id, uuidTextSize);
    } else {
        out.conversationId = m_options.conversationId;
    }
    out.modelId = m_request.upstreamModel;
    out.thinkingEmulated = m_request.thinking && m_reasoningFields.isEmpty();
    out.reasoningFields = m_reasoningFields;

    // Room for the whole body: growing one of hundreds of KiB past its capacity copies it (a 144 KiB agent
    // request did, once per request: its 20 tool specifications and the JSON around every turn, result and
    // tool use were more than the slack). Texts and inputs count their bytes and an eighth for escapes; each
    // turn, result and use its keys and ids; the tool specifications their schema, description and name.
    qsizetype textSize = 0, structure = 0;
    for (const Turn &turn : m_turns) {
        textSize += turn.text.sizeHint();
        structure += 160 + qsizetype(m_request.upstreamModel.size());
        for (const ToolResult &result : turn.toolResults) {
            textSize += result.text.sizeHint();
            structure += 96 + qsizetype(result.id.size());
        }
        for (const ToolUse &use : turn.toolUses) {
            textSize += use.input.size();
            structure += 64 + qsizetype(use.id.size() + use.name.size());
        }
    }
    for (const ToolDefinition &tool : m_request.tools) {
        structure += 96 + qsizetype(tool.name.size() + tool.description.size() + tool.descriptionUtf8.size())
            + (tool.parametersJson.isEmpty() ? 1024 : qsizetype(tool.parametersJson.size()));
    }
    // The last 512 bytes are for the profileArn each attempt splices in (withProfileArn(KiroRequest &, …)).
    out.body.reserve(textSize + textSize / 8 + structure + 4096 + 512);
    JsonWriter w(out.body);
    w.beginObject();
    if (!m_reasoningFields.isEmpty()) {
        w.key("additionalModelRequestFields");
        w.raw(m_reasoningFields);
    }
    w.key("conversationState");
    w.beginObject();
    w.key("agentContinuationId");
    char continuationId[uuidTextSize];
    randomUuidText(continuationId);
    w.asciiString(QByteArrayView(continuationId, uuidTextSize));
    w.key("agentTaskType");
    w.asciiString("vibe");
    w.key("chatTriggerType");
    w.asciiString("MANUAL"); // the only safe value (§2.3)
    w.key("conversationId");
    w.string(out.conversationId);
    w.key("currentMessage");
    w.beginObject();
    w.key("userInputMessage");
    writeUserMessage(w, m_turns.back(), true);
    w.endObject();
    if (m_turns.size() > 1) {
        w.key("history");
        w.beginArray();
        for (size_t i = 0; i + 1 < m_turns.size(); ++i) {
            const Turn &turn = m_turns[i];
            w.beginObject();
            if (turn.user) {
                w.key("userInputMessage");
                writeUserMessage(w, turn, false);
            } else {
                w.key("assistantResponseMessage");
                writeAssistantMessage(w, turn);
            }
            w.endObject();
        }
        w.endArray();
    }
    w.endObject();
    if (!m_options.profileArn.isEmpty()) {
        w.key("profileArn");
        w.string(m_options.profileArn);
    }
    w.endObject();

    if (out.body.size() > m_options.maxBodyBytes) {
        return failWith(ProviderErrorKind::ContextTooLong,
                        QStringLiteral("the request is too large for Kiro (%1 bytes, the limit is %2); "
                                       "shorten the conversation or remove attachments")
                            .arg(out.body.size())
                            .arg(m_options.maxBodyBytes));
    }
    out.toolNameReverseMap = std::move(m_reverseNames);
    // Tools sent to Kiro come with the model's tool-use system prompt. Kiro has no tool_choice field (a
    // forced choice is a line of the system prompt, already counted as text), so the model always sees the
    // auto variant.
    const int toolOverhead
        = m_declaredNames.isEmpty() ? 0 : KiroTokenEstimator::toolUseSystemPrompt(ToolChoice::Auto);
    out.estimatedPromptTokens
        = KiroTokenEstimator::tokensFromUnits(m_textUnits) + m_imageCount * tokensPerImage + toolOverhead;
    return out;
}

} // namespace

Result<KiroRequest> KiroRequestBuilder::build(const ChatRequest &request, const KiroRequestOptions &options,
                                              ProviderErrorKind *errorKind)
{
    Builder builder(request, options);
    return builder.build(errorKind);
}

QString KiroRequestBuilder::emptyPlaceholder()
{
    return QStringLiteral("(empty placeholder)");
}

QString KiroRequestBuilder::prefillContinuation()
{
    return QStringLiteral("Continue");
}

QString KiroRequestBuilder::imageFormat(const QString &mediaType)
{
    const QString type = mediaType.trimmed().toLower();
    if (type == QLatin1String("image/png"))
        return QStringLiteral("png");
    if (type == QLatin1String("image/jpeg") || type == QLatin1String("image/jpg"))
        return QStringLiteral("jpeg");
    if (type == QLatin1String("image/gif"))
        return QStringLiteral("gif");
    if (type == QLatin1String("image/webp"))
        return QStringLiteral("webp");
    return {};
}

QByteArray KiroRequestBuilder::withProfileArn(const QByteArray &body, QStringView profileArn)
{
    if (profileArn.isEmpty() || !body.endsWith('}'))
        return body;
    // The body is a compact JSON object: splice the member in before its closing brace instead of
    // re-serialising a body that may be hundreds of KB.
    QByteArray out;
    out.reserve(body.size() + profileArn.size() + 24);
    out.append(body.constData(), body.size() - 1);
    out.append(",\"profileArn\":");
    appendJsonString(out, profileArn);
    out.append('}');
    return out;
}

QByteArray KiroRequestBuilder::withProfileArn(KiroRequest &request, QStringView profileArn)
{
    QByteArray &body = request.body;
    if (request.profileArnAt >= 0) {
        // Back to the bare body. A body still shared with the previous attempt's request detaches here,
        // which copies it once, as the copying overload always does.
        body.truncate(request.profileArnAt);
        body.append('}');
        request.profileArnAt = -1;
    }
    if (profileArn.isEmpty() || !body.endsWith('}'))
        return body;
    const qsizetype at = body.size() - 1;
    body.chop(1);
    body.append(",\"profileArn\":");
    appendJsonString(body, profileArn);
    body.append('}');
    request.profileArnAt = at;
    return body;
}

} // namespace Drawbridge
