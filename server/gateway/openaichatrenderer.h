// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QString>

#include <memory>
#include <vector>

#include "chatrenderer.h"

namespace Drawbridge {

/** OpenAI chat.completion / chat.completion.chunk rendering. */
class OpenAiChatRenderer final : public ChatRenderer
{
public:
    OpenAiChatRenderer(std::shared_ptr<HttpResponder> responder, const QString &model, bool stream,
                       bool includeUsage, qint64 createdS);

    void begin() override;
    void text(const QString &delta) override;
    void reasoning(const QString &delta) override;
    void toolCallStart(int index, const QString &id, const QString &name) override;
    void toolCallArguments(int index, const QString &fragment) override;
    void keepAlive() override;
    void finish(FinishReason reason, const Usage &usage) override;
    void fail(const ApiError &error, bool begun) override;

    static QByteArray finishReasonName(FinishReason reason);

private:
    QByteArray deltaChunk(const QByteArray &deltaJson) const;
    void writeDelta(const QByteArray &deltaJson);
    /** Starts a chunk (the prefix and @p deltaStart) sized for about @p expected more bytes of delta. */
    QByteArray beginDelta(QByteArrayView deltaStart, qsizetype expected) const;
    /** Closes the delta object begun by beginDelta() and writes the chunk. */
    void endDelta(QByteArray &chunk);
    /** Appends the `usage` object. */
    static void appendUsageJson(QByteArray &out, const Usage &usage);

    struct PendingToolCall
    {
        QString id;
        QString name;
        QString arguments;
    };

    std::shared_ptr<HttpResponder> m_responder;
    bool m_stream;
    bool m_includeUsage;
    QByteArray m_id;
    QByteArray m_model; ///< JSON-quoted
    qint64 m_created;
    QByteArray m_chunkPrefix;
    // Non-streaming aggregation.
    QString m_text;
    QString m_reasoning;
    std::vector<PendingToolCall> m_toolCalls;
};

} // namespace Drawbridge
