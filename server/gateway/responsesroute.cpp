// SPDX-License-Identifier: MIT
#include "responsesroute.h"

#include "chatadmission.h"
#include "chatdialect.h"
#include "responsesrenderer.h"
#include "responsesrequestparser.h"
#include "server/core/logging.h"

namespace Drawbridge {

namespace {

/** OpenAI responses: ResponsesRequestParser in, ResponsesRenderer out. */
class ResponsesDialect final : public ChatDialect
{
public:
    QString endpoint() const override { return QStringLiteral("responses"); }

    std::variant<ChatRequest, ApiError> parse(const QByteArray &body) override
    {
        auto parsed = ResponsesRequestParser::parse(body);
        if (ApiError *err = std::get_if<ApiError>(&parsed))
            return std::move(*err);
        ResponsesRequest &r = std::get<ResponsesRequest>(parsed);
        m_echo = std::move(r.echo);
        m_ignored = std::move(r.ignored);
        return std::move(r.request);
    }

    void admitted(const ChatRequest &request, const ModelCatalog::Resolution &resolution) override
    {
        Q_UNUSED(resolution)
        // Says what was left out, so a client wondering about a missing tool finds out why.
        if (!m_ignored.isEmpty())
            qCInfo(lcGateway).noquote()
                << "responses: key" << request.keyId
                << "left out (not served by Kiro):" << m_ignored.join(QLatin1String(", "));
    }

    std::unique_ptr<ChatRenderer> renderer(std::shared_ptr<HttpResponder> responder,
                                           const std::shared_ptr<const ChatRequest> &request,
                                           qint64 startedMs) override
    {
        return std::make_unique<ResponsesRenderer>(std::move(responder), request->requestedModel,
                                                   request->stream, startedMs / 1000, std::move(m_echo));
    }

private:
    QByteArray m_echo;
    QStringList m_ignored;
};

} // namespace

void handleResponses(GatewayServer &server, RouteRequest &request)
{
    ResponsesDialect dialect;
    ChatAdmission::serve(server, request, dialect);
}

} // namespace Drawbridge
