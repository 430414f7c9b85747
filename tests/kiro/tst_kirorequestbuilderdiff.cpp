// SPDX-License-Identifier: MIT
// Differential test of the Kiro request builder (issue 18): the direct JSON writer against the builder it
// replaced (a QJsonObject tree serialised by QJsonDocument, kept in legacykirorequestbuilder.cpp). On a
// seeded corpus of agent-shaped requests with the awkward cases (escapes, control characters, surrogate pairs
// and lone surrogates, huge and blank strings, odd tool arguments, $ref schemas, images, duplicate ids) both
// must produce the same bytes, the same errors, reverse map and token estimate. DRAWBRIDGE_FUZZ_SEED and
// DRAWBRIDGE_FUZZ_ITERATIONS reproduce or extend a run; a failure prints its seed and iteration.
#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QTest>

#include "server/kiro/jsonwriter.h"
#include "server/kiro/kirorequestbuilder.h"
#include "server/kiro/kirotokenestimator.h"
#include "tests/kiro/legacykirorequestbuilder.h"
#include "tests/support/fuzzseed.h"

using namespace Drawbridge;
using namespace Drawbridge::Test;
using namespace Qt::StringLiterals;

namespace {

class Gen
{
public:
    explicit Gen(quint64 seed) : m_rng(seed) { }

    int between(int lo, int hi) { return int(m_rng.bounded(lo, hi + 1)); }
    bool chance(int percent) { return between(0, 99) < percent; }

    QString piece()
    {
        static const QStringList pool = {
            u"plain words and more words"_s,
            u"quotes \" and backslashes \\ and a slash /"_s,
            u"\n\t\r\b\f"_s,
            QString(QChar(0x01)) + QChar(0x1f) + QChar(0x7f),
            u"café naïve Größe — “quoted” → ±µs €"_s,
            u"日本語の文章と中文字符"_s,
            u"emoji 😀🚀 outside the BMP"_s,
            QString(QChar(0xd800)) + u"lone high"_s,
            u"lone low"_s + QChar(0xdc00),
            QString(QChar(0xdbff)), // high surrogate at the very end
            QString(QChar(0xfffe)) + QChar(0xffff) + QChar(0xfeff),
            u"   "_s,
            u""_s,
            u"\u2028\u2029\u00a0\u3000"_s, // Unicode spaces: trimmed() removes them
            u"<thinking>nested</thinking>"_s,
            u"{\"looks\":\"like json\"}"_s,
            // The edges of the token estimate's weights in UTF-8: U+024F/U+0250 (C9 8F/C9 90), U+027F/U+0280
            // (C9 BF/CA 80), two and three bytes, four bytes.
            u"\u024f\u0250\u027f\u0280 \u07ff\u0800\uffff \U00010000\U0010ffff"_s,
        };
        return pool[between(0, int(pool.size()) - 1)];
    }

    QString text()
    {
        if (chance(3))
            return QString(between(20'000, 80'000), QChar(u'x' + between(0, 2))) + piece(); // huge
        if (chance(2)) {
            // Long multi-byte runs: the UTF-8 unit count sums its byte counters every 255 rounds of 16 bytes.
            static const QList<char16_t> wide = { u'\u00e9', u'\u024f', u'\u0250', u'\u65e5' };
            return QString(between(3'000, 9'000), QChar(wide[between(0, int(wide.size()) - 1)])) + piece();
        }
        QString t;
        const int n = between(0, 6);
        for (int i = 0; i < n; ++i)
            t += piece() + (chance(50) ? u" "_s : QString());
        return t;
    }

