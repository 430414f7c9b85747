// SPDX-License-Identifier: MIT
#include "changefeed.h"

#include <QSqlDatabase>
#include <QSqlDriver>
#include <QSqlError>

#include "server/core/logging.h"
#include "server/storage/database.h"
#include "server/storage/sqldialect.h"
#include "server/storage/sqlstatement.h"

namespace Drawbridge {

ChangeFeed::ChangeFeed(const Database &database, QObject *parent) : QObject(parent), m_database(database) { }

ChangeFeed::~ChangeFeed()
{
    auto db = m_database.connection();
    if (!db || !db->driver())
        return;
    for (const QString &channel : std::as_const(m_channels))
        db->driver()->unsubscribeFromNotification(channel);
}

Status ChangeFeed::subscribe(const QString &channel)
{
    auto db = m_database.connection();
    if (!db)
        return Error { db.error() };
    if (!SqlDialect::isPostgres(*db) || m_channels.contains(channel))
        return Ok {};
    QSqlDriver *driver = db->driver();
    if (m_channels.isEmpty()) {
        connect(driver, &QSqlDriver::notification, this,
                [this](const QString &name, QSqlDriver::NotificationSource, const QVariant &payload) {
                    Q_EMIT changed(name, payload.toString());
                });
    }
    if (!driver->subscribeToNotification(channel))
        return Error { QStringLiteral("cannot LISTEN on %1: %2").arg(channel, driver->lastError().text()) };
    m_channels << channel;
    qCDebug(lcStorage) << "listening for changes on" << channel;
    return Ok {};
}

Status ChangeFeed::notify(const QSqlDatabase &db, const QString &channel, const QString &id)
{
    if (!SqlDialect::isPostgres(db))
        return Ok {};
    // pg_notify() rather than NOTIFY: its channel and payload are ordinary, bound parameters.
    SqlStatement statement(db, QStringLiteral("SELECT pg_notify(?, ?)"));
    statement.bind(channel).bind(id);
    return statement.exec(QStringLiteral("notifying %1").arg(channel));
}

} // namespace Drawbridge
