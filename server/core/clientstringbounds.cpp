// SPDX-License-Identifier: MIT
#include "clientstringbounds.h"

#include <algorithm>

namespace Drawbridge {

namespace {

bool hasControlCharacter(QStringView s)
{
    // C0, DEL and C1 controls, and the line/paragraph separators that break log lines the same way.
    return std::any_of(s.begin(), s.end(), [](QChar c) {
        const char16_t u = c.unicode();
        return u < 0x20 || (u >= 0x7f && u <= 0x9f) || u == 0x2028 || u == 0x2029;
    });
}

qsizetype utf8Length(QStringView s)
{
    qsizetype n = 0;
    for (qsizetype i = 0; i < s.size(); ++i) {
        const char16_t u = s[i].unicode();
        if (u < 0x80)
            n += 1;
        else if (u < 0x800)
            n += 2;
        else if (QChar::isHighSurrogate(u) && i + 1 < s.size() && QChar::isLowSurrogate(s[i + 1].unicode())) {
            n += 4;
            ++i;
        } else
            n += 3;
    }
    return n;
}

} // namespace

std::optional<QString> ClientStringBounds::modelProblem(QStringView model)
{
    if (utf8Length(model) > maxModelBytes)
        return QStringLiteral("'model' must be at most %1 bytes.").arg(maxModelBytes);
    if (hasControlCharacter(model))
        return QStringLiteral("'model' must not contain control characters.");
    return std::nullopt;
}

std::optional<QString> ClientStringBounds::nameProblem(QStringView name)
{
    if (name.trimmed().isEmpty())
        return QStringLiteral("'name' must be a non-empty string.");
    if (name.size() > maxNameChars)
        return QStringLiteral("'name' must be at most %1 characters.").arg(maxNameChars);
    if (hasControlCharacter(name))
        return QStringLiteral("'name' must not contain control characters.");
    return std::nullopt;
}

} // namespace Drawbridge
