// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>

#include "resentbodyhistory.h"

#include <array>
#include <string_view>
#include <vector>

namespace Drawbridge {

/**
 * A client body split into the parts an agent sends again with every request (issue 18): each message of
 * the conversation and a few whole members (the tools, the system prompt), as raw byte ranges of the body.
 *
 * A coding agent's request is its whole conversation so far plus one new message; parsing all of it again
 * (simdjson's tape and every string unescaped, then read into a ChatRequest) was most of a 144 KiB request's
 * parse. split() finds the parts with simdjson On-Demand, which only indexes the body (no tape, no string is
 * unescaped); a parser looks each part up in its memo (RawJsonMemo), marks the ones it knows with replace(),
 * and parses reduced(): the body with each known part written as the placeholder `0`. That is the body's own
 * bytes but for those parts, each of which is byte for byte a value the parser read in full before, so the
 * reduced body is valid JSON exactly when the client's is, and the parse still checks every byte it has not
 * seen (duplicate keys included).
 *
 * A body much like one this thread split before is not indexed again: ResentBodyHistory lays the earlier
 * body's layout over it and scans only what changed.
 *
 * split() only takes what it is sure of: a body that is not an object, a member named twice, or a message
 * that is not an object makes it return false, and the parser reads the body as it is.
 */
class ResentBody final
{
public:
    /** Members besides the messages whose bytes split() gives (member()). */
    static constexpr size_t maxMembers = 2;

    /**
     * Splits @p body, a JSON object: the elements of its array member @p messagesKey, and the members
     * @p memberKeys (empty names are not looked for). Keys are compared as the client wrote them, so a
     * key written with escapes is just another member (the parse then reads it as before). @p body must
     * outlive this object. False when the body is not one to split (see above).
     */
    bool split(const QByteArray &body, std::string_view messagesKey,
               std::array<std::string_view, maxMembers> memberKeys);

    qsizetype messageCount() const { return qsizetype(m_messages.size()); }
    /** Message @p i's bytes (an object, without the whitespace after it); empty when there is no such. */
    std::string_view message(qsizetype i) const
    {
        return i >= 0 && i < messageCount() ? m_messages[size_t(i)].bytes : std::string_view();
    }
    /**
     * Member @p i's bytes: an object, an array or a string; empty when the body has no such member or it is
     * of another type.
     */
    std::string_view member(size_t i) const
    {
        return i < maxMembers ? m_members[i].bytes : std::string_view();
    }

    /**
     * Looks each message up in @p memo (a RawJsonMemo) and replaces the ones it knows. Their values, by
     * message (null: not known), valid until the memo's next insert; none after a split() that failed.
     */
    template<class Memo> std::vector<const typename Memo::ValueType *> replaceKnownMessages(const Memo &memo)
    {
        std::vector<const typename Memo::ValueType *> known(static_cast<size_t>(messageCount()));
        for (qsizetype i = 0; i < messageCount(); ++i) {
            if ((known[size_t(i)] = memo.find(message(i))))
                replaceMessage(i);
        }
        return known;
    }
    /** The same for member @p i: its value in @p memo, or null. */
    template<class Memo> const typename Memo::ValueType *replaceKnownMember(size_t i, const Memo &memo)
    {
        const typename Memo::ValueType *known = memo.find(member(i));
        if (known)
            replaceMember(i);
        return known;
    }

    void replaceMessage(qsizetype i) { m_messages[size_t(i)].replaced = true; }
    void replaceMember(size_t i) { m_members[i].replaced = true; }
    bool messageReplaced(qsizetype i) const
    {
        return i >= 0 && i < messageCount() && m_messages[size_t(i)].replaced;
    }
    bool memberReplaced(size_t i) const { return i < maxMembers && m_members[i].replaced; }

    /**
     * The body to parse: the client's with each replaced part written as `0` (the body itself, shared, when
     * none is), with simdjson's padding reserved behind it.
     */
    QByteArray reduced() const;

    /** How many parts reduced() has replaced on this thread, ever (for tests: the memos are really used). */
    static quint64 threadReplacedCount();

    /** Frees this thread's On-Demand parser buffers (GatewayServer's idle release, as FastJsonReader's). */
    static void releaseThreadBuffers();

private:
    bool splitParts(const QByteArray &body, std::string_view messagesKey,
                    std::array<std::string_view, maxMembers> memberKeys, ResentLayout &layout);

    struct Part
    {
        std::string_view bytes;
        bool replaced = false;
    };

    const QByteArray *m_body = nullptr;
    QByteArray m_padded; ///< a copy of a body without simdjson's padding behind it (the parts point here)
    std::vector<Part> m_messages;
    std::array<Part, maxMembers> m_members {};
};

} // namespace Drawbridge
