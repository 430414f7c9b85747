// SPDX-License-Identifier: MIT
#include "unifieddiff.h"

#include <QStringList>

#include <vector>

namespace Drawbridge {

namespace {

QStringList linesOf(const QString &text)
{
    if (text.isEmpty())
        return {};
    QStringList lines = text.split(QLatin1Char('\n'));
    if (text.endsWith(QLatin1Char('\n')))
        lines.removeLast();
    return lines;
}

struct Op
{
    char kind; // ' ', '-', '+'
    QString line;
};

// Longest common subsequence by dynamic programming: config files are small and the size is bounded, so the
// quadratic table is cheaper to get right than Myers' algorithm.
std::vector<Op> editScript(const QStringList &a, const QStringList &b)
{
    std::vector<Op> ops;
    const qsizetype n = a.size();
    const qsizetype m = b.size();
    if (n > UnifiedDiff::maxLines || m > UnifiedDiff::maxLines) {
        for (const QString &l : a)
            ops.push_back({ '-', l });
        for (const QString &l : b)
            ops.push_back({ '+', l });
        return ops;
    }
    std::vector<std::vector<int>> lcs(size_t(n + 1), std::vector<int>(size_t(m + 1), 0));
    for (qsizetype i = n - 1; i >= 0; --i) {
        for (qsizetype j = m - 1; j >= 0; --j) {
            lcs[size_t(i)][size_t(j)] = a[i] == b[j]
                ? lcs[size_t(i + 1)][size_t(j + 1)] + 1
                : std::max(lcs[size_t(i + 1)][size_t(j)], lcs[size_t(i)][size_t(j + 1)]);
        }
    }
    qsizetype i = 0;
    qsizetype j = 0;
    while (i < n && j < m) {
        if (a[i] == b[j]) {
            ops.push_back({ ' ', a[i] });
            ++i;
            ++j;
        } else if (lcs[size_t(i + 1)][size_t(j)] >= lcs[size_t(i)][size_t(j + 1)]) {
            ops.push_back({ '-', a[i++] });
        } else {
            ops.push_back({ '+', b[j++] });
        }
    }
    while (i < n)
        ops.push_back({ '-', a[i++] });
    while (j < m)
        ops.push_back({ '+', b[j++] });
    return ops;
}

} // namespace

QString UnifiedDiff::make(const QString &before, const QString &after, const QString &fromName,
                          const QString &toName, int context)
{
    if (before == after)
        return {};
    const std::vector<Op> ops = editScript(linesOf(before), linesOf(after));
    QString out = QStringLiteral("--- %1\n+++ %2\n").arg(fromName, toName);
    const qsizetype total = qsizetype(ops.size());
    qsizetype k = 0;
    while (k < total) {
        // Find the next change, then grow the hunk while changes are within 2 * context of each other.
        while (k < total && ops[size_t(k)].kind == ' ')
            ++k;
        if (k == total)
            break;
        const qsizetype start = std::max<qsizetype>(0, k - context);
        qsizetype end = k;
        qsizetype lastChange = k;
        while (end < total) {
            if (ops[size_t(end)].kind != ' ')
                lastChange = end;
            else if (end - lastChange > 2 * context)
                break;
            ++end;
        }
        end = std::min(total, lastChange + context + 1);
        // Line numbers of the hunk's first line in each text (1-based; 0 for an empty range).
        int oldLine = 1;
        int newLine = 1;
        for (qsizetype p = 0; p < start; ++p) {
            if (ops[size_t(p)].kind != '+')
                ++oldLine;
            if (ops[size_t(p)].kind != '-')
                ++newLine;
        }
        int oldCount = 0;
        int newCount = 0;
        for (qsizetype p = start; p < end; ++p) {
            if (ops[size_t(p)].kind != '+')
                ++oldCount;
            if (ops[size_t(p)].kind != '-')
                ++newCount;
        }
        out += QStringLiteral("@@ -%1,%2 +%3,%4 @@\n")
                   .arg(oldCount == 0 ? oldLine - 1 : oldLine)
                   .arg(oldCount)
                   .arg(newCount == 0 ? newLine - 1 : newLine)
                   .arg(newCount);
        for (qsizetype p = start; p < end; ++p)
            out += QLatin1Char(ops[size_t(p)].kind) + ops[size_t(p)].line + QLatin1Char('\n');
        k = end;
    }
    return out;
}

} // namespace Drawbridge
