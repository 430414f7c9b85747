// SPDX-License-Identifier: MIT
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTest>

#include <memory>
#include <vector>

#include "kiroaccountfixture.h"
#include "server/kiro/kirofingerprint.h"
#include "server/kiro/kiromodels.h"
#include "server/kiroprovider/kiroendpointlist.h"
#include "server/kiroprovider/kiroprovider.h"
#include "tests/support/resulttext.h"

using namespace Drawbridge;
using namespace Drawbridge::Test;

namespace {

/** Records what a front end would see. */
struct RecordingSink final : ProviderSink
{
    void onStart(const ProviderStartInfo &info) override
    {
        trimmedMessages = info.trimmedMessages;
        ++starts;
        accountId = info.accountId;
    }
    void onTextDelta(const QString &t) override { text += t; }
    void onReasoningDelta(const QString &t) override { reasoning += t; }
    void onReasoningSignature(const QString &s) override { signatures.append(s); }
    void onRedactedReasoning(const QString &d) override { redacted.append(d); }
    void onToolCallStart(int index, const QString &id, const QString &name) override
    {
        tools.append(QStringLiteral("%1:%2:%3").arg(index).arg(id, name));
    }
    void onToolCallArgumentsDelta(int, const QString &fragment) override { arguments += fragment; }
    void onUsage(const Usage &u) override { usage = u; }
    void onKeepAlive() override { ++keepAlives; }
    void onFinish(FinishReason r) override
    {
        ++terminals;
        finish = r;
    }
    void onError(const ProviderError &e) override
    {
        ++terminals;
        error = e;
    }
    bool done() const { return terminals > 0; }

    int starts = 0;
    int terminals = 0;
    int keepAlives = 0;
    QString accountId;
    int trimmedMessages = 0;
    QString text;
    QString reasoning;
    QStringList signatures;
    QStringList redacted;
    QStringList tools;
    QString arguments;
    Usage usage;
    std::optional<FinishReason> finish;
    std::optional<ProviderError> error;
};

ChatRequest chat(const QString &text = QStringLiteral("hello"))
{
    ChatRequest r;
    r.requestedModel = QStringLiteral("kiro");
    r.upstreamModel = QStringLiteral("claude-sonnet-4.5");
    ChatMessage m;
    m.role = Role::User;
    m.text = text;
    r.messages.push_back(m);
    return r;
}

} // namespace

class TstKiroProvider : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();
    void streamsTextUsageAndCredits();
    void keepAlivesFillASilentStream();
    void toolCallsPassThrough();
    void nativeReasoningAndCachedUsage();
    void throttledAccountFailsOver();
    void quotaExhaustedAccountIsParkedAndFailsOver();
    void suspendedAccountIsParked();
    void modelCapacityFailsOverWithoutCooldown();
    void modelCapacityEverywhereIsRetryLater();
    void suspensionReasonIsKeptAndNeverRetried_data();
    void suspensionReasonIsKeptAndNeverRetried();
    void badRequestNeverFailsOver();
    void contextTooLongIsTheClients();
    void invalidTokenRefreshesOnceAndRetries();
    void transientErrorRetries();
    void dropAfterOutputIsAMidStreamError();
    void cancelReleasesSlotAndClosesUpstream();
    void concurrencyNeverExceedsSlots();
    void allAccountsFailingEndsWithUpstreamError();
    void noAccountsIsNoUpstream();
    void trickledAnswersArriveIntact_data();
    void trickledAnswersArriveIntact();
    void socialAccountSendsItsProfileArn();
    void idcAccountWithoutProfileSendsNone();
    void corruptStreamsDoNotCoolTheAccount();
    void cutOffToolCallEndsAsLength();
    void endpointsFallBackAndAreRemembered();
    void endpointSurvivesARestart();
    void defaultEndpointsFollowAuthMethodAndRegion_data();
    void defaultEndpointsFollowAuthMethodAndRegion();
    void longConversationsAreTrimmedToFit();
    void trimmingOffRefusesWithoutCallingKiro();
    void modelsRouteOnlyToAccountsThatHaveThem();
    void availableModelsAreTheUnionOfTheCatalogs();
    void promptTokensUseTheCatalogsContextWindow();
    void promptTokensUseTheBuiltInWindowWithoutCatalog_data();
    void promptTokensUseTheBuiltInWindowWithoutCatalog();
    void reasoningUsesTheFieldsTheCatalogAdvertises();
    void chatHeadersAreTheFingerprintsThenTheCallsThenAuthorization();
    void builtInWindowIsEachModelsOwn();

private:
    /** Adds @p n social accounts named a0, a1, … */
    void addAccounts(int n);
    std::unique_ptr<KiroAccountFixture> m_f;
    std::unique_ptr<KiroProvider> m_provider;
};

void TstKiroProvider::init()
{
    m_f = std::make_unique<KiroAccountFixture>();
    QVERIFY2(m_f->isValid(), qPrintable(m_f->errorString()));
    m_f->startManager();
    KiroProvider::Options o;
    o.transientRetryDelayMs = 10;
    m_provider
        = std::make_unique<KiroProvider>(*m_f->pool, *m_f->manager, m_f->http, m_f->clock, m_f->settings, o);
}

void TstKiroProvider::cleanup()
{
    m_provider.reset();
    m_f.reset();
}

void TstKiroProvider::addAccounts(int n)
{
    for (int i = 0; i < n; ++i) {
        const auto outcome = m_f->add(m_f->socialAccount(QStringLiteral("a%1").arg(i)));
        QVERIFY2(outcome.ok(), qPrintable(outcome.failure.message));
    }
}

void TstKiroProvider::streamsTextUsageAndCredits()
{
    addAccounts(1);
    m_f->fake.enqueue(FakeKiroResponse::ok(QStringLiteral("Hello from Kiro"), 0.42, 2.0).randomSplits(7));
    RecordingSink sink;
    auto call = m_provider->start(chat(), &sink);
    QCOMPARE(sink.starts, 0); // never synchronously
    QTRY_VERIFY(sink.done());
    QVERIFY(!sink.error);
    QCOMPARE(sink.starts, 1);
    QCOMPARE(sink.text, QStringLiteral("Hello from Kiro"));
    QCOMPARE(*sink.finish, FinishReason::Stop);
    QVERIFY(sink.usage.hasCredits);
    QCOMPARE(sink.usage.credits, 0.42);
    QCOMPARE(m_f->fake.totalCredits(), 0.42);
    QVERIFY(sink.usage.promptTokens > 0);
    QCOMPARE(m_f->pool->status().inFlight, 0);
    const auto info = m_f->manager->account(sink.accountId);
    QVERIFY(info.has_value());
    QCOMPARE(info->creditsUsed, 0.42);
}

void TstKiroProvider::keepAlivesFillASilentStream()
{
    addAccounts(1);
    KiroProvider::Options o;
    o.keepAliveIntervalMs = 30;
    m_provider
        = std::make_unique<KiroProvider>(*m_f->pool, *m_f->manager, m_f->http, m_f->clock, m_f->settings, o);
    FakeKiroResponse r;
    r.text(QStringLiteral("before")).delay(300).text(QStringLiteral(" after")).closing();
    m_f->fake.enqueue(r);
    RecordingSink sink;
    auto call = m_provider->start(chat(), &sink);
    QTRY_VERIFY(sink.done());
    QVERIFY(!sink.error);
    QCOMPARE(sink.text, QStringLiteral("before after"));
    // 300 ms without output at a 30 ms interval: the keep-alive timer fired, re-armed itself and fired again.
    QVERIFY2(sink.keepAlives >= 2, qPrintable(QString::number(sink.keepAlives)));
}

