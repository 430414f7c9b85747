// SPDX-License-Identifier: MIT
#include "settingswidget.h"

#include <QApplication>
#include <QClipboard>
#include <QDir>
#include <QFontDatabase>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>

#include "gui/models/desktopservices.h"

namespace Drawbridge {

namespace {

QLabel *value(const QString &text, QWidget *parent)
{
    auto *label = new QLabel(text, parent);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
    label->setWordWrap(true);
    return label;
}

} // namespace

SettingsWidget::SettingsWidget(DesktopServices &app, QWidget *parent)
    : QWidget(parent), m_token(new QLineEdit(this)), m_reveal(new QPushButton(tr("Re&veal"), this))
{
    const Settings &s = app.settings();

    auto *server = new QGroupBox(tr("Server"), this);
    auto *serverForm = new QFormLayout(server);
    serverForm->addRow(tr("Address:"), value(app.baseUrl(), server));
    serverForm->addRow(tr("Host / port:"),
                       value(s.server.port == 0 ? tr("%1, any free port").arg(s.server.host)
                                                : tr("%1 : %2").arg(s.server.host).arg(s.server.port),
                             server));
    serverForm->addRow(tr("CORS origins:"),
                       value(s.server.corsOrigins.isEmpty() ? tr("none (browsers are refused)")
                                                            : s.server.corsOrigins.join(QStringLiteral(", ")),
                             server));
    serverForm->addRow(tr("Request timeout:"),
                       value(tr("%n second(s)", nullptr, s.server.requestTimeoutS), server));

    auto *pool = new QGroupBox(tr("Accounts and limits"), this);
    auto *poolForm = new QFormLayout(pool);
    poolForm->addRow(tr("Default model:"), value(s.kiro.defaultModel, pool));
    poolForm->addRow(tr("Slots per account:"), value(QString::number(s.kiro.slotsPerAccount), pool));
    poolForm->addRow(tr("Default rate limit:"),
                     value(tr("%n request(s) per minute", nullptr, s.limits.defaultRpm), pool));
    poolForm->addRow(
        tr("Queue:"),
        value(tr("up to %1 requests, %2 s timeout").arg(s.limits.maxQueue).arg(s.limits.queueTimeoutS),
              pool));

    auto *storage = new QGroupBox(tr("Storage"), this);
    auto *storageForm = new QFormLayout(storage);
    const QString dataDir = app.isEphemeral() ? tr("in memory (--ephemeral: nothing is kept)")
                                              : QDir::toNativeSeparators(app.dataDirectory());
    storageForm->addRow(tr("Data directory:"), value(dataDir, storage));
    storageForm->addRow(tr("Usage retention:"),
                        value(tr("%n day(s)", nullptr, s.storage.retentionDays), storage));
    storageForm->addRow(
        tr("Keychain:"),
        value(app.keychainAvailable() ? tr("available") : tr("unavailable: %1").arg(app.keychainProblem()),
              storage));

    auto *admin = new QGroupBox(tr("Admin API"), this);
    auto *adminForm = new QFormLayout(admin);
    m_token->setText(app.adminToken());
    m_token->setReadOnly(true);
    m_token->setEchoMode(QLineEdit::Password);
    m_token->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_token->setAccessibleName(tr("Admin token"));
    auto *copy = new QPushButton(tr("&Copy"), admin);
    copy->setAccessibleName(tr("Copy the admin token"));
    m_reveal->setCheckable(true);
    m_reveal->setAccessibleName(tr("Reveal the admin token"));
    connect(m_reveal, &QPushButton::toggled, this, [this](bool shown) {
        m_token->setEchoMode(shown ? QLineEdit::Normal : QLineEdit::Password);
        m_reveal->setText(shown ? tr("&Hide") : tr("Re&veal"));
    });
    connect(copy, &QPushButton::clicked, this,
            [this] { QApplication::clipboard()->setText(m_token->text()); });
    auto *tokenRow = new QHBoxLayout;
    tokenRow->addWidget(m_token, 1);
    tokenRow->addWidget(m_reveal);
    tokenRow->addWidget(copy);
    adminForm->addRow(tr("Admin token:"), tokenRow);

    auto *note
        = new QLabel(tr("These settings come from the config file, the environment and the command line. "
                        "Change them in %1 and restart Drawbridge.")
                         .arg(app.isEphemeral() ? tr("the environment") : tr("drawbridge.toml")),
                     this);
    note->setWordWrap(true);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(server);
    layout->addWidget(pool);
    layout->addWidget(storage);
    layout->addWidget(admin);
    layout->addWidget(note);
    layout->addStretch();
}

} // namespace Drawbridge
