// SPDX-License-Identifier: MIT
#include "modelcatalog.h"

#include <QRegularExpression>

namespace Drawbridge {

ModelCatalog::ModelCatalog(const KiroSettings &settings)
    : m_defaultModel(settings.defaultModel), m_models(settings.models), m_aliases(settings.modelAliases)
{
}

QString ModelCatalog::normalize(const QString &name)
{
    static const QRegularExpression oneM(QStringLiteral("\\[1m\\]$"));
    static const QRegularExpression thinking(QStringLiteral("-thinking$"));
    static const QRegularExpression date(QStringLiteral("-(20\\d{6}|latest)$"));
    static const QRegularExpression versionDash(QStringLiteral("(?<=\\d)-(?=\\d)"));
    QString n = name.trimmed().toLower();
    n.remove(oneM);
    n.remove(thinking);
    n.remove(date);
    n.remove(oneM);
    n.replace(versionDash, QStringLiteral("."));
    return n;
}

bool ModelCatalog::requestsThinking(const QString &requested)
{
    return requested.toLower().contains(QLatin1String("-thinking"));
}

std::optional<QString> ModelCatalog::resolve(const QString &requested) const
{
    if (requested.isEmpty())
        return std::nullopt;
    if (requested == QLatin1String(publicModelId))
        return m_defaultModel;
    if (m_models.contains(requested))
        return requested;
    if (auto it = m_aliases.constFind(requested); it != m_aliases.constEnd())
        return *it;
    const QString normalized = normalize(requested);
    if (m_models.contains(normalized))
        return normalized;
    return std::nullopt;
}

QStringList ModelCatalog::listed() const
{
    QStringList out { QLatin1String(publicModelId) };
    for (const QString &m : m_models) {
        if (!out.contains(m))
            out.append(m);
    }
    for (auto it = m_aliases.cbegin(); it != m_aliases.cend(); ++it) {
        if (!out.contains(it.key()))
            out.append(it.key());
    }
    return out;
}

} // namespace Drawbridge
