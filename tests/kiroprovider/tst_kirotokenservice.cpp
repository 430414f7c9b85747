// SPDX-License-Identifier: MIT
#include <QtTest>

#include <memory>

#include "server/core/accountpool.h"
#include "server/kiroprovider/kirotokenservice.h"
#include "tests/kiroprovider/scriptedaccountupstream.h"
#include "tests/support/fakeclock.h"

using namespace Drawbridge;
using Test::FakeClock;
using Test::ScriptedAccountUpstream;
using Failure = KiroAccountUpstream::Failure;

namespace {

constexpr qint64 minute = 60'000;
const QString acc = QStringLiteral("acc1");

/** What one request() delivered, and whether it came back before request() returned. */
struct Answer
{
    bool delivered = false;
    bool synchronous = false;
    QString token;
    QString error;
};

} // namespace

/**
 * KiroTokenService alone, against a scripted upstream and a FakeClock: every refresh is answered by the test,
 * so single flight, rotation and back-off are checked without HTTP and without waiting.
 */
class TstKiroTokenService : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void freshTokenIsServedSynchronously();
    void concurrentRequestsShareOneRefresh();
    void refreshAheadOfExpiryRunsInTheBackground();
    void rotatedRefreshTokenIsAnnouncedAndUsedNext();
    void rejectedRefreshMeansNeedsLogin();
    void backoffDoublesUpToTheCap_data();
    void backoffDoublesUpToTheCap();
    void earlyRefreshFailureKeepsServingTheOldToken();
    void forcedRefreshDistrustsTheCachedToken();
    void requestsWaitForCredentials();
    void missingCredentialsMeanNeedsLogin();
    void unreadableKeychainBacksOff();
    void forgetCancelsTheRefreshAndFailsWaiters();

private:
    std::shared_ptr<Answer> ask(bool force = false);
    KiroTokenService::Credentials credentials(const QString &refreshToken = QStringLiteral("rt-1")) const;

    std::unique_ptr<FakeClock> m_clock;
    std::unique_ptr<ScriptedAccountUpstream> m_upstream;
    std::unique_ptr<AccountPool> m_pool;
    std::unique_ptr<KiroTokenService> m_tokens;
};

void TstKiroTokenService::init()
{
    m_clock = std::make_unique<FakeClock>();
    m_upstream = std::make_unique<ScriptedAccountUpstream>();
    m_pool = std::make_unique<AccountPool>(*m_clock, AccountPool::Options {});
    m_pool->upsertAccount(acc, 2, 0, true);
    m_tokens
        = std::make_unique<KiroTokenService>(*m_upstream, *m_pool, *m_clock, KiroTokenService::Options {});
    m_tokens->track(acc);
}

void TstKiroTokenService::cleanup()
{
    m_tokens.reset();
    m_pool.reset();
    m_upstream.reset();
    m_clock.reset();
}

KiroTokenService::Credentials TstKiroTokenService::credentials(const QString &refreshToken) const
{
    KiroTokenService::Credentials c;
    c.authMethod = QStringLiteral("social");
    c.refreshToken = refreshToken;
    c.authBaseUrl = QStringLiteral("http://127.0.0.1:1");
    c.fingerprint.machineId = QString(64, u'a');
    return c;
}

std::shared_ptr<Answer> TstKiroTokenService::ask(bool force)
{
    auto answer = std::make_shared<Answer>();
    // Shared, not a reference to a local: an asynchronous answer arrives after ask() has returned.
    auto returned = std::make_shared<bool>(false);
    m_tokens->request(acc, force, nullptr, [answer, returned](const QString &token, const QString &error) {
        answer->delivered = true;
        answer->synchronous = !*returned;
        answer->token = token;
        answer->error = error;
    });
    *returned = true;
    return answer;
}

void TstKiroTokenService::freshTokenIsServedSynchronously()
{
    m_tokens->setCredentials(acc, credentials(), QStringLiteral("at-cached"), m_clock->nowMs() + 60 * minute);
    const auto a = ask();
    QVERIFY(a->delivered && a->synchronous);
    QCOMPARE(a->token, QStringLiteral("at-cached"));
    QCOMPARE(m_upstream->refreshes.size(), size_t(0));
}

