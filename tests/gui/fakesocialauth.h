// SPDX-License-Identifier: MIT
#pragma once

#include <QCryptographicHash>
#include <QHttpServer>
#include <QHttpServerResponse>
#include <QJsonDocument>
#include <QJsonObject>

namespace Drawbridge::Test {

/**
 * A fake of Kiro's social auth service on 127.0.0.1: POST /oauth/token checks the PKCE verifier against the
 * challenge the browser's /login request carried (set `challenge` from that URL), accepts `code` once, and
 * answers tokens; POST /refreshToken accepts the refresh token it issued.
 */
class FakeSocialAuth
{
public:
    FakeSocialAuth()
    {
        const auto json = [](const QJsonObject &o, QHttpServerResponse::StatusCode status) {
            return QHttpServerResponse(QByteArrayLiteral("application/json"), QJsonDocument(o).toJson(),
                                       status);
        };
        m_server.route(
            QStringLiteral("/oauth/token"), QHttpServerRequest::Method::Post,
            [this, json](const QHttpServerRequest &r) {
                const QJsonObject body = QJsonDocument::fromJson(r.body()).object();
                tokenRequests.append(body);
                const QByteArray verifier = body.value(QStringLiteral("code_verifier")).toString().toLatin1();
                const QString computed = QString::fromLatin1(
                    QCryptographicHash::hash(verifier, QCryptographicHash::Sha256)
                        .toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals));
                if (computed != challenge
                    || body.value(QStringLiteral("redirect_uri")).toString() != redirectUri)
                    return json({ { QStringLiteral("message"), QStringLiteral("Invalid PKCE exchange") } },
                                QHttpServerResponse::StatusCode::BadRequest);
                if (body.value(QStringLiteral("code")).toString() != code || codeUsed)
                    return json({ { QStringLiteral("message"), QStringLiteral("Invalid code") } },
                                QHttpServerResponse::StatusCode::BadRequest);
                codeUsed = true;
                return json({ { QStringLiteral("accessToken"), QStringLiteral("aoa-social-1") },
                              { QStringLiteral("refreshToken"), QStringLiteral("aor-social-1") },
                              { QStringLiteral("profileArn"), profileArn },
                              { QStringLiteral("expiresIn"), 3600 } },
                            QHttpServerResponse::StatusCode::Ok);
            });
        m_server.route(
            QStringLiteral("/refreshToken"), QHttpServerRequest::Method::Post,
            [this, json](const QHttpServerRequest &r) {
                const QJsonObject body = QJsonDocument::fromJson(r.body()).object();
                if (body.value(QStringLiteral("refreshToken")).toString() != QLatin1String("aor-social-1"))
                    return json({ { QStringLiteral("message"), QStringLiteral("Invalid refresh token") } },
                                QHttpServerResponse::StatusCode::Unauthorized);
                ++refreshes;
                return json({ { QStringLiteral("accessToken"), QStringLiteral("aoa-social-2") },
                              { QStringLiteral("profileArn"), profileArn },
                              { QStringLiteral("expiresIn"), 3600 } },
                            QHttpServerResponse::StatusCode::Ok);
            });
        port = m_server.listen(QHostAddress::LocalHost, 0);
    }

    QString baseUrl() const { return QStringLiteral("http://127.0.0.1:%1").arg(port); }

    quint16 port = 0;
    QString challenge; ///< from the /login URL the browser was sent to
    QString code = QStringLiteral("code-1");
    QString redirectUri = QStringLiteral("kiro://kiro.kiroAgent/authenticate-success");
    QString profileArn = QStringLiteral("arn:aws:codewhisperer:us-east-1:699475941385:profile/EHGA3GRVQMUK");
    bool codeUsed = false;
    int refreshes = 0;
    QList<QJsonObject> tokenRequests;

private:
    QHttpServer m_server;
};

} // namespace Drawbridge::Test