    QString id()
    {
        static const QStringList ids = { u"call_1"_s, u"call_2"_s, u"toolu_01"_s, u"c\"3"_s, u""_s, u"ü"_s };
        if (m_manyCalls && chance(80)) {
            // Ids of one length that differ in one code unit (above and below U+0100, whose bytes order
            // differently from the code units), and a few lengths: the pairing sorts and searches them.
            static const QStringList units
                = { u"0"_s, u"1"_s, u"\u00ff"_s, u"\u0100"_s, u"\u01ff"_s, u"a"_s };
            return u"call_"_s + units[between(0, int(units.size()) - 1)]
                + (chance(30) ? units[between(0, int(units.size()) - 1)] : QString());
        }
        return ids[between(0, int(ids.size()) - 1)];
    }

    /** Assistant turns with up to 40 tool calls and more tool results, on ids that collide often. */
    void setManyCalls(bool many) { m_manyCalls = many; }

    QString toolName()
    {
        static const QStringList names
            = { u"get_weather"_s, u"Read"_s, u"Bash"_s,
                u"mcp__server__a_very_long_tool_name_that_is_longer_than_sixty_four_chars"_s, u"dup"_s };
        return names[between(0, int(names.size()) - 1)];
    }

    QString arguments()
    {
        static const QStringList args = {
            u"{\"city\":\"Paris\"}"_s,
            u"{}"_s,
            u""_s,
            u"  "_s,
            u"not json"_s,
            u"[1,2,3]"_s,
            u"{\"a\":1,\"a\":2}"_s,
            u"{\"\":\"empty key\",\"b\":true}"_s,
            u"{\"n\":1.0,\"m\":1e3,\"big\":12345678901234567890,\"neg\":-0,\"f\":0.1}"_s,
            u"{\"s\":\"\\u00e9\\ud83d\\ude00\\ud800\",\"esc\":\"\\/\\b\"}"_s,
            u"{\"deep\":[[[[[{\"x\":[null,false]}]]]]]}"_s,
            // Numbers at Qt's edges: integers past 2^53 stay integers, past int64 become doubles.
            u"{\"a\":9007199254740993,\"b\":-9223372036854775808,\"c\":9223372036854775808}"_s,
            u"{\"d\":1e-7,\"e\":5e-324,\"f\":1.7976931348623157e308,\"g\":123.456e5,\"h\":0.1e1,\"i\":1E+2}"_s,
            u"{\"j\":100000000000000000000000,\"k\":-0.0,\"l\":2.5,\"m\":1e21,\"n\":1e20}"_s,
            u"{\"s\":\"\\u0000\\uffff\\u2028\\/\",\"t\":\"\u00e9\u65e5\",\"\":{\"\":1},\"z\":[{\"b\":1,\"a\":2}]}"_s,
            u"{\"Z\":1,\"a\":2,\"_\":3,\"A\":4,\"0\":5,\"\u00e9\":6}"_s,
            u"{\"x\":1} trailing"_s,
            u"{\"nested\":{\"k\":1,\"k\":2}}"_s,
        };
        return args[between(0, int(args.size()) - 1)];
    }

    QJsonObject schema()
    {
        static const QStringList schemas = {
            u"{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}},\"required\":[\"city\"]}"_s,
            u"{}"_s,
            u"{\"type\":\"object\",\"$schema\":\"x\",\"additionalProperties\":false,\"properties\":{\"a\":{\"$ref\":\"#/$defs/A\"}},\"$defs\":{\"A\":{\"type\":[\"string\",\"null\"],\"enum\":[\"x\",null]}}}"_s,
            u"{\"properties\":{\"n\":{\"type\":\"number\",\"minimum\":0.5,\"maximum\":1e21,\"default\":3}},\"required\":[]}"_s,
            u"{\"type\":\"object\",\"properties\":{\"é\":{\"description\":\"ü \\\"q\\\" \\n\"}}}"_s,
        };
        return QJsonDocument::fromJson(schemas[between(0, int(schemas.size()) - 1)].toUtf8()).object();
    }

