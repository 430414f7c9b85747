// SPDX-License-Identifier: MIT
#include <QEventLoop>
#include <QJsonDocument>
#include <QJsonObject>
#include <QScopeGuard>
#include <QSignalSpy>
#include <QTcpSocket>
#include <QTest>
#include <QTimer>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "gatewayfixture.h"
#include "server/gateway/chatexchange.h"
#include "server/gateway/httpserverconnection.h"

using namespace Drawbridge;
using namespace Drawbridge::Test;

namespace {

using Headers = QList<QPair<QByteArray, QByteArray>>;

const QByteArray simpleChat = R"({"model":"kiro","messages":[{"role":"user","content":"hi"}]})";
const QByteArray streamChat = R"({"model":"kiro","stream":true,"messages":[{"role":"user","content":"hi"}]})";

/** Replaces %PORT% and %KEY% in a raw request. */
QByteArray expand(QByteArray raw, quint16 port, const QString &key)
{
    raw.replace("%PORT%", QByteArray::number(port));
    raw.replace("%KEY%", key.toUtf8());
    return raw;
}

/** True once the server has closed @p socket (synchronised on the signal, bounded). */
bool waitClosed(QTcpSocket &socket, int timeoutMs = 5000)
{
    if (socket.state() == QAbstractSocket::UnconnectedState)
        return true;
    QSignalSpy spy(&socket, &QAbstractSocket::disconnected);
    return spy.wait(timeoutMs) || socket.state() == QAbstractSocket::UnconnectedState;
}

/** Reads from @p socket until @p until holds for what arrived, or the server closes (bounded, on signals). */
QByteArray readUntil(QTcpSocket &socket, const std::function<bool(const QByteArray &)> &until,
                     int timeoutMs = 5000)
{
    QByteArray got = socket.readAll();
    QEventLoop loop;
    QTimer deadline;
    deadline.setSingleShot(true);
    const auto check = [&] {
        got += socket.readAll();
        if (until(got) || socket.state() != QAbstractSocket::ConnectedState)
            loop.quit();
    };
    QObject::connect(&socket, &QIODevice::readyRead, &loop, check);
    QObject::connect(&socket, &QAbstractSocket::disconnected, &loop, check);
    QObject::connect(&deadline, &QTimer::timeout, &loop, &QEventLoop::quit);
    if (!until(got) && socket.state() == QAbstractSocket::ConnectedState) {
        deadline.start(timeoutMs);
        loop.exec();
    }
    got += socket.readAll();
    return got;
}

bool connectTo(QTcpSocket &socket, quint16 port)
{
    socket.connectToHost(QHostAddress::LocalHost, port);
    return socket.waitForConnected(5000);
}

/** Splits a byte stream of complete responses into their status codes. */
QList<int> statuses(const QByteArray &stream)
{
    QList<int> out;
    QByteArray rest = stream;
    while (!rest.isEmpty()) {
        RawResponse r;
        if (!RawHttpClient::parse(rest, r))
            break;
        out.append(r.status);
        // Consume this response: the head, then the body as framed.
        const qsizetype headEnd = rest.indexOf("\r\n\r\n") + 4;
        if (r.chunked) {
            const qsizetype end = rest.indexOf("\r\n0\r\n\r\n", headEnd);
            rest = end >= 0 ? rest.mid(end + 7) : QByteArray();
            if (rest.startsWith("0\r\n\r\n"))
                rest = rest.mid(5);
        } else {
            rest = rest.mid(headEnd + r.header("content-length").toLongLong());
        }
    }
    return out;
}

} // namespace

class TstHttpFraming : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void framing_data();
    void framing();
    void hostValidatedExactly_data();
    void hostValidatedExactly();
    void headWorksWhereGetDoes_data();
    void headWorksWhereGetDoes();
    void http10GetsNoChunkedAndNoKeepAlive();
    void expectContinue();
    void oversizedContentLengthRefusedBeforeBody();
    void largeBodyInPieces_data();
    void largeBodyInPieces();
    void requestEndPostsNoEvent();
    void pipelinedAnswersLeaveInOrder();
    void connectionCloseAfterPipelinedRequests();
    void idleKeepAliveConnectionCloses();
    void slowHeadGets408();
    void lingerEndsAClientThatNeverCloses();
    void connectionCap();
    void upstreamAddressNotShownToClients();
};

