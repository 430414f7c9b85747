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

/** Identity of a pool: connections are only shared between requests with the same scheme, host and port. */
struct HttpPoolKey
{
    QString host;
    int port = 0;
    bool tls = false;

    friend bool operator==(const HttpPoolKey &a, const HttpPoolKey &b)
    {
        return a.port == b.port && a.tls == b.tls && a.host == b.host;
    }
    friend size_t qHash(const HttpPoolKey &key, size_t seed = 0) noexcept
    {
        return qHashMulti(seed, key.host, key.port, key.tls);
    }
};

/** Internal to HttpClient: the connections and waiting calls of one origin. */
struct HttpHostPool
{
    HttpPoolKey key;
    QByteArray hostHeader; ///< value of the Host field, identical for every request of this pool
    std::vector<HttpConnection *> connections; ///< every open one, including those still connecting
    std::vector<HttpConnection *> idle; ///< keep-alive connections ready for reuse; back = most recent
    std::list<HttpCall *> waiting; ///< FIFO of calls waiting for the cap to allow a connection
};

} // namespace Drawbridge
