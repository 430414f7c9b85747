// SPDX-License-Identifier: MIT
#include <QElapsedTimer>
#include <QFile>
#include <QPointer>
#include <QRandomGenerator>
#include <QSslCertificate>
#include <QSslKey>
#include <QSslServer>
#include <QSslSocket>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>
#include <QTimer>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "server/net/httpclient.h"

using namespace Drawbridge;

namespace {

/** A loopback HTTP server whose every response byte is scripted by the test. */
class ScriptedServer final : public QObject
{
public:
    struct Peer
    {
        int id = 0;
        QPointer<QTcpSocket> socket;
        QByteArray inbox;
        int requests = 0;
        bool closedByServer = false;
        bool closedByClient = false;
        std::chrono::steady_clock::time_point closedAt; ///< when the server saw the client close
    };
    using Handler = std::function<void(Peer *peer, const QByteArray &head, const QByteArray &body)>;

    explicit ScriptedServer(Handler handler, std::optional<QSslConfiguration> tls = std::nullopt)
        : m_handler(std::move(handler))
    {
        if (tls) {
            auto *server = new QSslServer(this);
            server->setSslConfiguration(*tls);
            m_server = server;
        } else {
            m_server = new QTcpServer(this);
        }
        // Not newConnection: QSslServer queues a socket only once its handshake is done.
        connect(m_server, &QTcpServer::pendingConnectionAvailable, this,
                &ScriptedServer::onPendingConnection);
        m_server->listen(QHostAddress::LocalHost, 0);
    }

    ~ScriptedServer() override
    {
        // Sockets are children of m_server and would die after m_peers; their last signals must not reach a
        // peer.
        for (const auto &p : m_peers)
            delete p->socket.data();
    }
    Q_DISABLE_COPY_MOVE(ScriptedServer)

    QUrl url(const QString &path = QStringLiteral("/"), const QString &scheme = QStringLiteral("http"),
             const QString &host = QStringLiteral("127.0.0.1")) const
    {
        QUrl u;
        u.setScheme(scheme);
        u.setHost(host);
        u.setPort(m_server->serverPort());
        u.setPath(path);
        return u;
    }
    bool isListening() const { return m_server->isListening(); }
    int connectionCount() const { return int(m_peers.size()); }
    int closedByClientCount() const
    {
        int n = 0;
        for (const auto &p : m_peers)
            n += p->closedByClient ? 1 : 0;
        return n;
    }
    int requestCount() const { return int(m_heads.size()); }
    const QList<QByteArray> &heads() const { return m_heads; }
    const QList<QByteArray> &bodies() const { return m_bodies; }
    Peer *peer(int index) const { return m_peers.at(size_t(index)).get(); }

    static void send(Peer *peer, const QByteArray &bytes)
    {
        if (!peer->socket)
            return;
        peer->socket->write(bytes);
        peer->socket->flush();
    }
    /** Sends @p pieces one by one, @p gapMs apart, so the client sees them in separate reads. */
    static void sendPieces(Peer *peer, QList<QByteArray> pieces, int gapMs)
    {
        if (pieces.isEmpty() || !peer->socket)
            return;
        send(peer, pieces.takeFirst());
        if (!pieces.isEmpty())
            QTimer::singleShot(gapMs, peer->socket,
                               [peer, pieces, gapMs] { sendPieces(peer, pieces, gapMs); });
    }
    static void close(Peer *peer)
    {
        peer->closedByServer = true;
        if (peer->socket)
            peer->socket->disconnectFromHost();
    }
    static void abort(Peer *peer)
    {
        peer->closedByServer = true;
        if (peer->socket)
            peer->socket->abort();
    }

private:
    void onPendingConnection()
    {
        while (QTcpSocket *socket = m_server->nextPendingConnection()) {
            auto peer = std::make_unique<Peer>();
            peer->id = int(m_peers.size());
            peer->socket = socket;
            Peer *p = peer.get();
            m_peers.push_back(std::move(peer));
            socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
            connect(socket, &QTcpSocket::readyRead, this, [this, p] { onReadyRead(p); });
            connect(socket, &QTcpSocket::disconnected, this, [p] {
                if (!p->closedByServer) {
                    p->closedByClient = true;
                    p->closedAt = std::chrono::steady_clock::now();
                }
            });
        }
    }
    void onReadyRead(Peer *p)
    {
        p->inbox += p->socket->readAll();
        for (;;) {
            const qsizetype end = p->inbox.indexOf("\r\n\r\n");
            if (end < 0)
                return;
            const QByteArray head = p->inbox.first(end + 4);
            qsizetype length = 0;
            for (const QByteArray &line : head.split('\n')) {
                if (line.toLower().startsWith("content-length:"))
                    length = line.mid(15).trimmed().toLongLong();
            }
            if (p->inbox.size() < end + 4 + length)
                return;
            const QByteArray body = p->inbox.mid(end + 4, length);
            p->inbox.remove(0, end + 4 + length);
            ++p->requests;
            m_heads.append(head);
            m_bodies.append(body);
            m_handler(p, head, body);
            if (!p->socket || p->socket->state() != QAbstractSocket::ConnectedState)
                return;
        }
    }

    QTcpServer *m_server = nullptr;
    Handler m_handler;
    std::vector<std::unique_ptr<Peer>> m_peers;
    QList<QByteArray> m_heads;
    QList<QByteArray> m_bodies;
};

/** Records every callback and flags any that breaks the documented order. */
/**
 * A TCP relay between the client and a server that hands the server's bytes on in pieces of 1 to 7 bytes, one
 * piece per turn of the event loop: TLS records reach the client cut at every kind of point (inside the
 * record header, the body, the tag), as a network may deliver them. The client's bytes pass on at once.
 */
class TricklingRelay final : public QObject
{
public:
    TricklingRelay(quint16 target, quint32 seed) : m_target(target), m_random(seed)
    {
        m_listener.listen(QHostAddress::LocalHost, 0);
        connect(&m_listener, &QTcpServer::newConnection, this, &TricklingRelay::accept);
        m_tick.setInterval(0);
        connect(&m_tick, &QTimer::timeout, this, &TricklingRelay::sendPiece);
    }
    ~TricklingRelay() override
    {
        // The sockets outlive the timer (children and the listener's): their last signals must not reach it.
        if (m_up)
            disconnect(m_up, nullptr, nullptr, nullptr);
        if (m_down)
            disconnect(m_down, nullptr, nullptr, nullptr);
    }
    quint16 port() const { return m_listener.serverPort(); }
    qint64 pieces() const { return m_pieces; }

private:
    void accept()
    {
        m_down = m_listener.nextPendingConnection();
        m_up = new QTcpSocket(this);
        connect(m_down, &QIODevice::readyRead, this,
                [this] { m_toServer += m_down->readAll(), forwardUp(); });
        connect(m_up, &QAbstractSocket::connected, this, &TricklingRelay::forwardUp);
        connect(m_up, &QIODevice::readyRead, this, [this] {
            m_toClient += m_up->readAll();
            m_tick.start();
        });
        connect(m_up, &QAbstractSocket::disconnected, this, [this] { m_upClosed = true, m_tick.start(); });
        connect(m_down, &QAbstractSocket::disconnected, m_up, &QAbstractSocket::disconnectFromHost);
        m_up->connectToHost(QHostAddress::LocalHost, m_target);
    }
    void forwardUp()
    {
        if (m_up->state() == QAbstractSocket::ConnectedState && !m_toServer.isEmpty())
            m_up->write(std::exchange(m_toServer, {}));
    }
    void sendPiece()
    {
        if (m_toClient.isEmpty()) {
            m_tick.stop();
            if (m_upClosed && m_down)
                m_down->disconnectFromHost();
            return;
        }
        const qsizetype n = std::min<qsizetype>(m_toClient.size(), 1 + m_random.bounded(7));
        m_down->write(m_toClient.first(n));
        m_down->flush();
        m_toClient.remove(0, n);
        ++m_pieces;
    }

    QTcpServer m_listener;
    quint16 m_target;
    QRandomGenerator m_random;
    QTimer m_tick;
    QTcpSocket *m_down = nullptr;
    QTcpSocket *m_up = nullptr;
    QByteArray m_toServer;
    QByteArray m_toClient;
    bool m_upClosed = false;
    qint64 m_pieces = 0;
};

class RecordingSink final : public HttpResponseSink
{
public:
    int status = 0;
    HttpHeaders headers;
    QByteArray body;
    int headerCalls = 0;
    int dataCalls = 0;
    int finished = 0;
    int failed = 0;
    HttpError error;
    bool orderViolated = false;
    std::function<void(const char *event)> hook;

    bool done() const { return finished + failed > 0; }