void TstHttpFraming::framing_data()
{
    QTest::addColumn<QByteArray>("raw");
    QTest::addColumn<int>("status");
    QTest::addColumn<bool>("closes");
    QTest::addColumn<bool>("reachesHandler");

    const QByteArray chat = "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:%PORT%\r\n"
                            "Authorization: Bearer %KEY%\r\nContent-Type: application/json\r\n";
    const QByteArray body = simpleChat;
    const QByteArray len = "Content-Length: " + QByteArray::number(body.size()) + "\r\n";
    const QByteArray chunkedBody = QByteArray::number(body.size(), 16) + "\r\n" + body + "\r\n0\r\n\r\n";

    QTest::newRow("valid-content-length") << QByteArray(chat + len + "\r\n" + body) << 200 << false << true;
    QTest::newRow("valid-chunked") << QByteArray(chat + "Transfer-Encoding: chunked\r\n\r\n" + chunkedBody)
                                   << 200 << false << true;
    QTest::newRow("valid-chunked-ext-trailer")
        << QByteArray(chat + "Transfer-Encoding: chunked\r\n\r\n" + QByteArray::number(body.size(), 16)
                      + ";name=value\r\n" + body + "\r\n0\r\nX-Trailer: t\r\n\r\n")
        << 200 << false << true;
    QTest::newRow("duplicate-content-length")
        << QByteArray(chat + len + len + "\r\n" + body) << 400 << true << false;
    QTest::newRow("list-content-length")
        << QByteArray(chat + "Content-Length: " + QByteArray::number(body.size()) + ", "
                      + QByteArray::number(body.size()) + "\r\n\r\n" + body)
        << 400 << true << false;
    QTest::newRow("conflicting-content-length")
        << QByteArray(chat + len + "Content-Length: 3\r\n\r\n" + body) << 400 << true << false;
    QTest::newRow("content-length-with-chunked")
        << QByteArray(chat + len + "Transfer-Encoding: chunked\r\n\r\n" + chunkedBody) << 400 << true
        << false;
    QTest::newRow("xchunked") << QByteArray(chat + "Transfer-Encoding: xchunked\r\n\r\n" + chunkedBody) << 501
                              << true << false;
    QTest::newRow("gzip") << QByteArray(chat + "Transfer-Encoding: gzip, chunked\r\n\r\n" + chunkedBody)
                          << 501 << true << false;
    QTest::newRow("chunk-size-garbage")
        << QByteArray(chat + "Transfer-Encoding: chunked\r\n\r\nzz\r\n" + body) << 400 << true << false;
    QTest::newRow("chunk-size-0x") << QByteArray(chat + "Transfer-Encoding: chunked\r\n\r\n0x"
                                                 + QByteArray::number(body.size(), 16) + "\r\n" + body
                                                 + "\r\n0\r\n\r\n")
                                   << 400 << true << false;
    QTest::newRow("chunk-size-short")
        << QByteArray(chat + "Transfer-Encoding: chunked\r\n\r\n4\r\n" + body + "\r\n0\r\n\r\n") << 400
        << true << false;
    QTest::newRow("obs-fold") << QByteArray(chat + "X-Folded: a\r\n b\r\n" + len + "\r\n" + body) << 400
                              << true << false;
    QTest::newRow("bare-cr") << QByteArray(chat + "X-A: a\rb\r\n" + len + "\r\n" + body) << 400 << true
                             << false;
    QTest::newRow("space-before-colon")
        << QByteArray(chat + "Content-Length : " + QByteArray::number(body.size()) + "\r\n\r\n" + body) << 400
        << true << false;
    QTest::newRow("http2-version") << QByteArray("GET /health HTTP/2.0\r\nHost: 127.0.0.1\r\n\r\n") << 505
                                   << true << false;
    QTest::newRow("unknown-expectation")
        << QByteArray(chat + "Expect: something\r\n" + len + "\r\n" + body) << 417 << true << false;
    QTest::newRow("absolute-form-foreign-authority")
        << QByteArray("GET http://attacker.example/health HTTP/1.1\r\nHost: 127.0.0.1:%PORT%\r\n\r\n") << 403
        << false << false;
    QTest::newRow("absolute-form-loopback-authority")
        << QByteArray("GET http://127.0.0.1:%PORT%/health HTTP/1.1\r\nHost: attacker.example\r\n\r\n") << 200
        << false << false;
    QTest::newRow("connection-close")
        << QByteArray(chat + "Connection: close\r\n" + len + "\r\n" + body) << 200 << true << true;
}

