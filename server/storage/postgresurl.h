// SPDX-License-Identifier: MIT
#pragma once

#include <QString>

#include "server/core/result.h"

class QSqlDatabase;

namespace Drawbridge {

/**
 * @brief A `postgresql://user:password@host:port/database?option=value` URL (libpq's URI form), parsed.
 *
 * `host` may be empty or given as the query option `host=/run/postgresql` (a Unix socket directory), as libpq
 * allows. The recognised query options are passed on to libpq (sslmode, sslrootcert, connect_timeout,
 * application_name, ...); anything else is refused, so a typo is not silently ignored. The password never
 * appears in redacted() or in any error message.
 */
class PostgresUrl final
{
public:
    /** Whether @p url names PostgreSQL at all (scheme postgresql:// or postgres://). */
    static bool isPostgresUrl(const QString &url);
    static Result<PostgresUrl> parse(const QString &url);

    QString host() const { return m_host; }
    int port() const { return m_port; }
    QString database() const { return m_database; }
    QString user() const { return m_user; }
    QString password() const { return m_password; }
    /** libpq options for QSqlDatabase::setConnectOptions() ("key=value;key=value"). */
    QString connectOptions() const { return m_options; }
    /** The URL with the password replaced by "***", for messages and logs. */
    QString redacted() const;

    /** Sets host, port, database, user, password and options on a QPSQL connection. */
    void applyTo(QSqlDatabase &db) const;

private:
    QString m_host;
    int m_port = 5432;
    QString m_database;
    QString m_user;
    QString m_password;
    QString m_options;
};

} // namespace Drawbridge
