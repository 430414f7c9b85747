// SPDX-License-Identifier: MIT
#include "secretstore.h"

#include <QMetaObject>

#include "server/core/logging.h"

namespace Drawbridge {

SecretStore::SecretStore(QObject *parent) : QObject(parent) { }

SecretStore::~SecretStore() = default;

void SecretStore::deliver(QObject *context, Callback callback, SecretResult result)
{
    if (!callback)
        return;
    if (!context) {
        // Without a context there is no thread to deliver to and no lifetime to respect.
        qCWarning(lcSecrets) << "secret store callback without a context object dropped";
        return;
    }
    // Always queued, even from the context's own thread: callers may rely on the callback not running inside
    // the call that started the operation (re-entrancy into half-updated state).
    QMetaObject::invokeMethod(
        context, [callback = std::move(callback), result = std::move(result)] { callback(result); },
        Qt::QueuedConnection);
}

SecretResult SecretStore::validateKey(const QString &key)
{
    if (key.isEmpty())
        return { SecretError::Other, QStringLiteral("a secret needs a non-empty key"), {} };
    return {};
}

} // namespace Drawbridge
