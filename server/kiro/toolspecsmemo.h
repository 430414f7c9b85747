// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QHash>
#include <QString>

#include <vector>

#include "server/core/chatrequest.h"

namespace Drawbridge {

/**
 * @brief The Kiro body's specifications of a request's declared tools, memoised under the tools' own buffers.
 *
 * An agent sends the same tools with every request, and the request parsers hand them over from their tools
 * memo (ResentBody): the same strings, sharing the same buffers. Writing the specifications again (each
 * name shortened, each description sanitised, each schema looked up, everything escaped, the token units
 * counted) was 5 k instructions for two tools and 64 k for an agent's twenty (issue 18). A tool list whose
 * every name, description and schema text is the very buffer of an earlier list has the same
 * specifications, so they are kept with what writing them left behind (the declared names, the names
 * shortened, the units).
 *
 * Keys are buffer addresses, compared with the sizes. An entry holds a copy of its tools, that is a reference
 * to each buffer, so no other text can be given an address while it is a key. Lists whose schemas are not
 * held as text (ToolDefinition::parametersJson empty) are not kept: a QJsonObject has no buffer to compare;
 * nor are lists with a text in a buffer they do not own (QByteArray::fromRawData), whose address holding it
 * would not keep.
 * A few entries, the oldest replaced first (agents side by side each keep theirs); an entry's specifications
 * are bounded. One per thread, as the builder's other memos.
 */
class ToolSpecsMemo final
{
public:
    static constexpr size_t maxEntries = 4;
    static constexpr qsizetype maxSpecsBytes = 1024 * 1024;

    struct Specs
    {
        QByteArray json; ///< the specifications, comma-separated, as toolSpecifications() writes them
        int count = 0;
        qint64 units = 0; ///< what they add to the body's token-estimate units
        std::vector<QString> declaredNames; ///< the Kiro-side names, in order
        QHash<QString, QString> shortenedNames; ///< shortened name → the client's, for those shortened
    };

    /** The specifications of @p tools when an entry holds exactly these buffers, else nullptr. */
    const Specs *find(const std::vector<ToolDefinition> &tools) const;
    /** Keeps @p specs for @p tools, if they can be kept (see above). */
    void insert(const std::vector<ToolDefinition> &tools, Specs specs);

    /** Whether @p tools can be a key: every schema held as text. */
    static bool keyable(const std::vector<ToolDefinition> &tools);

    size_t entries() const { return m_entries.size(); }
    quint64 hits() const { return m_hits; }

private:
    struct Entry
    {
        std::vector<ToolDefinition> tools; ///< the references that keep the key's addresses its own
        Specs specs;
    };
    std::vector<Entry> m_entries;
    size_t m_next = 0; ///< the entry replaced next when all are taken
    mutable quint64 m_hits = 0;
};

} // namespace Drawbridge
