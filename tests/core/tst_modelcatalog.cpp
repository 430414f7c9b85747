// SPDX-License-Identifier: MIT
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QTest>

#include "server/core/modelcatalog.h"

using namespace Drawbridge;

class TstModelCatalog : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void resolve_data();
    void resolve();
    void family_data();
    void family();
    void strictModels();
    void listed();
    void accountModels();
    void normalize_data();
    void normalize();
    void normalizeAgreesWithTheExpressions();
};

namespace {

/** What normalize() did with regular expressions until it was written by hand: the oracle it must agree with.
 */
QString normalizeByExpressions(const QString &name)
{
    static const QRegularExpression oneM(QStringLiteral("\\[1m\\]$"));
    static const QRegularExpression thinking(QStringLiteral("-thinking$"));
    static const QRegularExpression date(QStringLiteral("-(20\\d{6}|latest)$"));
    static const QRegularExpression versionDash(QStringLiteral("(?<=\\d)-(?=\\d)"));
    QString n = name.trimmed().toLower();
    n.remove(oneM);
    n.remove(thinking);
    n.remove(date);
    n.remove(oneM);
    n.replace(versionDash, QStringLiteral("."));
    return n;
}

} // namespace

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

void TstModelCatalog::family_data()
{
    QTest::addColumn<QStringList>("models");
    QTest::addColumn<QString>("requested");
    QTest::addColumn<QString>("upstream");
    QTest::addColumn<int>("match");
    const QStringList all = KiroSettings().models;
    const auto exact = int(ModelCatalog::Match::Exact);
    const auto normalized = int(ModelCatalog::Match::Normalized);
    const auto clientAlias = int(ModelCatalog::Match::ClientAlias);
    const auto fam = int(ModelCatalog::Match::Family);
    // Claude Code 2.1.332's own default, unknown upstream.
    QTest::newRow("newer-opus") << all << QStringLiteral("claude-opus-5-5")
                                << QStringLiteral("claude-opus-4.7") << fam;
    QTest::newRow("newer-opus-1m") << all << QStringLiteral("claude-opus-5-5[1m]")
                                   << QStringLiteral("claude-opus-4.7") << fam;
    QTest::newRow("older-opus-dated")
        << all << QStringLiteral("claude-opus-4-1-20250805") << QStringLiteral("claude-opus-4.7") << fam;
    QTest::newRow("sonnet") << all << QStringLiteral("claude-sonnet-5") << QStringLiteral("claude-sonnet-4.6")
                            << fam;
    QTest::newRow("haiku-thinking") << all << QStringLiteral("claude-haiku-5-0-thinking")
                                    << QStringLiteral("claude-haiku-4.5") << fam;
    QTest::newRow("legacy-scheme") << all << QStringLiteral("claude-3-5-sonnet-20241022")
                                   << QStringLiteral("claude-sonnet-4.6") << fam;
    QTest::newRow("upper-case") << all << QStringLiteral("Claude-Opus-9") << QStringLiteral("claude-opus-4.7")
                                << fam;
    // Version order is numeric, not textual, and not list order.
    const QStringList shuffled { QStringLiteral("claude-sonnet-4.10"), QStringLiteral("claude-sonnet-4.9"),
                                 QStringLiteral("claude-sonnet-4"), QStringLiteral("auto") };
    QTest::newRow("numeric-order") << shuffled << QStringLiteral("claude-sonnet-7")
                                   << QStringLiteral("claude-sonnet-4.10") << fam;
    // No model of the family: the closest family serves.
    const QStringList noOpus { QStringLiteral("claude-haiku-4.5"), QStringLiteral("claude-sonnet-4.5") };
    QTest::newRow("opus→sonnet") << noOpus << QStringLiteral("claude-opus-5-5")
                                 << QStringLiteral("claude-sonnet-4.5") << fam;
    const QStringList haikuOnly { QStringLiteral("auto"), QStringLiteral("claude-haiku-4.5") };
    QTest::newRow("opus→haiku") << haikuOnly << QStringLiteral("claude-opus-5")
                                << QStringLiteral("claude-haiku-4.5") << fam;
    const QStringList noHaiku { QStringLiteral("claude-opus-4.5"), QStringLiteral("claude-sonnet-4") };
    QTest::newRow("haiku→sonnet") << noHaiku << QStringLiteral("claude-haiku-4-5")
                                  << QStringLiteral("claude-sonnet-4") << fam;
    QTest::newRow("no-claude-at-all")
        << QStringList { QStringLiteral("auto") } << QStringLiteral("claude-opus-5") << QString() << 0;
    // Claude Code's aliases.
    QTest::newRow("opus") << all << QStringLiteral("opus") << QStringLiteral("claude-opus-4.7")
                          << clientAlias;
    QTest::newRow("sonnet-alias") << all << QStringLiteral("sonnet") << QStringLiteral("claude-sonnet-4.6")
                                  << clientAlias;
    QTest::newRow("haiku") << all << QStringLiteral("haiku") << QStringLiteral("claude-haiku-4.5")
                           << clientAlias;
    QTest::newRow("best") << all << QStringLiteral("best") << QStringLiteral("claude-opus-4.7")
                          << clientAlias;
    QTest::newRow("opus[1m]") << all << QStringLiteral("opus[1m]") << QStringLiteral("claude-opus-4.7")
                              << clientAlias;
    QTest::newRow("sonnet[1m]") << all << QStringLiteral("sonnet[1m]") << QStringLiteral("claude-sonnet-4.6")
                                << clientAlias;
    QTest::newRow("best-no-opus") << noOpus << QStringLiteral("best") << QStringLiteral("claude-sonnet-4.5")
                                  << clientAlias;
    // Known ids keep their exact model.
    QTest::newRow("listed") << all << QStringLiteral("claude-opus-4.5") << QStringLiteral("claude-opus-4.5")
                            << exact;
    QTest::newRow("listed-normalized") << all << QStringLiteral("claude-opus-4-5-20251101")
                                       << QStringLiteral("claude-opus-4.5") << normalized;
    // Not Claude: still unknown.
    QTest::newRow("gpt") << all << QStringLiteral("gpt-5") << QString() << 0;
    QTest::newRow("claude-prefix-only") << all << QStringLiteral("claude") << QString() << 0;
    QTest::newRow("claude-other-family") << all << QStringLiteral("claude-instant-1") << QString() << 0;
    QTest::newRow("opusx") << all << QStringLiteral("opusx") << QString() << 0;
}

