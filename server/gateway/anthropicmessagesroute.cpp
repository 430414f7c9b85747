// SPDX-License-Identifier: MIT
#include "anthropicmessagesroute.h"

#include "anthropicmessagesrenderer.h"
#include "anthropicrequestparser.h"
#include "anthropictokencounter.h"
#include "chatadmission.h"
#include "chatdialect.h"
#include "gatewayserver.h"
#include "server/core/logging.h"

namespace Drawbridge {

namespace {

/** Anthropic messages: AnthropicRequestParser in, AnthropicMessagesRenderer out. */
class MessagesDialect final : public ChatDialect
{
public:
    explicit MessagesDialect(AnthropicRequestParser::Mode mode) : m_mode(mode) { }

    QString endpoint() const override { return QStringLiteral("messages"); }

    std::variant<ChatRequest, ApiError> parse(const QByteArray &body) override
    {
        return AnthropicRequestParser::parse(body, m_mode, &m_notes);
    }

    void admitted(const ChatRequest &request, const ModelCatalog::Resolution &resolution) override
    {
        Q_UNUSED(resolution)
        if (m_mode == AnthropicRequestParser::Mode::Messages)
            logNotes(request.keyId);
    }

    std::unique_ptr<ChatRenderer> renderer(std::shared_ptr<HttpResponder> responder,
                                           const std::shared_ptr<const ChatRequest> &request,
                                           qint64 startedMs) override
    {
        Q_UNUSED(startedMs)
        // A stream's message_start needs the estimate at once. An aggregated message needs it only if the
        // provider reports no prompt count (Kiro always reports one): it shares the request and counts only
        // then.
        std::function<int()> estimate;
        if (request->stream)
            estimate = [tokens = AnthropicTokenCounter::estimate(*request)] { return tokens; };
        else
            estimate = [request] { return AnthropicTokenCounter::estimate(*request); };
        auto renderer = std::make_unique<AnthropicMessagesRenderer>(
            std::move(responder), request->requestedModel, request->stream, std::move(estimate));
        renderer->setThinkingOmitted(m_notes.thinkingOmitted);
        return renderer;
    }

private:
    /** Says what the parser left out, so a client wondering about a missing tool finds out why. */
    void logNotes(const QString &keyId) const
    {
        if (!m_notes.droppedTools.isEmpty())
            qCInfo(lcGateway).noquote()
                << "messages: key" << keyId << "server tools left out (not served by Kiro):"
                << m_notes.droppedTools.join(QLatin1String(", "));
        if (!m_notes.ignored.isEmpty())
            qCInfo(lcGateway).noquote()
                << "messages: key" << keyId << "ignored:" << m_notes.ignored.join(QLatin1String(", "));
        if (m_notes.clearedToolResults > 0)
            qCInfo(lcGateway).noquote() << "messages: key" << keyId << "context_management cleared"
                                        << m_notes.clearedToolResults << "tool result(s)";
    }

    AnthropicRequestParser::Mode m_mode;
    AnthropicRequestParser::Notes m_notes;
};

} // namespace

void handleAnthropicMessages(GatewayServer &server, RouteRequest &request)
{
    MessagesDialect dialect(AnthropicRequestParser::Mode::Messages);
    ChatAdmission::serve(server, request, dialect);
}

void handleAnthropicCountTokens(GatewayServer &server, RouteRequest &request)
{
    const ApiKeyRecord *key = server.admitClient(request);
    if (!key)
        return;
    // No upstream call and no tokens spent: not a ledger entry, but counted by the key's rate limit.
    MessagesDialect dialect(AnthropicRequestParser::Mode::CountTokens);
    const std::optional<ChatRequest> chat = ChatAdmission::admit(
        server, request, dialect, *key,
        [&](const ApiError &error, const ChatRequest *) { server.sendError(request, error); });
    if (!chat)
        return;
    request.responder->sendJson(
        200, "{\"input_tokens\":" + QByteArray::number(AnthropicTokenCounter::estimate(*chat)) + '}');
}

} // namespace Drawbridge
