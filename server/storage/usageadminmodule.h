// SPDX-License-Identifier: MIT
#pragma once

#include <optional>

#include "server/core/adminmodule.h"

namespace Drawbridge {

class UsageLedger;
class UsageQuery;

/**
 * @brief Serves GET /admin/usage (docs/api.md#usage-metrics-drain) from the usage ledger.
 *
 * Query parameters: `from` (inclusive) and `to` (exclusive) as ISO dates (UTC midnight) or date-times (UTC
 * unless they carry an offset), each optional (unbounded); `group_by` = key|model|account|day|hour (default
 * key). The answer is computed synchronously on the caller's thread: the queries are range scans on indexed
 * columns over hourly rollups plus at most two partial hours of raw records.
 */
class UsageAdminModule final : public AdminModule
{
public:
    /**
     * With @p ledger, queued records are flushed before each query, so requests answered just before the call
     * are counted (a few milliseconds for a batch; the queue is bounded).
     */
    explicit UsageAdminModule(const UsageQuery &query, UsageLedger *ledger = nullptr);

    std::vector<AdminRoute> routes() override;

    /** Milliseconds since the epoch of an ISO-8601 date or date-time; nullopt when @p text is not one. */
    static std::optional<qint64> parseTime(const QString &text);

private:
    AdminReply usage(const AdminRequest &request) const;

    const UsageQuery &m_query;
    UsageLedger *m_ledger;
};

} // namespace Drawbridge