void TstModelCatalog::family()
{
    QFETCH(QStringList, models);
    QFETCH(QString, requested);
    QFETCH(QString, upstream);
    QFETCH(int, match);
    KiroSettings s;
    s.models = models;
    const auto r = ModelCatalog(s).resolveDetailed(requested);
    if (upstream.isEmpty()) {
        QVERIFY2(!r.has_value(), qPrintable(r ? r->model : QString()));
        return;
    }
    QVERIFY(r.has_value());
    QCOMPARE(r->model, upstream);
    QCOMPARE(int(r->match), match);
}

void TstModelCatalog::strictModels()
{
    KiroSettings s;
    s.modelAliases.insert(QStringLiteral("claude-opus-5-5"), QStringLiteral("claude-opus-4.6"));
    // An explicit alias wins over the family fallback, with or without strict mode, `[1m]` too.
    QCOMPARE(ModelCatalog(s).resolve(QStringLiteral("claude-opus-5-5")), QStringLiteral("claude-opus-4.6"));
    QCOMPARE(ModelCatalog(s).resolve(QStringLiteral("claude-opus-5-5[1m]")),
             QStringLiteral("claude-opus-4.6"));
    QCOMPARE(ModelCatalog(s).resolve(QStringLiteral("claude-sonnet-9")), QStringLiteral("claude-sonnet-4.6"));
    s.strictModels = true;
    const ModelCatalog strict(s);
    QCOMPARE(strict.resolve(QStringLiteral("claude-opus-5-5")), QStringLiteral("claude-opus-4.6"));
    QVERIFY(!strict.resolve(QStringLiteral("claude-sonnet-9")).has_value());
    QVERIFY(!strict.resolve(QStringLiteral("claude-opus-4-1")).has_value());
    // Listed ids and Claude Code's own aliases still resolve.
    QCOMPARE(strict.resolve(QStringLiteral("claude-sonnet-4-5-20250929")),
             QStringLiteral("claude-sonnet-4.5"));
    QCOMPARE(strict.resolve(QStringLiteral("sonnet")), QStringLiteral("claude-sonnet-4.6"));
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

void TstModelCatalog::accountModels()
{
    KiroSettings s;
    s.modelAliases.insert(QStringLiteral("gpt-4o"), QStringLiteral("claude-haiku-4.5"));
    ModelCatalog catalog(s);
    // The accounts' catalogs: one model kiro.models lacks, newer opus ones missing.
    catalog.setAccountModels({ QStringLiteral("claude-sonnet-4.5"), QStringLiteral("claude-opus-4.5"),
                               QStringLiteral("qwen3-coder-480b") });
    QCOMPARE(catalog.listed(),
             (QStringList { QStringLiteral("kiro"), QStringLiteral("claude-sonnet-4.5"),
                            QStringLiteral("claude-opus-4.5"), QStringLiteral("qwen3-coder-480b"),
                            QStringLiteral("gpt-4o") }));
    // A model only an account's catalog has resolves, exactly and normalized.
    QCOMPARE(catalog.resolve(QStringLiteral("qwen3-coder-480b")), QStringLiteral("qwen3-coder-480b"));
    QCOMPARE(catalog.resolve(QStringLiteral("Qwen3-Coder-480B")), QStringLiteral("qwen3-coder-480b"));
    // kiro.models ids are still accepted (the provider answers whether an account has them).
    QCOMPARE(catalog.resolve(QStringLiteral("claude-opus-4.7")), QStringLiteral("claude-opus-4.7"));
    QCOMPARE(catalog.resolve(QStringLiteral("claude-haiku-4-5-20251001")),
             QStringLiteral("claude-haiku-4.5"));
    // The family fallback picks among what the accounts have: opus 4.5, not kiro.models' 4.7.
    QCOMPARE(catalog.resolve(QStringLiteral("opus")), QStringLiteral("claude-opus-4.5"));
    QCOMPARE(catalog.resolve(QStringLiteral("claude-opus-5-5")), QStringLiteral("claude-opus-4.5"));
    QCOMPARE(catalog.resolve(QStringLiteral("haiku")), QStringLiteral("claude-sonnet-4.5"));
    QCOMPARE(catalog.resolve(QStringLiteral("kiro")), QStringLiteral("claude-sonnet-4.5"));
    QVERIFY(!catalog.resolve(QStringLiteral("qwen3-coder-30b")).has_value());

    // Catalogs change: the list follows.
    catalog.setAccountModels({ QStringLiteral("claude-opus-4.7") });
    QCOMPARE(catalog.listed(),
             (QStringList { QStringLiteral("kiro"), QStringLiteral("claude-opus-4.7"),
                            QStringLiteral("gpt-4o") }));
    QVERIFY(!catalog.resolve(QStringLiteral("qwen3-coder-480b")).has_value());
    QCOMPARE(catalog.resolve(QStringLiteral("opus")), QStringLiteral("claude-opus-4.7"));
}

void TstModelCatalog::normalize_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("normalized");
    const auto row = [](const char *name, const char *normalized) {
        QTest::newRow(name) << QString::fromUtf8(name) << QString::fromUtf8(normalized);
    };
    row("claude-sonnet-4-5-20250929", "claude-sonnet-4.5");
    row("Claude-Opus-4-5-20251101[1M]", "claude-opus-4.5");
    row("claude-opus-4-5-20251101-thinking[1m]", "claude-opus-4.5");
    row("claude-opus-4-5-thinking", "claude-opus-4.5");
    row("claude-3-7-sonnet-latest", "claude-3.7-sonnet");
    row("  claude-haiku-4-5 ", "claude-haiku-4.5");
    row("claude-sonnet-4-5-2025092", "claude-sonnet-4.5.2025092"); // seven digits: not a date
    row("claude-sonnet-4-5-30250929", "claude-sonnet-4.5.30250929"); // not 20…
    row("claude-sonnet-4-5-21250929", "claude-sonnet-4.5.21250929");
    row("claude-sonnet-4-5-2025092x", "claude-sonnet-4.5.2025092x");
    row("-20250929", "");
    row("20250929", "20250929");
    row("1-2-3-a-4", "1.2.3-a-4");
    row("x--1", "x--1");
    row("", "");
    row("[1m]", "");
    row("claude-sonnet-4-\u0663", "claude-sonnet-4-\u0663"); // an Arabic-Indic digit is not a version digit
}

