// SPDX-License-Identifier: MIT
#include "tst_metrics_prometheusparser.h"

#include <QList>
#include <QRegularExpression>
#include <QSet>
#include <QStringList>

#include <cmath>
#include <limits>

namespace Drawbridge::Test {

namespace {

const QRegularExpression metricName(QStringLiteral("^[a-zA-Z_:][a-zA-Z0-9_:]*$"));
const QRegularExpression labelName(QStringLiteral("^[a-zA-Z_][a-zA-Z0-9_]*$"));
const QRegularExpression
    floatValue(QStringLiteral("^[+-]?(Inf|NaN|([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][+-]?[0-9]+)?)$"));
const QRegularExpression timestamp(QStringLiteral("^-?[0-9]+$"));
const QSet<QString> knownTypes
    = { QStringLiteral("counter"), QStringLiteral("gauge"), QStringLiteral("histogram"),
        QStringLiteral("summary"), QStringLiteral("untyped") };

std::optional<double> parseFloat(const QString &text)
{
    if (!floatValue.match(text).hasMatch())
        return std::nullopt;
    QString t = text;
    if (t.startsWith(u'+'))
        t.remove(0, 1);
    if (t == QLatin1String("Inf"))
        return std::numeric_limits<double>::infinity();
    if (t == QLatin1String("-Inf"))
        return -std::numeric_limits<double>::infinity();
    if (t == QLatin1String("NaN"))
        return std::numeric_limits<double>::quiet_NaN();
    bool ok = false;
    const double v = t.toDouble(&ok);
    return ok ? std::optional<double>(v) : std::nullopt;
}

QString seriesKey(const QString &name, const PrometheusText::Labels &labels)
{
    QString key = name + u'{';
    for (auto it = labels.begin(); it != labels.end(); ++it)
        key += it.key() + QLatin1String("=\"") + it.value() + QLatin1String("\"\x1f");
    return key + u'}';
}

struct Cursor
{
    const QString &line;
    int pos = 0;
    bool atEnd() const { return pos >= line.size(); }
    QChar peek() const { return line.at(pos); }
};

QString readToken(Cursor &c, const QString &stopChars)
{
    const int start = c.pos;
    while (!c.atEnd() && !stopChars.contains(c.peek()))
        ++c.pos;
    return c.line.mid(start, c.pos - start);
}

// {name="value",…}; the cursor is on '{'.
Result<PrometheusText::Labels> readLabels(Cursor &c)
{
    PrometheusText::Labels labels;
    ++c.pos;
    bool first = true;
    while (true) {
        if (c.atEnd())
            return Error { QStringLiteral("unterminated label set") };
        if (c.peek() == u'}' && first) {
            ++c.pos;
            return labels;
        }
        const QString name = readToken(c, QStringLiteral("=,}\" "));
        if (!labelName.match(name).hasMatch() || name.startsWith(QLatin1String("__")))
            return Error { QStringLiteral("bad label name '%1'").arg(name) };
        if (labels.contains(name))
            return Error { QStringLiteral("label '%1' given twice").arg(name) };
        if (c.atEnd() || c.peek() != u'=')
            return Error { QStringLiteral("expected '=' after label %1").arg(name) };
        ++c.pos;
        if (c.atEnd() || c.peek() != u'"')
            return Error { QStringLiteral("expected '\"' to open the value of label %1").arg(name) };
        ++c.pos;
        QString value;
        while (true) {
            if (c.atEnd())
                return Error { QStringLiteral("unterminated value of label %1").arg(name) };
            const QChar ch = c.peek();
            ++c.pos;
            if (ch == u'"')
                break;
            if (ch != u'\\') {
                value += ch;
                continue;
            }
            if (c.atEnd())
                return Error { QStringLiteral("dangling backslash in label %1").arg(name) };
            const QChar escaped = c.peek();
            ++c.pos;
            if (escaped == u'\\')
                value += u'\\';
            else if (escaped == u'"')
                value += u'"';
            else if (escaped == u'n')
                value += u'\n';
            else
                return Error { QStringLiteral("illegal escape \\%1 in label %2").arg(escaped).arg(name) };
        }
        labels.insert(name, value);
        first = false;
        if (c.atEnd())
            return Error { QStringLiteral("unterminated label set") };
        if (c.peek() == u'}') {
            ++c.pos;
            return labels;
        }
        if (c.peek() == u',') {
            ++c.pos;
            if (!c.atEnd() && c.peek() == u'}')
                return Error { QStringLiteral("trailing comma in label set") };
        } else {
            return Error { QStringLiteral("expected ',' or '}' after label %1").arg(name) };
        }
    }
}

struct HistogramSeries
{
    QList<std::pair<double, double>> buckets; // (le, cumulative count) in file order
    std::optional<double> sum;
    std::optional<double> count;
};

} // namespace

Result<PrometheusText> PrometheusText::parse(const QByteArray &text)
{
    PrometheusText out;
    if (text.isEmpty())
        return out;
    if (!text.endsWith('\n'))
        return Error { QStringLiteral("the last line does not end with a line feed") };
    const QString all = QString::fromUtf8(text);
    if (all.toUtf8() != text)
        return Error { QStringLiteral("not valid UTF-8") };
    QStringList lines = all.split(u'\n');
    lines.removeLast(); // after the final line feed

    QSet<QString> familiesWithSamples;
    QSet<QString> seriesSeen;
    QString currentFamily;
    QSet<QString> closedFamilies; // families whose group of lines has ended
    // All lines of a family (HELP, TYPE, samples) must form one group.
    const auto enter = [&](const QString &family) {
        if (family == currentFamily)
            return true;
        if (closedFamilies.contains(family))
            return false;
        if (!currentFamily.isEmpty())
            closedFamilies.insert(currentFamily);
        currentFamily = family;
        return true;
    };
    QMap<QString, HistogramSeries> histograms; // family + labels without le
    int lineNo = 0;
    const auto fail = [&lineNo](const QString &why) {
        return Error { QStringLiteral("line %1: %2").arg(lineNo).arg(why) };
    };

    for (const QString &line : std::as_const(lines)) {
        ++lineNo;
        if (line.isEmpty())
            return fail(QStringLiteral("blank line"));
        if (line.startsWith(u'#')) {
            const QStringList parts = line.split(u' ');
            if (parts.size() < 3 || (parts[1] != QLatin1String("HELP") && parts[1] != QLatin1String("TYPE")))
                continue; // a plain comment
            const QString family = parts[2];
            if (!metricName.match(family).hasMatch())
                return fail(QStringLiteral("bad metric name '%1'").arg(family));
            if (familiesWithSamples.contains(family))
                return fail(QStringLiteral("%1 for %2 after its samples").arg(parts[1], family));
            if (!enter(family))
                return fail(QStringLiteral("lines of %1 are not grouped").arg(family));
            const QString rest = parts.mid(3).join(u' ');
            if (parts[1] == QLatin1String("HELP")) {
                if (out.m_help.contains(family))
                    return fail(QStringLiteral("second HELP for %1").arg(family));
                // HELP text may only escape backslash and line feed.
                for (int i = 0; i < rest.size(); ++i) {
                    if (rest.at(i) == u'\\') {
                        if (i + 1 >= rest.size() || (rest.at(i + 1) != u'\\' && rest.at(i + 1) != u'n'))
                            return fail(QStringLiteral("illegal escape in HELP of %1").arg(family));
                        ++i;
                    }
                }
                out.m_help.insert(family, rest);
            } else {
                if (out.m_types.contains(family))
                    return fail(QStringLiteral("second TYPE for %1").arg(family));
                if (!knownTypes.contains(rest))
                    return fail(QStringLiteral("unknown type '%1' for %2").arg(rest, family));
                out.m_types.insert(family, rest);
            }
            continue;
        }

        Cursor c { line };
        const QString name = readToken(c, QStringLiteral("{ \t"));
        if (!metricName.match(name).hasMatch())
            return fail(QStringLiteral("bad metric name '%1'").arg(name));
        Labels labels;
        if (!c.atEnd() && c.peek() == u'{') {
            auto parsed = readLabels(c);
            if (!parsed)
                return fail(parsed.error());
            labels = *parsed;
        }
        if (c.atEnd() || (c.peek() != u' ' && c.peek() != u'\t'))
            return fail(QStringLiteral("expected a blank before the value"));
        const QStringList rest
            = line.mid(c.pos).split(QRegularExpression(QStringLiteral("[ \t]+")), Qt::SkipEmptyParts);
        if (rest.isEmpty() || rest.size() > 2)
            return fail(QStringLiteral("expected a value and an optional timestamp"));
        const auto value = parseFloat(rest[0]);
        if (!value)
            return fail(QStringLiteral("bad value '%1'").arg(rest[0]));
        if (rest.size() == 2 && !timestamp.match(rest[1]).hasMatch())
            return fail(QStringLiteral("bad timestamp '%1'").arg(rest[1]));

        // Which declared family does the sample belong to?
        QString family;
        QString suffix;
        if (out.m_types.contains(name) && out.m_types.value(name) != QLatin1String("histogram")) {
            family = name;
        } else {
            for (const auto &s :
                 { QStringLiteral("_bucket"), QStringLiteral("_sum"), QStringLiteral("_count") }) {
                if (!name.endsWith(s))
                    continue;
                const QString base = name.chopped(s.size());
                if ((out.m_types.value(base) == QLatin1String("histogram")
                     || (s != QLatin1String("_bucket")
                         && out.m_types.value(base) == QLatin1String("summary")))) {
                    family = base;
                    suffix = s;
                    break;
                }
            }
        }
        if (family.isEmpty())
            return fail(
                QStringLiteral("sample %1 belongs to no family declared with TYPE before it").arg(name));
        if (!enter(family))
            return fail(QStringLiteral("lines of %1 are not grouped").arg(family));
        familiesWithSamples.insert(family);

        const QString key = seriesKey(name, labels);
        if (seriesSeen.contains(key))
            return fail(QStringLiteral("duplicate series %1").arg(key));
        seriesSeen.insert(key);

        const QString type = out.m_types.value(family);
        if (type == QLatin1String("counter") && !(*value >= 0))
            return fail(QStringLiteral("counter %1 is negative or NaN").arg(name));
        if (labels.contains(QStringLiteral("le")) && suffix != QLatin1String("_bucket"))
            return fail(QStringLiteral("label le outside a histogram bucket"));
        if (type == QLatin1String("histogram")) {
            Labels seriesLabels = labels;
            seriesLabels.remove(QStringLiteral("le"));
            HistogramSeries &h = histograms[seriesKey(family, seriesLabels)];
            if (suffix == QLatin1String("_bucket")) {
                if (!labels.contains(QStringLiteral("le")))
                    return fail(QStringLiteral("bucket without le"));
                const auto le = parseFloat(labels.value(QStringLiteral("le")));
                if (!le || std::isnan(*le))
                    return fail(QStringLiteral("bad le '%1'").arg(labels.value(QStringLiteral("le"))));
                if (h.sum || h.count)
                    return fail(QStringLiteral("bucket after _sum/_count of %1").arg(family));
                if (!h.buckets.isEmpty()) {
                    if (!(*le > h.buckets.last().first))
                        return fail(QStringLiteral("le of %1 not ascending").arg(family));
                    if (*value < h.buckets.last().second)
                        return fail(QStringLiteral("buckets of %1 are not cumulative").arg(family));
                }
                if (!(*value >= 0) || *value != std::floor(*value))
                    return fail(QStringLiteral("bucket count of %1 is not a whole number").arg(family));
                h.buckets.append({ *le, *value });
            } else if (suffix == QLatin1String("_sum")) {
                h.sum = *value;
            } else {
                h.count = *value;
            }
        }
        out.m_samples.push_back(Sample { name, labels, *value });
    }

    for (auto it = histograms.begin(); it != histograms.end(); ++it) {
        const HistogramSeries &h = it.value();
        if (h.buckets.isEmpty() || !std::isinf(h.buckets.last().first))
            return Error { QStringLiteral("histogram %1 has no le=\"+Inf\" bucket").arg(it.key()) };
        if (!h.sum || !h.count)
            return Error { QStringLiteral("histogram %1 lacks _sum or _count").arg(it.key()) };
        if (*h.count != h.buckets.last().second)
            return Error { QStringLiteral("histogram %1: +Inf bucket %2 != _count %3")
                               .arg(it.key())
                               .arg(h.buckets.last().second)
                               .arg(*h.count) };
    }
    return out;
}

std::optional<double> PrometheusText::value(const QString &name, const Labels &labels) const
{
    for (const Sample &s : m_samples) {
        if (s.name == name && s.labels == labels)
            return s.value;
    }
    return std::nullopt;
}

std::vector<PrometheusText::Sample> PrometheusText::samples(const QString &name) const
{
    std::vector<Sample> found;
    for (const Sample &s : m_samples) {
        if (s.name == name)
            found.push_back(s);
    }
    return found;
}

} // namespace Drawbridge::Test
