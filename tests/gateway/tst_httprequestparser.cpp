// SPDX-License-Identifier: MIT
#include <QRandomGenerator>
#include <QScopeGuard>
#include <QTest>

#include <QUrl>
#include <cstring>

#include "server/gateway/httprequestparser.h"

using namespace Drawbridge;

namespace {

HttpRequestParser::Limits smallLimits()
{
    HttpRequestParser::Limits l;
    l.maxBodyBytes = 1024;
    l.maxRequestLineBytes = 256;
    l.maxHeaderBytes = 1024;
    l.maxHeaderCount = 16;
    l.maxChunkLineBytes = 64;
    return l;
}

/** What a parser made of a byte stream: each complete message, then how it stopped. */
struct Outcome
{
    struct Message
    {
        QByteArray method;
        QString path;
        QByteArray authority;
        QByteArray body;
        bool keepAlive;
        bool expectContinue;
        int minorVersion;
    };
    QList<Message> messages;
    int errorStatus = 0; ///< 0: stopped needing more input
    int heads = 0;

    bool operator==(const Outcome &o) const
    {
        if (messages.size() != o.messages.size() || errorStatus != o.errorStatus || heads != o.heads)
            return false;
        for (qsizetype i = 0; i < messages.size(); ++i) {
            const Message &a = messages[i];
            const Message &b = o.messages[i];
            if (a.method != b.method || a.path != b.path || a.authority != b.authority || a.body != b.body
                || a.keepAlive != b.keepAlive || a.expectContinue != b.expectContinue
                || a.minorVersion != b.minorVersion)
                return false;
        }
        return true;
    }
};

/**
 * Feeds @p input in pieces cut at @p cuts and runs the parser to the end; @p invariant collects what broke.
 * Bounded: at most 64 messages, and every parse() call either consumes input or asks for more. @p direct:
 * whenever the parser offers bodySpace(), the piece goes straight into the body, as HttpServerConnection
 * does, every other time after an empty read into it; every other piece is handed over with adopt(), as the
 * connection hands over its reads, and the parser must not care what else shares it.
 */
Outcome run(const QByteArray &input, const QList<qsizetype> &cuts, const HttpRequestParser::Limits &limits,
            QString *invariant = nullptr, bool direct = false)
{
    HttpRequestParser p(limits);
    Outcome out;
    qsizetype fed = 0;
    qsizetype cutIndex = 0;
    int steps = 0;
    const auto broken = [&](const QString &what) {
        if (invariant && invariant->isEmpty())
            *invariant = what;
    };
    QList<QPair<QByteArray, qsizetype>> held; // pieces handed over while someone else held them too
    const auto checkHeld = qScopeGuard([&] {
        for (const auto &[piece, from] : held) {
            if (piece != input.sliced(from, piece.size()))
                broken(QStringLiteral("the parser wrote into a block someone else holds"));
        }
    });
    while (true) {
        if (++steps > 100'000) {
            broken(QStringLiteral("parser does not terminate"));
            return out;
        }
        const auto st = p.parse();
        if (p.bufferedBytes() > input.size())
            broken(QStringLiteral("buffers more than it was given"));
        if (p.request().bodyBytes.size() > limits.maxBodyBytes)
            broken(QStringLiteral("body beyond the limit"));
        if (p.request().headers.size() > limits.maxHeaderCount)
            broken(QStringLiteral("more header fields than the limit"));
        if (st == HttpRequestParser::Status::NeedMore) {
            if (fed == input.size())
                return out;
            const qsizetype next
                = cutIndex < cuts.size() ? std::min(cuts[cutIndex++], input.size()) : input.size();
            const qsizetype end = std::max(next, fed + 1);
            qsizetype room = 0;
            if (char *space = direct ? p.bodySpace(room) : nullptr) {
                if (steps % 2 == 0) {
                    p.bodyWritten(0); // a read that found nothing
                    space = p.bodySpace(room);
                }
                const qsizetype take = std::min(room, end - fed);
                if (take <= 0)
                    broken(QStringLiteral("bodySpace() offered no room"));
                std::memcpy(space, input.constData() + fed, size_t(take));
                p.bodyWritten(take);
                fed += take;
                continue;
            }
            if (direct) {
                QByteArray piece = input.sliced(fed, end - fed);
                // Sometimes shared, as Qt's read buffer may still share a block it hands over.
                if (steps % 3 == 0)
                    held.append({ piece, fed });
                p.adopt(std::move(piece));
            } else {
                p.append(QByteArrayView(input).sliced(fed, end - fed));
            }
            fed = end;
            continue;
        }
        if (st == HttpRequestParser::Status::HeadComplete) {
            ++out.heads;
            continue;
        }
        if (st == HttpRequestParser::Status::Error) {
            out.errorStatus = p.errorStatus();
            static const QList<int> allowed { 400, 413, 414, 417, 431, 501, 505 };
            if (!allowed.contains(out.errorStatus))
                broken(QStringLiteral("unexpected error status %1").arg(out.errorStatus));
            if (p.parse() != HttpRequestParser::Status::Error)
                broken(QStringLiteral("parses on after an error"));
            return out;
        }
        const HttpServerRequest r = p.takeRequest();
        if (!r.chunked && r.bodyBytes.size() != r.contentLength)
            broken(QStringLiteral("body size differs from Content-Length"));
        if (r.minorVersion == 1 && r.authority.isEmpty())
            broken(QStringLiteral("HTTP/1.1 request without an authority"));
        out.messages.append(
            { r.method, r.path, r.authority, r.bodyBytes, r.keepAlive, r.expectContinue, r.minorVersion });
        if (out.messages.size() > 64) {
            broken(QStringLiteral("too many messages"));
            return out;
        }
    }
}

QList<qsizetype> everyByte(qsizetype n)
{
    QList<qsizetype> cuts;
    for (qsizetype i = 1; i <= n; ++i)
        cuts.append(i);
    return cuts;
}

const QByteArray host = "Host: 127.0.0.1:8642\r\n";

} // namespace

