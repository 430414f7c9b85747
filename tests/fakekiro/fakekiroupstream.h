// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QHash>
#include <QHostAddress>
#include <QList>
#include <QObject>
#include <QSet>
#include <QString>
#include <QStringList>
#include <QUrl>

#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <utility>

#include "server/core/clock.h"
#include "tests/fakekiro/fakekiroresponse.h"

class QHttpServer;
class QJsonObject;
class QHttpServerRequest;
class QHttpServerResponder;

namespace Drawbridge::Test {

/**
 * @brief A fake Kiro service on 127.0.0.1 serving the four upstream paths of docs/kiro.md#endpoints.
 *
 * POST /generateAssistantResponse answers from a script of FakeKiroResponse (per account first, then the
 * shared queue, then a default), streams genuine event-stream frames and, like Kiro, rejects malformed
 * bodies with 400 "Improperly formed request" (KiroRequestValidator). GET /getUsageLimits, POST
 * /refreshToken (social) and POST /token (IdC) run a small token world: access tokens expire, refresh
 * tokens may rotate or be revoked. Everything it sees is recorded and counted for assertions.
 */
class FakeKiroUpstream final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(FakeKiroUpstream)

public:
    struct Account
    {
        QString name;
        QString refreshToken;
        QString clientId; ///< non-empty = an IdC account (POST /token)
        QString clientSecret;
        QString profileArn
            = QStringLiteral("arn:aws:codewhisperer:us-east-1:699475941385:profile/EHGA3GRVQMUK");
        QString email;
        QString subscriptionTitle = QStringLiteral("KIRO FREE");
        double usageLimit = 50.0;
        double currentUsage = 0.0; ///< metered credits are added as they are served
        qint64 nextResetS = 0; ///< epoch seconds; 0 = the 1st of next month
        /** The tier's catalog: GET /ListAvailableModels lists these (404 when empty, like a host without
         * the catalog), and chat refuses any other model with INVALID_MODEL_ID, as the service does. */
        QStringList models;
        int maxInputTokens = 200'000; ///< every listed model's tokenLimits.maxInputTokens
        /** Every listed model's additionalModelRequestFieldsSchema; empty = none listed. */
        QJsonObject requestFieldsSchema;
    };

    struct RecordedRequest
    {
        QString path;
        QString query;
        QByteArray method;
        QList<std::pair<QByteArray, QByteArray>> headers; ///< names lower-cased
        QByteArray body;
        QString bearer;
        QString account; ///< the account the bearer belongs to, if any
        int status = 0; ///< what the fake answered
        QString rejection; ///< why it answered 400/403, for test diagnostics

        QByteArray header(QByteArrayView name) const;
    };

    explicit FakeKiroUpstream(QObject *parent = nullptr);
    ~FakeKiroUpstream() override;

    bool listen(quint16 port = 0, const QHostAddress &address = QHostAddress::LocalHost);
    quint16 port() const { return m_port; }
    QUrl baseUrl() const;

    // Chat responses.
    void enqueue(FakeKiroResponse response);
    void enqueueFor(const QString &account, FakeKiroResponse response);
    void setDefaultResponse(FakeKiroResponse response);
    int pendingResponses() const;
    void setValidateRequests(bool validate) { m_validate = validate; }
    /**
     * Consulted for every chat request that passed auth and validation, before the scripted queues: an answer
     * overrides them, std::nullopt falls through to the queues and the default (used by fake-kiro-upstream's
     * --tool and --fail-rate options).
     */
    using ResponseHook = std::function<std::optional<FakeKiroResponse>(const RecordedRequest &)>;
    void setResponseHook(ResponseHook hook) { m_responseHook = std::move(hook); }
    /**
     * How response bytes reach the wire. By default they trickle as a real network delivers them: the wire
     * bytes (HTTP chunk framing included) go out in pieces of random size, each its own write, with real
     * pauses between them, so a reader meets splits inside the chunk-size line, the CRLF and every part of
     * an event-stream frame. Coalesced writes each scripted step in one piece (the old behaviour).
     */
    struct Delivery
    {
        bool trickle = true;
        quint32 seed = 1;
        int maxPieceBytes = 48; ///< pieces are 1..maxPieceBytes bytes
        int maxPauseMs
            = 2; ///< one piece in eight is followed by a pause of 1..maxPauseMs ms, the rest by a yield
    };
    void setDelivery(const Delivery &delivery) { m_delivery = delivery; }
    const Delivery &delivery() const { return m_delivery; }
    /** Separate writes of response bytes so far: with trickling, many per response. */
    qint64 piecesWritten() const { return m_piecesWritten; }
    /** Model ids the fake accepts; others get 400 INVALID_MODEL_ID. Empty = accept any. */
    void setKnownModels(const QStringList &models) { m_knownModels = models; }