void TstHttpFraming::framing()
{
    QFETCH(QByteArray, raw);
    QFETCH(int, status);
    QFETCH(bool, closes);
    QFETCH(bool, reachesHandler);
    GatewayFixture f;
    const auto [id, key] = f.createKey(R"({"name":"t","rate_limit_rpm":5})");
    RawHttpClient c(f.port);
    const RawResponse r = c.send(expand(raw, f.port, key));
    QCOMPARE(r.status, status);
    QVERIFY(r.complete);
    if (closes) {
        QVERIFY(waitClosed(c.socket()));
    } else {
        QVERIFY(c.isConnected());
        QCOMPARE(c.request("GET", "/health").status, 200);
    }
    QCOMPARE(f.provider.started(), reachesHandler ? 1 : 0);
    // A refused request never counts against the key's rate window.
    RawHttpClient after(f.port);
    const RawResponse models
        = after.request("GET", "/v1/models", {}, { { "Authorization", "Bearer " + key.toUtf8() } });
    QCOMPARE(models.status, 200);
    QCOMPARE(models.header("x-ratelimit-remaining"), QByteArray(reachesHandler ? "3" : "4"));
}

void TstHttpFraming::hostValidatedExactly_data()
{
    QTest::addColumn<QByteArray>("hostLines");
    QTest::addColumn<int>("status");
    QTest::newRow("ip-port") << QByteArray("Host: 127.0.0.1:%PORT%\r\n") << 200;
    QTest::newRow("v6-noport") << QByteArray("Host: [::1]\r\n") << 200;
    QTest::newRow("port-trailing-garbage") << QByteArray("Host: 127.0.0.1:%PORT%.evil\r\n") << 400;
    QTest::newRow("port-letters") << QByteArray("Host: localhost:http\r\n") << 400;
    QTest::newRow("empty-port") << QByteArray("Host: localhost:\r\n") << 400;
    QTest::newRow("v6-garbage") << QByteArray("Host: [::1].evil:80\r\n") << 400;
    QTest::newRow("userinfo") << QByteArray("Host: evil@127.0.0.1\r\n") << 400;
    QTest::newRow("missing") << QByteArray() << 400;
    QTest::newRow("duplicate") << QByteArray("Host: 127.0.0.1\r\nHost: 127.0.0.1\r\n") << 400;
    QTest::newRow("rebinding") << QByteArray("Host: attacker.example:%PORT%\r\n") << 403;
}

void TstHttpFraming::hostValidatedExactly()
{
    QFETCH(QByteArray, hostLines);
    QFETCH(int, status);
    GatewayFixture f;
    RawHttpClient c(f.port);
    const RawResponse r = c.send(expand("GET /health HTTP/1.1\r\n" + hostLines + "\r\n", f.port, {}));
    QCOMPARE(r.status, status);
}

void TstHttpFraming::headWorksWhereGetDoes_data()
{
    QTest::addColumn<QByteArray>("path");
    QTest::addColumn<bool>("auth");
    QTest::newRow("health") << QByteArray("/health") << false;
    QTest::newRow("metrics") << QByteArray("/metrics") << false;
    QTest::newRow("models") << QByteArray("/v1/models") << true;
    QTest::newRow("model") << QByteArray("/v1/models/kiro") << true;
}

