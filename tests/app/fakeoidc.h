// SPDX-License-Identifier: MIT
#pragma once

#include <QHttpServer>
#include <QHttpServerResponse>
#include <QJsonDocument>
#include <QJsonObject>

#include <deque>

namespace Drawbridge::Test {

inline QHttpServerResponse fakeOidcJson(const QJsonObject &o,
                                        QHttpServerResponse::StatusCode status
                                        = QHttpServerResponse::StatusCode::Ok)
{
    return QHttpServerResponse(QByteArrayLiteral("application/json"), QJsonDocument(o).toJson(), status);
}

/** A fake SSO-OIDC: /client/register, /device_authorization and a scripted /token. */
class FakeOidc
{
public:
    FakeOidc()
    {
        m_server.route(QStringLiteral("/client/register"), QHttpServerRequest::Method::Post,
                       [this](const QHttpServerRequest &r) {
                           registered = QJsonDocument::fromJson(r.body()).object();
                           return fakeOidcJson(
                               { { QStringLiteral("clientId"), QStringLiteral("client-1") },
                                 { QStringLiteral("clientSecret"), QStringLiteral("secret-1") } });
                       });
        m_server.route(
            QStringLiteral("/device_authorization"), QHttpServerRequest::Method::Post,
            [this](const QHttpServerRequest &r) {
                authorization = QJsonDocument::fromJson(r.body()).object();
                return fakeOidcJson(
                    { { QStringLiteral("deviceCode"), QStringLiteral("device-1") },
                      { QStringLiteral("userCode"), QStringLiteral("ABCD-EFGH") },
                      { QStringLiteral("verificationUri"), QStringLiteral("https://device.example") },
                      { QStringLiteral("verificationUriComplete"),
                        QStringLiteral("https://device.example?user_code=ABCD-EFGH") },
                      { QStringLiteral("expiresIn"), expiresIn },
                      { QStringLiteral("interval"), 0 } });
            });
        m_server.route(
            QStringLiteral("/token"), QHttpServerRequest::Method::Post, [this](const QHttpServerRequest &r) {
                const QJsonObject request = QJsonDocument::fromJson(r.body()).object();
                // An account's later token refreshes (the signed-in account in use) get a fresh access token.
                if (request.value(QStringLiteral("grantType")).toString() == QLatin1String("refresh_token"))
                    return fakeOidcJson({ { QStringLiteral("accessToken"), QStringLiteral("access-2") },
                                          { QStringLiteral("refreshToken"), QStringLiteral("refresh-1") },
                                          { QStringLiteral("expiresIn"), 3600 } });
                tokenRequests.append(request);
                const QString next
                    = tokenAnswers.empty() ? QStringLiteral("authorization_pending") : tokenAnswers.front();
                if (!tokenAnswers.empty())
                    tokenAnswers.pop_front();
                if (next == QLatin1String("ok"))
                    return fakeOidcJson({ { QStringLiteral("accessToken"), QStringLiteral("access-1") },
                                          { QStringLiteral("refreshToken"), QStringLiteral("refresh-1") },
                                          { QStringLiteral("expiresIn"), 3600 } });
                return fakeOidcJson({ { QStringLiteral("error"), next } },
                                    QHttpServerResponse::StatusCode::BadRequest);
            });
        port = m_server.listen(QHostAddress::LocalHost, 0);
    }

    QString baseUrl() const { return QStringLiteral("http://127.0.0.1:%1").arg(port); }

    quint16 port = 0;
    int expiresIn = 600;
    std::deque<QString> tokenAnswers;
    QJsonObject registered;
    QJsonObject authorization;
    QList<QJsonObject> tokenRequests;

private:
    QHttpServer m_server;
};

} // namespace Drawbridge::Test
