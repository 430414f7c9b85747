// SPDX-License-Identifier: MIT
#pragma once

#include <QStringList>

#include "server/core/provider.h"

namespace Drawbridge::Test {

/** A ProviderSink that writes every event as one line, so tests compare whole event sequences. */
class RecordingSink final : public ProviderSink
{
public:
    QStringList events;
    Usage lastUsage;
    std::optional<FinishReason> finishReason;
    std::optional<ProviderError> error;
    QString text;
    QString reasoning;
    QStringList toolArguments; ///< per tool index, the concatenated fragments
    QStringList toolNames;

    void onStart(const ProviderStartInfo &info) override
    {
        events << QStringLiteral("start:") + info.accountId;
    }
    void onTextDelta(const QString &delta) override
    {
        events << QStringLiteral("text:") + delta;
        text += delta;
    }
    void onReasoningDelta(const QString &delta) override
    {
        events << QStringLiteral("reasoning:") + delta;
        reasoning += delta;
    }
    void onReasoningSignature(const QString &signature) override
    {
        events << QStringLiteral("signature:") + signature;
    }
    void onRedactedReasoning(const QString &data) override { events << QStringLiteral("redacted:") + data; }
    void onToolCallStart(int index, const QString &id, const QString &name) override
    {
        events << QStringLiteral("tool:%1:%2:%3").arg(index).arg(id, name);
        while (toolArguments.size() <= index) {
            toolArguments.append(QString());
            toolNames.append(QString());
        }
        toolNames[index] = name;
    }
    void onToolCallArgumentsDelta(int index, const QString &fragment) override
    {
        events << QStringLiteral("args:%1:%2").arg(index).arg(fragment);
        toolArguments[index] += fragment;
    }
    void onUsage(const Usage &usage) override
    {
        lastUsage = usage;
        events << QStringLiteral("usage");
    }
    void onKeepAlive() override { events << QStringLiteral("keepalive"); }
    void onFinish(FinishReason reason) override
    {
        finishReason = reason;
        events << QStringLiteral("finish:%1").arg(int(reason));
    }
    void onError(const ProviderError &e) override
    {
        error = e;
        events << QStringLiteral("error:%1").arg(int(e.kind));
    }
    int terminalCount() const
    {
        int n = 0;
        for (const QString &e : events)
            n += e.startsWith(QLatin1String("finish:")) || e.startsWith(QLatin1String("error:")) ? 1 : 0;
        return n;
    }
};

} // namespace Drawbridge::Test
