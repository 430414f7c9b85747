// SPDX-License-Identifier: MIT
#pragma once

#include <QWidget>

class QTableView;
class QTimer;

namespace Drawbridge {

class KeyLimitsTableModel;
class KeyService;
class RateLimiter;

/** The Limits tab: the default rate limit, each key's limit (editable in place) and its live window. */
class LimitsWidget final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LimitsWidget)

public:
    LimitsWidget(KeyService &keys, RateLimiter &limiter, int defaultRpm, QWidget *parent = nullptr);

    KeyLimitsTableModel *model() const { return m_model; }
    QTableView *view() const { return m_view; }

private:
    KeyLimitsTableModel *m_model;
    QTableView *m_view;
    QTimer *m_timer;
};

} // namespace Drawbridge
