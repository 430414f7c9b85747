// SPDX-License-Identifier: MIT
#include "clientsnippets.h"

namespace Drawbridge {

QList<ClientSnippets::Kind> ClientSnippets::kinds()
{
    return { Cursor, Cline, Shell, Curl, Python, JavaScript };
}

QString ClientSnippets::title(Kind kind)
{
    switch (kind) {
    case Cursor:
        return tr("Cursor");
    case Cline:
        return tr("Cline");
    case Shell:
        return tr("Shell");
    case Curl:
        return tr("curl");
    case Python:
        return tr("Python");
    case JavaScript:
        return tr("JavaScript");
    }
    return {};
}

QString ClientSnippets::openAiBaseUrl(const QString &baseUrl)
{
    return baseUrl + QStringLiteral("/v1");
}

QString ClientSnippets::anthropicBaseUrl(const QString &baseUrl)
{
    return baseUrl;
}

QString ClientSnippets::text(Kind kind, const QString &baseUrl, const QString &key, const QString &model)
{
    const QString v1 = openAiBaseUrl(baseUrl);
    const QString shellKey = key.isEmpty() ? QStringLiteral("$OPENAI_API_KEY") : key;
    switch (kind) {
    case Cursor:
        return tr("Cursor → Settings → Models:\n"
                  "  OpenAI API Key: %1\n"
                  "  Override OpenAI Base URL: %2\n"
                  "  Add model: %3 (turn the other models off)\n"
                  "Cursor may send these requests from its own servers, which cannot reach 127.0.0.1; "
                  "then the gateway needs a tunnel.")
            .arg(key.isEmpty() ? tr("your Drawbridge key (db-…)") : key, v1, model);
    case Cline:
        return tr("Cline → Settings → API Configuration:\n"
                  "  API Provider: OpenAI Compatible\n"
                  "  Base URL: %1\n"
                  "  API Key: %2\n"
                  "  Model ID: %3")
            .arg(v1, key.isEmpty() ? tr("your Drawbridge key (db-…)") : key, model);
    case Shell:
        return QStringLiteral("export OPENAI_BASE_URL=%1\nexport OPENAI_API_KEY=%2\n"
                              "export ANTHROPIC_BASE_URL=%3\nexport ANTHROPIC_API_KEY=%2\n")
            .arg(v1, shellKey, anthropicBaseUrl(baseUrl));
    case Curl:
        return QStringLiteral("curl %1/chat/completions \\\n  -H \"Authorization: Bearer %2\" \\\n"
                              "  -H \"Content-Type: application/json\" \\\n"
                              "  -d '{\"model\": \"%3\", \"messages\": [{\"role\": \"user\", \"content\": "
                              "\"Hello\"}]}'\n")
            .arg(v1, shellKey, model);
    case Python:
        return QStringLiteral("import os\nfrom openai import OpenAI\n\n"
                              "client = OpenAI(base_url=\"%1\", api_key=%2)\n"
                              "reply = client.chat.completions.create(\n"
                              "    model=\"%3\", messages=[{\"role\": \"user\", \"content\": \"Hello\"}]\n)\n"
                              "print(reply.choices[0].message.content)\n")
            .arg(v1,
                 key.isEmpty() ? QStringLiteral("os.environ[\"OPENAI_API_KEY\"]")
                               : QString(QLatin1Char('"') + key + QLatin1Char('"')),
                 model);
    case JavaScript:
        return QStringLiteral("import OpenAI from \"openai\";\n\n"
                              "const client = new OpenAI({ baseURL: \"%1\", apiKey: %2 });\n"
                              "const reply = await client.chat.completions.create({\n"
                              "  model: \"%3\",\n  messages: [{ role: \"user\", content: \"Hello\" }],\n});\n"
                              "console.log(reply.choices[0].message.content);\n")
            .arg(v1,
                 key.isEmpty() ? QStringLiteral("process.env.OPENAI_API_KEY")
                               : QString(QLatin1Char('"') + key + QLatin1Char('"')),
                 model);
    }
    return {};
}

} // namespace Drawbridge