void TstKiroTokenService::concurrentRequestsShareOneRefresh()
{
    QSignalSpy changed(m_tokens.get(), &KiroTokenService::accessTokenChanged);
    m_tokens->setCredentials(acc, credentials(), {}, 0);
    const auto a = ask();
    const auto b = ask();
    const auto c = ask(true);
    QVERIFY(!a->delivered && !b->delivered && !c->delivered);
    QCOMPARE(m_upstream->openRefreshes(), 1);
    QCOMPARE(m_upstream->refreshes[0].input.refreshToken, QStringLiteral("rt-1"));
    QVERIFY(m_tokens->isRefreshing(acc));

    QVERIFY(m_upstream->answerRefresh(ScriptedAccountUpstream::tokens(QStringLiteral("at-new"))));
    for (const auto &x : { a, b, c }) {
        QVERIFY(x->delivered);
        QCOMPARE(x->token, QStringLiteral("at-new"));
        QVERIFY(x->error.isEmpty());
    }
    QCOMPARE(changed.count(), 1);
    QCOMPARE(changed.at(0).at(2).toLongLong(), m_clock->nowMs() + 3600 * 1000);
    QCOMPARE(m_upstream->refreshes.size(), size_t(1));
    QVERIFY(!m_tokens->isRefreshing(acc));
}