void TstHttpFraming::headWorksWhereGetDoes()
{
    QFETCH(QByteArray, path);
    QFETCH(bool, auth);
    GatewayFixture f;
    f.provider.setPoolStatus(PoolStatus { 1, 1, 3, 3, 0, 0 });
    const auto [id, key] = f.createKey();
    const Headers h = auth ? Headers { { "Authorization", "Bearer " + key.toUtf8() } } : Headers {};
    RawHttpClient c(f.port);
    const RawResponse get = c.request("GET", path, {}, h);
    QCOMPARE(get.status, 200);
    // HEAD and then GET on the same connection: if HEAD sent a body, the GET answer would be garbled.
    const QByteArray raw = RawHttpClient::build("HEAD", path, f.port, {}, h)
        + RawHttpClient::build("GET", path, f.port, {}, h);
    QTcpSocket s;
    QVERIFY(connectTo(s, f.port));
    s.write(raw);
    const QByteArray both = readUntil(s, [](const QByteArray &got) {
        const qsizetype second = got.indexOf("HTTP/1.1 ", 1);
        RawResponse r;
        return second > 0 && RawHttpClient::parse(got.mid(second), r);
    });
    const qsizetype headEnd = both.indexOf("\r\n\r\n");
    QVERIFY(both.startsWith("HTTP/1.1 200 "));
    QVERIFY(both.mid(0, headEnd).toLower().contains("content-length: "));
    // The next bytes are the GET's status line: HEAD carried no body.
    QVERIFY2(both.mid(headEnd + 4).startsWith("HTTP/1.1 200 "), both.constData());
    RawResponse second;
    QVERIFY(RawHttpClient::parse(both.mid(headEnd + 4), second));
    QCOMPARE(second.header("content-length").toLongLong(), second.body.size());
}

void TstHttpFraming::http10GetsNoChunkedAndNoKeepAlive()
{
    GatewayFixture f;
    const auto [id, key] = f.createKey();
    {
        RawHttpClient c(f.port);
        const RawResponse r = c.send("GET /health HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n");
        QCOMPARE(r.status, 200);
        QVERIFY(!r.chunked);
        QCOMPARE(r.header("connection").toLower(), QByteArray("close"));
        QVERIFY(waitClosed(c.socket()));
    }
    {
        RawHttpClient c(f.port);
        const RawResponse r
            = c.send("GET /health HTTP/1.0\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n");
        QCOMPARE(r.header("connection").toLower(), QByteArray("keep-alive"));
        QVERIFY(c.isConnected());
        QCOMPARE(c.send("GET /health HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").status, 200);
        QVERIFY(waitClosed(c.socket()));
    }
    {
        // A stream to an HTTP/1.0 client is close-delimited, even if it asked for keep-alive.
        QTcpSocket s;
        QVERIFY(connectTo(s, f.port));
        s.write("POST /v1/chat/completions HTTP/1.0\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n"
                "Authorization: Bearer "
                + key.toUtf8() + "\r\nContent-Length: " + QByteArray::number(streamChat.size()) + "\r\n\r\n"
                + streamChat);
        const QByteArray all = readUntil(
            s, [](const QByteArray &) { return false; }, 5000);
        QVERIFY(s.state() != QAbstractSocket::ConnectedState);
        const QByteArray head = all.left(all.indexOf("\r\n\r\n")).toLower();
        QVERIFY2(!head.contains("transfer-encoding"), head.constData());
        QVERIFY(head.contains("connection: close"));
        QVERIFY(all.endsWith("data: [DONE]\n\n"));
    }
}

