// SPDX-License-Identifier: MIT
#include "settingswidget.h"

#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QDesktopServices>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFontDatabase>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalBlocker>
#include <QTimer>
#include <QUrl>
#include <QVBoxLayout>

#include "gui/models/autostartentry.h"
#include "gui/models/clientsnippets.h"
#include "gui/models/desktopservices.h"
#include "settingseditor.h"
#include "trayicon.h"

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

void SettingsWidget::flashCopied(QPushButton *button)
{
    const QString text = button->text();
    button->setText(tr("Copied"));
    button->setEnabled(false);
    QTimer::singleShot(1500, button, [button, text] {
        button->setText(text);
        button->setEnabled(true);
    });
}

void SettingsWidget::showLiveSettings()
{
    const Settings &s = m_app.settings();
    m_corsValue->setText(s.server.corsOrigins.isEmpty() ? tr("none (browsers are refused)")
                                                        : s.server.corsOrigins.join(QStringLiteral(", ")));
    m_rpmValue->setText(tr("%n request(s) per minute", nullptr, s.limits.defaultRpm));
    m_queueValue->setText(
        tr("up to %1 requests, %2 s timeout").arg(s.limits.maxQueue).arg(s.limits.queueTimeoutS));
}

SettingsWidget::SettingsWidget(DesktopServices &app, QWidget *parent)
    : QWidget(parent)
    , m_app(app)
    , m_token(new QLineEdit(this))
    , m_reveal(new QPushButton(tr("Re&veal"), this))
{
    const Settings &s = app.settings();

    auto *server = new QGroupBox(tr("Server"), this);
    auto *serverForm = new QFormLayout(server);
    serverForm->addRow(tr("Address:"), value(app.baseUrl(), server));
    serverForm->addRow(tr("Host / port:"),
                       value(s.server.port == 0 ? tr("%1, any free port").arg(s.server.host)
                                                : tr("%1 : %2").arg(s.server.host).arg(s.server.port),
                             server));
    m_corsValue = value(QString(), server);
    serverForm->addRow(tr("CORS origins:"), m_corsValue);
    serverForm->addRow(tr("Request timeout:"),
                       value(tr("%n second(s)", nullptr, s.server.requestTimeoutS), server));
    m_copyOpenAi = new QPushButton(tr("Copy the &OpenAI base URL"), server);
    m_copyOpenAi->setToolTip(ClientSnippets::openAiBaseUrl(app.baseUrl()));
    m_copyAnthropic = new QPushButton(tr("Copy the A&nthropic base URL"), server);
    m_copyAnthropic->setToolTip(ClientSnippets::anthropicBaseUrl(app.baseUrl()));
    connect(m_copyOpenAi, &QPushButton::clicked, this,
            [this, url = ClientSnippets::openAiBaseUrl(app.baseUrl())] {
                QApplication::clipboard()->setText(url);
                flashCopied(m_copyOpenAi);
            });
    connect(m_copyAnthropic, &QPushButton::clicked, this,
            [this, url = ClientSnippets::anthropicBaseUrl(app.baseUrl())] {
                QApplication::clipboard()->setText(url);
                flashCopied(m_copyAnthropic);
            });
    auto *urlRow = new QHBoxLayout;
    urlRow->addWidget(m_copyOpenAi);
    urlRow->addWidget(m_copyAnthropic);
    urlRow->addStretch();
    serverForm->addRow(tr("Base URLs:"), urlRow);

    auto *pool = new QGroupBox(tr("Accounts and limits"), this);
    auto *poolForm = new QFormLayout(pool);
    poolForm->addRow(tr("Default model:"), value(s.kiro.defaultModel, pool));
    poolForm->addRow(tr("Slots per account:"), value(QString::number(s.kiro.slotsPerAccount), pool));
    m_rpmValue = value(QString(), pool);
    poolForm->addRow(tr("Default rate limit:"), m_rpmValue);
    m_queueValue = value(QString(), pool);
    poolForm->addRow(tr("Queue:"), m_queueValue);
    showLiveSettings();

    auto *storage = new QGroupBox(tr("Storage"), this);
    auto *storageForm = new QFormLayout(storage);
    const QString dataDir = app.isEphemeral() ? tr("in memory (--ephemeral: nothing is kept)")
                                              : QDir::toNativeSeparators(app.dataDirectory());
    storageForm->addRow(tr("Data directory:"), value(dataDir, storage));
    storageForm->addRow(tr("Usage retention:"),
                        value(tr("%n day(s)", nullptr, s.storage.retentionDays), storage));
    storageForm->addRow(tr("Keychain:"),
                        value(app.isEphemeral() ? tr("not used (--ephemeral keeps secrets in memory)")
                                  : app.keychainAvailable()
                                  ? tr("available")
                                  : tr("unavailable: %1").arg(app.keychainProblem()),
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

    auto *desktop = new QGroupBox(tr("Desktop"), this);
    auto *desktopForm = new QFormLayout(desktop);
    m_launchAtLogin = new QCheckBox(tr("Start Drawbridge when I log in"), desktop);
    m_launchAtLogin->setChecked(AutostartEntry().isEnabled());
    m_launchAtLogin->setToolTip(AutostartEntry().path());
    connect(m_launchAtLogin, &QCheckBox::toggled, this, [this](bool on) {
        const Status changed = AutostartEntry().setEnabled(on, QCoreApplication::applicationFilePath());
        if (!changed) {
            const QSignalBlocker block(m_launchAtLogin);
            m_launchAtLogin->setChecked(!on);
            m_launchAtLogin->setToolTip(changed.error());
        }
    });
    desktopForm->addRow(tr("Launch at login:"), m_launchAtLogin);
    m_lowCredits = new QDoubleSpinBox(desktop);
    m_lowCredits->setRange(0, 100000);
    m_lowCredits->setDecimals(1);
    m_lowCredits->setSpecialValueText(tr("never"));
    m_lowCredits->setSuffix(tr(" credits"));
    m_lowCredits->setAccessibleName(tr("Low-credit warning threshold"));
    m_lowCredits->setValue(
        app.desktopPreference(TrayIcon::lowCreditThresholdKey(), TrayIcon::defaultLowCreditThreshold)
            .toDouble());
    connect(m_lowCredits, &QDoubleSpinBox::valueChanged, this,
            [&app](double v) { app.setDesktopPreference(TrayIcon::lowCreditThresholdKey(), v); });
    desktopForm->addRow(tr("Warn when an account has less than:"), m_lowCredits);
    auto *openConfig = new QPushButton(tr("Open the config &file"), desktop);
    auto *openData = new QPushButton(tr("Open the &data folder"), desktop);
    const QString configFile = app.configFilePath();
    const QString dataFolder = app.dataDirectory();
    openConfig->setEnabled(!configFile.isEmpty());
    openData->setEnabled(!dataFolder.isEmpty());
    openConfig->setToolTip(configFile);
    openData->setToolTip(dataFolder);
    connect(openConfig, &QPushButton::clicked, this,
            [configFile] { QDesktopServices::openUrl(QUrl::fromLocalFile(configFile)); });
    connect(openData, &QPushButton::clicked, this,
            [dataFolder] { QDesktopServices::openUrl(QUrl::fromLocalFile(dataFolder)); });
    m_openLogs = new QPushButton(tr("Open the &logs"), desktop);
    const QString logFile = app.logFilePath();
    m_openLogs->setEnabled(!logFile.isEmpty());
    m_openLogs->setToolTip(logFile.isEmpty() ? tr("No log file: --ephemeral writes nothing to disk")
                                             : QDir::toNativeSeparators(logFile));
    connect(m_openLogs, &QPushButton::clicked, this,
            [logFile] { QDesktopServices::openUrl(QUrl::fromLocalFile(logFile)); });
    auto *openRow = new QHBoxLayout;
    openRow->addWidget(openConfig);
    openRow->addWidget(openData);
    openRow->addWidget(m_openLogs);
    openRow->addStretch();
    desktopForm->addRow(tr("Files:"), openRow);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(server);
    layout->addWidget(pool);
    layout->addWidget(storage);
    layout->addWidget(admin);
    layout->addWidget(desktop);
    m_editor = new SettingsEditor(app, this);
    // What a save applied at once shows here at once too.
    connect(m_editor, &SettingsEditor::settingsSaved, this, &SettingsWidget::showLiveSettings);
    layout->addWidget(m_editor);
    layout->addWidget(note);
    layout->addStretch();
}

} // namespace Drawbridge
