// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QHash>
#include <QString>

#include "server/core/chatrequest.h"
#include "server/core/provider.h"
#include "server/core/result.h"
#include "server/kiro/kiroreasoningschema.h"

namespace Drawbridge {

struct KiroRequestOptions
{
    QString profileArn; ///< sent as top-level "profileArn" when non-empty (§1.7)
    QString conversationId; ///< empty = a new UUID; a stable id per client conversation helps caching (§5.4)
    QString origin = QStringLiteral("AI_EDITOR");
    /** Kiro answers bigger bodies with a misleading "Improperly formed request" (§2.8; jwadow's guard). */
    qsizetype maxBodyBytes = 600'000;
    /** Budget put in the thinking prompt when the client asked for thinking without one (jwadow's default).
     */
    int defaultThinkingBudget = 4000;
    /**
     * What the model's catalog entry lets the request carry for reasoning. When the client asked for
     * reasoning and this supports it, the body gets additionalModelRequestFields instead of the thinking
     * prompt (docs/kiro.md#reasoning).
     */
    KiroReasoningSchema reasoning;
};

/** A generateAssistantResponse body ready to send, plus what the response parser needs to map it back. */
struct KiroRequest
{
    QByteArray body; ///< JSON: conversationState (+ profileArn)
    /** Shortened tool name → the client's original name; only names that were shortened. */
    QHash<QString, QString> toolNameReverseMap;
    int estimatedPromptTokens = 0; ///< local estimate, the fallback when no contextUsageEvent arrives
    QString conversationId;
    QString modelId;
    bool thinkingEmulated = false; ///< the prompt asks for <thinking> blocks; split them out of the text
    /** additionalModelRequestFields as sent (compact JSON); empty = none, reasoning (if any) is emulated. */
    QByteArray reasoningFields;
    /**
     * Where withProfileArn(KiroRequest &, …) spliced a profileArn member into @ref body (the offset of its
     * comma, where the bare body's closing brace was); -1 = @ref body is bare.
     */
    qsizetype profileArnAt = -1;
};

/**
 * @brief Translates a provider-neutral ChatRequest into Kiro's request body (protocol §2.3–§2.9).
 *
 * The history normalisation is the point of this class: Kiro answers any history that breaks its invariants
 * with 400 "Improperly formed request", so every request leaves here with a user-first, strictly alternating
 * history that ends with an assistant turn, paired tool uses and results, no empty content, and tools only
 * on the current message.
 */
class KiroRequestBuilder final
{
public:
    /**
     * Builds the body. On failure, @p errorKind (if given) says how to report it: ContextTooLong for a body
     * over the size guard, InvalidRequest for content Kiro cannot take (e.g. an unsupported image type).
     */
    static Result<KiroRequest> build(const ChatRequest &request, const KiroRequestOptions &options = {},
                                     ProviderErrorKind *errorKind = nullptr);

    /** Placeholder for content that must not be empty (§2.5 step 10; jwadow #171 explains the wording). */
    /**
     * @p body (a built request without a profileArn) with top-level "profileArn" added (§1.7). The body is
     * built once per call, before an account is chosen; each attempt adds its own account's ARN. An empty
     * @p profileArn returns @p body unchanged (IdC accounts without a profile never get a placeholder).
     */
    static QByteArray withProfileArn(const QByteArray &body, QStringView profileArn);
    /**
     * The same bytes as withProfileArn(request.body, profileArn), spliced into @p request's own body in place
     * (replacing the ARN of a previous attempt) instead of into a copy: the builder leaves room behind the
     * body, so a body no earlier request still shares costs no copy of hundreds of KiB per attempt (issue
     * 18). Returns the body to send, sharing @p request's.
     */
    static QByteArray withProfileArn(KiroRequest &request, QStringView profileArn);
    static QString emptyPlaceholder();
    /** Current-message text when the client ended with an assistant message it wants continued. */
    static QString prefillContinuation();
    /** The Kiro image format ("png", "jpeg", "gif", "webp") for a media type, or empty if unsupported. */
    static QString imageFormat(const QString &mediaType);
};

} // namespace Drawbridge
