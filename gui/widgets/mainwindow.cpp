// SPDX-License-Identifier: MIT
#include "mainwindow.h"

#include <QAction>
#include <QCloseEvent>
#include <QIcon>
#include <QLabel>
#include <QPushButton>
#include <QScrollArea>
#include <QStatusBar>
#include <QTabWidget>
#include <QTimer>
#include <QVBoxLayout>

#include "accountswidget.h"
#include "connectdialog.h"
#include "gui/models/apikeytablemodel.h"
#include "gui/models/desktopservices.h"
#include "gui/models/requestlogmodel.h"
#include "keyswidget.h"
#include "limitswidget.h"
#include "logwidget.h"
#include "server/core/accountpool.h"
#include "server/gateway/keyservice.h"
#include "server/kiroprovider/kiroaccountmanager.h"
#include "settingswidget.h"
#include "signindialog.h"
#include "usagewidget.h"

namespace Drawbridge {

MainWindow::MainWindow(DesktopServices &app, Prompter &prompter, QWidget *parent)
    : QMainWindow(parent)
    , m_app(app)
    , m_requestLog(new RequestLogModel(1000, this))
    , m_tabs(new QTabWidget(this))
    , m_keys(new KeysWidget(app.keys(), app.settings().limits.defaultRpm, app.baseUrl(), prompter, this))
    , m_accounts(new AccountsWidget(app.accounts(), app.settings().kiro.slotsPerAccount, prompter, this))
    , m_usage(new UsageWidget(app.usage(), prompter, {}, this))
    , m_limits(new LimitsWidget(app.keys(), app.limiter(), app.settings().limits.defaultRpm, this))
    , m_log(new LogWidget(*m_requestLog, this))
    , m_settings(new SettingsWidget(app, this))
    , m_status(new QLabel(this))
    , m_keychainBanner(new QLabel(this))
{
    setWindowTitle(tr("Drawbridge"));
    setWindowIcon(QIcon(QStringLiteral(":/icons/app/drawbridge.svg")));
    resize(960, 600);
    m_tabs->addTab(m_keys, tr("&Keys"));
    m_tabs->addTab(m_accounts, tr("&Accounts"));
    m_tabs->addTab(m_usage, tr("&Usage"));
    m_tabs->addTab(m_limits, tr("&Limits"));
    m_tabs->addTab(m_log, tr("L&og"));
    // The Settings tab is taller than the window's default size.
    auto *settingsScroll = new QScrollArea(m_tabs);
    settingsScroll->setWidget(m_settings);
    settingsScroll->setWidgetResizable(true);
    settingsScroll->setFrameShape(QFrame::NoFrame);
    m_tabs->addTab(settingsScroll, tr("&Settings"));
    m_tabs->setAccessibleName(tr("Drawbridge sections"));
    m_tabs->setDocumentMode(true);
    auto *connectTool = new QPushButton(tr("Connect a &tool…"), m_tabs);
    connectTool->setToolTip(
        tr("Point Claude Code, Codex, opencode or Continue at this gateway, or copy a snippet"));
    connect(connectTool, &QPushButton::clicked, this, &MainWindow::openConnectDialog);
    m_tabs->setCornerWidget(connectTool, Qt::TopRightCorner);
    connect(m_accounts, &AccountsWidget::signInRequested, this, &MainWindow::openSignInDialog);
    connect(m_accounts, &AccountsWidget::signInAgainRequested, this, &MainWindow::openSignInAgainDialog);
    auto *central = new QWidget(this);
    auto *centralLayout = new QVBoxLayout(central);
    centralLayout->setContentsMargins(0, 0, 0, 0);
    m_keychainBanner->setWordWrap(true);
    m_keychainBanner->setFrameShape(QFrame::StyledPanel);
    m_keychainBanner->setMargin(8);
    m_keychainBanner->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_keychainBanner->setAccessibleName(tr("Keychain problem"));
    // One banner instead of an error per secret: what is missing, what it costs and how to fix it.
    m_keychainBanner->setText(
        tr("No system keychain: account credentials cannot be saved and the admin token lasts for this run "
           "only. "
           "Install and unlock a Secret Service keyring (GNOME Keyring or KeePassXC with Secret Service "
           "enabled) and restart Drawbridge, or set DRAWBRIDGE_ADMIN_TOKEN. (%1)")
            .arg(app.keychainProblem()));
    m_keychainBanner->setVisible(!app.isEphemeral() && !app.keychainAvailable());
    centralLayout->addWidget(m_keychainBanner);
    centralLayout->addWidget(m_tabs, 1);
    setCentralWidget(central);
    // A first run starts where the setup starts: adding an account.
    if (app.accounts().accounts().empty())
        m_tabs->setCurrentIndex(AccountsTab);
    statusBar()->addWidget(m_status, 1);
    m_status->setAccessibleName(tr("Gateway status"));

    for (int i = 0; i < m_tabs->count(); ++i) {
        auto *go = new QAction(this);
        go->setShortcut(QKeySequence(Qt::CTRL | Qt::Key(Qt::Key_1 + i)));
        connect(go, &QAction::triggered, this, [this, i] { m_tabs->setCurrentIndex(i); });
        addAction(go);
    }
    auto *closeAction = new QAction(this);
    closeAction->setShortcut(QKeySequence::Close);
    connect(closeAction, &QAction::triggered, this, &QWidget::close);
    addAction(closeAction);
    auto *quitAction = new QAction(this);
    quitAction->setShortcut(QKeySequence::Quit);
    connect(quitAction, &QAction::triggered, this, &MainWindow::quitRequested);
    addAction(quitAction);

    connect(&app, &DesktopServices::requestFinished, m_requestLog, &RequestLogModel::append);
    connect(&app, &DesktopServices::requestFinished, m_keys->model(),
            [model = m_keys->model()](const RequestRecord &r) {
                if (!r.keyId.isEmpty())
                    model->refreshKey(r.keyId);
            });
    connect(&app, &DesktopServices::drainingChanged, this, &MainWindow::updateStatus);
    connect(&app.pool(), &AccountPool::statusChanged, this, &MainWindow::updateStatus);
    auto *timer = new QTimer(this);
    connect(timer, &QTimer::timeout, this, &MainWindow::updateStatus);
    timer->start(2000);
    updateStatus();
}

void MainWindow::bringToFront()
{
    if (isMinimized())
        setWindowState(windowState() & ~Qt::WindowMinimized);
    show();
    raise();
    activateWindow();
}

void MainWindow::openConnectDialog()
{
    ConnectDialog dialog(m_app, this);
    if (m_connectHook)
        m_connectHook(dialog);
    dialog.exec();
    m_keys->model()->reload();
}

void MainWindow::openSignInDialog()
{
    SignInDialog dialog(m_app, this);
    if (m_signInHook)
        m_signInHook(dialog);
    dialog.exec();
}

void MainWindow::openSignInAgainDialog(const QString &accountId, const QString &name)
{
    SignInDialog dialog(m_app, this);
    dialog.setAccountToReplace(accountId, name);
    if (m_signInHook)
        m_signInHook(dialog);
    dialog.exec();
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    hide();
    event->ignore();
    Q_EMIT closed();
}

void MainWindow::updateStatus()
{
    const PoolStatus pool = m_app.pool().status();
    QString state = m_app.isDraining() ? tr("draining") : tr("listening");
    m_status->setText(tr("%1 on %2 · %3 of %4 accounts usable · %5/%6 slots free · %7 in flight · %8 queued")
                          .arg(state, m_app.baseUrl())
                          .arg(pool.usableAccounts)
                          .arg(pool.enabledAccounts)
                          .arg(pool.availableSlots)
                          .arg(pool.totalSlots)
                          .arg(m_app.inFlight())
                          .arg(pool.queued));
}

} // namespace Drawbridge
