// SPDX-License-Identifier: MIT
#include "tlscontext.h"

#include <QSslCertificate>
#include <QSslSocket>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "tlschannel.h"

namespace Drawbridge {

namespace {

QString openSslError(const char *what)
{
    char text[256] = {};
    ERR_error_string_n(ERR_get_error(), text, sizeof text);
    ERR_clear_error();
    return QStringLiteral("%1: %2").arg(QLatin1String(what), QLatin1String(text));
}

} // namespace

TlsContext::TlsContext(ssl_ctx_st *ctx, bool verifyPeer) : m_ctx(ctx), m_verifyPeer(verifyPeer) { }

TlsContext::~TlsContext()
{
    SSL_CTX_free(m_ctx);
}

Result<std::unique_ptr<TlsContext>> TlsContext::create(const QSslConfiguration &config)
{
    ERR_clear_error();
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx)
        return Error { openSslError("creating the TLS context failed") };
    std::unique_ptr<TlsContext> out(new TlsContext(ctx, config.peerVerifyMode() != QSslSocket::VerifyNone));

    // Qt's floor: TLS 1.2 unless the configuration asks for 1.3 only; nothing older is offered.
    const int floor = config.protocol() == QSsl::TlsV1_3OrLater || config.protocol() == QSsl::TlsV1_3
        ? TLS1_3_VERSION
        : TLS1_2_VERSION;
    SSL_CTX_set_min_proto_version(ctx, floor);
    // A server that closes without close_notify ends the stream, as it did with QSslSocket: HTTP's own
    // framing (Content-Length, chunked) tells a complete response from a cut one.
    SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF | SSL_OP_NO_RENEGOTIATION);
    SSL_CTX_set_verify(ctx, out->m_verifyPeer ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, nullptr);

    const QList<QSslCertificate> cas = config.caCertificates();
    if (cas.isEmpty()) {
        // Qt's default configuration lists no CA and lets OpenSSL find the system's as needed: the same here.
        if (SSL_CTX_set_default_verify_paths(ctx) != 1)
            return Error { openSslError("loading the system's CA certificates failed") };
    } else {
        X509_STORE *store = SSL_CTX_get_cert_store(ctx);
        for (const QSslCertificate &ca : cas) {
            const QByteArray der = ca.toDer();
            const auto *p = reinterpret_cast<const unsigned char *>(der.constData());
            X509 *x509 = d2i_X509(nullptr, &p, long(der.size()));
            if (!x509)
                return Error { openSslError("reading a CA certificate failed") };
            // The same certificate twice (system and file) is not an error.
            X509_STORE_add_cert(store, x509);
            X509_free(x509);
        }
        ERR_clear_error();
    }
    // Sessions are kept by the pools (HttpHostPool::tlsSession), not in OpenSSL's cache.
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
    SSL_CTX_sess_set_new_cb(ctx, TlsChannel::sessionCallback());
    return out;
}

} // namespace Drawbridge
