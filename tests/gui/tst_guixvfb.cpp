// SPDX-License-Identifier: MIT
// The desktop app on a real X server (Xvfb, the xcb platform, not offscreen), at the device pixel ratio of
// the run: CTest runs it twice, with QT_SCALE_FACTOR 1 and 2 (a HiDPI laptop). Every tab and every dialog is
// shown, mapped by the X server, grabbed at that ratio, fits the screen, and has no button whose label is cut
// off.
#include <QAbstractButton>
#include <QApplication>
#include <QDialog>
#include <QLabel>
#include <QProcessEnvironment>
#include <QScreen>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>

#include "app/applicationdesktopservices.h"
#include "gui/widgets/addaccountdialog.h"
#include "gui/widgets/connectdialog.h"
#include "gui/widgets/createkeydialog.h"
#include "gui/widgets/desktopshell.h"
#include "gui/widgets/mainwindow.h"
#include "gui/widgets/signindialog.h"
#include "guiapplication.h"
#include "server/gateway/gatewayserver.h"
#include "tests/fakekiro/fakekiroupstream.h"

using namespace Drawbridge;
using namespace Drawbridge::Test;

class TstGuiXvfb : public QObject
{
    Q_OBJECT

private:
    /** Shown, mapped, grabbed at the screen's ratio, inside the screen, and no button label cut off. */
    static void checkShown(QWidget *w, const QString &what)
    {
        QVERIFY2(QTest::qWaitForWindowExposed(w), qPrintable(what + QStringLiteral(" was not mapped")));
        const qreal ratio = w->screen()->devicePixelRatio();
        QCOMPARE(ratio, m_expectedRatio);
        const QPixmap shot = w->grab();
        QVERIFY2(!shot.isNull(), qPrintable(what));
        QCOMPARE(shot.devicePixelRatio(), ratio);
        QCOMPARE(shot.width(), int(std::lround(w->width() * ratio)));
        const QRect screen = w->screen()->availableGeometry();
        const QSize hint = w->minimumSizeHint();
        QVERIFY2(hint.width() <= screen.width() && hint.height() <= screen.height(),
                 qPrintable(QStringLiteral("%1 needs %2x%3 of a %4x%5 screen")
                                .arg(what)
                                .arg(hint.width())
                                .arg(hint.height())
                                .arg(screen.width())
                                .arg(screen.height())));
        const auto buttons = w->findChildren<QAbstractButton *>();
        for (QAbstractButton *b : buttons) {
            if (!b->isVisibleTo(w) || b->text().isEmpty())
                continue;
            // The label as drawn (mnemonic ampersands take no room) against the button's own width.
            const QString label = QString(b->text()).remove(u'&');
            const int needed = b->fontMetrics().horizontalAdvance(label);
            QVERIFY2(needed <= b->width(),
                     qPrintable(QStringLiteral("%1: the button \"%2\" is %3 px wide for a %4 px label")
                                    .arg(what, label)
                                    .arg(b->width())
                                    .arg(needed)));
        }
    }

    static inline qreal m_expectedRatio = 1.0;

private Q_SLOTS:
    void initTestCase()
    {
        QCOMPARE(QGuiApplication::platformName(), QStringLiteral("xcb"));
        m_expectedRatio = qEnvironmentVariableIsSet("QT_SCALE_FACTOR")
            ? qEnvironmentVariable("QT_SCALE_FACTOR").toDouble()
            : 1.0;
        QVERIFY(m_expectedRatio >= 1.0);
    }

    void everyTabAndDialog()
    {
        FakeKiroUpstream fake;
        QVERIFY(fake.listen());
        const QString base = fake.baseUrl().toString();
        FakeKiroUpstream::Account upstream;
        upstream.name = QStringLiteral("work");
        upstream.refreshToken = QStringLiteral("refresh-work");
        fake.addAccount(upstream);
        auto app = startEphemeralApplication([&](Settings &s) {
            s.kiro.apiBaseUrl = base;
            s.kiro.socialAuthBaseUrl = base;
            s.kiro.oidcBaseUrl = base;
        });
        QVERIFY(app);
        KiroAccountManager::NewAccount account;
        account.name = QStringLiteral("work@example.com");
        account.authMethod = QStringLiteral("social");
        account.refreshToken = QStringLiteral("refresh-work");
        bool added = false;
        app->accounts().addAccount(account, this, [&](const KiroAccountManager::Outcome &o) {
            added = true;
            QVERIFY2(o.ok(), qPrintable(o.failure.message));
        });
        QTRY_VERIFY_WITH_TIMEOUT(added, 10'000);

        ApplicationDesktopServices services(*app);
        // The Connect dialog reads tools' config files under HOME: an empty one, never the real one.
        QTemporaryDir home;
        QProcessEnvironment env;
        env.insert(QStringLiteral("HOME"), home.path());
        services.setToolEnvironment(env);
        DesktopShell shell(services);
        shell.show();
        MainWindow &window = shell.window();
        for (int i = 0; i < window.tabs()->count(); ++i) {
            window.tabs()->setCurrentIndex(i);
            checkShown(&window, QStringLiteral("tab %1 (%2)").arg(i).arg(window.tabs()->tabText(i)));
        }

        ConnectDialog connect(services, &window);
        connect.show();
        checkShown(&connect, QStringLiteral("Connect a tool"));
        connect.close();

        CreateKeyDialog createKey(app->keys(), app->gateway().baseUrl(), &window);
        createKey.show();
        checkShown(&createKey, QStringLiteral("New key"));
        createKey.close();

        AddAccountDialog addAccount(3, &window);
        addAccount.show();
        checkShown(&addAccount, QStringLiteral("Paste credentials"));
        addAccount.close();

        SignInDialog signIn(services, &window);
        signIn.show();
        checkShown(&signIn, QStringLiteral("Sign in"));
        signIn.close();
    }
};

QTEST_MAIN(TstGuiXvfb)
#include "tst_guixvfb.moc"
