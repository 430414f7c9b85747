// SPDX-License-Identifier: MIT
#include "scriptedaccountupstream.h"

#include <QCoreApplication>

#include <algorithm>

namespace Drawbridge::Test {

namespace {

class ScriptedCall final : public KiroPendingCall
{
public:
    explicit ScriptedCall(std::shared_ptr<bool> cancelled) : m_cancelled(std::move(cancelled)) { }
    ~ScriptedCall() override { *m_cancelled = true; }

private:
    std::shared_ptr<bool> m_cancelled;
};

} // namespace

std::unique_ptr<KiroPendingCall> ScriptedAccountUpstream::refresh(const RefreshInput &input,
                                                                  std::function<void(RefreshResult)> done)
{
    Refresh r;
    r.input = input;
    r.done = std::move(done);
    refreshes.push_back(r);
    m_openRefreshes.push_back(refreshes.size() - 1);
    return std::make_unique<ScriptedCall>(r.cancelled);
}

std::unique_ptr<KiroPendingCall> ScriptedAccountUpstream::usageLimits(const UsageInput &input,
                                                                      std::function<void(UsageResult)> done)
{
    Usage u;
    u.input = input;
    u.done = std::move(done);
    usages.push_back(u);
    m_openUsages.push_back(usages.size() - 1);
    return std::make_unique<ScriptedCall>(u.cancelled);
}

std::unique_ptr<KiroPendingCall>
ScriptedAccountUpstream::listAvailableModels(const ModelsInput &input, std::function<void(ModelsResult)> done)
{
    modelLists.push_back(input);
    auto cancelled = std::make_shared<bool>(false);
    // Never from inside the call (the interface's promise): answered on the next event-loop turn.
    QMetaObject::invokeMethod(
        QCoreApplication::instance(),
        [cancelled, done = std::move(done), answer = modelsAnswer] {
            if (!*cancelled)
                done(answer);
        },
        Qt::QueuedConnection);
    return std::make_unique<ScriptedCall>(cancelled);
}

int ScriptedAccountUpstream::openRefreshes() const
{
    return int(std::count_if(m_openRefreshes.begin(), m_openRefreshes.end(),
                             [this](size_t i) { return !*refreshes[i].cancelled; }));
}

bool ScriptedAccountUpstream::answerRefresh(const RefreshResult &result)
{
    while (!m_openRefreshes.empty()) {
        const size_t i = m_openRefreshes.front();
        m_openRefreshes.erase(m_openRefreshes.begin());
        if (*refreshes[i].cancelled)
            continue;
        // Copied first: the callback destroys the handle, which may be the last owner of what it captured.
        const auto done = refreshes[i].done;
        done(result);
        return true;
    }
    return false;
}

bool ScriptedAccountUpstream::answerUsage(const UsageResult &result)
{
    while (!m_openUsages.empty()) {
        const size_t i = m_openUsages.front();
        m_openUsages.erase(m_openUsages.begin());
        if (*usages[i].cancelled)
            continue;
        const auto done = usages[i].done;
        done(result);
        return true;
    }
    return false;
}

KiroAccountUpstream::RefreshResult ScriptedAccountUpstream::tokens(const QString &accessToken,
                                                                   qint64 expiresInS,
                                                                   const QString &rotatedRefreshToken,
                                                                   const QString &profileArn)
{
    RefreshResult r;
    r.tokens.accessToken = accessToken;
    r.tokens.expiresInS = expiresInS;
    r.tokens.refreshToken = rotatedRefreshToken;
    r.tokens.profileArn = profileArn;
    r.httpStatus = 200;
    return r;
}

KiroAccountUpstream::RefreshResult ScriptedAccountUpstream::failure(Failure failure, const QString &message)
{
    RefreshResult r;
    r.failure = failure;
    r.message = message;
    return r;
}

} // namespace Drawbridge::Test
