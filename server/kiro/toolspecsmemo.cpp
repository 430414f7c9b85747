// SPDX-License-Identifier: MIT
#include "toolspecsmemo.h"

#include <algorithm>

namespace Drawbridge {

namespace {

bool sameBuffer(const QString &a, const QString &b)
{
    return a.size() == b.size() && a.constData() == b.constData();
}

bool sameBuffer(const QByteArray &a, const QByteArray &b)
{
    return a.size() == b.size() && a.constData() == b.constData();
}

bool sameBuffers(const std::vector<ToolDefinition> &a, const std::vector<ToolDefinition> &b)
{
    return a.size() == b.size()
        && std::equal(a.begin(), a.end(), b.begin(), [](const ToolDefinition &x, const ToolDefinition &y) {
               return sameBuffer(x.parametersJson, y.parametersJson) && sameBuffer(x.name, y.name)
                   && sameBuffer(x.description, y.description)
                   && sameBuffer(x.descriptionUtf8, y.descriptionUtf8);
           });
}

} // namespace

bool ToolSpecsMemo::keyable(const std::vector<ToolDefinition> &tools)
{
    // Raw data (fromRawData) is not owned, so holding it does not keep its address: another text could be
    // there tomorrow. Such a buffer has no capacity; empty texts are compared by their size alone.
    const auto owned = [](const auto &text) { return text.isEmpty() || text.capacity() > 0; };
    return !tools.empty() && std::all_of(tools.begin(), tools.end(), [&](const ToolDefinition &t) {
        return !t.parametersJson.isEmpty() && owned(t.parametersJson) && owned(t.name) && owned(t.description)
            && owned(t.descriptionUtf8);
    });
}

const ToolSpecsMemo::Specs *ToolSpecsMemo::find(const std::vector<ToolDefinition> &tools) const
{
    if (!keyable(tools))
        return nullptr;
    for (const Entry &entry : m_entries) {
        if (sameBuffers(entry.tools, tools)) {
            ++m_hits;
            return &entry.specs;
        }
    }
    return nullptr;
}

void ToolSpecsMemo::insert(const std::vector<ToolDefinition> &tools, Specs specs)
{
    if (!keyable(tools) || specs.json.size() > maxSpecsBytes)
        return;
    Entry entry { tools, std::move(specs) };
    if (m_entries.size() < maxEntries) {
        m_entries.push_back(std::move(entry));
        return;
    }
    m_entries[m_next] = std::move(entry);
    m_next = (m_next + 1) % maxEntries;
}

} // namespace Drawbridge
