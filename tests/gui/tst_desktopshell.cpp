// SPDX-License-Identifier: MIT
#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QSpinBox>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

#include <future>

#include "app/applicationdesktopservices.h"
#include "app/configfile.h"
#include "gui/models/autostartentry.h"
#include "gui/models/desktopservices.h"
#include "gui/models/requestlogmodel.h"
#include "gui/widgets/desktopshell.h"
#include "gui/widgets/logwidget.h"
#include "gui/widgets/mainwindow.h"
#include "gui/widgets/settingseditor.h"
#include "gui/widgets/settingswidget.h"
#include "gui/widgets/singleinstance.h"
#include "gui/widgets/trayicon.h"
#include "guiapplication.h"
#include "server/core/accountpool.h"
#include "server/gateway/gatewayserver.h"
#include "server/gateway/keyservice.h"
#include "server/kiroprovider/kiroaccountmanager.h"
#include "server/kiroprovider/kirodevicelogin.h"
#include "server/kiroprovider/kirosociallogin.h"
#include "tests/fakekiro/fakekiroupstream.h"
#include "tests/support/rawhttpclient.h"

using namespace Drawbridge;
using namespace Drawbridge::Test;

namespace {

/** The real services, except that there is no keychain (and no --ephemeral to excuse it). */
class NoKeychainServices final : public DesktopServices
{
public:
    explicit NoKeychainServices(DesktopServices &real) : m_real(real) { }

    const Settings &settings() const override { return m_real.settings(); }
    bool isEphemeral() const override { return false; }
    QString adminToken() const override { return m_real.adminToken(); }
    bool keychainAvailable() const override { return false; }
    QString keychainProblem() const override
    {
        return QStringLiteral("no Secret Service on the session bus");
    }
    QString baseUrl() const override { return m_real.baseUrl(); }
    bool isDraining() const override { return m_real.isDraining(); }
    bool isDrained() const override { return m_real.isDrained(); }
    int inFlight() const override { return m_real.inFlight(); }
    void drain() override { m_real.drain(); }
    void resume() override { m_real.resume(); }
    void quit() override { m_real.quit(); }
    void restart() override { m_real.restart(); }
    Result<QStringList> changeSettings(const QList<QPair<QString, QVariant>> &changes) override
    {
        return m_real.changeSettings(changes);
    }
    KeyService &keys() override { return m_real.keys(); }
    KiroAccountManager &accounts() override { return m_real.accounts(); }
    AccountPool &pool() override { return m_real.pool(); }
    UsageQuery &usage() override { return m_real.usage(); }
    RateLimiter &limiter() override { return m_real.limiter(); }
    const ModelCatalog &models() const override { return m_real.models(); }
    QString configFilePath() const override { return {}; }
    QString dataDirectory() const override { return {}; }
    QString logFilePath() const override { return {}; }
    QVariant desktopPreference(const QString &key, const QVariant &fallback) const override
    {
        return m_real.desktopPreference(key, fallback);
    }
    void setDesktopPreference(const QString &key, const QVariant &value) override
    {
        m_real.setDesktopPreference(key, value);
    }
    std::unique_ptr<KiroDeviceLogin> createDeviceLogin(const QString &startUrl,
                                                       const QString &region) override
    {
        return m_real.createDeviceLogin(startUrl, region);
    }
    std::unique_ptr<KiroSocialLogin> createSocialLogin(const QString &provider) override
    {
        return m_real.createSocialLogin(provider);
    }
    QStringList connectableTools() const override { return m_real.connectableTools(); }
    QString toolDisplayName(const QString &tool) const override { return m_real.toolDisplayName(tool); }
    Result<ToolConfigChange> planToolConnection(const QString &tool, const QString &key) override
    {
        return m_real.planToolConnection(tool, key);
    }
    Result<QString> applyToolConnection(const ToolConfigChange &change, const QString &key) override
    {
        return m_real.applyToolConnection(change, key);
    }
    Status undoToolConnection(const QString &tool) override { return m_real.undoToolConnection(tool); }
    bool canUndoToolConnection(const QString &tool) const override
    {
        return m_real.canUndoToolConnection(tool);
    }

private:
    DesktopServices &m_real;
};

} // namespace

