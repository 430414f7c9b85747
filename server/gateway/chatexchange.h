// SPDX-License-Identifier: MIT
#pragma once

#include <QBasicTimer>
#include <QObject>

#include <functional>
#include <memory>

#include "chatrenderer.h"
#include "server/core/provider.h"
#include "server/core/requestrecord.h"

namespace Drawbridge {

class Clock;
class HttpResponder;

/**
 * @brief One chat request in flight: provider call + renderer + bookkeeping.
 *
 * Owns the ProviderCall, so destroying the exchange cancels the upstream request and frees its slot. It
 * deletes itself after the terminal event, when the client disconnects, or at the safety timeout, and reports
 * exactly one RequestRecord on every path.
 */
class ChatExchange final : public QObject, public ProviderSink
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ChatExchange)

public:
    using FinishedCallback = std::function<void(const RequestRecord &)>;

    ChatExchange(const Clock &clock, std::shared_ptr<HttpResponder> responder,
                 std::unique_ptr<ChatRenderer> renderer, RequestRecord record, qint64 startedNs, int timeoutS,
                 FinishedCallback finished);
    ~ChatExchange() override;

    /** Starts the provider call; @p overheadNs is the gateway time spent before this point. */
    void start(Provider &provider, const ChatRequest &request, qint64 overheadNs);

    void onStart(const ProviderStartInfo &info) override;
    void onTextDelta(const QString &text) override;
    void onReasoningDelta(const QString &text) override;
    void onReasoningSignature(const QString &signature) override;
    void onRedactedReasoning(const QString &data) override;
    void onToolCallStart(int index, const QString &id, const QString &name) override;
    void onToolCallArgumentsDelta(int index, const QString &fragment) override;
    void onUsage(const Usage &usage) override;
    void onKeepAlive() override;
    void onFinish(FinishReason reason) override;
    void onError(const ProviderError &error) override;

    static ApiError toApiError(const ProviderError &error);

    const QString &keyId() const { return m_record.keyId; }
    const QString &requestedModel() const { return m_record.model; }
    /** True until the answer has begun (status line sent): the request still waits for the upstream. */
    bool isWaiting() const { return !m_done && !m_begun; }
    /**
     * The key lost its access while this request waited for a slot or the upstream's first byte: cancel the
     * upstream call (freeing its place in the queue) and answer @p error. No-op once the answer has begun.
     */
    void refuseWaiting(const ApiError &error);

protected:
    void timerEvent(QTimerEvent *event) override;

private:
    void firstOutput();
    void complete(const QString &status, int httpStatus, const QString &message = {});
    void onClientGone();
    void onTimeout();

    class OverheadScope;

    const Clock &m_clock;
    std::shared_ptr<HttpResponder> m_responder;
    std::unique_ptr<ChatRenderer> m_renderer;
    std::unique_ptr<ProviderCall> m_call;
    RequestRecord m_record;
    FinishedCallback m_finished;
    // A QBasicTimer, not a QTimer: one QObject and one signal connection fewer per request.
    QBasicTimer m_timeout;
    int m_timeoutMs;
    qint64 m_startedNs;
    qint64 m_upstreamStartNs = 0;
    qint64 m_overheadNs = 0;
    bool m_begun = false;
    bool m_done = false;
    QMetaObject::Connection m_disconnect;
};

} // namespace Drawbridge
