// SPDX-License-Identifier: MIT
#include "kiroaccountapi.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QUrlQuery>
#include <QUuid>

#include <initializer_list>
#include <utility>

#include "server/net/httpcall.h"
#include "server/net/httpclient.h"

namespace Drawbridge {

namespace {

HttpTimeouts smallCallTimeouts()
{
    // Refresh and usage answers are tiny; a service that needs longer is as good as down.
    HttpTimeouts t;
    t.connectMs = 10'000;
    t.headersMs = 30'000;
    t.idleReadMs = 30'000;
    t.totalMs = 60'000;
    return t;
}

QUrl endpoint(const QString &baseUrl, const QString &path)
{
    QString base = baseUrl;
    while (base.endsWith(u'/'))
        base.chop(1);
    return QUrl(base + path);
}

/**
 * A GET of the account API (getUsageLimits, ListAvailableModels): @p query in order, items with an empty
 * value left out; each value fully percent-encoded, since QUrlQuery leaves ':' and '/' alone and an ARN or a
 * page token must arrive as one opaque value. The bearer token and the IDE fingerprint headers go with it.
 */
HttpRequest apiGet(const QString &baseUrl, const QString &path,
                   std::initializer_list<std::pair<QString, QString>> query, const QString &accessToken,
                   const KiroFingerprint &fingerprint)
{
    HttpRequest request;
    request.method = QByteArrayLiteral("GET");
    request.timeouts = smallCallTimeouts();
    request.partition = KiroFingerprint::connectionPartition(fingerprint.machineId);
    QUrl url = endpoint(baseUrl, path);
    QUrlQuery items;
    for (const auto &[name, value] : query) {
        if (!value.isEmpty())
            items.addQueryItem(name, QString::fromLatin1(QUrl::toPercentEncoding(value)));
    }
    url.setQuery(items);
    request.url = url;
    const QByteArray authorization = "Bearer " + accessToken.toUtf8();
    request.headers.append("authorization", authorization);
    for (const auto &[name, value] : fingerprint.usageLimitsHeaders())
        request.headers.append(name, value);
    return request;
}

/** The upstream's own words from an error body (`message`, `error_description` or `error`), bounded. */
QString upstreamWords(const QByteArray &body)
{
    const QJsonObject o = QJsonDocument::fromJson(body).object();
    for (const char *key : { "error_description", "message", "error" }) {
        const QString s = o.value(QLatin1String(key)).toString();
        if (!s.isEmpty())
            return s.left(200);
    }
    return QString::fromUtf8(body.left(200)).simplified();
}

/** Destroying the HTTP call aborts it, also from inside its own callback (HttpCall's contract). */
class HttpPendingCall final : public KiroPendingCall
{
public:
    explicit HttpPendingCall(std::unique_ptr<HttpCall> call) : m_call(std::move(call)) { }

private:
    std::unique_ptr<HttpCall> m_call;
};

} // namespace

KiroAccountApi::KiroAccountApi(HttpClient &http) : m_http(http) { }

HttpRequest KiroAccountApi::refreshRequest(const RefreshInput &input)
{
    HttpRequest request;
    request.method = QByteArrayLiteral("POST");
    request.timeouts = smallCallTimeouts();
    request.partition = KiroFingerprint::connectionPartition(input.fingerprint.machineId);
    QJsonObject body;
    if (input.authMethod == QStringLiteral("idc")) {
        // The AWS SSO OIDC CreateToken call in the JSON form the IDE's SDK sends (§1.3).
        request.url = endpoint(input.authBaseUrl, QStringLiteral("/token"));
        body = QJsonObject { { QStringLiteral("clientId"), input.clientId },
                             { QStringLiteral("clientSecret"), input.clientSecret },
                             { QStringLiteral("refreshToken"), input.refreshToken },
                             { QStringLiteral("grantType"), QStringLiteral("refresh_token") } };
        const QByteArray invocation = QUuid::createUuid().toByteArray(QUuid::WithoutBraces);
        const KiroFingerprint &f = input.fingerprint;
        request.headers.append("content-type", "application/json");
        request.headers.append("x-amz-user-agent", "aws-sdk-js/3.980.0 KiroIDE");
        const QByteArray userAgent = "aws-sdk-js/3.980.0 ua/2.1 os/" + f.osName.toUtf8() + '#'
            + f.osVersion.toUtf8() + " lang/js md/nodejs#" + f.nodeVersion.toUtf8()
            + " api/sso-oidc#3.980.0 m/E KiroIDE";
        request.headers.append("user-agent", userAgent);
        request.headers.append("amz-sdk-invocation-id", invocation);
        request.headers.append("amz-sdk-request", "attempt=1; max=4");
    } else {
        request.url = endpoint(input.authBaseUrl, QStringLiteral("/refreshToken"));
        body = QJsonObject { { QStringLiteral("refreshToken"), input.refreshToken } };
        for (const auto &[name, value] : input.fingerprint.socialRefreshHeaders())
            request.headers.append(name, value);
    }
    request.body = QJsonDocument(body).toJson(QJsonDocument::Compact);
    return request;
}

KiroAccountApi::RefreshResult KiroAccountApi::readRefreshResponse(const HttpResponse &response)
{
    RefreshResult r;
    r.httpStatus = response.status;
    if (!response.ok()) {
        r.failure = Failure::Transient;
        r.message = QStringLiteral("auth service unreachable (%1): %2")
                        .arg(httpErrorKindName(response.error->kind), response.error->message);
        return r;
    }
    if (response.status != 200) {
        const KiroRefreshFailure kind = KiroErrorClassifier::classifyRefresh(response.status, response.body);
        // An OIDC client the service does not know (or that lacks the refresh grant) is as final as a dead
        // refresh token: retrying cannot help, only a new login can (§1.3 "client secret health").
        const QByteArray lower = response.body.toLower();
        const bool badClient = response.status == 400
            && (lower.contains("invalid_client") || lower.contains("unauthorized_client"));
        r.failure
            = (kind == KiroRefreshFailure::NeedsLogin || badClient) ? Failure::Rejected : Failure::Transient;
        r.message = QStringLiteral("auth service answered %1: %2")
                        .arg(response.status)
                        .arg(upstreamWords(response.body));
        return r;
    }
    const QJsonObject o = QJsonDocument::fromJson(response.body).object();
    r.tokens.accessToken = o.value(QStringLiteral("accessToken")).toString();
    if (r.tokens.accessToken.isEmpty()) {
        r.failure = Failure::Transient;
        r.message = QStringLiteral("auth service answered 200 without an accessToken");
        return r;
    }
    r.tokens.refreshToken = o.value(QStringLiteral("refreshToken")).toString();
    r.tokens.profileArn = o.value(QStringLiteral("profileArn")).toString();
    const int expiresIn = o.value(QStringLiteral("expiresIn")).toInt(0);
    if (expiresIn > 0)
        r.tokens.expiresInS = expiresIn;
    return r;
}

HttpRequest KiroAccountApi::usageLimitsRequest(const UsageInput &input)
{
    return apiGet(input.apiBaseUrl, QStringLiteral("/getUsageLimits"),
                  { { QStringLiteral("origin"), QStringLiteral("AI_EDITOR") },
                    { QStringLiteral("resourceType"), QStringLiteral("AGENTIC_REQUEST") },
                    { QStringLiteral("isEmailRequired"), QStringLiteral("true") },
                    { QStringLiteral("profileArn"), input.profileArn } },
                  input.accessToken, input.fingerprint);
}

KiroAccountApi::UsageResult KiroAccountApi::readUsageLimitsResponse(const HttpResponse &response)
{
    UsageResult r;
    if (!response.ok()) {
        r.message = QStringLiteral("getUsageLimits failed (%1): %2")
                        .arg(httpErrorKindName(response.error->kind), response.error->message);
        r.connectFailed = response.error->kind == HttpErrorKind::ConnectFailed;
        return r;
    }
    if (response.status != 200) {
        r.httpError = KiroErrorClassifier::classify(response.status, response.body,
                                                    response.headers.value("x-amzn-errortype"));
        r.message
            = QStringLiteral("getUsageLimits answered %1: %2").arg(response.status).arg(r.httpError->message);
        return r;
    }
    auto parsed = KiroUsageLimits::parse(response.body);
    if (!parsed) {
        r.message = parsed.error();
        return r;
    }
    r.limits = *parsed;
    return r;
}

HttpRequest KiroAccountApi::listAvailableModelsRequest(const ModelsInput &input)
{
    return apiGet(input.apiBaseUrl, QStringLiteral("/ListAvailableModels"),
                  { { QStringLiteral("origin"), QStringLiteral("AI_EDITOR") },
                    { QStringLiteral("maxResults"), QStringLiteral("50") },
                    { QStringLiteral("profileArn"), input.profileArn },
                    { QStringLiteral("nextToken"), input.nextToken } },
                  input.accessToken, input.fingerprint);
}

KiroAccountApi::ModelsResult KiroAccountApi::readListAvailableModelsResponse(const HttpResponse &response)
{
    ModelsResult r;
    if (!response.ok()) {
        r.message = QStringLiteral("ListAvailableModels failed (%1): %2")
                        .arg(httpErrorKindName(response.error->kind), response.error->message);
        r.connectFailed = response.error->kind == HttpErrorKind::ConnectFailed;
        return r;
    }
    if (response.status != 200) {
        r.httpError = KiroErrorClassifier::classify(response.status, response.body,
                                                    response.headers.value("x-amzn-errortype"));
        r.message = QStringLiteral("ListAvailableModels answered %1: %2")
                        .arg(response.status)
                        .arg(r.httpError->message);
        return r;
    }
    const QJsonObject o = QJsonDocument::fromJson(response.body).object();
    if (!o.value(QStringLiteral("models")).isArray()) {
        r.message = QStringLiteral("ListAvailableModels answered 200 without a models list");
        return r;
    }
    QList<ModelInfo> models;
    // Bounded: a catalog is a few dozen models; anything past this is not one.
    constexpr qsizetype maxModels = 500;
    for (const QJsonValue &v : o.value(QStringLiteral("models")).toArray()) {
        const QJsonObject m = v.toObject();
        const QString id = m.value(QStringLiteral("modelId")).toString().left(200);
        if (id.isEmpty() || models.size() >= maxModels)
            continue;
        const QJsonObject limits = m.value(QStringLiteral("tokenLimits")).toObject();
        models.append(
            ModelInfo { id, limits.value(QStringLiteral("maxInputTokens")).toInt(0),
                        limits.value(QStringLiteral("maxOutputTokens")).toInt(0),
                        KiroReasoningSchema::fromCatalogSchema(
                            m.value(QStringLiteral("additionalModelRequestFieldsSchema")).toObject()) });
    }
    r.models = models;
    r.nextToken = o.value(QStringLiteral("nextToken")).toString().left(4096);
    return r;
}

std::unique_ptr<KiroPendingCall> KiroAccountApi::listAvailableModels(const ModelsInput &input,
                                                                     std::function<void(ModelsResult)> done)
{
    return std::make_unique<HttpPendingCall>(m_http.fetch(listAvailableModelsRequest(input), maxResponseBytes,
                                                          [done = std::move(done)](HttpResponse response) {
                                                              done(readListAvailableModelsResponse(response));
                                                          }));
}

std::unique_ptr<KiroPendingCall> KiroAccountApi::refresh(const RefreshInput &input,
                                                         std::function<void(RefreshResult)> done)
{
    return std::make_unique<HttpPendingCall>(m_http.fetch(
        refreshRequest(input), maxResponseBytes,
        [done = std::move(done)](HttpResponse response) { done(readRefreshResponse(response)); }));
}

std::unique_ptr<KiroPendingCall> KiroAccountApi::usageLimits(const UsageInput &input,
                                                             std::function<void(UsageResult)> done)
{
    return std::make_unique<HttpPendingCall>(m_http.fetch(
        usageLimitsRequest(input), maxResponseBytes,
        [done = std::move(done)](HttpResponse response) { done(readUsageLimitsResponse(response)); }));
}

} // namespace Drawbridge
