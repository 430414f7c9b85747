// SPDX-License-Identifier: MIT
#include "chatadmission.h"

#include "chatdialect.h"
#include "chatexchange.h"
#include "gatewayserver.h"
#include "keyservice.h"
#include "server/core/clientstringbounds.h"
#include "server/core/clock.h"
#include "server/core/logging.h"
#include "server/core/modelcatalog.h"
#include "server/core/provider.h"

namespace Drawbridge {

std::optional<ChatRequest> ChatAdmission::admit(GatewayServer &server, RouteRequest &request,
                                                ChatDialect &dialect, const ApiKeyRecord &key,
                                                const Refuse &refuse)
{
    auto parsed = dialect.parse(request.http.body());
    if (const ApiError *err = std::get_if<ApiError>(&parsed)) {
        refuse(*err, nullptr);
        return std::nullopt;
    }
    ChatRequest chat = std::move(std::get<ChatRequest>(parsed));
    const std::optional<ModelCatalog::Resolution> upstream
        = server.services().models.resolveDetailed(chat.requestedModel);
    if (!upstream) {
        refuse(ApiError { ApiErrorKind::ModelNotFound,
                          QStringLiteral(
                              "The model '%1' does not exist. GET /v1/models lists the available ones.")
                              .arg(chat.requestedModel),
                          QStringLiteral("model") },
               &chat);
        return std::nullopt;
    }
    if (!KeyService::modelAllowed(key, chat.requestedModel)) {
        refuse(ApiError { ApiErrorKind::ModelNotAllowed,
                          QStringLiteral("Key %1 may not use model '%2'.").arg(key.id, chat.requestedModel),
                          QStringLiteral("model") },
               &chat);
        return std::nullopt;
    }
    chat.upstreamModel = upstream->model;
    chat.keyId = key.id;
    // A `-thinking` model id asks for reasoning without a budget; every dialect gets the same one.
    if (ModelCatalog::requestsThinking(chat.requestedModel) && !chat.thinking) {
        chat.thinking = true;
        chat.thinkingBudgetTokens = defaultThinkingBudgetTokens;
    }
    if (chat.thinking && chat.thinkingBudgetTokens <= 0)
        chat.thinkingBudgetTokens = defaultThinkingBudgetTokens;
    // Responses keep the client's id; the log says what served it (the ledger records it for every request),
    // once per mapping: a Claude Code session would otherwise write this line for each of its requests.
    if (upstream->match == ModelCatalog::Match::Family
        || upstream->match == ModelCatalog::Match::ClientAlias) {
        const QString line
            = QStringLiteral("%1: model %2 served by %3 (%4)")
                  .arg(dialect.endpoint(), chat.requestedModel, upstream->model,
                       upstream->match == ModelCatalog::Match::Family ? QStringLiteral("family fallback")
                                                                      : QStringLiteral("client alias"));
        if (server.firstSightOfModelMapping(line))
            qCInfo(lcGateway).noquote() << line << "(logged once per mapping)";
    }
    dialect.admitted(chat, *upstream);
    return chat;
}

void ChatAdmission::serve(GatewayServer &server, RouteRequest &request, ChatDialect &dialect)
{
    GatewayServices &svc = server.services();
    const ApiKeyRecord *key = server.admitClient(request);
    if (!key)
        return;

    RequestRecord record;
    record.startedMs = request.startedMs;
    record.keyId = key->id;
    record.endpoint = dialect.endpoint();

    const auto refuse = [&](const ApiError &error, const ChatRequest *parsed) {
        server.sendError(request, error);
        if (parsed) {
            // A refused name never reaches the ledger or a metric label: clients choose it freely.
            record.model = error.kind == ApiErrorKind::ModelNotFound ? ClientStringBounds::refusedModelLabel()
                                                                     : parsed->requestedModel;
            record.stream = parsed->stream;
        }
        record.httpStatus = request.responder->status();
        record.status = error.kind == ApiErrorKind::ModelNotAllowed ? QStringLiteral("forbidden")
                                                                    : QStringLiteral("invalid_request");
        record.errorMessage = error.message;
        const qint64 elapsedNs = svc.clock.monotonicNs() - request.startedNs;
        record.latencyMs = elapsedNs / 1'000'000;
        record.overheadSeconds = double(elapsedNs) / 1e9;
        server.reportFinished(record);
    };
    std::optional<ChatRequest> admitted = admit(server, request, dialect, *key, refuse);
    if (!admitted)
        return;
    // Moved, not copied: the renderer may keep a share (the provider keeps none).
    const auto chat = std::make_shared<const ChatRequest>(std::move(*admitted));
    record.model = chat->requestedModel;
    record.stream = chat->stream;

    std::unique_ptr<ChatRenderer> renderer = dialect.renderer(request.responder, chat, request.startedMs);
    server.exchangeStarted();
    auto *exchange
        = new ChatExchange(svc.clock, request.responder, std::move(renderer), record, request.startedNs,
                           svc.settings.server.requestTimeoutS + 30, [&server](const RequestRecord &r) {
                               server.reportFinished(r);
                               server.exchangeEnded();
                           });
    exchange->setParent(&server);
    exchange->start(svc.provider, *chat, svc.clock.monotonicNs() - request.startedNs);
}

} // namespace Drawbridge
