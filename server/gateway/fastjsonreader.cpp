// SPDX-License-Identifier: MIT
#include "fastjsonreader.h"

#include "server/core/jsonescape.h"

#include <QHash>
#include <QJsonArray>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

namespace Drawbridge {

namespace {

// One parser per thread, reused: simdjson sizes its buffers to the largest body seen, and allocating them per
// request (hundreds of KiB, fresh pages each time) would cost as much as parsing. Parsers are static
// functions called on the event-loop thread, so a thread-local is the owner; past a large body the buffers
// are released (keepParserCapacity).
simdjson::dom::parser &threadParser()
{
    thread_local simdjson::dom::parser parser;
    return parser;
}

constexpr qsizetype memoEntries = 256;
constexpr qsizetype memoBytes = 1024 * 1024; // of fingerprints and texts; the objects take a few times that

/** Schema fingerprint → its compact text and the QJsonObject it converts to; emptied when full, so bounded.
 */
struct SchemaMemo
{
    struct Schema
    {
        QByteArray compact;
        QJsonObject object;
    };
    QHash<QByteArray, Schema> schemas;
    qsizetype bytes = 0;
};

/**
 * The fingerprint's bytes: written through a pointer into room made ahead, one call per value, instead of an
 * append per tag, length and text (std::string checks its capacity on each; the walk over an agent's 20
 * tool schemas was about 7 k instructions a schema, issue 18).
 */
class PrintBuffer
{
public:
    void clear()
    {
        // One grown by a huge schema is not kept.
        if (m_bytes.size() > 64 * 1024)
            std::vector<char>().swap(m_bytes);
        m_size = 0;
    }
    // Inlined: one call per value made it a quarter of the walk (issue 18).
    [[gnu::always_inline]] char *room(size_t n)
    {
        if (m_size + n > m_bytes.size()) [[unlikely]]
            grow(n);
        char *p = m_bytes.data() + m_size;
        m_size += n;
        return p;
    }
    void tagged(char tag, const void *data, size_t n)
    {
        char *p = room(1 + n);
        *p = tag;
        std::memcpy(p + 1, data, n);
    }
    /**
     * A tag, the length of @p text in 7-bit groups (one byte below 128, as keys and most values are: the
     * fingerprint is hashed and compared whole, so its size counts), and its bytes.
     */
    void text(char tag, std::string_view text)
    {
        size_t length = text.size();
        char *p = room(1 + 10 + text.size());
        *p++ = tag;
        while (length >= 0x80) {
            *p++ = char(0x80 | (length & 0x7f));
            length >>= 7;
        }
        *p++ = char(length);
        std::memcpy(p, text.data(), text.size());
        m_size = size_t(p + text.size() - m_bytes.data());
    }
    QByteArray view() const { return QByteArray::fromRawData(m_bytes.data(), qsizetype(m_size)); }

private:
    void grow(size_t n) { m_bytes.resize(std::max({ m_bytes.size() * 2, m_size + n, size_t(4096) })); }

