// SPDX-License-Identifier: MIT
#include "chatcompletionsroute.h"

#include "chatexchange.h"
#include "gatewayserver.h"
#include "keyservice.h"
#include "openaichatrenderer.h"
#include "openairequestparser.h"
#include "server/core/clientstringbounds.h"
#include "server/core/clock.h"
#include "server/core/modelcatalog.h"
#include "server/core/provider.h"

namespace Drawbridge {

void handleChatCompletions(GatewayServer &server, RouteRequest &request)
{
    GatewayServices &svc = server.services();
    const ApiKeyRecord *key = server.admitClient(request);
    if (!key)
        return;

    RequestRecord record;
    record.startedMs = request.startedMs;
    record.keyId = key->id;
    record.endpoint = QStringLiteral("chat");

    auto fail = [&](const ApiError &error) {
        server.sendError(request, error);
        record.httpStatus = apiErrorInfo(error.kind).status;
        record.status = QStringLiteral("invalid_request");
        record.errorMessage = error.message;
        record.latencyMs = (svc.clock.monotonicNs() - request.startedNs) / 1'000'000;
        record.overheadSeconds = double(svc.clock.monotonicNs() - request.startedNs) / 1e9;
        server.reportFinished(record);
    };

    auto parsed = OpenAiRequestParser::parse(request.http.body());
    if (const ApiError *err = std::get_if<ApiError>(&parsed)) {
        fail(*err);
        return;
    }
    OpenAiChatRequest &chat = std::get<OpenAiChatRequest>(parsed);
    record.model = chat.request.requestedModel;
    record.stream = chat.request.stream;

    const std::optional<QString> upstream = svc.models.resolve(chat.request.requestedModel);
    if (!upstream) {
        // A refused name never reaches the ledger or a metric label: clients choose it freely.
        record.model = ClientStringBounds::refusedModelLabel();
        fail(ApiError {
            ApiErrorKind::ModelNotFound,
            QStringLiteral("The model '%1' does not exist. GET /v1/models lists the available ones.")
                .arg(chat.request.requestedModel),
            QStringLiteral("model") });
        return;
    }
    if (!KeyService::modelAllowed(*key, chat.request.requestedModel)) {
        fail(ApiError {
            ApiErrorKind::ModelNotAllowed,
            QStringLiteral("Key %1 may not use model '%2'.").arg(key->id, chat.request.requestedModel),
            QStringLiteral("model") });
        return;
    }
    chat.request.upstreamModel = *upstream;
    chat.request.keyId = key->id;
    if (ModelCatalog::requestsThinking(chat.request.requestedModel))
        chat.request.thinking = true;

    auto renderer = std::make_unique<OpenAiChatRenderer>(request.responder, chat.request.requestedModel,
                                                         chat.request.stream, chat.includeUsage,
                                                         request.startedMs / 1000);
    server.exchangeStarted();
    auto *exchange
        = new ChatExchange(svc.clock, request.responder, std::move(renderer), record, request.startedNs,
                           svc.settings.server.requestTimeoutS + 30, [&server](const RequestRecord &r) {
                               server.reportFinished(r);
                               server.exchangeEnded();
                           });
    exchange->setParent(&server);
    exchange->start(svc.provider, std::move(chat.request), svc.clock.monotonicNs() - request.startedNs);
}

} // namespace Drawbridge