void TstModelCatalog::normalize()
{
    QFETCH(QString, name);
    QFETCH(QString, normalized);
    QCOMPARE(ModelCatalog::normalize(name), normalized);
    QCOMPARE(normalizeByExpressions(name), normalized);
}

void TstModelCatalog::normalizeAgreesWithTheExpressions()
{
    // Names built from the pieces the rules look at, in any order and number, so that suffixes stack, dates
    // come short or long, and dashes meet digits, letters and each other.
    const QStringList pieces {
        QStringLiteral("claude"),    QStringLiteral("-"),         QStringLiteral("-"),
        QStringLiteral("4"),         QStringLiteral("5"),         QStringLiteral("20"),
        QStringLiteral("2025"),      QStringLiteral("0929"),      QStringLiteral("sonnet"),
        QStringLiteral("-thinking"), QStringLiteral("[1m]"),      QStringLiteral("[1M]"),
        QStringLiteral("-latest"),   QStringLiteral("-LATEST"),   QStringLiteral(" "),
        QStringLiteral("."),         QStringLiteral("\u0663"),    QStringLiteral("\uff14"),
        QStringLiteral("\u00c9"),    QStringLiteral("-20250929"), QStringLiteral("-2"),
        QStringLiteral("1"),         QStringLiteral("x")
    };
    QRandomGenerator rng(20261205);
    int dated = 0;
    for (int i = 0; i < 50'000; ++i) {
        QString name;
        const int count = int(rng.bounded(1, 9));
        for (int j = 0; j < count; ++j)
            name += pieces.at(int(rng.bounded(qsizetype(pieces.size()))));
        const QString expected = normalizeByExpressions(name);
        if (ModelCatalog::normalize(name) != expected)
            QFAIL(qPrintable(QStringLiteral("\"%1\": \"%2\", expected \"%3\"")
                                 .arg(name, ModelCatalog::normalize(name), expected)));
        dated += name.trimmed().toLower().endsWith(QLatin1String("-20250929")) ? 1 : 0;
    }
    QVERIFY2(dated > 1'000, "the generator must produce dated names");
}

QTEST_GUILESS_MAIN(TstModelCatalog)
#include "tst_modelcatalog.moc"
