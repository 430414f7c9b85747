// SPDX-License-Identifier: MIT
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QThread>
#include <QtTest>

#include <memory>

#include "server/storage/database.h"
#include "server/storage/keyrepository.h"
#include "tests/support/fakeclock.h"
#include "tests/support/resulttext.h"
#include "tests/support/tempdatabase.h"

using namespace Drawbridge;

Q_DECLARE_METATYPE(Drawbridge::ApiKeyRecord)

namespace {

QString hashOf(char c)
{
    return QString(64, QLatin1Char(c));
}

ApiKeyRecord makeKey(const QString &id, qint64 createdAtMs = 1'700'000'000'000)
{
    ApiKeyRecord key;
    key.id = id;
    key.name = QStringLiteral("key ") + id;
    key.keyHash = hashOf('a');
    key.createdAtMs = createdAtMs;
    return key;
}

} // namespace

class TstKeyRepository : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();
    void roundTrip_data();
    void roundTrip();
    void insertRefusesTakenId();
    void findUnknownIsEmpty();
    void listOldestFirst();
    void updateChangesEditableFieldsOnly();
    void updateUnknownIsFalse();
    void revokeStampsOnce();
    void markUsedOnlyMovesForward();
    void persistsAcrossReopen();
    void usableFromAnotherThread();
    void constraintViolationIsContextualError();
    void malformedModelsIsError();
    void errorOnOldSchemaNamesOperation();

private:
    std::unique_ptr<Test::TempDatabase> m_tmp;
    std::unique_ptr<Test::FakeClock> m_clock;
    std::unique_ptr<KeyRepository> m_keys;
};

void TstKeyRepository::init()
{
    m_tmp = std::make_unique<Test::TempDatabase>();
    QVERIFY2(m_tmp->isValid(), qPrintable(m_tmp->errorString()));
    m_clock = std::make_unique<Test::FakeClock>();
    m_keys = std::make_unique<KeyRepository>(m_tmp->database(), *m_clock);
}

void TstKeyRepository::cleanup()
{
    m_keys.reset();
    m_tmp.reset();
}

