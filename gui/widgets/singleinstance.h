// SPDX-License-Identifier: MIT
#pragma once

#include <QObject>
#include <QString>

class QLocalServer;

namespace Drawbridge {

struct Settings;

/**
 * @brief One desktop instance per profile: the running instance listens on a local socket; a second launch
 * asks it to raise its window (raiseRunning) and exits.
 */
class SingleInstance final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SingleInstance)

public:
    explicit SingleInstance(QString serverName, QObject *parent = nullptr);
    ~SingleInstance() override;

    /**
     * The socket name for a profile (per user, data directory and port). Empty for --ephemeral runs: they
     * keep nothing, so several may run side by side.
     */
    static QString serverNameFor(const Settings &settings, bool ephemeral);
    /** Asks the instance listening on @p serverName to raise its window; false when none answered. */
    static bool raiseRunning(const QString &serverName, int timeoutMs = 1000);

    /** Starts listening (replacing a stale socket left by a crashed instance). */
    bool listen();
    QString serverName() const { return m_name; }

Q_SIGNALS:
    void raiseRequested();

private:
    QString m_name;
    QLocalServer *m_server;
};

} // namespace Drawbridge
