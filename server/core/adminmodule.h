// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QString>
#include <QStringList>
#include <QUrlQuery>

#include <functional>
#include <vector>

#include "server/core/adminreply.h"

namespace Drawbridge {

/** An authenticated admin API request, already past Host/Origin, routing and admin-token checks. */
struct AdminRequest
{
    QByteArray method; ///< "GET", "POST", …
    QStringList params; ///< values of the route's `{…}` segments, in order
    QUrlQuery query;
    QByteArray body;
    qint64 receivedMs = 0; ///< wall-clock time of arrival (e.g. to refuse an expiry in the past)
};

/** Takes the one reply of an admin request; may be called later (e.g. after a token refresh), exactly once.
 */
using AdminResponder = std::function<void(AdminReply)>;

/** One admin route: a method and a path pattern below `/admin/` (`accounts/{id}`), and its handler. */
struct AdminRoute
{
    QByteArray method;
    QString pattern;
    std::function<void(const AdminRequest &, AdminResponder)> handler;
};

/**
 * @brief A part of the admin API (docs/api.md#admin-api), served by the layer that owns the data: keys by
 * the gateway, accounts by the Kiro pool, usage by the ledger.
 *
 * Every admin route reaches the gateway's one router through routes(): the gateway answers 404/405/HEAD,
 * checks the admin token, and renders replies and errors, so a module only reads its request and answers.
 */
class AdminModule
{
public:
    virtual ~AdminModule() = default;
    /** Called once, when the gateway registers the module; handlers may capture the module. */
    virtual std::vector<AdminRoute> routes() = 0;
};

/** Counters and gauges the gateway exposes at /metrics and /admin/metrics. */
class MetricsSource
{
public:
    virtual ~MetricsSource() = default;
    virtual QByteArray prometheusText() const = 0;
    virtual QByteArray json() const = 0;
};

} // namespace Drawbridge
