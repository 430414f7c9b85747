// SPDX-License-Identifier: MIT
#include "trayicon.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QDateTime>
#include <QLocale>
#include <QMenu>
#include <QTimer>

#include "gui/models/desktopservices.h"
#include "server/core/accountpool.h"
#include "server/gateway/keyservice.h"
#include "server/kiroprovider/kiroaccountmanager.h"

namespace Drawbridge {

QString TrayIcon::lowCreditThresholdKey()
{
    return QStringLiteral("tray/lowCreditThreshold");
}

TrayIcon::TrayIcon(DesktopServices &app, QObject *parent)
    : QSystemTrayIcon(parent)
    , m_app(app)
    , m_menu(new QMenu)
    , m_accountsMenu(nullptr)
    , m_capacity(nullptr)
    , m_serve(nullptr)
    , m_timer(new QTimer(this))
{
    QAction *open = m_menu->addAction(tr("&Open Drawbridge"));
    connect(open, &QAction::triggered, this, &TrayIcon::openWindowRequested);
    m_menu->setDefaultAction(open);
    m_capacity = m_menu->addAction(QString());
    m_capacity->setEnabled(false);
    m_menu->addSeparator();
    connect(m_menu->addAction(tr("Copy &base URL")), &QAction::triggered, this, &TrayIcon::copyBaseUrl);
    connect(m_menu->addAction(tr("Copy a &new client key")), &QAction::triggered, this,
            &TrayIcon::copyNewKey);
    connect(m_menu->addAction(tr("Connect a &tool…")), &QAction::triggered, this,
            &TrayIcon::connectToolRequested);
    m_menu->addSeparator();
    m_accountsMenu = m_menu->addMenu(tr("&Accounts"));
    connect(m_accountsMenu, &QMenu::aboutToShow, this, &TrayIcon::rebuildAccountsMenu);
    m_serve = m_menu->addAction(tr("&Stop serving"));
    connect(m_serve, &QAction::triggered, this, &TrayIcon::drain);
    m_menu->addSeparator();
    connect(m_menu->addAction(tr("&Quit")), &QAction::triggered, this, &TrayIcon::quitRequested);
    setContextMenu(m_menu);

    connect(this, &QSystemTrayIcon::activated, this, [this](ActivationReason reason) {
        if (reason == Trigger || reason == DoubleClick)
            Q_EMIT openWindowRequested();
    });
    connect(&m_app, &DesktopServices::drainingChanged, this, [this](bool draining) {
        if (!draining)
            m_stopped = false; // resumed
        updateState();
    });
    connect(&m_app, &DesktopServices::drained, this, [this] {
        m_stopped = true;
        updateState();
    });
    connect(&m_app, &DesktopServices::requestFinished, this, &TrayIcon::updateState);
    connect(&m_app.pool(), &AccountPool::statusChanged, this, &TrayIcon::updateState);
    connect(&m_app.accounts(), &KiroAccountManager::accountsChanged, this, &TrayIcon::rebuildAccountsMenu);
    connect(m_timer, &QTimer::timeout, this, &TrayIcon::updateState);
    m_timer->start(1000);
    rebuildAccountsMenu();
    updateState();
}

TrayIcon::~TrayIcon()
{
    delete m_menu;
}

QString TrayIcon::stateText() const
{
    switch (m_state) {
    case TrayState::Idle:
        return tr("Idle");
    case TrayState::Serving:
        return tr("Serving requests");
    case TrayState::Busy:
        return tr("Busy: every slot is in use, new requests wait");
    case TrayState::Limited:
        return tr("Rate limited: every account is cooling down or out of credits");
    case TrayState::Error:
        if (!m_app.keychainAvailable())
            return tr("Error: the system keychain is unavailable");
        return tr("Error: no account can serve (sign in again on the Accounts tab)");
    case TrayState::Draining:
        return tr("Stopping: finishing requests in flight");
    case TrayState::Stopped:
        return tr("Stopped: not accepting requests");
    case TrayState::SetUp:
        return tr("Set up: add a Kiro account to start serving");
    case TrayState::Paused:
        return tr("Paused: every account is paused");
    }
    return {};
}

QString TrayIcon::capacityText() const
{
    const PoolStatus pool = m_app.pool().status();
    double credits = 0;
    bool anyCredits = false;
    for (const KiroAccountManager::AccountInfo &a : m_app.accounts().accounts()) {
        if (a.record.enabled && a.creditsRemaining) {
            credits += *a.creditsRemaining;
            anyCredits = true;
        }
    }
    const QString slots = tr("%1 of %2 slots free").arg(pool.availableSlots).arg(pool.totalSlots);
    if (!anyCredits)
        return slots;
    return tr("%1 · %2 credits left").arg(slots, QLocale().toString(credits, 'f', 1));
}

void TrayIcon::updateState()
{
    TrayInputs in;
    in.stopped = m_stopped;
    in.draining = m_app.isDraining();
    in.keychainAvailable = m_app.keychainAvailable();
    in.pool = m_app.pool().status();
    in.inFlight = m_app.inFlight();
    const auto accounts = m_app.pool().accounts();
    in.accounts = int(accounts.size());
    for (const AccountPool::AccountView &a : accounts) {
        if (a.enabled)
            in.accountStatuses.push_back(a.status);
    }
    const TrayState state = trayStateFor(in);
    const bool changed = !m_initialized || state != m_state;
    m_initialized = true;
    m_state = state;
    // Slots and credits change without a state change: the tooltip and the menu line follow every tick.
    const QString capacity = capacityText();
    m_capacity->setText(capacity);
    setToolTip(tr("Drawbridge — %1\n%2\n%3").arg(stateText(), m_app.baseUrl(), capacity));
    checkCredits();
    if (!changed)
        return;
    setIcon(QIcon(trayIconPath(state)));
    // One action toggles: stopping can always be undone from the tray, and Quit is separate.
    const bool draining = m_app.isDraining();
    m_serve->setText(draining ? tr("&Resume serving") : tr("&Stop serving"));
    m_serve->setToolTip(draining ? tr("Accept new requests again")
                                 : tr("Finish the requests in flight and refuse new ones"));
}

void TrayIcon::rebuildAccountsMenu()
{
    m_accountsMenu->clear();
    const auto accounts = m_app.accounts().accounts();
    if (accounts.empty()) {
        m_accountsMenu->addAction(tr("No account yet"))->setEnabled(false);
        return;
    }
    for (const KiroAccountManager::AccountInfo &a : accounts) {
        QString label = a.record.name;
        if (a.creditsRemaining)
            label = tr("%1 — %2 credits left").arg(label, QLocale().toString(*a.creditsRemaining, 'f', 1));
        QAction *action = m_accountsMenu->addAction(label);
        action->setCheckable(true);
        action->setChecked(a.record.enabled);
        action->setToolTip(tr("Uncheck to pause this account; its requests go to the others"));
        const QString id = a.record.id;
        connect(action, &QAction::toggled, this, [this, id](bool on) { setAccountPaused(id, !on); });
    }
}

bool TrayIcon::setAccountPaused(const QString &accountId, bool paused)
{
    KiroAccountManager::Changes changes;
    changes.enabled = !paused;
    const auto outcome = m_app.accounts().update(accountId, changes);
    if (!outcome.ok()) {
        notify(tr("The account was not changed: %1").arg(outcome.failure.message), Warning);
        return false;
    }
    updateState();
    return true;
}

void TrayIcon::checkCredits()
{
    const double threshold
        = m_app.desktopPreference(lowCreditThresholdKey(), defaultLowCreditThreshold).toDouble();
    if (threshold <= 0)
        return;
    for (const KiroAccountManager::AccountInfo &a : m_app.accounts().accounts()) {
        const QString &id = a.record.id;
        if (!a.record.enabled || !a.creditsRemaining || *a.creditsRemaining >= threshold) {
            m_lowCreditWarned.remove(id); // warn again the next time it runs low
            continue;
        }
        if (m_lowCreditWarned.contains(id))
            continue;
        m_lowCreditWarned.insert(id);
        notify(tr("Account \"%1\" has %2 credits left.")
                   .arg(a.record.name, QLocale().toString(*a.creditsRemaining, 'f', 1)),
               Warning);
    }
}

void TrayIcon::notify(const QString &text, MessageIcon icon)
{
    m_lastMessage = text;
    showMessage(tr("Drawbridge"), text, icon, balloonMs);
}

void TrayIcon::copyBaseUrl()
{
    QApplication::clipboard()->setText(m_app.baseUrl() + QStringLiteral("/v1"));
    notify(tr("Base URL copied"), Information);
}

bool TrayIcon::copyNewKey()
{
    KeyService::NewKey request;
    request.name
        = tr("tray key %1").arg(QDateTime::currentDateTime().toString(QStringLiteral("yyyy-MM-dd HH:mm")));
    const auto created = m_app.keys().create(request);
    if (!created.ok()) {
        notify(tr("No key was created: %1").arg(created.error()), Warning);
        return false;
    }
    QApplication::clipboard()->setText(created->key);
    notify(tr("New client key \"%1\" copied. It is shown only this once.").arg(created->record.name),
           Information);
    return true;
}

void TrayIcon::drain()
{
    if (m_app.isDraining())
        m_app.resume();
    else
        m_app.drain();
    updateState();
}

} // namespace Drawbridge
