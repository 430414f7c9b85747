// SPDX-License-Identifier: MIT
#pragma once

#include <QString>
#include <QStringList>

#include <variant>

#include "app/settingsresolver.h"

namespace Drawbridge {

/** What the command line asked for (docs/configuration.md#command-line). */
struct CommandLine
{
    enum class Action { Run, PrintVersion, PrintHelp, PrintAdminToken, Connect };
    Action action = Action::Run;
    bool headless = false;
    bool ephemeral = false;
    SettingsOverrides overrides;
    QString helpText;
    /** `drawbridge connect TOOL [--key K] [--dry-run] [--undo]` (docs/desktop.md). */
    QString connectTool;
    QString connectKey;
    bool dryRun = false;
    bool undo = false;
};

class CommandLineParser final
{
public:
    /** The parsed command line, or a one-line error for stderr. */
    static std::variant<CommandLine, QString> parse(const QStringList &arguments);
};

} // namespace Drawbridge
