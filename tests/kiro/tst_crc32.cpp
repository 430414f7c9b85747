// SPDX-License-Identifier: MIT
#include <QRandomGenerator>
#include <QTest>

#include <zlib.h>

#include "server/kiro/crc32.h"

using namespace Drawbridge;

namespace {

quint32 zlibCrc(const char *data, qsizetype size, quint32 crc = 0)
{
    return quint32(crc32_z(crc, reinterpret_cast<const Bytef *>(data), size_t(size)));
}

} // namespace

/** Crc32 against zlib's crc32() (the oracle): every length and alignment around the 16-byte slices. */
class TstCrc32 : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void checkValue();
    void everyLengthAndOffsetMatchesZlib();
    void chainedMatchesZlib();
};

void TstCrc32::checkValue()
{
    QCOMPARE(Crc32::compute("123456789", 9), 0xCBF43926u);
    QCOMPARE(Crc32::compute("", 0), 0u);
    QCOMPARE(Crc32::compute("", 0, 0x12345678u), 0x12345678u);
}

void TstCrc32::everyLengthAndOffsetMatchesZlib()
{
    const quint32 seed = QRandomGenerator::global()->generate();
    QRandomGenerator rng(seed);
    QByteArray bytes(70000, Qt::Uninitialized);
    for (char &c : bytes)
        c = char(rng.bounded(256));
    for (int offset = 0; offset < 16; ++offset) {
        for (qsizetype size = 0; size <= 600; ++size) {
            const char *p = bytes.constData() + offset;
            QVERIFY2(
                Crc32::compute(p, size) == zlibCrc(p, size),
                qPrintable(QStringLiteral("seed %1, offset %2, size %3").arg(seed).arg(offset).arg(size)));
        }
    }
    for (const qsizetype size : { 4096, 65536, 69999 })
        QVERIFY2(Crc32::compute(bytes.constData() + 1, size) == zlibCrc(bytes.constData() + 1, size),
                 qPrintable(QStringLiteral("seed %1, size %2").arg(seed).arg(size)));
}

void TstCrc32::chainedMatchesZlib()
{
    // The decoder continues a CRC over the prelude into the rest of the frame: any split must agree.
    const quint32 seed = QRandomGenerator::global()->generate();
    QRandomGenerator rng(seed);
    for (int round = 0; round < 2000; ++round) {
        QByteArray bytes(int(rng.bounded(1200)), Qt::Uninitialized);
        for (char &c : bytes)
            c = char(rng.bounded(256));
        const qsizetype split = bytes.isEmpty() ? 0 : rng.bounded(int(bytes.size()) + 1);
        const quint32 first = Crc32::compute(bytes.constData(), split);
        QVERIFY2(Crc32::compute(bytes.constData() + split, bytes.size() - split, first)
                     == zlibCrc(bytes.constData(), bytes.size()),
                 qPrintable(QStringLiteral("seed %1, round %2").arg(seed).arg(round)));
    }
}

QTEST_GUILESS_MAIN(TstCrc32)
#include "tst_crc32.moc"
