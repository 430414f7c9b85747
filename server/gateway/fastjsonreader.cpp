// SPDX-License-Identifier: MIT
#include "fastjsonreader.h"

#include <QHash>
#include <QJsonArray>

#include <algorithm>
#include <cmath>

namespace Drawbridge {

namespace {

// One parser per thread, reused: simdjson sizes its buffers to the largest body seen, and allocating them per
// request (hundreds of KiB, fresh pages each time) would cost as much as parsing. Parsers are static
// functions called on the event-loop thread, so a thread-local is the owner; past a large body the buffers
// are released.
constexpr size_t keepCapacity = 1024 * 1024;

simdjson::dom::parser &threadParser()
{
    thread_local simdjson::dom::parser parser;
    return parser;
}

constexpr qsizetype memoEntries = 256;
constexpr qsizetype memoBytes = 1024 * 1024; // of schema text; the objects take a few times that

/** Schema text → the QJsonObject it converts to; emptied when full, so it stays bounded. */
struct SchemaMemo
{
    QHash<QByteArray, QJsonObject> objects;
    qsizetype bytes = 0;
};

} // namespace

FastJsonReader::FastJsonReader(const QByteArray &body)
{
    simdjson::dom::parser &parser = threadParser();
    if (parser.capacity() > keepCapacity && size_t(body.size()) <= keepCapacity
        && parser.allocate(keepCapacity, maxDepth))
        throw Unsupported {};
    if (parser.max_depth() != maxDepth
        && parser.allocate(std::max(parser.capacity(), size_t(4096)), maxDepth))
        throw Unsupported {};
    simdjson::dom::element root;
    // simdjson reads up to SIMDJSON_PADDING bytes past the end. The HTTP parser reserves that much behind a
    // body of known length (allocated, so readable; their values do not matter), and then the body is parsed
    // where it is; otherwise simdjson copies it into a padded buffer of its own (one memcpy of the whole
    // body).
    const bool padded = size_t(body.capacity() - body.size()) >= size_t(simdjson::SIMDJSON_PADDING);
    if (parser.parse(body.constData(), size_t(body.size()), !padded).get(root))
        throw Unsupported {};
    if (root.get_object().get(m_root))
        throw Unsupported {};
}

QString FastJsonReader::string(simdjson::dom::element e)
{
    std::string_view s;
    if (e.get_string().get(s))
        throw Unsupported {};
    return string(s);
}

std::string_view FastJsonReader::utf8(simdjson::dom::element e)
{
    std::string_view s;
    if (e.get_string().get(s))
        throw Unsupported {};
    return s;
}

void FastJsonReader::setText(ChatMessage &msg, std::string_view utf8)
{
    msg.text = string(utf8);
    msg.textUtf8 = QByteArray(utf8.data(), qsizetype(utf8.size()));
}

void FastJsonReader::appendText(ChatMessage &msg, std::string_view utf8)
{
    if (msg.text.isEmpty()) {
        setText(msg, utf8);
        return;
    }
    msg.text += u'\n';
    msg.text += string(utf8);
    msg.textUtf8 += '\n';
    msg.textUtf8 += QByteArrayView(utf8.data(), qsizetype(utf8.size()));
}

double FastJsonReader::number(simdjson::dom::element e)
{
    switch (e.type()) {
    case simdjson::dom::element_type::INT64:
        return double(int64_t(e));
    case simdjson::dom::element_type::UINT64:
        return double(uint64_t(e));
    case simdjson::dom::element_type::DOUBLE:
        return double(e);
    default:
        throw Unsupported {};
    }
}

simdjson::dom::object FastJsonReader::object(simdjson::dom::element e)
{
    simdjson::dom::object o;
    if (e.get_object().get(o))
        throw Unsupported {};
    return o;
}

simdjson::dom::array FastJsonReader::array(simdjson::dom::element e)
{
    simdjson::dom::array a;
    if (e.get_array().get(a))
        throw Unsupported {};
    return a;
}

QJsonValue FastJsonReader::toQJsonValue(simdjson::dom::element e)
{
    switch (e.type()) {
    case simdjson::dom::element_type::OBJECT: {
        QJsonObject o;
        for (const auto field : simdjson::dom::object(e)) {
            const qsizetype before = o.size();
            o.insert(string(field.key), toQJsonValue(field.value));
            if (o.size() == before)
                throw Unsupported {}; // a duplicate key
        }
        return o;
    }
    case simdjson::dom::element_type::ARRAY: {
        QJsonArray a;
        for (const auto item : simdjson::dom::array(e))
            a.append(toQJsonValue(item));
        return a;
    }
    case simdjson::dom::element_type::STRING:
        return string(std::string_view(e));
    case simdjson::dom::element_type::INT64:
        // Qt keeps integers that fit in 64 bits as integers (and writes them back as such) ...
        return QJsonValue(qint64(int64_t(e)));
    case simdjson::dom::element_type::UINT64:
        // ... and parses larger ones as doubles.
        return QJsonValue(double(uint64_t(e)));
    case simdjson::dom::element_type::DOUBLE: {
        // ... and a whole number that fits in 64 bits as an integer however it was written (1e6, 1000000.0),
        // which it then writes as one.
        const double d = double(e);
        if (d >= -0x1p63 && d < 0x1p63 && d == std::floor(d))
            return QJsonValue(qint64(d));
        return QJsonValue(d);
    }
    case simdjson::dom::element_type::BOOL:
        return QJsonValue(bool(e));
    case simdjson::dom::element_type::NULL_VALUE:
        return QJsonValue(QJsonValue::Null);
    }
    throw Unsupported {};
}

QJsonObject FastJsonReader::schemaObject(simdjson::dom::element e, QByteArray &compact)
{
    if (!e.is_object())
        throw Unsupported {};
    // simdjson's minified form: one text per DOM (numbers round-trip, strings escaped), so equal text means
    // an equal schema.
    const std::string text = simdjson::minify(e);
    compact = QByteArray(text.data(), qsizetype(text.size()));
    thread_local SchemaMemo memo;
    if (const auto it = memo.objects.constFind(compact); it != memo.objects.constEnd())
        return it.value();
    const QJsonObject object = toQJsonValue(e).toObject();
    if (memo.objects.size() >= memoEntries || memo.bytes + compact.size() > memoBytes) {
        memo.objects.clear();
        memo.bytes = 0;
    }
    if (compact.size() <= memoBytes / 4) {
        memo.objects.insert(compact, object);
        memo.bytes += compact.size();
    }
    return object;
}

void FastJsonReader::take(Member &slot, simdjson::dom::element value)
{
    if (slot)
        throw Unsupported {};
    slot = value;
}

} // namespace Drawbridge
