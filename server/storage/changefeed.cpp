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

ChangeFeed::ChangeFeed(const Database &database, QObject *parent) : QObject(parent), m_database(database)
{
    m_probe.setInterval(probeIntervalMs);
    connect(&m_probe, &QTimer::timeout, this, &ChangeFeed::probe);
}

ChangeFeed::~ChangeFeed()
{
    // The connection listening now, if it still exists; a lost one took its LISTENs with it.
    if (!m_driver)
        return;
    for (const QString &channel : std::as_const(m_channels))
        m_driver->unsubscribeFromNotification(channel);
}

Status ChangeFeed::subscribe(const QString &channel)
{
    auto db = m_database.connection();
    if (!db)
        return Error { db.error() };
    if (!SqlDialect::isPostgres(*db) || m_channels.contains(channel))
        return Ok {};
    m_channels << channel;
    if (const Status listening = listen(*db); !listening) {
        m_channels.removeLast();
        return listening;
    }
    qCDebug(lcStorage) << "listening for changes on" << channel;
    m_probe.start();
    return Ok {};
}

Status ChangeFeed::listen(const QSqlDatabase &db)
{
    QSqlDriver *driver = db.driver();
    if (driver != m_driver) {
        if (m_driver)
            disconnect(m_driver, nullptr, this, nullptr);
        m_driver = driver;
        connect(driver, &QSqlDriver::notification, this,
                [this](const QString &name, QSqlDriver::NotificationSource, const QVariant &payload) {
                    Q_EMIT changed(name, payload.toString());
                });
    }
    const QStringList subscribed = driver->subscribedToNotifications();
    for (const QString &channel : std::as_const(m_channels)) {
        if (!subscribed.contains(channel) && !driver->subscribeToNotification(channel))
            return Error {
                QStringLiteral("cannot LISTEN on %1: %2").arg(channel, driver->lastError().text())
            };
    }
    return Ok {};
}

void ChangeFeed::probe()
{
    if (m_channels.isEmpty())
        return;
    // Twice at most: a failed check marks the connection lost, and the second connection() replaces it.
    for (int attempt = 0; attempt < 2; ++attempt) {
        auto db = m_database.connection();
        if (!db) {
            qCWarning(lcStorage) << "change feed: no connection to the database:" << db.error();
            return;
        }
        if (db->driver() != m_driver) {
            if (const Status listening = listen(*db); !listening) {
                qCWarning(lcStorage) << "change feed:" << listening.error();
                return;
            }
            qCInfo(lcStorage) << "change feed: listening again on" << m_channels.join(QStringLiteral(", "));
            // Whatever changed while nobody listened went unheard: every channel reloads.
            for (const QString &channel : std::as_const(m_channels))
                Q_EMIT changed(channel, QString());
            return;
        }
        SqlStatement check(*db, QStringLiteral("SELECT 1"));
        if (check.exec(QStringLiteral("checking the change feed's connection")))
            return;
    }
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
