// SPDX-License-Identifier: MIT
#pragma once

#include <QWidget>

#include <functional>

class QPushButton;
class QSortFilterProxyModel;
class QTableView;

namespace Drawbridge {

class ApiKeyTableModel;
class CreateKeyDialog;
class KeyService;
class Prompter;

/** The Keys tab: every client key, create and revoke. */
class KeysWidget final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(KeysWidget)

public:
    KeysWidget(KeyService &keys, int defaultRpm, QString baseUrl, Prompter &prompter,
               QWidget *parent = nullptr);

    ApiKeyTableModel *model() const { return m_model; }
    QTableView *view() const { return m_view; }
    QPushButton *createButton() const { return m_createButton; }
    QPushButton *revokeButton() const { return m_revokeButton; }

    /** Called with each create dialog before it runs (tests fill it in and accept it). */
    void setDialogHook(std::function<void(CreateKeyDialog &)> hook) { m_dialogHook = std::move(hook); }

public Q_SLOTS:
    void createKey();
    void revokeSelected();

private:
    QString selectedId() const;
    void updateButtons();

    KeyService &m_keys;
    QString m_baseUrl;
    Prompter &m_prompter;
    ApiKeyTableModel *m_model;
    QSortFilterProxyModel *m_proxy;
    QTableView *m_view;
    QPushButton *m_createButton;
    QPushButton *m_revokeButton;
    std::function<void(CreateKeyDialog &)> m_dialogHook;
};

} // namespace Drawbridge
