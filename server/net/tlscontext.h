// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QSslConfiguration>

#include <memory>

#include "server/core/result.h"

struct ssl_ctx_st;

namespace Drawbridge {

/**
 * @brief The OpenSSL client context that one HttpClient's TLS connections share.
 *
 * Built once from the client's QSslConfiguration: its CA certificates go into one trust store (with none
 * listed, the system's, as Qt's default configuration loads them), its protocol floor and its peer-verify
 * mode. QSslSocket built a fresh OpenSSL context, and loaded every CA into a fresh store, for each socket;
 * with kiro.ca_file that was about 0.3 ms per new connection (docs/architecture.md, "The TLS client").
 */
class TlsContext final
{
public:
    static Result<std::unique_ptr<TlsContext>> create(const QSslConfiguration &config);
    ~TlsContext();
    TlsContext(const TlsContext &) = delete;
    TlsContext &operator=(const TlsContext &) = delete;

    ssl_ctx_st *handle() const { return m_ctx; }
    /** The peer's certificate chain and name are checked (QSslSocket::VerifyNone turns that off). */
    bool verifiesPeer() const { return m_verifyPeer; }

private:
    TlsContext(ssl_ctx_st *ctx, bool verifyPeer);

    ssl_ctx_st *m_ctx;
    bool m_verifyPeer;
};

} // namespace Drawbridge
