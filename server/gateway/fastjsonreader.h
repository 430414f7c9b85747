// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QHash>
#include <QJsonObject>
#include <QString>

#include <algorithm>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <simdjson.h>

// The define changes dom::parser's layout; a file compiled without it that instantiates the parser's inline
// members can have the linker pick them over the library's (one definition each), and the parser is then
// read with the wrong offsets. Link simdjson::simdjson, which sets it.
#ifndef SIMDJSON_THREADS_ENABLED
#error "simdjson.h included without SIMDJSON_THREADS_ENABLED: link simdjson::simdjson"
#endif

#include "server/core/chatrequest.h"

namespace Drawbridge {

/**
 * @brief The request parsers' single-pass JSON reader (issue 18): simdjson's DOM parser over the client body.
 *
 * `QJsonDocument::fromJson` builds a tree of UTF-16 strings for a body that is only re-shaped for the
 * upstream, and each lookup in it copies again; for a 144 KiB agent request that was most of the gateway's
 * cost. This reader parses at SIMD speed (bench/jsonbench.cpp measured the candidates) and hands out views
 * into its own buffer; the parsers copy each string once, into the ChatRequest.
 *
 * It only takes what it is sure of. Anything it would have to guess about (a body simdjson rejects, a
 * duplicate key, which Qt resolves its own way, nesting deeper than @ref maxDepth) throws @ref Unsupported,
 * and the parser then runs its `QJsonDocument` path, which gives the same result or the same clear error as
 * before.
 */
class FastJsonReader final
{
public:
    /** Thrown when a body must be left to the QJsonDocument path. */
    struct Unsupported
    {
    };

    /**
     * A thread's simdjson parsers keep buffers for bodies up to this size; past a larger body they are
     * allocated again at this size (its buffers are several times the body).
     */
    static constexpr size_t keepParserCapacity = 1024 * 1024;

    /** Well below Qt's own nesting limit (1,024), so that nothing Qt refuses is accepted here. */
    static constexpr size_t maxDepth = 512;

    /** Parses @p body; throws Unsupported unless it is a JSON object. */
    explicit FastJsonReader(const QByteArray &body);

    /**
     * Frees this thread's parser buffers (up to a few MiB after a large body: simdjson sizes them to the
     * body). For an idle process (GatewayServer's idle release), never the request path: the next body
     * allocates them again.
     */
    static void releaseThreadBuffers();

    simdjson::dom::object root() const { return m_root; }

    /**
     * Whether simdjson may read @p body where it is: it reads up to SIMDJSON_PADDING bytes past the end,
     * which must be allocated (their values do not matter). The HTTP parser reserves them behind a body.
     */
    static bool paddedInPlace(const QByteArray &body)
    {
        // data_ptr() only to read the room left behind the bytes (capacity() counts the room before them
        // too); nothing is detached.
        return size_t(const_cast<QByteArray &>(body).data_ptr().freeSpaceAtEnd())
            >= size_t(simdjson::SIMDJSON_PADDING);
    }

    /** The value of a member that may be absent; JSON null counts as absent, as the parsers treat it. */
    using Member = std::optional<simdjson::dom::element>;

    static QString string(std::string_view utf8)
    {
        return QString::fromUtf8(utf8.data(), qsizetype(utf8.size()));
    }
    /** A string value, or Unsupported for any other type. */
    static QString string(simdjson::dom::element e);
    /** A string value as simdjson's UTF-8 view (valid UTF-8), or Unsupported for any other type. */
    static std::string_view utf8(simdjson::dom::element e);
    /** Sets @p msg's text to @p utf8, and ChatMessage::textUtf8 with it. */
    static void setText(ChatMessage &msg, std::string_view utf8);
    /**
     * Sets @p msg's text to the string @p e (else Unsupported). A text of @ref memoTextBytes or more is
     * memoised per thread with its JSON form (ChatMessage::textJson), and messages share both: agents resend
     * the whole conversation with every request, and escaping its texts for the upstream body again each
     * time was the largest part of writing it (issue 18). Bounded: @ref memoTextEntries texts and
     * @ref memoTextKeyBytes bytes of texts and JSON forms (emptied when full; a text of more than an eighth
     * of that is not kept). The idle release leaves it: an agent's next request often comes after a pause
     * longer than the release waits (a tool that runs, a user who reads).
     */
    static void setText(ChatMessage &msg, simdjson::dom::element e);
    /** Appends @p utf8 to @p msg's text (and textUtf8), after a line break unless the text is empty. */
    static void appendText(ChatMessage &msg, std::string_view utf8);
    /** appendText() of the string @p e (else Unsupported): setText(msg, e) while the text is empty. */
    static void appendText(ChatMessage &msg, simdjson::dom::element e);
    static constexpr qsizetype memoTextBytes = 128;
    static constexpr qsizetype memoTextEntries = 4096;
    static constexpr qsizetype memoTextKeyBytes = 4 * 1024 * 1024;
    static bool isAbsent(const Member &m) { return !m || m->is_null(); }
    /** A JSON number as double, or Unsupported. */
    static double number(simdjson::dom::element e);
    /** An object, or Unsupported. */
    static simdjson::dom::object object(simdjson::dom::element e);
    /** An array, or Unsupported. */
    static simdjson::dom::array array(simdjson::dom::element e);
    /** @p e converted as QJsonDocument would have parsed it (duplicate keys: Unsupported). */
    static QJsonValue toQJsonValue(simdjson::dom::element e);
    /**
     * A tool schema (an object, else Unsupported) as toQJsonValue() converts it, and its compact text in
     * @p compact (ToolDefinition::parametersJson). Agents send the same tools with every request, so schemas
     * are memoised per thread by a fingerprint of their DOM (bounded: 256 schemas, 1 MiB of fingerprints and
     * texts); a repeat costs a walk of the DOM and a hash lookup instead of a QJsonObject tree and the text.
     */
    static QJsonObject schemaObject(simdjson::dom::element e, QByteArray &compact);
    /** Assigns @p value to @p slot; a key seen twice in one object is Unsupported. */
    static void take(Member &slot, simdjson::dom::element value);

