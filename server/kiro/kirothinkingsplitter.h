// SPDX-License-Identifier: MIT
#pragma once

#include <QString>
#include <QStringView>

#include <vector>

namespace Drawbridge {

/**
 * @brief Splits an emulated-thinking answer (`<thinking>…</thinking>` then the answer, §2.9) into reasoning
 * and text, incrementally.
 *
 * Tags may be cut anywhere across stream deltas, so up to one tag's worth of text is held back while it
 * could still turn out to be a tag. Only a block at the very start of the answer counts as reasoning; a
 * later "<thinking>" is ordinary text the model chose to write.
 */
class KiroThinkingSplitter final
{
public:
    struct Piece
    {
        bool reasoning = false;
        QString text;
    };

    void feed(QStringView text, std::vector<Piece> &out);
    /** End of stream: releases whatever was held back. */
    void finish(std::vector<Piece> &out);

private:
    enum class State { Start, Thinking, AfterThinking, Text };
    void process(std::vector<Piece> &out);

    State m_state = State::Start;
    QString m_pending;
};

} // namespace Drawbridge
