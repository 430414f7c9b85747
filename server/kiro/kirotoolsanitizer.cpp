// SPDX-License-Identifier: MIT
#include "kirotoolsanitizer.h"

#include <QCryptographicHash>
#include <QJsonArray>

namespace Drawbridge {

namespace {

// $ref chains deeper than this are cyclic or absurd; they become an unconstrained object.
constexpr int maxRefDepth = 16;

struct SchemaCleaner
{
    QJsonObject root;

    QJsonValue resolveRef(const QString &ref) const
    {
        // Only local JSON pointers ("#/$defs/X", "#/definitions/X", "#/properties/…") can be resolved here;
        // anything else is unknowable offline.
        if (!ref.startsWith(QLatin1String("#/")))
            return QJsonValue::Undefined;
        QJsonValue node = root;
        const auto parts = QStringView(ref).mid(2).split(u'/');
        for (const auto &rawPart : parts) {
            QString part = rawPart.toString();
            part.replace(QLatin1String("~1"), QLatin1String("/"))
                .replace(QLatin1String("~0"), QLatin1String("~"));
            if (!node.isObject())
                return QJsonValue::Undefined;
            node = node.toObject().value(part);
        }
        return node;
    }

    // Values of data keywords (enum, default, …) are instances, not schemas: keep them, minus nulls.
    static QJsonValue stripNulls(const QJsonValue &value)
    {
        if (value.isArray()) {
            QJsonArray out;
            for (const auto &item : value.toArray()) {
                if (!item.isNull())
                    out.append(stripNulls(item));
            }
            return out;
        }
        if (value.isObject()) {
            QJsonObject out;
            const QJsonObject in = value.toObject();
            for (auto it = in.constBegin(); it != in.constEnd(); ++it) {
                if (!it.value().isNull())
                    out.insert(it.key(), stripNulls(it.value()));
            }
            return out;
        }
        return value;
    }

    QJsonValue cleanValue(const QJsonValue &value, int depth) const
    {
        if (value.isObject())
            return cleanObject(value.toObject(), depth);
        if (value.isArray()) {
            QJsonArray out;
            for (const auto &item : value.toArray()) {
                if (!item.isNull())
                    out.append(cleanValue(item, depth));
            }
            return out;
        }
        return value;
    }

    QJsonObject cleanObject(QJsonObject schema, int depth) const
    {
        if (const auto ref = schema.value(QLatin1String("$ref")); ref.isString()) {
            const QJsonValue target
                = depth < maxRefDepth ? resolveRef(ref.toString()) : QJsonValue::Undefined;
            schema.remove(QLatin1String("$ref"));
            if (target.isObject()) {
                // Sibling keywords next to $ref (e.g. a description) win over the referenced ones.
                QJsonObject merged = target.toObject();
                for (auto it = schema.constBegin(); it != schema.constEnd(); ++it)
                    merged.insert(it.key(), it.value());
                return cleanObject(merged, depth + 1);
            }
            if (!schema.contains(QLatin1String("type")))
                schema.insert(QLatin1String("type"), QLatin1String("object"));
        }

        QJsonObject out;
        for (auto it = schema.constBegin(); it != schema.constEnd(); ++it) {
            const QString &key = it.key();
            const QJsonValue &value = it.value();
            if (value.isNull() || value.isUndefined())
                continue;
            if (key == QLatin1String("$schema") || key == QLatin1String("$id")
                || key == QLatin1String("$defs") || key == QLatin1String("definitions")
                || key == QLatin1String("additionalProperties") || key == QLatin1String("$comment"))
                continue;
            if (key == QLatin1String("type")) {
                const QString type = cleanType(value);
                if (!type.isEmpty())
                    out.insert(key, type);
                continue;
            }
            if (key == QLatin1String("required")) {
                QJsonArray required;
                for (const auto &item : value.toArray()) {
                    if (item.isString() && !required.contains(item))
                        required.append(item);
                }
                if (!required.isEmpty())
                    out.insert(key, required);
                continue;
            }
            if (key == QLatin1String("properties") || key == QLatin1String("patternProperties")) {
                // Here the keys are property names, not keywords; each value is a schema.
                if (!value.isObject())
                    continue;
                QJsonObject properties;
                const QJsonObject in = value.toObject();
                for (auto p = in.constBegin(); p != in.constEnd(); ++p) {
                    if (p.value().isObject())
                        properties.insert(p.key(), cleanObject(p.value().toObject(), depth));
                    else if (p.value().isBool())
                        properties.insert(p.key(), QJsonObject());
                }
                out.insert(key, properties);
                continue;
            }
            if (key == QLatin1String("enum") || key == QLatin1String("const")
                || key == QLatin1String("default") || key == QLatin1String("examples")
                || key == QLatin1String("example")) {
                out.insert(key, stripNulls(value));
                continue;
            }
            out.insert(key, cleanValue(value, depth));
        }
        return out;
    }

    static QString cleanType(const QJsonValue &value)
    {
        if (value.isString())
            return value.toString();
        // ["string", "null"] and friends: keep the first real type; nullability cannot be expressed anyway.
        if (value.isArray()) {
            for (const auto &item : value.toArray()) {
                if (item.isString() && item.toString() != QLatin1String("null") && !item.toString().isEmpty())
                    return item.toString();
            }
        }
        return {};
    }
};

} // namespace

QString KiroToolSanitizer::shortenName(const QString &name)
{
    if (name.size() <= maxNameLength)
        return name;
    const QByteArray hash = QCryptographicHash::hash(name.toUtf8(), QCryptographicHash::Sha256).toHex();
    return name.left(maxNameLength - 9) + u'_' + QString::fromLatin1(hash.left(8));
}

QString KiroToolSanitizer::description(const QString &description, const QString &toolName)
{
    const QString trimmed = description.trimmed();
    if (trimmed.isEmpty())
        return QStringLiteral("Tool %1").arg(toolName);
    if (trimmed.size() > maxDescriptionLength)
        return trimmed.left(maxDescriptionLength);
    return trimmed;
}

QJsonObject KiroToolSanitizer::sanitizeSchema(const QJsonObject &schema)
{
    SchemaCleaner cleaner { schema };
    QJsonObject out = cleaner.cleanObject(schema, 0);
    out.insert(QLatin1String("type"), QLatin1String("object"));
    if (!out.value(QLatin1String("properties")).isObject())
        out.insert(QLatin1String("properties"), QJsonObject());
    return out;
}

} // namespace Drawbridge
