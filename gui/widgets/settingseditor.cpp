// SPDX-License-Identifier: MIT
#include "settingseditor.h"

#include <QCheckBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHostAddress>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QUrl>

#include "gui/models/desktopservices.h"

namespace Drawbridge {

namespace {

QSpinBox *spin(int min, int max, int value, const QString &suffix, QWidget *parent)
{
    auto *box = new QSpinBox(parent);
    box->setRange(min, max);
    box->setValue(value);
    box->setSuffix(suffix);
    return box;
}

} // namespace

QString SettingsEditor::settingName(const QString &key)
{
    if (key == QLatin1String("server.host"))
        return tr("host");
    if (key == QLatin1String("server.port"))
        return tr("port");
    if (key == QLatin1String("kiro.proxy"))
        return tr("upstream proxy");
    if (key == QLatin1String("storage.retention_days"))
        return tr("usage retention");
    return key;
}

SettingsEditor::SettingsEditor(DesktopServices &services, QWidget *parent)
    : QGroupBox(tr("Change settings"), parent)
    , m_services(services)
    , m_host(new QLineEdit(services.settings().server.host, this))
    , m_port(spin(0, 65535, services.settings().server.port, QString(), this))
    , m_rpm(spin(1, 1'000'000, services.settings().limits.defaultRpm, tr(" per minute"), this))
    , m_maxQueue(spin(0, 1'000'000, services.settings().limits.maxQueue, tr(" requests"), this))
    , m_queueTimeout(spin(0, 3600, services.settings().limits.queueTimeoutS, tr(" s"), this))
    , m_slots(spin(1, 1000, services.settings().kiro.slotsPerAccount, QString(), this))
    , m_cors(new QLineEdit(services.settings().server.corsOrigins.join(QStringLiteral(", ")), this))
    , m_retention(spin(1, 36500, services.settings().storage.retentionDays, tr(" days"), this))
    , m_trim(new QCheckBox(tr("Drop the oldest turns of a conversation too long for Kiro"), this))
    , m_proxy(new QLineEdit(services.settings().kiro.proxy, this))
    , m_save(new QPushButton(tr("Sa&ve"), this))
    , m_restart(new QPushButton(tr("Res&tart now"), this))
    , m_status(new QLabel(this))
{
    m_port->setSpecialValueText(tr("any free port"));
    m_cors->setPlaceholderText(tr("none (browsers are refused); e.g. http://localhost:3000"));
    m_proxy->setPlaceholderText(tr("from HTTPS_PROXY; or http://host:port"));
    m_trim->setChecked(services.settings().kiro.trimHistory);
    auto *form = new QFormLayout(this);
    form->addRow(tr("Listen on host:"), m_host);
    form->addRow(tr("Port:"), m_port);
    form->addRow(tr("Default rate limit:"), m_rpm);
    form->addRow(tr("Queue limit:"), m_maxQueue);
    form->addRow(tr("Queue timeout:"), m_queueTimeout);
    form->addRow(tr("Slots per account:"), m_slots);
    form->addRow(tr("CORS origins:"), m_cors);
    form->addRow(tr("Keep usage records:"), m_retention);
    form->addRow(tr("History:"), m_trim);
    form->addRow(tr("Upstream proxy:"), m_proxy);
    m_status->setWordWrap(true);
    m_restart->hide();
    auto *row = new QHBoxLayout;
    row->addWidget(m_status, 1);
    row->addWidget(m_save);
    row->addWidget(m_restart);
    form->addRow(row);
    m_save->setEnabled(false);
    const bool editable = !services.configFilePath().isEmpty();
    setEnabled(editable);
    if (!editable)
        m_status->setText(tr("Nothing is saved with --ephemeral."));

    for (QLineEdit *edit : { m_host, m_cors, m_proxy })
        connect(edit, &QLineEdit::textEdited, this, &SettingsEditor::markChanged);
    for (QSpinBox *box : { m_port, m_rpm, m_maxQueue, m_queueTimeout, m_slots, m_retention })
        connect(box, &QSpinBox::valueChanged, this, &SettingsEditor::markChanged);
    connect(m_trim, &QCheckBox::toggled, this, &SettingsEditor::markChanged);
    connect(m_save, &QPushButton::clicked, this, &SettingsEditor::save);
    connect(m_restart, &QPushButton::clicked, this, [this] { m_services.restart(); });
}

void SettingsEditor::markChanged()
{
    m_save->setEnabled(true);
    m_status->clear();
}

bool SettingsEditor::save()
{
    // Checks with a message in words first; the config parser checks everything again before writing.
    const QString host = m_host->text().trimmed();
    if (QHostAddress(host).isNull() && host != QLatin1String("localhost")) {
        m_status->setText(tr("The host must be an IP address such as 127.0.0.1."));
        return false;
    }
    QStringList origins;
    for (const QString &o : m_cors->text().split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        const QString origin = o.trimmed();
        const QUrl url(origin);
        if (!url.isValid()
            || (url.scheme() != QLatin1String("http") && url.scheme() != QLatin1String("https"))
            || url.host().isEmpty() || !url.path().isEmpty()) {
            m_status->setText(tr("\"%1\" is not an origin such as http://localhost:3000.").arg(origin));
            return false;
        }
        origins.append(origin);
    }
    const QList<QPair<QString, QVariant>> changes {
        { QStringLiteral("server.host"), host },
        { QStringLiteral("server.port"), m_port->value() },
        { QStringLiteral("server.cors_origins"), origins },
        { QStringLiteral("limits.default_rpm"), m_rpm->value() },
        { QStringLiteral("limits.max_queue"), m_maxQueue->value() },
        { QStringLiteral("limits.queue_timeout_s"), m_queueTimeout->value() },
        { QStringLiteral("kiro.slots_per_account"), m_slots->value() },
        { QStringLiteral("kiro.trim_history"), m_trim->isChecked() },
        { QStringLiteral("kiro.proxy"), m_proxy->text().trimmed() },
        { QStringLiteral("storage.retention_days"), m_retention->value() },
    };
    const auto saved = m_services.changeSettings(changes);
    if (!saved) {
        m_status->setText(tr("Not saved: %1").arg(saved.error()));
        return false;
    }
    m_save->setEnabled(false);
    Q_EMIT settingsSaved();
    if (saved->isEmpty()) {
        m_status->setText(tr("Saved to %1 and in effect now.").arg(m_services.configFilePath()));
        return true;
    }
    QStringList names;
    for (const QString &key : *saved)
        names.append(settingName(key));
    // A restart asked for by an earlier save is still pending, so the button stays once shown.
    m_restart->show();
    m_status->setText(tr("Saved to %1. Restart needed for: %2. Everything else is in effect now.")
                          .arg(m_services.configFilePath(), names.join(QStringLiteral(", "))));
    return true;
}

} // namespace Drawbridge
