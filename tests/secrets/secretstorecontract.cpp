// SPDX-License-Identifier: MIT
#include "secretstorecontract.h"

#include <QThread>
#include <QUuid>
#include <QtTest>

namespace Drawbridge::Test {

const char *secretErrorName(SecretError error)
{
    switch (error) {
    case SecretError::None:
        return "None";
    case SecretError::NotFound:
        return "NotFound";
    case SecretError::AccessDenied:
        return "AccessDenied";
    case SecretError::NoBackend:
        return "NoBackend";
    case SecretError::Other:
        return "Other";
    }
    return "?";
}

std::optional<SecretResult> SecretStoreContract::await(const Start &start, bool *synchronous)
{
    QObject context;
    std::optional<SecretResult> result;
    bool returned = false;
    bool calledInside = false;
    start(&context, [&](const SecretResult &r) {
        calledInside = !returned;
        result = r;
    });
    returned = true;
    // A timeout shows as nullopt; the caller reports it.
    (void)QTest::qWaitFor([&] { return result.has_value(); }, timeoutMs());
    if (synchronous)
        *synchronous = calledInside;
    return result;
}

std::optional<SecretResult> SecretStoreContract::readKey(SecretStore &store, const QString &key)
{
    return await(
        [&](QObject *context, SecretStore::Callback callback) { store.read(key, context, callback); });
}

std::optional<SecretResult> SecretStoreContract::writeKey(SecretStore &store, const QString &key,
                                                          const QByteArray &secret)
{
    return await([&](QObject *context, SecretStore::Callback callback) {
        store.write(key, secret, context, callback);
    });
}

std::optional<SecretResult> SecretStoreContract::removeKey(SecretStore &store, const QString &key)
{
    return await(
        [&](QObject *context, SecretStore::Callback callback) { store.remove(key, context, callback); });
}

QString SecretStoreContract::key(const QString &name)
{
    if (m_runId.isEmpty())
        m_runId = QUuid::createUuid().toString(QUuid::WithoutBraces).left(8);
    const QString full = QStringLiteral("test-%1-%2").arg(m_runId, name);
    if (!m_usedKeys.contains(full))
        m_usedKeys << full;
    return full;
}

void SecretStoreContract::init()
{
    m_store = createStore();
    QVERIFY(m_store);
}

void SecretStoreContract::cleanup()
{
    if (m_store) {
        for (const QString &used : std::as_const(m_usedKeys))
            removeKey(*m_store, used);
    }
    m_usedKeys.clear();
    m_store.reset();
}

void SecretStoreContract::writeThenRead_data()
{
    QTest::addColumn<QByteArray>("secret");
    QTest::newRow("text") << QByteArray("rt-0123456789abcdefghijklmnopqrstuvwxyz");
    QByteArray everyByte;
    for (int i = 0; i < 256; ++i)
        everyByte.append(char(i));
    QTest::newRow("every-byte-value") << everyByte;
    QByteArray large(4096, '\0');
    for (int i = 0; i < large.size(); ++i)
        large[i] = char((i * 131 + 7) % 256);
    QTest::newRow("4-KiB") << large;
    QTest::newRow("utf-8") << QStringLiteral("pässwörd ✓ 密码").toUtf8();
}

void SecretStoreContract::writeThenRead()
{
    QFETCH(QByteArray, secret);
    const QString k = key(QStringLiteral("roundtrip"));
    VERIFY_SECRET_RESULT(writeKey(*m_store, k, secret), SecretError::None);
    const auto read = readKey(*m_store, k);
    VERIFY_SECRET_RESULT(read, SecretError::None);
    QCOMPARE(read->data, secret);
}

void SecretStoreContract::overwriteReplaces()
{
    const QString k = key(QStringLiteral("overwrite"));
    VERIFY_SECRET_RESULT(writeKey(*m_store, k, "first"), SecretError::None);
    VERIFY_SECRET_RESULT(writeKey(*m_store, k, "second"), SecretError::None);
    const auto read = readKey(*m_store, k);
    VERIFY_SECRET_RESULT(read, SecretError::None);
    QCOMPARE(read->data, QByteArray("second"));
}

void SecretStoreContract::readMissingIsNotFound()
{
    const auto read = readKey(*m_store, key(QStringLiteral("never-written")));
    VERIFY_SECRET_RESULT(read, SecretError::NotFound);
    QVERIFY(read->data.isEmpty());
    QVERIFY(!read->message.isEmpty());
}

void SecretStoreContract::removeThenReadIsNotFound()
{
    const QString k = key(QStringLiteral("removed"));
    VERIFY_SECRET_RESULT(writeKey(*m_store, k, "doomed"), SecretError::None);
    VERIFY_SECRET_RESULT(removeKey(*m_store, k), SecretError::None);
    VERIFY_SECRET_RESULT(readKey(*m_store, k), SecretError::NotFound);
}

void SecretStoreContract::removeMissingSucceeds()
{
    VERIFY_SECRET_RESULT(removeKey(*m_store, key(QStringLiteral("never-there"))), SecretError::None);
}

void SecretStoreContract::keysAreIndependent()
{
    const QString a = key(QStringLiteral("a"));
    const QString b = key(QStringLiteral("b"));
    VERIFY_SECRET_RESULT(writeKey(*m_store, a, "alpha"), SecretError::None);
    VERIFY_SECRET_RESULT(writeKey(*m_store, b, "beta"), SecretError::None);
    VERIFY_SECRET_RESULT(removeKey(*m_store, a), SecretError::None);
    VERIFY_SECRET_RESULT(readKey(*m_store, a), SecretError::NotFound);
    const auto readB = readKey(*m_store, b);
    VERIFY_SECRET_RESULT(readB, SecretError::None);
    QCOMPARE(readB->data, QByteArray("beta"));
}

void SecretStoreContract::callbacksAreAsynchronous()
{
    const QString k = key(QStringLiteral("async"));
    SecretStore &store = *m_store;
    const QList<std::pair<const char *, Start>> operations = {
        { "write", [&](QObject *c, SecretStore::Callback cb) { store.write(k, "x", c, cb); } },
        { "read", [&](QObject *c, SecretStore::Callback cb) { store.read(k, c, cb); } },
        { "remove", [&](QObject *c, SecretStore::Callback cb) { store.remove(k, c, cb); } },
        { "read-missing", [&](QObject *c, SecretStore::Callback cb) { store.read(k, c, cb); } },
        { "empty-key", [&](QObject *c, SecretStore::Callback cb) { store.read(QString(), c, cb); } },
        { "checkAvailable", [&](QObject *c, SecretStore::Callback cb) { store.checkAvailable(c, cb); } },
    };
    for (const auto &[name, start] : operations) {
        bool synchronous = true;
        const auto result = await(start, &synchronous);
        QVERIFY2(result.has_value(), name);
        QVERIFY2(!synchronous, name);
    }
}

void SecretStoreContract::callbackDroppedWhenContextDies()
{
    const QString k = key(QStringLiteral("dropped"));
    bool called = false;
    auto *context = new QObject;
    m_store->write(k, "kept", context, [&called](const SecretResult &) { called = true; });
    delete context;
    // Operations complete in order, so once a later one has reported, the write has finished too.
    const auto read = readKey(*m_store, k);
    VERIFY_SECRET_RESULT(read, SecretError::None);
    QCOMPARE(read->data, QByteArray("kept"));
    QCoreApplication::processEvents();
    QVERIFY(!called);
}

void SecretStoreContract::callbackRunsInContextThread()
{
    const QString k = key(QStringLiteral("thread"));
    QThread worker;
    worker.start();
    auto context = std::make_unique<QObject>();
    context->moveToThread(&worker);
    std::atomic<QThread *> ranIn { nullptr };
    std::atomic<bool> done { false };
    m_store->write(k, "x", context.get(), [&](const SecretResult &) {
        ranIn = QThread::currentThread();
        done = true;
    });
    const bool delivered = QTest::qWaitFor([&] { return done.load(); }, timeoutMs());
    worker.quit();
    QVERIFY(worker.wait(timeoutMs()));
    QVERIFY(delivered);
    QCOMPARE(ranIn.load(), &worker);
}

void SecretStoreContract::operationsCompleteInOrder()
{
    const QString a = key(QStringLiteral("order-a"));
    const QString b = key(QStringLiteral("order-b"));
    QObject context;
    QList<int> order;
    std::optional<SecretResult> lastRead;
    const auto record
        = [&order](int step) { return [&order, step](const SecretResult &) { order << step; }; };
    m_store->write(a, "1", &context, record(0));
    m_store->write(b, "2", &context, record(1));
    m_store->read(a, &context, record(2));
    m_store->remove(a, &context, record(3));
    m_store->read(a, &context, [&](const SecretResult &r) {
        order << 4;
        lastRead = r;
    });
    QVERIFY(QTest::qWaitFor([&] { return order.size() == 5; }, 5 * timeoutMs()));
    QCOMPARE(order, (QList<int> { 0, 1, 2, 3, 4 }));
    VERIFY_SECRET_RESULT(lastRead, SecretError::NotFound);
}

void SecretStoreContract::emptyKeyIsRejected()
{
    VERIFY_SECRET_RESULT(writeKey(*m_store, QString(), "x"), SecretError::Other);
    VERIFY_SECRET_RESULT(readKey(*m_store, QString()), SecretError::Other);
    VERIFY_SECRET_RESULT(removeKey(*m_store, QString()), SecretError::Other);
}

void SecretStoreContract::checkAvailableSucceeds()
{
    const auto available = await([this](QObject *context, SecretStore::Callback callback) {
        m_store->checkAvailable(context, callback);
    });
    VERIFY_SECRET_RESULT(available, SecretError::None);
}

} // namespace Drawbridge::Test