    ChatRequest request()
    {
        ChatRequest r;
        r.requestedModel = u"claude-sonnet-4.5"_s;
        r.upstreamModel = chance(98) ? u"claude-sonnet-4.5"_s : QString();
        const int messages = between(0, 30);
        for (int i = 0; i < messages; ++i) {
            ChatMessage m;
            m.role = m_manyCalls && chance(40) ? Role::Tool : Role(between(0, 3));
            m.text = text();
            // Half the texts are held as UTF-8 only, as the single-pass parsers leave them (only a text UTF-8
            // can hold: no lone surrogates): the builder writes and counts those from the bytes, and converts
            // them only where normalisation changes them.
            if (chance(50)) {
                const QByteArray utf8 = m.text.toUtf8();
                if (QString::fromUtf8(utf8) == m.text) {
                    m.textUtf8 = utf8;
                    m.text.clear();
                }
            }
            if (m.role == Role::User && chance(10)) {
                static const QStringList types
                    = { u"image/png"_s, u"image/jpeg"_s, u"IMAGE/JPG "_s, u"image/bmp"_s };
                static const QList<QByteArray> data
                    = { "iVBORw0KGgo=", "data:image/png;base64,AAAA", "", "data:nocomma" };
                m.images.push_back(ImagePart { types[between(0, 3)], data[between(0, 3)] });
            }
            if (m.role == Role::Assistant) {
                const int calls = m_manyCalls ? between(0, 40) : between(0, 3);
                for (int c = 0; c < calls; ++c)
                    m.toolCalls.push_back(ToolCall { id(), toolName(), arguments() });
            }
            if (m.role == Role::Tool) {
                m.toolCallId = id();
                m.toolError = chance(20);
            }
            r.messages.push_back(std::move(m));
        }
        const int tools = chance(30) ? 0 : between(1, 5);
        for (int i = 0; i < tools; ++i) {
            ToolDefinition tool { toolName(), chance(20) ? QString() : text(), schema(), {} };
            // Descriptions at the sanitiser's limit and with space at either end, which it changes.
            if (chance(10))
                tool.description = QString(between(9'990, 10'010), QChar(u"d\u00e9 \n"[between(0, 3)]));
            if (chance(10))
                tool.description = (chance(50) ? u" "_s : u"\u3000"_s) + tool.description
                    + (chance(50) ? u"\t"_s : u"x"_s);
            // Half the tools carry their schema's text, as the single-pass parsers leave it: the builder's
            // memo; and half hold their description as UTF-8 only, as those parsers do too.
            if (chance(50))
                tool.parametersJson = QJsonDocument(tool.parameters).toJson(QJsonDocument::Compact);
            if (chance(50)) {
                const QByteArray utf8 = tool.description.toUtf8();
                if (QString::fromUtf8(utf8) == tool.description) {
                    tool.descriptionUtf8 = utf8;
                    tool.description.clear();
                }
            }
            r.tools.push_back(std::move(tool));
        }
        r.toolChoice = ToolChoice(between(0, 3));
        r.toolChoiceName = chance(50) ? toolName() : QString();
        r.thinking = chance(20);
        r.thinkingBudgetTokens = chance(50) ? 0 : between(1, 30000);
        return r;
    }

    KiroRequestOptions options()
    {
        KiroRequestOptions o;
        o.conversationId = u"c0ffee00-0000-4000-8000-00000000abcd"_s;
        if (chance(50))
            o.profileArn = u"arn:aws:codewhisperer:us-east-1:699475941385:profile/EHGA3GRVQMUK"_s;
        if (chance(5))
            o.maxBodyBytes = between(100, 5000);
        return o;
    }

private:
    QRandomGenerator64 m_rng;
    bool m_manyCalls = false;
};

/** The agent continuation id is a fresh UUID per build; everything else must match byte for byte. */
QByteArray masked(QByteArray body)
{
    static const QRegularExpression uuid(
        u"\"agentContinuationId\":\"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\""_s);
    return QString::fromUtf8(body).replace(uuid, u"\"agentContinuationId\":\"*\""_s).toUtf8();
}

} // namespace

