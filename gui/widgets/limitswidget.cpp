// SPDX-License-Identifier: MIT
#include "limitswidget.h"

#include <QHeaderView>
#include <QLabel>
#include <QTableView>
#include <QTimer>
#include <QVBoxLayout>

#include "emptyhint.h"
#include "gui/models/keylimitstablemodel.h"

namespace Drawbridge {

LimitsWidget::LimitsWidget(KeyService &keys, RateLimiter &limiter, int defaultRpm, QWidget *parent)
    : QWidget(parent)
    , m_model(new KeyLimitsTableModel(keys, limiter, defaultRpm, {}, this))
    , m_view(new QTableView(this))
    , m_timer(new QTimer(this))
{
    auto *intro
        = new QLabel(tr("Every key may send at most its limit of requests in any 60-second window. "
                        "The default is <b>%n request(s) per minute</b> (<tt>limits.default_rpm</tt> "
                        "in drawbridge.toml). Double-click a limit to change it; 0 means the default.",
                        nullptr, defaultRpm),
                     this);
    intro->setWordWrap(true);
    m_view->setModel(m_model);
    m_view->setEditTriggers(QAbstractItemView::DoubleClicked | QAbstractItemView::EditKeyPressed
                            | QAbstractItemView::AnyKeyPressed);
    m_view->setSelectionBehavior(QAbstractItemView::SelectItems);
    m_view->setAlternatingRowColors(true);
    m_view->verticalHeader()->hide();
    m_view->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    m_view->setAccessibleName(tr("Rate limits per key"));
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(intro);
    layout->addWidget(new EmptyHint(*m_model,
                                    tr("No client key yet: each key's limit shows here once the Keys tab "
                                       "has one."),
                                    this));
    layout->addWidget(m_view, 1);
    connect(m_timer, &QTimer::timeout, m_model, &KeyLimitsTableModel::refreshWindows);
    m_timer->start(1000);
}

} // namespace Drawbridge
