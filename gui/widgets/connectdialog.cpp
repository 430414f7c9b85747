// SPDX-License-Identifier: MIT
#include "connectdialog.h"

#include <QApplication>
#include <QButtonGroup>
#include <QClipboard>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFontDatabase>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QTabWidget>
#include <QTimer>
#include <QVBoxLayout>

#include "gui/models/clientsnippets.h"
#include "gui/models/desktopservices.h"

namespace Drawbridge {

ConnectDialog::ConnectDialog(DesktopServices &services, QWidget *parent)
    : QDialog(parent)
    , m_services(services)
    , m_tabs(new QTabWidget(this))
    , m_tool(new QComboBox(this))
    , m_newKey(new QRadioButton(tr("Create a &new key named after the tool"), this))
    , m_existingKey(new QRadioButton(tr("Use a key I &have:"), this))
    , m_key(new QLineEdit(this))
    , m_file(new QLabel(this))
    , m_diff(new QPlainTextEdit(this))
    , m_connect(new QPushButton(tr("&Connect"), this))
    , m_undo(new QPushButton(tr("&Undo"), this))
    , m_status(new QLabel(this))
    , m_snippetKind(new QComboBox(this))
    , m_snippet(new QPlainTextEdit(this))
    , m_copySnippet(new QPushButton(tr("&Copy"), this))
{
    setWindowTitle(tr("Connect a tool"));
    resize(720, 520);
    const QFont fixed = QFontDatabase::systemFont(QFontDatabase::FixedFont);

    auto *toolPage = new QWidget(m_tabs);
    auto *form = new QFormLayout;
    for (const QString &tool : m_services.connectableTools())
        m_tool->addItem(m_services.toolDisplayName(tool), tool);
    m_tool->setAccessibleName(tr("Tool"));
    form->addRow(tr("&Tool:"), m_tool);
    auto *keys = new QButtonGroup(this);
    keys->addButton(m_newKey);
    keys->addButton(m_existingKey);
    m_newKey->setChecked(true);
    m_key->setPlaceholderText(tr("db-… (keys are shown only once, when they are created)"));
    m_key->setEchoMode(QLineEdit::Password);
    m_key->setEnabled(false);
    m_key->setAccessibleName(tr("Existing client key"));
    auto *existingRow = new QHBoxLayout;
    existingRow->addWidget(m_existingKey);
    existingRow->addWidget(m_key, 1);
    form->addRow(tr("Key:"), m_newKey);
    form->addRow(QString(), existingRow);
    m_file->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_file->setWordWrap(true);
    form->addRow(tr("File:"), m_file);
    m_diff->setReadOnly(true);
    m_diff->setFont(fixed);
    m_diff->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_diff->setAccessibleName(tr("The change to the tool's config"));
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_connect->setToolTip(tr("Write the change shown above; the original file is kept as a backup"));
    m_undo->setToolTip(tr("Put the tool's config back as it was before Drawbridge changed it"));
    auto *actions = new QHBoxLayout;
    actions->addWidget(m_status, 1);
    actions->addWidget(m_undo);
    actions->addWidget(m_connect);
    auto *toolLayout = new QVBoxLayout(toolPage);
    toolLayout->addLayout(form);
    toolLayout->addWidget(new QLabel(tr("This change will be made:"), toolPage));
    toolLayout->addWidget(m_diff, 1);
    toolLayout->addLayout(actions);
    m_tabs->addTab(toolPage, tr("Tool &config"));

    auto *snippetPage = new QWidget(m_tabs);
    for (ClientSnippets::Kind kind : ClientSnippets::kinds())
        m_snippetKind->addItem(ClientSnippets::title(kind), int(kind));
    m_snippetKind->setAccessibleName(tr("Client"));
    m_snippet->setReadOnly(true);
    m_snippet->setFont(fixed);
    m_snippet->setAccessibleName(tr("Snippet"));
    auto *urls = new QLabel(tr("OpenAI base URL: %1\nAnthropic base URL: %2")
                                .arg(ClientSnippets::openAiBaseUrl(m_services.baseUrl()),
                                     ClientSnippets::anthropicBaseUrl(m_services.baseUrl())),
                            snippetPage);
    urls->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto *snippetTop = new QHBoxLayout;
    snippetTop->addWidget(new QLabel(tr("C&lient:"), snippetPage));
    snippetTop->addWidget(m_snippetKind, 1);
    snippetTop->addWidget(m_copySnippet);
    auto *snippetLayout = new QVBoxLayout(snippetPage);
    snippetLayout->addWidget(urls);
    snippetLayout->addLayout(snippetTop);
    snippetLayout->addWidget(m_snippet, 1);
    m_tabs->addTab(snippetPage, tr("&Snippets"));

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_tabs, 1);
    layout->addWidget(buttons);

