// SPDX-License-Identifier: MIT
#pragma once

#include <QString>

#include "server/secrets/secretstore.h"

namespace QKeychain {
class Job;
}

namespace Drawbridge {

/**
 * @brief Secrets in the operating system's keychain through QtKeychain (Secret Service/libsecret on Linux,
 * Keychain on macOS, Credential Manager on Windows).
 *
 * Each secret is one entry of @p service under its key. The insecure plain-file fallback is off: without a
 * keychain, operations fail with SecretError::NoBackend instead of writing secrets to disk.
 */
class KeychainSecretStore final : public SecretStore
{
    Q_OBJECT

public:
    static constexpr int defaultProbeTimeoutMs = 10'000;

    /** @p service names the entries in the keychain; tests pass a unique one. */
    explicit KeychainSecretStore(const QString &service = QStringLiteral("drawbridge"),
                                 QObject *parent = nullptr);
    ~KeychainSecretStore() override;
    Q_DISABLE_COPY_MOVE(KeychainSecretStore)

    QString service() const { return m_service; }
    void read(const QString &key, QObject *context, Callback callback) override;
    void write(const QString &key, const QByteArray &secret, QObject *context, Callback callback) override;
    void remove(const QString &key, QObject *context, Callback callback) override;
    /**
     * Writes, reads back and removes a throw-away entry. A locked keychain gives AccessDenied; any other
     * failure, or no answer within the probe timeout, gives NoBackend with the reason.
     */
    void checkAvailable(QObject *context, Callback callback) override;

private:
    void start(QKeychain::Job *job, const QString &key, QObject *context, Callback callback, bool isRemove);

    const QString m_service;
    int m_probeTimeoutMs = defaultProbeTimeoutMs;
};

} // namespace Drawbridge
