// SPDX-License-Identifier: MIT
#include "resentbodyhistory.h"

#include <simdjson.h>

#include <algorithm>
#include <cstring>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

namespace Drawbridge {

namespace {

bool jsonSpace(char c)
{
    return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

const char *skipSpace(const char *p, const char *end)
{
    while (p < end && jsonSpace(*p))
        ++p;
    return p;
}

/** @p p at a string's opening quote: the byte after its closing quote, or null when the body ends first. */
const char *skipString(const char *p, const char *end)
{
    ++p;
    while (p < end) {
#ifdef __SSE2__
        // Texts are most of what is scanned: 16 bytes at a time up to the next quote or backslash.
        while (end - p >= 16) {
            const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i *>(p));
            const int mask = _mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(bytes, _mm_set1_epi8('"')),
                                                            _mm_cmpeq_epi8(bytes, _mm_set1_epi8('\\'))));
            if (mask != 0) {
                p += __builtin_ctz(unsigned(mask));
                break;
            }
            p += 16;
        }
        if (p >= end)
            return nullptr;
#endif
        if (*p == '"')
            return p + 1;
        p += *p == '\\' ? 2 : 1; // an escape's second byte is never the closing quote
    }
    return nullptr;
}

/** A number, true, false or null starts with one of these; anything else gives up. */
bool scalarStart(char c)
{
    return c == '-' || (c >= '0' && c <= '9') || c == 't' || c == 'f' || c == 'n';
}

/** @p p at a scalar's first byte: the byte after it (the next space or structural character), or null. */
const char *skipScalar(const char *p, const char *end)
{
    if (!scalarStart(*p))
        return nullptr;
    while (p < end && !jsonSpace(*p) && *p != ',' && *p != '}' && *p != ']') {
        if (*p == '"' || *p == '{' || *p == '[' || *p == ':')
            return nullptr;
        ++p;
    }
    return p;
}

/**
 * @p p at a value's first byte: the byte after it, or null when it is not one this scan is sure of. Objects
 * and arrays are followed by JSON's grammar (a key, a colon and a value per member, commas between, each
 * closing bracket matching its opening one); strings up to their closing quote; scalars up to the next space
 * or structural character, their spelling left to the parse.
 */
const char *skipValue(const char *p, const char *end)
{
    if (p >= end)
        return nullptr;
    if (*p == '"')
        return skipString(p, end);
    if (*p != '{' && *p != '[')
        return skipScalar(p, end);
    // The open brackets, one bit each (1: object), as deep as simdjson follows.
    std::array<quint64, ResentBodyHistory::maxDepth / 64> objects {};
    int depth = 0;
    const auto inObject = [&] { return (objects[size_t((depth - 1) / 64)] >> ((depth - 1) % 64) & 1) != 0; };
    enum class Next { Value, KeyOrClose, ValueOrClose, CommaOrClose, Key };
    Next next = Next::Value;
    for (;;) {
        p = skipSpace(p, end);
        if (p == end)
            return nullptr;
        switch (next) {
        case Next::Value:
            if (*p == '{' || *p == '[') {
                if (depth == ResentBodyHistory::maxDepth)
                    return nullptr;
                const quint64 bit = quint64(1) << (depth % 64);
                quint64 &word = objects[size_t(depth / 64)];
                word = *p == '{' ? word | bit : word & ~bit;
                next = *p == '{' ? Next::KeyOrClose : Next::ValueOrClose;
                ++depth;
                ++p;
                continue;
            }
            if (!(p = *p == '"' ? skipString(p, end) : skipScalar(p, end)))
                return nullptr;
            next = Next::CommaOrClose;
            continue;
        case Next::KeyOrClose:
        case Next::ValueOrClose:
        case Next::CommaOrClose:
            if (*p == (inObject() ? '}' : ']')) {
                ++p;
                if (--depth == 0)
                    return p;
                next = Next::CommaOrClose;
                continue;
            }
            if (next == Next::KeyOrClose) {
                next = Next::Key;
                continue;
            }
            if (next == Next::ValueOrClose) {
                next = Next::Value;
                continue;
            }
            if (*p != ',')
                return nullptr;
            ++p;
            next = inObject() ? Next::Key : Next::Value;
            continue;
        case Next::Key:
            if (*p != '"' || !(p = skipString(p, end)))
                return nullptr;
            p = skipSpace(p, end);
            if (p == end || *p != ':')
                return nullptr;
            ++p;
            next = Next::Value;
            continue;
        }
    }
}

