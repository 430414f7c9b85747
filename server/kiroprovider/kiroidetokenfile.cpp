// SPDX-License-Identifier: MIT
#include "kiroidetokenfile.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>

namespace Drawbridge {

namespace {

Result<QJsonObject> readJsonObject(const QString &path)
{
    QFile file(path);
    if (!file.exists())
        return Error { QStringLiteral("%1 does not exist").arg(QDir::toNativeSeparators(path)) };
    if (!QFileInfo(path).isFile())
        return Error { QStringLiteral("%1 is not a file").arg(QDir::toNativeSeparators(path)) };
    if (!file.open(QIODevice::ReadOnly))
        return Error {
            QStringLiteral("cannot read %1: %2").arg(QDir::toNativeSeparators(path), file.errorString())
        };
    const QByteArray bytes = file.read(KiroIdeTokenFile::maxFileBytes + 1);
    if (bytes.size() > KiroIdeTokenFile::maxFileBytes)
        return Error {
            QStringLiteral("%1 is too large to be a Kiro token file").arg(QDir::toNativeSeparators(path))
        };
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(bytes, &pe);
    if (pe.error != QJsonParseError::NoError || !doc.isObject())
        return Error { QStringLiteral("%1 is not a JSON object").arg(QDir::toNativeSeparators(path)) };
    return doc.object();
}

QString text(const QJsonObject &o, const char *name)
{
    return o.value(QLatin1String(name)).toString().trimmed();
}

/** The IDE's authMethod spelling ("social", "IdC") and the aliases gateways accept (§1.1). */
QString normalizeAuthMethod(const QString &raw)
{
    const QString lower = raw.trimmed().toLower();
    if (lower == QStringLiteral("social"))
        return QStringLiteral("social");
    if (lower == QStringLiteral("idc") || lower == QStringLiteral("builder-id")
        || lower == QStringLiteral("iam"))
        return QStringLiteral("idc");
    return {};
}

} // namespace

QString KiroIdeTokenFile::defaultPath()
{
    return QDir::homePath() + QStringLiteral("/.aws/sso/cache/kiro-auth-token.json");
}

Result<KiroIdeTokenFile::Credentials> KiroIdeTokenFile::read(const QString &path)
{
    auto token = readJsonObject(path);
    if (!token)
        return Error { token.error() };
    const QString shownPath = QDir::toNativeSeparators(path);

    Credentials c;
    c.refreshToken = text(*token, "refreshToken");
    if (c.refreshToken.isEmpty())
        return Error { QStringLiteral("%1 holds no refreshToken").arg(shownPath) };
    c.accessToken = text(*token, "accessToken");
    c.profileArn = text(*token, "profileArn");
    c.region = text(*token, "region");
    c.provider = text(*token, "provider");
    const QDateTime expires = QDateTime::fromString(text(*token, "expiresAt"), Qt::ISODateWithMs);
    if (expires.isValid())
        c.accessTokenExpiresAtMs = expires.toMSecsSinceEpoch();
    c.clientId = text(*token, "clientId");
    c.clientSecret = text(*token, "clientSecret");
    const QString clientIdHash = text(*token, "clientIdHash");

    const QString rawMethod = text(*token, "authMethod");
    c.authMethod = normalizeAuthMethod(rawMethod);
    if (c.authMethod.isEmpty()) {
        if (!rawMethod.isEmpty())
            return Error { QStringLiteral("%1 has an unknown authMethod '%2'").arg(shownPath, rawMethod) };
        // The rule kiro.rs, jwadow and AIClient share when authMethod is missing (§1.1).
        c.authMethod = (!clientIdHash.isEmpty() || (!c.clientId.isEmpty() && !c.clientSecret.isEmpty()))
            ? QStringLiteral("idc")
            : QStringLiteral("social");
    }
    if (c.authMethod == QStringLiteral("social"))
        return c;

    if (c.clientId.isEmpty() || c.clientSecret.isEmpty()) {
        if (clientIdHash.isEmpty())
            return Error { QStringLiteral(
                               "%1 is an IdC login without clientIdHash, so its client registration "
                               "cannot be found")
                               .arg(shownPath) };
        // The hash names a file in the same folder; anything that could step outside it is refused.
        static const QRegularExpression safeName(QStringLiteral("^[A-Za-z0-9_-]{1,128}$"));
        if (!safeName.match(clientIdHash).hasMatch())
            return Error { QStringLiteral("%1 names an invalid clientIdHash").arg(shownPath) };
        c.companionPath = QFileInfo(path).absoluteDir().filePath(clientIdHash + QStringLiteral(".json"));
        auto companion = readJsonObject(c.companionPath);
        if (!companion)
            return Error { QStringLiteral("IdC client registration: %1").arg(companion.error()) };
        c.clientId = text(*companion, "clientId");
        c.clientSecret = text(*companion, "clientSecret");
        if (c.clientId.isEmpty() || c.clientSecret.isEmpty())
            return Error { QStringLiteral("%1 holds no clientId/clientSecret")
                               .arg(QDir::toNativeSeparators(c.companionPath)) };
    }
    return c;
}

} // namespace Drawbridge
