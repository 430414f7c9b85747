// SPDX-License-Identifier: MIT
#pragma once

#include <QWidget>

#include "server/core/clock.h"

class QLabel;
class QPushButton;
class QSortFilterProxyModel;
class QTableView;
class QTimer;

namespace Drawbridge {

class AccountTableModel;
class KiroAccountManager;
class Prompter;

/** The Accounts tab: upstream accounts with status, slot bars, cooldowns and credits; add/enable/remove. */
class AccountsWidget final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(AccountsWidget)

public:
    AccountsWidget(KiroAccountManager &accounts, int defaultSlots, Prompter &prompter,
                   QWidget *parent = nullptr);

    AccountTableModel *model() const { return m_model; }
    QTableView *view() const { return m_view; }
    QPushButton *signInButton() const { return m_signIn; }
    QPushButton *signInAgainButton() const { return m_signInAgain; }
    QPushButton *importFromKiroCliButton() const { return m_importCli; }
    /** What "now" is when deciding whether kiro-cli's registered client has expired (tests). */
    void setClock(const Clock &clock) { m_clock = &clock; }

Q_SIGNALS:
    /** "Sign in…": the window runs the device-code sign-in (it needs more than the account manager). */
    void signInRequested();
    /** "Sign in again…" for an account that needs a new login: the window runs the sign-in for it. */
    void signInAgainRequested(const QString &accountId, const QString &name);

public Q_SLOTS:
    void importFromIde();
    void importFromKiroCli();
    void addWithToken();
    void toggleEnabled();
    void removeSelected();

private:
    QString selectedId() const;
    void updateSelection();
    void setBusy(bool busy, const QString &message = {});

    KiroAccountManager &m_accounts;
    int m_defaultSlots;
    Prompter &m_prompter;
    AccountTableModel *m_model;
    QSortFilterProxyModel *m_proxy;
    QTableView *m_view;
    QLabel *m_explanation;
    QLabel *m_progress;
    QPushButton *m_import;
    QPushButton *m_importCli;
    QPushButton *m_signIn;
    QPushButton *m_signInAgain;
    QPushButton *m_add;
    QPushButton *m_toggle;
    QPushButton *m_remove;
    QTimer *m_tick;
    SystemClock m_systemClock;
    const Clock *m_clock = &m_systemClock;
};

} // namespace Drawbridge
