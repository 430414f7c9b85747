// SPDX-License-Identifier: MIT
#include "httpclient.h"

#include <QTimerEvent>

#include <algorithm>
#include <array>
#include <chrono>
#include <limits>
#include <optional>
#include <string_view>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "httpbodycollector.h"
#include "httpconnection.h"
#include "netlogging.h"
#include "tlscontext.h"

namespace Drawbridge {

namespace {

constexpr qint64 noDeadline = std::numeric_limits<qint64>::max();

// RFC 9110 tchar as a table: every byte of every header name of every request is checked, and three range
// tests plus a search of the symbol list per byte were ≈ 1 k instructions per Kiro request.
constexpr std::array<bool, 256> tokenChars = [] {
    std::array<bool, 256> t {};
    for (int c = 'a'; c <= 'z'; ++c)
        t[size_t(c)] = true;
    for (int c = 'A'; c <= 'Z'; ++c)
        t[size_t(c)] = true;
    for (int c = '0'; c <= '9'; ++c)
        t[size_t(c)] = true;
    for (char c : std::string_view("!#$%&'*+-.^_`|~"))
        t[static_cast<unsigned char>(c)] = true;
    return t;
}();

bool isTokenChar(char c)
{
    return tokenChars[static_cast<unsigned char>(c)];
}

bool isToken(QByteArrayView v)
{
    return !v.isEmpty() && std::all_of(v.begin(), v.end(), isTokenChar);
}

bool isFieldValue(QByteArrayView v)
{
    // Every field of every upstream call passes here, the Authorization field's kilobyte-long bearer token
    // among them: 16 bytes at a time, then byte by byte.
    const char *p = v.data();
    const char *const end = p + v.size();
#ifdef __SSE2__
    const __m128i cr = _mm_set1_epi8('\r');
    const __m128i lf = _mm_set1_epi8('\n');
    const __m128i nul = _mm_setzero_si128();
    for (; end - p >= 16; p += 16) {
        const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i *>(p));
        const __m128i bad = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(bytes, cr), _mm_cmpeq_epi8(bytes, lf)),
                                         _mm_cmpeq_epi8(bytes, nul));
        if (_mm_movemask_epi8(bad) != 0)
            return false;
    }
#endif
    return std::none_of(p, end, [](char c) { return c == '\r' || c == '\n' || c == '\0'; });
}

QString validate(const HttpRequest &request)
{
    if (!isToken(request.method))
        return QStringLiteral("invalid method");
    for (qsizetype i = 0; i < request.headers.size(); ++i) {
        const HttpHeaders::Field f = request.headers.at(i);
        if (!isToken(f.name) || !isFieldValue(f.value))
            return QStringLiteral("invalid header field");
        if (HttpHeaders::nameEquals(f.name, "content-length")
            || HttpHeaders::nameEquals(f.name, "transfer-encoding"))
            return QStringLiteral("Content-Length and Transfer-Encoding are set by the client");
    }
    return {};
}

} // namespace

HttpClient::HttpClient(HttpClientOptions options, QObject *parent)
    : QObject(parent), m_options(std::move(options))
{
}

const TlsContext *HttpClient::tlsContext(QString &error)
{
    if (!m_tlsContext) {
        auto made = TlsContext::create(
            m_options.sslConfiguration.value_or(QSslConfiguration::defaultConfiguration()));
        if (!made) {
            error = made.error();
            return nullptr;
        }
        m_tlsContext = std::move(*made);
    }
    return m_tlsContext.get();
}

HttpClient::~HttpClient()
{
    // Calls still running end silently: their handles become inert, connections die with us as children.
    for (auto &[key, pool] : m_pools) {
        for (HttpCall *call : pool->waiting) {
            call->m_waiting = false;
            call->m_client = nullptr;
        }
        for (HttpConnection *connection : pool->connections) {
            if (HttpCall *call = connection->call()) {
                call->m_client = nullptr;
                connection->detachCall();
            }
        }
    }
    for (HttpCall *call : m_deferred) {
        call->m_deferred = false;
        call->m_client = nullptr;
    }
}

qint64 HttpClient::nowNs()
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

