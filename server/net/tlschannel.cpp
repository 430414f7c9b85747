// SPDX-License-Identifier: MIT
#include "tlschannel.h"

#include <QHostAddress>
#include <QTcpSocket>
#include <QUrl>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cerrno>
#include <sys/socket.h>

#include "tlscontext.h"

namespace Drawbridge {

namespace {

/** The index under which each SSL keeps its channel, for the callbacks. */
int channelIndex()
{
    static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
    return index;
}

QString lastOpenSslError()
{
    char text[256] = {};
    ERR_error_string_n(ERR_get_error(), text, sizeof text);
    ERR_clear_error();
    return QString::fromLatin1(text);
}

} // namespace

int (*TlsChannel::sessionCallback())(ssl_st *, ssl_session_st *)
{
    return &TlsChannel::onNewSession;
}

TlsChannel::TlsChannel(QTcpSocket *socket, const TlsContext &context, const QString &host,
                       const QByteArray &session, bool directIo)
    : m_socket(socket), m_directIo(directIo)
{
    static BIO_METHOD *const method = [] {
        BIO_METHOD *m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "drawbridge socket");
        BIO_meth_set_write(m, &TlsChannel::bioWrite);
        BIO_meth_set_read(m, &TlsChannel::bioRead);
        BIO_meth_set_ctrl(m, &TlsChannel::bioCtrl);
        BIO_meth_set_create(m, &TlsChannel::bioCreate);
        return m;
    }();
    ERR_clear_error();
    m_ssl = SSL_new(context.handle());
    BIO *bio = m_ssl ? BIO_new(method) : nullptr;
    if (!bio) {
        m_error = QStringLiteral("setting up TLS failed: ") + lastOpenSslError();
        SSL_free(m_ssl);
        m_ssl = nullptr;
        return;
    }
    BIO_set_data(bio, this);
    SSL_set_bio(m_ssl, bio, bio);
    SSL_set_ex_data(m_ssl, channelIndex(), this);
    SSL_set_connect_state(m_ssl);
    // Up to a whole buffer per read of the socket, not a record header and then its body.
    SSL_set_read_ahead(m_ssl, 1);

    const bool isAddress = QHostAddress().setAddress(host);
    const QByteArray name = isAddress ? host.toLatin1() : QUrl::toAce(host);
    if (!isAddress)
        SSL_set_tlsext_host_name(m_ssl, name.constData());
    if (context.verifiesPeer()) {
        X509_VERIFY_PARAM *param = SSL_get0_param(m_ssl);
        // The name must match the certificate's own; no partial wildcards (QSslSocket's rule too).
        X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
        const int set = isAddress ? X509_VERIFY_PARAM_set1_ip_asc(param, name.constData())
                                  : X509_VERIFY_PARAM_set1_host(param, name.constData(), size_t(name.size()));
        if (set != 1) {
            m_error = QStringLiteral("setting up TLS for %1 failed: %2").arg(host, lastOpenSslError());
            SSL_free(m_ssl);
            m_ssl = nullptr;
            return;
        }
    }
    if (!session.isEmpty()) {
        const auto *p = reinterpret_cast<const unsigned char *>(session.constData());
        if (SSL_SESSION *offered = d2i_SSL_SESSION(nullptr, &p, long(session.size()))) {
            SSL_set_session(m_ssl, offered);
            SSL_SESSION_free(offered);
        }
        ERR_clear_error(); // an unreadable session costs a full handshake, nothing more
    }
}

TlsChannel::~TlsChannel()
{
    SSL_free(m_ssl);
}

TlsChannel::Step TlsChannel::handshake()
{
    if (!m_ssl)
        return Step::Failed;
    ERR_clear_error();
    const int result = SSL_do_handshake(m_ssl);
    if (result == 1)
        return Step::Done;
    const int error = SSL_get_error(m_ssl, result);
    if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE)
        return Step::Pending;
    fail(error, "the TLS handshake");
    return Step::Failed;
}

bool TlsChannel::write(std::initializer_list<QByteArrayView> parts)
{
    if (!m_ssl)
        return false;
    // OpenSSL hands its BIO one record (at most 16 KiB of plaintext) at a time, so a 148 KiB Kiro request
    // went to the kernel in eleven send() calls, each a pass through TCP's send path and a wake-up of the
    // reader. The records are gathered in a buffer of the thread's and leave in one send() at the end, or
    // whenever gatherBytes have built up (the buffer's bound). One buffer serves every channel of the
    // thread, as write() runs to its end before another can start; a nested call (none is known) sends
    // record by record as before.
    static thread_local QByteArray gathered;
    static thread_local bool gatheredInUse = false;
    const bool gather = !gatheredInUse;
    if (gather) {
        gatheredInUse = true;
        if (gathered.capacity() < gatherBytes)
            gathered.reserve(gatherBytes);
        gathered.resize(0);
        m_gather = &gathered;
    }
    ERR_clear_error();
    bool ok = true;
    for (const QByteArrayView data : parts) {
        qsizetype done = 0;
        while (ok && done < data.size()) {
            const int piece = int(std::min<qsizetype>(data.size() - done, 1 << 30));
            // The BIO takes every record (what the kernel does not, Qt queues), so this completes or fails.
            const int written = SSL_write(m_ssl, data.data() + done, piece);
            if (written <= 0) {
                fail(SSL_get_error(m_ssl, written), "sending");
                ok = false;
                break;
            }
            done += written;
        }
        if (!ok)
            break;
    }
    if (gather) {
        if (ok && !flushGathered()) {
            m_tlsFailure = false;
            m_error = m_ioError.isEmpty() ? QStringLiteral("the connection ended during sending") : m_ioError;
            ok = false;
        }
        m_gather = nullptr;
        gathered.resize(0);
        gatheredInUse = false;
    }
    return ok;
}

