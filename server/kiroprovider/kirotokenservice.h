// SPDX-License-Identifier: MIT
#pragma once

#include <QObject>
#include <QPointer>
#include <QString>

#include <functional>
#include <map>
#include <memory>
#include <vector>

#include "server/core/result.h"
#include "server/kiroprovider/kiroaccountupstream.h"

namespace Drawbridge {

class AccountPool;
class Clock;

/**
 * @brief Access tokens of the Kiro accounts: single-flight refresh ahead of expiry, refresh-token rotation,
 * and back-off after failures.
 *
 * Knows credentials only in memory; what must be kept (a rotated refresh token, a new access token, a new
 * profile ARN) is announced by signals and stored by whoever owns the keychain and the database. The refresh
 * itself goes through the injected KiroAccountUpstream, so tests drive every path with a scripted fake and a
 * FakeClock. The account's health is reported to the AccountPool (needs_login, error with a retry time,
 * active again), which is also where a needs_login state is read back from.
 */
class KiroTokenService final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(KiroTokenService)

public:
    struct Options
    {
        qint64 refreshAheadMs = 5 * 60'000; ///< refresh when the token expires within this
        qint64 minTokenValidityMs = 60'000; ///< a token closer to expiry is not handed out
        qint64 retryBaseMs = 30'000; ///< first retry after the auth service or keychain failed
        qint64 retryCapMs = 15 * 60'000;
    };

    struct Credentials
    {
        QString authMethod; ///< "social" | "idc"
        QString refreshToken;
        QString clientId;
        QString clientSecret;
        QString authBaseUrl; ///< resolved for the account
        KiroFingerprint fingerprint;
    };

    enum class RefreshOutcome { Refreshed, Rejected, Failed };

    /**
     * Team mode: where the instances sharing the accounts make a refresh single-flight across all of them. A
     * refresh runs only under the account's team lock, and only after the tokens the team stores were read
     * again: a refresh token another instance rotated meanwhile replaces this instance's (dead) one, and a
     * token it just fetched makes this instance's refresh unnecessary.
     */
    class TeamStore
    {
    public:
        virtual ~TeamStore() = default;
        struct Tokens
        {
            QString refreshToken; ///< empty = none stored
            QString accessToken;
            qint64 accessExpiresMs = 0;
        };
        /** Never waits: true = this instance holds @p accountId's lock now (until unlock() or its death). */
        virtual Result<bool> tryLock(const QString &accountId) = 0;
        virtual void unlock(const QString &accountId) = 0;
        /** The account's tokens as the team stores them now. */
        virtual Result<Tokens> read(const QString &accountId) = 0;
    };
    /** How often a refresh waiting for another instance's tries the lock again, and for how long at most. */
    static constexpr int teamRetryMs = 100;
    static constexpr qint64 teamWaitMaxMs = 30'000;

    /** @p error empty = @p accessToken is valid for at least Options::minTokenValidityMs. */
    using TokenCallback = std::function<void(const QString &accessToken, const QString &error)>;

    KiroTokenService(KiroAccountUpstream &upstream, AccountPool &pool, const Clock &clock, Options options,
                     QObject *parent = nullptr);
    ~KiroTokenService() override;

    /** Team mode (see TeamStore); set before the first request. @p store must outlive the service. */
    void setTeamStore(TeamStore *store) { m_team = store; }

    /** The account exists; its credentials are still being read. Requests wait until they arrive. */
    void track(const QString &accountId);
    /**
     * The account's credentials were read: serves waiting requests, refreshing first when needed. Missing
     * credentials (no refresh token, an IdC account without its client) put the account in needs_login.
     */
    void setCredentials(const QString &accountId, const Credentials &credentials, const QString &accessToken,
                        qint64 accessExpiresMs);
    /** A just-added account: credentials and token as proven by the add, or a refresh due at @p retryAtMs. */
    void adopt(const QString &accountId, const Credentials &credentials, const QString &accessToken,
               qint64 accessExpiresMs, qint64 retryAtMs);
    /**
     * The credentials cannot be read (the keychain failed): the account goes to error, waiting requests
     * fail. Returns when reading should be tried again (the same back-off as refresh failures).
     */
    qint64 setUnavailable(const QString &accountId, const QString &message);
    /** The account failed to refresh in an earlier run: retry as soon as its credentials are read. */
    void scheduleRetry(const QString &accountId, qint64 atMs, int failureStreak);
    /** Forgets the account: its refresh is aborted, waiting requests fail (later) with @p message. */
    void forget(const QString &accountId, const QString &message);