    std::vector<char> m_bytes;
    size_t m_size = 0;
};

/**
 * Appends a fingerprint of @p e: a type tag per value, strings and keys as their length and bytes, numbers
 * as their 8 bytes, containers closed by an end tag. Different DOMs have different fingerprints (the form
 * can be read back unambiguously), and equal DOMs minify to equal text, so a schema's memo entry is found
 * by its fingerprint without minifying it, which cost about 13 k instructions for an agent's tool schema
 * (issue 18). Recursion is bounded by the parser's depth limit.
 */
void appendFingerprint(PrintBuffer &out, simdjson::dom::element e)
{
    using simdjson::dom::element_type;
    switch (e.type()) {
    case element_type::OBJECT:
        *out.room(1) = '{';
        for (const simdjson::dom::key_value_pair field : simdjson::dom::object(e)) {
            out.text('k', field.key);
            appendFingerprint(out, field.value);
        }
        *out.room(1) = '}';
        break;
    case element_type::ARRAY:
        *out.room(1) = '[';
        for (const simdjson::dom::element value : simdjson::dom::array(e))
            appendFingerprint(out, value);
        *out.room(1) = ']';
        break;
    case element_type::STRING:
        out.text('s', std::string_view(e));
        break;
    case element_type::INT64: {
        const int64_t v(e);
        out.tagged('i', &v, sizeof v);
        break;
    }
    case element_type::UINT64: {
        const uint64_t v(e);
        out.tagged('u', &v, sizeof v);
        break;
    }
    case element_type::DOUBLE: {
        const double v(e);
        out.tagged('d', &v, sizeof v);
        break;
    }
    case element_type::BOOL:
        *out.room(1) = bool(e) ? 't' : 'f';
        break;
    case element_type::NULL_VALUE:
        *out.room(1) = 'n';
        break;
    }
}

} // namespace

FastJsonReader::FastJsonReader(const QByteArray &body)
{
    simdjson::dom::parser &parser = threadParser();
    if (parser.capacity() > keepParserCapacity && size_t(body.size()) <= keepParserCapacity
        && parser.allocate(keepParserCapacity, maxDepth))
        throw Unsupported {};
    if (parser.max_depth() != maxDepth
        && parser.allocate(std::max(parser.capacity(), size_t(4096)), maxDepth))
        throw Unsupported {};
    simdjson::dom::element root;
    // simdjson reads up to SIMDJSON_PADDING bytes past the end. The HTTP parser reserves that much behind a
    // body of known length (allocated, so readable; their values do not matter), and then the body is parsed
    // where it is; otherwise simdjson copies it into a padded buffer of its own (one memcpy of the whole
    // body).
    if (parser.parse(body.constData(), size_t(body.size()), !paddedInPlace(body)).get(root))
        throw Unsupported {};
    if (root.get_object().get(m_root))
        throw Unsupported {};
    m_document = &parser.doc;
}

// The tape layout (simdjson's doc/tape.md, stable since 0.3): one 64-bit word per value, its type in the top
// byte; a string's word holds the offset of its 32-bit length and bytes in string_buf, where strings follow
// one another in document order; an opening bracket's word holds (low 32 bits) the index after its closing
// one, a closing bracket's the index of its opening one; a number's word is followed by its 64 bits.
static_assert(simdjson::SIMDJSON_VERSION_MAJOR == 3, "valueKey() reads simdjson 3's tape");

namespace {

constexpr uint64_t tapePayload = simdjson::internal::JSON_VALUE_MASK;

char tapeType(uint64_t word)
{
    return char(word >> 56);
}

bool isNumberType(char type)
{
    return type == 'l' || type == 'u' || type == 'd';
}

/** The index after the value at @p i. */
size_t afterValue(const uint64_t *tape, size_t i)
{
    const char type = tapeType(tape[i]);
    if (type == '{' || type == '[')
        return size_t(uint32_t(tape[i]));
    return isNumberType(type) ? i + 2 : i + 1;
}

/** The key of the value at @p value of @p document's tape (see FastJsonReader::MemberKey). */
FastJsonReader::MemberKey keyOfValue(const simdjson::dom::document &document, size_t value)
{
    const uint64_t *const tape = document.tape.get();
    const uint8_t *const strings = document.string_buf.get();
    const size_t end = afterValue(tape, value);
    // The key: [length of the structure][the structure: each word's type, a number's bits after its type],
    // and the value's strings (each as its 32-bit length, bytes and NUL) where they are. The offsets and
    // indexes in the words follow from the structure and the lengths, so they are left out: the value can be
    // rebuilt from its key, and equal values have equal keys.
    // A word takes one byte, a number (two words) nine: at most five bytes a word.
    QByteArray key(qsizetype(8 + 5 * (end - value)), Qt::Uninitialized);
    char *out = key.data() + 8;
    size_t firstString = 0, lastString = 0;
    bool anyString = false;
    for (size_t at = value; at < end; ++at) {
        const uint64_t word = tape[at];
        const char type = tapeType(word);
        *out++ = type;
        if (isNumberType(type)) {
            std::memcpy(out, &tape[++at], 8); // the number's bits, whatever their top byte
            out += 8;
        } else if (type == '"') {
            lastString = size_t(word & tapePayload);
            if (!anyString)
                firstString = lastString;
            anyString = true;
        }
    }
    key.truncate(out - key.constData());
    const uint64_t structureSize = uint64_t(key.size() - 8);
    std::memcpy(key.data(), &structureSize, 8);
    QByteArrayView valueStrings;
    if (anyString) {
        uint32_t length;
        std::memcpy(&length, strings + lastString, sizeof length);
        const size_t stringsEnd = lastString + 4 + length + 1;
        valueStrings = QByteArrayView(reinterpret_cast<const char *>(strings + firstString),
                                      qsizetype(stringsEnd - firstString));
    }
    return FastJsonReader::MemberKey { key, valueStrings };
}

} // namespace

FastJsonReader::MemberKey FastJsonReader::valueKey(simdjson::dom::element e)
{
    // simdjson's element is its place on the tape (the document and the index), which it does not hand out:
    // read from its bytes, and taken only when it is the document this thread's reader parsed and the word
    // there has the element's type. Otherwise the key is empty, and a memo then just does not find or keep
    // it.
    struct Place
    {
        const simdjson::dom::document *document;
        size_t index;
    };
    static_assert(sizeof(simdjson::dom::element) == sizeof(Place)
                  && std::is_trivially_copyable_v<simdjson::dom::element>);
    Place place;
    std::memcpy(&place, &e, sizeof place);
    const simdjson::dom::document *const document = &threadParser().doc;
    if (place.document != document || place.index < 1 || place.index >= size_t(uint32_t(document->tape[0])))
        return MemberKey {};
    const char type = tapeType(document->tape[place.index]);
    bool matches = false;
    switch (e.type()) {
    case simdjson::dom::element_type::OBJECT:
        matches = type == '{';
        break;
    case simdjson::dom::element_type::ARRAY:
        matches = type == '[';
        break;
    case simdjson::dom::element_type::STRING:
        matches = type == '"'
            && reinterpret_cast<const char *>(document->string_buf.get()
                                              + (document->tape[place.index] & tapePayload) + 4)
                == std::string_view(e).data();
        break;
    default:
        break; // only containers and strings are worth a key
    }
    return matches ? keyOfValue(*document, place.index) : MemberKey {};
}

namespace {

/**
 * Texts and their JSON forms, shared by every message that carries them (FastJsonReader::setText()): found by
 * a hash of the size and the first and last 256 bytes, then compared whole. Emptied when it would hold more
 * than @ref FastJsonReader::memoTextEntries texts or @ref FastJsonReader::memoTextKeyBytes bytes of them.
 */
class TextMemo
{
public:
    struct Forms
    {
        QByteArray utf8;
        QByteArray json;
    };