void TstKiroProvider::toolCallsPassThrough()
{
    addAccounts(1);
    FakeKiroResponse r;
    r.toolUse(QStringLiteral("tu_1"), QStringLiteral("get_weather"),
              { QStringLiteral("{\"city\":"), QStringLiteral("\"Oslo\"}") });
    r.closing(0.1);
    m_f->fake.enqueue(r);
    ChatRequest req = chat();
    req.tools.push_back(ToolDefinition { QStringLiteral("get_weather"), QStringLiteral("Weather"), {} });
    RecordingSink sink;
    auto call = m_provider->start(std::move(req), &sink);
    QTRY_VERIFY(sink.done());
    QVERIFY(!sink.error);
    QCOMPARE(sink.tools, QStringList { QStringLiteral("0:tu_1:get_weather") });
    QCOMPARE(sink.arguments, QStringLiteral("{\"city\":\"Oslo\"}"));
    QCOMPARE(*sink.finish, FinishReason::ToolCalls);
}

void TstKiroProvider::nativeReasoningAndCachedUsage()
{
    addAccounts(1);
    FakeKiroResponse r;
    r.reasoning(QStringLiteral("Let me see."))
        .reasoningSignature(QStringLiteral("EqQBCkgIARABGAIiQ"))
        .redactedReasoning("withheld")
        .text(QStringLiteral("Blue."))
        .tokenUsage(100, 7, 900, 50)
        .closing(0.2);
    m_f->fake.enqueue(r.randomSplits(11));
    RecordingSink sink;
    auto call = m_provider->start(chat(), &sink);
    QTRY_VERIFY(sink.done());
    QVERIFY2(!sink.error, sink.error ? qPrintable(sink.error->message) : "");
    QCOMPARE(sink.reasoning, QStringLiteral("Let me see."));
    QCOMPARE(sink.signatures, QStringList { QStringLiteral("EqQBCkgIARABGAIiQ") });
    QCOMPARE(sink.redacted, QStringList { QString::fromLatin1(QByteArray("withheld").toBase64()) });
    QCOMPARE(sink.text, QStringLiteral("Blue."));
    QVERIFY(!sink.usage.tokensEstimated);
    QCOMPARE(sink.usage.promptTokens, 1050); // every input token, cached ones included
    QCOMPARE(sink.usage.cacheReadTokens, 900);
    QCOMPARE(sink.usage.cacheWriteTokens, 50);
    QCOMPARE(sink.usage.completionTokens, 7);
    QCOMPARE(sink.usage.credits, 0.2);
}

void TstKiroProvider::throttledAccountFailsOver()
{
    addAccounts(2);
    m_f->fake.enqueue(FakeKiroResponse::throttled());
    m_f->fake.enqueue(FakeKiroResponse::ok(QStringLiteral("second try")));
    RecordingSink sink;
    auto call = m_provider->start(chat(), &sink);
    QTRY_VERIFY(sink.done());
    QVERIFY2(!sink.error, sink.error ? qPrintable(sink.error->message) : "");
    QCOMPARE(sink.text, QStringLiteral("second try"));
    QCOMPARE(m_f->fake.requestCount(QStringLiteral("/generateAssistantResponse")), 2);
    int cooling = 0;
    for (const auto &a : m_f->pool->accounts())
        cooling += a.status == AccountStatus::CoolingDown ? 1 : 0;
    QCOMPARE(cooling, 1);
    QCOMPARE(m_f->pool->status().inFlight, 0);
}

void TstKiroProvider::quotaExhaustedAccountIsParkedAndFailsOver()
{
    addAccounts(2);
    m_f->fake.enqueue(FakeKiroResponse::monthlyLimit());
    m_f->fake.enqueue(FakeKiroResponse::ok(QStringLiteral("ok")));
    RecordingSink sink;
    auto call = m_provider->start(chat(), &sink);
    QTRY_VERIFY(sink.done());
    QVERIFY(!sink.error);
    int parked = 0;
    for (const auto &a : m_f->pool->accounts())
        parked += a.status == AccountStatus::QuotaExhausted ? 1 : 0;
    QCOMPARE(parked, 1);
}

void TstKiroProvider::suspendedAccountIsParked()
{
    addAccounts(2);
    m_f->fake.enqueue(FakeKiroResponse::suspended());
    m_f->fake.enqueue(FakeKiroResponse::ok(QStringLiteral("ok")));
    RecordingSink sink;
    auto call = m_provider->start(chat(), &sink);
    QTRY_VERIFY(sink.done());
    QVERIFY(!sink.error);
    int suspended = 0;
    for (const auto &a : m_f->pool->accounts())
        suspended += a.status == AccountStatus::Suspended ? 1 : 0;
    QCOMPARE(suspended, 1);
}

void TstKiroProvider::modelCapacityFailsOverWithoutCooldown()
{
    addAccounts(2);
    m_f->fake.enqueue(FakeKiroResponse::modelCapacity());
    m_f->fake.enqueue(FakeKiroResponse::ok(QStringLiteral("other account")));
    RecordingSink sink;
    auto call = m_provider->start(chat(), &sink);
    QTRY_VERIFY(sink.done());
    QVERIFY2(!sink.error, sink.error ? qPrintable(sink.error->message) : "");
    QCOMPARE(sink.text, QStringLiteral("other account"));
    QCOMPARE(m_f->fake.requestCount(QStringLiteral("/generateAssistantResponse")), 2);
    // The busy model is not the account's fault: both stay active with every slot, and the retry went to the
    // other account.
    for (const auto &a : m_f->pool->accounts()) {
        QCOMPARE(a.status, AccountStatus::Active);
        QCOMPARE(a.cooldownUntilMs, 0);
        QCOMPARE(a.effectiveSlots, a.slots);
        QCOMPARE(a.requests, 1);
    }
}

void TstKiroProvider::modelCapacityEverywhereIsRetryLater()
{
    addAccounts(1);
    for (int i = 0; i < 3; ++i)
        m_f->fake.enqueue(FakeKiroResponse::modelCapacity());
    RecordingSink sink;
    auto call = m_provider->start(chat(), &sink);
    QTRY_VERIFY(sink.done());
    QVERIFY(sink.error);
    QCOMPARE(sink.starts, 0);
    // The only account is tried again after a pause (capacity passes), then the client is told to retry.
    QCOMPARE(m_f->fake.requestCount(QStringLiteral("/generateAssistantResponse")), 3);
    QCOMPARE(sink.error->kind, ProviderErrorKind::NoUpstream);
    QCOMPARE(sink.error->retryAfterS, modelCapacityRetryAfterS);
    QVERIFY2(sink.error->message.contains(QStringLiteral("capacity")), qPrintable(sink.error->message));
    const auto accounts = m_f->pool->accounts();
    QCOMPARE(accounts.size(), size_t(1));
    QCOMPARE(accounts.front().status, AccountStatus::Active);
    QCOMPARE(accounts.front().cooldownUntilMs, 0);
    QCOMPARE(m_f->pool->status().inFlight, 0);
}

