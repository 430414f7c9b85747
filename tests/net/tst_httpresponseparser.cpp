// SPDX-License-Identifier: MIT
#include <QTest>

#include "server/net/httpresponseparser.h"

using namespace Drawbridge;

namespace {

struct Outcome
{
    int status = 0;
    QByteArray body;
    QByteArray probeHeader;
    bool complete = false;
    bool error = false;
    bool keepAlive = false;
    int headerEvents = 0;
    qsizetype leftover = 0;
    bool slicesInBounds = true;
};

// Plays a connection: keeps what the parser leaves unconsumed and feeds it again with the next piece.
Outcome run(const QList<QByteArray> &pieces, bool head, bool eof, qsizetype maxHeaderBytes)
{
    HttpResponseParser parser(maxHeaderBytes);
    parser.reset(head);
    Outcome o;
    QByteArray pending;
    for (qsizetype i = 0; i < pieces.size(); ++i) {
        pending += pieces.at(i);
        for (;;) {
            qsizetype consumed = -1;
            const auto event = parser.parse(pending.constData(), pending.size(), &consumed);
            if (consumed < 0 || consumed > pending.size())
                o.slicesInBounds = false;
            switch (event) {
            case HttpResponseParser::Event::NeedMore:
                break;
            case HttpResponseParser::Event::Headers:
                ++o.headerEvents;
                o.status = parser.statusCode();
                o.keepAlive = parser.keepAlive();
                o.probeHeader = parser.headers().value("x-probe").toByteArray();
                break;
            case HttpResponseParser::Event::Data:
                if (parser.data() < pending.constData()
                    || parser.data() + parser.dataSize() > pending.constData() + consumed
                    || parser.dataSize() <= 0)
                    o.slicesInBounds = false;
                o.body.append(parser.data(), parser.dataSize());
                break;
            case HttpResponseParser::Event::Complete:
                o.complete = true;
                o.keepAlive = parser.keepAlive();
                break;
            case HttpResponseParser::Event::Error:
                o.error = true;
                break;
            }
            pending.remove(0, consumed);
            if (o.complete || o.error) {
                o.leftover = pending.size();
                for (qsizetype j = i + 1; j < pieces.size(); ++j)
                    o.leftover += pieces.at(j).size();
                return o;
            }
            if (event == HttpResponseParser::Event::NeedMore)
                break;
        }
    }
    if (eof) {
        if (parser.finish() == HttpResponseParser::Event::Complete)
            o.complete = true;
        else
            o.error = true;
    }
    o.leftover = pending.size();
    return o;
}

QByteArray manyHeaders(int count)
{
    QByteArray r = "HTTP/1.1 200 OK\r\n";
    for (int i = 0; i < count; ++i)
        r += "X-Filler-" + QByteArray::number(i) + ": " + QByteArray(40, 'v') + "\r\n";
    return r + "Content-Length: 2\r\n\r\nok";
}

} // namespace

class TstHttpResponseParser : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void parse_data();
    void parse();
    void leftoverAfterComplete();
    void statusAndVersion();
};

