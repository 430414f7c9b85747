// SPDX-License-Identifier: MIT
#pragma once

#include "prompter.h"

namespace Drawbridge {

/** The real Prompter: modal message boxes and file dialogs. */
class DialogPrompter final : public Prompter
{
public:
    bool confirm(QWidget *parent, const QString &title, const QString &question) override;
    QString saveFileName(QWidget *parent, const QString &title, const QString &suggestedName,
                         const QString &filter) override;
    QString openFileName(QWidget *parent, const QString &title, const QString &directory,
                         const QString &filter) override;
    void error(QWidget *parent, const QString &title, const QString &message) override;
};

} // namespace Drawbridge
