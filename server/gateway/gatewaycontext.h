// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QStringList>

#include <functional>
#include <memory>
#include <vector>

#include "httpresponder.h"
#include "httpserverrequest.h"
#include "server/core/apierror.h"
#include "server/core/requestrecord.h"
#include "server/core/settings.h"

namespace Drawbridge {

class AdminModule;
class Clock;
class KeyService;
class MetricsSource;
class ModelCatalog;
class Provider;
class RateLimiter;
struct ApiKeyRecord;

/** The services routes use; owned by the composition root, referenced here. */
struct GatewayServices
{
    const Settings &settings;
    const Clock &clock;
    KeyService &keys;
    RateLimiter &limiter;
    Provider &provider;
    const ModelCatalog &models;
    MetricsSource *metrics = nullptr;
    std::vector<RequestObserver *> observers;
    std::vector<AdminModule *> adminModules;
};

/** One request being routed. */
struct RouteRequest
{
    const HttpServerRequest &http;
    QByteArray method;
    QString path;
    QStringList params; ///< values of `{…}` segments, in order
    std::shared_ptr<HttpResponder> responder;
    qint64 startedNs = 0;
    qint64 startedMs = 0;

    /** The first value of the field @p name (case-insensitive); null when absent. A view into the request. */
    QByteArrayView header(const char *name) const { return http.value(QByteArrayView(name)); }
};

} // namespace Drawbridge
