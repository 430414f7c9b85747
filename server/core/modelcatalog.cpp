// SPDX-License-Identifier: MIT
#include "modelcatalog.h"

#include <QRegularExpression>

#include <array>

namespace Drawbridge {

namespace {

/** `claude-opus-…` (the current scheme) or `claude-3.5-sonnet-…` (the Claude 3 scheme), normalized. */
QString familyOf(const QString &normalized)
{
    static const QRegularExpression current(QStringLiteral("^claude-(opus|sonnet|haiku)(-.*)?$"));
    static const QRegularExpression legacy(QStringLiteral("^claude-[0-9.]+-(opus|sonnet|haiku)(-.*)?$"));
    if (const auto m = current.match(normalized); m.hasMatch())
        return m.captured(1);
    if (const auto m = legacy.match(normalized); m.hasMatch())
        return m.captured(1);
    return {};
}

/** The dotted version of a listed family model (`claude-opus-4.7` → {4, 7}); empty when it has none. */
QList<int> versionOf(const QString &normalized)
{
    static const QRegularExpression current(
        QStringLiteral("^claude-(?:opus|sonnet|haiku)-([0-9]+(?:\\.[0-9]+)*)"));
    static const QRegularExpression legacy(
        QStringLiteral("^claude-([0-9]+(?:\\.[0-9]+)*)-(?:opus|sonnet|haiku)"));
    auto m = current.match(normalized);
    if (!m.hasMatch())
        m = legacy.match(normalized);
    QList<int> version;
    if (m.hasMatch()) {
        for (const QString &part : m.captured(1).split(u'.'))
            version.append(part.toInt());
    }
    return version;
}

/** Families in the order a request for @p family falls back to them: itself, then the nearest tier. */
std::array<QLatin1StringView, 3> preference(const QString &family)
{
    using L = QLatin1StringView;
    if (family == QLatin1String("haiku"))
        return { L("haiku"), L("sonnet"), L("opus") };
    if (family == QLatin1String("sonnet"))
        return { L("sonnet"), L("opus"), L("haiku") };
    return { L("opus"), L("sonnet"), L("haiku") };
}

/** Claude Code's `--model` aliases (and `best`) → the family they stand for. */
QString clientAliasFamily(const QString &normalized)
{
    if (normalized == QLatin1String("best"))
        return QStringLiteral("opus");
    if (normalized == QLatin1String("opus") || normalized == QLatin1String("sonnet")
        || normalized == QLatin1String("haiku"))
        return normalized;
    return {};
}

} // namespace

ModelCatalog::ModelCatalog(const KiroSettings &settings)
    : m_defaultModel(settings.defaultModel)
    , m_models(settings.models)
    , m_aliases(settings.modelAliases)
    , m_strict(settings.strictModels)
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
    if (auto r = resolveDetailed(requested))
        return r->model;
    return std::nullopt;
}

std::optional<ModelCatalog::Resolution> ModelCatalog::resolveDetailed(const QString &requested) const
{
    if (requested.isEmpty())
        return std::nullopt;
    if (requested == QLatin1String(publicModelId))
        return Resolution { m_defaultModel, Match::Exact };
    if (isKnownModel(requested))
        return Resolution { requested, Match::Exact };
    if (auto it = m_aliases.constFind(requested); it != m_aliases.constEnd())
        return Resolution { *it, Match::Exact };
    // Claude Code appends `[1m]` to whatever it names, aliases included.
    if (QString bare = requested; bare.endsWith(QLatin1String("[1m]"), Qt::CaseInsensitive)) {
        bare.chop(4);
        if (auto it = m_aliases.constFind(bare); it != m_aliases.constEnd())
            return Resolution { *it, Match::Exact };
    }
    const QString normalized = normalize(requested);
    if (isKnownModel(normalized))
        return Resolution { normalized, Match::Normalized };
    if (const QString family = clientAliasFamily(normalized); !family.isEmpty()) {
        if (auto best = bestOfFamily(family))
            return Resolution { *best, Match::ClientAlias };
        return std::nullopt;
    }
    if (m_strict)
        return std::nullopt;
    if (const QString family = familyOf(normalized); !family.isEmpty()) {
        if (auto best = bestOfFamily(family))
            return Resolution { *best, Match::Family };
    }
    return std::nullopt;
}

std::optional<QString> ModelCatalog::bestOfFamily(const QString &family) const
{
    for (const QLatin1StringView candidate : preference(family)) {
        std::optional<QString> best;
        QList<int> bestVersion;
        for (const QString &model : listedModels()) {
            const QString normalized = normalize(model);
            if (familyOf(normalized) != candidate)
                continue;
            const QList<int> version = versionOf(normalized);
            if (!best || version > bestVersion) {
                best = model;
                bestVersion = version;
            }
        }
        if (best)
            return best;
    }
    return std::nullopt;
}

QStringList ModelCatalog::listed() const
{
    QStringList out { QLatin1String(publicModelId) };
    for (const QString &m : listedModels()) {
        if (!out.contains(m))
            out.append(m);
    }
    for (auto it = m_aliases.cbegin(); it != m_aliases.cend(); ++it) {
        if (!out.contains(it.key()))
            out.append(it.key());
    }
    return out;
}

void ModelCatalog::setAccountModels(const QStringList &models)
{
    m_accountModels = models;
}

bool ModelCatalog::isKnownModel(const QString &id) const
{
    return m_models.contains(id) || (m_accountModels && m_accountModels->contains(id));
}

const QStringList &ModelCatalog::listedModels() const
{
    return m_accountModels ? *m_accountModels : m_models;
}

} // namespace Drawbridge
