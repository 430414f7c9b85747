// SPDX-License-Identifier: MIT
#include <QSet>
#include <QTest>

#include <array>

#include "server/gateway/responseid.h"

using namespace Drawbridge;

class TstResponseId : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void shape_data();
    void shape();
    void charactersAreSpreadEvenly();
};

void TstResponseId::shape_data()
{
    QTest::addColumn<QByteArray>("prefix");
    for (const char *prefix : { "msg_", "toolu_", "chatcmpl-", "resp_", "fc_", "" })
        QTest::newRow(prefix) << QByteArray(prefix);
}

void TstResponseId::shape()
{
    QFETCH(QByteArray, prefix);
    QSet<QByteArray> seen;
    for (int i = 0; i < 1000; ++i) {
        const QByteArray id = randomResponseId(prefix.constData());
        QCOMPARE(id.size(), prefix.size() + 24);
        QVERIFY(id.startsWith(prefix));
        for (const char c : id.mid(prefix.size()))
            QVERIFY2((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'),
                     id.constData());
        seen.insert(id);
    }
    QCOMPARE(seen.size(), 1000); // 62^24 ids: a repeat means the generator is not consulted per id
}

void TstResponseId::charactersAreSpreadEvenly()
{
    // 240,000 characters over 62 symbols: about 3,871 each. A chi-square statistic above 150 (61 degrees of
    // freedom; the 1e-9 tail is near 140) means a biased mapping, e.g. one that never reaches the digits.
    std::array<int, 128> counts {};
    for (int i = 0; i < 10'000; ++i) {
        for (const char c : randomResponseId(""))
            ++counts[size_t(uchar(c))];
    }
    const double expected = 240'000.0 / 62;
    double chi2 = 0;
    int symbols = 0;
    for (const int n : counts) {
        if (n == 0)
            continue;
        ++symbols;
        chi2 += (n - expected) * (n - expected) / expected;
    }
    QCOMPARE(symbols, 62);
    QVERIFY2(chi2 < 150, qPrintable(QString::number(chi2)));
}

QTEST_GUILESS_MAIN(TstResponseId)
#include "tst_responseid.moc"
