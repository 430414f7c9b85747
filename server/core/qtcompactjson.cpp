// SPDX-License-Identifier: MIT
#include "qtcompactjson.h"

#include <QLocale>

#include <algorithm>
#include <cmath>
#include <string_view>
#include <utility>
#include <vector>

#include <simdjson.h>

#include "server/core/jsonescape.h"

namespace Drawbridge {

namespace {

struct Unsure
{
};

// Writes @p e as QJsonDocument::toJson(Compact) writes the value Qt's parser makes of the same text.
void appendQtCompact(QByteArray &out, simdjson::dom::element e, bool dropEmptyKey)
{
    switch (e.type()) {
    case simdjson::dom::element_type::OBJECT: {
        std::vector<std::pair<std::string_view, simdjson::dom::element>> members;
        for (const auto field : simdjson::dom::object(e)) {
            // QJsonObject orders keys as UTF-16; for ASCII that is byte order. Anything else: the Qt path.
            if (std::any_of(field.key.begin(), field.key.end(),
                            [](char c) { return (unsigned char)c >= 0x80; }))
                throw Unsure {};
            if (dropEmptyKey && field.key.empty())
                continue;
            members.emplace_back(field.key, field.value);
        }
        std::sort(members.begin(), members.end(),
                  [](const auto &a, const auto &b) { return a.first < b.first; });
        out += '{';
        for (size_t i = 0; i < members.size(); ++i) {
            if (i > 0 && members[i].first == members[i - 1].first)
                throw Unsure {}; // a duplicate key; Qt keeps one of them
            if (i)
                out += ',';
            appendJsonString(out,
                             QByteArrayView(members[i].first.data(), qsizetype(members[i].first.size())));
            out += ':';
            appendQtCompact(out, members[i].second, false);
        }
        out += '}';
        return;
    }
    case simdjson::dom::element_type::ARRAY: {
        out += '[';
        bool first = true;
        for (const auto item : simdjson::dom::array(e)) {
            if (!first)
                out += ',';
            first = false;
            appendQtCompact(out, item, false);
        }
        out += ']';
        return;
    }
    case simdjson::dom::element_type::STRING: {
        // Valid UTF-8 (simdjson checked it) comes out of Qt unchanged but for the same escapes.
        const std::string_view s(e);
        appendJsonString(out, QByteArrayView(s.data(), qsizetype(s.size())));
        return;
    }
    case simdjson::dom::element_type::INT64:
        // Qt keeps integers that fit in 64 bits as integers ...
        out += QByteArray::number(qint64(int64_t(e)));
        return;
    case simdjson::dom::element_type::UINT64:
        // ... and parses larger ones as doubles, written in the shortest form that reads back.
        out += QByteArray::number(double(uint64_t(e)), 'g', QLocale::FloatingPointShortest);
        return;
    case simdjson::dom::element_type::DOUBLE: {
        // Qt's parser keeps a whole number that fits in 64 bits as an integer however it was written (1e6,
        // 1000000.0), and writes it back as one.
        const double d = double(e);
        if (d >= -0x1p63 && d < 0x1p63 && d == std::floor(d))
            out += QByteArray::number(qint64(d));
        else
            out += QByteArray::number(d, 'g', QLocale::FloatingPointShortest);
        return;
    }
    case simdjson::dom::element_type::BOOL:
        out += bool(e) ? "true" : "false";
        return;
    case simdjson::dom::element_type::NULL_VALUE:
        out += "null";
        return;
    }
    throw Unsure {};
}

} // namespace

bool QtCompactJson::appendObject(QByteArray &out, const simdjson::dom::element &object, bool dropEmptyKey)
{
    if (!object.is_object())
        return false;
    const qsizetype start = out.size();
    try {
        appendQtCompact(out, object, dropEmptyKey);
    } catch (const Unsure &) {
        out.truncate(start);
        return false;
    }
    return true;
}

} // namespace Drawbridge
