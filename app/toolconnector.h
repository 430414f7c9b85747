// SPDX-License-Identifier: MIT
#pragma once

#include <QProcessEnvironment>
#include <QString>
#include <QStringList>

#include "server/core/result.h"

namespace Drawbridge {

/**
 * @brief Points a coding tool at this gateway by editing that tool's own config file (docs/desktop.md).
 *
 * claude-code: `$CLAUDE_CONFIG_DIR/settings.json` (default `~/.claude`), its `env` object;
 * codex: `$CODEX_HOME/config.toml` (default `~/.codex`), a `[model_providers.drawbridge]` table;
 * opencode: `$XDG_CONFIG_HOME/opencode/opencode.json` (default `~/.config`), a `provider.drawbridge` entry;
 * continue: `~/.continue/config.yaml`, a "Drawbridge" entry in `models`.
 *
 * The first change to a file keeps the original next to it (`<file>.drawbridge-backup`, or a
 * `<file>.drawbridge-created` marker when there was none); undo() puts it back. Used by `drawbridge connect`
 * and by the desktop app's Connect dialog.
 */
class ToolConnector final
{
public:
    /** Where the gateway is and what to write. */
    struct Target
    {
        QString baseUrl; ///< "http://127.0.0.1:8642", without /v1
        QString key; ///< the client key (db-…)
        QString model; ///< the model the tool should ask for
        QStringList models; ///< the models to list where the tool wants a list (opencode)
    };

    struct Plan
    {
        QString tool;
        QString filePath;
        bool exists = false;
        QString before;
        QString after;
        QString diff;
    };

    explicit ToolConnector(QProcessEnvironment env = QProcessEnvironment::systemEnvironment());

    /** "claude-code", "codex", "opencode", "continue". */
    static QStringList tools();
    static bool isTool(const QString &tool);
    /** The human name ("Claude Code"). */
    static QString displayName(const QString &tool);

    /** The config file this tool reads. */
    QString configPath(const QString &tool) const;
    /** What connecting would write. The file is read, never written; an unparseable file is an error. */
    Result<Plan> plan(const QString &tool, const Target &target) const;
    /** Writes @p plan (backup first); fails when the file changed since the plan was made. */
    Status apply(const Plan &plan) const;
    /** Restores the file as it was before the first connect and forgets the backup. */
    Status undo(const QString &tool) const;
    bool canUndo(const QString &tool) const;

    /** Config files bigger than this are refused: they are not what these tools write. */
    static constexpr qint64 maxFileBytes = 4 * 1024 * 1024;

private:
    QString home() const;

    QProcessEnvironment m_env;
};

} // namespace Drawbridge