class TstKiroRequestBuilderDiff : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void stringsLikeQt_data();
    void stringsLikeQt();
    void randomStringsLikeQt();
    void objectsLikeQt();
    void corpus_data();
    void corpus();
    void profileArnInPlace();
};

void TstKiroRequestBuilderDiff::stringsLikeQt_data()
{
    QTest::addColumn<QString>("text");
    QTest::newRow("empty") << QString();
    QTest::newRow("ascii") << u"hello"_s;
    QTest::newRow("escapes") << u"\"\\/\b\f\n\r\t"_s;
    QTest::newRow("controls") << QString(QChar(0)) + QChar(1) + QChar(0x1f) + QChar(0x7f) + QChar(0x80);
    QTest::newRow("two-and-three-byte") << u"é€日本"_s;
    QTest::newRow("surrogate-pair") << u"😀"_s;
    QTest::newRow("lone-high") << QString(QChar(0xd83d)) + u"x"_s;
    QTest::newRow("lone-high-at-end") << QString(QChar(0xd83d));
    QTest::newRow("lone-low") << QString(QChar(0xde00));
    QTest::newRow("low-then-high") << QString(QChar(0xde00)) + QChar(0xd83d);
    QTest::newRow("noncharacters") << QString(QChar(0xfffe)) + QChar(0xffff);
    QTest::newRow("many-escapes") << QString(5000, QChar(u'\n'));
    QTest::newRow("many-controls") << QString(5000, QChar(0x01));
    // The 8-units-at-a-time ASCII path and its exits: a special unit at every position of a block of 8.
    for (int at = 0; at < 9; ++at) {
        for (const QChar special : { QChar(u'"'), QChar(u'\\'), QChar(0x1f), QChar(0x7f), QChar(0x80),
                                     QChar(0xe9), QChar(0xd83d) }) {
            QString s = QString(17, u'a');
            s[at] = special;
            QTest::addRow("block-%d-u%04x", at, special.unicode()) << s;
        }
    }
}

void TstKiroRequestBuilderDiff::stringsLikeQt()
{
    QFETCH(QString, text);
    QByteArray ours;
    JsonWriter::appendString(ours, text);
    const QByteArray qt = QJsonDocument(QJsonObject { { u"k"_s, text } }).toJson(QJsonDocument::Compact);
    QCOMPARE(ours, qt.mid(5, qt.size() - 6)); // {"k":…}
}

void TstKiroRequestBuilderDiff::randomStringsLikeQt()
{
    const quint64 seed = Test::fuzzSeed();
    QRandomGenerator64 rng(seed);
    for (int i = 0; i < 2000; ++i) {
        QString s;
        const int n = int(rng.bounded(0, 40));
        for (int k = 0; k < n; ++k) {
            // Mostly the interesting ranges: controls, ASCII, 2- and 3-byte, surrogates.
            static const char16_t lo[] = { 0, 0x20, 0x80, 0x800, 0xd800, 0xdc00, 0xe000 };
            static const char16_t hi[] = { 0x1f, 0x7f, 0x7ff, 0xd7ff, 0xdbff, 0xdfff, 0xffff };
            const int range = int(rng.bounded(0, 7));
            s += QChar(char16_t(rng.bounded(int(lo[range]), int(hi[range]) + 1)));
        }
        QByteArray ours;
        JsonWriter::appendString(ours, s);
        const QByteArray qt = QJsonDocument(QJsonObject { { u"k"_s, s } }).toJson(QJsonDocument::Compact);
        if (ours != qt.mid(5, qt.size() - 6))
            QFAIL(qPrintable(u"seed %1 iteration %2: %3 != %4"_s.arg(seed).arg(i).arg(
                QString::fromLatin1(ours.toHex()), QString::fromLatin1(qt.toHex()))));
    }
}

