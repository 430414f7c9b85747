// SPDX-License-Identifier: MIT
#pragma once

#include <QList>

#include <functional>
#include <memory>
#include <vector>

#include "server/kiroprovider/kiroaccountupstream.h"

namespace Drawbridge::Test {

/**
 * @brief A KiroAccountUpstream whose calls stay open until the test answers them, in any order: no HTTP, no
 * event loop, no waits. A call whose handle was destroyed counts as cancelled and cannot be answered.
 */
class ScriptedAccountUpstream final : public KiroAccountUpstream
{
public:
    struct Refresh
    {
        RefreshInput input;
        std::function<void(RefreshResult)> done;
        std::shared_ptr<bool> cancelled = std::make_shared<bool>(false);
    };
    struct Usage
    {
        UsageInput input;
        std::function<void(UsageResult)> done;
        std::shared_ptr<bool> cancelled = std::make_shared<bool>(false);
    };

    std::unique_ptr<KiroPendingCall> refresh(const RefreshInput &input,
                                             std::function<void(RefreshResult)> done) override;
    std::unique_ptr<KiroPendingCall> usageLimits(const UsageInput &input,
                                                 std::function<void(UsageResult)> done) override;
    std::unique_ptr<KiroPendingCall> listAvailableModels(const ModelsInput &input,
                                                         std::function<void(ModelsResult)> done) override;

    /** Open (not answered, not cancelled) refreshes. */
    int openRefreshes() const;
    /** Answers the oldest open refresh; false when there is none. */
    bool answerRefresh(const RefreshResult &result);
    bool answerUsage(const UsageResult &result);

    static RefreshResult tokens(const QString &accessToken, qint64 expiresInS = 3600,
                                const QString &rotatedRefreshToken = {}, const QString &profileArn = {});
    static RefreshResult failure(Failure failure, const QString &message);

    std::vector<Refresh> refreshes; ///< every refresh ever started, answered ones included
    std::vector<Usage> usages;
    std::vector<ModelsInput> modelLists; ///< every ListAvailableModels asked; answered with modelsAnswer
    ModelsResult modelsAnswer; ///< given at once (queued) to every ListAvailableModels

private:
    std::vector<size_t> m_openRefreshes;
    std::vector<size_t> m_openUsages;
};

} // namespace Drawbridge::Test
