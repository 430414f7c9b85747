// SPDX-License-Identifier: MIT
#pragma once

#include <QMap>
#include <QString>
#include <QStringList>

#include <optional>

#include "settings.h"

namespace Drawbridge {

/**
 * @brief Public model ids and how they map to upstream (Kiro) ids (docs/api.md#models).
 *
 * `kiro` maps to the default model; listed Kiro ids pass through; aliases map other names; Anthropic-style
 * names that normalize to a listed id (date suffix, `[1m]`, `-thinking`, dashes between version digits) are
 * accepted without being listed. Claude clients name models the pool does not have (Claude Code defaults to
 * its newest release): any other `claude-opus-*`, `claude-sonnet-*` or `claude-haiku-*` id, and Claude Code's
 * own aliases `opus`, `sonnet`, `haiku` and `best`, resolve to the newest listed model of that family, else
 * of the closest family. `kiro.strict_models` turns that fallback off for `claude-*` ids.
 *
 * The provider tells which models its accounts may use (setAccountModels): from then on those are the listed
 * models (/v1/models, the family fallback) and are accepted as well as `kiro.models`.
 */
class ModelCatalog final
{
public:
    static constexpr auto publicModelId = "kiro";

    /** How a requested id found its upstream model; the route logs anything but an exact match. */
    enum class Match {
        Exact, ///< `kiro`, a listed id or a configured alias
        Normalized, ///< a listed id once date, `[1m]` and `-thinking` suffixes are gone
        ClientAlias, ///< `opus`, `sonnet`, `haiku`, `best`
        Family, ///< an unlisted `claude-<family>-*` id
    };

    struct Resolution
    {
        QString model;
        Match match = Match::Exact;
    };

    explicit ModelCatalog(const KiroSettings &settings);

    /** The upstream model id for @p requested, or nullopt when unknown. */
    std::optional<QString> resolve(const QString &requested) const;
    /** resolve() with how the id matched. */
    std::optional<Resolution> resolveDetailed(const QString &requested) const;
    /** Every id /v1/models lists: `kiro`, the Kiro ids, then the aliases. */
    QStringList listed() const;
    /**
     * The models the upstream accounts may use together (the union of their catalogs, `kiro.models` standing
     * in for an account whose catalog is unknown). They replace `kiro.models` in listed() and the family
     * fallback; resolve() accepts them and `kiro.models` alike, so a configured id is never refused here.
     */
    void setAccountModels(const QStringList &models);
    /** True if @p requested names a model thinking/reasoning variant (`-thinking`). */
    static bool requestsThinking(const QString &requested);
    /** Lower-case, suffixes stripped, version dashes turned into dots. */
    static QString normalize(const QString &name);

private:
    /** The newest listed model of @p family, else of the next family in its preference order. */
    std::optional<QString> bestOfFamily(const QString &family) const;
    /** An id in `kiro.models` or in the accounts' models, exactly as listed. */
    bool isKnownModel(const QString &id) const;
    /** The Kiro ids listed: the accounts' models once set, else `kiro.models`. */
    const QStringList &listedModels() const;

    QString m_defaultModel;
    QStringList m_models;
    std::optional<QStringList> m_accountModels; ///< unset until the provider says
    QMap<QString, QString> m_aliases;
    bool m_strict = false;
};

} // namespace Drawbridge
