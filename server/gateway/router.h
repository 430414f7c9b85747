// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QString>
#include <QStringList>

#include <functional>
#include <vector>

namespace Drawbridge {

/** Method + path-pattern table; patterns are literal segments or `{name}` wildcards. */
template<typename Handler> class Router
{
public:
    void add(const QByteArray &method, const QString &pattern, Handler handler)
    {
        m_routes.push_back(Route { method, pattern.split(u'/', Qt::SkipEmptyParts), std::move(handler) });
    }

    struct Match
    {
        const Handler *handler = nullptr; ///< null: no route for this method
        QStringList params;
        QByteArrayList allowed; ///< methods that exist for the path (for 405)
    };

    Match match(const QByteArray &method, const QString &path) const
    {
        Match m;
        const QStringList segs = path.split(u'/', Qt::SkipEmptyParts);
        // The most literal pattern wins: POST /admin/accounts/import is not an account id, and GET on it is a
        // 405 rather than a lookup of the account "import".
        qsizetype fewestWildcards = -1;
        for (const Route &r : m_routes) {
            QStringList params;
            if (!matches(r.segments, segs, params))
                continue;
            if (fewestWildcards >= 0 && params.size() > fewestWildcards)
                continue;
            if (params.size() < fewestWildcards)
                m = Match {};
            fewestWildcards = params.size();
            if (!m.allowed.contains(r.method))
                m.allowed.append(r.method);
            if (r.method == method && !m.handler) {
                m.handler = &r.handler;
                m.params = params;
            }
        }
        return m;
    }

private:
    struct Route
    {
        QByteArray method;
        QStringList segments;
        Handler handler;
    };

    static bool matches(const QStringList &pattern, const QStringList &segs, QStringList &params)
    {
        if (pattern.size() != segs.size())
            return false;
        for (qsizetype i = 0; i < pattern.size(); ++i) {
            if (pattern[i].startsWith(u'{')) {
                params.append(segs[i]);
                continue;
            }
            if (pattern[i] != segs[i])
                return false;
        }
        return true;
    }

    std::vector<Route> m_routes;
};

} // namespace Drawbridge
