// SPDX-License-Identifier: MIT
#include <QTest>

#include "server/kiro/kiromodels.h"
#include "server/kiro/kirotokenestimator.h"

using namespace Drawbridge;
using namespace Qt::StringLiterals;

class TstKiroModels : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void normalize_data();
    void normalize();
    void contextWindow_data();
    void contextWindow();
    void tokenEstimate_data();
    void tokenEstimate();
};

void TstKiroModels::normalize_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("normalized");
    QTest::addColumn<bool>("large");
    QTest::addColumn<bool>("thinking");
    QTest::newRow("dated") << u"claude-sonnet-4-5-20250929"_s << u"claude-sonnet-4.5"_s << false << false;
    QTest::newRow("1m") << u"claude-sonnet-4-5[1m]"_s << u"claude-sonnet-4.5"_s << true << false;
    QTest::newRow("thinking") << u"claude-opus-4-7-thinking"_s << u"claude-opus-4.7"_s << false << true;
    QTest::newRow("kiro-id") << u"claude-haiku-4.5"_s << u"claude-haiku-4.5"_s << false << false;
    QTest::newRow("upper") << u"Claude-Sonnet-4"_s << u"claude-sonnet-4"_s << false << false;
    QTest::newRow("auto") << u"auto"_s << u"auto"_s << false << false;
}

void TstKiroModels::normalize()
{
    QFETCH(QString, name);
    QFETCH(QString, normalized);
    QFETCH(bool, large);
    QFETCH(bool, thinking);
    QCOMPARE(KiroModels::normalize(name), normalized);
    QCOMPARE(KiroModels::requestsLargeContext(name), large);
    QCOMPARE(KiroModels::requestsThinking(name), thinking);
}

void TstKiroModels::contextWindow_data()
{
    QTest::addColumn<QString>("model");
    QTest::addColumn<bool>("large");
    QTest::addColumn<int>("window");
    QTest::newRow("sonnet-4.5") << u"claude-sonnet-4.5"_s << false << 200'000;
    QTest::newRow("sonnet-4.5-1m") << u"claude-sonnet-4.5"_s << true << 1'000'000;
    QTest::newRow("sonnet-4.6") << u"claude-sonnet-4.6"_s << false << 1'000'000;
    QTest::newRow("opus-4.6") << u"claude-opus-4.6"_s << false << 1'000'000;
    QTest::newRow("haiku") << u"claude-haiku-4.5"_s << false << 200'000;
    QTest::newRow("auto") << u"auto"_s << false << 200'000;
}

void TstKiroModels::contextWindow()
{
    QFETCH(QString, model);
    QFETCH(bool, large);
    QFETCH(int, window);
    QCOMPARE(KiroModels::contextWindow(model, large), window);
}

void TstKiroModels::tokenEstimate_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<int>("tokens");
    QTest::newRow("empty") << QString() << 0;
    QTest::newRow("short-latin-inflated") << u"abcdefgh"_s << 3; // 2 × 1.5
    QTest::newRow("cjk-four-units-each") << u"你好世界"_s << 6; // 16 units → 4 × 1.5
    QTest::newRow("long-latin-no-inflation") << QString(4000, u'a') << 1000; // 1000 tokens ≥ 800
    QTest::newRow("medium-latin") << QString(1000, u'a') << 313; // 250 × 1.25, rounded up
}

void TstKiroModels::tokenEstimate()
{
    QFETCH(QString, text);
    QFETCH(int, tokens);
    QCOMPARE(KiroTokenEstimator::estimate(text), tokens);
}

QTEST_GUILESS_MAIN(TstKiroModels)
#include "tst_kiromodels.moc"
