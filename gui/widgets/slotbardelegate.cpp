// SPDX-License-Identifier: MIT
#include "slotbardelegate.h"

#include <QApplication>
#include <QStyle>
#include <QStyleOptionProgressBar>

#include "gui/models/accounttablemodel.h"

namespace Drawbridge {

void SlotBarDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option,
                            const QModelIndex &index) const
{
    QStyledItemDelegate::paint(painter, option, QModelIndex());
    QStyleOptionProgressBar bar;
    bar.rect = option.rect.adjusted(3, 3, -3, -3);
    bar.state = option.state | QStyle::State_Horizontal;
    bar.direction = option.direction;
    bar.fontMetrics = option.fontMetrics;
    bar.palette = option.palette;
    bar.minimum = 0;
    bar.maximum = qMax(1, index.data(AccountTableModel::SlotsTotalRole).toInt());
    bar.progress = qMin(bar.maximum, index.data(AccountTableModel::SlotsInUseRole).toInt());
    bar.text = index.data(Qt::DisplayRole).toString();
    bar.textVisible = true;
    bar.textAlignment = Qt::AlignCenter;
    const QWidget *widget = option.widget;
    QStyle *style = widget ? widget->style() : QApplication::style();
    style->drawControl(QStyle::CE_ProgressBar, &bar, painter, widget);
}

QSize SlotBarDelegate::sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    QSize size = QStyledItemDelegate::sizeHint(option, index);
    size.setWidth(qMax(size.width(), 110));
    return size;
}

} // namespace Drawbridge
