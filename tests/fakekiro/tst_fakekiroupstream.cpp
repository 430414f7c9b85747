// SPDX-License-Identifier: MIT
#include <QCoreApplication>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTcpSocket>
#include <QTest>

#include <memory>

#include "server/kiro/kirorequestbuilder.h"
#include "server/kiro/kiroresponseparser.h"
#include "tests/fakekiro/fakekiroupstream.h"
#include "tests/kiro/recordingsink.h"
#include "tests/support/fakeclock.h"

using namespace Drawbridge;
using namespace Drawbridge::Test;
using namespace Qt::StringLiterals;

namespace {

struct Answer
{
    int status = 0;
    QByteArray body;
    QNetworkReply::NetworkError error = QNetworkReply::NoError;
    QByteArray errorType;
    int readyReads = 0;
};

QByteArray chatBody(const QString &text = u"Hello"_s, const QString &model = u"claude-sonnet-4.5"_s,
                    const QString &profileArn = FakeKiroUpstream::Account().profileArn)
{
    ChatRequest request;
    request.upstreamModel = model;
    request.messages.push_back({ Role::User, text, {}, {}, {}, false });
    return KiroRequestBuilder::withProfileArn(KiroRequestBuilder::build(request)->body, profileArn);
}

} // namespace

class TstFakeKiroUpstream : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();
    void streamsChunkedFrames();
    void randomSplitsAndDelays();
    void contentLengthMode();
    void dropMidStream();
    void rejectsMalformedBodies();
    void scriptedHttpErrors();
    void unknownModel();
    void accessTokensExpire();
    void socialRefresh();
    void idcRefresh();
    void usageLimits();
    void inFlightCounters();
    void perAccountScripts();
    void recordsRequests();
    void executable();
    void socialChatWithoutProfileArnIsRefused();
    void trickledDeliveryIsManyPieces();

private:
    Answer send(const QByteArray &method, const QString &path, const QByteArray &body = {},
                const QString &bearer = {}, const QByteArray &contentType = "application/json");

    std::unique_ptr<FakeKiroUpstream> m_fake;
    std::unique_ptr<QNetworkAccessManager> m_nam;
    QString m_token;
};

void TstFakeKiroUpstream::init()
{
    m_fake = std::make_unique<FakeKiroUpstream>();
    QVERIFY(m_fake->listen());
    m_nam = std::make_unique<QNetworkAccessManager>();
    FakeKiroUpstream::Account alice;
    alice.name = u"alice"_s;
    alice.refreshToken = u"rt-alice"_s;
    alice.email = u"alice@example.com"_s;
    m_token = m_fake->addAccount(alice);
}

void TstFakeKiroUpstream::cleanup()
{
    m_nam.reset();
    m_fake.reset();
}