void TstKiroRequestBuilderDiff::objectsLikeQt()
{
    // Tool inputs are written from simdjson when it is sure to write what Qt would; otherwise the Qt path.
    Gen gen(1);
    QStringList texts;
    for (int i = 0; i < 400; ++i)
        texts.append(gen.arguments());
    texts.append(
        u"{\"path\":\"src/main.cpp\",\"line\":3,\"flags\":[true,false,null],\"opt\":{\"b\":0.5,\"a\":-1}}"_s);
    int written = 0;
    for (const QString &text : texts) {
        for (const bool drop : { false, true }) {
            QByteArray ours = "x";
            const bool sure = JsonWriter::appendQtCompactObject(ours, text.toUtf8(), drop);
            if (!sure) {
                QCOMPARE(ours, QByteArray("x")); // untouched
                continue;
            }
            ++written;
            QJsonObject o = QJsonDocument::fromJson(text.toUtf8()).object();
            if (drop)
                o.remove(QString());
            QCOMPARE(ours.mid(1), QJsonDocument(o).toJson(QJsonDocument::Compact));
        }
    }
    QVERIFY(written > 100);
    QByteArray out;
    QVERIFY(JsonWriter::appendQtCompactObject(out, texts.last().toUtf8(), true));
}

void TstKiroRequestBuilderDiff::corpus_data()
{
    QTest::addColumn<bool>("manyCalls");
    QTest::addColumn<int>("defaultIterations");
    QTest::newRow("mixed") << false << 1500;
    // The tool-use pairing on turns of many calls (sorted id arrays past their inline size) and colliding
    // ids.
    QTest::newRow("many-tool-calls") << true << 400;
}

void TstKiroRequestBuilderDiff::corpus()
{
    QFETCH(bool, manyCalls);
    QFETCH(int, defaultIterations);
    const quint64 seed = Test::fuzzSeed();
    const int iterations = Test::fuzzIterations(defaultIterations);
    Gen gen(seed);
    gen.setManyCalls(manyCalls);
    int built = 0;
    for (int i = 0; i < iterations; ++i) {
        const ChatRequest request = gen.request();
        const KiroRequestOptions options = gen.options();
        ProviderErrorKind newKind = ProviderErrorKind::Internal, oldKind = ProviderErrorKind::Internal;
        const auto now = KiroRequestBuilder::build(request, options, &newKind);
        const auto before = LegacyKiroRequestBuilder::build(request, options, &oldKind);
        const QString where = u"seed %1 iteration %2 (DRAWBRIDGE_FUZZ_SEED=%1)"_s.arg(seed).arg(i);
        QVERIFY2(now.ok() == before.ok(), qPrintable(where));
        if (!now.ok()) {
            QVERIFY2(now.error() == before.error(), qPrintable(where + u": "_s + now.error()));
            QVERIFY2(newKind == oldKind, qPrintable(where));
            continue;
        }
        ++built;
        const QByteArray a = masked(now->body), b = masked(before->body);
        if (a != b) {
            qsizetype at = 0;
            while (at < a.size() && at < b.size() && a[at] == b[at])
                ++at;
            QFAIL(qPrintable(where
                             + u": bodies differ at byte %1:\nnew %2\nold %3"_s.arg(at).arg(
                                 QString::fromUtf8(a.mid(std::max<qsizetype>(0, at - 80), 200)),
                                 QString::fromUtf8(b.mid(std::max<qsizetype>(0, at - 80), 200)))));
        }
        QVERIFY2(now->toolNameReverseMap == before->toolNameReverseMap, qPrintable(where));
        // The one intended difference: a body that declares tools also counts the model's tool-use system
        // prompt (the legacy builder predates it). A quote inside text is escaped, so only the key matches.
        const int toolOverhead
            = now->body.contains("\"tools\":[") ? KiroTokenEstimator::toolUseSystemPromptTokens : 0;
        QVERIFY2(now->estimatedPromptTokens == before->estimatedPromptTokens + toolOverhead,
                 qPrintable(where));
        QVERIFY2(now->thinkingEmulated == before->thinkingEmulated, qPrintable(where));
        // Built again, the tools come from the builder's per-thread memos: the same bytes and estimate.
        const auto again = KiroRequestBuilder::build(request, options);
        QVERIFY2(again.ok(), qPrintable(where));
        QVERIFY2(masked(again->body) == a, qPrintable(where + u": the second build differs"_s));
        QVERIFY2(again->estimatedPromptTokens == now->estimatedPromptTokens, qPrintable(where));
        QVERIFY2(now->conversationId == before->conversationId, qPrintable(where));
    }
    // The corpus must exercise the success path, not only the errors.
    QVERIFY2(built > iterations / 2,
             qPrintable(u"only %1 of %2 built (seed %3)"_s.arg(built).arg(iterations).arg(seed)));
}