    const Forms *find(std::string_view text) const
    {
        const auto bucket = m_forms.find(hash(text));
        if (bucket == m_forms.end())
            return nullptr;
        for (const Forms &forms : bucket->second) {
            if (QByteArrayView(forms.utf8) == QByteArrayView(text.data(), qsizetype(text.size())))
                return &forms;
        }
        return nullptr;
    }
    const Forms &insert(Forms forms)
    {
        const qsizetype bytes = forms.utf8.size() + forms.json.size();
        if (m_count >= FastJsonReader::memoTextEntries
            || m_bytes + bytes > FastJsonReader::memoTextKeyBytes) {
            m_forms.clear();
            m_count = 0;
            m_bytes = 0;
        }
        ++m_count;
        m_bytes += bytes;
        std::vector<Forms> &bucket = m_forms[hash(forms.utf8)];
        bucket.push_back(std::move(forms));
        return bucket.back();
    }

private:
    static size_t hash(std::string_view text)
    {
        const size_t sample = std::min<size_t>(text.size(), 256);
        return qHashBits(text.data(), sample, text.size())
            ^ qHashBits(text.data() + text.size() - sample, sample, 0x9e3779b97f4a7c15u);
    }
    static size_t hash(const QByteArray &text)
    {
        return hash(std::string_view(text.constData(), size_t(text.size())));
    }

