// SPDX-License-Identifier: MIT
#include "connectcommand.h"

#include <QHostAddress>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>

#include "application.h"
#include "server/core/apikeycodec.h"
#include "server/gateway/keyservice.h"
#include "toolconnector.h"

namespace Drawbridge {

namespace {

// A running gateway on loopback answers at once; past this it is treated as an error, not as "none runs".
constexpr int adminTimeoutMs = 5000;

QString placeholderKey(const QString &tool)
{
    return QStringLiteral("db-<new key \"%1\">").arg(tool);
}

} // namespace

ConnectCommand::ConnectCommand(CommandLine commandLine, ResolvedSettings settings, QProcessEnvironment env,
                               std::FILE *out, std::FILE *err, QObject *parent)
    : QObject(parent)
    , m_commandLine(std::move(commandLine))
    , m_settings(std::move(settings))
    , m_env(std::move(env))
    , m_out(out)
    , m_err(err)
{
}

ConnectCommand::~ConnectCommand() = default;

Result<QString> ConnectCommand::clientBaseUrl(const Settings &settings)
{
    if (settings.server.port == 0)
        return Error { QStringLiteral(
            "server.port is 0 (any free port): tools need a fixed port to connect to") };
    QString host = settings.server.host;
    // A wildcard listen address is reached on loopback.
    const QHostAddress address(host);
    if (host.isEmpty() || address == QHostAddress::AnyIPv4 || address == QHostAddress(QHostAddress::Any))
        host = QStringLiteral("127.0.0.1");
    else if (address == QHostAddress::AnyIPv6)
        host = QStringLiteral("::1");
    if (host.contains(QLatin1Char(':')))
        host = QLatin1Char('[') + host + QLatin1Char(']');
    return QStringLiteral("http://%1:%2").arg(host).arg(settings.server.port);
}

QString ConnectCommand::masked(QString text, const QString &key)
{
    if (key.size() > 12)
        text.replace(key, key.left(12) + QStringLiteral("…"));
    return text;
}

void ConnectCommand::finish(int code)
{
    std::fflush(m_out);
    std::fflush(m_err);
    if (m_done)
        m_done(code);
}

int ConnectCommand::fail(const QString &message)
{
    std::fprintf(m_err, "drawbridge: %s\n", qPrintable(message));
    return 1;
}

void ConnectCommand::run(std::function<void(int)> done)
{
    m_done = std::move(done);
    const ToolConnector connector(m_env);
    const QString &tool = m_commandLine.connectTool;
    if (!ToolConnector::isTool(tool)) {
        finish(fail(QStringLiteral("unknown tool '%1' (one of: %2)")
                        .arg(tool, ToolConnector::tools().join(QStringLiteral(", ")))));
        return;
    }
    if (m_commandLine.undo) {
        const Status undone = connector.undo(tool);
        if (!undone) {
            finish(fail(undone.error()));
            return;
        }
        std::fprintf(m_out, "drawbridge: %s is back as it was before: %s\n",
                     qPrintable(ToolConnector::displayName(tool)), qPrintable(connector.configPath(tool)));
        finish(0);
        return;
    }
    const auto base = clientBaseUrl(m_settings.settings);
    if (!base) {
        finish(fail(base.error()));
        return;
    }
    m_baseUrl = *base;
    const QString &key = m_commandLine.connectKey;
    if (!key.isEmpty() && !ApiKeyCodec::parseId(key)) {
        finish(fail(QStringLiteral("--key: not a Drawbridge client key (db-…)")));
        return;
    }
    // Check the tool's file first: an unreadable config must not leave a new, unused key behind.
    ToolConnector::Target preview { m_baseUrl, key.isEmpty() ? placeholderKey(tool) : key,
                                    m_settings.settings.kiro.defaultModel, m_settings.settings.kiro.models };
    const auto plan = connector.plan(tool, preview);
    if (!plan) {
        finish(fail(plan.error()));
        return;
    }
    if (m_commandLine.dryRun) {
        if (plan->diff.isEmpty())
            std::fprintf(m_out, "%s is already connected: %s\n", qPrintable(ToolConnector::displayName(tool)),
                         qPrintable(plan->filePath));
        else
            std::fprintf(m_out, "%s", qPrintable(masked(plan->diff, key)));
        finish(0);
        return;
    }
    if (!key.isEmpty()) {
        finish(connectWith(key, false));
        return;
    }
    createKey();
}

int ConnectCommand::connectWith(const QString &key, bool created)
{
    const ToolConnector connector(m_env);
    const QString &tool = m_commandLine.connectTool;
    const ToolConnector::Target target { m_baseUrl, key, m_settings.settings.kiro.defaultModel,
                                         m_settings.settings.kiro.models };
    const auto plan = connector.plan(tool, target);
    if (!plan)
        return fail(plan.error());
    std::fprintf(m_out, "%s", qPrintable(masked(plan->diff, key)));
    if (const Status applied = connector.apply(*plan); !applied)
        return fail(applied.error());
    std::fprintf(m_out, "drawbridge: %s now uses %s%s. Undo: drawbridge connect %s --undo\n",
                 qPrintable(ToolConnector::displayName(tool)), qPrintable(m_baseUrl),
                 created ? qPrintable(QStringLiteral(" with the new key \"%1\"").arg(tool)) : "",
                 qPrintable(tool));
    return 0;
}

void ConnectCommand::createKey()
{
    // The admin token comes from the settings or the keychain, as for a normal start; nothing listens.
    m_app = std::make_unique<Application>(m_commandLine, m_settings);
    m_app->start([this](const Status &started) {
        if (!started) {
            finish(fail(started.error()));
            return;
        }
        m_network = new QNetworkAccessManager(this);
        QNetworkRequest request(QUrl(m_baseUrl + QStringLiteral("/admin/keys")));
        request.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/json"));
        request.setRawHeader("Authorization", "Bearer " + m_app->adminToken().toUtf8());
        request.setTransferTimeout(adminTimeoutMs);
        const QByteArray body
            = QJsonDocument(QJsonObject { { QStringLiteral("name"), m_commandLine.connectTool } }).toJson();
        QNetworkReply *reply = m_network->post(request, body);
        connect(reply, &QNetworkReply::finished, this, [this, reply] {
            reply->deleteLater();
            if (reply->error() == QNetworkReply::ConnectionRefusedError) {
                createKeyLocally();
                return;
            }
            const QByteArray answer = reply->read(64 * 1024);
            const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
            const QString key
                = QJsonDocument::fromJson(answer).object().value(QStringLiteral("key")).toString();
            if (status != 201 && status != 200) {
                const QString why = QJsonDocument::fromJson(answer)
                                        .object()
                                        .value(QStringLiteral("error"))
                                        .toObject()
                                        .value(QStringLiteral("message"))
                                        .toString();
                finish(fail(QStringLiteral("the gateway at %1 did not create a key: %2")
                                .arg(m_baseUrl, why.isEmpty() ? reply->errorString() : why)));
                return;
            }
            if (key.isEmpty()) {
                finish(fail(QStringLiteral("the gateway at %1 answered without a key").arg(m_baseUrl)));
                return;
            }
            finish(connectWith(key, true));
        });
    });
}

void ConnectCommand::createKeyLocally()
{
    KeyService::NewKey request;
    request.name = m_commandLine.connectTool;
    const auto created = m_app->keys().create(request);
    if (!created) {
        finish(fail(QStringLiteral("no key was created: %1").arg(created.error())));
        return;
    }
    finish(connectWith(created->key, true));
}

} // namespace Drawbridge