void TstKiroTokenService::refreshAheadOfExpiryRunsInTheBackground()
{
    m_tokens->setCredentials(acc, credentials(), QStringLiteral("at-old"), m_clock->nowMs() + 4 * minute);
    const auto a = ask();
    QVERIFY(a->synchronous);
    QCOMPARE(a->token, QStringLiteral("at-old"));
    QCOMPARE(m_upstream->openRefreshes(), 1); // started behind the answer
    const auto b = ask();
    QVERIFY(b->synchronous); // the old token still serves while the refresh runs
    QCOMPARE(m_upstream->openRefreshes(), 1);
    QVERIFY(m_upstream->answerRefresh(ScriptedAccountUpstream::tokens(QStringLiteral("at-new"))));
    QCOMPARE(ask()->token, QStringLiteral("at-new"));

    // A token within a minute of expiry is never handed out: the request waits for the refresh.
    m_clock->advanceMs(60 * minute - 30'000);
    const auto c = ask();
    QVERIFY(!c->delivered);
    QVERIFY(m_upstream->answerRefresh(ScriptedAccountUpstream::tokens(QStringLiteral("at-3"))));
    QCOMPARE(c->token, QStringLiteral("at-3"));
}

void TstKiroTokenService::rotatedRefreshTokenIsAnnouncedAndUsedNext()
{
    QSignalSpy rotated(m_tokens.get(), &KiroTokenService::refreshTokenRotated);
    QSignalSpy arn(m_tokens.get(), &KiroTokenService::profileArnReceived);
    m_tokens->setCredentials(acc, credentials(), {}, 0);
    ask();
    QVERIFY(m_upstream->answerRefresh(ScriptedAccountUpstream::tokens(
        QStringLiteral("at-1"), 600, QStringLiteral("rt-2"), QStringLiteral("arn:aws:codewhisperer:x"))));
    QCOMPARE(rotated.count(), 1);
    QCOMPARE(rotated.at(0).at(1).toString(), QStringLiteral("rt-2"));
    QCOMPARE(arn.count(), 1);

    // The same token again is no rotation.
    m_clock->advanceMs(10 * minute);
    m_tokens->poll(acc);
    QCOMPARE(m_upstream->refreshes.size(), size_t(2));
    QCOMPARE(m_upstream->refreshes[1].input.refreshToken, QStringLiteral("rt-2"));
    QVERIFY(m_upstream->answerRefresh(
        ScriptedAccountUpstream::tokens(QStringLiteral("at-2"), 600, QStringLiteral("rt-2"))));
    QCOMPARE(rotated.count(), 1);
}

void TstKiroTokenService::rejectedRefreshMeansNeedsLogin()
{
    QSignalSpy dropped(m_tokens.get(), &KiroTokenService::accessTokenDropped);
    QSignalSpy finished(m_tokens.get(), &KiroTokenService::refreshFinished);
    m_tokens->setCredentials(acc, credentials(), {}, 0);
    const auto a = ask();
    QVERIFY(m_upstream->answerRefresh(
        ScriptedAccountUpstream::failure(Failure::Rejected, QStringLiteral("invalid_grant"))));
    QVERIFY(a->delivered);
    QVERIFY(a->token.isEmpty());
    QVERIFY2(a->error.contains(QStringLiteral("log in")), qPrintable(a->error));
    QCOMPARE(m_pool->account(acc)->status, AccountStatus::NeedsLogin);
    QCOMPARE(dropped.count(), 1);
    QCOMPARE(finished.at(0).at(1).value<KiroTokenService::RefreshOutcome>(),
             KiroTokenService::RefreshOutcome::Rejected);

    // Nobody asks the auth service again, and later requests fail asynchronously.
    m_clock->advanceMs(120 * minute);
    m_tokens->poll(acc);
    const auto b = ask();
    QVERIFY(!b->delivered);
    QTRY_VERIFY(b->delivered);
    QVERIFY(!b->error.isEmpty());
    QCOMPARE(m_upstream->refreshes.size(), size_t(1));
}

void TstKiroTokenService::backoffDoublesUpToTheCap_data()
{
    QTest::addColumn<int>("failures");
    QTest::addColumn<qint64>("retryAfterMs");
    QTest::newRow("first") << 1 << qint64(30'000);
    QTest::newRow("second") << 2 << qint64(60'000);
    QTest::newRow("fourth") << 4 << qint64(240'000);
    QTest::newRow("capped") << 8 << qint64(15 * minute);
}

void TstKiroTokenService::backoffDoublesUpToTheCap()
{
    QFETCH(int, failures);
    QFETCH(qint64, retryAfterMs);
    m_tokens->setCredentials(acc, credentials(), {}, 0);
    ask();
    for (int i = 1; i <= failures; ++i) {
        QCOMPARE(m_upstream->openRefreshes(), 1);
        QVERIFY(m_upstream->answerRefresh(
            ScriptedAccountUpstream::failure(Failure::Transient, QStringLiteral("503"))));
        QCOMPARE(m_pool->account(acc)->status, AccountStatus::Error);
        const qint64 retryAt = m_tokens->retryAtMs(acc);
        if (i == failures)
            QCOMPARE(retryAt - m_clock->nowMs(), retryAfterMs);
        // Not a moment early; exactly on time.
        m_clock->setNowMs(retryAt - 1);
        m_tokens->poll(acc);
        QCOMPARE(m_upstream->openRefreshes(), 0);
        m_clock->setNowMs(retryAt);
        m_tokens->poll(acc);
    }
    QCOMPARE(m_upstream->openRefreshes(), 1);
    QVERIFY(m_upstream->answerRefresh(ScriptedAccountUpstream::tokens(QStringLiteral("at-ok"))));
    QCOMPARE(m_pool->account(acc)->status, AccountStatus::Active);
    QCOMPARE(m_tokens->retryAtMs(acc), 0);
    QCOMPARE(ask()->token, QStringLiteral("at-ok"));
}

void TstKiroTokenService::earlyRefreshFailureKeepsServingTheOldToken()
{
    m_tokens->setCredentials(acc, credentials(), QStringLiteral("at-old"), m_clock->nowMs() + 4 * minute);
    QCOMPARE(ask()->token, QStringLiteral("at-old"));
    QVERIFY(m_upstream->answerRefresh(
        ScriptedAccountUpstream::failure(Failure::Transient, QStringLiteral("timeout"))));
    QCOMPARE(m_pool->account(acc)->status, AccountStatus::Active);
    const auto a = ask();
    QVERIFY(a->synchronous);
    QCOMPARE(a->token, QStringLiteral("at-old"));
    QCOMPARE(m_upstream->openRefreshes(), 0); // the retry waits for its time
    QVERIFY(m_tokens->retryAtMs(acc) > m_clock->nowMs());
}

void TstKiroTokenService::forcedRefreshDistrustsTheCachedToken()
{
    m_tokens->setCredentials(acc, credentials(), QStringLiteral("at-old"), m_clock->nowMs() + 60 * minute);
    const auto a = ask(true);
    QVERIFY(!a->delivered);
    QVERIFY(m_upstream->answerRefresh(
        ScriptedAccountUpstream::failure(Failure::Transient, QStringLiteral("down"))));
    QVERIFY(a->delivered);
    QVERIFY(a->token.isEmpty());
    QVERIFY(!a->error.isEmpty());
    // The upstream called the token invalid: it is not served again, even though it has not expired.
    QCOMPARE(m_pool->account(acc)->status, AccountStatus::Error);
    QVERIFY(!ask()->synchronous);
}

void TstKiroTokenService::requestsWaitForCredentials()
{
    const auto a = ask();
    QVERIFY(!a->delivered);
    QCOMPARE(m_upstream->openRefreshes(), 0); // nothing to refresh with yet
    m_tokens->setCredentials(acc, credentials(), QStringLiteral("at-kept"), m_clock->nowMs() + 60 * minute);
    QVERIFY(a->delivered);
    QCOMPARE(a->token, QStringLiteral("at-kept"));
    QCOMPARE(m_upstream->refreshes.size(), size_t(0));
}

void TstKiroTokenService::missingCredentialsMeanNeedsLogin()
{
    const auto a = ask();
    KiroTokenService::Credentials c = credentials();
    c.authMethod = QStringLiteral("idc"); // without its client id and secret
    m_tokens->setCredentials(acc, c, {}, 0);
    QVERIFY(a->delivered);
    QVERIFY(!a->error.isEmpty());
    QCOMPARE(m_pool->account(acc)->status, AccountStatus::NeedsLogin);
    QCOMPARE(m_upstream->refreshes.size(), size_t(0));
}

void TstKiroTokenService::unreadableKeychainBacksOff()
{
    const auto a = ask();
    const qint64 first = m_tokens->setUnavailable(acc, QStringLiteral("keychain locked"));
    QCOMPARE(first - m_clock->nowMs(), qint64(30'000));
    QVERIFY(a->delivered);
    QCOMPARE(a->error, QStringLiteral("keychain locked"));
    QCOMPARE(m_pool->account(acc)->status, AccountStatus::Error);
    QVERIFY(m_tokens->isUnavailable(acc));
    m_tokens->track(acc);
    QCOMPARE(m_tokens->setUnavailable(acc, QStringLiteral("still locked")) - m_clock->nowMs(),
             qint64(60'000));
    // Readable at last: the account proves itself with a refresh at once.
    m_tokens->track(acc);
    m_tokens->setCredentials(acc, credentials(), {}, 0);
    m_tokens->poll(acc);
    QCOMPARE(m_upstream->openRefreshes(), 1);
    QVERIFY(m_upstream->answerRefresh(ScriptedAccountUpstream::tokens(QStringLiteral("at"))));
    QCOMPARE(m_pool->account(acc)->status, AccountStatus::Active);
}

void TstKiroTokenService::forgetCancelsTheRefreshAndFailsWaiters()
{
    m_tokens->setCredentials(acc, credentials(), {}, 0);
    const auto a = ask();
    QCOMPARE(m_upstream->openRefreshes(), 1);
    m_tokens->forget(acc, QStringLiteral("Account acc1 was removed."));
    QCOMPARE(m_upstream->openRefreshes(), 0);
    QVERIFY(*m_upstream->refreshes[0].cancelled);
    QVERIFY(!a->delivered); // never from inside forget()
    QTRY_VERIFY(a->delivered);
    QCOMPARE(a->error, QStringLiteral("Account acc1 was removed."));
    const auto b = ask();
    QTRY_VERIFY(b->delivered);
    QVERIFY(b->error.contains(QStringLiteral("Unknown")));
}

QTEST_GUILESS_MAIN(TstKiroTokenService)
#include "tst_kirotokenservice.moc"
