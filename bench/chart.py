#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Draws the latency-percentile chart for docs/performance.md from bench-results/results.json (stdlib only).

usage: bench/chart.py [results.json] [out.svg]
"""
import json
import math
import sys

KEYS = [("p50", "p50"), ("p90", "p90"), ("p99", "p99"), ("p999", "p99.9"), ("max", "max")]


def main():
    src = sys.argv[1] if len(sys.argv) > 1 else "bench-results/results.json"
    out = sys.argv[2] if len(sys.argv) > 2 else "bench/latency-percentiles.svg"
    with open(src) as f:
        R = json.load(f)
    lc = R["latency_c1"]
    series = [("direct to the fake upstream", "#7f8c8d", lc["direct"]["latency_us"]),
              ("through drawbridge", "#2e86de", lc["gateway"]["latency_us"])]
    W, H, left, right, top, bottom = 720, 360, 70, 20, 50, 60
    pw, ph = W - left - right, H - top - bottom
    vmax = max(v[k] for _, _, v in series for k, _ in KEYS)
    # Log scale from 10 µs to the next power of ten above the largest value.
    lo, hi = 1.0, math.ceil(math.log10(max(vmax, 100)))

    def y(v):
        return top + ph - (math.log10(max(v, 10)) - lo) / (hi - lo) * ph

    s = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="12">',
         f'<rect width="{W}" height="{H}" fill="white"/>',
         f'<text x="{W / 2}" y="22" text-anchor="middle" font-size="15">Latency at concurrency 1, non-streaming '
         f'(µs, log scale)</text>']
    for e in range(int(lo), int(hi) + 1):
        yy = y(10 ** e)
        s.append(f'<line x1="{left}" x2="{W - right}" y1="{yy:.1f}" y2="{yy:.1f}" stroke="#ddd"/>')
        label = f"{10 ** e:,}"
        s.append(f'<text x="{left - 6}" y="{yy + 4:.1f}" text-anchor="end">{label}</text>')
    group = pw / len(KEYS)
    bw = group * 0.35
    for i, (k, name) in enumerate(KEYS):
        gx = left + i * group
        for j, (_, color, v) in enumerate(series):
            x = gx + group * 0.12 + j * (bw + 4)
            yy = y(v[k])
            s.append(f'<rect x="{x:.1f}" y="{yy:.1f}" width="{bw:.1f}" height="{top + ph - yy:.1f}" fill="{color}"/>')
            s.append(f'<text x="{x + bw / 2:.1f}" y="{yy - 4:.1f}" text-anchor="middle" font-size="10">'
                     f'{v[k]:,.0f}</text>')
        s.append(f'<text x="{gx + group / 2:.1f}" y="{top + ph + 18}" text-anchor="middle">{name}</text>')
    for j, (label, color, _) in enumerate(series):
        lx = left + j * 260
        s.append(f'<rect x="{lx}" y="{H - 22}" width="12" height="12" fill="{color}"/>')
        s.append(f'<text x="{lx + 18}" y="{H - 12}">{label}</text>')
    s.append("</svg>")
    with open(out, "w") as f:
        f.write("\n".join(s) + "\n")
    print(out)


if __name__ == "__main__":
    main()