    void onHeaders(int s, const HttpHeaders &h) override
    {
        orderViolated |= headerCalls > 0 || done();
        ++headerCalls;
        status = s;
        headers = h;
        if (hook)
            hook("headers");
    }
    void onData(const char *data, qsizetype size) override
    {
        orderViolated |= headerCalls == 0 || done() || size <= 0;
        ++dataCalls;
        body.append(data, size);
        if (hook)
            hook("data");
    }
    void onFinished() override
    {
        orderViolated |= headerCalls == 0 || done();
        ++finished;
        if (hook)
            hook("finished");
    }
    void onFailed(const HttpError &e) override
    {
        orderViolated |= done();
        ++failed;
        error = e;
        if (hook)
            hook("failed");
    }
};

HttpRequest get(const QUrl &url, HttpTimeouts timeouts = {})
{
    HttpRequest r;
    r.url = url;
    r.timeouts = timeouts;
    return r;
}

QByteArray okResponse(const QByteArray &body, const QByteArray &extraHeaders = {})
{
    return "HTTP/1.1 200 OK\r\nContent-Length: " + QByteArray::number(body.size()) + "\r\n" + extraHeaders
        + "\r\n" + body;
}

QByteArray chunkedResponse(const QList<QByteArray> &chunks)
{
    QByteArray r = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (const QByteArray &c : chunks) {
        if (c.isEmpty())
            continue; // an empty chunk would end the body
        r += QByteArray::number(c.size(), 16) + ";ext=1\r\n" + c + "\r\n";
    }
    return r + "0\r\nX-Trailer: t\r\n\r\n";
}

QSslCertificate testCertificate()
{
    QFile file(QFINDTESTDATA("data/localhost.crt"));
    return file.open(QIODevice::ReadOnly) ? QSslCertificate(file.readAll()) : QSslCertificate();
}

/** A certificate for other.invalid only (self-signed, trusted where a test says so). */
QSslCertificate otherCertificate()
{
    QFile file(QFINDTESTDATA("data/other.crt"));
    return file.open(QIODevice::ReadOnly) ? QSslCertificate(file.readAll()) : QSslCertificate();
}

QSslConfiguration serverTlsConfiguration(const QString &name = QStringLiteral("localhost"))
{
    const bool localhost = name == QLatin1String("localhost");
    QSslConfiguration config = QSslConfiguration::defaultConfiguration();
    QFile keyFile(localhost ? QFINDTESTDATA("data/localhost.key") : QFINDTESTDATA("data/other.key"));
    if (keyFile.open(QIODevice::ReadOnly))
        config.setPrivateKey(QSslKey(keyFile.readAll(), QSsl::Rsa));
    config.setLocalCertificate(localhost ? testCertificate() : otherCertificate());
    return config;
}

/** The server's root, over TLS by the certificate's name. */
QUrl testUrl(const ScriptedServer &server, bool tls)
{
    return tls ? server.url(QStringLiteral("/"), QStringLiteral("https"), QStringLiteral("localhost"))
               : server.url();
}

/** Client options that trust the test certificate (localhost, 127.0.0.1). */
HttpClientOptions trustingTestCertificate()
{
    HttpClientOptions options;
    QSslConfiguration trust = QSslConfiguration::defaultConfiguration();
    trust.setCaCertificates({ testCertificate() });
    options.sslConfiguration = trust;
    return options;
}

// The request path of a scripted request head ("GET /path HTTP/1.1").
QByteArray pathOf(const QByteArray &head)
{
    return head.split(' ').value(1);
}

#define VERIFY_ONE_TERMINAL(sink)                                                                            \
    do {                                                                                                     \
        QTest::qWait(20);                                                                                    \
        QCOMPARE((sink).finished + (sink).failed, 1);                                                        \
        QVERIFY(!(sink).orderViolated);                                                                      \
    } while (false)

} // namespace

class TstHttpClient : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void splitResponses_data();
    void splitResponses();
    void byteByByte_data();
    void byteByByte();
    void keepAliveReuse();
    void partitionsKeepConnectionsApart();
    void idleCapSpansPartitions();
    void requestHeadAndBody();
    void bodiesTheKernelTakesInPart_data();
    void bodiesTheKernelTakesInPart();
    void urlChangesBetweenCalls();
    void headerNamesAreTokens();
    void serverClosesIdleConnection_data();
    void serverClosesIdleConnection();
    void staleConnectionRetriedOnce_data();
    void staleConnectionRetriedOnce();
    void noRetryAfterResponseBytes();
    void noRetryOnFreshConnection();
    void connectionCloseNotReused();
    void http10ReadUntilClose();
    void headAnd204HaveNoBody();
    void interimResponsesSkipped();
    void oversizedHeadersRejected();
    void malformedResponses_data();
    void malformedResponses();
    void timeouts_data();
    void timeouts();
    void abortFromCallback_data();
    void abortFromCallback();
    void destroyHandleMidStream();
    void destroyHandleWhileConnecting();
    void poolCapAndWaitList();
    void waitListTimeout();
    void idleConnectionsExpire();
    void manyConcurrentRequests();
    void idleConnectionsCappedPerHost_data();
    void idleConnectionsCappedPerHost();
    void failuresAreNeverSynchronous_data();
    void failuresAreNeverSynchronous();
    void connectionRefused();
    void fetchCollectsBody();
    void fetchRejectsOversizedBody();
    void abortAll();
    void clientDestroyedWithRunningCalls();
    void tlsKeepAlive();
    void tlsRecordsInPieces_data();
    void tlsRecordsInPieces();
    void tlsUntrustedCertificate();
    void tlsNameMismatch_data();
    void tlsNameMismatch();
    void tlsServerNameIndication_data();
    void tlsServerNameIndication();
};

void TstHttpClient::splitResponses_data()
{
    QTest::addColumn<QByteArray>("response");
    QTest::addColumn<QByteArray>("body");
    QTest::newRow("content-length") << okResponse("hello world") << QByteArray("hello world");
    QTest::newRow("chunked") << chunkedResponse({ "hello", " ", "world" }) << QByteArray("hello world");
}

void TstHttpClient::splitResponses()
{
    QFETCH(QByteArray, response);
    QFETCH(QByteArray, body);
    // Request n is answered in two writes split at byte n, over one keep-alive connection.
    ScriptedServer server([&](ScriptedServer::Peer *peer, const QByteArray &head, const QByteArray &) {
        const qsizetype at = pathOf(head).mid(1).toLongLong();
        ScriptedServer::sendPieces(peer, { response.first(at), response.sliced(at) }, 2);
    });
    HttpClient client;
    for (qsizetype at = 1; at < response.size(); ++at) {
        RecordingSink sink;
        auto call = client.send(get(server.url(QLatin1Char('/') + QString::number(at))), &sink);
        QTRY_VERIFY_WITH_TIMEOUT(sink.done(), 5000);
        QVERIFY2(sink.finished == 1,
                 qPrintable(QStringLiteral("split at %1: %2").arg(at).arg(sink.error.message)));
        QCOMPARE(sink.status, 200);
        QCOMPARE(sink.body, body);
        QVERIFY(!sink.orderViolated);
    }
    QCOMPARE(server.connectionCount(), 1);
    QCOMPARE(server.requestCount(), int(response.size() - 1));
}

void TstHttpClient::byteByByte_data()
{
    splitResponses_data();
}

void TstHttpClient::byteByByte()
{
    QFETCH(QByteArray, response);
    QFETCH(QByteArray, body);
    ScriptedServer server([&](ScriptedServer::Peer *peer, const QByteArray &, const QByteArray &) {
        QList<QByteArray> bytes;
        for (const char c : response)
            bytes.append(QByteArray(1, c));
        ScriptedServer::sendPieces(peer, bytes, 1);
    });
    HttpClient client;
    RecordingSink sink;
    auto call = client.send(get(server.url()), &sink);
    QTRY_VERIFY_WITH_TIMEOUT(sink.done(), 5000);
    QCOMPARE(sink.finished, 1);
    QCOMPARE(sink.body, body);
    QVERIFY(sink.dataCalls >= 3); // the body really arrived in pieces
    VERIFY_ONE_TERMINAL(sink);
}

void TstHttpClient::keepAliveReuse()
{
    ScriptedServer server([](ScriptedServer::Peer *peer, const QByteArray &head, const QByteArray &) {
        ScriptedServer::send(peer, okResponse(pathOf(head)));
    });
    HttpClient client;
    for (int i = 0; i < 20; ++i) {
        RecordingSink sink;
        auto call = client.send(get(server.url(QStringLiteral("/r%1").arg(i))), &sink);
        QTRY_VERIFY(sink.done());
        QCOMPARE(sink.finished, 1);
        QCOMPARE(sink.body, "/r" + QByteArray::number(i));
    }
    QCOMPARE(server.connectionCount(), 1);
    QCOMPARE(server.requestCount(), 20);
    QCOMPARE(client.openConnectionCount(), 1);
    QCOMPARE(client.idleConnectionCount(), 1);
    client.closeIdleConnections();
    QCOMPARE(client.openConnectionCount(), 0);
    QTRY_COMPARE(server.closedByClientCount(), 1);
}

