// SPDX-License-Identifier: MIT
#pragma once

#include <QObject>
#include <QString>

#include "server/core/result.h"

class QSqlDatabase;

namespace Drawbridge {

class Database;

/**
 * @brief Tells this instance when another instance of the team changed shared rows (team mode).
 *
 * On PostgreSQL, writers call notify() after a change; subscribe() LISTENs on the calling thread's connection
 * (the main thread's, whose event loop delivers the notification), and changed() follows within
 * milliseconds, for changes made here too. On SQLite there is one instance and nothing to hear: notify() does
 * nothing and subscribe() succeeds without ever signalling.
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

    Status subscribe(const QString &channel);
    /** After a committed change on @p db: every subscribed instance hears @p channel (payload: @p id). */
    static Status notify(const QSqlDatabase &db, const QString &channel, const QString &id);

Q_SIGNALS:
    void changed(const QString &channel, const QString &id);

private:
    const Database &m_database;
    QStringList m_channels;
};

} // namespace Drawbridge
