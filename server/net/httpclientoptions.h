// SPDX-License-Identifier: MIT
#pragma once

#include <QNetworkProxy>
#include <QSslConfiguration>
#include <QStringList>

#include <optional>

namespace Drawbridge {

/** Pool and parsing bounds of one HttpClient. */
struct HttpClientOptions
{
    /** Open connections per pool (scheme+host+port and partition), counting those still connecting. */
    int maxConnectionsPerHost = 64;
    /** Calls that may wait for a connection per pool once the cap is reached; more fail with QueueFull. */
    int maxWaitingPerHost = 1024;
    /** A pooled keep-alive connection unused this long is closed. */
    int idleTimeoutMs = 30'000;
    /**
     * Idle keep-alive connections kept per scheme+host+port, all partitions together; past it the longest
     * idle one is closed. After a burst of a thousand streams the pool would otherwise hold every connection,
     * about 34 KB each with its buffers, for idleTimeoutMs (docs/architecture.md, "Memory after load"). 0
     * keeps none.
     */
    int maxIdlePerHost = 64;
    /** Bound for the status line plus header fields of a response, and separately for its trailers. */
    qsizetype maxHeaderBytes = 64 * 1024;
    /** TLS settings for https; unset uses the system CA store and Qt's defaults. */
    std::optional<QSslConfiguration> sslConfiguration;
    /** Proxy for https origins (HttpProxy tunnels with CONNECT); NoProxy connects directly. */
    QNetworkProxy httpsProxy { QNetworkProxy::NoProxy };
    /** Proxy for plain http origins. */
    QNetworkProxy httpProxy { QNetworkProxy::NoProxy };
    /** Hosts reached directly despite a proxy, in NO_PROXY syntax ("*", "host", ".domain", "host:port"). */
    QStringList noProxy;
};

} // namespace Drawbridge
