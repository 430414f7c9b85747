// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QStringList>
#include <QUrlQuery>

#include <functional>

namespace Drawbridge {

/** An authenticated admin API request, already past Host/Origin and admin-token checks. */
struct AdminRequest
{
    QByteArray method; ///< "GET", "POST", …
    QStringList segments; ///< path segments after "admin", e.g. {"accounts", "a1b2"}
    QUrlQuery query;
    QByteArray body;
};

struct AdminReply
{
    int status = 200;
    QByteArray json; ///< a JSON document, or an OpenAI-shape error body
};

/**
 * @brief A part of the admin API served by a lower layer (accounts by the Kiro pool, usage by the ledger).
 *
 * The gateway routes `/admin/<collection>…` to the module that owns the collection. Replies may be
 * asynchronous (e.g. after a token refresh) but must come exactly once.
 */
class AdminModule
{
public:
    virtual ~AdminModule() = default;
    /** The first path segment this module owns, e.g. "accounts". */
    virtual QString collection() const = 0;
    /** Methods allowed on @p segments; empty = no such resource (404). Used for 405 answers. */
    virtual QStringList allowedMethods(const QStringList &segments) const = 0;
    virtual void handle(const AdminRequest &request, std::function<void(AdminReply)> reply) = 0;
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
