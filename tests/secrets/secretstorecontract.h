// SPDX-License-Identifier: MIT
#pragma once

#include <QObject>
#include <QStringList>

#include <functional>
#include <memory>
#include <optional>

#include "server/secrets/secretstore.h"

namespace Drawbridge::Test {

const char *secretErrorName(SecretError error);

// Readable failures ("expected None, got NoBackend (…)"). Evaluates @p outcome once.
#define VERIFY_SECRET_RESULT(outcome, expectedError)                                                         \
    do {                                                                                                     \
        const std::optional<::Drawbridge::SecretResult> verified_ = (outcome);                               \
        QVERIFY2(verified_.has_value(), "no callback within the timeout");                                   \
        QVERIFY2(verified_->error == (expectedError),                                                        \
                 qPrintable(QStringLiteral("expected %1, got %2 (%3)")                                       \
                                .arg(QLatin1String(::Drawbridge::Test::secretErrorName(expectedError)),      \
                                     QLatin1String(::Drawbridge::Test::secretErrorName(verified_->error)),   \
                                     verified_->message)));                                                  \
    } while (false)

/**
 * @brief The behaviour every SecretStore promises, as Qt Test slots.
 *
 * A test class derives from this and supplies createStore(); QtTest runs the inherited private slots too, so
 * the in-memory fake and the real keychain are held to exactly the same contract.
 */
class SecretStoreContract : public QObject
{
    Q_OBJECT

protected:
    /** A store for one test function; secrets it keeps must start out absent for keys from key(). */
    virtual std::unique_ptr<SecretStore> createStore() = 0;
    /** How long one operation may take. */
    virtual int timeoutMs() const { return 5000; }

    using Start = std::function<void(QObject *context, SecretStore::Callback callback)>;
    /**
     * Starts an operation with a fresh context and waits for its callback; nullopt on timeout. Sets
     * *@p synchronous when the callback ran inside the starting call (a contract violation).
     */
    std::optional<SecretResult> await(const Start &start, bool *synchronous = nullptr);
    std::optional<SecretResult> readKey(SecretStore &store, const QString &key);
    std::optional<SecretResult> writeKey(SecretStore &store, const QString &key, const QByteArray &secret);
    std::optional<SecretResult> removeKey(SecretStore &store, const QString &key);

    /** A key unique to this run, removed again in cleanup(). */
    QString key(const QString &name);

    std::unique_ptr<SecretStore> m_store;

private Q_SLOTS:
    void init();
    void cleanup();

    void writeThenRead_data();
    void writeThenRead();
    void overwriteReplaces();
    void readMissingIsNotFound();
    void removeThenReadIsNotFound();
    void removeMissingSucceeds();
    void keysAreIndependent();
    void callbacksAreAsynchronous();
    void callbackDroppedWhenContextDies();
    void callbackRunsInContextThread();
    void operationsCompleteInOrder();
    void emptyKeyIsRejected();
    void checkAvailableSucceeds();

private:
    QString m_runId;
    QStringList m_usedKeys;
};

} // namespace Drawbridge::Test