void TstKiroProvider::suspensionReasonIsKeptAndNeverRetried_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("reason");
    QTest::newRow("SUSPENDED") << QByteArray(R"({"message":"Access denied.","reason":"SUSPENDED"})")
                               << QStringLiteral("SUSPENDED");
    QTest::newRow("TEMPORARILY_SUSPENDED")
        << QByteArray(R"({"message":"Your account is locked.","reason":"TEMPORARILY_SUSPENDED"})")
        << QStringLiteral("TEMPORARILY_SUSPENDED");
}

void TstKiroProvider::suspensionReasonIsKeptAndNeverRetried()
{
    QFETCH(QByteArray, body);
    QFETCH(QString, reason);
    addAccounts(1);
    m_f->fake.enqueue(FakeKiroResponse::httpError(403, body, "AccessDeniedException"));
    m_f->fake.enqueue(FakeKiroResponse::ok(QStringLiteral("must not be used")));
    RecordingSink sink;
    auto call = m_provider->start(chat(), &sink);
    QTRY_VERIFY(sink.done());
    QVERIFY(sink.error);
    // No token refresh and retry, no second attempt on the suspended account.
    QCOMPARE(m_f->fake.requestCount(QStringLiteral("/generateAssistantResponse")), 1);
    const auto accounts = m_f->pool->accounts();
    QCOMPARE(accounts.front().status, AccountStatus::Suspended);
    QVERIFY2(accounts.front().lastError.startsWith(reason + QStringLiteral(": ")),
             qPrintable(accounts.front().lastError));
    // What /admin/accounts shows (status, last_error).
    const auto info = m_f->manager->account(accounts.front().id);
    QVERIFY(info.has_value());
    QCOMPARE(info->status, AccountStatus::Suspended);
    QVERIFY(info->lastError.contains(reason));
}

void TstKiroProvider::badRequestNeverFailsOver()
{
    addAccounts(2);
    m_f->fake.enqueue(FakeKiroResponse::improperlyFormed());
    m_f->fake.enqueue(FakeKiroResponse::ok(QStringLiteral("must not be used")));
    RecordingSink sink;
    auto call = m_provider->start(chat(), &sink);
    QTRY_VERIFY(sink.done());
    QVERIFY(sink.error);
    QCOMPARE(sink.error->kind, ProviderErrorKind::InvalidRequest);
    QVERIFY(sink.error->message.contains(QStringLiteral("Improperly formed request")));
    QCOMPARE(sink.starts, 0);
    QCOMPARE(m_f->fake.requestCount(QStringLiteral("/generateAssistantResponse")), 1);
    for (const auto &a : m_f->pool->accounts())
        QCOMPARE(a.status, AccountStatus::Active);
}

void TstKiroProvider::contextTooLongIsTheClients()
{
    addAccounts(2);
    m_f->fake.enqueue(FakeKiroResponse::inputTooLong());
    RecordingSink sink;
    auto call = m_provider->start(chat(), &sink);
    QTRY_VERIFY(sink.done());
    QVERIFY(sink.error);
    QCOMPARE(sink.error->kind, ProviderErrorKind::ContextTooLong);
    QCOMPARE(m_f->fake.requestCount(QStringLiteral("/generateAssistantResponse")), 1);
}

void TstKiroProvider::invalidTokenRefreshesOnceAndRetries()
{
    addAccounts(1);
    const int refreshesBefore = m_f->fake.refreshCount();
    m_f->fake.enqueue(FakeKiroResponse::bearerTokenInvalid());
    m_f->fake.enqueue(FakeKiroResponse::ok(QStringLiteral("after refresh")));
    RecordingSink sink;
    auto call = m_provider->start(chat(), &sink);
    QTRY_VERIFY(sink.done());
    QVERIFY2(!sink.error, sink.error ? qPrintable(sink.error->message) : "");
    QCOMPARE(sink.text, QStringLiteral("after refresh"));
    QCOMPARE(m_f->fake.refreshCount(), refreshesBefore + 1);
}

void TstKiroProvider::transientErrorRetries()
{
    addAccounts(1);
    m_f->fake.enqueue(FakeKiroResponse::internalError());
    m_f->fake.enqueue(FakeKiroResponse::ok(QStringLiteral("recovered")));
    RecordingSink sink;
    auto call = m_provider->start(chat(), &sink);
    QTRY_VERIFY(sink.done());
    QVERIFY2(!sink.error, sink.error ? qPrintable(sink.error->message) : "");
    QCOMPARE(sink.text, QStringLiteral("recovered"));
}

void TstKiroProvider::dropAfterOutputIsAMidStreamError()
{
    addAccounts(2);
    FakeKiroResponse r;
    r.text(QStringLiteral("partial")).delay(20).dropConnection();
    m_f->fake.enqueue(r);
    m_f->fake.enqueue(FakeKiroResponse::ok(QStringLiteral("must not be used")));
    RecordingSink sink;
    auto call = m_provider->start(chat(), &sink);
    QTRY_VERIFY(sink.done());
    QCOMPARE(sink.starts, 1);
    QCOMPARE(sink.text, QStringLiteral("partial"));
    QVERIFY(sink.error.has_value() || sink.finish == FinishReason::Length);
    QCOMPARE(m_f->fake.requestCount(QStringLiteral("/generateAssistantResponse")), 1);
    QCOMPARE(m_f->pool->status().inFlight, 0);
}

void TstKiroProvider::cancelReleasesSlotAndClosesUpstream()
{
    addAccounts(1);
    FakeKiroResponse r;
    r.text(QStringLiteral("first")).delay(5000).text(QStringLiteral("never")).closing();
    m_f->fake.enqueue(r);
    RecordingSink sink;
    auto call = m_provider->start(chat(), &sink);
    QTRY_COMPARE(sink.text, QStringLiteral("first"));
    QCOMPARE(m_f->pool->status().inFlight, 1);
    QCOMPARE(m_f->fake.inFlight(), 1);
    const int openBefore = m_f->http.openConnectionCount();
    const int idleBefore = m_f->http.idleConnectionCount();
    call.reset();
    QCOMPARE(m_f->pool->status().inFlight, 0);
    QCOMPARE(m_f->pool->status().availableSlots, m_f->pool->status().totalSlots);
    // The upstream connection is closed, not pooled: its state mid-stream is unknown. (The fake itself only
    // notices at its next write, seconds later.)
    QCOMPARE(m_f->http.idleConnectionCount(), idleBefore);
    QCOMPARE(m_f->http.openConnectionCount(), openBefore - 1);
    QCOMPARE(sink.terminals, 0);
}