void TstHttpFraming::expectContinue()
{
    GatewayFixture f;
    const auto [id, key] = f.createKey();
    QTcpSocket s;
    QVERIFY(connectTo(s, f.port));
    s.write("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + key.toUtf8()
            + "\r\nExpect: 100-continue\r\nContent-Length: " + QByteArray::number(simpleChat.size())
            + "\r\n\r\n");
    const QByteArray interim = readUntil(s, [](const QByteArray &got) { return got.contains("\r\n\r\n"); });
    QCOMPARE(interim, QByteArray("HTTP/1.1 100 Continue\r\n\r\n"));
    s.write(simpleChat);
    const QByteArray final = readUntil(s, [](const QByteArray &got) {
        RawResponse r;
        return RawHttpClient::parse(got, r);
    });
    QVERIFY(final.startsWith("HTTP/1.1 200 "));
    // A request that will be refused gets its final answer instead of 100, and its body is never read.
    QTcpSocket refused;
    QVERIFY(connectTo(refused, f.port));
    refused.write("POST /v1/chat/completions HTTP/1.1\r\nHost: attacker.example\r\nAuthorization: Bearer "
                  + key.toUtf8() + "\r\nExpect: 100-continue\r\nContent-Length: 100000\r\n\r\n");
    const QByteArray answer = readUntil(refused, [](const QByteArray &g) {
        RawResponse r;
        return RawHttpClient::parse(g, r);
    });
    QVERIFY2(answer.startsWith("HTTP/1.1 403 "), answer.constData());
    QVERIFY(answer.contains("host_not_allowed"));
    QVERIFY(waitClosed(refused));
    QCOMPARE(f.provider.started(), 1);
}

void TstHttpFraming::oversizedContentLengthRefusedBeforeBody()
{
    Settings settings;
    settings.server.maxBodyMb = 1;
    GatewayFixture f(settings);
    const auto [id, key] = f.createKey();
    // No body byte is sent: the answer must not wait for it. No 100 Continue either.
    QTcpSocket s;
    QVERIFY(connectTo(s, f.port));
    s.write("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + key.toUtf8()
            + "\r\nExpect: 100-continue\r\nContent-Length: 4294967296\r\n\r\n");
    const QByteArray got = readUntil(s, [](const QByteArray &g) {
        RawResponse r;
        return RawHttpClient::parse(g, r);
    });
    QVERIFY2(got.startsWith("HTTP/1.1 413 "), got.constData());
    QVERIFY(!got.contains("100 Continue"));
    QVERIFY(waitClosed(s));
    // Chunked past the limit: 413 and close, the handler never runs.
    QTcpSocket c;
    QVERIFY(connectTo(c, f.port));
    c.write("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + key.toUtf8()
            + "\r\nTransfer-Encoding: chunked\r\n\r\n");
    const QByteArray chunk
        = QByteArray::number(256 * 1024, 16) + "\r\n" + QByteArray(256 * 1024, 'x') + "\r\n";
    for (int i = 0; i < 5; ++i)
        c.write(chunk);
    const QByteArray refused = readUntil(c, [](const QByteArray &g) {
        RawResponse r;
        return RawHttpClient::parse(g, r);
    });
    QVERIFY2(refused.startsWith("HTTP/1.1 413 "), refused.left(200).constData());
    QVERIFY(waitClosed(c));
    QCOMPARE(f.provider.started(), 0);
}

