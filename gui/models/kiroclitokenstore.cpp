// SPDX-License-Identifier: MIT
#include "kiroclitokenstore.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QUuid>

#include <optional>

namespace Drawbridge {

namespace {

const QString socialTokenKey = QStringLiteral("kirocli:social:token");
const QString oidcTokenKey = QStringLiteral("kirocli:odic:token");
const QString oidcRegistrationKey = QStringLiteral("kirocli:odic:device-registration");
const QString legacyTokenKey = QStringLiteral("codewhisperer:odic:token");
const QString legacyRegistrationKey = QStringLiteral("codewhisperer:odic:device-registration");
const QString profileStateKey = QStringLiteral("api.codewhisperer.profile");
// kiro-cli's default Builder ID start URL; any other start URL is an IAM Identity Center login.
const QString builderIdStartUrl = QStringLiteral("https://view.awsapps.com/start");

QString native(const QString &path)
{
    return QDir::toNativeSeparators(path);
}

/** A field under its kiro-cli (snake_case) name or the camelCase spelling some versions write. */
QString field(const QJsonObject &o, const char *snake, const char *camel)
{
    QString v = o.value(QLatin1String(snake)).toString().trimmed();
    if (v.isEmpty())
        v = o.value(QLatin1String(camel)).toString().trimmed();
    return v;
}

std::optional<QJsonObject> jsonObject(const QByteArray &bytes)
{
    if (bytes.isEmpty() || bytes.size() > KiroCliTokenStore::maxValueBytes)
        return std::nullopt;
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(bytes, &pe);
    if (pe.error != QJsonParseError::NoError || !doc.isObject())
        return std::nullopt;
    return doc.object();
}

/** The rows of @p table whose key is one of @p keys; values are TEXT or BLOB depending on the version. */
Result<QHash<QString, QByteArray>> readRows(QSqlDatabase &db, const QString &table, const QStringList &keys)
{
    QSqlQuery q(db);
    QStringList marks;
    for (qsizetype i = 0; i < keys.size(); ++i)
        marks.append(QStringLiteral("?"));
    // The table name is one of two constants above, never input; the keys are bound.
    if (!q.prepare(
            QStringLiteral("SELECT key, value FROM %1 WHERE key IN (%2)").arg(table, marks.join(u','))))
        return Error { q.lastError().databaseText() };
    for (const QString &k : keys)
        q.addBindValue(k);
    if (!q.exec())
        return Error { q.lastError().databaseText() };
    QHash<QString, QByteArray> rows;
    while (q.next())
        rows.insert(q.value(0).toString(), q.value(1).toByteArray());
    return rows;
}

Result<KiroNewAccount> readOpen(QSqlDatabase &db, const QString &path, qint64 nowMs)
{
    auto auth = readRows(
        db, QStringLiteral("auth_kv"),
        { socialTokenKey, oidcTokenKey, oidcRegistrationKey, legacyTokenKey, legacyRegistrationKey });
    if (!auth)
        return Error { QStringLiteral("%1 is not a kiro-cli database (%2)").arg(native(path), auth.error()) };

    // kiro-cli's own login first, then one left by Amazon Q Developer CLI.
    QString tokenKey;
    for (const QString &k : { socialTokenKey, oidcTokenKey, legacyTokenKey }) {
        if (auth->contains(k)) {
            tokenKey = k;
            break;
        }
    }
    if (tokenKey.isEmpty())
        return Error { QStringLiteral("kiro-cli is not logged in (run \"kiro-cli login\" first)") };
    const auto token = jsonObject(auth->value(tokenKey));
    if (!token)
        return Error { QStringLiteral("kiro-cli's login (%1) is not a JSON object").arg(tokenKey) };

    KiroNewAccount account;
    account.refreshToken = field(*token, "refresh_token", "refreshToken");
    if (account.refreshToken.isEmpty())
        return Error { QStringLiteral("kiro-cli's login has no refresh token; log in to kiro-cli again") };
    account.region = field(*token, "region", "region");
    account.profileArn = field(*token, "profile_arn", "profileArn");

    QString kind;
    if (tokenKey == socialTokenKey) {
        account.authMethod = QStringLiteral("social");
        const QString provider = field(*token, "provider", "provider");
        kind = provider.isEmpty() ? QStringLiteral("social login") : provider;
    } else {
        account.authMethod = QStringLiteral("idc");
        // The client that obtained the token, written by the same program (kirocli: or codewhisperer:).
        const QString registrationKey
            = tokenKey == oidcTokenKey ? oidcRegistrationKey : legacyRegistrationKey;
        const auto registration = jsonObject(auth->value(registrationKey));
        if (!registration)
            return Error { QStringLiteral(
                               "kiro-cli's login has no registered client (%1); log in to kiro-cli "
                               "again")
                               .arg(registrationKey) };
        account.clientId = field(*registration, "client_id", "clientId");
        account.clientSecret = field(*registration, "client_secret", "clientSecret");
        if (account.clientId.isEmpty() || account.clientSecret.isEmpty())
            return Error { QStringLiteral(
                               "kiro-cli's registered client (%1) has no client id or secret; log in "
                               "to kiro-cli again")
                               .arg(registrationKey) };
        const QString expires = field(*registration, "client_secret_expires_at", "clientSecretExpiresAt");
        const QDateTime expiresAt = QDateTime::fromString(expires, Qt::ISODateWithMs);
        if (expiresAt.isValid() && expiresAt.toMSecsSinceEpoch() <= nowMs)
            return Error { QStringLiteral("kiro-cli's registered client expired on %1; log in to kiro-cli "
                                          "again")
                               .arg(expiresAt.toUTC().toString(Qt::ISODate)) };
        if (account.region.isEmpty())
            account.region = field(*registration, "region", "region");
        const QString startUrl = field(*token, "start_url", "startUrl");
        kind = startUrl.isEmpty() || startUrl == builderIdStartUrl ? QStringLiteral("Builder ID")
                                                                   : QStringLiteral("IAM Identity Center");
    }
    account.name = QStringLiteral("kiro-cli (%1)").arg(kind);

    if (account.profileArn.isEmpty()) {
        // The profile chosen with "kiro-cli profile" (IAM Identity Center), or the one it looked up.
        auto state = readRows(db, QStringLiteral("state"), { profileStateKey });
        if (state && state->contains(profileStateKey)) {
            if (const auto profile = jsonObject(state->value(profileStateKey)))
                account.profileArn = field(*profile, "arn", "arn");
        }
    }
    return account;
}

} // namespace

QString KiroCliTokenStore::defaultPath()
{
    QString dataHome = qEnvironmentVariable("XDG_DATA_HOME");
    // The XDG rule: a relative value is invalid and ignored.
    if (dataHome.isEmpty() || QDir::isRelativePath(dataHome))
        dataHome = QDir::homePath() + QStringLiteral("/.local/share");
    return dataHome + QStringLiteral("/kiro-cli/data.sqlite3");
}

Result<KiroNewAccount> KiroCliTokenStore::read(const QString &path, qint64 nowMs)
{
    const QFileInfo info(path);
    if (!info.exists())
        return Error { QStringLiteral("%1 does not exist").arg(native(path)) };
    if (!info.isFile())
        return Error { QStringLiteral("%1 is not a file").arg(native(path)) };
    if (info.size() > maxFileBytes)
        return Error { QStringLiteral("%1 is too large to be kiro-cli's database").arg(native(path)) };
    {
        // SQLite opens anything lazily; a look at the header gives a clear message for a wrong file.
        QFile file(path);
        if (!file.open(QIODevice::ReadOnly))
            return Error { QStringLiteral("cannot read %1: %2").arg(native(path), file.errorString()) };
        if (file.read(16) != QByteArrayView("SQLite format 3\0", 16))
            return Error { QStringLiteral("%1 is not a SQLite database").arg(native(path)) };
    }

    const QString connection
        = QStringLiteral("kiro-cli-") + QUuid::createUuid().toString(QUuid::WithoutBraces);
    Result<KiroNewAccount> result = Error { QString() };
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), connection);
        db.setDatabaseName(path);
        // Read-only, and give up quickly if kiro-cli is writing: it owns the file.
        db.setConnectOptions(QStringLiteral("QSQLITE_OPEN_READONLY;QSQLITE_BUSY_TIMEOUT=2000"));
        if (!db.open())
            result = Error {
                QStringLiteral("cannot open %1: %2").arg(native(path), db.lastError().databaseText())
            };
        else
            result = readOpen(db, path, nowMs);
        db.close();
    }
    QSqlDatabase::removeDatabase(connection);
    return result;
}

} // namespace Drawbridge
