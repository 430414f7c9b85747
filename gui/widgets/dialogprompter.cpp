// SPDX-License-Identifier: MIT
#include "dialogprompter.h"

#include <QFileDialog>
#include <QMessageBox>

namespace Drawbridge {

bool DialogPrompter::confirm(QWidget *parent, const QString &title, const QString &question)
{
    return QMessageBox::question(parent, title, question, QMessageBox::Yes | QMessageBox::No, QMessageBox::No)
        == QMessageBox::Yes;
}

QString DialogPrompter::saveFileName(QWidget *parent, const QString &title, const QString &suggestedName,
                                     const QString &filter)
{
    return QFileDialog::getSaveFileName(parent, title, suggestedName, filter);
}

QString DialogPrompter::openFileName(QWidget *parent, const QString &title, const QString &directory,
                                     const QString &filter)
{
    return QFileDialog::getOpenFileName(parent, title, directory, filter);
}

void DialogPrompter::error(QWidget *parent, const QString &title, const QString &message)
{
    QMessageBox::warning(parent, title, message);
}

} // namespace Drawbridge
