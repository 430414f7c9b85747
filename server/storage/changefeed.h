// SPDX-License-Identifier: MIT
#pragma once

#include <QObject>
#include <QPointer>
#include <QString>
#include <QTimer>

#include "server/core/result.h"

class QSqlDatabase;
class QSqlDriver;

namespace Drawbridge {

class Database;

/**
 * @brief Tells this instance when another instance of the team changed shared rows (team mode).
 *
 * On PostgreSQL, writers call notify() after a change; subscribe() LISTENs on the calling thread's connection
 * (the main thread's, whose event loop delivers the notification), and changed() follows within
 * milliseconds, for changes made here too. On SQLite there is one instance and nothing to hear: notify() does
 * nothing and subscribe() succeeds without ever signalling.
 *
 * A lost connection (the server restarted, the backend was terminated) is found within probeIntervalMs by a
 * `SELECT 1` on the listening connection; the feed then connects again, LISTENs again and signals every
 * channel with an empty id, since changes made meanwhile were not heard.
 */
class ChangeFeed final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ChangeFeed)

public:
    /** api_keys rows: created, edited, revoked. */
    static QString keysChannel() { return QStringLiteral("drawbridge_keys"); }
    /** accounts rows: added, edited, removed, their pool state (status, cooldown); not quota figures. */
    static QString accountsChannel() { return QStringLiteral("drawbridge_accounts"); }

    explicit ChangeFeed(const Database &database, QObject *parent = nullptr);
    ~ChangeFeed() override;

    /** How often the listening connection is checked. */
    static constexpr int probeIntervalMs = 1000;

    Status subscribe(const QString &channel);
    /** One check of the listening connection (the timer's job; tests call it). */
    void probe();
    /** After a committed change on @p db: every subscribed instance hears @p channel (payload: @p id). */
    static Status notify(const QSqlDatabase &db, const QString &channel, const QString &id);

Q_SIGNALS:
    /** @p id empty: listening again after a lost connection; anything on @p channel may have changed. */
    void changed(const QString &channel, const QString &id);

private:
    Status listen(const QSqlDatabase &db);

    const Database &m_database;
    QStringList m_channels;
    QPointer<QSqlDriver> m_driver; ///< the connection LISTENing now
    QTimer m_probe;
};

} // namespace Drawbridge
