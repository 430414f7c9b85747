// SPDX-License-Identifier: MIT
#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QTabWidget>
#include <QTest>

#include <future>

#include "app/applicationdesktopservices.h"
#include "gui/models/requestlogmodel.h"
#include "gui/widgets/desktopshell.h"
#include "gui/widgets/logwidget.h"
#include "gui/widgets/mainwindow.h"
#include "gui/widgets/singleinstance.h"
#include "gui/widgets/trayicon.h"
#include "guiapplication.h"
#include "server/gateway/gatewayserver.h"
#include "server/gateway/keyservice.h"

using namespace Drawbridge;
using namespace Drawbridge::Test;

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
        // No account yet: the tray says so.
        QCOMPARE(shell.tray().state(), TrayState::Error);
        QVERIFY(shell.tray().toolTip().contains(app->gateway().baseUrl()));
        QVERIFY(shell.tray().toolTip().contains(QStringLiteral("no usable account")));

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
        QVERIFY(shell.tray().toolTip().contains(QStringLiteral("Drained")));
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
        QVERIFY(SingleInstance::serverNameFor(Settings {}, true).isEmpty());
        Settings other;
        other.server.port = 9999;
        QVERIFY(SingleInstance::serverNameFor(Settings {}, false)
                != SingleInstance::serverNameFor(other, false));
    }
};

QTEST_MAIN(TestDesktopShell)
#include "tst_desktopshell.moc"
