// SPDX-License-Identifier: MIT
#include <QtTest>

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QUrlQuery>

#include <algorithm>
#include <memory>

#include "server/core/accountpool.h"
#include "server/kiroprovider/kiroaccountmanager.h"
#include "server/kiroprovider/kirousagelimits.h"
#include "server/storage/database.h"
#include "tests/kiroprovider/kiroaccountfixture.h"

using namespace Drawbridge;
using Test::FakeKiroUpstream;
using Test::KiroAccountFixture;

namespace {

constexpr qint64 minute = 60'000;

QByteArray secretValue(MemorySecretStore &store, const QString &key)
{
    std::optional<SecretResult> result;
    QObject context;
    store.read(key, &context, [&](const SecretResult &r) { result = r; });
    if (!QTest::qWaitFor([&] { return result.has_value(); }, 2000) || !result->ok())
        return {};
    return result->data;
}

QJsonObject bodyOf(const FakeKiroUpstream::RecordedRequest &r)
{
    return QJsonDocument::fromJson(r.body).object();
}

/** Every byte SQLite wrote for the database: the file plus its write-ahead log. */
QByteArray databaseBytes(const QString &path)
{
    QByteArray all;
    for (const QString &p : QStringList { path, path + QStringLiteral("-wal") }) {
        QFile f(p);
        if (f.open(QIODevice::ReadOnly))
            all += f.readAll();
    }
    return all;
}

} // namespace

class TstKiroAccountManager : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void socialAddRefreshesOnceAndStoresSecretsOnlyInTheKeychain();
    void idcRefreshSendsClientCredentials();
    void idcWithWrongClientIsRejected();
    void rotatedRefreshTokenIsSaved();
    void concurrentCallersShareOneRefresh();
    void refreshAheadOfExpiry();
    void expiredTokenWaitsForTheRefresh();
    void invalidGrantMeansNeedsLogin();
    void unreachableAuthServiceRetriesAndRecovers();
    void addWhileAuthUnreachableStoresAccountInError();
    void rejectedAddStoresNothing();
    void invalidParametersAreRejected_data();
    void invalidParametersAreRejected();
    void secretStoreFailureStoresNothing();
    void usageLimitsAreStored();
    void usagePollRepeatsPeriodically();
    void quotaExhaustedParksUntilNextReset();
    void quotaFallbackIsFirstOfNextMonth();
    void noCreditsLeftParksTheAccount();
    void creditsAccumulate();
    void slotChangesAnnouncedOnlyWhileListened();
    void importSocialLeavesIdeFileUntouched();
    void importIdcReadsCompanionFile();
    void importMissingFileFails();
    void updateChangesPoolAndDatabase();
    void removeDropsAccountPoolEntryAndSecrets();
    void statesSurviveARestart();
    void unknownAccountFailsAsynchronously();
    void signInAgainKeepsIdSettingsAndHistory();
    void failedSignInAgainChangesNothing();

private:
    KiroAccountManager::Outcome replaceCredentials(const QString &id,
                                                   const KiroAccountManager::NewAccount &n);

    std::unique_ptr<KiroAccountFixture> f;
};

KiroAccountManager::Outcome TstKiroAccountManager::replaceCredentials(const QString &id,
                                                                      const KiroAccountManager::NewAccount &n)
{
    std::optional<KiroAccountManager::Outcome> outcome;
    f->manager->replaceCredentials(id, n, nullptr,
                                   [&](const KiroAccountManager::Outcome &o) { outcome = o; });
    // Always asynchronous, like addAccount().
    if (outcome)
        return KiroAccountManager::Outcome {
            std::nullopt,
            { KiroAccountManager::ErrorKind::Storage, QStringLiteral("reported synchronously"), {} }
        };
    if (!QTest::qWaitFor([&] { return outcome.has_value(); }, 5000))
        return KiroAccountManager::Outcome {
            std::nullopt, { KiroAccountManager::ErrorKind::Storage, QStringLiteral("timed out"), {} }
        };
    return *outcome;
}

void TstKiroAccountManager::init()
{
    f = std::make_unique<KiroAccountFixture>();
    QVERIFY2(f->isValid(), qPrintable(f->errorString()));
}

void TstKiroAccountManager::cleanup()
{
    f.reset();
}

void TstKiroAccountManager::socialAddRefreshesOnceAndStoresSecretsOnlyInTheKeychain()
{
    auto &m = f->startManager();
    const auto outcome = f->add(f->socialAccount(QStringLiteral("alice")));
    QVERIFY2(outcome.ok(), qPrintable(outcome.failure.message));
    const QString id = outcome.account->record.id;
    QCOMPARE(outcome.account->status, AccountStatus::Active);
    QCOMPARE(outcome.account->slotsTotal, 2);

    const auto refreshes = f->fake.requests(QStringLiteral("/refreshToken"));
    QCOMPARE(refreshes.size(), 1);
    QCOMPARE(bodyOf(refreshes.first()).value(QStringLiteral("refreshToken")).toString(),
             QStringLiteral("rt-social-alice"));
    // The fingerprint carries the account's own machine id: 64 hex digits, stored once.
    const QString machineId = outcome.account->record.machineId;
    QCOMPARE(machineId.size(), 64);
    QVERIFY(refreshes.first().header("user-agent").endsWith(machineId.toLatin1()));

    // The profile ARN from the refresh answer is kept.
    const auto record = f->stored(id);
    QVERIFY(record);
    QCOMPARE(record->profileArn,
             QStringLiteral("arn:aws:codewhisperer:us-east-1:699475941385:profile/EHGA3GRVQMUK"));
    QCOMPARE(record->machineId, machineId);
    QCOMPARE(record->authMethod, QStringLiteral("social"));

    // The token is served synchronously from the cache and the fake accepts it.
    bool called = false;
    QString token;
    m.accessToken(id, false, nullptr, [&](const KiroAccountContext *ctx, const QString &) {
        called = true;
        QVERIFY(ctx);
        token = ctx->accessToken;
        QCOMPARE(ctx->accountId, id);
        QCOMPARE(ctx->machineId, machineId);
        QCOMPARE(ctx->apiBaseUrl, f->fake.baseUrl().toString());
        QVERIFY(!ctx->profileArn.isEmpty());
    });
    QVERIFY(called);
    QVERIFY(token.startsWith(QStringLiteral("aoa-alice-")));

    QCOMPARE(f->secrets.keys(),
             QStringList({ KiroAccountManager::secretKey(id, QStringLiteral("access_token")),
                           KiroAccountManager::secretKey(id, QStringLiteral("refresh_token")) }));
    QCOMPARE(secretValue(f->secrets, KiroAccountManager::secretKey(id, QStringLiteral("refresh_token"))),
             QByteArray("rt-social-alice"));

    // Let the first usage poll and the state flush write whatever they write, then look at every stored byte.
    QTRY_VERIFY(f->stored(id)->usageLimit.has_value());
    const QByteArray bytes = databaseBytes(f->db.filePath());
    QVERIFY(!bytes.isEmpty());
    QVERIFY(!bytes.contains("rt-social-alice"));
    QVERIFY(!bytes.contains(token.toUtf8()));
}

