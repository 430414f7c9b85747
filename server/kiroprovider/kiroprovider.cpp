// SPDX-License-Identifier: MIT
#include "kiroprovider.h"

#include "kirocall.h"
#include "server/core/accountpool.h"

namespace Drawbridge {

namespace {

// Endpoints are the few configured or regional base URLs; the bound only guards against an unusual setup.
constexpr qsizetype maxChatUrls = 64;

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

std::unique_ptr<ProviderCall> KiroProvider::start(ChatRequest request, ProviderSink *sink)
{
    auto call = std::make_unique<KiroCall>(*this, std::move(request), sink);
    call->begin();
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

PoolStatus KiroProvider::poolStatus() const
{
    return m_pool.status();
}

} // namespace Drawbridge
