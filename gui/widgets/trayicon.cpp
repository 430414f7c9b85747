// SPDX-License-Identifier: MIT
#include "trayicon.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QDateTime>
#include <QMenu>
#include <QTimer>

#include "gui/models/desktopservices.h"
#include "server/core/accountpool.h"
#include "server/gateway/keyservice.h"

namespace Drawbridge {

TrayIcon::TrayIcon(DesktopServices &app, QObject *parent)
    : QSystemTrayIcon(parent), m_app(app), m_menu(new QMenu), m_drain(nullptr), m_timer(new QTimer(this))
{
    QAction *open = m_menu->addAction(tr("&Open Drawbridge"));
    connect(open, &QAction::triggered, this, &TrayIcon::openWindowRequested);
    m_menu->setDefaultAction(open);
    m_menu->addSeparator();
    connect(m_menu->addAction(tr("Copy &base URL")), &QAction::triggered, this, &TrayIcon::copyBaseUrl);
    connect(m_menu->addAction(tr("Copy a &new client key")), &QAction::triggered, this,
            &TrayIcon::copyNewKey);
    connect(m_menu->addAction(tr("Connect a &tool…")), &QAction::triggered, this,
            &TrayIcon::connectToolRequested);
    m_menu->addSeparator();
    m_drain = m_menu->addAction(tr("&Drain server"));
    m_drain->setToolTip(tr("Finish the requests in flight and refuse new ones"));
    connect(m_drain, &QAction::triggered, this, &TrayIcon::drain);
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
    connect(m_timer, &QTimer::timeout, this, &TrayIcon::updateState);
    m_timer->start(1000);
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
    case TrayState::Limited:
        return tr("Rate limited: every account is cooling down or busy");
    case TrayState::Error:
        if (!m_app.keychainAvailable())
            return tr("Error: the system keychain is unavailable");
        return tr("Error: no usable account");
    case TrayState::Draining:
        return tr("Draining: finishing requests in flight");
    case TrayState::Stopped:
        return tr("Drained: not accepting requests");
    }
    return {};
}

void TrayIcon::updateState()
{
    TrayInputs in;
    in.stopped = m_stopped;
    in.draining = m_app.isDraining();
    in.keychainAvailable = m_app.keychainAvailable();
    in.pool = m_app.pool().status();
    in.inFlight = m_app.inFlight();
    for (const AccountPool::AccountView &a : m_app.pool().accounts()) {
        if (a.enabled)
            in.accountStatuses.push_back(a.status);
    }
    const TrayState state = trayStateFor(in);
    if (m_initialized && state == m_state)
        return;
    m_initialized = true;
    m_state = state;
    setIcon(QIcon(trayIconPath(state)));
    setToolTip(tr("Drawbridge — %1\n%2").arg(stateText(), m_app.baseUrl()));
    // One action toggles: a drain can always be undone from the tray.
    const bool draining = m_app.isDraining();
    m_drain->setText(draining ? tr("&Resume serving") : tr("&Drain server"));
    m_drain->setToolTip(draining ? tr("Accept new requests again")
                                 : tr("Finish the requests in flight and refuse new ones"));
}

void TrayIcon::copyBaseUrl()
{
    QApplication::clipboard()->setText(m_app.baseUrl() + QStringLiteral("/v1"));
    showMessage(tr("Drawbridge"), tr("Base URL copied"), QSystemTrayIcon::Information, 2000);
}

bool TrayIcon::copyNewKey()
{
    KeyService::NewKey request;
    request.name
        = tr("tray key %1").arg(QDateTime::currentDateTime().toString(QStringLiteral("yyyy-MM-dd HH:mm")));
    const auto created = m_app.keys().create(request);
    if (!created.ok()) {
        showMessage(tr("Drawbridge"), tr("No key was created: %1").arg(created.error()),
                    QSystemTrayIcon::Warning);
        return false;
    }
    QApplication::clipboard()->setText(created->key);
    showMessage(tr("Drawbridge"),
                tr("New client key \"%1\" copied. It is shown only this once.").arg(created->record.name),
                QSystemTrayIcon::Information, 4000);
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
