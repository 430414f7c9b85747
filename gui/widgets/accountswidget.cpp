// SPDX-License-Identifier: MIT
#include "accountswidget.h"

#include <QFile>
#include <QFrame>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QTimer>
#include <QVBoxLayout>

#include "addaccountdialog.h"
#include "gui/models/accounttablemodel.h"
#include "gui/models/kiroclitokenstore.h"
#include "prompter.h"
#include "server/kiroprovider/kiroaccountmanager.h"
#include "server/kiroprovider/kiroidetokenfile.h"
#include "slotbardelegate.h"

namespace Drawbridge {

AccountsWidget::AccountsWidget(KiroAccountManager &accounts, int defaultSlots, Prompter &prompter,
                               QWidget *parent)
    : QWidget(parent)
    , m_accounts(accounts)
    , m_defaultSlots(defaultSlots)
    , m_prompter(prompter)
    , m_model(new AccountTableModel(accounts, {}, this))
    , m_proxy(new QSortFilterProxyModel(this))
    , m_view(new QTableView(this))
    , m_explanation(new QLabel(this))
    , m_progress(new QLabel(this))
    , m_import(new QPushButton(tr("&Import from Kiro IDE"), this))
    , m_importCli(new QPushButton(tr("Import from &kiro-cli"), this))
    , m_add(new QPushButton(tr("&Paste credentials…"), this))
    , m_toggle(new QPushButton(tr("&Disable"), this))
    , m_remove(new QPushButton(tr("Re&move…"), this))
    , m_tick(new QTimer(this))
{
    auto *warning
        = new QLabel(tr("<b>Careful:</b> pooling several accounts and running many requests at once "
                        "is unusual traffic for the provider. It can get accounts throttled or "
                        "suspended. Keep concurrency low and use accounts you are allowed to pool."),
                     this);
    warning->setWordWrap(true);
    warning->setFrameShape(QFrame::StyledPanel);
    warning->setMargin(8);
    warning->setAutoFillBackground(true);
    QPalette warn = warning->palette();
    warn.setColor(QPalette::Window, QColor(0xff, 0xf4, 0xce));
    warn.setColor(QPalette::WindowText, QColor(0x5c, 0x43, 0x00));
    warning->setPalette(warn);
    warning->setAccessibleName(tr("Pooling warning"));

    m_proxy->setSourceModel(m_model);
    m_view->setModel(m_proxy);
    m_view->setSortingEnabled(true);
    m_view->setItemDelegateForColumn(AccountTableModel::Slots, new SlotBarDelegate(m_view));
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->setAlternatingRowColors(true);
    m_view->verticalHeader()->hide();
    m_view->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_view->horizontalHeader()->setStretchLastSection(true);
    m_view->setAccessibleName(tr("Upstream accounts"));
    m_explanation->setWordWrap(true);
    m_explanation->setAccessibleName(tr("Status explanation"));
    m_progress->hide();

    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_import);
    buttons->addWidget(m_importCli);
    m_signIn = new QPushButton(tr("&Sign in…"), this);
    m_signIn->setToolTip(tr("Add an account by signing in with AWS Builder ID or IAM Identity Center"));
    connect(m_signIn, &QPushButton::clicked, this, &AccountsWidget::signInRequested);
    buttons->addWidget(m_signIn);
    m_signInAgain = new QPushButton(tr("Sign in &again…"), this);
    m_signInAgain->setToolTip(
        tr("Give the selected account a new login; it keeps its settings, slots and history"));
    connect(m_signInAgain, &QPushButton::clicked, this, [this] {
        const QString id = selectedId();
        if (const auto info = m_accounts.account(id))
            Q_EMIT signInAgainRequested(id, info->record.name.isEmpty() ? id : info->record.name);
    });
    buttons->addWidget(m_signInAgain);
    buttons->addWidget(m_add);
    buttons->addSpacing(16);
    buttons->addWidget(m_toggle);
    buttons->addWidget(m_remove);
    buttons->addStretch();
    buttons->addWidget(m_progress);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(warning);
    layout->addWidget(m_view, 1);
    layout->addWidget(m_explanation);
    layout->addLayout(buttons);

    m_import->setToolTip(tr("Adds the account the Kiro IDE on this computer is logged in with"));
    connect(m_import, &QPushButton::clicked, this, &AccountsWidget::importFromIde);
    m_importCli->setToolTip(tr("Adds the account kiro-cli on this computer is logged in with"));
    connect(m_importCli, &QPushButton::clicked, this, &AccountsWidget::importFromKiroCli);
    connect(m_add, &QPushButton::clicked, this, &AccountsWidget::addWithToken);
    connect(m_toggle, &QPushButton::clicked, this, &AccountsWidget::toggleEnabled);
    connect(m_remove, &QPushButton::clicked, this, &AccountsWidget::removeSelected);
    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &AccountsWidget::updateSelection);
    connect(m_model, &QAbstractItemModel::dataChanged, this, &AccountsWidget::updateSelection);
    connect(m_model, &QAbstractItemModel::modelReset, this, &AccountsWidget::updateSelection);
    connect(m_tick, &QTimer::timeout, m_model, &AccountTableModel::tick);
    // On a first run the user may log in to the Kiro IDE or kiro-cli while the window is open.
    connect(m_tick, &QTimer::timeout, this, [this] {
        if (m_model->rowCount() == 0)
            updateSelection();
    });
    m_tick->start(1000);
    updateSelection();
}

