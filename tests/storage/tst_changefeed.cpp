// SPDX-License-Identifier: MIT
#include <QSignalSpy>
#include <QtTest>

#include "server/storage/changefeed.h"
#include "server/storage/database.h"
#include "server/storage/keyrepository.h"
#include "server/storage/postgresurl.h"
#include "tests/support/fakeclock.h"
#include "tests/support/resulttext.h"
#include "tests/support/tempdatabase.h"

using namespace Drawbridge;

/**
 * Two instances of a team, each with its own Database on one PostgreSQL database: a key written by one is
 * announced to the other within the contract's second. On SQLite (one instance) the feed stays silent.
 */
class TstChangeFeed : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void keyWritesReachTheOtherInstance();
    void unsubscribedChannelStaysSilent();

private:
    Test::FakeClock m_clock;
};

namespace {

ApiKeyRecord makeKey(const QString &id)
{
    ApiKeyRecord r;
    r.id = id;
    r.name = QStringLiteral("laptop");
    r.keyHash = QString(64, QLatin1Char('a'));
    r.createdAtMs = 1000;
    return r;
}

} // namespace

void TstChangeFeed::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
}

void TstChangeFeed::keyWritesReachTheOtherInstance()
{
    Test::TempDatabase tmp;
    QVERIFY2(tmp.isValid(), qPrintable(tmp.errorString()));
    std::unique_ptr<Database> other;
    if (tmp.isPostgres()) {
        auto url = PostgresUrl::parse(tmp.url());
        QVERIFY(url.ok());
        auto opened = Database::openPostgres(*url);
        DRAWBRIDGE_VERIFY_OK(opened);
        other = std::move(*opened);
    } else {
        auto opened = Database::open(tmp.filePath());
        DRAWBRIDGE_VERIFY_OK(opened);
        other = std::move(*opened);
    }

    ChangeFeed listening(tmp.database());
    DRAWBRIDGE_VERIFY_OK(listening.subscribe(ChangeFeed::keysChannel()));
    DRAWBRIDGE_VERIFY_OK(listening.subscribe(ChangeFeed::keysChannel())); // twice is harmless
    QSignalSpy spy(&listening, &ChangeFeed::changed);

    KeyRepository writer(*other, m_clock);
    QVERIFY(*writer.insert(makeKey(QStringLiteral("abcd2345"))));
    if (!tmp.isPostgres()) {
        QCoreApplication::processEvents();
        QCOMPARE(spy.count(), 0);
        return;
    }
    QVERIFY(spy.wait(1000));
    QCOMPARE(spy.at(0).at(0).toString(), ChangeFeed::keysChannel());
    QCOMPARE(spy.at(0).at(1).toString(), QStringLiteral("abcd2345"));

    spy.clear();
    QVERIFY(*writer.revoke(QStringLiteral("abcd2345")));
    QVERIFY(spy.wait(1000));
    QCOMPARE(spy.at(0).at(1).toString(), QStringLiteral("abcd2345"));

    // A write that changes nothing (unknown id) announces nothing; markUsed (every request) never does.
    spy.clear();
    QVERIFY(!*writer.revoke(QStringLiteral("zzzz2345")));
    QVERIFY(*writer.markUsed(QStringLiteral("abcd2345"), 5000));
    ApiKeyRecord renamed = makeKey(QStringLiteral("abcd2345"));
    renamed.name = QStringLiteral("renamed");
    QVERIFY(*writer.update(renamed));
    QVERIFY(spy.wait(1000));
    QCOMPARE(spy.count(), 1);
}

void TstChangeFeed::unsubscribedChannelStaysSilent()
{
    Test::TempDatabase tmp;
    QVERIFY2(tmp.isValid(), qPrintable(tmp.errorString()));
    ChangeFeed listening(tmp.database());
    QSignalSpy spy(&listening, &ChangeFeed::changed);
    auto db = tmp.database().connection();
    DRAWBRIDGE_VERIFY_OK(db);
    DRAWBRIDGE_VERIFY_OK(ChangeFeed::notify(*db, ChangeFeed::keysChannel(), QStringLiteral("x")));
    QCoreApplication::processEvents();
    QCOMPARE(spy.count(), 0);
}

QTEST_GUILESS_MAIN(TstChangeFeed)
#include "tst_changefeed.moc"
