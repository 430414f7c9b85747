// SPDX-License-Identifier: MIT
#pragma once

#include <QHash>
#include <QObject>
#include <QString>

#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "server/core/settings.h"
#include "server/kiroprovider/kiroaccount.h"
#include "server/kiroprovider/kiroaccounttypes.h"
#include "server/kiroprovider/kirocredentialsource.h"
#include "server/kiroprovider/kirotokenservice.h"
#include "server/secrets/secretresult.h"

namespace Drawbridge {

class AccountPool;
class AccountRepository;
class Clock;
class SecretStore;

/**
 * @brief The Kiro accounts: loading them at start-up, adding (pasted or imported from the IDE), updating and
 * removing them, with their metadata in the AccountRepository and their secrets in the SecretStore.
 *
 * Secrets live only in the keychain under `kiro/<accountId>/<name>` and in the token service's memory; this
 * class reads them into the token service and stores what the token service announces (a rotated refresh
 * token, a new access token, a new profile ARN). It also resolves each account's URLs.
 */
class KiroAccountRegistry final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(KiroAccountRegistry)

public:
    static constexpr int maxSlots = 64;

    KiroAccountRegistry(const KiroSettings &settings, AccountRepository &repository, SecretStore &secrets,
                        AccountPool &pool, KiroTokenService &tokens, KiroAccountUpstream &upstream,
                        const Clock &clock, QString ideTokenFilePath, QObject *parent = nullptr);
    ~KiroAccountRegistry() override;

    /** Loads every stored account into the pool, restores its state and starts reading its secrets. */
    Status start();

    void addAccount(const KiroNewAccount &account, QObject *context, KiroAccountOutcomeCallback done);
    void importFromIdeFile(const QString &path, const QString &name, std::optional<int> slots,
                           QObject *context, KiroAccountOutcomeCallback done);
    /**
     * Signs an existing account in again with new credentials (a device-code login, a pasted token): proves
     * them with one refresh, writes the secrets to the keychain one by one and only then the record, and
     * clears needs_login. Id, name, settings, slots and history stay. Only the credential fields of
     * @p credentials count (auth method, refresh token, client id and secret, region, profile ARN). A failure
     * leaves the record and the keychain as they were. @p done is dropped when @p context is destroyed first.
     */
    void replaceCredentials(const QString &accountId, const KiroNewAccount &credentials, QObject *context,
                            KiroAccountOutcomeCallback done);
    KiroAccountOutcome update(const QString &accountId, const KiroAccountChanges &changes);
    KiroAccountOutcome remove(const QString &accountId);
    /** Reads the account's secrets (again) into the token service. */
    void loadSecrets(const QString &accountId);
    /**
     * Team mode: another instance added, edited or removed @p accountId; reads its row again and follows (a
     * new account is loaded as at start-up, secrets included; a removed one is dropped here; edited settings
     * apply). Returns the stored record when the account is here afterwards.
     */
    std::optional<AccountRecord> syncStored(const QString &accountId);

    KiroAccount *find(const QString &accountId) const;
    std::vector<QString> ids() const;
    /** The account as the admin API shows it; quota figures included. */
    KiroAccountInfo info(const KiroAccount &account) const;
    /** The model ids the account may use: its catalog once read, else `kiro.models`. */
    QStringList models(const KiroAccount &account) const;
    /**
     * The union of every account's models(), each id once (ignoring case): those `kiro.models` names in its
     * order, then the others by name; `kiro.models` while there is no account.
     */
    QStringList allModels() const;
    /** What a chat call needs to talk to Kiro as the account. */
    KiroAccountContext context(const KiroAccount &account, const QString &accessToken) const;
    KiroFingerprint fingerprint(const KiroAccount &account) const;
    QString apiBaseUrl(const KiroAccount &account) const;
    /**
     * A chat call met a "wrong endpoint" refusal at @p baseUrl: the account moves to its next endpoint.
     * Returns the endpoint it uses now (unchanged if another call already moved it).
     */
    QString endpointRefused(const QString &accountId, const QString &baseUrl, const QString &reason);

    static QString secretKey(const QString &accountId, const QString &name);

Q_SIGNALS:
    void accountsChanged();
    void accountUpdated(const QString &accountId);
    /** The account's secrets were read and handed to the token service. */
    void secretsLoaded(const QString &accountId);
    /** addAccount() stored a new account; @p proven = its refresh succeeded. Emitted after the outcome. */
    void accountAdded(const QString &accountId, bool proven);

private:
    struct PendingAdd;
    struct PendingReplace;

    QString authBaseUrl(const QString &authMethod, const QString &region) const;
    /** Where the account's API lives: its profile ARN's region, else kiro.region. */
    QString apiRegion(const AccountRecord &record) const;
    void resolveEndpoints(KiroAccount &account) const;
    int effectiveSlots(const AccountRecord &record) const;
    std::optional<KiroAccountFailure> validate(KiroNewAccount &account) const;
    QString newAccountId() const;
    KiroTokenService::Credentials credentials(const AccountRecord &record, const QString &refreshToken,
                                              const QString &clientId, const QString &clientSecret) const;

    void registerInPool(KiroAccount &account);
    void restoreState(KiroAccount &account);
    void onSecretsLoaded(const QString &accountId, const QHash<QString, SecretResult> &results);
    void writeSecret(const QString &accountId, const QString &name, const QByteArray &value);

    void onRefreshTokenRotated(const QString &accountId, const QString &refreshToken);
    void onAccessTokenChanged(const QString &accountId, const QString &accessToken, qint64 expiresAtMs);
    void onAccessTokenDropped(const QString &accountId);
    void onProfileArnReceived(const QString &accountId, const QString &profileArn);
    void onRefreshFinished(const QString &accountId, KiroTokenService::RefreshOutcome outcome);

    void finishAdd(const std::shared_ptr<PendingAdd> &add, const KiroAccountUpstream::RefreshResult &result);
    void commitAdd(const std::shared_ptr<PendingAdd> &add);
    void failAdd(const std::shared_ptr<PendingAdd> &add, KiroAccountFailure failure);
    void finishReplace(const std::shared_ptr<PendingReplace> &replace,
                       const KiroAccountUpstream::RefreshResult &result);
    void writeNextReplaceSecret(const std::shared_ptr<PendingReplace> &replace);
    void commitReplace(const std::shared_ptr<PendingReplace> &replace);
    void failReplace(const std::shared_ptr<PendingReplace> &replace, KiroAccountFailure failure);

    const KiroSettings &m_settings;
    AccountRepository &m_repository;
    SecretStore &m_secrets;
    AccountPool &m_pool;
    KiroTokenService &m_tokens;
    KiroAccountUpstream &m_upstream;
    const Clock &m_clock;
    QString m_ideTokenFilePath;
    std::map<QString, std::unique_ptr<KiroAccount>> m_accounts;
    std::map<QString, std::shared_ptr<PendingAdd>> m_pendingAdds;
    std::map<QString, std::shared_ptr<PendingReplace>> m_pendingReplaces;
    bool m_started = false;
};

} // namespace Drawbridge
