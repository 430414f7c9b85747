// SPDX-License-Identifier: MIT
#include <QSignalSpy>
#include <QtTest>

#include "server/core/accountpool.h"
#include "server/kiroprovider/kiroaccountmanager.h"
#include "server/kiroprovider/kiroteamtokenstore.h"
#include "server/net/httpclient.h"
#include "server/secrets/databasesecretstore.h"
#include "server/storage/accountrepository.h"
#include "server/storage/advisorylocks.h"
#include "server/storage/database.h"
#include "server/storage/postgresurl.h"
#include "server/storage/secretrepository.h"
#include "tests/fakekiro/fakekiroupstream.h"
#include "tests/support/fakeclock.h"
#include "tests/support/resulttext.h"
#include "tests/support/tempdatabase.h"

using namespace Drawbridge;

/**
 * Token refresh is single-flight across a team: two instances on one real PostgreSQL database (each its own
 * connections, sealed secret store, pool and account manager) and a fake Kiro whose refresh tokens rotate and
 * are single-use (the old one is refused once a refresh has rotated it). Without the team lock the second
 * refresh kills the login; with it the second instance waits, reads the rotated tokens and calls nobody.
 */
class TstKiroTeamRefresh : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();
    void withoutTheTeamLockTheSecondRefreshKillsTheLogin();
    void concurrentRefreshesCallTheServiceOnce();
    void aLockHeldByAnotherInstanceIsWaitedFor();
    void waitingEndsWhenTheHolderDies();

private:
    struct Instance
    {
        std::unique_ptr<Database> ownDb; ///< #2's; #1 uses the TempDatabase's
        const Database *db = nullptr;
        std::unique_ptr<SecretRepository> secretTable;
        std::unique_ptr<DatabaseSecretStore> secrets;
        std::unique_ptr<AccountRepository> accounts;
        std::unique_ptr<AccountPool> pool;
        std::unique_ptr<KiroTeamTokenStore> team;
        std::unique_ptr<KiroAccountManager> manager;
    };
    std::unique_ptr<Instance> startInstance(bool second, bool teamLock);
    /** accessToken() on @p instance; the token, or empty with @p error set. Waits up to 10 s. */
    QString token(Instance &instance, bool force, QString *error = nullptr);
    void startBoth(bool teamLock);

    Test::FakeClock m_clock;
    std::unique_ptr<Test::FakeKiroUpstream> m_fake;
    std::unique_ptr<Test::TempDatabase> m_db;
    std::unique_ptr<HttpClient> m_http;
    KiroSettings m_settings;
    std::optional<SecretCipher> m_cipher;
    std::unique_ptr<Instance> m_one;
    std::unique_ptr<Instance> m_two;
    QString m_accountId;
};

void TstKiroTeamRefresh::initTestCase()
{
    QVERIFY2(Test::TempDatabase::postgresRequested(), "run with DRAWBRIDGE_TEST_DATABASE=postgresql");
    auto cipher = SecretCipher::fromHex(SecretCipher::generateKeyHex());
    DRAWBRIDGE_VERIFY_OK(cipher);
    m_cipher = std::move(*cipher);
}

void TstKiroTeamRefresh::init()
{
    m_fake = std::make_unique<Test::FakeKiroUpstream>();
    QVERIFY(m_fake->listen());
    m_fake->setClock(&m_clock);
    m_fake->setRotateRefreshTokens(true);
    m_db = std::make_unique<Test::TempDatabase>();
    QVERIFY2(m_db->isValid(), qPrintable(m_db->errorString()));
    m_http = std::make_unique<HttpClient>();
    const QString base = m_fake->baseUrl().toString();
    m_settings.apiBaseUrl = base;
    m_settings.socialAuthBaseUrl = base;
    m_settings.oidcBaseUrl = base;
    m_settings.slotsPerAccount = 2;
}

void TstKiroTeamRefresh::cleanup()
{
    m_two.reset();
    m_one.reset();
    m_http.reset();
    m_db.reset();
    m_fake.reset();
}