class TestDesktopShell : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void closingTheWindowOnlyHidesIt()
    {
        auto app = startEphemeralApplication();
        QVERIFY(app);
        QSignalSpy stopped(app.get(), &Application::stopped);
        FakePrompter prompter;
        ApplicationDesktopServices services(*app);
        MainWindow window(services, prompter);
        QSignalSpy closed(&window, &MainWindow::closed);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QCOMPARE(window.tabs()->count(), 6);
        QCOMPARE(window.tabs()->currentIndex(), int(MainWindow::AccountsTab)); // first run: add an account
        window.close();
        QVERIFY(!window.isVisible());
        QCOMPARE(closed.count(), 1);
        QTest::qWait(50);
        QCOMPARE(stopped.count(), 0);
        window.bringToFront();
        QVERIFY(window.isVisible());
    }

    void withoutATrayClosingQuits()
    {
        if (QSystemTrayIcon::isSystemTrayAvailable())
            QSKIP("this desktop has a tray: closing keeps Drawbridge running there");
        auto app = startEphemeralApplication();
        QVERIFY(app);
        QSignalSpy stopped(app.get(), &Application::stopped);
        ApplicationDesktopServices services(*app);
        DesktopShell shell(services);
        shell.show();
        QVERIFY(QTest::qWaitForWindowExposed(&shell.window()));
        QVERIFY(!QApplication::quitOnLastWindowClosed());
        shell.window().close();
        QTRY_COMPARE(stopped.count(), 1);
    }

    void trayReflectsStateAndQuitStops()
    {
        auto app = startEphemeralApplication();
        QVERIFY(app);
        QSignalSpy stopped(app.get(), &Application::stopped);
        ApplicationDesktopServices services(*app);
        DesktopShell shell(services);
        // The shell installs a translator; in an English (or C) locale it supplies the plural forms.
        QCOMPARE(QCoreApplication::translate("Drawbridge::SettingsWidget", "%n day(s)", nullptr, 30),
                 QStringLiteral("30 days"));
        // No account yet: a first run, with a neutral icon and what to do, not a red error.
        QCOMPARE(shell.tray().state(), TrayState::SetUp);
        QCOMPARE(trayIconPath(TrayState::SetUp), trayIconPath(TrayState::Idle));
        QVERIFY(shell.tray().toolTip().contains(app->gateway().baseUrl()));
        QVERIFY(shell.tray().toolTip().contains(QStringLiteral("Set up: add a Kiro account")));

        const int keysBefore = int(app->keys().list().size());
        QVERIFY(shell.tray().copyNewKey());
        QCOMPARE(int(app->keys().list().size()), keysBefore + 1);
        QVERIFY(std::holds_alternative<const ApiKeyRecord *>(
            app->keys().authenticate(QApplication::clipboard()->text())));

        shell.quit();
        QTRY_COMPARE(stopped.count(), 1);
        QCOMPARE(shell.tray().state(), TrayState::Stopped);
        QVERIFY(app->gateway().isDraining());
    }

    void drainCanBeResumedAndQuitAfterADrainStillExits()
    {
        auto app = startEphemeralApplication();
        QVERIFY(app);
        QSignalSpy stopped(app.get(), &Application::stopped);
        ApplicationDesktopServices services(*app);
        DesktopShell shell(services);
        shell.tray().drain();
        QVERIFY(app->gateway().isDraining());
        QTRY_COMPARE(shell.tray().state(), TrayState::Stopped);
        QVERIFY(shell.tray().toolTip().contains(QStringLiteral("Stopped")));
        QCOMPARE(shell.tray().serveAction()->text(), QStringLiteral("&Resume serving"));
        shell.tray().drain(); // the same action now resumes
        QVERIFY(!app->gateway().isDraining());
        QVERIFY(shell.tray().state() != TrayState::Stopped);
        // Drain again and let it complete, then Quit: it must still exit (it used to hang here).
        shell.tray().drain();
        QTRY_VERIFY(app->gateway().isDrained());
        shell.quit();
        QTRY_COMPARE(stopped.count(), 1);
    }

    void logFollowsFinishedRequests()
    {
        auto app = startEphemeralApplication();
        QVERIFY(app);
        ApplicationDesktopServices services(*app);
        DesktopShell shell(services);
        RequestLogModel &log = *shell.window().requestLog();
        for (const char *status : { "success", "rate_limited", "success", "upstream_error" }) {
            RequestRecord r;
            r.startedMs = QDateTime::currentMSecsSinceEpoch();
            r.status = QString::fromLatin1(status);
            r.httpStatus = r.status == QLatin1String("success") ? 200 : 429;
            app->gateway().reportFinished(r);
        }
        QCOMPARE(log.rowCount(), 4);
        LogWidget &widget = *shell.window().logWidget();
        widget.filter()->setCurrentIndex(widget.filter()->findText(QStringLiteral("Failed")));
        QCOMPARE(widget.proxy()->rowCount(), 2);
        widget.filter()->setCurrentIndex(widget.filter()->findText(QStringLiteral("Rate limited")));
        QCOMPARE(widget.proxy()->rowCount(), 1);
        widget.filter()->setCurrentIndex(0);
        QCOMPARE(widget.proxy()->rowCount(), 4);
    }

    void keychainMissingIsOneBanner()
    {
        auto app = startEphemeralApplication();
        QVERIFY(app);
        ApplicationDesktopServices services(*app);
        FakePrompter prompter;
        MainWindow ephemeral(services, prompter);
        QVERIFY(ephemeral.keychainBanner()->isHidden()); // --ephemeral needs no keychain
        NoKeychainServices broken(services);
        MainWindow window(broken, prompter);
        QVERIFY(!window.keychainBanner()->isHidden());
        QVERIFY(window.keychainBanner()->text().contains(QStringLiteral("DRAWBRIDGE_ADMIN_TOKEN")));
        QVERIFY(
            window.keychainBanner()->text().contains(QStringLiteral("no Secret Service on the session bus")));
        TrayIcon tray(broken);
        QCOMPARE(tray.state(), TrayState::Error);
        QVERIFY(tray.toolTip().contains(QStringLiteral("keychain is unavailable")));
    }

    void closeToTrayNoticeOnlyOnce()
    {
        auto app = startEphemeralApplication();
        QVERIFY(app);
        ApplicationDesktopServices services(*app);
        DesktopShell shell(services);
        QVERIFY(shell.showCloseToTrayNotice());
        QVERIFY(!shell.showCloseToTrayNotice());
        QVERIFY(services.desktopPreference(DesktopShell::closeToTrayNoticeKey(), false).toBool());
    }

    void settingsTabCopiesBothBaseUrls()
    {
        auto app = startEphemeralApplication();
        QVERIFY(app);
        ApplicationDesktopServices services(*app);
        SettingsWidget settings(services);
        settings.copyOpenAiButton()->click();
        QCOMPARE(QApplication::clipboard()->text(), app->gateway().baseUrl() + QStringLiteral("/v1"));
        QCOMPARE(settings.copyOpenAiButton()->text(), QStringLiteral("Copied"));
        settings.copyAnthropicButton()->click();
        QCOMPARE(QApplication::clipboard()->text(), app->gateway().baseUrl());
        QTRY_VERIFY(settings.copyOpenAiButton()->text() != QStringLiteral("Copied"));
        // The low-credit threshold is the tray's preference, changed live.
        settings.lowCreditThreshold()->setValue(25);
        QCOMPARE(services.desktopPreference(TrayIcon::lowCreditThresholdKey(), 0).toDouble(), 25.0);
    }

    void settingsTabOpensTheLogFile()
    {
        auto ephemeral = startEphemeralApplication();
        QVERIFY(ephemeral);
        ApplicationDesktopServices none(*ephemeral);
        SettingsWidget withoutLog(none);
        QVERIFY(!withoutLog.openLogsButton()->isEnabled());
        QVERIFY(withoutLog.openLogsButton()->toolTip().contains(QStringLiteral("--ephemeral")));

        QTemporaryDir dir;
        CommandLine commandLine;
        ResolvedSettings resolved;
        resolved.settings.server.port = 0;
        resolved.settings.storage.dataDir = dir.path();
        resolved.settings.admin.authToken = QStringLiteral("test-admin-token-0123456789abcdef");
        Application app(commandLine, resolved);
        bool started = false;
        app.start([&](const Status &s) { started = s.ok(); });
        QTRY_VERIFY(started);
        ApplicationDesktopServices services(app);
        SettingsWidget settings(services);
        const QString log = dir.filePath(QStringLiteral("logs/drawbridge.log"));
        QCOMPARE(services.logFilePath(), log);
        QVERIFY(settings.openLogsButton()->isEnabled());
        QCOMPARE(settings.openLogsButton()->toolTip(), log);
        QFile file(log);
        QVERIFY(file.open(QIODevice::ReadOnly));
        QVERIFY(file.readAll().contains("drawbridge.app: listening on"));
    }

    void settingsAreSavedToTheConfigFileAndRestartFollows()
    {
        QTemporaryDir dir;
        CommandLine commandLine;
        commandLine.ephemeral = true;
        ResolvedSettings resolved;
        resolved.settings.server.port = 0;
        resolved.settings.admin.authToken = QStringLiteral("test-admin-token-0123456789abcdef");
        resolved.configPath = dir.filePath(QStringLiteral("drawbridge.toml"));
        Application app(commandLine, resolved);
        bool started = false;
        app.start([&](const Status &s) { started = s.ok(); });
        QTRY_VERIFY(started);
        ApplicationDesktopServices services(app);
        SettingsEditor editor(services);
        QVERIFY(editor.isEnabled());
        QVERIFY(!editor.saveButton()->isEnabled());
        editor.port()->setValue(9100);
        QVERIFY(editor.saveButton()->isEnabled());
        editor.corsOrigins()->setText(QStringLiteral("ftp://example"));
        QVERIFY(!editor.save());
        QVERIFY(editor.status()->text().contains(QStringLiteral("not an origin")));
        QVERIFY(!QFile::exists(resolved.configPath));
        editor.corsOrigins()->setText(QStringLiteral("http://localhost:3000"));
        editor.trimHistory()->setChecked(false);
        QVERIFY(editor.save());
        QVERIFY(editor.status()->text().contains(QStringLiteral("Restart needed")));
        QVERIFY(editor.restartButton()->isVisibleTo(&editor));
        Settings reread;
        QStringList warnings;
        QVERIFY(ConfigFile::load(resolved.configPath, false, reread, warnings).ok());
        QCOMPARE(reread.server.port, 9100);
        QCOMPARE(reread.server.corsOrigins, QStringList { QStringLiteral("http://localhost:3000") });
        QCOMPARE(reread.kiro.trimHistory, false);

        QSignalSpy stopped(&app, &Application::stopped);
        editor.restartButton()->click();
        QVERIFY(services.restartRequested());
        QTRY_COMPARE(stopped.count(), 1);
    }

    void liveSettingsTakeEffectWithoutARestart()
    {
        QTemporaryDir dir;
        CommandLine commandLine;
        commandLine.ephemeral = true;
        ResolvedSettings resolved;
        resolved.settings.server.port = 0;
        resolved.settings.admin.authToken = QStringLiteral("test-admin-token-0123456789abcdef");
        resolved.configPath = dir.filePath(QStringLiteral("drawbridge.toml"));
        Application app(commandLine, resolved);
        bool started = false;
        app.start([&](const Status &s) { started = s.ok(); });
        QTRY_VERIFY(started);
        ApplicationDesktopServices services(app);
        SettingsWidget tab(services);
        SettingsEditor &editor = *tab.editor();
        QVERIFY(tab.defaultRpmValue()->text().startsWith(QStringLiteral("60 ")));
        KeyService::NewKey newKey;
        newKey.name = QStringLiteral("live");
        const auto created = app.keys().create(newKey);
        QVERIFY(created.ok());

        RawHttpClient client(app.gateway().port());
        const QPair<QByteArray, QByteArray> bearer { "Authorization", "Bearer " + created->key.toUtf8() };
        const QPair<QByteArray, QByteArray> origin { "Origin", "http://localhost:3000" };
        RawResponse r = client.request("GET", "/v1/models", {}, { bearer });
        QCOMPARE(r.status, 200);
        QCOMPARE(r.header("x-ratelimit-limit"), QByteArray("60"));
        QCOMPARE(client.request("GET", "/v1/models", {}, { bearer, origin }).status, 403);

        editor.defaultRpm()->setValue(2);
        editor.corsOrigins()->setText(QStringLiteral("http://localhost:3000"));
        editor.maxQueue()->setValue(7);
        editor.queueTimeout()->setValue(9);
        editor.trimHistory()->setChecked(!resolved.settings.kiro.trimHistory);
        QVERIFY(editor.save());
        QVERIFY2(editor.status()->text().contains(QStringLiteral("in effect now")),
                 qPrintable(editor.status()->text()));
        QVERIFY(!editor.restartButton()->isVisibleTo(&editor));
        QVERIFY2(tab.defaultRpmValue()->text().startsWith(QStringLiteral("2 ")),
                 qPrintable(tab.defaultRpmValue()->text()));

        // The same running gateway, through real requests: the browser origin is let in, the key's window is
        // now 2 per minute (this is its second request) and the third is refused.
        r = client.request("GET", "/v1/models", {}, { bearer, origin });
        QCOMPARE(r.status, 200);
        QCOMPARE(r.header("access-control-allow-origin"), QByteArray("http://localhost:3000"));
        QCOMPARE(r.header("x-ratelimit-limit"), QByteArray("2"));
        QCOMPARE(client.request("GET", "/v1/models", {}, { bearer }).status, 429);
        QCOMPARE(app.pool().maxQueue(), 7);
        QCOMPARE(app.pool().queueTimeoutS(), 9);
        QCOMPARE(app.settings().kiro.trimHistory, !resolved.settings.kiro.trimHistory);

        // What only a start can change still says so, and names it.
        editor.retentionDays()->setValue(resolved.settings.storage.retentionDays + 1);
        QVERIFY(editor.save());
        QVERIFY2(editor.status()->text().contains(QStringLiteral("Restart needed for: usage retention.")),
                 qPrintable(editor.status()->text()));
        QVERIFY(editor.restartButton()->isVisibleTo(&editor));
    }

    void slotsPerAccountApplyToAccountsWithoutTheirOwn()
    {
        FakeKiroUpstream kiro;
        QVERIFY(kiro.listen());
        for (const char *name : { "own", "default" }) {
            FakeKiroUpstream::Account upstream;
            upstream.name = QString::fromLatin1(name);
            upstream.refreshToken = QStringLiteral("refresh-") + upstream.name;
            kiro.addAccount(upstream);
        }
        QTemporaryDir dir;
        CommandLine commandLine;
        commandLine.ephemeral = true;
        ResolvedSettings resolved;
        resolved.settings.server.port = 0;
        resolved.settings.admin.authToken = QStringLiteral("test-admin-token-0123456789abcdef");
        resolved.settings.kiro.apiBaseUrl = kiro.baseUrl().toString();
        resolved.settings.kiro.socialAuthBaseUrl = kiro.baseUrl().toString();
        resolved.settings.kiro.slotsPerAccount = 3;
        resolved.configPath = dir.filePath(QStringLiteral("drawbridge.toml"));
        Application app(commandLine, resolved);
        bool started = false;
        app.start([&](const Status &s) { started = s.ok(); });
        QTRY_VERIFY(started);
        QHash<QString, QString> ids;
        for (const QString &name : { QStringLiteral("own"), QStringLiteral("default") }) {
            KiroAccountManager::NewAccount account;
            account.name = name;
            account.authMethod = QStringLiteral("social");
            account.refreshToken = QStringLiteral("refresh-") + name;
            if (name == QLatin1String("own"))
                account.slots = 2;
            std::optional<KiroAccountManager::Outcome> added;
            app.accounts().addAccount(account, this,
                                      [&](const KiroAccountManager::Outcome &o) { added = o; });
            QTRY_VERIFY_WITH_TIMEOUT(added.has_value(), 10'000);
            QVERIFY2(added->ok(), qPrintable(added->failure.message));
            ids.insert(name, added->account->record.id);
        }
        QCOMPARE(app.pool().account(ids.value(QStringLiteral("default")))->slots, 3);

        ApplicationDesktopServices services(app);
        SettingsEditor editor(services);
        editor.slots()->setValue(5);
        QVERIFY(editor.save());
        QVERIFY2(editor.status()->text().contains(QStringLiteral("in effect now")),
                 qPrintable(editor.status()->text()));
        QCOMPARE(app.pool().account(ids.value(QStringLiteral("default")))->slots, 5);
        QCOMPARE(app.pool().account(ids.value(QStringLiteral("own")))->slots, 2); // its own setting stays
        QCOMPARE(app.accounts().account(ids.value(QStringLiteral("default")))->slotsTotal, 5);
    }

    void ephemeralSettingsCannotBeSaved()
    {
        auto app = startEphemeralApplication();
        QVERIFY(app);
        ApplicationDesktopServices services(*app);
        SettingsEditor editor(services);
        QVERIFY(!editor.isEnabled());
        QVERIFY(!services.changeSettings({ { QStringLiteral("server.port"), 1 } }).ok());
    }

    void autostartEntry()
    {
        QTemporaryDir home;
        QProcessEnvironment env;
        env.insert(QStringLiteral("HOME"), home.path());
        const AutostartEntry entry(env);
        QCOMPARE(entry.path(), home.filePath(QStringLiteral(".config/autostart/drawbridge.desktop")));
        QVERIFY(!entry.isEnabled());
        QVERIFY(entry.setEnabled(true, QStringLiteral("/opt/my apps/drawbridge")).ok());
        QVERIFY(entry.isEnabled());
        QFile f(entry.path());
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QByteArray text = f.readAll();
        QVERIFY(text.startsWith("[Desktop Entry]\n"));
        QVERIFY(text.contains("\nExec=\"/opt/my apps/drawbridge\"\n"));
        QVERIFY(text.contains("\nType=Application\n"));
        QVERIFY(entry.setEnabled(false, {}).ok());
        QVERIFY(!QFile::exists(entry.path()));
        QVERIFY(!entry.isEnabled());
    }

    void secondLaunchRaisesTheFirst()
    {
        const QString name = QStringLiteral("drawbridge-test-%1").arg(QCoreApplication::applicationPid());
        QVERIFY(!SingleInstance::raiseRunning(name, 200));
        SingleInstance instance(name);
        QVERIFY(instance.listen());
        QSignalSpy raised(&instance, &SingleInstance::raiseRequested);
        // The second "launch" blocks on the socket, so it runs on another thread while this one serves it.
        auto second
            = std::async(std::launch::async, [name] { return SingleInstance::raiseRunning(name, 5000); });
        QTRY_COMPARE(raised.count(), 1);
        QTRY_VERIFY(second.wait_for(std::chrono::seconds(0)) == std::future_status::ready);
        QVERIFY(second.get());
        // A running instance that is busy for longer than the connect timeout (starting up, a loaded machine)
        // is still the one to raise: connected means alive, so the answer gets more time. Giving up after the
        // connect timeout made the second launch start a second instance of the profile.
        auto patient
            = std::async(std::launch::async, [name] { return SingleInstance::raiseRunning(name, 200); });
        QThread::msleep(800); // this instance's event loop is blocked: it cannot answer yet
        QTRY_COMPARE(raised.count(), 2);
        QTRY_VERIFY(patient.wait_for(std::chrono::seconds(0)) == std::future_status::ready);
        QVERIFY(patient.get());
        QVERIFY(SingleInstance::serverNameFor(Settings {}, true).isEmpty());
        Settings other;
        other.server.port = 9999;
        QVERIFY(SingleInstance::serverNameFor(Settings {}, false)
                != SingleInstance::serverNameFor(other, false));
    }
};

QTEST_MAIN(TestDesktopShell)
#include "tst_desktopshell.moc"
