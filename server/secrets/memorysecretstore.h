// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QHash>
#include <QStringList>

#include "server/secrets/secretstore.h"

namespace Drawbridge {

/**
 * @brief Secrets held in process memory only: for tests and `--ephemeral` runs.
 *
 * Same asynchronous contract as every SecretStore. setFailure() makes it behave like a broken or locked
 * keychain, so the code that handles those cases can be tested without one.
 */
class MemorySecretStore final : public SecretStore
{
    Q_OBJECT

public:
    explicit MemorySecretStore(QObject *parent = nullptr);
    ~MemorySecretStore() override;
    Q_DISABLE_COPY_MOVE(MemorySecretStore)

    void read(const QString &key, QObject *context, Callback callback) override;
    void write(const QString &key, const QByteArray &secret, QObject *context, Callback callback) override;
    void remove(const QString &key, QObject *context, Callback callback) override;
    void checkAvailable(QObject *context, Callback callback) override;

    /** Every later operation fails with @p error and changes nothing; SecretError::None restores normal work.
     */
    void setFailure(SecretError error, const QString &message = QString());
    /**
     * After @p succeeding more writes, the next one fails with @p error and changes nothing, once; later
     * operations work again (a keychain prompt the user cancelled in the middle of several writes).
     */
    void failOneWrite(int succeeding, SecretError error, const QString &message);
    /** The stored keys, sorted; for assertions. */
    QStringList keys() const;

private:
    bool failIfSet(QObject *context, Callback &callback) const;

    QHash<QString, QByteArray> m_secrets;
    SecretError m_failure = SecretError::None;
    QString m_failureMessage;
    int m_writesBeforeOneFailure = -1; ///< -1 = no one-shot failure armed
    SecretError m_oneFailure = SecretError::None;
    QString m_oneFailureMessage;
};

} // namespace Drawbridge
