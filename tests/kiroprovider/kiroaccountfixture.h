// SPDX-License-Identifier: MIT
#pragma once

#include <QString>

#include <memory>

#include "server/core/accountpool.h"
#include "server/core/settings.h"
#include "server/kiroprovider/kiroaccountmanager.h"
#include "server/net/httpclient.h"
#include "server/secrets/memorysecretstore.h"
#include "server/storage/accountrepository.h"
#include "tests/fakekiro/fakekiroupstream.h"
#include "tests/support/fakeclock.h"
#include "tests/support/tempdatabase.h"

namespace Drawbridge::Test {

/**
 * @brief Everything a KiroAccountManager needs, wired to a fake Kiro upstream on 127.0.0.1, a real SQLite
 * file, a MemorySecretStore and a FakeClock shared by the manager, the pool and the fake's token world.
 *
 * Members are destroyed in reverse order: the manager (and its HTTP calls) before the pool and the client.
 */
class KiroAccountFixture final
{
public:
    KiroAccountFixture();
    ~KiroAccountFixture();
    Q_DISABLE_COPY_MOVE(KiroAccountFixture)

    bool isValid() const { return m_error.isEmpty(); }
    QString errorString() const { return m_error; }

    /** A manager with its own pool on the current settings; no timer runs, tests call poll(). */
    KiroAccountManager &startManager(KiroAccountManager::Options options = defaultOptions());
    /** Destroys the manager and its pool, as a process exit would (the database and secrets stay). */
    void stopManager();
    static KiroAccountManager::Options defaultOptions();

    /** Registers a social account at the fake and returns the parameters that add it. */
    KiroAccountManager::NewAccount socialAccount(const QString &name);
    KiroAccountManager::NewAccount idcAccount(const QString &name);

    /** addAccount() and wait (up to 5 s) for its outcome. */
    KiroAccountManager::Outcome add(const KiroAccountManager::NewAccount &account);
    /** accessToken() and wait; the token, or empty with @p error set. */
    QString token(const QString &accountId, bool force = false, QString *error = nullptr);
    std::optional<AccountRecord> stored(const QString &accountId) const;
    std::optional<AccountPool::AccountView> poolView(const QString &accountId) const;

    /** A 127.0.0.1 port nothing listens on, for "the auth service is unreachable". */
    static quint16 closedPort();
    static QString localUrl(quint16 port);

    FakeClock clock;
    FakeKiroUpstream fake;
    TempDatabase db;
    std::unique_ptr<AccountRepository> repository;
    MemorySecretStore secrets;
    HttpClient http;
    KiroSettings settings;
    std::unique_ptr<AccountPool> pool;
    std::unique_ptr<KiroAccountManager> manager;

private:
    QString m_error;
};

} // namespace Drawbridge::Test