void TstKiroProvider::concurrencyNeverExceedsSlots()
{
    addAccounts(2); // 2 slots each (fixture default)
    for (int i = 0; i < 12; ++i) {
        FakeKiroResponse r;
        r.delay(30).text(QStringLiteral("r%1").arg(i)).closing(0.01);
        m_f->fake.enqueue(r);
    }
    std::vector<std::unique_ptr<RecordingSink>> sinks;
    std::vector<std::unique_ptr<ProviderCall>> calls;
    for (int i = 0; i < 12; ++i) {
        sinks.push_back(std::make_unique<RecordingSink>());
        calls.push_back(m_provider->start(chat(), sinks.back().get()));
    }
    QTRY_VERIFY_WITH_TIMEOUT(std::all_of(sinks.begin(), sinks.end(), [](const auto &s) { return s->done(); }),
                             15000);
    for (const auto &s : sinks)
        QVERIFY2(!s->error, s->error ? qPrintable(s->error->message) : "");
    QVERIFY(m_f->fake.maxInFlight(QStringLiteral("a0")) <= 2);
    QVERIFY(m_f->fake.maxInFlight(QStringLiteral("a1")) <= 2);
    QCOMPARE(m_f->fake.maxInFlight(), 4);
    const PoolStatus st = m_f->pool->status();
    QCOMPARE(st.inFlight, 0);
    QCOMPARE(st.queued, 0);
    QCOMPARE(st.availableSlots, st.totalSlots);
}

void TstKiroProvider::allAccountsFailingEndsWithUpstreamError()
{
    addAccounts(2);
    m_f->fake.enqueue(FakeKiroResponse::throttled());
    m_f->fake.enqueue(FakeKiroResponse::throttled());
    RecordingSink sink;
    auto call = m_provider->start(chat(), &sink);
    QTRY_VERIFY(sink.done());
    QVERIFY(sink.error);
    QCOMPARE(sink.starts, 0);
    QVERIFY(sink.error->message.contains(QStringLiteral("429"))
            || sink.error->kind == ProviderErrorKind::NoUpstream);
    QCOMPARE(m_f->pool->status().inFlight, 0);
    QCOMPARE(m_f->pool->status().queued, 0);
}

void TstKiroProvider::noAccountsIsNoUpstream()
{
    RecordingSink sink;
    auto call = m_provider->start(chat(), &sink);
    QCOMPARE(sink.terminals, 0);
    QTRY_VERIFY(sink.done());
    QCOMPARE(sink.error->kind, ProviderErrorKind::NoUpstream);
}

void TstKiroProvider::trickledAnswersArriveIntact_data()
{
    QTest::addColumn<quint32>("seed");
    QTest::addColumn<int>("maxPiece");
    QTest::newRow("1-byte pieces") << 1u << 1;
    QTest::newRow("up to 7") << 2u << 7;
    QTest::newRow("up to 37") << 3u << 37;
    QTest::newRow("up to 300") << 4u << 300;
    QTest::newRow("up to 1500") << 5u << 1500;
}

void TstKiroProvider::trickledAnswersArriveIntact()
{
    // A few KB of text in many frames, delivered in random pieces with real pauses: every frame split
    // across reads, the chunk-size lines too. The answer must arrive whole and the account stay healthy.
    QFETCH(quint32, seed);
    QFETCH(int, maxPiece);
    addAccounts(1);
    FakeKiroUpstream::Delivery d;
    d.seed = seed;
    d.maxPieceBytes = maxPiece;
    d.maxPauseMs = maxPiece <= 7 ? 0 : 1; // tiny pieces: yields only, or the row takes seconds
    m_f->fake.setDelivery(d);
    QString expected;
    FakeKiroResponse r;
    const int frames = maxPiece == 1 ? 40 : 120;
    for (int i = 0; i < frames; ++i) {
        const QString word = QStringLiteral("wörd%1 ").arg(i);
        expected += word;
        r.text(word);
    }
    r.closing(0.05, 3.0);
    m_f->fake.enqueue(r);
    const quint64 readsBefore = m_f->http.responseReadCount();
    const qint64 piecesBefore = m_f->fake.piecesWritten();
    RecordingSink sink;
    auto call = m_provider->start(chat(), &sink);
    QTRY_VERIFY_WITH_TIMEOUT(sink.done(), 30000);
    QVERIFY2(!sink.error,
             qPrintable(
                 QStringLiteral("seed %1: %2").arg(seed).arg(sink.error ? sink.error->message : QString())));
    QCOMPARE(sink.text, expected);
    QCOMPARE(sink.usage.credits, 0.05);
    // The gateway really met partial reads: most pieces arrived in reads of their own.
    const quint64 reads = m_f->http.responseReadCount() - readsBefore;
    const qint64 pieces = m_f->fake.piecesWritten() - piecesBefore;
    QVERIFY2(reads > 10 && qint64(reads) * 4 >= pieces,
             qPrintable(QStringLiteral("seed %1: %2 reads for %3 pieces").arg(seed).arg(reads).arg(pieces)));
    QCOMPARE(m_f->pool->account(sink.accountId)->status, AccountStatus::Active);
}

void TstKiroProvider::socialAccountSendsItsProfileArn()
{
    addAccounts(1);
    RecordingSink sink;
    auto call = m_provider->start(chat(), &sink);
    QTRY_VERIFY(sink.done());
    QVERIFY2(!sink.error, qPrintable(sink.error ? sink.error->message : QString()));
    const auto chats = m_f->fake.requests(QStringLiteral("/generateAssistantResponse"));
    QCOMPARE(chats.size(), 1);
    QCOMPARE(QJsonDocument::fromJson(chats[0].body).object().value(QStringLiteral("profileArn")).toString(),
             FakeKiroUpstream::Account().profileArn);
}

void TstKiroProvider::endpointSurvivesARestart()
{
    // The head of the list cannot be reached; the second works.
    const QString base = m_f->fake.baseUrl().toString();
    const QString closed = KiroAccountFixture::localUrl(KiroAccountFixture::closedPort());
    m_f->settings.apiBaseUrls = { closed, base };
    const auto added = m_f->add(m_f->socialAccount(QStringLiteral("s")));
    QVERIFY(added.ok());
    const QString id = added.account->record.id;
    QVERIFY(m_f->stored(id)->apiEndpoint.isEmpty());
    RecordingSink first;
    auto call = m_provider->start(chat(), &first);
    QTRY_VERIFY(first.done());
    QVERIFY2(!first.error, qPrintable(first.error ? first.error->message : QString()));
    QCOMPARE(m_f->manager->account(id)->endpoint, base);
    QTRY_COMPARE(m_f->stored(id)->apiEndpoint, base); // written with the pool state, one loop turn later
    call.reset();

    // A restart starts where the account got through: no move, nothing refused.
    const auto restart = [&] {
        m_provider.reset();
        m_f->stopManager();
        m_f->startManager();
        KiroProvider::Options o;
        o.transientRetryDelayMs = 10;
        m_provider = std::make_unique<KiroProvider>(*m_f->pool, *m_f->manager, m_f->http, m_f->clock,
                                                    m_f->settings, o);
    };
    restart();
    QCOMPARE(m_f->manager->account(id)->endpoint, base);
    QSignalSpy errors(m_provider.get(), &KiroProvider::upstreamError);
    RecordingSink second;
    call = m_provider->start(chat(), &second);
    QTRY_VERIFY(second.done());
    QVERIFY2(!second.error, qPrintable(second.error ? second.error->message : QString()));
    QCOMPARE(errors.count(), 0);
    QCOMPARE(m_f->fake.requestCount(QStringLiteral("/generateAssistantResponse")), 2);
    call.reset();

    // A stored endpoint the configured list no longer has is forgotten: the head of the new list.
    const QString other = base + QStringLiteral("/runtime");
    m_f->settings.apiBaseUrls = { other, closed };
    restart();
    QCOMPARE(m_f->manager->account(id)->endpoint, other);
}

