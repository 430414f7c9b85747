// SPDX-License-Identifier: MIT
#include "kiroerrorclassifier.h"

#include <QJsonDocument>
#include <QJsonObject>

namespace Drawbridge {

namespace {

struct ParsedBody
{
    QString message;
    QString reason;
    QString type;
};

QString typeBeforeColon(QByteArrayView header)
{
    // "ThrottlingException:http://internal.amazon.com/coral/…": the client keeps the part before ':'.
    const auto colon = header.indexOf(':');
    return QString::fromUtf8(colon >= 0 ? header.first(colon) : header).trimmed();
}

ParsedBody parseBody(QByteArrayView body)
{
    ParsedBody parsed;
    const QJsonDocument doc = QJsonDocument::fromJson(body.toByteArray());
    if (doc.isObject()) {
        QJsonObject object = doc.object();
        QJsonObject nested = object.value(QLatin1String("error")).toObject();
        const auto pick = [&](QLatin1String a, QLatin1String b) {
            for (const QJsonObject *o : { &object, &nested }) {
                if (const auto v = o->value(a); v.isString())
                    return v.toString();
                if (const auto v = o->value(b); v.isString())
                    return v.toString();
            }
            return QString();
        };
        parsed.message = pick(QLatin1String("message"), QLatin1String("Message"));
        parsed.reason = pick(QLatin1String("reason"), QLatin1String("Reason"));
        parsed.type = pick(QLatin1String("__type"), QLatin1String("code"));
        if (const auto hash = parsed.type.lastIndexOf(u'#'); hash >= 0)
            parsed.type = parsed.type.mid(hash + 1);
    } else {
        // Plain-text bodies such as "AccessDeniedException: Your User ID … is suspended".
        parsed.message = QString::fromUtf8(body).trimmed();
        if (const auto colon = parsed.message.indexOf(u':'); colon > 0) {
            const QString head = parsed.message.left(colon);
            if (head.endsWith(QLatin1String("Exception")) && !head.contains(u' '))
                parsed.type = head;
        }
    }
    if (parsed.message.isEmpty())
        parsed.message = QString::fromUtf8(body.first(qMin<qsizetype>(body.size(), 500))).trimmed();
    return parsed;
}

bool contains(const QString &haystack, QLatin1String needle)
{
    return haystack.contains(needle, Qt::CaseInsensitive);
}

void classifyByContent(KiroErrorClassification &c)
{
    const QString &r = c.reason;
    const QString &m = c.message;
    const int s = c.httpStatus;

    // Reasons are the model's facts (official schema §4.1) and win over status and wording.
    if (r == QLatin1String("CONTENT_LENGTH_EXCEEDS_THRESHOLD") || r == QLatin1String("PROMPT_TOO_LONG")
        || contains(m, QLatin1String("Input is too long"))) {
        c.kind = KiroErrorKind::ClientError;
        c.clientKind = ProviderErrorKind::ContextTooLong;
        return;
    }
    if (r == QLatin1String("INVALID_MODEL_ID")) {
        c.kind = KiroErrorKind::ModelUnavailable;
        c.clientKind = ProviderErrorKind::ModelUnavailable;
        return;
    }
    if (r == QLatin1String("MONTHLY_REQUEST_COUNT") || r == QLatin1String("DAILY_REQUEST_COUNT")
        || r == QLatin1String("OVERAGE_REQUEST_LIMIT_EXCEEDED")) {
        // Also as a 429: the free tier running out shows up as a throttle (§4; schema §6 item 13).
        c.kind = KiroErrorKind::QuotaExhausted;
        return;
    }
    if (r == QLatin1String("INSUFFICIENT_MODEL_CAPACITY")) {
        // "High traffic" for this model (a 429 ThrottlingException): the model's capacity, not the account's
        // rate. Cooling the account down would only take a healthy account away from every other model.
        c.kind = KiroErrorKind::ModelCapacity;
        c.clientKind = ProviderErrorKind::NoUpstream;
        return;
    }
    if (r == QLatin1String("CONVERSATION_LIMIT_EXCEEDED")
        || r == QLatin1String("MODEL_TEMPORARILY_UNAVAILABLE")) {
        // A per-conversation cap (every retry gets a new conversationId) or a passing model outage: neither
        // is the account's fault, so no cooldown; retrying later or elsewhere can work.
        c.kind = KiroErrorKind::Transient;
        return;
    }
    if (r == QLatin1String("TEMPORARILY_SUSPENDED") || r == QLatin1String("SUSPENDED")
        || contains(m, QLatin1String("suspended"))
        || (s == 403 && contains(m, QLatin1String("locked your account"))) || s == 423) {
        c.kind = KiroErrorKind::Suspended;
        return;
    }

    switch (s) {
    case 400:
    case 413:
    case 422:
        c.kind = KiroErrorKind::ClientError;
        c.clientKind = ProviderErrorKind::InvalidRequest;
        return;
    case 401:
        c.kind = KiroErrorKind::TokenInvalid;
        return;
    case 402:
        // 402 without MONTHLY_REQUEST_COUNT is overage/billing: the same treatment (§4).
        c.kind = KiroErrorKind::QuotaExhausted;
        return;
    case 403:
        // Anything but a suspension is most likely a token (or profile) problem; one refresh and retry
        // settles it cheaply, and a second 403 then counts as a failure.
        c.kind = KiroErrorKind::TokenInvalid;
        return;
    case 408:
        c.kind = KiroErrorKind::Transient;
        return;
    case 429:
        c.kind = contains(m, QLatin1String("suspicious activity")) ? KiroErrorKind::ThrottledSuspicious
                                                                   : KiroErrorKind::Throttled;
        return;
    default:
        break;
    }
    if (s >= 500 && s <= 599)
        c.kind = KiroErrorKind::Transient;
}

} // namespace

ProviderError KiroErrorClassification::toProviderError() const
{
    ProviderError error;
    error.kind = clientKind;
    error.retryAfterS = retryAfterS;
    if (kind == KiroErrorKind::ModelCapacity) {
        // Every attempt found the model busy: nothing is wrong with the request or the accounts, so the
        // client is told to come back (503 / Anthropic 529) rather than shown an upstream failure.
        if (error.retryAfterS <= 0)
            error.retryAfterS = modelCapacityRetryAfterS;
        error.message = QStringLiteral("The model is at capacity upstream (Kiro reports high traffic, "
                                       "INSUFFICIENT_MODEL_CAPACITY); retry in a few seconds.");
        if (!message.isEmpty())
            error.message += QStringLiteral(" Kiro said: %1").arg(message);
        return error;
    }
    QString text = message.isEmpty() ? QStringLiteral("Kiro upstream error") : message;
    if (httpStatus > 0 && kind != KiroErrorKind::ClientError)
        text = QStringLiteral("Kiro returned HTTP %1: %2").arg(httpStatus).arg(text);
    if (!reason.isEmpty() && !text.contains(reason))
        text += QStringLiteral(" (%1)").arg(reason);
    error.message = text;
    return error;
}

QString KiroErrorClassification::accountNote() const
{
    if (reason.isEmpty() || message.contains(reason))
        return message;
    return message.isEmpty() ? reason : QStringLiteral("%1: %2").arg(reason, message);
}

KiroErrorClassification KiroErrorClassifier::classify(int httpStatus, QByteArrayView body,
                                                      QByteArrayView errorTypeHeader)
{
    const ParsedBody parsed = parseBody(body);
    KiroErrorClassification c;
    c.httpStatus = httpStatus;
    c.message = parsed.message;
    c.reason = parsed.reason;
    c.errorType = errorTypeHeader.isEmpty() ? parsed.type : typeBeforeColon(errorTypeHeader);
    classifyByContent(c);
    return c;
}

KiroErrorClassification KiroErrorClassifier::classifyException(QByteArrayView exceptionType,
                                                               QByteArrayView payload)
{
    const ParsedBody parsed = parseBody(payload);
    KiroErrorClassification c;
    c.errorType = QString::fromUtf8(exceptionType);
    c.message = parsed.message;
    c.reason = parsed.reason;
    // Exception frames carry no status; the exception name stands in for it (official schema §4 table).
    const QString &t = c.errorType;
    if (t == QLatin1String("ContentLengthExceededException")) {
        c.kind = KiroErrorKind::ClientError;
        c.clientKind = ProviderErrorKind::ContextTooLong;
        return c;
    }
    if (t == QLatin1String("ThrottlingException"))
        c.httpStatus = 429;
    else if (t == QLatin1String("ValidationException"))
        c.httpStatus = 400;
    else if (t == QLatin1String("AccessDeniedException"))
        c.httpStatus = 403;
    else if (t == QLatin1String("ServiceQuotaExceededException"))
        c.httpStatus = 402;
    else if (t == QLatin1String("error") || t == QLatin1String("InternalServerException"))
        c.httpStatus = 500;
    else if (t == QLatin1String("ServiceUnavailableException"))
        c.httpStatus = 503;
    classifyByContent(c);
    // The status was only a stand-in; reporting it would claim an HTTP error the client never had.
    c.httpStatus = 0;
    return c;
}

KiroRefreshFailure KiroErrorClassifier::classifyRefresh(int httpStatus, QByteArrayView body)
{
    if (httpStatus == 401)
        return KiroRefreshFailure::NeedsLogin;
    if (httpStatus == 400) {
        const QByteArray lower = body.toByteArray().toLower();
        if (lower.contains("invalid_grant") || lower.contains("invalid refresh token")
            || lower.contains("invalid token"))
            return KiroRefreshFailure::NeedsLogin;
    }
    return KiroRefreshFailure::Transient;
}

} // namespace Drawbridge