/** How many leading bytes @p a and @p b share. */
qsizetype commonPrefix(const char *a, const char *b, qsizetype size)
{
    constexpr qsizetype block = 4096;
    qsizetype i = 0;
    while (size - i >= block && std::memcmp(a + i, b + i, size_t(block)) == 0)
        i += block;
    while (size - i >= 64 && std::memcmp(a + i, b + i, 64) == 0)
        i += 64;
    while (i < size && a[i] == b[i])
        ++i;
    return i;
}

/** How many trailing bytes @p a and @p b (of @p aSize and @p bSize) share. */
qsizetype commonSuffix(const char *a, qsizetype aSize, const char *b, qsizetype bSize)
{
    const qsizetype size = std::min(aSize, bSize);
    const char *ae = a + aSize, *be = b + bSize;
    constexpr qsizetype block = 4096;
    qsizetype i = 0;
    while (size - i >= block && std::memcmp(ae - i - block, be - i - block, size_t(block)) == 0)
        i += block;
    while (size - i >= 64 && std::memcmp(ae - i - 64, be - i - 64, 64) == 0)
        i += 64;
    while (i < size && ae[-i - 1] == be[-i - 1])
        ++i;
    return i;
}

} // namespace

ResentBodyHistory &ResentBodyHistory::forThread()
{
    thread_local ResentBodyHistory history;
    return history;
}

bool ResentBodyHistory::Entry::sameKeys(
    std::string_view messagesKey,
    const std::array<std::string_view, ResentLayout::maxMembers> &memberKeys) const
{
    if (messagesKey != keys[0])
        return false;
    for (size_t i = 0; i < ResentLayout::maxMembers; ++i) {
        if (memberKeys[i] != keys[i + 1])
            return false;
    }
    return true;
}