    // Accounts and tokens.
    /** Registers an account and returns a valid access token for it. */
    QString addAccount(const Account &account);
    QString issueAccessToken(const QString &account);
    /** Off: any bearer is accepted for chat and usage (counters then key on the bearer). On by default. */
    void setRequireAuth(bool require) { m_requireAuth = require; }
    void setAccessTokenLifetimeS(int seconds) { m_tokenLifetimeS = seconds; }
    void setRotateRefreshTokens(bool rotate) { m_rotateRefreshTokens = rotate; }
    /** Every access token of @p account (all accounts when empty) stops working at once. */
    void expireAccessTokens(const QString &account = {});
    /** The refresh token stops working: refresh answers 400 invalid_grant. */
    void revokeRefreshToken(const QString &account);
    /** The service moved the account to another profile: refreshes return it, chat requires it from now on.
     */
    void setProfileArn(const QString &account, const QString &profileArn);
    QString refreshTokenOf(const QString &account) const;
    /** The next refresh (either endpoint) answers @p status with @p body instead. */
    void enqueueRefreshFailure(int status, const QByteArray &body);
    /** Time source for token expiry; the fake does not own it. Default: the system clock. */
    void setClock(const Clock *clock) { m_clock = clock; }

    // Observations.
    QList<RecordedRequest> requests() const { return m_records; }
    QList<RecordedRequest> requests(const QString &path) const;
    void clearRecords() { m_records.clear(); }
    int requestCount(const QString &path = {}) const;
    /** In-flight chat streams for an account (or bearer when unknown); empty key = all. */
    int inFlight(const QString &key = {}) const;
    int maxInFlight(const QString &key = {}) const;
    double totalCredits() const { return m_totalCredits; }
    double creditsFor(const QString &account) const { return m_creditsByKey.value(account); }
    int refreshCount(const QString &account = {}) const;
    /**
     * Counters as JSON, also served (unrecorded) at GET /__stats for end-to-end scripts: requests per path
     * and status, in_flight / max_in_flight (total and per account), credits, refreshes.
     */
    QJsonObject stats() const;

Q_SIGNALS:
    void requestReceived(const QString &path);
    /** A chat stream ended, completely or by a scripted drop. */
    void streamFinished(const QString &key);

private:
    struct Stream;
    struct Token
    {
        QString account;
        qint64 expiresAtMs = 0;
    };

    void handleChat(const QHttpServerRequest &request, QHttpServerResponder &&responder,
                    const QString &path = QStringLiteral("/generateAssistantResponse"),
                    bool refuseIdc = false);
    void handleUsageLimits(const QHttpServerRequest &request, QHttpServerResponder &&responder);
    void handleListModels(const QHttpServerRequest &request, QHttpServerResponder &&responder);
    void handleSocialRefresh(const QHttpServerRequest &request, QHttpServerResponder &&responder);
    void handleIdcRefresh(const QHttpServerRequest &request, QHttpServerResponder &&responder);
    void refresh(Account *account, const QString &refreshToken, const QString &path,
                 QHttpServerResponder &&responder);
    RecordedRequest &record(const QHttpServerRequest &request, const QString &path);
    /** The account of a valid bearer, or an error body to answer with. */
    bool authorize(RecordedRequest &rec, QHttpServerResponder &responder);
    Account *accountByRefreshToken(const QString &refreshToken);
    FakeKiroResponse takeResponse(const QString &account);
    void sendError(QHttpServerResponder &responder, RecordedRequest &rec, int status, const QByteArray &body,
                   const QByteArray &errorType = {});
    void pump(const std::shared_ptr<Stream> &stream);
    /** Writes the stream's pending wire bytes, piece by piece with pauses when trickling, then pumps on. */
    void deliver(const std::shared_ptr<Stream> &stream);
    void writePiece(Stream &stream, const QByteArray &bytes);
    void endStream(Stream &stream);
    /** Ends the counted streams of @p key whose client already closed the connection (even if Qt has not
     * noticed yet), so a client that closes one stream and opens the next is not counted twice. */
    void reapClosedStreams(const QString &key);
    qint64 nowMs() const;

    std::unique_ptr<QHttpServer> m_server;
    SystemClock m_systemClock;
    const Clock *m_clock = &m_systemClock;
    quint16 m_port = 0;
    bool m_validate = true;
    Delivery m_delivery;
    quint32 m_streamCounter = 0;
    qint64 m_piecesWritten = 0;
    bool m_requireAuth = true;
    bool m_rotateRefreshTokens = false;
    int m_tokenLifetimeS = 3600;
    int m_tokenCounter = 0;
    QStringList m_knownModels;

    ResponseHook m_responseHook;
    std::deque<FakeKiroResponse> m_queue;
    QHash<QString, std::deque<FakeKiroResponse>> m_accountQueues;
    FakeKiroResponse m_default;
    std::deque<std::pair<int, QByteArray>> m_refreshFailures;

    QHash<QString, Account> m_accounts;
    QHash<QString, Token> m_tokens;
    QSet<QString> m_revoked; ///< accounts whose refresh token was revoked

    QList<RecordedRequest> m_records;
    QHash<QString, std::vector<std::weak_ptr<Stream>>> m_liveStreams;
    QHash<QString, int> m_inFlight;
    QHash<QString, int> m_maxInFlight;
    int m_totalInFlight = 0;
    int m_totalMaxInFlight = 0;
    QHash<QString, double> m_creditsByKey;
    QHash<QString, int> m_refreshes;
    double m_totalCredits = 0.0;
};

} // namespace Drawbridge::Test