QString AccountsWidget::selectedId() const
{
    const QModelIndexList rows = m_view->selectionModel()->selectedRows();
    return rows.isEmpty() ? QString() : rows.first().data(AccountTableModel::AccountIdRole).toString();
}

void AccountsWidget::updateSelection()
{
    const QModelIndexList rows = m_view->selectionModel()->selectedRows();
    const bool selected = !rows.isEmpty();
    m_toggle->setEnabled(selected);
    m_remove->setEnabled(selected);
    // Only an account that lost its login has anything to sign in again for.
    m_signInAgain->setEnabled(selected
                              && AccountStatus(rows.first().data(AccountTableModel::StatusRole).toInt())
                                  == AccountStatus::NeedsLogin);
    if (!selected) {
        m_toggle->setText(tr("&Disable"));
        QString empty;
        if (m_model->rowCount() == 0) {
            // First run: say whether the Kiro IDE's or kiro-cli's login is there to import.
            const bool ide = QFile::exists(KiroIdeTokenFile::defaultPath());
            const bool cli = QFile::exists(KiroCliTokenStore::defaultPath());
            if (ide && cli)
                empty = tr("No account yet. The Kiro IDE and kiro-cli are logged in on this computer: click "
                           "Import from Kiro IDE or Import from kiro-cli to use their accounts.");
            else if (ide)
                empty
                    = tr("No account yet. The Kiro IDE is logged in on this computer: click Import from Kiro "
                         "IDE to use its account.");
            else if (cli)
                empty
                    = tr("No account yet. kiro-cli is logged in on this computer: click Import from kiro-cli "
                         "to use its account.");
            else
                empty = tr("No account yet. Log in to the Kiro IDE or kiro-cli and import its login, sign in "
                           "with AWS Builder ID, or add an account with its refresh token.");
        }
        m_explanation->setText(empty);
        return;
    }
    const QModelIndex row = rows.first();
    m_toggle->setText(row.data(AccountTableModel::EnabledRole).toBool() ? tr("&Disable") : tr("&Enable"));
    const auto status = AccountStatus(row.data(AccountTableModel::StatusRole).toInt());
    m_explanation->setText(AccountTableModel::statusExplanation(status));
}

void AccountsWidget::setBusy(bool busy, const QString &message)
{
    m_import->setEnabled(!busy);
    m_importCli->setEnabled(!busy);
    m_add->setEnabled(!busy);
    m_progress->setText(message);
    m_progress->setVisible(busy);
}

void AccountsWidget::importFromIde()
{
    setBusy(true, tr("Importing…"));
    m_accounts.importFromIdeFile({}, {}, std::nullopt, this, [this](const KiroAccountManager::Outcome &o) {
        setBusy(false);
        if (!o.ok())
            m_prompter.error(this, tr("Import from Kiro IDE"),
                             tr("The Kiro IDE login could not be imported: %1").arg(o.failure.message));
    });
}

void AccountsWidget::importFromKiroCli()
{
    const auto login = KiroCliTokenStore::read(KiroCliTokenStore::defaultPath(), m_clock->nowMs());
    if (!login) {
        m_prompter.error(this, tr("Import from kiro-cli"),
                         tr("The kiro-cli login could not be imported: %1").arg(login.error()));
        return;
    }
    setBusy(true, tr("Importing…"));
    m_accounts.addAccount(*login, this, [this](const KiroAccountManager::Outcome &o) {
        setBusy(false);
        if (!o.ok())
            m_prompter.error(this, tr("Import from kiro-cli"),
                             tr("The kiro-cli login could not be imported: %1").arg(o.failure.message));
    });
}

void AccountsWidget::addWithToken()
{
    AddAccountDialog dialog(m_defaultSlots, this);
    if (dialog.exec() != QDialog::Accepted)
        return;
    setBusy(true, tr("Checking the credentials…"));
    m_accounts.addAccount(dialog.account(), this, [this](const KiroAccountManager::Outcome &o) {
        setBusy(false);
        if (!o.ok())
            m_prompter.error(this, tr("Add account"),
                             tr("The account was not added: %1").arg(o.failure.message));
    });
}

void AccountsWidget::toggleEnabled()
{
    const QString id = selectedId();
    const auto info = m_accounts.account(id);
    if (!info)
        return;
    KiroAccountManager::Changes changes;
    changes.enabled = !info->record.enabled;
    const auto outcome = m_accounts.update(id, changes);
    if (!outcome.ok())
        m_prompter.error(this, tr("Account"), outcome.failure.message);
    updateSelection();
}

void AccountsWidget::removeSelected()
{
    const QString id = selectedId();
    const auto info = m_accounts.account(id);
    if (!info)
        return;
    const QString name = info->record.name.isEmpty() ? id : info->record.name;
    if (!m_prompter.confirm(
            this, tr("Remove account"),
            tr("Remove the account \"%1\" and delete its credentials from the keychain?").arg(name)))
        return;
    const auto outcome = m_accounts.remove(id);
    if (!outcome.ok())
        m_prompter.error(this, tr("Remove account"), outcome.failure.message);
}

} // namespace Drawbridge
