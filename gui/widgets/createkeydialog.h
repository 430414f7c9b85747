// SPDX-License-Identifier: MIT
#pragma once

#include <QDialog>

class QCheckBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QSpinBox;
class QStackedWidget;

namespace Drawbridge {

class KeyService;

/**
 * @brief Creates a client key: name, rpm, models, expiry; then shows the key once with a copy button and an
 * OPENAI_BASE_URL / OPENAI_API_KEY snippet.
 */
class CreateKeyDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(CreateKeyDialog)

public:
    CreateKeyDialog(KeyService &keys, QString baseUrl, QWidget *parent = nullptr);

    QLineEdit *nameEdit() const { return m_name; }
    QPushButton *createButton() const { return m_create; }
    /** The new key once created, else empty. */
    QString createdKey() const { return m_key; }
    QString createdId() const { return m_id; }
    QString snippet() const;

private:
    void create();

    KeyService &m_keys;
    QString m_baseUrl;
    QString m_key;
    QString m_id;
    QStackedWidget *m_pages;
    QLineEdit *m_name;
    QSpinBox *m_rpm;
    QLineEdit *m_models;
    QCheckBox *m_expires;
    QSpinBox *m_expiryDays;
    QLabel *m_error;
    QPushButton *m_create;
    QLineEdit *m_keyField;
    QPlainTextEdit *m_snippet;
    QDialogButtonBox *m_buttons;
};

} // namespace Drawbridge
