// SPDX-License-Identifier: MIT
#include "resentbody.h"

#include "resentbodyhistory.h"

#include "fastjsonreader.h"
#include "server/core/jsonescape.h"

#include <algorithm>
#include <utility>

namespace Drawbridge {

namespace {

// As FastJsonReader's DOM parser: one per thread (parsers run on the event-loop thread), buffers sized to the
// largest body seen and given back past a large one (FastJsonReader::keepParserCapacity).

simdjson::ondemand::parser &threadParser()
{
    thread_local simdjson::ondemand::parser parser;
    return parser;
}

thread_local quint64 t_replaced = 0;

bool jsonSpace(char c)
{
    return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

/** @p raw without the whitespace On-Demand leaves behind a value (up to the next token). */
std::string_view trimmed(std::string_view raw)
{
    while (!raw.empty() && jsonSpace(raw.back()))
        raw.remove_suffix(1);
    return raw;
}

/** A member's bytes when it is an object, an array or a string; empty otherwise or on an error. */
std::string_view valueBytes(simdjson::ondemand::value value)
{
    simdjson::ondemand::json_type type;
    if (value.type().get(type))
        return {};
    std::string_view raw;
    switch (type) {
    case simdjson::ondemand::json_type::object: {
        simdjson::ondemand::object object;
        if (value.get_object().get(object) || object.raw_json().get(raw))
            return {};
        break;
    }
    case simdjson::ondemand::json_type::array: {
        simdjson::ondemand::array array;
        if (value.get_array().get(array) || array.raw_json().get(raw))
            return {};
        break;
    }
    case simdjson::ondemand::json_type::string:
        raw = value.raw_json_token();
        break;
    default:
        return {};
    }
    return trimmed(raw);
}

} // namespace

bool ResentBody::split(const QByteArray &body, std::string_view messagesKey,
                       std::array<std::string_view, maxMembers> memberKeys)
{
    // An agent's body is mostly its last one's: where the history knows the layout, the On-Demand pass over
    // the whole body is not needed (ResentBodyHistory).
    ResentBodyHistory &history = ResentBodyHistory::forThread();
    if (std::optional<ResentLayout> layout = history.layOver(body, messagesKey, memberKeys)) {
        m_body = &body;
        m_padded = QByteArray();
        const char *const data = body.constData();
        m_messages.clear();
        m_messages.reserve(layout->messages.size());
        for (const ResentLayout::Span &span : layout->messages)
            m_messages.push_back(Part { std::string_view(data + span.offset, size_t(span.size)) });
        m_members = {};
        for (size_t i = 0; i < maxMembers; ++i) {
            if (layout->members[i].size > 0)
                m_members[i].bytes
                    = std::string_view(data + layout->members[i].offset, size_t(layout->members[i].size));
        }
        history.remember(body, messagesKey, memberKeys, std::move(*layout));
        return true;
    }
    ResentLayout layout;
    if (splitParts(body, messagesKey, memberKeys, layout)) {
        history.remember(body, messagesKey, memberKeys, std::move(layout));
        return true;
    }
    m_messages.clear(); // nothing of a body left unsplit is used
    m_members = {};
    return false;
}

bool ResentBody::splitParts(const QByteArray &body, std::string_view messagesKey,
                            std::array<std::string_view, maxMembers> memberKeys, ResentLayout &layout)
{
    m_body = &body;
    m_messages.clear();
    m_members = {};
    // simdjson reads up to SIMDJSON_PADDING bytes past the end (allocated, so readable; their values do not
    // matter). The HTTP parser reserves them behind a body; any other body is copied once.
    const char *data = body.constData();
    size_t capacity = size_t(body.size()) + simdjson::SIMDJSON_PADDING;
    if (!FastJsonReader::paddedInPlace(body)) {
        m_padded = QByteArray(body.size() + qsizetype(simdjson::SIMDJSON_PADDING), '\0');
        std::copy_n(body.constData(), body.size(), m_padded.data());
        data = m_padded.constData();
        capacity = size_t(m_padded.size());
    }

    simdjson::ondemand::parser &parser = threadParser();
    if (parser.capacity() > FastJsonReader::keepParserCapacity
        && size_t(body.size()) <= FastJsonReader::keepParserCapacity)
        parser = simdjson::ondemand::parser {};
    simdjson::ondemand::document document;
    simdjson::ondemand::object root;
    if (parser.iterate(data, size_t(body.size()), capacity).get(document) || document.get_object().get(root))
        return false;
    bool sawMessages = false;
    std::array<bool, maxMembers> sawMember {};
    // The layout, as offsets for ResentBodyHistory: the padded copy has the body's bytes at the same offsets.
    const auto offset = [data](const char *p) { return qsizetype(p - data); };
    for (auto result : root) {
        simdjson::ondemand::field field;
        if (std::move(result).get(field))
            return false;
        const simdjson::ondemand::raw_json_string key = field.key();
        const qsizetype keyAt = offset(key.raw()) - 1; // its opening quote
        if (key == messagesKey) {
            if (sawMessages)
                return false; // the parse refuses it; nothing to save
            sawMessages = true;
            layout.messagesKeyAt = keyAt;
            simdjson::ondemand::array messages;
            if (field.value().get_array().get(messages))
                return false;
            for (auto element : messages) {
                simdjson::ondemand::object message;
                std::string_view raw;
                if (element.get_object().get(message) || message.raw_json().get(raw))
                    return false;
                m_messages.push_back(Part { trimmed(raw) });
                layout.messages.push_back(
                    { offset(m_messages.back().bytes.data()), qsizetype(m_messages.back().bytes.size()) });
            }
            continue;
        }
        int member = -1;
        for (size_t i = 0; i < maxMembers; ++i) {
            if (memberKeys[i].empty() || !(key == memberKeys[i]))
                continue;
            if (sawMember[i])
                return false;
            sawMember[i] = true;
            member = int(i);
            m_members[i].bytes = valueBytes(field.value());
            layout.memberKeyAt[i] = keyAt;
            if (!m_members[i].bytes.empty())
                layout.members[i]
                    = { offset(m_members[i].bytes.data()), qsizetype(m_members[i].bytes.size()) };
            break;
        }
        if (sawMessages)
            layout.keysAfterMessages.push_back({ keyAt, member });
    }
    return true;
}

QByteArray ResentBody::reduced() const
{
    std::vector<std::string_view> parts;
    for (const Part &part : m_messages) {
        if (part.replaced)
            parts.push_back(part.bytes);
    }
    for (const Part &part : m_members) {
        if (part.replaced)
            parts.push_back(part.bytes);
    }
    if (parts.empty())
        return *m_body;
    std::sort(parts.begin(), parts.end(),
              [](std::string_view a, std::string_view b) { return a.data() < b.data(); });
    const char *source = m_padded.isEmpty() ? m_body->constData() : m_padded.constData();
    const char *const end = source + m_body->size();
    qsizetype size = m_body->size();
    for (const std::string_view part : parts)
        size -= qsizetype(part.size()) - 1;
    QByteArray out;
    out.reserve(size + qsizetype(simdjson::SIMDJSON_PADDING));
    for (const std::string_view part : parts) {
        appendBytes(out, source, part.data() - source);
        appendLiteral(out, "0");
        source = part.data() + part.size();
    }
    appendBytes(out, source, end - source);
    t_replaced += parts.size();
    return out;
}

quint64 ResentBody::threadReplacedCount()
{
    return t_replaced;
}

void ResentBody::releaseThreadBuffers()
{
    threadParser() = simdjson::ondemand::parser {};
}

} // namespace Drawbridge