std::optional<ResentLayout>
ResentBodyHistory::layOver(const QByteArray &body, std::string_view messagesKey,
                           const std::array<std::string_view, ResentLayout::maxMembers> &memberKeys)
{
    if (!m_enabled || m_entries.empty() || body.size() < minBodyBytes)
        return std::nullopt;
    const char *const data = body.constData();
    const qsizetype size = body.size();
    // The kept body with the longest common prefix, most recent first: an agent's last body is nearly always
    // it. Another can only do better if it also holds the byte where the best so far stops matching, which
    // one comparison rules out for the agent's older bodies, so that mostly one body is compared in full.
    const Entry *kept = nullptr;
    qsizetype prefix = 0;
    for (auto entry = m_entries.rbegin(); entry != m_entries.rend(); ++entry) {
        const qsizetype common = std::min(entry->body.size(), size);
        if (common <= prefix || !entry->sameKeys(messagesKey, memberKeys)
            || (kept && entry->body.constData()[prefix] != data[prefix]))
            continue;
        const qsizetype shared = commonPrefix(entry->body.constData(), data, common);
        if (shared > prefix) {
            prefix = shared;
            kept = &*entry;
        }
    }
    if (!kept || kept->layout.messagesKeyAt == ResentLayout::absent)
        return std::nullopt;
    const ResentLayout &old = kept->layout;

    // The messages that end inside the common prefix are where they were; the scan starts behind the last.
    const auto firstNot
        = std::partition_point(old.messages.begin(), old.messages.end(),
                               [&](const ResentLayout::Span &m) { return m.offset + m.size <= prefix; });
    if (firstNot == old.messages.begin())
        return std::nullopt;
    ResentLayout layout;
    layout.messages.reserve(old.messages.size() + 2);
    layout.messages.assign(old.messages.begin(), firstNot);
    layout.messagesKeyAt = old.messagesKeyAt;
    std::array<bool, ResentLayout::maxMembers> seen {};
    for (size_t i = 0; i < ResentLayout::maxMembers; ++i) {
        if (old.memberKeyAt[i] != ResentLayout::absent && old.memberKeyAt[i] < old.messagesKeyAt) {
            layout.members[i] = old.members[i];
            layout.memberKeyAt[i] = old.memberKeyAt[i];
            seen[i] = true;
        }
    }
    const char *const scanFrom = data + (layout.messages.back().offset + layout.messages.back().size);
    const char *const end = data + size;
    const char *p = scanFrom;

    // The rest of the messages array: each element an object.
    for (;;) {
        p = skipSpace(p, end);
        if (p == end)
            return std::nullopt;
        if (*p == ']') {
            ++p;
            break;
        }
        if (*p != ',')
            return std::nullopt;
        p = skipSpace(p + 1, end);
        if (p == end || *p != '{')
            return std::nullopt;
        const char *const start = p;
        if (!(p = skipValue(p, end)))
            return std::nullopt;
        layout.messages.push_back({ start - data, p - start });
    }

    // The members after it, up to the end or to a key from which the kept body's tail is this one's.
    const qsizetype suffix = commonSuffix(kept->body.constData(), kept->body.size(), data, size);
    const qsizetype shift = size - kept->body.size();
    // Where the scan stopped: the tail from there on was checked by the kept body's split.
    const char *scanned = end;
    for (;;) {
        p = skipSpace(p, end);
        if (p == end)
            return std::nullopt;
        if (*p == '}') {
            if (skipSpace(p + 1, end) != end)
                return std::nullopt;
            break;
        }
        if (*p != ',')
            return std::nullopt;
        p = skipSpace(p + 1, end);
        if (p == end || *p != '"')
            return std::nullopt;
        const qsizetype keyAt = p - data;
        if (size - keyAt <= suffix) {
            const qsizetype keptAt = keyAt - shift;
            const auto from
                = std::partition_point(old.keysAfterMessages.begin(), old.keysAfterMessages.end(),
                                       [&](const ResentLayout::Key &k) { return k.offset < keptAt; });
            if (from != old.keysAfterMessages.end() && from->offset == keptAt) {
                for (auto k = from; k != old.keysAfterMessages.end(); ++k) {
                    layout.keysAfterMessages.push_back({ k->offset + shift, k->member });
                    if (k->member < 0)
                        continue;
                    const auto m = size_t(k->member);
                    if (seen[m] || old.memberKeyAt[m] != k->offset)
                        return std::nullopt;
                    seen[m] = true;
                    layout.memberKeyAt[m] = k->offset + shift;
                    layout.members[m] = { old.members[m].offset + shift, old.members[m].size };
                }
                scanned = p;
                break;
            }
        }
        const char *const keyEnd = skipString(p, end);
        if (!keyEnd)
            return std::nullopt;
        const std::string_view key(p + 1, size_t(keyEnd - 1 - (p + 1)));
        if (key == messagesKey)
            return std::nullopt; // named twice
        int member = -1;
        for (size_t i = 0; i < ResentLayout::maxMembers; ++i) {
            if (!memberKeys[i].empty() && key == memberKeys[i]) {
                member = int(i);
                break;
            }
        }
        p = skipSpace(keyEnd, end);
        if (p == end || *p != ':')
            return std::nullopt;
        p = skipSpace(p + 1, end);
        const char *const valueAt = p;
        if (!(p = skipValue(p, end)))
            return std::nullopt;
        layout.keysAfterMessages.push_back({ keyAt, member });
        if (member >= 0) {
            const auto m = size_t(member);
            if (seen[m])
                return std::nullopt; // named twice
            seen[m] = true;
            layout.memberKeyAt[m] = keyAt;
            // As the On-Demand split: an object, an array or a string is a part; another type is not.
            if (*valueAt == '{' || *valueAt == '[' || *valueAt == '"')
                layout.members[m] = { valueAt - data, p - valueAt };
        }
    }
    // simdjson's stage 1 refuses a body that is not UTF-8; so does this, for the bytes it scanned (the rest
    // is the kept bodies'). Both ends are at ASCII bytes, so no sequence is cut.
    if (!simdjson::validate_utf8(scanFrom, size_t(scanned - scanFrom)))
        return std::nullopt;
    ++m_reused;
    return layout;
}

void ResentBodyHistory::remember(const QByteArray &body, std::string_view messagesKey,
                                 const std::array<std::string_view, ResentLayout::maxMembers> &memberKeys,
                                 ResentLayout layout)
{
    // A body in a buffer it does not own (fromRawData: no capacity) could change under the entry.
    if (!m_enabled || body.size() < minBodyBytes || body.size() > maxBodyBytes || body.capacity() == 0)
        return;
    std::erase_if(m_entries, [&](const Entry &e) { return e.body.constData() == body.constData(); });
    Entry entry { body, {}, std::move(layout) };
    entry.keys[0] = messagesKey;
    for (size_t i = 0; i < ResentLayout::maxMembers; ++i)
        entry.keys[i + 1] = memberKeys[i];
    m_entries.push_back(std::move(entry));
    qsizetype total = 0;
    for (const Entry &e : m_entries)
        total += e.body.size();
    while (m_entries.size() > maxEntries || total > maxTotalBytes) {
        total -= m_entries.front().body.size();
        m_entries.erase(m_entries.begin());
    }
}

} // namespace Drawbridge