    connect(m_tool, &QComboBox::currentIndexChanged, this, &ConnectDialog::refresh);
    connect(m_newKey, &QRadioButton::toggled, this, [this](bool on) {
        m_key->setEnabled(!on);
        refresh();
    });
    connect(m_key, &QLineEdit::textChanged, this, &ConnectDialog::refresh);
    connect(m_connect, &QPushButton::clicked, this, &ConnectDialog::connectTool);
    connect(m_undo, &QPushButton::clicked, this, &ConnectDialog::undo);
    connect(m_snippetKind, &QComboBox::currentIndexChanged, this, &ConnectDialog::updateSnippet);
    connect(m_copySnippet, &QPushButton::clicked, this, &ConnectDialog::copySnippet);
    refresh();
}

QString ConnectDialog::currentTool() const
{
    return m_tool->currentData().toString();
}

QString ConnectDialog::chosenKey() const
{
    return m_existingKey->isChecked() ? m_key->text().trimmed() : QString();
}

void ConnectDialog::showStatus(const QString &text, bool error)
{
    m_status->setText(error ? tr("Not possible: %1").arg(text) : text);
}

void ConnectDialog::refresh()
{
    const QString tool = currentTool();
    m_undo->setEnabled(m_services.canUndoToolConnection(tool));
    updateSnippet();
    if (m_existingKey->isChecked() && !chosenKey().startsWith(QLatin1String("db-"))) {
        m_planOk = false;
        m_connect->setEnabled(false);
        m_diff->clear();
        showStatus(tr("Paste a Drawbridge client key (db-…), or let Drawbridge create one."), false);
        return;
    }
    const auto change = m_services.planToolConnection(tool, chosenKey());
    m_planOk = change.ok();
    if (!change) {
        m_file->clear();
        m_diff->clear();
        m_connect->setEnabled(false);
        showStatus(change.error(), true);
        return;
    }
    m_file->setText(change->filePath);
    const bool unchanged = change->diff.isEmpty();
    m_diff->setPlainText(unchanged ? tr("Nothing to change: %1 already uses this gateway with this key.")
                                         .arg(m_services.toolDisplayName(tool))
                                   : change->diff);
    m_connect->setEnabled(!unchanged);
    showStatus(change->exists ? tr("The current file is kept as a backup for Undo.")
                              : tr("The file does not exist yet; Undo removes it again."),
               false);
}

bool ConnectDialog::connectTool()
{
    const QString tool = currentTool();
    const auto change = m_services.planToolConnection(tool, chosenKey());
    if (!change) {
        showStatus(change.error(), true);
        return false;
    }
    const auto written = m_services.applyToolConnection(*change, chosenKey());
    if (!written) {
        showStatus(written.error(), true);
        return false;
    }
    m_lastKey = *written;
    refresh();
    showStatus(tr("%1 now uses Drawbridge (%2). Restart it if it is running.")
                   .arg(m_services.toolDisplayName(tool), change->filePath),
               false);
    return true;
}

bool ConnectDialog::undo()
{
    const QString tool = currentTool();
    const Status undone = m_services.undoToolConnection(tool);
    if (!undone) {
        showStatus(undone.error(), true);
        return false;
    }
    refresh();
    showStatus(tr("%1's config is back as it was before.").arg(m_services.toolDisplayName(tool)), false);
    return true;
}

void ConnectDialog::updateSnippet()
{
    const QString key = !chosenKey().isEmpty() ? chosenKey() : m_lastKey;
    const auto kind = ClientSnippets::Kind(m_snippetKind->currentData().toInt());
    m_snippet->setPlainText(
        ClientSnippets::text(kind, m_services.baseUrl(), key, m_services.settings().kiro.defaultModel));
}

void ConnectDialog::copySnippet()
{
    QApplication::clipboard()->setText(m_snippet->toPlainText());
    m_copySnippet->setText(tr("Copied"));
    QTimer::singleShot(1500, m_copySnippet, [button = m_copySnippet] { button->setText(tr("&Copy")); });
}

} // namespace Drawbridge
