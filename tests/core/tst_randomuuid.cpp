// SPDX-License-Identifier: MIT
#include <QSet>
#include <QTest>

#include <thread>
#include <vector>

#include "server/core/randomuuid.h"

using namespace Drawbridge;

class TstRandomUuid : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void versionFourAndUnique_data();
    void versionFourAndUnique();
    void threadsDrawTheirOwnStreams();
};

void TstRandomUuid::versionFourAndUnique_data()
{
    QTest::addColumn<bool>("asText");
    QTest::newRow("randomUuid()") << false;
    QTest::newRow("randomUuidText()") << true;
}

void TstRandomUuid::versionFourAndUnique()
{
    // Version 4, all distinct, and the random bits evenly spread; randomUuidText() formats by hand, so what
    // it writes must also be exactly what QUuid writes for that UUID (lower-case, 8-4-4-4-12).
    QFETCH(bool, asText);
    QSet<QUuid> seen;
    int bitsSet = 0;
    for (int i = 0; i < 10'000; ++i) {
        QUuid id;
        if (asText) {
            char text[uuidTextSize];
            randomUuidText(text);
            const QByteArray written(text, uuidTextSize);
            id = QUuid::fromString(QLatin1StringView(written));
            QVERIFY2(!id.isNull(), written.constData());
            QCOMPARE(written, id.toByteArray(QUuid::WithoutBraces));
        } else {
            id = randomUuid();
            const QString text = id.toString(QUuid::WithoutBraces);
            QCOMPARE(text.size(), 36);
            QCOMPARE(text.at(14), u'4');
            QCOMPARE(QUuid::fromString(text), id);
        }
        QCOMPARE(id.version(), QUuid::Random);
        QCOMPARE(id.variant(), QUuid::DCE);
        seen.insert(id);
        for (const char c : id.toRfc4122())
            bitsSet += qPopulationCount(quint8(c));
    }
    QCOMPARE(seen.size(), 10'000);
    // 122 random bits per UUID (plus 2 fixed set bits): about 61 + 2 set on average.
    const double mean = bitsSet / 10'000.0;
    QVERIFY2(mean > 62 && mean < 64, qPrintable(QString::number(mean)));
}

void TstRandomUuid::threadsDrawTheirOwnStreams()
{
    // Each thread has a generator of its own (threadRandom(), seeded from the system's): threads started
    // together must not draw the same ids, as copies of one seed would.
    constexpr int threads = 4, perThread = 2'000;
    std::vector<std::vector<QUuid>> drawn(threads);
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&drawn, t] {
            for (int i = 0; i < perThread; ++i)
                drawn[size_t(t)].push_back(randomUuid());
        });
    }
    for (std::thread &w : workers)
        w.join();
    QSet<QUuid> seen;
    for (const auto &ids : drawn) {
        for (const QUuid &id : ids) {
            QCOMPARE(id.version(), QUuid::Random);
            seen.insert(id);
        }
    }
    QCOMPARE(seen.size(), threads * perThread);
}

QTEST_GUILESS_MAIN(TstRandomUuid)
#include "tst_randomuuid.moc"
