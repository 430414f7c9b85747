// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QString>
#include <QStringList>
#include <QStringTokenizer>
#include <QVarLengthArray>

#include <algorithm>
#include <functional>
#include <limits>
#include <vector>

namespace Drawbridge {

/** Method + path-pattern table; patterns are literal segments or `{name}` wildcards. */
template<typename Handler> class Router
{
public:
    void add(const QByteArray &method, const QString &pattern, Handler handler)
    {
        Route r { method, pattern.split(u'/', Qt::SkipEmptyParts), {}, 0, std::move(handler) };
        for (const QString &segment : r.segments) {
            r.wildcard.push_back(segment.startsWith(u'{'));
            r.wildcards += r.wildcard.back() ? 1 : 0;
        }
        m_routes.push_back(std::move(r));
    }

    struct Match
    {
        const Handler *handler = nullptr; ///< null: no route for this method
        QStringList params;
        QByteArrayList allowed; ///< methods that exist for the path (for 405); filled only without a handler
    };

    Match match(const QByteArray &method, QStringView path) const
    {
        // The path's segments as views into it, and the matching routes in a small array: every request
        // is routed, and splitting the path into a QStringList and collecting methods allocated for each
        // (issue 18). Only a chosen route's parameters, or a 405's methods, are copied out.
        QVarLengthArray<QStringView, 8> segments;
        for (const QStringView segment : QStringTokenizer(path, u'/', Qt::SkipEmptyParts))
            segments.append(segment);
        QVarLengthArray<const Route *, 8> matching;
        int fewestWildcards = std::numeric_limits<int>::max();
        for (const Route &r : m_routes) {
            if (!matches(r, segments))
                continue;
            matching.append(&r);
            fewestWildcards = std::min(fewestWildcards, r.wildcards);
        }
        // The most literal pattern wins: POST /admin/accounts/import is not an account id, and GET on it is a
        // 405 rather than a lookup of the account "import".
        Match m;
        for (const Route *r : matching) {
            if (r->wildcards == fewestWildcards && r->method == method) {
                m.handler = &r->handler;
                for (qsizetype i = 0; i < segments.size(); ++i) {
                    if (r->wildcard[size_t(i)])
                        m.params.append(segments[i].toString());
                }
                return m;
            }
        }
        for (const Route *r : matching) {
            if (r->wildcards == fewestWildcards && !m.allowed.contains(r->method))
                m.allowed.append(r->method);
        }
        return m;
    }

private:
    struct Route
    {
        QByteArray method;
        QStringList segments;
        std::vector<bool> wildcard; ///< per segment: a `{name}`
        int wildcards = 0;
        Handler handler;
    };

    static bool matches(const Route &route, const QVarLengthArray<QStringView, 8> &segments)
    {
        if (route.segments.size() != segments.size())
            return false;
        for (qsizetype i = 0; i < segments.size(); ++i) {
            if (!route.wildcard[size_t(i)] && route.segments[i] != segments[i])
                return false;
        }
        return true;
    }

    std::vector<Route> m_routes;
};

} // namespace Drawbridge
