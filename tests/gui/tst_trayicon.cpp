// SPDX-License-Identifier: MIT
// The tray against a real gateway pooling accounts of the fake Kiro upstream.
#include <QAction>
#include <QMenu>
#include <QTest>

#include "app/applicationdesktopservices.h"
#include "gui/widgets/trayicon.h"
#include "guiapplication.h"
#include "server/core/accountpool.h"
#include "server/kiroprovider/kiroaccountmanager.h"
#include "tests/fakekiro/fakekiroupstream.h"

using namespace Drawbridge;
using namespace Drawbridge::Test;

class TstTrayIcon : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<FakeKiroUpstream> m_fake;
    std::unique_ptr<Application> m_app;
    std::unique_ptr<ApplicationDesktopServices> m_services;
    QStringList m_ids;

    QString addAccount(const QString &name, double used)
    {
        FakeKiroUpstream::Account upstream;
        upstream.name = name;
        upstream.refreshToken = QStringLiteral("refresh-") + name;
        upstream.usageLimit = 50.0;
        upstream.currentUsage = used;
        m_fake->addAccount(upstream);
        KiroAccountManager::NewAccount account;
        account.name = name;
        account.authMethod = QStringLiteral("social");
        account.refreshToken = upstream.refreshToken;
        account.slots = 2;
        QString id;
        bool done = false;
        m_app->accounts().addAccount(account, this, [&](const KiroAccountManager::Outcome &o) {
            done = true;
            if (o.ok())
                id = o.account->record.id;
        });
        if (!QTest::qWaitFor([&] { return done; }, 10'000))
            return {};
        return id;
    }

private Q_SLOTS:
    void init()
    {
        m_fake = std::make_unique<FakeKiroUpstream>();
        QVERIFY(m_fake->listen());
        const QString base = m_fake->baseUrl().toString();
        m_app = startEphemeralApplication([&](Settings &s) {
            s.kiro.apiBaseUrl = base;
            s.kiro.socialAuthBaseUrl = base;
            s.kiro.oidcBaseUrl = base;
        });
        QVERIFY(m_app);
        m_services = std::make_unique<ApplicationDesktopServices>(*m_app);
        m_ids.clear();
        for (const auto &[name, used] : { std::pair { "alice", 45.0 }, std::pair { "bob", 0.0 } }) {
            const QString id = addAccount(QString::fromLatin1(name), used);
            QVERIFY(!id.isEmpty());
            m_ids.append(id);
        }
    }

    void cleanup()
    {
        m_services.reset();
        m_app.reset();
        m_fake.reset();
    }

    void showsSlotsAndCreditsAndWarnsOnceWhenLow()
    {
        TrayIcon tray(*m_services);
        // alice has 5 of 50 credits left, under the default threshold of 10; bob has 50.
        QTRY_VERIFY_WITH_TIMEOUT(tray.capacityText().contains(QStringLiteral("55.0 credits left")), 10'000);
        QVERIFY(tray.capacityText().startsWith(QStringLiteral("4 of 4 slots free")));
        QVERIFY(tray.toolTip().contains(QStringLiteral("slots free")));
        QTRY_COMPARE(tray.lastMessage(), QStringLiteral("Account \"alice\" has 5.0 credits left."));
        tray.updateState();
        QCOMPARE(tray.lastMessage(), QStringLiteral("Account \"alice\" has 5.0 credits left."));
        QCOMPARE(tray.state(), TrayState::Idle);

        // The threshold is a preference: 0 turns the warning off.
        m_services->setDesktopPreference(TrayIcon::lowCreditThresholdKey(), 0.0);
        TrayIcon quiet(*m_services);
        quiet.updateState();
        QCOMPARE(quiet.lastMessage(), QString());
    }

    void pausesAnAccountFromTheMenu()
    {
        TrayIcon tray(*m_services);
        Q_EMIT tray.accountsMenu()->aboutToShow();
        const QList<QAction *> actions = tray.accountsMenu()->actions();
        QCOMPARE(actions.size(), 2);
        QVERIFY(actions[0]->isCheckable() && actions[0]->isChecked());
        actions[0]->setChecked(false); // pause the first account
        QTRY_VERIFY(!m_app->accounts().account(m_ids[0])->record.enabled);
        QCOMPARE(m_app->pool().status().enabledAccounts, 1);
        QVERIFY(tray.setAccountPaused(m_ids[1], true));
        QCOMPARE(tray.state(), TrayState::Paused);
        QVERIFY(tray.toolTip().contains(QStringLiteral("Paused")));
        QVERIFY(tray.setAccountPaused(m_ids[0], false));
        QVERIFY(tray.setAccountPaused(m_ids[1], false));
        QVERIFY(tray.state() != TrayState::Paused);
    }

    void allSlotsInUseIsBusyNotRateLimited()
    {
        TrayIcon tray(*m_services);
        std::vector<SlotLease> leases;
        for (int i = 0; i < 4; ++i) {
            AccountPool::Acquisition got
                = m_app->pool().acquire({}, [](SlotLease, std::optional<ProviderError>) {});
            QVERIFY(got.lease);
            leases.push_back(std::move(got.lease));
        }
        tray.updateState();
        QCOMPARE(tray.state(), TrayState::Busy);
        QVERIFY(tray.toolTip().contains(QStringLiteral("Busy")));
        QVERIFY(tray.capacityText().startsWith(QStringLiteral("0 of 4 slots free")));
        leases.clear();
        tray.updateState();
        QCOMPARE(tray.state(), TrayState::Idle);
    }

    void stopAndResumeServing()
    {
        TrayIcon tray(*m_services);
        QCOMPARE(tray.serveAction()->text(), QStringLiteral("&Stop serving"));
        tray.serveAction()->trigger();
        QVERIFY(m_services->isDraining());
        QTRY_COMPARE(tray.state(), TrayState::Stopped);
        QCOMPARE(tray.serveAction()->text(), QStringLiteral("&Resume serving"));
        tray.serveAction()->trigger();
        QVERIFY(!m_services->isDraining());
        QCOMPARE(tray.serveAction()->text(), QStringLiteral("&Stop serving"));
    }
};

QTEST_MAIN(TstTrayIcon)
#include "tst_trayicon.moc"
