// SPDX-License-Identifier: MIT
// Client-chosen strings have documented bounds (docs/api.md#errors): past them a 400 naming the field, and a
// refused model never reaches the ledger or a metric label under its raw name.
#include <QSignalSpy>
#include <QTest>

#include "server/core/clientstringbounds.h"
#include "server/core/requestrecord.h"
#include "tests/gateway/gatewayfixture.h"

using namespace Drawbridge;
using namespace Drawbridge::Test;

class TstClientStringBounds : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void modelBounds_data();
    void modelBounds();
    void nameBounds_data();
    void nameBounds();
    void refusedModelIsNotRecordedRaw();
    void overlongModelOnEveryRoute_data();
    void overlongModelOnEveryRoute();
    void keyNamesOverTheApi_data();
    void keyNamesOverTheApi();
};

void TstClientStringBounds::modelBounds_data()
{
    QTest::addColumn<QString>("model");
    QTest::addColumn<bool>("ok");
    QTest::newRow("plain") << QStringLiteral("claude-sonnet-4.5") << true;
    QTest::newRow("256 bytes") << QString(256, u'm') << true;
    QTest::newRow("257 bytes") << QString(257, u'm') << false;
    QTest::newRow("128 two-byte chars") << QString(128, QChar(0xe9)) << true;
    QTest::newRow("129 two-byte chars") << QString(129, QChar(0xe9)) << false;
    QTest::newRow("NUL") << QStringLiteral("kiro") + QChar(0) << false;
    QTest::newRow("newline") << QStringLiteral("kiro\nx") << false;
    QTest::newRow("DEL") << QStringLiteral("kiro\x7f") << false;
    QTest::newRow("C1") << QStringLiteral("kiro") + QChar(0x85) << false;
    QTest::newRow("line separator") << QStringLiteral("kiro") + QChar(0x2028) << false;
}

void TstClientStringBounds::modelBounds()
{
    QFETCH(QString, model);
    QFETCH(bool, ok);
    QCOMPARE(!ClientStringBounds::modelProblem(model).has_value(), ok);
}

void TstClientStringBounds::nameBounds_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<bool>("ok");
    QTest::newRow("plain") << QStringLiteral("laptop") << true;
    QTest::newRow("unicode") << QStringLiteral("Jürgen's 💻") << true;
    QTest::newRow("128 chars") << QString(128, u'n') << true;
    QTest::newRow("129 chars") << QString(129, u'n') << false;
    QTest::newRow("empty") << QString() << false;
    QTest::newRow("blank") << QStringLiteral("   ") << false;
    QTest::newRow("NUL") << QStringLiteral("a") + QChar(0) + QStringLiteral("b") << false;
    QTest::newRow("tab") << QStringLiteral("a\tb") << false;
    QTest::newRow("escape") << QStringLiteral("a\x1b[31mred") << false;
}

void TstClientStringBounds::nameBounds()
{
    QFETCH(QString, name);
    QFETCH(bool, ok);
    QCOMPARE(!ClientStringBounds::nameProblem(name).has_value(), ok);
}

void TstClientStringBounds::refusedModelIsNotRecordedRaw()
{
    GatewayFixture f;
    QVERIFY(f.port);
    const auto key = f.createKey();
    QSignalSpy finished(f.server.get(), &GatewayServer::requestFinished);
    const QByteArray model(200, 'z');
    RawHttpClient c(f.port);
    const RawResponse r
        = c.request("POST", "/v1/chat/completions",
                    R"({"model":")" + model + R"(","messages":[{"role":"user","content":"hi"}]})",
                    { { "Authorization", "Bearer " + key.second.toUtf8() } });
    QCOMPARE(r.status, 404);
    QTRY_COMPARE(finished.size(), 1);
    const auto record = finished.at(0).at(0).value<RequestRecord>();
    QCOMPARE(record.model, ClientStringBounds::refusedModelLabel());
}

void TstClientStringBounds::overlongModelOnEveryRoute_data()
{
    QTest::addColumn<QByteArray>("path");
    QTest::addColumn<QByteArray>("model");
    const QByteArray tooLong(300, 'm');
    QTest::newRow("chat, too long") << QByteArray("/v1/chat/completions") << tooLong;
    QTest::newRow("messages, too long") << QByteArray("/v1/messages") << tooLong;
    QTest::newRow("chat, NUL") << QByteArray("/v1/chat/completions") << QByteArray("kiro\\u0000");
    QTest::newRow("messages, newline") << QByteArray("/v1/messages") << QByteArray("kiro\\n");
}

void TstClientStringBounds::overlongModelOnEveryRoute()
{
    QFETCH(QByteArray, path);
    QFETCH(QByteArray, model);
    GatewayFixture f;
    const auto key = f.createKey();
    RawHttpClient c(f.port);
    const RawResponse r = c.request(
        "POST", path,
        R"({"model":")" + model + R"(","max_tokens":10,"messages":[{"role":"user","content":"hi"}]})",
        { { "Authorization", "Bearer " + key.second.toUtf8() }, { "x-api-key", key.second.toUtf8() } });
    QCOMPARE(r.status, 400);
    QVERIFY2(r.body.contains("model"), r.body.constData());
    if (path == "/v1/chat/completions")
        QCOMPARE(GatewayFixture::errorParam(r), QStringLiteral("model"));
}

void TstClientStringBounds::keyNamesOverTheApi_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<int>("status");
    QTest::newRow("ok") << QByteArray(R"({"name":"ok"})") << 201;
    QTest::newRow("NUL") << QByteArray(R"({"name":"a\u0000b"})") << 400;
    QTest::newRow("129") << (R"({"name":")" + QByteArray(129, 'n') + R"("})") << 400;
    QTest::newRow("128") << (R"({"name":")" + QByteArray(128, 'n') + R"("})") << 201;
}

void TstClientStringBounds::keyNamesOverTheApi()
{
    QFETCH(QByteArray, body);
    QFETCH(int, status);
    GatewayFixture f;
    RawHttpClient c(f.port);
    const RawResponse r
        = c.request("POST", "/admin/keys", body, { { "Authorization", "Bearer admin-secret" } });
    QCOMPARE(r.status, status);
    if (status == 400)
        QCOMPARE(GatewayFixture::errorParam(r), QStringLiteral("name"));
}

QTEST_GUILESS_MAIN(TstClientStringBounds)
#include "tst_clientstringbounds.moc"
