// SPDX-License-Identifier: MIT
#pragma once

#include <QObject>
#include <QString>
#include <QUrl>

#include <memory>

namespace Drawbridge {

class HttpCall;
class HttpClient;
struct HttpResponse;

/**
 * @brief Kiro's social sign-in (Google, GitHub) as far as a desktop app other than Kiro can take it.
 *
 * Kiro's auth service runs an OAuth 2.0 authorization-code flow with PKCE (RFC 7636, S256):
 * `GET {auth}/login?idp=Google|Github&redirect_uri=…&code_challenge=…&code_challenge_method=S256&state=…`
 * in the browser, which ends on the redirect URI with `?code=…&state=…`; then
 * `POST {auth}/oauth/token` `{"code","code_verifier","redirect_uri"}` answers
 * `{"accessToken","refreshToken","profileArn","expiresIn"}`. The service redirects only to addresses it
 * allows; the one known to be allowed is the Kiro IDE's own, `kiro://kiro.kiroAgent/authenticate-success`,
 * which the browser hands to whatever owns `kiro://` (the IDE, if installed) or shows as an error page.
 * Drawbridge does not take over that scheme, so the user pastes the address the browser ended on (or its
 * `code=…&state=…` part) and complete() finishes the exchange.
 */
class KiroSocialLogin final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(KiroSocialLogin)

public:
    static constexpr const char *redirectUri = "kiro://kiro.kiroAgent/authenticate-success";
    /** Longest pasted address accepted; a real one is a few hundred bytes. */
    static constexpr int maxPastedLength = 16 * 1024;

    struct Credentials
    {
        QString refreshToken;
        QString accessToken;
        QString profileArn;
        int expiresInS = 0;
    };

    /** @p authBaseUrl like "https://prod.us-east-1.auth.desktop.kiro.dev"; @p provider "Google" or "Github".
     */
    KiroSocialLogin(HttpClient &http, QString authBaseUrl, QString provider, QObject *parent = nullptr);
    ~KiroSocialLogin() override;

    /** The page to open in the browser: a fresh verifier and state each time it is called. */
    QUrl loginUrl();
    /**
     * Finishes with the address the browser ended on (or its query): checks the state, then exchanges the
     * code; signedIn() or failed(), once.
     */
    void complete(const QString &pastedAddress);
    void cancel();

    /** The code_challenge for @p verifier: base64url(SHA-256(verifier)) without padding. */
    static QString challengeFor(const QString &verifier);

Q_SIGNALS:
    void signedIn(const Drawbridge::KiroSocialLogin::Credentials &credentials);
    void failed(const QString &message);

private:
    void onToken(const HttpResponse &response);

    HttpClient &m_http;
    QString m_authBaseUrl;
    QString m_provider;
    QString m_verifier;
    QString m_state;
    std::unique_ptr<HttpCall> m_call;
};

} // namespace Drawbridge
