// SPDX-License-Identifier: MIT
#include "logwidget.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QRegularExpression>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QVBoxLayout>

#include "emptyhint.h"
#include "gui/models/requestlogmodel.h"

namespace Drawbridge {

LogWidget::LogWidget(RequestLogModel &model, QWidget *parent)
    : QWidget(parent)
    , m_filter(new QComboBox(this))
    , m_proxy(new QSortFilterProxyModel(this))
    , m_view(new QTableView(this))
{
    m_filter->addItem(tr("All requests"), QString());
    m_filter->addItem(tr("Successful"), QStringLiteral("^success$"));
    m_filter->addItem(tr("Failed"), QStringLiteral("^(?!success$)"));
    m_filter->addItem(tr("Rate limited"), QStringLiteral("^rate_limited$"));
    m_filter->addItem(tr("Upstream errors"), QStringLiteral("^upstream"));
    m_filter->setAccessibleName(tr("Status filter"));
    auto *filterLabel = new QLabel(tr("&Show:"), this);
    filterLabel->setBuddy(m_filter);
    auto *clear = new QPushButton(tr("&Clear"), this);
    clear->setAccessibleName(tr("Clear the log"));

    m_proxy->setSourceModel(&model);
    m_proxy->setFilterRole(RequestLogModel::StatusRole);
    m_proxy->setFilterKeyColumn(RequestLogModel::Status);
    m_view->setModel(m_proxy);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setAlternatingRowColors(true);
    m_view->verticalHeader()->hide();
    m_view->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_view->horizontalHeader()->setSectionResizeMode(RequestLogModel::Model, QHeaderView::Stretch);
    m_view->setAccessibleName(tr("Recent requests"));

    auto *top = new QHBoxLayout;
    top->addWidget(filterLabel);
    top->addWidget(m_filter);
    top->addStretch();
    top->addWidget(new QLabel(tr("Last %n request(s), newest first", nullptr, model.capacity()), this));
    top->addWidget(clear);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addWidget(new EmptyHint(model,
                                    tr("No request yet. Requests show here as they finish; copy the base URL "
                                       "from the tray or use Connect a tool… to point a client here."),
                                    this));
    layout->addWidget(m_view, 1);
    connect(m_filter, &QComboBox::currentIndexChanged, this, &LogWidget::applyFilter);
    connect(clear, &QPushButton::clicked, &model, &RequestLogModel::clear);
}

void LogWidget::applyFilter()
{
    m_proxy->setFilterRegularExpression(QRegularExpression(m_filter->currentData().toString()));
}

} // namespace Drawbridge
