// SPDX-License-Identifier: MIT
#pragma once

#include <QStyledItemDelegate>

namespace Drawbridge {

/** Paints "slots in use / total" as a progress bar (AccountTableModel's SlotsInUseRole/SlotsTotalRole). */
class SlotBarDelegate final : public QStyledItemDelegate
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SlotBarDelegate)

public:
    using QStyledItemDelegate::QStyledItemDelegate;
    void paint(QPainter *painter, const QStyleOptionViewItem &option,
               const QModelIndex &index) const override;
    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override;
};

} // namespace Drawbridge
