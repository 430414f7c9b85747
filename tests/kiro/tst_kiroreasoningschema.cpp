// SPDX-License-Identifier: MIT
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

#include "server/kiro/kiroreasoningschema.h"

using namespace Drawbridge;

namespace {

QJsonObject json(const char *text)
{
    return QJsonDocument::fromJson(text).object();
}

// The shapes ListAvailableModels advertises (docs/kiro.md#reasoning): Claude's adaptive thinking with an
// output_config effort, GPT's reasoning effort, a Claude model that takes a budget.
constexpr const char *claudeAdaptive
    = R"({"type":"object","properties":{"thinking":{"type":"object","properties":{"type":{"type":"string",
         "enum":["adaptive","disabled"]}}},"output_config":{"type":"object","properties":{"effort":{"type":"string",
         "enum":["low","medium","high","max"]}}}}})";
constexpr const char *gptReasoning
    = R"({"properties":{"reasoning":{"properties":{"effort":{"enum":["none","low","medium","high","xhigh","max"]}}}}})";
constexpr const char *claudeBudget
    = R"({"type":"object","properties":{"thinking":{"$ref":"#/$defs/thinking"}},"$defs":{"thinking":{"type":"object",
         "properties":{"type":{"enum":["enabled","disabled"]},"budget_tokens":{"type":"integer","minimum":1024,
         "maximum":16000}},"required":["type"]}}})";

} // namespace

class TstKiroReasoningSchema : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void requestFields_data();
    void requestFields();
    void effortForBudget_data();
    void effortForBudget();
};

void TstKiroReasoningSchema::requestFields_data()
{
    QTest::addColumn<QByteArray>("schema");
    QTest::addColumn<int>("budget");
    QTest::addColumn<QByteArray>("fields"); ///< empty = not supported

    QTest::newRow("claude, low")
        << QByteArray(claudeAdaptive) << 4000
        << QByteArray(R"({"output_config":{"effort":"low"},"thinking":{"type":"adaptive"}})");
    QTest::newRow("claude, high")
        << QByteArray(claudeAdaptive) << 24000
        << QByteArray(R"({"output_config":{"effort":"high"},"thinking":{"type":"adaptive"}})");
    // xhigh is not offered: the nearest effort the model has.
    QTest::newRow("claude, xhigh -> max")
        << QByteArray(claudeAdaptive) << 32000
        << QByteArray(R"({"output_config":{"effort":"max"},"thinking":{"type":"adaptive"}})");
    QTest::newRow("gpt, medium") << QByteArray(gptReasoning) << 10000
                                 << QByteArray(R"({"reasoning":{"effort":"medium"}})");
    QTest::newRow("gpt, xhigh") << QByteArray(gptReasoning) << 32000
                                << QByteArray(R"({"reasoning":{"effort":"xhigh"}})");
    // A budget where the model takes one, clamped to what the schema allows; $ref followed.
    QTest::newRow("budget") << QByteArray(claudeBudget) << 10000
                            << QByteArray(R"({"thinking":{"budget_tokens":10000,"type":"enabled"}})");
    QTest::newRow("budget, clamped up")
        << QByteArray(claudeBudget) << 500
        << QByteArray(R"({"thinking":{"budget_tokens":1024,"type":"enabled"}})");
    QTest::newRow("budget, clamped down")
        << QByteArray(claudeBudget) << 32000
        << QByteArray(R"({"thinking":{"budget_tokens":16000,"type":"enabled"}})");
    // No schema, a schema without reasoning members, or only ways to turn it off: not supported.
    QTest::newRow("no schema") << QByteArray("{}") << 10000 << QByteArray();
    QTest::newRow("caching only") << QByteArray(
        R"({"type":"object","properties":{"output_config":{"type":"object"}}})")
                                  << 10000 << QByteArray();
    QTest::newRow("disabled only") << QByteArray(
        R"({"properties":{"thinking":{"properties":{"type":{"const":"disabled"}}}}})")
                                   << 10000 << QByteArray();
    QTest::newRow("effort not a string")
        << QByteArray(R"({"properties":{"reasoning":{"properties":{"effort":{"type":"integer"}}}}})") << 10000
        << QByteArray();
    QTest::newRow("combinator") << QByteArray(R"({"properties":{"thinking":{"anyOf":[{"type":"object"}]}}})")
                                << 10000 << QByteArray();
    QTest::newRow("ref cycle") << QByteArray(
        R"({"properties":{"thinking":{"$ref":"#/properties/thinking"}}})")
                               << 10000 << QByteArray();
    QTest::newRow("effort names unknown")
        << QByteArray(R"({"properties":{"reasoning":{"properties":{"effort":{"enum":["turbo"]}}}}})") << 10000
        << QByteArray();
}

void TstKiroReasoningSchema::requestFields()
{
    QFETCH(QByteArray, schema);
    QFETCH(int, budget);
    QFETCH(QByteArray, fields);
    const KiroReasoningSchema s = KiroReasoningSchema::fromCatalogSchema(json(schema.constData()));
    QCOMPARE(s.requestFields(budget), fields);
    QCOMPARE(s.supported(), !fields.isEmpty());
}

void TstKiroReasoningSchema::effortForBudget_data()
{
    QTest::addColumn<int>("budget");
    QTest::addColumn<QString>("effort");
    // The budgets the request parsers give efforts map back to those efforts.
    QTest::newRow("low") << 4000 << QStringLiteral("low");
    QTest::newRow("medium") << 10000 << QStringLiteral("medium");
    QTest::newRow("anthropic high") << 20000 << QStringLiteral("high");
    QTest::newRow("openai high") << 24000 << QStringLiteral("high");
    QTest::newRow("xhigh") << 32000 << QStringLiteral("xhigh");
    QTest::newRow("tiny") << 1 << QStringLiteral("low");
    QTest::newRow("between") << 10001 << QStringLiteral("high");
}

void TstKiroReasoningSchema::effortForBudget()
{
    QFETCH(int, budget);
    QFETCH(QString, effort);
    QCOMPARE(KiroReasoningSchema::effortForBudget(budget), effort);
}

QTEST_GUILESS_MAIN(TstKiroReasoningSchema)
#include "tst_kiroreasoningschema.moc"