    std::unordered_map<size_t, std::vector<Forms>> m_forms;
    qsizetype m_count = 0;
    qsizetype m_bytes = 0;
};

TextMemo &textMemo()
{
    thread_local TextMemo memo;
    return memo;
}

} // namespace

void FastJsonReader::releaseThreadBuffers()
{
    // A parser that never parsed owns no buffers; the next body sets the depth and capacity as the first did.
    threadParser() = simdjson::dom::parser {};
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
    // Only the UTF-8 (simdjson validated it): converting every text to UTF-16 here cost about a tenth of a
    // 144 KiB agent request, for a builder that writes most texts back as the same UTF-8 (issue 18).
    msg.text.clear();
    msg.textUtf8 = QByteArray(utf8.data(), qsizetype(utf8.size()));
    msg.textJson.clear();
}

void FastJsonReader::setText(ChatMessage &msg, simdjson::dom::element e)
{
    const std::string_view text = utf8(e);
    if (qsizetype(text.size()) < memoTextBytes || qsizetype(text.size()) > memoTextKeyBytes / 8) {
        setText(msg, text);
        return;
    }
    TextMemo &memo = textMemo();
    const TextMemo::Forms *forms = memo.find(text);
    if (!forms) {
        TextMemo::Forms made { QByteArray(text.data(), qsizetype(text.size())), QByteArray() };
        appendJsonString(made.json, made.utf8);
        made.json.squeeze(); // written with room for escapes to spare; kept for as long as it is sent
        forms = &memo.insert(std::move(made));
    }
    msg.text.clear();
    msg.textUtf8 = forms->utf8;
    msg.textJson = forms->json;
}

void FastJsonReader::appendText(ChatMessage &msg, simdjson::dom::element e)
{
    if (!msg.hasText())
        setText(msg, e);
    else
        appendText(msg, utf8(e));
}

void FastJsonReader::appendText(ChatMessage &msg, std::string_view utf8)
{
    if (!msg.hasText()) {
        setText(msg, utf8);
        return;
    }
    if (msg.textUtf8.isEmpty()) { // held as UTF-16 so far: keep that form
        msg.text += u'\n';
        msg.text += string(utf8);
        return;
    }
    msg.textUtf8 += '\n';
    msg.textUtf8 += QByteArrayView(utf8.data(), qsizetype(utf8.size()));
    msg.textJson.clear();
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
    thread_local SchemaMemo memo;
    // One buffer per thread: after the first schemas, a fingerprint costs no allocation.
    thread_local PrintBuffer print;
    print.clear();
    appendFingerprint(print, e);
    const QByteArray fingerprint = print.view();
    if (const auto it = memo.schemas.constFind(fingerprint); it != memo.schemas.constEnd()) {
        compact = it->compact;
        return it->object;
    }
    // simdjson's minified form: one text per DOM (numbers round-trip, strings escaped), so equal text means
    // an equal schema.
    const std::string text = simdjson::minify(e);
    compact = QByteArray(text.data(), qsizetype(text.size()));
    const QJsonObject object = toQJsonValue(e).toObject();
    const qsizetype size = fingerprint.size() + compact.size();
    if (memo.schemas.size() >= memoEntries || memo.bytes + size > memoBytes) {
        memo.schemas.clear();
        memo.bytes = 0;
    }
    if (size <= memoBytes / 4) {
        memo.schemas.insert(QByteArray(fingerprint.constData(), fingerprint.size()), { compact, object });
        memo.bytes += size;
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
