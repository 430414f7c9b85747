// SPDX-License-Identifier: MIT
#include "scriptedprovider.h"

#include <QTimer>

namespace Drawbridge::Test {

class ScriptedCall final : public QObject, public ProviderCall
{
public:
    ScriptedCall(ScriptedProvider &provider, ScriptedProvider::Script script, ProviderSink *sink)
        : m_provider(provider), m_script(std::move(script)), m_sink(sink)
    {
        ++m_provider.m_alive;
        m_timer.setSingleShot(true);
        connect(&m_timer, &QTimer::timeout, this, &ScriptedCall::step);
        scheduleNext();
    }

    ~ScriptedCall() override
    {
        --m_provider.m_alive;
        if (!m_finished)
            ++m_provider.m_cancelled;
    }

private:
    void scheduleNext()
    {
        if (m_next >= m_script.size())
            return;
        m_timer.start(m_script[m_next].delayMs);
    }

    void step()
    {
        const ScriptedProvider::Event &e = m_script[m_next++].event;
        if (const auto *s = std::get_if<ScriptedProvider::Start>(&e))
            m_sink->onStart(ProviderStartInfo { s->accountId });
        else if (const auto *t = std::get_if<ScriptedProvider::Text>(&e))
            m_sink->onTextDelta(t->text);
        else if (const auto *r = std::get_if<ScriptedProvider::Reasoning>(&e))
            m_sink->onReasoningDelta(r->text);
        else if (const auto *sig = std::get_if<ScriptedProvider::ReasoningSignature>(&e))
            m_sink->onReasoningSignature(sig->signature);
        else if (const auto *red = std::get_if<ScriptedProvider::RedactedReasoning>(&e))
            m_sink->onRedactedReasoning(red->data);
        else if (const auto *ts = std::get_if<ScriptedProvider::ToolStart>(&e))
            m_sink->onToolCallStart(ts->index, ts->id, ts->name);
        else if (const auto *ta = std::get_if<ScriptedProvider::ToolArgs>(&e))
            m_sink->onToolCallArgumentsDelta(ta->index, ta->fragment);
        else if (const auto *u = std::get_if<Usage>(&e))
            m_sink->onUsage(*u);
        else if (std::holds_alternative<ScriptedProvider::KeepAlive>(e))
            m_sink->onKeepAlive();
        else if (const auto *f = std::get_if<FinishReason>(&e)) {
            m_finished = true;
            m_sink->onFinish(*f);
            return;
        } else if (const auto *err = std::get_if<ProviderError>(&e)) {
            m_finished = true;
            m_sink->onError(*err);
            return;
        }
        scheduleNext();
    }

    ScriptedProvider &m_provider;
    ScriptedProvider::Script m_script;
    ProviderSink *m_sink;
    QTimer m_timer;
    size_t m_next = 0;
    bool m_finished = false;
};

ScriptedProvider::Script ScriptedProvider::textScript(const QStringList &pieces, int delayMs)
{
    Script s;
    s.push_back({ delayMs, Start {} });
    for (const QString &p : pieces)
        s.push_back({ delayMs, Text { p } });
    Usage u;
    u.promptTokens = 12;
    u.completionTokens = 3;
    u.credits = 0.25;
    u.hasCredits = true;
    s.push_back({ 0, u });
    s.push_back({ 0, FinishReason::Stop });
    return s;
}

std::unique_ptr<ProviderCall> ScriptedProvider::start(const ChatRequest &request, ProviderSink *sink)
{
    ++m_started;
    m_lastRequest = request;
    Script script = m_default;
    if (!m_scripts.empty()) {
        script = std::move(m_scripts.front());
        m_scripts.pop_front();
    }
    return std::make_unique<ScriptedCall>(*this, std::move(script), sink);
}

} // namespace Drawbridge::Test
