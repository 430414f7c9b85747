// SPDX-License-Identifier: MIT
// Saves one PNG per main-window tab, with real data: an ephemeral gateway pooling two accounts of the fake
// Kiro upstream, a few client keys and real chat requests through the gateway. Usage: gui_screenshots <dir>
#include <QApplication>
#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

#include <cstdio>

#include "app/applicationdesktopservices.h"
#include "gui/widgets/accountswidget.h"
#include "gui/widgets/connectdialog.h"
#include "gui/widgets/desktopshell.h"
#include "gui/widgets/keyswidget.h"
#include "gui/widgets/mainwindow.h"
#include "gui/widgets/usagewidget.h"
#include "guiapplication.h"
#include "server/core/accountpool.h"
#include "server/gateway/gatewayserver.h"
#include "server/gateway/keyservice.h"
#include "server/kiroprovider/kiroaccountmanager.h"
#include "server/storage/usageledger.h"
#include "server/storage/usagereport.h"
#include "tests/fakekiro/fakekiroupstream.h"

using namespace Drawbridge;
using namespace Drawbridge::Test;

namespace {

int fail(const char *what)
{
    std::fprintf(stderr, "gui_screenshots: %s\n", what);
    return 1;
}

} // namespace

int main(int argc, char **argv)
{
    QApplication qapp(argc, argv);
    QApplication::setApplicationName(QStringLiteral("drawbridge"));
    if (argc < 2)
        return fail("usage: gui_screenshots <output dir>");
    const QDir out(QString::fromLocal8Bit(argv[1]));
    if (!QDir().mkpath(out.path()))
        return fail("cannot create the output directory");

    FakeKiroUpstream fake;
    if (!fake.listen())
        return fail("the fake upstream cannot listen");
    fake.setDefaultResponse(FakeKiroResponse::ok(QStringLiteral("Hello from the fake upstream."), 0.04));
    const QString base = fake.baseUrl().toString();
    for (const char *name : { "work", "personal" }) {
        FakeKiroUpstream::Account a;
        a.name = QString::fromLatin1(name);
        a.refreshToken = QStringLiteral("refresh-") + a.name;
        a.currentUsage = a.name == QLatin1String("work") ? 12.5 : 31.0;
        fake.addAccount(a);
    }
    auto app = Test::startEphemeralApplication([&](Settings &s) {
        s.kiro.apiBaseUrl = base;
        s.kiro.socialAuthBaseUrl = base;
        s.kiro.oidcBaseUrl = base;
        s.server.corsOrigins = { QStringLiteral("http://localhost:5173") };
    });
    if (!app)
        return fail("the application did not start");

    int added = 0;
    QStringList accountIds;
    for (const char *name : { "work", "personal" }) {
        KiroAccountManager::NewAccount a;
        a.name = QString::fromLatin1(name) + QStringLiteral("@example.com");
        a.authMethod = QStringLiteral("social");
        a.refreshToken = QStringLiteral("refresh-") + QString::fromLatin1(name);
        app->accounts().addAccount(a, &qapp, [&](const KiroAccountManager::Outcome &o) {
            ++added;
            if (o.ok())
                accountIds.append(o.account->record.id);
        });
    }
    if (!QTest::qWaitFor([&] { return added == 2; }, 10'000) || accountIds.size() != 2)
        return fail("the accounts were not added");

    QStringList keys;
    for (const auto &[name, rpm] : { std::pair { "laptop-vscode", 0 }, std::pair { "ci-runner", 20 },
                                     std::pair { "cursor", 120 }, std::pair { "old-script", 0 } }) {
        KeyService::NewKey k;
        k.name = QString::fromLatin1(name);
        if (rpm > 0)
            k.rateLimitRpm = rpm;
        if (k.name == QLatin1String("ci-runner"))
            k.models = { QStringLiteral("claude-haiku-4.5"), QStringLiteral("claude-sonnet-4.5") };
        const auto created = app->keys().create(k);
        if (!created.ok())
            return fail("a key could not be created");
        keys.append(created->key);
        if (k.name == QLatin1String("old-script"))
            (void)app->keys().revoke(created->record.id);
    }

    // History for the usage chart: the last 24 hours, as the ledger would have recorded them.
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    for (int h = 23; h >= 1; --h) {
        const int requests = 4 + (h * 7) % 11;
        for (int i = 0; i < requests; ++i) {
            RequestRecord r;
            r.startedMs = now - h * usageHourMs + i * 60'000;
            r.keyId = app->keys().list()[size_t(i % 3)].id;
            r.accountId = accountIds[i % 2];
            r.model = QStringLiteral("claude-sonnet-4.5");
            r.endpoint = QStringLiteral("chat");
            r.status = i % 9 == 8 ? QStringLiteral("upstream_error") : QStringLiteral("success");
            r.httpStatus = r.status == QLatin1String("success") ? 200 : 502;
            r.usage.promptTokens = 800 + 37 * i;
            r.usage.completionTokens = 150 + 11 * i;
            r.usage.credits = 0.03 + 0.01 * (i % 4);
            r.usage.hasCredits = true;
            app->ledger().requestFinished(r);
        }
    }

    ApplicationDesktopServices services(*app);
    DesktopShell shell(services);
    shell.show();
    MainWindow &window = shell.window();
    window.resize(1100, 640);

    // Real requests through the gateway (they land in the log, the usage ledger and the key counters).
    QNetworkAccessManager nam;
    int finished = 0;
    const int sent = 14;
    for (int i = 0; i < sent; ++i) {
        QNetworkRequest request(QUrl(app->gateway().baseUrl() + QStringLiteral("/v1/chat/completions")));
        request.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/json"));
        const QString &key = keys[i % 3 == 2 ? 1 : 0];
        request.setRawHeader("Authorization", "Bearer " + key.toUtf8());
        const QJsonObject body {
            { QStringLiteral("model"),
              i % 5 == 4 ? QStringLiteral("claude-opus-4.5") : QStringLiteral("claude-sonnet-4.5") },
            { QStringLiteral("messages"),
              QJsonArray { QJsonObject { { QStringLiteral("role"), QStringLiteral("user") },
                                         { QStringLiteral("content"), QStringLiteral("Say hello") } } } }
        };
        QNetworkReply *reply = nam.post(request, QJsonDocument(body).toJson(QJsonDocument::Compact));
        QObject::connect(reply, &QNetworkReply::finished, reply, [&finished, reply] {
            ++finished;
            reply->deleteLater();
        });
        QTest::qWait(40);
    }
    // One request with a revoked key and one over the ci-runner's model list: the log shows refusals too.
    QNetworkRequest revoked(QUrl(app->gateway().baseUrl() + QStringLiteral("/v1/chat/completions")));
    revoked.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/json"));
    revoked.setRawHeader("Authorization", "Bearer " + keys[3].toUtf8());
    QNetworkReply *refused
        = nam.post(revoked, QByteArrayLiteral("{\"model\":\"claude-sonnet-4.5\",\"messages\":[]}"));
    QObject::connect(refused, &QNetworkReply::finished, refused, [&finished, refused] {
        ++finished;
        refused->deleteLater();
    });
    if (!QTest::qWaitFor([&] { return finished == sent + 1; }, 20'000))
        return fail("the requests did not finish");
    (void)app->ledger().flush();
    app->pool().markThrottled(accountIds[1], false, QStringLiteral("ThrottlingException: Too many requests"));

    window.usageWidget()->reload();
    const QStringList names
        = { QStringLiteral("keys"),   QStringLiteral("accounts"), QStringLiteral("usage"),
            QStringLiteral("limits"), QStringLiteral("log"),      QStringLiteral("settings") };
    for (int i = 0; i < window.tabs()->count(); ++i) {
        window.tabs()->setCurrentIndex(i);
        if (i == MainWindow::AccountsTab)
            window.accountsWidget()->view()->selectRow(1);
        if (i == MainWindow::KeysTab)
            window.keysWidget()->view()->selectRow(0);
        QTest::qWait(300);
        const QString path = out.filePath(QStringLiteral("tab-%1.png").arg(names[i]));
        if (!window.grab().save(path))
            return fail("a screenshot could not be saved");
        std::printf("%s\n", qPrintable(path));
    }

    // The Connect a tool dialog, on an empty temporary HOME (never the real one's files).
    QTemporaryDir home;
    QProcessEnvironment env;
    env.insert(QStringLiteral("HOME"), home.path());
    services.setToolEnvironment(env);
    ConnectDialog dialog(services, &window);
    dialog.show();
    QTest::qWait(300);
    const QString dialogPath = out.filePath(QStringLiteral("connect-dialog.png"));
    if (!dialog.grab().save(dialogPath))
        return fail("a screenshot could not be saved");
    std::printf("%s\n", qPrintable(dialogPath));
    return 0;
}
