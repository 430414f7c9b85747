// SPDX-License-Identifier: MIT
#include "kiroreasoningschema.h"

#include <QJsonArray>
#include <QJsonDocument>

#include <climits>
#include <cmath>
#include <optional>

namespace Drawbridge {

namespace {

/** Efforts from least to most; the order in which a missing one is replaced by its nearest neighbour. */
const QStringList &effortRanks()
{
    static const QStringList ranks { QStringLiteral("minimal"), QStringLiteral("low"),
                                     QStringLiteral("medium"),  QStringLiteral("high"),
                                     QStringLiteral("xhigh"),   QStringLiteral("max") };
    return ranks;
}

/**
 * @p value as a schema object, a local `$ref` ("#/…") followed (a few levels at most: catalogs are small and
 * a cycle must not loop); nullopt for anything else. Combinators (allOf/anyOf/oneOf/not) cannot be read
 * reliably and count as nothing.
 */
std::optional<QJsonObject> resolve(const QJsonValue &value, const QJsonObject &root, int depth = 0)
{
    if (!value.isObject())
        return std::nullopt;
    const QJsonObject o = value.toObject();
    if (o.contains(QLatin1String("allOf")) || o.contains(QLatin1String("anyOf"))
        || o.contains(QLatin1String("oneOf")) || o.contains(QLatin1String("not")))
        return std::nullopt;
    const QString ref = o.value(QLatin1String("$ref")).toString();
    if (ref.isEmpty())
        return o;
    if (depth >= 8 || !ref.startsWith(QLatin1String("#/")))
        return std::nullopt;
    QJsonValue target = root;
    for (QString part : ref.mid(2).split(u'/')) {
        part.replace(QLatin1String("~1"), QLatin1String("/"))
            .replace(QLatin1String("~0"), QLatin1String("~"));
        target = target.toObject().value(part);
    }
    return resolve(target, root, depth + 1);
}

/** The schema of @p parent's property @p name; nullopt when @p parent has no such property. */
std::optional<QJsonObject> member(const std::optional<QJsonObject> &parent, const QString &name,
                                  const QJsonObject &root)
{
    if (!parent)
        return std::nullopt;
    const QJsonValue properties = parent->value(QLatin1String("properties"));
    if (!properties.isObject() || !properties.toObject().contains(name))
        return std::nullopt;
    return resolve(properties.toObject().value(name), root);
}

bool allowsType(const QJsonObject &schema, QLatin1String type)
{
    const QJsonValue t = schema.value(QLatin1String("type"));
    if (t.isUndefined())
        return true;
    if (t.isString())
        return t.toString() == type;
    return t.toArray().contains(QJsonValue(type));
}

/** The string values @p schema allows (enum and/or const), bounded; empty = any string. */
QStringList stringChoices(const QJsonObject &schema)
{
    QStringList out;
    for (const QJsonValue &v : schema.value(QLatin1String("enum")).toArray()) {
        if (v.isString() && out.size() < 32)
            out.append(v.toString().left(64));
    }
    if (schema.value(QLatin1String("const")).isString())
        out = QStringList { schema.value(QLatin1String("const")).toString().left(64) };
    return out;
}

int boundOf(const QJsonObject &schema, QLatin1String key, bool upper)
{
    const QJsonValue v = schema.value(key);
    if (!v.isDouble() || !std::isfinite(v.toDouble()) || v.toDouble() < 1)
        return 0;
    const double d = upper ? std::floor(v.toDouble()) : std::ceil(v.toDouble());
    return d >= INT_MAX ? 0 : int(d);
}

} // namespace

KiroReasoningSchema KiroReasoningSchema::fromCatalogSchema(const QJsonObject &schema)
{
    KiroReasoningSchema s;
    const std::optional<QJsonObject> root = resolve(schema, schema);
    const auto thinking = member(root, QStringLiteral("thinking"), schema);
    const auto type = member(thinking, QStringLiteral("type"), schema);
    if (type && allowsType(*type, QLatin1String("string"))) {
        s.m_thinking = true;
        s.m_thinkingTypes = stringChoices(*type);
        const auto budget = member(thinking, QStringLiteral("budget_tokens"), schema);
        if (budget
            && (allowsType(*budget, QLatin1String("integer"))
                || allowsType(*budget, QLatin1String("number")))) {
            s.m_budget = true;
            s.m_budgetMin = boundOf(*budget, QLatin1String("minimum"), false);
            s.m_budgetMax = boundOf(*budget, QLatin1String("maximum"), true);
        }
    }
    // Claude models take the effort in output_config, GPT models in reasoning; the first one named wins.
    for (const QString &parent : { QStringLiteral("output_config"), QStringLiteral("reasoning") }) {
        const auto effort = member(member(root, parent, schema), QStringLiteral("effort"), schema);
        if (effort && allowsType(*effort, QLatin1String("string"))) {
            s.m_effortParent = parent;
            s.m_efforts = stringChoices(*effort);
            break;
        }
    }
    return s;
}

QString KiroReasoningSchema::effortForBudget(int budgetTokens)
{
    // The inverse of the budgets the request parsers give efforts (docs/kiro.md#reasoning), so an effort a
    // client sent comes back as itself: low 4,000, medium 10,000, high 20,000-24,000, xhigh/max 32,000.
    if (budgetTokens <= 4000)
        return QStringLiteral("low");
    if (budgetTokens <= 10000)
        return QStringLiteral("medium");
    if (budgetTokens <= 24000)
        return QStringLiteral("high");
    return QStringLiteral("xhigh");
}

bool KiroReasoningSchema::supported() const
{
    return !thinkingType().isEmpty() || (!m_effortParent.isEmpty() && !effort(10000).isEmpty());
}

QString KiroReasoningSchema::thinkingType() const
{
    if (!m_thinking)
        return {};
    const auto allowed
        = [&](QLatin1String t) { return m_thinkingTypes.isEmpty() || m_thinkingTypes.contains(t); };
    // A budget the client chose is honoured exactly where the model takes one; otherwise the model decides
    // how much to think (adaptive), steered by the effort.
    if (m_budget && allowed(QLatin1String("enabled")))
        return QStringLiteral("enabled");
    if (allowed(QLatin1String("adaptive")))
        return QStringLiteral("adaptive");
    if (allowed(QLatin1String("enabled")))
        return QStringLiteral("enabled");
    return {};
}

QString KiroReasoningSchema::effort(int budgetTokens) const
{
    const QString wanted = effortForBudget(budgetTokens);
    if (m_efforts.isEmpty() || m_efforts.contains(wanted))
        return wanted;
    // The nearest effort the model has, the larger one on a tie: an Anthropic "max" arrives here as xhigh
    // (the parsers give both the same budget), and a client asking for more should not get less.
    const qsizetype want = effortRanks().indexOf(wanted);
    QString best;
    qsizetype bestDistance = -1;
    for (const QString &e : m_efforts) {
        const qsizetype rank = effortRanks().indexOf(e);
        if (rank < 0)
            continue;
        const qsizetype distance = std::abs(rank - want) * 2 + (rank < want ? 1 : 0);
        if (bestDistance < 0 || distance < bestDistance) {
            best = e;
            bestDistance = distance;
        }
    }
    return best;
}

QByteArray KiroReasoningSchema::requestFields(int budgetTokens) const
{
    QJsonObject fields;
    if (const QString type = thinkingType(); !type.isEmpty()) {
        QJsonObject thinking { { QStringLiteral("type"), type } };
        if (type == QLatin1String("enabled") && m_budget) {
            int budget = budgetTokens;
            if (m_budgetMin > 0)
                budget = qMax(budget, m_budgetMin);
            if (m_budgetMax > 0)
                budget = qMin(budget, m_budgetMax);
            thinking.insert(QStringLiteral("budget_tokens"), budget);
        }
        fields.insert(QStringLiteral("thinking"), thinking);
    }
    if (!m_effortParent.isEmpty()) {
        if (const QString e = effort(budgetTokens); !e.isEmpty())
            fields.insert(m_effortParent, QJsonObject { { QStringLiteral("effort"), e } });
    }
    if (fields.isEmpty())
        return {};
    return QJsonDocument(fields).toJson(QJsonDocument::Compact);
}

} // namespace Drawbridge
