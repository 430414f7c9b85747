// SPDX-License-Identifier: MIT
#include <QTest>

#include "server/kiro/kiroerrorclassifier.h"

using namespace Drawbridge;
using namespace Qt::StringLiterals;

Q_DECLARE_METATYPE(Drawbridge::KiroErrorKind)
Q_DECLARE_METATYPE(Drawbridge::ProviderErrorKind)

class TstKiroErrorClassifier : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void classify_data();
    void classify();
    void exceptions_data();
    void exceptions();
    void messageForClient();
    void accountNote();
    void refresh_data();
    void refresh();
};

void TstKiroErrorClassifier::classify_data()
{
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QByteArray>("errorTypeHeader");
    QTest::addColumn<KiroErrorKind>("kind");
    QTest::addColumn<ProviderErrorKind>("clientKind");
    QTest::addColumn<QString>("reason");
    QTest::addColumn<QString>("message");

    using K = KiroErrorKind;
    using P = ProviderErrorKind;
    QTest::newRow("improperly-formed")
        << 400 << QByteArray(R"({"message":"Improperly formed request.","reason":null})")
        << QByteArray("ValidationException:http://internal.amazon.com/coral/x") << K::ClientError
        << P::InvalidRequest << QString() << u"Improperly formed request."_s;
    QTest::newRow("invalid-tool-use")
        << 400 << QByteArray(R"({"message":"Invalid tool use format.","reason":"REQUEST_BODY_INVALID"})")
        << QByteArray() << K::ClientError << P::InvalidRequest << u"REQUEST_BODY_INVALID"_s
        << u"Invalid tool use format."_s;
    QTest::newRow("input-too-long")
        << 400
        << QByteArray(R"({"message":"Input is too long.","reason":"CONTENT_LENGTH_EXCEEDS_THRESHOLD"})")
        << QByteArray() << K::ClientError << P::ContextTooLong << u"CONTENT_LENGTH_EXCEEDS_THRESHOLD"_s
        << u"Input is too long."_s;
    QTest::newRow("prompt-too-long") << 400 << QByteArray(R"({"message":"x","reason":"PROMPT_TOO_LONG"})")
                                     << QByteArray() << K::ClientError << P::ContextTooLong
                                     << u"PROMPT_TOO_LONG"_s << u"x"_s;
    QTest::newRow("invalid-model") << 400
                                   << QByteArray(
                                          R"({"message":"Invalid model.","reason":"INVALID_MODEL_ID"})")
                                   << QByteArray() << K::ModelUnavailable << P::ModelUnavailable
                                   << u"INVALID_MODEL_ID"_s << u"Invalid model."_s;
    QTest::newRow("monthly-402")
        << 402 << QByteArray(R"({"message":"You have reached the limit.","reason":"MONTHLY_REQUEST_COUNT"})")
        << QByteArray() << K::QuotaExhausted << P::UpstreamError << u"MONTHLY_REQUEST_COUNT"_s
        << u"You have reached the limit."_s;
    QTest::newRow("monthly-nested")
        << 402 << QByteArray(R"({"error":{"message":"Limit.","reason":"MONTHLY_REQUEST_COUNT"}})")
        << QByteArray() << K::QuotaExhausted << P::UpstreamError << u"MONTHLY_REQUEST_COUNT"_s << u"Limit."_s;
    QTest::newRow("overage-402") << 402 << QByteArray(R"({"message":"Overage cap reached"})") << QByteArray()
                                 << K::QuotaExhausted << P::UpstreamError << QString()
                                 << u"Overage cap reached"_s;
    QTest::newRow("quota-as-429") << 429
                                  << QByteArray(
                                         R"({"message":"Too many requests","reason":"DAILY_REQUEST_COUNT"})")
                                  << QByteArray() << K::QuotaExhausted << P::UpstreamError
                                  << u"DAILY_REQUEST_COUNT"_s << u"Too many requests"_s;
    QTest::newRow("conversation-limit")
        << 402 << QByteArray(R"({"message":"c","reason":"CONVERSATION_LIMIT_EXCEEDED"})") << QByteArray()
        << K::Transient << P::UpstreamError << u"CONVERSATION_LIMIT_EXCEEDED"_s << u"c"_s;
    QTest::newRow("suspended")
        << 403
        << QByteArray(
               R"({"message":"Your User ID (abc) temporarily is suspended. We've locked your account as a security precaution.","reason":null})")
        << QByteArray("AccessDeniedException") << K::Suspended << P::UpstreamError << QString()
        << u"Your User ID (abc) temporarily is suspended. We've locked your account as a security precaution."_s;
    QTest::newRow("suspended-reason")
        << 403 << QByteArray(R"({"message":"Locked","reason":"TEMPORARILY_SUSPENDED"})") << QByteArray()
        << K::Suspended << P::UpstreamError << u"TEMPORARILY_SUSPENDED"_s << u"Locked"_s;
    QTest::newRow("suspended-reason-only")
        << 403 << QByteArray(R"({"message":"Access denied.","reason":"SUSPENDED"})")
        << QByteArray("AccessDeniedException") << K::Suspended << P::UpstreamError << u"SUSPENDED"_s
        << u"Access denied."_s;
    QTest::newRow("suspended-plain-text")
        << 403 << QByteArray("AccessDeniedException: Your User ID (x) temporarily is suspended.")
        << QByteArray() << K::Suspended << P::UpstreamError << QString()
        << u"AccessDeniedException: Your User ID (x) temporarily is suspended."_s;
    QTest::newRow("locked-423") << 423 << QByteArray("{}") << QByteArray() << K::Suspended << P::UpstreamError
                                << QString() << u"{}"_s;
    QTest::newRow("bearer-invalid-403")
        << 403
        << QByteArray(R"({"message":"The bearer token included in the request is invalid.","reason":null})")
        << QByteArray() << K::TokenInvalid << P::UpstreamError << QString()
        << u"The bearer token included in the request is invalid."_s;
    QTest::newRow("unauthorized-401") << 401 << QByteArray("Unauthorized") << QByteArray() << K::TokenInvalid
                                      << P::UpstreamError << QString() << u"Unauthorized"_s;
    QTest::newRow("throttled")
        << 429
        << QByteArray(R"({"message":"Too many requests, please wait before trying again.","reason":null})")
        << QByteArray("ThrottlingException") << K::Throttled << P::UpstreamError << QString()
        << u"Too many requests, please wait before trying again."_s;
    QTest::newRow("suspicious")
        << 429
        << QByteArray(
               R"({"message":"Due to suspicious activity, we are imposing temporary limits on how frequently your account (x) can send a request to Kiro while we investigate.","reason":null})")
        << QByteArray() << K::ThrottledSuspicious << P::UpstreamError << QString()
        << u"Due to suspicious activity, we are imposing temporary limits on how frequently your account (x) can send a request to Kiro while we investigate."_s;
    QTest::newRow("capacity-429") << 429
                                  << QByteArray(
                                         R"({"message":"busy","reason":"INSUFFICIENT_MODEL_CAPACITY"})")
                                  << QByteArray("ThrottlingException") << K::ModelCapacity << P::NoUpstream
                                  << u"INSUFFICIENT_MODEL_CAPACITY"_s << u"busy"_s;
    QTest::newRow("capacity-nested")
        << 429 << QByteArray(R"({"error":{"message":"High traffic","reason":"INSUFFICIENT_MODEL_CAPACITY"}})")
        << QByteArray() << K::ModelCapacity << P::NoUpstream << u"INSUFFICIENT_MODEL_CAPACITY"_s
        << u"High traffic"_s;
    QTest::newRow("internal-500") << 500
                                  << QByteArray(
                                         R"({"message":"oops","reason":"MODEL_TEMPORARILY_UNAVAILABLE"})")
                                  << QByteArray("InternalServerException") << K::Transient << P::UpstreamError
                                  << u"MODEL_TEMPORARILY_UNAVAILABLE"_s << u"oops"_s;
    QTest::newRow("unavailable-503") << 503 << QByteArray("<html>Service Unavailable</html>") << QByteArray()
                                     << K::Transient << P::UpstreamError << QString()
                                     << u"<html>Service Unavailable</html>"_s;
    QTest::newRow("timeout-408") << 408 << QByteArray() << QByteArray() << K::Transient << P::UpstreamError
                                 << QString() << QString();
    QTest::newRow("not-found-404") << 404 << QByteArray(R"({"message":"No route"})") << QByteArray()
                                   << K::Unknown << P::UpstreamError << QString() << u"No route"_s;
}

void TstKiroErrorClassifier::classify()
{
    QFETCH(int, status);
    QFETCH(QByteArray, body);
    QFETCH(QByteArray, errorTypeHeader);
    QFETCH(KiroErrorKind, kind);
    QFETCH(ProviderErrorKind, clientKind);
    QFETCH(QString, reason);
    QFETCH(QString, message);
    const auto c = KiroErrorClassifier::classify(status, body, errorTypeHeader);
    QCOMPARE(c.kind, kind);
    QCOMPARE(c.clientKind, clientKind);
    QCOMPARE(c.reason, reason);
    QCOMPARE(c.message, message);
    QCOMPARE(c.httpStatus, status);
    QCOMPARE(c.mayFailOver(), kind != KiroErrorKind::ClientError);
    if (!errorTypeHeader.isEmpty())
        QCOMPARE(c.errorType, QString::fromLatin1(errorTypeHeader.split(':').first()));
}

void TstKiroErrorClassifier::exceptions_data()
{
    QTest::addColumn<QByteArray>("type");
    QTest::addColumn<QByteArray>("payload");
    QTest::addColumn<KiroErrorKind>("kind");
    QTest::addColumn<ProviderErrorKind>("clientKind");
    using K = KiroErrorKind;
    using P = ProviderErrorKind;
    QTest::newRow("content-length") << QByteArray("ContentLengthExceededException")
                                    << QByteArray(R"({"message":"x"})") << K::ClientError
                                    << P::ContextTooLong;
    QTest::newRow("modeled-error") << QByteArray(
        "error") << QByteArray(R"({"message":"m","reason":"MODEL_TEMPORARILY_UNAVAILABLE"})")
                                   << K::Transient << P::UpstreamError;
    QTest::newRow("throttling") << QByteArray("ThrottlingException")
                                << QByteArray(R"({"message":"slow down"})") << K::Throttled
                                << P::UpstreamError;
    QTest::newRow("validation-too-long")
        << QByteArray("ValidationException")
        << QByteArray(R"({"message":"Input is too long.","reason":"CONTENT_LENGTH_EXCEEDS_THRESHOLD"})")
        << K::ClientError << P::ContextTooLong;
    QTest::newRow("throttling-capacity")
        << QByteArray("ThrottlingException")
        << QByteArray(R"({"message":"High traffic","reason":"INSUFFICIENT_MODEL_CAPACITY"})")
        << K::ModelCapacity << P::NoUpstream;
    QTest::newRow("access-denied-suspended")
        << QByteArray("AccessDeniedException")
        << QByteArray(R"({"message":"No","reason":"TEMPORARILY_SUSPENDED"})") << K::Suspended
        << P::UpstreamError;
    QTest::newRow("quota") << QByteArray("ServiceQuotaExceededException")
                           << QByteArray(R"({"message":"limit","reason":"MONTHLY_REQUEST_COUNT"})")
                           << K::QuotaExhausted << P::UpstreamError;
    QTest::newRow("unknown-name") << QByteArray("SomethingNewException") << QByteArray("raw text")
                                  << K::Unknown << P::UpstreamError;
}

void TstKiroErrorClassifier::exceptions()
{
    QFETCH(QByteArray, type);
    QFETCH(QByteArray, payload);
    QFETCH(KiroErrorKind, kind);
    QFETCH(ProviderErrorKind, clientKind);
    const auto c = KiroErrorClassifier::classifyException(type, payload);
    QCOMPARE(c.kind, kind);
    QCOMPARE(c.clientKind, clientKind);
    QCOMPARE(c.httpStatus, 0);
    QCOMPARE(c.errorType, QString::fromLatin1(type));
}

void TstKiroErrorClassifier::messageForClient()
{
    auto c = KiroErrorClassifier::classify(
        400, R"({"message":"Input is too long.","reason":"CONTENT_LENGTH_EXCEEDS_THRESHOLD"})");
    ProviderError e = c.toProviderError();
    QCOMPARE(e.kind, ProviderErrorKind::ContextTooLong);
    QVERIFY(e.message.contains(u"Input is too long."_s));
    QVERIFY(e.message.contains(u"CONTENT_LENGTH_EXCEEDS_THRESHOLD"_s));

    c = KiroErrorClassifier::classify(429, R"({"message":"Too many requests","reason":null})");
    c.retryAfterS = 30;
    e = c.toProviderError();
    QCOMPARE(e.kind, ProviderErrorKind::UpstreamError);
    QCOMPARE(e.retryAfterS, 30);
    QVERIFY(e.message.contains(u"429"_s));
    QVERIFY(e.message.contains(u"Too many requests"_s));

    // Capacity is the model's, not the request's: "retry later", with a Retry-After even when Kiro gave none.
    c = KiroErrorClassifier::classify(429,
                                      R"({"message":"High traffic","reason":"INSUFFICIENT_MODEL_CAPACITY"})");
    e = c.toProviderError();
    QCOMPARE(e.kind, ProviderErrorKind::NoUpstream);
    QCOMPARE(e.retryAfterS, modelCapacityRetryAfterS);
    QVERIFY(e.message.contains(u"capacity"_s));
    QVERIFY(e.message.contains(u"High traffic"_s));
    c.retryAfterS = 12;
    QCOMPARE(c.toProviderError().retryAfterS, 12);
}

void TstKiroErrorClassifier::accountNote()
{
    // The account's last_error keeps the reason visible (e.g. SUSPENDED vs TEMPORARILY_SUSPENDED).
    auto c = KiroErrorClassifier::classify(403, R"({"message":"Access denied.","reason":"SUSPENDED"})");
    QCOMPARE(c.accountNote(), u"SUSPENDED: Access denied."_s);
    c = KiroErrorClassifier::classify(403, "Your account is suspended");
    QCOMPARE(c.accountNote(), u"Your account is suspended"_s);
}

void TstKiroErrorClassifier::refresh_data()
{
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<bool>("needsLogin");
    QTest::newRow("invalid-grant")
        << 400
        << QByteArray(R"({"error":"invalid_grant","error_description":"Invalid refresh token provided"})")
        << true;
    QTest::newRow("kiro-wording") << 400 << QByteArray(R"({"message":"Invalid refresh token provided"})")
                                  << true;
    QTest::newRow("unauthorized") << 401 << QByteArray() << true;
    QTest::newRow("bad-client") << 400 << QByteArray(R"({"error":"invalid_client"})") << false;
    QTest::newRow("cloudfront-403") << 403 << QByteArray("<html>Request blocked</html>") << false;
    QTest::newRow("server-error") << 500 << QByteArray() << false;
}

void TstKiroErrorClassifier::refresh()
{
    QFETCH(int, status);
    QFETCH(QByteArray, body);
    QFETCH(bool, needsLogin);
    QCOMPARE(KiroErrorClassifier::classifyRefresh(status, body) == KiroRefreshFailure::NeedsLogin,
             needsLogin);
}

QTEST_GUILESS_MAIN(TstKiroErrorClassifier)
#include "tst_kiroerrorclassifier.moc"
