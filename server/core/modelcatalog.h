// SPDX-License-Identifier: MIT
#pragma once

#include <QString>
#include <QStringList>

#include <optional>

#include "settings.h"

namespace Drawbridge {

/**
 * @brief Public model ids and how they map to upstream (Kiro) ids (contract §3 "Model ids").
 *
 * `kiro` maps to the default model; listed Kiro ids pass through; aliases map other names; Anthropic-style
 * names that normalize to a listed id (date suffix, `[1m]`, `-thinking`, dashes between version digits) are
 * accepted without being listed.
 */
class ModelCatalog final
{
public:
    static constexpr auto publicModelId = "kiro";

    explicit ModelCatalog(const KiroSettings &settings);

    /** The upstream model id for @p requested, or nullopt when unknown. */
    std::optional<QString> resolve(const QString &requested) const;
    /** Every id /v1/models lists: `kiro`, the Kiro ids, then the aliases. */
    QStringList listed() const;
    /** True if @p requested names a model thinking/reasoning variant (`-thinking`). */
    static bool requestsThinking(const QString &requested);
    /** Lower-case, suffixes stripped, version dashes turned into dots. */
    static QString normalize(const QString &name);

private:
    QString m_defaultModel;
    QStringList m_models;
    QMap<QString, QString> m_aliases;
};

} // namespace Drawbridge
