// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QString>

#include <memory>
#include <vector>

#include "chatrenderer.h"
#include "sseeventbatch.h"

namespace Drawbridge {

/**
 * @brief OpenAI Responses API rendering: one `response` object, or its event stream (docs/api.md).
 *
 * Provider events become output items in order of appearance: `reasoning` (reasoning deltas; a signature
 * ends the item), `message` with one `output_text` part, and one `function_call` per tool call. A text or
 * reasoning item is open until output of another kind arrives; function calls stay open until text or
 * reasoning follows or the response ends, so a late argument fragment still reaches its own item. Every
 * event carries an increasing `sequence_number`; the stream ends with `response.completed` (or
 * `response.incomplete` at the token limit) holding the whole response and its usage. A failure before output
 * is a plain OpenAI error response; after it, an `error` event and `response.failed`.
 */
class ResponsesRenderer final : public ChatRenderer
{
public:
    /** @p echo: the request fields the response repeats, as JSON members each ending in a comma. */
    ResponsesRenderer(std::shared_ptr<HttpResponder> responder, const QString &model, bool stream,
                      qint64 createdS, QByteArray echo);

    void begin() override;
    void text(const QString &delta) override;
    void reasoning(const QString &delta) override;
    void reasoningSignature(const QString &signature) override;
    void toolCallStart(int index, const QString &id, const QString &name) override;
    void toolCallArguments(int index, const QString &fragment) override;
    void keepAlive() override;
    void finish(FinishReason reason, const Usage &usage) override;
    void fail(const ApiError &error, bool begun) override;

    /** The Responses usage object: input/output tokens, cached input, reasoning tokens (not reported: 0). */
    static QByteArray usageJson(const Usage &usage);

private:
    enum class ItemType { Message, Reasoning, FunctionCall };

    struct Item
    {
        ItemType type;
        QByteArray id;
        QString content; ///< the text, the reasoning text or the call's arguments
        QString callId;
        QString name;
        bool open = true;
    };

    /** Index of the open text or reasoning item of @p type, opening one when needed. */
    int ensureOpen(ItemType type);
    int openItem(Item item);
    void closeItem(int index);
    /** Closes the open text or reasoning item and every open function call. */
    void closeAll();
    /** The item as JSON; @p done: with its content and final status, else as `output_item.added` shows it. */
    QByteArray itemJson(const Item &item, bool done) const;
    /**
     * The response object with @p status and @p usage (JSON); @p extra replaces the `error` and
     * `incomplete_details` members when set. `in_progress` lists no output; any other status every item so
     * far.
     */
    QByteArray responseJson(const QByteArray &status, const QByteArray &usage, const QByteArray &extra) const;
    /** Writes `event: TYPE` with `{"type":TYPE,"sequence_number":N,<body>}`. */
    /** Queues one SSE event in m_events (see SseEventBatch). */
    void writeEvent(const char *type, const QByteArray &body);
    QByteArray itemRef(int index) const;

    std::shared_ptr<HttpResponder> m_responder;
    SseEventBatch m_events; ///< events of the current callback, not written yet
    bool m_stream;
    QByteArray m_id;
    QByteArray m_model; ///< JSON-quoted
    qint64 m_created;
    QByteArray m_echo;
    std::vector<Item> m_items;
    std::vector<int> m_toolItems; ///< provider tool-call index → item index, -1 when unknown
    int m_openIndex = -1; ///< the open text or reasoning item
    qint64 m_sequence = 0;
    QByteArray m_itemStatus = QByteArrayLiteral("completed");
};

} // namespace Drawbridge
