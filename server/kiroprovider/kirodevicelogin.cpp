// SPDX-License-Identifier: MIT
#include "kirodevicelogin.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>

#include "server/core/clock.h"
#include "server/net/httpclient.h"

namespace Drawbridge {

namespace {

constexpr qsizetype maxResponseBytes = 64 * 1024;
const QString deviceGrant = QStringLiteral("urn:ietf:params:oauth:grant-type:device_code");

QJsonObject jsonOf(const HttpResponse &response)
{
    return QJsonDocument::fromJson(response.body).object();
}

QString str(const QJsonObject &o, const char *key)
{
    return o.value(QLatin1String(key)).toString();
}

/** The service's own words for an error answer, else the HTTP status. */
QString reasonOf(const HttpResponse &response)
{
    if (!response.ok())
        return response.error->message;
    const QJsonObject o = jsonOf(response);
    QString reason = str(o, "error_description");
    if (reason.isEmpty())
        reason = str(o, "message");
    if (reason.isEmpty())
        reason = str(o, "error");
    return reason.isEmpty() ? QStringLiteral("HTTP %1").arg(response.status) : reason;
}

} // namespace

QString KiroDeviceLogin::builderIdStartUrl()
{
    return QStringLiteral("https://view.awsapps.com/start");
}

KiroDeviceLogin::KiroDeviceLogin(HttpClient &http, const Clock &clock, Options options, QObject *parent)
    : QObject(parent), m_http(http), m_clock(clock), m_options(std::move(options))
{
    m_pollTimer.setSingleShot(true);
    connect(&m_pollTimer, &QTimer::timeout, this, &KiroDeviceLogin::poll);
}

KiroDeviceLogin::~KiroDeviceLogin() = default;

void KiroDeviceLogin::post(const QString &path, const QByteArray &body,
                           void (KiroDeviceLogin::*handler)(const HttpResponse &))
{
    HttpRequest request;
    request.method = QByteArrayLiteral("POST");
    request.url = QUrl(m_options.oidcBaseUrl + path);
    request.headers.append("Content-Type", "application/json");
    request.body = body;
    request.timeouts.totalMs = m_options.requestTimeoutMs;
    m_call = m_http.fetch(std::move(request), maxResponseBytes, [this, handler](HttpResponse response) {
        // The handler may start the next call: keep the finished one alive until it returns.
        const std::unique_ptr<HttpCall> finished = std::move(m_call);
        if (!m_done)
            (this->*handler)(response);
    });
}

void KiroDeviceLogin::start()
{
    m_done = false;
    const QJsonObject body {
        { QStringLiteral("clientName"), QStringLiteral("Drawbridge") },
        { QStringLiteral("clientType"), QStringLiteral("public") },
        { QStringLiteral("scopes"),
          QJsonArray { QStringLiteral("codewhisperer:completions"), QStringLiteral("codewhisperer:analysis"),
                       QStringLiteral("codewhisperer:conversations") } },
    };
    post(QStringLiteral("/client/register"), QJsonDocument(body).toJson(QJsonDocument::Compact),
         &KiroDeviceLogin::onRegistered);
}

void KiroDeviceLogin::cancel()
{
    m_done = true;
    m_pollTimer.stop();
    m_call.reset();
}

void KiroDeviceLogin::fail(const QString &message, bool expired)
{
    m_done = true;
    m_pollTimer.stop();
    Q_EMIT failed(message, expired);
}

void KiroDeviceLogin::onRegistered(const HttpResponse &response)
{
    const QJsonObject o = jsonOf(response);
    m_clientId = str(o, "clientId");
    m_clientSecret = str(o, "clientSecret");
    if (!response.ok() || response.status != 200 || m_clientId.isEmpty() || m_clientSecret.isEmpty()) {
        fail(QStringLiteral("The sign-in service did not register Drawbridge: %1").arg(reasonOf(response)));
        return;
    }
    const QJsonObject body { { QStringLiteral("clientId"), m_clientId },
                             { QStringLiteral("clientSecret"), m_clientSecret },
                             { QStringLiteral("startUrl"), m_options.startUrl } };
    post(QStringLiteral("/device_authorization"), QJsonDocument(body).toJson(QJsonDocument::Compact),
         &KiroDeviceLogin::onAuthorized);
}

void KiroDeviceLogin::onAuthorized(const HttpResponse &response)
{
    const QJsonObject o = jsonOf(response);
    m_deviceCode = str(o, "deviceCode");
    Code code;
    code.userCode = str(o, "userCode");
    code.verificationUri = str(o, "verificationUri");
    code.verificationUriComplete = str(o, "verificationUriComplete");
    if (!response.ok() || response.status != 200 || m_deviceCode.isEmpty() || code.userCode.isEmpty()
        || code.verificationUri.isEmpty()) {
        fail(QStringLiteral("The sign-in service gave no code: %1").arg(reasonOf(response)));
        return;
    }
    if (code.verificationUriComplete.isEmpty())
        code.verificationUriComplete = code.verificationUri;
    // RFC 8628: 5 s when the server names no interval; 10 minutes when it names no lifetime.
    const int interval
        = o.contains(QStringLiteral("interval")) ? o.value(QStringLiteral("interval")).toInt() : 5;
    const int expiresIn
        = o.contains(QStringLiteral("expiresIn")) ? o.value(QStringLiteral("expiresIn")).toInt() : 600;
    m_intervalMs = std::max(m_options.minIntervalMs, interval * 1000);
    m_expiresAtMs = m_clock.nowMs() + qint64(expiresIn) * 1000;
    code.expiresAtMs = m_expiresAtMs;
    Q_EMIT codeReady(code);
    if (!m_done)
        m_pollTimer.start(m_intervalMs);
}

void KiroDeviceLogin::poll()
{
    if (m_done)
        return;
    if (m_clock.nowMs() >= m_expiresAtMs) {
        fail(QStringLiteral(
                 "The code expired before it was confirmed. Start the sign-in again for a new one."),
             true);
        return;
    }
    const QJsonObject body { { QStringLiteral("clientId"), m_clientId },
                             { QStringLiteral("clientSecret"), m_clientSecret },
                             { QStringLiteral("grantType"), deviceGrant },
                             { QStringLiteral("deviceCode"), m_deviceCode } };
    post(QStringLiteral("/token"), QJsonDocument(body).toJson(QJsonDocument::Compact),
         &KiroDeviceLogin::onToken);
}

void KiroDeviceLogin::onToken(const HttpResponse &response)
{
    const QJsonObject o = jsonOf(response);
    if (response.ok() && response.status == 200) {
        Credentials c;
        c.refreshToken = str(o, "refreshToken");
        c.clientId = m_clientId;
        c.clientSecret = m_clientSecret;
        c.region = m_options.region;
        c.startUrl = m_options.startUrl;
        if (c.refreshToken.isEmpty()) {
            fail(QStringLiteral("The sign-in service answered without a refresh token."));
            return;
        }
        m_done = true;
        Q_EMIT signedIn(c);
        return;
    }
    const QString error = str(o, "error");
    if (error == QLatin1String("authorization_pending")) {
        m_pollTimer.start(m_intervalMs);
        return;
    }
    if (error == QLatin1String("slow_down")) {
        m_intervalMs += m_options.slowDownStepMs;
        m_pollTimer.start(m_intervalMs);
        return;
    }
    if (error == QLatin1String("expired_token")) {
        fail(QStringLiteral(
                 "The code expired before it was confirmed. Start the sign-in again for a new one."),
             true);
        return;
    }
    if (error == QLatin1String("access_denied")) {
        m_denied = true;
        fail(QStringLiteral("The sign-in was denied in the browser."));
        return;
    }
    fail(QStringLiteral("The sign-in failed: %1").arg(reasonOf(response)));
}

} // namespace Drawbridge
