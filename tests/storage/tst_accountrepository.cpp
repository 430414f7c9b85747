// SPDX-License-Identifier: MIT
#include <QtTest>

#include <memory>

#include "server/storage/accountrepository.h"
#include "server/storage/database.h"
#include "tests/support/fakeclock.h"
#include "tests/support/resulttext.h"
#include "tests/support/tempdatabase.h"

using namespace Drawbridge;

Q_DECLARE_METATYPE(Drawbridge::AccountRecord)

namespace {

AccountRecord makeAccount(const QString &id, int priority = 0)
{
    AccountRecord account;
    account.id = id;
    account.name = QStringLiteral("account ") + id;
    account.authMethod = QStringLiteral("social");
    account.priority = priority;
    return account;
}

} // namespace

class TstAccountRepository : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();
    void roundTrip_data();
    void roundTrip();
    void insertRefusesTakenId();
    void listByPriorityThenAge();
    void updateWritesSettingsOnly();
    void updateStatusWritesStatusOnly();
    void updateQuotaWritesQuotaOnly();
    void unknownIdIsFalse();
    void removeDeletesOnlyThatAccount();
    void persistsAcrossReopen();

private:
    std::unique_ptr<Test::TempDatabase> m_tmp;
    std::unique_ptr<Test::FakeClock> m_clock;
    std::unique_ptr<AccountRepository> m_accounts;
};

void TstAccountRepository::init()
{
    m_tmp = std::make_unique<Test::TempDatabase>();
    QVERIFY2(m_tmp->isValid(), qPrintable(m_tmp->errorString()));
    m_clock = std::make_unique<Test::FakeClock>();
    m_accounts = std::make_unique<AccountRepository>(m_tmp->database(), *m_clock);
}

void TstAccountRepository::cleanup()
{
    m_accounts.reset();
    m_tmp.reset();
}

void TstAccountRepository::roundTrip_data()
{
    QTest::addColumn<AccountRecord>("record");
    QTest::newRow("defaults") << makeAccount(QStringLiteral("acc-1"));

    AccountRecord full = makeAccount(QStringLiteral("acc-2"));
    full.name = QStringLiteral("Büro ' \"; --");
    full.authMethod = QStringLiteral("idc");
    full.region = QStringLiteral("eu-central-1");
    full.profileArn = QStringLiteral("arn:aws:codewhisperer:us-east-1:123456789012:profile/ABC");
    full.slots = 5;
    full.enabled = false;
    full.status = QStringLiteral("cooling_down");
    full.lastError = QStringLiteral("429 from upstream");
    full.cooldownUntilMs = 1'780'000'060'000;
    full.machineId = QStringLiteral("f00dfeed");
    full.creditsRemaining = 42.25;
    full.usageLimit = 550.0;
    full.nextResetMs = 1'782'000'000'000;
    full.priority = -3;
    QTest::newRow("every-field") << full;

    AccountRecord zeroes = makeAccount(QStringLiteral("acc-3"));
    zeroes.slots = 0;
    zeroes.creditsRemaining = 0.0;
    zeroes.usageLimit = 0.0;
    zeroes.cooldownUntilMs = 0;
    QTest::newRow("zero-not-null") << zeroes;
}

void TstAccountRepository::roundTrip()
{
    QFETCH(AccountRecord, record);
    auto inserted = m_accounts->insert(record);
    DRAWBRIDGE_VERIFY_OK(inserted);
    QVERIFY(*inserted);

    AccountRecord expected = record;
    expected.createdAtMs = m_clock->nowMs();
    expected.updatedAtMs = m_clock->nowMs();
    auto found = m_accounts->findById(record.id);
    DRAWBRIDGE_VERIFY_OK(found);
    QVERIFY(found->has_value());
    const AccountRecord &back = **found;
    QCOMPARE(back.name, expected.name);
    QCOMPARE(back.type, expected.type);
    QCOMPARE(back.authMethod, expected.authMethod);
    QCOMPARE(back.region, expected.region);
    QCOMPARE(back.profileArn, expected.profileArn);
    QCOMPARE(back.slots, expected.slots);
    QCOMPARE(back.enabled, expected.enabled);
    QCOMPARE(back.status, expected.status);
    QCOMPARE(back.lastError, expected.lastError);
    QCOMPARE(back.cooldownUntilMs, expected.cooldownUntilMs);
    QCOMPARE(back.machineId, expected.machineId);
    QCOMPARE(back.creditsRemaining, expected.creditsRemaining);
    QCOMPARE(back.usageLimit, expected.usageLimit);
    QCOMPARE(back.nextResetMs, expected.nextResetMs);
    QCOMPARE(back.priority, expected.priority);
    QCOMPARE(back.createdAtMs, expected.createdAtMs);
    QCOMPARE(back.updatedAtMs, expected.updatedAtMs);
    QVERIFY(back == expected);
}

