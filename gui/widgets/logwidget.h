// SPDX-License-Identifier: MIT
#pragma once

#include <QWidget>

class QComboBox;
class QSortFilterProxyModel;
class QTableView;

namespace Drawbridge {

class RequestLogModel;

/** The Log tab: the most recent requests, filterable by status. */
class LogWidget final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LogWidget)

public:
    explicit LogWidget(RequestLogModel &model, QWidget *parent = nullptr);

    QComboBox *filter() const { return m_filter; }
    QSortFilterProxyModel *proxy() const { return m_proxy; }

private:
    void applyFilter();

    QComboBox *m_filter;
    QSortFilterProxyModel *m_proxy;
    QTableView *m_view;
};

} // namespace Drawbridge
