// SPDX-License-Identifier: MIT
#pragma once

#include <QCoreApplication>
#include <QList>
#include <QString>

namespace Drawbridge {

/** Copyable setup for the clients `drawbridge connect` does not edit (Cursor, Cline, shell, curl, Python,
 * JS). */
class ClientSnippets final
{
    Q_DECLARE_TR_FUNCTIONS(Drawbridge::ClientSnippets)

public:
    enum Kind { Cursor, Cline, Shell, Curl, Python, JavaScript };

    static QList<Kind> kinds();
    static QString title(Kind kind);
    /**
     * The snippet for @p baseUrl (without /v1); an empty @p key shows `$OPENAI_API_KEY` (or a "your key"
     * placeholder in the editor instructions) instead.
     */
    static QString text(Kind kind, const QString &baseUrl, const QString &key, const QString &model);
    /** "http://127.0.0.1:8642/v1": what OpenAI clients take as their base URL. */
    static QString openAiBaseUrl(const QString &baseUrl);
    /** "http://127.0.0.1:8642": what Anthropic clients take (they add /v1/messages themselves). */
    static QString anthropicBaseUrl(const QString &baseUrl);
};

} // namespace Drawbridge