qint64 HttpClient::deadlineAfter(qint64 fromNs, int ms)
{
    return ms > 0 ? fromNs + qint64(ms) * 1'000'000 : noDeadline;
}

std::unique_ptr<HttpCall> HttpClient::send(HttpRequest request, HttpResponseSink *sink)
{
    std::unique_ptr<HttpCall> call(new HttpCall(this, std::move(request), sink));
    call->m_sequence = ++m_sequence;
    call->m_startNs = nowNs();
    call->m_totalDeadlineNs = deadlineAfter(call->m_startNs, call->m_request.timeouts.totalMs);

    const QUrl &url = call->m_request.url;
    const bool sameUrl = m_lastPool && url == m_lastUrl;
    std::optional<HttpPoolKey> key;
    if (!sameUrl) {
        const QString scheme = url.scheme();
        const bool tls = scheme == u"https";
        if (!tls && scheme != u"http") {
            deferFailure(call.get(), HttpErrorKind::InvalidRequest,
                         QStringLiteral("unsupported URL scheme \"%1\"").arg(scheme));
            return call;
        }
        key = HttpPoolKey { url.host(), url.port(tls ? 443 : 80), tls, call->m_request.partition };
        if (key->host.isEmpty() || key->port <= 0 || key->port > 65535) {
            deferFailure(call.get(), HttpErrorKind::InvalidRequest, QStringLiteral("URL has no usable host"));
            return call;
        }
    }
    if (const QString problem = validate(call->m_request); !problem.isEmpty()) {
        deferFailure(call.get(), HttpErrorKind::InvalidRequest, problem);
        return call;
    }

    if (!sameUrl) {
        QByteArray target = url.toEncoded(QUrl::RemoveScheme | QUrl::RemoveAuthority | QUrl::RemoveFragment);
        if (!target.startsWith('/'))
            target.prepend('/');
        m_lastPool = poolFor(*key, url);
        m_lastUrl = url;
        m_lastTarget = target;
    } else if (call->m_request.partition != m_lastPool->key.partition) {
        // The same URL for another partition (the next Kiro account): its own pool of that origin.
        HttpPoolKey other = m_lastPool->key;
        other.partition = call->m_request.partition;
        m_lastPool = poolFor(other, url);
    }
    call->m_target = m_lastTarget;
    call->m_headRequest = call->m_request.method == "HEAD";
    call->m_wantsClose = call->m_request.headers.hasToken("connection", "close");
    call->m_pool = m_lastPool;
    dispatch(call.get());
    return call;
}

std::unique_ptr<HttpCall> HttpClient::fetch(HttpRequest request, qsizetype maxBodyBytes,
                                            std::function<void(HttpResponse)> done)
{
    auto collector = std::make_unique<HttpBodyCollector>(maxBodyBytes, std::move(done));
    HttpBodyCollector *sink = collector.get();
    std::unique_ptr<HttpCall> call = send(std::move(request), sink);
    sink->setCall(call.get());
    call->m_ownedSink = std::move(collector);
    return call;
}

HttpHostPool *HttpClient::poolFor(const HttpPoolKey &key, const QUrl &url)
{
    auto it = m_pools.find(key);
    if (it != m_pools.end())
        return it->second.get();
    auto pool = std::make_unique<HttpHostPool>();
    pool->key = key;
    QByteArray host = url.host(QUrl::FullyEncoded).toLatin1();
    if (host.contains(':'))
        host = '[' + host + ']';
    pool->hostHeader = host;
    if (url.port() != -1 && url.port() != (key.tls ? 443 : 80))
        pool->hostHeader += ':' + QByteArray::number(url.port());
    // Origins are the few upstream hosts the gateway talks to and partitions its accounts, so pools (a few
    // hundred bytes when empty) are kept for the client's lifetime.
    return m_pools.emplace(key, std::move(pool)).first->second.get();
}