void TstHttpClient::partitionsKeepConnectionsApart()
{
    // Requests of one origin in different partitions (Kiro accounts) never share a connection; within a
    // partition the kept-alive one is reused, whichever partition went in between.
    ScriptedServer server([](ScriptedServer::Peer *peer, const QByteArray &head, const QByteArray &) {
        ScriptedServer::send(peer, okResponse(pathOf(head)));
    });
    HttpClient client;
    const QByteArray partitions[] = { "a", "b", "a", "a", "b", "", "b", "" };
    for (int i = 0; i < int(std::size(partitions)); ++i) {
        HttpRequest request = get(server.url(QStringLiteral("/r%1").arg(i)));
        request.partition = partitions[i];
        RecordingSink sink;
        auto call = client.send(std::move(request), &sink);
        QTRY_VERIFY(sink.done());
        QCOMPARE(sink.finished, 1);
        QCOMPARE(sink.body, "/r" + QByteArray::number(i));
        QCOMPARE(client.openConnectionCount(), server.connectionCount());
    }
    QCOMPARE(server.requestCount(), int(std::size(partitions)));
    QCOMPARE(server.connectionCount(), 3); // "a", "b" and the empty one
    QCOMPARE(client.idleConnectionCount(), 3);
}

void TstHttpClient::idleCapSpansPartitions()
{
    // maxIdlePerHost bounds an origin's idle connections whatever their partitions: a third partition's
    // connection going idle closes the one idle longest, another partition's.
    ScriptedServer server([](ScriptedServer::Peer *peer, const QByteArray &head, const QByteArray &) {
        ScriptedServer::send(peer, okResponse(pathOf(head)));
    });
    HttpClientOptions options;
    options.maxIdlePerHost = 2;
    HttpClient client(options);
    const auto run = [&](const QByteArray &partition) {
        HttpRequest request = get(server.url(QStringLiteral("/") + QString::fromLatin1(partition)));
        request.partition = partition;
        RecordingSink sink;
        auto call = client.send(std::move(request), &sink);
        QTRY_VERIFY(sink.done());
        QCOMPARE(sink.finished, 1);
    };
    run("a");
    run("b");
    QCOMPARE(client.idleConnectionCount(), 2);
    run("c");
    QCOMPARE(client.idleConnectionCount(), 2);
    QTRY_COMPARE(server.closedByClientCount(), 1);
    run("b"); // kept: reused
    run("c"); // kept: reused
    QCOMPARE(server.connectionCount(), 3);
    run("a"); // "a"'s was the one let go
    QCOMPARE(server.connectionCount(), 4);
    QCOMPARE(client.idleConnectionCount(), 2);
}

void TstHttpClient::requestHeadAndBody()
{
    ScriptedServer server([](ScriptedServer::Peer *peer, const QByteArray &, const QByteArray &body) {
        ScriptedServer::send(peer, okResponse(QByteArray::number(body.size())));
    });
    HttpClient client;
    QByteArray big(1024 * 1024, Qt::Uninitialized);
    for (qsizetype i = 0; i < big.size(); ++i)
        big[i] = char('a' + i % 26);
    for (const QByteArray &payload : { QByteArray("{\"small\":true}"), big }) {
        HttpRequest request = get(server.url(QStringLiteral("/v1/x y"), QStringLiteral("http")));
        request.url.setQuery(QStringLiteral("a=1&b=%C3%A4"));
        request.method = "POST";
        request.headers.append("Content-Type", "application/json");
        request.headers.append("X-Trace", "abc");
        request.body = payload;
        RecordingSink sink;
        auto call = client.send(std::move(request), &sink);
        QTRY_VERIFY_WITH_TIMEOUT(sink.done(), 10000);
        QCOMPARE(sink.finished, 1);
        QCOMPARE(sink.body, QByteArray::number(payload.size()));
        QCOMPARE(server.bodies().last(), payload);
        const QByteArray head = server.heads().last();
        QVERIFY2(head.startsWith("POST /v1/x%20y?a=1&b=%C3%A4 HTTP/1.1\r\n"), head.constData());
        QVERIFY(head.contains(
            QByteArray("\r\nHost: 127.0.0.1:" + QByteArray::number(server.url().port()) + "\r\n")));
        QVERIFY(head.contains("\r\nContent-Type: application/json\r\nX-Trace: abc\r\n"));
        QVERIFY(
            head.contains(QByteArray("\r\nContent-Length: " + QByteArray::number(payload.size()) + "\r\n")));
        // Byte for byte, and nothing after the body: the head is sized before it is filled.
        QCOMPARE(head,
                 QByteArray("POST /v1/x%20y?a=1&b=%C3%A4 HTTP/1.1\r\nHost: 127.0.0.1:"
                            + QByteArray::number(server.url().port())
                            + "\r\nContent-Type: application/json\r\nX-Trace: abc\r\nContent-Length: "
                            + QByteArray::number(payload.size()) + "\r\n\r\n"));
    }
    QCOMPARE(server.connectionCount(), 1);
    QCOMPARE(server.heads().size(), 2);
}

void TstHttpClient::bodiesTheKernelTakesInPart_data()
{
    QTest::addColumn<bool>("tls");
    QTest::newRow("plain") << false;
    QTest::newRow("tls") << true;
}

