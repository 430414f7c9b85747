// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QString>
#include <QUuid>

#include <utility>

namespace Drawbridge::Test {

// kiro-cli's values as it (and Amazon Q Developer CLI before it) serialises them: snake_case, RFC 3339 times.
// They live here because moc 6.4 skips test classes in files with multi-line raw strings like these.
inline const QByteArray builderIdToken = R"({"access_token":"aoa-access","expires_at":"2026-05-28T10:00:00Z",
"refresh_token":"aor-refresh-builder","region":"us-east-1","start_url":"https://view.awsapps.com/start",
"oauth_flow":"DeviceCode","scopes":["codewhisperer:completions"]})";
inline const QByteArray idcToken = R"({"access_token":"aoa-access","expires_at":"2026-05-28T10:00:00Z",
"refresh_token":"aor-refresh-idc","region":"eu-central-1","start_url":"https://acme.awsapps.com/start",
"oauth_flow":"DeviceCode"})";
inline const QByteArray registration = R"({"client_id":"client-1","client_secret":"secret-1",
"client_secret_expires_at":"2026-08-26T00:00:00Z","region":"us-east-1","oauth_flow":"DeviceCode"})";
inline const QByteArray expiredRegistration = R"({"client_id":"client-1","client_secret":"secret-1",
"client_secret_expires_at":"2026-01-01T00:00:00Z","region":"us-east-1","oauth_flow":"DeviceCode"})";
inline const QByteArray socialToken = R"({"access_token":"aoa-social","refresh_token":"aor-refresh-social",
"profile_arn":"arn:aws:codewhisperer:us-east-1:699475941385:profile/EHGA3GRVQMUK",
"expires_at":"2026-05-28T10:00:00Z","provider":"Github"})";
inline const QByteArray profile
    = R"({"arn":"arn:aws:codewhisperer:eu-central-1:123456789012:profile/ACME","profile_name":"QDevProfile"})";

inline const QByteArray cliUserToken = R"({"access_token":"aoa","expires_at":"2026-05-28T10:00:00Z",
"refresh_token":"aor-cli-refresh","region":"us-east-1","start_url":"https://view.awsapps.com/start",
"oauth_flow":"DeviceCode"})";
inline const QByteArray cliUserRegistration = R"({"client_id":"cli-client","client_secret":"cli-secret",
"client_secret_expires_at":"2026-08-26T00:00:00Z","region":"us-east-1","oauth_flow":"DeviceCode"})";

/**
 * Writes a database shaped like kiro-cli's `data.sqlite3`: the `auth_kv` and `state` tables of its schema
 * (key TEXT PRIMARY KEY, value), with the given rows. Returns false when SQLite refused.
 */
inline bool writeKiroCliDatabase(const QString &path, const QList<std::pair<QString, QByteArray>> &auth,
                                 const QList<std::pair<QString, QByteArray>> &state = {})
{
    const QString name = QStringLiteral("write-") + QUuid::createUuid().toString(QUuid::WithoutBraces);
    bool ok = true;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
        db.setDatabaseName(path);
        ok = db.open();
        QSqlQuery q(db);
        ok = ok && q.exec(QStringLiteral("CREATE TABLE auth_kv (key TEXT PRIMARY KEY, value TEXT)"));
        ok = ok && q.exec(QStringLiteral("CREATE TABLE state (key TEXT PRIMARY KEY, value BLOB)"));
        for (const auto &[key, value] : auth) {
            ok = ok && q.prepare(QStringLiteral("INSERT INTO auth_kv (key, value) VALUES (?, ?)"));
            q.addBindValue(key);
            q.addBindValue(QString::fromUtf8(value));
            ok = ok && q.exec();
        }
        for (const auto &[key, value] : state) {
            ok = ok && q.prepare(QStringLiteral("INSERT INTO state (key, value) VALUES (?, ?)"));
            q.addBindValue(key);
            q.addBindValue(value);
            ok = ok && q.exec();
        }
        db.close();
    }
    QSqlDatabase::removeDatabase(name);
    return ok;
}

} // namespace Drawbridge::Test
