// SPDX-License-Identifier: MIT
#pragma once

#include <QObject>
#include <QString>

#include <functional>

#include "server/secrets/secretresult.h"

namespace Drawbridge {

/**
 * @brief Asynchronous, fallible storage of small secrets (refresh tokens, client secrets, the admin token).
 *
 * Every operation reports through @p callback exactly once, always asynchronously (never from inside the
 * call), in the thread of @p context, and not at all if @p context is destroyed first or the store is
 * destroyed before the operation ends. Operations on one store complete in the order they were started, so a
 * read started after a write sees that write. Call a store only from the thread it lives in.
 *
 * Removing a key that does not exist succeeds. Empty keys are rejected with SecretError::Other.
 */
class SecretStore : public QObject
{
    Q_OBJECT

public:
    using Callback = std::function<void(const SecretResult &result)>;

    explicit SecretStore(QObject *parent = nullptr);
    ~SecretStore() override;
    Q_DISABLE_COPY_MOVE(SecretStore)

    /** On success the result's data holds the secret; SecretError::NotFound when there is none. */
    virtual void read(const QString &key, QObject *context, Callback callback) = 0;
    /** Creates or replaces the secret under @p key. */
    virtual void write(const QString &key, const QByteArray &secret, QObject *context, Callback callback) = 0;
    virtual void remove(const QString &key, QObject *context, Callback callback) = 0;
    /** Whether the store can be used right now: success, or NoBackend/AccessDenied with the reason. */
    virtual void checkAvailable(QObject *context, Callback callback) = 0;

protected:
    /**
     * Queues @p callback(@p result) to @p context's thread. The queued call belongs to @p context, so Qt
     * drops it if @p context is destroyed before it runs.
     */
    static void deliver(QObject *context, Callback callback, SecretResult result);
    /** A success result when @p key is usable, otherwise the error to report for it. */
    static SecretResult validateKey(const QString &key);
};

} // namespace Drawbridge
