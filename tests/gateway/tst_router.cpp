// SPDX-License-Identifier: MIT
#include <QTest>

#include "server/gateway/router.h"

using namespace Drawbridge;

/**
 * Router: literal segments and `{name}` wildcards, the most literal pattern winning, the methods of a path
 * for a 405, and the parameters copied out of the path. Checked against a table of the gateway's own kind of
 * routes, and against a plain re-statement of the rules on every path built from their segments.
 */
class TstRouter : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void routes_data();
    void routes();
    void sameAsTheRulesOnEveryPath();
};

namespace {

using Handler = int;

const QList<std::pair<QByteArray, QString>> &table()
{
    static const QList<std::pair<QByteArray, QString>> t = {
        { "GET", u"/health"_qs },
        { "GET", u"/v1/models"_qs },
        { "GET", u"/v1/models/{id}"_qs },
        { "POST", u"/v1/chat/completions"_qs },
        { "POST", u"/v1/messages"_qs },
        { "POST", u"/v1/messages/count_tokens"_qs },
        { "GET", u"/admin/accounts"_qs },
        { "POST", u"/admin/accounts"_qs },
        { "GET", u"/admin/accounts/{id}"_qs },
        { "DELETE", u"/admin/accounts/{id}"_qs },
        { "PATCH", u"/admin/accounts/{id}"_qs },
        { "POST", u"/admin/accounts/import"_qs },
        { "POST", u"/admin/accounts/{id}/slots/{slot}"_qs },
    };
    return t;
}

Router<Handler> router()
{
    Router<Handler> r;
    for (qsizetype i = 0; i < table().size(); ++i)
        r.add(table()[i].first, table()[i].second, int(i));
    return r;
}

} // namespace

void TstRouter::routes_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QString>("path");
    QTest::addColumn<int>("handler"); // -1: none
    QTest::addColumn<QStringList>("params");
    QTest::addColumn<QByteArrayList>("allowed");

    QTest::newRow("literal") << QByteArray("POST") << u"/v1/chat/completions"_qs << 3 << QStringList()
                             << QByteArrayList();
    QTest::newRow("empty segments skipped")
        << QByteArray("POST") << u"//v1///messages/"_qs << 4 << QStringList() << QByteArrayList();
    QTest::newRow("wildcard") << QByteArray("GET") << u"/v1/models/claude-sonnet-4.5"_qs << 2
                              << QStringList { u"claude-sonnet-4.5"_qs } << QByteArrayList();
    QTest::newRow("two wildcards") << QByteArray("POST") << u"/admin/accounts/a1/slots/7"_qs << 12
                                   << QStringList { u"a1"_qs, u"7"_qs } << QByteArrayList();
    QTest::newRow("literal beats wildcard")
        << QByteArray("POST") << u"/admin/accounts/import"_qs << 11 << QStringList() << QByteArrayList();
    QTest::newRow("405 on the literal, not the wildcard's GET")
        << QByteArray("GET") << u"/admin/accounts/import"_qs << -1 << QStringList()
        << QByteArrayList { "POST" };
    QTest::newRow("405 lists each method once, in order")
        << QByteArray("PUT") << u"/admin/accounts/x"_qs << -1 << QStringList()
        << QByteArrayList { "GET", "DELETE", "PATCH" };
    QTest::newRow("unknown path") << QByteArray("GET") << u"/v2/models"_qs << -1 << QStringList()
                                  << QByteArrayList();
    QTest::newRow("too long") << QByteArray("GET") << u"/v1/models/a/b"_qs << -1 << QStringList()
                              << QByteArrayList();
    QTest::newRow("root") << QByteArray("GET") << u"/"_qs << -1 << QStringList() << QByteArrayList();
    QTest::newRow("case matters") << QByteArray("GET") << u"/Health"_qs << -1 << QStringList()
                                  << QByteArrayList();
}

void TstRouter::routes()
{
    QFETCH(QByteArray, method);
    QFETCH(QString, path);
    QFETCH(int, handler);
    QFETCH(QStringList, params);
    QFETCH(QByteArrayList, allowed);
    const Router<Handler> r = router();
    const auto m = r.match(method, path);
    QCOMPARE(m.handler ? *m.handler : -1, handler);
    QCOMPARE(m.params, params);
    QCOMPARE(m.allowed, allowed);
}

void TstRouter::sameAsTheRulesOnEveryPath()
{
    // Every path of up to five segments drawn from the table's own segments and two strangers, every method.
    QStringList words;
    for (const auto &route : table()) {
        for (const QString &s : route.second.split(u'/', Qt::SkipEmptyParts)) {
            if (!s.startsWith(u'{') && !words.contains(s))
                words.append(s);
        }
    }
    words << u"x"_qs << u"{id}"_qs;
    const QByteArrayList methods { "GET", "POST", "DELETE", "PATCH", "PUT" };
    const Router<Handler> r = router();
    int checked = 0;
    std::function<void(QStringList)> walk = [&](QStringList segs) {
        for (const QByteArray &method : methods) {
            // The rules, stated plainly: the matching routes with the fewest wildcards; the first of them
            // with the method handles it, else their methods (once each, in order) are allowed.
            QList<qsizetype> matching;
            int fewest = INT_MAX;
            for (qsizetype i = 0; i < table().size(); ++i) {
                const QStringList pattern = table()[i].second.split(u'/', Qt::SkipEmptyParts);
                if (pattern.size() != segs.size())
                    continue;
                int wild = 0;
                bool ok = true;
                for (qsizetype k = 0; k < pattern.size() && ok; ++k) {
                    if (pattern[k].startsWith(u'{'))
                        ++wild;
                    else
                        ok = pattern[k] == segs[k];
                }
                if (!ok)
                    continue;
                matching.append(i);
                fewest = std::min(fewest, wild);
            }
            int handler = -1;
            QStringList params;
            QByteArrayList allowed;
            for (qsizetype i : matching) {
                const QStringList pattern = table()[i].second.split(u'/', Qt::SkipEmptyParts);
                const int wild = int(std::count_if(pattern.begin(), pattern.end(),
                                                   [](const QString &s) { return s.startsWith(u'{'); }));
                if (wild != fewest)
                    continue;
                if (handler < 0 && table()[i].first == method) {
                    handler = int(i);
                    for (qsizetype k = 0; k < pattern.size(); ++k) {
                        if (pattern[k].startsWith(u'{'))
                            params.append(segs[k]);
                    }
                }
                if (!allowed.contains(table()[i].first))
                    allowed.append(table()[i].first);
            }
            if (handler >= 0)
                allowed.clear();
            const QString path = u"/"_qs + segs.join(u'/');
            const auto m = r.match(method, path);
            const QString where = QString::fromLatin1(method) + u' ' + segs.join(u'/');
            QVERIFY2((m.handler ? *m.handler : -1) == handler, qPrintable(where));
            QVERIFY2(m.params == params, qPrintable(where));
            QVERIFY2(m.allowed == allowed, qPrintable(where));
            ++checked;
        }
        if (segs.size() == 5)
            return;
        // Bounded: every path of up to three segments, longer ones only under /admin/accounts.
        if (segs.size() >= 3 && !(segs[0] == u"admin"_qs && segs[1] == u"accounts"_qs))
            return;
        for (const QString &w : words)
            walk(segs + QStringList { w });
    };
    walk({});
    QVERIFY(checked > 1000);
}

QTEST_GUILESS_MAIN(TstRouter)
#include "tst_router.moc"
