// SPDX-License-Identifier: MIT
#include "chatcompletionsroute.h"

#include "chatadmission.h"
#include "chatdialect.h"
#include "openaichatrenderer.h"
#include "openairequestparser.h"

namespace Drawbridge {

namespace {

/** OpenAI chat completions: OpenAiRequestParser in, OpenAiChatRenderer out. */
class ChatCompletionsDialect final : public ChatDialect
{
public:
    QString endpoint() const override { return QStringLiteral("chat"); }

    std::variant<ChatRequest, ApiError> parse(const QByteArray &body) override
    {
        auto parsed = OpenAiRequestParser::parse(body);
        if (ApiError *err = std::get_if<ApiError>(&parsed))
            return std::move(*err);
        OpenAiChatRequest &chat = std::get<OpenAiChatRequest>(parsed);
        m_includeUsage = chat.includeUsage;
        return std::move(chat.request);
    }

    std::unique_ptr<ChatRenderer> renderer(std::shared_ptr<HttpResponder> responder,
                                           const std::shared_ptr<const ChatRequest> &request,
                                           qint64 startedMs) override
    {
        return std::make_unique<OpenAiChatRenderer>(std::move(responder), request->requestedModel,
                                                    request->stream, m_includeUsage, startedMs / 1000);
    }

private:
    bool m_includeUsage = false;
};

} // namespace

void handleChatCompletions(GatewayServer &server, RouteRequest &request)
{
    ChatCompletionsDialect dialect;
    ChatAdmission::serve(server, request, dialect);
}

} // namespace Drawbridge