    /**
     * Calls @p done with a valid token: synchronously when the cached one is fresh (the hot path; a refresh
     * then starts in the background when the token is within the refresh window), else after a refresh
     * shared by every waiter. With @p forceRefresh the cached token is not trusted. Failures are always
     * reported asynchronously. @p done is dropped when @p guard is destroyed first.
     */
    void request(const QString &accountId, bool forceRefresh, QObject *guard, TokenCallback done);
    /** Starts the refresh that is due (ahead of expiry, or a retry whose time has come). */
    void poll(const QString &accountId);

    bool isLoaded(const QString &accountId) const;
    /** The credentials in use (nullptr until read): what a failed sign-in-again puts back in the keychain. */
    const Credentials *credentials(const QString &accountId) const;
    bool isUnavailable(const QString &accountId) const;
    bool isRefreshing(const QString &accountId) const;
    /** An automatic retry is pending (the last refresh failed); 0 = none. */
    qint64 retryAtMs(const QString &accountId) const;
    qint64 backoffMs(int streak) const;

Q_SIGNALS:
    void refreshStarted(const QString &accountId);
    void refreshFinished(const QString &accountId, KiroTokenService::RefreshOutcome outcome);
    /** The service rotated the refresh token; the old one is dead. Store the new one at once. */
    void refreshTokenRotated(const QString &accountId, const QString &refreshToken);
    void accessTokenChanged(const QString &accountId, const QString &accessToken, qint64 expiresAtMs);
    /** The login is dead; the cached access token must go too. */
    void accessTokenDropped(const QString &accountId);
    /** A refresh answer named a (new) profile ARN. */
    void profileArnReceived(const QString &accountId, const QString &profileArn);

private:
    enum class State { Loading, Loaded, Unavailable };

    struct Waiter
    {
        QPointer<QObject> guard;
        bool guarded = false;
        TokenCallback done;
    };

    struct Entry
    {
        State state = State::Loading;
        Credentials credentials;
        QString accessToken;
        qint64 accessExpiresMs = 0;
        std::unique_ptr<KiroPendingCall> refreshCall;
        std::vector<Waiter> waiters;
        bool forceQueued = false; ///< a waiter distrusts the cached token
        int failureStreak = 0;
        qint64 retryAtMs = 0; ///< automatic refresh retry; 0 = none pending
        bool teamWaiting = false; ///< team mode: waiting for the account's team lock
        bool teamLocked = false; ///< team mode: this instance holds it (released when the refresh ends)
        qint64 teamWaitSinceMs = 0;
    };

    Entry *find(const QString &accountId) const;
    bool tokenUsable(const Entry &e) const;
    bool refreshDue(const Entry &e) const;
    bool needsLogin(const QString &accountId, QString *message) const;
    void startRefresh(const QString &accountId, Entry &e);
    static bool busy(const Entry &e) { return e.refreshCall || e.teamWaiting; }
    /** Team mode: one try for the lock; then the stored tokens decide whether to call the service at all. */
    void teamStep(const QString &accountId);
    void callUpstream(const QString &accountId, Entry &e);
    /** A refresh that could not even start (team lock or tokens unreadable): a failed one. */
    void failWithoutCall(const QString &accountId, const QString &message);
    void onRefreshed(const QString &accountId, const KiroAccountUpstream::RefreshResult &r);
    void resolveWaiters(Entry &e, const QString &error);
    void failLater(QObject *guard, TokenCallback done, const QString &error);

    KiroAccountUpstream &m_upstream;
    AccountPool &m_pool;
    const Clock &m_clock;
    Options m_options;
    TeamStore *m_team = nullptr;
    std::map<QString, std::unique_ptr<Entry>> m_entries;
};

} // namespace Drawbridge