void TstKiroAccountManager::idcRefreshSendsClientCredentials()
{
    f->startManager();
    const auto outcome = f->add(f->idcAccount(QStringLiteral("bob")));
    QVERIFY2(outcome.ok(), qPrintable(outcome.failure.message));
    const QString id = outcome.account->record.id;
    QCOMPARE(outcome.account->record.authMethod, QStringLiteral("idc"));
    QCOMPARE(outcome.account->record.region, QStringLiteral("eu-west-1"));

    const auto refreshes = f->fake.requests(QStringLiteral("/token"));
    QCOMPARE(refreshes.size(), 1);
    QCOMPARE(f->fake.requestCount(QStringLiteral("/refreshToken")), 0);
    const QJsonObject body = bodyOf(refreshes.first());
    QCOMPARE(body.value(QStringLiteral("clientId")).toString(), QStringLiteral("client-bob"));
    QCOMPARE(body.value(QStringLiteral("clientSecret")).toString(), QStringLiteral("client-secret-bob"));
    QCOMPARE(body.value(QStringLiteral("refreshToken")).toString(), QStringLiteral("rt-idc-bob"));
    QCOMPARE(body.value(QStringLiteral("grantType")).toString(), QStringLiteral("refresh_token"));
    QCOMPARE(refreshes.first().header("content-type"), QByteArray("application/json"));
    QCOMPARE(refreshes.first().status, 200);

    QVERIFY(f->secrets.keys().contains(KiroAccountManager::secretKey(id, QStringLiteral("client_secret"))));
    QCOMPARE(secretValue(f->secrets, KiroAccountManager::secretKey(id, QStringLiteral("client_id"))),
             QByteArray("client-bob"));

    // Forced refreshes keep using the IdC endpoint, and the usage poll sends no profile ARN for IdC.
    QVERIFY(!f->token(id, true).isEmpty());
    QCOMPARE(f->fake.requestCount(QStringLiteral("/token")), 2);
    QTRY_COMPARE(f->fake.requestCount(QStringLiteral("/getUsageLimits")), 1);
    const auto usage = f->fake.requests(QStringLiteral("/getUsageLimits")).first();
    QVERIFY(!usage.query.contains(QStringLiteral("profileArn")));
    QVERIFY(usage.query.contains(QStringLiteral("origin=AI_EDITOR")));
}

void TstKiroAccountManager::idcWithWrongClientIsRejected()
{
    f->startManager();
    auto params = f->idcAccount(QStringLiteral("carol"));
    params.clientSecret = QStringLiteral("not-the-secret");
    const auto outcome = f->add(params);
    QVERIFY(!outcome.ok());
    QCOMPARE(outcome.failure.kind, KiroAccountManager::ErrorKind::InvalidRefreshToken);
    QVERIFY(f->manager->accounts().empty());
    QVERIFY(f->secrets.keys().isEmpty());
}

void TstKiroAccountManager::rotatedRefreshTokenIsSaved()
{
    f->fake.setRotateRefreshTokens(true);
    f->startManager();
    const auto outcome = f->add(f->socialAccount(QStringLiteral("dave")));
    QVERIFY2(outcome.ok(), qPrintable(outcome.failure.message));
    const QString id = outcome.account->record.id;
    const QString key = KiroAccountManager::secretKey(id, QStringLiteral("refresh_token"));
    const QString rotated = f->fake.refreshTokenOf(QStringLiteral("dave"));
    QVERIFY(rotated != QStringLiteral("rt-social-dave"));
    QTRY_COMPARE(secretValue(f->secrets, key), rotated.toUtf8());

    // The next refresh must present the rotated token (the old one is dead at the fake).
    QVERIFY(!f->token(id, true).isEmpty());
    const auto last = f->fake.requests(QStringLiteral("/refreshToken")).last();
    QCOMPARE(bodyOf(last).value(QStringLiteral("refreshToken")).toString(), rotated);
    QCOMPARE(last.status, 200);
    QTRY_COMPARE(secretValue(f->secrets, key), f->fake.refreshTokenOf(QStringLiteral("dave")).toUtf8());
}

void TstKiroAccountManager::concurrentCallersShareOneRefresh()
{
    auto &m = f->startManager();
    const auto outcome = f->add(f->socialAccount(QStringLiteral("erin")));
    QVERIFY(outcome.ok());
    const QString id = outcome.account->record.id;
    const int before = f->fake.refreshCount(QStringLiteral("erin"));

    constexpr int callers = 12;
    QStringList tokens;
    QObject guard;
    for (int i = 0; i < callers; ++i) {
        m.accessToken(id, true, &guard, [&](const KiroAccountContext *ctx, const QString &error) {
            QVERIFY2(ctx, qPrintable(error));
            tokens.append(ctx->accessToken);
        });
    }
    QVERIFY(tokens.isEmpty()); // nobody is answered before the refresh finishes
    QTRY_COMPARE(tokens.size(), callers);
    QCOMPARE(f->fake.refreshCount(QStringLiteral("erin")), before + 1);
    tokens.removeDuplicates();
    QCOMPARE(tokens.size(), 1);

    // A caller whose guard dies is dropped, the others still served.
    int served = 0;
    auto doomed = std::make_unique<QObject>();
    m.accessToken(id, true, doomed.get(),
                  [&](const KiroAccountContext *, const QString &) { QFAIL("guard was destroyed"); });
    m.accessToken(id, true, &guard,
                  [&](const KiroAccountContext *ctx, const QString &) { served += ctx ? 1 : 0; });
    doomed.reset();
    QTRY_COMPARE(served, 1);
    QCOMPARE(f->fake.refreshCount(QStringLiteral("erin")), before + 2);
}

void TstKiroAccountManager::refreshAheadOfExpiry()
{
    f->fake.setAccessTokenLifetimeS(3600);
    auto &m = f->startManager();
    const auto outcome = f->add(f->socialAccount(QStringLiteral("frank")));
    QVERIFY(outcome.ok());
    const QString id = outcome.account->record.id;
    const QString first = f->token(id);
    QCOMPARE(f->fake.refreshCount(QStringLiteral("frank")), 1);

    // 54 minutes in: more than 5 minutes left, nothing happens.
    f->clock.advanceMs(54 * minute);
    m.poll();
    QCOMPARE(f->token(id), first);
    QCOMPARE(f->fake.refreshCount(QStringLiteral("frank")), 1);

    // 56 minutes in: the caller still gets the working token at once, and a refresh runs in the background.
    f->clock.advanceMs(2 * minute);
    bool synchronous = false;
    m.accessToken(id, false, nullptr, [&](const KiroAccountContext *ctx, const QString &) {
        synchronous = true;
        QCOMPARE(ctx->accessToken, first);
    });
    QVERIFY(synchronous);
    QTRY_COMPARE(f->fake.refreshCount(QStringLiteral("frank")), 2);
    QTRY_VERIFY(f->token(id) != first);
    const QString second = f->token(id);

    // An idle account is kept warm by poll() alone.
    f->clock.advanceMs(56 * minute);
    m.poll();
    QTRY_COMPARE(f->fake.refreshCount(QStringLiteral("frank")), 3);
    QTRY_VERIFY(f->token(id) != second);
}

