// SPDX-License-Identifier: MIT
#include "toolconnector.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>
#include <QRegularExpression>
#include <QSaveFile>

#include <toml++/toml.h>

#include <optional>
#include <sstream>

#include "unifieddiff.h"

namespace Drawbridge {

namespace {

const QString backupSuffix = QStringLiteral(".drawbridge-backup");
const QString createdSuffix = QStringLiteral(".drawbridge-created");
const QString providerId = QStringLiteral("drawbridge");

/** The file's text, std::nullopt when it does not exist, or an error. */
Result<std::optional<QString>> readText(const QString &path)
{
    QFile file(path);
    if (!file.exists())
        return std::optional<QString>();
    if (file.size() > ToolConnector::maxFileBytes)
        return Error { QStringLiteral("%1 is larger than %2 MiB; not touching it")
                           .arg(path)
                           .arg(ToolConnector::maxFileBytes / (1024 * 1024)) };
    if (!file.open(QIODevice::ReadOnly))
        return Error { QStringLiteral("cannot read %1: %2").arg(path, file.errorString()) };
    return std::optional<QString>(QString::fromUtf8(file.read(ToolConnector::maxFileBytes)));
}

Status writeText(const QString &path, const QByteArray &data, bool privateFile)
{
    if (!QDir().mkpath(QFileInfo(path).absolutePath()))
        return Error { QStringLiteral("cannot create the folder of %1").arg(path) };
    const bool existed = QFile::exists(path);
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return Error { QStringLiteral("cannot write %1: %2").arg(path, file.errorString()) };
    file.write(data);
    if (!file.commit())
        return Error { QStringLiteral("cannot write %1: %2").arg(path, file.errorString()) };
    // These files hold a client key: a new one is readable by its owner only.
    if (privateFile && !existed)
        QFile::setPermissions(path, QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    return Ok {};
}

Result<QJsonObject> parseJsonObject(const QString &text, const QString &path)
{
    if (text.trimmed().isEmpty())
        return QJsonObject();
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(text.toUtf8(), &error);
    if (error.error != QJsonParseError::NoError)
        return Error { QStringLiteral("%1 is not valid JSON (%2 at offset %3); fix it or move it away first")
                           .arg(path, error.errorString())
                           .arg(error.offset) };
    if (!doc.isObject())
        return Error {
            QStringLiteral("%1 does not hold a JSON object; fix it or move it away first").arg(path)
        };
    return doc.object();
}

QString jsonText(const QJsonObject &object)
{
    return QString::fromUtf8(QJsonDocument(object).toJson(QJsonDocument::Indented));
}

Result<QString> claudeCode(const QString &before, const QString &path, const ToolConnector::Target &t)
{
    auto root = parseJsonObject(before, path);
    if (!root)
        return Error { root.error() };
    if (root->contains(QStringLiteral("env")) && !root->value(QStringLiteral("env")).isObject())
        return Error { QStringLiteral("%1: \"env\" is not an object; fix it first").arg(path) };
    QJsonObject env = root->value(QStringLiteral("env")).toObject();
    // Claude Code sends ANTHROPIC_AUTH_TOKEN as a Bearer token without asking to approve it (an
    // ANTHROPIC_API_KEY would be asked about, and would win over it).
    env.remove(QStringLiteral("ANTHROPIC_API_KEY"));
    env.insert(QStringLiteral("ANTHROPIC_BASE_URL"), t.baseUrl);
    env.insert(QStringLiteral("ANTHROPIC_AUTH_TOKEN"), t.key);
    // Its own default model id changes with its releases and may be unknown upstream.
    env.insert(QStringLiteral("ANTHROPIC_MODEL"), t.model);
    env.insert(QStringLiteral("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC"), QStringLiteral("1"));
    root->insert(QStringLiteral("env"), env);
    return jsonText(*root);
}

Result<QString> openCode(const QString &before, const QString &path, const ToolConnector::Target &t)
{
    auto root = parseJsonObject(before, path);
    if (!root)
        return Error { root.error() };
    if (root->contains(QStringLiteral("provider")) && !root->value(QStringLiteral("provider")).isObject())
        return Error { QStringLiteral("%1: \"provider\" is not an object; fix it first").arg(path) };
    if (!root->contains(QStringLiteral("$schema")))
        root->insert(QStringLiteral("$schema"), QStringLiteral("https://opencode.ai/config.json"));
    QJsonObject models;
    QStringList ids = t.models;
    if (!ids.contains(t.model))
        ids.prepend(t.model);
    for (const QString &id : ids)
        models.insert(id, QJsonObject { { QStringLiteral("name"), QJsonValue(id) } });
    const QJsonObject provider {
        { QStringLiteral("npm"), QStringLiteral("@ai-sdk/openai-compatible") },
        { QStringLiteral("name"), QStringLiteral("Drawbridge") },
        { QStringLiteral("options"),
          QJsonObject { { QStringLiteral("baseURL"), QString(t.baseUrl + QStringLiteral("/v1")) },
                        { QStringLiteral("apiKey"), t.key } } },
        { QStringLiteral("models"), models },
    };
    QJsonObject providers = root->value(QStringLiteral("provider")).toObject();
    providers.insert(providerId, provider);
    root->insert(QStringLiteral("provider"), providers);
    root->insert(QStringLiteral("model"), QString(providerId + QLatin1Char('/') + t.model));
    return jsonText(*root);
}

Result<QString> codex(const QString &before, const QString &path, const ToolConnector::Target &t)
{
    toml::table root;
    if (!before.trimmed().isEmpty()) {
        const QByteArray utf8 = before.toUtf8();
        try {
            root = toml::parse(std::string_view(utf8.constData(), size_t(utf8.size())));
        } catch (const toml::parse_error &e) {
            return Error { QStringLiteral("%1 is not valid TOML (%2, line %3); fix it or move it away first")
                               .arg(path, QString::fromStdString(std::string(e.description())))
                               .arg(e.source().begin.line) };
        }
    }
    if (root.contains("model_providers") && !root["model_providers"].is_table())
        return Error { QStringLiteral("%1: model_providers is not a table; fix it first").arg(path) };
    if (!root.contains("model_providers"))
        root.insert("model_providers", toml::table {});
    toml::table &providers = *root["model_providers"].as_table();
    providers.insert_or_assign("drawbridge",
                               toml::table {
                                   { "name", "Drawbridge" },
                                   { "base_url", QString(t.baseUrl + QStringLiteral("/v1")).toStdString() },
                                   // The key itself, so codex works without exporting a variable first.
                                   { "experimental_bearer_token", t.key.toStdString() },
                                   { "wire_api", "responses" },
                               });
    root.insert_or_assign("model_provider", providerId.toStdString());
    root.insert_or_assign("model", t.model.toStdString());
    std::ostringstream out;
    out << toml::toml_formatter(root, toml::toml_formatter::default_flags);
    return QString(QString::fromStdString(out.str()) + QLatin1Char('\n'));
}

QString yamlQuoted(const QString &s)
{
    QString escaped = s;
    escaped.replace(QLatin1Char('\\'), QStringLiteral("\\\\"))
        .replace(QLatin1Char('"'), QStringLiteral("\\\""));
    return QLatin1Char('"') + escaped + QLatin1Char('"');
}

int indentOf(const QString &line)
{
    int i = 0;
    while (i < line.size() && line[i] == QLatin1Char(' '))
        ++i;
    return i;
}

bool isBlankOrComment(const QString &line)
{
    const QString t = line.trimmed();
    return t.isEmpty() || t.startsWith(QLatin1Char('#'));
}

QStringList continueEntry(int indent, const ToolConnector::Target &t)
{
    const QString pad(indent, QLatin1Char(' '));
    const QString in(indent + 2, QLatin1Char(' '));
    return {
        pad + QStringLiteral("- name: Drawbridge"),
        in + QStringLiteral("provider: openai"),
        in + QStringLiteral("model: ") + yamlQuoted(t.model),
        in + QStringLiteral("apiBase: ") + yamlQuoted(t.baseUrl + QStringLiteral("/v1")),
        in + QStringLiteral("apiKey: ") + yamlQuoted(t.key),
        in + QStringLiteral("roles:"),
        in + QStringLiteral("  - chat"),
        in + QStringLiteral("  - edit"),
        in + QStringLiteral("  - apply"),
    };
}

// Continue's config.yaml is edited as text (there is no YAML library here, and a rewrite would lose the
// user's comments): the "Drawbridge" entry of the top-level block sequence `models` is replaced or added
// first.
Result<QString> continueDev(const QString &before, const QString &path, const ToolConnector::Target &t)
{
    if (before.trimmed().isEmpty()) {
        QStringList lines { QStringLiteral("name: Local config"), QStringLiteral("version: 1.0.0"),
                            QStringLiteral("schema: v1"), QStringLiteral("models:") };
        lines += continueEntry(2, t);
        return QString(lines.join(QLatin1Char('\n')) + QLatin1Char('\n'));
    }
    QStringList lines = before.split(QLatin1Char('\n'));
    const bool endsWithNewline = before.endsWith(QLatin1Char('\n'));
    if (endsWithNewline)
        lines.removeLast();
    static const QRegularExpression modelsKey(QStringLiteral("^models:\\s*(#.*)?$"));
    static const QRegularExpression emptyFlow(QStringLiteral("^models:\\s*\\[\\s*\\]\\s*(#.*)?$"));
    static const QRegularExpression otherValue(QStringLiteral("^models:\\s*\\S"));
    static const QRegularExpression ours(QStringLiteral("^\\s*-\\s+name:\\s*\"?Drawbridge\"?\\s*$"));
    qsizetype keyLine = -1;
    for (qsizetype i = 0; i < lines.size(); ++i) {
        if (modelsKey.match(lines[i]).hasMatch()) {
            keyLine = i;
            break;
        }
        if (emptyFlow.match(lines[i]).hasMatch()) {
            lines[i] = QStringLiteral("models:");
            keyLine = i;
            break;
        }
        if (otherValue.match(lines[i]).hasMatch())
            return Error { QStringLiteral(
                               "%1: \"models\" is not a block list; add the Drawbridge model by hand "
                               "(see the snippets)")
                               .arg(path) };
    }
    if (keyLine < 0) {
        lines.append(QStringLiteral("models:"));
        lines += continueEntry(2, t);
        return QString(lines.join(QLatin1Char('\n')) + QLatin1Char('\n'));
    }
    // The list's items: from the key to the next line indented no deeper than the key (another top-level
    // key).
    qsizetype end = keyLine + 1;
    int itemIndent = -1;
    while (end < lines.size()) {
        if (!isBlankOrComment(lines[end])) {
            const int indent = indentOf(lines[end]);
            const bool item = lines[end].mid(indent).startsWith(QLatin1Char('-'));
            if (indent == 0 && !item)
                break;
            if (itemIndent < 0 && item)
                itemIndent = indent;
        }
        ++end;
    }
    if (itemIndent < 0)
        itemIndent = 2;
    // Drop an earlier Drawbridge entry: its line and every following line indented deeper than its dash.
    for (qsizetype i = keyLine + 1; i < end; ++i) {
        if (!ours.match(lines[i]).hasMatch() || indentOf(lines[i]) != itemIndent)
            continue;
        qsizetype j = i + 1;
        while (j < end && (lines[j].trimmed().isEmpty() || indentOf(lines[j]) > itemIndent))
            ++j;
        lines.remove(i, j - i);
        break;
    }
    const QStringList entry = continueEntry(itemIndent, t);
    for (qsizetype k = 0; k < entry.size(); ++k)
        lines.insert(keyLine + 1 + k, entry[k]);
    return QString(lines.join(QLatin1Char('\n')) + QLatin1Char('\n'));
}

} // namespace

ToolConnector::ToolConnector(QProcessEnvironment env) : m_env(std::move(env)) { }

QStringList ToolConnector::tools()
{
    return { QStringLiteral("claude-code"), QStringLiteral("codex"), QStringLiteral("opencode"),
             QStringLiteral("continue") };
}

bool ToolConnector::isTool(const QString &tool)
{
    return tools().contains(tool);
}

QString ToolConnector::displayName(const QString &tool)
{
    if (tool == QLatin1String("claude-code"))
        return QStringLiteral("Claude Code");
    if (tool == QLatin1String("codex"))
        return QStringLiteral("Codex CLI");
    if (tool == QLatin1String("opencode"))
        return QStringLiteral("opencode");
    if (tool == QLatin1String("continue"))
        return QStringLiteral("Continue");
    return tool;
}

QString ToolConnector::home() const
{
    const QString h = m_env.value(QStringLiteral("HOME"));
    return h.isEmpty() ? QDir::homePath() : h;
}

QString ToolConnector::configPath(const QString &tool) const
{
    auto dirOr = [this](const char *var, const QString &fallback) {
        const QString v = m_env.value(QString::fromLatin1(var));
        return v.isEmpty() ? fallback : v;
    };
    if (tool == QLatin1String("claude-code"))
        return QDir(dirOr("CLAUDE_CONFIG_DIR", home() + QStringLiteral("/.claude")))
            .filePath(QStringLiteral("settings.json"));
    if (tool == QLatin1String("codex"))
        return QDir(dirOr("CODEX_HOME", home() + QStringLiteral("/.codex")))
            .filePath(QStringLiteral("config.toml"));
    if (tool == QLatin1String("opencode"))
        return QDir(dirOr("XDG_CONFIG_HOME", home() + QStringLiteral("/.config")))
            .filePath(QStringLiteral("opencode/opencode.json"));
    if (tool == QLatin1String("continue"))
        return QDir(home()).filePath(QStringLiteral(".continue/config.yaml"));
    return {};
}

Result<ToolConnector::Plan> ToolConnector::plan(const QString &tool, const Target &target) const
{
    if (!isTool(tool))
        return Error {
            QStringLiteral("unknown tool '%1' (one of: %2)").arg(tool, tools().join(QStringLiteral(", ")))
        };
    if (target.key.isEmpty())
        return Error { QStringLiteral("no client key to write") };
    Plan p;
    p.tool = tool;
    p.filePath = configPath(tool);
    if (tool == QLatin1String("opencode") && !QFile::exists(p.filePath)) {
        const QString jsonc = QFileInfo(p.filePath).absolutePath() + QStringLiteral("/opencode.jsonc");
        if (QFile::exists(jsonc))
            return Error { QStringLiteral(
                               "%1 has comments (JSONC) that a rewrite would lose; add the Drawbridge "
                               "provider by hand (see the snippets)")
                               .arg(jsonc) };
    }
    const auto current = readText(p.filePath);
    if (!current)
        return Error { current.error() };
    p.exists = current->has_value();
    p.before = current->value_or(QString());
    Result<QString> after = Error {};
    if (tool == QLatin1String("claude-code"))
        after = claudeCode(p.before, p.filePath, target);
    else if (tool == QLatin1String("codex"))
        after = codex(p.before, p.filePath, target);
    else if (tool == QLatin1String("opencode"))
        after = openCode(p.before, p.filePath, target);
    else
        after = continueDev(p.before, p.filePath, target);
    if (!after)
        return Error { after.error() };
    p.after = *after;
    p.diff = UnifiedDiff::make(p.before, p.after, p.exists ? p.filePath : QStringLiteral("/dev/null"),
                               p.filePath);
    return p;
}

Status ToolConnector::apply(const Plan &plan) const
{
    const auto current = readText(plan.filePath);
    if (!current)
        return Error { current.error() };
    if (current->has_value() != plan.exists || current->value_or(QString()) != plan.before)
        return Error {
            QStringLiteral("%1 changed since the change was shown; try again").arg(plan.filePath)
        };
    const QString backup = plan.filePath + backupSuffix;
    const QString created = plan.filePath + createdSuffix;
    // Only the first connect keeps a backup: undo returns to the file as it was before Drawbridge touched it.
    if (!QFile::exists(backup) && !QFile::exists(created)) {
        const Status kept = plan.exists ? writeText(backup, plan.before.toUtf8(), true)
                                        : writeText(created, QByteArray(), true);
        if (!kept)
            return kept;
    }
    return writeText(plan.filePath, plan.after.toUtf8(), true);
}

bool ToolConnector::canUndo(const QString &tool) const
{
    const QString path = configPath(tool);
    return !path.isEmpty() && (QFile::exists(path + backupSuffix) || QFile::exists(path + createdSuffix));
}

Status ToolConnector::undo(const QString &tool) const
{
    if (!isTool(tool))
        return Error {
            QStringLiteral("unknown tool '%1' (one of: %2)").arg(tool, tools().join(QStringLiteral(", ")))
        };
    const QString path = configPath(tool);
    const QString backup = path + backupSuffix;
    const QString created = path + createdSuffix;
    if (QFile::exists(backup)) {
        const auto original = readText(backup);
        if (!original)
            return Error { original.error() };
        if (const Status restored = writeText(path, original->value_or(QString()).toUtf8(), false); !restored)
            return restored;
        QFile::remove(backup);
        QFile::remove(created);
        return Ok {};
    }
    if (QFile::exists(created)) {
        if (QFile::exists(path) && !QFile::remove(path))
            return Error { QStringLiteral("cannot remove %1").arg(path) };
        QFile::remove(created);
        return Ok {};
    }
    return Error { QStringLiteral("nothing to undo: %1 was not changed by drawbridge connect").arg(path) };
}

} // namespace Drawbridge
