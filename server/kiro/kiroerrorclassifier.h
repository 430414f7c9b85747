// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArrayView>
#include <QString>

#include "server/core/provider.h"

namespace Drawbridge {

/** What a Kiro failure means for the account and the request (protocol §4, official schema §4.1). */
enum class KiroErrorKind {
    ClientError, ///< the request itself is bad; every account would say the same: never fail over
    TokenInvalid, ///< refresh the access token and retry the same account once
    QuotaExhausted, ///< monthly/daily allowance used up: park the account until its reset
    Suspended, ///< the account is locked: park it, never retry automatically
    Throttled, ///< ordinary 429: cool the account down, fail over
    ThrottledSuspicious, ///< "suspicious activity" 429: a much longer cooldown, less concurrency
    ModelUnavailable, ///< INVALID_MODEL_ID: no such model or not entitled; another plan may serve it
    /**
     * INSUFFICIENT_MODEL_CAPACITY ("high traffic"): the model is busy, not the account. Back off briefly and
     * prefer another account, with no cooldown; when every attempt hits it the client is told to retry later.
     */
    ModelCapacity,
    Transient, ///< 5xx/408/model outage: retry shortly, possibly elsewhere; not the account's fault
    Unknown,
};

/** Retry-After given to clients when every attempt found the model at capacity and Kiro named no time. */
inline constexpr int modelCapacityRetryAfterS = 5;

struct KiroErrorClassification
{
    KiroErrorKind kind = KiroErrorKind::Unknown;
    /** How the client sees it if this error ends the request (e.g. InvalidRequest vs ContextTooLong). */
    ProviderErrorKind clientKind = ProviderErrorKind::UpstreamError;
    int httpStatus = 0; ///< 0 for errors raised inside a 200 stream
    QString errorType; ///< x-amzn-errortype / __type / :exception-type, e.g. "ThrottlingException"
    QString reason; ///< the upstream reason enum, e.g. "MONTHLY_REQUEST_COUNT"; empty when null
    QString message; ///< the upstream's own words, fit to show the client
    int retryAfterS = 0; ///< from a Retry-After header when the caller passed one
    /**
     * False for failures of the transport rather than of the account (a corrupt or cut event stream): they
     * fail over, but never count against the account or cool it down.
     */
    bool accountFault = true;

    /** False when another account cannot help (ClientError). */
    bool mayFailOver() const { return kind != KiroErrorKind::ClientError; }
    ProviderError toProviderError() const;
    /** What the account's `last_error` shows: the message, led by the upstream reason when there is one. */
    QString accountNote() const;
};

/** The outcome class of a failed token refresh (social /refreshToken or IdC /token). */
enum class KiroRefreshFailure {
    NeedsLogin, ///< invalid_grant / 401: the refresh token is dead; the user must log in again
    Transient, ///< anything else (network, 5xx, CloudFront 403): try again later
};

/** Maps Kiro's HTTP errors and mid-stream exceptions to KiroErrorClassification. Pure and stateless. */
class KiroErrorClassifier final
{
public:
    /**
     * @p body is the response body (`{"message","reason"}`, possibly nested under "error", or plain text);
     * @p errorTypeHeader the raw x-amzn-errortype value when present.
     */
    static KiroErrorClassification classify(int httpStatus, QByteArrayView body,
                                            QByteArrayView errorTypeHeader = {});
    /** An `exception` frame inside a 200 stream; @p exceptionType is its :exception-type. */
    static KiroErrorClassification classifyException(QByteArrayView exceptionType, QByteArrayView payload);
    static KiroRefreshFailure classifyRefresh(int httpStatus, QByteArrayView body);
};

} // namespace Drawbridge
