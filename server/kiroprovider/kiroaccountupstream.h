// SPDX-License-Identifier: MIT
#pragma once

#include <QList>
#include <QString>

#include <functional>
#include <memory>
#include <optional>

#include "server/kiro/kiroerrorclassifier.h"
#include "server/kiro/kirofingerprint.h"
#include "server/kiro/kiroreasoningschema.h"
#include "server/kiroprovider/kirousagelimits.h"

namespace Drawbridge {

/** Handle of one running upstream call; destroying it cancels the call, and no callback follows. */
class KiroPendingCall
{
public:
    virtual ~KiroPendingCall() = default;
};

/**
 * @brief The small calls one Kiro account makes besides chat: token refresh and getUsageLimits.
 *
 * An interface so the token service and the quota tracker can be driven by a scripted fake in unit tests
 * (no HTTP, no waits); KiroAccountApi is the real implementation. Callbacks never run from inside the call
 * that starts them.
 */
class KiroAccountUpstream
{
public:
    struct RefreshInput
    {
        QString authMethod; ///< "social" | "idc"
        QString refreshToken;
        QString clientId; ///< idc
        QString clientSecret; ///< idc
        QString authBaseUrl; ///< {social_auth_base_url} or {oidc_base_url}, already resolved for the account
        KiroFingerprint fingerprint;
    };

    struct Tokens
    {
        QString accessToken;
        QString refreshToken; ///< empty = not rotated; keep the old one
        QString profileArn; ///< empty = not returned
        qint64 expiresInS = 3600;
    };

    enum class Failure {
        None,
        Rejected, ///< the auth service refused the refresh token or client: the user must log in again
        Transient, ///< network trouble, 5xx, CloudFront 403, a garbled answer: try again later
    };

    struct RefreshResult
    {
        Failure failure = Failure::None;
        Tokens tokens; ///< when failure == None
        QString message; ///< why it failed; never contains secrets
        int httpStatus = 0;
    };

    struct UsageInput
    {
        QString apiBaseUrl;
        QString accessToken;
        QString profileArn; ///< sent only when non-empty (social accounts)
        KiroFingerprint fingerprint;
    };

    struct UsageResult
    {
        std::optional<KiroUsageLimits> limits; ///< set on success
        std::optional<KiroErrorClassification> httpError; ///< set when the upstream answered an error status
        QString message; ///< why it failed
        bool connectFailed = false; ///< the endpoint could not be reached at all
    };

    /** One model of an account's catalog (ListAvailableModels). */
    struct ModelInfo
    {
        QString modelId;
        int maxInputTokens = 0; ///< 0 = not given
        int maxOutputTokens = 0;
        /** additionalModelRequestFieldsSchema: how a request asks this model for reasoning. */
        KiroReasoningSchema reasoning;
    };

    struct ModelsInput
    {
        QString apiBaseUrl;
        QString accessToken;
        QString profileArn; ///< sent only when non-empty
        QString nextToken; ///< the page after the one that named it
        KiroFingerprint fingerprint;
    };

    struct ModelsResult
    {
        std::optional<QList<ModelInfo>> models; ///< this page's models, on success
        QString nextToken; ///< non-empty = there is another page
        std::optional<KiroErrorClassification> httpError;
        QString message; ///< why it failed
        bool connectFailed = false; ///< the endpoint could not be reached at all
    };

    virtual ~KiroAccountUpstream() = default;

    virtual std::unique_ptr<KiroPendingCall> refresh(const RefreshInput &input,
                                                     std::function<void(RefreshResult)> done)
        = 0;
    virtual std::unique_ptr<KiroPendingCall> usageLimits(const UsageInput &input,
                                                         std::function<void(UsageResult)> done)
        = 0;
    virtual std::unique_ptr<KiroPendingCall> listAvailableModels(const ModelsInput &input,
                                                                 std::function<void(ModelsResult)> done)
        = 0;
};

} // namespace Drawbridge