void TstKiroAccountManager::expiredTokenWaitsForTheRefresh()
{
    auto &m = f->startManager();
    const auto outcome = f->add(f->socialAccount(QStringLiteral("gina")));
    QVERIFY(outcome.ok());
    const QString id = outcome.account->record.id;
    const QString first = f->token(id);
    f->clock.advanceMs(61 * minute);
    bool called = false;
    m.accessToken(id, false, nullptr, [&](const KiroAccountContext *, const QString &) { called = true; });
    QVERIFY(!called); // an expired token is never handed out
    QTRY_VERIFY(called);
    const QString second = f->token(id);
    QVERIFY(second != first);
    QCOMPARE(f->fake.refreshCount(QStringLiteral("gina")), 2);
}

void TstKiroAccountManager::invalidGrantMeansNeedsLogin()
{
    f->startManager();
    const auto outcome = f->add(f->socialAccount(QStringLiteral("hank")));
    QVERIFY(outcome.ok());
    const QString id = outcome.account->record.id;
    f->fake.revokeRefreshToken(QStringLiteral("hank"));

    QString error;
    QVERIFY(f->token(id, true, &error).isEmpty());
    QVERIFY2(error.contains(QStringLiteral("log in")), qPrintable(error));
    QCOMPARE(f->poolView(id)->status, AccountStatus::NeedsLogin);
    QTRY_COMPARE(f->stored(id)->status, QStringLiteral("needs_login"));
    QVERIFY(!f->stored(id)->lastError.isEmpty());
    QVERIFY(!f->secrets.keys().contains(KiroAccountManager::secretKey(id, QStringLiteral("access_token"))));

    // From now on nobody calls the auth service for it, and no error text leaks the token.
    const int refreshes = f->fake.requestCount(QStringLiteral("/refreshToken"));
    QVERIFY(f->token(id, false, &error).isEmpty());
    QVERIFY(!error.isEmpty());
    QVERIFY(!error.contains(QStringLiteral("rt-social-hank")));
    f->clock.advanceMs(120 * minute);
    QSignalSpy refreshStarted(&f->manager->tokens(), &KiroTokenService::refreshStarted);
    f->manager->poll(); // a refresh would start right here, synchronously
    QCOMPARE(refreshStarted.count(), 0);
    QCOMPARE(f->fake.requestCount(QStringLiteral("/refreshToken")), refreshes);
}

