// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

#include <functional>
#include <initializer_list>

class QTcpSocket;
struct bio_st;
struct ssl_st;
struct ssl_session_st;

namespace Drawbridge {

class TlsContext;

/**
 * @brief TLS (OpenSSL) over a connected QTcpSocket, for HttpConnection.
 *
 * QSslSocket moved every byte through four buffers of its own: its plaintext write buffer, OpenSSL's memory
 * BIO (grown and zeroed for each write), a copy out of it, and the TCP socket's write buffer. A 148 KiB Kiro
 * request body went through all four before the kernel saw it. Here OpenSSL encrypts straight from the
 * caller's bytes and its BIO hands the records to the kernel (send() on the descriptor); only what the kernel
 * does not take at once goes into Qt's write buffer, which Qt flushes as the socket drains. Reads decrypt
 * what Qt's socket has read (Qt reads all the kernel holds at each readiness event; the pieces of a streamed
 * answer are small).
 *
 * Qt keeps the connection: it connects (through a proxy too), reports errors and the end of the stream.
 * Through a proxy (@p directIo false) every byte goes through Qt's socket, whose engine owns the tunnel.
 */
class TlsChannel final
{
public:
    enum class Step { Done, Pending, Failed };

    /** @p host is verified against the certificate (a name or an IP address) and sent as SNI if a name;
     *  @p session (serialised, as sessionIssued gives it) is offered for resumption; @p directIo: records
     *  may go to the descriptor itself (no proxy engine between). */
    TlsChannel(QTcpSocket *socket, const TlsContext &context, const QString &host, const QByteArray &session,
               bool directIo);
    ~TlsChannel();
    TlsChannel(const TlsChannel &) = delete;
    TlsChannel &operator=(const TlsChannel &) = delete;

    /** Advances the handshake with what has arrived; Failed leaves the reason in errorString(). */
    Step handshake();
    /**
     * Encrypts all of @p parts, in order, and hands the records on in as few send() calls as the kernel
     * allows (one for a Kiro request of up to gatherBytes); false (errorString()) if TLS or the socket
     * failed.
     */
    bool write(std::initializer_list<QByteArrayView> parts);
    bool write(QByteArrayView data) { return write({ data }); }

    /** Records are gathered up to this many bytes per send() (a thread's buffer, reused by every channel). */
    static constexpr int gatherBytes = 256 * 1024;
    /**
     * Decrypts into @p out: the number of bytes (> 0); 0 if nothing is there yet; -1 if the stream ended,
     * cleanly (errorString() empty: close_notify or the end of the TCP stream) or not.
     */
    qint64 read(char *out, qint64 max);
    /** Decrypted or received bytes are waiting in OpenSSL, to be read before the socket is asked again. */
    bool hasBufferedInput() const;
    /** The handshake resumed the offered session. */
    bool resumed() const;
    QString errorString() const { return m_error; }
    /** The last failure was TLS's own (an alert, a bad record, a refused certificate), not the transport
     *  ending or failing under it: a reset keep-alive connection is a closed connection, not a TLS error. */
    bool failedInTls() const { return m_tlsFailure; }

    /** Called with each session the server issues (serialised), for later connections to resume. */
    std::function<void(QByteArray)> sessionIssued;

    /** For TlsContext: the new-session callback that reaches the channel of the connection. */
    static int (*sessionCallback())(ssl_st *, ssl_session_st *);

private:
    static int bioWrite(bio_st *bio, const char *data, int size);
    static int bioRead(bio_st *bio, char *out, int size);
    static long bioCtrl(bio_st *bio, int command, long number, void *pointer);
    static int bioCreate(bio_st *bio);
    static int onNewSession(ssl_st *ssl, ssl_session_st *session);
    int sendToSocket(const char *data, int size);
    bool flushGathered();
    int receiveFromSocket(bio_st *bio, char *out, int size);
    void fail(int sslError, const char *during);

    QTcpSocket *m_socket;
    ssl_st *m_ssl = nullptr;
    bool m_directIo;
    QByteArray *m_gather = nullptr; ///< while write() runs: the records not yet sent (see write())
    QString m_ioError; ///< what the socket reported when a write failed
    QString m_error;
    bool m_tlsFailure = false;
};

} // namespace Drawbridge
