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
    return !tools.empty() && std::all_of(tools.begin(), tools.end(), [](const ToolDefinition &t) {
        return !t.parametersJson.isEmpty();
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
