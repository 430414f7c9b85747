// SPDX-License-Identifier: MIT
#include "kiroaccountfixture.h"

#include <QTcpServer>
#include <QTest>

namespace Drawbridge::Test {

KiroAccountFixture::KiroAccountFixture()
{
    if (!db.isValid()) {
        m_error = db.errorString();
        return;
    }
    if (!fake.listen()) {
        m_error = QStringLiteral("the fake Kiro upstream cannot listen");
        return;
    }
    fake.setClock(&clock);
    repository = std::make_unique<AccountRepository>(db.database(), clock);
    const QString base = fake.baseUrl().toString();
    settings.apiBaseUrl = base;
    settings.socialAuthBaseUrl = base;
    settings.oidcBaseUrl = base;
    settings.slotsPerAccount = 2;
}

KiroAccountFixture::~KiroAccountFixture()
{
    stopManager();
}

KiroAccountManager::Options KiroAccountFixture::defaultOptions()
{
    KiroAccountManager::Options o;
    o.tickIntervalMs = 0;
    return o;
}

KiroAccountManager &KiroAccountFixture::startManager(KiroAccountManager::Options options)
{
    stopManager();
    pool = std::make_unique<AccountPool>(clock, AccountPool::Options {});
    manager = std::make_unique<KiroAccountManager>(settings, *repository, secrets, *pool, http, clock,
                                                   std::move(options));
    if (auto started = manager->start(); !started)
        m_error = started.error();
    return *manager;
}

void KiroAccountFixture::stopManager()
{
    manager.reset();
    pool.reset();
}

KiroAccountManager::NewAccount KiroAccountFixture::socialAccount(const QString &name)
{
    FakeKiroUpstream::Account account;
    account.name = name;
    account.refreshToken = QStringLiteral("rt-social-") + name;
    account.email = name + QStringLiteral("@example.com");
    fake.addAccount(account);
    KiroAccountManager::NewAccount n;
    n.name = name;
    n.authMethod = QStringLiteral("social");
    n.refreshToken = account.refreshToken;
    return n;
}

KiroAccountManager::NewAccount KiroAccountFixture::idcAccount(const QString &name)
{
    FakeKiroUpstream::Account account;
    account.name = name;
    account.refreshToken = QStringLiteral("rt-idc-") + name;
    account.clientId = QStringLiteral("client-") + name;
    account.clientSecret = QStringLiteral("client-secret-") + name;
    fake.addAccount(account);
    KiroAccountManager::NewAccount n;
    n.name = name;
    n.authMethod = QStringLiteral("idc");
    n.refreshToken = account.refreshToken;
    n.clientId = account.clientId;
    n.clientSecret = account.clientSecret;
    n.region = QStringLiteral("eu-west-1");
    return n;
}

KiroAccountManager::Outcome KiroAccountFixture::add(const KiroAccountManager::NewAccount &account)
{
    std::optional<KiroAccountManager::Outcome> outcome;
    manager->addAccount(account, nullptr, [&outcome](const KiroAccountManager::Outcome &o) { outcome = o; });
    if (!QTest::qWaitFor([&] { return outcome.has_value(); }, 5000))
        return KiroAccountManager::Outcome {
            std::nullopt,
            { KiroAccountManager::ErrorKind::Storage, QStringLiteral("addAccount timed out"), {} }
        };
    return *outcome;
}

QString KiroAccountFixture::token(const QString &accountId, bool force, QString *error)
{
    bool done = false;
    QString token;
    QString failure;
    manager->accessToken(accountId, force, nullptr, [&](const KiroAccountContext *ctx, const QString &e) {
        done = true;
        token = ctx ? ctx->accessToken : QString();
        failure = e;
    });
    if (!QTest::qWaitFor([&] { return done; }, 5000))
        failure = QStringLiteral("accessToken timed out");
    if (error)
        *error = failure;
    return token;
}

std::optional<AccountRecord> KiroAccountFixture::stored(const QString &accountId) const
{
    auto found = repository->findById(accountId);
    return found ? *found : std::nullopt;
}

std::optional<AccountPool::AccountView> KiroAccountFixture::poolView(const QString &accountId) const
{
    return pool ? pool->account(accountId) : std::nullopt;
}

quint16 KiroAccountFixture::closedPort()
{
    QTcpServer probe;
    probe.listen(QHostAddress::LocalHost, 0);
    const quint16 port = probe.serverPort();
    probe.close();
    return port;
}

QString KiroAccountFixture::localUrl(quint16 port)
{
    return QStringLiteral("http://127.0.0.1:%1").arg(port);
}

} // namespace Drawbridge::Test
