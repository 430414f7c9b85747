// SPDX-License-Identifier: MIT
#pragma once

#include <QString>

class QWidget;

namespace Drawbridge {

/**
 * @brief Questions the widgets ask the user: the seam tests replace (no static dialogs in widget code).
 */
class Prompter
{
public:
    virtual ~Prompter() = default;
    /** A yes/no question; true = the user confirmed. */
    virtual bool confirm(QWidget *parent, const QString &title, const QString &question) = 0;
    /** A file name to save to, or empty when cancelled. */
    virtual QString saveFileName(QWidget *parent, const QString &title, const QString &suggestedName,
                                 const QString &filter)
        = 0;
    /** A file to open, or empty when cancelled. */
    virtual QString openFileName(QWidget *parent, const QString &title, const QString &directory,
                                 const QString &filter)
        = 0;
    /** Tells the user something went wrong. */
    virtual void error(QWidget *parent, const QString &title, const QString &message) = 0;
};

} // namespace Drawbridge
