// SPDX-License-Identifier: MIT
#include <QTest>

#include "server/core/modelcatalog.h"

using namespace Drawbridge;

class TstModelCatalog : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void resolve_data();
    void resolve();
    void listed();
};

void TstModelCatalog::resolve_data()
{
    QTest::addColumn<QString>("requested");
    QTest::addColumn<QString>("upstream");
    QTest::newRow("public-id") << QStringLiteral("kiro") << QStringLiteral("claude-sonnet-4.5");
    QTest::newRow("kiro-id") << QStringLiteral("claude-opus-4.7") << QStringLiteral("claude-opus-4.7");
    QTest::newRow("auto") << QStringLiteral("auto") << QStringLiteral("auto");
    QTest::newRow("alias") << QStringLiteral("gpt-4o") << QStringLiteral("claude-haiku-4.5");
    QTest::newRow("anthropic-dated") << QStringLiteral("claude-sonnet-4-5-20250929")
                                     << QStringLiteral("claude-sonnet-4.5");
    QTest::newRow("anthropic-short") << QStringLiteral("claude-opus-4-7")
                                     << QStringLiteral("claude-opus-4.7");
    QTest::newRow("1m-suffix") << QStringLiteral("claude-sonnet-4-6[1m]")
                               << QStringLiteral("claude-sonnet-4.6");
    QTest::newRow("thinking") << QStringLiteral("claude-haiku-4-5-thinking")
                              << QStringLiteral("claude-haiku-4.5");
    QTest::newRow("latest") << QStringLiteral("claude-sonnet-4-latest") << QStringLiteral("claude-sonnet-4");
    QTest::newRow("unknown") << QStringLiteral("gpt-5") << QString();
    QTest::newRow("empty") << QString() << QString();
    QTest::newRow("case") << QStringLiteral("Claude-Sonnet-4-5") << QStringLiteral("claude-sonnet-4.5");
}

void TstModelCatalog::resolve()
{
    QFETCH(QString, requested);
    QFETCH(QString, upstream);
    KiroSettings s;
    s.modelAliases.insert(QStringLiteral("gpt-4o"), QStringLiteral("claude-haiku-4.5"));
    const ModelCatalog catalog(s);
    const auto r = catalog.resolve(requested);
    if (upstream.isEmpty())
        QVERIFY(!r.has_value());
    else
        QCOMPARE(r.value_or(QString()), upstream);
}

void TstModelCatalog::listed()
{
    KiroSettings s;
    s.modelAliases.insert(QStringLiteral("gpt-4o"), QStringLiteral("claude-haiku-4.5"));
    const QStringList ids = ModelCatalog(s).listed();
    QCOMPARE(ids.first(), QStringLiteral("kiro"));
    QVERIFY(ids.contains(QStringLiteral("claude-sonnet-4.5")));
    QCOMPARE(ids.last(), QStringLiteral("gpt-4o"));
    QCOMPARE(ids.size(), 1 + s.models.size() + 1);
}

QTEST_GUILESS_MAIN(TstModelCatalog)
#include "tst_modelcatalog.moc"
