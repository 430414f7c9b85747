// SPDX-License-Identifier: MIT
#include <QTest>
#include <QUrlQuery>

#include "server/kiroprovider/kiroaccountapi.h"

using namespace Drawbridge;
using namespace Qt::StringLiterals;

namespace {

KiroFingerprint fingerprint()
{
    KiroFingerprint fp;
    fp.machineId = QString(64, u'a');
    return fp;
}

/** The request's query items as name=value with the values decoded, in order. */
QStringList queryOf(const HttpRequest &request)
{
    QStringList out;
    for (const auto &[name, value] : QUrlQuery(request.url).queryItems(QUrl::FullyDecoded))
        out.append(name + u'=' + value);
    return out;
}

} // namespace

/** The static request builders and readers of KiroAccountApi: checked without a network. */
class TstKiroAccountApi : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void usageLimitsRequest_data();
    void usageLimitsRequest();
    void listAvailableModelsRequest_data();
    void listAvailableModelsRequest();
    void catalogCarriesTheReasoningSchema();
    void callsTravelInTheAccountsPartition();
};

void TstKiroAccountApi::usageLimitsRequest_data()
{
    QTest::addColumn<QString>("profileArn");
    QTest::addColumn<QStringList>("query");
    const QStringList base { u"origin=AI_EDITOR"_s, u"resourceType=AGENTIC_REQUEST"_s,
                             u"isEmailRequired=true"_s };
    QTest::newRow("idc, no profile") << QString() << base;
    // The ARN arrives as one value even though it holds ':' and '/'.
    QTest::newRow("social") << u"arn:aws:codewhisperer:us-east-1:1:profile/AB"_s
                            << base
            + QStringList { u"profileArn=arn:aws:codewhisperer:us-east-1:1:profile/AB"_s };
}

void TstKiroAccountApi::usageLimitsRequest()
{
    QFETCH(QString, profileArn);
    QFETCH(QStringList, query);
    KiroAccountApi::UsageInput in;
    in.apiBaseUrl = u"https://q.us-east-1.amazonaws.com"_s;
    in.accessToken = u"tok"_s;
    in.profileArn = profileArn;
    in.fingerprint = fingerprint();
    const HttpRequest r = KiroAccountApi::usageLimitsRequest(in);
    QCOMPARE(r.method, QByteArray("GET"));
    QCOMPARE(r.url.path(), u"/getUsageLimits"_s);
    QCOMPARE(r.url.host(), u"q.us-east-1.amazonaws.com"_s);
    QCOMPARE(queryOf(r), query);
    QVERIFY(!r.url.query(QUrl::FullyEncoded).contains(u"arn:"_s)); // encoded, not raw
    QCOMPARE(r.headers.value("authorization"), QByteArrayView("Bearer tok"));
    QVERIFY(r.headers.value("user-agent").contains(QByteArray("KiroIDE-")));
    QVERIFY(r.timeouts.totalMs > 0);
}

void TstKiroAccountApi::listAvailableModelsRequest_data()
{
    QTest::addColumn<QString>("profileArn");
    QTest::addColumn<QString>("nextToken");
    QTest::addColumn<QStringList>("query");
    const QStringList base { u"origin=AI_EDITOR"_s, u"maxResults=50"_s };
    QTest::newRow("first page") << QString() << QString() << base;
    QTest::newRow("next page, with profile")
        << u"arn:aws:codewhisperer:us-east-1:1:profile/AB"_s << u"p2/+=&x"_s
        << base
            + QStringList { u"profileArn=arn:aws:codewhisperer:us-east-1:1:profile/AB"_s,
                            u"nextToken=p2/+=&x"_s };
}

void TstKiroAccountApi::listAvailableModelsRequest()
{
    QFETCH(QString, profileArn);
    QFETCH(QString, nextToken);
    QFETCH(QStringList, query);
    KiroAccountApi::ModelsInput in;
    in.apiBaseUrl = u"https://runtime.us-east-1.kiro.dev"_s;
    in.accessToken = u"tok"_s;
    in.profileArn = profileArn;
    in.nextToken = nextToken;
    in.fingerprint = fingerprint();
    const HttpRequest r = KiroAccountApi::listAvailableModelsRequest(in);
    QCOMPARE(r.method, QByteArray("GET"));
    QCOMPARE(r.url.path(), u"/ListAvailableModels"_s);
    QCOMPARE(queryOf(r), query);
    QCOMPARE(r.headers.value("authorization"), QByteArrayView("Bearer tok"));
    QVERIFY(r.headers.value("x-amz-user-agent").contains(QByteArray("KiroIDE-")));
}

void TstKiroAccountApi::catalogCarriesTheReasoningSchema()
{
    HttpResponse response;
    response.status = 200;
    response.body = R"({"models":[
        {"modelId":"claude-opus-4.7","tokenLimits":{"maxInputTokens":200000,"maxOutputTokens":64000},
         "additionalModelRequestFieldsSchema":{"type":"object","properties":{
           "thinking":{"type":"object","properties":{"type":{"enum":["adaptive","disabled"]}}},
           "output_config":{"type":"object","properties":{"effort":{"enum":["low","medium","high","max"]}}}}}},
        {"modelId":"qwen3-coder-next","tokenLimits":{"maxInputTokens":256000}}],"nextToken":"n"})";
    const auto r = KiroAccountApi::readListAvailableModelsResponse(response);
    QVERIFY(r.models.has_value());
    QCOMPARE(r.models->size(), 2);
    QCOMPARE(r.nextToken, u"n"_s);
    QCOMPARE(r.models->at(0).maxInputTokens, 200000);
    QCOMPARE(r.models->at(0).reasoning.requestFields(20000),
             QByteArray(R"({"output_config":{"effort":"high"},"thinking":{"type":"adaptive"}})"));
    QVERIFY(!r.models->at(1).reasoning.supported());
}

void TstKiroAccountApi::callsTravelInTheAccountsPartition()
{
    // Every account call goes over the account's own upstream connections and TLS sessions (its machine id as
    // HttpRequest::partition), so that no connection or session ticket links two accounts.
    KiroFingerprint other;
    other.machineId = QString(64, u'b');
    for (const KiroFingerprint &fp : { fingerprint(), other }) {
        const QByteArray partition = fp.machineId.toLatin1();
        KiroAccountApi::RefreshInput refresh;
        refresh.authMethod = u"social"_s;
        refresh.refreshToken = u"rt"_s;
        refresh.authBaseUrl = u"https://prod.us-east-1.auth.desktop.kiro.dev"_s;
        refresh.fingerprint = fp;
        QCOMPARE(KiroAccountApi::refreshRequest(refresh).partition, partition);
        refresh.authMethod = u"idc"_s;
        refresh.authBaseUrl = u"https://oidc.us-east-1.amazonaws.com"_s;
        QCOMPARE(KiroAccountApi::refreshRequest(refresh).partition, partition);
        KiroAccountApi::UsageInput usage;
        usage.apiBaseUrl = u"https://q.us-east-1.amazonaws.com"_s;
        usage.fingerprint = fp;
        QCOMPARE(KiroAccountApi::usageLimitsRequest(usage).partition, partition);
        KiroAccountApi::ModelsInput models;
        models.apiBaseUrl = usage.apiBaseUrl;
        models.fingerprint = fp;
        QCOMPARE(KiroAccountApi::listAvailableModelsRequest(models).partition, partition);
    }
}

QTEST_GUILESS_MAIN(TstKiroAccountApi)
#include "tst_kiroaccountapi.moc"
