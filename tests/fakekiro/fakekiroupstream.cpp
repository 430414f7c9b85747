// SPDX-License-Identifier: MIT
#include "fakekiroupstream.h"

#include <QDateTime>
#include <QHttpServer>
#include <QHttpServerRequest>
#include <QHttpServerResponder>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPointer>
#include <QRandomGenerator>
#include <QTcpSocket>
#include <QTimer>
#include <QUrlQuery>
#include <QUuid>

#include <functional>
#include <utility>

#include "tests/fakekiro/kirorequestvalidator.h"

#ifdef Q_OS_UNIX
#include <cerrno>
#include <sys/socket.h>
#endif

namespace Drawbridge::Test {

using namespace Qt::StringLiterals;

namespace {

const QByteArray improperlyFormedBody
    = QByteArrayLiteral("{\"message\":\"Improperly formed request.\",\"reason\":null}");
const QByteArray bearerInvalidBody = QByteArrayLiteral(
    "{\"message\":\"The bearer token included in the request is invalid.\",\"reason\":null}");
const QByteArray invalidGrantBody = QByteArrayLiteral(
    "{\"error\":\"invalid_grant\",\"error_description\":\"Invalid refresh token provided\"}");

QByteArray toJson(const QJsonObject &object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

qint64 firstOfNextMonthS(qint64 nowMs)
{
    const QDate today = QDateTime::fromMSecsSinceEpoch(nowMs, Qt::UTC).date();
    const QDate first = QDate(today.year(), today.month(), 1).addMonths(1);
    return QDateTime(first, QTime(0, 0), Qt::UTC).toSecsSinceEpoch();
}

} // namespace

struct FakeKiroUpstream::Stream
{
    explicit Stream(QHttpServerResponder &&r) : responder(std::move(r)), socket(responder.socket()) { }
    QHttpServerResponder responder; // kept alive for the whole stream; Qt 6.4 streams through it raw
    QPointer<QTcpSocket> socket; // the server deletes the socket when the client goes away
    FakeKiroResponse response;
    size_t step = 0;
    QString key;
    QRandomGenerator rng;
    bool ended = false;
    bool trickle = false;
    int maxPiece = 0; ///< 0 = each pending block in one write
    QByteArray pending; ///< wire bytes not yet written
    qsizetype pendingPos = 0;
    std::function<void()> afterDelivery; ///< what happens once pending is written (a pause, a drop, the end)
};

QByteArray FakeKiroUpstream::RecordedRequest::header(QByteArrayView name) const
{
    for (const auto &[key, value] : headers) {
        if (key.compare(name, Qt::CaseInsensitive) == 0)
            return value;
    }
    return {};
}

FakeKiroUpstream::FakeKiroUpstream(QObject *parent)
    : QObject(parent)
    , m_server(std::make_unique<QHttpServer>())
    , m_default(FakeKiroResponse::ok(u"Hello from the fake Kiro upstream."_s))
{
    using Method = QHttpServerRequest::Method;
    m_server->route(u"/generateAssistantResponse"_s, Method::Post,
                    [this](const QHttpServerRequest &request, QHttpServerResponder &&responder) {
                        handleChat(request, std::move(responder));
                    });
    // The new host (runtime.{R}.kiro.dev) under a path prefix: it serves social logins like the old one and
    // refuses IdC tokens with the 403 an invalid token gets (docs/kiro.md#endpoints).
    m_server->route(u"/runtime/generateAssistantResponse"_s, Method::Post,
                    [this](const QHttpServerRequest &request, QHttpServerResponder &&responder) {
                        handleChat(request, std::move(responder), u"/runtime/generateAssistantResponse"_s,
                                   true);
                    });
    m_server->route(u"/ListAvailableModels"_s, Method::Get,
                    [this](const QHttpServerRequest &request, QHttpServerResponder &&responder) {
                        handleListModels(request, std::move(responder));
                    });
    m_server->route(u"/getUsageLimits"_s, Method::Get,
                    [this](const QHttpServerRequest &request, QHttpServerResponder &&responder) {
                        handleUsageLimits(request, std::move(responder));
                    });
    m_server->route(u"/refreshToken"_s, Method::Post,
                    [this](const QHttpServerRequest &request, QHttpServerResponder &&responder) {
                        handleSocialRefresh(request, std::move(responder));
                    });
    m_server->route(u"/token"_s, Method::Post,
                    [this](const QHttpServerRequest &request, QHttpServerResponder &&responder) {
                        handleIdcRefresh(request, std::move(responder));
                    });
    m_server->route(u"/__stats"_s, Method::Get,
                    [this](const QHttpServerRequest &, QHttpServerResponder &&responder) {
                        responder.write(toJson(stats()), { { "content-type", "application/json" } },
                                        QHttpServerResponder::StatusCode::Ok);
                    });
}

FakeKiroUpstream::~FakeKiroUpstream()
{
    // The server (destroyed last) closes its sockets: their disconnected() must not reach the counters, which
    // are destroyed first.
    for (const auto &streams : std::as_const(m_liveStreams)) {
        for (const auto &weak : streams) {
            if (const auto s = weak.lock(); s && s->socket)
                s->socket->disconnect(this);
        }
    }
}

bool FakeKiroUpstream::listen(quint16 port, const QHostAddress &address)
{
    m_port = m_server->listen(address, port);
    return m_port != 0;
}

QUrl FakeKiroUpstream::baseUrl() const
{
    QUrl url;
    url.setScheme(u"http"_s);
    url.setHost(u"127.0.0.1"_s);
    url.setPort(m_port);
    return url;
}

qint64 FakeKiroUpstream::nowMs() const
{
    return m_clock->nowMs();
}

void FakeKiroUpstream::enqueue(FakeKiroResponse response)
{
    m_queue.push_back(std::move(response));
}

void FakeKiroUpstream::enqueueFor(const QString &account, FakeKiroResponse response)
{
    m_accountQueues[account].push_back(std::move(response));
}

void FakeKiroUpstream::setDefaultResponse(FakeKiroResponse response)
{
    m_default = std::move(response);
}

int FakeKiroUpstream::pendingResponses() const
{
    int n = int(m_queue.size());
    for (const auto &queue : m_accountQueues)
        n += int(queue.size());
    return n;
}

QString FakeKiroUpstream::addAccount(const Account &account)
{
    m_accounts.insert(account.name, account);
    m_revoked.remove(account.name);
    return issueAccessToken(account.name);
}

QString FakeKiroUpstream::issueAccessToken(const QString &account)
{
    const QString token = u"aoa-%1-%2"_s.arg(account).arg(++m_tokenCounter);
    m_tokens.insert(token, Token { account, nowMs() + qint64(m_tokenLifetimeS) * 1000 });
    return token;
}

void FakeKiroUpstream::expireAccessTokens(const QString &account)
{
    for (auto it = m_tokens.begin(); it != m_tokens.end(); ++it) {
        if (account.isEmpty() || it->account == account)
            it->expiresAtMs = 0;
    }
}

void FakeKiroUpstream::revokeRefreshToken(const QString &account)
{
    m_revoked.insert(account);
}

void FakeKiroUpstream::setProfileArn(const QString &account, const QString &profileArn)
{
    if (auto it = m_accounts.find(account); it != m_accounts.end())
        it->profileArn = profileArn;
}

QString FakeKiroUpstream::refreshTokenOf(const QString &account) const
{
    return m_accounts.value(account).refreshToken;
}

void FakeKiroUpstream::enqueueRefreshFailure(int status, const QByteArray &body)
{
    m_refreshFailures.emplace_back(status, body);
}

QList<FakeKiroUpstream::RecordedRequest> FakeKiroUpstream::requests(const QString &path) const
{
    QList<RecordedRequest> out;
    for (const auto &r : m_records) {
        if (r.path == path)
            out.append(r);
    }
    return out;
}

int FakeKiroUpstream::requestCount(const QString &path) const
{
    if (path.isEmpty())
        return int(m_records.size());
    return int(
        std::count_if(m_records.cbegin(), m_records.cend(), [&](const auto &r) { return r.path == path; }));
}

int FakeKiroUpstream::inFlight(const QString &key) const
{
    return key.isEmpty() ? m_totalInFlight : m_inFlight.value(key);
}

int FakeKiroUpstream::maxInFlight(const QString &key) const
{
    return key.isEmpty() ? m_totalMaxInFlight : m_maxInFlight.value(key);
}

int FakeKiroUpstream::refreshCount(const QString &account) const
{
    if (!account.isEmpty())
        return m_refreshes.value(account);
    int n = 0;
    for (int v : m_refreshes)
        n += v;
    return n;
}

QJsonObject FakeKiroUpstream::stats() const
{
    QJsonObject requests;
    QJsonObject statuses;
    for (const auto &r : m_records) {
        requests[r.path] = requests.value(r.path).toInt() + 1;
        const QString key = u"%1 %2"_s.arg(r.path).arg(r.status);
        statuses[key] = statuses.value(key).toInt() + 1;
    }
    QJsonObject inFlight;
    for (auto it = m_inFlight.cbegin(); it != m_inFlight.cend(); ++it)
        inFlight[it.key()] = it.value();
    QJsonObject maxInFlight;
    for (auto it = m_maxInFlight.cbegin(); it != m_maxInFlight.cend(); ++it)
        maxInFlight[it.key()] = it.value();
    QJsonObject credits;
    for (auto it = m_creditsByKey.cbegin(); it != m_creditsByKey.cend(); ++it)
        credits[it.key()] = it.value();
    QJsonObject refreshes;
    for (auto it = m_refreshes.cbegin(); it != m_refreshes.cend(); ++it)
        refreshes[it.key()] = it.value();
    return QJsonObject {
        { u"requests"_s, requests },
        { u"statuses"_s, statuses },
        { u"in_flight"_s, m_totalInFlight },
        { u"max_in_flight"_s, m_totalMaxInFlight },
        { u"in_flight_by_account"_s, inFlight },
        { u"max_in_flight_by_account"_s, maxInFlight },
        { u"total_credits"_s, m_totalCredits },
        { u"credits_by_account"_s, credits },
        { u"refreshes"_s, refreshes },
        { u"pieces_written"_s, double(m_piecesWritten) },
        { u"delivery"_s, m_delivery.trickle ? u"trickle"_s : u"coalesced"_s },
    };
}

FakeKiroUpstream::RecordedRequest &FakeKiroUpstream::record(const QHttpServerRequest &request,
                                                            const QString &path)
{
    RecordedRequest rec;
    rec.path = path;
    rec.query = request.url().query();
    switch (request.method()) {
    case QHttpServerRequest::Method::Get:
        rec.method = "GET";
        break;
    case QHttpServerRequest::Method::Post:
        rec.method = "POST";
        break;
    default:
        rec.method = "OTHER";
        break;
    }
    for (const auto &[name, value] : request.headers())
        rec.headers.append({ name.toLower(), value });
    rec.body = request.body();
    const QByteArray auth = rec.header("authorization");
    if (auth.startsWith("Bearer "))
        rec.bearer = QString::fromUtf8(auth.mid(7)).trimmed();
    m_records.append(std::move(rec));
    Q_EMIT requestReceived(path);
    return m_records.last();
}

void FakeKiroUpstream::sendError(QHttpServerResponder &responder, RecordedRequest &rec, int status,
                                 const QByteArray &body, const QByteArray &errorType)
{
    rec.status = status;
    const auto code = QHttpServerResponder::StatusCode(status);
    if (errorType.isEmpty()) {
        responder.write(
            body, { { "content-type", "application/json" }, { "x-amzn-requestid", "fake-request" } }, code);
    } else {
        responder.write(body,
                        { { "content-type", "application/json" },
                          { "x-amzn-requestid", "fake-request" },
                          { "x-amzn-errortype",
                            errorType + ":http://internal.amazon.com/coral/com.amazon.aws.codewhisperer/" } },
                        code);
    }
}

bool FakeKiroUpstream::authorize(RecordedRequest &rec, QHttpServerResponder &responder)
{
    const auto token = m_tokens.constFind(rec.bearer);
    if (token != m_tokens.constEnd())
        rec.account = token->account;
    if (!m_requireAuth)
        return true;
    if (token == m_tokens.constEnd() || token->expiresAtMs <= nowMs()) {
        rec.rejection = rec.bearer.isEmpty() ? u"no bearer token"_s : u"unknown or expired access token"_s;
        sendError(responder, rec, 403, bearerInvalidBody, "AccessDeniedException");
        return false;
    }
    return true;
}

FakeKiroResponse FakeKiroUpstream::takeResponse(const QString &account)
{
    if (auto it = m_accountQueues.find(account); it != m_accountQueues.end() && !it->empty()) {
        FakeKiroResponse r = std::move(it->front());
        it->pop_front();
        return r;
    }
    if (!m_queue.empty()) {
        FakeKiroResponse r = std::move(m_queue.front());
        m_queue.pop_front();
        return r;
    }
    return m_default;
}

void FakeKiroUpstream::handleChat(const QHttpServerRequest &request, QHttpServerResponder &&responder,
                                  const QString &path, bool refuseIdc)
{
    RecordedRequest &rec = record(request, path);
    if (!authorize(rec, responder))
        return;
    if (refuseIdc && !m_accounts.value(rec.account).clientId.isEmpty()) {
        rec.rejection = u"IdC token refused by the new host"_s;
        sendError(responder, rec, 403, bearerInvalidBody, "AccessDeniedException");
        return;
    }

    if (m_validate) {
        // Kiro rejects an oversized body with the same misleading message as a malformed one (§2.8).
        if (const Status valid = KiroRequestValidator::validate(rec.body); !valid) {
            rec.rejection = valid.error();
            sendError(responder, rec, 400, improperlyFormedBody, "ValidationException");
            return;
        }
        if (!m_knownModels.isEmpty()) {
            const QString model = QJsonDocument::fromJson(rec.body)
                                      .object()
                                      .value(u"conversationState"_s)
                                      .toObject()
                                      .value(u"currentMessage"_s)
                                      .toObject()
                                      .value(u"userInputMessage"_s)
                                      .toObject()
                                      .value(u"modelId"_s)
                                      .toString();
            if (!m_knownModels.contains(model)) {
                rec.rejection = u"unknown model %1"_s.arg(model);
                const FakeKiroResponse invalid = FakeKiroResponse::invalidModel();
                sendError(responder, rec, 400, invalid.errorBody, invalid.errorType);
                return;
            }
        }
    }

    if (const QStringList tier = m_accounts.value(rec.account).models; !tier.isEmpty()) {
        const QString model = QJsonDocument::fromJson(rec.body)
                                  .object()
                                  .value(u"conversationState"_s)
                                  .toObject()
                                  .value(u"currentMessage"_s)
                                  .toObject()
                                  .value(u"userInputMessage"_s)
                                  .toObject()
                                  .value(u"modelId"_s)
                                  .toString();
        if (!tier.contains(model)) {
            rec.rejection = u"model %1 is not in the account's tier"_s.arg(model);
            const FakeKiroResponse invalid = FakeKiroResponse::invalidModel();
            sendError(responder, rec, 400, invalid.errorBody, invalid.errorType);
            return;
        }
    }

    // Like the service, a social account's chat call without its profile is refused (protocol §1.7).
    if (const auto account = m_accounts.constFind(rec.account);
        account != m_accounts.cend() && account->clientId.isEmpty() && !account->profileArn.isEmpty()) {
        const QString sent = QJsonDocument::fromJson(rec.body).object().value(u"profileArn"_s).toString();
        if (sent != account->profileArn) {
            rec.rejection = sent.isEmpty() ? u"social request without profileArn"_s
                                           : u"profileArn %1 is not the account's"_s.arg(sent);
            sendError(responder, rec, 403,
                      R"({"message":"User is not authorized to make this call.","reason":null})",
                      "AccessDeniedException");
            return;
        }
    }

    const QString key = rec.account.isEmpty() ? rec.bearer : rec.account;
    std::optional<FakeKiroResponse> hooked;
    if (m_responseHook)
        hooked = m_responseHook(rec);
    FakeKiroResponse response = hooked ? std::move(*hooked) : takeResponse(rec.account);
    if (response.status != 200) {
        rec.rejection = u"scripted HTTP %1"_s.arg(response.status);
        // A leading delay step holds the error answer back (a slow failure).
        const int delayMs
            = !response.steps.empty() && response.steps.front().kind == FakeKiroResponse::Step::Kind::Delay
            ? response.steps.front().delayMs
            : 0;
        if (delayMs > 0) {
            const qsizetype index = m_records.size() - 1; // rec is the last record
            auto held = std::make_shared<QHttpServerResponder>(std::move(responder));
            QTimer::singleShot(delayMs, this, [this, held, index, response] {
                RecordedRequest scratch;
                RecordedRequest &target = index < m_records.size() ? m_records[index] : scratch;
                sendError(*held, target, response.status, response.errorBody, response.errorType);
            });
            return;
        }
        sendError(responder, rec, response.status, response.errorBody, response.errorType);
        return;
    }
    rec.status = 200;

    auto stream = std::make_shared<Stream>(std::move(responder));
    stream->response = std::move(response);
    stream->key = key;
    // Scripted splits keep their own seed; otherwise each stream gets its own schedule from the fake's seed.
    if (stream->response.splitSeed != 0 || stream->response.chunkSize > 0) {
        stream->rng.seed(stream->response.splitSeed);
        stream->trickle = stream->response.splitSeed != 0;
        stream->maxPiece = stream->response.chunkSize > 0 ? stream->response.chunkSize : 64;
    } else {
        stream->rng.seed(m_delivery.seed * 7919u + ++m_streamCounter);
        stream->trickle = m_delivery.trickle;
        stream->maxPiece = m_delivery.trickle ? qMax(1, m_delivery.maxPieceBytes) : 0;
    }

    // Every piece goes out as its own segment at once (no Nagle delay waiting for an ACK), like a server
    // that streams as it generates.
    if (stream->trickle && stream->socket)
        stream->socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    reapClosedStreams(key);
    auto &live = m_liveStreams[key];
    live.push_back(stream);
    if (stream->socket) {
        std::weak_ptr<Stream> weak = stream;
        connect(stream->socket, &QAbstractSocket::disconnected, this, [this, weak] {
            if (auto s = weak.lock())
                endStream(*s);
        });
    }
    m_inFlight[key] += 1;
    m_maxInFlight[key] = qMax(m_maxInFlight.value(key), m_inFlight.value(key));
    ++m_totalInFlight;
    m_totalMaxInFlight = qMax(m_totalMaxInFlight, m_totalInFlight);

    QHttpServerResponder &r = stream->responder;
    r.writeStatusLine(QHttpServerResponder::StatusCode::Ok);
    r.writeHeader("content-type", "application/vnd.amazon.eventstream");
    r.writeHeader("x-amzn-requestid", QUuid::createUuid().toByteArray(QUuid::WithoutBraces));
    r.writeHeader("x-amzn-codewhisperer-conversation-id",
                  QJsonDocument::fromJson(rec.body)
                      .object()
                      .value(u"conversationState"_s)
                      .toObject()
                      .value(u"conversationId"_s)
                      .toString()
                      .toUtf8());
    if (stream->response.contentLength) {
        qsizetype total = 0;
        for (const auto &step : stream->response.steps) {
            if (step.kind == FakeKiroResponse::Step::Kind::Bytes)
                total += step.bytes.size();
        }
        r.writeHeader("content-length", QByteArray::number(total));
    } else {
        // Qt 6.4's responder has no chunked encoding of its own; writePiece() frames every chunk.
        r.writeHeader("transfer-encoding", "chunked");
    }
    pump(stream);
}

void FakeKiroUpstream::writePiece(Stream &stream, const QByteArray &bytes)
{
    // Queues the wire form of a body block; deliver() decides how it is cut into writes.
    if (bytes.isEmpty())
        return;
    if (stream.response.contentLength)
        stream.pending.append(bytes);
    else
        stream.pending.append(QByteArray::number(bytes.size(), 16) + "\r\n" + bytes + "\r\n");
}

void FakeKiroUpstream::deliver(const std::shared_ptr<Stream> &stream)
{
    while (stream->pendingPos < stream->pending.size()) {
        if (!stream->socket || stream->socket->state() != QAbstractSocket::ConnectedState) {
            endStream(*stream); // the client went away
            return;
        }
        const qsizetype left = stream->pending.size() - stream->pendingPos;
        const qsizetype n = stream->maxPiece <= 0
            ? left
            : qMin<qsizetype>(left,
                              stream->trickle ? 1 + stream->rng.bounded(stream->maxPiece) : stream->maxPiece);
        stream->responder.writeBody(stream->pending.mid(stream->pendingPos, n));
        stream->pendingPos += n;
        ++m_piecesWritten;
        if (!stream->trickle)
            continue;
        // A separate TCP segment, then a real pause: the reader gets this piece in a read of its own.
        stream->socket->flush();
        if (stream->pendingPos < stream->pending.size()) {
            // Mostly a bare yield to the event loop (the piece still leaves as a segment of its own); one
            // piece in eight waits a real pause, so readers also meet gaps in time.
            const int maxPause = qMax(0, m_delivery.maxPauseMs);
            const int pause
                = maxPause > 0 && stream->rng.bounded(8) == 0 ? 1 + int(stream->rng.bounded(maxPause)) : 0;
            QTimer::singleShot(pause, this, [this, stream] { deliver(stream); });
            return;
        }
    }
    stream->pending.clear();
    stream->pendingPos = 0;
    if (auto then = std::exchange(stream->afterDelivery, {}))
        then();
}

void FakeKiroUpstream::pump(const std::shared_ptr<Stream> &stream)
{
    using Kind = FakeKiroResponse::Step::Kind;
    auto &steps = stream->response.steps;
    while (stream->step < steps.size()) {
        if (!stream->socket || stream->socket->state() != QAbstractSocket::ConnectedState) {
            endStream(*stream); // the client went away
            return;
        }
        const FakeKiroResponse::Step &step = steps[stream->step++];
        switch (step.kind) {
        case Kind::Delay: {
            const int ms = step.delayMs;
            stream->afterDelivery
                = [this, stream, ms] { QTimer::singleShot(ms, this, [this, stream] { pump(stream); }); };
            deliver(stream);
            return;
        }
        case Kind::Drop:
            stream->afterDelivery = [this, stream] {
                if (stream->socket)
                    stream->socket->abort();
                endStream(*stream);
            };
            deliver(stream);
            return;
        case Kind::Bytes:
            writePiece(*stream, step.bytes);
            if (step.credits > 0) {
                m_totalCredits += step.credits;
                m_creditsByKey[stream->key] += step.credits;
                if (auto it = m_accounts.find(stream->key); it != m_accounts.end())
                    it->currentUsage += step.credits;
            }
            break;
        }
    }
    if (!stream->response.contentLength)
        stream->pending.append(QByteArrayLiteral("0\r\n\r\n"));
    stream->afterDelivery = [this, stream] { endStream(*stream); };
    deliver(stream);
}

void FakeKiroUpstream::endStream(Stream &stream)
{
    // Breaks the cycle of a continuation that holds its own stream.
    stream.afterDelivery = {};
    stream.pending.clear();
    if (stream.ended)
        return;
    stream.ended = true;
    m_inFlight[stream.key] -= 1;
    --m_totalInFlight;
    Q_EMIT streamFinished(stream.key);
}

void FakeKiroUpstream::reapClosedStreams(const QString &key)
{
    auto it = m_liveStreams.find(key);
    if (it == m_liveStreams.end())
        return;
    std::vector<std::weak_ptr<Stream>> kept;
    for (const auto &weak : *it) {
        const auto s = weak.lock();
        if (!s || s->ended)
            continue;
        bool closed = !s->socket || s->socket->state() != QAbstractSocket::ConnectedState;
#ifdef Q_OS_UNIX
        if (!closed) {
            // The peer's FIN or RST may be waiting in the kernel before Qt has read it: peek without
            // blocking.
            char byte = 0;
            const auto fd = int(s->socket->socketDescriptor());
            const auto n = fd >= 0 ? ::recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT) : -1;
            closed = n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
        }
#endif
        if (closed)
            endStream(*s);
        else
            kept.push_back(weak);
    }
    *it = std::move(kept);
}

void FakeKiroUpstream::handleListModels(const QHttpServerRequest &request, QHttpServerResponder &&responder)
{
    RecordedRequest &rec = record(request, u"/ListAvailableModels"_s);
    if (!authorize(rec, responder))
        return;
    const Account account = m_accounts.value(rec.account);
    if (account.models.isEmpty()) {
        rec.status = 404;
        responder.write(
            QByteArrayLiteral("{\"message\":\"not served here\"}"),
            { { "content-type", "application/json" }, { "x-amzn-errortype", "UnknownOperationException" } },
            QHttpServerResponder::StatusCode::NotFound);
        return;
    }
    QJsonArray models;
    for (const QString &id : account.models) {
        QJsonObject model { { u"modelId"_s, id },
                            { u"modelName"_s, id },
                            { u"tokenLimits"_s,
                              QJsonObject { { u"maxInputTokens"_s, account.maxInputTokens },
                                            { u"maxOutputTokens"_s, 64'000 } } } };
        if (!account.requestFieldsSchema.isEmpty())
            model.insert(u"additionalModelRequestFieldsSchema"_s, account.requestFieldsSchema);
        models.append(model);
    }
    rec.status = 200;
    responder.write(QJsonDocument(QJsonObject { { u"models"_s, models } }).toJson(QJsonDocument::Compact),
                    { { "content-type", "application/json" } }, QHttpServerResponder::StatusCode::Ok);
}

void FakeKiroUpstream::handleUsageLimits(const QHttpServerRequest &request, QHttpServerResponder &&responder)
{
    RecordedRequest &rec = record(request, u"/getUsageLimits"_s);
    if (!authorize(rec, responder))
        return;
    const Account account = m_accounts.value(rec.account);
    const qint64 resetS = account.nextResetS > 0 ? account.nextResetS : firstOfNextMonthS(nowMs());
    const QJsonObject breakdown {
        { u"resourceType"_s, u"CREDIT"_s },
        { u"displayName"_s, u"Credit"_s },
        { u"displayNamePlural"_s, u"Credits"_s },
        { u"unit"_s, u"INVOCATIONS"_s },
        { u"currency"_s, u"USD"_s },
        { u"currentUsage"_s, qint64(account.currentUsage) },
        { u"currentUsageWithPrecision"_s, account.currentUsage },
        { u"usageLimit"_s, qint64(account.usageLimit) },
        { u"usageLimitWithPrecision"_s, account.usageLimit },
        { u"currentOverages"_s, 0 },
        { u"overageCap"_s, 0 },
        { u"nextDateReset"_s, double(resetS) },
    };
    const QJsonObject body {
        { u"subscriptionInfo"_s,
          QJsonObject { { u"subscriptionTitle"_s, account.subscriptionTitle },
                        { u"type"_s, u"Q_DEVELOPER_STANDALONE_FREE"_s },
                        { u"overageCapability"_s, u"OVERAGE_INCAPABLE"_s } } },
        { u"overageConfiguration"_s, QJsonObject { { u"overageStatus"_s, u"DISABLED"_s } } },
        { u"usageBreakdownList"_s, QJsonArray { breakdown } },
        { u"nextDateReset"_s, double(resetS) },
        { u"daysUntilReset"_s, int(qMax<qint64>(0, (resetS * 1000 - nowMs()) / 86'400'000)) },
        { u"userInfo"_s,
          QJsonObject { { u"email"_s, account.email },
                        { u"userId"_s, QString(u"user-"_s + account.name) } } },
    };
    rec.status = 200;
    responder.write(toJson(body), { { "content-type", "application/json" } },
                    QHttpServerResponder::StatusCode::Ok);
}

FakeKiroUpstream::Account *FakeKiroUpstream::accountByRefreshToken(const QString &refreshToken)
{
    for (auto it = m_accounts.begin(); it != m_accounts.end(); ++it) {
        if (!refreshToken.isEmpty() && it->refreshToken == refreshToken)
            return &*it;
    }
    return nullptr;
}

void FakeKiroUpstream::handleSocialRefresh(const QHttpServerRequest &request,
                                           QHttpServerResponder &&responder)
{
    RecordedRequest &rec = record(request, u"/refreshToken"_s);
    const QString refreshToken
        = QJsonDocument::fromJson(rec.body).object().value(u"refreshToken"_s).toString();
    Account *account = accountByRefreshToken(refreshToken);
    if (account && !account->clientId.isEmpty())
        account = nullptr; // an IdC refresh token is not valid at the social endpoint
    refresh(account, refreshToken, rec.path, std::move(responder));
}

void FakeKiroUpstream::handleIdcRefresh(const QHttpServerRequest &request, QHttpServerResponder &&responder)
{
    RecordedRequest &rec = record(request, u"/token"_s);
    QString clientId;
    QString clientSecret;
    QString refreshToken;
    QString grantType;
    const QJsonDocument doc = QJsonDocument::fromJson(rec.body);
    if (doc.isObject()) {
        const QJsonObject o = doc.object();
        clientId = o.value(u"clientId"_s).toString();
        clientSecret = o.value(u"clientSecret"_s).toString();
        refreshToken = o.value(u"refreshToken"_s).toString();
        grantType = o.value(u"grantType"_s).toString();
    } else {
        // The form-encoded OAuth variant (jwadow) works too.
        const QUrlQuery form(QString::fromUtf8(rec.body));
        clientId = form.queryItemValue(u"client_id"_s, QUrl::FullyDecoded);
        clientSecret = form.queryItemValue(u"client_secret"_s, QUrl::FullyDecoded);
        refreshToken = form.queryItemValue(u"refresh_token"_s, QUrl::FullyDecoded);
        grantType = form.queryItemValue(u"grant_type"_s, QUrl::FullyDecoded);
    }
    Account *account = accountByRefreshToken(refreshToken);
    if (account
        && (account->clientId.isEmpty() || account->clientId != clientId
            || account->clientSecret != clientSecret)) {
        m_records.last().status = 400;
        m_records.last().rejection = u"client credentials do not match"_s;
        responder.write(
            QByteArrayLiteral("{\"error\":\"invalid_client\",\"error_description\":\"Invalid client\"}"),
            { { "content-type", "application/json" } }, QHttpServerResponder::StatusCode::BadRequest);
        return;
    }
    if (grantType != u"refresh_token"_s) {
        m_records.last().status = 400;
        m_records.last().rejection = u"grant type %1"_s.arg(grantType);
        responder.write(QByteArrayLiteral("{\"error\":\"unsupported_grant_type\"}"),
                        { { "content-type", "application/json" } },
                        QHttpServerResponder::StatusCode::BadRequest);
        return;
    }
    refresh(account, refreshToken, rec.path, std::move(responder));
}

void FakeKiroUpstream::refresh(Account *account, const QString &refreshToken, const QString &path,
                               QHttpServerResponder &&responder)
{
    Q_UNUSED(refreshToken);
    RecordedRequest &rec = m_records.last();
    if (!m_refreshFailures.empty()) {
        const auto [status, body] = m_refreshFailures.front();
        m_refreshFailures.pop_front();
        rec.rejection = u"scripted refresh failure"_s;
        sendError(responder, rec, status, body);
        return;
    }
    if (!account || m_revoked.contains(account->name)) {
        rec.rejection = u"invalid refresh token"_s;
        sendError(responder, rec, 400, invalidGrantBody);
        return;
    }
    rec.account = account->name;
    m_refreshes[account->name] += 1;
    if (m_rotateRefreshTokens)
        account->refreshToken
            = u"%1~%2"_s.arg(account->refreshToken.section(u'~', 0, 0)).arg(++m_tokenCounter);
    const QString accessToken = issueAccessToken(account->name);
    QJsonObject body {
        { u"accessToken"_s, accessToken },
        { u"expiresIn"_s, m_tokenLifetimeS },
    };
    // Both services may leave the refresh token out when it did not rotate; clients must keep the old one.
    if (m_rotateRefreshTokens)
        body.insert(u"refreshToken"_s, account->refreshToken);
    if (path == u"/refreshToken"_s)
        body.insert(u"profileArn"_s, account->profileArn);
    else
        body.insert(u"tokenType"_s, u"Bearer"_s);
    rec.status = 200;
    responder.write(toJson(body), { { "content-type", "application/json" } },
                    QHttpServerResponder::StatusCode::Ok);
}

} // namespace Drawbridge::Test
