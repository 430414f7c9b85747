// SPDX-License-Identifier: MIT
#include "createkeydialog.h"

#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QDateTime>
#include <QDialogButtonBox>
#include <QFontDatabase>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QStackedWidget>
#include <QVBoxLayout>

#include "server/gateway/keyservice.h"

namespace Drawbridge {

CreateKeyDialog::CreateKeyDialog(KeyService &keys, QString baseUrl, QWidget *parent)
    : QDialog(parent)
    , m_keys(keys)
    , m_baseUrl(std::move(baseUrl))
    , m_pages(new QStackedWidget(this))
    , m_name(new QLineEdit(this))
    , m_rpm(new QSpinBox(this))
    , m_models(new QLineEdit(this))
    , m_expires(new QCheckBox(tr("Expires after"), this))
    , m_expiryDays(new QSpinBox(this))
    , m_error(new QLabel(this))
    , m_create(new QPushButton(tr("&Create key"), this))
    , m_keyField(new QLineEdit(this))
    , m_snippet(new QPlainTextEdit(this))
    , m_buttons(new QDialogButtonBox(this))
{
    setWindowTitle(tr("New client key"));
    setMinimumWidth(520);

    auto *form = new QWidget(this);
    auto *formLayout = new QFormLayout(form);
    m_name->setPlaceholderText(tr("e.g. laptop-vscode"));
    m_name->setAccessibleName(tr("Key name"));
    formLayout->addRow(tr("&Name:"), m_name);
    m_rpm->setRange(0, 100000);
    m_rpm->setSpecialValueText(tr("Default"));
    m_rpm->setSuffix(tr(" per minute"));
    m_rpm->setAccessibleName(tr("Requests per minute"));
    formLayout->addRow(tr("&Rate limit:"), m_rpm);
    m_models->setPlaceholderText(tr("All models (or a comma-separated list)"));
    m_models->setAccessibleName(tr("Allowed models"));
    formLayout->addRow(tr("&Models:"), m_models);
    auto *expiry = new QHBoxLayout;
    m_expiryDays->setRange(1, 3650);
    m_expiryDays->setValue(90);
    m_expiryDays->setSuffix(tr(" days"));
    m_expiryDays->setEnabled(false);
    m_expiryDays->setAccessibleName(tr("Expiry in days"));
    connect(m_expires, &QCheckBox::toggled, m_expiryDays, &QWidget::setEnabled);
    expiry->addWidget(m_expires);
    expiry->addWidget(m_expiryDays);
    expiry->addStretch();
    formLayout->addRow(tr("Expiry:"), expiry);
    m_error->setWordWrap(true);
    m_error->setStyleSheet(QStringLiteral("color: palette(link);"));
    m_error->hide();
    formLayout->addRow(m_error);
    m_pages->addWidget(form);

    auto *result = new QWidget(this);
    auto *resultLayout = new QVBoxLayout(result);
    auto *once = new QLabel(
        tr("<b>Copy this key now.</b> It is shown only once; Drawbridge keeps just a hash."), result);
    once->setWordWrap(true);
    resultLayout->addWidget(once);
    auto *keyRow = new QHBoxLayout;
    m_keyField->setReadOnly(true);
    m_keyField->setAccessibleName(tr("New key"));
    m_keyField->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    auto *copyKey = new QPushButton(tr("Cop&y key"), result);
    connect(copyKey, &QPushButton::clicked, this, [this] { QApplication::clipboard()->setText(m_key); });
    keyRow->addWidget(m_keyField, 1);
    keyRow->addWidget(copyKey);
    resultLayout->addLayout(keyRow);
    resultLayout->addWidget(new QLabel(tr("For OpenAI clients (shell):"), result));
    m_snippet->setReadOnly(true);
    m_snippet->setAccessibleName(tr("Environment snippet"));
    m_snippet->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_snippet->setMaximumHeight(70);
    auto *copySnippet = new QPushButton(tr("Copy &snippet"), result);
    connect(copySnippet, &QPushButton::clicked, this,
            [this] { QApplication::clipboard()->setText(snippet()); });
    resultLayout->addWidget(m_snippet);
    resultLayout->addWidget(copySnippet, 0, Qt::AlignRight);
    m_pages->addWidget(result);

    m_buttons->addButton(m_create, QDialogButtonBox::AcceptRole);
    m_buttons->addButton(QDialogButtonBox::Cancel);
    m_create->setDefault(true);
    connect(m_create, &QPushButton::clicked, this, &CreateKeyDialog::create);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_pages);
    layout->addWidget(m_buttons);
    m_name->setFocus();
}

QString CreateKeyDialog::snippet() const
{
    return QStringLiteral("export OPENAI_BASE_URL=%1/v1\nexport OPENAI_API_KEY=%2").arg(m_baseUrl, m_key);
}

void CreateKeyDialog::create()
{
    KeyService::NewKey request;
    request.name = m_name->text().trimmed();
    if (request.name.isEmpty()) {
        m_error->setText(tr("Give the key a name so you can tell it apart later."));
        m_error->show();
        m_name->setFocus();
        return;
    }
    if (m_rpm->value() > 0)
        request.rateLimitRpm = m_rpm->value();
    for (const QString &m : m_models->text().split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        if (!m.trimmed().isEmpty())
            request.models.append(m.trimmed());
    }
    if (m_expires->isChecked())
        request.expiresAtMs
            = QDateTime::currentMSecsSinceEpoch() + qint64(m_expiryDays->value()) * 86'400'000;
    const auto created = m_keys.create(request);
    if (!created.ok()) {
        m_error->setText(tr("The key could not be created: %1").arg(created.error()));
        m_error->show();
        return;
    }
    m_key = created->key;
    m_id = created->record.id;
    m_keyField->setText(m_key);
    m_snippet->setPlainText(snippet());
    m_pages->setCurrentIndex(1);
    m_buttons->removeButton(m_create);
    m_create->hide();
    m_buttons->button(QDialogButtonBox::Cancel)->hide();
    QPushButton *close = m_buttons->addButton(QDialogButtonBox::Close);
    connect(close, &QPushButton::clicked, this, &QDialog::accept);
    close->setDefault(true);
    m_keyField->selectAll();
    m_keyField->setFocus();
}

} // namespace Drawbridge
