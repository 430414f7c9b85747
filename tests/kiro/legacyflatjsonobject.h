// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArrayView>
#include <QLatin1StringView>
#include <QString>

#include <array>

namespace Drawbridge::Test {

/**
 * @brief FlatJsonObject as of 3b7d038, before its SSE2 string path and its numbers: the oracle of
 * tst_flatjsonobject's differential test. Unchanged apart from its name.
 *
 * A JSON object of string, boolean and null members, read without building a QJsonObject.
 *
 * Kiro's frequent events (a text fragment, a reasoning fragment, a tool-input fragment) are such small flat
 * objects, and a DOM per frame cost more than the rest of relaying it (issue 12, point 8). parse() accepts
 * only what it can read exactly as QJsonDocument would and returns nothing for anything else: numbers, nested
 * values, escaped, non-ASCII or repeated keys, lone surrogate escapes, raw control characters, invalid
 * UTF-8, more than maxMembers members, anything that is not one object, and returns false. The caller then
 * falls back to QJsonDocument, so an unusual payload costs more but never reads differently
 * (tst_flatjsonobject).
 *
 * Keys are views into the parsed bytes, which must outlive the object.
 */
class LegacyFlatJsonObject final
{
public:
    static constexpr int maxMembers = 8;

    /** Reads @p json into this object, replacing what it held; false when it is not of the accepted subset.
     */
    bool parse(QByteArrayView json);

    int size() const { return m_count; }
    bool contains(QLatin1StringView key) const { return find(key) != nullptr; }
    /** Like QJsonValue::toString(): the string, or empty when absent or not a string. */
    QString string(QLatin1StringView key) const;
    /** Like QJsonValue::toBool(): true only for a boolean true. */
    bool boolean(QLatin1StringView key) const;

private:
    enum class Kind : quint8 { String, True, False, Null };
    struct Member
    {
        QByteArrayView key;
        Kind kind = Kind::Null;
        QString text;
    };

    const Member *find(QLatin1StringView key) const;

    std::array<Member, maxMembers> m_members;
    int m_count = 0;
};

} // namespace Drawbridge::Test
