// SPDX-License-Identifier: MIT
#include "keyswidget.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QVBoxLayout>

#include "createkeydialog.h"
#include "emptyhint.h"
#include "gui/models/apikeytablemodel.h"
#include "prompter.h"
#include "server/gateway/keyservice.h"

namespace Drawbridge {

KeysWidget::KeysWidget(KeyService &keys, int defaultRpm, QString baseUrl, Prompter &prompter, QWidget *parent)
    : QWidget(parent)
    , m_keys(keys)
    , m_baseUrl(std::move(baseUrl))
    , m_prompter(prompter)
    , m_model(new ApiKeyTableModel(keys, defaultRpm, this))
    , m_proxy(new QSortFilterProxyModel(this))
    , m_view(new QTableView(this))
    , m_createButton(new QPushButton(tr("&New key…"), this))
    , m_revokeButton(new QPushButton(tr("&Revoke…"), this))
{
    m_proxy->setSourceModel(m_model);
    m_proxy->setSortRole(Qt::UserRole);
    m_view->setModel(m_proxy);
    m_view->setSortingEnabled(true);
    m_view->sortByColumn(ApiKeyTableModel::Created, Qt::AscendingOrder);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->setAlternatingRowColors(true);
    m_view->verticalHeader()->hide();
    m_view->horizontalHeader()->setStretchLastSection(true);
    m_view->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_view->setEditTriggers(QAbstractItemView::DoubleClicked | QAbstractItemView::EditKeyPressed);
    m_view->setAccessibleName(tr("Client keys"));
    m_createButton->setAccessibleName(tr("Create a new client key"));
    m_revokeButton->setAccessibleName(tr("Revoke the selected key"));

    auto *hint = new QLabel(tr("Client keys let IDE tools and scripts use the gateway. Each key has its own "
                               "rate limit and may be limited to some models. Double-click a name, limit or "
                               "model list to edit it."),
                            this);
    hint->setWordWrap(true);
    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_createButton);
    buttons->addWidget(m_revokeButton);
    buttons->addStretch();
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(hint);
    layout->addWidget(
        new EmptyHint(*m_model,
                      tr("No client key yet. Click New key… to make one, or Connect a tool… (top "
                         "right) to set up Claude Code, Codex, opencode or Continue with a new key."),
                      this));
    layout->addWidget(m_view, 1);
    layout->addLayout(buttons);

    connect(m_createButton, &QPushButton::clicked, this, &KeysWidget::createKey);
    connect(m_revokeButton, &QPushButton::clicked, this, &KeysWidget::revokeSelected);
    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &KeysWidget::updateButtons);
    connect(m_model, &QAbstractItemModel::dataChanged, this, &KeysWidget::updateButtons);
    updateButtons();
}

void KeysWidget::createKey()
{
    CreateKeyDialog dialog(m_keys, m_baseUrl, this);
    if (m_dialogHook)
        m_dialogHook(dialog);
    else
        dialog.exec();
    if (!dialog.createdId().isEmpty()) {
        const int row = m_model->rowOf(dialog.createdId());
        if (row >= 0)
            m_view->selectRow(m_proxy->mapFromSource(m_model->index(row, 0)).row());
    }
}

QString KeysWidget::selectedId() const
{
    const QModelIndexList rows = m_view->selectionModel()->selectedRows();
    if (rows.isEmpty())
        return {};
    return rows.first().data(ApiKeyTableModel::KeyIdRole).toString();
}

void KeysWidget::revokeSelected()
{
    const QString id = selectedId();
    const auto record = m_keys.find(id);
    if (!record || record->revokedAtMs)
        return;
    if (!m_prompter.confirm(
            this, tr("Revoke key"),
            tr("Revoke the key \"%1\" (%2)? Clients using it are refused from the next request "
               "on. This cannot be undone.")
                .arg(record->name, record->id)))
        return;
    const auto revoked = m_keys.revoke(id);
    if (!revoked.ok())
        m_prompter.error(this, tr("Revoke key"), tr("The key could not be revoked: %1").arg(revoked.error()));
}

void KeysWidget::updateButtons()
{
    const QModelIndexList rows = m_view->selectionModel()->selectedRows();
    m_revokeButton->setEnabled(!rows.isEmpty() && !rows.first().data(ApiKeyTableModel::RevokedRole).toBool());
}

} // namespace Drawbridge