void TstHttpFraming::largeBodyInPieces_data()
{
    // How a large Content-Length body reaches the server: the cut points into head + body. Bodies larger than
    // what Qt reads per event are read straight from the kernel into the request (HttpServerConnection).
    QTest::addColumn<QList<qsizetype>>("cuts"); // offsets into the body; -1: the end of the head
    QTest::addColumn<bool>("pipelined"); // a second request right behind the body, in the same write
    QList<qsizetype> many { 1000 };
    for (qsizetype at = 1000 + 7001; at < 300'000; at += 7001)
        many.append(at);
    QTest::newRow("one-write") << QList<qsizetype>() << false;
    QTest::newRow("one-write-then-pipelined") << QList<qsizetype>() << true;
    QTest::newRow("head-alone-then-body") << QList<qsizetype> { -1 } << false;
    QTest::newRow("head-and-part-then-many") << many << false;
    QTest::newRow("head-and-part-then-many-then-pipelined") << many << true;
    QTest::newRow("head-split") << QList<qsizetype> { -20, 200'000 } << true;
}

void TstHttpFraming::largeBodyInPieces()
{
    QFETCH(QList<qsizetype>, cuts);
    QFETCH(bool, pipelined);
    GatewayFixture f;
    const auto [id, key] = f.createKey();
    // A text of about 300 KB with every byte position distinct: a piece lost, doubled or misplaced changes
    // it.
    QByteArray text;
    for (int i = 0; text.size() < 300'000; ++i)
        text += QByteArray::number(i) + ' ';
    const QByteArray body = R"({"model":"kiro","messages":[{"role":"user","content":")" + text + R"("}]})";
    const Headers h { { "Authorization", "Bearer " + key.toUtf8() } };
    const QByteArray request = RawHttpClient::build("POST", "/v1/chat/completions", f.port, body, h);
    const qsizetype headSize = request.size() - body.size();
    QByteArray stream = request;
    if (pipelined)
        stream += RawHttpClient::build("GET", "/health", f.port, {}, {});
    QTcpSocket s;
    QVERIFY(connectTo(s, f.port));
    s.setSocketOption(QAbstractSocket::LowDelayOption, 1);
    qsizetype from = 0;
    for (const qsizetype cut : cuts) {
        const qsizetype to = cut < 0 ? headSize + cut + 1 : headSize + cut;
        s.write(stream.sliced(from, to - from));
        QVERIFY(s.flush());
        from = to;
        // One round of the server's event loop per piece, so each piece is a read event of its own.
        QCoreApplication::processEvents();
    }
    s.write(stream.sliced(from));
    const int expected = pipelined ? 2 : 1;
    const QByteArray all = readUntil(
        s, [&](const QByteArray &got) { return statuses(got).size() >= expected; }, 15'000);
    QCOMPARE(statuses(all), pipelined ? (QList<int> { 200, 200 }) : (QList<int> { 200 }));
    QCOMPARE(f.provider.started(), 1);
    QVERIFY(f.provider.lastRequest().messages.back().textString() == QString::fromLatin1(text));
    // The connection is still in step: the next request is read from where the body ended.
    s.write(RawHttpClient::build("GET", "/nothing", f.port, {}, {}));
    const QByteArray next = readUntil(s, [](const QByteArray &got) { return statuses(got).size() >= 1; });
    QCOMPARE(statuses(next), QList<int> { 404 });
}

void TstHttpFraming::requestEndPostsNoEvent()
{
    // An answer that ends in a later event (the upstream's) on a keep-alive connection with nothing more to
    // read: the connection reads on and the exchange is released without a posted event (each would make the
    // event dispatcher wake itself through its eventfd, three system calls per request).
    GatewayFixture f;
    const auto [id, key] = f.createKey();
    const Headers h { { "Authorization", "Bearer " + key.toUtf8() } };
    RawHttpClient c(f.port);
    QCOMPARE(c.request("POST", "/v1/chat/completions", simpleChat, h).status, 200);
    QTRY_COMPARE(f.provider.alive(), 0);

    struct PostedCounter : QObject
    {
        int posted = 0;
        bool eventFilter(QObject *receiver, QEvent *event) override
        {
            const bool ours
                = qobject_cast<HttpServerConnection *>(receiver) || qobject_cast<ChatExchange *>(receiver);
            if (ours && (event->type() == QEvent::MetaCall || event->type() == QEvent::DeferredDelete))
                ++posted;
            return false;
        }
    } counter;
    QCoreApplication::instance()->installEventFilter(&counter);
    const auto removeFilter = qScopeGuard([&] { QCoreApplication::instance()->removeEventFilter(&counter); });
    for (int i = 0; i < 3; ++i) {
        const RawResponse r = c.request("POST", "/v1/chat/completions", simpleChat, h);
        QCOMPARE(r.status, 200);
        QVERIFY(r.body.contains("Hello world"));
    }
    // Each exchange (and the provider call it owns) is released once the event loop runs again.
    QTRY_COMPARE(f.provider.alive(), 0);
    QCOMPARE(f.provider.started(), 4);
    QCOMPARE(counter.posted, 0);
    QVERIFY(c.isConnected());
}

void TstHttpFraming::pipelinedAnswersLeaveInOrder()
{
    GatewayFixture f;
    // The chat answer takes a while; /health would be ready at once.
    f.provider.enqueue(ScriptedProvider::textScript({ QStringLiteral("slow") }, 200));
    const auto [id, key] = f.createKey();
    const Headers h { { "Authorization", "Bearer " + key.toUtf8() } };
    QTcpSocket s;
    QVERIFY(connectTo(s, f.port));
    s.write(RawHttpClient::build("POST", "/v1/chat/completions", f.port, simpleChat, h)
            + RawHttpClient::build("GET", "/health", f.port, {}, {})
            + RawHttpClient::build("GET", "/nothing", f.port, {}, {}));
    const QByteArray all = readUntil(s, [](const QByteArray &got) { return statuses(got).size() >= 3; });
    QCOMPARE(statuses(all), (QList<int> { 200, 200, 404 }));
    QVERIFY(all.indexOf("slow") < all.indexOf("\"status\""));
}

void TstHttpFraming::connectionCloseAfterPipelinedRequests()
{
    GatewayFixture f;
    f.provider.enqueue(ScriptedProvider::textScript({ QStringLiteral("first") }, 100));
    f.provider.enqueue(ScriptedProvider::textScript({ QStringLiteral("second") }, 100));
    const auto [id, key] = f.createKey();
    const Headers h { { "Authorization", "Bearer " + key.toUtf8() } };
    Headers closing = h;
    closing.append(qMakePair(QByteArray("Connection"), QByteArray("close")));
    QTcpSocket s;
    QVERIFY(connectTo(s, f.port));
    s.write(RawHttpClient::build("POST", "/v1/chat/completions", f.port, simpleChat, h)
            + RawHttpClient::build("POST", "/v1/chat/completions", f.port, simpleChat, closing)
            + RawHttpClient::build("GET", "/health", f.port, {}, {}));
    // Everything up to and including the Connection: close answer arrives; nothing after it.
    const QByteArray all = readUntil(
        s, [](const QByteArray &) { return false; }, 5000);
    QVERIFY(s.state() != QAbstractSocket::ConnectedState);
    QCOMPARE(statuses(all), (QList<int> { 200, 200 }));
    QVERIFY(all.contains("first"));
    QVERIFY(all.contains("second"));
    QCOMPARE(f.provider.started(), 2);
}

void TstHttpFraming::idleKeepAliveConnectionCloses()
{
    Settings settings;
    settings.server.idleTimeoutS = 5;
    GatewayFixture f(settings);
    RawHttpClient c(f.port);
    QCOMPARE(c.request("GET", "/health").status, 200);
    QVERIFY(c.isConnected());
    QCOMPARE(f.server->openConnections(), 1);
    f.clock.advanceMs(4'000);
    QSignalSpy closed(&c.socket(), &QAbstractSocket::disconnected);
    QSignalSpy count(f.server.get(), &GatewayServer::connectionCountChanged);
    QVERIFY(!closed.wait(1'500)); // not yet idle long enough
    f.clock.advanceMs(2'000);
    QVERIFY(closed.wait(3'000));
    // The server closes its side once the client has seen the end.
    QVERIFY(count.count() > 0 || count.wait(3'000));
    QCOMPARE(count.last().at(0).toInt(), 0);
    QCOMPARE(f.server->openConnections(), 0);
}

void TstHttpFraming::slowHeadGets408()
{
    GatewayFixture f;
    QTcpSocket s;
    QVERIFY(connectTo(s, f.port));
    s.write("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ");
    QVERIFY(s.waitForBytesWritten(1000));
    // A full round trip on another connection lets the server see those first bytes.
    RawHttpClient other(f.port);
    QCOMPARE(other.request("GET", "/health").status, 200);
    // Trickling bytes does not extend the deadline for the head.
    for (int i = 0; i < 4; ++i) {
        f.clock.advanceMs(3'000);
        s.write("a");
        QVERIFY(s.waitForBytesWritten(1000));
        QCOMPARE(other.request("GET", "/health").status, 200);
    }
    const QByteArray got = readUntil(
        s, [](const QByteArray &g) { return g.contains("\r\n\r\n"); }, 5000);
    QVERIFY2(got.startsWith("HTTP/1.1 408 "), got.constData());
    QVERIFY(waitClosed(s));
}

void TstHttpFraming::lingerEndsAClientThatNeverCloses()
{
    GatewayFixture f;
    QSignalSpy counts(f.server.get(), &GatewayServer::connectionCountChanged);
    // A raw descriptor: a QTcpSocket would close its side on the server's FIN by itself.
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    QVERIFY(fd >= 0);
    const auto closeFd = qScopeGuard([fd] { ::close(fd); });
    sockaddr_in addr {};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(f.port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    QCOMPARE(::connect(fd, reinterpret_cast<const sockaddr *>(&addr), sizeof addr), 0);
    const QByteArray bad = "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: x\r\n\r\n";
    QCOMPARE(::send(fd, bad.constData(), size_t(bad.size()), MSG_NOSIGNAL), ssize_t(bad.size()));
    QTRY_VERIFY(!counts.isEmpty() && counts.last().at(0).toInt() == 1);
    // The server answers 400, sends FIN and lingers to drain input; this client neither reads nor closes, so
    // only the linger timer (2 s) ends the connection.
    QTRY_VERIFY_WITH_TIMEOUT(counts.last().at(0).toInt() == 0, 10'000);
    char buffer[512];
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, MSG_DONTWAIT);
    QVERIFY2(n > 0 && QByteArray(buffer, qsizetype(n)).startsWith("HTTP/1.1 400 "), "no 400 answer");
}

void TstHttpFraming::connectionCap()
{
    Settings settings;
    settings.server.maxConnections = 2;
    GatewayFixture f(settings);
    RawHttpClient a(f.port);
    RawHttpClient b(f.port);
    QCOMPARE(a.request("GET", "/health").status, 200);
    QCOMPARE(b.request("GET", "/health").status, 200);
    QCOMPARE(f.server->openConnections(), 2);
    QTcpSocket third;
    QVERIFY(connectTo(third, f.port));
    const QByteArray refused = readUntil(third, [](const QByteArray &g) {
        RawResponse r;
        return RawHttpClient::parse(g, r);
    });
    QVERIFY2(refused.startsWith("HTTP/1.1 503 "), refused.constData());
    QVERIFY(refused.contains("too_many_connections"));
    QVERIFY(waitClosed(third));
    // Room again once one closes.
    QSignalSpy count(f.server.get(), &GatewayServer::connectionCountChanged);
    a.close();
    QVERIFY(count.wait(5000));
    QCOMPARE(f.server->openConnections(), 1);
    RawHttpClient d(f.port);
    QCOMPARE(d.request("GET", "/health").status, 200);
    QCOMPARE(f.server->openConnections(), 2);
}

void TstHttpFraming::upstreamAddressNotShownToClients()
{
    GatewayFixture f;
    f.provider.enqueue(
        { { 0,
            ProviderError { ProviderErrorKind::UpstreamError,
                            QStringLiteral("Kiro connection failed: connecting to 127.0.0.1:45678 "
                                           "failed: Connection refused (https://q.internal:8443/x)"),
                            0 } } });
    const auto [id, key] = f.createKey();
    RawHttpClient c(f.port);
    const RawResponse r = c.request("POST", "/v1/chat/completions", simpleChat,
                                    { { "Authorization", "Bearer " + key.toUtf8() } });
    QCOMPARE(r.status, 502);
    QVERIFY2(!r.body.contains("45678"), r.body.constData());
    QVERIFY2(!r.body.contains("127.0.0.1"), r.body.constData());
    QVERIFY2(!r.body.contains("q.internal"), r.body.constData());
    QVERIFY(r.body.contains("Connection refused"));
}

QTEST_GUILESS_MAIN(TstHttpFraming)
#include "tst_httpframing.moc"