std::unique_ptr<TstKiroTeamRefresh::Instance> TstKiroTeamRefresh::startInstance(bool second, bool teamLock)
{
    auto in = std::make_unique<Instance>();
    if (second) {
        auto url = PostgresUrl::parse(m_db->url());
        if (!url)
            return nullptr;
        auto opened = Database::openPostgres(*url);
        if (!opened)
            return nullptr;
        in->ownDb = std::move(*opened);
        in->db = in->ownDb.get();
    } else {
        in->db = &m_db->database();
    }
    in->secretTable = std::make_unique<SecretRepository>(*in->db, m_clock);
    in->secrets = std::make_unique<DatabaseSecretStore>(*in->secretTable, *m_cipher);
    in->accounts = std::make_unique<AccountRepository>(*in->db, m_clock);
    in->pool = std::make_unique<AccountPool>(m_clock, AccountPool::Options {});
    KiroAccountManager::Options options;
    options.tickIntervalMs = 0;
    in->manager = std::make_unique<KiroAccountManager>(m_settings, *in->accounts, *in->secrets, *in->pool,
                                                       *m_http, m_clock, options);
    if (teamLock) {
        in->team = std::make_unique<KiroTeamTokenStore>(*in->db, *in->secretTable, *m_cipher);
        in->manager->tokens().setTeamStore(in->team.get());
    }
    if (!in->manager->start())
        return nullptr;
    return in;
}