    /**
     * A value as a memo key: @ref structure holds its part of simdjson's tape (each word's type, a number's
     * bits after it; the offsets and indexes the words hold follow from the rest), and @ref strings views the
     * strings it refers to (each as its 32-bit length, bytes and NUL) in the parser's buffer, valid until the
     * thread's next parse. Two values have equal keys exactly when they are equal DOMs (member order and
     * number kinds included), so whatever a parser reads from a value alone can be memoised under its key.
     */
    struct MemberKey
    {
        QByteArray structure; ///< empty: no key
        QByteArrayView strings;

        bool isEmpty() const { return structure.isEmpty(); }
        qsizetype size() const { return structure.size() + strings.size(); }
    };

    /**
     * The key of @p e, an object, an array or a string of the document this thread's reader parsed last;
     * empty for anything else (a memo then neither finds nor keeps it). Agents resend every earlier tool
     * call: the Anthropic parser keys each tool_use input by it (issue 18); a key costs a pass over the
     * value's tape, and a lookup a comparison of its strings where they are.
     */
    static MemberKey valueKey(simdjson::dom::element e);

    /**
     * What a parser read from a value, memoised per thread under its key (a `thread_local` of the parser's):
     * bounded to @p MaxEntries values and @p MaxBytes of keys, emptied when full; a key of more than a
     * quarter of that is not kept. Entries are found by a hash of a sample of the key, then compared whole.
     */
    template<class Value, qsizetype MaxEntries = 32, qsizetype MaxBytes = 2 * 1024 * 1024> class MemberMemo
    {
    public:
        static constexpr qsizetype maxEntries = MaxEntries;
        static constexpr qsizetype maxBytes = MaxBytes;

        const Value *find(const MemberKey &key) const
        {
            if (key.isEmpty())
                return nullptr;
            const auto bucket = m_entries.find(sampleHash(key.structure, key.strings));
            if (bucket == m_entries.end())
                return nullptr;
            for (const Entry &entry : bucket->second) {
                if (entry.structure == key.structure && entry.strings == key.strings)
                    return &entry.value;
            }
            return nullptr;
        }
        void insert(const MemberKey &key, Value value)
        {
            if (key.isEmpty() || key.size() > maxBytes / 4)
                return;
            if (m_count >= maxEntries || m_bytes + key.size() > maxBytes) {
                m_entries.clear();
                m_count = 0;
                m_bytes = 0;
            }
            m_entries[sampleHash(key.structure, key.strings)].push_back(
                Entry { key.structure, key.strings.toByteArray(), std::move(value) });
            ++m_count;
            m_bytes += key.size();
        }
        qsizetype size() const { return m_count; }

    private:
        struct Entry
        {
            QByteArray structure;
            QByteArray strings;
            Value value;
        };
        /**
         * A hash of the sizes, the structure's first and the strings' last 256 bytes: a match is compared
         * whole anyway, and hashing all of a key of tens of KiB cost as much as comparing it.
         */
        static size_t sampleHash(QByteArrayView structure, QByteArrayView strings)
        {
            const qsizetype head = std::min<qsizetype>(structure.size(), 256);
            const qsizetype tail = std::min<qsizetype>(strings.size(), 256);
            return qHashBits(structure.data(), size_t(head), size_t(structure.size()))
                ^ qHashBits(strings.data() + strings.size() - tail, size_t(tail), size_t(strings.size()));
        }

        std::unordered_map<size_t, std::vector<Entry>> m_entries;
        qsizetype m_count = 0;
        qsizetype m_bytes = 0;
    };

private:
    simdjson::dom::object m_root;
    const simdjson::dom::document *m_document = nullptr;
};

} // namespace Drawbridge