void TstKiroProvider::idcAccountWithoutProfileSendsNone()
{
    FakeKiroUpstream::Account account;
    account.name = QStringLiteral("idc");
    account.refreshToken = QStringLiteral("rt-idc");
    account.clientId = QStringLiteral("client-idc");
    account.clientSecret = QStringLiteral("secret-idc");
    account.profileArn.clear();
    m_f->fake.addAccount(account);
    KiroAccountManager::NewAccount n;
    n.name = account.name;
    n.authMethod = QStringLiteral("idc");
    n.refreshToken = account.refreshToken;
    n.clientId = account.clientId;
    n.clientSecret = account.clientSecret;
    QVERIFY(m_f->add(n).ok());
    RecordingSink sink;
    auto call = m_provider->start(chat(), &sink);
    QTRY_VERIFY(sink.done());
    QVERIFY(!sink.error);
    const auto chats = m_f->fake.requests(QStringLiteral("/generateAssistantResponse"));
    QCOMPARE(chats.size(), 1);
    QVERIFY(!QJsonDocument::fromJson(chats[0].body).object().contains(QStringLiteral("profileArn")));
}

void TstKiroProvider::corruptStreamsDoNotCoolTheAccount()
{
    // A garbled stream is the transport's failure: the request is retried (here on the same, only account)
    // and the account never cools down for it, however often it happens.
    addAccounts(1);
    for (int i = 0; i < 6; ++i) {
        m_f->fake.enqueue(FakeKiroResponse().raw(QByteArray(40, char(0x5a))));
        RecordingSink sink;
        auto call = m_provider->start(chat(), &sink);
        QTRY_VERIFY(sink.done());
        QVERIFY2(!sink.error, qPrintable(sink.error ? sink.error->message : QString()));
        QCOMPARE(sink.text, QStringLiteral("Hello from the fake Kiro upstream."));
    }
    QCOMPARE(m_f->fake.requestCount(QStringLiteral("/generateAssistantResponse")), 12);
    const auto views = m_f->pool->accounts();
    QCOMPARE(views.size(), size_t(1));
    QCOMPARE(views.front().status, AccountStatus::Active);
    QCOMPARE(views.front().cooldownUntilMs, 0);
}

void TstKiroProvider::cutOffToolCallEndsAsLength()
{
    addAccounts(1);
    m_f->fake.enqueue(FakeKiroResponse()
                          .text(QStringLiteral("Checking."))
                          .toolUse(QStringLiteral("t1"), QStringLiteral("get_weather"),
                                   { QStringLiteral("{\"city\"") }, false));
    RecordingSink sink;
    auto call = m_provider->start(chat(), &sink);
    QTRY_VERIFY(sink.done());
    QVERIFY(!sink.error);
    QCOMPARE(*sink.finish, FinishReason::Length);
    QCOMPARE(sink.text, QStringLiteral("Checking."));
    QVERIFY(sink.tools.isEmpty());
    QVERIFY(sink.arguments.isEmpty());
}

void TstKiroProvider::endpointsFallBackAndAreRemembered()
{
    // An endpoint nobody listens on, then the new host (which refuses IdC tokens), then the old host.
    const QString base = m_f->fake.baseUrl().toString();
    const QString closed = KiroAccountFixture::localUrl(KiroAccountFixture::closedPort());
    const QString runtime = base + QStringLiteral("/runtime");
    m_f->settings.apiBaseUrls = { closed, runtime, base };
    const auto social = m_f->add(m_f->socialAccount(QStringLiteral("s")));
    QVERIFY(social.ok());
    const QString socialId = social.account->record.id;
    QCOMPARE(social.account->endpoint, closed);

    RecordingSink first;
    auto call = m_provider->start(chat(), &first);
    QTRY_VERIFY(first.done());
    QVERIFY2(!first.error, qPrintable(first.error ? first.error->message : QString()));
    QCOMPARE(m_f->manager->account(socialId)->endpoint, runtime);
    QCOMPARE(m_f->fake.requestCount(QStringLiteral("/runtime/generateAssistantResponse")), 1);
    QCOMPARE(m_f->poolView(socialId)->status, AccountStatus::Active); // the account did nothing wrong
    QCOMPARE(m_f->poolView(socialId)->lastError, QString());

    // Remembered: the next request goes straight to the endpoint that worked.
    RecordingSink second;
    call = m_provider->start(chat(), &second);
    QTRY_VERIFY(second.done());
    QVERIFY(!second.error);
    QCOMPARE(m_f->fake.requestCount(QStringLiteral("/runtime/generateAssistantResponse")), 2);
    QCOMPARE(m_f->manager->account(socialId)->endpoint, runtime);

    // An IdC account: refused at the new host even with a fresh token, it moves on to the old one.
    QVERIFY(m_f->manager->update(socialId, KiroAccountManager::Changes { {}, {}, false, {} }).ok());
    const auto idc = m_f->add(m_f->idcAccount(QStringLiteral("i")));
    QVERIFY(idc.ok());
    const QString idcId = idc.account->record.id;
    const int refreshes = m_f->fake.refreshCount(QStringLiteral("i"));
    RecordingSink third;
    call = m_provider->start(chat(), &third);
    QTRY_VERIFY(third.done());
    QVERIFY2(!third.error, qPrintable(third.error ? third.error->message : QString()));
    QCOMPARE(third.accountId, idcId);
    QCOMPARE(m_f->manager->account(idcId)->endpoint, base);
    QCOMPARE(m_f->fake.requestCount(QStringLiteral("/runtime/generateAssistantResponse")), 4);
    QCOMPARE(m_f->fake.requestCount(QStringLiteral("/generateAssistantResponse")), 1);
    QCOMPARE(m_f->fake.refreshCount(QStringLiteral("i")), refreshes + 1); // one refresh, then the next host
    QCOMPARE(m_f->poolView(idcId)->status, AccountStatus::Active);

    // A request's own 400 never moves the account.
    m_f->fake.enqueue(FakeKiroResponse::improperlyFormed());
    RecordingSink fourth;
    call = m_provider->start(chat(), &fourth);
    QTRY_VERIFY(fourth.done());
    QVERIFY(fourth.error);
    QCOMPARE(fourth.error->kind, ProviderErrorKind::InvalidRequest);
    QCOMPARE(m_f->manager->account(idcId)->endpoint, base);
}

void TstKiroProvider::defaultEndpointsFollowAuthMethodAndRegion_data()
{
    QTest::addColumn<QString>("authMethod");
    QTest::addColumn<QString>("region");
    QTest::addColumn<QStringList>("expected");
    QTest::newRow("social us-east-1") << QStringLiteral("social") << QStringLiteral("us-east-1")
                                      << QStringList { QStringLiteral("https://runtime.us-east-1.kiro.dev"),
                                                       QStringLiteral("https://q.us-east-1.amazonaws.com") };
    QTest::newRow("idc eu-central-1")
        << QStringLiteral("idc") << QStringLiteral("eu-central-1")
        << QStringList { QStringLiteral("https://q.eu-central-1.amazonaws.com"),
                         QStringLiteral("https://runtime.eu-central-1.kiro.dev") };
    QTest::newRow("social elsewhere")
        << QStringLiteral("social") << QStringLiteral("ap-southeast-1")
        << QStringList { QStringLiteral("https://q.ap-southeast-1.amazonaws.com") };
}

