// SPDX-License-Identifier: MIT
#include "keychainsecretstore.h"

#include <QPointer>
#include <QTimer>
#include <QUuid>

#include <memory>

#include <qt6keychain/keychain.h>

#include "server/core/logging.h"

namespace Drawbridge {

namespace {

SecretResult resultOf(const QKeychain::Job &job, bool isRemove)
{
    switch (job.error()) {
    case QKeychain::NoError:
        return {};
    case QKeychain::EntryNotFound:
        // Removing what is not there has the outcome the caller wanted; some backends report it as an error.
        if (isRemove)
            return {};
        return { SecretError::NotFound, job.errorString(), {} };
    case QKeychain::AccessDeniedByUser:
    case QKeychain::AccessDenied:
        return { SecretError::AccessDenied, job.errorString(), {} };
    case QKeychain::NoBackendAvailable:
    case QKeychain::NotImplemented:
        return { SecretError::NoBackend, job.errorString(), {} };
    case QKeychain::CouldNotDeleteEntry:
    case QKeychain::OtherError:
        break;
    }
    return { SecretError::Other, job.errorString(), {} };
}

// For the probe, "could not talk to a keychain at all" (a missing D-Bus session, no secret service on the
// bus) surfaces from libsecret as OtherError; for the question "is there a usable keychain" that means
// NoBackend.
SecretResult probeFailure(SecretResult result, const QString &step)
{
    if (result.error != SecretError::AccessDenied)
        result.error = SecretError::NoBackend;
    result.message = QStringLiteral("keychain probe failed to %1: %2").arg(step, result.message);
    result.data.clear();
    return result;
}

} // namespace

KeychainSecretStore::KeychainSecretStore(const QString &service, QObject *parent)
    : SecretStore(parent), m_service(service)
{
}

KeychainSecretStore::~KeychainSecretStore() = default;

void KeychainSecretStore::start(QKeychain::Job *job, const QString &key, QObject *context, Callback callback,
                                bool isRemove)
{
    job->setAutoDelete(true);
    // Never fall back to a plain settings file: a missing keychain must be visible, not silently insecure.
    job->setInsecureFallback(false);
    job->setKey(key);
    // Jobs have no parent and always run to the end (deleting themselves): QtKeychain's libsecret backend
    // keeps a raw pointer to a running job for its asynchronous callback. Connecting with this store as
    // context means nothing is reported once the store is gone.
    QObject::connect(job, &QKeychain::Job::finished, this,
                     [context = QPointer<QObject>(context), callback = std::move(callback),
                      isRemove](QKeychain::Job *finished) mutable {
                         SecretResult result = resultOf(*finished, isRemove);
                         if (result.ok()) {
                             if (auto *readJob = qobject_cast<QKeychain::ReadPasswordJob *>(finished))
                                 result.data = readJob->binaryData();
                         } else {
                             qCDebug(lcSecrets)
                                 << "keychain job for" << finished->key() << "failed:" << result.message;
                         }
                         // Delivered through the event loop even though finished may come straight from
                         // start().
                         if (context)
                             deliver(context.data(), std::move(callback), std::move(result));
                     });
    job->start();
}

void KeychainSecretStore::read(const QString &key, QObject *context, Callback callback)
{
    if (SecretResult invalid = validateKey(key); !invalid.ok())
        return deliver(context, std::move(callback), std::move(invalid));
    start(new QKeychain::ReadPasswordJob(m_service), key, context, std::move(callback), false);
}

void KeychainSecretStore::write(const QString &key, const QByteArray &secret, QObject *context,
                                Callback callback)
{
    if (SecretResult invalid = validateKey(key); !invalid.ok())
        return deliver(context, std::move(callback), std::move(invalid));
    auto *job = new QKeychain::WritePasswordJob(m_service);
    job->setBinaryData(secret);
    start(job, key, context, std::move(callback), false);
}

void KeychainSecretStore::remove(const QString &key, QObject *context, Callback callback)
{
    if (SecretResult invalid = validateKey(key); !invalid.ok())
        return deliver(context, std::move(callback), std::move(invalid));
    start(new QKeychain::DeletePasswordJob(m_service), key, context, std::move(callback), true);
}

void KeychainSecretStore::checkAvailable(QObject *context, Callback callback)
{
    // QtKeychain 0.14 has QKeychain::isAvailable(); Debian 12 ships 0.13, so probe with a real round trip.
    // (Switch to isAvailable() plus this probe's AccessDenied detection when the floor moves.)
    struct Probe
    {
        QPointer<QObject> context;
        Callback callback;
        bool done = false;

        void finish(SecretResult result)
        {
            if (done)
                return;
            done = true;
            if (context)
                deliver(context.data(), std::move(callback), std::move(result));
        }
    };
    auto probe = std::make_shared<Probe>();
    probe->context = context;
    probe->callback = std::move(callback);

    const QString key
        = QStringLiteral("drawbridge-probe-") + QUuid::createUuid().toString(QUuid::WithoutBraces);
    // Random (version 4 UUID bytes), so a stale entry from another probe cannot pass for this one.
    const QByteArray value = QUuid::createUuid().toRfc4122();

    const int timeoutMs = m_probeTimeoutMs;
    QTimer::singleShot(timeoutMs, this, [probe, timeoutMs] {
        probe->finish({ SecretError::NoBackend,
                        QStringLiteral("the keychain did not answer within %1 ms").arg(timeoutMs),
                        {} });
    });

    write(key, value, this, [this, probe, key, value](const SecretResult &written) {
        if (!written.ok())
            return probe->finish(probeFailure(written, QStringLiteral("write")));
        // Even after a timeout the entry is read back and removed, so no probe entry is left behind.
        read(key, this, [this, probe, key, value](const SecretResult &readBack) {
            remove(key, this, [probe](const SecretResult &removed) {
                if (!removed.ok())
                    return probe->finish(probeFailure(removed, QStringLiteral("remove")));
                probe->finish({});
            });
            if (!readBack.ok())
                return probe->finish(probeFailure(readBack, QStringLiteral("read")));
            if (readBack.data != value)
                return probe->finish(
                    { SecretError::Other,
                      QStringLiteral("keychain probe read back a different value than it wrote"),
                      {} });
        });
    });
}

} // namespace Drawbridge
