// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QList>
#include <QString>
#include <QVariant>

#include "server/core/result.h"

namespace Drawbridge {

/**
 * @brief Changes keys of drawbridge.toml as text, so the user's comments and layout stay: a key's line is
 * replaced, or the value goes under its commented default, or under its table (created at the end if
 * missing). The result is checked by the same parser the gateway starts with before anything is written.
 */
class ConfigEditor final
{
public:
    struct Change
    {
        QString key; ///< dotted, e.g. "server.port"
        QVariant value; ///< int, bool, QString or QStringList
    };

    /** @p text with @p changes applied, or why a change is not possible. */
    static Result<QByteArray> edited(const QByteArray &text, const QList<Change> &changes);
    /** Edits the file at @p path (its commented defaults when it does not exist) and saves it if it parses.
     */
    static Status write(const QString &path, const QList<Change> &changes);
};

} // namespace Drawbridge
