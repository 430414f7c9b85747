// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QList>
#include <QRandomGenerator>

#include <iterator>

namespace Drawbridge::Test {

/**
 * Bytes made to hit the edges of the SIMD loops: ASCII runs, two-, three- and four-byte sequences (C9 8F and
 * C9 90, CJK, emoji), placed so they straddle the 16- and 32-byte blocks, runs of two-byte sequences long
 * enough to fill the 8-bit lane counters many times (255 blocks), and invalid UTF-8: stray continuations,
 * leads before ASCII, cut sequences, any byte at all. Cut to exactly @p size bytes, so the end may cut a
 * sequence too.
 */
inline QByteArray hostileUtf8(QRandomGenerator &rng, qsizetype size)
{
    const auto between = [&rng](int lo, int hi) { return int(rng.bounded(lo, hi + 1)); };
    const auto cont = [&] { return char(between(0x80, 0xbf)); };
    static const char *const wide[] = {
        "\xe4\xb8\x80",     "\xe9\xbf\xbf",     "\xe3\x81\x82",     "\xea\xb0\x80",
        "\xe2\x80\x94",     "\xef\xbc\x81",     "\xe0\xa0\x80",     "\xed\x9f\xbf",
        "\xf0\x9f\x98\x80", "\xf0\xa0\x80\x80", "\xf4\x8f\xbf\xbf",
    };
    QByteArray s;
    s.reserve(size + 64);
    // How much of each to use differs from text to text: some are nearly all ASCII, some nearly none.
    const int asciiWeight = between(0, 12);
    while (s.size() < size) {
        const int pick = between(0, 22 + asciiWeight);
        if (pick >= 23) { // an ASCII run
            s += QByteArray(between(1, 80), char(between(0x20, 0x7e)));
            continue;
        }
        switch (pick) {
        case 0:
        case 1: // up to a byte before a 16- or 32-byte edge, for what comes next to straddle it
            while (s.size() % 16 != (pick == 0 ? 15 : 14))
                s += char(between(0x20, 0x7e));
            break;
        case 2:
        case 3:
            s += '\xc9';
            s += pick == 2 ? '\x8f' : '\x90';
            break;
        case 4:
            s += '\xc9';
            s += char(between(0x80, 0xbf));
            break;
        case 5:
        case 6: // two bytes, valid
            s += char(between(0xc2, 0xdf));
            s += cont();
            break;
        case 7:
        case 8:
            s += wide[between(0, int(std::size(wide)) - 1)];
            break;
        case 9: // any three or four bytes that look like a sequence
            s += char(between(0xe0, 0xf4));
            s += cont();
            s += cont();
            if (uchar(s.back()) >= 0xf0 || between(0, 1))
                s += cont();
            break;
        case 10: // a stray continuation
            s += cont();
            break;
        case 11: // a lead before ASCII (or anything)
            s += char(between(0xc0, 0xff));
            s += char(between(0, 1) ? between(0x20, 0x7e) : between(0, 255));
            break;
        case 12: // a cut sequence
            s += char(between(0xe0, 0xf7));
            if (between(0, 1))
                s += cont();
            break;
        case 13:
            s += char(between(0, 255));
            break;
        case 14: // a long run of two-byte sequences, past 255 blocks of 32 bytes
            if (between(0, 30) == 0) {
                const int count = between(4'100, 9'000);
                for (int k = 0; k < count; ++k) {
                    const int kind = between(0, 3);
                    s += kind == 0 ? '\xc9' : char(between(0xc2, 0xdf));
                    s += kind == 0 ? char(between(0, 1) ? 0x8f : 0x90) : cont();
                }
            }
            break;
        case 15: // bytes C9 8F / C9 90 need: a C9 as the last byte of a block, its successor the next's first
            while (s.size() % 32 != 31)
                s += 'c';
            s += '\xc9';
            s += between(0, 1) ? '\x8f' : '\x90';
            break;
        default: // low ASCII, control bytes
            s += char(between(0, 0x7f));
            break;
        }
    }
    s.truncate(size);
    return s;
}

/** Lengths for the differential tests: 0..100 each several times, then up to 4 KiB, then some long ones. */
inline qsizetype differentialLength(QRandomGenerator &rng, int round)
{
    if (round < 101 * 8)
        return round % 101;
    if (round % 40 == 0)
        return rng.bounded(20'000, 70'000);
    return rng.bounded(0, 4'096);
}

/**
 * @p text copied behind 0-31 filler bytes chosen by @p rng, so that a SIMD loop meets it at every alignment
 * to 32 bytes; the view lives in @p buffer (until its next use). @p align receives the filler's length, for
 * the failure message.
 */
inline QByteArrayView atRandomAlignment(QRandomGenerator &rng, QByteArray &buffer, const QByteArray &text,
                                        int &align)
{
    align = int(rng.bounded(0, 32));
    buffer = QByteArray(align, 'x') + text;
    return QByteArrayView(buffer).sliced(align);
}

/**
 * Runs of two-byte sequences (and of a two-byte sequence with an ASCII byte) far past 255 blocks, the most an
 * 8-bit lane counter holds, at each offset 0-3 against the blocks, each once as it is and once with @p
 * inserted in the middle.
 */
inline QList<QByteArray> twoByteRunsPastLaneCounters(const QByteArray &inserted)
{
    QList<QByteArray> texts;
    for (const QByteArray &unit : { QByteArray("\xc9\x90"), QByteArray("\xc9\x8f"),
                                    QByteArray("\xc3\xa9"
                                               "a") }) {
        for (int offset = 0; offset < 4; ++offset) {
            QByteArray text = QByteArray(offset, 'x') + unit.repeated(12'000);
            texts.append(text);
            text.insert(9'001, inserted);
            texts.append(text);
        }
    }
    return texts;
}

} // namespace Drawbridge::Test
