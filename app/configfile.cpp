// SPDX-License-Identifier: MIT
#include "configfile.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSaveFile>
#include <QUrl>

#include <toml++/toml.h>

#include <functional>
#include <string_view>

namespace Drawbridge {

namespace {

QString fromStd(std::string_view s)
{
    return QString::fromUtf8(s.data(), qsizetype(s.size()));
}

QString typeName(toml::node_type t)
{
    switch (t) {
    case toml::node_type::string:
        return QStringLiteral("a string");
    case toml::node_type::integer:
        return QStringLiteral("an integer");
    case toml::node_type::floating_point:
        return QStringLiteral("a number");
    case toml::node_type::boolean:
        return QStringLiteral("a boolean");
    case toml::node_type::array:
        return QStringLiteral("an array");
    case toml::node_type::table:
        return QStringLiteral("a table");
    default:
        return QStringLiteral("a date/time");
    }
}

class Reader
{
public:
    Reader(const toml::table &root, const QString &path) : m_root(root), m_path(path) { }

    QString error;

    bool wrongType(const toml::node &n, const QString &key, const QString &expected)
    {
        error = QStringLiteral("%1:%2: \"%3\" must be %4, not %5")
                    .arg(m_path)
                    .arg(n.source().begin.line)
                    .arg(key, expected, typeName(n.type()));
        return false;
    }

    bool outOfRange(const toml::node &n, const QString &key, const QString &range)
    {
        error = QStringLiteral("%1:%2: \"%3\" must be %4")
                    .arg(m_path)
                    .arg(n.source().begin.line)
                    .arg(key, range);
        return false;
    }

    const toml::node *find(const char *table, const char *key) const
    {
        const auto *t = m_root.get_as<toml::table>(table);
        return t ? t->get(key) : nullptr;
    }

    bool readString(const char *table, const char *key, QString &out)
    {
        const toml::node *n = find(table, key);
        if (!n)
            return true;
        if (const auto *s = n->as_string()) {
            out = fromStd(s->get());
            return true;
        }
        return wrongType(*n, qualified(table, key), QStringLiteral("a string"));
    }

    bool readInt(const char *table, const char *key, int &out, qint64 min, qint64 max)
    {
        const toml::node *n = find(table, key);
        if (!n)
            return true;
        const auto *i = n->as_integer();
        if (!i)
            return wrongType(*n, qualified(table, key), QStringLiteral("an integer"));
        if (i->get() < min || i->get() > max)
            return outOfRange(*n, qualified(table, key),
                              QStringLiteral("between %1 and %2").arg(min).arg(max));
        out = int(i->get());
        return true;
    }

    bool readBool(const char *table, const char *key, bool &out)
    {
        const toml::node *n = find(table, key);
        if (!n)
            return true;
        if (const auto *b = n->as_boolean()) {
            out = b->get();
            return true;
        }
        return wrongType(*n, qualified(table, key), QStringLiteral("a boolean"));
    }

    bool readStringList(const char *table, const char *key, QStringList &out)
    {
        const toml::node *n = find(table, key);
        if (!n)
            return true;
        const auto *a = n->as_array();
        if (!a)
            return wrongType(*n, qualified(table, key), QStringLiteral("an array of strings"));
        QStringList list;
        for (const toml::node &e : *a) {
            const auto *s = e.as_string();
            if (!s)
                return wrongType(e, qualified(table, key), QStringLiteral("an array of strings"));
            list.append(fromStd(s->get()));
        }
        out = list;
        return true;
    }

    bool readStringMap(const char *table, const char *key, QMap<QString, QString> &out)
    {
        const toml::node *n = find(table, key);
        if (!n)
            return true;
        const auto *t = n->as_table();
        if (!t)
            return wrongType(*n, qualified(table, key), QStringLiteral("a table of strings"));
        QMap<QString, QString> map;
        for (const auto &[k, v] : *t) {
            const auto *s = v.as_string();
            if (!s)
                return wrongType(v, qualified(table, key) + u'.' + fromStd(k.str()),
                                 QStringLiteral("a string"));
            map.insert(fromStd(k.str()), fromStd(s->get()));
        }
        out = map;
        return true;
    }