void TstHttpResponseParser::parse_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<bool>("head");
    QTest::addColumn<bool>("eof");
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<bool>("complete");
    QTest::addColumn<bool>("error");
    QTest::addColumn<bool>("keepAlive");

    const QByteArray none;
    QTest::newRow("content-length") << QByteArray(
        "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-Probe:  v1 \r\n\r\nhello")
                                    << false << false << 200 << QByteArray("hello") << true << false << true;
    QTest::newRow("content-length-zero") << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
                                         << false << false << 200 << none << true << false << true;
    QTest::newRow("content-length-repeated-equal")
        << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\ncontent-length: 2\r\n\r\nok") << false
        << false << 200 << QByteArray("ok") << true << false << true;
    QTest::newRow("no-reason-phrase") << QByteArray("HTTP/1.1 404\r\nContent-Length: 1\r\n\r\nx") << false
                                      << false << 404 << QByteArray("x") << true << false << true;
    QTest::newRow("chunked-extensions-trailers")
        << QByteArray(
               "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;name=\"v;x\"\r\nhello\r\nA ; ext\r\n"
               ", world!!!\r\n0\r\nX-Trailer: 1\r\nX-Other: 2\r\n\r\n")
        << false << false << 200 << QByteArray("hello, world!!!") << true << false << true;
    QTest::newRow("chunked-uppercase-hex-bare-lf")
        << QByteArray(
               "HTTP/1.1 200 OK\nTransfer-Encoding: gzip, Chunked\n\n1A\nabcdefghijklmnopqrstuvwxyz\n0\n\n")
        << false << false << 200 << QByteArray("abcdefghijklmnopqrstuvwxyz") << true << false << true;
    QTest::newRow("chunked-with-content-length-closes") << QByteArray(
        "HTTP/1.1 200 OK\r\nContent-Length: 99\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n")
                                                        << false << false << 200 << QByteArray("ok") << true
                                                        << false << false;
    QTest::newRow("http10-until-close") << QByteArray("HTTP/1.0 200 OK\r\n\r\nabc") << false << true << 200
                                        << QByteArray("abc") << true << false << false;
    QTest::newRow("http11-until-close") << QByteArray("HTTP/1.1 200 OK\r\nX-Probe: p\r\n\r\nstream") << false
                                        << true << 200 << QByteArray("stream") << true << false << false;
    QTest::newRow("until-close-not-yet-closed") << QByteArray("HTTP/1.1 200 OK\r\n\r\nabc") << false << false
                                                << 200 << QByteArray("abc") << false << false << false;
    QTest::newRow("unknown-coding-until-close")
        << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nzz") << false << true << 200
        << QByteArray("zz") << true << false << false;
    QTest::newRow("http10-keep-alive")
        << QByteArray("HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 2\r\n\r\nok") << false
        << false << 200 << QByteArray("ok") << true << false << true;
    QTest::newRow("connection-close")
        << QByteArray("HTTP/1.1 200 OK\r\nConnection: upgrade, Close\r\nContent-Length: 2\r\n\r\nok") << false
        << false << 200 << QByteArray("ok") << true << false << false;
    QTest::newRow("interim-responses-skipped")
        << QByteArray("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
                      "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx")
        << false << false << 200 << QByteArray("x") << true << false << true;
    QTest::newRow("204-ignores-length") << QByteArray("HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n")
                                        << false << false << 204 << none << true << false << true;
    QTest::newRow("304-no-body") << QByteArray(
        "HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n")
                                 << false << false << 304 << none << true << false << true;
    QTest::newRow("head-no-body") << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n") << true
                                  << false << 200 << none << true << false << true;
    QTest::newRow("truncated-content-length")
        << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc") << false << true << 200
        << QByteArray("abc") << false << true << true;
    QTest::newRow("truncated-chunked")
        << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab") << false << true << 200
        << QByteArray("ab") << false << true << true;
    QTest::newRow("truncated-headers")
        << QByteArray("HTTP/1.1 200 OK\r\nContent-") << false << true << 0 << none << false << true << false;
    QTest::newRow("many-headers-within-limit")
        << manyHeaders(100) << false << false << 200 << QByteArray("ok") << true << false << true;

    // Malformed: all must end in Error, whatever the split.
    const auto bad = [&](const char *name, const QByteArray &input, int status = 0) {
        QTest::newRow(name) << input << false << false << status << none << false << true << false;
    };
    bad("not-http", "HTP/1.1 200 OK\r\n\r\n");
    bad("http2-status-line", "HTTP/2 200 OK\r\n\r\n");
    bad("two-digit-status", "HTTP/1.1 20 OK\r\n\r\n");
    bad("status-without-space", "HTTP/1.1 200OK\r\n\r\n");
    bad("leading-empty-line", "\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    bad("header-without-colon", "HTTP/1.1 200 OK\r\nBroken\r\n\r\n");
    bad("space-before-colon", "HTTP/1.1 200 OK\r\nContent-Length : 1\r\n\r\nx");
    bad("obs-fold", "HTTP/1.1 200 OK\r\nX-A: 1\r\n continued\r\nContent-Length: 0\r\n\r\n");
    bad("bare-cr-in-value", "HTTP/1.1 200 OK\r\nX-A: a\rb\r\nContent-Length: 0\r\n\r\n");
    bad("switching-protocols", "HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n");
    bad("content-length-not-a-number", "HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\n");
    bad("content-length-negative", "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n");
    bad("content-length-conflict", "HTTP/1.1 200 OK\r\nContent-Length: 5, 6\r\n\r\nhello");
    bad("content-length-conflict-fields",
        "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello");
    bad("chunked-not-final", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n");
    QTest::newRow("bad-chunk-size") << QByteArray(
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")
                                    << false << false << 200 << none << false << true << true;
    QTest::newRow("chunk-size-overflow")
        << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000000\r\n") << false
        << false << 200 << none << false << true << true;
    QTest::newRow("chunk-missing-crlf")
        << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nokXX0\r\n\r\n") << false
        << false << 200 << QByteArray("ok") << false << true << true;
    QTest::newRow("chunk-size-line-too-long")
        << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;" + QByteArray(5000, 'e'))
        << false << false << 200 << none << false << true << true;
    QTest::newRow("headers-too-large")
        << manyHeaders(2000) << false << false << 0 << none << false << true << false;
    QTest::newRow("headers-too-large-unterminated")
        << QByteArray("HTTP/1.1 200 OK\r\nX-Big: " + QByteArray(70 * 1024, 'b')) << false << false << 0
        << none << false << true << false;
}

void TstHttpResponseParser::parse()
{
    QFETCH(QByteArray, input);
    QFETCH(bool, head);
    QFETCH(bool, eof);
    QFETCH(int, status);
    QFETCH(QByteArray, body);
    QFETCH(bool, complete);
    QFETCH(bool, error);
    QFETCH(bool, keepAlive);

    const auto check = [&](const QList<QByteArray> &pieces, const QByteArray &how) {
        const Outcome o = run(pieces, head, eof, 64 * 1024);
        const QByteArray where = "split: " + how;
        QVERIFY2(o.slicesInBounds, where.constData());
        QVERIFY2(o.status == status, where.constData());
        QVERIFY2(o.body == body, where.constData());
        QVERIFY2(o.complete == complete, where.constData());
        QVERIFY2(o.error == error, where.constData());
        QVERIFY2(o.headerEvents == (status ? 1 : 0), where.constData());
        if (complete) {
            QVERIFY2(o.keepAlive == keepAlive, where.constData());
            QVERIFY2(o.leftover == 0, where.constData());
        }
        if (status && !error && input.contains("X-Probe"))
            QVERIFY2(!o.probeHeader.isEmpty() && !o.probeHeader.startsWith(' ')
                         && !o.probeHeader.endsWith(' '),
                     where.constData());
    };

    check({ input }, "whole");
    if (input.size() <= 2048) {
        for (qsizetype at = 1; at < input.size(); ++at)
            check({ input.first(at), input.sliced(at) }, QByteArray::number(at));
    }
    QList<QByteArray> bytes;
    for (const char c : input)
        bytes.append(QByteArray(1, c));
    check(bytes, "every byte");
}

void TstHttpResponseParser::leftoverAfterComplete()
{
    const Outcome o
        = run({ "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nxHTTP/1.1 200" }, false, false, 1024);
    QVERIFY(o.complete);
    QCOMPARE(o.body, QByteArray("x"));
    QCOMPARE(o.leftover, 12);

    const Outcome chunked
        = run({ "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\ny\r\n0\r\n\r\n\r\n" }, false,
              false, 1024);
    QVERIFY(chunked.complete);
    QCOMPARE(chunked.leftover, 2);
}

void TstHttpResponseParser::statusAndVersion()
{
    HttpResponseParser parser(1024);
    parser.reset(false);
    const QByteArray input
        = "HTTP/1.0 503 Service Unavailable\r\nRetry-After: 7\r\nCONTENT-length: 0\r\n\r\n";
    qsizetype consumed = 0;
    QCOMPARE(parser.parse(input.constData(), input.size(), &consumed), HttpResponseParser::Event::Headers);
    QCOMPARE(consumed, input.size());
    QCOMPARE(parser.statusCode(), 503);
    QCOMPARE(parser.minorVersion(), 0);
    QCOMPARE(parser.headers().size(), 2);
    QCOMPARE(parser.headers().value("retry-after"), QByteArrayView("7"));
    QVERIFY(parser.headers().value("x-missing").isNull());
    QVERIFY(!parser.keepAlive());
    QCOMPARE(parser.parse(input.constData() + consumed, 0, &consumed), HttpResponseParser::Event::Complete);

    // The parser is reusable for the next response on the same connection.
    parser.reset(true);
    const QByteArray second = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n";
    QCOMPARE(parser.parse(second.constData(), second.size(), &consumed), HttpResponseParser::Event::Headers);
    QCOMPARE(parser.parse(second.constData() + consumed, 0, &consumed), HttpResponseParser::Event::Complete);
    QVERIFY(parser.keepAlive());

    // The header bound is configurable and counts the whole block.
    HttpResponseParser small(64);
    small.reset(false);
    const QByteArray big = "HTTP/1.1 200 OK\r\nX-A: " + QByteArray(60, 'a') + "\r\n\r\n";
    QCOMPARE(small.parse(big.constData(), big.size(), &consumed), HttpResponseParser::Event::Error);
    QVERIFY(small.errorString().contains(QStringLiteral("exceed")));
}

QTEST_GUILESS_MAIN(TstHttpResponseParser)
#include "tst_httpresponseparser.moc"