void TstKiroProvider::defaultEndpointsFollowAuthMethodAndRegion()
{
    QFETCH(QString, authMethod);
    QFETCH(QString, region);
    QFETCH(QStringList, expected);
    KiroSettings s;
    QCOMPARE(KiroEndpointList::resolve(s, authMethod, region), expected);
    // kiro.api_base_url is the one-element form of kiro.api_base_urls; the list wins.
    s.apiBaseUrl = QStringLiteral("http://127.0.0.1:9/");
    QCOMPARE(KiroEndpointList::resolve(s, authMethod, region),
             QStringList { QStringLiteral("http://127.0.0.1:9") });
    s.apiBaseUrls = { QStringLiteral("http://127.0.0.1:7"), QStringLiteral("http://127.0.0.1:8") };
    QCOMPARE(KiroEndpointList::resolve(s, authMethod, region), s.apiBaseUrls);
    KiroEndpointList list(KiroEndpointList::resolve(s, authMethod, region));
    QCOMPARE(list.refused(QStringLiteral("http://127.0.0.1:8")),
             QStringLiteral("http://127.0.0.1:7")); // not current
    QCOMPARE(list.refused(QStringLiteral("http://127.0.0.1:7")), QStringLiteral("http://127.0.0.1:8"));
    QCOMPARE(list.refused(QStringLiteral("http://127.0.0.1:8")),
             QStringLiteral("http://127.0.0.1:7")); // wraps
}

namespace {

ChatRequest longChat(int turns)
{
    ChatRequest r = chat(QStringLiteral("NEWEST"));
    std::vector<ChatMessage> history;
    for (int i = 0; i < turns; ++i) {
        ChatMessage q;
        q.role = Role::User;
        q.text = QStringLiteral("OLD-%1 ").arg(i) + QString(4000, u'q');
        ChatMessage a;
        a.role = Role::Assistant;
        a.text = QString(4000, u'a');
        history.push_back(q);
        history.push_back(a);
    }
    r.messages.insert(r.messages.begin(), history.begin(), history.end());
    return r;
}

} // namespace

