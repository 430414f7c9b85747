// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QHashFunctions>
#include <QString>

#include <list>
#include <vector>

namespace Drawbridge {

class HttpCall;
class HttpConnection;

/**
 * Identity of a pool: connections are only shared between requests with the same scheme, host and port (the
 * origin) and the same partition (HttpRequest::partition).
 */
struct HttpPoolKey
{
    QString host;
    int port = 0;
    bool tls = false;
    QByteArray partition;

    bool sameOrigin(const HttpPoolKey &other) const
    {
        return port == other.port && tls == other.tls && host == other.host;
    }
    friend bool operator==(const HttpPoolKey &a, const HttpPoolKey &b)
    {
        return a.sameOrigin(b) && a.partition == b.partition;
    }
    friend size_t qHash(const HttpPoolKey &key, size_t seed = 0) noexcept
    {
        return qHashMulti(seed, key.host, key.port, key.tls, key.partition);
    }
};

/** Internal to HttpClient: the connections and waiting calls of one origin and partition. */
struct HttpHostPool
{
    HttpPoolKey key;
    QByteArray hostHeader; ///< value of the Host field, identical for every request of this pool
    std::vector<HttpConnection *> connections; ///< every open one, including those still connecting
    std::vector<HttpConnection *> idle; ///< keep-alive connections ready for reuse; back = most recent
    std::list<HttpCall *> waiting; ///< FIFO of calls waiting for the cap to allow a connection
    /**
     * The newest TLS session this origin's server issued to this partition (serialised, about 1-2 KiB; empty
     * = none yet). New connections resume it instead of a full handshake: no certificate chain to send and
     * verify, one round trip less before TLS 1.3. Every new connection of the pool offers it, as
     * QNetworkAccessManager's shared session cache does: servers send TLS 1.3 tickets after full handshakes,
     * not always after resumed ones, so a ticket used once and dropped would leave a burst of new connections
     * without one. A shared ticket links the connections that present it for the server, which the pool does
     * anyway (a kept-alive connection carries one request of the partition after another); other partitions
     * never see it, so it links nothing the partition keeps apart. An expired or refused ticket costs a full
     * handshake, whose tickets replace it. Only in memory.
     */
    QByteArray tlsSession;
};

} // namespace Drawbridge
