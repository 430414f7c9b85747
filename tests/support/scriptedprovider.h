// SPDX-License-Identifier: MIT
#pragma once

#include <QObject>
#include <QString>

#include <deque>
#include <variant>
#include <vector>

#include "server/core/provider.h"

namespace Drawbridge::Test {

/**
 * @brief A Provider that plays scripted event sequences, for testing the front ends without an upstream.
 *
 * Each started call takes the next script (or the default one). Steps run on timers, so streaming, delays and
 * client disconnects behave as with a real upstream. It counts calls that are alive, so tests can prove that
 * a client disconnect cancels the call.
 */
class ScriptedProvider final : public QObject, public Provider
{
    Q_OBJECT

public:
    struct Start
    {
        QString accountId = QStringLiteral("acct-1");
    };
    struct Text
    {
        QString text;
    };
    struct Reasoning
    {
        QString text;
    };
    struct ReasoningSignature
    {
        QString signature;
    };
    struct RedactedReasoning
    {
        QString data;
    };
    struct ToolStart
    {
        int index;
        QString id;
        QString name;
    };
    struct ToolArgs
    {
        int index;
        QString fragment;
    };
    struct KeepAlive
    {
    };
    using Event = std::variant<Start, Text, Reasoning, ReasoningSignature, RedactedReasoning, ToolStart,
                               ToolArgs, Usage, KeepAlive, FinishReason, ProviderError>;
    struct Step
    {
        int delayMs = 0;
        Event event;
    };
    using Script = std::vector<Step>;

    /** "Hello world" in two pieces, with usage, then stop. */
    static Script textScript(const QStringList &pieces
                             = { QStringLiteral("Hello"), QStringLiteral(" world") },
                             int delayMs = 0);

    void enqueue(Script script) { m_scripts.push_back(std::move(script)); }
    void setDefaultScript(Script script) { m_default = std::move(script); }
    void setPoolStatus(const PoolStatus &s) { m_pool = s; }

    std::unique_ptr<ProviderCall> start(const ChatRequest &request, ProviderSink *sink) override;
    PoolStatus poolStatus() const override { return m_pool; }

    int started() const { return m_started; }
    int alive() const { return m_alive; }
    int cancelled() const { return m_cancelled; }
    const ChatRequest &lastRequest() const { return m_lastRequest; }

private:
    friend class ScriptedCall;
    std::deque<Script> m_scripts;
    Script m_default = textScript();
    PoolStatus m_pool { 1, 1, 3, 3, 0, 0 };
    ChatRequest m_lastRequest;
    int m_started = 0;
    int m_alive = 0;
    int m_cancelled = 0;
};

} // namespace Drawbridge::Test