void TstKeyRepository::roundTrip_data()
{
    QTest::addColumn<ApiKeyRecord>("record");

    QTest::newRow("minimal") << makeKey(QStringLiteral("abcd2345"));

    ApiKeyRecord full = makeKey(QStringLiteral("zz7y6x5w"));
    full.name = QStringLiteral("CI runner — \"nightly\"; DROP TABLE api_keys; --");
    full.keyHash = QStringLiteral("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
    full.rateLimitRpm = 120;
    full.models = { QStringLiteral("claude-sonnet-4.5"), QStringLiteral("claude-opus-4.7") };
    full.expiresAtMs = 1'900'000'000'000;
    full.revokedAtMs = 1'800'000'000'000;
    full.lastUsedAtMs = 1'750'000'000'000;
    QTest::newRow("every-field") << full;

    ApiKeyRecord zeroRpm = makeKey(QStringLiteral("00000000"));
    zeroRpm.rateLimitRpm = 0;
    zeroRpm.models = { QStringLiteral("auto") };
    QTest::newRow("zero-rpm-one-model") << zeroRpm;
}

void TstKeyRepository::roundTrip()
{
    QFETCH(ApiKeyRecord, record);
    auto inserted = m_keys->insert(record);
    DRAWBRIDGE_VERIFY_OK(inserted);
    QVERIFY(*inserted);

    auto found = m_keys->findById(record.id);
    DRAWBRIDGE_VERIFY_OK(found);
    QVERIFY(found->has_value());
    const ApiKeyRecord &back = **found;
    QCOMPARE(back.id, record.id);
    QCOMPARE(back.name, record.name);
    QCOMPARE(back.keyHash, record.keyHash);
    QCOMPARE(back.rateLimitRpm, record.rateLimitRpm);
    QCOMPARE(back.models, record.models);
    QCOMPARE(back.createdAtMs, record.createdAtMs);
    QCOMPARE(back.expiresAtMs, record.expiresAtMs);
    QCOMPARE(back.revokedAtMs, record.revokedAtMs);
    QCOMPARE(back.lastUsedAtMs, record.lastUsedAtMs);
    QVERIFY(back == record);

    auto all = m_keys->list();
    DRAWBRIDGE_VERIFY_OK(all);
    QCOMPARE(all->size(), size_t(1));
    QVERIFY(all->front() == record);
}

void TstKeyRepository::insertRefusesTakenId()
{
    ApiKeyRecord first = makeKey(QStringLiteral("abcd2345"));
    DRAWBRIDGE_VERIFY_OK(m_keys->insert(first));
    ApiKeyRecord second = makeKey(QStringLiteral("abcd2345"));
    second.name = QStringLiteral("intruder");
    second.keyHash = hashOf('b');
    auto inserted = m_keys->insert(second);
    DRAWBRIDGE_VERIFY_OK(inserted);
    QVERIFY(!*inserted);
    auto found = m_keys->findById(first.id);
    DRAWBRIDGE_VERIFY_OK(found);
    QVERIFY(**found == first);
}

void TstKeyRepository::findUnknownIsEmpty()
{
    DRAWBRIDGE_VERIFY_OK(m_keys->insert(makeKey(QStringLiteral("abcd2345"))));
    auto found = m_keys->findById(QStringLiteral("nope2345"));
    DRAWBRIDGE_VERIFY_OK(found);
    QVERIFY(!found->has_value());
    // The id is a bound value, never SQL: a quote or wildcard finds nothing rather than everything.
    auto tricky = m_keys->findById(QStringLiteral("' OR '1'='1"));
    DRAWBRIDGE_VERIFY_OK(tricky);
    QVERIFY(!tricky->has_value());
}

void TstKeyRepository::listOldestFirst()
{
    DRAWBRIDGE_VERIFY_OK(m_keys->insert(makeKey(QStringLiteral("cccccccc"), 300)));
    DRAWBRIDGE_VERIFY_OK(m_keys->insert(makeKey(QStringLiteral("aaaaaaaa"), 100)));
    DRAWBRIDGE_VERIFY_OK(m_keys->insert(makeKey(QStringLiteral("bbbbbbbb"), 300)));
    DRAWBRIDGE_VERIFY_OK(m_keys->revoke(QStringLiteral("aaaaaaaa")));
    auto all = m_keys->list();
    DRAWBRIDGE_VERIFY_OK(all);
    QStringList ids;
    for (const ApiKeyRecord &key : *all)
        ids << key.id;
    QCOMPARE(
        ids,
        (QStringList { QStringLiteral("aaaaaaaa"), QStringLiteral("bbbbbbbb"), QStringLiteral("cccccccc") }));
}

void TstKeyRepository::updateChangesEditableFieldsOnly()
{
    ApiKeyRecord original = makeKey(QStringLiteral("abcd2345"));
    original.rateLimitRpm = 10;
    original.models = { QStringLiteral("auto") };
    original.expiresAtMs = 5;
    DRAWBRIDGE_VERIFY_OK(m_keys->insert(original));

    ApiKeyRecord edited = original;
    edited.name = QStringLiteral("renamed");
    edited.rateLimitRpm.reset();
    edited.models.clear();
    edited.expiresAtMs.reset();
    // Not editable through update(): these must keep their stored values.
    edited.keyHash = hashOf('f');
    edited.createdAtMs = 1;
    edited.revokedAtMs = 2;
    edited.lastUsedAtMs = 3;
    auto updated = m_keys->update(edited);
    DRAWBRIDGE_VERIFY_OK(updated);
    QVERIFY(*updated);

    auto found = m_keys->findById(original.id);
    DRAWBRIDGE_VERIFY_OK(found);
    const ApiKeyRecord &back = **found;
    QCOMPARE(back.name, QStringLiteral("renamed"));
    QCOMPARE(back.rateLimitRpm, std::optional<int>());
    QCOMPARE(back.models, QStringList());
    QCOMPARE(back.expiresAtMs, std::optional<qint64>());
    QCOMPARE(back.keyHash, original.keyHash);
    QCOMPARE(back.createdAtMs, original.createdAtMs);
    QCOMPARE(back.revokedAtMs, std::optional<qint64>());
    QCOMPARE(back.lastUsedAtMs, std::optional<qint64>());
}

void TstKeyRepository::updateUnknownIsFalse()
{
    auto updated = m_keys->update(makeKey(QStringLiteral("abcd2345")));
    DRAWBRIDGE_VERIFY_OK(updated);
    QVERIFY(!*updated);
    auto all = m_keys->list();
    DRAWBRIDGE_VERIFY_OK(all);
    QVERIFY(all->empty());
}

void TstKeyRepository::revokeStampsOnce()
{
    DRAWBRIDGE_VERIFY_OK(m_keys->insert(makeKey(QStringLiteral("abcd2345"))));
    DRAWBRIDGE_VERIFY_OK(m_keys->insert(makeKey(QStringLiteral("other234"))));
    const qint64 firstRevocation = m_clock->nowMs();
    auto revoked = m_keys->revoke(QStringLiteral("abcd2345"));
    DRAWBRIDGE_VERIFY_OK(revoked);
    QVERIFY(*revoked);

    m_clock->advanceMs(60'000);
    auto again = m_keys->revoke(QStringLiteral("abcd2345"));
    DRAWBRIDGE_VERIFY_OK(again);
    QVERIFY(*again);

    auto found = m_keys->findById(QStringLiteral("abcd2345"));
    DRAWBRIDGE_VERIFY_OK(found);
    QCOMPARE((*found)->revokedAtMs, std::optional<qint64>(firstRevocation));
    auto other = m_keys->findById(QStringLiteral("other234"));
    DRAWBRIDGE_VERIFY_OK(other);
    QCOMPARE((*other)->revokedAtMs, std::optional<qint64>());

    auto unknown = m_keys->revoke(QStringLiteral("nope2345"));
    DRAWBRIDGE_VERIFY_OK(unknown);
    QVERIFY(!*unknown);
}

void TstKeyRepository::markUsedOnlyMovesForward()
{
    DRAWBRIDGE_VERIFY_OK(m_keys->insert(makeKey(QStringLiteral("abcd2345"))));
    DRAWBRIDGE_VERIFY_OK(m_keys->markUsed(QStringLiteral("abcd2345"), 2000));
    DRAWBRIDGE_VERIFY_OK(m_keys->markUsed(QStringLiteral("abcd2345"), 1000));
    auto found = m_keys->findById(QStringLiteral("abcd2345"));
    DRAWBRIDGE_VERIFY_OK(found);
    QCOMPARE((*found)->lastUsedAtMs, std::optional<qint64>(2000));
    DRAWBRIDGE_VERIFY_OK(m_keys->markUsed(QStringLiteral("abcd2345"), 3000));
    found = m_keys->findById(QStringLiteral("abcd2345"));
    QCOMPARE((*found)->lastUsedAtMs, std::optional<qint64>(3000));
    auto unknown = m_keys->markUsed(QStringLiteral("nope2345"), 1);
    DRAWBRIDGE_VERIFY_OK(unknown);
    QVERIFY(!*unknown);
}

void TstKeyRepository::persistsAcrossReopen()
{
    ApiKeyRecord key = makeKey(QStringLiteral("abcd2345"));
    key.models = { QStringLiteral("claude-haiku-4.5") };
    DRAWBRIDGE_VERIFY_OK(m_keys->insert(key));
    m_keys.reset();
    m_tmp->close();
    DRAWBRIDGE_VERIFY_OK(m_tmp->reopen());
    m_keys = std::make_unique<KeyRepository>(m_tmp->database(), *m_clock);
    auto found = m_keys->findById(key.id);
    DRAWBRIDGE_VERIFY_OK(found);
    QVERIFY(found->has_value());
    QVERIFY(**found == key);
}

void TstKeyRepository::usableFromAnotherThread()
{
    DRAWBRIDGE_VERIFY_OK(m_keys->insert(makeKey(QStringLiteral("abcd2345"))));
    QString error;
    bool found = false;
    std::unique_ptr<QThread> thread(QThread::create([&] {
        auto result = m_keys->findById(QStringLiteral("abcd2345"));
        if (!result) {
            error = result.error();
            return;
        }
        found = result->has_value();
        auto inserted = m_keys->insert(makeKey(QStringLiteral("thread23")));
        if (!inserted)
            error = inserted.error();
    }));
    thread->start();
    QVERIFY(thread->wait(30'000));
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QVERIFY(found);
    auto all = m_keys->list();
    DRAWBRIDGE_VERIFY_OK(all);
    QCOMPARE(all->size(), size_t(2));
}

void TstKeyRepository::constraintViolationIsContextualError()
{
    ApiKeyRecord badId = makeKey(QStringLiteral("short"));
    auto inserted = m_keys->insert(badId);
    QVERIFY(!inserted.ok());
    QVERIFY2(inserted.error().startsWith(QStringLiteral("inserting api key short: ")),
             qPrintable(inserted.error()));
    QVERIFY2(inserted.error().contains(QStringLiteral("check"), Qt::CaseInsensitive),
             qPrintable(inserted.error()));

    ApiKeyRecord badHash = makeKey(QStringLiteral("abcd2345"));
    badHash.keyHash = QStringLiteral("db-abcd2345-plaintext-must-never-fit");
    QVERIFY(!m_keys->insert(badHash).ok());
    auto all = m_keys->list();
    DRAWBRIDGE_VERIFY_OK(all);
    QVERIFY(all->empty());
}

void TstKeyRepository::malformedModelsIsError()
{
    DRAWBRIDGE_VERIFY_OK(m_keys->insert(makeKey(QStringLiteral("abcd2345"))));
    {
        auto db = m_tmp->database().connection();
        QSqlQuery query(*db);
        QVERIFY(query.exec(QStringLiteral("UPDATE api_keys SET models = '{\"not\":\"an array\"}'")));
    }
    auto found = m_keys->findById(QStringLiteral("abcd2345"));
    QVERIFY(!found.ok());
    QVERIFY2(found.error().contains(QStringLiteral("abcd2345")), qPrintable(found.error()));
    QVERIFY(!m_keys->list().ok());
}

void TstKeyRepository::errorOnOldSchemaNamesOperation()
{
    Test::TempDatabase v1(1);
    QVERIFY2(v1.isValid(), qPrintable(v1.errorString()));
    KeyRepository keys(v1.database(), *m_clock);
    auto all = keys.list();
    QVERIFY(!all.ok());
    QVERIFY2(all.error().startsWith(QStringLiteral("listing api keys: ")), qPrintable(all.error()));
    QVERIFY2(all.error().contains(QStringLiteral("last_used_at")), qPrintable(all.error()));
}

QTEST_GUILESS_MAIN(TstKeyRepository)
#include "tst_keyrepository.moc"
