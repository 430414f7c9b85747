// SPDX-License-Identifier: MIT
#include <QRandomGenerator>
#include <QTest>

#include <limits>

#include "server/gateway/jsonnumber.h"

using namespace Drawbridge;

class TstJsonNumber : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void sameBytesAsQByteArrayNumber();
};

void TstJsonNumber::sameBytesAsQByteArrayNumber()
{
    // The former writer is the oracle: every number the renderers wrote went through QByteArray::number().
    QList<qint64> values { 0,
                           1,
                           -1,
                           9,
                           10,
                           -10,
                           99,
                           100,
                           std::numeric_limits<int>::max(),
                           std::numeric_limits<int>::min(),
                           qint64(std::numeric_limits<int>::max()) + 1,
                           std::numeric_limits<qint64>::max(),
                           std::numeric_limits<qint64>::min(),
                           std::numeric_limits<qint64>::min() + 1 };
    for (qint64 p = 1; p > 0 && p <= std::numeric_limits<qint64>::max() / 10; p *= 10)
        values << p - 1 << p << p + 1 << -p;
    const quint32 seed = 18;
    QRandomGenerator rng(seed);
    for (int i = 0; i < 10'000; ++i) {
        const qint64 v = qint64(rng.generate64()) >> rng.bounded(64);
        values << v;
    }
    const QByteArray prefix = "{\"n\":";
    for (const qint64 v : values) {
        QByteArray empty;
        appendDecimal(empty, v);
        QByteArray shared = prefix;
        const QByteArray other = shared; // a block someone else holds must stay as it is
        appendDecimal(shared, v);
        QByteArray full = prefix;
        full.squeeze(); // no room left: the append grows it
        appendDecimal(full, v);
        if (empty != QByteArray::number(v) || shared != prefix + QByteArray::number(v) || full != shared
            || other != prefix)
            QFAIL(qPrintable(QStringLiteral("seed %1: %2 written as %3")
                                 .arg(seed)
                                 .arg(v)
                                 .arg(QString::fromLatin1(empty))));
    }
}

QTEST_GUILESS_MAIN(TstJsonNumber)
#include "tst_jsonnumber.moc"
