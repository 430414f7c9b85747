// SPDX-License-Identifier: MIT
#include "textunitsmemo.h"

#include "server/kiro/kirotokenestimator.h"

namespace Drawbridge {

TextUnitsMemo::TextUnitsMemo(size_t maxEntries, qsizetype maxBytes)
    : m_maxEntries(maxEntries), m_maxBytes(maxBytes)
{
}

qint64 TextUnitsMemo::units(const QByteArray &utf8)
{
    // Raw data is not owned (no allocation, so no capacity): its address may hold another text tomorrow,
    // and nothing here can prevent it.
    if (utf8.isEmpty() || utf8.capacity() == 0)
        return KiroTokenEstimator::unitsUtf8(utf8);
    const auto it = m_entries.find(utf8.constData());
    if (it != m_entries.end() && it->second.text.size() == utf8.size()) {
        ++m_hits;
        return it->second.units;
    }
    const qint64 units = KiroTokenEstimator::unitsUtf8(utf8);
    if (it != m_entries.end()) { // the same buffer seen at another length: keep the newer
        m_bytes -= it->second.text.size();
        m_entries.erase(it);
    }
    if (utf8.size() > m_maxBytes / 4)
        return units; // one text would take a quarter of the bound: not kept
    if (m_entries.size() >= m_maxEntries || m_bytes + utf8.size() > m_maxBytes) {
        m_entries.clear();
        m_bytes = 0;
    }
    m_entries.emplace(utf8.constData(), Entry { utf8, units });
    m_bytes += utf8.size();
    return units;
}

} // namespace Drawbridge
