// SPDX-License-Identifier: MIT
#include "kiroprovider.h"

#include "kirocall.h"
#include "server/core/accountpool.h"
#include "server/core/randomuuid.h"
#include "server/kiro/kirofingerprint.h"
#include "server/kiro/kiromodels.h"

namespace Drawbridge {

namespace {

// Endpoints are the few configured or regional base URLs; the bound only guards against an unusual setup.
constexpr qsizetype maxChatUrls = 64;
// One per account's machine id in use; the bound only guards against a pool of unusual size.
constexpr qsizetype maxChatHeads = 256;
// Model ids come from clients; the few real ones stay, an unusual stream of others starts the table afresh.
constexpr qsizetype maxContextWindows = 64;
// KiroFingerprint::chatHeaders() ends with these two, which change with every call.
constexpr qsizetype callOwnFields = 2;
constexpr QByteArrayView authorizationName("authorization");

} // namespace

KiroProvider::KiroProvider(AccountPool &pool, KiroCredentialSource &credentials, HttpClient &http,
                           const Clock &clock, const KiroSettings &settings, Options options, QObject *parent)
    : QObject(parent)
    , m_pool(pool)
    , m_credentials(credentials)
    , m_http(http)
    , m_clock(clock)
    , m_settings(settings)
    , m_options(options)
{
}

KiroProvider::~KiroProvider() = default;

std::unique_ptr<ProviderCall> KiroProvider::start(const ChatRequest &request, ProviderSink *sink)
{
    auto call = std::make_unique<KiroCall>(*this, sink);
    call->begin(request);
    return call;
}

QUrl KiroProvider::chatUrl(const QString &apiBaseUrl)
{
    if (const auto it = m_chatUrls.constFind(apiBaseUrl); it != m_chatUrls.cend())
        return *it;
    if (m_chatUrls.size() >= maxChatUrls)
        m_chatUrls.clear();
    const QUrl url(apiBaseUrl + QStringLiteral("/generateAssistantResponse"));
    m_chatUrls.insert(apiBaseUrl, url);
    return url;
}

HttpHeaders KiroProvider::chatHeaders(const QString &machineId, const QString &accessToken, int attempt)
{
    auto head = m_chatHeads.find(machineId);
    if (head == m_chatHeads.end() || head->accessToken != accessToken) {
        if (head == m_chatHeads.end() && m_chatHeads.size() >= maxChatHeads)
            m_chatHeads.clear();
        KiroFingerprint fp;
        fp.machineId = machineId;
        const KiroHeaderList fields = fp.sharedChatHeaders();
        ChatHead built;
        built.accessToken = accessToken;
        qsizetype bytes = 0;
        for (const auto &[name, value] : fields)
            bytes += name.size() + value.size();
        built.fingerprint.reserve(fields.size(), bytes);
        for (const auto &[name, value] : fields)
            built.fingerprint.append(name, value);
        built.authorization = "Bearer " + accessToken.toUtf8();
        head = m_chatHeads.insert(machineId, std::move(built));
    }
    // The call's own two, as KiroFingerprint::chatHeaders() writes them, without building its list.
    char invocation[uuidTextSize];
    randomUuidText(invocation);
    char attemptBuffer[KiroFingerprint::requestAttemptCapacity];
    const QByteArrayView attemptValue
        = KiroFingerprint::requestAttempt(attemptBuffer, attempt, m_options.maxAttempts);
    // The copy shares the kept block; reserving room for the rest detaches it once.
    HttpHeaders headers = head->fingerprint;
    headers.reserve(callOwnFields + 1,
                    KiroFingerprint::invocationIdName.size() + uuidTextSize
                        + KiroFingerprint::requestAttemptName.size() + attemptValue.size()
                        + authorizationName.size() + head->authorization.size());
    headers.append(KiroFingerprint::invocationIdName, QByteArrayView(invocation, uuidTextSize));
    headers.append(KiroFingerprint::requestAttemptName, attemptValue);
    headers.append(authorizationName, head->authorization);
    return headers;
}

int KiroProvider::builtinContextWindow(const QString &modelId, bool largeContextRequested)
{
    if (largeContextRequested)
        return KiroModels::contextWindow(modelId, true); // no lookup
    if (const auto it = m_contextWindows.constFind(modelId); it != m_contextWindows.cend())
        return *it;
    if (m_contextWindows.size() >= maxContextWindows)
        m_contextWindows.clear();
    const int window = KiroModels::contextWindow(modelId, false);
    m_contextWindows.insert(modelId, window);
    return window;
}

PoolStatus KiroProvider::poolStatus() const
{
    return m_pool.status();
}

} // namespace Drawbridge
