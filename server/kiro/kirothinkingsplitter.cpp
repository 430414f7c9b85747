// SPDX-License-Identifier: MIT
#include "kirothinkingsplitter.h"

namespace Drawbridge {

namespace {

constexpr QStringView openTag = u"<thinking>";
constexpr QStringView closeTag = u"</thinking>";

void appendPiece(std::vector<KiroThinkingSplitter::Piece> &out, bool reasoning, QStringView text)
{
    if (text.isEmpty())
        return;
    if (!out.empty() && out.back().reasoning == reasoning)
        out.back().text += text;
    else
        out.push_back({ reasoning, text.toString() });
}

/** Length of the longest suffix of @p text that is a proper prefix of @p tag. */
qsizetype partialTagSuffix(QStringView text, QStringView tag)
{
    for (qsizetype n = qMin(text.size(), tag.size() - 1); n > 0; --n) {
        if (text.last(n) == tag.first(n))
            return n;
    }
    return 0;
}

} // namespace

void KiroThinkingSplitter::feed(QStringView text, std::vector<Piece> &out)
{
    if (m_state == State::Text) {
        appendPiece(out, false, text);
        return;
    }
    m_pending += text;
    process(out);
}

void KiroThinkingSplitter::process(std::vector<Piece> &out)
{
    for (;;) {
        switch (m_state) {
        case State::Start: {
            qsizetype ws = 0;
            while (ws < m_pending.size() && m_pending.at(ws).isSpace())
                ++ws;
            const QStringView rest = QStringView(m_pending).mid(ws);
            if (rest.size() < openTag.size() && openTag.startsWith(rest))
                return; // could still become the tag
            if (rest.startsWith(openTag)) {
                m_pending.remove(0, ws + openTag.size());
                m_state = State::Thinking;
                continue;
            }
            m_state = State::Text;
            appendPiece(out, false, m_pending);
            m_pending.clear();
            return;
        }
        case State::Thinking: {
            const qsizetype end = m_pending.indexOf(closeTag);
            if (end >= 0) {
                appendPiece(out, true, QStringView(m_pending).first(end));
                m_pending.remove(0, end + closeTag.size());
                m_state = State::AfterThinking;
                continue;
            }
            const qsizetype hold = partialTagSuffix(m_pending, closeTag);
            appendPiece(out, true, QStringView(m_pending).first(m_pending.size() - hold));
            m_pending.remove(0, m_pending.size() - hold);
            return;
        }
        case State::AfterThinking: {
            // The answer proper starts after the blank line(s) the model puts behind the closing tag.
            qsizetype ws = 0;
            while (ws < m_pending.size() && m_pending.at(ws).isSpace())
                ++ws;
            if (ws == m_pending.size()) {
                m_pending.clear();
                return;
            }
            m_state = State::Text;
            appendPiece(out, false, QStringView(m_pending).mid(ws));
            m_pending.clear();
            return;
        }
        case State::Text:
            appendPiece(out, false, m_pending);
            m_pending.clear();
            return;
        }
    }
}

void KiroThinkingSplitter::finish(std::vector<Piece> &out)
{
    if (m_state == State::Start || m_state == State::Text)
        appendPiece(out, false, m_pending);
    else if (m_state == State::Thinking)
        appendPiece(out, true, m_pending); // unterminated: it was reasoning all along
    m_pending.clear();
    m_state = State::Text;
}

} // namespace Drawbridge
