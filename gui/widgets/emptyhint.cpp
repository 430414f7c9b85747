// SPDX-License-Identifier: MIT
#include "emptyhint.h"

#include <QAbstractItemModel>

namespace Drawbridge {

EmptyHint::EmptyHint(QAbstractItemModel &model, const QString &text, QWidget *parent)
    : QLabel(text, parent), m_model(model)
{
    setWordWrap(true);
    setAlignment(Qt::AlignCenter);
    setMargin(12);
    setFrameShape(QFrame::StyledPanel);
    setAccessibleName(tr("What to do next"));
    connect(&model, &QAbstractItemModel::rowsInserted, this, &EmptyHint::update);
    connect(&model, &QAbstractItemModel::rowsRemoved, this, &EmptyHint::update);
    connect(&model, &QAbstractItemModel::modelReset, this, &EmptyHint::update);
    connect(&model, &QAbstractItemModel::layoutChanged, this, &EmptyHint::update);
    update();
}

void EmptyHint::update()
{
    // setVisible(false) on a widget whose window is not shown yet would stick: hide()/show() follow the
    // parent.
    setHidden(m_model.rowCount() > 0);
}

} // namespace Drawbridge
