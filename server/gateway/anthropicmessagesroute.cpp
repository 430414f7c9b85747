// SPDX-License-Identifier: MIT
#include "anthropicmessagesroute.h"

#include "anthropicmessagesrenderer.h"
#include "anthropicrequestparser.h"
#include "anthropictokencounter.h"
#include "chatexchange.h"
#include "gatewayserver.h"
#include "keyservice.h"
#include "server/core/clock.h"
#include "server/core/logging.h"
#include "server/core/modelcatalog.h"
#include "server/core/provider.h"

namespace Drawbridge {

namespace {

/** Says what the parser left out, so a client wondering about a missing tool finds out why. */
void logNotes(const QString &keyId, const AnthropicRequestParser::Notes &notes)
{
    if (!notes.droppedTools.isEmpty())
        qCInfo(lcGateway).noquote() << "messages: key" << keyId
                                    << "server tools left out (not served by Kiro):"
                                    << notes.droppedTools.join(QLatin1String(", "));
    if (!notes.ignored.isEmpty())
        qCInfo(lcGateway).noquote() << "messages: key" << keyId
                                    << "ignored:" << notes.ignored.join(QLatin1String(", "));
    if (notes.clearedToolResults > 0)
        qCInfo(lcGateway).noquote() << "messages: key" << keyId << "context_management cleared"
                                    << notes.clearedToolResults << "tool result(s)";
}

/** Parses the body and checks the model against the catalog and the key; sends the error otherwise. */
std::optional<ChatRequest> admitRequest(GatewayServer &server, RouteRequest &request, const ApiKeyRecord &key,
                                        AnthropicRequestParser::Mode mode,
                                        const std::function<void(const ApiError &)> &fail,
                                        AnthropicRequestParser::Notes *notes = nullptr)
{
    AnthropicRequestParser::Notes localNotes;
    if (!notes)
        notes = &localNotes;
    auto parsed = AnthropicRequestParser::parse(request.http.body(), mode, notes);
    if (const ApiError *err = std::get_if<ApiError>(&parsed)) {
        fail(*err);
        return std::nullopt;
    }
    ChatRequest chat = std::move(std::get<ChatRequest>(parsed));
    const std::optional<ModelCatalog::Resolution> upstream
        = server.services().models.resolveDetailed(chat.requestedModel);
    if (!upstream) {
        fail(ApiError {
            ApiErrorKind::ModelNotFound,
            QStringLiteral("model: The model '%1' does not exist. GET /v1/models lists the available ones.")
                .arg(chat.requestedModel),
            QStringLiteral("model") });
        return std::nullopt;
    }
    if (!KeyService::modelAllowed(key, chat.requestedModel)) {
        fail(ApiError { ApiErrorKind::ModelNotAllowed,
                        QStringLiteral("Key %1 may not use model '%2'.").arg(key.id, chat.requestedModel),
                        QStringLiteral("model") });
        return std::nullopt;
    }
    chat.upstreamModel = upstream->model;
    chat.keyId = key.id;
    if (mode == AnthropicRequestParser::Mode::Messages) {
        logNotes(key.id, *notes);
        // The response keeps the client's id; the log is the one place that says what served it.
        if (upstream->match == ModelCatalog::Match::Family
            || upstream->match == ModelCatalog::Match::ClientAlias)
            qCInfo(lcGateway).noquote()
                << "messages: model" << chat.requestedModel << "served by" << upstream->model
                << (upstream->match == ModelCatalog::Match::Family ? "(family fallback)"
                                                                   : "(Claude Code alias)");
    }
    if (ModelCatalog::requestsThinking(chat.requestedModel) && !chat.thinking) {
        chat.thinking = true;
        chat.thinkingBudgetTokens = 10000;
    }
    return chat;
}

} // namespace

void handleAnthropicMessages(GatewayServer &server, RouteRequest &request)
{
    GatewayServices &svc = server.services();
    const ApiKeyRecord *key = server.admitClient(request);
    if (!key)
        return;

    RequestRecord record;
    record.startedMs = request.startedMs;
    record.keyId = key->id;
    record.endpoint = QStringLiteral("messages");

    auto fail = [&](const ApiError &error) {
        server.sendError(request, error);
        record.httpStatus = anthropicErrorInfo(error.kind).status;
        record.status = QStringLiteral("invalid_request");
        record.errorMessage = error.message;
        record.latencyMs = (svc.clock.monotonicNs() - request.startedNs) / 1'000'000;
        record.overheadSeconds = double(svc.clock.monotonicNs() - request.startedNs) / 1e9;
        server.reportFinished(record);
    };

    AnthropicRequestParser::Notes notes;
    std::optional<ChatRequest> chat
        = admitRequest(server, request, *key, AnthropicRequestParser::Mode::Messages, fail, &notes);
    if (!chat)
        return;
    record.model = chat->requestedModel;
    record.stream = chat->stream;

    auto renderer = std::make_unique<AnthropicMessagesRenderer>(
        request.responder, chat->requestedModel, chat->stream, AnthropicTokenCounter::estimate(*chat));
    renderer->setThinkingOmitted(notes.thinkingOmitted);
    server.exchangeStarted();
    auto *exchange
        = new ChatExchange(svc.clock, request.responder, std::move(renderer), record, request.startedNs,
                           svc.settings.server.requestTimeoutS + 30, [&server](const RequestRecord &r) {
                               server.reportFinished(r);
                               server.exchangeEnded();
                           });
    exchange->setParent(&server);
    exchange->start(svc.provider, std::move(*chat), svc.clock.monotonicNs() - request.startedNs);
}

void handleAnthropicCountTokens(GatewayServer &server, RouteRequest &request)
{
    const ApiKeyRecord *key = server.admitClient(request);
    if (!key)
        return;
    // No upstream call and no tokens spent: not a ledger entry, but counted by the key's rate limit.
    const auto fail = [&](const ApiError &error) { server.sendError(request, error); };
    const std::optional<ChatRequest> chat
        = admitRequest(server, request, *key, AnthropicRequestParser::Mode::CountTokens, fail);
    if (!chat)
        return;
    request.responder->sendJson(
        200, "{\"input_tokens\":" + QByteArray::number(AnthropicTokenCounter::estimate(*chat)) + '}');
}

} // namespace Drawbridge
