// SPDX-License-Identifier: MIT
// drawbridge-bench-json: what reading (and writing) an agent-shaped request body costs with each JSON library
// Debian 12 offers (issue 18). For every body file given (bench/agentbodies.py writes them) and every
// candidate it parses the body and visits every value the way a request parser does (every string read out,
// every number converted), then reports the median thread CPU time of --runs repetitions, per body and per
// KiB:
//
//   qjsondocument      QJsonDocument::fromJson, then every string as a QString (what the parsers did)
//   simdjson-dom       simdjson 3 DOM parser (parser reused), every string as a std::string_view
//   simdjson-ondemand  simdjson 3 On-Demand, every string unescaped once, as the single-pass reader does
//   simdjson-ondemand-raw  the same, every string taken as its raw token (quotes and escapes as sent)
//   rapidjson          RapidJSON 1.1 Document::Parse with UTF-8 validation, every string as a view
//   rapidjson-insitu   the same, parsed in place (the body buffer is modified, no string copies)
// and, for writing the same tree back: qjsondocument-write (toJson Compact), rapidjson-write (Writer).
//
//   drawbridge-bench-json [--runs N] body.json…     prints one JSON object on stdout
#include <algorithm>
#include <cstdio>
#include <ctime>
#include <string>
#include <vector>

#include <QByteArray>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QString>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <simdjson.h>

namespace {

double threadCpuUs()
{
    timespec ts {};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return double(ts.tv_sec) * 1e6 + double(ts.tv_nsec) / 1e3;
}

template<typename F> double medianUs(int runs, F &&f)
{
    std::vector<double> t;
    t.reserve(size_t(runs));
    for (int i = 0; i < runs; ++i) {
        const double start = threadCpuUs();
        f();
        t.push_back(threadCpuUs() - start);
    }
    std::sort(t.begin(), t.end());
    return t[t.size() / 2];
}

// Sinks that the optimiser cannot drop.
volatile size_t g_sink = 0;

void visitQt(const QJsonValue &v, size_t &acc)
{
    switch (v.type()) {
    case QJsonValue::Object: {
        const QJsonObject o = v.toObject();
        for (auto it = o.begin(); it != o.end(); ++it) {
            acc += size_t(it.key().size());
            visitQt(it.value(), acc);
        }
        break;
    }
    case QJsonValue::Array:
        for (const QJsonValue &x : v.toArray())
            visitQt(x, acc);
        break;
    case QJsonValue::String:
        acc += size_t(v.toString().size());
        break;
    case QJsonValue::Double:
        acc += size_t(v.toDouble());
        break;
    default:
        ++acc;
    }
}

void visitDom(simdjson::dom::element e, size_t &acc)
{
    switch (e.type()) {
    case simdjson::dom::element_type::OBJECT:
        for (auto field : simdjson::dom::object(e)) {
            acc += field.key.size();
            visitDom(field.value, acc);
        }
        break;
    case simdjson::dom::element_type::ARRAY:
        for (auto x : simdjson::dom::array(e))
            visitDom(x, acc);
        break;
    case simdjson::dom::element_type::STRING:
        acc += std::string_view(e).size();
        break;
    case simdjson::dom::element_type::DOUBLE:
    case simdjson::dom::element_type::INT64:
    case simdjson::dom::element_type::UINT64:
        acc += size_t(double(e));
        break;
    default:
        ++acc;
    }
}

/** @p Raw: strings taken as their raw JSON tokens, quotes and escapes included, not unescaped (what a
 * translator copying the client's escaped strings through would read). */
template<bool Raw> bool visitOnDemand(simdjson::ondemand::value v, size_t &acc)
{
    simdjson::ondemand::json_type t;
    if (v.type().get(t))
        return false;
    switch (t) {
    case simdjson::ondemand::json_type::object: {
        simdjson::ondemand::object o;
        if (v.get_object().get(o))
            return false;
        for (auto field : o) {
            std::string_view key;
            if (field.unescaped_key().get(key))
                return false;
            acc += key.size();
            if (!visitOnDemand<Raw>(field.value(), acc))
                return false;
        }
        return true;
    }
    case simdjson::ondemand::json_type::array: {
        simdjson::ondemand::array a;
        if (v.get_array().get(a))
            return false;
        for (auto x : a) {
            simdjson::ondemand::value xv;
            if (x.get(xv) || !visitOnDemand<Raw>(xv, acc))
                return false;
        }
        return true;
    }
    case simdjson::ondemand::json_type::string: {
        std::string_view s;
        if constexpr (Raw)
            s = v.raw_json_token();
        else if (v.get_string().get(s))
            return false;
        acc += s.size();
        return true;
    }
    case simdjson::ondemand::json_type::number: {
        double d = 0;
        if (v.get_double().get(d))
            return false;
        acc += size_t(d);
        return true;
    }
    default:
        ++acc;
        return true;
    }
}

/** Parses @p padded On-Demand and visits every value (see visitOnDemand()); the visited sizes' sum. */
template<bool Raw> size_t onDemand(simdjson::ondemand::parser &parser, const simdjson::padded_string &padded)
{
    size_t acc = 0;
    simdjson::ondemand::document doc;
    simdjson::ondemand::value root;
    if (!parser.iterate(padded).get(doc) && !doc.get_value().get(root))
        visitOnDemand<Raw>(root, acc);
    return acc;
}

template<typename V> void visitRapid(const V &v, size_t &acc)
{
    if (v.IsObject()) {
        for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
            acc += it->name.GetStringLength();
            visitRapid(it->value, acc);
        }
    } else if (v.IsArray()) {
        for (auto it = v.Begin(); it != v.End(); ++it)
            visitRapid(*it, acc);
    } else if (v.IsString()) {
        acc += v.GetStringLength();
    } else if (v.IsNumber()) {
        acc += size_t(v.GetDouble());
    } else {
        ++acc;
    }
}

} // namespace

