// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QString>

#include <memory>
#include <variant>

#include "chatrenderer.h"
#include "server/core/apierror.h"
#include "server/core/chatrequest.h"
#include "server/core/modelcatalog.h"

namespace Drawbridge {

class HttpResponder;

/**
 * @brief What one client dialect (OpenAI chat completions, Anthropic messages, OpenAI responses) adds to the
 * shared admission and exchange path: its parser and its renderer, nothing else.
 *
 * One object serves one request, so a parser may keep what only its renderer needs (stream options, notes).
 * Key, rate window, model resolution, allow-list, thinking defaults, the ledger record and the exchange are
 * ChatAdmission's, the same for every dialect.
 */
class ChatDialect
{
public:
    virtual ~ChatDialect() = default;
    /** The endpoint label of the ledger and the request log (`chat`, `messages`, `responses`). */
    virtual QString endpoint() const = 0;
    /** Validates the body into a provider-neutral request; the model id is not resolved yet. */
    virtual std::variant<ChatRequest, ApiError> parse(const QByteArray &body) = 0;
    /** The request passed admission (model resolved and allowed): a place to log what the parser noted. */
    virtual void admitted(const ChatRequest &request, const ModelCatalog::Resolution &resolution)
    {
        Q_UNUSED(request)
        Q_UNUSED(resolution)
    }
    /**
     * The renderer of this dialect's answer for @p request, writing to @p responder. The request is shared,
     * not copied, with a renderer that needs it later (the provider keeps none of it).
     */
    virtual std::unique_ptr<ChatRenderer> renderer(std::shared_ptr<HttpResponder> responder,
                                                   const std::shared_ptr<const ChatRequest> &request,
                                                   qint64 startedMs)
        = 0;
};

} // namespace Drawbridge