    /** A readable file; a relative path is taken from the config file's folder. Stored absolute. */
    bool readCaFile(const char *table, const char *key, QString &out)
    {
        QString value;
        if (!readString(table, key, value))
            return false;
        const toml::node *n = find(table, key);
        if (!n || value.isEmpty()) {
            if (n)
                out.clear();
            return true;
        }
        const QFileInfo info(QFileInfo(m_path).absoluteDir(), value);
        QFile file(info.absoluteFilePath());
        if (!info.isFile() || !file.open(QIODevice::ReadOnly)) {
            error = QStringLiteral("%1:%2: \"%3\": cannot read %4: %5")
                        .arg(m_path)
                        .arg(n->source().begin.line)
                        .arg(qualified(table, key), info.absoluteFilePath(),
                             info.exists() ? file.errorString() : QStringLiteral("no such file"));
            return false;
        }
        if (!file.readAll().contains("-----BEGIN CERTIFICATE-----")) {
            error = QStringLiteral("%1:%2: \"%3\": %4 holds no PEM certificate")
                        .arg(m_path)
                        .arg(n->source().begin.line)
                        .arg(qualified(table, key), info.absoluteFilePath());
            return false;
        }
        out = info.absoluteFilePath();
        return true;
    }

    /** "" or http://host:port (optionally with user:password@). */
    bool readProxy(const char *table, const char *key, QString &out)
    {
        QString value;
        if (!readString(table, key, value))
            return false;
        const toml::node *n = find(table, key);
        if (!n)
            return true;
        if (!value.isEmpty()) {
            const QUrl url(value, QUrl::StrictMode);
            if (!url.isValid() || url.scheme() != QStringLiteral("http") || url.host().isEmpty()
                || url.port() <= 0 || (!url.path().isEmpty() && url.path() != QStringLiteral("/"))) {
                // The value is not echoed: it may carry a password.
                return outOfRange(*n, qualified(table, key), QStringLiteral("\"http://host:port\" or \"\""));
            }
        }
        out = value;
        return true;
    }

