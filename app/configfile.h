// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QString>
#include <QStringList>

#include "server/core/result.h"
#include "server/core/settings.h"

namespace Drawbridge {

/** Reads and creates the TOML config file (docs/configuration.md#config-file). */
class ConfigFile final
{
public:
    /**
     * Applies the keys of @p text on top of @p settings. Unknown keys are appended to @p warnings; a syntax
     * error (with its line) or a value of the wrong type (naming the key) is an error.
     */
    static Status apply(const QByteArray &text, const QString &path, Settings &settings,
                        QStringList &warnings);
    /** Loads @p path; a missing file is not an error when @p createIfMissing, it is created with defaults. */
    static Status load(const QString &path, bool createIfMissing, Settings &settings, QStringList &warnings);
    /** The commented default file written on first run. */
    static QByteArray defaultText();
};

} // namespace Drawbridge