class TstHttpRequestParser : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void framing_data();
    void framing();
    void headAndFields();
    void pipelinedMessages();
    void bodyLandsInItsFinalBuffer_data();
    void bodyLandsInItsFinalBuffer();
    void pathAsQUrlDecodesIt_data();
    void pathAsQUrlDecodesIt();
    void bodyNeverExceedsLimit();
    void randomMutations();
};

void TstHttpRequestParser::framing_data()
{
    QTest::addColumn<QByteArray>("raw");
    QTest::addColumn<int>("error"); // 0 = one complete message
    QTest::addColumn<QByteArray>("body");

    const QByteArray post = "POST /v1/chat/completions HTTP/1.1\r\n" + host;
    QTest::newRow("get") << QByteArray("GET /health HTTP/1.1\r\n" + host + "\r\n") << 0 << QByteArray();
    QTest::newRow("content-length") << QByteArray(post + "Content-Length: 5\r\n\r\nhello") << 0
                                    << QByteArray("hello");
    QTest::newRow("chunked") << QByteArray(
        post + "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;x=y\r\n world\r\n0\r\n\r\n")
                             << 0 << QByteArray("hello world");
    QTest::newRow("chunked-trailer") << QByteArray(
        post + "Transfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\nX-Sum: 1\r\n\r\n")
                                     << 0 << QByteArray("ok");
    QTest::newRow("chunked-upper-hex")
        << QByteArray(post + "Transfer-Encoding: Chunked\r\n\r\nA\r\n0123456789\r\n0\r\n\r\n") << 0
        << QByteArray("0123456789");
    QTest::newRow("leading-crlf") << QByteArray("\r\nGET / HTTP/1.1\r\n" + host + "\r\n") << 0
                                  << QByteArray();
    QTest::newRow("duplicate-content-length")
        << QByteArray(post + "Content-Length: 5\r\nContent-Length: 5\r\n\r\nhello") << 400 << QByteArray();
    QTest::newRow("list-content-length")
        << QByteArray(post + "Content-Length: 5, 5\r\n\r\nhello") << 400 << QByteArray();
    QTest::newRow("signed-content-length")
        << QByteArray(post + "Content-Length: +5\r\n\r\nhello") << 400 << QByteArray();
    QTest::newRow("empty-content-length")
        << QByteArray(post + "Content-Length:\r\n\r\n") << 400 << QByteArray();
    QTest::newRow("content-length-and-chunked")
        << QByteArray(post + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n") << 400
        << QByteArray();
    QTest::newRow("xchunked") << QByteArray(post + "Transfer-Encoding: xchunked\r\n\r\n") << 501
                              << QByteArray();
    QTest::newRow("gzip-chunked") << QByteArray(post + "Transfer-Encoding: gzip, chunked\r\n\r\n") << 501
                                  << QByteArray();
    QTest::newRow("chunked-twice") << QByteArray(
        post + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n")
                                   << 400 << QByteArray();
    // Field names are case-insensitive (RFC 9110 §5.1): the framing rules must see these as the same fields.
    QTest::newRow("content-length-any-case")
        << QByteArray(post + "cOnTeNt-LeNgTh: 5\r\n\r\nhello") << 0 << QByteArray("hello");
    QTest::newRow("content-length-twice-other-case")
        << QByteArray(post + "Content-Length: 5\r\nCONTENT-LENGTH: 5\r\n\r\nhello") << 400 << QByteArray();
    QTest::newRow("te-and-length-other-case")
        << QByteArray(post + "TRANSFER-ENCODING: chunked\r\ncontent-length: 5\r\n\r\n0\r\n\r\n") << 400
        << QByteArray();
    QTest::newRow("chunked-upper-case-name")
        << QByteArray(post + "TRANSFER-ENCODING: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n") << 0
        << QByteArray("ok");
    QTest::newRow("host-twice-other-case")
        << QByteArray("GET /health HTTP/1.1\r\n" + host + "HOST: localhost\r\n\r\n") << 400 << QByteArray();
    QTest::newRow("te-in-http10") << QByteArray("POST / HTTP/1.0\r\n" + host
                                                + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
                                  << 400 << QByteArray();
    QTest::newRow("chunk-size-garbage")
        << QByteArray(post + "Transfer-Encoding: chunked\r\n\r\nzz\r\n") << 400 << QByteArray();
    QTest::newRow("chunk-size-0x") << QByteArray(
        post + "Transfer-Encoding: chunked\r\n\r\n0x5\r\nhello\r\n0\r\n\r\n")
                                   << 400 << QByteArray();
    QTest::newRow("chunk-size-negative")
        << QByteArray(post + "Transfer-Encoding: chunked\r\n\r\n-1\r\n") << 400 << QByteArray();
    QTest::newRow("chunk-size-leading-space")
        << QByteArray(post + "Transfer-Encoding: chunked\r\n\r\n 5\r\nhello\r\n0\r\n\r\n") << 400
        << QByteArray();
    QTest::newRow("chunk-size-trailing-space")
        << QByteArray(post + "Transfer-Encoding: chunked\r\n\r\n5 \r\nhello\r\n0\r\n\r\n") << 400
        << QByteArray();
    QTest::newRow("chunk-size-overflow")
        << QByteArray(post + "Transfer-Encoding: chunked\r\n\r\n10000000000000005\r\nhello\r\n") << 400
        << QByteArray();
    QTest::newRow("chunk-without-crlf")
        << QByteArray(post + "Transfer-Encoding: chunked\r\n\r\n5\r\nhelloX\r\n0\r\n\r\n") << 400
        << QByteArray();
    QTest::newRow("chunk-bare-lf") << QByteArray(post
                                                 + "Transfer-Encoding: chunked\r\n\r\n5\nhello\r\n0\r\n\r\n")
                                   << 400 << QByteArray();
    QTest::newRow("obs-fold") << QByteArray("GET / HTTP/1.1\r\n" + host + "X-A: 1\r\n  folded\r\n\r\n") << 400
                              << QByteArray();
    QTest::newRow("bare-cr") << QByteArray("GET / HTTP/1.1\r\n" + host + "X-A: 1\r2\r\n\r\n") << 400
                             << QByteArray();
    QTest::newRow("bare-lf") << QByteArray("GET / HTTP/1.1\n" + host + "\r\n") << 400 << QByteArray();
    QTest::newRow("space-before-colon")
        << QByteArray("GET / HTTP/1.1\r\n" + host + "X-A : 1\r\n\r\n") << 400 << QByteArray();
    QTest::newRow("nul-in-value") << QByteArray("GET / HTTP/1.1\r\n" + host
                                                + QByteArray("X-A: a\0b\r\n\r\n", 12))
                                  << 400 << QByteArray();
    QTest::newRow("no-host") << QByteArray("GET / HTTP/1.1\r\n\r\n") << 400 << QByteArray();
    QTest::newRow("two-hosts") << QByteArray("GET / HTTP/1.1\r\n" + host + host + "\r\n") << 400
                               << QByteArray();
    QTest::newRow("host-port-garbage")
        << QByteArray("GET / HTTP/1.1\r\nHost: 127.0.0.1:8642.evil\r\n\r\n") << 400 << QByteArray();
    QTest::newRow("host-port-letters")
        << QByteArray("GET / HTTP/1.1\r\nHost: localhost:http\r\n\r\n") << 400 << QByteArray();
    QTest::newRow("host-userinfo") << QByteArray("GET / HTTP/1.1\r\nHost: a@127.0.0.1\r\n\r\n") << 400
                                   << QByteArray();
    QTest::newRow("host-v6-garbage") << QByteArray("GET / HTTP/1.1\r\nHost: [::1]x\r\n\r\n") << 400
                                     << QByteArray();
    QTest::newRow("host-port-too-big")
        << QByteArray("GET / HTTP/1.1\r\nHost: localhost:70000\r\n\r\n") << 400 << QByteArray();
    QTest::newRow("http10-without-host") << QByteArray("GET / HTTP/1.0\r\n\r\n") << 0 << QByteArray();
    QTest::newRow("http2") << QByteArray("GET / HTTP/2.0\r\n" + host + "\r\n") << 505 << QByteArray();
    QTest::newRow("lowercase-version")
        << QByteArray("GET / http/1.1\r\n" + host + "\r\n") << 400 << QByteArray();
    QTest::newRow("double-space") << QByteArray("GET  / HTTP/1.1\r\n" + host + "\r\n") << 400 << QByteArray();
    QTest::newRow("fragment") << QByteArray("GET /a#b HTTP/1.1\r\n" + host + "\r\n") << 400 << QByteArray();
    QTest::newRow("asterisk-get") << QByteArray("GET * HTTP/1.1\r\n" + host + "\r\n") << 400 << QByteArray();
    QTest::newRow("asterisk-options")
        << QByteArray("OPTIONS * HTTP/1.1\r\n" + host + "\r\n") << 0 << QByteArray();
    QTest::newRow("authority-form") << QByteArray("CONNECT 127.0.0.1:80 HTTP/1.1\r\n" + host + "\r\n") << 400
                                    << QByteArray();
    QTest::newRow("expect-unknown") << QByteArray(post + "Expect: 200-ok\r\nContent-Length: 0\r\n\r\n") << 417
                                    << QByteArray();
    QTest::newRow("body-too-large") << QByteArray(post + "Content-Length: 1025\r\n\r\n") << 413
                                    << QByteArray();
    QTest::newRow("chunked-too-large") << QByteArray(post + "Transfer-Encoding: chunked\r\n\r\n200\r\n"
                                                     + QByteArray(512, 'a') + "\r\n201\r\n")
                                       << 413 << QByteArray();
    QTest::newRow("request-line-too-long")
        << QByteArray("GET /" + QByteArray(300, 'a') + " HTTP/1.1\r\n") << 414 << QByteArray();
    QTest::newRow("head-too-large") << QByteArray("GET / HTTP/1.1\r\n" + host
                                                  + "X-Big: " + QByteArray(1100, 'b') + "\r\n\r\n")
                                    << 431 << QByteArray();
    QByteArray many = "GET / HTTP/1.1\r\n" + host;
    for (int i = 0; i < 20; ++i)
        many += "X-" + QByteArray::number(i) + ": v\r\n";
    QTest::newRow("too-many-fields") << QByteArray(many + "\r\n") << 431 << QByteArray();
    QTest::newRow("trailer-too-large") << QByteArray(
        post + "Transfer-Encoding: chunked\r\n\r\n0\r\nX-T: " + QByteArray(1100, 't') + "\r\n\r\n")
                                       << 431 << QByteArray();
}

void TstHttpRequestParser::framing()
{
    QFETCH(QByteArray, raw);
    QFETCH(int, error);
    QFETCH(QByteArray, body);
    QString broken;
    const Outcome whole = run(raw, {}, smallLimits(), &broken);
    QVERIFY2(broken.isEmpty(), qPrintable(broken));
    QCOMPARE(whole.errorStatus, error);
    if (error == 0) {
        QCOMPARE(whole.messages.size(), 1);
        QCOMPARE(whole.messages[0].body, body);
    }
    // However the bytes are split, the outcome is the same.
    const Outcome bytewise = run(raw, everyByte(raw.size()), smallLimits(), &broken);
    QVERIFY2(broken.isEmpty(), qPrintable(broken));
    QVERIFY(bytewise == whole);
    // Also when the body is read straight into the request (HttpServerConnection's path).
    for (const QList<qsizetype> &cuts : { QList<qsizetype>(), everyByte(raw.size()) }) {
        const Outcome direct = run(raw, cuts, smallLimits(), &broken, true);
        QVERIFY2(broken.isEmpty(), qPrintable(broken));
        QVERIFY(direct == whole);
    }
}

void TstHttpRequestParser::headAndFields()
{
    const Outcome abs = run("GET http://localhost:8642/v1/models?x=1 HTTP/1.1\r\nHost: evil.example\r\n\r\n",
                            {}, smallLimits());
    QCOMPARE(abs.errorStatus, 0);
    QCOMPARE(abs.messages[0].authority, QByteArray("localhost:8642"));
    QCOMPARE(abs.messages[0].path, QStringLiteral("/v1/models"));

    const Outcome ten
        = run("GET / HTTP/1.0\r\n\r\nGET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", {}, smallLimits());
    QCOMPARE(ten.messages.size(), 2);
    QVERIFY(!ten.messages[0].keepAlive);
    QVERIFY(ten.messages[1].keepAlive);
    QCOMPARE(ten.messages[1].minorVersion, 0);

    const Outcome close
        = run("GET / HTTP/1.1\r\n" + host + "Connection: TE, Close\r\n\r\n", {}, smallLimits());
    QVERIFY(!close.messages[0].keepAlive);

    const Outcome expect
        = run("POST / HTTP/1.1\r\n" + host + "Expect: 100-Continue\r\nContent-Length: 2\r\n\r\nok", {},
              smallLimits());
    QCOMPARE(expect.heads, 1);
    QVERIFY(expect.messages[0].expectContinue);

    HttpRequestParser p(smallLimits());
    p.append("GET /v1/models/a%20b HTTP/1.1\r\nhOsT: [::1]:8642\r\nX-Empty:\r\nX-Ows: \t v \t\r\n\r\n");
    QCOMPARE(p.parse(), HttpRequestParser::Status::HeadComplete);
    QCOMPARE(p.parse(), HttpRequestParser::Status::MessageComplete);
    const HttpServerRequest r = p.takeRequest();
    QCOMPARE(r.value("host"), QByteArrayView("[::1]:8642"));
    QCOMPARE(r.value("X-OWS"), QByteArrayView("v"));
    QVERIFY(!r.value("x-empty").isNull());
    QVERIFY(r.value("x-absent").isNull());
    QCOMPARE(r.path, QStringLiteral("/v1/models/a b"));
}

void TstHttpRequestParser::pipelinedMessages()
{
    const QByteArray raw = "POST /a HTTP/1.1\r\n" + host + "Content-Length: 3\r\n\r\nonePOST /b HTTP/1.1\r\n"
        + host + "Transfer-Encoding: chunked\r\n\r\n3\r\ntwo\r\n0\r\n\r\nGET /c HTTP/1.1\r\n" + host
        + "\r\nGET /d";
    const Outcome o = run(raw, {}, smallLimits());
    QCOMPARE(o.errorStatus, 0);
    QCOMPARE(o.messages.size(), 3);
    QCOMPARE(o.messages[0].body, QByteArray("one"));
    QCOMPARE(o.messages[1].body, QByteArray("two"));
    QCOMPARE(o.messages[2].path, QStringLiteral("/c"));
    QVERIFY(run(raw, everyByte(raw.size()), smallLimits()) == o);
    // A body read straight into the request takes only its own bytes: the next request stays intact.
    QVERIFY(run(raw, everyByte(raw.size()), smallLimits(), nullptr, true) == o);
    QList<qsizetype> afterHead;
    afterHead.append(raw.indexOf("one"));
    QVERIFY(run(raw, afterHead, smallLimits(), nullptr, true) == o);
}

void TstHttpRequestParser::bodyLandsInItsFinalBuffer_data()
{
    // How a large body reaches HttpServerConnection: cut points into head + body + the next request.
    QTest::addColumn<QList<qsizetype>>("cuts");
    QTest::addColumn<bool>("direct");
    const qsizetype head = 66; // the head's length below, checked in the test
    const qsizetype body = 100'000;
    QList<qsizetype> partThenMany { head + 100 };
    for (qsizetype at = head + 100 + 4096; at < head + body; at += 4096)
        partThenMany.append(at);
    for (const bool direct : { false, true }) {
        const char *const mode = direct ? "direct" : "appended";
        QTest::addRow("all-in-one-%s", mode) << QList<qsizetype>() << direct;
        QTest::addRow("head-alone-%s", mode) << QList<qsizetype> { head } << direct;
        QTest::addRow("head-and-part-then-many-%s", mode) << partThenMany << direct;
        QTest::addRow("head-split-then-part-%s", mode) << QList<qsizetype> { head - 5, head + 3 } << direct;
        QTest::addRow("body-and-next-head-in-one-%s", mode)
            << QList<qsizetype> { head + 10, head + body + 7 } << direct;
    }
}

void TstHttpRequestParser::bodyLandsInItsFinalBuffer()
{
    QFETCH(QList<qsizetype>, cuts);
    QFETCH(bool, direct);
    QByteArray body(100'000, Qt::Uninitialized);
    QRandomGenerator rng(18);
    for (char &c : body)
        c = char(rng.bounded(256));
    const QByteArray first = "POST /a HTTP/1.1\r\n" + host + "Content-Length: 100000\r\n\r\n";
    QCOMPARE(first.size(), 66);
    const QByteArray next = "GET /next HTTP/1.1\r\n" + host + "\r\n";
    const QByteArray input = first + body + next;

    QString broken;
    const Outcome o = run(input, cuts, HttpRequestParser::Limits(), &broken, direct);
    QVERIFY2(broken.isEmpty(), qPrintable(broken));
    QCOMPARE(o.messages.size(), 2);
    QVERIFY(o.messages[0].body == body);
    QCOMPARE(o.messages[1].path, QStringLiteral("/next"));

    // The body is reserved once at the head, with simdjson's padding behind it, and never moves.
    HttpRequestParser p { HttpRequestParser::Limits() };
    qsizetype fed = 0;
    qsizetype cutIndex = 0;
    const char *reserved = nullptr;
    QStringList paths;
    for (;;) {
        HttpRequestParser::Status st;
        while ((st = p.parse()) != HttpRequestParser::Status::NeedMore) {
            if (st == HttpRequestParser::Status::HeadComplete) {
                if (p.request().path == QStringLiteral("/a")) {
                    reserved = p.request().bodyBytes.constData();
                    QVERIFY(p.request().bodyBytes.capacity() >= body.size() + 64);
                }
                continue;
            }
            QCOMPARE(st, HttpRequestParser::Status::MessageComplete);
            const HttpServerRequest r = p.takeRequest();
            paths.append(r.path);
            if (r.path == QStringLiteral("/a")) {
                QCOMPARE(r.bodyBytes.constData(), reserved);
                QVERIFY(r.bodyBytes == body);
            }
        }
        if (fed == input.size())
            break;
        const qsizetype cut
            = cutIndex < cuts.size() ? std::min(cuts[cutIndex++], input.size()) : input.size();
        qsizetype room = 0;
        if (char *space = direct ? p.bodySpace(room) : nullptr) {
            const qsizetype take = std::min(room, cut - fed);
            std::memcpy(space, input.constData() + fed, size_t(take));
            p.bodyWritten(take);
            fed += take;
        }
        if (fed < cut) {
            p.adopt(input.sliced(fed, cut - fed));
            fed = cut;
        }
    }
    QVERIFY(reserved);
    QCOMPARE(paths, (QStringList { QStringLiteral("/a"), QStringLiteral("/next") }));
}

void TstHttpRequestParser::pathAsQUrlDecodesIt_data()
{
    QTest::addColumn<QByteArray>("target");
    // Plain paths take a shortcut past QUrl; the rest go through it. Either way the path is what QUrl says.
    for (const char *t : { "/",
                           "/v1/chat/completions",
                           "/v1/models/claude-sonnet-4.5",
                           "/a_b~c-d.e",
                           "//double//slash/",
                           "/trailing/",
                           "/.hidden",
                           "/a/.b/..c/...",
                           "/a/./b",
                           "/a/../b",
                           "/.",
                           "/..",
                           "/a/.",
                           "/a/..",
                           "/v1/models/a%20b",
                           "/%41%2f",
                           "/x?q=1",
                           "/x?",
                           "/a:b@c",
                           "/a!$&'()*+,;=",
                           "/%C3%A4",
                           "/A/Z/0/9" })
        QTest::newRow(t) << QByteArray(t);
}

void TstHttpRequestParser::pathAsQUrlDecodesIt()
{
    QFETCH(QByteArray, target);
    HttpRequestParser p(smallLimits());
    p.append(QByteArray("GET " + target + " HTTP/1.1\r\n" + host + "\r\n"));
    QCOMPARE(p.parse(), HttpRequestParser::Status::HeadComplete);
    QCOMPARE(p.parse(), HttpRequestParser::Status::MessageComplete);
    QCOMPARE(p.takeRequest().path,
             QUrl::fromEncoded(QByteArray("http://drawbridge.invalid" + target)).path());
}

void TstHttpRequestParser::bodyNeverExceedsLimit()
{
    // A client announcing a huge body is refused at the head, before a byte of it is stored.
    HttpRequestParser p(smallLimits());
    p.append(QByteArray("POST / HTTP/1.1\r\n" + host + "Content-Length: 4294967296\r\n\r\n"
                        + QByteArray(4096, 'x')));
    QCOMPARE(p.parse(), HttpRequestParser::Status::Error);
    QCOMPARE(p.errorStatus(), 413);
    QCOMPARE(p.request().bodyBytes.capacity(), 0);
    // Chunks are checked before they are stored.
    HttpRequestParser c(smallLimits());
    c.append(QByteArray("POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n"));
    QCOMPARE(c.parse(), HttpRequestParser::Status::HeadComplete);
    for (int i = 0; i < 3; ++i)
        c.append(QByteArray("100\r\n" + QByteArray(256, 'y') + "\r\n"));
    QCOMPARE(c.parse(), HttpRequestParser::Status::NeedMore);
    QCOMPARE(c.request().bodyBytes.size(), 768);
    c.append("101\r\n");
    QCOMPARE(c.parse(), HttpRequestParser::Status::Error);
    QCOMPARE(c.errorStatus(), 413);
    QVERIFY(c.request().bodyBytes.capacity() <= 1024);
}

void TstHttpRequestParser::randomMutations()
{
    // Seeded and bounded: DRAWBRIDGE_FUZZ_SEED / DRAWBRIDGE_FUZZ_ITERATIONS reproduce or extend a run.
    const quint32 seed = qEnvironmentVariableIsSet("DRAWBRIDGE_FUZZ_SEED")
        ? quint32(qEnvironmentVariableIntValue("DRAWBRIDGE_FUZZ_SEED"))
        : 20261202u;
    const int iterations = qEnvironmentVariableIsSet("DRAWBRIDGE_FUZZ_ITERATIONS")
        ? qEnvironmentVariableIntValue("DRAWBRIDGE_FUZZ_ITERATIONS")
        : 100'000;
    QRandomGenerator rng(seed);
    const QList<QByteArray> corpus {
        "GET /health HTTP/1.1\r\n" + host + "\r\n",
        "POST /v1/chat/completions HTTP/1.1\r\n" + host + "Content-Length: 11\r\n\r\nhello world",
        "POST /v1/messages HTTP/1.1\r\n" + host
            + "Transfer-Encoding: chunked\r\n\r\n5;e=1\r\nhello\r\n1\r\n!\r\n0\r\nX-T: 1\r\n\r\n",
        "GET http://127.0.0.1:8642/metrics HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
        "HEAD / HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET / HTTP/1.1\r\n" + host + "\r\n",
        "POST / HTTP/1.1\r\n" + host
            + "Expect: 100-continue\r\nContent-Length: 3\r\n\r\nabcGET / HTTP/1.1\r\n" + host + "\r\n",
    };
    static const char interesting[] = { '\r', '\n',   ' ',    '\t', ':', ',', ';', '0', 'f', 'F', '-', '+',
                                        '\0', '\x7f', '\x80', '[',  ']', '/', '?', '#', '@', 'x', '9' };
    static const QList<QByteArray> fields { "Content-Length: 5\r\n",
                                            "Content-Length: 99999999999\r\n",
                                            "Transfer-Encoding: chunked\r\n",
                                            "Transfer-Encoding: gzip\r\n",
                                            "Host: evil\r\n",
                                            "Expect: 100-continue\r\n",
                                            " folded\r\n",
                                            "Connection: close\r\n" };
    int completed = 0;
    int errors = 0;
    for (int i = 0; i < iterations; ++i) {
        QByteArray input = corpus[rng.bounded(int(corpus.size()))];
        const int mutations = 1 + int(rng.bounded(4));
        for (int m = 0; m < mutations && !input.isEmpty(); ++m) {
            const int at = int(rng.bounded(int(input.size())));
            switch (rng.bounded(6)) {
            case 0:
                input[at] = char(rng.bounded(256));
                break;
            case 1:
                input.insert(at, interesting[rng.bounded(int(sizeof interesting))]);
                break;
            case 2:
                input.remove(at, 1 + int(rng.bounded(8)));
                break;
            case 3:
                input.insert(at, input.mid(at, 1 + int(rng.bounded(16))));
                break;
            case 4: {
                const qsizetype lineStart = input.indexOf("\r\n", at);
                if (lineStart >= 0)
                    input.insert(lineStart + 2, fields[rng.bounded(int(fields.size()))]);
                break;
            }
            default:
                input[at] = interesting[rng.bounded(int(sizeof interesting))];
                break;
            }
        }
        QList<qsizetype> cuts;
        for (qsizetype pos = 0; pos < input.size();) {
            pos += 1 + qsizetype(rng.bounded(16));
            cuts.append(pos);
        }
        QString broken;
        const Outcome whole = run(input, {}, smallLimits(), &broken);
        const Outcome split = run(input, cuts, smallLimits(), &broken);
        if (broken.isEmpty() && !(whole == split))
            broken = QStringLiteral("outcome depends on how the input is split");
        const Outcome direct = run(input, cuts, smallLimits(), &broken, true);
        if (broken.isEmpty() && !(whole == direct))
            broken = QStringLiteral("outcome differs when bodies are read straight into the request");
        if (!broken.isEmpty()) {
            QFAIL(
                qPrintable(QStringLiteral("seed %1 (DRAWBRIDGE_FUZZ_SEED), iteration %2: %3; input (hex): %4")
                               .arg(seed)
                               .arg(i)
                               .arg(broken, QString::fromLatin1(input.toHex()))));
        }
        completed += int(whole.messages.size());
        errors += whole.errorStatus ? 1 : 0;
    }
    qInfo("seed %u: %d inputs, %d complete messages, %d refused", seed, iterations, completed, errors);
    QVERIFY(completed > 0);
    QVERIFY(errors > 0);
}

QTEST_GUILESS_MAIN(TstHttpRequestParser)
#include "tst_httprequestparser.moc"
