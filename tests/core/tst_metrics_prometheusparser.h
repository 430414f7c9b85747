// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QHash>
#include <QMap>
#include <QString>

#include <optional>
#include <vector>

#include "server/core/result.h"

namespace Drawbridge::Test {

/**
 * @brief A deliberately strict reader of the Prometheus text exposition format 0.0.4, for checking /metrics.
 *
 * Beyond the syntax it enforces what scrapers rely on: every sample belongs to a family declared with `#
 * TYPE` before its first sample, a family's lines form one group, HELP/TYPE appear at most once, no series
 * repeats, label values use only the three legal escapes, counters are not negative, and every histogram
 * series has ascending `le` buckets with cumulative counts, a `le="+Inf"` bucket equal to `_count`, and a
 * `_sum`. Blank lines are refused (the writer under test never emits them).
 */
class PrometheusText final
{
public:
    using Labels = QMap<QString, QString>;

    struct Sample
    {
        QString name;
        Labels labels;
        double value = 0;
    };

    static Result<PrometheusText> parse(const QByteArray &text);

    /** The declared type of a family ("counter", …), empty when undeclared. */
    QString type(const QString &family) const { return m_types.value(family); }
    QString help(const QString &family) const { return m_help.value(family); }
    /** The value of the sample with exactly these labels. */
    std::optional<double> value(const QString &name, const Labels &labels = {}) const;
    /** Every sample with this sample name, in file order. */
    std::vector<Sample> samples(const QString &name) const;
    int sampleCount() const { return int(m_samples.size()); }

private:
    QHash<QString, QString> m_types;
    QHash<QString, QString> m_help;
    std::vector<Sample> m_samples;
};

} // namespace Drawbridge::Test