    static QString qualified(const char *table, const char *key)
    {
        return QLatin1String(table) + u'.' + QLatin1String(key);
    }

private:
    const toml::table &m_root;
    QString m_path;
};

// Every key the file may hold; anything else is warned about.
const QMap<QString, QStringList> &knownKeys()
{
    static const QMap<QString, QStringList> keys = {
        { QStringLiteral("server"),
          { QStringLiteral("host"), QStringLiteral("port"), QStringLiteral("max_body_mb"),
            QStringLiteral("cors_origins"), QStringLiteral("request_timeout_s"),
            QStringLiteral("drain_timeout_s"), QStringLiteral("max_connections"),
            QStringLiteral("idle_timeout_s") } },
        { QStringLiteral("admin"), { QStringLiteral("auth_token") } },
        { QStringLiteral("limits"),
          { QStringLiteral("default_rpm"), QStringLiteral("queue_timeout_s"), QStringLiteral("max_queue") } },
        { QStringLiteral("kiro"),
          { QStringLiteral("region"), QStringLiteral("default_model"), QStringLiteral("slots_per_account"),
            QStringLiteral("api_base_url"), QStringLiteral("api_base_urls"),
            QStringLiteral("social_auth_base_url"), QStringLiteral("oidc_base_url"),
            QStringLiteral("ca_file"), QStringLiteral("proxy"), QStringLiteral("models"),
            QStringLiteral("model_aliases"), QStringLiteral("strict_models"), QStringLiteral("trim_history"),
            QStringLiteral("max_request_bytes") } },
        { QStringLiteral("storage"),
          { QStringLiteral("data_dir"), QStringLiteral("retention_days"), QStringLiteral("flush_interval_ms"),
            QStringLiteral("url") } },
    };
    return keys;
}

} // namespace

Status ConfigFile::apply(const QByteArray &text, const QString &path, Settings &s, QStringList &warnings)
{
    toml::table root;
    try {
        root = toml::parse(std::string_view(text.constData(), size_t(text.size())), path.toStdString());
    } catch (const toml::parse_error &e) {
        return Error { QStringLiteral("%1:%2:%3: invalid TOML: %4")
                           .arg(path)
                           .arg(e.source().begin.line)
                           .arg(e.source().begin.column)
                           .arg(fromStd(e.description())) };
    }

    for (const auto &[k, v] : root) {
        const QString table = fromStd(k.str());
        if (!knownKeys().contains(table)) {
            warnings.append(QStringLiteral("%1:%2: unknown key \"%3\" ignored")
                                .arg(path)
                                .arg(v.source().begin.line)
                                .arg(table));
            continue;
        }
        const auto *t = v.as_table();
        if (!t) {
            return Error { QStringLiteral("%1:%2: \"%3\" must be a table, not %4")
                               .arg(path)
                               .arg(v.source().begin.line)
                               .arg(table, typeName(v.type())) };
        }
        for (const auto &[kk, vv] : *t) {
            const QString key = fromStd(kk.str());
            if (!knownKeys().value(table).contains(key)) {
                warnings.append(QStringLiteral("%1:%2: unknown key \"%3.%4\" ignored")
                                    .arg(path)
                                    .arg(vv.source().begin.line)
                                    .arg(table, key));
            }
        }
    }

    Reader r(root, path);
    const bool ok = r.readString("server", "host", s.server.host)
        && r.readInt("server", "port", s.server.port, 0, 65535)
        && r.readInt("server", "max_body_mb", s.server.maxBodyMb, 1, 1024)
        && r.readStringList("server", "cors_origins", s.server.corsOrigins)
        && r.readInt("server", "request_timeout_s", s.server.requestTimeoutS, 1, 86400)
        && r.readInt("server", "drain_timeout_s", s.server.drainTimeoutS, 0, 3600)
        && r.readInt("server", "max_connections", s.server.maxConnections, 1, 1'000'000)
        && r.readInt("server", "idle_timeout_s", s.server.idleTimeoutS, 1, 86400)
        && r.readString("admin", "auth_token", s.admin.authToken)
        && r.readInt("limits", "default_rpm", s.limits.defaultRpm, 1, 1'000'000)
        && r.readInt("limits", "queue_timeout_s", s.limits.queueTimeoutS, 0, 3600)
        && r.readInt("limits", "max_queue", s.limits.maxQueue, 0, 1'000'000)
        && r.readString("kiro", "region", s.kiro.region)
        && r.readString("kiro", "default_model", s.kiro.defaultModel)
        && r.readInt("kiro", "slots_per_account", s.kiro.slotsPerAccount, 1, 1000)
        && r.readString("kiro", "api_base_url", s.kiro.apiBaseUrl)
        && r.readStringList("kiro", "api_base_urls", s.kiro.apiBaseUrls)
        && r.readString("kiro", "social_auth_base_url", s.kiro.socialAuthBaseUrl)
        && r.readString("kiro", "oidc_base_url", s.kiro.oidcBaseUrl)
        && r.readCaFile("kiro", "ca_file", s.kiro.caFile) && r.readProxy("kiro", "proxy", s.kiro.proxy)
        && r.readStringList("kiro", "models", s.kiro.models)
        && r.readStringMap("kiro", "model_aliases", s.kiro.modelAliases)
        && r.readBool("kiro", "strict_models", s.kiro.strictModels)
        && r.readBool("kiro", "trim_history", s.kiro.trimHistory)
        && r.readInt("kiro", "max_request_bytes", s.kiro.maxRequestBytes, 10'000, 16 * 1024 * 1024)
        && r.readString("storage", "data_dir", s.storage.dataDir)
        && r.readString("storage", "url", s.storage.url)
        && r.readInt("storage", "retention_days", s.storage.retentionDays, 1, 36500)
        && r.readInt("storage", "flush_interval_ms", s.storage.flushIntervalMs, 10, 60'000);
    if (!ok)
        return Error { r.error };
    return Ok {};
}

Status ConfigFile::load(const QString &path, bool createIfMissing, Settings &settings, QStringList &warnings)
{
    QFile file(path);
    if (!file.exists()) {
        if (!createIfMissing)
            return Error { QStringLiteral("%1: config file not found").arg(path) };
        if (!QDir().mkpath(QFileInfo(path).absolutePath()))
            return Error { QStringLiteral("%1: cannot create the config directory").arg(path) };
        QSaveFile out(path);
        if (!out.open(QIODevice::WriteOnly) || out.write(defaultText()) < 0 || !out.commit())
            return Error {
                QStringLiteral("%1: cannot write the default config: %2").arg(path, out.errorString())
            };
        return Ok {};
    }
    if (!file.open(QIODevice::ReadOnly))
        return Error { QStringLiteral("%1: cannot read: %2").arg(path, file.errorString()) };
    return apply(file.readAll(), path, settings, warnings);
}

QByteArray ConfigFile::defaultText()
{
    return QByteArrayLiteral(
        R"(# Drawbridge configuration. Every key is optional; the values shown are the defaults.
# Precedence: command-line flag > environment variable > this file > default.

[server]
# host = "127.0.0.1"          # DRAWBRIDGE_HOST / --host. Anything but loopback exposes the gateway to your network.
# port = 8642                 # DRAWBRIDGE_PORT / --port (0 = any free port)
# max_body_mb = 16            # larger request bodies get 413
# cors_origins = []           # browser origins allowed, e.g. ["http://localhost:3000"]; empty = none
# request_timeout_s = 600     # upper bound for one upstream request
# drain_timeout_s = 30        # how long in-flight requests may finish after a drain
# max_connections = 1024     # open client connections; past it new ones get 503 and are closed
# idle_timeout_s = 60         # idle keep-alive connections (and stalled request bodies) are closed after this

[admin]
# auth_token = ""             # DRAWBRIDGE_ADMIN_TOKEN; empty = generated once and kept in the OS keychain

[limits]
# default_rpm = 60            # per-key sliding window: requests per 60 s
# queue_timeout_s = 30        # how long a request may wait for a free account slot
# max_queue = 256             # requests waiting for a slot beyond this get 429 at once

[kiro]
# region = "us-east-1"
# default_model = "claude-sonnet-4.5"   # what the public model id "kiro" maps to
# slots_per_account = 3
# api_base_urls = []          # API endpoints tried in order, for every account; [] = by auth method (see docs/kiro.md)
# api_base_url = ""           # one endpoint: the same as api_base_urls = ["…"]
# social_auth_base_url = ""   # "" = https://prod.{region}.auth.desktop.kiro.dev
# oidc_base_url = ""          # "" = https://oidc.{region}.amazonaws.com
# ca_file = ""                # extra PEM CA bundle trusted for upstream calls (TLS-inspecting proxies); relative to this file
# proxy = ""                  # "http://host:port" (CONNECT) for upstream calls; "" = HTTPS_PROXY / NO_PROXY from the environment
# models = ["auto", "claude-sonnet-4", "claude-sonnet-4.5", "claude-sonnet-4.6", "claude-haiku-4.5", "claude-opus-4.5", "claude-opus-4.6", "claude-opus-4.7"]

# strict_models = false       # true: unknown claude-* ids are 404 instead of the newest model of their family
# trim_history = true         # drop the oldest turns of a conversation too long for Kiro (else 400 context_length_exceeded)
# max_request_bytes = 600000  # largest request body sent to Kiro; longer conversations are trimmed to fit

# [kiro.model_aliases]        # explicit names win over the family fallback
# "gpt-4o" = "claude-sonnet-4.5"

[storage]
# data_dir = ""               # DRAWBRIDGE_DATA_DIR / --data-dir; "" = the platform's app data folder
# retention_days = 30         # raw usage records older than this are pruned; hourly rollups are kept
# flush_interval_ms = 250     # usage records are written in batches this often
# url = ""                    # "" = SQLite in data_dir; "postgresql://user:pass@host:5432/db" = team mode (docs/team-mode.md)
)");
}

} // namespace Drawbridge