void TstKiroProvider::longConversationsAreTrimmedToFit()
{
    addAccounts(1);
    m_f->settings.maxRequestBytes = 30'000;
    m_provider
        = std::make_unique<KiroProvider>(*m_f->pool, *m_f->manager, m_f->http, m_f->clock, m_f->settings,
                                         KiroProvider::Options {}); // it keeps a copy of the settings
    RecordingSink sink;
    auto call = m_provider->start(longChat(20), &sink);
    QTRY_VERIFY(sink.done());
    QVERIFY2(!sink.error, qPrintable(sink.error ? sink.error->message : QString()));
    QVERIFY(sink.trimmedMessages > 0);
    const auto chats = m_f->fake.requests(QStringLiteral("/generateAssistantResponse"));
    QCOMPARE(chats.size(), 1);
    QVERIFY(chats[0].body.size() <= 30'000 + 200); // + the account's profileArn, added per attempt
    QVERIFY(chats[0].body.contains("NEWEST"));
    QVERIFY(chats[0].body.contains("OLD-19 "));
    QVERIFY(!chats[0].body.contains("OLD-0 "));
}

void TstKiroProvider::trimmingOffRefusesWithoutCallingKiro()
{
    addAccounts(1);
    m_f->settings.maxRequestBytes = 30'000;
    m_f->settings.trimHistory = false;
    m_provider = std::make_unique<KiroProvider>(*m_f->pool, *m_f->manager, m_f->http, m_f->clock,
                                                m_f->settings, KiroProvider::Options {});
    RecordingSink sink;
    auto call = m_provider->start(longChat(20), &sink);
    QTRY_VERIFY(sink.done());
    QVERIFY(sink.error);
    QCOMPARE(sink.error->kind, ProviderErrorKind::ContextTooLong);
    QCOMPARE(m_f->fake.requestCount(QStringLiteral("/generateAssistantResponse")), 0);
}

void TstKiroProvider::modelsRouteOnlyToAccountsThatHaveThem()
{
    // The first endpoint cannot be reached: the catalog is asked at the next one (chat falls back there too).
    m_f->settings.apiBaseUrls
        = { KiroAccountFixture::localUrl(KiroAccountFixture::closedPort()), m_f->fake.baseUrl().toString() };
    QSignalSpy catalogs(&m_f->manager->quota(), &KiroQuotaTracker::catalogRefreshed);
    QStringList ids;
    for (const auto &[name, tier] :
         { std::pair { QStringLiteral("free"), QStringList { QStringLiteral("claude-sonnet-4.5") } },
           std::pair {
               QStringLiteral("pro"),
               QStringList { QStringLiteral("claude-sonnet-4.5"), QStringLiteral("claude-opus-4.5") } } }) {
        FakeKiroUpstream::Account a;
        a.name = name;
        a.refreshToken = QStringLiteral("rt-") + name;
        a.models = tier;
        m_f->fake.addAccount(a);
        KiroAccountManager::NewAccount n;
        n.name = name;
        n.authMethod = QStringLiteral("social");
        n.refreshToken = a.refreshToken;
        const auto added = m_f->add(n);
        QVERIFY(added.ok());
        ids.append(added.account->record.id);
    }
    QTRY_COMPARE(catalogs.count(), 2);
    QCOMPARE(catalogs.at(0).at(1).toBool(), true);
    QCOMPARE(catalogs.at(1).at(1).toBool(), true);
    QCOMPARE(m_f->fake.requestCount(QStringLiteral("/ListAvailableModels")), 2);
    QCOMPARE(m_f->manager->account(ids[0])->models, QStringList { QStringLiteral("claude-sonnet-4.5") });
    QCOMPARE(m_f->manager->account(ids[1])->models.size(), 2);

    for (int i = 0; i < 4; ++i) {
        ChatRequest r = chat();
        r.upstreamModel = QStringLiteral("claude-opus-4.5");
        RecordingSink sink;
        auto call = m_provider->start(std::move(r), &sink);
        QTRY_VERIFY(sink.done());
        QVERIFY2(!sink.error, qPrintable(sink.error ? sink.error->message : QString()));
        QCOMPARE(sink.accountId, ids[1]);
    }
    // The free account was never asked for a model its tier lacks.
    for (const auto &rec : m_f->fake.requests(QStringLiteral("/generateAssistantResponse")))
        QCOMPARE(rec.account, QStringLiteral("pro"));

    ChatRequest none = chat();
    none.upstreamModel = QStringLiteral("claude-haiku-4.5");
    RecordingSink sink;
    auto call = m_provider->start(std::move(none), &sink);
    QTRY_VERIFY(sink.done());
    QVERIFY(sink.error);
    QCOMPARE(sink.error->kind, ProviderErrorKind::ModelUnavailable);
    QCOMPARE(m_f->fake.requestCount(QStringLiteral("/generateAssistantResponse")), 4);
}

void TstKiroProvider::promptTokensUseTheCatalogsContextWindow()
{
    FakeKiroUpstream::Account a;
    a.name = QStringLiteral("small");
    a.refreshToken = QStringLiteral("rt-small");
    a.models = { QStringLiteral("claude-sonnet-4.5") };
    a.maxInputTokens = 100'000;
    m_f->fake.addAccount(a);
    QSignalSpy catalogs(&m_f->manager->quota(), &KiroQuotaTracker::catalogRefreshed);
    KiroAccountManager::NewAccount n;
    n.name = a.name;
    n.authMethod = QStringLiteral("social");
    n.refreshToken = a.refreshToken;
    QVERIFY(m_f->add(n).ok());
    QTRY_COMPARE(catalogs.count(), 1);

    // 10 % of the tier's 100,000-token window, not of the built-in 200,000.
    m_f->fake.enqueue(FakeKiroResponse::ok(QStringLiteral("Hi"), 0.01, 10.0));
    RecordingSink sink;
    auto call = m_provider->start(chat(), &sink);
    QTRY_VERIFY(sink.done());
    QVERIFY(!sink.error);
    QCOMPARE(sink.usage.promptTokens + sink.usage.completionTokens, 10'000);
}

void TstKiroProvider::promptTokensUseTheBuiltInWindowWithoutCatalog_data()
{
    QTest::addColumn<QString>("requested");
    QTest::addColumn<QString>("upstream");
    QTest::addColumn<int>("window");
    QTest::newRow("200k model") << QStringLiteral("kiro") << QStringLiteral("claude-sonnet-4.5") << 200'000;
    QTest::newRow("1M model") << QStringLiteral("claude-sonnet-4.6") << QStringLiteral("claude-sonnet-4.6")
                              << 1'000'000;
    QTest::newRow("[1m] asked") << QStringLiteral("claude-sonnet-4-5[1m]")
                                << QStringLiteral("claude-sonnet-4.5") << 1'000'000;
    QTest::newRow("[1m] asked, 1M model")
        << QStringLiteral("claude-sonnet-4.6 [1M]") << QStringLiteral("claude-sonnet-4.6") << 1'000'000;
}

void TstKiroProvider::promptTokensUseTheBuiltInWindowWithoutCatalog()
{
    // An account whose catalog is never read: the prompt tokens are the context percentage of the built-in
    // window of the model, or of 1M when the client asked for it.
    QFETCH(QString, requested);
    QFETCH(QString, upstream);
    QFETCH(int, window);
    FakeKiroUpstream::Account a;
    a.name = QStringLiteral("old");
    a.refreshToken = QStringLiteral("rt-old");
    a.models = {};
    m_f->fake.addAccount(a);
    QSignalSpy catalogs(&m_f->manager->quota(), &KiroQuotaTracker::catalogRefreshed);
    KiroAccountManager::NewAccount n;
    n.name = a.name;
    n.authMethod = QStringLiteral("social");
    n.refreshToken = a.refreshToken;
    QVERIFY(m_f->add(n).ok());
    QTRY_COMPARE(catalogs.count(), 1);

    m_f->fake.enqueue(FakeKiroResponse::ok(QStringLiteral("Hi"), 0.01, 10.0));
    ChatRequest request = chat();
    request.requestedModel = requested;
    request.upstreamModel = upstream;
    RecordingSink sink;
    auto call = m_provider->start(request, &sink);
    QTRY_VERIFY(sink.done());
    QVERIFY(!sink.error);
    QCOMPARE(sink.usage.promptTokens + sink.usage.completionTokens, window / 10);
}

void TstKiroProvider::availableModelsAreTheUnionOfTheCatalogs()
{
    // No account yet: kiro.models.
    QCOMPARE(m_f->manager->availableModels(), m_f->settings.models);
    QSignalSpy changed(m_f->manager.get(), &KiroAccountManager::modelsChanged);
    QSignalSpy catalogs(&m_f->manager->quota(), &KiroQuotaTracker::catalogRefreshed);
    QHash<QString, QString> ids;
    // "pro" has a model kiro.models lacks; "old" is served where ListAvailableModels is not (its catalog is
    // never read, so it stands for kiro.models).
    for (const auto &[name, tier] : { std::pair { QStringLiteral("pro"),
                                                  QStringList { QStringLiteral("qwen3-coder-480b"),
                                                                QStringLiteral("claude-sonnet-4.5") } },
                                      std::pair { QStringLiteral("old"), QStringList {} } }) {
        FakeKiroUpstream::Account a;
        a.name = name;
        a.refreshToken = QStringLiteral("rt-") + name;
        a.models = tier;
        m_f->fake.addAccount(a);
        KiroAccountManager::NewAccount n;
        n.name = name;
        n.authMethod = QStringLiteral("social");
        n.refreshToken = a.refreshToken;
        const auto added = m_f->add(n);
        QVERIFY(added.ok());
        ids.insert(name, added.account->record.id);
    }
    QTRY_COMPARE(catalogs.count(), 2);
    QCOMPARE(m_f->manager->account(ids[QStringLiteral("old")])->models, m_f->settings.models);
    // kiro.models' order first, then the others by name; each once.
    QCOMPARE(m_f->manager->availableModels(),
             m_f->settings.models + QStringList { QStringLiteral("qwen3-coder-480b") });
    QVERIFY(changed.count() >= 3); // two accounts added, pro's catalog read

    changed.clear();
    QVERIFY(m_f->manager->remove(ids[QStringLiteral("old")]).ok());
    QCOMPARE(changed.count(), 1);
    QCOMPARE(m_f->manager->availableModels(),
             (QStringList { QStringLiteral("claude-sonnet-4.5"), QStringLiteral("qwen3-coder-480b") }));

    // pro's tier changes; the next catalog read tells, and says so.
    FakeKiroUpstream::Account pro;
    pro.name = QStringLiteral("pro");
    pro.refreshToken = QStringLiteral("rt-pro");
    pro.models = QStringList { QStringLiteral("claude-opus-4.5") };
    m_f->fake.addAccount(pro);
    changed.clear();
    m_f->clock.advanceMs(KiroAccountManager::Options {}.catalogRefreshIntervalMs + 1);
    m_f->manager->poll();
    QTRY_COMPARE(changed.count(), 1);
    QCOMPARE(m_f->manager->availableModels(), QStringList { QStringLiteral("claude-opus-4.5") });
}

void TstKiroProvider::reasoningUsesTheFieldsTheCatalogAdvertises()
{
    QSignalSpy catalogs(&m_f->manager->quota(), &KiroQuotaTracker::catalogRefreshed);
    FakeKiroUpstream::Account a;
    a.name = QStringLiteral("a0");
    a.refreshToken = QStringLiteral("rt-a0");
    a.models = QStringList { QStringLiteral("claude-sonnet-4.5") };
    a.requestFieldsSchema
        = QJsonDocument::fromJson(
              R"({"type":"object","properties":{"thinking":{"type":"object","properties":{"type":)"
              R"({"type":"string","enum":["adaptive","disabled"]}}},"output_config":{"type":"object",)"
              R"("properties":{"effort":{"type":"string","enum":["low","medium","high","max"]}}}}})")
              .object();
    m_f->fake.addAccount(a);
    KiroAccountManager::NewAccount n;
    n.name = a.name;
    n.authMethod = QStringLiteral("social");
    n.refreshToken = a.refreshToken;
    QVERIFY(m_f->add(n).ok());
    QTRY_COMPARE(catalogs.count(), 1);

    // Reasoning asked for (OpenAI "high" = a 24,000 budget): the model's own fields, no prompt emulation.
    ChatRequest thinking = chat();
    thinking.thinking = true;
    thinking.thinkingBudgetTokens = 24000;
    m_f->fake.enqueue(FakeKiroResponse::ok(QStringLiteral("4"), 0.01, 1.0));
    RecordingSink sink;
    auto call = m_provider->start(thinking, &sink);
    QTRY_VERIFY(sink.done());
    QVERIFY2(!sink.error, qPrintable(sink.error ? sink.error->message : QString()));
    // Without reasoning, nothing is added.
    m_f->fake.enqueue(FakeKiroResponse::ok(QStringLiteral("4"), 0.01, 1.0));
    RecordingSink plainSink;
    auto plainCall = m_provider->start(chat(), &plainSink);
    QTRY_VERIFY(plainSink.done());
    QVERIFY(!plainSink.error);

    const auto chats = m_f->fake.requests(QStringLiteral("/generateAssistantResponse"));
    QCOMPARE(chats.size(), 2);
    const QJsonObject body = QJsonDocument::fromJson(chats[0].body).object();
    QCOMPARE(QJsonDocument(body.value(QStringLiteral("additionalModelRequestFields")).toObject())
                 .toJson(QJsonDocument::Compact),
             QByteArray(R"({"output_config":{"effort":"high"},"thinking":{"type":"adaptive"}})"));
    QCOMPARE(body.value(QStringLiteral("profileArn")).toString(), a.profileArn);
    QVERIFY(!chats[0].body.contains("thinking_mode"));
    QVERIFY(!QJsonDocument::fromJson(chats[1].body)
                 .object()
                 .contains(QStringLiteral("additionalModelRequestFields")));
}

void TstKiroProvider::chatHeadersAreTheFingerprintsThenTheCallsThenAuthorization()
{
    // KiroProvider keeps each account's fingerprint fields and credential as one block (issue 18). What a
    // call sends must still be, in this order, KiroFingerprint::chatHeaders() of its account's machine id
    // and the call's invocation id, then Authorization with the account's token of the moment: across
    // accounts, and after a token refresh.
    addAccounts(3);
    // Fresh tokens are handed over synchronously; a forced refresh answers later.
    const auto askContext = [this](const QString &id, bool refresh, std::optional<KiroAccountContext> &out) {
        m_f->manager->accessToken(id, refresh, this, [&out](const KiroAccountContext *c, const QString &) {
            if (c)
                out = *c;
        });
    };
    std::vector<KiroAccountContext> sent;
    const auto call = [&] {
        m_f->fake.enqueue(FakeKiroResponse::ok(QStringLiteral("hi"), 0.1, 1.0));
        RecordingSink sink;
        auto running = m_provider->start(chat(), &sink);
        QTRY_VERIFY(sink.done());
        QVERIFY(!sink.error);
        std::optional<KiroAccountContext> c;
        askContext(sink.accountId, false, c);
        QVERIFY(c.has_value());
        sent.push_back(*c);
    };
    for (int i = 0; i < 6; ++i)
        call();
    const QString refreshed = sent.back().accountId;
    const QString before = sent.back().accessToken;
    std::optional<KiroAccountContext> renewed;
    askContext(refreshed, true, renewed);
    QTRY_VERIFY(renewed.has_value());
    QCOMPARE_NE(renewed->accessToken, before);
    for (int i = 0; i < 6; ++i)
        call();

    QList<FakeKiroUpstream::RecordedRequest> chats;
    for (const auto &r : m_f->fake.requests()) {
        if (r.path.endsWith(QStringLiteral("/generateAssistantResponse")))
            chats.append(r);
    }
    QCOMPARE(chats.size(), qsizetype(sent.size()));
    QSet<QString> accounts;
    bool sawNewToken = false;
    for (qsizetype i = 0; i < chats.size(); ++i) {
        const KiroAccountContext &c = sent[size_t(i)];
        QVERIFY(!c.machineId.isEmpty());
        accounts.insert(c.accountId);
        sawNewToken = sawNewToken || (c.accountId == refreshed && c.accessToken != before);
        KiroFingerprint fp;
        fp.machineId = c.machineId;
        const QString invocation = QString::fromLatin1(chats[i].header("amz-sdk-invocation-id"));
        QVERIFY(!invocation.isEmpty());
        KiroHeaderList expected = fp.chatHeaders(invocation, 1, KiroProvider::Options {}.maxAttempts);
        expected.append({ QByteArrayLiteral("authorization"), "Bearer " + c.accessToken.toUtf8() });
        // The transport's own fields (host, content-length, ...) aside, the same fields in the same order.
        QSet<QByteArray> names;
        for (const auto &field : expected)
            names.insert(field.first.toLower());
        KiroHeaderList got;
        for (const auto &field : chats[i].headers) {
            if (names.contains(field.first))
                got.append(field);
        }
        QCOMPARE(got, expected);
    }
    QCOMPARE(accounts.size(), 3);
    QVERIFY(sawNewToken);
}

void TstKiroProvider::builtInWindowIsEachModelsOwn()
{
    // KiroProvider remembers the built-in window per model id (issue 18): one provider serving models of
    // both windows, in any case, with and without [1m], gives each request its model's window, as
    // KiroModels::contextWindow() says.
    FakeKiroUpstream::Account a;
    a.name = QStringLiteral("old");
    a.refreshToken = QStringLiteral("rt-old");
    a.models = {};
    m_f->fake.addAccount(a);
    QSignalSpy catalogs(&m_f->manager->quota(), &KiroQuotaTracker::catalogRefreshed);
    KiroAccountManager::NewAccount n;
    n.name = a.name;
    n.authMethod = QStringLiteral("social");
    n.refreshToken = a.refreshToken;
    QVERIFY(m_f->add(n).ok());
    QTRY_COMPARE(catalogs.count(), 1);
    const QList<std::pair<QString, QString>> requests = {
        { QStringLiteral("kiro"), QStringLiteral("claude-sonnet-4.5") },
        { QStringLiteral("claude-sonnet-4.6"), QStringLiteral("claude-sonnet-4.6") },
        { QStringLiteral("kiro"), QStringLiteral("claude-sonnet-4.5") },
        { QStringLiteral("claude-sonnet-4-5[1m]"), QStringLiteral("claude-sonnet-4.5") },
        { QStringLiteral("kiro"), QStringLiteral("CLAUDE-Opus-4.7") },
        { QStringLiteral("kiro"), QStringLiteral("claude-sonnet-4.5") },
        { QStringLiteral("claude-sonnet-4.6"), QStringLiteral("claude-sonnet-4.6") },
    };
    for (const auto &[requested, upstream] : requests) {
        m_f->fake.enqueue(FakeKiroResponse::ok(QStringLiteral("Hi"), 0.01, 10.0));
        ChatRequest request = chat();
        request.requestedModel = requested;
        request.upstreamModel = upstream;
        RecordingSink sink;
        auto call = m_provider->start(request, &sink);
        QTRY_VERIFY(sink.done());
        QVERIFY(!sink.error);
        const int window = KiroModels::contextWindow(upstream, KiroModels::requestsLargeContext(requested));
        QVERIFY2(sink.usage.promptTokens + sink.usage.completionTokens == window / 10,
                 qPrintable(requested + u' ' + upstream));
    }
}

QTEST_GUILESS_MAIN(TstKiroProvider)
#include "tst_kiroprovider.moc"
