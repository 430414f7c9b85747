// SPDX-License-Identifier: MIT
// TextUnitsMemo (issue 18): units memoised under a text's buffer are exactly KiroTokenEstimator::unitsUtf8()
// of the text there now, when texts come and go and the allocator hands their addresses to new texts of the
// same size (the memo holds a reference to each buffer it keeps, so it cannot be fooled by that); raw data is
// never kept; the bounds hold. DRAWBRIDGE_FUZZ_SEED reproduces a run (the seed is printed on failure).
#include <QRandomGenerator>
#include <QTest>

#include <iterator>
#include <vector>

#include "server/kiro/kirotokenestimator.h"
#include "server/kiro/textunitsmemo.h"
#include "tests/support/fuzzseed.h"

using namespace Drawbridge;

namespace {

/** @p size bytes of UTF-8 (fewer by up to 3): pieces of 1 to 4 bytes, which the estimate weighs apart. */
QByteArray randomText(QRandomGenerator64 &rng, qsizetype size)
{
    static const char *const pieces[] = { "a",
                                          "Z",
                                          " ",
                                          "\n",
                                          "\xc3\xa9",
                                          "\xc9\x8f",
                                          "\xc9\x90",
                                          "\xe4\xb8\xad",
                                          "\xe2\x86\x92",
                                          "\xf0\x9f\x98\x80" };
    QByteArray text;
    text.reserve(size);
    // Runs of one piece, so texts of one size still differ widely in their units.
    while (text.size() < size - 4) {
        const char *piece = pieces[rng.bounded(int(std::size(pieces)))];
        for (int run = int(rng.bounded(1, 40)); run > 0 && text.size() < size - 4; --run)
            text += piece;
    }
    return text;
}

} // namespace

class TstTextUnitsMemo : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void textsThatComeAndGo();
    void sharedBuffersHit();
    void rawDataIsNotKept();
    void staysBounded();
};

void TstTextUnitsMemo::textsThatComeAndGo()
{
    const quint64 seed = Test::fuzzSeed();
    QRandomGenerator64 rng(seed);
    TextUnitsMemo memo;
    // One size, freed before the next is made: the allocator gives the same address again and again. Each
    // text is counted twice, as an agent's next request would ask.
    for (int i = 0; i < 2000; ++i) {
        const QByteArray text = randomText(rng, 600);
        const QByteArray padded = text + QByteArray(600 - text.size(), 'x');
        const qint64 expected = KiroTokenEstimator::unitsUtf8(padded);
        QVERIFY2(memo.units(padded) == expected,
                 qPrintable(QStringLiteral("seed %1, text %2").arg(seed).arg(i)));
        QVERIFY2(memo.units(padded) == expected,
                 qPrintable(QStringLiteral("seed %1, text %2").arg(seed).arg(i)));
    }
    QCOMPARE(memo.hits(), quint64(2000));
    // A memo that keyed by the address without holding the buffer fails above under glibc's and mimalloc's
    // allocators, which hand a freed block of one size to the next request for that size (ASan quarantines
    // freed blocks, so there only the plain build can see it).
}

void TstTextUnitsMemo::sharedBuffersHit()
{
    QRandomGenerator64 rng(Test::fuzzSeed());
    TextUnitsMemo memo;
    const QByteArray text = randomText(rng, 5000);
    const qint64 expected = KiroTokenEstimator::unitsUtf8(text);
    QCOMPARE(memo.units(text), expected);
    const QByteArray shared = text; // the same buffer, as the parsers hand it to the next request
    QCOMPARE(memo.units(shared), expected);
    QCOMPARE(memo.hits(), quint64(1));
    QByteArray copy(text.constData(), text.size()); // equal text, another buffer: counted again
    QCOMPARE(memo.units(copy), expected);
    QCOMPARE(memo.hits(), quint64(1));
    QCOMPARE(memo.entries(), size_t(2));
    // Writing to a shared buffer copies it first: the memo's entry still describes what it holds.
    QByteArray written = text;
    written[0] = char(0xe4);
    written[1] = char(0xb8);
    written[2] = char(0xad);
    QVERIFY(written.constData() != text.constData());
    QCOMPARE(memo.units(written), KiroTokenEstimator::unitsUtf8(written));
    QCOMPARE(memo.units(text), expected);
}

void TstTextUnitsMemo::rawDataIsNotKept()
{
    TextUnitsMemo memo;
    QByteArray storage(256, 'a');
    const QByteArray raw = QByteArray::fromRawData(storage.constData(), storage.size());
    QCOMPARE(memo.units(raw), KiroTokenEstimator::unitsUtf8(storage));
    QCOMPARE(memo.entries(), size_t(0));
    // The same address and size with other bytes under it: counted anew.
    char *bytes = storage.data();
    QCOMPARE(static_cast<const char *>(bytes), raw.constData());
    for (int i = 0; i + 3 <= 255; i += 3) {
        bytes[i] = char(0xe4);
        bytes[i + 1] = char(0xb8);
        bytes[i + 2] = char(0xad);
    }
    QCOMPARE(memo.units(raw), KiroTokenEstimator::unitsUtf8(storage));
    QVERIFY(KiroTokenEstimator::unitsUtf8(storage) != KiroTokenEstimator::unitsUtf8(QByteArray(256, 'a')));
    QCOMPARE(memo.hits(), quint64(0));
}

void TstTextUnitsMemo::staysBounded()
{
    QRandomGenerator64 rng(Test::fuzzSeed());
    TextUnitsMemo memo(8, 4000);
    std::vector<QByteArray> held;
    for (int i = 0; i < 100; ++i) {
        held.push_back(randomText(rng, qsizetype(rng.bounded(10, 900))));
        QCOMPARE(memo.units(held.back()), KiroTokenEstimator::unitsUtf8(held.back()));
        QVERIFY(memo.entries() <= 8);
        QVERIFY(memo.bytes() <= 4000);
    }
    // More than a quarter of the bytes: counted, not kept.
    TextUnitsMemo small(8, 4000);
    const QByteArray big = randomText(rng, 1200);
    QCOMPARE(small.units(big), KiroTokenEstimator::unitsUtf8(big));
    QCOMPARE(small.entries(), size_t(0));
}

QTEST_GUILESS_MAIN(TstTextUnitsMemo)
#include "tst_textunitsmemo.moc"
