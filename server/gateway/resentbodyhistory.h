// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace Drawbridge {

/**
 * Where ResentBody found the parts of one body: byte offsets, so that a layout can be laid over another body
 * holding the same bytes at other addresses.
 */
struct ResentLayout
{
    static constexpr size_t maxMembers = 2;
    static constexpr qsizetype absent = -1;

    struct Span
    {
        qsizetype offset = 0;
        qsizetype size = 0; ///< 0: not a part (a member of another type)
    };
    /** A top-level key after the messages array: where its opening quote is, and which member it names. */
    struct Key
    {
        qsizetype offset = 0;
        int member = -1; ///< -1: none of the members looked for
    };

    std::vector<Span> messages;
    std::array<Span, maxMembers> members {};
    std::array<qsizetype, maxMembers> memberKeyAt { absent, absent }; ///< where each member's key is
    qsizetype messagesKeyAt = absent;
    std::vector<Key> keysAfterMessages;
};

/**
 * The last few bodies this thread split, with their layouts (issue 18). A coding agent's next body is its
 * last one with messages added or its last message changed: byte for byte the same up to somewhere in the
 * messages array, and often again from the members after it (Claude Code and the OpenAI SDKs write the tools
 * and the system prompt after the messages) to the end. simdjson's stage 1 over all of it was a third of a
 * 144 KiB request's instructions.
 *
 * layOver() finds the kept body with the longest common prefix. How JSON tokenizes at any offset depends only
 * on the bytes before it, so every message that ends inside the common prefix is at the same offset in the
 * new body, in the same place in its structure. From the end of the last such message it scans the rest of
 * the array and the members after it itself (strings, escapes and nesting, nothing unescaped); when it
 * reaches a top-level key from which the rest of the body is the kept body's own tail, at a place where the
 * kept body had a top-level key too, both are in the same state there and the kept layout of that tail holds.
 * It is stricter than the On-Demand split, never looser: anything unexpected (a message that is not an
 * object, a member named twice, a malformed token, too deep a nesting) gives up, and ResentBody splits the
 * body afresh, which then decides.
 *
 * Bounded: 4 bodies, at most 4 MiB of them together; a body over 2 MiB is not kept, nor one under 2 KiB,
 * which is cheaper to split afresh. Entries hold a reference
 * to their body, so its bytes cannot change while kept; a body in a buffer it does not own is not kept.
 */
class ResentBodyHistory final
{
public:
    static constexpr size_t maxEntries = 4;
    static constexpr qsizetype maxBodyBytes = 2 * 1024 * 1024;
    static constexpr qsizetype maxTotalBytes = 4 * 1024 * 1024;
    /** Smaller bodies are split afresh: On-Demand over them costs less than looking them up. */
    static constexpr qsizetype minBodyBytes = 2048;
    /** Nesting a scan follows at most (simdjson's default depth); deeper gives up. */
    static constexpr int maxDepth = 1024;

    /** This thread's history. */
    static ResentBodyHistory &forThread();

    /**
     * The layout of @p body split by @p messagesKey and @p memberKeys, from a kept body of the same keys, or
     * nothing (split afresh).
     */
    std::optional<ResentLayout>
    layOver(const QByteArray &body, std::string_view messagesKey,
            const std::array<std::string_view, ResentLayout::maxMembers> &memberKeys);
    /** Keeps @p body, which splits as @p layout, as the most recent. */
    void remember(const QByteArray &body, std::string_view messagesKey,
                  const std::array<std::string_view, ResentLayout::maxMembers> &memberKeys,
                  ResentLayout layout);
    void clear() { m_entries.clear(); }
    size_t size() const { return m_entries.size(); }

    /**
     * Off: layOver() finds nothing and remember() keeps nothing, and what is kept stays for when it is on
     * again (tests compare against a fresh split).
     */
    void setEnabled(bool on) { m_enabled = on; }
    /** How many layouts layOver() gave on this thread, ever (tests: the history is really used). */
    quint64 reusedCount() const { return m_reused; }

private:
    struct Entry
    {
        QByteArray body;
        std::array<std::string, 1 + ResentLayout::maxMembers> keys; ///< the messages key, then the members'
        ResentLayout layout;

        bool sameKeys(std::string_view messagesKey,
                      const std::array<std::string_view, ResentLayout::maxMembers> &memberKeys) const;
    };

    std::vector<Entry> m_entries; ///< most recent last
    bool m_enabled = true;
    quint64 m_reused = 0;
};

} // namespace Drawbridge