void TstAccountRepository::insertRefusesTakenId()
{
    DRAWBRIDGE_VERIFY_OK(m_accounts->insert(makeAccount(QStringLiteral("acc-1"))));
    AccountRecord clash = makeAccount(QStringLiteral("acc-1"));
    clash.name = QStringLiteral("clash");
    auto inserted = m_accounts->insert(clash);
    DRAWBRIDGE_VERIFY_OK(inserted);
    QVERIFY(!*inserted);
    auto found = m_accounts->findById(QStringLiteral("acc-1"));
    DRAWBRIDGE_VERIFY_OK(found);
    QCOMPARE((*found)->name, QStringLiteral("account acc-1"));
}

void TstAccountRepository::listByPriorityThenAge()
{
    DRAWBRIDGE_VERIFY_OK(m_accounts->insert(makeAccount(QStringLiteral("old-low"), 0)));
    m_clock->advanceMs(1000);
    DRAWBRIDGE_VERIFY_OK(m_accounts->insert(makeAccount(QStringLiteral("new-high"), 5)));
    m_clock->advanceMs(1000);
    DRAWBRIDGE_VERIFY_OK(m_accounts->insert(makeAccount(QStringLiteral("newer-low"), 0)));
    auto all = m_accounts->list();
    DRAWBRIDGE_VERIFY_OK(all);
    QStringList ids;
    for (const AccountRecord &account : *all)
        ids << account.id;
    QCOMPARE(
        ids,
        (QStringList { QStringLiteral("new-high"), QStringLiteral("old-low"), QStringLiteral("newer-low") }));
}

void TstAccountRepository::updateWritesSettingsOnly()
{
    const qint64 created = m_clock->nowMs();
    DRAWBRIDGE_VERIFY_OK(m_accounts->insert(makeAccount(QStringLiteral("acc-1"))));
    DRAWBRIDGE_VERIFY_OK(m_accounts->updateStatus(QStringLiteral("acc-1"), QStringLiteral("needs_login"),
                                                  QStringLiteral("refresh token rejected"), std::nullopt));
    DRAWBRIDGE_VERIFY_OK(m_accounts->updateQuota(QStringLiteral("acc-1"), 10.0, 50.0, 99));
    m_clock->advanceMs(5000);

    // A stale copy from before the status and quota changes, as an admin PATCH would hold.
    AccountRecord edit = makeAccount(QStringLiteral("acc-1"));
    edit.name = QStringLiteral("renamed");
    edit.slots = 2;
    edit.enabled = false;
    edit.region = QStringLiteral("us-west-2");
    edit.priority = 9;
    auto updated = m_accounts->update(edit);
    DRAWBRIDGE_VERIFY_OK(updated);
    QVERIFY(*updated);

    auto found = m_accounts->findById(QStringLiteral("acc-1"));
    DRAWBRIDGE_VERIFY_OK(found);
    const AccountRecord &back = **found;
    QCOMPARE(back.name, QStringLiteral("renamed"));
    QCOMPARE(back.slots, std::optional<int>(2));
    QVERIFY(!back.enabled);
    QCOMPARE(back.region, QStringLiteral("us-west-2"));
    QCOMPARE(back.priority, 9);
    QCOMPARE(back.status, QStringLiteral("needs_login"));
    QCOMPARE(back.lastError, QStringLiteral("refresh token rejected"));
    QCOMPARE(back.creditsRemaining, std::optional<double>(10.0));
    QCOMPARE(back.createdAtMs, created);
    QCOMPARE(back.updatedAtMs, created + 5000);
}

void TstAccountRepository::updateStatusWritesStatusOnly()
{
    AccountRecord account = makeAccount(QStringLiteral("acc-1"));
    account.slots = 4;
    DRAWBRIDGE_VERIFY_OK(m_accounts->insert(account));
    m_clock->advanceMs(250);
    const qint64 until = m_clock->nowMs() + 60'000;
    auto updated = m_accounts->updateStatus(QStringLiteral("acc-1"), QStringLiteral("cooling_down"),
                                            QStringLiteral("throttled"), until);
    DRAWBRIDGE_VERIFY_OK(updated);
    QVERIFY(*updated);
    auto found = m_accounts->findById(QStringLiteral("acc-1"));
    DRAWBRIDGE_VERIFY_OK(found);
    QCOMPARE((*found)->status, QStringLiteral("cooling_down"));
    QCOMPARE((*found)->lastError, QStringLiteral("throttled"));
    QCOMPARE((*found)->cooldownUntilMs, std::optional<qint64>(until));
    QCOMPARE((*found)->slots, std::optional<int>(4));
    QCOMPARE((*found)->updatedAtMs, m_clock->nowMs());

    // Back to healthy: the error and cooldown are cleared to NULL, not left stale.
    DRAWBRIDGE_VERIFY_OK(
        m_accounts->updateStatus(QStringLiteral("acc-1"), QStringLiteral("active"), QString(), std::nullopt));
    found = m_accounts->findById(QStringLiteral("acc-1"));
    QCOMPARE((*found)->status, QStringLiteral("active"));
    QVERIFY((*found)->lastError.isEmpty());
    QCOMPARE((*found)->cooldownUntilMs, std::optional<qint64>());
}

