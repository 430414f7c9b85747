// SPDX-License-Identifier: MIT
#include "modelcatalog.h"

#include <QRegularExpression>

#include <algorithm>
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
    // By hand rather than with the four regular expressions this once took: every request whose model is not
    // listed verbatim (Claude Code's dated names) comes here, and PCRE's matcher was 6 % of a small request's
    // instructions. tst_modelcatalog compares this with those expressions on generated names.
    QString n = name.trimmed().toLower();
    const auto chop = [&n](QLatin1StringView suffix) {
        if (n.endsWith(suffix))
            n.chop(suffix.size());
    };
    const auto isDigit = [](QChar c) { return c >= u'0' && c <= u'9'; };
    chop(QLatin1StringView("[1m]"));
    chop(QLatin1StringView("-thinking"));
    // `-latest` or a date `-20YYMMDD`
    if (n.endsWith(QLatin1StringView("-latest"))) {
        n.chop(7);
    } else if (const qsizetype at = n.size() - 9; at >= 0 && n.at(at) == u'-' && n.at(at + 1) == u'2'
               && n.at(at + 2) == u'0' && std::all_of(n.cbegin() + at + 3, n.cend(), isDigit)) {
        n.chop(9);
    }
    chop(QLatin1StringView("[1m]"));
    // A dash between two digits is a version's dot (`4-5` → `4.5`); replacing one leaves its neighbours
    // digits.
    for (qsizetype i = 1; i + 1 < n.size(); ++i) {
        if (n.at(i) == u'-' && isDigit(n.at(i - 1)) && isDigit(n.at(i + 1)))
            n[i] = u'.';
    }
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
