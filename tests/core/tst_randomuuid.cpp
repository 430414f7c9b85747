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
    void versionFourAndUnique();
    void textIsWhatQUuidWrites();
    void threadsDrawTheirOwnStreams();
};

void TstRandomUuid::versionFourAndUnique()
{
    QSet<QUuid> seen;
    int bitsSet = 0;
    for (int i = 0; i < 10'000; ++i) {
        const QUuid id = randomUuid();
        QCOMPARE(id.version(), QUuid::Random);
        QCOMPARE(id.variant(), QUuid::DCE);
        const QString text = id.toString(QUuid::WithoutBraces);
        QCOMPARE(text.size(), 36);
        QCOMPARE(text.at(14), u'4');
        QCOMPARE(QUuid::fromString(text), id);
        seen.insert(id);
        for (const char c : id.toRfc4122())
            bitsSet += qPopulationCount(quint8(c));
    }
    QCOMPARE(seen.size(), 10'000);
    // 122 random bits per UUID (plus 2 fixed set bits): about 61 + 2 set on average.
    const double mean = bitsSet / 10'000.0;
    QVERIFY2(mean > 62 && mean < 64, qPrintable(QString::number(mean)));
}

void TstRandomUuid::textIsWhatQUuidWrites()
{
    // randomUuidText() formats by hand: what it writes must read back as a version 4 UUID and be exactly what
    // QUuid writes for that UUID (lower-case, 8-4-4-4-12), with the same spread of bits.
    QSet<QByteArray> seen;
    int bitsSet = 0;
    for (int i = 0; i < 10'000; ++i) {
        char text[uuidTextSize];
        randomUuidText(text);
        const QByteArray written(text, uuidTextSize);
        const QUuid id = QUuid::fromString(QLatin1StringView(written));
        QVERIFY2(!id.isNull(), written.constData());
        QCOMPARE(id.version(), QUuid::Random);
        QCOMPARE(id.variant(), QUuid::DCE);
        QCOMPARE(written, id.toByteArray(QUuid::WithoutBraces));
        seen.insert(written);
        for (const char c : id.toRfc4122())
            bitsSet += qPopulationCount(quint8(c));
    }
    QCOMPARE(seen.size(), 10'000);
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
