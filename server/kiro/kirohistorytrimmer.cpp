// SPDX-License-Identifier: MIT
#include "kirohistorytrimmer.h"

#include <algorithm>
#include <limits>

namespace Drawbridge {

namespace {

bool isSystem(const ChatMessage &m)
{
    return m.role == Role::System;
}

/** @p request without the non-system messages before index @p cut. */
ChatRequest withoutBefore(const ChatRequest &request, size_t cut, int *dropped)
{
    ChatRequest out = request;
    out.messages.clear();
    out.messages.reserve(request.messages.size());
    *dropped = 0;
    for (size_t i = 0; i < request.messages.size(); ++i) {
        const ChatMessage &m = request.messages[i];
        if (i < cut && !isSystem(m)) {
            ++*dropped;
            continue;
        }
        out.messages.push_back(m);
    }
    return out;
}

} // namespace

std::vector<size_t> KiroHistoryTrimmer::turnStarts(const ChatRequest &request)
{
    std::vector<size_t> starts;
    bool open = false;
    for (size_t i = 0; i < request.messages.size(); ++i) {
        const ChatMessage &m = request.messages[i];
        if (isSystem(m))
            continue;
        // A turn begins with a user message; tool results (Role::Tool) answer the turn they follow. Whatever
        // precedes the first user message (an assistant opener) is a turn of its own.
        if (m.role == Role::User || !open)
            starts.push_back(i);
        open = true;
    }
    return starts;
}

Result<KiroTrimmedRequest> KiroHistoryTrimmer::build(const ChatRequest &request,
                                                     const KiroRequestOptions &builderOptions,
                                                     const Options &options, ProviderErrorKind *errorKind)
{
    // The builder's own size guard would refuse what this class can still make fit.
    KiroRequestOptions unbounded = builderOptions;
    unbounded.maxBodyBytes = std::numeric_limits<qsizetype>::max();
    const int reserve = options.contextWindowTokens > 0
        ? std::clamp(request.maxTokens.value_or(options.reserveOutputTokens), 0,
                     options.contextWindowTokens / 2)
        : 0;
    const auto fits = [&](const KiroRequest &r) {
        return r.body.size() <= options.maxRequestBytes
            && (options.contextWindowTokens <= 0
                || r.estimatedPromptTokens + reserve <= options.contextWindowTokens);
    };
    const auto tooLong = [&](const KiroRequest &r, const QString &why) -> Result<KiroTrimmedRequest> {
        if (errorKind)
            *errorKind = ProviderErrorKind::ContextTooLong;
        return Error { QStringLiteral(
                           "The conversation is too long for Kiro (a %1-byte request, about %2 tokens; "
                           "the limits are %3 bytes (kiro.max_request_bytes) and a %4-token context "
                           "window): %5")
                           .arg(r.body.size())
                           .arg(r.estimatedPromptTokens)
                           .arg(options.maxRequestBytes)
                           .arg(options.contextWindowTokens)
                           .arg(why) };
    };

    Result<KiroRequest> whole = KiroRequestBuilder::build(request, unbounded, errorKind);
    if (!whole)
        return Error { whole.error() };
    if (fits(*whole))
        return KiroTrimmedRequest { std::move(*whole), 0 };
    if (!options.enabled)
        return tooLong(*whole, QStringLiteral("trimming is off (kiro.trim_history)."));

    const std::vector<size_t> starts = turnStarts(request);
    if (starts.size() < 2)
        return tooLong(*whole, QStringLiteral("nothing is left to trim but the newest turn."));

    // Dropping more turns never makes the body bigger, so the fewest turns to drop are found by bisection:
    // keep starts[k..] for the smallest k in [1, starts.size() - 1] that fits.
    size_t lo = 1;
    size_t hi = starts.size() - 1;
    std::optional<KiroTrimmedRequest> best;
    while (lo <= hi) {
        const size_t k = lo + (hi - lo) / 2;
        int dropped = 0;
        Result<KiroRequest> built
            = KiroRequestBuilder::build(withoutBefore(request, starts[k], &dropped), unbounded, errorKind);
        if (!built)
            return Error { built.error() };
        if (fits(*built)) {
            best = KiroTrimmedRequest { std::move(*built), dropped };
            if (k == 1)
                break;
            hi = k - 1;
        } else {
            if (k == starts.size() - 1)
                return tooLong(*built, QStringLiteral("even the newest turn alone does not fit."));
            lo = k + 1;
        }
    }
    if (!best)
        return tooLong(*whole, QStringLiteral("nothing is left to trim but the newest turn."));
    return std::move(*best);
}

} // namespace Drawbridge