Answer TstFakeKiroUpstream::send(const QByteArray &method, const QString &path, const QByteArray &body,
                                 const QString &bearer, const QByteArray &contentType)
{
    QUrl url = m_fake->baseUrl();
    const auto q = path.indexOf(u'?');
    url.setPath(q < 0 ? path : path.left(q));
    if (q >= 0)
        url.setQuery(path.mid(q + 1));
    QNetworkRequest request(url);
    request.setHeader(QNetworkRequest::ContentTypeHeader, contentType);
    if (!bearer.isEmpty())
        request.setRawHeader("authorization", "Bearer " + bearer.toUtf8());
    QNetworkReply *reply = method == "GET" ? m_nam->get(request) : m_nam->post(request, body);
    Answer answer;
    QObject::connect(reply, &QNetworkReply::readyRead, reply, [&] {
        ++answer.readyReads;
        answer.body += reply->readAll();
    });
    QSignalSpy finished(reply, &QNetworkReply::finished);
    if (!finished.wait(10'000))
        qWarning("request to %s timed out", qPrintable(path));
    answer.body += reply->readAll();
    answer.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    answer.error = reply->error();
    answer.errorType = reply->rawHeader("x-amzn-errortype");
    reply->deleteLater();
    return answer;
}

void TstFakeKiroUpstream::streamsChunkedFrames()
{
    m_fake->enqueue(FakeKiroResponse()
                        .text(u"Let me check."_s)
                        .toolUse(u"tooluse_abc123"_s, u"get_weather"_s, { u"{\"city\":"_s, u"\"Paris\"}"_s })
                        .closing(0.02, 1.3));
    const Answer answer = send("POST", u"/generateAssistantResponse"_s, chatBody(), m_token);
    QCOMPARE(answer.status, 200);
    QCOMPARE(answer.error, QNetworkReply::NoError);
    RecordingSink sink;
    KiroResponseParser parser(&sink);
    parser.feed(answer.body);
    parser.finish();
    QCOMPARE(sink.text, u"Let me check."_s);
    QCOMPARE(sink.toolNames, QStringList({ u"get_weather"_s }));
    QCOMPARE(sink.toolArguments, QStringList({ u"{\"city\":\"Paris\"}"_s }));
    QCOMPARE(sink.finishReason, std::optional(FinishReason::ToolCalls));
    QCOMPARE(sink.lastUsage.credits, 0.02);
    QCOMPARE(m_fake->totalCredits(), 0.02);
    QCOMPARE(m_fake->creditsFor(u"alice"_s), 0.02);
    QCOMPARE(m_fake->inFlight(), 0);
}

void TstFakeKiroUpstream::randomSplitsAndDelays()
{
    m_fake->enqueue(FakeKiroResponse()
                        .text(u"one "_s)
                        .delay(30)
                        .text(u"two "_s)
                        .delay(30)
                        .text(u"three"_s)
                        .closing()
                        .randomSplits(77, 9));
    const Answer answer = send("POST", u"/generateAssistantResponse"_s, chatBody(), m_token);
    QCOMPARE(answer.status, 200);
    QVERIFY(answer.readyReads >= 3); // the pauses reach the client as separate reads
    RecordingSink sink;
    KiroResponseParser parser(&sink);
    parser.feed(answer.body);
    parser.finish();
    QCOMPARE(sink.text, u"one two three"_s);
    QCOMPARE(sink.finishReason, std::optional(FinishReason::Stop));
}

void TstFakeKiroUpstream::contentLengthMode()
{
    m_fake->enqueue(FakeKiroResponse::ok(u"fixed length"_s).withContentLength().splitEvery(5));
    const Answer answer = send("POST", u"/generateAssistantResponse"_s, chatBody(), m_token);
    QCOMPARE(answer.status, 200);
    RecordingSink sink;
    KiroResponseParser parser(&sink);
    parser.feed(answer.body);
    parser.finish();
    QCOMPARE(sink.text, u"fixed length"_s);
    const auto rec = m_fake->requests(u"/generateAssistantResponse"_s);
    QCOMPARE(rec.size(), 1);
}

void TstFakeKiroUpstream::dropMidStream()
{
    // A raw socket, because QNetworkAccessManager may report a cut chunked body as a clean finish; the
    // wire itself shows whether the terminating chunk was sent.
    QSignalSpy ended(m_fake.get(), &FakeKiroUpstream::streamFinished);
    m_fake->enqueue(
        FakeKiroResponse().text(u"partial answer"_s).delay(20).dropConnection().text(u"never sent"_s));
    const QByteArray body = chatBody();
    // The fake serves from this thread, so only event-loop waits (no blocking socket calls) are possible.
    QTcpSocket socket;
    QByteArray wire;
    QObject::connect(&socket, &QTcpSocket::readyRead, &socket, [&] { wire += socket.readAll(); });
    socket.connectToHost(QHostAddress::LocalHost, m_fake->port());
    QTRY_COMPARE(socket.state(), QAbstractSocket::ConnectedState);
    socket.write(
        "POST /generateAssistantResponse HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        "Authorization: Bearer "
        + m_token.toUtf8() + "\r\nContent-Length: " + QByteArray::number(body.size()) + "\r\n\r\n" + body);
    QTRY_COMPARE_WITH_TIMEOUT(socket.state(), QAbstractSocket::UnconnectedState, 5000);
    wire += socket.readAll();
    QVERIFY(wire.startsWith("HTTP/1.1 200"));
    QVERIFY(wire.contains("transfer-encoding: chunked"));
    QVERIFY(wire.contains("partial answer"));
    QVERIFY(!wire.contains("never sent"));
    QVERIFY(!wire.endsWith("0\r\n\r\n"));
    QTRY_COMPARE(ended.size(), 1);
    QCOMPARE(m_fake->inFlight(u"alice"_s), 0);

    // Through the parser, the cut stream ends in an error, never a normal finish.
    const qsizetype bodyStart = wire.indexOf("\r\n\r\n") + 4;
    QByteArray frames;
    for (qsizetype pos = bodyStart; pos < wire.size();) {
        const qsizetype lineEnd = wire.indexOf("\r\n", pos);
        if (lineEnd < 0)
            break;
        bool ok = false;
        const qsizetype size = wire.mid(pos, lineEnd - pos).toLongLong(&ok, 16);
        if (!ok || size == 0)
            break;
        frames += wire.mid(lineEnd + 2, size);
        pos = lineEnd + 2 + size + 2;
    }
    RecordingSink sink;
    KiroResponseParser parser(&sink);
    parser.feed(frames);
    parser.fail({ ProviderErrorKind::UpstreamError, u"connection closed"_s, 0 });
    QCOMPARE(sink.text, u"partial answer"_s);
    QVERIFY(sink.error);
    QVERIFY(!sink.finishReason);
}

void TstFakeKiroUpstream::rejectsMalformedBodies()
{
    const QByteArray bad
        = R"({"conversationState":{"chatTriggerType":"MANUAL","currentMessage":{"userInputMessage":{"content":""}}}})";
    const Answer answer = send("POST", u"/generateAssistantResponse"_s, bad, m_token);
    QCOMPARE(answer.status, 400);
    QCOMPARE(answer.body, QByteArray(R"({"message":"Improperly formed request.","reason":null})"));
    QVERIFY(answer.errorType.startsWith("ValidationException"));
    QVERIFY(m_fake->requests().last().rejection.startsWith(u"empty-content"_s));

    m_fake->setValidateRequests(false);
    QCOMPARE(send("POST", u"/generateAssistantResponse"_s,
                  KiroRequestBuilder::withProfileArn(bad, FakeKiroUpstream::Account().profileArn), m_token)
                 .status,
             200);
}

void TstFakeKiroUpstream::scriptedHttpErrors()
{
    m_fake->enqueue(FakeKiroResponse::monthlyLimit());
    m_fake->enqueue(FakeKiroResponse::suspiciousActivity());
    Answer a = send("POST", u"/generateAssistantResponse"_s, chatBody(), m_token);
    QCOMPARE(a.status, 402);
    QVERIFY(a.body.contains("MONTHLY_REQUEST_COUNT"));
    QVERIFY(a.errorType.startsWith("ServiceQuotaExceededException:"));
    a = send("POST", u"/generateAssistantResponse"_s, chatBody(), m_token);
    QCOMPARE(a.status, 429);
    QVERIFY(a.body.contains("suspicious activity"));
    // Queue empty: the default answer.
    a = send("POST", u"/generateAssistantResponse"_s, chatBody(), m_token);
    QCOMPARE(a.status, 200);
    QCOMPARE(m_fake->pendingResponses(), 0);
}

void TstFakeKiroUpstream::unknownModel()
{
    m_fake->setKnownModels({ u"claude-sonnet-4.5"_s });
    QCOMPARE(send("POST", u"/generateAssistantResponse"_s, chatBody(u"x"_s), m_token).status, 200);
    const Answer a
        = send("POST", u"/generateAssistantResponse"_s, chatBody(u"x"_s, u"claude-nonexistent"_s), m_token);
    QCOMPARE(a.status, 400);
    QVERIFY(a.body.contains("INVALID_MODEL_ID"));
}

void TstFakeKiroUpstream::accessTokensExpire()
{
    FakeClock clock;
    m_fake->setClock(&clock);
    m_fake->setAccessTokenLifetimeS(60);
    const QString token = m_fake->issueAccessToken(u"alice"_s);
    QCOMPARE(send("POST", u"/generateAssistantResponse"_s, chatBody(), token).status, 200);
    clock.advanceMs(61'000);
    Answer a = send("POST", u"/generateAssistantResponse"_s, chatBody(), token);
    QCOMPARE(a.status, 403);
    QVERIFY(a.body.contains("bearer token included in the request is invalid"));
    QCOMPARE(send("POST", u"/generateAssistantResponse"_s, chatBody(), u"made-up"_s).status, 403);
    QCOMPARE(send("POST", u"/generateAssistantResponse"_s, chatBody()).status, 403);

    const QString fresh = m_fake->issueAccessToken(u"alice"_s);
    QCOMPARE(send("POST", u"/generateAssistantResponse"_s, chatBody(), fresh).status, 200);
    m_fake->expireAccessTokens(u"alice"_s);
    QCOMPARE(send("POST", u"/generateAssistantResponse"_s, chatBody(), fresh).status, 403);

    m_fake->setRequireAuth(false);
    QCOMPARE(send("POST", u"/generateAssistantResponse"_s, chatBody(), u"anything"_s).status, 200);
    m_fake.reset(); // the fake must not outlive the clock it reads
}

void TstFakeKiroUpstream::socialRefresh()
{
    m_fake->setRotateRefreshTokens(true);
    Answer a = send("POST", u"/refreshToken"_s, R"({"refreshToken":"rt-alice"})");
    QCOMPARE(a.status, 200);
    QJsonObject o = QJsonDocument::fromJson(a.body).object();
    const QString access = o.value(u"accessToken"_s).toString();
    const QString rotated = o.value(u"refreshToken"_s).toString();
    QVERIFY(!access.isEmpty());
    QVERIFY(rotated != u"rt-alice"_s && !rotated.isEmpty());
    QCOMPARE(o.value(u"expiresIn"_s).toInt(), 3600);
    QVERIFY(o.value(u"profileArn"_s).toString().startsWith(u"arn:aws:codewhisperer:"_s));
    QCOMPARE(m_fake->refreshTokenOf(u"alice"_s), rotated);
    QCOMPARE(send("POST", u"/generateAssistantResponse"_s, chatBody(), access).status, 200);

    // The old refresh token died with the rotation.
    a = send("POST", u"/refreshToken"_s, R"({"refreshToken":"rt-alice"})");
    QCOMPARE(a.status, 400);
    QVERIFY(a.body.contains("invalid_grant"));
    QVERIFY(a.body.contains("Invalid refresh token provided"));

    m_fake->revokeRefreshToken(u"alice"_s);
    QCOMPARE(send("POST", u"/refreshToken"_s,
                  QJsonDocument(QJsonObject { { u"refreshToken"_s, rotated } }).toJson())
                 .status,
             400);

    m_fake->enqueueRefreshFailure(500, "{}");
    QCOMPARE(send("POST", u"/refreshToken"_s, R"({"refreshToken":"whatever"})").status, 500);
    QCOMPARE(m_fake->refreshCount(u"alice"_s), 1);
}

void TstFakeKiroUpstream::idcRefresh()
{
    FakeKiroUpstream::Account bob;
    bob.name = u"bob"_s;
    bob.refreshToken = u"rt-bob"_s;
    bob.clientId = u"client-1"_s;
    bob.clientSecret = u"secret-1"_s;
    m_fake->addAccount(bob);

    Answer a = send(
        "POST", u"/token"_s,
        R"({"clientId":"client-1","clientSecret":"secret-1","refreshToken":"rt-bob","grantType":"refresh_token"})");
    QCOMPARE(a.status, 200);
    const QString access = QJsonDocument::fromJson(a.body).object().value(u"accessToken"_s).toString();
    QCOMPARE(send("POST", u"/generateAssistantResponse"_s, chatBody(), access).status, 200);
    QCOMPARE(m_fake->requests(u"/generateAssistantResponse"_s).last().account, u"bob"_s);

    a = send("POST", u"/token"_s,
             "grant_type=refresh_token&client_id=client-1&client_secret=secret-1&refresh_token=rt-bob", {},
             "application/x-www-form-urlencoded");
    QCOMPARE(a.status, 200);

    a = send(
        "POST", u"/token"_s,
        R"({"clientId":"client-1","clientSecret":"wrong","refreshToken":"rt-bob","grantType":"refresh_token"})");
    QCOMPARE(a.status, 400);
    QVERIFY(a.body.contains("invalid_client"));

    // An IdC token is not valid at the social endpoint, nor a social one here.
    QCOMPARE(send("POST", u"/refreshToken"_s, R"({"refreshToken":"rt-bob"})").status, 400);
    QCOMPARE(
        send(
            "POST", u"/token"_s,
            R"({"clientId":"client-1","clientSecret":"secret-1","refreshToken":"rt-alice","grantType":"refresh_token"})")
            .status,
        400);
    QCOMPARE(m_fake->refreshCount(u"bob"_s), 2);
}

void TstFakeKiroUpstream::usageLimits()
{
    m_fake->enqueue(FakeKiroResponse::ok(u"x"_s, 1.25));
    QCOMPARE(send("POST", u"/generateAssistantResponse"_s, chatBody(), m_token).status, 200);
    const Answer a
        = send("GET", u"/getUsageLimits?origin=AI_EDITOR&resourceType=AGENTIC_REQUEST&isEmailRequired=true"_s,
               {}, m_token);
    QCOMPARE(a.status, 200);
    const QJsonObject o = QJsonDocument::fromJson(a.body).object();
    const QJsonObject breakdown = o.value(u"usageBreakdownList"_s).toArray().at(0).toObject();
    QCOMPARE(breakdown.value(u"currentUsageWithPrecision"_s).toDouble(), 1.25);
    QCOMPARE(breakdown.value(u"usageLimitWithPrecision"_s).toDouble(), 50.0);
    QVERIFY(o.value(u"nextDateReset"_s).toDouble() > 1.7e9);
    QCOMPARE(o.value(u"userInfo"_s).toObject().value(u"email"_s).toString(), u"alice@example.com"_s);
    QVERIFY(m_fake->requests(u"/getUsageLimits"_s).last().query.contains(u"resourceType=AGENTIC_REQUEST"_s));
    QCOMPARE(send("GET", u"/getUsageLimits"_s, {}, u"bogus"_s).status, 403);
}

void TstFakeKiroUpstream::inFlightCounters()
{
    m_fake->setDefaultResponse(FakeKiroResponse().text(u"slow"_s).delay(150).closing(0.5));
    QList<QNetworkReply *> replies;
    for (int i = 0; i < 3; ++i) {
        QNetworkRequest request(m_fake->baseUrl().resolved(QUrl(u"/generateAssistantResponse"_s)));
        request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArray("application/json"));
        request.setRawHeader("authorization", "Bearer " + m_token.toUtf8());
        replies << m_nam->post(request, chatBody());
    }
    QTRY_COMPARE_WITH_TIMEOUT(m_fake->inFlight(u"alice"_s), 3, 5000);
    QCOMPARE(m_fake->inFlight(), 3);
    for (QNetworkReply *reply : replies) {
        if (!reply->isFinished())
            QVERIFY(QSignalSpy(reply, &QNetworkReply::finished).wait(5000));
        reply->deleteLater();
    }
    QTRY_COMPARE(m_fake->inFlight(), 0);
    QCOMPARE(m_fake->maxInFlight(u"alice"_s), 3);
    QCOMPARE(m_fake->maxInFlight(), 3);
    QCOMPARE(m_fake->totalCredits(), 1.5);
    QCOMPARE(m_fake->requestCount(u"/generateAssistantResponse"_s), 3);
}

void TstFakeKiroUpstream::perAccountScripts()
{
    FakeKiroUpstream::Account bob;
    bob.name = u"bob"_s;
    bob.refreshToken = u"rt-bob"_s;
    const QString bobToken = m_fake->addAccount(bob);
    m_fake->enqueueFor(u"alice"_s, FakeKiroResponse::throttled());
    m_fake->enqueue(FakeKiroResponse::ok(u"shared"_s));
    QCOMPARE(send("POST", u"/generateAssistantResponse"_s, chatBody(), bobToken).status, 200); // shared queue
    QCOMPARE(send("POST", u"/generateAssistantResponse"_s, chatBody(), m_token).status, 429); // alice's own
    QCOMPARE(send("POST", u"/generateAssistantResponse"_s, chatBody(), m_token).status, 200); // default
}

void TstFakeKiroUpstream::recordsRequests()
{
    QNetworkRequest request(m_fake->baseUrl().resolved(QUrl(u"/generateAssistantResponse"_s)));
    request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArray("application/json"));
    request.setRawHeader("authorization", "Bearer " + m_token.toUtf8());
    request.setRawHeader("X-Amz-User-Agent", "aws-sdk-js/1.0.34 KiroIDE-0.11.107-abc");
    const QByteArray body = chatBody(u"recorded"_s);
    QNetworkReply *reply = m_nam->post(request, body);
    QVERIFY(QSignalSpy(reply, &QNetworkReply::finished).wait(5000));
    reply->deleteLater();
    const auto rec = m_fake->requests(u"/generateAssistantResponse"_s).last();
    QCOMPARE(rec.method, QByteArray("POST"));
    QCOMPARE(rec.body, body);
    QCOMPARE(rec.bearer, m_token);
    QCOMPARE(rec.account, u"alice"_s);
    QCOMPARE(rec.status, 200);
    QCOMPARE(rec.header("x-amz-user-agent"), QByteArray("aws-sdk-js/1.0.34 KiroIDE-0.11.107-abc"));
    m_fake->clearRecords();
    QCOMPARE(m_fake->requestCount(), 0);
}

void TstFakeKiroUpstream::executable()
{
    const QString program = QCoreApplication::applicationDirPath() + u"/fake-kiro-upstream"_s;
    if (!QFile::exists(program))
        QSKIP("fake-kiro-upstream was not built next to this test");
    QProcess process;
    process.start(program, { u"--port"_s, u"0"_s, u"--text"_s, u"pong from the binary"_s });
    QVERIFY(process.waitForStarted(5000));
    QVERIFY(process.waitForReadyRead(5000));
    const QString line = QString::fromUtf8(process.readLine()).trimmed();
    const auto match
        = QRegularExpression(u"^fake-kiro listening on http://127\\.0\\.0\\.1:(\\d+)$"_s).match(line);
    QVERIFY2(match.hasMatch(), qPrintable(line));
    QNetworkRequest request(QUrl(u"http://127.0.0.1:%1/generateAssistantResponse"_s.arg(match.captured(1))));
    request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArray("application/json"));
    QNetworkReply *reply = m_nam->post(request, chatBody());
    QVERIFY(QSignalSpy(reply, &QNetworkReply::finished).wait(5000));
    RecordingSink sink;
    KiroResponseParser parser(&sink);
    parser.feed(reply->readAll());
    parser.finish();
    reply->deleteLater();
    QCOMPARE(sink.text, u"pong from the binary"_s);
    process.terminate();
    QVERIFY(process.waitForFinished(5000));
}