void HttpClient::dispatch(HttpCall *call)
{
    HttpHostPool *pool = call->m_pool;
    while (!pool->idle.empty()) {
        HttpConnection *connection = pool->idle.back();
        pool->idle.pop_back();
        if (connection->isReusable()) {
            connection->start(call);
            return;
        }
        removeConnection(connection);
    }
    if (int(pool->connections.size()) < m_options.maxConnectionsPerHost) {
        openConnection(pool, call, deadlineAfter(call->m_startNs, call->m_request.timeouts.connectMs));
        return;
    }
    if (int(pool->waiting.size()) >= m_options.maxWaitingPerHost) {
        deferFailure(call, HttpErrorKind::QueueFull,
                     QStringLiteral("%1 connections to %2 are busy and %3 requests are waiting")
                         .arg(pool->connections.size())
                         .arg(pool->key.host)
                         .arg(pool->waiting.size()));
        return;
    }
    call->m_waitPosition = pool->waiting.insert(pool->waiting.end(), call);
    call->m_waiting = true;
    armWaitTimer(
        qMin(deadlineAfter(call->m_startNs, call->m_request.timeouts.connectMs), call->m_totalDeadlineNs));
}

void HttpClient::openConnection(HttpHostPool *pool, HttpCall *call, qint64 connectDeadlineNs)
{
    auto *connection = new HttpConnection(this, pool, m_options);
    pool->connections.push_back(connection);
    connection->connectToHost(connectDeadlineNs);
    connection->start(call);
}

void HttpClient::cancel(HttpCall *call)
{
    if (call->m_deferred) {
        call->m_deferred = false;
        m_deferred.erase(std::find(m_deferred.begin(), m_deferred.end(), call));
    }
    if (call->m_waiting) {
        call->m_waiting = false;
        call->m_pool->waiting.erase(call->m_waitPosition);
    }
    if (call->m_connection)
        call->m_connection->abandonCall();
}

void HttpClient::deferFailure(HttpCall *call, HttpErrorKind kind, const QString &message)
{
    call->m_deferred = true;
    call->m_deferredError = HttpError { kind, message };
    m_deferred.push_back(call);
    if (!m_deferTimer.isActive())
        m_deferTimer.start(0, this);
}

void HttpClient::flushDeferred()
{
    // Calls created by the callbacks below wait for the next round, so a sink that resends on failure
    // cannot keep this loop spinning.
    const quint64 last = m_sequence;
    while (!m_deferred.empty() && m_deferred.front()->m_sequence <= last) {
        HttpCall *call = m_deferred.front();
        m_deferred.pop_front();
        call->m_deferred = false;
        call->m_client = nullptr;
        const HttpError error = std::move(call->m_deferredError);
        call->m_sink->onFailed(error);
    }
    if (!m_deferred.empty() && !m_deferTimer.isActive())
        m_deferTimer.start(0, this);
}

