// SPDX-License-Identifier: MIT
#include <QRandomGenerator>
#include <QTest>

#include <zlib.h>

#include "server/core/cpufeatures.h"
#include "server/kiro/crc32.h"

using namespace Drawbridge;

namespace {

quint32 zlibCrc(const char *data, qsizetype size, quint32 crc = 0)
{
    return quint32(crc32_z(crc, reinterpret_cast<const Bytef *>(data), size_t(size)));
}

using Variant = quint32 (*)(const char *, qsizetype, quint32);

/** The rows of a test: the dispatching compute() and each loop on its own (the folding one where it runs). */
void addVariants()
{
    QTest::addColumn<Variant>("variant");
    QTest::newRow("compute") << Variant(&Crc32::compute);
    QTest::newRow("table") << Variant(&Crc32::computeBaseline);
    QTest::newRow("pclmul") << Variant(&Crc32::computePclmul);
}

/** Skips the folding row where this CPU lacks PCLMULQDQ (its loop would fault). */
bool runs(Variant variant)
{
    return variant != Variant(&Crc32::computePclmul) || cpuSupportsPclmul();
}

} // namespace

Q_DECLARE_METATYPE(Variant)

/** Crc32 against zlib's crc32() (the oracle): every length and alignment around the 16-byte slices. */
class TstCrc32 : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void checkValue_data() { addVariants(); }
    void checkValue();
    void everyLengthAndOffsetMatchesZlib_data() { addVariants(); }
    void everyLengthAndOffsetMatchesZlib();
    void chainedMatchesZlib_data() { addVariants(); }
    void chainedMatchesZlib();
};

void TstCrc32::checkValue()
{
    QFETCH(Variant, variant);
    if (!runs(variant))
        QSKIP("this CPU has no PCLMULQDQ");
    QCOMPARE(variant("123456789", 9, 0), 0xCBF43926u);
    QCOMPARE(variant("", 0, 0), 0u);
    QCOMPARE(variant("", 0, 0x12345678u), 0x12345678u);
    const QByteArray sixtyFour(64, 'a'); // the shortest input the folding loop takes
    QCOMPARE(variant(sixtyFour.constData(), sixtyFour.size(), 0), zlibCrc(sixtyFour.constData(), 64));
}

void TstCrc32::everyLengthAndOffsetMatchesZlib()
{
    QFETCH(Variant, variant);
    if (!runs(variant))
        QSKIP("this CPU has no PCLMULQDQ");
    const quint32 seed = QRandomGenerator::global()->generate();
    QRandomGenerator rng(seed);
    QByteArray bytes(70000, Qt::Uninitialized);
    for (char &c : bytes)
        c = char(rng.bounded(256));
    for (int offset = 0; offset < 16; ++offset) {
        for (qsizetype size = 0; size <= 600; ++size) {
            const char *p = bytes.constData() + offset;
            QVERIFY2(
                variant(p, size, 0) == zlibCrc(p, size),
                qPrintable(QStringLiteral("seed %1, offset %2, size %3").arg(seed).arg(offset).arg(size)));
        }
    }
    for (const qsizetype size : { 4096, 65536, 69999 })
        QVERIFY2(variant(bytes.constData() + 1, size, 0) == zlibCrc(bytes.constData() + 1, size),
                 qPrintable(QStringLiteral("seed %1, size %2").arg(seed).arg(size)));
}

void TstCrc32::chainedMatchesZlib()
{
    // The decoder continues a CRC over the prelude into the rest of the frame: any split must agree.
    QFETCH(Variant, variant);
    if (!runs(variant))
        QSKIP("this CPU has no PCLMULQDQ");
    const quint32 seed = QRandomGenerator::global()->generate();
    QRandomGenerator rng(seed);
    for (int round = 0; round < 2000; ++round) {
        QByteArray bytes(int(rng.bounded(1200)), Qt::Uninitialized);
        for (char &c : bytes)
            c = char(rng.bounded(256));
        const qsizetype split = bytes.isEmpty() ? 0 : rng.bounded(int(bytes.size()) + 1);
        const quint32 first = variant(bytes.constData(), split, 0);
        QVERIFY2(variant(bytes.constData() + split, bytes.size() - split, first)
                     == zlibCrc(bytes.constData(), bytes.size()),
                 qPrintable(QStringLiteral("seed %1, round %2").arg(seed).arg(round)));
    }
}

QTEST_GUILESS_MAIN(TstCrc32)
#include "tst_crc32.moc"
