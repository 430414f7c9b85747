// SPDX-License-Identifier: MIT
#include "kirosociallogin.h"

#include <QCryptographicHash>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QUrlQuery>

#include "server/net/httpclient.h"

namespace Drawbridge {

namespace {

constexpr qsizetype maxResponseBytes = 64 * 1024;

QString randomUrlSafe(int bytes)
{
    QByteArray raw(bytes, Qt::Uninitialized);
    QRandomGenerator::system()->generate(raw.begin(), raw.end());
    return QString::fromLatin1(raw.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals));
}

/** The query of a pasted address: a whole URL (any scheme), "?code=…", or "code=…&state=…". */
QUrlQuery queryOf(const QString &pasted)
{
    const QString text = pasted.trimmed();
    const qsizetype mark = text.indexOf(u'?');
    QString query = mark >= 0 ? text.mid(mark + 1) : text;
    // A fragment is not part of the query.
    if (const qsizetype hash = query.indexOf(u'#'); hash >= 0)
        query.truncate(hash);
    return QUrlQuery(query);
}

} // namespace

KiroSocialLogin::KiroSocialLogin(HttpClient &http, QString authBaseUrl, QString provider, QObject *parent)
    : QObject(parent), m_http(http), m_authBaseUrl(std::move(authBaseUrl)), m_provider(std::move(provider))
{
    while (m_authBaseUrl.endsWith(u'/'))
        m_authBaseUrl.chop(1);
}

KiroSocialLogin::~KiroSocialLogin() = default;

QString KiroSocialLogin::challengeFor(const QString &verifier)
{
    return QString::fromLatin1(QCryptographicHash::hash(verifier.toLatin1(), QCryptographicHash::Sha256)
                                   .toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals));
}

QUrl KiroSocialLogin::loginUrl()
{
    // RFC 7636 §4.1: 32 random bytes make a 43-character verifier.
    m_verifier = randomUrlSafe(32);
    m_state = randomUrlSafe(16);
    QUrl url(m_authBaseUrl + QStringLiteral("/login"));
    QUrlQuery q;
    q.addQueryItem(QStringLiteral("idp"), m_provider);
    q.addQueryItem(QStringLiteral("redirect_uri"), QLatin1String(redirectUri));
    q.addQueryItem(QStringLiteral("code_challenge"), challengeFor(m_verifier));
    q.addQueryItem(QStringLiteral("code_challenge_method"), QStringLiteral("S256"));
    q.addQueryItem(QStringLiteral("state"), m_state);
    url.setQuery(q);
    return url;
}

void KiroSocialLogin::cancel()
{
    m_call.reset();
}

void KiroSocialLogin::complete(const QString &pastedAddress)
{
    if (m_verifier.isEmpty())
        return Q_EMIT failed(QStringLiteral("Open the sign-in page first."));
    if (pastedAddress.size() > maxPastedLength)
        return Q_EMIT failed(QStringLiteral("That is not the address of the sign-in page's last step."));
    const QUrlQuery query = queryOf(pastedAddress);
    const QString error = query.queryItemValue(QStringLiteral("error"), QUrl::FullyDecoded);
    if (!error.isEmpty()) {
        const QString description
            = query.queryItemValue(QStringLiteral("error_description"), QUrl::FullyDecoded);
        return Q_EMIT failed(QStringLiteral("The sign-in was not completed: %1")
                                 .arg(description.isEmpty() ? error : description));
    }
    const QString code = query.queryItemValue(QStringLiteral("code"), QUrl::FullyDecoded);
    if (code.isEmpty())
        return Q_EMIT failed(
            QStringLiteral("That address holds no sign-in code. Paste the whole address the browser ended "
                           "on (it starts with kiro:// and contains code=)."));
    // The state ties the answer to this sign-in: an address from another attempt, or someone else's, is
    // refused.
    if (query.queryItemValue(QStringLiteral("state"), QUrl::FullyDecoded) != m_state)
        return Q_EMIT failed(
            QStringLiteral("That address belongs to another sign-in. Open the sign-in page again and paste "
                           "the address it ends on."));

    HttpRequest request;
    request.method = QByteArrayLiteral("POST");
    request.url = QUrl(m_authBaseUrl + QStringLiteral("/oauth/token"));
    request.headers.append("Content-Type", "application/json");
    request.body
        = QJsonDocument(QJsonObject { { QStringLiteral("code"), code },
                                      { QStringLiteral("code_verifier"), m_verifier },
                                      { QStringLiteral("redirect_uri"), QLatin1String(redirectUri) } })
              .toJson(QJsonDocument::Compact);
    request.timeouts.totalMs = 30'000;
    m_call = m_http.fetch(std::move(request), maxResponseBytes, [this](HttpResponse response) {
        const std::unique_ptr<HttpCall> finished = std::move(m_call);
        onToken(response);
    });
}

void KiroSocialLogin::onToken(const HttpResponse &response)
{
    if (!response.ok())
        return Q_EMIT failed(
            QStringLiteral("The Kiro sign-in service could not be reached: %1").arg(response.error->message));
    const QJsonObject o = QJsonDocument::fromJson(response.body).object();
    Credentials c;
    c.refreshToken = o.value(QLatin1String("refreshToken")).toString();
    c.accessToken = o.value(QLatin1String("accessToken")).toString();
    c.profileArn = o.value(QLatin1String("profileArn")).toString();
    c.expiresInS = o.value(QLatin1String("expiresIn")).toInt();
    if (response.status != 200 || c.refreshToken.isEmpty()) {
        QString reason = o.value(QLatin1String("message")).toString();
        if (reason.isEmpty())
            reason = o.value(QLatin1String("error_description")).toString();
        if (reason.isEmpty())
            reason = QStringLiteral("HTTP status %1").arg(response.status);
        // A code is good for one exchange and a few minutes: the way out is a fresh sign-in.
        return Q_EMIT failed(
            QStringLiteral("Kiro did not accept the sign-in (%1). Open the sign-in page again.").arg(reason));
    }
    // One exchange per verifier.
    m_verifier.clear();
    Q_EMIT signedIn(c);
}

} // namespace Drawbridge