void TstHttpClient::bodiesTheKernelTakesInPart()
{
    // A head and a large body leave in one system call (plain: sendmsg() of both; TLS: the records gathered
    // up to TlsChannel::gatherBytes per send()). The server runs on this thread, so it reads nothing while
    // the client writes: the kernel takes only part of a 12 MiB request and the rest must follow through
    // Qt's write buffer, in order, with nothing lost or repeated (the pattern shows a shifted byte), and the
    // connection must serve the next request.
    QFETCH(bool, tls);
    ScriptedServer server(
        [](ScriptedServer::Peer *peer, const QByteArray &, const QByteArray &body) {
            ScriptedServer::send(peer, okResponse(QByteArray::number(body.size())));
        },
        tls ? std::optional(serverTlsConfiguration()) : std::nullopt);
    HttpClient client(tls ? trustingTestCertificate() : HttpClientOptions());
    const qsizetype sizes[] = { 12 * 1024 * 1024 + 5, 16 * 1024 + 1, 300'001, 12 * 1024 * 1024 };
    for (const qsizetype size : sizes) {
        QByteArray body(size, Qt::Uninitialized);
        for (qsizetype at = 0; at < body.size(); ++at)
            body[at] = char('a' + (at * 7 + at / 251) % 26);
        HttpRequest request = get(testUrl(server, tls));
        request.method = "POST";
        request.body = body;
        RecordingSink sink;
        auto call = client.send(std::move(request), &sink);
        QTRY_VERIFY_WITH_TIMEOUT(sink.done(), 20000);
        QVERIFY2(sink.finished == 1, qPrintable(sink.error.message));
        QCOMPARE(sink.body, QByteArray::number(size));
        QVERIFY(server.bodies().last() == body);
        const QByteArray lengthField = "\r\nContent-Length: " + QByteArray::number(size) + "\r\n\r\n";
        QVERIFY(server.heads().last().endsWith(lengthField));
    }
    QCOMPARE(server.connectionCount(), 1);
    QCOMPARE(server.requestCount(), int(std::size(sizes)));
}

void TstHttpClient::urlChangesBetweenCalls()
{
    // The client reuses what it derived from the previous call's URL; each change must still be honoured.
    const auto echo = [](ScriptedServer::Peer *peer, const QByteArray &head, const QByteArray &) {
        ScriptedServer::send(peer, okResponse(head.first(head.indexOf("\r\n\r\n"))));
    };
    ScriptedServer a(echo);
    ScriptedServer b(echo);
    const QByteArray hostA = "127.0.0.1:" + QByteArray::number(a.url().port());
    const QByteArray hostB = "127.0.0.1:" + QByteArray::number(b.url().port());
    QUrl withQuery = a.url(QStringLiteral("/x"));
    withQuery.setQuery(QStringLiteral("q=1"));
    QUrl withFragment = a.url(QStringLiteral("/x"));
    withFragment.setFragment(QStringLiteral("f"));
    struct Step
    {
        QUrl url;
        QByteArray requestLine; ///< empty: the call must fail as an invalid request
        QByteArray host;
    };
    const QList<Step> steps {
        { a.url(QStringLiteral("/x")), "GET /x HTTP/1.1", hostA },
        { a.url(QStringLiteral("/x")), "GET /x HTTP/1.1", hostA },
        { withQuery, "GET /x?q=1 HTTP/1.1", hostA },
        { a.url(QStringLiteral("/y")), "GET /y HTTP/1.1", hostA },
        { b.url(QStringLiteral("/y")), "GET /y HTTP/1.1", hostB },
        { a.url(QStringLiteral("/y"), QStringLiteral("ftp")), {}, {} },
        { withFragment, "GET /x HTTP/1.1", hostA },
        { a.url(QStringLiteral("/y"), QStringLiteral("ftp")), {}, {} },
        { b.url(QStringLiteral("/y")), "GET /y HTTP/1.1", hostB },
    };
    HttpClient client;
    for (const Step &step : steps) {
        HttpRequest request = get(step.url);
        request.headers.reserve(2, 16);
        request.headers.append("X-One", "1");
        request.headers.append("X-Two", "22");
        RecordingSink sink;
        auto call = client.send(std::move(request), &sink);
        QTRY_VERIFY(sink.done());
        if (step.requestLine.isEmpty()) {
            QCOMPARE(sink.failed, 1);
            QCOMPARE(sink.error.kind, HttpErrorKind::InvalidRequest);
            continue;
        }
        QCOMPARE(sink.finished, 1);
        QVERIFY2(sink.body.startsWith(QByteArray(step.requestLine + "\r\n")), sink.body.constData());
        QVERIFY(sink.body.contains(QByteArray("\r\nHost: " + step.host + "\r\n")));
        QVERIFY(sink.body.contains("\r\nX-One: 1\r\nX-Two: 22"));
    }
    QCOMPARE(a.requestCount(), 5);
    QCOMPARE(b.requestCount(), 2);
}

void TstHttpClient::headerNamesAreTokens()
{
    // Every byte as a header name and as a method: only RFC 9110 tchar goes out, the rest fails the call as
    // an invalid request before anything is sent. A value may hold anything but CR, LF and NUL.
    const QByteArrayView tchar(
        "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");
    ScriptedServer server([](ScriptedServer::Peer *peer, const QByteArray &head, const QByteArray &) {
        ScriptedServer::send(peer, okResponse(head.first(head.indexOf("\r\n\r\n"))));
    });
    HttpClient client;
    const auto run = [&](HttpRequest request) {
        RecordingSink sink;
        auto call = client.send(std::move(request), &sink);
        if (!QTest::qWaitFor([&] { return sink.done(); }, 5000))
            return QByteArray("timeout");
        return sink.finished == 1 ? sink.body
                                  : (sink.error.kind == HttpErrorKind::InvalidRequest ? QByteArray("invalid")
                                                                                      : QByteArray("other"));
    };
    int sent = 0;
    for (int b = 0; b < 256; ++b) {
        const char c = char(b);
        const bool token = tchar.contains(c);
        HttpRequest named = get(server.url());
        named.headers.append(QByteArray(QByteArray(1, c) + "-x"), "v");
        const QByteArray got = run(std::move(named));
        if (token) {
            QVERIFY2(got.contains(QByteArray("\r\n" + QByteArray(1, c) + "-x: v")),
                     qPrintable(QString::number(b)));
            ++sent;
        } else {
            QVERIFY2(got == "invalid", qPrintable(QString::number(b)));
        }
        HttpRequest method = get(server.url());
        method.method = QByteArray(1, c);
        const QByteArray methodResult = run(std::move(method));
        QVERIFY2(token ? methodResult != "invalid" : methodResult == "invalid",
                 qPrintable(QString::number(b)));
    }
    QCOMPARE(sent, 77);
    // Short values, and the byte at each place of a 40-byte one: values are checked 16 bytes at a time, then
    // byte by byte.
    for (const char c : { '\r', '\n', '\0', '\x7f', '\x80', '\xff', ' ', ':' }) {
        const bool valueOk = c != '\r' && c != '\n' && c != '\0';
        for (const int at : { -1, 0, 1, 15, 16, 17, 31, 32, 39 }) {
            QByteArray value = at < 0 ? QByteArray("a_b") : QByteArray(40, 'v');
            value[at < 0 ? 1 : at] = c;
            HttpRequest valued = get(server.url());
            valued.headers.append("X-V", value);
            const QByteArray valueResult = run(std::move(valued));
            QVERIFY2(valueOk ? valueResult != "invalid" : valueResult == "invalid",
                     qPrintable(QStringLiteral("byte %1 at %2").arg(int(uchar(c))).arg(at)));
        }
    }
}

void TstHttpClient::serverClosesIdleConnection_data()
{
    QTest::addColumn<bool>("tls");
    QTest::newRow("plain") << false;
    QTest::newRow("tls") << true;
}

void TstHttpClient::serverClosesIdleConnection()
{
    QFETCH(bool, tls);
    ScriptedServer server(
        [](ScriptedServer::Peer *peer, const QByteArray &, const QByteArray &) {
            ScriptedServer::send(peer, okResponse("x"));
            QTimer::singleShot(10, peer->socket, [peer] { ScriptedServer::close(peer); });
        },
        tls ? std::optional(serverTlsConfiguration()) : std::nullopt);
    HttpClient client(tls ? trustingTestCertificate() : HttpClientOptions());
    for (int i = 0; i < 3; ++i) {
        RecordingSink sink;
        auto call = client.send(get(testUrl(server, tls)), &sink);
        QTRY_VERIFY(sink.done());
        QVERIFY2(sink.finished == 1, qPrintable(sink.error.message));
        // The client notices the close of its idle connection and drops it from the pool.
        QTRY_COMPARE(client.openConnectionCount(), 0);
    }
    QCOMPARE(server.connectionCount(), 3);
    QCOMPARE(server.requestCount(), 3);
}

void TstHttpClient::staleConnectionRetriedOnce_data()
{
    QTest::addColumn<bool>("tls");
    QTest::newRow("plain") << false;
    QTest::newRow("tls") << true;
}

void TstHttpClient::staleConnectionRetriedOnce()
{
    // The first connection serves one request, then dies as the second arrives: the race between a
    // server's keep-alive timeout and a new request. The client must resend it on a fresh connection; over
    // TLS too, where the reset reaches the client through its TLS reads, not as a TLS failure.
    QFETCH(bool, tls);
    ScriptedServer server(
        [](ScriptedServer::Peer *peer, const QByteArray &, const QByteArray &body) {
            if (peer->id == 0 && peer->requests == 2)
                ScriptedServer::abort(peer);
            else
                ScriptedServer::send(peer, okResponse("echo:" + body));
        },
        tls ? std::optional(serverTlsConfiguration()) : std::nullopt);
    HttpClient client(tls ? trustingTestCertificate() : HttpClientOptions());
    RecordingSink first;
    auto call1 = client.send(get(testUrl(server, tls)), &first);
    QTRY_VERIFY(first.done());

    HttpRequest request = get(testUrl(server, tls));
    request.method = "POST";
    request.body = QByteArray(100 * 1024, 'p');
    RecordingSink second;
    auto call2 = client.send(std::move(request), &second);
    QTRY_VERIFY(second.done());
    QVERIFY2(second.finished == 1, qPrintable(second.error.message));
    QCOMPARE(second.body, "echo:" + QByteArray(100 * 1024, 'p'));
    QCOMPARE(server.connectionCount(), 2);
    QCOMPARE(server.requestCount(), 3);
    QCOMPARE(server.bodies().at(2), QByteArray(100 * 1024, 'p'));
    VERIFY_ONE_TERMINAL(second);
}

void TstHttpClient::noRetryAfterResponseBytes()
{
    ScriptedServer server([](ScriptedServer::Peer *peer, const QByteArray &, const QByteArray &) {
        if (peer->requests == 1) {
            ScriptedServer::send(peer, okResponse("x"));
        } else {
            ScriptedServer::send(peer, "HTTP/1.1 200 OK\r\nContent-Le");
            ScriptedServer::close(peer);
        }
    });
    HttpClient client;
    RecordingSink first;
    auto call1 = client.send(get(server.url()), &first);
    QTRY_VERIFY(first.done());
    RecordingSink second;
    auto call2 = client.send(get(server.url()), &second);
    QTRY_VERIFY(second.done());
    QCOMPARE(second.failed, 1);
    QCOMPARE(second.error.kind, HttpErrorKind::ConnectionClosed);
    QCOMPARE(server.requestCount(), 2);
    QCOMPARE(server.connectionCount(), 1);
    VERIFY_ONE_TERMINAL(second);
}

void TstHttpClient::noRetryOnFreshConnection()
{
    ScriptedServer server([](ScriptedServer::Peer *peer, const QByteArray &, const QByteArray &) {
        ScriptedServer::close(peer);
    });
    HttpClient client;
    RecordingSink sink;
    auto call = client.send(get(server.url()), &sink);
    QTRY_VERIFY(sink.done());
    QCOMPARE(sink.failed, 1);
    QCOMPARE(sink.error.kind, HttpErrorKind::ConnectionClosed);
    QCOMPARE(server.connectionCount(), 1);
    QCOMPARE(server.requestCount(), 1);
}

void TstHttpClient::connectionCloseNotReused()
{
    ScriptedServer server([](ScriptedServer::Peer *peer, const QByteArray &, const QByteArray &) {
        ScriptedServer::send(peer, okResponse("bye", "Connection: close\r\n"));
    });
    HttpClient client;
    for (int i = 0; i < 2; ++i) {
        RecordingSink sink;
        auto call = client.send(get(server.url()), &sink);
        QTRY_VERIFY(sink.done());
        QCOMPARE(sink.finished, 1);
        QCOMPARE(sink.body, QByteArray("bye"));
        QCOMPARE(client.openConnectionCount(), 0);
    }
    QCOMPARE(server.connectionCount(), 2);
    QTRY_COMPARE(server.closedByClientCount(), 2);
}

void TstHttpClient::http10ReadUntilClose()
{
    ScriptedServer server([](ScriptedServer::Peer *peer, const QByteArray &, const QByteArray &) {
        ScriptedServer::sendPieces(
            peer, { "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil ", "the end" }, 5);
        QTimer::singleShot(30, peer->socket, [peer] { ScriptedServer::close(peer); });
    });
    HttpClient client;
    RecordingSink sink;
    auto call = client.send(get(server.url()), &sink);
    QTRY_VERIFY(sink.done());
    QVERIFY2(sink.finished == 1, qPrintable(sink.error.message));
    QCOMPARE(sink.body, QByteArray("until the end"));
    QCOMPARE(client.openConnectionCount(), 0);
    VERIFY_ONE_TERMINAL(sink);
}

void TstHttpClient::headAnd204HaveNoBody()
{
    ScriptedServer server([](ScriptedServer::Peer *peer, const QByteArray &head, const QByteArray &) {
        if (head.startsWith("HEAD"))
            ScriptedServer::send(peer, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n");
        else
            ScriptedServer::send(peer, "HTTP/1.1 204 No Content\r\n\r\n");
    });
    HttpClient client;
    for (const QByteArray method : { "HEAD", "DELETE", "HEAD" }) {
        HttpRequest request = get(server.url());
        request.method = method;
        RecordingSink sink;
        auto call = client.send(std::move(request), &sink);
        QTRY_VERIFY(sink.done());
        QCOMPARE(sink.finished, 1);
        QCOMPARE(sink.status, method == "HEAD" ? 200 : 204);
        QCOMPARE(sink.dataCalls, 0);
        QCOMPARE(sink.headers.value("content-length"),
                 method == "HEAD" ? QByteArrayView("100") : QByteArrayView());
    }
    QCOMPARE(server.connectionCount(), 1);
}

void TstHttpClient::interimResponsesSkipped()
{
    ScriptedServer server([](ScriptedServer::Peer *peer, const QByteArray &, const QByteArray &) {
        ScriptedServer::sendPieces(peer,
                                   { "HTTP/1.1 100 Continue\r\n\r\n",
                                     "HTTP/1.1 103 Early Hints\r\nLink: </s>\r\n\r\n",
                                     okResponse("final", "X-Final: yes\r\n") },
                                   5);
    });
    HttpClient client;
    RecordingSink sink;
    auto call = client.send(get(server.url()), &sink);
    QTRY_VERIFY(sink.done());
    QCOMPARE(sink.finished, 1);
    QCOMPARE(sink.headerCalls, 1);
    QCOMPARE(sink.status, 200);
    QCOMPARE(sink.headers.value("X-FINAL"), QByteArrayView("yes"));
    QCOMPARE(sink.body, QByteArray("final"));
}

void TstHttpClient::oversizedHeadersRejected()
{
    ScriptedServer server([](ScriptedServer::Peer *peer, const QByteArray &, const QByteArray &) {
        QByteArray r = "HTTP/1.1 200 OK\r\n";
        for (int i = 0; i < 100; ++i)
            r += "X-Big-" + QByteArray::number(i) + ": " + QByteArray(1000, 'b') + "\r\n";
        ScriptedServer::send(peer, r + "Content-Length: 0\r\n\r\n");
    });
    HttpClientOptions options;
    options.maxHeaderBytes = 64 * 1024;
    HttpClient client(options);
    RecordingSink sink;
    auto call = client.send(get(server.url()), &sink);
    QTRY_VERIFY(sink.done());
    QCOMPARE(sink.failed, 1);
    QCOMPARE(sink.error.kind, HttpErrorKind::Protocol);
    QCOMPARE(sink.headerCalls, 0);
    QTRY_COMPARE(server.closedByClientCount(), 1);
    QCOMPARE(client.openConnectionCount(), 0);
}

void TstHttpClient::malformedResponses_data()
{
    QTest::addColumn<QByteArray>("response");
    QTest::newRow("garbage") << QByteArray("SMTP ready\r\n\r\n");
    QTest::newRow("http2-preface") << QByteArray("HTTP/2 200\r\n\r\n");
    QTest::newRow("bad-content-length") << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 12x\r\n\r\n");
    QTest::newRow("conflicting-content-length")
        << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab");
    QTest::newRow("bad-chunk") << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nnope\r\n");
    QTest::newRow("header-folding") << QByteArray(
        "HTTP/1.1 200 OK\r\nX: a\r\n b\r\nContent-Length: 0\r\n\r\n");
}

void TstHttpClient::malformedResponses()
{
    QFETCH(QByteArray, response);
    ScriptedServer server([&](ScriptedServer::Peer *peer, const QByteArray &, const QByteArray &) {
        ScriptedServer::send(peer, response);
    });
    HttpClient client;
    RecordingSink sink;
    auto call = client.send(get(server.url()), &sink);
    QTRY_VERIFY(sink.done());
    QCOMPARE(sink.failed, 1);
    QCOMPARE(sink.error.kind, HttpErrorKind::Protocol);
    QTRY_COMPARE(server.closedByClientCount(), 1);
    VERIFY_ONE_TERMINAL(sink);
}

void TstHttpClient::timeouts_data()
{
    QTest::addColumn<QString>("scheme");
    QTest::addColumn<QList<QByteArray>>("pieces");
    QTest::addColumn<int>("gapMs");
    QTest::addColumn<int>("connectMs");
    QTest::addColumn<int>("headersMs");
    QTest::addColumn<int>("idleReadMs");
    QTest::addColumn<int>("totalMs");
    QTest::addColumn<int>("expectedMs");
    QTest::addColumn<bool>("gotHeaders");

    // A plain TCP server never answers a TLS ClientHello, so the handshake stalls inside the connect phase.
    QTest::newRow("connect") << QStringLiteral("https") << QList<QByteArray> {} << 0 << 60 << 0 << 0 << 0
                             << 60 << false;
    QTest::newRow("headers") << QStringLiteral("http") << QList<QByteArray> { "HTTP/1.1 200 OK\r\n" } << 0
                             << 0 << 60 << 0 << 0 << 60 << false;
    QTest::newRow("idle-read") << QStringLiteral("http")
                               << QList<QByteArray> { "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nab" } << 0
                               << 0 << 0 << 60 << 0 << 60 << true;
    // Bytes every 10 ms keep the idle-read deadline away; only the total bound can end this call.
    QList<QByteArray> trickle { "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" };
    for (int i = 0; i < 100; ++i)
        trickle.append("z");
    QTest::newRow("total") << QStringLiteral("http") << trickle << 10 << 0 << 0 << 60 << 150 << 150 << true;
}

void TstHttpClient::timeouts()
{
    QFETCH(QString, scheme);
    QFETCH(QList<QByteArray>, pieces);
    QFETCH(int, gapMs);
    QFETCH(int, connectMs);
    QFETCH(int, headersMs);
    QFETCH(int, idleReadMs);
    QFETCH(int, totalMs);
    QFETCH(int, expectedMs);
    QFETCH(bool, gotHeaders);
    if (scheme == u"https" && !QSslSocket::supportsSsl())
        QSKIP("no TLS backend");

    ScriptedServer server([&](ScriptedServer::Peer *peer, const QByteArray &, const QByteArray &) {
        ScriptedServer::sendPieces(peer, pieces, gapMs);
    });
    HttpClient client;
    RecordingSink sink;
    QElapsedTimer elapsed;
    elapsed.start();
    auto call = client.send(get(server.url(QStringLiteral("/"), scheme),
                                HttpTimeouts { connectMs, headersMs, idleReadMs, totalMs }),
                            &sink);
    QTRY_VERIFY_WITH_TIMEOUT(sink.done(), 5000);
    const qint64 tookMs = elapsed.elapsed();
    QCOMPARE(sink.failed, 1);
    QVERIFY2(sink.error.kind == HttpErrorKind::Timeout, qPrintable(sink.error.message));
    QVERIFY2(tookMs >= expectedMs - 1 && tookMs < expectedMs + 1000, qPrintable(QString::number(tookMs)));
    QCOMPARE(sink.headerCalls, gotHeaders ? 1 : 0);
    QTRY_COMPARE(server.closedByClientCount(), 1);
    QCOMPARE(client.openConnectionCount(), 0);
    VERIFY_ONE_TERMINAL(sink);
}

void TstHttpClient::abortFromCallback_data()
{
    QTest::addColumn<QByteArray>("event");
    QTest::addColumn<bool>("connectionSurvives");
    QTest::newRow("headers") << QByteArray("headers") << false;
    QTest::newRow("data") << QByteArray("data") << false;
    QTest::newRow("finished") << QByteArray("finished") << true;
}

void TstHttpClient::abortFromCallback()
{
    QFETCH(QByteArray, event);
    QFETCH(bool, connectionSurvives);
    ScriptedServer server([](ScriptedServer::Peer *peer, const QByteArray &, const QByteArray &) {
        // Everything in one write, so the callbacks run back to back from one read.
        ScriptedServer::send(peer, chunkedResponse({ "one", "two", "three" }));
    });
    HttpClient client;
    RecordingSink sink;
    std::unique_ptr<HttpCall> call;
    int callbacksAfterAbort = 0;
    bool aborted = false;
    sink.hook = [&](const char *what) {
        if (aborted)
            ++callbacksAfterAbort;
        if (!aborted && event == what) {
            aborted = true;
            call.reset();
        }
    };
    call = client.send(get(server.url()), &sink);
    QTRY_VERIFY(aborted);
    QTest::qWait(30);
    QCOMPARE(callbacksAfterAbort, 0);
    QVERIFY(!sink.orderViolated);
    if (event != "finished")
        QCOMPARE(sink.finished + sink.failed, 0);
    QCOMPARE(client.openConnectionCount(), connectionSurvives ? 1 : 0);
    if (!connectionSurvives)
        QTRY_COMPARE(server.closedByClientCount(), 1);

    // The client stays usable.
    RecordingSink next;
    auto call2 = client.send(get(server.url()), &next);
    QTRY_VERIFY(next.done());
    QCOMPARE(next.finished, 1);
    QCOMPARE(next.body, QByteArray("onetwothree"));
    QCOMPARE(server.connectionCount(), connectionSurvives ? 1 : 2);
}

void TstHttpClient::destroyHandleMidStream()
{
    ScriptedServer server([](ScriptedServer::Peer *peer, const QByteArray &, const QByteArray &) {
        ScriptedServer::send(peer, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nfirst\r\n");
    });
    HttpClient client;
    RecordingSink sink;
    auto call = client.send(get(server.url()), &sink);
    QTRY_COMPARE(sink.body, QByteArray("first"));
    call.reset();
    QTRY_COMPARE(server.closedByClientCount(), 1);
    ScriptedServer::send(server.peer(0), "6\r\nsecond\r\n0\r\n\r\n");
    QTest::qWait(30);
    QCOMPARE(sink.body, QByteArray("first"));
    QCOMPARE(sink.finished + sink.failed, 0);
    QCOMPARE(client.openConnectionCount(), 0);
}

void TstHttpClient::destroyHandleWhileConnecting()
{
    // The connection outlives its cancelled call and serves the next request instead of being wasted.
    ScriptedServer server([](ScriptedServer::Peer *peer, const QByteArray &, const QByteArray &) {
        ScriptedServer::send(peer, okResponse("ok"));
    });
    HttpClient client;
    RecordingSink cancelled;
    auto call = client.send(get(server.url()), &cancelled);
    call.reset();
    QTRY_COMPARE(client.idleConnectionCount(), 1);
    QCOMPARE(server.requestCount(), 0);
    RecordingSink sink;
    auto call2 = client.send(get(server.url()), &sink);
    QTRY_VERIFY(sink.done());
    QCOMPARE(sink.finished, 1);
    QCOMPARE(cancelled.finished + cancelled.failed + cancelled.headerCalls, 0);
    QCOMPARE(server.connectionCount(), 1);
}

void TstHttpClient::poolCapAndWaitList()
{
    QList<ScriptedServer::Peer *> held;
    ScriptedServer server(
        [&](ScriptedServer::Peer *peer, const QByteArray &, const QByteArray &) { held.append(peer); });
    HttpClientOptions options;
    options.maxConnectionsPerHost = 2;
    options.maxWaitingPerHost = 3;
    HttpClient client(options);
    std::vector<std::unique_ptr<RecordingSink>> sinks;
    std::vector<std::unique_ptr<HttpCall>> calls;
    for (int i = 0; i < 6; ++i) {
        sinks.push_back(std::make_unique<RecordingSink>());
        calls.push_back(client.send(get(server.url(QStringLiteral("/%1").arg(i))), sinks.back().get()));
    }
    QCOMPARE(client.openConnectionCount(), 2);
    QCOMPARE(client.waitingCallCount(), 3);
    QCOMPARE(sinks[5]->failed, 0); // not from inside send()
    QTRY_COMPARE(sinks[5]->failed, 1);
    QCOMPARE(sinks[5]->error.kind, HttpErrorKind::QueueFull);
    QTRY_COMPARE(held.size(), 2);
    QTest::qWait(20);
    QCOMPARE(server.connectionCount(), 2);

    // A cancelled waiter leaves the list and is never served.
    calls[3].reset();
    QCOMPARE(client.waitingCallCount(), 2);

    // Answering one request hands its connection straight to the oldest waiter.
    int answered = 0;
    while (answered < 4) {
        QTRY_VERIFY(!held.isEmpty());
        ScriptedServer::Peer *peer = held.takeFirst();
        ScriptedServer::send(peer, okResponse("done"));
        ++answered;
    }
    for (int i : { 0, 1, 2, 4 }) {
        QTRY_VERIFY(sinks[size_t(i)]->done());
        QCOMPARE(sinks[size_t(i)]->finished, 1);
    }
    QCOMPARE(sinks[3]->headerCalls + sinks[3]->finished + sinks[3]->failed, 0);
    QCOMPARE(server.connectionCount(), 2);
    QCOMPARE(server.requestCount(), 4);
    QCOMPARE(client.idleConnectionCount(), 2);
}

void TstHttpClient::waitListTimeout()
{
    ScriptedServer server([](ScriptedServer::Peer *, const QByteArray &, const QByteArray &) {});
    HttpClientOptions options;
    options.maxConnectionsPerHost = 1;
    HttpClient client(options);
    RecordingSink busy;
    auto call1 = client.send(get(server.url()), &busy);
    RecordingSink waiting;
    QElapsedTimer elapsed;
    elapsed.start();
    auto call2 = client.send(get(server.url(), HttpTimeouts { 50, 0, 0, 0 }), &waiting);
    QCOMPARE(client.waitingCallCount(), 1);
    QTRY_VERIFY(waiting.done());
    QCOMPARE(waiting.error.kind, HttpErrorKind::Timeout);
    QVERIFY(elapsed.elapsed() >= 49);
    QCOMPARE(client.waitingCallCount(), 0);
    QCOMPARE(busy.finished + busy.failed, 0);
    QCOMPARE(server.connectionCount(), 1);
}

void TstHttpClient::idleConnectionsExpire()
{
    ScriptedServer server([](ScriptedServer::Peer *peer, const QByteArray &, const QByteArray &) {
        ScriptedServer::send(peer, okResponse("x"));
    });
    HttpClientOptions options;
    options.idleTimeoutMs = 50;
    HttpClient client(options);
    RecordingSink sink;
    const auto sentAt = std::chrono::steady_clock::now();
    auto call = client.send(get(server.url()), &sink);
    QTRY_VERIFY(sink.done());
    QCOMPARE(client.idleConnectionCount(), 1);
    QTRY_COMPARE(server.closedByClientCount(), 1);
    QCOMPARE(client.openConnectionCount(), 0);
    // Closed by the idle deadline and not before it: at least idleTimeoutMs after the request went out, which
    // holds however slowly the test runs (a fixed wait and a count could not tell late from early on a loaded
    // machine).
    QVERIFY(server.peer(0)->closedAt - sentAt >= std::chrono::milliseconds(options.idleTimeoutMs));
}

void TstHttpClient::manyConcurrentRequests()
{
    ScriptedServer server([](ScriptedServer::Peer *peer, const QByteArray &head, const QByteArray &) {
        // Answer asynchronously so requests overlap and the pool has to open many connections.
        const QByteArray path = pathOf(head);
        QTimer::singleShot(1, peer->socket, [peer, path] {
            ScriptedServer::send(peer, chunkedResponse({ path, QByteArray(3000, 'x') }));
        });
    });
    HttpClient client;
    constexpr int count = 300;
    std::vector<std::unique_ptr<RecordingSink>> sinks;
    std::vector<std::unique_ptr<HttpCall>> calls;
    for (int i = 0; i < count; ++i) {
        sinks.push_back(std::make_unique<RecordingSink>());
        calls.push_back(client.send(get(server.url(QStringLiteral("/%1").arg(i))), sinks.back().get()));
    }
    QCOMPARE(client.openConnectionCount(), 64);
    QCOMPARE(client.waitingCallCount(), count - 64);
    for (int i = 0; i < count; ++i) {
        QTRY_VERIFY_WITH_TIMEOUT(sinks[size_t(i)]->done(), 10000);
        QVERIFY2(sinks[size_t(i)]->finished == 1, qPrintable(sinks[size_t(i)]->error.message));
        QCOMPARE(sinks[size_t(i)]->body, "/" + QByteArray::number(i) + QByteArray(3000, 'x'));
        QVERIFY(!sinks[size_t(i)]->orderViolated);
    }
    QCOMPARE(server.connectionCount(), 64);
    QCOMPARE(server.requestCount(), count);
    QCOMPARE(client.idleConnectionCount(), 64);
}

void TstHttpClient::idleConnectionsCappedPerHost_data()
{
    QTest::addColumn<int>("maxIdle");
    QTest::newRow("10 of 40") << 10;
    QTest::newRow("none kept") << 0;
    QTest::newRow("cap above the burst") << 100;
}

void TstHttpClient::idleConnectionsCappedPerHost()
{
    // After a burst the pool keeps at most maxIdlePerHost connections and closes the rest at once, not
    // idleTimeoutMs later; the ones kept are reused by the next burst.
    QFETCH(int, maxIdle);
    ScriptedServer server([](ScriptedServer::Peer *peer, const QByteArray &head, const QByteArray &) {
        const QByteArray path = pathOf(head);
        QTimer::singleShot(1, peer->socket,
                           [peer, path] { ScriptedServer::send(peer, chunkedResponse({ path })); });
    });
    HttpClientOptions options;
    options.maxIdlePerHost = maxIdle;
    HttpClient client(options);
    constexpr int burst = 40;
    const auto runBurst = [&] {
        std::vector<std::unique_ptr<RecordingSink>> sinks;
        std::vector<std::unique_ptr<HttpCall>> calls;
        for (int i = 0; i < burst; ++i) {
            sinks.push_back(std::make_unique<RecordingSink>());
            calls.push_back(client.send(get(server.url(QStringLiteral("/%1").arg(i))), sinks.back().get()));
        }
        for (int i = 0; i < burst; ++i) {
            QTRY_VERIFY_WITH_TIMEOUT(sinks[size_t(i)]->done(), 10000);
            QVERIFY2(sinks[size_t(i)]->finished == 1, qPrintable(sinks[size_t(i)]->error.message));
            QCOMPARE(sinks[size_t(i)]->body, "/" + QByteArray::number(i));
        }
    };
    runBurst();
    const int kept = std::min(maxIdle, burst);
    QCOMPARE(server.connectionCount(), burst);
    QCOMPARE(client.idleConnectionCount(), kept);
    QCOMPARE(client.openConnectionCount(), kept);
    QTRY_COMPARE_WITH_TIMEOUT(server.closedByClientCount(), burst - kept, 5000);
    runBurst();
    QCOMPARE(server.connectionCount(), 2 * burst - kept); // the kept ones were reused
    QCOMPARE(client.idleConnectionCount(), kept);
}

void TstHttpClient::failuresAreNeverSynchronous_data()
{
    QTest::addColumn<QUrl>("url");
    QTest::addColumn<QByteArray>("headerName");
    QTest::addColumn<QByteArray>("headerValue");
    QTest::newRow("scheme") << QUrl(QStringLiteral("ftp://127.0.0.1/")) << QByteArray("X") << QByteArray("1");
    QTest::newRow("no-host") << QUrl(QStringLiteral("http:///path")) << QByteArray("X") << QByteArray("1");
    QTest::newRow("header-injection")
        << QUrl(QStringLiteral("http://127.0.0.1:1/")) << QByteArray("X") << QByteArray("a\r\nEvil: 1");
    QTest::newRow("bad-header-name") << QUrl(QStringLiteral("http://127.0.0.1:1/")) << QByteArray("Bad Name")
                                     << QByteArray("1");
    QTest::newRow("framing-header") << QUrl(QStringLiteral("http://127.0.0.1:1/"))
                                    << QByteArray("content-length") << QByteArray("5");
}

void TstHttpClient::failuresAreNeverSynchronous()
{
    QFETCH(QUrl, url);
    QFETCH(QByteArray, headerName);
    QFETCH(QByteArray, headerValue);
    HttpClient client;
    RecordingSink sink;
    HttpRequest request = get(url);
    request.headers.append(headerName, headerValue);
    auto call = client.send(std::move(request), &sink);
    QCOMPARE(sink.failed, 0);
    QTRY_COMPARE(sink.failed, 1);
    QCOMPARE(sink.error.kind, HttpErrorKind::InvalidRequest);
    QCOMPARE(client.openConnectionCount(), 0);

    // Destroying the handle before the deferred failure is delivered cancels it.
    RecordingSink silent;
    auto call2 = client.send(get(url), &silent);
    call2.reset();
    QTest::qWait(20);
    QCOMPARE(silent.failed, 0);
}

void TstHttpClient::connectionRefused()
{
    quint16 port = 0;
    {
        QTcpServer probe;
        QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
        port = probe.serverPort();
    }
    HttpClient client;
    RecordingSink sink;
    auto call = client.send(get(QUrl(QStringLiteral("http://127.0.0.1:%1/").arg(port))), &sink);
    QCOMPARE(sink.failed, 0);
    QTRY_VERIFY(sink.done());
    QCOMPARE(sink.failed, 1);
    QVERIFY2(sink.error.kind == HttpErrorKind::ConnectFailed, qPrintable(sink.error.message));
    QCOMPARE(client.openConnectionCount(), 0);
    VERIFY_ONE_TERMINAL(sink);
}

void TstHttpClient::fetchCollectsBody()
{
    ScriptedServer server([](ScriptedServer::Peer *peer, const QByteArray &, const QByteArray &) {
        ScriptedServer::sendPieces(
            peer, { "HTTP/1.1 201 Created\r\nContent-Length: 11\r\nX-Id: 7\r\n\r\nhello", " world" }, 5);
    });
    HttpClient client;
    std::optional<HttpResponse> result;
    int calls = 0;
    auto call = client.fetch(get(server.url()), 1024, [&](HttpResponse response) {
        ++calls;
        result = std::move(response);
    });
    QTRY_VERIFY(result.has_value());
    QVERIFY(result->ok());
    QCOMPARE(result->status, 201);
    QCOMPARE(result->body, QByteArray("hello world"));
    QCOMPARE(result->headers.value("x-id"), QByteArrayView("7"));

    // The callback may drop the handle, which owns the collector running it.
    std::unique_ptr<HttpCall> call2;
    call2 = client.fetch(get(server.url()), 1024, [&](HttpResponse response) {
        ++calls;
        call2.reset();
        QCOMPARE(response.body, QByteArray("hello world"));
    });
    QTRY_VERIFY(!call2);
    QTest::qWait(20);
    QCOMPARE(calls, 2);
    QCOMPARE(server.connectionCount(), 1);
}

void TstHttpClient::fetchRejectsOversizedBody()
{
    ScriptedServer server([](ScriptedServer::Peer *peer, const QByteArray &, const QByteArray &) {
        ScriptedServer::sendPieces(
            peer, { chunkedResponse({ QByteArray(600, 'a') }), chunkedResponse({ "ok" }) }, 5);
    });
    HttpClient client;
    std::optional<HttpResponse> result;
    std::unique_ptr<HttpCall> call;
    call = client.fetch(get(server.url()), 500, [&](HttpResponse response) {
        call.reset();
        result = std::move(response);
    });
    QTRY_VERIFY(result.has_value());
    QVERIFY(!result->ok());
    QCOMPARE(result->error->kind, HttpErrorKind::ResponseTooLarge);
    QCOMPARE(result->status, 200);
    QTRY_COMPARE(server.closedByClientCount(), 1);
    QCOMPARE(client.openConnectionCount(), 0);
}

void TstHttpClient::abortAll()
{
    QList<ScriptedServer::Peer *> held;
    ScriptedServer server([&](ScriptedServer::Peer *peer, const QByteArray &, const QByteArray &) {
        held.append(peer);
        ScriptedServer::send(peer, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\npart");
    });
    HttpClientOptions options;
    options.maxConnectionsPerHost = 2;
    HttpClient client(options);
    std::vector<std::unique_ptr<RecordingSink>> sinks;
    std::vector<std::unique_ptr<HttpCall>> calls;
    for (int i = 0; i < 4; ++i) {
        sinks.push_back(std::make_unique<RecordingSink>());
        calls.push_back(client.send(get(server.url()), sinks.back().get()));
    }
    // A sink that drops another call's handle from inside its failure callback must not break the loop.
    sinks[0]->hook = [&](const char *what) {
        if (QByteArrayView(what) == "failed")
            calls[1].reset();
    };
    QTRY_COMPARE(sinks[0]->body, QByteArray("part"));
    QTRY_COMPARE(sinks[1]->body, QByteArray("part"));
    client.abortAll();
    QCOMPARE(sinks[0]->error.kind, HttpErrorKind::Aborted);
    QCOMPARE(sinks[1]->failed + sinks[1]->finished, 0);
    for (int i : { 2, 3 }) {
        QCOMPARE(sinks[size_t(i)]->failed, 1);
        QCOMPARE(sinks[size_t(i)]->error.kind, HttpErrorKind::Aborted);
    }
    QTRY_COMPARE(server.closedByClientCount(), 2);
    QCOMPARE(client.waitingCallCount(), 0);
}

void TstHttpClient::clientDestroyedWithRunningCalls()
{
    ScriptedServer server([](ScriptedServer::Peer *, const QByteArray &, const QByteArray &) {});
    HttpClientOptions options;
    options.maxConnectionsPerHost = 1;
    auto client = std::make_unique<HttpClient>(options);
    RecordingSink running;
    RecordingSink waiting;
    auto call1 = client->send(get(server.url()), &running);
    auto call2 = client->send(get(server.url()), &waiting);
    QTRY_COMPARE(server.requestCount(), 1);
    client.reset();
    call1.reset();
    call2.reset();
    QTRY_COMPARE(server.closedByClientCount(), 1);
    QCOMPARE(running.finished + running.failed + waiting.finished + waiting.failed, 0);
}

void TstHttpClient::tlsKeepAlive()
{
    if (!QSslSocket::supportsSsl())
        QSKIP("no TLS backend");
    const QSslCertificate certificate = testCertificate();
    QVERIFY(!certificate.isNull());
    ScriptedServer server(
        [](ScriptedServer::Peer *peer, const QByteArray &head, const QByteArray &body) {
            ScriptedServer::send(peer, chunkedResponse({ pathOf(head), body }));
        },
        serverTlsConfiguration());
    HttpClientOptions options;
    QSslConfiguration trust = QSslConfiguration::defaultConfiguration();
    trust.setCaCertificates({ certificate });
    options.sslConfiguration = trust;
    HttpClient client(options);
    // Bodies of many TLS records (16 KiB each), one ending in a part-record, with bytes that vary enough for
    // a lost, repeated or reordered record to show.
    const qsizetype sizes[] = { 0, 40'000, 80'000, 300'001 };
    for (int i = 0; i < int(std::size(sizes)); ++i) {
        QByteArray body(sizes[i], Qt::Uninitialized);
        for (qsizetype at = 0; at < body.size(); ++at)
            body[at] = char('a' + (at * 7 + at / 251) % 26);
        // By name, so the certificate is checked against the name the client also sends as SNI.
        HttpRequest request = get(server.url(QStringLiteral("/tls%1").arg(i), QStringLiteral("https"),
                                             QStringLiteral("localhost")));
        request.method = "POST";
        request.body = body;
        RecordingSink sink;
        auto call = client.send(std::move(request), &sink);
        QTRY_VERIFY_WITH_TIMEOUT(sink.done(), 10000);
        QVERIFY2(sink.finished == 1, qPrintable(sink.error.message));
        QCOMPARE(sink.body, "/tls" + QByteArray::number(i) + body);
    }
    QCOMPARE(server.connectionCount(), 1);
    QCOMPARE(client.idleConnectionCount(), 1);
}

void TstHttpClient::tlsRecordsInPieces_data()
{
    QTest::addColumn<quint32>("seed");
    for (const quint32 seed : { 1u, 2u, 3u })
        QTest::newRow(qPrintable(QStringLiteral("seed %1").arg(seed))) << seed;
}

void TstHttpClient::tlsRecordsInPieces()
{
    // The handshake and the answers arrive a few bytes at a time: every TLS record is cut, and the client
    // decrypts it once it is whole. Two calls, so that the second runs on the kept-alive connection.
    QFETCH(quint32, seed);
    ScriptedServer server(
        [](ScriptedServer::Peer *peer, const QByteArray &head, const QByteArray &body) {
            ScriptedServer::send(peer, chunkedResponse({ pathOf(head), body }));
        },
        serverTlsConfiguration());
    TricklingRelay relay(quint16(server.url().port()), seed);
    HttpClient client(trustingTestCertificate());
    for (int i = 0; i < 2; ++i) {
        QByteArray body(20'000 + i * 7'001, Qt::Uninitialized);
        for (qsizetype at = 0; at < body.size(); ++at)
            body[at] = char('a' + (at * 7 + at / 251 + i) % 26);
        QUrl url;
        url.setScheme(QStringLiteral("https"));
        url.setHost(QStringLiteral("localhost"));
        url.setPort(relay.port());
        url.setPath(QStringLiteral("/piece%1").arg(i));
        HttpRequest request = get(url);
        request.method = "POST";
        request.body = body;
        RecordingSink sink;
        auto call = client.send(std::move(request), &sink);
        QTRY_VERIFY_WITH_TIMEOUT(sink.done(), 30000);
        QVERIFY2(sink.finished == 1,
                 qPrintable(QStringLiteral("seed %1: %2").arg(seed).arg(sink.error.message)));
        QVERIFY2(sink.body == "/piece" + QByteArray::number(i) + body,
                 qPrintable(QStringLiteral("seed %1").arg(seed)));
    }
    QCOMPARE(server.connectionCount(), 1);
    // The answers came in thousands of pieces (about 4 bytes each).
    QVERIFY2(relay.pieces() > 5'000, qPrintable(QString::number(relay.pieces())));
}

void TstHttpClient::tlsUntrustedCertificate()
{
    if (!QSslSocket::supportsSsl())
        QSKIP("no TLS backend");
    ScriptedServer server([](ScriptedServer::Peer *peer, const QByteArray &,
                             const QByteArray &) { ScriptedServer::send(peer, okResponse("secret")); },
                          serverTlsConfiguration());
    HttpClient client; // system CAs only: the test certificate is self-signed
    RecordingSink sink;
    auto call = client.send(
        get(server.url(QStringLiteral("/"), QStringLiteral("https"), QStringLiteral("localhost"))), &sink);
    QTRY_VERIFY_WITH_TIMEOUT(sink.done(), 10000);
    QCOMPARE(sink.failed, 1);
    QVERIFY2(sink.error.kind == HttpErrorKind::Ssl, qPrintable(sink.error.message));
    QCOMPARE(server.requestCount(), 0);
    QCOMPARE(client.openConnectionCount(), 0);
    VERIFY_ONE_TERMINAL(sink);
}

void TstHttpClient::tlsNameMismatch_data()
{
    QTest::addColumn<QString>("host");
    QTest::newRow("by name") << QStringLiteral("localhost");
    QTest::newRow("by address") << QStringLiteral("127.0.0.1");
}

void TstHttpClient::tlsNameMismatch()
{
    // A trusted certificate that names another host: refused, before any request leaves.
    QFETCH(QString, host);
    const QSslCertificate other = otherCertificate();
    QVERIFY(!other.isNull());
    ScriptedServer server([](ScriptedServer::Peer *peer, const QByteArray &,
                             const QByteArray &) { ScriptedServer::send(peer, okResponse("secret")); },
                          serverTlsConfiguration(QStringLiteral("other.invalid")));
    HttpClientOptions options;
    QSslConfiguration trust = QSslConfiguration::defaultConfiguration();
    trust.setCaCertificates({ other });
    options.sslConfiguration = trust;
    HttpClient client(options);
    RecordingSink sink;
    auto call = client.send(get(server.url(QStringLiteral("/"), QStringLiteral("https"), host)), &sink);
    QTRY_VERIFY_WITH_TIMEOUT(sink.done(), 10000);
    QCOMPARE(sink.failed, 1);
    QVERIFY2(sink.error.kind == HttpErrorKind::Ssl, qPrintable(sink.error.message));
    QVERIFY2(sink.error.message.contains(QLatin1String("mismatch")), qPrintable(sink.error.message));
    QCOMPARE(server.requestCount(), 0);
    QCOMPARE(client.openConnectionCount(), 0);
}

void TstHttpClient::tlsServerNameIndication_data()
{
    QTest::addColumn<QString>("host");
    QTest::addColumn<bool>("sent");
    QTest::newRow("a name is sent") << QStringLiteral("localhost") << true;
    QTest::newRow("an address is not") << QStringLiteral("127.0.0.1") << false;
}

void TstHttpClient::tlsServerNameIndication()
{
    // The server name travels in the ClientHello, in the clear (RFC 6066 §3): a plain TCP server reads it
    // there. Servers behind one address (AWS's endpoints among them) pick the certificate by it.
    QFETCH(QString, host);
    QFETCH(bool, sent);
    QTcpServer listener;
    QVERIFY(listener.listen(QHostAddress::LocalHost, 0));
    QByteArray hello;
    connect(&listener, &QTcpServer::newConnection, this, [&] {
        QTcpSocket *peer = listener.nextPendingConnection();
        connect(peer, &QIODevice::readyRead, peer, [&hello, peer] {
            hello += peer->readAll();
            // A TLS record: type 22 (handshake), version, length; the ClientHello is whole once it is in.
            if (hello.size() >= 5 && hello.size() >= 5 + (quint8(hello[3]) << 8 | quint8(hello[4])))
                peer->abort();
        });
    });
    HttpClient client;
    RecordingSink sink;
    QUrl url;
    url.setScheme(QStringLiteral("https"));
    url.setHost(host);
    url.setPort(listener.serverPort());
    url.setPath(QStringLiteral("/"));
    auto call = client.send(get(url), &sink);
    QTRY_VERIFY_WITH_TIMEOUT(sink.done(), 10000);
    QCOMPARE(sink.failed, 1);
    QVERIFY(hello.size() > 5);
    QCOMPARE(quint8(hello[0]), quint8(22));
    QCOMPARE(hello.contains(host.toLatin1()), sent);
}

QTEST_GUILESS_MAIN(TstHttpClient)
#include "tst_httpclient.moc"
