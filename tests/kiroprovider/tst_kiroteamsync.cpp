// SPDX-License-Identifier: MIT
#include <QSignalSpy>
#include <QtTest>

#include "server/storage/changefeed.h"
#include "server/storage/database.h"
#include "server/storage/postgresurl.h"
#include "tests/kiroprovider/kiroaccountfixture.h"
#include "tests/support/resulttext.h"

using namespace Drawbridge;

/**
 * Two instances of a team on one real PostgreSQL database (always: this test runs there), each with its own
 * connections, repository, pool and account manager, the second following the first through the change feed
 * exactly as Application wires it: accounts added, edited and removed on #1 and the pool states #1 finds
 * (cooldown, quota, needs login, suspended, active again) show on #2 without a restart.
 */
class TstKiroTeamSync : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();
    void accountAddedOnOneServesOnTheOther();
    void statesFoundByOneHoldOnTheOther();
    void adoptedStatesAreNotWrittenBack();
    void editsAndRemovalsFollow();

private:
    /** #2's view of @p id, or nullopt. */
    std::optional<AccountPool::AccountView> secondView(const QString &id) const
    {
        return m_pool2->account(id);
    }
    QString addOnFirst(const QString &name);

    std::unique_ptr<Test::KiroAccountFixture> m_fx; ///< #1 (and the fake, the clock, the secrets)
    std::unique_ptr<Database> m_db2;
    std::unique_ptr<AccountRepository> m_repo2;
    std::unique_ptr<AccountPool> m_pool2;
    std::unique_ptr<KiroAccountManager> m_manager2;
    std::unique_ptr<ChangeFeed> m_feed2;
};

void TstKiroTeamSync::initTestCase()
{
    QVERIFY2(Test::TempDatabase::postgresRequested(), "run with DRAWBRIDGE_TEST_DATABASE=postgresql");
}

void TstKiroTeamSync::init()
{
    m_fx = std::make_unique<Test::KiroAccountFixture>();
    QVERIFY2(m_fx->isValid(), qPrintable(m_fx->errorString()));
    m_fx->startManager();
    QVERIFY2(m_fx->isValid(), qPrintable(m_fx->errorString()));
    auto url = PostgresUrl::parse(m_fx->db.url());
    DRAWBRIDGE_VERIFY_OK(url);
    auto db2 = Database::openPostgres(*url);
    DRAWBRIDGE_VERIFY_OK(db2);
    m_db2 = std::move(*db2);
    m_repo2 = std::make_unique<AccountRepository>(*m_db2, m_fx->clock);
    m_pool2 = std::make_unique<AccountPool>(m_fx->clock, AccountPool::Options {});
    // The secrets store stands for the shared `secrets` table: both instances read the same values.
    m_manager2
        = std::make_unique<KiroAccountManager>(m_fx->settings, *m_repo2, m_fx->secrets, *m_pool2, m_fx->http,
                                               m_fx->clock, Test::KiroAccountFixture::defaultOptions());
    DRAWBRIDGE_VERIFY_OK(m_manager2->start());
    m_feed2 = std::make_unique<ChangeFeed>(*m_db2);
    DRAWBRIDGE_VERIFY_OK(m_feed2->subscribe(ChangeFeed::accountsChannel()));
    connect(m_feed2.get(), &ChangeFeed::changed, m_manager2.get(),
            [this](const QString &channel, const QString &id) {
                if (channel == ChangeFeed::accountsChannel())
                    m_manager2->syncStored(id);
            });
}

void TstKiroTeamSync::cleanup()
{
    m_feed2.reset();
    m_manager2.reset();
    m_pool2.reset();
    m_repo2.reset();
    m_db2.reset();
    m_fx.reset();
}

QString TstKiroTeamSync::addOnFirst(const QString &name)
{
    const auto outcome = m_fx->add(m_fx->socialAccount(name));
    if (!outcome.ok())
        return {};
    return outcome.account->record.id;
}

void TstKiroTeamSync::accountAddedOnOneServesOnTheOther()
{
    QVERIFY(m_manager2->accounts().empty());
    const QString id = addOnFirst(QStringLiteral("alice"));
    QVERIFY(!id.isEmpty());
    QTRY_VERIFY_WITH_TIMEOUT(secondView(id).has_value(), 5000);
    QCOMPARE(secondView(id)->status, AccountStatus::Active);
    QCOMPARE(secondView(id)->slots, 2);
    QCOMPARE(m_manager2->account(id)->record.name, QStringLiteral("alice"));
    // #2 read the secrets #1 stored and talks to Kiro as the account.
    bool done = false;
    QString token;
    m_manager2->accessToken(id, false, nullptr, [&](const KiroAccountContext *ctx, const QString &) {
        done = true;
        token = ctx ? ctx->accessToken : QString();
    });
    QTRY_VERIFY_WITH_TIMEOUT(done, 5000);
    QVERIFY2(!token.isEmpty(), "#2 has no access token for the account #1 added");
}

