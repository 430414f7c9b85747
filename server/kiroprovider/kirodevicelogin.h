// SPDX-License-Identifier: MIT
#pragma once

#include <QObject>
#include <QString>
#include <QTimer>

#include <memory>

namespace Drawbridge {

class Clock;
class HttpCall;
class HttpClient;
struct HttpResponse;

/**
 * @brief AWS Builder ID / IAM Identity Center sign-in by the OAuth device flow (RFC 8628) against SSO-OIDC
 * (`kiro.oidc_base_url`): register a public client, ask for a device code, show the user code and the
 * verification page, then poll the token endpoint, honouring `interval`, `slow_down` and the code's expiry.
 *
 * On success it reports the refresh token and the registered client's id and secret: what an "idc" account
 * needs (KiroAccountManager::addAccount). It never stores anything and never logs a token.
 */
class KiroDeviceLogin final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(KiroDeviceLogin)

public:
    /** AWS Builder ID's start URL: Builder ID is the Identity Center of this portal. */
    static QString builderIdStartUrl();

    struct Options
    {
        QString oidcBaseUrl; ///< e.g. "https://oidc.us-east-1.amazonaws.com"
        QString startUrl; ///< builderIdStartUrl() or the organisation's IAM Identity Center portal
        QString region = QStringLiteral("us-east-1");
        int minIntervalMs = 1000; ///< polling never goes faster than this, whatever the server says
        int slowDownStepMs = 5000; ///< RFC 8628 §3.5: every slow_down adds 5 s to the interval
        int requestTimeoutMs = 30'000;
    };

    struct Code
    {
        QString userCode;
        QString verificationUri;
        QString verificationUriComplete; ///< the page with the code filled in
        qint64 expiresAtMs = 0;
    };

    struct Credentials
    {
        QString refreshToken;
        QString clientId;
        QString clientSecret;
        QString region;
        QString startUrl;
    };

    KiroDeviceLogin(HttpClient &http, const Clock &clock, Options options, QObject *parent = nullptr);
    ~KiroDeviceLogin() override;

    /** Registers the client and asks for a code: codeReady(), then signedIn() or failed(). */
    void start();
    /** Stops polling; nothing is reported afterwards. */
    void cancel();
    /** The polling interval in use now (grows with slow_down). */
    int intervalMs() const { return m_intervalMs; }
    /** The user refused the sign-in in the browser (`access_denied`); set when failed() is reported. */
    bool denied() const { return m_denied; }

Q_SIGNALS:
    void codeReady(const Drawbridge::KiroDeviceLogin::Code &code);
    void signedIn(const Drawbridge::KiroDeviceLogin::Credentials &credentials);
    /** @p expired: the code ran out before the user confirmed it (start again for a new one). */
    void failed(const QString &message, bool expired);

private:
    void post(const QString &path, const QByteArray &body,
              void (KiroDeviceLogin::*handler)(const HttpResponse &));
    void onRegistered(const HttpResponse &response);
    void onAuthorized(const HttpResponse &response);
    void onToken(const HttpResponse &response);
    void poll();
    void fail(const QString &message, bool expired = false);

    HttpClient &m_http;
    const Clock &m_clock;
    Options m_options;
    std::unique_ptr<HttpCall> m_call;
    QTimer m_pollTimer;
    QString m_clientId;
    QString m_clientSecret;
    QString m_deviceCode;
    qint64 m_expiresAtMs = 0;
    int m_intervalMs = 0;
    bool m_done = false;
    bool m_denied = false;
};

} // namespace Drawbridge
