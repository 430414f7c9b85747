// SPDX-License-Identifier: MIT
#pragma once

#include <QDialog>

class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QRadioButton;
class QTabWidget;

namespace Drawbridge {

class DesktopServices;

/**
 * @brief Connect a tool: shows the change to Claude Code's, Codex's, opencode's or Continue's own config,
 * writes it with a new or a pasted key (keeping a backup) and undoes it; plus copyable snippets for the rest.
 */
class ConnectDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ConnectDialog)

public:
    explicit ConnectDialog(DesktopServices &services, QWidget *parent = nullptr);

    QComboBox *tool() const { return m_tool; }
    QRadioButton *newKey() const { return m_newKey; }
    QRadioButton *existingKey() const { return m_existingKey; }
    QLineEdit *keyField() const { return m_key; }
    QPlainTextEdit *diff() const { return m_diff; }
    QPushButton *connectButton() const { return m_connect; }
    QPushButton *undoButton() const { return m_undo; }
    QLabel *status() const { return m_status; }
    QComboBox *snippetKind() const { return m_snippetKind; }
    QPlainTextEdit *snippet() const { return m_snippet; }
    QPushButton *copySnippetButton() const { return m_copySnippet; }

public Q_SLOTS:
    /** Shows what connecting the chosen tool would change. */
    void refresh();
    /** Writes the change shown; false (and the reason in status()) when it could not. */
    bool connectTool();
    bool undo();
    void copySnippet();

private:
    QString currentTool() const;
    QString chosenKey() const;
    void updateSnippet();
    void showStatus(const QString &text, bool error);

    DesktopServices &m_services;
    QTabWidget *m_tabs;
    QComboBox *m_tool;
    QRadioButton *m_newKey;
    QRadioButton *m_existingKey;
    QLineEdit *m_key;
    QLabel *m_file;
    QPlainTextEdit *m_diff;
    QPushButton *m_connect;
    QPushButton *m_undo;
    QLabel *m_status;
    QComboBox *m_snippetKind;
    QPlainTextEdit *m_snippet;
    QPushButton *m_copySnippet;
    QString m_lastKey; ///< the key written by the last connect, for the snippets
    bool m_planOk = false;
};

} // namespace Drawbridge