void TstKiroRequestBuilderDiff::profileArnInPlace()
{
    // Attempt after attempt, the in-place splice must give the copying overload's bytes (and the legacy
    // builder's, which wrote the ARN itself), whether the previous attempt's body is still shared or not, and
    // leave the bare body behind when an attempt has no ARN.
    const quint64 seed = Test::fuzzSeed();
    Gen gen(seed);
    const QStringList arns = {
        u"arn:aws:codewhisperer:us-east-1:699475941385:profile/EHGA3GRVQMUK"_s,
        QString(),
        u"arn:\"quoted\"\\ \u00e9\u65e5 😀"_s,
        QString(600, u'a'), // longer than the room the builder leaves
        u"x"_s,
    };
    int spliced = 0;
    for (int i = 0; i < 200; ++i) {
        const ChatRequest request = gen.request();
        KiroRequestOptions options = gen.options();
        options.profileArn.clear();
        options.maxBodyBytes = 1 << 30; // an ARN must not push the legacy build over the size guard
        auto built = KiroRequestBuilder::build(request, options);
        if (!built.ok())
            continue;
        KiroRequest kiro = std::move(built.value());
        const QByteArray bare = kiro.body; // shares the body: the first splice must detach from it
        QByteArray previous;
        for (int attempt = 0; attempt < 6; ++attempt) {
            const QString &arn = arns[(i + attempt) % arns.size()];
            if (attempt % 2)
                previous.clear(); // the previous attempt's request is gone
            const QByteArray sent = KiroRequestBuilder::withProfileArn(kiro, arn);
            const QString where
                = u"seed %1 iteration %2 attempt %3 (DRAWBRIDGE_FUZZ_SEED=%1)"_s.arg(seed).arg(i).arg(
                    attempt);
            QVERIFY2(sent == KiroRequestBuilder::withProfileArn(bare, arn), qPrintable(where));
            QVERIFY2(kiro.body == sent, qPrintable(where));
            if (!arn.isEmpty()) {
                ++spliced;
                KiroRequestOptions withArn = options;
                withArn.profileArn = arn;
                const auto legacy = LegacyKiroRequestBuilder::build(request, withArn);
                QVERIFY2(legacy.ok(), qPrintable(where));
                QVERIFY2(masked(sent) == masked(legacy->body), qPrintable(where));
            }
            previous = sent;
        }
        QVERIFY2(KiroRequestBuilder::withProfileArn(kiro, QString()) == bare,
                 qPrintable(u"seed %1"_s.arg(seed)));
        QCOMPARE(kiro.profileArnAt, qsizetype(-1));
    }
    QVERIFY2(spliced > 200, qPrintable(u"only %1 splices (seed %2)"_s.arg(spliced).arg(seed)));
}

QTEST_GUILESS_MAIN(TstKiroRequestBuilderDiff)
#include "tst_kirorequestbuilderdiff.moc"