void TstKiroAccountManager::unreachableAuthServiceRetriesAndRecovers()
{
    // The auth service is a separate fake that can go away and come back on the same port.
    auto auth = std::make_unique<FakeKiroUpstream>();
    QVERIFY(auth->listen());
    auth->setClock(&f->clock);
    const quint16 port = auth->port();
    f->settings.socialAuthBaseUrl = KiroAccountFixture::localUrl(port);
    // The API fake cannot know the auth fake's tokens; here only the refresh side is under test.
    f->fake.setRequireAuth(false);
    auto params = f->socialAccount(QStringLiteral("ivan"));
    FakeKiroUpstream::Account same;
    same.name = QStringLiteral("ivan");
    same.refreshToken = params.refreshToken;
    auth->addAccount(same);
    auto &m = f->startManager();
    const auto outcome = f->add(params);
    QVERIFY(outcome.ok());
    const QString id = outcome.account->record.id;
    QTRY_COMPARE(f->fake.requests(QStringLiteral("/getUsageLimits")).size(), 1);

    auth.reset();
    QString error;
    QVERIFY(f->token(id, true, &error).isEmpty());
    QVERIFY2(error.contains(QStringLiteral("retrying")), qPrintable(error));
    const auto view = f->poolView(id);
    QCOMPARE(view->status, AccountStatus::Error);
    QCOMPARE(view->cooldownUntilMs, f->clock.nowMs() + 30'000);
    QTRY_COMPARE(f->stored(id)->status, QStringLiteral("error"));
    QVERIFY(f->stored(id)->lastError.contains(QStringLiteral("unreachable")));

    // Second failure: the retry interval doubles.
    f->clock.advanceMs(30'000);
    m.poll();
    QTRY_VERIFY(f->poolView(id)->cooldownUntilMs == f->clock.nowMs() + 60'000);

    // The service comes back; the scheduled retry brings the account back without anyone asking.
    auth = std::make_unique<FakeKiroUpstream>();
    QVERIFY(auth->listen(port));
    auth->setClock(&f->clock);
    auth->addAccount(same);
    f->clock.advanceMs(60'000);
    m.poll();
    QTRY_COMPARE(auth->refreshCount(QStringLiteral("ivan")), 1);
    QTRY_COMPARE(f->poolView(id)->status, AccountStatus::Active);
    QTRY_COMPARE(f->stored(id)->status, QStringLiteral("active"));
    QVERIFY(f->token(id).startsWith(QStringLiteral("aoa-ivan-")));
}

void TstKiroAccountManager::addWhileAuthUnreachableStoresAccountInError()
{
    const quint16 port = KiroAccountFixture::closedPort();
    f->settings.socialAuthBaseUrl = KiroAccountFixture::localUrl(port);
    f->fake.setRequireAuth(false);
    auto &m = f->startManager();
    const auto outcome = f->add(f->socialAccount(QStringLiteral("jane")));
    QVERIFY2(outcome.ok(), qPrintable(outcome.failure.message));
    const QString id = outcome.account->record.id;
    QCOMPARE(outcome.account->status, AccountStatus::Error);
    QVERIFY(!outcome.account->lastError.isEmpty());
    QCOMPARE(f->stored(id)->status, QStringLiteral("error"));
    QVERIFY(f->stored(id)->lastError.contains(QStringLiteral("unreachable")));
    QVERIFY(f->secrets.keys().contains(KiroAccountManager::secretKey(id, QStringLiteral("refresh_token"))));
    QCOMPARE(f->pool->status().usableAccounts, 0);

    // The auth service appears where the settings point; the retry proves the account.
    FakeKiroUpstream auth;
    QVERIFY(auth.listen(port));
    auth.setClock(&f->clock);
    FakeKiroUpstream::Account same;
    same.name = QStringLiteral("jane");
    same.refreshToken = QStringLiteral("rt-social-jane");
    auth.addAccount(same);
    f->clock.advanceMs(31'000);
    m.poll();
    QTRY_COMPARE(f->poolView(id)->status, AccountStatus::Active);
    QTRY_COMPARE(f->stored(id)->status, QStringLiteral("active"));
    QTRY_VERIFY(
        f->secrets.keys().contains(KiroAccountManager::secretKey(id, QStringLiteral("access_token"))));
}

void TstKiroAccountManager::rejectedAddStoresNothing()
{
    f->startManager();
    auto params = f->socialAccount(QStringLiteral("kate"));
    f->fake.revokeRefreshToken(QStringLiteral("kate"));
    QSignalSpy added(f->manager.get(), &KiroAccountManager::accountsChanged);
    const auto outcome = f->add(params);
    QVERIFY(!outcome.ok());
    QCOMPARE(outcome.failure.kind, KiroAccountManager::ErrorKind::InvalidRefreshToken);
    QVERIFY(!outcome.failure.message.contains(params.refreshToken));
    QVERIFY(f->manager->accounts().empty());
    QCOMPARE(f->repository->list()->size(), size_t(0));
    QVERIFY(f->secrets.keys().isEmpty());
    QCOMPARE(f->pool->accounts().size(), size_t(0));
    QCOMPARE(added.count(), 0);
}

void TstKiroAccountManager::invalidParametersAreRejected_data()
{
    QTest::addColumn<QString>("field");
    QTest::addColumn<QString>("value");
    QTest::addColumn<QString>("param");
    QTest::newRow("empty-name") << QStringLiteral("name") << QString() << QStringLiteral("name");
    QTest::newRow("empty-token") << QStringLiteral("refresh_token") << QStringLiteral("  ")
                                 << QStringLiteral("refresh_token");
    QTest::newRow("truncated-token") << QStringLiteral("refresh_token") << QStringLiteral("aorAAAA...")
                                     << QStringLiteral("refresh_token");
    QTest::newRow("unknown-method") << QStringLiteral("auth_method") << QStringLiteral("password")
                                    << QStringLiteral("auth_method");
    QTest::newRow("idc-without-client")
        << QStringLiteral("auth_method") << QStringLiteral("idc") << QStringLiteral("client_id");
    QTest::newRow("region-with-a-host")
        << QStringLiteral("region") << QStringLiteral("evil.example.com/x") << QStringLiteral("region");
    QTest::newRow("arn-not-an-arn") << QStringLiteral("profile_arn") << QStringLiteral("hello")
                                    << QStringLiteral("profile_arn");
    QTest::newRow("zero-slots") << QStringLiteral("slots") << QStringLiteral("0") << QStringLiteral("slots");
    QTest::newRow("too-many-slots") << QStringLiteral("slots") << QStringLiteral("65")
                                    << QStringLiteral("slots");
}

void TstKiroAccountManager::invalidParametersAreRejected()
{
    QFETCH(QString, field);
    QFETCH(QString, value);
    QFETCH(QString, param);
    f->startManager();
    auto n = f->socialAccount(QStringLiteral("lena"));
    if (field == QStringLiteral("name"))
        n.name = value;
    else if (field == QStringLiteral("refresh_token"))
        n.refreshToken = value;
    else if (field == QStringLiteral("auth_method"))
        n.authMethod = value;
    else if (field == QStringLiteral("region"))
        n.region = value;
    else if (field == QStringLiteral("profile_arn"))
        n.profileArn = value;
    else if (field == QStringLiteral("slots"))
        n.slots = value.toInt();
    const auto outcome = f->add(n);
    QVERIFY(!outcome.ok());
    QCOMPARE(outcome.failure.kind, KiroAccountManager::ErrorKind::InvalidRequest);
    QCOMPARE(outcome.failure.param, param);
    QCOMPARE(f->fake.requestCount(), 0); // nothing was sent anywhere
}

void TstKiroAccountManager::secretStoreFailureStoresNothing()
{
    f->startManager();
    f->secrets.setFailure(SecretError::AccessDenied, QStringLiteral("keyring locked"));
    const auto outcome = f->add(f->socialAccount(QStringLiteral("mike")));
    QVERIFY(!outcome.ok());
    QCOMPARE(outcome.failure.kind, KiroAccountManager::ErrorKind::SecretStore);
    QVERIFY(outcome.failure.message.contains(QStringLiteral("keyring locked")));
    QCOMPARE(f->repository->list()->size(), size_t(0));
    QVERIFY(f->manager->accounts().empty());
}

void TstKiroAccountManager::usageLimitsAreStored()
{
    FakeKiroUpstream::Account a;
    a.name = QStringLiteral("nina");
    a.refreshToken = QStringLiteral("rt-nina");
    a.usageLimit = 550.0;
    a.currentUsage = 12.25;
    a.nextResetS = f->clock.nowMs() / 1000 + 10 * 86'400;
    f->fake.addAccount(a);
    f->startManager();
    KiroAccountManager::NewAccount n;
    n.name = QStringLiteral("nina");
    n.refreshToken = a.refreshToken;
    const auto outcome = f->add(n);
    QVERIFY(outcome.ok());
    const QString id = outcome.account->record.id;

    QTRY_VERIFY(f->stored(id)->usageLimit.has_value());
    const auto record = f->stored(id);
    QCOMPARE(*record->usageLimit, 550.0);
    QCOMPARE(*record->creditsRemaining, 550.0 - 12.25);
    QCOMPARE(*record->nextResetMs, a.nextResetS * 1000);
    const auto usage = f->fake.requests(QStringLiteral("/getUsageLimits")).first();
    QCOMPARE(usage.status, 200);
    const QUrlQuery query(usage.query);
    QCOMPARE(query.queryItemValue(QStringLiteral("resourceType")), QStringLiteral("AGENTIC_REQUEST"));
    QCOMPARE(query.queryItemValue(QStringLiteral("isEmailRequired")), QStringLiteral("true"));
    // Social accounts send their profile ARN, fully encoded.
    QCOMPARE(query.queryItemValue(QStringLiteral("profileArn"), QUrl::FullyDecoded), record->profileArn);
    QVERIFY(usage.header("user-agent").contains(record->machineId.toLatin1()));
    QCOMPARE(f->manager->account(id)->creditsRemaining.value_or(-1), 550.0 - 12.25);
}

void TstKiroAccountManager::usagePollRepeatsPeriodically()
{
    auto &m = f->startManager();
    QSignalSpy pollFinished(&m.quota(), &KiroQuotaTracker::usagePollFinished);
    const auto outcome = f->add(f->socialAccount(QStringLiteral("omar")));
    QVERIFY(outcome.ok());
    QTRY_COMPARE(f->fake.requestCount(QStringLiteral("/getUsageLimits")), 1);
    // The fake has the request; the first poll is over only once its answer is read (a poll still running
    // is not started again), which on a slow build comes later.
    QTRY_COMPARE(pollFinished.count(), 1);
    f->clock.advanceMs(14 * minute);
    QSignalSpy pollStarted(&m.quota(), &KiroQuotaTracker::usagePollStarted);
    m.poll(); // a due usage poll would start right here, synchronously
    QCOMPARE(pollStarted.count(), 0);
    QCOMPARE(f->fake.requestCount(QStringLiteral("/getUsageLimits")), 1);
    f->clock.advanceMs(2 * minute);
    m.poll();
    QTRY_COMPARE(f->fake.requestCount(QStringLiteral("/getUsageLimits")), 2);
}

void TstKiroAccountManager::quotaExhaustedParksUntilNextReset()
{
    FakeKiroUpstream::Account a;
    a.name = QStringLiteral("paula");
    a.refreshToken = QStringLiteral("rt-paula");
    a.nextResetS = f->clock.nowMs() / 1000 + 3 * 86'400;
    f->fake.addAccount(a);
    auto &m = f->startManager();
    QSignalSpy pollFinished(&m.quota(), &KiroQuotaTracker::usagePollFinished);
    KiroAccountManager::NewAccount n;
    n.name = QStringLiteral("paula");
    n.refreshToken = a.refreshToken;
    const auto outcome = f->add(n);
    QVERIFY(outcome.ok());
    const QString id = outcome.account->record.id;
    QTRY_COMPARE(f->fake.requestCount(QStringLiteral("/getUsageLimits")), 1);
    QTRY_COMPARE(pollFinished.count(),
                 1); // the first poll's answer is read (see usagePollRepeatsPeriodically)

    m.quotaExhausted(id, QStringLiteral("You have reached the limit."));
    QCOMPARE(f->poolView(id)->status, AccountStatus::QuotaExhausted);
    QTRY_COMPARE(f->fake.requestCount(QStringLiteral("/getUsageLimits")), 2);
    QTRY_COMPARE(f->poolView(id)->cooldownUntilMs, a.nextResetS * 1000);
    QTRY_COMPARE(f->stored(id)->status, QStringLiteral("quota_exhausted"));
    QCOMPARE(f->stored(id)->cooldownUntilMs.value_or(0), a.nextResetS * 1000);
    QCOMPARE(f->pool->status().usableAccounts, 0);

    // The pool brings it back at the reset.
    f->clock.setNowMs(a.nextResetS * 1000 + 1);
    f->pool->poll();
    QCOMPARE(f->poolView(id)->status, AccountStatus::Active);
    QTRY_COMPARE(f->stored(id)->status, QStringLiteral("active"));
}

void TstKiroAccountManager::quotaFallbackIsFirstOfNextMonth()
{
    // Kiro's usage endpoint cannot be reached, so no reset date is ever learnt.
    f->settings.apiBaseUrl = KiroAccountFixture::localUrl(KiroAccountFixture::closedPort());
    auto &m = f->startManager();
    QSignalSpy polled(&m.quota(), &KiroQuotaTracker::usagePollFinished);
    const auto outcome = f->add(f->socialAccount(QStringLiteral("quinn")));
    QVERIFY(outcome.ok());
    const QString id = outcome.account->record.id;
    QTRY_COMPARE(polled.count(), 1); // the first usage poll fails
    QCOMPARE(polled.at(0).at(1).toBool(), false);
    QVERIFY(!f->stored(id)->nextResetMs.has_value());
    const qint64 fallback = KiroUsageLimits::firstOfNextMonthMs(f->clock.nowMs());
    m.quotaExhausted(id, QString());
    QCOMPARE(f->poolView(id)->status, AccountStatus::QuotaExhausted);
    QCOMPARE(f->poolView(id)->cooldownUntilMs, fallback);
    QTRY_COMPARE(polled.count(), 2); // the confirming usage call fails too; the park stays as it is
    QCOMPARE(polled.at(1).at(1).toBool(), false);
    QCOMPARE(f->poolView(id)->status, AccountStatus::QuotaExhausted);
    QCOMPARE(f->poolView(id)->cooldownUntilMs, fallback);
    QTRY_COMPARE(f->stored(id)->cooldownUntilMs.value_or(0), fallback);
}

void TstKiroAccountManager::noCreditsLeftParksTheAccount()
{
    FakeKiroUpstream::Account a;
    a.name = QStringLiteral("rita");
    a.refreshToken = QStringLiteral("rt-rita");
    a.currentUsage = 50.0;
    a.usageLimit = 50.0;
    a.nextResetS = f->clock.nowMs() / 1000 + 86'400;
    f->fake.addAccount(a);
    f->startManager();
    KiroAccountManager::NewAccount n;
    n.name = QStringLiteral("rita");
    n.refreshToken = a.refreshToken;
    const auto outcome = f->add(n);
    QVERIFY(outcome.ok());
    const QString id = outcome.account->record.id;
    QTRY_COMPARE(f->poolView(id)->status, AccountStatus::QuotaExhausted);
    QCOMPARE(f->poolView(id)->cooldownUntilMs, a.nextResetS * 1000);
}

void TstKiroAccountManager::creditsAccumulate()
{
    auto &m = f->startManager();
    const auto outcome = f->add(f->socialAccount(QStringLiteral("sam")));
    QVERIFY(outcome.ok());
    const QString id = outcome.account->record.id;
    QTRY_VERIFY(f->stored(id)->creditsRemaining.has_value());
    QSignalSpy updated(&m, &KiroAccountManager::accountUpdated);
    m.creditsUsed(id, 0.25);
    m.creditsUsed(id, 1.5);
    m.creditsUsed(id, -3.0); // nonsense is ignored
    QCOMPARE(updated.count(), 2);
    QCOMPARE(m.account(id)->creditsUsed, 1.75);
    QCOMPARE(m.account(id)->creditsRemaining.value_or(0), 50.0 - 1.75);
    m.setCreditsUsedTotal(id, 10.0);
    QCOMPARE(m.account(id)->creditsUsed, 10.0);
    m.creditsUsed(id, 0.5);
    QCOMPARE(m.account(id)->creditsUsed, 10.5);
}

void TstKiroAccountManager::slotChangesAnnouncedOnlyWhileListened()
{
    // Issue 18: a request takes a slot and gives it back, which changes nothing stored. Without a listener
    // for accountUpdated (the headless gateway) it must cost no flush and no announcement; with one (the
    // desktop's account table) the slots in use must reach it, once per event-loop turn.
    auto &m = f->startManager();
    const auto a = f->add(f->socialAccount(QStringLiteral("ann")));
    const auto b = f->add(f->socialAccount(QStringLiteral("bob")));
    QVERIFY(a.ok() && b.ok());
    const QString idA = a.account->record.id;
    const QString idB = b.account->record.id;
    QTRY_COMPARE(f->poolView(idA)->status, AccountStatus::Active);
    QTRY_COMPARE(f->poolView(idB)->status, AccountStatus::Active);
    m.persistence().flush();
    QSignalSpy announced(&m.persistence(), &KiroPoolStatePersistence::accountUpdated);
    const auto takeAndGiveBack = [&] {
        auto acquired = f->pool->acquire({ idB }, [](SlotLease, std::optional<ProviderError>) {});
        QVERIFY(acquired.lease);
        QCOMPARE(acquired.lease.accountId(), idA);
        QCOMPARE(f->poolView(idA)->inUse, 1);
    };

    // No listener: A's slot is taken and given back; B's state change (a flush of its own) is the marker
    // that the turn is over.
    takeAndGiveBack();
    f->pool->markTransientFailure(idB, QStringLiteral("connection reset"));
    QTRY_VERIFY(announced.contains(QVariantList { idB }));
    QVERIFY2(!announced.contains(QVariantList { idA }), "a slot change was announced with nobody listening");

    // A listener: both changes of A in one turn are one announcement. Only A's are counted: B's model catalog
    // read ends with an announcement of B whenever it ends, and in the ASan build it ended inside this block.
    {
        QSignalSpy shown(&m, &KiroAccountManager::accountUpdated);
        const auto shownFor = [&shown](const QString &id) {
            return std::count(shown.cbegin(), shown.cend(), QVariantList { id });
        };
        announced.clear();
        takeAndGiveBack();
        takeAndGiveBack();
        QTRY_COMPARE(shownFor(idA), 1);
        f->pool->markTransientFailure(idB, QStringLiteral("connection reset again"));
        QTRY_VERIFY(shownFor(idB) > 0);
        QCOMPARE(shownFor(idA), 1);
    }

    // The listener went: quiet again.
    announced.clear();
    takeAndGiveBack();
    f->pool->markTransientFailure(idB, QStringLiteral("connection reset once more"));
    QTRY_VERIFY(announced.contains(QVariantList { idB }));
    QVERIFY(!announced.contains(QVariantList { idA }));
    QCOMPARE(f->stored(idA)->status, QStringLiteral("active"));
}

void TstKiroAccountManager::importSocialLeavesIdeFileUntouched()
{
    QTemporaryDir ide;
    QVERIFY(ide.isValid());
    const QString path = ide.filePath(QStringLiteral("kiro-auth-token.json"));
    f->socialAccount(QStringLiteral("tom"));
    const QByteArray content
        = R"({"accessToken":"aoa-from-ide","refreshToken":"rt-social-tom",)"
          R"("expiresAt":"2026-01-12T23:00:00.000Z","authMethod":"social","provider":"Github",)"
          R"("profileArn":"arn:aws:codewhisperer:us-east-1:699475941385:profile/EHGA3GRVQMUK"})";
    {
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(content);
    }
    // A fixed old mtime makes any touch visible, whatever the file system's time resolution.
    const QDateTime old(QDate(2024, 1, 2), QTime(3, 4, 5), Qt::UTC);
    {
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadWrite));
        QVERIFY(file.setFileTime(old, QFileDevice::FileModificationTime));
    }
    const QFile::Permissions permissions = QFileInfo(path).permissions();

    KiroAccountManager::Options options = KiroAccountFixture::defaultOptions();
    options.ideTokenFilePath = path;
    auto &m = f->startManager(options);
    std::optional<KiroAccountManager::Outcome> outcome;
    m.importFromIdeFile(QString(), QString(), 1, nullptr,
                        [&](const KiroAccountManager::Outcome &o) { outcome = o; });
    QTRY_VERIFY(outcome.has_value());
    QVERIFY2(outcome->ok(), qPrintable(outcome->failure.message));
    QCOMPARE(outcome->account->record.name, QStringLiteral("Kiro IDE (Github)"));
    QCOMPARE(outcome->account->record.authMethod, QStringLiteral("social"));
    QCOMPARE(outcome->account->slotsTotal, 1);
    QCOMPARE(f->fake.refreshCount(QStringLiteral("tom")), 1);
    QTRY_VERIFY(f->stored(outcome->account->record.id)->usageLimit.has_value());

    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QCOMPARE(file.readAll(), content);
    QCOMPARE(QFileInfo(path).lastModified().toUTC(), old);
    QCOMPARE(QFileInfo(path).permissions(), permissions);
    QCOMPARE(QDir(ide.path()).entryList(QDir::Files | QDir::Hidden),
             QStringList { QStringLiteral("kiro-auth-token.json") });
}

void TstKiroAccountManager::importIdcReadsCompanionFile()
{
    QTemporaryDir ide;
    QVERIFY(ide.isValid());
    f->idcAccount(QStringLiteral("uma"));
    const QByteArray token
        = R"({"accessToken":"aoa-x","refreshToken":"rt-idc-uma","expiresAt":"2026-01-12T23:00:00.000Z",)"
          R"("authMethod":"IdC","provider":"BuilderId","region":"us-east-1","clientIdHash":"5eed"})";
    const QByteArray companion
        = R"({"clientId":"client-uma","clientSecret":"client-secret-uma","expiresAt":"2026-04-01T00:00:00.000Z"})";
    const QDateTime old(QDate(2024, 1, 2), QTime(3, 4, 5), Qt::UTC);
    for (const auto &[name, bytes] : { std::pair { QStringLiteral("kiro-auth-token.json"), token },
                                       std::pair { QStringLiteral("5eed.json"), companion } }) {
        QFile file(ide.filePath(name));
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(bytes);
        file.close();
        QVERIFY(file.open(QIODevice::ReadWrite));
        QVERIFY(file.setFileTime(old, QFileDevice::FileModificationTime));
    }

    auto &m = f->startManager();
    std::optional<KiroAccountManager::Outcome> outcome;
    m.importFromIdeFile(ide.filePath(QStringLiteral("kiro-auth-token.json")), QStringLiteral("work"),
                        std::nullopt, nullptr, [&](const KiroAccountManager::Outcome &o) { outcome = o; });
    QTRY_VERIFY(outcome.has_value());
    QVERIFY2(outcome->ok(), qPrintable(outcome->failure.message));
    QCOMPARE(outcome->account->record.name, QStringLiteral("work"));
    QCOMPARE(outcome->account->record.authMethod, QStringLiteral("idc"));
    const auto refresh = f->fake.requests(QStringLiteral("/token"));
    QCOMPARE(refresh.size(), 1);
    QCOMPARE(bodyOf(refresh.first()).value(QStringLiteral("clientId")).toString(),
             QStringLiteral("client-uma"));
    QCOMPARE(refresh.first().status, 200);

    for (const auto &[name, bytes] : { std::pair { QStringLiteral("kiro-auth-token.json"), token },
                                       std::pair { QStringLiteral("5eed.json"), companion } }) {
        QFile file(ide.filePath(name));
        QVERIFY(file.open(QIODevice::ReadOnly));
        QCOMPARE(file.readAll(), bytes);
        QCOMPARE(QFileInfo(file).lastModified().toUTC(), old);
    }
}

void TstKiroAccountManager::importMissingFileFails()
{
    QTemporaryDir ide;
    auto &m = f->startManager();
    const QString path = ide.filePath(QStringLiteral("nope.json"));
    std::optional<KiroAccountManager::Outcome> outcome;
    m.importFromIdeFile(path, QString(), std::nullopt, nullptr,
                        [&](const KiroAccountManager::Outcome &o) { outcome = o; });
    QVERIFY(!outcome.has_value()); // always asynchronous
    QTRY_VERIFY(outcome.has_value());
    QVERIFY(!outcome->ok());
    QCOMPARE(outcome->failure.kind, KiroAccountManager::ErrorKind::ImportFailed);
    QVERIFY2(outcome->failure.message.contains(QDir::toNativeSeparators(path)),
             qPrintable(outcome->failure.message));
    QCOMPARE(f->fake.requestCount(), 0);
}

void TstKiroAccountManager::updateChangesPoolAndDatabase()
{
    auto &m = f->startManager();
    const auto outcome = f->add(f->socialAccount(QStringLiteral("vera")));
    QVERIFY(outcome.ok());
    const QString id = outcome.account->record.id;
    QCOMPARE(f->poolView(id)->slots, 2);

    KiroAccountManager::Changes c;
    c.name = QStringLiteral("  Vera's account ");
    c.slots = std::optional<int>(5);
    c.priority = 7;
    auto updated = m.update(id, c);
    QVERIFY(updated.ok());
    QCOMPARE(updated.account->record.name, QStringLiteral("Vera's account"));
    QCOMPARE(f->poolView(id)->slots, 5);
    QCOMPARE(f->poolView(id)->priority, 7);
    QCOMPARE(f->stored(id)->slots.value_or(0), 5);
    QCOMPARE(f->stored(id)->priority, 7);

    KiroAccountManager::Changes off;
    off.enabled = false;
    off.slots = std::optional<int>(); // back to the default
    updated = m.update(id, off);
    QVERIFY(updated.ok());
    QCOMPARE(updated.account->status, AccountStatus::Disabled);
    QVERIFY(!f->poolView(id)->enabled);
    QCOMPARE(f->poolView(id)->slots, 2);
    QVERIFY(!f->stored(id)->slots.has_value());
    QVERIFY(!f->stored(id)->enabled);

    KiroAccountManager::Changes bad;
    bad.slots = std::optional<int>(0);
    QCOMPARE(m.update(id, bad).failure.param, QStringLiteral("slots"));
    QCOMPARE(m.update(QStringLiteral("nobody"), off).failure.kind, KiroAccountManager::ErrorKind::NotFound);
}

void TstKiroAccountManager::removeDropsAccountPoolEntryAndSecrets()
{
    auto &m = f->startManager();
    const auto keep = f->add(f->idcAccount(QStringLiteral("walt")));
    const auto drop = f->add(f->idcAccount(QStringLiteral("xena")));
    QVERIFY(keep.ok() && drop.ok());
    const QString id = drop.account->record.id;
    QSignalSpy changed(&m, &KiroAccountManager::accountsChanged);
    const auto removed = m.remove(id);
    QVERIFY(removed.ok());
    QCOMPARE(removed.account->record.id, id);
    QCOMPARE(changed.count(), 1);
    QVERIFY(!m.account(id));
    QVERIFY(!f->stored(id));
    QVERIFY(!f->poolView(id));
    QTRY_VERIFY(f->secrets.keys().filter(id).isEmpty());
    QVERIFY(f->secrets.keys().contains(
        KiroAccountManager::secretKey(keep.account->record.id, QStringLiteral("client_secret"))));
    QCOMPARE(m.remove(id).failure.kind, KiroAccountManager::ErrorKind::NotFound);
    QString error;
    QVERIFY(f->token(id, false, &error).isEmpty());
}

void TstKiroAccountManager::statesSurviveARestart()
{
    FakeKiroUpstream::Account q;
    q.name = QStringLiteral("quota");
    q.refreshToken = QStringLiteral("rt-quota");
    q.nextResetS = f->clock.nowMs() / 1000 + 5 * 86'400;
    f->fake.addAccount(q);
    f->startManager();
    const auto active = f->add(f->socialAccount(QStringLiteral("yves")));
    const auto dead = f->add(f->socialAccount(QStringLiteral("zoe")));
    KiroAccountManager::NewAccount qn;
    qn.name = QStringLiteral("quota");
    qn.refreshToken = q.refreshToken;
    const auto parked = f->add(qn);
    QVERIFY(active.ok() && dead.ok() && parked.ok());
    const QString activeId = active.account->record.id;
    const QString deadId = dead.account->record.id;
    const QString parkedId = parked.account->record.id;
    f->fake.revokeRefreshToken(QStringLiteral("zoe"));
    QString error;
    QVERIFY(f->token(deadId, true, &error).isEmpty());
    f->manager->quotaExhausted(parkedId, QStringLiteral("limit"));
    QTRY_COMPARE(f->poolView(parkedId)->cooldownUntilMs, q.nextResetS * 1000);
    f->manager->creditsUsed(activeId, 2.0);
    const QString cachedToken = f->token(activeId);
    // Even if a usable-looking token for the dead login were left in the keychain, it must not be served.
    bool written = false;
    f->secrets.write(
        KiroAccountManager::secretKey(deadId, QStringLiteral("access_token")),
        QJsonDocument(QJsonObject { { QStringLiteral("accessToken"), cachedToken },
                                    { QStringLiteral("expiresAtMs"), double(f->clock.nowMs() + 3'600'000) } })
            .toJson(),
        f->manager.get(), [&](const SecretResult &r) { written = r.ok(); });
    QTRY_VERIFY(written);
    QTRY_COMPARE(f->stored(deadId)->status, QStringLiteral("needs_login"));

    // The process ends; the database file is closed and opened again.
    f->stopManager();
    f->repository.reset();
    f->db.close();
    QVERIFY(f->db.reopen().ok());
    f->repository = std::make_unique<AccountRepository>(f->db.database(), f->clock);
    const int refreshesBefore = f->fake.requestCount(QStringLiteral("/refreshToken"));
    f->clock.advanceMs(minute);
    auto &m = f->startManager();

    QCOMPARE(m.accounts().size(), size_t(3));
    QCOMPARE(f->poolView(deadId)->status, AccountStatus::NeedsLogin);
    QCOMPARE(f->poolView(parkedId)->status, AccountStatus::QuotaExhausted);
    QCOMPARE(f->poolView(parkedId)->cooldownUntilMs, q.nextResetS * 1000);
    QCOMPARE(f->poolView(activeId)->status, AccountStatus::Active);
    QCOMPARE(m.account(activeId)->record.machineId, active.account->record.machineId);

    // The cached access token comes back from the keychain: no refresh needed.
    QString deadError;
    QVERIFY(f->token(deadId, false, &deadError).isEmpty()); // asked while its secrets are still loading
    QVERIFY(!deadError.isEmpty());
    QTRY_COMPARE(f->token(activeId), cachedToken);
    QCOMPARE(f->fake.requestCount(QStringLiteral("/refreshToken")), refreshesBefore);
    QVERIFY(f->token(deadId, false, &error).isEmpty());
    QCOMPARE(f->fake.requestCount(QStringLiteral("/refreshToken")), refreshesBefore);
}

void TstKiroAccountManager::unknownAccountFailsAsynchronously()
{
    auto &m = f->startManager();
    bool called = false;
    QString error;
    m.accessToken(QStringLiteral("ghost"), false, nullptr,
                  [&](const KiroAccountContext *ctx, const QString &e) {
                      called = true;
                      QVERIFY(!ctx);
                      error = e;
                  });
    QVERIFY(!called);
    QTRY_VERIFY(called);
    QVERIFY(error.contains(QStringLiteral("ghost")));
}

void TstKiroAccountManager::signInAgainKeepsIdSettingsAndHistory()
{
    auto &m = f->startManager();
    const auto added = f->add(f->socialAccount(QStringLiteral("hana")));
    QVERIFY(added.ok());
    const QString id = added.account->record.id;
    KiroAccountManager::Changes c;
    c.slots = std::optional<int>(5);
    c.priority = 3;
    QVERIFY(m.update(id, c).ok());
    m.setCreditsUsedTotal(id, 12.5);
    const qint64 createdAt = f->stored(id)->createdAtMs;
    const QString machineId = f->stored(id)->machineId;

    f->fake.revokeRefreshToken(QStringLiteral("hana"));
    QString error;
    QVERIFY(f->token(id, true, &error).isEmpty());
    QCOMPARE(f->poolView(id)->status, AccountStatus::NeedsLogin);
    QTRY_COMPARE(f->stored(id)->status, QStringLiteral("needs_login"));

    // The user signs in again (e.g. by the device code) and gets a new refresh token for the same login.
    FakeKiroUpstream::Account login;
    login.name = QStringLiteral("hana");
    login.refreshToken = QStringLiteral("rt-social-hana-again");
    login.email = QStringLiteral("hana@example.com");
    f->fake.addAccount(login);
    KiroAccountManager::NewAccount n;
    n.name = QStringLiteral("a name that must not be used");
    n.authMethod = QStringLiteral("social");
    n.refreshToken = login.refreshToken;
    n.slots = 1;
    QSignalSpy added2(&m, &KiroAccountManager::accountsChanged);
    const auto outcome = replaceCredentials(id, n);
    QVERIFY2(outcome.ok(), qPrintable(outcome.failure.message));
    QCOMPARE(outcome.account->record.id, id);
    QCOMPARE(outcome.account->record.name, QStringLiteral("hana"));
    QCOMPARE(outcome.account->status, AccountStatus::Active);
    QCOMPARE(outcome.account->slotsTotal, 5);
    QCOMPARE(outcome.account->creditsUsed, 12.5);
    QCOMPARE(added2.count(), 0); // the same account, not a new one
    QCOMPARE(m.accounts().size(), size_t(1));

    const auto stored = f->stored(id);
    QCOMPARE(stored->status, QStringLiteral("active"));
    QVERIFY(stored->lastError.isEmpty());
    QCOMPARE(stored->slots.value_or(0), 5);
    QCOMPARE(stored->priority, 3);
    QCOMPARE(stored->createdAtMs, createdAt);
    QCOMPARE(stored->machineId, machineId);
    QCOMPARE(f->poolView(id)->status, AccountStatus::Active);
    QCOMPARE(f->poolView(id)->slots, 5);
    QCOMPARE(QString::fromUtf8(
                 secretValue(f->secrets, KiroAccountManager::secretKey(id, QStringLiteral("refresh_token")))),
             f->fake.refreshTokenOf(QStringLiteral("hana")));
    QVERIFY(!f->token(id, false, &error).isEmpty());
    // Survives a restart: the keychain and the record agree.
    f->stopManager();
    f->startManager();
    QVERIFY(!f->token(id, true, &error).isEmpty());
    QCOMPARE(f->poolView(id)->status, AccountStatus::Active);

    QCOMPARE(replaceCredentials(QStringLiteral("nobody"), n).failure.kind,
             KiroAccountManager::ErrorKind::NotFound);
}

void TstKiroAccountManager::failedSignInAgainChangesNothing()
{
    f->startManager();
    const auto added = f->add(f->idcAccount(QStringLiteral("ivo")));
    QVERIFY(added.ok());
    const QString id = added.account->record.id;
    f->fake.revokeRefreshToken(QStringLiteral("ivo"));
    QString error;
    QVERIFY(f->token(id, true, &error).isEmpty());
    QTRY_COMPARE(f->stored(id)->status, QStringLiteral("needs_login"));
    const QString refreshKey = KiroAccountManager::secretKey(id, QStringLiteral("refresh_token"));
    const QByteArray oldToken = secretValue(f->secrets, refreshKey);
    QVERIFY(!oldToken.isEmpty());
    const QString lastError = f->stored(id)->lastError;

    auto unchanged = [&] {
        QCOMPARE(f->stored(id)->status, QStringLiteral("needs_login"));
        QCOMPARE(f->stored(id)->lastError, lastError);
        QCOMPARE(f->stored(id)->authMethod, QStringLiteral("idc"));
        QCOMPARE(f->poolView(id)->status, AccountStatus::NeedsLogin);
        QCOMPARE(secretValue(f->secrets, refreshKey), oldToken);
    };

    // Credentials the auth service rejects.
    KiroAccountManager::NewAccount wrong;
    wrong.authMethod = QStringLiteral("social");
    wrong.refreshToken = QStringLiteral("rt-nobody-knows");
    auto outcome = replaceCredentials(id, wrong);
    QCOMPARE(outcome.failure.kind, KiroAccountManager::ErrorKind::InvalidRefreshToken);
    unchanged();

    // Malformed ones never reach the auth service.
    const int refreshes = f->fake.requestCount();
    KiroAccountManager::NewAccount bad;
    bad.authMethod = QStringLiteral("idc");
    bad.refreshToken = QStringLiteral("rt-x");
    outcome = replaceCredentials(id, bad);
    QCOMPARE(outcome.failure.kind, KiroAccountManager::ErrorKind::InvalidRequest);
    QCOMPARE(outcome.failure.param, QStringLiteral("client_id"));
    QCOMPARE(f->fake.requestCount(), refreshes);

    // Good credentials, but the keychain refuses: the record stays as it was.
    FakeKiroUpstream::Account login;
    login.name = QStringLiteral("ivo");
    login.refreshToken = QStringLiteral("rt-idc-ivo-again");
    login.clientId = QStringLiteral("client-ivo-2");
    login.clientSecret = QStringLiteral("client-secret-ivo-2");
    f->fake.addAccount(login);
    KiroAccountManager::NewAccount good;
    good.authMethod = QStringLiteral("idc");
    good.refreshToken = login.refreshToken;
    good.clientId = login.clientId;
    good.clientSecret = login.clientSecret;
    good.region = QStringLiteral("eu-west-1");
    f->secrets.setFailure(SecretError::AccessDenied, QStringLiteral("keyring locked"));
    outcome = replaceCredentials(id, good);
    QCOMPARE(outcome.failure.kind, KiroAccountManager::ErrorKind::SecretStore);
    QVERIFY(outcome.failure.message.contains(QStringLiteral("keyring locked")));
    f->secrets.setFailure(SecretError::None, {});
    unchanged();

    // The auth service is unreachable: nothing unproven replaces the stored credentials.
    f->settings.oidcBaseUrl = KiroAccountFixture::localUrl(KiroAccountFixture::closedPort());
    f->stopManager();
    f->startManager();
    QTRY_COMPARE(f->poolView(id)->status, AccountStatus::NeedsLogin);
    outcome = replaceCredentials(id, good);
    QCOMPARE(outcome.failure.kind, KiroAccountManager::ErrorKind::Upstream);
    unchanged();
}

QTEST_GUILESS_MAIN(TstKiroAccountManager)
#include "tst_kiroaccountmanager.moc"
