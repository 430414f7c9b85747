// SPDX-License-Identifier: MIT
#pragma once

#include <QJsonDocument>
#include <QJsonObject>

#include <memory>

#include "server/core/modelcatalog.h"
#include "server/core/ratelimiter.h"
#include "server/core/settings.h"
#include "server/gateway/gatewayserver.h"
#include "server/gateway/keyservice.h"
#include "server/storage/keyrepository.h"
#include "tests/support/fakeclock.h"
#include "tests/support/rawhttpclient.h"
#include "tests/support/scriptedprovider.h"
#include "tests/support/tempdatabase.h"

namespace Drawbridge::Test {

/** A started GatewayServer on 127.0.0.1:0 with a real SQLite key store and a scripted provider. */
struct GatewayFixture
{
    explicit GatewayFixture(Settings s = {})
        : settings(std::move(s))
        , keyRepository(db.database(), clock)
        , keys(keyRepository, clock)
        , limiter(clock)
        , models(settings.kiro)
    {
        settings.server.port = 0;
        if (!keys.load().ok())
            qFatal("cannot load keys");
        GatewayServices services { settings, clock, keys, limiter, provider, models };
        server = std::make_unique<GatewayServer>(std::move(services));
        server->setAdminToken(QStringLiteral("admin-secret"));
        const auto p = server->start();
        port = p.ok() ? *p : 0;
    }

    /** Creates a key through the admin API; returns {id, key}. */
    QPair<QString, QString> createKey(const QByteArray &body = "{\"name\":\"test\"}")
    {
        RawHttpClient c(port);
        const RawResponse r
            = c.request("POST", "/admin/keys", body, { { "Authorization", "Bearer admin-secret" } });
        const QJsonObject o = QJsonDocument::fromJson(r.body).object();
        return { o.value(QLatin1String("id")).toString(), o.value(QLatin1String("key")).toString() };
    }

    static QJsonObject json(const RawResponse &r) { return QJsonDocument::fromJson(r.body).object(); }
    static QString errorCode(const RawResponse &r)
    {
        return json(r).value(QLatin1String("error")).toObject().value(QLatin1String("code")).toString();
    }
    static QString errorType(const RawResponse &r)
    {
        return json(r).value(QLatin1String("error")).toObject().value(QLatin1String("type")).toString();
    }
    static QString errorParam(const RawResponse &r)
    {
        return json(r).value(QLatin1String("error")).toObject().value(QLatin1String("param")).toString();
    }

    Settings settings;
    FakeClock clock;
    TempDatabase db;
    KeyRepository keyRepository;
    KeyService keys;
    RateLimiter limiter;
    ModelCatalog models;
    ScriptedProvider provider;
    std::unique_ptr<GatewayServer> server;
    quint16 port = 0;
};

} // namespace Drawbridge::Test