void TstAccountRepository::updateQuotaWritesQuotaOnly()
{
    DRAWBRIDGE_VERIFY_OK(m_accounts->insert(makeAccount(QStringLiteral("acc-1"))));
    DRAWBRIDGE_VERIFY_OK(m_accounts->updateStatus(QStringLiteral("acc-1"), QStringLiteral("quota_exhausted"),
                                                  QString(), std::nullopt));
    auto updated = m_accounts->updateQuota(QStringLiteral("acc-1"), 0.5, 1000.0, 1'790'000'000'000);
    DRAWBRIDGE_VERIFY_OK(updated);
    QVERIFY(*updated);
    auto found = m_accounts->findById(QStringLiteral("acc-1"));
    DRAWBRIDGE_VERIFY_OK(found);
    QCOMPARE((*found)->creditsRemaining, std::optional<double>(0.5));
    QCOMPARE((*found)->usageLimit, std::optional<double>(1000.0));
    QCOMPARE((*found)->nextResetMs, std::optional<qint64>(1'790'000'000'000));
    QCOMPARE((*found)->status, QStringLiteral("quota_exhausted"));
}

void TstAccountRepository::unknownIdIsFalse()
{
    DRAWBRIDGE_VERIFY_OK(m_accounts->insert(makeAccount(QStringLiteral("acc-1"))));
    const QString unknown = QStringLiteral("acc-404");
    auto found = m_accounts->findById(unknown);
    DRAWBRIDGE_VERIFY_OK(found);
    QVERIFY(!found->has_value());
    auto updated = m_accounts->update(makeAccount(unknown));
    auto status = m_accounts->updateStatus(unknown, QStringLiteral("error"), QString(), std::nullopt);
    auto quota = m_accounts->updateQuota(unknown, 1.0, 2.0, 3);
    auto removed = m_accounts->remove(unknown);
    for (const Result<bool> *result : { &updated, &status, &quota, &removed }) {
        DRAWBRIDGE_VERIFY_OK(*result);
        QVERIFY(!**result);
    }
    auto all = m_accounts->list();
    DRAWBRIDGE_VERIFY_OK(all);
    QCOMPARE(all->size(), size_t(1));
}

void TstAccountRepository::removeDeletesOnlyThatAccount()
{
    DRAWBRIDGE_VERIFY_OK(m_accounts->insert(makeAccount(QStringLiteral("acc-1"))));
    DRAWBRIDGE_VERIFY_OK(m_accounts->insert(makeAccount(QStringLiteral("acc-2"))));
    auto removed = m_accounts->remove(QStringLiteral("acc-1"));
    DRAWBRIDGE_VERIFY_OK(removed);
    QVERIFY(*removed);
    auto all = m_accounts->list();
    DRAWBRIDGE_VERIFY_OK(all);
    QCOMPARE(all->size(), size_t(1));
    QCOMPARE(all->front().id, QStringLiteral("acc-2"));
}

void TstAccountRepository::persistsAcrossReopen()
{
    AccountRecord account = makeAccount(QStringLiteral("acc-1"));
    account.profileArn = QStringLiteral("arn:x");
    account.creditsRemaining = 3.5;
    DRAWBRIDGE_VERIFY_OK(m_accounts->insert(account));
    m_accounts.reset();
    m_tmp->close();
    DRAWBRIDGE_VERIFY_OK(m_tmp->reopen());
    m_accounts = std::make_unique<AccountRepository>(m_tmp->database(), *m_clock);
    auto found = m_accounts->findById(QStringLiteral("acc-1"));
    DRAWBRIDGE_VERIFY_OK(found);
    QVERIFY(found->has_value());
    QCOMPARE((*found)->profileArn, QStringLiteral("arn:x"));
    QCOMPARE((*found)->creditsRemaining, std::optional<double>(3.5));
}

QTEST_GUILESS_MAIN(TstAccountRepository)
#include "tst_accountrepository.moc"
