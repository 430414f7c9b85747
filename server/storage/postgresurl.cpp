// SPDX-License-Identifier: MIT
#include "postgresurl.h"

#include <QSqlDatabase>
#include <QStringList>
#include <QUrl>
#include <QUrlQuery>

namespace Drawbridge {

namespace {

// libpq connection parameters a URL may carry; the ones that would change where or as whom we connect are
// the URL's own parts.
const QStringList allowedOptions = {
    QStringLiteral("sslmode"),
    QStringLiteral("sslrootcert"),
    QStringLiteral("sslcert"),
    QStringLiteral("sslkey"),
    QStringLiteral("connect_timeout"),
    QStringLiteral("application_name"),
    QStringLiteral("target_session_attrs"),
    QStringLiteral("keepalives"),
    QStringLiteral("keepalives_idle"),
};

// A bounded connect: an unreachable server fails the start in seconds instead of libpq's default of forever.
constexpr int defaultConnectTimeoutS = 5;

bool safeOptionValue(const QString &value)
{
    // Values reach libpq's "key=value key=value" conninfo string, where spaces, quotes and backslashes would
    // start a new parameter.
    for (const QChar c : value) {
        if (c.isSpace() || c == QLatin1Char('\'') || c == QLatin1Char('\\') || c == QLatin1Char(';')
            || c.unicode() < 0x20)
            return false;
    }
    return !value.isEmpty();
}

} // namespace

bool PostgresUrl::isPostgresUrl(const QString &url)
{
    return url.startsWith(QLatin1String("postgresql://"), Qt::CaseInsensitive)
        || url.startsWith(QLatin1String("postgres://"), Qt::CaseInsensitive);
}

Result<PostgresUrl> PostgresUrl::parse(const QString &text)
{
    if (!isPostgresUrl(text))
        return Error { QStringLiteral("storage.url must start with postgresql:// (or be empty for SQLite)") };
    const QUrl url(text, QUrl::StrictMode);
    if (!url.isValid())
        return Error { QStringLiteral("storage.url is not a valid URL") };

    PostgresUrl out;
    out.m_host = url.host(QUrl::FullyDecoded);
    out.m_user = url.userName(QUrl::FullyDecoded);
    out.m_password = url.password(QUrl::FullyDecoded);
    const int port = url.port(5432);
    if (port <= 0 || port > 65535)
        return Error { QStringLiteral("storage.url has an invalid port") };
    out.m_port = port;
    QString path = url.path(QUrl::FullyDecoded);
    if (path.startsWith(QLatin1Char('/')))
        path.remove(0, 1);
    if (path.isEmpty() || path.contains(QLatin1Char('/')))
        return Error { QStringLiteral("storage.url must name one database: postgresql://host/DATABASE") };
    out.m_database = path;

    QStringList options;
    bool timeoutGiven = false;
    const QUrlQuery query(url);
    for (const auto &[key, value] : query.queryItems(QUrl::FullyDecoded)) {
        if (key == QLatin1String("host")) {
            if (!out.m_host.isEmpty())
                return Error { QStringLiteral("storage.url gives the host twice") };
            out.m_host = value;
            continue;
        }
        if (key == QLatin1String("port")) {
            bool ok = false;
            const int p = value.toInt(&ok);
            if (!ok || p <= 0 || p > 65535)
                return Error { QStringLiteral("storage.url has an invalid port") };
            out.m_port = p;
            continue;
        }
        if (key == QLatin1String("user")) {
            out.m_user = value;
            continue;
        }
        if (!allowedOptions.contains(key))
            return Error { QStringLiteral("storage.url: unknown option \"%1\"").arg(key.left(64)) };
        if (!safeOptionValue(value))
            return Error { QStringLiteral("storage.url: option \"%1\" has an invalid value").arg(key) };
        timeoutGiven = timeoutGiven || key == QLatin1String("connect_timeout");
        options << key + QLatin1Char('=') + value;
    }
    if (out.m_host.isEmpty())
        return Error { QStringLiteral("storage.url names no host (or host=/socket/directory)") };
    if (!timeoutGiven)
        options << QStringLiteral("connect_timeout=%1").arg(defaultConnectTimeoutS);
    out.m_options = options.join(QLatin1Char(';'));
    return out;
}

QString PostgresUrl::redacted() const
{
    QString who = m_user;
    if (!m_password.isEmpty())
        who += QStringLiteral(":***");
    if (!who.isEmpty())
        who += QLatin1Char('@');
    const bool socket = m_host.startsWith(QLatin1Char('/'));
    return QStringLiteral("postgresql://%1%2/%3%4")
        .arg(who, socket ? QString() : QStringLiteral("%1:%2").arg(m_host).arg(m_port), m_database,
             socket ? QStringLiteral("?host=%1&port=%2").arg(m_host).arg(m_port) : QString());
}

void PostgresUrl::applyTo(QSqlDatabase &db) const
{
    db.setHostName(m_host);
    db.setPort(m_port);
    db.setDatabaseName(m_database);
    db.setUserName(m_user);
    db.setPassword(m_password);
    db.setConnectOptions(m_options);
}

} // namespace Drawbridge
