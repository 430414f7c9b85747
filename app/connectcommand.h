// SPDX-License-Identifier: MIT
#pragma once

#include <QObject>
#include <QProcessEnvironment>

#include <cstdio>
#include <functional>
#include <memory>

#include "app/settingsresolver.h"
#include "commandline.h"
#include "server/core/result.h"

class QNetworkAccessManager;

namespace Drawbridge {

class Application;

/**
 * @brief `drawbridge connect TOOL [--key K] [--dry-run] [--undo]`: prints the change to the tool's config,
 * then writes it (ToolConnector).
 *
 * Without --key it makes a key named after the tool: through the running gateway's admin API when one listens
 * on the configured address (so that gateway knows the key at once), else in the data directory itself.
 * Every failure is one line on stderr and exit code 1.
 */
class ConnectCommand final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ConnectCommand)

public:
    ConnectCommand(CommandLine commandLine, ResolvedSettings settings,
                   QProcessEnvironment env = QProcessEnvironment::systemEnvironment(),
                   std::FILE *out = stdout, std::FILE *err = stderr, QObject *parent = nullptr);
    ~ConnectCommand() override;

    /** Runs to the end; @p done gets the exit code (0, or 1 after a one-line error). */
    void run(std::function<void(int)> done);

    /** The gateway's base URL as clients reach it ("http://127.0.0.1:8642"), or an error for port 0. */
    static Result<QString> clientBaseUrl(const Settings &settings);
    /** @p text with @p key shortened to its public part, for printing. */
    static QString masked(QString text, const QString &key);

private:
    void finish(int code);
    int fail(const QString &message);
    /** Writes the tool's config with @p key and reports it. */
    int connectWith(const QString &key, bool created);
    void createKey();
    void createKeyLocally();

    CommandLine m_commandLine;
    ResolvedSettings m_settings;
    QProcessEnvironment m_env;
    std::FILE *m_out;
    std::FILE *m_err;
    QString m_baseUrl;
    std::function<void(int)> m_done;
    std::unique_ptr<Application> m_app;
    QNetworkAccessManager *m_network = nullptr;
};

} // namespace Drawbridge