void TstKiroTeamSync::statesFoundByOneHoldOnTheOther()
{
    const QString id = addOnFirst(QStringLiteral("bob"));
    QVERIFY(!id.isEmpty());
    QTRY_VERIFY_WITH_TIMEOUT(secondView(id).has_value(), 5000);

    m_fx->pool->markThrottled(id, false, QStringLiteral("Too many requests"));
    const qint64 until = m_fx->pool->account(id)->cooldownUntilMs;
    QVERIFY(until > m_fx->clock.nowMs());
    QTRY_COMPARE_WITH_TIMEOUT(secondView(id)->status, AccountStatus::CoolingDown, 1000);
    QCOMPARE(secondView(id)->cooldownUntilMs, until);
    QCOMPARE(secondView(id)->lastError, QStringLiteral("Too many requests"));
    // #2 serves nothing on it meanwhile, and is back when the cooldown ends (its own clock).
    auto refused = m_pool2->acquire({}, [](SlotLease, std::optional<ProviderError>) {});
    QVERIFY(!refused.lease);
    refused.ticket.reset();

    m_fx->pool->markQuotaExhausted(id, until + 3'600'000, QStringLiteral("Monthly limit reached"));
    QTRY_COMPARE_WITH_TIMEOUT(secondView(id)->status, AccountStatus::QuotaExhausted, 1000);
    QCOMPARE(secondView(id)->cooldownUntilMs, until + 3'600'000);

    m_fx->pool->markSuspended(id, QStringLiteral("Account suspended"));
    QTRY_COMPARE_WITH_TIMEOUT(secondView(id)->status, AccountStatus::Suspended, 1000);

    m_fx->pool->markNeedsLogin(id, QStringLiteral("The refresh token was rejected"));
    QTRY_COMPARE_WITH_TIMEOUT(secondView(id)->status, AccountStatus::NeedsLogin, 1000);
    QCOMPARE(secondView(id)->lastError, QStringLiteral("The refresh token was rejected"));

    m_fx->pool->markActive(id);
    QTRY_COMPARE_WITH_TIMEOUT(secondView(id)->status, AccountStatus::Active, 1000);
    auto served = m_pool2->acquire({}, [](SlotLease, std::optional<ProviderError>) {});
    QVERIFY(served.lease);

    // The other way round too: #1 follows what #2 finds once #1 listens as well.
    ChangeFeed feed1(m_fx->db.database());
    DRAWBRIDGE_VERIFY_OK(feed1.subscribe(ChangeFeed::accountsChannel()));
    connect(&feed1, &ChangeFeed::changed, m_fx->manager.get(),
            [this](const QString &, const QString &changed) { m_fx->manager->syncStored(changed); });
    m_pool2->markThrottled(id, true, QStringLiteral("Suspicious activity"));
    QTRY_COMPARE_WITH_TIMEOUT(m_fx->pool->account(id)->status, AccountStatus::CoolingDown, 1000);
    QCOMPARE(m_fx->pool->account(id)->cooldownUntilMs, m_pool2->account(id)->cooldownUntilMs);
}

void TstKiroTeamSync::adoptedStatesAreNotWrittenBack()
{
    const QString id = addOnFirst(QStringLiteral("carol"));
    QVERIFY(!id.isEmpty());
    QTRY_VERIFY_WITH_TIMEOUT(secondView(id).has_value(), 5000);
    // A listener of its own on the channel counts every announced write, from either instance.
    Database &db1 = m_fx->db.database();
    ChangeFeed counter(db1);
    DRAWBRIDGE_VERIFY_OK(counter.subscribe(ChangeFeed::accountsChannel()));
    QSignalSpy announced(&counter, &ChangeFeed::changed);
    m_fx->pool->markSuspended(id, QStringLiteral("Account suspended"));
    QTRY_COMPARE_WITH_TIMEOUT(secondView(id)->status, AccountStatus::Suspended, 1000);
    QTRY_COMPARE_WITH_TIMEOUT(announced.count(), 1, 1000);
    // #2 adopted it without writing it back: no second announcement follows (a write-back would ping-pong
    // between the instances).
    QVERIFY(!announced.wait(300));
    QCOMPARE(announced.count(), 1);
    QCOMPARE(m_fx->stored(id)->status, QStringLiteral("suspended"));
}

void TstKiroTeamSync::editsAndRemovalsFollow()
{
    const QString id = addOnFirst(QStringLiteral("dave"));
    QVERIFY(!id.isEmpty());
    QTRY_VERIFY_WITH_TIMEOUT(secondView(id).has_value(), 5000);
    KiroAccountManager::Changes changes;
    changes.slots = std::optional<int>(5);
    changes.priority = 7;
    changes.name = QStringLiteral("dave (team)");
    QVERIFY(m_fx->manager->update(id, changes).ok());
    QTRY_COMPARE_WITH_TIMEOUT(secondView(id)->slots, 5, 1000);
    QCOMPARE(secondView(id)->priority, 7);
    QCOMPARE(m_manager2->account(id)->record.name, QStringLiteral("dave (team)"));
    changes = {};
    changes.enabled = false;
    QVERIFY(m_fx->manager->update(id, changes).ok());
    QTRY_VERIFY_WITH_TIMEOUT(!secondView(id)->enabled, 1000);

    QVERIFY(m_fx->manager->remove(id).ok());
    QTRY_VERIFY_WITH_TIMEOUT(!secondView(id).has_value(), 1000);
    QVERIFY(!m_manager2->account(id).has_value());
}

QTEST_GUILESS_MAIN(TstKiroTeamSync)
#include "tst_kiroteamsync.moc"
