// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArrayView>
#include <QLatin1StringView>
#include <QString>

#include <array>

namespace Drawbridge {

/**
 * @brief A JSON object of string, number, boolean and null members, read without building a QJsonObject.
 *
 * Kiro's frequent events (a text fragment, a reasoning fragment, a tool-input fragment, metering and context
 * usage) are such small flat objects, and a DOM per frame cost more than the rest of relaying it (issue 12,
 * point 8; issue 18). parse() accepts only what it can read exactly as QJsonDocument would and returns
 * nothing for anything else: nested values, escaped, non-ASCII or repeated keys, lone surrogate escapes, raw
 * control characters, invalid UTF-8, numbers outside the strict RFC 8259 grammar or whose value Qt might
 * read otherwise (negative zero, integers of more than 15 digits, overflow, underflow, subnormals), more
 * than maxMembers members, anything that is not one object, and returns false. The caller then falls back to
 * QJsonDocument, so an unusual payload costs more but never reads differently (tst_flatjsonobject).
 *
 * Keys are views into the parsed bytes, which must outlive the object.
 */
class FlatJsonObject final
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
    /** Like QJsonValue::isString(). */
    bool isString(QLatin1StringView key) const;
    /** Like QJsonValue::isDouble(): true for any number. */
    bool isNumber(QLatin1StringView key) const;
    /** Like QJsonValue::toDouble(): the number, or 0 when absent or not a number. */
    double number(QLatin1StringView key) const;
    /** Like QJsonValue::toInteger(): the number when it is integral and fits a qint64, else 0. */
    qint64 integer(QLatin1StringView key) const;

private:
    enum class Kind : quint8 { String, Number, True, False, Null };
    struct Member
    {
        QByteArrayView key;
        Kind kind = Kind::Null;
        double number = 0;
        QString text;
    };

    const Member *find(QLatin1StringView key) const;

    std::array<Member, maxMembers> m_members;
    int m_count = 0;
};

} // namespace Drawbridge
