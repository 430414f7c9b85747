// SPDX-License-Identifier: MIT
// fake-kiro-upstream: the test fake as a standalone server, for manual runs and end-to-end scripts.
#include <QCommandLineParser>
#include <QCoreApplication>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QTextStream>

#include <algorithm>
#include <memory>
#include <optional>

#include "tests/fakekiro/fakekiroupstream.h"

using namespace Drawbridge::Test;
using namespace Qt::StringLiterals;

namespace {

QJsonObject userInputMessage(const QByteArray &body)
{
    return QJsonDocument::fromJson(body)
        .object()
        .value(u"conversationState"_s)
        .toObject()
        .value(u"currentMessage"_s)
        .toObject()
        .value(u"userInputMessage"_s)
        .toObject();
}

/** True when the request declares a tool named @p name and does not already carry tool results. */
bool wantsTool(const QByteArray &body, const QString &name)
{
    const QJsonObject context = userInputMessage(body).value(u"userInputMessageContext"_s).toObject();
    if (!context.value(u"toolResults"_s).toArray().isEmpty())
        return false;
    const QJsonArray tools = context.value(u"tools"_s).toArray();
    return std::any_of(tools.begin(), tools.end(), [&](const QJsonValue &tool) {
        return tool.toObject().value(u"toolSpecification"_s).toObject().value(u"name"_s).toString() == name;
    });
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(u"fake-kiro-upstream"_s);

    QCommandLineParser parser;
    parser.setApplicationDescription(
        u"Serves a fake Kiro API (chat, usage limits, token refresh) on 127.0.0.1."_s);
    parser.addHelpOption();
    const QCommandLineOption portOption(u"port"_s, u"Port to listen on (0 = any free port)."_s, u"port"_s,
                                        u"0"_s);
    const QCommandLineOption textOption(u"text"_s, u"Answer every chat request with this text."_s, u"text"_s);
    const QCommandLineOption accountOption(
        u"account"_s,
        u"Register a social account NAME:REFRESH_TOKEN; chat then needs a valid "
        u"access token from POST /refreshToken."_s,
        u"name:token"_s);
    const QCommandLineOption noValidateOption(u"no-validate"_s, u"Do not reject malformed request bodies."_s);
    const QCommandLineOption delayOption(u"delay-ms"_s, u"Pause between streamed frames."_s, u"ms"_s, u"0"_s);
    const QCommandLineOption toolOption(
        u"tool"_s,
        u"Answer a chat request that declares tool NAME (and carries no tool results yet) with a call of it "
        u"with the JSON arguments ARGS, streamed in a few fragments. Repeatable."_s,
        u"name:args"_s);
    const QCommandLineOption failRateOption(
        u"fail-rate"_s,
        u"Fail this fraction (0..1) of chat requests with one of --fail-kinds, chosen at random."_s, u"p"_s,
        u"0"_s);
    const QCommandLineOption failKindsOption(
        u"fail-kinds"_s,
        u"Comma-separated failures for --fail-rate: 429 (throttled), 500, 503, drop (connection dropped "
        u"mid-stream), stream-429 (a ThrottlingException event after the first text and a pause), slow-429 "
        u"(HTTP 429 after a pause)."_s,
        u"kinds"_s, u"429,500,503,drop"_s);
    const QCommandLineOption seedOption(u"seed"_s, u"Seed of --fail-rate's random choices."_s, u"n"_s,
                                        u"1"_s);
    const QCommandLineOption deliveryOption(
        u"delivery"_s,
        u"How response bytes reach the wire: trickle (default: random pieces, each its own write, with real "
        u"pauses, as a network delivers them) or coalesced (each frame in one write)."_s,
        u"mode"_s, u"trickle"_s);
    const QCommandLineOption pieceOption(u"piece-bytes"_s, u"Largest trickled piece."_s, u"n"_s, u"48"_s);
    const QCommandLineOption pauseOption(u"pause-ms"_s, u"Longest pause between trickled pieces."_s, u"ms"_s,
                                         u"2"_s);
    parser.addOptions({ portOption, textOption, accountOption, noValidateOption, delayOption, toolOption,
                        failRateOption, failKindsOption, seedOption, deliveryOption, pieceOption,
                        pauseOption });
    parser.process(app);

    bool portOk = false;
    const uint port = parser.value(portOption).toUInt(&portOk);
    if (!portOk || port > 65535) {
        QTextStream(stderr) << "fake-kiro: invalid port " << parser.value(portOption) << Qt::endl;
        return 2;
    }

    FakeKiroUpstream upstream;
    upstream.setValidateRequests(!parser.isSet(noValidateOption));
    {
        FakeKiroUpstream::Delivery delivery;
        const QString mode = parser.value(deliveryOption);
        bool pieceOk = false;
        bool pauseOk = false;
        bool seedOk = false;
        delivery.trickle = mode == u"trickle"_s;
        delivery.maxPieceBytes = parser.value(pieceOption).toInt(&pieceOk);
        delivery.maxPauseMs = parser.value(pauseOption).toInt(&pauseOk);
        delivery.seed = parser.value(seedOption).toUInt(&seedOk);
        if ((mode != u"trickle"_s && mode != u"coalesced"_s) || !pieceOk || delivery.maxPieceBytes < 1
            || !pauseOk || delivery.maxPauseMs < 0 || !seedOk) {
            QTextStream(stderr) << "fake-kiro: --delivery wants trickle or coalesced, --piece-bytes >= 1, "
                                   "--pause-ms >= 0"
                                << Qt::endl;
            return 2;
        }
        upstream.setDelivery(delivery);
    }
    const QStringList accounts = parser.values(accountOption);
    upstream.setRequireAuth(!accounts.isEmpty());
    for (const QString &spec : accounts) {
        FakeKiroUpstream::Account account;
        account.name = spec.section(u':', 0, 0);
        account.refreshToken = spec.section(u':', 1);
        if (account.name.isEmpty() || account.refreshToken.isEmpty()) {
            QTextStream(stderr) << "fake-kiro: --account wants NAME:REFRESH_TOKEN, got " << spec << Qt::endl;
            return 2;
        }
        account.email = account.name + u"@example.com"_s;
        upstream.addAccount(account);
    }
    const QString text
        = parser.isSet(textOption) ? parser.value(textOption) : u"Hello from the fake Kiro upstream."_s;
    FakeKiroResponse response;
    const int delayMs = parser.value(delayOption).toInt();
    for (const QString &word : text.split(u' ')) {
        if (delayMs > 0 && !response.steps.empty())
            response.delay(delayMs);
        response.text(response.steps.empty() ? word : u" "_s + word);
    }
    response.closing();
    upstream.setDefaultResponse(response);

    std::vector<std::pair<QString, QString>> tools;
    for (const QString &spec : parser.values(toolOption)) {
        const QString name = spec.section(u':', 0, 0);
        const QString args = spec.section(u':', 1);
        if (name.isEmpty() || !QJsonDocument::fromJson(args.toUtf8()).isObject()) {
            QTextStream(stderr) << "fake-kiro: --tool wants NAME:JSON_OBJECT, got " << spec << Qt::endl;
            return 2;
        }
        tools.emplace_back(name, args);
    }
    bool rateOk = false;
    const double failRate = parser.value(failRateOption).toDouble(&rateOk);
    bool seedOk = false;
    const quint32 seed = parser.value(seedOption).toUInt(&seedOk);
    if (!rateOk || failRate < 0 || failRate > 1 || !seedOk) {
        QTextStream(stderr) << "fake-kiro: --fail-rate wants 0..1 and --seed an unsigned integer" << Qt::endl;
        return 2;
    }
    const QStringList failKinds = parser.value(failKindsOption).split(u',', Qt::SkipEmptyParts);
    for (const QString &kind : failKinds) {
        if (!QStringList { u"429"_s, u"500"_s, u"503"_s, u"drop"_s, u"stream-429"_s, u"slow-429"_s }.contains(
                kind)) {
            QTextStream(stderr) << "fake-kiro: unknown --fail-kinds entry " << kind << Qt::endl;
            return 2;
        }
    }
    if (failRate > 0 && failKinds.isEmpty()) {
        QTextStream(stderr) << "fake-kiro: --fail-rate needs at least one --fail-kinds entry" << Qt::endl;
        return 2;
    }
    if (!tools.empty() || failRate > 0) {
        auto rng = std::make_shared<QRandomGenerator>(seed);
        int toolCalls = 0;
        upstream.setResponseHook([tools, failRate, failKinds, rng, delayMs, response,
                                  toolCalls](const FakeKiroUpstream::RecordedRequest &rec) mutable
                                 -> std::optional<FakeKiroResponse> {
            if (failRate > 0 && rng->generateDouble() < failRate) {
                const QString &kind = failKinds.at(int(rng->bounded(quint32(failKinds.size()))));
                if (kind == u"429"_s)
                    return FakeKiroResponse::throttled();
                if (kind == u"500"_s)
                    return FakeKiroResponse::internalError();
                if (kind == u"503"_s)
                    return FakeKiroResponse::serviceUnavailable();
                if (kind == u"slow-429"_s) {
                    FakeKiroResponse slow = FakeKiroResponse::throttled();
                    slow.delay(qMax(delayMs, 200));
                    return slow;
                }
                if (kind == u"stream-429"_s) {
                    FakeKiroResponse late;
                    late.text(u"Partial"_s);
                    late.delay(qMax(delayMs, 200));
                    late.exception("ThrottlingException",
                                   R"({"message":"Too many requests, please wait before trying again."})");
                    return late;
                }
                // drop: part of the answer, then the connection goes away.
                FakeKiroResponse dropped;
                for (const auto &step : response.steps) {
                    if (step.kind == FakeKiroResponse::Step::Kind::Bytes && step.credits == 0)
                        dropped.steps.push_back(step);
                    if (dropped.steps.size() >= 2)
                        break;
                }
                if (delayMs > 0)
                    dropped.delay(delayMs);
                return std::move(dropped.dropConnection());
            }
            for (const auto &[name, args] : tools) {
                if (!wantsTool(rec.body, name))
                    continue;
                const QString id = u"tooluse_fake%1"_s.arg(++toolCalls);
                const qsizetype third = qMax<qsizetype>(1, args.size() / 3);
                QStringList fragments;
                for (qsizetype i = 0; i < args.size(); i += third)
                    fragments.append(args.mid(i, third));
                FakeKiroResponse call;
                call.toolUse(id, name, fragments);
                call.contextUsage(1.0);
                call.metering(0.01);
                return call;
            }
            return std::nullopt;
        });
    }

    if (!upstream.listen(quint16(port))) {
        QTextStream(stderr) << "fake-kiro: cannot listen on 127.0.0.1:" << port << Qt::endl;
        return 1;
    }
    QTextStream(stdout) << "fake-kiro listening on http://127.0.0.1:" << upstream.port() << Qt::endl;
    QTextStream(stderr) << "fake-kiro: delivery " << parser.value(deliveryOption) << ", seed "
                        << upstream.delivery().seed << Qt::endl;
    return QCoreApplication::exec();
}
