// SPDX-License-Identifier: MIT
#pragma once

#include <QLabel>

class QAbstractItemModel;

namespace Drawbridge {

/** A line that says what to do next, shown only while @p model has no rows (every tab's empty state). */
class EmptyHint final : public QLabel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(EmptyHint)

public:
    EmptyHint(QAbstractItemModel &model, const QString &text, QWidget *parent = nullptr);

private:
    void update();

    QAbstractItemModel &m_model;
};

} // namespace Drawbridge