void TstFakeKiroUpstream::socialChatWithoutProfileArnIsRefused()
{
    // The service refuses a social account's call without its profile (protocol §1.7); so does the fake.
    const Answer missing = send("POST", u"/generateAssistantResponse"_s,
                                chatBody(u"Hi"_s, u"claude-sonnet-4.5"_s, {}), m_token);
    QCOMPARE(missing.status, 403);
    QCOMPARE(m_fake->requests().last().rejection, u"social request without profileArn"_s);
    const Answer wrong = send(
        "POST", u"/generateAssistantResponse"_s,
        chatBody(u"Hi"_s, u"claude-sonnet-4.5"_s, u"arn:aws:codewhisperer:x:1:profile/OTHER"_s), m_token);
    QCOMPARE(wrong.status, 403);
    QCOMPARE(send("POST", u"/generateAssistantResponse"_s, chatBody(), m_token).status, 200);
}

void TstFakeKiroUpstream::trickledDeliveryIsManyPieces()
{
    // The default delivery cuts the wire bytes into many separate writes; coalesced writes one per frame.
    const auto answerPieces = [&](bool trickle) {
        FakeKiroUpstream::Delivery d;
        d.trickle = trickle;
        d.seed = 7;
        m_fake->setDelivery(d);
        m_fake->setDefaultResponse(FakeKiroResponse::ok(u"Some words to deliver in pieces."_s));
        const qint64 before = m_fake->piecesWritten();
        const Answer a = send("POST", u"/generateAssistantResponse"_s, chatBody(), m_token);
        RecordingSink sink;
        KiroResponseParser parser(&sink);
        parser.feed(a.body);
        parser.finish();
        return std::pair(m_fake->piecesWritten() - before, sink.text);
    };
    const auto [trickled, trickledText] = answerPieces(true);
    const auto [coalesced, coalescedText] = answerPieces(false);
    QCOMPARE(trickledText, u"Some words to deliver in pieces."_s);
    QCOMPARE(coalescedText, trickledText);
    QVERIFY2(trickled > 10 * coalesced, qPrintable(u"%1 vs %2 pieces"_s.arg(trickled).arg(coalesced)));
}

QTEST_GUILESS_MAIN(TstFakeKiroUpstream)
#include "tst_fakekiroupstream.moc"