int main(int argc, char **argv)
{
    int runs = 200;
    std::vector<std::string> files;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--runs" && i + 1 < argc)
            runs = std::max(3, std::atoi(argv[++i]));
        else
            files.push_back(a);
    }
    if (files.empty()) {
        std::fprintf(stderr, "usage: drawbridge-bench-json [--runs N] body.json…\n");
        return 2;
    }
    std::printf("{\"simdjson_implementation\":\"%s\",\"runs\":%d,\"bodies\":[",
                simdjson::get_active_implementation()->name().c_str(), runs);
    simdjson::dom::parser domParser;
    simdjson::ondemand::parser odParser;
    for (size_t f = 0; f < files.size(); ++f) {
        QFile file(QString::fromStdString(files[f]));
        if (!file.open(QIODevice::ReadOnly)) {
            std::fprintf(stderr, "cannot read %s\n", files[f].c_str());
            return 2;
        }
        const QByteArray body = file.readAll();
        const simdjson::padded_string padded(body.constData(), size_t(body.size()));
        const std::string plain(body.constData(), size_t(body.size()));
        const double kib = double(body.size()) / 1024.0;

        struct Row
        {
            const char *name;
            double us;
        };
        std::vector<Row> rows;
        rows.push_back({ "qjsondocument", medianUs(runs, [&] {
                             size_t acc = 0;
                             visitQt(QJsonDocument::fromJson(body).object(), acc);
                             g_sink = g_sink + acc;
                         }) });
        const QJsonDocument qtDoc = QJsonDocument::fromJson(body);
        rows.push_back({ "qjsondocument-write", medianUs(runs, [&] {
                             g_sink = g_sink + size_t(qtDoc.toJson(QJsonDocument::Compact).size());
                         }) });
        rows.push_back({ "simdjson-dom", medianUs(runs, [&] {
                             size_t acc = 0;
                             simdjson::dom::element root;
                             if (!domParser.parse(padded).get(root))
                                 visitDom(root, acc);
                             g_sink = g_sink + acc;
                         }) });
        rows.push_back({ "simdjson-ondemand",
                         medianUs(runs, [&] { g_sink = g_sink + onDemand<false>(odParser, padded); }) });
        rows.push_back({ "simdjson-ondemand-raw",
                         medianUs(runs, [&] { g_sink = g_sink + onDemand<true>(odParser, padded); }) });
        rows.push_back({ "rapidjson", medianUs(runs, [&] {
                             size_t acc = 0;
                             rapidjson::Document d;
                             d.Parse<rapidjson::kParseValidateEncodingFlag>(plain.data(), plain.size());
                             if (!d.HasParseError())
                                 visitRapid(d, acc);
                             g_sink = g_sink + acc;
                         }) });
        std::string insitu;
        rows.push_back({ "rapidjson-insitu", medianUs(runs, [&] {
                             insitu = plain; // the copy is part of the price: parsing in place destroys it
                             size_t acc = 0;
                             rapidjson::Document d;
                             d.ParseInsitu<rapidjson::kParseValidateEncodingFlag>(insitu.data());
                             if (!d.HasParseError())
                                 visitRapid(d, acc);
                             g_sink = g_sink + acc;
                         }) });
        rapidjson::Document rd;
        rd.Parse(plain.data(), plain.size());
        rows.push_back({ "rapidjson-write", medianUs(runs, [&] {
                             rapidjson::StringBuffer sb;
                             rapidjson::Writer<rapidjson::StringBuffer> w(sb);
                             rd.Accept(w);
                             g_sink = g_sink + sb.GetSize();
                         }) });

        std::printf("%s{\"file\":\"%s\",\"bytes\":%lld,\"results\":[", f ? "," : "", files[f].c_str(),
                    static_cast<long long>(body.size()));
        for (size_t r = 0; r < rows.size(); ++r)
            std::printf("%s{\"candidate\":\"%s\",\"us\":%.1f,\"us_per_kib\":%.3f}", r ? "," : "",
                        rows[r].name, rows[r].us, rows[r].us / kib);
        std::printf("]}");
    }
    std::printf("]}\n");
    return 0;
}