bool TlsChannel::flushGathered()
{
    if (m_gather->isEmpty())
        return true;
    const int sent = sendToSocket(m_gather->constData(), int(m_gather->size()));
    m_gather->resize(0);
    return sent >= 0;
}

qint64 TlsChannel::read(char *out, qint64 max)
{
    if (!m_ssl)
        return -1;
    ERR_clear_error();
    const int got = SSL_read(m_ssl, out, int(std::min<qint64>(max, 1 << 30)));
    if (got > 0)
        return got;
    const int error = SSL_get_error(m_ssl, got);
    if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE)
        return 0;
    if (error == SSL_ERROR_ZERO_RETURN) {
        m_error.clear();
        m_tlsFailure = false;
        return -1;
    }
    fail(error, "receiving");
    return -1;
}

bool TlsChannel::hasBufferedInput() const
{
    return m_ssl && (SSL_pending(m_ssl) > 0 || SSL_has_pending(m_ssl));
}

bool TlsChannel::resumed() const
{
    return m_ssl && SSL_session_reused(m_ssl) == 1;
}

void TlsChannel::fail(int sslError, const char *during)
{
    const long verify = SSL_get_verify_result(m_ssl);
    m_tlsFailure = verify != X509_V_OK || sslError == SSL_ERROR_SSL;
    if (verify != X509_V_OK) {
        m_error = QStringLiteral("the server's certificate was not accepted: %1")
                      .arg(QLatin1String(X509_verify_cert_error_string(verify)));
    } else if (sslError == SSL_ERROR_SSL) {
        m_error = QStringLiteral("%1 failed: %2").arg(QLatin1String(during), lastOpenSslError());
    } else if (!m_ioError.isEmpty()) {
        m_error = m_ioError;
    } else {
        m_error = QStringLiteral("the connection ended during %1").arg(QLatin1String(during));
    }
    ERR_clear_error();
}

int TlsChannel::sendToSocket(const char *data, int size)
{
    int sent = 0;
    const qintptr fd = m_socket->socketDescriptor();
    if (m_directIo && fd >= 0 && m_socket->bytesToWrite() == 0
        && m_socket->state() == QAbstractSocket::ConnectedState) {
        while (sent < size) {
            const ssize_t n = ::send(int(fd), data + sent, size_t(size - sent), MSG_DONTWAIT | MSG_NOSIGNAL);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                break; // the kernel is full, or the socket failed: Qt takes the rest and reports errors
            sent += int(n);
        }
    }
    if (sent < size && m_socket->write(data + sent, size - sent) < 0) {
        m_ioError = m_socket->errorString();
        return -1;
    }
    return size;
}

int TlsChannel::receiveFromSocket(bio_st *bio, char *out, int size)
{
    // Qt reads all the kernel holds at each readiness event, before readyRead: its buffer is the input.
    // A recv() of our own would find nothing but the few bytes arriving in between, at a system call per
    // event (measured: one failed recv() per piece of a trickled answer).
    if (m_socket->bytesAvailable() > 0)
        return int(m_socket->read(out, size));
    if (m_socket->state() != QAbstractSocket::ConnectedState)
        return 0; // the stream has ended (Qt read its end)
    BIO_set_retry_read(bio);
    return -1;
}

int TlsChannel::bioWrite(bio_st *bio, const char *data, int size)
{
    BIO_clear_retry_flags(bio);
    auto *channel = static_cast<TlsChannel *>(BIO_get_data(bio));
    if (!channel->m_gather)
        return channel->sendToSocket(data, size);
    if (channel->m_gather->size() + size > gatherBytes && !channel->flushGathered())
        return -1;
    channel->m_gather->append(data, size);
    return size;
}

int TlsChannel::bioRead(bio_st *bio, char *out, int size)
{
    BIO_clear_retry_flags(bio);
    return static_cast<TlsChannel *>(BIO_get_data(bio))->receiveFromSocket(bio, out, size);
}

long TlsChannel::bioCtrl(bio_st *, int command, long, void *)
{
    // OpenSSL flushes after each flight; the bytes are with the kernel or Qt already.
    return command == BIO_CTRL_FLUSH ? 1 : 0;
}

int TlsChannel::bioCreate(bio_st *bio)
{
    BIO_set_init(bio, 1);
    return 1;
}

int TlsChannel::onNewSession(ssl_st *ssl, ssl_session_st *session)
{
    auto *channel = static_cast<TlsChannel *>(SSL_get_ex_data(ssl, channelIndex()));
    if (!channel || !channel->sessionIssued || !SSL_SESSION_is_resumable(session))
        return 0;
    const int size = i2d_SSL_SESSION(session, nullptr);
    if (size <= 0)
        return 0;
    QByteArray serialised(size, Qt::Uninitialized);
    auto *p = reinterpret_cast<unsigned char *>(serialised.data());
    i2d_SSL_SESSION(session, &p);
    channel->sessionIssued(std::move(serialised));
    return 0; // the session's reference stays with OpenSSL
}

} // namespace Drawbridge