QString TstKiroTeamRefresh::token(Instance &instance, bool force, QString *error)
{
    bool done = false;
    QString token;
    QString failure;
    instance.manager->accessToken(m_accountId, force, nullptr,
                                  [&](const KiroAccountContext *ctx, const QString &e) {
                                      done = true;
                                      token = ctx ? ctx->accessToken : QString();
                                      failure = e;
                                  });
    if (!QTest::qWaitFor([&] { return done; }, 10'000))
        failure = QStringLiteral("accessToken timed out");
    if (error)
        *error = failure;
    return token;
}

void TstKiroTeamRefresh::startBoth(bool teamLock)
{
    m_one = startInstance(false, teamLock);
    QVERIFY(m_one);
    Test::FakeKiroUpstream::Account account;
    account.name = QStringLiteral("alice");
    account.refreshToken = QStringLiteral("rt-alice");
    m_fake->addAccount(account);
    KiroAccountManager::NewAccount n;
    n.name = QStringLiteral("alice");
    n.authMethod = QStringLiteral("social");
    n.refreshToken = account.refreshToken;
    std::optional<KiroAccountManager::Outcome> added;
    m_one->manager->addAccount(n, nullptr, [&added](const KiroAccountManager::Outcome &o) { added = o; });
    QTRY_VERIFY_WITH_TIMEOUT(added.has_value(), 10'000);
    QVERIFY2(added->ok(), qPrintable(added->failure.message));
    m_accountId = added->account->record.id;
    // #2 starts afterwards and reads the account and its (rotated) secrets from the team's database.
    m_two = startInstance(true, teamLock);
    QVERIFY(m_two);
    QTRY_VERIFY_WITH_TIMEOUT(m_two->manager->tokens().isLoaded(m_accountId), 5000);
    QCOMPARE(m_fake->refreshCount(QStringLiteral("alice")), 1);
}

void TstKiroTeamRefresh::withoutTheTeamLockTheSecondRefreshKillsTheLogin()
{
    // The failure this guards against, shown on the same fake: each instance refreshes on its own.
    startBoth(false);
    if (QTest::currentTestFailed())
        return;
    QString error1;
    QString error2;
    bool done1 = false;
    bool done2 = false;
    m_one->manager->accessToken(m_accountId, true, nullptr,
                                [&](const KiroAccountContext *, const QString &e) {
                                    done1 = true;
                                    error1 = e;
                                });
    m_two->manager->accessToken(m_accountId, true, nullptr,
                                [&](const KiroAccountContext *, const QString &e) {
                                    done2 = true;
                                    error2 = e;
                                });
    QTRY_VERIFY_WITH_TIMEOUT(done1 && done2, 10'000);
    QVERIFY2(!error1.isEmpty() || !error2.isEmpty(), "both refreshes succeeded with one single-use token");
    const bool oneLost = m_one->pool->account(m_accountId)->status == AccountStatus::NeedsLogin;
    const bool twoLost = m_two->pool->account(m_accountId)->status == AccountStatus::NeedsLogin;
    QVERIFY(oneLost || twoLost);
}

void TstKiroTeamRefresh::concurrentRefreshesCallTheServiceOnce()
{
    startBoth(true);
    if (QTest::currentTestFailed())
        return;
    QSignalSpy started1(&m_one->manager->tokens(), &KiroTokenService::refreshStarted);
    QSignalSpy started2(&m_two->manager->tokens(), &KiroTokenService::refreshStarted);
    QString token1;
    QString token2;
    QString error1;
    QString error2;
    int done = 0;
    // Both distrust their tokens at the same moment (as after an upstream 403) and refresh.
    m_one->manager->accessToken(m_accountId, true, nullptr,
                                [&](const KiroAccountContext *c, const QString &e) {
                                    ++done;
                                    token1 = c ? c->accessToken : QString();
                                    error1 = e;
                                });
    m_two->manager->accessToken(m_accountId, true, nullptr,
                                [&](const KiroAccountContext *c, const QString &e) {
                                    ++done;
                                    token2 = c ? c->accessToken : QString();
                                    error2 = e;
                                });
    QTRY_COMPARE_WITH_TIMEOUT(done, 2, 10'000);
    QVERIFY2(error1.isEmpty(), qPrintable(error1));
    QVERIFY2(error2.isEmpty(), qPrintable(error2));
    QCOMPARE(m_fake->refreshCount(QStringLiteral("alice")), 2); // the add's and one more
    QCOMPARE(started1.count() + started2.count(), 1);
    QVERIFY(!token1.isEmpty());
    QCOMPARE(token2, token1);
    QCOMPARE(m_one->pool->account(m_accountId)->status, AccountStatus::Active);
    QCOMPARE(m_two->pool->account(m_accountId)->status, AccountStatus::Active);
    // The next refresh, from either instance, uses the rotated token the team stored: the login lives on.
    QString error;
    const QString later = token(*m_two, true, &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QVERIFY(later != token1);
    QCOMPARE(m_fake->refreshCount(QStringLiteral("alice")), 3);
    // #1 distrusts its token too: the one #2 just stored is newer, so #1 takes it without a call...
    QCOMPARE(token(*m_one, true, &error), later);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QCOMPARE(m_fake->refreshCount(QStringLiteral("alice")), 3);
    // ...and distrusting that one as well, refreshes with the refresh token #2 rotated.
    const QString last = token(*m_one, true, &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QVERIFY(!last.isEmpty() && last != later);
    QCOMPARE(m_fake->refreshCount(QStringLiteral("alice")), 4);
    QCOMPARE(m_one->pool->account(m_accountId)->status, AccountStatus::Active);
}

void TstKiroTeamRefresh::aLockHeldByAnotherInstanceIsWaitedFor()
{
    startBoth(true);
    if (QTest::currentTestFailed())
        return;
    // A third connection (another instance mid-refresh) holds the account's lock.
    auto url = PostgresUrl::parse(m_db->url());
    DRAWBRIDGE_VERIFY_OK(url);
    auto third = Database::openPostgres(*url);
    DRAWBRIDGE_VERIFY_OK(third);
    AdvisoryLocks locks(**third);
    const QString name = QStringLiteral("kiro-refresh/") + m_accountId;
    QVERIFY(*locks.tryLock(name));
    QSignalSpy started(&m_two->manager->tokens(), &KiroTokenService::refreshStarted);
    bool done = false;
    QString error;
    m_two->manager->accessToken(m_accountId, true, nullptr,
                                [&](const KiroAccountContext *, const QString &e) {
                                    done = true;
                                    error = e;
                                });
    QVERIFY(!started.wait(500));
    QVERIFY(!done);
    QVERIFY(m_two->manager->tokens().isRefreshing(m_accountId));
    QVERIFY(*locks.unlock(name));
    QVERIFY(started.wait(3000));
    QTRY_VERIFY_WITH_TIMEOUT(done, 5000);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    // It let go afterwards: the third connection gets the lock at once.
    QVERIFY(*locks.tryLock(name));
    QVERIFY(*locks.unlock(name));
}

void TstKiroTeamRefresh::waitingEndsWhenTheHolderDies()
{
    startBoth(true);
    if (QTest::currentTestFailed())
        return;
    auto url = PostgresUrl::parse(m_db->url());
    DRAWBRIDGE_VERIFY_OK(url);
    auto third = Database::openPostgres(*url);
    DRAWBRIDGE_VERIFY_OK(third);
    QVERIFY(*AdvisoryLocks(**third).tryLock(QStringLiteral("kiro-refresh/") + m_accountId));
    QSignalSpy started(&m_two->manager->tokens(), &KiroTokenService::refreshStarted);
    bool done = false;
    m_two->manager->accessToken(m_accountId, true, nullptr,
                                [&](const KiroAccountContext *, const QString &) { done = true; });
    QVERIFY(!started.wait(300));
    // The holder's connection ends (its process was killed): the server releases the lock with it.
    third->reset();
    QVERIFY(started.wait(3000));
    QTRY_VERIFY_WITH_TIMEOUT(done, 5000);
}

QTEST_GUILESS_MAIN(TstKiroTeamRefresh)
#include "tst_kiroteamrefresh.moc"
