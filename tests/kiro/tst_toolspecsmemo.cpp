// SPDX-License-Identifier: MIT
// ToolSpecsMemo: a tool list is found only when every name, description and schema text is the very buffer of
// a kept list; equal text in other buffers, lists without schema text, and evicted lists are misses.
#include <QTest>

#include "server/kiro/toolspecsmemo.h"

using namespace Drawbridge;
using namespace Qt::StringLiterals;

namespace {

std::vector<ToolDefinition> tools(int n, const QString &prefix = u"tool"_s)
{
    std::vector<ToolDefinition> out;
    for (int i = 0; i < n; ++i) {
        ToolDefinition t;
        t.name = prefix + QString::number(i);
        t.description = u"does thing "_s + QString::number(i);
        t.descriptionUtf8 = "does thing " + QByteArray::number(i);
        t.parametersJson = R"({"type":"object","n":)" + QByteArray::number(i) + '}';
        out.push_back(t);
    }
    return out;
}

ToolSpecsMemo::Specs specs(const QByteArray &json)
{
    ToolSpecsMemo::Specs s;
    s.json = json;
    s.count = 1;
    s.units = 42;
    s.declaredNames = { u"a"_s };
    s.shortenedNames.insert(u"a"_s, u"a-long"_s);
    return s;
}

/** A list with the same text as @p list in buffers of its own. */
std::vector<ToolDefinition> deepCopy(const std::vector<ToolDefinition> &list)
{
    std::vector<ToolDefinition> out = list;
    for (ToolDefinition &t : out) {
        t.name = QString(t.name.constData(), t.name.size());
        t.description = QString(t.description.constData(), t.description.size());
        t.descriptionUtf8 = QByteArray(t.descriptionUtf8.constData(), t.descriptionUtf8.size());
        t.parametersJson = QByteArray(t.parametersJson.constData(), t.parametersJson.size());
    }
    return out;
}

} // namespace

class TstToolSpecsMemo : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void hitOnTheSameBuffers();
    void missOnOtherBuffers_data();
    void missOnOtherBuffers();
    void notKeyableWithoutSchemaText();
    void oldestReplacedFirst();
    void oversizeNotKept();
};

void TstToolSpecsMemo::hitOnTheSameBuffers()
{
    ToolSpecsMemo memo;
    const std::vector<ToolDefinition> kept = tools(3);
    memo.insert(kept, specs("spec"));
    const std::vector<ToolDefinition> again
        = kept; // shares every buffer, as the parsers' tools memo hands over
    const ToolSpecsMemo::Specs *found = memo.find(again);
    QVERIFY(found);
    QCOMPARE(found->json, QByteArray("spec"));
    QCOMPARE(found->units, 42);
    QCOMPARE(found->shortenedNames.value(u"a"_s), u"a-long"_s);
    QCOMPARE(memo.hits(), quint64(1));
}

void TstToolSpecsMemo::missOnOtherBuffers_data()
{
    QTest::addColumn<int>("which"); // the field given a buffer of its own (same or other text)
    QTest::addColumn<bool>("sameText");
    for (int which = 0; which < 4; ++which) {
        QTest::addRow("field %d, same text", which) << which << true;
        QTest::addRow("field %d, other text", which) << which << false;
    }
    QTest::newRow("one tool fewer") << 4 << true;
    QTest::newRow("one tool more") << 5 << true;
}

void TstToolSpecsMemo::missOnOtherBuffers()
{
    QFETCH(int, which);
    QFETCH(bool, sameText);
    ToolSpecsMemo memo;
    const std::vector<ToolDefinition> kept = tools(3);
    memo.insert(kept, specs("spec"));
    std::vector<ToolDefinition> other = kept;
    ToolDefinition &t = other[1];
    const QString suffix = sameText ? QString() : u"x"_s;
    switch (which) {
    case 0:
        t.name = QString(t.name.constData(), t.name.size()) + suffix;
        break;
    case 1:
        t.description = QString(t.description.constData(), t.description.size()) + suffix;
        break;
    case 2:
        t.descriptionUtf8
            = QByteArray(t.descriptionUtf8.constData(), t.descriptionUtf8.size()) + suffix.toUtf8();
        break;
    case 3:
        t.parametersJson
            = QByteArray(t.parametersJson.constData(), t.parametersJson.size()) + suffix.toUtf8();
        break;
    case 4:
        other.pop_back();
        break;
    case 5:
        other.push_back(kept.front());
        break;
    }
    QVERIFY(!memo.find(other));
    QVERIFY(memo.find(kept)); // the kept list itself still hits
}

void TstToolSpecsMemo::notKeyableWithoutSchemaText()
{
    ToolSpecsMemo memo;
    std::vector<ToolDefinition> list = tools(2);
    list[1].parametersJson.clear(); // a schema only as a QJsonObject: no buffer to compare
    QVERIFY(!ToolSpecsMemo::keyable(list));
    memo.insert(list, specs("spec"));
    QCOMPARE(memo.entries(), size_t(0));
    QVERIFY(!memo.find(list));
    QVERIFY(!ToolSpecsMemo::keyable({}));

    // A text in a buffer the list does not own: holding it would not keep its address.
    static const char schema[] = R"({"type":"object"})";
    static const char16_t name[] = u"raw_name";
    for (int which = 0; which < 2; ++which) {
        std::vector<ToolDefinition> raw = tools(2);
        if (which == 0)
            raw[0].parametersJson = QByteArray::fromRawData(schema, qsizetype(sizeof schema - 1));
        else
            raw[1].name = QString::fromRawData(reinterpret_cast<const QChar *>(name), 8);
        QVERIFY(!ToolSpecsMemo::keyable(raw));
        memo.insert(raw, specs("spec"));
        QVERIFY(!memo.find(raw));
    }
    QCOMPARE(memo.entries(), size_t(0));
}

void TstToolSpecsMemo::oldestReplacedFirst()
{
    ToolSpecsMemo memo;
    std::vector<std::vector<ToolDefinition>> lists;
    for (size_t i = 0; i < ToolSpecsMemo::maxEntries + 2; ++i)
        lists.push_back(tools(2, u"list"_s + QString::number(i) + u'_'));
    for (size_t i = 0; i < lists.size(); ++i)
        memo.insert(lists[i], specs(QByteArray::number(qulonglong(i))));
    QCOMPARE(memo.entries(), ToolSpecsMemo::maxEntries);
    QVERIFY(!memo.find(lists[0]));
    QVERIFY(!memo.find(lists[1]));
    for (size_t i = 2; i < lists.size(); ++i) {
        const ToolSpecsMemo::Specs *found = memo.find(lists[i]);
        QVERIFY(found);
        QCOMPARE(found->json, QByteArray::number(qulonglong(i)));
    }
    QVERIFY(!memo.find(deepCopy(lists.back())));
}

void TstToolSpecsMemo::oversizeNotKept()
{
    ToolSpecsMemo memo;
    const std::vector<ToolDefinition> list = tools(1);
    memo.insert(list, specs(QByteArray(ToolSpecsMemo::maxSpecsBytes + 1, 'x')));
    QVERIFY(!memo.find(list));
    memo.insert(list, specs(QByteArray(ToolSpecsMemo::maxSpecsBytes, 'x')));
    QVERIFY(memo.find(list));
}

QTEST_GUILESS_MAIN(TstToolSpecsMemo)
#include "tst_toolspecsmemo.moc"
