// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QHashFunctions>

#include <algorithm>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace Drawbridge {

/**
 * What a parser read from a JSON value, memoised per thread under the value's raw bytes (ResentBody gives
 * them: a message, the tools, the system prompt, as the client wrote them). Equal bytes are an equal value,
 * so whatever a parser reads from the value alone can be kept under them; a value written differently
 * (other whitespace, other escapes) is only a miss.
 *
 * Bounded: @p MaxEntries values and @p MaxBytes of keys, emptied when full; a key of more than a quarter of
 * that is not kept. Entries are found by a hash of the size and the first and last 256 bytes (hashing all of
 * a key of tens of KiB cost as much as comparing it), then compared whole.
 */
template<class Value, qsizetype MaxEntries, qsizetype MaxBytes> class RawJsonMemo
{
public:
    using ValueType = Value;
    static constexpr qsizetype maxEntries = MaxEntries;
    static constexpr qsizetype maxBytes = MaxBytes;

    /** The value kept under @p raw, or null; valid until the next insert(). */
    const Value *find(std::string_view raw) const
    {
        if (raw.empty())
            return nullptr;
        const auto bucket = m_entries.find(sampleHash(raw));
        if (bucket == m_entries.end())
            return nullptr;
        for (const Entry &entry : bucket->second) {
            if (std::string_view(entry.raw.constData(), size_t(entry.raw.size())) == raw)
                return &entry.value;
        }
        return nullptr;
    }
    void insert(std::string_view raw, Value value)
    {
        const auto bytes = qsizetype(raw.size());
        if (raw.empty() || bytes > maxBytes / 4)
            return;
        if (m_count >= maxEntries || m_bytes + bytes > maxBytes)
            clear();
        m_entries[sampleHash(raw)].push_back(Entry { QByteArray(raw.data(), bytes), std::move(value) });
        ++m_count;
        m_bytes += bytes;
    }
    void clear()
    {
        m_entries.clear();
        m_count = 0;
        m_bytes = 0;
    }
    qsizetype size() const { return m_count; }

private:
    struct Entry
    {
        QByteArray raw;
        Value value;
    };
    static size_t sampleHash(std::string_view raw)
    {
        const size_t sample = std::min<size_t>(raw.size(), 256);
        return qHashBits(raw.data(), sample, raw.size())
            ^ qHashBits(raw.data() + raw.size() - sample, sample, 0x9e3779b97f4a7c15u);
    }

    std::unordered_map<size_t, std::vector<Entry>> m_entries;
    qsizetype m_count = 0;
    qsizetype m_bytes = 0;
};

} // namespace Drawbridge
