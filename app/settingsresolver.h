// SPDX-License-Identifier: MIT
#pragma once

#include <QProcessEnvironment>
#include <QString>
#include <QStringList>

#include <optional>

#include "server/core/result.h"
#include "server/core/settings.h"

namespace Drawbridge {

/**
 * What the command line may override (docs/configuration.md#command-line). Unset members leave the lower
 * layers in force.
 */
struct SettingsOverrides
{
    std::optional<QString> configPath;
    std::optional<QString> dataDir;
    std::optional<QString> host;
    std::optional<int> port;
};

struct ResolvedSettings
{
    Settings settings;
    QString configPath; ///< the file that was read (or created), empty for none
    QStringList warnings; ///< unknown keys and the like; shown, never fatal
};

/** Builds the effective settings: flag > environment > config file > default. */
class SettingsResolver final
{
public:
    /** @p defaultConfigPath is used when neither flag nor environment name a file; it is created if missing.
     */
    static Result<ResolvedSettings> resolve(const SettingsOverrides &flags, const QProcessEnvironment &env,
                                            const QString &defaultConfigPath);
};

} // namespace Drawbridge
