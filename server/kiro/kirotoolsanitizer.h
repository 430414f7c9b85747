// SPDX-License-Identifier: MIT
#pragma once

#include <QJsonObject>
#include <QString>

namespace Drawbridge {

/**
 * @brief Makes client tool definitions acceptable to Kiro (protocol §2.6).
 *
 * Names longer than 64 characters (common with MCP tools) are shortened deterministically, so a name always
 * maps to the same short form within and across requests; the caller keeps the reverse map.
 */
class KiroToolSanitizer final
{
public:
    static constexpr int maxNameLength = 64;
    static constexpr int maxDescriptionLength = 10'000;

    /** @p name itself when short enough, else its first 55 characters + '_' + 8 hex digits of SHA-256. */
    static QString shortenName(const QString &name);
    /** Non-empty, at most maxDescriptionLength characters. */
    static QString description(const QString &description, const QString &toolName);
    /**
     * Schema hygiene: local `$ref`s inlined; `$schema`, `$id`, `$defs`, `definitions` and
     * `additionalProperties` dropped; nulls and empty `required` removed; `type` a non-empty string; the
     * root an object schema with an object `properties`.
     */
    static QJsonObject sanitizeSchema(const QJsonObject &schema);
};

} // namespace Drawbridge