void HttpClient::armWaitTimer(qint64 deadlineNs)
{
    if (deadlineNs == noDeadline)
        return;
    if (m_waitTimer.isActive() && m_waitTimerDeadlineNs <= deadlineNs)
        return;
    const qint64 remainingNs = deadlineNs - nowNs();
    const qint64 ms = remainingNs <= 0 ? 0 : (remainingNs + 999'999) / 1'000'000;
    m_waitTimerDeadlineNs = deadlineNs;
    m_waitTimer.start(int(qMin<qint64>(ms, std::numeric_limits<int>::max())), Qt::PreciseTimer, this);
}

void HttpClient::expireWaiters()
{
    const qint64 now = nowNs();
    qint64 next = noDeadline;
    for (auto &[key, pool] : m_pools) {
        for (auto it = pool->waiting.begin(); it != pool->waiting.end();) {
            HttpCall *call = *it;
            const qint64 connectDeadline = deadlineAfter(call->m_startNs, call->m_request.timeouts.connectMs);
            const qint64 deadline = qMin(connectDeadline, call->m_totalDeadlineNs);
            if (deadline > now) {
                next = qMin(next, deadline);
                ++it;
                continue;
            }
            it = pool->waiting.erase(it);
            call->m_waiting = false;
            deferFailure(call, HttpErrorKind::Timeout,
                         QStringLiteral("no connection to %1:%2 became free in time")
                             .arg(pool->key.host)
                             .arg(pool->key.port));
        }
    }
    armWaitTimer(next);
    flushDeferred();
}

void HttpClient::timerEvent(QTimerEvent *event)
{
    if (event->timerId() == m_deferTimer.timerId()) {
        m_deferTimer.stop();
        flushDeferred();
    } else if (event->timerId() == m_waitTimer.timerId()) {
        m_waitTimer.stop();
        expireWaiters();
    } else {
        QObject::timerEvent(event);
    }
}

void HttpClient::serveWaiters(HttpHostPool *pool)
{
    while (!pool->waiting.empty() && int(pool->connections.size()) < m_options.maxConnectionsPerHost) {
        HttpCall *call = pool->waiting.front();
        pool->waiting.pop_front();
        call->m_waiting = false;
        openConnection(pool, call, deadlineAfter(call->m_startNs, call->m_request.timeouts.connectMs));
    }
}

void HttpClient::removeConnection(HttpConnection *connection)
{
    HttpHostPool *pool = connection->pool();
    std::erase(pool->connections, connection);
    std::erase(pool->idle, connection);
    connection->shutdown();
}

void HttpClient::connectionIdle(HttpConnection *connection)
{
    HttpHostPool *pool = connection->pool();
    if (!pool->waiting.empty()) {
        HttpCall *call = pool->waiting.front();
        pool->waiting.pop_front();
        call->m_waiting = false;
        connection->enterIdle();
        connection->start(call);
        return;
    }
    connection->enterIdle();
    if (m_options.maxIdlePerHost <= 0) {
        removeConnection(connection);
        return;
    }
    // The cap is per origin, whatever the partitions: the one idle longest among the origin's pools is let go
    // (each pool's front; reuse takes the back, the most recently idle).
    qsizetype originIdle = 0;
    HttpConnection *oldest = nullptr;
    for (const auto &[key, other] : m_pools) {
        if (other->idle.empty() || !key.sameOrigin(pool->key))
            continue;
        originIdle += qsizetype(other->idle.size());
        if (!oldest || other->idle.front()->idleSinceNs() < oldest->idleSinceNs())
            oldest = other->idle.front();
    }
    if (originIdle >= m_options.maxIdlePerHost && oldest)
        removeConnection(oldest);
    pool->idle.push_back(connection);
}

void HttpClient::dropConnection(HttpConnection *connection)
{
    HttpHostPool *pool = connection->pool();
    removeConnection(connection);
    serveWaiters(pool);
}

void HttpClient::retryOnFreshConnection(HttpCall *call, HttpConnection *failed)
{
    HttpHostPool *pool = failed->pool();
    // The fresh connection takes the failed one's place, so the cap holds without serving waiters first.
    removeConnection(failed);
    openConnection(pool, call, deadlineAfter(nowNs(), call->m_request.timeouts.connectMs));
}

void HttpClient::abortAll()
{
    // Waiting calls go first: failing running ones frees connections that would otherwise be handed to them.
    for (auto &[key, pool] : m_pools) {
        while (!pool->waiting.empty()) {
            HttpCall *call = pool->waiting.front();
            pool->waiting.pop_front();
            call->m_waiting = false;
            deferFailure(call, HttpErrorKind::Aborted, QStringLiteral("aborted"));
        }
    }
    for (auto &[key, pool] : m_pools) {
        const std::vector<HttpConnection *> connections = pool->connections;
        for (HttpConnection *connection : connections) {
            if (HttpCall *call = connection->call()) {
                connection->abandonCall();
                deferFailure(call, HttpErrorKind::Aborted, QStringLiteral("aborted"));
            }
        }
    }
    flushDeferred();
}

void HttpClient::closeIdleConnections()
{
    for (auto &[key, pool] : m_pools) {
        while (!pool->idle.empty())
            removeConnection(pool->idle.back());
    }
}

int HttpClient::openConnectionCount() const
{
    int n = 0;
    for (const auto &[key, pool] : m_pools)
        n += int(pool->connections.size());
    return n;
}

int HttpClient::idleConnectionCount() const
{
    int n = 0;
    for (const auto &[key, pool] : m_pools)
        n += int(pool->idle.size());
    return n;
}

int HttpClient::waitingCallCount() const
{
    int n = 0;
    for (const auto &[key, pool] : m_pools)
        n += int(pool->waiting.size());
    return n;
}

} // namespace Drawbridge
